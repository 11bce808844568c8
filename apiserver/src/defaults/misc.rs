//! The smaller groups: scheduling, discovery, resource, certificates and authentication.

use serde_json::json;

use super::{Object, child, default_unset, default_zero, each, present, string};

/// Defaults an object of one of the smaller groups.
pub(super) fn apply(group: &str, version: &str, kind: &str, object: &mut Object) {
    match (group, version, kind) {
        ("scheduling.k8s.io", "v1", "PriorityClass") => {
            default_unset(object, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        ("discovery.k8s.io", "v1", "EndpointSlice") => each(object, "ports", |port| {
            default_unset(port, "name", json!(""));
            default_unset(port, "protocol", json!("TCP"));
        }),
        ("resource.k8s.io", "v1" | "v1beta2", _) => resource(kind, object),
        ("certificates.k8s.io", _, "PodCertificateRequest") => {
            if let Some(spec) = child(object, "spec") {
                default_unset(spec, "maxExpirationSeconds", json!(86400));
            }
        }
        ("authentication.k8s.io", "v1", "TokenRequest") => {
            if let Some(spec) = child(object, "spec") {
                default_unset(spec, "expirationSeconds", json!(3600));
            }
        }
        _ => {}
    }
}

/// resource.k8s.io (`pkg/apis/resource/v1/defaults.go`).
fn resource(kind: &str, object: &mut Object) {
    match kind {
        "ResourceClaim" => {
            if let Some(spec) = child(object, "spec") {
                claim_spec(spec);
            }
            if let Some(devices) = child(object, "status")
                .and_then(|status| present(status, "allocation"))
                .and_then(|allocation| child(allocation, "devices"))
            {
                each(devices, "results", |result| {
                    each(result, "tolerations", toleration)
                });
            }
        }
        "ResourceClaimTemplate" => {
            if let Some(spec) = child(object, "spec").and_then(|template| child(template, "spec")) {
                claim_spec(spec);
            }
        }
        "ResourceSlice" => {
            if let Some(spec) = child(object, "spec") {
                each(spec, "devices", |device| each(device, "taints", taint));
            }
        }
        "DeviceTaintRule" => {
            if let Some(taint_object) = child(object, "spec").and_then(|spec| child(spec, "taint"))
            {
                taint(taint_object);
            }
        }
        _ => {}
    }
}

/// The requests of a ResourceClaimSpec.
fn claim_spec(spec: &mut Object) {
    let Some(devices) = child(spec, "devices") else {
        return;
    };
    each(devices, "requests", |request| {
        if let Some(exactly) = present(request, "exactly") {
            device_request(exactly);
        }
        each(request, "firstAvailable", device_request);
    });
}

/// `SetDefaults_ExactDeviceRequest` / `SetDefaults_DeviceSubRequest` and their tolerations.
fn device_request(request: &mut Object) {
    default_zero(request, "allocationMode", json!("ExactCount"));
    if string(request, "allocationMode") == "ExactCount" {
        default_zero(request, "count", json!(1));
    }
    each(request, "tolerations", toleration);
}

/// A device toleration's operator defaults to Equal.
fn toleration(toleration: &mut Object) {
    default_zero(toleration, "operator", json!("Equal"));
}

/// `SetDefaults_DeviceTaint`: the time the taint was added is now, to the second.
fn taint(taint: &mut Object) {
    default_unset(taint, "timeAdded", json!(crate::rest::now_rfc3339()));
}
