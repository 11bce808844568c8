//! Backends for the object-level tests: a real etcd started for the test, or an embedded store
//! in a temporary directory. Both are torn down when the guard drops, also on panic.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use ironkube_storage::KvStore;
use ironkube_storage::embedded::EmbeddedStore;
use ironkube_storage::etcd::{EtcdConfig, EtcdStore};
use ironkube_storage::object::{
    DEFAULT_ETCD_PREFIX, GroupResource, KeyLayout, ObjectStore, ResourceConfig,
};
use ironkube_testutil::{EtcdProcess, TestDir};
use serde_json::{Value, json};

/// Keeps a backend's process or directory alive.
pub enum Guard {
    Etcd(EtcdProcess),
    Embedded(TestDir),
}

pub async fn etcd_kv() -> (Guard, Arc<dyn KvStore>) {
    let etcd = EtcdProcess::start().expect("start etcd");
    let store = EtcdStore::connect(EtcdConfig::new([etcd.endpoint()]))
        .await
        .expect("connect to etcd");
    (Guard::Etcd(etcd), Arc::new(store))
}

pub async fn embedded_kv() -> (Guard, Arc<dyn KvStore>) {
    let dir = TestDir::new().expect("temp dir");
    let store = EmbeddedStore::open(&dir.join("db"))
        .await
        .expect("open embedded store");
    (Guard::Embedded(dir), Arc::new(store))
}

/// The store of namespaced `configmaps`, as kube-apiserver lays them out.
pub fn configmaps(kv: Arc<dyn KvStore>) -> ObjectStore {
    ObjectStore::new(
        kv,
        ResourceConfig {
            resource: GroupResource::new("", "configmaps"),
            keys: KeyLayout::new(DEFAULT_ETCD_PREFIX, "configmaps", true),
            ttl_seconds: None,
        },
    )
}

pub fn configmap(namespace: &str, name: &str, data: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": name, "namespace": namespace, "uid": format!("uid-{name}") },
        "data": { "value": data },
    })
}

pub fn labeled(mut object: Value, key: &str, value: &str) -> Value {
    object["metadata"]["labels"] = json!({ key: value });
    object
}

/// One `#[tokio::test]` per case per backend.
#[macro_export]
macro_rules! backend_tests {
    ($($case:ident),* $(,)?) => {
        mod etcd {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_guard, kv) = $crate::common::etcd_kv().await;
                    super::$case(kv).await;
                }
            )*
        }
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_guard, kv) = $crate::common::embedded_kv().await;
                    super::$case(kv).await;
                }
            )*
        }
    };
}
