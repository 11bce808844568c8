//! Endpoints, EndpointSlices (and their mirroring), node lifecycle and taint eviction inside a
//! real `ironkube server`, driven with kube-rs; the tests play the kubelet (node leases,
//! heartbeats, pod status).
//! Run with: `cargo test -p ironkube --test controllers_nodes`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::collections::BTreeMap;
use std::time::Duration;

use cluster::{Cluster, hollow_kubelet, namespace, wait_until};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    Endpoints, Event as CoreEvent, Node, NodeCondition, Pod, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt as _};
use serde_json::json;

fn web_pod(name: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "c", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}],
        },
    }))
    .unwrap()
}

fn web_service(name: &str) -> Service {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"tier": "frontend"}},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }))
    .unwrap()
}

/// Endpoints' (ready, not ready) addresses.
fn addresses(ep: &Endpoints) -> (usize, usize) {
    let subsets = ep.subsets.as_deref().unwrap_or_default();
    (
        subsets
            .iter()
            .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
            .sum(),
        subsets
            .iter()
            .map(|s| s.not_ready_addresses.as_ref().map_or(0, Vec::len))
            .sum(),
    )
}

/// Slices' endpoints (ready, not ready).
fn slice_endpoints(slices: &[EndpointSlice]) -> (usize, usize) {
    let all: Vec<_> = slices
        .iter()
        .flat_map(|s| s.endpoints.iter().flatten())
        .collect();
    let ready = all
        .iter()
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) == Some(true))
        .count();
    (ready, all.len() - ready)
}

fn slices_of(slices: &[EndpointSlice], service: &str) -> Vec<EndpointSlice> {
    slices
        .iter()
        .filter(|s| {
            s.labels()
                .get("kubernetes.io/service-name")
                .map(String::as_str)
                == Some(service)
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn services_get_endpoints_and_slices_of_their_pods() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "web").await;
    let kubelet = hollow_kubelet(client.clone(), Some("web"));
    let pods: Api<Pod> = Api::namespaced(client.clone(), "web");
    let services: Api<Service> = Api::namespaced(client.clone(), "web");
    let endpoints: Api<Endpoints> = Api::namespaced(client.clone(), "web");
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), "web");
    for name in ["web-0", "web-1", "web-2"] {
        pods.create(&PostParams::default(), &web_pod(name))
            .await
            .unwrap();
    }
    let svc = services
        .create(&PostParams::default(), &web_service("web"))
        .await
        .unwrap();

    let ep = wait_until(
        &endpoints,
        watcher::Config::default(),
        Duration::from_secs(20),
        "Endpoints with 3 ready addresses",
        |eps| {
            eps.iter()
                .find(|e| e.name_any() == "web" && addresses(e) == (3, 0))
                .cloned()
        },
    )
    .await;
    assert_eq!(
        ep.labels()
            .get("endpoints.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("endpoint-controller")
    );
    assert_eq!(
        ep.labels().get("tier").map(String::as_str),
        Some("frontend")
    );
    assert!(
        ep.annotations()
            .contains_key("endpoints.kubernetes.io/last-change-trigger-time")
    );
    let subset = &ep.subsets.as_ref().unwrap()[0];
    let port = &subset.ports.as_ref().unwrap()[0];
    assert_eq!((port.name.as_deref(), port.port), (Some("http"), 8080));
    let address = &subset.addresses.as_ref().unwrap()[0];
    let target = address.target_ref.as_ref().unwrap();
    assert_eq!(target.kind.as_deref(), Some("Pod"));
    assert!(target.name.as_deref().unwrap().starts_with("web-"));

    let slice = wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(20),
        "one EndpointSlice with 3 ready endpoints",
        |all| {
            let mine = slices_of(all, "web");
            (mine.len() == 1 && slice_endpoints(&mine) == (3, 0)).then(|| mine[0].clone())
        },
    )
    .await;
    assert!(slice.name_any().starts_with("web-"), "{}", slice.name_any());
    assert_eq!(slice.address_type, "IPv4");
    assert_eq!(
        slice
            .labels()
            .get("endpointslice.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("endpointslice-controller.k8s.io")
    );
    assert_eq!(
        slice.labels().get("tier").map(String::as_str),
        Some("frontend")
    );
    let owner = &slice.owner_references()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str()),
        ("Service", svc.uid().unwrap().as_str())
    );
    assert_eq!(owner.controller, Some(true));
    let port = &slice.ports.as_ref().unwrap()[0];
    assert_eq!(
        (port.name.as_deref(), port.port, port.protocol.as_deref()),
        (Some("http"), Some(8080), Some("TCP"))
    );
    let endpoint = &slice.endpoints.as_ref().unwrap()[0];
    let conditions = endpoint.conditions.as_ref().unwrap();
    assert_eq!(
        (conditions.serving, conditions.terminating),
        (Some(true), Some(false))
    );

    // A pod that is not ready: notReadyAddresses, ready=false.
    pods.patch_status(
        "web-1",
        &PatchParams::default(),
        &Patch::Strategic(
            json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
        ),
    )
    .await
    .unwrap();
    wait_until(
        &endpoints,
        watcher::Config::default(),
        Duration::from_secs(20),
        "a not-ready address",
        |eps| {
            eps.iter()
                .find(|e| e.name_any() == "web" && addresses(e) == (2, 1))
                .map(|_| ())
        },
    )
    .await;
    wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(20),
        "a not-ready endpoint",
        |all| (slice_endpoints(&slices_of(all, "web")) == (2, 1)).then_some(()),
    )
    .await;

    // A deleted pod leaves both.
    pods.delete("web-0", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &endpoints,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the deleted pod gone from Endpoints",
        |eps| {
            eps.iter()
                .find(|e| e.name_any() == "web" && addresses(e) == (1, 1))
                .map(|_| ())
        },
    )
    .await;
    wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the deleted pod gone from the slice",
        |all| {
            let mine = slices_of(all, "web");
            (mine.len() == 1 && slice_endpoints(&mine) == (1, 1)).then_some(())
        },
    )
    .await;

    // A Service without pods gets empty Endpoints and a placeholder slice.
    let mut lonely = web_service("lonely");
    lonely.spec.as_mut().unwrap().selector = Some(BTreeMap::from([("app".into(), "none".into())]));
    services
        .create(&PostParams::default(), &lonely)
        .await
        .unwrap();
    wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(20),
        "a placeholder slice",
        |all| {
            let mine = slices_of(all, "lonely");
            (mine.len() == 1 && mine[0].endpoints.as_ref().is_none_or(Vec::is_empty)).then_some(())
        },
    )
    .await;
    wait_until(
        &endpoints,
        watcher::Config::default(),
        Duration::from_secs(20),
        "empty Endpoints",
        |eps| {
            eps.iter()
                .find(|e| e.name_any() == "lonely" && addresses(e) == (0, 0))
                .map(|_| ())
        },
    )
    .await;

    // Deleting the Service deletes its Endpoints.
    services
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &endpoints,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the Endpoints gone",
        |eps| (!eps.iter().any(|e| e.name_any() == "web")).then_some(()),
    )
    .await;
    kubelet.abort();
}

#[tokio::test]
async fn many_pods_fill_slices_of_one_hundred() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "many").await;
    let kubelet = hollow_kubelet(client.clone(), Some("many"));
    let pods: Api<Pod> = Api::namespaced(client.clone(), "many");
    let services: Api<Service> = Api::namespaced(client.clone(), "many");
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), "many");
    let endpoints: Api<Endpoints> = Api::namespaced(client.clone(), "many");
    services
        .create(&PostParams::default(), &web_service("web"))
        .await
        .unwrap();
    let creates = (0..150).map(|i| {
        let pods = pods.clone();
        async move {
            pods.create(&PostParams::default(), &web_pod(&format!("web-{i}")))
                .await
                .unwrap();
        }
    });
    futures::future::join_all(creates).await;
    let sizes = wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(45),
        "150 endpoints in slices",
        |all| {
            let mine = slices_of(all, "web");
            let mut sizes: Vec<usize> = mine
                .iter()
                .map(|s| s.endpoints.as_ref().map_or(0, Vec::len))
                .collect();
            sizes.sort();
            (slice_endpoints(&mine) == (150, 0)).then_some(sizes)
        },
    )
    .await;
    assert_eq!(sizes, [50, 100]);
    wait_until(
        &endpoints,
        watcher::Config::default(),
        Duration::from_secs(20),
        "150 addresses",
        |eps| eps.iter().find(|e| addresses(e) == (150, 0)).map(|_| ()),
    )
    .await;
    kubelet.abort();
}

/// Renews the node's Lease every 500 ms while the task runs.
fn renew_lease(client: Client, node: &str) -> tokio::task::JoinHandle<()> {
    let leases: Api<Lease> = Api::namespaced(client, "kube-node-lease");
    let node = node.to_string();
    tokio::spawn(async move {
        loop {
            let now = k8s_openapi::jiff::Timestamp::now().to_string();
            let _ = leases
                .patch(
                    &node,
                    &PatchParams::default(),
                    &Patch::Merge(json!({"spec": {"renewTime": now}})),
                )
                .await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

/// Registers a node as a kubelet does: the Node, a Ready status and its Lease.
async fn register_node(client: &Client, name: &str) {
    let nodes: Api<Node> = Api::all(client.clone());
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    nodes
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": name}})).unwrap(),
        )
        .await
        .unwrap();
    post_ready(&nodes, name).await;
    leases
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": name},
                "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                         "renewTime": k8s_openapi::jiff::Timestamp::now().to_string()},
            }))
            .unwrap(),
        )
        .await
        .unwrap();
}

/// Posts a Ready=True status with a fresh heartbeat, as a kubelet does.
async fn post_ready(nodes: &Api<Node>, name: &str) {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let now = format!("{}Z", now.trim_end_matches('Z').split('.').next().unwrap());
    let conditions: Vec<_> = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID"),
        ("Ready", "True", "KubeletReady"),
    ]
    .iter()
    .map(|(t, s, r)| json!({"type": t, "status": s, "reason": r, "message": "ok", "lastHeartbeatTime": now, "lastTransitionTime": now}))
    .collect();
    nodes
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Strategic(json!({"status": {"conditions": conditions}})),
        )
        .await
        .unwrap();
}

fn tolerating_pod(name: &str, seconds: Option<i64>) -> Pod {
    let mut toleration = json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"});
    if let Some(seconds) = seconds {
        toleration["tolerationSeconds"] = json!(seconds);
    }
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {
            "nodeName": "node-1",
            "terminationGracePeriodSeconds": 0,
            "tolerations": [toleration],
            "containers": [{"name": "c", "image": "nginx"}],
        },
    }))
    .unwrap()
}

fn has_taint(node: &Node, key: &str, effect: &str) -> bool {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .is_some_and(|ts| ts.iter().any(|t| t.key == key && t.effect == effect))
}

fn ready_condition(node: &Node) -> Option<NodeCondition> {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .cloned()
}

#[tokio::test]
async fn silent_nodes_get_unknown_tainted_and_their_pods_evicted() {
    let cluster = Cluster::start_with(&[
        "--kube-controller-manager-arg",
        "node-monitor-grace-period=5s",
    ]);
    let client = cluster.client().await;
    let nodes: Api<Node> = Api::all(client.clone());
    // Two nodes: with every node silent upstream evicts nothing (see the end).
    for name in ["node-0", "node-1"] {
        register_node(&client, name).await;
    }
    let healthy = renew_lease(client.clone(), "node-0");
    let renewer = renew_lease(client.clone(), "node-1");
    namespace(&client, "apps").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "apps");
    for (name, seconds) in [("at-once", Some(0)), ("five", Some(5)), ("forever", None)] {
        pods.create(&PostParams::default(), &tolerating_pod(name, seconds))
            .await
            .unwrap();
        cluster::mark_running(&pods, name, "10.244.0.9")
            .await
            .unwrap();
    }
    // A healthy node (renewed past the grace period) keeps Ready and gets no taints.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let node = nodes.get("node-1").await.unwrap();
    assert_eq!(ready_condition(&node).unwrap().status, "True");
    assert!(!has_taint(
        &node,
        "node.kubernetes.io/unreachable",
        "NoExecute"
    ));

    // The kubelet stops: Unknown, tainted, pods not ready and evicted per their tolerations.
    renewer.abort();
    let stopped = std::time::Instant::now();
    let node = wait_until(
        &nodes,
        watcher::Config::default(),
        Duration::from_secs(20),
        "Ready=Unknown and the unreachable taints",
        |ns| {
            ns.iter()
                .find(|n| {
                    ready_condition(n).is_some_and(|c| c.status == "Unknown")
                        && has_taint(n, "node.kubernetes.io/unreachable", "NoSchedule")
                        && has_taint(n, "node.kubernetes.io/unreachable", "NoExecute")
                })
                .cloned()
        },
    )
    .await;
    let ready = ready_condition(&node).unwrap();
    assert_eq!(ready.reason.as_deref(), Some("NodeStatusUnknown"));
    assert_eq!(
        ready.message.as_deref(),
        Some("Kubelet stopped posting node status.")
    );
    let memory = node
        .status
        .as_ref()
        .unwrap()
        .conditions
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.type_ == "MemoryPressure")
        .unwrap()
        .clone();
    assert_eq!(memory.status, "Unknown");
    let tainted = std::time::Instant::now();
    assert!(
        stopped.elapsed() >= Duration::from_secs(4),
        "Unknown too early"
    );

    wait_until(
        &pods,
        watcher::Config::default(),
        Duration::from_secs(10),
        "the intolerant pod evicted",
        |ps| (!ps.iter().any(|p| p.name_any() == "at-once")).then_some(()),
    )
    .await;
    assert!(
        pods.get_opt("five").await.unwrap().is_some(),
        "evicted before its 5 s"
    );
    wait_until(
        &pods,
        watcher::Config::default(),
        Duration::from_secs(15),
        "the pod tolerating 5 s evicted",
        |ps| (!ps.iter().any(|p| p.name_any() == "five")).then_some(()),
    )
    .await;
    let waited = tainted.elapsed();
    assert!(waited >= Duration::from_secs(3), "evicted after {waited:?}");
    let forever = pods.get("forever").await.unwrap();
    assert!(forever.metadata.deletion_timestamp.is_none());
    let pod_ready = forever
        .status
        .as_ref()
        .unwrap()
        .conditions
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.type_ == "Ready")
        .unwrap()
        .clone();
    assert_eq!(pod_ready.status, "False", "MarkPodsNotReady");

    let events: Api<CoreEvent> = Api::all(client.clone());
    let reasons: Vec<(String, String)> = events
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|e| {
            (
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default(),
            )
        })
        .collect();
    for (reason, message) in [
        (
            "RegisteredNode",
            "Node node-1 event: Registered Node node-1 in Controller",
        ),
        ("NodeNotReady", "Node node-1 status is now: NodeNotReady"),
        (
            "TaintManagerEviction",
            "Marking for deletion Pod apps/at-once",
        ),
    ] {
        assert!(
            reasons.iter().any(|(r, m)| r == reason && m == message),
            "no {reason} event in {reasons:?}"
        );
    }

    // The kubelet is back: Ready, and the taints go.
    let renewer = renew_lease(client.clone(), "node-1");
    post_ready(&nodes, "node-1").await;
    wait_until(
        &nodes,
        watcher::Config::default(),
        Duration::from_secs(15),
        "the taints removed",
        |ns| {
            ns.iter()
                .find(|n| {
                    ready_condition(n).is_some_and(|c| c.status == "True")
                        && n.spec
                            .as_ref()
                            .and_then(|s| s.taints.as_ref())
                            .is_none_or(Vec::is_empty)
                })
                .map(|_| ())
        },
    )
    .await;
    assert!(pods.get_opt("forever").await.unwrap().is_some());

    // Every node silent: upstream's master disruption mode, the NoExecute taints stay off and
    // nothing is evicted (the NoSchedule ones are there).
    renewer.abort();
    healthy.abort();
    wait_until(
        &nodes,
        watcher::Config::default(),
        Duration::from_secs(20),
        "both nodes Unknown with the NoSchedule unreachable taint",
        |ns| {
            (ns.len() == 2
                && ns.iter().all(|n| {
                    ready_condition(n).is_some_and(|c| c.status == "Unknown")
                        && has_taint(n, "node.kubernetes.io/unreachable", "NoSchedule")
                }))
            .then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    for node in nodes.list(&Default::default()).await.unwrap() {
        assert!(
            !has_taint(&node, "node.kubernetes.io/unreachable", "NoExecute"),
            "{} has the NoExecute taint with every node down",
            node.name_any()
        );
    }
    assert!(pods.get_opt("forever").await.unwrap().is_some());
}

/// Two nodes of one zone going silent together get their NoExecute taints one token apart
/// (`--node-eviction-rate`, here one node per 4 s), as upstream's per-zone limiter paces them.
#[tokio::test]
async fn silent_nodes_are_tainted_at_the_eviction_rate() {
    let cluster = Cluster::start_with(&[
        "--kube-controller-manager-arg",
        "node-monitor-grace-period=5s",
        "--kube-controller-manager-arg",
        "node-eviction-rate=0.25",
    ]);
    let client = cluster.client().await;
    let nodes: Api<Node> = Api::all(client.clone());
    let mut renewers = BTreeMap::new();
    for name in ["node-a", "node-b", "node-c"] {
        register_node(&client, name).await;
        renewers.insert(name, renew_lease(client.clone(), name));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for name in ["node-a", "node-b"] {
        renewers[name].abort();
    }
    let tainted = wait_until(
        &nodes,
        watcher::Config::default(),
        Duration::from_secs(30),
        "both silent nodes with the NoExecute taint",
        |ns| {
            let times: Vec<_> = ns
                .iter()
                .filter_map(|n| {
                    n.spec
                        .as_ref()?
                        .taints
                        .as_ref()?
                        .iter()
                        .find(|t| {
                            t.key == "node.kubernetes.io/unreachable" && t.effect == "NoExecute"
                        })?
                        .time_added
                        .clone()
                })
                .collect();
            (times.len() == 2).then_some(times)
        },
    )
    .await;
    let apart = (tainted[0].0.as_second() - tainted[1].0.as_second()).abs();
    assert!(apart >= 3, "NoExecute taints {apart} s apart");
    let healthy = nodes.get("node-c").await.unwrap();
    assert!(!has_taint(
        &healthy,
        "node.kubernetes.io/unreachable",
        "NoExecute"
    ));
    renewers["node-c"].abort();
}

#[tokio::test]
async fn cordoned_nodes_get_the_unschedulable_taint() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let nodes: Api<Node> = Api::all(client.clone());
    nodes
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "node-1"}})).unwrap(),
        )
        .await
        .unwrap();
    post_ready(&nodes, "node-1").await;
    cluster.kubectl_ok(&["cordon", "node-1"]);
    wait_until(
        &nodes,
        watcher::Config::default(),
        Duration::from_secs(15),
        "the unschedulable taint",
        |ns| {
            ns.iter()
                .find(|n| has_taint(n, "node.kubernetes.io/unschedulable", "NoSchedule"))
                .map(|_| ())
        },
    )
    .await;
    cluster.kubectl_ok(&["uncordon", "node-1"]);
    wait_until(
        &nodes,
        watcher::Config::default(),
        Duration::from_secs(15),
        "the unschedulable taint removed",
        |ns| {
            ns.iter()
                .find(|n| {
                    n.name_any() == "node-1"
                        && !has_taint(n, "node.kubernetes.io/unschedulable", "NoSchedule")
                })
                .map(|_| ())
        },
    )
    .await;
}

#[tokio::test]
async fn custom_endpoints_of_selectorless_services_are_mirrored() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    namespace(&client, "ext").await;
    let services: Api<Service> = Api::namespaced(client.clone(), "ext");
    let endpoints: Api<Endpoints> = Api::namespaced(client.clone(), "ext");
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), "ext");
    let svc = services
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "db"},
                "spec": {"ports": [{"name": "pg", "port": 5432}]},
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    endpoints
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "db", "labels": {"team": "data"}},
                "subsets": [{
                    "addresses": [{"ip": "192.0.2.10"}, {"ip": "192.0.2.11"}],
                    "notReadyAddresses": [{"ip": "192.0.2.12"}],
                    "ports": [{"name": "pg", "port": 5432}],
                }],
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let slice = wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(20),
        "a mirrored slice",
        |all| {
            let mine = slices_of(all, "db");
            (mine.len() == 1 && slice_endpoints(&mine) == (2, 1)).then(|| mine[0].clone())
        },
    )
    .await;
    assert_eq!(
        slice
            .labels()
            .get("endpointslice.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("endpointslicemirroring-controller.k8s.io")
    );
    assert_eq!(slice.labels().get("team").map(String::as_str), Some("data"));
    assert_eq!(slice.owner_references()[0].uid, svc.uid().unwrap());
    assert_eq!(slice.address_type, "IPv4");
    assert_eq!(slice.ports.as_ref().unwrap()[0].port, Some(5432));

    // The Endpoints change: so does the mirror; they go: so does it.
    endpoints
        .patch(
            "db",
            &PatchParams::default(),
            &Patch::Merge(json!({"subsets": [{"addresses": [{"ip": "192.0.2.20"}], "ports": [{"name": "pg", "port": 5432}]}]})),
        )
        .await
        .unwrap();
    wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the mirror updated",
        |all| (slice_endpoints(&slices_of(all, "db")) == (1, 0)).then_some(()),
    )
    .await;
    endpoints
        .delete("db", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &slices,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the mirror deleted",
        |all| slices_of(all, "db").is_empty().then_some(()),
    )
    .await;
    // The API server's own default/kubernetes Endpoints are not mirrored.
    let default_slices: Api<EndpointSlice> = Api::namespaced(client.clone(), "default");
    let mirrored = default_slices
        .list(&kube::api::ListParams::default().labels(
            "endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io",
        ))
        .await
        .unwrap();
    assert!(mirrored.items.is_empty());
}
