//! Core `v1` kinds whose round trip through upstream's internal version changes them, although
//! `v1` is their only version (`pkg/apis/core/v1/conversion.go`).
//!
//! - `Secret`: the internal type has no `stringData`; its entries overwrite `data`'s.
//! - `Node`: the internal type has only `spec.podCIDRs`; `spec.podCIDR` wins over a differing
//!   first entry, fills an empty list, and is written back as the list's first entry.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

/// `v1` `Secret` → internal → `v1`: `stringData` is merged into `data` (base64) and dropped.
pub(crate) fn convert_secret(object: Value) -> Value {
    let Value::Object(mut secret) = object else {
        return object;
    };
    let Some(string_data) = secret.remove("stringData") else {
        return Value::Object(secret);
    };
    let Value::Object(string_data) = string_data else {
        return Value::Object(secret);
    };
    if string_data.is_empty() {
        return Value::Object(secret);
    }
    let data = secret
        .entry("data")
        .or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    if let Some(data) = data.as_object_mut() {
        for (key, value) in string_data {
            let text = value.as_str().unwrap_or_default();
            data.insert(key, Value::String(STANDARD.encode(text)));
        }
    }
    Value::Object(secret)
}

/// `v1` `Node` → internal → `v1`: `spec.podCIDR` and `spec.podCIDRs` made consistent
/// (`Convert_v1_NodeSpec_To_core_NodeSpec`, then `Convert_core_NodeSpec_To_v1_NodeSpec`).
pub(crate) fn convert_node(object: Value) -> Value {
    let mut object = object;
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return object;
    };
    let pod_cidr = spec
        .get("podCIDR")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let pod_cidrs: Vec<Value> = spec
        .get("podCIDRs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let first = pod_cidrs
        .first()
        .and_then(Value::as_str)
        .unwrap_or_default();
    let internal = if !pod_cidr.is_empty() && (pod_cidrs.is_empty() || pod_cidr != first) {
        vec![Value::String(pod_cidr)]
    } else {
        pod_cidrs
    };
    spec.remove("podCIDR");
    spec.remove("podCIDRs");
    if let Some(first) = internal
        .first()
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        spec.insert("podCIDR".to_string(), Value::String(first.to_string()));
    }
    if !internal.is_empty() {
        spec.insert("podCIDRs".to_string(), Value::Array(internal));
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_data_overwrites_data() {
        assert_eq!(
            convert_secret(
                json!({"data": {"a": "YQ==", "b": "Yg=="}, "stringData": {"b": "x", "c": "y"}})
            ),
            json!({"data": {"a": "YQ==", "b": "eA==", "c": "eQ=="}})
        );
        assert_eq!(
            convert_secret(json!({"stringData": {}, "type": "Opaque"})),
            json!({"type": "Opaque"})
        );
        assert_eq!(
            convert_secret(json!({"data": {"a": "YQ=="}})),
            json!({"data": {"a": "YQ=="}})
        );
    }

    #[test]
    fn pod_cidrs() {
        let node = |spec| json!({"spec": spec});
        assert_eq!(
            convert_node(node(json!({"podCIDR": "a", "podCIDRs": ["b", "c"]}))),
            node(json!({"podCIDR": "a", "podCIDRs": ["a"]}))
        );
        assert_eq!(
            convert_node(node(json!({"podCIDR": "a", "podCIDRs": ["a", "c"]}))),
            node(json!({"podCIDR": "a", "podCIDRs": ["a", "c"]}))
        );
        assert_eq!(
            convert_node(node(json!({"podCIDR": "a"}))),
            node(json!({"podCIDR": "a", "podCIDRs": ["a"]}))
        );
        assert_eq!(
            convert_node(node(json!({"podCIDRs": ["b"]}))),
            node(json!({"podCIDR": "b", "podCIDRs": ["b"]}))
        );
        assert_eq!(convert_node(node(json!({"podCIDR": ""}))), node(json!({})));
    }
}
