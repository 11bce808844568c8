//! Upstream's kind-specific validation (`k8s.io/kubernetes/pkg/apis/<group>/validation`, as the
//! registry strategies call it) over defaulted external JSON objects, metadata excluded.
//!
//! Covered: pods ([`pod`]), the apps workloads ([`apps`]), services ([`service`]), config maps
//! and secrets ([`config`]), namespaces, service accounts, nodes and claims ([`cluster`]), jobs
//! and cron jobs ([`batch`]). Field paths and messages are upstream's, checked by the golden
//! test against `testdata/kindvalidation.json`.

mod apps;
mod batch;
mod cluster;
mod config;
mod pod;
mod service;

#[cfg(test)]
mod golden;

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use ironkube_apimachinery::selector::regex_error;
use ironkube_apimachinery::selector::{validate_label_key, validate_label_value};
use serde_json::{Map, Value};

/// Kind-specific errors for creating `object` (a few of which upstream files under
/// `metadata.`, such as node taints).
pub(crate) fn create(group: &str, version: &str, kind: &str, object: &Value) -> Vec<FieldError> {
    let _ = version;
    match (group, kind) {
        ("", "Pod") => pod::validate_pod(object),
        ("", "Service") => service::validate_service(object),
        ("", "ConfigMap") => config::validate_config_map(object),
        ("", "Secret") => config::validate_secret(object),
        ("", "Namespace") => cluster::validate_namespace(object),
        ("", "Node") => [
            cluster::node::validate_node_metadata(object),
            cluster::validate_node(object),
        ]
        .concat(),
        ("", "PersistentVolumeClaim") => cluster::validate_pvc(object),
        ("apps", "Deployment") => apps::validate_deployment(object),
        ("apps", "ReplicaSet") => apps::validate_replica_set(object),
        ("apps", "StatefulSet") => apps::validate_stateful_set(object),
        ("apps", "DaemonSet") => apps::validate_daemon_set(object),
        ("batch", "Job") => batch::validate_job(object),
        ("batch", "CronJob") => batch::validate_cron_job(object),
        _ => Vec::new(),
    }
}

/// Kind-specific errors for updating `old` to `new`.
pub(crate) fn update(
    group: &str,
    version: &str,
    kind: &str,
    new: &Value,
    old: &Value,
) -> Vec<FieldError> {
    let _ = version;
    match (group, kind) {
        ("", "Pod") => pod::validate_pod_update(new, old),
        ("", "Service") => service::validate_service_update(new, old),
        ("", "ConfigMap") => config::validate_config_map_update(new, old),
        ("", "Secret") => config::validate_secret_update(new, old),
        ("", "Namespace") => cluster::validate_namespace(new),
        ("", "Node") => [
            cluster::node::validate_node_metadata(new),
            cluster::validate_node_update(new, old),
        ]
        .concat(),
        ("", "PersistentVolumeClaim") => [
            cluster::pvc::validate_pvc_update_metadata(new, old),
            cluster::validate_pvc_update(new, old),
        ]
        .concat(),
        ("apps", "Deployment") => apps::validate_deployment_update(new, old),
        ("apps", "ReplicaSet") => apps::validate_replica_set_update(new, old),
        ("apps", "StatefulSet") => apps::validate_stateful_set_update(new, old),
        ("apps", "DaemonSet") => apps::validate_daemon_set_update(new, old),
        ("batch", "Job") => batch::validate_job_update(new, old),
        ("batch", "CronJob") => batch::validate_cron_job_update(new, old),
        _ => Vec::new(),
    }
}

/// Upstream's `ValidateLabelSelector` (label values checked unless
/// `AllowInvalidLabelValueInSelector`, which updates set when the stored selector already had
/// invalid ones), and whether the selector can be built at all (`LabelSelectorAsSelector`,
/// whose requirements refuse unknown operators, value counts the operator does not take, and
/// invalid keys and values, allowed or not).
pub(super) fn label_selector(
    selector: &Value,
    allow_invalid_values: bool,
    path: &FieldPath,
) -> (Vec<FieldError>, bool) {
    let mut errors = labels(obj(selector, "matchLabels"), &path.child("matchLabels"));
    let mut usable = errors.is_empty();
    let expressions_path = path.child("matchExpressions");
    for (i, expression) in list(selector, "matchExpressions").iter().enumerate() {
        let item = expressions_path.index(i);
        let values = list(expression, "values");
        match string(expression, "operator") {
            "In" | "NotIn" => {
                if values.is_empty() {
                    usable = false;
                    errors.push(FieldError::required(
                        item.child("values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    usable = false;
                    errors.push(FieldError::forbidden(
                        item.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => {
                usable = false;
                errors.push(FieldError::invalid(
                    item.child("operator"),
                    other,
                    "not a valid selector operator",
                ));
            }
        }
        let key = string(expression, "key");
        for msg in validate_label_key(key) {
            usable = false;
            errors.push(FieldError::invalid(item.child("key"), key, msg));
        }
        for (j, value) in values.iter().enumerate() {
            let value = value.as_str().unwrap_or("");
            for msg in validate_label_value(value) {
                usable = false;
                if !allow_invalid_values {
                    errors.push(FieldError::invalid(
                        item.child("values").index(j),
                        value,
                        msg,
                    ));
                }
            }
        }
    }
    (errors, usable)
}

/// The empty JSON object, for absent objects.
static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// The object `key` of `value`, empty when absent or not an object.
fn obj<'v>(value: &'v Value, key: &str) -> &'v Map<String, Value> {
    value.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

/// The list `key` of `value`, empty when absent or not a list.
fn list<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The string `key` of `value`, empty when absent.
fn string<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The integer `key` of `value`, when set.
fn int(value: &Value, key: &str) -> Option<i64> {
    value.get(key).and_then(Value::as_i64)
}

/// Whether `key` of `value` is present and not null.
fn present(value: &Value, key: &str) -> bool {
    value.get(key).is_some_and(|v| !v.is_null())
}

/// A map of strings as `(key, value)` pairs, sorted by key as Go's map iteration in
/// validation is made deterministic only by sorting (and serde_json's maps are sorted).
fn string_pairs(map: &Map<String, Value>) -> Vec<(&str, &str)> {
    map.iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
        .collect()
}

/// Upstream's `ValidateDNS1123Label` on a field.
fn dns_label(value: &str, path: &FieldPath) -> Vec<FieldError> {
    super::names::dns1123_label(value.as_bytes(), super::names::Wording::Characters)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// Upstream's `ValidateDNS1123Subdomain` on a field.
fn dns_subdomain(value: &str, path: &FieldPath) -> Vec<FieldError> {
    super::names::dns1123_subdomain(value.as_bytes(), super::names::Wording::Characters)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// Upstream's `ValidateLabels` on a map field.
fn labels(map: &Map<String, Value>, path: &FieldPath) -> Vec<FieldError> {
    super::objectmeta::validate_labels(&string_pairs(map), path)
}

/// Upstream's `IsValidPortNum` message.
const PORT_RANGE: &str = "must be between 1 and 65535, inclusive";

/// Upstream's `IsValidPortNum`.
fn valid_port(port: i64) -> bool {
    (1..=65535).contains(&port)
}

/// Upstream's `IsValidPortName`.
fn port_name_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name.len() > 15 {
        errors.push("must be no more than 15 characters".to_string());
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errors.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        errors.push("must contain at least one letter (a-z)".to_string());
    }
    if name.contains("--") {
        errors.push("must not contain consecutive hyphens".to_string());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errors.push("must not begin or end with a hyphen".to_string());
    }
    errors
}

/// Upstream's `ValidateNonnegativeField` for an optional integer.
fn nonnegative(value: Option<i64>, path: &FieldPath) -> Vec<FieldError> {
    match value {
        Some(v) if v < 0 => vec![FieldError::invalid(
            path,
            v,
            "must be greater than or equal to 0",
        )],
        _ => Vec::new(),
    }
}

/// Upstream's `ValidateImmutableField`: `field is immutable` when `new` differs from `old`.
fn immutable(new: &Value, old: &Value, path: &FieldPath) -> Vec<FieldError> {
    if semantic_eq(new, old) {
        Vec::new()
    } else {
        vec![FieldError::invalid(
            path,
            bad_value(new),
            "field is immutable",
        )]
    }
}

/// Equality as upstream's `apiequality.Semantic.DeepEqual` sees decoded values: an absent
/// field, null, an empty list and an empty map are all the zero value.
fn semantic_eq(a: &Value, b: &Value) -> bool {
    fn is_zero(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.values().all(is_zero),
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            Value::Number(n) => n.as_f64() == Some(0.0),
        }
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.iter().all(|(k, v)| match y.get(k) {
                Some(w) => semantic_eq(v, w),
                None => is_zero(v),
            }) && y.iter().all(|(k, w)| x.contains_key(k) || is_zero(w))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| semantic_eq(v, w))
        }
        (Value::Null, other) | (other, Value::Null) => is_zero(other),
        _ => a == b,
    }
}

/// The bad value upstream shows for a whole struct: Go's `%v`-free JSON rendering is not
/// reproducible, so structures are shown as JSON and scalars as themselves.
fn bad_value(value: &Value) -> ironkube_apimachinery::field::BadValue {
    value.clone().into()
}
