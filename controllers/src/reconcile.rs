//! What every reconciler shares: its error type, the retry policy on errors (upstream's
//! per-item exponential backoff, from 5 ms to 1000 s, approximated by a short fixed requeue
//! that kube-rs's queue deduplicates), and creates that tolerate racing a twin.

use std::sync::Arc;
use std::time::Duration;

use kube::Api;
use kube::api::PostParams;
use kube::runtime::controller::Action;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Context;

/// Why a reconcile failed; it is retried.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReconcileError {
    /// The API server refused or could not be reached.
    #[error(transparent)]
    Kube(#[from] kube::Error),
    /// Something the controller found wrong, in upstream's words.
    #[error("{0}")]
    Other(String),
}

/// The error policy of a controller called `name`: log, count, retry soon.
pub(crate) fn error_policy<K>(
    name: &'static str,
) -> impl Fn(Arc<K>, &ReconcileError, Arc<Context>) -> Action {
    move |_, err, ctx| {
        // A conflict means the cache was behind: retry at once.
        let conflict =
            matches!(err, ReconcileError::Kube(kube::Error::Api(status)) if status.code == 409);
        if !conflict {
            tracing::warn!(controller = name, %err, "sync failed");
        }
        ctx.metrics
            .inc("ironkube_controller_sync_errors_total", name);
        Action::requeue(if conflict {
            Duration::from_millis(20)
        } else {
            Duration::from_millis(500)
        })
    }
}

/// Creates `object`; one that exists already (a race with ourselves or a user) is fine, and so
/// is a namespace that is going away (upstream ignores `NamespaceTerminating` and NotFound).
pub(crate) async fn create_ignoring_conflict<K>(
    api: &Api<K>,
    params: &PostParams,
    object: &K,
) -> Result<(), kube::Error>
where
    K: Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    match api.create(params, object).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status))
            if status.code == 409 || status.code == 404 || status.code == 403 =>
        {
            Ok(())
        }
        Err(err) => Err(err),
    }
}
