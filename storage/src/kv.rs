//! The key-value layer: etcd v3's data model and the [`KvStore`] trait every backend implements.
//!
//! Everything above this module (the object store, the watch cache, the API server) is defined in
//! etcd terms: revisions, `mod_revision` compare-and-swap, prefix ranges, watches that resume from
//! a revision, compaction and leases. Keeping the trait this close to etcd is what lets the etcd
//! backend stay a thin adapter and the embedded backend be checked against real etcd by one suite.
//!
//! Conventions, all as etcd's:
//! - A revision is a cluster-wide counter bumped once per write transaction (a txn with several
//!   writes, or a lease expiry deleting several keys, is one revision). Revision 0 means "latest"
//!   where a revision is requested.
//! - `create_revision` is the revision that created the key, `mod_revision` the last that changed
//!   it, `version` counts the puts since creation (1 after the create). A deleted key has none.
//! - A range is `[start, end)` over raw key bytes; [`KeyRange::prefix`] computes `end` as etcd's
//!   `clientv3.GetPrefixRangeEnd` does.

use std::fmt;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use tokio::sync::mpsc;

/// A store-wide revision (etcd's `main` revision).
pub type Revision = i64;

/// A lease id as etcd hands them out (never 0; 0 means "no lease").
pub type LeaseId = i64;

/// etcd's default `--max-request-bytes`: a request whose keys and values exceed this is refused.
pub const MAX_REQUEST_BYTES: usize = 1536 * 1024;

/// etcd's default `--max-txn-ops`: the most operations one side of a transaction may hold.
pub const MAX_TXN_OPS: usize = 128;

/// One key and what the store knows of it at some revision.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key's bytes.
    pub key: Bytes,
    /// The value; empty for a delete event's key and for keys-only ranges.
    pub value: Bytes,
    /// Revision of the key's creation (0 for a delete event).
    pub create_revision: Revision,
    /// Revision of the key's last change (for a delete event: the delete's revision).
    pub mod_revision: Revision,
    /// Number of puts since creation (0 for a delete event).
    pub version: i64,
    /// The lease the key is attached to, 0 for none.
    pub lease: LeaseId,
}

impl fmt::Debug for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyValue")
            .field("key", &String::from_utf8_lossy(&self.key))
            .field("value_len", &self.value.len())
            .field("create_revision", &self.create_revision)
            .field("mod_revision", &self.mod_revision)
            .field("version", &self.version)
            .field("lease", &self.lease)
            .finish()
    }
}

/// A key or a half-open range of keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// First key of the range (or the one key).
    pub start: Bytes,
    /// Exclusive end; `None` selects `start` alone. An end of `[0]` selects every key `>= start`.
    pub end: Option<Bytes>,
}

impl KeyRange {
    /// Exactly one key.
    pub fn key(key: impl Into<Bytes>) -> Self {
        Self {
            start: key.into(),
            end: None,
        }
    }

    /// Every key beginning with `prefix`.
    pub fn prefix(prefix: impl Into<Bytes>) -> Self {
        let start: Bytes = prefix.into();
        let end = prefix_end(&start);
        Self {
            start,
            end: Some(end),
        }
    }

    /// Keys in `[start, end)`.
    pub fn between(start: impl Into<Bytes>, end: impl Into<Bytes>) -> Self {
        Self {
            start: start.into(),
            end: Some(end.into()),
        }
    }

    /// Whether `key` falls in this range (an empty `end` selects `start` alone, as in etcd).
    pub fn contains(&self, key: &[u8]) -> bool {
        match &self.end {
            None => key == self.start.as_ref(),
            Some(end) if end.is_empty() => key == self.start.as_ref(),
            Some(end) if end.as_ref() == [0] => key >= self.start.as_ref(),
            Some(end) => key >= self.start.as_ref() && key < end.as_ref(),
        }
    }

    /// Whether this selects exactly one key.
    pub fn is_single(&self) -> bool {
        self.end.as_ref().is_none_or(Bytes::is_empty)
    }
}

/// The smallest key greater than every key starting with `prefix` (etcd's `GetPrefixRangeEnd`):
/// the prefix with its last non-0xff byte incremented and the rest dropped; `[0]` ("to the end of
/// the keyspace") when the prefix is empty or all 0xff.
pub fn prefix_end(prefix: &[u8]) -> Bytes {
    let mut end = prefix.to_vec();
    while let Some(last) = end.last_mut() {
        if *last < 0xff {
            *last += 1;
            return Bytes::from(end);
        }
        end.pop();
    }
    Bytes::from_static(&[0])
}

/// A read of one key or a range of keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeRequest {
    /// What to read.
    pub range: KeyRange,
    /// At most this many keys (0: no limit). `more` in the response says whether some were left.
    pub limit: i64,
    /// Read the store as it was at this revision (0: latest).
    pub revision: Revision,
    /// Return only the number of matching keys.
    pub count_only: bool,
    /// Return keys and their metadata without values.
    pub keys_only: bool,
}

impl RangeRequest {
    /// A read of `range` at the latest revision with no limit.
    pub fn new(range: KeyRange) -> Self {
        Self {
            range,
            limit: 0,
            revision: 0,
            count_only: false,
            keys_only: false,
        }
    }

    /// The same read, at most `limit` keys.
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = limit;
        self
    }

    /// The same read at `revision`.
    pub fn at(mut self, revision: Revision) -> Self {
        self.revision = revision;
        self
    }

    /// The same read, counting only.
    pub fn count_only(mut self) -> Self {
        self.count_only = true;
        self
    }

    /// The same read, without values.
    pub fn keys_only(mut self) -> Self {
        self.keys_only = true;
        self
    }
}

/// What a range read found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeResponse {
    /// The store's current revision when the read was served. As in etcd this is the latest
    /// revision even for a read at a past revision (the header revision, not the one asked for).
    pub revision: Revision,
    /// The keys found, in key order (empty when counting only).
    pub kvs: Vec<KeyValue>,
    /// Whether more keys matched than `limit` let through.
    pub more: bool,
    /// How many keys matched in all (regardless of `limit`).
    pub count: i64,
}

/// Which attribute of a key a [`Compare`] looks at, and the value it compares with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompareTarget {
    /// The key's `mod_revision` (0 when the key does not exist).
    ModRevision(Revision),
    /// The key's `create_revision` (0 when the key does not exist).
    CreateRevision(Revision),
    /// The key's `version` (0 when the key does not exist).
    Version(i64),
    /// The key's value (a missing key fails every value comparison, as in etcd).
    Value(Bytes),
    /// The key's lease (0 when none or when the key does not exist).
    Lease(LeaseId),
}

/// How a [`Compare`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// The attribute equals the target.
    Equal,
    /// The attribute differs from the target.
    NotEqual,
    /// The attribute is greater than the target.
    Greater,
    /// The attribute is less than the target.
    Less,
}

/// One condition of a transaction, on one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compare {
    /// The key compared.
    pub key: Bytes,
    /// How.
    pub op: CompareOp,
    /// With what.
    pub target: CompareTarget,
}

impl Compare {
    /// `mod_revision(key) == revision`; with 0 it means "the key does not exist".
    pub fn mod_revision(key: impl Into<Bytes>, op: CompareOp, revision: Revision) -> Self {
        Self {
            key: key.into(),
            op,
            target: CompareTarget::ModRevision(revision),
        }
    }

    /// A comparison of `key`'s `create_revision`.
    pub fn create_revision(key: impl Into<Bytes>, op: CompareOp, revision: Revision) -> Self {
        Self {
            key: key.into(),
            op,
            target: CompareTarget::CreateRevision(revision),
        }
    }

    /// A comparison of `key`'s `version`.
    pub fn version(key: impl Into<Bytes>, op: CompareOp, version: i64) -> Self {
        Self {
            key: key.into(),
            op,
            target: CompareTarget::Version(version),
        }
    }

    /// A comparison of `key`'s value.
    pub fn value(key: impl Into<Bytes>, op: CompareOp, value: impl Into<Bytes>) -> Self {
        Self {
            key: key.into(),
            op,
            target: CompareTarget::Value(value.into()),
        }
    }

    /// Evaluates this comparison against what the store holds for the key (`None`: missing).
    /// Both backends' semantics, written once: the embedded backend calls it, and the tests
    /// check it against etcd.
    pub fn evaluate(&self, current: Option<&KeyValue>) -> bool {
        use std::cmp::Ordering;
        let ordering = match (&self.target, current) {
            (CompareTarget::Value(_), None) => return false,
            (CompareTarget::Value(want), Some(kv)) => kv.value.as_ref().cmp(want.as_ref()),
            (CompareTarget::ModRevision(want), kv) => kv.map_or(0, |kv| kv.mod_revision).cmp(want),
            (CompareTarget::CreateRevision(want), kv) => {
                kv.map_or(0, |kv| kv.create_revision).cmp(want)
            }
            (CompareTarget::Version(want), kv) => kv.map_or(0, |kv| kv.version).cmp(want),
            (CompareTarget::Lease(want), kv) => kv.map_or(0, |kv| kv.lease).cmp(want),
        };
        match self.op {
            CompareOp::Equal => ordering == Ordering::Equal,
            CompareOp::NotEqual => ordering != Ordering::Equal,
            CompareOp::Greater => ordering == Ordering::Greater,
            CompareOp::Less => ordering == Ordering::Less,
        }
    }
}

/// One operation in a transaction branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnOp {
    /// Write `value` at `key`, optionally attached to a lease; returns the previous value when
    /// `prev_kv` is set.
    Put {
        /// The key.
        key: Bytes,
        /// The value.
        value: Bytes,
        /// Lease to attach the key to (0: none, which also detaches a previous lease).
        lease: LeaseId,
        /// Return the key's previous state.
        prev_kv: bool,
    },
    /// Delete every key in `range`; returns the deleted keys' last states when `prev_kv` is set.
    Delete {
        /// The keys.
        range: KeyRange,
        /// Return the deleted keys' last states.
        prev_kv: bool,
    },
    /// Read, as part of the transaction's snapshot.
    Range(RangeRequest),
}

impl TxnOp {
    /// A put without lease or previous value.
    pub fn put(key: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        Self::Put {
            key: key.into(),
            value: value.into(),
            lease: 0,
            prev_kv: false,
        }
    }

    /// A delete of one key, without previous value.
    pub fn delete(key: impl Into<Bytes>) -> Self {
        Self::Delete {
            range: KeyRange::key(key),
            prev_kv: false,
        }
    }

    /// A read of one key at the transaction's revision.
    pub fn get(key: impl Into<Bytes>) -> Self {
        Self::Range(RangeRequest::new(KeyRange::key(key)))
    }
}

/// An etcd transaction: if every compare holds, run `success`, else `failure`; atomically.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Txn {
    /// Conditions, all of which must hold.
    pub compares: Vec<Compare>,
    /// Run when every condition holds.
    pub success: Vec<TxnOp>,
    /// Run otherwise.
    pub failure: Vec<TxnOp>,
}

impl Txn {
    /// An empty transaction (succeeds, does nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a condition.
    pub fn when(mut self, compare: Compare) -> Self {
        self.compares.push(compare);
        self
    }

    /// Adds an operation to the success branch.
    pub fn and_then(mut self, op: TxnOp) -> Self {
        self.success.push(op);
        self
    }

    /// Adds an operation to the failure branch.
    pub fn or_else(mut self, op: TxnOp) -> Self {
        self.failure.push(op);
        self
    }
}

/// What one transaction operation returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnOpResponse {
    /// A put: the key's previous state if asked for and it existed.
    Put {
        /// The previous state.
        prev_kv: Option<KeyValue>,
    },
    /// A delete: how many keys went, and their last states if asked for.
    Delete {
        /// Number of keys deleted.
        deleted: i64,
        /// Their last states (empty unless asked for).
        prev_kvs: Vec<KeyValue>,
    },
    /// A read.
    Range(RangeResponse),
}

/// What a transaction did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnResponse {
    /// Whether every compare held (and the success branch ran).
    pub succeeded: bool,
    /// The store's revision after the transaction: the transaction's own revision if it wrote.
    pub revision: Revision,
    /// One response per operation of the branch that ran, in order.
    pub responses: Vec<TxnOpResponse>,
}

impl TxnResponse {
    /// The first key returned by a range operation of the branch that ran (the usual
    /// `else get(key)` of a compare-and-swap).
    pub fn first_range_kv(&self) -> Option<&KeyValue> {
        self.responses.iter().find_map(|response| match response {
            TxnOpResponse::Range(range) => range.kvs.first(),
            _ => None,
        })
    }
}

/// A watch request: changes to a key or range from a revision on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchRequest {
    /// The keys watched.
    pub range: KeyRange,
    /// First revision to deliver (0: changes after the current revision).
    pub start_revision: Revision,
    /// Attach each changed key's previous state to its event.
    pub prev_kv: bool,
    /// Send empty responses carrying the current revision when the watch is idle
    /// (etcd's periodic progress notifications).
    pub progress_notify: bool,
}

impl WatchRequest {
    /// Changes in `range` from `start_revision` on, with previous values.
    pub fn new(range: KeyRange, start_revision: Revision) -> Self {
        Self {
            range,
            start_revision,
            prev_kv: true,
            progress_notify: false,
        }
    }
}

/// Whether an event wrote or deleted its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A put (create or update).
    Put,
    /// A delete (explicit, or a lease expiring).
    Delete,
}

/// One change to one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Put or delete.
    pub kind: EventKind,
    /// The key after the change; for a delete, the key with `mod_revision` set to the delete's
    /// revision and everything else zero.
    pub kv: KeyValue,
    /// The key's state before the change, when asked for and it existed.
    pub prev_kv: Option<KeyValue>,
}

/// One message on a watch: events of one or more revisions, or a progress notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchResponse {
    /// The store's revision when this was sent: every change up to it has been delivered.
    pub revision: Revision,
    /// Events in revision order; empty for a progress notification.
    pub events: Vec<Event>,
}

impl WatchResponse {
    /// Whether this is a progress notification (no events).
    pub fn is_progress(&self) -> bool {
        self.events.is_empty()
    }
}

/// An open watch: its stream and a way to ask for a progress notification.
///
/// The stream ends with `Err(KvError::Compacted)` when the start revision is (or becomes) older
/// than the compacted revision, and ends with an error or `None` when the store goes away.
pub struct Watch {
    /// The responses, in revision order.
    pub stream: BoxStream<'static, Result<WatchResponse, KvError>>,
    /// Requests a progress notification on this watch (etcd's `RequestProgress`).
    pub progress: mpsc::UnboundedSender<()>,
}

impl Watch {
    /// Asks the store to send a progress notification on this watch once every event up to its
    /// current revision has been sent. Returns false when the watch is gone.
    pub fn request_progress(&self) -> bool {
        self.progress.send(()).is_ok()
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch").finish_non_exhaustive()
    }
}

/// A lease as granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseGrant {
    /// Its id.
    pub id: LeaseId,
    /// Its time to live in seconds, as the store granted it.
    pub ttl: i64,
}

/// Errors of the key-value layer, named as etcd's.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The requested revision is older than the compacted revision.
    // Messages are etcd's exact texts: upstream passes some of them through to clients.
    #[error("mvcc: required revision has been compacted")]
    Compacted {
        /// The revision asked for.
        requested: Revision,
        /// The store's compacted revision.
        compacted: Revision,
    },
    /// The requested revision is newer than the store's current revision.
    #[error("mvcc: required revision is a future revision")]
    FutureRevision {
        /// The revision asked for.
        requested: Revision,
        /// The store's current revision.
        current: Revision,
    },
    /// The request is over etcd's request size limit.
    #[error("etcdserver: request is too large")]
    TooLarge {
        /// Size of the request's keys and values.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A transaction branch has more operations than etcd allows.
    #[error("etcdserver: too many operations in txn request")]
    TooManyOps {
        /// Operations in the largest of compares, success and failure.
        ops: usize,
        /// The limit.
        limit: usize,
    },
    /// A transaction writes the same key twice in one branch.
    #[error("etcdserver: duplicate key given in txn request")]
    DuplicateKey,
    /// An empty key.
    #[error("etcdserver: key is not provided")]
    EmptyKey,
    /// The lease does not exist (never granted, revoked or expired).
    #[error("etcdserver: requested lease not found")]
    LeaseNotFound(LeaseId),
    /// A lease TTL out of range.
    #[error("etcdserver: invalid lease TTL {0}")]
    InvalidTtl(i64),
    /// The store cannot be reached (etcd down, connection lost).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The store has been shut down.
    #[error("storage closed")]
    Closed,
    /// The backend failed in a way that has no etcd equivalent (disk, corruption).
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl KvError {
    /// Wraps a backend failure.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }
}

/// The storage contract: etcd v3's KV, watch, lease and maintenance surface, as much of it as
/// Kubernetes uses. Every method is linearizable: a call that starts after another returned sees
/// its effect.
#[async_trait]
pub trait KvStore: Send + Sync + 'static {
    /// Reads a key or range.
    async fn range(&self, request: RangeRequest) -> Result<RangeResponse, KvError>;

    /// Runs a transaction.
    async fn txn(&self, txn: Txn) -> Result<TxnResponse, KvError>;

    /// Opens a watch. A start revision below the compacted revision fails with
    /// `Compacted` (at once, or as the stream's first item, as etcd cancels such a watch); a start
    /// revision in the future is allowed and the watch waits for it, as in etcd.
    async fn watch(&self, request: WatchRequest) -> Result<Watch, KvError>;

    /// Discards history before `revision`: reads and watches at older revisions then fail with
    /// `Compacted`. Compacting to a revision at or below the compacted one is `Compacted`.
    async fn compact(&self, revision: Revision) -> Result<(), KvError>;

    /// Grants a lease with `ttl` seconds to live.
    async fn lease_grant(&self, ttl: i64) -> Result<LeaseGrant, KvError>;

    /// Renews a lease for its full TTL; returns the TTL.
    async fn lease_keep_alive(&self, id: LeaseId) -> Result<i64, KvError>;

    /// Revokes a lease, deleting every key attached to it in one revision.
    async fn lease_revoke(&self, id: LeaseId) -> Result<(), KvError>;

    /// The store's current revision.
    async fn current_revision(&self) -> Result<Revision, KvError>;

    /// The store's compacted revision as far as this client knows (0 if never compacted).
    async fn compacted_revision(&self) -> Result<Revision, KvError>;

    /// Whether a progress notification is only ever sent once every earlier event of its watch
    /// has been (etcd from 3.4.31 and 3.5.13 on, and the embedded store). Older etcd may send
    /// a requested one ahead of events still on their way, so a watch cache must then neither
    /// request progress nor take it as proof of freshness.
    fn ordered_progress(&self) -> bool {
        true
    }

    /// Puts one key (a convenience over [`KvStore::txn`]); returns the write's revision.
    async fn put(&self, key: Bytes, value: Bytes) -> Result<Revision, KvError> {
        Ok(self
            .txn(Txn::new().and_then(TxnOp::put(key, value)))
            .await?
            .revision)
    }

    /// Reads one key at the latest revision.
    async fn get(&self, key: Bytes) -> Result<Option<KeyValue>, KvError> {
        let response = self.range(RangeRequest::new(KeyRange::key(key))).await?;
        Ok(response.kvs.into_iter().next())
    }
}

/// Checks a transaction against etcd's request limits before it is sent or applied, so both
/// backends refuse the same requests with the same errors and write nothing.
pub fn check_txn_limits(txn: &Txn) -> Result<(), KvError> {
    // etcd's `checkTxnRequest` limits compares, success and failure each.
    let ops = txn
        .compares
        .len()
        .max(txn.success.len())
        .max(txn.failure.len());
    if ops > MAX_TXN_OPS {
        return Err(KvError::TooManyOps {
            ops,
            limit: MAX_TXN_OPS,
        });
    }
    let mut size = 0usize;
    for compare in &txn.compares {
        if compare.key.is_empty() {
            return Err(KvError::EmptyKey);
        }
        size += compare.key.len();
        if let CompareTarget::Value(value) = &compare.target {
            size += value.len();
        }
    }
    for branch in [&txn.success, &txn.failure] {
        // etcd refuses a branch that puts one key twice, or puts a key that a delete of the
        // same branch also covers (its `checkIntervals`); overlapping deletes are allowed.
        let mut puts: Vec<&Bytes> = Vec::new();
        let mut deletes: Vec<&KeyRange> = Vec::new();
        for op in branch {
            match op {
                TxnOp::Put { key, value, .. } => {
                    if key.is_empty() {
                        return Err(KvError::EmptyKey);
                    }
                    if puts.contains(&key) || deletes.iter().any(|r| r.contains(key)) {
                        return Err(KvError::DuplicateKey);
                    }
                    size += key.len() + value.len();
                    puts.push(key);
                }
                TxnOp::Delete { range, .. } => {
                    if range.start.is_empty() {
                        return Err(KvError::EmptyKey);
                    }
                    if puts.iter().any(|k| range.contains(k)) {
                        return Err(KvError::DuplicateKey);
                    }
                    size += range.start.len() + range.end.as_ref().map_or(0, Bytes::len);
                    deletes.push(range);
                }
                TxnOp::Range(request) => {
                    if request.range.start.is_empty() {
                        return Err(KvError::EmptyKey);
                    }
                    size += request.range.start.len();
                }
            }
        }
    }
    if size > MAX_REQUEST_BYTES {
        return Err(KvError::TooLarge {
            size,
            limit: MAX_REQUEST_BYTES,
        });
    }
    Ok(())
}
