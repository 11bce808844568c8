//! RFC 6902 JSON patch as `gopkg.in/evanphx/json-patch.v4` applies it for kube-apiserver:
//! its quirks included (a `replace` of a missing object key adds it, `copy` from a missing
//! key copies `null`, negative array indices count from the end, a path's first segment is
//! ignored), with the server's limits.

use serde_json::{Map, Value};

use super::PatchError;
use crate::gocompat;
use crate::gocompat::json_kind;

/// Upstream's `maxJSONPatchOperations`.
pub const MAX_OPERATIONS: usize = 10000;
/// Upstream's default `JSONPatchMaxCopyBytes` (3 MiB), the bound on bytes added by `copy`.
pub const MAX_COPY_BYTES: usize = 3 * 1024 * 1024;

/// Decodes `patch` as `jsonpatch.DecodePatch` does and applies it to `original`.
pub fn apply(original: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let decoded: Value =
        serde_json::from_slice(patch).map_err(|e| PatchError::BadRequest(e.to_string()))?;
    let operations: Vec<Option<Map<String, Value>>> = match decoded {
        Value::Null => Vec::new(),
        Value::Array(items) => {
            let mut operations = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Null => operations.push(None),
                    Value::Object(map) => operations.push(Some(map)),
                    other => {
                        return Err(PatchError::BadRequest(format!(
                            "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                            json_kind(&other)
                        )));
                    }
                }
            }
            operations
        }
        other => {
            return Err(PatchError::BadRequest(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                json_kind(&other)
            )));
        }
    };
    if operations.len() > MAX_OPERATIONS {
        return Err(PatchError::TooManyOperations(operations.len()));
    }
    let mut doc = original.clone();
    let mut copied = 0usize;
    let empty = Map::new();
    for operation in &operations {
        let op = operation.as_ref().unwrap_or(&empty);
        apply_operation(&mut doc, op, &mut copied).map_err(PatchError::Unprocessable)?;
    }
    Ok(doc)
}

/// A string member of an operation: `Err` when absent (or null) or not a string.
fn string_member(op: &Map<String, Value>, key: &str) -> Result<String, String> {
    match op.get(key) {
        None | Some(Value::Null) => Err(format!("operation missing {key} field: missing value")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "json: cannot unmarshal {} into Go value of type string",
            json_kind(other)
        )),
    }
}

fn apply_operation(
    doc: &mut Value,
    op: &Map<String, Value>,
    copied: &mut usize,
) -> Result<(), String> {
    let kind = match op.get("op") {
        Some(Value::String(s)) => s.as_str(),
        _ => "unknown",
    };
    // A missing "value" is a nil node, which marshals as null, like an explicit null.
    let value = op.get("value").cloned().unwrap_or(Value::Null);
    match kind {
        "add" => {
            let path = string_member(op, "path")
                .map_err(|_| "add operation failed to decode path: missing value".to_string())?;
            let (container, key) = find_object(doc, &path).ok_or_else(|| {
                format!(
                    "add operation does not apply: doc is missing path: \"{path}\": missing value"
                )
            })?;
            container_add(container, &key, value)
                .map_err(|e| format!("error in add for path: '{path}': {e}"))
        }
        "remove" => {
            let path = string_member(op, "path")
                .map_err(|_| "remove operation failed to decode path: missing value".to_string())?;
            let (container, key) = find_object(doc, &path).ok_or_else(|| {
                format!("remove operation does not apply: doc is missing path: \"{path}\": missing value")
            })?;
            container_remove(container, &key)
                .map(|_| ())
                .map_err(|e| format!("error in remove for path: '{path}': {e}"))
        }
        "replace" => {
            let path = string_member(op, "path")
                .map_err(|e| format!("replace operation failed to decode path: {e}"))?;
            if path.is_empty() {
                if !matches!(value, Value::Object(_) | Value::Array(_)) {
                    return Err("replace operation value must be object or array".to_string());
                }
                *doc = value;
                return Ok(());
            }
            let (container, key) = find_object(doc, &path).ok_or_else(|| {
                format!(
                    "replace operation does not apply: doc is missing path: {path}: missing value"
                )
            })?;
            container_get(container, &key).map_err(|_| {
                format!(
                    "replace operation does not apply: doc is missing key: {path}: missing value"
                )
            })?;
            container_set(container, &key, value)
                .map_err(|e| format!("error in remove for path: '{path}': {e}"))
        }
        "move" => {
            let from = string_member(op, "from")
                .map_err(|e| format!("move operation failed to decode from: {e}"))?;
            let (container, key) = find_object(doc, &from).ok_or_else(|| {
                format!(
                    "move operation does not apply: doc is missing from path: {from}: missing value"
                )
            })?;
            container_get(container, &key)
                .map_err(|e| format!("error in move for path: '{key}': {e}"))?;
            let moved = container_remove(container, &key)
                .map_err(|e| format!("error in move for path: '{key}': {e}"))?;
            let path = string_member(op, "path")
                .map_err(|e| format!("move operation failed to decode path: {e}"))?;
            let (container, key) = find_object(doc, &path).ok_or_else(|| {
                format!("move operation does not apply: doc is missing destination path: {path}: missing value")
            })?;
            container_add(container, &key, moved)
                .map_err(|e| format!("error in move for path: '{path}': {e}"))
        }
        "test" => {
            let path = string_member(op, "path")
                .map_err(|e| format!("test operation failed to decode path: {e}"))?;
            let failed = || format!("testing value {path} failed: test failed");
            if path.is_empty() {
                return if !value.is_null() && node_equal(doc, &value) {
                    Ok(())
                } else {
                    Err(failed())
                };
            }
            let (container, key) = find_object(doc, &path).ok_or_else(|| {
                format!("test operation does not apply: is missing path: {path}: missing value")
            })?;
            let current = container_get(container, &key)
                .map_err(|e| format!("error in test for path: '{path}': {e}"))?;
            match current {
                None => {
                    if value.is_null() {
                        Ok(())
                    } else {
                        Err(failed())
                    }
                }
                Some(current) => {
                    if !value.is_null() && node_equal(current, &value) {
                        Ok(())
                    } else {
                        Err(failed())
                    }
                }
            }
        }
        "copy" => {
            let from = string_member(op, "from")
                .map_err(|e| format!("copy operation failed to decode from: {e}"))?;
            let (container, key) = find_object(doc, &from).ok_or_else(|| {
                format!(
                    "copy operation does not apply: doc is missing from path: {from}: missing value"
                )
            })?;
            let source = container_get(container, &key)
                .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
                .cloned();
            let path = string_member(op, "path")
                .map_err(|_| "copy operation failed to decode path: missing value".to_string())?;
            let (container, key) = find_object(doc, &path).ok_or_else(|| {
                format!("copy operation does not apply: doc is missing destination path: {path}: missing value")
            })?;
            let source = source.unwrap_or(Value::Null);
            // A nil source (missing key) copies null and adds nothing to the count.
            if !source.is_null() {
                *copied += gocompat::marshal_value(&source).len();
            }
            if *copied > MAX_COPY_BYTES {
                return Err(format!(
                    "Unable to complete the copy, the accumulated size increase of copy is {copied}, exceeding the limit {MAX_COPY_BYTES}"
                ));
            }
            container_add(container, &key, source)
                .map_err(|e| format!("error while adding value during copy: {e}"))
        }
        other => Err(format!("Unexpected kind: {other}")),
    }
}

/// RFC 6901 unescaping of one reference token.
fn decode_key(k: &str) -> String {
    k.replace("~1", "/").replace("~0", "~")
}

/// The container holding `path`'s last token and that token, as evanphx's `findObject`:
/// `None` when the path has fewer than two `/`-separated parts or an intermediate value is
/// missing, null or a scalar. The first part (normally empty) is ignored.
fn find_object<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let mut current = doc;
    for part in &split[1..split.len() - 1] {
        let key = decode_key(part);
        let next = match container_get_mut(current, &key) {
            Ok(Some(next)) => next,
            _ => return None,
        };
        if !matches!(next, Value::Object(_) | Value::Array(_)) {
            return None;
        }
        current = next;
    }
    Some((current, decode_key(split[split.len() - 1])))
}

/// Go's `strconv.Atoi`, with its error message.
fn atoi(key: &str) -> Result<i64, String> {
    let digits = key.strip_prefix(['+', '-']).unwrap_or(key);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            gocompat::quote(key)
        ));
    }
    key.trim_start_matches('+').parse::<i64>().map_err(|_| {
        format!(
            "strconv.Atoi: parsing {}: value out of range",
            gocompat::quote(key)
        )
    })
}

fn invalid_index(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: invalid index referenced")
}

/// Resolves an existing-element index (negative counts from the end).
fn element_index(key: &str, len: usize) -> Result<usize, String> {
    let idx = atoi(key)?;
    let len = len as i64;
    let resolved = if idx < 0 {
        if idx < -len {
            return Err(invalid_index(idx));
        }
        idx + len
    } else {
        idx
    };
    if resolved >= len {
        return Err(invalid_index(resolved));
    }
    Ok(resolved as usize)
}

fn container_get<'a>(container: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get(key).filter(|v| !v.is_null())),
        Value::Array(items) => {
            let idx = element_index(key, items.len())?;
            Ok(items.get(idx).filter(|v| !v.is_null()))
        }
        _ => Err("invalid state detected".to_string()),
    }
}

fn container_get_mut<'a>(
    container: &'a mut Value,
    key: &str,
) -> Result<Option<&'a mut Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get_mut(key).filter(|v| !v.is_null())),
        Value::Array(items) => {
            let idx = element_index(key, items.len())?;
            Ok(items.get_mut(idx).filter(|v| !v.is_null()))
        }
        _ => Err("invalid state detected".to_string()),
    }
}

fn container_set(container: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            let idx = element_index(key, items.len())?;
            items[idx] = value;
            Ok(())
        }
        _ => Err("invalid state detected".to_string()),
    }
}

fn container_add(container: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(value);
                return Ok(());
            }
            let idx = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = items.len() as i64 + 1;
            if idx >= size {
                return Err(invalid_index(idx));
            }
            let idx = if idx < 0 {
                if idx < -size {
                    return Err(invalid_index(idx));
                }
                idx + size
            } else {
                idx
            };
            items.insert(idx as usize, value);
            Ok(())
        }
        _ => Err("invalid state detected".to_string()),
    }
}

fn container_remove(container: &mut Value, key: &str) -> Result<Value, String> {
    match container {
        Value::Object(map) => map
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        Value::Array(items) => {
            let idx = atoi(key)?;
            let len = items.len() as i64;
            if idx >= len {
                return Err(invalid_index(idx));
            }
            let idx = if idx < 0 {
                if idx < -len {
                    return Err(invalid_index(idx));
                }
                idx + len
            } else {
                idx
            };
            Ok(items.remove(idx as usize))
        }
        _ => Err("invalid state detected".to_string()),
    }
}

/// evanphx's `lazyNode.equal`: structural for objects and arrays, the compact encoding for
/// scalars (so `1` and `1.0` differ, as upstream compares raw bytes).
fn node_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| match y.get(k) {
                    None => false,
                    Some(w) => match (v.is_null(), w.is_null()) {
                        (true, true) => true,
                        (false, false) => node_equal(v, w),
                        _ => false,
                    },
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| node_equal(v, w))
        }
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => false,
        _ => gocompat::marshal_value(a) == gocompat::marshal_value(b),
    }
}
