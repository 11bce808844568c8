//! Durable creates (DESIGN.md §6, B1): C tasks creating new keys for a fixed time.

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;

use crate::backend::{Backend, GroupCommit, Target};
use crate::error::BenchError;
use ironkube_testutil::stats::Samples;

/// Where the created keys go; each task writes `<prefix><task>-<n>`.
pub(crate) const CREATE_PREFIX: &str = "/registry/configmaps/bench/";

/// How long after spawning the tasks they all start (spawning 256 tasks takes far less).
const START_DELAY: Duration = Duration::from_millis(100);

/// One row of the creates table.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreateRow {
    /// The backend measured.
    pub(crate) backend: Backend,
    /// Concurrent writer tasks.
    pub(crate) concurrency: usize,
    /// Creates acknowledged.
    pub(crate) creates: u64,
    /// From the common start to the last task's last acknowledgement, in seconds.
    pub(crate) seconds: f64,
    /// `creates / seconds`.
    pub(crate) creates_per_sec: f64,
    /// Median create latency, ms.
    pub(crate) p50_ms: Option<f64>,
    /// 99th percentile create latency, ms.
    pub(crate) p99_ms: Option<f64>,
    /// `creates_per_sec` over the raw anchor's at the same concurrency (filled in afterwards).
    pub(crate) ratio_to_raw: Option<f64>,
    /// `creates_per_sec` over the raw create transaction's at the same concurrency.
    pub(crate) ratio_to_raw_txn: Option<f64>,
    /// Rounds this row is the median of.
    pub(crate) rounds: usize,
    /// Lowest creates/s over the rounds.
    pub(crate) min_creates_per_sec: f64,
    /// Highest creates/s over the rounds.
    pub(crate) max_creates_per_sec: f64,
    /// The embedded store's group commits during the row (`None` for other backends).
    pub(crate) group_commit: Option<GroupCommit>,
    /// Tasks that stopped on an error.
    pub(crate) failed_tasks: usize,
    /// The first such error.
    pub(crate) first_error: Option<String>,
}

/// What one task did.
struct TaskOutcome {
    samples: Samples,
    creates: u64,
    finished: Instant,
    error: Option<BenchError>,
}

/// Runs `concurrency` tasks against `target` for `duration`, each creating new keys with
/// `value` one after the other. A task stops early at its first error (reported in the row).
pub(crate) async fn run_creates(
    target: &Target,
    backend: Backend,
    concurrency: usize,
    duration: Duration,
    value: Bytes,
) -> Result<CreateRow, BenchError> {
    let start = Instant::now() + START_DELAY;
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for task in 0..concurrency {
        let mut writer = target.writer();
        let value = value.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(start.into()).await;
            let mut samples = Samples::with_capacity(4096);
            let mut creates = 0u64;
            let mut error = None;
            while Instant::now() < deadline {
                let key = Bytes::from(format!("{CREATE_PREFIX}{task}-{creates}"));
                let began = Instant::now();
                if let Err(e) = writer.create(key, &value).await {
                    error = Some(e);
                    break;
                }
                samples.record(began.elapsed());
                creates += 1;
            }
            TaskOutcome {
                samples,
                creates,
                finished: Instant::now(),
                error,
            }
        }));
    }

    let mut samples = Samples::default();
    let mut creates = 0u64;
    let mut finished = start;
    let mut failed_tasks = 0;
    let mut first_error = None;
    for task in tasks {
        let outcome = task.await?;
        samples.merge(outcome.samples);
        creates += outcome.creates;
        finished = finished.max(outcome.finished);
        if let Some(error) = outcome.error {
            failed_tasks += 1;
            tracing::warn!(%backend, concurrency, %error, "a create task stopped");
            first_error.get_or_insert_with(|| error.to_string());
        }
    }
    let seconds = finished.duration_since(start).as_secs_f64();
    let creates_per_sec = if seconds > 0.0 {
        creates as f64 / seconds
    } else {
        0.0
    };
    Ok(CreateRow {
        backend,
        concurrency,
        creates,
        seconds,
        creates_per_sec,
        p50_ms: samples.percentile_ms(50.0),
        p99_ms: samples.percentile_ms(99.0),
        ratio_to_raw: None,
        ratio_to_raw_txn: None,
        rounds: 1,
        min_creates_per_sec: creates_per_sec,
        max_creates_per_sec: creates_per_sec,
        group_commit: target.group_commit(),
        failed_tasks,
        first_error,
    })
}

/// The row of median creates/s among rounds of one backend and concurrency (the lower middle
/// for an even count), with the spread over all of them. `None` without rows.
pub(crate) fn median_of(mut rounds: Vec<CreateRow>) -> Option<CreateRow> {
    rounds.sort_by(|a, b| a.creates_per_sec.total_cmp(&b.creates_per_sec));
    let count = rounds.len();
    let min = rounds.first()?.creates_per_sec;
    let max = rounds.last()?.creates_per_sec;
    let failed_tasks = rounds.iter().map(|r| r.failed_tasks).sum();
    let first_error = rounds.iter().find_map(|r| r.first_error.clone());
    let mut median = rounds.swap_remove((count - 1) / 2);
    median.rounds = count;
    median.min_creates_per_sec = min;
    median.max_creates_per_sec = max;
    median.failed_tasks = failed_tasks;
    median.first_error = first_error;
    Some(median)
}

/// Fills each row's ratios to the raw put anchor and to the raw create transaction of the same
/// concurrency (left `None` where that row was not run or measured nothing).
pub(crate) fn fill_ratios(rows: &mut [CreateRow]) {
    let rate_of = |backend: Backend| -> Vec<(usize, f64)> {
        rows.iter()
            .filter(|row| row.backend == backend && row.creates_per_sec > 0.0)
            .map(|row| (row.concurrency, row.creates_per_sec))
            .collect()
    };
    let puts = rate_of(Backend::Raw);
    let txns = rate_of(Backend::RawTxn);
    let ratio = |anchors: &[(usize, f64)], row: &CreateRow| {
        anchors
            .iter()
            .find(|(concurrency, _)| *concurrency == row.concurrency)
            .map(|(_, anchor)| row.creates_per_sec / anchor)
    };
    for row in rows {
        row.ratio_to_raw = ratio(&puts, row);
        row.ratio_to_raw_txn = ratio(&txns, row);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn row(backend: Backend, concurrency: usize, per_sec: f64) -> CreateRow {
        CreateRow {
            backend,
            concurrency,
            creates: (per_sec * 5.0) as u64,
            seconds: 5.0,
            creates_per_sec: per_sec,
            p50_ms: Some(1.0),
            p99_ms: Some(2.0),
            ratio_to_raw: None,
            ratio_to_raw_txn: None,
            rounds: 1,
            min_creates_per_sec: per_sec,
            max_creates_per_sec: per_sec,
            group_commit: None,
            failed_tasks: 0,
            first_error: None,
        }
    }

    #[test]
    fn ratios_use_the_anchor_at_the_same_concurrency() {
        let mut rows = vec![
            row(Backend::Raw, 1, 100.0),
            row(Backend::Etcd, 1, 90.0),
            row(Backend::Embedded, 1, 400.0),
            row(Backend::Raw, 16, 1000.0),
            row(Backend::Embedded, 16, 2500.0),
            row(Backend::Embedded, 256, 9000.0),
        ];
        fill_ratios(&mut rows);
        let ratios: Vec<Option<f64>> = rows.iter().map(|r| r.ratio_to_raw).collect();
        assert_eq!(
            ratios,
            vec![Some(1.0), Some(0.9), Some(4.0), Some(1.0), Some(2.5), None]
        );
    }

    #[test]
    fn ratios_to_the_raw_txn_are_separate() {
        let mut rows = vec![
            row(Backend::Raw, 16, 1000.0),
            row(Backend::RawTxn, 16, 500.0),
            row(Backend::Etcd, 16, 450.0),
        ];
        fill_ratios(&mut rows);
        assert_eq!(rows[2].ratio_to_raw, Some(0.45));
        assert_eq!(rows[2].ratio_to_raw_txn, Some(0.9));
        assert_eq!(rows[1].ratio_to_raw_txn, Some(1.0));
        assert_eq!(rows[0].ratio_to_raw_txn, Some(2.0));
    }

    #[test]
    fn the_median_round_is_reported_with_the_spread() {
        let mut slow = row(Backend::Etcd, 16, 300.0);
        slow.failed_tasks = 2;
        slow.first_error = Some("boom".into());
        let mut mid = row(Backend::Etcd, 16, 500.0);
        mid.p99_ms = Some(7.0);
        let rounds = vec![row(Backend::Etcd, 16, 900.0), slow, mid];
        let median = median_of(rounds).unwrap();
        assert_eq!(median.creates_per_sec, 500.0);
        assert_eq!(median.p99_ms, Some(7.0), "the median round's own latencies");
        assert_eq!(
            (median.min_creates_per_sec, median.max_creates_per_sec),
            (300.0, 900.0)
        );
        assert_eq!(median.rounds, 3);
        assert_eq!(median.failed_tasks, 2, "errors of every round are kept");
        assert_eq!(median.first_error.as_deref(), Some("boom"));
        let two = vec![row(Backend::Raw, 1, 20.0), row(Backend::Raw, 1, 10.0)];
        assert_eq!(median_of(two).unwrap().creates_per_sec, 10.0);
        assert!(median_of(Vec::new()).is_none());
    }

    #[test]
    fn an_empty_anchor_gives_no_ratio() {
        let mut rows = vec![row(Backend::Raw, 1, 0.0), row(Backend::Etcd, 1, 50.0)];
        fill_ratios(&mut rows);
        assert!(rows.iter().all(|r| r.ratio_to_raw.is_none()));
    }

    /// The real thing, briefly: each backend creates keys for 300 ms with 4 tasks, and every
    /// acknowledged create is then readable (so the count is of real, distinct keys).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn short_runs_create_real_keys_on_every_backend() {
        for backend in Backend::ALL {
            let target = Target::start(backend).await.unwrap();
            let row = run_creates(
                &target,
                backend,
                4,
                Duration::from_millis(300),
                Bytes::from_static(&[b'v'; 64]),
            )
            .await
            .unwrap();
            assert_eq!(row.failed_tasks, 0, "{backend}: {:?}", row.first_error);
            assert!(row.creates >= 4, "{backend}: only {} creates", row.creates);
            assert!(row.creates_per_sec > 0.0);
            assert!(row.seconds >= 0.3 && row.seconds < 30.0, "{}", row.seconds);
            let (p50, p99) = (row.p50_ms.unwrap(), row.p99_ms.unwrap());
            assert!(p50 > 0.0 && p50 <= p99, "{backend}: p50 {p50} p99 {p99}");
            let stored = target.count_prefix(CREATE_PREFIX).await.unwrap();
            assert_eq!(
                stored, row.creates,
                "{backend}: keys stored vs creates acknowledged"
            );
            target.stop().await.unwrap();
        }
    }
}
