//! Built-in admission that exists so far: upstream's `NamespaceLifecycle` plugin.
//!
//! - Creating, updating or deleting a namespaced object needs its namespace to exist (404
//!   `namespaces "x" not found`).
//! - Nothing new may be created in a namespace that is terminating (403 with the
//!   `NamespaceTerminating` cause).
//! - `default`, `kube-system` and `kube-public` may not be deleted.

use ironkube_apimachinery::Status;
use ironkube_apimachinery::status::StatusCause;
use ironkube_storage::object::StorageError;
use serde_json::Value;

use super::Ctx;

/// Namespaces that can never be deleted.
const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

/// The operations the plugin looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Operation {
    /// create (POST, or PUT that creates).
    Create,
    /// update or patch.
    Update,
    /// delete.
    Delete,
}

/// Admits (or refuses) an operation on `name` in the request's namespace.
pub(super) async fn namespace_lifecycle(
    ctx: &Ctx,
    operation: Operation,
    name: &str,
) -> Result<(), Box<Status>> {
    let is_namespace = ctx.info.group.is_empty() && ctx.info.resource == "namespaces";
    if is_namespace {
        if operation == Operation::Delete && IMMORTAL_NAMESPACES.contains(&name) {
            return Err(Box::new(Status::forbidden(
                "",
                "namespaces",
                name,
                "this namespace may not be deleted",
            )));
        }
        return Ok(());
    }
    let Some(namespace) = ctx.ns() else {
        return Ok(());
    };
    let phase = namespace_phase(ctx, namespace).await?;
    let Some(phase) = phase else {
        return Err(Box::new(Status::not_found("", "namespaces", namespace)));
    };
    if operation == Operation::Create && phase == "Terminating" {
        let mut status = Status::forbidden(
            ctx.info.group,
            ctx.info.resource,
            name,
            &format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            ),
        );
        if let Some(details) = status.details.as_mut() {
            details.causes.push(StatusCause {
                cause_type: Some(ironkube_apimachinery::status::CauseType::from_wire(
                    "NamespaceTerminating",
                )),
                message: format!("namespace {namespace} is being terminated"),
                field: "metadata.namespace".to_string(),
            });
        }
        return Err(Box::new(status));
    }
    Ok(())
}

/// The phase of a namespace (`None` when it does not exist): from the watch cache, or the
/// store when the cache has not seen it (yet).
async fn namespace_phase(ctx: &Ctx, namespace: &str) -> Result<Option<String>, Box<Status>> {
    let Some(namespaces) = ctx.state.namespaces() else {
        return Ok(Some("Active".to_string()));
    };
    let object = match namespaces.cache.cached(None, namespace) {
        Some(object) => object,
        None => match namespaces.store().get(None, namespace, None).await {
            Ok(object) => object,
            Err(StorageError::NotFound { .. }) => return Ok(None),
            Err(err) => {
                return Err(Box::new(err.status(
                    &ironkube_storage::object::GroupResource::new("", "namespaces"),
                    namespace,
                    "get",
                )));
            }
        },
    };
    Ok(Some(
        object
            .value()
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("Active")
            .to_string(),
    ))
}
