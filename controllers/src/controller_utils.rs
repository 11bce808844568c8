//! What the workload controllers share (upstream's `pkg/controller/controller_utils.go` and
//! `controller_ref_manager.go`): expectations, pod readiness and availability, label selectors,
//! the ranking of pods to delete, slow-start batches, adoption and release of dependents, and
//! the work queue (reflector caches feeding kube-rs's `applier`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt as _};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, OwnerReference};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{Action, Config, ReconcileRequest, applier};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Resource, ResourceExt as _};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::Context;
use crate::reconcile::ReconcileError;
use crate::shared_informer::Dispatched;

/// How long expectations may stay unmet before a controller acts anyway (upstream's
/// `ExpectationsTimeout`).
const EXPECTATIONS_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The first slow-start batch (upstream's `SlowStartInitialBatchSize`).
pub(crate) const SLOW_START_INITIAL_BATCH_SIZE: usize = 1;

/// One controller object's outstanding creations and deletions.
#[derive(Debug)]
struct Expectation {
    /// Creations not yet seen by the pod watch.
    adds: i64,
    /// Pods (`namespace/name`) whose deletion the watch has not seen yet.
    deletes: HashSet<String>,
    /// When they were set.
    since: Instant,
}

/// Upstream's `UIDTrackingControllerExpectations`: after asking for N creations or for some
/// deletions, a controller waits until its watch has observed them before it acts again, so
/// that a stale cache never makes it create or delete twice.
#[derive(Debug, Default)]
pub(crate) struct Expectations {
    by_key: Mutex<HashMap<String, Expectation>>,
}

impl Expectations {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Expectation>) -> T) -> T {
        let mut guard = match self.by_key.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Whether the controller object `key` may act: nothing outstanding, or waited too long.
    pub(crate) fn satisfied(&self, key: &str) -> bool {
        self.with(|map| match map.get(key) {
            None => true,
            Some(e) => {
                (e.adds <= 0 && e.deletes.is_empty()) || e.since.elapsed() > EXPECTATIONS_TIMEOUT
            }
        })
    }

    /// `key` is about to create `count` pods.
    pub(crate) fn expect_creations(&self, key: &str, count: usize) {
        self.with(|map| {
            map.insert(
                key.to_string(),
                Expectation {
                    adds: i64::try_from(count).unwrap_or(i64::MAX),
                    deletes: HashSet::new(),
                    since: Instant::now(),
                },
            );
        });
    }

    /// `key` is about to delete these pods (`namespace/name`).
    pub(crate) fn expect_deletions(&self, key: &str, pods: HashSet<String>) {
        self.with(|map| {
            map.insert(
                key.to_string(),
                Expectation {
                    adds: 0,
                    deletes: pods,
                    since: Instant::now(),
                },
            );
        });
    }

    /// The watch saw one of `key`'s new pods (or a creation failed).
    pub(crate) fn creation_observed(&self, key: &str) {
        self.with(|map| {
            if let Some(e) = map.get_mut(key) {
                e.adds -= 1;
            }
        });
    }

    /// The watch saw `pod` (`namespace/name`) go away or start terminating (or its deletion
    /// failed).
    pub(crate) fn deletion_observed(&self, key: &str, pod: &str) {
        self.with(|map| {
            if let Some(e) = map.get_mut(key) {
                e.deletes.remove(pod);
            }
        });
    }

    /// The controller object is gone.
    pub(crate) fn forget(&self, key: &str) {
        self.with(|map| {
            map.remove(key);
        });
    }
}

/// `namespace/name` of an object.
pub(crate) fn key_of<K: Resource>(object: &K) -> String {
    format!(
        "{}/{}",
        object.meta().namespace.as_deref().unwrap_or_default(),
        object.meta().name.as_deref().unwrap_or_default()
    )
}

/// The controller owner reference of an object, if any.
pub(crate) fn controller_of<K: Resource>(object: &K) -> Option<&OwnerReference> {
    object
        .meta()
        .owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))
}

/// An owner reference to `owner` with controller=true and blockOwnerDeletion=true
/// (`metav1.NewControllerRef`).
pub(crate) fn new_controller_ref<K: Resource<DynamicType = ()>>(owner: &K) -> OwnerReference {
    OwnerReference {
        api_version: K::api_version(&()).into_owned(),
        kind: K::kind(&()).into_owned(),
        name: owner.meta().name.clone().unwrap_or_default(),
        uid: owner.meta().uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Whether `owner_ref` names an object of kind `K` (group and kind; the version may differ).
pub(crate) fn refers_to_kind<K: Resource<DynamicType = ()>>(owner_ref: &OwnerReference) -> bool {
    let group = K::group(&());
    let ref_group = owner_ref
        .api_version
        .rsplit_once('/')
        .map(|(g, _)| g)
        .unwrap_or("");
    owner_ref.kind == K::kind(&()) && ref_group == group
}

/// A label selector that could be parsed (`metav1.LabelSelectorAsSelector`).
#[derive(Debug, Clone)]
pub(crate) struct Selector {
    requirements: Vec<Requirement>,
    /// `nil` selects nothing.
    nothing: bool,
}

#[derive(Debug, Clone)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Selector {
    /// Parses a selector; `None` selects nothing, an empty one everything.
    pub(crate) fn parse(selector: Option<&LabelSelector>) -> Result<Selector, String> {
        let Some(selector) = selector else {
            return Ok(Selector {
                requirements: Vec::new(),
                nothing: true,
            });
        };
        let mut requirements = Vec::new();
        for (k, v) in selector.match_labels.iter().flatten() {
            requirements.push(Requirement::In(k.clone(), vec![v.clone()]));
        }
        for expr in selector.match_expressions.iter().flatten() {
            let values = expr.values.clone().unwrap_or_default();
            let key = expr.key.clone();
            requirements.push(match expr.operator.as_str() {
                "In" if !values.is_empty() => Requirement::In(key, values),
                "NotIn" if !values.is_empty() => Requirement::NotIn(key, values),
                "Exists" if values.is_empty() => Requirement::Exists(key),
                "DoesNotExist" if values.is_empty() => Requirement::DoesNotExist(key),
                op => return Err(format!("{op:?} is not a valid label selector operator")),
            });
        }
        Ok(Selector {
            requirements,
            nothing: false,
        })
    }

    /// Whether the selector selects everything.
    pub(crate) fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// Whether `labels` match.
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        if self.nothing {
            return false;
        }
        self.requirements.iter().all(|r| match r {
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        })
    }
}

/// The phase of a pod ("" when unset).
pub(crate) fn pod_phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// Not terminal and not being deleted (`controller.IsPodActive`).
pub(crate) fn is_pod_active(pod: &Pod) -> bool {
    let phase = pod_phase(pod);
    phase != "Succeeded" && phase != "Failed" && pod.metadata.deletion_timestamp.is_none()
}

/// Being deleted but not terminal yet (`controller.IsPodTerminating`).
pub(crate) fn is_pod_terminating(pod: &Pod) -> bool {
    let phase = pod_phase(pod);
    phase != "Succeeded" && phase != "Failed" && pod.metadata.deletion_timestamp.is_some()
}

/// When the pod's Ready condition became True, if it is True.
fn ready_since(pod: &Pod) -> Option<Option<Timestamp>> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")
        .map(|c| c.last_transition_time.as_ref().map(|t| t.0))
}

/// The Ready condition is True (`podutil.IsPodReady`).
pub(crate) fn is_pod_ready(pod: &Pod) -> bool {
    ready_since(pod).is_some()
}

/// Ready for at least `min_ready_seconds` at `now` (`podutil.IsPodAvailable`).
pub(crate) fn is_pod_available(pod: &Pod, min_ready_seconds: i32, now: Timestamp) -> bool {
    match ready_since(pod) {
        None => false,
        Some(_) if min_ready_seconds <= 0 => true,
        Some(None) => false,
        Some(Some(since)) => {
            since + Duration::from_secs(u64::try_from(min_ready_seconds).unwrap_or(0)) <= now
        }
    }
}

/// How long until the first ready-but-not-yet-available pod becomes available
/// (`controller.FindMinNextPodAvailabilityCheck`).
pub(crate) fn next_availability_check(
    pods: &[Arc<Pod>],
    min_ready_seconds: i32,
    now: Timestamp,
) -> Option<Duration> {
    let min_ready = Duration::from_secs(u64::try_from(min_ready_seconds).unwrap_or(0));
    pods.iter()
        .filter_map(|pod| ready_since(pod).flatten())
        .filter_map(|since| {
            let at = since + min_ready;
            (at > now).then(|| now.duration_until(at).unsigned_abs())
        })
        .min()
}

fn restarts(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().map(|c| c.restart_count).max().unwrap_or(0))
        .unwrap_or(0)
}

fn created(pod: &Pod) -> Option<Timestamp> {
    pod.metadata.creation_timestamp.as_ref().map(|t| t.0)
}

/// Upstream's `ActivePods` ordering: the pod to delete first sorts first (unassigned before
/// assigned, Pending before Unknown before Running, not ready before ready, ready for less
/// time before more, more restarts before fewer, newer before older).
pub(crate) fn deletion_order(a: &Pod, b: &Pod) -> Ordering {
    let assigned = |p: &Pod| {
        p.spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_some_and(|n| !n.is_empty())
    };
    let phase_rank = |p: &Pod| match pod_phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };
    assigned(a)
        .cmp(&assigned(b))
        .then_with(|| phase_rank(a).cmp(&phase_rank(b)))
        .then_with(|| is_pod_ready(a).cmp(&is_pod_ready(b)))
        .then_with(|| {
            // Both ready: the one ready more recently goes first.
            match (ready_since(a).flatten(), ready_since(b).flatten()) {
                (Some(x), Some(y)) => y.cmp(&x),
                _ => Ordering::Equal,
            }
        })
        .then_with(|| restarts(b).cmp(&restarts(a)))
        .then_with(|| match (created(a), created(b)) {
            (Some(x), Some(y)) => y.cmp(&x),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
}

/// Runs `count` calls of `make` in batches of 1, 2, 4, … (each batch concurrently), stopping
/// after the first batch with a failure (upstream's `slowStartBatch`). The successes and the
/// first error.
pub(crate) async fn slow_start_batch<F, Fut>(
    count: usize,
    initial: usize,
    make: F,
) -> (usize, Option<ReconcileError>)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), ReconcileError>>,
{
    let mut remaining = count;
    let mut successes = 0;
    let mut batch = initial.min(remaining);
    while batch > 0 {
        let results = futures::future::join_all((0..batch).map(|_| make())).await;
        let mut first_error = None;
        for result in results {
            match result {
                Ok(()) => successes += 1,
                Err(err) => {
                    if first_error.is_none() {
                        first_error = Some(err);
                    }
                }
            }
        }
        if first_error.is_some() {
            return (successes, first_error);
        }
        remaining -= batch;
        batch = (2 * batch).min(remaining);
    }
    (successes, None)
}

/// Adopts `dependent` for `owner`: adds the controller reference (the dependent's UID as a
/// precondition, so that a recreated namesake is not adopted).
pub(crate) async fn adopt<D, O>(api: &Api<D>, dependent: &D, owner: &O) -> Result<(), kube::Error>
where
    D: Resource + Clone + DeserializeOwned + Debug,
    O: Resource<DynamicType = ()>,
{
    let mut refs = dependent
        .meta()
        .owner_references
        .clone()
        .unwrap_or_default();
    refs.retain(|r| Some(&r.uid) != owner.meta().uid.as_ref());
    refs.push(new_controller_ref(owner));
    let patch = json!({"metadata": {"ownerReferences": refs, "uid": dependent.meta().uid}});
    ignore_gone(
        api.patch(
            &dependent.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await,
    )
}

/// Releases `dependent` from `owner`: removes `owner`'s reference.
pub(crate) async fn release<D, O>(api: &Api<D>, dependent: &D, owner: &O) -> Result<(), kube::Error>
where
    D: Resource + Clone + DeserializeOwned + Debug,
    O: Resource,
{
    let mut refs = dependent
        .meta()
        .owner_references
        .clone()
        .unwrap_or_default();
    refs.retain(|r| Some(&r.uid) != owner.meta().uid.as_ref());
    let patch = json!({"metadata": {"ownerReferences": refs, "uid": dependent.meta().uid}});
    ignore_gone(
        api.patch(
            &dependent.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await,
    )
}

/// A dependent that is gone or was replaced (UID precondition, 409/422) is not an error.
fn ignore_gone<T>(result: Result<T, kube::Error>) -> Result<(), kube::Error> {
    match result {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status))
            if status.code == 404 || status.code == 409 || status.code == 422 =>
        {
            Ok(())
        }
        Err(err) => Err(err),
    }
}

/// Which of `candidates` (active pods or ReplicaSets of the owner's namespace that the owner
/// controls or that nobody controls) belong to `owner` after claiming: those it controls and
/// that match, plus orphans that match (adopted unless the owner is being deleted); those it
/// controls that stopped matching are released (upstream's `ClaimPods`/`ClaimReplicaSets`).
pub(crate) async fn claim<D, O>(
    api: &Api<D>,
    owner: &O,
    selector: &Selector,
    candidates: Vec<Arc<D>>,
) -> Result<Vec<Arc<D>>, ReconcileError>
where
    D: Resource + Clone + DeserializeOwned + Debug,
    O: Resource<DynamicType = ()>,
{
    let owner_uid = owner.meta().uid.clone();
    let deleting = owner.meta().deletion_timestamp.is_some();
    let mut claimed = Vec::new();
    let mut errors = Vec::new();
    for dependent in candidates {
        let matches = selector.matches(dependent.labels());
        match controller_of(dependent.as_ref()) {
            Some(r) if Some(&r.uid) == owner_uid.as_ref() => {
                if matches {
                    claimed.push(dependent);
                } else if !deleting && let Err(err) = release(api, dependent.as_ref(), owner).await
                {
                    errors.push(err.to_string());
                }
            }
            Some(_) => {}
            None => {
                if !matches || deleting || dependent.meta().deletion_timestamp.is_some() {
                    continue;
                }
                match adopt(api, dependent.as_ref(), owner).await {
                    Ok(()) => claimed.push(dependent),
                    Err(err) => errors.push(err.to_string()),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(claimed)
    } else {
        Err(ReconcileError::Other(errors.join("; ")))
    }
}

/// What a cached watch saw happen to one object.
pub(crate) enum Change<'a, K> {
    /// New to the cache (`old` is `None`) or changed.
    Applied {
        /// The cached copy before, if any.
        old: Option<Arc<K>>,
        /// The object now.
        new: &'a K,
    },
    /// Gone.
    Deleted(&'a K),
}

/// The controller manager's shared cache of `api` (with `config`) and this controller's
/// stream of reconcile requests: `on_change` is called for every change once the cache holds
/// it, with the cached copy from before, and yields what to reconcile. Objects that vanished
/// while the watch relisted are reported as deleted; a relist reports only what changed.
pub(crate) fn cached_watch<K, R, F>(
    ctx: &Context,
    api: Api<K>,
    config: watcher::Config,
    mut on_change: F,
) -> (Store<K>, impl Stream<Item = ObjectRef<R>> + Send + 'static)
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    R: Resource<DynamicType = ()> + 'static,
    F: FnMut(&Store<K>, Change<'_, K>) -> Vec<ObjectRef<R>> + Send + 'static,
{
    let (store, events) = ctx.informers.subscribe(api, config);
    let reader = store.clone();
    let stream = events
        .map(move |dispatched| {
            let Dispatched { event, old } = dispatched;
            let triggers = match &event {
                watcher::Event::Apply(obj) => on_change(&reader, Change::Applied { old, new: obj }),
                watcher::Event::Delete(obj) => on_change(&reader, Change::Deleted(obj)),
                watcher::Event::InitApply(obj) => {
                    let changed = old
                        .as_ref()
                        .is_none_or(|o| o.meta().resource_version != obj.meta().resource_version);
                    if changed {
                        on_change(&reader, Change::Applied { old, new: obj })
                    } else {
                        Vec::new()
                    }
                }
                watcher::Event::Init | watcher::Event::InitDone => Vec::new(),
            };
            futures::stream::iter(triggers)
        })
        .flatten();
    (store, stream)
}

/// Works the queue: `triggers` name objects of `store` to reconcile, at most `concurrency` at
/// once, one at a time per object, with requeues as `reconcile` and `error_policy` ask.
pub(crate) async fn run_queue<K, S, Fut>(
    store: Store<K>,
    triggers: impl Stream<Item = ObjectRef<K>> + Send + 'static,
    reconcile: impl FnMut(Arc<K>, Arc<S>) -> Fut,
    error_policy: impl Fn(Arc<K>, &ReconcileError, Arc<S>) -> Action,
    state: Arc<S>,
    concurrency: u16,
) where
    K: Resource<DynamicType = ()> + Clone + Debug + Send + Sync + 'static,
    Fut: Future<Output = Result<Action, ReconcileError>> + Send + 'static,
    S: Send + Sync + 'static,
{
    let queue = triggers.map(|r| Ok::<_, Infallible>(ReconcileRequest::from(r)));
    let mut reconcile = reconcile;
    applier(
        move |obj, state| Box::pin(reconcile(obj, state)),
        error_policy,
        state,
        store,
        queue,
        Config::default().concurrency(concurrency),
    )
    .for_each(|result| async move {
        if let Err(err) = result {
            tracing::debug!(%err, "reconcile queue");
        }
    })
    .await;
}

/// Records an event on the owner; failures are only logged (as upstream's recorder).
pub(crate) async fn publish(
    recorder: &kube::runtime::events::Recorder,
    reference: &k8s_openapi::api::core::v1::ObjectReference,
    type_: kube::runtime::events::EventType,
    reason: &str,
    note: String,
) {
    let event = kube::runtime::events::Event {
        type_,
        reason: reason.into(),
        note: Some(note),
        action: reason.into(),
        secondary: None,
    };
    if let Err(err) = recorder.publish(&event, reference).await {
        tracing::debug!(%err, reason, "could not record event");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn expectations_wait_for_every_observation() {
        let e = Expectations::default();
        assert!(e.satisfied("ns/a"));
        e.expect_creations("ns/a", 2);
        assert!(!e.satisfied("ns/a"));
        e.creation_observed("ns/a");
        assert!(!e.satisfied("ns/a"));
        e.creation_observed("ns/a");
        assert!(e.satisfied("ns/a"));
        e.expect_deletions("ns/a", HashSet::from(["ns/p1".to_string()]));
        assert!(!e.satisfied("ns/a"));
        e.deletion_observed("ns/a", "ns/p2");
        assert!(!e.satisfied("ns/a"));
        e.deletion_observed("ns/a", "ns/p1");
        assert!(e.satisfied("ns/a"));
    }

    #[test]
    fn selectors_match_as_upstream() {
        let sel: LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]
        }))
        .unwrap();
        let sel = Selector::parse(Some(&sel)).unwrap();
        let labels = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(sel.matches(&labels(&[("app", "web")])));
        assert!(!sel.matches(&labels(&[("app", "web"), ("tier", "db")])));
        assert!(!sel.matches(&labels(&[("app", "api")])));
        assert!(!Selector::parse(None).unwrap().matches(&labels(&[])));
        assert!(
            Selector::parse(Some(&LabelSelector::default()))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn pending_and_unready_pods_are_deleted_first() {
        let pod = |name: &str, phase: &str, ready: bool, created: &str| -> Pod {
            serde_json::from_value(json!({
                "metadata": {"name": name, "creationTimestamp": created},
                "status": {"phase": phase, "conditions": [
                    {"type": "Ready", "status": if ready {"True"} else {"False"},
                     "lastTransitionTime": created}
                ]}
            }))
            .unwrap()
        };
        let mut pods = [
            pod("old-ready", "Running", true, "2024-01-01T00:00:00Z"),
            pod("new-ready", "Running", true, "2024-01-02T00:00:00Z"),
            pod("unready", "Running", false, "2024-01-01T00:00:00Z"),
            pod("pending", "Pending", false, "2024-01-01T00:00:00Z"),
        ];
        pods.sort_by(deletion_order);
        let names: Vec<_> = pods.iter().map(|p| p.name_any()).collect();
        assert_eq!(names, ["pending", "unready", "new-ready", "old-ready"]);
    }

    #[tokio::test]
    async fn slow_start_batches_double_and_stop_at_failure() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let (ok, err) = slow_start_batch(10, 1, || async {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n == 5 {
                Err(ReconcileError::Other("boom".into()))
            } else {
                Ok(())
            }
        })
        .await;
        // Batches 1, 2, 4: the sixth call (in the batch of 4) fails, so 7 calls, 6 successes.
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 7);
        assert_eq!(ok, 6);
        assert!(err.is_some());
    }
}
