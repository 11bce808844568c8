//! Authorization until RBAC exists: `system:masters` may do everything, everyone may read the
//! public paths (health, `/version`), and everything else is 403 with upstream's message.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ironkube_apimachinery::RequestInfo;

use super::identity::UserInfo;
use super::{ApiError, authn};
use crate::pki::ADMIN_GROUP;

/// Lets the request through or answers 403.
pub(super) async fn authorize(req: Request, next: Next) -> Response {
    if authn::is_public(req.uri().path()) {
        return next.run(req).await;
    }
    let extensions = req.extensions();
    let allowed = match extensions.get::<UserInfo>() {
        Some(user) if user.groups.iter().any(|g| g == ADMIN_GROUP) => true,
        Some(user) => {
            let info = extensions.get::<RequestInfo>().cloned().unwrap_or_default();
            return ApiError::Forbidden {
                user: user.name.clone(),
                info: Box::new(info),
            }
            .into_response();
        }
        // Authentication lets anonymous requests through only to public paths.
        None => false,
    };
    if allowed {
        next.run(req).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}
