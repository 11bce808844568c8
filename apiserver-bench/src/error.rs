//! What can stop the benchmark (or one server's part of it).

use ironkube_testutil::TestUtilError;

/// Errors of the benchmark command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BenchError {
    /// Starting etcd failed.
    #[error("starting etcd: {0}")]
    EtcdProcess(#[source] TestUtilError),
    /// Making the certificates, finding a binary or starting a server failed.
    #[error(transparent)]
    Harness(#[from] ironkube_apiserver_harness::HarnessError),
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Connecting to, or talking HTTP with, a server failed.
    #[error("{what}: {source}")]
    Http {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: hyper::Error,
    },
    /// A server answered with a status the step cannot go on with.
    #[error("{what}: HTTP {status}: {body}")]
    Status {
        /// What was being done.
        what: String,
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// A server's answer was not what the step expected.
    #[error("{what}: {reason}")]
    Unexpected {
        /// What was being done.
        what: String,
        /// What was wrong.
        reason: String,
    },
    /// A server process exited or never became ready.
    #[error("{server} {reason}; log tail ({log}):\n{log_tail}")]
    Server {
        /// Which server.
        server: String,
        /// What happened.
        reason: String,
        /// Its log file.
        log: String,
        /// The last lines of its log.
        log_tail: String,
    },
    /// A step did not finish in time.
    #[error("{0} timed out")]
    Timeout(String),
    /// A benchmark task panicked or was cancelled.
    #[error("a benchmark task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Encoding or decoding JSON failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl BenchError {
    /// Wraps an I/O error with what was being done.
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }

    /// Wraps a hyper error with what was being done.
    pub(crate) fn http(what: impl Into<String>, source: hyper::Error) -> Self {
        Self::Http {
            what: what.into(),
            source,
        }
    }

    /// An answer that was not what the step expected.
    pub(crate) fn unexpected(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Unexpected {
            what: what.into(),
            reason: reason.into(),
        }
    }
}
