//! The report: machine facts, the creates table, the watch table and the goals, as markdown
//! and as JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::backend::Backend;
use crate::creates::CreateRow;
use crate::machine::Machine;
use crate::watch::WatchRow;

/// The concurrency the embedded goal is stated at.
pub(crate) const EMBEDDED_GOAL_WRITERS: usize = 256;
/// Embedded creates/s over raw etcd's, at [`EMBEDDED_GOAL_WRITERS`].
pub(crate) const EMBEDDED_GOAL_RATIO: f64 = 5.0;
/// etcd-backend creates/s over raw etcd's, at every concurrency.
pub(crate) const ETCD_GOAL_RATIO: f64 = 0.8;

/// How the run was configured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Settings {
    /// Seconds per creates row (and the cap for each watch row).
    pub(crate) seconds: u64,
    /// Rounds of every creates row (the median is reported).
    pub(crate) rounds: usize,
    /// Writer counts.
    pub(crate) concurrency: Vec<usize>,
    /// Bytes per value.
    pub(crate) value_bytes: usize,
    /// Sequential puts per watch row (at most).
    pub(crate) watch_puts: usize,
    /// Backends run.
    pub(crate) backends: Vec<Backend>,
}

/// One stated goal and how the run did against it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Goal {
    /// The goal as stated.
    pub(crate) goal: String,
    /// The ratio it is judged on (`None`: not measured).
    pub(crate) ratio: Option<f64>,
    /// Whether it was met (`None`: not measured).
    pub(crate) met: Option<bool>,
    /// Where the ratio comes from.
    pub(crate) detail: String,
}

/// Everything the run measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Report {
    /// The machine.
    pub(crate) machine: Machine,
    /// The settings.
    pub(crate) settings: Settings,
    /// Durable creates, one row per backend and concurrency.
    pub(crate) creates: Vec<CreateRow>,
    /// Watch delivery latency, one row per backend.
    pub(crate) watch: Vec<WatchRow>,
    /// The goals.
    pub(crate) goals: Vec<Goal>,
    /// Not a goal, the context of the etcd one: the etcd backend's lowest ratio to the raw
    /// create transaction (the same request without ironkube's layer), and where.
    pub(crate) etcd_layer: Option<LayerRatio>,
    /// Anything odd seen during the run (errors, lost keys, missing events).
    pub(crate) notes: Vec<String>,
}

/// Judges the stated goals on the creates rows (their ratios must be filled).
pub(crate) fn goals(rows: &[CreateRow]) -> Vec<Goal> {
    let embedded = rows
        .iter()
        .find(|r| r.backend == Backend::Embedded && r.concurrency == EMBEDDED_GOAL_WRITERS)
        .and_then(|r| r.ratio_to_raw);
    let embedded_goal = Goal {
        goal: format!(
            "embedded ≥ {EMBEDDED_GOAL_RATIO}× raw etcd at {EMBEDDED_GOAL_WRITERS} writers"
        ),
        ratio: embedded,
        met: embedded.map(|ratio| ratio >= EMBEDDED_GOAL_RATIO),
        detail: match embedded {
            Some(_) => format!("creates/s at {EMBEDDED_GOAL_WRITERS} writers"),
            None => format!("needs the embedded and raw rows at {EMBEDDED_GOAL_WRITERS} writers"),
        },
    };

    let lowest = rows
        .iter()
        .filter(|r| r.backend == Backend::Etcd)
        .filter_map(|r| r.ratio_to_raw.map(|ratio| (ratio, r.concurrency)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let etcd_goal = Goal {
        goal: format!("etcd backend ≥ {ETCD_GOAL_RATIO}× raw etcd"),
        ratio: lowest.map(|(ratio, _)| ratio),
        met: lowest.map(|(ratio, _)| ratio >= ETCD_GOAL_RATIO),
        detail: match lowest {
            Some((_, writers)) => {
                format!("lowest ratio over the concurrencies, at {writers} writers")
            }
            None => "needs the etcd and raw rows at some concurrency".into(),
        },
    };
    vec![embedded_goal, etcd_goal]
}

/// The etcd backend against the raw create transaction at its worst concurrency.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct LayerRatio {
    /// etcd-backend creates/s over raw create-txn creates/s.
    pub(crate) ratio: f64,
    /// At this many writers.
    pub(crate) concurrency: usize,
}

/// The etcd backend's lowest ratio to the raw create transaction (ratios must be filled).
pub(crate) fn etcd_layer(rows: &[CreateRow]) -> Option<LayerRatio> {
    rows.iter()
        .filter(|r| r.backend == Backend::Etcd)
        .filter_map(|r| {
            r.ratio_to_raw_txn.map(|ratio| LayerRatio {
                ratio,
                concurrency: r.concurrency,
            })
        })
        .min_by(|a, b| a.ratio.total_cmp(&b.ratio))
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.2}"))
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.2}×"))
}

impl Report {
    /// The report as markdown: machine facts, two tables, the goals and any notes.
    pub(crate) fn to_markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let s = &self.settings;
        let load = |l: Option<f64>| l.map_or_else(|| "?".into(), |l| format!("{l:.2}"));
        let concurrency: Vec<String> = s.concurrency.iter().map(ToString::to_string).collect();
        // Writing to a String cannot fail.
        let _ = writeln!(out, "## Machine\n");
        let _ = writeln!(out, "- cores: {}", m.cores);
        let _ = writeln!(
            out,
            "- fsync rate: {:.0} fdatasyncs/s at start, {} at end (4 KiB rewrite, in {}, where every store's data directory was)",
            m.fsyncs_per_sec,
            m.fsyncs_per_sec_end
                .map_or_else(|| "?".into(), |rate| format!("{rate:.0}")),
            m.data_parent.display()
        );
        let _ = writeln!(
            out,
            "- etcd: {} ({})",
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
            "- settings: {} s per row, {} round(s) per row (median shown), {}-byte values, {} writers, up to {} watched puts",
            s.seconds,
            s.rounds,
            s.value_bytes,
            concurrency.join("/"),
            s.watch_puts
        );

        let _ = writeln!(out, "\n## Durable creates\n");
        let _ = writeln!(
            out,
            "Each writer creates new keys `/registry/configmaps/bench/<task>-<n>` one after the other: \
             `txn(mod_revision(key) == 0) put` through `KvStore`, a plain `put` for the raw anchor. \
             The raw create txn row sends that same transaction through etcd-client directly: \
             the etcd backend's distance from it is ironkube's layer, its distance from the put \
             anchor is etcd's. A fresh store per row.\n"
        );
        let _ = writeln!(
            out,
            "| backend | concurrency | creates/s | p50 ms | p99 ms | × raw etcd | × raw create txn |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for row in &self.creates {
            let rate = if row.rounds > 1 {
                format!(
                    "{:.0} ({:.0}–{:.0})",
                    row.creates_per_sec, row.min_creates_per_sec, row.max_creates_per_sec
                )
            } else {
                format!("{:.0}", row.creates_per_sec)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {rate} | {} | {} | {} | {} |",
                row.backend.label(),
                row.concurrency,
                ms(row.p50_ms),
                ms(row.p99_ms),
                ratio(row.ratio_to_raw),
                ratio(row.ratio_to_raw_txn)
            );
        }

        let groups: Vec<String> = self
            .creates
            .iter()
            .filter_map(|row| {
                let group = row.group_commit?;
                let per_sec = if row.seconds > 0.0 {
                    group.commits as f64 / row.seconds
                } else {
                    0.0
                };
                let mean = group.requests as f64 / group.commits.max(1) as f64;
                Some(format!(
                    "{} writers: {per_sec:.0} commits/s, {mean:.1} creates per commit (largest {})",
                    row.concurrency, group.largest_batch
                ))
            })
            .collect();
        if !groups.is_empty() {
            let _ = writeln!(
                out,
                "\nEmbedded group commit (one fsync per commit): {}.",
                groups.join("; ")
            );
        }

        let _ = writeln!(out, "\n## Watch delivery latency\n");
        let _ = writeln!(
            out,
            "One watcher on `/registry/configmaps/watchbench/`, one writer putting keys one after the other. \
             Latency = event arrival at the watcher − the put's acknowledgement at the writer; an event \
             that arrived before its put's acknowledgement returned counts as 0 ms (column \"early\"). \
             \"from put start\" is event arrival − the moment the put was sent (write-to-event latency, \
             never negative).\n"
        );
        let _ = writeln!(
            out,
            "| backend | puts | events | p50 ms | p99 ms | early (clamped to 0) | from put start p50 ms | from put start p99 ms | put p50 ms | put p99 ms |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for row in &self.watch {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                row.backend.label(),
                row.puts,
                row.events,
                ms(row.p50_ms),
                ms(row.p99_ms),
                row.clamped,
                ms(row.from_start_p50_ms),
                ms(row.from_start_p99_ms),
                ms(row.put_p50_ms),
                ms(row.put_p99_ms)
            );
        }

        let _ = writeln!(out, "\n## Goals\n");
        for goal in &self.goals {
            let verdict = match goal.met {
                Some(true) => "MET",
                Some(false) => "NOT MET",
                None => "NOT MEASURED",
            };
            let _ = writeln!(
                out,
                "- {}: **{verdict}** ({}; {})",
                goal.goal,
                ratio(goal.ratio),
                goal.detail
            );
        }
        if let Some(layer) = self.etcd_layer {
            let _ = writeln!(
                out,
                "- context, not a goal: etcd backend vs raw etcd create txn (the same request without \
                 ironkube's layer): {} at {} writers (lowest over the concurrencies)",
                ratio(Some(layer.ratio)),
                layer.concurrency
            );
        }

        if !self.notes.is_empty() {
            let _ = writeln!(out, "\n## Notes\n");
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::creates::fill_ratios;
    use crate::creates::tests::row;

    fn rows() -> Vec<CreateRow> {
        let mut rows = vec![
            row(Backend::Raw, 1, 100.0),
            row(Backend::Etcd, 1, 95.0),
            row(Backend::Embedded, 1, 300.0),
            row(Backend::Raw, 256, 1000.0),
            row(Backend::RawTxn, 256, 800.0),
            row(Backend::Etcd, 256, 700.0),
            row(Backend::Embedded, 256, 6000.0),
        ];
        fill_ratios(&mut rows);
        rows
    }

    #[test]
    fn the_layer_ratio_needs_a_raw_txn_row() {
        let layer = etcd_layer(&rows()).unwrap();
        assert_eq!(layer.concurrency, 256);
        assert_eq!(layer.ratio, 0.875);
        let mut no_txn = vec![row(Backend::Raw, 1, 100.0), row(Backend::Etcd, 1, 90.0)];
        fill_ratios(&mut no_txn);
        assert_eq!(etcd_layer(&no_txn), None);
    }

    #[test]
    fn goals_are_judged_on_the_right_rows() {
        let goals = goals(&rows());
        assert_eq!(goals.len(), 2);
        assert_eq!(goals[0].ratio, Some(6.0));
        assert_eq!(goals[0].met, Some(true));
        // The etcd goal takes the worst concurrency: 0.7 at 256, not 0.95 at 1.
        assert_eq!(goals[1].ratio, Some(0.7));
        assert_eq!(goals[1].met, Some(false));
        assert!(goals[1].detail.contains("256"), "{}", goals[1].detail);
    }

    #[test]
    fn goals_without_their_rows_are_not_measured() {
        let mut partial = vec![
            row(Backend::Raw, 16, 100.0),
            row(Backend::Embedded, 16, 900.0),
        ];
        fill_ratios(&mut partial);
        let goals = goals(&partial);
        assert!(goals.iter().all(|g| g.met.is_none() && g.ratio.is_none()));
    }

    fn report() -> Report {
        let mut creates = rows();
        creates[6].group_commit = Some(crate::backend::GroupCommit {
            commits: 3000,
            requests: 30000,
            largest_batch: 256,
        });
        Report {
            machine: Machine {
                cores: 2,
                data_parent: PathBuf::from("/tmp"),
                fsyncs_per_sec: 812.4,
                fsyncs_per_sec_end: Some(640.0),
                etcd_version: "3.4.23".into(),
                etcd_binary: PathBuf::from("etcd"),
                loadavg_start: Some(1.5),
                loadavg_end: None,
            },
            settings: Settings {
                seconds: 5,
                rounds: 1,
                concurrency: vec![1, 256],
                value_bytes: 1024,
                watch_puts: 2000,
                backends: Backend::ALL.to_vec(),
            },
            goals: goals(&creates),
            etcd_layer: etcd_layer(&creates),
            creates,
            watch: vec![WatchRow {
                backend: Backend::Embedded,
                puts: 2000,
                events: 2000,
                clamped: 1990,
                p50_ms: Some(0.0),
                p99_ms: Some(0.012),
                from_start_p50_ms: Some(1.3),
                from_start_p99_ms: Some(2.6),
                put_p50_ms: Some(1.2),
                put_p99_ms: Some(2.5),
            }],
            notes: vec!["something odd".into()],
        }
    }

    #[test]
    fn markdown_has_every_row_and_verdict() {
        let text = report().to_markdown();
        assert!(
            text.contains("- fsync rate: 812 fdatasyncs/s at start, 640 at end"),
            "{text}"
        );
        assert!(
            text.contains("| raw etcd-client put (anchor) | 1 | 100 | 1.00 | 2.00 | 1.00× | – |")
        );
        assert!(text.contains("| embedded (KvStore) | 256 | 6000 | 1.00 | 2.00 | 6.00× | 7.50× |"));
        assert!(
            text.contains("without ironkube's layer): 0.88× at 256 writers"),
            "{text}"
        );
        assert!(text.contains(
            "| embedded (KvStore) | 2000 | 2000 | 0.00 | 0.01 | 1990 | 1.30 | 2.60 | 1.20 | 2.50 |"
        ));
        assert!(text.contains("embedded ≥ 5× raw etcd at 256 writers: **MET** (6.00×"));
        assert!(text.contains("etcd backend ≥ 0.8× raw etcd: **NOT MET** (0.70×"));

        let mut spread = report();
        spread.creates[0].rounds = 3;
        spread.creates[0].min_creates_per_sec = 80.0;
        spread.creates[0].max_creates_per_sec = 130.0;
        let text = spread.to_markdown();
        assert!(
            text.contains("| raw etcd-client put (anchor) | 1 | 100 (80–130) |"),
            "{text}"
        );
        assert!(text.contains("1.50 at start, ? at end"));
        assert!(text.contains("- something odd"));
        assert!(
            text.contains("256 writers: 600 commits/s, 10.0 creates per commit (largest 256)."),
            "{text}"
        );
        let table_rows = text
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| backend"))
            .count();
        assert_eq!(table_rows, 7 + 1);
    }

    #[test]
    fn json_carries_the_same_figures() {
        let value = serde_json::to_value(report()).unwrap();
        assert_eq!(value["machine"]["etcd_version"], "3.4.23");
        assert_eq!(value["creates"][6]["backend"], "embedded");
        assert_eq!(value["creates"][6]["ratio_to_raw"], 6.0);
        assert_eq!(value["creates"][4]["backend"], "raw-txn");
        assert_eq!(value["etcd_layer"]["ratio"], 0.875);
        assert_eq!(value["watch"][0]["clamped"], 1990);
        assert_eq!(value["goals"][1]["met"], false);
        assert_eq!(
            value["settings"]["backends"],
            serde_json::json!(["raw", "raw-txn", "etcd", "embedded"])
        );
    }
}
