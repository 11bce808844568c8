//! Job specs: upstream's `validateGeneratedSelector`, `ValidateJobSpec` (with
//! `validateJobSpec`; the pod failure and success policies are in `policy`) and
//! `ValidateJobSpecUpdate`.

use std::collections::BTreeMap;

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::{BadValue, FieldPath};
use ironkube_apimachinery::selector::LabelSelector;
use serde_json::{Map, Value};

use super::super::{
    dns_subdomain, immutable, int, labels, list, nonnegative, obj, present, regex_error,
    semantic_eq, string, string_pairs,
};
use super::spec;

/// The largest parallelism of an indexed job (it bounds `.status.completedIndexes`).
const MAX_PARALLELISM_INDEXED: i64 = 100_000;
/// The most failed indexes an indexed job may tolerate.
const MAX_FAILED_INDEXES: i64 = 100_000;
/// Above this many completions, per-index backoff needs tighter limits.
const COMPLETIONS_SOFT_LIMIT: i64 = 100_000;
/// The parallelism limit for jobs above the completions soft limit.
const PARALLELISM_LIMIT_HIGH_COMPLETIONS: i64 = 10_000;
/// The failed indexes limit for jobs above the completions soft limit.
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS: i64 = 10_000;
/// The longest `managedBy`.
const MAX_MANAGED_BY_LENGTH: i64 = 63;

/// Pod replacement policies, sorted.
const POD_REPLACEMENT_POLICIES: &[&str] = &["Failed", "TerminatingOrFailed"];

/// The template label the job strategy sets to the job's uid (the legacy spelling).
const LEGACY_CONTROLLER_UID: &str = "controller-uid";
/// The template label the job strategy sets to the job's name (the legacy spelling).
const LEGACY_JOB_NAME: &str = "job-name";
/// The template label the job strategy sets to the job's uid.
const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// The template label the job strategy sets to the job's name.
const JOB_NAME: &str = "batch.kubernetes.io/job-name";

/// Upstream's `httpPathFmt`, which the path of a domain-prefixed path must match.
const HTTP_PATH_FMT: &str = r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+";

/// The template's labels as a string map.
fn template_labels(template: &Value) -> &Map<String, Value> {
    obj(template.get("metadata").unwrap_or(&Value::Null), "labels")
}

/// A label map as a `BTreeMap`, for selector matching.
fn label_set(labels: &Map<String, Value>) -> BTreeMap<String, String> {
    labels
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
        .collect()
}

/// Whether a completion mode is `Indexed`.
fn indexed(spec: &Value) -> bool {
    spec.get("completionMode").and_then(Value::as_str) == Some("Indexed")
}

/// Upstream's `ValidateHasLabel` on the pod template's metadata.
fn has_label(labels: &Map<String, Value>, key: &str, expected: &str) -> Option<FieldError> {
    let path = FieldPath::new("spec")
        .child("template")
        .child("metadata")
        .child("labels")
        .key(key);
    match labels.get(key) {
        None => Some(FieldError::required(path, format!("must be '{expected}'"))),
        Some(actual) if actual.as_str() != Some(expected) => Some(FieldError::invalid(
            path,
            BadValue::Json(Value::Object(labels.clone())),
            format!("must be '{expected}'"),
        )),
        Some(_) => None,
    }
}

/// Upstream's `validateGeneratedSelector` with the prefixed labels required (as on create):
/// unless the selector is manual, the template carries the generated labels and the selector
/// selects exactly them. The missing uid is a metadata error, left out here.
pub(super) fn validate_generated_selector(job: &Value) -> Vec<FieldError> {
    let job_spec = spec(job);
    if job_spec.get("manualSelector").and_then(Value::as_bool) == Some(true) {
        return Vec::new();
    }
    let Some(selector) = job_spec.get("selector").filter(|s| !s.is_null()) else {
        return Vec::new();
    };
    let meta = job.get("metadata").unwrap_or(&Value::Null);
    let uid = string(meta, "uid");
    let name = string(meta, "name");
    let labels = template_labels(job_spec.get("template").unwrap_or(&Value::Null));
    let mut errors: Vec<FieldError> = [
        (LEGACY_CONTROLLER_UID, uid),
        (LEGACY_JOB_NAME, name),
        (CONTROLLER_UID, uid),
        (JOB_NAME, name),
    ]
    .into_iter()
    .filter_map(|(key, expected)| has_label(labels, key, expected))
    .collect();
    let expected: BTreeMap<String, String> = [
        (CONTROLLER_UID, uid),
        (JOB_NAME, name),
        (LEGACY_CONTROLLER_UID, uid),
        (LEGACY_JOB_NAME, name),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Ok(built) = LabelSelector::from_metav1_value(selector)
        && !built.matches(&expected)
    {
        errors.push(FieldError::invalid(
            FieldPath::new("spec").child("selector"),
            BadValue::Json(selector.clone()),
            "`selector` not auto-generated",
        ));
    }
    errors
}

/// Upstream's `ValidateJobSpec`: the spec rules, a valid selector, and a template the selector
/// matches.
pub(super) fn validate_job_spec(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = validate_job_spec_rules(spec, path);
    let selector = spec.get("selector").unwrap_or(&Value::Null);
    let selector_path = path.child("selector");
    if selector.is_null() {
        errors.push(FieldError::required(&selector_path, ""));
    } else {
        errors.extend(super::super::label_selector(selector, false, &selector_path).0);
    }
    if let Ok(built) = LabelSelector::from_metav1_value(selector) {
        let template = spec.get("template").unwrap_or(&Value::Null);
        if !built.matches(&label_set(template_labels(template))) {
            let shown = template
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .cloned()
                .unwrap_or(Value::Null);
            errors.push(FieldError::invalid(
                path.child("template").child("metadata").child("labels"),
                BadValue::Json(shown),
                "`selector` does not match template `labels`",
            ));
        }
    }
    errors
}

/// Upstream's `IsDomainPrefixedPath`.
fn domain_prefixed_path(value: &str, path: &FieldPath) -> Vec<FieldError> {
    if value.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let Some((host, rest)) = value
        .split_once('/')
        .filter(|(h, r)| !h.is_empty() && !r.is_empty())
    else {
        return vec![FieldError::invalid(
            path,
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        )];
    };
    let mut errors = dns_subdomain(host, path);
    let path_ok = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-._~%!$&'()*+,;=:".contains(&b));
    if !path_ok {
        errors.push(FieldError::invalid(
            path,
            rest,
            regex_error("Invalid path", HTTP_PATH_FMT, &[]),
        ));
    }
    errors
}

/// Upstream's `validateJobSpec`: ranges, completion mode, per-index backoff, managed-by, the
/// failure, success and replacement policies, the pod template and its restart policy.
pub(super) fn validate_job_spec_rules(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let parallelism = int(spec, "parallelism");
    let completions = int(spec, "completions");
    let backoff_per_index = int(spec, "backoffLimitPerIndex");
    let max_failed = int(spec, "maxFailedIndexes");
    for (value, key) in [
        (parallelism, "parallelism"),
        (completions, "completions"),
        (int(spec, "activeDeadlineSeconds"), "activeDeadlineSeconds"),
        (int(spec, "backoffLimit"), "backoffLimit"),
        (
            int(spec, "ttlSecondsAfterFinished"),
            "ttlSecondsAfterFinished",
        ),
        (backoff_per_index, "backoffLimitPerIndex"),
    ] {
        errors.extend(nonnegative(value, &path.child(key)));
    }
    if max_failed.is_some() {
        errors.extend(nonnegative(max_failed, &path.child("maxFailedIndexes")));
        if backoff_per_index.is_none() {
            errors.push(FieldError::required(
                path.child("backoffLimitPerIndex"),
                "when maxFailedIndexes is specified",
            ));
        }
    }
    if let Some(managed_by) = spec.get("managedBy").and_then(Value::as_str) {
        let managed_path = path.child("managedBy");
        errors.extend(domain_prefixed_path(managed_by, &managed_path));
        if managed_by.len() as i64 > MAX_MANAGED_BY_LENGTH {
            errors.push(FieldError::too_long(&managed_path, MAX_MANAGED_BY_LENGTH));
        }
    }
    let mode = spec.get("completionMode").and_then(Value::as_str);
    if let Some(mode) = mode {
        if mode != "NonIndexed" && mode != "Indexed" {
            errors.push(FieldError::not_supported(
                path.child("completionMode"),
                BadValue::Json(Value::String(mode.to_string())),
                &["NonIndexed", "Indexed"],
            ));
        }
        if mode == "Indexed" {
            errors.extend(validate_indexed(
                parallelism,
                completions,
                backoff_per_index,
                max_failed,
                path,
            ));
        }
    }
    if mode.is_none_or(|m| m == "NonIndexed") {
        if let Some(v) = backoff_per_index {
            errors.push(FieldError::invalid(
                path.child("backoffLimitPerIndex"),
                v,
                "requires indexed completion mode",
            ));
        }
        if let Some(v) = max_failed {
            errors.push(FieldError::invalid(
                path.child("maxFailedIndexes"),
                v,
                "requires indexed completion mode",
            ));
        }
    }
    let template = spec.get("template").unwrap_or(&Value::Null);
    let pod_spec = template.get("spec").unwrap_or(&Value::Null);
    let failure_policy = spec.get("podFailurePolicy").filter(|p| !p.is_null());
    if let Some(policy) = failure_policy {
        errors.extend(super::policy::validate_pod_failure_policy(
            policy,
            pod_spec,
            backoff_per_index.is_some(),
            &path.child("podFailurePolicy"),
        ));
    }
    if let Some(policy) = spec.get("successPolicy").filter(|p| !p.is_null()) {
        let policy_path = path.child("successPolicy");
        if indexed(spec) {
            errors.extend(super::policy::validate_success_policy(
                policy,
                completions.unwrap_or(0),
                &policy_path,
            ));
        } else {
            errors.push(FieldError::invalid(
                &policy_path,
                BadValue::Json(policy.clone()),
                "requires indexed completion mode",
            ));
        }
    }
    if let Some(replacement) = spec.get("podReplacementPolicy").and_then(Value::as_str) {
        let replacement_path = path.child("podReplacementPolicy");
        if failure_policy.is_some() {
            if replacement != "Failed" {
                errors.push(FieldError::not_supported(
                    &replacement_path,
                    replacement,
                    &["Failed"],
                ));
            }
        } else if !POD_REPLACEMENT_POLICIES.contains(&replacement) {
            errors.push(FieldError::not_supported(
                &replacement_path,
                replacement,
                POD_REPLACEMENT_POLICIES,
            ));
        }
    }
    let template_path = path.child("template");
    errors.extend(validate_pod_template(template, &template_path));
    let restart_path = template_path.child("spec").child("restartPolicy");
    match string(pod_spec, "restartPolicy") {
        "" | "Always" => errors.push(FieldError::required(
            restart_path,
            "valid values: \"OnFailure\", \"Never\"",
        )),
        "OnFailure" if failure_policy.is_some() => errors.push(FieldError::invalid(
            restart_path,
            "OnFailure",
            "only \"Never\" is supported when podFailurePolicy is specified",
        )),
        "OnFailure" | "Never" => {}
        other => errors.push(FieldError::not_supported(
            restart_path,
            other,
            &["OnFailure", "Never"],
        )),
    }
    errors
}

/// The limits of an indexed job.
fn validate_indexed(
    parallelism: Option<i64>,
    completions: Option<i64>,
    backoff_per_index: Option<i64>,
    max_failed: Option<i64>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if completions.is_none() {
        errors.push(FieldError::required(
            path.child("completions"),
            "when completion mode is Indexed",
        ));
    }
    if let Some(p) = parallelism.filter(|p| *p > MAX_PARALLELISM_INDEXED) {
        errors.push(FieldError::invalid(
            path.child("parallelism"),
            p,
            format!(
                "must be less than or equal to {MAX_PARALLELISM_INDEXED} when completion mode is Indexed"
            ),
        ));
    }
    if let (Some(c), Some(m)) = (completions, max_failed)
        && m > c
    {
        errors.push(FieldError::invalid(
            path.child("maxFailedIndexes"),
            m,
            "must be less than or equal to completions",
        ));
    }
    if let Some(m) = max_failed.filter(|m| *m > MAX_FAILED_INDEXES) {
        errors.push(FieldError::invalid(
            path.child("maxFailedIndexes"),
            m,
            format!("must be less than or equal to {MAX_FAILED_INDEXES}"),
        ));
    }
    if completions.is_some_and(|c| c > COMPLETIONS_SOFT_LIMIT) && backoff_per_index.is_some() {
        let suffix = format!(
            "when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"
        );
        if max_failed.is_none() {
            errors.push(FieldError::required(
                path.child("maxFailedIndexes"),
                format!("must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"),
            ));
        }
        if let Some(p) = parallelism.filter(|p| *p > PARALLELISM_LIMIT_HIGH_COMPLETIONS) {
            errors.push(FieldError::invalid(
                path.child("parallelism"),
                p,
                format!(
                    "must be less than or equal to {PARALLELISM_LIMIT_HIGH_COMPLETIONS} {suffix}"
                ),
            ));
        }
        if let Some(m) = max_failed.filter(|m| *m > MAX_FAILED_INDEXES_HIGH_COMPLETIONS) {
            errors.push(FieldError::invalid(
                path.child("maxFailedIndexes"),
                m,
                format!(
                    "must be less than or equal to {MAX_FAILED_INDEXES_HIGH_COMPLETIONS} {suffix}"
                ),
            ));
        }
    }
    errors
}

/// Upstream's `ValidatePodTemplateSpec`: labels and annotations, the pod spec, and no
/// ephemeral containers.
fn validate_pod_template(template: &Value, path: &FieldPath) -> Vec<FieldError> {
    let meta = template.get("metadata").unwrap_or(&Value::Null);
    let mut errors = labels(obj(meta, "labels"), &path.child("labels"));
    errors.extend(super::super::super::objectmeta::validate_annotations(
        &string_pairs(obj(meta, "annotations")),
        &path.child("annotations"),
    ));
    let spec_path = path.child("spec");
    let pod_spec = template.get("spec").unwrap_or(&Value::Null);
    errors.extend(super::super::pod::validate_pod_spec(pod_spec, &spec_path));
    if !list(pod_spec, "ephemeralContainers").is_empty() {
        errors.push(FieldError::forbidden(
            spec_path.child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errors
}

/// Whether a job's status has the condition `kind` with status True.
fn condition_true(job: &Value, kind: &str) -> bool {
    list(job.get("status").unwrap_or(&Value::Null), "conditions")
        .iter()
        .any(|c| string(c, "type") == kind && string(c, "status") == "True")
}

/// The job strategy's `shouldAllowMutablePodTemplate` on the stored job: suspended, never
/// started (or suspended again) and without active pods.
fn template_mutable(old: &Value) -> bool {
    let status = old.get("status").unwrap_or(&Value::Null);
    spec(old).get("suspend").and_then(Value::as_bool) == Some(true)
        && (!present(status, "startTime") || condition_true(old, "Suspended"))
        && int(status, "active").unwrap_or(0) == 0
}

/// Upstream's `ValidateJobSpecUpdate` for the new and stored jobs.
pub(super) fn validate_job_spec_update(
    new: &Value,
    old: &Value,
    path: &FieldPath,
) -> Vec<FieldError> {
    let new_spec = spec(new);
    let old_spec = spec(old);
    let field = |s: &'_ Value, key: &str| s.get(key).cloned().unwrap_or(Value::Null);
    let mut errors = validate_job_spec(new_spec, path);
    errors.extend(validate_completions_update(new_spec, old_spec, path));
    errors.extend(immutable(
        &field(new_spec, "selector"),
        &field(old_spec, "selector"),
        &path.child("selector"),
    ));
    errors.extend(validate_template_update(
        new_spec,
        old_spec,
        template_mutable(old),
        path,
    ));
    for key in [
        "completionMode",
        "podFailurePolicy",
        "backoffLimitPerIndex",
        "managedBy",
        "successPolicy",
    ] {
        errors.extend(immutable(
            &field(new_spec, key),
            &field(old_spec, key),
            &path.child(key),
        ));
    }
    errors
}

/// Upstream's `validateCompletions`: fixed for non-indexed jobs; indexed jobs change it only
/// together with parallelism.
fn validate_completions_update(new: &Value, old: &Value, path: &FieldPath) -> Vec<FieldError> {
    let completions_path = path.child("completions");
    let new_completions = new.get("completions").cloned().unwrap_or(Value::Null);
    let old_completions = old.get("completions").cloned().unwrap_or(Value::Null);
    if !indexed(new) {
        return immutable(&new_completions, &old_completions, &completions_path);
    }
    if semantic_eq(&new_completions, &old_completions) {
        return Vec::new();
    }
    let Some(completions) = new_completions.as_i64() else {
        return Vec::new();
    };
    if Some(completions) != int(new, "parallelism") {
        return vec![FieldError::invalid(
            completions_path,
            completions,
            "can only be modified in tandem with spec.parallelism",
        )];
    }
    Vec::new()
}

/// Upstream's `validatePodTemplateUpdate`: the template is fixed, except that a suspended job
/// that never ran may change its scheduling directives, labels, annotations and container
/// resources.
fn validate_template_update(
    new: &Value,
    old: &Value,
    mutable: bool,
    path: &FieldPath,
) -> Vec<FieldError> {
    let template = new.get("template").cloned().unwrap_or(Value::Null);
    let old_template = old.get("template").cloned().unwrap_or(Value::Null);
    let template_path = path.child("template");
    if !mutable {
        return immutable(&template, &old_template, &template_path);
    }
    // Scheduling directives may change, and (both behaviours come from the same stored-job
    // check) so may container resources: only the pod spec is compared, so the template's
    // labels and annotations, which upstream also lets change here, need no copying.
    let new_pod = template.get("spec").cloned().unwrap_or(Value::Null);
    let mut old_pod = old_template.get("spec").cloned().unwrap_or(Value::Null);
    if let Some(pod) = old_pod.as_object_mut() {
        copy_affinity(pod, &new_pod);
        for key in ["nodeSelector", "tolerations", "schedulingGates"] {
            copy_field(pod, &new_pod, key);
        }
    }
    for key in ["containers", "initContainers"] {
        let new_list = list(&new_pod, key);
        if let Some(old_list) = old_pod.get_mut(key).and_then(Value::as_array_mut)
            && old_list.len() == new_list.len()
        {
            for (o, n) in old_list.iter_mut().zip(new_list) {
                if string(o, "name") == string(n, "name")
                    && let Some(o) = o.as_object_mut()
                {
                    copy_field(o, n, "resources");
                }
            }
        }
    }
    immutable(&new_pod, &old_pod, &template_path.child("spec"))
}

/// Sets `key` of `target` to `source`'s (removing it when `source` has none).
fn copy_field(target: &mut Map<String, Value>, source: &Value, key: &str) {
    match source.get(key) {
        Some(value) => {
            target.insert(key.to_string(), value.clone());
        }
        None => {
            target.remove(key);
        }
    }
}

/// The node affinity part of the scheduling directives a suspended job may change: the old
/// affinity takes the new node affinity, and an old affinity left empty counts as none when
/// the new template has none.
fn copy_affinity(old_pod: &mut Map<String, Value>, new_pod: &Value) {
    let new_affinity = new_pod.get("affinity").filter(|a| !a.is_null());
    let old_has = old_pod.get("affinity").is_some_and(|a| !a.is_null());
    match (new_affinity, old_has) {
        (None, true) => {
            if let Some(affinity) = old_pod.get_mut("affinity").and_then(Value::as_object_mut) {
                affinity.remove("nodeAffinity");
                if affinity.values().all(Value::is_null) {
                    old_pod.remove("affinity");
                }
            }
        }
        (Some(affinity), false) => {
            let mut copied = Map::new();
            if let Some(node) = affinity.get("nodeAffinity") {
                copied.insert("nodeAffinity".to_string(), node.clone());
            }
            old_pod.insert("affinity".to_string(), Value::Object(copied));
        }
        (Some(affinity), true) => {
            if let Some(old_affinity) = old_pod.get_mut("affinity").and_then(Value::as_object_mut) {
                copy_field(old_affinity, affinity, "nodeAffinity");
            }
        }
        (None, false) => {}
    }
}
