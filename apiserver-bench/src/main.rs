//! `apiserver-bench`: benchmarks B2 and B3 of DESIGN.md §6 for ironkube's API server, side by
//! side with upstream kube-apiserver v1.37.2 on the same etcd in the same run, as ratios.
//!
//! Run with:
//!
//! ```text
//! cargo build --release -p ironkube -p ironkube-apiserver-bench
//! target/release/apiserver-bench [--full] [--skip-ironkube | --skip-upstream] \
//!     [--ironkube-bin target/release/ironkube] [--upstream-bin PATH] [--etcd-bin PATH] \
//!     [--connections 64] [--seconds 5] [--list-pods 1000] [--watchers 10,100,1000] \
//!     [--write-rate 100] [--watch-seconds 5] [--protocol http2|http1] [--keep-logs] [--json PATH]
//! ```
//!
//! Without `--upstream-bin` it runs `testutil/upstream/build.sh`, which builds kube-apiserver
//! from Go modules once (about 6 minutes on 2 cores) and then only prints its path. It needs
//! `etcd` (`--etcd-bin`, else `$IRONKUBE_ETCD_BIN`, else `etcd` on `PATH`); upstream serves
//! consistent LISTs from its watch cache only on an etcd with progress notifications
//! (3.4.31+/3.5.13+), so `testutil/etcd-versions.sh` builds a newer one than Debian's 3.4.23.
//!
//! One etcd, one CA with a serving certificate for 127.0.0.1 and the admin's client
//! certificate (`O=system:masters`); then each server in turn (never both at once: they would
//! share the two cores), on the same etcd under its own prefix:
//!
//! 1. spawned on a free port, timed to `/readyz`;
//! 2. B2: for each `--list-pods` size N, namespace `bench-list-N` filled with N pods (about
//!    2 KiB of JSON each) by `--connections` workers; then `--connections` workers, one
//!    connection each, for `--seconds`: GET a pod (in the first namespace), LIST a namespace
//!    (each size), create pods (in `bench-create`); req/s, p50/p99, CPU s per 1000 requests;
//! 3. B3: for each `--watchers` count W, W watches on namespace `bench-watch-W` and a writer
//!    creating pods there at `--write-rate` per second for `--watch-seconds`: the p50/p99
//!    write-to-event latency (see `watch.rs` for its precise definition) and CPU per event.
//!
//! It prints one markdown report on stdout (progress on stderr): the machine, the servers, the
//! B2 and B3 tables with ironkube, upstream, ironkube ÷ upstream and which way is better, the
//! goals (B2: ≥ 3× upstream's req/s at ≤ its p99; B3: ≤ 0.5× its p99 latency and CPU per
//! event) and notes. A server that was skipped, not built or failed is named in the tables.
//! The default sizes finish in a few minutes; `--full` adds the LIST of 10 000 pods.

mod client;
mod error;
mod load;
mod machine;
mod pod;
mod process;
mod report;
mod watch;

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use clap::Parser;
use ironkube_testutil::EtcdProcess;
use tracing_subscriber::EnvFilter;

use client::{Endpoint, Protocol};
use error::BenchError;
use load::{Naming, Target, Until, Workload};
use machine::Machine;
use pod::PodTemplate;
use process::Certs;
use process::{ServerKind, ServerProcess};
use report::{CREATE_BENCH, GET_BENCH, Report, ServerResult, Settings};

/// The LIST size `--full` adds.
const FULL_LIST_PODS: usize = 10_000;

/// B2 and B3 for ironkube's API server beside upstream kube-apiserver on the same etcd.
#[derive(Debug, Parser)]
#[command(name = "apiserver-bench", version)]
struct Args {
    /// The ironkube binary (`cargo build --release -p ironkube`); a relative path that does not
    /// exist is also looked for under `$CARGO_TARGET_DIR`.
    #[arg(long, default_value = "target/release/ironkube")]
    ironkube_bin: PathBuf,
    /// The kube-apiserver binary; built with testutil/upstream/build.sh when absent.
    #[arg(long)]
    upstream_bin: Option<PathBuf>,
    /// The etcd binary (default: `$IRONKUBE_ETCD_BIN`, else `etcd` on `PATH`).
    #[arg(long)]
    etcd_bin: Option<PathBuf>,
    /// A flag to add to ironkube's command line (repeatable), e.g. `--ironkube-flag=--foo=1`.
    #[arg(long, allow_hyphen_values = true)]
    ironkube_flag: Vec<String>,
    /// A flag to add to kube-apiserver's command line (repeatable), e.g.
    /// `--upstream-flag=--v=1`.
    #[arg(long, allow_hyphen_values = true)]
    upstream_flag: Vec<String>,
    /// Do not run ironkube.
    #[arg(long)]
    skip_ironkube: bool,
    /// Do not run (or build) upstream kube-apiserver.
    #[arg(long)]
    skip_upstream: bool,
    /// Concurrent connections (one worker each) of the B2 rows, and the most connections the
    /// B3 watch streams are spread over (HTTP/2).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    connections: u64,
    /// Seconds each B2 row runs.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// Namespace sizes to LIST, comma-separated (the first is also GET's namespace).
    #[arg(long, value_delimiter = ',', default_value = "1000", value_parser = parse_pods)]
    list_pods: Vec<usize>,
    /// Adds the LIST of 10 000 pods.
    #[arg(long)]
    full: bool,
    /// Watcher counts of the B3 rows, comma-separated (empty: no B3).
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000", value_parser = parse_watchers)]
    watchers: Vec<usize>,
    /// Which benchmarks to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "b2,b3")]
    benches: Vec<Bench>,
    /// Writes per second in B3.
    #[arg(long, default_value_t = 100.0, value_parser = parse_rate)]
    write_rate: f64,
    /// Seconds of writes per B3 row.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    watch_seconds: u64,
    /// The HTTP version the client speaks.
    #[arg(long, value_enum, default_value_t = Protocol::Http2)]
    protocol: Protocol,
    /// Seconds a server has to answer /readyz.
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u64).range(1..=3600))]
    ready_timeout: u64,
    /// Keeps the run directory (server logs, certificates) and prints where it is.
    #[arg(long)]
    keep_logs: bool,
    /// Also writes the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// A benchmark of DESIGN.md §6 this command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Bench {
    /// GET / LIST / create with `--connections` connections.
    B2,
    /// Watch fan-out.
    B3,
}

fn parse_pods(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a pod count from 1 to 100000")),
    }
}

fn parse_watchers(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a watcher count from 1 to 10000")),
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && (0.1..=10_000.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a write rate from 0.1 to 10000 per second"
        )),
    }
}

impl Args {
    /// The LIST sizes, in order, without repeats, with `--full`'s added.
    fn list_sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = Vec::new();
        let full = self.full.then_some(FULL_LIST_PODS);
        for size in self.list_pods.iter().copied().chain(full) {
            if !sizes.contains(&size) {
                sizes.push(size);
            }
        }
        sizes
    }

    /// The watcher counts, in order, without repeats.
    fn watcher_counts(&self) -> Vec<usize> {
        let mut counts: Vec<usize> = Vec::new();
        for &count in &self.watchers {
            if !counts.contains(&count) {
                counts.push(count);
            }
        }
        counts
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("apiserver-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Everything a server's part of the run needs besides the server.
struct RunContext {
    etcd_url: String,
    etcd_pid: Option<u32>,
    certs: Certs,
    dir: PathBuf,
    template: PodTemplate,
    settings: Settings,
    ready_timeout: Duration,
}

async fn run(args: Args) -> Result<(), BenchError> {
    let dir = tempfile::Builder::new()
        .prefix("ironkube-apiserver-bench-")
        .tempdir()
        .map_err(|e| BenchError::io("creating the run directory", e))?;
    let etcd_binary = args
        .etcd_bin
        .clone()
        .unwrap_or_else(EtcdProcess::default_binary);
    let etcd_version =
        EtcdProcess::binary_version(&etcd_binary).map_err(BenchError::EtcdProcess)?;
    let mut machine = Machine {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        etcd_binary: etcd_binary.clone(),
        etcd_version,
        loadavg_start: machine::loadavg(),
        loadavg_end: None,
    };
    let template = PodTemplate::new();
    let settings = Settings {
        connections: usize::try_from(args.connections).unwrap_or(64),
        seconds: args.seconds,
        list_pods: if args.benches.contains(&Bench::B2) {
            args.list_sizes()
        } else {
            Vec::new()
        },
        watchers: if args.benches.contains(&Bench::B3) {
            args.watcher_counts()
        } else {
            Vec::new()
        },
        b2: args.benches.contains(&Bench::B2),
        write_rate: args.write_rate,
        watch_seconds: args.watch_seconds,
        protocol: args.protocol,
        pod_bytes: template.render(&pod::fill_name(0)).len(),
    };

    // Decide what runs before starting anything: the upstream build may take minutes.
    let ironkube_bin = resolve_ironkube_bin(&args.ironkube_bin);
    let ironkube_plan = if args.skip_ironkube {
        Err("--skip-ironkube".to_string())
    } else if ironkube_bin.is_file() {
        Ok(ironkube_bin.clone())
    } else {
        Err(format!(
            "no binary at {} (cargo build --release -p ironkube, or --ironkube-bin)",
            ironkube_bin.display()
        ))
    };
    let upstream_plan = if args.skip_upstream {
        Err("--skip-upstream".to_string())
    } else {
        upstream_binary(args.upstream_bin.as_deref())
    };

    let certs = Certs::generate(dir.path())?;
    eprintln!("etcd: starting {} …", etcd_binary.display());
    let etcd = EtcdProcess::start_with(&etcd_binary).map_err(BenchError::EtcdProcess)?;
    let context = RunContext {
        etcd_url: etcd.endpoint(),
        etcd_pid: etcd.pid(),
        certs,
        dir: dir.path().to_path_buf(),
        template,
        settings: settings.clone(),
        ready_timeout: Duration::from_secs(args.ready_timeout),
    };

    let ironkube = match ironkube_plan {
        Ok(binary) => {
            run_server(
                ServerKind::Ironkube,
                &binary,
                &["apiserver"],
                &args.ironkube_flag,
                &context,
            )
            .await
        }
        Err(reason) => ServerResult::not_run(ServerKind::Ironkube, Some(ironkube_bin), reason),
    };
    let upstream = match upstream_plan {
        Ok(binary) => {
            run_server(
                ServerKind::Upstream,
                &binary,
                &[],
                &args.upstream_flag,
                &context,
            )
            .await
        }
        Err(reason) => ServerResult::not_run(ServerKind::Upstream, None, reason),
    };
    drop(etcd);
    machine.loadavg_end = machine::loadavg();

    let logs = if args.keep_logs {
        Some(dir.keep())
    } else {
        None
    };
    let report = Report {
        machine,
        goals: report::goals(&settings, &ironkube, &upstream),
        settings,
        ironkube,
        upstream,
        logs,
    };
    print!("{}", report.to_markdown());
    if let Some(path) = &args.json {
        let json = serde_json::to_vec_pretty(&report)?;
        std::fs::write(path, json)
            .map_err(|e| BenchError::io(format!("writing {}", path.display()), e))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The ironkube binary: the path given, or, when that is relative and missing, the same path
/// under `$CARGO_TARGET_DIR` with its leading `target/` dropped.
fn resolve_ironkube_bin(given: &Path) -> PathBuf {
    if given.is_file() || given.is_absolute() {
        return given.to_path_buf();
    }
    let Some(target_dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) else {
        return given.to_path_buf();
    };
    let inside = given.strip_prefix("target").unwrap_or(given);
    let candidate = PathBuf::from(target_dir).join(inside);
    if candidate.is_file() {
        candidate
    } else {
        given.to_path_buf()
    }
}

/// The kube-apiserver to run: the one given, or what `testutil/upstream/build.sh` builds (or
/// finds cached); the reason when there is none.
fn upstream_binary(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(format!("--upstream-bin {} does not exist", path.display()))
        };
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testutil/upstream/build.sh");
    eprintln!(
        "upstream: {} (builds kube-apiserver once; minutes on a small machine) …",
        script.display()
    );
    let output = std::process::Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "building kube-apiserver with testutil/upstream/build.sh failed ({})",
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let path = stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map(|line| PathBuf::from(line.trim()))
        .ok_or_else(|| "build.sh printed no binary path".to_string())?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "build.sh printed {}, which does not exist",
            path.display()
        ))
    }
}

/// Runs one server's part: start, B2, B3, stop. Failures end up in the result, never as an
/// error: the other server still runs and the report says what happened.
async fn run_server(
    kind: ServerKind,
    binary: &Path,
    leading: &[&str],
    extra: &[String],
    context: &RunContext,
) -> ServerResult {
    let label = kind.label();
    let mut result = ServerResult::new(kind, Some(binary.to_path_buf()));
    result.version = Some(process::binary_version(binary));
    eprintln!("{label}: starting {} …", binary.display());
    let mut server = match ServerProcess::spawn(
        kind,
        binary,
        leading,
        extra,
        &context.etcd_url,
        &context.certs,
        &context.dir,
    ) {
        Ok(server) => server,
        Err(error) => {
            result.failed = Some(error.to_string());
            return result;
        }
    };
    let pki = &context.certs.pki;
    let endpoint = match Endpoint::new(
        server.port(),
        context.settings.protocol,
        &pki.ca_cert,
        &pki.admin_cert,
        &pki.admin_key,
    ) {
        Ok(endpoint) => endpoint,
        Err(error) => {
            result.failed = Some(error.to_string());
            return result;
        }
    };
    match server.wait_ready(&endpoint, context.ready_timeout).await {
        Ok(took) => {
            eprintln!("{label}: ready after {:.2} s", took.as_secs_f64());
            result.ready_seconds = Some(took.as_secs_f64());
        }
        Err(error) => {
            result.failed = Some(error.to_string());
            return result;
        }
    }
    result.rss_ready_bytes = machine::rss_bytes(server.pid());
    let target = Target {
        endpoint,
        server_pid: server.pid(),
        etcd_pid: context.etcd_pid,
    };
    let mut failures = Vec::new();
    if context.settings.b2
        && let Err(error) = run_b2(&target, context, &mut result).await
    {
        failures.push(explain(&mut server, "B2", error));
    }
    for &watchers in &context.settings.watchers {
        if let Err(error) = run_b3_row(&target, context, watchers, &mut result).await {
            failures.push(explain(
                &mut server,
                &format!("B3 {watchers} watchers"),
                error,
            ));
            // A server that died, or cannot watch at all, fails every larger row too.
            if server.check_running().is_err() || result.watches.is_empty() {
                break;
            }
        }
    }
    result.rss_end_bytes = machine::rss_bytes(server.pid());
    if !failures.is_empty() {
        result.failed = Some(failures.join("; "));
    }
    if server.check_running().is_ok() {
        eprintln!("{label}: done (log {})", server.log_path().display());
    }
    server.kill();
    result
}

/// A step's error, with the server's exit and log tail when it died.
fn explain(server: &mut ServerProcess, step: &str, error: BenchError) -> String {
    match server.check_running() {
        Ok(()) => format!("{step}: {error}"),
        Err(died) => format!("{step}: {error} ({died})"),
    }
}

/// B2 on one server: for each LIST size, fill a namespace and measure (GET on the first),
/// then creates.
async fn run_b2(
    target: &Target,
    context: &RunContext,
    result: &mut ServerResult,
) -> Result<(), BenchError> {
    let label = result.kind.label();
    let settings = &context.settings;
    let connections = settings.connections;
    let seconds = Duration::from_secs(settings.seconds);
    let mut control = target.endpoint.connect().await?;
    for (index, &pods) in settings.list_pods.iter().enumerate() {
        let namespace = format!("bench-list-{pods}");
        load::create_namespace(&mut control, &namespace, &mut result.notes).await?;
        eprintln!("{label}: filling {namespace} with {pods} pods …");
        let fill = load::fill(target, &namespace, pods, connections, &context.template).await?;
        eprintln!("  {:.0} creates/s", fill.req_per_sec);
        result.fills.push(fill);
        load::check_list(&mut control, &namespace, pods).await?;
        if index == 0 {
            result.sample_pod =
                sample_pod(&mut control, &namespace, result.kind, &context.dir).await;
            let workload = Workload::Get {
                namespace: namespace.clone(),
                pods,
            };
            measure(target, result, GET_BENCH, &workload, connections, seconds).await?;
        }
        let workload = Workload::List {
            namespace: namespace.clone(),
        };
        let bench = report::list_bench(pods);
        measure(target, result, &bench, &workload, connections, seconds).await?;
    }
    let namespace = "bench-create";
    load::create_namespace(&mut control, namespace, &mut result.notes).await?;
    let workload = Workload::Create {
        namespace: namespace.into(),
        naming: Naming::Prefixed("create-".into()),
        template: context.template.clone(),
    };
    measure(
        target,
        result,
        CREATE_BENCH,
        &workload,
        connections,
        seconds,
    )
    .await
}

/// `pod-00000` as the server returns it, also written to `<dir>/<kind>-pod-00000.json`;
/// `None` when it cannot be read (the GET row then says why).
async fn sample_pod(
    control: &mut client::Connection,
    namespace: &str,
    kind: ServerKind,
    dir: &Path,
) -> Option<serde_json::Value> {
    let name = pod::fill_name(0);
    let path = format!("/api/v1/namespaces/{namespace}/pods/{name}");
    let answer = control.call(hyper::Method::GET, &path, None).await.ok()?;
    if answer.status != hyper::StatusCode::OK {
        return None;
    }
    let _ = std::fs::write(
        dir.join(format!("{}-{name}.json", kind.label())),
        &answer.body,
    );
    serde_json::from_slice(&answer.body).ok()
}

/// One timed B2 row, added to the result.
async fn measure(
    target: &Target,
    result: &mut ServerResult,
    bench: &str,
    workload: &Workload,
    connections: usize,
    seconds: Duration,
) -> Result<(), BenchError> {
    eprintln!(
        "{}: {bench}, {connections} connections, {} s …",
        result.kind.label(),
        seconds.as_secs()
    );
    let row = load::run(
        target,
        bench,
        workload,
        connections,
        Until::Elapsed(seconds),
    )
    .await?;
    eprintln!(
        "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
        row.req_per_sec,
        row.p50_ms.unwrap_or(f64::NAN),
        row.p99_ms.unwrap_or(f64::NAN),
        row.errors
    );
    result.loads.push(row);
    Ok(())
}

/// One B3 row on one server, added to the result.
async fn run_b3_row(
    target: &Target,
    context: &RunContext,
    watchers: usize,
    result: &mut ServerResult,
) -> Result<(), BenchError> {
    let settings = &context.settings;
    let namespace = format!("bench-watch-{watchers}");
    let mut control = target.endpoint.connect().await?;
    load::create_namespace(&mut control, &namespace, &mut result.notes).await?;
    drop(control);
    eprintln!(
        "{}: {watchers} watchers, {} writes/s for {} s …",
        result.kind.label(),
        settings.write_rate,
        settings.watch_seconds
    );
    let row = watch::run_fanout(
        target,
        &namespace,
        watchers,
        settings.write_rate,
        Duration::from_secs(settings.watch_seconds),
        settings.connections,
        &context.template,
    )
    .await?;
    eprintln!(
        "  {}/{} events, p50 {:.2} ms, p99 {:.2} ms",
        row.delivered,
        row.expected_events,
        row.p50_ms.unwrap_or(f64::NAN),
        row.p99_ms.unwrap_or(f64::NAN)
    );
    result.watches.push(row);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_stated_ones() {
        let args = Args::try_parse_from(["apiserver-bench"]).unwrap();
        assert_eq!(args.connections, 64);
        assert_eq!(args.seconds, 5);
        assert_eq!(args.list_sizes(), vec![1000]);
        assert_eq!(args.watcher_counts(), vec![10, 100, 1000]);
        assert_eq!(args.write_rate, 100.0);
        assert_eq!(args.protocol, Protocol::Http2);
        assert_eq!(args.ironkube_bin, PathBuf::from("target/release/ironkube"));
        assert!(!args.skip_ironkube && !args.skip_upstream && !args.full);
        assert!(args.ironkube_flag.is_empty() && args.upstream_flag.is_empty());
    }

    #[test]
    fn extra_server_flags_pass_through() {
        let args = Args::try_parse_from([
            "apiserver-bench",
            "--upstream-flag",
            "--v=1",
            "--upstream-flag=--max-requests-inflight=800",
            "--ironkube-flag=--max-requests-inflight=800",
        ])
        .unwrap();
        assert_eq!(args.upstream_flag, ["--v=1", "--max-requests-inflight=800"]);
        assert_eq!(args.ironkube_flag, ["--max-requests-inflight=800"]);
    }

    #[test]
    fn full_adds_the_ten_thousand_pod_list_once() {
        let args = Args::try_parse_from(["apiserver-bench", "--full"]).unwrap();
        assert_eq!(args.list_sizes(), vec![1000, 10_000]);
        let args = Args::try_parse_from(["apiserver-bench", "--full", "--list-pods", "10000,500"])
            .unwrap();
        assert_eq!(args.list_sizes(), vec![10_000, 500]);
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            &["--connections", "0"][..],
            &["--list-pods", "0"],
            &["--watchers", "10,x"],
            &["--write-rate", "0"],
            &["--protocol", "http3"],
            &["--seconds", "0"],
        ] {
            let argv = std::iter::once("apiserver-bench").chain(bad.iter().copied());
            assert!(Args::try_parse_from(argv).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_missing_upstream_binary_is_a_reason_not_a_panic() {
        let reason = upstream_binary(Some(Path::new("/nonexistent/kube-apiserver"))).unwrap_err();
        assert!(reason.contains("does not exist"), "{reason}");
    }
}
