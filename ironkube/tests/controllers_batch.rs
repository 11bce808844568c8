//! The batch controllers inside a real `ironkube server`: Jobs (completions, backoff,
//! Indexed, pod failure policy, deadline, suspend), CronJobs, ttl-after-finished and pod GC,
//! with the test playing the kubelet.
//! Run with: `cargo test -p ironkube --test controllers_batch`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::collections::BTreeSet;
use std::time::Duration;

use cluster::{Cluster, mark_terminated, wait_until};
use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Pod;
use kube::api::DeleteParams;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Api, Client, ResourceExt as _};
use serde_json::{Value, json};

const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";

/// A Job named `name` whose pods carry `app: <name>` (the API server generates the selector
/// on the controller-uid label, as upstream's), merged with `spec`.
fn job(name: &str, spec: Value) -> Job {
    let mut value = json!({
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "busybox"}],
                },
            },
        },
    });
    merge(&mut value["spec"], spec);
    serde_json::from_value(value).unwrap()
}

fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
        (target, patch) => *target = patch,
    }
}

/// The condition of `type_` that is true.
fn condition(job: &Job, type_: &str) -> Option<(String, String)> {
    job.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_ && c.status == "True")
        .map(|c| {
            (
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default(),
            )
        })
}

/// Plays a kubelet that finishes every new pod in `namespace` labelled `app=<app>` with
/// `phase` and `exit_code`.
fn finishing_kubelet(
    client: Client,
    namespace: &str,
    app: &str,
    phase: &'static str,
    exit_code: i32,
) -> tokio::task::JoinHandle<()> {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let config = watcher::Config::default().labels(&format!("app={app}"));
    tokio::spawn(async move {
        let mut events = watcher(pods.clone(), config).applied_objects().boxed();
        while let Ok(Some(pod)) = events.try_next().await {
            let pending = pod
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_none_or(|p| p == "Pending");
            if pending && pod.metadata.deletion_timestamp.is_none() {
                let _ = mark_terminated(&pods, &pod.name_any(), phase, exit_code).await;
            }
        }
    })
}

async fn wait_job(
    jobs: &Api<Job>,
    name: &str,
    timeout: Duration,
    what: &str,
    check: impl Fn(&Job) -> bool,
) -> Job {
    wait_until(
        jobs,
        watcher::Config::default().fields(&format!("metadata.name={name}")),
        timeout,
        what,
        |all| all.iter().find(|j| check(j)).cloned(),
    )
    .await
}

async fn pods_of(pods: &Api<Pod>, app: &str) -> Vec<Pod> {
    pods.list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn job_runs_to_completion_with_parallelism_and_releases_its_pods() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let created = jobs
        .create(
            &PostParams::default(),
            &job("pi", json!({"completions": 3, "parallelism": 2})),
        )
        .await
        .unwrap();
    // Two pods at first, with the tracking finalizer and the Job as controller.
    let first = wait_until(
        &pods,
        watcher::Config::default().labels("app=pi"),
        Duration::from_secs(20),
        "two pods",
        |all| (all.len() == 2).then(|| all.to_vec()),
    )
    .await;
    for pod in &first {
        assert!(pod.name_any().starts_with("pi-"), "{}", pod.name_any());
        assert!(pod.finalizers().iter().any(|f| f == TRACKING_FINALIZER));
        let owner = &pod.owner_references()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.controller),
            ("Job", "pi", Some(true))
        );
        assert_eq!(owner.uid, created.uid().unwrap());
    }
    let running = wait_job(&jobs, "pi", Duration::from_secs(20), "active 2", |j| {
        j.status.as_ref().and_then(|s| s.active) == Some(2)
    })
    .await;
    assert!(running.status.as_ref().unwrap().start_time.is_some());
    assert_eq!(running.status.as_ref().unwrap().ready, Some(0));

    let kubelet = finishing_kubelet(client.clone(), "default", "pi", "Succeeded", 0);
    let done = wait_job(&jobs, "pi", Duration::from_secs(40), "Complete", |j| {
        condition(j, "Complete").is_some()
    })
    .await;
    kubelet.abort();
    let status = done.status.unwrap();
    assert_eq!(status.succeeded, Some(3));
    // `active` is omitempty upstream: no active pods, no field.
    assert_eq!(status.active, None);
    assert!(status.completion_time.is_some());
    assert!(
        condition_of(&status, "SuccessCriteriaMet").is_some(),
        "{status:?}"
    );
    let all = pods_of(&pods, "pi").await;
    assert_eq!(all.len(), 3, "three pods in all");
    for pod in all {
        assert!(
            !pod.finalizers().iter().any(|f| f == TRACKING_FINALIZER),
            "finalizer left on {}",
            pod.name_any()
        );
    }
    let events = cluster.kubectl_ok(&["get", "events", "-o", "wide"]);
    assert!(events.contains("SuccessfulCreate"), "{events}");
    assert!(events.contains("Completed"), "{events}");
}

fn condition_of(
    status: &k8s_openapi::api::batch::v1::JobStatus,
    type_: &str,
) -> Option<(String, String)> {
    status
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_ && c.status == "True")
        .map(|c| {
            (
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default(),
            )
        })
}

/// Deleting a running Job in the background: the garbage collector deletes its pods, and the
/// Job controller takes the tracking finalizer off the orphans, so they go (upstream's
/// orphan-pod cleanup); with orphan propagation the pods stay, released of the finalizer.
#[tokio::test]
async fn deleted_jobs_release_their_pods() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    for name in ["gone", "left"] {
        jobs.create(
            &PostParams::default(),
            &job(name, json!({"completions": 2, "parallelism": 2})),
        )
        .await
        .unwrap();
        wait_until(
            &pods,
            watcher::Config::default().labels(&format!("app={name}")),
            Duration::from_secs(20),
            "two pods with the tracking finalizer",
            |all| {
                (all.len() == 2
                    && all
                        .iter()
                        .all(|p| p.finalizers().iter().any(|f| f == TRACKING_FINALIZER)))
                .then_some(())
            },
        )
        .await;
    }
    jobs.delete("gone", &DeleteParams::background())
        .await
        .unwrap();
    wait_until(
        &pods,
        watcher::Config::default().labels("app=gone"),
        Duration::from_secs(30),
        "the deleted Job's pods gone",
        |all| all.is_empty().then_some(()),
    )
    .await;
    jobs.delete("left", &DeleteParams::orphan()).await.unwrap();
    let kept = wait_until(
        &pods,
        watcher::Config::default().labels("app=left"),
        Duration::from_secs(30),
        "the orphaned pods without owner or finalizer",
        |all| {
            (all.len() == 2
                && all
                    .iter()
                    .all(|p| p.finalizers().is_empty() && p.owner_references().is_empty()))
            .then(|| all.to_vec())
        },
    )
    .await;
    assert!(kept.iter().all(|p| p.metadata.deletion_timestamp.is_none()));
}

#[tokio::test]
async fn job_fails_after_backoff_limit_with_growing_delays() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let kubelet = finishing_kubelet(client.clone(), "default", "flaky", "Failed", 1);
    jobs.create(
        &PostParams::default(),
        &job("flaky", json!({"backoffLimit": 2})),
    )
    .await
    .unwrap();
    let failed = wait_job(&jobs, "flaky", Duration::from_secs(60), "Failed", |j| {
        condition(j, "Failed").is_some()
    })
    .await;
    kubelet.abort();
    assert_eq!(
        condition(&failed, "Failed").unwrap(),
        (
            "BackoffLimitExceeded".to_string(),
            "Job has reached the specified backoff limit".to_string()
        )
    );
    assert!(condition(&failed, "FailureTarget").is_some());
    let status = failed.status.unwrap();
    assert_eq!(status.failed, Some(3));
    // `active` is omitempty upstream: no active pods, no field.
    assert_eq!(status.active, None);
    assert!(status.completion_time.is_none());
    let mut created: Vec<_> = pods_of(&pods, "flaky")
        .await
        .iter()
        .map(|p| p.creation_timestamp().unwrap().0)
        .collect();
    created.sort();
    assert_eq!(created.len(), 3, "three pods in all");
    let first_gap = created[1].duration_since(created[0]).as_secs();
    let second_gap = created[2].duration_since(created[1]).as_secs();
    assert!(
        (9..=15).contains(&first_gap),
        "10 s backoff, was {first_gap}"
    );
    assert!(
        (19..=25).contains(&second_gap),
        "20 s backoff, was {second_gap}"
    );
    let events = cluster.kubectl_ok(&["get", "events"]);
    assert!(events.contains("BackoffLimitExceeded"), "{events}");
}

#[tokio::test]
async fn indexed_job_gives_each_pod_an_index_and_completes_them_all() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    jobs.create(
        &PostParams::default(),
        &job(
            "idx",
            json!({"completions": 3, "parallelism": 3, "completionMode": "Indexed"}),
        ),
    )
    .await
    .unwrap();
    let all = wait_until(
        &pods,
        watcher::Config::default().labels("app=idx"),
        Duration::from_secs(20),
        "three indexed pods",
        |all| (all.len() == 3).then(|| all.to_vec()),
    )
    .await;
    let mut indexes = BTreeSet::new();
    for pod in &all {
        let index = pod.annotations()["batch.kubernetes.io/job-completion-index"].clone();
        assert_eq!(
            pod.labels()["batch.kubernetes.io/job-completion-index"],
            index
        );
        let spec = pod.spec.as_ref().unwrap();
        assert_eq!(
            spec.hostname.as_deref(),
            Some(format!("idx-{index}").as_str())
        );
        assert!(pod.name_any().starts_with(&format!("idx-{index}-")));
        let env = spec.containers[0].env.as_ref().unwrap();
        assert!(env.iter().any(|e| e.name == "JOB_COMPLETION_INDEX"));
        indexes.insert(index);
    }
    assert_eq!(
        indexes,
        BTreeSet::from(["0".into(), "1".into(), "2".into()])
    );
    let kubelet = finishing_kubelet(client.clone(), "default", "idx", "Succeeded", 0);
    let done = wait_job(&jobs, "idx", Duration::from_secs(30), "Complete", |j| {
        condition(j, "Complete").is_some()
    })
    .await;
    kubelet.abort();
    let status = done.status.unwrap();
    assert_eq!(status.completed_indexes.as_deref(), Some("0-2"));
    assert_eq!(status.succeeded, Some(3));
}

#[tokio::test]
async fn pod_failure_policy_fails_the_job_on_exit_code_42() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    jobs.create(
        &PostParams::default(),
        &job(
            "pfp",
            json!({"backoffLimit": 6, "podFailurePolicy": {"rules": [
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
                {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}},
            ]}}),
        ),
    )
    .await
    .unwrap();
    let kubelet = finishing_kubelet(client.clone(), "default", "pfp", "Failed", 42);
    let failed = wait_job(&jobs, "pfp", Duration::from_secs(30), "Failed", |j| {
        condition(j, "Failed").is_some()
    })
    .await;
    kubelet.abort();
    let pod = pods_of(&pods, "pfp").await.remove(0).name_any();
    let expected = (
        "PodFailurePolicy".to_string(),
        format!(
            "Container c for pod default/{pod} failed with exit code 42 matching FailJob rule at index 1"
        ),
    );
    assert_eq!(condition(&failed, "Failed").unwrap(), expected);
    assert_eq!(condition(&failed, "FailureTarget").unwrap(), expected);
    assert_eq!(failed.status.unwrap().failed, Some(1));
}

#[tokio::test]
async fn active_deadline_fails_the_job_and_deletes_its_pods() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    jobs.create(
        &PostParams::default(),
        &job(
            "slow",
            json!({"activeDeadlineSeconds": 2, "parallelism": 2, "completions": 4}),
        ),
    )
    .await
    .unwrap();
    let failed = wait_job(&jobs, "slow", Duration::from_secs(30), "Failed", |j| {
        condition(j, "Failed").is_some()
    })
    .await;
    assert_eq!(
        condition(&failed, "Failed").unwrap(),
        (
            "DeadlineExceeded".to_string(),
            "Job was active longer than specified deadline".to_string()
        )
    );
    let status = failed.status.unwrap();
    // `active` is omitempty upstream: no active pods, no field.
    assert_eq!(status.active, None);
    assert_eq!(status.failed, Some(2));
    wait_until(
        &pods,
        watcher::Config::default().labels("app=slow"),
        Duration::from_secs(20),
        "the pods gone",
        |all| all.is_empty().then_some(()),
    )
    .await;
}

#[tokio::test]
async fn suspended_job_has_no_pods_until_resumed() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    jobs.create(
        &PostParams::default(),
        &job(
            "sus",
            json!({"suspend": true, "parallelism": 2, "completions": 2}),
        ),
    )
    .await
    .unwrap();
    let suspended = wait_job(&jobs, "sus", Duration::from_secs(20), "Suspended", |j| {
        condition(j, "Suspended").is_some()
    })
    .await;
    assert_eq!(
        condition(&suspended, "Suspended").unwrap(),
        ("JobSuspended".to_string(), "Job suspended".to_string())
    );
    assert!(suspended.status.as_ref().unwrap().start_time.is_none());
    assert!(pods_of(&pods, "sus").await.is_empty());

    let resume = Patch::Merge(json!({"spec": {"suspend": false}}));
    jobs.patch("sus", &PatchParams::default(), &resume)
        .await
        .unwrap();
    let resumed = wait_job(&jobs, "sus", Duration::from_secs(20), "resumed", |j| {
        j.status.as_ref().and_then(|s| s.active) == Some(2)
    })
    .await;
    let status = resumed.status.as_ref().unwrap();
    assert!(status.start_time.is_some());
    let cond = status
        .conditions
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.type_ == "Suspended")
        .unwrap();
    assert_eq!(
        (cond.status.as_str(), cond.reason.as_deref()),
        ("False", Some("JobResumed"))
    );
    assert_eq!(pods_of(&pods, "sus").await.len(), 2);

    let suspend = Patch::Merge(json!({"spec": {"suspend": true}}));
    jobs.patch("sus", &PatchParams::default(), &suspend)
        .await
        .unwrap();
    wait_job(
        &jobs,
        "sus",
        Duration::from_secs(20),
        "suspended again",
        |j| {
            condition(j, "Suspended").is_some()
                && j.status.as_ref().and_then(|s| s.active).is_none()
                && j.status.as_ref().is_some_and(|s| s.start_time.is_none())
        },
    )
    .await;
    wait_until(
        &pods,
        watcher::Config::default().labels("app=sus"),
        Duration::from_secs(20),
        "the pods deleted",
        |all| all.is_empty().then_some(()),
    )
    .await;
}

#[tokio::test]
async fn cronjob_creates_a_job_at_the_next_minute() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let cronjobs: Api<CronJob> = Api::namespaced(client.clone(), "default");
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let events: Api<k8s_openapi::api::events::v1::Event> =
        Api::namespaced(client.clone(), "default");
    let cj: CronJob = serde_json::from_value(json!({
        "metadata": {"name": "tick"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "metadata": {"labels": {"from": "tick"}},
                "spec": {"template": {"spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "busybox"}],
                }}},
            },
        },
    }))
    .unwrap();
    let created = cronjobs.create(&PostParams::default(), &cj).await.unwrap();
    // At the next minute boundary the controller creates the Job (or, where this API server
    // does not generate Job selectors yet, tries to and reports why it could not).
    let (reason, note) = wait_until(
        &events,
        watcher::Config::default(),
        Duration::from_secs(70),
        "the scheduled job's create",
        |all| {
            all.iter()
                .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("tick"))
                .find(|e| {
                    matches!(
                        e.reason.as_deref(),
                        Some("SuccessfulCreate" | "FailedCreate")
                    )
                })
                .map(|e| {
                    (
                        e.reason.clone().unwrap(),
                        e.note.clone().unwrap_or_default(),
                    )
                })
        },
    )
    .await;
    let minutes = k8s_openapi::jiff::Timestamp::now().as_second() / 60;
    let expected = |m: i64| format!("tick-{m}");
    let named =
        |text: &str| text.contains(&expected(minutes)) || text.contains(&expected(minutes - 1));
    assert_eq!(reason, "SuccessfulCreate", "{note}");
    assert!(
        named(&note) && note.starts_with("Created job tick-"),
        "{note}"
    );
    let job = wait_until(
        &jobs,
        watcher::Config::default(),
        Duration::from_secs(10),
        "the scheduled job",
        |all| all.first().cloned(),
    )
    .await;
    let scheduled = job.annotations()["batch.kubernetes.io/cronjob-scheduled-timestamp"].clone();
    let at: k8s_openapi::jiff::Timestamp = scheduled.parse().unwrap();
    assert_eq!(at.as_second() % 60, 0, "{scheduled}");
    assert!(scheduled.ends_with('Z'), "{scheduled}");
    assert_eq!(job.name_any(), expected(at.as_second() / 60));
    assert_eq!(job.labels()["from"], "tick");
    let owner = &job.owner_references()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str(), owner.controller),
        ("CronJob", created.uid().unwrap().as_str(), Some(true))
    );
    let status = wait_until(
        &cronjobs,
        watcher::Config::default(),
        Duration::from_secs(20),
        "lastScheduleTime",
        |all| {
            all.first()
                .and_then(|c| c.status.clone())
                .filter(|s| s.last_schedule_time.is_some())
        },
    )
    .await;
    assert_eq!(status.last_schedule_time.unwrap().0, at);
    let active = status.active.unwrap();
    assert_eq!(active[0].name.as_deref(), Some(job.name_any().as_str()));
}

/// The same scheduling with a Job the test can create: a CronJob whose Jobs this API server
/// accepts cannot be written yet, so this checks the controller's bookkeeping of a Job it
/// owns: finished, it is counted as a success and pruned beyond the history limit.
#[tokio::test]
async fn cronjob_records_finished_jobs_and_prunes_history() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let cronjobs: Api<CronJob> = Api::namespaced(client.clone(), "default");
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let cj: CronJob = serde_json::from_value(json!({
        "metadata": {"name": "hist"},
        "spec": {
            "schedule": "0 0 1 1 *",
            "suspend": true,
            "successfulJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "c", "image": "busybox"}],
            }}}},
        },
    }))
    .unwrap();
    let cj = cronjobs.create(&PostParams::default(), &cj).await.unwrap();
    let kubelet = finishing_kubelet(client.clone(), "default", "hist", "Succeeded", 0);
    for name in ["hist-1", "hist-2"] {
        let mut owned = job("hist", json!({}));
        owned.metadata.name = Some(name.into());
        owned.metadata.owner_references = Some(vec![
            k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: "hist".into(),
                uid: cj.uid().unwrap(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            },
        ]);
        jobs.create(&PostParams::default(), &owned).await.unwrap();
        wait_job(&jobs, name, Duration::from_secs(30), "Complete", |j| {
            condition(j, "Complete").is_some()
        })
        .await;
    }
    kubelet.abort();
    let left = wait_until(
        &jobs,
        watcher::Config::default(),
        Duration::from_secs(20),
        "one job kept",
        |all| (all.len() == 1).then(|| all[0].name_any()),
    )
    .await;
    assert_eq!(left, "hist-2");
    let status = wait_until(
        &cronjobs,
        watcher::Config::default(),
        Duration::from_secs(20),
        "lastSuccessfulTime",
        |all| {
            all.first()
                .and_then(|c| c.status.clone())
                .filter(|s| s.last_successful_time.is_some())
        },
    )
    .await;
    assert!(status.active.unwrap_or_default().is_empty());
    let events = cluster.kubectl_ok(&["get", "events"]);
    assert!(events.contains("Deleted job hist-1"), "{events}");
}

#[tokio::test]
async fn finished_job_with_ttl_zero_is_deleted() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let kubelet = finishing_kubelet(client.clone(), "default", "brief", "Succeeded", 0);
    jobs.create(
        &PostParams::default(),
        &job("brief", json!({"ttlSecondsAfterFinished": 0})),
    )
    .await
    .unwrap();
    // It completes, then it is gone.
    let mut seen_complete = false;
    wait_until(
        &jobs,
        watcher::Config::default(),
        Duration::from_secs(40),
        "the job completed and deleted",
        |all| {
            if all.iter().any(|j| condition(j, "Complete").is_some()) {
                seen_complete = true;
            }
            (seen_complete && all.is_empty()).then_some(())
        },
    )
    .await;
    kubelet.abort();
    // A job without the TTL stays.
    let kubelet = finishing_kubelet(client.clone(), "default", "kept", "Succeeded", 0);
    jobs.create(&PostParams::default(), &job("kept", json!({})))
        .await
        .unwrap();
    wait_job(&jobs, "kept", Duration::from_secs(30), "Complete", |j| {
        condition(j, "Complete").is_some()
    })
    .await;
    kubelet.abort();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(jobs.get_opt("kept").await.unwrap().is_some());
    jobs.delete("kept", &DeleteParams::background())
        .await
        .unwrap();
}

#[tokio::test]
async fn pod_gc_deletes_the_oldest_terminated_pods_beyond_the_threshold() {
    let cluster = Cluster::start_with(&[
        "--kube-controller-manager-arg",
        "terminated-pod-gc-threshold=3",
    ]);
    let client = cluster.client().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let mut names = Vec::new();
    for n in 0..5 {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": format!("done-{n}"), "labels": {"app": "done"}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        }))
        .unwrap();
        pods.create(&PostParams::default(), &pod).await.unwrap();
        names.push(format!("done-{n}"));
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    // A running pod is never collected.
    let running: Pod = serde_json::from_value(json!({
        "metadata": {"name": "busy", "labels": {"app": "done"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }))
    .unwrap();
    pods.create(&PostParams::default(), &running).await.unwrap();
    cluster::mark_running(&pods, "busy", "10.244.0.9")
        .await
        .unwrap();
    for (n, name) in names.iter().enumerate() {
        let phase = if n % 2 == 0 { "Succeeded" } else { "Failed" };
        mark_terminated(&pods, name, phase, (n % 2) as i32)
            .await
            .unwrap();
    }
    let left = wait_until(
        &pods,
        watcher::Config::default().labels("app=done"),
        Duration::from_secs(45),
        "the two oldest terminated pods collected",
        |all| {
            let mut left: Vec<String> = all.iter().map(|p| p.name_any()).collect();
            left.sort();
            (left.len() == 4).then_some(left)
        },
    )
    .await;
    assert_eq!(left, ["busy", "done-2", "done-3", "done-4"]);
}

/// Finishes each new pod of `app` by its completion index: `Failed` (exit 1) for `failing`,
/// `Succeeded` for the indexes in `succeeding`, others left pending.
fn indexed_kubelet(
    client: Client,
    app: &str,
    failing: &'static [&'static str],
    succeeding: &'static [&'static str],
) -> tokio::task::JoinHandle<()> {
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let config = watcher::Config::default().labels(&format!("app={app}"));
    tokio::spawn(async move {
        let mut events = watcher(pods.clone(), config).applied_objects().boxed();
        while let Ok(Some(pod)) = events.try_next().await {
            let pending = pod
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_none_or(|p| p == "Pending");
            if !pending || pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let index = pod.annotations()["batch.kubernetes.io/job-completion-index"].clone();
            if failing.contains(&index.as_str()) {
                let _ = mark_terminated(&pods, &pod.name_any(), "Failed", 1).await;
            } else if succeeding.contains(&index.as_str()) {
                let _ = mark_terminated(&pods, &pod.name_any(), "Succeeded", 0).await;
            }
        }
    })
}

#[tokio::test]
async fn backoff_limit_per_index_fails_only_the_failing_index() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let kubelet = indexed_kubelet(client.clone(), "per", &["1"], &["0", "2"]);
    jobs.create(
        &PostParams::default(),
        &job(
            "per",
            json!({"completions": 3, "parallelism": 3, "completionMode": "Indexed",
                   "backoffLimitPerIndex": 0}),
        ),
    )
    .await
    .unwrap();
    let failed = wait_job(&jobs, "per", Duration::from_secs(40), "Failed", |j| {
        condition(j, "Failed").is_some()
    })
    .await;
    kubelet.abort();
    assert_eq!(
        condition(&failed, "Failed").unwrap(),
        (
            "FailedIndexes".to_string(),
            "Job has failed indexes".to_string()
        )
    );
    let status = failed.status.unwrap();
    assert_eq!(status.failed_indexes.as_deref(), Some("1"));
    assert_eq!(status.completed_indexes.as_deref(), Some("0,2"));
    assert_eq!((status.succeeded, status.failed), (Some(2), Some(1)));
}

#[tokio::test]
async fn success_policy_completes_the_job_early() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let kubelet = indexed_kubelet(client.clone(), "lead", &[], &["0"]);
    jobs.create(
        &PostParams::default(),
        &job(
            "lead",
            json!({"completions": 3, "parallelism": 3, "completionMode": "Indexed",
                   "successPolicy": {"rules": [{"succeededIndexes": "0"}]}}),
        ),
    )
    .await
    .unwrap();
    let done = wait_job(&jobs, "lead", Duration::from_secs(40), "Complete", |j| {
        condition(j, "Complete").is_some()
    })
    .await;
    kubelet.abort();
    let expected = (
        "SuccessPolicy".to_string(),
        "Matched rules at index 0".to_string(),
    );
    assert_eq!(condition(&done, "Complete").unwrap(), expected);
    assert_eq!(condition(&done, "SuccessCriteriaMet").unwrap(), expected);
    assert_eq!(
        done.status.as_ref().unwrap().completed_indexes.as_deref(),
        Some("0")
    );
    // The other indexes' pods were deleted.
    wait_until(
        &pods,
        watcher::Config::default().labels("app=lead"),
        Duration::from_secs(20),
        "only the succeeded pod left",
        |all| (all.len() == 1).then_some(()),
    )
    .await;
}

/// Pods bound to a node that does not exist are collected after upstream's 40 s quarantine
/// (and the 20 s check period); a pod on a node that exists stays.
#[tokio::test]
async fn pod_gc_deletes_pods_bound_to_missing_nodes() {
    use k8s_openapi::api::core::v1::Node;
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let nodes: Api<Node> = Api::all(client.clone());
    nodes
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "real-node"}})).unwrap(),
        )
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    for (name, node) in [("on-ghost", "ghost-node"), ("on-real", "real-node")] {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"app": "bound"}},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]},
        }))
        .unwrap();
        pods.create(&PostParams::default(), &pod).await.unwrap();
    }
    let started = std::time::Instant::now();
    let left = wait_until(
        &pods,
        watcher::Config::default().labels("app=bound"),
        Duration::from_secs(100),
        "the pod on the missing node collected",
        |all| {
            let names: Vec<String> = all.iter().map(|p| p.name_any()).collect();
            (!names.iter().any(|n| n == "on-ghost")).then_some(names)
        },
    )
    .await;
    assert_eq!(left, ["on-real"]);
    assert!(
        started.elapsed() >= Duration::from_secs(35),
        "collected after {:?}, before the quarantine",
        started.elapsed()
    );
}
