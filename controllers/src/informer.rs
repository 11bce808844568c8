//! Informers for controllers that read several kinds: the controller manager's shared cache
//! of a kind (see [`crate::shared_informer`]) whose events, once the cache holds them, become
//! reconcile requests. Unlike
//! a second watch beside `Controller::watches`, a request never reaches the reconciler before
//! the cache it reads has the change that caused it.

use std::fmt::Debug;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt as _};
use kube::Api;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use serde::de::DeserializeOwned;

use crate::Context;

/// A cache and the stream of its events (already applied to the cache); the stream must be
/// polled (merged into a controller's queue) for the cache to fill.
pub(crate) struct Informer<K: kube::Resource<DynamicType = ()> + 'static> {
    /// What the watch has seen.
    pub(crate) store: Store<K>,
    /// Its events, watch errors logged and retried with backoff.
    pub(crate) events: BoxStream<'static, watcher::Event<K>>,
}

/// An informer on `api`: the controller manager's shared cache of it, and this
/// subscriber's events.
pub(crate) fn informer<K>(ctx: &Context, api: Api<K>, config: watcher::Config) -> Informer<K>
where
    K: kube::Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let (store, events) = ctx.informers.subscribe(api, config);
    let events = events.map(|dispatched| dispatched.event).boxed();
    Informer { store, events }
}

/// The objects an event is about (none for the markers of a relist).
pub(crate) fn touched<K>(event: &watcher::Event<K>) -> Option<&K> {
    match event {
        watcher::Event::Apply(object)
        | watcher::Event::InitApply(object)
        | watcher::Event::Delete(object) => Some(object),
        watcher::Event::Init | watcher::Event::InitDone => None,
    }
}

/// Turns an informer's events into reconcile requests for `S` with `map` (the queue of
/// `controller_utils::run_queue`).
pub(crate) fn triggers<K, S, I>(
    events: BoxStream<'static, watcher::Event<K>>,
    mut map: impl FnMut(&watcher::Event<K>) -> I + Send + 'static,
) -> BoxStream<'static, ObjectRef<S>>
where
    K: Send + 'static,
    S: kube::Resource<DynamicType = ()> + 'static,
    I: IntoIterator<Item = ObjectRef<S>>,
{
    events
        .flat_map(move |event| {
            let refs: Vec<_> = map(&event).into_iter().collect();
            futures::stream::iter(refs)
        })
        .boxed()
}

/// Every stream merged into one queue.
pub(crate) fn merge<T: Send + 'static>(
    streams: Vec<BoxStream<'static, T>>,
) -> impl Stream<Item = T> + Send + 'static {
    futures::stream::select_all(streams)
}
