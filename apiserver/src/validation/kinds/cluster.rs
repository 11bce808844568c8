//! Namespaces, nodes and persistent volume claims. Not ported yet beyond the entry points:
//! these return no kind-specific errors (metadata is validated elsewhere).

use ironkube_apimachinery::FieldError;
use serde_json::Value;

/// `ValidateNamespace` minus metadata (not ported: no errors).
pub(super) fn validate_namespace(_namespace: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// `ValidateNode` minus metadata (not ported: no errors).
pub(super) fn validate_node(_node: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// `ValidateNodeUpdate` minus metadata (not ported: no errors).
pub(super) fn validate_node_update(_new: &Value, _old: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// `ValidatePersistentVolumeClaim` minus metadata (not ported: no errors).
pub(super) fn validate_pvc(_claim: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// `ValidatePersistentVolumeClaimUpdate` minus metadata (not ported: no errors).
pub(super) fn validate_pvc_update(_new: &Value, _old: &Value) -> Vec<FieldError> {
    Vec::new()
}
