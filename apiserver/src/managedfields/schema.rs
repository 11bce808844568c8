//! The structure of a kind's objects as upstream's field manager sees it: kube-openapi's
//! `schemaconv.ToSchemaFromOpenAPI` applied to the OpenAPI v3 document of the group version
//! (the one ironkube publishes, which is upstream's).
//!
//! Every schema becomes an [`Atom`]: a scalar, a list (atomic, or associative with key fields
//! or as a set) and/or a map (a struct's fields and the type of other keys; granular or
//! atomic). `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`
//! decide, and where a list has no list type, its patch strategy and merge key do; lists are
//! atomic otherwise. Schemas without a type (int-or-string) are scalar, list and map at once;
//! quantities are untyped scalars; `RawExtension` and lists without items are untyped and
//! atomic; objects without properties, or under `x-kubernetes-preserve-unknown-fields`, take
//! any keys ("deduced").

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

/// How a list's or map's items relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relationship {
    /// Not said (maps: granular).
    Unset,
    /// Items are owned one by one.
    Separable,
    /// The whole value is one field.
    Atomic,
    /// List items are owned one by one, by key or value.
    Associative,
}

/// A scalar's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// Integers and floats.
    Numeric,
    /// Strings.
    String,
    /// Booleans.
    Boolean,
    /// Any scalar.
    Untyped,
}

/// A reference to a type.
#[derive(Clone, Debug)]
pub(crate) enum TypeRef {
    /// No type (a struct's unknown keys): resolving it gives an atom with nothing in it.
    Empty,
    /// A named type, with the referencing schema's `x-kubernetes-map-type` override if any.
    Named(usize, Option<Relationship>),
    /// A type written in place.
    Inlined(Box<Atom>),
}

/// A list type.
#[derive(Clone, Debug)]
pub(crate) struct List {
    /// Atomic or associative.
    pub(crate) relationship: Relationship,
    /// The key fields of an associative list of maps (empty for a set).
    pub(crate) keys: Vec<String>,
    /// The items' type.
    pub(crate) element: TypeRef,
}

/// A struct field.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// The field's type.
    pub(crate) type_ref: TypeRef,
    /// The schema's `default` (used for missing list keys).
    pub(crate) default: Option<Value>,
}

/// A map or struct type.
#[derive(Clone, Debug)]
pub(crate) struct MapType {
    /// Named fields.
    pub(crate) fields: HashMap<String, Field>,
    /// The type of other keys ([`TypeRef::Empty`] when there may be none).
    pub(crate) element: TypeRef,
    /// Granular or atomic.
    pub(crate) relationship: Relationship,
    /// Whether the fields were declared at all (upstream's `Fields == nil`).
    pub(crate) has_fields: bool,
}

/// What a value of a type may be.
#[derive(Clone, Debug, Default)]
pub(crate) struct Atom {
    /// As a scalar.
    pub(crate) scalar: Option<Scalar>,
    /// As a list.
    pub(crate) list: Option<List>,
    /// As a map.
    pub(crate) map: Option<MapType>,
}

/// Index of the untyped atomic type.
const UNTYPED: usize = 0;
/// Index of the untyped deduced type.
const DEDUCED: usize = 1;
/// Upstream's special cases by name.
const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";
/// See [`QUANTITY`].
const RAW_EXTENSION: &str = "io.k8s.apimachinery.pkg.runtime.RawExtension";

/// The types of one group version.
#[derive(Debug)]
pub(crate) struct Schema {
    /// Every named type, the two untyped ones first.
    types: Vec<Atom>,
    /// `(group, version, kind)` → its type (a document also describes kinds of other groups,
    /// such as the `autoscaling/v1` `Scale` of a scale subresource).
    kinds: HashMap<(String, String, String), usize>,
}

impl Schema {
    /// The type of a kind's objects.
    pub(crate) fn kind(&self, group: &str, version: &str, kind: &str) -> Option<TypeRef> {
        self.kinds
            .get(&(group.to_owned(), version.to_owned(), kind.to_owned()))
            .map(|i| TypeRef::Named(*i, None))
    }

    /// Upstream's `Schema.Resolve`: the atom a reference stands for, with the override applied
    /// to its map (or else list); `None` where upstream fails (an override on a scalar).
    pub(crate) fn resolve<'a>(
        &'a self,
        type_ref: &'a TypeRef,
    ) -> Option<std::borrow::Cow<'a, Atom>> {
        use std::borrow::Cow;
        match type_ref {
            TypeRef::Empty => Some(Cow::Owned(Atom::default())),
            TypeRef::Inlined(atom) => Some(Cow::Borrowed(atom)),
            TypeRef::Named(i, None) => self.types.get(*i).map(Cow::Borrowed),
            TypeRef::Named(i, Some(relationship)) => {
                let mut atom = self.types.get(*i)?.clone();
                if let Some(map) = atom.map.as_mut() {
                    map.relationship = *relationship;
                } else if let Some(list) = atom.list.as_mut() {
                    list.relationship = *relationship;
                } else {
                    return None;
                }
                Some(Cow::Owned(atom))
            }
        }
    }

    /// Upstream's untyped deduced type.
    pub(crate) fn deduced(&self) -> TypeRef {
        TypeRef::Named(DEDUCED, None)
    }

    /// Whether a reference is upstream's untyped deduced type (or an inline untyped scalar).
    pub(crate) fn is_untyped_deduced(&self, type_ref: &TypeRef) -> bool {
        match type_ref {
            TypeRef::Named(i, _) => *i == DEDUCED,
            TypeRef::Inlined(atom) => atom.scalar == Some(Scalar::Untyped),
            TypeRef::Empty => false,
        }
    }
}

/// The schema of a group version, converted once.
pub(crate) fn for_group_version(group: &str, version: &str) -> Option<Arc<Schema>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Schema>>>>> = OnceLock::new();
    let path = crate::openapi::group_version_path(group, version);
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(found) = cache.lock().ok()?.get(&path) {
        return found.clone();
    }
    let schema = crate::openapi::published_document(&path).map(|doc| Arc::new(convert(&doc)));
    cache.lock().ok()?.insert(path, schema.clone());
    schema
}

/// A schema of the two untyped types only (for objects no document describes).
pub(crate) fn untyped() -> Arc<Schema> {
    static UNTYPED_SCHEMA: OnceLock<Arc<Schema>> = OnceLock::new();
    UNTYPED_SCHEMA
        .get_or_init(|| Arc::new(convert(&Value::Null)))
        .clone()
}

/// Converts a document's `components.schemas`.
fn convert(doc: &Value) -> Schema {
    let empty = Map::new();
    let schemas = doc["components"]["schemas"].as_object().unwrap_or(&empty);
    let mut names: HashMap<&str, usize> = HashMap::new();
    for (i, name) in schemas.keys().enumerate() {
        names.insert(name.as_str(), i + 2);
    }
    let converter = Converter { names: &names };
    let mut types = vec![untyped_atomic(), untyped_deduced()];
    let mut kinds = HashMap::new();
    for (name, schema) in schemas {
        let atom = match name.as_str() {
            QUANTITY => Atom {
                scalar: Some(Scalar::Untyped),
                ..Atom::default()
            },
            RAW_EXTENSION => untyped_atomic(),
            _ => converter.visit(schema, false),
        };
        let index = types.len();
        types.push(atom);
        for gvk in schema["x-kubernetes-group-version-kind"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let (Some(group), Some(version), Some(kind)) = (
                gvk["group"].as_str(),
                gvk["version"].as_str(),
                gvk["kind"].as_str(),
            ) {
                kinds
                    .entry((group.to_owned(), version.to_owned(), kind.to_owned()))
                    .or_insert(index);
            }
        }
    }
    Schema { types, kinds }
}

/// Upstream's `__untyped_atomic_`: any scalar, or an atomic list or map of itself.
fn untyped_atomic() -> Atom {
    Atom {
        scalar: Some(Scalar::Untyped),
        list: Some(List {
            relationship: Relationship::Atomic,
            keys: Vec::new(),
            element: TypeRef::Named(UNTYPED, None),
        }),
        map: Some(MapType {
            fields: HashMap::new(),
            element: TypeRef::Named(UNTYPED, None),
            relationship: Relationship::Atomic,
            has_fields: false,
        }),
    }
}

/// Upstream's `__untyped_deduced_`: any scalar, an atomic list, or a granular map of itself.
fn untyped_deduced() -> Atom {
    Atom {
        scalar: Some(Scalar::Untyped),
        list: Some(List {
            relationship: Relationship::Atomic,
            keys: Vec::new(),
            element: TypeRef::Named(UNTYPED, None),
        }),
        map: Some(MapType {
            fields: HashMap::new(),
            element: TypeRef::Named(DEDUCED, None),
            relationship: Relationship::Separable,
            has_fields: false,
        }),
    }
}

/// The conversion of one document.
struct Converter<'a> {
    /// Schema name → type index.
    names: &'a HashMap<&'a str, usize>,
}

impl Converter<'_> {
    /// `visitSpec`: a schema's atom; `preserve` is whether an ancestor preserves unknown
    /// fields.
    fn visit(&self, schema: &Value, preserve: bool) -> Atom {
        let preserve = preserve
            || schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        let type_name = schema.get("type").and_then(Value::as_str).unwrap_or("");
        match type_name {
            "" => Atom {
                scalar: Some(Scalar::Untyped),
                list: Some(self.list(schema, preserve)),
                map: Some(self.object(schema, preserve)),
            },
            "object" => Atom {
                map: Some(self.object(schema, preserve)),
                ..Atom::default()
            },
            "array" => Atom {
                list: Some(self.list(schema, preserve)),
                ..Atom::default()
            },
            "integer" | "number" => scalar(Scalar::Numeric),
            "boolean" => scalar(Scalar::Boolean),
            "string" => match schema.get("format").and_then(Value::as_str).unwrap_or("") {
                "" | "byte" => scalar(Scalar::String),
                _ => scalar(Scalar::Untyped),
            },
            _ => scalar(Scalar::Untyped),
        }
    }

    /// `makeOpenAPIRef`: a named type (with the referencing schema's map type) or an inline one.
    fn reference(&self, schema: &Value, preserve: bool) -> TypeRef {
        let mut reference = schema.get("$ref").and_then(Value::as_str).unwrap_or("");
        if reference.is_empty()
            && let Some([only]) = schema
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
        {
            reference = only.get("$ref").and_then(Value::as_str).unwrap_or("");
        }
        let name = reference.rsplit('/').next().unwrap_or("");
        if !name.is_empty() {
            let relationship = map_relationship(schema);
            // Upstream refers to the name even when no schema has it; resolving it fails there,
            // which here is the empty type.
            return match self.names.get(name) {
                Some(index) => TypeRef::Named(
                    *index,
                    (relationship != Relationship::Unset).then_some(relationship),
                ),
                None => TypeRef::Empty,
            };
        }
        TypeRef::Inlined(Box::new(self.visit(schema, preserve)))
    }

    /// `parseObject`.
    fn object(&self, schema: &Value, preserve: bool) -> MapType {
        let properties = schema.get("properties").and_then(Value::as_object);
        let mut fields = HashMap::new();
        for (name, member) in properties.into_iter().flatten() {
            fields.insert(
                name.clone(),
                Field {
                    type_ref: self.reference(member, preserve),
                    default: member.get("default").cloned(),
                },
            );
        }
        let element = match schema.get("additionalProperties") {
            None | Some(Value::Null) => {
                if preserve || fields.is_empty() {
                    TypeRef::Named(DEDUCED, None)
                } else {
                    TypeRef::Empty
                }
            }
            Some(Value::Bool(true)) => TypeRef::Named(DEDUCED, None),
            Some(Value::Bool(false)) => TypeRef::Empty,
            Some(additional) => self.reference(additional, preserve),
        };
        MapType {
            has_fields: !fields.is_empty(),
            fields,
            element,
            relationship: map_relationship(schema),
        }
    }

    /// `parseList`.
    fn list(&self, schema: &Value, preserve: bool) -> List {
        let (relationship, keys) = list_relationship(schema);
        let element = match schema.get("items") {
            Some(items) if items.is_object() => self.reference(items, preserve),
            _ => TypeRef::Named(UNTYPED, None),
        };
        List {
            relationship,
            keys,
            element,
        }
    }
}

/// An atom that is only a scalar.
fn scalar(kind: Scalar) -> Atom {
    Atom {
        scalar: Some(kind),
        ..Atom::default()
    }
}

/// `x-kubernetes-map-type`.
fn map_relationship(schema: &Value) -> Relationship {
    match schema.get("x-kubernetes-map-type").and_then(Value::as_str) {
        Some("atomic") => Relationship::Atomic,
        Some("granular") => Relationship::Separable,
        _ => Relationship::Unset,
    }
}

/// `getListElementRelationship`: the list type, else the patch strategy, else atomic.
fn list_relationship(schema: &Value) -> (Relationship, Vec<String>) {
    let strings = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(list_type) = schema.get("x-kubernetes-list-type") {
        return match list_type.as_str() {
            Some("set") => (Relationship::Associative, Vec::new()),
            Some("map") => (
                Relationship::Associative,
                strings(schema.get("x-kubernetes-list-map-keys")),
            ),
            _ => (Relationship::Atomic, Vec::new()),
        };
    }
    match schema
        .get("x-kubernetes-patch-strategy")
        .and_then(Value::as_str)
    {
        Some("merge" | "merge,retainKeys") => {
            match schema
                .get("x-kubernetes-patch-merge-key")
                .and_then(Value::as_str)
            {
                Some(key) => (Relationship::Associative, vec![key.to_owned()]),
                None => (Relationship::Associative, Vec::new()),
            }
        }
        _ => (Relationship::Atomic, Vec::new()),
    }
}
