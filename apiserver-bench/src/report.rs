//! The report: the machine, the two servers, one table for B2 and one for B3 (ironkube,
//! upstream, their ratio and the goal's direction), the goals and the notes; markdown and JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::client::Protocol;
use crate::load::LoadRow;
use crate::machine::Machine;
use crate::process::ServerKind;
use crate::watch::WatchRow;

/// B2's goal: ironkube's req/s over upstream's, at most upstream's p99.
pub(crate) const B2_RATE_GOAL: f64 = 3.0;
/// B3's goal: ironkube's p99 write-to-event latency and CPU per event over upstream's.
pub(crate) const B3_GOAL: f64 = 0.5;

/// How the run was configured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Settings {
    /// Concurrent connections of the B2 rows.
    pub(crate) connections: usize,
    /// Whether B2 runs.
    pub(crate) b2: bool,
    /// Seconds per B2 row.
    pub(crate) seconds: u64,
    /// The namespace sizes listed.
    pub(crate) list_pods: Vec<usize>,
    /// Watcher counts of the B3 rows.
    pub(crate) watchers: Vec<usize>,
    /// Writes per second in B3.
    pub(crate) write_rate: f64,
    /// Seconds of writes per B3 row.
    pub(crate) watch_seconds: u64,
    /// HTTP version.
    pub(crate) protocol: Protocol,
    /// Bytes of the pod JSON sent.
    pub(crate) pod_bytes: usize,
}

/// Everything one server's part of the run produced.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ServerResult {
    /// Which server.
    pub(crate) kind: ServerKind,
    /// The binary run.
    pub(crate) binary: Option<PathBuf>,
    /// What it says for `--version`.
    pub(crate) version: Option<String>,
    /// Why it did not run at all (skipped, not built, not found).
    pub(crate) not_run: Option<String>,
    /// The failure that stopped its run part way (rows before it stand).
    pub(crate) failed: Option<String>,
    /// Seconds from spawning to `/readyz` answering 200.
    pub(crate) ready_seconds: Option<f64>,
    /// Resident memory once ready, bytes.
    pub(crate) rss_ready_bytes: Option<u64>,
    /// Resident memory when its benchmarks were done, bytes.
    pub(crate) rss_end_bytes: Option<u64>,
    /// `pod-00000` as this server returns it after the first fill (the same pod JSON went to
    /// both servers: a difference in what comes back is a difference in the work done).
    pub(crate) sample_pod: Option<serde_json::Value>,
    /// The fills (pods created before the LIST and GET rows).
    pub(crate) fills: Vec<LoadRow>,
    /// The B2 rows.
    pub(crate) loads: Vec<LoadRow>,
    /// The B3 rows.
    pub(crate) watches: Vec<WatchRow>,
    /// Anything odd.
    pub(crate) notes: Vec<String>,
}

impl ServerResult {
    /// A server that was not run, and why.
    pub(crate) fn not_run(kind: ServerKind, binary: Option<PathBuf>, reason: String) -> Self {
        Self {
            not_run: Some(reason),
            ..Self::new(kind, binary)
        }
    }

    /// An empty result for a server about to run.
    pub(crate) fn new(kind: ServerKind, binary: Option<PathBuf>) -> Self {
        Self {
            kind,
            binary,
            version: None,
            not_run: None,
            failed: None,
            ready_seconds: None,
            rss_ready_bytes: None,
            rss_end_bytes: None,
            sample_pod: None,
            fills: Vec::new(),
            loads: Vec::new(),
            watches: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// One word or phrase for the tables' status row.
    fn status(&self) -> String {
        match (&self.not_run, &self.failed) {
            (Some(reason), _) => format!("not run: {reason}"),
            (None, Some(_)) => "ran, stopped early (see notes)".into(),
            (None, None) => "ran".into(),
        }
    }

    fn load(&self, bench: &str) -> Option<&LoadRow> {
        self.loads.iter().find(|row| row.bench == bench)
    }

    fn watch(&self, watchers: usize) -> Option<&WatchRow> {
        self.watches.iter().find(|row| row.watchers == watchers)
    }
}

/// One stated goal and how the run did against it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Goal {
    /// The goal as stated, for one row.
    pub(crate) goal: String,
    /// Whether it was met (`None`: not measured on both servers).
    pub(crate) met: Option<bool>,
    /// The ratios it was judged on.
    pub(crate) detail: String,
}

/// Everything the run measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Report {
    /// The machine.
    pub(crate) machine: Machine,
    /// The settings.
    pub(crate) settings: Settings,
    /// ironkube's part.
    pub(crate) ironkube: ServerResult,
    /// upstream's part.
    pub(crate) upstream: ServerResult,
    /// The goals.
    pub(crate) goals: Vec<Goal>,
    /// Where the servers' logs are (when kept).
    pub(crate) logs: Option<PathBuf>,
}

/// Which way a measure should go for ironkube.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Better {
    /// Higher is better.
    Higher,
    /// Lower is better.
    Lower,
    /// Context, not judged.
    Info,
}

/// ironkube's value over upstream's, when both exist and upstream's is not zero.
fn ratio_of(ironkube: Option<f64>, upstream: Option<f64>) -> Option<f64> {
    let (a, b) = (ironkube?, upstream?);
    (b != 0.0 && a.is_finite() && b.is_finite()).then(|| a / b)
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(
        || "–".into(),
        |v| {
            // A rate below 10 printed without decimals hides most of its value (1 req/s).
            let decimals = if decimals == 0 && v.abs() < 10.0 && v.fract() != 0.0 {
                1
            } else {
                decimals
            };
            format!("{v:.decimals$}")
        },
    )
}

fn ratio_text(value: Option<f64>) -> String {
    value.map_or_else(
        || "–".into(),
        |v| {
            // Two significant digits at least: a 0.002× ratio is not 0.00×.
            let decimals = if v == 0.0 || v.abs() >= 0.1 {
                2
            } else {
                (1.0 - v.abs().log10().floor()).clamp(2.0, 6.0) as usize
            };
            format!("{v:.decimals$}×")
        },
    )
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or_else(
        || "–".into(),
        |b| format!("{:.0} MiB", b as f64 / 1048576.0),
    )
}

/// The B2 benchmark names in the order they run.
pub(crate) fn b2_benches(settings: &Settings) -> Vec<String> {
    if !settings.b2 {
        return Vec::new();
    }
    let list_pods = &settings.list_pods;
    let mut benches = vec![GET_BENCH.to_string()];
    benches.extend(list_pods.iter().map(|&n| list_bench(n)));
    benches.push(CREATE_BENCH.to_string());
    benches
}

/// The GET row's name.
pub(crate) const GET_BENCH: &str = "GET pod";
/// The create row's name.
pub(crate) const CREATE_BENCH: &str = "create pod";

/// The name of the LIST row for a namespace of `pods` pods.
pub(crate) fn list_bench(pods: usize) -> String {
    format!("LIST {pods} pods")
}

/// Judges the goals on both servers' rows.
pub(crate) fn goals(
    settings: &Settings,
    ironkube: &ServerResult,
    upstream: &ServerResult,
) -> Vec<Goal> {
    let mut goals = Vec::new();
    for bench in b2_benches(settings) {
        let (ik, up) = (ironkube.load(&bench), upstream.load(&bench));
        let rate = ratio_of(ik.map(|r| r.req_per_sec), up.map(|r| r.req_per_sec));
        let p99 = ratio_of(ik.and_then(|r| r.p99_ms), up.and_then(|r| r.p99_ms));
        let met = match (rate, p99) {
            (Some(rate), Some(p99)) => Some(rate >= B2_RATE_GOAL && p99 <= 1.0),
            _ => None,
        };
        goals.push(Goal {
            goal: format!("B2 {bench}: ≥ {B2_RATE_GOAL}× upstream's req/s at ≤ its p99"),
            met,
            detail: format!("req/s {}, p99 {}", ratio_text(rate), ratio_text(p99)),
        });
    }
    for &watchers in &settings.watchers {
        let (ik, up) = (ironkube.watch(watchers), upstream.watch(watchers));
        let p99 = ratio_of(ik.and_then(|r| r.p99_ms), up.and_then(|r| r.p99_ms));
        let cpu = ratio_of(
            ik.and_then(|r| r.server_cpu_s_per_1k_events),
            up.and_then(|r| r.server_cpu_s_per_1k_events),
        );
        // An incomplete delivery makes the latency figure a lie: it is no pass.
        let complete =
            ik.is_some_and(|r| r.delivered == r.expected_events && r.expected_events > 0);
        let met = match (p99, cpu) {
            (Some(p99), Some(cpu)) => Some(complete && p99 <= B3_GOAL && cpu <= B3_GOAL),
            _ => None,
        };
        goals.push(Goal {
            goal: format!(
                "B3 {watchers} watchers: ≤ {B3_GOAL}× upstream's p99 write-to-event latency and CPU per event"
            ),
            met,
            detail: format!(
                "p99 {}, CPU per event {}{}",
                ratio_text(p99),
                ratio_text(cpu),
                if ik.is_some() && !complete {
                    ", ironkube missed events"
                } else {
                    ""
                }
            ),
        });
    }
    goals
}

/// A markdown table row: measure, both values, the ratio and the direction.
fn row(
    out: &mut String,
    bench: &str,
    measure: &str,
    ik: Option<f64>,
    up: Option<f64>,
    decimals: usize,
    better: Better,
) {
    let direction = match better {
        Better::Higher => "higher",
        Better::Lower => "lower",
        Better::Info => "context",
    };
    let _ = writeln!(
        out,
        "| {bench} | {measure} | {} | {} | {} | {direction} |",
        number(ik, decimals),
        number(up, decimals),
        ratio_text(ratio_of(ik, up))
    );
}

impl Report {
    /// The report as markdown.
    pub(crate) fn to_markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let s = &self.settings;
        let load = |l: Option<f64>| l.map_or_else(|| "?".into(), |l| format!("{l:.2}"));
        let join = |v: &[usize]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/")
        };
        // Writing to a String cannot fail.
        let _ = writeln!(out, "## Machine\n");
        let _ = writeln!(out, "- cores: {}", m.cores);
        let _ = writeln!(
            out,
            "- etcd: {} ({}), one process shared by both servers (prefixes /ironkube and /upstream)",
            m.etcd_version,
            m.etcd_binary.display()
        );
        let _ = writeln!(
            out,
            "- load average (1 min): {} at start, {} at end",
            load(m.loadavg_start),
            load(m.loadavg_end)
        );
        let _ = writeln!(
            out,
            "- settings: {} connections over {}, {} s per B2 row, LIST of {} pods, {}-byte pod JSON; B3: {} watchers, {} writes/s for {} s",
            s.connections,
            s.protocol.label(),
            s.seconds,
            join(&s.list_pods),
            s.pod_bytes,
            join(&s.watchers),
            s.write_rate,
            s.watch_seconds
        );
        let _ = writeln!(
            out,
            "- the load generator runs on the same cores as the servers and etcd; its own CPU is shown per row"
        );

        let _ = writeln!(out, "\n## Servers\n");
        let _ = writeln!(out, "| | ironkube | upstream |");
        let _ = writeln!(out, "|---|---|---|");
        let (ik, up) = (&self.ironkube, &self.upstream);
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".into());
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map_or_else(|| "–".into(), |p| p.display().to_string())
        };
        let _ = writeln!(out, "| status | {} | {} |", ik.status(), up.status());
        let _ = writeln!(
            out,
            "| binary | {} | {} |",
            path(&ik.binary),
            path(&up.binary)
        );
        let _ = writeln!(
            out,
            "| version | {} | {} |",
            text(&ik.version),
            text(&up.version)
        );
        let _ = writeln!(
            out,
            "| spawn to /readyz | {} s | {} s |",
            number(ik.ready_seconds, 2),
            number(up.ready_seconds, 2)
        );
        let _ = writeln!(
            out,
            "| RSS when ready | {} | {} |",
            mib(ik.rss_ready_bytes),
            mib(up.rss_ready_bytes)
        );
        let _ = writeln!(
            out,
            "| RSS at the end | {} | {} |",
            mib(ik.rss_end_bytes),
            mib(up.rss_end_bytes)
        );
        for (label, fill_rows) in [("ironkube", &ik.fills), ("upstream", &up.fills)] {
            for fill in fill_rows {
                let _ = writeln!(
                    out,
                    "\n{label} {}: {} pods in {:.1} s ({:.0}/s).",
                    fill.bench, fill.requests, fill.seconds, fill.req_per_sec
                );
            }
        }

        if s.b2 {
            let _ = writeln!(
                out,
                "\n## B2: GET / LIST / create, {} connections\n",
                s.connections
            );
            let _ = writeln!(
                out,
                "Closed loop: each connection sends its next request when the last answer is read, for {} s. \
                 Latency = request sent → whole answer read. CPU = utime+stime from /proc/<pid>/stat over the row, \
                 per 1000 successful requests. Ratio = ironkube ÷ upstream; the last column says which way is better \
                 for ironkube. Goal: ≥ {B2_RATE_GOAL}× upstream's req/s at ≤ its p99.\n",
                s.seconds
            );
            let _ = writeln!(
                out,
                "| benchmark | measure | ironkube | upstream | ironkube ÷ upstream | better |"
            );
            let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
            let _ = writeln!(
                out,
                "| (status) | | {} | {} | | |",
                ik.status(),
                up.status()
            );
            for bench in b2_benches(s) {
                let (a, b) = (ik.load(&bench), up.load(&bench));
                let get = |r: Option<&LoadRow>, f: fn(&LoadRow) -> Option<f64>| r.and_then(f);
                row(
                    &mut out,
                    &bench,
                    "req/s",
                    get(a, |r| Some(r.req_per_sec)),
                    get(b, |r| Some(r.req_per_sec)),
                    0,
                    Better::Higher,
                );
                row(
                    &mut out,
                    &bench,
                    "p50 ms",
                    get(a, |r| r.p50_ms),
                    get(b, |r| r.p50_ms),
                    2,
                    Better::Lower,
                );
                row(
                    &mut out,
                    &bench,
                    "p99 ms",
                    get(a, |r| r.p99_ms),
                    get(b, |r| r.p99_ms),
                    2,
                    Better::Lower,
                );
                row(
                    &mut out,
                    &bench,
                    "server CPU s / 1k req",
                    get(a, |r| r.server_cpu_s_per_1k),
                    get(b, |r| r.server_cpu_s_per_1k),
                    3,
                    Better::Lower,
                );
                row(
                    &mut out,
                    &bench,
                    "etcd CPU s / 1k req",
                    get(a, |r| r.etcd_cpu_s_per_1k),
                    get(b, |r| r.etcd_cpu_s_per_1k),
                    3,
                    Better::Info,
                );
                row(
                    &mut out,
                    &bench,
                    "bench client CPU s / 1k req",
                    get(a, |r| r.client_cpu_s_per_1k),
                    get(b, |r| r.client_cpu_s_per_1k),
                    3,
                    Better::Info,
                );
                row(
                    &mut out,
                    &bench,
                    "response KiB",
                    get(a, |r| Some(r.mean_response_bytes / 1024.0)),
                    get(b, |r| Some(r.mean_response_bytes / 1024.0)),
                    1,
                    Better::Info,
                );
                row(
                    &mut out,
                    &bench,
                    "errors",
                    get(a, |r| Some(r.errors as f64)),
                    get(b, |r| Some(r.errors as f64)),
                    0,
                    Better::Info,
                );
            }
        } else {
            let _ = writeln!(out, "\n## B2\n\nNot run (--benches).");
        }
        if !s.watchers.is_empty() {
            let _ = writeln!(out, "\n## B3: watch fan-out, {} writes/s\n", s.write_rate);
            let _ = writeln!(
                out,
                "W watchers on one namespace's pods (watch from the list's resourceVersion), a writer creating pods there \
                 on a fixed schedule for {} s. Write-to-event latency = the create request sent → a watcher has read the \
                 whole event line for the resourceVersion the create returned; one sample per write per watcher. CPU = \
                 the server's from the first write until the last event arrived, per 1000 events delivered. \
                 Goal: ≤ {B3_GOAL}× upstream's p99 and CPU per event.\n",
                s.watch_seconds
            );
            let _ = writeln!(
                out,
                "| watchers | measure | ironkube | upstream | ironkube ÷ upstream | better |"
            );
            let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
            let _ = writeln!(
                out,
                "| (status) | | {} | {} | | |",
                ik.status(),
                up.status()
            );
            for &watchers in &s.watchers {
                let (a, b) = (ik.watch(watchers), up.watch(watchers));
                let w = watchers.to_string();
                let get = |r: Option<&WatchRow>, f: fn(&WatchRow) -> Option<f64>| r.and_then(f);
                row(
                    &mut out,
                    &w,
                    "p50 write-to-event ms",
                    get(a, |r| r.p50_ms),
                    get(b, |r| r.p50_ms),
                    2,
                    Better::Lower,
                );
                row(
                    &mut out,
                    &w,
                    "p99 write-to-event ms",
                    get(a, |r| r.p99_ms),
                    get(b, |r| r.p99_ms),
                    2,
                    Better::Lower,
                );
                row(
                    &mut out,
                    &w,
                    "max write-to-event ms",
                    get(a, |r| r.max_ms),
                    get(b, |r| r.max_ms),
                    2,
                    Better::Info,
                );
                row(
                    &mut out,
                    &w,
                    "server CPU s / 1k events",
                    get(a, |r| r.server_cpu_s_per_1k_events),
                    get(b, |r| r.server_cpu_s_per_1k_events),
                    4,
                    Better::Lower,
                );
                row(
                    &mut out,
                    &w,
                    "bench client CPU s / 1k events",
                    get(a, |r| r.client_cpu_s_per_1k_events),
                    get(b, |r| r.client_cpu_s_per_1k_events),
                    4,
                    Better::Info,
                );
                row(
                    &mut out,
                    &w,
                    "events delivered",
                    get(a, |r| Some(r.delivered as f64)),
                    get(b, |r| Some(r.delivered as f64)),
                    0,
                    Better::Info,
                );
                row(
                    &mut out,
                    &w,
                    "events expected",
                    get(a, |r| Some(r.expected_events as f64)),
                    get(b, |r| Some(r.expected_events as f64)),
                    0,
                    Better::Info,
                );
                row(
                    &mut out,
                    &w,
                    "watchers closed by the server",
                    get(a, |r| r.terminated_by_server.map(|n| n as f64)),
                    get(b, |r| r.terminated_by_server.map(|n| n as f64)),
                    0,
                    Better::Info,
                );
                row(
                    &mut out,
                    &w,
                    "writes/s sent",
                    get(a, |r| Some(r.achieved_rate)),
                    get(b, |r| Some(r.achieved_rate)),
                    1,
                    Better::Info,
                );
                row(
                    &mut out,
                    &w,
                    "write p99 ms",
                    get(a, |r| r.write_p99_ms),
                    get(b, |r| r.write_p99_ms),
                    2,
                    Better::Info,
                );
            }
        } else {
            let _ = writeln!(out, "\n## B3\n\nNot run (--benches).");
        }

        let _ = writeln!(out, "\n## Goals\n");
        for goal in &self.goals {
            let verdict = match goal.met {
                Some(true) => "MET",
                Some(false) => "NOT MET",
                None => "not measured",
            };
            let _ = writeln!(out, "- {}: **{verdict}** ({})", goal.goal, goal.detail);
        }

        let mut notes: Vec<String> = Vec::new();
        for server in [ik, up] {
            let label = server.kind.label();
            if let Some(failed) = &server.failed {
                notes.push(format!("{label} stopped early: {failed}"));
            }
            for row in server.loads.iter().chain(&server.fills) {
                if let Some(error) = &row.first_error {
                    notes.push(format!(
                        "{label} {}: {} error(s); first: {error}",
                        row.bench, row.errors
                    ));
                }
            }
            for row in &server.watches {
                if let Some(error) = &row.first_error {
                    notes.push(format!(
                        "{label} {} watchers: first error: {error}",
                        row.watchers
                    ));
                }
                if row.delivered < row.expected_events && row.terminated_by_server.unwrap_or(0) > 0
                {
                    notes.push(format!(
                        "{label} {} watchers: the server closed {} watcher(s) that did not keep up \
                         (upstream's watch cache does so when a watcher's buffer stays full); the \
                         latencies are of the events that did arrive",
                        row.watchers,
                        row.terminated_by_server.unwrap_or(0)
                    ));
                }
                if row.delivered < row.expected_events {
                    notes.push(format!(
                        "{label} {} watchers: {} of {} events never arrived (waited 15 s after the last write)",
                        row.watchers,
                        row.expected_events - row.delivered,
                        row.expected_events
                    ));
                }
            }
            notes.extend(server.notes.iter().map(|n| format!("{label}: {n}")));
        }
        if let (Some(a), Some(b)) = (&ik.sample_pod, &up.sample_pod) {
            let (only_ik, only_up) = path_differences(a, b);
            let size = |v: &serde_json::Value| v.to_string().len();
            if !only_ik.is_empty() || !only_up.is_empty() {
                let show = |paths: &[String]| {
                    if paths.is_empty() {
                        "nothing".to_string()
                    } else {
                        let shown: Vec<&str> = paths.iter().take(12).map(String::as_str).collect();
                        let more = paths.len().saturating_sub(shown.len());
                        let tail = if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        };
                        format!("{}{tail}", shown.join(", "))
                    }
                };
                notes.push(format!(
                    "the same pod comes back different ({} bytes from ironkube, {} from upstream, compact JSON), \
                     so the servers do not do the same work per request: only upstream's has {}; only ironkube's has {}",
                    size(a),
                    size(b),
                    show(&only_up),
                    show(&only_ik)
                ));
            }
        }
        if let Some(logs) = &self.logs {
            notes.push(format!("server logs kept in {}", logs.display()));
        }
        if !notes.is_empty() {
            let _ = writeln!(out, "\n## Notes\n");
            for note in notes {
                let _ = writeln!(out, "- {}", note.replace('\n', " "));
            }
        }
        out
    }
}

/// The JSON paths (object keys, `[]` for array elements, down to [`PATH_DEPTH`] levels) found
/// in only `a` and in only `b`.
pub(crate) fn path_differences(
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> (Vec<String>, Vec<String>) {
    let mut in_a = std::collections::BTreeSet::new();
    let mut in_b = std::collections::BTreeSet::new();
    json_paths(a, "", 0, &mut in_a);
    json_paths(b, "", 0, &mut in_b);
    // A path under one only reported: its parent already says it.
    let outermost = |only: Vec<&String>| -> Vec<String> {
        let mut kept: Vec<String> = Vec::new();
        for path in only {
            if !kept
                .iter()
                .any(|k| path.starts_with(&format!("{k}.")) || path.starts_with(&format!("{k}[]")))
            {
                kept.push(path.clone());
            }
        }
        kept
    };
    (
        outermost(in_a.difference(&in_b).collect()),
        outermost(in_b.difference(&in_a).collect()),
    )
}

/// How deep [`path_differences`] looks.
const PATH_DEPTH: usize = 4;

fn json_paths(
    value: &serde_json::Value,
    prefix: &str,
    depth: usize,
    out: &mut std::collections::BTreeSet<String>,
) {
    if depth >= PATH_DEPTH {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                json_paths(child, &path, depth + 1, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                json_paths(item, &format!("{prefix}[]"), depth, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::CpuUse;

    fn load_row(bench: &str, rate: f64, p99: f64, cpu: f64) -> LoadRow {
        LoadRow {
            bench: bench.into(),
            connections: 64,
            seconds: 5.0,
            requests: (rate * 5.0) as usize,
            errors: 0,
            first_error: None,
            req_per_sec: rate,
            p50_ms: Some(p99 / 2.0),
            p99_ms: Some(p99),
            cpu: CpuUse::default(),
            server_cpu_s_per_1k: Some(cpu),
            etcd_cpu_s_per_1k: None,
            client_cpu_s_per_1k: None,
            mean_response_bytes: 2048.0,
        }
    }

    fn watch_row(watchers: usize, p99: f64, cpu: f64, delivered: usize) -> WatchRow {
        WatchRow {
            watchers,
            connections: watchers.min(64),
            target_rate: 100.0,
            achieved_rate: 100.0,
            writes: 500,
            write_errors: 0,
            expected_events: 500 * watchers,
            delivered,
            broken_watchers: 0,
            terminated_by_server: None,
            first_error: None,
            p50_ms: Some(p99 / 2.0),
            p99_ms: Some(p99),
            max_ms: Some(p99 * 2.0),
            write_p50_ms: Some(1.0),
            write_p99_ms: Some(2.0),
            cpu: CpuUse::default(),
            server_cpu_s_per_1k_events: Some(cpu),
            client_cpu_s_per_1k_events: None,
        }
    }

    fn settings() -> Settings {
        Settings {
            b2: true,
            connections: 64,
            seconds: 5,
            list_pods: vec![1000],
            watchers: vec![10],
            write_rate: 100.0,
            watch_seconds: 5,
            protocol: Protocol::Http2,
            pod_bytes: 2000,
        }
    }

    #[test]
    fn b2_goal_needs_three_times_the_rate_at_no_worse_p99() {
        let mut ik = ServerResult::new(ServerKind::Ironkube, None);
        let mut up = ServerResult::new(ServerKind::Upstream, None);
        ik.loads.push(load_row(GET_BENCH, 3000.0, 10.0, 0.1));
        up.loads.push(load_row(GET_BENCH, 1000.0, 10.0, 0.3));
        ik.loads.push(load_row(CREATE_BENCH, 4000.0, 11.0, 0.1));
        up.loads.push(load_row(CREATE_BENCH, 1000.0, 10.0, 0.3));
        let goals = goals(&settings(), &ik, &up);
        let find = |prefix: &str| goals.iter().find(|g| g.goal.starts_with(prefix)).unwrap();
        assert_eq!(find("B2 GET pod").met, Some(true));
        assert_eq!(find("B2 create pod").met, Some(false), "p99 is worse");
        assert_eq!(find("B2 LIST 1000 pods").met, None, "not measured");
    }

    #[test]
    fn b3_goal_needs_half_the_latency_and_cpu_and_every_event() {
        let mut ik = ServerResult::new(ServerKind::Ironkube, None);
        let mut up = ServerResult::new(ServerKind::Upstream, None);
        ik.watches.push(watch_row(10, 5.0, 0.01, 5000));
        up.watches.push(watch_row(10, 10.0, 0.02, 5000));
        assert_eq!(goals(&settings(), &ik, &up).last().unwrap().met, Some(true));
        ik.watches[0].delivered = 4999;
        assert_eq!(
            goals(&settings(), &ik, &up).last().unwrap().met,
            Some(false)
        );
    }

    #[test]
    fn markdown_names_a_server_that_did_not_run() {
        let mut ik = ServerResult::new(ServerKind::Ironkube, None);
        ik.loads.push(load_row(GET_BENCH, 3000.0, 10.0, 0.1));
        let up = ServerResult::not_run(ServerKind::Upstream, None, "--skip-upstream".into());
        let s = settings();
        let report = Report {
            machine: Machine {
                cores: 2,
                etcd_binary: "etcd".into(),
                etcd_version: "3.6.16".into(),
                loadavg_start: None,
                loadavg_end: None,
            },
            goals: goals(&s, &ik, &up),
            settings: s,
            ironkube: ik,
            upstream: up,
            logs: None,
        };
        let text = report.to_markdown();
        assert!(
            text.contains("| (status) | | ran | not run: --skip-upstream | | |"),
            "{text}"
        );
        assert!(
            text.contains("| GET pod | req/s | 3000 | – | – | higher |"),
            "{text}"
        );
        assert!(text.contains("not measured"), "{text}");
    }

    #[test]
    fn path_differences_name_the_outermost_missing_keys() {
        let ik = serde_json::json!({
            "metadata": {"name": "p", "uid": "1"},
            "spec": {"containers": [{"name": "c"}]}
        });
        let up = serde_json::json!({
            "metadata": {"name": "p", "uid": "1", "managedFields": [{"manager": "x", "fieldsV1": {}}]},
            "spec": {"containers": [{"name": "c", "terminationMessagePath": "/dev/termination-log"}], "schedulerName": "default-scheduler"},
            "status": {"phase": "Pending"}
        });
        let (only_ik, only_up) = path_differences(&ik, &up);
        assert!(only_ik.is_empty(), "{only_ik:?}");
        assert_eq!(
            only_up,
            [
                "metadata.managedFields",
                "spec.containers[].terminationMessagePath",
                "spec.schedulerName",
                "status"
            ]
        );
    }

    #[test]
    fn ratios_need_both_values() {
        assert_eq!(ratio_of(Some(2.0), Some(4.0)), Some(0.5));
        assert_eq!(ratio_of(Some(2.0), Some(0.0)), None);
        assert_eq!(ratio_of(None, Some(1.0)), None);
        assert_eq!(ratio_text(Some(1.234)), "1.23×");
        assert_eq!(ratio_text(Some(0.0021)), "0.0021×");
        assert_eq!(ratio_text(Some(0.042)), "0.042×");
        assert_eq!(number(Some(1.26), 0), "1.3");
        assert_eq!(number(Some(3.0), 0), "3");
        assert_eq!(number(Some(7727.4), 0), "7727");
    }
}
