//! Field selectors of built-in resources: which fields each kind can be selected by and with
//! what values (upstream's `GetAttrs` / `ToSelectableFields` in `pkg/registry/*`), and which
//! field labels a selector may use (upstream's field label conversion functions,
//! `AddFieldLabelConversionFunc` in `pkg/apis/*/v1/conversion.go`, and
//! `runtime.DefaultMetaV1FieldSelectorConversion` for every other kind).
//!
//! Field sets are computed from objects as stored, which upstream has defaulted when it decodes
//! them; the few defaults that show in field sets (pod restart policy and scheduler, secret and
//! service types, namespace phase) are applied here for objects that lack them.

use std::collections::BTreeMap;
use std::sync::Arc;

use ironkube_apimachinery::FieldSelector;
use ironkube_apimachinery::gocompat;
use ironkube_apimachinery::selector::escape_field_value;
use ironkube_apimachinery::{FieldOperator, meta};
use ironkube_storage::object::FieldSetFn;
use serde_json::Value;

/// A string field of `object` at a JSON pointer, empty when absent or not a string.
fn str_at<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A string field with upstream's default for objects that lack it.
fn str_or<'a>(object: &'a Value, pointer: &str, default: &'a str) -> &'a str {
    match str_at(object, pointer) {
        "" => default,
        value => value,
    }
}

/// An integer field as `strconv.Itoa` prints it (0 when absent).
fn int_at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .to_string()
}

/// A boolean field as `strconv.FormatBool` / `fmt.Sprint` print it (false when absent).
fn bool_at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
        .to_string()
}

/// Which field set a resource's objects have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldSetKind {
    /// `metadata.name` (and `metadata.namespace` for namespaced kinds) only.
    Default,
    Pod,
    Node,
    /// Replication controllers and replica sets: `status.replicas`.
    Replicas,
    /// Core and events.k8s.io events (one storage).
    Event,
    Namespace,
    Secret,
    Service,
    /// Persistent volumes and claims: `name` as well.
    NameAlias,
    Job,
    /// Certificate signing requests and cluster trust bundles: `spec.signerName`.
    SignerName,
    PodCertificateRequest,
    ResourceSlice,
}

fn field_set_kind(group: &str, resource: &str) -> FieldSetKind {
    match (group, resource) {
        ("", "pods") => FieldSetKind::Pod,
        ("", "nodes") => FieldSetKind::Node,
        ("", "replicationcontrollers") | ("apps", "replicasets") => FieldSetKind::Replicas,
        ("" | "events.k8s.io", "events") => FieldSetKind::Event,
        ("", "namespaces") => FieldSetKind::Namespace,
        ("", "secrets") => FieldSetKind::Secret,
        ("", "services") => FieldSetKind::Service,
        ("", "persistentvolumes" | "persistentvolumeclaims") => FieldSetKind::NameAlias,
        ("batch", "jobs") => FieldSetKind::Job,
        ("certificates.k8s.io", "certificatesigningrequests" | "clustertrustbundles") => {
            FieldSetKind::SignerName
        }
        ("certificates.k8s.io", "podcertificaterequests") => FieldSetKind::PodCertificateRequest,
        ("resource.k8s.io", "resourceslices") => FieldSetKind::ResourceSlice,
        _ => FieldSetKind::Default,
    }
}

/// The event fields, read from a core/v1 event or an events.k8s.io event (whose
/// `regarding`, `reportingController` and `deprecatedSource` are the core event's
/// `involvedObject`, `reportingComponent` and `source`).
fn event_fields(object: &Value, fields: &mut BTreeMap<String, String>) {
    let events_api = meta::api_version(object).is_some_and(|v| v.starts_with("events.k8s.io/"));
    let (reference, reporting, source) = if events_api {
        (
            "/regarding",
            "/reportingController",
            "/deprecatedSource/component",
        )
    } else {
        (
            "/involvedObject",
            "/reportingComponent",
            "/source/component",
        )
    };
    for field in [
        "kind",
        "namespace",
        "name",
        "uid",
        "apiVersion",
        "resourceVersion",
        "fieldPath",
    ] {
        fields.insert(
            format!("involvedObject.{field}"),
            str_at(object, &format!("{reference}/{field}")).to_string(),
        );
    }
    let reporting = str_at(object, reporting);
    fields.insert("reason".into(), str_at(object, "/reason").to_string());
    fields.insert("reportingComponent".into(), reporting.to_string());
    fields.insert(
        "source".into(),
        str_or(object, source, reporting).to_string(),
    );
    fields.insert("type".into(), str_at(object, "/type").to_string());
}

fn kind_fields(kind: FieldSetKind, object: &Value, fields: &mut BTreeMap<String, String>) {
    let mut put = |key: &str, value: String| {
        fields.insert(key.to_string(), value);
    };
    match kind {
        FieldSetKind::Default => {}
        FieldSetKind::Pod => {
            put("spec.nodeName", str_at(object, "/spec/nodeName").into());
            put(
                "spec.restartPolicy",
                str_or(object, "/spec/restartPolicy", "Always").into(),
            );
            put(
                "spec.schedulerName",
                str_or(object, "/spec/schedulerName", "default-scheduler").into(),
            );
            put(
                "spec.serviceAccountName",
                str_at(object, "/spec/serviceAccountName").into(),
            );
            put("spec.hostNetwork", bool_at(object, "/spec/hostNetwork"));
            put("status.phase", str_at(object, "/status/phase").into());
            // Upstream reads the internal podIPs[0]; v1 objects may carry only podIP.
            put(
                "status.podIP",
                str_or(
                    object,
                    "/status/podIPs/0/ip",
                    str_at(object, "/status/podIP"),
                )
                .into(),
            );
            put(
                "status.nominatedNodeName",
                str_at(object, "/status/nominatedNodeName").into(),
            );
        }
        FieldSetKind::Node => put("spec.unschedulable", bool_at(object, "/spec/unschedulable")),
        FieldSetKind::Replicas => put("status.replicas", int_at(object, "/status/replicas")),
        FieldSetKind::Event => event_fields(object, fields),
        FieldSetKind::Namespace => {
            put(
                "status.phase",
                str_or(object, "/status/phase", "Active").into(),
            );
            put("name", meta::name(object).unwrap_or_default().into());
        }
        FieldSetKind::Secret => put("type", str_or(object, "/type", "Opaque").into()),
        FieldSetKind::Service => {
            put("spec.clusterIP", str_at(object, "/spec/clusterIP").into());
            put(
                "spec.type",
                str_or(object, "/spec/type", "ClusterIP").into(),
            );
        }
        FieldSetKind::NameAlias => put("name", meta::name(object).unwrap_or_default().into()),
        FieldSetKind::Job => put("status.successful", int_at(object, "/status/succeeded")),
        FieldSetKind::SignerName => {
            put("spec.signerName", str_at(object, "/spec/signerName").into());
        }
        FieldSetKind::PodCertificateRequest => {
            put("spec.signerName", str_at(object, "/spec/signerName").into());
            put("spec.podName", str_at(object, "/spec/podName").into());
            put("spec.nodeName", str_at(object, "/spec/nodeName").into());
        }
        FieldSetKind::ResourceSlice => {
            put("spec.nodeName", str_at(object, "/spec/nodeName").into());
            put("spec.driver", str_at(object, "/spec/driver").into());
            put("spec.pool.name", str_at(object, "/spec/pool/name").into());
        }
    }
}

/// The selectable fields of objects of a built-in resource (`metadata.name`,
/// `metadata.namespace` for namespaced ones, and the kind's own), as strings formatted as
/// upstream does (bools `true`/`false`, integers in decimal). The version does not matter:
/// upstream computes field sets from the internal version, which every version converts to.
pub(crate) fn field_set(
    group: &str,
    _version: &str,
    resource: &str,
    namespaced: bool,
) -> FieldSetFn {
    let kind = field_set_kind(group, resource);
    Arc::new(move |object: &Value| {
        let mut fields = meta::object_meta_fields(object, namespaced);
        kind_fields(kind, object, &mut fields);
        fields
    })
}

/// Upstream's field label conversion function of a group/version/resource's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conversion {
    /// `DefaultMetaV1FieldSelectorConversion`.
    Default,
    Pod,
    Node,
    ReplicationController,
    CoreEvent,
    EventsEvent,
    Namespace,
    Secret,
    Service,
    Job,
    /// Certificate signing requests and cluster trust bundles.
    SignerName,
    PodCertificateRequest,
    ResourceSlice,
}

fn conversion(group: &str, version: &str, resource: &str) -> Conversion {
    match (group, version, resource) {
        ("", "v1", "pods") => Conversion::Pod,
        ("", "v1", "nodes") => Conversion::Node,
        ("", "v1", "replicationcontrollers") => Conversion::ReplicationController,
        ("", "v1", "events") => Conversion::CoreEvent,
        ("", "v1", "namespaces") => Conversion::Namespace,
        ("", "v1", "secrets") => Conversion::Secret,
        ("", "v1", "services") => Conversion::Service,
        ("events.k8s.io", "v1", "events") => Conversion::EventsEvent,
        ("batch", "v1", "jobs") => Conversion::Job,
        ("certificates.k8s.io", "v1", "certificatesigningrequests" | "clustertrustbundles") => {
            Conversion::SignerName
        }
        ("certificates.k8s.io", "v1", "podcertificaterequests") => {
            Conversion::PodCertificateRequest
        }
        ("resource.k8s.io", "v1", "resourceslices") => Conversion::ResourceSlice,
        _ => Conversion::Default,
    }
}

/// The field a selector's `label` selects after upstream's conversion, or upstream's error.
fn convert_label(conversion: Conversion, label: &str) -> Result<&str, String> {
    let allowed: &[&str] = match conversion {
        Conversion::Default => {
            return match label {
                "metadata.name" | "metadata.namespace" => Ok(label),
                _ => Err(format!(
                    "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                    gocompat::quote(label)
                )),
            };
        }
        Conversion::Pod => {
            if label == "spec.host" {
                // For old v1 clients.
                return Ok("spec.nodeName");
            }
            &[
                "metadata.name",
                "metadata.namespace",
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
            ]
        }
        Conversion::Node => &["metadata.name", "spec.unschedulable"],
        Conversion::ReplicationController => {
            &["metadata.name", "metadata.namespace", "status.replicas"]
        }
        Conversion::CoreEvent => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "metadata.namespace",
            "metadata.name",
        ],
        Conversion::EventsEvent => {
            return match label {
                "reason" | "type" | "metadata.namespace" | "metadata.name" => Ok(label),
                "reportingController" => Ok("reportingComponent"),
                "regarding.kind" => Ok("involvedObject.kind"),
                "regarding.namespace" => Ok("involvedObject.namespace"),
                "regarding.name" => Ok("involvedObject.name"),
                "regarding.uid" => Ok("involvedObject.uid"),
                "regarding.apiVersion" => Ok("involvedObject.apiVersion"),
                "regarding.resourceVersion" => Ok("involvedObject.resourceVersion"),
                "regarding.fieldPath" => Ok("involvedObject.fieldPath"),
                _ => Err(format!("field label not supported: {label}")),
            };
        }
        Conversion::Namespace => &["status.phase", "metadata.name"],
        Conversion::Secret => &["type", "metadata.namespace", "metadata.name"],
        Conversion::Service => &[
            "metadata.namespace",
            "metadata.name",
            "spec.clusterIP",
            "spec.type",
        ],
        Conversion::Job => {
            return match label {
                "metadata.name" | "metadata.namespace" | "status.successful" => Ok(label),
                _ => Err(format!(
                    "field label {} not supported for Job",
                    gocompat::quote(label)
                )),
            };
        }
        Conversion::SignerName => &["metadata.name", "spec.signerName"],
        Conversion::PodCertificateRequest => &[
            "metadata.name",
            "spec.signerName",
            "spec.podName",
            "spec.nodeName",
        ],
        Conversion::ResourceSlice => {
            return match label {
                "metadata.name" | "spec.nodeName" | "spec.driver" | "spec.pool.name" => Ok(label),
                _ => Err(format!(
                    "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: {label}"
                )),
            };
        }
    };
    if allowed.contains(&label) {
        Ok(label)
    } else {
        Err(format!("field label not supported: {label}"))
    }
}

#[cfg(test)]
/// Checks that every requirement of a field selector names a field this resource supports
/// (upstream's field label conversion). `Err(message)` is upstream's message for a 400
/// BadRequest: the first unsupported field's, in the selector's order. For kinds without a
/// conversion function of their own the message is `"spec.foo" is not a known field
/// selector: only "metadata.name", "metadata.namespace"`; for those with one it is usually
/// `field label not supported: spec.foo` (jobs and resource slices word it differently).
pub(crate) fn check_field_selector(
    group: &str,
    version: &str,
    resource: &str,
    selector: &FieldSelector,
) -> Result<(), String> {
    let conversion = conversion(group, version, resource);
    for requirement in selector.requirements() {
        convert_label(conversion, &requirement.field)?;
    }
    Ok(())
}

/// The selector upstream filters with after field label conversion: fields renamed where the
/// conversion renames them (pods' `spec.host` is `spec.nodeName`; events.k8s.io's
/// `regarding.*` and `reportingController` are the stored event's `involvedObject.*` and
/// `reportingComponent`). `Err` as [`check_field_selector`].
pub(crate) fn convert_field_selector(
    group: &str,
    version: &str,
    resource: &str,
    selector: &FieldSelector,
) -> Result<FieldSelector, String> {
    let conversion = conversion(group, version, resource);
    let mut renamed = false;
    let mut terms = Vec::with_capacity(selector.requirements().len());
    for requirement in selector.requirements() {
        let field = convert_label(conversion, &requirement.field)?;
        renamed |= field != requirement.field;
        let operator = match requirement.operator {
            FieldOperator::Equals => "=",
            FieldOperator::NotEquals => "!=",
        };
        terms.push(format!(
            "{field}{operator}{}",
            escape_field_value(&requirement.value)
        ));
    }
    if !renamed {
        return Ok(selector.clone());
    }
    FieldSelector::parse(&terms.join(",")).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(
        group: &str,
        resource: &str,
        namespaced: bool,
        object: Value,
    ) -> Vec<(String, String)> {
        field_set(group, "v1", resource, namespaced)(&object)
            .into_iter()
            .collect()
    }

    #[test]
    fn default_field_sets_follow_scope() {
        let object = json!({"metadata": {"name": "a", "namespace": "ns"}});
        assert_eq!(
            fields("", "configmaps", true, object.clone()),
            [
                ("metadata.name".to_string(), "a".to_string()),
                ("metadata.namespace".to_string(), "ns".to_string())
            ]
        );
        assert_eq!(
            fields("rbac.authorization.k8s.io", "clusterroles", false, object),
            [("metadata.name".to_string(), "a".to_string())]
        );
    }

    #[test]
    fn pods_use_defaults_and_the_first_pod_ip() {
        let set = field_set("", "v1", "pods", true)(&json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "status": {"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.2"}]}
        }));
        assert_eq!(set["spec.restartPolicy"], "Always");
        assert_eq!(set["spec.schedulerName"], "default-scheduler");
        assert_eq!(set["spec.hostNetwork"], "false");
        assert_eq!(set["status.podIP"], "10.0.0.2");
        assert_eq!(set["spec.nodeName"], "");
    }

    #[test]
    fn events_from_either_api_fill_the_same_fields() {
        let core = field_set("", "v1", "events", true)(&json!({
            "apiVersion": "v1",
            "metadata": {"name": "e", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "p"},
            "reportingComponent": "ctrl"
        }));
        let events = field_set("events.k8s.io", "v1", "events", true)(&json!({
            "apiVersion": "events.k8s.io/v1",
            "metadata": {"name": "e", "namespace": "ns"},
            "regarding": {"kind": "Pod", "name": "p"},
            "reportingController": "ctrl"
        }));
        assert_eq!(core, events);
        assert_eq!(core["source"], "ctrl");
        assert_eq!(core["involvedObject.kind"], "Pod");
    }

    #[test]
    fn unsupported_labels_are_refused_with_upstreams_words() {
        let check = |group: &str, resource: &str, selector: &str| {
            check_field_selector(
                group,
                "v1",
                resource,
                &FieldSelector::parse(selector).unwrap(),
            )
        };
        assert_eq!(check("", "pods", "spec.nodeName=a,status.phase!=b"), Ok(()));
        assert_eq!(
            check("", "pods", "spec.foo=a"),
            Err("field label not supported: spec.foo".to_string())
        );
        assert_eq!(
            check("", "configmaps", "spec.foo=a"),
            Err(r#""spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace""#.to_string())
        );
        assert_eq!(check("", "configmaps", "metadata.namespace=a"), Ok(()));
        assert_eq!(
            check("", "nodes", "metadata.namespace=a"),
            Err("field label not supported: metadata.namespace".to_string())
        );
        assert_eq!(
            check("batch", "jobs", "a=b"),
            Err(r#"field label "a" not supported for Job"#.to_string())
        );
        // The first unsupported term in the selector's (sorted) order is reported.
        assert_eq!(
            check("", "secrets", "z=1,b=2"),
            Err("field label not supported: b".to_string())
        );
    }

    #[test]
    fn conversion_renames_fields() {
        let selector = FieldSelector::parse("spec.host=n1,metadata.name=a\\,b").unwrap();
        let converted = convert_field_selector("", "v1", "pods", &selector).unwrap();
        assert_eq!(converted.requires_exact_match("spec.nodeName"), Some("n1"));
        assert_eq!(converted.requires_exact_match("metadata.name"), Some("a,b"));
        let selector = FieldSelector::parse("regarding.name=p,reportingController!=x").unwrap();
        let converted = convert_field_selector("events.k8s.io", "v1", "events", &selector).unwrap();
        assert_eq!(
            converted.to_string(),
            "involvedObject.name=p,reportingComponent!=x"
        );
        let unchanged = FieldSelector::parse("metadata.name=a").unwrap();
        assert_eq!(
            convert_field_selector("", "v1", "configmaps", &unchanged).unwrap(),
            unchanged
        );
    }
}
