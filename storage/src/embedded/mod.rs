#![doc = include_str!("../../docs/embedded.md")]

mod compact;
mod lease;
mod read;
mod tables;
mod wal;
mod watch;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable};
use tokio::sync::oneshot;

use crate::kv::{
    self, KvError, KvStore, LeaseGrant, LeaseId, RangeRequest, RangeResponse, Revision, Txn,
    TxnResponse, Watch, WatchRequest,
};
use read::Snapshot;
use tables::{LEASES, META, META_COMPACT_DONE, META_COMPACTED, META_REVISION, META_WAL_SEQ};
use watch::Hub;
use writer::{Recovered, Request, WriteTables, Writer};

/// The database file inside the store's directory.
pub const DATABASE_FILE: &str = "state.redb";

/// Tunables of an [`EmbeddedStore`]; [`Default`] gives the values [`EmbeddedStore::open`] uses.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    /// Most requests the writer applies in one commit (group commit: one WAL record and one
    /// `fdatasync` for all of them).
    pub max_batch: usize,
    /// Committed batches buffered per watch before a slow watch falls back to reading the log.
    pub broadcast_capacity: usize,
    /// Log entries a compaction step looks at per write transaction.
    pub compaction_batch: usize,
    /// redb's page cache, in bytes.
    pub cache_size: usize,
    /// How often a watch opened with `progress_notify` gets a progress notification (etcd's
    /// default is 10 minutes).
    pub progress_notify_interval: Duration,
    /// How long a commit may stay durable only in the write-ahead log before the writer makes
    /// redb durable (a checkpoint) and starts a new log file. It bounds the replay at the next
    /// open after a crash.
    pub checkpoint_interval: Duration,
    /// A write-ahead log file this large is checkpointed at once, whatever the interval.
    pub wal_checkpoint_bytes: u64,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        Self {
            max_batch: 1024,
            broadcast_capacity: 1024,
            compaction_batch: 1000,
            cache_size: 64 << 20,
            progress_notify_interval: Duration::from_secs(600),
            checkpoint_interval: Duration::from_millis(100),
            wal_checkpoint_bytes: 64 << 20,
        }
    }
}

/// Counters of the writer, for tests and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmbeddedStats {
    /// Commits of client batches (each one WAL record and one `fdatasync`).
    pub commits: u64,
    /// Requests those commits carried.
    pub committed_requests: u64,
    /// The most requests one commit carried.
    pub largest_batch: u64,
    /// Commits of compaction steps.
    pub compaction_commits: u64,
    /// History entries compaction has deleted.
    pub compacted_entries: u64,
    /// The compacted revision whose history deletion has finished (it trails the compacted
    /// revision while a compaction is under way).
    pub compacted_through: Revision,
    /// Checkpoints: durable redb commits after which the write-ahead log starts afresh.
    pub checkpoints: u64,
}

#[derive(Default)]
struct StatsCounters {
    commits: AtomicU64,
    committed_requests: AtomicU64,
    largest_batch: AtomicU64,
    compaction_commits: AtomicU64,
    compacted_entries: AtomicU64,
    compacted_through: AtomicI64,
    checkpoints: AtomicU64,
}

impl StatsCounters {
    fn record_commit(&self, requests: usize) {
        let requests = u64::try_from(requests).unwrap_or(u64::MAX);
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.committed_requests
            .fetch_add(requests, Ordering::Relaxed);
        self.largest_batch.fetch_max(requests, Ordering::Relaxed);
    }

    fn record_compaction_commit(&self, deleted: usize, finished: Option<Revision>) {
        self.compaction_commits.fetch_add(1, Ordering::Relaxed);
        self.compacted_entries.fetch_add(
            u64::try_from(deleted).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        if let Some(revision) = finished {
            self.compacted_through.store(revision, Ordering::Relaxed);
        }
    }

    fn record_checkpoint(&self) {
        self.checkpoints.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> EmbeddedStats {
        EmbeddedStats {
            commits: self.commits.load(Ordering::Relaxed),
            committed_requests: self.committed_requests.load(Ordering::Relaxed),
            largest_batch: self.largest_batch.load(Ordering::Relaxed),
            compaction_commits: self.compaction_commits.load(Ordering::Relaxed),
            compacted_entries: self.compacted_entries.load(Ordering::Relaxed),
            compacted_through: self.compacted_through.load(Ordering::Relaxed),
            checkpoints: self.checkpoints.load(Ordering::Relaxed),
        }
    }
}

/// What readers, watches and the writer share.
pub(crate) struct Shared {
    /// The database; `None` once the store is closed.
    db: RwLock<Option<Arc<Database>>>,
    hub: Hub,
    revision: AtomicI64,
    compacted: AtomicI64,
    stats: StatsCounters,
    options: EmbeddedOptions,
}

impl Shared {
    /// The database, unless the store is closed.
    fn db(&self) -> Result<Arc<Database>, KvError> {
        self.db
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(KvError::Closed)
    }

    fn compacted(&self) -> Revision {
        self.compacted.load(Ordering::Acquire)
    }

    fn set_revision(&self, revision: Revision) {
        self.revision.store(revision, Ordering::Release);
    }

    fn set_compacted(&self, revision: Revision) {
        self.compacted.store(revision, Ordering::Release);
    }
}

/// Wraps an engine failure or a record that does not decode.
pub(crate) fn db_err(err: impl std::error::Error + Send + Sync + 'static) -> KvError {
    KvError::backend(err)
}

struct Inner {
    requests: mpsc::Sender<Request>,
    shared: Arc<Shared>,
    closed: AtomicBool,
    path: PathBuf,
}

/// The embedded single-node store: etcd's semantics over one redb file (see the module
/// documentation). Cheap to clone; every clone is the same store.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("path", &self.inner.path)
            .field(
                "revision",
                &self.inner.shared.revision.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens the store in directory `path` (created with its database if missing) with the
    /// default options; recovers the revision, the compacted revision and the leases (each
    /// renewed to its full TTL).
    pub async fn open(path: &Path) -> Result<EmbeddedStore, KvError> {
        Self::open_with(path, EmbeddedOptions::default()).await
    }

    /// Opens the store with the given tunables.
    pub async fn open_with(
        path: &Path,
        options: EmbeddedOptions,
    ) -> Result<EmbeddedStore, KvError> {
        tokio::fs::create_dir_all(path)
            .await
            .map_err(KvError::backend)?;
        let dir = path.to_path_buf();
        let cache_size = options.cache_size;
        let (db, recovered, wal) =
            tokio::task::spawn_blocking(move || open_database(&dir, cache_size))
                .await
                .map_err(|err| KvError::Unavailable(format!("open task failed: {err}")))??;
        let db = Arc::new(db);
        let stats = StatsCounters::default();
        stats
            .compacted_through
            .store(recovered.compact_done, Ordering::Relaxed);
        let shared = Arc::new(Shared {
            db: RwLock::new(Some(db.clone())),
            hub: Hub::new(options.broadcast_capacity, recovered.revision),
            revision: AtomicI64::new(recovered.revision),
            compacted: AtomicI64::new(recovered.compacted),
            stats,
            options,
        });
        tracing::info!(
            path = %path.display(),
            revision = recovered.revision,
            compacted = recovered.compacted,
            leases = recovered.leases.len(),
            "embedded store opened"
        );
        let (sender, receiver) = mpsc::channel();
        let writer = Writer::new(db, shared.clone(), receiver, recovered, wal);
        std::thread::Builder::new()
            .name("ironkube-embedded-writer".into())
            .spawn(move || writer.run())
            .map_err(KvError::backend)?;
        Ok(EmbeddedStore {
            inner: Arc::new(Inner {
                requests: sender,
                shared,
                closed: AtomicBool::new(false),
                path: path.to_path_buf(),
            }),
        })
    }

    /// Closes the store: refuses new requests, finishes those already queued (their writes
    /// are durable when their callers get their answers), ends every watch and releases the
    /// database file, so the directory can be opened again. Closing twice is harmless.
    pub async fn close(&self) {
        let inner = &self.inner;
        if inner.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let (reply, stopped) = oneshot::channel();
        if inner.requests.send(Request::Close { reply }).is_ok() {
            // An error means the writer is already gone, which is what we wait for.
            let _ = stopped.await;
        }
        let db = inner
            .shared
            .db
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut db) = db {
            // Reads in flight hold the database for a moment; wait for them so the file is
            // released when close returns.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match Arc::try_unwrap(db) {
                    Ok(db) => {
                        drop(db);
                        break;
                    }
                    Err(shared) if Instant::now() < deadline => {
                        db = shared;
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    Err(_) => {
                        tracing::warn!(
                            "embedded store closed with reads still holding the database"
                        );
                        break;
                    }
                }
            }
        }
        tracing::info!(path = %inner.path.display(), "embedded store closed");
    }

    /// The writer's counters.
    pub fn stats(&self) -> EmbeddedStats {
        self.inner.shared.stats.snapshot()
    }

    /// The directory the store lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn call<T>(
        &self,
        request: impl FnOnce(oneshot::Sender<Result<T, KvError>>) -> Request,
    ) -> Result<T, KvError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(KvError::Closed);
        }
        let (reply, answer) = oneshot::channel();
        self.inner
            .requests
            .send(request(reply))
            .map_err(|_| KvError::Closed)?;
        answer.await.map_err(|_| KvError::Closed)?
    }

    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Snapshot) -> Result<T, KvError> + Send + 'static,
    ) -> Result<T, KvError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(KvError::Closed);
        }
        let db = self.inner.shared.db()?;
        tokio::task::spawn_blocking(move || read(&Snapshot::open(&db)?))
            .await
            .map_err(|err| KvError::Unavailable(format!("read task failed: {err}")))?
    }
}

/// Opens or creates the database, replays the write-ahead log into it, starts a new log file and
/// reads what the writer starts from.
fn open_database(
    dir: &Path,
    cache_size: usize,
) -> Result<(Database, Recovered, wal::Wal), KvError> {
    let db = Database::builder()
        .set_cache_size(cache_size)
        .create(dir.join(DATABASE_FILE))
        .map_err(db_err)?;
    // Create every table so readers never find one missing; a new store starts at revision 1,
    // as etcd does.
    let txn = db.begin_write().map_err(db_err)?;
    {
        let mut tables = WriteTables::open(&txn)?;
        if tables.meta.get(META_REVISION).map_err(db_err)?.is_none() {
            tables.meta.insert(META_REVISION, 1).map_err(db_err)?;
        }
    }
    txn.commit().map_err(db_err)?;
    let (last_seq, last_generation) = replay_wal(&db, dir)?;
    // Everything replayed is durable in redb now: the old files can go, and the writer appends
    // to a new one.
    let wal = wal::Wal::create(dir, last_generation + 1, last_seq + 1)?;
    wal::remove_older(dir, last_generation + 1)?;
    let txn = db.begin_read().map_err(db_err)?;
    let meta = txn.open_table(META).map_err(db_err)?;
    let get = |name: &str| -> Result<i64, KvError> {
        Ok(meta.get(name).map_err(db_err)?.map_or(0, |v| v.value()))
    };
    let mut leases = Vec::new();
    for entry in txn
        .open_table(LEASES)
        .map_err(db_err)?
        .range::<i64>(..)
        .map_err(db_err)?
    {
        let (id, ttl) = entry.map_err(db_err)?;
        leases.push((id.value(), ttl.value()));
    }
    let recovered = Recovered {
        revision: get(META_REVISION)?,
        compacted: get(META_COMPACTED)?,
        compact_done: get(META_COMPACT_DONE)?,
        leases,
    };
    drop(meta);
    drop(txn);
    Ok((db, recovered, wal))
}

/// Redoes, in one durable commit, every WAL record after the last one redb holds; returns the
/// last record's sequence number and the newest file generation found.
///
/// Records are taken in order, file by file; a record cut short or failing its checksum ends
/// its file: it was being written when the process died, and its batch was never answered
/// (answers wait for the `fdatasync`). Only the newest file can end so, since a file is
/// followed by another only after a checkpoint. A missing record after the database's position
/// is an error, not silently skipped: acknowledged writes would be lost.
fn replay_wal(db: &Database, dir: &Path) -> Result<(u64, u64), KvError> {
    let files = wal::list(dir)?;
    let last_generation = files.last().map_or(0, |(generation, _)| *generation);
    let txn = db.begin_write().map_err(db_err)?;
    let mut replayed = 0usize;
    let mut last_seq;
    {
        let mut tables = WriteTables::open(&txn)?;
        let held = tables
            .meta
            .get(META_WAL_SEQ)
            .map_err(db_err)?
            .map_or(0, |v| v.value());
        last_seq = u64::try_from(held).unwrap_or(0);
        for (_, path) in &files {
            let data = wal::read(path)?;
            let (records, clean) = wal::parse_file(path, &data)?;
            if !clean {
                tracing::warn!(path = %path.display(), "embedded store: WAL file ends in a torn record (never acknowledged) or stale records of a recycled file; ignoring them");
            }
            for record in records {
                if record.seq <= last_seq {
                    continue;
                }
                if record.seq != last_seq + 1 {
                    return Err(KvError::backend(wal::WalError::Gap {
                        path: path.clone(),
                        expected: last_seq + 1,
                        found: record.seq,
                    }));
                }
                writer::replay(&mut tables, &record)?;
                last_seq = record.seq;
                replayed += 1;
            }
        }
    }
    if replayed > 0 {
        // Durability::Immediate (the default): the replayed records are in redb for good
        // before their WAL files are deleted.
        txn.commit().map_err(db_err)?;
        tracing::info!(
            records = replayed,
            "embedded store: replayed the write-ahead log"
        );
    } else {
        txn.abort().map_err(db_err)?;
    }
    Ok((last_seq, last_generation))
}

#[async_trait]
impl KvStore for EmbeddedStore {
    async fn range(&self, request: RangeRequest) -> Result<RangeResponse, KvError> {
        if request.range.start.is_empty() {
            return Err(KvError::EmptyKey);
        }
        self.read(move |snapshot| snapshot.range(&request)).await
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse, KvError> {
        kv::check_txn_limits(&txn)?;
        if read::may_write(&txn) {
            self.call(|reply| Request::Txn { txn, reply }).await
        } else {
            self.read(move |snapshot| snapshot.read_only_txn(&txn))
                .await
        }
    }

    async fn watch(&self, request: WatchRequest) -> Result<Watch, KvError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(KvError::Closed);
        }
        watch::open(self.inner.shared.clone(), request)
    }

    async fn compact(&self, revision: Revision) -> Result<(), KvError> {
        self.call(|reply| Request::Compact { revision, reply })
            .await
    }

    async fn lease_grant(&self, ttl: i64) -> Result<LeaseGrant, KvError> {
        self.call(|reply| Request::LeaseGrant { ttl, reply }).await
    }

    async fn lease_keep_alive(&self, id: LeaseId) -> Result<i64, KvError> {
        self.call(|reply| Request::LeaseKeepAlive { id, reply })
            .await
    }

    async fn lease_revoke(&self, id: LeaseId) -> Result<(), KvError> {
        self.call(|reply| Request::LeaseRevoke { id, reply }).await
    }

    async fn current_revision(&self) -> Result<Revision, KvError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(KvError::Closed);
        }
        Ok(self.inner.shared.revision.load(Ordering::Acquire))
    }

    async fn compacted_revision(&self) -> Result<Revision, KvError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(KvError::Closed);
        }
        Ok(self.inner.shared.compacted())
    }
}
