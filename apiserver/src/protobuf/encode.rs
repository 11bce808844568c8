//! JSON → protobuf: the bytes upstream writes after `json.Unmarshal` of the object into its Go type.
//! gogo's generated marshallers write fields in ascending number order; every non-pointer field
//! is written even when zero (a nested struct as an empty message), pointers only when set, lists
//! element by element and maps in sorted key order. JSON `null` leaves a Go field at its zero value
//! (nil for pointers, lists and maps), which is what absence means too.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::decode::wire_type;
use super::gotime;
use super::schema::{Custom, FieldType, Label, MessageId, MessageKind, ProtoField, Scalar, Schema};
use super::wire::{LENGTH_DELIMITED, put_bytes, put_tag, put_varint, put_varint_field};
use super::{Fault, MAGIC, MAX_DEPTH, ProtobufError};
use ironkube_apimachinery::quantity;

/// The message whose `object` field carries a whole protobuf body rather than JSON.
const WATCH_EVENT: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent";

/// Encodes JSON values of one schema.
pub(super) struct Encoder<'s> {
    pub(super) schema: &'s Schema,
}

impl Encoder<'_> {
    /// A full body: the prefix, then `runtime.Unknown` around the object's message.
    pub(super) fn envelope(&self, object: &Value, depth: usize) -> Result<Vec<u8>, Fault> {
        let Value::Object(fields) = object else {
            return Err(Fault::new("expected a JSON object"));
        };
        let text = |name: &str| match fields.get(name) {
            Some(Value::String(text)) if !text.is_empty() => Ok(text.as_str()),
            _ => Err(Fault::new(format!("{name} must be a non-empty string")).at(name)),
        };
        let api_version = text("apiVersion")?;
        let kind = text("kind")?;
        let id = self.schema.kind(api_version, kind).ok_or_else(|| {
            Fault::of(ProtobufError::UnknownKind {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
            })
        })?;
        let raw = self.message(id, Some(object), depth)?;
        let mut type_meta = Vec::new();
        put_bytes(&mut type_meta, 1, api_version.as_bytes());
        put_bytes(&mut type_meta, 2, kind.as_bytes());
        let mut out = Vec::with_capacity(MAGIC.len() + raw.len() + type_meta.len() + 16);
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, 1, &type_meta);
        put_bytes(&mut out, 2, &raw);
        put_bytes(&mut out, 3, b"");
        put_bytes(&mut out, 4, b"");
        Ok(out)
    }

    /// A bare `metav1.WatchEvent` message.
    pub(super) fn watch_event(&self, event: &Value) -> Result<Vec<u8>, Fault> {
        let id = self
            .schema
            .by_name(WATCH_EVENT)
            .ok_or_else(|| Fault::of(ProtobufError::Schema("no WatchEvent message".to_owned())))?;
        self.message(id, Some(event), 0)
    }

    /// Message `id`'s bytes for a JSON value; `None` or `null` is the Go zero value.
    fn message(&self, id: MessageId, json: Option<&Value>, depth: usize) -> Result<Vec<u8>, Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::new(format!(
                "objects nested deeper than {MAX_DEPTH}"
            )));
        }
        let json = json.filter(|value| !value.is_null());
        let message = &self.schema.messages[id];
        let mut out = Vec::new();
        match message.kind {
            MessageKind::Struct => {
                let object = match json {
                    None => None,
                    Some(Value::Object(object)) => Some(object),
                    Some(other) => return Err(type_error("an object", other)),
                };
                self.object(id, object, depth, &mut out)?;
            }
            MessageKind::List => {
                let items = message.proto_fields.get(&1).copied().ok_or_else(|| {
                    Fault::new(format!("list message {} has no field 1", message.name))
                })?;
                self.repeated(items, json, depth, &mut out)?;
            }
            MessageKind::Custom(custom) => self.custom(id, custom, json, depth, &mut out)?,
        }
        Ok(out)
    }

    fn object(
        &self,
        id: MessageId,
        object: Option<&Map<String, Value>>,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fault> {
        let message = &self.schema.messages[id];
        for &index in &message.encode_order {
            let field = &message.json_fields[index];
            let Some(proto) = field.proto else { continue };
            let result = if field.inline {
                // An embedded struct reads its fields from the same JSON object.
                match proto.ty {
                    FieldType::Message(inner) => {
                        if field.pointer && object.is_none() {
                            Ok(())
                        } else {
                            let mut nested = Vec::new();
                            self.object(inner, object, depth + 1, &mut nested)
                                .map(|()| put_bytes(out, proto.number, &nested))
                        }
                    }
                    FieldType::Scalar(_) => Err(Fault::new("inlined field is not a message")),
                }
            } else {
                let value = object
                    .and_then(|fields| fields.get(&field.name))
                    .filter(|value| !value.is_null());
                if message.name == WATCH_EVENT && proto.number == 2 {
                    self.watch_object(value, depth, out)
                } else {
                    self.field(proto, field.pointer, value, depth, out)
                }
            };
            result.map_err(|fault| {
                if field.inline {
                    fault
                } else {
                    fault.at(&field.name)
                }
            })?;
        }
        Ok(())
    }

    fn field(
        &self,
        proto: ProtoField,
        pointer: bool,
        value: Option<&Value>,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fault> {
        match proto.label {
            Label::Map(key) => {
                let Some(value) = value else { return Ok(()) };
                let Value::Object(entries) = value else {
                    return Err(type_error("an object", value));
                };
                let mut sorted = Vec::with_capacity(entries.len());
                for (text, item) in entries {
                    sorted.push((
                        map_key(text, key).map_err(|f| f.at(&format!("[{text}]")))?,
                        text,
                        item,
                    ));
                }
                // gogo sorts string keys as strings and numeric keys as numbers.
                sorted.sort_by(|a, b| match (&a.0, &b.0) {
                    (Value::Number(x), Value::Number(y)) => {
                        let as_i128 = |n: &serde_json::Number| {
                            n.as_i64()
                                .map(i128::from)
                                .or_else(|| n.as_u64().map(i128::from))
                        };
                        as_i128(x).cmp(&as_i128(y))
                    }
                    _ => a.1.cmp(b.1),
                });
                for (key_value, text, item) in sorted {
                    let at = |fault: Fault| fault.at(&format!("[{text}]"));
                    let mut entry = Vec::new();
                    write_scalar(1, key, Some(&key_value), &mut entry).map_err(at)?;
                    let item = Some(item).filter(|item| !item.is_null());
                    match proto.ty {
                        FieldType::Scalar(Scalar::Bytes) => {
                            if let Some(item) = item {
                                put_bytes(&mut entry, 2, &base64_bytes(item).map_err(at)?);
                            }
                        }
                        FieldType::Scalar(scalar) => {
                            write_scalar(2, scalar, item, &mut entry).map_err(at)?
                        }
                        FieldType::Message(id) => {
                            let bytes = self.message(id, item, depth + 1).map_err(at)?;
                            put_bytes(&mut entry, 2, &bytes);
                        }
                    }
                    put_bytes(out, proto.number, &entry);
                }
                Ok(())
            }
            Label::Repeated => self.repeated(proto, value, depth, out),
            Label::Single => match proto.ty {
                FieldType::Scalar(Scalar::Bytes) => {
                    if let Some(value) = value {
                        put_bytes(out, proto.number, &base64_bytes(value)?);
                    }
                    Ok(())
                }
                FieldType::Scalar(scalar) => {
                    if pointer && value.is_none() {
                        return Ok(());
                    }
                    write_scalar(proto.number, scalar, value, out)
                }
                FieldType::Message(id) => {
                    if pointer && value.is_none() {
                        return Ok(());
                    }
                    let bytes = self.message(id, value, depth + 1)?;
                    put_bytes(out, proto.number, &bytes);
                    Ok(())
                }
            },
        }
    }

    fn repeated(
        &self,
        proto: ProtoField,
        value: Option<&Value>,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fault> {
        let Some(value) = value.filter(|value| !value.is_null()) else {
            return Ok(());
        };
        let Value::Array(items) = value else {
            return Err(type_error("an array", value));
        };
        if items.is_empty() {
            return Ok(());
        }
        match proto.ty {
            FieldType::Scalar(scalar) if proto.packed && wire_type(scalar) != LENGTH_DELIMITED => {
                let mut packed = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    write_scalar_value(scalar, Some(item).filter(|i| !i.is_null()), &mut packed)
                        .map_err(|f| f.at(&format!("[{index}]")))?;
                }
                put_bytes(out, proto.number, &packed);
            }
            FieldType::Scalar(Scalar::Bytes) => {
                for (index, item) in items.iter().enumerate() {
                    let bytes = match item {
                        Value::Null => Vec::new(),
                        item => base64_bytes(item).map_err(|f| f.at(&format!("[{index}]")))?,
                    };
                    put_bytes(out, proto.number, &bytes);
                }
            }
            FieldType::Scalar(scalar) => {
                for (index, item) in items.iter().enumerate() {
                    write_scalar(
                        proto.number,
                        scalar,
                        Some(item).filter(|i| !i.is_null()),
                        out,
                    )
                    .map_err(|f| f.at(&format!("[{index}]")))?;
                }
            }
            FieldType::Message(id) => {
                for (index, item) in items.iter().enumerate() {
                    let bytes = self
                        .message(id, Some(item), depth + 1)
                        .map_err(|f| f.at(&format!("[{index}]")))?;
                    put_bytes(out, proto.number, &bytes);
                }
            }
        }
        Ok(())
    }

    /// A watch event's object: a whole protobuf body when it is a kind, as the API server's watch
    /// encoder writes it; otherwise embedded JSON.
    fn watch_object(
        &self,
        value: Option<&Value>,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fault> {
        let mut extension = Vec::new();
        match value {
            None => {}
            Some(object @ Value::Object(fields)) if fields.contains_key("kind") => {
                put_bytes(&mut extension, 1, &self.envelope(object, depth + 1)?);
            }
            Some(other) => put_bytes(&mut extension, 1, &json_bytes(other)?),
        }
        put_bytes(out, 2, &extension);
        Ok(())
    }

    fn custom(
        &self,
        id: MessageId,
        custom: Custom,
        json: Option<&Value>,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fault> {
        match custom {
            Custom::Time | Custom::MicroTime => {
                let Some(value) = json else { return Ok(()) };
                let Value::String(text) = value else {
                    return Err(type_error("a time string", value));
                };
                let (seconds, nanos) = gotime::parse_rfc3339(text)
                    .ok_or_else(|| Fault::new(format!("invalid time {text:?}")))?;
                if seconds == gotime::ZERO_TIME_UNIX && nanos == 0 {
                    return Ok(());
                }
                // metav1.Time writes whole seconds; MicroTime microseconds.
                let nanos = if custom == Custom::MicroTime {
                    nanos / 1000 * 1000
                } else {
                    0
                };
                put_varint_field(out, 1, seconds as u64);
                put_varint_field(out, 2, u64::from(nanos));
            }
            Custom::Duration => {
                let nanos = match json {
                    None => 0,
                    Some(Value::String(text)) => ironkube_apimachinery::goduration::parse(text)
                        .ok_or_else(|| Fault::new(format!("invalid duration {text:?}")))?,
                    Some(other) => return Err(type_error("a duration string", other)),
                };
                put_varint_field(out, 1, nanos as u64);
            }
            Custom::Quantity => {
                let text = match json {
                    None => "0".to_owned(),
                    Some(Value::String(text)) => text.trim().to_owned(),
                    Some(Value::Number(number)) => number.to_string(),
                    Some(other) => return Err(type_error("a quantity", other)),
                };
                let canonical = quantity::canonical(&text)
                    .map_err(|error| Fault::new(format!("quantity {text:?}: {error}")))?;
                put_bytes(out, 1, canonical.as_bytes());
            }
            Custom::IntOrString => {
                let (kind, int, text) = match json {
                    None => (0, 0, ""),
                    Some(Value::String(text)) => (1, 0, text.as_str()),
                    Some(value @ Value::Number(number)) => {
                        let int = number
                            .as_i64()
                            .and_then(|int| i32::try_from(int).ok())
                            .ok_or_else(|| type_error("a 32-bit integer or a string", value))?;
                        (0, int, "")
                    }
                    Some(other) => return Err(type_error("an integer or a string", other)),
                };
                put_varint_field(out, 1, kind);
                put_varint_field(out, 2, i64::from(int) as u64);
                put_bytes(out, 3, text.as_bytes());
            }
            Custom::RawExtension | Custom::FieldsV1 | Custom::Json => {
                if let Some(value) = json {
                    put_bytes(out, 1, &json_bytes(value)?);
                }
            }
            Custom::SchemaOrArray => match json {
                Some(schema @ Value::Object(_)) => self.schema_field(id, 1, schema, depth, out)?,
                Some(Value::Array(schemas)) => {
                    for (index, schema) in schemas.iter().enumerate() {
                        self.schema_field(id, 2, schema, depth, out)
                            .map_err(|f| f.at(&format!("[{index}]")))?;
                    }
                }
                _ => {}
            },
            Custom::SchemaOrBool => match json {
                Some(schema @ Value::Object(_)) => {
                    put_varint_field(out, 1, 1);
                    self.schema_field(id, 2, schema, depth, out)?;
                }
                Some(Value::Bool(allows)) => put_varint_field(out, 1, u64::from(*allows)),
                None => put_varint_field(out, 1, 0),
                Some(other) => return Err(type_error("a boolean or a schema", other)),
            },
            Custom::SchemaOrStringArray => match json {
                Some(schema @ Value::Object(_)) => self.schema_field(id, 1, schema, depth, out)?,
                Some(Value::Array(items)) => {
                    for (index, item) in items.iter().enumerate() {
                        write_scalar(2, Scalar::String, Some(item).filter(|i| !i.is_null()), out)
                            .map_err(|f| f.at(&format!("[{index}]")))?;
                    }
                }
                _ => {}
            },
        }
        Ok(())
    }

    /// Writes a JSONSchemaProps into field `number` of a JSONSchemaPropsOr… message.
    fn schema_field(
        &self,
        id: MessageId,
        number: u32,
        schema: &Value,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fault> {
        let Some(FieldType::Message(props)) = self.schema.messages[id]
            .proto_fields
            .get(&number)
            .map(|f| f.ty)
        else {
            return Err(Fault::new("schema field is not a message"));
        };
        let bytes = self.message(props, Some(schema), depth + 1)?;
        put_bytes(out, number, &bytes);
        Ok(())
    }
}

fn type_error(expected: &str, got: &Value) -> Fault {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Fault::new(format!("expected {expected}, got {got}"))
}

/// Embedded JSON's bytes (compact, as Go's encoder writes the JSON it was given).
fn json_bytes(value: &Value) -> Result<Vec<u8>, Fault> {
    serde_json::to_vec(value).map_err(|error| Fault::new(error.to_string()))
}

fn base64_bytes(value: &Value) -> Result<Vec<u8>, Fault> {
    let Value::String(text) = value else {
        return Err(type_error("a base64 string", value));
    };
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|error| Fault::new(format!("invalid base64: {error}")))
}

/// A JSON object key as the value of the map's key type (JSON writes numeric keys as strings).
fn map_key(text: &str, key: Scalar) -> Result<Value, Fault> {
    match key {
        Scalar::String => Ok(Value::String(text.to_owned())),
        Scalar::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(Fault::new(format!("map key {text:?} is not a boolean"))),
        },
        _ => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .map_err(|_| Fault::new(format!("map key {text:?} is not an integer"))),
    }
}

/// Writes a scalar field, the zero value when `value` is `None`.
fn write_scalar(
    number: u32,
    scalar: Scalar,
    value: Option<&Value>,
    out: &mut Vec<u8>,
) -> Result<(), Fault> {
    put_tag(out, number, wire_type(scalar));
    write_scalar_value(scalar, value, out)
}

/// Writes a scalar's value without a tag.
fn write_scalar_value(
    scalar: Scalar,
    value: Option<&Value>,
    out: &mut Vec<u8>,
) -> Result<(), Fault> {
    let integer =
        |value: Option<&Value>, min: i128, max: i128, what: &str| -> Result<i128, Fault> {
            let Some(value) = value else { return Ok(0) };
            let number = match value {
                Value::Number(number) => number
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| number.as_u64().map(i128::from)),
                _ => None,
            };
            number
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| type_error(what, value))
        };
    // The `as` conversions below are the wire format's own two's complement and zigzag forms.
    match scalar {
        Scalar::String | Scalar::Bytes => {
            let bytes = match value {
                None => Vec::new(),
                Some(Value::String(text)) if scalar == Scalar::String => text.as_bytes().to_vec(),
                Some(value) if scalar == Scalar::Bytes => base64_bytes(value)?,
                Some(other) => return Err(type_error("a string", other)),
            };
            put_varint(out, bytes.len() as u64);
            out.extend_from_slice(&bytes);
        }
        Scalar::Bool => {
            let flag = match value {
                None => false,
                Some(Value::Bool(flag)) => *flag,
                Some(other) => return Err(type_error("a boolean", other)),
            };
            put_varint(out, u64::from(flag));
        }
        Scalar::Int32 => put_varint(
            out,
            integer(value, i32::MIN.into(), i32::MAX.into(), "a 32-bit integer")? as i64 as u64,
        ),
        Scalar::Int64 => put_varint(
            out,
            integer(value, i64::MIN.into(), i64::MAX.into(), "a 64-bit integer")? as i64 as u64,
        ),
        Scalar::Uint32 => put_varint(
            out,
            integer(value, 0, u32::MAX.into(), "an unsigned 32-bit integer")? as u64,
        ),
        Scalar::Uint64 => put_varint(
            out,
            integer(value, 0, u64::MAX.into(), "an unsigned 64-bit integer")? as u64,
        ),
        Scalar::Sint32 => {
            let n = integer(value, i32::MIN.into(), i32::MAX.into(), "a 32-bit integer")? as i32;
            put_varint(out, ((n << 1) ^ (n >> 31)) as u32 as u64);
        }
        Scalar::Sint64 => {
            let n = integer(value, i64::MIN.into(), i64::MAX.into(), "a 64-bit integer")? as i64;
            put_varint(out, ((n << 1) ^ (n >> 63)) as u64);
        }
        Scalar::Fixed32 => {
            let n = integer(value, 0, u32::MAX.into(), "an unsigned 32-bit integer")? as u32;
            out.extend_from_slice(&n.to_le_bytes());
        }
        Scalar::Sfixed32 => {
            let n = integer(value, i32::MIN.into(), i32::MAX.into(), "a 32-bit integer")? as i32;
            out.extend_from_slice(&n.to_le_bytes());
        }
        Scalar::Fixed64 => {
            let n = integer(value, 0, u64::MAX.into(), "an unsigned 64-bit integer")? as u64;
            out.extend_from_slice(&n.to_le_bytes());
        }
        Scalar::Sfixed64 => {
            let n = integer(value, i64::MIN.into(), i64::MAX.into(), "a 64-bit integer")? as i64;
            out.extend_from_slice(&n.to_le_bytes());
        }
        Scalar::Double | Scalar::Float => {
            let float = match value {
                None => 0.0,
                Some(Value::Number(number)) => number
                    .as_f64()
                    .ok_or_else(|| Fault::new("number out of range"))?,
                Some(other) => return Err(type_error("a number", other)),
            };
            if scalar == Scalar::Double {
                out.extend_from_slice(&float.to_bits().to_le_bytes());
            } else {
                out.extend_from_slice(&(float as f32).to_bits().to_le_bytes());
            }
        }
    }
    Ok(())
}
