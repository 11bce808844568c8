//! Watches (upstream's `ListResource` with `watch=true` and `serveWatch`): a chunked stream of
//! `{"type":…,"object":…}` lines, one per event, until `timeoutSeconds` (default: upstream's
//! 30–60 minutes), the client leaving, an in-band ERROR, or server shutdown.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use ironkube_storage::object::WatchEvent;
use serde_json::{Value, json};

use super::encode::{self, Shape};
use super::negotiation::{Encoding, Endpoint, Representation, negotiate_output};
use super::options::ListParams;
use super::read::shape;
use super::{Ctx, Reply};

/// Upstream's `--min-request-timeout` (1800 s): watches without `timeoutSeconds` last between
/// one and two times this.
const MIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(1800);

/// `GET …?watch=true` and `GET …/watch/…`.
pub(super) async fn watch(ctx: Ctx) -> Reply {
    let output = negotiate_output(&ctx.headers, Endpoint::Stream)?;
    let params = ListParams::parse(&ctx.query, &ctx.info, true)?;
    let timeout = match params.timeout_seconds {
        Some(seconds) if seconds > 0 => Duration::from_secs(seconds.unsigned_abs()),
        _ => MIN_REQUEST_TIMEOUT.mul_f64(1.0 + fastrand::f64()),
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let name = (!ctx.name.is_empty()).then(|| ctx.name.clone());
    let events = ctx
        .storage
        .cache
        .watch(ctx.ns(), params.watch_options(name), Some(deadline))
        .await
        .map_err(|err| ctx.storage_status(&err, "watch"))?;
    let mut shutdown = ctx.state.shutdown.subscribe();
    let stop = async move {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => {}
            _ = shutdown.wait_for(|down| *down) => {}
        }
    };
    let mut encoder = EventEncoder {
        ctx,
        representation: output.representation,
        protobuf: output.encoding == Encoding::Protobuf,
        headers_sent: false,
    };
    let stream = events
        .take_until(stop)
        .map(move |event| Ok::<Bytes, Infallible>(encoder.encode(&event)));
    let content_type = match output.encoding {
        // YAML has no framing for watch events: JSON lines instead.
        Encoding::Json | Encoding::Yaml => "application/json",
        Encoding::Protobuf => "application/vnd.kubernetes.protobuf;stream=watch",
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache, private"),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Turns watch events into lines, converting objects to the served version and form.
struct EventEncoder {
    ctx: Ctx,
    representation: Representation,
    /// Length-framed protobuf `WatchEvent`s instead of JSON lines.
    protobuf: bool,
    /// Tables carry their column definitions on the first event only.
    headers_sent: bool,
}

impl EventEncoder {
    fn encode(&mut self, event: &WatchEvent) -> Bytes {
        let object = match event {
            WatchEvent::Error(err) => {
                let status = self.ctx.storage_status(err, "watch");
                serde_json::to_vec(&status)
                    .map(Bytes::from)
                    .unwrap_or_default()
            }
            WatchEvent::Bookmark(object) => {
                let mut value = object.value().clone();
                value["kind"] = json!(self.ctx.info.kind);
                value["apiVersion"] = json!(self.ctx.api_version());
                match self.representation {
                    Representation::Table(v) => {
                        let shape = shape(&self.ctx);
                        let meta = value.get("metadata").cloned().unwrap_or_else(|| json!({}));
                        encode::to_bytes(&encode::table(&shape, v, &[], meta, false))
                    }
                    Representation::PartialMetadata(v) => {
                        encode::to_bytes(&encode::partial_metadata(&value, v))
                    }
                    Representation::Object => encode::to_bytes(&value),
                }
            }
            WatchEvent::Added(object)
            | WatchEvent::Modified(object)
            | WatchEvent::Deleted(object) => match (self.representation, self.ctx.converts()) {
                (Representation::Object, false) => object.json(),
                _ => match self.ctx.to_served(object) {
                    Ok(value) => self.represent(&value),
                    Err(status) => {
                        return line(
                            "ERROR",
                            &serde_json::to_vec(&status)
                                .map(Bytes::from)
                                .unwrap_or_default(),
                        );
                    }
                },
            },
        };
        if self.protobuf {
            return protobuf_frame(event.type_name(), &object);
        }
        line(event.type_name(), &object)
    }

    fn represent(&mut self, value: &Value) -> Bytes {
        match self.representation {
            Representation::Object => encode::to_bytes(value),
            Representation::PartialMetadata(v) => {
                encode::to_bytes(&encode::partial_metadata(value, v))
            }
            Representation::Table(v) => {
                let shape: Shape<'_> = shape(&self.ctx);
                let rv = value
                    .pointer("/metadata/resourceVersion")
                    .cloned()
                    .unwrap_or(Value::Null);
                let table = encode::table(
                    &shape,
                    v,
                    std::slice::from_ref(value),
                    json!({ "resourceVersion": rv }),
                    !self.headers_sent,
                );
                self.headers_sent = true;
                encode::to_bytes(&table)
            }
        }
    }
}

/// One event line: `{"type":"ADDED","object":{…}}\n`.
fn line(event_type: &str, object: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(object.len() + 32);
    out.put_slice(b"{\"type\":\"");
    out.put_slice(event_type.as_bytes());
    out.put_slice(b"\",\"object\":");
    out.put_slice(object);
    out.put_slice(b"}\n");
    out.freeze()
}

/// One event of a protobuf watch stream: the `WatchEvent` message behind its 4-byte big-endian
/// length. An object that cannot be encoded becomes an ERROR event with a 500 Status.
fn protobuf_frame(event_type: &str, object: &[u8]) -> Bytes {
    let object: Value = serde_json::from_slice(object).unwrap_or(Value::Null);
    let message =
        crate::protobuf::encode_watch_event(&json!({ "type": event_type, "object": object }))
            .or_else(|err| {
                let status = ironkube_apimachinery::Status::internal_error(&err.to_string());
                let status = serde_json::to_value(&status).unwrap_or(Value::Null);
                crate::protobuf::encode_watch_event(&json!({ "type": "ERROR", "object": status }))
            })
            .unwrap_or_default();
    let mut out = BytesMut::with_capacity(message.len() + 4);
    out.put_u32(u32::try_from(message.len()).unwrap_or(u32::MAX));
    out.put_slice(&message);
    out.freeze()
}
