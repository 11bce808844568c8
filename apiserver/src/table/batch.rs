//! `batch`: jobs and cron jobs.

use serde_json::Value;

use super::format::{
    self, NONE, array_at, bool_ptr, container_cells, format_label_selector, go_duration,
    human_duration, is_deleting, opt_bool_at, opt_int_at, set_timestamp, str_at,
};
use super::{AGE, CONTAINERS, Column, IMAGES, NAME, Printer, Printing, col, wide};

/// The printers of `batch`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["batch"],
        kind: "Job",
        columns: JOB_COLUMNS,
        cells: job_cells,
    },
    Printer {
        groups: &["batch"],
        kind: "CronJob",
        columns: CRON_JOB_COLUMNS,
        cells: cron_job_cells,
    },
];

/// The columns of Job (`kubectl get`).
const JOB_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "Status of the job."),
    col(
        "Completions",
        "string",
        "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.",
    ),
    col("Duration", "string", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

/// The columns of CronJob (`kubectl get`).
const CRON_JOB_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Schedule",
        "string",
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
    ),
    col(
        "Timezone",
        "string",
        "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
    ),
    col(
        "Suspend",
        "boolean",
        "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
    ),
    col(
        "Active",
        "integer",
        "A list of pointers to currently running jobs.",
    ),
    col(
        "Last Schedule",
        "string",
        "Information when was the last time the job was successfully scheduled.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

/// Upstream's `hasJobCondition`: the first condition of `type_` decides.
fn has_condition(job: &Value, type_: &str) -> bool {
    array_at(job, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

/// The Status column of a job.
fn job_status(job: &Value) -> &'static str {
    if has_condition(job, "Complete") {
        "Complete"
    } else if has_condition(job, "Failed") {
        "Failed"
    } else if is_deleting(job) {
        "Terminating"
    } else if has_condition(job, "Suspended") {
        "Suspended"
    } else if has_condition(job, "FailureTarget") {
        "FailureTarget"
    } else if has_condition(job, "SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    }
}

/// The row of a job.
fn job_cells(p: &Printing<'_>) -> Vec<Value> {
    let succeeded = p.int(&["status", "succeeded"]);
    let completions = match opt_int_at(p.object, &["spec", "completions"]) {
        Some(completions) => format!("{succeeded}/{completions}"),
        None => match opt_int_at(p.object, &["spec", "parallelism"]).unwrap_or(0) {
            parallelism if parallelism > 1 => format!("{succeeded}/1 of {parallelism}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = match (
        set_timestamp(p.at(&["status", "startTime"])),
        set_timestamp(p.at(&["status", "completionTime"])),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(go_duration(p.now, start)),
        (Some(start), Some(completion)) => human_duration(go_duration(completion, start)),
    };
    let (names, images) = container_cells(array_at(
        p.object,
        &["spec", "template", "spec", "containers"],
    ));
    vec![
        p.name(),
        job_status(p.object).into(),
        completions.into(),
        duration.into(),
        p.age(),
        names.into(),
        images.into(),
        format_label_selector(p.at(&["spec", "selector"])).into(),
    ]
}

/// The row of a cron job.
fn cron_job_cells(p: &Printing<'_>) -> Vec<Value> {
    let last_schedule = if p.at(&["status", "lastScheduleTime"]).is_null() {
        NONE.to_owned()
    } else {
        p.since(&["status", "lastScheduleTime"])
    };
    let time_zone = format::opt_str_at(p.object, &["spec", "timeZone"]).unwrap_or(NONE);
    let job_spec = &["spec", "jobTemplate", "spec"];
    let (names, images) = container_cells(array_at(
        p.at(job_spec),
        &["template", "spec", "containers"],
    ));
    vec![
        p.name(),
        p.str(&["spec", "schedule"]).into(),
        time_zone.into(),
        bool_ptr(opt_bool_at(p.object, &["spec", "suspend"])).into(),
        format::len_at(p.object, &["status", "active"]).into(),
        last_schedule.into(),
        p.age(),
        names.into(),
        images.into(),
        format_label_selector(format::at(p.at(job_spec), &["selector"])).into(),
    ]
}
