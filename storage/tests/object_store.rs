//! The object store's upstream semantics (`etcd3/store.go`, `watcher.go`, `compact.go`), run
//! against real etcd and the embedded backend.
//!
//! Run with: `cargo test -p ironkube-storage --test object_store`

// Test cases are plain async functions instantiated per backend by `backend_tests!`, so
// clippy does not see them as tests: unwrapping is how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use ironkube_apimachinery::LabelSelector;
use ironkube_apimachinery::continue_token::decode_continue;
use ironkube_storage::compactor::{CompactState, Compactor, compact_tick};
use ironkube_storage::kv::{KeyRange, RangeRequest};
use ironkube_storage::object::{
    INITIAL_EVENTS_END_ANNOTATION, ListOptions, Object, ObjectStore, Preconditions,
    ResourceVersionMatch, Selection, StorageError, WatchEvent, WatchOptions,
};
use ironkube_storage::{KvError, KvStore};
use serde_json::{Value, json};

use common::{configmap, configmaps, labeled};

backend_tests!(
    create_get_and_stored_form,
    create_refuses_bad_input,
    update_writes_and_skips_noops,
    update_preconditions_and_not_found,
    update_retries_concurrent_writers,
    update_from_stale_cache_retries,
    delete_semantics,
    list_pages_one_snapshot,
    list_with_selector_fills_pages,
    list_resource_version_semantics,
    list_compacted_continue_gets_fresh_token,
    watch_from_revision_in_order,
    watch_selector_transitions,
    watch_initial_state_and_watch_list,
    watch_compacted_is_expired_in_band,
    compaction_coordinated_by_cas,
    compactor_keeps_one_interval_of_history,
    dropped_watches_end_their_tasks,
    watch_at_the_largest_resource_version_fails_cleanly,
    watch_event_without_previous_state_fails,
    odd_inputs_as_upstream,
);

fn data(object: &Object) -> &str {
    object.value()["data"]["value"].as_str().unwrap_or_default()
}

async fn next_event(stream: &mut BoxStream<'static, WatchEvent>) -> WatchEvent {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("watch event within 10 s")
        .expect("watch stream still open")
}

async fn set_value(store: &ObjectStore, namespace: &str, name: &str, value: &str) -> Object {
    store
        .guaranteed_update::<StorageError, _, _>(
            Some(namespace),
            name,
            false,
            &Preconditions::default(),
            None,
            async |current: Option<Value>| {
                let mut object = current.expect("exists");
                object["data"]["value"] = json!(value);
                Ok(object)
            },
        )
        .await
        .unwrap()
}

async fn delete(store: &ObjectStore, namespace: &str, name: &str) -> Object {
    store
        .delete::<StorageError, _>(
            Some(namespace),
            name,
            &Preconditions::default(),
            None,
            |_| Ok(()),
        )
        .await
        .unwrap()
}

async fn create_get_and_stored_form(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let created = store
        .create(Some("default"), "a", configmap("default", "a", "1"))
        .await
        .unwrap();
    let revision = kv.current_revision().await.unwrap();
    assert_eq!(created.resource_version(), revision);
    assert_eq!(
        created.value()["metadata"]["resourceVersion"],
        json!(revision.to_string())
    );
    let got = store.get(Some("default"), "a", None).await.unwrap();
    assert_eq!(got, created);
    // The stored value carries no resourceVersion, at upstream's key.
    let raw = kv
        .get(Bytes::from_static(b"/registry/configmaps/default/a"))
        .await
        .unwrap()
        .expect("stored under upstream's key");
    let stored: Value = serde_json::from_slice(&raw.value).unwrap();
    assert!(stored["metadata"].get("resourceVersion").is_none());
    assert_eq!(raw.mod_revision, revision);
    // A get that demands a newer revision than the store has is refused.
    let err = store
        .get(Some("default"), "a", Some(&(revision + 100).to_string()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::TooLargeResourceVersion { minimum, current, .. } if minimum == revision + 100 && current == revision),
        "{err:?}"
    );
    let err = store
        .get(Some("default"), "missing", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::NotFound { ref key } if key == "/registry/configmaps/default/missing")
    );
}

async fn create_refuses_bad_input(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    store
        .create(Some("default"), "a", configmap("default", "a", "1"))
        .await
        .unwrap();
    let before = kv.current_revision().await.unwrap();
    let err = store
        .create(Some("default"), "a", configmap("default", "a", "2"))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::KeyExists { .. }), "{err:?}");
    let mut with_rv = configmap("default", "b", "1");
    with_rv["metadata"]["resourceVersion"] = json!("5");
    let err = store
        .create(Some("default"), "b", with_rv)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "resourceVersion should not be set on objects to be created"
    );
    for name in ["", ".", "..", "a/b"] {
        let err = store
            .create(Some("default"), name, configmap("default", name, "1"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StorageError::InvalidKey(_)),
            "{name:?}: {err:?}"
        );
    }
    let err = store
        .create(Some(".."), "x", configmap("..", "x", "1"))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::InvalidKey(_)));
    // Over etcd's request limit: a typed error, nothing written.
    let big = "x".repeat(1536 * 1024 + 1);
    let err = store
        .create(Some("default"), "big", configmap("default", "big", &big))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::Kv(KvError::TooLarge { .. })),
        "{err:?}"
    );
    assert_eq!(
        kv.current_revision().await.unwrap(),
        before,
        "nothing was written"
    );
    let kept = store.get(Some("default"), "a", None).await.unwrap();
    assert_eq!(data(&kept), "1");
}

async fn update_writes_and_skips_noops(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let created = store
        .create(Some("default"), "a", configmap("default", "a", "1"))
        .await
        .unwrap();
    let updated = set_value(&store, "default", "a", "2").await;
    assert!(updated.resource_version() > created.resource_version());
    assert_eq!(data(&updated), "2");
    assert_eq!(
        store.get(Some("default"), "a", None).await.unwrap(),
        updated
    );
    // An update that changes nothing writes nothing and keeps the resourceVersion.
    let before = kv.current_revision().await.unwrap();
    let same = set_value(&store, "default", "a", "2").await;
    assert_eq!(same.resource_version(), updated.resource_version());
    assert_eq!(kv.current_revision().await.unwrap(), before);
}

/// An error of the caller's own, to check that update and delete pass it through.
#[derive(Debug)]
enum AppError {
    Storage(StorageError),
    Refused,
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        Self::Storage(err)
    }
}

async fn update_preconditions_and_not_found(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let created = store
        .create(Some("default"), "a", configmap("default", "a", "1"))
        .await
        .unwrap();
    let set_two = async |current: Option<Value>| -> Result<Value, StorageError> {
        let mut object = current.unwrap_or_else(|| configmap("default", "a", "0"));
        object["data"]["value"] = json!("2");
        Ok(object)
    };
    let wrong_uid = Preconditions {
        uid: Some("other".into()),
        resource_version: None,
    };
    let err = store
        .guaranteed_update(Some("default"), "a", false, &wrong_uid, None, set_two)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "StorageError: invalid object, Code: 4, Key: /registry/configmaps/default/a, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: other, UID in object meta: uid-a"
    );
    let stale_rv = Preconditions {
        uid: None,
        resource_version: Some("1".into()),
    };
    let err = store
        .guaranteed_update(Some("default"), "a", false, &stale_rv, None, set_two)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: {}",
            created.resource_version()
        )),
        "{err}"
    );
    let kept = store.get(Some("default"), "a", None).await.unwrap();
    assert_eq!(data(&kept), "1");
    let right = Preconditions {
        uid: Some("uid-a".into()),
        resource_version: Some(created.resource_version().to_string()),
    };
    let updated = store
        .guaranteed_update(Some("default"), "a", false, &right, None, set_two)
        .await
        .unwrap();
    assert_eq!(data(&updated), "2");
    // Missing: NotFound, unless told to ignore it (then the update sees None and creates).
    let none = Preconditions::default();
    let err = store
        .guaranteed_update(Some("default"), "b", false, &none, None, set_two)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::NotFound { .. }));
    let made = store
        .guaranteed_update(
            Some("default"),
            "b",
            true,
            &none,
            None,
            async |current: Option<Value>| {
                assert!(current.is_none());
                Ok::<_, StorageError>(configmap("default", "b", "new"))
            },
        )
        .await
        .unwrap();
    assert_eq!(data(&made), "new");
    // An update function's own error comes back as it is.
    let err = store
        .guaranteed_update(Some("default"), "a", false, &none, None, async |_| {
            Err::<Value, _>(AppError::Refused)
        })
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Refused));
    let err = store
        .guaranteed_update(Some("default"), "zzz", false, &none, None, async |_| {
            Err::<Value, _>(AppError::Refused)
        })
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AppError::Storage(StorageError::NotFound { .. })
    ));
}

async fn update_retries_concurrent_writers(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    store
        .create(
            Some("default"),
            "counter",
            configmap("default", "counter", "0"),
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                store
                    .guaranteed_update::<StorageError, _, _>(
                        Some("default"),
                        "counter",
                        false,
                        &Preconditions::default(),
                        None,
                        async |current: Option<Value>| {
                            let mut object = current.expect("exists");
                            let n: i64 = object["data"]["value"].as_str().unwrap().parse().unwrap();
                            object["data"]["value"] = json!((n + 1).to_string());
                            Ok(object)
                        },
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let got = store.get(Some("default"), "counter", None).await.unwrap();
    assert_eq!(data(&got), "160", "no increment lost");
}

async fn update_from_stale_cache_retries(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let stale = store
        .create(Some("default"), "a", configmap("default", "a", "1"))
        .await
        .unwrap();
    store
        .guaranteed_update::<StorageError, _, _>(
            Some("default"),
            "a",
            false,
            &Preconditions::default(),
            None,
            async |c: Option<Value>| {
                let mut o = c.unwrap();
                o["data"]["extra"] = json!("kept");
                Ok(o)
            },
        )
        .await
        .unwrap();
    // Starting from the stale copy, the CAS fails once and the update is re-run on fresh data.
    let mut calls = 0;
    let updated = store
        .guaranteed_update::<StorageError, _, _>(
            Some("default"),
            "a",
            false,
            &Preconditions::default(),
            Some(&stale),
            |c: Option<Value>| {
                calls += 1;
                let mut o = c.unwrap();
                o["data"]["value"] = json!("2");
                std::future::ready(Ok(o))
            },
        )
        .await
        .unwrap();
    assert_eq!(calls, 2);
    assert_eq!(updated.value()["data"]["extra"], json!("kept"));
    assert_eq!(data(&updated), "2");
    // A precondition that fails on stale data but holds on fresh data succeeds.
    let fresh = Preconditions {
        uid: None,
        resource_version: Some(updated.resource_version().to_string()),
    };
    let deleted = store
        .delete::<StorageError, _>(Some("default"), "a", &fresh, Some(&stale), |_| Ok(()))
        .await
        .unwrap();
    assert_eq!(data(&deleted), "2");
}

async fn delete_semantics(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    store
        .create(Some("default"), "a", configmap("default", "a", "1"))
        .await
        .unwrap();
    let wrong_uid = Preconditions {
        uid: Some("nope".into()),
        resource_version: None,
    };
    let err = store
        .delete::<StorageError, _>(Some("default"), "a", &wrong_uid, None, |_| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::PreconditionFailed { .. }));
    let err = store
        .delete(
            Some("default"),
            "a",
            &Preconditions::default(),
            None,
            |_| Err(AppError::Refused),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Refused));
    assert!(
        store.get(Some("default"), "a", None).await.is_ok(),
        "still there"
    );
    let deleted = delete(&store, "default", "a").await;
    // The deleted object is stamped with the delete's revision.
    assert_eq!(
        deleted.resource_version(),
        kv.current_revision().await.unwrap()
    );
    assert_eq!(data(&deleted), "1");
    let err = store
        .delete::<StorageError, _>(
            Some("default"),
            "a",
            &Preconditions::default(),
            None,
            |_| Ok(()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::NotFound { .. }));
}

async fn fill(store: &ObjectStore, namespace: &str, count: usize) {
    for i in 0..count {
        let name = format!("cm-{i:03}");
        let object = configmap(namespace, &name, &i.to_string());
        let object = if i % 3 == 0 {
            labeled(object, "tier", "gold")
        } else {
            object
        };
        store.create(Some(namespace), &name, object).await.unwrap();
    }
}

async fn list_pages_one_snapshot(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    fill(&store, "ns1", 25).await;
    fill(&store, "ns2", 3).await;
    let all = store.list(None, &ListOptions::default()).await.unwrap();
    assert_eq!(all.items.len(), 28);
    assert_eq!(all.resource_version, kv.current_revision().await.unwrap());
    assert!(all.continue_token.is_none());
    let ns2 = store
        .list(Some("ns2"), &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(ns2.items.len(), 3);

    let mut options = ListOptions {
        limit: 10,
        ..Default::default()
    };
    let first = store.list(Some("ns1"), &options).await.unwrap();
    assert_eq!(first.items.len(), 10);
    assert_eq!(first.remaining_item_count, Some(15));
    let token = first.continue_token.clone().expect("more pages");
    let (start, rv) = decode_continue(&token, "/registry/configmaps/ns1/").unwrap();
    assert_eq!(rv, first.resource_version);
    assert_eq!(start, "/registry/configmaps/ns1/cm-009\u{0}");
    // Changes after the first page do not show on later pages: they read the same snapshot.
    store
        .create(Some("ns1"), "cm-0200", configmap("ns1", "cm-0200", "late"))
        .await
        .unwrap();
    delete(&store, "ns1", "cm-024").await;
    options.continue_token = token;
    let second = store.list(Some("ns1"), &options).await.unwrap();
    assert_eq!(second.resource_version, first.resource_version);
    assert_eq!(second.items.len(), 10);
    assert_eq!(second.remaining_item_count, Some(5));
    options.continue_token = second.continue_token.clone().unwrap();
    let third = store.list(Some("ns1"), &options).await.unwrap();
    assert_eq!(third.items.len(), 5);
    assert!(third.continue_token.is_none());
    assert_eq!(third.remaining_item_count, None);
    let names: Vec<_> = first
        .items
        .iter()
        .chain(&second.items)
        .chain(&third.items)
        .map(|o| o.name().to_string())
        .collect();
    let expected: Vec<_> = (0..25).map(|i| format!("cm-{i:03}")).collect();
    assert_eq!(
        names, expected,
        "every object once, in key order, as of the snapshot"
    );
    // Bad tokens and a resourceVersion beside a token are refused.
    let bad = ListOptions {
        continue_token: "not-a-token".into(),
        ..Default::default()
    };
    let err = store.list(Some("ns1"), &bad).await.unwrap_err();
    assert!(
        matches!(err, StorageError::BadRequest(ref m) if m.starts_with("invalid continue token")),
        "{err:?}"
    );
    let both = ListOptions {
        continue_token: second.continue_token.unwrap(),
        resource_version: "5".into(),
        ..Default::default()
    };
    let err = store.list(Some("ns1"), &both).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "specifying resource version is not allowed when using continue"
    );
}

async fn list_with_selector_fills_pages(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    fill(&store, "ns1", 30).await;
    let selection = Selection {
        labels: LabelSelector::parse("tier=gold").unwrap(),
        ..Selection::everything()
    };
    let everything = store
        .list(
            None,
            &ListOptions {
                selection: selection.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(everything.items.len(), 10);
    let mut options = ListOptions {
        limit: 4,
        selection,
        ..Default::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = store.list(Some("ns1"), &options).await.unwrap();
        assert!(page.items.len() <= 4);
        // With a selector upstream reports no remaining count.
        assert_eq!(page.remaining_item_count, None);
        seen.extend(page.items.iter().map(|o| o.name().to_string()));
        match page.continue_token {
            Some(token) => {
                assert_eq!(
                    page.items.len(),
                    4,
                    "a page is filled before a token is given"
                );
                options.continue_token = token;
            }
            None => break,
        }
    }
    let expected: Vec<_> = (0..30).step_by(3).map(|i| format!("cm-{i:03}")).collect();
    assert_eq!(seen, expected);
}

async fn list_resource_version_semantics(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let a1 = store
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    set_value(&store, "ns", "a", "2").await;
    store
        .create(Some("ns"), "b", configmap("ns", "b", "1"))
        .await
        .unwrap();
    let current = kv.current_revision().await.unwrap();
    // Exact: the state at that revision.
    let exact = ListOptions {
        resource_version: a1.resource_version().to_string(),
        resource_version_match: ResourceVersionMatch::Exact,
        ..Default::default()
    };
    let old = store.list(Some("ns"), &exact).await.unwrap();
    assert_eq!(old.resource_version, a1.resource_version());
    assert_eq!(old.items.len(), 1);
    assert_eq!(data(&old.items[0]), "1");
    // Legacy: a resourceVersion with a limit is exact too.
    let legacy = ListOptions {
        resource_version: a1.resource_version().to_string(),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        store.list(Some("ns"), &legacy).await.unwrap().items.len(),
        1
    );
    // NotOlderThan: the latest state.
    let newer = ListOptions {
        resource_version: a1.resource_version().to_string(),
        resource_version_match: ResourceVersionMatch::NotOlderThan,
        ..Default::default()
    };
    let latest = store.list(Some("ns"), &newer).await.unwrap();
    assert_eq!(latest.items.len(), 2);
    assert_eq!(latest.resource_version, current);
    // Future revisions: "Too large resource version".
    for rv_match in [
        ResourceVersionMatch::Exact,
        ResourceVersionMatch::NotOlderThan,
    ] {
        let future = ListOptions {
            resource_version: (current + 50).to_string(),
            resource_version_match: rv_match,
            ..Default::default()
        };
        let err = store.list(Some("ns"), &future).await.unwrap_err();
        assert!(
            matches!(err, StorageError::TooLargeResourceVersion { minimum, current: c, .. } if minimum == current + 50 && c == current),
            "{rv_match:?}: {err:?}"
        );
    }
    let bad = ListOptions {
        resource_version: "abc".into(),
        ..Default::default()
    };
    assert!(matches!(
        store.list(None, &bad).await.unwrap_err(),
        StorageError::BadRequest(_)
    ));
    // Exact at a compacted revision: 410 Expired.
    kv.compact(current).await.unwrap();
    let err = store.list(Some("ns"), &exact).await.unwrap_err();
    assert!(
        matches!(err, StorageError::Expired { ref message, continue_token: None } if message == "The resourceVersion for the provided list is too old."),
        "{err:?}"
    );
}

async fn list_compacted_continue_gets_fresh_token(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    fill(&store, "ns", 6).await;
    let first = store
        .list(
            Some("ns"),
            &ListOptions {
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .create(Some("ns"), "zzz", configmap("ns", "zzz", "late"))
        .await
        .unwrap();
    kv.compact(kv.current_revision().await.unwrap())
        .await
        .unwrap();
    let err = store
        .list(
            Some("ns"),
            &ListOptions {
                limit: 2,
                continue_token: first.continue_token.unwrap(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    let StorageError::Expired {
        message,
        continue_token: Some(token),
    } = err
    else {
        panic!("expected 410 with a fresh token, got {err:?}");
    };
    assert!(message.starts_with("The provided continue parameter is too old"));
    let (start, rv) = decode_continue(&token, "/registry/configmaps/ns/").unwrap();
    assert_eq!(rv, -1, "continue inconsistently at the latest revision");
    assert_eq!(start, "/registry/configmaps/ns/cm-001\u{0}");
    // The fresh token continues at the latest revision, late objects included.
    let mut names = Vec::new();
    let mut options = ListOptions {
        limit: 2,
        continue_token: token,
        ..Default::default()
    };
    loop {
        let page = store.list(Some("ns"), &options).await.unwrap();
        names.extend(page.items.iter().map(|o| o.name().to_string()));
        match page.continue_token {
            Some(t) => options.continue_token = t,
            None => break,
        }
    }
    assert_eq!(names, ["cm-002", "cm-003", "cm-004", "cm-005", "zzz"]);
}

async fn watch_from_revision_in_order(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let start = kv.current_revision().await.unwrap();
    let a = store
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    let a2 = set_value(&store, "ns", "a", "2").await;
    store
        .create(Some("other"), "x", configmap("other", "x", "1"))
        .await
        .unwrap();
    let gone = delete(&store, "ns", "a").await;
    let from_start = WatchOptions {
        resource_version: start.to_string(),
        ..Default::default()
    };
    let mut watch = store.watch(Some("ns"), from_start.clone()).await.unwrap();
    match next_event(&mut watch).await {
        WatchEvent::Added(o) => assert_eq!(o, a),
        other => panic!("{other:?}"),
    }
    match next_event(&mut watch).await {
        WatchEvent::Modified(o) => assert_eq!(o, a2),
        other => panic!("{other:?}"),
    }
    match next_event(&mut watch).await {
        WatchEvent::Deleted(o) => {
            assert_eq!(o, gone);
            assert_eq!(data(&o), "2", "the last state");
        }
        other => panic!("{other:?}"),
    }
    // Live events follow.
    let b = store
        .create(Some("ns"), "b", configmap("ns", "b", "1"))
        .await
        .unwrap();
    match next_event(&mut watch).await {
        WatchEvent::Added(o) => assert_eq!(o, b),
        other => panic!("{other:?}"),
    }
    // A single-object watch sees only that object.
    let one_object = WatchOptions {
        name: Some("b".into()),
        ..from_start
    };
    let mut one = store.watch(Some("ns"), one_object).await.unwrap();
    match next_event(&mut one).await {
        WatchEvent::Added(o) => assert_eq!(o.name(), "b"),
        other => panic!("{other:?}"),
    }
}

async fn watch_selector_transitions(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let start = kv.current_revision().await.unwrap();
    let selection = Selection {
        labels: LabelSelector::parse("tier=gold").unwrap(),
        ..Selection::everything()
    };
    let options = WatchOptions {
        resource_version: start.to_string(),
        selection,
        ..Default::default()
    };
    let mut watch = store.watch(None, options).await.unwrap();
    store
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    let relabel = async |tier: &str| {
        store
            .guaranteed_update::<StorageError, _, _>(
                Some("ns"),
                "a",
                false,
                &Preconditions::default(),
                None,
                async |c: Option<Value>| {
                    let mut o = c.unwrap();
                    o["metadata"]["labels"] = json!({ "tier": tier });
                    Ok(o)
                },
            )
            .await
            .unwrap()
    };
    let gold = relabel("gold").await;
    let gold_again = set_value(&store, "ns", "a", "2").await;
    let silver = relabel("silver").await;
    match next_event(&mut watch).await {
        WatchEvent::Added(o) => assert_eq!(o, gold, "starts matching: ADDED"),
        other => panic!("{other:?}"),
    }
    match next_event(&mut watch).await {
        WatchEvent::Modified(o) => assert_eq!(o, gold_again),
        other => panic!("{other:?}"),
    }
    match next_event(&mut watch).await {
        WatchEvent::Deleted(o) => {
            // Stops matching: DELETED carrying the last matching state at the new revision.
            assert_eq!(o.value()["metadata"]["labels"]["tier"], json!("gold"));
            assert_eq!(o.resource_version(), silver.resource_version());
        }
        other => panic!("{other:?}"),
    }
    // Nothing arrives for an object that never matched.
    store
        .create(Some("ns"), "plain", configmap("ns", "plain", "1"))
        .await
        .unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(300), watch.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
}

async fn watch_initial_state_and_watch_list(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    fill(&store, "ns", 3).await;
    let revision = kv.current_revision().await.unwrap();
    // Legacy: resourceVersion 0 (or unset) starts with the current state as ADDED.
    let mut legacy = store.watch(None, WatchOptions::default()).await.unwrap();
    for i in 0..3 {
        match next_event(&mut legacy).await {
            WatchEvent::Added(o) => assert_eq!(o.name(), format!("cm-{i:03}")),
            other => panic!("{other:?}"),
        }
    }
    // Watch-list: ADDED for each object, then the annotated bookmark at the list revision.
    let watch_list = WatchOptions {
        send_initial_events: Some(true),
        allow_bookmarks: true,
        ..Default::default()
    };
    let mut watch_list = store.watch(None, watch_list).await.unwrap();
    for _ in 0..3 {
        assert!(matches!(
            next_event(&mut watch_list).await,
            WatchEvent::Added(_)
        ));
    }
    match next_event(&mut watch_list).await {
        WatchEvent::Bookmark(o) => {
            assert_eq!(o.resource_version(), revision);
            assert_eq!(
                o.value()["metadata"]["annotations"][INITIAL_EVENTS_END_ANNOTATION],
                json!("true")
            );
        }
        other => panic!("{other:?}"),
    }
    // sendInitialEvents=false: only changes from now on.
    let no_initial = WatchOptions {
        send_initial_events: Some(false),
        ..Default::default()
    };
    let mut no_initial = store.watch(None, no_initial).await.unwrap();
    let late = store
        .create(Some("ns"), "late", configmap("ns", "late", "1"))
        .await
        .unwrap();
    for stream in [&mut legacy, &mut watch_list, &mut no_initial] {
        match next_event(stream).await {
            WatchEvent::Added(o) => assert_eq!(o, late),
            other => panic!("{other:?}"),
        }
    }
}

async fn watch_compacted_is_expired_in_band(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let start = kv.current_revision().await.unwrap();
    fill(&store, "ns", 3).await;
    kv.compact(kv.current_revision().await.unwrap())
        .await
        .unwrap();
    let options = WatchOptions {
        resource_version: start.to_string(),
        ..Default::default()
    };
    let mut watch = store.watch(None, options).await.unwrap();
    match next_event(&mut watch).await {
        WatchEvent::Error(err) => match err.as_ref() {
            StorageError::Expired { message, .. } => assert_eq!(
                message,
                "The resourceVersion for the provided watch is too old."
            ),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let end = tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .unwrap();
    assert!(end.is_none(), "the stream ends after an error");
}

async fn compaction_coordinated_by_cas(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    store
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    // Two API servers' compactors on one store.
    let (a, compacted) = compact_tick(kv.as_ref(), CompactState::default())
        .await
        .unwrap();
    assert_eq!(compacted, None, "the first tick only records the revision");
    assert_eq!(a.version, 1);
    let (b, learned) = compact_tick(kv.as_ref(), CompactState::default())
        .await
        .unwrap();
    assert_eq!(b.version, 1, "the loser adopts the winner's version");
    assert_eq!(learned, None, "nothing compacted yet");
    store
        .create(Some("ns"), "b", configmap("ns", "b", "1"))
        .await
        .unwrap();
    // The next tick compacts to the revision seen at the previous one, keeping what came after.
    let (a2, compacted) = compact_tick(kv.as_ref(), a).await.unwrap();
    assert_eq!(compacted, Some(a.revision));
    assert_eq!(a2.version, 2);
    let err = kv
        .range(RangeRequest::new(KeyRange::prefix("/registry/")).at(a.revision - 1))
        .await
        .unwrap_err();
    assert!(matches!(err, KvError::Compacted { .. }), "{err:?}");
    let list = store.list(None, &ListOptions::default()).await.unwrap();
    assert_eq!(list.items.len(), 2);
    // The other server's stale tick loses the CAS and learns the compacted revision.
    let (b2, learned) = compact_tick(kv.as_ref(), b).await.unwrap();
    assert_eq!(b2.version, 2);
    assert_eq!(learned, Some(a.revision));
}

async fn compactor_keeps_one_interval_of_history(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let interval = Duration::from_millis(300);
    let compactor = Compactor::start(kv.clone(), interval);
    // Keep writing; after a few ticks history older than about one interval is gone and the
    // revisions written during the last interval are still readable.
    let started = tokio::time::Instant::now();
    let mut revisions = Vec::new();
    let mut i = 0;
    while compactor.compacted_revision() == 0 || started.elapsed() < interval * 4 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no compaction happened"
        );
        let name = format!("c{i}");
        let object = store
            .create(Some("ns"), &name, configmap("ns", &name, "1"))
            .await
            .unwrap();
        revisions.push((tokio::time::Instant::now(), object.resource_version()));
        i += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let compacted = compactor.compacted_revision();
    assert!(compacted > 0);
    let first = revisions[0].1;
    let err = kv
        .range(RangeRequest::new(KeyRange::prefix("/registry/")).at(first - 1))
        .await
        .unwrap_err();
    assert!(matches!(err, KvError::Compacted { .. }), "{err:?}");
    // Everything written in the last interval is still readable at its own revision.
    let recent = revisions
        .iter()
        .filter(|(at, _)| at.elapsed() < interval)
        .map(|(_, rv)| *rv);
    for rv in recent {
        assert!(
            rv >= compacted,
            "revision {rv} of the last interval was compacted ({compacted})"
        );
        kv.range(RangeRequest::new(KeyRange::prefix("/registry/")).at(rv))
            .await
            .unwrap();
    }
    drop(compactor);
}

async fn dropped_watches_end_their_tasks(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    store
        .create(Some("ns"), "quiet", configmap("ns", "quiet", "1"))
        .await
        .unwrap();
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let mut watches = Vec::new();
    for _ in 0..20 {
        let options = WatchOptions {
            send_initial_events: Some(false),
            name: Some("quiet".into()),
            ..Default::default()
        };
        watches.push(store.watch(Some("ns"), options).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(metrics.num_alive_tasks() >= before + 20);
    // Nothing ever changes on that key: dropping the streams alone must end their tasks.
    drop(watches);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while metrics.num_alive_tasks() > before + 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} tasks still alive, {before} before the watches",
            metrics.num_alive_tasks()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn watch_at_the_largest_resource_version_fails_cleanly(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let options = WatchOptions {
        resource_version: i64::MAX.to_string(),
        ..Default::default()
    };
    let mut watch = store.watch(None, options).await.unwrap();
    match next_event(&mut watch).await {
        WatchEvent::Error(err) => assert!(
            matches!(err.as_ref(), StorageError::TooLargeResourceVersion { .. }),
            "{err:?}"
        ),
        other => panic!("{other:?}"),
    }
}

async fn watch_event_without_previous_state_fails(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    let created = store
        .create(Some("ns"), "a", configmap("ns", "a", "1"))
        .await
        .unwrap();
    let updated = set_value(&store, "ns", "a", "2").await;
    // The update's previous state (the create) is compacted away; a watch that starts right
    // before the update cannot tell what changed, so it fails in-band (the client relists).
    kv.compact(updated.resource_version()).await.unwrap();
    let options = WatchOptions {
        resource_version: created.resource_version().to_string(),
        ..Default::default()
    };
    let mut watch = store.watch(None, options).await.unwrap();
    match next_event(&mut watch).await {
        WatchEvent::Error(err) => assert!(
            matches!(err.as_ref(), StorageError::MissingPrevious { revision, .. } if *revision == updated.resource_version()),
            "{err:?}"
        ),
        other => panic!("{other:?}"),
    }
}

async fn odd_inputs_as_upstream(kv: Arc<dyn KvStore>) {
    let store = configmaps(kv.clone());
    // A resourceVersion that does not parse is ignored on create, as upstream's versioner does.
    let mut odd = configmap("ns", "odd", "1");
    odd["metadata"]["resourceVersion"] = json!("abc");
    let created = store.create(Some("ns"), "odd", odd).await.unwrap();
    assert!(created.resource_version() > 0);
    // A UID precondition on a missing object fails even when missing is allowed (upstream
    // checks preconditions against an empty object).
    let uid = Preconditions {
        uid: Some("u1".into()),
        resource_version: None,
    };
    let err = store
        .guaranteed_update(Some("ns"), "missing", true, &uid, None, async |_| {
            Ok::<_, StorageError>(configmap("ns", "missing", "1"))
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::PreconditionFailed { .. }),
        "{err:?}"
    );
}
