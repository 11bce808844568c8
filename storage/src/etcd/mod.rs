//! The etcd backend: [`EtcdStore`] implements [`crate::KvStore`] over `etcd-client`.
//!
//! A thin adapter: every trait method is one etcd call (two for a keep-alive, see
//! [`EtcdStore`]'s `lease_keep_alive`), and the trait's types map one to one onto etcd's.
//! What it adds:
//! - transactions are checked with [`kv::check_txn_limits`] before they are sent, so this
//!   backend and the embedded one refuse the same requests with the same errors;
//! - etcd's gRPC errors become [`KvError`]s by their messages (`mvcc: required revision has been
//!   compacted`, `etcdserver: requested lease not found`, …); unreachable etcd is
//!   [`KvError::Unavailable`];
//! - the numbers an etcd error does not carry are looked up: for `Compacted` the compacted
//!   revision (from a probe watch, whose cancel reply carries it; -1 when the probe gets no answer
//!   within a second), for `FutureRevision` the current revision (a follow-up read; -1 when that
//!   read fails). Both are therefore as of shortly after the failed call;
//! - [`crate::KvStore::compacted_revision`] is the highest compacted revision this store (and its
//!   clones) has made or been told of by etcd (a compaction it ran, a watch canceled for
//!   compaction, a `Compacted` error it looked up). etcd 3.4 has no call that returns it, so a
//!   compaction by another client is only known once one of these happens.
//!
//! Watches: one gRPC watch stream per [`crate::kv::Watch`]; `watch` returns once etcd confirmed
//! the watch's creation (so a write made after `watch` returned is seen by a watch from
//! revision 0). A progress request is forwarded to etcd's `WatchProgressRequest`; etcd answers
//! with an event-less response carrying its current revision (on etcd before 3.4.31 / 3.5.13 that
//! answer is not ordered after events still in flight to an unsynced watcher, an etcd bug fixed
//! upstream). A watch etcd cancels for compaction yields `Err(KvError::Compacted)` with etcd's
//! compact revision, then ends; a watch whose connection breaks yields `Unavailable`, then ends.
//! A task per watch reads etcd's responses as they arrive (see `watch::pump` for why: h2 closes
//! a connection that holds too many small unread frames).
//!
//! TLS: with [`EtcdConfig::tls`] (kube-apiserver's `--etcd-cafile`, `--etcd-certfile`,
//! `--etcd-keyfile`) the connection verifies etcd's certificate against the CA and presents the
//! client certificate, as etcd's `--client-cert-auth` requires; endpoints are then `https://`.

mod convert;
mod watch;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use crate::kv::{
    self, KvError, KvStore, LeaseGrant, LeaseId, RangeRequest, RangeResponse, Revision, Txn,
    TxnResponse, Watch, WatchRequest,
};
use convert::ErrorContext;

/// Largest gRPC message this client accepts from etcd (etcd itself sends up to 2 GiB).
const MAX_DECODING_MESSAGE_SIZE: usize = i32::MAX as usize;

/// How long a look-up of the compacted revision after a `Compacted` error may take.
const COMPACTED_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Where etcd is and how to reach it.
#[derive(Clone, Debug)]
pub struct EtcdConfig {
    /// Client URLs (`http://host:port`), as kube-apiserver's `--etcd-servers`.
    pub endpoints: Vec<String>,
    /// CA and client certificate for `https://` endpoints.
    pub tls: Option<EtcdTls>,
    /// How long [`EtcdStore::connect`] waits for etcd to answer.
    pub dial_timeout: Duration,
}

impl EtcdConfig {
    /// Plain-HTTP endpoints with a 20 s dial timeout (kube-apiserver's default).
    pub fn new(endpoints: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            endpoints: endpoints.into_iter().map(Into::into).collect(),
            tls: None,
            dial_timeout: Duration::from_secs(20),
        }
    }
}

/// TLS files for etcd, as kube-apiserver's `--etcd-cafile`, `--etcd-certfile`, `--etcd-keyfile`.
#[derive(Clone, Debug)]
pub struct EtcdTls {
    /// CA bundle that signed etcd's serving certificate.
    pub ca_file: PathBuf,
    /// Client certificate.
    pub cert_file: PathBuf,
    /// Client key.
    pub key_file: PathBuf,
}

impl EtcdTls {
    /// The client TLS configuration: etcd's CA as the only root, our certificate as identity.
    fn client_config(&self) -> Result<etcd_client::TlsOptions, KvError> {
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|source| {
                KvError::backend(EtcdConfigError::TlsFile {
                    path: path.clone(),
                    source,
                })
            })
        };
        let ca = read(&self.ca_file)?;
        let cert = read(&self.cert_file)?;
        let key = read(&self.key_file)?;
        Ok(etcd_client::TlsOptions::new()
            .ca_certificate(etcd_client::Certificate::from_pem(ca))
            .identity(etcd_client::Identity::from_pem(cert, key)))
    }
}

/// Why an [`EtcdConfig`] was refused.
#[derive(Debug, thiserror::Error)]
pub enum EtcdConfigError {
    /// A TLS file could not be read.
    #[error("reading {path}: {source}")]
    TlsFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// TLS files were given for plain `http://` endpoints, or `https://` endpoints without them.
    #[error(
        "etcd endpoints {0:?} and the TLS settings disagree: https needs --etcd-cafile, --etcd-certfile and --etcd-keyfile, http takes none"
    )]
    SchemeMismatch(Vec<String>),
    /// No endpoint was given.
    #[error("no etcd endpoint given")]
    NoEndpoints,
}

/// The etcd backend. Cheap to clone (clones share the connection and the compacted revision).
#[derive(Clone)]
pub struct EtcdStore {
    kv: etcd_client::KvClient,
    watch: etcd_client::WatchClient,
    lease: etcd_client::LeaseClient,
    shared: Arc<Shared>,
}

/// What clones of one store share.
#[derive(Debug, Default)]
struct Shared {
    /// Highest compacted revision made or seen (see the module docs).
    compacted: AtomicI64,
    /// Whether the server orders progress notifications after events (see
    /// [`KvStore::ordered_progress`]); from its version at connect.
    ordered_progress: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStore")
            .field("compacted", &self.shared.compacted.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Whether an etcd server of `version` ("3.4.23") sends a requested progress notification only
/// after the events before it: fixed in 3.4.31 and 3.5.13 (etcd-io/etcd#15220); unknown
/// versions are assumed fixed.
fn progress_is_ordered(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (
        parts.next().flatten(),
        parts.next().flatten(),
        parts.next().flatten(),
    ) {
        (Some(3), Some(minor), _) if minor < 4 => false,
        (Some(3), Some(4), Some(patch)) => patch >= 31,
        (Some(3), Some(5), Some(patch)) => patch >= 13,
        (Some(major), _, _) => major >= 3,
        _ => true,
    }
}

impl EtcdStore {
    /// Connects to etcd and checks that it answers (a read, within `dial_timeout`).
    pub async fn connect(config: EtcdConfig) -> Result<EtcdStore, KvError> {
        if config.endpoints.is_empty() {
            return Err(KvError::backend(EtcdConfigError::NoEndpoints));
        }
        let https = config.endpoints.iter().all(|e| e.starts_with("https://"));
        let http = config.endpoints.iter().all(|e| !e.starts_with("https://"));
        if (config.tls.is_some() && !https) || (config.tls.is_none() && !http) {
            return Err(KvError::backend(EtcdConfigError::SchemeMismatch(
                config.endpoints.clone(),
            )));
        }
        let mut options = etcd_client::ConnectOptions::new()
            .with_connect_timeout(config.dial_timeout)
            .with_keep_alive(Duration::from_secs(30), Duration::from_secs(10));
        if let Some(tls) = &config.tls {
            options = options.with_tls(tls.client_config()?);
        }
        let client = etcd_client::Client::connect(&config.endpoints, Some(options))
            .await
            .map_err(|e| convert::error(e, ErrorContext::default()))?;
        let store = EtcdStore {
            kv: client
                .kv_client()
                .max_decoding_message_size(MAX_DECODING_MESSAGE_SIZE),
            watch: client
                .watch_client()
                .max_decoding_message_size(MAX_DECODING_MESSAGE_SIZE),
            lease: client.lease_client(),
            shared: Arc::new(Shared::default()),
        };
        let mut maintenance = client.maintenance_client();
        if let Ok(Ok(status)) =
            tokio::time::timeout(config.dial_timeout, maintenance.status()).await
        {
            let ordered = progress_is_ordered(status.version());
            if !ordered {
                tracing::info!(
                    version = status.version(),
                    "etcd sends progress notifications out of order before 3.4.31/3.5.13: \
                     watch caches will not rely on them"
                );
            }
            store
                .shared
                .ordered_progress
                .store(ordered, Ordering::Relaxed);
        }
        match tokio::time::timeout(config.dial_timeout, store.current_revision()).await {
            Ok(Ok(_)) => Ok(store),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(KvError::Unavailable(format!(
                "etcd at {:?} did not answer within {:?}",
                config.endpoints, config.dial_timeout
            ))),
        }
    }

    fn note_compacted(&self, revision: Revision) {
        self.shared.compacted.fetch_max(revision, Ordering::AcqRel);
    }

    /// Maps an etcd error and fills the numbers etcd's message lacks (see the module docs).
    async fn error(&self, err: etcd_client::Error, context: ErrorContext) -> KvError {
        match convert::error(err, context) {
            KvError::Compacted { requested, .. } => {
                let compacted = match self.probe_compacted().await {
                    Some(compacted) => compacted,
                    None => {
                        let known = self.shared.compacted.load(Ordering::Acquire);
                        if known >= requested { known } else { -1 }
                    }
                };
                KvError::Compacted {
                    requested,
                    compacted,
                }
            }
            KvError::FutureRevision { requested, .. } => KvError::FutureRevision {
                requested,
                current: self.current_revision().await.unwrap_or(-1),
            },
            other => other,
        }
    }

    /// Asks etcd for its compacted revision: a watch from revision 1 is canceled at once with
    /// the compact revision when anything was compacted. `None` when no answer comes in time.
    async fn probe_compacted(&self) -> Option<Revision> {
        let mut client = self.watch.clone();
        let probe = async move {
            let options = etcd_client::WatchOptions::new().with_start_revision(1);
            let mut stream = client.watch(vec![0u8], Some(options)).await.ok()?;
            loop {
                let response = stream.message().await.ok()??;
                if response.compact_revision() > 0 {
                    return Some(response.compact_revision());
                }
                if response.canceled() {
                    return None;
                }
            }
        };
        let compacted = tokio::time::timeout(COMPACTED_PROBE_TIMEOUT, probe)
            .await
            .ok()
            .flatten()?;
        self.note_compacted(compacted);
        Some(compacted)
    }

    /// The lease and range revision a transaction names, for its errors.
    fn txn_context(txn: &Txn) -> ErrorContext {
        let ops = || txn.success.iter().chain(&txn.failure);
        let lease = ops()
            .find_map(|op| match op {
                kv::TxnOp::Put { lease, .. } if *lease != 0 => Some(*lease),
                _ => None,
            })
            .unwrap_or(0);
        let revision = ops()
            .find_map(|op| match op {
                kv::TxnOp::Range(r) if r.revision != 0 => Some(r.revision),
                _ => None,
            })
            .unwrap_or(0);
        ErrorContext {
            revision,
            lease,
            ..ErrorContext::default()
        }
    }
}

#[async_trait]
impl KvStore for EtcdStore {
    fn ordered_progress(&self) -> bool {
        self.shared.ordered_progress.load(Ordering::Relaxed)
    }

    async fn range(&self, request: RangeRequest) -> Result<RangeResponse, KvError> {
        let options = convert::get_options(&request);
        let result = self
            .kv
            .clone()
            .get(request.range.start.to_vec(), Some(options))
            .await;
        match result {
            Ok(response) => Ok(convert::range_response(response, 0)),
            Err(err) => {
                let context = ErrorContext {
                    revision: request.revision,
                    ..ErrorContext::default()
                };
                Err(self.error(err, context).await)
            }
        }
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse, KvError> {
        kv::check_txn_limits(&txn)?;
        let request = convert::txn(&txn);
        match self.kv.clone().txn(request).await {
            Ok(response) => convert::txn_response(response),
            Err(err) => Err(self.error(err, Self::txn_context(&txn)).await),
        }
    }

    async fn watch(&self, request: WatchRequest) -> Result<Watch, KvError> {
        watch::open(self, request).await
    }

    async fn compact(&self, revision: Revision) -> Result<(), KvError> {
        match self.kv.clone().compact(revision, None).await {
            Ok(_) => {
                self.note_compacted(revision);
                Ok(())
            }
            Err(err) => {
                let context = ErrorContext {
                    revision,
                    ..ErrorContext::default()
                };
                Err(self.error(err, context).await)
            }
        }
    }

    async fn lease_grant(&self, ttl: i64) -> Result<LeaseGrant, KvError> {
        match self.lease.clone().grant(ttl, None).await {
            Ok(response) if response.error().is_empty() => Ok(LeaseGrant {
                id: response.id(),
                ttl: response.ttl(),
            }),
            Ok(response) => Err(KvError::Unavailable(format!(
                "etcd refused the lease: {}",
                response.error()
            ))),
            Err(err) => {
                let context = ErrorContext {
                    ttl,
                    ..ErrorContext::default()
                };
                Err(self.error(err, context).await)
            }
        }
    }

    /// One keep-alive stream, two requests: etcd-client consumes the first reply (a TTL of 0
    /// there means the lease is gone) without returning its TTL, so a second request on the same
    /// stream fetches it. Renewing twice is harmless.
    async fn lease_keep_alive(&self, id: LeaseId) -> Result<i64, KvError> {
        let context = ErrorContext {
            lease: id,
            ..ErrorContext::default()
        };
        let (mut keeper, mut stream) = match self.lease.clone().keep_alive(id).await {
            Ok(pair) => pair,
            Err(err) => return Err(self.error(err, context).await),
        };
        if let Err(err) = keeper.keep_alive().await {
            return Err(self.error(err, context).await);
        }
        match stream.message().await {
            Ok(Some(response)) if response.ttl() > 0 => Ok(response.ttl()),
            Ok(Some(_)) => Err(KvError::LeaseNotFound(id)),
            Ok(None) => Err(KvError::Unavailable(
                "etcd closed the keep-alive stream".to_string(),
            )),
            Err(err) => Err(self.error(err, context).await),
        }
    }

    async fn lease_revoke(&self, id: LeaseId) -> Result<(), KvError> {
        match self.lease.clone().revoke(id).await {
            Ok(_) => Ok(()),
            Err(err) => {
                let context = ErrorContext {
                    lease: id,
                    ..ErrorContext::default()
                };
                Err(self.error(err, context).await)
            }
        }
    }

    async fn current_revision(&self) -> Result<Revision, KvError> {
        // A count of one key that need not exist: the header carries the revision.
        let options = etcd_client::GetOptions::new().with_count_only();
        match self.kv.clone().get(vec![0u8], Some(options)).await {
            Ok(response) => Ok(response.header().map_or(0, |h| h.revision())),
            Err(err) => Err(convert::error(err, ErrorContext::default())),
        }
    }

    async fn compacted_revision(&self) -> Result<Revision, KvError> {
        Ok(self.shared.compacted.load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::progress_is_ordered;

    #[test]
    fn progress_ordering_by_version() {
        for (version, ordered) in [
            ("3.3.27", false),
            ("3.4.23", false),
            ("3.4.31", true),
            ("3.5.12", false),
            ("3.5.13", true),
            ("3.5.35", true),
            ("3.6.0", true),
            ("3.6.16", true),
            ("4.0.0", true),
        ] {
            assert_eq!(progress_is_ordered(version), ordered, "{version}");
        }
    }
}
