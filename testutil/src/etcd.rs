//! A real etcd process for tests: one member on two free loopback ports, its own data directory,
//! its log in a file there, killed and cleaned up on drop.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{TestDir, TestUtilError, TlsFiles};

/// Environment variable naming the etcd binary [`EtcdProcess::start`] runs (default: `etcd` on
/// `PATH`).
pub const ETCD_BIN_ENV: &str = "IRONKUBE_ETCD_BIN";

/// Environment variable listing more etcd binaries (colon-separated) that suites also run against;
/// see [`EtcdProcess::extra_binaries`]. `testutil/etcd-versions.sh` builds some and prints the list.
pub const ETCD_BINS_ENV: &str = "IRONKUBE_ETCD_BINS";

/// How long [`EtcdProcess::start`] waits for etcd to serve.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a start is retried when another process took one of our ports in between.
const PORT_RETRIES: usize = 5;

/// A running single-member etcd. Dropping it kills the process (SIGKILL), waits for it and
/// removes its data directory.
#[derive(Debug)]
pub struct EtcdProcess {
    child: Option<Child>,
    binary: PathBuf,
    client_port: u16,
    peer_port: u16,
    dir: TestDir,
    /// Set when clients must use TLS (with a client certificate).
    tls: Option<TlsFiles>,
}

impl EtcdProcess {
    /// Starts the etcd named by `IRONKUBE_ETCD_BIN`, or `etcd` from `PATH`.
    pub fn start() -> Result<Self, TestUtilError> {
        Self::start_with(&Self::default_binary())
    }

    /// Starts the given etcd binary (for testing other etcd versions).
    pub fn start_with(binary: &Path) -> Result<Self, TestUtilError> {
        Self::start_with_args(binary, &[])
    }

    /// Starts the given etcd binary with extra command-line flags appended to ours.
    pub fn start_with_args(binary: &Path, extra_args: &[&str]) -> Result<Self, TestUtilError> {
        Self::start_retrying(binary, extra_args, false)
    }

    /// Starts the default etcd serving clients over TLS only, with client certificates required
    /// (`--client-cert-auth`): a fresh CA, serving and client certificate are generated in its
    /// directory ([`EtcdProcess::tls`]).
    pub fn start_tls() -> Result<Self, TestUtilError> {
        Self::start_retrying(&Self::default_binary(), &[], true)
    }

    fn start_retrying(
        binary: &Path,
        extra_args: &[&str],
        tls: bool,
    ) -> Result<Self, TestUtilError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::try_start(binary, extra_args, tls) {
                Err(TestUtilError::Exited { log_tail, .. })
                    if attempt < PORT_RETRIES && log_tail.contains("address already in use") =>
                {
                    continue;
                }
                other => return other,
            }
        }
    }

    /// The binary [`EtcdProcess::start`] uses: `$IRONKUBE_ETCD_BIN`, else `etcd`.
    pub fn default_binary() -> PathBuf {
        std::env::var_os(ETCD_BIN_ENV)
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from("etcd"), PathBuf::from)
    }

    /// The binaries listed in `$IRONKUBE_ETCD_BINS` (colon-separated; empty when unset).
    pub fn extra_binaries() -> Vec<PathBuf> {
        std::env::var_os(ETCD_BINS_ENV)
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The client URL, `http://127.0.0.1:<port>` (`https://` when started with TLS).
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.client_port)
    }

    /// The certificates of a process started with [`EtcdProcess::start_tls`].
    pub fn tls(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// The client port.
    pub fn client_port(&self) -> u16 {
        self.client_port
    }

    /// The peer port.
    pub fn peer_port(&self) -> u16 {
        self.peer_port
    }

    /// The binary this process runs.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// The directory holding the data directory and the log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The file etcd's stdout and stderr go to.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("etcd.log")
    }

    /// The last `lines` lines of etcd's log.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_path(), lines)
    }

    /// The version of this process's binary (e.g. `3.4.23`), from `etcd --version`.
    pub fn version(&self) -> Result<String, TestUtilError> {
        Self::binary_version(&self.binary)
    }

    /// The version of an etcd binary (e.g. `3.4.23`), from `etcd --version`.
    pub fn binary_version(binary: &Path) -> Result<String, TestUtilError> {
        let output = Command::new(binary)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| TestUtilError::io(format!("running {} --version", binary.display()), e))?;
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .find_map(|line| line.strip_prefix("etcd Version:"))
            .map(|v| v.trim().to_string())
            .ok_or_else(|| TestUtilError::UnexpectedOutput {
                what: format!("{} --version", binary.display()),
                output: text.into_owned(),
            })
    }

    /// The etcd process's id (`None` once it was killed), for reading its CPU and memory.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the process now (SIGKILL) and waits for it; the directory stays until drop.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn try_start(binary: &Path, extra_args: &[&str], tls: bool) -> Result<Self, TestUtilError> {
        let dir = TestDir::new()?;
        let tls = if tls {
            Some(TlsFiles::generate(dir.path())?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (client_port, peer_port) = free_ports()?;
        let log_path = dir.join("etcd.log");
        let log = File::create(&log_path)
            .map_err(|e| TestUtilError::io(format!("creating {}", log_path.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| TestUtilError::io("duplicating the log file handle", e))?;
        let client_url = format!("{scheme}://127.0.0.1:{client_port}");
        let peer_url = format!("http://127.0.0.1:{peer_port}");
        let data_dir = dir.join("data");
        let mut command = Command::new(binary);
        if let Some(tls) = &tls {
            command
                .arg("--cert-file")
                .arg(&tls.server_cert)
                .arg("--key-file")
                .arg(&tls.server_key)
                .arg("--client-cert-auth")
                .arg("--trusted-ca-file")
                .arg(&tls.ca_cert);
        }
        let child = command
            .arg("--name")
            .arg("default")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--listen-client-urls")
            .arg(&client_url)
            .arg("--advertise-client-urls")
            .arg(&client_url)
            .arg("--listen-peer-urls")
            .arg(&peer_url)
            .arg("--initial-advertise-peer-urls")
            .arg(&peer_url)
            .arg("--initial-cluster")
            .arg(format!("default={peer_url}"))
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| TestUtilError::io(format!("starting {}", binary.display()), e))?;
        let mut process = Self {
            child: Some(child),
            binary: binary.to_path_buf(),
            client_port,
            peer_port,
            dir,
            tls,
        };
        process.wait_ready()?;
        Ok(process)
    }

    fn wait_ready(&mut self) -> Result<(), TestUtilError> {
        let started = Instant::now();
        let what = format!(
            "etcd ({}) on port {}",
            self.binary.display(),
            self.client_port
        );
        loop {
            if let Some(child) = self.child.as_mut() {
                match child.try_wait() {
                    Ok(None) => {}
                    Ok(Some(status)) => {
                        self.child = None;
                        return Err(TestUtilError::Exited {
                            what,
                            status: status.to_string(),
                            log_tail: self.log_tail(30),
                        });
                    }
                    Err(e) => return Err(TestUtilError::io("waiting for etcd", e)),
                }
            }
            // Healthy on our port is not enough: another test's etcd could have taken the port
            // in the moment between picking it and ours binding it. Our own log must also say
            // that our process serves clients (all etcd versions log this line).
            let answers = if self.tls.is_some() {
                // Plain HTTP cannot ask a TLS listener; a connection has to do.
                TcpStream::connect_timeout(
                    &SocketAddr::from((Ipv4Addr::LOCALHOST, self.client_port)),
                    Duration::from_millis(200),
                )
                .is_ok()
            } else {
                health_ok(self.client_port)
            };
            if answers
                && self
                    .log_tail(200)
                    .contains("ready to serve client requests")
            {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                let log_tail = self.log_tail(30);
                self.kill();
                return Err(TestUtilError::NotReady {
                    what,
                    waited_ms: started.elapsed().as_millis(),
                    log_tail,
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for EtcdProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Two distinct free loopback ports (bound and released; the caller retries on a race).
fn free_ports() -> Result<(u16, u16), TestUtilError> {
    let bind = || {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| TestUtilError::io("binding a free loopback port", e))
    };
    let a = bind()?;
    let b = bind()?;
    let port = |l: &TcpListener| {
        l.local_addr()
            .map(|addr| addr.port())
            .map_err(|e| TestUtilError::io("reading a bound port", e))
    };
    Ok((port(&a)?, port(&b)?))
}

/// `GET /health` over plain TCP: true when etcd answers 200 with `"health":"true"`.
fn health_ok(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let timeout = Some(Duration::from_secs(2));
    if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
        return false;
    }
    let request = format!("GET /health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = Vec::new();
    if stream.read_to_end(&mut response).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&response);
    let status_ok = text
        .lines()
        .next()
        .is_some_and(|status| status.split_whitespace().nth(1) == Some("200"));
    status_ok && text.replace(' ', "").contains("\"health\":\"true\"")
}

/// The last `lines` lines of a file (empty when unreadable).
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_serves_and_cleans_up() {
        let mut etcd = EtcdProcess::start().unwrap();
        assert!(etcd.is_running());
        assert!(health_ok(etcd.client_port()));
        assert!(etcd.endpoint().starts_with("http://127.0.0.1:"));
        assert_ne!(etcd.client_port(), etcd.peer_port());
        let dir = etcd.dir().to_path_buf();
        assert!(dir.join("data").exists());
        drop(etcd);
        assert!(!dir.exists(), "the data directory is removed on drop");
    }

    #[test]
    fn kill_stops_serving() {
        let mut etcd = EtcdProcess::start().unwrap();
        let port = etcd.client_port();
        etcd.kill();
        assert!(!etcd.is_running());
        assert!(!health_ok(port));
    }

    #[test]
    fn two_processes_get_distinct_ports() {
        let a = EtcdProcess::start().unwrap();
        let b = EtcdProcess::start().unwrap();
        assert_ne!(a.client_port(), b.client_port());
        assert!(health_ok(a.client_port()) && health_ok(b.client_port()));
    }

    #[test]
    fn tls_mode_serves_https_with_client_certificates() {
        let etcd = EtcdProcess::start_tls().unwrap();
        assert!(etcd.endpoint().starts_with("https://127.0.0.1:"));
        let tls = etcd.tls().unwrap();
        for file in [
            &tls.ca_cert,
            &tls.server_cert,
            &tls.client_cert,
            &tls.client_key,
        ] {
            assert!(
                std::fs::read_to_string(file)
                    .unwrap()
                    .starts_with("-----BEGIN")
            );
        }
        // Plain HTTP gets no health answer from a TLS listener.
        assert!(!health_ok(etcd.client_port()));
    }

    #[test]
    fn version_is_reported() {
        let etcd = EtcdProcess::start().unwrap();
        let version = etcd.version().unwrap();
        assert!(
            version.split('.').count() == 3 && version.starts_with('3'),
            "unexpected version {version:?}"
        );
    }

    #[test]
    fn a_missing_binary_is_an_error() {
        let err = EtcdProcess::start_with(Path::new("/nonexistent/etcd")).unwrap_err();
        assert!(matches!(err, TestUtilError::Io { .. }), "{err}");
    }

    #[test]
    fn a_failing_start_reports_the_log() {
        let err = EtcdProcess::start_with_args(&EtcdProcess::default_binary(), &["--no-such-flag"])
            .unwrap_err();
        match err {
            TestUtilError::Exited { log_tail, .. } => {
                assert!(log_tail.contains("no-such-flag"), "log tail: {log_tail}")
            }
            other => panic!("expected Exited, got {other}"),
        }
    }
}
