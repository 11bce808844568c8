//! `PATCH` (upstream's `handlers/patch.go`): the patch options and content type, the patch
//! applied to the object read in the update loop, and the patched object decoded as upstream
//! decodes it (typed, strict fields, pruned, defaulted) before it is updated like a PUT; and
//! server-side apply through the field manager (`crate::managedfields::apply_config`).

use axum::body::Body;
use ironkube_apimachinery::gocompat::json_kind;
use ironkube_apimachinery::patch::{self, PatchType};
use ironkube_apimachinery::typed_decode;
use ironkube_apimachinery::{CauseType, FieldError, Status, StatusCause};
use serde_json::{Value, json};

use super::body::write_options;
use super::negotiation::{Endpoint, content_media_type, negotiate_output};
use super::write::{meta, meta_mut, meta_str, run_update};
use super::{Ctx, Reply, read_body};
use crate::fieldvalidation;

/// The content type of server-side apply.
const APPLY_MEDIA_TYPE: &str = "application/apply-patch+yaml";

/// The patch content types served where apply is not (the scale subresource).
const PATCH_MEDIA_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
];

/// The patch type of a PATCH request from its `Content-Type` (server-side apply of objects is
/// answered before this; where apply is not served, its options are checked first, as
/// upstream does, then it is 415 with the types served); any other type is one no patch
/// route consumes, which upstream's router refuses itself.
pub(super) fn patch_type(ctx: &Ctx) -> Result<PatchType, Box<Status>> {
    let media = content_media_type(&ctx.headers);
    if let Some(patch_type) = PatchType::from_content_type(&media) {
        return Ok(patch_type);
    }
    if media == APPLY_MEDIA_TYPE {
        write_options(ctx, "PatchOptions", Some(true))?;
        return Err(Box::new(Status::unsupported_media_type(PATCH_MEDIA_TYPES)));
    }
    Err(Box::new(Status::router_unsupported_media_type()))
}

/// Whether the request is a server-side apply.
pub(super) fn is_apply(ctx: &Ctx) -> bool {
    content_media_type(&ctx.headers) == APPLY_MEDIA_TYPE
}

/// Server-side apply (upstream's `applyPatcher`): the YAML (or JSON) configuration is applied
/// by the field manager to the object read in the update loop, or to an empty one (apply
/// creates), then goes the way of any patched object.
async fn apply(ctx: Ctx, body: Body) -> Reply {
    write_options(&ctx, "PatchOptions", Some(true))?;
    let bytes = read_body(body).await?;
    let config: Value = serde_norway::from_slice(&bytes)
        .map_err(|err| Box::new(Status::bad_request(format!("error decoding YAML: {err}"))))?;
    let config = match config {
        Value::Null => json!({}),
        Value::Object(_) => config,
        other => {
            return Err(Box::new(Status::bad_request(format!(
                "error decoding YAML: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(&other)
            ))));
        }
    };
    let force = ctx.query.bool("force");
    let manager = ctx.query.get("fieldManager").unwrap_or_default().to_owned();
    let subresource = (!ctx.subresource.is_empty()).then_some(ctx.subresource.as_str());
    let allow_create = ctx.subresource.is_empty();
    run_update(&ctx, allow_create, |current| {
        let now = super::now_rfc3339();
        let mut applied = crate::managedfields::apply_config(
            ctx.info.group,
            ctx.info.version,
            ctx.info.kind,
            current,
            &config,
            &manager,
            force,
            subresource,
            &now,
        )
        .map_err(|err| Box::new(apply_error_status(err)))?;
        if let Some(current) = current
            && meta(&applied, "resourceVersion").is_none_or(Value::is_null)
        {
            let rv = meta_str(current, "resourceVersion").to_string();
            meta_mut(&mut applied).insert("resourceVersion".into(), json!(rv));
        }
        check_patched_identity(&ctx, &applied)?;
        if let Some(namespace) = ctx.ns() {
            let object_namespace = meta_str(&applied, "namespace");
            if !object_namespace.is_empty() && object_namespace != namespace {
                return Err(Box::new(Status::bad_request(format!(
                    "the namespace of the object ({object_namespace}) does not match the namespace on the request ({namespace})"
                ))));
            }
        }
        super::write::ensure_namespace(&ctx, &mut applied)?;
        fieldvalidation::prune(ctx.info.group, ctx.info.version, ctx.info.kind, &mut applied);
        crate::defaults::apply(ctx.info.group, ctx.info.version, ctx.info.kind, &mut applied);
        Ok(applied)
    })
    .await
}

/// The status of a failed apply.
fn apply_error_status(err: crate::managedfields::ApplyError) -> Status {
    use crate::managedfields::ApplyError;
    match err {
        ApplyError::BadRequest(message) => Status::bad_request(message),
        // A plain error upstream does not classify: 500, its message, no reason.
        ApplyError::Internal(message) => Status::from_error_message(message),
        ApplyError::Conflict { message, causes } => Status::apply_conflict(
            causes
                .into_iter()
                .map(|(message, field)| StatusCause {
                    cause_type: Some(CauseType::FieldManagerConflict),
                    message,
                    field,
                })
                .collect(),
            message,
        ),
    }
}

/// `PATCH` of an object (or its `status`): JSON patch, merge patch or strategic merge patch,
/// applied to the current object inside the update loop, then decoded as a body would be.
pub(super) async fn patch(ctx: Ctx, body: Body) -> Reply {
    negotiate_output(&ctx.headers, Endpoint::Write)?;
    if is_apply(&ctx) {
        return apply(ctx, body).await;
    }
    let patch_type = patch_type(&ctx)?;
    let directive = write_options(&ctx, "PatchOptions", Some(false))?;
    let bytes = read_body(body).await?;
    let api_version = ctx.api_version();
    // Upstream reads a merge patch into a map first when it checks fields (Strict, Warn).
    if patch_type == PatchType::Merge
        && directive != fieldvalidation::Directive::Ignore
        && let Ok(patch) = serde_json::from_slice::<Value>(&bytes)
        && !patch.is_object()
    {
        return Err(Box::new(Status::bad_request(format!(
            "error decoding patch: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&patch)
        ))));
    }
    // ... and a JSON patch into its list of operations.
    if patch_type == PatchType::Json
        && directive != fieldvalidation::Directive::Ignore
        && let Ok(patch) = serde_json::from_slice::<Value>(&bytes)
        && let Some(err) = json_patch_shape_error(&patch)
    {
        return Err(Box::new(Status::bad_request(format!(
            "error decoding patch: {err}"
        ))));
    }
    // How upstream quotes the patch in a 422 about the patched object: the patched JSON as its
    // patch library writes it for JSON and merge patches, Go's `%+v` of the patch map for
    // strategic merge patches.
    let quoted_patch = |patched: &Value| -> String {
        let patch = serde_json::from_slice::<Value>(&bytes).unwrap_or_default();
        match patch_type {
            PatchType::StrategicMerge => typed_decode::go_format(&patch),
            PatchType::Merge => {
                typed_decode::marshal_patched(&api_version, ctx.info.kind, patched, &patch)
            }
            PatchType::Json => {
                let reached = typed_decode::json_patch_reach(&patch);
                typed_decode::marshal_patched(&api_version, ctx.info.kind, patched, &reached)
            }
        }
    };
    run_update(&ctx, false, |current| {
        let Some(current) = current else {
            return Err(Box::new(Status::not_found(
                ctx.info.group,
                ctx.info.resource,
                &ctx.name,
            )));
        };
        let mut patched = patch::apply(patch_type, current, &bytes, &api_version, ctx.info.kind)
            .map_err(|err| Box::new(err.status(ctx.info.group, ctx.info.kind, &ctx.name)))?;
        if !patched.is_object() {
            return Err(Box::new(Status::bad_request(format!(
                "the patched object is not a {} (a JSON object)",
                ctx.info.kind
            ))));
        }
        // A resourceVersion the patch leaves in place (or sets) is a precondition; one it
        // removes makes the update unconditional against the object read.
        if meta(&patched, "resourceVersion").is_none_or(Value::is_null) {
            let rv = meta_str(current, "resourceVersion").to_string();
            meta_mut(&mut patched).insert("resourceVersion".into(), json!(rv));
        }
        check_patched_identity(&ctx, &patched)?;
        // The patched object is decoded into the Go type (JSON and merge patches) or converted
        // to it (strategic merge patches): values of the wrong type are a 422 on `patch`.
        let type_error = if patch_type == PatchType::StrategicMerge {
            typed_decode::converter_error(&api_version, ctx.info.kind, &patched)
        } else {
            typed_decode::decode_error(&api_version, ctx.info.kind, &patched)
        };
        if let Some(err) = type_error {
            let errors = [FieldError::invalid("patch", quoted_patch(&patched), err)];
            return Err(Box::new(Status::invalid("", "", "", &errors)));
        }
        // The patched object is decoded strictly (unknown fields the patch brought in)...
        if directive != fieldvalidation::Directive::Ignore {
            let json = serde_json::to_vec(&patched).unwrap_or_default();
            let problems = fieldvalidation::field_problems(
                ctx.info.group,
                ctx.info.version,
                ctx.info.kind,
                &json,
            );
            if !problems.is_empty() {
                if directive == fieldvalidation::Directive::Strict {
                    // Upstream: 422 on the field `patch`, the patched object as the value.
                    let errors = [FieldError::invalid(
                        "patch",
                        quoted_patch(&patched),
                        format!("strict decoding error: {}", problems.join(", ")),
                    )];
                    return Err(Box::new(Status::invalid("", "", "", &errors)));
                }
                ctx.warn(fieldvalidation::warnings(&problems));
            }
        }
        fieldvalidation::prune(
            ctx.info.group,
            ctx.info.version,
            ctx.info.kind,
            &mut patched,
        );
        // ... and so defaulted, as a body would be.
        crate::defaults::apply(
            ctx.info.group,
            ctx.info.version,
            ctx.info.kind,
            &mut patched,
        );
        Ok(patched)
    })
    .await
}

/// Go's decoding error for a JSON patch read into upstream's `[]handlers.jsonPatchOp`
/// (`op`, `path` and `from` strings, `value` anything).
fn json_patch_shape_error(patch: &Value) -> Option<String> {
    let Value::Array(operations) = patch else {
        return Some(format!(
            "json: cannot unmarshal {} into Go value of type []handlers.jsonPatchOp",
            json_kind(patch)
        ));
    };
    for operation in operations {
        let Value::Object(fields) = operation else {
            if operation.is_null() {
                continue;
            }
            return Some(format!(
                "json: cannot unmarshal {} into Go value of type handlers.jsonPatchOp",
                json_kind(operation)
            ));
        };
        for name in ["op", "path", "from"] {
            if let Some(value) = fields.get(name).filter(|v| !v.is_string() && !v.is_null()) {
                return Some(format!(
                    "json: cannot unmarshal {} into Go struct field jsonPatchOp.{name} of type string",
                    json_kind(value)
                ));
            }
        }
    }
    None
}

/// A patch may not change the name, namespace or kind of the object it patches.
fn check_patched_identity(ctx: &Ctx, patched: &Value) -> Result<(), Box<Status>> {
    if meta_str(patched, "name") != ctx.name {
        return Err(Box::new(Status::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({})",
            meta_str(patched, "name"),
            ctx.name
        ))));
    }
    Ok(())
}
