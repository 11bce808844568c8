//! The ReplicaSet and ReplicationController controllers (upstream's `pkg/controller/replicaset`
//! and `pkg/controller/replication`, which runs ReplicationControllers through the ReplicaSet
//! code): one implementation for both kinds, [`Replicated`] converting each to a ReplicaSet.
//! Keeps `spec.replicas` active pods made from `spec.template`, adopting matching orphans and
//! releasing pods that stopped matching, with expectations so that a cache behind the API
//! server never makes it create or delete twice; reports counts and `ReplicaFailure` in status.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{
    ReplicaSet, ReplicaSetCondition, ReplicaSetSpec, ReplicaSetStatus,
};
use k8s_openapi::api::core::v1::{Pod, ReplicationController};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{EventType, Recorder};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Resource, ResourceExt as _};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Context;
use crate::controller_utils::{
    Change, Expectations, SLOW_START_INITIAL_BATCH_SIZE, Selector, cached_watch, claim,
    controller_of, deletion_order, is_pod_active, is_pod_available, is_pod_ready,
    is_pod_terminating, key_of, new_controller_ref, next_availability_check, publish,
    refers_to_kind, run_queue, slow_start_batch,
};
use crate::reconcile::{ReconcileError, error_policy};

/// The most pods one sync creates or deletes (upstream's `BurstReplicas`).
const BURST_REPLICAS: usize = 500;

/// A kind the ReplicaSet code manages.
pub(crate) trait Replicated:
    Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
    + Clone
    + DeserializeOwned
    + Serialize
    + Debug
    + Send
    + Sync
    + 'static
{
    /// The controller's upstream name.
    const CONTROLLER: &'static str;
    /// Whether the status has `terminatingReplicas`.
    const TERMINATING_REPLICAS: bool;
    /// The object as a ReplicaSet (upstream's conversion for ReplicationControllers).
    fn as_replica_set(&self) -> ReplicaSet;
}

impl Replicated for ReplicaSet {
    const CONTROLLER: &'static str = "replicaset-controller";
    const TERMINATING_REPLICAS: bool = true;
    fn as_replica_set(&self) -> ReplicaSet {
        self.clone()
    }
}

impl Replicated for ReplicationController {
    const CONTROLLER: &'static str = "replicationcontroller-controller";
    const TERMINATING_REPLICAS: bool = false;
    fn as_replica_set(&self) -> ReplicaSet {
        let spec = self.spec.clone().unwrap_or_default();
        let status = self.status.clone().unwrap_or_default();
        ReplicaSet {
            metadata: self.metadata.clone(),
            spec: ReplicaSetSpec {
                replicas: spec.replicas,
                min_ready_seconds: spec.min_ready_seconds,
                selector: LabelSelector {
                    match_labels: spec.selector.clone(),
                    match_expressions: None,
                },
                template: spec.template.clone(),
            },
            status: Some(ReplicaSetStatus {
                replicas: status.replicas,
                fully_labeled_replicas: status.fully_labeled_replicas,
                ready_replicas: status.ready_replicas,
                available_replicas: status.available_replicas,
                observed_generation: status.observed_generation,
                terminating_replicas: None,
                conditions: status.conditions.map(|cs| {
                    cs.into_iter()
                        .map(|c| ReplicaSetCondition {
                            type_: Some(c.type_),
                            status: Some(c.status),
                            reason: c.reason,
                            message: c.message,
                            last_transition_time: c.last_transition_time,
                        })
                        .collect()
                }),
            }),
        }
    }
}

/// What the reconciler of one kind shares.
struct State<K: Replicated> {
    ctx: Arc<Context>,
    pods: Store<Pod>,
    owners: Store<K>,
    expectations: Arc<Expectations>,
    recorder: Recorder,
}

/// The ReplicaSet controller.
pub(crate) async fn run_replica_sets(ctx: Context) {
    let concurrency = ctx.options.concurrent_replicaset_syncs;
    run::<ReplicaSet>(ctx, concurrency).await;
}

/// The ReplicationController controller.
pub(crate) async fn run_replication_controllers(ctx: Context) {
    let concurrency = ctx.options.concurrent_rc_syncs;
    run::<ReplicationController>(ctx, concurrency).await;
}

/// The owner of `pod` of kind `K`, by its controller reference.
fn owner_of<K: Replicated>(pod: &Pod) -> Option<ObjectRef<K>> {
    let owner = controller_of(pod).filter(|r| refers_to_kind::<K>(r))?;
    Some(ObjectRef::new(&owner.name).within(pod.metadata.namespace.as_deref().unwrap_or("")))
}

async fn run<K: Replicated>(ctx: Context, concurrency: u16) {
    let client = ctx.client.clone();
    let expectations = Arc::new(Expectations::default());
    let (owners, owner_triggers) = cached_watch(
        &ctx,
        Api::<K>::all(client.clone()),
        watcher::Config::default(),
        {
            let expectations = expectations.clone();
            move |_store: &Store<K>, change| match change {
                Change::Applied { new, .. } => vec![ObjectRef::from_obj(new)],
                Change::Deleted(gone) => {
                    expectations.forget(&key_of(gone));
                    Vec::new()
                }
            }
        },
    );
    let (pods, pod_triggers) = cached_watch(
        &ctx,
        Api::<Pod>::all(client.clone()),
        watcher::Config::default(),
        {
            let expectations = expectations.clone();
            let owners = owners.clone();
            move |_store: &Store<Pod>, change| pod_changed::<K>(&expectations, &owners, change)
        },
    );
    let state = Arc::new(State {
        recorder: ctx.recorder(K::CONTROLLER),
        ctx: Arc::new(ctx),
        pods,
        owners: owners.clone(),
        expectations,
    });
    let policy = error_policy::<K>(K::CONTROLLER);
    run_queue(
        owners,
        futures::stream::select(owner_triggers, pod_triggers),
        reconcile::<K>,
        move |obj, err, state: Arc<State<K>>| policy(obj, err, state.ctx.clone()),
        state,
        concurrency,
    )
    .await;
}

/// Lowers expectations for what the pod watch saw, and names the owners to sync (upstream's
/// `addPod`/`updatePod`/`deletePod`).
fn pod_changed<K: Replicated>(
    expectations: &Expectations,
    owners: &Store<K>,
    change: Change<'_, Pod>,
) -> Vec<ObjectRef<K>> {
    match change {
        Change::Applied { old, new } => {
            let mut triggers = Vec::new();
            let owner = owner_of::<K>(new);
            if let Some(owner) = &owner {
                let owner_key = format!(
                    "{}/{}",
                    owner.namespace.as_deref().unwrap_or(""),
                    owner.name
                );
                if new.metadata.deletion_timestamp.is_some() {
                    if old
                        .as_ref()
                        .is_none_or(|o| o.metadata.deletion_timestamp.is_none())
                    {
                        expectations.deletion_observed(&owner_key, &key_of(new));
                    }
                } else if old.is_none() {
                    expectations.creation_observed(&owner_key);
                }
                triggers.push(owner.clone());
            }
            // The previous owner, when the controller reference changed.
            if let Some(previous) = old.as_deref().and_then(owner_of::<K>)
                && Some(&previous) != owner.as_ref()
            {
                triggers.push(previous);
            }
            if owner.is_none() {
                // An orphan: every owner whose selector matches may adopt it.
                let namespace = new.metadata.namespace.clone();
                triggers.extend(
                    owners
                        .state()
                        .iter()
                        .filter(|o| o.meta().namespace == namespace)
                        .filter(|o| {
                            let rs = o.as_replica_set();
                            Selector::parse(Some(&rs.spec.selector))
                                .is_ok_and(|s| s.matches(new.labels()))
                        })
                        .map(|o| ObjectRef::from_obj(o.as_ref())),
                );
            }
            triggers
        }
        Change::Deleted(gone) => match owner_of::<K>(gone) {
            Some(owner) => {
                let owner_key = format!(
                    "{}/{}",
                    owner.namespace.as_deref().unwrap_or(""),
                    owner.name
                );
                expectations.deletion_observed(&owner_key, &key_of(gone));
                vec![owner]
            }
            None => Vec::new(),
        },
    }
}

async fn reconcile<K: Replicated>(
    owner: Arc<K>,
    state: Arc<State<K>>,
) -> Result<Action, ReconcileError> {
    crate::shared_informer::wait_synced(&state.pods)
        .await
        .map_err(|err| ReconcileError::Other(err.to_string()))?;
    let ctx = &state.ctx;
    ctx.metrics
        .inc("ironkube_controller_syncs_total", K::CONTROLLER);
    let key = key_of(owner.as_ref());
    // The cache may hold a newer copy than the one queued.
    let owner = state
        .owners
        .get(&ObjectRef::from_obj(owner.as_ref()))
        .unwrap_or(owner);
    let rs = owner.as_replica_set();
    let spec = rs.spec.clone();
    let needs_sync = state.expectations.satisfied(&key);
    let selector = match Selector::parse(Some(&spec.selector)) {
        Ok(selector) => selector,
        Err(err) => {
            tracing::warn!(controller = K::CONTROLLER, key, %err, "invalid selector");
            return Ok(Action::await_change());
        }
    };
    let namespace = owner.namespace().unwrap_or_default();
    let uid = owner.meta().uid.clone();
    let pods_api = Api::<Pod>::namespaced(ctx.client.clone(), &namespace);
    // Pods this owner controls, and orphans it might adopt.
    let related: Vec<Arc<Pod>> = state.pods.state_filter(|pod| {
        pod.metadata.namespace.as_deref() == Some(namespace.as_str())
            && controller_of(pod).is_none_or(|r| Some(&r.uid) == uid.as_ref())
    });
    let (active, terminating): (Vec<Arc<Pod>>, Vec<Arc<Pod>>) = (
        related
            .iter()
            .filter(|p| is_pod_active(p))
            .cloned()
            .collect(),
        related
            .iter()
            .filter(|p| is_pod_terminating(p))
            .filter(|p| controller_of(p.as_ref()).is_some_and(|r| Some(&r.uid) == uid.as_ref()))
            .filter(|p| selector.matches(p.labels()))
            .cloned()
            .collect(),
    );
    let active = claim(&pods_api, owner.as_ref(), &selector, active).await?;
    let manage_error = if needs_sync && owner.meta().deletion_timestamp.is_none() {
        manage_replicas(&state, owner.as_ref(), &rs, &key, &active)
            .await
            .err()
    } else {
        None
    };
    let now = Timestamp::now();
    let status = calculate_status::<K>(&rs, &active, terminating.len(), manage_error.as_ref(), now);
    let current = rs.status.clone().unwrap_or_default();
    if !same_status(&current, &status) {
        let api = Api::<K>::namespaced(ctx.client.clone(), &namespace);
        // A full update with the cached resourceVersion, as upstream's UpdateStatus: a
        // write based on a stale copy fails with a conflict and is retried.
        let mut body = serde_json::to_value(owner.as_ref())
            .map_err(|e| ReconcileError::Other(e.to_string()))?;
        body["status"] =
            serde_json::to_value(&status).map_err(|e| ReconcileError::Other(e.to_string()))?;
        if !K::TERMINATING_REPLICAS
            && let Some(fields) = body["status"].as_object_mut()
        {
            fields.remove("terminatingReplicas");
        }
        let updated: K =
            serde_json::from_value(body).map_err(|e| ReconcileError::Other(e.to_string()))?;
        match api
            .replace_status(&owner.name_any(), &PostParams::default(), &updated)
            .await
        {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Action::await_change()),
            Err(err) => return Err(err.into()),
        }
    }
    if let Some(err) = manage_error {
        return Err(err);
    }
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    if min_ready > 0 && status.ready_replicas != status.available_replicas {
        let after = next_availability_check(&active, min_ready, now)
            .unwrap_or(Duration::from_secs(u64::try_from(min_ready).unwrap_or(1)));
        return Ok(Action::requeue(after));
    }
    Ok(Action::await_change())
}

/// Upstream's `updateReplicaSetStatus` skip: the counts, the generation and the conditions.
fn same_status(a: &ReplicaSetStatus, b: &ReplicaSetStatus) -> bool {
    // Zeros may come back omitted.
    let n = |v: Option<i32>| v.unwrap_or(0);
    a.replicas == b.replicas
        && n(a.fully_labeled_replicas) == n(b.fully_labeled_replicas)
        && n(a.ready_replicas) == n(b.ready_replicas)
        && n(a.available_replicas) == n(b.available_replicas)
        && a.observed_generation.unwrap_or(0) == b.observed_generation.unwrap_or(0)
        && n(a.terminating_replicas) == n(b.terminating_replicas)
        && a.conditions.as_deref().unwrap_or_default()
            == b.conditions.as_deref().unwrap_or_default()
}

/// Creates or deletes pods so that `active` becomes `spec.replicas` (upstream's
/// `manageReplicas`).
async fn manage_replicas<K: Replicated>(
    state: &State<K>,
    owner: &K,
    rs: &ReplicaSet,
    key: &str,
    active: &[Arc<Pod>],
) -> Result<(), ReconcileError> {
    let spec = rs.spec.clone();
    let wanted = usize::try_from(spec.replicas.unwrap_or(1)).unwrap_or(0);
    let namespace = owner.namespace().unwrap_or_default();
    let pods_api = Api::<Pod>::namespaced(state.ctx.client.clone(), &namespace);
    let reference = owner.object_ref(&());
    if active.len() < wanted {
        let diff = (wanted - active.len()).min(BURST_REPLICAS);
        state.expectations.expect_creations(key, diff);
        let pod = pod_from_template(owner, &spec);
        let (created, err) = slow_start_batch(diff, SLOW_START_INITIAL_BATCH_SIZE, || async {
            match pods_api.create(&PostParams::default(), &pod).await {
                Ok(made) => {
                    publish(
                        &state.recorder,
                        &reference,
                        EventType::Normal,
                        "SuccessfulCreate",
                        format!("Created pod: {}", made.name_any()),
                    )
                    .await;
                    Ok(())
                }
                Err(kube::Error::Api(s)) if is_namespace_terminating(&s) => Ok(()),
                Err(err) => {
                    publish(
                        &state.recorder,
                        &reference,
                        EventType::Warning,
                        "FailedCreate",
                        format!("Error creating: {}", api_message(&err)),
                    )
                    .await;
                    Err(ReconcileError::Other(api_message(&err)))
                }
            }
        })
        .await;
        for _ in created..diff {
            state.expectations.creation_observed(key);
        }
        if let Some(err) = err {
            return Err(err);
        }
    } else if active.len() > wanted {
        let diff = (active.len() - wanted).min(BURST_REPLICAS);
        let mut ranked: Vec<Arc<Pod>> = active.to_vec();
        ranked.sort_by(|a, b| deletion_order(a, b));
        ranked.truncate(diff);
        let keys: HashSet<String> = ranked.iter().map(|p| key_of(p.as_ref())).collect();
        state.expectations.expect_deletions(key, keys);
        let results = futures::future::join_all(ranked.iter().map(|pod| {
            let pods_api = pods_api.clone();
            let reference = reference.clone();
            async move {
                let name = pod.name_any();
                match pods_api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) => {
                        publish(
                            &state.recorder,
                            &reference,
                            EventType::Normal,
                            "SuccessfulDelete",
                            format!("Deleted pod: {name}"),
                        )
                        .await;
                        Ok(())
                    }
                    Err(err) => {
                        state
                            .expectations
                            .deletion_observed(key, &key_of(pod.as_ref()));
                        if matches!(&err, kube::Error::Api(s) if s.code == 404) {
                            return Ok(());
                        }
                        publish(
                            &state.recorder,
                            &reference,
                            EventType::Warning,
                            "FailedDelete",
                            format!("Error deleting: {}", api_message(&err)),
                        )
                        .await;
                        Err(ReconcileError::Other(api_message(&err)))
                    }
                }
            }
        }))
        .await;
        if let Some(err) = results.into_iter().find_map(Result::err) {
            return Err(err);
        }
    }
    Ok(())
}

/// The API server's message for an error (what upstream's `err.Error()` shows).
fn api_message(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

fn is_namespace_terminating(status: &kube::core::Status) -> bool {
    status
        .details
        .as_ref()
        .is_some_and(|d| d.causes.iter().any(|c| c.reason == "NamespaceTerminating"))
}

/// A pod for `owner` from its template (upstream's `GetPodFromTemplate`).
fn pod_from_template<K: Replicated>(owner: &K, spec: &ReplicaSetSpec) -> Pod {
    let template = spec.template.clone().unwrap_or_default();
    let meta = template.metadata.unwrap_or_default();
    let name = owner.name_any();
    // Upstream drops the dash when the prefix would not be a valid pod name; 58 characters
    // leave room for the 5 random ones.
    let prefix = if name.len() < 58 {
        format!("{name}-")
    } else {
        name
    };
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(prefix),
            namespace: owner.namespace(),
            labels: meta.labels,
            annotations: meta.annotations,
            finalizers: meta.finalizers,
            owner_references: Some(vec![new_controller_ref(owner)]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    }
}

/// The new status (upstream's `calculateStatus`).
fn calculate_status<K: Replicated>(
    rs: &ReplicaSet,
    active: &[Arc<Pod>],
    terminating: usize,
    manage_error: Option<&ReconcileError>,
    now: Timestamp,
) -> ReplicaSetStatus {
    let spec = rs.spec.clone();
    let mut status = rs.status.clone().unwrap_or_default();
    let template_labels: BTreeMap<String, String> = spec
        .template
        .as_ref()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let fully_labeled = active
        .iter()
        .filter(|p| {
            template_labels
                .iter()
                .all(|(k, v)| p.labels().get(k) == Some(v))
        })
        .count();
    let ready: Vec<_> = active.iter().filter(|p| is_pod_ready(p)).collect();
    let available = ready
        .iter()
        .filter(|p| is_pod_available(p, min_ready, now))
        .count();
    let mut conditions = status.conditions.take().unwrap_or_default();
    let failure = conditions
        .iter()
        .position(|c| c.type_.as_deref() == Some("ReplicaFailure"));
    match (manage_error, failure) {
        (Some(err), None) => {
            let wanted = spec.replicas.unwrap_or(1);
            let reason = match count(active.len()).cmp(&wanted) {
                std::cmp::Ordering::Less => "FailedCreate",
                std::cmp::Ordering::Greater => "FailedDelete",
                std::cmp::Ordering::Equal => "",
            };
            conditions.push(ReplicaSetCondition {
                type_: Some("ReplicaFailure".into()),
                status: Some("True".into()),
                reason: Some(reason.into()),
                message: Some(err.to_string()),
                last_transition_time: Some(Time(now)),
            });
        }
        (None, Some(i)) => {
            conditions.remove(i);
        }
        _ => {}
    }
    ReplicaSetStatus {
        replicas: count(active.len()),
        fully_labeled_replicas: Some(count(fully_labeled)),
        ready_replicas: Some(count(ready.len())),
        available_replicas: Some(count(available)),
        terminating_replicas: K::TERMINATING_REPLICAS.then(|| count(terminating)),
        observed_generation: rs.metadata.generation,
        conditions: (!conditions.is_empty()).then_some(conditions),
    }
}
