//! The node lifecycle controller (upstream's `pkg/controller/nodelifecycle`): it watches
//! kubelets' heartbeats (the Ready condition's `lastHeartbeatTime` and the node's Lease in
//! `kube-node-lease`), and every `--node-monitor-period` a node silent for longer than
//! `--node-monitor-grace-period` (`--node-startup-grace-period` before its first report) has
//! its conditions set to `Unknown`, its pods marked not ready and a `NodeNotReady` event.
//! It keeps the condition taints: `not-ready`/`unreachable` with NoSchedule and NoExecute,
//! the pressure taints, and `unschedulable` mirroring `spec.unschedulable`.
//!
//! The NoExecute taints follow upstream's zone states (nodes grouped by region and zone):
//! when every zone has no Ready node the controller assumes the problem is its own view, not
//! the nodes ("master disruption mode") and takes the NoExecute taints off, so nothing is
//! evicted; a zone of at most `--large-cluster-size-threshold` nodes of which more than two
//! and at least `--unhealthy-zone-threshold` are not Ready gets no new NoExecute taints (a
//! larger one gets them at `--secondary-node-eviction-rate`); otherwise nodes get them at
//! `--node-eviction-rate` per zone (a token bucket of one, as upstream's limiters).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, NodeCondition, Pod, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;

use crate::controller_utils::run_queue;
use kube::runtime::events::{Event, EventType};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Resource as _, ResourceExt as _};
use serde_json::json;

use crate::Context;
use crate::informer::{informer, merge, touched, triggers};
use crate::reconcile::{ReconcileError, error_policy};

const NAME: &str = "node-lifecycle-controller";
/// The component events are reported as.
const COMPONENT: &str = "node-controller";
/// The namespace of node leases.
const LEASE_NAMESPACE: &str = "kube-node-lease";
/// The taint of a node whose Ready condition is False.
pub(crate) const NOT_READY_TAINT: &str = "node.kubernetes.io/not-ready";
/// The taint of a node whose Ready condition is Unknown.
pub(crate) const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";
/// The taint of a cordoned node.
const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";
/// The conditions set to Unknown when the kubelet goes silent.
const MONITORED_CONDITIONS: [&str; 4] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];
/// Condition → (status → NoSchedule taint key), upstream's `nodeConditionToTaintKeyStatusMap`.
const CONDITION_TAINTS: [(&str, &str, &str); 6] = [
    ("Ready", "False", NOT_READY_TAINT),
    ("Ready", "Unknown", UNREACHABLE_TAINT),
    (
        "MemoryPressure",
        "True",
        "node.kubernetes.io/memory-pressure",
    ),
    ("DiskPressure", "True", "node.kubernetes.io/disk-pressure"),
    (
        "NetworkUnavailable",
        "True",
        "node.kubernetes.io/network-unavailable",
    ),
    ("PIDPressure", "True", "node.kubernetes.io/pid-pressure"),
];

/// What the controller last saw of a node's kubelet.
struct Health {
    /// The Ready condition's `lastHeartbeatTime` last seen.
    heartbeat: Option<Timestamp>,
    /// The Lease's `renewTime` last seen.
    renewed: Option<Timestamp>,
    /// When either last changed (local time, so clock skew does not matter).
    probed: Instant,
    /// The Ready status last seen.
    ready: Option<String>,
}

struct State {
    ctx: Context,
    nodes: Store<Node>,
    leases: Store<Lease>,
    pods: Store<Pod>,
    health: Mutex<HashMap<String, Health>>,
    known: Mutex<HashSet<String>>,
    /// zone → the pace of new NoExecute taints there.
    limiters: Mutex<HashMap<String, Limiter>>,
}

/// A token bucket of one token (upstream's `NewTokenBucketRateLimiter(qps, 1)`); a new rate
/// is a new, full bucket (upstream's `SwapLimiter`).
struct Limiter {
    rate: f32,
    tokens: f64,
    last: Instant,
}

impl State {
    /// Takes the token of `zone` at `rate` per second, or says how long until there is one.
    fn take_token(&self, zone: &str, rate: f32) -> Result<(), std::time::Duration> {
        if rate <= 0.0 {
            // Upstream's never-accepting limiter.
            return Err(self.ctx.options.node_monitor_period);
        }
        let now = Instant::now();
        let mut limiters = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        let limiter = limiters.entry(zone.to_string()).or_insert(Limiter {
            rate,
            tokens: 1.0,
            last: now,
        });
        if limiter.rate != rate {
            *limiter = Limiter {
                rate,
                tokens: 1.0,
                last: now,
            };
        }
        let rate = f64::from(rate);
        limiter.tokens =
            (limiter.tokens + now.duration_since(limiter.last).as_secs_f64() * rate).min(1.0);
        limiter.last = now;
        if limiter.tokens >= 1.0 {
            limiter.tokens -= 1.0;
            Ok(())
        } else {
            Err(std::time::Duration::from_secs_f64(
                (1.0 - limiter.tokens) / rate,
            ))
        }
    }
}

pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let nodes = informer(
        &ctx,
        Api::<Node>::all(client.clone()),
        watcher::Config::default(),
    );
    let leases = informer(
        &ctx,
        Api::<Lease>::namespaced(client.clone(), LEASE_NAMESPACE),
        watcher::Config::default(),
    );
    let pods = informer(
        &ctx,
        Api::<Pod>::all(client.clone()),
        watcher::Config::default(),
    );
    let state = Arc::new(State {
        ctx,
        nodes: nodes.store.clone(),
        leases: leases.store.clone(),
        pods: pods.store.clone(),
        health: Mutex::new(HashMap::new()),
        known: Mutex::new(HashSet::new()),
        limiters: Mutex::new(HashMap::new()),
    });
    let on_node = {
        let state = state.clone();
        move |event: &watcher::Event<Node>| {
            let Some(node) = touched(event) else {
                return Vec::new();
            };
            let name = node.name_any();
            let deleted = matches!(event, watcher::Event::Delete(_));
            let mut known = state.known.lock().unwrap_or_else(|e| e.into_inner());
            if deleted {
                known.remove(&name);
                state
                    .health
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&name);
                node_event(
                    &state,
                    node,
                    "RemovingNode",
                    format!("Removing Node {name} from Controller"),
                );
                return Vec::new();
            }
            if known.insert(name.clone()) {
                node_event(
                    &state,
                    node,
                    "RegisteredNode",
                    format!("Registered Node {name} in Controller"),
                );
            }
            vec![ObjectRef::from_obj(node)]
        }
    };
    let on_lease = |event: &watcher::Event<Lease>| {
        touched(event)
            .map(|lease| vec![ObjectRef::<Node>::new(&lease.name_any())])
            .unwrap_or_default()
    };
    let on_pod = |_: &watcher::Event<Pod>| Vec::<ObjectRef<Node>>::new();
    let queue = merge(vec![
        triggers(nodes.events, on_node),
        triggers(leases.events, on_lease),
        triggers(pods.events, on_pod),
    ]);
    let policy = error_policy::<Node>(NAME);
    run_queue(
        nodes.store,
        queue,
        reconcile,
        move |node, err, state: Arc<State>| policy(node, err, Arc::new(state.ctx.clone())),
        state,
        0,
    )
    .await;
}

/// A `Node <name> event: ...` event on a node.
fn node_event(state: &Arc<State>, node: &Node, reason: &'static str, what: String) {
    let name = node.name_any();
    publish(state, node, reason, format!("Node {name} event: {what}"));
}

/// Publishes a Normal event on `node` in the background.
fn publish(state: &Arc<State>, node: &Node, reason: &'static str, note: String) {
    let recorder = state.ctx.recorder(COMPONENT);
    let reference = node.object_ref(&());
    tokio::spawn(async move {
        let _ = recorder
            .publish(
                &Event {
                    type_: EventType::Normal,
                    reason: reason.into(),
                    note: Some(note),
                    action: "NodeLifecycle".into(),
                    secondary: None,
                },
                &reference,
            )
            .await;
    });
}

fn condition<'a>(node: &'a Node, kind: &str) -> Option<&'a NodeCondition> {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == kind))
}

async fn reconcile(node: Arc<Node>, state: Arc<State>) -> Result<Action, ReconcileError> {
    let ctx = &state.ctx;
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    let _ = crate::shared_informer::wait_synced(&state.leases).await;
    let _ = crate::shared_informer::wait_synced(&state.pods).await;
    let name = node.name_any();
    let period = ctx.options.node_monitor_period;
    let nodes = Api::<Node>::all(ctx.client.clone());

    // The kubelet's last sign of life, observed locally.
    let heartbeat = condition(&node, "Ready")
        .and_then(|c| c.last_heartbeat_time.as_ref())
        .map(|t| t.0);
    let renewed = state
        .leases
        .get(&ObjectRef::<Lease>::new(&name).within(LEASE_NAMESPACE))
        .and_then(|l| {
            l.spec
                .as_ref()
                .and_then(|s| s.renew_time.as_ref())
                .map(|t| t.0)
        });
    let (since_probe, observed_ready) = {
        let mut health = state.health.lock().unwrap_or_else(|e| e.into_inner());
        let entry = health.entry(name.clone()).or_insert_with(|| Health {
            heartbeat,
            renewed,
            probed: Instant::now(),
            ready: None,
        });
        if entry.heartbeat != heartbeat && heartbeat.is_some() {
            entry.heartbeat = heartbeat;
            entry.probed = Instant::now();
        }
        if entry.renewed != renewed && renewed.is_some() {
            entry.renewed = renewed;
            entry.probed = Instant::now();
        }
        (entry.probed.elapsed(), entry.ready.clone())
    };
    let never_reported = condition(&node, "Ready").is_none();
    let grace = if never_reported {
        ctx.options.node_startup_grace_period
    } else {
        ctx.options.node_monitor_grace_period
    };

    let mut node = (*node).clone();
    if since_probe > grace {
        let now = Time(Timestamp::now());
        let created = node.metadata.creation_timestamp.clone();
        let status = node.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        let mut changed = false;
        for kind in MONITORED_CONDITIONS {
            match conditions.iter_mut().find(|c| c.type_ == kind) {
                None => {
                    conditions.push(NodeCondition {
                        type_: kind.into(),
                        status: "Unknown".into(),
                        reason: Some("NodeStatusNeverUpdated".into()),
                        message: Some("Kubelet never posted node status.".into()),
                        last_heartbeat_time: created.clone(),
                        last_transition_time: Some(now.clone()),
                    });
                    changed = true;
                }
                Some(c) if c.status != "Unknown" => {
                    c.status = "Unknown".into();
                    c.reason = Some("NodeStatusUnknown".into());
                    c.message = Some("Kubelet stopped posting node status.".into());
                    c.last_transition_time = Some(now.clone());
                    changed = true;
                }
                Some(_) => {}
            }
        }
        if changed {
            tracing::info!(node = %name, "node stopped posting status; conditions set to Unknown");
            node = nodes
                .replace_status(&name, &PostParams::default(), &node)
                .await?;
        }
    }

    let ready = condition(&node, "Ready").map(|c| c.status.clone());
    let mut no_execute = no_execute_tainting(&state.nodes.state(), &node, &ctx.options);
    let mut requeue = period;
    if let NoExecuteTainting::Allowed { rate } = no_execute
        && matches!(ready.as_deref(), Some("False" | "Unknown"))
        && !has_no_execute_condition_taint(&node)
    {
        // A first NoExecute taint waits for its zone's token; a swap between the two does not.
        if let Err(wait) = state.take_token(&zone_key(&node), rate) {
            no_execute = NoExecuteTainting::Held;
            requeue = requeue.min(wait);
        }
    }
    update_taints(&nodes, &node, ready.as_deref(), no_execute).await?;

    if let Some(ready) = &ready {
        if ready != "True" && observed_ready.as_deref() == Some("True") {
            publish(
                &state,
                &node,
                "NodeNotReady",
                format!("Node {name} status is now: NodeNotReady"),
            );
            mark_pods_not_ready(&state, &name).await?;
        }
        let mut health = state.health.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = health.get_mut(&name) {
            entry.ready = Some(ready.clone());
        }
    }
    Ok(Action::requeue(requeue))
}

/// Whether the NoExecute condition taints may be added now (upstream's zone states).
#[derive(Clone, Copy, Debug, PartialEq)]
enum NoExecuteTainting {
    /// Added (at `rate` nodes per second in the zone) and removed as the Ready condition says.
    Allowed {
        /// Nodes per second.
        rate: f32,
    },
    /// None added; the ones there stay or swap (upstream's zone limiter at 0 in a partial
    /// disruption of a small zone, or no token yet).
    Held,
    /// Every zone is fully disrupted: they are taken off (upstream's master disruption mode).
    Removed,
}

/// Upstream's zone key: region and zone labels (the beta ones as fallbacks).
fn zone_key(node: &Node) -> String {
    let labels = node.labels();
    let get = |ga: &str, beta: &str| {
        labels
            .get(ga)
            .or_else(|| labels.get(beta))
            .cloned()
            .unwrap_or_default()
    };
    let region = get(
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/region",
    );
    let zone = get(
        "topology.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/zone",
    );
    if region.is_empty() && zone.is_empty() {
        String::new()
    } else {
        format!("{region}:\x00:{zone}")
    }
}

/// Whether the node carries the `not-ready` or `unreachable` NoExecute taint.
fn has_no_execute_condition_taint(node: &Node) -> bool {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .is_some_and(|ts| {
            ts.iter().any(|t| {
                t.effect == "NoExecute" && (t.key == NOT_READY_TAINT || t.key == UNREACHABLE_TAINT)
            })
        })
}

/// How `node`'s NoExecute taints may change, given every node the cache holds (upstream's
/// `handleDisruption` and `ComputeZoneState`).
fn no_execute_tainting(
    all: &[Arc<Node>],
    node: &Node,
    options: &crate::options::ControllerManagerOptions,
) -> NoExecuteTainting {
    // zone → (ready, not ready); nodes labelled to be left out of disruption checks do not count.
    let mut zones: HashMap<String, (usize, usize)> = HashMap::new();
    for other in all {
        if other
            .labels()
            .contains_key("node.kubernetes.io/exclude-disruption")
        {
            continue;
        }
        let counts = zones.entry(zone_key(other)).or_default();
        if condition(other, "Ready").is_some_and(|c| c.status == "True") {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    let fully_disrupted = |(ready, not_ready): (usize, usize)| ready == 0 && not_ready > 0;
    if !zones.is_empty() && zones.values().all(|c| fully_disrupted(*c)) {
        return NoExecuteTainting::Removed;
    }
    let (ready, not_ready) = zones.get(&zone_key(node)).copied().unwrap_or_default();
    let size = ready + not_ready;
    let partially_disrupted = !fully_disrupted((ready, not_ready))
        && not_ready > 2
        && not_ready as f64 / size as f64 >= f64::from(options.unhealthy_zone_threshold);
    let large =
        i64::try_from(size).unwrap_or(i64::MAX) > i64::from(options.large_cluster_size_threshold);
    match (partially_disrupted, large) {
        (false, _) => NoExecuteTainting::Allowed {
            rate: options.node_eviction_rate,
        },
        (true, true) => NoExecuteTainting::Allowed {
            rate: options.secondary_node_eviction_rate,
        },
        (true, false) => NoExecuteTainting::Held,
    }
}

/// Brings the controller's taints in line with the conditions and `spec.unschedulable`.
async fn update_taints(
    nodes: &Api<Node>,
    node: &Node,
    ready: Option<&str>,
    no_execute: NoExecuteTainting,
) -> Result<(), ReconcileError> {
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for (kind, status, key) in CONDITION_TAINTS {
        if condition(node, kind).is_some_and(|c| c.status == status) {
            wanted.push((key, "NoSchedule"));
        }
    }
    if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        wanted.push((UNSCHEDULABLE_TAINT, "NoSchedule"));
    }
    let current: Vec<Taint> = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.clone())
        .unwrap_or_default();
    let no_execute_key = match ready {
        Some("False") => Some(NOT_READY_TAINT),
        Some("Unknown") => Some(UNREACHABLE_TAINT),
        _ => None,
    };
    if let Some(key) = no_execute_key {
        let keep = match no_execute {
            NoExecuteTainting::Allowed { .. } => true,
            NoExecuteTainting::Held => has_no_execute_condition_taint(node),
            NoExecuteTainting::Removed => false,
        };
        if keep {
            wanted.push((key, "NoExecute"));
        }
    }
    let managed: BTreeMap<&str, ()> = CONDITION_TAINTS
        .iter()
        .map(|(_, _, key)| (*key, ()))
        .chain([(UNSCHEDULABLE_TAINT, ())])
        .collect();
    let mut taints: Vec<Taint> = current
        .iter()
        .filter(|t| {
            !managed.contains_key(t.key.as_str())
                || wanted.contains(&(t.key.as_str(), t.effect.as_str()))
        })
        .cloned()
        .collect();
    for (key, effect) in &wanted {
        if !taints.iter().any(|t| t.key == *key && t.effect == *effect) {
            taints.push(Taint {
                key: (*key).into(),
                effect: (*effect).into(),
                value: None,
                time_added: (*effect == "NoExecute").then(|| Time(Timestamp::now())),
            });
        }
    }
    if taints == current {
        return Ok(());
    }
    let patch = json!({
        "metadata": {"resourceVersion": node.resource_version()},
        "spec": {"taints": if taints.is_empty() { serde_json::Value::Null } else { json!(taints) }},
    });
    nodes
        .patch(
            &node.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await?;
    Ok(())
}

/// Upstream's `MarkPodsNotReady`: every pod on the node gets Ready=False.
async fn mark_pods_not_ready(state: &Arc<State>, node: &str) -> Result<(), ReconcileError> {
    let pods: Vec<Arc<Pod>> = state
        .pods
        .state()
        .into_iter()
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .collect();
    let mut failed = None;
    for pod in pods {
        let ready = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
        let Some(ready) = ready else {
            continue;
        };
        if ready.status == "False" {
            continue;
        }
        let mut updated = (*pod).clone();
        if let Some(c) = updated
            .status
            .as_mut()
            .and_then(|s| s.conditions.as_mut())
            .and_then(|cs| cs.iter_mut().find(|c| c.type_ == "Ready"))
        {
            c.status = "False".into();
            c.last_transition_time = Some(Time(Timestamp::now()));
        }
        let api = Api::<Pod>::namespaced(
            state.ctx.client.clone(),
            &pod.namespace().unwrap_or_default(),
        );
        match api
            .replace_status(&pod.name_any(), &PostParams::default(), &updated)
            .await
        {
            Ok(_) => {
                let recorder = state.ctx.recorder(COMPONENT);
                let _ = recorder
                    .publish(
                        &Event {
                            type_: EventType::Warning,
                            reason: "NodeNotReady".into(),
                            note: Some("Node is not ready".into()),
                            action: "NodeLifecycle".into(),
                            secondary: None,
                        },
                        &pod.object_ref(&()),
                    )
                    .await;
            }
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(err) => failed = Some(err),
        }
    }
    match failed {
        Some(err) => {
            // Retry the marking on the next pass.
            let mut health = state.health.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(entry) = health.get_mut(node) {
                entry.ready = Some("True".into());
            }
            Err(err.into())
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn node(name: &str, zone: &str, ready: &str) -> Arc<Node> {
        let mut labels = serde_json::Map::new();
        if !zone.is_empty() {
            labels.insert("topology.kubernetes.io/zone".into(), json!(zone));
        }
        Arc::new(
            serde_json::from_value(json!({
                "metadata": {"name": name, "labels": labels},
                "status": {"conditions": [{"type": "Ready", "status": ready}]},
            }))
            .unwrap(),
        )
    }

    fn options() -> crate::options::ControllerManagerOptions {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            options: crate::options::ControllerManagerOptions,
        }
        Cli::try_parse_from(["kube-controller-manager"])
            .unwrap()
            .options
    }

    #[test]
    fn zone_states_decide_the_no_execute_taints() {
        use NoExecuteTainting::{Held, Removed};
        let options = options();
        let no_execute_tainting =
            |all: &[Arc<Node>], node: &Node| no_execute_tainting(all, node, &options);
        #[allow(non_upper_case_globals)]
        const Allowed: NoExecuteTainting = NoExecuteTainting::Allowed { rate: 0.1 };
        // One node, not ready: every zone is fully disrupted.
        let alone = [node("a", "", "Unknown")];
        assert_eq!(no_execute_tainting(&alone, &alone[0]), Removed);
        // One of two down: normal.
        let pair = [node("a", "", "Unknown"), node("b", "", "True")];
        assert_eq!(no_execute_tainting(&pair, &pair[0]), Allowed);
        // A whole zone down while another is up: that zone is tainted as usual.
        let zones = [
            node("a", "z1", "Unknown"),
            node("b", "z1", "False"),
            node("c", "z2", "True"),
        ];
        assert_eq!(no_execute_tainting(&zones, &zones[0]), Allowed);
        // Three of four down in a small zone: partial disruption, nothing new.
        let partial = [
            node("a", "z", "Unknown"),
            node("b", "z", "Unknown"),
            node("c", "z", "False"),
            node("d", "z", "True"),
        ];
        assert_eq!(no_execute_tainting(&partial, &partial[0]), Held);
        // Two of three down: not more than two, normal.
        let two = [
            node("a", "z", "Unknown"),
            node("b", "z", "Unknown"),
            node("c", "z", "True"),
        ];
        assert_eq!(no_execute_tainting(&two, &two[0]), Allowed);
        // Nodes excluded from disruption checks do not count.
        let mut excluded = (*node("x", "", "True")).clone();
        excluded.labels_mut().insert(
            "node.kubernetes.io/exclude-disruption".into(),
            String::new(),
        );
        let with_excluded = [node("a", "", "Unknown"), Arc::new(excluded)];
        assert_eq!(
            no_execute_tainting(&with_excluded, &with_excluded[0]),
            Removed
        );
    }

    #[tokio::test]
    async fn new_no_execute_taints_are_paced_per_zone() {
        let client =
            kube::Client::try_from(kube::Config::new("http://127.0.0.1:9".parse().unwrap()))
                .unwrap();
        let ctx = Context {
            client,
            options: Arc::new(options()),
            metrics: Arc::default(),
            root_ca: None,
            informers: Arc::default(),
        };
        let (store, _writer) = kube::runtime::reflector::store::<Lease>();
        let (pods, _pod_writer) = kube::runtime::reflector::store::<Pod>();
        let (nodes, _node_writer) = kube::runtime::reflector::store::<Node>();
        let state = State {
            ctx,
            nodes,
            leases: store,
            pods,
            health: Mutex::default(),
            known: Mutex::default(),
            limiters: Mutex::default(),
        };
        // The first node of a zone at once, the next one after 1/rate.
        assert!(state.take_token("z", 0.1).is_ok());
        let wait = state.take_token("z", 0.1).unwrap_err();
        assert!(wait > std::time::Duration::from_secs(9), "{wait:?}");
        // Another zone has its own bucket; a new rate is a new, full bucket.
        assert!(state.take_token("other", 0.1).is_ok());
        assert!(state.take_token("z", 0.01).is_ok());
        // A rate of 0 never gives a token.
        assert!(state.take_token("held", 0.0).is_err());
    }
}
