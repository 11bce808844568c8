//! Watches over etcd: one gRPC watch stream per [`Watch`], read eagerly by a small task (which
//! also forwards progress requests) and mapped to ours; the task ends with the stream.

use futures::StreamExt;
use tokio::sync::mpsc;

use super::EtcdStore;
use super::convert::{self, ErrorContext};
use crate::kv::{KvError, Revision, Watch, WatchRequest, WatchResponse};
use crate::task::AbortOnDrop;

/// Opens a watch and waits for etcd to confirm its creation.
pub(super) async fn open(store: &EtcdStore, request: WatchRequest) -> Result<Watch, KvError> {
    let mut options = convert::watch_options(&request.range);
    if request.start_revision > 0 {
        options = options.with_start_revision(request.start_revision);
    }
    if request.prev_kv {
        options = options.with_prev_key();
    }
    if request.progress_notify {
        options = options.with_progress_notify();
    }
    let context = ErrorContext {
        revision: request.start_revision,
        ..ErrorContext::default()
    };
    let stream = match store
        .watch
        .clone()
        .watch(request.range.start.to_vec(), Some(options))
        .await
    {
        Ok(stream) => stream,
        Err(err) => return Err(store.error(err, context).await),
    };
    let (sender, mut responses) = stream.split();

    // etcd answers a create request with a `created` response before any event; waiting for it
    // makes the watch registered (and its "now" fixed) when this returns.
    let mut pending = None;
    match responses.message().await {
        Ok(Some(response)) if response.created() => {
            if response.compact_revision() > 0 {
                store.note_compacted(response.compact_revision());
                return Err(KvError::Compacted {
                    requested: request.start_revision,
                    compacted: response.compact_revision(),
                });
            }
            if response.canceled() {
                return Err(KvError::Unavailable(format!(
                    "etcd refused the watch: {}",
                    response.cancel_reason()
                )));
            }
        }
        Ok(Some(response)) => pending = Some(response),
        Ok(None) => {
            return Err(KvError::Unavailable(
                "etcd closed the watch stream before creating the watch".to_string(),
            ));
        }
        Err(err) => return Err(store.error(err, context).await),
    }

    let (progress, progress_requests) = mpsc::unbounded_channel::<()>();
    let (responses_tx, responses_rx) = mpsc::unbounded_channel();
    let pump = tokio::spawn(pump(responses, sender, progress_requests, responses_tx));

    let state = State {
        responses: responses_rx,
        pending,
        next_revision: request.start_revision,
        done: false,
        store: store.clone(),
        _pump: AbortOnDrop(pump),
    };
    let stream = futures::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    })
    .boxed();
    Ok(Watch { stream, progress })
}

type Message = Result<etcd_client::WatchResponse, etcd_client::Error>;

/// Reads etcd's responses as soon as they arrive and queues them for the stream, and forwards
/// progress requests to etcd. Ends when etcd ends the stream or the watch is dropped.
///
/// Reading eagerly matters: h2 (0.4.20+) counts the small DATA frames a connection holds unread
/// and, past a budget, closes the whole connection with `ENHANCE_YOUR_CALM`
/// (`too_many_data_frames`), taking every request on it down. A watch whose consumer pauses
/// would otherwise leave its small event frames buffered in h2. The queue is unbounded, as etcd's
/// own buffering for a slow watcher is: the consumer (the watch cache) bounds what it keeps.
async fn pump(
    mut responses: etcd_client::WatchResponseStream,
    mut sender: etcd_client::WatchRequestSender,
    mut progress_requests: mpsc::UnboundedReceiver<()>,
    queue: mpsc::UnboundedSender<Message>,
) {
    let mut progress_open = true;
    loop {
        tokio::select! {
            () = queue.closed() => return,
            request = progress_requests.recv(), if progress_open => match request {
                Some(()) => {
                    if sender.request_progress().await.is_err() {
                        progress_open = false;
                    }
                }
                None => progress_open = false,
            },
            message = responses.message() => match message {
                Ok(Some(response)) => {
                    if queue.send(Ok(response)).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(err) => {
                    let _ = queue.send(Err(err));
                    return;
                }
            },
        }
    }
}

/// The watch stream's state.
struct State {
    responses: mpsc::UnboundedReceiver<Message>,
    /// A response read while waiting for the creation (not expected from etcd).
    pending: Option<etcd_client::WatchResponse>,
    /// The first revision not yet delivered (for the `Compacted` error of a canceled watch).
    next_revision: Revision,
    /// Set after the last item (an error).
    done: bool,
    store: EtcdStore,
    _pump: AbortOnDrop,
}

impl State {
    /// The next item of the stream; `None` once it ended.
    async fn next(&mut self) -> Option<Result<WatchResponse, KvError>> {
        if self.done {
            return None;
        }
        loop {
            let response = match self.pending.take() {
                Some(response) => response,
                None => match self.responses.recv().await {
                    Some(Ok(response)) => response,
                    None => {
                        self.done = true;
                        return Some(Err(KvError::Unavailable(
                            "etcd ended the watch stream".to_string(),
                        )));
                    }
                    Some(Err(err)) => {
                        self.done = true;
                        return Some(Err(convert::error(err, ErrorContext::default())));
                    }
                },
            };
            if response.compact_revision() > 0 {
                self.done = true;
                self.store.note_compacted(response.compact_revision());
                return Some(Err(KvError::Compacted {
                    requested: self.next_revision,
                    compacted: response.compact_revision(),
                }));
            }
            if response.canceled() {
                self.done = true;
                return Some(Err(KvError::Unavailable(format!(
                    "etcd canceled the watch: {}",
                    response.cancel_reason()
                ))));
            }
            if response.created() && response.events().is_empty() {
                continue;
            }
            let events: Vec<_> = response
                .events()
                .iter()
                .filter_map(convert::event)
                .collect();
            if let Some(last) = events.last() {
                self.next_revision = self.next_revision.max(last.kv.mod_revision + 1);
            }
            let revision = response.header().map_or(0, |h| h.revision());
            return Some(Ok(WatchResponse { revision, events }));
        }
    }
}
