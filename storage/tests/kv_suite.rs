//! The shared `KvStore` suite (`ironkube_storage::testing`) against every backend, one test per
//! case per backend, each on a fresh store: its own etcd process, or its own embedded directory.
//!
//! Run: `cargo test -p ironkube-storage --test kv_suite` (add `etcd` or `embedded` to run one
//! backend). With `IRONKUBE_ETCD_BINS=/path/etcd-3.5:/path/etcd-3.6` (see
//! `testutil/etcd-versions.sh`), `etcd_versions_from_env` also runs every case on each of them.

use std::path::PathBuf;

use ironkube_storage::testing::{self, TestStore};
use ironkube_testutil::EtcdProcess;

ironkube_storage::kv_suite!(etcd, TestStore::etcd);
ironkube_storage::kv_suite!(embedded, TestStore::embedded);

/// Every case against each etcd binary listed in `$IRONKUBE_ETCD_BINS`; all failures are
/// collected and reported together. Without the variable there is nothing to run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_versions_from_env() {
    let binaries = EtcdProcess::extra_binaries();
    if binaries.is_empty() {
        // CI must run the version matrix (scripts/test.sh builds it); a developer's quick
        // `cargo test` may skip it, and is told so.
        assert!(
            std::env::var_os("CI").is_none(),
            "IRONKUBE_ETCD_BINS is not set under CI: run scripts/test.sh"
        );
        eprintln!("IRONKUBE_ETCD_BINS is not set: no extra etcd versions to run");
        return;
    }
    let mut failures = Vec::new();
    for binary in binaries {
        let version = EtcdProcess::binary_version(&binary)
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        let mut passed = 0;
        for (name, case) in testing::cases() {
            let binary: PathBuf = binary.clone();
            let run = tokio::spawn(async move {
                let store = TestStore::etcd_with(&binary).await;
                case(store.store()).await;
            });
            match run.await {
                Ok(()) => passed += 1,
                Err(err) => {
                    let message = match err.try_into_panic() {
                        Ok(payload) => payload
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default(),
                        Err(err) => err.to_string(),
                    };
                    failures.push(format!("etcd {version}: {name}: {message}"));
                }
            }
        }
        eprintln!(
            "etcd {version} ({}): {passed} cases passed",
            binary.display()
        );
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What only the etcd backend has: connecting, etcd going away, the compacted revision learned
/// from etcd, and a connection shared by many watches.
mod etcd_backend {
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::time::Duration;

    use bytes::Bytes;
    use futures::StreamExt;
    use ironkube_storage::etcd::{EtcdConfig, EtcdStore, EtcdTls};
    use ironkube_storage::kv::{KeyRange, KvError, KvStore, RangeRequest, WatchRequest};
    use ironkube_storage::testing::TestStore;
    use ironkube_storage::testing::support::{b, collect_events, put, within};
    use ironkube_testutil::{EtcdProcess, TestDir, TlsFiles};

    #[tokio::test]
    async fn connect_to_nothing_is_unavailable() {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let mut config = EtcdConfig::new([format!("http://127.0.0.1:{port}")]);
        config.dial_timeout = Duration::from_secs(2);
        let started = std::time::Instant::now();
        let err = EtcdStore::connect(config).await.unwrap_err();
        assert!(matches!(err, KvError::Unavailable(_)), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn bad_tls_settings_and_empty_endpoints_are_refused() {
        let tls = EtcdTls {
            ca_file: "/nonexistent/ca.crt".into(),
            cert_file: "client.crt".into(),
            key_file: "client.key".into(),
        };
        let mut config = EtcdConfig::new(["https://127.0.0.1:2379"]);
        config.tls = Some(tls.clone());
        let err = EtcdStore::connect(config).await.unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.crt"), "{err}");
        let mut config = EtcdConfig::new(["http://127.0.0.1:2379"]);
        config.tls = Some(tls);
        let err = EtcdStore::connect(config).await.unwrap_err();
        assert!(err.to_string().contains("disagree"), "{err}");
        let err = EtcdStore::connect(EtcdConfig::new(["https://127.0.0.1:2379"]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("disagree"), "{err}");
        let err = EtcdStore::connect(EtcdConfig::new(Vec::<String>::new()))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no etcd endpoint"), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tls_with_client_certificates() {
        let etcd = tokio::task::spawn_blocking(EtcdProcess::start_tls)
            .await
            .unwrap()
            .unwrap();
        let files = etcd.tls().unwrap().clone();
        let mut config = EtcdConfig::new([etcd.endpoint()]);
        config.dial_timeout = Duration::from_secs(5);
        config.tls = Some(EtcdTls {
            ca_file: files.ca_cert.clone(),
            cert_file: files.client_cert.clone(),
            key_file: files.client_key.clone(),
        });
        let store = EtcdStore::connect(config.clone()).await.unwrap();
        put(&store, "a", "1").await;
        assert_eq!(store.get(b("a")).await.unwrap().unwrap().value, b("1"));
        // etcd's --client-cert-auth refuses a client certificate its CA did not sign.
        let elsewhere = TestDir::new().unwrap();
        let other = TlsFiles::generate(elsewhere.path()).unwrap();
        config.tls = Some(EtcdTls {
            ca_file: files.ca_cert.clone(),
            cert_file: other.client_cert,
            key_file: other.client_key,
        });
        config.dial_timeout = Duration::from_secs(2);
        let err = EtcdStore::connect(config).await.unwrap_err();
        assert!(matches!(err, KvError::Unavailable(_)), "{err:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn killed_etcd_makes_calls_unavailable_and_ends_watches() {
        let mut test = TestStore::etcd().await;
        let store = test.store();
        put(store.as_ref(), "a", "1").await;
        let request = WatchRequest::new(KeyRange::prefix(b("")), 0);
        let mut watch = within("watch", store.watch(request.clone())).await.unwrap();
        test.etcd_process().unwrap().kill();
        let err = within("put", store.put(b("a"), b("2"))).await.unwrap_err();
        assert!(matches!(err, KvError::Unavailable(_)), "{err:?}");
        let err = within("get", store.get(b("a"))).await.unwrap_err();
        assert!(matches!(err, KvError::Unavailable(_)), "{err:?}");
        match within("watch end", watch.stream.next()).await {
            Some(Err(KvError::Unavailable(_))) => {}
            other => panic!("expected the watch to fail as unavailable, got {other:?}"),
        }
        assert!(
            within("after the end", watch.stream.next()).await.is_none(),
            "the watch ends after its error"
        );
        let err = within("watch", store.watch(request)).await.unwrap_err();
        assert!(matches!(err, KvError::Unavailable(_)), "{err:?}");
    }

    /// etcd's errors do not carry the compacted revision; the backend looks it up, so a second
    /// client learns of a compaction made by the first.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn compacted_revision_is_learned_from_etcd() {
        let mut test = TestStore::etcd().await;
        let first = test.store();
        let endpoint = test.etcd_process().unwrap().endpoint();
        let second = EtcdStore::connect(EtcdConfig::new([endpoint]))
            .await
            .unwrap();
        let r1 = put(first.as_ref(), "k", "1").await;
        let r2 = put(first.as_ref(), "k", "2").await;
        first.compact(r2).await.unwrap();
        assert_eq!(
            second.compacted_revision().await.unwrap(),
            0,
            "not known yet"
        );
        let err = second
            .range(RangeRequest::new(KeyRange::key(b("k"))).at(r1))
            .await
            .unwrap_err();
        assert!(
            matches!(err, KvError::Compacted { requested, compacted } if requested == r1 && compacted == r2),
            "{err:?}"
        );
        assert_eq!(second.compacted_revision().await.unwrap(), r2, "learned");
    }

    /// Regression: watches whose consumer does not read for a while used to leave thousands of
    /// small DATA frames unread in h2, which then closed the whole connection
    /// (`ENHANCE_YOUR_CALM`, "too_many_data_frames"), failing every request on it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unread_watches_do_not_break_the_connection() {
        const WATCHES: usize = 8;
        const WRITERS: usize = 8;
        const WRITES: usize = 400;
        let test = TestStore::etcd().await;
        let store = test.store();
        let mut watches = Vec::new();
        for _ in 0..WATCHES {
            let request = WatchRequest::new(KeyRange::prefix(b("u/")), 0);
            watches.push(store.watch(request).await.unwrap());
        }
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store: Arc<dyn KvStore> = store.clone();
                tokio::spawn(async move {
                    for i in 0..WRITES {
                        let key = Bytes::from(format!("u/{w}/{i}"));
                        store.put(key, Bytes::from_static(b"v")).await.unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap();
        }
        put(store.as_ref(), "after", "1").await;
        for watch in &mut watches {
            let events = collect_events(watch, WRITERS * WRITES).await;
            assert_eq!(events.len(), WRITERS * WRITES);
        }
    }
}
