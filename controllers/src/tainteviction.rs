//! The taint eviction controller (upstream's `pkg/controller/tainteviction`): a pod bound to a
//! node with NoExecute taints it does not tolerate is deleted at once; one tolerating them for
//! `tolerationSeconds` is deleted when the shortest of those runs out (a timer, cancelled
//! when the taints go away); one tolerating them without a limit stays. Before deleting, the
//! pod gets the `DisruptionTarget` condition (reason `DeletionByTaintManager`) and a
//! `TaintManagerEviction` event.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Pod, Taint, Toleration};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::runtime::controller::Action;

use crate::controller_utils::run_queue;
use kube::runtime::events::{Event, EventType};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Resource as _, ResourceExt as _};
use serde_json::json;

use crate::Context;
use crate::informer::{informer, merge, touched, triggers};
use crate::reconcile::{ReconcileError, error_policy};

const NAME: &str = "taint-eviction-controller";

struct State {
    ctx: Context,
    nodes: Store<Node>,
}

pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let pods = informer(
        &ctx,
        Api::<Pod>::all(client.clone()),
        watcher::Config::default(),
    );
    let nodes = informer(
        &ctx,
        Api::<Node>::all(client.clone()),
        watcher::Config::default(),
    );
    let state = Arc::new(State {
        ctx,
        nodes: nodes.store.clone(),
    });
    let on_pod = |event: &watcher::Event<Pod>| match event {
        watcher::Event::Delete(_) => Vec::new(),
        other => touched(other)
            .map(|pod| vec![ObjectRef::from_obj(pod)])
            .unwrap_or_default(),
    };
    // A node's taints changed: every pod on it is looked at again.
    let pod_store = pods.store.clone();
    let on_node = move |event: &watcher::Event<Node>| {
        let Some(node) = touched(event) else {
            return Vec::new();
        };
        let name = node.name_any();
        pod_store
            .state()
            .iter()
            .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(name.as_str()))
            .map(|p| ObjectRef::from_obj(&**p))
            .collect::<Vec<_>>()
    };
    let queue = merge(vec![
        triggers(pods.events, on_pod),
        triggers(nodes.events, on_node),
    ]);
    let policy = error_policy::<Pod>(NAME);
    run_queue(
        pods.store,
        queue,
        reconcile,
        move |pod, err, state: Arc<State>| policy(pod, err, Arc::new(state.ctx.clone())),
        state,
        8,
    )
    .await;
}

/// Whether `toleration` tolerates `taint` (upstream's `ToleratesTaint`).
pub(crate) fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = toleration.effect.as_deref()
        && !effect.is_empty()
        && effect != taint.effect
    {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or("");
    let operator = toleration.operator.as_deref().unwrap_or("Equal");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match operator {
        "Exists" => true,
        "Equal" | "" => {
            toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
        }
        _ => false,
    }
}

/// When the pod must go: `None` never, `Some(None)` now, `Some(Some(d))` after `d` from the
/// taints' arrival (upstream's `getMinTolerationTime` over the tolerations used).
fn eviction_delay(tolerations: &[Toleration], taints: &[&Taint]) -> Option<Option<Duration>> {
    let mut shortest: Option<i64> = None;
    for taint in taints {
        let used: Vec<&Toleration> = tolerations.iter().filter(|t| tolerates(t, taint)).collect();
        if used.is_empty() {
            return Some(None);
        }
        for toleration in used {
            if let Some(seconds) = toleration.toleration_seconds {
                shortest = Some(shortest.map_or(seconds, |s| s.min(seconds)));
            }
        }
    }
    let seconds = shortest?;
    if seconds <= 0 {
        return Some(None);
    }
    Some(Some(Duration::from_secs(seconds.unsigned_abs())))
}

async fn reconcile(pod: Arc<Pod>, state: Arc<State>) -> Result<Action, ReconcileError> {
    let ctx = &state.ctx;
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    let _ = crate::shared_informer::wait_synced(&state.nodes).await;
    if pod.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let Some(node_name) = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.clone())
        .filter(|n| !n.is_empty())
    else {
        return Ok(Action::await_change());
    };
    let Some(node) = state.nodes.get(&ObjectRef::new(&node_name)) else {
        return Ok(Action::await_change());
    };
    let taints: Vec<&Taint> = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .filter(|t| t.effect == "NoExecute")
        .collect();
    if taints.is_empty() {
        return Ok(Action::await_change());
    }
    let tolerations = pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.clone())
        .unwrap_or_default();
    let Some(delay) = eviction_delay(&tolerations, &taints) else {
        return Ok(Action::await_change());
    };
    if let Some(delay) = delay {
        // The clock starts when the latest of the taints was added.
        let since = taints
            .iter()
            .filter_map(|t| t.time_added.as_ref().map(|t| t.0))
            .max()
            .unwrap_or_else(Timestamp::now);
        let elapsed = Timestamp::now().duration_since(since).unsigned_abs();
        if elapsed < delay {
            return Ok(Action::requeue(delay - elapsed));
        }
    }
    evict(ctx, &pod).await?;
    Ok(Action::await_change())
}

/// Marks the pod as a disruption target, records the eviction and deletes it.
async fn evict(ctx: &Context, pod: &Pod) -> Result<(), ReconcileError> {
    let namespace = pod.namespace().unwrap_or_default();
    let name = pod.name_any();
    let api = Api::<Pod>::namespaced(ctx.client.clone(), &namespace);
    tracing::info!(pod = %format!("{namespace}/{name}"), "deleting pod for NoExecute taint");
    let _ = ctx
        .recorder("taint-eviction-controller")
        .publish(
            &Event {
                type_: EventType::Normal,
                reason: "TaintManagerEviction".into(),
                note: Some(format!("Marking for deletion Pod {namespace}/{name}")),
                action: "Evict".into(),
                secondary: None,
            },
            &pod.object_ref(&()),
        )
        .await;
    let now = Timestamp::now().to_string();
    let condition = json!({"status": {"conditions": [{
        "type": "DisruptionTarget",
        "status": "True",
        "reason": "DeletionByTaintManager",
        "message": "Taint manager: deleting due to NoExecute taint",
        "lastTransitionTime": now,
    }]}});
    match api
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Strategic(&condition),
        )
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => return Ok(()),
        Err(err) => return Err(err.into()),
    }
    match api.delete(&name, &DeleteParams::default()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.into(),
            effect: "NoExecute".into(),
            ..Taint::default()
        }
    }

    fn toleration(v: serde_json::Value) -> Toleration {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_shortest_toleration_decides() {
        let unreachable = taint("node.kubernetes.io/unreachable");
        let taints = [&unreachable];
        assert_eq!(eviction_delay(&[], &taints), Some(None));
        let forever =
            toleration(json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists"}));
        assert_eq!(
            eviction_delay(std::slice::from_ref(&forever), &taints),
            None
        );
        let five = toleration(
            json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}),
        );
        assert_eq!(
            eviction_delay(&[forever.clone(), five], &taints),
            Some(Some(Duration::from_secs(5)))
        );
        let zero = toleration(json!({"operator": "Exists", "tolerationSeconds": 0}));
        assert_eq!(eviction_delay(&[zero], &taints), Some(None));
        let other = toleration(json!({"key": "x", "operator": "Exists"}));
        assert_eq!(eviction_delay(&[other], &taints), Some(None));
        let wrong_effect = toleration(
            json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoSchedule"}),
        );
        assert_eq!(eviction_delay(&[wrong_effect], &taints), Some(None));
    }
}
