//! The controller manager's secure port (`--secure-port`, 10257): `/healthz`, `/livez`,
//! `/readyz` and `/metrics` over HTTPS, with the certificate from `--tls-cert-file` or a
//! self-signed one made at start (as upstream does without one).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::Error;

/// Counters every controller reports into, served as Prometheus text.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Whether this instance leads (`leader_election_master_status`).
    pub leading: AtomicBool,
    counters: std::sync::Mutex<std::collections::BTreeMap<(&'static str, &'static str), u64>>,
    /// Syncs that ended in an error, all controllers.
    pub sync_errors: AtomicU64,
}

impl Metrics {
    /// Adds one to `metric` for `controller`.
    pub fn inc(&self, metric: &'static str, controller: &'static str) {
        if let Ok(mut counters) = self.counters.lock() {
            *counters.entry((metric, controller)).or_default() += 1;
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP leader_election_master_status [ALPHA] Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.\n");
        out.push_str("# TYPE leader_election_master_status gauge\n");
        let _ = writeln!(
            out,
            "leader_election_master_status{{name=\"kube-controller-manager\"}} {}",
            u8::from(self.leading.load(Ordering::Relaxed))
        );
        if let Ok(counters) = self.counters.lock() {
            let mut last = "";
            for ((metric, controller), value) in counters.iter() {
                if *metric != last {
                    let _ = writeln!(out, "# TYPE {metric} counter");
                    last = metric;
                }
                let _ = writeln!(out, "{metric}{{name=\"{controller}\"}} {value}");
            }
        }
        if let Some((cpu, rss)) = process_usage() {
            out.push_str("# TYPE process_cpu_seconds_total counter\n");
            let _ = writeln!(out, "process_cpu_seconds_total {cpu}");
            out.push_str("# TYPE process_resident_memory_bytes gauge\n");
            let _ = writeln!(out, "process_resident_memory_bytes {rss}");
        }
        out
    }
}

/// CPU seconds and resident bytes of this process, from `/proc/self/stat`.
fn process_usage() -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces; fields after its closing parenthesis are fixed.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line; rss is 24 (pages).
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let rss_pages: u64 = fields.get(21)?.parse().ok()?;
    Some((ticks / 100.0, rss_pages * 4096))
}

/// Serves the secure port until the process ends.
pub async fn serve(
    addr: SocketAddr,
    cert_file: Option<&Path>,
    key_file: Option<&Path>,
    metrics: Arc<Metrics>,
) -> Result<(), Error> {
    let (chain, key) = match (cert_file, key_file) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|err| Error::Serving(format!("{}: {err}", cert.display())))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|err| Error::Serving(format!("{}: {err}", key.display())))?;
            (chain, key)
        }
        _ => self_signed(addr)?,
    };
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| Error::Serving(err.to_string()))?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|err| Error::Serving(err.to_string()))?;
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|err| Error::Serving(format!("listening on {addr}: {err}")))?;
    tracing::info!(%addr, "serving securely");
    let router = Router::new()
        .route("/healthz", get(ok))
        .route("/livez", get(ok))
        .route("/readyz", get(ok))
        .route("/metrics", get(render))
        .with_state(metrics);
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let builder = builder.clone();
        tokio::spawn(async move {
            let Ok(Ok(stream)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
            else {
                return;
            };
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                router.clone().oneshot(req)
            });
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn ok() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok")
}

async fn render(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}

/// A self-signed certificate for `localhost` and the bind address.
fn self_signed(
    addr: SocketAddr,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), Error> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !addr.ip().is_unspecified() {
        names.push(addr.ip().to_string());
    }
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|err| Error::Serving(err.to_string()))?;
    let key = PrivateKeyDer::try_from(certified.signing_key.serialize_der())
        .map_err(|err| Error::Serving(err.to_string()))?;
    Ok((vec![certified.cert.der().clone()], key))
}
