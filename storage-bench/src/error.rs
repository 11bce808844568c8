//! What can stop the benchmark.

use ironkube_storage::KvError;
use ironkube_testutil::TestUtilError;

/// Errors of the benchmark command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BenchError {
    /// A store behind the `KvStore` trait refused or failed a call.
    #[error("{what}: {source}")]
    Kv {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: KvError,
    },
    /// The raw etcd client failed.
    #[error("{what}: {source}")]
    Etcd {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: etcd_client::Error,
    },
    /// Starting etcd failed.
    #[error("starting etcd: {0}")]
    EtcdProcess(#[source] TestUtilError),
    /// A file operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A create transaction found its key already there (the store lost track of a key, or two
    /// writers shared a name).
    #[error("create of {key} failed its mod_revision == 0 compare")]
    CreateConflict {
        /// The key.
        key: String,
    },
    /// A watch ended before delivering every event.
    #[error("the {backend} watch ended early: {reason}")]
    WatchEnded {
        /// Which backend.
        backend: String,
        /// Why.
        reason: String,
    },
    /// A benchmark task panicked or was cancelled.
    #[error("a benchmark task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Writing the JSON report failed.
    #[error("encoding the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

impl BenchError {
    /// Wraps a `KvStore` error with what was being done.
    pub(crate) fn kv(what: impl Into<String>, source: KvError) -> Self {
        Self::Kv {
            what: what.into(),
            source,
        }
    }

    /// Wraps an etcd-client error with what was being done.
    pub(crate) fn etcd(what: impl Into<String>, source: etcd_client::Error) -> Self {
        Self::Etcd {
            what: what.into(),
            source,
        }
    }

    /// Wraps an I/O error with what was being done.
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}
