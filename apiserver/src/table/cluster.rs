//! The cluster's own machinery: `coordination.k8s.io` (leases, lease candidates),
//! `scheduling.k8s.io` (priority classes, workloads, pod groups), `node.k8s.io` (runtime
//! classes), `policy` (disruption budgets), `flowcontrol.apiserver.k8s.io`,
//! `internal.apiserver.k8s.io` (storage versions) and `storagemigration.k8s.io`.

use serde_json::Value;

use super::core_group::name_and_age;
use super::format::{
    NONE, UNSET, array_at, bool_at, group_qualified, int_or_string, list_with_more, opt_str_at,
    str_at,
};
use super::{AGE, Column, NAME, NAME_DOC, Printer, Printing, col};

/// The printers of the cluster machinery's groups.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["coordination.k8s.io"],
        kind: "Lease",
        columns: LEASE_COLUMNS,
        cells: lease_cells,
    },
    Printer {
        groups: &["coordination.k8s.io"],
        kind: "LeaseCandidate",
        columns: LEASE_CANDIDATE_COLUMNS,
        cells: lease_candidate_cells,
    },
    Printer {
        groups: &["scheduling.k8s.io"],
        kind: "PriorityClass",
        columns: PRIORITY_CLASS_COLUMNS,
        cells: priority_class_cells,
    },
    Printer {
        groups: &["scheduling.k8s.io"],
        kind: "Workload",
        columns: WORKLOAD_COLUMNS,
        cells: name_and_age,
    },
    Printer {
        groups: &["scheduling.k8s.io"],
        kind: "PodGroup",
        columns: POD_GROUP_COLUMNS,
        cells: pod_group_cells,
    },
    Printer {
        groups: &["scheduling.k8s.io"],
        kind: "CompositePodGroup",
        columns: COMPOSITE_POD_GROUP_COLUMNS,
        cells: composite_pod_group_cells,
    },
    Printer {
        groups: &["node.k8s.io"],
        kind: "RuntimeClass",
        columns: RUNTIME_CLASS_COLUMNS,
        cells: runtime_class_cells,
    },
    Printer {
        groups: &["policy"],
        kind: "PodDisruptionBudget",
        columns: POD_DISRUPTION_BUDGET_COLUMNS,
        cells: pod_disruption_budget_cells,
    },
    Printer {
        groups: &["flowcontrol.apiserver.k8s.io"],
        kind: "FlowSchema",
        columns: FLOW_SCHEMA_COLUMNS,
        cells: flow_schema_cells,
    },
    Printer {
        groups: &["flowcontrol.apiserver.k8s.io"],
        kind: "PriorityLevelConfiguration",
        columns: PRIORITY_LEVEL_CONFIGURATION_COLUMNS,
        cells: priority_level_configuration_cells,
    },
    Printer {
        groups: &["internal.apiserver.k8s.io"],
        kind: "StorageVersion",
        columns: STORAGE_VERSION_COLUMNS,
        cells: storage_version_cells,
    },
    Printer {
        groups: &["storagemigration.k8s.io"],
        kind: "StorageVersionMigration",
        columns: STORAGE_VERSION_MIGRATION_COLUMNS,
        cells: storage_version_migration_cells,
    },
];

/// The columns of Lease (`kubectl get`).
const LEASE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Holder",
        "string",
        "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
    ),
    AGE,
];

/// The columns of LeaseCandidate (`kubectl get`).
const LEASE_CANDIDATE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "LeaseName",
        "string",
        "leaseName is the name of the lease for which this candidate is contending. This field is immutable.",
    ),
    col("BinaryVersion", "string", ""),
    col("EmulationVersion", "string", ""),
    AGE,
];

/// The columns of PriorityClass (`kubectl get`).
const PRIORITY_CLASS_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Value",
        "integer",
        "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
    ),
    col(
        "Global-Default",
        "boolean",
        "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
    ),
    AGE,
    col(
        "PreemptionPolicy",
        "string",
        "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
    ),
];

/// The columns of Workload (`kubectl get`).
const WORKLOAD_COLUMNS: &[Column] = &[NAME, AGE];

/// The columns of PodGroup (`kubectl get`).
const POD_GROUP_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Policy",
        "string",
        "schedulingPolicy defines the scheduling policy for this instance of the PodGroup. Controllers are expected to fill this field by copying it from a PodGroupTemplate.",
    ),
    col(
        "Workload",
        "string",
        "Name of the referenced Workload object",
    ),
    col("Status", "string", "Status of the PodGroup"),
    AGE,
];

/// The columns of CompositePodGroup (`kubectl get`).
const COMPOSITE_POD_GROUP_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Policy",
        "string",
        "schedulingPolicy defines the scheduling policy for this instance of the CompositePodGroup. Controllers are expected to fill this field by copying it from a CompositePodGroupTemplate. This field is immutable.",
    ),
    col(
        "Workload",
        "string",
        "Name of the referenced Workload object",
    ),
    AGE,
];

/// The columns of RuntimeClass (`kubectl get`).
const RUNTIME_CLASS_COLUMNS: &[Column] = &[NAME, col("Handler", "string", ""), AGE];

/// The columns of PodDisruptionBudget (`kubectl get`).
const POD_DISRUPTION_BUDGET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Min Available",
        "string",
        "The minimum number of pods that must be available.",
    ),
    col(
        "Max Unavailable",
        "string",
        "The maximum number of pods that may be unavailable.",
    ),
    col(
        "Allowed Disruptions",
        "integer",
        "Calculated number of pods that may be disrupted at this time.",
    ),
    AGE,
];

/// The columns of FlowSchema (`kubectl get`).
const FLOW_SCHEMA_COLUMNS: &[Column] = &[
    NAME,
    col(
        "PriorityLevel",
        "string",
        "`name` is the name of the priority level configuration being referenced Required.",
    ),
    col(
        "MatchingPrecedence",
        "string",
        "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.",
    ),
    col(
        "DistinguisherMethod",
        "string",
        "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.",
    ),
    AGE,
    col(
        "MissingPL",
        "string",
        "references a broken or non-existent PriorityLevelConfiguration",
    ),
];

/// The columns of PriorityLevelConfiguration (`kubectl get`).
const PRIORITY_LEVEL_CONFIGURATION_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "`type` indicates whether this priority level is subject to limitation on request execution.  A value of `\"Exempt\"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `\"Limited\"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server's limited capacity is made available exclusively to this priority level. Required.",
    ),
    col(
        "NominalConcurrencyShares",
        "string",
        "`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level. This is the number of execution seats available at this priority level. This is used both for requests dispatched from this priority level as well as requests dispatched from other priority levels borrowing seats from this level. The server's concurrency limit (ServerCL) is divided among the Limited priority levels in proportion to their NCS values:\n\nNominalCL(i)  = ceil( ServerCL * NCS(i) / sum_ncs ) sum_ncs = sum[priority level k] NCS(k)\n\nBigger numbers mean a larger nominal concurrency limit, at the expense of every other priority level.\n\nIf not specified, this field defaults to a value of 30.\n\nSetting this field to zero supports the construction of a \"jail\" for this priority level that is used to hold some request(s)",
    ),
    col(
        "Queues",
        "string",
        "`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64.",
    ),
    col(
        "HandSize",
        "string",
        "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.  When enqueuing a request at this priority level the request's flow identifier (a string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand of the size specified here.  The request is put into one of the shortest queues in that hand. `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few heavy flows do not saturate most of the queues).  See the user-facing documentation for more extensive guidance on setting this field.  This field has a default value of 8.",
    ),
    col(
        "QueueLengthLimit",
        "string",
        "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50.",
    ),
    AGE,
];

/// The columns of StorageVersion (`kubectl get`).
const STORAGE_VERSION_COLUMNS: &[Column] = &[
    NAME,
    col(
        "CommonEncodingVersion",
        "string",
        "commonEncodingVersion is set to an encoding storage version if all API server instances share that same version. If they don't share one storage version, this field is left empty. API servers should finish updating its storageVersionStatus entry before serving write operations, so that this field will be in sync with the reality.",
    ),
    col(
        "StorageVersions",
        "string",
        "storageVersions lists the reported versions per API server instance.",
    ),
    AGE,
];

/// The columns of StorageVersionMigration (`kubectl get`).
const STORAGE_VERSION_MIGRATION_COLUMNS: &[Column] = &[
    col("Name", "string", NAME_DOC),
    col("Resource", "string", "GroupResource to migrate"),
    col("Status", "string", "Status of the migration"),
];

/// The row of a lease.
fn lease_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), p.str(&["spec", "holderIdentity"]).into(), p.age()]
}

/// The row of a lease candidate.
fn lease_candidate_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        p.str(&["spec", "leaseName"]).into(),
        p.str(&["spec", "binaryVersion"]).into(),
        p.str(&["spec", "emulationVersion"]).into(),
        p.age(),
    ]
}

/// The row of a priority class.
fn priority_class_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        p.int(&["value"]).into(),
        bool_at(p.object, &["globalDefault"]).into(),
        p.age(),
        p.str(&["preemptionPolicy"]).into(),
    ]
}

/// The Policy column of pod groups: "Gang" when a gang policy is set, else "Basic".
fn scheduling_policy(p: &Printing<'_>) -> &'static str {
    if p.at(&["spec", "schedulingPolicy", "gang"]).is_null() {
        "Basic"
    } else {
        "Gang"
    }
}

/// The Workload column of pod groups: the referenced workload, or "<none>".
fn workload_name(p: &Printing<'_>) -> String {
    let reference = p.at(&["spec", "workloadRef"]);
    if reference.is_null() {
        NONE.to_owned()
    } else {
        str_at(reference, &["workloadName"]).to_owned()
    }
}

/// The row of a pod group.
fn pod_group_cells(p: &Printing<'_>) -> Vec<Value> {
    // Upstream keys conditions by type: the last of each type counts.
    let conditions = array_at(p.object, &["status", "conditions"]);
    let last = |type_: &str| {
        conditions
            .iter()
            .rev()
            .find(|c| str_at(c, &["type"]) == type_)
    };
    let mut status = "Pending";
    if let Some(scheduled) = last("PodGroupInitiallyScheduled") {
        status = if str_at(scheduled, &["status"]) == "True" {
            "Scheduled"
        } else {
            "Unschedulable"
        };
    }
    if let Some(disruption) = last("DisruptionTarget") {
        status = str_at(disruption, &["reason"]);
    }
    vec![
        p.name(),
        scheduling_policy(p).into(),
        workload_name(p).into(),
        status.into(),
        p.age(),
    ]
}

/// The row of a composite pod group.
fn composite_pod_group_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        scheduling_policy(p).into(),
        workload_name(p).into(),
        p.age(),
    ]
}

/// The row of a runtime class.
fn runtime_class_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), p.str(&["handler"]).into(), p.age()]
}

/// The row of a pod disruption budget.
fn pod_disruption_budget_cells(p: &Printing<'_>) -> Vec<Value> {
    let bound = |field: &str| {
        let value = p.at(&["spec", field]);
        if value.is_null() {
            "N/A".to_owned()
        } else {
            int_or_string(value)
        }
    };
    vec![
        p.name(),
        bound("minAvailable").into(),
        bound("maxUnavailable").into(),
        p.int(&["status", "disruptionsAllowed"]).into(),
        p.age(),
    ]
}

/// The row of a flow schema.
fn flow_schema_cells(p: &Printing<'_>) -> Vec<Value> {
    let distinguisher = p.at(&["spec", "distinguisherMethod"]);
    let distinguisher = if distinguisher.is_null() {
        NONE
    } else {
        str_at(distinguisher, &["type"])
    };
    let dangling = array_at(p.object, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Dangling")
        .map_or("?", |c| str_at(c, &["status"]));
    vec![
        p.name(),
        p.str(&["spec", "priorityLevelConfiguration", "name"])
            .into(),
        p.int(&["spec", "matchingPrecedence"]).into(),
        distinguisher.into(),
        p.age(),
        dangling.into(),
    ]
}

/// The row of a priority level configuration.
fn priority_level_configuration_cells(p: &Printing<'_>) -> Vec<Value> {
    let none = || Value::from(NONE);
    let limited = p.at(&["spec", "limited"]);
    let (shares, queues, hand_size, queue_length) = if limited.is_null() {
        (none(), none(), none(), none())
    } else {
        let shares = super::format::int_at(limited, &["nominalConcurrencyShares"]).into();
        let queuing = super::format::at(limited, &["limitResponse", "queuing"]);
        if queuing.is_null() {
            (shares, none(), none(), none())
        } else {
            let int = |field: &str| Value::from(super::format::int_at(queuing, &[field]));
            (
                shares,
                int("queues"),
                int("handSize"),
                int("queueLengthLimit"),
            )
        }
    };
    vec![
        p.name(),
        p.str(&["spec", "type"]).into(),
        shares,
        queues,
        hand_size,
        queue_length,
        p.age(),
    ]
}

/// The row of a storage version.
fn storage_version_cells(p: &Printing<'_>) -> Vec<Value> {
    const MAX: usize = 3;
    let versions = array_at(p.object, &["status", "storageVersions"]);
    let list: Vec<String> = versions
        .iter()
        .take(MAX)
        .map(|v| {
            format!(
                "{}={}",
                str_at(v, &["apiServerID"]),
                str_at(v, &["encodingVersion"])
            )
        })
        .collect();
    vec![
        p.name(),
        opt_str_at(p.object, &["status", "commonEncodingVersion"])
            .unwrap_or(UNSET)
            .into(),
        list_with_more(&list, versions.len() > MAX, versions.len(), MAX).into(),
        p.age(),
    ]
}

/// The row of a storage version migration.
fn storage_version_migration_cells(p: &Printing<'_>) -> Vec<Value> {
    let resource = group_qualified(
        p.str(&["spec", "resource", "resource"]),
        p.str(&["spec", "resource", "group"]),
    );
    // The last true condition among Running, Failed and Succeeded.
    let status = array_at(p.object, &["status", "conditions"])
        .iter()
        .filter(|c| str_at(c, &["status"]) == "True")
        .filter_map(|c| match str_at(c, &["type"]) {
            t @ ("Running" | "Failed" | "Succeeded") => Some(t),
            _ => None,
        })
        .next_back()
        .unwrap_or("Unknown");
    vec![p.name(), resource.into(), status.into()]
}
