//! `/openapi/v2`: upstream's published Swagger document, limited to what ironkube serves.
//!
//! Upstream builds its v2 document from the routes it serves and the definitions they reach,
//! so the published one (built with every API enabled) is cut the same way: paths of served
//! group versions, their groups, `/api/`, `/apis/` and `/version/`, and the definitions reached
//! through `$ref` from those paths. Keys stay sorted as upstream marshals them; the output is
//! compact JSON, as the live server sends it.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

use crate::registry::Registry;

/// Cut documents, by the set of served `/openapi/v3` paths they were cut for.
type Cache = Mutex<HashMap<BTreeSet<String>, Arc<[u8]>>>;

/// The v2 document for `registry`, computed once per set of served group versions.
pub(super) fn document(registry: &Registry) -> Option<Arc<[u8]>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let served = super::served_paths(registry);
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(doc) = cache.lock().ok()?.get(&served) {
        return Some(doc.clone());
    }
    let published: Value = serde_json::from_slice(super::bundle::get("v2")?).ok()?;
    let bytes: Arc<[u8]> = serde_json::to_vec(&cut(published, &served)).ok()?.into();
    cache.lock().ok()?.insert(served, bytes.clone());
    Some(bytes)
}

/// Whether the v2 path `path` (`/apis/apps/v1/deployments`, `/apis/apps/`) belongs to one of
/// the served v3 paths (`apis/apps/v1`, `apis/apps`, `api`, `version`).
fn path_served(path: &str, served: &BTreeSet<String>) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let mut parts = rest.split('/');
    let first = parts.next().unwrap_or_default();
    let key = match first {
        "api" => match parts.next() {
            Some("") | None => "api".to_owned(),
            Some(version) => format!("api/{version}"),
        },
        "apis" => match (parts.next(), parts.next()) {
            (Some("") | None, _) => "apis".to_owned(),
            (Some(group), Some("") | None) => format!("apis/{group}"),
            (Some(group), Some(version)) => format!("apis/{group}/{version}"),
        },
        other => other.to_owned(),
    };
    served.contains(&key)
}

/// Collects every `#/definitions/<name>` referenced under `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(name) = child
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/definitions/"))
                    {
                        out.push(name.to_owned());
                    }
                } else {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// The published document limited to the served paths and the definitions they reach.
fn cut(mut doc: Value, served: &BTreeSet<String>) -> Value {
    let Some(top) = doc.as_object_mut() else {
        return doc;
    };
    let paths = match top.remove("paths") {
        Some(Value::Object(paths)) => paths,
        _ => Map::new(),
    };
    let paths: Map<String, Value> = paths
        .into_iter()
        .filter(|(path, _)| path_served(path, served))
        .collect();
    let definitions = match top.remove("definitions") {
        Some(Value::Object(definitions)) => definitions,
        _ => Map::new(),
    };
    let mut pending = Vec::new();
    collect_refs(&Value::Object(paths.clone()), &mut pending);
    if let Some(parameters) = top.get("parameters") {
        collect_refs(parameters, &mut pending);
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone())
            && let Some(definition) = definitions.get(&name)
        {
            collect_refs(definition, &mut pending);
        }
    }
    let definitions: Map<String, Value> = definitions
        .into_iter()
        .filter(|(name, _)| reached.contains(name))
        .collect();
    top.insert("definitions".to_owned(), Value::Object(definitions));
    top.insert("paths".to_owned(), Value::Object(paths));
    doc
}

/// [`collect_refs`], for the tests.
#[cfg(test)]
pub(super) fn collect_refs_for_test(value: &Value, out: &mut Vec<String>) {
    collect_refs(value, out);
}
