//! The CronJob controller (upstream's `pkg/controller/cronjob`, the v2 controller): creates a
//! Job named `<cronjob>-<minutes since the epoch>` at each scheduled time (in `timeZone`),
//! honours `concurrencyPolicy`, `startingDeadlineSeconds` and `suspend`, keeps
//! `status.active`, `lastScheduleTime` and `lastSuccessfulTime`, and deletes finished Jobs
//! beyond the history limits. Between schedules it waits on a timer set to the next time.

mod schedule;

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use k8s_openapi::jiff::tz::TimeZone;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, DeleteParams, ObjectMeta, PostParams, PropagationPolicy};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Resource as _, ResourceExt as _};

use crate::Context;
use crate::job::informer::{Queue, controller_key};
use crate::job::is_finished;
use crate::reconcile::ReconcileError;
use schedule::Schedule;

const NAME: &str = "cronjob-controller";
/// The annotation with the time a Job was scheduled for.
const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// Added to the wait for the next schedule (upstream's `nextScheduleDelta`).
const NEXT_SCHEDULE_DELTA: Duration = Duration::from_millis(100);

struct Shared {
    ctx: Context,
    jobs: Store<Job>,
    recorder: Recorder,
}

pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let mut queue = Queue::<CronJob>::new();
    let cronjobs = queue.informer(
        &ctx,
        Api::<CronJob>::all(client.clone()),
        watcher::Config::default(),
        |cj| vec![ObjectRef::from_obj(cj)],
    );
    let jobs = queue.informer(
        &ctx,
        Api::<Job>::all(client),
        watcher::Config::default(),
        |job| controller_key(job, "batch/v1", "CronJob"),
    );
    let shared = Arc::new(Shared {
        recorder: ctx.recorder(NAME),
        ctx: ctx.clone(),
        jobs,
    });
    let concurrency = ctx.options.concurrent_cron_job_syncs;
    queue
        .run(NAME, cronjobs, concurrency, shared, reconcile, ctx)
        .await;
}

impl Shared {
    async fn event(&self, cj: &CronJob, type_: EventType, reason: &str, note: &str) {
        let event = Event {
            type_,
            reason: reason.into(),
            note: Some(note.into()),
            action: reason.into(),
            secondary: None,
        };
        if let Err(err) = self.recorder.publish(&event, &cj.object_ref(&())).await {
            tracing::debug!(%err, reason, "recording an event failed");
        }
    }
}

fn in_active_list(cj: &CronJob, uid: &str) -> bool {
    cj.status
        .as_ref()
        .and_then(|s| s.active.as_ref())
        .is_some_and(|a| a.iter().any(|r| r.uid.as_deref() == Some(uid)))
}

fn delete_from_active_list(cj: &mut CronJob, uid: &str) {
    if let Some(active) = cj.status.as_mut().and_then(|s| s.active.as_mut()) {
        active.retain(|r| r.uid.as_deref() != Some(uid));
    }
}

fn job_reference(job: &Job) -> ObjectReference {
    ObjectReference {
        api_version: Some("batch/v1".into()),
        kind: Some("Job".into()),
        name: job.metadata.name.clone(),
        namespace: job.metadata.namespace.clone(),
        uid: job.metadata.uid.clone(),
        resource_version: job.metadata.resource_version.clone(),
        ..ObjectReference::default()
    }
}

async fn reconcile(cj: Arc<CronJob>, shared: Arc<Shared>) -> Result<Action, ReconcileError> {
    shared
        .ctx
        .metrics
        .inc("ironkube_controller_syncs_total", NAME);
    let uid = cj.uid().unwrap_or_default();
    let namespace = cj.namespace().unwrap_or_default();
    let jobs: Vec<Arc<Job>> = shared
        .jobs
        .state()
        .into_iter()
        .filter(|j| j.metadata.namespace.as_deref() == Some(namespace.as_str()))
        .filter(|j| {
            j.owner_references()
                .iter()
                .any(|o| o.controller == Some(true) && o.uid == uid)
        })
        .collect();
    let mut copy = (*cj).clone();
    copy.status.get_or_insert_with(Default::default);
    let cleaned = cleanup_finished_jobs(&shared, &mut copy, &jobs).await;
    let result = sync_cronjob(&shared, &mut copy, &jobs).await;
    let (requeue, synced) = match &result {
        Ok((requeue, update)) => (*requeue, *update),
        Err(_) => (None, true),
    };
    if cleaned || synced {
        let api: Api<CronJob> = Api::namespaced(shared.ctx.client.clone(), &namespace);
        api.replace_status(&copy.name_any(), &PostParams::default(), &copy)
            .await?;
    }
    result?;
    Ok(match requeue {
        Some(after) => Action::requeue(after),
        None => Action::await_change(),
    })
}

/// Deletes the oldest finished Jobs beyond the history limits; whether the status changed.
async fn cleanup_finished_jobs(shared: &Shared, cj: &mut CronJob, jobs: &[Arc<Job>]) -> bool {
    let spec = cj.spec.clone();
    if spec.failed_jobs_history_limit.is_none() && spec.successful_jobs_history_limit.is_none() {
        return false;
    }
    let mut succeeded: Vec<Arc<Job>> = Vec::new();
    let mut failed: Vec<Arc<Job>> = Vec::new();
    for job in jobs {
        match is_finished(job).map(|c| c.type_.as_str()) {
            Some("Complete") => succeeded.push(job.clone()),
            Some("Failed") => failed.push(job.clone()),
            _ => {}
        }
    }
    let mut updated = false;
    for (list, limit) in [
        (succeeded, spec.successful_jobs_history_limit),
        (failed, spec.failed_jobs_history_limit),
    ] {
        let Some(limit) = limit else { continue };
        let excess = list
            .len()
            .saturating_sub(usize::try_from(limit).unwrap_or(0));
        if excess == 0 {
            continue;
        }
        let mut list = list;
        list.sort_by(|a, b| {
            let start = |j: &Job| {
                j.status
                    .as_ref()
                    .and_then(|s| s.start_time.clone())
                    .map(|t| t.0)
            };
            match (start(a), start(b)) {
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (x, y) if x == y => a.name_any().cmp(&b.name_any()),
                (x, y) => x.cmp(&y),
            }
        });
        for job in list.iter().take(excess) {
            if delete_job(shared, cj, job).await {
                updated = true;
            }
        }
    }
    updated
}

/// Deletes a Job (in the background, as upstream) and drops it from the active list.
async fn delete_job(shared: &Shared, cj: &mut CronJob, job: &Job) -> bool {
    let api: Api<Job> = Api::namespaced(
        shared.ctx.client.clone(),
        &job.namespace().unwrap_or_default(),
    );
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    match api.delete(&job.name_any(), &params).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => {}
        Err(err) => {
            shared
                .event(
                    cj,
                    EventType::Warning,
                    "FailedDelete",
                    &format!("Deleted job: {err}"),
                )
                .await;
            return false;
        }
    }
    delete_from_active_list(cj, &job.uid().unwrap_or_default());
    shared
        .event(
            cj,
            EventType::Normal,
            "SuccessfulDelete",
            &format!("Deleted job {}", job.name_any()),
        )
        .await;
    true
}

/// The zone a CronJob's schedule is read in: `timeZone`, else the controller's local zone.
fn zone_of(cj: &CronJob) -> Result<TimeZone, String> {
    match cj.spec.time_zone.as_deref() {
        Some(name) => TimeZone::get(name).map_err(|e| e.to_string()),
        None => Ok(TimeZone::system()),
    }
}

/// Upstream's `mostRecentScheduleTime`: the earliest time considered, the latest missed
/// schedule (if any) and how many were missed.
fn most_recent_schedule_time(
    cj: &CronJob,
    now: Timestamp,
    schedule: &Schedule,
    zone: &TimeZone,
    include_starting_deadline: bool,
) -> Result<(Timestamp, Option<Timestamp>, i64), String> {
    let mut earliest = cj.metadata.creation_timestamp.as_ref().map_or(now, |t| t.0);
    if let Some(last) = cj
        .status
        .as_ref()
        .and_then(|s| s.last_schedule_time.as_ref())
    {
        earliest = last.0;
    }
    if include_starting_deadline && let Some(deadline) = cj.spec.starting_deadline_seconds {
        let scheduling_deadline = now - SignedDuration::from_secs(deadline);
        if scheduling_deadline > earliest {
            earliest = scheduling_deadline;
        }
    }
    let Some(t1) = schedule.next(earliest, zone) else {
        return Ok((earliest, None, 0));
    };
    let Some(t2) = schedule.next(t1, zone) else {
        return Ok((earliest, (now >= t1).then_some(t1), 0));
    };
    if now < t1 {
        return Ok((earliest, None, 0));
    }
    if now < t2 {
        return Ok((earliest, Some(t1), 0));
    }
    let between = t2.duration_since(t1).as_secs();
    if between < 1 {
        return Err("time difference between two schedules is less than 1 second".into());
    }
    let elapsed = now.duration_since(t1).as_secs();
    let missed = elapsed / between + 1;
    let potential = t1 + SignedDuration::from_secs((missed - 2) * between);
    let mut most_recent = None;
    let mut t = schedule.next(potential, zone);
    while let Some(at) = t {
        if at > now {
            break;
        }
        most_recent = Some(at);
        t = schedule.next(at, zone);
    }
    Ok((earliest, most_recent, missed))
}

/// How long until the next schedule (upstream's `nextScheduleTimeDuration`).
fn next_schedule_duration(
    cj: &CronJob,
    now: Timestamp,
    schedule: &Schedule,
    zone: &TimeZone,
) -> Option<Duration> {
    let base = match most_recent_schedule_time(cj, now, schedule, zone, false) {
        Err(_) => now,
        Ok((earliest, None, 0)) => earliest,
        Ok((_, None, _)) => now,
        Ok((_, Some(recent), _)) => recent,
    };
    let next = schedule.next(base, zone)?;
    let wait = if next > now {
        next.duration_since(now).unsigned_abs()
    } else {
        Duration::ZERO
    };
    Some(wait + NEXT_SCHEDULE_DELTA)
}

/// Go's RFC 3339 rendering of a time in a zone (`Z` for UTC).
fn rfc3339_in(at: Timestamp, zone: &TimeZone) -> String {
    let zoned = at.to_zoned(zone.clone());
    if zoned.offset().seconds() == 0 {
        zoned.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// Upstream's `syncCronJob`: the requeue delay and whether the status changed.
async fn sync_cronjob(
    shared: &Shared,
    cj: &mut CronJob,
    jobs: &[Arc<Job>],
) -> Result<(Option<Duration>, bool), ReconcileError> {
    let now = Timestamp::now();
    let mut update = false;
    let namespace = cj.namespace().unwrap_or_default();
    let cronjobs: Api<CronJob> = Api::namespaced(shared.ctx.client.clone(), &namespace);
    let job_api: Api<Job> = Api::namespaced(shared.ctx.client.clone(), &namespace);
    for job in jobs {
        let job_uid = job.uid().unwrap_or_default();
        let found = in_active_list(cj, &job_uid);
        match is_finished(job) {
            None if !found => {
                // The cache may be behind our own status write: ask the server.
                let fresh = cronjobs.get(&cj.name_any()).await?;
                if in_active_list(&fresh, &job_uid) {
                    *cj = fresh;
                    continue;
                }
                shared
                    .event(
                        cj,
                        EventType::Warning,
                        "UnexpectedJob",
                        &format!(
                            "Saw a job that the controller did not create or forgot: {}",
                            job.name_any()
                        ),
                    )
                    .await;
            }
            None => {}
            Some(condition) => {
                if found {
                    delete_from_active_list(cj, &job_uid);
                    shared
                        .event(
                            cj,
                            EventType::Normal,
                            "SawCompletedJob",
                            &format!(
                                "Saw completed job: {}, condition: {}",
                                job.name_any(),
                                condition.type_
                            ),
                        )
                        .await;
                    update = true;
                }
                if condition.type_ == "Complete" {
                    let completed = job.status.as_ref().and_then(|s| s.completion_time.clone());
                    let status = cj.status.get_or_insert_with(Default::default);
                    match (&status.last_successful_time, &completed) {
                        (None, _) => {
                            status.last_successful_time = completed;
                            update = true;
                        }
                        (Some(last), Some(at)) if at.0 > last.0 => {
                            status.last_successful_time = completed;
                            update = true;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    let children: Vec<String> = jobs.iter().filter_map(|j| j.uid()).collect();
    let active = cj
        .status
        .as_ref()
        .and_then(|s| s.active.clone())
        .unwrap_or_default();
    for reference in active {
        if reference.uid.as_ref().is_some_and(|u| children.contains(u)) {
            continue;
        }
        let name = reference.name.clone().unwrap_or_default();
        if job_api.get_opt(&name).await?.is_none() {
            shared
                .event(
                    cj,
                    EventType::Normal,
                    "MissingJob",
                    &format!("Active job went missing: {name}"),
                )
                .await;
            delete_from_active_list(cj, reference.uid.as_deref().unwrap_or(""));
            update = true;
        }
    }
    if cj.metadata.deletion_timestamp.is_some() {
        return Ok((None, update));
    }
    let spec = cj.spec.clone();
    let zone = match zone_of(cj) {
        Ok(zone) => zone,
        Err(err) => {
            let name = spec.time_zone.clone().unwrap_or_default();
            shared
                .event(
                    cj,
                    EventType::Warning,
                    "UnknownTimeZone",
                    &format!("invalid timeZone: {name:?}: {err}"),
                )
                .await;
            return Ok((None, update));
        }
    };
    if spec.suspend == Some(true) {
        return Ok((None, update));
    }
    if spec.schedule.contains("TZ") {
        shared
            .event(
                cj,
                EventType::Warning,
                "UnsupportedSchedule",
                &format!(
                    "CRON_TZ or TZ used in schedule {:?} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details",
                    spec.schedule
                ),
            )
            .await;
    }
    let schedule = match Schedule::parse(&spec.schedule) {
        Ok(schedule) => schedule,
        Err(err) => {
            shared
                .event(
                    cj,
                    EventType::Warning,
                    "UnparseableSchedule",
                    &format!("unparseable schedule: {:?} : {err}", spec.schedule),
                )
                .await;
            return Ok((None, update));
        }
    };
    let scheduled = match most_recent_schedule_time(cj, now, &schedule, &zone, true) {
        Ok((_, recent, missed)) => {
            if missed > 100 && recent.is_some_and(|r| r <= now) {
                shared
                    .event(
                        cj,
                        EventType::Warning,
                        "TooManyMissedTimes",
                        "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
                    )
                    .await;
            }
            recent.filter(|r| *r <= now)
        }
        Err(err) => {
            shared
                .event(
                    cj,
                    EventType::Warning,
                    "InvalidSchedule",
                    &format!("invalid schedule: {} : {err}", spec.schedule),
                )
                .await;
            return Ok((None, update));
        }
    };
    let next = next_schedule_duration(cj, now, &schedule, &zone);
    let Some(scheduled) = scheduled else {
        return Ok((next, update));
    };
    if let Some(deadline) = spec.starting_deadline_seconds
        && scheduled + SignedDuration::from_secs(deadline) < now
    {
        shared
            .event(
                cj,
                EventType::Warning,
                "MissSchedule",
                &format!(
                    "Missed scheduled time to start a job: {}",
                    scheduled.strftime("%a, %d %b %Y %H:%M:%S +0000")
                ),
            )
            .await;
        return Ok((next, update));
    }
    let job_name = format!("{}-{}", cj.name_any(), scheduled.as_second() / 60);
    let active = cj
        .status
        .as_ref()
        .and_then(|s| s.active.clone())
        .unwrap_or_default();
    let already = active
        .iter()
        .any(|r| r.name.as_deref() == Some(job_name.as_str()))
        || cj
            .status
            .as_ref()
            .and_then(|s| s.last_schedule_time.as_ref())
            .is_some_and(|t| t.0 == scheduled);
    if already {
        return Ok((next, update));
    }
    let policy = spec.concurrency_policy.as_deref().unwrap_or("Allow");
    if policy == "Forbid" && !active.is_empty() {
        shared
            .event(
                cj,
                EventType::Normal,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            )
            .await;
        return Ok((next, update));
    }
    if policy == "Replace" {
        for reference in &active {
            let name = reference.name.clone().unwrap_or_default();
            let job = match job_api.get(&name).await {
                Ok(job) => job,
                Err(err) => {
                    shared
                        .event(
                            cj,
                            EventType::Warning,
                            "FailedGet",
                            &format!("Get job: {err}"),
                        )
                        .await;
                    return Err(err.into());
                }
            };
            if !delete_job(shared, cj, &job).await {
                return Err(ReconcileError::Other(format!(
                    "could not replace job {namespace}/{name}"
                )));
            }
            update = true;
        }
    }
    let template = spec.job_template.clone();
    let template_meta = template.metadata.unwrap_or_default();
    let mut annotations = template_meta.annotations.unwrap_or_default();
    annotations.insert(SCHEDULED_TIMESTAMP.into(), rfc3339_in(scheduled, &zone));
    let request = Job {
        metadata: ObjectMeta {
            name: Some(job_name.clone()),
            namespace: Some(namespace.clone()),
            labels: template_meta.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: cj.name_any(),
                uid: cj.uid().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    };
    let created = match job_api.create(&PostParams::default(), &request).await {
        Ok(created) => {
            shared
                .event(
                    cj,
                    EventType::Normal,
                    "SuccessfulCreate",
                    &format!("Created job {}", created.name_any()),
                )
                .await;
            created
        }
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let existing = job_api.get(&job_name).await?;
            let ours = existing
                .owner_references()
                .iter()
                .any(|o| o.controller == Some(true) && Some(o.uid.as_str()) == cj.uid().as_deref());
            if !ours || in_active_list(cj, existing.uid().as_deref().unwrap_or("")) {
                return Ok((None, update));
            }
            existing
        }
        Err(err) => {
            let terminating = matches!(&err, kube::Error::Api(s) if s.details.as_ref().is_some_and(|d| d.causes.iter().any(|c| c.reason == "NamespaceTerminating")));
            if !terminating {
                shared
                    .event(
                        cj,
                        EventType::Warning,
                        "FailedCreate",
                        &format!("Error creating job: {err}"),
                    )
                    .await;
            }
            return Err(err.into());
        }
    };
    let status = cj.status.get_or_insert_with(Default::default);
    status
        .active
        .get_or_insert_with(Vec::new)
        .push(job_reference(&created));
    status.last_schedule_time = Some(Time(scheduled));
    Ok((next_schedule_duration(cj, now, &schedule, &zone), true))
}
