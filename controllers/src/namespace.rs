//! The namespace controller (upstream's `pkg/controller/namespace`): a namespace being deleted
//! is emptied of every namespaced object of every resource discovery lists (CRDs included),
//! pods first (`OrderedNamespaceDeletion`); its status carries upstream's five deletion
//! conditions; once nothing is left it drops the `kubernetes` finalizer through
//! `/finalize`, and the API server removes it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::{Namespace, NamespaceCondition, NamespaceStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, ListParams, PostParams, PropagationPolicy,
};
use kube::discovery::{Discovery, Scope, verbs};
use kube::runtime::controller::Action;
use kube::runtime::{Controller, watcher};
use kube::{Api, ResourceExt as _};

use crate::Context;
use crate::reconcile::{ReconcileError, error_policy};

const NAME: &str = "namespace-controller";
/// The finalizer this controller owns in `spec.finalizers`.
const FINALIZER: &str = "kubernetes";

/// The condition types the controller keeps, in upstream's order, with their reason and
/// message when all is well.
const CONDITIONS: [(&str, &str, &str); 5] = [
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    (
        "NamespaceContentRemaining",
        "ContentRemoved",
        "All content successfully removed",
    ),
    (
        "NamespaceFinalizersRemaining",
        "ContentHasNoFinalizers",
        "All content-preserving finalizers finished",
    ),
];

pub(crate) async fn run(ctx: Context) {
    let concurrency = ctx.options.concurrent_namespace_syncs;
    Controller::new(
        Api::<Namespace>::all(ctx.client.clone()),
        watcher::Config::default(),
    )
    .with_config(kube::runtime::controller::Config::default().concurrency(concurrency))
    .run(reconcile, error_policy(NAME), Arc::new(ctx))
    .for_each(|_| async {})
    .await;
}

/// What one pass over the namespace's content found.
#[derive(Default)]
struct Content {
    /// `resource.group` → objects left.
    remaining: BTreeMap<String, usize>,
    /// finalizer → objects left holding it.
    finalizers: BTreeMap<String, usize>,
    /// Deletions that failed, as upstream words them.
    errors: Vec<String>,
    /// Discovery failed for some groups.
    discovery_error: Option<String>,
}

async fn reconcile(ns: Arc<Namespace>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    if ns.metadata.deletion_timestamp.is_none() {
        return Ok(Action::await_change());
    }
    let finalizers = ns
        .spec
        .as_ref()
        .and_then(|s| s.finalizers.clone())
        .unwrap_or_default();
    if !finalizers.iter().any(|f| f == FINALIZER) {
        return Ok(Action::await_change());
    }
    let name = ns.name_any();
    let content = delete_content(&ctx, &name).await;
    let namespaces = Api::<Namespace>::all(ctx.client.clone());
    update_conditions(&namespaces, &ns, &content).await?;
    if let Some(err) = &content.discovery_error {
        return Err(ReconcileError::Other(err.clone()));
    }
    if !content.errors.is_empty() {
        return Err(ReconcileError::Other(content.errors.join(", ")));
    }
    if !content.remaining.is_empty() {
        // Upstream waits for estimate/2 + 1 seconds; content held by finalizers or graceful
        // pod deletion is looked at again soon.
        return Ok(Action::requeue(Duration::from_secs(1)));
    }
    // Finalize: drop our token from spec.finalizers through the subresource.
    let Some(mut current) = namespaces.get_opt(&name).await? else {
        return Ok(Action::await_change());
    };
    if let Some(spec) = current.spec.as_mut() {
        spec.finalizers = Some(
            spec.finalizers
                .take()
                .unwrap_or_default()
                .into_iter()
                .filter(|f| f != FINALIZER)
                .collect(),
        );
    }
    match namespaces
        .replace_subresource("finalize", &name, &PostParams::default(), &current)
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => {}
        Err(err) => return Err(err.into()),
    }
    Ok(Action::await_change())
}

/// Deletes everything in `namespace` and counts what is left.
async fn delete_content(ctx: &Context, namespace: &str) -> Content {
    let mut content = Content::default();
    let discovery = match Discovery::new(ctx.client.clone()).run_aggregated().await {
        Ok(discovery) => discovery,
        Err(err) => {
            content.discovery_error = Some(format!(
                "Discovery failed for some groups, 1 failing: {err}"
            ));
            return content;
        }
    };
    let mut resources: Vec<(ApiResource, bool)> = discovery
        .groups()
        .flat_map(|group| group.recommended_resources())
        .filter(|(_, caps)| {
            caps.scope == Scope::Namespaced && caps.supports_operation(verbs::DELETE)
        })
        .map(|(resource, caps)| {
            let collection = caps.supports_operation(verbs::DELETE_COLLECTION);
            (resource, collection)
        })
        .collect();
    // Pods go first, so that workloads' other objects outlive them (OrderedNamespaceDeletion).
    resources.sort_by_key(|(r, _)| !(r.group.is_empty() && r.plural == "pods"));
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    for (resource, collection) in &resources {
        let api = Api::<DynamicObject>::namespaced_with(ctx.client.clone(), namespace, resource);
        let gr = format!("{}.{}", resource.plural, resource.group);
        let deleted = if *collection {
            api.delete_collection(&params, &ListParams::default())
                .await
                .map(|_| ())
        } else {
            delete_each(&api, &params).await
        };
        if let Err(err) = deleted {
            if !matches!(&err, kube::Error::Api(status) if status.code == 404 || status.code == 405)
            {
                content.errors.push(format!("{gr}: {err}"));
            }
            continue;
        }
        match api.list_metadata(&ListParams::default()).await {
            Ok(left) if !left.items.is_empty() => {
                content.remaining.insert(gr, left.items.len());
                for item in &left.items {
                    for finalizer in item.finalizers() {
                        *content.finalizers.entry(finalizer.clone()).or_default() += 1;
                    }
                }
            }
            Ok(_) => {}
            Err(err) => content.errors.push(format!("{gr}: {err}")),
        }
    }
    content
}

/// Deletes the objects one by one, for resources without `deletecollection`.
async fn delete_each(api: &Api<DynamicObject>, params: &DeleteParams) -> Result<(), kube::Error> {
    for item in api.list_metadata(&ListParams::default()).await?.items {
        match api.delete(&item.name_any(), params).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// Writes upstream's five conditions when they changed.
async fn update_conditions(
    api: &Api<Namespace>,
    ns: &Namespace,
    content: &Content,
) -> Result<(), kube::Error> {
    let mut wanted: BTreeMap<&str, (String, String, String)> = BTreeMap::new();
    if let Some(err) = &content.discovery_error {
        wanted.insert(
            "NamespaceDeletionDiscoveryFailure",
            ("True".into(), "DiscoveryFailed".into(), err.clone()),
        );
    }
    if !content.errors.is_empty() {
        let mut errors = content.errors.clone();
        errors.sort();
        wanted.insert(
            "NamespaceDeletionContentFailure",
            (
                "True".into(),
                "ContentDeletionFailed".into(),
                format!(
                    "Failed to delete all resource types, {} remaining: {}",
                    errors.len(),
                    errors.join(", ")
                ),
            ),
        );
    }
    if !content.remaining.is_empty() {
        let mut parts: Vec<String> = content
            .remaining
            .iter()
            .map(|(gr, n)| format!("{gr} has {n} resource instances"))
            .collect();
        parts.sort();
        wanted.insert(
            "NamespaceContentRemaining",
            (
                "True".into(),
                "SomeResourcesRemain".into(),
                format!("Some resources are remaining: {}", parts.join(", ")),
            ),
        );
    }
    if !content.finalizers.is_empty() {
        let mut parts: Vec<String> = content
            .finalizers
            .iter()
            .map(|(f, n)| format!("{f} in {n} resource instances"))
            .collect();
        parts.sort();
        wanted.insert(
            "NamespaceFinalizersRemaining",
            (
                "True".into(),
                "SomeFinalizersRemain".into(),
                format!(
                    "Some content in the namespace has finalizers remaining: {}",
                    parts.join(", ")
                ),
            ),
        );
    }
    let mut status = ns.status.clone().unwrap_or_default();
    let mut conditions = status.conditions.take().unwrap_or_default();
    let now = Time(Timestamp::now());
    let mut changed = false;
    for (kind, ok_reason, ok_message) in CONDITIONS {
        let (state, reason, message) = wanted
            .remove(kind)
            .unwrap_or_else(|| ("False".into(), ok_reason.into(), ok_message.into()));
        match conditions.iter_mut().find(|c| c.type_ == kind) {
            Some(existing) => {
                if existing.status != state
                    || existing.reason.as_deref() != Some(reason.as_str())
                    || existing.message.as_deref() != Some(message.as_str())
                {
                    if existing.status != state {
                        existing.last_transition_time = Some(now.clone());
                    }
                    existing.status = state;
                    existing.reason = Some(reason);
                    existing.message = Some(message);
                    changed = true;
                }
            }
            None => {
                conditions.push(NamespaceCondition {
                    type_: kind.into(),
                    status: state,
                    reason: Some(reason),
                    message: Some(message),
                    last_transition_time: Some(now.clone()),
                });
                changed = true;
            }
        }
    }
    if !changed {
        return Ok(());
    }
    status.conditions = Some(conditions);
    let mut updated = ns.clone();
    updated.status = Some(NamespaceStatus {
        phase: Some("Terminating".into()),
        ..status
    });
    match api
        .replace_status(&ns.name_any(), &PostParams::default(), &updated)
        .await
    {
        Ok(_) => Ok(()),
        // A stale copy or a namespace already gone: the next pass writes them.
        Err(kube::Error::Api(status)) if status.code == 409 || status.code == 404 => Ok(()),
        Err(err) => Err(err),
    }
}
