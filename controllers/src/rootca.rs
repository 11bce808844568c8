//! The root-ca-certificate publisher (upstream's `pkg/controller/certificates/rootcacertpublisher`):
//! a `kube-root-ca.crt` ConfigMap with the cluster CA bundle in every namespace, put back when
//! edited or deleted.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{ObjectMeta, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{Controller, watcher};
use kube::{Api, ResourceExt as _};

use crate::Context;
use crate::reconcile::{ReconcileError, create_ignoring_conflict, error_policy};

const NAME: &str = "root-ca-certificate-publisher-controller";
const CONFIG_MAP: &str = "kube-root-ca.crt";
const DESCRIPTION_ANNOTATION: &str = "kubernetes.io/description";
const DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

pub(crate) async fn run(ctx: Context) {
    if ctx.root_ca.is_none() {
        tracing::warn!(
            controller = NAME,
            "no CA bundle (--root-ca-file or the kubeconfig's): not publishing"
        );
        return;
    }
    let client = ctx.client.clone();
    Controller::new(
        Api::<Namespace>::all(client.clone()),
        watcher::Config::default(),
    )
    .watches(
        Api::<ConfigMap>::all(client),
        watcher::Config::default().fields(&format!("metadata.name={CONFIG_MAP}")),
        |cm| cm.namespace().map(|ns| ObjectRef::new(&ns)),
    )
    .run(reconcile, error_policy(NAME), Arc::new(ctx))
    .for_each(|_| async {})
    .await;
}

async fn reconcile(ns: Arc<Namespace>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    if ns.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let Some(ca) = ctx.root_ca.clone() else {
        return Ok(Action::await_change());
    };
    let data = BTreeMap::from([("ca.crt".to_string(), ca)]);
    let api = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ns.name_any());
    match api.get_opt(CONFIG_MAP).await? {
        None => {
            let cm = ConfigMap {
                metadata: ObjectMeta {
                    name: Some(CONFIG_MAP.into()),
                    annotations: Some(BTreeMap::from([(
                        DESCRIPTION_ANNOTATION.to_string(),
                        DESCRIPTION.to_string(),
                    )])),
                    ..ObjectMeta::default()
                },
                data: Some(data),
                ..ConfigMap::default()
            };
            create_ignoring_conflict(&api, &PostParams::default(), &cm).await?;
        }
        Some(mut cm) => {
            let described = cm
                .annotations()
                .get(DESCRIPTION_ANNOTATION)
                .is_some_and(|d| !d.is_empty());
            if cm.data.as_ref() == Some(&data) && described {
                return Ok(Action::await_change());
            }
            cm.data = Some(data);
            cm.binary_data = None;
            cm.annotations_mut()
                .insert(DESCRIPTION_ANNOTATION.into(), DESCRIPTION.into());
            api.replace(CONFIG_MAP, &PostParams::default(), &cm).await?;
        }
    }
    Ok(Action::await_change())
}
