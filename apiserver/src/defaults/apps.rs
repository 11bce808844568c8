//! apps/v1 (`pkg/apis/apps/v1/defaults.go`): the workload controllers and their pod templates.

use serde_json::json;

use super::core::{persistent_volume_claim_spec, pod_template};
use super::{Object, child, default_unset, default_zero, each, present, string};

/// Defaults an apps/v1 object of `kind`.
pub(super) fn apply(kind: &str, object: &mut Object) {
    let Some(spec) = (match kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => child(object, "spec"),
        _ => None,
    }) else {
        return;
    };
    match kind {
        "Deployment" => deployment(spec),
        "ReplicaSet" => default_unset(spec, "replicas", json!(1)),
        "StatefulSet" => stateful_set(spec),
        _ => daemon_set(spec),
    }
    if let Some(template) = child(spec, "template") {
        pod_template(template);
    }
}

/// `SetDefaults_Deployment`.
fn deployment(spec: &mut Object) {
    default_unset(spec, "replicas", json!(1));
    if let Some(strategy) = child(spec, "strategy") {
        default_zero(strategy, "type", json!("RollingUpdate"));
        if string(strategy, "type") == "RollingUpdate"
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            default_unset(rolling, "maxUnavailable", json!("25%"));
            default_unset(rolling, "maxSurge", json!("25%"));
        }
    }
    default_unset(spec, "revisionHistoryLimit", json!(10));
    default_unset(spec, "progressDeadlineSeconds", json!(600));
}

/// `SetDefaults_DaemonSet`.
fn daemon_set(spec: &mut Object) {
    if let Some(strategy) = child(spec, "updateStrategy") {
        default_zero(strategy, "type", json!("RollingUpdate"));
        if string(strategy, "type") == "RollingUpdate"
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            default_unset(rolling, "maxUnavailable", json!(1));
            default_unset(rolling, "maxSurge", json!(0));
        }
    }
    default_unset(spec, "revisionHistoryLimit", json!(10));
}

/// `SetDefaults_StatefulSet` (MaxUnavailableStatefulSet is on by default at v1.37) and its claim
/// templates.
fn stateful_set(spec: &mut Object) {
    default_zero(spec, "podManagementPolicy", json!("OrderedReady"));
    if let Some(strategy) = child(spec, "updateStrategy") {
        if super::is_zero(strategy, "type") {
            strategy.insert("type".to_owned(), json!("RollingUpdate"));
            default_unset(strategy, "rollingUpdate", json!({}));
        }
        if string(strategy, "type") == "RollingUpdate"
            && let Some(rolling) = present(strategy, "rollingUpdate")
        {
            default_unset(rolling, "partition", json!(0));
            default_unset(rolling, "maxUnavailable", json!(1));
        }
    }
    if let Some(policy) = child(spec, "persistentVolumeClaimRetentionPolicy") {
        default_zero(policy, "whenDeleted", json!("Retain"));
        default_zero(policy, "whenScaled", json!("Retain"));
    }
    default_unset(spec, "replicas", json!(1));
    default_unset(spec, "revisionHistoryLimit", json!(10));
    each(spec, "volumeClaimTemplates", |claim| {
        if let Some(claim_spec) = child(claim, "spec") {
            persistent_volume_claim_spec(claim_spec);
        }
        if let Some(status) = child(claim, "status") {
            default_zero(status, "phase", json!("Pending"));
            super::quantity::round_list(status, "capacity");
            super::quantity::round_list(status, "allocatedResources");
        }
    });
}
