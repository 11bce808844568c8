//! `RequestInfo`: what a request path says about the request (kube verb, API group and version,
//! namespace, resource, name, subresource), parsed as upstream's
//! `k8s.io/apiserver/pkg/endpoints/request.RequestInfoFactory.NewRequestInfo` does.
//!
//! Every later stage of the request path (authorization, audit, flow control, the generic
//! handler) reads this instead of the URL, so its quirks are upstream's:
//!
//! - the path is split after percent-decoding, as Go's `net/url` decodes `URL.Path`: `%2F`
//!   becomes a `/` and so a segment separator (`/api/v1/namespaces/a%2Fb/pods` is resource `b`
//!   named `pods` in namespace `a`);
//! - non-resource paths (`/healthz`, `/version`, `/api`, `/apis/apps/v1`) keep the lower-cased
//!   HTTP method as their verb;
//! - a `GET` or `HEAD` without a name is `list`, or `watch` when the `watch` query parameter is
//!   present and is neither `0` nor `false`; a `DELETE` without a name is `deletecollection`;
//! - `fieldSelector=metadata.name=foo` gives a `list`/`watch` the name `foo`;
//! - `/namespaces/{name}` and its `status`/`finalize` subresources name the namespace itself,
//!   so `namespace` and `name` are both the namespace's name.
//!
//! The query is read as Go's `url.URL.Query` reads it (`&`-separated, `+` as space, pairs with a
//! `;` or a bad escape dropped, nothing at all past 10,000 parameters).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::gocompat;
use crate::selector::{FieldSelector, LabelSelector};

/// What a request path says about the request (upstream's `request.RequestInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the request is for an API resource or subresource (`/api/v1/pods`), as opposed to
    /// a non-resource path (`/healthz`, `/apis`, `/api/v1`).
    pub is_resource_request: bool,
    /// The percent-decoded URL path (Go's `URL.Path`). Bytes that are not UTF-8 after decoding
    /// are each replaced by U+FFFD, which is what Go's `encoding/json` writes for them.
    pub path: String,
    /// The kube verb for resource requests (`get`, `list`, `watch`, `create`, `update`,
    /// `patch`, `delete`, `deletecollection`, `proxy`, or empty for an unknown method); for
    /// non-resource requests the lower-cased HTTP method.
    pub verb: String,
    /// The API prefix: `api` or `apis`; empty for non-resource requests outside them.
    pub api_prefix: String,
    /// The API group (`apps`); empty for the legacy core group under `/api`.
    pub api_group: String,
    /// The API version (`v1`).
    pub api_version: String,
    /// The namespace from `/namespaces/{namespace}/…`, or the namespace's own name for requests
    /// on a namespace (`/api/v1/namespaces/{name}[/status|/finalize]`); empty otherwise.
    pub namespace: String,
    /// The resource (`pods`), not the kind.
    pub resource: String,
    /// The subresource (`status`, `scale`, `binding`, …); never set for the `proxy` verb.
    pub subresource: String,
    /// The name, when the path has one, or when a `list`/`watch` selects exactly one name with
    /// `fieldSelector=metadata.name=…`.
    pub name: String,
    /// The path segments from the resource on: `{resource}/{name}/{subresource}/…` (for
    /// requests on a namespace itself: `namespaces/{name}/…`). Empty for non-resource requests.
    pub parts: Vec<String>,
    /// The raw `fieldSelector` query parameter (its first value), kept only for `list`, `watch`
    /// and `deletecollection` not addressed through the `/watch/` path prefix.
    pub field_selector: String,
    /// The raw `labelSelector` query parameter (its first value), kept under the same conditions
    /// as [`field_selector`](Self::field_selector).
    pub label_selector: String,
}

/// A request whose path upstream refuses to interpret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestInfoError {
    /// A `%` in the path not followed by two hexadecimal digits. Go's `net/http` cannot parse
    /// such a request line and answers a plain-text `400 Bad Request` before any handler runs;
    /// the message is `net/url`'s `EscapeError`.
    #[error("invalid URL escape {}", gocompat::quote(.escape))]
    InvalidEscape {
        /// The offending escape: the `%` and at most two following bytes.
        escape: String,
    },
    /// A special verb (`watch`, `proxy`) with nothing after it (`/api/v1/watch`). Upstream's
    /// request-info filter answers this with an internal server error.
    #[error("unable to determine kind and namespace from url, {url}")]
    UndeterminedKind {
        /// The request URL as Go's `URL.String` prints it: the escaped path and, when present,
        /// `?` and the raw query.
        url: String,
        /// What was known before the failure (upstream returns it alongside the error).
        partial: Box<RequestInfo>,
    },
}

/// Path prefixes with special meaning in place of resources (`/api/v1/watch/pods`).
const SPECIAL_VERBS: [&str; 2] = ["proxy", "watch"];
/// Special verbs whose trailing path segments are not a subresource.
const SPECIAL_VERBS_NO_SUBRESOURCES: [&str; 1] = ["proxy"];
/// Subresources of a namespace, told apart from resources inside the namespace.
const NAMESPACE_SUBRESOURCES: [&str; 2] = ["status", "finalize"];
/// Verbs for which the selectors are recorded.
const VERBS_WITH_SELECTORS: [&str; 3] = ["list", "watch", "deletecollection"];
/// Go's `net/url` default limit on query parameters (`urlmaxqueryparams`).
const MAX_QUERY_PARAMS: usize = 10_000;

/// Parses request paths into [`RequestInfo`]s (upstream's `request.RequestInfoFactory`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestInfoFactory {
    /// Path prefixes under which resources are served, without slashes: `api` and `apis`.
    pub api_prefixes: BTreeSet<String>,
    /// Those of [`api_prefixes`](Self::api_prefixes) whose paths have no group segment: `api`.
    pub groupless_api_prefixes: BTreeSet<String>,
}

impl Default for RequestInfoFactory {
    /// kube-apiserver's factory: prefixes `api` and `apis`, `api` without groups.
    fn default() -> Self {
        Self {
            api_prefixes: ["api", "apis"].into_iter().map(String::from).collect(),
            groupless_api_prefixes: ["api"].into_iter().map(String::from).collect(),
        }
    }
}

impl RequestInfoFactory {
    /// Parses a request as upstream's `NewRequestInfo`.
    ///
    /// `method` is the HTTP method as sent (upstream compares it case-sensitively: `get` is not
    /// `GET`); `path` the request target's path still percent-encoded, as it appears on the
    /// request line; `query` the raw query without the `?` (empty when there is none).
    ///
    /// Resource paths: `/api/{version}/…` and `/apis/{group}/{version}/…`, followed by
    /// `[{watch|proxy}/][namespaces/{namespace}/]{resource}[/{name}[/{subresource}[/…]]]`.
    /// Anything else is a non-resource request.
    pub fn request_info(
        &self,
        method: &str,
        path: &str,
        query: &str,
    ) -> Result<RequestInfo, RequestInfoError> {
        let decoded = unescape_path(path)?;
        let decoded_path = go_string(&decoded);
        // Start with a non-resource request until proven otherwise.
        let mut info = RequestInfo {
            path: decoded_path.clone(),
            verb: method.to_lowercase(),
            ..RequestInfo::default()
        };

        let all_parts = split_path(&decoded_path);
        let mut parts: &[&str] = &all_parts;
        if parts.len() < 3 || !self.api_prefixes.contains(parts[0]) {
            return Ok(info);
        }
        info.api_prefix = parts[0].to_string();
        parts = &parts[1..];

        if !self.groupless_api_prefixes.contains(&info.api_prefix) {
            // One part (the prefix) is consumed already: this asks for four parts in all.
            if parts.len() < 3 {
                return Ok(info);
            }
            info.api_group = parts[0].to_string();
            parts = &parts[1..];
        }

        info.is_resource_request = true;
        info.api_version = parts[0].to_string();
        parts = &parts[1..];

        // `/{specialVerb}/…`
        let mut verb_via_path_prefix = false;
        if SPECIAL_VERBS.contains(&parts[0]) {
            if parts.len() < 2 {
                return Err(RequestInfoError::UndeterminedKind {
                    url: go_url_string(path, &decoded, query),
                    partial: Box::new(info),
                });
            }
            info.verb = parts[0].to_string();
            parts = &parts[1..];
            verb_via_path_prefix = true;
        } else {
            info.verb = match method {
                "POST" => "create",
                "GET" | "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            }
            .to_string();
        }

        // `/namespaces/{namespace}/{resource}/…`: parts become relative to the resource, unless
        // what follows the namespace's name is one of the namespace's own subresources.
        if parts[0] == "namespaces" && parts.len() > 1 {
            info.namespace = parts[1].to_string();
            if parts.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&parts[2]) {
                parts = &parts[2..];
            }
        }
        info.parts = parts.iter().map(|p| p.to_string()).collect();

        // resource/name/subresource/anything/else/uninterpreted
        if let Some(resource) = parts.first() {
            info.resource = resource.to_string();
        }
        if let Some(name) = parts.get(1) {
            info.name = name.to_string();
        }
        if let Some(subresource) = parts.get(2)
            && !SPECIAL_VERBS_NO_SUBRESOURCES.contains(&info.verb.as_str())
        {
            info.subresource = subresource.to_string();
        }

        let params = parse_query(query);

        // Without a name a `get` is really a `list` or a `watch`.
        if info.name.is_empty() && info.verb == "get" {
            let (watch, exact_name) = match decode_list_options(&params) {
                Some(options) => (options.watch, options.exact_name),
                None => {
                    // Upstream logs the decoding error and keeps only `watch`, read more loosely.
                    let watch = first(&params, "watch").is_some_and(|v| {
                        let v = v.to_lowercase();
                        v != "false" && v != "0"
                    });
                    (watch, None)
                }
            };
            info.verb = if watch { "watch" } else { "list" }.to_string();
            if let Some(name) = exact_name
                && is_path_segment_name(&name)
            {
                info.name = name;
            }
        }

        // Without a name a `delete` is really a `deletecollection`.
        if info.name.is_empty() && info.verb == "delete" {
            info.verb = "deletecollection".to_string();
        }

        // Selectors are not recorded for the deprecated `/watch/` prefix, whose single-object
        // form ignores them.
        if !verb_via_path_prefix && VERBS_WITH_SELECTORS.contains(&info.verb.as_str()) {
            if let Some(value) = first(&params, "fieldSelector") {
                info.field_selector = value.to_string();
            }
            if let Some(value) = first(&params, "labelSelector") {
                info.label_selector = value.to_string();
            }
        }

        Ok(info)
    }
}

/// The parts of upstream's `ListOptions` that `NewRequestInfo` looks at.
struct ListOptionsView {
    watch: bool,
    /// The value the field selector requires `metadata.name` to equal.
    exact_name: Option<String>,
}

/// Decodes the query into list options as upstream's parameter codec does (url values to
/// `metav1.ListOptions`, then to the internal version, which parses the selectors); `None`
/// where any of that fails.
fn decode_list_options(params: &[(String, String)]) -> Option<ListOptionsView> {
    if params.is_empty() {
        return Some(ListOptionsView {
            watch: false,
            exact_name: None,
        });
    }
    for key in ["timeoutSeconds", "limit"] {
        if let Some(value) = first(params, key) {
            value.parse::<i64>().ok()?;
        }
    }
    let watch = first(params, "watch").is_some_and(go_param_bool);
    LabelSelector::parse(first(params, "labelSelector").unwrap_or("")).ok()?;
    let fields = FieldSelector::parse(first(params, "fieldSelector").unwrap_or("")).ok()?;
    Some(ListOptionsView {
        watch,
        exact_name: fields
            .requires_exact_match("metadata.name")
            .map(str::to_string),
    })
}

/// A boolean query parameter as upstream's `Convert_Slice_string_To_bool`: false only for `0`
/// and (Go's `strings.EqualFold`) `false`.
fn go_param_bool(value: &str) -> bool {
    !(value == "0" || go_equal_fold_false(value))
}

/// Go's `strings.EqualFold(value, "false")`: ASCII case-insensitive, plus U+017F (long s),
/// which simple case folding equates with `s`.
fn go_equal_fold_false(value: &str) -> bool {
    let mut chars = value.chars();
    for expected in "false".chars() {
        match chars.next() {
            Some(c) if c.eq_ignore_ascii_case(&expected) => {}
            Some('\u{17f}') if expected == 's' => {}
            _ => return false,
        }
    }
    chars.next().is_none()
}

/// Upstream's `content.IsPathSegmentName`: not `.` or `..`, no `/` or `%`.
fn is_path_segment_name(name: &str) -> bool {
    name != "." && name != ".." && !name.contains('/') && !name.contains('%')
}

/// The first value of `key`, as Go's `url.Values` indexing.
fn first<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Upstream's `splitPath`: trim slashes at both ends, then split on `/` (keeping empty
/// segments between doubled slashes).
fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    }
}

// === Go's net/url ===

/// Bytes as a Go string shows through `encoding/json`: each byte that does not start a valid
/// UTF-8 sequence becomes U+FFFD.
fn go_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                rest = &after[1..];
            }
        }
    }
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's `unescape`: `%XX` decoded; a `%` without two hex digits is an error naming it; `+` is a
/// space only in query components.
fn unescape(s: &str, plus_is_space: bool) -> Result<Vec<u8>, RequestInfoError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 3;
                    }
                    _ => {
                        let end = (i + 3).min(bytes.len());
                        return Err(RequestInfoError::InvalidEscape {
                            escape: String::from_utf8_lossy(&bytes[i..end]).into_owned(),
                        });
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn unescape_path(path: &str) -> Result<Vec<u8>, RequestInfoError> {
    unescape(path, false)
}

/// Go's `url.ParseQuery`, keeping the pairs in order and ignoring the error as `URL.Query`
/// does: a pair containing `;` or a bad escape is dropped, and past 10,000 parameters nothing
/// is parsed at all.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    if query.matches('&').count() + 1 > MAX_QUERY_PARAMS {
        return Vec::new();
    }
    let mut params = Vec::new();
    for pair in query.split('&') {
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Ok(key), Ok(value)) = (unescape(key, true), unescape(value, true)) else {
            continue;
        };
        params.push((go_string(&key), go_string(&value)));
    }
    params
}

/// Go's `shouldEscape(c, encodePath)`.
fn should_escape_path(c: u8) -> bool {
    !(c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'_'
                | b'.'
                | b'~'
                | b'$'
                | b'&'
                | b'+'
                | b','
                | b'/'
                | b':'
                | b';'
                | b'='
                | b'@'
        ))
}

/// Go's `validEncoded(s, encodePath)`.
fn valid_encoded_path(s: &str) -> bool {
    s.bytes().all(|c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape_path(c)
    })
}

/// Go's `URL.String` for a request parsed from a request line with path `raw_path` (decoded:
/// `decoded`) and query `query`: `EscapedPath` (the raw path when it is validly encoded, else
/// the decoded path re-escaped) and `?query` when there is a query.
fn go_url_string(raw_path: &str, decoded: &[u8], query: &str) -> String {
    let mut out = if valid_encoded_path(raw_path) {
        raw_path.to_string()
    } else if decoded == b"*" {
        "*".to_string()
    } else {
        let mut escaped = String::with_capacity(decoded.len());
        for &c in decoded {
            if should_escape_path(c) {
                let _ = write!(escaped, "%{c:02X}");
            } else {
                escaped.push(char::from(c));
            }
        }
        escaped
    };
    if !query.is_empty() {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(method, request target, expected summary)`. The expectations are what upstream's
    /// `NewRequestInfo` (apiserver v0.37.2, factory prefixes `api`/`apis`, groupless `api`) gave
    /// for a request read by Go's `http.ReadRequest` from the line `{method} {target} HTTP/1.1`
    /// (`rejected:` where `ReadRequest` itself failed), written as [`summary`] writes them.
    #[rustfmt::skip]
    const CASES: &[(&str, &str, &str)] = &[
    // upstream TestGetAPIRequestInfo: resource paths
    ("GET", "/api/v1/namespaces", "resource verb=list prefix=api version=v1 resource=namespaces parts=[namespaces]"),
    ("GET", "/api/v1/namespaces/other", "resource verb=get prefix=api version=v1 namespace=other resource=namespaces name=other parts=[namespaces,other]"),
    ("GET", "/api/v1/namespaces/other/pods", "resource verb=list prefix=api version=v1 namespace=other resource=pods parts=[pods]"),
    ("GET", "/api/v1/namespaces/other/pods/foo", "resource verb=get prefix=api version=v1 namespace=other resource=pods name=foo parts=[pods,foo]"),
    ("HEAD", "/api/v1/namespaces/other/pods/foo", "resource verb=get prefix=api version=v1 namespace=other resource=pods name=foo parts=[pods,foo]"),
    ("GET", "/api/v1/pods", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("HEAD", "/api/v1/pods", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/proxy/namespaces/other/pods/foo", "resource verb=proxy prefix=api version=v1 namespace=other resource=pods name=foo parts=[pods,foo]"),
    ("GET", "/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource", "resource verb=proxy prefix=api version=v1 namespace=other resource=pods name=foo parts=[pods,foo,subpath,not,a,subresource]"),
    // upstream TestGetAPIRequestInfo: special verbs
    ("GET", "/api/v1/watch/pods", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=false", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/watch/namespaces/other/pods", "resource verb=watch prefix=api version=v1 namespace=other resource=pods parts=[pods]"),
    ("GET", "/api/v1/namespaces/other/pods?watch=1", "resource verb=watch prefix=api version=v1 namespace=other resource=pods parts=[pods]"),
    ("GET", "/api/v1/namespaces/other/pods?watch=0", "resource verb=list prefix=api version=v1 namespace=other resource=pods parts=[pods]"),
    ("GET", "/api/v1/namespaces/other/pods/foo/status", "resource verb=get prefix=api version=v1 namespace=other resource=pods subresource=status name=foo parts=[pods,foo,status]"),
    ("GET", "/api/v1/namespaces/other/pods/foo/proxy/subpath", "resource verb=get prefix=api version=v1 namespace=other resource=pods subresource=proxy name=foo parts=[pods,foo,proxy,subpath]"),
    // upstream TestGetAPIRequestInfo: subresource identification
    ("PUT", "/api/v1/namespaces/other/finalize", "resource verb=update prefix=api version=v1 namespace=other resource=namespaces subresource=finalize name=other parts=[namespaces,other,finalize]"),
    ("PUT", "/api/v1/namespaces/other/status", "resource verb=update prefix=api version=v1 namespace=other resource=namespaces subresource=status name=other parts=[namespaces,other,status]"),
    ("PATCH", "/api/v1/namespaces/other/pods/foo", "resource verb=patch prefix=api version=v1 namespace=other resource=pods name=foo parts=[pods,foo]"),
    ("DELETE", "/api/v1/namespaces/other/pods/foo", "resource verb=delete prefix=api version=v1 namespace=other resource=pods name=foo parts=[pods,foo]"),
    // upstream TestGetAPIRequestInfo: verb identification
    ("POST", "/api/v1/namespaces/other/pods", "resource verb=create prefix=api version=v1 namespace=other resource=pods parts=[pods]"),
    ("DELETE", "/api/v1/nodes", "resource verb=deletecollection prefix=api version=v1 resource=nodes parts=[nodes]"),
    ("DELETE", "/api/v1/namespaces", "resource verb=deletecollection prefix=api version=v1 resource=namespaces parts=[namespaces]"),
    // upstream TestGetAPIRequestInfo: deletecollection verb identification
    ("DELETE", "/api/v1/namespaces/other/pods", "resource verb=deletecollection prefix=api version=v1 namespace=other resource=pods parts=[pods]"),
    ("DELETE", "/apis/extensions/v1/namespaces/other/pods", "resource verb=deletecollection prefix=apis group=extensions version=v1 namespace=other resource=pods parts=[pods]"),
    ("POST", "/apis/extensions/v1/namespaces/other/pods", "resource verb=create prefix=apis group=extensions version=v1 namespace=other resource=pods parts=[pods]"),
    ("POST", "/apis/extensions/v1beta3/namespaces/other/pods", "resource verb=create prefix=apis group=extensions version=v1beta3 namespace=other resource=pods parts=[pods]"),
    // upstream TestGetAPIRequestInfo: api group and version identification
    ("GET", "/", "nonresource verb=get"),
    ("GET", "/api/version/", "nonresource verb=get"),
    // upstream TestGetAPIRequestInfo "error cases": non-resource requests, not errors
    ("GET", "/apis/group/version/", "nonresource verb=get prefix=apis"),
    ("GET", "/badprefix/version/resource", "nonresource verb=get"),
    ("GET", "/apis/version/resource", "nonresource verb=get prefix=apis"),
    ("GET", "/api/version/resource", "resource verb=list prefix=api version=version resource=resource parts=[resource]"),
    // upstream TestGetNonAPIRequestInfo
    ("GET", "/apis/group/version/resource/name/subresource", "resource verb=get prefix=apis group=group version=version resource=resource subresource=subresource name=name parts=[resource,name,subresource]"),
    ("GET", "/api/version/resource/name/subresource", "resource verb=get prefix=api version=version resource=resource subresource=subresource name=name parts=[resource,name,subresource]"),
    ("GET", "/apis/batch/v1/job", "resource verb=list prefix=apis group=batch version=v1 resource=job parts=[job]"),
    ("GET", "/apis/batch/v1/job/foo", "resource verb=get prefix=apis group=batch version=v1 resource=job name=foo parts=[job,foo]"),
    ("GET", "/apis/batch/v1/job/foo/scale", "resource verb=get prefix=apis group=batch version=v1 resource=job subresource=scale name=foo parts=[job,foo,scale]"),
    ("GET", "/not-api/version/resource", "nonresource verb=get"),
    ("GET", "/apis/extensions/v1beta1", "nonresource verb=get prefix=apis"),
    ("GET", "/apis/extensions/v1beta1/", "nonresource verb=get prefix=apis"),
    ("GET", "/api/version", "nonresource verb=get"),
    ("GET", "/api", "nonresource verb=get"),
    ("GET", "/apis/group/version/resource", "resource verb=list prefix=apis group=group version=version resource=resource parts=[resource]"),
    // upstream TestSelectorParsing (upstream never errors there: a bad selector is logged)
    ("GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1", "resource verb=list prefix=apis group=group version=version resource=resource name=name1 parts=[resource] fieldSelector=metadata.name=name1"),
    ("GET", "/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1", "resource verb=watch prefix=apis group=group version=version resource=resource name=name1 parts=[resource] fieldSelector=metadata.name=name1"),
    ("GET", "/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux", "resource verb=list prefix=apis group=group version=version resource=resource parts=[resource] fieldSelector=foo=bar labelSelector=baz=qux"),
    ("GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo", "resource verb=list prefix=apis group=group version=version resource=resource parts=[resource] fieldSelector=metadata.name=name1,foo"),
    ("GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=true", "resource verb=watch prefix=apis group=group version=version resource=resource parts=[resource] fieldSelector=metadata.name=name1,foo"),
    ("GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=false", "resource verb=list prefix=apis group=group version=version resource=resource parts=[resource] fieldSelector=metadata.name=name1,foo"),
    ("DELETE", "/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux", "resource verb=deletecollection prefix=apis group=group version=version resource=resource parts=[resource] fieldSelector=foo=bar labelSelector=baz=qux"),
    ("GET", "/apis/group/version/resource?fieldSelector=metadata.name=foo&fieldSelector=metadata.name=bar&labelSelector=foo=bar&labelSelector=foo=baz", "resource verb=list prefix=apis group=group version=version resource=resource name=foo parts=[resource] fieldSelector=metadata.name=foo labelSelector=foo=bar"),
    ("GET", "/apis/group/version/resource/name?fieldSelector=foo=bar&labelSelector=foo=bar", "resource verb=get prefix=apis group=group version=version resource=resource name=name parts=[resource,name]"),
    ("GET", "/apis/group/version/watch/resource?fieldSelector=metadata.name=foo&labelSelector=foo=bar", "resource verb=watch prefix=apis group=group version=version resource=resource parts=[resource]"),
    ("GET", "/apis/group/version/watch/resource/name?fieldSelector=metadata.name=foo&labelSelector=foo=bar", "resource verb=watch prefix=apis group=group version=version resource=resource name=name parts=[resource,name]"),
    // non-resource requests keep the lower-cased HTTP method
    ("GET", "/healthz", "nonresource verb=get"),
    ("POST", "/healthz", "nonresource verb=post"),
    ("GET", "/version", "nonresource verb=get"),
    ("GET", "/openapi/v2", "nonresource verb=get"),
    ("GET", "/openapi/v3/apis/apps/v1", "nonresource verb=get"),
    ("GET", "/readyz/etcd", "nonresource verb=get"),
    ("GET", "/livez?verbose", "nonresource verb=get"),
    ("GET", "/apis", "nonresource verb=get"),
    ("GET", "/apis/apps", "nonresource verb=get"),
    ("GET", "/apis/apps/v1", "nonresource verb=get prefix=apis"),
    ("GET", "/api/v1", "nonresource verb=get"),
    ("OPTIONS", "/api/v1/pods", "resource verb= prefix=api version=v1 resource=pods parts=[pods]"),
    ("OPTIONS", "/healthz", "nonresource verb=options"),
    // methods upstream does not map get an empty verb
    ("get", "/api/v1/pods", "resource verb= prefix=api version=v1 resource=pods parts=[pods]"),
    ("CONNECT", "/api/v1/namespaces/ns/pods/p/exec", "resource verb= prefix=api version=v1 namespace=ns resource=pods subresource=exec name=p parts=[pods,p,exec]"),
    ("POST", "/api/v1/namespaces/ns/pods/p/exec", "resource verb=create prefix=api version=v1 namespace=ns resource=pods subresource=exec name=p parts=[pods,p,exec]"),
    // a special verb with nothing after it is an error
    ("GET", "/api/v1/watch", "resource verb=get prefix=api version=v1 error: unable to determine kind and namespace from url, /api/v1/watch"),
    ("GET", "/api/v1/watch/", "resource verb=get prefix=api version=v1 error: unable to determine kind and namespace from url, /api/v1/watch/"),
    ("GET", "/api/v1/proxy", "resource verb=get prefix=api version=v1 error: unable to determine kind and namespace from url, /api/v1/proxy"),
    ("GET", "/apis/apps/v1/watch?x=1", "resource verb=get prefix=apis group=apps version=v1 error: unable to determine kind and namespace from url, /apis/apps/v1/watch?x=1"),
    ("GET", "/api/v1/watch?a=%zz", "resource verb=get prefix=api version=v1 error: unable to determine kind and namespace from url, /api/v1/watch?a=%zz"),
    ("GET", "/api/\"v1\"/watch", "resource verb=get prefix=api version=\"v1\" error: unable to determine kind and namespace from url, /api/%22v1%22/watch"),
    ("GET", "/api/é/watch?x", "resource verb=get prefix=api version=é error: unable to determine kind and namespace from url, /api/%C3%A9/watch?x"),
    ("GET", "/api/%C3%A9/watch", "resource verb=get prefix=api version=é path=/api/é/watch error: unable to determine kind and namespace from url, /api/%C3%A9/watch"),
    ("GET", "/api/v%31/watch", "resource verb=get prefix=api version=v1 path=/api/v1/watch error: unable to determine kind and namespace from url, /api/v%31/watch"),
    // the path is split after percent-decoding; bad escapes fail Go's request-line parsing
    ("GET", "/api/v1/namespaces/a%2Fb/pods", "resource verb=get prefix=api version=v1 namespace=a resource=b name=pods parts=[b,pods] path=/api/v1/namespaces/a/b/pods"),
    ("GET", "/api/v1/namespaces/ns/pods/a%2Fb", "resource verb=get prefix=api version=v1 namespace=ns resource=pods subresource=b name=a parts=[pods,a,b] path=/api/v1/namespaces/ns/pods/a/b"),
    ("GET", "/api/v1/namespaces/ns/pods/a%20b", "resource verb=get prefix=api version=v1 namespace=ns resource=pods name=a b parts=[pods,a b] path=/api/v1/namespaces/ns/pods/a b"),
    ("GET", "/api/v1/namespaces/ns/pods/a+b", "resource verb=get prefix=api version=v1 namespace=ns resource=pods name=a+b parts=[pods,a+b]"),
    ("GET", "/api/v1/namespaces/ns/pods/%ff", "resource verb=get prefix=api version=v1 namespace=ns resource=pods name=� parts=[pods,�] path=/api/v1/namespaces/ns/pods/�"),
    ("GET", "/api/v1/namespaces/ns/pods/%e2%82", "resource verb=get prefix=api version=v1 namespace=ns resource=pods name=�� parts=[pods,��] path=/api/v1/namespaces/ns/pods/��"),
    ("GET", "/api/v1/namespaces/ns/pods/%zz", "rejected: invalid URL escape \"%zz\""),
    ("GET", "/api/v1/namespaces/ns/pods/%4", "rejected: invalid URL escape \"%4\""),
    ("GET", "/api/v1/namespaces/ns/pods/abc%", "rejected: invalid URL escape \"%\""),
    ("GET", "/api/v1/watch/%20?q=1", "resource verb=watch prefix=api version=v1 resource=  parts=[ ] path=/api/v1/watch/ "),
    // the watch and proxy path prefixes
    ("GET", "/api/v1/w%61tch", "resource verb=get prefix=api version=v1 path=/api/v1/watch error: unable to determine kind and namespace from url, /api/v1/w%61tch"),
    ("GET", "/api/v1/w%61tch/pods", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods] path=/api/v1/watch/pods"),
    ("GET", "/api/v1/watch/namespaces/ns/pods/foo", "resource verb=watch prefix=api version=v1 namespace=ns resource=pods name=foo parts=[pods,foo]"),
    ("GET", "/api/v1/watch/namespaces/ns/pods/foo/status", "resource verb=watch prefix=api version=v1 namespace=ns resource=pods subresource=status name=foo parts=[pods,foo,status]"),
    ("GET", "/api/v1/proxy/nodes/n1/metrics", "resource verb=proxy prefix=api version=v1 resource=nodes name=n1 parts=[nodes,n1,metrics]"),
    ("POST", "/api/v1/watch/pods", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("DELETE", "/api/v1/watch/pods", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/watch/namespaces", "resource verb=watch prefix=api version=v1 resource=namespaces parts=[namespaces]"),
    ("GET", "/api/v1/watch/namespaces/ns", "resource verb=watch prefix=api version=v1 namespace=ns resource=namespaces name=ns parts=[namespaces,ns]"),
    // requests on a namespace itself
    ("GET", "/api/v1/namespaces/ns/status", "resource verb=get prefix=api version=v1 namespace=ns resource=namespaces subresource=status name=ns parts=[namespaces,ns,status]"),
    ("GET", "/api/v1/namespaces/ns/finalize/x", "resource verb=get prefix=api version=v1 namespace=ns resource=namespaces subresource=finalize name=ns parts=[namespaces,ns,finalize,x]"),
    ("GET", "/api/v1/namespaces/ns/configmaps/c/status/extra", "resource verb=get prefix=api version=v1 namespace=ns resource=configmaps subresource=status name=c parts=[configmaps,c,status,extra]"),
    ("DELETE", "/api/v1/namespaces/ns", "resource verb=delete prefix=api version=v1 namespace=ns resource=namespaces name=ns parts=[namespaces,ns]"),
    ("DELETE", "/api/v1/namespaces/ns/status", "resource verb=delete prefix=api version=v1 namespace=ns resource=namespaces subresource=status name=ns parts=[namespaces,ns,status]"),
    // empty segments are kept
    ("GET", "//api/v1/pods", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api//v1/pods", "resource verb=get prefix=api resource=v1 name=pods parts=[v1,pods]"),
    ("GET", "/api/v1//pods", "resource verb=get prefix=api version=v1 name=pods parts=[,pods]"),
    ("GET", "/api/v1/pods//", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/namespaces//pods", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    // the watch parameter: false only for 0 and false (strings.EqualFold)
    ("GET", "/api/v1/pods?watch=", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=FALSE", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=False", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=fal%C5%BFe", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=no", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=00", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=false&watch=true", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true&watch=false", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?%77atch=true", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true;x=1", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=tr%zz", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    // an undecodable query (bad limit or timeoutSeconds) keeps only watch, read with strings.ToLower
    ("GET", "/api/v1/pods?watch=true&limit=abc", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=FALSE&limit=abc", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=fal%C5%BFe&limit=abc", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true&limit=", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true&limit=+5", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true&limit=-5", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true&limit=99999999999999999999", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true&timeoutSeconds=x", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?watch=true&timeoutSeconds=30", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=foo&limit=x", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=foo"),
    // fieldSelector=metadata.name names a list or watch, when the selector and the other options decode
    ("GET", "/api/v1/pods?fieldSelector=metadata.name%3Dfoo", "resource verb=list prefix=api version=v1 resource=pods name=foo parts=[pods] fieldSelector=metadata.name=foo"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name==foo", "resource verb=list prefix=api version=v1 resource=pods name=foo parts=[pods] fieldSelector=metadata.name==foo"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name!=foo", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name!=foo"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=foo,spec.nodeName=n", "resource verb=list prefix=api version=v1 resource=pods name=foo parts=[pods] fieldSelector=metadata.name=foo,spec.nodeName=n"),
    ("GET", "/api/v1/pods?fieldSelector=spec.nodeName=n,metadata.name=foo", "resource verb=list prefix=api version=v1 resource=pods name=foo parts=[pods] fieldSelector=spec.nodeName=n,metadata.name=foo"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=a,metadata.name=b", "resource verb=list prefix=api version=v1 resource=pods name=a parts=[pods] fieldSelector=metadata.name=a,metadata.name=b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=.", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=."),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=..", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=.."),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=a%2Fb", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=a/b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=a%25b", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=a%b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name="),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=a+b", "resource verb=list prefix=api version=v1 resource=pods name=a b parts=[pods] fieldSelector=metadata.name=a b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=a\\,b", "resource verb=list prefix=api version=v1 resource=pods name=a,b parts=[pods] fieldSelector=metadata.name=a\\,b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=foo&labelSelector=a+in+(b", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=foo labelSelector=a in (b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=foo&labelSelector=a%3D%3Db", "resource verb=list prefix=api version=v1 resource=pods name=foo parts=[pods] fieldSelector=metadata.name=foo labelSelector=a==b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=foo&labelSelector=-a=b", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=foo labelSelector=-a=b"),
    ("GET", "/api/v1/pods?fieldSelector=metadata.name=foo&labelSelector=", "resource verb=list prefix=api version=v1 resource=pods name=foo parts=[pods] fieldSelector=metadata.name=foo"),
    ("GET", "/api/v1/pods?fieldSelector=&labelSelector=", "resource verb=list prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?labelSelector=x&labelSelector=y", "resource verb=list prefix=api version=v1 resource=pods parts=[pods] labelSelector=x"),
    // selectors are kept for list, watch and deletecollection only, not via the /watch/ prefix
    ("DELETE", "/api/v1/pods?fieldSelector=metadata.name=foo", "resource verb=deletecollection prefix=api version=v1 resource=pods parts=[pods] fieldSelector=metadata.name=foo"),
    ("DELETE", "/api/v1/namespaces/ns/pods?fieldSelector=metadata.name=foo&labelSelector=a=b", "resource verb=deletecollection prefix=api version=v1 namespace=ns resource=pods parts=[pods] fieldSelector=metadata.name=foo labelSelector=a=b"),
    ("DELETE", "/api/v1/namespaces/ns/pods/p?fieldSelector=metadata.name=foo&labelSelector=a=b", "resource verb=delete prefix=api version=v1 namespace=ns resource=pods name=p parts=[pods,p]"),
    ("POST", "/api/v1/namespaces/ns/pods?fieldSelector=a=b", "resource verb=create prefix=api version=v1 namespace=ns resource=pods parts=[pods]"),
    ("GET", "/api/v1/watch/pods?watch=false&fieldSelector=a=b", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/namespaces/ns/pods/foo?watch=true", "resource verb=get prefix=api version=v1 namespace=ns resource=pods name=foo parts=[pods,foo]"),
    // other cases: subresources of groups, other list options, odd queries and names
    ("GET", "/apis/apps/v1/namespaces/ns/deployments/d/scale", "resource verb=get prefix=apis group=apps version=v1 namespace=ns resource=deployments subresource=scale name=d parts=[deployments,d,scale]"),
    ("PUT", "/apis/apps/v1/namespaces/ns/deployments/d/status", "resource verb=update prefix=apis group=apps version=v1 namespace=ns resource=deployments subresource=status name=d parts=[deployments,d,status]"),
    ("GET", "/apis/apps/v1/deployments?watch=1&resourceVersion=5&allowWatchBookmarks=x&sendInitialEvents=y&resourceVersionMatch=z", "resource verb=watch prefix=apis group=apps version=v1 resource=deployments parts=[deployments]"),
    ("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/foo.example.com", "resource verb=get prefix=apis group=apiextensions.k8s.io version=v1 resource=customresourcedefinitions name=foo.example.com parts=[customresourcedefinitions,foo.example.com]"),
    ("GET", "/api/v1/namespaces/ns/pods/foo?%zz=1&watch=1", "resource verb=get prefix=api version=v1 namespace=ns resource=pods name=foo parts=[pods,foo]"),
    ("GET", "/api/v1/pods?a;b=1&watch=1", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?&&watch=1&&", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods?=1&watch=1", "resource verb=watch prefix=api version=v1 resource=pods parts=[pods]"),
    ("GET", "/api/v1/pods/%22x%22", "resource verb=get prefix=api version=v1 resource=pods name=\"x\" parts=[pods,\"x\"] path=/api/v1/pods/\"x\""),
    ("GET", "/api/v1/watch/%22x%22", "resource verb=watch prefix=api version=v1 resource=\"x\" parts=[\"x\"] path=/api/v1/watch/\"x\""),
    ("GET", "/api/v1/pods/é", "resource verb=get prefix=api version=v1 resource=pods name=é parts=[pods,é]"),
    ("GET", "/api/v1/watch?é", "resource verb=get prefix=api version=v1 error: unable to determine kind and namespace from url, /api/v1/watch?é"),
    ("GET", "/api/v1/namespaces/%2e%2e/pods", "resource verb=list prefix=api version=v1 namespace=.. resource=pods parts=[pods] path=/api/v1/namespaces/../pods"),
    ("GET", "/api/v1/namespaces/ns/pods/..", "resource verb=get prefix=api version=v1 namespace=ns resource=pods name=.. parts=[pods,..]"),
    ("GET", "/apis/apps/v1/watch/namespaces/ns/deployments?labelSelector=a%20in%20(b)", "resource verb=watch prefix=apis group=apps version=v1 namespace=ns resource=deployments parts=[deployments]"),
    ("GET", "/api/v1/pods?labelSelector=a+in+(b,c),!d&fieldSelector=metadata.name=x", "resource verb=list prefix=api version=v1 resource=pods name=x parts=[pods] fieldSelector=metadata.name=x labelSelector=a in (b,c),!d"),
    ("GET", "/apis/apps/v1/watch", "resource verb=get prefix=apis group=apps version=v1 error: unable to determine kind and namespace from url, /apis/apps/v1/watch"),
    ("PUT", "/api/v1/namespaces/ns/pods", "resource verb=update prefix=api version=v1 namespace=ns resource=pods parts=[pods]"),
    ("DELETE", "/api/v1/namespaces/ns/pods/p/status", "resource verb=delete prefix=api version=v1 namespace=ns resource=pods subresource=status name=p parts=[pods,p,status]"),
    ];

    /// One line saying everything in a result: resource or not, the verb, then each non-empty
    /// field; `path=` only where decoding changed the path; `error:` and the message last.
    fn summary(raw_path: &str, result: &Result<RequestInfo, RequestInfoError>) -> String {
        let (info, error) = match result {
            Ok(info) => (info, None),
            Err(RequestInfoError::UndeterminedKind { partial, .. }) => {
                (&**partial, result.as_ref().err())
            }
            Err(e) => return format!("rejected: {e}"),
        };
        let mut out = vec![
            if info.is_resource_request {
                "resource"
            } else {
                "nonresource"
            }
            .to_string(),
            format!("verb={}", info.verb),
        ];
        for (key, value) in [
            ("prefix", &info.api_prefix),
            ("group", &info.api_group),
            ("version", &info.api_version),
            ("namespace", &info.namespace),
            ("resource", &info.resource),
            ("subresource", &info.subresource),
            ("name", &info.name),
        ] {
            if !value.is_empty() {
                out.push(format!("{key}={value}"));
            }
        }
        if !info.parts.is_empty() {
            out.push(format!("parts=[{}]", info.parts.join(",")));
        }
        if !info.field_selector.is_empty() {
            out.push(format!("fieldSelector={}", info.field_selector));
        }
        if !info.label_selector.is_empty() {
            out.push(format!("labelSelector={}", info.label_selector));
        }
        if info.path != raw_path {
            out.push(format!("path={}", info.path));
        }
        if let Some(error) = error {
            out.push(format!("error: {error}"));
        }
        out.join(" ")
    }

    #[test]
    fn every_case_as_upstream() {
        let factory = RequestInfoFactory::default();
        let mut failures = Vec::new();
        for &(method, target, want) in CASES {
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let got = summary(path, &factory.request_info(method, path, query));
            if got != want {
                failures.push(format!("{method} {target}\n  want {want}\n  got  {got}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn fields_of_a_namespaced_subresource_request() {
        let info = RequestInfoFactory::default()
            .request_info("PUT", "/apis/apps/v1/namespaces/ns/deployments/d/scale", "")
            .unwrap();
        assert_eq!(
            info,
            RequestInfo {
                is_resource_request: true,
                path: "/apis/apps/v1/namespaces/ns/deployments/d/scale".to_string(),
                verb: "update".to_string(),
                api_prefix: "apis".to_string(),
                api_group: "apps".to_string(),
                api_version: "v1".to_string(),
                namespace: "ns".to_string(),
                resource: "deployments".to_string(),
                subresource: "scale".to_string(),
                name: "d".to_string(),
                parts: vec!["deployments".into(), "d".into(), "scale".into()],
                field_selector: String::new(),
                label_selector: String::new(),
            }
        );
    }

    #[test]
    fn undetermined_kind_keeps_what_was_known() {
        let err = RequestInfoFactory::default()
            .request_info("GET", "/apis/apps/v1/watch", "x=1")
            .unwrap_err();
        let RequestInfoError::UndeterminedKind { url, partial } = &err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(url, "/apis/apps/v1/watch?x=1");
        assert!(partial.is_resource_request);
        assert_eq!(partial.api_group, "apps");
        assert_eq!(
            err.to_string(),
            "unable to determine kind and namespace from url, /apis/apps/v1/watch?x=1"
        );
    }

    #[test]
    fn bad_escapes_are_named_as_go_names_them() {
        let factory = RequestInfoFactory::default();
        for (path, message) in [
            ("/api/v1/pods/%zz", r#"invalid URL escape "%zz""#),
            ("/api/v1/pods/%4", r#"invalid URL escape "%4""#),
            ("/api/v1/pods/a%", r#"invalid URL escape "%""#),
            ("/healthz%", r#"invalid URL escape "%""#),
        ] {
            let err = factory.request_info("GET", path, "").unwrap_err();
            assert_eq!(err.to_string(), message, "{path}");
        }
    }

    #[test]
    fn past_ten_thousand_parameters_the_query_is_ignored() {
        // Checked against upstream: Go's url.ParseQuery gives nothing at all beyond the limit.
        let factory = RequestInfoFactory::default();
        let at_limit = format!("watch=1{}", "&".repeat(9_999));
        let past_limit = format!("watch=1{}", "&".repeat(10_000));
        let verb = |query: &str| {
            factory
                .request_info("GET", "/api/v1/pods", query)
                .unwrap()
                .verb
        };
        assert_eq!(verb(&at_limit), "watch");
        assert_eq!(verb(&past_limit), "list");
    }

    #[test]
    fn other_prefixes_are_configurable() {
        let factory = RequestInfoFactory {
            api_prefixes: ["api", "apis", "custom"]
                .into_iter()
                .map(String::from)
                .collect(),
            groupless_api_prefixes: ["api", "custom"].into_iter().map(String::from).collect(),
        };
        let info = factory
            .request_info("GET", "/custom/v1/things/a", "")
            .unwrap();
        assert_eq!(
            (
                info.api_prefix.as_str(),
                info.api_group.as_str(),
                info.resource.as_str()
            ),
            ("custom", "", "things")
        );
        let default = RequestInfoFactory::default();
        assert!(
            !default
                .request_info("GET", "/custom/v1/things/a", "")
                .unwrap()
                .is_resource_request
        );
    }

    #[test]
    fn go_bool_parameters() {
        for (value, want) in [
            ("", true),
            ("1", true),
            ("true", true),
            ("no", true),
            ("00", true),
            ("0", false),
            ("false", false),
            ("FaLsE", false),
            ("fal\u{17f}e", false),
            ("FAL\u{17f}E", false),
            ("falsee", true),
            ("fals", true),
        ] {
            assert_eq!(go_param_bool(value), want, "{value:?}");
        }
    }
}
