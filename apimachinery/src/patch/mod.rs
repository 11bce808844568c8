//! `PATCH` bodies applied as kube-apiserver applies them
//! (`k8s.io/apiserver/pkg/endpoints/handlers/patch.go`):
//!
//! - [`json_patch`]: RFC 6902 as `gopkg.in/evanphx/json-patch.v4` implements it, with the
//!   server's limits (10000 operations, 3 MiB of copies);
//! - [`merge_patch`]: RFC 7386 as the same library's `MergePatch`;
//! - [`strategic`]: `strategicpatch.StrategicMergeMapPatch`, driven by the per-field patch
//!   metadata generated from upstream's Go types (`k8s-v1.37.2-patch-meta.json`).
//!
//! Each failure is a [`PatchError`] that knows the `Status` upstream answers with.

pub mod json_patch;
pub mod merge_patch;
pub mod strategic;

#[cfg(test)]
mod golden;

use serde_json::Value;

use crate::Status;
use crate::status::StatusReason;

/// The patch formats `PATCH` accepts on built-in resources (server-side apply is elsewhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
}

impl PatchType {
    /// The patch type of a request's media type (parameters already stripped), or `None`.
    pub fn from_content_type(media: &str) -> Option<Self> {
        match media {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::StrategicMerge),
            _ => None,
        }
    }
}

/// Why a patch could not be applied; [`PatchError::status`] is the Status upstream returns.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PatchError {
    /// The body is not valid JSON (`validateAndTranscodePatch`): 400 `invalid JSON patch`.
    #[error("invalid JSON patch")]
    InvalidJson,
    /// The body could not be decoded as this patch type: 400 with the decoder's message.
    #[error("{0}")]
    BadRequest(String),
    /// More than 10000 JSON patch operations: 413.
    #[error("The allowed maximum operations in a JSON patch is 10000, got {0}")]
    TooManyOperations(usize),
    /// The patch did not apply (JSON patch operation failures, some strategic merge patch
    /// failures): 422 `Invalid` with upstream's generic message; the detail is kept here for
    /// logs only, as upstream drops it too.
    #[error("{0}")]
    Unprocessable(String),
    /// A failure upstream does not turn into an API status: 500 with its message.
    #[error("{0}")]
    Internal(String),
    /// Strategic merge patch on a kind without Go types (custom resources): 415.
    #[error("strategic merge patch format is not supported")]
    UnsupportedMediaType,
}

/// The patch types a custom resource accepts, in upstream's order (CBOR apply is off by default).
pub const CUSTOM_RESOURCE_PATCH_TYPES: [&str; 3] = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];

impl PatchError {
    /// The Status upstream answers with. `group`/`kind`/`name` are accepted for symmetry
    /// with other errors; upstream's patch errors carry none of them.
    pub fn status(&self, _group: &str, _kind: &str, _name: &str) -> Status {
        match self {
            Self::InvalidJson | Self::BadRequest(_) => Status::bad_request(self.to_string()),
            Self::TooManyOperations(_) => Status::request_entity_too_large(&self.to_string()),
            Self::Unprocessable(_) => Status {
                status: crate::STATUS_FAILURE.to_string(),
                message: "the server rejected our request due to an error in our request"
                    .to_string(),
                reason: StatusReason::Invalid,
                details: Some(crate::StatusDetails::default()),
                code: 422,
                ..Status::default()
            },
            Self::Internal(message) => Status::from_error_message(message.clone()),
            Self::UnsupportedMediaType => {
                Status::unsupported_media_type(&CUSTOM_RESOURCE_PATCH_TYPES)
            }
        }
    }
}

/// Applies `patch` (raw bytes, as sent) to `original` (the current object as JSON at the
/// request version). `api_version`/`kind` select the strategic merge patch metadata; kinds
/// without it (custom resources) refuse strategic merge patch with upstream's 415.
pub fn apply(
    patch_type: PatchType,
    original: &Value,
    patch: &[u8],
    api_version: &str,
    kind: &str,
) -> Result<Value, PatchError> {
    if crate::gocompat::check_syntax(patch).is_err() {
        return Err(PatchError::InvalidJson);
    }
    match patch_type {
        PatchType::Json => json_patch::apply(original, patch),
        PatchType::Merge => merge_patch::apply(original, patch),
        PatchType::StrategicMerge => strategic::apply(original, patch, api_version, kind),
    }
}

/// Go's `%v` of a value decoded into `interface{}` (maps with sorted keys).
pub(crate) fn go_v(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) if !n.is_f64() => i.to_string(),
            (_, Some(u), _) if !n.is_f64() => u.to_string(),
            (_, _, Some(f)) => crate::gocompat::format_float_v(f),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_v).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", k, go_v(&map[k.as_str()])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}
