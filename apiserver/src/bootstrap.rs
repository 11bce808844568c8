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
        .registry()
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
        .registry()
        .resources()
        .iter()
        .filter(|r| r.group == group)
        .find(|r| r.resource == resource && r.preferred)
        .cloned()
    else {
        return;
    };
    let Some(storage) = state.resources.get(&info) else {
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

/// How often the identity lease is renewed (upstream's `IdentityLeaseRenewIntervalPeriod`).
const IDENTITY_LEASE_RENEW: std::time::Duration = std::time::Duration::from_secs(10);

/// The identity lease's duration (upstream's `IdentityLeaseDurationSeconds`).
const IDENTITY_LEASE_SECONDS: i64 = 3600;

/// This server's identity (upstream's `APIServerID`): `apiserver-` and the lower-case,
/// unpadded base32 of the first 16 bytes of the SHA-256 of the length-prefixed hostname and
/// `kube-apiserver`.
pub(crate) fn apiserver_id(hostname: &str) -> String {
    use sha2::Digest;
    let mut data = Vec::new();
    for part in [hostname.as_bytes(), b"kube-apiserver".as_slice()] {
        let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
        data.extend_from_slice(&len.to_be_bytes());
        data.extend_from_slice(&part[..usize::from(len)]);
    }
    let hash = sha2::Sha256::digest(&data);
    format!("apiserver-{}", base32_lower(&hash[..16]))
}

/// RFC 4648 base32 without padding, in lower case.
fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The machine's hostname (`/proc/sys/kernel/hostname`), as Go's `os.Hostname`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}

/// Keeps this server's identity Lease in `kube-system` (upstream's
/// `start-kube-apiserver-identity-lease-controller`): created at start with a fresh holder
/// identity, renewed every 10 s until shutdown.
pub(crate) fn spawn_identity_lease(state: Arc<AppState>) {
    let host = hostname();
    let id = apiserver_id(&host);
    let holder = format!("{id}_{}", uuid::Uuid::new_v4());
    let mut shutdown = state.shutdown.subscribe();
    tokio::spawn(async move {
        loop {
            renew_identity_lease(&state, &id, &holder, &host).await;
            tokio::select! {
                () = tokio::time::sleep(IDENTITY_LEASE_RENEW) => {}
                _ = shutdown.wait_for(|down| *down) => return,
            }
        }
    });
}

async fn renew_identity_lease(state: &Arc<AppState>, id: &str, holder: &str, host: &str) {
    let Some(info) = state
        .registry()
        .get("coordination.k8s.io", "v1", "leases")
        .cloned()
    else {
        return;
    };
    let Some(storage) = state.resources.get(&info) else {
        return;
    };
    let now = time::OffsetDateTime::now_utc();
    let renew_time = format!(
        "{}.{:06}Z",
        crate::rest::rfc3339(now).trim_end_matches('Z'),
        now.microsecond()
    );
    let labels = json!({
        "apiserver.kubernetes.io/identity": "kube-apiserver",
        "kubernetes.io/hostname": host,
    });
    let spec = json!({
        "holderIdentity": holder,
        "leaseDurationSeconds": IDENTITY_LEASE_SECONDS,
        "renewTime": renew_time,
    });
    let updated = storage
        .store()
        .guaranteed_update(
            Some("kube-system"),
            id,
            false,
            &Preconditions::default(),
            None,
            |current: Option<Value>| {
                let mut lease = current.unwrap_or_default();
                lease["metadata"]["labels"] = labels.clone();
                lease["spec"] = spec.clone();
                std::future::ready(Ok::<Value, StorageError>(lease))
            },
        )
        .await;
    match updated {
        Ok(_) => {}
        Err(StorageError::NotFound { .. }) => {
            let request = CreateRequest {
                namespace: Some("kube-system".to_string()),
                object: json!({
                    "metadata": { "name": id, "labels": labels },
                    "spec": spec,
                }),
            };
            if let Err(status) = create_object(state, &info, request).await {
                tracing::warn!(message = %status.message, "creating the identity lease failed");
            }
        }
        Err(err) => tracing::warn!(error = %err, "renewing the identity lease failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_upstreams_hash_of_the_hostname() {
        // The base32 alphabet and length (26 characters for 16 bytes).
        assert_eq!(base32_lower(&[0xff; 5]), "77777777");
        assert_eq!(base32_lower(b"f"), "my");
        let id = apiserver_id("node-1");
        assert!(
            id.starts_with("apiserver-") && id.len() == "apiserver-".len() + 26,
            "{id}"
        );
    }
}
