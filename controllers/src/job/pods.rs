//! What the Job controller reads off pods: phase, readiness, completion index, the tracking
//! finalizer, when a pod finished, and how `podFailurePolicy` judges a failed pod.

use std::cmp::Ordering;

use k8s_openapi::api::batch::v1::{Job, PodFailurePolicy};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::{SignedDuration, Timestamp};

/// The finalizer that keeps a pod until the Job counted it.
pub(crate) const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
/// The annotation (and label) with an Indexed Job's pod's index.
pub(crate) const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// How often an index failed (counted), with `backoffLimitPerIndex`.
pub(crate) const INDEX_FAILURE_COUNT: &str = "batch.kubernetes.io/job-index-failure-count";
/// How often an index failed in a way the pod failure policy ignores.
pub(crate) const INDEX_IGNORED_FAILURE_COUNT: &str =
    "batch.kubernetes.io/job-index-ignored-failure-count";

/// The pod's phase ("" when it has none yet).
pub(crate) fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// Whether the pod is neither finished nor being deleted (upstream's `FilterActivePods`).
pub(crate) fn is_active(pod: &Pod) -> bool {
    !matches!(phase(pod), "Succeeded" | "Failed") && pod.metadata.deletion_timestamp.is_none()
}

/// Whether the pod is being deleted and has not finished (upstream's `CountTerminatingPods`).
pub(crate) fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some() && !matches!(phase(pod), "Succeeded" | "Failed")
}

/// Whether the pod's `Ready` condition is true.
pub(crate) fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Whether the pod still carries the tracking finalizer.
pub(crate) fn has_tracking_finalizer(pod: &Pod) -> bool {
    pod.metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| f == TRACKING_FINALIZER))
}

/// The pod's completion index, when it has a valid one.
pub(crate) fn completion_index(pod: &Pod) -> Option<i64> {
    pod.metadata
        .annotations
        .as_ref()?
        .get(COMPLETION_INDEX)?
        .parse::<i64>()
        .ok()
        .filter(|i| *i >= 0)
}

/// An annotation's non-negative 32-bit count (0 when absent or invalid).
pub(crate) fn annotation_count(pod: &Pod, key: &str) -> i32 {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|v| *v >= 0)
        .unwrap_or(0)
}

/// Upstream's `isPodFailed`: failed, or (unless only failed pods are replaced) deleted before
/// it succeeded.
pub(crate) fn is_failed(pod: &Pod, job: &Job) -> bool {
    if phase(pod) == "Failed" {
        return true;
    }
    if only_replace_failed(job) {
        return false;
    }
    pod.metadata.deletion_timestamp.is_some() && phase(pod) != "Succeeded"
}

/// Whether `podReplacementPolicy` is `Failed`.
pub(crate) fn only_replace_failed(job: &Job) -> bool {
    job.spec
        .as_ref()
        .and_then(|s| s.pod_replacement_policy.as_deref())
        == Some("Failed")
}

/// When the pod finished: its containers' last finish, else when it stopped being ready, else
/// its deletion (less the grace period), else its creation (upstream's `getFinishedTime`).
pub(crate) fn finished_time(pod: &Pod) -> Timestamp {
    let status = pod.status.as_ref();
    let sidecars: Vec<&str> = pod
        .spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten())
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.as_str())
        .collect();
    let containers = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .chain(
            status
                .and_then(|s| s.init_container_statuses.as_ref())
                .into_iter()
                .flatten()
                .filter(|c| sidecars.contains(&c.name.as_str())),
        );
    let mut latest: Option<Timestamp> = None;
    let mut complete = true;
    let mut any = false;
    for container in containers {
        any = true;
        match container
            .state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .and_then(|t| t.finished_at.as_ref())
        {
            Some(at) => latest = Some(latest.map_or(at.0, |l| l.max(at.0))),
            None => complete = false,
        }
    }
    if any
        && complete
        && let Some(at) = latest
    {
        return at;
    }
    if let Some(ready) = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .filter(|c| c.status == "False")
        .and_then(|c| c.last_transition_time.as_ref())
    {
        return ready.0;
    }
    if let Some(deleted) = &pod.metadata.deletion_timestamp {
        let grace = pod.metadata.deletion_grace_period_seconds.unwrap_or(0);
        return deleted.0 - SignedDuration::from_secs(grace);
    }
    pod.metadata
        .creation_timestamp
        .as_ref()
        .map_or(Timestamp::UNIX_EPOCH, |t| t.0)
}

/// What a pod failure policy decided for a failed pod.
pub(crate) struct PolicyMatch {
    /// The message the Job fails with (a `FailJob` rule).
    pub(crate) fail_job_message: Option<String>,
    /// Whether the failure counts against the backoff limit.
    pub(crate) count_failed: bool,
    /// The action of the rule that matched.
    pub(crate) action: Option<String>,
}

/// Upstream's `matchPodFailurePolicy`.
pub(crate) fn match_pod_failure_policy(
    policy: Option<&PodFailurePolicy>,
    pod: &Pod,
) -> PolicyMatch {
    let unmatched = PolicyMatch {
        fail_job_message: None,
        count_failed: true,
        action: None,
    };
    let Some(policy) = policy else {
        return unmatched;
    };
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("");
    let name = pod.metadata.name.as_deref().unwrap_or("");
    let status = pod.status.as_ref();
    for (index, rule) in policy.rules.iter().enumerate() {
        let described = if let Some(requirement) = &rule.on_exit_codes {
            let statuses = status
                .and_then(|s| s.container_statuses.as_ref())
                .into_iter()
                .flatten()
                .chain(
                    status
                        .and_then(|s| s.init_container_statuses.as_ref())
                        .into_iter()
                        .flatten(),
                );
            let mut found = None;
            for container in statuses {
                let Some(terminated) = container.state.as_ref().and_then(|s| s.terminated.as_ref())
                else {
                    continue;
                };
                if requirement
                    .container_name
                    .as_ref()
                    .is_some_and(|n| *n != container.name)
                    || terminated.exit_code == 0
                {
                    continue;
                }
                let listed = requirement.values.contains(&terminated.exit_code);
                let matches = match requirement.operator.as_str() {
                    "In" => listed,
                    "NotIn" => !listed,
                    _ => false,
                };
                if matches {
                    found = Some(format!(
                        "Container {} for pod {namespace}/{name} failed with exit code {} matching {} rule at index {index}",
                        container.name, terminated.exit_code, rule.action
                    ));
                    break;
                }
            }
            found
        } else if let Some(patterns) = &rule.on_pod_conditions {
            status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .find(|c| {
                    patterns.iter().any(|p| {
                        p.type_ == c.type_ && p.status.as_deref().unwrap_or("True") == c.status
                    })
                })
                .map(|c| {
                    format!(
                        "Pod {namespace}/{name} has condition {} matching {} rule at index {index}",
                        c.type_, rule.action
                    )
                })
        } else {
            None
        };
        let Some(message) = described else {
            continue;
        };
        let action = Some(rule.action.clone());
        match rule.action.as_str() {
            "Ignore" => {
                return PolicyMatch {
                    fail_job_message: None,
                    count_failed: false,
                    action,
                };
            }
            "FailIndex" | "Count" => {
                return PolicyMatch {
                    fail_job_message: None,
                    count_failed: true,
                    action,
                };
            }
            "FailJob" => {
                return PolicyMatch {
                    fail_job_message: Some(message),
                    count_failed: true,
                    action,
                };
            }
            _ => {}
        }
    }
    unmatched
}

/// Upstream's `ActivePods` order, the pods to delete first first: unscheduled before
/// scheduled, pending before running, not ready before ready, newer before older.
pub(crate) fn deletion_order(a: &Pod, b: &Pod) -> Ordering {
    let scheduled = |p: &Pod| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
    let phase_rank = |p: &Pod| match phase(p) {
        "Pending" | "" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };
    let created = |p: &Pod| p.metadata.creation_timestamp.as_ref().map(|t| t.0);
    scheduled(a)
        .cmp(&scheduled(b))
        .then(phase_rank(a).cmp(&phase_rank(b)))
        .then(is_ready(a).cmp(&is_ready(b)))
        .then(created(b).cmp(&created(a)))
}
