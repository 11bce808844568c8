//! The two API servers as child processes: their command lines, their logs, readiness, and
//! killing them when done (also when the benchmark fails half way).

use std::ffi::OsString;
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use serde::Serialize;

use crate::certs::Certs;
use crate::client::Endpoint;
use crate::error::BenchError;

/// The range Service IPs come from, on both servers.
const SERVICE_CLUSTER_IP_RANGE: &str = "10.96.0.0/12";
/// The service-account token issuer upstream is given (it requires one).
const SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// Which API server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ServerKind {
    /// `ironkube apiserver`.
    Ironkube,
    /// Upstream `kube-apiserver`.
    Upstream,
}

impl ServerKind {
    /// The name used in the report and in file names.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Ironkube => "ironkube",
            Self::Upstream => "upstream",
        }
    }

    /// The etcd key prefix this server keeps its objects under (the two share one etcd).
    pub(crate) fn etcd_prefix(self) -> &'static str {
        match self {
            Self::Ironkube => "/ironkube",
            Self::Upstream => "/upstream",
        }
    }

    /// The command-line flags this server is started with (after the binary; for ironkube
    /// after its `apiserver` subcommand).
    pub(crate) fn args(
        self,
        etcd_url: &str,
        port: u16,
        certs: &Certs,
        dir: &Path,
    ) -> Vec<OsString> {
        let pki = &certs.pki;
        let mut args: Vec<OsString> = Vec::new();
        let mut flag = |name: &str, value: &dyn AsRef<std::ffi::OsStr>| {
            let mut arg = OsString::from(format!("--{name}="));
            arg.push(value.as_ref());
            args.push(arg);
        };
        flag("etcd-servers", &etcd_url);
        flag("etcd-prefix", &self.etcd_prefix());
        flag("secure-port", &port.to_string());
        flag("bind-address", &"127.0.0.1");
        flag("tls-cert-file", &pki.serving_cert);
        flag("tls-private-key-file", &pki.serving_key);
        flag("client-ca-file", &pki.ca_cert);
        flag("service-cluster-ip-range", &SERVICE_CLUSTER_IP_RANGE);
        match self {
            Self::Ironkube => {}
            Self::Upstream => {
                // Without it upstream looks for a non-loopback interface to advertise, and a
                // sandbox may have none; a loopback address is refused by the endpoint
                // reconcilers that keep the `kubernetes` Service's endpoints, which nothing here
                // uses (ironkube keeps none either).
                flag("advertise-address", &"127.0.0.1");
                flag("endpoint-reconciler-type", &"none");
                flag("service-account-issuer", &SERVICE_ACCOUNT_ISSUER);
                flag("service-account-key-file", &certs.service_account_pub);
                flag(
                    "service-account-signing-key-file",
                    &certs.service_account_key,
                );
                flag("authorization-mode", &"RBAC");
                // Only used when no serving certificate is given; keeps it off /var/run.
                flag("cert-dir", &dir.join("upstream-cert-dir"));
            }
        }
        args
    }
}

/// A running API server. Dropping it kills the process (SIGKILL) and waits for it.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    kind: ServerKind,
    child: Option<Child>,
    pid: u32,
    port: u16,
    log_path: PathBuf,
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
        let port = free_port()?;
        let log_path = dir.join(format!("{}.log", kind.label()));
        let log = File::create(&log_path)
            .map_err(|e| BenchError::io(format!("creating {}", log_path.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| BenchError::io("duplicating the log file handle", e))?;
        let args = kind.args(etcd_url, port, certs, dir);
        let child = Command::new(binary)
            .args(leading)
            .args(&args)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| BenchError::io(format!("starting {}", binary.display()), e))?;
        Ok(Self {
            kind,
            pid: child.id(),
            child: Some(child),
            port,
            log_path,
        })
    }

    /// The process id (for its CPU time).
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// The HTTPS port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The file its stdout and stderr go to.
    pub(crate) fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Fails with the log's tail when the process has exited.
    pub(crate) fn check_running(&mut self) -> Result<(), BenchError> {
        let status = match self.child.as_mut() {
            Some(child) => child
                .try_wait()
                .map_err(|e| BenchError::io("checking the server process", e))?,
            None => None,
        };
        match status {
            None => Ok(()),
            Some(status) => {
                self.child = None;
                Err(self.failure(format!("exited ({status})")))
            }
        }
    }

    /// A [`BenchError::Server`] for this server with its log's tail.
    pub(crate) fn failure(&self, reason: String) -> BenchError {
        BenchError::Server {
            server: self.kind.label().into(),
            reason,
            log: self.log_path.display().to_string(),
            log_tail: tail(&self.log_path, 5),
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
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free loopback port (bound and released: a race with another process is possible and
/// shows as the server failing to start).
fn free_port() -> Result<u16, BenchError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| BenchError::io("binding a free loopback port", e))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|e| BenchError::io("reading a bound port", e))
}

/// The last `lines` lines of a file (empty when unreadable).
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The first line a binary prints for `--version` (e.g. `Kubernetes v1.37.2`), or why not.
pub(crate) fn binary_version(binary: &Path) -> String {
    match Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => {
            let text = String::from_utf8_lossy(&output.stdout);
            text.lines().next().unwrap_or("?").trim().to_string()
        }
        Err(error) => format!("? ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certs(dir: &Path) -> Certs {
        Certs::generate(dir).unwrap()
    }

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn both_servers_get_the_same_etcd_port_and_certificates_under_their_own_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let certs = certs(dir.path());
        let ironkube =
            strings(&ServerKind::Ironkube.args("http://127.0.0.1:2379", 6443, &certs, dir.path()));
        let upstream =
            strings(&ServerKind::Upstream.args("http://127.0.0.1:2379", 6444, &certs, dir.path()));
        for args in [&ironkube, &upstream] {
            assert!(args.contains(&"--etcd-servers=http://127.0.0.1:2379".to_string()));
            assert!(args.contains(&"--bind-address=127.0.0.1".to_string()));
            assert!(args.contains(&format!("--client-ca-file={}", certs.pki.ca_cert.display())));
        }
        assert!(ironkube.contains(&"--etcd-prefix=/ironkube".to_string()));
        assert!(ironkube.contains(&"--secure-port=6443".to_string()));
        assert!(upstream.contains(&"--etcd-prefix=/upstream".to_string()));
        assert!(upstream.contains(&"--authorization-mode=RBAC".to_string()));
        assert!(
            upstream
                .iter()
                .any(|a| a.starts_with("--service-account-signing-key-file="))
        );
        assert!(
            !ironkube
                .iter()
                .any(|a| a.starts_with("--service-account") || a.starts_with("--authorization"))
        );
    }

    #[test]
    fn a_server_that_exits_is_reported_with_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let certs = certs(dir.path());
        // `false` ignores its arguments and exits 1 at once.
        let mut server = ServerProcess::spawn(
            ServerKind::Ironkube,
            Path::new("false"),
            &[],
            &[],
            "http://127.0.0.1:1",
            &certs,
            dir.path(),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let error = server.check_running().unwrap_err();
        assert!(error.to_string().contains("ironkube exited"), "{error}");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "a\nb\nc\n").unwrap();
        assert_eq!(tail(&path, 2), "b\nc");
        assert_eq!(tail(&dir.path().join("none"), 2), "");
    }
}
