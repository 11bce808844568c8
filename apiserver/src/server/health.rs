//! `/healthz`, `/livez` and `/readyz` as upstream's `healthz` package serves them: `ok`, or
//! with `?verbose` one `[+]<check> ok` line per check and `<endpoint> check passed`; a failing
//! check makes the endpoint 500 with `[-]<check> failed: reason withheld` and
//! `<endpoint> check failed`. Each check also has its own path (`/readyz/etcd`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState};

/// How long the store may take to answer the `etcd` check.
const STORE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// One of the three health endpoints.
#[derive(Clone, Copy, Debug)]
pub(super) enum Endpoint {
    /// `/healthz` (deprecated upstream, still served).
    Healthz,
    /// `/livez`: the process works.
    Livez,
    /// `/readyz`: the process should receive traffic (fails once shutdown begins).
    Readyz,
}

impl Endpoint {
    /// The name in `<name> check passed`.
    fn name(self) -> &'static str {
        match self {
            Endpoint::Healthz => "healthz",
            Endpoint::Livez => "livez",
            Endpoint::Readyz => "readyz",
        }
    }

    /// Its checks, in upstream's order.
    fn checks(self) -> &'static [&'static str] {
        match self {
            Endpoint::Healthz | Endpoint::Livez => &["ping", "log", "etcd"],
            Endpoint::Readyz => &["ping", "log", "etcd", "shutdown"],
        }
    }
}

/// Runs one check.
async fn check(state: &AppState, name: &str) -> Result<(), String> {
    match name {
        "etcd" => {
            match tokio::time::timeout(STORE_CHECK_TIMEOUT, state.store.current_revision()).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(err)) => Err(err.to_string()),
                Err(_) => Err(format!("no answer within {STORE_CHECK_TIMEOUT:?}")),
            }
        }
        "shutdown" if state.shutting_down.load(Ordering::SeqCst) => {
            Err("process is shutting down".to_string())
        }
        _ => Ok(()),
    }
}

/// A `text/plain; charset=utf-8` response, with `nosniff` as upstream.
fn text(code: StatusCode, body: String) -> Response {
    (
        code,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /<endpoint>[?verbose]`.
pub(super) async fn root(
    endpoint: Endpoint,
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let verbose = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .any(|pair| pair.split('=').next() == Some("verbose"));
    let mut output = String::new();
    let mut failed = Vec::new();
    for name in endpoint.checks() {
        match check(&state, name).await {
            Ok(()) => output.push_str(&format!("[+]{name} ok\n")),
            Err(reason) => {
                output.push_str(&format!("[-]{name} failed: reason withheld\n"));
                failed.push(format!("{name}: {reason}"));
            }
        }
    }
    let name = endpoint.name();
    if !failed.is_empty() {
        tracing::info!(endpoint = name, failed = ?failed, "health check failed");
        // Go's `http.Error` adds the final newline.
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{output}{name} check failed\n"),
        );
    }
    if verbose {
        text(StatusCode::OK, format!("{output}{name} check passed\n"))
    } else {
        text(StatusCode::OK, "ok".to_string())
    }
}

/// `GET /<endpoint>/<check>`: `ok`, or 500 `internal server error: <reason>`; 404 for a check
/// the endpoint does not have.
pub(super) async fn single(
    endpoint: Endpoint,
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Response {
    if !endpoint.checks().contains(&name.as_str()) {
        return ApiError::NotFound.into_response();
    }
    match check(&state, &name).await {
        Ok(()) => text(StatusCode::OK, "ok".to_string()),
        Err(reason) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal server error: {reason}\n"),
        ),
    }
}
