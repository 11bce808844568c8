//! `storage-bench`: durable creates/s and watch delivery latency of ironkube's storage backends,
//! side by side with raw etcd measured in the same run (DESIGN.md §6, B1).
//!
//! Run with:
//!
//! ```text
//! cargo run --release -p ironkube-storage-bench --bin storage-bench -- \
//!     [--seconds 5] [--concurrency 1,16,256] [--value-bytes 1024] [--rounds 1] \
//!     [--backends embedded,etcd,raw,raw-txn] [--watch-puts 2000] [--json PATH]
//! ```
//!
//! It needs `etcd` on `PATH` (or `IRONKUBE_ETCD_BIN`) and takes about 75 s with the defaults
//! (about 3.5 min with `--rounds 3`). What it measures, printing one markdown report on stdout
//! (progress on stderr):
//!
//! 1. the machine: cores, the fsync rate of the filesystem holding the data directories (a 2 s
//!    `fdatasync` loop on a 4 KiB file in the system temp directory, where every store below
//!    keeps its data; at the start and again at the end), the etcd version, the load average
//!    (other work on a shared machine skews the figures: the two probes show how much);
//! 2. durable creates, for each concurrency C: C tasks each creating new keys
//!    `/registry/configmaps/bench/<task>-<n>` with a 1 KiB value (`--value-bytes`) for
//!    `--seconds`, as kube-apiserver creates (`txn(mod_revision(key) == 0) put`), on (a) the
//!    embedded backend and (b) the etcd backend, both through the `KvStore` trait, and (c) raw
//!    `etcd_client` puts on etcd, the anchor; plus (d) raw `etcd_client` create transactions, to show how much of
//!    any gap between (b) and (c) is etcd's own transaction cost rather than ironkube's layer.
//!    Every row gets a fresh store (a new etcd process or embedded directory).
//!    Creates/s, p50 and p99 latency, and the ratio to (c) at the same concurrency; afterwards
//!    the keys are counted to check that every acknowledged create is there. For the embedded
//!    rows, its writer's group commits (commits/s, creates per commit);
//! 3. watch delivery latency, per backend and for a raw etcd-client watch: one watcher on a
//!    prefix, one writer putting up to `--watch-puts` keys one after the other (for at most
//!    `--seconds`); latency is the event's arrival at the watcher minus the put's
//!    acknowledgement at the writer, clamped at 0 when the event arrives first (counted; on
//!    etcd that is most events), and, never negative, the arrival minus the put's start;
//! 4. the goals: embedded ≥ 5× raw etcd at 256 writers; etcd backend ≥ 0.8× raw etcd (at every
//!    concurrency), each MET or NOT MET with its ratio.
//!
//! `--rounds N` runs every creates row N times (interleaved, each on a fresh store) and reports
//! the median with the spread: on a shared machine one 5 s row can be off by half.
//! `--json PATH` writes the same figures as JSON.

mod backend;
mod creates;
mod error;
mod machine;
mod report;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use backend::{Backend, Target};
use creates::{CREATE_PREFIX, CreateRow};
use error::BenchError;
use machine::Machine;
use report::{Report, Settings};
use watch::WatchRow;

/// How long the fsync probe runs.
const FSYNC_PROBE: Duration = Duration::from_secs(2);

/// Durable creates/s and watch latency of ironkube's storage backends against raw etcd.
#[derive(Debug, Parser)]
#[command(name = "storage-bench", version)]
struct Args {
    /// Seconds each creates row runs (and the most each watch row runs).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// Runs every creates row this many times, interleaved, and reports the median (a shared
    /// machine is noisy; 3 rounds triple the creates phase).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=99))]
    rounds: u64,
    /// Writer counts to measure creates at, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16,256", value_parser = parse_concurrency)]
    concurrency: Vec<usize>,
    /// Bytes per value.
    #[arg(long, default_value_t = 1024, value_parser = parse_value_bytes)]
    value_bytes: usize,
    /// Backends to run, comma-separated (embedded, etcd, raw, raw-txn); ratios need raw.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "embedded,etcd,raw,raw-txn"
    )]
    backends: Vec<Backend>,
    /// Most sequential puts per watch row.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    watch_puts: u64,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn parse_concurrency(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a writer count from 1 to 10000")),
    }
}

fn parse_value_bytes(text: &str) -> Result<usize, String> {
    // Leave room for the key under etcd's request limit.
    let max = ironkube_storage::kv::MAX_REQUEST_BYTES - 1024;
    match text.trim().parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!(
            "{text:?} is not a value size from 0 to {max} bytes"
        )),
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
            eprintln!("storage-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), BenchError> {
    let backends: Vec<Backend> = Backend::ALL
        .into_iter()
        .filter(|backend| args.backends.contains(backend))
        .collect();
    let mut concurrency: Vec<usize> = Vec::new();
    for &writers in &args.concurrency {
        if !concurrency.contains(&writers) {
            concurrency.push(writers);
        }
    }
    let seconds = Duration::from_secs(args.seconds);
    let watch_puts = usize::try_from(args.watch_puts).unwrap_or(usize::MAX);
    let value = Bytes::from(vec![b'x'; args.value_bytes]);
    let mut notes = Vec::new();

    eprintln!("machine: fsync probe ({} s) …", FSYNC_PROBE.as_secs());
    let mut machine = tokio::task::spawn_blocking(|| Machine::probe(FSYNC_PROBE)).await??;

    let rounds = usize::try_from(args.rounds).unwrap_or(1);
    let mut runs: Vec<Vec<CreateRow>> = vec![Vec::new(); concurrency.len() * backends.len()];
    for round in 1..=rounds {
        for (ci, &writers) in concurrency.iter().enumerate() {
            for (bi, &backend) in backends.iter().enumerate() {
                eprintln!(
                    "creates: round {round}/{rounds}, {backend}, {writers} writers, {} s …",
                    args.seconds
                );
                let row = create_row(backend, writers, seconds, value.clone(), &mut notes).await?;
                if let Some(slot) = runs.get_mut(ci * backends.len() + bi) {
                    slot.push(row);
                }
            }
        }
    }
    let mut creates: Vec<CreateRow> = runs.into_iter().filter_map(creates::median_of).collect();
    creates::fill_ratios(&mut creates);

    let mut watches: Vec<WatchRow> = Vec::new();
    // raw-txn differs from raw in creates only; the watch phase puts.
    for &backend in backends.iter().filter(|b| **b != Backend::RawTxn) {
        eprintln!("watch: {backend}, up to {watch_puts} puts …");
        let target = Target::start(backend).await?;
        let row = watch::run_watch(&target, backend, watch_puts, seconds, value.clone()).await?;
        target.stop().await?;
        if row.events < row.puts {
            notes.push(format!(
                "watch on {backend}: {} of {} events never arrived (waited 10 s)",
                row.puts - row.events,
                row.puts
            ));
        }
        watches.push(row);
    }
    machine.loadavg_end = machine::loadavg();
    eprintln!("machine: fsync probe again ({} s) …", FSYNC_PROBE.as_secs());
    let parent = machine.data_parent.clone();
    machine.fsyncs_per_sec_end = Some(
        tokio::task::spawn_blocking(move || machine::fsync_rate(&parent, FSYNC_PROBE)).await??,
    );

    let report = Report {
        machine,
        settings: Settings {
            seconds: args.seconds,
            rounds,
            concurrency,
            value_bytes: args.value_bytes,
            watch_puts,
            backends,
        },
        goals: report::goals(&creates),
        etcd_layer: report::etcd_layer(&creates),
        creates,
        watch: watches,
        notes,
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

/// One creates row on a fresh store; odd outcomes (errors, lost keys) go to `notes`.
async fn create_row(
    backend: Backend,
    writers: usize,
    seconds: Duration,
    value: Bytes,
    notes: &mut Vec<String>,
) -> Result<CreateRow, BenchError> {
    let target = Target::start(backend).await?;
    let row = creates::run_creates(&target, backend, writers, seconds, value).await?;
    let stored = target.count_prefix(CREATE_PREFIX).await?;
    target.stop().await?;
    eprintln!(
        "  {:.0} creates/s, p50 {:.2} ms, p99 {:.2} ms",
        row.creates_per_sec,
        row.p50_ms.unwrap_or(f64::NAN),
        row.p99_ms.unwrap_or(f64::NAN)
    );
    if let Some(error) = &row.first_error {
        notes.push(format!(
            "creates on {backend} at {writers} writers: {} task(s) stopped on an error; first: {error}",
            row.failed_tasks
        ));
    }
    if stored != row.creates {
        notes.push(format!(
            "creates on {backend} at {writers} writers: {} acknowledged but {stored} keys stored",
            row.creates
        ));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_stated_ones() {
        let args = Args::try_parse_from(["storage-bench"]).unwrap();
        assert_eq!(args.seconds, 5);
        assert_eq!(args.concurrency, vec![1, 16, 256]);
        assert_eq!(args.value_bytes, 1024);
        assert_eq!(
            args.backends,
            vec![
                Backend::Embedded,
                Backend::Etcd,
                Backend::Raw,
                Backend::RawTxn
            ]
        );
        assert_eq!(args.watch_puts, 2000);
        assert!(args.json.is_none());
    }

    #[test]
    fn lists_and_limits_parse() {
        let args = Args::try_parse_from([
            "storage-bench",
            "--seconds",
            "2",
            "--concurrency",
            "4,64",
            "--backends",
            "etcd,raw",
            "--json",
            "/tmp/out.json",
        ])
        .unwrap();
        assert_eq!(args.concurrency, vec![4, 64]);
        assert_eq!(args.backends, vec![Backend::Etcd, Backend::Raw]);
        assert_eq!(args.json, Some(PathBuf::from("/tmp/out.json")));
        for bad in [
            &["--seconds", "0"][..],
            &["--concurrency", "0"],
            &["--concurrency", "1,x"],
            &["--backends", "sqlite"],
            &["--value-bytes", "2000000"],
        ] {
            let argv = std::iter::once("storage-bench").chain(bad.iter().copied());
            assert!(Args::try_parse_from(argv).is_err(), "{bad:?} was accepted");
        }
    }
}
