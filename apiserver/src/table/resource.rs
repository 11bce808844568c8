//! `resource.k8s.io` (dynamic resource allocation): device classes, claims and their
//! templates, resource slices, device taint rules and pool status requests.

use serde_json::Value;

use super::core_group::name_and_age;
use super::format::{NONE, array_at, is_deleting, opt_int_at, str_at};
use super::{AGE, Column, NAME, Printer, Printing, col};

/// The printers of `resource.k8s.io`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["resource.k8s.io"],
        kind: "DeviceClass",
        columns: DEVICE_CLASS_COLUMNS,
        cells: name_and_age,
    },
    Printer {
        groups: &["resource.k8s.io"],
        kind: "ResourceClaim",
        columns: RESOURCE_CLAIM_COLUMNS,
        cells: resource_claim_cells,
    },
    Printer {
        groups: &["resource.k8s.io"],
        kind: "ResourceClaimTemplate",
        columns: RESOURCE_CLAIM_TEMPLATE_COLUMNS,
        cells: name_and_age,
    },
    Printer {
        groups: &["resource.k8s.io"],
        kind: "ResourceSlice",
        columns: RESOURCE_SLICE_COLUMNS,
        cells: resource_slice_cells,
    },
    Printer {
        groups: &["resource.k8s.io"],
        kind: "DeviceTaintRule",
        columns: DEVICE_TAINT_RULE_COLUMNS,
        cells: device_taint_rule_cells,
    },
    Printer {
        groups: &["resource.k8s.io"],
        kind: "ResourcePoolStatusRequest",
        columns: RESOURCE_POOL_STATUS_REQUEST_COLUMNS,
        cells: resource_pool_status_request_cells,
    },
];

/// The columns of DeviceClass (`kubectl get`).
const DEVICE_CLASS_COLUMNS: &[Column] = &[NAME, AGE];

/// The columns of ResourceClaim (`kubectl get`).
const RESOURCE_CLAIM_COLUMNS: &[Column] = &[
    NAME,
    col(
        "State",
        "string",
        "A summary of the current state (allocated, pending, reserved, etc.).",
    ),
    AGE,
];

/// The columns of ResourceClaimTemplate (`kubectl get`).
const RESOURCE_CLAIM_TEMPLATE_COLUMNS: &[Column] = &[NAME, AGE];

/// The columns of ResourceSlice (`kubectl get`).
const RESOURCE_SLICE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Node",
        "string",
        "NodeName identifies the node which provides the resources in this pool. A field selector can be used to list only ResourceSlice objects belonging to a certain node.\n\nThis field can be used to limit access from nodes to ResourceSlices with the same node name. It also indicates to autoscalers that adding new nodes of the same type as some old node might also make new resources available.\n\nExactly one of NodeName, NodeSelector, AllNodes, and PerDeviceNodeSelection must be set. This field is immutable.",
    ),
    col(
        "Driver",
        "string",
        "Driver identifies the DRA driver providing the capacity information. A field selector can be used to list only ResourceSlice objects with a certain driver name.\n\nMust be a DNS subdomain and should end with a DNS domain owned by the vendor of the driver. It should use only lower case characters. This field is immutable.",
    ),
    col(
        "Pool",
        "string",
        "Name is used to identify the pool. For node-local devices, this is often the node name, but this is not required. A field selector can be used to list only ResourceSlice objects belonging to a certain pool.\n\nIt must not be longer than 253 characters and must consist of one or more DNS sub-domains separated by slashes. This field is immutable.",
    ),
    AGE,
];

/// The columns of DeviceTaintRule (`kubectl get`).
const DEVICE_TAINT_RULE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Key",
        "string",
        "The taint key to be applied to a device. Must be a label name.",
    ),
    col(
        "Value",
        "string",
        "The taint value corresponding to the taint key. Must be a label value.",
    ),
    col(
        "Effect",
        "string",
        "The effect of the taint on claims that do not tolerate the taint and through such claims on the pods using them.\n\nValid effects are None, NoSchedule and NoExecute. PreferNoSchedule as used for nodes is not valid here. More effects may get added in the future. Consumers must treat unknown effects like None.",
    ),
    col(
        "TimeAdded",
        "string",
        "TimeAdded represents the time at which the taint was added or (only in a DeviceTaintRule) the effect was modified. Added automatically during create or update if not set.\n\nIn addition, in a DeviceTaintRule a value provided during an update gets replaced with the current time if the provided value is the same as the old one and the new effect is different. Changing the key and/or value while keeping the effect unchanged is possible and does not update the time stamp because the eviction which uses it is either already started (NoExecute) or not started yet (NoEffect, NoSchedule).",
    ),
    AGE,
];

/// The columns of ResourcePoolStatusRequest (`kubectl get`).
const RESOURCE_POOL_STATUS_REQUEST_COLUMNS: &[Column] = &[
    NAME,
    col("Driver", "string", "The driver to query pools for."),
    col(
        "Total",
        "string",
        "Total number of devices across all pools.",
    ),
    col(
        "Available",
        "string",
        "Number of available devices across all pools.",
    ),
    col(
        "Allocated",
        "string",
        "Number of allocated devices across all pools.",
    ),
    col(
        "Unavailable",
        "string",
        "Number of unavailable devices across all pools.",
    ),
    col(
        "Errors",
        "string",
        "Number of pools with validation errors.",
    ),
    col("Pools", "integer", "Total number of matching pools."),
    col("Status", "string", "Processing status."),
    col(
        "Completed",
        "string",
        "Time since the observation completed.",
    ),
];

/// The State column of a claim: "deleted", "pending", "allocated", "reserved", joined.
fn claim_state(p: &Printing<'_>) -> String {
    let deleted = is_deleting(p.object);
    let mut states = Vec::new();
    if deleted {
        states.push("deleted");
    }
    if p.at(&["status", "allocation"]).is_null() {
        if !deleted {
            states.push("pending");
        }
    } else {
        states.push("allocated");
        if !array_at(p.object, &["status", "reservedFor"]).is_empty() {
            states.push("reserved");
        }
    }
    states.join(",")
}

/// The row of a resource claim.
fn resource_claim_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), claim_state(p).into(), p.age()]
}

/// The row of a resource slice.
fn resource_slice_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        p.str(&["spec", "nodeName"]).into(),
        p.str(&["spec", "driver"]).into(),
        p.str(&["spec", "pool", "name"]).into(),
        p.age(),
    ]
}

/// The row of a device taint rule.
fn device_taint_rule_cells(p: &Printing<'_>) -> Vec<Value> {
    let time_added = if p.at(&["spec", "taint", "timeAdded"]).is_null() {
        String::new()
    } else {
        p.since(&["spec", "taint", "timeAdded"])
    };
    vec![
        p.name(),
        p.str(&["spec", "taint", "key"]).into(),
        p.str(&["spec", "taint", "value"]).into(),
        p.str(&["spec", "taint", "effect"]).into(),
        time_added.into(),
        p.age(),
    ]
}

/// The row of a resource pool status request.
fn resource_pool_status_request_cells(p: &Printing<'_>) -> Vec<Value> {
    let mut status = "Pending".to_owned();
    let mut pool_count = 0;
    let dash = || "-".to_owned();
    let (mut total, mut available, mut allocated, mut unavailable, mut errors) =
        (dash(), dash(), dash(), dash(), dash());
    let mut completed = NONE.to_owned();
    let request_status = p.at(&["status"]);
    if !request_status.is_null() {
        let mut failed = false;
        for condition in array_at(request_status, &["conditions"]) {
            let is_true = str_at(condition, &["status"]) == "True";
            match str_at(condition, &["type"]) {
                "Complete" if is_true => {
                    status = "Complete".to_owned();
                    completed = super::format::since(
                        p.now,
                        super::format::at(condition, &["lastTransitionTime"]),
                    );
                    break;
                }
                "Failed" if is_true => {
                    status = "Failed".to_owned();
                    failed = true;
                    break;
                }
                _ => {}
            }
        }
        pool_count = opt_int_at(request_status, &["poolCount"]).unwrap_or(0);
        let pools = array_at(request_status, &["pools"]);
        let listed = i64::try_from(pools.len()).unwrap_or(i64::MAX);
        if status == "Complete" && pool_count > listed {
            status = format!("Complete ({listed}/{pool_count} pools)");
        }
        if !failed {
            let sum = |field: &str| -> i64 {
                pools
                    .iter()
                    .filter_map(|pool| opt_int_at(pool, &[field]))
                    .sum()
            };
            total = sum("totalDevices").to_string();
            available = sum("availableDevices").to_string();
            allocated = sum("allocatedDevices").to_string();
            unavailable = sum("unavailableDevices").to_string();
            errors = pools
                .iter()
                .filter(|pool| !super::format::at(pool, &["validationError"]).is_null())
                .count()
                .to_string();
        }
    }
    vec![
        p.name(),
        p.str(&["spec", "driver"]).into(),
        total.into(),
        available.into(),
        allocated.into(),
        unavailable.into(),
        errors.into(),
        pool_count.into(),
        status.into(),
        completed.into(),
    ]
}
