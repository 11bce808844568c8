//! The watch cache (upstream's `cacher`): one LIST+WATCH per resource keeps every object and a
//! ring of recent events in memory, and serves from them what does not need a quorum read.
//!
//! - Lists with `resourceVersion=0` are served from memory as they are (whole, ignoring
//!   `limit`, as upstream's cacher without snapshots); `NotOlderThan` lists and gets wait (up
//!   to [`CacheConfig::freshness_timeout`]) until the cache has caught up, else fail with "Too
//!   large resource version"; consistent lists (no resourceVersion) ask the store for its
//!   current revision and wait for the cache to reach it. Exact, paged and continued lists go
//!   to the [`ObjectStore`].
//! - Watches replay the ring from their resourceVersion (410 Expired when it is older than the
//!   ring), or start with the current state; then they receive live events.
//! - Each watcher has a bounded buffer. The dispatcher never waits on a watcher: one whose
//!   buffer is full is closed (the client re-watches from its last resourceVersion) and the
//!   others go on.
//! - An event's object is decoded once and its JSON encoded at most once ([`Object::json`]),
//!   shared by every watcher that sends it.
//! - Bookmarks (when asked) carry the cache's revision, which progress notifications keep
//!   moving even when nothing changes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

use crate::kv::{KeyRange, KvError, Revision, WatchRequest};
use crate::object::{
    ListOptions, Object, ObjectList, ObjectStore, ResourceVersionMatch, Selection, StorageError,
    WatchEvent, WatchOptions, bookmark, parse_resource_version, transform,
};
use crate::task::AbortOnDrop;

/// Tunables of a watch cache.
#[derive(Clone, Debug)]
pub struct CacheConfig {
    /// Events kept for watches that resume from a past resourceVersion.
    pub ring_capacity: usize,
    /// Events buffered per watcher before it is closed as too slow.
    pub watcher_buffer: usize,
    /// How often a watcher that allows bookmarks gets one (upstream: about a minute).
    pub bookmark_interval: Duration,
    /// How long a request waits for the cache to reach a resourceVersion.
    pub freshness_timeout: Duration,
    /// How often the cache asks the store for a progress notification.
    pub progress_interval: Duration,
    /// Serve consistent lists (no resourceVersion) from memory once the cache has caught up with
    /// the store's current revision (upstream's `ConsistentListFromCache`). That relies on the
    /// store sending a progress notification only after every earlier event, which etcd does
    /// from 3.4.31 and 3.5.13 on (and the embedded store always); for older etcd set it to false
    /// and consistent lists read the store, as upstream does.
    pub consistent_reads_from_cache: bool,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            ring_capacity: 10_000,
            watcher_buffer: 256,
            bookmark_interval: Duration::from_secs(60),
            freshness_timeout: Duration::from_secs(3),
            progress_interval: Duration::from_secs(5),
            consistent_reads_from_cache: true,
        }
    }
}

/// One change as the cache keeps it.
#[derive(Clone, Debug)]
struct CachedEvent {
    revision: Revision,
    key: String,
    /// The object after the change (None: deleted).
    current: Option<Object>,
    /// The object before the change, stamped with `revision`.
    previous: Option<Object>,
    created: bool,
}

/// Where a watcher looks: a prefix (resource or namespace) or one key.
#[derive(Clone, Debug)]
enum Scope {
    Prefix(String),
    Key(String),
}

impl Scope {
    fn contains(&self, key: &str) -> bool {
        match self {
            Self::Prefix(prefix) => key.starts_with(prefix.as_str()),
            Self::Key(k) => k == key,
        }
    }
}

struct Watcher {
    scope: Scope,
    selection: Selection,
    tx: mpsc::Sender<WatchEvent>,
}

#[derive(Default)]
struct State {
    ready: bool,
    objects: BTreeMap<String, Object>,
    ring: VecDeque<CachedEvent>,
    /// Every change after this revision is in the ring.
    oldest: Revision,
    revision: Revision,
    watchers: HashMap<u64, Watcher>,
}

struct Shared {
    store: ObjectStore,
    config: CacheConfig,
    state: RwLock<State>,
    /// The cache's revision, for waiters.
    revision: watch::Sender<Revision>,
    revision_now: AtomicI64,
    next_watcher: AtomicU64,
    progress_wanted: Notify,
    closed_slow_watchers: AtomicU64,
}

impl Shared {
    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The watch cache of one resource; cloning shares it. The reflector stops when the last clone
/// is dropped.
#[derive(Clone)]
pub struct WatchCache {
    shared: Arc<Shared>,
    _reflector: Arc<AbortOnDrop>,
}

impl std::fmt::Debug for WatchCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchCache")
            .field("resource", &self.shared.store.config().resource)
            .field("revision", &self.revision())
            .finish_non_exhaustive()
    }
}

impl WatchCache {
    /// Starts the cache of `store`'s resource: lists it, then follows its changes.
    pub fn start(store: ObjectStore, config: CacheConfig) -> Self {
        let (revision, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            store,
            config,
            state: RwLock::new(State::default()),
            revision,
            revision_now: AtomicI64::new(0),
            next_watcher: AtomicU64::new(0),
            progress_wanted: Notify::new(),
            closed_slow_watchers: AtomicU64::new(0),
        });
        let task = tokio::spawn(reflect(Arc::downgrade(&shared)));
        Self {
            shared,
            _reflector: Arc::new(AbortOnDrop(task)),
        }
    }

    /// The store behind the cache (writes go there).
    pub fn store(&self) -> &ObjectStore {
        &self.shared.store
    }

    /// The revision the cache has caught up to (0 before its first list).
    pub fn revision(&self) -> Revision {
        self.shared.revision_now.load(Ordering::Acquire)
    }

    /// How many watchers were closed because they could not keep up.
    pub fn closed_slow_watchers(&self) -> u64 {
        self.shared.closed_slow_watchers.load(Ordering::Relaxed)
    }

    /// How many watchers are open.
    pub fn watcher_count(&self) -> usize {
        self.shared.read().watchers.len()
    }

    /// Waits until the cache has reached `revision`, asking the store for progress meanwhile.
    async fn wait_fresh(&self, revision: Revision) -> Result<(), StorageError> {
        let mut rx = self.shared.revision.subscribe();
        let deadline = Instant::now() + self.shared.config.freshness_timeout;
        loop {
            let current = *rx.borrow_and_update();
            if current >= revision && self.shared.read().ready {
                return Ok(());
            }
            self.shared.progress_wanted.notify_one();
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return Err(StorageError::Kv(KvError::Closed));
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(StorageError::TooLargeResourceVersion {
                        minimum: revision,
                        current: self.revision(),
                        retry_after_seconds: 1,
                    });
                }
                // Ask for progress again now and then while waiting.
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }

    /// The revision a consistent read must reflect: the store's current revision.
    async fn consistent_revision(&self) -> Result<Revision, StorageError> {
        Ok(self.shared.store.kv().current_revision().await?)
    }

    /// Lists like [`ObjectStore::list`], from memory where upstream's cacher would.
    pub async fn list(
        &self,
        namespace: Option<&str>,
        options: &ListOptions,
    ) -> Result<ObjectList, StorageError> {
        let exact = options.resource_version_match == ResourceVersionMatch::Exact;
        // Pages need one snapshot and continue tokens, which only the store keeps; a list at
        // `resourceVersion=0` is served whole from memory (upstream's cacher without snapshots).
        let paged = options.limit > 0 && options.resource_version != "0";
        let consistent = options.resource_version.is_empty();
        // While the cache is (re)initializing the store answers: its latest state satisfies
        // every resourceVersion semantics a cached list could have served.
        if !options.continue_token.is_empty()
            || exact
            || paged
            || (consistent && !self.consistent_reads_from_cache())
            || !self.is_ready()
        {
            return self.shared.store.list(namespace, options).await;
        }
        let minimum = if consistent {
            self.consistent_revision().await?
        } else {
            parse_resource_version(&options.resource_version)?
        };
        self.wait_fresh(minimum).await?;
        let prefix = self.shared.store.config().keys.list_prefix(namespace)?;
        let state = self.shared.read();
        let items = state
            .objects
            .range(prefix.clone()..)
            .take_while(|(key, _)| key.starts_with(prefix.as_str()))
            .filter(|(_, object)| options.selection.matches(object.value()))
            .map(|(_, object)| object.clone())
            .collect();
        Ok(ObjectList {
            items,
            resource_version: state.revision,
            continue_token: None,
            remaining_item_count: None,
        })
    }

    /// Gets like [`ObjectStore::get`]: a get without resourceVersion reads the store; with one,
    /// memory once the cache is at least that fresh.
    pub async fn get(
        &self,
        namespace: Option<&str>,
        name: &str,
        resource_version: Option<&str>,
    ) -> Result<Object, StorageError> {
        let rv = resource_version.filter(|rv| !rv.is_empty());
        if rv.is_none() || !self.is_ready() {
            return self.shared.store.get(namespace, name, rv).await;
        }
        let minimum = parse_resource_version(rv.unwrap_or_default())?;
        let key = self.shared.store.key(namespace, name)?;
        self.wait_fresh(minimum).await?;
        let state = self.shared.read();
        state
            .objects
            .get(&key)
            .cloned()
            .ok_or(StorageError::NotFound { key })
    }

    /// Whether consistent lists may be served from memory: asked for, and the store orders
    /// progress notifications after events (else "caught up" cannot be known).
    fn consistent_reads_from_cache(&self) -> bool {
        self.shared.config.consistent_reads_from_cache && self.shared.store.kv().ordered_progress()
    }

    /// Whether the reflector has a current list (false before the first one and after a
    /// failure until the next).
    fn is_ready(&self) -> bool {
        self.shared.read().ready
    }

    /// The cached copy of an object, for updates and deletes to start from (as upstream).
    pub fn cached(&self, namespace: Option<&str>, name: &str) -> Option<Object> {
        let key = self.shared.store.key(namespace, name).ok()?;
        let state = self.shared.read();
        if !state.ready {
            return None;
        }
        state.objects.get(&key).cloned()
    }

    /// Watches from the cache. `deadline` is when the caller will end the watch (its timeout):
    /// a bookmark is sent shortly before it when bookmarks are allowed.
    ///
    /// Invalid parameters fail at once; everything after validation (too old, too new, the cache
    /// not ready) arrives in-band as an ERROR event, as upstream's cacher does.
    pub async fn watch(
        &self,
        namespace: Option<&str>,
        options: WatchOptions,
        deadline: Option<Instant>,
    ) -> Result<BoxStream<'static, WatchEvent>, StorageError> {
        let scope = match &options.name {
            Some(name) => Scope::Key(self.shared.store.key(namespace, name)?),
            None => Scope::Prefix(self.shared.store.config().keys.list_prefix(namespace)?),
        };
        let requested = parse_resource_version(&options.resource_version)?;
        match self.register(scope, options, requested, deadline).await {
            Ok(stream) => Ok(stream),
            Err(err) => Ok(futures::stream::iter([WatchEvent::error(err)]).boxed()),
        }
    }

    async fn register(
        &self,
        scope: Scope,
        options: WatchOptions,
        requested: Revision,
        deadline: Option<Instant>,
    ) -> Result<BoxStream<'static, WatchEvent>, StorageError> {
        let initial_events = options.initial_events_required(requested);
        // A watch-list without resourceVersion is consistent: it waits for the store's current
        // revision. A legacy watch without one starts at whatever the cache has (upstream's
        // cacher treats it as resourceVersion 0).
        let minimum = if options.send_initial_events == Some(true) && requested == 0 {
            self.consistent_revision().await?
        } else {
            requested
        };
        self.wait_ready().await?;
        self.wait_fresh(minimum).await?;

        let (tx, rx) = mpsc::channel(self.shared.config.watcher_buffer);
        let mut initial = VecDeque::new();
        let start_revision;
        let id = self.shared.next_watcher.fetch_add(1, Ordering::Relaxed);
        {
            let mut state = self.shared.write();
            if !state.ready {
                return Err(StorageError::Initializing);
            }
            if initial_events {
                let objects: Box<dyn Iterator<Item = (&String, &Object)>> = match &scope {
                    Scope::Prefix(prefix) => Box::new(
                        state
                            .objects
                            .range(prefix.clone()..)
                            .take_while(|(key, _)| key.starts_with(prefix.as_str())),
                    ),
                    Scope::Key(key) => Box::new(state.objects.get_key_value(key).into_iter()),
                };
                initial.extend(
                    objects
                        .filter(|(_, object)| options.selection.matches(object.value()))
                        .map(|(_, object)| WatchEvent::Added(object.clone())),
                );
                start_revision = state.revision;
                if options.initial_events_end_bookmark() {
                    initial.push_back(WatchEvent::Bookmark(bookmark(state.revision, true)));
                }
            } else {
                if requested == 0 {
                    // sendInitialEvents=false: changes from now on.
                    start_revision = state.revision;
                } else if requested < state.oldest {
                    return Err(StorageError::Expired {
                        message: format!(
                            "too old resource version: {requested} ({})",
                            state.oldest
                        ),
                        continue_token: None,
                    });
                } else {
                    start_revision = requested;
                }
                initial.extend(
                    state
                        .ring
                        .iter()
                        .filter(|event| {
                            event.revision > start_revision && scope.contains(&event.key)
                        })
                        .filter_map(|event| {
                            transform(
                                &options.selection,
                                event.created,
                                event.current.as_ref(),
                                event.previous.as_ref(),
                            )
                        }),
                );
            }
            state.watchers.insert(
                id,
                Watcher {
                    scope,
                    selection: options.selection.clone(),
                    tx,
                },
            );
        }
        let last_sent = initial
            .iter()
            .map(WatchEvent::resource_version)
            .max()
            .unwrap_or(start_revision)
            .max(start_revision);
        let stream = WatcherStream {
            id,
            initial,
            rx,
            shared: Arc::downgrade(&self.shared),
            allow_bookmarks: options.allow_bookmarks,
            bookmark_interval: self.shared.config.bookmark_interval,
            deadline_bookmark: deadline.map(|d| d.checked_sub(Duration::from_secs(2)).unwrap_or(d)),
            last_sent,
        };
        Ok(stream.into_stream())
    }

    /// Waits (up to the freshness timeout) for the reflector to have a current list.
    async fn wait_ready(&self) -> Result<(), StorageError> {
        let deadline = Instant::now() + self.shared.config.freshness_timeout;
        while !self.is_ready() {
            if Instant::now() >= deadline {
                return Err(StorageError::Initializing);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }
}

/// One watcher's side: its initial events, then its channel, with bookmarks in between.
/// Dropping it unregisters the watcher, so a watch that sees no event does not linger.
struct WatcherStream {
    id: u64,
    initial: VecDeque<WatchEvent>,
    rx: mpsc::Receiver<WatchEvent>,
    shared: Weak<Shared>,
    allow_bookmarks: bool,
    bookmark_interval: Duration,
    deadline_bookmark: Option<Instant>,
    last_sent: Revision,
}

impl Drop for WatcherStream {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.write().watchers.remove(&self.id);
        }
    }
}

impl WatcherStream {
    fn into_stream(self) -> BoxStream<'static, WatchEvent> {
        let next_bookmark = Instant::now() + self.bookmark_interval;
        futures::stream::unfold(
            (self, next_bookmark),
            |(mut s, mut next_bookmark)| async move {
                if let Some(event) = s.initial.pop_front() {
                    return Some((event, (s, next_bookmark)));
                }
                loop {
                    let deadline = s.deadline_bookmark;
                    // Events first: a closed channel must end the stream, never let a bookmark
                    // through (it would vouch for events this watcher was closed without).
                    tokio::select! {
                        biased;
                        event = s.rx.recv() => {
                            let event = event?;
                            s.last_sent = s.last_sent.max(event.resource_version());
                            return Some((event, (s, next_bookmark)));
                        }
                        _ = tokio::time::sleep_until(next_bookmark), if s.allow_bookmarks => {
                            next_bookmark = Instant::now() + s.bookmark_interval;
                            if let Some(event) = s.bookmark() {
                                return Some((event, (s, next_bookmark)));
                            }
                        }
                        _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)),
                            if s.allow_bookmarks && deadline.is_some() => {
                            s.deadline_bookmark = None;
                            if let Some(event) = s.bookmark() {
                                return Some((event, (s, next_bookmark)));
                            }
                        }
                    }
                }
            },
        )
        .boxed()
    }

    /// A bookmark at the cache's revision, if it moved past what this watcher has seen, no
    /// event is still queued for it, and it is still registered.
    fn bookmark(&mut self) -> Option<WatchEvent> {
        let shared = self.shared.upgrade()?;
        // The dispatcher sends and closes under the write lock, so while we hold the read lock
        // every event up to the cache's revision is in our channel, or the channel is closed
        // (the watcher was dropped as too slow, or the cache is relisting).
        let state = shared.read();
        if self.rx.is_closed() || !self.rx.is_empty() || state.revision <= self.last_sent {
            return None;
        }
        self.last_sent = state.revision;
        Some(WatchEvent::Bookmark(bookmark(state.revision, false)))
    }
}

/// Applies one batch of changes under the write lock and fans it out.
fn dispatch(shared: &Shared, state: &mut State, events: Vec<CachedEvent>, revision: Revision) {
    for event in events {
        if event.revision <= state.revision {
            // The store vouched for a revision before sending this event (a progress
            // notification out of order): watchers may have been told too much already.
            tracing::error!(
                resource = %shared.store.config().resource,
                event = event.revision,
                cache = state.revision,
                "watch cache received an event older than its revision"
            );
        }
        match &event.current {
            Some(object) => {
                state.objects.insert(event.key.clone(), object.clone());
            }
            None => {
                state.objects.remove(&event.key);
            }
        }
        let mut closed = Vec::new();
        for (id, watcher) in &state.watchers {
            if !watcher.scope.contains(&event.key) {
                continue;
            }
            let Some(out) = transform(
                &watcher.selection,
                event.created,
                event.current.as_ref(),
                event.previous.as_ref(),
            ) else {
                continue;
            };
            match watcher.tx.try_send(out) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::info!(
                        resource = %shared.store.config().resource,
                        "closing a watcher that cannot keep up"
                    );
                    shared.closed_slow_watchers.fetch_add(1, Ordering::Relaxed);
                    closed.push(*id);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => closed.push(*id),
            }
        }
        for id in closed {
            state.watchers.remove(&id);
        }
        state.ring.push_back(event);
        while state.ring.len() > shared.config.ring_capacity {
            if let Some(evicted) = state.ring.pop_front() {
                state.oldest = evicted.revision;
            }
        }
    }
    advance(shared, state, revision);
}

fn advance(shared: &Shared, state: &mut State, revision: Revision) {
    if revision > state.revision {
        state.revision = revision;
        shared.revision_now.store(revision, Ordering::Release);
        shared.revision.send_replace(revision);
    }
}

/// The reflector: list, then watch from the list's revision; on any failure, mark the cache
/// not ready, close the current watchers (they re-watch from their last resourceVersion) and
/// list again.
async fn reflect(shared: Weak<Shared>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let result = reflect_once(&strong).await;
        {
            let mut state = strong.write();
            state.ready = false;
            state.watchers.clear();
        }
        match result {
            Err(err) => {
                tracing::warn!(
                    resource = %strong.store.config().resource,
                    %err,
                    "watch cache reflector failed; listing again"
                );
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Ok(()) => backoff = Duration::from_millis(100),
        }
        drop(strong);
        tokio::time::sleep(backoff).await;
    }
}

async fn reflect_once(shared: &Arc<Shared>) -> Result<(), StorageError> {
    let store = &shared.store;
    let root = KeyRange::prefix(bytes::Bytes::from(store.config().keys.root().to_string()));
    // The objects under their real keys, the ones later events will name.
    let (objects, list_revision) = store.snapshot(&root).await?;
    {
        let mut state = shared.write();
        state.objects = objects.into_iter().collect();
        state.ring.clear();
        state.oldest = list_revision;
        state.watchers.clear();
        state.ready = true;
        state.revision = list_revision;
        shared.revision_now.store(list_revision, Ordering::Release);
        shared.revision.send_replace(list_revision);
    }
    let mut watch = store
        .kv()
        .watch(WatchRequest {
            range: root,
            start_revision: list_revision + 1,
            prev_kv: true,
            progress_notify: true,
        })
        .await?;
    let mut progress = tokio::time::interval(shared.config.progress_interval);
    // With a store that may send a requested progress notification ahead of events, asking
    // for one would let the cache claim a revision before its events arrived.
    let request_progress = store.kv().ordered_progress();
    loop {
        tokio::select! {
            response = watch.stream.next() => {
                let Some(response) = response else {
                    return Err(StorageError::Kv(KvError::Unavailable("watch ended".into())));
                };
                let response = response?;
                let mut events = Vec::with_capacity(response.events.len());
                for event in &response.events {
                    let (current, previous, created) = store.decode_event(event)?;
                    events.push(CachedEvent {
                        revision: event.kv.mod_revision,
                        key: String::from_utf8_lossy(&event.kv.key).into_owned(),
                        current,
                        previous,
                        created,
                    });
                }
                // Events move the cache to their own revision; only a progress notification
                // vouches for a later one.
                let revision = events.last().map_or(response.revision, |event| event.revision);
                let mut state = shared.write();
                dispatch(shared, &mut state, events, revision);
            }
            _ = progress.tick(), if request_progress => {
                watch.request_progress();
            }
            _ = shared.progress_wanted.notified(), if request_progress => {
                watch.request_progress();
            }
        }
    }
}
