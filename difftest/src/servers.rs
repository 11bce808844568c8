//! The two API servers as child processes on one etcd ([`ironkube_apiserver_harness`], shared
//! with the benchmark), each under its own key prefix, with the differential test's errors and
//! readiness check. Dropping a [`ServerProcess`] kills it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use ironkube_apiserver_harness as harness;
pub(crate) use ironkube_apiserver_harness::{Certs, ServerKind};

use crate::client::{Endpoint, Outgoing};
use crate::error::DiffError;

/// The etcd key prefix each server keeps its objects under.
fn etcd_prefix(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Upstream => "/difftest-upstream",
        ServerKind::Ironkube => "/difftest-ironkube",
    }
}

/// A running API server ([`harness::ServerProcess`]); dropping it kills the process.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    process: harness::ServerProcess,
}

impl ServerProcess {
    /// Starts `binary` with `leading` arguments, the server's flags and `extra` ones, on a free
    /// port, logging to `<dir>/<kind>.log`.
    pub(crate) fn spawn(
        kind: ServerKind,
        binary: &Path,
        leading: &[&str],
        extra: &[String],
        etcd_url: &str,
        certs: &Certs,
        dir: &Path,
    ) -> Result<Self, DiffError> {
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

    /// The HTTPS port.
    pub(crate) fn port(&self) -> u16 {
        self.process.port()
    }

    /// The file its output goes to.
    pub(crate) fn log_path(&self) -> &Path {
        self.process.log_path()
    }

    /// A [`DiffError::Server`] for this server with its log's tail.
    fn failure(&self, reason: String) -> DiffError {
        DiffError::Server {
            server: self.process.kind().label().into(),
            reason,
            log: self.process.log_path().display().to_string(),
            log_tail: self.process.log_tail(8),
        }
    }

    /// Polls `GET /readyz` until it answers 200 (or the process exits, or `timeout` passes).
    pub(crate) async fn wait_ready(
        &mut self,
        endpoint: &Endpoint,
        timeout: Duration,
    ) -> Result<Duration, DiffError> {
        let started = Instant::now();
        let readyz = Outgoing {
            method: Method::GET,
            path: "/readyz".into(),
            headers: Vec::new(),
            body: Bytes::new(),
        };
        loop {
            if let Some(status) = self.process.exited()? {
                return Err(self.failure(format!("exited ({status})")));
            }
            let last = match endpoint.call(&readyz).await {
                Ok(answer) if answer.status == 200 => return Ok(started.elapsed()),
                Ok(answer) => format!("HTTP {}", answer.status),
                Err(error) => error.to_string(),
            };
            if started.elapsed() > timeout {
                return Err(self.failure(format!(
                    "was not ready within {} s (last /readyz: {last})",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The kube-apiserver to run: `--upstream-bin`, or what `testutil/upstream/build.sh` builds (or
/// finds in its cache).
pub(crate) fn upstream_binary(given: Option<&Path>) -> Result<PathBuf, DiffError> {
    Ok(harness::upstream_binary(given, "--upstream-bin")?)
}

/// The ironkube binary: `--ironkube-bin`, else `ironkube` beside this binary.
pub(crate) fn ironkube_binary(given: Option<&Path>) -> Result<PathBuf, DiffError> {
    Ok(harness::ironkube_binary(given, "--ironkube-bin")?)
}
