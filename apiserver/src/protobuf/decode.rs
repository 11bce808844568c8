//! Protobuf → JSON: what upstream gets by unmarshalling the bytes into its Go type (gogo's generated
//! code) and then calling `json.Marshal` on it. Three Go facts drive most of this:
//! - gogo writes every non-pointer field, zero or not, and leaves nil pointers, empty lists and
//!   empty maps out; so absence means "nil" for pointers, lists and maps and "zero" otherwise;
//! - encoding/json then drops `omitempty` fields whose value is false, 0, "", nil or empty, but never
//!   a non-pointer struct, and writes `null` for nil lists and maps without `omitempty`;
//! - a handful of types have their own MarshalJSON ([`Custom`]).

use std::borrow::Cow;
use std::collections::HashMap;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::gotime;
use super::schema::{
    Custom, FieldType, JsonField, Label, MessageId, MessageKind, ProtoField, Scalar, Schema,
};
use super::wire::{FIXED32, FIXED64, LENGTH_DELIMITED, Raw, Reader, VARINT};
use super::{Fault, MAGIC, MAX_DEPTH};
use ironkube_apimachinery::quantity;

/// Decodes messages of one schema.
pub(super) struct Decoder<'s> {
    pub(super) schema: &'s Schema,
}

/// A field's JSON with what encoding/json's `omitempty` and `omitzero` would make of the Go value.
struct FieldValue {
    json: Value,
    /// false, 0, "", nil, or a list, map or string of length 0.
    empty: bool,
    /// The Go zero value (or, for a type with IsZero, what IsZero says).
    zero: bool,
}

impl FieldValue {
    fn nil() -> FieldValue {
        FieldValue {
            json: Value::Null,
            empty: true,
            zero: true,
        }
    }
}

impl Decoder<'_> {
    /// The JSON Go writes for message `id` decoded from `bytes`.
    pub(super) fn message(
        &self,
        id: MessageId,
        bytes: &[u8],
        depth: usize,
    ) -> Result<Value, Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::new(format!(
                "messages nested deeper than {MAX_DEPTH}"
            )));
        }
        let message = &self.schema.messages[id];
        match message.kind {
            MessageKind::Struct => Ok(Value::Object(self.object(id, bytes, depth)?)),
            MessageKind::List => {
                let fields = self.collect(id, bytes)?;
                let items = message.proto_fields.get(&1).copied().ok_or_else(|| {
                    Fault::new(format!("list message {} has no field 1", message.name))
                })?;
                Ok(self
                    .repeated(items, fields.get(&1).map_or(&[][..], Vec::as_slice), depth)?
                    .json)
            }
            MessageKind::Custom(custom) => self.custom(id, custom, bytes, depth),
        }
    }

    /// Reads a message's fields, grouped by number, keeping only numbers the descriptor declares (Go
    /// skips the others).
    fn collect<'a>(
        &self,
        id: MessageId,
        bytes: &'a [u8],
    ) -> Result<HashMap<u32, Vec<Raw<'a>>>, Fault> {
        let message = &self.schema.messages[id];
        let mut fields: HashMap<u32, Vec<Raw<'a>>> = HashMap::new();
        let mut reader = Reader::new(bytes);
        while let Some((number, raw)) =
            reader.next_field().map_err(|e| Fault::new(e.to_string()))?
        {
            if message.proto_fields.contains_key(&number) {
                fields.entry(number).or_default().push(raw);
            }
        }
        Ok(fields)
    }

    /// A Go struct's JSON object.
    fn object(
        &self,
        id: MessageId,
        bytes: &[u8],
        depth: usize,
    ) -> Result<Map<String, Value>, Fault> {
        let message = &self.schema.messages[id];
        let fields = self.collect(id, bytes)?;
        let mut object = Map::new();
        for field in &message.json_fields {
            let Some(proto) = field.proto else {
                // Not carried by protobuf (TypeMeta's kind and apiVersion): Go has the zero value.
                if !field.omit_empty && !field.omit_zero {
                    object.insert(field.name.clone(), field.zero.clone());
                }
                continue;
            };
            let raws = fields.get(&proto.number).map_or(&[][..], Vec::as_slice);
            if field.inline {
                if field.pointer && raws.is_empty() {
                    continue;
                }
                let FieldType::Message(inner) = proto.ty else {
                    return Err(Fault::new("inlined field is not a message").at(&field.name));
                };
                let bytes = concatenated(raws).map_err(|fault| fault.at(&field.name))?;
                // Go prefers the outer struct's own field when names collide.
                for (key, value) in self.object(inner, &bytes, depth + 1)? {
                    object.entry(key).or_insert(value);
                }
                continue;
            }
            let value = self
                .field(field, proto, raws, depth)
                .map_err(|fault| fault.at(&field.name))?;
            if (field.omit_empty && value.empty) || (field.omit_zero && value.zero) {
                continue;
            }
            object.insert(field.name.clone(), value.json);
        }
        Ok(object)
    }

    fn field(
        &self,
        field: &JsonField,
        proto: ProtoField,
        raws: &[Raw<'_>],
        depth: usize,
    ) -> Result<FieldValue, Fault> {
        match proto.label {
            Label::Map(key) => self.map(key, proto.ty, raws, depth),
            Label::Repeated => self.repeated(proto, raws, depth),
            Label::Single => match proto.ty {
                FieldType::Scalar(Scalar::Bytes) => match raws.last() {
                    None => Ok(FieldValue::nil()),
                    Some(raw) => {
                        let bytes = expect_bytes(*raw)?;
                        Ok(FieldValue {
                            json: base64_json(bytes),
                            empty: bytes.is_empty(),
                            zero: false,
                        })
                    }
                },
                FieldType::Scalar(scalar) => match raws.last() {
                    None if field.pointer => Ok(FieldValue::nil()),
                    None => Ok(FieldValue {
                        json: zero_scalar(scalar),
                        empty: true,
                        zero: true,
                    }),
                    Some(raw) => {
                        let json = scalar_json(scalar, *raw)?;
                        let zero = !field.pointer && json == zero_scalar(scalar);
                        Ok(FieldValue {
                            json,
                            empty: zero,
                            zero,
                        })
                    }
                },
                FieldType::Message(id) => {
                    if raws.is_empty() && field.pointer {
                        return Ok(FieldValue::nil());
                    }
                    let bytes = concatenated(raws)?;
                    let json = self.message(id, &bytes, depth + 1)?;
                    // Only a named slice type can be empty; a struct never is to omitempty.
                    let empty = !field.pointer
                        && self.schema.messages[id].kind == MessageKind::List
                        && json.is_null();
                    let zero = field.omit_zero
                        && (raws.is_empty() || json == self.message(id, &[], depth + 1)?);
                    Ok(FieldValue { json, empty, zero })
                }
            },
        }
    }

    fn repeated(
        &self,
        proto: ProtoField,
        raws: &[Raw<'_>],
        depth: usize,
    ) -> Result<FieldValue, Fault> {
        let mut items = Vec::new();
        for raw in raws {
            match (proto.ty, *raw) {
                (FieldType::Message(id), raw) => {
                    let bytes =
                        expect_bytes(raw).map_err(|f| f.at(&format!("[{}]", items.len())))?;
                    let item = self
                        .message(id, bytes, depth + 1)
                        .map_err(|f| f.at(&format!("[{}]", items.len())))?;
                    items.push(item);
                }
                (FieldType::Scalar(scalar @ (Scalar::String | Scalar::Bytes)), raw) => {
                    items.push(scalar_json(scalar, raw)?);
                }
                // A packed list of numbers or booleans: one length-delimited run of values.
                (FieldType::Scalar(scalar), Raw::Bytes(packed)) => {
                    let mut reader = Reader::new(packed);
                    while !reader.is_empty() {
                        let raw = match wire_type(scalar) {
                            VARINT => {
                                Raw::Varint(reader.varint().map_err(|e| Fault::new(e.to_string()))?)
                            }
                            FIXED64 => Raw::Fixed64(u64::from_le_bytes(
                                reader
                                    .take_array::<8>()
                                    .map_err(|e| Fault::new(e.to_string()))?,
                            )),
                            _ => Raw::Fixed32(u32::from_le_bytes(
                                reader
                                    .take_array::<4>()
                                    .map_err(|e| Fault::new(e.to_string()))?,
                            )),
                        };
                        items.push(scalar_json(scalar, raw)?);
                    }
                }
                (FieldType::Scalar(scalar), raw) => items.push(scalar_json(scalar, raw)?),
            }
        }
        if items.is_empty() {
            return Ok(FieldValue::nil());
        }
        Ok(FieldValue {
            json: Value::Array(items),
            empty: false,
            zero: false,
        })
    }

    fn map(
        &self,
        key: Scalar,
        value_type: FieldType,
        raws: &[Raw<'_>],
        depth: usize,
    ) -> Result<FieldValue, Fault> {
        let mut object = Map::new();
        for raw in raws {
            let entry = expect_bytes(*raw)?;
            let mut key_raw = None;
            let mut value_raw = None;
            let mut reader = Reader::new(entry);
            while let Some((number, raw)) =
                reader.next_field().map_err(|e| Fault::new(e.to_string()))?
            {
                match number {
                    1 => key_raw = Some(raw),
                    2 => value_raw = Some(raw),
                    _ => {}
                }
            }
            let key = match key_raw {
                None => String::new(),
                Some(raw) => match scalar_json(key, raw)? {
                    Value::String(text) => text,
                    other => other.to_string(),
                },
            };
            let value = match (value_type, value_raw) {
                // A missing bytes value is a nil slice; a missing string or number is its zero.
                (FieldType::Scalar(Scalar::Bytes), None) => Value::Null,
                (FieldType::Scalar(scalar), None) => zero_scalar(scalar),
                (FieldType::Scalar(scalar), Some(raw)) => {
                    scalar_json(scalar, raw).map_err(|f| f.at(&format!("[{key}]")))?
                }
                (FieldType::Message(id), raw) => {
                    let bytes = match raw {
                        None => &[][..],
                        Some(raw) => expect_bytes(raw)?,
                    };
                    let value = self
                        .message(id, bytes, depth + 1)
                        .map_err(|f| f.at(&format!("[{key}]")))?;
                    // gogo starts a map value of a named slice type from `ExtraValue{}`, an empty
                    // but non-nil slice, which Go writes as [] rather than null.
                    if value.is_null() && self.schema.messages[id].kind == MessageKind::List {
                        Value::Array(Vec::new())
                    } else {
                        value
                    }
                }
            };
            object.insert(key, value);
        }
        if object.is_empty() {
            return Ok(FieldValue::nil());
        }
        Ok(FieldValue {
            json: Value::Object(object),
            empty: false,
            zero: false,
        })
    }

    fn custom(
        &self,
        id: MessageId,
        custom: Custom,
        bytes: &[u8],
        depth: usize,
    ) -> Result<Value, Fault> {
        let fields = self.collect(id, bytes)?;
        let last = |number: u32| fields.get(&number).and_then(|raws| raws.last().copied());
        let all = |number: u32| fields.get(&number).map_or(&[][..], Vec::as_slice);
        let int = |number: u32| -> Result<i64, Fault> {
            match last(number) {
                None => Ok(0),
                Some(Raw::Varint(value)) => Ok(value as i64),
                Some(_) => Err(Fault::new(format!(
                    "field {number} has the wrong wire type"
                ))),
            }
        };
        match custom {
            Custom::Time | Custom::MicroTime => {
                // An empty message is Go's zero time.
                if bytes.is_empty() {
                    return Ok(Value::Null);
                }
                let mut seconds = int(1)?;
                // metav1.Time keeps only seconds; MicroTime truncates to microseconds.
                let mut nanos = if custom == Custom::MicroTime {
                    i64::from(int(2)? as i32) / 1000 * 1000
                } else {
                    0
                };
                seconds += nanos.div_euclid(1_000_000_000);
                nanos = nanos.rem_euclid(1_000_000_000);
                if seconds == gotime::ZERO_TIME_UNIX && nanos == 0 {
                    return Ok(Value::Null);
                }
                let digits = if custom == Custom::MicroTime { 6 } else { 0 };
                gotime::format_rfc3339(seconds, nanos as u32, digits)
                    .map(Value::String)
                    .ok_or_else(|| Fault::new("time outside the years 0000-9999"))
            }
            Custom::Duration => Ok(Value::String(gotime::format_duration(int(1)?))),
            Custom::Quantity => match last(1) {
                None => Ok(Value::String("0".to_owned())),
                Some(raw) => {
                    let text = String::from_utf8_lossy(expect_bytes(raw)?).into_owned();
                    quantity::canonical(&text)
                        .map(Value::String)
                        .map_err(|error| Fault::new(format!("quantity {text:?}: {error}")))
                }
            },
            Custom::IntOrString => match int(1)? {
                0 => Ok(Value::from(int(2)? as i32)),
                1 => match last(3) {
                    None => Ok(Value::String(String::new())),
                    Some(raw) => Ok(Value::String(
                        String::from_utf8_lossy(expect_bytes(raw)?).into_owned(),
                    )),
                },
                other => Err(Fault::new(format!("impossible IntOrString.Type {other}"))),
            },
            Custom::RawExtension | Custom::FieldsV1 | Custom::Json => {
                let Some(raw) = last(1) else {
                    return Ok(Value::Null);
                };
                let embedded = expect_bytes(raw)?;
                if embedded.is_empty() {
                    return Ok(Value::Null);
                }
                if custom == Custom::RawExtension && embedded.starts_with(MAGIC) {
                    // A watch event's object, encoded by the protobuf serializer itself.
                    return super::decode_envelope(self.schema, embedded, depth + 1);
                }
                serde_json::from_slice(embedded)
                    .map_err(|error| Fault::new(format!("embedded object is not JSON: {error}")))
            }
            Custom::SchemaOrArray | Custom::SchemaOrStringArray => {
                let list = self.schema.messages[id].proto_fields.get(&2).copied();
                if let Some(list) = list
                    && !all(2).is_empty()
                {
                    return Ok(self.repeated(list, all(2), depth)?.json);
                }
                self.optional_schema(id, 1, &fields, depth)
            }
            Custom::SchemaOrBool => {
                if fields.contains_key(&2) {
                    return self.optional_schema(id, 2, &fields, depth);
                }
                Ok(Value::Bool(int(1)? != 0))
            }
        }
    }

    /// The JSON of an optional JSONSchemaProps field, `null` when absent.
    fn optional_schema(
        &self,
        id: MessageId,
        number: u32,
        fields: &HashMap<u32, Vec<Raw<'_>>>,
        depth: usize,
    ) -> Result<Value, Fault> {
        let Some(raws) = fields.get(&number) else {
            return Ok(Value::Null);
        };
        let Some(FieldType::Message(schema)) = self.schema.messages[id]
            .proto_fields
            .get(&number)
            .map(|f| f.ty)
        else {
            return Err(Fault::new("schema field is not a message"));
        };
        let bytes = concatenated(raws)?;
        self.message(schema, &bytes, depth + 1)
    }
}

/// A singular message field that appears more than once is the merge of its occurrences, which for
/// protobuf is their concatenation.
fn concatenated<'a>(raws: &[Raw<'a>]) -> Result<Cow<'a, [u8]>, Fault> {
    match raws {
        [] => Ok(Cow::Borrowed(&[])),
        [single] => Ok(Cow::Borrowed(expect_bytes(*single)?)),
        many => {
            let mut joined = Vec::new();
            for raw in many {
                joined.extend_from_slice(expect_bytes(*raw)?);
            }
            Ok(Cow::Owned(joined))
        }
    }
}

fn expect_bytes(raw: Raw<'_>) -> Result<&[u8], Fault> {
    match raw {
        Raw::Bytes(bytes) => Ok(bytes),
        _ => Err(Fault::new("expected a length-delimited value")),
    }
}

/// The wire type a scalar is written with.
pub(super) fn wire_type(scalar: Scalar) -> u8 {
    match scalar {
        Scalar::Double | Scalar::Fixed64 | Scalar::Sfixed64 => FIXED64,
        Scalar::Float | Scalar::Fixed32 | Scalar::Sfixed32 => FIXED32,
        Scalar::String | Scalar::Bytes => LENGTH_DELIMITED,
        _ => VARINT,
    }
}

/// Go's JSON for a scalar's zero value (a nil `[]byte` is `null`).
pub(super) fn zero_scalar(scalar: Scalar) -> Value {
    match scalar {
        Scalar::String => Value::String(String::new()),
        Scalar::Bytes => Value::Null,
        Scalar::Bool => Value::Bool(false),
        _ => Value::from(0),
    }
}

fn base64_json(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A scalar's JSON as Go writes the Go value gogo decodes it to.
fn scalar_json(scalar: Scalar, raw: Raw<'_>) -> Result<Value, Fault> {
    let wrong = || Fault::new(format!("wrong wire type for a {scalar:?} field"));
    // The `as` conversions below are the wire format's own: varints carry two's complement.
    Ok(match (scalar, raw) {
        (Scalar::String, Raw::Bytes(bytes)) => {
            Value::String(String::from_utf8_lossy(bytes).into_owned())
        }
        (Scalar::Bytes, Raw::Bytes(bytes)) => base64_json(bytes),
        (Scalar::Bool, Raw::Varint(value)) => Value::Bool(value != 0),
        (Scalar::Int32, Raw::Varint(value)) => Value::from(value as i32),
        (Scalar::Int64, Raw::Varint(value)) => Value::from(value as i64),
        (Scalar::Uint32, Raw::Varint(value)) => Value::from(value as u32),
        (Scalar::Uint64, Raw::Varint(value)) => Value::from(value),
        (Scalar::Sint32, Raw::Varint(value)) => {
            Value::from(((value >> 1) as i64 ^ -((value & 1) as i64)) as i32)
        }
        (Scalar::Sint64, Raw::Varint(value)) => {
            Value::from((value >> 1) as i64 ^ -((value & 1) as i64))
        }
        (Scalar::Fixed32, Raw::Fixed32(value)) => Value::from(value),
        (Scalar::Sfixed32, Raw::Fixed32(value)) => Value::from(value as i32),
        (Scalar::Fixed64, Raw::Fixed64(value)) => Value::from(value),
        (Scalar::Sfixed64, Raw::Fixed64(value)) => Value::from(value as i64),
        (Scalar::Double, Raw::Fixed64(bits)) => float_json(f64::from_bits(bits))?,
        (Scalar::Float, Raw::Fixed32(bits)) => float_json(f64::from(f32::from_bits(bits)))?,
        _ => return Err(wrong()),
    })
}

/// A float as the JSON value Go's text for it parses back to: Go writes integral values below 1e21
/// without a fraction or exponent, which reads back as an integer when it fits one.
fn float_json(value: f64) -> Result<Value, Fault> {
    if !value.is_finite() {
        return Err(Fault::new(format!("unsupported float value {value}")));
    }
    if value.fract() == 0.0 {
        if (0.0..18_446_744_073_709_551_616.0).contains(&value) {
            return Ok(Value::from(value as u64));
        }
        if (-9_223_372_036_854_775_808.0..0.0).contains(&value) {
            return Ok(Value::from(value as i64));
        }
    }
    Ok(Value::from(value))
}
