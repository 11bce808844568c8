//! Upstream's `pkg/controller/deployment/util`: the pod-template hash, fenceposts, revisions,
//! replica annotations, conditions and ReplicaSet orderings.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;

/// The label that tells the ReplicaSets of one Deployment apart.
pub(crate) const HASH_LABEL: &str = "pod-template-hash";
/// The revision of a ReplicaSet (and of its Deployment).
pub(crate) const REVISION: &str = "deployment.kubernetes.io/revision";
/// Earlier revisions a ReplicaSet had.
pub(crate) const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// `spec.replicas` of the Deployment when the ReplicaSet was last scaled.
pub(crate) const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// `spec.replicas + maxSurge` of the Deployment when the ReplicaSet was last scaled.
pub(crate) const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// Annotations never copied from a Deployment to its ReplicaSets.
const SKIPPED_ANNOTATIONS: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];
/// Upstream's `maxRevHistoryLengthInChars`.
const MAX_REVISION_HISTORY_CHARS: usize = 2000;

/// The pod-template hash, as upstream's `controller.ComputeHash` (see [`super::podhash`]).
pub(crate) fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let value = serde_json::to_value(template).unwrap_or_default();
    super::podhash::compute_hash(&value, collision_count)
}

/// A template as JSON with empty and null values dropped (what `Semantic.DeepEqual` treats as
/// equal to absent), and without the hash label.
fn normalized(template: &PodTemplateSpec) -> serde_json::Value {
    fn strip(value: serde_json::Value) -> Option<serde_json::Value> {
        match value {
            serde_json::Value::Null => None,
            serde_json::Value::Array(items) if items.is_empty() => None,
            serde_json::Value::Array(items) => Some(serde_json::Value::Array(
                items
                    .into_iter()
                    .map(|i| strip(i).unwrap_or(serde_json::Value::Null))
                    .collect(),
            )),
            serde_json::Value::Object(fields) => {
                let fields: serde_json::Map<_, _> = fields
                    .into_iter()
                    .filter_map(|(k, v)| strip(v).map(|v| (k, v)))
                    .collect();
                (!fields.is_empty()).then_some(serde_json::Value::Object(fields))
            }
            other => Some(other),
        }
    }
    let mut template = template.clone();
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(HASH_LABEL);
    }
    strip(serde_json::to_value(&template).unwrap_or_default()).unwrap_or_default()
}

/// The templates are the same but for the hash label (`EqualIgnoreHash`).
pub(crate) fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    normalized(a) == normalized(b)
}

/// `spec.replicas` (defaulted to 1).
pub(crate) fn replicas(d: &Deployment) -> i32 {
    d.spec.replicas.unwrap_or(1)
}

/// A ReplicaSet's `spec.replicas`.
pub(crate) fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.replicas.unwrap_or(1)
}

/// Whether the strategy is RollingUpdate (the default).
pub(crate) fn is_rolling_update(d: &Deployment) -> bool {
    d.spec
        .strategy
        .as_ref()
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("RollingUpdate")
        == "RollingUpdate"
}

/// `intstr.GetScaledValueFromIntOrPercent`.
fn scaled(value: &IntOrString, total: i32, round_up: bool) -> i32 {
    match value {
        IntOrString::Int(n) => *n,
        IntOrString::String(s) => {
            let percent: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
            let product = percent * i64::from(total);
            let v = if round_up {
                (product + 99).div_euclid(100)
            } else {
                product.div_euclid(100)
            };
            i32::try_from(v).unwrap_or(i32::MAX)
        }
    }
}

/// (maxSurge, maxUnavailable) as numbers: surge rounds up, unavailable down, and both 0
/// means unavailable 1 (`ResolveFenceposts`).
pub(crate) fn fenceposts(d: &Deployment) -> (i32, i32) {
    let rolling = d
        .spec
        .strategy
        .as_ref()
        .and_then(|s| s.rolling_update.as_ref());
    let quarter = IntOrString::String("25%".into());
    let surge = rolling
        .and_then(|r| r.max_surge.as_ref())
        .unwrap_or(&quarter);
    let unavailable = rolling
        .and_then(|r| r.max_unavailable.as_ref())
        .unwrap_or(&quarter);
    let desired = replicas(d);
    let surge = scaled(surge, desired, true);
    let mut unavailable = scaled(unavailable, desired, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

/// `MaxSurge`.
pub(crate) fn max_surge(d: &Deployment) -> i32 {
    if !is_rolling_update(d) {
        return 0;
    }
    fenceposts(d).0
}

/// `MaxUnavailable`.
pub(crate) fn max_unavailable(d: &Deployment) -> i32 {
    if !is_rolling_update(d) || replicas(d) == 0 {
        return 0;
    }
    fenceposts(d).1.min(replicas(d))
}

/// A ReplicaSet's revision, if it has a valid one.
pub(crate) fn revision(rs: &ReplicaSet) -> Option<i64> {
    rs.metadata
        .annotations
        .as_ref()?
        .get(REVISION)?
        .parse()
        .ok()
}

/// `MaxRevision`.
pub(crate) fn max_revision<'a>(sets: impl IntoIterator<Item = &'a ReplicaSet>) -> i64 {
    sets.into_iter().filter_map(revision).max().unwrap_or(0)
}

/// A non-negative int32 annotation.
pub(crate) fn int_annotation(rs: &ReplicaSet, key: &str) -> Option<i32> {
    let v: u32 = rs.metadata.annotations.as_ref()?.get(key)?.parse().ok()?;
    i32::try_from(v).ok()
}

/// `SetReplicasAnnotations`: whether anything changed.
pub(crate) fn set_replicas_annotations(rs: &mut ReplicaSet, desired: i32, max: i32) -> bool {
    let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
    let mut changed = false;
    for (key, value) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        let value = value.to_string();
        if annotations.get(key) != Some(&value) {
            annotations.insert(key.into(), value);
            changed = true;
        }
    }
    changed
}

/// `SetNewReplicaSetAnnotations`: the Deployment's annotations, the new revision (the old
/// one joining the history), and on creation the replica annotations.
pub(crate) fn set_new_rs_annotations(
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_revision: i64,
    exists: bool,
) -> bool {
    let mut changed = false;
    let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
    for (k, v) in d.metadata.annotations.iter().flatten() {
        if SKIPPED_ANNOTATIONS.contains(&k.as_str()) || annotations.get(k) == Some(v) {
            continue;
        }
        annotations.insert(k.clone(), v.clone());
        changed = true;
    }
    let old = annotations.get(REVISION).cloned();
    let old_revision = match old.as_deref() {
        None | Some("") => 0,
        Some(s) => match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => return false,
        },
    };
    if old_revision < new_revision {
        annotations.insert(REVISION.into(), new_revision.to_string());
        changed = true;
        if let Some(old) = old {
            let history = annotations
                .get(REVISION_HISTORY)
                .cloned()
                .unwrap_or_default();
            if history.is_empty() {
                annotations.insert(REVISION_HISTORY.into(), old);
            } else {
                let mut revisions: Vec<&str> = history.split(',').collect();
                let mut total = history.len() + old.len() + 1;
                let mut start = 0;
                while total > MAX_REVISION_HISTORY_CHARS && start < revisions.len() {
                    total -= revisions[start].len() + 1;
                    start += 1;
                }
                if total <= MAX_REVISION_HISTORY_CHARS {
                    revisions = revisions.split_off(start);
                    revisions.push(&old);
                    annotations.insert(REVISION_HISTORY.into(), revisions.join(","));
                }
            }
        }
    }
    if !exists {
        let desired = replicas(d);
        if set_replicas_annotations(rs, desired, desired + max_surge(d)) {
            changed = true;
        }
    }
    changed
}

/// The Progressing deadline, unless it is "forever" (`HasProgressDeadline`).
pub(crate) fn progress_deadline(d: &Deployment) -> Option<i32> {
    d.spec.progress_deadline_seconds.filter(|s| *s != i32::MAX)
}

/// The condition of a type.
pub(crate) fn condition<'a>(
    status: &'a DeploymentStatus,
    type_: &str,
) -> Option<&'a DeploymentCondition> {
    status
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_.as_deref() == Some(type_))
}

/// A condition stamped now (`NewDeploymentCondition`).
pub(crate) fn new_condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
) -> DeploymentCondition {
    let now = Time(Timestamp::now());
    DeploymentCondition {
        type_: Some(type_.into()),
        status: Some(status.into()),
        reason: Some(reason.into()),
        message: Some(message),
        last_update_time: Some(now.clone()),
        last_transition_time: Some(now),
    }
}

/// `SetDeploymentCondition`: nothing when status and reason are unchanged; the transition
/// time kept when only the reason changes.
pub(crate) fn set_condition(status: &mut DeploymentStatus, mut cond: DeploymentCondition) {
    if let Some(current) = condition(status, cond.type_.as_deref().unwrap_or_default()) {
        if current.status == cond.status && current.reason == cond.reason {
            return;
        }
        if current.status == cond.status {
            cond.last_transition_time = current.last_transition_time.clone();
        }
    }
    remove_condition(status, cond.type_.as_deref().unwrap_or_default());
    status.conditions.get_or_insert_with(Vec::new).push(cond);
}

/// `RemoveDeploymentCondition`.
pub(crate) fn remove_condition(status: &mut DeploymentStatus, type_: &str) {
    if let Some(conditions) = status.conditions.as_mut() {
        conditions.retain(|c| c.type_.as_deref() != Some(type_));
        if conditions.is_empty() {
            status.conditions = None;
        }
    }
}

/// Oldest first, then by name (`ReplicaSetsByCreationTimestamp`).
pub(crate) fn by_creation(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    let ts = |rs: &ReplicaSet| rs.metadata.creation_timestamp.as_ref().map(|t| t.0);
    ts(a)
        .cmp(&ts(b))
        .then_with(|| a.metadata.name.cmp(&b.metadata.name))
}

/// Larger first, ties newer first (`ReplicaSetsBySizeNewer`).
pub(crate) fn by_size_newer(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    rs_replicas(b)
        .cmp(&rs_replicas(a))
        .then_with(|| by_creation(b, a))
}

/// Larger first, ties older first (`ReplicaSetsBySizeOlder`).
pub(crate) fn by_size_older(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    rs_replicas(b)
        .cmp(&rs_replicas(a))
        .then_with(|| by_creation(a, b))
}

/// Lower revision first, ties by creation (`ReplicaSetsByRevision`).
pub(crate) fn by_revision(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    match (revision(a), revision(b)) {
        (Some(x), Some(y)) if x != y => x.cmp(&y),
        _ => by_creation(a, b),
    }
}

/// How many replicas `rs` gets or gives when the Deployment is scaled mid-rollout
/// (`GetReplicaSetProportion`).
pub(crate) fn proportion(rs: &ReplicaSet, d: &Deployment, to_add: i32, added: i32) -> i32 {
    if rs_replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

fn fraction(rs: &ReplicaSet, d: &Deployment) -> i32 {
    if replicas(d) == 0 {
        return -rs_replicas(rs);
    }
    let max_now = replicas(d) + max_surge(d);
    let before = match int_annotation(rs, MAX_REPLICAS) {
        Some(n) if n != 0 => n,
        _ => {
            let n = d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0);
            if n == 0 {
                return 0;
            }
            n
        }
    };
    let size = f64::from(rs_replicas(rs)) * f64::from(max_now) / f64::from(before);
    // integer.RoundToInt32: halves away from zero.
    #[allow(clippy::cast_possible_truncation)]
    let rounded = size.round() as i32;
    rounded - rs_replicas(rs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn deployment(
        replicas: i32,
        surge: serde_json::Value,
        unavailable: serde_json::Value,
    ) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "d"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "d"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
                "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": []}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn surge_rounds_up_and_unavailable_down() {
        assert_eq!(
            fenceposts(&deployment(10, json!("25%"), json!("25%"))),
            (3, 2)
        );
        assert_eq!(fenceposts(&deployment(4, json!(1), json!(1))), (1, 1));
        assert_eq!(fenceposts(&deployment(3, json!(0), json!(0))), (0, 1));
        assert_eq!(
            fenceposts(&deployment(1, json!("10%"), json!("10%"))),
            (1, 0)
        );
        assert_eq!(max_unavailable(&deployment(2, json!(0), json!(5))), 2);
    }

    #[test]
    fn hashes_are_safe_and_change_with_the_template_and_collisions() {
        let d = deployment(1, json!(1), json!(1));
        let h = compute_hash(&d.spec.template, None);
        assert!(
            h.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)),
            "{h}"
        );
        assert_eq!(h, compute_hash(&d.spec.template, None));
        assert_ne!(h, compute_hash(&d.spec.template, Some(1)));
        let mut t = d.spec.template.clone();
        t.metadata
            .as_mut()
            .unwrap()
            .labels
            .as_mut()
            .unwrap()
            .insert("x".into(), "y".into());
        assert_ne!(h, compute_hash(&t, None));
        // The hash label does not make templates differ; empty lists are absent.
        let mut labeled = d.spec.template.clone();
        labeled
            .metadata
            .as_mut()
            .unwrap()
            .labels
            .as_mut()
            .unwrap()
            .insert(HASH_LABEL.into(), h);
        assert!(equal_ignore_hash(&labeled, &d.spec.template));
        assert!(!equal_ignore_hash(&t, &d.spec.template));
    }

    #[test]
    fn revisions_move_into_the_history() {
        let d = deployment(3, json!(1), json!(1));
        let mut rs: ReplicaSet = serde_json::from_value(json!({
            "metadata": {"name": "d-1", "annotations": {REVISION: "1"}},
            "spec": {"selector": {}}
        }))
        .unwrap();
        assert!(set_new_rs_annotations(&d, &mut rs, 3, true));
        let a = rs.metadata.annotations.as_ref().unwrap();
        assert_eq!(a[REVISION], "3");
        assert_eq!(a[REVISION_HISTORY], "1");
        assert!(!a.contains_key(DESIRED_REPLICAS));
        assert!(!set_new_rs_annotations(&d, &mut rs, 3, true));
    }
}
