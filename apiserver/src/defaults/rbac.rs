//! rbac.authorization.k8s.io/v1 (`pkg/apis/rbac/v1/defaults.go`): the API group of role
//! references and subjects.

use serde_json::json;

use super::{Object, child, default_zero, each, is_zero, string};

/// The RBAC group name, the default API group of role references, users and groups.
const GROUP: &str = "rbac.authorization.k8s.io";

/// Defaults an rbac.authorization.k8s.io/v1 object of `kind`.
pub(super) fn apply(kind: &str, object: &mut Object) {
    if !matches!(kind, "RoleBinding" | "ClusterRoleBinding") {
        return;
    }
    if let Some(role_ref) = child(object, "roleRef") {
        default_zero(role_ref, "apiGroup", json!(GROUP));
    }
    each(object, "subjects", |subject| {
        if is_zero(subject, "apiGroup") && matches!(string(subject, "kind"), "User" | "Group") {
            subject.insert("apiGroup".to_owned(), json!(GROUP));
        }
    });
}
