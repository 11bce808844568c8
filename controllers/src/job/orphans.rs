//! Upstream's orphan-pod cleanup: a pod that still carries the tracking finalizer while no
//! unfinished Job controls it (its Job was deleted, finished, or released it) gets the
//! finalizer removed, or it could never go away. Pod events with the finalizer, and every Job
//! event (a deleted Job's pods may all be waiting), are looked at here.

use futures::StreamExt as _;
use futures::channel::mpsc;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt as _;
use kube::api::Api;
use kube::runtime::reflector::{ObjectRef, Store};

use super::pods::has_tracking_finalizer;
use super::{JOB_CONTROLLER_NAME, is_finished, remove_finalizer};

/// Something to look at for orphaned pods.
pub(super) enum Check {
    /// This pod carries the finalizer.
    Pod(ObjectRef<Pod>),
    /// This Job changed or went: its pods, if it is gone or finished.
    Job { job: ObjectRef<Job>, uid: String },
}

/// Whether `pod` is an orphan whose finalizer must go (upstream's `syncOrphanPod`).
fn is_orphan(jobs: &Store<Job>, pod: &Pod) -> bool {
    if !has_tracking_finalizer(pod) {
        return false;
    }
    let Some(owner) = pod
        .owner_references()
        .iter()
        .find(|o| o.controller == Some(true))
    else {
        return true;
    };
    if owner.kind != "Job" || owner.api_version != "batch/v1" {
        return false;
    }
    let key = ObjectRef::<Job>::new(&owner.name).within(&pod.namespace().unwrap_or_default());
    let Some(job) = jobs
        .get(&key)
        .filter(|j| j.uid().as_deref() == Some(&owner.uid))
    else {
        return true;
    };
    let external = job
        .spec
        .as_ref()
        .and_then(|s| s.managed_by.as_deref())
        .is_some_and(|m| m != JOB_CONTROLLER_NAME);
    !external && is_finished(&job).is_some()
}

/// Works the checks until the channel closes; starts once both caches have listed.
pub(super) async fn run(
    client: kube::Client,
    jobs: Store<Job>,
    pods: Store<Pod>,
    retries: mpsc::UnboundedSender<Check>,
    mut checks: mpsc::UnboundedReceiver<Check>,
) {
    if crate::shared_informer::wait_synced(&jobs).await.is_err()
        || crate::shared_informer::wait_synced(&pods).await.is_err()
    {
        return;
    }
    while let Some(check) = checks.next().await {
        let candidates: Vec<_> = match check {
            Check::Pod(key) => pods.get(&key).into_iter().collect(),
            Check::Job { job, uid } => {
                let current = jobs.get(&job);
                let live = current
                    .as_ref()
                    .is_some_and(|j| j.uid().as_deref() == Some(&uid) && is_finished(j).is_none());
                if live {
                    continue;
                }
                pods.state()
                    .into_iter()
                    .filter(|p| p.namespace() == job.namespace)
                    .filter(|p| has_tracking_finalizer(p))
                    .filter(|p| {
                        p.owner_references()
                            .iter()
                            .any(|o| o.controller == Some(true) && o.uid == uid)
                    })
                    .collect()
            }
        };
        for pod in candidates {
            if !is_orphan(&jobs, &pod) {
                continue;
            }
            let api: Api<Pod> =
                Api::namespaced(client.clone(), &pod.namespace().unwrap_or_default());
            match remove_finalizer(&api, &pod).await {
                Ok(()) => {
                    tracing::debug!(pod = %pod.name_any(), "removed the tracking finalizer of an orphan pod");
                }
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(err) => {
                    tracing::warn!(pod = %pod.name_any(), %err, "could not remove the tracking finalizer of an orphan pod; retrying");
                    let retries = retries.clone();
                    let key = ObjectRef::from_obj(&*pod);
                    tokio::spawn(async move {
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        let _ = retries.unbounded_send(Check::Pod(key));
                    });
                }
            }
        }
    }
}

/// The check a Job event asks for.
pub(super) fn job_check(job: &Job) -> Check {
    Check::Job {
        job: ObjectRef::from_obj(job),
        uid: job.uid().unwrap_or_default(),
    }
}

/// The check a pod event asks for, if the pod carries the finalizer.
pub(super) fn pod_check(pod: &Pod) -> Option<Check> {
    has_tracking_finalizer(pod).then(|| Check::Pod(ObjectRef::from_obj(pod)))
}
