//! Watches: history from a past revision, live changes, filtering, delete events, one revision's
//! events together, progress, future and compacted start revisions.

use std::sync::Arc;

use crate::kv::{EventKind, KeyRange, KvError, KvStore, Txn, TxnOp, WatchRequest};
use crate::testing::support::*;

use EventKind::{Delete, Put};

/// From a past revision: the history in order, with previous values; delete events carry the
/// delete's revision and nothing else.
pub async fn watch_from_past_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "w/a", "1").await;
    let r2 = put(s, "w/a", "2").await;
    let r3 = delete(s, "w/a").await;
    let r4 = put(s, "w/b", "1").await;
    let mut w = watch_prefix(s, "w/", r1).await;
    let events = collect_events(&mut w, 4).await;
    let summary: Vec<_> = events.iter().map(event_summary).collect();
    assert_eq!(
        summary,
        [
            (Put, "w/a".into(), "1".into(), r1, None),
            (Put, "w/a".into(), "2".into(), r2, Some("1".into())),
            (Delete, "w/a".into(), "".into(), r3, Some("2".into())),
            (Put, "w/b".into(), "1".into(), r4, None),
        ],
        "history from {r1}: {}",
        describe_events(&events)
    );
    let put2 = &events[1].kv;
    assert_eq!((put2.create_revision, put2.version), (r1, 2));
    let del = &events[2].kv;
    assert_eq!(
        (del.create_revision, del.version, del.lease, del.value.len()),
        (0, 0, 0, 0),
        "a delete event's kv has only the key and the delete's revision"
    );
    let prev = events[2].prev_kv.as_ref().expect("prev of the delete");
    assert_eq!((prev.mod_revision, prev.version), (r2, 2));

    // Live events follow the history without a gap.
    let r5 = put(s, "w/c", "1").await;
    let live = collect_events(&mut w, 1).await;
    assert_eq!(
        event_summary(&live[0]),
        (Put, "w/c".into(), "1".into(), r5, None)
    );

    // From the middle of the history.
    let mut mid = watch_prefix(s, "w/", r3).await;
    let events = collect_events(&mut mid, 3).await;
    let revs: Vec<_> = events.iter().map(|e| e.kv.mod_revision).collect();
    assert_eq!(
        revs,
        [r3, r4, r5],
        "from {r3}: {}",
        describe_events(&events)
    );
}

/// From revision 0: only changes after the watch was opened.
pub async fn watch_from_zero_sees_only_new_changes(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "z/old", "1").await;
    let mut w = watch_prefix(s, "z/", 0).await;
    let r = put(s, "z/new", "1").await;
    let events = collect_events(&mut w, 1).await;
    assert_eq!(
        event_summary(&events[0]),
        (Put, "z/new".into(), "1".into(), r, None),
        "{}",
        describe_events(&events)
    );
    assert_no_events(&mut w, "after the only new change").await;
}

/// Only keys in the watched range are delivered.
pub async fn watch_filters_by_range(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let start = current(s).await + 1;
    let mut prefix = watch_prefix(s, "f/", start).await;
    let mut single = watch(s, WatchRequest::new(KeyRange::key(b("f/1")), start)).await;
    let mut between = watch(
        s,
        WatchRequest::new(KeyRange::between(b("f/2"), b("f/4")), start),
    )
    .await;
    let from_key = KeyRange::between(b("f0"), bytes::Bytes::from_static(&[0]));
    let mut from_f0 = watch(s, WatchRequest::new(from_key, start)).await;
    for key in ["f/1", "g", "f/2", "f", "f0", "f/3", "f/4", "e"] {
        put(s, key, "v").await;
    }
    let events = collect_events(&mut prefix, 4).await;
    assert_eq!(
        events.iter().map(|e| text(&e.kv.key)).collect::<Vec<_>>(),
        ["f/1", "f/2", "f/3", "f/4"]
    );
    let events = collect_events(&mut single, 1).await;
    assert_eq!(text(&events[0].kv.key), "f/1");
    let events = collect_events(&mut between, 2).await;
    assert_eq!(
        events.iter().map(|e| text(&e.kv.key)).collect::<Vec<_>>(),
        ["f/2", "f/3"]
    );
    let events = collect_events(&mut from_f0, 2).await;
    assert_eq!(
        events.iter().map(|e| text(&e.kv.key)).collect::<Vec<_>>(),
        ["g", "f0"],
        "every key from f0 on, in commit order"
    );
    assert_no_events(&mut prefix, "prefix f/").await;
    assert_no_events(&mut from_f0, "from f0").await;
    assert_no_events(&mut single, "key f/1").await;
    assert_no_events(&mut between, "[f/2, f/4)").await;
}

/// The events of one txn share its revision and arrive in one response, in key order for a
/// range delete.
pub async fn watch_txn_events_share_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "t/x", "0").await;
    let mut w = watch_prefix(s, "t/", 0).await;
    let t = Txn::new()
        .and_then(TxnOp::put(b("t/b"), b("1")))
        .and_then(TxnOp::put(b("t/a"), b("1")))
        .and_then(TxnOp::delete(b("t/x")));
    let rev = txn(s, t).await.revision;
    let response = next_events(&mut w).await;
    assert_eq!(
        response.events.len(),
        3,
        "{}",
        describe_events(&response.events)
    );
    assert!(response.events.iter().all(|e| e.kv.mod_revision == rev));
    assert!(response.revision >= rev);
    let summary: Vec<_> = response.events.iter().map(event_summary).collect();
    assert_eq!(
        summary,
        [
            (Put, "t/b".into(), "1".into(), rev, None),
            (Put, "t/a".into(), "1".into(), rev, None),
            (Delete, "t/x".into(), "".into(), rev, Some("0".into())),
        ],
        "in the txn's order"
    );

    let del = txn(
        s,
        Txn::new().and_then(TxnOp::Delete {
            range: KeyRange::prefix(b("t/")),
            prev_kv: false,
        }),
    )
    .await
    .revision;
    let response = next_events(&mut w).await;
    let summary: Vec<_> = response.events.iter().map(event_summary).collect();
    assert_eq!(
        summary,
        [
            (Delete, "t/a".into(), "".into(), del, Some("1".into())),
            (Delete, "t/b".into(), "".into(), del, Some("1".into())),
        ],
        "a range delete's events, in key order, together"
    );
}

/// Without `prev_kv`, events carry no previous state.
pub async fn watch_without_prev_kv(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "n/a", "1").await;
    put(s, "n/a", "2").await;
    delete(s, "n/a").await;
    let mut request = WatchRequest::new(KeyRange::prefix(b("n/")), r1);
    request.prev_kv = false;
    let mut w = watch(s, request).await;
    let events = collect_events(&mut w, 3).await;
    assert!(
        events.iter().all(|e| e.prev_kv.is_none()),
        "{}",
        describe_events(&events)
    );
    assert_eq!(events[1].kv.version, 2);
}

/// A progress request is answered with an event-less response at a revision at least the last
/// event's; an idle watch from 0 is told the current revision.
pub async fn watch_progress_request(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let mut w = watch_prefix(s, "pr/", 0).await;
    let rev = put(s, "pr/a", "1").await;
    let events = collect_events(&mut w, 1).await;
    assert_eq!(events[0].kv.mod_revision, rev);
    assert!(w.request_progress(), "the watch is open");
    let response = next_response(&mut w).await;
    assert!(
        response.is_progress(),
        "expected a progress notification, got {response:?}"
    );
    assert!(
        response.revision >= rev,
        "progress {} < event {rev}",
        response.revision
    );

    // Writes elsewhere move the revision on; progress tells an idle watch.
    let other = put(s, "elsewhere", "1").await;
    assert!(w.request_progress());
    let response = next_response(&mut w).await;
    assert!(response.is_progress(), "{response:?}");
    assert_eq!(
        response.revision, other,
        "progress carries the current revision"
    );
}

/// A start revision in the future is allowed; the watch waits for it.
pub async fn watch_future_start_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let now = put(s, "fu/a", "0").await;
    let mut w = watch_prefix(s, "fu/", now + 2).await;
    put(s, "fu/a", "1").await;
    assert_no_events(&mut w, "before the start revision").await;
    let r = put(s, "fu/a", "2").await;
    assert_eq!(r, now + 2);
    let events = collect_events(&mut w, 1).await;
    assert_eq!(
        event_summary(&events[0]),
        (Put, "fu/a".into(), "2".into(), now + 2, Some("1".into()))
    );
}

/// A start revision below the compacted one fails with `Compacted`; at it, the watch works.
pub async fn watch_compacted_start_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let r1 = put(s, "cw/a", "1").await;
    let r2 = put(s, "cw/a", "2").await;
    let r3 = put(s, "cw/a", "3").await;
    within("compact", store.compact(r2)).await.expect("compact");
    let request = WatchRequest::new(KeyRange::prefix(b("cw/")), r1);
    let err = match within("watch", store.watch(request)).await {
        Err(err) => err,
        Ok(mut w) => next_error(&mut w)
            .await
            .expect("the watch must fail, not end quietly"),
    };
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
    let mut at = watch_prefix(s, "cw/", r2).await;
    let events = collect_events(&mut at, 2).await;
    let summary: Vec<_> = events.iter().map(event_summary).collect();
    assert_eq!(
        summary,
        [
            (Put, "cw/a".into(), "2".into(), r2, None),
            (Put, "cw/a".into(), "3".into(), r3, Some("2".into())),
        ],
        "from exactly the compacted revision (the previous value of the first event is \
         compacted away, so it has none, as in etcd)"
    );
}
