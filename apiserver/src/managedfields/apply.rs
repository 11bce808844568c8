//! Server-side apply: upstream's field manager chain calling structured-merge-diff's
//! `Updater.Apply` (k8s.io/apimachinery's `util/managedfields/internal` and
//! sigs.k8s.io/structured-merge-diff's `merge/update.go`, `typed/merge.go`,
//! `typed/remove.go`, `typed/tofieldset.go`).
//!
//! The applied configuration is merged into the live object along the schema (granular maps
//! key by key, associative lists item by item in upstream's order, atomic values replaced);
//! the applier then owns exactly the configuration's fields; fields it applied before and
//! no longer applies, that no manager owns any more, are removed; other managers' fields the
//! apply changes are conflicts (409) unless forced, when the applier takes them over.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::compare::{SchemaMismatch, compare, item_element, reconcile};
use super::fieldset::{PathElement, Set, values_equal};
use super::managers::{self, Managed, ManagerId, VersionedSet};
use super::schema::{Atom, Relationship, Scalar, Schema, TypeRef};
use super::update::{
    Endpoint, VersionFit, cap_update_managers, kind_schema, strip_set, version_fit,
};

/// Why an apply fails.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApplyError {
    /// The request is wrong (400, with upstream's message).
    #[error("{0}")]
    BadRequest(String),
    /// Other managers own fields the apply changes (409).
    #[error("{message}")]
    Conflict {
        /// Upstream's message.
        message: String,
        /// `(conflict with ..., .path)` per conflicting field, as upstream's causes.
        causes: Vec<(String, String)>,
    },
    /// The configuration or the live object do not fit the schema (upstream's 500).
    #[error("{0}")]
    Internal(String),
}

/// One conflicting field: the manager's identifier and the path.
type Conflict = (ManagerId, Vec<PathElement>);

/// Applies `config` by `manager` (with `force`) to `live` (`None`: the object does not exist
/// yet), at `now`. Returns the new object with its managedFields, or the live object with
/// only its managedFields updated when the apply changes nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    endpoint: &Endpoint<'_>,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    let api_version = crate::rest::api_version(endpoint.group, endpoint.version);
    // Upstream's versionCheckManager, then the structured merge manager's checks.
    let config_api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let config_kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    if config_api_version != api_version || config_kind != endpoint.kind {
        let (group, version) = match config_api_version.split_once('/') {
            Some((group, version)) if !version.contains('/') => (group, version),
            Some(_) => ("", ""),
            None => ("", config_api_version),
        };
        return Err(ApplyError::BadRequest(format!(
            "invalid object type: {group}/{version}, Kind={config_kind}"
        )));
    }
    if config
        .pointer("/metadata/managedFields")
        .is_some_and(|m| !m.is_null())
    {
        return Err(ApplyError::BadRequest(
            "metadata.managedFields must be nil".to_owned(),
        ));
    }
    let empty = json!({"apiVersion": api_version, "kind": endpoint.kind});
    let live_raw = live.unwrap_or(&empty);
    let managed = managers::decode(live_raw.pointer("/metadata/managedFields"))
        .map_err(|err| ApplyError::Internal(format!("failed to decode managed fields: {err}")))?;
    let (schema, root) = kind_schema(endpoint).map_err(|e| ApplyError::Internal(e.0))?;
    let internal = |e: SchemaMismatch| ApplyError::Internal(e.0);
    let config_set = field_set(&schema, &root, config).map_err(|e| {
        ApplyError::Internal(format!(
            "failed to create typed patch object ({}): {}",
            gvknn(config, endpoint),
            e.0
        ))
    })?;

    let id = ManagerId {
        manager: if manager.is_empty() {
            "unknown".to_owned()
        } else {
            manager.to_owned()
        },
        operation: "Apply".to_owned(),
        api_version: String::new(),
        subresource: endpoint.subresource.to_owned(),
    };
    let Managed {
        fields: live_fields,
        mut times,
    } = managed;
    // reconcileManagedFieldsWithSchemaChanges.
    let mut fields: HashMap<ManagerId, VersionedSet> = HashMap::new();
    for (manager_id, mut versioned) in live_fields {
        if let VersionFit::Comparable =
            version_fit(endpoint, &versioned.api_version).map_err(internal)?
            && let Some(reconciled) = reconcile(&schema, &root, &versioned.set).map_err(internal)?
        {
            versioned.set = reconciled;
        }
        fields.insert(manager_id, versioned);
    }

    let mut merged = merge(&schema, &root, Some(live_raw), Some(config))
        .map_err(internal)?
        .unwrap_or_else(|| json!({}));
    let last = fields.get(&id).map(|v| v.set.clone());
    fields.insert(
        id.clone(),
        VersionedSet {
            set: config_set.recursive_difference(&endpoint.reset),
            api_version: api_version.clone(),
            applied: true,
        },
    );
    if let Some(last) = last.filter(|s| !s.is_empty()) {
        merged = prune(&schema, &root, &merged, &fields, &last).map_err(internal)?;
    }

    // Updater.update: other managers' conflicts and removals.
    let live_go = super::go_form(endpoint.group, endpoint.version, live_raw);
    // Upstream compares the merged typed value itself, where the configuration's nulls are
    // still values (a null where the live object has nothing is an added field).
    let mut new_go = super::go_form(endpoint.group, endpoint.version, &merged);
    overlay_nulls(&merged, &mut new_go);
    let mut comparison = compare(&schema, &root, &live_go, &new_go).map_err(internal)?;
    comparison.exclude(&endpoint.reset);
    let changed = comparison.modified.union(&comparison.added);
    let mut conflicts: Vec<(ManagerId, Set)> = Vec::new();
    let mut ids: Vec<ManagerId> = fields.keys().cloned().collect();
    ids.sort_by_key(ManagerId::identifier);
    for other in ids {
        if other == id {
            continue;
        }
        let Some(versioned) = fields.get(&other) else {
            continue;
        };
        if let VersionFit::Missing =
            version_fit(endpoint, &versioned.api_version).map_err(internal)?
        {
            fields.remove(&other);
            continue;
        }
        let conflict = versioned.set.intersection(&changed);
        if !conflict.is_empty() {
            conflicts.push((other, conflict));
        }
    }
    if !force && !conflicts.is_empty() {
        return Err(conflict_error(&conflicts));
    }
    for (other, conflict) in &conflicts {
        if let Some(versioned) = fields.get_mut(other) {
            versioned.set = versioned.set.difference(conflict);
        }
    }
    for (other, versioned) in fields.iter_mut() {
        if *other != id {
            versioned.set = versioned.set.difference(&comparison.removed);
        }
    }
    fields.retain(|_, versioned| !versioned.set.is_empty());
    // stripMetaManager.
    if let Some(versioned) = fields.get_mut(&id) {
        versioned.set = versioned.set.difference(&strip_set());
        if versioned.set.is_empty() {
            fields.remove(&id);
        }
    }
    let noop = json_equal(&live_go, &new_go);
    let mut object = if noop {
        live_raw.clone()
    } else {
        times.insert(id, Some(now.to_owned()));
        zero_null_map_values(&schema, &root, &mut merged);
        strip_nulls(&mut merged);
        merged
    };
    times.retain(|manager_id, _| fields.contains_key(manager_id));
    let mut managed = Managed { fields, times };
    cap_update_managers(&mut managed);
    super::set_managed_fields(&mut object, managers::to_json(&managers::encode(&managed)));
    Ok(object)
}

/// Upstream's `objectGVKNN`: `namespace/name; group/version, Kind=kind`.
fn gvknn(config: &Value, endpoint: &Endpoint<'_>) -> String {
    let meta = |name: &str| {
        config
            .pointer(&format!("/metadata/{name}"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    format!(
        "{}/{}; {}/{}, Kind={}",
        meta("namespace"),
        meta("name"),
        endpoint.group,
        endpoint.version,
        endpoint.kind
    )
}

/// Deep equality with upstream's number comparison.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_equal(v, w))
        }
        _ => values_equal(a, b),
    }
}

/// Gives null values of maps of scalars the scalar's zero value: upstream converts the merged
/// object to its Go type, where a null in a `map[string]string` becomes `""` (null struct
/// fields and list items become absent, which [`strip_nulls`] does).
fn zero_null_map_values(schema: &Schema, type_ref: &TypeRef, value: &mut Value) {
    let Some(atom) = schema.resolve(type_ref).map(std::borrow::Cow::into_owned) else {
        return;
    };
    match value {
        Value::Object(members) => {
            let Some(map) = &atom.map else {
                return;
            };
            for (key, child) in members.iter_mut() {
                let (child_type, named) = match map.fields.get(key) {
                    Some(field) => (&field.type_ref, true),
                    None => (&map.element, false),
                };
                if child.is_null() {
                    if !named && let Some(zero) = scalar_zero(schema, child_type) {
                        *child = zero;
                    }
                } else {
                    zero_null_map_values(schema, child_type, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(list) = &atom.list {
                for item in items.iter_mut() {
                    zero_null_map_values(schema, &list.element, item);
                }
            }
        }
        _ => {}
    }
}

/// The zero value of a plain scalar type (`None` for other types).
fn scalar_zero(schema: &Schema, type_ref: &TypeRef) -> Option<Value> {
    let atom = schema.resolve(type_ref)?;
    if atom.map.is_some() || atom.list.is_some() {
        return None;
    }
    match atom.scalar? {
        Scalar::String => Some(json!("")),
        Scalar::Numeric => Some(json!(0)),
        Scalar::Boolean => Some(json!(false)),
        Scalar::Untyped => None,
    }
}

/// Puts the null members of `source` that `target` lacks into `target` (maps by key, lists
/// by position).
fn overlay_nulls(source: &Value, target: &mut Value) {
    match (source, target) {
        (Value::Object(from), Value::Object(to)) => {
            for (key, value) in from {
                match to.get_mut(key) {
                    Some(existing) => overlay_nulls(value, existing),
                    None if value.is_null() => {
                        to.insert(key.clone(), Value::Null);
                    }
                    None => {}
                }
            }
        }
        (Value::Array(from), Value::Array(to)) if from.len() == to.len() => {
            for (value, existing) in from.iter().zip(to.iter_mut()) {
                overlay_nulls(value, existing);
            }
        }
        _ => {}
    }
}

/// Drops null members (the typed object Go makes of the result has none).
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            members.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Upstream's `NewConflictError` (causes in manager order, then path order).
fn conflict_error(conflicts: &[(ManagerId, Set)]) -> ApplyError {
    let mut flat: Vec<Conflict> = Vec::new();
    for (manager_id, set) in conflicts {
        let mut paths = Vec::new();
        iterate(set, &mut Vec::new(), &mut paths);
        flat.extend(paths.into_iter().map(|p| (manager_id.clone(), p)));
    }
    let causes: Vec<(String, String)> = flat
        .iter()
        .map(|(m, p)| {
            (
                format!("conflict with {}", print_manager(m)),
                path_string(p),
            )
        })
        .collect();
    let message = if let [(m, p)] = flat.as_slice() {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            print_manager(m),
            path_string(p)
        )
    } else {
        let mut lines = Vec::new();
        let mut current: Option<&ManagerId> = None;
        for (m, p) in &flat {
            if current != Some(m) {
                lines.push(format!("conflicts with {}:", print_manager(m)));
                current = Some(m);
            }
            lines.push(format!("- {}", path_string(p)));
        }
        format!(
            "Apply failed with {} conflicts: {}",
            flat.len(),
            lines.join("\n")
        )
    };
    ApplyError::Conflict { message, causes }
}

/// Upstream's `printManager`.
fn print_manager(id: &ManagerId) -> String {
    let mut out = go_quote(&id.manager);
    if !id.subresource.is_empty() {
        out.push_str(&format!(" with subresource {}", go_quote(&id.subresource)));
    }
    if id.operation == "Update" {
        out.push_str(&format!(" using {}", id.api_version));
    }
    out
}

/// Go's `%q` of a string (close enough: JSON's quoting).
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `fieldpath.Path.String()`.
fn path_string(path: &[PathElement]) -> String {
    let value_string = |v: &Value| match v {
        Value::String(s) => go_quote(s),
        other => other.to_string(),
    };
    let mut out = String::new();
    for pe in path {
        match pe {
            PathElement::Field(name) => {
                out.push('.');
                out.push_str(name);
            }
            PathElement::Key(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_string(v)))
                    .collect();
                out.push_str(&format!("[{}]", parts.join(",")));
            }
            PathElement::Value(v) => out.push_str(&format!("[={}]", value_string(v))),
            PathElement::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// `Set.Iterate`: members, then children, each sorted.
fn iterate(set: &Set, prefix: &mut Vec<PathElement>, out: &mut Vec<Vec<PathElement>>) {
    for pe in set.members() {
        let mut path = prefix.clone();
        path.push(pe.clone());
        out.push(path);
    }
    for (pe, child) in set.children() {
        prefix.push(pe.clone());
        iterate(child, prefix, out);
        prefix.pop();
    }
}

/// Which part of an atom a value selects (maps first, as `handleAtom`).
enum Part {
    Map,
    List,
    Scalar,
    Mismatch,
}

fn part(atom: &Atom, value: Option<&Value>) -> Part {
    match value {
        Some(Value::Object(_)) if atom.map.is_some() => Part::Map,
        Some(Value::Array(_)) if atom.list.is_some() => Part::List,
        Some(Value::Number(_) | Value::String(_) | Value::Bool(_)) if atom.scalar.is_some() => {
            Part::Scalar
        }
        Some(Value::Object(_) | Value::Array(_) | Value::Number(_) | Value::String(_))
        | Some(Value::Bool(_)) => Part::Mismatch,
        None | Some(Value::Null) => {
            if atom.map.is_some() {
                Part::Map
            } else if atom.scalar.is_some() {
                Part::Scalar
            } else if atom.list.is_some() {
                Part::List
            } else {
                Part::Mismatch
            }
        }
    }
}

fn resolve(schema: &Schema, type_ref: &TypeRef) -> Result<Atom, SchemaMismatch> {
    schema
        .resolve(type_ref)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| SchemaMismatch("schema error: no type found".to_owned()))
}

/// The type of a struct field or map key.
fn member_type<'a>(atom: &'a Atom, key: &str) -> Option<&'a TypeRef> {
    let map = atom.map.as_ref()?;
    Some(
        map.fields
            .get(key)
            .map(|f| &f.type_ref)
            .unwrap_or(&map.element),
    )
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "map",
        Value::Array(_) => "list",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// `TypedValue.ToFieldSet`.
pub(crate) fn field_set(
    schema: &Schema,
    root: &TypeRef,
    value: &Value,
) -> Result<Set, SchemaMismatch> {
    let mut set = Set::new();
    field_set_at(schema, root, value, &mut Vec::new(), &mut set)?;
    Ok(set)
}

fn field_set_at(
    schema: &Schema,
    type_ref: &TypeRef,
    value: &Value,
    path: &mut Vec<PathElement>,
    out: &mut Set,
) -> Result<(), SchemaMismatch> {
    let atom = resolve(schema, type_ref)?;
    let at = |path: &[PathElement]| path_string(path);
    match part(&atom, Some(value)) {
        Part::Scalar => out.insert(path),
        Part::Map => {
            let Some(map) = &atom.map else {
                return Ok(());
            };
            if map.relationship == Relationship::Atomic {
                out.insert(path);
                return Ok(());
            }
            let Value::Object(members) = value else {
                return Ok(());
            };
            for (key, child) in members {
                let named = map.fields.get(key);
                let child_type = match named {
                    Some(field) => &field.type_ref,
                    None if matches!(map.element, TypeRef::Empty) => {
                        path.push(PathElement::Field(key.clone()));
                        let err = format!("{}: field not declared in schema", at(path));
                        return Err(SchemaMismatch(err));
                    }
                    None => &map.element,
                };
                path.push(PathElement::Field(key.clone()));
                field_set_at(schema, child_type, child, path, out)?;
                let empty_map = matches!(child, Value::Object(m) if m.is_empty());
                if child.is_null() || empty_map || named.is_none() {
                    out.insert(path);
                }
                path.pop();
            }
        }
        Part::List => {
            let Some(list) = &atom.list else {
                return Ok(());
            };
            if list.relationship == Relationship::Atomic {
                out.insert(path);
                return Ok(());
            }
            let Value::Array(items) = value else {
                return Ok(());
            };
            for item in items {
                let pe = item_element(schema, list, item)
                    .map_err(|e| SchemaMismatch(format!("{}: {e}", at(path))))?;
                path.push(pe);
                if out.has(path) {
                    // Upstream's message names the list, then the key.
                    let (key, list_path) = path.split_last().unzip();
                    let err = format!(
                        "{}: duplicate entries for key {}",
                        at(list_path.unwrap_or_default()),
                        key.map(|k| path_string(std::slice::from_ref(k)))
                            .unwrap_or_default()
                    );
                    return Err(SchemaMismatch(err));
                }
                field_set_at(schema, &list.element, item, path, out)?;
                out.insert(path);
                path.pop();
            }
        }
        Part::Mismatch => {
            let expected = if atom.map.is_some() {
                "map"
            } else if atom.list.is_some() {
                "list"
            } else {
                "scalar"
            };
            return Err(SchemaMismatch(format!(
                "{}: expected {expected}, got {}",
                at(path),
                kind_name(value)
            )));
        }
    }
    Ok(())
}

/// `Set.EnsureNamedFieldsAreMembers`: the named struct fields that have children become
/// members too.
fn ensure_named(schema: &Schema, type_ref: &TypeRef, set: &Set) -> Set {
    let mut out = Set::new();
    ensure_at(schema, type_ref, set, &mut Vec::new(), &mut out);
    out
}

fn ensure_at(
    schema: &Schema,
    type_ref: &TypeRef,
    set: &Set,
    path: &mut Vec<PathElement>,
    out: &mut Set,
) {
    let atom = schema.resolve(type_ref).map(std::borrow::Cow::into_owned);
    for pe in set.members() {
        path.push(pe.clone());
        out.insert(path);
        path.pop();
    }
    for (pe, child) in set.children() {
        let child_type = match (&atom, pe) {
            (Some(atom), PathElement::Field(name)) => {
                if atom
                    .map
                    .as_ref()
                    .is_some_and(|m| m.fields.contains_key(name))
                {
                    path.push(pe.clone());
                    out.insert(path);
                    path.pop();
                }
                member_type(atom, name).cloned()
            }
            (Some(atom), _) => atom.list.as_ref().map(|l| l.element.clone()),
            (None, _) => None,
        };
        path.push(pe.clone());
        match child_type {
            Some(child_type) => ensure_at(schema, &child_type, child, path, out),
            None => {
                let mut paths = Vec::new();
                iterate(child, &mut path.clone(), &mut paths);
                paths.iter().for_each(|p| out.insert(p));
            }
        }
        path.pop();
    }
}

/// `TypedValue.RemoveItems` (`None`: upstream's nil).
fn remove_items(schema: &Schema, type_ref: &TypeRef, value: &Value, remove: &Set) -> Option<Value> {
    let atom = schema.resolve(type_ref)?.into_owned();
    match part(&atom, Some(value)) {
        Part::Scalar => Some(value.clone()),
        Part::Map => {
            let map = atom.map.as_ref()?;
            let Value::Object(members) = value else {
                return None;
            };
            if members.is_empty() || map.relationship == Relationship::Atomic {
                return None;
            }
            let mut out = Map::new();
            for (key, child) in members {
                let pe = PathElement::Field(key.clone());
                if remove.has_member(&pe) {
                    continue;
                }
                let kept = match remove.child(&pe).filter(|s| !s.is_empty()) {
                    Some(sub) => {
                        let child_type = member_type(&atom, key)?;
                        remove_items(schema, child_type, child, sub).unwrap_or(Value::Null)
                    }
                    None => child.clone(),
                };
                out.insert(key.clone(), kept);
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Part::List => {
            let list = atom.list.as_ref()?;
            let Value::Array(items) = value else {
                return None;
            };
            if items.is_empty() || list.relationship == Relationship::Atomic {
                return None;
            }
            let mut out = Vec::new();
            for item in items {
                let Ok(pe) = item_element(schema, list, item) else {
                    out.push(item.clone());
                    continue;
                };
                if remove.has_member(&pe) {
                    continue;
                }
                let kept = match remove.child(&pe).filter(|s| !s.is_empty()) {
                    Some(sub) => {
                        remove_items(schema, &list.element, item, sub).unwrap_or(Value::Null)
                    }
                    None => item.clone(),
                };
                out.push(kept);
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        Part::Mismatch => None,
    }
}

/// `Updater.prune` with `addBackOwnedItems` and `addBackDanglingItems` (one version).
fn prune(
    schema: &Schema,
    root: &TypeRef,
    merged: &Value,
    fields: &HashMap<ManagerId, VersionedSet>,
    last: &Set,
) -> Result<Value, SchemaMismatch> {
    let ensure = |set: &Set| ensure_named(schema, root, set);
    let remove = |value: &Value, set: &Set| {
        remove_items(schema, root, value, set).unwrap_or_else(|| json!({}))
    };
    let last = ensure(last);
    let pruned = remove(merged, &last);
    let mut managed = Set::new();
    for versioned in fields.values() {
        managed = managed.union(&versioned.set);
    }
    let merged_set = ensure(&field_set(schema, root, merged)?);
    let pruned_set = ensure(&field_set(schema, root, &pruned)?);
    let pruned = remove(
        merged,
        &merged_set.difference(&pruned_set.union(&ensure(&managed))),
    );
    let pruned_set = ensure(&field_set(schema, root, &pruned)?);
    Ok(remove(
        merged,
        &merged_set.difference(&pruned_set).intersection(&last),
    ))
}

/// `TypedValue.Merge` (the configuration's values win; `None`: nothing).
pub(crate) fn merge(
    schema: &Schema,
    type_ref: &TypeRef,
    lhs: Option<&Value>,
    rhs: Option<&Value>,
) -> Result<Option<Value>, SchemaMismatch> {
    if lhs.is_none() && rhs.is_none() {
        return Ok(None);
    }
    let atom = resolve(schema, type_ref)?;
    let leaf = || Ok(rhs.or(lhs).cloned());
    let selected = if rhs.is_some() {
        part(&atom, rhs)
    } else {
        part(&atom, lhs)
    };
    match selected {
        Part::Scalar | Part::Mismatch => leaf(),
        Part::Map => {
            let Some(map) = &atom.map else {
                return leaf();
            };
            let as_map = |v: Option<&Value>| match v {
                Some(Value::Object(m)) => Some(m.clone()),
                _ => None,
            };
            let (l, r) = (as_map(lhs), as_map(rhs));
            let empty = |m: &Option<Map<String, Value>>| m.as_ref().is_none_or(Map::is_empty);
            if map.relationship == Relationship::Atomic || (empty(&l) && empty(&r)) {
                return leaf();
            }
            let mut out = Map::new();
            let mut keys: Vec<String> = l.iter().flat_map(|m| m.keys().cloned()).collect();
            for key in r.iter().flat_map(|m| m.keys()) {
                if !l.as_ref().is_some_and(|m| m.contains_key(key)) {
                    keys.push(key.clone());
                }
            }
            for key in keys {
                let child_type = member_type(&atom, &key).cloned().unwrap_or(TypeRef::Empty);
                let merged = merge(
                    schema,
                    &child_type,
                    l.as_ref().and_then(|m| m.get(&key)),
                    r.as_ref().and_then(|m| m.get(&key)),
                )?;
                if let Some(merged) = merged {
                    out.insert(key, merged);
                }
            }
            Ok((!out.is_empty()).then_some(Value::Object(out)))
        }
        Part::List => {
            let Some(list) = &atom.list else {
                return leaf();
            };
            let as_list = |v: Option<&Value>| match v {
                Some(Value::Array(items)) => Some(items.clone()),
                _ => None,
            };
            let (l, r) = (as_list(lhs), as_list(rhs));
            let empty = |m: &Option<Vec<Value>>| m.as_ref().is_none_or(Vec::is_empty);
            if list.relationship == Relationship::Atomic || (empty(&l) && empty(&r)) {
                return leaf();
            }
            let elements = |items: &[Value]| -> Result<Vec<PathElement>, SchemaMismatch> {
                items
                    .iter()
                    .map(|item| item_element(schema, list, item).map_err(SchemaMismatch))
                    .collect()
            };
            let (l, r) = (l.unwrap_or_default(), r.unwrap_or_default());
            let (lpe, rpe) = (elements(&l)?, elements(&r)?);
            let find = |pes: &[PathElement], pe: &PathElement| pes.iter().position(|p| p == pe);
            let mut shared: std::collections::VecDeque<PathElement> = rpe
                .iter()
                .filter(|pe| find(&lpe, pe).is_some())
                .cloned()
                .collect();
            let mut next_shared = shared.pop_front();
            let mut merged_rhs: Vec<PathElement> = Vec::new();
            let mut out = Vec::new();
            let (mut li, mut ri) = (0, 0);
            let item = |pe: &PathElement, l_child: Option<&Value>, r_child: Option<&Value>| {
                let _ = pe;
                merge(schema, &list.element, l_child, r_child)
            };
            while li < lpe.len() || ri < rpe.len() {
                if li < lpe.len() && ri < rpe.len() {
                    let pe = &lpe[li];
                    if *pe == rpe[ri] {
                        merged_rhs.push(pe.clone());
                        let l_child = find(&lpe, pe).map(|i| &l[i]);
                        let r_child = find(&rpe, pe).map(|i| &r[i]);
                        if let Some(v) = item(pe, l_child, r_child)? {
                            out.push(v);
                        }
                        li += 1;
                        ri += 1;
                        next_shared = shared.pop_front();
                        continue;
                    }
                    if find(&rpe, pe).is_some() && next_shared.as_ref().is_some_and(|n| n != pe) {
                        li += 1;
                        continue;
                    }
                }
                if li < lpe.len() {
                    let pe = &lpe[li];
                    if find(&rpe, pe).is_none() {
                        if let Some(v) = item(pe, Some(&l[li]), None)? {
                            out.push(v);
                        }
                        li += 1;
                        continue;
                    } else if merged_rhs.contains(pe) {
                        li += 1;
                    }
                }
                if ri < rpe.len() {
                    let pe = &rpe[ri];
                    merged_rhs.push(pe.clone());
                    let l_child = find(&lpe, pe).map(|i| &l[i]);
                    let r_child = find(&rpe, pe).map(|i| &r[i]);
                    if let Some(v) = item(pe, l_child, r_child)? {
                        out.push(v);
                    }
                    ri += 1;
                    if next_shared.as_ref() == Some(pe) {
                        next_shared = shared.pop_front();
                    }
                }
            }
            Ok((!out.is_empty()).then_some(Value::Array(out)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-01-01T00:00:00Z";

    fn cm_endpoint() -> Endpoint<'static> {
        Endpoint {
            group: "",
            version: "v1",
            kind: "ConfigMap",
            subresource: "",
            reset: Set::new(),
            document: ("", "v1"),
        }
    }

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "applied", "namespace": "default"}, "data": data})
    }

    fn stored(mut object: Value) -> Value {
        object["metadata"]["uid"] = json!("u1");
        object["metadata"]["resourceVersion"] = json!("1");
        object
    }

    #[test]
    fn apply_creates_removes_conflicts_and_forces() {
        let endpoint = cm_endpoint();
        let created = apply(
            &endpoint,
            None,
            &cm(json!({"a": "1", "b": "2"})),
            "bob",
            false,
            NOW,
        )
        .unwrap();
        assert_eq!(created["data"], json!({"a": "1", "b": "2"}));
        let entries = created["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["operation"], "Apply");
        assert_eq!(entries[0]["manager"], "bob");
        assert_eq!(
            entries[0]["fieldsV1"],
            json!({"f:data": {"f:a": {}, "f:b": {}}})
        );
        let live = stored(created);
        // Re-apply without b: b goes.
        let reapplied = apply(
            &endpoint,
            Some(&live),
            &cm(json!({"a": "1"})),
            "bob",
            false,
            NOW,
        )
        .unwrap();
        assert_eq!(reapplied["data"], json!({"a": "1"}));
        // Another manager changing a: a conflict.
        let err = apply(
            &endpoint,
            Some(&live),
            &cm(json!({"a": "x"})),
            "alice",
            false,
            NOW,
        )
        .unwrap_err();
        match err {
            ApplyError::Conflict { message, causes } => {
                assert_eq!(
                    message,
                    "Apply failed with 1 conflict: conflict with \"bob\": .data.a"
                );
                assert_eq!(
                    causes,
                    vec![("conflict with \"bob\"".to_owned(), ".data.a".to_owned())]
                );
            }
            other => panic!("{other:?}"),
        }
        // The same value is shared ownership, no conflict.
        let shared = apply(
            &endpoint,
            Some(&live),
            &cm(json!({"a": "1"})),
            "alice",
            false,
            NOW,
        )
        .unwrap();
        assert_eq!(
            shared["metadata"]["managedFields"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // Forced: alice takes a over.
        let forced = apply(
            &endpoint,
            Some(&live),
            &cm(json!({"a": "x"})),
            "alice",
            true,
            NOW,
        )
        .unwrap();
        assert_eq!(forced["data"], json!({"a": "x", "b": "2"}));
        let entries = forced["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries[0]["manager"], "alice");
        assert_eq!(entries[0]["fieldsV1"], json!({"f:data": {"f:a": {}}}));
        assert_eq!(entries[1]["fieldsV1"], json!({"f:data": {"f:b": {}}}));
    }

    #[test]
    fn apply_checks_the_kind_and_managed_fields() {
        let endpoint = cm_endpoint();
        let mut config = cm(json!({}));
        config["kind"] = json!("Secret");
        let err = apply(&endpoint, None, &config, "bob", false, NOW).unwrap_err();
        assert_eq!(err.to_string(), "invalid object type: /v1, Kind=Secret");
        let mut config = cm(json!({}));
        config["metadata"]["managedFields"] = json!([]);
        let err = apply(&endpoint, None, &config, "bob", false, NOW).unwrap_err();
        assert_eq!(err.to_string(), "metadata.managedFields must be nil");
    }

    #[test]
    fn deployment_containers_merge_by_name() {
        let endpoint = Endpoint {
            group: "apps",
            version: "v1",
            kind: "Deployment",
            subresource: "",
            reset: Set::new(),
            document: ("apps", "v1"),
        };
        let deployment = |containers: Value| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": containers}}}})
        };
        let created = apply(
            &endpoint,
            None,
            &deployment(json!([{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}])),
            "bob",
            false,
            NOW,
        )
        .unwrap();
        let live = stored(created);
        let updated = apply(
            &endpoint,
            Some(&live),
            &deployment(json!([{"name": "b", "image": "b:2"}])),
            "bob",
            false,
            NOW,
        )
        .unwrap();
        assert_eq!(
            updated["spec"]["template"]["spec"]["containers"],
            json!([{"name": "b", "image": "b:2"}])
        );
        let err = apply(
            &endpoint,
            Some(&live),
            &deployment(json!([{"name": "a", "image": "a:2"}])),
            "alice",
            false,
            NOW,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Apply failed with 1 conflict: conflict with \"bob\": .spec.template.spec.containers[name=\"a\"].image"
        );
    }
}
