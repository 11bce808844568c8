//! The `scale` subresource (upstream's `ScaleREST` of Deployments, ReplicaSets,
//! StatefulSets and ReplicationControllers): an `autoscaling/v1` `Scale` view of the object's
//! replicas, read from and written to the object itself.

use axum::body::Body;
use axum::http::StatusCode;
use ironkube_apimachinery::patch;
use ironkube_apimachinery::{FieldError, LabelSelector, Status};
use serde_json::{Value, json};

use super::encode::{self, IncludeObject, Shape};
use super::negotiation::{Endpoint, decode_body, negotiate_input, negotiate_output};
use super::write::{Updated, update_stored};
use super::{Ctx, Reply, read_body};

const SCALE_SHAPE: Shape<'static> = Shape {
    group: "autoscaling",
    version: "v1",
    kind: "Scale",
    list_kind: "",
    include_object: IncludeObject::Metadata,
    pretty: false,
    custom: None,
};

/// A custom resource's scale path (`.spec.replicas`) as a JSON pointer.
fn pointer(path: &str) -> String {
    path.replace('.', "/")
}

/// Where the desired and observed replicas are: upstream's fixed places for built-ins, the
/// definition's paths for custom resources.
fn replica_pointers(ctx: &Ctx) -> (String, String) {
    match ctx.info.custom.as_ref().and_then(|c| c.scale.as_ref()) {
        Some(paths) => (
            pointer(&paths.spec_replicas),
            pointer(&paths.status_replicas),
        ),
        None => ("/spec/replicas".into(), "/status/replicas".into()),
    }
}

/// The object's label selector as a string (`app=web,tier in (a,b)`).
fn selector(ctx: &Ctx, object: &Value) -> String {
    if let Some(paths) = ctx.info.custom.as_ref().and_then(|c| c.scale.as_ref()) {
        // A custom resource names where its selector string is, if anywhere.
        return paths
            .label_selector
            .as_deref()
            .and_then(|path| object.pointer(&pointer(path)))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
    }
    let Some(selector) = object.pointer("/spec/selector") else {
        return String::new();
    };
    if ctx.info.group.is_empty() {
        // ReplicationControllers select with a plain map.
        let set = selector
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        return LabelSelector::from_set(&set).to_string();
    }
    LabelSelector::from_metav1_value(selector)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// The Scale of an object (at the served version).
fn scale_of(ctx: &Ctx, object: &Value) -> Value {
    let meta = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let mut metadata = json!({});
    for field in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(value) = meta.get(field) {
            metadata[field] = value.clone();
        }
    }
    let (spec_replicas, status_replicas) = replica_pointers(ctx);
    let mut spec = json!({});
    if let Some(replicas) = object.pointer(&spec_replicas).and_then(Value::as_i64)
        && replicas != 0
    {
        spec["replicas"] = json!(replicas);
    }
    let mut status = json!({
        "replicas": object.pointer(&status_replicas).and_then(Value::as_i64).unwrap_or(0),
    });
    let selector = selector(ctx, object);
    if !selector.is_empty() {
        status["selector"] = json!(selector);
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": spec,
        "status": status,
    })
}

fn scale_response(ctx: &Ctx, code: StatusCode, object: &Value) -> Reply {
    let output = negotiate_output(&ctx.headers, Endpoint::Write)?;
    let mut shape = SCALE_SHAPE;
    shape.pretty = ctx.pretty;
    Ok(encode::object_response(
        code,
        output,
        &shape,
        &scale_of(ctx, object),
        None,
    ))
}

/// `GET …/{name}/scale`.
pub(super) async fn get(ctx: Ctx) -> Reply {
    let object = ctx
        .storage
        .cache
        .get(
            ctx.ns(),
            &ctx.name,
            ctx.query.get("resourceVersion").filter(|rv| !rv.is_empty()),
        )
        .await
        .map_err(|err| Box::new(ctx.storage_status(&err, "get")))?;
    let value = ctx.to_served(&object)?;
    scale_response(&ctx, StatusCode::OK, &value)
}

/// Applies a Scale to the object: replicas, and the Scale's resourceVersion as a precondition.
fn apply(ctx: &Ctx, current: &Value, scale: &Value) -> Result<Value, Box<Status>> {
    let name = scale
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name != ctx.name {
        return Err(Box::new(Status::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            ctx.name
        ))));
    }
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if replicas < 0 {
        let errors = [FieldError::invalid(
            "spec.replicas",
            replicas,
            "must be greater than or equal to 0",
        )];
        return Err(Box::new(Status::invalid(
            "autoscaling",
            "Scale",
            name,
            &errors,
        )));
    }
    let mut updated = current.clone();
    let (spec_replicas, _) = replica_pointers(ctx);
    set_at(&mut updated, &spec_replicas, json!(replicas));
    if let Some(rv) = scale
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|rv| !rv.is_empty())
    {
        updated["metadata"]["resourceVersion"] = json!(rv);
    }
    Ok(updated)
}

/// Sets the field at a JSON pointer, making the objects on the way.
fn set_at(object: &mut Value, pointer: &str, value: Value) {
    let mut current = object;
    for key in pointer.split('/').filter(|k| !k.is_empty()) {
        if !current.is_object() {
            *current = json!({});
        }
        current = &mut current[key];
    }
    *current = value;
}

async fn store(
    ctx: &Ctx,
    mut make_scale: impl FnMut(&Value) -> Result<Value, Box<Status>>,
) -> Reply {
    let outcome = update_stored(ctx, false, |current| {
        let Some(current) = current else {
            return Err(Box::new(Status::not_found(
                ctx.info.group,
                ctx.info.resource,
                &ctx.name,
            )));
        };
        let scale = make_scale(current)?;
        apply(ctx, current, &scale)
    })
    .await?;
    match outcome {
        Updated::Stored { object, .. } => {
            let value = ctx.to_served(&object)?;
            scale_response(ctx, StatusCode::OK, &value)
        }
        Updated::Deleted(value) => scale_response(ctx, StatusCode::OK, &value),
    }
}

/// `PUT …/{name}/scale`.
pub(super) async fn update(ctx: Ctx, body: Body) -> Reply {
    negotiate_output(&ctx.headers, Endpoint::Write)?;
    let format = negotiate_input(&ctx.headers)?;
    let bytes = read_body(body).await?;
    let scale = decode_body(format, &bytes).map_err(|err| Box::new(Status::bad_request(err)))?;
    if let Some(kind) = scale.get("kind").and_then(Value::as_str)
        && kind != "Scale"
    {
        return Err(Box::new(Status::bad_request(format!(
            "{kind} in version \"v1\" cannot be handled as a Scale: no kind \"{kind}\" is registered for version \"autoscaling/v1\""
        ))));
    }
    store(&ctx, |_| Ok(scale.clone())).await
}

/// `PATCH …/{name}/scale`: the patch applies to the Scale (autoscaling/v1), with any patch type.
pub(super) async fn patch(ctx: Ctx, body: Body) -> Reply {
    negotiate_output(&ctx.headers, Endpoint::Write)?;
    let patch_type = super::patch::patch_type(&ctx)?;
    super::body::write_options(&ctx, "PatchOptions", Some(false))?;
    let bytes = read_body(body).await?;
    store(&ctx, |current| {
        let scale = scale_of(&ctx, current);
        patch::apply(patch_type, &scale, &bytes, "autoscaling/v1", "Scale")
            .map_err(|err| Box::new(err.status("autoscaling", "Scale", &ctx.name)))
    })
    .await
}
