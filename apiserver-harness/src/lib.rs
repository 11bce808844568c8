//! ironkube's API server and upstream kube-apiserver v1.37.2 as child processes side by side on
//! one etcd, each under its own key prefix, as the benchmark (`apiserver-bench`) and the
//! differential test (`difftest`) run them:
//!
//! - [`Certs`]: one CA, a serving certificate for 127.0.0.1 both servers use, the admin's client
//!   certificate (`O=system:masters`), and the service-account key pair kube-apiserver insists on;
//! - [`ServerKind::args`]: each server's command line;
//! - [`ServerProcess`]: a running server with its log; dropping it kills it (SIGKILL), also when
//!   the caller fails half way;
//! - [`upstream_binary`], [`ironkube_binary`], [`binary_version`]: which binaries run.
//!
//! Readiness is the caller's: each talks HTTP with its own client.

use std::ffi::OsString;
use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

use ironkube_apiserver::pki::{Pki, PkiError, ServingNames};
use rcgen::KeyPair;

/// The range Service IPs come from, on both servers.
const SERVICE_CLUSTER_IP_RANGE: &str = "10.96.0.0/12";
/// The service-account token issuer upstream requires.
const SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// Why the servers could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The certificates could not be made.
    #[error("making the certificates: {0}")]
    Pki(#[from] PkiError),
    /// The service-account key could not be made.
    #[error("generating the service-account key: {0}")]
    Key(#[from] rcgen::Error),
    /// A binary could not be found or built.
    #[error("{0}")]
    Binary(String),
    /// The client's TLS configuration could not be built.
    #[error("client TLS: {0}")]
    Tls(String),
}

impl HarnessError {
    /// A [`HarnessError::Io`] with context.
    fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}

/// Every certificate and key the servers and the client are given.
#[derive(Clone, Debug)]
pub struct Certs {
    /// CA, serving (127.0.0.1) and admin (`system:masters`) certificates: ironkube's own
    /// certificate store, in a fresh directory.
    pub pki: Pki,
    /// The service-account signing key (PKCS#8 PEM).
    pub service_account_key: PathBuf,
    /// Its public key (PKIX PEM), for verifying tokens.
    pub service_account_pub: PathBuf,
}

impl Certs {
    /// Makes every file in `dir`.
    pub fn generate(dir: &Path) -> Result<Self, HarnessError> {
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
                .map_err(|e| HarnessError::io(format!("writing {}", path.display()), e))?;
        }
        Ok(Self {
            pki,
            service_account_key,
            service_account_pub,
        })
    }
}

/// A TLS client configuration (ring, safe protocol versions) trusting the CA in `ca` and
/// presenting the certificate chain in `cert` with the key in `key`, all PEM files; the caller
/// sets the ALPN protocols.
pub fn client_tls_config(
    ca: &Path,
    cert: &Path,
    key: &Path,
) -> Result<rustls::ClientConfig, HarnessError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let tls = |what: &Path, e: &dyn std::fmt::Display| {
        HarnessError::Tls(format!("{}: {e}", what.display()))
    };
    let mut roots = rustls::RootCertStore::empty();
    for ca_cert in CertificateDer::pem_file_iter(ca).map_err(|e| tls(ca, &e))? {
        roots
            .add(ca_cert.map_err(|e| tls(ca, &e))?)
            .map_err(|e| tls(ca, &e))?;
    }
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| tls(cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls(cert, &e))?;
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| tls(key, &e))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HarnessError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, private_key)
        .map_err(|e| HarnessError::Tls(e.to_string()))
}

/// Which API server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    /// `ironkube apiserver`.
    Ironkube,
    /// Upstream `kube-apiserver`.
    Upstream,
}

impl ServerKind {
    /// The name used in output and file names.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ironkube => "ironkube",
            Self::Upstream => "upstream",
        }
    }

    /// The flags after the binary (for ironkube after its `apiserver` subcommand): the shared
    /// etcd under `etcd_prefix`, `port` on 127.0.0.1, the certificates; upstream also gets what it
    /// requires to start (service-account keys, an advertise address, RBAC).
    pub fn args(
        self,
        etcd_url: &str,
        etcd_prefix: &str,
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
        flag("etcd-prefix", &etcd_prefix);
        flag("secure-port", &port.to_string());
        flag("bind-address", &"127.0.0.1");
        flag("tls-cert-file", &pki.serving_cert);
        flag("tls-private-key-file", &pki.serving_key);
        flag("client-ca-file", &pki.ca_cert);
        flag("service-cluster-ip-range", &SERVICE_CLUSTER_IP_RANGE);
        if self == Self::Upstream {
            // Without it upstream looks for a non-loopback interface to advertise, and a sandbox
            // may have none; a loopback address needs the endpoint reconciler off (nothing here
            // reads the `kubernetes` Service's endpoints).
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
        args
    }
}

/// Where and how a server is started.
#[derive(Debug)]
pub struct Launch<'a> {
    /// Which server.
    pub kind: ServerKind,
    /// Its binary.
    pub binary: &'a Path,
    /// Arguments before the flags (ironkube's `apiserver`).
    pub leading: &'a [&'a str],
    /// Flags after the server's own.
    pub extra: &'a [String],
    /// The shared etcd.
    pub etcd_url: &'a str,
    /// The key prefix of this server's objects.
    pub etcd_prefix: &'a str,
    /// The certificates.
    pub certs: &'a Certs,
    /// The run directory (the log goes to `<dir>/<label>.log`).
    pub dir: &'a Path,
}

/// A running API server; dropping it kills the process (SIGKILL) and waits for it.
#[derive(Debug)]
pub struct ServerProcess {
    kind: ServerKind,
    child: Option<Child>,
    pid: u32,
    port: u16,
    log_path: PathBuf,
}

impl ServerProcess {
    /// Starts the server on a free loopback port, its output going to its log file.
    pub fn spawn(launch: &Launch<'_>) -> Result<Self, HarnessError> {
        let port = free_port()?;
        let log_path = launch.dir.join(format!("{}.log", launch.kind.label()));
        let log = File::create(&log_path)
            .map_err(|e| HarnessError::io(format!("creating {}", log_path.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| HarnessError::io("duplicating the log file handle", e))?;
        let args = launch.kind.args(
            launch.etcd_url,
            launch.etcd_prefix,
            port,
            launch.certs,
            launch.dir,
        );
        let child = Command::new(launch.binary)
            .args(launch.leading)
            .args(&args)
            .args(launch.extra)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| HarnessError::io(format!("starting {}", launch.binary.display()), e))?;
        Ok(Self {
            kind: launch.kind,
            pid: child.id(),
            child: Some(child),
            port,
            log_path,
        })
    }

    /// Which server.
    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    /// The process id (for its CPU time).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The HTTPS port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The file its stdout and stderr go to.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The last `lines` lines of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_path, lines)
    }

    /// How the process ended, once it has (`None` while it runs).
    pub fn exited(&mut self) -> Result<Option<ExitStatus>, HarnessError> {
        let Some(child) = self.child.as_mut() else {
            return Ok(None);
        };
        let status = child
            .try_wait()
            .map_err(|e| HarnessError::io("checking the server process", e))?;
        if status.is_some() {
            self.child = None;
        }
        Ok(status)
    }

    /// Kills the process now (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
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

/// A free loopback port (bound and released: a race with another process shows as the server
/// failing to start).
fn free_port() -> Result<u16, HarnessError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| HarnessError::io("binding a free loopback port", e))
}

/// The last `lines` lines of a file (empty when unreadable).
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The first line a binary prints for `--version` (e.g. `Kubernetes v1.37.2`), or why not.
pub fn binary_version(binary: &Path) -> String {
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

/// The kube-apiserver to run: the one given, or what `testutil/upstream/build.sh` builds (or
/// finds in its cache; it prints the binary's path last).
pub fn upstream_binary(given: Option<&Path>, flag: &str) -> Result<PathBuf, HarnessError> {
    upstream_named_binary("kube-apiserver", given, flag)
}

/// The upstream binary `name` (`kube-apiserver`, `kube-controller-manager`) to run: the one
/// given, or what `testutil/upstream/build.sh <name>` builds or finds in its cache.
pub fn upstream_named_binary(
    name: &str,
    given: Option<&Path>,
    flag: &str,
) -> Result<PathBuf, HarnessError> {
    if let Some(path) = given {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(HarnessError::Binary(format!(
                "{flag} {} does not exist",
                path.display()
            )))
        };
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testutil/upstream/build.sh");
    eprintln!("upstream: {} …", script.display());
    let output = Command::new("bash")
        .arg(&script)
        .arg(name)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| HarnessError::io(format!("running {}", script.display()), e))?;
    if !output.status.success() {
        return Err(HarnessError::Binary(format!(
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
        .ok_or_else(|| HarnessError::Binary("build.sh printed no binary path".into()))?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Binary(format!(
            "build.sh printed {}, which does not exist",
            path.display()
        )))
    }
}

/// The ironkube binary: the one given, else `ironkube` beside the running binary (cargo builds
/// both into the same target directory).
pub fn ironkube_binary(given: Option<&Path>, flag: &str) -> Result<PathBuf, HarnessError> {
    let path = match given {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe()
            .map_err(|e| HarnessError::io("finding this binary", e))?
            .with_file_name("ironkube"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Binary(format!(
            "no ironkube binary at {} (cargo build -p ironkube, or {flag})",
            path.display()
        )))
    }
}

#[cfg(test)]
mod tests;
