//! batch/v1 (`pkg/apis/batch/v1/defaults.go`): Job and CronJob.

use serde_json::json;

use super::core::pod_template;
use super::{Object, child, default_unset, default_zero, each, is_empty, is_unset, present};

/// Defaults a batch/v1 object of `kind`.
pub(super) fn apply(kind: &str, object: &mut Object) {
    match kind {
        "Job" => job(object),
        "CronJob" => cron_job(object),
        _ => {}
    }
}

/// `SetObjectDefaults_Job`.
fn job(object: &mut Object) {
    let template_labels = object
        .get("spec")
        .and_then(|spec| spec.get("template"))
        .and_then(|template| template.get("metadata"))
        .and_then(|metadata| metadata.get("labels"))
        .filter(|labels| labels.is_object())
        .cloned();
    if let Some(labels) = template_labels
        && let Some(metadata) = child(object, "metadata")
        && is_empty(metadata, "labels")
    {
        metadata.insert("labels".to_owned(), labels);
    }
    let Some(spec) = child(object, "spec") else {
        return;
    };
    if is_unset(spec, "completions") && is_unset(spec, "parallelism") {
        spec.insert("completions".to_owned(), json!(1));
        spec.insert("parallelism".to_owned(), json!(1));
    }
    default_unset(spec, "parallelism", json!(1));
    let backoff = if is_unset(spec, "backoffLimitPerIndex") {
        6
    } else {
        i32::MAX
    };
    default_unset(spec, "backoffLimit", json!(backoff));
    default_unset(spec, "completionMode", json!("NonIndexed"));
    default_unset(spec, "suspend", json!(false));
    let replacement = if is_unset(spec, "podFailurePolicy") {
        "TerminatingOrFailed"
    } else {
        "Failed"
    };
    default_unset(spec, "podReplacementPolicy", json!(replacement));
    default_unset(spec, "manualSelector", json!(false));
    job_spec_walk(spec);
}

/// What the generated walk defaults inside a JobSpec: failure policy patterns and the pod template.
fn job_spec_walk(spec: &mut Object) {
    if let Some(policy) = present(spec, "podFailurePolicy") {
        each(policy, "rules", |rule| {
            each(rule, "onPodConditions", |pattern| {
                default_zero(pattern, "status", json!("True"));
            });
        });
    }
    if let Some(template) = child(spec, "template") {
        pod_template(template);
    }
}

/// `SetObjectDefaults_CronJob`: its own defaults, and only the walk (not `SetDefaults_Job`) for
/// the job template.
fn cron_job(object: &mut Object) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_zero(spec, "concurrencyPolicy", json!("Allow"));
    default_unset(spec, "suspend", json!(false));
    default_unset(spec, "successfulJobsHistoryLimit", json!(3));
    default_unset(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job_spec) = child(spec, "jobTemplate").and_then(|template| child(template, "spec"))
    {
        job_spec_walk(job_spec);
    }
}
