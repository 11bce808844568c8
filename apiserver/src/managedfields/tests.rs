//! Golden tests against upstream's field manager (`apiserver/testdata/managedfields.json`,
//! written by `apiserver/testdata/managedfields-gen`), and unit tests of the pieces.

use serde_json::{Value, json};

use super::fieldset::{PathElement, Set};
use super::managers;
use super::update::{self, Endpoint};
use super::{ApplyError, apply_config, go_form, manager_of, record_update, reset_paths};

const GOLDEN: &str = include_str!("../../testdata/managedfields.json");
const CREATED_UID: &str = "00000000-0000-0000-0000-000000000001";

/// The entries of an object, with `fieldsV1` written as upstream's bytes.
fn entries_of(object: &Value) -> Vec<Value> {
    let Some(Value::Array(entries)) = object.pointer("/metadata/managedFields") else {
        return Vec::new();
    };
    entries
        .iter()
        .map(|entry| {
            let set = Set::from_fields_v1(&entry["fieldsV1"]).unwrap();
            json!({
                "manager": entry.get("manager").cloned().unwrap_or(json!("")),
                "operation": entry["operation"],
                "apiVersion": entry["apiVersion"],
                "time": entry.get("time").cloned().unwrap_or(Value::Null),
                "fieldsType": entry["fieldsType"],
                "fieldsV1": set.to_fields_v1(),
                "subresource": entry.get("subresource").cloned().unwrap_or(json!("")),
            })
        })
        .collect()
}

#[test]
fn golden_sequences_match_upstream() {
    let golden: Value = serde_json::from_str(GOLDEN).unwrap();
    let mut failures = Vec::new();
    let mut steps = 0;
    let mut applies = 0;
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let group = case["group"].as_str().unwrap();
        let version = case["version"].as_str().unwrap();
        let kind = case["kind"].as_str().unwrap();
        let mut live: Option<Value> = None;
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            steps += 1;
            let op = step["op"].as_str().unwrap();
            let manager = step["manager"].as_str().unwrap();
            let subresource = step.get("subresource").and_then(Value::as_str);
            let now = step["now"].as_str().unwrap();
            if op == "apply" {
                applies += 1;
                let (next, failure) = apply_step(group, version, kind, live.as_ref(), step);
                if let Some(failure) = failure {
                    failures.push(format!("{name} step {i} ({op} by {manager}): {failure}"));
                }
                live = next;
                continue;
            }
            let mut new = if op == "scale" {
                let mut parent = live.clone().unwrap();
                parent["spec"]["replicas"] = step["replicas"].clone();
                parent
            } else {
                step["object"].clone()
            };
            record_update(
                group,
                version,
                kind,
                if op == "create" { None } else { live.as_ref() },
                &mut new,
                manager,
                if op == "scale" {
                    Some("scale")
                } else {
                    subresource
                },
                now,
            );
            // What the registry fills in around the field manager.
            if op == "create" {
                new["metadata"]["uid"] = json!(CREATED_UID);
                new["metadata"]["creationTimestamp"] = json!(now);
            } else if op == "update"
                && let Some(old) = &live
            {
                new["metadata"]["uid"] = old["metadata"]["uid"].clone();
                new["metadata"]["creationTimestamp"] = old["metadata"]["creationTimestamp"].clone();
            }
            let got = entries_of(&new);
            let want = step["expected"].as_array().unwrap();
            if &got != want {
                failures.push(format!(
                    "{name} step {i} ({op} by {manager}):\n  got  {}\n  want {}",
                    serde_json::to_string(&got).unwrap(),
                    serde_json::to_string(want).unwrap()
                ));
            }
            live = Some(new);
        }
    }
    assert!(steps > 100, "only {steps} steps");
    assert!(applies > 40, "only {applies} apply steps");
    assert!(
        failures.is_empty(),
        "{} of {steps} steps differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The status code, reason, message and causes of an apply's error, as upstream's status.
fn status_of(err: &ApplyError) -> Value {
    let (code, reason, causes) = match err {
        ApplyError::BadRequest(_) => (400, "BadRequest", Vec::new()),
        // Upstream writes errors that are no status as they are: 500, no reason.
        ApplyError::Internal(_) => (500, "", Vec::new()),
        ApplyError::Conflict { causes, .. } => (
            409,
            "Conflict",
            // Upstream lists several managers' causes in Go's map order; the golden file
            // has them sorted (stably) by message, as here.
            {
                let mut sorted: Vec<&(String, String)> = causes.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                sorted
            }
            .into_iter()
                .map(|(message, field)| {
                    json!({"type": "FieldManagerConflict", "message": message, "field": field})
                })
                .collect(),
        ),
    };
    json!({"code": code, "reason": reason, "message": err.to_string(), "causes": causes})
}

/// Runs one golden apply step on `live`: the object to keep as live (the live one when the
/// apply fails), and what differs from upstream, if anything.
fn apply_step(
    group: &str,
    version: &str,
    kind: &str,
    live: Option<&Value>,
    step: &Value,
) -> (Option<Value>, Option<String>) {
    let manager = step["manager"].as_str().unwrap();
    let subresource = step.get("subresource").and_then(Value::as_str);
    let force = step.get("force").and_then(Value::as_bool).unwrap_or(false);
    let now = step["now"].as_str().unwrap();
    let want_entries = step["expected"].as_array().unwrap();
    let result = apply_config(
        group,
        version,
        kind,
        live,
        &step["object"],
        manager,
        force,
        subresource,
        now,
    );
    let mut applied = match (result, step.get("error")) {
        (Err(err), Some(want)) => {
            let got = status_of(&err);
            let failure =
                (&got != want).then(|| format!("\n  got error  {got}\n  want error {want}"));
            return (live.cloned(), failure);
        }
        (Err(err), None) => {
            let failure = format!("unexpected error {}", status_of(&err));
            return (live.cloned(), Some(failure));
        }
        (Ok(applied), Some(want)) => {
            return (Some(applied), Some(format!("no error, want {want}")));
        }
        (Ok(applied), None) => applied,
    };
    // What the handler does after the field manager (upstream defaults inside it), and the
    // registry on create.
    crate::defaults::apply(group, version, kind, &mut applied);
    if live.is_none() {
        applied["metadata"]["uid"] = json!(CREATED_UID);
        applied["metadata"]["creationTimestamp"] = json!(now);
    }
    let entries = applied.pointer("/metadata/managedFields").cloned();
    let mut stored = go_form(group, version, &applied);
    if let Some(meta) = stored.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    let mut problems = Vec::new();
    if stored != step["result"] {
        problems.push(format!(
            "\n  got object  {}\n  want object {}",
            serde_json::to_string(&stored).unwrap(),
            serde_json::to_string(&step["result"]).unwrap()
        ));
    }
    let got_entries = entries_of(&applied);
    if &got_entries != want_entries {
        problems.push(format!(
            "\n  got  {}\n  want {}",
            serde_json::to_string(&got_entries).unwrap(),
            serde_json::to_string(want_entries).unwrap()
        ));
    }
    if let (Some(entries), Some(meta)) = (
        entries,
        stored.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        meta.insert("managedFields".into(), entries);
    }
    (
        Some(stored),
        (!problems.is_empty()).then(|| problems.concat()),
    )
}

#[test]
fn reset_fields_match_upstream_strategies() {
    let golden: Value = serde_json::from_str(GOLDEN).unwrap();
    for entry in golden["resetFields"].as_array().unwrap() {
        let group = entry["group"].as_str().unwrap();
        let kind = entry["kind"].as_str().unwrap();
        for (subresource, member) in [("", "main"), ("status", "status")] {
            let mut ours: Vec<String> = reset_paths(group, kind, subresource)
                .iter()
                .map(|path| path.join("."))
                .collect();
            ours.sort();
            let theirs: Vec<String> = entry[member]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            // Kinds without a status subresource have no status strategy upstream.
            if member == "status" && theirs.is_empty() {
                continue;
            }
            assert_eq!(ours, theirs, "{group}/{kind} {member}");
        }
    }
}

#[test]
fn manager_from_user_agent() {
    assert_eq!(
        manager_of(Some("mine"), Some("kubectl/v1.37.2 (linux/amd64)")),
        "mine"
    );
    assert_eq!(
        manager_of(None, Some("kubectl/v1.37.2 (linux/amd64) kubernetes/abc")),
        "kubectl"
    );
    assert_eq!(
        manager_of(Some(""), Some("kubectl-edit/v1.37.2")),
        "kubectl-edit"
    );
    assert_eq!(manager_of(None, None), "");
    assert_eq!(manager_of(None, Some("a\u{1}b\tc d/x")), "abc d");
    let long = "x".repeat(200);
    assert_eq!(manager_of(None, Some(&long)).len(), 128);
    assert_eq!(
        manager_of(None, Some(&format!("{}é", "x".repeat(127)))).len(),
        127
    );
}

#[test]
fn fields_v1_round_trips_in_upstream_order() {
    let raw = r#"{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{"f:ports":{"k:{\"port\":9,\"protocol\":\"UDP\"}":{".":{},"f:port":{}},"k:{\"port\":10,\"protocol\":\"UDP\"}":{}},"f:finalizers":{"v:\"a\\u003cb\"":{},"i:2":{}}}}"#;
    let set = Set::from_fields_v1(&serde_json::from_str(raw).unwrap()).unwrap();
    assert_eq!(
        set.to_fields_v1(),
        r#"{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{"f:finalizers":{"v:\"a\\u003cb\"":{},"i:2":{}},"f:ports":{"k:{\"port\":9,\"protocol\":\"UDP\"}":{".":{},"f:port":{}},"k:{\"port\":10,\"protocol\":\"UDP\"}":{}}}}"#
    );
    // Unknown element types are skipped; malformed ones are errors.
    assert!(Set::from_fields_v1(&json!({"x:y": {}})).unwrap().is_empty());
    assert!(Set::from_fields_v1(&json!({"f": {}})).is_err());
    assert!(Set::from_fields_v1(&json!({"f:a": "x"})).is_err());
    assert!(Set::from_fields_v1(&json!({"i:x": {}})).is_err());
}

#[test]
fn set_operations() {
    let a = PathElement::Field("a".into());
    let b = PathElement::Field("b".into());
    let c = PathElement::Field("c".into());
    let abc = Set::of(&[&[a.clone(), b.clone(), c.clone()], std::slice::from_ref(&a)]);
    let ab = Set::of(&[&[a.clone(), b.clone()]]);
    // A parent in the other set leaves the child; a recursive difference drops it.
    assert_eq!(abc.difference(&ab), abc);
    assert_eq!(
        abc.recursive_difference(&ab),
        Set::of(&[std::slice::from_ref(&a)])
    );
    assert!(abc.has(&[a.clone(), b.clone(), c.clone()]));
    assert!(!abc.has(&[a.clone(), b.clone()]));
    assert_eq!(abc.intersection(&ab), Set::new());
    assert_eq!(ab.union(&abc).intersection(&ab), ab);
}

#[test]
fn reset_and_invalid_managed_fields() {
    assert!(managers::is_reset(Some(&json!([]))));
    assert!(managers::is_reset(Some(&json!([{}]))));
    assert!(managers::is_reset(Some(
        &json!([{"manager": "", "time": null}])
    )));
    assert!(!managers::is_reset(Some(&json!([{"manager": "x"}]))));
    assert!(!managers::is_reset(None));
    assert!(!managers::is_reset(Some(&Value::Null)));
    assert!(managers::decode(Some(&json!([{"operation": "Update"}]))).is_err());
    assert!(managers::decode(Some(&json!("nope"))).is_err());
    assert!(
        managers::decode(Some(&json!([{"operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1", "time": "yesterday"}])))
            .is_err()
    );
}

#[test]
fn malformed_objects_never_panic() {
    let endpoint = Endpoint {
        group: "",
        version: "v1",
        kind: "Pod",
        subresource: "",
        reset: Set::new(),
        document: ("", "v1"),
    };
    let live = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}});
    for new in [
        json!({"apiVersion": "v1", "kind": "Pod", "spec": "x"}),
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [null, 1, {"image": "i"}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"finalizers": [{"a": 1}, null]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "unknown": {"x": 1}}),
        json!([1, 2]),
    ] {
        // Upstream's typed decoding refuses most of these before; none may panic here.
        let _ = update::update_no_errors(
            &endpoint,
            &live,
            &new,
            new.pointer("/metadata/managedFields"),
            "m",
            "2024-01-01T00:00:00Z",
        );
    }
    let mut odd = json!("not an object");
    record_update(
        "",
        "v1",
        "Pod",
        None,
        &mut odd,
        "m",
        None,
        "2024-01-01T00:00:00Z",
    );
    let mut pod =
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "managedFields": 7}});
    record_update(
        "",
        "v1",
        "Pod",
        None,
        &mut pod,
        "m",
        None,
        "2024-01-01T00:00:00Z",
    );
}

#[test]
fn status_writes_keep_metadata_for_the_kinds_that_reset_only_spec() {
    // Upstream's status strategies: these reset `spec` (pods also their owners and deletion
    // time, deployments their labels) and keep the client's other metadata.
    assert_eq!(
        super::status_resets_only_spec("", "Pod"),
        Some(vec!["deletionTimestamp", "ownerReferences"])
    );
    assert_eq!(
        super::status_resets_only_spec("apps", "Deployment"),
        Some(vec!["labels"])
    );
    for (group, kind) in [
        ("", "Node"),
        ("", "Namespace"),
        ("", "Service"),
        ("apps", "ReplicaSet"),
        ("batch", "Job"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ] {
        assert_eq!(
            super::status_resets_only_spec(group, kind),
            Some(vec![]),
            "{group}/{kind}"
        );
    }
    // The others reset all of metadata (`ResetObjectMetaForStatus`).
    for (group, kind) in [
        ("networking.k8s.io", "ServiceCIDR"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("", "ConfigMap"),
    ] {
        assert_eq!(
            super::status_resets_only_spec(group, kind),
            None,
            "{group}/{kind}"
        );
    }
}
