//! The golden file `testdata/defaults.json`: objects decoded and defaulted by upstream's own
//! schemes (`testdata/defaults-gen`, `cd testdata/defaults-gen && go run . > ../defaults.json`).
//!
//! Go writes the zero value of every field without `omitempty` (`"creationTimestamp": null`,
//! `"resources": {}`, `"status": {"replicas": 0}`, `"serviceName": ""`), which is serialization,
//! not defaulting. So the comparison treats a null, an object whose fields are all zero values,
//! or "" under one of the few non-`omitempty` string fields (`NON_OMITEMPTY_STRINGS`), in
//! upstream's output as equal to a missing field, except under the keys where an empty object
//! *is* the default (`MEANINGFUL_EMPTY`): those must be present. Everything else, including
//! every key we add, must match exactly.

use serde_json::{Map, Value};

/// Keys whose empty-object value upstream sets on purpose, so it must appear in our output too.
const MEANINGFUL_EMPTY: &[&str] = &[
    "securityContext",
    "emptyDir",
    "namespaceSelector",
    "objectSelector",
    "rollingUpdate",
    "exempt",
];

/// Go string fields without `omitempty` that upstream writes as "" when unset.
const NON_OMITEMPTY_STRINGS: &[&str] = &["serviceName", "reportingComponent", "reportingInstance"];

/// Whether upstream's `value` is only Go's zero-value serialization: null, or a struct whose
/// fields are all zero (`"status": {"replicas": 0}`, `"acceptedNames": {"kind": ""}`).
fn is_nothing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(entries) => entries.values().all(|entry| match entry {
            Value::String(text) => text.is_empty(),
            Value::Number(number) => number.as_f64() == Some(0.0),
            Value::Bool(flag) => !flag,
            other => is_nothing(other),
        }),
        _ => false,
    }
}

/// Differences between upstream's `expected` and our `actual` at `path`, appended to `differences`.
fn compare(path: &str, expected: &Value, actual: &Value, differences: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            compare_objects(path, expected, actual, differences)
        }
        (Value::Array(expected), Value::Array(actual)) if expected.len() == actual.len() => {
            for (index, (expected, actual)) in expected.iter().zip(actual).enumerate() {
                compare(&format!("{path}[{index}]"), expected, actual, differences);
            }
        }
        _ if expected == actual => {}
        _ => differences.push(format!("{path}: upstream {expected}, ours {actual}")),
    }
}

/// [`compare`] for two objects, key by key.
fn compare_objects(
    path: &str,
    expected: &Map<String, Value>,
    actual: &Map<String, Value>,
    differences: &mut Vec<String>,
) {
    for (key, expected_value) in expected {
        let child = format!("{path}.{key}");
        match actual.get(key) {
            Some(actual_value) => compare(&child, expected_value, actual_value, differences),
            None if is_nothing(expected_value)
                && !(expected_value.is_object() && MEANINGFUL_EMPTY.contains(&key.as_str())) => {}
            None if expected_value == "" && NON_OMITEMPTY_STRINGS.contains(&key.as_str()) => {}
            None => differences.push(format!("{child}: upstream {expected_value}, ours missing")),
        }
    }
    for (key, actual_value) in actual {
        if !expected.contains_key(key) && !actual_value.is_null() {
            differences.push(format!(
                "{path}.{key}: upstream missing, ours {actual_value}"
            ));
        }
    }
}

/// Replaces every `timeAdded` (set to the time of defaulting) with a fixed marker.
fn mask_times(value: &mut Value) {
    match value {
        Value::Object(entries) => {
            for (key, entry) in entries.iter_mut() {
                if key == "timeAdded" && entry.is_string() {
                    *entry = Value::String("<now>".to_owned());
                } else {
                    mask_times(entry);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_times),
        _ => {}
    }
}

#[test]
fn defaults_match_upstream() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("../../testdata/defaults.json")).unwrap();
    assert!(cases.len() >= 80, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        assert!(
            case.get("err").is_none(),
            "{name}: upstream failed: {}",
            case["err"]
        );
        let mut object = case["in"].clone();
        let api_version = object["apiVersion"].as_str().unwrap().to_owned();
        let kind = object["kind"].as_str().unwrap().to_owned();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", &api_version));
        super::apply(group, version, &kind, &mut object);
        mask_times(&mut object);
        let mut expected = case["out"].clone();
        mask_times(&mut expected);
        let mut differences = Vec::new();
        compare("", &expected, &object, &mut differences);
        if !differences.is_empty() {
            failures.push(format!("{name}:\n  {}", differences.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn malformed_input_does_not_panic() {
    for (group, version, kind) in [
        ("", "v1", "Pod"),
        ("", "v1", "Service"),
        ("", "v1", "ReplicationController"),
        ("", "v1", "LimitRange"),
        ("apps", "v1", "Deployment"),
        ("apps", "v1", "StatefulSet"),
        ("batch", "v1", "CronJob"),
        ("autoscaling", "v2", "HorizontalPodAutoscaler"),
        (
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingWebhookConfiguration",
        ),
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        ("resource.k8s.io", "v1", "ResourceClaim"),
    ] {
        for malformed in [
            serde_json::json!(null),
            serde_json::json!([1, 2]),
            serde_json::json!({"spec": 5, "metadata": "x", "status": []}),
            serde_json::json!({"spec": {"template": 1, "containers": [1, {"ports": 3, "resources": {"limits": 7}}],
                "volumes": "v", "strategy": [], "ports": [null], "limits": [{"type": "Container", "max": 1}],
                "behavior": {"scaleUp": 3}, "names": 1, "devices": {"requests": [{"exactly": 1}]}},
                "webhooks": [{"clientConfig": 1, "rules": [2]}]}),
        ] {
            let mut object = malformed;
            super::apply(group, version, kind, &mut object);
        }
    }
}
