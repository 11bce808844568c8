//! What the batch controllers share: informers (reflector caches) whose events feed one work
//! queue of keys, worked by kube-rs's `applier` once every cache has listed, and in-memory
//! "expectations" of our own writes so a reconcile does not act on a cache that has not seen
//! them yet (upstream's `ControllerExpectations`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use futures::channel::mpsc;
use kube::api::Api;
use kube::runtime::controller::{Action, Config, applier};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Resource, ResourceExt as _};
use serde::de::DeserializeOwned;

use crate::Context;
use crate::reconcile::ReconcileError;

/// Tasks (the informers) aborted when the controller stops.
#[derive(Default)]
pub(crate) struct Tasks(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// The work queue the informers feed.
pub(crate) struct Queue<K: Resource<DynamicType = ()>> {
    sender: mpsc::UnboundedSender<ObjectRef<K>>,
    receiver: mpsc::UnboundedReceiver<ObjectRef<K>>,
    /// Caches to wait for before working the queue.
    ready: Vec<futures::future::BoxFuture<'static, ()>>,
    tasks: Tasks,
}

impl<K> Queue<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    /// An empty queue.
    pub(crate) fn new() -> Queue<K> {
        let (sender, receiver) = mpsc::unbounded();
        Queue {
            sender,
            receiver,
            ready: Vec::new(),
            tasks: Tasks::default(),
        }
    }

    /// The controller manager's shared cache of `api`; every added, changed or deleted
    /// object enqueues the keys `keys` names for it.
    pub(crate) fn informer<C>(
        &mut self,
        ctx: &Context,
        api: Api<C>,
        config: watcher::Config,
        keys: impl Fn(&C) -> Vec<ObjectRef<K>> + Send + 'static,
    ) -> Store<C>
    where
        C: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    {
        let (reader, mut events) = ctx.informers.subscribe(api, config);
        let sender = self.sender.clone();
        self.tasks.0.push(tokio::spawn(async move {
            while let Some(dispatched) = events.next().await {
                match dispatched.event {
                    watcher::Event::Apply(object)
                    | watcher::Event::Delete(object)
                    | watcher::Event::InitApply(object) => {
                        for key in keys(&object) {
                            let _ = sender.unbounded_send(key);
                        }
                    }
                    watcher::Event::Init | watcher::Event::InitDone => {}
                }
            }
        }));
        let waiting = reader.clone();
        self.ready.push(Box::pin(async move {
            let _ = crate::shared_informer::wait_synced(&waiting).await;
        }));
        reader
    }

    /// Waits for every cache, then reconciles the queued keys (`concurrency` at once, never
    /// one key twice at once) until the controller is stopped.
    pub(crate) async fn run<S, F>(
        self,
        name: &'static str,
        store: Store<K>,
        concurrency: u16,
        shared: Arc<S>,
        reconcile: impl FnMut(Arc<K>, Arc<S>) -> F,
        metrics_context: Context,
    ) where
        F: std::future::Future<Output = Result<Action, ReconcileError>> + Send + 'static,
        S: Send + Sync + 'static,
    {
        let Queue {
            sender,
            receiver,
            ready,
            tasks,
        } = self;
        drop(sender);
        futures::future::join_all(ready).await;
        let policy = move |object: Arc<K>, err: &ReconcileError, _: Arc<S>| {
            let conflict =
                matches!(err, ReconcileError::Kube(kube::Error::Api(status)) if status.code == 409);
            if !conflict {
                tracing::warn!(controller = name, object = %object.name_any(), %err, "sync failed");
            }
            metrics_context
                .metrics
                .inc("ironkube_controller_sync_errors_total", name);
            Action::requeue(if conflict {
                Duration::from_millis(20)
            } else {
                Duration::from_millis(500)
            })
        };
        let reconcile = wrap(reconcile);
        applier(
            reconcile,
            policy,
            shared,
            store,
            receiver.map(Ok::<_, Infallible>),
            Config::default().concurrency(concurrency),
        )
        .for_each(|_| async {})
        .await;
        drop(tasks);
    }
}

/// A boxed reconcile future.
type ReconcileFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Action, ReconcileError>> + Send>>;

/// Boxes the reconcile future (the applier wants `Unpin`).
fn wrap<K, S, F>(
    mut reconcile: impl FnMut(Arc<K>, Arc<S>) -> F,
) -> impl FnMut(Arc<K>, Arc<S>) -> ReconcileFuture
where
    F: std::future::Future<Output = Result<Action, ReconcileError>> + Send + 'static,
{
    move |object, shared| Box::pin(reconcile(object, shared))
}

/// The key of an object's controller of kind `kind` (in `api_version`), if it has one.
pub(crate) fn controller_key<K, C>(child: &C, api_version: &str, kind: &str) -> Vec<ObjectRef<K>>
where
    K: Resource<DynamicType = ()>,
    C: Resource,
{
    child
        .owner_references()
        .iter()
        .filter(|o| o.controller == Some(true) && o.kind == kind && o.api_version == api_version)
        .map(|o| {
            let key = ObjectRef::new(&o.name);
            match child.namespace() {
                Some(ns) => key.within(&ns),
                None => key,
            }
        })
        .collect()
}

/// How long an expectation is trusted before it is dropped (upstream's `ExpectationsTimeout`).
pub(crate) const EXPECTATIONS_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Writes of ours, per owner uid, that the caches have not shown yet.
#[derive(Default)]
pub(crate) struct Expectations {
    by_owner: std::sync::Mutex<HashMap<String, Expected>>,
}

/// What one owner waits for.
#[derive(Default, Clone)]
pub(crate) struct Expected {
    /// Children created (by name).
    pub(crate) created: HashMap<String, Instant>,
    /// Children deleted (by uid).
    pub(crate) deleted: HashMap<String, Instant>,
    /// Children whose finalizer was removed (by uid).
    pub(crate) finalizer_removed: HashMap<String, Instant>,
}

impl Expectations {
    /// Runs `f` on the owner's expectations.
    pub(crate) fn with<T>(&self, owner: &str, f: impl FnOnce(&mut Expected) -> T) -> T {
        let mut map = self
            .by_owner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(map.entry(owner.to_string()).or_default())
    }

    /// Forgets an owner.
    pub(crate) fn forget(&self, owner: &str) {
        self.by_owner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(owner);
    }
}
