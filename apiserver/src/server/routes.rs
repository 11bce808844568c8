//! The routes: health, `/version`, discovery, and resource requests, which go to the generic
//! REST handler ([`crate::rest`]); anything else is upstream's generic 404 Status.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use super::AppState;
use super::error::{json_response, page_not_found};
use super::health::{self, Endpoint};
use crate::discovery;

/// The Kubernetes version ironkube answers as.
pub const GIT_VERSION: &str = "v1.37.2-ironkube";

/// The media type of aggregated discovery documents (`Accept` and `Content-Type`).
pub const AGGREGATED_MEDIA_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Every route, with the shared state.
pub(super) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/version/", get(version))
        .route(
            "/healthz",
            get(|s, q| health::root(Endpoint::Healthz, s, q)),
        )
        .route(
            "/healthz/{check}",
            get(|s, p| health::single(Endpoint::Healthz, s, p)),
        )
        .route("/livez", get(|s, q| health::root(Endpoint::Livez, s, q)))
        .route(
            "/livez/{check}",
            get(|s, p| health::single(Endpoint::Livez, s, p)),
        )
        .route("/readyz", get(|s, q| health::root(Endpoint::Readyz, s, q)))
        .route(
            "/readyz/{check}",
            get(|s, p| health::single(Endpoint::Readyz, s, p)),
        )
        .route("/api", get(api))
        // Upstream's discovery handlers answer with and without the trailing slash.
        .route("/api/", get(api))
        .route("/api/{version}", get(api_version))
        .route("/apis", get(apis))
        .route("/apis/", get(apis))
        .route("/apis/{group}", get(api_group))
        .route("/apis/{group}/{version}", get(group_version))
        .route("/openapi/v2", get(openapi_v2))
        .route("/openapi/v3", get(openapi_root))
        .route("/openapi/v3/{*path}", get(openapi_document))
        .fallback(resource_or_not_found)
        .method_not_allowed_fallback(resource_or_not_found)
        .with_state(state)
}

/// Upstream's `version.Info` (`k8s.io/apimachinery/pkg/version/types.go`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionInfo {
    major: &'static str,
    minor: &'static str,
    emulation_major: &'static str,
    emulation_minor: &'static str,
    min_compatibility_major: &'static str,
    min_compatibility_minor: &'static str,
    git_version: &'static str,
    git_commit: &'static str,
    git_tree_state: &'static str,
    build_date: &'static str,
    go_version: &'static str,
    compiler: &'static str,
    platform: String,
}

/// `GET /version`, indented as upstream's `WriteRawJSON`.
async fn version() -> Response {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        other => other,
    };
    let info = VersionInfo {
        major: "1",
        minor: "37",
        emulation_major: "1",
        emulation_minor: "37",
        min_compatibility_major: "1",
        min_compatibility_minor: "36",
        git_version: GIT_VERSION,
        git_commit: option_env!("IRONKUBE_GIT_COMMIT").unwrap_or(""),
        git_tree_state: option_env!("IRONKUBE_GIT_TREE_STATE").unwrap_or(""),
        build_date: option_env!("IRONKUBE_BUILD_DATE").unwrap_or("1970-01-01T00:00:00Z"),
        go_version: concat!("rust", env!("CARGO_PKG_RUST_VERSION")),
        compiler: "rustc",
        platform: format!("{}/{arch}", std::env::consts::OS),
    };
    json_response(StatusCode::OK, serde_json::to_vec_pretty(&info))
}

/// Whether the `Accept` header prefers the aggregated discovery document over the legacy one:
/// the first media range that is either decides (upstream's negotiation; protobuf ranges,
/// which ironkube does not serve, are skipped).
fn wants_aggregated(headers: &HeaderMap) -> bool {
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let mut g = "";
            let mut v = "";
            let mut as_ = "";
            for param in parts {
                match param.split_once('=') {
                    Some(("g", value)) => g = value,
                    Some(("v", value)) => v = value,
                    Some(("as", value)) => as_ = value,
                    _ => {}
                }
            }
            let json = matches!(media.as_str(), "application/json" | "application/*" | "*/*");
            if !json {
                continue;
            }
            if as_.is_empty() {
                return false;
            }
            if g == "apidiscovery.k8s.io" && v == "v2" && as_ == discovery::AGGREGATED_KIND {
                return true;
            }
        }
    }
    false
}

/// A discovery root (`/api`, `/apis`): aggregated or legacy as the client asked.
fn negotiated(
    headers: &HeaderMap,
    aggregated: impl FnOnce() -> serde_json::Value,
    legacy: serde_json::Value,
) -> Response {
    let mut response = if wants_aggregated(headers) {
        let mut response = json_response(StatusCode::OK, serde_json::to_vec(&aggregated()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(AGGREGATED_MEDIA_TYPE),
        );
        response
    } else {
        json_response(StatusCode::OK, serde_json::to_vec(&legacy))
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// `GET /api`.
async fn api(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    negotiated(
        &headers,
        || discovery::aggregated_legacy(&state.registry()),
        discovery::api_versions(&state.server_address),
    )
}

/// `GET /apis`.
async fn apis(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    negotiated(
        &headers,
        || discovery::aggregated_apis(&state.registry()),
        discovery::api_group_list(&state.registry()),
    )
}

/// A discovery document, or 404 when the group (version) is not served.
fn document(value: Option<serde_json::Value>) -> Response {
    match value {
        Some(value) => json_response(StatusCode::OK, serde_json::to_vec(&value)),
        None => page_not_found(),
    }
}

/// `GET /api/<version>`.
async fn api_version(State(state): State<Arc<AppState>>, Path(version): Path<String>) -> Response {
    document(discovery::api_resource_list(
        &state.registry(),
        "",
        &version,
    ))
}

/// `GET /apis/<group>`.
async fn api_group(State(state): State<Arc<AppState>>, Path(group): Path<String>) -> Response {
    document(discovery::api_group(&state.registry(), &group))
}

/// `GET /apis/<group>/<version>`.
async fn group_version(
    State(state): State<Arc<AppState>>,
    Path((group, version)): Path<(String, String)>,
) -> Response {
    if group.is_empty() {
        return page_not_found();
    }
    document(discovery::api_resource_list(
        &state.registry(),
        &group,
        &version,
    ))
}

/// `GET /openapi/v2`.
async fn openapi_v2(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    crate::openapi::http::v2(&state.registry(), &headers)
}

/// `GET /openapi/v3`.
async fn openapi_root(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    crate::openapi::http::v3_root(&state.registry(), &headers)
}

/// `GET /openapi/v3/<path>` (`api/v1`, `apis/apps/v1`, `apis/apps`, `version`, ...), with the
/// caching headers upstream sends for `?hash=`.
async fn openapi_document(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    // The hash is upper-case hex, which query escaping leaves as it is.
    let hash = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("hash="));
    crate::openapi::http::v3_document(&state.registry(), &path, hash, &headers)
        .unwrap_or_else(page_not_found)
}

/// Everything without a route: resource requests go to the generic REST handler; anything
/// else is Go's plain-text 404, as upstream's not-found handler answers.
async fn resource_or_not_found(
    State(state): State<Arc<AppState>>,
    req: axum::extract::Request,
) -> Response {
    let is_resource = req
        .extensions()
        .get::<ironkube_apimachinery::RequestInfo>()
        .is_some_and(|info| info.is_resource_request);
    if is_resource {
        crate::rest::handle(state, req).await
    } else {
        page_not_found()
    }
}
