//! The two API servers as child processes on one etcd, each under its own key prefix: their
//! certificates, command lines, logs and readiness. Dropping a [`ServerProcess`] kills it.

use std::ffi::OsString;
use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use ironkube_apiserver::pki::{Pki, ServingNames};
use rcgen::KeyPair;

use crate::client::{Endpoint, Outgoing};
use crate::error::DiffError;

/// The range Service IPs come from, on both servers.
const SERVICE_CLUSTER_IP_RANGE: &str = "10.96.0.0/12";
/// The service-account token issuer upstream requires.
const SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// Every certificate and key the servers and the client are given.
#[derive(Clone, Debug)]
pub(crate) struct Certs {
    /// CA, serving (127.0.0.1) and admin (`system:masters`) certificates.
    pub(crate) pki: Pki,
    /// The service-account signing key (PKCS#8 PEM).
    service_account_key: PathBuf,
    /// Its public key (PKIX PEM).
    service_account_pub: PathBuf,
}

impl Certs {
    /// Makes every file in `dir`.
    pub(crate) fn generate(dir: &Path) -> Result<Self, DiffError> {
        let names = ServingNames {
            ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            dns_names: Vec::new(),
        };
        let pki = Pki::ensure(&dir.join("pki"), &names)?;
        let key = KeyPair::generate()?;
        let service_account_key = dir.join("sa.key");
        let service_account_pub = dir.join("sa.pub");
        for (path, text) in [
            (&service_account_key, key.serialize_pem()),
            (&service_account_pub, key.public_key_pem()),
        ] {
            std::fs::write(path, text)
                .map_err(|e| DiffError::io(format!("writing {}", path.display()), e))?;
        }
        Ok(Self {
            pki,
            service_account_key,
            service_account_pub,
        })
    }
}

/// Which API server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerKind {
    /// Upstream `kube-apiserver` (the reference).
    Upstream,
    /// `ironkube apiserver`.
    Ironkube,
}

impl ServerKind {
    /// The name used in output and file names.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Upstream => "upstream",
            Self::Ironkube => "ironkube",
        }
    }

    /// The etcd key prefix this server keeps its objects under.
    fn etcd_prefix(self) -> &'static str {
        match self {
            Self::Upstream => "/difftest-upstream",
            Self::Ironkube => "/difftest-ironkube",
        }
    }

    /// The flags after the binary (for ironkube after its `apiserver` subcommand).
    fn args(self, etcd_url: &str, port: u16, certs: &Certs, dir: &Path) -> Vec<OsString> {
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
        if self == Self::Upstream {
            // A sandbox may have no non-loopback interface to advertise; loopback needs the
            // endpoint reconciler off (nothing here reads the `kubernetes` endpoints).
            flag("advertise-address", &"127.0.0.1");
            flag("endpoint-reconciler-type", &"none");
            flag("service-account-issuer", &SERVICE_ACCOUNT_ISSUER);
            flag("service-account-key-file", &certs.service_account_pub);
            flag(
                "service-account-signing-key-file",
                &certs.service_account_key,
            );
            flag("authorization-mode", &"RBAC");
            flag("cert-dir", &dir.join("upstream-cert-dir"));
        }
        args
    }
}

/// A running API server; dropping it kills the process (SIGKILL) and waits for it.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    kind: ServerKind,
    child: Option<Child>,
    port: u16,
    log_path: PathBuf,
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
        let port = free_port()?;
        let log_path = dir.join(format!("{}.log", kind.label()));
        let log = File::create(&log_path)
            .map_err(|e| DiffError::io(format!("creating {}", log_path.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| DiffError::io("duplicating the log file handle", e))?;
        let child = Command::new(binary)
            .args(leading)
            .args(kind.args(etcd_url, port, certs, dir))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| DiffError::io(format!("starting {}", binary.display()), e))?;
        Ok(Self {
            kind,
            child: Some(child),
            port,
            log_path,
        })
    }

    /// The HTTPS port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The file its output goes to.
    pub(crate) fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// A [`DiffError::Server`] for this server with its log's tail.
    fn failure(&self, reason: String) -> DiffError {
        DiffError::Server {
            server: self.kind.label().into(),
            reason,
            log: self.log_path.display().to_string(),
            log_tail: tail(&self.log_path, 8),
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
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child
                    .try_wait()
                    .map_err(|e| DiffError::io("checking a server process", e))?
            {
                self.child = None;
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

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A free loopback port (bound and released; a race shows as a server failing to start).
fn free_port() -> Result<u16, DiffError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| DiffError::io("binding a free loopback port", e))
}

/// The last `lines` lines of a file (empty when unreadable).
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The kube-apiserver to run: the one given, or what `testutil/upstream/build.sh` builds (or
/// finds in its cache).
pub(crate) fn upstream_binary(given: Option<&Path>) -> Result<PathBuf, DiffError> {
    if let Some(path) = given {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(DiffError::Binary(format!(
                "--upstream-bin {} does not exist",
                path.display()
            )))
        };
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testutil/upstream/build.sh");
    eprintln!("upstream: {} …", script.display());
    let output = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| DiffError::io(format!("running {}", script.display()), e))?;
    if !output.status.success() {
        return Err(DiffError::Binary(format!(
            "testutil/upstream/build.sh failed ({})",
            output.status
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let path = stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map(|line| PathBuf::from(line.trim()))
        .ok_or_else(|| DiffError::Binary("build.sh printed no binary path".into()))?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(DiffError::Binary(format!(
            "build.sh printed {}, which does not exist",
            path.display()
        )))
    }
}

/// The ironkube binary: the one given, else `ironkube` beside this binary (cargo builds both
/// into the same target directory).
pub(crate) fn ironkube_binary(given: Option<&Path>) -> Result<PathBuf, DiffError> {
    let path = match given {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe()
            .map_err(|e| DiffError::io("finding this binary", e))?
            .with_file_name("ironkube"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(DiffError::Binary(format!(
            "no ironkube binary at {} (cargo build -p ironkube, or --ironkube-bin)",
            path.display()
        )))
    }
}
