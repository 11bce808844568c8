//! The EndpointSlice controller (upstream's `pkg/controller/endpointslice` with the reconciler
//! of `k8s.io/endpointslice`): for every Service with a selector, EndpointSlices (named
//! `<service>-<random>`, owned by the Service) listing the selected pods per address family
//! and per set of resolved ports, at most `--max-endpoints-per-slice` endpoints each, with
//! the ready/serving/terminating conditions, node name and zone. Existing slices are updated
//! in place, emptied ones reused or deleted, and a Service with no endpoints keeps one empty
//! placeholder slice.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Node, ObjectReference, Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::runtime::controller::Action;

use crate::controller_utils::run_queue;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Resource as _, ResourceExt as _};

use crate::Context;
use crate::endpointutil::{
    self, HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, PodServiceIndex, TriggerTimeTracker,
    is_pod_ready,
};
use crate::informer::{informer, merge, touched, triggers};
use crate::reconcile::{ReconcileError, error_policy};

const NAME: &str = "endpointslice-controller";
/// The label naming the Service of a slice.
pub(crate) const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// The label naming the controller that manages a slice.
pub(crate) const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// This controller's value of [`MANAGED_BY_LABEL`].
pub(crate) const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// The label with a node's zone.
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// What the reconciler reads.
struct State {
    ctx: Context,
    pods: Store<Pod>,
    nodes: Store<Node>,
    slices: Store<EndpointSlice>,
    trigger_times: TriggerTimeTracker,
    tracker: SliceTracker,
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
    let nodes = informer(
        &ctx,
        Api::<Node>::all(client.clone()),
        watcher::Config::default(),
    );
    let slices = informer(
        &ctx,
        Api::<EndpointSlice>::all(client.clone()),
        watcher::Config::default().labels(&format!("{MANAGED_BY_LABEL}={CONTROLLER_NAME}")),
    );
    let concurrency = ctx.options.concurrent_service_endpoint_syncs;
    let state = Arc::new(State {
        ctx,
        pods: pods.store.clone(),
        nodes: nodes.store.clone(),
        slices: slices.store.clone(),
        trigger_times: TriggerTimeTracker::default(),
        tracker: SliceTracker::default(),
    });
    let on_service = {
        let state = state.clone();
        move |event: &watcher::Event<Service>| match event {
            watcher::Event::Delete(svc) => {
                // The garbage collector deletes the slices the Service owns.
                let namespace = svc.namespace().unwrap_or_default();
                state.trigger_times.delete(&namespace, &svc.name_any());
                state.tracker.forget(&namespace, &svc.name_any());
                Vec::new()
            }
            other => touched(other)
                .map(|svc| vec![ObjectRef::from_obj(svc)])
                .unwrap_or_default(),
        }
    };
    let on_pod = PodServiceIndex::pod_triggers(services.store.clone());
    let on_slice = |event: &watcher::Event<EndpointSlice>| {
        touched(event)
            .and_then(|slice| {
                let service = slice.labels().get(SERVICE_NAME_LABEL)?;
                Some(ObjectRef::<Service>::new(service).within(&slice.namespace()?))
            })
            .into_iter()
            .collect::<Vec<_>>()
    };
    // Nodes are read for zones; their changes need not resync services.
    let on_node = |_: &watcher::Event<Node>| Vec::<ObjectRef<Service>>::new();
    let queue = merge(vec![
        triggers(services.events, on_service),
        triggers(pods.events, on_pod),
        triggers(slices.events, on_slice),
        triggers(nodes.events, on_node),
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

async fn reconcile(svc: Arc<Service>, state: Arc<State>) -> Result<Action, ReconcileError> {
    let ctx = &state.ctx;
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    let _ = crate::shared_informer::wait_synced(&state.pods).await;
    let _ = crate::shared_informer::wait_synced(&state.nodes).await;
    let _ = crate::shared_informer::wait_synced(&state.slices).await;
    let Some(spec) = svc.spec.as_ref() else {
        return Ok(Action::await_change());
    };
    if spec.type_.as_deref() == Some("ExternalName") || svc.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let Some(selector) = spec.selector.as_ref() else {
        return Ok(Action::await_change());
    };
    let namespace = svc.namespace().unwrap_or_default();
    let name = svc.name_any();
    let existing: Vec<EndpointSlice> = state
        .slices
        .state()
        .iter()
        .filter(|s| {
            s.namespace().as_deref() == Some(namespace.as_str())
                && s.labels().get(SERVICE_NAME_LABEL) == Some(&name)
        })
        .map(|s| (**s).clone())
        .collect();
    if state.tracker.is_stale(&namespace, &name, &existing) {
        // Our own last writes are not in the cache yet; acting now would duplicate them.
        return Ok(Action::requeue(Duration::from_millis(100)));
    }
    let all_pods = state.pods.state();
    let pods: Vec<&Pod> = all_pods
        .iter()
        .map(|p| &**p)
        .filter(|p| p.namespace().as_deref() == Some(namespace.as_str()))
        .filter(|p| endpointutil::selects(selector, p.labels()))
        .collect();
    let trigger = state.trigger_times.compute(&svc, &pods);
    let max = usize::from(ctx.options.max_endpoints_per_slice.max(1));
    let mut plan = Plan::default();
    let mut missing_nodes = Vec::new();
    let address_types = address_types(&svc);
    for slice in &existing {
        if !address_types.contains(&slice.address_type) {
            plan.delete.push(slice.clone());
        }
    }
    for address_type in &address_types {
        let desired =
            desired_endpoints(&svc, &pods, &state.nodes, address_type, &mut missing_nodes);
        let of_type: Vec<EndpointSlice> = existing
            .iter()
            .filter(|s| &s.address_type == address_type)
            .cloned()
            .collect();
        plan_address_type(&svc, of_type, desired, address_type, max, &mut plan);
    }
    let written = plan.apply(ctx, &state.tracker, &svc, trigger.time).await;
    if let Err(err) = written {
        state.trigger_times.undo(trigger);
        let conflict = matches!(&err, kube::Error::Api(s) if s.code == 409);
        if !conflict {
            publish_warning(
                ctx,
                &svc,
                "FailedToUpdateEndpointSlices",
                format!("Error updating Endpoint Slices for Service {namespace}/{name}: {err}"),
            )
            .await;
        }
        return Err(err.into());
    }
    if !missing_nodes.is_empty() {
        return Err(ReconcileError::Other(format!(
            "skipping Pods for Service {namespace}/{name}: Nodes {} Not Found",
            missing_nodes.join(", ")
        )));
    }
    Ok(Action::await_change())
}

/// A warning event on `object`, as this controller.
async fn publish_warning(ctx: &Context, svc: &Service, reason: &str, note: String) {
    let _ = ctx
        .recorder("endpoint-slice-controller")
        .publish(
            &kube::runtime::events::Event {
                type_: kube::runtime::events::EventType::Warning,
                reason: reason.into(),
                note: Some(note),
                action: "Sync".into(),
                secondary: None,
            },
            &svc.object_ref(&()),
        )
        .await;
}

/// Upstream's `getAddressTypesForService`.
fn address_types(svc: &Service) -> BTreeSet<String> {
    let spec = svc.spec.as_ref();
    let mut types: BTreeSet<String> = spec
        .and_then(|s| s.ip_families.as_ref())
        .into_iter()
        .flatten()
        .filter(|f| *f == "IPv4" || *f == "IPv6")
        .cloned()
        .collect();
    if types.is_empty() {
        match spec.and_then(|s| s.cluster_ip.as_deref()) {
            Some(ip) if !ip.is_empty() && ip != "None" => {
                types.insert(
                    if endpointutil::is_ipv6(ip) {
                        "IPv6"
                    } else {
                        "IPv4"
                    }
                    .into(),
                );
            }
            // Headless without families: both, as upstream assumes dual stack.
            _ => {
                types.insert("IPv4".into());
                types.insert("IPv6".into());
            }
        }
    }
    types
}

/// A set of ports, compared as upstream's `PortMapKey`.
type PortKey = Vec<(String, i32, String, String)>;

fn port_key(ports: &[EndpointPort]) -> PortKey {
    let mut key: PortKey = ports
        .iter()
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                p.port.unwrap_or_default(),
                p.protocol.clone().unwrap_or_default(),
                p.app_protocol.clone().unwrap_or_default(),
            )
        })
        .collect();
    key.sort();
    key
}

/// An endpoint's identity (upstream hashes the target and addresses).
pub(crate) fn endpoint_key(endpoint: &Endpoint) -> String {
    match endpoint.target_ref.as_ref() {
        Some(r) => format!(
            "{}/{}/{}/{}",
            r.kind.as_deref().unwrap_or(""),
            r.namespace.as_deref().unwrap_or(""),
            r.name.as_deref().unwrap_or(""),
            r.uid.as_deref().unwrap_or("")
        ),
        None => endpoint.addresses.join(","),
    }
}

/// Desired endpoints per port set: (ports, endpoints by key).
type Desired = BTreeMap<PortKey, (Vec<EndpointPort>, BTreeMap<String, Endpoint>)>;

/// Upstream's per-pod part of `reconcileByAddressType`.
fn desired_endpoints(
    svc: &Service,
    pods: &[&Pod],
    nodes: &Store<Node>,
    address_type: &str,
    missing_nodes: &mut Vec<String>,
) -> Desired {
    let spec = svc.spec.as_ref();
    let publish_not_ready = spec
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false);
    let headless_without_ports = spec.is_some_and(|s| {
        s.ports.as_ref().is_none_or(Vec::is_empty) && s.cluster_ip.as_deref() == Some("None")
    });
    let mut desired = Desired::new();
    for pod in pods {
        if !endpointutil::should_pod_be_in_endpoints(pod, true) {
            continue;
        }
        let ports: Vec<EndpointPort> = if headless_without_ports {
            Vec::new()
        } else {
            spec.and_then(|s| s.ports.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|port| {
                    let number = endpointutil::find_port(pod, port)?;
                    Some(EndpointPort {
                        name: Some(port.name.clone().unwrap_or_default()),
                        port: Some(number),
                        protocol: Some(port.protocol.clone().unwrap_or_else(|| "TCP".into())),
                        app_protocol: port.app_protocol.clone(),
                    })
                })
                .collect()
        };
        let node_name = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .filter(|n| !n.is_empty());
        let node = node_name
            .as_ref()
            .and_then(|n| nodes.get(&ObjectRef::new(n)));
        if let Some(node_name) = &node_name
            && node.is_none()
            && !publish_not_ready
        {
            missing_nodes.push(node_name.clone());
            continue;
        }
        let serving = is_pod_ready(pod);
        let terminating = pod.metadata.deletion_timestamp.is_some();
        let addresses: Vec<String> = endpointutil::pod_ips(pod)
            .iter()
            .filter(|ip| endpointutil::is_ipv6(ip) == (address_type == "IPv6"))
            .map(|ip| endpointutil::canonical_ip(ip))
            .collect();
        let entry = desired
            .entry(port_key(&ports))
            .or_insert_with(|| (ports, BTreeMap::new()));
        if addresses.is_empty() {
            continue;
        }
        let endpoint = Endpoint {
            addresses,
            conditions: Some(EndpointConditions {
                ready: Some(publish_not_ready || (serving && !terminating)),
                serving: Some(serving),
                terminating: Some(terminating),
            }),
            target_ref: Some(ObjectReference {
                kind: Some("Pod".into()),
                namespace: pod.namespace(),
                name: Some(pod.name_any()),
                uid: pod.uid(),
                ..ObjectReference::default()
            }),
            node_name,
            zone: node.and_then(|n| n.labels().get(ZONE_LABEL).cloned()),
            hostname: endpointutil::should_set_hostname(pod, svc)
                .then(|| pod.spec.as_ref().and_then(|s| s.hostname.clone()))
                .flatten(),
            ..Endpoint::default()
        };
        entry.1.insert(endpoint_key(&endpoint), endpoint);
    }
    desired
}

/// Writes to make.
#[derive(Default)]
pub(crate) struct Plan {
    /// New slices.
    pub(crate) create: Vec<EndpointSlice>,
    /// Changed slices.
    pub(crate) update: Vec<EndpointSlice>,
    /// Slices to remove.
    pub(crate) delete: Vec<EndpointSlice>,
}

/// Upstream's `setEndpointSliceLabels`: the Service's labels (without the reserved ones),
/// the headless label, the service name and the manager; and whether they differ from the
/// slice's.
pub(crate) fn slice_labels(
    slice: Option<&EndpointSlice>,
    svc: &Service,
    controller: &str,
) -> (BTreeMap<String, String>, bool) {
    let reserved = |k: &str| k == SERVICE_NAME_LABEL || k == MANAGED_BY_LABEL;
    let current: BTreeMap<String, String> = slice
        .map(|s| s.labels().clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !reserved(k))
        .collect();
    let mut labels: BTreeMap<String, String> = svc
        .labels()
        .iter()
        .filter(|(k, _)| !reserved(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let changed = current != labels;
    if endpointutil::is_service_ip_set(svc) {
        labels.remove(HEADLESS_LABEL);
    } else {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    labels.insert(SERVICE_NAME_LABEL.into(), svc.name_any());
    labels.insert(MANAGED_BY_LABEL.into(), controller.into());
    (labels, changed)
}

/// A slice's endpoints.
pub(crate) fn endpoints_of(slice: &EndpointSlice) -> &[Endpoint] {
    slice.endpoints.as_deref().unwrap_or_default()
}

/// Upstream's `ownedBy`.
pub(crate) fn owned_by(slice: &EndpointSlice, svc: &Service) -> bool {
    let uid = svc.uid();
    slice
        .owner_references()
        .iter()
        .any(|o| Some(&o.uid) == uid.as_ref() && o.kind == "Service" && o.api_version == "v1")
}

/// Upstream's `newEndpointSlice`.
pub(crate) fn new_slice(
    svc: &Service,
    ports: Vec<EndpointPort>,
    address_type: &str,
    controller: &str,
) -> EndpointSlice {
    let (labels, _) = slice_labels(None, svc, controller);
    let name = svc.name_any();
    EndpointSlice {
        metadata: ObjectMeta {
            generate_name: Some(format!("{name}-")),
            namespace: svc.namespace(),
            labels: Some(labels),
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Service".into(),
                name,
                uid: svc.uid().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        address_type: address_type.into(),
        endpoints: Some(Vec::new()),
        ports: Some(ports),
    }
}

/// Upstream's `reconcileByAddressType` (without topology hints).
fn plan_address_type(
    svc: &Service,
    existing: Vec<EndpointSlice>,
    desired: Desired,
    address_type: &str,
    max: usize,
    plan: &mut Plan,
) {
    let existing_count = existing.len();
    let deletes_before = plan.delete.len();
    let creates_before = plan.create.len();
    let mut by_ports: BTreeMap<PortKey, Vec<EndpointSlice>> = BTreeMap::new();
    for slice in existing {
        if owned_by(&slice, svc) {
            by_ports
                .entry(port_key(slice.ports.as_deref().unwrap_or_default()))
                .or_default()
                .push(slice);
        } else {
            plan.delete.push(slice);
        }
    }
    for (key, (ports, endpoints)) in desired {
        let slices = by_ports.remove(&key).unwrap_or_default();
        plan_port_mapping(svc, slices, ports, endpoints, address_type, max, plan);
    }
    for (_, slices) in by_ports {
        plan.delete.extend(slices);
    }
    // A Service without endpoints keeps one empty placeholder slice.
    let deleted = plan.delete.len() - deletes_before;
    if existing_count == deleted && plan.create.len() == creates_before {
        let placeholder = new_slice(svc, Vec::new(), address_type, CONTROLLER_NAME);
        let last_is_placeholder = deleted == 1
            && plan.delete.last().is_some_and(|s| {
                endpoints_of(s).is_empty()
                    && s.ports.as_ref().is_none_or(Vec::is_empty)
                    && s.address_type == address_type
                    && owned_by(s, svc)
                    && s.labels() == placeholder.labels()
            });
        if last_is_placeholder {
            plan.delete.pop();
        } else {
            plan.create.push(placeholder);
        }
    }
}

/// Upstream's `reconcileByPortMapping`: keep what is still wanted in place, drop what is not,
/// fill slices being updated, then the unchanged slice closest to full, then new slices.
#[allow(clippy::too_many_arguments)]
fn plan_port_mapping(
    svc: &Service,
    existing: Vec<EndpointSlice>,
    ports: Vec<EndpointPort>,
    mut desired: BTreeMap<String, Endpoint>,
    address_type: &str,
    max: usize,
    plan: &mut Plan,
) {
    let mut to_update: Vec<EndpointSlice> = Vec::new();
    let mut unchanged: Vec<EndpointSlice> = Vec::new();
    for slice in existing {
        let mut kept = Vec::new();
        let mut endpoint_changed = false;
        for endpoint in endpoints_of(&slice) {
            if let Some(wanted) = desired.remove(&endpoint_key(endpoint)) {
                if &wanted != endpoint {
                    endpoint_changed = true;
                }
                kept.push(wanted);
            }
        }
        let (labels, labels_changed) = slice_labels(Some(&slice), svc, CONTROLLER_NAME);
        if endpoint_changed || kept.len() != endpoints_of(&slice).len() {
            if kept.is_empty() {
                plan.delete.push(slice);
            } else {
                let mut slice = slice;
                slice.endpoints = Some(kept);
                slice.metadata.labels = Some(labels);
                to_update.push(slice);
            }
        } else if labels_changed {
            let mut slice = slice;
            slice.metadata.labels = Some(labels);
            to_update.push(slice);
        } else {
            unchanged.push(slice);
        }
    }
    let mut remaining: Vec<Endpoint> = desired.into_values().collect();
    remaining.reverse();
    if !remaining.is_empty() {
        to_update.sort_by_key(|s| std::cmp::Reverse(endpoints_of(s).len()));
        for slice in &mut to_update {
            while endpoints_of(slice).len() < max {
                let Some(endpoint) = remaining.pop() else {
                    break;
                };
                slice.endpoints.get_or_insert_with(Vec::new).push(endpoint);
            }
        }
    }
    while !remaining.is_empty() {
        let mut slice = None;
        if remaining.len() < max && !unchanged.is_empty() {
            // The unchanged slice closest to full once these are added.
            let mut closest = max;
            let mut pick = None;
            for (i, s) in unchanged.iter().enumerate() {
                let size = endpoints_of(s).len() + remaining.len();
                if size <= max && max - size < closest {
                    closest = max - size;
                    pick = Some(i);
                }
            }
            if let Some(i) = pick {
                slice = Some((unchanged.remove(i), true));
            }
        }
        let (mut slice, existing) = slice.unwrap_or_else(|| {
            (
                new_slice(svc, ports.clone(), address_type, CONTROLLER_NAME),
                false,
            )
        });
        while endpoints_of(&slice).len() < max {
            let Some(endpoint) = remaining.pop() else {
                break;
            };
            slice.endpoints.get_or_insert_with(Vec::new).push(endpoint);
        }
        if existing {
            to_update.push(slice);
        } else {
            plan.create.push(slice);
        }
    }
    plan.update.extend(to_update);
}

impl Plan {
    /// Upstream's `finalize`: slices to be deleted are reused for slices to be created, then
    /// creates, updates and deletes are sent, each remembered by the tracker.
    pub(crate) async fn apply(
        mut self,
        ctx: &Context,
        tracker: &SliceTracker,
        svc: &Service,
        trigger_time: Option<Timestamp>,
    ) -> Result<(), kube::Error> {
        let mut i = 0;
        while i < self.delete.len() {
            let Some(last) = self.create.last() else {
                break;
            };
            if self.delete[i].address_type == last.address_type && owned_by(&self.delete[i], svc) {
                let old = self.delete.remove(i);
                if let Some(mut slice) = self.create.pop() {
                    slice.metadata.name = old.metadata.name.clone();
                    slice.metadata.generate_name = None;
                    slice.metadata.resource_version = old.metadata.resource_version.clone();
                    slice.metadata.annotations = old.metadata.annotations.clone();
                    self.update.push(slice);
                }
            } else {
                i += 1;
            }
        }
        let namespace = svc.namespace().unwrap_or_default();
        let name = svc.name_any();
        let api = Api::<EndpointSlice>::namespaced(ctx.client.clone(), &namespace);
        let stamp = |slice: &mut EndpointSlice| {
            let annotations = slice.annotations_mut();
            match trigger_time {
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
            if slice
                .metadata
                .annotations
                .as_ref()
                .is_some_and(BTreeMap::is_empty)
            {
                slice.metadata.annotations = None;
            }
        };
        if svc.metadata.deletion_timestamp.is_none() {
            for mut slice in self.create {
                stamp(&mut slice);
                match api.create(&PostParams::default(), &slice).await {
                    Ok(created) => tracker.wrote(&namespace, &name, &created),
                    Err(kube::Error::Api(status))
                        if status.code == 403 && status.message.contains("terminat") =>
                    {
                        return Ok(());
                    }
                    Err(err) => return Err(err),
                }
            }
        }
        for mut slice in self.update {
            stamp(&mut slice);
            let updated = api
                .replace(&slice.name_any(), &PostParams::default(), &slice)
                .await?;
            tracker.wrote(&namespace, &name, &updated);
        }
        for slice in self.delete {
            match api
                .delete(&slice.name_any(), &DeleteParams::default())
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(err) => return Err(err),
            }
            tracker.deleted(&namespace, &name, &slice.name_any());
        }
        Ok(())
    }
}

/// Upstream's `EndpointSliceTracker`: the slices this controller wrote or deleted per
/// Service, so that a sync reading a cache that does not show them yet waits instead of
/// acting twice.
#[derive(Default)]
pub(crate) struct SliceTracker {
    expected: Mutex<HashMap<(String, String), Expected>>,
}

#[derive(Default)]
struct Expected {
    /// slice name → the resource version written, and when.
    written: HashMap<String, (String, Instant)>,
    /// Slices deleted, and when.
    deleted: HashMap<String, Instant>,
}

/// How long a write is waited for in the cache; past it (the slice was changed or deleted
/// by someone else meanwhile) the cache is believed.
const EXPECTATION_TIMEOUT: Duration = Duration::from_secs(5);

fn rv_number(rv: Option<&String>) -> Option<u64> {
    rv.and_then(|r| r.parse().ok())
}

impl SliceTracker {
    /// Remembers a slice as written.
    pub(crate) fn wrote(&self, namespace: &str, service: &str, slice: &EndpointSlice) {
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        let entry = expected
            .entry((namespace.into(), service.into()))
            .or_default();
        entry.written.insert(
            slice.name_any(),
            (
                slice.metadata.resource_version.clone().unwrap_or_default(),
                Instant::now(),
            ),
        );
    }

    /// Remembers a slice as deleted.
    pub(crate) fn deleted(&self, namespace: &str, service: &str, name: &str) {
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        let entry = expected
            .entry((namespace.into(), service.into()))
            .or_default();
        entry.written.remove(name);
        entry.deleted.insert(name.into(), Instant::now());
    }

    /// Forgets a deleted Service.
    pub(crate) fn forget(&self, namespace: &str, service: &str) {
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        expected.remove(&(namespace.into(), service.into()));
    }

    /// Whether the cached slices of a Service miss writes of ours; what they show is
    /// forgotten.
    pub(crate) fn is_stale(
        &self,
        namespace: &str,
        service: &str,
        cached: &[EndpointSlice],
    ) -> bool {
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = expected.get_mut(&(namespace.into(), service.into())) else {
            return false;
        };
        let by_name: HashMap<String, &EndpointSlice> =
            cached.iter().map(|s| (s.name_any(), s)).collect();
        entry
            .deleted
            .retain(|name, at| by_name.contains_key(name) && at.elapsed() < EXPECTATION_TIMEOUT);
        entry
            .written
            .retain(|name, (rv, at)| match by_name.get(name) {
                _ if at.elapsed() >= EXPECTATION_TIMEOUT => false,
                None => true,
                Some(slice) => {
                    match (
                        rv_number(slice.metadata.resource_version.as_ref()),
                        rv_number(Some(&*rv)),
                    ) {
                        (Some(seen), Some(wrote)) => seen < wrote,
                        _ => slice.metadata.resource_version.as_ref() != Some(rv),
                    }
                }
            });
        let stale = !entry.deleted.is_empty() || !entry.written.is_empty();
        if !stale {
            expected.remove(&(namespace.into(), service.into()));
        }
        stale
    }
}
