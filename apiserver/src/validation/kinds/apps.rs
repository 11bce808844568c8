//! The apps workloads: upstream's `ValidateDeployment(Update)`, `ValidateReplicaSet(Update)`,
//! `ValidateStatefulSet(Update)`, `ValidateDaemonSet(Update)` (spec parts).

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::BadValue;
use ironkube_apimachinery::field::FieldPath;
use ironkube_apimachinery::typed_decode;
use serde_json::{Map, Value};

use super::{immutable, int, label_selector, labels, list, nonnegative, obj, present, string};

/// The Go type of selectors, as upstream prints them in errors.
const LABEL_SELECTOR: &str = "k8s.io/apimachinery/pkg/apis/meta/v1.LabelSelector";

/// Whether `selector` (usable, not absent) matches `labels`.
fn selector_matches(selector: &Value, labels: &Map<String, Value>) -> bool {
    if selector.is_null() {
        // An absent selector is `labels.Nothing()`.
        return false;
    }
    let label = |key: &str| labels.get(key).and_then(Value::as_str);
    obj(selector, "matchLabels")
        .iter()
        .all(|(k, v)| label(k) == v.as_str())
        && list(selector, "matchExpressions").iter().all(|expression| {
            let key = string(expression, "key");
            let values: Vec<&str> = list(expression, "values")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            match string(expression, "operator") {
                "In" => label(key).is_some_and(|v| values.contains(&v)),
                "NotIn" => label(key).is_none_or(|v| !values.contains(&v)),
                "Exists" => label(key).is_some(),
                "DoesNotExist" => label(key).is_none(),
                _ => false,
            }
        })
}

/// Whether the selector has no requirements (an absent selector selects nothing, which is
/// not empty).
fn selector_empty(selector: &Value) -> bool {
    !selector.is_null()
        && obj(selector, "matchLabels").is_empty()
        && list(selector, "matchExpressions").is_empty()
}

/// The selector checks shared by the workloads, then the pod template as
/// `ValidatePodTemplateSpecForReplicaSet` (or for stateful and daemon sets) checks it.
fn validate_selector_and_template(
    spec: &Value,
    path: &FieldPath,
    kind_word: Option<&str>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let selector = spec.get("selector").unwrap_or(&Value::Null);
    let selector_path = path.child("selector");
    let mut usable = true;
    if selector.is_null() {
        errors.push(FieldError::required(&selector_path, ""));
    } else {
        let (selector_errors, ok) = label_selector(selector, false, &selector_path);
        errors.extend(selector_errors);
        usable = ok;
        if selector_empty(selector)
            && let Some(word) = kind_word
        {
            errors.push(FieldError::invalid(
                &selector_path,
                selector.clone(),
                format!("empty selector is invalid for {word}"),
            ));
        }
    }
    if !usable {
        errors.push(FieldError::invalid(
            &selector_path,
            BadValue::Rendered(typed_decode::marshal_typed(LABEL_SELECTOR, selector)),
            "invalid label selector",
        ));
        return errors;
    }
    let template = spec.get("template").unwrap_or(&Value::Null);
    let template_path = path.child("template");
    let template_labels = template
        .get("metadata")
        .map(|m| obj(m, "labels"))
        .unwrap_or(obj(&Value::Null, "labels"));
    if !selector_empty(selector) && !selector_matches(selector, template_labels) {
        let shown = template
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .cloned()
            .unwrap_or(Value::Null);
        errors.push(FieldError::invalid(
            template_path.child("metadata").child("labels"),
            shown,
            "`selector` does not match template `labels`",
        ));
    }
    errors.extend(validate_template(template, &template_path));
    errors
}

/// Upstream's `ValidatePodTemplateSpec` then the controllers' restart policy rule.
fn validate_template(template: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let meta = template.get("metadata").unwrap_or(&Value::Null);
    errors.extend(labels(obj(meta, "labels"), &path.child("labels")));
    let spec = template.get("spec").unwrap_or(&Value::Null);
    let spec_path = path.child("spec");
    errors.extend(super::pod::validate_pod_spec(spec, &spec_path));
    let restart = string(spec, "restartPolicy");
    if restart != "Always" {
        errors.push(FieldError::not_supported(
            spec_path.child("restartPolicy"),
            restart,
            &["Always"],
        ));
    }
    if present(spec, "activeDeadlineSeconds") {
        errors.push(FieldError::forbidden(
            spec_path.child("activeDeadlineSeconds"),
            "activeDeadlineSeconds in ReplicaSet is not Supported",
        ));
    }
    errors
}

fn spec(object: &Value) -> &Value {
    object.get("spec").unwrap_or(&Value::Null)
}

/// Upstream's `ValidateDeploymentSpec`.
fn validate_deployment_spec(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = nonnegative(int(spec, "replicas"), &path.child("replicas"));
    errors.extend(validate_selector_and_template(
        spec,
        path,
        Some("deployment"),
    ));
    errors.extend(validate_strategy(
        spec.get("strategy").unwrap_or(&Value::Null),
        &path.child("strategy"),
    ));
    let min_ready = int(spec, "minReadySeconds").unwrap_or(0);
    errors.extend(nonnegative(Some(min_ready), &path.child("minReadySeconds")));
    errors.extend(nonnegative(
        int(spec, "revisionHistoryLimit"),
        &path.child("revisionHistoryLimit"),
    ));
    if let Some(deadline) = int(spec, "progressDeadlineSeconds") {
        let deadline_path = path.child("progressDeadlineSeconds");
        errors.extend(nonnegative(Some(deadline), &deadline_path));
        if deadline <= min_ready {
            errors.push(FieldError::invalid(
                &deadline_path,
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errors
}

/// An int-or-string's percentage (`None` for an integer).
fn percent(value: &Value) -> Option<Result<i64, ()>> {
    let text = value.as_str()?;
    Some(
        text.strip_suffix('%')
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .ok_or(()),
    )
}

/// Upstream's `ValidatePositiveIntOrPercent`: the errors and the value (an integer, or a
/// percentage), zero when unset.
fn int_or_percent(value: &Value, path: &FieldPath) -> (Vec<FieldError>, i64, bool) {
    match percent(value) {
        Some(Ok(p)) => (Vec::new(), p, true),
        Some(Err(())) => (
            vec![FieldError::invalid(
                path,
                value.as_str().unwrap_or(""),
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            )],
            0,
            true,
        ),
        None => {
            let n = value.as_i64().unwrap_or(0);
            (nonnegative(Some(n), path), n, false)
        }
    }
}

/// Upstream's `ValidateDeploymentStrategy` and `ValidateRollingUpdateDeployment`.
fn validate_strategy(strategy: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match string(strategy, "type") {
        "Recreate" => {
            if present(strategy, "rollingUpdate") {
                errors.push(FieldError::forbidden(
                    path.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => {
            let rolling = strategy.get("rollingUpdate").unwrap_or(&Value::Null);
            if rolling.is_null() {
                errors.push(FieldError::required(
                    path.child("rollingUpdate"),
                    "this should be defaulted and never be nil",
                ));
                return errors;
            }
            let rolling_path = path.child("rollingUpdate");
            let unavailable_path = rolling_path.child("maxUnavailable");
            let surge_path = rolling_path.child("maxSurge");
            let unavailable = rolling.get("maxUnavailable").unwrap_or(&Value::Null);
            let surge = rolling.get("maxSurge").unwrap_or(&Value::Null);
            let (e, unavailable_n, unavailable_pct) =
                int_or_percent(unavailable, &unavailable_path);
            errors.extend(e);
            let (e, surge_n, _) = int_or_percent(surge, &surge_path);
            errors.extend(e);
            if surge_n == 0 && unavailable_n == 0 {
                errors.push(FieldError::invalid(
                    &unavailable_path,
                    unavailable.clone(),
                    "may not be 0 when `maxSurge` is 0",
                ));
            }
            if unavailable_pct && unavailable_n > 100 {
                errors.push(FieldError::invalid(
                    &unavailable_path,
                    unavailable.clone(),
                    "must not be greater than 100%",
                ));
            }
        }
        _ => errors.push(FieldError::not_supported(
            path,
            strategy.clone(),
            &["Recreate", "RollingUpdate"],
        )),
    }
    errors
}

/// `ValidateDeployment` minus metadata.
pub(super) fn validate_deployment(object: &Value) -> Vec<FieldError> {
    validate_deployment_spec(spec(object), &FieldPath::new("spec"))
}

/// `ValidateDeploymentUpdate` minus metadata: the new spec, and an immutable selector.
pub(super) fn validate_deployment_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let path = FieldPath::new("spec");
    let mut errors = validate_deployment_spec(spec(new), &path);
    errors.extend(selector_immutable(new, old, &path));
    errors
}

fn selector_immutable(new: &Value, old: &Value, path: &FieldPath) -> Vec<FieldError> {
    immutable(
        spec(new).get("selector").unwrap_or(&Value::Null),
        spec(old).get("selector").unwrap_or(&Value::Null),
        &path.child("selector"),
    )
}

/// `ValidateReplicaSetSpec`.
fn validate_replica_set_spec(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = nonnegative(int(spec, "replicas"), &path.child("replicas"));
    errors.extend(nonnegative(
        int(spec, "minReadySeconds"),
        &path.child("minReadySeconds"),
    ));
    errors.extend(validate_selector_and_template(
        spec,
        path,
        Some("deployment"),
    ));
    errors
}

/// `ValidateReplicaSet` minus metadata.
pub(super) fn validate_replica_set(object: &Value) -> Vec<FieldError> {
    validate_replica_set_spec(spec(object), &FieldPath::new("spec"))
}

/// `ValidateReplicaSetUpdate` minus metadata.
pub(super) fn validate_replica_set_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let path = FieldPath::new("spec");
    let mut errors = validate_replica_set_spec(spec(new), &path);
    errors.extend(selector_immutable(new, old, &path));
    errors
}

/// `ValidateStatefulSetSpec` (the parts covered).
fn validate_stateful_set_spec(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let policy = string(spec, "podManagementPolicy");
    match policy {
        "OrderedReady" | "Parallel" => {}
        "" => errors.push(FieldError::required(path.child("podManagementPolicy"), "")),
        other => errors.push(FieldError::invalid(
            path.child("podManagementPolicy"),
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let strategy = spec.get("updateStrategy").unwrap_or(&Value::Null);
    match string(strategy, "type") {
        "RollingUpdate" | "OnDelete" => {}
        "" => errors.push(FieldError::required(path.child("updateStrategy"), "")),
        _ => errors.push(FieldError::invalid(
            path.child("updateStrategy"),
            strategy.clone(),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    errors.extend(nonnegative(int(spec, "replicas"), &path.child("replicas")));
    errors.extend(nonnegative(
        int(spec, "minReadySeconds"),
        &path.child("minReadySeconds"),
    ));
    errors.extend(validate_selector_and_template(spec, path, None));
    errors
}

/// `ValidateStatefulSet` minus metadata.
pub(super) fn validate_stateful_set(object: &Value) -> Vec<FieldError> {
    validate_stateful_set_spec(spec(object), &FieldPath::new("spec"))
}

/// `ValidateStatefulSetUpdate` minus metadata: the new spec, then the fields other than
/// replicas, template, update strategy, ordinals, retention policy and min ready seconds
/// unchanged (upstream reports changed selector and service name as immutable).
pub(super) fn validate_stateful_set_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let path = FieldPath::new("spec");
    let mut errors = validate_stateful_set_spec(spec(new), &path);
    for key in [
        "serviceName",
        "selector",
        "podManagementPolicy",
        "volumeClaimTemplates",
    ] {
        errors.extend(immutable(
            spec(new).get(key).unwrap_or(&Value::Null),
            spec(old).get(key).unwrap_or(&Value::Null),
            &path.child(key),
        ));
    }
    errors
}

/// `ValidateDaemonSetSpec` (the parts covered).
fn validate_daemon_set_spec(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = validate_selector_and_template(spec, path, None);
    errors.extend(nonnegative(
        int(spec, "minReadySeconds"),
        &path.child("minReadySeconds"),
    ));
    errors.extend(nonnegative(
        int(spec, "revisionHistoryLimit"),
        &path.child("revisionHistoryLimit"),
    ));
    let strategy = spec.get("updateStrategy").unwrap_or(&Value::Null);
    match string(strategy, "type") {
        "RollingUpdate" | "OnDelete" => {}
        "" => errors.push(FieldError::required(path.child("updateStrategy"), "")),
        _ => errors.push(FieldError::not_supported(
            path.child("updateStrategy"),
            strategy.clone(),
            &["RollingUpdate", "OnDelete"],
        )),
    }
    errors
}

/// `ValidateDaemonSet` minus metadata.
pub(super) fn validate_daemon_set(object: &Value) -> Vec<FieldError> {
    validate_daemon_set_spec(spec(object), &FieldPath::new("spec"))
}

/// `ValidateDaemonSetUpdate` minus metadata.
pub(super) fn validate_daemon_set_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let path = FieldPath::new("spec");
    let mut errors = validate_daemon_set_spec(spec(new), &path);
    errors.extend(selector_immutable(new, old, &path));
    errors
}
