//! The Job controller (upstream's `pkg/controller/job`): runs a Job's pods to completion with
//! finalizer-based tracking (pods carry `batch.kubernetes.io/job-tracking` until the Job's
//! status counts them, through `status.uncountedTerminatedPods`), `completions`,
//! `parallelism`, `backoffLimit` with exponential backoff between re-creations, `Indexed`
//! completion, `podFailurePolicy`, `backoffLimitPerIndex`, `successPolicy`,
//! `activeDeadlineSeconds` and `suspend`, with upstream's conditions and events.

pub(crate) mod indexes;
pub(crate) mod informer;
mod orphans;
mod pods;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::{Job, JobCondition, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, ObjectFieldSelector, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Resource as _, ResourceExt as _};

use crate::Context;
use crate::reconcile::ReconcileError;
use indexes::Indexes;
use informer::{EXPECTATIONS_TIMEOUT, Expectations, Queue, controller_key};
use pods::{
    COMPLETION_INDEX, INDEX_FAILURE_COUNT, INDEX_IGNORED_FAILURE_COUNT, TRACKING_FINALIZER,
    completion_index, finished_time, has_tracking_finalizer, is_active, is_failed, is_ready,
    is_terminating, match_pod_failure_policy, only_replace_failed, phase,
};

const NAME: &str = "job-controller";
/// The first delay before a failed pod is replaced (`DefaultJobPodFailureBackOff`).
const DEFAULT_BACKOFF: Duration = Duration::from_secs(10);
/// The longest delay (`MaxJobPodFailureBackOff`).
const MAX_BACKOFF: Duration = Duration::from_secs(360);
/// The most pods counted in one status update (`MaxUncountedPods`).
const MAX_UNCOUNTED_PODS: usize = 500;
/// The most pods created or deleted in one sync (`MaxPodCreateDeletePerSync`).
const MAX_POD_CREATE_DELETE_PER_SYNC: i32 = 500;
/// The env var with an Indexed Job's pod's index.
const COMPLETION_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";
/// `spec.managedBy` of Jobs this controller manages.
const JOB_CONTROLLER_NAME: &str = "kubernetes.io/job-controller";

/// What every Job sync shares.
struct Shared {
    ctx: Context,
    pods: Store<Pod>,
    expectations: Expectations,
    memory: Mutex<HashMap<String, Memory>>,
    recorder: Recorder,
}

/// What the controller remembers of a Job between syncs (upstream keeps both in memory too).
#[derive(Default, Clone)]
struct Memory {
    backoff: Backoff,
    /// The resourceVersion of our last status write: an older cached Job is not synced.
    written: Option<u64>,
}

/// Failures since the last success, and when the last one was (upstream's `backoffRecord`).
#[derive(Default, Clone, Debug, PartialEq)]
struct Backoff {
    failures_after_last_success: i32,
    last_failure: Option<Timestamp>,
}

impl Backoff {
    /// The record after newly finished pods (upstream's `newBackoffRecord`).
    fn next(&self, succeeded: &[Arc<Pod>], failed: &[Arc<Pod>]) -> Backoff {
        let mut succeeded_at: Vec<Timestamp> = succeeded.iter().map(|p| finished_time(p)).collect();
        let mut failed_at: Vec<Timestamp> = failed.iter().map(|p| finished_time(p)).collect();
        succeeded_at.sort();
        failed_at.sort();
        let mut next = self.clone();
        match succeeded_at.last() {
            None => {
                if let Some(last) = failed_at.last() {
                    next.failures_after_last_success += failed_at.len() as i32;
                    next.last_failure = Some(*last);
                }
            }
            Some(last_success) => {
                next.failures_after_last_success = 0;
                next.last_failure = None;
                for at in failed_at.iter().rev() {
                    if at <= last_success {
                        break;
                    }
                    if next.last_failure.is_none() {
                        next.last_failure = Some(*at);
                    }
                    next.failures_after_last_success += 1;
                }
            }
        }
        next
    }

    /// How long until a replacement may be created.
    fn remaining(&self) -> Duration {
        remaining_for(self.failures_after_last_success, self.last_failure)
    }
}

/// Upstream's `getRemainingTimeForFailuresCount`: 10 s doubled per further failure, at most
/// 6 min, less the time since the last failure.
fn remaining_for(failures: i32, last_failure: Option<Timestamp>) -> Duration {
    let Some(last) = last_failure else {
        return Duration::ZERO;
    };
    if failures <= 0 {
        return Duration::ZERO;
    }
    let mut backoff = DEFAULT_BACKOFF;
    for _ in 1..failures {
        backoff *= 2;
        if backoff >= MAX_BACKOFF {
            backoff = MAX_BACKOFF;
            break;
        }
    }
    let elapsed = Timestamp::now()
        .duration_since(last)
        .unsigned_abs()
        .min(Duration::from_secs(u32::MAX.into()));
    let elapsed = if Timestamp::now() < last {
        Duration::ZERO
    } else {
        elapsed
    };
    backoff.saturating_sub(elapsed)
}

pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let mut queue = Queue::<Job>::new();
    let (checks, orphan_checks) = futures::channel::mpsc::unbounded();
    let jobs = queue.informer(
        &ctx,
        Api::<Job>::all(client.clone()),
        watcher::Config::default(),
        {
            let checks = checks.clone();
            move |job| {
                let _ = checks.unbounded_send(orphans::job_check(job));
                vec![ObjectRef::from_obj(job)]
            }
        },
    );
    let pods = queue.informer(
        &ctx,
        Api::<Pod>::all(client.clone()),
        watcher::Config::default(),
        {
            let checks = checks.clone();
            move |pod| {
                if let Some(check) = orphans::pod_check(pod) {
                    let _ = checks.unbounded_send(check);
                }
                controller_key(pod, "batch/v1", "Job")
            }
        },
    );
    let orphan_worker = orphans::run(client, jobs.clone(), pods.clone(), checks, orphan_checks);
    let shared = Arc::new(Shared {
        recorder: ctx.recorder(NAME),
        ctx: ctx.clone(),
        pods,
        expectations: Expectations::default(),
        memory: Mutex::default(),
    });
    let concurrency = ctx.options.concurrent_job_syncs;
    tokio::select! {
        () = queue.run(NAME, jobs, concurrency, shared, reconcile, ctx) => {}
        () = orphan_worker => {}
    }
}

/// Whether the Job has a true `Complete` or `Failed` condition.
pub(crate) fn is_finished(job: &Job) -> Option<&JobCondition> {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
        })
}

fn now() -> Time {
    Time(Timestamp::now())
}

fn new_condition(type_: &str, status: &str, reason: &str, message: &str) -> JobCondition {
    JobCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_probe_time: Some(now()),
        last_transition_time: Some(now()),
    }
}

fn find_condition<'a>(conditions: &'a [JobCondition], type_: &str) -> Option<&'a JobCondition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Upstream's `ensureJobConditionStatus`: sets a condition (a false one only when it exists);
/// whether anything changed.
fn ensure_condition(
    conditions: &mut Vec<JobCondition>,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
) -> bool {
    if let Some(existing) = conditions.iter_mut().find(|c| c.type_ == type_) {
        if existing.status != status
            || existing.reason.as_deref() != Some(reason)
            || existing.message.as_deref() != Some(message)
        {
            *existing = new_condition(type_, status, reason, message);
            return true;
        }
        return false;
    }
    if status != "False" {
        conditions.push(new_condition(type_, status, reason, message));
        return true;
    }
    false
}

async fn reconcile(job: Arc<Job>, shared: Arc<Shared>) -> Result<Action, ReconcileError> {
    shared
        .ctx
        .metrics
        .inc("ironkube_controller_syncs_total", NAME);
    let uid = job.uid().unwrap_or_default();
    if is_finished(&job).is_some() {
        shared.forget(&uid);
        return Ok(Action::await_change());
    }
    let Some(spec) = job.spec.as_ref() else {
        return Ok(Action::await_change());
    };
    if spec
        .managed_by
        .as_deref()
        .is_some_and(|m| m != JOB_CONTROLLER_NAME)
    {
        return Ok(Action::await_change());
    }
    let version = job.resource_version().and_then(|v| v.parse::<u64>().ok());
    if let (Some(version), Some(written)) = (version, shared.memory(&uid).written)
        && version < written
    {
        // Our own status write has not reached the cache; its event syncs again.
        return Ok(Action::await_change());
    }
    if let Some(mode) = spec.completion_mode.as_deref()
        && mode != "NonIndexed"
        && mode != "Indexed"
    {
        shared
            .event(
                &job,
                EventType::Warning,
                "UnknownCompletionMode",
                "Skipped Job sync because completion mode is unknown",
            )
            .await;
        return Ok(Action::await_change());
    }
    let mut sync = JobSync::new(&shared, (*job).clone());
    sync.sync().await
}

impl Shared {
    fn memory(&self, uid: &str) -> Memory {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(uid)
            .cloned()
            .unwrap_or_default()
    }

    fn update_memory(&self, uid: &str, f: impl FnOnce(&mut Memory)) {
        let mut map = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        f(map.entry(uid.to_string()).or_default());
    }

    fn forget(&self, uid: &str) {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(uid);
        self.expectations.forget(uid);
    }

    async fn event(&self, job: &Job, type_: EventType, reason: &str, note: &str) {
        let event = Event {
            type_,
            reason: reason.into(),
            note: Some(note.into()),
            action: reason.into(),
            secondary: None,
        };
        if let Err(err) = self.recorder.publish(&event, &job.object_ref(&())).await {
            tracing::debug!(%err, reason, "recording an event failed");
        }
    }

    /// The Job's pods in the cache (those it controls).
    fn pods_of(&self, job: &Job) -> Vec<Arc<Pod>> {
        let uid = job.uid().unwrap_or_default();
        let namespace = job.namespace().unwrap_or_default();
        self.pods
            .state()
            .into_iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(namespace.as_str()))
            .filter(|p| {
                p.owner_references()
                    .iter()
                    .any(|o| o.controller == Some(true) && o.uid == uid)
            })
            .collect()
    }
}

/// One sync of one Job (upstream's `syncJobCtx`).
struct JobSync<'a> {
    shared: &'a Shared,
    job: Job,
    uid: String,
    pods: Vec<Arc<Pod>>,
    active_pods: Vec<Arc<Pod>>,
    ready: i32,
    terminating: i32,
    uncounted_succeeded: HashSet<String>,
    uncounted_failed: HashSet<String>,
    expected_rm_finalizers: HashSet<String>,
    succeeded: i32,
    failed: i32,
    new_backoff: Backoff,
    finished: Option<JobCondition>,
    prev_succeeded_indexes: Indexes,
    succeeded_indexes: Indexes,
    failed_indexes: Option<Indexes>,
    delayed_deletion: HashMap<i64, Arc<Pod>>,
    requeue: Option<Duration>,
}

impl<'a> JobSync<'a> {
    fn new(shared: &'a Shared, job: Job) -> JobSync<'a> {
        let uid = job.uid().unwrap_or_default();
        JobSync {
            shared,
            job,
            uid,
            pods: Vec::new(),
            active_pods: Vec::new(),
            ready: 0,
            terminating: 0,
            uncounted_succeeded: HashSet::new(),
            uncounted_failed: HashSet::new(),
            expected_rm_finalizers: HashSet::new(),
            succeeded: 0,
            failed: 0,
            new_backoff: Backoff::default(),
            finished: None,
            prev_succeeded_indexes: Indexes::default(),
            succeeded_indexes: Indexes::default(),
            failed_indexes: None,
            delayed_deletion: HashMap::new(),
            requeue: None,
        }
    }

    fn spec(&self) -> &k8s_openapi::api::batch::v1::JobSpec {
        static EMPTY: std::sync::OnceLock<k8s_openapi::api::batch::v1::JobSpec> =
            std::sync::OnceLock::new();
        self.job
            .spec
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(Default::default))
    }

    fn indexed(&self) -> bool {
        self.spec().completion_mode.as_deref() == Some("Indexed")
    }

    fn completions(&self) -> i64 {
        i64::from(self.spec().completions.unwrap_or(1))
    }

    fn suspended(&self) -> bool {
        self.spec().suspend == Some(true)
    }

    fn per_index(&self) -> bool {
        self.spec().backoff_limit_per_index.is_some()
    }

    fn status(&mut self) -> &mut k8s_openapi::api::batch::v1::JobStatus {
        self.job.status.get_or_insert_with(Default::default)
    }

    fn conditions(&mut self) -> &mut Vec<JobCondition> {
        self.status().conditions.get_or_insert_with(Vec::new)
    }

    fn wake_in(&mut self, after: Duration) {
        self.requeue = Some(self.requeue.map_or(after, |r| r.min(after)));
    }

    /// A pod counts for an Indexed Job only with an index below `completions`.
    fn valid_index(&self, pod: &Pod) -> Option<i64> {
        completion_index(pod).filter(|i| *i < self.completions())
    }

    /// Pods with the finalizer, not counted yet, that pass `filter` (upstream's
    /// `getValidPodsWithFilter`).
    fn valid_pods(
        &self,
        uncounted: Option<&HashSet<String>>,
        filter: impl Fn(&Pod) -> bool,
    ) -> Vec<Arc<Pod>> {
        self.pods
            .iter()
            .filter(|p| {
                let uid = p.uid().unwrap_or_default();
                has_tracking_finalizer(p)
                    && !uncounted.is_some_and(|u| u.contains(&uid))
                    && !self.expected_rm_finalizers.contains(&uid)
            })
            .filter(|p| !self.indexed() || self.valid_index(p).is_some())
            .filter(|p| filter(p))
            .cloned()
            .collect()
    }

    /// Whether our creations and deletions are all in the cache; and the pods whose finalizer
    /// removal is not.
    fn check_expectations(&mut self) -> bool {
        let namespace = self.job.namespace().unwrap_or_default();
        let by_uid: HashMap<String, Arc<Pod>> = self
            .pods
            .iter()
            .map(|p| (p.uid().unwrap_or_default(), p.clone()))
            .collect();
        let store = &self.shared.pods;
        let (satisfied, removing) = self.shared.expectations.with(&self.uid, |e| {
            let fresh = |at: &Instant| at.elapsed() < EXPECTATIONS_TIMEOUT;
            e.created.retain(|name, at| {
                fresh(at)
                    && store
                        .get(&ObjectRef::new(name).within(&namespace))
                        .is_none()
            });
            e.deleted.retain(|uid, at| {
                fresh(at)
                    && by_uid
                        .get(uid)
                        .is_some_and(|p| p.metadata.deletion_timestamp.is_none())
            });
            e.finalizer_removed.retain(|uid, at| {
                fresh(at) && by_uid.get(uid).is_some_and(|p| has_tracking_finalizer(p))
            });
            (
                e.created.is_empty() && e.deleted.is_empty(),
                e.finalizer_removed.keys().cloned().collect::<HashSet<_>>(),
            )
        });
        self.expected_rm_finalizers = removing;
        satisfied
    }

    async fn sync(&mut self) -> Result<Action, ReconcileError> {
        let status = self.status().clone();
        let uncounted = status.uncounted_terminated_pods.clone().unwrap_or_default();
        self.status().uncounted_terminated_pods = Some(uncounted.clone());
        self.uncounted_succeeded = uncounted.succeeded.iter().flatten().cloned().collect();
        self.uncounted_failed = uncounted.failed.iter().flatten().cloned().collect();
        self.pods = self.shared.pods_of(&self.job);
        let satisfied = self.check_expectations();
        self.active_pods = self.pods.iter().filter(|p| is_active(p)).cloned().collect();
        self.ready = self.active_pods.iter().filter(|p| is_ready(p)).count() as i32;
        self.terminating = self.pods.iter().filter(|p| is_terminating(p)).count() as i32;
        let mut active = self.active_pods.len() as i32;

        let new_succeeded =
            self.valid_pods(Some(&self.uncounted_succeeded), |p| phase(p) == "Succeeded");
        let job = self.job.clone();
        let new_failed = self.valid_pods(Some(&self.uncounted_failed), |p| is_failed(p, &job));
        let policy = self.spec().pod_failure_policy.clone();
        let counted_failures = new_failed
            .iter()
            .filter(|p| match_pod_failure_policy(policy.as_ref(), p).count_failed)
            .count() as i32;
        self.succeeded = status.succeeded.unwrap_or(0)
            + new_succeeded.len() as i32
            + self.uncounted_succeeded.len() as i32;
        self.failed =
            status.failed.unwrap_or(0) + counted_failures + self.uncounted_failed.len() as i32;

        if status.start_time.is_none() && !self.suspended() {
            self.status().start_time = Some(now());
        }
        self.new_backoff = self
            .shared
            .memory(&self.uid)
            .backoff
            .next(&new_succeeded, &new_failed);

        let conditions = status.conditions.clone().unwrap_or_default();
        let exceeds_backoff_limit = self.failed > self.spec().backoff_limit.unwrap_or(6);
        self.finished = find_condition(&conditions, "SuccessCriteriaMet")
            .filter(|c| c.status == "True")
            .cloned();
        if self.finished.is_none() {
            if let Some(target) =
                find_condition(&conditions, "FailureTarget").filter(|c| c.status == "True")
            {
                self.finished = Some(new_condition(
                    "Failed",
                    "True",
                    target.reason.as_deref().unwrap_or(""),
                    target.message.as_deref().unwrap_or(""),
                ));
            } else if let Some(message) = self.fail_job_message() {
                self.finished = Some(new_condition(
                    "FailureTarget",
                    "True",
                    "PodFailurePolicy",
                    &message,
                ));
            }
        }
        if self.finished.is_none() {
            if exceeds_backoff_limit || self.past_backoff_limit_on_failure() {
                self.finished = Some(new_condition(
                    "FailureTarget",
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                ));
            } else if let Some(remaining) = self.active_deadline_remaining() {
                if remaining.is_zero() {
                    self.finished = Some(new_condition(
                        "FailureTarget",
                        "True",
                        "DeadlineExceeded",
                        "Job was active longer than specified deadline",
                    ));
                } else {
                    self.wake_in(remaining);
                }
            }
        }

        if self.indexed() {
            self.calculate_succeeded_indexes();
            self.succeeded = self.succeeded_indexes.total() as i32;
            if self.per_index() {
                self.calculate_failed_indexes();
                let failed_total = self.failed_indexes.as_ref().map_or(0, Indexes::total);
                if self.finished.is_none() {
                    if self
                        .spec()
                        .max_failed_indexes
                        .is_some_and(|max| failed_total > i64::from(max))
                    {
                        self.finished = Some(new_condition(
                            "FailureTarget",
                            "True",
                            "MaxFailedIndexesExceeded",
                            "Job has exceeded the specified maximal number of failed indexes",
                        ));
                    } else if failed_total > 0
                        && failed_total + self.succeeded_indexes.total() >= self.completions()
                    {
                        self.finished = Some(new_condition(
                            "FailureTarget",
                            "True",
                            "FailedIndexes",
                            "Job has failed indexes",
                        ));
                    }
                }
                self.pods_with_delayed_deletion();
            }
            if self.finished.is_none()
                && let Some(message) = self.match_success_policy()
            {
                self.finished = Some(new_condition(
                    "SuccessCriteriaMet",
                    "True",
                    "SuccessPolicy",
                    &message,
                ));
            }
        }

        let mut suspend_changed = false;
        let mut manage_result = Ok(());
        if self.finished.is_some() {
            let to_delete = self.active_pods.clone();
            let (deleted_ready, deleted, result) = self.delete_active_pods(&to_delete).await;
            if deleted != active || !satisfied {
                self.finished = None;
            }
            active -= deleted;
            self.terminating += deleted;
            self.ready -= deleted_ready;
            manage_result = result;
        } else {
            let mut managed = false;
            if satisfied && self.job.metadata.deletion_timestamp.is_none() {
                let (now_active, result) = self.manage_job().await;
                active = now_active;
                manage_result = result;
                managed = true;
            }
            let complete = match self.spec().completions {
                None => self.succeeded > 0 && active == 0,
                Some(completions) => self.succeeded >= completions && active == 0,
            };
            if complete {
                self.finished = Some(new_condition(
                    "SuccessCriteriaMet",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ));
            } else if managed {
                if self.suspended() {
                    if ensure_condition(
                        self.conditions(),
                        "Suspended",
                        "True",
                        "JobSuspended",
                        "Job suspended",
                    ) {
                        suspend_changed = true;
                        let job = self.job.clone();
                        self.shared
                            .event(&job, EventType::Normal, "Suspended", "Job suspended")
                            .await;
                        self.status().start_time = None;
                    }
                } else if ensure_condition(
                    self.conditions(),
                    "Suspended",
                    "False",
                    "JobResumed",
                    "Job resumed",
                ) {
                    suspend_changed = true;
                    let job = self.job.clone();
                    self.shared
                        .event(&job, EventType::Normal, "Resumed", "Job resumed")
                        .await;
                    // activeDeadlineSeconds counts continuous activity: from the resume.
                    self.status().start_time = Some(now());
                }
            }
        }

        let old = self.status().clone();
        let needs_update = suspend_changed
            || active != old.active.unwrap_or(0)
            || old.ready != Some(self.ready)
            || old.terminating != Some(self.terminating)
            || old.start_time != status.start_time;
        let (ready, terminating) = (self.ready, self.terminating);
        let status = self.status();
        status.active = Some(active);
        status.ready = Some(ready);
        status.terminating = Some(terminating);
        self.track_status_and_remove_finalizers(needs_update)
            .await?;
        manage_result?;
        Ok(match self.requeue {
            Some(after) => Action::requeue(after.max(Duration::from_millis(10))),
            None => Action::await_change(),
        })
    }

    /// A `FailJob` rule's message for some failed pod (upstream's `getFailJobMessage`).
    fn fail_job_message(&self) -> Option<String> {
        let policy = self.spec().pod_failure_policy.as_ref()?;
        self.pods
            .iter()
            .filter(|p| is_failed(p, &self.job))
            .find_map(|p| match_pod_failure_policy(Some(policy), p).fail_job_message)
    }

    /// With `restartPolicy: OnFailure`, whether the running pods' restarts reach the limit.
    fn past_backoff_limit_on_failure(&self) -> bool {
        let restart = self
            .spec()
            .template
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref());
        if restart != Some("OnFailure") {
            return false;
        }
        let restarts: i32 = self
            .pods
            .iter()
            .filter(|p| matches!(phase(p), "Running" | "Pending"))
            .filter_map(|p| p.status.as_ref())
            .flat_map(|s| {
                s.init_container_statuses
                    .iter()
                    .flatten()
                    .chain(s.container_statuses.iter().flatten())
            })
            .map(|c| c.restart_count)
            .sum();
        let limit = self.spec().backoff_limit.unwrap_or(6);
        if limit == 0 {
            restarts > 0
        } else {
            restarts >= limit
        }
    }

    /// Time left before `activeDeadlineSeconds` passes (zero: passed); `None` when it does
    /// not apply.
    fn active_deadline_remaining(&self) -> Option<Duration> {
        let seconds = self.spec().active_deadline_seconds?;
        if self.suspended() {
            return None;
        }
        let started = self.job.status.as_ref()?.start_time.as_ref()?.0;
        let allowed = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        let now = Timestamp::now();
        let elapsed = if now > started {
            now.duration_since(started).unsigned_abs()
        } else {
            Duration::ZERO
        };
        Some(allowed.saturating_sub(elapsed))
    }

    fn calculate_succeeded_indexes(&mut self) {
        let completions = self.completions();
        let previous = Indexes::parse(
            self.job
                .status
                .as_ref()
                .and_then(|s| s.completed_indexes.as_deref())
                .unwrap_or(""),
            completions,
        );
        let mut new: Vec<i64> = self
            .pods
            .iter()
            .filter(|p| phase(p) == "Succeeded" && has_tracking_finalizer(p))
            .filter_map(|p| self.valid_index(p))
            .collect();
        new.sort_unstable();
        new.dedup();
        self.succeeded_indexes = previous.with(&new);
        self.prev_succeeded_indexes = previous;
    }

    fn is_index_failed(&self, pod: &Pod) -> bool {
        let mut counted = false;
        if is_failed(pod, &self.job) {
            let matched = match_pod_failure_policy(self.spec().pod_failure_policy.as_ref(), pod);
            if self.spec().pod_failure_policy.is_some() {
                if matched.action.as_deref() == Some("FailIndex") {
                    return true;
                }
                counted = matched.count_failed;
            } else {
                counted = true;
            }
        }
        counted
            && pods::annotation_count(pod, INDEX_FAILURE_COUNT)
                >= self.spec().backoff_limit_per_index.unwrap_or(0)
    }

    fn calculate_failed_indexes(&mut self) {
        let completions = self.completions();
        let previous = self
            .job
            .status
            .as_ref()
            .and_then(|s| s.failed_indexes.as_deref())
            .map(|s| Indexes::parse(s, completions))
            .unwrap_or_default();
        let mut new: Vec<i64> = self
            .pods
            .iter()
            .filter(|p| has_tracking_finalizer(p) && self.is_index_failed(p))
            .filter_map(|p| self.valid_index(p))
            .collect();
        new.sort_unstable();
        new.dedup();
        self.failed_indexes = Some(previous.with(&new));
    }

    /// Per index, the last failed pod whose finalizer stays until its replacement exists
    /// (so the replacement inherits its failure count).
    fn pods_with_delayed_deletion(&mut self) {
        let active: HashSet<i64> = self
            .active_pods
            .iter()
            .filter_map(|p| completion_index(p))
            .collect();
        let job = self.job.clone();
        let candidates = self.valid_pods(None, |p| is_failed(p, &job));
        let mut chosen: HashMap<i64, Arc<Pod>> = HashMap::new();
        for pod in candidates {
            let Some(index) = self.valid_index(&pod) else {
                continue;
            };
            if self.succeeded_indexes.has(index)
                || self.failed_indexes.as_ref().is_some_and(|f| f.has(index))
                || active.contains(&index)
            {
                continue;
            }
            let absolute = |p: &Pod| {
                pods::annotation_count(p, INDEX_FAILURE_COUNT)
                    + pods::annotation_count(p, INDEX_IGNORED_FAILURE_COUNT)
            };
            match chosen.get(&index) {
                Some(last)
                    if !(absolute(last) <= absolute(&pod)
                        && finished_time(&pod) >= finished_time(last)) => {}
                _ => {
                    chosen.insert(index, pod);
                }
            }
        }
        self.delayed_deletion = chosen;
    }

    /// Upstream's `matchSuccessPolicy`: the message when a rule is met.
    fn match_success_policy(&self) -> Option<String> {
        let policy = self.spec().success_policy.as_ref()?;
        if self.succeeded_indexes.is_empty() {
            return None;
        }
        for (index, rule) in policy.rules.iter().enumerate() {
            let met = if let Some(required) = &rule.succeeded_indexes {
                let required = Indexes::parse(required, self.completions());
                if required.is_empty() {
                    continue;
                }
                indexes::match_succeeded_indexes(
                    &required,
                    &self.succeeded_indexes,
                    rule.succeeded_count,
                )
            } else if let Some(count) = rule.succeeded_count {
                self.succeeded_indexes.total() >= i64::from(count)
            } else {
                false
            };
            if met {
                return Some(format!("Matched rules at index {index}"));
            }
        }
        None
    }

    fn pods_api(&self) -> Api<Pod> {
        Api::namespaced(
            self.shared.ctx.client.clone(),
            &self.job.namespace().unwrap_or_default(),
        )
    }

    /// Deletes pods keeping their finalizers (the tracking removes them); ready and all
    /// deleted.
    async fn delete_active_pods(
        &self,
        pods: &[Arc<Pod>],
    ) -> (i32, i32, Result<(), ReconcileError>) {
        let api = self.pods_api();
        let results = futures::future::join_all(pods.iter().map(|pod| {
            let api = api.clone();
            async move {
                let name = pod.name_any();
                let result = api.delete(&name, &DeleteParams::default()).await;
                (pod.clone(), result)
            }
        }))
        .await;
        let mut ready = 0;
        let mut deleted = 0;
        let mut error = Ok(());
        for (pod, result) in results {
            match result {
                Ok(_) => {
                    deleted += 1;
                    self.pod_deleted_event(&pod).await;
                }
                Err(kube::Error::Api(status)) if status.code == 404 => deleted += 1,
                Err(err) => {
                    self.pod_delete_failed_event(&err).await;
                    error = Err(err.into());
                }
            }
            if is_ready(&pod) {
                ready += 1;
            }
        }
        (ready, deleted, error)
    }

    async fn pod_deleted_event(&self, pod: &Pod) {
        self.shared
            .event(
                &self.job,
                EventType::Normal,
                "SuccessfulDelete",
                &format!("Deleted pod: {}", pod.name_any()),
            )
            .await;
    }

    async fn pod_delete_failed_event(&self, err: &kube::Error) {
        self.shared
            .event(
                &self.job,
                EventType::Warning,
                "FailedDelete",
                &format!("Error deleting: {err}"),
            )
            .await;
    }

    /// Removes the tracking finalizer (when present), then deletes (upstream's
    /// `deleteJobPods`).
    async fn delete_job_pods(&self, pods: &[Arc<Pod>]) -> (i32, i32, Result<(), ReconcileError>) {
        self.shared.expectations.with(&self.uid, |e| {
            for pod in pods {
                e.deleted
                    .insert(pod.uid().unwrap_or_default(), Instant::now());
            }
        });
        let api = self.pods_api();
        let mut ready = 0;
        let mut deleted = 0;
        let mut error = Ok(());
        for pod in pods {
            let name = pod.name_any();
            let mut result = Ok(());
            if has_tracking_finalizer(pod) {
                result = remove_finalizer(&api, pod).await;
            }
            if result.is_ok() {
                result = api
                    .delete(&name, &DeleteParams::default())
                    .await
                    .map(|_| ());
                if result.is_ok() {
                    self.pod_deleted_event(pod).await;
                }
            }
            match result {
                Ok(()) => deleted += 1,
                Err(kube::Error::Api(status)) if status.code == 404 => {
                    self.forget_deletion(pod);
                    deleted += 1;
                }
                Err(err) => {
                    self.forget_deletion(pod);
                    self.pod_delete_failed_event(&err).await;
                    error = Err(err.into());
                }
            }
            if is_ready(pod) {
                ready += 1;
            }
        }
        (ready, deleted, error)
    }

    fn forget_deletion(&self, pod: &Pod) {
        let uid = pod.uid().unwrap_or_default();
        self.shared.expectations.with(&self.uid, |e| {
            e.deleted.remove(&uid);
        });
    }

    /// Upstream's `manageJob`: creates or deletes pods towards the wanted number of active
    /// ones; the number active after.
    async fn manage_job(&mut self) -> (i32, Result<(), ReconcileError>) {
        let mut active = self.active_pods.len() as i32;
        let parallelism = self.spec().parallelism.unwrap_or(1);
        if self.suspended() {
            let mut to_delete = self.active_pods.clone();
            to_delete.sort_by(|a, b| pods::deletion_order(a, b));
            let (ready, removed, result) = self.delete_job_pods(&to_delete).await;
            self.terminating += removed;
            self.ready -= ready;
            return (active - removed, result);
        }
        let want_active = match self.spec().completions {
            None => {
                if self.succeeded > 0 {
                    active
                } else {
                    parallelism
                }
            }
            Some(completions) => (completions - self.succeeded).clamp(0, parallelism),
        };
        let remove_at_least = (active - want_active).max(0) as usize;
        let mut to_delete = self.pods_for_removal(remove_at_least);
        to_delete.truncate(MAX_POD_CREATE_DELETE_PER_SYNC as usize);
        if !to_delete.is_empty() {
            let (ready, removed, result) = self.delete_job_pods(&to_delete).await;
            self.terminating += removed;
            self.ready -= ready;
            return (active - removed, result);
        }
        let terminating = if only_replace_failed(&self.job) {
            self.terminating
        } else {
            0
        };
        let mut diff = want_active - terminating - active;
        if diff <= 0 {
            return (active, Ok(()));
        }
        if !self.per_index() {
            let remaining = self.new_backoff.remaining();
            if !remaining.is_zero() {
                self.wake_in(remaining);
                return (active, Ok(()));
            }
        }
        diff = diff.min(MAX_POD_CREATE_DELETE_PER_SYNC);
        let mut indexes_to_add: Vec<i64> = Vec::new();
        if self.indexed() {
            indexes_to_add = self.first_pending_indexes(diff as usize);
            if self.per_index() {
                let mut now_indexes = Vec::new();
                let mut least: Option<Duration> = None;
                for index in indexes_to_add {
                    let remaining = match self.delayed_deletion.get(&index) {
                        None => Duration::ZERO,
                        Some(last) => remaining_for(
                            pods::annotation_count(last, INDEX_FAILURE_COUNT)
                                + pods::annotation_count(last, INDEX_IGNORED_FAILURE_COUNT)
                                + 1,
                            Some(finished_time(last)),
                        ),
                    };
                    if remaining.is_zero() {
                        now_indexes.push(index);
                    } else {
                        least = Some(least.map_or(remaining, |l| l.min(remaining)));
                    }
                }
                if now_indexes.is_empty() {
                    if let Some(least) = least {
                        self.wake_in(least);
                    }
                    return (active, Ok(()));
                }
                indexes_to_add = now_indexes;
            }
            diff = indexes_to_add.len() as i32;
        }
        let mut template = self.spec().template.clone();
        if self.indexed() {
            add_completion_index_env(&mut template);
        }
        let metadata = template.metadata.get_or_insert_with(Default::default);
        let finalizers = metadata.finalizers.get_or_insert_with(Vec::new);
        if !finalizers.iter().any(|f| f == TRACKING_FINALIZER) {
            finalizers.push(TRACKING_FINALIZER.to_string());
        }
        // Slow start: batches of 1, 2, 4… stop at the first batch with a failure.
        let mut created = 0;
        let mut error: Result<(), ReconcileError> = Ok(());
        let mut batch = diff.min(1);
        let mut indexes = indexes_to_add.into_iter();
        while created < diff {
            let mut pods_to_create = Vec::new();
            for _ in 0..batch {
                let index = indexes.next();
                pods_to_create.push(self.pod_for(&template, index));
            }
            let results = futures::future::join_all(
                pods_to_create.into_iter().map(|pod| self.create_pod(pod)),
            )
            .await;
            let failures: Vec<ReconcileError> =
                results.into_iter().filter_map(Result::err).collect();
            created += batch - failures.len() as i32;
            active += batch - failures.len() as i32;
            if let Some(err) = failures.into_iter().next() {
                error = Err(err);
                break;
            }
            batch = (batch * 2).min(diff - created);
            if batch <= 0 {
                break;
            }
        }
        (active, error)
    }

    /// Upstream's `activePodsForRemoval`: duplicates and out-of-range indexes first, then by
    /// deletion order.
    fn pods_for_removal(&self, at_least: usize) -> Vec<Arc<Pod>> {
        let mut remove: Vec<Arc<Pod>> = Vec::new();
        let mut left: Vec<Arc<Pod>>;
        if self.indexed() {
            left = Vec::new();
            let mut by_index: BTreeMap<i64, Vec<Arc<Pod>>> = BTreeMap::new();
            for pod in &self.active_pods {
                match completion_index(pod) {
                    Some(index) if index < self.completions() => {
                        by_index.entry(index).or_default().push(pod.clone());
                    }
                    _ => remove.push(pod.clone()),
                }
            }
            for (_, mut same) in by_index {
                // Keep the one deleted last; the others are duplicates.
                same.sort_by(|a, b| pods::deletion_order(a, b));
                if let Some(keep) = same.pop() {
                    left.push(keep);
                }
                remove.extend(same);
            }
        } else {
            left = self.active_pods.clone();
        }
        if remove.len() < at_least {
            left.sort_by(|a, b| pods::deletion_order(a, b));
            let more = at_least - remove.len();
            remove.extend(left.into_iter().take(more));
        }
        remove
    }

    /// Upstream's `firstPendingIndexes`: the lowest indexes neither succeeded, failed nor
    /// running.
    fn first_pending_indexes(&self, count: usize) -> Vec<i64> {
        if count == 0 {
            return Vec::new();
        }
        let mut busy: Vec<i64> = self
            .active_pods
            .iter()
            .filter_map(|p| completion_index(p))
            .collect();
        if only_replace_failed(&self.job) {
            busy.extend(
                self.pods
                    .iter()
                    .filter(|p| is_terminating(p))
                    .filter_map(|p| completion_index(p)),
            );
        }
        busy.sort_unstable();
        busy.dedup();
        let mut not_pending = self.succeeded_indexes.with(&busy);
        if let Some(failed) = &self.failed_indexes {
            not_pending = not_pending.merge(failed);
        }
        (0..self.completions())
            .filter(|i| !not_pending.has(*i))
            .take(count)
            .collect()
    }

    /// The pod for `template` (with an index for Indexed Jobs), as upstream's
    /// `GetPodFromTemplate` and the index decorations make it.
    fn pod_for(
        &self,
        template: &k8s_openapi::api::core::v1::PodTemplateSpec,
        index: Option<i64>,
    ) -> Pod {
        let job_name = self.job.name_any();
        let template_meta = template.metadata.clone().unwrap_or_default();
        let mut labels = template_meta.labels.unwrap_or_default();
        let mut annotations = template_meta.annotations.unwrap_or_default();
        let mut spec = template.spec.clone().unwrap_or_default();
        let mut generate_name = format!("{job_name}-");
        if let Some(index) = index {
            annotations.insert(COMPLETION_INDEX.into(), index.to_string());
            labels.insert(COMPLETION_INDEX.into(), index.to_string());
            spec.hostname = Some(format!("{job_name}-{index}"));
            let suffix = format!("-{index}-");
            let mut prefix = format!("{job_name}{suffix}");
            // Upstream's MaxGeneratedNameLength (63 - 5).
            if prefix.len() > 58 {
                let keep = 58usize.saturating_sub(suffix.len());
                prefix = format!("{}{suffix}", &job_name[..keep.min(job_name.len())]);
            }
            generate_name = prefix;
            if self.per_index() {
                let (failures, ignored) = self.new_index_failure_counts(index);
                annotations.insert(INDEX_FAILURE_COUNT.into(), failures.to_string());
                if ignored > 0 {
                    annotations.insert(INDEX_IGNORED_FAILURE_COUNT.into(), ignored.to_string());
                }
            }
        }
        let owner = OwnerReference {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            name: job_name,
            uid: self.uid.clone(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        };
        Pod {
            metadata: ObjectMeta {
                generate_name: Some(generate_name),
                namespace: self.job.namespace(),
                labels: (!labels.is_empty()).then_some(labels),
                annotations: (!annotations.is_empty()).then_some(annotations),
                finalizers: template_meta.finalizers,
                owner_references: Some(vec![owner]),
                ..ObjectMeta::default()
            },
            spec: Some(spec),
            status: None,
        }
    }

    /// The failure counts a replacement for `index` inherits (upstream's
    /// `getNewIndexFailureCounts`).
    fn new_index_failure_counts(&self, index: i64) -> (i32, i32) {
        let Some(replaced) = self.delayed_deletion.get(&index) else {
            return (0, 0);
        };
        let mut failures = pods::annotation_count(replaced, INDEX_FAILURE_COUNT);
        let mut ignored = pods::annotation_count(replaced, INDEX_IGNORED_FAILURE_COUNT);
        if match_pod_failure_policy(self.spec().pod_failure_policy.as_ref(), replaced).count_failed
        {
            failures += 1;
        } else {
            ignored += 1;
        }
        (failures, ignored)
    }

    async fn create_pod(&self, pod: Pod) -> Result<(), ReconcileError> {
        match self.pods_api().create(&PostParams::default(), &pod).await {
            Ok(created) => {
                let name = created.name_any();
                self.shared.expectations.with(&self.uid, |e| {
                    e.created.insert(name.clone(), Instant::now());
                });
                self.shared
                    .event(
                        &self.job,
                        EventType::Normal,
                        "SuccessfulCreate",
                        &format!("Created pod: {name}"),
                    )
                    .await;
                Ok(())
            }
            Err(kube::Error::Api(status))
                if status.details.as_ref().is_some_and(|d| {
                    d.causes.iter().any(|c| c.reason == "NamespaceTerminating")
                }) =>
            {
                Ok(())
            }
            Err(err) => {
                self.shared
                    .event(
                        &self.job,
                        EventType::Warning,
                        "FailedCreate",
                        &format!("Error creating: {err}"),
                    )
                    .await;
                Err(err.into())
            }
        }
    }

    /// Whether a finished pod's finalizer may go (upstream's `canRemoveFinalizer`).
    fn can_remove_finalizer(&self, pod: &Pod, considered_failed: bool) -> bool {
        if self.job.metadata.deletion_timestamp.is_some()
            || self.finished.is_some()
            || phase(pod) == "Succeeded"
        {
            return true;
        }
        if !considered_failed {
            return false;
        }
        if self.per_index()
            && let Some(index) = completion_index(pod)
            && let Some(delayed) = self.delayed_deletion.get(&index)
            && delayed.uid() == pod.uid()
        {
            return false;
        }
        true
    }

    /// Upstream's `trackJobStatusAndRemoveFinalizers`: records finished pods as uncounted,
    /// removes their finalizers, counts them, and finishes the Job when it may.
    async fn track_status_and_remove_finalizers(
        &mut self,
        mut needs_flush: bool,
    ) -> Result<(), ReconcileError> {
        let indexed = self.indexed();
        if indexed {
            self.pods.sort_by_key(|p| completion_index(p).unwrap_or(-1));
        }
        let mut with_finalizer: HashSet<String> = self
            .pods
            .iter()
            .filter(|p| has_tracking_finalizer(p))
            .map(|p| p.uid().unwrap_or_default())
            .filter(|uid| !self.expected_rm_finalizers.contains(uid))
            .collect();
        if clean_uncounted(self.status(), &with_finalizer) {
            needs_flush = true;
        }
        let mut to_remove: Vec<Arc<Pod>> = Vec::new();
        let mut new_succeeded_indexes: Vec<i64> = Vec::new();
        let mut reached_max = false;
        let finished_failing = self
            .finished
            .as_ref()
            .is_some_and(|c| c.type_ != "SuccessCriteriaMet");
        let pods = self.pods.clone();
        for pod in &pods {
            let uid = pod.uid().unwrap_or_default();
            if !has_tracking_finalizer(pod) || self.expected_rm_finalizers.contains(&uid) {
                continue;
            }
            let considered_failed = is_failed(pod, &self.job);
            if !self.can_remove_finalizer(pod, considered_failed) {
                continue;
            }
            to_remove.push(pod.clone());
            let index = completion_index(pod);
            if phase(pod) == "Succeeded" && !self.uncounted_failed.contains(&uid) {
                if indexed {
                    if let Some(index) = index
                        && index < self.completions()
                        && !self.prev_succeeded_indexes.has(index)
                    {
                        new_succeeded_indexes.push(index);
                        needs_flush = true;
                    }
                } else if !self.uncounted_succeeded.contains(&uid) {
                    needs_flush = true;
                    push_uncounted(self.status(), &uid, true);
                }
            } else if (considered_failed || finished_failing)
                && !self.uncounted_failed.contains(&uid)
                && (!indexed || index.is_some_and(|i| i < self.completions()))
            {
                let matched =
                    match_pod_failure_policy(self.spec().pod_failure_policy.as_ref(), pod);
                if matched.count_failed {
                    needs_flush = true;
                    push_uncounted(self.status(), &uid, false);
                }
            }
            let uncounted = self
                .job
                .status
                .as_ref()
                .and_then(|s| s.uncounted_terminated_pods.as_ref())
                .map_or(0, |u| {
                    u.succeeded.as_ref().map_or(0, Vec::len) + u.failed.as_ref().map_or(0, Vec::len)
                });
            if new_succeeded_indexes.len() + uncounted >= MAX_UNCOUNTED_PODS {
                reached_max = true;
                break;
            }
        }
        if indexed {
            new_succeeded_indexes.sort_unstable();
            new_succeeded_indexes.dedup();
            self.succeeded_indexes = self.succeeded_indexes.with(&new_succeeded_indexes);
            let text = self.succeeded_indexes.to_string();
            let total = self.succeeded_indexes.total() as i32;
            let failed_text = self.failed_indexes.as_ref().map(ToString::to_string);
            let status = self.status();
            if status.completed_indexes.as_deref().unwrap_or("") != text {
                needs_flush = true;
            }
            status.succeeded = Some(total);
            status.completed_indexes = Some(text);
            if status.failed_indexes != failed_text {
                status.failed_indexes = failed_text;
                needs_flush = true;
            }
        }
        if let Some(condition) = self.finished.clone()
            && condition.type_ == "FailureTarget"
        {
            self.conditions().push(condition.clone());
            needs_flush = true;
            self.finished = Some(new_condition(
                "Failed",
                "True",
                condition.reason.as_deref().unwrap_or(""),
                condition.message.as_deref().unwrap_or(""),
            ));
        }
        if let Some(condition) = self.finished.clone()
            && condition.type_ == "SuccessCriteriaMet"
            && condition.status == "True"
        {
            let present = self
                .conditions()
                .iter()
                .any(|c| c.type_ == "SuccessCriteriaMet" && c.status == "True");
            if !present {
                self.conditions().push(condition.clone());
                needs_flush = true;
            }
            self.finished = Some(new_condition(
                "Complete",
                "True",
                condition.reason.as_deref().unwrap_or(""),
                condition.message.as_deref().unwrap_or(""),
            ));
        }

        // Flush the uncounted pods, then remove finalizers, then count them.
        if needs_flush {
            self.update_status().await?;
            let backoff = self.new_backoff.clone();
            self.shared
                .update_memory(&self.uid, |m| m.backoff = backoff);
            needs_flush = false;
        }
        let mut removal_error: Option<ReconcileError> = None;
        if !to_remove.is_empty() {
            self.shared.expectations.with(&self.uid, |e| {
                for pod in &to_remove {
                    e.finalizer_removed
                        .insert(pod.uid().unwrap_or_default(), Instant::now());
                }
            });
            let api = self.pods_api();
            let results =
                futures::future::join_all(to_remove.iter().map(|p| remove_finalizer(&api, p)))
                    .await;
            for (pod, result) in to_remove.iter().zip(results) {
                let uid = pod.uid().unwrap_or_default();
                match result {
                    Ok(()) => {
                        with_finalizer.remove(&uid);
                    }
                    Err(err) => {
                        self.shared.expectations.with(&self.uid, |e| {
                            e.finalizer_removed.remove(&uid);
                        });
                        if matches!(&err, kube::Error::Api(s) if s.code == 404) {
                            with_finalizer.remove(&uid);
                        } else {
                            removal_error = Some(err.into());
                        }
                    }
                }
            }
        }
        if clean_uncounted(self.status(), &with_finalizer) {
            needs_flush = true;
        }
        if let Some(err) = removal_error {
            if needs_flush {
                self.update_status().await?;
            }
            return Err(err);
        }
        let finished = !reached_max && self.enact_finished();
        if finished {
            needs_flush = true;
        }
        if needs_flush {
            self.update_status().await?;
            if finished && let Some(condition) = self.finished.clone() {
                self.record_finished(&condition).await;
            }
        }
        Ok(())
    }

    /// Adds the `Complete` or `Failed` condition once no pod is uncounted or terminating.
    fn enact_finished(&mut self) -> bool {
        let Some(condition) = self.finished.clone() else {
            return false;
        };
        let uncounted = self
            .job
            .status
            .as_ref()
            .and_then(|s| s.uncounted_terminated_pods.as_ref())
            .map_or(0, |u| {
                u.succeeded.as_ref().map_or(0, Vec::len) + u.failed.as_ref().map_or(0, Vec::len)
            });
        if uncounted > 0 || self.terminating > 0 {
            return false;
        }
        let reason = condition.reason.clone().unwrap_or_default();
        let message = condition.message.clone().unwrap_or_default();
        ensure_condition(
            self.conditions(),
            &condition.type_,
            &condition.status,
            &reason,
            &message,
        );
        if condition.type_ == "Complete" {
            self.status().completion_time = condition.last_transition_time.clone();
        }
        true
    }

    async fn record_finished(&self, condition: &JobCondition) {
        if condition.type_ == "Complete" {
            let succeeded = self
                .job
                .status
                .as_ref()
                .and_then(|s| s.succeeded)
                .unwrap_or(0);
            if self.spec().completions.is_some_and(|c| succeeded > c) {
                self.shared
                    .event(
                        &self.job,
                        EventType::Warning,
                        "TooManySucceededPods",
                        "Too many succeeded pods running after completion count reached",
                    )
                    .await;
            }
            self.shared
                .event(&self.job, EventType::Normal, "Completed", "Job completed")
                .await;
        } else {
            self.shared
                .event(
                    &self.job,
                    EventType::Warning,
                    condition.reason.as_deref().unwrap_or(""),
                    condition.message.as_deref().unwrap_or(""),
                )
                .await;
        }
    }

    /// Writes the status (PUT, so a stale cache conflicts) and remembers its version.
    async fn update_status(&mut self) -> Result<(), ReconcileError> {
        let api: Api<Job> = Api::namespaced(
            self.shared.ctx.client.clone(),
            &self.job.namespace().unwrap_or_default(),
        );
        let mut sent = self.job.clone();
        if let Some(status) = sent.status.as_mut()
            && let Some(uncounted) = status.uncounted_terminated_pods.as_mut()
        {
            // Upstream writes empty lists as absent.
            if uncounted.succeeded.as_ref().is_some_and(Vec::is_empty) {
                uncounted.succeeded = None;
            }
            if uncounted.failed.as_ref().is_some_and(Vec::is_empty) {
                uncounted.failed = None;
            }
        }
        let written = api
            .replace_status(&self.job.name_any(), &PostParams::default(), &sent)
            .await?;
        let version = written
            .resource_version()
            .and_then(|v| v.parse::<u64>().ok());
        self.shared
            .update_memory(&self.uid, |m| m.written = version);
        self.job.metadata.resource_version = written.metadata.resource_version;
        Ok(())
    }
}

/// Adds a pod's uid to the uncounted succeeded (or failed) list.
fn push_uncounted(status: &mut k8s_openapi::api::batch::v1::JobStatus, uid: &str, succeeded: bool) {
    let uncounted = status
        .uncounted_terminated_pods
        .get_or_insert_with(UncountedTerminatedPods::default);
    let list = if succeeded {
        uncounted.succeeded.get_or_insert_with(Vec::new)
    } else {
        uncounted.failed.get_or_insert_with(Vec::new)
    };
    list.push(uid.to_string());
}

/// Counts the uncounted pods whose finalizer is gone (upstream's
/// `cleanUncountedPodsWithoutFinalizers`); whether anything changed.
fn clean_uncounted(
    status: &mut k8s_openapi::api::batch::v1::JobStatus,
    with_finalizer: &HashSet<String>,
) -> bool {
    let uncounted = status
        .uncounted_terminated_pods
        .get_or_insert_with(UncountedTerminatedPods::default);
    let mut changed = false;
    let mut counted_succeeded = 0;
    let mut counted_failed = 0;
    if let Some(list) = uncounted.succeeded.as_mut() {
        let before = list.len();
        list.retain(|uid| with_finalizer.contains(uid));
        counted_succeeded = (before - list.len()) as i32;
    }
    if let Some(list) = uncounted.failed.as_mut() {
        let before = list.len();
        list.retain(|uid| with_finalizer.contains(uid));
        counted_failed = (before - list.len()) as i32;
    }
    if counted_succeeded > 0 {
        status.succeeded = Some(status.succeeded.unwrap_or(0) + counted_succeeded);
        changed = true;
    }
    if counted_failed > 0 {
        status.failed = Some(status.failed.unwrap_or(0) + counted_failed);
        changed = true;
    }
    changed
}

/// Removes the tracking finalizer from a pod (upstream's strategic-merge directive).
async fn remove_finalizer(api: &Api<Pod>, pod: &Pod) -> Result<(), kube::Error> {
    if !has_tracking_finalizer(pod) {
        return Ok(());
    }
    let patch = serde_json::json!({
        "metadata": {"$deleteFromPrimitiveList/finalizers": [TRACKING_FINALIZER]},
    });
    api.patch(
        &pod.name_any(),
        &PatchParams::default(),
        &Patch::Strategic(patch),
    )
    .await
    .map(|_| ())
}

/// Adds `JOB_COMPLETION_INDEX` (from the index label) to every container.
fn add_completion_index_env(template: &mut k8s_openapi::api::core::v1::PodTemplateSpec) {
    let Some(spec) = template.spec.as_mut() else {
        return;
    };
    let containers = spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut());
    for container in containers {
        let env = container.env.get_or_insert_with(Vec::new);
        if env.iter().any(|e| e.name == COMPLETION_INDEX_ENV) {
            continue;
        }
        env.push(EnvVar {
            name: COMPLETION_INDEX_ENV.into(),
            value: None,
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    api_version: None,
                    field_path: format!("metadata.labels['{COMPLETION_INDEX}']"),
                }),
                ..EnvVarSource::default()
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_six_minutes() {
        let just_now = Some(Timestamp::now());
        let close = |d: Duration, secs: u64| d.as_secs() + 1 >= secs && d.as_secs() <= secs;
        assert!(remaining_for(0, just_now).is_zero());
        assert!(close(remaining_for(1, just_now), 10));
        assert!(close(remaining_for(2, just_now), 20));
        assert!(close(remaining_for(3, just_now), 40));
        assert!(close(remaining_for(10, just_now), 360));
        let long_ago = Some(Timestamp::now() - k8s_openapi::jiff::SignedDuration::from_secs(15));
        assert!(close(remaining_for(2, long_ago), 5));
        assert!(remaining_for(1, long_ago).is_zero());
    }

    #[test]
    fn conditions_are_ensured_as_upstream() {
        let mut conditions = Vec::new();
        assert!(!ensure_condition(
            &mut conditions,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed"
        ));
        assert!(conditions.is_empty());
        assert!(ensure_condition(
            &mut conditions,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended"
        ));
        assert!(!ensure_condition(
            &mut conditions,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended"
        ));
        assert!(ensure_condition(
            &mut conditions,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed"
        ));
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].status, "False");
    }
}
