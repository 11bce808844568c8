//! `ironkube conformance run`: the upstream suite against a cluster, as sonobuoy's e2e plugin
//! runs it (the same focus and skip per mode, the same e2e.test flags, JUnit into the results
//! folder), with progress read from the suite's verbose output as it comes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::hollow::HollowNodes;
use crate::report;

/// The suite's version (what build.sh builds).
pub const SUITE_VERSION: &str = "v1.37.2";

/// Sonobuoy's run modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// One quick test (`Pods should be submitted and removed`).
    Quick,
    /// Every conformance test that does not disrupt the cluster.
    NonDisruptiveConformance,
    /// Every conformance test.
    CertifiedConformance,
}

impl Mode {
    /// The mode's `--ginkgo.focus`.
    pub fn focus(self) -> &'static str {
        match self {
            Self::Quick => "Pods should be submitted and removed",
            Self::NonDisruptiveConformance | Self::CertifiedConformance => r"\[Conformance\]",
        }
    }

    /// The mode's `--ginkgo.skip`.
    pub fn skip(self) -> &'static str {
        match self {
            Self::Quick | Self::NonDisruptiveConformance => r"\[Disruptive\]|NoExecuteTaintManager",
            Self::CertifiedConformance => "",
        }
    }
}

/// What to run, against what.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The mode (its focus and skip unless given).
    pub mode: Mode,
    /// `--ginkgo.focus` instead of the mode's.
    pub focus: Option<String>,
    /// `--ginkgo.skip` instead of the mode's.
    pub skip: Option<String>,
    /// The cluster; `None` starts a fresh `ironkube server` with hollow nodes.
    pub kubeconfig: Option<PathBuf>,
    /// Ginkgo processes (1: e2e.test alone; more: the ginkgo CLI, serial tests after).
    pub parallel: usize,
    /// More e2e.test arguments (recorded in the results).
    pub extra_args: Vec<String>,
    /// The results folder.
    pub results_dir: PathBuf,
    /// Where e2e.test and ginkgo are (build.sh's output).
    pub suite_dir: PathBuf,
    /// Hollow nodes for a fresh cluster.
    pub hollow_nodes: usize,
    /// The ironkube binary (to start a fresh cluster).
    pub ironkube_bin: PathBuf,
    /// ironkube's version, for the record.
    pub ironkube_version: String,
    /// Write the ledger of every conformance test here after the run.
    pub ledger: Option<PathBuf>,
}

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// e2e.test is missing.
    #[error("{0} not found: build the suite first with conformance/build.sh")]
    NoSuite(String),
    /// A file or process could not be handled.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The fresh cluster did not come up.
    #[error("the ironkube server did not become ready: {0}")]
    Cluster(String),
    /// The hollow nodes could not register.
    #[error(transparent)]
    Hollow(#[from] crate::hollow::HollowError),
    /// The results could not be read.
    #[error(transparent)]
    Report(#[from] report::ReportError),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RunError {
    let what = what.into();
    move |source| RunError::Io { what, source }
}

/// The cluster a run uses: given, or started here (stopped when dropped).
struct RunCluster {
    kubeconfig: PathBuf,
    server: Option<tokio::process::Child>,
    _data: Option<tempfile::TempDir>,
    hollow: Option<tokio::task::JoinHandle<()>>,
    stop_hollow: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for RunCluster {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_hollow.take() {
            let _ = stop.send(());
        }
        if let Some(hollow) = self.hollow.take() {
            hollow.abort();
        }
        if let Some(server) = self.server.as_mut() {
            let _ = server.start_kill();
        }
    }
}

/// A free loopback port.
fn free_port() -> Result<u16, RunError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io("picking a port"))?;
    Ok(listener.local_addr().map_err(io("picking a port"))?.port())
}

/// Starts `ironkube server` in a temporary directory and waits until it answers.
async fn fresh_cluster(options: &RunOptions) -> Result<RunCluster, RunError> {
    let data = tempfile::Builder::new()
        .prefix("ironkube-conformance-")
        .tempdir()
        .map_err(io("creating the data directory"))?;
    let port = free_port()?;
    let log = std::fs::File::create(options.results_dir.join("ironkube-server.log"))
        .map_err(io("creating the server log"))?;
    let log_err = log.try_clone().map_err(io("creating the server log"))?;
    let server = Command::new(&options.ironkube_bin)
        .arg("server")
        .arg("--data-dir")
        .arg(data.path())
        .arg("--secure-port")
        .arg(port.to_string())
        .stdout(log)
        .stderr(log_err)
        .kill_on_drop(true)
        .spawn()
        .map_err(io(format!("starting {}", options.ironkube_bin.display())))?;
    let kubeconfig = data.path().join("admin.kubeconfig");
    let mut cluster = RunCluster {
        kubeconfig: kubeconfig.clone(),
        server: Some(server),
        _data: Some(data),
        hollow: None,
        stop_hollow: None,
    };
    let client = wait_for_api(&kubeconfig, Duration::from_secs(60)).await?;
    if options.hollow_nodes > 0 {
        let nodes = HollowNodes {
            count: options.hollow_nodes,
            prefix: "hollow-node".into(),
            mark_pods_running: false,
        };
        nodes.register(&client).await?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        cluster.stop_hollow = Some(stop);
        cluster.hollow = Some(tokio::spawn(async move {
            if let Err(err) = nodes
                .run(client, async {
                    let _ = stopped.await;
                })
                .await
            {
                tracing::error!(%err, "hollow nodes stopped");
            }
        }));
    }
    Ok(cluster)
}

/// A client for `kubeconfig` once the API server answers `/version`.
async fn wait_for_api(kubeconfig: &Path, timeout: Duration) -> Result<kube::Client, RunError> {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("no kubeconfig yet");
    while Instant::now() < deadline {
        if kubeconfig.exists() {
            match client_for(kubeconfig).await {
                Ok(client) => match client.apiserver_version().await {
                    Ok(_) => return Ok(client),
                    Err(err) => last = err.to_string(),
                },
                Err(err) => last = err,
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(RunError::Cluster(last))
}

/// A kube-rs client from a kubeconfig file.
pub async fn client_for(kubeconfig: &Path) -> Result<kube::Client, String> {
    let config = kube::config::Kubeconfig::read_from(kubeconfig).map_err(|e| e.to_string())?;
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default())
        .await
        .map_err(|e| e.to_string())?;
    kube::Client::try_from(config).map_err(|e| e.to_string())
}

/// Progress read from the suite's verbose output: ginkgo prints each spec's name after a
/// separator line and ends its block with `•` and the outcome (`• [FAILED] [12.3 seconds]`;
/// a bare `• [0.1 seconds]` is a pass). The ginkgo CLI prints parallel processes' specs whole.
#[derive(Default)]
struct Progress {
    total: usize,
    passed: usize,
    failed: usize,
    after_separator: bool,
    current: String,
    /// An outcome read before its spec's name (the ginkgo CLI's order): whether it failed.
    pending: Option<bool>,
}

impl Progress {
    /// Takes one output line; a line to print when a spec finished.
    fn line(&mut self, line: &str) -> Option<String> {
        if let Some(rest) = line.strip_prefix("Will run ") {
            self.total += rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            return None;
        }
        if line.starts_with("------------------------------") {
            self.after_separator = true;
            self.current.clear();
            self.pending = None;
            return None;
        }
        if let Some(failed) = self.pending.take() {
            // The ginkgo CLI prints the outcome first and the spec's name after it.
            if line.starts_with('[') && !line.contains("Suite]") {
                return Some(self.finished(failed, line.trim()));
            }
            return None;
        }
        if let Some(outcome) = line.strip_prefix("• ") {
            if outcome.starts_with("[SKIPPED]") {
                return None;
            }
            let failed = [
                "[FAILED]",
                "[PANICKED]",
                "[TIMEDOUT]",
                "[INTERRUPTED]",
                "[ABORTED]",
            ]
            .iter()
            .any(|marker| outcome.starts_with(marker));
            if self.current.is_empty() {
                self.pending = Some(failed);
                return None;
            }
            let name = std::mem::take(&mut self.current);
            return Some(self.finished(failed, &name));
        }
        if self.after_separator {
            self.after_separator = false;
            if line.starts_with('[') && !line.contains("Suite]") {
                // e2e.test alone prints a spec's name as it starts: the current test.
                self.current = line.trim().to_owned();
                return Some(format!(
                    "[{}/{}] running: {}",
                    self.passed + self.failed + 1,
                    self.total,
                    self.current
                ));
            }
        }
        None
    }

    /// Counts a finished spec; its progress line.
    fn finished(&mut self, failed: bool, name: &str) -> String {
        if failed {
            self.failed += 1;
        } else {
            self.passed += 1;
        }
        format!(
            "[{}/{}] passed {}, failed {}: {} {}",
            self.passed + self.failed,
            self.total,
            self.passed,
            self.failed,
            if failed { "FAILED" } else { "PASSED" },
            name
        )
    }
}

/// One invocation of the suite.
struct Pass {
    program: PathBuf,
    args: Vec<String>,
}

impl Pass {
    fn command_line(&self) -> String {
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().map(|a| shell_quote(a)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_=./:,".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The passes of a run: e2e.test alone, or the ginkgo CLI over `parallel` processes.
fn passes(options: &RunOptions, kubeconfig: &Path) -> Vec<Pass> {
    let focus = options
        .focus
        .clone()
        .unwrap_or_else(|| options.mode.focus().to_owned());
    let skip = options
        .skip
        .clone()
        .unwrap_or_else(|| options.mode.skip().to_owned());
    let e2e = options.suite_dir.join("e2e.test");
    let common = || {
        let mut args: Vec<String> = vec![
            format!("--kubeconfig={}", kubeconfig.display()),
            "--provider=skeleton".to_owned(),
            format!("--report-dir={}", options.results_dir.display()),
            "--disable-log-dump".to_owned(),
            format!("--ginkgo.focus={focus}"),
            "--ginkgo.timeout=24h".to_owned(),
            "--ginkgo.no-color".to_owned(),
            "--ginkgo.v".to_owned(),
        ];
        if !skip.is_empty() {
            args.push(format!("--ginkgo.skip={skip}"));
        }
        args
    };
    let mut args = common();
    args.extend(options.extra_args.iter().cloned());
    if options.parallel <= 1 {
        return vec![Pass { program: e2e, args }];
    }
    // The ginkgo CLI runs the specs over its processes and the `[Serial]` ones (ginkgo's Serial
    // decorator) on the first process once every other spec is done.
    let mut parallel = vec![
        format!("--procs={}", options.parallel),
        "--timeout=24h".to_owned(),
        "--no-color".to_owned(),
        "-v".to_owned(),
        e2e.display().to_string(),
        "--".to_owned(),
    ];
    parallel.extend(args);
    vec![Pass {
        program: options.suite_dir.join("ginkgo"),
        args: parallel,
    }]
}

/// Runs one pass, its output appended to `log`.
async fn run_pass(
    pass: &Pass,
    log: &mut tokio::fs::File,
    progress: &mut Progress,
) -> Result<i32, RunError> {
    log.write_all(format!("### {}\n", pass.command_line()).as_bytes())
        .await
        .map_err(io("writing e2e.log"))?;
    let mut child = Command::new(&pass.program)
        .args(&pass.args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(io(format!("starting {}", pass.program.display())))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(RunError::Io {
            what: "reading the suite's output".into(),
            source: std::io::Error::other("no pipes"),
        });
    };
    let (lines_tx, mut lines_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    for stream in [
        Box::pin(stdout) as std::pin::Pin<Box<dyn tokio::io::AsyncRead + Send>>,
        Box::pin(stderr),
    ] {
        let tx = lines_tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(lines_tx);
    while let Some(line) = lines_rx.recv().await {
        log.write_all(line.as_bytes())
            .await
            .map_err(io("writing e2e.log"))?;
        log.write_all(b"\n").await.map_err(io("writing e2e.log"))?;
        if let Some(done) = progress.line(&line) {
            println!("{done}");
        }
        // Ginkgo's own summary lines are worth showing as they come.
        if line.starts_with("Will run ") || line.starts_with("Ran ") {
            println!("conformance: {line}");
        }
    }
    let status = child.wait().await.map_err(io("waiting for the suite"))?;
    Ok(status.code().unwrap_or(-1))
}

/// The suite's version line (`e2e.test --version`).
async fn suite_version(suite_dir: &Path) -> String {
    match Command::new(suite_dir.join("e2e.test"))
        .arg("--version")
        .output()
        .await
    {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Err(err) => format!("unknown ({err})"),
    }
}

/// The names of every conformance test of the suite (`e2e.test --list-conformance-tests`).
pub async fn conformance_test_names(suite_dir: &Path) -> Result<Vec<String>, RunError> {
    let out = Command::new(suite_dir.join("e2e.test"))
        .arg("--list-conformance-tests")
        .output()
        .await
        .map_err(io("listing the conformance tests"))?;
    #[derive(serde::Deserialize)]
    struct Entry {
        codename: String,
    }
    let entries: Vec<Entry> =
        serde_norway::from_slice(&out.stdout).map_err(|err| RunError::Io {
            what: "reading the conformance test list".into(),
            source: std::io::Error::other(err.to_string()),
        })?;
    // The list's names carry the tags ginkgo prints around the text; JUnit names are the same.
    Ok(entries.into_iter().map(|e| e.codename).collect())
}

/// Runs the suite; the summary table (also in `summary.md`). The run's exit status is the
/// caller's to judge from the results.
pub async fn run(options: RunOptions) -> Result<String, RunError> {
    let e2e = options.suite_dir.join("e2e.test");
    if !e2e.exists() {
        return Err(RunError::NoSuite(e2e.display().to_string()));
    }
    std::fs::create_dir_all(&options.results_dir)
        .map_err(io(format!("creating {}", options.results_dir.display())))?;
    let cluster = match &options.kubeconfig {
        Some(kubeconfig) => {
            wait_for_api(kubeconfig, Duration::from_secs(30)).await?;
            RunCluster {
                kubeconfig: kubeconfig.clone(),
                server: None,
                _data: None,
                hollow: None,
                stop_hollow: None,
            }
        }
        None => fresh_cluster(&options).await?,
    };
    let passes = passes(&options, &cluster.kubeconfig);
    let started = jiff::Timestamp::now();
    let mut record = String::new();
    record.push_str(&format!(
        "date: {}\n",
        started.strftime("%Y-%m-%d %H:%M:%S UTC")
    ));
    record.push_str(&format!(
        "suite: {}\n",
        suite_version(&options.suite_dir).await
    ));
    record.push_str(&format!("ironkube: {}\n", options.ironkube_version));
    record.push_str(&format!(
        "cluster: {}\n",
        match &options.kubeconfig {
            Some(k) => format!("--kubeconfig {}", k.display()),
            None => format!(
                "fresh `ironkube server` (embedded store) with {} hollow nodes",
                options.hollow_nodes
            ),
        }
    ));
    record.push_str(&format!("mode: {:?}\n", options.mode));
    if !options.extra_args.is_empty() {
        record.push_str(&format!("extra args: {}\n", options.extra_args.join(" ")));
    }
    for pass in &passes {
        record.push_str(&format!("command: {}\n", pass.command_line()));
    }
    std::fs::write(options.results_dir.join("command.txt"), &record)
        .map_err(io("writing command.txt"))?;
    let mut log = tokio::fs::File::create(options.results_dir.join("e2e.log"))
        .await
        .map_err(io("creating e2e.log"))?;
    let begun = Instant::now();
    let mut codes = Vec::new();
    let mut progress = Progress::default();
    for pass in &passes {
        println!("conformance: {}", pass.command_line());
        codes.push(run_pass(pass, &mut log, &mut progress).await?);
    }
    drop(cluster);
    let results = report::read_results(&options.results_dir)?;
    let table = report::summary(&results);
    let summary = format!(
        "# Conformance run\n\n```\n{record}```\n\nDuration: {} s; suite exit codes: {codes:?}.\n\n{table}",
        begun.elapsed().as_secs()
    );
    std::fs::write(options.results_dir.join("summary.md"), &summary)
        .map_err(io("writing summary.md"))?;
    if let Some(path) = &options.ledger {
        let names = conformance_test_names(&options.suite_dir).await?;
        let header = format!(
            "Regenerated by a full run on {}:\n\n```\n{record}```",
            started.strftime("%Y-%m-%d")
        );
        std::fs::write(path, report::ledger(&names, &results, &header))
            .map_err(io(format!("writing {}", path.display())))?;
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_follows_ginkgos_verbose_output() {
        let output = "Will run 2 of 3206 specs\n\
------------------------------\n\
[SynchronizedBeforeSuite] \n\
e2e.go:69\n\
[SynchronizedBeforeSuite] PASSED [0.016 seconds]\n\
------------------------------\n\
[sig-apps] Deployment should work [Conformance]\n\
deployment.go:1\n\
  STEP: something\n\
• [0.068 seconds]\n\
------------------------------\n\
[sig-node] Pods should run [Conformance]\n\
pods.go:1\n\
• [FAILED] [300.171 seconds]\n\
------------------------------\n\
• [0.045 seconds]\n\
[sig-cli] Kubectl works [Conformance] [sig-cli, Conformance]\n\
kubectl.go:1\n";
        let mut progress = Progress::default();
        let printed: Vec<String> = output.lines().filter_map(|l| progress.line(l)).collect();
        assert_eq!(
            printed,
            [
                "[1/2] running: [sig-apps] Deployment should work [Conformance]",
                "[1/2] passed 1, failed 0: PASSED [sig-apps] Deployment should work [Conformance]",
                "[2/2] running: [sig-node] Pods should run [Conformance]",
                "[2/2] passed 1, failed 1: FAILED [sig-node] Pods should run [Conformance]",
                "[3/2] passed 2, failed 1: PASSED [sig-cli] Kubectl works [Conformance] [sig-cli, Conformance]",
            ]
        );
    }
}
