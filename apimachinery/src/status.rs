//! `metav1.Status`, the body of every API error, with upstream's constructors.
//!
//! The JSON is exactly what kube-apiserver writes: `kind`, `apiVersion`, an always-present
//! `metadata` object, then `status`, `message`, `reason`, `details` and `code`, each left out
//! when empty as Go's `omitempty` does. The constructors reproduce
//! `k8s.io/apimachinery/pkg/api/errors` message for message and code for code, so a client
//! that matches on a message or reason sees what it would see from upstream. Use
//! [`Status::to_json`] for the bytes: it applies Go's HTML-safe string escaping.

use std::fmt;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::field::{FieldError, aggregate_message};
use crate::gocompat;

pub use crate::field::{BadValue, FieldErrorType, FieldPath};

/// `status` of a successful operation.
pub const STATUS_SUCCESS: &str = "Success";
/// `status` of a failed operation.
pub const STATUS_FAILURE: &str = "Failure";

/// `"resource.group"`, or `"resource"` when the group is empty (upstream's
/// `GroupResource.String()`; `GroupKind.String()` is formatted the same way).
pub fn qualified_resource(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s,
                }
            }

            /// The value for a wire string (unknown strings are kept as [`Self::Other`]).
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

string_enum! {
    /// Why an operation failed (`metav1.StatusReason`): every reason upstream defines.
    #[derive(Default)]
    pub enum StatusReason {
        /// No reason given (the empty string, left out of the JSON).
        #[default]
        Unknown => "",
        /// 401: the request needs credentials.
        Unauthorized => "Unauthorized",
        /// 403: the request is understood and refused.
        Forbidden => "Forbidden",
        /// 404: a resource the operation needs does not exist.
        NotFound => "NotFound",
        /// 409: the resource being created already exists.
        AlreadyExists => "AlreadyExists",
        /// 409: the operation conflicts with the resource's state (stale resourceVersion).
        Conflict => "Conflict",
        /// 410: the item is gone and there is no forwarding address.
        Gone => "Gone",
        /// 422: the object failed validation.
        Invalid => "Invalid",
        /// 500: the operation could not complete in time; retry.
        ServerTimeout => "ServerTimeout",
        /// 500: the stored data could not be read (transform or decode failure).
        StoreReadError => "StorageReadError",
        /// 504: the request did not complete in its time; it may still complete.
        Timeout => "Timeout",
        /// 429: too many requests; retry later.
        TooManyRequests => "TooManyRequests",
        /// 400: the request itself is malformed.
        BadRequest => "BadRequest",
        /// 405: the action is not supported on this resource.
        MethodNotAllowed => "MethodNotAllowed",
        /// 406: none of the accepted content types can be served.
        NotAcceptable => "NotAcceptable",
        /// 413: the request body is too large.
        RequestEntityTooLarge => "RequestEntityTooLarge",
        /// 415: the request's content type is not supported.
        UnsupportedMediaType => "UnsupportedMediaType",
        /// 500: an unexpected internal error.
        InternalError => "InternalError",
        /// 410: the requested content (a resourceVersion) has expired.
        Expired => "Expired",
        /// 503: the server cannot serve now.
        ServiceUnavailable => "ServiceUnavailable",
    }
}

impl StatusReason {
    /// Whether this is the empty reason.
    pub fn is_unknown(&self) -> bool {
        self.as_str().is_empty()
    }
}

string_enum! {
    /// What one cause of a failure is about (`metav1.CauseType`).
    pub enum CauseType {
        /// A referenced value was not found.
        FieldValueNotFound => "FieldValueNotFound",
        /// A required value is missing.
        FieldValueRequired => "FieldValueRequired",
        /// A value that must be unique is repeated.
        FieldValueDuplicate => "FieldValueDuplicate",
        /// A malformed value.
        FieldValueInvalid => "FieldValueInvalid",
        /// A value outside an enumeration.
        FieldValueNotSupported => "FieldValueNotSupported",
        /// A value not permitted in the current conditions.
        FieldValueForbidden => "FieldValueForbidden",
        /// A value too long.
        FieldValueTooLong => "FieldValueTooLong",
        /// A list with too many items.
        FieldValueTooMany => "FieldValueTooMany",
        /// A list with too few items (upstream's field package defines it; metav1 has no constant).
        FieldValueTooFew => "FieldValueTooFew",
        /// A value too short (upstream's field package defines it; metav1 has no constant).
        FieldValueTooShort => "FieldValueTooShort",
        /// An error unrelated to user input.
        InternalError => "InternalError",
        /// A value of the wrong type for its schema.
        FieldValueTypeInvalid => "FieldValueTypeInvalid",
        /// The server's response was not in the expected form.
        UnexpectedServerResponse => "UnexpectedServerResponse",
        /// A server-side apply conflict with another field manager.
        FieldManagerConflict => "FieldManagerConflict",
        /// The requested resource version is newer than the server has.
        ResourceVersionTooLarge => "ResourceVersionTooLarge",
    }
}

/// The `metadata` of a Status (`metav1.ListMeta`): always written, `{}` when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// Deprecated self link, never set by current servers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub self_link: String,
    /// The resource version the status refers to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// A continue token (set on 410 Expired list errors with a fresh token).
    #[serde(default, rename = "continue", skip_serializing_if = "String::is_empty")]
    pub continue_token: String,
    /// Items left after this page, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
}

/// One cause of a failure (`metav1.StatusCause`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCause {
    /// Machine-readable type of the cause (written as `reason`; left out when absent).
    #[serde(
        default,
        rename = "reason",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub cause_type: Option<CauseType>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The field concerned, as its JSON path (`spec.containers[0].name`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

fn empty_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<CauseType>, D::Error> {
    let s: Option<String> = Option::deserialize(deserializer)?;
    Ok(s.filter(|s| !s.is_empty())
        .map(|s| CauseType::from_wire(&s)))
}

/// Extra data about a failure (`metav1.StatusDetails`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    /// Name of the resource concerned.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Its API group.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Its kind, or (as upstream's constructors do) its resource name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Its UID.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The causes, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying (0: not said).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retry_after_seconds: i32,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

fn default_kind() -> String {
    "Status".to_string()
}

fn default_api_version() -> String {
    "v1".to_string()
}

/// The result of an operation that returns no object, and the body of every API error
/// (`metav1.Status`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Always `Status`.
    #[serde(default = "default_kind", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `v1`, as upstream writes it for errors.
    #[serde(
        default = "default_api_version",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    /// List metadata, written even when empty.
    #[serde(default)]
    pub metadata: ListMeta,
    /// [`STATUS_SUCCESS`] or [`STATUS_FAILURE`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Machine-readable reason.
    #[serde(default, skip_serializing_if = "StatusReason::is_unknown")]
    pub reason: StatusReason,
    /// Extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code (0: not set).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub code: i32,
}

impl Default for Status {
    fn default() -> Self {
        Self {
            kind: default_kind(),
            api_version: default_api_version(),
            metadata: ListMeta::default(),
            status: String::new(),
            message: String::new(),
            reason: StatusReason::Unknown,
            details: None,
            code: 0,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Status {}

fn resource_details(group: &str, resource: &str, name: &str) -> Option<StatusDetails> {
    Some(StatusDetails {
        name: name.to_string(),
        group: group.to_string(),
        kind: resource.to_string(),
        ..StatusDetails::default()
    })
}

fn retry_details(retry_after_seconds: i32) -> Option<StatusDetails> {
    Some(StatusDetails {
        retry_after_seconds,
        ..StatusDetails::default()
    })
}

impl Status {
    fn failure(
        code: i32,
        reason: StatusReason,
        message: String,
        details: Option<StatusDetails>,
    ) -> Self {
        Self {
            status: STATUS_FAILURE.to_string(),
            message,
            reason,
            details,
            code,
            ..Self::default()
        }
    }

    /// A bare success (`{"status":"Success","code":200}`), as returned by deletes that have no
    /// object to return.
    pub fn success() -> Self {
        Self {
            status: STATUS_SUCCESS.to_string(),
            code: 200,
            ..Self::default()
        }
    }

    /// The Status an error that is not an API status becomes (upstream's `ErrorToAPIStatus`
    /// fallback): 500, no reason, the error's message.
    pub fn from_error_message(message: impl Into<String>) -> Self {
        Self::failure(500, StatusReason::Unknown, message.into(), None)
    }

    /// 404 `NotFound`: `pods "web" not found` (upstream's `NewNotFound`).
    pub fn not_found(group: &str, resource: &str, name: &str) -> Self {
        Self::failure(
            404,
            StatusReason::NotFound,
            format!(
                "{} {} not found",
                qualified_resource(group, resource),
                gocompat::quote(name)
            ),
            resource_details(group, resource, name),
        )
    }

    /// 409 `AlreadyExists`: `pods "web" already exists` (upstream's `NewAlreadyExists`).
    pub fn already_exists(group: &str, resource: &str, name: &str) -> Self {
        Self::failure(
            409,
            StatusReason::AlreadyExists,
            format!(
                "{} {} already exists",
                qualified_resource(group, resource),
                gocompat::quote(name)
            ),
            resource_details(group, resource, name),
        )
    }

    /// 409 `AlreadyExists` when no unique name could be generated from `generateName`
    /// (upstream's `NewGenerateNameConflict`).
    pub fn generate_name_conflict(
        group: &str,
        resource: &str,
        name: &str,
        retry_after_seconds: i32,
    ) -> Self {
        let mut details = resource_details(group, resource, name);
        if let Some(details) = details.as_mut() {
            details.retry_after_seconds = retry_after_seconds;
        }
        Self::failure(
            409,
            StatusReason::AlreadyExists,
            format!(
                "{} {} already exists, the server was not able to generate a unique name for the object",
                qualified_resource(group, resource),
                gocompat::quote(name)
            ),
            details,
        )
    }

    /// 409 `Conflict`: `Operation cannot be fulfilled on pods "web": <err_msg>` (upstream's
    /// `NewConflict`).
    pub fn conflict(group: &str, resource: &str, name: &str, err_msg: &str) -> Self {
        Self::failure(
            409,
            StatusReason::Conflict,
            format!(
                "Operation cannot be fulfilled on {} {}: {err_msg}",
                qualified_resource(group, resource),
                gocompat::quote(name)
            ),
            resource_details(group, resource, name),
        )
    }

    /// 409 `Conflict` from server-side apply, with its causes (upstream's `NewApplyConflict`).
    pub fn apply_conflict(causes: Vec<StatusCause>, message: impl Into<String>) -> Self {
        Self::failure(
            409,
            StatusReason::Conflict,
            message.into(),
            Some(StatusDetails {
                causes,
                ..StatusDetails::default()
            }),
        )
    }

    /// 410 `Gone` (upstream's deprecated `NewGone`).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::failure(410, StatusReason::Gone, message.into(), None)
    }

    /// 410 `Expired`: the requested resource version is too old (upstream's
    /// `NewResourceExpired`).
    pub fn resource_expired(message: impl Into<String>) -> Self {
        Self::failure(410, StatusReason::Expired, message.into(), None)
    }

    /// 422 `Invalid`: `Pod "web" is invalid: <aggregate of the field errors>`, one cause per
    /// field error (upstream's `NewInvalid`).
    pub fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> Self {
        let causes = errors
            .iter()
            .map(|e| StatusCause {
                cause_type: Some(e.error_type.cause_type()),
                message: e.body(),
                field: e.field.clone(),
            })
            .collect();
        let qualified = qualified_resource(group, kind);
        let message = match aggregate_message(errors) {
            None => format!("{qualified} {} is invalid", gocompat::quote(name)),
            Some(aggregate) => {
                format!(
                    "{qualified} {} is invalid: {aggregate}",
                    gocompat::quote(name)
                )
            }
        };
        Self::failure(
            422,
            StatusReason::Invalid,
            message,
            Some(StatusDetails {
                name: name.to_string(),
                group: group.to_string(),
                kind: kind.to_string(),
                causes,
                ..StatusDetails::default()
            }),
        )
    }

    /// 400 `BadRequest` (upstream's `NewBadRequest`).
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::failure(400, StatusReason::BadRequest, reason.into(), None)
    }

    /// 401 `Unauthorized`; an empty reason becomes `not authorized` (upstream's
    /// `NewUnauthorized`).
    pub fn unauthorized(reason: &str) -> Self {
        let message = if reason.is_empty() {
            "not authorized"
        } else {
            reason
        };
        Self::failure(401, StatusReason::Unauthorized, message.to_string(), None)
    }

    /// 403 `Forbidden`: `pods "web" is forbidden: <err_msg>`, or without the name, or
    /// `forbidden: <err_msg>` when neither group nor resource is given (upstream's
    /// `NewForbidden`).
    pub fn forbidden(group: &str, resource: &str, name: &str, err_msg: &str) -> Self {
        let message = if group.is_empty() && resource.is_empty() {
            format!("forbidden: {err_msg}")
        } else if name.is_empty() {
            format!(
                "{} is forbidden: {err_msg}",
                qualified_resource(group, resource)
            )
        } else {
            format!(
                "{} {} is forbidden: {err_msg}",
                qualified_resource(group, resource),
                gocompat::quote(name)
            )
        };
        Self::failure(
            403,
            StatusReason::Forbidden,
            message,
            resource_details(group, resource, name),
        )
    }

    /// 405 `MethodNotAllowed`: `<action> is not supported on resources of kind "pods"`
    /// (upstream's `NewMethodNotSupported`).
    pub fn method_not_supported(group: &str, resource: &str, action: &str) -> Self {
        Self::failure(
            405,
            StatusReason::MethodNotAllowed,
            format!(
                "{action} is not supported on resources of kind {}",
                gocompat::quote(&qualified_resource(group, resource))
            ),
            resource_details(group, resource, ""),
        )
    }

    /// 405 `MethodNotAllowed` as upstream's router answers a method no route of the path
    /// takes (`PUT` on a collection, `POST` on an object): go-restful's error turned into a
    /// generic server response, with empty details.
    pub fn router_method_not_allowed() -> Self {
        Self::failure(
            405,
            StatusReason::MethodNotAllowed,
            "the server does not allow this method on the requested resource".into(),
            Some(StatusDetails::default()),
        )
    }

    /// 406 `NotAcceptable` as upstream's router answers an `Accept` header none of the route's
    /// media types matches exactly (before the handler's own negotiation).
    pub fn router_not_acceptable(available: &[&str]) -> Self {
        Self::failure(
            406,
            StatusReason::NotAcceptable,
            format!(
                "406: Not Acceptable\n\nAvailable representations: {}",
                available.join(", ")
            ),
            Some(StatusDetails::default()),
        )
    }

    /// 415 `UnsupportedMediaType` as upstream's router answers a `Content-Type` the route does
    /// not consume (a PATCH that is not one of the patch types).
    pub fn router_unsupported_media_type() -> Self {
        Self::failure(
            415,
            StatusReason::UnsupportedMediaType,
            "415: Unsupported Media Type".into(),
            Some(StatusDetails::default()),
        )
    }

    /// 429 `TooManyRequests` with a retry delay (upstream's `NewTooManyRequests`).
    pub fn too_many_requests(message: impl Into<String>, retry_after_seconds: i32) -> Self {
        Self::failure(
            429,
            StatusReason::TooManyRequests,
            message.into(),
            retry_details(retry_after_seconds),
        )
    }

    /// 429 `TooManyRequests`: `Too many requests: <message>` (upstream's
    /// `NewTooManyRequestsError`).
    pub fn too_many_requests_error(message: &str) -> Self {
        Self::failure(
            429,
            StatusReason::TooManyRequests,
            format!("Too many requests: {message}"),
            None,
        )
    }

    /// 413 `RequestEntityTooLarge`: `Request entity too large: <message>` (upstream's
    /// `NewRequestEntityTooLargeError`).
    pub fn request_entity_too_large(message: &str) -> Self {
        Self::failure(
            413,
            StatusReason::RequestEntityTooLarge,
            format!("Request entity too large: {message}"),
            None,
        )
    }

    /// 406 `NotAcceptable`: `only the following media types are accepted: <types>` (upstream's
    /// `negotiation.NewNotAcceptableError`; no details).
    pub fn not_acceptable(accepted: &[&str]) -> Self {
        Self::failure(
            406,
            StatusReason::NotAcceptable,
            format!(
                "only the following media types are accepted: {}",
                accepted.join(", ")
            ),
            None,
        )
    }

    /// 415 `UnsupportedMediaType`: `the body of the request was in an unknown format - accepted
    /// media types include: <types>` (upstream's `negotiation.NewUnsupportedMediaTypeError`).
    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        Self::failure(
            415,
            StatusReason::UnsupportedMediaType,
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
            None,
        )
    }

    /// 500 `InternalError`: `Internal error occurred: <err_msg>`, with the message as its one
    /// cause (upstream's `NewInternalError`).
    pub fn internal_error(err_msg: &str) -> Self {
        Self::failure(
            500,
            StatusReason::InternalError,
            format!("Internal error occurred: {err_msg}"),
            Some(StatusDetails {
                causes: vec![StatusCause {
                    cause_type: None,
                    message: err_msg.to_string(),
                    field: String::new(),
                }],
                ..StatusDetails::default()
            }),
        )
    }

    /// 504 `Timeout`: `Timeout: <message>` (upstream's `NewTimeoutError`).
    pub fn timeout(message: &str, retry_after_seconds: i32) -> Self {
        Self::failure(
            504,
            StatusReason::Timeout,
            format!("Timeout: {message}"),
            retry_details(retry_after_seconds),
        )
    }

    /// 500 `ServerTimeout`: `The <operation> operation against <resource> could not be
    /// completed at this time, please try again.` (upstream's `NewServerTimeout`).
    pub fn server_timeout(
        group: &str,
        resource: &str,
        operation: &str,
        retry_after_seconds: i32,
    ) -> Self {
        let mut details = resource_details(group, resource, operation);
        if let Some(details) = details.as_mut() {
            details.retry_after_seconds = retry_after_seconds;
        }
        Self::failure(
            500,
            StatusReason::ServerTimeout,
            format!(
                "The {operation} operation against {} could not be completed at this time, please try again.",
                qualified_resource(group, resource)
            ),
            details,
        )
    }

    /// 503 `ServiceUnavailable` (upstream's `NewServiceUnavailable`).
    pub fn service_unavailable(reason: impl Into<String>) -> Self {
        Self::failure(503, StatusReason::ServiceUnavailable, reason.into(), None)
    }

    /// 504 `Timeout` with a `ResourceVersionTooLarge` cause: the requested minimum resource
    /// version is newer than what the server has (upstream's storage
    /// `NewTooLargeResourceVersionError`).
    pub fn too_large_resource_version(expected: i64, actual: i64, retry_seconds: i32) -> Self {
        let mut status = Self::timeout(
            &format!("Too large resource version: {expected}, current: {actual}"),
            retry_seconds,
        );
        if let Some(details) = status.details.as_mut() {
            details.causes = vec![StatusCause {
                cause_type: Some(CauseType::ResourceVersionTooLarge),
                message: "Too large resource version".to_string(),
                field: String::new(),
            }];
        }
        status
    }

    /// Whether this status carries a cause of `cause_type` (upstream's `HasStatusCause`).
    pub fn has_cause(&self, cause_type: &CauseType) -> bool {
        self.details.as_ref().is_some_and(|d| {
            d.causes
                .iter()
                .any(|c| c.cause_type.as_ref() == Some(cause_type))
        })
    }

    /// The JSON body exactly as kube-apiserver writes it, without the trailing newline its
    /// stream encoder adds.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        gocompat::marshal(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `status`'s JSON against the body upstream writes (from Go's `json.Marshal` of the
    /// `metav1.Status` its constructor returns, with `kind`/`apiVersion` set as the server does).
    fn assert_body(status: &Status, want: &str) {
        let got = String::from_utf8(status.to_json().expect("serializes")).expect("utf8");
        assert_eq!(got, want);
        let back: Status = serde_json::from_str(&got).expect("parses back");
        assert_eq!(&back, status);
    }

    // Every expected body below was printed by a Go program calling
    // k8s.io/apimachinery v0.37.0's constructors and json.Marshal.

    #[test]
    fn not_found_body() {
        assert_body(
            &Status::not_found("", "pods", "web"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" not found","reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}"#,
        );
        assert_body(
            &Status::not_found("apps", "deployments", "web"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}"#,
        );
        assert_body(
            &Status::not_found("", "pods", ""),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"\" not found","reason":"NotFound","details":{"kind":"pods"},"code":404}"#,
        );
    }

    #[test]
    fn already_exists_and_conflict_bodies() {
        assert_body(
            &Status::already_exists("", "configmaps", "cm"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"cm\" already exists","reason":"AlreadyExists","details":{"name":"cm","kind":"configmaps"},"code":409}"#,
        );
        assert_body(
            &Status::generate_name_conflict("", "pods", "web-x1", 1),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web-x1\" already exists, the server was not able to generate a unique name for the object","reason":"AlreadyExists","details":{"name":"web-x1","kind":"pods","retryAfterSeconds":1},"code":409}"#,
        );
        assert_body(
            &Status::conflict(
                "",
                "configmaps",
                "cm",
                "the object has been modified; please apply your changes to the latest version and try again",
            ),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \"cm\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"cm","kind":"configmaps"},"code":409}"#,
        );
    }

    #[test]
    fn gone_and_expired_bodies() {
        assert_body(
            &Status::gone("gone away"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"gone away","reason":"Gone","code":410}"#,
        );
        assert_body(
            &Status::resource_expired("too old resource version: 5 (10)"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (10)","reason":"Expired","code":410}"#,
        );
        let mut expired = Status::resource_expired(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
        expired.metadata.continue_token =
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYlx1MDAwMCJ9".to_string();
        expired.metadata.remaining_item_count = Some(3);
        assert_body(
            &expired,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{"continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYlx1MDAwMCJ9","remainingItemCount":3},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.","reason":"Expired","code":410}"#,
        );
    }

    #[test]
    fn invalid_body_with_causes() {
        let errors = vec![
            FieldError::required("metadata.name", "name or generateName is required"),
            FieldError::invalid(
                "metadata.labels",
                "a b",
                "name part must consist of alphanumeric characters",
            ),
            FieldError::not_supported("spec.restartPolicy", "Sometimes", &["Always", "Never"]),
        ];
        assert_body(
            &Status::invalid("", "Pod", "web", &errors),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"web\" is invalid: [metadata.name: Required value: name or generateName is required, metadata.labels: Invalid value: \"a b\": name part must consist of alphanumeric characters, spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\"]","reason":"Invalid","details":{"name":"web","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value: name or generateName is required","field":"metadata.name"},{"reason":"FieldValueInvalid","message":"Invalid value: \"a b\": name part must consist of alphanumeric characters","field":"metadata.labels"},{"reason":"FieldValueNotSupported","message":"Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\"","field":"spec.restartPolicy"}]},"code":422}"#,
        );
        assert_body(
            &Status::invalid(
                "apps",
                "Deployment",
                "d",
                &[FieldError::invalid(
                    "spec.replicas",
                    -1i64,
                    "must be greater than or equal to 0",
                )],
            ),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Deployment.apps \"d\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid","details":{"name":"d","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}"#,
        );
        assert_body(
            &Status::invalid("", "Pod", "p", &[]),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"p\" is invalid","reason":"Invalid","details":{"name":"p","kind":"Pod"},"code":422}"#,
        );
    }

    #[test]
    fn simple_failure_bodies() {
        assert_body(
            &Status::bad_request("bad <thing> & more"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"bad \u003cthing\u003e \u0026 more","reason":"BadRequest","code":400}"#,
        );
        assert_body(
            &Status::unauthorized(""),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"not authorized","reason":"Unauthorized","code":401}"#,
        );
        assert_body(
            &Status::unauthorized("Unauthorized"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#,
        );
        assert_body(
            &Status::service_unavailable("storage not ready"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"storage not ready","reason":"ServiceUnavailable","code":503}"#,
        );
        assert_body(
            &Status::request_entity_too_large("limit is 3145728"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}"#,
        );
        assert_body(
            &Status::too_many_requests_error("please try again later"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests: please try again later","reason":"TooManyRequests","code":429}"#,
        );
        assert_body(
            &Status::too_many_requests("slow down", 3),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow down","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}"#,
        );
        assert_body(
            &Status::from_error_message("boom"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"boom","code":500}"#,
        );
        assert_body(
            &Status::success(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":200}"#,
        );
    }

    #[test]
    fn forbidden_bodies() {
        assert_body(
            &Status::forbidden(
                "",
                "pods",
                "web",
                "User \"bob\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\"",
            ),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" is forbidden: User \"bob\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"web","kind":"pods"},"code":403}"#,
        );
        assert_body(
            &Status::forbidden("apps", "deployments", "", "no"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps is forbidden: no","reason":"Forbidden","details":{"group":"apps","kind":"deployments"},"code":403}"#,
        );
        assert_body(
            &Status::forbidden("", "", "", "no"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: no","reason":"Forbidden","details":{},"code":403}"#,
        );
    }

    #[test]
    fn method_timeout_and_internal_bodies() {
        assert_body(
            &Status::method_not_supported("", "bindings", "list"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"list is not supported on resources of kind \"bindings\"","reason":"MethodNotAllowed","details":{"kind":"bindings"},"code":405}"#,
        );
        assert_body(
            &Status::server_timeout("", "pods", "list", 2),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The list operation against pods could not be completed at this time, please try again.","reason":"ServerTimeout","details":{"name":"list","kind":"pods","retryAfterSeconds":2},"code":500}"#,
        );
        assert_body(
            &Status::timeout(
                "request did not complete within requested timeout - context deadline exceeded",
                0,
            ),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Timeout: request did not complete within requested timeout - context deadline exceeded","reason":"Timeout","details":{},"code":504}"#,
        );
        assert_body(
            &Status::internal_error("etcd is down"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: etcd is down","reason":"InternalError","details":{"causes":[{"message":"etcd is down"}]},"code":500}"#,
        );
        let too_large = Status::too_large_resource_version(20, 10, 1);
        assert_body(
            &too_large,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Timeout: Too large resource version: 20, current: 10","reason":"Timeout","details":{"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}],"retryAfterSeconds":1},"code":504}"#,
        );
        assert!(too_large.has_cause(&CauseType::ResourceVersionTooLarge));
        assert!(!Status::timeout("x", 1).has_cause(&CauseType::ResourceVersionTooLarge));
    }

    #[test]
    fn reasons_and_causes_round_trip_as_strings() {
        let reasons = [
            (StatusReason::NotFound, "NotFound"),
            (StatusReason::AlreadyExists, "AlreadyExists"),
            (StatusReason::Conflict, "Conflict"),
            (StatusReason::Gone, "Gone"),
            (StatusReason::Invalid, "Invalid"),
            (StatusReason::ServerTimeout, "ServerTimeout"),
            (StatusReason::Timeout, "Timeout"),
            (StatusReason::TooManyRequests, "TooManyRequests"),
            (StatusReason::BadRequest, "BadRequest"),
            (StatusReason::MethodNotAllowed, "MethodNotAllowed"),
            (StatusReason::NotAcceptable, "NotAcceptable"),
            (StatusReason::RequestEntityTooLarge, "RequestEntityTooLarge"),
            (StatusReason::UnsupportedMediaType, "UnsupportedMediaType"),
            (StatusReason::InternalError, "InternalError"),
            (StatusReason::Expired, "Expired"),
            (StatusReason::ServiceUnavailable, "ServiceUnavailable"),
            (StatusReason::Unauthorized, "Unauthorized"),
            (StatusReason::Forbidden, "Forbidden"),
            (StatusReason::StoreReadError, "StorageReadError"),
            (StatusReason::Unknown, ""),
        ];
        for (reason, wire) in reasons {
            assert_eq!(reason.as_str(), wire);
            assert_eq!(StatusReason::from_wire(wire), reason);
            assert_eq!(
                serde_json::to_string(&reason).expect("serializes"),
                format!("\"{wire}\"")
            );
        }
        assert_eq!(
            StatusReason::from_wire("Novel"),
            StatusReason::Other("Novel".into())
        );
        for wire in [
            "FieldValueNotFound",
            "FieldValueRequired",
            "FieldValueDuplicate",
            "FieldValueInvalid",
            "FieldValueNotSupported",
            "FieldValueForbidden",
            "FieldValueTooLong",
            "FieldValueTooMany",
            "InternalError",
            "FieldValueTypeInvalid",
            "UnexpectedServerResponse",
            "FieldManagerConflict",
            "ResourceVersionTooLarge",
        ] {
            let cause = CauseType::from_wire(wire);
            assert!(!matches!(cause, CauseType::Other(_)), "{wire}");
            assert_eq!(cause.as_str(), wire);
        }
    }

    #[test]
    fn decodes_upstream_bodies_with_missing_fields() {
        let status: Status = serde_json::from_str(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{"resourceVersion":"7"},"status":"Failure","reason":"Expired","details":{"causes":[{"reason":"","message":"m"}]},"code":410,"extra":1}"#,
        )
        .expect("parses");
        assert_eq!(status.reason, StatusReason::Expired);
        assert_eq!(status.metadata.resource_version, "7");
        assert_eq!(status.code, 410);
        let details = status.details.expect("details");
        assert_eq!(details.causes[0].cause_type, None);
        assert_eq!(details.causes[0].message, "m");
    }

    #[test]
    fn qualified_resource_formats_as_upstream() {
        assert_eq!(qualified_resource("", "pods"), "pods");
        assert_eq!(
            qualified_resource("apps", "deployments"),
            "deployments.apps"
        );
    }
}
