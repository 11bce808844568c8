//! Watches straight from the key-value store (upstream's `etcd3/watcher.go`): optional initial
//! state as ADDED events, then every change after a revision, with selector transitions turned
//! into ADDED / DELETED and errors delivered in-band.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{Object, ObjectStore, Selection, StorageError, parse_resource_version};
use crate::kv::{Event, EventKind, KeyRange, KvError, RangeRequest, Revision, WatchRequest};

/// The annotation on the bookmark that ends a watch-list's initial events.
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// Upstream's message when a watch starts before the compacted revision.
const WATCH_EXPIRED: &str = "The resourceVersion for the provided watch is too old.";

/// Keys per range read while sending a watch's initial state (upstream's
/// `defaultWatcherMaxLimit`).
const SYNC_PAGE: i64 = 10_000;

/// Events buffered between the store and a slow consumer of one watch.
const WATCH_BUFFER: usize = 100;

/// One watch event, as `watch.Event`.
#[derive(Clone, Debug)]
pub enum WatchEvent {
    /// The object appeared (or started to match the selectors).
    Added(Object),
    /// The object changed and still matches.
    Modified(Object),
    /// The object went away (or stopped matching); it is the last state, stamped with the
    /// revision of the change.
    Deleted(Object),
    /// Everything up to the bookmark's resourceVersion has been sent; the object carries only
    /// `metadata.resourceVersion` (and the initial-events-end annotation where it ends a
    /// watch-list's initial events). The API server adds `kind` and `apiVersion`.
    Bookmark(Object),
    /// The watch failed (in-band ERROR event); the stream ends after it.
    Error(Arc<StorageError>),
}

impl WatchEvent {
    /// The event's resourceVersion (0 for errors).
    pub fn resource_version(&self) -> Revision {
        match self {
            Self::Added(o) | Self::Modified(o) | Self::Deleted(o) | Self::Bookmark(o) => {
                o.resource_version()
            }
            Self::Error(_) => 0,
        }
    }

    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Added(_) => "ADDED",
            Self::Modified(_) => "MODIFIED",
            Self::Deleted(_) => "DELETED",
            Self::Bookmark(_) => "BOOKMARK",
            Self::Error(_) => "ERROR",
        }
    }

    pub(crate) fn error(err: StorageError) -> Self {
        Self::Error(Arc::new(err))
    }
}

/// A bookmark object at `revision`.
pub(crate) fn bookmark(revision: Revision, initial_events_end: bool) -> Object {
    let mut metadata = json!({ "resourceVersion": revision.to_string() });
    if initial_events_end {
        metadata["annotations"] = json!({ INITIAL_EVENTS_END_ANNOTATION: "true" });
    }
    Object::new(json!({ "metadata": metadata }))
}

/// Options of a watch.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// `resourceVersion` as given ("" or "0": from now, with the current state first unless
    /// `send_initial_events` is false).
    pub resource_version: String,
    /// Selectors.
    pub selection: Selection,
    /// `sendInitialEvents` (None when not given).
    pub send_initial_events: Option<bool>,
    /// `allowWatchBookmarks`.
    pub allow_bookmarks: bool,
    /// Watch one object (by name) rather than a namespace or the whole resource.
    pub name: Option<String>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            resource_version: String::new(),
            selection: Selection::everything(),
            send_initial_events: None,
            allow_bookmarks: false,
            name: None,
        }
    }
}

impl WatchOptions {
    /// Whether the current state is sent first as ADDED events (upstream's
    /// `areInitialEventsRequired`).
    pub(crate) fn initial_events_required(&self, revision: Revision) -> bool {
        match self.send_initial_events {
            None => revision == 0,
            Some(send) => send,
        }
    }

    /// Whether the initial events end with an annotated bookmark.
    pub(crate) fn initial_events_end_bookmark(&self) -> bool {
        self.send_initial_events == Some(true) && self.allow_bookmarks
    }
}

/// A watch's decision on one change, given the selectors (upstream's `transform`).
pub(crate) fn transform(
    selection: &Selection,
    created: bool,
    current: Option<&Object>,
    previous: Option<&Object>,
) -> Option<WatchEvent> {
    match (current, previous) {
        (None, Some(previous)) => selection
            .matches(previous.value())
            .then(|| WatchEvent::Deleted(previous.clone())),
        (Some(current), None) => selection
            .matches(current.value())
            .then(|| WatchEvent::Added(current.clone())),
        (Some(current), Some(_)) if created => selection
            .matches(current.value())
            .then(|| WatchEvent::Added(current.clone())),
        (Some(current), Some(previous)) => {
            if selection.is_everything() {
                return Some(WatchEvent::Modified(current.clone()));
            }
            match (
                selection.matches(current.value()),
                selection.matches(previous.value()),
            ) {
                (true, true) => Some(WatchEvent::Modified(current.clone())),
                (true, false) => Some(WatchEvent::Added(current.clone())),
                (false, true) => Some(WatchEvent::Deleted(previous.clone())),
                (false, false) => None,
            }
        }
        (None, None) => None,
    }
}

impl ObjectStore {
    /// Watches a namespace (or every namespace, or one object) from a resourceVersion.
    ///
    /// The stream ends after an `Error` event, or when the store's watch ends.
    pub async fn watch(
        &self,
        namespace: Option<&str>,
        options: WatchOptions,
    ) -> Result<BoxStream<'static, WatchEvent>, StorageError> {
        let range = match &options.name {
            Some(name) => KeyRange::key(self.key(namespace, name)?),
            None => KeyRange::prefix(Bytes::from(self.config.keys.list_prefix(namespace)?)),
        };
        let requested = parse_resource_version(&options.resource_version)?;
        let mut start = requested;
        if requested == 0 && options.send_initial_events == Some(false) {
            start = self.kv.current_revision().await?;
        }
        let (tx, rx) = mpsc::channel(WATCH_BUFFER);
        let store = self.clone();
        tokio::spawn(async move {
            // The consumer going away ends the watch at once, even on a quiet key where no
            // send would ever notice (that would leak this task and the store's watch).
            let result = tokio::select! {
                biased;
                () = tx.closed() => Ok(()),
                result = store.run_watch(range, start, options, &tx) => result,
            };
            if let Err(err) = result {
                let err = match err {
                    StorageError::Kv(KvError::Compacted { .. }) => StorageError::Expired {
                        message: WATCH_EXPIRED.to_string(),
                        continue_token: None,
                    },
                    other => other,
                };
                let _ = tx.send(WatchEvent::error(err)).await;
            }
        });
        Ok(ReceiverStream::new(rx).boxed())
    }

    async fn run_watch(
        &self,
        range: KeyRange,
        mut revision: Revision,
        options: WatchOptions,
        tx: &mpsc::Sender<WatchEvent>,
    ) -> Result<(), StorageError> {
        let initial = options.initial_events_required(revision);
        if initial && revision > 0 {
            let current = self.kv.current_revision().await?;
            if revision > current {
                return Err(StorageError::TooLargeResourceVersion {
                    minimum: revision,
                    current,
                    retry_after_seconds: 1,
                });
            }
        }
        if initial {
            revision = self
                .send_initial_state(&range, &options.selection, tx)
                .await?;
            if tx.is_closed() {
                return Ok(());
            }
        }
        if options.initial_events_end_bookmark()
            && tx
                .send(WatchEvent::Bookmark(bookmark(revision, true)))
                .await
                .is_err()
        {
            return Ok(());
        }
        // A client can ask for any resourceVersion: the next revision must not overflow.
        let start_revision =
            revision
                .checked_add(1)
                .ok_or(StorageError::TooLargeResourceVersion {
                    minimum: revision,
                    current: 0,
                    retry_after_seconds: 1,
                })?;
        let mut watch = self
            .kv
            .watch(WatchRequest {
                range,
                start_revision,
                prev_kv: true,
                progress_notify: options.allow_bookmarks,
            })
            .await?;
        while let Some(response) = watch.stream.next().await {
            let response = response?;
            if response.is_progress() {
                if options.allow_bookmarks
                    && tx
                        .send(WatchEvent::Bookmark(bookmark(response.revision, false)))
                        .await
                        .is_err()
                {
                    return Ok(());
                }
                continue;
            }
            for event in &response.events {
                let (current, previous, created) = self.decode_event(event)?;
                let out = transform(
                    &options.selection,
                    created,
                    current.as_ref(),
                    previous.as_ref(),
                );
                if let Some(out) = out
                    && tx.send(out).await.is_err()
                {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Sends the current state of `range` as ADDED events; returns the revision it was read at.
    async fn send_initial_state(
        &self,
        range: &KeyRange,
        selection: &Selection,
        tx: &mpsc::Sender<WatchEvent>,
    ) -> Result<Revision, StorageError> {
        let (objects, revision) = self.snapshot(range).await?;
        for (_, object) in objects {
            if selection.matches(object.value())
                && tx.send(WatchEvent::Added(object)).await.is_err()
            {
                break;
            }
        }
        Ok(revision)
    }

    /// Every object in `range` with its key, read in pages at one revision (which is returned).
    pub(crate) async fn snapshot(
        &self,
        range: &KeyRange,
    ) -> Result<(Vec<(String, Object)>, Revision), StorageError> {
        let mut start = range.start.clone();
        let mut revision = 0;
        let mut objects = Vec::new();
        loop {
            let request = RangeRequest {
                range: KeyRange {
                    start: start.clone(),
                    end: range.end.clone(),
                },
                limit: if range.is_single() { 0 } else { SYNC_PAGE },
                revision,
                count_only: false,
                keys_only: false,
            };
            let response = self.kv.range(request).await?;
            if revision == 0 {
                revision = response.revision;
            }
            for kv in &response.kvs {
                let key = String::from_utf8_lossy(&kv.key).into_owned();
                objects.push((key, self.decode(kv)?));
            }
            match response.kvs.last() {
                Some(last) if response.more => {
                    let mut next = last.key.to_vec();
                    next.push(0);
                    start = Bytes::from(next);
                }
                _ => return Ok((objects, revision)),
            }
        }
    }

    /// Decodes one key-value event: the current object (None for deletes), the previous one
    /// stamped with the event's revision (as upstream), and whether this put created the key.
    pub(crate) fn decode_event(
        &self,
        event: &Event,
    ) -> Result<(Option<Object>, Option<Object>, bool), StorageError> {
        let revision = event.kv.mod_revision;
        let current = match event.kind {
            EventKind::Put => Some(self.decode(&event.kv)?),
            EventKind::Delete => None,
        };
        let previous = match &event.prev_kv {
            Some(prev) => Some(Object::new(self.decode_value(
                &prev.key,
                &prev.value,
                revision,
            )?)),
            None => None,
        };
        let created = event.kind == EventKind::Put && event.kv.create_revision == revision;
        if !created && previous.is_none() {
            return Err(StorageError::MissingPrevious {
                key: String::from_utf8_lossy(&event.kv.key).into_owned(),
                revision,
            });
        }
        Ok((current, previous, created))
    }
}
