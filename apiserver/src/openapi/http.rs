//! The HTTP side of the OpenAPI endpoints, as kube-openapi's `handler` (v2) and `handler3` (v3)
//! answer: content negotiation on `Accept` (JSON only here: a protobuf-only `Accept` gets an
//! empty 406, on which clients such as kubectl fall back to JSON), `Vary: Accept`, the ETag
//! (quoted hash) with `If-None-Match` answered by 304, and for a v3 document fetched with
//! `?hash=`: the immutable caching headers when the hash is current, else a 301 to the current
//! URL.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::registry::Registry;

/// The v2 protobuf media types (served by upstream, not by ironkube).
const V2_PROTOBUF: [&str; 2] = [
    "com.github.proto-openapi.spec.v2@v1.0+protobuf",
    "com.github.proto-openapi.spec.v2.v1.0+protobuf",
];
/// The v3 protobuf media types (served by upstream, not by ironkube).
const V3_PROTOBUF: [&str; 2] = [
    "com.github.proto-openapi.spec.v3@v1.0+protobuf",
    "com.github.proto-openapi.spec.v3.v1.0+protobuf",
];

/// What the `Accept` header picks, among JSON and the protobuf form upstream also serves.
#[derive(Debug, PartialEq, Eq)]
enum Negotiated {
    /// JSON.
    Json,
    /// The first acceptable form is protobuf, which ironkube does not serve.
    Protobuf,
    /// Nothing acceptable.
    None,
}

/// Upstream's choice (goautoneg): clauses ordered by `q` and then by specificity; the first
/// that matches `application/json` or the protobuf type wins. An absent header is `*/*`.
fn negotiate(headers: &HeaderMap, protobuf: [&str; 2]) -> Negotiated {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .unwrap_or("*/*");
    let mut clauses: Vec<(f32, u8, &str, &str)> = Vec::new();
    for clause in accept.split(',') {
        let mut params = clause.split(';');
        let media = params.next().unwrap_or_default().trim();
        let mut q = 1.0f32;
        for param in params {
            if let Some((k, v)) = param.split_once('=')
                && k.trim() == "q"
            {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        let (kind, sub) = media.split_once('/').unwrap_or((media, "*"));
        let specificity = u8::from(kind != "*") + u8::from(sub != "*");
        clauses.push((q, specificity, kind.trim(), sub.trim()));
    }
    clauses.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    for (_, _, kind, sub) in clauses {
        if kind != "application" && kind != "*" {
            continue;
        }
        if sub == "json" || sub == "*" {
            return Negotiated::Json;
        }
        if protobuf.contains(&sub) {
            return Negotiated::Protobuf;
        }
    }
    Negotiated::None
}

/// An empty response with `status`.
fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// Sets a header from a string built here (always valid).
fn set(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// JSON bytes with their ETag, or 304 when the client already has them.
fn serve(headers: &HeaderMap, bytes: Body, hash: &str) -> Response {
    let etag = format!("\"{hash}\"");
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if not_modified {
        empty(StatusCode::NOT_MODIFIED)
    } else {
        let mut response = Response::new(bytes);
        set(&mut response, header::CONTENT_TYPE, "application/json");
        response
    };
    set(&mut response, header::ETAG, &etag);
    response
}

/// The 406 or `None` (go on with JSON) for a negotiated `Accept`, with `Vary: Accept` set as
/// upstream sets it before negotiating.
fn refuse(negotiated: Negotiated) -> Option<Response> {
    if negotiated == Negotiated::Json {
        return None;
    }
    let mut response = empty(StatusCode::NOT_ACCEPTABLE);
    set(&mut response, header::VARY, "Accept");
    Some(response)
}

/// `GET /openapi/v2`.
pub(crate) fn v2(registry: &Registry, headers: &HeaderMap) -> Response {
    if let Some(refused) = refuse(negotiate(headers, V2_PROTOBUF)) {
        return refused;
    }
    let Some(bytes) = super::v2_document(registry) else {
        return empty(StatusCode::SERVICE_UNAVAILABLE);
    };
    let hash = super::hash(&bytes);
    let mut response = serve(headers, Body::from(bytes.to_vec()), &hash);
    set(&mut response, header::VARY, "Accept");
    response
}

/// `GET /openapi/v3`: the index, with its own ETag.
pub(crate) fn v3_root(registry: &Registry, headers: &HeaderMap) -> Response {
    let bytes = serde_json::to_vec(&super::root(registry)).unwrap_or_default();
    let hash = super::hash(&bytes);
    serve(headers, Body::from(bytes), &hash)
}

/// `GET /openapi/v3/<path>` (`hash` is the `?hash=` query value). `None` when the path is not
/// served.
pub(crate) fn v3_document(
    registry: &Registry,
    path: &str,
    hash: Option<&str>,
    headers: &HeaderMap,
) -> Option<Response> {
    let bytes = super::document_bytes(registry, path)?;
    let current = super::document_hash(registry, path)?;
    if let Some(refused) = refuse(negotiate(headers, V3_PROTOBUF)) {
        return Some(refused);
    }
    let hash = hash.filter(|h| !h.is_empty());
    if let Some(hash) = hash
        && hash != current
    {
        let location = super::server_relative_url(path, current);
        let mut response = Response::new(Body::from(format!(
            "<a href=\"{location}\">Moved Permanently</a>.\n\n"
        )));
        *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
        set(&mut response, header::VARY, "Accept");
        set(&mut response, header::ETAG, &format!("\"{current}\""));
        set(&mut response, header::LOCATION, &location);
        set(
            &mut response,
            header::CONTENT_TYPE,
            "text/html; charset=utf-8",
        );
        return Some(response);
    }
    let mut response = serve(headers, Body::from(bytes), current);
    set(&mut response, header::VARY, "Accept");
    if hash.is_some() {
        set(&mut response, header::CACHE_CONTROL, "public, immutable");
        set(&mut response, header::EXPIRES, &a_year_from_now());
    }
    Some(response)
}

/// Now plus one year in RFC 1123 form (`Mon, 02 Jan 2006 15:04:05 UTC`), as upstream's
/// `time.Now().AddDate(1, 0, 0).Format(time.RFC1123)` on a UTC host.
fn a_year_from_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    // AddDate normalises 29 February of a leap year to 1 March.
    let next = now
        .replace_year(now.year() + 1)
        .unwrap_or_else(|_| now + time::Duration::days(366));
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} UTC",
        &next.weekday().to_string()[..3],
        next.day(),
        &next.month().to_string()[..3],
        next.year(),
        next.hour(),
        next.minute(),
        next.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn negotiation_follows_q_and_specificity() {
        assert_eq!(negotiate(&HeaderMap::new(), V2_PROTOBUF), Negotiated::Json);
        assert_eq!(
            negotiate(
                &accept("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"),
                V2_PROTOBUF
            ),
            Negotiated::Protobuf
        );
        assert_eq!(
            negotiate(
                &accept(
                    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf;q=0.5, application/json"
                ),
                V2_PROTOBUF
            ),
            Negotiated::Json
        );
        assert_eq!(
            negotiate(&accept("text/html"), V2_PROTOBUF),
            Negotiated::None
        );
        assert_eq!(a_year_from_now().len(), 29);
    }
}
