//! Facts about the machine the figures were measured on.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ironkube_testutil::EtcdProcess;
use serde::Serialize;

use crate::error::BenchError;

/// Size of the block rewritten and synced by the fsync probe (one page, as a small commit).
const FSYNC_BLOCK: usize = 4096;

/// The machine facts printed above the tables.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Machine {
    /// CPUs this process may use.
    pub(crate) cores: usize,
    /// The directory the stores' data directories are created in.
    pub(crate) data_parent: PathBuf,
    /// `fdatasync`s per second of a 4 KiB rewrite in that directory: the ceiling for a writer
    /// that syncs once per write, and the unit of group commit.
    pub(crate) fsyncs_per_sec: f64,
    /// The same probe again when the run ended (the disk is shared: a gap shows noise).
    pub(crate) fsyncs_per_sec_end: Option<f64>,
    /// The etcd binary's version (`etcd --version`).
    pub(crate) etcd_version: String,
    /// The etcd binary run.
    pub(crate) etcd_binary: PathBuf,
    /// One-minute load average when the run started (other work on the machine skews figures).
    pub(crate) loadavg_start: Option<f64>,
    /// One-minute load average when the run ended.
    pub(crate) loadavg_end: Option<f64>,
}

impl Machine {
    /// Gathers the facts; the fsync probe takes `fsync_for`.
    pub(crate) fn probe(fsync_for: Duration) -> Result<Self, BenchError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let data_parent = std::env::temp_dir();
        let fsyncs_per_sec = fsync_rate(&data_parent, fsync_for)?;
        let etcd_binary = EtcdProcess::default_binary();
        let etcd_version =
            EtcdProcess::binary_version(&etcd_binary).map_err(BenchError::EtcdProcess)?;
        Ok(Self {
            cores,
            data_parent,
            fsyncs_per_sec,
            fsyncs_per_sec_end: None,
            etcd_version,
            etcd_binary,
            loadavg_start: loadavg(),
            loadavg_end: None,
        })
    }
}

/// Rewrites and `fdatasync`s one 4 KiB block of a fresh file in `parent` for `duration`;
/// returns syncs per second.
pub(crate) fn fsync_rate(parent: &Path, duration: Duration) -> Result<f64, BenchError> {
    let dir = tempfile::Builder::new()
        .prefix("ironkube-bench-fsync-")
        .tempdir_in(parent)
        .map_err(|e| BenchError::io(format!("creating a directory in {}", parent.display()), e))?;
    let path = dir.path().join("probe");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| BenchError::io(format!("creating {}", path.display()), e))?;
    let block = [0x5au8; FSYNC_BLOCK];
    let io = |e| BenchError::io(format!("writing and syncing {}", path.display()), e);
    // The first write allocates the block; syncing it keeps allocation out of the loop.
    file.write_all(&block).map_err(io)?;
    file.sync_all().map_err(io)?;
    let started = Instant::now();
    let mut syncs = 0u64;
    while started.elapsed() < duration || syncs == 0 {
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(&block).map_err(io)?;
        file.sync_data().map_err(io)?;
        syncs += 1;
    }
    Ok(syncs as f64 / started.elapsed().as_secs_f64())
}

/// The one-minute load average from `/proc/loadavg` (`None` where there is none).
pub(crate) fn loadavg() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fsync_rate_is_positive_and_cleans_up() {
        let parent = tempfile::tempdir().unwrap();
        let rate = fsync_rate(parent.path(), Duration::from_millis(100)).unwrap();
        assert!(rate > 0.0 && rate.is_finite(), "rate {rate}");
        let left = std::fs::read_dir(parent.path()).unwrap().count();
        assert_eq!(left, 0, "the probe directory is removed");
    }

    #[test]
    fn fsync_rate_in_a_missing_directory_is_an_error() {
        let err = fsync_rate(Path::new("/nonexistent/dir"), Duration::from_millis(10)).unwrap_err();
        assert!(matches!(err, BenchError::Io { .. }), "{err}");
    }

    #[test]
    fn loadavg_reads_proc() {
        if Path::new("/proc/loadavg").exists() {
            let load = loadavg().unwrap();
            assert!(load >= 0.0);
        } else {
            assert_eq!(loadavg(), None);
        }
    }
}
