//! What the shared storage suite cannot see of the embedded backend: group commit, durability
//! of everything across a clean close, compaction in batches, slow watchers, lease expiry
//! after a restart, and refusals inside a batch.
//!
//! Run with: `cargo test -p ironkube-storage --test embedded_specific`

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use ironkube_storage::embedded::{EmbeddedOptions, EmbeddedStore};
use ironkube_storage::kv::{
    Compare, CompareOp, Event, EventKind, KeyRange, KeyValue, KvError, KvStore, RangeRequest, Txn,
    TxnOp, WatchRequest,
};

async fn open(dir: &Path) -> EmbeddedStore {
    EmbeddedStore::open(dir).await.expect("open the store")
}

async fn open_with(dir: &Path, options: EmbeddedOptions) -> EmbeddedStore {
    EmbeddedStore::open_with(dir, options)
        .await
        .expect("open the store")
}

fn b(text: impl Into<String>) -> Bytes {
    Bytes::from(text.into())
}

fn put_with_lease(key: &str, value: &str, lease: i64) -> TxnOp {
    TxnOp::Put {
        key: b(key),
        value: b(value),
        lease,
        prev_kv: false,
    }
}

async fn list(
    store: &EmbeddedStore,
    prefix: &str,
    revision: i64,
) -> Result<Vec<KeyValue>, KvError> {
    let response = store
        .range(RangeRequest::new(KeyRange::prefix(b(prefix))).at(revision))
        .await?;
    assert_eq!(
        response.count,
        i64::try_from(response.kvs.len()).unwrap_or(-1)
    );
    Ok(response.kvs)
}

/// Reads events from a watch until one at `revision` has arrived.
async fn events_through(watch: &mut ironkube_storage::kv::Watch, revision: i64) -> Vec<Event> {
    let mut events = Vec::new();
    while events
        .last()
        .is_none_or(|e: &Event| e.kv.mod_revision < revision)
    {
        let next = tokio::time::timeout(Duration::from_secs(10), watch.stream.next())
            .await
            .expect("events in time");
        events.extend(next.expect("watch open").expect("watch ok").events);
    }
    events
}

/// Reads events from a watch until `want` have arrived (or the deadline passes).
async fn collect_events(
    watch: &mut ironkube_storage::kv::Watch,
    want: usize,
    within: Duration,
) -> Vec<(i64, Event)> {
    let deadline = Instant::now() + within;
    let mut events = Vec::new();
    while events.len() < want {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = tokio::time::timeout(left, watch.stream.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "only {} of {want} events arrived in {within:?}",
                    events.len()
                )
            });
        let response = next.expect("watch ended early").expect("watch failed");
        for event in response.events {
            assert!(
                event.kv.mod_revision <= response.revision,
                "an event after its response's revision"
            );
            events.push((response.revision, event));
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_commit_batches_concurrent_writers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let before = store.stats();
    let start = store.current_revision().await.expect("revision");
    assert_eq!(start, 1, "a new store is at revision 1, as etcd");
    let writers = 256;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..writers {
        let store = store.clone();
        tasks.spawn(async move {
            let key = format!("/registry/configmaps/default/cm-{i:03}");
            let value = vec![b'x'; 1024];
            let txn = Txn::new()
                .when(Compare::mod_revision(key.clone(), CompareOp::Equal, 0))
                .and_then(TxnOp::put(key, value));
            store.txn(txn).await
        });
    }
    let mut revisions = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let response = result.expect("writer task").expect("create");
        assert!(response.succeeded);
        revisions.push(response.revision);
    }
    revisions.sort_unstable();
    // One revision each, no gap, no sharing.
    let expected: Vec<i64> = (start + 1..=start + 256).collect();
    assert_eq!(revisions, expected);
    let after = store.stats();
    let commits = after.commits - before.commits;
    eprintln!(
        "256 concurrent creates: {commits} commits, largest batch {}",
        after.largest_batch
    );
    assert!(commits >= 1);
    assert!(
        commits * 4 <= writers,
        "256 concurrent writers took {commits} commits: group commit is not batching"
    );
    assert!(after.largest_batch > 1);
    assert_eq!(
        after.committed_requests - before.committed_requests,
        writers
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_leaves_the_rest_of_its_batch_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let lease = store.lease_grant(60).await.expect("grant").id;
    let start = store.current_revision().await.expect("revision");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200i64 {
        let store = store.clone();
        tasks.spawn(async move {
            // Every third write names a lease that does not exist.
            let lease_id = if i % 3 == 0 { 7_777_777 } else { lease };
            let key = format!("/k/{i:03}");
            let txn = Txn::new()
                .and_then(TxnOp::put(format!("/plain/{i:03}"), "v"))
                .and_then(put_with_lease(&key, "v", lease_id));
            (i, store.txn(txn).await)
        });
    }
    let mut revisions = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (i, result) = result.expect("task");
        if i % 3 == 0 {
            assert!(
                matches!(result, Err(KvError::LeaseNotFound(7_777_777))),
                "write {i}: {result:?}"
            );
        } else {
            revisions.push(result.expect("good write").revision);
        }
    }
    revisions.sort_unstable();
    // The refused ones took no revision and wrote nothing (not even their first put).
    let good = i64::try_from(revisions.len()).unwrap_or(0);
    assert_eq!(good, 133);
    let expected: Vec<i64> = (start + 1..=start + good).collect();
    assert_eq!(revisions, expected);
    let plain = list(&store, "/plain/", 0).await.expect("list");
    assert_eq!(plain.len(), revisions.len());
    for kv in &plain {
        let i: i64 = std::str::from_utf8(&kv.key[7..])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1);
        assert_ne!(i % 3, 0, "refused write {i} left its first put behind");
    }
    assert_eq!(
        store.current_revision().await.ok(),
        revisions.last().copied()
    );
    store.close().await;
}

#[tokio::test]
async fn reopen_after_close_keeps_revisions_data_and_leases() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    for i in 0..20 {
        store
            .put(b(format!("/a/{i:02}")), b(format!("v{i}")))
            .await
            .expect("put");
    }
    store
        .txn(Txn::new().and_then(TxnOp::Delete {
            range: KeyRange::key(b("/a/03")),
            prev_kv: false,
        }))
        .await
        .expect("delete");
    let lease = store.lease_grant(300).await.expect("grant");
    store
        .txn(Txn::new().and_then(put_with_lease("/leased", "x", lease.id)))
        .await
        .expect("put with lease");
    store.compact(10).await.expect("compact");
    let revision = store.current_revision().await.expect("revision");
    let before_latest = list(&store, "/", 0).await.expect("list");
    let before_at_12 = list(&store, "/", 12).await.expect("list at 12");
    store.close().await;
    assert!(matches!(
        store.put(b("/x"), b("y")).await,
        Err(KvError::Closed)
    ));
    assert!(matches!(store.get(b("/x")).await, Err(KvError::Closed)));

    let store = open(dir.path()).await;
    assert_eq!(store.current_revision().await.ok(), Some(revision));
    assert_eq!(store.compacted_revision().await.ok(), Some(10));
    assert_eq!(list(&store, "/", 0).await.expect("list"), before_latest);
    assert_eq!(
        list(&store, "/", 12).await.expect("list at 12"),
        before_at_12
    );
    assert!(matches!(
        list(&store, "/", 9).await,
        Err(KvError::Compacted {
            requested: 9,
            compacted: 10
        })
    ));
    let leased = store
        .get(b("/leased"))
        .await
        .expect("get")
        .expect("leased key");
    assert_eq!(leased.lease, lease.id);
    assert_eq!(store.lease_keep_alive(lease.id).await.ok(), Some(300));
    // The next write continues the revision sequence.
    assert_eq!(
        store.put(b("/after"), b("1")).await.ok(),
        Some(revision + 1)
    );
    // Revoking the recovered lease deletes its key in one revision.
    store.lease_revoke(lease.id).await.expect("revoke");
    assert_eq!(store.current_revision().await.ok(), Some(revision + 2));
    assert!(store.get(b("/leased")).await.expect("get").is_none());
    assert!(matches!(
        store.lease_keep_alive(lease.id).await,
        Err(KvError::LeaseNotFound(_))
    ));
    store.close().await;
}

/// Builds a history over a handful of keys: creates, updates, deletes, multi-key txns, a lease.
async fn build_history(store: &EmbeddedStore, writes: usize) {
    let lease = store.lease_grant(3600).await.expect("grant").id;
    for i in 0..writes {
        let key = format!("/h/{:02}", (i * 7) % 23);
        match i % 11 {
            3 | 8 => {
                store
                    .txn(Txn::new().and_then(TxnOp::delete(b(key))))
                    .await
                    .expect("delete");
            }
            5 => {
                let other = format!("/h/{:02}", (i * 3) % 23);
                let txn = Txn::new()
                    .and_then(TxnOp::put(b(key), b(format!("txn {i}"))))
                    .and_then(TxnOp::Delete {
                        range: KeyRange::key(b(other)),
                        prev_kv: true,
                    });
                // The same key twice is refused; then just put.
                if store.txn(txn).await.is_err() {
                    store
                        .put(b(format!("/h/{:02}", i % 23)), b(format!("alone {i}")))
                        .await
                        .expect("put");
                }
            }
            9 => {
                store
                    .txn(Txn::new().and_then(put_with_lease(&key, &format!("leased {i}"), lease)))
                    .await
                    .expect("leased put");
            }
            _ => {
                store
                    .put(b(key), b(format!("value {i}")))
                    .await
                    .expect("put");
            }
        }
    }
}

async fn wait_compacted_through(store: &EmbeddedStore, revision: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.stats().compacted_through < revision {
        assert!(
            Instant::now() < deadline,
            "compaction to {revision} did not finish"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_in_batches_keeps_every_read_at_or_after_the_compacted_revision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = EmbeddedOptions {
        compaction_batch: 7,
        ..EmbeddedOptions::default()
    };
    let store = open_with(dir.path(), options.clone()).await;
    build_history(&store, 400).await;
    let current = store.current_revision().await.expect("revision");
    let mut before = BTreeMap::new();
    for revision in 1..=current {
        before.insert(revision, list(&store, "/h/", revision).await.expect("list"));
    }
    let single_key_before: Vec<_> = {
        let mut out = Vec::new();
        for revision in 1..=current {
            let response = store
                .range(RangeRequest::new(KeyRange::key(b("/h/07"))).at(revision))
                .await
                .expect("get at revision");
            out.push(response.kvs);
        }
        out
    };
    let compact_to = current / 2;
    let mut watch = store
        .watch(WatchRequest::new(
            KeyRange::prefix(b("/h/")),
            compact_to + 1,
        ))
        .await
        .expect("watch before compaction");
    let events_before = events_through(&mut watch, current).await;
    drop(watch);
    let stats_before = store.stats();
    store.compact(compact_to).await.expect("compact");
    // Reads below the compacted revision fail at once, before the history is gone.
    assert!(matches!(
        list(&store, "/h/", compact_to - 1).await,
        Err(KvError::Compacted { .. })
    ));
    wait_compacted_through(&store, compact_to).await;
    let stats = store.stats();
    let deleted = stats.compacted_entries - stats_before.compacted_entries;
    let steps = stats.compaction_commits - stats_before.compaction_commits;
    eprintln!("compaction to {compact_to}: {deleted} entries deleted in {steps} steps");
    assert!(deleted > 50, "compaction deleted only {deleted} entries");
    assert!(
        steps >= u64::try_from(compact_to).unwrap_or(0) / 7,
        "{steps} steps for {compact_to} revisions of at most 7 entries each"
    );
    for revision in compact_to..=current {
        assert_eq!(
            list(&store, "/h/", revision)
                .await
                .expect("list after compaction"),
            before[&revision],
            "range at {revision} changed by compaction to {compact_to}"
        );
        let single = store
            .range(RangeRequest::new(KeyRange::key(b("/h/07"))).at(revision))
            .await
            .expect("get after compaction");
        let index = usize::try_from(revision - 1).unwrap_or(0);
        assert_eq!(single.kvs, single_key_before[index]);
    }
    for revision in [1, compact_to - 1] {
        assert!(matches!(
            list(&store, "/h/", revision).await,
            Err(KvError::Compacted { .. })
        ));
    }
    // A watch from after the compacted revision still sees every change, previous values
    // included; one from the compacted revision itself is allowed, as in etcd.
    let mut watch = store
        .watch(WatchRequest::new(
            KeyRange::prefix(b("/h/")),
            compact_to + 1,
        ))
        .await
        .expect("watch after compaction");
    assert_eq!(events_through(&mut watch, current).await, events_before);
    assert!(
        store
            .watch(WatchRequest::new(KeyRange::prefix(b("/h/")), compact_to))
            .await
            .is_ok()
    );
    assert!(matches!(
        store
            .watch(WatchRequest::new(
                KeyRange::prefix(b("/h/")),
                compact_to - 1
            ))
            .await,
        Err(KvError::Compacted { .. })
    ));
    // Compacting again, and the history survives a reopen in its compacted form.
    build_history(&store, 100).await;
    let later = store.current_revision().await.expect("revision");
    let at_later = list(&store, "/h/", later - 5).await.expect("list");
    store.compact(later - 5).await.expect("second compaction");
    wait_compacted_through(&store, later - 5).await;
    store.close().await;
    let store = open_with(dir.path(), options).await;
    assert_eq!(
        list(&store, "/h/", later - 5).await.expect("list"),
        at_later
    );
    assert_eq!(store.stats().compacted_through, later - 5);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_watcher_gets_every_event_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = EmbeddedOptions {
        broadcast_capacity: 16,
        ..EmbeddedOptions::default()
    };
    let store = open_with(dir.path(), options).await;
    let start = store.current_revision().await.expect("revision") + 1;
    let mut slow = store
        .watch(WatchRequest::new(KeyRange::prefix(b("/w/")), 0))
        .await
        .expect("watch");
    let total = 50_000usize;
    let writers = 50usize;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.spawn(async move {
            let per = total / writers;
            let mut i = 0;
            while i < per {
                // Mostly single puts, some transactions of several, some deletes.
                let mut txn = Txn::new();
                let n = if i % 10 == 0 { 5.min(per - i) } else { 1 };
                for j in 0..n {
                    let key = format!("/w/{w:02}/{:05}", i + j);
                    txn = txn.and_then(TxnOp::put(b(key), b(format!("{w}:{}", i + j))));
                }
                store.txn(txn).await.expect("write");
                i += n;
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("writer");
    }
    let end = store.current_revision().await.expect("revision");
    // Only now is the watch read: it lagged far behind its 16-batch buffer.
    let events = collect_events(&mut slow, total, Duration::from_secs(120)).await;
    assert_eq!(events.len(), total);
    let mut last_revision = start - 1;
    let mut seen = std::collections::HashSet::new();
    for (_, event) in &events {
        assert_eq!(event.kind, EventKind::Put);
        assert!(
            event.kv.mod_revision >= last_revision,
            "event at {} after {}",
            event.kv.mod_revision,
            last_revision
        );
        last_revision = event.kv.mod_revision;
        assert!(seen.insert(event.kv.key.clone()), "duplicate event");
        let key = std::str::from_utf8(&event.kv.key).expect("utf-8 key");
        let value = std::str::from_utf8(&event.kv.value).expect("utf-8 value");
        let (w, i): (u32, u32) = (
            key[3..5].parse().expect("writer number"),
            key[6..].parse().expect("write number"),
        );
        assert_eq!(value, format!("{w}:{i}"));
    }
    assert_eq!(last_revision, end);
    // Events of one revision come in one response.
    let mut by_revision: BTreeMap<i64, std::collections::HashSet<i64>> = BTreeMap::new();
    for (response_revision, event) in &events {
        by_revision
            .entry(event.kv.mod_revision)
            .or_default()
            .insert(*response_revision);
    }
    assert!(by_revision.values().all(|responses| responses.len() == 1));
    // Caught up: a progress request answers with the current revision.
    assert!(slow.request_progress());
    let progress = tokio::time::timeout(Duration::from_secs(10), slow.stream.next())
        .await
        .expect("progress in time")
        .expect("watch open")
        .expect("progress");
    assert!(progress.is_progress());
    assert_eq!(progress.revision, end);
    store.close().await;
    // Closing ends the watch.
    let ended = tokio::time::timeout(Duration::from_secs(10), slow.stream.next())
        .await
        .expect("watch ends on close");
    assert!(ended.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_expire_after_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    // etcd grants at least 2 s.
    let lease = store.lease_grant(1).await.expect("grant");
    assert_eq!(lease.ttl, 2);
    assert!(lease.id > 0);
    store
        .txn(
            Txn::new()
                .and_then(put_with_lease("/l/a", "1", lease.id))
                .and_then(put_with_lease("/l/b", "2", lease.id)),
        )
        .await
        .expect("leased puts");
    store.put(b("/l/c"), b("3")).await.expect("plain put");
    store.close().await;
    // Down for longer than the TTL: a restart renews every lease to its full TTL.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let reopened = Instant::now();
    let store = open(dir.path()).await;
    let revision = store.current_revision().await.expect("revision");
    assert!(
        store.get(b("/l/a")).await.expect("get").is_some(),
        "lease expired while down"
    );
    let mut watch = store
        .watch(WatchRequest::new(KeyRange::prefix(b("/l/")), 0))
        .await
        .expect("watch");
    let events = collect_events(&mut watch, 2, Duration::from_secs(10)).await;
    let expired_after = reopened.elapsed();
    assert!(
        expired_after >= Duration::from_millis(1900),
        "expired {expired_after:?} after the restart, before its TTL"
    );
    // Both keys in one revision, as deletes.
    assert!(events.iter().all(|(_, e)| e.kind == EventKind::Delete));
    assert!(
        events
            .iter()
            .all(|(_, e)| e.kv.mod_revision == revision + 1)
    );
    assert!(
        events
            .iter()
            .all(|(_, e)| e.prev_kv.as_ref().is_some_and(|p| p.lease == lease.id))
    );
    assert!(store.get(b("/l/a")).await.expect("get").is_none());
    assert!(store.get(b("/l/b")).await.expect("get").is_none());
    assert!(store.get(b("/l/c")).await.expect("get").is_some());
    assert_eq!(store.current_revision().await.ok(), Some(revision + 1));
    assert!(matches!(
        store.lease_keep_alive(lease.id).await,
        Err(KvError::LeaseNotFound(_))
    ));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_postpones_expiry_and_moving_a_key_detaches_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let first = store.lease_grant(2).await.expect("grant").id;
    let second = store.lease_grant(3600).await.expect("grant").id;
    store
        .txn(
            Txn::new()
                .and_then(put_with_lease("/m/stays", "1", first))
                .and_then(put_with_lease("/m/moves", "1", first))
                .and_then(put_with_lease("/m/freed", "1", first)),
        )
        .await
        .expect("puts");
    // Move one key to another lease and free one from any lease.
    store
        .txn(
            Txn::new()
                .and_then(put_with_lease("/m/moves", "2", second))
                .and_then(put_with_lease("/m/freed", "2", 0)),
        )
        .await
        .expect("moves");
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(store.lease_keep_alive(first).await.ok(), Some(2));
    }
    // Kept alive for 3 s against a TTL of 2 s.
    assert!(store.get(b("/m/stays")).await.expect("get").is_some());
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(store.get(b("/m/stays")).await.expect("get").is_none());
    assert_eq!(
        store
            .get(b("/m/moves"))
            .await
            .expect("get")
            .map(|kv| kv.lease),
        Some(second)
    );
    assert_eq!(
        store
            .get(b("/m/freed"))
            .await
            .expect("get")
            .map(|kv| kv.lease),
        Some(0)
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_answers_every_queued_write_truthfully() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300 {
        let store = store.clone();
        tasks.spawn(async move { (i, store.put(b(format!("/c/{i:03}")), b("v")).await) });
    }
    // Close while those writes are queued or in flight.
    tokio::task::yield_now().await;
    store.close().await;
    let mut acknowledged = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (i, result) = result.expect("task");
        match result {
            Ok(revision) => acknowledged.push((i, revision)),
            Err(KvError::Closed) => {}
            Err(other) => panic!("write {i}: {other:?}"),
        }
    }
    let store = open(dir.path()).await;
    let present = list(&store, "/c/", 0).await.expect("list");
    // Exactly the acknowledged writes are there, at their revisions.
    assert_eq!(present.len(), acknowledged.len());
    for (i, revision) in acknowledged {
        let kv = present
            .iter()
            .find(|kv| kv.key == b(format!("/c/{i:03}")))
            .unwrap_or_else(|| panic!("acknowledged write {i} missing"));
        assert_eq!(kv.mod_revision, revision);
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_without_close_is_safe() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let revision = store.put(b("/d/a"), b("1")).await.expect("put");
    let mut watch = store
        .watch(WatchRequest::new(KeyRange::prefix(b("/d/")), 0))
        .await
        .expect("watch");
    drop(store);
    // The writer stops once the last handle is gone, and the watch ends with it.
    let ended = tokio::time::timeout(Duration::from_secs(10), watch.stream.next())
        .await
        .expect("the watch ends when the store is dropped");
    assert!(ended.is_none());
    drop(watch);
    // The file is released: the directory opens again with the write in it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let store = loop {
        match EmbeddedStore::open(dir.path()).await {
            Ok(store) => break store,
            Err(err) if Instant::now() < deadline => {
                eprintln!("not released yet: {err}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(err) => panic!("the database was never released: {err}"),
        }
    };
    let kv = store.get(b("/d/a")).await.expect("get").expect("the write");
    assert_eq!(kv.mod_revision, revision);
    store.close().await;
}
