//! The Go type graph of every built-in kind as upstream's types declare it: each type's reflect
//! kind, struct fields by JSON name, element types, patch strategies and merge keys, and
//! whether it decodes itself (`json.Unmarshaler`). `testdata/patch-gen -meta` reflects over
//! upstream's scheme to write it (`patch/k8s-v1.37.2-patch-meta.json`); strategic merge patch
//! and the typed-decoding checks ([`crate::typed_decode`]) walk it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// One field of a Go struct: its JSON name, type, patch strategies and merge key.
#[derive(Debug, Deserialize)]
pub(crate) struct FieldMeta {
    /// The JSON name.
    pub(crate) n: String,
    /// The type id (a key of [`TypeGraph::types`]).
    pub(crate) t: String,
    /// The patch strategies (`x-kubernetes-patch-strategy`, split on `,`).
    #[serde(default)]
    pub(crate) s: Vec<String>,
    /// The patch merge key.
    #[serde(default)]
    pub(crate) m: String,
}

/// One Go type: its reflect kind, name (structs), element type or fields.
#[derive(Debug, Deserialize)]
pub(crate) struct TypeMeta {
    /// The reflect kind (`struct`, `ptr`, `slice`, `map`, `string`, `int32`, …).
    pub(crate) k: String,
    /// The struct's name.
    #[serde(default)]
    pub(crate) n: String,
    /// The element type id (pointers, slices, maps).
    #[serde(default)]
    pub(crate) e: String,
    /// The struct's fields, embedded structs flattened.
    #[serde(default)]
    pub(crate) f: Vec<FieldMeta>,
    /// Whether the type decodes itself (`json.Unmarshaler`).
    #[serde(default)]
    pub(crate) u: bool,
}

/// The generated file: root type per `apiVersion/kind`, and the type graph.
#[derive(Debug, Deserialize)]
pub(crate) struct TypeGraph {
    /// `apiVersion/kind` → the kind's type id.
    pub(crate) kinds: HashMap<String, String>,
    /// Type id (`k8s.io/api/core/v1.Container`, `*int32`, `[]string`, …) → the type.
    pub(crate) types: HashMap<String, TypeMeta>,
}

/// The graph, parsed once.
pub(crate) fn graph() -> &'static TypeGraph {
    static GRAPH: OnceLock<TypeGraph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        serde_json::from_str(include_str!("patch/k8s-v1.37.2-patch-meta.json")).unwrap_or_else(
            |_| TypeGraph {
                kinds: HashMap::new(),
                types: HashMap::new(),
            },
        )
    })
}

/// Go's `reflect.Type.String()` of a type id: package paths shortened to the package name
/// (`k8s.io/api/core/v1.Container` → `v1.Container`, `map[string]k8s.io/api/core/v1.X` →
/// `map[string]v1.X`).
pub(crate) fn go_type_string(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        match token.rfind('/') {
            Some(slash) => out.push_str(&token[slash + 1..]),
            None => out.push_str(token),
        }
        token.clear();
    };
    for c in id.chars() {
        if matches!(c, '[' | ']' | '*') {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_strings_are_gos() {
        assert_eq!(
            go_type_string("k8s.io/api/core/v1.Container"),
            "v1.Container"
        );
        assert_eq!(
            go_type_string("[]k8s.io/api/core/v1.Container"),
            "[]v1.Container"
        );
        assert_eq!(
            go_type_string("map[string]k8s.io/apimachinery/pkg/api/resource.Quantity"),
            "map[string]resource.Quantity"
        );
        assert_eq!(go_type_string("*int32"), "*int32");
        assert_eq!(go_type_string("[]uint8"), "[]uint8");
    }

    #[test]
    fn the_graph_loads() {
        let graph = graph();
        assert!(graph.kinds.contains_key("apps/v1/Deployment"));
        assert!(graph.types["k8s.io/apimachinery/pkg/util/intstr.IntOrString"].u);
    }
}
