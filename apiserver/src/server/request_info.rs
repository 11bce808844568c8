//! The first filter: what the request path asks for (upstream's `WithRequestInfo`), attached
//! to the request for the filters and handlers after it.

use std::sync::LazyLock;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ironkube_apimachinery::RequestInfoFactory;

use super::ApiError;

/// kube-apiserver's factory (`api` and `apis` prefixes).
static FACTORY: LazyLock<RequestInfoFactory> = LazyLock::new(RequestInfoFactory::default);

/// Parses the request line into a [`RequestInfo`](ironkube_apimachinery::RequestInfo)
/// extension, or refuses the request as upstream does.
pub(super) async fn with_request_info(mut req: Request, next: Next) -> Response {
    let uri = req.uri();
    let info = FACTORY.request_info(req.method().as_str(), uri.path(), uri.query().unwrap_or(""));
    match info {
        Ok(info) => {
            req.extensions_mut().insert(info);
            next.run(req).await
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}
