//! The smaller groups: scheduling, discovery, resource, certificates and authentication.

use std::time::{SystemTime, UNIX_EPOCH};

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
    default_unset(taint, "timeAdded", json!(now_rfc3339()));
}

/// The current UTC time as Go's metav1.Time writes it (RFC 3339, whole seconds).
fn now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
