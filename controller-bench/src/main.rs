//! The controller benchmark (issue 5): reconcile throughput of the controller manager.
//!
//! For each controller manager — `ironkube controller-manager` and upstream
//! kube-controller-manager v1.37.2 built from Go modules (the anchor) — in turn: a fresh
//! `ironkube server` (embedded store, its own controller manager off) in a temporary
//! directory, the controller manager as a separate process on its admin kubeconfig, a hollow
//! kubelet (this program, marking every new pod Running and Ready with a pod IP), then
//! `--deployments` Deployments of `--replicas` replicas created at once. Measured: the time
//! from the first create until every Deployment is Available with all replicas available, and
//! the controller manager's CPU seconds and peak RSS (`/proc`). Both run against the same API
//! server build on the same machine in the same run; the table gives ironkube's figures as
//! ratios of upstream's.
//!
//! Run with: `cargo run --release -p ironkube-controller-bench --bin controller-bench`
//! (`scripts/bench-controllers.sh` builds what it needs first).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod, ServiceAccount};
use kube::api::{Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Api, Client, ResourceExt as _};
use serde_json::json;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "controller-bench",
    about = "Deployments reconciled to Available: ironkube vs upstream kube-controller-manager"
)]
struct Args {
    /// Deployments to create.
    #[arg(long, default_value_t = 1000)]
    deployments: usize,
    /// Replicas of each.
    #[arg(long, default_value_t = 3)]
    replicas: i32,
    /// The ironkube binary (default: beside this one).
    #[arg(long)]
    ironkube_bin: Option<PathBuf>,
    /// The upstream kube-controller-manager (default: built by testutil/upstream/build.sh).
    #[arg(long)]
    upstream_kcm: Option<PathBuf>,
    /// Measure ironkube only (the table then says the anchor was not run).
    #[arg(long)]
    only_ironkube: bool,
    /// Give up on one run after this many seconds.
    #[arg(long, default_value_t = 900)]
    timeout_secs: u64,
}

/// Why the benchmark failed.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("{0}")]
    Harness(#[from] ironkube_apiserver_harness::HarnessError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("kube: {0}")]
    Kube(#[from] kube::Error),
    #[error("{0}")]
    Other(String),
}

/// One controller manager's figures.
#[derive(Debug, Clone)]
struct Measurement {
    label: &'static str,
    version: String,
    seconds: f64,
    cpu_seconds: f64,
    peak_rss_mb: f64,
    server_cpu_seconds: f64,
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn bench(args: &Args) -> Result<(), BenchError> {
    let ironkube = ironkube_apiserver_harness::ironkube_binary(
        args.ironkube_bin.as_deref(),
        "--ironkube-bin",
    )?;
    let upstream = if args.only_ironkube {
        None
    } else {
        Some(ironkube_apiserver_harness::upstream_named_binary(
            "kube-controller-manager",
            args.upstream_kcm.as_deref(),
            "--upstream-kcm",
        )?)
    };
    println!(
        "controller benchmark: {} Deployments x {} replicas, hollow pod status; API server: {}",
        args.deployments,
        args.replicas,
        ironkube_apiserver_harness::binary_version(&ironkube)
    );
    let mut results = Vec::new();
    let ours = run_one(args, &ironkube, Manager::Ironkube).await?;
    print_row(&ours);
    results.push(ours);
    if let Some(kcm) = &upstream {
        let theirs = run_one(args, &ironkube, Manager::Upstream(kcm)).await?;
        print_row(&theirs);
        results.push(theirs);
    }
    println!();
    println!(
        "| controller manager | version | time to all Available (s) | controller CPU (s) | controller peak RSS (MB) | API server CPU (s) |"
    );
    println!("|---|---|---|---|---|---|");
    for m in &results {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.0} | {:.1} |",
            m.label, m.version, m.seconds, m.cpu_seconds, m.peak_rss_mb, m.server_cpu_seconds
        );
    }
    if let [ours, theirs] = results.as_slice() {
        println!(
            "| ironkube / upstream | | {:.2}x | {:.2}x | {:.2}x | {:.2}x |",
            ours.seconds / theirs.seconds,
            ours.cpu_seconds / theirs.cpu_seconds,
            ours.peak_rss_mb / theirs.peak_rss_mb,
            ours.server_cpu_seconds / theirs.server_cpu_seconds
        );
    } else {
        println!("(upstream kube-controller-manager not run: --only-ironkube)");
    }
    Ok(())
}

fn print_row(m: &Measurement) {
    eprintln!(
        "{}: {:.1} s to all Available, {:.1} CPU s, {:.0} MB peak RSS",
        m.label, m.seconds, m.cpu_seconds, m.peak_rss_mb
    );
}

/// Which controller manager a run measures.
#[derive(Clone, Copy)]
enum Manager<'a> {
    Ironkube,
    Upstream(&'a Path),
}

async fn run_one(
    args: &Args,
    ironkube: &Path,
    manager: Manager<'_>,
) -> Result<Measurement, BenchError> {
    let dir = tempfile::tempdir().map_err(|source| BenchError::Io {
        what: "temporary directory".into(),
        source,
    })?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|source| BenchError::Io {
            what: "free port".into(),
            source,
        })?
        .port();
    let server_log =
        std::fs::File::create(dir.path().join("server.log")).map_err(|source| BenchError::Io {
            what: "server log".into(),
            source,
        })?;
    let server = Process(
        Command::new(ironkube)
            .args(["server", "--disable-controller-manager", "--data-dir"])
            .arg(dir.path())
            .args(["--secure-port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(server_log)
            .spawn()
            .map_err(|source| BenchError::Io {
                what: "starting ironkube server".into(),
                source,
            })?,
    );
    let kubeconfig = dir.path().join("admin.kubeconfig");
    let client = connect(&kubeconfig).await?;
    let (label, binary): (&'static str, PathBuf) = match manager {
        Manager::Ironkube => ("ironkube controller-manager", ironkube.to_path_buf()),
        Manager::Upstream(path) => ("kube-controller-manager", path.to_path_buf()),
    };
    let mut command = Command::new(&binary);
    if matches!(manager, Manager::Ironkube) {
        command.arg("controller-manager");
    }
    let kcm_log =
        std::fs::File::create(dir.path().join("controller-manager.log")).map_err(|source| {
            BenchError::Io {
                what: "controller manager log".into(),
                source,
            }
        })?;
    let kcm = Process(
        command
            .arg(format!("--kubeconfig={}", kubeconfig.display()))
            .arg("--leader-elect=false")
            .arg("--secure-port=0")
            .arg(format!(
                "--root-ca-file={}",
                dir.path().join("pki/ca.crt").display()
            ))
            .stdout(Stdio::null())
            .stderr(kcm_log)
            .spawn()
            .map_err(|source| BenchError::Io {
                what: format!("starting {}", binary.display()),
                source,
            })?,
    );
    let version = match manager {
        Manager::Ironkube => ironkube_apiserver_harness::binary_version(ironkube),
        Manager::Upstream(path) => ironkube_apiserver_harness::binary_version(path),
    };
    let namespace = "bench";
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": namespace}}))
                .map_err(|e| BenchError::Other(e.to_string()))?,
        )
        .await?;
    // Pods need the namespace's default account (ServiceAccount admission): the controller
    // manager makes it.
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    let waited = Instant::now();
    while accounts.get_opt("default").await?.is_none() {
        if waited.elapsed() > Duration::from_secs(60) {
            return Err(BenchError::Other(format!(
                "{label}: no default service account after 60 s; log: {}",
                dir.path().join("controller-manager.log").display()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kubelet = tokio::spawn(hollow_kubelet(client.clone(), namespace));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let started = Instant::now();
    let replicas = args.replicas;
    let creates = futures::stream::iter(0..args.deployments)
        .map(|i| {
            let deployments = deployments.clone();
            async move {
                let name = format!("d-{i}");
                let object: Deployment = serde_json::from_value(json!({
                    "metadata": {"name": name},
                    "spec": {
                        "replicas": replicas,
                        "selector": {"matchLabels": {"app": name}},
                        "template": {
                            "metadata": {"labels": {"app": name}},
                            "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
                        },
                    },
                }))
                .map_err(|e| BenchError::Other(e.to_string()))?;
                deployments.create(&PostParams::default(), &object).await?;
                Ok::<(), BenchError>(())
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<()>>();
    let watch = wait_available(deployments.clone(), args.deployments, replicas);
    let deadline = Duration::from_secs(args.timeout_secs);
    let (created, available) =
        tokio::time::timeout(deadline, futures::future::join(creates, watch))
            .await
            .map_err(|_| {
                BenchError::Other(format!(
                    "{label}: not all Available within {} s; logs in {}",
                    args.timeout_secs,
                    dir.path().display()
                ))
            })?;
    created?;
    available?;
    let seconds = started.elapsed().as_secs_f64();
    let (cpu_seconds, peak_rss_mb) = usage(kcm.0.id());
    let (server_cpu_seconds, _) = usage(server.0.id());
    kubelet.abort();
    drop(kcm);
    drop(server);
    Ok(Measurement {
        label,
        version,
        seconds,
        cpu_seconds,
        peak_rss_mb,
        server_cpu_seconds,
    })
}

/// A client on the server's admin kubeconfig, once the server answers (at most 30 s).
async fn connect(kubeconfig: &Path) -> Result<Client, BenchError> {
    let started = Instant::now();
    loop {
        if kubeconfig.exists()
            && let Ok(config) = kube::config::Kubeconfig::read_from(kubeconfig)
            && let Ok(config) =
                kube::Config::from_custom_kubeconfig(config, &Default::default()).await
            && let Ok(client) = Client::try_from(config)
            && client.apiserver_version().await.is_ok()
        {
            return Ok(client);
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(BenchError::Other(
                "the API server did not answer within 30 s".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `count` Deployments are Available with every replica available and updated.
async fn wait_available(
    api: Api<Deployment>,
    count: usize,
    replicas: i32,
) -> Result<(), BenchError> {
    let mut available = HashSet::new();
    let mut events = watcher(api, watcher::Config::default())
        .applied_objects()
        .boxed();
    while let Some(deployment) = events
        .try_next()
        .await
        .map_err(|e| BenchError::Other(e.to_string()))?
    {
        let status = deployment.status.clone().unwrap_or_default();
        let condition = status
            .conditions
            .as_ref()
            .and_then(|c| c.iter().find(|c| c.type_.as_deref() == Some("Available")))
            .is_some_and(|c| c.status.as_deref() == Some("True"));
        if condition
            && status.available_replicas == Some(replicas)
            && status.updated_replicas == Some(replicas)
        {
            available.insert(deployment.name_any());
            if available.len() >= count {
                return Ok(());
            }
        }
    }
    Err(BenchError::Other("the deployment watch ended".into()))
}

/// Marks every new pod Running and Ready with a pod IP, as a kubelet would (16 in flight).
async fn hollow_kubelet(client: Client, namespace: &str) {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let limit = Arc::new(tokio::sync::Semaphore::new(16));
    let mut seen = HashSet::new();
    let mut n: u32 = 0;
    let mut events = watcher(pods.clone(), watcher::Config::default())
        .applied_objects()
        .boxed();
    while let Ok(Some(pod)) = events.try_next().await {
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        if phase != "Pending"
            || pod.metadata.deletion_timestamp.is_some()
            || !seen.insert(pod.uid().unwrap_or_default())
        {
            continue;
        }
        n += 1;
        let ip = format!("10.{}.{}.{}", 64 + n / 65536, (n / 256) % 256, n % 256);
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let pods = pods.clone();
        tokio::spawn(async move {
            let now = k8s_openapi::jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            let conditions: Vec<_> = [
                "PodReadyToStartContainers",
                "Initialized",
                "ContainersReady",
                "PodScheduled",
                "Ready",
            ]
            .iter()
            .map(|t| json!({"type": t, "status": "True", "lastTransitionTime": now}))
            .collect();
            let status = json!({"status": {"phase": "Running", "conditions": conditions, "podIP": ip, "podIPs": [{"ip": ip}], "startTime": now}});
            let _ = pods
                .patch_status(
                    &pod.name_any(),
                    &PatchParams::default(),
                    &Patch::Merge(&status),
                )
                .await;
            drop(permit);
        });
    }
}

/// CPU seconds (user + system) and peak RSS (MB) of a process, from `/proc`.
fn usage(pid: u32) -> (f64, f64) {
    let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let rest = stat.get(stat.rfind(')')? + 2..)?.to_string();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(
                (fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?)
                    / 100.0,
            )
        })
        .unwrap_or(f64::NAN);
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0);
    (cpu, rss)
}
