//! Range reads and revision numbering.

use std::sync::Arc;

use crate::kv::{KeyRange, KvError, KvStore, RangeRequest, Txn, TxnOp};
use crate::testing::support::*;

/// A fresh store is at revision 1, has compacted nothing, and its first write is revision 2.
pub async fn fresh_store_revisions(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    assert_eq!(
        current(s).await,
        1,
        "a fresh store is at revision 1 (as etcd)"
    );
    let compacted = store
        .compacted_revision()
        .await
        .expect("compacted_revision");
    assert_eq!(compacted, 0, "a fresh store has compacted nothing");
    assert_eq!(put(s, "a", "1").await, 2, "the first write is revision 2");
    assert_eq!(current(s).await, 2);
    assert_eq!(
        put(s, "b", "1").await,
        3,
        "each write bumps the revision by one"
    );
}

/// One key: its value and metadata; a missing key reads as nothing with count 0.
pub async fn range_single_key(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let rev_a = put(s, "a", "va").await;
    put(s, "ab", "vab").await;
    let response = range(s, RangeRequest::new(KeyRange::key(b("a")))).await;
    assert_eq!(
        pairs(&response.kvs),
        ["a=va"],
        "a single-key range selects only that key"
    );
    assert_eq!(response.count, 1);
    assert!(!response.more);
    assert_eq!(
        response.revision,
        rev_a + 1,
        "the response carries the current revision"
    );
    let kv = &response.kvs[0];
    assert_eq!(
        (kv.create_revision, kv.mod_revision, kv.version, kv.lease),
        (rev_a, rev_a, 1, 0),
        "metadata of a fresh key"
    );
    let missing = range(s, RangeRequest::new(KeyRange::key(b("zz")))).await;
    assert!(missing.kvs.is_empty(), "a missing key reads as nothing");
    assert_eq!(missing.count, 0);
    assert!(!missing.more);
    assert_eq!(missing.revision, rev_a + 1);
    assert!(get(s, "zz").await.is_none());
}

/// A prefix selects exactly the keys starting with it, in key order.
pub async fn range_prefix(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    for key in ["p/2", "q", "p/1", "p", "p0", "o", "p/3", "p/"] {
        put(s, key, key).await;
    }
    let response = list(s, "p/", 0).await;
    assert_eq!(keys(&response.kvs), ["p/", "p/1", "p/2", "p/3"]);
    assert_eq!(response.count, 4);
    let all_p = list(s, "p", 0).await;
    assert_eq!(keys(&all_p.kvs), ["p", "p/", "p/1", "p/2", "p/3", "p0"]);
    // A prefix ending in 0xff: the range end increments the byte before it ("x\xff" -> "y").
    let raw_key = bytes::Bytes::from_static(b"x\xff\x01");
    within("put raw", store.put(raw_key.clone(), b("raw")))
        .await
        .expect("put a non-UTF-8 key");
    put(s, "y", "y").await;
    put(s, "x", "x").await;
    let raw = range(
        s,
        RangeRequest::new(KeyRange::prefix(bytes::Bytes::from_static(b"x\xff"))),
    )
    .await;
    assert_eq!(raw.kvs.len(), 1, "prefix x\\xff: {:?}", keys(&raw.kvs));
    assert_eq!(raw.kvs[0].key, raw_key);
}

/// `[start, end)` ranges, and an end of `[0]` meaning "every key from start on".
pub async fn range_between_and_from_key(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    for key in ["a", "b", "c", "d", "e"] {
        put(s, key, key).await;
    }
    let between = range(s, RangeRequest::new(KeyRange::between(b("b"), b("d")))).await;
    assert_eq!(keys(&between.kvs), ["b", "c"], "[b, d) excludes d");
    assert_eq!(between.count, 2);
    let from_c = RangeRequest::new(KeyRange::between(b("c"), bytes::Bytes::from_static(&[0])));
    assert_eq!(keys(&range(s, from_c).await.kvs), ["c", "d", "e"]);
    let empty = range(s, RangeRequest::new(KeyRange::between(b("ca"), b("cz")))).await;
    assert!(empty.kvs.is_empty() && empty.count == 0);
}

/// `limit` cuts the keys, `more` says so, `count` counts them all.
pub async fn range_limit_more_count(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    for i in 0..5 {
        put(s, &format!("k/{i}"), "v").await;
    }
    let two = range(s, RangeRequest::new(KeyRange::prefix(b("k/"))).limit(2)).await;
    assert_eq!(keys(&two.kvs), ["k/0", "k/1"]);
    assert!(two.more, "limit 2 of 5 leaves more");
    assert_eq!(two.count, 5, "count ignores the limit");
    let five = range(s, RangeRequest::new(KeyRange::prefix(b("k/"))).limit(5)).await;
    assert_eq!(five.kvs.len(), 5);
    assert!(!five.more, "limit 5 of 5 leaves none");
    let ten = range(s, RangeRequest::new(KeyRange::prefix(b("k/"))).limit(10)).await;
    assert_eq!(ten.kvs.len(), 5);
    assert!(!ten.more);
    assert_eq!(ten.count, 5);
    // The next page starts after the last key of the previous one.
    let rest = RangeRequest::new(KeyRange::between(b("k/2"), b("k0"))).limit(2);
    let page = range(s, rest).await;
    assert_eq!(keys(&page.kvs), ["k/2", "k/3"]);
    assert!(page.more);
    assert_eq!(page.count, 3);
}

/// A read at a past revision sees the store as it was: values then, deleted keys present,
/// later keys absent. The response's revision is the store's current one (as etcd).
pub async fn range_at_past_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r_a1 = put(s, "h/a", "a1").await;
    let r_b1 = put(s, "h/b", "b1").await;
    let r_a2 = put(s, "h/a", "a2").await;
    let r_del_b = delete(s, "h/b").await;
    let r_c = put(s, "h/c", "c1").await;
    let now = current(s).await;
    assert_eq!(now, r_c);

    let at_b1 = list(s, "h/", r_b1).await;
    assert_eq!(pairs(&at_b1.kvs), ["h/a=a1", "h/b=b1"], "at {r_b1}");
    assert_eq!(at_b1.count, 2);
    assert_eq!(
        at_b1.revision, now,
        "etcd answers a past read with its current revision"
    );
    assert_eq!(
        (at_b1.kvs[0].mod_revision, at_b1.kvs[0].version),
        (r_a1, 1),
        "metadata as it was"
    );

    let at_a2 = list(s, "h/", r_a2).await;
    assert_eq!(pairs(&at_a2.kvs), ["h/a=a2", "h/b=b1"], "at {r_a2}");
    assert_eq!(
        (
            at_a2.kvs[0].create_revision,
            at_a2.kvs[0].mod_revision,
            at_a2.kvs[0].version
        ),
        (r_a1, r_a2, 2)
    );

    let at_del = list(s, "h/", r_del_b).await;
    assert_eq!(pairs(&at_del.kvs), ["h/a=a2"], "b deleted at {r_del_b}");

    let latest = list(s, "h/", 0).await;
    assert_eq!(pairs(&latest.kvs), ["h/a=a2", "h/c=c1"]);

    let one_key = range(s, RangeRequest::new(KeyRange::key(b("h/b"))).at(r_a2)).await;
    assert_eq!(pairs(&one_key.kvs), ["h/b=b1"]);
    let before_create = range(s, RangeRequest::new(KeyRange::key(b("h/c"))).at(r_a1)).await;
    assert!(
        before_create.kvs.is_empty(),
        "a key created later is absent"
    );

    let limited = range(
        s,
        RangeRequest::new(KeyRange::prefix(b("h/")))
            .at(r_a2)
            .limit(1),
    )
    .await;
    assert_eq!(pairs(&limited.kvs), ["h/a=a2"]);
    assert!(limited.more);
    assert_eq!(limited.count, 2);

    let current_rev = range(s, RangeRequest::new(KeyRange::prefix(b("h/"))).at(now)).await;
    assert_eq!(
        pairs(&current_rev.kvs),
        ["h/a=a2", "h/c=c1"],
        "a read at the current revision"
    );
}

/// `count_only` returns the count and no keys.
pub async fn range_count_only(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    for i in 0..3 {
        put(s, &format!("c/{i}"), "v").await;
    }
    let response = range(s, RangeRequest::new(KeyRange::prefix(b("c/"))).count_only()).await;
    assert!(response.kvs.is_empty(), "count_only returns no keys");
    assert_eq!(response.count, 3);
    assert!(!response.more);
    let first = put(s, "c/3", "v").await;
    delete(s, "c/0").await;
    let past = RangeRequest::new(KeyRange::prefix(b("c/")))
        .count_only()
        .at(first - 1);
    assert_eq!(range(s, past).await.count, 3, "count at a past revision");
    let latest = range(s, RangeRequest::new(KeyRange::prefix(b("c/"))).count_only()).await;
    assert_eq!(latest.count, 3, "one added, one deleted");
    // etcd applies the limit to the keys it returns, and count_only returns none: no `more`.
    let limited = range(
        s,
        RangeRequest::new(KeyRange::prefix(b("c/")))
            .count_only()
            .limit(1),
    )
    .await;
    assert_eq!(
        (limited.count, limited.more),
        (3, false),
        "count_only with a limit"
    );
    assert!(limited.kvs.is_empty());
    let keys_limited = range(
        s,
        RangeRequest::new(KeyRange::prefix(b("c/")))
            .keys_only()
            .limit(2),
    )
    .await;
    assert_eq!(keys(&keys_limited.kvs), ["c/1", "c/2"]);
    assert_eq!(
        (keys_limited.count, keys_limited.more),
        (3, true),
        "keys_only with a limit"
    );
}

/// `keys_only` returns keys and metadata without values.
pub async fn range_keys_only(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "v/1", "one").await;
    let r2 = put(s, "v/2", "two").await;
    put(s, "v/2", "two again").await;
    let response = range(s, RangeRequest::new(KeyRange::prefix(b("v/"))).keys_only()).await;
    assert_eq!(keys(&response.kvs), ["v/1", "v/2"]);
    assert!(
        response.kvs.iter().all(|kv| kv.value.is_empty()),
        "no values"
    );
    assert_eq!(response.kvs[0].mod_revision, r1);
    assert_eq!(
        (response.kvs[1].create_revision, response.kvs[1].version),
        (r2, 2),
        "metadata is kept"
    );
    assert_eq!(response.count, 2);
}

/// A read at a future revision fails with `FutureRevision`.
pub async fn range_future_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let now = put(s, "f", "1").await;
    let err = range_err(s, RangeRequest::new(KeyRange::key(b("f"))).at(now + 1)).await;
    match err {
        KvError::FutureRevision { requested, current } => {
            assert_eq!(requested, now + 1);
            assert_eq!(current, now);
        }
        other => panic!("expected FutureRevision, got {other:?}"),
    }
    let err = range_err(s, RangeRequest::new(KeyRange::prefix(b("f"))).at(now + 100)).await;
    assert!(matches!(err, KvError::FutureRevision { .. }), "{err:?}");
}

/// A read below the compacted revision fails with `Compacted`; at it, it works.
pub async fn range_compacted_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "x", "1").await;
    let r2 = put(s, "x", "2").await;
    put(s, "x", "3").await;
    within("compact", store.compact(r2)).await.expect("compact");
    let err = range_err(s, RangeRequest::new(KeyRange::key(b("x"))).at(r1)).await;
    match err {
        KvError::Compacted {
            requested,
            compacted,
        } => {
            assert_eq!(requested, r1);
            assert_eq!(compacted, r2);
        }
        other => panic!("expected Compacted, got {other:?}"),
    }
    let at = range(s, RangeRequest::new(KeyRange::key(b("x"))).at(r2)).await;
    assert_eq!(
        pairs(&at.kvs),
        ["x=2"],
        "a read at exactly the compacted revision works"
    );
}

/// Revision bookkeeping: create, update, delete and recreate; a multi-put txn is one revision.
pub async fn revisions_and_versions(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let created = put(s, "r", "1").await;
    let kv = get(s, "r").await.expect("r exists");
    assert_eq!(
        (kv.create_revision, kv.mod_revision, kv.version),
        (created, created, 1)
    );

    let updated = put(s, "r", "2").await;
    assert_eq!(updated, created + 1);
    let kv = get(s, "r").await.expect("r exists");
    assert_eq!(
        (kv.create_revision, kv.mod_revision, kv.version),
        (created, updated, 2)
    );

    let deleted = delete(s, "r").await;
    assert_eq!(
        deleted,
        updated + 1,
        "a delete that removes a key is a revision"
    );
    assert!(get(s, "r").await.is_none());

    let recreated = put(s, "r", "3").await;
    let kv = get(s, "r").await.expect("r exists");
    assert_eq!(
        (kv.create_revision, kv.mod_revision, kv.version),
        (recreated, recreated, 1),
        "a recreated key starts over"
    );

    let before = current(s).await;
    let multi = Txn::new()
        .and_then(TxnOp::put(b("m/1"), b("x")))
        .and_then(TxnOp::put(b("m/2"), b("y")))
        .and_then(TxnOp::put(b("r"), b("4")));
    let response = txn(s, multi).await;
    assert_eq!(
        response.revision,
        before + 1,
        "a txn with several puts is one revision"
    );
    assert_eq!(current(s).await, before + 1);
    let all = list(s, "m/", 0).await;
    assert!(all.kvs.iter().all(|kv| kv.mod_revision == before + 1));
    let r = get(s, "r").await.expect("r exists");
    assert_eq!((r.mod_revision, r.version), (before + 1, 2));
}
