//! Fresh stores for tests: each [`TestStore`] is a backend of its own (its own etcd process, or
//! its own embedded directory), torn down when dropped, also when the test panics.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ironkube_testutil::{EtcdProcess, TestDir};

use crate::embedded::EmbeddedStore;
use crate::etcd::{EtcdConfig, EtcdStore};
use crate::kv::KvStore;

/// A store for one test and what keeps it alive.
pub struct TestStore {
    store: Arc<dyn KvStore>,
    backend: Backend,
}

/// What a [`TestStore`] runs on.
enum Backend {
    Etcd(EtcdProcess),
    Embedded(TestDir),
}

impl std::fmt::Debug for TestStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Etcd(etcd) => f
                .debug_struct("TestStore")
                .field("etcd", &etcd.endpoint())
                .finish(),
            Backend::Embedded(dir) => f
                .debug_struct("TestStore")
                .field("embedded", &dir.path())
                .finish(),
        }
    }
}

impl TestStore {
    /// An [`EtcdStore`] on a fresh etcd (`$IRONKUBE_ETCD_BIN` or `etcd` from `PATH`).
    pub async fn etcd() -> TestStore {
        Self::etcd_with(&EtcdProcess::default_binary()).await
    }

    /// An [`EtcdStore`] on a fresh etcd started from `binary`.
    pub async fn etcd_with(binary: &Path) -> TestStore {
        let binary = binary.to_path_buf();
        let process = tokio::task::spawn_blocking(move || EtcdProcess::start_with(&binary))
            .await
            .unwrap_or_else(|e| panic!("starting etcd panicked: {e}"))
            .unwrap_or_else(|e| panic!("starting etcd: {e}"));
        let mut config = EtcdConfig::new([process.endpoint()]);
        config.dial_timeout = Duration::from_secs(10);
        let store = EtcdStore::connect(config)
            .await
            .unwrap_or_else(|e| panic!("connecting to etcd at {}: {e}", process.endpoint()));
        TestStore {
            store: Arc::new(store),
            backend: Backend::Etcd(process),
        }
    }

    /// An [`EmbeddedStore`] in a fresh temporary directory.
    pub async fn embedded() -> TestStore {
        let dir = TestDir::new().unwrap_or_else(|e| panic!("creating a directory: {e}"));
        let store = EmbeddedStore::open(&dir.join("store"))
            .await
            .unwrap_or_else(|e| panic!("opening an embedded store in {:?}: {e}", dir.path()));
        TestStore {
            store: Arc::new(store),
            backend: Backend::Embedded(dir),
        }
    }

    /// The store (clones share it).
    pub fn store(&self) -> Arc<dyn KvStore> {
        self.store.clone()
    }

    /// The etcd process, when this store runs on one.
    pub fn etcd_process(&mut self) -> Option<&mut EtcdProcess> {
        match &mut self.backend {
            Backend::Etcd(process) => Some(process),
            Backend::Embedded(_) => None,
        }
    }
}
