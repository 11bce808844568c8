//! A work queue of uids with client-go's `workqueue` semantics: an item is queued at most
//! once, an item added while a worker has it is queued again when the worker is done (so two
//! workers never hold the same item), and failed items come back after a per-item exponential
//! backoff (upstream's controller rate limiter: 5 ms doubling up to 1000 s).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

const BASE_DELAY: Duration = Duration::from_millis(5);
const MAX_DELAY: Duration = Duration::from_secs(1000);

#[derive(Default)]
struct State {
    queue: VecDeque<String>,
    dirty: HashSet<String>,
    processing: HashSet<String>,
    failures: HashMap<String, u32>,
}

/// The queue; cheap to share behind an `Arc`.
#[derive(Default)]
pub(super) struct WorkQueue {
    state: Mutex<State>,
    ready: Notify,
}

impl WorkQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `item` unless it is queued already.
    pub(super) fn add(&self, item: String) {
        let mut state = self.state();
        if !state.dirty.insert(item.clone()) {
            return;
        }
        if state.processing.contains(&item) {
            return;
        }
        state.queue.push_back(item);
        drop(state);
        self.ready.notify_one();
    }

    /// Queues `item` after its backoff, which doubles with each call until [`Self::forget`].
    pub(super) fn add_rate_limited(self: &Arc<Self>, item: String) {
        let delay = {
            let mut state = self.state();
            let failures = state.failures.entry(item.clone()).or_default();
            let exponent = (*failures).min(30);
            *failures += 1;
            BASE_DELAY.saturating_mul(1u32 << exponent).min(MAX_DELAY)
        };
        let queue = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(queue) = queue.upgrade() {
                queue.add(item);
            }
        });
    }

    /// Resets `item`'s backoff.
    pub(super) fn forget(&self, item: &str) {
        self.state().failures.remove(item);
    }

    /// The next item; the caller owns it until [`Self::done`].
    pub(super) async fn get(&self) -> String {
        loop {
            let notified = self.ready.notified();
            {
                let mut state = self.state();
                if let Some(item) = state.queue.pop_front() {
                    state.dirty.remove(&item);
                    state.processing.insert(item.clone());
                    let more = !state.queue.is_empty();
                    drop(state);
                    if more {
                        // Another worker may take the next one.
                        self.ready.notify_one();
                    }
                    return item;
                }
            }
            notified.await;
        }
    }

    /// The worker is done with `item`; it is queued again if it was added meanwhile.
    pub(super) fn done(&self, item: &str) {
        let mut state = self.state();
        state.processing.remove(item);
        if state.dirty.contains(item) {
            state.queue.push_back(item.to_string());
            drop(state);
            self.ready.notify_one();
        }
    }

    /// How many items wait (for tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.state().queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn items_are_deduplicated_and_requeued_after_done() {
        let queue = Arc::new(WorkQueue::default());
        queue.add("a".into());
        queue.add("a".into());
        queue.add("b".into());
        assert_eq!(queue.len(), 2);
        let first = queue.get().await;
        assert_eq!(first, "a");
        // Added while processing: not handed out twice, queued again after done.
        queue.add("a".into());
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.get().await, "b");
        queue.done("b");
        queue.done("a");
        assert_eq!(queue.get().await, "a");
        queue.done("a");
        queue.add_rate_limited("c".into());
        let next = tokio::time::timeout(Duration::from_secs(2), queue.get()).await;
        assert_eq!(next.ok().as_deref(), Some("c"));
    }
}
