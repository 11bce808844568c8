//! Namespaces, nodes ([`node`]) and persistent volume claims ([`pvc`]): upstream's
//! `ValidateNamespace(Update)`, `ValidateNode(Update)` and
//! `ValidatePersistentVolumeClaim(Update)` as the registry strategies call them, over the
//! defaulted external JSON prepared by our strategy, metadata excluded.
//!
//! The three strategies embed upstream's `rest.DeclarativeValidation`, whose filtering goes
//! through `ErrorList.ToAggregate`: repeated errors (same field and message) are reported
//! once, which [`dedup`] reproduces.
//!
//! Upstream also reports a few errors under `metadata.` paths from these kind validations
//! (node taints and swap status, the claim's beta storage class annotation); those are in
//! [`node::validate_node_metadata`] and [`pvc::validate_pvc_update_metadata`], apart from
//! the spec errors, since the metadata errors come from elsewhere in our pipeline.

pub(super) mod node;
pub(super) mod pvc;

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use serde_json::Value;

use super::{list, obj};

pub(super) use node::{validate_node, validate_node_update};
pub(super) use pvc::{validate_pvc, validate_pvc_update};

/// The finalizers `helper.IsStandardFinalizerName` accepts without a domain.
const STANDARD_FINALIZERS: [&str; 3] = ["kubernetes", "orphan", "foregroundDeletion"];

/// `ValidateNamespace` minus metadata: each spec finalizer is a qualified name
/// (`ValidateFinalizerName`) and, without a `/`, a standard one (`validateKubeFinalizerName`).
///
/// Upstream's `ValidateNamespaceUpdate` has only metadata rules, and the update strategy puts
/// the stored finalizers back before validating, so updates are validated by this too.
pub(super) fn validate_namespace(namespace: &Value) -> Vec<FieldError> {
    let path = FieldPath::new("spec").child("finalizers");
    let spec = namespace.get("spec").unwrap_or(&Value::Null);
    let mut errors = Vec::new();
    for finalizer in list(spec, "finalizers") {
        let name = finalizer.as_str().unwrap_or("");
        for msg in ironkube_apimachinery::selector::validate_label_key(name) {
            errors.push(FieldError::invalid(&path, name, msg));
        }
        if !name.contains('/') && !STANDARD_FINALIZERS.contains(&name) {
            errors.push(FieldError::invalid(
                &path,
                name,
                "name is neither a standard finalizer name nor is it fully qualified",
            ));
        }
    }
    dedup(errors)
}

/// Upstream's `ErrorList.ToAggregate` filtering: the first of each distinct
/// `field: message`, in order.
fn dedup(errors: Vec<FieldError>) -> Vec<FieldError> {
    let mut seen: Vec<String> = Vec::new();
    errors
        .into_iter()
        .filter(|error| {
            let message = error.to_string();
            if seen.contains(&message) {
                false
            } else {
                seen.push(message);
                true
            }
        })
        .collect()
}

/// Upstream's `ValidateNameFunc(NameIsDNSSubdomain)(value, false)` on a field.
fn subdomain_name(value: &str, path: &FieldPath) -> Vec<FieldError> {
    crate::validation::names::name_is_dns_subdomain(value, false)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// Upstream's `ValidateNameFunc(ValidateNamespaceName)(value, false)` on a field.
fn namespace_name(value: &str, path: &FieldPath) -> Vec<FieldError> {
    crate::validation::names::name_is_dns_label(value, false)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// The string `key` of `value` when present and not null (a Go `*string` that is set).
fn optional_str<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value
        .get(key)
        .filter(|v| !v.is_null())
        .map(|v| v.as_str().unwrap_or(""))
}

/// The quantity map `key` of `value` (a `ResourceList`).
fn quantities<'v>(value: &'v Value, key: &str) -> Vec<(&'v str, &'v str)> {
    obj(value, key)
        .iter()
        .map(|(name, quantity)| (name.as_str(), quantity.as_str().unwrap_or("")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::node::validate_node_metadata;
    use super::pvc::validate_pvc_update_metadata;
    use super::*;
    use serde_json::json;

    fn bodies(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn namespace_finalizers() {
        let ns = json!({"spec": {"finalizers": ["kubernetes", "foo", "example.com/x", "foo"]}});
        assert_eq!(
            bodies(&validate_namespace(&ns)),
            vec![
                "spec.finalizers: Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified"
            ]
        );
    }

    #[test]
    fn node_taints_under_metadata() {
        let node = json!({"spec": {"taints": [
            {"key": "a b", "value": "v", "effect": "NoSchedule"},
            {"key": "k", "value": "bad value!", "effect": ""},
            {"key": "k", "effect": "Sometimes"},
            {"key": "d", "effect": "NoExecute"},
            {"key": "d", "value": "other", "effect": "NoExecute"}
        ]}});
        let got = bodies(&validate_node_metadata(&node));
        assert_eq!(got.len(), 5, "{got:#?}");
        assert!(got[0].starts_with("metadata.taints[0].key: Invalid value: \"a b\": name part"));
        assert!(got[1].starts_with(
            "metadata.taints[1].value: Invalid value: \"bad value!\": a valid label must be"
        ));
        assert_eq!(got[2], "metadata.taints[1].effect: Required value");
        assert_eq!(
            got[3],
            "metadata.taints[2].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
        );
        assert!(
            got[4].starts_with("metadata.taints[4]: Duplicate value: ")
                && got[4].ends_with(": taints must be unique by key and effect pair"),
            "{}",
            got[4]
        );
    }

    #[test]
    fn node_swap_capacity_under_metadata() {
        let node = json!({"status": {"nodeInfo": {"swap": {"capacity": 0}}}});
        assert_eq!(
            bodies(&validate_node_metadata(&node)),
            vec!["metadata.nodeSwapStatus.capacity: Invalid value: 0: must be greater than zero"]
        );
    }

    #[test]
    fn node_pod_cidrs_unparsable_pair_is_internal() {
        let node = json!({"spec": {"podCIDRs": ["10.0.0.0/24", "abc"]}});
        assert_eq!(
            bodies(&validate_node(&node)),
            vec![
                "spec.podCIDRs[1]: Invalid value: \"abc\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                "spec.podCIDRs: Internal error: invalid PodCIDRs. failed to check with dual stack with error:invalid CIDR[1]: <nil> (invalid CIDR address: abc)",
                "spec.podCIDRs: Invalid value: [\"10.0.0.0/24\",\"abc\"]: may specify no more than one CIDR for each IP family",
            ]
        );
    }

    #[test]
    fn node_config_source_on_update() {
        let old = json!({"spec": {}});
        let new = json!({"spec": {"configSource": {"configMap": {
            "namespace": "Bad", "name": "", "kubeletConfigKey": "k", "uid": "u"
        }}}});
        let got = bodies(&validate_node_update(&new, &old));
        assert_eq!(got.len(), 3, "{got:#?}");
        assert_eq!(
            got[0],
            "spec.configSource.configMap.uid: Forbidden: uid must not be set in spec"
        );
        assert!(
            got[1].starts_with("spec.configSource.configMap.namespace: Invalid value: \"Bad\"")
        );
        assert_eq!(got[2], "spec.configSource.configMap.name: Required value");
    }

    fn claim(spec: Value, status: Value) -> Value {
        json!({"metadata": {}, "spec": spec, "status": status})
    }

    #[test]
    fn bound_claim_may_grow_and_change_class() {
        let old = claim(
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                   "volumeName": "pv1", "volumeMode": "Filesystem"}),
            json!({"phase": "Bound", "capacity": {"storage": "1Gi"}}),
        );
        let new = claim(
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}},
                   "volumeName": "pv1", "volumeMode": "Filesystem", "volumeAttributesClassName": "gold"}),
            json!({"phase": "Bound", "capacity": {"storage": "1Gi"}}),
        );
        assert_eq!(
            bodies(&validate_pvc_update(&new, &old)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn bound_claim_may_not_shrink_below_capacity() {
        let old = claim(
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}},
                   "volumeName": "pv1", "volumeMode": "Filesystem"}),
            json!({"phase": "Bound", "capacity": {"storage": "1Gi"}}),
        );
        let shrink = |size: &str| {
            claim(
                json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                       "volumeName": "pv1", "volumeMode": "Filesystem"}),
                json!({"phase": "Bound", "capacity": {"storage": "1Gi"}}),
            )
        };
        assert_eq!(
            bodies(&validate_pvc_update(&shrink("1Gi"), &old)),
            vec![
                "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"
            ]
        );
        assert_eq!(
            bodies(&validate_pvc_update(&shrink("1536Mi"), &old)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn applied_volume_attributes_class_may_not_be_removed() {
        let old = claim(
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                   "volumeName": "pv1", "volumeMode": "Filesystem", "volumeAttributesClassName": "gold"}),
            json!({"phase": "Bound", "currentVolumeAttributesClassName": "gold"}),
        );
        let mut new = old.clone();
        new["spec"]["volumeAttributesClassName"] = json!("");
        assert_eq!(
            bodies(&validate_pvc_update(&new, &old)),
            vec![
                "spec.volumeAttributesClassName: Forbidden: update to empty string is forbidden when status.currentVolumeAttributesClassName is not nil"
            ]
        );
        new["spec"]
            .as_object_mut()
            .unwrap()
            .remove("volumeAttributesClassName");
        assert_eq!(
            bodies(&validate_pvc_update(&new, &old)),
            vec![
                "spec.volumeAttributesClassName: Forbidden: update to nil is forbidden when status.currentVolumeAttributesClassName is not nil"
            ]
        );
    }

    #[test]
    fn beta_storage_class_annotation_is_immutable() {
        let old = json!({"metadata": {"annotations": {"volume.beta.kubernetes.io/storage-class": "gold"}},
                         "spec": {}});
        let new = json!({"metadata": {"annotations": {"volume.beta.kubernetes.io/storage-class": "silver"}},
                         "spec": {}});
        assert_eq!(
            bodies(&validate_pvc_update_metadata(&new, &old)),
            vec![
                "metadata.annotations.volume.beta.kubernetes.io/storage-class: Invalid value: \"silver\": field is immutable"
            ]
        );
        let upgraded = json!({"metadata": {}, "spec": {"storageClassName": "gold"}});
        assert!(validate_pvc_update_metadata(&upgraded, &old).is_empty());
    }
}
