//! `autoscaling` HorizontalPodAutoscaler: `v2` (stored) and `v1`, through a model of upstream's
//! internal type (`pkg/apis/autoscaling`).
//!
//! `v1` can only say "target this CPU utilization". Everything else travels in annotations, as
//! upstream's `pkg/apis/autoscaling/v1/conversion.go` writes them: the other metric specs and
//! all metric statuses as `autoscaling/v1` JSON, the conditions likewise, and the scaling
//! behavior as the JSON of the *internal* Go struct (field names capitalized, no `omitempty`).
//! Reading `v1` takes them back (Go's `encoding/json`: member names matched case-insensitively,
//! an annotation that does not decode is ignored) and drops them; `v2` drops them in both
//! directions. A `v1` object without metrics gets the implicit 80% CPU target. Both versions
//! are written field by field, as Go's encoder does: fields without `omitempty` are present
//! even when zero.

use serde_json::{Map, Value};

use super::ConversionError;
use super::gojson::{
    DecodeError, Fields, GoObject, GoValue, Keys, normalize_time, quantity_is_zero,
};

/// `autoscaling.MetricSpecsAnnotation`: the `v2` metric specs `v1` cannot express.
pub(crate) const METRIC_SPECS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// `autoscaling.MetricStatusesAnnotation`: all `v2` metric statuses.
pub(crate) const METRIC_STATUSES_ANNOTATION: &str =
    "autoscaling.alpha.kubernetes.io/current-metrics";
/// `autoscaling.HorizontalPodAutoscalerConditionsAnnotation`: the `v2` conditions.
pub(crate) const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";
/// `autoscaling.BehaviorSpecsAnnotation`: the `v2` scaling behavior (internal Go field names).
pub(crate) const BEHAVIOR_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/behavior";
/// `autoscaling.ToleranceScaleDownAnnotation`: no longer written, still dropped.
const TOLERANCE_SCALE_DOWN_ANNOTATION: &str =
    "autoscaling.alpha.kubernetes.io/scale-down-tolerance";
/// `autoscaling.ToleranceScaleUpAnnotation`: no longer written, still dropped.
const TOLERANCE_SCALE_UP_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/scale-up-tolerance";

/// Every annotation `DropRoundTripHorizontalPodAutoscalerAnnotations` removes.
const ROUND_TRIP_ANNOTATIONS: [&str; 6] = [
    METRIC_SPECS_ANNOTATION,
    BEHAVIOR_ANNOTATION,
    TOLERANCE_SCALE_DOWN_ANNOTATION,
    TOLERANCE_SCALE_UP_ANNOTATION,
    METRIC_STATUSES_ANNOTATION,
    CONDITIONS_ANNOTATION,
];

/// `autoscaling.DefaultCPUUtilization`: the target a `v1` object without one gets.
const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// The `HorizontalPodAutoscaler` versions this module converts.
pub(crate) const VERSIONS: &[&str] = &["v2", "v1"];

// === the internal model ===

/// `autoscaling.HorizontalPodAutoscaler`, without its type meta.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct HorizontalPodAutoscaler {
    /// `metadata`, kept as JSON.
    metadata: Option<Value>,
    /// `spec`.
    spec: Spec,
    /// `status`.
    status: Status,
}

/// `autoscaling.HorizontalPodAutoscalerSpec`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Spec {
    scale_target_ref: ObjectReference,
    min_replicas: Option<i32>,
    max_replicas: i32,
    metrics: Option<Vec<MetricSpec>>,
    behavior: Option<Behavior>,
}

/// `autoscaling.CrossVersionObjectReference`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ObjectReference {
    kind: String,
    name: String,
    api_version: String,
}

/// `autoscaling.MetricSpec`.
#[derive(Clone, Debug, Default, PartialEq)]
struct MetricSpec {
    type_: String,
    object: Option<ObjectMetricSource>,
    pods: Option<PodsMetricSource>,
    resource: Option<ResourceMetricSource>,
    container_resource: Option<ContainerResourceMetricSource>,
    external: Option<ExternalMetricSource>,
}

/// `autoscaling.ObjectMetricSource`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ObjectMetricSource {
    described_object: ObjectReference,
    target: MetricTarget,
    metric: MetricIdentifier,
}

/// `autoscaling.PodsMetricSource`.
#[derive(Clone, Debug, Default, PartialEq)]
struct PodsMetricSource {
    metric: MetricIdentifier,
    target: MetricTarget,
}

/// `autoscaling.ResourceMetricSource`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ResourceMetricSource {
    name: String,
    target: MetricTarget,
}

/// `autoscaling.ContainerResourceMetricSource`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ContainerResourceMetricSource {
    name: String,
    target: MetricTarget,
    container: String,
}

/// `autoscaling.ExternalMetricSource`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ExternalMetricSource {
    metric: MetricIdentifier,
    target: MetricTarget,
}

/// `autoscaling.MetricIdentifier`.
#[derive(Clone, Debug, Default, PartialEq)]
struct MetricIdentifier {
    name: String,
    selector: Option<LabelSelector>,
}

/// `metav1.LabelSelector`.
#[derive(Clone, Debug, Default, PartialEq)]
struct LabelSelector {
    /// Sorted by key, as Go writes a map.
    match_labels: Option<Vec<(String, String)>>,
    match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// `metav1.LabelSelectorRequirement`.
#[derive(Clone, Debug, Default, PartialEq)]
struct LabelSelectorRequirement {
    key: String,
    operator: String,
    values: Option<Vec<String>>,
}

/// `autoscaling.MetricTarget`; quantities are kept as their text.
#[derive(Clone, Debug, Default, PartialEq)]
struct MetricTarget {
    type_: String,
    value: Option<String>,
    average_value: Option<String>,
    average_utilization: Option<i32>,
}

/// `autoscaling.HorizontalPodAutoscalerBehavior`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Behavior {
    scale_up: Option<ScalingRules>,
    scale_down: Option<ScalingRules>,
}

/// `autoscaling.HPAScalingRules`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ScalingRules {
    stabilization_window_seconds: Option<i32>,
    select_policy: Option<String>,
    policies: Option<Vec<ScalingPolicy>>,
    tolerance: Option<String>,
}

/// `autoscaling.HPAScalingPolicy`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ScalingPolicy {
    type_: String,
    value: i32,
    period_seconds: i32,
}

/// `autoscaling.HorizontalPodAutoscalerStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Status {
    observed_generation: Option<i64>,
    /// Kept as the stored text.
    last_scale_time: Option<String>,
    current_replicas: i32,
    desired_replicas: i32,
    current_metrics: Option<Vec<MetricStatus>>,
    conditions: Option<Vec<Condition>>,
}

/// `autoscaling.MetricStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct MetricStatus {
    type_: String,
    object: Option<ObjectMetricStatus>,
    pods: Option<PodsMetricStatus>,
    resource: Option<ResourceMetricStatus>,
    container_resource: Option<ContainerResourceMetricStatus>,
    external: Option<ExternalMetricStatus>,
}

/// `autoscaling.ObjectMetricStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ObjectMetricStatus {
    metric: MetricIdentifier,
    current: MetricValueStatus,
    described_object: ObjectReference,
}

/// `autoscaling.PodsMetricStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct PodsMetricStatus {
    metric: MetricIdentifier,
    current: MetricValueStatus,
}

/// `autoscaling.ResourceMetricStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ResourceMetricStatus {
    name: String,
    current: MetricValueStatus,
}

/// `autoscaling.ContainerResourceMetricStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ContainerResourceMetricStatus {
    name: String,
    current: MetricValueStatus,
    container: String,
}

/// `autoscaling.ExternalMetricStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ExternalMetricStatus {
    metric: MetricIdentifier,
    current: MetricValueStatus,
}

/// `autoscaling.MetricValueStatus`.
#[derive(Clone, Debug, Default, PartialEq)]
struct MetricValueStatus {
    value: Option<String>,
    average_value: Option<String>,
    average_utilization: Option<i32>,
}

/// `autoscaling.HorizontalPodAutoscalerCondition`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Condition {
    type_: String,
    status: String,
    /// `None` for the zero time.
    last_transition_time: Option<String>,
    reason: String,
    message: String,
    observed_generation: Option<i64>,
}

// === decoding helpers ===

/// Decodes every element of the slice field `name` with `decode`.
fn list<'a, T>(
    f: &Fields<'a>,
    name: &str,
    go_struct: &'static str,
    decode: impl Fn(Fields<'a>) -> Result<T, DecodeError>,
) -> Result<Option<Vec<T>>, DecodeError> {
    let Some(items) = f.array(name, go_struct)? else {
        return Ok(None);
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(_) | Value::Null => {
                decode(Fields::new(item, f.keys(), go_struct, f.path_of(name))?)
            }
            other => Err(f.type_error(name, other, go_struct)),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Decodes the struct field `name` with `decode`; absent or `null` gives `None`.
fn nested<'a, T>(
    f: &Fields<'a>,
    name: &str,
    go_struct: &'static str,
    decode: impl Fn(Fields<'a>) -> Result<T, DecodeError>,
) -> Result<Option<T>, DecodeError> {
    f.object(name, go_struct)?.map(decode).transpose()
}

/// A `metav1.Time` field: pass-through text when decoding an object, parsed (and written
/// again in UTC) when decoding an annotation, where Go's decoder checks it.
fn time_field(f: &Fields<'_>, name: &str) -> Result<Option<String>, DecodeError> {
    match f.keys() {
        Keys::Exact => f.opt_string(name),
        Keys::Fold => f.opt_time(name),
    }
}

/// A `resource.Quantity` (not a pointer) field: `"0"` when absent, as the zero quantity.
fn quantity(f: &Fields<'_>, name: &str) -> Result<String, DecodeError> {
    Ok(f.opt_quantity(name)?.unwrap_or_else(|| "0".to_string()))
}

/// A `CrossVersionObjectReference` (the same in every version).
fn decode_reference(f: Fields<'_>) -> Result<ObjectReference, DecodeError> {
    Ok(ObjectReference {
        kind: f.string("kind")?,
        name: f.string("name")?,
        api_version: f.string("apiVersion")?,
    })
}

/// A `metav1.LabelSelector`.
fn decode_selector(f: Fields<'_>) -> Result<LabelSelector, DecodeError> {
    Ok(LabelSelector {
        match_labels: f.string_map("matchLabels")?,
        match_expressions: list(&f, "matchExpressions", "LabelSelectorRequirement", |r| {
            Ok(LabelSelectorRequirement {
                key: r.string("key")?,
                operator: r.string("operator")?,
                values: r.strings("values")?,
            })
        })?,
    })
}

/// The `selector` (or `metricSelector`) field `name`.
fn selector(f: &Fields<'_>, name: &str) -> Result<Option<LabelSelector>, DecodeError> {
    nested(f, name, "LabelSelector", decode_selector)
}

// === v2 ===

impl HorizontalPodAutoscaler {
    /// Decodes an `autoscaling/v2` object (`Convert_v2_HorizontalPodAutoscaler_To_autoscaling_…`).
    pub(crate) fn from_v2(object: &Value) -> Result<Self, ConversionError> {
        let root = Fields::new(
            object,
            Keys::Exact,
            "HorizontalPodAutoscaler",
            String::new(),
        )?;
        let spec = match root.object("spec", "HorizontalPodAutoscalerSpec")? {
            Some(f) => Spec {
                scale_target_ref: nested(
                    &f,
                    "scaleTargetRef",
                    "CrossVersionObjectReference",
                    decode_reference,
                )?
                .unwrap_or_default(),
                min_replicas: f.opt_int32("minReplicas")?,
                max_replicas: f.int32("maxReplicas")?,
                metrics: list(&f, "metrics", "MetricSpec", decode_v2_metric_spec)?,
                behavior: nested(&f, "behavior", "HorizontalPodAutoscalerBehavior", |b| {
                    let rules = |name| {
                        nested(&b, name, "HPAScalingRules", |r| {
                            Ok(ScalingRules {
                                stabilization_window_seconds: r
                                    .opt_int32("stabilizationWindowSeconds")?,
                                select_policy: r.opt_string("selectPolicy")?,
                                policies: list(&r, "policies", "HPAScalingPolicy", |p| {
                                    Ok(ScalingPolicy {
                                        type_: p.string("type")?,
                                        value: p.int32("value")?,
                                        period_seconds: p.int32("periodSeconds")?,
                                    })
                                })?,
                                tolerance: r.opt_quantity("tolerance")?,
                            })
                        })
                    };
                    Ok(Behavior {
                        scale_up: rules("scaleUp")?,
                        scale_down: rules("scaleDown")?,
                    })
                })?,
            },
            None => Spec::default(),
        };
        let status = match root.object("status", "HorizontalPodAutoscalerStatus")? {
            Some(f) => Status {
                observed_generation: f.opt_int64("observedGeneration")?,
                last_scale_time: f.opt_string("lastScaleTime")?,
                current_replicas: f.int32("currentReplicas")?,
                desired_replicas: f.int32("desiredReplicas")?,
                current_metrics: list(
                    &f,
                    "currentMetrics",
                    "MetricStatus",
                    decode_v2_metric_status,
                )?,
                conditions: list(
                    &f,
                    "conditions",
                    "HorizontalPodAutoscalerCondition",
                    decode_condition,
                )?,
            },
            None => Status::default(),
        };
        let mut hpa = Self {
            metadata: object.get("metadata").cloned(),
            spec,
            status,
        };
        hpa.drop_round_trip_annotations();
        Ok(hpa)
    }

    /// Encodes the object as `autoscaling/v2` (without `apiVersion` and `kind`).
    pub(crate) fn into_v2(mut self) -> Value {
        self.drop_round_trip_annotations();
        let spec = &self.spec;
        let status = &self.status;
        let behavior = spec.behavior.as_ref().map(|b| {
            let rules = |r: &ScalingRules| {
                GoObject::new()
                    .opt(
                        "stabilizationWindowSeconds",
                        r.stabilization_window_seconds
                            .map(|i| GoValue::Int(i.into())),
                    )
                    .opt("selectPolicy", r.select_policy.as_deref().map(GoValue::str))
                    .opt(
                        "policies",
                        non_empty(&r.policies).map(|ps| {
                            GoValue::Array(
                                ps.iter()
                                    .map(|p| {
                                        GoObject::new()
                                            .str("type", &p.type_)
                                            .field("value", GoValue::Int(p.value.into()))
                                            .field(
                                                "periodSeconds",
                                                GoValue::Int(p.period_seconds.into()),
                                            )
                                            .build()
                                    })
                                    .collect(),
                            )
                        }),
                    )
                    .opt("tolerance", r.tolerance.as_deref().map(GoValue::str))
                    .build()
            };
            GoObject::new()
                .opt("scaleUp", b.scale_up.as_ref().map(rules))
                .opt("scaleDown", b.scale_down.as_ref().map(rules))
                .build()
        });
        let spec_value = GoObject::new()
            .field("scaleTargetRef", encode_reference(&spec.scale_target_ref))
            .opt(
                "minReplicas",
                spec.min_replicas.map(|i| GoValue::Int(i.into())),
            )
            .field("maxReplicas", GoValue::Int(spec.max_replicas.into()))
            .opt(
                "metrics",
                non_empty(&spec.metrics)
                    .map(|ms| GoValue::Array(ms.iter().map(encode_v2_metric_spec).collect())),
            )
            .opt("behavior", behavior)
            .build();
        let status_value = GoObject::new()
            .opt(
                "observedGeneration",
                status.observed_generation.map(GoValue::Int),
            )
            .opt(
                "lastScaleTime",
                status.last_scale_time.as_deref().map(GoValue::str),
            )
            .opt(
                "currentReplicas",
                (status.current_replicas != 0)
                    .then(|| GoValue::Int(status.current_replicas.into())),
            )
            .field(
                "desiredReplicas",
                GoValue::Int(status.desired_replicas.into()),
            )
            .field(
                "currentMetrics",
                status.current_metrics.as_ref().map_or(GoValue::Null, |ms| {
                    GoValue::Array(ms.iter().map(encode_v2_metric_status).collect())
                }),
            )
            .opt(
                "conditions",
                non_empty(&status.conditions).map(|cs| {
                    GoValue::Array(cs.iter().map(|c| encode_condition(c, false)).collect())
                }),
            )
            .build();
        self.encode_object(spec_value, status_value)
    }

    /// The object's members in Go's order: `metadata`, `spec`, `status`.
    fn encode_object(self, spec: GoValue, status: GoValue) -> Value {
        let mut out = Map::new();
        if let Some(metadata) = self.metadata {
            out.insert("metadata".to_string(), metadata);
        }
        out.insert("spec".to_string(), spec.into_value());
        out.insert("status".to_string(), status.into_value());
        Value::Object(out)
    }

    /// The object's annotations, if it has any.
    fn annotations(&self) -> Option<&Map<String, Value>> {
        self.metadata.as_ref()?.get("annotations")?.as_object()
    }

    /// The annotation `key`, if it is a string.
    fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations()?.get(key)?.as_str()
    }

    /// `DropRoundTripHorizontalPodAutoscalerAnnotations`.
    fn drop_round_trip_annotations(&mut self) {
        let Some(metadata) = self.metadata.as_mut().and_then(Value::as_object_mut) else {
            return;
        };
        let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        for key in ROUND_TRIP_ANNOTATIONS {
            annotations.remove(key);
        }
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }

    /// Sets the annotation `key` to `value`.
    fn set_annotation(&mut self, key: &str, value: String) {
        let metadata = self
            .metadata
            .get_or_insert_with(|| Value::Object(Map::new()));
        if !metadata.is_object() {
            *metadata = Value::Object(Map::new());
        }
        let Some(metadata) = metadata.as_object_mut() else {
            return;
        };
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if !annotations.is_object() {
            *annotations = Value::Object(Map::new());
        }
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(key.to_string(), Value::String(value));
        }
    }
}

/// The slice, unless it is nil or empty (what `omitempty` leaves out).
fn non_empty<T>(v: &Option<Vec<T>>) -> Option<&Vec<T>> {
    v.as_ref().filter(|v| !v.is_empty())
}

/// A `v2` `MetricTarget`.
fn decode_v2_target(f: Fields<'_>) -> Result<MetricTarget, DecodeError> {
    Ok(MetricTarget {
        type_: f.string("type")?,
        value: f.opt_quantity("value")?,
        average_value: f.opt_quantity("averageValue")?,
        average_utilization: f.opt_int32("averageUtilization")?,
    })
}

/// A `v2` `MetricValueStatus`.
fn decode_v2_value_status(f: Fields<'_>) -> Result<MetricValueStatus, DecodeError> {
    Ok(MetricValueStatus {
        value: f.opt_quantity("value")?,
        average_value: f.opt_quantity("averageValue")?,
        average_utilization: f.opt_int32("averageUtilization")?,
    })
}

/// A `v2` `MetricIdentifier`.
fn decode_v2_identifier(f: Fields<'_>) -> Result<MetricIdentifier, DecodeError> {
    Ok(MetricIdentifier {
        name: f.string("name")?,
        selector: selector(&f, "selector")?,
    })
}

/// A required struct field of a `v2` metric source or status.
fn part<'a, T: Default>(
    f: &Fields<'a>,
    name: &str,
    go_struct: &'static str,
    decode: impl Fn(Fields<'a>) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    Ok(nested(f, name, go_struct, decode)?.unwrap_or_default())
}

/// A `v2` `MetricSpec` (the internal shape).
fn decode_v2_metric_spec(f: Fields<'_>) -> Result<MetricSpec, DecodeError> {
    Ok(MetricSpec {
        type_: f.string("type")?,
        object: nested(&f, "object", "ObjectMetricSource", |o| {
            Ok(ObjectMetricSource {
                described_object: part(
                    &o,
                    "describedObject",
                    "CrossVersionObjectReference",
                    decode_reference,
                )?,
                target: part(&o, "target", "MetricTarget", decode_v2_target)?,
                metric: part(&o, "metric", "MetricIdentifier", decode_v2_identifier)?,
            })
        })?,
        pods: nested(&f, "pods", "PodsMetricSource", |p| {
            Ok(PodsMetricSource {
                metric: part(&p, "metric", "MetricIdentifier", decode_v2_identifier)?,
                target: part(&p, "target", "MetricTarget", decode_v2_target)?,
            })
        })?,
        resource: nested(&f, "resource", "ResourceMetricSource", |r| {
            Ok(ResourceMetricSource {
                name: r.string("name")?,
                target: part(&r, "target", "MetricTarget", decode_v2_target)?,
            })
        })?,
        container_resource: nested(
            &f,
            "containerResource",
            "ContainerResourceMetricSource",
            |r| {
                Ok(ContainerResourceMetricSource {
                    name: r.string("name")?,
                    target: part(&r, "target", "MetricTarget", decode_v2_target)?,
                    container: r.string("container")?,
                })
            },
        )?,
        external: nested(&f, "external", "ExternalMetricSource", |e| {
            Ok(ExternalMetricSource {
                metric: part(&e, "metric", "MetricIdentifier", decode_v2_identifier)?,
                target: part(&e, "target", "MetricTarget", decode_v2_target)?,
            })
        })?,
    })
}

/// A `v2` `MetricStatus` (the internal shape).
fn decode_v2_metric_status(f: Fields<'_>) -> Result<MetricStatus, DecodeError> {
    Ok(MetricStatus {
        type_: f.string("type")?,
        object: nested(&f, "object", "ObjectMetricStatus", |o| {
            Ok(ObjectMetricStatus {
                metric: part(&o, "metric", "MetricIdentifier", decode_v2_identifier)?,
                current: part(&o, "current", "MetricValueStatus", decode_v2_value_status)?,
                described_object: part(
                    &o,
                    "describedObject",
                    "CrossVersionObjectReference",
                    decode_reference,
                )?,
            })
        })?,
        pods: nested(&f, "pods", "PodsMetricStatus", |p| {
            Ok(PodsMetricStatus {
                metric: part(&p, "metric", "MetricIdentifier", decode_v2_identifier)?,
                current: part(&p, "current", "MetricValueStatus", decode_v2_value_status)?,
            })
        })?,
        resource: nested(&f, "resource", "ResourceMetricStatus", |r| {
            Ok(ResourceMetricStatus {
                name: r.string("name")?,
                current: part(&r, "current", "MetricValueStatus", decode_v2_value_status)?,
            })
        })?,
        container_resource: nested(
            &f,
            "containerResource",
            "ContainerResourceMetricStatus",
            |r| {
                Ok(ContainerResourceMetricStatus {
                    name: r.string("name")?,
                    current: part(&r, "current", "MetricValueStatus", decode_v2_value_status)?,
                    container: r.string("container")?,
                })
            },
        )?,
        external: nested(&f, "external", "ExternalMetricStatus", |e| {
            Ok(ExternalMetricStatus {
                metric: part(&e, "metric", "MetricIdentifier", decode_v2_identifier)?,
                current: part(&e, "current", "MetricValueStatus", decode_v2_value_status)?,
            })
        })?,
    })
}

/// A condition; `v1` and `v2` write it alike.
fn decode_condition(f: Fields<'_>) -> Result<Condition, DecodeError> {
    Ok(Condition {
        type_: f.string("type")?,
        status: f.string("status")?,
        last_transition_time: time_field(&f, "lastTransitionTime")?,
        reason: f.string("reason")?,
        message: f.string("message")?,
        observed_generation: f.opt_int64("observedGeneration")?,
    })
}

/// A `CrossVersionObjectReference` as every version writes it.
fn encode_reference(r: &ObjectReference) -> GoValue {
    GoObject::new()
        .str("kind", &r.kind)
        .str("name", &r.name)
        .str_omitempty("apiVersion", &r.api_version)
        .build()
}

/// A `metav1.LabelSelector` as Go writes it.
fn encode_selector(s: &LabelSelector) -> GoValue {
    GoObject::new()
        .opt(
            "matchLabels",
            s.match_labels.as_ref().filter(|m| !m.is_empty()).map(|m| {
                GoValue::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), GoValue::str(v)))
                        .collect(),
                )
            }),
        )
        .opt(
            "matchExpressions",
            non_empty(&s.match_expressions).map(|rs| {
                GoValue::Array(
                    rs.iter()
                        .map(|r| {
                            GoObject::new()
                                .str("key", &r.key)
                                .str("operator", &r.operator)
                                .opt(
                                    "values",
                                    non_empty(&r.values).map(|vs| {
                                        GoValue::Array(vs.iter().map(|v| GoValue::str(v)).collect())
                                    }),
                                )
                                .build()
                        })
                        .collect(),
                )
            }),
        )
        .build()
}

/// An `omitempty` selector pointer.
fn encode_opt_selector(s: &Option<LabelSelector>) -> Option<GoValue> {
    s.as_ref().map(encode_selector)
}

/// An `omitempty` string (or quantity) pointer.
fn opt_str(s: &Option<String>) -> Option<GoValue> {
    s.as_deref().map(GoValue::str)
}

/// An `omitempty` `*int32`.
fn opt_int(i: Option<i32>) -> Option<GoValue> {
    i.map(|i| GoValue::Int(i.into()))
}

/// A `v2` `MetricIdentifier`.
fn encode_v2_identifier(m: &MetricIdentifier) -> GoValue {
    GoObject::new()
        .str("name", &m.name)
        .opt("selector", encode_opt_selector(&m.selector))
        .build()
}

/// A `v2` `MetricTarget`.
fn encode_v2_target(t: &MetricTarget) -> GoValue {
    GoObject::new()
        .str("type", &t.type_)
        .opt("value", opt_str(&t.value))
        .opt("averageValue", opt_str(&t.average_value))
        .opt("averageUtilization", opt_int(t.average_utilization))
        .build()
}

/// A `v2` `MetricValueStatus`.
fn encode_v2_value_status(v: &MetricValueStatus) -> GoValue {
    GoObject::new()
        .opt("value", opt_str(&v.value))
        .opt("averageValue", opt_str(&v.average_value))
        .opt("averageUtilization", opt_int(v.average_utilization))
        .build()
}

/// A `v2` `MetricSpec`.
fn encode_v2_metric_spec(m: &MetricSpec) -> GoValue {
    GoObject::new()
        .str("type", &m.type_)
        .opt(
            "object",
            m.object.as_ref().map(|o| {
                GoObject::new()
                    .field("describedObject", encode_reference(&o.described_object))
                    .field("target", encode_v2_target(&o.target))
                    .field("metric", encode_v2_identifier(&o.metric))
                    .build()
            }),
        )
        .opt(
            "pods",
            m.pods.as_ref().map(|p| {
                GoObject::new()
                    .field("metric", encode_v2_identifier(&p.metric))
                    .field("target", encode_v2_target(&p.target))
                    .build()
            }),
        )
        .opt(
            "resource",
            m.resource.as_ref().map(|r| {
                GoObject::new()
                    .str("name", &r.name)
                    .field("target", encode_v2_target(&r.target))
                    .build()
            }),
        )
        .opt(
            "containerResource",
            m.container_resource.as_ref().map(|r| {
                GoObject::new()
                    .str("name", &r.name)
                    .field("target", encode_v2_target(&r.target))
                    .str("container", &r.container)
                    .build()
            }),
        )
        .opt(
            "external",
            m.external.as_ref().map(|e| {
                GoObject::new()
                    .field("metric", encode_v2_identifier(&e.metric))
                    .field("target", encode_v2_target(&e.target))
                    .build()
            }),
        )
        .build()
}

/// A `v2` `MetricStatus`.
fn encode_v2_metric_status(m: &MetricStatus) -> GoValue {
    GoObject::new()
        .str("type", &m.type_)
        .opt(
            "object",
            m.object.as_ref().map(|o| {
                GoObject::new()
                    .field("metric", encode_v2_identifier(&o.metric))
                    .field("current", encode_v2_value_status(&o.current))
                    .field("describedObject", encode_reference(&o.described_object))
                    .build()
            }),
        )
        .opt(
            "pods",
            m.pods.as_ref().map(|p| {
                GoObject::new()
                    .field("metric", encode_v2_identifier(&p.metric))
                    .field("current", encode_v2_value_status(&p.current))
                    .build()
            }),
        )
        .opt(
            "resource",
            m.resource.as_ref().map(|r| {
                GoObject::new()
                    .str("name", &r.name)
                    .field("current", encode_v2_value_status(&r.current))
                    .build()
            }),
        )
        .opt(
            "containerResource",
            m.container_resource.as_ref().map(|r| {
                GoObject::new()
                    .str("name", &r.name)
                    .field("current", encode_v2_value_status(&r.current))
                    .str("container", &r.container)
                    .build()
            }),
        )
        .opt(
            "external",
            m.external.as_ref().map(|e| {
                GoObject::new()
                    .field("metric", encode_v2_identifier(&e.metric))
                    .field("current", encode_v2_value_status(&e.current))
                    .build()
            }),
        )
        .build()
}

/// A condition as `v1` and `v2` write it. In an annotation the time is written as
/// `metav1.Time` would (UTC, whole seconds); a zero time is `null` either way.
fn encode_condition(c: &Condition, annotation: bool) -> GoValue {
    let time = c.last_transition_time.as_deref().and_then(|t| {
        if annotation {
            normalize_time(t)
        } else {
            Some(t.to_string())
        }
    });
    GoObject::new()
        .str("type", &c.type_)
        .str("status", &c.status)
        .field(
            "lastTransitionTime",
            time.map_or(GoValue::Null, GoValue::Str),
        )
        .str_omitempty("reason", &c.reason)
        .str_omitempty("message", &c.message)
        .opt(
            "observedGeneration",
            c.observed_generation.map(GoValue::Int),
        )
        .build()
}

// === v1 ===

/// Whether `m` is a CPU utilization target, the one kind of metric `v1` has a field for.
fn is_cpu_utilization_target(m: &MetricSpec) -> bool {
    m.type_ == "Resource"
        && m.resource
            .as_ref()
            .is_some_and(|r| r.name == "cpu" && r.target.average_utilization.is_some())
}

/// The CPU utilization target `v1` defaults to, and gets from `targetCPUUtilizationPercentage`.
fn cpu_utilization_target(utilization: i32) -> MetricSpec {
    MetricSpec {
        type_: "Resource".to_string(),
        resource: Some(ResourceMetricSource {
            name: "cpu".to_string(),
            target: MetricTarget {
                type_: "Utilization".to_string(),
                average_utilization: Some(utilization),
                ..MetricTarget::default()
            },
        }),
        ..MetricSpec::default()
    }
}

impl HorizontalPodAutoscaler {
    /// Decodes an `autoscaling/v1` object, taking back what the annotations hold
    /// (`Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler`).
    pub(crate) fn from_v1(object: &Value) -> Result<Self, ConversionError> {
        let root = Fields::new(
            object,
            Keys::Exact,
            "HorizontalPodAutoscaler",
            String::new(),
        )?;
        let mut spec = Spec::default();
        if let Some(f) = root.object("spec", "HorizontalPodAutoscalerSpec")? {
            spec.scale_target_ref = nested(
                &f,
                "scaleTargetRef",
                "CrossVersionObjectReference",
                decode_reference,
            )?
            .unwrap_or_default();
            spec.min_replicas = f.opt_int32("minReplicas")?;
            spec.max_replicas = f.int32("maxReplicas")?;
            if let Some(cpu) = f.opt_int32("targetCPUUtilizationPercentage")? {
                spec.metrics = Some(vec![cpu_utilization_target(cpu)]);
            }
        }
        let mut status = Status::default();
        if let Some(f) = root.object("status", "HorizontalPodAutoscalerStatus")? {
            status.observed_generation = f.opt_int64("observedGeneration")?;
            status.last_scale_time = f.opt_string("lastScaleTime")?;
            status.current_replicas = f.int32("currentReplicas")?;
            status.desired_replicas = f.int32("desiredReplicas")?;
            if let Some(cpu) = f.opt_int32("currentCPUUtilizationPercentage")? {
                status.current_metrics = Some(vec![MetricStatus {
                    type_: "Resource".to_string(),
                    resource: Some(ResourceMetricStatus {
                        name: "cpu".to_string(),
                        current: MetricValueStatus {
                            average_utilization: Some(cpu),
                            ..MetricValueStatus::default()
                        },
                    }),
                    ..MetricStatus::default()
                }]);
            }
        }
        let mut hpa = Self {
            metadata: object.get("metadata").cloned(),
            spec,
            status,
        };

        if let Some(mut other) = hpa
            .annotation(METRIC_SPECS_ANNOTATION)
            .and_then(|a| decode_annotation(a, decode_v1_metric_spec))
        {
            // The CPU target from the spec field, if any, goes last.
            if let Some(cpu) = hpa.spec.metrics.as_ref().and_then(|m| m.first()) {
                other.push(cpu.clone());
            }
            hpa.spec.metrics = Some(other);
        }
        if let Some(behavior) = hpa
            .annotation(BEHAVIOR_ANNOTATION)
            .and_then(decode_behavior_annotation)
            .filter(|b| *b != Behavior::default())
        {
            hpa.spec.behavior = Some(behavior);
        }
        if let Some(current) = hpa
            .annotation(METRIC_STATUSES_ANNOTATION)
            .and_then(|a| decode_annotation(a, decode_v1_metric_status))
        {
            hpa.status.current_metrics = Some(current);
        }
        if hpa.spec.metrics.as_ref().is_none_or(Vec::is_empty) {
            hpa.spec.metrics = Some(vec![cpu_utilization_target(DEFAULT_CPU_UTILIZATION)]);
        }
        if let Some(conditions) = hpa
            .annotation(CONDITIONS_ANNOTATION)
            .and_then(|a| decode_annotation(a, decode_condition))
        {
            hpa.status.conditions = Some(conditions);
        }
        hpa.drop_round_trip_annotations();
        Ok(hpa)
    }

    /// Encodes the object as `autoscaling/v1` (without `apiVersion` and `kind`), keeping what
    /// `v1` has no field for in annotations
    /// (`Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler`).
    pub(crate) fn into_v1(mut self) -> Value {
        self.drop_round_trip_annotations();
        let metrics = self.spec.metrics.clone().unwrap_or_default();
        let other: Vec<&MetricSpec> = metrics
            .iter()
            .filter(|m| !is_cpu_utilization_target(m))
            .collect();
        if !other.is_empty() {
            let encoded = GoValue::Array(other.iter().map(|m| encode_v1_metric_spec(m)).collect());
            self.set_annotation(METRIC_SPECS_ANNOTATION, encoded.to_json_string());
        }
        if let Some(current) = non_empty(&self.status.current_metrics) {
            let encoded = GoValue::Array(current.iter().map(encode_v1_metric_status).collect());
            self.set_annotation(METRIC_STATUSES_ANNOTATION, encoded.to_json_string());
        }
        if let Some(behavior) = &self.spec.behavior {
            let encoded = encode_behavior_annotation(behavior).to_json_string();
            self.set_annotation(BEHAVIOR_ANNOTATION, encoded);
        }
        if let Some(conditions) = non_empty(&self.status.conditions) {
            let encoded = GoValue::Array(
                conditions
                    .iter()
                    .map(|c| encode_condition(c, true))
                    .collect(),
            );
            self.set_annotation(CONDITIONS_ANNOTATION, encoded.to_json_string());
        }

        let target_cpu = metrics
            .iter()
            .find(|m| is_cpu_utilization_target(m))
            .and_then(|m| m.resource.as_ref()?.target.average_utilization);
        // The last CPU status with a utilization wins, as upstream's loop has no break.
        let current_cpu = self
            .status
            .current_metrics
            .iter()
            .flatten()
            .filter(|m| m.type_ == "Resource")
            .filter_map(|m| m.resource.as_ref())
            .filter(|r| r.name == "cpu")
            .filter_map(|r| r.current.average_utilization)
            .next_back();
        let spec = &self.spec;
        let status = &self.status;
        let spec_value = GoObject::new()
            .field("scaleTargetRef", encode_reference(&spec.scale_target_ref))
            .opt("minReplicas", opt_int(spec.min_replicas))
            .field("maxReplicas", GoValue::Int(spec.max_replicas.into()))
            .opt("targetCPUUtilizationPercentage", opt_int(target_cpu))
            .build();
        let status_value = GoObject::new()
            .opt(
                "observedGeneration",
                status.observed_generation.map(GoValue::Int),
            )
            .opt("lastScaleTime", opt_str(&status.last_scale_time))
            .field(
                "currentReplicas",
                GoValue::Int(status.current_replicas.into()),
            )
            .field(
                "desiredReplicas",
                GoValue::Int(status.desired_replicas.into()),
            )
            .opt("currentCPUUtilizationPercentage", opt_int(current_cpu))
            .build();
        self.encode_object(spec_value, status_value)
    }
}

/// Decodes a round-trip annotation holding a JSON array as Go's `json.Unmarshal` into a slice
/// would; `None` (the annotation is ignored) when it does not decode. `null` decodes to an
/// empty slice.
fn decode_annotation<T>(
    text: &str,
    decode: impl Fn(Fields<'_>) -> Result<T, DecodeError>,
) -> Option<Vec<T>> {
    let value: Value = serde_json::from_str(text).ok()?;
    match &value {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|item| decode(Fields::new(item, Keys::Fold, "", String::new()).ok()?).ok())
            .collect(),
        _ => None,
    }
}

/// Decodes the behavior annotation: the internal struct's JSON, member names being the Go
/// field names (matched case-insensitively).
fn decode_behavior_annotation(text: &str) -> Option<Behavior> {
    let value: Value = serde_json::from_str(text).ok()?;
    let f = Fields::new(
        &value,
        Keys::Fold,
        "HorizontalPodAutoscalerBehavior",
        String::new(),
    )
    .ok()?;
    let rules = |name| {
        nested(&f, name, "HPAScalingRules", |r| {
            Ok(ScalingRules {
                stabilization_window_seconds: r.opt_int32("StabilizationWindowSeconds")?,
                select_policy: r.opt_string("SelectPolicy")?,
                policies: list(&r, "Policies", "HPAScalingPolicy", |p| {
                    Ok(ScalingPolicy {
                        type_: p.string("Type")?,
                        value: p.int32("Value")?,
                        period_seconds: p.int32("PeriodSeconds")?,
                    })
                })?,
                tolerance: r.opt_quantity("Tolerance")?,
            })
        })
    };
    Some(Behavior {
        scale_up: rules("ScaleUp").ok()?,
        scale_down: rules("ScaleDown").ok()?,
    })
}

/// The behavior annotation: `json.Marshal` of the internal struct (no tags, so Go field names
/// and every field, `null` for nil).
fn encode_behavior_annotation(b: &Behavior) -> GoValue {
    let rules = |r: &Option<ScalingRules>| {
        r.as_ref().map_or(GoValue::Null, |r| {
            GoObject::new()
                .field(
                    "StabilizationWindowSeconds",
                    opt_int(r.stabilization_window_seconds).unwrap_or(GoValue::Null),
                )
                .field(
                    "SelectPolicy",
                    opt_str(&r.select_policy).unwrap_or(GoValue::Null),
                )
                .field(
                    "Policies",
                    r.policies.as_ref().map_or(GoValue::Null, |ps| {
                        GoValue::Array(
                            ps.iter()
                                .map(|p| {
                                    GoObject::new()
                                        .str("Type", &p.type_)
                                        .field("Value", GoValue::Int(p.value.into()))
                                        .field(
                                            "PeriodSeconds",
                                            GoValue::Int(p.period_seconds.into()),
                                        )
                                        .build()
                                })
                                .collect(),
                        )
                    }),
                )
                .field("Tolerance", opt_str(&r.tolerance).unwrap_or(GoValue::Null))
                .build()
        })
    };
    GoObject::new()
        .field("ScaleUp", rules(&b.scale_up))
        .field("ScaleDown", rules(&b.scale_down))
        .build()
}

/// Decodes one `autoscaling/v1` `MetricSpec` from an annotation and converts it to the
/// internal form (`Convert_v1_*MetricSource_To_autoscaling_*`).
fn decode_v1_metric_spec(f: Fields<'_>) -> Result<MetricSpec, DecodeError> {
    Ok(MetricSpec {
        type_: f.string("type")?,
        object: nested(&f, "object", "ObjectMetricSource", |o| {
            let target_value = quantity(&o, "targetValue")?;
            let average_value = o.opt_quantity("averageValue")?;
            let (type_, value) = match &average_value {
                None => ("Value", Some(target_value)),
                // Only a non-zero target value is kept next to an average value: v1 always
                // writes one.
                Some(_) => (
                    "AverageValue",
                    (!quantity_is_zero(&target_value)).then_some(target_value),
                ),
            };
            Ok(ObjectMetricSource {
                described_object: part(
                    &o,
                    "target",
                    "CrossVersionObjectReference",
                    decode_reference,
                )?,
                target: MetricTarget {
                    type_: type_.to_string(),
                    value,
                    average_value,
                    average_utilization: None,
                },
                metric: MetricIdentifier {
                    name: o.string("metricName")?,
                    selector: selector(&o, "selector")?,
                },
            })
        })?,
        pods: nested(&f, "pods", "PodsMetricSource", |p| {
            Ok(PodsMetricSource {
                metric: MetricIdentifier {
                    name: p.string("metricName")?,
                    selector: selector(&p, "selector")?,
                },
                target: MetricTarget {
                    type_: "AverageValue".to_string(),
                    average_value: Some(quantity(&p, "targetAverageValue")?),
                    ..MetricTarget::default()
                },
            })
        })?,
        resource: nested(&f, "resource", "ResourceMetricSource", |r| {
            Ok(ResourceMetricSource {
                name: r.string("name")?,
                target: v1_resource_target(&r)?,
            })
        })?,
        container_resource: nested(
            &f,
            "containerResource",
            "ContainerResourceMetricSource",
            |r| {
                Ok(ContainerResourceMetricSource {
                    name: r.string("name")?,
                    target: v1_resource_target(&r)?,
                    container: r.string("container")?,
                })
            },
        )?,
        external: nested(&f, "external", "ExternalMetricSource", |e| {
            let value = e.opt_quantity("targetValue")?;
            Ok(ExternalMetricSource {
                metric: MetricIdentifier {
                    name: e.string("metricName")?,
                    selector: selector(&e, "metricSelector")?,
                },
                target: MetricTarget {
                    type_: if value.is_none() {
                        "AverageValue"
                    } else {
                        "Value"
                    }
                    .to_string(),
                    value,
                    average_value: e.opt_quantity("targetAverageValue")?,
                    average_utilization: None,
                },
            })
        })?,
    })
}

/// The target of a `v1` resource or container resource metric source.
fn v1_resource_target(r: &Fields<'_>) -> Result<MetricTarget, DecodeError> {
    let utilization = r.opt_int32("targetAverageUtilization")?;
    Ok(MetricTarget {
        type_: if utilization.is_none() {
            "AverageValue"
        } else {
            "Utilization"
        }
        .to_string(),
        value: None,
        average_value: r.opt_quantity("targetAverageValue")?,
        average_utilization: utilization,
    })
}

/// Decodes one `autoscaling/v1` `MetricStatus` from an annotation and converts it to the
/// internal form (`Convert_v1_*MetricStatus_To_autoscaling_*`).
fn decode_v1_metric_status(f: Fields<'_>) -> Result<MetricStatus, DecodeError> {
    Ok(MetricStatus {
        type_: f.string("type")?,
        object: nested(&f, "object", "ObjectMetricStatus", |o| {
            Ok(ObjectMetricStatus {
                metric: MetricIdentifier {
                    name: o.string("metricName")?,
                    selector: selector(&o, "selector")?,
                },
                current: MetricValueStatus {
                    value: Some(quantity(&o, "currentValue")?),
                    average_value: o.opt_quantity("averageValue")?,
                    average_utilization: None,
                },
                described_object: part(
                    &o,
                    "target",
                    "CrossVersionObjectReference",
                    decode_reference,
                )?,
            })
        })?,
        pods: nested(&f, "pods", "PodsMetricStatus", |p| {
            Ok(PodsMetricStatus {
                metric: MetricIdentifier {
                    name: p.string("metricName")?,
                    selector: selector(&p, "selector")?,
                },
                current: MetricValueStatus {
                    average_value: Some(quantity(&p, "currentAverageValue")?),
                    ..MetricValueStatus::default()
                },
            })
        })?,
        resource: nested(&f, "resource", "ResourceMetricStatus", |r| {
            Ok(ResourceMetricStatus {
                name: r.string("name")?,
                current: v1_resource_current(&r)?,
            })
        })?,
        container_resource: nested(
            &f,
            "containerResource",
            "ContainerResourceMetricStatus",
            |r| {
                Ok(ContainerResourceMetricStatus {
                    name: r.string("name")?,
                    current: v1_resource_current(&r)?,
                    container: r.string("container")?,
                })
            },
        )?,
        external: nested(&f, "external", "ExternalMetricStatus", |e| {
            Ok(ExternalMetricStatus {
                metric: MetricIdentifier {
                    name: e.string("metricName")?,
                    selector: selector(&e, "metricSelector")?,
                },
                current: MetricValueStatus {
                    value: Some(quantity(&e, "currentValue")?),
                    average_value: e.opt_quantity("currentAverageValue")?,
                    average_utilization: None,
                },
            })
        })?,
    })
}

/// The current value of a `v1` resource or container resource metric status.
fn v1_resource_current(r: &Fields<'_>) -> Result<MetricValueStatus, DecodeError> {
    Ok(MetricValueStatus {
        value: None,
        average_value: Some(quantity(r, "currentAverageValue")?),
        average_utilization: r.opt_int32("currentAverageUtilization")?,
    })
}

/// A quantity that is not a pointer in `v1`: the zero quantity, `"0"`, when unset.
fn zero_or(q: &Option<String>) -> GoValue {
    GoValue::str(q.as_deref().unwrap_or("0"))
}

/// One metric spec as `autoscaling/v1` JSON (`Convert_autoscaling_*MetricSource_To_v1_*`).
fn encode_v1_metric_spec(m: &MetricSpec) -> GoValue {
    let resource_target =
        |t: &MetricTarget| (opt_int(t.average_utilization), opt_str(&t.average_value));
    GoObject::new()
        .str("type", &m.type_)
        .opt(
            "object",
            m.object.as_ref().map(|o| {
                GoObject::new()
                    .field("target", encode_reference(&o.described_object))
                    .str("metricName", &o.metric.name)
                    .field("targetValue", zero_or(&o.target.value))
                    .opt("selector", encode_opt_selector(&o.metric.selector))
                    .opt("averageValue", opt_str(&o.target.average_value))
                    .build()
            }),
        )
        .opt(
            "pods",
            m.pods.as_ref().map(|p| {
                GoObject::new()
                    .str("metricName", &p.metric.name)
                    .field("targetAverageValue", zero_or(&p.target.average_value))
                    .opt("selector", encode_opt_selector(&p.metric.selector))
                    .build()
            }),
        )
        .opt(
            "resource",
            m.resource.as_ref().map(|r| {
                let (utilization, average) = resource_target(&r.target);
                GoObject::new()
                    .str("name", &r.name)
                    .opt("targetAverageUtilization", utilization)
                    .opt("targetAverageValue", average)
                    .build()
            }),
        )
        .opt(
            "containerResource",
            m.container_resource.as_ref().map(|r| {
                let (utilization, average) = resource_target(&r.target);
                GoObject::new()
                    .str("name", &r.name)
                    .opt("targetAverageUtilization", utilization)
                    .opt("targetAverageValue", average)
                    .str("container", &r.container)
                    .build()
            }),
        )
        .opt(
            "external",
            m.external.as_ref().map(|e| {
                GoObject::new()
                    .str("metricName", &e.metric.name)
                    .opt("metricSelector", encode_opt_selector(&e.metric.selector))
                    .opt("targetValue", opt_str(&e.target.value))
                    .opt("targetAverageValue", opt_str(&e.target.average_value))
                    .build()
            }),
        )
        .build()
}

/// One metric status as `autoscaling/v1` JSON (`Convert_autoscaling_*MetricStatus_To_v1_*`).
fn encode_v1_metric_status(m: &MetricStatus) -> GoValue {
    GoObject::new()
        .str("type", &m.type_)
        .opt(
            "object",
            m.object.as_ref().map(|o| {
                GoObject::new()
                    .field("target", encode_reference(&o.described_object))
                    .str("metricName", &o.metric.name)
                    .field("currentValue", zero_or(&o.current.value))
                    .opt("selector", encode_opt_selector(&o.metric.selector))
                    .opt("averageValue", opt_str(&o.current.average_value))
                    .build()
            }),
        )
        .opt(
            "pods",
            m.pods.as_ref().map(|p| {
                GoObject::new()
                    .str("metricName", &p.metric.name)
                    .field("currentAverageValue", zero_or(&p.current.average_value))
                    .opt("selector", encode_opt_selector(&p.metric.selector))
                    .build()
            }),
        )
        .opt(
            "resource",
            m.resource.as_ref().map(|r| {
                GoObject::new()
                    .str("name", &r.name)
                    .opt(
                        "currentAverageUtilization",
                        opt_int(r.current.average_utilization),
                    )
                    .field("currentAverageValue", zero_or(&r.current.average_value))
                    .build()
            }),
        )
        .opt(
            "containerResource",
            m.container_resource.as_ref().map(|r| {
                GoObject::new()
                    .str("name", &r.name)
                    .opt(
                        "currentAverageUtilization",
                        opt_int(r.current.average_utilization),
                    )
                    .field("currentAverageValue", zero_or(&r.current.average_value))
                    .str("container", &r.container)
                    .build()
            }),
        )
        .opt(
            "external",
            m.external.as_ref().map(|e| {
                GoObject::new()
                    .str("metricName", &e.metric.name)
                    .opt("metricSelector", encode_opt_selector(&e.metric.selector))
                    .field("currentValue", zero_or(&e.current.value))
                    .opt("currentAverageValue", opt_str(&e.current.average_value))
                    .build()
            }),
        )
        .build()
}

/// Converts an `autoscaling` `HorizontalPodAutoscaler` from `from` to `to` (both in
/// [`VERSIONS`]), without its type meta.
pub(crate) fn convert(object: &Value, from: &str, to: &str) -> Result<Value, ConversionError> {
    let internal = match from {
        "v1" => HorizontalPodAutoscaler::from_v1(object)?,
        _ => HorizontalPodAutoscaler::from_v2(object)?,
    };
    Ok(match to {
        "v1" => internal.into_v1(),
        _ => internal.into_v2(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::gojson::parse_rfc3339;
    use super::*;
    use serde_json::json;

    fn v1(spec: Value, annotations: Value) -> Value {
        json!({
            "metadata": {"name": "web", "annotations": annotations},
            "spec": spec,
        })
    }

    #[test]
    fn v1_without_metrics_gets_the_default_cpu_target() {
        let out = convert(
            &json!({"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3}}),
            "v1",
            "v2",
        )
        .unwrap();
        assert_eq!(
            out["spec"]["metrics"],
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}])
        );
        assert_eq!(out["status"], json!({"desiredReplicas": 0}));
        assert!(out.get("metadata").is_none());
    }

    #[test]
    fn v2_metrics_travel_in_annotations() {
        let v2 = json!({
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
                "metrics": [
                    {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}
                ],
                "behavior": {"scaleDown": {"selectPolicy": "Disabled"}}},
        });
        let out = convert(&v2, "v2", "v1").unwrap();
        assert_eq!(out["spec"]["targetCPUUtilizationPercentage"], 50);
        assert_eq!(
            out["metadata"]["annotations"][METRIC_SPECS_ANNOTATION],
            r#"[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}}]"#
        );
        assert_eq!(
            out["metadata"]["annotations"][BEHAVIOR_ANNOTATION],
            r#"{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Disabled","Policies":null,"Tolerance":null}}"#
        );
        assert_eq!(
            out["status"],
            json!({"currentReplicas": 0, "desiredReplicas": 0})
        );
        // Back to v2: the pods metric first, then the CPU target from the spec field.
        let back = convert(&out, "v1", "v2").unwrap();
        assert_eq!(back["spec"]["metrics"], v2["spec"]["metrics"]);
        assert_eq!(back["spec"]["behavior"], v2["spec"]["behavior"]);
        assert_eq!(back["metadata"], json!({"name": "web"}));
    }

    #[test]
    fn annotations_that_do_not_decode_are_ignored() {
        for bad in [
            "nope",
            "{}",
            r#"[{"type": 1}]"#,
            r#"[{"pods": {"targetAverageValue": "1x"}}]"#,
        ] {
            let out = convert(
                &v1(
                    json!({"maxReplicas": 1, "targetCPUUtilizationPercentage": 30}),
                    json!({METRIC_SPECS_ANNOTATION: bad}),
                ),
                "v1",
                "v2",
            )
            .unwrap();
            assert_eq!(out["spec"]["metrics"].as_array().unwrap().len(), 1, "{bad}");
            assert!(out["metadata"].get("annotations").is_none(), "{bad}");
        }
    }

    #[test]
    fn behavior_annotation_is_matched_case_insensitively_and_zero_is_ignored() {
        let decoded =
            decode_behavior_annotation(r#"{"scaleup":{"policies":[{"type":"Pods","VALUE":2}]}}"#)
                .unwrap();
        assert_eq!(
            decoded.scale_up.unwrap().policies.unwrap(),
            vec![ScalingPolicy {
                type_: "Pods".to_string(),
                value: 2,
                period_seconds: 0
            }]
        );
        let out = convert(
            &v1(
                json!({"maxReplicas": 1}),
                json!({BEHAVIOR_ANNOTATION: "{\"ScaleUp\":null}"}),
            ),
            "v1",
            "v2",
        )
        .unwrap();
        assert!(out["spec"].get("behavior").is_none());
    }

    #[test]
    fn conditions_annotation_times_are_written_in_utc() {
        let v2 = json!({"spec": {"maxReplicas": 1}, "status": {"conditions": [
            {"type": "AbleToScale", "status": "True", "lastTransitionTime": "2024-01-01T02:00:00.5+02:00"},
            {"type": "ScalingActive", "status": "False"}
        ]}});
        let out = convert(&v2, "v2", "v1").unwrap();
        assert_eq!(
            out["metadata"]["annotations"][CONDITIONS_ANNOTATION],
            r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2024-01-01T00:00:00Z"},{"type":"ScalingActive","status":"False","lastTransitionTime":null}]"#
        );
        let back = convert(&out, "v1", "v2").unwrap();
        assert_eq!(
            back["status"]["conditions"],
            json!([
                {"type": "AbleToScale", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"},
                {"type": "ScalingActive", "status": "False"}
            ])
        );
        assert_eq!(back["metadata"], json!({}));
    }

    #[test]
    fn v2_to_v2_drops_round_trip_annotations() {
        let out = convert(
            &v1(
                json!({"maxReplicas": 2}),
                json!({CONDITIONS_ANNOTATION: "[]", "keep": "x"}),
            ),
            "v2",
            "v2",
        )
        .unwrap();
        assert_eq!(out["metadata"]["annotations"], json!({"keep": "x"}));
    }

    #[test]
    fn type_errors_are_reported() {
        let err = convert(&json!({"spec": {"maxReplicas": "3"}}), "v2", "v1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32"
        );
        let err = convert(&json!({"spec": {"metrics": [{"type": 3}]}}), "v2", "v1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal number 3 into Go struct field MetricSpec.spec.metrics.type of type string"
        );
        assert!(parse_rfc3339("2024-01-01T00:00:00Z").is_some());
    }
}
