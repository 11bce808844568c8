//! The ttl-after-finished controller (upstream's `pkg/controller/ttlafterfinished`): a
//! finished Job with `ttlSecondsAfterFinished` is deleted (in the background) that long after
//! it finished; until then a timer waits for the expiry.

use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::ResourceExt as _;
use kube::api::{Api, DeleteParams, Preconditions, PropagationPolicy};
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;

use crate::Context;
use crate::job::informer::Queue;
use crate::job::is_finished;
use crate::reconcile::ReconcileError;

const NAME: &str = "ttl-after-finished-controller";

pub(crate) async fn run(ctx: Context) {
    let mut queue = Queue::<Job>::new();
    let jobs = queue.informer(
        &ctx,
        Api::<Job>::all(ctx.client.clone()),
        watcher::Config::default(),
        |job| {
            if job
                .spec
                .as_ref()
                .and_then(|s| s.ttl_seconds_after_finished)
                .is_some()
                && is_finished(job).is_some()
            {
                vec![ObjectRef::from_obj(job)]
            } else {
                Vec::new()
            }
        },
    );
    let concurrency = ctx.options.concurrent_ttl_after_finished_syncs;
    queue
        .run(
            NAME,
            jobs,
            concurrency,
            Arc::new(ctx.clone()),
            reconcile,
            ctx,
        )
        .await;
}

/// When the Job's time to live runs out, if it has one and has finished.
fn expires_at(job: &Job) -> Option<Timestamp> {
    let ttl = job.spec.as_ref()?.ttl_seconds_after_finished?;
    let finished = is_finished(job)?.last_transition_time.as_ref()?.0;
    Some(finished + SignedDuration::from_secs(i64::from(ttl)))
}

async fn reconcile(job: Arc<Job>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    if job.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let Some(expiry) = expires_at(&job) else {
        return Ok(Action::await_change());
    };
    let now = Timestamp::now();
    if expiry > now {
        return Ok(Action::requeue(expiry.duration_since(now).unsigned_abs()));
    }
    // The cache may be stale (the TTL changed): check the live Job, as upstream does.
    let api: Api<Job> = Api::namespaced(ctx.client.clone(), &job.namespace().unwrap_or_default());
    let Some(fresh) = api.get_opt(&job.name_any()).await? else {
        return Ok(Action::await_change());
    };
    match expires_at(&fresh) {
        Some(expiry) if expiry <= Timestamp::now() => {}
        Some(expiry) => {
            return Ok(Action::requeue(
                expiry.duration_since(Timestamp::now()).unsigned_abs(),
            ));
        }
        None => return Ok(Action::await_change()),
    }
    tracing::info!(job = %fresh.name_any(), "cleaning up job: its ttlSecondsAfterFinished passed");
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Background),
        preconditions: Some(Preconditions {
            uid: fresh.uid(),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match api.delete(&fresh.name_any(), &params).await {
        Ok(_) => Ok(Action::await_change()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Action::await_change()),
        Err(err) => Err(err.into()),
    }
}
