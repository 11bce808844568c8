//! The storage behind every stored built-in resource: one [`ObjectStore`] and one
//! [`WatchCache`] per storage location (upstream's one `Store` per resource, each with its
//! cacher). Resources served at several versions, and `events.k8s.io` Events, which share the
//! core group's storage, share one cache.

use std::collections::HashMap;
use std::sync::Arc;

use ironkube_storage::KvStore;
use ironkube_storage::cache::{CacheConfig, WatchCache};
use ironkube_storage::object::{GroupResource, ObjectStore, ResourceConfig};

use crate::registry::{Registry, ResourceInfo};

/// How long Events live after their last write (kube-apiserver's `--event-ttl` default).
pub(crate) const DEFAULT_EVENT_TTL_SECONDS: i64 = 3600;

/// The storage of one resource.
pub(crate) struct ResourceStorage {
    /// The watch cache (and, through it, the store).
    pub(crate) cache: WatchCache,
}

impl ResourceStorage {
    /// The store underneath the cache.
    pub(crate) fn store(&self) -> &ObjectStore {
        self.cache.store()
    }
}

/// Every stored resource's storage, keyed by where it is stored.
pub(crate) struct Resources {
    by_root: HashMap<String, Arc<ResourceStorage>>,
}

impl Resources {
    /// Opens a store and starts a watch cache for every stored resource of `registry`.
    pub(crate) fn start(kv: Arc<dyn KvStore>, registry: &Registry, cache: CacheConfig) -> Self {
        let mut by_root = HashMap::new();
        for info in registry.resources() {
            let Some(storage) = &info.storage else {
                continue;
            };
            let root = storage.keys.root().to_string();
            if by_root.contains_key(&root) {
                continue;
            }
            let ttl_seconds = (storage.group.is_empty() && info.resource == "events")
                .then_some(DEFAULT_EVENT_TTL_SECONDS);
            let store = ObjectStore::new(
                kv.clone(),
                ResourceConfig {
                    resource: GroupResource::new(storage.group, info.resource),
                    keys: storage.keys.clone(),
                    ttl_seconds,
                },
            );
            by_root.insert(
                root,
                Arc::new(ResourceStorage {
                    cache: WatchCache::start(store, cache.clone()),
                }),
            );
        }
        Self { by_root }
    }

    /// The storage of a resource (`None` for resources that are not stored).
    pub(crate) fn get(&self, info: &ResourceInfo) -> Option<&Arc<ResourceStorage>> {
        let storage = info.storage.as_ref()?;
        self.by_root.get(storage.keys.root())
    }
}
