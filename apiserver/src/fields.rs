//! Field selectors per kind (placeholder: metadata fields only until the per-kind sets land).

use ironkube_apimachinery::FieldSelector;
use ironkube_storage::object::{FieldSetFn, default_field_set};

/// The selectable fields of objects of a built-in resource.
pub(crate) fn field_set(_group: &str, _version: &str, _resource: &str, namespaced: bool) -> FieldSetFn {
    default_field_set(namespaced)
}

/// Checks that every requirement names a supported field.
pub(crate) fn check_field_selector(
    _group: &str,
    _version: &str,
    _resource: &str,
    _selector: &FieldSelector,
) -> Result<(), String> {
    Ok(())
}
