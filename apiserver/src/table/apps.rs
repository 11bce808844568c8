//! `apps`: deployments, replica sets, stateful sets, daemon sets and controller revisions.

use serde_json::Value;

use super::format::{
    NONE, array_at, container_cells, format_label_selector, format_labels, group_qualified,
    label_selector_or_invalid, str_at,
};
use super::{AGE, CONTAINERS, Column, IMAGES, NAME, Printer, Printing, col, wide};

/// The printers of `apps`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["apps"],
        kind: "Deployment",
        columns: DEPLOYMENT_COLUMNS,
        cells: deployment_cells,
    },
    Printer {
        groups: &["apps"],
        kind: "ReplicaSet",
        columns: REPLICA_SET_COLUMNS,
        cells: replica_set_cells,
    },
    Printer {
        groups: &["apps"],
        kind: "StatefulSet",
        columns: STATEFUL_SET_COLUMNS,
        cells: stateful_set_cells,
    },
    Printer {
        groups: &["apps"],
        kind: "DaemonSet",
        columns: DAEMON_SET_COLUMNS,
        cells: daemon_set_cells,
    },
    Printer {
        groups: &["apps"],
        kind: "ControllerRevision",
        columns: CONTROLLER_REVISION_COLUMNS,
        cells: controller_revision_cells,
    },
];

/// The columns of Deployment (`kubectl get`).
const DEPLOYMENT_COLUMNS: &[Column] = &[
    NAME,
    col("Ready", "string", "Number of the pod with ready state"),
    col(
        "Up-to-date",
        "string",
        "Total number of non-terminating pods targeted by this deployment that have the desired template spec.",
    ),
    col(
        "Available",
        "string",
        "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
    ),
];

/// The columns of ReplicaSet (`kubectl get`).
const REPLICA_SET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset",
    ),
    col(
        "Current",
        "integer",
        "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset",
    ),
    col(
        "Ready",
        "integer",
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

/// The columns of StatefulSet (`kubectl get`).
const STATEFUL_SET_COLUMNS: &[Column] = &[
    NAME,
    col("Ready", "string", "Number of the pod with ready state"),
    AGE,
    CONTAINERS,
    IMAGES,
];

/// The columns of DaemonSet (`kubectl get`).
const DAEMON_SET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    col(
        "Ready",
        "integer",
        "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
    ),
    col(
        "Up-to-date",
        "integer",
        "The total number of nodes that are running updated daemon pod",
    ),
    col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
    ),
    col(
        "Node Selector",
        "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

/// The columns of ControllerRevision (`kubectl get`).
const CONTROLLER_REVISION_COLUMNS: &[Column] = &[
    NAME,
    col("Controller", "string", "Controller of the object"),
    col(
        "Revision",
        "string",
        "Revision indicates the revision of the state represented by Data.",
    ),
    AGE,
];

/// The pod template's container names and images.
fn template_containers(p: &Printing<'_>) -> (Value, Value) {
    let (names, images) = container_cells(array_at(
        p.object,
        &["spec", "template", "spec", "containers"],
    ));
    (names.into(), images.into())
}

/// The row of a deployment.
fn deployment_cells(p: &Printing<'_>) -> Vec<Value> {
    let (names, images) = template_containers(p);
    vec![
        p.name(),
        format!(
            "{}/{}",
            p.int(&["status", "readyReplicas"]),
            p.int(&["spec", "replicas"])
        )
        .into(),
        p.int(&["status", "updatedReplicas"]).into(),
        p.int(&["status", "availableReplicas"]).into(),
        p.age(),
        names,
        images,
        label_selector_or_invalid(p.at(&["spec", "selector"])).into(),
    ]
}

/// The row of a replica set.
fn replica_set_cells(p: &Printing<'_>) -> Vec<Value> {
    let (names, images) = template_containers(p);
    vec![
        p.name(),
        p.int(&["spec", "replicas"]).into(),
        p.int(&["status", "replicas"]).into(),
        p.int(&["status", "readyReplicas"]).into(),
        p.age(),
        names,
        images,
        format_label_selector(p.at(&["spec", "selector"])).into(),
    ]
}

/// The row of a stateful set.
fn stateful_set_cells(p: &Printing<'_>) -> Vec<Value> {
    let (names, images) = template_containers(p);
    vec![
        p.name(),
        format!(
            "{}/{}",
            p.int(&["status", "readyReplicas"]),
            p.int(&["spec", "replicas"])
        )
        .into(),
        p.age(),
        names,
        images,
    ]
}

/// The row of a daemon set.
fn daemon_set_cells(p: &Printing<'_>) -> Vec<Value> {
    let (names, images) = template_containers(p);
    vec![
        p.name(),
        p.int(&["status", "desiredNumberScheduled"]).into(),
        p.int(&["status", "currentNumberScheduled"]).into(),
        p.int(&["status", "numberReady"]).into(),
        p.int(&["status", "updatedNumberScheduled"]).into(),
        p.int(&["status", "numberAvailable"]).into(),
        format_labels(p.at(&["spec", "template", "spec", "nodeSelector"])).into(),
        p.age(),
        names,
        images,
        format_label_selector(p.at(&["spec", "selector"])).into(),
    ]
}

/// The Controller column: `kind.group/name` of the controlling owner, or "<none>".
fn controller_of(object: &Value) -> String {
    let Some(owner) = array_at(object, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
    else {
        return NONE.to_owned();
    };
    let api_version = str_at(owner, &["apiVersion"]);
    // `schema.ParseGroupVersion`: "v1" is the core group, "group/version" names the group.
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    let kind = str_at(owner, &["kind"]);
    let name = str_at(owner, &["name"]);
    if group.is_empty() && kind.is_empty() {
        return name.to_owned();
    }
    format!("{}/{name}", group_qualified(kind, group).to_lowercase())
}

/// The row of a controller revision.
fn controller_revision_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        controller_of(p.object).into(),
        p.int(&["revision"]).into(),
        p.age(),
    ]
}
