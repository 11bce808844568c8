//! The golden file `testdata/patch.json`: upstream's own JSON patch, merge patch and
//! strategic merge patch functions, run through the PATCH handler's error handling by
//! `testdata/patch-gen` (`go run . > ../patch.json`). Every case must agree.

use serde::Deserialize;
use serde_json::Value;

use super::{PatchType, apply};
use crate::Status;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    name: String,
    r#type: String,
    api_version: String,
    kind: String,
    #[serde(default)]
    original: Value,
    #[serde(default)]
    patch: String,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    synth: String,
}

/// Rebuilds the inputs of the cases too large to store (see `synthCases` in the generator).
fn synthesize(case: &mut Case) {
    let ops = |n: usize| {
        let one = r#"{"op":"test","path":"/n","value":1.5}"#;
        format!("[{}]", vec![one; n].join(","))
    };
    let copies = |n: usize| {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"op":"copy","from":"/a","path":"/c{i}"}}"#))
            .collect();
        format!("[{}]", items.join(","))
    };
    let cm: Value = serde_json::json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"b"}},"data":{"k1":"v1","k2":"v2"},"arr":[1,2,{"x":null}],"n":1.5,"nested":{"a":{"b":[1,2]}}});
    let big = serde_json::json!({"a": "x".repeat(1024 * 1024)});
    let (original, patch) = match case.synth.as_str() {
        "ops:10001" => (cm, ops(10001)),
        "ops:10000" => (cm, ops(10000)),
        "copies:2" => (big, copies(2)),
        "copies:3" => (big, copies(3)),
        other => panic!("unknown synthesized case {other}"),
    };
    case.original = original;
    case.patch = patch;
}

#[test]
fn patches_match_upstream() {
    let cases: Vec<Case> = serde_json::from_str(include_str!("../../testdata/patch.json")).unwrap();
    let mut failures = Vec::new();
    let total = cases.len();
    for mut case in cases {
        if !case.synth.is_empty() {
            synthesize(&mut case);
        }
        let patch_type = match case.r#type.as_str() {
            "json" => PatchType::Json,
            "merge" => PatchType::Merge,
            _ => PatchType::StrategicMerge,
        };
        let got = apply(
            patch_type,
            &case.original,
            case.patch.as_bytes(),
            &case.api_version,
            &case.kind,
        );
        let label = format!("{} {}", case.r#type, case.name);
        match (got, &case.result, &case.status) {
            (Ok(value), Some(expected), _) => {
                if !case.synth.is_empty() {
                    continue;
                }
                if &value != expected {
                    failures.push(format!("{label}: got {value}, want {expected}"));
                }
            }
            (Err(e), _, Some(expected)) => {
                let status = e.status("", "", "");
                if &status != expected {
                    failures.push(format!(
                        "{label}: got {}, want {}",
                        serde_json::to_string(&status).unwrap(),
                        serde_json::to_string(expected).unwrap()
                    ));
                }
            }
            (Ok(value), None, Some(expected)) => failures.push(format!(
                "{label}: got {value}, want {}",
                serde_json::to_string(expected).unwrap()
            )),
            (Err(e), _, None) => failures.push(format!("{label}: got error {e:?}, want success")),
            (Ok(_), None, None) => failures.push(format!("{label}: case has no expectation")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
