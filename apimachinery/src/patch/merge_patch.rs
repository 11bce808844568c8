//! RFC 7386 JSON merge patch as `gopkg.in/evanphx/json-patch.v4`'s `MergePatch` applies it:
//! nulls delete, objects merge, anything else replaces; nulls inside newly added objects
//! are pruned (but not inside arrays that replace an object).

use serde_json::{Map, Value};

use super::PatchError;

/// Upstream's `ErrBadJSONPatch` message.
const BAD_PATCH: &str = "Invalid JSON Patch";

/// Merges `patch` into `original`. A top-level array patch becomes the result (nulls pruned
/// inside its objects), as upstream; any other non-object patch is refused with 400.
pub fn apply(original: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let patch: Value =
        serde_json::from_slice(patch).map_err(|_| PatchError::BadRequest(BAD_PATCH.to_string()))?;
    match patch {
        Value::Object(patch) => {
            let mut doc = match original {
                Value::Object(map) => map.clone(),
                _ => Map::new(),
            };
            merge_docs(&mut doc, patch);
            Ok(Value::Object(doc))
        }
        Value::Array(mut items) => {
            prune_array_nulls(&mut items);
            Ok(Value::Array(items))
        }
        _ => Err(PatchError::BadRequest(BAD_PATCH.to_string())),
    }
}

fn merge(current: Value, mut patch: Value) -> Value {
    let Value::Object(mut current) = current else {
        prune_nulls(&mut patch);
        return patch;
    };
    let Value::Object(patch) = patch else {
        return patch;
    };
    merge_docs(&mut current, patch);
    Value::Object(current)
}

fn merge_docs(doc: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, mut value) in patch {
        if value.is_null() {
            doc.remove(&key);
            continue;
        }
        match doc.remove(&key) {
            None | Some(Value::Null) => {
                prune_nulls(&mut value);
                doc.insert(key, value);
            }
            Some(current) => {
                doc.insert(key, merge(current, value));
            }
        }
    }
}

fn prune_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => prune_object_nulls(map),
        Value::Array(items) => prune_array_nulls(items),
        _ => {}
    }
}

fn prune_object_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, v| !v.is_null());
    for v in map.values_mut() {
        prune_nulls(v);
    }
}

/// Array elements that are null stay; objects inside lose their null members.
fn prune_array_nulls(items: &mut [Value]) {
    for v in items.iter_mut() {
        prune_nulls(v);
    }
}
