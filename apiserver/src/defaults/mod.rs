//! Upstream's defaulting (`SetDefaults_*` plus the generated `SetObjectDefaults_*` walks) for the
//! built-in kinds, applied to an object's JSON at its external version.
//!
//! kube-apiserver defaults every object right after decoding it, at the version it was sent in,
//! before conversion and admission. Each group's file mirrors that group's
//! `pkg/apis/<group>/<version>/defaults.go` and `zz_generated.defaults.go`, with feature gates at
//! their v1.37 defaults. Go defaults typed structs, so a non-pointer struct that is missing from
//! the JSON still receives defaults (it exists as a zero value in Go); a pointer struct is only
//! defaulted when present. Values of the wrong JSON type are left alone for validation.

// `apply` is called by the REST strategy once it replaces its own minimal defaulting.

mod admissionregistration;
mod apiextensions;
mod apps;
mod autoscaling;
mod batch;
mod core;
mod flowcontrol;
mod image;
mod misc;
mod networking;
mod quantity;
mod rbac;
mod storage;

#[cfg(test)]
mod golden;

use serde_json::{Map, Value};

/// A JSON object, the unit every defaulting function works on.
type Object = Map<String, Value>;

/// Applies upstream's defaults for an object of `group`/`version`/`kind` (its JSON at that version), in place.
pub(crate) fn apply(group: &str, version: &str, kind: &str, object: &mut Value) {
    let Some(object) = object.as_object_mut() else {
        return;
    };
    match group {
        "" if version == "v1" => core::apply(kind, object),
        "apps" if version == "v1" => apps::apply(kind, object),
        "batch" if version == "v1" => batch::apply(kind, object),
        "autoscaling" => autoscaling::apply(version, kind, object),
        "networking.k8s.io" if version == "v1" => networking::apply(kind, object),
        "rbac.authorization.k8s.io" if version == "v1" => rbac::apply(kind, object),
        "storage.k8s.io" if version == "v1" => storage::apply(kind, object),
        "admissionregistration.k8s.io" => admissionregistration::apply(kind, object),
        "flowcontrol.apiserver.k8s.io" => flowcontrol::apply(version, kind, object),
        "apiextensions.k8s.io" if version == "v1" => apiextensions::apply(kind, object),
        _ => misc::apply(group, version, kind, object),
    }
}

/// The object under `key` for a non-pointer struct field: created empty when missing or null
/// (Go has the zero struct there); `None` when the value has the wrong type.
fn child<'a>(object: &'a mut Object, key: &str) -> Option<&'a mut Object> {
    let slot = object
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// The object under `key` for a pointer struct field: only when present (and an object).
fn present<'a>(object: &'a mut Object, key: &str) -> Option<&'a mut Object> {
    object.get_mut(key).and_then(Value::as_object_mut)
}

/// Whether `key` is unset as Go sees a pointer, slice or map: missing or null.
fn is_unset(object: &Object, key: &str) -> bool {
    object.get(key).is_none_or(Value::is_null)
}

/// Whether `key` holds Go's zero value for a string, number or bool (or is missing, or null).
fn is_zero(object: &Object, key: &str) -> bool {
    match object.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.is_empty(),
        Some(Value::Number(number)) => number.as_f64() == Some(0.0),
        Some(Value::Bool(flag)) => !flag,
        Some(_) => false,
    }
}

/// Whether a slice or map field is empty as Go's `len(x) == 0` sees it.
fn is_empty(object: &Object, key: &str) -> bool {
    match object.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(entries)) => entries.is_empty(),
        Some(_) => false,
    }
}

/// Sets a pointer, slice or map field that is unset (missing or null).
fn default_unset(object: &mut Object, key: &str, value: Value) {
    if is_unset(object, key) {
        object.insert(key.to_owned(), value);
    }
}

/// Sets a string, number or bool field that holds its zero value.
fn default_zero(object: &mut Object, key: &str, value: Value) {
    if is_zero(object, key) {
        object.insert(key.to_owned(), value);
    }
}

/// The string under `key`, or "" when missing or not a string.
fn string<'a>(object: &'a Object, key: &str) -> &'a str {
    object.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Runs `apply` on every object element of the array under `key`.
fn each(object: &mut Object, key: &str, mut apply: impl FnMut(&mut Object)) {
    if let Some(items) = object.get_mut(key).and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            apply(item);
        }
    }
}
