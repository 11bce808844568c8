//! OpenAPI v3 documents (`/openapi/v3` and one per group version), generated from the
//! registry: every path and operation upstream has for the served resources, with
//! `x-kubernetes-action`, `x-kubernetes-group-version-kind` and the query parameters clients
//! look for (kubectl checks the PATCH operation's `fieldValidation` parameter to decide that the
//! server validates fields itself).
//!
//! The schemas of the types (`components.schemas`) come with issue 4, derived from k8s-openapi.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};

use crate::registry::{Registry, ResourceInfo};
use crate::server::GIT_VERSION;

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
fn group_versions(registry: &Registry) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for info in registry.resources() {
        if !out.contains(&(info.group, info.version)) {
            out.push((info.group, info.version));
        }
    }
    out
}

/// The document of one group version (`None` when it is not served).
pub(crate) fn document(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let resources: Vec<&ResourceInfo> = registry
        .resources()
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if resources.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let prefix = format!("/{}", group_version_path(group, version));
    for info in resources {
        add_paths(&mut paths, &prefix, info);
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": { "title": "Kubernetes", "version": GIT_VERSION },
        "paths": paths,
        "components": { "schemas": {} },
    }))
}

/// The root index: each group version's document with its hash.
pub(crate) fn root(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, version) in group_versions(registry) {
        let Some(doc) = document(registry, group, version) else {
            continue;
        };
        let bytes = serde_json::to_vec(&doc).unwrap_or_default();
        let path = group_version_path(group, version);
        paths.insert(
            path.clone(),
            json!({ "serverRelativeURL": format!("/openapi/v3/{path}?hash={}", hash(&bytes)) }),
        );
    }
    json!({ "paths": paths })
}

fn query_param(name: &str, description: &str, kind: &str) -> Value {
    json!({
        "name": name,
        "in": "query",
        "description": description,
        "schema": { "type": kind, "uniqueItems": true },
    })
}

fn write_params(patch: bool) -> Vec<Value> {
    let mut params = vec![
        query_param(
            "dryRun",
            "When present, indicates that modifications should not be persisted.",
            "string",
        ),
        query_param(
            "fieldManager",
            "fieldManager is a name associated with the actor or entity that is making these changes.",
            "string",
        ),
        query_param(
            "fieldValidation",
            "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.",
            "string",
        ),
    ];
    if patch {
        params.push(query_param(
            "force",
            "Force is going to \"force\" Apply requests.",
            "boolean",
        ));
    }
    params
}

fn operation(info: &ResourceInfo, action: &str, id: &str, params: Vec<Value>) -> Value {
    json!({
        "operationId": id,
        "parameters": params,
        "responses": { "200": { "description": "OK" } },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": info.group,
            "version": info.version,
            "kind": info.kind,
        },
    })
}

fn add_paths(paths: &mut Map<String, Value>, prefix: &str, info: &ResourceInfo) {
    let collection = if info.namespaced {
        format!("{prefix}/namespaces/{{namespace}}/{}", info.resource)
    } else {
        format!("{prefix}/{}", info.resource)
    };
    let id = |verb: &str, suffix: &str| format!("{verb}{}{}{suffix}", info.group, info.kind);
    let mut ops = Map::new();
    if info.supports("list") {
        ops.insert(
            "get".into(),
            operation(info, "list", &id("list", ""), vec![]),
        );
    }
    if info.supports("create") {
        ops.insert(
            "post".into(),
            operation(info, "post", &id("create", ""), write_params(false)),
        );
    }
    if info.supports("deletecollection") {
        ops.insert(
            "delete".into(),
            operation(
                info,
                "deletecollection",
                &id("deleteCollection", ""),
                vec![],
            ),
        );
    }
    if !ops.is_empty() {
        paths.insert(collection.clone(), Value::Object(ops));
    }
    let item = format!("{collection}/{{name}}");
    let mut ops = Map::new();
    if info.supports("get") {
        ops.insert(
            "get".into(),
            operation(info, "get", &id("read", ""), vec![]),
        );
    }
    if info.supports("update") {
        ops.insert(
            "put".into(),
            operation(info, "put", &id("replace", ""), write_params(false)),
        );
    }
    if info.supports("patch") {
        ops.insert(
            "patch".into(),
            operation(info, "patch", &id("patch", ""), write_params(true)),
        );
    }
    if info.supports("delete") {
        ops.insert(
            "delete".into(),
            operation(info, "delete", &id("delete", ""), vec![]),
        );
    }
    if !ops.is_empty() {
        paths.insert(item.clone(), Value::Object(ops));
    }
    for sub in &info.subresources {
        let mut ops = Map::new();
        let suffix = if sub.name == "status" {
            "Status"
        } else {
            "Scale"
        };
        if sub.verbs.contains(&"get") {
            ops.insert(
                "get".into(),
                operation(info, "get", &id("read", suffix), vec![]),
            );
        }
        if sub.verbs.contains(&"update") {
            ops.insert(
                "put".into(),
                operation(info, "put", &id("replace", suffix), write_params(false)),
            );
        }
        if sub.verbs.contains(&"patch") {
            ops.insert(
                "patch".into(),
                operation(info, "patch", &id("patch", suffix), write_params(true)),
            );
        }
        paths.insert(format!("{item}/{}", sub.name), Value::Object(ops));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_operations_carry_field_validation_and_their_kind() {
        let registry = Registry::builtin();
        let doc = document(&registry, "", "v1").unwrap();
        let patch = &doc["paths"]["/api/v1/namespaces/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Namespace"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation" && p["in"] == "query")
        );
        let root = root(&registry);
        let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="));
        assert!(document(&registry, "nope", "v1").is_none());
    }
}
