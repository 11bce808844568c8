//! Errors of the HTTP edge and the one place they become responses: [`ApiError::status`]
//! (the `metav1.Status` each error is, as upstream's `ErrorToAPIStatus`) and its
//! [`IntoResponse`] implementation.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ironkube_apimachinery::status::StatusDetails;
use ironkube_apimachinery::{RequestInfo, RequestInfoError, Status, StatusReason};

/// A request the edge refuses or cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No identity was proven (no client certificate): 401.
    #[error("Unauthorized")]
    Unauthorized,
    /// The user may not do what the request asks (only `system:masters` may do anything until
    /// RBAC exists): 403 with upstream's `forbiddenMessage`.
    #[error("user {user:?} is forbidden")]
    Forbidden {
        /// The user's name.
        user: String,
        /// What the request asked for.
        info: Box<RequestInfo>,
    },
    /// Nothing is served at the path: upstream's generic 404.
    #[error("the server could not find the requested resource")]
    NotFound,
    /// The path could not be interpreted (upstream's request-info filter).
    #[error(transparent)]
    RequestInfo(#[from] RequestInfoError),
}

impl ApiError {
    /// The Status this error is sent as.
    pub fn status(&self) -> Status {
        match self {
            ApiError::Unauthorized => Status::unauthorized("Unauthorized"),
            ApiError::Forbidden { user, info } => forbidden(user, info),
            ApiError::NotFound => Status {
                status: ironkube_apimachinery::status::STATUS_FAILURE.to_string(),
                message: "the server could not find the requested resource".to_string(),
                reason: StatusReason::NotFound,
                details: Some(StatusDetails::default()),
                code: 404,
                ..Status::default()
            },
            ApiError::RequestInfo(err @ RequestInfoError::InvalidEscape { .. }) => {
                Status::bad_request(err.to_string())
            }
            ApiError::RequestInfo(err @ RequestInfoError::UndeterminedKind { .. }) => {
                Status::internal_error(&err.to_string())
            }
        }
    }
}

/// Upstream's `responsewriters.Forbidden` with an empty reason (what RBAC gives).
fn forbidden(user: &str, info: &RequestInfo) -> Status {
    let user = ironkube_apimachinery::gocompat::quote(user);
    if !info.is_resource_request {
        let message = format!(
            "User {user} cannot {} path {}",
            info.verb,
            ironkube_apimachinery::gocompat::quote(&info.path)
        );
        return Status::forbidden("", "", "", &message);
    }
    let mut resource = info.resource.clone();
    if !info.subresource.is_empty() {
        resource = format!("{resource}/{}", info.subresource);
    }
    let quote = ironkube_apimachinery::gocompat::quote;
    let message = if info.namespace.is_empty() {
        format!(
            "User {user} cannot {} resource {} in API group {} at the cluster scope",
            info.verb,
            quote(&resource),
            quote(&info.api_group)
        )
    } else {
        format!(
            "User {user} cannot {} resource {} in API group {} in the namespace {}",
            info.verb,
            quote(&resource),
            quote(&info.api_group),
            quote(&info.namespace)
        )
    };
    Status::forbidden(&info.api_group, &info.resource, &info.name, &message)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.code >= 500 {
            tracing::error!(error = %self, "request failed with an internal error");
        }
        status_response(&status)
    }
}

/// Go's `http.NotFound`, what upstream answers for paths nothing is registered at (unknown
/// groups, versions and non-API paths): `404 page not found` as plain text.
pub(crate) fn page_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        "404 page not found\n",
    )
        .into_response()
}

/// A Status as a JSON response with its code as the HTTP status.
pub(crate) fn status_response(status: &Status) -> Response {
    let code = u16::try_from(status.code)
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(code, serde_json::to_vec(status))
}

/// A JSON body with `Content-Type: application/json`; a serialization failure (a bug) is a
/// plain 500.
pub(crate) fn json_response(code: StatusCode, body: serde_json::Result<Vec<u8>>) -> Response {
    match body {
        Ok(body) => (
            code,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "encoding a response failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
