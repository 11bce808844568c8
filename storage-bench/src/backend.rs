//! What is measured: ironkube's two backends behind the [`KvStore`] trait, and raw
//! `etcd-client` calls on an etcd started the same way: plain puts (the anchor) and the create
//! transaction the backends send. Each measurement starts its own store (a fresh etcd process,
//! or a fresh embedded directory) and stops it afterwards.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use ironkube_storage::KvStore;
use ironkube_storage::embedded::EmbeddedStore;
use ironkube_storage::etcd::{EtcdConfig, EtcdStore};
use ironkube_storage::kv::{
    Compare, CompareOp, KeyRange, RangeRequest, Txn, TxnOp, Watch, WatchRequest,
};
use ironkube_testutil::EtcdProcess;
use serde::Serialize;

use crate::error::BenchError;

/// Which store a measurement runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Backend {
    /// Raw `etcd-client` calls, no ironkube layer: the anchor (creates are plain puts).
    Raw,
    /// Raw `etcd-client` calls with creates as the same `txn(mod_revision == 0) put` the
    /// trait backends send: shows what the transaction itself costs in etcd.
    RawTxn,
    /// `ironkube_storage::etcd::EtcdStore` through the `KvStore` trait.
    Etcd,
    /// `ironkube_storage::embedded::EmbeddedStore` through the `KvStore` trait.
    Embedded,
}

impl Backend {
    /// Every backend, in the order rows are run and printed (the anchor first).
    pub(crate) const ALL: [Backend; 4] = [
        Backend::Raw,
        Backend::RawTxn,
        Backend::Etcd,
        Backend::Embedded,
    ];

    /// The name printed in the tables.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Backend::Raw => "raw etcd-client put (anchor)",
            Backend::RawTxn => "raw etcd-client create txn",
            Backend::Etcd => "etcd backend (KvStore)",
            Backend::Embedded => "embedded (KvStore)",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Raw => "raw",
            Backend::RawTxn => "raw-txn",
            Backend::Etcd => "etcd",
            Backend::Embedded => "embedded",
        })
    }
}

/// How a [`Target`] is reached.
#[derive(Clone)]
enum Connection {
    /// Through the storage trait.
    Store(Arc<dyn KvStore>),
    /// Through etcd-client directly (boxed: the client is a few KiB).
    Raw(Box<etcd_client::Client>),
}

/// A store started for one measurement, and what keeps it alive. Fields drop in order: the
/// connection first, then the etcd process or the embedded store's directory.
pub(crate) struct Target {
    backend: Backend,
    connection: Connection,
    /// The embedded store, to close it (stopping its writer thread) before its directory goes.
    embedded: Option<EmbeddedStore>,
    etcd: Option<EtcdProcess>,
    dir: Option<tempfile::TempDir>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("backend", &self.backend)
            .field("etcd", &self.etcd)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Starts a fresh store for `backend`: an etcd process in its own temporary directory, or
    /// an embedded store in a new temporary directory (both under the system temp directory,
    /// where the fsync probe ran).
    pub(crate) async fn start(backend: Backend) -> Result<Self, BenchError> {
        match backend {
            Backend::Embedded => {
                let dir = tempfile::Builder::new()
                    .prefix("ironkube-bench-embedded-")
                    .tempdir()
                    .map_err(|e| BenchError::io("creating the embedded store's directory", e))?;
                let store = EmbeddedStore::open(dir.path())
                    .await
                    .map_err(|e| BenchError::kv("opening the embedded store", e))?;
                Ok(Self {
                    backend,
                    connection: Connection::Store(Arc::new(store.clone())),
                    embedded: Some(store),
                    etcd: None,
                    dir: Some(dir),
                })
            }
            Backend::Etcd => {
                let etcd = start_etcd().await?;
                let store = EtcdStore::connect(EtcdConfig::new([etcd.endpoint()]))
                    .await
                    .map_err(|e| BenchError::kv("connecting the etcd backend", e))?;
                Ok(Self {
                    backend,
                    connection: Connection::Store(Arc::new(store)),
                    embedded: None,
                    etcd: Some(etcd),
                    dir: None,
                })
            }
            Backend::Raw | Backend::RawTxn => {
                let etcd = start_etcd().await?;
                let client = etcd_client::Client::connect([etcd.endpoint()], None)
                    .await
                    .map_err(|e| BenchError::etcd("connecting etcd-client", e))?;
                Ok(Self {
                    backend,
                    connection: Connection::Raw(Box::new(client)),
                    embedded: None,
                    etcd: Some(etcd),
                    dir: None,
                })
            }
        }
    }

    /// A writer for one task (a clone of the store handle or of the etcd client).
    pub(crate) fn writer(&self) -> Writer {
        Writer {
            connection: self.connection.clone(),
            create_txn: self.backend != Backend::Raw,
        }
    }

    /// Opens a watch on every key under `prefix`, from now on, without previous values; returns
    /// once the store has registered it.
    pub(crate) async fn watch_prefix(&self, prefix: &str) -> Result<EventStream, BenchError> {
        match &self.connection {
            Connection::Store(store) => {
                let mut request = WatchRequest::new(KeyRange::prefix(prefix.to_owned()), 0);
                request.prev_kv = false;
                let watch = store
                    .watch(request)
                    .await
                    .map_err(|e| BenchError::kv("opening a watch", e))?;
                Ok(EventStream::Store(watch))
            }
            Connection::Raw(client) => {
                let options = etcd_client::WatchOptions::new().with_prefix();
                let mut stream = client
                    .clone()
                    .watch(prefix, Some(options))
                    .await
                    .map_err(|e| BenchError::etcd("opening a watch", e))?;
                // etcd answers a watch creation with an event-less `created` response; wait for
                // it so that no put below can precede the watch.
                loop {
                    let response = stream
                        .message()
                        .await
                        .map_err(|e| BenchError::etcd("waiting for the watch's creation", e))?
                        .ok_or_else(|| BenchError::WatchEnded {
                            backend: Backend::Raw.to_string(),
                            reason: "the stream ended before the watch was created".into(),
                        })?;
                    if response.canceled() {
                        return Err(BenchError::WatchEnded {
                            backend: Backend::Raw.to_string(),
                            reason: format!("canceled at creation: {}", response.cancel_reason()),
                        });
                    }
                    if response.created() {
                        break;
                    }
                }
                Ok(EventStream::Raw(Box::new(stream)))
            }
        }
    }

    /// How many keys are stored under `prefix` (a count-only range read at the latest revision).
    pub(crate) async fn count_prefix(&self, prefix: &str) -> Result<u64, BenchError> {
        let count = match &self.connection {
            Connection::Store(store) => {
                let request = RangeRequest::new(KeyRange::prefix(prefix.to_owned())).count_only();
                store
                    .range(request)
                    .await
                    .map_err(|e| BenchError::kv("counting keys", e))?
                    .count
            }
            Connection::Raw(client) => {
                let options = etcd_client::GetOptions::new()
                    .with_prefix()
                    .with_count_only();
                client
                    .clone()
                    .get(prefix, Some(options))
                    .await
                    .map_err(|e| BenchError::etcd("counting keys", e))?
                    .count()
            }
        };
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The embedded store's group-commit counters (`None` for the other backends).
    pub(crate) fn group_commit(&self) -> Option<GroupCommit> {
        self.embedded.as_ref().map(|store| {
            let stats = store.stats();
            GroupCommit {
                commits: stats.commits,
                requests: stats.committed_requests,
                largest_batch: stats.largest_batch,
            }
        })
    }

    /// Stops the store: closes the connection (and the embedded store), kills etcd (off the
    /// async threads, as that waits for the process) and removes the directories.
    pub(crate) async fn stop(self) -> Result<(), BenchError> {
        let Target {
            connection,
            embedded,
            etcd,
            dir,
            ..
        } = self;
        drop(connection);
        if let Some(store) = embedded {
            store.close().await;
        }
        tokio::task::spawn_blocking(move || {
            drop(etcd);
            drop(dir);
        })
        .await?;
        Ok(())
    }
}

/// How the embedded store's writer grouped the requests of a run into durable commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct GroupCommit {
    /// Durable commits (one fsync each).
    pub(crate) commits: u64,
    /// Write requests they carried.
    pub(crate) requests: u64,
    /// The most requests one commit carried.
    pub(crate) largest_batch: u64,
}

/// Starts etcd (which blocks for a few hundred milliseconds) off the async threads.
async fn start_etcd() -> Result<EtcdProcess, BenchError> {
    tokio::task::spawn_blocking(EtcdProcess::start)
        .await?
        .map_err(BenchError::EtcdProcess)
}

/// One task's handle on a [`Target`].
pub(crate) struct Writer {
    connection: Connection,
    /// Whether a raw connection creates with a transaction rather than a put.
    create_txn: bool,
}

impl Writer {
    /// Creates `key` as kube-apiserver does: `txn(mod_revision(key) == 0) put`, through the
    /// trait or (raw-txn) etcd-client; a plain put for the raw anchor.
    pub(crate) async fn create(&mut self, key: Bytes, value: &Bytes) -> Result<(), BenchError> {
        match &mut self.connection {
            Connection::Store(store) => {
                let txn = Txn::new()
                    .when(Compare::mod_revision(key.clone(), CompareOp::Equal, 0))
                    .and_then(TxnOp::put(key.clone(), value.clone()));
                let response = store
                    .txn(txn)
                    .await
                    .map_err(|e| BenchError::kv("create transaction", e))?;
                if response.succeeded {
                    Ok(())
                } else {
                    Err(BenchError::CreateConflict {
                        key: String::from_utf8_lossy(&key).into_owned(),
                    })
                }
            }
            Connection::Raw(client) if self.create_txn => {
                use etcd_client::{Compare, CompareOp, Txn, TxnOp};
                let txn = Txn::new()
                    .when([Compare::mod_revision(key.to_vec(), CompareOp::Equal, 0)])
                    .and_then([TxnOp::put(key.to_vec(), value.to_vec(), None)]);
                let response = client
                    .txn(txn)
                    .await
                    .map_err(|e| BenchError::etcd("create transaction", e))?;
                if response.succeeded() {
                    Ok(())
                } else {
                    Err(BenchError::CreateConflict {
                        key: String::from_utf8_lossy(&key).into_owned(),
                    })
                }
            }
            Connection::Raw(client) => {
                client
                    .put(key.to_vec(), value.to_vec(), None)
                    .await
                    .map_err(|e| BenchError::etcd("put", e))?;
                Ok(())
            }
        }
    }

    /// Puts `key` unconditionally.
    pub(crate) async fn put(&mut self, key: Bytes, value: &Bytes) -> Result<(), BenchError> {
        match &mut self.connection {
            Connection::Store(store) => {
                store
                    .put(key, value.clone())
                    .await
                    .map_err(|e| BenchError::kv("put", e))?;
                Ok(())
            }
            Connection::Raw(client) => {
                client
                    .put(key.to_vec(), value.to_vec(), None)
                    .await
                    .map_err(|e| BenchError::etcd("put", e))?;
                Ok(())
            }
        }
    }
}

/// An open watch on either kind of connection.
pub(crate) enum EventStream {
    /// A `KvStore` watch.
    Store(Watch),
    /// A raw etcd-client watch stream (boxed, as it is large).
    Raw(Box<etcd_client::WatchStream>),
}

impl EventStream {
    /// The keys of the events in the next response (empty for a progress notification);
    /// `None` when the stream ended.
    pub(crate) async fn next_keys(&mut self) -> Result<Option<Vec<Bytes>>, BenchError> {
        match self {
            EventStream::Store(watch) => match watch.stream.next().await {
                None => Ok(None),
                Some(Err(e)) => Err(BenchError::kv("watching", e)),
                Some(Ok(response)) => Ok(Some(
                    response
                        .events
                        .into_iter()
                        .map(|event| event.kv.key)
                        .collect(),
                )),
            },
            EventStream::Raw(stream) => {
                let Some(response) = stream
                    .message()
                    .await
                    .map_err(|e| BenchError::etcd("watching", e))?
                else {
                    return Ok(None);
                };
                if response.canceled() {
                    return Err(BenchError::WatchEnded {
                        backend: Backend::Raw.to_string(),
                        reason: format!("canceled: {}", response.cancel_reason()),
                    });
                }
                Ok(Some(
                    response
                        .events()
                        .iter()
                        .filter_map(|event| event.kv())
                        .map(|kv| Bytes::copy_from_slice(kv.key()))
                        .collect(),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A create of a key that exists fails its compare on the trait backends and raw-txn, as
    /// kube-apiserver's create does (409 AlreadyExists upstream).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_create_of_a_key_is_a_conflict() {
        for backend in [Backend::RawTxn, Backend::Etcd, Backend::Embedded] {
            let target = Target::start(backend).await.unwrap();
            let mut writer = target.writer();
            let key = Bytes::from_static(b"/registry/configmaps/bench/dup");
            let value = Bytes::from_static(b"v");
            writer.create(key.clone(), &value).await.unwrap();
            let err = writer.create(key, &value).await.unwrap_err();
            assert!(
                matches!(err, BenchError::CreateConflict { .. }),
                "{backend}: {err}"
            );
            assert_eq!(
                target
                    .count_prefix("/registry/configmaps/bench/")
                    .await
                    .unwrap(),
                1
            );
            target.stop().await.unwrap();
        }
    }

    /// A watch opened by `watch_prefix` sees a put made right after it returns, on every
    /// backend, and nothing outside the prefix.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_prefix_watch_sees_the_next_put() {
        for backend in Backend::ALL {
            let target = Target::start(backend).await.unwrap();
            let mut events = target.watch_prefix("/w/").await.unwrap();
            let mut writer = target.writer();
            let value = Bytes::from_static(b"v");
            writer
                .put(Bytes::from_static(b"/x/outside"), &value)
                .await
                .unwrap();
            writer
                .put(Bytes::from_static(b"/w/inside"), &value)
                .await
                .unwrap();
            let keys = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                loop {
                    let keys = events.next_keys().await.unwrap().unwrap();
                    if !keys.is_empty() {
                        return keys;
                    }
                }
            })
            .await
            .unwrap();
            assert_eq!(keys, vec![Bytes::from_static(b"/w/inside")], "{backend}");
            drop(events);
            target.stop().await.unwrap();
        }
    }
}
