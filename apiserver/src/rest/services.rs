//! Service ClusterIP and NodePort allocation (upstream's service REST with the
//! `MultiCIDRServiceAllocator` IP allocator, GA and locked on in v1.37).
//!
//! - A ClusterIP is taken by creating the `networking.k8s.io/v1` `IPAddress` object named by the
//!   address (labels `ipaddress.kubernetes.io/ip-family` and `ipaddress.kubernetes.io/managed-by:
//!   ipallocator.k8s.io`, `spec.parentRef` to the Service): the object's create is the atomic
//!   reservation, so two apiservers never hand out one address. Deleting the Service deletes it.
//! - A requested address must be in `--service-cluster-ip-range` and free; otherwise the first free
//!   address of a random probe of the upper part of the range (the lower part is kept for
//!   requested addresses, as upstream's static/dynamic split).
//! - NodePorts come from 30000–32767 (`--service-node-port-range`'s default), free among the
//!   Services there are. Upstream keeps a bitmap in etcd for them; here the Services themselves
//!   are the record, which one apiserver can consult safely.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use ironkube_apimachinery::{BadValue, FieldError, Status};
use ironkube_storage::object::{ListOptions, StorageError};
use serde_json::{Value, json};

use super::Ctx;
use super::write::{CreateRequest, create_object};
use crate::server::AppState;

/// The NodePort range (kube-apiserver's `--service-node-port-range` default).
const NODE_PORTS: std::ops::RangeInclusive<i64> = 30000..=32767;

/// Who manages the `IPAddress` objects of Services.
const MANAGED_BY: &str = "ipallocator.k8s.io";

/// What an allocation reserved, to undo it when the Service is not stored after all.
#[derive(Debug, Default)]
pub(super) struct Reserved {
    ips: Vec<String>,
}

pub(super) fn needs_cluster_ip(service: &Value) -> bool {
    service.pointer("/spec/type").and_then(Value::as_str) != Some("ExternalName")
        && service.pointer("/spec/clusterIP").and_then(Value::as_str) != Some("None")
}

pub(super) fn needs_node_ports(service: &Value) -> bool {
    matches!(
        service.pointer("/spec/type").and_then(Value::as_str),
        Some("NodePort" | "LoadBalancer")
    )
}

fn invalid(service: &Value, errors: &[FieldError]) -> Box<Status> {
    let name = service
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    Box::new(Status::invalid("", "Service", name, errors))
}

/// The addresses of `IPAddress` objects that exist (from memory).
async fn allocated_ips(state: &AppState) -> Result<HashSet<String>, Box<Status>> {
    let Some(info) = state
        .registry()
        .get("networking.k8s.io", "v1", "ipaddresses")
        .cloned()
    else {
        return Ok(HashSet::new());
    };
    let Some(storage) = state.resources.get(&info) else {
        return Ok(HashSet::new());
    };
    let options = ListOptions {
        resource_version: "0".to_string(),
        ..ListOptions::default()
    };
    let list = storage.cache.list(None, &options).await.map_err(|err| {
        Box::new(err.status(
            &ironkube_storage::object::GroupResource::new("networking.k8s.io", "ipaddresses"),
            "",
            "list",
        ))
    })?;
    Ok(list.items.iter().map(|o| o.name().to_string()).collect())
}

/// Creates the `IPAddress` reserving `ip` for `service`; `Ok(false)` when it is taken.
async fn reserve(
    state: &Arc<AppState>,
    ip: &str,
    family: &str,
    service: &Value,
) -> Result<bool, Box<Status>> {
    let Some(info) = state
        .registry()
        .get("networking.k8s.io", "v1", "ipaddresses")
        .cloned()
    else {
        return Ok(true);
    };
    let object = json!({
        "metadata": {
            "name": ip,
            "labels": {
                "ipaddress.kubernetes.io/ip-family": family,
                "ipaddress.kubernetes.io/managed-by": MANAGED_BY,
            },
        },
        "spec": {
            "parentRef": {
                "group": "",
                "resource": "services",
                "namespace": service.pointer("/metadata/namespace").cloned().unwrap_or(Value::Null),
                "name": service.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
            },
        },
    });
    // Boxed: creating the IPAddress goes through the create path a Service create is in.
    let created = Box::pin(create_object(
        state,
        &info,
        CreateRequest {
            namespace: None,
            object,
        },
    ))
    .await;
    match created {
        Ok(_) => Ok(true),
        Err(status) if status.code == 409 => Ok(false),
        Err(status) => Err(status),
    }
}

/// Gives a new Service its ClusterIP(s) and NodePorts, reserving the address (except in a dry
/// run). The Service is at `v1`, prepared and validated.
pub(super) async fn allocate(ctx: &Ctx, service: &mut Value) -> Result<Reserved, Box<Status>> {
    let reserved = allocate_cluster_ip(ctx, service).await?;
    if needs_node_ports(service) {
        let used = used_node_ports(ctx).await?;
        if let Err(errors) = assign_node_ports(service, None, &used) {
            release(&ctx.state, &reserved).await;
            return Err(invalid(service, &errors));
        }
    }
    Ok(reserved)
}

/// Gives a Service that needs one its ClusterIP (the requested one or a free one), reserving
/// the address except in a dry run; a headless Service gets `clusterIPs: [None]`.
pub(super) async fn allocate_cluster_ip(
    ctx: &Ctx,
    service: &mut Value,
) -> Result<Reserved, Box<Status>> {
    let cidr = ctx.state.service_cidr;
    let mut reserved = Reserved::default();
    if needs_cluster_ip(service) {
        let requested = service
            .pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            .filter(|ip| !ip.is_empty())
            .map(str::to_string);
        let taken = allocated_ips(&ctx.state).await?;
        let ip = match requested {
            Some(text) => {
                let field_error = |detail: String| {
                    FieldError::invalid(
                        "spec.clusterIPs",
                        BadValue::Json(json!([text.clone()])),
                        detail,
                    )
                };
                let ip: IpAddr = text.parse().map_err(|_| {
                    invalid(service, &[field_error(format!("failed to allocate IP {text}: the provided IP ({text}) is not a valid IP"))])
                })?;
                if cidr.offset(ip).is_none() {
                    // No Service CIDR's allocator holds it (upstream's ErrMismatchedNetwork).
                    return Err(invalid(
                        service,
                        &[field_error(format!(
                            "failed to allocate IP {ip}: the provided network does not match the current range"
                        ))],
                    ));
                }
                if !cidr.assignable(ip) {
                    return Err(invalid(
                        service,
                        &[field_error(format!(
                            "failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {cidr}"
                        ))],
                    ));
                }
                let name = ip.to_string();
                let free = !taken.contains(&name)
                    && (ctx.dry_run || reserve(&ctx.state, &name, cidr.family(), service).await?);
                if !free {
                    return Err(invalid(
                        service,
                        &[field_error(format!(
                            "failed to allocate IP {ip}: provided IP is already allocated"
                        ))],
                    ));
                }
                if !ctx.dry_run {
                    reserved.ips.push(name);
                }
                ip
            }
            None => {
                let size = cidr.size();
                // Upstream keeps the lower part of the range for requested addresses.
                let static_band = (size / 16).clamp(16, 256).min(size / 2);
                let mut found = None;
                for attempt in 0..64u64 {
                    let offset = if attempt < 48 && size > static_band + 2 {
                        static_band + fastrand::u64(..size - static_band - 1)
                    } else {
                        1 + fastrand::u64(..size.saturating_sub(2).max(1))
                    };
                    let ip = cidr.nth(offset);
                    let name = ip.to_string();
                    if !cidr.assignable(ip) || taken.contains(&name) {
                        continue;
                    }
                    if ctx.dry_run || reserve(&ctx.state, &name, cidr.family(), service).await? {
                        if !ctx.dry_run {
                            reserved.ips.push(name);
                        }
                        found = Some(ip);
                        break;
                    }
                }
                let Some(ip) = found else {
                    return Err(Box::new(Status::internal_error(
                        "failed to allocate a serviceIP: range is full",
                    )));
                };
                ip
            }
        };
        let spec = &mut service["spec"];
        spec["clusterIP"] = json!(ip.to_string());
        spec["clusterIPs"] = json!([ip.to_string()]);
        spec["ipFamilies"] = json!([cidr.family()]);
        if spec.get("ipFamilyPolicy").is_none_or(Value::is_null) {
            spec["ipFamilyPolicy"] = json!("SingleStack");
        }
    } else if service.pointer("/spec/clusterIP").and_then(Value::as_str) == Some("None") {
        let spec = &mut service["spec"];
        spec["clusterIPs"] = json!(["None"]);
        if spec.get("ipFamilies").is_none_or(Value::is_null) {
            spec["ipFamilies"] = json!([cidr.family()]);
        }
        if spec.get("ipFamilyPolicy").is_none_or(Value::is_null) {
            spec["ipFamilyPolicy"] = json!("SingleStack");
        }
    }
    Ok(reserved)
}

/// The ClusterIP fields an allocation gave `allocated`, onto `service`.
pub(super) fn take_cluster_ip(service: &mut Value, allocated: &Value) {
    for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
        if let Some(value) = allocated.pointer(&format!("/spec/{field}"))
            && service.get("spec").is_some_and(Value::is_object)
        {
            service["spec"][field] = value.clone();
        }
    }
}

/// Whether an updated Service needs a ClusterIP it does not have (it became a ClusterIP,
/// NodePort or LoadBalancer Service: upstream allocates on such an update).
pub(super) fn lacks_cluster_ip(service: &Value) -> bool {
    needs_cluster_ip(service)
        && service
            .pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
}

/// Frees the addresses `old` held that `new` no longer has (a Service that became
/// ExternalName, or headless).
pub(super) async fn release_dropped(state: &Arc<AppState>, old: &Value, new: &Value) {
    let ips = |service: &Value| -> Vec<String> {
        service
            .pointer("/spec/clusterIPs")
            .and_then(Value::as_array)
            .map(|ips| {
                ips.iter()
                    .filter_map(Value::as_str)
                    .filter(|ip| *ip != "None")
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let kept = ips(new);
    for ip in ips(old) {
        if !kept.contains(&ip) {
            delete_ip(state, &ip).await;
        }
    }
}

/// NodePorts of every Service there is: a consistent read, under `service_writes`.
pub(super) async fn used_node_ports(ctx: &Ctx) -> Result<HashSet<i64>, Box<Status>> {
    let options = ListOptions::default();
    let list = ctx
        .storage
        .cache
        .list(None, &options)
        .await
        .map_err(|err| Box::new(ctx.storage_status(&err, "list")))?;
    Ok(list
        .items
        .iter()
        .flat_map(|svc| {
            svc.value()
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|port| port.get("nodePort").and_then(Value::as_i64))
        .collect())
}

/// Gives every port of a NodePort/LoadBalancer Service a node port: the one it asks for (if
/// free), the one `old` had for the same port, or a free one. `used` are the ports taken
/// (including `old`'s own, which stay its).
pub(super) fn assign_node_ports(
    service: &mut Value,
    old: Option<&Value>,
    used: &HashSet<i64>,
) -> Result<(), Vec<FieldError>> {
    let old_ports: Vec<Value> = old
        .and_then(|o| o.pointer("/spec/ports"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let own: HashSet<i64> = old_ports
        .iter()
        .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
        .collect();
    let mut taken: HashSet<i64> = used.difference(&own).copied().collect();
    let mut errors = Vec::new();
    let Some(ports) = service
        .pointer_mut("/spec/ports")
        .and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    for (i, port) in ports.iter_mut().enumerate() {
        let field = format!("spec.ports[{i}].nodePort");
        match port
            .get("nodePort")
            .and_then(Value::as_i64)
            .filter(|p| *p != 0)
        {
            Some(asked) => {
                if !NODE_PORTS.contains(&asked) {
                    errors.push(FieldError::invalid(field, asked, format!(
                        "provided port is not in the valid range. The range of valid ports is {}-{}",
                        NODE_PORTS.start(),
                        NODE_PORTS.end()
                    )));
                } else if !taken.insert(asked) {
                    errors.push(FieldError::invalid(
                        field,
                        asked,
                        "provided port is already allocated",
                    ));
                }
            }
            None => {
                let same = old_ports.iter().find(|o| {
                    o.get("port") == port.get("port") && o.get("protocol") == port.get("protocol")
                });
                let kept = same
                    .and_then(|o| o.get("nodePort").and_then(Value::as_i64))
                    .filter(|p| !taken.contains(p));
                let chosen = kept.or_else(|| {
                    let span = NODE_PORTS.end() - NODE_PORTS.start() + 1;
                    let start = fastrand::i64(0..span);
                    (0..span)
                        .map(|k| NODE_PORTS.start() + (start + k) % span)
                        .find(|p| !taken.contains(p))
                });
                match chosen {
                    Some(p) => {
                        taken.insert(p);
                        port["nodePort"] = json!(p);
                    }
                    None => errors.push(FieldError::invalid(field, 0i64, "range is full")),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What an update keeps of the stored Service's allocation (upstream's
/// `patchAllocatedValues`): a ClusterIP the client left out stays.
pub(super) fn keep_allocated(new: &mut Value, old: &Value) {
    // An ExternalName Service has no ClusterIP to keep (upstream's `needsClusterIP`).
    if !needs_cluster_ip(new) {
        return;
    }
    for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
        let missing = new
            .pointer(&format!("/spec/{field}"))
            .is_none_or(|v| v.is_null() || v.as_str() == Some(""));
        if missing
            && let Some(value) = old.pointer(&format!("/spec/{field}"))
            && new.get("spec").is_some_and(Value::is_object)
        {
            new["spec"][field] = value.clone();
        }
    }
}

/// Undoes a reservation.
pub(super) async fn release(state: &Arc<AppState>, reserved: &Reserved) {
    for ip in &reserved.ips {
        delete_ip(state, ip).await;
    }
}

/// Frees what a deleted Service held.
pub(super) async fn release_service(state: &Arc<AppState>, service: &Value) {
    let ips: Vec<String> = service
        .pointer("/spec/clusterIPs")
        .and_then(Value::as_array)
        .map(|ips| {
            ips.iter()
                .filter_map(|ip| ip.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for ip in ips.iter().filter(|ip| ip.as_str() != "None") {
        delete_ip(state, ip).await;
    }
}

async fn delete_ip(state: &Arc<AppState>, ip: &str) {
    let Some(info) = state
        .registry()
        .get("networking.k8s.io", "v1", "ipaddresses")
        .cloned()
    else {
        return;
    };
    let Some(storage) = state.resources.get(&info) else {
        return;
    };
    match storage
        .store()
        .delete(None, ip, &Default::default(), None, |_: &Value| {
            Ok::<(), StorageError>(())
        })
        .await
    {
        Ok(_) | Err(StorageError::NotFound { .. }) => {}
        Err(err) => tracing::warn!(%ip, error = %err, "releasing a Service IP failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ports_are_kept_assigned_and_checked() {
        let mut svc = json!({"spec": {"type": "NodePort", "ports": [{"port": 80, "protocol": "TCP"}, {"port": 81, "protocol": "TCP", "nodePort": 30001}]}});
        let used: HashSet<i64> = [30002].into_iter().collect();
        assign_node_ports(&mut svc, None, &used).unwrap();
        let first = svc["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
        assert!(NODE_PORTS.contains(&first) && first != 30001 && first != 30002);
        // An update keeps the old port of the same port/protocol.
        let old = svc.clone();
        let mut update =
            json!({"spec": {"type": "NodePort", "ports": [{"port": 80, "protocol": "TCP"}]}});
        let used: HashSet<i64> = [first, 30001].into_iter().collect();
        assign_node_ports(&mut update, Some(&old), &used).unwrap();
        assert_eq!(update["spec"]["ports"][0]["nodePort"], first);
        // Taken and out-of-range ports are refused with upstream's words.
        let mut clash = json!({"spec": {"type": "NodePort", "ports": [{"port": 1, "nodePort": 30001}, {"port": 2, "nodePort": 80}]}});
        let errors = assign_node_ports(&mut clash, None, &used).unwrap_err();
        assert_eq!(
            errors[0].body(),
            "Invalid value: 30001: provided port is already allocated"
        );
        assert!(
            errors[1]
                .body()
                .contains("The range of valid ports is 30000-32767")
        );
    }
}
