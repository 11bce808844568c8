//! Jobs and cron jobs: upstream's `ValidateJobCreate` / `ValidateJobUpdate` and
//! `ValidateCronJobCreate` / `ValidateCronJobUpdate` with the options the registry strategies
//! compute, over the defaulted external objects the strategies prepared, metadata excluded.
//!
//! The job spec rules are in [`job`], its failure and success policies in [`policy`]; cron
//! schedules (robfig's standard parser) and time zones (Go's `time.LoadLocation` over the
//! system zoneinfo) in [`schedule`].

mod job;
mod policy;
mod schedule;

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::{BadValue, FieldPath};
use serde_json::Value;

use super::{int, nonnegative, present, string};

/// The `spec` of an object (null when absent).
fn spec(object: &Value) -> &Value {
    object.get("spec").unwrap_or(&Value::Null)
}

/// `ValidateJobCreate` minus metadata: the generated selector's labels, then the spec.
pub(super) fn validate_job(job: &Value) -> Vec<FieldError> {
    let mut errors = job::validate_generated_selector(job);
    errors.extend(job::validate_job_spec(spec(job), &FieldPath::new("spec")));
    errors
}

/// `ValidateJobUpdate` minus metadata.
pub(super) fn validate_job_update(new: &Value, old: &Value) -> Vec<FieldError> {
    job::validate_job_spec_update(new, old, &FieldPath::new("spec"))
}

/// `ValidateCronJobCreate` minus metadata (the 52-character name limit is a metadata error).
pub(super) fn validate_cron_job(cron_job: &Value) -> Vec<FieldError> {
    validate_cron_job_spec(spec(cron_job), None, &FieldPath::new("spec"))
}

/// `ValidateCronJobUpdate` minus metadata.
pub(super) fn validate_cron_job_update(new: &Value, old: &Value) -> Vec<FieldError> {
    validate_cron_job_spec(spec(new), Some(spec(old)), &FieldPath::new("spec"))
}

/// The concurrency policies a cron job accepts.
const CONCURRENCY_POLICIES: &[&str] = &["Allow", "Forbid", "Replace"];

/// Upstream's `validateCronJobSpec`; `old` is the previous spec on update.
fn validate_cron_job_spec(spec: &Value, old: Option<&Value>, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let schedule_text = string(spec, "schedule");
    let time_zone = spec.get("timeZone").and_then(Value::as_str);
    // Upstream's declarative validation reports a missing schedule, after the handwritten
    // errors, unless the schedule did not change on update (then the handwritten error, in
    // place, is what remains).
    let mut schedule_required_last = None;
    if schedule_text.is_empty() {
        let required = FieldError::required(path.child("schedule"), "");
        if old.is_some_and(|old| string(old, "schedule").is_empty()) {
            errors.push(required);
        } else {
            schedule_required_last = Some(required);
        }
    } else {
        // A schedule already using TZ= keeps working on update, as long as the time zone
        // field stays unset.
        let allow_tz = old.is_some_and(|old| string(old, "schedule").contains("TZ"));
        errors.extend(schedule::validate_schedule(
            schedule_text,
            allow_tz,
            time_zone.is_some(),
            &path.child("schedule"),
        ));
    }
    errors.extend(nonnegative(
        int(spec, "startingDeadlineSeconds"),
        &path.child("startingDeadlineSeconds"),
    ));
    // An unchanged time zone is not checked again: the zone database may have lost it.
    if old.is_none_or(|old| old.get("timeZone").and_then(Value::as_str) != time_zone) {
        errors.extend(schedule::validate_time_zone(
            time_zone,
            &path.child("timeZone"),
        ));
    }
    let policy_path = path.child("concurrencyPolicy");
    match string(spec, "concurrencyPolicy") {
        "" => errors.push(FieldError::required(&policy_path, "")),
        policy if CONCURRENCY_POLICIES.contains(&policy) => {}
        policy => errors.push(FieldError::not_supported(
            &policy_path,
            policy,
            CONCURRENCY_POLICIES,
        )),
    }
    errors.extend(validate_job_template_spec(
        spec.get("jobTemplate").unwrap_or(&Value::Null),
        &path.child("jobTemplate"),
    ));
    errors.extend(nonnegative(
        int(spec, "successfulJobsHistoryLimit"),
        &path.child("successfulJobsHistoryLimit"),
    ));
    errors.extend(nonnegative(
        int(spec, "failedJobsHistoryLimit"),
        &path.child("failedJobsHistoryLimit"),
    ));
    errors.extend(schedule_required_last);
    errors
}

/// Upstream's `ValidateJobTemplateSpec`: the job spec rules, and no selector of its own (the
/// jobs created get generated ones).
fn validate_job_template_spec(template: &Value, path: &FieldPath) -> Vec<FieldError> {
    let job_spec = spec(template);
    let spec_path = path.child("spec");
    let mut errors = job::validate_job_spec_rules(job_spec, &spec_path);
    if present(job_spec, "selector") {
        errors.push(FieldError::invalid(
            spec_path.child("selector"),
            BadValue::Json(job_spec["selector"].clone()),
            "`selector` will be auto-generated",
        ));
    }
    if job_spec.get("manualSelector").and_then(Value::as_bool) == Some(true) {
        errors.push(FieldError::not_supported(
            spec_path.child("manualSelector"),
            BadValue::Json(Value::Bool(true)),
            &["nil", "false"],
        ));
    }
    errors
}
