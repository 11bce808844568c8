//! Watches: the hub the writer publishes committed batches to, and the per-watch state machine
//! that turns the log and the hub into one gap-free, duplicate-free stream.
//!
//! A watch keeps `next`, the first revision it has not delivered yet, and `catch_up_to`, the last
//! revision it must read from the `log` table rather than from the hub. It subscribes to the hub
//! before anything else, so every batch published after the subscription reaches it; everything
//! up to the hub's last revision at that moment is read from the log (bounded chunks, whole
//! revisions). Live batches then skip what the log already gave. A watch that lags behind the
//! hub's channel (it was not polled while the channel's capacity filled up) loses nothing: it
//! reads the missing revisions from the log again, unless they were compacted meanwhile, in
//! which case it ends with `Compacted`, as etcd cancels such a watcher.

use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt;
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Interval, MissedTickBehavior};

use super::read::{Snapshot, Span, View};
use super::tables::{LogRecord, key_rev, rev_key};
use super::{Shared, db_err};
use crate::kv::{Event, KeyRange, KvError, Revision, Watch, WatchRequest, WatchResponse};

/// Log entries a catching-up watch reads per read transaction (whole revisions are kept
/// together, so a chunk may run over by one revision's changes).
const CATCH_UP_CHUNK: usize = 1000;

/// The changes of one committed write transaction of the writer (one or more revisions).
#[derive(Debug)]
pub(crate) struct Batch {
    /// Its first revision.
    pub(crate) first_revision: Revision,
    /// Its last revision.
    pub(crate) last_revision: Revision,
    /// Its events in revision order, each with its previous state (watches that did not ask
    /// for previous states drop them).
    pub(crate) events: Vec<Event>,
}

struct HubState {
    sender: Option<broadcast::Sender<Arc<Batch>>>,
    last: Revision,
}

/// Where the writer publishes each committed batch, for every open watch.
pub(crate) struct Hub {
    state: Mutex<HubState>,
}

impl Hub {
    /// A hub whose history starts after `last`, buffering `capacity` batches per watch.
    pub(crate) fn new(capacity: usize, last: Revision) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self {
            state: Mutex::new(HubState {
                sender: Some(sender),
                last,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes a committed batch.
    pub(crate) fn publish(&self, batch: Batch) {
        let mut state = self.lock();
        state.last = batch.last_revision;
        if let Some(sender) = &state.sender {
            // No receivers is not an error: nobody is watching.
            let _ = sender.send(Arc::new(batch));
        }
    }

    /// A receiver of every batch published from now on, and the last revision published before.
    fn subscribe(&self) -> Option<(broadcast::Receiver<Arc<Batch>>, Revision)> {
        let state = self.lock();
        let receiver = state.sender.as_ref()?.subscribe();
        Some((receiver, state.last))
    }

    /// The last revision published.
    pub(crate) fn last(&self) -> Revision {
        self.lock().last
    }

    /// Ends every watch (their streams end once they have delivered what they hold).
    pub(crate) fn close(&self) {
        self.lock().sender = None;
    }
}

/// Opens a watch.
pub(crate) fn open(shared: Arc<Shared>, request: WatchRequest) -> Result<Watch, KvError> {
    let compacted = shared.compacted();
    if request.start_revision > 0 && request.start_revision < compacted {
        return Err(KvError::Compacted {
            requested: request.start_revision,
            compacted,
        });
    }
    let (live, last) = shared.hub.subscribe().ok_or(KvError::Closed)?;
    let next = if request.start_revision > 0 {
        request.start_revision
    } else {
        last + 1
    };
    let (progress_tx, progress_rx) = mpsc::unbounded_channel();
    let ticker = request.progress_notify.then(|| {
        let period = shared.options.progress_notify_interval;
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ticker
    });
    let watcher = Watcher {
        shared,
        range: request.range,
        prev_kv: request.prev_kv,
        next,
        catch_up_to: last,
        live,
        progress: progress_rx,
        progress_open: true,
        progress_wanted: false,
        ticker,
        done: false,
    };
    let stream = futures::stream::unfold(watcher, |mut watcher| async move {
        let item = watcher.step().await?;
        Some((item, watcher))
    });
    Ok(Watch {
        stream: stream.boxed(),
        progress: progress_tx,
    })
}

/// One watch's state (see the module documentation).
struct Watcher {
    shared: Arc<Shared>,
    range: KeyRange,
    prev_kv: bool,
    /// First revision not delivered yet.
    next: Revision,
    /// Revisions up to here come from the log.
    catch_up_to: Revision,
    live: broadcast::Receiver<Arc<Batch>>,
    progress: mpsc::UnboundedReceiver<()>,
    progress_open: bool,
    progress_wanted: bool,
    ticker: Option<Interval>,
    done: bool,
}

impl Watcher {
    /// The next item of the stream; `None` ends it.
    async fn step(&mut self) -> Option<Result<WatchResponse, KvError>> {
        loop {
            if self.done {
                return None;
            }
            if self.next <= self.catch_up_to {
                match self.catch_up().await {
                    Ok(Some(response)) => return Some(Ok(response)),
                    Ok(None) => continue,
                    Err(KvError::Closed) => {
                        self.done = true;
                        return None;
                    }
                    Err(err) => {
                        self.done = true;
                        return Some(Err(err));
                    }
                }
            }
            // Read before looking at the channel: when it is empty, every batch up to `last`
            // has been taken from it.
            let last = self.shared.hub.last();
            match self.live.try_recv() {
                Ok(batch) => {
                    if let Some(response) = self.take(&batch) {
                        return Some(Ok(response));
                    }
                    continue;
                }
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    self.lagged();
                    continue;
                }
                Err(broadcast::error::TryRecvError::Closed) => {
                    self.done = true;
                    return None;
                }
                Err(broadcast::error::TryRecvError::Empty) => {}
            }
            if self.progress_wanted {
                self.progress_wanted = false;
                return Some(Ok(WatchResponse {
                    revision: (self.next - 1).min(last),
                    events: Vec::new(),
                }));
            }
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(batch) => {
                        if let Some(response) = self.take(&batch) {
                            return Some(Ok(response));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => self.lagged(),
                    Err(broadcast::error::RecvError::Closed) => {
                        self.done = true;
                        return None;
                    }
                },
                asked = self.progress.recv(), if self.progress_open => match asked {
                    Some(()) => self.progress_wanted = true,
                    None => self.progress_open = false,
                },
                _ = tick(&mut self.ticker), if self.ticker.is_some() => {
                    self.progress_wanted = true;
                }
            }
        }
    }

    /// The channel dropped batches this watch had not read: read them from the log instead.
    fn lagged(&mut self) {
        tracing::debug!(
            next = self.next,
            "watch fell behind the live channel; catching up from the log"
        );
        self.catch_up_to = self.shared.hub.last();
    }

    /// This watch's part of a live batch, if it has any.
    fn take(&mut self, batch: &Batch) -> Option<WatchResponse> {
        if batch.last_revision < self.next {
            return None;
        }
        if batch.first_revision > self.next {
            // A gap (only after a catch-up that stopped short): the log has it all.
            self.catch_up_to = batch.last_revision;
            return None;
        }
        let span = Span::of(&self.range);
        let compacted = self.shared.compacted();
        let events: Vec<Event> = batch
            .events
            .iter()
            .filter(|event| event.kv.mod_revision >= self.next && span.contains(&event.kv.key))
            .map(|event| Event {
                kind: event.kind,
                kv: event.kv.clone(),
                // As etcd: no previous state from a compacted revision.
                prev_kv: if self.prev_kv && event.kv.mod_revision > compacted {
                    event.prev_kv.clone()
                } else {
                    None
                },
            })
            .collect();
        self.next = batch.last_revision + 1;
        (!events.is_empty()).then(|| WatchResponse {
            revision: batch.last_revision,
            events,
        })
    }

    /// Reads the next chunk of history from the log.
    async fn catch_up(&mut self) -> Result<Option<WatchResponse>, KvError> {
        let db = self.shared.db()?;
        let (from, to) = (self.next, self.catch_up_to);
        let range = self.range.clone();
        let prev_kv = self.prev_kv;
        let chunk = tokio::task::spawn_blocking(move || {
            read_log(&Snapshot::open(&db)?, from, to, &range, prev_kv)
        })
        .await
        .map_err(|err| KvError::Unavailable(format!("watch catch-up task failed: {err}")))??;
        if chunk.upto < from {
            // Nothing left to read (cannot happen while the hub trails the database).
            self.catch_up_to = from - 1;
            return Ok(None);
        }
        self.next = chunk.upto + 1;
        Ok((!chunk.events.is_empty()).then(|| WatchResponse {
            revision: chunk.upto,
            events: chunk.events,
        }))
    }
}

async fn tick(ticker: &mut Option<Interval>) {
    match ticker {
        Some(ticker) => {
            ticker.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// A chunk of history read from the log.
pub(crate) struct LogChunk {
    /// The matching events.
    pub(crate) events: Vec<Event>,
    /// Every revision up to this one has been read.
    pub(crate) upto: Revision,
}

/// Reads the changes of revisions `from..=to` (or the first whole revisions of them that hold
/// at least [`CATCH_UP_CHUNK`] changes) that fall in `range`.
pub(crate) fn read_log(
    snapshot: &Snapshot,
    from: Revision,
    to: Revision,
    range: &KeyRange,
    prev_kv: bool,
) -> Result<LogChunk, KvError> {
    if from < snapshot.compacted {
        return Err(KvError::Compacted {
            requested: from,
            compacted: snapshot.compacted,
        });
    }
    let to = to.min(snapshot.revision);
    let view = View {
        current: &snapshot.current,
        log: &snapshot.log,
        index: &snapshot.index,
    };
    let span = Span::of(range);
    let mut events = Vec::new();
    let mut last_revision: Option<u64> = None;
    let entries = snapshot
        .log
        .range((rev_key(from), 0u32)..=(rev_key(to), u32::MAX))
        .map_err(db_err)?;
    for (scanned, entry) in entries.enumerate() {
        let (position, record) = entry.map_err(db_err)?;
        let (revision, sub) = position.value();
        if scanned >= CATCH_UP_CHUNK && last_revision != Some(revision) {
            // Stop at a revision boundary; the next chunk starts with this revision.
            return Ok(LogChunk {
                events,
                upto: last_revision.map_or(from - 1, key_rev),
            });
        }
        last_revision = Some(revision);
        let record = LogRecord::decode(record.value()).map_err(db_err)?;
        if !span.contains(&record.key) {
            continue;
        }
        // As etcd, the previous state is the key at the revision before: none when that
        // revision is compacted.
        let prev = if prev_kv && key_rev(revision) > snapshot.compacted {
            view.before_change(&record.key, revision, sub)?
        } else {
            None
        };
        events.push(Event {
            kind: record.kind,
            kv: record.to_kv(key_rev(revision)),
            prev_kv: prev,
        });
    }
    Ok(LogChunk {
        events,
        upto: to.max(from - 1),
    })
}
