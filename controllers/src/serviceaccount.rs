//! The serviceaccount controller (upstream's `pkg/controller/serviceaccount`): every active
//! namespace has a `default` ServiceAccount; one deleted comes back.

use std::sync::Arc;

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{ObjectMeta, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{Controller, watcher};
use kube::{Api, ResourceExt as _};

use crate::Context;
use crate::reconcile::{ReconcileError, create_ignoring_conflict, error_policy};

const NAME: &str = "serviceaccount-controller";
/// The ServiceAccounts every namespace gets.
const ENSURED: &str = "default";

pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let concurrency = ctx.options.concurrent_serviceaccount_token_syncs;
    Controller::new(
        Api::<Namespace>::all(client.clone()),
        watcher::Config::default(),
    )
    .with_config(kube::runtime::controller::Config::default().concurrency(concurrency))
    .watches(
        Api::<ServiceAccount>::all(client),
        watcher::Config::default().fields(&format!("metadata.name={ENSURED}")),
        |sa| sa.namespace().map(|ns| ObjectRef::new(&ns)),
    )
    .run(reconcile, error_policy(NAME), Arc::new(ctx))
    .for_each(|_| async {})
    .await;
}

async fn reconcile(ns: Arc<Namespace>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    let active = ns.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Active");
    if !active || ns.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let name = ns.name_any();
    let api = Api::<ServiceAccount>::namespaced(ctx.client.clone(), &name);
    if api.get_opt(ENSURED).await?.is_none() {
        let account = ServiceAccount {
            metadata: ObjectMeta {
                name: Some(ENSURED.into()),
                ..ObjectMeta::default()
            },
            ..ServiceAccount::default()
        };
        create_ignoring_conflict(&api, &PostParams::default(), &account).await?;
    }
    Ok(Action::await_change())
}
