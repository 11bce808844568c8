//! The OpenAPI documents: `/openapi/v2` and `/openapi/v3` (its root index and one document per
//! path), served as upstream publishes them for kube-apiserver v1.37.2 (embedded by
//! [`bundle`]), limited to what ironkube serves: the group versions of the
//! [`Registry`], their groups, and the `/api`, `/apis` and `/version` documents.
//!
//! kubectl reads these for `kubectl explain` and client-side validation, and checks the PATCH
//! operation's `fieldValidation` parameter to decide that the server validates fields itself.

mod bundle;
pub(crate) mod http;
mod v2;

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};

use crate::registry::Registry;

/// The `/openapi/v3` path of a group version (`api/v1`, `apis/apps/v1`).
pub(crate) fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The hash clients cache a document under (upstream: upper-case hex SHA-512 of the bytes).
pub(crate) fn hash(document: &[u8]) -> String {
    Sha512::digest(document)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Every served group version, as (group, version).
fn group_versions(registry: &Registry) -> BTreeSet<(&'static str, &'static str)> {
    registry
        .resources()
        .iter()
        .map(|info| (info.group, info.version))
        .collect()
}

/// The `/openapi/v3` paths ironkube serves a document for, sorted: each served group version,
/// its group (`apis/<group>`), `api`, `apis` and `version`, where upstream publishes one.
pub(crate) fn served_paths(registry: &Registry) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for (group, version) in group_versions(registry) {
        paths.insert(group_version_path(group, version));
        paths.insert(if group.is_empty() {
            "api".to_owned()
        } else {
            format!("apis/{group}")
        });
    }
    paths.insert("apis".to_owned());
    paths.insert("version".to_owned());
    let published: BTreeSet<&str> = bundle::names().collect();
    paths.retain(|path| published.contains(path.as_str()));
    paths
}

/// The bytes of the document at `/openapi/v3/<path>`, as upstream publishes them (`None` when
/// ironkube does not serve it).
pub(crate) fn document_bytes(registry: &Registry, path: &str) -> Option<&'static [u8]> {
    if !served_paths(registry).contains(path) {
        return None;
    }
    bundle::get(path)
}

/// The hash of the document at `/openapi/v3/<path>` (`None` when it is not served).
pub(crate) fn document_hash(registry: &Registry, path: &str) -> Option<&'static str> {
    if !served_paths(registry).contains(path) {
        return None;
    }
    bundle::hash_of(path)
}

/// The document upstream publishes at `/openapi/v3/<path>`, parsed, whether or not ironkube
/// serves it (field validation reads the schemas from it).
pub(crate) fn published_document(path: &str) -> Option<Value> {
    serde_json::from_slice(bundle::get(path)?).ok()
}

/// The document of one group version, parsed (`None` when it is not served).
#[allow(
    dead_code,
    reason = "kept for callers that read a served document's schemas"
)]
pub(crate) fn document(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let bytes = document_bytes(registry, &group_version_path(group, version))?;
    serde_json::from_slice(bytes).ok()
}

/// The root index: each served document's path with its hash, as
/// `{"paths":{"<path>":{"serverRelativeURL":"/openapi/v3/<path>?hash=<hash>"}}}`.
pub(crate) fn root(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for path in served_paths(registry) {
        let Some(hash) = bundle::hash_of(&path) else {
            continue;
        };
        paths.insert(
            path.clone(),
            json!({ "serverRelativeURL": server_relative_url(&path, hash) }),
        );
    }
    json!({ "paths": paths })
}

/// Where a document is fetched from, with its hash (upstream's `constructServerRelativeURL`;
/// the hash is hex, so it needs no query escaping).
pub(crate) fn server_relative_url(path: &str, hash: &str) -> String {
    format!("/openapi/v3/{path}?hash={hash}")
}

/// The `/openapi/v2` document: upstream's, limited to the served paths and the definitions
/// they reach.
pub(crate) fn v2_document(registry: &Registry) -> Option<std::sync::Arc<[u8]>> {
    v2::document(registry)
}

#[cfg(test)]
mod tests;
