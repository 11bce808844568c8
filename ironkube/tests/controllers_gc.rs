//! The garbage collector inside a real `ironkube server`: background, foreground and orphan
//! deletion of owners, dangling references, several owners, scope rules, and kubectl's
//! `--cascade`, with ConfigMaps, Secrets, ClusterRoles and a custom resource.
//! Run with: `cargo test -p ironkube --test controllers_gc`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::time::Duration;

use cluster::{Cluster, Manager, namespace, wait_until};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret};
use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams, PropagationPolicy};
use kube::runtime::watcher;
use kube::{Api, Resource, ResourceExt as _};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(45);

/// An owner reference to `owner`.
fn owner_ref<K: Resource<DynamicType = ()>>(owner: &K, block: bool) -> Value {
    json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "name": owner.meta().name,
        "uid": owner.meta().uid,
        "blockOwnerDeletion": block,
    })
}

async fn configmap(api: &Api<ConfigMap>, name: &str, owners: Vec<Value>) -> ConfigMap {
    configmap_with(api, name, owners, &[]).await
}

async fn configmap_with(
    api: &Api<ConfigMap>,
    name: &str,
    owners: Vec<Value>,
    finalizers: &[&str],
) -> ConfigMap {
    let object = json!({
        "metadata": {"name": name, "ownerReferences": owners, "finalizers": finalizers},
        "data": {"k": "v"},
    });
    api.create(
        &PostParams::default(),
        &serde_json::from_value(object).unwrap(),
    )
    .await
    .unwrap()
}

fn delete_with(policy: PropagationPolicy) -> DeleteParams {
    DeleteParams {
        propagation_policy: Some(policy),
        ..DeleteParams::default()
    }
}

/// Waits until none of `names` is listed by `api`.
async fn wait_gone<K>(api: &Api<K>, names: &[&str], what: &str)
where
    K: Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    wait_until(api, watcher::Config::default(), WAIT, what, |objects| {
        objects
            .iter()
            .all(|o| !names.contains(&o.name_any().as_str()))
            .then_some(())
    })
    .await;
}

/// The uids of the owners of `object`.
fn owner_uids<K: Resource>(object: &K) -> Vec<String> {
    object
        .meta()
        .owner_references
        .iter()
        .flatten()
        .map(|r| r.uid.clone())
        .collect()
}

#[tokio::test]
async fn background_deletion_removes_two_levels_of_dependents() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let a = configmap(&maps, "a", vec![]).await;
    let b = configmap(&maps, "b", vec![owner_ref(&a, false)]).await;
    configmap(&maps, "c", vec![owner_ref(&b, false)]).await;
    secrets
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "s", "ownerReferences": [owner_ref(&a, false)]},
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    // An unrelated object stays.
    configmap(&maps, "bystander", vec![]).await;

    maps.delete("a", &delete_with(PropagationPolicy::Background))
        .await
        .unwrap();
    wait_gone(&maps, &["a", "b", "c"], "b and c collected").await;
    wait_gone(&secrets, &["s"], "the secret collected").await;
    assert!(maps.get_opt("bystander").await.unwrap().is_some());
}

#[tokio::test]
async fn foreground_deletion_waits_for_blocking_dependents() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let a = configmap(&maps, "a", vec![]).await;
    // b blocks and holds its own finalizer; c blocks; d does not block.
    configmap_with(&maps, "b", vec![owner_ref(&a, true)], &["example.com/hold"]).await;
    let c = configmap(&maps, "c", vec![owner_ref(&a, true)]).await;
    configmap(&maps, "c-child", vec![owner_ref(&c, true)]).await;
    configmap(&maps, "d", vec![owner_ref(&a, false)]).await;

    maps.delete("a", &delete_with(PropagationPolicy::Foreground))
        .await
        .unwrap();
    wait_gone(&maps, &["c", "c-child", "d"], "c, its child and d deleted").await;
    let (owner, held) = wait_until(
        &maps,
        watcher::Config::default(),
        WAIT,
        "b being deleted",
        |cms| {
            let b = cms.iter().find(|cm| cm.name_any() == "b")?;
            b.metadata.deletion_timestamp.as_ref()?;
            let a = cms.iter().find(|cm| cm.name_any() == "a")?;
            Some((a.clone(), b.clone()))
        },
    )
    .await;
    // The owner waits, marked, for its blocking dependent b.
    assert!(owner.metadata.deletion_timestamp.is_some());
    assert_eq!(owner.finalizers(), ["foregroundDeletion"]);
    assert_eq!(held.finalizers(), ["example.com/hold"]);

    maps.patch(
        "b",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    wait_gone(&maps, &["a", "b"], "b, then its owner, gone").await;
}

#[tokio::test]
async fn orphan_deletion_keeps_dependents_without_the_reference() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let a = configmap(&maps, "a", vec![]).await;
    let other = configmap(&maps, "other", vec![]).await;
    configmap(&maps, "b", vec![owner_ref(&a, true)]).await;
    configmap(
        &maps,
        "c",
        vec![owner_ref(&a, false), owner_ref(&other, false)],
    )
    .await;
    secrets
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "s", "ownerReferences": [owner_ref(&a, false)]},
            }))
            .unwrap(),
        )
        .await
        .unwrap();

    maps.delete("a", &delete_with(PropagationPolicy::Orphan))
        .await
        .unwrap();
    wait_gone(&maps, &["a"], "the owner gone").await;
    let b = maps.get("b").await.unwrap();
    assert!(owner_uids(&b).is_empty(), "{b:?}");
    let c = maps.get("c").await.unwrap();
    assert_eq!(owner_uids(&c), [other.uid().unwrap()]);
    let s = secrets.get("s").await.unwrap();
    assert!(owner_uids(&s).is_empty(), "{s:?}");
}

#[tokio::test]
async fn dangling_references_and_several_owners() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    // An owner that never existed.
    let ghost = json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost",
        "uid": "00000000-0000-0000-0000-000000000001"});
    configmap(&maps, "orphaned", vec![ghost]).await;
    // An owner of the same name, but another uid, does not protect.
    let real = configmap(&maps, "real", vec![]).await;
    let impostor = json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "real",
        "uid": "00000000-0000-0000-0000-000000000002"});
    configmap(&maps, "fooled", vec![impostor]).await;
    // Two owners: the dependent survives the first one's deletion.
    let first = configmap(&maps, "first", vec![]).await;
    let second = configmap(&maps, "second", vec![]).await;
    configmap(
        &maps,
        "shared",
        vec![owner_ref(&first, false), owner_ref(&second, false)],
    )
    .await;
    configmap(&maps, "kept", vec![owner_ref(&real, false)]).await;

    wait_gone(
        &maps,
        &["orphaned", "fooled"],
        "dangling dependents deleted",
    )
    .await;
    assert!(maps.get_opt("real").await.unwrap().is_some());
    assert!(maps.get_opt("kept").await.unwrap().is_some());

    maps.delete("first", &DeleteParams::default())
        .await
        .unwrap();
    // The reference to the deleted owner is removed; the dependent stays.
    let second_uid = second.uid().unwrap();
    wait_until(
        &maps,
        watcher::Config::default(),
        WAIT,
        "the dangling reference removed",
        |cms| {
            let shared = cms.iter().find(|cm| cm.name_any() == "shared")?;
            (owner_uids(shared) == [second_uid.clone()]).then_some(())
        },
    )
    .await;
    maps.delete("second", &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&maps, &["shared"], "the last owner's dependent deleted").await;
}

#[tokio::test]
async fn scope_rules_for_owners() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let roles: Api<ClusterRole> = Api::all(client.clone());
    let events: Api<Event> = Api::namespaced(client.clone(), "default");
    namespace(&client, "elsewhere").await;
    let elsewhere: Api<ConfigMap> = Api::namespaced(client.clone(), "elsewhere");

    // A cluster-scoped owner of a namespaced dependent.
    let role = roles
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "gc-owner"}})).unwrap(),
        )
        .await
        .unwrap();
    configmap(&maps, "owned-by-role", vec![owner_ref(&role, true)]).await;
    // A namespaced owner: referenced from another namespace, and from a cluster-scoped object.
    let owner = configmap(&maps, "owner", vec![]).await;
    configmap(&maps, "same-namespace", vec![owner_ref(&owner, false)]).await;
    configmap(
        &elsewhere,
        "other-namespace",
        vec![owner_ref(&owner, false)],
    )
    .await;
    roles
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {
                "name": "gc-dependent", "ownerReferences": [owner_ref(&owner, false)]}}))
            .unwrap(),
        )
        .await
        .unwrap();

    // The owner is not in the dependent's namespace: the reference dangles.
    wait_gone(
        &elsewhere,
        &["other-namespace"],
        "the cross-namespace dependent",
    )
    .await;
    let invalid = Api::<Event>::namespaced(client.clone(), "elsewhere");
    let event = wait_until(
        &invalid,
        watcher::Config::default(),
        WAIT,
        "OwnerRefInvalidNamespace on the cross-namespace dependent",
        |evs| {
            evs.iter()
                .find(|e| e.reason.as_deref() == Some("OwnerRefInvalidNamespace"))
                .cloned()
        },
    )
    .await;
    assert_eq!(event.type_.as_deref(), Some("Warning"));
    assert_eq!(
        event.involved_object.name.as_deref(),
        Some("other-namespace")
    );
    assert_eq!(
        event.message.as_deref().unwrap(),
        format!(
            "ownerRef [v1/ConfigMap, namespace: elsewhere, name: owner, uid: {}] does not exist in namespace \"elsewhere\"",
            owner.uid().unwrap()
        )
    );
    // The cluster-scoped dependent of a namespaced owner is reported too.
    wait_until(
        &events,
        watcher::Config::default(),
        WAIT,
        "OwnerRefInvalidNamespace on the ClusterRole",
        |evs| {
            evs.iter().find(|e| {
                e.reason.as_deref() == Some("OwnerRefInvalidNamespace")
                    && e.involved_object.name.as_deref() == Some("gc-dependent")
            })?;
            Some(())
        },
    )
    .await;

    roles
        .delete("gc-owner", &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&maps, &["owned-by-role"], "the ClusterRole's dependent").await;

    maps.delete("owner", &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&maps, &["owner", "same-namespace"], "the owner's dependent").await;
    // The namespaced reference of a cluster-scoped object is not honoured: it stays.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kept = roles.get("gc-dependent").await.unwrap();
    assert_eq!(owner_uids(&kept), [owner.uid().unwrap()]);
}

/// Objects that exist before the collector starts reach its graph in the list's order, as
/// through an informer: the owner before the dependents named after it. So a dependent in
/// another namespace is reported as upstream reports it, whichever way its namespace's
/// dependents hash.
#[tokio::test]
async fn listed_owners_come_before_their_dependents() {
    let cluster = Cluster::start_with(&["--disable-controller-manager"]);
    let client = cluster.client().await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    namespace(&client, "elsewhere").await;
    let elsewhere: Api<ConfigMap> = Api::namespaced(client.clone(), "elsewhere");
    let owner = configmap(&maps, "owner", vec![]).await;
    // Many same-namespace dependents: in a hash order one of them would most likely come
    // first, and make the owner's node look right before the other namespace's reference.
    for i in 0..12 {
        configmap(&maps, &format!("same-{i}"), vec![owner_ref(&owner, false)]).await;
    }
    configmap(&elsewhere, "other", vec![owner_ref(&owner, false)]).await;

    let _manager = Manager::start(
        &cluster,
        &["--controllers=garbagecollector", "--leader-elect=false"],
    );
    let invalid = Api::<Event>::namespaced(client.clone(), "elsewhere");
    wait_until(
        &invalid,
        watcher::Config::default(),
        WAIT,
        "OwnerRefInvalidNamespace on the listed cross-namespace dependent",
        |evs| {
            evs.iter().find(|e| {
                e.reason.as_deref() == Some("OwnerRefInvalidNamespace")
                    && e.involved_object.name.as_deref() == Some("other")
            })?;
            Some(())
        },
    )
    .await;
    wait_gone(&elsewhere, &["other"], "the cross-namespace dependent").await;
    // The owner and its own namespace's dependents stay.
    let kept = maps.list(&Default::default()).await.unwrap().items;
    let kept = kept
        .iter()
        .filter(|m| m.name_any() == "owner" || m.name_any().starts_with("same-"))
        .count();
    assert_eq!(kept, 13);
}

#[tokio::test]
async fn kubectl_cascade_modes() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for mode in ["background", "foreground", "orphan"] {
        let owner_name = format!("{mode}-owner");
        let dependent_name = format!("{mode}-dependent");
        let owner = configmap(&maps, &owner_name, vec![]).await;
        configmap(&maps, &dependent_name, vec![owner_ref(&owner, true)]).await;
        let cascade = format!("--cascade={mode}");
        cluster.kubectl_ok(&[
            "delete",
            "configmap",
            &owner_name,
            &cascade,
            "--timeout=20s",
        ]);
        wait_gone(&maps, &[owner_name.as_str()], "the owner").await;
        if mode == "orphan" {
            let dependent = maps.get(&dependent_name).await.unwrap();
            assert!(owner_uids(&dependent).is_empty(), "{dependent:?}");
        } else {
            wait_gone(&maps, &[dependent_name.as_str()], "the dependent").await;
        }
    }
}
