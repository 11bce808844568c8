//! Why a differential run could not be carried out (a difference between the servers is not an
//! error: it is reported).

/// A failure of the harness itself.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DiffError {
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A case file could not be read as cases.
    #[error("case file {file}: {reason}")]
    Cases {
        /// The file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Certificates, binaries or server processes could not be set up.
    #[error(transparent)]
    Harness(#[from] ironkube_apiserver_harness::HarnessError),
    /// An HTTP exchange failed below the HTTP status level.
    #[error("{what}: {reason}")]
    Http {
        /// The request.
        what: String,
        /// The failure.
        reason: String,
    },
    /// etcd could not be started.
    #[error("etcd: {0}")]
    Etcd(#[from] ironkube_testutil::TestUtilError),
    /// A server did not start or become ready.
    #[error("{server}: {reason} (log {log}):\n{log_tail}")]
    Server {
        /// `upstream` or `ironkube`.
        server: String,
        /// What went wrong.
        reason: String,
        /// Its log file.
        log: String,
        /// The last lines of that log.
        log_tail: String,
    },
}

impl DiffError {
    /// An [`DiffError::Io`] with context.
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }

    /// An [`DiffError::Http`] from any displayable failure.
    pub(crate) fn http(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::Http {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
