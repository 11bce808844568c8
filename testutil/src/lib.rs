//! Test support shared by ironkube's crates: real dependencies started on free loopback ports in
//! their own directories, and stopped when dropped (also when a test panics).
//!
//! - [`EtcdProcess`]: a single-member etcd on two free loopback ports with its own data directory.
//! - [`TlsFiles`]: a throwaway CA with serving and client certificates (etcd over TLS).
//! - [`TestDir`]: a temporary directory removed on drop.
//! - [`stats::Samples`]: latency samples with exact percentiles, for the benchmark commands.
//!
//! Everything here is synchronous (plain `std::process` and `std::net`), so it works from a plain
//! `#[test]` as well as from inside a tokio runtime (starting etcd blocks for about 0.3 s).

mod etcd;
pub mod stats;
mod tls;

pub use etcd::{ETCD_BIN_ENV, ETCD_BINS_ENV, EtcdProcess};
pub use tls::TlsFiles;

use std::path::{Path, PathBuf};

/// Errors of the test harness.
#[derive(Debug, thiserror::Error)]
pub enum TestUtilError {
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The process did not become ready in time.
    #[error("{what} did not become ready within {waited_ms} ms; log tail:\n{log_tail}")]
    NotReady {
        /// Which process.
        what: String,
        /// How long we waited.
        waited_ms: u128,
        /// The last lines of its log.
        log_tail: String,
    },
    /// The process exited while starting.
    #[error("{what} exited while starting ({status}); log tail:\n{log_tail}")]
    Exited {
        /// Which process.
        what: String,
        /// Its exit status.
        status: String,
        /// The last lines of its log.
        log_tail: String,
    },
    /// Generating test certificates failed.
    #[error("generating test certificates: {0}")]
    Tls(String),
    /// A binary printed something we could not understand.
    #[error("unexpected output from {what}: {output}")]
    UnexpectedOutput {
        /// Which command.
        what: String,
        /// What it printed.
        output: String,
    },
}

impl TestUtilError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}

/// A temporary directory, removed (with everything in it) when dropped.
#[derive(Debug)]
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    /// Creates a fresh empty directory under the system's temporary directory.
    pub fn new() -> Result<Self, TestUtilError> {
        let dir = tempfile::Builder::new()
            .prefix("ironkube-test-")
            .tempdir()
            .map_err(|e| TestUtilError::io("creating a temporary directory", e))?;
        Ok(Self { dir })
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the directory (not created).
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_dir_is_removed_on_drop() {
        let dir = TestDir::new().unwrap();
        let path = dir.path().to_path_buf();
        std::fs::write(dir.join("f"), b"x").unwrap();
        assert!(path.join("f").exists());
        drop(dir);
        assert!(!path.exists());
    }
}
