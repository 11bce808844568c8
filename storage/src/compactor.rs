//! Periodic compaction coordinated among API servers, as upstream's `etcd3/compact.go`.
//!
//! Every interval (kube-apiserver's `--etcd-compaction-interval`, 5 minutes), each API server
//! tries a compare-and-swap on the version of the key `compact_rev_key`. The one that wins
//! writes there the revision it is about to compact to and compacts to the revision it saw at
//! the *previous* tick, so at least one interval of history always survives; the losers learn
//! the version and compacted revision the winner wrote and try again next tick. Several API
//! servers sharing one etcd therefore compact once per interval between them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::task::JoinHandle;

use crate::kv::{Compare, CompareOp, KvError, KvStore, Revision, Txn, TxnOp};

/// The key the API servers coordinate on (not under `--etcd-prefix`, as upstream).
pub const COMPACT_REV_KEY: &str = "compact_rev_key";

/// kube-apiserver's default `--etcd-compaction-interval`.
pub const DEFAULT_COMPACTION_INTERVAL: Duration = Duration::from_secs(300);

/// The state carried from one tick to the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompactState {
    /// The version of `compact_rev_key` this server expects.
    pub version: i64,
    /// The store's revision at the last tick: what the next successful tick compacts to.
    pub revision: Revision,
}

/// One tick (upstream's `Compact`): returns the next state and the revision compacted to, if
/// this server compacted (or learned of another's compaction).
pub async fn compact_tick(
    kv: &dyn KvStore,
    state: CompactState,
) -> Result<(CompactState, Option<Revision>), KvError> {
    let txn = Txn::new()
        .when(Compare::version(
            COMPACT_REV_KEY,
            CompareOp::Equal,
            state.version,
        ))
        .and_then(TxnOp::put(
            COMPACT_REV_KEY,
            Bytes::from(state.revision.to_string()),
        ))
        .or_else(TxnOp::get(COMPACT_REV_KEY));
    let response = kv.txn(txn).await?;
    let current_revision = response.revision;
    if !response.succeeded {
        // Another server won this tick: adopt its version, and its compacted revision.
        let (version, compacted) = match response.first_range_kv() {
            Some(kv) => (
                kv.version,
                std::str::from_utf8(&kv.value)
                    .ok()
                    .and_then(|v| v.parse::<Revision>().ok()),
            ),
            None => (0, None),
        };
        return Ok((
            CompactState {
                version,
                revision: current_revision,
            },
            compacted.filter(|rev| *rev > 0),
        ));
    }
    let next = CompactState {
        version: state.version + 1,
        revision: current_revision,
    };
    if state.revision == 0 {
        return Ok((next, None));
    }
    match kv.compact(state.revision).await {
        Ok(()) => Ok((next, Some(state.revision))),
        // Someone compacted at least this far already: nothing lost.
        Err(KvError::Compacted { .. }) => Ok((next, None)),
        // The CAS already moved the key's version: keep the new state (as upstream does) so
        // the next tick does not lose its CAS, and try again then.
        Err(err) => {
            tracing::warn!(%err, revision = state.revision, "compaction failed");
            Ok((next, None))
        }
    }
}

/// A running compactor; stops when dropped.
#[derive(Debug)]
pub struct Compactor {
    compacted: Arc<AtomicI64>,
    task: JoinHandle<()>,
}

impl Compactor {
    /// Starts compacting `kv` every `interval`.
    pub fn start(kv: Arc<dyn KvStore>, interval: Duration) -> Self {
        let compacted = Arc::new(AtomicI64::new(0));
        let seen = compacted.clone();
        let task = tokio::spawn(async move {
            let mut state = CompactState::default();
            loop {
                // A whole interval after the previous tick *finished* (as upstream's
                // `time.After` loop): the revision a tick reads is compacted by the next one,
                // so a slow tick under load must not shorten the history that survives.
                tokio::time::sleep(interval).await;
                match compact_tick(kv.as_ref(), state).await {
                    Ok((next, compacted)) => {
                        state = next;
                        if let Some(revision) = compacted {
                            tracing::debug!(revision, "compacted");
                            seen.fetch_max(revision, Ordering::Relaxed);
                        }
                    }
                    Err(err) => tracing::warn!(%err, "compaction failed"),
                }
            }
        });
        Self { compacted, task }
    }

    /// The highest revision this compactor compacted to or learned of (0: none yet).
    pub fn compacted_revision(&self) -> Revision {
        self.compacted.load(Ordering::Relaxed)
    }
}

impl Drop for Compactor {
    fn drop(&mut self) {
        self.task.abort();
    }
}
