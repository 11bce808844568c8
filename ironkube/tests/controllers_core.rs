//! The controller manager inside a real `ironkube server`: leader election, namespaces,
//! service accounts and the root CA publisher, driven with kube-rs and kubectl.
//! Run with: `cargo test -p ironkube --test controllers_core`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::time::Duration;

use cluster::{Cluster, wait_until};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
use kube::api::{DeleteParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, ResourceExt as _};
use serde_json::json;

#[tokio::test]
async fn every_namespace_gets_a_default_account_and_the_root_ca_back() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "team-a"}})).unwrap(),
        )
        .await
        .unwrap();
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), "team-a");
    wait_until(
        &accounts,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the default account",
        |sas| sas.iter().find(|sa| sa.name_any() == "default").map(|_| ()),
    )
    .await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let ca = std::fs::read_to_string(cluster.dir().join("pki/ca.crt")).unwrap();
    let published = |cms: &[ConfigMap]| {
        cms.iter()
            .find(|cm| cm.name_any() == "kube-root-ca.crt")
            .filter(|cm| cm.data.as_ref().and_then(|d| d.get("ca.crt")) == Some(&ca))
            .cloned()
    };
    let cm = wait_until(
        &maps,
        watcher::Config::default(),
        Duration::from_secs(20),
        "kube-root-ca.crt",
        published,
    )
    .await;
    assert!(cm.annotations()["kubernetes.io/description"].starts_with("Contains a CA bundle"));

    // Edited: put back. Deleted: made again. The account too.
    cluster.kubectl_ok(&[
        "-n",
        "team-a",
        "patch",
        "configmap",
        "kube-root-ca.crt",
        "--type=merge",
        "-p",
        r#"{"data":{"ca.crt":"tampered"}}"#,
    ]);
    wait_until(
        &maps,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the CA put back",
        published,
    )
    .await;
    maps.delete("kube-root-ca.crt", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &maps,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the CA made again",
        published,
    )
    .await;
    accounts
        .delete("default", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &accounts,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the default account again",
        |sas| sas.iter().find(|sa| sa.name_any() == "default").map(|_| ()),
    )
    .await;
    // The system namespaces have them too.
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let maps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        wait_until(
            &maps,
            watcher::Config::default(),
            Duration::from_secs(20),
            "kube-root-ca.crt",
            published,
        )
        .await;
    }
}

/// Deleting a namespace with 100 objects of 10 kinds empties it, reports what holds it with
/// upstream's conditions, and the namespace disappears once the last finalizer goes.
#[tokio::test]
async fn deleting_a_namespace_removes_all_of_its_content() {
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams};
    let cluster = Cluster::start();
    let client = cluster.client().await;
    cluster.kubectl_ok(&["create", "namespace", "crowded"]);
    let kinds: [(&str, &str, &str, serde_json::Value); 10] = [
        ("", "v1", "ConfigMap", json!({"data": {"k": "v"}})),
        ("", "v1", "Secret", json!({"stringData": {"k": "v"}})),
        ("", "v1", "ServiceAccount", json!({})),
        (
            "",
            "v1",
            "Service",
            json!({"spec": {"ports": [{"port": 80}]}}),
        ),
        (
            "",
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
        ),
        (
            "",
            "v1",
            "PersistentVolumeClaim",
            json!({"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
        ),
        (
            "",
            "v1",
            "LimitRange",
            json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]}}),
        ),
        (
            "",
            "v1",
            "PodTemplate",
            json!({"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}),
        ),
        ("coordination.k8s.io", "v1", "Lease", json!({"spec": {}})),
        (
            "",
            "v1",
            "Event",
            json!({"involvedObject": {"kind": "Pod", "name": "p", "namespace": "crowded"}, "reason": "Test"}),
        ),
    ];
    let mut resources = Vec::new();
    for (group, version, kind, body) in kinds {
        let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "crowded", &resource);
        for i in 0..10 {
            let mut object = body.clone();
            object["apiVersion"] = json!(resource.api_version);
            object["kind"] = json!(kind);
            object["metadata"] = json!({"name": format!("{}-{i}", kind.to_lowercase())});
            let object: DynamicObject = serde_json::from_value(object).unwrap();
            api.create(&PostParams::default(), &object)
                .await
                .unwrap_or_else(|err| panic!("create {kind} {i}: {err}"));
        }
        resources.push((kind, api));
    }
    // One object held by a finalizer keeps the namespace until it is released.
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "crowded");
    maps.patch(
        "configmap-0",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": ["example.com/hold"]}})),
    )
    .await
    .unwrap();

    cluster.kubectl_ok(&["delete", "namespace", "crowded", "--wait=false"]);
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let condition = |ns: &Namespace, kind: &str| {
        ns.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == kind))
            .map(|c| {
                (
                    c.status.clone(),
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default(),
                )
            })
    };
    let held = wait_until(
        &namespaces,
        watcher::Config::default().fields("metadata.name=crowded"),
        Duration::from_secs(30),
        "the finalizer condition",
        |nss| {
            nss.first()
                .filter(|ns| {
                    condition(ns, "NamespaceFinalizersRemaining").is_some_and(|c| c.0 == "True")
                })
                .cloned()
        },
    )
    .await;
    assert_eq!(
        held.status.as_ref().unwrap().phase.as_deref(),
        Some("Terminating")
    );
    assert_eq!(
        condition(&held, "NamespaceFinalizersRemaining").unwrap(),
        ("True".into(), "SomeFinalizersRemain".into(), "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances".into())
    );
    assert_eq!(
        condition(&held, "NamespaceContentRemaining").unwrap(),
        (
            "True".into(),
            "SomeResourcesRemain".into(),
            "Some resources are remaining: configmaps. has 1 resource instances".into()
        )
    );
    assert_eq!(
        condition(&held, "NamespaceDeletionDiscoveryFailure").unwrap(),
        (
            "False".into(),
            "ResourcesDiscovered".into(),
            "All resources successfully discovered".into()
        )
    );
    for (kind, api) in &resources {
        let left = api.list(&ListParams::default()).await.unwrap().items.len();
        let expected = usize::from(*kind == "ConfigMap");
        assert_eq!(left, expected, "{kind}s left");
    }
    // Creating in a terminating namespace is refused as upstream refuses it.
    let refused = cluster.kubectl(&["-n", "crowded", "create", "configmap", "late"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("because it is being terminated"));

    maps.patch(
        "configmap-0",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    wait_until(
        &namespaces,
        watcher::Config::default().fields("metadata.name=crowded"),
        Duration::from_secs(30),
        "the namespace gone",
        |nss| nss.is_empty().then_some(()),
    )
    .await;
    let gone = cluster.kubectl(&["get", "namespace", "crowded"]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains(r#"namespaces "crowded" not found"#));
}
