//! The EndpointSlice mirroring controller (upstream's
//! `pkg/controller/endpointslicemirroring`): Endpoints written by hand for a Service without
//! a selector are mirrored into EndpointSlices (managed by
//! `endpointslicemirroring-controller.k8s.io`, owned by the Service), one per address family
//! and set of ports, ready addresses ready and serving, not-ready ones neither; at most 1000
//! addresses per subset. Endpoints labelled `endpointslice.kubernetes.io/skip-mirror: "true"`
//! (the API server's `default/kubernetes`) or carrying a leader-election record are skipped.
//! Mirrored slices go away with the Endpoints, or when the Service gets a selector.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Endpoints, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use kube::api::DeleteParams;
use kube::runtime::controller::Action;

use crate::controller_utils::run_queue;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, ResourceExt as _};

use crate::Context;
use crate::endpointslice::{
    MANAGED_BY_LABEL, Plan, SERVICE_NAME_LABEL, SliceTracker, endpoint_key, endpoints_of,
    new_slice, owned_by,
};
use crate::endpointutil;
use crate::informer::{informer, merge, touched, triggers};
use crate::reconcile::{ReconcileError, error_policy};

const NAME: &str = "endpointslice-mirroring-controller";
/// This controller's value of the managed-by label.
const CONTROLLER_NAME: &str = "endpointslicemirroring-controller.k8s.io";
/// The label that turns mirroring off for one Endpoints object.
const SKIP_MIRROR_LABEL: &str = "endpointslice.kubernetes.io/skip-mirror";
/// The annotation of Endpoints used as leader-election locks.
const LEADER_ANNOTATION: &str = "control-plane.alpha.kubernetes.io/leader";
/// The most addresses of one subset mirrored.
const MAX_PER_SUBSET: usize = 1000;
/// Annotations not copied to slices.
const SKIPPED_ANNOTATIONS: [&str; 2] = [
    "endpoints.kubernetes.io/last-change-trigger-time",
    "kubectl.kubernetes.io/last-applied-configuration",
];

struct State {
    ctx: Context,
    services: Store<Service>,
    slices: Store<EndpointSlice>,
    tracker: SliceTracker,
}

pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let endpoints = informer(
        &ctx,
        Api::<Endpoints>::all(client.clone()),
        watcher::Config::default(),
    );
    let services = informer(
        &ctx,
        Api::<Service>::all(client.clone()),
        watcher::Config::default(),
    );
    let slices = informer(
        &ctx,
        Api::<EndpointSlice>::all(client.clone()),
        watcher::Config::default().labels(&format!("{MANAGED_BY_LABEL}={CONTROLLER_NAME}")),
    );
    let concurrency = ctx.options.mirroring_concurrent_service_endpoint_syncs;
    let state = Arc::new(State {
        ctx,
        services: services.store.clone(),
        slices: slices.store.clone(),
        tracker: SliceTracker::default(),
    });
    let on_endpoints = {
        let state = state.clone();
        move |event: &watcher::Event<Endpoints>| match event {
            watcher::Event::Delete(ep) => {
                delete_mirrors(&state, &ep.namespace().unwrap_or_default(), &ep.name_any());
                Vec::new()
            }
            other => touched(other)
                .map(|ep| vec![ObjectRef::from_obj(ep)])
                .unwrap_or_default(),
        }
    };
    let on_service = {
        let state = state.clone();
        move |event: &watcher::Event<Service>| {
            let Some(svc) = touched(event) else {
                return Vec::new();
            };
            let namespace = svc.namespace().unwrap_or_default();
            let has_selector = svc.spec.as_ref().is_some_and(|s| s.selector.is_some());
            if matches!(event, watcher::Event::Delete(_)) || has_selector {
                delete_mirrors(&state, &namespace, &svc.name_any());
            }
            vec![ObjectRef::<Endpoints>::new(&svc.name_any()).within(&namespace)]
        }
    };
    let on_slice = |event: &watcher::Event<EndpointSlice>| {
        touched(event)
            .and_then(|slice| {
                let service = slice.labels().get(SERVICE_NAME_LABEL)?;
                Some(ObjectRef::<Endpoints>::new(service).within(&slice.namespace()?))
            })
            .into_iter()
            .collect::<Vec<_>>()
    };
    let queue = merge(vec![
        triggers(endpoints.events, on_endpoints),
        triggers(services.events, on_service),
        triggers(slices.events, on_slice),
    ]);
    let policy = error_policy::<Endpoints>(NAME);
    run_queue(
        endpoints.store,
        queue,
        reconcile,
        move |ep, err, state: Arc<State>| policy(ep, err, Arc::new(state.ctx.clone())),
        state,
        concurrency,
    )
    .await;
}

/// The mirrored slices of `namespace/name` in the cache.
fn mirrors(state: &State, namespace: &str, name: &str) -> Vec<EndpointSlice> {
    state
        .slices
        .state()
        .iter()
        .filter(|s| {
            s.namespace().as_deref() == Some(namespace)
                && s.labels().get(SERVICE_NAME_LABEL).map(String::as_str) == Some(name)
        })
        .map(|s| (**s).clone())
        .collect()
}

/// Deletes the mirrored slices of `namespace/name` in the background.
fn delete_mirrors(state: &Arc<State>, namespace: &str, name: &str) {
    let slices = mirrors(state, namespace, name);
    if slices.is_empty() {
        return;
    }
    let api = Api::<EndpointSlice>::namespaced(state.ctx.client.clone(), namespace);
    tokio::spawn(async move {
        for slice in slices {
            match api
                .delete(&slice.name_any(), &DeleteParams::default())
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(err) => {
                    tracing::warn!(controller = NAME, %err, "deleting a mirrored EndpointSlice")
                }
            }
        }
    });
}

/// Desired mirrored content per (address type, ports).
type Groups = BTreeMap<
    (String, Vec<(String, i32, String, String)>),
    (Vec<EndpointPort>, BTreeMap<String, Endpoint>),
>;

async fn reconcile(ep: Arc<Endpoints>, state: Arc<State>) -> Result<Action, ReconcileError> {
    let ctx = &state.ctx;
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    let _ = crate::shared_informer::wait_synced(&state.services).await;
    let _ = crate::shared_informer::wait_synced(&state.slices).await;
    let namespace = ep.namespace().unwrap_or_default();
    let name = ep.name_any();
    let existing = mirrors(&state, &namespace, &name);
    if state.tracker.is_stale(&namespace, &name, &existing) {
        return Ok(Action::requeue(Duration::from_millis(100)));
    }
    let svc = state
        .services
        .get(&ObjectRef::<Service>::new(&name).within(&namespace));
    let mirror = ep.labels().get(SKIP_MIRROR_LABEL).map(String::as_str) != Some("true")
        && !ep.annotations().contains_key(LEADER_ANNOTATION);
    let Some(svc) = svc.filter(|svc| {
        mirror
            && svc.spec.as_ref().is_some_and(|s| s.selector.is_none())
            && svc.metadata.deletion_timestamp.is_none()
    }) else {
        let plan = Plan {
            delete: existing,
            ..Plan::default()
        };
        if !plan.delete.is_empty() {
            let placeholder = Service::default();
            plan.apply(
                ctx,
                &state.tracker,
                &placeholder_with(&placeholder, &namespace, &name),
                None,
            )
            .await?;
        }
        return Ok(Action::await_change());
    };
    let groups = desired(&ep);
    let mut labels: BTreeMap<String, String> = ep
        .labels()
        .iter()
        .filter(|(k, _)| k.as_str() != MANAGED_BY_LABEL && k.as_str() != SERVICE_NAME_LABEL)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.insert(SERVICE_NAME_LABEL.into(), name.clone());
    labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    let annotations: BTreeMap<String, String> = ep
        .annotations()
        .iter()
        .filter(|(k, _)| !SKIPPED_ANNOTATIONS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut plan = Plan::default();
    let mut unclaimed = existing;
    for ((address_type, _), (ports, endpoints)) in groups {
        let endpoints: Vec<Endpoint> = endpoints.into_values().collect();
        let key = port_key(&ports);
        let found = unclaimed.iter().position(|s| {
            s.address_type == address_type
                && port_key(s.ports.as_deref().unwrap_or_default()) == key
                && owned_by(s, &svc)
        });
        match found {
            Some(i) => {
                let slice = unclaimed.remove(i);
                let mut current: Vec<&Endpoint> = endpoints_of(&slice).iter().collect();
                current.sort_by_key(|e| endpoint_key(e));
                let mut wanted: Vec<&Endpoint> = endpoints.iter().collect();
                wanted.sort_by_key(|e| endpoint_key(e));
                let same = current == wanted
                    && slice.labels() == &labels
                    && slice.annotations() == &annotations;
                if !same {
                    let mut slice = slice;
                    slice.endpoints = Some(endpoints);
                    slice.metadata.labels = Some(labels.clone());
                    slice.metadata.annotations = Some(annotations.clone());
                    plan.update.push(slice);
                }
            }
            None => {
                let mut slice = new_slice(&svc, ports, &address_type, CONTROLLER_NAME);
                slice.metadata.labels = Some(labels.clone());
                slice.metadata.annotations = (!annotations.is_empty()).then(|| annotations.clone());
                slice.endpoints = Some(endpoints);
                plan.create.push(slice);
            }
        }
    }
    plan.delete = unclaimed;
    plan.apply(ctx, &state.tracker, &svc, None).await?;
    Ok(Action::await_change())
}

/// A stand-in Service naming `namespace/name`, for deleting the mirrors of a gone one.
fn placeholder_with(base: &Service, namespace: &str, name: &str) -> Service {
    let mut svc = base.clone();
    svc.metadata.namespace = Some(namespace.into());
    svc.metadata.name = Some(name.into());
    svc
}

fn port_key(ports: &[EndpointPort]) -> Vec<(String, i32, String, String)> {
    let mut key: Vec<_> = ports
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

/// The slices' content the Endpoints asks for.
fn desired(ep: &Endpoints) -> Groups {
    let mut groups = Groups::new();
    for subset in ep.subsets.iter().flatten() {
        let ports: Vec<EndpointPort> = subset
            .ports
            .iter()
            .flatten()
            .map(|p| EndpointPort {
                name: Some(p.name.clone().unwrap_or_default()),
                port: Some(p.port),
                protocol: Some(p.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: p.app_protocol.clone(),
            })
            .collect();
        let key = port_key(&ports);
        let mut mirrored = 0;
        for (list, ready) in [
            (&subset.addresses, true),
            (&subset.not_ready_addresses, false),
        ] {
            for address in list.iter().flatten() {
                if mirrored >= MAX_PER_SUBSET {
                    break;
                }
                mirrored += 1;
                let address_type = if endpointutil::is_ipv6(&address.ip) {
                    "IPv6"
                } else {
                    "IPv4"
                };
                let endpoint = Endpoint {
                    addresses: vec![endpointutil::canonical_ip(&address.ip)],
                    conditions: Some(EndpointConditions {
                        ready: Some(ready),
                        serving: Some(ready),
                        terminating: Some(false),
                    }),
                    hostname: address.hostname.clone(),
                    node_name: address.node_name.clone(),
                    target_ref: address.target_ref.clone(),
                    ..Endpoint::default()
                };
                groups
                    .entry((address_type.into(), key.clone()))
                    .or_insert_with(|| (ports.clone(), BTreeMap::new()))
                    .1
                    .insert(endpoint_key(&endpoint), endpoint);
            }
        }
    }
    groups
}
