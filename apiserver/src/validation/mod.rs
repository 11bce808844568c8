//! Object metadata validation (placeholder until upstream's full rules land).

use ironkube_apimachinery::FieldError;
use serde_json::Value;

/// How a resource's names are validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// RFC 1123 subdomain.
    DnsSubdomain,
}

/// The rule for a built-in resource.
pub(crate) fn name_rule(_group: &str, _resource: &str) -> NameRule {
    NameRule::DnsSubdomain
}

/// Upstream's ValidateObjectMeta for a create.
pub(crate) fn validate_object_meta(
    object: &Value,
    _namespaced: bool,
    _rule: NameRule,
) -> Vec<FieldError> {
    let name = object.pointer("/metadata/name").and_then(Value::as_str);
    match name {
        None | Some("") => vec![FieldError::required("metadata.name", "name or generateName is required")],
        Some(name) => ironkube_apimachinery::selector::validate_dns1123_subdomain(name)
            .into_iter()
            .map(|detail| FieldError::invalid("metadata.name", name, detail))
            .collect(),
    }
}

/// Upstream's ValidateObjectMetaUpdate.
pub(crate) fn validate_object_meta_update(_new: &Value, _old: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// Names that cannot appear in a URL path segment.
pub(crate) fn path_segment_name_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name == "." || name == ".." {
        errors.push(format!("may not be '{name}'"));
    }
    for bad in ["/", "%"] {
        if name.contains(bad) {
            errors.push(format!("may not contain '{bad}'"));
        }
    }
    errors
}
