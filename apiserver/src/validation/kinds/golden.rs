//! The golden file `testdata/kindvalidation.json`: upstream's registry strategies
//! (`rest.ValidateCreate` / `rest.ValidateUpdate` after decoding, defaulting and preparing),
//! errors outside metadata only, written by `testdata/kindvalidation-gen`. Kinds listed in
//! [`PORTED`] must agree on type, field and detail (up to upstream's appended diffs), and on
//! the whole message where upstream's bad value is not a Go struct.

use serde::Deserialize;
use serde_json::Value;

/// Kinds whose golden cases must all agree.
const PORTED: &[&str] = &[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Service",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Job",
    "CronJob",
    "Namespace",
    "Node",
    "PersistentVolumeClaim",
];

/// Cases whose detail is Go's `encoding/json` error text, which only type and field match.
const GO_JSON_ERRORS: &[&str] = &["secret dockerconfigjson bad json"];

#[derive(Debug, Deserialize)]
struct Expected {
    r#type: String,
    field: String,
    detail: String,
    body: String,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    group: String,
    version: String,
    kind: String,
    op: String,
    object: Value,
    #[serde(default)]
    old: Value,
    errors: Vec<Expected>,
}

#[derive(Debug, Deserialize)]
struct Golden {
    cases: Vec<Case>,
}

/// The first line: upstream appends a `cmp.Diff` whose spacing is randomised.
fn first_line(s: &str) -> &str {
    s.split('\n').next().unwrap_or("")
}

/// Whether upstream printed a Go struct (field names capitalised) as the bad value.
fn go_struct_value(body: &str) -> bool {
    body.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'{' && w[1] == b'"' && w[2].is_ascii_uppercase())
}

#[test]
fn kind_validation_matches_upstream() {
    let golden: Golden =
        serde_json::from_str(include_str!("../../../testdata/kindvalidation.json")).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &golden.cases {
        if !PORTED.contains(&case.kind.as_str()) {
            continue;
        }
        checked += 1;
        let got = if case.op == "create" {
            super::create(&case.group, &case.version, &case.kind, &case.object)
        } else {
            super::update(
                &case.group,
                &case.version,
                &case.kind,
                &case.object,
                &case.old,
            )
        };
        // The generator keeps errors outside metadata only; so does the comparison.
        let got: Vec<_> = got
            .into_iter()
            .filter(|g| g.field != "metadata" && !g.field.starts_with("metadata."))
            .collect();
        let ok = got.len() == case.errors.len()
            && got.iter().zip(&case.errors).all(|(g, e)| {
                g.error_type.as_str() == e.r#type
                    && g.field == e.field
                    && (GO_JSON_ERRORS.contains(&case.name.as_str())
                        || (first_line(&g.detail) == first_line(&e.detail)
                            && (go_struct_value(&e.body)
                                || e.body.contains('\n')
                                || g.body() == e.body)))
            });
        if !ok {
            let got: Vec<String> = got
                .iter()
                .map(|g| format!("{}: {} {}", g.error_type.as_str(), g.field, g.body()))
                .collect();
            let want: Vec<String> = case
                .errors
                .iter()
                .map(|e| format!("{}: {} {}", e.r#type, e.field, e.body))
                .collect();
            failures.push(format!("{}:\n  got  {got:#?}\n  want {want:#?}", case.name));
        }
    }
    assert!(checked >= 100, "only {checked} cases checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
