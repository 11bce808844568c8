//! One watch and one cache per kind (and selector) for the whole controller manager, as
//! upstream's `SharedInformerFactory`: the pod cache is held once, not once per controller
//! that reads pods. Each controller subscribes and gets the watch's events after the shared
//! cache took them, with the cached copy from before the change; one that subscribes late
//! first gets the cache's content as a list. Objects that vanished while the watch relisted
//! are sent as deletions (upstream's `DeletedFinalStateUnknown`).

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt as _;
use futures::channel::mpsc;
use kube::Api;
use kube::runtime::reflector::store::{Writer, WriterDropped};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{WatchStreamExt as _, watcher};
use serde::de::DeserializeOwned;

/// What a subscriber receives: a watch event (already in the shared cache) and the cached
/// copy of its object from before it.
pub(crate) struct Dispatched<K> {
    /// The event.
    pub(crate) event: watcher::Event<K>,
    /// The object as the cache held it before the event, if it did.
    pub(crate) old: Option<Arc<K>>,
}

/// The informers of one controller manager; their watches stop when it is dropped.
#[derive(Default)]
pub(crate) struct SharedInformers {
    hubs: Mutex<HashMap<String, Box<dyn Any + Send + Sync>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Drop for SharedInformers {
    fn drop(&mut self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            task.abort();
        }
    }
}

impl Debug for SharedInformers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hubs = self.hubs.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("SharedInformers")
            .field("informers", &hubs.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// One shared watch: its cache and its subscribers.
struct Hub<K: kube::Resource<DynamicType = ()> + 'static> {
    store: Store<K>,
    subscribers: Mutex<Subscribers<K>>,
}

struct Subscribers<K> {
    senders: Vec<mpsc::UnboundedSender<Dispatched<K>>>,
    /// The objects of the list in progress, for a subscriber that joins during it.
    listing: Option<Vec<K>>,
    /// Whether a list has completed (the cache can be handed to a late subscriber).
    listed: bool,
}

impl SharedInformers {
    /// The shared cache of `api` with `config`, and a stream of its events for this
    /// subscriber (it must be polled, or its events pile up).
    pub(crate) fn subscribe<K>(
        &self,
        api: Api<K>,
        config: watcher::Config,
    ) -> (Store<K>, mpsc::UnboundedReceiver<Dispatched<K>>)
    where
        K: kube::Resource<DynamicType = ()>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + Sync
            + 'static,
    {
        let key = format!(
            "{} {} {config:?}",
            std::any::type_name::<K>(),
            api.resource_url()
        );
        let hub = {
            let mut hubs = self.hubs.lock().unwrap_or_else(PoisonError::into_inner);
            let existing = hubs
                .get(&key)
                .and_then(|h| h.downcast_ref::<Arc<Hub<K>>>())
                .cloned();
            match existing {
                Some(hub) => hub,
                None => {
                    let writer: Writer<K> = Writer::new(());
                    let hub = Arc::new(Hub {
                        store: writer.as_reader(),
                        subscribers: Mutex::new(Subscribers {
                            senders: Vec::new(),
                            listing: None,
                            listed: false,
                        }),
                    });
                    hubs.insert(key, Box::new(hub.clone()));
                    let task = tokio::spawn(feed(hub.clone(), writer, api, config));
                    self.tasks
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(task);
                    hub
                }
            }
        };
        let (sender, receiver) = mpsc::unbounded();
        {
            let mut subscribers = hub
                .subscribers
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // A late subscriber first sees what the others have seen, as a list.
            let catch_up: Option<Vec<K>> = match &subscribers.listing {
                Some(partial) => Some(partial.clone()),
                None if subscribers.listed => {
                    Some(hub.store.state().iter().map(|o| (**o).clone()).collect())
                }
                None => None,
            };
            if let Some(objects) = catch_up {
                let send = |event| {
                    let _ = sender.unbounded_send(Dispatched { event, old: None });
                };
                send(watcher::Event::Init);
                for object in objects {
                    send(watcher::Event::InitApply(object));
                }
                if subscribers.listing.is_none() {
                    send(watcher::Event::InitDone);
                }
            }
            subscribers.senders.push(sender);
        }
        (hub.store.clone(), receiver)
    }
}

/// Runs the watch: applies each event to the cache, then hands it to every subscriber.
async fn feed<K>(hub: Arc<Hub<K>>, mut writer: Writer<K>, api: Api<K>, config: watcher::Config)
where
    K: kube::Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let mut events = watcher(api, config).default_backoff().boxed();
    let mut relisted: HashSet<ObjectRef<K>> = HashSet::new();
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                tracing::warn!(%err, kind = std::any::type_name::<K>(), "watch failed; retrying");
                continue;
            }
        };
        let mut vanished = Vec::new();
        let old = match &event {
            watcher::Event::Apply(object) | watcher::Event::Delete(object) => {
                hub.store.get(&ObjectRef::from_obj(object))
            }
            watcher::Event::InitApply(object) => {
                let key = ObjectRef::from_obj(object);
                let old = hub.store.get(&key);
                relisted.insert(key);
                old
            }
            watcher::Event::Init => {
                relisted.clear();
                None
            }
            watcher::Event::InitDone => {
                vanished = hub
                    .store
                    .state()
                    .into_iter()
                    .filter(|o| !relisted.contains(&ObjectRef::from_obj(o.as_ref())))
                    .collect();
                relisted.clear();
                None
            }
        };
        writer.apply_watcher_event(&event);
        let mut subscribers = hub
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match &event {
            watcher::Event::Init => subscribers.listing = Some(Vec::new()),
            watcher::Event::InitApply(object) => {
                if let Some(listing) = subscribers.listing.as_mut() {
                    listing.push(object.clone());
                }
            }
            watcher::Event::InitDone => {
                subscribers.listing = None;
                subscribers.listed = true;
            }
            watcher::Event::Apply(_) | watcher::Event::Delete(_) => {}
        }
        subscribers.senders.retain(|sender| {
            let mut alive = true;
            for gone in &vanished {
                alive &= sender
                    .unbounded_send(Dispatched {
                        event: watcher::Event::Delete((**gone).clone()),
                        old: Some(gone.clone()),
                    })
                    .is_ok();
            }
            alive
                && sender
                    .unbounded_send(Dispatched {
                        event: event.clone(),
                        old: old.clone(),
                    })
                    .is_ok()
        });
    }
}

/// Waits until `store` has listed once (upstream's `WaitForCacheSync`, which also looks every
/// 100 ms). kube's `Store::wait_until_ready` wakes only the last of several tasks waiting on
/// one store, and a shared store has many.
pub(crate) async fn wait_synced<K>(store: &Store<K>) -> Result<(), WriterDropped>
where
    K: kube::Resource<DynamicType = ()> + Clone + 'static,
{
    loop {
        if let Some(result) = futures::FutureExt::now_or_never(store.wait_until_ready()) {
            return result;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
