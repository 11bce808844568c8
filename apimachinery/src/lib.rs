//! ironkube's sans-IO core: the pieces of Kubernetes' apimachinery that every component shares,
//! written without sockets or a runtime so they are tested with plain `#[test]`s.
//!
//! - [`status`]: `metav1.Status` and the error reasons the API returns;
//! - [`field`]: field-level validation errors, the material `Invalid` statuses are built from;
//! - [`selector`]: label and field selectors, parsed and matched as upstream;
//! - [`continue_token`]: the opaque `continue` token of paginated lists, in upstream's format;
//! - [`meta`]: reading and writing `metadata` fields of JSON objects, resource versions and
//!   watch event types;
//! - [`gocompat`]: the Go standard-library behaviours (quoting, float formatting, JSON
//!   escaping and syntax errors) that upstream's messages and bodies are made of.
//!
//! Upstream (`k8s.io/apimachinery`, `k8s.io/apiserver` v0.37) is the specification: messages,
//! codes and JSON bodies are byte-for-byte what kube-apiserver produces, and the tests say
//! where each expected value came from.

pub mod continue_token;
pub mod field;
pub mod gocompat;
pub mod goduration;
pub mod gojson;
mod gotypes;
pub mod meta;

/// `PATCH` bodies (JSON patch, merge patch, strategic merge patch) applied as upstream does.
pub mod patch;
pub mod quantity;
pub mod request_info;
pub mod selector;
pub mod status;
pub mod typed_decode;

#[cfg(test)]
mod golden;

pub use continue_token::{ContinueError, decode_continue, encode_continue, encode_continue_after};
pub use field::{BadValue, FieldError, FieldErrorType, FieldPath};
pub use meta::{
    InvalidResourceVersion, MetaError, OwnerReference, WatchEventType, parse_resource_version,
};
pub use request_info::{RequestInfo, RequestInfoError, RequestInfoFactory};
pub use selector::{
    FieldOperator, FieldRequirement, FieldSelector, LabelSelector, MetaLabelSelector,
    MetaLabelSelectorRequirement, Operator, Requirement, SelectorError,
};
pub use status::{
    CauseType, ListMeta, STATUS_FAILURE, STATUS_SUCCESS, Status, StatusCause, StatusDetails,
    StatusReason, qualified_resource,
};
