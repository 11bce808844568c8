//! Custom resources: what a CustomResourceDefinition makes the API server serve (upstream's
//! apiextensions-apiserver inside kube-apiserver).
//!
//! [`served_resources`] turns an established definition into registry entries, one per served
//! version, named by the definition's accepted names; the generic handler then serves them like
//! built-ins, stored at `<etcd-prefix>/<group>/<plural>/` at the definition's storage version.
//! [`names`] decides which requested names a definition gets (upstream's naming and
//! establishing controllers) and [`controller`] keeps definitions' status, the registry and the
//! storage in step, and empties a deleted definition's resource before it goes (upstream's
//! finalizer controller).

pub(crate) mod controller;
pub(crate) mod names;

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use ironkube_storage::object::{KeyLayout, group_resource_prefix};
use serde_json::Value;

use crate::registry::{ResourceInfo, StorageInfo, SubresourceInfo, Verbs};

/// The group of CustomResourceDefinitions.
pub(crate) const GROUP: &str = "apiextensions.k8s.io";

/// The finalizer a deleted definition carries until its custom resources are gone.
pub(crate) const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

/// A custom resource's verbs, in upstream's discovery order (which differs from built-ins').
const VERBS: Verbs = &[
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];

/// The verbs discovery lists while the definition is being deleted.
pub(crate) const TERMINATING_VERBS: Verbs = &["delete", "deletecollection", "get", "list", "watch"];

/// What a definition says about one served version of its resource, beyond what every
/// registry entry holds.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomResource {
    /// The definition's name (`<plural>.<group>`).
    pub crd_name: String,
    /// The version's `additionalPrinterColumns` (the `Age` column when it has none, as
    /// upstream), for tables.
    pub printer_columns: Vec<PrinterColumn>,
    /// The `scale` subresource's paths, when it has one.
    pub scale: Option<ScalePaths>,
    /// Whether the definition is being deleted.
    pub terminating: bool,
}

// `Value` (inside nothing here that holds floats NaN could be) compares reflexively.
impl Eq for CustomResource {}

/// One `additionalPrinterColumns` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrinterColumn {
    /// The header.
    pub name: String,
    /// The OpenAPI type of the cells.
    pub type_: String,
    /// The OpenAPI format.
    pub format: String,
    /// The description.
    pub description: String,
    /// 0: shown by `kubectl get`; more: `-o wide` only.
    pub priority: i64,
    /// The simple JSONPath of the cell's value (`.spec.replicas`).
    pub json_path: String,
}

/// The `scale` subresource's paths (`.spec.replicas` and the like).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalePaths {
    /// Where the desired replicas are.
    pub spec_replicas: String,
    /// Where the observed replicas are.
    pub status_replicas: String,
    /// Where the label selector (as a string) is, if anywhere.
    pub label_selector: Option<String>,
}

/// A `&'static str` for `s`. Registry entries hold static strings (the built-ins' come from
/// the binary); a custom resource's names are leaked once each and shared afterwards, so the
/// memory kept is bounded by the distinct names ever defined, not by how often definitions
/// change.
pub(crate) fn intern(s: &str) -> &'static str {
    static INTERNED: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Mutex::default);
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&found) = interned.get(s) {
        return found;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    interned.insert(leaked);
    leaked
}

/// A `&'static` list of interned strings (see [`intern`]), shared between equal lists.
fn intern_list(items: &[String]) -> &'static [&'static str] {
    static INTERNED: LazyLock<Mutex<HashSet<&'static [&'static str]>>> =
        LazyLock::new(Mutex::default);
    if items.is_empty() {
        return &[];
    }
    let items: Vec<&'static str> = items.iter().map(|s| intern(s)).collect();
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&found) = interned.get(items.as_slice()) {
        return found;
    }
    let leaked: &'static [&'static str] = Box::leak(items.into_boxed_slice());
    interned.insert(leaked);
    leaked
}

/// Upstream's `version.CompareKubeAwareVersionStrings`, as a sort order: Kubernetes versions
/// (`v<major>[alpha|beta<minor>]`) first, GA before beta before alpha, then higher major, then
/// higher minor; then every other string by name.
pub(crate) fn compare_kube_versions(a: &str, b: &str) -> Ordering {
    match (kube_version(a), kube_version(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// `(stability, major, minor)` of a Kubernetes version, ordered so that greater is preferred
/// (stability: 2 GA, 1 beta, 0 alpha; every GA version comes before every beta).
fn kube_version(v: &str) -> Option<(u8, u64, u64)> {
    let rest = v.strip_prefix('v')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let major: u64 = rest[..digits].parse().ok()?;
    if major == 0 {
        return None;
    }
    let rest = &rest[digits..];
    if rest.is_empty() {
        return Some((2, major, 0));
    }
    let (stability, minor) = if let Some(minor) = rest.strip_prefix("beta") {
        (1, minor)
    } else if let Some(minor) = rest.strip_prefix("alpha") {
        (0, minor)
    } else {
        return None;
    };
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((stability, major, minor.parse().ok()?))
}

/// The condition `type_` of a definition (`status.conditions`), if it is there.
pub(crate) fn condition<'a>(crd: &'a Value, type_: &str) -> Option<&'a Value> {
    crd.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
}

/// Whether the condition `type_` of a definition is `True`.
pub(crate) fn condition_true(crd: &Value, type_: &str) -> bool {
    condition(crd, type_)
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some("True")
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn strings_at(value: &Value, pointer: &str) -> Vec<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The registry entries of an `apiextensions.k8s.io/v1` definition: one per served version,
/// once the definition is established (none before), named by its accepted names, stored at
/// `<etcd_prefix>/<group>/<plural>/` in the storage version.
pub(crate) fn served_resources(crd: &Value, etcd_prefix: &str) -> Vec<ResourceInfo> {
    if !condition_true(crd, "Established") {
        return Vec::new();
    }
    let group = str_at(crd, "/spec/group");
    let plural = str_at(crd, "/status/acceptedNames/plural");
    let kind = str_at(crd, "/status/acceptedNames/kind");
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return Vec::new();
    }
    let list_kind = match str_at(crd, "/status/acceptedNames/listKind") {
        "" => format!("{kind}List"),
        list_kind => list_kind.to_owned(),
    };
    let singular = match str_at(crd, "/status/acceptedNames/singular") {
        "" => kind.to_ascii_lowercase(),
        singular => singular.to_owned(),
    };
    let namespaced = str_at(crd, "/spec/scope") != "Cluster";
    let terminating = crd
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
        || condition_true(crd, "Terminating");
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(storage_version) = versions
        .iter()
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .map(|v| str_at(v, "/name"))
    else {
        return Vec::new();
    };
    let group = intern(group);
    let resource = intern(plural);
    let kind = intern(kind);
    let storage = StorageInfo {
        group,
        version: intern(storage_version),
        keys: KeyLayout::new(
            etcd_prefix,
            &group_resource_prefix(group, resource),
            namespaced,
        ),
    };
    let short_names = intern_list(&strings_at(crd, "/status/acceptedNames/shortNames"));
    let categories = intern_list(&strings_at(crd, "/status/acceptedNames/categories"));
    versions
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool) == Some(true))
        .map(|v| {
            let version = intern(str_at(v, "/name"));
            let mut subresources = Vec::new();
            if v.pointer("/subresources/status")
                .is_some_and(Value::is_object)
            {
                subresources.push(SubresourceInfo::status(group, version, kind));
            }
            let scale = v
                .pointer("/subresources/scale")
                .filter(|s| s.is_object())
                .map(|s| ScalePaths {
                    spec_replicas: str_at(s, "/specReplicasPath").to_owned(),
                    status_replicas: str_at(s, "/statusReplicasPath").to_owned(),
                    label_selector: s
                        .get("labelSelectorPath")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                });
            if scale.is_some() {
                subresources.push(SubresourceInfo::scale());
            }
            ResourceInfo {
                group,
                version,
                resource,
                singular: singular.clone(),
                kind,
                list_kind: Some(intern(&list_kind)),
                namespaced,
                // Every verb stays routed while terminating (finalizers must still come
                // off); discovery lists fewer and creates are refused.
                verbs: VERBS,
                short_names,
                categories,
                subresources,
                // Set by the registry once it knows every version of the group.
                preferred: false,
                storage: Some(storage.clone()),
                custom: Some(Arc::new(CustomResource {
                    crd_name: str_at(crd, "/metadata/name").to_owned(),
                    printer_columns: printer_columns(v),
                    scale,
                    terminating,
                })),
            }
        })
        .collect()
}

/// A version's printer columns; upstream shows `Age` when a version defines none.
fn printer_columns(version: &Value) -> Vec<PrinterColumn> {
    let columns: Vec<PrinterColumn> = version
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
        .map(|columns| {
            columns
                .iter()
                .map(|c| PrinterColumn {
                    name: str_at(c, "/name").to_owned(),
                    type_: str_at(c, "/type").to_owned(),
                    format: str_at(c, "/format").to_owned(),
                    description: match str_at(c, "/description") {
                        "" => format!(
                            "Custom resource definition column (in JSONPath format): {}",
                            str_at(c, "/jsonPath")
                        ),
                        description => description.to_owned(),
                    },
                    priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                    json_path: str_at(c, "/jsonPath").to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    if !columns.is_empty() {
        return columns;
    }
    vec![PrinterColumn {
        name: "Age".into(),
        type_: "date".into(),
        format: String::new(),
        description: "CreationTimestamp is a timestamp representing the server time when this \
                      object was created. It is not guaranteed to be set in happens-before order \
                      across separate operations. Clients may not set this value. It is \
                      represented in RFC3339 form and is in UTC.\n\nPopulated by the system. \
                      Read-only. Null for lists. More info: \
                      https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
            .into(),
        priority: 0,
        json_path: ".metadata.creationTimestamp".into(),
    }]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn kube_aware_version_order() {
        let mut versions = vec![
            "v1alpha1",
            "foo",
            "v2",
            "v1beta2",
            "v1",
            "v11alpha2",
            "v1beta1",
            "bar",
            "v12",
        ];
        versions.sort_by(|a, b| compare_kube_versions(a, b));
        assert_eq!(
            versions,
            [
                "v12",
                "v2",
                "v1",
                "v1beta2",
                "v1beta1",
                "v11alpha2",
                "v1alpha1",
                "bar",
                "foo"
            ]
        );
    }

    #[test]
    fn interned_strings_are_shared() {
        let a = intern(&String::from("widgets.example.com"));
        let b = intern("widgets.example.com");
        assert!(std::ptr::eq(a, b));
        let l1 = intern_list(&["w".to_string(), "wd".to_string()]);
        let l2 = intern_list(&["w".to_string(), "wd".to_string()]);
        assert!(std::ptr::eq(l1, l2));
    }

    fn widget_crd(established: bool) -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [
                    {"name": "v1", "served": true, "storage": true,
                     "subresources": {"status": {}, "scale": {
                        "specReplicasPath": ".spec.replicas",
                        "statusReplicasPath": ".status.replicas"}}},
                    {"name": "v1beta1", "served": true, "storage": false},
                    {"name": "v1alpha1", "served": false, "storage": false},
                ],
            },
            "status": {
                "acceptedNames": {"plural": "widgets", "kind": "Widget", "singular": "widget",
                                  "listKind": "WidgetList", "shortNames": ["wd"]},
                "conditions": [{"type": "Established",
                                "status": if established { "True" } else { "False" }}],
            },
        })
    }

    #[test]
    fn established_definitions_serve_their_served_versions() {
        assert!(served_resources(&widget_crd(false), "/registry").is_empty());
        let served = served_resources(&widget_crd(true), "/registry");
        let versions: Vec<_> = served.iter().map(|r| r.version).collect();
        assert_eq!(versions, ["v1", "v1beta1"]);
        let v1 = &served[0];
        assert_eq!(
            (v1.group, v1.resource, v1.kind),
            ("example.com", "widgets", "Widget")
        );
        assert_eq!(v1.list_kind, Some("WidgetList"));
        assert_eq!(v1.short_names, ["wd"]);
        assert!(v1.namespaced);
        let names: Vec<_> = v1.subresources.iter().map(|s| s.name).collect();
        assert_eq!(names, ["status", "scale"]);
        assert!(served[1].subresources.is_empty());
        let storage = v1.storage.as_ref().unwrap();
        assert_eq!(storage.version, "v1");
        assert_eq!(storage.keys.root(), "/registry/example.com/widgets/");
        assert_eq!(served[1].storage, v1.storage);
        let custom = v1.custom.as_ref().unwrap();
        assert_eq!(custom.printer_columns[0].name, "Age");
        assert_eq!(v1.verbs[0], "delete");
    }
}
