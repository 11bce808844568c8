//! The type errors of decoding a JSON object into its kind's Go type.
//!
//! Upstream decodes every request body into the kind's Go struct, so a value of the wrong JSON
//! type (`"replicas": "three"`, `"data": {"a": 1}`) is refused before anything else looks at
//! it, while a JSON document kept as such would store it. These walks follow the Go type graph
//! ([`crate::gotypes`]) the way upstream's two decoders do and report the first error in their
//! words:
//!
//! - [`decode_error`]: the JSON decoder (`sigs.k8s.io/json`, as create, update and JSON or
//!   merge patches decode): `json: cannot unmarshal string into Go struct field
//!   DeploymentSpec.spec.replicas of type int32`. The field is the JSON names from the root,
//!   list indices and map keys left out; the struct is the innermost one entered.
//! - [`converter_error`]: the unstructured converter (`runtime.DefaultUnstructuredConverter`,
//!   as strategic merge patches reach the typed object): `unrecognized type: int32`,
//!   `cannot restore slice from string`.
//!
//! Types that decode themselves follow their own decoders: int-or-string takes a string or an
//! int32, a quantity must parse ([`crate::quantity`]), times must be strings; raw extensions
//! and managed fields take anything. Null is always accepted (the zero value).

use serde_json::{Number, Value};

use crate::gocompat::json_kind;
use crate::gotypes::{TypeGraph, TypeMeta, go_type_string, graph};

/// `k8s.io/apimachinery/pkg/util/intstr.IntOrString`.
const INT_OR_STRING: &str = "k8s.io/apimachinery/pkg/util/intstr.IntOrString";
/// `k8s.io/apimachinery/pkg/api/resource.Quantity`.
const QUANTITY: &str = "k8s.io/apimachinery/pkg/api/resource.Quantity";
/// `metav1.Time` and `metav1.MicroTime`: they read a JSON string.
const TIMES: &[&str] = &[
    "k8s.io/apimachinery/pkg/apis/meta/v1.Time",
    "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime",
];

/// The Go JSON decoder's first error decoding `object` into `api_version`/`kind`'s Go type;
/// `None` when it decodes (or the kind is not a built-in one).
pub fn decode_error(api_version: &str, kind: &str, object: &Value) -> Option<String> {
    let graph = graph();
    let root = graph.kinds.get(&format!("{api_version}/{kind}"))?;
    let mut walk = DecoderWalk {
        graph,
        strukt: "",
        stack: Vec::new(),
    };
    walk.value(object, root).err()
}

/// The unstructured converter's first error converting `object` into `api_version`/`kind`'s
/// Go type; `None` when it converts (or the kind is not a built-in one).
pub fn converter_error(api_version: &str, kind: &str, object: &Value) -> Option<String> {
    let graph = graph();
    let root = graph.kinds.get(&format!("{api_version}/{kind}"))?;
    converter_value(graph, object, root).err()
}

/// Upstream's error decoding a body of one built-in kind as another (`Secret` sent to the
/// config maps): the body decodes as its own Go type, which does not convert to the internal
/// type of the other, e.g. `converting (v1.Secret) to (core.ConfigMap): unknown conversion`.
/// `None` when either kind is not a built-in one.
pub fn unknown_conversion(
    from_api_version: &str,
    from_kind: &str,
    to_api_version: &str,
    to_kind: &str,
) -> Option<String> {
    let graph = graph();
    let from = graph
        .kinds
        .get(&format!("{from_api_version}/{from_kind}"))?;
    let to = graph.kinds.get(&format!("{to_api_version}/{to_kind}"))?;
    // The internal package is the external one's parent (`k8s.io/api/core/v1` → `core`).
    let (package, name) = to.rsplit_once('.')?;
    let internal = package.rsplit('/').nth(1)?;
    Some(format!(
        "converting ({}) to ({internal}.{name}): unknown conversion",
        go_type_string(from)
    ))
}

/// Go's `json.Marshal` of `value` decoded into the Go type `type_id`
/// (`k8s.io/apimachinery/pkg/apis/meta/v1.LabelSelector`): struct fields in declaration order
/// (null ones and keys the type does not have left out), map keys sorted. Upstream prints
/// typed values so in field errors; a JSON map here is sorted throughout.
pub fn marshal_typed(type_id: &str, value: &Value) -> String {
    let mut out = String::new();
    push_typed(graph(), type_id, value, &mut out);
    out
}

/// The text upstream quotes in a 422 about the result of a JSON or merge patch: its patch
/// library re-marshals every object the patch reached from a Go map (keys sorted) and keeps
/// the rest as the typed object's encoding had it (struct field order). `reached` is the
/// patch's shape: a merge patch itself, or for a JSON patch the tree of its operations' paths
/// ([`json_patch_reach`]).
pub fn marshal_patched(api_version: &str, kind: &str, patched: &Value, reached: &Value) -> String {
    let graph = graph();
    let root = graph
        .kinds
        .get(&format!("{api_version}/{kind}"))
        .map_or("", String::as_str);
    let mut out = String::new();
    push_patched(graph, root, patched, reached, &mut out);
    out
}

/// The tree of the paths a JSON patch's operations name (`/metadata/labels/a` →
/// `{"metadata":{"labels":{"a":null}}}`), for [`marshal_patched`].
pub fn json_patch_reach(operations: &Value) -> Value {
    let mut reach = Value::Object(serde_json::Map::new());
    for operation in operations.as_array().map(Vec::as_slice).unwrap_or_default() {
        for key in ["path", "from"] {
            let Some(path) = operation.get(key).and_then(Value::as_str) else {
                continue;
            };
            let mut node = &mut reach;
            for token in path.split('/').skip(1) {
                let token = token.replace("~1", "/").replace("~0", "~");
                let Some(map) = node.as_object_mut() else {
                    break;
                };
                node = map
                    .entry(token)
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
            }
        }
    }
    reach
}

/// Appends `value` as the patch library marshals it (see [`marshal_patched`]).
fn push_patched(graph: &TypeGraph, id: &str, value: &Value, reached: &Value, out: &mut String) {
    let ty = graph.types.get(id);
    let ty = match ty {
        Some(ty) if ty.k == "ptr" => graph.types.get(&ty.e),
        other => other,
    };
    let member_type = |key: &str| -> String {
        match ty {
            Some(ty) if ty.k == "struct" => {
                ty.f.iter()
                    .find(|field| field.n == key)
                    .map(|field| field.t.clone())
                    .unwrap_or_default()
            }
            Some(ty) if ty.k == "map" || ty.k == "slice" => ty.e.clone(),
            _ => String::new(),
        }
    };
    match (value, reached) {
        (Value::Object(members), Value::Object(reach)) => {
            out.push('{');
            for (i, (key, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&crate::gocompat::marshal_value(&Value::String(key.clone())));
                out.push(':');
                match reach.get(key) {
                    Some(next @ Value::Object(_)) => {
                        push_patched(graph, &member_type(key), member, next, out);
                    }
                    Some(_) => out.push_str(&crate::gocompat::marshal_value(member)),
                    None => push_typed(graph, &member_type(key), member, out),
                }
            }
            out.push('}');
        }
        (Value::Array(items), Value::Object(reach)) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match reach.get(&i.to_string()) {
                    Some(next @ Value::Object(_)) => {
                        push_patched(graph, &member_type(""), item, next, out);
                    }
                    _ => push_typed(graph, &member_type(""), item, out),
                }
            }
            out.push(']');
        }
        _ => push_typed(graph, id, value, out),
    }
}

/// Appends `value` marshalled as the type `id`.
fn push_typed(graph: &TypeGraph, id: &str, value: &Value, out: &mut String) {
    let ty = graph.types.get(id).filter(|ty| !ty.u);
    match (ty, value) {
        (Some(ty), _) if ty.k == "ptr" => push_typed(graph, &ty.e, value, out),
        (Some(ty), Value::Object(members)) if ty.k == "struct" => {
            out.push('{');
            let mut first = true;
            for field in &ty.f {
                let Some(member) = members.get(&field.n).filter(|m| !m.is_null()) else {
                    continue;
                };
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&crate::gocompat::marshal_value(&Value::String(
                    field.n.clone(),
                )));
                out.push(':');
                push_typed(graph, &field.t, member, out);
            }
            out.push('}');
        }
        (Some(ty), Value::Object(members)) if ty.k == "map" => {
            out.push('{');
            for (i, (key, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&crate::gocompat::marshal_value(&Value::String(key.clone())));
                out.push(':');
                push_typed(graph, &ty.e, member, out);
            }
            out.push('}');
        }
        (Some(ty), Value::Array(items)) if ty.k == "slice" || ty.k == "array" => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_typed(graph, &ty.e, item, out);
            }
            out.push(']');
        }
        _ => out.push_str(&crate::gocompat::marshal_value(value)),
    }
}

/// Go's `%+v` of a decoded JSON value (`map[spec:map[replicas:three]]`), as upstream quotes a
/// strategic merge patch in its errors: map keys sorted, strings bare, null as `<nil>`.
pub fn go_format(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(go_format).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Object(members) => {
            let mut keys: Vec<&String> = members.keys().collect();
            keys.sort();
            let members: Vec<String> = keys
                .into_iter()
                .map(|key| format!("{key}:{}", go_format(&members[key])))
                .collect();
            format!("map[{}]", members.join(" "))
        }
    }
}

/// The decoder's position: the innermost struct entered and the JSON field names so far.
struct DecoderWalk<'g> {
    /// The type graph.
    graph: &'g TypeGraph,
    /// The Go name of the struct whose field is being decoded (`""` at the root).
    strukt: &'g str,
    /// The JSON names of the fields entered.
    stack: Vec<&'g str>,
}

impl<'g> DecoderWalk<'g> {
    /// Decodes `value` into the type `id`.
    fn value(&mut self, value: &Value, id: &'g str) -> Result<(), String> {
        if value.is_null() {
            return Ok(());
        }
        let Some(ty) = self.graph.types.get(id) else {
            return Ok(());
        };
        if ty.u {
            return self.self_decoding(value, id);
        }
        match ty.k.as_str() {
            "ptr" => self.value(value, &ty.e),
            "struct" => self.strukt(value, id, ty),
            // Bytes travel as standard base64; a bad one is the decoder's own error, bare.
            "slice" if ty.e == "uint8" => match value {
                Value::String(text) => base64(text),
                _ => Err(self.type_error(json_kind(value), id)),
            },
            "slice" | "array" => {
                let Value::Array(items) = value else {
                    return Err(self.type_error(json_kind(value), id));
                };
                items.iter().try_for_each(|item| self.value(item, &ty.e))
            }
            "map" => {
                let Value::Object(members) = value else {
                    return Err(self.type_error(json_kind(value), id));
                };
                members
                    .values()
                    .try_for_each(|member| self.value(member, &ty.e))
            }
            "string" => match value {
                Value::String(_) => Ok(()),
                _ => Err(self.type_error(json_kind(value), id)),
            },
            "bool" => match value {
                Value::Bool(_) => Ok(()),
                _ => Err(self.type_error(json_kind(value), id)),
            },
            kind => match int_range(kind) {
                Some(range) => self.integer(value, id, range),
                None if kind.starts_with("float") => match value {
                    Value::Number(_) => Ok(()),
                    _ => Err(self.type_error(json_kind(value), id)),
                },
                None => Ok(()),
            },
        }
    }

    /// A struct: a JSON object whose known keys decode into their fields (unknown keys are
    /// field validation's business).
    fn strukt(&mut self, value: &Value, id: &str, ty: &'g TypeMeta) -> Result<(), String> {
        let Value::Object(members) = value else {
            return Err(self.type_error(json_kind(value), id));
        };
        for (key, member) in members {
            let Some(field) = ty.f.iter().find(|field| field.n == *key) else {
                continue;
            };
            let outer = std::mem::replace(&mut self.strukt, &ty.n);
            self.stack.push(&field.n);
            let result = self.value(member, &field.t);
            self.stack.pop();
            self.strukt = outer;
            result?;
        }
        Ok(())
    }

    /// A number into an integer type of `range`: an integer literal within it, or Go's
    /// `number <literal>` error.
    fn integer(&self, value: &Value, id: &str, range: (i128, i128)) -> Result<(), String> {
        let Value::Number(number) = value else {
            return Err(self.type_error(json_kind(value), id));
        };
        match integer_value(number) {
            Some(n) if (range.0..=range.1).contains(&n) => Ok(()),
            _ => Err(self.type_error(&format!("number {number}"), id)),
        }
    }

    /// The types with decoders of their own.
    fn self_decoding(&self, value: &Value, id: &str) -> Result<(), String> {
        if id == INT_OR_STRING {
            return match value {
                Value::String(_) => Ok(()),
                _ => self.integer(value, "int32", (i32::MIN.into(), i32::MAX.into())),
            };
        }
        if id == QUANTITY {
            return quantity(value);
        }
        if TIMES.contains(&id) && !value.is_string() {
            return Err(self.type_error(json_kind(value), "string"));
        }
        Ok(())
    }

    /// Go's `UnmarshalTypeError` text for a `what` found where `id` was wanted.
    fn type_error(&self, what: &str, id: &str) -> String {
        let ty = go_type_string(id);
        if self.strukt.is_empty() && self.stack.is_empty() {
            format!("json: cannot unmarshal {what} into Go value of type {ty}")
        } else {
            format!(
                "json: cannot unmarshal {what} into Go struct field {}.{} of type {ty}",
                self.strukt,
                self.stack.join(".")
            )
        }
    }
}

/// The converter's walk: `value` into the type `id`.
fn converter_value(graph: &TypeGraph, value: &Value, id: &str) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    let Some(ty) = graph.types.get(id) else {
        return Ok(());
    };
    if ty.u {
        // Converted through the type's own JSON decoder, whose errors carry no field.
        if id == INT_OR_STRING && !value.is_string() {
            return match value {
                Value::Number(n) if integer_value(n).is_some_and(|v| i32::try_from(v).is_ok()) => {
                    Ok(())
                }
                Value::Number(n) => Err(format!(
                    "json: cannot unmarshal number {n} into Go value of type int32"
                )),
                _ => Err(format!(
                    "json: cannot unmarshal {} into Go value of type int32",
                    json_kind(value)
                )),
            };
        }
        if id == QUANTITY {
            return quantity(value);
        }
        if TIMES.contains(&id) && !value.is_string() {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type string",
                json_kind(value)
            ));
        }
        return Ok(());
    }
    match ty.k.as_str() {
        "ptr" => converter_value(graph, value, &ty.e),
        "struct" => {
            let Value::Object(members) = value else {
                return Err(format!(
                    "cannot restore struct from: {}",
                    converter_kind(value)
                ));
            };
            for (key, member) in members {
                if let Some(field) = ty.f.iter().find(|field| field.n == *key) {
                    converter_value(graph, member, &field.t)?;
                }
            }
            Ok(())
        }
        "slice" | "array" => match value {
            Value::String(text) if ty.e == "uint8" => {
                base64(text).map_err(|err| format!("error decoding from json: {err}"))
            }
            Value::Array(items) => items
                .iter()
                .try_for_each(|item| converter_value(graph, item, &ty.e)),
            _ => Err(format!(
                "cannot restore slice from {}",
                converter_kind(value)
            )),
        },
        "map" => {
            let Value::Object(members) = value else {
                return Err(format!("cannot restore map from {}", converter_kind(value)));
            };
            members
                .values()
                .try_for_each(|member| converter_value(graph, member, &ty.e))
        }
        kind => {
            let unrecognized = || Err(format!("unrecognized type: {kind}"));
            match (kind, value) {
                ("string", Value::String(_)) | ("bool", Value::Bool(_)) => Ok(()),
                (_, Value::Number(number)) if int_range(kind).is_some() => {
                    // Integers convert (wrapping, as Go's conversion does); a float only when
                    // it is whole.
                    match number.as_f64() {
                        Some(f) if number.is_f64() && f.fract() != 0.0 => {
                            Err(format!("cannot convert float64 to {}", go_type_string(id)))
                        }
                        _ => Ok(()),
                    }
                }
                (_, Value::Number(_)) if kind.starts_with("float") => Ok(()),
                ("string" | "bool", _) => unrecognized(),
                _ if int_range(kind).is_some() || kind.starts_with("float") => unrecognized(),
                _ => Ok(()),
            }
        }
    }
}

/// A quantity's own decoder: a string or a number that parses (Go's `ParseQuantity` on the
/// JSON text, quotes removed).
fn quantity(value: &Value) -> Result<(), String> {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::quantity::canonical(text.trim())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Standard base64, as `[]byte` fields decode it.
fn base64(text: &str) -> Result<(), String> {
    crate::gocompat::decode_base64(text.as_bytes(), crate::gocompat::Base64::Std).map(|_| ())
}

/// The reflect kind of a value decoded into `interface{}` (integers preserved as int64).
fn converter_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

/// The integer a JSON number's literal is, if it is one (Go's `ParseInt` on the literal:
/// `1.0` and `1e3` are not).
fn integer_value(number: &Number) -> Option<i128> {
    if let Some(n) = number.as_i64() {
        return Some(n.into());
    }
    number.as_u64().map(i128::from)
}

/// The range of a Go integer kind.
fn int_range(kind: &str) -> Option<(i128, i128)> {
    Some(match kind {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int" | "int64" => (i64::MIN.into(), i64::MAX.into()),
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint" | "uint64" => (0, u64::MAX.into()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
