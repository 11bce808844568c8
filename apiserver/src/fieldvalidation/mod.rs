//! Field validation (`fieldValidation=Ignore|Warn|Strict` on create, update and patch): the
//! unknown and duplicate fields of a request body, as upstream's strict JSON decoder
//! (`sigs.k8s.io/json` with `DisallowUnknownFields` and `DisallowDuplicateFields`) reports them.
//!
//! Upstream decodes into the Go type; here the body is walked against the kind's schema in
//! upstream's published OpenAPI v3 document, which describes the same fields: objects with
//! `properties` are structs (unknown keys reported), `additionalProperties` are maps (any key),
//! and schemas without either, or with `x-kubernetes-preserve-unknown-fields` (RawExtension,
//! FieldsV1, int-or-string, quantities, times), are opaque as the Go types' own decoders are.
//! Field paths are upstream's: keys joined by `.`, list items as `[i]`
//! (`spec.containers[0].foo`); reports come in document order, each once, at most 100.

// Until the REST handlers call it (their owner wires it in), nothing outside the tests does.

mod scan;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use ironkube_apimachinery::Status;
use serde_json::Value;

use scan::Node;

/// What to do about unknown and duplicate fields (`metav1.FieldValidation*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Directive {
    /// Decode as if the fields were not there.
    Ignore,
    /// Decode, and send each problem as a warning.
    Warn,
    /// Refuse the request with 400 BadRequest.
    Strict,
}

impl Directive {
    /// The directive of the `fieldValidation` query parameter. Absent or empty is `Warn`, as
    /// upstream's handlers default it (kubectl sends `Strict` itself); anything else but the
    /// three values is the message of upstream's `ValidateFieldValidation` error.
    pub(crate) fn parse(query_value: Option<&str>) -> Result<Self, String> {
        match query_value.unwrap_or_default() {
            "" | "Warn" => Ok(Self::Warn),
            "Ignore" => Ok(Self::Ignore),
            "Strict" => Ok(Self::Strict),
            other => Err(format!(
                "fieldValidation: Unsupported value: \"{}\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"",
                go_quote_inner(other)
            )),
        }
    }
}

/// The most problems reported, as upstream caps them.
const MAX_PROBLEMS: usize = 100;

/// Unknown and duplicate fields of `body` (raw JSON bytes as sent) for
/// `group`/`version`/`kind`, as upstream's strict decoder lists them (`unknown field "spec.foo"`,
/// `duplicate field "metadata.name"`). Empty when the kind has no published schema or the
/// body is not JSON (its decoding fails elsewhere).
pub(crate) fn field_problems(group: &str, version: &str, kind: &str, body: &[u8]) -> Vec<String> {
    let Some(schemas) = schemas(group, version) else {
        return Vec::new();
    };
    let Some(root) = kind_schema(&schemas, kind) else {
        return Vec::new();
    };
    let Some(node) = scan::parse(body) else {
        return Vec::new();
    };
    let mut walker = Walker {
        doc: &schemas.doc,
        problems: Vec::new(),
        seen: HashSet::new(),
    };
    walker.walk(&node, root, "");
    walker.problems
}

/// Removes the fields the kind's schema does not know, as decoding into upstream's typed
/// objects drops them (what `Warn` and `Ignore` store).
pub(crate) fn prune(group: &str, version: &str, kind: &str, object: &mut Value) {
    let Some(schemas) = schemas(group, version) else {
        return;
    };
    let Some(root) = kind_schema(&schemas, kind) else {
        return;
    };
    let walker = Walker {
        doc: &schemas.doc,
        problems: Vec::new(),
        seen: HashSet::new(),
    };
    walker.prune(object, root, 0);
}

/// The Status for `Strict`: 400 BadRequest with upstream's `strict decoding error: ...`
/// message. Upstream's create/update handlers wrap it as `<Kind> in version "<version>" cannot
/// be handled as a <Kind>: strict decoding error: ...` ([`strict_error_for`]).
#[cfg(test)]
pub(crate) fn strict_error(problems: &[String]) -> Status {
    Status::bad_request(strict_message(problems))
}

/// The Status for `Strict` as upstream's create and update handlers send it
/// (`transformDecodeError`: the body's kind and version, and the handler's kind).
pub(crate) fn strict_error_for(kind: &str, version: &str, problems: &[String]) -> Status {
    Status::bad_request(format!(
        "{kind} in version \"{}\" cannot be handled as a {kind}: {}",
        go_quote_inner(version),
        strict_message(problems)
    ))
}

/// `strict decoding error: ` and the problems joined by `, `.
fn strict_message(problems: &[String]) -> String {
    format!("strict decoding error: {}", problems.join(", "))
}

/// The `Warning` header values for `Warn`: `299 - "<problem>"`, quoted as upstream's
/// `NewWarningHeader` quotes them.
pub(crate) fn warnings(problems: &[String]) -> Vec<String> {
    problems
        .iter()
        .map(|problem| {
            let mut quoted = String::with_capacity(problem.len() + 2);
            for c in problem.chars() {
                if c == '"' || c == '\\' {
                    quoted.push('\\');
                }
                quoted.push(c);
            }
            format!("299 - \"{quoted}\"")
        })
        .collect()
}

/// The inside of Go's `strconv.Quote` (`"` and `\` escaped, control characters as escapes).
fn go_quote_inner(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// A group version's published document, with its kinds' schemas indexed.
struct Schemas {
    /// The document (for `$ref`s).
    doc: Value,
    /// `kind` → the name of its schema in `components.schemas` (the one whose
    /// `x-kubernetes-group-version-kind` names it for this group version).
    by_kind: HashMap<String, String>,
}

/// The parsed published document of a group version, read and indexed once: requests look
/// their kind's schema up rather than scan every schema.
fn schemas(group: &str, version: &str) -> Option<Arc<Schemas>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Schemas>>>> = OnceLock::new();
    let path = crate::openapi::group_version_path(group, version);
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(doc) = cache.lock().ok()?.get(&path) {
        return Some(doc.clone());
    }
    let doc = crate::openapi::published_document(&path)?;
    let mut by_kind = HashMap::new();
    if let Some(all) = doc["components"]["schemas"].as_object() {
        for (name, schema) in all {
            let gvks = schema["x-kubernetes-group-version-kind"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for gvk in gvks {
                if gvk["group"] == group
                    && gvk["version"] == version
                    && let Some(kind) = gvk["kind"].as_str()
                {
                    by_kind
                        .entry(kind.to_string())
                        .or_insert_with(|| name.clone());
                }
            }
        }
    }
    let schemas = Arc::new(Schemas { doc, by_kind });
    cache.lock().ok()?.insert(path, schemas.clone());
    Some(schemas)
}

/// The schema of `kind` in the indexed document.
fn kind_schema<'a>(schemas: &'a Schemas, kind: &str) -> Option<&'a Value> {
    let name = schemas.by_kind.get(kind)?;
    schemas.doc["components"]["schemas"].get(name)
}

/// The walk of one body: the problems found so far, each once.
struct Walker<'a> {
    /// The group version's document (for `$ref`s).
    doc: &'a Value,
    /// The problems in the order found.
    problems: Vec<String>,
    /// The problems already reported.
    seen: HashSet<String>,
}

impl<'a> Walker<'a> {
    /// Follows `$ref` and single-element `allOf` wrappers to the schema that describes a value.
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                let Some(name) = reference.strip_prefix("#/components/schemas/") else {
                    return schema;
                };
                match self.doc["components"]["schemas"].get(name) {
                    Some(target) => schema = target,
                    None => return schema,
                }
            } else if let Some([inner]) = schema
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                schema = inner;
            } else {
                return schema;
            }
        }
        schema
    }

    /// Records a problem (once, up to the cap).
    fn report(&mut self, kind: &str, path: &str, key: &str) {
        if self.problems.len() >= MAX_PROBLEMS {
            return;
        }
        let field = if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        };
        let problem = format!("{kind} \"{}\"", go_quote_inner(&field));
        if self.seen.insert(problem.clone()) {
            self.problems.push(problem);
        }
    }

    /// Checks `node` against `schema`; `path` is the strict decoder's field stack so far.
    fn walk(&mut self, node: &Node, schema: &'a Value, path: &str) {
        let schema = self.resolve(schema);
        if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
            return;
        }
        match node {
            Node::Scalar => {}
            Node::Array(items) => {
                let Some(item_schema) = schema.get("items") else {
                    return;
                };
                for (index, item) in items.iter().enumerate() {
                    self.walk(item, item_schema, &format!("{path}[{index}]"));
                }
            }
            Node::Object(members) => {
                if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                    let mut seen_keys = HashSet::new();
                    for (key, value) in members {
                        let Some(property) = properties.get(key) else {
                            self.report("unknown field", path, key);
                            continue;
                        };
                        if !seen_keys.insert(key.as_str()) {
                            self.report("duplicate field", path, key);
                        }
                        self.walk(value, property, &join(path, key));
                    }
                } else if let Some(values) =
                    schema.get("additionalProperties").filter(|v| v.is_object())
                {
                    let mut seen_keys = HashSet::new();
                    for (key, value) in members {
                        if !seen_keys.insert(key.as_str()) {
                            self.report("duplicate field", path, key);
                        }
                        self.walk(value, values, &join(path, key));
                    }
                }
            }
        }
    }
}

impl<'a> Walker<'a> {
    /// Drops what `schema` does not describe from `value` (bounded depth, as the documents'
    /// recursive schemas such as `JSONSchemaProps` are).
    fn prune(&self, value: &mut Value, schema: &'a Value, depth: usize) {
        if depth > 64 {
            return;
        }
        let schema = self.resolve(schema);
        if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
            return;
        }
        match value {
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for item in items {
                        self.prune(item, item_schema, depth + 1);
                    }
                }
            }
            Value::Object(members) => {
                if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                    members.retain(|key, _| properties.contains_key(key));
                    for (key, member) in members.iter_mut() {
                        if let Some(property) = properties.get(key) {
                            self.prune(member, property, depth + 1);
                        }
                    }
                } else if let Some(values) =
                    schema.get("additionalProperties").filter(|v| v.is_object())
                {
                    for member in members.values_mut() {
                        self.prune(member, values, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The field stack with `key` pushed.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests;
