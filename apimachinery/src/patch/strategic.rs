//! Strategic merge patch as `k8s.io/apimachinery/pkg/util/strategicpatch`'s
//! `StrategicMergeMapPatch` applies it on the server (`MergeParallelList` and
//! `IgnoreUnmatchedNulls` on), driven by the patch metadata of upstream's Go types, which
//! `testdata/patch-gen -meta` wrote to `k8s-v1.37.2-patch-meta.json` ([`crate::gotypes`]).

use serde_json::{Map, Value};

use super::{PatchError, go_v};
use crate::gocompat::json_kind;
use crate::gotypes::{TypeMeta, graph as meta};

const DIRECTIVE: &str = "$patch";
const REPLACE: &str = "replace";
const DELETE: &str = "delete";
const MERGE: &str = "merge";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const RETAIN_KEYS_STRATEGY: &str = "retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";

/// Upstream `mergepatch` sentinel errors that the handler turns into 400.
const BAD_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const BAD_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const BAD_SET_ELEMENT_ORDER: &str = "invalid patch format of setElementOrder list";
/// Upstream sentinel the handler turns into 422.
const NO_LIST_OF_LISTS: &str = "lists of lists are not supported";

/// Whether strategic merge patch metadata exists for `api_version`/`kind`.
pub fn has_metadata(api_version: &str, kind: &str) -> bool {
    meta().kinds.contains_key(&format!("{api_version}/{kind}"))
}

/// An error while merging: the message and how the handler reports it.
#[derive(Debug)]
enum SmpError {
    /// 400 (upstream's `interpretStrategicMergePatchError` sentinels).
    BadRequest(String),
    /// 422.
    Unprocessable(String),
    /// Anything else: 500.
    Internal(String),
}

impl From<SmpError> for PatchError {
    fn from(e: SmpError) -> Self {
        match e {
            SmpError::BadRequest(m) => PatchError::BadRequest(m),
            SmpError::Unprocessable(m) => PatchError::Unprocessable(m),
            SmpError::Internal(m) => PatchError::Internal(m),
        }
    }
}

type Result<T> = std::result::Result<T, SmpError>;

fn internal(m: impl Into<String>) -> SmpError {
    SmpError::Internal(m.into())
}

/// `PatchMetaFromStruct`: a position in the Go type graph.
#[derive(Clone, Copy)]
struct Schema {
    ty: &'static str,
}

/// Patch strategies and merge key of a field.
struct PatchMeta {
    strategies: Vec<String>,
    merge_key: String,
}

impl Schema {
    fn ty(&self) -> Option<&'static TypeMeta> {
        meta().types.get(self.ty)
    }

    /// `Name()`: the reflect kind of the type.
    fn name(&self) -> &'static str {
        self.ty().map_or("invalid", |t| t.k.as_str())
    }

    fn lookup_struct(&self, key: &str) -> Result<(Schema, PatchMeta)> {
        let mut t = self.ty().ok_or_else(|| internal("unknown type"))?;
        if t.k == "ptr" {
            t = meta()
                .types
                .get(t.e.as_str())
                .ok_or_else(|| internal("unknown type"))?;
        }
        if t.k != "struct" {
            return Err(internal(format!(
                "merging an object in json but data type is not struct, instead is: {}",
                t.k
            )));
        }
        let field =
            t.f.iter()
                .find(|f| f.n == key)
                .or_else(|| t.f.iter().find(|f| equal_fold(&f.n, key)));
        match field {
            Some(f) => Ok((
                Schema { ty: f.t.as_str() },
                PatchMeta {
                    strategies: if f.s.is_empty() {
                        vec![String::new()]
                    } else {
                        f.s.clone()
                    },
                    merge_key: f.m.clone(),
                },
            )),
            None => Err(internal(format!(
                "unable to find api field in struct {} for the json field {}",
                t.n,
                crate::gocompat::quote(key)
            ))),
        }
    }

    fn lookup_slice(&self, key: &str) -> Result<(Schema, PatchMeta)> {
        let (sub, pm) = self.lookup_struct(key)?;
        let t = sub.ty().ok_or_else(|| internal("unknown type"))?;
        let kind_of = |id: &str| meta().types.get(id).map_or("", |t| t.k.as_str());
        let elem: &'static str = match t.k.as_str() {
            "slice" | "array" => {
                if matches!(kind_of(&t.e), "slice" | "array") {
                    return Err(internal("unexpected slice of slice"));
                }
                t.e.as_str()
            }
            "ptr" => {
                let inner = meta()
                    .types
                    .get(t.e.as_str())
                    .ok_or_else(|| internal("unknown type"))?;
                if matches!(inner.k.as_str(), "slice" | "array") {
                    inner.e.as_str()
                } else {
                    t.e.as_str()
                }
            }
            _ => {
                return Err(internal(format!(
                    "expected slice or array type, but got: {}",
                    self.name()
                )));
            }
        };
        Ok((Schema { ty: elem }, pm))
    }
}

/// Go's case folding comparison of field names (`bytes.EqualFold`), simplified to Unicode
/// lowercase comparison.
fn equal_fold(a: &str, b: &str) -> bool {
    a.chars().count() == b.chars().count()
        && a.chars()
            .zip(b.chars())
            .all(|(x, y)| x == y || x.to_lowercase().eq(y.to_lowercase()))
}

/// Applies a strategic merge patch to `original` for the built-in kind `api_version`/`kind`.
pub fn apply(
    original: &Value,
    patch: &[u8],
    api_version: &str,
    kind: &str,
) -> std::result::Result<Value, PatchError> {
    let Some(root) = meta().kinds.get(&format!("{api_version}/{kind}")) else {
        return Err(PatchError::UnsupportedMediaType);
    };
    let patch: Value =
        serde_json::from_slice(patch).map_err(|e| PatchError::BadRequest(e.to_string()))?;
    let patch = match patch {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(PatchError::BadRequest(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(&other)
            )));
        }
    };
    let original = match original {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let merged = merge_map(original, patch, Schema { ty: root.as_str() })?;
    Ok(Value::Object(merged))
}

/// The Go type name `reflect.TypeOf` gives a decoded value (ints as int64, as the server's
/// decoder keeps them).
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn bad_arg_type(expected: &str, actual: &Value) -> SmpError {
    let actual = if actual.is_null() {
        "%!s(<nil>)"
    } else {
        go_type(actual)
    };
    internal(format!("expected a {expected}, but received a {actual}"))
}

const MAP_TYPE: &str = "map[string]interface {}";
const SLICE_TYPE: &str = "[]interface {}";

fn no_merge_key(m: &Map<String, Value>, key: &str) -> SmpError {
    internal(format!(
        "map: {} does not contain declared merge key: {}",
        go_v(&Value::Object(m.clone())),
        key
    ))
}

fn bad_patch_type(t: &Value, m: &Map<String, Value>) -> SmpError {
    let t = match t {
        Value::String(s) => s.clone(),
        other => format!("%!s({}={})", go_type(other), go_v(other)),
    };
    internal(format!(
        "unknown patch type: {} in map: {}",
        t,
        go_v(&Value::Object(m.clone()))
    ))
}

fn is_str(v: &Value, s: &str) -> bool {
    v.as_str() == Some(s)
}

fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Schema,
) -> Result<Map<String, Value>> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        if is_str(directive, REPLACE) {
            patch.remove(DIRECTIVE);
            return Ok(patch);
        }
        if is_str(directive, DELETE) {
            return Ok(Map::new());
        }
        return Err(bad_patch_type(directive, &patch));
    }
    apply_retain_keys(&mut original, &mut patch)?;
    merge_patch_into_original(&mut original, &mut patch, schema)?;

    let keys: Vec<String> = patch.keys().cloned().collect();
    for key in keys {
        let Some(patch_v) = patch.remove(&key) else {
            continue;
        };
        let mut k = key.clone();
        let mut is_delete_list = false;
        if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            let rest = extract_key(&key, DELETE_FROM_PRIMITIVE_LIST)?;
            is_delete_list = true;
            if !rest.is_empty() {
                k = rest;
            }
        }
        if patch_v.is_null() {
            original.remove(&k);
            continue;
        }
        let same_type = original.get(&k).map(|o| go_type(o) == go_type(&patch_v));
        match same_type {
            None | Some(false) => {
                if !is_delete_list {
                    let mut v = patch_v;
                    discard_nulls(&mut v);
                    match remove_directives(v) {
                        Some(v) => {
                            original.insert(k, v);
                        }
                        None => {
                            original.remove(&k);
                        }
                    }
                }
                continue;
            }
            Some(true) => {}
        }
        let Some(orig_v) = original.remove(&k) else {
            continue;
        };
        let merged = match (orig_v, patch_v) {
            (Value::Object(o), Value::Object(p)) => {
                let (sub, pm) = schema.lookup_struct(&k)?;
                let strategy = extract_retain_keys_strategy(&pm.strategies)?;
                if strategy != REPLACE {
                    Value::Object(merge_map(o, p, sub)?)
                } else {
                    Value::Object(p)
                }
            }
            (Value::Array(o), Value::Array(p)) => {
                let (sub, pm) = schema.lookup_slice(&k)?;
                let strategy = extract_retain_keys_strategy(&pm.strategies)?;
                if strategy == MERGE || is_delete_list {
                    Value::Array(merge_slice(o, p, sub, &pm.merge_key, is_delete_list)?)
                } else {
                    Value::Array(p)
                }
            }
            (_, p) => match remove_directives(p) {
                Some(v) => v,
                None => continue,
            },
        };
        original.insert(k, merged);
    }
    Ok(original)
}

/// `extractKey`: the part after `prefix/`.
fn extract_key(s: &str, prefix: &str) -> Result<String> {
    match s.split_once('/') {
        Some((head, rest)) if head == prefix => Ok(rest.to_string()),
        _ => Err(match prefix {
            DELETE_FROM_PRIMITIVE_LIST => SmpError::BadRequest(BAD_PRIMITIVE_LIST.to_string()),
            _ => SmpError::BadRequest(BAD_SET_ELEMENT_ORDER.to_string()),
        }),
    }
}

fn extract_retain_keys_strategy(strategies: &[String]) -> Result<String> {
    match strategies {
        [] => Ok(String::new()),
        [one] if one == RETAIN_KEYS_STRATEGY => Ok(String::new()),
        [one] => Ok(one.clone()),
        [a, b] if a == RETAIN_KEYS_STRATEGY => Ok(b.clone()),
        [a, b] if b == RETAIN_KEYS_STRATEGY => Ok(a.clone()),
        _ => Err(internal(format!(
            "unexpected patch strategy: [{}]",
            strategies.join(" ")
        ))),
    }
}

fn discard_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for v in map.values_mut() {
                discard_nulls(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}

/// `removeDirectives`: `None` when the value itself is a directive map.
fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(map) => {
            if map.contains_key(DIRECTIVE) {
                return None;
            }
            let mut out = Map::new();
            for (k, v) in map {
                if let Some(v) = remove_directives(v) {
                    out.insert(k, v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}

fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<()> {
    let Some(retain) = patch.remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    let Value::Array(list) = retain else {
        return Err(SmpError::BadRequest(BAD_RETAIN_KEYS.to_string()));
    };
    let retained = |k: &str| list.iter().any(|v| v.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || k.starts_with(SET_ELEMENT_ORDER)
        {
            continue;
        }
        if !retained(k) {
            return Err(SmpError::BadRequest(BAD_RETAIN_KEYS.to_string()));
        }
    }
    original.retain(|k, _| retained(k));
    Ok(())
}

fn merge_patch_into_original(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Schema,
) -> Result<()> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
        .cloned()
        .collect();
    for key in keys {
        let Some(order_v) = patch.remove(&key) else {
            continue;
        };
        let Value::Array(order) = order_v else {
            return Err(bad_arg_type(SLICE_TYPE, &order_v));
        };
        let original_key = extract_key(&key, SET_ELEMENT_ORDER)?;
        let original_list = original.get(&original_key).cloned();
        let patch_list = patch.get(&original_key).cloned();
        let original_items = match &original_list {
            Some(Value::Array(items)) => Some(items.clone()),
            Some(other) => return Err(bad_arg_type(SLICE_TYPE, other)),
            None => None,
        };
        let patch_items = match &patch_list {
            Some(Value::Array(items)) => Some(items.clone()),
            Some(other) => return Err(bad_arg_type(SLICE_TYPE, other)),
            None => None,
        };
        let (sub, pm) = schema.lookup_slice(&original_key)?;
        let strategy = extract_retain_keys_strategy(&pm.strategies)?;
        validate_patch_with_set_order_list(
            patch_items.as_deref().unwrap_or(&[]),
            &order,
            &pm.merge_key,
        )?;
        let merged = match (&original_items, &patch_items) {
            (Some(o), None) => o.clone(),
            (None, Some(p)) => match remove_directives(Value::Array(p.clone())) {
                Some(Value::Array(v)) => v,
                _ => continue,
            },
            (Some(o), Some(p)) => {
                if strategy == MERGE {
                    merge_slice(o.clone(), p.clone(), sub, &pm.merge_key, false)?
                } else {
                    p.clone()
                }
            }
            (None, None) => continue,
        };
        let (patch_part, server_only) = if pm.merge_key.is_empty() {
            partition_primitives(&merged, &order)
        } else {
            partition_maps(&merged, &order, &pm.merge_key)?
        };
        let empty = Vec::new();
        let original_field = original_items.as_ref().unwrap_or(&empty);
        let kind = slice_element_kind(&[original_field, patch_items.as_ref().unwrap_or(&empty)])?;
        let both = normalize_element_order(
            patch_part,
            server_only,
            &order,
            original_field,
            &pm.merge_key,
            kind,
        )?;
        original.insert(original_key.clone(), Value::Array(both));
        patch.remove(&original_key);
    }
    Ok(())
}

fn validate_patch_with_set_order_list(
    patch_list: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let non_delete: Vec<Value> = if merge_key.is_empty() {
        patch_list.to_vec()
    } else {
        extract_to_delete_items(patch_list.to_vec())?.0
    };
    let (mut pi, mut oi) = (0, 0);
    while pi < non_delete.len() && oi < order.len() {
        if non_delete[pi]
            .as_object()
            .is_some_and(|m| m.contains_key(DIRECTIVE))
        {
            pi += 1;
            continue;
        }
        if merge_key_value_equal(&non_delete[pi], &order[oi], merge_key)? {
            pi += 1;
        }
        oi += 1;
    }
    if pi < non_delete.len() && oi >= order.len() {
        return Err(internal(format!(
            "The order in patch list:\n{}\n doesn't match {} list:\n{}\n",
            go_v(&Value::Array(patch_list.to_vec())),
            SET_ELEMENT_ORDER,
            go_v(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let l = left
        .as_object()
        .ok_or_else(|| bad_arg_type(MAP_TYPE, left))?;
    let r = right
        .as_object()
        .ok_or_else(|| bad_arg_type(MAP_TYPE, right))?;
    let lv = l.get(merge_key).ok_or_else(|| no_merge_key(l, merge_key))?;
    let rv = r.get(merge_key).ok_or_else(|| no_merge_key(r, merge_key))?;
    Ok(lv == rv)
}

fn extract_to_delete_items(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for v in list {
        let Some(m) = v.as_object() else {
            return Err(bad_arg_type(MAP_TYPE, &v));
        };
        if m.get(DIRECTIVE).is_some_and(|d| is_str(d, DELETE)) {
            delete.push(v);
        } else {
            keep.push(v);
        }
    }
    Ok((keep, delete))
}

/// The element kind of lists (`sliceElementType`): `true` for maps.
fn slice_element_kind(slices: &[&Vec<Value>]) -> Result<bool> {
    let mut prev: Option<&'static str> = None;
    for s in slices {
        for v in s.iter() {
            let t = go_type(v);
            match prev {
                None => {
                    if t == SLICE_TYPE {
                        return Err(SmpError::Unprocessable(NO_LIST_OF_LISTS.to_string()));
                    }
                    if t == "<nil>" {
                        return Err(internal(
                            "runtime error: invalid memory address or nil pointer dereference",
                        ));
                    }
                    prev = Some(t);
                }
                Some(p) if p != t => {
                    let all: Vec<Value> =
                        slices.iter().map(|s| Value::Array((*s).clone())).collect();
                    return Err(internal(format!(
                        "list element types are not identical: {}",
                        go_v(&Value::Array(all))
                    )));
                }
                Some(_) => {}
            }
        }
    }
    match prev {
        None => Err(internal("no elements in any of the given slices")),
        Some(t) => Ok(t == MAP_TYPE),
    }
}

fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: Schema,
    merge_key: &str,
    is_delete_list: bool,
) -> Result<Vec<Value>> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let is_map = slice_element_kind(&[&original, &patch])?;
    let (merged, original, patch) = if !is_map {
        if is_delete_list {
            return Ok(original
                .into_iter()
                .filter(|v| !patch.contains(v))
                .collect());
        }
        let mut both = original.clone();
        both.extend(patch.iter().cloned());
        (deduplicate_scalars(both), original, patch)
    } else {
        if merge_key.is_empty() {
            return Err(internal(format!(
                "cannot merge lists without merge key for {}",
                schema.name()
            )));
        }
        let (original, patch) = merge_slice_with_special_elements(original, patch, merge_key)?;
        let (merged, original) =
            merge_slice_without_special_elements(original, &patch, merge_key, schema)?;
        (merged, original, patch)
    };
    let (patch_items, server_only) = if merge_key.is_empty() {
        partition_primitives(&merged, &patch)
    } else {
        partition_maps(&merged, &patch, merge_key)?
    };
    normalize_element_order(
        patch_items,
        server_only,
        &patch,
        &original,
        merge_key,
        is_map,
    )
}

fn deduplicate_scalars(mut s: Vec<Value>) -> Vec<Value> {
    if s.is_empty() {
        return s;
    }
    let mut length = s.len() - 1;
    let mut i = 0;
    while i < length {
        let mut j = i + 1;
        while j <= length {
            if s[i] == s[j] {
                s[j] = s[length].clone();
                s.truncate(length);
                length -= 1;
                continue;
            }
            j += 1;
        }
        i += 1;
    }
    s
}

fn merge_slice_with_special_elements(
    original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut original = original;
    let mut without = Vec::new();
    let mut replace = false;
    for v in patch {
        let Some(m) = v.as_object() else {
            return Err(bad_arg_type(MAP_TYPE, &v));
        };
        match m.get(DIRECTIVE) {
            None => without.push(v),
            Some(d) if is_str(d, DELETE) => match m.get(merge_key) {
                Some(mv) => {
                    let mv = mv.clone();
                    while let Some(idx) = find_map_by_key(&original, merge_key, &mv)? {
                        original.remove(idx);
                    }
                }
                None => return Err(no_merge_key(m, merge_key)),
            },
            Some(d) if is_str(d, REPLACE) => replace = true,
            Some(d) if is_str(d, MERGE) => {
                return Err(internal(
                    "merging lists cannot yet be specified in the patch",
                ));
            }
            Some(d) => return Err(bad_patch_type(d, m)),
        }
    }
    if replace {
        return Ok((without, Vec::new()));
    }
    Ok((original, without))
}

/// Merges patch maps into `original` by merge key; returns the merged list and `original`
/// as upstream's `mergeSlice` sees it afterwards (merged in place, without appended items).
fn merge_slice_without_special_elements(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    schema: Schema,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let original_len = original.len();
    for v in patch {
        let Some(m) = v.as_object() else {
            return Err(bad_arg_type(MAP_TYPE, v));
        };
        let mv = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
        match find_map_by_key(&original, merge_key, mv)? {
            Some(idx) => {
                let current = match std::mem::take(&mut original[idx]) {
                    Value::Object(o) => o,
                    _ => Map::new(),
                };
                original[idx] = Value::Object(merge_map(current, m.clone(), schema)?);
            }
            None => original.push(v.clone()),
        }
    }
    let before = original[..original_len.min(original.len())].to_vec();
    Ok((original, before))
}

fn find_map_by_key(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, v) in list.iter().enumerate() {
        let Some(m) = v.as_object() else {
            return Err(internal(format!("value for key {i} is not a map")));
        };
        if m.get(key).is_some_and(|mv| mv == value) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn partition_primitives(original: &[Value], by: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let mut patch = Vec::new();
    let mut server = Vec::new();
    for v in original {
        if by.contains(v) {
            patch.push(v.clone());
        } else {
            server.push(v.clone());
        }
    }
    (patch, server)
}

fn partition_maps(
    original: &[Value],
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut patch = Vec::new();
    let mut server = Vec::new();
    for v in original {
        let m = v.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, v))?;
        let mv = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
        if find_map_by_key(by, merge_key, mv)?.is_some() {
            patch.push(v.clone());
        } else {
            server.push(v.clone());
        }
    }
    Ok((patch, server))
}

/// `index`: position of `v` in `list`, by merge key value for maps.
fn index_of(list: &[Value], v: &Value, merge_key: &str, is_map: bool) -> Option<usize> {
    let key_of = |item: &Value| -> Value {
        if is_map {
            item.as_object()
                .and_then(|m| m.get(merge_key))
                .cloned()
                .unwrap_or(Value::Null)
        } else {
            item.clone()
        }
    };
    let wanted = key_of(v);
    list.iter().position(|item| key_of(item) == wanted)
}

fn normalize_element_order(
    patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    is_map: bool,
) -> Result<Vec<Value>> {
    let patch = normalize_slice_order(patch, patch_order, merge_key, is_map)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, is_map)?;
    Ok(merge_sorted_slice(
        server_only,
        patch,
        server_order,
        merge_key,
        is_map,
    ))
}

fn merge_sorted_slice(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    is_map: bool,
) -> Vec<Value> {
    let size = left.len() + right.len();
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(size);
    for _ in 0..size {
        if i >= left.len() && j < right.len() {
            out.push(right[j].clone());
            j += 1;
        } else if j >= right.len() && i < left.len() {
            out.push(left[i].clone());
            i += 1;
        } else {
            let li = index_of(server_order, &left[i], merge_key, is_map);
            let ri = index_of(server_order, &right[j], merge_key, is_map);
            match (li, ri) {
                (Some(l), Some(r)) if l < r => {
                    out.push(left[i].clone());
                    i += 1;
                }
                _ => {
                    out.push(right[j].clone());
                    j += 1;
                }
            }
        }
    }
    out
}

fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    is_map: bool,
) -> Result<Vec<Value>> {
    let (mut to_sort, to_delete) = if is_map {
        for item in to_sort.iter().chain(order) {
            let m = item
                .as_object()
                .ok_or_else(|| bad_arg_type(MAP_TYPE, item))?;
            if !m.contains_key(merge_key) {
                return Err(no_merge_key(m, merge_key));
            }
        }
        extract_to_delete_items(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    let less = |a: &Value, b: &Value| -> bool {
        if let Some(ia) = index_of(order, a, merge_key, is_map)
            && let Some(ib) = index_of(order, b, merge_key, is_map)
        {
            return ia < ib;
        }
        true
    };
    go_stable_sort(&mut to_sort, &less);
    to_sort.extend(to_delete);
    Ok(to_sort)
}

/// Go's `sort.SliceStable` (insertion sort in blocks of 20, then `symMerge`), reproduced
/// step for step because upstream's comparator is not a strict order and the result depends
/// on the algorithm.
fn go_stable_sort(data: &mut [Value], less: &dyn Fn(&Value, &Value) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, less);
    while block < n {
        a = 0;
        b = 2 * block;
        while b <= n {
            sym_merge(data, a, a + block, b, less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, less);
        }
        block *= 2;
    }
}

fn insertion_sort(data: &mut [Value], a: usize, b: usize, less: &dyn Fn(&Value, &Value) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge(
    data: &mut [Value],
    a: usize,
    m: usize,
    b: usize,
    less: &dyn Fn(&Value, &Value) -> bool,
) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = a;
        while k + 1 < i {
            data.swap(k, k + 1);
            k += 1;
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        rotate(data, start, m, end);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

fn swap_range(data: &mut [Value], a: usize, b: usize, n: usize) {
    for i in 0..n {
        data.swap(a + i, b + i);
    }
}

fn rotate(data: &mut [Value], a: usize, m: usize, b: usize) {
    let mut i = m - a;
    let mut j = b - m;
    while i != j {
        if i > j {
            swap_range(data, m - i, m, j);
            i -= j;
        } else {
            swap_range(data, m - i, m + j - i, i);
            j -= i;
        }
    }
    swap_range(data, m - i, m, i);
}
