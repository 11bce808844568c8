//! The golden file `testdata/conversion.json`: objects converted by upstream's own schemes
//! (`testdata/conversion-gen`, `cd testdata/conversion-gen && go run . > ../conversion.json`).
//! [`convert`] must agree with every entry, and with every round trip back to the input's
//! version.
//!
//! Objects are compared as JSON values after dropping what Go's encoder writes for zero values
//! of fields without `omitempty` (`null`, `""`, `{}`), which ironkube does not write.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::convert;

/// One entry of the golden file.
#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    group: String,
    version: String,
    #[serde(rename = "in")]
    input: Value,
    #[serde(default)]
    out: Option<Value>,
    #[serde(default)]
    err: Option<String>,
    #[serde(default)]
    back: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Golden {
    cases: Vec<Case>,
}

fn golden() -> Golden {
    serde_json::from_str(include_str!("../../testdata/conversion.json"))
        .expect("testdata/conversion.json parses")
}

/// Drops members whose value is `null`, `""` or `{}` (after dropping theirs), recursively.
fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(members) => {
            let mut out = Map::new();
            for (key, member) in members {
                let member = normalize(member);
                let zero = match &member {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Object(m) => m.is_empty(),
                    _ => false,
                };
                if !zero {
                    out.insert(key.clone(), member);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// The group and version of an object's `apiVersion`.
fn group_version(object: &Value) -> (String, String) {
    let api_version = object["apiVersion"].as_str().unwrap();
    match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

/// Where `actual` and `expected` differ, as JSON pointers with both values.
fn differences(path: &str, actual: &Value, expected: &Value, out: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for key in a.keys().chain(e.keys().filter(|k| !a.contains_key(*k))) {
                let p = format!("{path}/{key}");
                match (a.get(key), e.get(key)) {
                    (Some(x), Some(y)) => differences(&p, x, y, out),
                    (x, y) => out.push(format!("{p}: got {x:?}, want {y:?}")),
                }
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                differences(&format!("{path}/{i}"), x, y, out);
            }
        }
        (a, e) if a != e => out.push(format!("{path}: got {a}, want {e}")),
        _ => {}
    }
}

#[test]
fn golden_conversions() {
    let golden = golden();
    assert!(golden.cases.len() >= 30, "{} cases", golden.cases.len());
    let mut failures = Vec::new();
    let mut round_trips = 0;
    for case in &golden.cases {
        let result = convert(case.input.clone(), &case.group, &case.version);
        match (&case.err, result) {
            (Some(want), Err(got)) => {
                if got.to_string() != *want {
                    failures.push(format!("{}: error {got:?}, want {want:?}", case.name));
                }
            }
            (Some(want), Ok(got)) => {
                failures.push(format!(
                    "{}: converted to {got}, want error {want:?}",
                    case.name
                ));
            }
            (None, Err(got)) => failures.push(format!("{}: error {got}", case.name)),
            (None, Ok(got)) => {
                let want = case.out.as_ref().expect("a case has out or err");
                let mut diffs = Vec::new();
                differences("", &normalize(&got), &normalize(want), &mut diffs);
                for d in diffs {
                    failures.push(format!("{}: {d}", case.name));
                }
                if let Some(back_want) = &case.back {
                    round_trips += 1;
                    let (g, v) = group_version(&case.input);
                    match convert(got, &g, &v) {
                        Ok(back) => {
                            let mut diffs = Vec::new();
                            differences("", &normalize(&back), &normalize(back_want), &mut diffs);
                            for d in diffs {
                                failures.push(format!("{} (back): {d}", case.name));
                            }
                        }
                        Err(e) => failures.push(format!("{} (back): error {e}", case.name)),
                    }
                }
            }
        }
    }
    assert!(round_trips >= 10, "{round_trips} round trips");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn annotation_strings_are_byte_identical() {
    // Annotations hold JSON text, so they are compared as strings, not as values: the
    // normalization above must not hide a difference in them.
    let golden = golden();
    let mut compared = 0;
    for case in golden.cases.iter().filter(|c| c.out.is_some()) {
        let got = convert(case.input.clone(), &case.group, &case.version).unwrap();
        let want = case.out.as_ref().unwrap();
        let annotations = |v: &Value| {
            v["metadata"]["annotations"]
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        for (key, value) in annotations(want) {
            if key.starts_with("autoscaling.alpha.kubernetes.io/") {
                compared += 1;
                assert_eq!(
                    annotations(&got).get(&key),
                    Some(&value),
                    "{}: {key}",
                    case.name
                );
            }
        }
    }
    assert!(compared >= 8, "{compared} annotations compared");
}

#[test]
fn apiversion_only_for_same_shaped_kinds() {
    let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}});
    assert_eq!(convert(cm.clone(), "", "v1").unwrap(), cm);
    let ctb = serde_json::json!({"apiVersion": "certificates.k8s.io/v1", "kind": "ClusterTrustBundle", "spec": {"trustBundle": "x"}});
    let out = convert(ctb, "certificates.k8s.io", "v1beta1").unwrap();
    assert_eq!(out["apiVersion"], "certificates.k8s.io/v1beta1");
    assert_eq!(out["spec"]["trustBundle"], "x");
}

#[test]
fn errors() {
    use serde_json::json;
    assert_eq!(
        convert(json!({"kind": "Pod"}), "", "v1")
            .unwrap_err()
            .to_string(),
        r#"Object 'apiVersion' is missing in '{"kind":"Pod"}'"#
    );
    assert_eq!(
        convert(json!({"apiVersion": "v1"}), "", "v1")
            .unwrap_err()
            .to_string(),
        "Object 'Kind' is missing in '{}'"
    );
    assert_eq!(
        convert(json!({"apiVersion": "a/b/c", "kind": "X"}), "", "v1")
            .unwrap_err()
            .to_string(),
        "unexpected GroupVersion string: a/b/c"
    );
    assert_eq!(
        convert(
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"}),
            "autoscaling",
            "v2beta2"
        )
        .unwrap_err()
        .to_string(),
        r#"no kind "HorizontalPodAutoscaler" is registered for version "autoscaling/v2beta2""#
    );
    assert_eq!(
        convert(json!({"apiVersion": "v1", "kind": "Pod"}), "apps", "v1")
            .unwrap_err()
            .to_string(),
        r#"Pod of "v1" is not suitable for converting to "apps/v1""#
    );
    assert!(matches!(
        convert(json!([]), "", "v1"),
        Err(super::ConversionError::NotAnObject)
    ));
}

#[test]
fn lists_keep_item_type_meta_only_when_present() {
    use serde_json::json;
    let list = json!({"apiVersion": "v1", "kind": "EventList", "metadata": {"resourceVersion": "1"}, "items": [
        {"metadata": {"name": "a"}, "message": "m"},
        {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "b"}, "count": 1},
    ]});
    assert_eq!(
        convert(list, "events.k8s.io", "v1").unwrap(),
        json!({"apiVersion": "events.k8s.io/v1", "kind": "EventList", "metadata": {"resourceVersion": "1"}, "items": [
            {"metadata": {"name": "a"}, "note": "m"},
            {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "b"}, "deprecatedCount": 1},
        ]})
    );
}
