//! The convertors outside the printers package: CRDs (the apiextensions server's), APIServices
//! (the aggregator's), and the printer of `metav1.Status`.

use serde_json::Value;

use super::format::{array_at, format_rfc3339, str_at, timestamp};
use super::{AGE, CREATED_DOC, Column, NAME, Printer, Printing, col, wide};

/// The convertors of `apiextensions.k8s.io`, `apiregistration.k8s.io` and `Status`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["apiextensions.k8s.io"],
        kind: "CustomResourceDefinition",
        columns: CUSTOM_RESOURCE_DEFINITION_COLUMNS,
        cells: custom_resource_definition_cells,
    },
    Printer {
        groups: &["apiregistration.k8s.io"],
        kind: "APIService",
        columns: API_SERVICE_COLUMNS,
        cells: api_service_cells,
    },
    Printer {
        groups: &["", "meta.k8s.io"],
        kind: "Status",
        columns: STATUS_COLUMNS,
        cells: status_cells,
    },
];

/// The columns of CustomResourceDefinition (`kubectl get`).
const CUSTOM_RESOURCE_DEFINITION_COLUMNS: &[Column] = &[
    NAME,
    col("Scope", "string", "Cluster/Namespaced"),
    col("Versions", "string", "Served versions"),
    col("Created At", "date", CREATED_DOC),
    wide("Group", "string", "API group"),
    wide("Kind", "string", "CustomResource kind"),
    wide("ShortNames", "string", "Short names"),
    wide("Established", "boolean", "Established status"),
];

/// The columns of APIService (`kubectl get`).
const API_SERVICE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Service",
        "string",
        "The reference to the service that hosts this API endpoint.",
    ),
    col("Available", "string", "Whether this service is available."),
    AGE,
];

/// The columns of Status (`kubectl get`).
const STATUS_COLUMNS: &[Column] = &[
    col(
        "Status",
        "string",
        "Status of the operation. One of: \"Success\" or \"Failure\". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
    ),
    col(
        "Reason",
        "string",
        "A machine-readable description of why this operation is in the \"Failure\" status. If this value is empty there is no information available. A Reason clarifies an HTTP status code but does not override it.",
    ),
    col("Message", "string", ""),
];

/// The row of a CustomResourceDefinition (the apiextensions server's convertor).
fn custom_resource_definition_cells(p: &Printing<'_>) -> Vec<Value> {
    let mut versions: Vec<String> = array_at(p.object, &["spec", "versions"])
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool) == Some(true))
        .map(|v| {
            let name = str_at(v, &["name"]);
            if v.get("storage").and_then(Value::as_bool) == Some(true) {
                format!("{name}(storage)")
            } else {
                name.to_owned()
            }
        })
        .collect();
    versions.sort();
    let short_names = array_at(p.object, &["spec", "names", "shortNames"])
        .iter()
        .map(|s| s.as_str().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(",");
    let established = array_at(p.object, &["status", "conditions"])
        .iter()
        .any(|c| str_at(c, &["type"]) == "Established" && str_at(c, &["status"]) == "True");
    vec![
        p.name(),
        p.str(&["spec", "scope"]).into(),
        versions.join(",").into(),
        format_rfc3339(timestamp(p.at(&["metadata", "creationTimestamp"]))).into(),
        p.str(&["spec", "group"]).into(),
        p.str(&["spec", "names", "kind"]).into(),
        short_names.into(),
        established.into(),
    ]
}

/// The row of an APIService (the aggregator's convertor).
fn api_service_cells(p: &Printing<'_>) -> Vec<Value> {
    let service = p.at(&["spec", "service"]);
    let service = if service.is_null() {
        "Local".to_owned()
    } else {
        format!(
            "{}/{}",
            str_at(service, &["namespace"]),
            str_at(service, &["name"])
        )
    };
    let available = array_at(p.object, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Available");
    let status = match available {
        None => "Unknown".to_owned(),
        Some(c) => {
            let status = str_at(c, &["status"]);
            let reason = str_at(c, &["reason"]);
            if status == "True" || reason.is_empty() {
                status.to_owned()
            } else {
                format!("{status} ({reason})")
            }
        }
    };
    vec![p.name(), service.into(), status.into(), p.age()]
}

/// The row of a `metav1.Status`.
fn status_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.str(&["status"]).into(),
        p.str(&["reason"]).into(),
        p.str(&["message"]).into(),
    ]
}
