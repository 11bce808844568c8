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
