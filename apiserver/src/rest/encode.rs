//! Responses of resource requests: an object, a list, a Table or partial object metadata, in
//! JSON or YAML, as upstream's `transformResponseObject` writes them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{BufMut, Bytes, BytesMut};
use ironkube_storage::object::Object;
use serde_json::{Value, json};

use super::negotiation::{Encoding, Output, Representation};
use crate::table;

/// `group/version` as an `apiVersion` (`v1` for the core group).
pub(crate) fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// How rows of a Table carry their object (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    /// No object.
    None,
    /// `PartialObjectMetadata` (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// From the query parameter (unknown values: the default, as upstream).
    pub(crate) fn parse(value: &str) -> Self {
        match value {
            "None" => Self::None,
            "Object" => Self::Object,
            _ => Self::Metadata,
        }
    }
}

/// What a response is about, for the forms that need it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape<'a> {
    /// The served group.
    pub(crate) group: &'a str,
    /// The served version.
    pub(crate) version: &'a str,
    /// The kind.
    pub(crate) kind: &'a str,
    /// The list kind.
    pub(crate) list_kind: &'a str,
    /// Rows' objects.
    pub(crate) include_object: IncludeObject,
    /// Indented JSON (`pretty=true` or a curl/wget user agent).
    pub(crate) pretty: bool,
    /// A custom resource's definition (its printer columns).
    pub(crate) custom: Option<&'a crate::crd::CustomResource>,
}

/// A body with its content type.
pub(crate) fn body_response(
    code: StatusCode,
    encoding: Encoding,
    json: Bytes,
    pretty: bool,
) -> Response {
    let (content_type, body) = match encoding {
        Encoding::Json if pretty => {
            let body = serde_json::from_slice::<Value>(&json)
                .ok()
                .and_then(|v| serde_json::to_vec_pretty(&v).ok())
                .map(|mut b| {
                    b.push(b'\n');
                    Bytes::from(b)
                })
                .unwrap_or(json);
            ("application/json", body)
        }
        Encoding::Json => ("application/json", json),
        Encoding::Yaml => {
            let yaml = serde_json::from_slice::<Value>(&json)
                .ok()
                .and_then(|v| serde_norway::to_string(&v).ok())
                .unwrap_or_default();
            ("application/yaml", Bytes::from(yaml))
        }
        Encoding::Protobuf => {
            let encoded = serde_json::from_slice::<Value>(&json)
                .map_err(|err| err.to_string())
                .and_then(|v| crate::protobuf::encode(&v).map_err(|err| err.to_string()));
            match encoded {
                Ok(bytes) => (crate::protobuf::PROTOBUF_MEDIA_TYPE, Bytes::from(bytes)),
                Err(err) => {
                    // The client accepts JSON too (every Kubernetes client does): better JSON
                    // than nothing.
                    tracing::warn!(error = %err, "encoding a response as protobuf failed; sending JSON");
                    ("application/json", json)
                }
            }
        }
    };
    (
        code,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// `PartialObjectMetadata` of an object.
pub(crate) fn partial_metadata(object: &Value, meta_version: &str) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": format!("meta.k8s.io/{meta_version}"),
        "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

/// The column definitions of a kind.
fn column_definitions(shape: &Shape<'_>) -> Value {
    if let Some(custom) = shape.custom {
        return Value::Array(table::custom::columns(custom));
    }
    Value::Array(
        table::columns(shape.group, shape.kind)
            .iter()
            .map(table::Column::to_json)
            .collect(),
    )
}

/// One Table row of `object` with the given cells.
fn table_row(shape: &Shape<'_>, object: &Value, cells: Vec<Value>, meta_version: &str) -> Value {
    let mut row = json!({ "cells": cells });
    match shape.include_object {
        // An empty RawExtension, which upstream writes as null.
        IncludeObject::None => row["object"] = Value::Null,
        IncludeObject::Metadata => row["object"] = partial_metadata(object, meta_version),
        IncludeObject::Object => row["object"] = object.clone(),
    }
    row
}

/// A Table of `objects` (in the printers' list order); `headers` false omits the column
/// definitions (watch events after the first).
pub(crate) fn table(
    shape: &Shape<'_>,
    meta_version: &str,
    objects: &[Value],
    list_meta: Value,
    headers: bool,
) -> Value {
    let now = time::OffsetDateTime::now_utc();
    let rows = match shape.custom {
        Some(custom) => objects
            .iter()
            .enumerate()
            .map(|(item, object)| table::ListRow {
                item,
                cells: table::custom::cells(custom, object, now),
                conditions: None,
            })
            .collect(),
        None => table::list_rows(shape.group, shape.version, shape.kind, objects, now),
    };
    let rows: Vec<Value> = rows
        .into_iter()
        .filter_map(|row| {
            let object = objects.get(row.item)?;
            let mut value = table_row(shape, object, row.cells, meta_version);
            if let Some(conditions) = row.conditions {
                value["conditions"] = conditions;
            }
            Some(value)
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{meta_version}"),
        "metadata": list_meta,
        "columnDefinitions": if headers { column_definitions(shape) } else { Value::Null },
        "rows": rows,
    })
}

/// A single object in the negotiated form; `object` is at the served version.
pub(crate) fn object_response(
    code: StatusCode,
    output: Output,
    shape: &Shape<'_>,
    object: &Value,
    cached_json: Option<Bytes>,
) -> Response {
    let json = match output.representation {
        Representation::Object => match cached_json {
            Some(json) => json,
            None => to_bytes(object),
        },
        Representation::PartialMetadata(v) => to_bytes(&partial_metadata(object, v)),
        Representation::Table(v) => {
            let rv = object
                .pointer("/metadata/resourceVersion")
                .cloned()
                .unwrap_or(Value::Null);
            let meta = if rv.is_null() {
                json!({})
            } else {
                json!({ "resourceVersion": rv })
            };
            to_bytes(&table(shape, v, std::slice::from_ref(object), meta, true))
        }
    };
    body_response(code, output.encoding, json, shape.pretty)
}

/// Serializes a value (never fails for JSON values).
pub(crate) fn to_bytes(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

/// A list's `metadata`.
pub(crate) fn list_meta(
    resource_version: i64,
    continue_token: Option<&str>,
    remaining: Option<i64>,
) -> Value {
    let mut meta = json!({ "resourceVersion": resource_version.to_string() });
    if let Some(token) = continue_token {
        meta["continue"] = json!(token);
    }
    if let Some(remaining) = remaining {
        meta["remainingItemCount"] = json!(remaining);
    }
    meta
}

/// One item of a list to write.
pub(crate) enum ListItem {
    /// The object as stored (no conversion needed): written from its cached encoding.
    Stored(Object),
    /// A converted object.
    Value(Value),
}

/// A list in the negotiated form. `items` are written without `kind` and `apiVersion`, as
/// upstream's typed lists; `values` gives each item's JSON for Tables and partial metadata.
pub(crate) fn list_response(
    output: Output,
    shape: &Shape<'_>,
    meta: Value,
    items: Vec<ListItem>,
) -> Response {
    let json = match output.representation {
        Representation::Object => {
            let mut out = BytesMut::with_capacity(
                128 + items
                    .iter()
                    .map(|i| match i {
                        ListItem::Stored(o) => o.item_json().len() + 1,
                        ListItem::Value(_) => 1024,
                    })
                    .sum::<usize>(),
            );
            out.put_slice(b"{\"kind\":");
            out.put_slice(&to_bytes(&json!(shape.list_kind)));
            out.put_slice(b",\"apiVersion\":");
            out.put_slice(&to_bytes(&json!(api_version(shape.group, shape.version))));
            out.put_slice(b",\"metadata\":");
            let mut meta = meta;
            if shape.custom.is_some()
                && let Some(meta) = meta.as_object_mut()
            {
                // An unstructured list's metadata always has `continue`.
                meta.entry("continue").or_insert_with(|| json!(""));
            }
            out.put_slice(&to_bytes(&meta));
            out.put_slice(b",\"items\":[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.put_u8(b',');
                }
                match item {
                    // Items of an unstructured list keep their apiVersion and kind.
                    ListItem::Stored(object) if shape.custom.is_some() => {
                        out.put_slice(&object.json())
                    }
                    ListItem::Value(value) if shape.custom.is_some() => {
                        out.put_slice(&to_bytes(value))
                    }
                    ListItem::Stored(object) => out.put_slice(&object.item_json()),
                    ListItem::Value(value) => {
                        let mut value = value.clone();
                        if let Some(map) = value.as_object_mut() {
                            map.remove("kind");
                            map.remove("apiVersion");
                        }
                        out.put_slice(&to_bytes(&value));
                    }
                }
            }
            out.put_slice(b"]}");
            out.freeze()
        }
        Representation::PartialMetadata(v) => {
            let items: Vec<Value> = items
                .iter()
                .map(|item| partial_metadata(item_value(item), v))
                .collect();
            to_bytes(&json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": format!("meta.k8s.io/{v}"),
                "metadata": meta,
                "items": items,
            }))
        }
        Representation::Table(v) => {
            let values: Vec<Value> = items.iter().map(|i| item_value(i).clone()).collect();
            to_bytes(&table(shape, v, &values, meta, true))
        }
    };
    body_response(StatusCode::OK, output.encoding, json, shape.pretty)
}

fn item_value(item: &ListItem) -> &Value {
    match item {
        ListItem::Value(value) => value,
        ListItem::Stored(object) => object.value(),
    }
}
