//! `lifecycle.k8s.io`: eviction requests and evictions (with their responders' progress).

use serde_json::Value;

use super::format::{
    UNKNOWN, UNSET, array_at, at, is_set, list_with_more, opt_int_at, since, str_at, timestamp,
    until,
};
use super::{AGE, Column, NAME, Printer, Printing, col, wide};

/// The printers of `lifecycle.k8s.io`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["lifecycle.k8s.io"],
        kind: "EvictionRequest",
        columns: EVICTION_REQUEST_COLUMNS,
        cells: eviction_request_cells,
    },
    Printer {
        groups: &["lifecycle.k8s.io"],
        kind: "Eviction",
        columns: EVICTION_COLUMNS,
        cells: eviction_cells,
    },
];

/// The columns of EvictionRequest (`kubectl get`).
const EVICTION_REQUEST_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Target",
        "string",
        "target contains a reference to an object (e.g. a pod) that should be evicted. This field is required and immutable.",
    ),
    col(
        "Target Type",
        "string",
        "target contains a reference to an object (e.g. a pod) that should be evicted. This field is required and immutable.",
    ),
    col(
        "Status",
        "string",
        "conditions contain information about the eviction request.\n\nEvictionRequest specific conditions are: TargetEvicted or Failed (managed by evictionrequest-controller). - Failed means that the eviction request is no longer being processed\n  by any eviction responder. This can happen if the request is canceled or if no responder\n  managed to evict the target (e.g. terminate or delete a pod).\n- TargetEvicted means that the target has been evicted (e.g. a pod has been terminated or deleted).\n\nThese conditions can be reset if the eviction was unsuccessful and a new Eviction intent has been submitted.\n\nThe maximum length of the conditions list is 100.",
    ),
    col(
        "Requester",
        "string",
        "requester allows you to identify the entity, that requested the eviction of the target.\n\nIt must be a valid domain-prefixed key (such as \"acme.io/foo\"). Domain names *.k8s.io and *.kubernetes.io are reserved. This field is required and immutable.",
    ),
    col(
        "Intent",
        "string",
        "intent specifies the action that should be taken for the specified target.\n\n- Eviction means that the requester is interested in the eviction of the target. - Withdrawn means that the requester is no longer interested in the eviction of the target.\n  If all requesters' intents are withdrawn for a common target, the eviction will be canceled.\n  Cancellation consequences:\n  - Inactive responders will never run.\n  - Active responders are expected to cancel the eviction.\n  - Completed or Interrupted responders should not take any action.",
    ),
    AGE,
];

/// The columns of Eviction (`kubectl get`).
const EVICTION_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Target",
        "string",
        "target contains a reference to an object (e.g. a pod) that should be evicted. This field is required and immutable.",
    ),
    col(
        "Target Type",
        "string",
        "target contains a reference to an object (e.g. a pod) that should be evicted. This field is required and immutable.",
    ),
    col(
        "Status",
        "string",
        "conditions contain information about the eviction request.\n\nEviction specific conditions are: TargetEvicted or Failed (managed by evictionrequest-controller). - Failed means that the eviction request is no longer being processed\n  by any eviction responder. This can happen if the request is canceled or if no responder\n  managed to evict the target (e.g. terminate or delete a pod).\n- TargetEvicted means that the target has been evicted (e.g. a pod has been terminated or deleted).\n\n\tThe maximum length of the conditions list is 100.",
    ),
    col(
        "Active Responder",
        "string",
        "state specifies a state that is assigned by the evictionrequest-controller. Responders should observe this state in order to navigate their lifecycle. - Inactive means that the responder should not yet process this eviction request. - Active means that the responder is either running or expected to start soon.\n  Also, startTime has been set in the ResponderStatus by the evictionrequest-controller.\n\n  An active responder should currently interact with the eviction process by updating\n  .status.responders, where .name is the active responder name. ResponderStatus fields\n  should be periodically updated to indicate the progress or completion of the eviction process.\n  If .status.responders[].heartbeatTime field is not updated within the heartbeat deadline defined\n  by the Eviction API (currently 20 minutes), the eviction is passed over to the next responder\n\t with a lower priority. Only one responder can be active at a time.\n- Interrupted means that the responder has failed to start or failed to update\n  heartbeatTime in ResponderStatus in a timely manner.\n- Canceled means that the responder has been canceled. In other words, there\tis no\n  EvictionRequest with the same target and Eviction intent in .spec.intent.\n- Completed means that the responder has successfully completed and set completionTime\n  in ResponderStatus.\n\nPlease refer to the ResponderStatus in .status.responders for more details on each responder.",
    ),
    col(
        "Responder Status",
        "string",
        "ResponderStatus represents the last observed status of the eviction process of the responder. It should be only updated by the designated responder whose name is .name field.",
    ),
    col(
        "Responder Expected Finish",
        "string",
        "expectedCompletionTime is the time at which the eviction process step is expected to end for the responder. The time cannot be set to the past. May be omitted if no estimate can be made.",
    ),
    col(
        "Requesters",
        "string",
        "requesters allow you to identify the entities, that requested the eviction of the target. If all the requesters withdraw their eviction intent, the eviction will be canceled.\n\nThe maximum length of the requesters list is 100. If this limit is exceeded, requesters with Withdrawn intent should be dropped first.",
    ),
    AGE,
    wide(
        "Responder Heartbeat",
        "string",
        "heartbeatTime is the last time at which the eviction process was reported to be in progress by the responder. It should reflect the present time when set. Responders should avoid heartbeats more frequent than 20 seconds to avoid overloading the control-plane.",
    ),
    wide(
        "Responder Status Message",
        "string",
        "message provides human-readable details about the state of the responder and the eviction process. Maximum length is 4000 characters.",
    ),
];

/// The Target and Target Type columns: the pod's name and "Pod", or "<unset>" twice.
fn target(p: &Printing<'_>) -> (Value, Value) {
    let pod = p.at(&["spec", "target", "pod"]);
    if pod.is_null() {
        (UNSET.into(), UNSET.into())
    } else {
        (str_at(pod, &["name"]).into(), "Pod".into())
    }
}

/// Upstream's `resolveEvictionStatusConditions`.
fn eviction_status(p: &Printing<'_>) -> String {
    let mut status = if opt_int_at(p.object, &["status", "observedGeneration"]).unwrap_or(0) > 0 {
        "Progressing".to_owned()
    } else {
        "Pending".to_owned()
    };
    let conditions = array_at(p.object, &["status", "conditions"]);
    let find = |type_: &str| conditions.iter().find(|c| str_at(c, &["type"]) == type_);
    let is_true = |c: &&Value| str_at(c, &["status"]) == "True";
    if let Some(failed) = find("Failed").filter(is_true) {
        status = format!("Failed ({})", str_at(failed, &["reason"]));
    }
    if let Some(evicted) = find("TargetEvicted").filter(is_true) {
        status = format!("TargetEvicted ({})", str_at(evicted, &["reason"]));
    }
    status
}

/// The row of an eviction request.
fn eviction_request_cells(p: &Printing<'_>) -> Vec<Value> {
    let (target, target_type) = target(p);
    vec![
        p.name(),
        target,
        target_type,
        eviction_status(p).into(),
        p.str(&["spec", "requester"]).into(),
        p.str(&["spec", "intent"]).into(),
        p.age(),
    ]
}

/// The responder columns of an eviction: (active responder, its status, expected finish,
/// heartbeat, message).
fn responder_columns(p: &Printing<'_>) -> [String; 5] {
    let targets = array_at(p.object, &["status", "targetResponders"]);
    let mut handled = 0;
    let mut last_active = None;
    let mut last_processed = None;
    for responder in targets {
        match str_at(responder, &["state"]) {
            "Canceled" | "Interrupted" | "Completed" => {
                handled += 1;
                last_processed = Some(responder);
            }
            "Active" => {
                handled += 1;
                last_active = Some(responder);
            }
            _ => {}
        }
    }
    // With none active, show the last one done.
    let shown = last_active.or(last_processed);
    let name = shown.map_or(UNSET, |r| str_at(r, &["name"]));
    let active = format!("{name} ({handled}/{})", targets.len());

    let mut expected = UNKNOWN.to_owned();
    let mut status = UNSET.to_owned();
    let mut heartbeat = UNSET.to_owned();
    let mut message = UNSET.to_owned();
    if let Some(shown) = shown {
        let state = str_at(shown, &["state"]);
        let statuses = array_at(p.object, &["status", "responders"]);
        if let Some(responder) = statuses
            .iter()
            .find(|r| str_at(r, &["name"]) == str_at(shown, &["name"]))
        {
            status = state.to_owned();
            match state {
                "Active" if is_set(responder, &["startTime"]) => {
                    status = format!(
                        "Started ({} ago)",
                        since(p.now, at(responder, &["startTime"]))
                    );
                    let finish = at(responder, &["expectedCompletionTime"]);
                    if !finish.is_null() {
                        expected = if timestamp(finish).is_some_and(|t| t > p.now) {
                            format!("in {}", until(p.now, finish))
                        } else {
                            format!("{} ago", since(p.now, finish))
                        };
                    }
                }
                "Canceled" | "Interrupted" => expected = "-".to_owned(),
                "Completed" => {
                    if is_set(responder, &["completionTime"]) {
                        status = format!(
                            "{state} ({} ago)",
                            since(p.now, at(responder, &["completionTime"]))
                        );
                    }
                    expected = "-".to_owned();
                }
                _ => {}
            }
            if is_set(responder, &["heartbeatTime"]) {
                heartbeat = format!("{} ago", since(p.now, at(responder, &["heartbeatTime"])));
            }
            let text = str_at(responder, &["message"]).trim();
            if !text.is_empty() {
                message = text.to_owned();
            }
        }
    }
    [active, status, expected, heartbeat, message]
}

/// The Requesters column: the first requester still asking (by name), "+ N more...", or
/// "<withdrawn>"/"<none>".
fn requesters(p: &Printing<'_>) -> String {
    let all = array_at(p.object, &["status", "requesters"]);
    let mut asking: Vec<String> = all
        .iter()
        .filter(|r| str_at(r, &["intent"]) != "Withdrawn")
        .map(|r| str_at(r, &["name"]).to_owned())
        .collect();
    asking.sort();
    if !asking.is_empty() {
        return list_with_more(&asking[..1], asking.len() > 1, asking.len(), 1);
    }
    if all.is_empty() {
        super::format::NONE.to_owned()
    } else {
        "<withdrawn>".to_owned()
    }
}

/// The row of an eviction.
fn eviction_cells(p: &Printing<'_>) -> Vec<Value> {
    let (target, target_type) = target(p);
    let [active, status, expected, heartbeat, message] = responder_columns(p);
    vec![
        p.name(),
        target,
        target_type,
        eviction_status(p).into(),
        active.into(),
        status.into(),
        expected.into(),
        requesters(p).into(),
        p.age(),
        heartbeat.into(),
        message.into(),
    ]
}
