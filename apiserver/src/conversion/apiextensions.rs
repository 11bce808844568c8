//! `apiextensions.k8s.io` CustomResourceDefinition: `v1` (served) and `v1beta1` (stored).
//!
//! Upstream's internal type has the shape of `v1beta1`, so `v1beta1` JSON serves as the internal
//! form here. From `k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/conversion.go`:
//!
//! - `v1` → internal: `spec.version` is the first version's name; per-version `schema`,
//!   `subresources`, `additionalPrinterColumns` and `selectableFields` that are the same in
//!   every version (`apiequality.Semantic.DeepEqual`) move to the top level (`schema` becomes
//!   `validation`); the webhook's client config and review versions move up into `conversion`;
//!   `preserveUnknownFields` becomes a pointer, so `false` is written.
//! - internal → `v1`: a lone `spec.version` becomes `versions`; top-level fields are copied into
//!   every version (overwriting theirs); `conversion` gets a `webhook` when it has a client
//!   config or review versions; `preserveUnknownFields` is written only when true.
//! - printer columns call their path `JSONPath` in `v1beta1` and `jsonPath` in `v1`.
//! - schema values (`default`, `example`, `enum`) go through Go's `interface{}`: a `null`
//!   default or example is dropped, and numbers come back as Go writes them (`1.0` and `1e3`
//!   are integers again); schema booleans that are not pointers are left out when `false`.

use serde_json::{Map, Number, Value};

/// The `CustomResourceDefinition` versions this module converts.
pub(crate) const VERSIONS: &[&str] = &["v1", "v1beta1"];

/// Per-version fields that `v1beta1` can also hold once for all versions, with their
/// top-level name in `v1beta1`.
const HOISTED_FIELDS: &[(&str, &str)] = &[
    ("subresources", "subresources"),
    ("schema", "validation"),
    ("additionalPrinterColumns", "additionalPrinterColumns"),
    ("selectableFields", "selectableFields"),
];

/// Converts a `CustomResourceDefinition` (without its type meta) from `from` to `to` (both in
/// [`VERSIONS`]).
pub(crate) fn convert(object: Value, from: &str, to: &str) -> Value {
    let internal = match from {
        "v1" => from_v1(object),
        _ => normalize_schemas(object),
    };
    match to {
        "v1" => to_v1(internal),
        _ => to_v1beta1(internal),
    }
}

/// The members of `object`'s object member `name`, if it is an object.
fn object_mut<'a>(
    object: &'a mut Map<String, Value>,
    name: &str,
) -> Option<&'a mut Map<String, Value>> {
    object.get_mut(name).and_then(Value::as_object_mut)
}

/// Renames every printer column's path member from `from` to `to` in `columns`.
fn rename_column_paths(columns: &mut Value, from: &str, to: &str) {
    if let Some(columns) = columns.as_array_mut() {
        for column in columns.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(path) = column.remove(from) {
                column.insert(to.to_string(), path);
            }
        }
    }
}

/// `v1` → internal (`v1beta1` shape).
fn from_v1(object: Value) -> Value {
    let mut crd = match normalize_schemas(object) {
        Value::Object(crd) => crd,
        other => return other,
    };
    let Some(spec) = object_mut(&mut crd, "spec") else {
        return Value::Object(crd);
    };
    if let Some(versions) = spec.get_mut("versions").and_then(Value::as_array_mut) {
        for version in versions.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(columns) = version.get_mut("additionalPrinterColumns") {
                rename_column_paths(columns, "jsonPath", "JSONPath");
            }
        }
    }
    if let Some(conversion) = object_mut(spec, "conversion") {
        let webhook = conversion.remove("webhook");
        if let Some(Value::Object(mut webhook)) = webhook {
            if let Some(config) = webhook.remove("clientConfig").filter(|v| !v.is_null()) {
                conversion.insert("webhookClientConfig".to_string(), config);
            }
            if let Some(versions) = webhook
                .remove("conversionReviewVersions")
                .filter(|v| !v.is_null())
            {
                conversion.insert("conversionReviewVersions".to_string(), versions);
            }
        }
    }
    let preserve = spec
        .remove("preserveUnknownFields")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    spec.insert("preserveUnknownFields".to_string(), Value::Bool(preserve));

    let versions: Vec<Map<String, Value>> = spec
        .get("versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .map(|v| v.as_object().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let Some(first) = versions.first() else {
        return Value::Object(crd);
    };
    if let Some(name) = first.get("name") {
        spec.insert("version".to_string(), name.clone());
    }
    let mut hoisted = Vec::new();
    for (per_version, top_level) in HOISTED_FIELDS {
        let first_value = first.get(*per_version);
        if versions
            .iter()
            .all(|v| semantically_equal(v.get(*per_version), first_value))
        {
            if let Some(value) = first_value.filter(|v| !v.is_null()) {
                spec.insert((*top_level).to_string(), value.clone());
            }
            hoisted.push(*per_version);
        }
    }
    if let Some(versions) = spec.get_mut("versions").and_then(Value::as_array_mut) {
        for version in versions.iter_mut().filter_map(Value::as_object_mut) {
            for field in &hoisted {
                version.remove(*field);
            }
        }
    }
    Value::Object(crd)
}

/// Internal → `v1beta1`: the same shape; empty review versions are left out as `omitempty`
/// does.
fn to_v1beta1(internal: Value) -> Value {
    let mut internal = internal;
    if let Some(conversion) = internal
        .get_mut("spec")
        .and_then(|s| s.get_mut("conversion"))
        .and_then(Value::as_object_mut)
        && conversion
            .get("conversionReviewVersions")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
    {
        conversion.remove("conversionReviewVersions");
    }
    internal
}

/// Internal (`v1beta1` shape) → `v1`.
fn to_v1(internal: Value) -> Value {
    let Value::Object(mut crd) = internal else {
        return internal;
    };
    let Some(spec) = object_mut(&mut crd, "spec") else {
        return Value::Object(crd);
    };
    let version = spec.remove("version");
    let has_versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .is_some_and(|v| !v.is_empty());
    if !has_versions
        && let Some(name) = version.filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    {
        let mut only = Map::new();
        only.insert("name".to_string(), name);
        only.insert("served".to_string(), Value::Bool(true));
        only.insert("storage".to_string(), Value::Bool(true));
        spec.insert(
            "versions".to_string(),
            Value::Array(vec![Value::Object(only)]),
        );
    }
    for (per_version, top_level) in HOISTED_FIELDS {
        let Some(value) = spec.remove(*top_level).filter(|v| !v.is_null()) else {
            continue;
        };
        let empty_list = value.as_array().is_some_and(Vec::is_empty);
        if let Some(versions) = spec.get_mut("versions").and_then(Value::as_array_mut) {
            for version in versions.iter_mut().filter_map(Value::as_object_mut) {
                if empty_list {
                    // An empty list replaces the version's, and `omitempty` leaves it out.
                    version.remove(*per_version);
                } else {
                    version.insert((*per_version).to_string(), value.clone());
                }
            }
        }
    }
    if let Some(versions) = spec.get_mut("versions").and_then(Value::as_array_mut) {
        for version in versions.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(columns) = version.get_mut("additionalPrinterColumns") {
                rename_column_paths(columns, "JSONPath", "jsonPath");
            }
        }
    }
    if let Some(conversion) = object_mut(spec, "conversion") {
        let config = conversion
            .remove("webhookClientConfig")
            .filter(|v| !v.is_null());
        let review_versions = conversion
            .remove("conversionReviewVersions")
            .filter(|v| !v.is_null());
        if config.is_some() || review_versions.is_some() {
            let mut webhook = Map::new();
            if let Some(config) = config {
                webhook.insert("clientConfig".to_string(), config);
            }
            if let Some(versions) = review_versions {
                webhook.insert("conversionReviewVersions".to_string(), versions);
            }
            conversion.insert("webhook".to_string(), Value::Object(webhook));
        }
    }
    if spec
        .remove("preserveUnknownFields")
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        spec.insert("preserveUnknownFields".to_string(), Value::Bool(true));
    }
    Value::Object(crd)
}

/// Whether two per-version values are equal as upstream's `Semantic.DeepEqual` sees the typed
/// values: an absent member, `null`, `""` and an empty list all read as the zero value.
fn semantically_equal(a: Option<&Value>, b: Option<&Value>) -> bool {
    fn is_zero(v: Option<&Value>) -> bool {
        match v {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            Some(_) => false,
        }
    }
    if is_zero(a) || is_zero(b) {
        return is_zero(a) && is_zero(b);
    }
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => x
            .keys()
            .chain(y.keys())
            .all(|k| semantically_equal(x.get(k), y.get(k))),
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| semantically_equal(Some(p), Some(q)))
        }
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

// === schema values ===

/// Normalizes the JSON values in every schema of the CRD: the top-level `validation`
/// (`v1beta1`) and each version's `schema`.
fn normalize_schemas(object: Value) -> Value {
    let Value::Object(mut crd) = object else {
        return object;
    };
    if let Some(spec) = object_mut(&mut crd, "spec") {
        if let Some(validation) = object_mut(spec, "validation") {
            normalize_validation(validation);
        }
        if let Some(versions) = spec.get_mut("versions").and_then(Value::as_array_mut) {
            for version in versions.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(schema) = object_mut(version, "schema") {
                    normalize_validation(schema);
                }
            }
        }
    }
    Value::Object(crd)
}

/// `JSONSchemaProps` fields of Go type `bool` (not `*bool`).
const NON_POINTER_BOOLS: &[&str] = &[
    "exclusiveMaximum",
    "exclusiveMinimum",
    "uniqueItems",
    "nullable",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
];

/// A `CustomResourceValidation`: `{openAPIV3Schema: <JSONSchemaProps>}`.
fn normalize_validation(validation: &mut Map<String, Value>) {
    if let Some(schema) = validation.get_mut("openAPIV3Schema") {
        normalize_schema(schema);
    }
}

/// One `JSONSchemaProps` and every schema inside it.
fn normalize_schema(schema: &mut Value) {
    let Some(props) = schema.as_object_mut() else {
        return;
    };
    // Booleans that are not pointers: `false` is their zero value, which `omitempty` leaves out.
    for field in NON_POINTER_BOOLS {
        if props.get(*field) == Some(&Value::Bool(false)) {
            props.remove(*field);
        }
    }
    for field in ["default", "example"] {
        match props.get_mut(field) {
            Some(Value::Null) => {
                props.remove(field);
            }
            Some(value) => normalize_json(value),
            None => {}
        }
    }
    if let Some(Value::Array(values)) = props.get_mut("enum") {
        values.iter_mut().for_each(normalize_json);
    }
    // Schema-valued members.
    for field in ["not", "additionalProperties", "additionalItems", "items"] {
        match props.get_mut(field) {
            // `items` may be a list of schemas.
            Some(Value::Array(schemas)) => schemas.iter_mut().for_each(normalize_schema),
            Some(value) => normalize_schema(value),
            None => {}
        }
    }
    for field in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(schemas)) = props.get_mut(field) {
            schemas.iter_mut().for_each(normalize_schema);
        }
    }
    // Maps of schemas (`dependencies` values may also be lists of property names).
    for field in [
        "properties",
        "patternProperties",
        "definitions",
        "dependencies",
    ] {
        if let Some(Value::Object(schemas)) = props.get_mut(field) {
            schemas.values_mut().for_each(normalize_schema);
        }
    }
}

/// A JSON value as it comes back from Go's `interface{}` (`k8s.io/apimachinery/pkg/util/json`:
/// integers that fit `int64` stay integers, other numbers become `float64`, which Go writes
/// without a fraction when it has none).
fn normalize_json(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if n.is_i64() {
                return;
            }
            let f = n.as_f64().unwrap_or(0.0);
            // Go writes an integral float64 below 1e21 in plain digits, which read back as an
            // integer when they fit one.
            if f.fract() == 0.0 && f.abs() < 1e21 {
                if f >= -(2f64.powi(63)) && f < 2f64.powi(63) {
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    *n = Number::from(i);
                    return;
                }
                if f >= 0.0 && f < 2f64.powi(64) {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let u = f as u64;
                    *n = Number::from(u);
                    return;
                }
            }
            if let Some(f) = Number::from_f64(f) {
                *n = f;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_json),
        Value::Object(members) => members.values_mut().for_each(normalize_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd(spec: Value) -> Value {
        json!({"metadata": {"name": "a.b"}, "spec": spec})
    }

    #[test]
    fn identical_version_fields_are_hoisted_and_copied_back() {
        let schema = json!({"openAPIV3Schema": {"type": "object"}});
        let v1 = crd(json!({
            "group": "b", "names": {"plural": "a", "kind": "A"}, "scope": "Cluster",
            "versions": [
                {"name": "v2", "served": true, "storage": true, "schema": schema,
                 "additionalPrinterColumns": [{"name": "X", "type": "string", "jsonPath": ".x"}]},
                {"name": "v1", "served": true, "storage": false, "schema": schema,
                 "additionalPrinterColumns": [{"name": "Y", "type": "string", "jsonPath": ".y"}]},
            ],
        }));
        let beta = convert(v1.clone(), "v1", "v1beta1");
        assert_eq!(
            beta["spec"],
            json!({
                "group": "b", "version": "v2", "names": {"plural": "a", "kind": "A"},
                "scope": "Cluster", "preserveUnknownFields": false, "validation": schema,
                "versions": [
                    {"name": "v2", "served": true, "storage": true,
                     "additionalPrinterColumns": [{"name": "X", "type": "string", "JSONPath": ".x"}]},
                    {"name": "v1", "served": true, "storage": false,
                     "additionalPrinterColumns": [{"name": "Y", "type": "string", "JSONPath": ".y"}]},
                ],
            })
        );
        assert_eq!(convert(beta, "v1beta1", "v1"), v1);
    }

    #[test]
    fn a_lone_version_becomes_versions() {
        let beta = crd(json!({
            "group": "b", "version": "v1", "names": {"plural": "a", "kind": "A"},
            "subresources": {"status": {}}, "additionalPrinterColumns": [],
            "conversion": {"strategy": "Webhook", "webhookClientConfig": {"url": "https://x"}},
        }));
        let v1 = convert(beta, "v1beta1", "v1");
        assert_eq!(
            v1["spec"],
            json!({
                "group": "b", "names": {"plural": "a", "kind": "A"},
                "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}],
                "conversion": {"strategy": "Webhook", "webhook": {"clientConfig": {"url": "https://x"}}},
            })
        );
    }

    #[test]
    fn schema_values_come_back_as_go_writes_them() {
        let mut v = json!({"a": [1.0, 2.5, -3e2, 1e300, 9223372036854775807_i64, 18446744073709551615_u64]});
        normalize_json(&mut v);
        assert_eq!(
            v,
            json!({"a": [1, 2.5, -300, 1e300, 9223372036854775807_i64, 18446744073709551615.0]})
        );
        let mut schema = json!({"default": null, "example": 2.0, "enum": [null, 1.0],
            "properties": {"x": {"default": 4.0, "items": [{"default": 5.0}]}}});
        normalize_schema(&mut schema);
        assert_eq!(
            schema,
            json!({"example": 2, "enum": [null, 1],
            "properties": {"x": {"default": 4, "items": [{"default": 5}]}}})
        );
    }

    #[test]
    fn semantic_equality_ignores_zero_values() {
        assert!(semantically_equal(None, Some(&json!([]))));
        assert!(semantically_equal(
            Some(&json!({"a": "", "b": 1})),
            Some(&json!({"b": 1}))
        ));
        assert!(!semantically_equal(Some(&json!({})), None));
        assert!(!semantically_equal(
            Some(&json!({"a": false})),
            Some(&json!({}))
        ));
    }
}
