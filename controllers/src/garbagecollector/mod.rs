//! The garbage collector (upstream's `pkg/controller/garbagecollector`). Metadata-only watches
//! over every resource discovery lists with list, watch and delete (built-ins and CRDs,
//! discovered again every 30 s and whenever a reference names a kind not known yet) feed one
//! ownership graph ([`graph`]). Its changes queue work for two pools of
//! `--concurrent-gc-syncs` workers ([`operations`]):
//! - attemptToDelete: an object whose owners are all gone (checked live at the API server) is
//!   deleted; owners deleted in the foreground drop `foregroundDeletion` once no blocking
//!   dependent is left;
//! - attemptToOrphan: owners deleted with the `orphan` finalizer are removed from their
//!   dependents' ownerReferences, then the finalizer goes.

mod graph;
mod operations;
mod queue;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kube::api::{ApiResource, DynamicObject};
use kube::core::PartialObjectMeta;
use kube::discovery::{Discovery, Scope, verbs};
use kube::runtime::{WatchStreamExt as _, watcher};
use tokio::sync::mpsc;

use crate::Context;
use graph::{Effect, Graph, GraphEvent};
use queue::WorkQueue;

const NAME: &str = "garbage-collector-controller";
/// How often discovery is looked at again (upstream's `Sync` period).
const RESYNC_PERIOD: Duration = Duration::from_secs(30);
/// How long the workers wait for the monitors' first lists (upstream's initial sync timeout).
const INITIAL_SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// The least time between two discoveries forced by an unknown kind.
const MIN_FORCED_RESYNC: Duration = Duration::from_millis(500);

/// Where one kind lives: its resource and scope.
#[derive(Clone, Debug)]
struct Mapping {
    resource: ApiResource,
    namespaced: bool,
}

/// One watched resource: its task and the metadata it last saw (upstream's informer store).
struct Monitor {
    task: tokio::task::JoinHandle<()>,
    store: Arc<RwLock<HashMap<String, ObjectMeta>>>,
    synced: Arc<AtomicBool>,
    kind_key: (String, String),
}

/// The collector's shared state.
pub(super) struct GarbageCollector {
    ctx: Context,
    graph: Mutex<Graph>,
    attempt_to_delete: Arc<WorkQueue>,
    attempt_to_orphan: Arc<WorkQueue>,
    graph_changes: mpsc::UnboundedSender<GraphEvent>,
    /// (apiVersion, kind) → mapping, over every served version.
    mapper: RwLock<HashMap<(String, String), Mapping>>,
    /// "group/version/resource" → its monitor.
    monitors: Mutex<HashMap<String, Monitor>>,
    /// Woken whenever a monitor finishes a list.
    monitor_listed: Arc<tokio::sync::Notify>,
    /// Woken when the graph reaches a [`GraphEvent::Barrier`].
    graph_caught_up: tokio::sync::Notify,
    /// Serializes discoveries; when the last one ran.
    last_sync: tokio::sync::Mutex<Option<Instant>>,
}

/// Stops the monitors when the controller stops (their tasks are not the caller's).
struct StopMonitors(Arc<GarbageCollector>);

impl Drop for StopMonitors {
    fn drop(&mut self) {
        for (_, monitor) in self.0.monitors().drain() {
            monitor.task.abort();
        }
    }
}

pub(crate) async fn run(ctx: Context) {
    let workers = usize::from(ctx.options.concurrent_gc_syncs.max(1));
    let (changes_tx, mut changes_rx) = mpsc::unbounded_channel();
    let gc = Arc::new(GarbageCollector {
        ctx,
        graph: Mutex::new(Graph::default()),
        attempt_to_delete: Arc::new(WorkQueue::default()),
        attempt_to_orphan: Arc::new(WorkQueue::default()),
        graph_changes: changes_tx,
        mapper: RwLock::new(HashMap::new()),
        monitors: Mutex::new(HashMap::new()),
        monitor_listed: Arc::new(tokio::sync::Notify::new()),
        graph_caught_up: tokio::sync::Notify::new(),
        last_sync: tokio::sync::Mutex::new(None),
    });
    let _stop = StopMonitors(gc.clone());
    let mut tasks = tokio::task::JoinSet::new();
    {
        let gc = gc.clone();
        tasks.spawn(async move {
            while let Some(change) = changes_rx.recv().await {
                if matches!(change, GraphEvent::Barrier) {
                    gc.graph_caught_up.notify_one();
                    continue;
                }
                let effects = gc.graph().process(change);
                gc.apply(effects);
            }
        });
    }
    // The first discovery; without it there is nothing to watch.
    let mut backoff = Duration::from_millis(200);
    while let Err(err) = gc.sync_resources().await {
        tracing::warn!(%err, "garbage collector: discovery failed");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
    if tokio::time::timeout(INITIAL_SYNC_TIMEOUT, gc.wait_synced())
        .await
        .is_err()
    {
        tracing::warn!("garbage collector: timed out waiting for the monitors' first lists");
    } else {
        tracing::info!("garbage collector: all resource monitors have synced");
    }
    // The monitors sent their lists before they said they synced: once the graph has taken
    // in everything sent so far, the workers see every listed object's owners and dependents.
    if gc.graph_changes.send(GraphEvent::Barrier).is_ok() {
        gc.graph_caught_up.notified().await;
    }
    for _ in 0..workers {
        let worker = gc.clone();
        tasks.spawn(async move { worker.run_attempt_to_delete_worker().await });
        let worker = gc.clone();
        tasks.spawn(async move { worker.run_attempt_to_orphan_worker().await });
    }
    let mut resync = tokio::time::interval(RESYNC_PERIOD);
    resync.tick().await;
    loop {
        resync.tick().await;
        if let Err(err) = gc.sync_resources().await {
            tracing::warn!(%err, "garbage collector: discovery failed, keeping the monitors");
        }
    }
}

/// The store key of an object: `namespace/name`, or `name`.
fn store_key(meta: &ObjectMeta) -> String {
    match &meta.namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{}", meta.name.as_deref().unwrap_or("")),
        _ => meta.name.clone().unwrap_or_default(),
    }
}

impl GarbageCollector {
    fn graph(&self) -> std::sync::MutexGuard<'_, Graph> {
        self.graph.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn monitors(&self) -> std::sync::MutexGuard<'_, HashMap<String, Monitor>> {
        self.monitors.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Does what the graph asked.
    fn apply(&self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::AttemptToDelete(uid) => self.attempt_to_delete.add(uid),
                Effect::AttemptToDeleteRateLimited(uid) => {
                    self.attempt_to_delete.add_rate_limited(uid);
                }
                Effect::AttemptToOrphan(uid) => self.attempt_to_orphan.add(uid),
                Effect::InvalidNamespaceOwnerRef { dependent, message } => {
                    let client = self.ctx.client.clone();
                    tokio::spawn(async move {
                        operations::record_warning(
                            client,
                            &dependent,
                            "OwnerRefInvalidNamespace",
                            &message,
                        )
                        .await;
                    });
                }
            }
        }
    }

    /// Tells the graph that `identity` is absent at the API server.
    fn enqueue_virtual_delete(&self, identity: graph::Identity) {
        // The receiver only goes away with the controller.
        let _ = self.graph_changes.send(GraphEvent::VirtualDelete(identity));
    }

    /// Where `api_version`/`kind` lives, if discovery knows it.
    fn mapping(&self, api_version: &str, kind: &str) -> Option<Mapping> {
        self.mapper
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(api_version.to_string(), kind.to_string()))
            .cloned()
    }

    /// Where `api_version`/`kind` lives; a kind discovery did not know is looked up again
    /// (upstream's deferred REST mapper re-discovers on a miss), not too often.
    async fn mapping_refreshed(&self, api_version: &str, kind: &str) -> Option<Mapping> {
        if let Some(found) = self.mapping(api_version, kind) {
            return Some(found);
        }
        let recent = self
            .last_sync
            .lock()
            .await
            .is_some_and(|at| at.elapsed() < MIN_FORCED_RESYNC);
        if !recent && let Err(err) = self.sync_resources().await {
            tracing::debug!(%err, "garbage collector: discovery failed");
        }
        self.mapping(api_version, kind)
    }

    /// Discovers the resources, renews the mapper, and starts and stops monitors to match.
    async fn sync_resources(&self) -> Result<(), kube::Error> {
        let mut last_sync = self.last_sync.lock().await;
        let discovery = Discovery::new(self.ctx.client.clone())
            .run_aggregated()
            .await?;
        *last_sync = Some(Instant::now());
        let mut mapper = HashMap::new();
        let mut deletable = HashMap::new();
        for group in discovery.groups() {
            for version in group.versions() {
                for (resource, caps) in group.versioned_resources(version) {
                    mapper.insert(
                        (resource.api_version.clone(), resource.kind.clone()),
                        Mapping {
                            resource,
                            namespaced: caps.scope == Scope::Namespaced,
                        },
                    );
                }
            }
            for (resource, caps) in group.recommended_resources() {
                let ignored = resource.plural == "events"
                    && (resource.group.is_empty() || resource.group == "events.k8s.io");
                if ignored
                    || !caps.supports_operation(verbs::LIST)
                    || !caps.supports_operation(verbs::WATCH)
                    || !caps.supports_operation(verbs::DELETE)
                {
                    continue;
                }
                let key = format!(
                    "{}/{}/{}",
                    resource.group, resource.version, resource.plural
                );
                deletable.insert(key, resource);
            }
        }
        *self.mapper.write().unwrap_or_else(PoisonError::into_inner) = mapper;
        let mut monitors = self.monitors();
        let before: BTreeSet<String> = monitors.keys().cloned().collect();
        monitors.retain(|key, monitor| {
            let keep = deletable.contains_key(key);
            if !keep {
                monitor.task.abort();
            }
            keep
        });
        for (key, resource) in deletable {
            if monitors.contains_key(&key) {
                continue;
            }
            let store = Arc::new(RwLock::new(HashMap::new()));
            let synced = Arc::new(AtomicBool::new(false));
            let kind_key = (resource.api_version.clone(), resource.kind.clone());
            let task = tokio::spawn(monitor(
                self.ctx.client.clone(),
                resource,
                store.clone(),
                synced.clone(),
                self.monitor_listed.clone(),
                self.graph_changes.clone(),
            ));
            monitors.insert(
                key,
                Monitor {
                    task,
                    store,
                    synced,
                    kind_key,
                },
            );
        }
        let after: BTreeSet<String> = monitors.keys().cloned().collect();
        if before != after {
            tracing::info!(
                added = ?after.difference(&before).collect::<Vec<_>>(),
                removed = ?before.difference(&after).collect::<Vec<_>>(),
                "garbage collector: synced monitors with discovery"
            );
        }
        Ok(())
    }

    /// Returns once every monitor has listed once.
    async fn wait_synced(&self) {
        loop {
            let listed = self.monitor_listed.notified();
            let all = self
                .monitors()
                .values()
                .all(|m| m.synced.load(Ordering::Relaxed));
            if all {
                return;
            }
            listed.await;
        }
    }

    /// The metadata the monitor of `api_version`/`kind` holds for `namespace/name`.
    fn cached_metadata(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Option<ObjectMeta> {
        let key = if namespace.is_empty() {
            name.to_string()
        } else {
            format!("{namespace}/{name}")
        };
        let kind_key = (api_version.to_string(), kind.to_string());
        self.monitors()
            .values()
            .find(|m| m.kind_key == kind_key)
            .and_then(|m| {
                m.store
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&key)
                    .cloned()
            })
    }
}

/// Watches one resource's metadata and reports every change to the graph, with the previous
/// state; a relist reports what disappeared meanwhile as deleted.
async fn monitor(
    client: kube::Client,
    resource: ApiResource,
    store: Arc<RwLock<HashMap<String, ObjectMeta>>>,
    synced: Arc<AtomicBool>,
    listed_signal: Arc<tokio::sync::Notify>,
    changes: mpsc::UnboundedSender<GraphEvent>,
) {
    let api = Api::<PartialObjectMeta<DynamicObject>>::all_with(client, &resource);
    let mut events = watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    // The list in the API server's order (by namespace and name), as an informer hands it on:
    // an owner listed with its dependents reaches the graph before the ones named after it,
    // which decides whether a dependent in another namespace is reported
    // (`OwnerRefInvalidNamespace`) or only found dangling.
    let mut listing: Option<Vec<ObjectMeta>> = None;
    let upsert = |object: ObjectMeta, old: Option<ObjectMeta>| GraphEvent::Upsert {
        api_version: resource.api_version.clone(),
        kind: resource.kind.clone(),
        object,
        old,
    };
    let delete = |object: ObjectMeta| GraphEvent::Delete {
        api_version: resource.api_version.clone(),
        kind: resource.kind.clone(),
        object,
    };
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                tracing::debug!(resource = %resource.plural, group = %resource.group, %err, "garbage collector: watch failed");
                continue;
            }
        };
        let mut sent = Vec::new();
        match event {
            watcher::Event::Init => listing = Some(Vec::new()),
            watcher::Event::InitApply(object) => {
                listing.get_or_insert_with(Vec::new).push(object.metadata);
            }
            watcher::Event::InitDone => {
                let in_order = listing.take().unwrap_or_default();
                let listed: HashMap<String, ObjectMeta> = in_order
                    .iter()
                    .map(|meta| (store_key(meta), meta.clone()))
                    .collect();
                let mut current = store.write().unwrap_or_else(PoisonError::into_inner);
                for (key, old) in current.iter() {
                    match listed.get(key) {
                        Some(new) if new.uid == old.uid => {}
                        // Gone, or replaced by another object of the same name.
                        _ => sent.push(delete(old.clone())),
                    }
                }
                for object in in_order {
                    let old = current
                        .get(&store_key(&object))
                        .filter(|old| old.uid == object.uid)
                        .cloned();
                    sent.push(upsert(object, old));
                }
                *current = listed;
                // The graph hears of the listed objects before anyone hears the monitor synced
                // (the workers start then and read the graph).
                for change in sent.drain(..) {
                    if changes.send(change).is_err() {
                        return;
                    }
                }
                synced.store(true, Ordering::Relaxed);
                listed_signal.notify_waiters();
            }
            watcher::Event::Apply(object) => {
                let key = store_key(&object.metadata);
                let old = store
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key, object.metadata.clone());
                match old {
                    Some(old) if old.uid != object.metadata.uid => {
                        sent.push(delete(old));
                        sent.push(upsert(object.metadata, None));
                    }
                    old => sent.push(upsert(object.metadata, old)),
                }
            }
            watcher::Event::Delete(object) => {
                store
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&store_key(&object.metadata));
                sent.push(delete(object.metadata));
            }
        }
        for change in sent {
            if changes.send(change).is_err() {
                return;
            }
        }
    }
}
