//! Helpers of the object-level tests (`object_store`, `watch_cache`): a `configmaps` store over a
//! fresh backend, and one test per case per backend.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use ironkube_storage::KvStore;
use ironkube_storage::object::{
    DEFAULT_ETCD_PREFIX, GroupResource, KeyLayout, ObjectStore, ResourceConfig,
};
use serde_json::{Value, json};

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

/// One `#[tokio::test]` per case per backend, each on a fresh store ([`TestStore`]: its own
/// etcd process or embedded directory, torn down also when the test panics).
///
/// [`TestStore`]: ironkube_storage::testing::TestStore
#[macro_export]
macro_rules! backend_tests {
    ($($case:ident),* $(,)?) => {
        mod etcd {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = ironkube_storage::testing::TestStore::etcd().await;
                    super::$case(store.store()).await;
                }
            )*
        }
        /// The newest etcd of `$IRONKUBE_ETCD_BINS` (built by scripts/test.sh): the paths
        /// that rely on ordered progress notifications run against real etcd too.
        mod etcd_newest {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = match ironkube_testutil::EtcdProcess::extra_binaries().last() {
                        Some(binary) => ironkube_storage::testing::TestStore::etcd_with(binary).await,
                        None => {
                            assert!(
                                std::env::var_os("CI").is_none(),
                                "IRONKUBE_ETCD_BINS is not set under CI: run scripts/test.sh"
                            );
                            eprintln!("IRONKUBE_ETCD_BINS is not set: using the default etcd");
                            ironkube_storage::testing::TestStore::etcd().await
                        }
                    };
                    super::$case(store.store()).await;
                }
            )*
        }
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = ironkube_storage::testing::TestStore::embedded().await;
                    super::$case(store.store()).await;
                }
            )*
        }
    };
}
