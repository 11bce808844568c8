//! The two API servers as child processes ([`ironkube_apiserver_harness`], shared with the
//! differential test), with the benchmark's errors and readiness check: killed when done, also
//! when the benchmark fails half way.

use std::path::Path;
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use ironkube_apiserver_harness as harness;
pub(crate) use ironkube_apiserver_harness::{Certs, ServerKind, binary_version};

use crate::client::Endpoint;
use crate::error::BenchError;

/// The etcd key prefix each server keeps its objects under (the two share one etcd).
fn etcd_prefix(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Ironkube => "/ironkube",
        ServerKind::Upstream => "/upstream",
    }
}

/// A running API server ([`harness::ServerProcess`]) with the benchmark's errors and
/// readiness check. Dropping it kills the process.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    process: harness::ServerProcess,
}

impl ServerProcess {
    /// Starts `binary` with `leading` arguments (ironkube's `apiserver`), the server's flags
    /// and then `extra` ones, on a free port, logging to `<dir>/<kind>.log`.
    pub(crate) fn spawn(
        kind: ServerKind,
        binary: &Path,
        leading: &[&str],
        extra: &[String],
        etcd_url: &str,
        certs: &Certs,
        dir: &Path,
    ) -> Result<Self, BenchError> {
        let process = harness::ServerProcess::spawn(&harness::Launch {
            kind,
            binary,
            leading,
            extra,
            etcd_url,
            etcd_prefix: etcd_prefix(kind),
            certs,
            dir,
        })?;
        Ok(Self { process })
    }

    /// The process id (for its CPU time).
    pub(crate) fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The HTTPS port.
    pub(crate) fn port(&self) -> u16 {
        self.process.port()
    }

    /// The file its stdout and stderr go to.
    pub(crate) fn log_path(&self) -> &Path {
        self.process.log_path()
    }

    /// Fails with the log's tail when the process has exited.
    pub(crate) fn check_running(&mut self) -> Result<(), BenchError> {
        match self.process.exited()? {
            None => Ok(()),
            Some(status) => Err(self.failure(format!("exited ({status})"))),
        }
    }

    /// A [`BenchError::Server`] for this server with its log's tail.
    pub(crate) fn failure(&self, reason: String) -> BenchError {
        BenchError::Server {
            server: self.process.kind().label().into(),
            reason,
            log: self.process.log_path().display().to_string(),
            log_tail: self.process.log_tail(5),
        }
    }

    /// Polls `GET /readyz` as the admin until it answers 200; returns how long that took
    /// from the start of the wait (the process was spawned just before).
    pub(crate) async fn wait_ready(
        &mut self,
        endpoint: &Endpoint,
        timeout: Duration,
    ) -> Result<Duration, BenchError> {
        let started = Instant::now();
        loop {
            self.check_running()?;
            let last = match endpoint.connect().await {
                Ok(mut connection) => match connection.call(Method::GET, "/readyz", None).await {
                    Ok(answer) if answer.status == StatusCode::OK => return Ok(started.elapsed()),
                    Ok(answer) => format!("HTTP {}: {}", answer.status, answer.body_start()),
                    Err(error) => error.to_string(),
                },
                Err(error) => error.to_string(),
            };
            if started.elapsed() > timeout {
                return Err(self.failure(format!(
                    "was not ready within {} s (last /readyz: {last})",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process now (SIGKILL) and waits for it.
    pub(crate) fn kill(&mut self) {
        self.process.kill();
    }
}
