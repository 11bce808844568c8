//! Authentication (upstream's `WithAuthentication` with only the x509 authenticator): the
//! client certificate's identity becomes the request's user; requests without one are
//! refused with 401, except on the paths upstream lets anyone read (health and `/version`,
//! the `system:public-info-viewer` role).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use super::identity::Peer;

/// Whether anonymous clients may read `path`: `/healthz`, `/livez`, `/readyz` with their
/// per-check paths, and `/version`.
pub(super) fn is_public(path: &str) -> bool {
    ["/healthz", "/livez", "/readyz"].iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }) || path == "/version"
        || path == "/version/"
}

/// Moves the connection's user into the request (as a [`UserInfo`](super::UserInfo)
/// extension), or answers 401 when there is none and the path is not public.
pub(super) async fn authenticate(mut req: Request, next: Next) -> Response {
    let user = req
        .extensions_mut()
        .remove::<Peer>()
        .and_then(|peer| peer.0);
    match user {
        Some(user) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        None if is_public(req.uri().path()) => next.run(req).await,
        None => ApiError::Unauthorized.into_response(),
    }
}
