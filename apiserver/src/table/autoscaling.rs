//! `autoscaling`: horizontal pod autoscalers (`v2`, and `v1` whose other metrics live in
//! annotations) and the `Scale` of scale subresources.

use serde_json::{Map, Value, json};

use super::format::{NONE, UNKNOWN, array_at, at, int_at, opt_int_at, str_at};
use super::quantity::{NIL, ZERO, quantity_string};
use super::{AGE, Column, NAME, NAME_DOC, Printer, Printing, col};

/// The printers of `autoscaling`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["autoscaling"],
        kind: "HorizontalPodAutoscaler",
        columns: HORIZONTAL_POD_AUTOSCALER_COLUMNS,
        cells: horizontal_pod_autoscaler_cells,
    },
    Printer {
        groups: &["autoscaling"],
        kind: "Scale",
        columns: SCALE_COLUMNS,
        cells: scale_cells,
    },
];

/// The columns of HorizontalPodAutoscaler (`kubectl get`).
const HORIZONTAL_POD_AUTOSCALER_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Reference",
        "string",
        "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
    ),
    col(
        "Targets",
        "string",
        "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.",
    ),
    col(
        "MinPods",
        "string",
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
    ),
    col(
        "MaxPods",
        "string",
        "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
    ),
    col(
        "Replicas",
        "string",
        "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
    ),
    AGE,
];

/// The columns of Scale (`kubectl get`).
const SCALE_COLUMNS: &[Column] = &[
    col("Name", "string", NAME_DOC),
    col(
        "Desired",
        "integer",
        "replicas is the desired number of instances for the scaled object.",
    ),
    col(
        "Available",
        "integer",
        "replicas is the actual number of observed instances of the scaled object.",
    ),
    AGE,
];

/// Where `autoscaling/v1` keeps the metrics other than the CPU target.
const METRIC_SPECS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// Where `autoscaling/v1` keeps the current values of all metrics.
const METRIC_STATUSES_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
/// The CPU utilization an `autoscaling/v1` autoscaler without metrics targets.
const DEFAULT_CPU_UTILIZATION: i64 = 80;

/// A quantity field, or the zero quantity Go's non-pointer field holds when it is missing.
fn or_zero(value: &Value) -> Value {
    if value.is_null() {
        Value::String(ZERO.to_owned())
    } else {
        value.clone()
    }
}

/// Whether a quantity is zero (a missing one is).
fn is_zero(value: &Value) -> bool {
    quantity_string(value, ZERO) == ZERO
}

/// A JSON object of the entries whose values are set.
fn object(entries: &[(&str, &Value)]) -> Value {
    let map: Map<String, Value> = entries
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| ((*k).to_owned(), (*v).clone()))
        .collect();
    Value::Object(map)
}

/// An `autoscaling/v1` metric spec (from the annotation) in the shape of `v2`, following the
/// `v1` → internal conversion.
fn v1_metric_spec(metric: &Value) -> Value {
    let type_ = str_at(metric, &["type"]);
    let source = |field: &str| at(metric, &[field]);
    let converted = match type_ {
        "External" => {
            let s = source("external");
            json!({"external": {"target": object(&[
                ("value", at(s, &["targetValue"])),
                ("averageValue", at(s, &["targetAverageValue"])),
            ])}})
        }
        "Object" => {
            let s = source("object");
            let average = at(s, &["averageValue"]);
            let target_value = at(s, &["targetValue"]);
            let value = if average.is_null() {
                or_zero(target_value)
            } else if is_zero(target_value) {
                Value::Null
            } else {
                target_value.clone()
            };
            json!({"object": {"target": object(&[("value", &value), ("averageValue", average)])}})
        }
        "Pods" => {
            let s = source("pods");
            json!({"pods": {"target": {"averageValue": or_zero(at(s, &["targetAverageValue"]))}}})
        }
        "Resource" | "ContainerResource" => {
            let field = if type_ == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let s = source(field);
            let mut converted = Map::new();
            converted.insert(
                field.to_owned(),
                json!({"name": at(s, &["name"]), "target": object(&[
                    ("averageValue", at(s, &["targetAverageValue"])),
                    ("averageUtilization", at(s, &["targetAverageUtilization"])),
                ])}),
            );
            Value::Object(converted)
        }
        _ => json!({}),
    };
    let mut converted = converted;
    if let Some(map) = converted.as_object_mut() {
        map.insert("type".to_owned(), type_.into());
    }
    converted
}

/// An `autoscaling/v1` metric status (from the annotation) in the shape of `v2`.
fn v1_metric_status(metric: &Value) -> Value {
    let type_ = str_at(metric, &["type"]);
    let source = |field: &str| at(metric, &[field]);
    let mut converted = match type_ {
        "External" => {
            let s = source("external");
            json!({"external": {"current": object(&[
                ("value", &or_zero(at(s, &["currentValue"]))),
                ("averageValue", at(s, &["currentAverageValue"])),
            ])}})
        }
        "Object" => {
            let s = source("object");
            json!({"object": {"current": object(&[
                ("value", &or_zero(at(s, &["currentValue"]))),
                ("averageValue", at(s, &["averageValue"])),
            ])}})
        }
        "Pods" => {
            let s = source("pods");
            json!({"pods": {"current": {"averageValue": or_zero(at(s, &["currentAverageValue"]))}}})
        }
        "Resource" | "ContainerResource" => {
            let field = if type_ == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let s = source(field);
            let mut converted = Map::new();
            converted.insert(
                field.to_owned(),
                json!({"name": at(s, &["name"]), "current": object(&[
                    ("averageValue", &or_zero(at(s, &["currentAverageValue"]))),
                    ("averageUtilization", at(s, &["currentAverageUtilization"])),
                ])}),
            );
            Value::Object(converted)
        }
        _ => json!({}),
    };
    if let Some(map) = converted.as_object_mut() {
        map.insert("type".to_owned(), type_.into());
    }
    converted
}

/// A metric list kept in an annotation, if the annotation is there and holds a JSON list.
fn annotated_list(hpa: &Value, annotation: &str) -> Option<Vec<Value>> {
    let text = at(hpa, &["metadata", "annotations", annotation]).as_str()?;
    serde_json::from_str::<Vec<Value>>(text).ok()
}

/// A CPU utilization metric spec.
fn cpu_utilization_spec(utilization: i64) -> Value {
    json!({
        "type": "Resource",
        "resource": {
            "name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": utilization},
        },
    })
}

/// The metric specs and statuses of an autoscaler, as the internal type has them.
fn metrics(p: &Printing<'_>) -> (Vec<Value>, Vec<Value>) {
    if p.version != "v1" {
        return (
            array_at(p.object, &["spec", "metrics"]).to_vec(),
            array_at(p.object, &["status", "currentMetrics"]).to_vec(),
        );
    }
    let target_cpu = opt_int_at(p.object, &["spec", "targetCPUUtilizationPercentage"]);
    let mut specs: Vec<Value> = annotated_list(p.object, METRIC_SPECS_ANNOTATION)
        .unwrap_or_default()
        .iter()
        .map(v1_metric_spec)
        .collect();
    specs.extend(target_cpu.map(cpu_utilization_spec));
    if specs.is_empty() {
        specs.push(cpu_utilization_spec(DEFAULT_CPU_UTILIZATION));
    }
    let statuses = match annotated_list(p.object, METRIC_STATUSES_ANNOTATION) {
        Some(list) => list.iter().map(v1_metric_status).collect(),
        None => opt_int_at(p.object, &["status", "currentCPUUtilizationPercentage"])
            .map(|current| {
                json!({
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": current}},
                })
            })
            .into_iter()
            .collect(),
    };
    (specs, statuses)
}

/// The status of the same index, when it reports on `field`.
fn status_of<'a>(statuses: &'a [Value], i: usize, field: &str) -> Option<&'a Value> {
    statuses
        .get(i)
        .map(|s| at(s, &[field]))
        .filter(|v| !v.is_null())
}

/// `current/target` for a value-or-average metric (External and Object).
fn value_or_average(spec: &Value, status: Option<&Value>) -> String {
    let target = at(spec, &["target"]);
    let average = at(target, &["averageValue"]);
    if !average.is_null() {
        let current = status
            .map(|s| at(s, &["current", "averageValue"]))
            .filter(|v| !v.is_null())
            .map_or_else(|| UNKNOWN.to_owned(), |v| quantity_string(v, NIL));
        format!("{current}/{} (avg)", quantity_string(average, NIL))
    } else {
        let current = status.map_or_else(
            || UNKNOWN.to_owned(),
            |s| quantity_string(at(s, &["current", "value"]), NIL),
        );
        format!("{current}/{}", quantity_string(at(target, &["value"]), NIL))
    }
}

/// `name: current/target` for a resource metric (Resource and ContainerResource).
fn resource_metric(spec: &Value, status: Option<&Value>) -> String {
    let name = str_at(spec, &["name"]);
    let target = at(spec, &["target"]);
    let average = at(target, &["averageValue"]);
    if !average.is_null() {
        let current = status.map_or_else(
            || UNKNOWN.to_owned(),
            |s| quantity_string(at(s, &["current", "averageValue"]), NIL),
        );
        return format!("{name}: {current}/{}", quantity_string(average, NIL));
    }
    let current = status
        .and_then(|s| opt_int_at(s, &["current", "averageUtilization"]))
        .map_or_else(|| UNKNOWN.to_owned(), |u| format!("{u}%"));
    let target = opt_int_at(target, &["averageUtilization"])
        .map_or_else(|| "<auto>".to_owned(), |u| format!("{u}%"));
    format!("{name}: {current}/{target}")
}

/// Upstream's `formatHPAMetrics`: the first two metrics, then "+ N more...".
fn format_metrics(specs: &[Value], statuses: &[Value]) -> String {
    const MAX: usize = 2;
    if specs.is_empty() {
        return NONE.to_owned();
    }
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| match str_at(spec, &["type"]) {
            "External" => {
                value_or_average(at(spec, &["external"]), status_of(statuses, i, "external"))
            }
            "Object" => value_or_average(at(spec, &["object"]), status_of(statuses, i, "object")),
            "Pods" => {
                let current = status_of(statuses, i, "pods").map_or_else(
                    || UNKNOWN.to_owned(),
                    |s| quantity_string(at(s, &["current", "averageValue"]), NIL),
                );
                let target = quantity_string(at(spec, &["pods", "target", "averageValue"]), NIL);
                format!("{current}/{target}")
            }
            "Resource" => {
                resource_metric(at(spec, &["resource"]), status_of(statuses, i, "resource"))
            }
            "ContainerResource" => resource_metric(
                at(spec, &["containerResource"]),
                status_of(statuses, i, "containerResource"),
            ),
            _ => "<unknown type>".to_owned(),
        })
        .collect();
    if list.len() > MAX {
        format!("{} + {} more...", list[..MAX].join(", "), list.len() - MAX)
    } else {
        list.join(", ")
    }
}

/// The row of a horizontal pod autoscaler.
fn horizontal_pod_autoscaler_cells(p: &Printing<'_>) -> Vec<Value> {
    let (specs, statuses) = metrics(p);
    let reference = format!(
        "{}/{}",
        p.str(&["spec", "scaleTargetRef", "kind"]),
        p.str(&["spec", "scaleTargetRef", "name"])
    );
    let min_pods = opt_int_at(p.object, &["spec", "minReplicas"])
        .map_or_else(|| super::format::UNSET.to_owned(), |n| n.to_string());
    vec![
        p.name(),
        reference.into(),
        format_metrics(&specs, &statuses).into(),
        min_pods.into(),
        p.int(&["spec", "maxReplicas"]).into(),
        int_at(p.object, &["status", "currentReplicas"]).into(),
        p.age(),
    ]
}

/// The row of a `Scale` (scale subresource).
fn scale_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        p.int(&["spec", "replicas"]).into(),
        p.int(&["status", "replicas"]).into(),
        p.age(),
    ]
}
