//! The workers (upstream's `garbagecollector.go`, `operations.go`, `patch.go`): attemptToDelete
//! checks an object's owners live and deletes it when none is left, finishes foreground
//! deletions, and removes references to owners that are gone while a solid owner remains;
//! attemptToOrphan strips an owner from its dependents and drops its `orphan` finalizer.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event as CoreEvent, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::api::{
    DeleteParams, DynamicObject, Patch, PatchParams, PostParams, Preconditions, PropagationPolicy,
};
use kube::core::PartialObjectMeta;
use kube::{Api, Client};
use serde_json::{Value, json};

use super::graph::{FINALIZER_FOREGROUND, FINALIZER_ORPHAN, Identity, Node};
use super::{GarbageCollector, Mapping, NAME};
use crate::reconcile::ReconcileError;

/// Why an attempt did not finish; all but the first two are retried with backoff.
#[derive(Debug, thiserror::Error)]
pub(super) enum AttemptError {
    /// A virtual delete event was sent; the graph takes it from here.
    #[error("enqueued virtual delete event")]
    VirtualDeleteEnqueued,
    /// A cluster-scoped object names a namespaced owner: retrying cannot help.
    #[error("cluster-scoped objects cannot refer to namespaced owners")]
    NamespacedOwnerOfClusterScoped,
    /// The kind is not (yet) known to discovery.
    #[error("unable to get REST mapping for {kind}/{api_version}.")]
    RestMapping {
        /// The kind referenced.
        kind: String,
        /// Its apiVersion.
        api_version: String,
    },
    /// The API server refused or could not be reached, or something else went wrong.
    #[error(transparent)]
    Failed(#[from] ReconcileError),
}

impl From<kube::Error> for AttemptError {
    fn from(err: kube::Error) -> Self {
        AttemptError::Failed(ReconcileError::Kube(err))
    }
}

fn status_code(err: &AttemptError) -> Option<u16> {
    match err {
        AttemptError::Failed(ReconcileError::Kube(kube::Error::Api(status))) => Some(status.code),
        _ => None,
    }
}

fn is_not_found(err: &AttemptError) -> bool {
    status_code(err) == Some(404)
}

fn has_finalizer(meta: &ObjectMeta, finalizer: &str) -> bool {
    meta.finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|x| x == finalizer))
}

/// What a worker does with the item afterwards.
enum WorkAction {
    Forget,
    Requeue,
}

impl GarbageCollector {
    /// One attemptToDelete worker.
    pub(super) async fn run_attempt_to_delete_worker(self: Arc<Self>) {
        loop {
            let uid = self.attempt_to_delete.get().await;
            let action = self.attempt_to_delete_worker(&uid).await;
            self.attempt_to_delete.done(&uid);
            match action {
                WorkAction::Forget => self.attempt_to_delete.forget(&uid),
                WorkAction::Requeue => self.attempt_to_delete.add_rate_limited(uid),
            }
        }
    }

    /// One attemptToOrphan worker.
    pub(super) async fn run_attempt_to_orphan_worker(self: Arc<Self>) {
        loop {
            let uid = self.attempt_to_orphan.get().await;
            let action = self.attempt_to_orphan_worker(&uid).await;
            self.attempt_to_orphan.done(&uid);
            match action {
                WorkAction::Forget => self.attempt_to_orphan.forget(&uid),
                WorkAction::Requeue => self.attempt_to_orphan.add_rate_limited(uid),
            }
        }
    }

    async fn attempt_to_delete_worker(&self, uid: &str) -> WorkAction {
        // The node as the graph has it now; gone means a deletion was observed meanwhile.
        let Some(item) = self.graph().nodes.get(uid).cloned() else {
            return WorkAction::Forget;
        };
        self.ctx
            .metrics
            .inc("ironkube_controller_syncs_total", NAME);
        match self.attempt_to_delete_item(&item).await {
            Err(AttemptError::VirtualDeleteEnqueued)
            | Err(AttemptError::NamespacedOwnerOfClusterScoped) => WorkAction::Forget,
            Err(err @ AttemptError::RestMapping { .. }) => {
                tracing::debug!(item = %item.identity, %err, "error syncing item");
                WorkAction::Requeue
            }
            Err(err) => {
                let conflict = status_code(&err) == Some(409);
                if !conflict {
                    tracing::warn!(item = %item.identity, %err, "error syncing item");
                }
                self.ctx
                    .metrics
                    .inc("ironkube_controller_sync_errors_total", NAME);
                WorkAction::Requeue
            }
            Ok(()) => {
                // A virtual node the API server has but the monitors did not report yet is
                // looked at again, so that it cannot get stuck (upstream issue 56121).
                let still_virtual = self.graph().nodes.get(uid).is_some_and(|n| n.virtual_node);
                if still_virtual {
                    WorkAction::Requeue
                } else {
                    WorkAction::Forget
                }
            }
        }
    }

    /// Looks up the live object of `item` and deletes it if all its owners are gone (upstream's
    /// `attemptToDeleteItem`).
    async fn attempt_to_delete_item(&self, item: &Node) -> Result<(), AttemptError> {
        tracing::debug!(item = %item.identity, virtual_node = item.virtual_node, "processing item");
        // Being deleted is a one-way trip; its dependents are handled once it is gone.
        if item.being_deleted && !item.deleting_dependents {
            return Ok(());
        }
        let latest = match self.get_object(&item.identity).await {
            Err(err) if is_not_found(&err) => {
                self.enqueue_virtual_delete(item.identity.clone());
                return Err(AttemptError::VirtualDeleteEnqueued);
            }
            other => other?,
        };
        if latest.metadata.uid.as_deref() != Some(item.identity.uid.as_str()) {
            self.enqueue_virtual_delete(item.identity.clone());
            return Err(AttemptError::VirtualDeleteEnqueued);
        }
        if item.deleting_dependents {
            return self.process_deleting_dependents_item(item).await;
        }
        let owner_references = latest.metadata.owner_references.clone().unwrap_or_default();
        if owner_references.is_empty() {
            return Ok(());
        }
        let classified = self.classify_references(item, &owner_references).await?;
        tracing::debug!(item = %item.identity, solid = classified.solid.len(), dangling = classified.dangling.len(), waiting = classified.waiting.len(), "classified item's references");
        let resource_version = latest.metadata.resource_version.clone().unwrap_or_default();
        if !classified.solid.is_empty() {
            if classified.dangling.is_empty() && classified.waiting.is_empty() {
                return Ok(());
            }
            // References to owners that are gone or waiting for this dependent's deletion
            // go, or the latter would wait for ever.
            let owner_uids: Vec<String> = classified
                .dangling
                .iter()
                .chain(&classified.waiting)
                .map(|r| r.uid.clone())
                .collect();
            tracing::debug!(item = %item.identity, ?owner_uids, "removing dangling and waiting references");
            return self.delete_owner_references(item, &owner_uids).await;
        }
        let has_dependents = self
            .graph()
            .nodes
            .get(&item.identity.uid)
            .is_some_and(|n| !n.dependents.is_empty());
        let policy = if !classified.waiting.is_empty() && has_dependents {
            let dependent_deleting = {
                let graph = self.graph();
                graph
                    .nodes
                    .get(&item.identity.uid)
                    .is_some_and(|n| n.dependents.iter().any(|d| graph.is_deleting_dependents(d)))
            };
            if dependent_deleting {
                // A cycle is possible: make this object's references non-blocking first.
                tracing::debug!(item = %item.identity, "some of its owners and its dependents have FinalizerDeletingDependents; unblocking its ownerReferences, then deleting it in the foreground");
                self.unblock_owner_references(item).await?;
            }
            PropagationPolicy::Foreground
        } else if has_finalizer(&latest.metadata, FINALIZER_ORPHAN) {
            PropagationPolicy::Orphan
        } else if has_finalizer(&latest.metadata, FINALIZER_FOREGROUND) {
            PropagationPolicy::Foreground
        } else {
            PropagationPolicy::Background
        };
        tracing::debug!(item = %item.identity, ?policy, "deleting item");
        match self
            .delete_object(&item.identity, &resource_version, &owner_references, policy)
            .await
        {
            Err(err) if is_not_found(&err) => {
                self.enqueue_virtual_delete(item.identity.clone());
                Err(AttemptError::VirtualDeleteEnqueued)
            }
            other => other,
        }
    }

    /// An owner waiting for its dependents: drop `foregroundDeletion` once no blocking
    /// dependent is left, else make sure they are being deleted.
    async fn process_deleting_dependents_item(&self, item: &Node) -> Result<(), AttemptError> {
        let pending: Option<Vec<String>> = {
            let graph = self.graph();
            let blocking = graph.blocking_dependents(&item.identity.uid);
            (!blocking.is_empty()).then(|| {
                blocking
                    .iter()
                    .filter(|d| !d.deleting_dependents)
                    .map(|d| d.identity.uid.clone())
                    .collect()
            })
        };
        match pending {
            None => {
                tracing::debug!(item = %item.identity, "removing the DeleteDependents finalizer");
                self.remove_finalizer(&item.identity, FINALIZER_FOREGROUND)
                    .await
            }
            Some(dependents) => {
                for dependent in dependents {
                    self.attempt_to_delete.add(dependent);
                }
                Ok(())
            }
        }
    }

    async fn attempt_to_orphan_worker(&self, uid: &str) -> WorkAction {
        let Some((owner, dependents)) = self.graph().nodes.get(uid).map(|n| {
            (
                n.identity.clone(),
                n.dependents.iter().cloned().collect::<Vec<_>>(),
            )
        }) else {
            return WorkAction::Forget;
        };
        self.ctx
            .metrics
            .inc("ironkube_controller_syncs_total", NAME);
        if let Err(err) = self.orphan_dependents(&owner, &dependents).await {
            tracing::warn!(owner = %owner, %err, "orphanDependents failed");
            return WorkAction::Requeue;
        }
        if let Err(err) = self.remove_finalizer(&owner, FINALIZER_ORPHAN).await {
            tracing::warn!(owner = %owner, %err, "removeOrphanFinalizer failed");
            return WorkAction::Requeue;
        }
        WorkAction::Forget
    }

    /// Removes `owner` from every dependent's ownerReferences.
    async fn orphan_dependents(
        &self,
        owner: &Identity,
        dependents: &[String],
    ) -> Result<(), AttemptError> {
        let nodes: Vec<Node> = {
            let graph = self.graph();
            dependents
                .iter()
                .filter_map(|d| graph.nodes.get(d).cloned())
                .collect()
        };
        let owner_uid = [owner.uid.clone()];
        let results = futures::future::join_all(
            nodes
                .iter()
                .map(|dependent| self.delete_owner_references(dependent, &owner_uid)),
        )
        .await;
        let errors: Vec<String> = nodes
            .iter()
            .zip(results)
            .filter_map(|(dependent, result)| match result {
                Err(err) if !is_not_found(&err) => {
                    Some(format!("orphaning {} failed, {err}", dependent.identity))
                }
                _ => None,
            })
            .collect();
        if errors.is_empty() {
            return Ok(());
        }
        Err(ReconcileError::Other(format!(
            "failed to orphan dependents of owner {owner}, got errors: {}",
            errors.join(", ")
        ))
        .into())
    }

    /// Sorts the references into solid (the owner exists), dangling (it does not) and
    /// waiting (it exists and waits for its dependents' deletion).
    async fn classify_references(
        &self,
        item: &Node,
        references: &[OwnerReference],
    ) -> Result<Classified, AttemptError> {
        let mut classified = Classified::default();
        for reference in references {
            match self.is_dangling(reference, item).await? {
                None => classified.dangling.push(reference.clone()),
                Some(owner)
                    if owner.metadata.deletion_timestamp.is_some()
                        && has_finalizer(&owner.metadata, FINALIZER_FOREGROUND) =>
                {
                    classified.waiting.push(reference.clone());
                }
                Some(_) => classified.solid.push(reference.clone()),
            }
        }
        Ok(classified)
    }

    /// The owner `reference` names, looked up live; `None` when it does not exist (or has
    /// another uid).
    async fn is_dangling(
        &self,
        reference: &OwnerReference,
        item: &Node,
    ) -> Result<Option<PartialObjectMeta<DynamicObject>>, AttemptError> {
        let mut absent_key = Identity::of_reference(reference, "");
        {
            let graph = self.graph();
            if graph.absent_owners.has(&absent_key) {
                return Ok(None);
            }
            absent_key.namespace = item.identity.namespace.clone();
            if graph.absent_owners.has(&absent_key) {
                return Ok(None);
            }
        }
        let mapping = self
            .api_resource(&reference.api_version, &reference.kind)
            .await?;
        if !mapping.namespaced {
            absent_key.namespace.clear();
        }
        if item.identity.namespace.is_empty() && mapping.namespaced {
            tracing::debug!(item = %item.identity, owner = %reference.name, "item is cluster-scoped, but refers to a namespaced owner");
            return Err(AttemptError::NamespacedOwnerOfClusterScoped);
        }
        let api = dynamic_api(&self.ctx.client, &mapping, &item.identity.namespace);
        match api.get_metadata(&reference.name).await {
            Err(kube::Error::Api(status)) if status.code == 404 => {
                self.graph().absent_owners.add(absent_key);
                Ok(None)
            }
            Err(err) => Err(err.into()),
            Ok(owner) if owner.metadata.uid.as_deref() != Some(reference.uid.as_str()) => {
                self.graph().absent_owners.add(absent_key);
                Ok(None)
            }
            Ok(owner) => Ok(Some(owner)),
        }
    }

    async fn api_resource(&self, api_version: &str, kind: &str) -> Result<Mapping, AttemptError> {
        self.mapping_refreshed(api_version, kind)
            .await
            .ok_or_else(|| AttemptError::RestMapping {
                kind: kind.to_string(),
                api_version: api_version.to_string(),
            })
    }

    async fn get_object(
        &self,
        identity: &Identity,
    ) -> Result<PartialObjectMeta<DynamicObject>, AttemptError> {
        let mapping = self
            .api_resource(&identity.api_version, &identity.kind)
            .await?;
        if mapping.namespaced && identity.namespace.is_empty() {
            return Err(AttemptError::NamespacedOwnerOfClusterScoped);
        }
        let api = dynamic_api(&self.ctx.client, &mapping, &identity.namespace);
        Ok(api.get_metadata(&identity.name).await?)
    }

    /// Deletes the object with preconditions on its uid and the resourceVersion whose owners
    /// were checked; when only other fields changed since, once more without the latter.
    async fn delete_object(
        &self,
        identity: &Identity,
        resource_version: &str,
        owners_at_version: &[OwnerReference],
        policy: PropagationPolicy,
    ) -> Result<(), AttemptError> {
        let mapping = self
            .api_resource(&identity.api_version, &identity.kind)
            .await?;
        let api = dynamic_api(&self.ctx.client, &mapping, &identity.namespace);
        let params = |resource_version: Option<String>| DeleteParams {
            propagation_policy: Some(policy.clone()),
            preconditions: Some(Preconditions {
                uid: Some(identity.uid.clone()),
                resource_version,
            }),
            ..DeleteParams::default()
        };
        let with_version = (!resource_version.is_empty()).then(|| resource_version.to_string());
        match api.delete(&identity.name, &params(with_version)).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 409 && !resource_version.is_empty() => {
                match api.get_metadata(&identity.name).await {
                    Err(err @ kube::Error::Api(_)) if matches!(&err, kube::Error::Api(s) if s.code == 404) => {
                        Err(err.into())
                    }
                    Ok(live)
                        if live.metadata.uid.as_deref() == Some(identity.uid.as_str())
                            && live.metadata.resource_version.as_deref()
                                != Some(resource_version)
                            && live.metadata.owner_references.clone().unwrap_or_default()
                                == owners_at_version =>
                    {
                        api.delete(&identity.name, &params(None)).await?;
                        Ok(())
                    }
                    _ => Err(kube::Error::Api(status).into()),
                }
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Removes the references to `owner_uids` from `item`: a strategic merge patch with
    /// `$patch: delete` directives and the uid as precondition; for resources without
    /// strategic merge (custom resources), a JSON merge patch of the remaining references
    /// with the cached resourceVersion as precondition.
    async fn delete_owner_references(
        &self,
        item: &Node,
        owner_uids: &[String],
    ) -> Result<(), AttemptError> {
        let deletes: Vec<Value> = owner_uids
            .iter()
            .map(|uid| json!({"$patch": "delete", "uid": uid}))
            .collect();
        let strategic = json!({"metadata": {"ownerReferences": deletes, "uid": item.identity.uid}});
        self.patch(item, strategic, |meta| {
            let remaining: Vec<&OwnerReference> = meta
                .owner_references
                .iter()
                .flatten()
                .filter(|r| !owner_uids.contains(&r.uid))
                .collect();
            json!({"metadata": {
                "resourceVersion": meta.resource_version.clone().unwrap_or_default(),
                "ownerReferences": if remaining.is_empty() { Value::Null } else { json!(remaining) },
            }})
        })
        .await
    }

    /// Sets blockOwnerDeletion=false on `item`'s blocking references (to break a possible
    /// cycle of foreground deletions).
    async fn unblock_owner_references(&self, item: &Node) -> Result<(), AttemptError> {
        let owners = self
            .graph()
            .nodes
            .get(&item.identity.uid)
            .map(|n| n.owners.clone())
            .unwrap_or_default();
        let unblock = |r: &OwnerReference| OwnerReference {
            block_owner_deletion: Some(false),
            ..r.clone()
        };
        let blocking: Vec<OwnerReference> = owners
            .iter()
            .filter(|r| r.block_owner_deletion == Some(true))
            .map(unblock)
            .collect();
        let strategic =
            json!({"metadata": {"uid": item.identity.uid, "ownerReferences": blocking}});
        let all: Vec<OwnerReference> = owners.iter().map(unblock).collect();
        self.patch(item, strategic, |meta| {
            json!({"metadata": {
                "resourceVersion": meta.resource_version.clone().unwrap_or_default(),
                "ownerReferences": all,
            }})
        })
        .await
    }

    /// Patches `item` with a strategic merge patch, falling back to the JSON merge patch
    /// `merge` builds from its cached (else live) metadata when the resource has no
    /// strategic merge (415).
    async fn patch(
        &self,
        item: &Node,
        strategic: Value,
        merge: impl FnOnce(&ObjectMeta) -> Value,
    ) -> Result<(), AttemptError> {
        let identity = &item.identity;
        let mapping = self
            .api_resource(&identity.api_version, &identity.kind)
            .await?;
        let api = dynamic_api(&self.ctx.client, &mapping, &identity.namespace);
        let params = PatchParams::default();
        match api
            .patch(&identity.name, &params, &Patch::Strategic(strategic))
            .await
        {
            Ok(_) => return Ok(()),
            Err(kube::Error::Api(status)) if status.code == 415 => {}
            Err(err) => return Err(err.into()),
        }
        let meta = match self.cached_metadata(
            &identity.api_version,
            &identity.kind,
            &identity.namespace,
            &identity.name,
        ) {
            Some(meta) => meta,
            None => api.get_metadata(&identity.name).await?.metadata,
        };
        api.patch(&identity.name, &params, &Patch::Merge(merge(&meta)))
            .await?;
        Ok(())
    }

    /// Removes `finalizer` from the object with a JSON merge patch carrying its
    /// resourceVersion, retrying conflicts a few times (client-go's `DefaultBackoff`).
    async fn remove_finalizer(
        &self,
        identity: &Identity,
        finalizer: &str,
    ) -> Result<(), AttemptError> {
        const STEPS: u32 = 5;
        let mapping = self
            .api_resource(&identity.api_version, &identity.kind)
            .await?;
        let api = dynamic_api(&self.ctx.client, &mapping, &identity.namespace);
        for step in 1..=STEPS {
            let current = match api.get_metadata(&identity.name).await {
                Err(kube::Error::Api(status)) if status.code == 404 => return Ok(()),
                Err(err) => {
                    return Err(ReconcileError::Other(format!(
                        "cannot finalize owner {identity}, because cannot get it: {err}. The garbage collector will retry later"
                    ))
                    .into());
                }
                Ok(current) => current,
            };
            let finalizers = current.metadata.finalizers.clone().unwrap_or_default();
            if !finalizers.iter().any(|f| f == finalizer) {
                tracing::debug!(%finalizer, object = %identity, "finalizer already removed from object");
                return Ok(());
            }
            let remaining: Vec<&String> = finalizers.iter().filter(|f| *f != finalizer).collect();
            let patch = json!({"metadata": {
                "resourceVersion": current.metadata.resource_version.clone().unwrap_or_default(),
                "finalizers": if remaining.is_empty() { Value::Null } else { json!(remaining) },
            }});
            match api
                .patch(
                    &identity.name,
                    &PatchParams::default(),
                    &Patch::Merge(patch),
                )
                .await
            {
                Ok(_) => return Ok(()),
                Err(kube::Error::Api(status)) if status.code == 409 && step < STEPS => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    return Err(ReconcileError::Other(format!(
                        "updateMaxRetries({STEPS}) has reached. The garbage collector will retry later for owner {identity}"
                    ))
                    .into());
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }
}

/// The references of one object, sorted by their owners' state.
#[derive(Default)]
struct Classified {
    solid: Vec<OwnerReference>,
    dangling: Vec<OwnerReference>,
    waiting: Vec<OwnerReference>,
}

/// A dynamic client for the mapping's resource in `namespace` (ignored when cluster-scoped).
fn dynamic_api(client: &Client, mapping: &Mapping, namespace: &str) -> Api<DynamicObject> {
    if mapping.namespaced {
        Api::namespaced_with(client.clone(), namespace, &mapping.resource)
    } else {
        Api::all_with(client.clone(), &mapping.resource)
    }
}

/// Records a Warning event on `object` as the legacy recorder of kube-controller-manager's
/// garbage collector does (core/v1, source `garbage-collector-controller`).
pub(super) async fn record_warning(client: Client, object: &Identity, reason: &str, message: &str) {
    let now = k8s_openapi::jiff::Timestamp::now();
    let namespace = if object.namespace.is_empty() {
        "default".to_string()
    } else {
        object.namespace.clone()
    };
    let event = CoreEvent {
        metadata: ObjectMeta {
            name: Some(format!("{}.{:x}", object.name, now.as_nanosecond())),
            namespace: Some(namespace.clone()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some(object.api_version.clone()),
            kind: Some(object.kind.clone()),
            name: Some(object.name.clone()),
            namespace: (!object.namespace.is_empty()).then(|| object.namespace.clone()),
            uid: Some(object.uid.clone()),
            ..ObjectReference::default()
        },
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        type_: Some("Warning".to_string()),
        count: Some(1),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        source: Some(EventSource {
            component: Some(NAME.to_string()),
            host: None,
        }),
        ..CoreEvent::default()
    };
    let events: Api<CoreEvent> = Api::namespaced(client, &namespace);
    if let Err(err) = events.create(&PostParams::default(), &event).await {
        tracing::warn!(%err, %reason, object = %object, "could not record event");
    }
}
