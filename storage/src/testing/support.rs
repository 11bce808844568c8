//! Small helpers the suite cases share: short names for writes and reads that panic with a clear
//! message, and watch readers with timeouts.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;

use crate::kv::{
    Event, EventKind, KeyRange, KeyValue, KvError, KvStore, LeaseId, RangeRequest, RangeResponse,
    Revision, Txn, TxnOp, TxnResponse, Watch, WatchRequest, WatchResponse,
};

/// How long a suite step waits for something that should happen promptly.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a suite step waits to be sure that nothing arrives.
pub const QUIET_PERIOD: Duration = Duration::from_millis(300);

/// Bytes of a string.
pub fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

/// A key or value as text, for messages.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `future`, panicking with `what` when it takes longer than [`STEP_TIMEOUT`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP_TIMEOUT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {STEP_TIMEOUT:?}: {what}"),
    }
}

/// Puts `key` = `value`; returns the write's revision.
pub async fn put(store: &dyn KvStore, key: &str, value: &str) -> Revision {
    within(&format!("put {key}"), store.put(b(key), b(value)))
        .await
        .unwrap_or_else(|e| panic!("put {key}={value}: {e}"))
}

/// Puts `key` = `value` attached to `lease`; returns the write's revision.
pub async fn put_with_lease(
    store: &dyn KvStore,
    key: &str,
    value: &str,
    lease: LeaseId,
) -> Revision {
    let op = TxnOp::Put {
        key: b(key),
        value: b(value),
        lease,
        prev_kv: false,
    };
    txn(store, Txn::new().and_then(op)).await.revision
}

/// Deletes one key; returns the transaction's revision.
pub async fn delete(store: &dyn KvStore, key: &str) -> Revision {
    txn(store, Txn::new().and_then(TxnOp::delete(b(key))))
        .await
        .revision
}

/// Runs a transaction that must not fail.
pub async fn txn(store: &dyn KvStore, txn: Txn) -> TxnResponse {
    let what = format!("{txn:?}");
    within(&what, store.txn(txn))
        .await
        .unwrap_or_else(|e| panic!("txn {what}: {e}"))
}

/// Runs a transaction that must fail; returns its error.
pub async fn txn_err(store: &dyn KvStore, txn: Txn) -> KvError {
    let what = format!("{txn:?}");
    match within(&what, store.txn(txn)).await {
        Ok(response) => panic!("txn {what} should have failed, got {response:?}"),
        Err(err) => err,
    }
}

/// Reads one key at the latest revision.
pub async fn get(store: &dyn KvStore, key: &str) -> Option<KeyValue> {
    within(&format!("get {key}"), store.get(b(key)))
        .await
        .unwrap_or_else(|e| panic!("get {key}: {e}"))
}

/// A range read that must not fail.
pub async fn range(store: &dyn KvStore, request: RangeRequest) -> RangeResponse {
    let what = format!("{request:?}");
    within(&what, store.range(request))
        .await
        .unwrap_or_else(|e| panic!("range {what}: {e}"))
}

/// A range read that must fail; returns its error.
pub async fn range_err(store: &dyn KvStore, request: RangeRequest) -> KvError {
    let what = format!("{request:?}");
    match within(&what, store.range(request)).await {
        Ok(response) => panic!("range {what} should have failed, got {response:?}"),
        Err(err) => err,
    }
}

/// Every key with `prefix` at `revision` (0: latest).
pub async fn list(store: &dyn KvStore, prefix: &str, revision: Revision) -> RangeResponse {
    range(
        store,
        RangeRequest::new(KeyRange::prefix(b(prefix))).at(revision),
    )
    .await
}

/// The keys of a response, as text.
pub fn keys(kvs: &[KeyValue]) -> Vec<String> {
    kvs.iter().map(|kv| text(&kv.key)).collect()
}

/// `key=value` pairs of a response, as text.
pub fn pairs(kvs: &[KeyValue]) -> Vec<String> {
    kvs.iter()
        .map(|kv| format!("{}={}", text(&kv.key), text(&kv.value)))
        .collect()
}

/// The store's current revision.
pub async fn current(store: &dyn KvStore) -> Revision {
    within("current_revision", store.current_revision())
        .await
        .unwrap_or_else(|e| panic!("current_revision: {e}"))
}

/// Opens a watch that must open (an error in its stream is the caller's to read).
pub async fn watch(store: &dyn KvStore, request: WatchRequest) -> Watch {
    let what = format!("{request:?}");
    within(&what, store.watch(request))
        .await
        .unwrap_or_else(|e| panic!("watch {what}: {e}"))
}

/// Watches `prefix` from `start` with previous values.
pub async fn watch_prefix(store: &dyn KvStore, prefix: &str, start: Revision) -> Watch {
    watch(store, WatchRequest::new(KeyRange::prefix(b(prefix)), start)).await
}

/// The next response of a watch (events or progress); panics on an error, end or timeout.
pub async fn next_response(watch: &mut Watch) -> WatchResponse {
    match within("the next watch response", watch.stream.next()).await {
        Some(Ok(response)) => response,
        Some(Err(err)) => panic!("the watch failed: {err}"),
        None => panic!("the watch ended"),
    }
}

/// The next response that has events (progress notifications skipped).
pub async fn next_events(watch: &mut Watch) -> WatchResponse {
    loop {
        let response = next_response(watch).await;
        if !response.events.is_empty() {
            return response;
        }
    }
}

/// The next `n` events, across responses; panics if a response would overshoot `n`.
pub async fn collect_events(watch: &mut Watch, n: usize) -> Vec<Event> {
    let mut events = Vec::new();
    while events.len() < n {
        let response = next_events(watch).await;
        events.extend(response.events);
    }
    assert_eq!(
        events.len(),
        n,
        "expected exactly {n} events, got more: {}",
        describe_events(&events)
    );
    events
}

/// Asserts that no event arrives for [`QUIET_PERIOD`] (progress notifications are ignored).
pub async fn assert_no_events(watch: &mut Watch, context: &str) {
    let deadline = tokio::time::Instant::now() + QUIET_PERIOD;
    loop {
        match tokio::time::timeout_at(deadline, watch.stream.next()).await {
            Err(_) => return,
            Ok(Some(Ok(response))) if response.events.is_empty() => continue,
            Ok(Some(Ok(response))) => panic!(
                "{context}: expected no event, got {}",
                describe_events(&response.events)
            ),
            Ok(Some(Err(err))) => panic!("{context}: the watch failed: {err}"),
            Ok(None) => panic!("{context}: the watch ended"),
        }
    }
}

/// The watch's next item, which must be an error (or the watch must end); returns it.
pub async fn next_error(watch: &mut Watch) -> Option<KvError> {
    loop {
        match within("a watch error", watch.stream.next()).await {
            Some(Ok(response)) if response.events.is_empty() => continue,
            Some(Ok(response)) => panic!(
                "expected the watch to fail, got events {}",
                describe_events(&response.events)
            ),
            Some(Err(err)) => return Some(err),
            None => return None,
        }
    }
}

/// A one-line description of an event: `PUT a=1 @5 (create 3, v2, prev a=0)`.
pub fn describe_event(event: &Event) -> String {
    let kind = match event.kind {
        EventKind::Put => "PUT",
        EventKind::Delete => "DELETE",
    };
    let prev = match &event.prev_kv {
        Some(prev) => format!(
            ", prev {}={} @{}",
            text(&prev.key),
            text(&prev.value),
            prev.mod_revision
        ),
        None => String::new(),
    };
    format!(
        "{kind} {}={} @{} (create {}, v{}, lease {}{prev})",
        text(&event.kv.key),
        text(&event.kv.value),
        event.kv.mod_revision,
        event.kv.create_revision,
        event.kv.version,
        event.kv.lease
    )
}

/// Descriptions of several events.
pub fn describe_events(events: &[Event]) -> String {
    let lines: Vec<String> = events.iter().map(describe_event).collect();
    format!("[{}]", lines.join("; "))
}

/// Shorthand for one expected event: kind, key, value, mod revision, previous value.
pub fn event_summary(event: &Event) -> (EventKind, String, String, Revision, Option<String>) {
    (
        event.kind,
        text(&event.kv.key),
        text(&event.kv.value),
        event.kv.mod_revision,
        event.prev_kv.as_ref().map(|p| text(&p.value)),
    )
}
