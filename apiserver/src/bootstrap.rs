//! What a cluster has from its first start (upstream's `bootstrap-controller` and post-start
//! hooks): the `default`, `kube-system`, `kube-public` and `kube-node-lease` namespaces, the
//! `system-node-critical` and `system-cluster-critical` priority classes, and the
//! `default/kubernetes` Service with its Endpoints and EndpointSlice pointing at this API
//! server. Existing objects are kept; the endpoints follow
//! the address and port this server runs at.

use std::net::IpAddr;
use std::sync::Arc;

use ironkube_storage::object::{Preconditions, StorageError};
use serde_json::{Value, json};

use crate::rest::{CreateRequest, create_object};
use crate::server::AppState;
use crate::service_cidr::ServiceCidr;

/// Namespaces every cluster has.
pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// The priority classes upstream creates at start (`scheduling/bootstrap-system-priority-classes`).
const SYSTEM_PRIORITY_CLASSES: [(&str, i64, &str); 2] = [
    (
        "system-node-critical",
        2_000_001_000,
        "Used for system critical pods that must not be moved from their current node.",
    ),
    (
        "system-cluster-critical",
        2_000_000_000,
        "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    ),
];

/// Creates what is missing; logs (and goes on) when something cannot be created.
pub(crate) async fn ensure(
    state: &Arc<AppState>,
    host: IpAddr,
    port: u16,
    service_cidr: ServiceCidr,
) {
    let service_ip = service_cidr.first();
    for namespace in SYSTEM_NAMESPACES {
        create_if_missing(
            state,
            "",
            "namespaces",
            None,
            json!({ "metadata": { "name": namespace } }),
        )
        .await;
    }
    for (name, value, description) in SYSTEM_PRIORITY_CLASSES {
        create_if_missing(
            state,
            "scheduling.k8s.io",
            "priorityclasses",
            None,
            json!({
                "metadata": { "name": name },
                "value": value,
                "description": description,
                "preemptionPolicy": "PreemptLowerPriority",
            }),
        )
        .await;
    }
    // The default ServiceCIDR (upstream's `default-servicecidr` controller in the apiserver).
    create_if_missing(
        state,
        "networking.k8s.io",
        "servicecidrs",
        None,
        json!({
            "metadata": { "name": "kubernetes" },
            "spec": { "cidrs": [service_cidr.to_string()] },
        }),
    )
    .await;
    let family = if service_ip.is_ipv4() { "IPv4" } else { "IPv6" };
    create_if_missing(
        state,
        "",
        "services",
        Some("default"),
        json!({
            "metadata": {
                "name": "kubernetes",
                "labels": { "component": "apiserver", "provider": "kubernetes" },
            },
            "spec": {
                "type": "ClusterIP",
                "clusterIP": service_ip.to_string(),
                "clusterIPs": [service_ip.to_string()],
                "ipFamilies": [family],
                "ipFamilyPolicy": "SingleStack",
                "internalTrafficPolicy": "Cluster",
                "sessionAffinity": "None",
                "ports": [{ "name": "https", "port": 443, "protocol": "TCP", "targetPort": port }],
            },
        }),
    )
    .await;
    let endpoints = json!({
        "metadata": {
            "name": "kubernetes",
            "labels": { "endpointslice.kubernetes.io/skip-mirror": "true" },
        },
        "subsets": [{
            "addresses": [{ "ip": host.to_string() }],
            "ports": [{ "name": "https", "port": port, "protocol": "TCP" }],
        }],
    });
    reconcile(state, "", "endpoints", endpoints, &["subsets"]).await;
    let address_type = if host.is_ipv4() { "IPv4" } else { "IPv6" };
    let slice = json!({
        "metadata": {
            "name": "kubernetes",
            "labels": { "kubernetes.io/service-name": "kubernetes" },
        },
        "addressType": address_type,
        "endpoints": [{ "addresses": [host.to_string()], "conditions": { "ready": true } }],
        "ports": [{ "name": "https", "port": port, "protocol": "TCP" }],
    });
    reconcile(
        state,
        "discovery.k8s.io",
        "endpointslices",
        slice,
        &["addressType", "endpoints", "ports"],
    )
    .await;
}

/// Creates an object unless it exists.
async fn create_if_missing(
    state: &Arc<AppState>,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    object: Value,
) {
    let Some(info) = state
        .registry
        .resources()
        .iter()
        .filter(|r| r.group == group)
        .find(|r| r.resource == resource && r.preferred)
        .cloned()
    else {
        return;
    };
    let request = CreateRequest {
        namespace: namespace.map(str::to_string),
        object,
    };
    match create_object(state, &info, request).await {
        Ok(_) => tracing::info!(group, resource, ?namespace, "created a system object"),
        Err(status) if status.code == 409 => {}
        Err(status) => {
            tracing::warn!(message = %status.message, group, resource, "creating a system object failed")
        }
    }
}

/// Creates `default/kubernetes` of a resource, or brings `fields` of the existing one up to date.
async fn reconcile(
    state: &Arc<AppState>,
    group: &str,
    resource: &str,
    object: Value,
    fields: &[&str],
) {
    let Some(info) = state
        .registry
        .resources()
        .iter()
        .filter(|r| r.group == group)
        .find(|r| r.resource == resource && r.preferred)
        .cloned()
    else {
        return;
    };
    let Some(storage) = state.resources.get(&info).cloned() else {
        return;
    };
    let existing = storage
        .store()
        .get(Some("default"), "kubernetes", None)
        .await;
    match existing {
        Err(StorageError::NotFound { .. }) => {
            create_if_missing(state, group, resource, Some("default"), object).await;
        }
        Ok(current) => {
            let stale = fields
                .iter()
                .any(|f| current.value().get(*f) != object.get(*f));
            if !stale {
                return;
            }
            let updated = storage
                .store()
                .guaranteed_update(
                    Some("default"),
                    "kubernetes",
                    false,
                    &Preconditions::default(),
                    None,
                    |value: Option<Value>| {
                        let mut value = value.unwrap_or_else(|| object.clone());
                        for field in fields {
                            if let Some(v) = object.get(*field) {
                                value[*field] = v.clone();
                            }
                        }
                        std::future::ready(Ok::<Value, StorageError>(value))
                    },
                )
                .await;
            if let Err(err) = updated {
                tracing::warn!(error = %err, resource, "updating the kubernetes endpoints failed");
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, resource, "reading the kubernetes endpoints failed")
        }
    }
}
