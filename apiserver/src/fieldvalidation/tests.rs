//! Field validation against upstream's strict decoder (golden cases from
//! `apiserver/testdata/fieldvalidation-gen`) and by hand.

use super::*;

#[test]
fn unknown_and_duplicate_fields_at_several_depths() {
    let body = br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"},"bogus":1},
        "spec":{"containers":[{"name":"c","image":"i","foo":{"bar":1}}],"foo":true}}"#;
    assert_eq!(
        field_problems("", "v1", "Pod", body),
        vec![
            "duplicate field \"metadata.name\"",
            "duplicate field \"metadata.labels.x\"",
            "unknown field \"metadata.bogus\"",
            "unknown field \"spec.containers[0].foo\"",
            "unknown field \"spec.foo\"",
        ]
    );
    let status = strict_error_for("Pod", "v1", &["unknown field \"spec.foo\"".to_owned()]);
    assert_eq!(
        status.message,
        "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.foo\""
    );
    assert_eq!(
        warnings(&["unknown field \"spec.foo\"".to_owned()]),
        vec!["299 - \"unknown field \\\"spec.foo\\\"\""]
    );
    assert_eq!(Directive::parse(None), Ok(Directive::Warn));
    assert_eq!(Directive::parse(Some("Strict")), Ok(Directive::Strict));
    assert!(Directive::parse(Some("strict")).is_err());
}

/// One case of `apiserver/testdata/fieldvalidation.json`.
#[derive(serde::Deserialize)]
struct GoldenCase {
    /// The kind's group.
    group: String,
    /// The kind's version.
    version: String,
    /// The kind.
    kind: String,
    /// The request body.
    body: String,
    /// Upstream's strict decoding error ("" when none).
    error: String,
    /// Any other decoding error upstream gave ("" when none).
    other: String,
}

#[test]
fn golden_strict_decoding_errors() {
    let data = include_str!("../../testdata/fieldvalidation.json");
    let cases: Vec<GoldenCase> = serde_json::from_str(data).unwrap();
    assert!(cases.len() >= 60);
    let mut failures = Vec::new();
    for case in &cases {
        assert!(case.other.is_empty(), "{}: {}", case.body, case.other);
        let problems = field_problems(&case.group, &case.version, &case.kind, case.body.as_bytes());
        let got = if problems.is_empty() {
            String::new()
        } else {
            strict_error(&problems).message
        };
        if got != case.error {
            failures.push(format!(
                "{}\n  want {:?}\n  got  {:?}",
                case.body, case.error, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
