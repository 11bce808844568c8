//! Watch delivery latency: one watcher on a prefix, one writer putting keys one after the other;
//! for each put, the time from its acknowledgement to its event's arrival at the watcher.

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::backend::{Backend, EventStream, Target};
use crate::error::BenchError;
use ironkube_testutil::stats::Samples;

/// Where the watched keys go; put `i` writes `<prefix><i>`.
pub(crate) const WATCH_PREFIX: &str = "/registry/configmaps/watchbench/";

/// How long to wait, after the last put, for events still in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// One row of the watch table.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct WatchRow {
    /// The backend measured.
    pub(crate) backend: Backend,
    /// Puts acknowledged.
    pub(crate) puts: usize,
    /// Their events that reached the watcher.
    pub(crate) events: usize,
    /// Events that arrived before their put's acknowledgement returned (counted as 0 ms).
    pub(crate) clamped: usize,
    /// Median delivery latency (event arrival − put ack, at least 0), ms.
    pub(crate) p50_ms: Option<f64>,
    /// 99th percentile delivery latency, ms.
    pub(crate) p99_ms: Option<f64>,
    /// Median of event arrival − the put's start (write-to-event, never negative), ms.
    pub(crate) from_start_p50_ms: Option<f64>,
    /// 99th percentile of event arrival − the put's start, ms.
    pub(crate) from_start_p99_ms: Option<f64>,
    /// Median latency of the puts themselves, ms.
    pub(crate) put_p50_ms: Option<f64>,
    /// 99th percentile latency of the puts themselves, ms.
    pub(crate) put_p99_ms: Option<f64>,
}

/// Puts up to `max_puts` keys one after the other (stopping after `max_duration`) while one
/// watcher receives them, and measures each event's delivery after its put's acknowledgement.
pub(crate) async fn run_watch(
    target: &Target,
    backend: Backend,
    max_puts: usize,
    max_duration: Duration,
    value: Bytes,
) -> Result<WatchRow, BenchError> {
    let events = target.watch_prefix(WATCH_PREFIX).await?;
    let (arrivals_tx, mut arrivals_rx) = mpsc::unbounded_channel();
    let watcher = tokio::spawn(receive(events, backend, arrivals_tx));

    let mut writer = target.writer();
    let mut starts = Vec::with_capacity(max_puts);
    let mut acks = Vec::with_capacity(max_puts);
    let mut put_latency = Samples::with_capacity(max_puts);
    let deadline = Instant::now() + max_duration;
    while acks.len() < max_puts && Instant::now() < deadline {
        let key = Bytes::from(format!("{WATCH_PREFIX}{}", acks.len()));
        let began = Instant::now();
        writer.put(key, &value).await?;
        let ack = Instant::now();
        put_latency.record(ack.duration_since(began));
        starts.push(began);
        acks.push(ack);
    }

    let mut arrivals: Vec<Option<Instant>> = vec![None; acks.len()];
    let mut received = 0;
    let drain_deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
    while received < acks.len() {
        match tokio::time::timeout_at(drain_deadline, arrivals_rx.recv()).await {
            Ok(Some((index, at))) => {
                if let Some(slot @ None) = arrivals.get_mut(index) {
                    *slot = Some(at);
                    received += 1;
                }
            }
            // The watcher stopped: its result says why.
            Ok(None) => {
                watcher.await??;
                return Err(BenchError::WatchEnded {
                    backend: backend.to_string(),
                    reason: "the stream ended".into(),
                });
            }
            Err(_elapsed) => {
                tracing::warn!(%backend, missing = acks.len() - received, "events missing");
                break;
            }
        }
    }
    watcher.abort();

    let (mut latency, clamped) = delivery_latencies(&acks, &arrivals);
    let (mut from_start, _) = delivery_latencies(&starts, &arrivals);
    Ok(WatchRow {
        backend,
        puts: acks.len(),
        events: received,
        clamped,
        p50_ms: latency.percentile_ms(50.0),
        p99_ms: latency.percentile_ms(99.0),
        from_start_p50_ms: from_start.percentile_ms(50.0),
        from_start_p99_ms: from_start.percentile_ms(99.0),
        put_p50_ms: put_latency.percentile_ms(50.0),
        put_p99_ms: put_latency.percentile_ms(99.0),
    })
}

/// Forwards the index and arrival instant of every event under [`WATCH_PREFIX`] until the
/// stream ends (an error) or nobody listens (done).
async fn receive(
    mut events: EventStream,
    backend: Backend,
    arrivals: mpsc::UnboundedSender<(usize, Instant)>,
) -> Result<(), BenchError> {
    loop {
        let Some(keys) = events.next_keys().await? else {
            return Err(BenchError::WatchEnded {
                backend: backend.to_string(),
                reason: "the stream ended".into(),
            });
        };
        let at = Instant::now();
        for key in keys {
            if let Some(index) = key_index(&key)
                && arrivals.send((index, at)).is_err()
            {
                return Ok(());
            }
        }
    }
}

/// The put number in a key under [`WATCH_PREFIX`].
fn key_index(key: &[u8]) -> Option<usize> {
    let rest = key.strip_prefix(WATCH_PREFIX.as_bytes())?;
    std::str::from_utf8(rest).ok()?.parse().ok()
}

/// Each arrived event's latency after its reference instant (the put's ack or start); an event
/// that arrived before it counts as 0 and is counted in the second value.
fn delivery_latencies(since: &[Instant], arrivals: &[Option<Instant>]) -> (Samples, usize) {
    let mut latency = Samples::with_capacity(since.len());
    let mut clamped = 0;
    for (since, arrival) in since.iter().zip(arrivals) {
        let Some(arrival) = arrival else { continue };
        if arrival < since {
            clamped += 1;
        }
        latency.record(arrival.saturating_duration_since(*since));
    }
    (latency, clamped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_index_parses_only_our_keys() {
        assert_eq!(key_index(b"/registry/configmaps/watchbench/17"), Some(17));
        assert_eq!(key_index(b"/registry/configmaps/watchbench/x"), None);
        assert_eq!(key_index(b"/registry/configmaps/bench/0-1"), None);
    }

    #[test]
    fn early_events_are_clamped_and_missing_ones_skipped() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let acks = [t0 + ms(10), t0 + ms(20), t0 + ms(30)];
        // Event 0 arrives 5 ms after its ack, event 1 2 ms before it, event 2 never.
        let arrivals = [Some(t0 + ms(15)), Some(t0 + ms(18)), None];
        let (mut latency, clamped) = delivery_latencies(&acks, &arrivals);
        assert_eq!(clamped, 1);
        assert_eq!(latency.len(), 2);
        assert_eq!(latency.percentile(50.0), Some(Duration::ZERO));
        assert_eq!(latency.percentile(100.0), Some(ms(5)));
    }

    /// The real thing, briefly, on every backend: every put's event arrives, in bounded time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_put_is_delivered_on_every_backend() {
        for backend in Backend::ALL {
            let target = Target::start(backend).await.unwrap();
            let row = run_watch(
                &target,
                backend,
                50,
                Duration::from_secs(20),
                Bytes::from_static(b"v"),
            )
            .await
            .unwrap();
            assert_eq!(row.puts, 50, "{backend}");
            assert_eq!(row.events, 50, "{backend}");
            let (p50, p99) = (row.p50_ms.unwrap(), row.p99_ms.unwrap());
            assert!(
                p50 <= p99 && p99 < 5_000.0,
                "{backend}: p50 {p50} p99 {p99}"
            );
            assert!(row.clamped <= row.events);
            assert!(row.put_p50_ms.unwrap() > 0.0);
            target.stop().await.unwrap();
        }
    }
}
