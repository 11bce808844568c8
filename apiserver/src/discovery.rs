//! Discovery documents, built from the [`Registry`]: what kube-apiserver v1.37 answers on
//! `/api`, `/apis`, `/apis/<group>`, `/api/v1` and `/apis/<group>/<version>`, in both the
//! legacy (`meta/v1` `APIVersions`, `APIGroupList`, `APIGroup`, `APIResourceList`) and the
//! aggregated (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`) forms.
//!
//! These are pure functions from the registry to JSON values; content negotiation, ETags and
//! the HTTP routes belong to the handler. Field presence follows upstream's Go types: `omitempty`
//! fields (short names, categories, a subresource's group and version, the storage version
//! hash, aggregated subresources) are left out when empty, the others are always written.
//! `tests/discovery_documents.rs` compares every document with the ones upstream keeps under
//! `k8s.io/kubernetes/api/discovery/`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use crate::registry::{Registry, ResourceInfo};

/// The `kind` of aggregated discovery documents.
pub const AGGREGATED_KIND: &str = "APIGroupDiscoveryList";

/// The `apiVersion` of aggregated discovery documents.
pub const AGGREGATED_API_VERSION: &str = "apidiscovery.k8s.io/v2";

/// The storage version hash of objects stored as `group/version` `kind`, as upstream's
/// `discovery.StorageVersionHash`: the standard base64 of the first 8 bytes of the SHA-256 of
/// `"<group>/<version>/<kind>"` (the group empty for the core group).
pub fn storage_version_hash(group: &str, version: &str, kind: &str) -> String {
    let digest = Sha256::digest(format!("{group}/{version}/{kind}").as_bytes());
    STANDARD.encode(&digest[..8])
}

/// `GET /api`: the `APIVersions` document, which lists the core group's only version and tells
/// clients to reach the server at `server_address` (`host:port`) from anywhere
/// (`0.0.0.0/0`), as upstream's `DefaultAddresses` with no CIDR rules. Like upstream, it has no
/// `apiVersion`.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    })
}

/// `GET /apis`: the `APIGroupList` of every group served under `/apis`, in upstream's order
/// (the aggregator's group priorities), each as [`api_group`] describes it without `kind` and
/// `apiVersion`.
pub fn api_group_list(registry: &Registry) -> Value {
    let groups: Vec<Value> = registry
        .groups()
        .iter()
        .filter(|g| !g.name.is_empty())
        .map(|g| group_body(g.name, &g.versions))
        .collect();
    json!({
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": groups,
    })
}

/// `GET /apis/<group>`: the `APIGroup` document of `group` (its versions, preferred first, and
/// the preferred version); `None` for a group that is not served under `/apis`, including the
/// core group (`""`).
pub fn api_group(registry: &Registry, group: &str) -> Option<Value> {
    if group.is_empty() {
        return None;
    }
    let info = registry.group(group)?;
    let mut body = group_body(info.name, &info.versions);
    let object = body.as_object_mut()?;
    object.insert("kind".into(), "APIGroup".into());
    object.insert("apiVersion".into(), "v1".into());
    Some(body)
}

/// `GET /api/v1` (`group` empty, `version` `v1`) and `GET /apis/<group>/<version>`: the
/// `APIResourceList` of one group version, every resource followed by its subresources
/// (`pods/status`, `deployments/scale`), sorted by name as upstream's installer sorts them.
/// `None` for a group version that is not served. The core group's list, like upstream's, has
/// no `apiVersion`.
pub fn api_resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let info = registry.group(group)?;
    if !info.versions.contains(&version) {
        return None;
    }
    let mut resources: Vec<(String, Value)> = Vec::new();
    for r in registry.resources_of(group, version) {
        resources.push((r.resource.to_string(), api_resource(r)));
        for s in r.subresources.iter().filter(|s| s.discoverable) {
            let name = format!("{}/{}", r.resource, s.name);
            // Upstream lists a custom resource's subresources after it as its definition
            // orders them (status, then scale), not by name.
            let sort_key = if r.custom.is_some() {
                r.resource.to_string()
            } else {
                name.clone()
            };
            let mut entry = Map::new();
            entry.insert("name".into(), name.clone().into());
            entry.insert("singularName".into(), "".into());
            entry.insert("namespaced".into(), r.namespaced.into());
            // `group` and `version` are written only where they differ from the list's own
            // group version (upstream's `GroupVersionKindProvider`, as `scale` has).
            if (s.group, s.version) != (group, version) {
                entry.insert("group".into(), s.group.into());
                entry.insert("version".into(), s.version.into());
            }
            entry.insert("kind".into(), s.kind.into());
            entry.insert("verbs".into(), strings(s.verbs));
            resources.push((sort_key, Value::Object(entry)));
        }
    }
    // Upstream sorts the storage paths (`pods`, `pods/status`, `podtemplates`) as strings.
    resources.sort_by(|a, b| a.0.cmp(&b.0));
    let resources: Vec<Value> = resources.into_iter().map(|(_, v)| v).collect();
    let mut list = Map::new();
    list.insert("kind".into(), "APIResourceList".into());
    if !group.is_empty() {
        list.insert("apiVersion".into(), "v1".into());
    }
    list.insert("groupVersion".into(), group_version(group, version).into());
    list.insert("resources".into(), resources.into());
    Some(Value::Object(list))
}

/// `GET /api` with `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`:
/// the aggregated document of the core group, one item with an empty `metadata` and the `v1`
/// version.
pub fn aggregated_legacy(registry: &Registry) -> Value {
    let items: Vec<Value> = registry
        .groups()
        .iter()
        .filter(|g| g.name.is_empty())
        .map(|g| aggregated_group(registry, g.name, &g.versions))
        .collect();
    aggregated_list(items)
}

/// `GET /apis` with `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`:
/// the aggregated document of every group served under `/apis`, groups and versions in the
/// same order as [`api_group_list`], each version with its resources, their subresources and
/// `freshness: Current`.
pub fn aggregated_apis(registry: &Registry) -> Value {
    let items: Vec<Value> = registry
        .groups()
        .iter()
        .filter(|g| !g.name.is_empty())
        .map(|g| aggregated_group(registry, g.name, &g.versions))
        .collect();
    aggregated_list(items)
}

/// `group/version`, or `version` alone for the core group.
fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// A JSON array of strings.
fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|&s| Value::from(s)).collect())
}

/// The body shared by `APIGroup` and the entries of `APIGroupList`.
fn group_body(name: &str, versions: &[&str]) -> Value {
    let entry = |v: &str| json!({"groupVersion": group_version(name, v), "version": v});
    json!({
        "name": name,
        "versions": versions.iter().map(|v| entry(v)).collect::<Vec<_>>(),
        "preferredVersion": entry(versions[0]),
    })
}

/// The verbs discovery lists for a resource: fewer for the resource of a definition being
/// deleted.
fn discovered_verbs(r: &ResourceInfo) -> crate::registry::Verbs {
    match &r.custom {
        Some(custom) if custom.terminating => crate::crd::TERMINATING_VERBS,
        _ => r.verbs,
    }
}

/// One resource's `APIResource` entry (not its subresources).
fn api_resource(r: &ResourceInfo) -> Value {
    let mut entry = Map::new();
    entry.insert("name".into(), r.resource.into());
    entry.insert("singularName".into(), r.singular.clone().into());
    entry.insert("namespaced".into(), r.namespaced.into());
    entry.insert("kind".into(), r.kind.into());
    entry.insert("verbs".into(), strings(discovered_verbs(r)));
    if !r.short_names.is_empty() {
        entry.insert("shortNames".into(), strings(r.short_names));
    }
    if !r.categories.is_empty() {
        entry.insert("categories".into(), strings(r.categories));
    }
    if let Some(storage) = &r.storage {
        entry.insert(
            "storageVersionHash".into(),
            storage_version_hash(storage.group, storage.version, r.kind).into(),
        );
    }
    Value::Object(entry)
}

/// An `APIGroupDiscoveryList` of `items`.
fn aggregated_list(items: Vec<Value>) -> Value {
    json!({
        "kind": AGGREGATED_KIND,
        "apiVersion": AGGREGATED_API_VERSION,
        "metadata": {},
        "items": items,
    })
}

/// A `metav1.GroupVersionKind`, all three fields always written.
fn gvk(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "version": version, "kind": kind})
}

/// One `APIGroupDiscovery`: the core group's `metadata` is empty, as upstream's `ObjectMeta`
/// with an empty name serializes.
fn aggregated_group(registry: &Registry, name: &str, versions: &[&str]) -> Value {
    let metadata = if name.is_empty() {
        json!({})
    } else {
        json!({"name": name})
    };
    let versions: Vec<Value> = versions
        .iter()
        .map(|&version| {
            let resources: Vec<Value> = registry
                .resources_of(name, version)
                .map(|r| aggregated_resource(r, name, version))
                .collect();
            json!({
                "version": version,
                "resources": resources,
                "freshness": "Current",
            })
        })
        .collect();
    json!({"metadata": metadata, "versions": versions})
}

/// One `APIResourceDiscovery`, as upstream's `ConvertGroupVersionIntoToDiscovery` makes it from
/// the `APIResourceList` entries: `responseKind` carries the entry's group and version, empty
/// where they are the list's own.
fn aggregated_resource(r: &ResourceInfo, group: &str, version: &str) -> Value {
    let mut entry = Map::new();
    // The apiextensions server names a custom resource's group and version in full.
    let (kind_group, kind_version) = if r.custom.is_some() {
        (group, version)
    } else {
        ("", "")
    };
    entry.insert("resource".into(), r.resource.into());
    entry.insert("responseKind".into(), gvk(kind_group, kind_version, r.kind));
    entry.insert(
        "scope".into(),
        if r.namespaced {
            "Namespaced"
        } else {
            "Cluster"
        }
        .into(),
    );
    entry.insert("singularResource".into(), r.singular.clone().into());
    entry.insert("verbs".into(), strings(discovered_verbs(r)));
    if !r.short_names.is_empty() {
        entry.insert("shortNames".into(), strings(r.short_names));
    }
    if !r.categories.is_empty() {
        entry.insert("categories".into(), strings(r.categories));
    }
    let mut subresources: Vec<&_> = r.subresources.iter().filter(|s| s.discoverable).collect();
    if r.custom.is_none() {
        subresources.sort_by_key(|s| s.name);
    }
    let subresources: Vec<Value> = subresources
        .into_iter()
        .map(|s| {
            let kind = if (s.group, s.version) == (group, version) && r.custom.is_none() {
                gvk("", "", s.kind)
            } else {
                gvk(s.group, s.version, s.kind)
            };
            json!({
                "subresource": s.name,
                "responseKind": kind,
                "verbs": strings(s.verbs),
            })
        })
        .collect();
    if !subresources.is_empty() {
        entry.insert("subresources".into(), subresources.into());
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn registry() -> Registry {
        Registry::builtin()
    }

    /// Finds the entry called `name` in an `APIResourceList`.
    fn entry<'a>(list: &'a Value, name: &str) -> &'a Value {
        list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn hashes_as_upstream() {
        assert_eq!(storage_version_hash("", "v1", "Pod"), "xPOwRZ+Yhw8=");
        assert_eq!(
            storage_version_hash("apps", "v1", "Deployment"),
            "8aSe+NMegvE="
        );
        assert_eq!(
            storage_version_hash("certificates.k8s.io", "v1beta1", "ClusterTrustBundle"),
            "v5yhuVertL4="
        );
    }

    #[test]
    fn api_versions_document() {
        assert_eq!(
            api_versions("10.0.0.1:6443"),
            json!({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}
                ],
            })
        );
    }

    #[test]
    fn core_resource_list() {
        let list = api_resource_list(&registry(), "", "v1").unwrap();
        assert_eq!(list["groupVersion"], "v1");
        assert_eq!(list["kind"], "APIResourceList");
        assert!(list.get("apiVersion").is_none());
        assert_eq!(
            entry(&list, "pods"),
            &json!({
                "name": "pods",
                "singularName": "pod",
                "namespaced": true,
                "kind": "Pod",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch",
                          "update", "watch"],
                "shortNames": ["po"],
                "categories": ["all"],
                "storageVersionHash": "xPOwRZ+Yhw8=",
            })
        );
        assert_eq!(
            entry(&list, "pods/status"),
            &json!({
                "name": "pods/status",
                "singularName": "",
                "namespaced": true,
                "kind": "Pod",
                "verbs": ["get", "patch", "update"],
            })
        );
        assert!(entry(&list, "bindings").get("storageVersionHash").is_none());
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.is_sorted(), "{names:?}");
        assert!(api_resource_list(&registry(), "", "v2").is_none());
        assert!(api_resource_list(&registry(), "apps", "v1beta1").is_none());
    }

    #[test]
    fn scale_subresource() {
        let list = api_resource_list(&registry(), "apps", "v1").unwrap();
        assert_eq!(list["apiVersion"], "v1");
        assert_eq!(list["groupVersion"], "apps/v1");
        assert_eq!(
            entry(&list, "deployments/scale"),
            &json!({
                "name": "deployments/scale",
                "singularName": "",
                "namespaced": true,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": ["get", "patch", "update"],
            })
        );
    }

    #[test]
    fn groups() {
        let reg = registry();
        let list = api_group_list(&reg);
        let groups = list["groups"].as_array().unwrap();
        assert_eq!(groups[0]["name"], "apiregistration.k8s.io");
        assert!(groups.iter().all(|g| g["name"] != ""));
        let autoscaling = api_group(&reg, "autoscaling").unwrap();
        assert_eq!(
            autoscaling,
            json!({
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": "autoscaling",
                "versions": [
                    {"groupVersion": "autoscaling/v2", "version": "v2"},
                    {"groupVersion": "autoscaling/v1", "version": "v1"},
                ],
                "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"},
            })
        );
        assert!(api_group(&reg, "").is_none());
        assert!(api_group(&reg, "example.com").is_none());
    }

    #[test]
    fn aggregated() {
        let reg = registry();
        let legacy = aggregated_legacy(&reg);
        assert_eq!(legacy["kind"], AGGREGATED_KIND);
        assert_eq!(legacy["apiVersion"], AGGREGATED_API_VERSION);
        let items = legacy["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["metadata"], json!({}));
        let v1 = &items[0]["versions"][0];
        assert_eq!(v1["version"], "v1");
        assert_eq!(v1["freshness"], "Current");
        let apis = aggregated_apis(&reg);
        let apps = apis["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metadata"]["name"] == "apps")
            .unwrap();
        let deployments = apps["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "deployments")
            .unwrap();
        assert_eq!(deployments["scope"], "Namespaced");
        assert_eq!(
            deployments["subresources"],
            json!([
                {
                    "subresource": "scale",
                    "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                    "verbs": ["get", "patch", "update"],
                },
                {
                    "subresource": "status",
                    "responseKind": {"group": "", "version": "", "kind": "Deployment"},
                    "verbs": ["get", "patch", "update"],
                },
            ])
        );
    }
}
