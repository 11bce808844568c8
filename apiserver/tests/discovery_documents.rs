//! Compares the discovery documents of `ironkube_apiserver::discovery` with the ones upstream
//! serves, as `k8s.io/kubernetes@v1.37.2` keeps them under `api/discovery/`: `api.json`,
//! `apis.json`, `apis__<group>.json`, `api__v1.json`, `apis__<group>__<version>.json` and
//! `aggregated_v2.json` (`/apis` as `apidiscovery.k8s.io/v2`). Upstream keeps no aggregated
//! `/api` document; the test builds it from `api__v1.json` the way upstream's
//! `ConvertGroupVersionIntoToDiscovery` does and compares ours with that.
//!
//! The module is found through `IRONKUBE_K8S_MODULE`, else in `$(go env GOMODCACHE)`, else it is
//! downloaded with `go mod download` (`tests/common`, shared with `upstream_discovery.rs`). Without it the test
//! fails: it never skips.
//!
//! Upstream's documents come from a server with every API enabled and every subresource
//! installed. The test removes from upstream's side, explicitly, the group versions a default
//! kube-apiserver does not serve and the subresources the registry leaves for later issues;
//! everything else must be equal as JSON (objects as maps, arrays in upstream's order).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{LEFT_OUT_SUBRESOURCES, NOT_SERVED_BY_DEFAULT, module_dir, read_json};
use ironkube_apiserver::discovery;
use ironkube_apiserver::registry::Registry;
use serde_json::{Map, Value, json};

/// The server address upstream's `api.json` was recorded with.
const UPSTREAM_SERVER_ADDRESS: &str = "10.10.10.10:8050";

/// Upstream's document `name` (such as `apis__apps__v1.json`).
fn upstream(name: &str) -> Value {
    read_json(&module_dir().join("api/discovery").join(name))
}

/// The file upstream keeps a group's (`/apis/<group>`) or a group version's document in.
fn file_name(group: &str, version: Option<&str>) -> String {
    match (group, version) {
        ("", Some(v)) => format!("api__{v}.json"),
        (g, None) => format!("apis__{g}.json"),
        (g, Some(v)) => format!("apis__{g}__{v}.json"),
    }
}

fn served_by_default(group: &str, version: &str) -> bool {
    !NOT_SERVED_BY_DEFAULT.contains(&(group, version))
}

fn left_out(subresource: &str) -> bool {
    LEFT_OUT_SUBRESOURCES.contains(&subresource)
}

/// Every place where `ours` and `theirs` differ, as JSON paths.
fn diff(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => diff(&format!("{path}.{k}"), x, y, out),
                    (Some(x), None) => out.push(format!("{path}.{k}: ours {x}, upstream has none")),
                    (None, Some(y)) => out.push(format!("{path}.{k}: upstream {y}, ours has none")),
                    (None, None) => unreachable!(),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if ours == theirs => {}
        _ => out.push(format!(
            "{path}:\n    ours     {ours}\n    upstream {theirs}"
        )),
    }
}

/// Fails with every difference between `ours` and `theirs`, the document named `what`.
fn assert_same(what: &str, ours: &Value, theirs: &Value) {
    let mut problems = Vec::new();
    diff("", ours, theirs, &mut problems);
    assert!(
        problems.is_empty(),
        "{what}: {} differences from upstream:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(ours, theirs, "{what}");
}

/// Upstream's `APIGroup` body without the versions a default server does not serve; `None` when
/// nothing is left.
fn served_group(mut group: Value) -> Option<Value> {
    let name = group["name"].as_str().unwrap().to_string();
    let versions = group["versions"].as_array_mut().unwrap();
    versions.retain(|v| served_by_default(&name, v["version"].as_str().unwrap()));
    if versions.is_empty() {
        return None;
    }
    let preferred = group["preferredVersion"]["version"].as_str().unwrap();
    assert!(
        served_by_default(&name, preferred),
        "{name}: upstream prefers {preferred}, which a default server does not serve"
    );
    Some(group)
}

/// Upstream's `APIResourceList` without the left-out subresources.
fn served_resource_list(mut list: Value, seen: &mut BTreeSet<String>) -> Value {
    list["resources"].as_array_mut().unwrap().retain(|r| {
        let name = r["name"].as_str().unwrap();
        match name.split_once('/') {
            Some((_, sub)) if left_out(sub) => {
                seen.insert(sub.to_string());
                false
            }
            _ => true,
        }
    });
    list
}

/// Upstream's aggregated `APIResourceDiscovery` entries without the left-out subresources.
fn served_aggregated_resources(resources: &mut [Value], seen: &mut BTreeSet<String>) {
    for r in resources {
        let object = r.as_object_mut().unwrap();
        let Some(subs) = object.get_mut("subresources") else {
            continue;
        };
        subs.as_array_mut().unwrap().retain(|s| {
            let sub = s["subresource"].as_str().unwrap();
            if left_out(sub) {
                seen.insert(sub.to_string());
            }
            !left_out(sub)
        });
        // `subresources` is `omitempty` upstream.
        if subs.as_array().unwrap().is_empty() {
            object.remove("subresources");
        }
    }
}

/// Upstream's `ConvertGroupVersionIntoToDiscovery`, applied to an `APIResourceList`.
fn to_aggregated(list: &Value) -> Vec<Value> {
    let gvk = |r: &Value| {
        let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
        json!({"group": field("group"), "version": field("version"), "kind": field("kind")})
    };
    let scope = |r: &Value| {
        if r["namespaced"].as_bool().unwrap() {
            "Namespaced"
        } else {
            "Cluster"
        }
    };
    let entries = list["resources"].as_array().unwrap();
    let mut resources: Vec<Value> = Vec::new();
    for r in entries {
        if r["name"].as_str().unwrap().contains('/') {
            continue;
        }
        let mut d = Map::new();
        d.insert("resource".into(), r["name"].clone());
        d.insert("scope".into(), scope(r).into());
        d.insert("responseKind".into(), gvk(r));
        d.insert("verbs".into(), r["verbs"].clone());
        for (from, to) in [("shortNames", "shortNames"), ("categories", "categories")] {
            if let Some(v) = r.get(from).filter(|v| !v.as_array().unwrap().is_empty()) {
                d.insert(to.into(), v.clone());
            }
        }
        d.insert("singularResource".into(), r["singularName"].clone());
        resources.push(Value::Object(d));
    }
    for r in entries {
        let Some((parent, sub)) = r["name"].as_str().unwrap().split_once('/') else {
            continue;
        };
        let parent = resources
            .iter_mut()
            .find(|p| p["resource"] == parent)
            .expect("a subresource without its parent");
        assert_eq!(parent["scope"], scope(r), "{}: scope", r["name"]);
        let subresource = json!({
            "subresource": sub,
            "verbs": r["verbs"].clone(),
            "responseKind": gvk(r),
        });
        let object = parent.as_object_mut().unwrap();
        object
            .entry("subresources")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .unwrap()
            .push(subresource);
    }
    resources
}

#[test]
fn api_versions() {
    assert_same(
        "/api",
        &discovery::api_versions(UPSTREAM_SERVER_ADDRESS),
        &upstream("api.json"),
    );
}

#[test]
fn api_group_list() {
    let mut theirs = upstream("apis.json");
    let groups: Vec<Value> = theirs["groups"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .filter_map(served_group)
        .collect();
    theirs["groups"] = groups.into();
    assert_same(
        "/apis",
        &discovery::api_group_list(&Registry::builtin()),
        &theirs,
    );
}

#[test]
fn api_groups() {
    let registry = Registry::builtin();
    let listed = upstream("apis.json");
    let mut compared = 0;
    for g in listed["groups"].as_array().unwrap() {
        let name = g["name"].as_str().unwrap();
        let theirs = served_group(upstream(&file_name(name, None)));
        let ours = discovery::api_group(&registry, name);
        match (ours, theirs) {
            (Some(ours), Some(theirs)) => {
                assert_same(&format!("/apis/{name}"), &ours, &theirs);
                compared += 1;
            }
            (None, None) => {}
            (ours, theirs) => panic!("/apis/{name}: ours {ours:?}, upstream {theirs:?}"),
        }
    }
    // Every group we serve under /apis was compared.
    let ours = registry.groups().iter().filter(|g| !g.name.is_empty());
    assert_eq!(compared, ours.count());
    assert_eq!(discovery::api_group(&registry, ""), None);
}

#[test]
fn api_resource_lists() {
    let registry = Registry::builtin();
    let mut seen = BTreeSet::new();
    let mut compared = BTreeSet::new();
    // Every group version upstream's documents have, served by default or not.
    let mut upstream_versions = vec![(String::new(), "v1".to_string())];
    for g in upstream("apis.json")["groups"].as_array().unwrap() {
        for v in g["versions"].as_array().unwrap() {
            upstream_versions.push((
                g["name"].as_str().unwrap().to_string(),
                v["version"].as_str().unwrap().to_string(),
            ));
        }
    }
    for (group, version) in &upstream_versions {
        let path = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let ours = discovery::api_resource_list(&registry, group, version);
        if !served_by_default(group, version) {
            assert_eq!(ours, None, "{path} is not served by default");
            continue;
        }
        let theirs = served_resource_list(upstream(&file_name(group, Some(version))), &mut seen);
        let ours = ours.expect("served");
        assert_same(&path, &ours, &theirs);
        compared.insert((group.clone(), version.clone()));
    }
    // Every group version we serve was compared.
    let ours: BTreeSet<(String, String)> = registry
        .groups()
        .iter()
        .flat_map(|g| {
            g.versions
                .iter()
                .map(|v| (g.name.to_string(), v.to_string()))
        })
        .collect();
    assert_eq!(ours, compared);
    // Every subresource left out exists upstream (the list names nothing stale).
    let named: BTreeSet<String> = LEFT_OUT_SUBRESOURCES
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(seen, named);
}

#[test]
fn aggregated_apis() {
    let mut theirs = upstream("aggregated_v2.json");
    let mut seen = BTreeSet::new();
    let mut not_served = BTreeSet::new();
    let items = theirs["items"].as_array_mut().unwrap();
    for g in items.iter_mut() {
        let name = g["metadata"]["name"].as_str().unwrap().to_string();
        let versions = g["versions"].as_array_mut().unwrap();
        versions.retain(|v| {
            let version = v["version"].as_str().unwrap();
            if !served_by_default(&name, version) {
                not_served.insert((name.clone(), version.to_string()));
            }
            served_by_default(&name, version)
        });
        for v in versions {
            served_aggregated_resources(v["resources"].as_array_mut().unwrap(), &mut seen);
        }
    }
    items.retain(|g| !g["versions"].as_array().unwrap().is_empty());
    assert_same(
        "aggregated /apis",
        &discovery::aggregated_apis(&Registry::builtin()),
        &theirs,
    );
    let named: BTreeSet<(String, String)> = NOT_SERVED_BY_DEFAULT
        .iter()
        .map(|(g, v)| (g.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        not_served, named,
        "NOT_SERVED_BY_DEFAULT names something stale"
    );
}

#[test]
fn aggregated_api() {
    let mut seen = BTreeSet::new();
    let legacy = served_resource_list(upstream("api__v1.json"), &mut seen);
    let theirs = json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": [{
            "metadata": {},
            "versions": [{
                "version": "v1",
                "resources": to_aggregated(&legacy),
                "freshness": "Current",
            }],
        }],
    });
    assert_same(
        "aggregated /api",
        &discovery::aggregated_legacy(&Registry::builtin()),
        &theirs,
    );
}

#[test]
fn aggregated_conversion_matches_upstream_documents() {
    // The test's port of ConvertGroupVersionIntoToDiscovery, checked on the documents upstream
    // has in both forms: every group version of `aggregated_v2.json`.
    let aggregated = upstream("aggregated_v2.json");
    for g in aggregated["items"].as_array().unwrap() {
        let name = g["metadata"]["name"].as_str().unwrap();
        for v in g["versions"].as_array().unwrap() {
            let version = v["version"].as_str().unwrap();
            let list = upstream(&file_name(name, Some(version)));
            assert_same(
                &format!("conversion of {name}/{version}"),
                &Value::Array(to_aggregated(&list)),
                &v["resources"],
            );
        }
    }
}
