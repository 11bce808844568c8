//! Reading a write's request: its options (`Validate{Create,Update,Patch}Options`) and its body,
//! decoded as upstream's handlers decode it: the media type, Go's syntax and type errors, the
//! body's kind and version, field validation and pruning, then defaulting. Bodies deeper than
//! serde_json reads on a request's stack go through [`super::deep`].

use axum::body::Body;
use ironkube_apimachinery::gocompat::json_kind;
use ironkube_apimachinery::typed_decode;
use ironkube_apimachinery::{FieldError, Status};
use serde_json::{Value, json};

use super::deep::{self, DeepError};
use super::negotiation::{BodyError, InputFormat, decode_body, negotiate_input};
use super::{Ctx, read_body};
use crate::fieldvalidation;

/// Upstream's `Validate{Create,Update,Patch}Options` over the query: for patches, `force` only
/// with apply and `fieldManager` required by it (`apply` is `Some` for patches); the field
/// manager's length and characters; the field validation directive. Any error is a 422 on
/// the options kind.
pub(super) fn write_options(
    ctx: &Ctx,
    options_kind: &str,
    apply: Option<bool>,
) -> Result<fieldvalidation::Directive, Box<Status>> {
    let mut errors = Vec::new();
    let manager = ctx.query.get("fieldManager").unwrap_or_default();
    match apply {
        Some(false) if ctx.query.get("force").is_some() => errors.push(FieldError::forbidden(
            "force",
            "may not be specified for non-apply patch",
        )),
        Some(true) if manager.is_empty() => errors.push(FieldError::required(
            "fieldManager",
            "is required for apply patch",
        )),
        _ => {}
    }
    if manager.len() > FIELD_MANAGER_MAX_BYTES {
        errors.push(FieldError::too_long(
            "fieldManager",
            FIELD_MANAGER_MAX_BYTES as i64,
        ));
    }
    for (at, c) in manager.char_indices() {
        if !ironkube_apimachinery::gocompat::is_go_printable(c) {
            errors.push(FieldError::invalid(
                "fieldManager",
                manager.to_string(),
                format!(
                    "invalid character U+{:04X} (at position {at})",
                    u32::from(c)
                ),
            ));
        }
    }
    let value = ctx.query.get("fieldValidation");
    let directive = fieldvalidation::Directive::parse(value);
    if directive.is_err() {
        errors.push(FieldError::not_supported(
            "fieldValidation",
            value.unwrap_or(""),
            &["", "Ignore", "Strict", "Warn"],
        ));
    }
    match directive {
        Ok(directive) if errors.is_empty() => Ok(directive),
        _ => Err(Box::new(Status::invalid(
            "meta.k8s.io",
            options_kind,
            "",
            &errors,
        ))),
    }
}

/// Upstream's `FieldManagerMaxLength`.
const FIELD_MANAGER_MAX_BYTES: usize = 128;

/// Decodes a request body as an object of the request's kind and version.
pub(super) async fn decode_object(
    ctx: &Ctx,
    body: Body,
    options_kind: &str,
) -> Result<Value, Box<Status>> {
    let directive = write_options(ctx, options_kind, None)?;
    let format = negotiate_input(&ctx.headers)?;
    let bytes = read_body(body).await?;
    let unrecognized = |err: &dyn std::fmt::Display| {
        Box::new(Status::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): {err} ({})",
            ctx.info.kind,
            summarize(&bytes)
        )))
    };
    // Unknown and duplicate fields, when a deep body's reading already listed them.
    let mut listed_problems = None;
    let mut object = match decode_body(format, &bytes) {
        Ok(object) => object,
        Err(BodyError::TooDeep) => {
            let target = deep::Target {
                group: ctx.info.group.to_string(),
                version: ctx.info.version.to_string(),
                api_version: ctx.api_version(),
                kind: ctx.info.kind.to_string(),
                list_problems: directive != fieldvalidation::Directive::Ignore,
            };
            match deep::read(bytes.clone(), target).await {
                Ok(read) => {
                    listed_problems = Some(read.problems);
                    read.object
                }
                Err(DeepError::Type(err)) => return Err(type_error(ctx, &err)),
                Err(DeepError::Body(err)) => return Err(unrecognized(&err)),
            }
        }
        Err(err) => return Err(unrecognized(&err)),
    };
    if object.is_null() {
        // Go decodes `null` into the empty object.
        object = json!({});
    }
    let Some(map) = object.as_object_mut() else {
        return Err(Box::new(Status::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }} ({})",
            ctx.info.kind,
            json_kind(&object),
            summarize(&bytes)
        ))));
    };
    let served = ctx.api_version();
    let api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = map
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if ctx.info.custom.is_some() && !kind.is_empty() && kind != ctx.info.kind {
        // Custom resources decode as unstructured objects of any kind; their validation then
        // refuses the wrong one.
        let name = map
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let errors = [ironkube_apimachinery::FieldError::invalid(
            "kind",
            kind.as_str(),
            format!("must be {}", ctx.info.kind),
        )];
        return Err(Box::new(Status::invalid(
            ctx.info.group,
            &kind,
            name,
            &errors,
        )));
    }
    if !kind.is_empty() && kind != ctx.info.kind {
        let version = api_version.rsplit('/').next().unwrap_or("");
        let body_version = if api_version.is_empty() {
            served.as_str()
        } else {
            api_version.as_str()
        };
        if let Some(err) =
            typed_decode::unknown_conversion(body_version, &kind, &served, ctx.info.kind)
        {
            return Err(Box::new(Status::bad_request(format!(
                "{kind} in version {} cannot be handled as a {}: {err}",
                ironkube_apimachinery::gocompat::quote(version),
                ctx.info.kind,
            ))));
        }
        return Err(Box::new(Status::bad_request(format!(
            "{kind} in version {} cannot be handled as a {}: no kind {} is registered for version {}",
            ironkube_apimachinery::gocompat::quote(version),
            ctx.info.kind,
            ironkube_apimachinery::gocompat::quote(&kind),
            ironkube_apimachinery::gocompat::quote(&api_version),
        ))));
    }
    if !api_version.is_empty() && api_version != served {
        return Err(Box::new(Status::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({served})"
        ))));
    }
    map.insert("apiVersion".into(), Value::String(served.clone()));
    map.insert("kind".into(), Value::String(ctx.info.kind.to_string()));
    if !map.get("metadata").is_some_and(Value::is_object) {
        if map.get("metadata").is_some_and(|m| !m.is_null()) {
            return Err(Box::new(Status::bad_request(format!(
                "{} in version {} cannot be handled as a {}: metadata must be an object",
                ctx.info.kind,
                ironkube_apimachinery::gocompat::quote(ctx.info.version),
                ctx.info.kind
            ))));
        }
        map.insert("metadata".into(), json!({}));
    }
    // Upstream decodes into the Go type: a value of the wrong JSON type is refused first.
    if let Some(err) = typed_decode::decode_error(&served, ctx.info.kind, &object) {
        return Err(type_error(ctx, &err));
    }
    if directive != fieldvalidation::Directive::Ignore {
        // The raw JSON keeps duplicate keys; YAML and protobuf bodies are checked as decoded.
        let json = match format {
            InputFormat::Json => bytes.to_vec(),
            _ => serde_json::to_vec(&object).unwrap_or_default(),
        };
        let problems = listed_problems.unwrap_or_else(|| {
            fieldvalidation::field_problems(ctx.info.group, ctx.info.version, ctx.info.kind, &json)
        });
        if !problems.is_empty() {
            if directive == fieldvalidation::Directive::Strict {
                return Err(Box::new(fieldvalidation::strict_error_for(
                    ctx.info.kind,
                    ctx.info.version,
                    &problems,
                )));
            }
            ctx.warn(fieldvalidation::warnings(&problems));
        }
    }
    // What upstream's typed decoding keeps: unknown fields are dropped.
    fieldvalidation::prune(ctx.info.group, ctx.info.version, ctx.info.kind, &mut object);
    crate::defaults::apply(ctx.info.group, ctx.info.version, ctx.info.kind, &mut object);
    Ok(object)
}

/// Upstream's 400 for a body with a value of the wrong type (`err` is Go's decoder error).
fn type_error(ctx: &Ctx, err: &str) -> Box<Status> {
    Box::new(Status::bad_request(format!(
        "{kind} in version {} cannot be handled as a {kind}: {err}",
        ironkube_apimachinery::gocompat::quote(ctx.info.version),
        kind = ctx.info.kind,
    )))
}

/// Upstream's `summarizeData`: `<empty>`, a JSON object's first 30 bytes, or any other body's
/// first 30 bytes in hex; ` ...` when cut.
fn summarize(body: &[u8]) -> String {
    const MAX: usize = 30;
    let head = &body[..body.len().min(MAX)];
    let mut out = match body.first() {
        None => return "<empty>".into(),
        Some(b'{') => String::from_utf8_lossy(head).into_owned(),
        Some(_) => head.iter().map(|b| format!("{b:02x}")).collect(),
    };
    if body.len() > MAX {
        out.push_str(" ...");
    }
    out
}
