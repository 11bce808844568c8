//! The endpoints controller (upstream's `pkg/controller/endpoint`): for every Service with a
//! selector, an Endpoints object of the same name listing the selected pods' addresses, ready
//! ones in `addresses` and the others in `notReadyAddresses` (all in `addresses` with
//! `publishNotReadyAddresses`), grouped into subsets by the ports they serve (named target
//! ports resolved per pod), truncated at 1000 addresses. Selector-less services keep the
//! Endpoints their owners write; a deleted Service's Endpoints are deleted.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service,
};
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::runtime::controller::Action;

use crate::controller_utils::run_queue;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Resource as _, ResourceExt as _};

use crate::Context;
use crate::endpointutil::{
    self, LAST_CHANGE_TRIGGER_TIME, PodServiceIndex, TriggerTimeTracker, is_pod_ready,
};
use crate::informer::{informer, merge, touched, triggers};
use crate::reconcile::{ReconcileError, error_policy};

const NAME: &str = "endpoints-controller";
/// The label naming the controller that manages an Endpoints object.
const MANAGED_BY_LABEL: &str = "endpoints.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY_LABEL`] for this controller.
const CONTROLLER_NAME: &str = "endpoint-controller";
/// The annotation set when addresses were left out.
const OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";
/// The most addresses one Endpoints object holds.
const MAX_CAPACITY: usize = 1000;
/// The legacy headless label Endpoints carry.
const HEADLESS_LABEL: &str = endpointutil::HEADLESS_LABEL;

/// What the reconciler reads.
struct State {
    ctx: Context,
    pods: Store<Pod>,
    endpoints: Store<Endpoints>,
    trigger_times: TriggerTimeTracker,
}

pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let services = informer(
        &ctx,
        Api::<Service>::all(client.clone()),
        watcher::Config::default(),
    );
    let pods = informer(
        &ctx,
        Api::<Pod>::all(client.clone()),
        watcher::Config::default(),
    );
    let endpoints = informer(
        &ctx,
        Api::<Endpoints>::all(client.clone()),
        watcher::Config::default(),
    );
    let concurrency = ctx.options.concurrent_endpoint_syncs;
    let state = Arc::new(State {
        ctx,
        pods: pods.store.clone(),
        endpoints: endpoints.store.clone(),
        trigger_times: TriggerTimeTracker::default(),
    });
    let on_service = {
        let state = state.clone();
        move |event: &watcher::Event<Service>| match event {
            watcher::Event::Delete(svc) => {
                delete_endpoints_of(&state, svc);
                Vec::new()
            }
            other => touched(other)
                .map(|svc| vec![ObjectRef::from_obj(svc)])
                .unwrap_or_default(),
        }
    };
    let on_pod = PodServiceIndex::pod_triggers(services.store.clone());
    // A deleted Endpoints object is written again (upstream watches only deletions).
    let on_endpoints = |event: &watcher::Event<Endpoints>| match event {
        watcher::Event::Delete(ep) => vec![
            ObjectRef::<Service>::new(&ep.name_any()).within(&ep.namespace().unwrap_or_default()),
        ],
        _ => Vec::new(),
    };
    let queue = merge(vec![
        triggers(services.events, on_service),
        triggers(pods.events, on_pod),
        triggers(endpoints.events, on_endpoints),
    ]);
    let policy = error_policy::<Service>(NAME);
    run_queue(
        services.store,
        queue,
        reconcile,
        move |svc, err, state: Arc<State>| policy(svc, err, Arc::new(state.ctx.clone())),
        state,
        concurrency,
    )
    .await;
}

/// Deletes the Endpoints of a deleted Service (upstream: the lister no longer has it).
fn delete_endpoints_of(state: &Arc<State>, svc: &Service) {
    let namespace = svc.namespace().unwrap_or_default();
    let name = svc.name_any();
    state.trigger_times.delete(&namespace, &name);
    let api = Api::<Endpoints>::namespaced(state.ctx.client.clone(), &namespace);
    tokio::spawn(async move {
        match api.delete(&name, &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(err) => {
                tracing::warn!(controller = NAME, %err, service = %name, "deleting the Endpoints of a deleted Service")
            }
        }
    });
}

/// One address with its readiness, keyed as upstream's repacking does (IP and pod UID).
type AddressKey = (String, String);
/// A port as upstream compares them.
type PortKey = (String, i32, String, Option<String>);

async fn reconcile(svc: Arc<Service>, state: Arc<State>) -> Result<Action, ReconcileError> {
    let ctx = &state.ctx;
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    let _ = crate::shared_informer::wait_synced(&state.pods).await;
    let _ = crate::shared_informer::wait_synced(&state.endpoints).await;
    let Some(spec) = svc.spec.as_ref() else {
        return Ok(Action::await_change());
    };
    if spec.type_.as_deref() == Some("ExternalName") {
        return Ok(Action::await_change());
    }
    let Some(selector) = spec.selector.as_ref() else {
        return Ok(Action::await_change());
    };
    let namespace = svc.namespace().unwrap_or_default();
    let name = svc.name_any();
    let all_pods = state.pods.state();
    let pods: Vec<&Pod> = all_pods
        .iter()
        .map(|p| &**p)
        .filter(|p| p.namespace().as_deref() == Some(namespace.as_str()))
        .filter(|p| endpointutil::selects(selector, p.labels()))
        .collect();
    let trigger = state.trigger_times.compute(&svc, &pods);
    let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false);
    let mut entries: Vec<(EndpointAddress, Option<EndpointPort>, bool)> = Vec::new();
    for pod in &pods {
        if !endpointutil::should_pod_be_in_endpoints(pod, publish_not_ready) {
            continue;
        }
        let Some(mut address) = address_for(&svc, pod) else {
            continue;
        };
        if endpointutil::should_set_hostname(pod, &svc) {
            address.hostname = pod.spec.as_ref().and_then(|s| s.hostname.clone());
        }
        let ready = publish_not_ready || is_pod_ready(pod);
        let ports = spec.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            if spec.cluster_ip.as_deref() == Some("None") {
                entries.push((address, None, ready));
            }
            continue;
        }
        for port in ports {
            let Some(number) = endpointutil::find_port(pod, port) else {
                continue;
            };
            let endpoint_port = EndpointPort {
                name: port.name.clone(),
                port: number,
                protocol: port.protocol.clone(),
                app_protocol: port.app_protocol.clone(),
            };
            entries.push((address.clone(), Some(endpoint_port), ready));
        }
    }
    let subsets = repack(entries);
    let current = state
        .endpoints
        .get(&ObjectRef::<Endpoints>::new(&name).within(&namespace));
    let mut labels = svc.labels().clone();
    if endpointutil::is_service_ip_set(&svc) {
        labels.remove(HEADLESS_LABEL);
    } else {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    if let Some(current) = &current {
        let current_subsets = repack(flatten(current.subsets.as_deref().unwrap_or_default()));
        if current_subsets == subsets
            && labels_correct(current.labels(), svc.labels())
            && capacity_annotation_correct(current)
        {
            return Ok(Action::await_change());
        }
    }
    let mut endpoints = current.as_deref().cloned().unwrap_or_else(|| Endpoints {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.clone()),
            ..ObjectMeta::default()
        },
        ..Endpoints::default()
    });
    let annotations = endpoints.annotations_mut();
    match trigger.time {
        Some(t) => {
            annotations.insert(
                LAST_CHANGE_TRIGGER_TIME.into(),
                endpointutil::format_trigger_time(t),
            );
        }
        None => {
            annotations.remove(LAST_CHANGE_TRIGGER_TIME);
        }
    }
    let (subsets, truncated) = truncate(subsets);
    if truncated {
        annotations.insert(OVER_CAPACITY.into(), "truncated".into());
    } else {
        annotations.remove(OVER_CAPACITY);
    }
    endpoints.metadata.labels = Some(labels);
    endpoints.subsets = (!subsets.is_empty()).then_some(subsets);
    let api = Api::<Endpoints>::namespaced(ctx.client.clone(), &namespace);
    let written = if current.is_some() {
        api.replace(&name, &PostParams::default(), &endpoints)
            .await
            .map(|_| ())
    } else {
        api.create(&PostParams::default(), &endpoints)
            .await
            .map(|_| ())
    };
    if written.is_err() {
        state.trigger_times.undo(trigger);
    }
    match written {
        Ok(()) => Ok(Action::await_change()),
        Err(kube::Error::Api(status))
            if current.is_none() && status.code == 403 && status.message.contains("terminat") =>
        {
            Ok(Action::await_change())
        }
        Err(err) => {
            let (reason, note) = if current.is_some() {
                (
                    "FailedToUpdateEndpoint",
                    format!("Failed to update endpoint {namespace}/{name}: {err}"),
                )
            } else {
                (
                    "FailedToCreateEndpoint",
                    format!("Failed to create endpoint for service {namespace}/{name}: {err}"),
                )
            };
            let conflict = matches!(&err, kube::Error::Api(s) if s.code == 409);
            if !conflict {
                let _ = ctx
                    .recorder(CONTROLLER_NAME)
                    .publish(
                        &kube::runtime::events::Event {
                            type_: kube::runtime::events::EventType::Warning,
                            reason: reason.into(),
                            note: Some(note),
                            action: "Sync".into(),
                            secondary: None,
                        },
                        &endpoints.object_ref(&()),
                    )
                    .await;
            }
            Err(err.into())
        }
    }
}

/// The address of `pod` for the service's (first) IP family, with its node and reference.
fn address_for(svc: &Service, pod: &Pod) -> Option<EndpointAddress> {
    let spec = svc.spec.as_ref();
    let families = spec
        .and_then(|s| s.ip_families.as_deref())
        .unwrap_or_default();
    let ips = endpointutil::pod_ips(pod);
    let want_v6 = match families.first() {
        Some(family) => family == "IPv6",
        None => match spec.and_then(|s| s.cluster_ip.as_deref()) {
            Some(ip) if !ip.is_empty() && ip != "None" => endpointutil::is_ipv6(ip),
            _ => ips.first().is_some_and(|ip| endpointutil::is_ipv6(ip)),
        },
    };
    let ip = ips
        .iter()
        .find(|ip| endpointutil::is_ipv6(ip) == want_v6)
        .map(|ip| endpointutil::canonical_ip(ip))?;
    Some(EndpointAddress {
        ip,
        hostname: None,
        node_name: Some(
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.clone())
                .unwrap_or_default(),
        ),
        target_ref: Some(ObjectReference {
            kind: Some("Pod".into()),
            namespace: pod.namespace(),
            name: Some(pod.name_any()),
            uid: pod.uid(),
            ..ObjectReference::default()
        }),
    })
}

/// Every (address, port, ready) of existing subsets, to compare them after repacking.
fn flatten(subsets: &[EndpointSubset]) -> Vec<(EndpointAddress, Option<EndpointPort>, bool)> {
    let mut entries = Vec::new();
    for subset in subsets {
        let ports: Vec<Option<EndpointPort>> = match subset.ports.as_deref() {
            Some(ports) if !ports.is_empty() => ports.iter().cloned().map(Some).collect(),
            _ => vec![None],
        };
        for port in &ports {
            for (list, ready) in [
                (&subset.addresses, true),
                (&subset.not_ready_addresses, false),
            ] {
                for address in list.iter().flatten() {
                    let mut address = address.clone();
                    // Pods' resource versions do not matter (upstream ignores them).
                    if let Some(r) = address.target_ref.as_mut() {
                        r.resource_version = None;
                    }
                    entries.push((address, port.clone(), ready));
                }
            }
        }
    }
    entries
}

/// Upstream's `RepackSubsets`: addresses grouped by the set of ports they serve, an address
/// not ready on any port being not ready on it; subsets, addresses and ports sorted.
fn repack(entries: Vec<(EndpointAddress, Option<EndpointPort>, bool)>) -> Vec<EndpointSubset> {
    let mut addresses: HashMap<AddressKey, EndpointAddress> = HashMap::new();
    let mut by_port: BTreeMap<Option<PortKey>, BTreeMap<AddressKey, bool>> = BTreeMap::new();
    for (address, port, ready) in entries {
        let key = (
            address.ip.clone(),
            address
                .target_ref
                .as_ref()
                .and_then(|r| r.uid.clone())
                .unwrap_or_default(),
        );
        addresses.entry(key.clone()).or_insert(address);
        let port_key = port.map(|p| {
            (
                p.name.unwrap_or_default(),
                p.port,
                p.protocol.unwrap_or_default(),
                p.app_protocol,
            )
        });
        let set = by_port.entry(port_key).or_default();
        let was = set.entry(key).or_insert(ready);
        *was = *was && ready;
    }
    let mut groups: BTreeMap<Vec<(AddressKey, bool)>, Vec<PortKey>> = BTreeMap::new();
    for (port, set) in by_port {
        let group = groups.entry(set.into_iter().collect()).or_default();
        if let Some(port) = port {
            group.push(port);
        }
    }
    groups
        .into_iter()
        .map(|(set, ports)| {
            let mut ready = Vec::new();
            let mut not_ready = Vec::new();
            for (key, is_ready) in set {
                if let Some(address) = addresses.get(&key) {
                    if is_ready {
                        ready.push(address.clone());
                    } else {
                        not_ready.push(address.clone());
                    }
                }
            }
            EndpointSubset {
                addresses: (!ready.is_empty()).then_some(ready),
                not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                ports: (!ports.is_empty()).then(|| {
                    ports
                        .into_iter()
                        .map(|(name, port, protocol, app_protocol)| EndpointPort {
                            name: (!name.is_empty()).then_some(name),
                            port,
                            protocol: (!protocol.is_empty()).then_some(protocol),
                            app_protocol,
                        })
                        .collect()
                }),
            }
        })
        .collect()
}

/// Upstream's `labelsCorrectForEndpoints`.
fn labels_correct(current: &BTreeMap<String, String>, service: &BTreeMap<String, String>) -> bool {
    if current.get(MANAGED_BY_LABEL).map(String::as_str) != Some(CONTROLLER_NAME) {
        return false;
    }
    let mut skipped = 0;
    for (k, v) in current {
        if k == HEADLESS_LABEL || k == MANAGED_BY_LABEL {
            skipped += 1;
        } else if service.get(k) != Some(v) {
            return false;
        }
    }
    service.len() + skipped == current.len()
}

/// Upstream's `capacityAnnotationSetCorrectly`.
fn capacity_annotation_correct(endpoints: &Endpoints) -> bool {
    if count(endpoints.subsets.as_deref().unwrap_or_default()) > MAX_CAPACITY {
        return false;
    }
    !endpoints.annotations().contains_key(OVER_CAPACITY)
}

fn count(subsets: &[EndpointSubset]) -> usize {
    subsets
        .iter()
        .map(|s| {
            s.addresses.as_ref().map_or(0, Vec::len)
                + s.not_ready_addresses.as_ref().map_or(0, Vec::len)
        })
        .sum()
}

/// Upstream's `truncateEndpoints`: at most 1000 addresses, shared out over the subsets in
/// proportion, ready ones first; whether any were left out.
fn truncate(mut subsets: Vec<EndpointSubset>) -> (Vec<EndpointSubset>, bool) {
    let total_ready: usize = subsets
        .iter()
        .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
        .sum();
    let total_not_ready: usize = subsets
        .iter()
        .map(|s| s.not_ready_addresses.as_ref().map_or(0, Vec::len))
        .sum();
    if total_ready + total_not_ready <= MAX_CAPACITY {
        return (subsets, false);
    }
    let truncate_ready = total_ready > MAX_CAPACITY;
    let (max, total) = if truncate_ready {
        (MAX_CAPACITY, total_ready)
    } else {
        (MAX_CAPACITY - total_ready, total_not_ready)
    };
    let mut can_be_added = max;
    for subset in &mut subsets {
        let in_subset = if truncate_ready {
            subset.addresses.as_ref().map_or(0, Vec::len)
        } else {
            subset.not_ready_addresses.as_ref().map_or(0, Vec::len)
        };
        let share = (in_subset * max).div_ceil(total).min(can_be_added);
        if truncate_ready {
            if let Some(list) = subset.addresses.as_mut() {
                list.truncate(share);
                can_be_added -= list.len();
            }
            subset.not_ready_addresses = None;
        } else if let Some(list) = subset.not_ready_addresses.as_mut() {
            list.truncate(share);
            can_be_added -= list.len();
        }
    }
    (subsets, true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn address(ip: &str, uid: &str) -> EndpointAddress {
        EndpointAddress {
            ip: ip.into(),
            target_ref: Some(ObjectReference {
                uid: Some(uid.into()),
                ..ObjectReference::default()
            }),
            ..EndpointAddress::default()
        }
    }

    fn port(name: &str, number: i32) -> Option<EndpointPort> {
        Some(EndpointPort {
            name: Some(name.into()),
            port: number,
            protocol: Some("TCP".into()),
            app_protocol: None,
        })
    }

    #[test]
    fn addresses_serving_the_same_ports_share_a_subset() {
        let subsets = repack(vec![
            (address("10.0.0.2", "b"), port("http", 80), true),
            (address("10.0.0.2", "b"), port("https", 443), true),
            (address("10.0.0.1", "a"), port("http", 80), true),
            (address("10.0.0.1", "a"), port("https", 443), true),
            (address("10.0.0.3", "c"), port("http", 8080), false),
        ]);
        assert_eq!(subsets.len(), 2);
        let both = subsets
            .iter()
            .find(|s| s.ports.as_ref().unwrap().len() == 2)
            .unwrap();
        let ips: Vec<_> = both
            .addresses
            .as_ref()
            .unwrap()
            .iter()
            .map(|a| a.ip.as_str())
            .collect();
        assert_eq!(ips, ["10.0.0.1", "10.0.0.2"]);
        let other = subsets
            .iter()
            .find(|s| s.ports.as_ref().unwrap().len() == 1)
            .unwrap();
        assert!(other.addresses.is_none());
        assert_eq!(other.not_ready_addresses.as_ref().unwrap().len(), 1);
        // Repacking what was written gives the same.
        let again = repack(flatten(&subsets));
        assert_eq!(again, subsets);
    }

    #[test]
    fn over_capacity_keeps_ready_addresses_first() {
        let ready: Vec<_> = (0..900)
            .map(|i| address(&format!("10.0.{}.{}", i / 250, i % 250), &i.to_string()))
            .collect();
        let not_ready: Vec<_> = (0..300)
            .map(|i| address(&format!("10.1.{}.{}", i / 250, i % 250), &i.to_string()))
            .collect();
        let (subsets, truncated) = truncate(vec![EndpointSubset {
            addresses: Some(ready),
            not_ready_addresses: Some(not_ready),
            ports: None,
        }]);
        assert!(truncated);
        assert_eq!(subsets[0].addresses.as_ref().unwrap().len(), 900);
        assert_eq!(subsets[0].not_ready_addresses.as_ref().unwrap().len(), 100);
        assert_eq!(count(&subsets), 1000);
    }
}
