//! Compaction: older reads fail, newer ones and the current state are intact, and the errors of
//! compacting again or into the future.

use std::sync::Arc;

use crate::kv::{KeyRange, KvError, KvStore, RangeRequest};
use crate::testing::support::*;

/// After `compact(r)`: reads below `r` fail, reads at and after `r` see what they saw before,
/// and the store reports `r` as compacted.
pub async fn compact_older_reads_fail_newer_work(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "c/a", "1").await;
    let r2 = put(s, "c/b", "1").await;
    let r3 = put(s, "c/a", "2").await;
    let r4 = delete(s, "c/b").await;
    let r5 = put(s, "c/c", "1").await;
    let before: Vec<_> = {
        let mut all = Vec::new();
        for rev in [r3, r4, r5] {
            all.push(pairs(&list(s, "c/", rev).await.kvs));
        }
        all
    };
    within("compact", store.compact(r3)).await.expect("compact");
    assert_eq!(
        store
            .compacted_revision()
            .await
            .expect("compacted_revision"),
        r3
    );
    for rev in [r1, r2] {
        let err = range_err(s, RangeRequest::new(KeyRange::prefix(b("c/"))).at(rev)).await;
        assert!(
            matches!(err, KvError::Compacted { requested, compacted } if requested == rev && compacted == r3),
            "read at {rev} after compacting to {r3}: {err:?}"
        );
    }
    for (i, rev) in [r3, r4, r5].into_iter().enumerate() {
        assert_eq!(
            pairs(&list(s, "c/", rev).await.kvs),
            before[i],
            "read at {rev} is unchanged by compaction"
        );
    }
    let at_r3 = list(s, "c/", r3).await;
    assert_eq!(pairs(&at_r3.kvs), ["c/a=2", "c/b=1"]);
    assert_eq!(
        at_r3.kvs[1].mod_revision, r2,
        "a key last written before r keeps its metadata"
    );
}

/// The current state, with metadata, is untouched by compaction (also after compacting to the
/// current revision), and writes go on from the same revision.
pub async fn compact_keeps_current_state(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r_a = put(s, "k/a", "1").await;
    put(s, "k/b", "1").await;
    let r_b2 = put(s, "k/b", "2").await;
    put(s, "k/gone", "1").await;
    delete(s, "k/gone").await;
    let latest = list(s, "k/", 0).await;
    let now = current(s).await;
    within("compact", store.compact(now))
        .await
        .expect("compact to now");
    let after = list(s, "k/", 0).await;
    assert_eq!(after.kvs, latest.kvs, "the current state is intact");
    assert_eq!(pairs(&after.kvs), ["k/a=1", "k/b=2"]);
    assert_eq!(after.kvs[0].mod_revision, r_a);
    assert_eq!((after.kvs[1].mod_revision, after.kvs[1].version), (r_b2, 2));
    assert_eq!(current(s).await, now, "compaction is not a write");
    let next = put(s, "k/b", "3").await;
    assert_eq!(next, now + 1);
    let kv = get(s, "k/b").await.expect("k/b");
    assert_eq!(kv.version, 3, "the version survives compaction");
    let recreated = put(s, "k/gone", "again").await;
    let kv = get(s, "k/gone").await.expect("k/gone");
    assert_eq!((kv.create_revision, kv.version), (recreated, 1));
}

/// Compacting to the compacted revision or below is `Compacted`; to the future, `FutureRevision`.
pub async fn compact_errors(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "a", "1").await;
    let r2 = put(s, "a", "2").await;
    let r3 = put(s, "a", "3").await;
    within("compact", store.compact(r2)).await.expect("compact");
    for again in [r2, r2 - 1] {
        match within("compact again", store.compact(again)).await {
            Err(KvError::Compacted {
                requested,
                compacted,
            }) => {
                assert_eq!(requested, again);
                assert_eq!(compacted, r2);
            }
            other => {
                panic!("compact({again}) after compact({r2}): expected Compacted, got {other:?}")
            }
        }
    }
    match within("compact future", store.compact(r3 + 1)).await {
        Err(KvError::FutureRevision { requested, current }) => {
            assert_eq!(requested, r3 + 1);
            assert_eq!(current, r3);
        }
        other => panic!(
            "compact({}) at {r3}: expected FutureRevision, got {other:?}",
            r3 + 1
        ),
    }
    assert_eq!(
        store
            .compacted_revision()
            .await
            .expect("compacted_revision"),
        r2,
        "failed compactions change nothing"
    );
    within("compact to now", store.compact(r3))
        .await
        .expect("compact forward");
    assert_eq!(
        store
            .compacted_revision()
            .await
            .expect("compacted_revision"),
        r3
    );
}
