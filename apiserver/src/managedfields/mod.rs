//! `metadata.managedFields` on create, update and patch: which manager owns which fields, as
//! upstream's field manager records `Update` operations (k8s.io/apiserver's handlers calling
//! `FieldManager.UpdateNoErrors`, k8s.io/apimachinery's `util/managedfields/internal` and
//! sigs.k8s.io/structured-merge-diff).
//!
//! - [`fieldset`]: sets of field paths and their `FieldsV1` JSON, in upstream's key order;
//! - [`schema`]: the kinds' structure (atomic, set and map lists with their keys, granular and
//!   atomic maps) from the published OpenAPI v3 documents;
//! - [`compare`]: what changed between two objects along that structure;
//! - [`managers`]: the entries, keyed and sorted as upstream does;
//! - [`update`]: the `Update` operation itself, and the scale subresource's translation;
//! - [`apply`]: server-side apply (`Apply` operations, conflicts, pruning).
//!
//! Upstream compares typed Go objects; here the objects are first put in the form Go marshals
//! them (the internal round trip of [`crate::conversion`], then through protobuf, which writes
//! every non-`omitempty` field), so a field with its zero value is present exactly where it is
//! in Go. [`apply`] is server-side apply on the same machinery.

mod apply;
mod compare;
mod fieldset;
mod managers;
mod schema;
mod update;

#[cfg(test)]
mod tests;

use serde_json::{Value, json};

pub(crate) use self::apply::ApplyError;
use self::fieldset::{Set, field_path};
use self::update::{Endpoint, Outcome};

/// The most bytes of a manager name (upstream's `FieldManagerMaxLength`).
const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// The manager of a request: the fieldManager query parameter, else the User-Agent's part
/// before the first '/' (upstream's `managerOrUserAgent` and `prefixFromUserAgent`: characters
/// Go does not print are dropped, and the name stops before it would pass 128 bytes).
pub(crate) fn manager_of(field_manager: Option<&str>, user_agent: Option<&str>) -> String {
    if let Some(manager) = field_manager.filter(|m| !m.is_empty()) {
        return manager.to_owned();
    }
    let prefix = user_agent.unwrap_or("").split('/').next().unwrap_or("");
    let mut out = String::new();
    for c in prefix.chars() {
        if !ironkube_apimachinery::gocompat::is_go_printable(c) {
            continue;
        }
        if out.len() + c.len_utf8() > FIELD_MANAGER_MAX_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

/// The fields a strategy resets, by group, kind and subresource (upstream's
/// `GetResetFields` of each registry strategy, at v1.37 feature gate defaults).
fn reset_paths(group: &str, kind: &str, subresource: &str) -> &'static [&'static [&'static str]] {
    const STATUS: &[&[&str]] = &[&["status"]];
    const SPEC: &[&[&str]] = &[&["spec"]];
    const METADATA_SPEC: &[&[&str]] = &[&["metadata"], &["spec"]];
    let status = subresource == "status";
    if custom_with_status(group, kind) {
        return if status { METADATA_SPEC } else { STATUS };
    }
    match (group, kind) {
        ("", "Pod") if status => &[
            &["spec"],
            &["metadata", "deletionTimestamp"],
            &["metadata", "ownerReferences"],
        ],
        ("apps", "Deployment") if status => &[&["spec"], &["metadata", "labels"]],
        ("certificates.k8s.io", "CertificateSigningRequest") if status => {
            &[&["spec"], &["status", "conditions"]]
        }
        ("certificates.k8s.io", "CertificateSigningRequest") => &[&["spec"], &["status"]],
        (
            "",
            "Pod"
            | "Service"
            | "Node"
            | "Namespace"
            | "PersistentVolume"
            | "PersistentVolumeClaim"
            | "ResourceQuota"
            | "ReplicationController",
        )
        | ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job" | "CronJob")
        | ("autoscaling", "HorizontalPodAutoscaler")
        | ("networking.k8s.io", "Ingress")
        | ("policy", "PodDisruptionBudget")
        | ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            if status {
                SPEC
            } else {
                STATUS
            }
        }
        ("certificates.k8s.io", "PodCertificateRequest")
        | ("networking.k8s.io", "ServiceCIDR")
        | ("storage.k8s.io", "VolumeAttachment" | "CSINode")
        | ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration")
        | ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy")
        | ("resource.k8s.io", "ResourceClaim" | "DeviceTaintRule")
        | ("storagemigration.k8s.io", "StorageVersionMigration")
        | ("apiregistration.k8s.io", "APIService")
        | ("internal.apiserver.k8s.io", "StorageVersion") => {
            if status {
                METADATA_SPEC
            } else {
                STATUS
            }
        }
        _ => &[],
    }
}

/// The custom kinds (group, kind) served with a `status` subresource: their strategies reset
/// `status` on the main resource and `metadata` and `spec` on the subresource. Set by the API
/// server's CustomResourceDefinition controller whenever what it serves changes (one table for
/// the process: servers sharing a process share custom kinds' definitions only in tests).
static CUSTOM_WITH_STATUS: std::sync::LazyLock<
    std::sync::RwLock<std::collections::HashSet<(String, String)>>,
> = std::sync::LazyLock::new(Default::default);

/// Records which custom kinds have a `status` subresource.
pub(crate) fn set_custom_with_status(kinds: impl IntoIterator<Item = (String, String)>) {
    let kinds: std::collections::HashSet<_> = kinds.into_iter().collect();
    *CUSTOM_WITH_STATUS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = kinds;
}

fn custom_with_status(group: &str, kind: &str) -> bool {
    CUSTOM_WITH_STATUS
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&(group.to_owned(), kind.to_owned()))
}

/// For a kind whose status strategy resets only `spec` and some metadata fields (not the
/// whole of `metadata`, which upstream's `ResetObjectMetaForStatus` does for the others), the
/// metadata fields a status write takes from the stored object; `None` for the others. The
/// status strategy (`strategy::prepare_for_status_update`) and the field manager read one
/// table.
pub(crate) fn status_resets_only_spec(group: &str, kind: &str) -> Option<Vec<&'static str>> {
    let paths = reset_paths(group, kind, "status");
    if paths.is_empty() || paths.iter().any(|p| *p == ["metadata"]) {
        return None;
    }
    Some(
        paths
            .iter()
            .filter_map(|p| match p {
                ["metadata", field] => Some(*field),
                _ => None,
            })
            .collect(),
    )
}

/// The reset fields as a set.
fn reset_set(group: &str, kind: &str, subresource: &str) -> Set {
    let mut set = Set::new();
    for path in reset_paths(group, kind, subresource) {
        set.insert(&field_path(path));
    }
    set
}

/// The object as Go marshals its typed form: round-tripped through the internal version and
/// through protobuf (falling back to what each step could do).
fn go_form(group: &str, version: &str, object: &Value) -> Value {
    let converted = crate::conversion::convert(object.clone(), group, version)
        .unwrap_or_else(|_| object.clone());
    crate::protobuf::encode(&converted)
        .ok()
        .and_then(|bytes| crate::protobuf::decode(&bytes).ok())
        .unwrap_or(converted)
}

/// Sets (or, with `None`, removes) `metadata.managedFields`.
fn set_managed_fields(object: &mut Value, entries: Option<Value>) {
    let Some(object) = object.as_object_mut() else {
        return;
    };
    let meta = object.entry("metadata").or_insert_with(|| json!({}));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    match entries {
        Some(entries) => {
            meta.insert("managedFields".into(), entries);
        }
        None => {
            meta.remove("managedFields");
        }
    }
}

/// Records an Update by `manager` (None subresource for the main resource, Some("status"),
/// Some("scale")) of `old` (None on create) to `new`, at `now` (RFC 3339, seconds), into
/// `new`'s metadata.managedFields, as upstream's FieldManager.UpdateNoErrors does (including
/// the managers that lose fields, entries that become empty removed, same
/// manager/operation/apiVersion/subresource merged, the maxUpdateManagers=10 cap into
/// "ancient-changes", upstream's sort order, and managedFields reset when the client sends
/// invalid ones or clears them).
///
/// For `scale`, `old` and `new` are the parent objects (`new` with the new replicas).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_update(
    group: &str,
    version: &str,
    kind: &str,
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: &str,
) {
    let subresource = subresource.unwrap_or("");
    let endpoint = Endpoint {
        group,
        version,
        kind,
        subresource,
        reset: reset_set(group, kind, subresource),
        document: (group, version),
    };
    if subresource == "scale" {
        let Some(old) = old else {
            return;
        };
        let replicas = new
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if let Some(entries) = update::scale_update(&endpoint, old, replicas, manager, now) {
            set_managed_fields(new, managers::to_json(&entries));
        }
        return;
    }
    let live = match old {
        Some(old) => go_form(group, version, old),
        None => go_form(
            group,
            version,
            &json!({"apiVersion": crate::rest::api_version(group, version), "kind": kind}),
        ),
    };
    let shaped = go_form(group, version, new);
    let sent = new.pointer("/metadata/managedFields");
    match update::update_no_errors(&endpoint, &live, &shaped, sent, manager, now) {
        Outcome::Entries(entries) => set_managed_fields(new, managers::to_json(&entries)),
        Outcome::KeepLive => {
            let kept = old
                .and_then(|old| old.get("metadata"))
                .and_then(|meta| meta.get("managedFields"))
                .cloned();
            set_managed_fields(new, kept);
        }
    }
}

/// Server-side apply of `config` by `manager` (with `force`) to `live` (`None`: the object
/// does not exist yet) through `subresource` (None for the resource), at `now`: the new object
/// with its managedFields (see [`apply`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_config(
    group: &str,
    version: &str,
    kind: &str,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    subresource: Option<&str>,
    now: &str,
) -> Result<Value, ApplyError> {
    let subresource = subresource.unwrap_or("");
    let endpoint = Endpoint {
        group,
        version,
        kind,
        subresource,
        reset: reset_set(group, kind, subresource),
        document: (group, version),
    };
    apply::apply(&endpoint, live, config, manager, force, now)
}
