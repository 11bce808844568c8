//! The service-account token controller (upstream's `serviceaccount-token-controller`, run
//! when `--service-account-private-key-file` is given): a Secret of type
//! `kubernetes.io/service-account-token` naming a ServiceAccount in its
//! `kubernetes.io/service-account.name` annotation gets `token` (a legacy token signed with
//! the key), `ca.crt` (the root CA) and `namespace`, and the account's uid annotation; a
//! token Secret whose account is gone (or has another uid) is deleted, also when the account
//! is deleted later.

mod jwt;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use kube::api::{DeleteParams, PostParams, Preconditions};
use kube::runtime::controller::Action;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, ResourceExt as _};

use crate::Context;
use crate::controller_utils::run_queue;
use crate::informer::{informer, merge, touched, triggers};
use crate::reconcile::{ReconcileError, error_policy};
pub(crate) use jwt::SigningKey;

const NAME: &str = "serviceaccount-token-controller";
const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const ACCOUNT_NAME: &str = "kubernetes.io/service-account.name";
const ACCOUNT_UID: &str = "kubernetes.io/service-account.uid";

struct State {
    ctx: Context,
    key: SigningKey,
    accounts: Store<ServiceAccount>,
}

pub(crate) async fn run(ctx: Context) {
    let Some(path) = ctx.options.service_account_private_key_file.clone() else {
        tracing::warn!(
            controller = NAME,
            "controller is disabled because there is no private key (--service-account-private-key-file)"
        );
        return;
    };
    let key = match std::fs::read_to_string(&path)
        .map_err(|err| err.to_string())
        .and_then(|text| SigningKey::from_pem(&text).map_err(|err| err.to_string()))
    {
        Ok(key) => key,
        Err(err) => {
            tracing::error!(controller = NAME, path = %path.display(), %err, "cannot read the service account private key");
            return;
        }
    };
    tracing::info!(
        controller = NAME,
        key_id = key.key_id(),
        "signing legacy service account tokens"
    );
    let client = ctx.client.clone();
    let secrets = informer(
        &ctx,
        Api::<Secret>::all(client.clone()),
        watcher::Config::default().fields(&format!("type={TOKEN_TYPE}")),
    );
    let accounts = informer(
        &ctx,
        Api::<ServiceAccount>::all(client),
        watcher::Config::default(),
    );
    let state = Arc::new(State {
        ctx,
        key,
        accounts: accounts.store.clone(),
    });
    let on_secret = |event: &watcher::Event<Secret>| {
        touched(event)
            .filter(|_| !matches!(event, watcher::Event::Delete(_)))
            .map(|s| vec![ObjectRef::from_obj(s)])
            .unwrap_or_default()
    };
    // An account's change or deletion looks at the token Secrets that name it.
    let secret_store = secrets.store.clone();
    let on_account = move |event: &watcher::Event<ServiceAccount>| {
        let Some(account) = touched(event) else {
            return Vec::new();
        };
        let namespace = account.namespace();
        let name = account.name_any();
        secret_store
            .state()
            .iter()
            .filter(|s| s.namespace() == namespace)
            .filter(|s| s.annotations().get(ACCOUNT_NAME) == Some(&name))
            .map(|s| ObjectRef::from_obj(s.as_ref()))
            .collect::<Vec<_>>()
    };
    let queue = merge(vec![
        triggers(secrets.events, on_secret),
        triggers(accounts.events, on_account),
    ]);
    let policy = error_policy::<Secret>(NAME);
    let concurrency = state.ctx.options.concurrent_serviceaccount_token_syncs;
    run_queue(
        secrets.store,
        queue,
        reconcile,
        move |secret, err, state: Arc<State>| policy(secret, err, Arc::new(state.ctx.clone())),
        state,
        concurrency,
    )
    .await;
}

/// Upstream's `syncSecret`.
async fn reconcile(secret: Arc<Secret>, state: Arc<State>) -> Result<Action, ReconcileError> {
    let ctx = &state.ctx;
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    if secret.type_.as_deref() != Some(TOKEN_TYPE) || secret.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let _ = crate::shared_informer::wait_synced(&state.accounts).await;
    let namespace = secret.namespace().unwrap_or_default();
    let name = secret.name_any();
    let secrets = Api::<Secret>::namespaced(ctx.client.clone(), &namespace);
    let annotations = secret.annotations();
    let account_name = annotations.get(ACCOUNT_NAME).cloned().unwrap_or_default();
    let wanted_uid = annotations.get(ACCOUNT_UID).cloned().unwrap_or_default();
    // The cache first, the API server when the cache does not have it (upstream's
    // `getServiceAccount` with `fetchFromServer`).
    let key = ObjectRef::<ServiceAccount>::new(&account_name).within(&namespace);
    let account = match state.accounts.get(&key) {
        Some(account) => Some((*account).clone()),
        None if account_name.is_empty() => None,
        None => {
            Api::<ServiceAccount>::namespaced(ctx.client.clone(), &namespace)
                .get_opt(&account_name)
                .await?
        }
    };
    let account =
        account.filter(|a| wanted_uid.is_empty() || a.uid().as_deref() == Some(&wanted_uid));
    let Some(account) = account else {
        // The account is gone: so is its token (upstream's `deleteToken`, with the secret's
        // uid as a precondition).
        tracing::info!(secret = %name, %namespace, account = %account_name, "deleting the token of a missing service account");
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                uid: secret.uid(),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        match secrets.delete(&name, &params).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 || status.code == 409 => {}
            Err(err) => return Err(err.into()),
        }
        return Ok(Action::await_change());
    };

    let data = secret.data.clone().unwrap_or_default();
    let root_ca = ctx.root_ca.clone().unwrap_or_default();
    let needs_ca = !root_ca.is_empty()
        && data.get("ca.crt").map(|b| b.0.as_slice()) != Some(root_ca.as_bytes());
    let needs_namespace =
        data.get("namespace").map(|b| b.0.as_slice()) != Some(namespace.as_bytes());
    let needs_token = data.get("token").is_none_or(|b| b.0.is_empty());
    let account_uid = account.uid().unwrap_or_default();
    let needs_annotations = annotations.get(ACCOUNT_NAME) != Some(&account.name_any())
        || annotations.get(ACCOUNT_UID) != Some(&account_uid);
    if !(needs_ca || needs_namespace || needs_token || needs_annotations) {
        return Ok(Action::await_change());
    }
    let mut updated = (*secret).clone();
    let data: &mut BTreeMap<String, ByteString> = updated.data.get_or_insert_with(BTreeMap::new);
    if needs_ca {
        data.insert("ca.crt".into(), ByteString(root_ca.into_bytes()));
    }
    if needs_namespace {
        data.insert(
            "namespace".into(),
            ByteString(namespace.clone().into_bytes()),
        );
    }
    if needs_token {
        let claims = jwt::legacy_claims(&namespace, &account.name_any(), &account_uid, &name);
        let token = state
            .key
            .sign(&claims)
            .map_err(|_| ReconcileError::Other("signing the token failed".into()))?;
        data.insert("token".into(), ByteString(token.into_bytes()));
    }
    let annotations = updated.annotations_mut();
    annotations.insert(ACCOUNT_NAME.into(), account.name_any());
    annotations.insert(ACCOUNT_UID.into(), account_uid);
    secrets
        .replace(&name, &PostParams::default(), &updated)
        .await?;
    Ok(Action::await_change())
}
