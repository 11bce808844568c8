//! The workload controllers inside a real `ironkube server`: ReplicaSets, ReplicationControllers
//! and Deployments, driven with kube-rs and kubectl, a hollow kubelet making pods Ready.
//! Run with: `cargo test -p ironkube --test controllers_workloads`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cluster::{Cluster, hollow_kubelet, namespace, wait_until};
use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Pod, ReplicationController};
use kube::api::{Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt as _};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

/// What a pod watch saw: every pod ever added, and the owners each pod ever had.
#[derive(Default, Debug)]
struct PodLog {
    added: BTreeSet<String>,
    owners: BTreeMap<String, BTreeSet<String>>,
}

/// Records every pod event in `namespace`.
fn log_pods(client: &Client, namespace: &str) -> Arc<Mutex<PodLog>> {
    let log = Arc::new(Mutex::new(PodLog::default()));
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let seen = log.clone();
    tokio::spawn(async move {
        let mut events = watcher(api, watcher::Config::default()).boxed();
        while let Ok(Some(event)) = events.try_next().await {
            if let watcher::Event::Apply(pod) | watcher::Event::InitApply(pod) = event {
                let mut log = seen.lock().unwrap();
                log.added.insert(pod.uid().unwrap_or_default());
                let owners = log.owners.entry(pod.name_any()).or_default();
                for r in pod.owner_references() {
                    owners.insert(format!("{}/{}", r.kind, r.name));
                }
            }
        }
    });
    log
}

fn live(pods: &[Pod]) -> Vec<&Pod> {
    pods.iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .collect()
}

fn owned_by<'a>(pods: &'a [Pod], kind: &str, name: &str) -> Vec<&'a Pod> {
    live(pods)
        .into_iter()
        .filter(|p| {
            p.owner_references()
                .iter()
                .any(|r| r.kind == kind && r.name == name && r.controller == Some(true))
        })
        .collect()
}

async fn scale<K>(api: &Api<K>, name: &str, replicas: i32)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": replicas}})),
    )
    .await
    .unwrap();
}

/// Waits until the ReplicaSet reports `replicas` pods, all ready and available, for its
/// current generation.
async fn rs_settled(api: &Api<ReplicaSet>, name: &str, replicas: i32) -> ReplicaSet {
    wait_until(
        api,
        watcher::Config::default(),
        WAIT,
        &format!("{name} settled at {replicas}"),
        |all| {
            all.iter()
                .find(|rs| rs.name_any() == name)
                .filter(|rs| {
                    let s = rs.status.clone().unwrap_or_default();
                    s.replicas == replicas
                        && s.ready_replicas.unwrap_or(0) == replicas
                        && s.available_replicas.unwrap_or(0) == replicas
                        && s.fully_labeled_replicas.unwrap_or(0) == replicas
                        && s.observed_generation == rs.metadata.generation
                })
                .cloned()
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_set_scales_adopts_and_releases() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "rs").await;
    let _kubelet = hollow_kubelet(client.clone(), Some("rs"));
    let log = log_pods(&client, "rs");
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "rs");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "rs");
    sets.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web", "tier": "front"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}
                }
            }
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let rs = rs_settled(&sets, "web", 3).await;
    assert_eq!(rs.status.unwrap().terminating_replicas, Some(0));
    let all = pods.list(&Default::default()).await.unwrap().items;
    assert_eq!(owned_by(&all, "ReplicaSet", "web").len(), 3);
    for pod in &all {
        assert!(pod.name_any().starts_with("web-"), "{}", pod.name_any());
        assert_eq!(pod.name_any().len(), "web-".len() + 5);
        assert_eq!(pod.labels()["tier"], "front");
        let owner = &pod.owner_references()[0];
        assert_eq!(owner.block_owner_deletion, Some(true));
    }
    // Events as upstream words them.
    let events = cluster.kubectl_ok(&["-n", "rs", "get", "events"]);
    assert!(events.contains("SuccessfulCreate"), "{events}");
    assert!(events.contains("Created pod: web-"), "{events}");
    // Never more pods than asked for, even while the watch catches up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(log.lock().unwrap().added.len(), 3);

    scale(&sets, "web", 5).await;
    rs_settled(&sets, "web", 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(log.lock().unwrap().added.len(), 5);

    scale(&sets, "web", 1).await;
    rs_settled(&sets, "web", 1).await;
    wait_until(
        &pods,
        watcher::Config::default(),
        WAIT,
        "one pod left",
        |all| (live(all).len() == 1).then_some(()),
    )
    .await;
    let events = cluster.kubectl_ok(&["-n", "rs", "get", "events"]);
    assert!(events.contains("Deleted pod: web-"), "{events}");

    // An orphan that matches is adopted (and, being one too many, one pod goes).
    pods.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "stray", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    wait_until(
        &pods,
        watcher::Config::default(),
        WAIT,
        "the stray adopted",
        |_| {
            log.lock()
                .unwrap()
                .owners
                .get("stray")
                .filter(|o| o.contains("ReplicaSet/web"))
                .map(|_| ())
        },
    )
    .await;
    let rs = rs_settled(&sets, "web", 1).await;
    wait_until(
        &pods,
        watcher::Config::default(),
        WAIT,
        "one pod again",
        |all| (live(all).len() == 1).then_some(()),
    )
    .await;
    // Fully labeled counts template labels: the stray (if kept) lacks tier=front.
    let _ = rs;
    assert_eq!(log.lock().unwrap().added.len(), 6, "5 made + the stray");

    // A pod whose labels stop matching is released, and replaced.
    let kept = pods.list(&Default::default()).await.unwrap().items;
    let kept = live(&kept)[0].name_any();
    pods.patch(
        &kept,
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"app": "other"}}})),
    )
    .await
    .unwrap();
    let released = wait_until(&pods, watcher::Config::default(), WAIT, "release", |all| {
        let released = all
            .iter()
            .find(|p| p.name_any() == kept && p.owner_references().is_empty())?;
        (owned_by(all, "ReplicaSet", "web").len() == 1).then(|| released.clone())
    })
    .await;
    assert_eq!(released.labels()["app"], "other");
    rs_settled(&sets, "web", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_controller_basics() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "rc").await;
    let _kubelet = hollow_kubelet(client.clone(), Some("rc"));
    let log = log_pods(&client, "rc");
    let rcs: Api<ReplicationController> = Api::namespaced(client.clone(), "rc");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "rc");
    rcs.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "old"},
            "spec": {
                "replicas": 2,
                "selector": {"app": "old"},
                "template": {
                    "metadata": {"labels": {"app": "old"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}
                }
            }
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let settled = |replicas: i32| {
        move |all: &[ReplicationController]| {
            all.iter()
                .find(|rc| rc.name_any() == "old")
                .filter(|rc| {
                    let s = rc.status.clone().unwrap_or_default();
                    s.replicas == replicas
                        && s.ready_replicas.unwrap_or(0) == replicas
                        && s.available_replicas.unwrap_or(0) == replicas
                        && s.fully_labeled_replicas.unwrap_or(0) == replicas
                        && s.observed_generation == rc.metadata.generation
                })
                .cloned()
        }
    };
    wait_until(
        &rcs,
        watcher::Config::default(),
        WAIT,
        "2 ready",
        settled(2),
    )
    .await;
    let all = pods.list(&Default::default()).await.unwrap().items;
    assert_eq!(owned_by(&all, "ReplicationController", "old").len(), 2);
    scale(&rcs, "old", 3).await;
    wait_until(
        &rcs,
        watcher::Config::default(),
        WAIT,
        "3 ready",
        settled(3),
    )
    .await;
    scale(&rcs, "old", 1).await;
    wait_until(
        &rcs,
        watcher::Config::default(),
        WAIT,
        "1 ready",
        settled(1),
    )
    .await;
    wait_until(&pods, watcher::Config::default(), WAIT, "one pod", |all| {
        (owned_by(all, "ReplicationController", "old").len() == 1).then_some(())
    })
    .await;
    assert_eq!(log.lock().unwrap().added.len(), 3);
}

fn deployment(
    name: &str,
    replicas: i32,
    strategy: serde_json::Value,
    extra: serde_json::Value,
) -> Deployment {
    let mut spec = json!({
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "strategy": strategy,
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}
        }
    });
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    serde_json::from_value(json!({"metadata": {"name": name}, "spec": spec})).unwrap()
}

fn revision_of(rs: &ReplicaSet) -> String {
    rs.annotations()
        .get("deployment.kubernetes.io/revision")
        .cloned()
        .unwrap_or_default()
}

/// `kubectl rollout status` succeeds (with what the cluster looks like when it does not).
fn rollout_ok(cluster: &Cluster, ns: &str, name: &str) {
    let target = format!("deployment/{name}");
    let out = cluster.kubectl(&["-n", ns, "rollout", "status", &target, "--timeout=40s"]);
    if !out.status.success() {
        let state = cluster.kubectl(&["-n", ns, "get", "deploy,rs,pods", "-o", "yaml"]);
        let log = cluster.log();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        panic!(
            "rollout of {name} did not finish: {}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&state.stdout),
            tail.join("\n")
        );
    }
    assert!(String::from_utf8_lossy(&out.stdout).contains("successfully rolled out"));
}

/// The ReplicaSets of a deployment, by name.
async fn sets_of(api: &Api<ReplicaSet>, app: &str) -> Vec<ReplicaSet> {
    api.list(&kube::api::ListParams::default().labels(&format!("app={app}")))
        .await
        .unwrap()
        .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_update_honours_surge_and_unavailability_and_rolls_back() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "dep").await;
    let _kubelet = hollow_kubelet(client.clone(), Some("dep"));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "dep");
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "dep");
    deployments
        .create(
            &PostParams::default(),
            &deployment(
                "web",
                4,
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}),
                json!({}),
            ),
        )
        .await
        .unwrap();
    let ns = ["-n", "dep"];
    let status = |extra: &[&str]| {
        let mut args = ns.to_vec();
        args.extend_from_slice(&["rollout", "status", "deployment/web", "--timeout=40s"]);
        args.extend_from_slice(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cluster.kubectl_ok(&args)
    };
    let out = run(status(&[]));
    assert!(out.contains("successfully rolled out"), "{out}");
    let d = deployments.get("web").await.unwrap();
    let s = d.status.clone().unwrap();
    assert_eq!(
        (
            s.replicas,
            s.updated_replicas,
            s.ready_replicas,
            s.available_replicas
        ),
        (Some(4), Some(4), Some(4), Some(4))
    );
    assert_eq!(s.observed_generation, d.metadata.generation);
    let conds = s.conditions.unwrap();
    let available = conds
        .iter()
        .find(|c| c.type_.as_deref() == Some("Available"))
        .unwrap();
    assert_eq!(
        available.reason.as_deref(),
        Some("MinimumReplicasAvailable")
    );
    assert_eq!(
        available.message.as_deref(),
        Some("Deployment has minimum availability.")
    );
    let first = sets_of(&sets, "web").await;
    assert_eq!(first.len(), 1);
    let first = first[0].clone();
    let hash = first.labels()["pod-template-hash"].clone();
    assert_eq!(first.name_any(), format!("web-{hash}"));
    assert_eq!(revision_of(&first), "1");
    assert_eq!(
        first.annotations()["deployment.kubernetes.io/desired-replicas"],
        "4"
    );
    assert_eq!(
        first.annotations()["deployment.kubernetes.io/max-replicas"],
        "5"
    );
    let progressing = conds
        .iter()
        .find(|c| c.type_.as_deref() == Some("Progressing"))
        .unwrap();
    assert_eq!(
        progressing.reason.as_deref(),
        Some("NewReplicaSetAvailable")
    );
    assert_eq!(
        progressing.message.clone().unwrap(),
        format!(
            "ReplicaSet \"{}\" has successfully progressed.",
            first.name_any()
        )
    );
    let events = cluster.kubectl_ok(&["-n", "dep", "get", "events"]);
    assert!(
        events.contains(&format!(
            "Scaled up replica set {} from 0 to 4",
            first.name_any()
        )),
        "{events}"
    );

    // Watch every moment of the rollout.
    let violations = Arc::new(Mutex::new(Vec::<String>::new()));
    let moments = Arc::new(Mutex::new(0usize));
    {
        let (rs_violations, moments) = (violations.clone(), moments.clone());
        let sets = sets.clone();
        tokio::spawn(async move {
            let (reader, writer) = kube::runtime::reflector::store::<ReplicaSet>();
            let mut events = kube::runtime::reflector::reflector(
                writer,
                watcher(sets, watcher::Config::default()),
            )
            .boxed();
            while let Ok(Some(_)) = events.try_next().await {
                let all = reader.state();
                let spec: i32 = all.iter().map(|rs| rs.spec.replicas.unwrap_or(0)).sum();
                let available: i32 = all
                    .iter()
                    .map(|rs| {
                        rs.status
                            .as_ref()
                            .and_then(|s| s.available_replicas)
                            .unwrap_or(0)
                    })
                    .sum();
                *moments.lock().unwrap() += 1;
                if spec > 5 || (!all.is_empty() && available < 3) {
                    let detail: Vec<String> = all
                        .iter()
                        .map(|rs| {
                            format!(
                                "{}={}/{:?}@{:?}",
                                rs.name_any(),
                                rs.spec.replicas.unwrap_or(0),
                                rs.status.as_ref().and_then(|s| s.available_replicas),
                                rs.resource_version()
                            )
                        })
                        .collect();
                    rs_violations
                        .lock()
                        .unwrap()
                        .push(format!("spec {spec}, available {available}: {detail:?}"));
                }
            }
        });
        let pods: Api<Pod> = Api::namespaced(client.clone(), "dep");
        let violations = violations.clone();
        tokio::spawn(async move {
            let (reader, writer) = kube::runtime::reflector::store::<Pod>();
            let mut events = kube::runtime::reflector::reflector(
                writer,
                watcher(pods, watcher::Config::default()),
            )
            .boxed();
            while let Ok(Some(_)) = events.try_next().await {
                let ready = reader
                    .state()
                    .iter()
                    .filter(|p| p.metadata.deletion_timestamp.is_none())
                    .filter(|p| {
                        p.status
                            .iter()
                            .flat_map(|s| s.conditions.iter().flatten())
                            .any(|c| c.type_ == "Ready" && c.status == "True")
                    })
                    .count();
                if ready < 3 && !reader.state().is_empty() {
                    violations
                        .lock()
                        .unwrap()
                        .push(format!("{ready} pods ready"));
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.kubectl_ok(&["-n", "dep", "set", "image", "deployment/web", "c=nginx:2"]);
    let out = run(status(&[]));
    assert!(out.contains("successfully rolled out"), "{out}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    if !violations.lock().unwrap().is_empty() {
        let log = cluster.log();
        let scaling: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains("scaling replica set") || l.contains("syncing") || l.contains("WARN")
            })
            .collect();
        panic!("{:?}\n{}", violations.lock().unwrap(), scaling.join("\n"));
    }
    assert!(*moments.lock().unwrap() > 5, "the watch saw the rollout");
    let two = sets_of(&sets, "web").await;
    assert_eq!(two.len(), 2);
    let second = two
        .iter()
        .find(|rs| rs.name_any() != first.name_any())
        .unwrap()
        .clone();
    assert_eq!(revision_of(&second), "2");
    assert_eq!(second.spec.replicas, Some(4));
    let old = two
        .iter()
        .find(|rs| rs.name_any() == first.name_any())
        .unwrap();
    assert_eq!(old.spec.replicas, Some(0));
    let history = cluster.kubectl_ok(&["-n", "dep", "rollout", "history", "deployment/web"]);
    let revisions: Vec<&str> = history
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(revisions, ["1", "2"], "{history}");

    // Undo: revision 1's ReplicaSet comes back as revision 3.
    cluster.kubectl_ok(&["-n", "dep", "rollout", "undo", "deployment/web"]);
    let out = run(status(&[]));
    assert!(out.contains("successfully rolled out"), "{out}");
    let back = sets.get(&first.name_any()).await.unwrap();
    assert_eq!(back.spec.replicas, Some(4));
    assert_eq!(revision_of(&back), "3");
    assert_eq!(
        back.annotations()["deployment.kubernetes.io/revision-history"],
        "1"
    );
    assert_eq!(
        sets.get(&second.name_any()).await.unwrap().spec.replicas,
        Some(0)
    );
    let d = deployments.get("web").await.unwrap();
    assert_eq!(d.annotations()["deployment.kubernetes.io/revision"], "3");
    assert!(
        violations.lock().unwrap().is_empty(),
        "{:?}",
        violations.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_restart_and_history_limit() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "ops").await;
    let _kubelet = hollow_kubelet(client.clone(), Some("ops"));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "ops");
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "ops");
    deployments
        .create(
            &PostParams::default(),
            &deployment(
                "api",
                2,
                json!({"type": "RollingUpdate"}),
                json!({"revisionHistoryLimit": 1}),
            ),
        )
        .await
        .unwrap();
    let rollout_status = || rollout_ok(&cluster, "ops", "api");
    rollout_status();
    cluster.kubectl_ok(&["-n", "ops", "rollout", "pause", "deployment/api"]);
    cluster.kubectl_ok(&["-n", "ops", "set", "image", "deployment/api", "c=nginx:2"]);
    let paused = wait_until(
        &deployments,
        watcher::Config::default(),
        WAIT,
        "paused observed",
        |all| {
            all.iter()
                .find(|d| {
                    let s = d.status.clone().unwrap_or_default();
                    s.observed_generation == d.metadata.generation
                        && s.conditions
                            .iter()
                            .flatten()
                            .any(|c| c.reason.as_deref() == Some("DeploymentPaused"))
                })
                .cloned()
        },
    )
    .await;
    let cond = paused.status.unwrap().conditions.unwrap();
    let cond = cond
        .iter()
        .find(|c| c.type_.as_deref() == Some("Progressing"))
        .unwrap();
    assert_eq!(
        (cond.status.as_deref(), cond.message.as_deref()),
        (Some("Unknown"), Some("Deployment is paused"))
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sets_of(&sets, "api").await.len(),
        1,
        "no rollout while paused"
    );

    cluster.kubectl_ok(&["-n", "ops", "rollout", "resume", "deployment/api"]);
    rollout_status();
    assert_eq!(sets_of(&sets, "api").await.len(), 2);

    cluster.kubectl_ok(&["-n", "ops", "rollout", "restart", "deployment/api"]);
    rollout_status();
    // Three templates so far; with revisionHistoryLimit 1 one old ReplicaSet is kept.
    let left = wait_until(
        &sets,
        watcher::Config::default(),
        WAIT,
        "history pruned",
        |all| (all.len() == 2).then(|| all.to_vec()),
    )
    .await;
    let newest = left
        .iter()
        .find(|rs| revision_of(rs) == "3")
        .expect("revision 3");
    let restarted = newest
        .spec
        .template
        .as_ref()
        .unwrap()
        .metadata
        .as_ref()
        .unwrap()
        .annotations
        .clone()
        .unwrap();
    assert!(restarted.contains_key("kubectl.kubernetes.io/restartedAt"));
    assert!(left.iter().any(|rs| revision_of(rs) == "2"));
}

/// The ReplicaSet of `kubectl create deployment web --image=nginx` has upstream's name: the
/// pod-template-hash is upstream's hash of the Go template.
#[tokio::test]
async fn replica_set_names_are_upstreams() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "names").await;
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "names");
    cluster.kubectl_ok(&[
        "-n",
        "names",
        "create",
        "deployment",
        "web",
        "--image=nginx",
    ]);
    let rs = wait_until(
        &sets,
        watcher::Config::default(),
        WAIT,
        "the Deployment's ReplicaSet",
        |all| all.first().cloned(),
    )
    .await;
    assert_eq!(rs.name_any(), "web-5fc9f4bf66");
    assert_eq!(
        rs.labels().get("pod-template-hash").map(String::as_str),
        Some("5fc9f4bf66")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recreate_empties_the_old_replica_set_first() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "rec").await;
    let _kubelet = hollow_kubelet(client.clone(), Some("rec"));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "rec");
    deployments
        .create(
            &PostParams::default(),
            &deployment("db", 2, json!({"type": "Recreate"}), json!({})),
        )
        .await
        .unwrap();
    let rollout_status = || rollout_ok(&cluster, "rec", "db");
    rollout_status();
    let mixed = Arc::new(Mutex::new(Vec::<String>::new()));
    {
        let mixed = mixed.clone();
        let pods: Api<Pod> = Api::namespaced(client.clone(), "rec");
        tokio::spawn(async move {
            let (reader, writer) = kube::runtime::reflector::store::<Pod>();
            let mut events = kube::runtime::reflector::reflector(
                writer,
                watcher(pods, watcher::Config::default()),
            )
            .boxed();
            while let Ok(Some(_)) = events.try_next().await {
                let hashes: BTreeSet<String> = reader
                    .state()
                    .iter()
                    .filter_map(|p| p.labels().get("pod-template-hash").cloned())
                    .collect();
                if hashes.len() > 1 {
                    mixed.lock().unwrap().push(format!("{hashes:?}"));
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.kubectl_ok(&["-n", "rec", "set", "image", "deployment/db", "c=nginx:2"]);
    rollout_status();
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "rec");
    let all = sets_of(&sets, "db").await;
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .any(|rs| rs.spec.replicas == Some(0) && revision_of(rs) == "1")
    );
    assert!(
        all.iter()
            .any(|rs| rs.spec.replicas == Some(2) && revision_of(rs) == "2")
    );
    assert!(
        mixed.lock().unwrap().is_empty(),
        "old and new pods together: {:?}",
        mixed.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_deadline_exceeded_without_ready_pods() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "slow").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "slow");
    deployments
        .create(
            &PostParams::default(),
            &deployment(
                "stuck",
                1,
                json!({"type": "RollingUpdate"}),
                json!({"progressDeadlineSeconds": 5}),
            ),
        )
        .await
        .unwrap();
    let cond = wait_until(
        &deployments,
        watcher::Config::default(),
        WAIT,
        "the deadline",
        |all| {
            all.iter()
                .flat_map(|d| d.status.iter().flat_map(|s| s.conditions.iter().flatten()))
                .find(|c| {
                    c.type_.as_deref() == Some("Progressing")
                        && c.status.as_deref() == Some("False")
                })
                .cloned()
        },
    )
    .await;
    assert_eq!(cond.reason.as_deref(), Some("ProgressDeadlineExceeded"));
    assert!(
        cond.message
            .unwrap()
            .ends_with("has timed out progressing.")
    );
    let out = cluster.kubectl(&[
        "-n",
        "slow",
        "rollout",
        "status",
        "deployment/stuck",
        "--timeout=10s",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exceeded its progress deadline"));
}

/// Deleting a Deployment with each propagation policy, as upstream: background removes the
/// Deployment at once and its ReplicaSet and pods after; foreground keeps it (with the
/// `foregroundDeletion` finalizer) until they are gone; orphan leaves the ReplicaSet and its
/// pods, without the owner reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_deployment_cascades_as_upstream() {
    use kube::api::{DeleteParams, ListParams};
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "del").await;
    let _kubelet = hollow_kubelet(client.clone(), Some("del"));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "del");
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "del");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "del");
    for name in ["bg", "fg", "or"] {
        let strategy = json!({"type": "RollingUpdate"});
        deployments
            .create(
                &PostParams::default(),
                &deployment(name, 2, strategy, json!({})),
            )
            .await
            .unwrap();
    }
    for name in ["bg", "fg", "or"] {
        rollout_ok(&cluster, "del", name);
    }
    let count = |items: &[Pod], app: &str| {
        items
            .iter()
            .filter(|p| p.labels().get("app").map(String::as_str) == Some(app))
            .count()
    };

    // Background: the Deployment goes at once, its ReplicaSet and pods after.
    cluster.kubectl_ok(&[
        "-n",
        "del",
        "delete",
        "deployment",
        "bg",
        "--cascade=background",
    ]);
    assert!(deployments.get_opt("bg").await.unwrap().is_none());
    wait_until(
        &sets,
        watcher::Config::default().labels("app=bg"),
        WAIT,
        "bg's ReplicaSet gone",
        |s| s.is_empty().then_some(()),
    )
    .await;
    wait_until(
        &pods,
        watcher::Config::default().labels("app=bg"),
        WAIT,
        "bg's pods gone",
        |p| p.is_empty().then_some(()),
    )
    .await;

    // Foreground: the Deployment waits, finalizer set, until its dependents are gone.
    deployments
        .delete("fg", &DeleteParams::foreground())
        .await
        .unwrap();
    let waiting = deployments.get_opt("fg").await.unwrap();
    if let Some(waiting) = waiting {
        assert!(waiting.metadata.deletion_timestamp.is_some());
        assert!(
            waiting
                .finalizers()
                .iter()
                .any(|f| f == "foregroundDeletion"),
            "{waiting:?}"
        );
    }
    wait_until(
        &deployments,
        watcher::Config::default().fields("metadata.name=fg"),
        WAIT,
        "fg gone",
        |d| d.is_empty().then_some(()),
    )
    .await;
    assert!(
        sets_of(&sets, "fg").await.is_empty(),
        "fg's ReplicaSet outlived it"
    );
    let left = pods
        .list(&ListParams::default().labels("app=fg"))
        .await
        .unwrap();
    assert_eq!(count(&left.items, "fg"), 0, "fg's pods outlived it");

    // Orphan: the ReplicaSet and its pods stay, without the Deployment as owner.
    let before = sets_of(&sets, "or").await;
    assert_eq!(before.len(), 1);
    cluster.kubectl_ok(&[
        "-n",
        "del",
        "delete",
        "deployment",
        "or",
        "--cascade=orphan",
    ]);
    wait_until(
        &deployments,
        watcher::Config::default().fields("metadata.name=or"),
        WAIT,
        "or gone",
        |d| d.is_empty().then_some(()),
    )
    .await;
    let orphaned = wait_until(
        &sets,
        watcher::Config::default().labels("app=or"),
        WAIT,
        "or's ReplicaSet orphaned",
        |s| {
            s.first()
                .filter(|rs| rs.owner_references().is_empty())
                .cloned()
        },
    )
    .await;
    assert_eq!(orphaned.uid(), before[0].uid());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let still = pods
        .list(&ListParams::default().labels("app=or"))
        .await
        .unwrap();
    assert_eq!(
        count(&still.items, "or"),
        2,
        "the orphaned ReplicaSet's pods stay"
    );
    assert!(
        still
            .items
            .iter()
            .all(|p| p.owner_references()[0].uid == orphaned.uid().unwrap())
    );
}
