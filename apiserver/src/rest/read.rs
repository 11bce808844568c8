//! Reads: get and list (upstream's `GetResource` and `ListResource`).

use super::encode::{self, IncludeObject, ListItem, Shape};
use super::negotiation::{Endpoint, negotiate_output};
use super::options::ListParams;
use super::{Ctx, Reply};
use axum::http::StatusCode;

/// The shape of responses for this request.
pub(super) fn shape(ctx: &Ctx) -> Shape<'_> {
    Shape {
        group: ctx.info.group,
        version: ctx.info.version,
        kind: ctx.info.kind,
        list_kind: ctx.info.list_kind.unwrap_or(""),
        include_object: IncludeObject::parse(ctx.query.string("includeObject")),
        pretty: ctx.pretty,
        custom: ctx.info.custom.as_deref(),
    }
}

/// `GET …/{name}` (and `…/{name}/status`).
pub(super) async fn get(ctx: Ctx) -> Reply {
    let output = negotiate_output(&ctx.headers, Endpoint::Object)?;
    let rv = ctx.query.get("resourceVersion").filter(|rv| !rv.is_empty());
    let object = ctx
        .storage
        .cache
        .get(ctx.ns(), &ctx.name, rv)
        .await
        .map_err(|err| ctx.storage_status(&err, "get"))?;
    let cached = (!ctx.converts()).then(|| object.json());
    let value = ctx.to_served(&object)?;
    Ok(encode::object_response(
        StatusCode::OK,
        output,
        &shape(&ctx),
        &value,
        cached,
    ))
}

/// `GET` of a collection.
pub(super) async fn list(ctx: Ctx) -> Reply {
    let output = negotiate_output(&ctx.headers, Endpoint::List)?;
    let params = ListParams::parse(&ctx.query, &ctx.info, false)?;
    let list = ctx
        .storage
        .cache
        .list(ctx.ns(), &params.list_options())
        .await
        .map_err(|err| ctx.storage_status(&err, "list"))?;
    let converts = ctx.converts();
    let mut items = Vec::with_capacity(list.items.len());
    for object in list.items {
        if converts {
            items.push(ListItem::Value(ctx.to_served(&object)?));
        } else {
            items.push(ListItem::Stored(object));
        }
    }
    let meta = encode::list_meta(
        list.resource_version,
        list.continue_token.as_deref(),
        list.remaining_item_count,
    );
    Ok(encode::list_response(output, &shape(&ctx), meta, items))
}
