//! The max-in-flight filter (upstream's `WithMaxInFlightLimit`, what kube-apiserver runs with
//! `--enable-priority-and-fairness=false`): at most `--max-requests-inflight` read-only and
//! `--max-mutating-requests-inflight` mutating requests are served at once; past that, 429.
//!
//! As upstream: long-running requests (watches, and the proxy-like subresources) take no slot;
//! `system:masters` always gets an answer (it takes a slot when one is free, and goes through
//! when none is); the 429 is upstream's plain-text answer with `Retry-After: 1`, not a Status.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ironkube_apimachinery::RequestInfo;
use tokio::sync::Semaphore;

use super::AppState;
use super::identity::UserInfo;
use crate::pki::ADMIN_GROUP;

/// Subresources whose requests run as long as the client wants.
const LONG_RUNNING_SUBRESOURCES: [&str; 5] = ["proxy", "log", "exec", "attach", "portforward"];

/// The two pools of slots (`None`: unlimited).
pub(crate) struct Limits {
    read_only: Option<Arc<Semaphore>>,
    mutating: Option<Arc<Semaphore>>,
}

impl Limits {
    /// Pools of the given sizes (0: unlimited).
    pub(crate) fn new(read_only: usize, mutating: usize) -> Self {
        let pool = |n: usize| (n > 0).then(|| Arc::new(Semaphore::new(n)));
        Self {
            read_only: pool(read_only),
            mutating: pool(mutating),
        }
    }
}

fn is_long_running(info: &RequestInfo) -> bool {
    info.verb == "watch"
        || info.verb == "proxy"
        || LONG_RUNNING_SUBRESOURCES.contains(&info.subresource.as_str())
}

/// Serves the request within the limits, or answers 429.
pub(super) async fn limit(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(info) = req.extensions().get::<RequestInfo>() else {
        return next.run(req).await;
    };
    if is_long_running(info) {
        return next.run(req).await;
    }
    let mutating = !matches!(info.verb.as_str(), "get" | "list" | "watch");
    let pool = if mutating {
        &state.inflight.mutating
    } else {
        &state.inflight.read_only
    };
    let Some(pool) = pool.clone() else {
        return next.run(req).await;
    };
    match pool.try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => {
            let privileged = req
                .extensions()
                .get::<UserInfo>()
                .is_some_and(|user| user.groups.iter().any(|g| g == ADMIN_GROUP));
            if privileged {
                return next.run(req).await;
            }
            (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (header::RETRY_AFTER, HeaderValue::from_static("1")),
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; charset=utf-8"),
                    ),
                    (
                        header::X_CONTENT_TYPE_OPTIONS,
                        HeaderValue::from_static("nosniff"),
                    ),
                ],
                "Too many requests, please try again later.\n",
            )
                .into_response()
        }
    }
}
