//! The golden file `testdata/validation.json`: upstream's own metadata validation (generic and
//! core wrappers), name functions, registry strategies (`rest.ValidateCreate` /
//! `rest.ValidateUpdate`), field label conversion and `GetAttrs`, run on a list of inputs by
//! `testdata/validation-gen` (`cd testdata/validation-gen && go run . > ../validation.json`).
//! Every entry must agree.

use std::collections::BTreeMap;

use ironkube_apimachinery::field::aggregate_message;
use ironkube_apimachinery::{FieldError, FieldSelector};
use serde::Deserialize;
use serde_json::{Value, json};

use super::objectmeta::{self, ObjectMeta};
use super::{
    NameRule, name_errors, path_segment_name_errors, validate_create, validate_object_meta,
    validate_object_meta_update, validate_update,
};
use crate::fields::{check_field_selector, convert_field_selector, field_set};

#[derive(Debug, Deserialize)]
struct NameCase {
    rule: String,
    #[serde(default)]
    signer: String,
    value: String,
    prefix: bool,
    errs: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
struct ExpectedError {
    r#type: String,
    field: String,
    detail: String,
    body: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaCase {
    name: String,
    rule: String,
    flavor: String,
    namespaced: bool,
    op: String,
    object: Value,
    #[serde(default)]
    old: Value,
    #[serde(default)]
    big_annotation: usize,
    errors: Vec<ExpectedError>,
    aggregate: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PipelineCase {
    name: String,
    group: String,
    resource: String,
    namespaced: bool,
    op: String,
    object: Value,
    #[serde(default)]
    old: Value,
    errors: Vec<ExpectedError>,
    aggregate: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LabelResult {
    label: String,
    #[serde(default)]
    out_label: String,
    #[serde(default)]
    err: String,
}

#[derive(Debug, Deserialize)]
struct LabelCase {
    group: String,
    version: String,
    resource: String,
    results: Vec<LabelResult>,
}

#[derive(Debug, Deserialize)]
struct AttrsCase {
    group: String,
    version: String,
    resource: String,
    namespaced: bool,
    object: Value,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct PathSegmentCase {
    name: String,
    errs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Golden {
    names: Vec<NameCase>,
    meta: Vec<MetaCase>,
    pipeline: Vec<PipelineCase>,
    field_labels: Vec<LabelCase>,
    attrs: Vec<AttrsCase>,
    path_segments: Vec<PathSegmentCase>,
}

fn golden() -> Golden {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/validation.json");
    let data = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&data).unwrap()
}

/// Cases whose error values upstream prints with `json.Marshal` of a Go struct (fields in
/// declaration order), which `FieldError`'s JSON values cannot reproduce (they print keys
/// sorted): owner references with `controller` set. Types, fields and details must still
/// agree.
const STRUCT_ORDER_CASES: &[&str] = &["owner-two-controllers"];

fn rule(name: &str) -> NameRule {
    match name {
        "DnsSubdomain" => NameRule::DnsSubdomain,
        "DnsLabel" | "StatefulSet" => NameRule::DnsLabel,
        "PathSegment" => NameRule::PathSegment,
        "RestPathSegment" => NameRule::GenericPathSegment,
        "IpAddress" => NameRule::IpAddress,
        "Any" => NameRule::Any,
        "ClusterTrustBundle" => NameRule::ClusterTrustBundle,
        "CustomResourceDefinition" => NameRule::CustomResourceDefinition,
        "ApiService" => NameRule::ApiService,
        "LongName" => NameRule::LongName,
        other => panic!("unknown rule {other}"),
    }
}

fn actual(errors: &[FieldError]) -> Vec<ExpectedError> {
    errors
        .iter()
        .map(|e| ExpectedError {
            r#type: e.error_type.as_str().to_string(),
            field: e.field.clone(),
            detail: e.detail.clone(),
            body: e.body(),
        })
        .collect()
}

fn compare(
    name: &str,
    errors: &[FieldError],
    expected: &[ExpectedError],
    aggregate: Option<&String>,
) {
    let got = actual(errors);
    if STRUCT_ORDER_CASES.contains(&name) {
        let strip = |list: &[ExpectedError]| -> Vec<(String, String, String)> {
            list.iter()
                .map(|e| (e.r#type.clone(), e.field.clone(), e.detail.clone()))
                .collect()
        };
        assert_eq!(strip(&got), strip(expected), "case {name}");
        return;
    }
    assert_eq!(got, expected, "case {name}");
    assert_eq!(
        aggregate_message(errors).as_ref(),
        aggregate,
        "case {name} aggregate"
    );
}

fn kube_finalizers(object: &Value) -> Vec<FieldError> {
    objectmeta::validate_kube_finalizers(&ObjectMeta::read(object, &mut Vec::new()))
}

#[test]
fn name_rules_match_upstream() {
    let golden = golden();
    assert!(golden.names.len() > 300);
    for case in &golden.names {
        let object = json!({"spec": {"signerName": case.signer}});
        assert_eq!(
            name_errors(rule(&case.rule), &object, &case.value, case.prefix),
            case.errs,
            "{} {:?} prefix={}",
            case.rule,
            case.value,
            case.prefix
        );
    }
}

#[test]
fn object_meta_matches_upstream() {
    let golden = golden();
    assert!(golden.meta.len() >= 100);
    for case in &golden.meta {
        let mut object = case.object.clone();
        if case.big_annotation > 0 {
            object["metadata"]["annotations"] = json!({"a": "x".repeat(case.big_annotation)});
        }
        let errors = match (case.op.as_str(), case.flavor.as_str()) {
            ("create", "generic") => {
                validate_object_meta(&object, case.namespaced, rule(&case.rule))
            }
            ("create", "core" | "opts") => {
                let mut errors = validate_object_meta(&object, case.namespaced, rule(&case.rule));
                errors.extend(kube_finalizers(&object));
                errors
            }
            ("update", "generic") => validate_object_meta_update(&object, &case.old),
            ("update", "core") => {
                let mut errors = validate_object_meta_update(&object, &case.old);
                errors.extend(kube_finalizers(&object));
                errors
            }
            other => panic!("unknown case kind {other:?}"),
        };
        compare(&case.name, &errors, &case.errors, case.aggregate.as_ref());
    }
}

#[test]
fn strategies_match_upstream() {
    let golden = golden();
    assert!(golden.pipeline.len() >= 40);
    for case in &golden.pipeline {
        let errors = match case.op.as_str() {
            "create" => validate_create(&case.group, &case.resource, case.namespaced, &case.object),
            _ => validate_update(
                &case.group,
                &case.resource,
                case.namespaced,
                &case.object,
                &case.old,
            ),
        };
        compare(&case.name, &errors, &case.errors, case.aggregate.as_ref());
    }
}

#[test]
fn field_labels_match_upstream() {
    let golden = golden();
    let mut checked = 0;
    for kind in &golden.field_labels {
        for result in &kind.results {
            let selector = FieldSelector::exact(&result.label, "x");
            let check = check_field_selector(&kind.group, &kind.version, &kind.resource, &selector);
            let context = format!("{}/{} {:?}", kind.group, kind.resource, result.label);
            if result.err.is_empty() {
                assert_eq!(check, Ok(()), "{context}");
                let converted =
                    convert_field_selector(&kind.group, &kind.version, &kind.resource, &selector)
                        .unwrap();
                assert_eq!(
                    converted.requires_exact_match(&result.out_label),
                    Some("x"),
                    "{context}"
                );
            } else {
                assert_eq!(check, Err(result.err.clone()), "{context}");
            }
            checked += 1;
        }
    }
    assert!(checked > 500);
}

#[test]
fn field_sets_match_upstream() {
    let golden = golden();
    assert!(golden.attrs.len() >= 20);
    for case in &golden.attrs {
        let set = field_set(&case.group, &case.version, &case.resource, case.namespaced);
        assert_eq!(set(&case.object), case.fields, "{}", case.object);
    }
}

#[test]
fn path_segments_match_upstream() {
    for case in golden().path_segments {
        assert_eq!(
            path_segment_name_errors(&case.name),
            case.errs,
            "{:?}",
            case.name
        );
    }
}
