//! The storage behind every stored built-in resource: one [`ObjectStore`] and one
//! [`WatchCache`] per storage location (upstream's one `Store` per resource, each with its
//! cacher). Resources served at several versions, and `events.k8s.io` Events, which share the
//! core group's storage, share one cache.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

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

/// Every stored resource's storage, keyed by where it is stored. Built-ins have theirs from
/// the start; a custom resource's is added when its definition is established and removed when
/// the definition is gone.
pub(crate) struct Resources {
    kv: Arc<dyn KvStore>,
    cache: CacheConfig,
    by_root: RwLock<HashMap<String, Arc<ResourceStorage>>>,
}

impl Resources {
    /// Opens a store and starts a watch cache for every stored resource of `registry`.
    pub(crate) fn start(kv: Arc<dyn KvStore>, registry: &Registry, cache: CacheConfig) -> Self {
        let resources = Self {
            kv,
            cache,
            by_root: RwLock::default(),
        };
        for info in registry.resources() {
            resources.ensure(info);
        }
        resources
    }

    /// Opens the store of `info` and starts its watch cache, unless it has them already.
    pub(crate) fn ensure(&self, info: &ResourceInfo) {
        let Some(storage) = &info.storage else {
            return;
        };
        let root = storage.keys.root().to_string();
        let mut by_root = self.write();
        if by_root.contains_key(&root) {
            return;
        }
        let ttl_seconds = (storage.group.is_empty() && info.resource == "events")
            .then_some(DEFAULT_EVENT_TTL_SECONDS);
        let store = ObjectStore::new(
            self.kv.clone(),
            ResourceConfig {
                resource: GroupResource::new(storage.group, info.resource),
                keys: storage.keys.clone(),
                ttl_seconds,
            },
        );
        by_root.insert(
            root,
            Arc::new(ResourceStorage {
                cache: WatchCache::start(store, self.cache.clone()),
            }),
        );
    }

    /// Drops the storage kept at the roots `removable` picks: the caches of custom resources
    /// whose definitions are gone stop (once their last watch ends).
    pub(crate) fn retain(&self, removable: impl Fn(&str) -> bool) {
        self.write().retain(|root, _| !removable(root));
    }

    /// The storage of a resource (`None` for resources that are not stored).
    pub(crate) fn get(&self, info: &ResourceInfo) -> Option<Arc<ResourceStorage>> {
        let storage = info.storage.as_ref()?;
        self.by_root
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(storage.keys.root())
            .cloned()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<ResourceStorage>>> {
        self.by_root.write().unwrap_or_else(PoisonError::into_inner)
    }
}
