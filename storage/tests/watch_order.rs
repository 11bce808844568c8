//! Watch delivery under concurrent writes: every watcher gets exactly the committed events after
//! its start revision, no gap, no duplicate, in order, each revision's events together, with the
//! right previous values.
//!
//! Writers make a few thousand changes on one prefix (puts, deletes, multi-key txns) and record
//! what each committed write changed at which revision. Meanwhile watchers start at random past
//! revisions and at 0. Afterwards each watcher's events are compared with the committed sequence.
//! Then the store is compacted and a watch from below the compacted revision must fail with
//! `Compacted`, while one from the compacted revision works.
//!
//! Run: `cargo test -p ironkube-storage --test watch_order`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use ironkube_storage::kv::{
    EventKind, KeyRange, KvError, KvStore, Revision, Txn, TxnOp, TxnOpResponse, Watch, WatchRequest,
};
use ironkube_storage::testing::TestStore;
use rand::Rng;

const PREFIX: &str = "wo/";
const WRITERS: usize = 4;
const WRITES_PER_WRITER: usize = 500;
const KEYS: usize = 16;
const PAST_WATCHERS: usize = 8;
const NOW_WATCHERS: usize = 4;

/// One change as the writer committed it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Change {
    revision: Revision,
    kind: EventKind,
    key: String,
    value: String,
}

/// One change as a watcher saw it, with its previous value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    change: Change,
    prev: Option<String>,
}

fn key(i: usize) -> String {
    format!("{PREFIX}{i:02}")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One writer: random puts, deletes and multi-key txns, at least `WRITES_PER_WRITER` and until
/// every watcher is open; returns the changes it committed.
async fn writer(store: Arc<dyn KvStore>, id: usize, watchers_open: Arc<AtomicBool>) -> Vec<Change> {
    let mut committed = Vec::new();
    let mut seq = 0;
    while seq < WRITES_PER_WRITER || !watchers_open.load(Ordering::Acquire) {
        seq += 1;
        let (choice, keys, delete_one) = {
            let mut rng = rand::rng();
            let mut keys: Vec<usize> = (0..rng.random_range(1..=3))
                .map(|_| rng.random_range(0..KEYS))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            (rng.random_range(0..10u32), keys, rng.random_bool(0.3))
        };
        let value = format!("{id}-{seq}");
        // Ops in order, each (is_delete, key).
        let ops: Vec<(bool, String)> = match choice {
            0..=5 => vec![(false, key(keys[0]))],
            6..=7 => vec![(true, key(keys[0]))],
            _ => keys
                .iter()
                .enumerate()
                .map(|(i, k)| (delete_one && i == 0 && keys.len() > 1, key(*k)))
                .collect(),
        };
        let mut txn = Txn::new();
        for (is_delete, k) in &ops {
            txn = txn.and_then(if *is_delete {
                TxnOp::delete(Bytes::from(k.clone()))
            } else {
                TxnOp::put(Bytes::from(k.clone()), Bytes::from(value.clone()))
            });
        }
        let response = store.txn(txn).await.expect("writer txn");
        for ((is_delete, k), op) in ops.iter().zip(&response.responses) {
            match (is_delete, op) {
                (false, TxnOpResponse::Put { .. }) => committed.push(Change {
                    revision: response.revision,
                    kind: EventKind::Put,
                    key: k.clone(),
                    value: value.clone(),
                }),
                (true, TxnOpResponse::Delete { deleted: 1, .. }) => committed.push(Change {
                    revision: response.revision,
                    kind: EventKind::Delete,
                    key: k.clone(),
                    value: String::new(),
                }),
                (true, TxnOpResponse::Delete { deleted: 0, .. }) => {}
                other => panic!("unexpected response {other:?}"),
            }
        }
    }
    committed
}

/// Reads a watch until it delivered an event at `last` (or later); checks that no revision is
/// split across responses.
async fn collect(mut watch: Watch, last: Revision, what: String) -> Vec<Seen> {
    let mut seen: Vec<Seen> = Vec::new();
    let mut previous_response_last: Revision = 0;
    while seen.last().is_none_or(|s| s.change.revision < last) {
        let response =
            match tokio::time::timeout(Duration::from_secs(30), watch.stream.next()).await {
                Ok(Some(Ok(response))) => response,
                Ok(Some(Err(err))) => panic!("{what}: the watch failed: {err}"),
                Ok(None) => panic!("{what}: the watch ended"),
                Err(_) => panic!(
                    "{what}: no event for 30 s, last seen {:?}, waiting for {last}",
                    seen.last()
                ),
            };
        if let Some(first) = response.events.first() {
            assert!(
                first.kv.mod_revision > previous_response_last,
                "{what}: revision {} split across responses or repeated",
                first.kv.mod_revision
            );
        }
        if let Some(end) = response.events.last() {
            previous_response_last = end.kv.mod_revision;
            assert!(
                response.revision >= end.kv.mod_revision,
                "{what}: response revision {} below its last event's {}",
                response.revision,
                end.kv.mod_revision
            );
        }
        for event in response.events {
            seen.push(Seen {
                change: Change {
                    revision: event.kv.mod_revision,
                    kind: event.kind,
                    key: text(&event.kv.key),
                    value: text(&event.kv.value),
                },
                prev: event.prev_kv.map(|p| text(&p.value)),
            });
        }
    }
    seen
}

/// The committed changes with the previous value of each key, in commit order.
fn with_prev(committed: &[Change], initial: &HashMap<String, String>) -> Vec<Seen> {
    let mut values = initial.clone();
    committed
        .iter()
        .map(|change| {
            let prev = match change.kind {
                EventKind::Put => values.insert(change.key.clone(), change.value.clone()),
                EventKind::Delete => values.remove(&change.key),
            };
            Seen {
                change: change.clone(),
                prev,
            }
        })
        .collect()
}

/// Asserts `seen` equals `expected`, pointing at the first difference.
fn assert_same(seen: &[Seen], expected: &[Seen], what: &str) {
    if let Some(i) = (0..seen.len().max(expected.len())).find(|&i| seen.get(i) != expected.get(i)) {
        panic!(
            "{what}: event {i} differs (got {} events, expected {}):\n  got      {:?}\n  expected {:?}",
            seen.len(),
            expected.len(),
            seen.get(i),
            expected.get(i)
        );
    }
}

/// The whole scenario on one store.
async fn run(store: Arc<dyn KvStore>) {
    // Some initial keys, so past watchers and deletes have something to work on.
    let mut initial = HashMap::new();
    for i in 0..KEYS / 2 {
        store
            .put(Bytes::from(key(i)), Bytes::from_static(b"init"))
            .await
            .expect("initial put");
        initial.insert(key(i), "init".to_string());
    }
    let base = store.current_revision().await.expect("current revision");

    let watchers_open = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|id| tokio::spawn(writer(store.clone(), id, watchers_open.clone())))
        .collect();

    // Watchers open while the writers run: from past revisions, and from "now".
    let mut past = Vec::new();
    let mut now = Vec::new();
    for i in 0..PAST_WATCHERS + NOW_WATCHERS {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let current = store.current_revision().await.expect("current revision");
        if i % 3 == 2 {
            let request = WatchRequest::new(KeyRange::prefix(Bytes::from(PREFIX)), 0);
            let watch = store.watch(request).await.expect("watch from now");
            let after = store.current_revision().await.expect("current revision");
            now.push((current, after, watch));
        } else {
            let start = rand::rng().random_range(base + 1..=current.max(base + 1));
            let request = WatchRequest::new(KeyRange::prefix(Bytes::from(PREFIX)), start);
            past.push((
                start,
                store.watch(request).await.expect("watch from the past"),
            ));
        }
    }

    watchers_open.store(true, Ordering::Release);
    let mut committed = Vec::new();
    for writer in writers {
        committed.extend(writer.await.expect("writer task"));
    }
    // Commit order: by revision; within a revision, the txn's own order (kept by the stable sort).
    committed.sort_by_key(|c| c.revision);
    let last = committed.last().expect("some writes").revision;
    let full = with_prev(&committed, &initial);
    let revisions: Vec<Revision> = {
        let mut r: Vec<_> = committed.iter().map(|c| c.revision).collect();
        r.dedup();
        r
    };
    assert_eq!(
        revisions.len(),
        (last - base) as usize,
        "every revision after {base} is one committed write"
    );

    let mut checks = Vec::new();
    for (start, watch) in past {
        checks.push(tokio::spawn(async move {
            (
                format!("watch from {start}"),
                Some(start),
                0,
                0,
                collect(watch, last, format!("watch from {start}")).await,
            )
        }));
    }
    for (before, after, watch) in now {
        checks.push(tokio::spawn(async move {
            let what = format!("watch from now (opened between {before} and {after})");
            (
                what.clone(),
                None,
                before,
                after,
                collect(watch, last, what).await,
            )
        }));
    }
    for check in checks {
        let (what, start, before, after, seen) = check.await.expect("watcher task");
        let from = match start {
            Some(start) => start,
            None => {
                let first = seen.first().map_or(last + 1, |s| s.change.revision);
                assert!(
                    first > before && first <= after + 1,
                    "{what}: first event at {first}, opened between {before} and {after}"
                );
                first
            }
        };
        let expected: Vec<Seen> = full
            .iter()
            .filter(|s| s.change.revision >= from)
            .cloned()
            .collect();
        assert_same(&seen, &expected, &what);
    }
    eprintln!(
        "{} changes in {} revisions checked against {} watchers",
        committed.len(),
        revisions.len(),
        PAST_WATCHERS + NOW_WATCHERS
    );

    // Compaction: below it, watches fail; from it, they work.
    let mid = revisions[revisions.len() / 2];
    store.compact(mid).await.expect("compact");
    let request = WatchRequest::new(KeyRange::prefix(Bytes::from(PREFIX)), mid - 1);
    let err = match store.watch(request).await {
        Err(err) => err,
        Ok(mut watch) => loop {
            match tokio::time::timeout(Duration::from_secs(10), watch.stream.next()).await {
                Ok(Some(Ok(response))) if response.events.is_empty() => continue,
                Ok(Some(Ok(response))) => {
                    panic!("a watch below the compacted revision delivered {response:?}")
                }
                Ok(Some(Err(err))) => break err,
                Ok(None) => panic!("a watch below the compacted revision ended quietly"),
                Err(_) => panic!("a watch below the compacted revision neither failed nor ended"),
            }
        },
    };
    assert!(
        matches!(err, KvError::Compacted { requested, compacted } if requested == mid - 1 && compacted == mid),
        "watch from {} after compacting to {mid}: {err:?}",
        mid - 1
    );
    // From the compacted revision on, the events are intact (previous values of events at the
    // compacted revision itself may be gone: not compared).
    let request = WatchRequest::new(KeyRange::prefix(Bytes::from(PREFIX)), mid + 1);
    let watch = store.watch(request).await.expect("watch after compaction");
    let seen = collect(
        watch,
        last,
        format!("watch from {} after compaction", mid + 1),
    )
    .await;
    let expected: Vec<Seen> = full
        .iter()
        .filter(|s| s.change.revision > mid)
        .cloned()
        .collect();
    assert_same(&seen, &expected, "watch after compaction");
    assert_eq!(
        store
            .compacted_revision()
            .await
            .expect("compacted revision"),
        mid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_delivers_committed_events_in_order() {
    let store = TestStore::etcd().await;
    run(store.store()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_delivers_committed_events_in_order() {
    let store = TestStore::embedded().await;
    run(store.store()).await;
}
