//! The watch cache in front of either backend: what it serves from memory, how it resumes
//! watches, and that a slow watcher is closed without slowing the others.
//!
//! Run with: `cargo test -p ironkube-storage --test watch_cache`

// Test cases are plain async functions instantiated per backend by `backend_tests!`, so
// clippy does not see them as tests: unwrapping is how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use ironkube_apimachinery::LabelSelector;
use ironkube_storage::KvStore;
use ironkube_storage::cache::{CacheConfig, WatchCache};
use ironkube_storage::object::{
    INITIAL_EVENTS_END_ANNOTATION, ListOptions, Object, Preconditions, ResourceVersionMatch,
    Selection, StorageError, WatchEvent, WatchOptions,
};
use serde_json::{Value, json};
use tokio::time::Instant;

use common::{configmap, configmaps, labeled};

backend_tests!(
    lists_from_memory_and_consistent_reads,
    not_older_than_waits_then_times_out,
    watch_resumes_from_ring_and_expires,
    watch_list_and_bookmarks,
    slow_watcher_is_closed_others_continue,
    events_are_shared_and_encoded_once,
    cached_copy_drives_updates,
    consistent_lists_can_go_to_the_store,
    closed_watcher_gets_no_bookmark_past_what_it_missed,
    dropped_watchers_are_unregistered,
    watch_errors_arrive_in_band,
);

fn config() -> CacheConfig {
    CacheConfig {
        ring_capacity: 50,
        watcher_buffer: 16,
        bookmark_interval: Duration::from_millis(300),
        freshness_timeout: Duration::from_millis(800),
        progress_interval: Duration::from_millis(100),
        consistent_reads_from_cache: true,
    }
}

async fn started(kv: Arc<dyn KvStore>) -> WatchCache {
    let cache = WatchCache::start(configmaps(kv), config());
    let deadline = Instant::now() + Duration::from_secs(10);
    while cache.revision() == 0 {
        assert!(Instant::now() < deadline, "cache never became ready");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cache
}

async fn next_event(stream: &mut BoxStream<'static, WatchEvent>) -> WatchEvent {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("event within 10 s")
        .expect("stream open")
}

async fn set_value(cache: &WatchCache, name: &str, value: &str) -> Object {
    cache
        .store()
        .guaranteed_update::<StorageError, _, _>(
            Some("ns"),
            name,
            false,
            &Preconditions::default(),
            None,
            async |c: Option<Value>| {
                let mut o = c.unwrap();
                o["data"]["value"] = json!(value);
                Ok(o)
            },
        )
        .await
        .unwrap()
}

async fn wait_until_cache_reaches(cache: &WatchCache, kv: &Arc<dyn KvStore>) {
    let target = kv.current_revision().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while cache.revision() < target {
        assert!(Instant::now() < deadline, "cache stuck below {target}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn lists_from_memory_and_consistent_reads(kv: Arc<dyn KvStore>) {
    // A first write makes the store's revision non-zero before the cache starts.
    kv.put("marker".into(), "x".into()).await.unwrap();
    let cache = started(kv.clone()).await;
    let store = cache.store().clone();
    for i in 0..5 {
        let object = configmap("ns", &format!("c{i}"), "1");
        let object = if i % 2 == 0 {
            labeled(object, "tier", "gold")
        } else {
            object
        };
        store
            .create(Some("ns"), &format!("c{i}"), object)
            .await
            .unwrap();
    }
    store
        .create(Some("other"), "o", configmap("other", "o", "1"))
        .await
        .unwrap();
    // A consistent list (no resourceVersion) sees every acknowledged write at once.
    let list = cache
        .list(Some("ns"), &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(list.items.len(), 5);
    assert_eq!(list.resource_version, kv.current_revision().await.unwrap());
    let all = cache.list(None, &ListOptions::default()).await.unwrap();
    assert_eq!(all.items.len(), 6);
    // Selectors apply to cached lists too.
    let gold = ListOptions {
        resource_version: "0".into(),
        selection: Selection {
            labels: LabelSelector::parse("tier=gold").unwrap(),
            ..Selection::everything()
        },
        ..Default::default()
    };
    let list = cache.list(Some("ns"), &gold).await.unwrap();
    assert_eq!(
        list.items.iter().map(|o| o.name()).collect::<Vec<_>>(),
        ["c0", "c2", "c4"]
    );
    // A get with a resourceVersion reads memory; without one, the store.
    let rv = list.resource_version.to_string();
    let got = cache.get(Some("ns"), "c1", Some(&rv)).await.unwrap();
    assert_eq!(got.name(), "c1");
    assert!(matches!(
        cache.get(Some("ns"), "nope", Some(&rv)).await.unwrap_err(),
        StorageError::NotFound { .. }
    ));
    assert_eq!(
        cache.get(Some("ns"), "c3", None).await.unwrap().name(),
        "c3"
    );
    // Exact lists go to the store and see the past.
    let first_rv = all
        .items
        .iter()
        .map(Object::resource_version)
        .min()
        .unwrap();
    let exact = ListOptions {
        resource_version: first_rv.to_string(),
        resource_version_match: ResourceVersionMatch::Exact,
        ..Default::default()
    };
    assert_eq!(cache.list(None, &exact).await.unwrap().items.len(), 1);
    // Paged lists go to the store and get continue tokens.
    let paged = ListOptions {
        limit: 2,
        ..Default::default()
    };
    assert!(
        cache
            .list(None, &paged)
            .await
            .unwrap()
            .continue_token
            .is_some()
    );
}

async fn not_older_than_waits_then_times_out(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let current = kv.current_revision().await.unwrap();
    let options = ListOptions {
        resource_version: (current + 1).to_string(),
        resource_version_match: ResourceVersionMatch::NotOlderThan,
        ..Default::default()
    };
    // A write that lands while the list waits satisfies it.
    let writer = {
        let store = cache.store().clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            store
                .create(Some("ns"), "w", configmap("ns", "w", "1"))
                .await
                .unwrap();
        })
    };
    let list = cache.list(Some("ns"), &options).await.unwrap();
    writer.await.unwrap();
    assert!(list.resource_version > current);
    assert_eq!(list.items.len(), 1);
    // A revision the store never reaches: "Too large resource version" after the wait.
    let far = ListOptions {
        resource_version: (current + 1000).to_string(),
        resource_version_match: ResourceVersionMatch::NotOlderThan,
        ..Default::default()
    };
    let started_at = Instant::now();
    let err = cache.list(None, &far).await.unwrap_err();
    assert!(started_at.elapsed() >= Duration::from_millis(700));
    assert!(
        matches!(err, StorageError::TooLargeResourceVersion { minimum, retry_after_seconds: 1, .. } if minimum == current + 1000),
        "{err:?}"
    );
}

async fn watch_resumes_from_ring_and_expires(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let store = cache.store().clone();
    store
        .create(Some("ns"), "a", configmap("ns", "a", "0"))
        .await
        .unwrap();
    let from = cache
        .list(None, &ListOptions::default())
        .await
        .unwrap()
        .resource_version;
    let mut expected = Vec::new();
    for i in 1..=10 {
        expected.push(
            set_value(&cache, "a", &i.to_string())
                .await
                .resource_version(),
        );
    }
    // Resume from a past resourceVersion: exactly the changes after it, in order.
    let from_options = WatchOptions {
        resource_version: from.to_string(),
        ..Default::default()
    };
    let mut watch = cache.watch(None, from_options.clone(), None).await.unwrap();
    for rv in &expected {
        match next_event(&mut watch).await {
            WatchEvent::Modified(o) => assert_eq!(o.resource_version(), *rv),
            other => panic!("{other:?}"),
        }
    }
    // Then live ones.
    let live = set_value(&cache, "a", "live").await;
    match next_event(&mut watch).await {
        WatchEvent::Modified(o) => assert_eq!(o, live),
        other => panic!("{other:?}"),
    }
    // Push `from` out of the ring (capacity 50): resuming there is 410 Expired in-band.
    for i in 0..60 {
        set_value(&cache, "a", &format!("x{i}")).await;
    }
    wait_until_cache_reaches(&cache, &kv).await;
    let mut old = cache.watch(None, from_options, None).await.unwrap();
    match next_event(&mut old).await {
        WatchEvent::Error(err) => match err.as_ref() {
            StorageError::Expired { message, .. } => assert!(
                message.starts_with(&format!("too old resource version: {from} (")),
                "{message}"
            ),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

async fn watch_list_and_bookmarks(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let store = cache.store().clone();
    for i in 0..3 {
        let name = format!("c{i}");
        store
            .create(Some("ns"), &name, configmap("ns", &name, "1"))
            .await
            .unwrap();
    }
    let revision = kv.current_revision().await.unwrap();
    let options = WatchOptions {
        send_initial_events: Some(true),
        allow_bookmarks: true,
        ..Default::default()
    };
    let deadline = Some(Instant::now() + Duration::from_secs(30));
    let mut watch = cache.watch(None, options, deadline).await.unwrap();
    for i in 0..3 {
        match next_event(&mut watch).await {
            WatchEvent::Added(o) => assert_eq!(o.name(), format!("c{i}")),
            other => panic!("{other:?}"),
        }
    }
    match next_event(&mut watch).await {
        WatchEvent::Bookmark(o) => {
            assert!(o.resource_version() >= revision);
            assert_eq!(
                o.value()["metadata"]["annotations"][INITIAL_EVENTS_END_ANNOTATION],
                json!("true")
            );
        }
        other => panic!("{other:?}"),
    }
    kv.put("unrelated".into(), "1".into()).await.unwrap();
    let unrelated = kv.current_revision().await.unwrap();
    if kv.ordered_progress() {
        // Periodic bookmarks carry the cache's revision, which progress notifications keep
        // moving with writes elsewhere in the store, never going backwards.
        let give_up = Instant::now() + Duration::from_secs(8);
        let mut last = 0;
        loop {
            assert!(Instant::now() < give_up, "no bookmark reached {unrelated}");
            match next_event(&mut watch).await {
                WatchEvent::Bookmark(o) => {
                    assert!(o.resource_version() >= last, "bookmarks never go back");
                    last = o.resource_version();
                    assert!(o.value()["metadata"].get("annotations").is_none());
                    if last >= unrelated {
                        break;
                    }
                }
                other => panic!("only bookmarks expected, got {other:?}"),
            }
        }
    } else {
        // A store that may send progress ahead of events (etcd before 3.4.31) is never asked
        // for it: the cache claims no revision it has not seen an event of.
        let quiet = tokio::time::timeout(Duration::from_millis(900), watch.next()).await;
        assert!(quiet.is_err(), "{quiet:?}");
        assert!(cache.revision() < unrelated);
    }
    // A watch without bookmarks gets none.
    let quiet_options = WatchOptions {
        send_initial_events: Some(false),
        ..Default::default()
    };
    let mut quiet = cache.watch(None, quiet_options, None).await.unwrap();
    let nothing = tokio::time::timeout(Duration::from_millis(800), quiet.next()).await;
    assert!(nothing.is_err(), "{nothing:?}");
}

async fn slow_watcher_is_closed_others_continue(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let store = cache.store().clone();
    store
        .create(Some("ns"), "a", configmap("ns", "a", "initial"))
        .await
        .unwrap();
    let from = cache
        .list(None, &ListOptions::default())
        .await
        .unwrap()
        .resource_version;
    let options = WatchOptions {
        resource_version: from.to_string(),
        ..Default::default()
    };
    // The slow one is never polled; its buffer (16) fills.
    let slow = cache.watch(None, options.clone(), None).await.unwrap();
    let mut fast = cache.watch(None, options, None).await.unwrap();
    let writes = 40;
    let consumer = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < writes {
            match next_event(&mut fast).await {
                WatchEvent::Modified(o) => seen.push(o.resource_version()),
                other => panic!("{other:?}"),
            }
        }
        seen
    });
    let mut written = Vec::new();
    for i in 0..writes {
        written.push(
            set_value(&cache, "a", &i.to_string())
                .await
                .resource_version(),
        );
    }
    let seen = tokio::time::timeout(Duration::from_secs(20), consumer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen, written, "the fast watcher got everything, in order");
    assert_eq!(cache.closed_slow_watchers(), 1);
    // The slow watcher's stream holds what fitted, then ends: the client re-watches.
    let got: Vec<_> = tokio::time::timeout(Duration::from_secs(5), slow.collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(got.len(), 16);
    // Both are gone now: the slow one closed, the fast one dropped with its consumer task.
    assert_eq!(cache.watcher_count(), 0);
}

async fn events_are_shared_and_encoded_once(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let options = WatchOptions {
        send_initial_events: Some(false),
        ..Default::default()
    };
    let mut one = cache.watch(None, options.clone(), None).await.unwrap();
    let mut two = cache.watch(None, options, None).await.unwrap();
    cache
        .store()
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    let (WatchEvent::Added(a), WatchEvent::Added(b)) =
        (next_event(&mut one).await, next_event(&mut two).await)
    else {
        panic!("expected two ADDED events");
    };
    // Both watchers hold the same decoded object, and so the same encoded bytes.
    let bytes_a = a.json();
    let bytes_b = b.json();
    assert_eq!(bytes_a.as_ptr(), bytes_b.as_ptr(), "encoded once, shared");
    let decoded: Value = serde_json::from_slice(&bytes_a).unwrap();
    assert_eq!(
        decoded["metadata"]["resourceVersion"],
        json!(a.resource_version().to_string())
    );
}

async fn cached_copy_drives_updates(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let created = cache
        .store()
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    wait_until_cache_reaches(&cache, &kv).await;
    let cached = cache.cached(Some("ns"), "a").expect("cached");
    assert_eq!(cached, created);
    // An update that starts from the cached copy applies on top of it.
    let updated = cache
        .store()
        .guaranteed_update::<StorageError, _, _>(
            Some("ns"),
            "a",
            false,
            &Preconditions::default(),
            Some(&cached),
            async |c: Option<Value>| {
                let mut o = c.unwrap();
                o["data"]["value"] = json!("2");
                Ok(o)
            },
        )
        .await
        .unwrap();
    assert!(updated.resource_version() > created.resource_version());
}

async fn consistent_lists_can_go_to_the_store(kv: Arc<dyn KvStore>) {
    let config = CacheConfig {
        consistent_reads_from_cache: false,
        // Long enough that a list served from memory would visibly wait for it.
        progress_interval: Duration::from_secs(3600),
        ..config()
    };
    let cache = WatchCache::start(configmaps(kv.clone()), config);
    let created = cache
        .store()
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    // Read from the store: the write is there at once, whatever the cache has seen.
    let list = cache.list(None, &ListOptions::default()).await.unwrap();
    assert_eq!(list.items, vec![created]);
    assert_eq!(list.resource_version, kv.current_revision().await.unwrap());
}

async fn closed_watcher_gets_no_bookmark_past_what_it_missed(kv: Arc<dyn KvStore>) {
    let config = CacheConfig {
        bookmark_interval: Duration::from_millis(20),
        ..config()
    };
    let cache = WatchCache::start(configmaps(kv.clone()), config);
    let store = cache.store().clone();
    store
        .create(Some("ns"), "a", configmap("ns", "a", "initial"))
        .await
        .unwrap();
    wait_until_cache_reaches(&cache, &kv).await;
    // Each round: a watcher that is not polled while 40 events arrive is closed after 16;
    // then it is read slowly, so its bookmark timer is due whenever it is polled. Once its
    // buffer is drained it must end, never send a bookmark vouching for the events it missed.
    // (Without the guard a round fails about half the time; three rounds catch it.)
    for round in 0..3 {
        let options = WatchOptions {
            send_initial_events: Some(false),
            allow_bookmarks: true,
            ..Default::default()
        };
        let mut slow = cache.watch(None, options, None).await.unwrap();
        for i in 0..40 {
            set_value(&cache, "a", &format!("{round}-{i}")).await;
        }
        wait_until_cache_reaches(&cache, &kv).await;
        let mut last_event = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(30)).await;
            match tokio::time::timeout(Duration::from_secs(5), slow.next())
                .await
                .unwrap()
            {
                None => break,
                Some(WatchEvent::Modified(o)) => last_event = o.resource_version(),
                Some(WatchEvent::Bookmark(o)) => assert!(
                    o.resource_version() <= last_event,
                    "round {round}: a bookmark at {} vouches for events after {last_event} the \
                     watcher never got",
                    o.resource_version()
                ),
                Some(other) => panic!("{other:?}"),
            }
        }
        assert!(last_event > 0);
    }
}

async fn dropped_watchers_are_unregistered(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let mut watches = Vec::new();
    for i in 0..100 {
        let options = WatchOptions {
            send_initial_events: Some(false),
            name: Some(format!("never-{i}")),
            ..Default::default()
        };
        watches.push(cache.watch(Some("ns"), options, None).await.unwrap());
    }
    assert_eq!(cache.watcher_count(), 100);
    drop(watches);
    assert_eq!(cache.watcher_count(), 0, "no event needed to forget them");
}

async fn watch_errors_arrive_in_band(kv: Arc<dyn KvStore>) {
    let cache = started(kv.clone()).await;
    let current = kv.current_revision().await.unwrap();
    // A resourceVersion the store never reaches: the watch opens, then says why it ends.
    let options = WatchOptions {
        resource_version: (current + 1000).to_string(),
        ..Default::default()
    };
    let mut watch = cache.watch(None, options, None).await.unwrap();
    match next_event(&mut watch).await {
        WatchEvent::Error(err) => assert!(
            matches!(err.as_ref(), StorageError::TooLargeResourceVersion { .. }),
            "{err:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(watch.next().await.is_none());
    // Malformed parameters are refused before any stream exists.
    let bad = WatchOptions {
        resource_version: "abc".into(),
        ..Default::default()
    };
    assert!(matches!(
        cache.watch(None, bad, None).await,
        Err(StorageError::BadRequest(_))
    ));
}
