//! The pod garbage collector (upstream's `pkg/controller/podgc`): every 20 s (upstream's
//! `gcCheckPeriod`) it deletes terminated pods beyond `--terminated-pod-gc-threshold`
//! (oldest first), terminating pods on out-of-service nodes, pods bound to nodes that no
//! longer exist (after a 40 s quarantine), and unscheduled terminating pods. Pods not yet
//! terminal are first marked `Failed` (with a `DisruptionTarget` condition for orphans).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt as _;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kube::runtime::reflector::Store;
use kube::runtime::watcher;
use serde_json::json;

use crate::Context;
use crate::job::informer::Queue;

const NAME: &str = "pod-garbage-collector-controller";
/// How often the collector runs (`gcCheckPeriod`).
const GC_CHECK_PERIOD: Duration = Duration::from_secs(20);
/// How long a node must stay missing before its pods go (`quarantineTime`).
const QUARANTINE: Duration = Duration::from_secs(40);
/// The taint that marks a node out of service.
const OUT_OF_SERVICE_TAINT: &str = "node.kubernetes.io/out-of-service";

pub(crate) async fn run(ctx: Context) {
    // The informers only keep caches; the collector runs on its timer.
    let mut queue = Queue::<Pod>::new();
    let pods = queue.informer(
        &ctx,
        Api::<Pod>::all(ctx.client.clone()),
        watcher::Config::default(),
        |_| Vec::new(),
    );
    let nodes = queue.informer(
        &ctx,
        Api::<Node>::all(ctx.client.clone()),
        watcher::Config::default(),
        |_| Vec::new(),
    );
    let collector = Collector {
        ctx: ctx.clone(),
        pods: pods.clone(),
        nodes,
        missing_since: HashMap::new(),
    };
    let collect = collect_forever(collector);
    // The queue's informers run until the collector ends (never).
    let informers = queue.run(
        NAME,
        pods,
        1,
        Arc::new(()),
        |_: Arc<Pod>, _: Arc<()>| async {
            Ok::<_, crate::reconcile::ReconcileError>(
                kube::runtime::controller::Action::await_change(),
            )
        },
        ctx,
    );
    tokio::join!(informers, collect);
}

struct Collector {
    ctx: Context,
    pods: Store<Pod>,
    nodes: Store<Node>,
    /// Nodes pods are bound to that the cache does not have, since when.
    missing_since: HashMap<String, Instant>,
}

async fn collect_forever(mut collector: Collector) {
    let _ = crate::shared_informer::wait_synced(&collector.pods).await;
    let _ = crate::shared_informer::wait_synced(&collector.nodes).await;
    let mut ticks = tokio::time::interval(GC_CHECK_PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        collector
            .ctx
            .metrics
            .inc("ironkube_controller_syncs_total", NAME);
        collector.gc().await;
    }
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn is_terminated(pod: &Pod) -> bool {
    !matches!(phase(pod), "Pending" | "Running" | "Unknown" | "")
}

fn node_name(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

fn is_evicted(pod: &Pod) -> bool {
    phase(pod) == "Failed"
        && pod.status.as_ref().and_then(|s| s.reason.as_deref()) == Some("Evicted")
}

/// Upstream's `byEvictionAndCreationTimestamp`: evicted first, then oldest, then by name.
fn gc_order(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    let created = |p: &Pod| p.metadata.creation_timestamp.as_ref().map(|t| t.0);
    is_evicted(b)
        .cmp(&is_evicted(a))
        .then(created(a).cmp(&created(b)))
        .then(a.name_any().cmp(&b.name_any()))
}

impl Collector {
    async fn gc(&mut self) {
        let pods: Vec<Arc<Pod>> = self.pods.state();
        let threshold = self.ctx.options.terminated_pod_gc_threshold;
        if threshold > 0 {
            self.gc_terminated(&pods, threshold).await;
        }
        self.gc_terminating(&pods).await;
        self.gc_orphaned(&pods).await;
        self.gc_unscheduled_terminating(&pods).await;
    }

    async fn gc_terminated(&self, pods: &[Arc<Pod>], threshold: i64) {
        let mut terminated: Vec<&Arc<Pod>> = pods.iter().filter(|p| is_terminated(p)).collect();
        let excess = terminated.len() as i64 - threshold;
        if excess <= 0 {
            return;
        }
        terminated.sort_by(|a, b| gc_order(a, b));
        let deletions = terminated
            .iter()
            .take(usize::try_from(excess).unwrap_or(0))
            .map(|p| self.mark_failed_and_delete(p, None));
        futures::future::join_all(deletions).await;
    }

    async fn gc_terminating(&self, pods: &[Arc<Pod>]) {
        let mut terminating: Vec<&Arc<Pod>> = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_some() && !is_terminated(p))
            .filter(|p| {
                let Some(node) = self
                    .nodes
                    .get(&kube::runtime::reflector::ObjectRef::new(node_name(p)))
                else {
                    return false;
                };
                let ready = node
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
                let out_of_service = node
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.as_ref())
                    .is_some_and(|ts| ts.iter().any(|t| t.key == OUT_OF_SERVICE_TAINT));
                !ready && out_of_service
            })
            .collect();
        terminating.sort_by(|a, b| gc_order(a, b));
        futures::future::join_all(
            terminating
                .iter()
                .map(|p| self.mark_failed_and_delete(p, None)),
        )
        .await;
    }

    async fn gc_orphaned(&mut self, pods: &[Arc<Pod>]) {
        let mut missing: HashMap<String, Vec<&Arc<Pod>>> = HashMap::new();
        for pod in pods {
            let node = node_name(pod);
            if node.is_empty()
                || self
                    .nodes
                    .get(&kube::runtime::reflector::ObjectRef::new(node))
                    .is_some()
            {
                continue;
            }
            missing.entry(node.to_string()).or_default().push(pod);
        }
        self.missing_since
            .retain(|node, _| missing.contains_key(node));
        let nodes: Api<Node> = Api::all(self.ctx.client.clone());
        for (node, pods) in missing {
            let since = *self
                .missing_since
                .entry(node.clone())
                .or_insert_with(Instant::now);
            if since.elapsed() < QUARANTINE {
                continue;
            }
            // Ask the server: the cache may be behind a node that came back.
            match nodes.get_opt(&node).await {
                Ok(None) => {}
                Ok(Some(_)) => continue,
                Err(err) => {
                    tracing::warn!(%err, node, "checking a node failed");
                    continue;
                }
            }
            let condition = json!({
                "type": "DisruptionTarget",
                "status": "True",
                "reason": "DeletionByPodGC",
                "message": "PodGC: node no longer exists",
            });
            let deletions = pods
                .iter()
                .map(|p| self.mark_failed_and_delete(p, Some(condition.clone())));
            futures::future::join_all(deletions).await;
        }
    }

    async fn gc_unscheduled_terminating(&self, pods: &[Arc<Pod>]) {
        let deletions = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_some() && node_name(p).is_empty())
            .map(|p| self.mark_failed_and_delete(p, None));
        futures::future::join_all(deletions).await;
    }

    /// Marks a pod `Failed` (unless it is terminal already), with `condition`, then deletes
    /// it at once.
    async fn mark_failed_and_delete(&self, pod: &Pod, condition: Option<serde_json::Value>) {
        let api: Api<Pod> = Api::namespaced(
            self.ctx.client.clone(),
            &pod.namespace().unwrap_or_default(),
        );
        let name = pod.name_any();
        tracing::info!(pod = %name, "PodGC is force deleting Pod");
        if !matches!(phase(pod), "Succeeded" | "Failed") {
            let mut status = json!({"phase": "Failed"});
            if let Some(mut condition) = condition {
                let now = Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                condition["lastTransitionTime"] = json!(now);
                status["conditions"] = json!([condition]);
            }
            let patch = json!({"metadata": {"uid": pod.uid()}, "status": status});
            match api
                .patch_status(&name, &PatchParams::default(), &Patch::Strategic(patch))
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => return,
                Err(err) => {
                    tracing::warn!(%err, pod = %name, "marking a pod failed");
                    return;
                }
            }
        }
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        };
        match api.delete(&name, &params).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(err) => tracing::warn!(%err, pod = %name, "deleting a pod"),
        }
    }
}
