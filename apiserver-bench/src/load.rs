//! B2: closed-loop load with one worker per connection (GET a pod, LIST a namespace's pods,
//! create pods), and the fills that put pods in place for it.
//!
//! Every worker sends its next request as soon as the previous answer is read. Throughput is
//! the successful requests over the time from the start until the last worker's last answer;
//! latency is from sending a request to having read its whole answer. The server's and etcd's
//! CPU seconds are read from `/proc/<pid>/stat` just before the workers start and just after
//! the last one stops.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::try_join_all;
use hyper::{Method, StatusCode};
use serde::Serialize;

use crate::client::{Connection, Endpoint};
use crate::error::BenchError;
use crate::machine;
use crate::pod::{PodTemplate, fill_name};
use ironkube_testutil::stats::Samples;

/// A worker that fails this many requests in a row stops (the server cannot do the request;
/// the row shows the errors and the first one).
const MAX_ERRORS_IN_A_ROW: u32 = 20;

/// A server under load: where to reach it and which processes' CPU time to read.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// Where it listens.
    pub(crate) endpoint: Endpoint,
    /// The API server process.
    pub(crate) server_pid: u32,
    /// etcd's process, when found.
    pub(crate) etcd_pid: Option<u32>,
}

/// CPU seconds used by the server, etcd and this benchmark process between two moments.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct CpuUse {
    /// The API server process.
    pub(crate) server_s: Option<f64>,
    /// etcd.
    pub(crate) etcd_s: Option<f64>,
    /// The load generator itself.
    pub(crate) client_s: Option<f64>,
}

/// CPU counters at one moment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CpuMark {
    server: Option<f64>,
    etcd: Option<f64>,
    client: Option<f64>,
}

impl Target {
    /// The CPU counters now.
    pub(crate) fn cpu_mark(&self) -> CpuMark {
        CpuMark {
            server: machine::cpu_seconds(self.server_pid),
            etcd: self.etcd_pid.and_then(machine::cpu_seconds),
            client: machine::own_cpu_seconds(),
        }
    }
}

impl CpuMark {
    /// The CPU used from `self` until `later`.
    pub(crate) fn until(self, later: CpuMark) -> CpuUse {
        let diff = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
        CpuUse {
            server_s: diff(self.server, later.server),
            etcd_s: diff(self.etcd, later.etcd),
            client_s: diff(self.client, later.client),
        }
    }
}

/// Per 1000 of `count`, of CPU seconds `seconds`.
pub(crate) fn per_thousand(seconds: Option<f64>, count: usize) -> Option<f64> {
    if count == 0 {
        return None;
    }
    Some(seconds? * 1000.0 / count as f64)
}

/// What a load run sends.
#[derive(Clone, Debug)]
pub(crate) enum Workload {
    /// GET one of the `pods` pods `pod-NNNNN` of `namespace`, spread over all of them.
    Get {
        /// The namespace.
        namespace: String,
        /// How many pods it holds.
        pods: usize,
    },
    /// LIST all pods of `namespace` (no limit, no resourceVersion: a consistent full list).
    List {
        /// The namespace.
        namespace: String,
    },
    /// Create a new pod in `namespace`, named for its ticket.
    Create {
        /// The namespace.
        namespace: String,
        /// How the pods are named.
        naming: Naming,
        /// The pod JSON.
        template: PodTemplate,
    },
}

/// How created pods are named for their ticket `n`.
#[derive(Clone, Debug)]
pub(crate) enum Naming {
    /// `pod-NNNNN` ([`fill_name`]), the names [`Workload::Get`] asks for.
    Fill,
    /// `<prefix><n>`.
    Prefixed(String),
}

impl Workload {
    /// The request for ticket `n` (tickets count up from 0 across all workers).
    fn request(&self, n: u64) -> (Method, String, Option<Bytes>, StatusCode) {
        match self {
            Self::Get { namespace, pods } => {
                // A multiplicative hash spreads consecutive tickets over all the pods.
                let pods = (*pods).max(1) as u64;
                let index = n.wrapping_mul(2_654_435_761) % pods;
                let name = fill_name(usize::try_from(index).unwrap_or(0));
                (
                    Method::GET,
                    format!("/api/v1/namespaces/{namespace}/pods/{name}"),
                    None,
                    StatusCode::OK,
                )
            }
            Self::List { namespace } => (
                Method::GET,
                format!("/api/v1/namespaces/{namespace}/pods"),
                None,
                StatusCode::OK,
            ),
            Self::Create {
                namespace,
                naming,
                template,
            } => {
                let name = match naming {
                    Naming::Fill => fill_name(usize::try_from(n).unwrap_or(usize::MAX)),
                    Naming::Prefixed(prefix) => format!("{prefix}{n}"),
                };
                (
                    Method::POST,
                    format!("/api/v1/namespaces/{namespace}/pods"),
                    Some(template.render(&name)),
                    StatusCode::CREATED,
                )
            }
        }
    }
}

/// When a load run stops.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Until {
    /// After this long (requests in flight then are finished and counted).
    Elapsed(Duration),
    /// After this many tickets have been handed out (each sent once; failures are not
    /// retried).
    Tickets(u64),
}

/// One measured load run.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct LoadRow {
    /// Which benchmark, e.g. `GET pod` (the key the report pairs servers' rows by).
    pub(crate) bench: String,
    /// Concurrent workers, one connection each.
    pub(crate) connections: usize,
    /// From the start until the last worker stopped, seconds.
    pub(crate) seconds: f64,
    /// Requests answered with the expected status.
    pub(crate) requests: usize,
    /// Requests that failed (wrong status or a connection error).
    pub(crate) errors: usize,
    /// The first failure.
    pub(crate) first_error: Option<String>,
    /// Successful requests per second.
    pub(crate) req_per_sec: f64,
    /// Median latency, ms.
    pub(crate) p50_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub(crate) p99_ms: Option<f64>,
    /// CPU used during the run.
    pub(crate) cpu: CpuUse,
    /// Server CPU seconds per 1000 successful requests.
    pub(crate) server_cpu_s_per_1k: Option<f64>,
    /// etcd CPU seconds per 1000 successful requests.
    pub(crate) etcd_cpu_s_per_1k: Option<f64>,
    /// The load generator's CPU seconds per 1000 successful requests.
    pub(crate) client_cpu_s_per_1k: Option<f64>,
    /// Mean size of a successful response body, bytes.
    pub(crate) mean_response_bytes: f64,
}

/// What one worker saw.
#[derive(Debug, Default)]
struct WorkerTally {
    latency: Samples,
    errors: usize,
    first_error: Option<String>,
    response_bytes: u64,
    finished: Option<Instant>,
}

/// Runs `workload` with `connections` workers, each on its own new connection, until `until`.
pub(crate) async fn run(
    target: &Target,
    bench: &str,
    workload: &Workload,
    connections: usize,
    until: Until,
) -> Result<LoadRow, BenchError> {
    let connected = try_join_all((0..connections).map(|_| target.endpoint.connect())).await?;
    let tickets = Arc::new(AtomicU64::new(0));
    let workload = Arc::new(workload.clone());
    let cpu_before = target.cpu_mark();
    let started = Instant::now();
    let deadline = match until {
        Until::Elapsed(duration) => Some(started + duration),
        Until::Tickets(_) => None,
    };
    let limit = match until {
        Until::Tickets(limit) => Some(limit),
        Until::Elapsed(_) => None,
    };
    let workers: Vec<_> = connected
        .into_iter()
        .map(|connection| {
            let tickets = Arc::clone(&tickets);
            let workload = Arc::clone(&workload);
            let endpoint = target.endpoint.clone();
            tokio::spawn(worker(
                connection, endpoint, workload, tickets, deadline, limit,
            ))
        })
        .collect();
    let mut latency = Samples::default();
    let mut errors = 0;
    let mut first_error = None;
    let mut response_bytes = 0u64;
    let mut last_finish = started;
    for handle in workers {
        let tally = handle.await?;
        latency.merge(tally.latency);
        errors += tally.errors;
        if first_error.is_none() {
            first_error = tally.first_error;
        }
        response_bytes += tally.response_bytes;
        last_finish = last_finish.max(tally.finished.unwrap_or(started));
    }
    let cpu = cpu_before.until(target.cpu_mark());
    let seconds = last_finish.duration_since(started).as_secs_f64();
    let requests = latency.len();
    Ok(LoadRow {
        bench: bench.into(),
        connections,
        seconds,
        requests,
        errors,
        first_error,
        req_per_sec: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        p50_ms: latency.percentile_ms(50.0),
        p99_ms: latency.percentile_ms(99.0),
        server_cpu_s_per_1k: per_thousand(cpu.server_s, requests),
        etcd_cpu_s_per_1k: per_thousand(cpu.etcd_s, requests),
        client_cpu_s_per_1k: per_thousand(cpu.client_s, requests),
        cpu,
        mean_response_bytes: if requests > 0 {
            response_bytes as f64 / requests as f64
        } else {
            0.0
        },
    })
}

/// One worker: sends the workload's requests one after the other on its connection.
async fn worker(
    mut connection: Connection,
    endpoint: Endpoint,
    workload: Arc<Workload>,
    tickets: Arc<AtomicU64>,
    deadline: Option<Instant>,
    limit: Option<u64>,
) -> WorkerTally {
    let mut tally = WorkerTally::default();
    let mut errors_in_a_row = 0;
    loop {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            break;
        }
        let ticket = tickets.fetch_add(1, Ordering::Relaxed);
        if limit.is_some_and(|limit| ticket >= limit) {
            break;
        }
        let (method, path, body, expected) = workload.request(ticket);
        let sent = Instant::now();
        let failure = match connection.call(method.clone(), &path, body).await {
            Ok(answer) if answer.status == expected => {
                tally.latency.record(sent.elapsed());
                tally.response_bytes += answer.body.len() as u64;
                None
            }
            Ok(answer) => Some(format!(
                "{method} {path}: HTTP {}: {}",
                answer.status,
                answer.body_start()
            )),
            Err(error) => {
                // The connection may be broken: the next request gets a new one.
                match endpoint.connect().await {
                    Ok(fresh) => connection = fresh,
                    Err(reconnect) => {
                        tally.errors += 1;
                        tally
                            .first_error
                            .get_or_insert(format!("{error}; reconnecting failed: {reconnect}"));
                        break;
                    }
                }
                Some(error.to_string())
            }
        };
        match failure {
            None => errors_in_a_row = 0,
            Some(message) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(message);
                errors_in_a_row += 1;
                if errors_in_a_row >= MAX_ERRORS_IN_A_ROW {
                    break;
                }
            }
        }
    }
    tally.finished = Some(Instant::now());
    tally
}

/// Creates namespace `name` (an existing one is fine) with the `default` ServiceAccount
/// upstream's admission looks for (no controller manager runs to make it). A server that
/// cannot store ServiceAccounts yet is noted in `notes`, not failed: only upstream's
/// admission needs one.
pub(crate) async fn create_namespace(
    connection: &mut Connection,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<(), BenchError> {
    let body = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name},
    });
    let what = format!("creating namespace {name}");
    let answer = connection
        .call(
            Method::POST,
            "/api/v1/namespaces",
            Some(Bytes::from(body.to_string())),
        )
        .await?;
    if answer.status != StatusCode::CONFLICT {
        answer.expect(&what, StatusCode::CREATED)?;
    }
    let account = serde_json::json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "default"},
    });
    let answer = connection
        .call(
            Method::POST,
            &format!("/api/v1/namespaces/{name}/serviceaccounts"),
            Some(Bytes::from(account.to_string())),
        )
        .await?;
    if !matches!(answer.status, StatusCode::CREATED | StatusCode::CONFLICT) {
        notes.push(format!(
            "creating ServiceAccount {name}/default: HTTP {}: {}",
            answer.status,
            answer.body_start()
        ));
    }
    Ok(())
}

/// Creates pods `pod-00000` … `fill_name(count - 1)` in `namespace` with `connections`
/// workers; fails unless every create succeeded. Returns the run (its rate is a create figure
/// too, but the create benchmark is its own row).
pub(crate) async fn fill(
    target: &Target,
    namespace: &str,
    count: usize,
    connections: usize,
    template: &PodTemplate,
) -> Result<LoadRow, BenchError> {
    let workload = Workload::Create {
        namespace: namespace.into(),
        naming: Naming::Fill,
        template: template.clone(),
    };
    let tickets = u64::try_from(count).unwrap_or(u64::MAX);
    let row = run(
        target,
        &format!("fill {namespace}"),
        &workload,
        connections.min(count.max(1)),
        Until::Tickets(tickets),
    )
    .await?;
    if row.requests != count {
        return Err(BenchError::unexpected(
            format!("filling {namespace} with {count} pods"),
            format!(
                "{} of {count} creates failed; first: {}",
                count.saturating_sub(row.requests),
                row.first_error.as_deref().unwrap_or("?")
            ),
        ));
    }
    Ok(row)
}

/// Reads the namespace's pod list once and checks it holds `expected` pods; returns the
/// response size.
pub(crate) async fn check_list(
    connection: &mut Connection,
    namespace: &str,
    expected: usize,
) -> Result<usize, BenchError> {
    let what = format!("listing the pods of {namespace}");
    let answer = connection
        .call(
            Method::GET,
            &format!("/api/v1/namespaces/{namespace}/pods"),
            None,
        )
        .await?
        .expect(&what, StatusCode::OK)?;
    let list: serde_json::Value = serde_json::from_slice(&answer.body)?;
    let items = list
        .get("items")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if items != expected {
        return Err(BenchError::unexpected(
            what,
            format!("{items} pods listed, {expected} created"),
        ));
    }
    Ok(answer.body.len())
}
