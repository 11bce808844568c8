//! `pod-template-hash` as upstream computes it (`controller.ComputeHash`): FNV-32a over
//! go-spew's `%#v` of the Go `v1.PodTemplateSpec` (types shown, map keys sorted, methods not
//! called), then the collision count, then `rand.SafeEncodeString` of the decimal sum.
//!
//! Spew prints every field of every struct, zero or not, with Go's field names and type
//! strings, so the template's JSON is walked along upstream's Go types
//! (`podtemplate-types.json`, reflected from upstream by
//! `testdata/podtemplatehash-gen -types`). The value printed is the one upstream's controller
//! holds: the object after the protobuf round trip of its informers, so an empty list or map
//! is nil like an absent one, and a quantity is what Go's `ParseQuantity` makes of its
//! canonical string. Checked against upstream's own function in `testdata/podtemplatehash.json`.

use std::collections::HashMap;
use std::sync::OnceLock;

use ironkube_apimachinery::quantity;
use serde::Deserialize;
use serde_json::Value;

/// One struct field: its Go name, its JSON name (empty when not in JSON), its type.
#[derive(Debug, Deserialize)]
struct Field {
    go: String,
    json: String,
    t: String,
    /// An embedded struct whose fields JSON flattens into the parent's.
    #[serde(default)]
    inline: bool,
}

/// One Go type as reflect describes it.
#[derive(Debug, Deserialize)]
struct GoType {
    /// reflect's kind (`struct`, `ptr`, `slice`, `map`, `string`, `int32`, …), or `quantity`,
    /// `time`, `intorstring` for the types printed from their Go internals.
    k: String,
    /// reflect's `Type.String()`: `v1.Container`, `*int64`, `map[string]string`.
    s: String,
    #[serde(default)]
    e: String,
    #[serde(default)]
    f: Vec<Field>,
}

#[derive(Debug, Deserialize)]
struct TypeTable {
    root: String,
    types: HashMap<String, GoType>,
}

fn table() -> Option<&'static TypeTable> {
    static TABLE: OnceLock<Option<TypeTable>> = OnceLock::new();
    TABLE
        .get_or_init(|| serde_json::from_str(include_str!("podtemplate-types.json")).ok())
        .as_ref()
}

/// go-spew's formatter state for `%#v` (`ignoreNextType` carried between values as spew
/// carries it).
struct Spew<'t> {
    types: &'t HashMap<String, GoType>,
    out: Vec<u8>,
    ignore_next_type: bool,
}

impl Spew<'_> {
    fn write(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn type_prefix(&mut self, type_string: &str) {
        if !self.ignore_next_type {
            self.write("(");
            self.write(type_string);
            self.write(")");
        }
        self.ignore_next_type = false;
    }

    /// Prints the value of Go type `id` that `value` (absent: the zero value) decodes to.
    fn format(&mut self, id: &str, value: Option<&Value>) {
        let types = self.types;
        let Some(ty) = types.get(id) else {
            self.write("<invalid>");
            return;
        };
        let value = value.filter(|v| !v.is_null());
        match ty.k.as_str() {
            "ptr" => self.format_ptr(ty, value),
            "struct" => {
                self.type_prefix(&ty.s);
                self.write("{");
                self.fields(ty, value);
                self.write("}");
            }
            "slice" => {
                self.type_prefix(&ty.s);
                match value.and_then(Value::as_array).filter(|a| !a.is_empty()) {
                    None => self.write("<nil>"),
                    Some(items) => {
                        self.write("[");
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                self.write(" ");
                            }
                            self.ignore_next_type = true;
                            self.format(&ty.e, Some(item));
                        }
                        self.write("]");
                    }
                }
            }
            "map" => {
                self.type_prefix(&ty.s);
                match value.and_then(Value::as_object).filter(|m| !m.is_empty()) {
                    None => self.write("<nil>"),
                    Some(entries) => {
                        // Keys are strings: spew sorts them as Go compares strings (bytes).
                        let mut keys: Vec<&String> = entries.keys().collect();
                        keys.sort();
                        self.write("map[");
                        for (i, key) in keys.into_iter().enumerate() {
                            if i > 0 {
                                self.write(" ");
                            }
                            self.write(key);
                            self.write(":");
                            self.ignore_next_type = true;
                            self.format(&ty.e, entries.get(key));
                        }
                        self.write("]");
                    }
                }
            }
            "string" => {
                self.type_prefix(&ty.s);
                let s = value.and_then(Value::as_str).unwrap_or("");
                self.write(s);
            }
            "bool" => {
                self.type_prefix(&ty.s);
                let b = value.and_then(Value::as_bool).unwrap_or(false);
                self.write(if b { "true" } else { "false" });
            }
            "int32" | "int64" | "int" | "int16" | "int8" => {
                self.type_prefix(&ty.s);
                let n = value.and_then(Value::as_i64).unwrap_or(0);
                self.write(&n.to_string());
            }
            "uint8" | "uint16" | "uint32" | "uint64" | "uint" => {
                self.type_prefix(&ty.s);
                let n = value.and_then(Value::as_u64).unwrap_or(0);
                self.write(&n.to_string());
            }
            "quantity" => {
                self.type_prefix(&ty.s);
                self.quantity(value.and_then(Value::as_str));
            }
            "time" => {
                // A template's times are zero (a set one would print the machine's zone).
                self.type_prefix(&ty.s);
                self.write(
                    "{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}",
                );
            }
            "intorstring" => {
                self.type_prefix(&ty.s);
                let (kind, int, string) = match value {
                    Some(Value::String(s)) => (1, 0, s.as_str()),
                    Some(v) => (0, v.as_i64().unwrap_or(0), ""),
                    None => (0, 0, ""),
                };
                self.write(&format!(
                    "{{Type:(intstr.Type){kind} IntVal:(int32){int} StrVal:(string){string}}}"
                ));
            }
            _ => {
                self.type_prefix(&ty.s);
                self.write("<invalid>");
            }
        }
    }

    /// The fields of the struct `ty`; `value` is its JSON object (an inline struct reads its
    /// fields from the same object).
    fn fields(&mut self, ty: &GoType, value: Option<&Value>) {
        for (i, field) in ty.f.iter().enumerate() {
            if i > 0 {
                self.write(" ");
            }
            self.write(&field.go);
            self.write(":");
            let field_value = if field.inline {
                value
            } else if field.json.is_empty() {
                None
            } else {
                value.and_then(|v| v.get(&field.json))
            };
            // A struct field's value prints its type (spew resets the flag after each type).
            self.format(&field.t, field_value);
        }
    }

    /// spew's `formatPtr` for one level of pointer.
    fn format_ptr(&mut self, ty: &GoType, value: Option<&Value>) {
        let Some(value) = value else {
            if self.ignore_next_type {
                // spew returns here without clearing the flag.
                self.write("<nil>");
            } else {
                self.write("(");
                self.write(&ty.s);
                self.write(")<nil>");
            }
            return;
        };
        let elem = self
            .types
            .get(&ty.e)
            .map(|t| t.s.clone())
            .unwrap_or_default();
        if self.ignore_next_type {
            self.write("<*>");
        } else {
            self.write("(*");
            self.write(&elem);
            self.write(")");
        }
        self.ignore_next_type = true;
        self.format(&ty.e, Some(value));
    }

    /// A `resource.Quantity` as Go holds it after parsing the canonical string protobuf
    /// carries.
    fn quantity(&mut self, text: Option<&str>) {
        let parsed = text
            .and_then(|t| quantity::canonical(t).ok())
            .and_then(|c| quantity::go_parsed(&c).ok());
        let (value, scale, kept, format) = match &parsed {
            // The zero Quantity has an empty Format.
            None => (0, 0, "", ""),
            // The inf.Dec path (values past int64 or finer than nanos) prints big.Int words;
            // not followed: such a template hashes differently from upstream's.
            Some(q) => {
                let (value, scale) = q.int64_amount.unwrap_or((0, 0));
                (value, scale, q.kept.as_str(), q.format)
            }
        };
        self.write(&format!(
            "{{i:(resource.int64Amount){{value:(int64){value} scale:(resource.Scale){scale}}} \
             d:(resource.infDecAmount){{Dec:(*inf.Dec)<nil>}} s:(string){kept} \
             Format:(resource.Format){format}}}"
        ));
    }
}

/// go-spew's `%#v` of the template (its JSON form) as upstream's controller would print it;
/// `None` if the type table is missing.
fn spew_template(template: &Value) -> Option<Vec<u8>> {
    let table = table()?;
    let mut spew = Spew {
        types: &table.types,
        out: Vec::with_capacity(4096),
        ignore_next_type: false,
    };
    spew.format(&table.root, Some(template));
    Some(spew.out)
}

/// The FNV-32a of `bytes` continued from `hash`.
fn fnv32a(mut hash: u32, bytes: &[u8]) -> u32 {
    for b in bytes {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Upstream's `ComputeHash` of a pod template given as JSON.
pub(crate) fn compute_hash(template: &Value, collision_count: Option<i32>) -> String {
    let printed = spew_template(template).unwrap_or_else(|| template.to_string().into_bytes());
    let mut hash = fnv32a(0x811c_9dc5, &printed);
    if let Some(count) = collision_count {
        // Eight bytes: the count's four little-endian bytes, then four zeros.
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&count.to_le_bytes());
        hash = fnv32a(hash, &bytes);
    }
    safe_encode(&hash.to_string())
}

/// `rand.SafeEncodeString`: every byte to a character without vowels or look-alikes.
fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Case {
        name: String,
        template: Value,
        collision_count: Option<i32>,
        hash: String,
    }

    #[derive(Deserialize)]
    struct Golden {
        cases: Vec<Case>,
    }

    #[test]
    fn hashes_are_upstreams() {
        assert!(table().is_some(), "the type table parses");
        let golden: Golden =
            serde_json::from_str(include_str!("../../testdata/podtemplatehash.json")).unwrap();
        assert!(golden.cases.len() > 50);
        let mut wrong = Vec::new();
        for case in &golden.cases {
            let got = compute_hash(&case.template, case.collision_count);
            if got != case.hash {
                wrong.push(format!(
                    "{} (collisionCount {:?}): {got}, upstream {}",
                    case.name, case.collision_count, case.hash
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn kubectl_create_deployment_gets_upstreams_replica_set_name() {
        // `kubectl create deployment web --image=nginx`, as the API server defaults it.
        let golden: Golden =
            serde_json::from_str(include_str!("../../testdata/podtemplatehash.json")).unwrap();
        let case = golden
            .cases
            .iter()
            .find(|c| c.name == "kubectl-create-deployment" && c.collision_count.is_none())
            .unwrap();
        assert_eq!(compute_hash(&case.template, None), "5fc9f4bf66");
    }
}
