//! Keeps CustomResourceDefinitions and what the server serves in step: it watches the
//! definitions' cache and, on every change, names and establishes definitions (their status),
//! serves the established ones (a new registry, storage for new resources), and empties the
//! resource of a deleted definition before letting it go (upstream's naming, establishing and
//! finalizer controllers, run inside the API server as upstream runs them).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use ironkube_storage::object::{
    ListOptions, Object, ObjectStore, Preconditions, StorageError, WatchEvent, WatchOptions,
};
use serde_json::{Value, json};

use super::names::{self, TakenNames};
use super::{CLEANUP_FINALIZER, GROUP, condition_true, served_resources, str_at};
use crate::registry::ResourceInfo;
use crate::resources::ResourceStorage;
use crate::server::AppState;

/// How soon a deleted definition whose objects still have finalizers is looked at again.
const CLEANUP_RETRY: Duration = Duration::from_secs(1);

/// How long to wait before watching again after the definitions' watch failed.
const REWATCH_DELAY: Duration = Duration::from_millis(500);

/// Starts the controller; it ends when the server shuts down.
pub(crate) fn spawn(state: Arc<AppState>) {
    tokio::spawn(run(state));
}

async fn run(state: Arc<AppState>) {
    tracing::debug!("CustomResourceDefinition controller starting");
    let mut shutdown = state.shutdown.subscribe();
    let Some(definitions) = definitions_storage(&state) else {
        tracing::error!("no CustomResourceDefinition storage: custom resources are not served");
        return;
    };
    loop {
        let mut events = match definitions
            .cache
            .watch(None, WatchOptions::default(), None)
            .await
        {
            Ok(events) => events,
            Err(err) => {
                tracing::warn!(%err, "watching CustomResourceDefinitions failed");
                tokio::time::sleep(REWATCH_DELAY).await;
                continue;
            }
        };
        tracing::debug!("watching CustomResourceDefinitions");
        let mut cleanup_pending = false;
        loop {
            tokio::select! {
                event = events.next() => match event {
                    Some(WatchEvent::Error(err)) => {
                        tracing::debug!(%err, "CustomResourceDefinition watch ended");
                        break;
                    }
                    None => break,
                    Some(_) => {}
                },
                () = tokio::time::sleep(CLEANUP_RETRY), if cleanup_pending => {}
                _ = shutdown.changed() => return,
            }
            // One sync covers every change that arrived meanwhile.
            while let Some(Some(event)) = events.next().now_or_never() {
                if matches!(event, WatchEvent::Error(_)) {
                    break;
                }
            }
            cleanup_pending = sync(&state, &definitions).await;
        }
        if *shutdown.borrow() {
            return;
        }
        tokio::time::sleep(REWATCH_DELAY).await;
    }
}

/// The definitions' own storage.
fn definitions_storage(state: &AppState) -> Option<Arc<ResourceStorage>> {
    let info = state
        .registry()
        .get(GROUP, "v1", "customresourcedefinitions")?
        .clone();
    state.resources.get(&info)
}

/// One pass over every definition; true when a deleted definition still waits for its
/// objects to go.
async fn sync(state: &AppState, definitions: &ResourceStorage) -> bool {
    tracing::debug!("syncing CustomResourceDefinitions");
    let listed = match definitions
        .cache
        .list(
            None,
            &ListOptions {
                resource_version: "0".into(),
                ..ListOptions::default()
            },
        )
        .await
    {
        Ok(list) => list.items,
        Err(err) => {
            tracing::warn!(%err, "listing CustomResourceDefinitions failed");
            return true;
        }
    };
    // Oldest first in each group: a name goes to the definition that asked for it first.
    let mut by_group: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for object in listed {
        let value = object.into_value();
        by_group
            .entry(str_at(&value, "/spec/group").to_owned())
            .or_default()
            .push(value);
    }
    let store = definitions.store();
    let mut all = Vec::new();
    for crds in by_group.values_mut() {
        crds.sort_by(|a, b| {
            let key = |v: &Value| {
                (
                    str_at(v, "/metadata/creationTimestamp").to_owned(),
                    str_at(v, "/metadata/name").to_owned(),
                )
            };
            key(a).cmp(&key(b))
        });
        for i in 0..crds.len() {
            let taken = TakenNames::of(
                crds.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, v)| v),
            );
            let now = crate::rest::now_rfc3339();
            let wanted = names::status(&crds[i], &taken, &now);
            if crds[i].get("status") == Some(&wanted) {
                continue;
            }
            match write_status(store, &crds[i], |_| wanted.clone()).await {
                Ok(Some(updated)) => crds[i] = updated,
                Ok(None) => {}
                Err(err) => tracing::warn!(
                    %err,
                    name = str_at(&crds[i], "/metadata/name"),
                    "recording a CustomResourceDefinition's names failed"
                ),
            }
        }
        all.append(crds);
    }
    let mut cleanup_pending = false;
    let mut gone = HashSet::new();
    for crd in &all {
        if crd
            .pointer("/metadata/deletionTimestamp")
            .is_none_or(Value::is_null)
        {
            continue;
        }
        let has_finalizer = crd
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| f.iter().any(|f| f == CLEANUP_FINALIZER));
        if !has_finalizer {
            continue;
        }
        match finalize(state, store, crd).await {
            Ok(true) => {
                gone.insert(str_at(crd, "/metadata/name").to_owned());
            }
            Ok(false) => cleanup_pending = true,
            Err(err) => {
                tracing::warn!(%err, name = str_at(crd, "/metadata/name"),
                    "removing a CustomResourceDefinition's objects failed");
                cleanup_pending = true;
            }
        }
    }
    let served: Vec<ResourceInfo> = all
        .iter()
        .filter(|crd| !gone.contains(str_at(crd, "/metadata/name")))
        .filter_map(|crd| crate::conversion::convert(crd.clone(), GROUP, "v1").ok())
        .flat_map(|crd| served_resources(&crd, &state.etcd_prefix))
        .collect();
    serve(state, served);
    cleanup_pending
}

/// Serves `custom` (and the built-ins) from now on: storage for new resources first, then the
/// registry, then the storage of resources no longer served is let go.
fn serve(state: &AppState, custom: Vec<ResourceInfo>) {
    for info in &custom {
        state.resources.ensure(info);
    }
    crate::managedfields::set_custom_with_status(
        custom
            .iter()
            .filter(|r| r.subresource("status").is_some())
            .map(|r| (r.group.to_owned(), r.kind.to_owned())),
    );
    let registry = state.registry().with_custom(custom);
    let roots: HashSet<String> = registry
        .resources()
        .iter()
        .filter_map(|r| r.storage.as_ref())
        .map(|s| s.keys.root().to_owned())
        .collect();
    let unchanged = {
        let current = state.registry();
        current.resources() == registry.resources() && current.groups() == registry.groups()
    };
    if !unchanged {
        state.set_registry(registry);
    }
    state.resources.retain(|root| !roots.contains(root));
}

/// Writes the status `update` makes from the stored definition (at its storage version, whose
/// status fields are v1's). `None` when the definition is gone.
async fn write_status(
    store: &ObjectStore,
    crd: &Value,
    update: impl Fn(&Value) -> Value,
) -> Result<Option<Value>, StorageError> {
    let name = str_at(crd, "/metadata/name");
    let uid = str_at(crd, "/metadata/uid").to_owned();
    let result = store
        .guaranteed_update(
            None,
            name,
            false,
            &Preconditions {
                uid: Some(uid),
                resource_version: None,
            },
            None,
            |current: Option<Value>| {
                let result = match current {
                    Some(current) => Ok(as_status_update(current, |crd| {
                        crd["status"] = update(crd);
                    })),
                    None => Err(StorageError::NotFound {
                        key: name.to_owned(),
                    }),
                };
                std::future::ready(result)
            },
        )
        .await;
    match result {
        Ok(object) => Ok(Some(object.into_value())),
        Err(StorageError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// A change to a stored definition made as upstream's controllers make it, through the
/// `status` subresource at `v1` as `kube-apiserver`: `change` sees the definition at `v1`, the
/// field manager records the write, and the result is at the storage version again.
fn as_status_update(stored: Value, change: impl FnOnce(&mut Value)) -> Value {
    let storage_version = stored
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.rsplit_once('/'))
        .map(|(_, version)| version.to_owned())
        .unwrap_or_else(|| "v1".to_owned());
    let Ok(old) = crate::conversion::convert(stored.clone(), GROUP, "v1") else {
        let mut stored = stored;
        change(&mut stored);
        return stored;
    };
    let mut new = old.clone();
    change(&mut new);
    crate::managedfields::record_update(
        GROUP,
        "v1",
        "CustomResourceDefinition",
        Some(&old),
        &mut new,
        "kube-apiserver",
        Some("status"),
        &crate::rest::now_rfc3339(),
    );
    crate::conversion::convert(new.clone(), GROUP, &storage_version).unwrap_or(new)
}

/// Sets the `Terminating` condition of a stored definition's status.
fn with_terminating(crd: &Value, status: &str, reason: &str, message: &str) -> Value {
    let mut out = crd.get("status").cloned().unwrap_or_else(|| json!({}));
    let mut conditions = out
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let now = crate::rest::now_rfc3339();
    names::set_condition(
        crd,
        &mut conditions,
        "Terminating",
        status,
        reason,
        message,
        &now,
    );
    out["conditions"] = Value::Array(conditions);
    out
}

/// Upstream's CRD finalizer for one deleted definition: its objects are deleted (those with
/// finalizers marked), and once none is left the cleanup finalizer comes off and, with no
/// other finalizer, the definition goes. True when it is gone.
async fn finalize(
    state: &AppState,
    store: &ObjectStore,
    crd: &Value,
) -> Result<bool, StorageError> {
    let (status, reason, message) = if condition_true(crd, "Established") {
        let Some(v1) = crate::conversion::convert(crd.clone(), GROUP, "v1").ok() else {
            return Ok(false);
        };
        let Some(info) = served_resources(&v1, &state.etcd_prefix).into_iter().next() else {
            return Ok(false);
        };
        if !condition_true(crd, "Terminating")
            || condition(crd, "Terminating").and_then(|c| c.get("reason"))
                != Some(&json!("InstanceDeletionInProgress"))
        {
            write_status(store, crd, |current| {
                with_terminating(
                    current,
                    "True",
                    "InstanceDeletionInProgress",
                    "CustomResource deletion is in progress",
                )
            })
            .await?;
        }
        state.resources.ensure(&info);
        let Some(objects) = state.resources.get(&info) else {
            return Ok(false);
        };
        if !delete_every_object(objects.store()).await? {
            return Ok(false);
        }
        (
            "False",
            "InstanceDeletionCompleted",
            "removed all instances",
        )
    } else {
        (
            "False",
            "NeverEstablished",
            "resource was never established",
        )
    };
    let name = str_at(crd, "/metadata/name");
    let uid = str_at(crd, "/metadata/uid").to_owned();
    let preconditions = Preconditions {
        uid: Some(uid),
        resource_version: None,
    };
    let updated = store
        .guaranteed_update(
            None,
            name,
            false,
            &preconditions,
            None,
            |current: Option<Value>| {
                let result = match current {
                    Some(current) => Ok(as_status_update(current, |crd| {
                        crd["status"] = with_terminating(crd, status, reason, message);
                        if let Some(Value::Array(finalizers)) =
                            crd.pointer_mut("/metadata/finalizers")
                        {
                            finalizers.retain(|f| f != CLEANUP_FINALIZER);
                        }
                    })),
                    None => Err(StorageError::NotFound {
                        key: name.to_owned(),
                    }),
                };
                std::future::ready(result)
            },
        )
        .await;
    let updated = match updated {
        Ok(updated) => updated,
        Err(StorageError::NotFound { .. }) => return Ok(true),
        Err(err) => return Err(err),
    };
    let finalizers_left = updated
        .value()
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    if finalizers_left {
        return Ok(false);
    }
    match store
        .delete(None, name, &preconditions, None, |_: &Value| {
            Ok::<(), StorageError>(())
        })
        .await
    {
        Ok(_) | Err(StorageError::NotFound { .. }) => Ok(true),
        Err(err) => Err(err),
    }
}

fn condition<'a>(crd: &'a Value, type_: &str) -> Option<&'a Value> {
    super::condition(crd, type_)
}

/// Deletes every object of a custom resource as a delete without options would: objects with
/// finalizers are marked for deletion and stay until their finalizers are done. True when none
/// is left.
async fn delete_every_object(store: &ObjectStore) -> Result<bool, StorageError> {
    let objects = store.list(None, &ListOptions::default()).await?.items;
    let mut left = 0;
    for object in objects {
        if !delete_object(store, &object).await? {
            left += 1;
        }
    }
    Ok(left == 0)
}

/// Deletes one object, or marks it for deletion when it has finalizers. True when it is gone.
async fn delete_object(store: &ObjectStore, object: &Object) -> Result<bool, StorageError> {
    let namespace = Some(object.namespace()).filter(|ns| !ns.is_empty());
    let name = object.name();
    let has_finalizers = |value: &Value| {
        value
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty())
    };
    if has_finalizers(object.value()) {
        if object
            .value()
            .pointer("/metadata/deletionTimestamp")
            .is_none_or(Value::is_null)
        {
            let now = crate::rest::now_rfc3339();
            let result = store
                .guaranteed_update(
                    namespace,
                    name,
                    false,
                    &Preconditions::default(),
                    None,
                    |current: Option<Value>| {
                        let result = match current {
                            Some(mut current) => {
                                if let Some(meta) =
                                    current.get_mut("metadata").and_then(Value::as_object_mut)
                                    && meta.get("deletionTimestamp").is_none_or(Value::is_null)
                                {
                                    meta.insert("deletionTimestamp".into(), json!(now));
                                    meta.insert("deletionGracePeriodSeconds".into(), json!(0));
                                }
                                Ok(current)
                            }
                            None => Err(StorageError::NotFound {
                                key: name.to_owned(),
                            }),
                        };
                        std::future::ready(result)
                    },
                )
                .await;
            match result {
                Ok(_) => {}
                Err(StorageError::NotFound { .. }) => return Ok(true),
                Err(err) => return Err(err),
            }
        }
        return Ok(false);
    }
    match store
        .delete(
            namespace,
            name,
            &Preconditions::default(),
            None,
            |current: &Value| {
                // Finalizers added since the list: leave the object to the next pass.
                if has_finalizers(current) {
                    Err(Refusal::GainedFinalizers)
                } else {
                    Ok(())
                }
            },
        )
        .await
    {
        Ok(_) | Err(Refusal::Storage(StorageError::NotFound { .. })) => Ok(true),
        Err(Refusal::GainedFinalizers) => Ok(false),
        Err(Refusal::Storage(err)) => Err(err),
    }
}

/// Why a delete of a custom object did not happen.
enum Refusal {
    Storage(StorageError),
    /// The object has finalizers now.
    GainedFinalizers,
}

impl From<StorageError> for Refusal {
    fn from(err: StorageError) -> Self {
        Self::Storage(err)
    }
}
