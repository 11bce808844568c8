//! Transactions: compares, branches, previous values, revision bumps, and the requests etcd
//! refuses.

use std::sync::Arc;

use bytes::Bytes;

use crate::kv::{
    Compare, CompareOp, CompareTarget, KeyRange, KvError, KvStore, MAX_REQUEST_BYTES, MAX_TXN_OPS,
    RangeRequest, Txn, TxnOp, TxnOpResponse,
};
use crate::testing::support::*;

use CompareOp::{Equal, Greater, Less, NotEqual};

/// Runs a read-only txn guarded by `compare` and asserts whether it succeeded.
async fn check(store: &dyn KvStore, compare: Compare, expected: bool) {
    let what = format!("{compare:?}");
    let before = current(store).await;
    let response = txn(store, Txn::new().when(compare)).await;
    assert_eq!(response.succeeded, expected, "compare {what}");
    assert_eq!(
        response.revision, before,
        "a txn without writes does not bump the revision"
    );
}

fn cmp(key: &str, op: CompareOp, target: CompareTarget) -> Compare {
    Compare {
        key: b(key),
        op,
        target,
    }
}

/// `mod_revision` compares with each operator.
pub async fn txn_compare_mod_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "k", "1").await;
    let r2 = put(s, "k", "2").await;
    let m = CompareTarget::ModRevision;
    check(s, cmp("k", Equal, m(r2)), true).await;
    check(s, cmp("k", Equal, m(r1)), false).await;
    check(s, cmp("k", NotEqual, m(r1)), true).await;
    check(s, cmp("k", NotEqual, m(r2)), false).await;
    check(s, cmp("k", Greater, m(r1)), true).await;
    check(s, cmp("k", Greater, m(r2)), false).await;
    check(s, cmp("k", Less, m(r2 + 1)), true).await;
    check(s, cmp("k", Less, m(r2)), false).await;
}

/// `create_revision` compares with each operator.
pub async fn txn_compare_create_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "k", "1").await;
    put(s, "k", "2").await;
    let c = CompareTarget::CreateRevision;
    check(s, cmp("k", Equal, c(r1)), true).await;
    check(s, cmp("k", Equal, c(r1 + 1)), false).await;
    check(s, cmp("k", NotEqual, c(r1 + 1)), true).await;
    check(s, cmp("k", NotEqual, c(r1)), false).await;
    check(s, cmp("k", Greater, c(r1 - 1)), true).await;
    check(s, cmp("k", Greater, c(r1)), false).await;
    check(s, cmp("k", Less, c(r1 + 1)), true).await;
    check(s, cmp("k", Less, c(r1)), false).await;
}

/// `version` compares with each operator.
pub async fn txn_compare_version(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "k", "1").await;
    put(s, "k", "2").await;
    let v = CompareTarget::Version;
    check(s, cmp("k", Equal, v(2)), true).await;
    check(s, cmp("k", Equal, v(1)), false).await;
    check(s, cmp("k", NotEqual, v(1)), true).await;
    check(s, cmp("k", NotEqual, v(2)), false).await;
    check(s, cmp("k", Greater, v(1)), true).await;
    check(s, cmp("k", Greater, v(2)), false).await;
    check(s, cmp("k", Less, v(3)), true).await;
    check(s, cmp("k", Less, v(2)), false).await;
}

/// Value compares with each operator (byte order: a prefix is smaller).
pub async fn txn_compare_value(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "k", "m").await;
    let v = |x: &str| CompareTarget::Value(b(x));
    check(s, cmp("k", Equal, v("m")), true).await;
    check(s, cmp("k", Equal, v("n")), false).await;
    check(s, cmp("k", NotEqual, v("n")), true).await;
    check(s, cmp("k", NotEqual, v("m")), false).await;
    check(s, cmp("k", Greater, v("l")), true).await;
    check(s, cmp("k", Greater, v("m")), false).await;
    check(s, cmp("k", Greater, v("")), true).await;
    check(s, cmp("k", Less, v("n")), true).await;
    check(s, cmp("k", Less, v("mm")), true).await;
    check(s, cmp("k", Less, v("m")), false).await;
}

/// Lease compares with each operator, on a key with a lease and one without.
pub async fn txn_compare_lease(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let lease = within("grant", store.lease_grant(60))
        .await
        .expect("grant")
        .id;
    put_with_lease(s, "with", "1", lease).await;
    put(s, "without", "1").await;
    let l = CompareTarget::Lease;
    check(s, cmp("with", Equal, l(lease)), true).await;
    check(s, cmp("with", Equal, l(0)), false).await;
    check(s, cmp("with", NotEqual, l(0)), true).await;
    check(s, cmp("with", Greater, l(0)), true).await;
    check(s, cmp("with", Greater, l(lease)), false).await;
    check(s, cmp("with", Less, l(lease + 1)), true).await;
    check(s, cmp("with", Less, l(lease)), false).await;
    check(s, cmp("without", Equal, l(0)), true).await;
    check(s, cmp("without", NotEqual, l(lease)), true).await;
}

/// A missing key compares as zeros, except that every value compare fails.
pub async fn txn_compare_missing_key(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "other", "1").await;
    check(s, cmp("nope", Equal, CompareTarget::ModRevision(0)), true).await;
    check(
        s,
        cmp("nope", Equal, CompareTarget::CreateRevision(0)),
        true,
    )
    .await;
    check(s, cmp("nope", Equal, CompareTarget::Version(0)), true).await;
    check(s, cmp("nope", Less, CompareTarget::Version(1)), true).await;
    check(
        s,
        cmp("nope", Greater, CompareTarget::ModRevision(0)),
        false,
    )
    .await;
    check(s, cmp("nope", Equal, CompareTarget::Lease(0)), true).await;
    for op in [Equal, NotEqual, Greater, Less] {
        check(s, cmp("nope", op, CompareTarget::Value(b(""))), false).await;
        check(s, cmp("nope", op, CompareTarget::Value(b("x"))), false).await;
    }
    // Every compare must hold.
    let both = Txn::new()
        .when(cmp("nope", Equal, CompareTarget::Version(0)))
        .when(cmp("other", Equal, CompareTarget::Value(b("2"))));
    assert!(
        !txn(s, both).await.succeeded,
        "one failing compare fails the txn"
    );
}

/// A failed compare runs the else branch; its ranges read the store; nothing is bumped.
pub async fn txn_else_branch_with_ranges(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r_a = put(s, "e/a", "1").await;
    put(s, "e/b", "2").await;
    let before = current(s).await;
    let t = Txn::new()
        .when(Compare::mod_revision(b("e/a"), Equal, 0))
        .and_then(TxnOp::put(b("e/a"), b("created")))
        .or_else(TxnOp::get(b("e/a")))
        .or_else(TxnOp::Range(RangeRequest::new(KeyRange::prefix(b("e/")))));
    let response = txn(s, t).await;
    assert!(!response.succeeded);
    assert_eq!(
        response.revision, before,
        "a failed txn does not bump the revision"
    );
    assert_eq!(response.responses.len(), 2, "one response per else op");
    match &response.responses[0] {
        TxnOpResponse::Range(r) => {
            assert_eq!(pairs(&r.kvs), ["e/a=1"]);
            assert_eq!(r.kvs[0].mod_revision, r_a);
            assert_eq!(r.count, 1);
            assert_eq!(r.revision, before, "a read in a txn that writes nothing");
        }
        other => panic!("expected a range response, got {other:?}"),
    }
    match &response.responses[1] {
        TxnOpResponse::Range(r) => {
            assert_eq!(pairs(&r.kvs), ["e/a=1", "e/b=2"]);
            assert_eq!(r.count, 2);
        }
        other => panic!("expected a range response, got {other:?}"),
    }
    assert_eq!(
        get(s, "e/a").await.expect("e/a").value,
        b("1"),
        "the put did not run"
    );
    assert_eq!(current(s).await, before);
}

/// The success branch runs when every compare holds (a create-if-absent).
pub async fn txn_success_branch(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let create = || {
        Txn::new()
            .when(Compare::mod_revision(b("c"), Equal, 0))
            .and_then(TxnOp::put(b("c"), b("v")))
            .or_else(TxnOp::get(b("c")))
    };
    let before = current(s).await;
    let first = txn(s, create()).await;
    assert!(first.succeeded, "the key did not exist");
    assert_eq!(first.revision, before + 1);
    assert!(matches!(
        first.responses[..],
        [TxnOpResponse::Put { prev_kv: None }]
    ));
    let second = txn(s, create()).await;
    assert!(!second.succeeded, "the key exists now");
    assert_eq!(second.revision, before + 1);
    match &second.responses[..] {
        [TxnOpResponse::Range(r)] => assert_eq!(r.kvs[0].mod_revision, first.revision),
        other => panic!("expected one range response, got {other:?}"),
    }
}

/// `prev_kv` on puts and deletes; delete counts.
pub async fn txn_prev_kv(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r_old = put(s, "p/a", "old").await;
    put(s, "p/b", "b").await;
    put(s, "p/c", "c").await;
    let put_prev = |key: &str, value: &str| TxnOp::Put {
        key: b(key),
        value: b(value),
        lease: 0,
        prev_kv: true,
    };
    let response = txn(
        s,
        Txn::new()
            .and_then(put_prev("p/a", "new"))
            .and_then(put_prev("p/new", "x")),
    )
    .await;
    match &response.responses[..] {
        [
            TxnOpResponse::Put {
                prev_kv: Some(prev),
            },
            TxnOpResponse::Put { prev_kv: None },
        ] => {
            assert_eq!(text(&prev.value), "old");
            assert_eq!((prev.mod_revision, prev.version), (r_old, 1));
        }
        other => panic!("expected the old value and no previous value, got {other:?}"),
    }
    let without = txn(s, Txn::new().and_then(TxnOp::put(b("p/a"), b("newer")))).await;
    assert!(
        matches!(
            without.responses[..],
            [TxnOpResponse::Put { prev_kv: None }]
        ),
        "no prev_kv unless asked: {without:?}"
    );

    let deleted = txn(
        s,
        Txn::new().and_then(TxnOp::Delete {
            range: KeyRange::between(b("p/a"), b("p/c")),
            prev_kv: true,
        }),
    )
    .await;
    match &deleted.responses[..] {
        [TxnOpResponse::Delete { deleted, prev_kvs }] => {
            assert_eq!(*deleted, 2);
            assert_eq!(pairs(prev_kvs), ["p/a=newer", "p/b=b"]);
        }
        other => panic!("expected a delete response, got {other:?}"),
    }
    let quiet = txn(
        s,
        Txn::new().and_then(TxnOp::Delete {
            range: KeyRange::prefix(b("p/")),
            prev_kv: false,
        }),
    )
    .await;
    match &quiet.responses[..] {
        [TxnOpResponse::Delete { deleted, prev_kvs }] => {
            assert_eq!(*deleted, 2, "p/c and p/new");
            assert!(prev_kvs.is_empty(), "no prev_kvs unless asked");
        }
        other => panic!("expected a delete response, got {other:?}"),
    }
    assert!(list(s, "p/", 0).await.kvs.is_empty());
}

/// Deletes of `[start, end)` and of every key from `start` on (an end of `[0]`).
pub async fn txn_delete_ranges(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    for key in ["a", "b", "c", "d", "e"] {
        put(s, key, key).await;
    }
    let between = Txn::new().and_then(TxnOp::Delete {
        range: KeyRange::between(b("b"), b("d")),
        prev_kv: false,
    });
    let response = txn(s, between).await;
    assert!(matches!(
        response.responses[..],
        [TxnOpResponse::Delete { deleted: 2, .. }]
    ));
    let from_d = Txn::new().and_then(TxnOp::Delete {
        range: KeyRange::between(b("d"), Bytes::from_static(&[0])),
        prev_kv: true,
    });
    let response = txn(s, from_d).await;
    match &response.responses[..] {
        [TxnOpResponse::Delete { deleted, prev_kvs }] => {
            assert_eq!(*deleted, 2);
            assert_eq!(pairs(prev_kvs), ["d=d", "e=e"]);
        }
        other => panic!("expected a delete response, got {other:?}"),
    }
    let all = range(
        s,
        RangeRequest::new(KeyRange::between(b("a"), Bytes::from_static(&[0]))),
    )
    .await;
    assert_eq!(pairs(&all.kvs), ["a=a"]);
}

/// A delete that matches nothing writes nothing: no revision bump (etcd bumps only on change).
pub async fn txn_delete_nothing_no_bump(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "d/x", "1").await;
    let before = current(s).await;
    let response = txn(s, Txn::new().and_then(TxnOp::delete(b("d/missing")))).await;
    assert_eq!(response.revision, before, "deleting nothing is not a write");
    match &response.responses[..] {
        [TxnOpResponse::Delete { deleted, .. }] => assert_eq!(*deleted, 0),
        other => panic!("expected a delete response, got {other:?}"),
    }
    assert_eq!(current(s).await, before);
    let mixed = Txn::new()
        .and_then(TxnOp::delete(b("d/missing")))
        .and_then(TxnOp::delete(b("d/x")));
    assert_eq!(txn(s, mixed).await.revision, before + 1);
}

/// Reads in a txn see the txn's own earlier writes (etcd's write txn reads its own changes).
pub async fn txn_reads_own_writes(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "o", "1").await;
    put(s, "q", "1").await;
    let r2 = put(s, "q", "2").await;
    let t = Txn::new()
        .and_then(TxnOp::get(b("o")))
        .and_then(TxnOp::put(b("o"), b("2")))
        .and_then(TxnOp::get(b("o")))
        .and_then(TxnOp::get(b("q")))
        .and_then(TxnOp::Delete {
            range: KeyRange::key(b("q")),
            prev_kv: true,
        })
        .and_then(TxnOp::get(b("q")));
    let response = txn(s, t).await;
    let rev = response.revision;
    assert_eq!(rev, r2 + 1);
    match &response.responses[..] {
        [
            TxnOpResponse::Range(before_put),
            TxnOpResponse::Put { .. },
            TxnOpResponse::Range(after_put),
            TxnOpResponse::Range(before_delete),
            TxnOpResponse::Delete { deleted, prev_kvs },
            TxnOpResponse::Range(after_delete),
        ] => {
            assert_eq!(pairs(&before_put.kvs), ["o=1"], "before the put");
            assert_eq!(pairs(&after_put.kvs), ["o=2"], "after the put");
            let kv = &after_put.kvs[0];
            assert_eq!(
                (kv.create_revision, kv.mod_revision, kv.version),
                (r1, rev, 2)
            );
            assert_eq!(pairs(&before_delete.kvs), ["q=2"]);
            assert_eq!(*deleted, 1);
            assert_eq!(pairs(prev_kvs), ["q=2"]);
            assert_eq!(prev_kvs[0].mod_revision, r2);
            assert!(
                after_delete.kvs.is_empty(),
                "after the delete: {after_delete:?}"
            );
            // etcd stamps each read with the revision it read at: the store's before the txn's
            // first write, the txn's own after it.
            assert_eq!(
                before_put.revision, r2,
                "a read before the txn's first write"
            );
            assert_eq!(
                after_put.revision, rev,
                "a read after the txn's first write"
            );
            assert_eq!((before_delete.revision, after_delete.revision), (rev, rev));
        }
        other => panic!("unexpected responses {other:?}"),
    }
    assert_eq!(get(s, "o").await.expect("o").value, b("2"));
    assert!(get(s, "q").await.is_none());
}

/// A txn with only reads does not bump the revision.
pub async fn txn_read_only_no_bump(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "a", "1").await;
    let before = current(s).await;
    let t = Txn::new()
        .when(Compare::version(b("a"), Equal, 1))
        .and_then(TxnOp::get(b("a")))
        .and_then(TxnOp::Range(
            RangeRequest::new(KeyRange::prefix(b("a"))).count_only(),
        ));
    let response = txn(s, t).await;
    assert!(response.succeeded);
    assert_eq!(response.revision, before);
    assert_eq!(current(s).await, before);
    let empty = txn(s, Txn::new()).await;
    assert!(empty.succeeded, "an empty txn succeeds");
    assert_eq!(empty.revision, before);
}

/// Requests etcd refuses are refused with the same errors, and write nothing.
pub async fn txn_errors(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "base", "1").await;
    let before = current(s).await;

    let err = txn_err(s, Txn::new().and_then(TxnOp::put(b(""), b("v")))).await;
    assert!(matches!(err, KvError::EmptyKey), "empty put key: {err:?}");
    let err = txn_err(s, Txn::new().and_then(TxnOp::delete(b("")))).await;
    assert!(
        matches!(err, KvError::EmptyKey),
        "empty delete key: {err:?}"
    );
    let err = range_err(s, RangeRequest::new(KeyRange::key(b("")))).await;
    assert!(matches!(err, KvError::EmptyKey), "empty range key: {err:?}");

    let many = |n: usize, key: &str| {
        let mut t = Txn::new();
        for i in 0..n {
            t = t.and_then(TxnOp::put(b(&format!("{key}/{i}")), b("v")));
        }
        t
    };
    let err = txn_err(s, many(MAX_TXN_OPS + 1, "many")).await;
    assert!(
        matches!(
            err,
            KvError::TooManyOps {
                ops: 129,
                limit: 128
            }
        ),
        "129 ops: {err:?}"
    );
    let mut else_heavy = Txn::new().when(Compare::version(b("base"), Equal, 5));
    for i in 0..=MAX_TXN_OPS {
        else_heavy = else_heavy.or_else(TxnOp::put(b(&format!("else/{i}")), b("v")));
    }
    let err = txn_err(s, else_heavy).await;
    assert!(
        matches!(err, KvError::TooManyOps { .. }),
        "129 else ops: {err:?}"
    );

    let dup = Txn::new()
        .and_then(TxnOp::put(b("dup"), b("1")))
        .and_then(TxnOp::put(b("dup"), b("2")));
    let err = txn_err(s, dup).await;
    assert!(matches!(err, KvError::DuplicateKey), "two puts: {err:?}");
    let put_then_delete = Txn::new()
        .and_then(TxnOp::put(b("dup/a"), b("1")))
        .and_then(TxnOp::Delete {
            range: KeyRange::prefix(b("dup/")),
            prev_kv: false,
        });
    let err = txn_err(s, put_then_delete).await;
    assert!(
        matches!(err, KvError::DuplicateKey),
        "put + covering delete: {err:?}"
    );

    let too_large = vec![b'x'; MAX_REQUEST_BYTES + 1];
    let err = txn_err(
        s,
        Txn::new().and_then(TxnOp::put(b("large"), Bytes::from(too_large))),
    )
    .await;
    assert!(
        matches!(err, KvError::TooLarge { .. }),
        "1.5 MiB + 1: {err:?}"
    );

    assert_eq!(
        current(s).await,
        before,
        "nothing was written by the refused requests"
    );
    for key in ["", "many/0", "else/0", "dup", "dup/a", "large"] {
        if !key.is_empty() {
            assert!(get(s, key).await.is_none(), "{key} was not written");
        }
    }

    // The limits themselves are allowed.
    let response = txn(s, many(MAX_TXN_OPS, "ok")).await;
    assert_eq!(response.revision, before + 1, "128 puts are one revision");
    assert_eq!(list(s, "ok/", 0).await.count, 128);
    let overlapping_deletes = Txn::new()
        .and_then(TxnOp::Delete {
            range: KeyRange::prefix(b("ok/")),
            prev_kv: false,
        })
        .and_then(TxnOp::delete(b("ok/1")));
    let response = txn(s, overlapping_deletes).await;
    match &response.responses[..] {
        [
            TxnOpResponse::Delete { deleted: 128, .. },
            TxnOpResponse::Delete { deleted: 0, .. },
        ] => {}
        other => panic!("overlapping deletes are allowed: {other:?}"),
    }
    let big = vec![b'y'; 1024 * 1024];
    put_bytes(s, "big", Bytes::from(big)).await;
    assert_eq!(get(s, "big").await.expect("big").value.len(), 1024 * 1024);
}

async fn put_bytes(store: &dyn KvStore, key: &str, value: Bytes) {
    within("put bytes", store.put(b(key), value))
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e}"));
}
