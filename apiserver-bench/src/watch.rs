//! B3: watch fan-out. W watchers on the pods of one namespace, one writer creating pods in it
//! at a fixed rate (open loop: a write is sent on its tick whatever the earlier ones are
//! doing), and for every write and every watcher, the write-to-event latency:
//!
//! > the time from sending the write (the create request) to that watcher having received the
//! > whole event line whose object carries the resourceVersion the write's response returned.
//!
//! Events are matched to writes by resourceVersion (taken as an opaque string). The server's
//! CPU is read from just before the first write until every event arrived (or the drain timed
//! out), and divided by the events delivered.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::future::try_join_all;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, StatusCode};
use serde::Serialize;
use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;

use crate::client::{Connection, Protocol};
use crate::error::BenchError;
use crate::load::{CpuUse, Target, per_thousand};
use crate::pod::PodTemplate;
use ironkube_testutil::stats::Samples;

/// How long to wait, after the last write's answer, for events still in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);
/// How long every watcher has to get its response headers.
const WATCH_START_TIMEOUT: Duration = Duration::from_secs(120);
/// Connections the writer's requests go over (HTTP/1.1 carries one request at a time).
const WRITER_CONNECTIONS: usize = 8;
/// A line longer than this without a newline means the stream is not newline-framed JSON.
const MAX_LINE: usize = 16 << 20;
/// The key whose value is an object's resourceVersion in its JSON.
const RV_KEY: &[u8] = b"\"resourceVersion\":\"";
/// Upstream's counter of watchers its watch cache closed because they did not keep up.
const TERMINATED_WATCHERS: &str = "apiserver_terminated_watchers_total";

/// One row of the watch table.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct WatchRow {
    /// Watchers.
    pub(crate) watchers: usize,
    /// Connections the watchers' streams went over.
    pub(crate) connections: usize,
    /// The writes per second asked for.
    pub(crate) target_rate: f64,
    /// The writes per second sent.
    pub(crate) achieved_rate: f64,
    /// Writes answered 201.
    pub(crate) writes: usize,
    /// Writes that failed.
    pub(crate) write_errors: usize,
    /// Events that should have arrived: writes × watchers.
    pub(crate) expected_events: usize,
    /// Events that arrived and matched a write.
    pub(crate) delivered: usize,
    /// Watch streams that ended or failed early.
    pub(crate) broken_watchers: usize,
    /// Pod watchers the server says it closed for not keeping up during the row
    /// (`apiserver_terminated_watchers_total` on `/metrics`; `None` where there is none).
    pub(crate) terminated_by_server: Option<u64>,
    /// The first error (a write, a watch, an ERROR event).
    pub(crate) first_error: Option<String>,
    /// Median write-to-event latency, ms.
    pub(crate) p50_ms: Option<f64>,
    /// 99th percentile write-to-event latency, ms.
    pub(crate) p99_ms: Option<f64>,
    /// Largest write-to-event latency, ms.
    pub(crate) max_ms: Option<f64>,
    /// Median latency of the writes themselves, ms.
    pub(crate) write_p50_ms: Option<f64>,
    /// 99th percentile latency of the writes, ms.
    pub(crate) write_p99_ms: Option<f64>,
    /// CPU used from the first write until the last event.
    pub(crate) cpu: CpuUse,
    /// Server CPU seconds per 1000 events delivered.
    pub(crate) server_cpu_s_per_1k_events: Option<f64>,
    /// The load generator's CPU seconds per 1000 events delivered.
    pub(crate) client_cpu_s_per_1k_events: Option<f64>,
}

/// What one watcher received: each event's resourceVersion and arrival.
#[derive(Debug, Default)]
struct Arrivals {
    events: Vec<(Box<str>, Instant)>,
    error: Option<String>,
}

/// One acknowledged write.
#[derive(Debug)]
struct Write {
    resource_version: String,
    sent: Instant,
    answered: Instant,
}

/// Runs one fan-out row in `namespace` (created, empty): `watchers` watchers, writes at
/// `rate` per second for `duration`.
pub(crate) async fn run_fanout(
    target: &Target,
    namespace: &str,
    watchers: usize,
    rate: f64,
    duration: Duration,
    connections: usize,
    template: &PodTemplate,
) -> Result<WatchRow, BenchError> {
    let endpoint = &target.endpoint;
    let pods_path = format!("/api/v1/namespaces/{namespace}/pods");

    // Watch from the list's resourceVersion, as an informer does.
    let mut control = endpoint.connect().await?;
    let list = control
        .call(Method::GET, &pods_path, None)
        .await?
        .expect(&format!("listing {namespace}"), StatusCode::OK)?;
    let terminated_before = terminated_watchers(&mut control).await;
    let list_rv = find_resource_version(&list.body).ok_or_else(|| {
        BenchError::unexpected(
            format!("listing {namespace}"),
            "the list has no resourceVersion",
        )
    })?;

    // The watchers' connections: HTTP/2 spreads the streams over `connections`; HTTP/1.1
    // needs one connection per stream.
    let watch_connections = match endpoint.protocol() {
        Protocol::Http2 => connections.clamp(1, watchers.max(1)),
        Protocol::Http1 => watchers,
    };
    let pool = try_join_all((0..watch_connections).map(|_| endpoint.connect())).await?;
    let watch_path = format!("{pods_path}?watch=true&resourceVersion={list_rv}");
    let delivered = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (started_tx, mut started_rx) = mpsc::channel::<Result<(), String>>(watchers.max(1));
    let mut pool_iter = pool.into_iter();
    let mut shared: Vec<Connection> = Vec::new();
    let mut tasks: Vec<JoinHandle<Arrivals>> = Vec::with_capacity(watchers);
    for index in 0..watchers {
        let connection = match endpoint.protocol() {
            Protocol::Http1 => pool_iter.next(),
            Protocol::Http2 => {
                if let Some(fresh) = pool_iter.next() {
                    shared.push(fresh);
                }
                shared
                    .get(index % shared.len().max(1))
                    .and_then(Connection::share)
            }
        };
        let Some(connection) = connection else {
            return Err(BenchError::unexpected(
                "opening watch connections",
                "ran out of connections",
            ));
        };
        tasks.push(tokio::spawn(watcher(
            connection,
            watch_path.clone(),
            Arc::clone(&delivered),
            stop_rx.clone(),
            started_tx.clone(),
        )));
    }
    drop(started_tx);
    let mut first_error: Option<String> = None;
    let mut started = 0;
    let start_deadline = tokio::time::Instant::now() + WATCH_START_TIMEOUT;
    while started < watchers {
        match tokio::time::timeout_at(start_deadline, started_rx.recv()).await {
            Ok(Some(Ok(()))) => started += 1,
            Ok(Some(Err(error))) => {
                let _ = stop_tx.send(true);
                return Err(BenchError::unexpected("starting a watch", error));
            }
            Ok(None) => break,
            Err(_) => {
                let _ = stop_tx.send(true);
                return Err(BenchError::Timeout(format!(
                    "starting {watchers} watches ({started} started)"
                )));
            }
        }
    }

    // The writer: one create per tick, each on its own task so a slow one delays none.
    let writers = Arc::new(Mutex::new(Vec::with_capacity(WRITER_CONNECTIONS)));
    {
        let mut free = writers.lock().await;
        match endpoint.protocol() {
            Protocol::Http2 => {
                for _ in 0..WRITER_CONNECTIONS {
                    if let Some(shared) = control.share() {
                        free.push(shared);
                    }
                }
            }
            Protocol::Http1 => {
                free.push(control);
                for _ in 1..WRITER_CONNECTIONS {
                    free.push(endpoint.connect().await?);
                }
            }
        }
    }
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let cpu_before = target.cpu_mark();
    let begin = Instant::now();
    let mut write_tasks = Vec::new();
    let mut sequence = 0usize;
    while begin.elapsed() < duration {
        ticker.tick().await;
        let name = format!("w{watchers}-{sequence}");
        sequence += 1;
        write_tasks.push(tokio::spawn(write_one(
            Arc::clone(&writers),
            endpoint.clone(),
            pods_path.clone(),
            template.render(&name),
        )));
    }
    let sent_for = begin.elapsed().as_secs_f64();
    let mut writes: Vec<Write> = Vec::with_capacity(write_tasks.len());
    let mut write_errors = 0;
    for task in write_tasks {
        match task.await? {
            Ok(write) => writes.push(write),
            Err(error) => {
                write_errors += 1;
                first_error.get_or_insert(error.to_string());
            }
        }
    }

    // Drain: until every watcher has every acknowledged write, or the timeout.
    let expected = writes.len() * watchers;
    let drain_deadline = Instant::now() + DRAIN_TIMEOUT;
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cpu = cpu_before.until(target.cpu_mark());
    let _ = stop_tx.send(true);
    let terminated_by_server = match (terminated_before, endpoint.connect().await) {
        (Some(before), Ok(mut connection)) => terminated_watchers(&mut connection)
            .await
            .map(|after| after.saturating_sub(before)),
        _ => None,
    };

    let sent_at: HashMap<&str, Instant> = writes
        .iter()
        .map(|w| (w.resource_version.as_str(), w.sent))
        .collect();
    let mut latency = Samples::with_capacity(expected);
    let mut matched = 0;
    let mut broken = 0;
    for task in tasks {
        let arrivals = task.await?;
        if let Some(error) = arrivals.error {
            broken += 1;
            first_error.get_or_insert(error);
        }
        for (rv, at) in arrivals.events {
            if let Some(sent) = sent_at.get(&*rv) {
                latency.record(at.saturating_duration_since(*sent));
                matched += 1;
            }
        }
    }
    let mut write_latency = Samples::with_capacity(writes.len());
    for write in &writes {
        write_latency.record(write.answered.duration_since(write.sent));
    }
    Ok(WatchRow {
        watchers,
        connections: watch_connections,
        target_rate: rate,
        achieved_rate: if sent_for > 0.0 {
            sequence as f64 / sent_for
        } else {
            0.0
        },
        writes: writes.len(),
        write_errors,
        expected_events: expected,
        delivered: matched,
        broken_watchers: broken,
        terminated_by_server,
        first_error,
        p50_ms: latency.percentile_ms(50.0),
        p99_ms: latency.percentile_ms(99.0),
        max_ms: latency.percentile_ms(100.0),
        write_p50_ms: write_latency.percentile_ms(50.0),
        write_p99_ms: write_latency.percentile_ms(99.0),
        server_cpu_s_per_1k_events: per_thousand(cpu.server_s, matched),
        client_cpu_s_per_1k_events: per_thousand(cpu.client_s, matched),
        cpu,
    })
}

/// Sends one create on a free writer connection and returns its resourceVersion.
async fn write_one(
    free: Arc<Mutex<Vec<Connection>>>,
    endpoint: crate::client::Endpoint,
    path: String,
    body: bytes::Bytes,
) -> Result<Write, BenchError> {
    let taken = free.lock().await.pop();
    let mut connection = match taken {
        Some(connection) => connection,
        // Every writer connection is busy (the server is slower than the rate): open another.
        None => endpoint.connect().await?,
    };
    let sent = Instant::now();
    let answer = connection.call(Method::POST, &path, Some(body)).await?;
    let answered = Instant::now();
    free.lock().await.push(connection);
    let answer = answer.expect(&format!("POST {path}"), StatusCode::CREATED)?;
    let resource_version = find_resource_version(&answer.body)
        .ok_or_else(|| {
            BenchError::unexpected(format!("POST {path}"), "the answer has no resourceVersion")
        })?
        .to_string();
    Ok(Write {
        resource_version,
        sent,
        answered,
    })
}

/// One watcher: opens the watch, says when its headers are in, then records every event's
/// resourceVersion and arrival until told to stop or the stream ends.
async fn watcher(
    mut connection: Connection,
    path: String,
    delivered: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
    started: mpsc::Sender<Result<(), String>>,
) -> Arrivals {
    let mut arrivals = Arrivals::default();
    let response = match connection.send(Method::GET, &path, None).await {
        Ok(response) if response.status() == StatusCode::OK => response,
        Ok(response) => {
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
                .unwrap_or_default();
            let error = format!("GET {path}: HTTP {status}: {body}");
            let _ = started.send(Err(error.clone())).await;
            arrivals.error = Some(error);
            return arrivals;
        }
        Err(error) => {
            let _ = started.send(Err(error.to_string())).await;
            arrivals.error = Some(error.to_string());
            return arrivals;
        }
    };
    let _ = started.send(Ok(())).await;
    drop(started);
    let mut body: Incoming = response.into_body();
    let mut lines = LineSplitter::default();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            frame = body.frame() => match frame {
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else { continue };
                    let at = Instant::now();
                    let result = lines.push(&data, |line| {
                        if line.starts_with(b"{\"type\":\"ERROR\"") {
                            return Err(String::from_utf8_lossy(line).into_owned());
                        }
                        if let Some(rv) = find_resource_version(line) {
                            arrivals.events.push((rv.into(), at));
                            delivered.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(())
                    });
                    if let Err(error) = result {
                        arrivals.error = Some(error);
                        break;
                    }
                }
                Some(Err(error)) => {
                    arrivals.error = Some(format!("watch stream: {error}"));
                    break;
                }
                None => {
                    if !*stop.borrow() {
                        arrivals.error = Some("the watch stream ended early".into());
                    }
                    break;
                }
            },
        }
    }
    arrivals
}

/// Upstream's count of pod watchers closed for not keeping up, from `/metrics`; `None` when
/// the server has no such metric (or no `/metrics`).
async fn terminated_watchers(connection: &mut Connection) -> Option<u64> {
    let answer = connection.call(Method::GET, "/metrics", None).await.ok()?;
    if answer.status != StatusCode::OK {
        return None;
    }
    parse_terminated_watchers(&String::from_utf8_lossy(&answer.body))
}

/// Sums the pod samples of [`TERMINATED_WATCHERS`] in a Prometheus text exposition. A counter
/// vector shows no line until its first increment, so an exposition of API-server metrics
/// without it counts 0; one without any `apiserver_` metric is from a server that does not
/// keep the count (`None`).
fn parse_terminated_watchers(exposition: &str) -> Option<u64> {
    let mut found = exposition
        .lines()
        .any(|line| line.starts_with("apiserver_"));
    let mut total = 0u64;
    for line in exposition.lines() {
        let Some(rest) = line.strip_prefix(TERMINATED_WATCHERS) else {
            continue;
        };
        found = true;
        if !rest.contains("resource=\"pods\"") {
            continue;
        }
        let value = rest.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok());
        total += value.map_or(0, |v| v as u64);
    }
    found.then_some(total)
}

/// Cuts a byte stream into newline-terminated lines (a watch's JSON events, one per line).
#[derive(Debug, Default)]
struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Adds `data` and calls `each` for every line it completes (without the newline).
    fn push(
        &mut self,
        data: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut rest = data;
        while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(newline);
            if self.pending.is_empty() {
                each(head)?;
            } else {
                self.pending.extend_from_slice(head);
                let line = std::mem::take(&mut self.pending);
                each(&line)?;
            }
            rest = tail.get(1..).unwrap_or_default();
        }
        self.pending.extend_from_slice(rest);
        if self.pending.len() > MAX_LINE {
            return Err(format!(
                "{} bytes without a newline: the watch is not newline-framed JSON",
                self.pending.len()
            ));
        }
        Ok(())
    }
}

/// The first `"resourceVersion":"…"` value in a JSON text: an event's object's (a pod holds no
/// other), or a list's.
fn find_resource_version(json: &[u8]) -> Option<&str> {
    let start = json
        .windows(RV_KEY.len())
        .position(|window| window == RV_KEY)?
        + RV_KEY.len();
    let rest = json.get(start..)?;
    let end = rest.iter().position(|&b| b == b'"')?;
    std::str::from_utf8(rest.get(..end)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_resource_version() {
        let event = br#"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"1234","uid":"x"},"spec":{}}}"#;
        assert_eq!(find_resource_version(event), Some("1234"));
        let list = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"77"},"items":[]}"#;
        assert_eq!(find_resource_version(list), Some("77"));
        assert_eq!(find_resource_version(br#"{"metadata":{}}"#), None);
        assert_eq!(find_resource_version(br#"{"resourceVersion":"12"#), None);
    }

    #[test]
    fn terminated_pod_watchers_are_summed_from_metrics() {
        let exposition = "# HELP apiserver_terminated_watchers_total [ALPHA] Counter\n\
             # TYPE apiserver_terminated_watchers_total counter\n\
             apiserver_terminated_watchers_total{group=\"\",resource=\"pods\"} 42\n\
             apiserver_terminated_watchers_total{group=\"\",resource=\"nodes\"} 3\n\
             apiserver_watch_events_total{resource=\"pods\"} 9\n";
        assert_eq!(parse_terminated_watchers(exposition), Some(42));
        let none_yet = "apiserver_request_total{code=\"200\"} 7\n";
        assert_eq!(parse_terminated_watchers(none_yet), Some(0));
        assert_eq!(parse_terminated_watchers("up 1\n"), None);
    }

    #[test]
    fn lines_split_across_frames_are_joined() {
        let mut splitter = LineSplitter::default();
        let mut lines: Vec<String> = Vec::new();
        let mut collect = |frame: &[u8], lines: &mut Vec<String>| {
            splitter
                .push(frame, |line| {
                    lines.push(String::from_utf8_lossy(line).into_owned());
                    Ok(())
                })
                .unwrap();
        };
        collect(b"{\"a\":1}\n{\"b\"", &mut lines);
        collect(b":2}", &mut lines);
        collect(b"\n{\"c\":3}\n{\"d\":4}\n", &mut lines);
        assert_eq!(lines, ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":4}"]);
    }

    #[test]
    fn an_error_from_a_line_stops_the_split() {
        let mut splitter = LineSplitter::default();
        let result = splitter.push(b"ok\nbad\nnever\n", |line| {
            if line == b"bad" {
                Err("bad line".into())
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err("bad line".into()));
    }
}
