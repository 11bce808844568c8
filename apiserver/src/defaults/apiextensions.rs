//! apiextensions.k8s.io/v1 (apiextensions-apiserver's `v1/defaults.go`): CustomResourceDefinition.

use serde_json::{Value, json};

use super::{Object, child, default_unset, is_empty, present, string};

/// Defaults an apiextensions.k8s.io/v1 object of `kind`.
pub(super) fn apply(kind: &str, object: &mut Object) {
    if kind != "CustomResourceDefinition" {
        return;
    }
    let mut stored = None;
    if let Some(spec) = child(object, "spec") {
        if let Some(names) = child(spec, "names") {
            let kind_name = string(names, "kind").to_owned();
            if is_empty_string(names, "singular") {
                names.insert("singular".to_owned(), json!(kind_name.to_lowercase()));
            }
            if is_empty_string(names, "listKind") && !kind_name.is_empty() {
                names.insert("listKind".to_owned(), json!(format!("{kind_name}List")));
            }
        }
        default_unset(spec, "conversion", json!({ "strategy": "None" }));
        if let Some(service) = present(spec, "conversion")
            .and_then(|conversion| present(conversion, "webhook"))
            .and_then(|webhook| present(webhook, "clientConfig"))
            .and_then(|config| present(config, "service"))
        {
            default_unset(service, "port", json!(443));
        }
        stored = spec
            .get("versions")
            .and_then(Value::as_array)
            .and_then(|versions| {
                versions
                    .iter()
                    .find(|version| version.get("storage").and_then(Value::as_bool) == Some(true))
            })
            .map(|version| version.get("name").cloned().unwrap_or(json!("")));
    }
    if let Some(status) = child(object, "status")
        && is_empty(status, "storedVersions")
        && let Some(name) = stored
    {
        status.insert("storedVersions".to_owned(), json!([name]));
    }
}

/// Whether a string field is empty as Go's `len(x) == 0` sees it.
fn is_empty_string(object: &Object, key: &str) -> bool {
    object
        .get(key)
        .is_none_or(|value| value.as_str().is_some_and(str::is_empty) || value.is_null())
}
