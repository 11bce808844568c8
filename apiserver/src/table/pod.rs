//! Pods: upstream's `printPod`, whose Status column summarises init containers, containers,
//! scheduling gates and deletion into one word, and whose Restarts column says when the last
//! restart was.

use std::collections::HashMap;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::format::{NONE, array_at, at, bool_at, int_at, opt_bool_at, str_at, timestamp};
use super::{AGE, Column, NAME, Printer, Printing, col, format, wide};

/// The pod printer.
pub(super) const PRINTERS: &[Printer] = &[Printer {
    groups: &[""],
    kind: "Pod",
    columns: POD_COLUMNS,
    cells: pod_cells,
}];

/// The columns of Pod (`kubectl get pods`).
const POD_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Ready",
        "string",
        "The aggregate readiness state of this pod for accepting traffic.",
    ),
    col(
        "Status",
        "string",
        "The aggregate status of the containers in this pod.",
    ),
    col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    wide(
        "IP",
        "string",
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
    ),
    wide(
        "Node",
        "string",
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
    ),
    wide(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
    ),
    wide(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
    ),
];

/// The pod's summary: what the Ready, Status and Restarts columns show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PodSummary {
    /// Ready containers (sidecars included).
    pub(super) ready: i64,
    /// Containers (sidecars included).
    pub(super) total: i64,
    /// The Status column.
    pub(super) reason: String,
    /// Restarts counted for the Restarts column.
    pub(super) restarts: i64,
    /// When the last counted restart finished, if known.
    pub(super) last_restart: Option<OffsetDateTime>,
}

/// Whether an init container is a sidecar (`restartPolicy: Always`).
fn is_restartable(container: Option<&&Value>) -> bool {
    container.is_some_and(|c| str_at(c, &["restartPolicy"]) == "Always")
}

/// A container state's variant (`waiting`, `running`, `terminated`) if set.
fn state<'a>(status: &'a Value, variant: &str) -> Option<&'a Value> {
    let value = at(status, &["state", variant]);
    (!value.is_null()).then_some(value)
}

/// Moves `latest` to the container's last termination if that finished later.
fn note_restart(latest: &mut Option<OffsetDateTime>, status: &Value) {
    let last = at(status, &["lastState", "terminated"]);
    if last.is_null() {
        return;
    }
    let finished = timestamp(at(last, &["finishedAt"]));
    // Go's `lastRestartDate.Before(&finished)`: a zero finish time never wins.
    if let Some(finished) = finished
        && latest.is_none_or(|l| l < finished)
    {
        *latest = Some(finished);
    }
}

/// Whether the pod has a condition of `type_` with status "True" (the first one decides).
fn condition_true(pod: &Value, type_: &str) -> Option<bool> {
    array_at(pod, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .map(|c| str_at(c, &["status"]) == "True")
}

/// Upstream's pod status logic (`printPod`).
pub(super) fn summarize(pod: &Value) -> PodSummary {
    let containers = array_at(pod, &["spec", "containers"]);
    let init_containers = array_at(pod, &["spec", "initContainers"]);
    let mut total = i64::try_from(containers.len()).unwrap_or(i64::MAX);
    let mut ready = 0;
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut last_restart = None;
    let mut last_sidecar_restart = None;

    let phase = str_at(pod, &["status", "phase"]);
    let status_reason = str_at(pod, &["status", "reason"]);
    let mut reason = if status_reason.is_empty() {
        phase.to_owned()
    } else {
        status_reason.to_owned()
    };
    let gated = array_at(pod, &["status", "conditions"]).iter().any(|c| {
        str_at(c, &["type"]) == "PodScheduled" && str_at(c, &["reason"]) == "SchedulingGated"
    });
    if gated {
        reason = "SchedulingGated".to_owned();
    }

    // Later init containers of the same name win, as in upstream's map.
    let by_name: HashMap<&str, &Value> = init_containers
        .iter()
        .map(|c| (str_at(c, &["name"]), c))
        .collect();
    total += init_containers
        .iter()
        .filter(|c| str_at(c, &["restartPolicy"]) == "Always")
        .count() as i64;

    let mut initializing = false;
    for (i, status) in array_at(pod, &["status", "initContainerStatuses"])
        .iter()
        .enumerate()
    {
        let restart_count = int_at(status, &["restartCount"]);
        restarts += restart_count;
        note_restart(&mut last_restart, status);
        let restartable = is_restartable(by_name.get(str_at(status, &["name"])));
        if restartable {
            sidecar_restarts += restart_count;
            note_restart(&mut last_sidecar_restart, status);
        }
        let terminated = state(status, "terminated");
        let waiting = state(status, "waiting");
        if terminated.is_some_and(|t| int_at(t, &["exitCode"]) == 0) {
            continue;
        }
        if restartable && opt_bool_at(status, &["started"]) == Some(true) {
            if bool_at(status, &["ready"]) {
                ready += 1;
            }
            continue;
        }
        if let Some(terminated) = terminated {
            let terminated_reason = str_at(terminated, &["reason"]);
            let signal = int_at(terminated, &["signal"]);
            reason = if !terminated_reason.is_empty() {
                format!("Init:{terminated_reason}")
            } else if signal != 0 {
                format!("Init:Signal:{signal}")
            } else {
                format!("Init:ExitCode:{}", int_at(terminated, &["exitCode"]))
            };
        } else if let Some(waiting_reason) = waiting
            .map(|w| str_at(w, &["reason"]))
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_containers.len());
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "Initialized") == Some(true) {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        let mut error_reason = String::new();
        for status in array_at(pod, &["status", "containerStatuses"]).iter().rev() {
            restarts += int_at(status, &["restartCount"]);
            note_restart(&mut last_restart, status);
            let waiting_reason = state(status, "waiting").map(|w| str_at(w, &["reason"]));
            if let Some(waiting_reason) = waiting_reason.filter(|r| !r.is_empty()) {
                reason = waiting_reason.to_owned();
            } else if let Some(terminated) = state(status, "terminated") {
                let terminated_reason = str_at(terminated, &["reason"]);
                let signal = int_at(terminated, &["signal"]);
                let exit_code = int_at(terminated, &["exitCode"]);
                reason = if !terminated_reason.is_empty() {
                    terminated_reason.to_owned()
                } else if signal != 0 {
                    format!("Signal:{signal}")
                } else {
                    format!("ExitCode:{exit_code}")
                };
                if exit_code != 0 {
                    error_reason.clone_from(&reason);
                }
            } else if bool_at(status, &["ready"]) && state(status, "running").is_some() {
                has_running = true;
                ready += 1;
            }
        }
        // A completed container does not make a pod with running containers "Completed".
        if reason == "Completed" {
            let pod_ready = array_at(pod, &["status", "conditions"])
                .iter()
                .any(|c| str_at(c, &["type"]) == "Ready" && str_at(c, &["status"]) == "True");
            if has_running && pod_ready {
                reason = "Running".to_owned();
            } else if !error_reason.is_empty() {
                reason = error_reason;
            } else if has_running {
                reason = "NotReady".to_owned();
            }
        }
    }

    if format::is_deleting(pod) && status_reason == "NodeLost" {
        reason = "Unknown".to_owned();
    } else if format::is_deleting(pod) && phase != "Failed" && phase != "Succeeded" {
        reason = "Terminating".to_owned();
    }

    PodSummary {
        ready,
        total,
        reason,
        restarts,
        last_restart,
    }
}

/// The Restarts column: the count, and how long ago the last restart was when known.
fn restarts_cell(summary: &PodSummary, now: OffsetDateTime) -> String {
    match summary.last_restart {
        Some(last) if summary.restarts != 0 => format!(
            "{} ({} ago)",
            summary.restarts,
            format::human_duration(format::go_duration(now, last))
        ),
        _ => summary.restarts.to_string(),
    }
}

/// The Readiness Gates column: gates whose condition is "True", of all gates.
fn readiness_gates(pod: &Value) -> String {
    let gates = array_at(pod, &["spec", "readinessGates"]);
    if gates.is_empty() {
        return NONE.to_owned();
    }
    let satisfied = gates
        .iter()
        .filter(|gate| condition_true(pod, str_at(gate, &["conditionType"])) == Some(true))
        .count();
    format!("{satisfied}/{}", gates.len())
}

/// A pod's row.
fn pod_cells(p: &Printing<'_>) -> Vec<Value> {
    let pod = p.object;
    let summary = summarize(pod);
    let or_none = |s: &str| if s.is_empty() { NONE } else { s }.to_owned();
    let ip = array_at(pod, &["status", "podIPs"])
        .first()
        .map_or("", |ip| str_at(ip, &["ip"]));
    vec![
        p.name(),
        format!("{}/{}", summary.ready, summary.total).into(),
        summary.reason.clone().into(),
        restarts_cell(&summary, p.now).into(),
        p.age(),
        or_none(ip).into(),
        or_none(p.str(&["spec", "nodeName"])).into(),
        or_none(p.str(&["status", "nominatedNodeName"])).into(),
        readiness_gates(pod).into(),
    ]
}

/// The row conditions upstream gives finished pods.
pub(super) fn row_conditions(pod: &Value) -> Option<Value> {
    let (reason, message) = match str_at(pod, &["status", "phase"]) {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{
        "type": "Completed",
        "status": "True",
        "reason": reason,
        "message": message,
    }]))
}
