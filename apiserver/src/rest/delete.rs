//! Deletes (upstream's `handlers/delete.go` and the generic registry's `Delete`,
//! `DeleteCollection` and `updateForGracefulDeletionAndFinalizers`): delete options, graceful
//! deletion of pods, finalizers and the garbage collector's `orphan` / `foregroundDeletion`
//! finalizers, namespaces' two-step deletion, and what a delete answers with.

use axum::body::Body;
use axum::http::StatusCode;
use ironkube_apimachinery::{FieldError, Status};
use ironkube_storage::object::{Object, Preconditions, StorageError};
use serde_json::{Value, json};

use super::admission::{Operation, namespace_lifecycle};
use super::encode::{self, ListItem};
use super::negotiation::{Endpoint, decode_body, negotiate_input, negotiate_output};
use super::options::ListParams;
use super::read::shape;
use super::write::{WriteError, meta, meta_mut, meta_str, respond};
use super::{Ctx, Reply, now_rfc3339, read_body, rfc3339};
use crate::strategy::{GcPolicy, Strategy};

/// `metav1.DeleteOptions` from the body or, without one, the query.
#[derive(Clone, Debug, Default)]
struct DeleteOptions {
    grace_period_seconds: Option<i64>,
    preconditions: Preconditions,
    orphan_dependents: Option<bool>,
    propagation_policy: Option<String>,
}

impl DeleteOptions {
    async fn read(ctx: &Ctx, body: Body) -> Result<Self, Box<Status>> {
        let bytes = read_body(body).await?;
        let mut options = Self::default();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            options.grace_period_seconds = ctx.query.int("gracePeriodSeconds")?;
            options.orphan_dependents = ctx.query.optional_bool("orphanDependents");
            options.propagation_policy = ctx.query.get("propagationPolicy").map(str::to_string);
        } else {
            let format = negotiate_input(&ctx.headers)?;
            let value =
                decode_body(format, &bytes).map_err(|err| Box::new(Status::bad_request(err)))?;
            if let Some(kind) = value.get("kind").and_then(Value::as_str)
                && kind != "DeleteOptions"
            {
                return Err(Box::new(Status::bad_request(
                    "decoded object cannot be converted to DeleteOptions",
                )));
            }
            options.grace_period_seconds = value.get("gracePeriodSeconds").and_then(Value::as_i64);
            options.orphan_dependents = value.get("orphanDependents").and_then(Value::as_bool);
            options.propagation_policy = value
                .get("propagationPolicy")
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(pre) = value.get("preconditions") {
                options.preconditions.uid =
                    pre.get("uid").and_then(Value::as_str).map(str::to_string);
                options.preconditions.resource_version = pre
                    .get("resourceVersion")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
        }
        let mut errors = Vec::new();
        if let (Some(_), Some(policy)) = (options.orphan_dependents, &options.propagation_policy) {
            errors.push(FieldError::invalid(
                "propagationPolicy",
                policy.as_str(),
                "orphanDependents and deletionPropagation cannot be both set",
            ));
        }
        if let Some(policy) = &options.propagation_policy
            && !matches!(policy.as_str(), "Foreground" | "Background" | "Orphan")
        {
            errors.push(FieldError::not_supported(
                "propagationPolicy",
                policy.as_str(),
                &["Foreground", "Background", "Orphan", "nil"],
            ));
        }
        if !errors.is_empty() {
            return Err(Box::new(Status::invalid(
                "meta.k8s.io",
                "DeleteOptions",
                "",
                &errors,
            )));
        }
        Ok(options)
    }
}

/// How a delete ended.
enum Deletion {
    /// The object is gone; this was its last state.
    Deleted(Object),
    /// The object stays, marked for deletion (finalizers or a grace period).
    Pending(Object),
    /// A graceful deletion was already under way; this is the object as it is.
    AlreadyDeleting(Object),
}

/// The garbage-collection finalizers a delete adds or removes (upstream's
/// `deletionFinalizersForGarbageCollection`): the new finalizer list when it changes.
fn gc_finalizers(
    strategy: &Strategy,
    object: &Value,
    options: &DeleteOptions,
) -> Option<Vec<Value>> {
    if strategy.gc_policy == GcPolicy::Unsupported {
        return None;
    }
    let existing: Vec<String> = meta(object, "finalizers")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let has = |name: &str| existing.iter().any(|f| f == name);
    let orphan = match (
        &options.orphan_dependents,
        options.propagation_policy.as_deref(),
    ) {
        (Some(orphan), _) => *orphan,
        (None, Some("Orphan")) => true,
        (None, Some(_)) => false,
        (None, None) if has("orphan") => true,
        (None, None) if has("foregroundDeletion") => false,
        (None, None) => strategy.gc_policy == GcPolicy::OrphanDependents,
    };
    let foreground = match (
        &options.orphan_dependents,
        options.propagation_policy.as_deref(),
    ) {
        (Some(_), _) => false,
        (None, Some("Foreground")) => true,
        (None, Some(_)) => false,
        (None, None) => has("foregroundDeletion") && !has("orphan"),
    };
    let mut new: Vec<String> = existing
        .iter()
        .filter(|f| *f != "orphan" && *f != "foregroundDeletion")
        .cloned()
        .collect();
    if orphan {
        new.push("orphan".to_string());
    }
    if foreground {
        new.push("foregroundDeletion".to_string());
    }
    let same = {
        let mut a = existing.clone();
        let mut b = new.clone();
        a.sort();
        a.dedup();
        b.sort();
        b.dedup();
        a == b
    };
    (!same).then(|| new.into_iter().map(Value::String).collect())
}

/// The grace period of a pod's deletion (upstream's pod `CheckGracefulDelete`).
fn pod_grace_period(pod: &Value, options: &DeleteOptions) -> i64 {
    let mut period = options
        .grace_period_seconds
        .or_else(|| {
            pod.pointer("/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_i64)
        })
        .unwrap_or(0);
    if pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        period = 0;
    }
    if matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Failed" | "Succeeded")
    ) {
        period = 0;
    }
    if period < 0 { 1 } else { period }
}

/// The delete's preconditions against the current object (upstream's `BeforeDelete` check:
/// 409 naming the kind).
fn check_delete_preconditions(
    ctx: &Ctx,
    object: &Value,
    options: &DeleteOptions,
) -> Result<(), WriteError> {
    let uid = meta_str(object, "uid");
    if let Some(expected) = &options.preconditions.uid
        && expected != uid
    {
        return Err(Status::conflict(
            ctx.info.group,
            ctx.info.kind,
            meta_str(object, "name"),
            &format!("the UID in the precondition ({expected}) does not match the UID in record ({uid}). The object might have been deleted and then recreated"),
        )
        .into());
    }
    let rv = meta_str(object, "resourceVersion");
    if let Some(expected) = &options.preconditions.resource_version
        && expected != rv
    {
        return Err(Status::conflict(
            ctx.info.group,
            ctx.info.kind,
            meta_str(object, "name"),
            &format!("the ResourceVersion in the precondition ({expected}) does not match the ResourceVersion in record ({rv}). The object might have been modified"),
        )
        .into());
    }
    Ok(())
}

/// What a delete does to the current object before storage removes it (upstream's
/// `BeforeDelete` and `updateForGracefulDeletionAndFinalizers`). `Ok(Some(updated))`: store the
/// update and keep the object; `Ok(None)`: delete now.
fn before_delete(
    ctx: &Ctx,
    object: &Value,
    options: &DeleteOptions,
) -> Result<Option<Value>, WriteError> {
    check_delete_preconditions(ctx, object, options)?;
    let mut updated = object.clone();
    let deleting = meta(object, "deletionTimestamp").is_some_and(|t| !t.is_null());
    let generation = meta(object, "generation")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut graceful = false;
    if ctx.strategy.graceful {
        let current_grace = meta(object, "deletionGracePeriodSeconds").and_then(Value::as_i64);
        if deleting {
            match (current_grace, options.grace_period_seconds) {
                (None | Some(0), _) => {}
                (Some(current), Some(asked)) if asked < current => {
                    // Only a shorter grace period may be asked for.
                    let asked = asked.max(0);
                    let deadline = time::OffsetDateTime::now_utc() + time::Duration::seconds(asked);
                    let meta = meta_mut(&mut updated);
                    meta.insert("deletionTimestamp".into(), json!(rfc3339(deadline)));
                    meta.insert("deletionGracePeriodSeconds".into(), json!(asked));
                    graceful = asked > 0;
                }
                _ => return Err(WriteError::AlreadyDeleting),
            }
        } else {
            let period = pod_grace_period(object, options);
            let deadline = time::OffsetDateTime::now_utc() + time::Duration::seconds(period);
            let meta = meta_mut(&mut updated);
            meta.insert("deletionTimestamp".into(), json!(rfc3339(deadline)));
            meta.insert("deletionGracePeriodSeconds".into(), json!(period));
            if generation > 0 {
                meta.insert("generation".into(), json!(generation + 1));
            }
            graceful = period > 0;
        }
    }
    if let Some(finalizers) = gc_finalizers(&ctx.strategy, &updated, options) {
        meta_mut(&mut updated).insert("finalizers".into(), Value::Array(finalizers));
    }
    let pending_finalizers = meta(&updated, "finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    if pending_finalizers && !ctx.strategy.graceful {
        // markAsDeleting: the first delete sets the timestamp (and moves generation).
        let meta = meta_mut(&mut updated);
        if !deleting {
            if generation > 0 {
                meta.insert("generation".into(), json!(generation + 1));
            }
            meta.insert("deletionTimestamp".into(), json!(now_rfc3339()));
        }
        meta.insert("deletionGracePeriodSeconds".into(), json!(0));
        return Ok(Some(updated));
    }
    // Graceful kinds record the deletion first even when it completes at once (upstream
    // updates, then deletes).
    if pending_finalizers || graceful || ctx.strategy.graceful {
        return Ok(Some(updated));
    }
    Ok(None)
}

/// Deletes one object with upstream's generic-store semantics.
async fn delete_one(
    ctx: &Ctx,
    name: &str,
    options: &DeleteOptions,
) -> Result<Deletion, Box<Status>> {
    namespace_lifecycle(ctx, Operation::Delete, name).await?;
    if ctx.dry_run {
        return dry_run_delete(ctx, name, options).await;
    }
    let store = ctx.storage.store();
    if ctx.info.group.is_empty()
        && ctx.info.resource == "namespaces"
        && let Some(deletion) = begin_namespace_deletion(ctx, name, options).await?
    {
        return Ok(deletion);
    }
    if ctx.info.group == crate::crd::GROUP
        && ctx.info.resource == "customresourcedefinitions"
        && let Some(deletion) = begin_definition_deletion(ctx, name, options).await?
    {
        return Ok(deletion);
    }
    let mut keep: Option<Value> = None;
    let result = store
        .guaranteed_update(
            ctx.ns(),
            name,
            false,
            &Preconditions::default(),
            None,
            |current: Option<Value>| {
                let result = (|| {
                    let Some(current) = current else {
                        return Err(StorageError::NotFound {
                            key: name.to_string(),
                        }
                        .into());
                    };
                    match before_delete(ctx, &current, options)? {
                        Some(updated) => {
                            keep = Some(updated.clone());
                            Ok(updated)
                        }
                        None => {
                            keep = None;
                            Ok(current)
                        }
                    }
                })();
                std::future::ready(result)
            },
        )
        .await;
    let current = match result {
        Ok(object) => object,
        Err(WriteError::AlreadyDeleting) => {
            let object = store
                .get(ctx.ns(), name, None)
                .await
                .map_err(|err| Box::new(err.status(&ctx.group_resource(), name, "delete")))?;
            return Ok(Deletion::AlreadyDeleting(object));
        }
        Err(WriteError::Storage(StorageError::NotFound { .. })) => {
            return Err(Box::new(Status::not_found(
                ctx.info.group,
                ctx.info.resource,
                name,
            )));
        }
        Err(err) => return Err(ctx.write_status(err, "delete", name)),
    };
    if keep.as_ref().is_some_and(still_pending) {
        return Ok(Deletion::Pending(current));
    }
    let preconditions = Preconditions {
        uid: options.preconditions.uid.clone(),
        resource_version: None,
    };
    match store
        .delete(ctx.ns(), name, &preconditions, None, |_: &Value| {
            Ok::<(), StorageError>(())
        })
        .await
    {
        Ok(deleted) => {
            if ctx.info.group.is_empty() && ctx.info.resource == "services" {
                super::services::release_service(&ctx.state, deleted.value()).await;
            }
            Ok(Deletion::Deleted(deleted))
        }
        Err(StorageError::NotFound { .. }) => Ok(Deletion::Deleted(current)),
        Err(err) => Err(Box::new(err.status(&ctx.group_resource(), name, "delete"))),
    }
}

/// Whether an object marked for deletion stays (finalizers left, or a grace period running).
fn still_pending(object: &Value) -> bool {
    meta(object, "finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty())
        || meta(object, "deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            > 0
}

/// A dry-run delete: what the delete would do to the current object, without doing it
/// (upstream's dry-run storage checks the object and answers it).
async fn dry_run_delete(
    ctx: &Ctx,
    name: &str,
    options: &DeleteOptions,
) -> Result<Deletion, Box<Status>> {
    let current = ctx
        .storage
        .store()
        .get(ctx.ns(), name, None)
        .await
        .map_err(|err| Box::new(err.status(&ctx.group_resource(), name, "delete")))?;
    let value = current.value();
    check_delete_preconditions(ctx, value, options)
        .map_err(|err| ctx.write_status(err, "delete", name))?;
    let is_namespace = ctx.info.group.is_empty() && ctx.info.resource == "namespaces";
    if is_namespace
        && value
            .pointer("/spec/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty())
    {
        let mut marked = value.clone();
        if meta(&marked, "deletionTimestamp").is_none_or(Value::is_null) {
            meta_mut(&mut marked).insert("deletionTimestamp".into(), json!(now_rfc3339()));
            marked["status"] = json!({"phase": "Terminating"});
        }
        return Ok(Deletion::Pending(Object::new(marked)));
    }
    match before_delete(ctx, value, options) {
        Ok(Some(updated)) if still_pending(&updated) => Ok(Deletion::Pending(Object::new(updated))),
        Ok(Some(updated)) => Ok(Deletion::Deleted(Object::new(updated))),
        Ok(None) => Ok(Deletion::Deleted(current)),
        Err(WriteError::AlreadyDeleting) => Ok(Deletion::AlreadyDeleting(current)),
        Err(err) => Err(ctx.write_status(err, "delete", name)),
    }
}

/// The stored cluster-scoped object a delete is about, once the delete's preconditions hold.
async fn checked_for_delete(
    ctx: &Ctx,
    name: &str,
    options: &DeleteOptions,
) -> Result<Object, Box<Status>> {
    let current = ctx
        .storage
        .store()
        .get(None, name, None)
        .await
        .map_err(|err| Box::new(err.status(&ctx.group_resource(), name, "delete")))?;
    check_delete_preconditions(ctx, current.value(), options)
        .map_err(|err| ctx.write_status(err, "delete", name))?;
    Ok(current)
}

/// Upstream's namespace `Delete`: the first delete marks the namespace Terminating; it is
/// removed only once its `spec.finalizers` are empty (the namespace controller's work).
async fn begin_namespace_deletion(
    ctx: &Ctx,
    name: &str,
    options: &DeleteOptions,
) -> Result<Option<Deletion>, Box<Status>> {
    let store = ctx.storage.store();
    let current = checked_for_delete(ctx, name, options).await?;
    let spec_finalizers = |value: &Value| {
        value
            .pointer("/spec/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty())
    };
    if !spec_finalizers(current.value()) {
        return Ok(None);
    }
    let updated = store
        .guaranteed_update(
            None,
            name,
            false,
            &Preconditions::default(),
            None,
            |value: Option<Value>| {
                let result = match value {
                    None => Err(WriteError::from(StorageError::NotFound {
                        key: name.to_string(),
                    })),
                    Some(mut value) => {
                        if meta(&value, "deletionTimestamp").is_none_or(Value::is_null) {
                            meta_mut(&mut value)
                                .insert("deletionTimestamp".into(), json!(now_rfc3339()));
                            value["status"] = json!({"phase": "Terminating"});
                        }
                        if let Some(finalizers) = gc_finalizers(&ctx.strategy, &value, options) {
                            meta_mut(&mut value)
                                .insert("finalizers".into(), Value::Array(finalizers));
                        }
                        Ok(value)
                    }
                };
                std::future::ready(result)
            },
        )
        .await
        .map_err(|err| ctx.write_status(err, "delete", name))?;
    Ok(Some(Deletion::Pending(updated)))
}

/// Upstream's CustomResourceDefinition `Delete`: the first delete marks the definition, adds
/// the cleanup finalizer and a `Terminating` condition; the definition goes once the API
/// server's CRD controller has removed its objects and the finalizer.
async fn begin_definition_deletion(
    ctx: &Ctx,
    name: &str,
    options: &DeleteOptions,
) -> Result<Option<Deletion>, Box<Status>> {
    let store = ctx.storage.store();
    let current = checked_for_delete(ctx, name, options).await?;
    if meta(current.value(), "deletionTimestamp").is_some_and(|t| !t.is_null()) {
        return Ok(None);
    }
    // Upstream adds the definition's uid as a precondition: a definition recreated meanwhile
    // is not the one being deleted.
    let preconditions = Preconditions {
        uid: Some(meta_str(current.value(), "uid").to_owned()),
        resource_version: options.preconditions.resource_version.clone(),
    };
    let now = now_rfc3339();
    let updated = store
        .guaranteed_update(
            None,
            name,
            false,
            &preconditions,
            None,
            |value: Option<Value>| {
                let result = match value {
                    None => Err(WriteError::from(StorageError::NotFound {
                        key: name.to_string(),
                    })),
                    Some(mut value) => {
                        if meta(&value, "deletionTimestamp").is_none_or(Value::is_null) {
                            meta_mut(&mut value).insert("deletionTimestamp".into(), json!(now));
                        }
                        let mut finalizers = gc_finalizers(&ctx.strategy, &value, options)
                            .unwrap_or_else(|| {
                                meta(&value, "finalizers")
                                    .and_then(Value::as_array)
                                    .cloned()
                                    .unwrap_or_default()
                            });
                        if !finalizers
                            .iter()
                            .any(|f| f == crate::crd::CLEANUP_FINALIZER)
                        {
                            finalizers.push(json!(crate::crd::CLEANUP_FINALIZER));
                        }
                        meta_mut(&mut value).insert("finalizers".into(), Value::Array(finalizers));
                        let mut conditions = value
                            .pointer("/status/conditions")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        crate::crd::names::set_condition(
                            &value,
                            &mut conditions,
                            "Terminating",
                            "True",
                            "InstanceDeletionPending",
                            "CustomResourceDefinition marked for deletion; CustomResource \
                             deletion will begin soon",
                            &now,
                        );
                        if !value.get("status").is_some_and(Value::is_object) {
                            value["status"] = json!({});
                        }
                        value["status"]["conditions"] = Value::Array(conditions);
                        Ok(value)
                    }
                };
                std::future::ready(result)
            },
        )
        .await
        .map_err(|err| ctx.write_status(err, "delete", name))?;
    Ok(Some(Deletion::Pending(updated)))
}

/// The answer to a completed delete (upstream's `finalizeDelete`): the object, or a Status.
fn finalize_delete(ctx: &Ctx, object: &Object) -> Reply {
    if ctx.strategy.return_deleted_object {
        return respond(ctx, StatusCode::OK, object);
    }
    let output = negotiate_output(&ctx.headers, Endpoint::Write)?;
    let mut details = json!({
        "name": object.name(),
        "kind": ctx.info.resource,
        "uid": meta_str(object.value(), "uid"),
    });
    // `group` is `omitempty` upstream: the core group leaves it out.
    if !ctx.info.group.is_empty() {
        details["group"] = json!(ctx.info.group);
    }
    let status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    });
    Ok(encode::body_response(
        StatusCode::OK,
        output.encoding,
        encode::to_bytes(&status),
        ctx.pretty,
    ))
}

/// `DELETE` of an object.
pub(super) async fn delete(ctx: Ctx, body: Body) -> Reply {
    negotiate_output(&ctx.headers, Endpoint::Write)?;
    let options = DeleteOptions::read(&ctx, body).await?;
    let name = ctx.name.clone();
    match delete_one(&ctx, &name, &options).await? {
        Deletion::Deleted(object) | Deletion::AlreadyDeleting(object) => {
            finalize_delete(&ctx, &object)
        }
        Deletion::Pending(object) => {
            let code = if options.orphan_dependents == Some(false) {
                StatusCode::ACCEPTED
            } else {
                StatusCode::OK
            };
            respond(&ctx, code, &object)
        }
    }
}

/// `DELETE` of a collection: every object the selectors match, each as a single delete;
/// answers with the list of what was deleted.
pub(super) async fn delete_collection(ctx: Ctx, body: Body) -> Reply {
    let output = negotiate_output(&ctx.headers, Endpoint::List)?;
    let options = DeleteOptions::read(&ctx, body).await?;
    let params = ListParams::parse(&ctx.query, &ctx.info, false)?;
    let mut list_options = params.list_options();
    list_options.limit = 0;
    list_options.continue_token.clear();
    let list = ctx
        .storage
        .store()
        .list(ctx.ns(), &list_options)
        .await
        .map_err(|err| Box::new(ctx.storage_status(&err, "list")))?;
    let mut items = Vec::new();
    for object in list.items {
        let mut item_ctx_namespace = ctx.namespace.clone();
        if ctx.info.namespaced && item_ctx_namespace.is_none() {
            item_ctx_namespace = Some(object.namespace().to_string());
        }
        let item_ctx = Ctx {
            state: ctx.state.clone(),
            info: ctx.info.clone(),
            storage: ctx.storage.clone(),
            strategy: ctx.strategy,
            namespace: item_ctx_namespace,
            name: object.name().to_string(),
            subresource: String::new(),
            query: ctx.query.clone(),
            headers: ctx.headers.clone(),
            pretty: ctx.pretty,
            dry_run: ctx.dry_run,
            warnings: ctx.warnings.clone(),
            user: ctx.user.clone(),
        };
        match delete_one(&item_ctx, object.name(), &options).await {
            Ok(_) => items.push(ListItem::Value(ctx.to_served(&object)?)),
            Err(status) if status.code == 404 => {}
            Err(status) => return Err(status),
        }
    }
    let meta = encode::list_meta(list.resource_version, None, None);
    Ok(encode::list_response(output, &shape(&ctx), meta, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gc_finalizers_follow_policy() {
        let strategy = Strategy {
            generation: crate::strategy::Generation::Untracked,
            status_subresource: false,
            allow_create_on_update: false,
            allow_unconditional_update: true,
            return_deleted_object: false,
            graceful: false,
            gc_policy: GcPolicy::DeleteDependents,
        };
        let object = json!({"metadata": {}});
        let orphan = DeleteOptions {
            propagation_policy: Some("Orphan".into()),
            ..DeleteOptions::default()
        };
        assert_eq!(
            gc_finalizers(&strategy, &object, &orphan),
            Some(vec![json!("orphan")])
        );
        let foreground = DeleteOptions {
            propagation_policy: Some("Foreground".into()),
            ..DeleteOptions::default()
        };
        assert_eq!(
            gc_finalizers(&strategy, &object, &foreground),
            Some(vec![json!("foregroundDeletion")])
        );
        assert_eq!(
            gc_finalizers(&strategy, &object, &DeleteOptions::default()),
            None
        );
    }
}
