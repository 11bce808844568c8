//! The writer: one thread that owns every write, assigns revisions and commits in groups.
//!
//! Requests (transactions that may write, compactions, lease operations) arrive on a channel,
//! each with a oneshot for its reply. The loop takes the first request, drains whatever else is
//! already queued (up to `max_batch`), applies them in order in one redb write transaction
//! (each transaction that changes something gets the next revision; failed compares, reads and
//! transactions that change nothing get none), expires due leases in the same transaction,
//! appends the batch's changes to the write-ahead log as one record and `fdatasync`s it (one sync
//! for the whole batch), commits the redb transaction with `Durability::None`, and only then
//! publishes the batch's events and replies. A request that is refused (a lease that does not
//! exist, a read at a compacted revision) is refused before it writes anything, so it affects
//! neither the batch nor the others in it; a storage failure fails the whole batch, and nothing
//! of it is visible.
//!
//! Between batches the loop sleeps on the channel with a timeout at the earliest lease deadline
//! or checkpoint, and runs compaction steps (each its own short transaction) after client
//! batches and when idle. A checkpoint (a durable redb commit, then a new WAL file) follows
//! within `checkpoint_interval` of the first commit redb does not hold durably, or as soon as the
//! WAL file reaches `wal_checkpoint_bytes` (see [`super::wal`]).

use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Instant;

use bytes::Bytes;
use redb::{Database, Durability, ReadableTable, Table, WriteTransaction};
use tokio::sync::oneshot;

use super::compact::Job;
use super::lease::{Deadlines, granted_ttl};
use super::read::{View, compares_hold, effective_revision};
use super::tables::{
    CURRENT, CurrentRecord, KEY_INDEX, LEASE_KEYS, LEASES, LOG, LogRecord, META, META_COMPACTED,
    META_REVISION, META_WAL_SEQ, rev_key,
};
use super::wal::{RecordBuilder, Wal, WalError, WalOp, WalRecord};
use super::watch::Batch;
use super::{Shared, db_err};
use crate::kv::{
    Event, EventKind, KeyRange, KeyValue, KvError, LeaseGrant, LeaseId, RangeRequest,
    RangeResponse, Revision, Txn, TxnOp, TxnOpResponse, TxnResponse,
};

/// Where a request's answer goes.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, KvError>>;

/// A request to the writer.
pub(crate) enum Request {
    /// A transaction that may write.
    Txn {
        /// The transaction (already checked against etcd's limits).
        txn: Txn,
        /// Its answer.
        reply: Reply<TxnResponse>,
    },
    /// Record a compacted revision (history deletion follows in steps).
    Compact {
        /// The revision.
        revision: Revision,
        /// Its answer.
        reply: Reply<()>,
    },
    /// Grant a lease.
    LeaseGrant {
        /// Requested TTL in seconds.
        ttl: i64,
        /// Its answer.
        reply: Reply<LeaseGrant>,
    },
    /// Renew a lease.
    LeaseKeepAlive {
        /// The lease.
        id: LeaseId,
        /// Its answer: the TTL.
        reply: Reply<i64>,
    },
    /// Revoke a lease and delete its keys.
    LeaseRevoke {
        /// The lease.
        id: LeaseId,
        /// Its answer.
        reply: Reply<()>,
    },
    /// Finish what is queued, then stop; answered once the writer has let go of the database.
    Close {
        /// Its answer.
        reply: oneshot::Sender<()>,
    },
}

/// The open tables of a write transaction.
pub(crate) struct WriteTables<'t> {
    pub(crate) current: Table<'t, &'static [u8], &'static [u8]>,
    pub(crate) log: Table<'t, (u64, u32), &'static [u8]>,
    pub(crate) index: Table<'t, (&'static [u8], u64, u32), ()>,
    pub(crate) leases: Table<'t, i64, i64>,
    pub(crate) lease_keys: Table<'t, (i64, &'static [u8]), ()>,
    pub(crate) meta: Table<'t, &'static str, i64>,
}

type WriteView<'a, 't> = View<
    'a,
    Table<'t, &'static [u8], &'static [u8]>,
    Table<'t, (u64, u32), &'static [u8]>,
    Table<'t, (&'static [u8], u64, u32), ()>,
>;

impl<'t> WriteTables<'t> {
    /// Opens (creating if needed) every table.
    pub(crate) fn open(txn: &'t WriteTransaction) -> Result<Self, KvError> {
        Ok(Self {
            current: txn.open_table(CURRENT).map_err(db_err)?,
            log: txn.open_table(LOG).map_err(db_err)?,
            index: txn.open_table(KEY_INDEX).map_err(db_err)?,
            leases: txn.open_table(LEASES).map_err(db_err)?,
            lease_keys: txn.open_table(LEASE_KEYS).map_err(db_err)?,
            meta: txn.open_table(META).map_err(db_err)?,
        })
    }

    fn view(&self) -> WriteView<'_, 't> {
        View {
            current: &self.current,
            log: &self.log,
            index: &self.index,
        }
    }
}

/// A failure of a whole batch (storage error, failed commit), reported to each request in it.
#[derive(Debug, thiserror::Error)]
#[error("write batch failed: {0}")]
pub(crate) struct BatchFailed(String);

/// The error a request gets when its batch failed on storage.
fn batch_failed(err: &KvError) -> KvError {
    KvError::backend(BatchFailed(err.to_string()))
}

impl Request {
    /// Answers a request that its batch's failure kept from being applied.
    fn fail(self, why: &str) {
        let failed = || KvError::backend(BatchFailed(why.to_string()));
        // A caller that went away no longer wants its answer.
        let _ = match self {
            Request::Txn { reply, .. } => reply.send(Err(failed())).map_err(drop),
            Request::Compact { reply, .. } | Request::LeaseRevoke { reply, .. } => {
                reply.send(Err(failed())).map_err(drop)
            }
            Request::LeaseGrant { reply, .. } => reply.send(Err(failed())).map_err(drop),
            Request::LeaseKeepAlive { reply, .. } => reply.send(Err(failed())).map_err(drop),
            Request::Close { reply } => reply.send(()).map_err(drop),
        };
    }
}

/// A reply held until the batch is durable.
enum Done {
    Txn(Reply<TxnResponse>, Result<TxnResponse, KvError>),
    Unit(Reply<()>, Result<(), KvError>),
    Grant(Reply<LeaseGrant>, Result<LeaseGrant, KvError>),
    Ttl(Reply<i64>, Result<i64, KvError>),
}

impl Done {
    fn send(self) {
        // A caller that went away no longer wants its answer; the write stands, as in etcd.
        let _ = match self {
            Done::Txn(reply, result) => reply.send(result).map_err(drop),
            Done::Unit(reply, result) => reply.send(result).map_err(drop),
            Done::Grant(reply, result) => reply.send(result).map_err(drop),
            Done::Ttl(reply, result) => reply.send(result).map_err(drop),
        };
    }

    /// Replaces a success by the batch's failure (refusals keep their own error).
    fn fail(self, why: &str) -> Self {
        let failed = || KvError::backend(BatchFailed(why.to_string()));
        match self {
            Done::Txn(reply, Ok(_)) => Done::Txn(reply, Err(failed())),
            Done::Unit(reply, Ok(())) => Done::Unit(reply, Err(failed())),
            Done::Grant(reply, Ok(_)) => Done::Grant(reply, Err(failed())),
            Done::Ttl(reply, Ok(_)) => Done::Ttl(reply, Err(failed())),
            refused => refused,
        }
    }
}

/// A change to lease deadlines, applied once the batch is durable.
enum LeaseChange {
    Renew(LeaseId, i64),
    Remove(LeaseId),
}

/// What a batch has done so far.
#[derive(Default)]
struct BatchState {
    events: Vec<Event>,
    first_revision: Option<Revision>,
    /// Whether anything was written (the transaction must be committed).
    dirty: bool,
    /// Whether the revision moved.
    new_revision: bool,
    new_compacted: Option<Revision>,
    lease_changes: Vec<LeaseChange>,
    done: Vec<Done>,
    /// The batch's write-ahead log record.
    wal: RecordBuilder,
}

/// The writer thread's state.
pub(crate) struct Writer {
    db: Arc<Database>,
    shared: Arc<Shared>,
    requests: Receiver<Request>,
    revision: Revision,
    compacted: Revision,
    deadlines: Deadlines,
    compaction: Option<Job>,
    closers: Vec<oneshot::Sender<()>>,
    wal: Wal,
    /// When the oldest commit redb does not yet hold durably was made (`None`: none pending).
    pending_since: Option<Instant>,
}

impl Writer {
    /// A writer over an opened database whose counters and leases were read at open.
    pub(crate) fn new(
        db: Arc<Database>,
        shared: Arc<Shared>,
        requests: Receiver<Request>,
        recovered: Recovered,
        wal: Wal,
    ) -> Self {
        let compaction =
            (recovered.compact_done < recovered.compacted).then(|| Job::new(recovered.compacted));
        Self {
            db,
            shared,
            requests,
            revision: recovered.revision,
            compacted: recovered.compacted,
            deadlines: Deadlines::new(recovered.leases, Instant::now()),
            compaction,
            closers: Vec::new(),
            wal,
            pending_since: None,
        }
    }

    /// The loop; returns when the store is closed or every handle is gone.
    pub(crate) fn run(mut self) {
        // Whatever way this thread ends (even a panic), watches must end too.
        let hub_guard = CloseHubOnExit(self.shared.clone());
        let max_batch = self.shared.options.max_batch.max(1);
        let mut closing = false;
        while !closing {
            let first = match self.next_request() {
                Ok(first) => first,
                Err(()) => break,
            };
            let mut batch = Vec::new();
            if let Some(first) = first {
                batch.push(first);
                while batch.len() < max_batch {
                    match self.requests.try_recv() {
                        Ok(request) => batch.push(request),
                        Err(_) => break,
                    }
                }
            }
            // A close ends the loop after this batch and whatever was queued behind it.
            let mut requests = Vec::with_capacity(batch.len());
            for request in batch {
                match request {
                    Request::Close { reply } => {
                        self.closers.push(reply);
                        closing = true;
                    }
                    other => requests.push(other),
                }
            }
            self.run_batch(requests);
            if closing {
                self.drain();
            } else {
                self.compaction_step();
                self.maybe_checkpoint();
            }
        }
        // Leave redb holding everything durably, so the next open has nothing to replay.
        if self.pending_since.is_some() {
            self.checkpoint();
        }
        let Writer {
            db, closers, wal, ..
        } = self;
        // Release the files before telling `close()` they are released.
        drop(wal);
        drop(db);
        drop(hub_guard);
        for closer in closers {
            let _ = closer.send(());
        }
        tracing::debug!("embedded store writer stopped");
    }

    /// Waits for the next request, or until a lease is due or compaction has work (`None`);
    /// `Err` when every sender is gone.
    fn next_request(&mut self) -> Result<Option<Request>, ()> {
        if self.compaction.is_some() {
            return match self.requests.try_recv() {
                Ok(request) => Ok(Some(request)),
                Err(TryRecvError::Empty) => Ok(None),
                Err(TryRecvError::Disconnected) => Err(()),
            };
        }
        let checkpoint_due = self
            .pending_since
            .map(|since| since + self.shared.options.checkpoint_interval);
        let deadline = match (self.deadlines.next_deadline(), checkpoint_due) {
            (Some(lease), Some(checkpoint)) => Some(lease.min(checkpoint)),
            (lease, checkpoint) => lease.or(checkpoint),
        };
        match deadline {
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(Instant::now());
                match self.requests.recv_timeout(wait) {
                    Ok(request) => Ok(Some(request)),
                    Err(RecvTimeoutError::Timeout) => Ok(None),
                    Err(RecvTimeoutError::Disconnected) => Err(()),
                }
            }
            None => self.requests.recv().map(Some).map_err(|_| ()),
        }
    }

    /// On close: runs everything still queued (it was sent before the store stopped taking
    /// requests, or raced with it).
    fn drain(&mut self) {
        let max_batch = self.shared.options.max_batch.max(1);
        loop {
            let mut requests = Vec::new();
            while requests.len() < max_batch {
                match self.requests.try_recv() {
                    Ok(Request::Close { reply }) => self.closers.push(reply),
                    Ok(request) => requests.push(request),
                    Err(_) => break,
                }
            }
            if requests.is_empty() {
                return;
            }
            self.run_batch(requests);
        }
    }

    /// Applies, commits, publishes and answers one batch.
    fn run_batch(&mut self, requests: Vec<Request>) {
        let now = Instant::now();
        let expired = self.deadlines.expired(now);
        if requests.is_empty() && expired.is_empty() {
            return;
        }
        let (start_revision, start_compacted) = (self.revision, self.compacted);
        let mut state = BatchState::default();
        let seq = self.wal.next_seq();
        let wal_len = self.wal.len();
        let mut queue = VecDeque::from(requests);
        let result = self.db.begin_write().map_err(db_err).and_then(|mut txn| {
            // The WAL record, synced before this commit, is what makes the batch durable.
            txn.set_durability(Durability::None).map_err(db_err)?;
            self.apply(&txn, &mut queue, &expired, seq, &mut state)?;
            if state.dirty {
                let record = state.wal.finish(seq, self.revision, state.new_compacted)?;
                self.wal.append(record)?;
                if let Err(err) = txn.commit().map_err(db_err) {
                    // Nobody is answered, so the record must not come back on replay.
                    self.wal.undo_last(wal_len, &err);
                    return Err(err);
                }
                self.wal.advance();
                self.pending_since.get_or_insert(now);
                self.shared.stats.record_commit(state.done.len());
            } else {
                txn.abort().map_err(db_err)?;
            }
            Ok(())
        });
        if let Err(err) = result {
            tracing::error!(error = %err, "embedded store: write batch failed");
            self.revision = start_revision;
            self.compacted = start_compacted;
            let why = err.to_string();
            for done in state.done {
                done.fail(&why).send();
            }
            // Requests the failure came before: the same answer.
            for request in queue {
                match request {
                    Request::Close { reply } => self.closers.push(reply),
                    other => other.fail(&why),
                }
            }
            return;
        }
        for change in state.lease_changes {
            match change {
                LeaseChange::Renew(id, ttl) => self.deadlines.renew(id, ttl, now),
                LeaseChange::Remove(id) => self.deadlines.remove(id),
            }
        }
        self.shared.set_revision(self.revision);
        if let Some(compacted) = state.new_compacted {
            self.shared.set_compacted(compacted);
            self.compaction = Some(Job::new(compacted));
        }
        if let Some(first_revision) = state.first_revision {
            self.shared.hub.publish(Batch {
                first_revision,
                last_revision: self.revision,
                events: state.events,
            });
        }
        for done in state.done {
            done.send();
        }
    }

    /// Applies a batch inside `txn`; an error is a storage failure that fails the batch.
    fn apply(
        &mut self,
        txn: &WriteTransaction,
        requests: &mut VecDeque<Request>,
        expired: &[LeaseId],
        seq: u64,
        state: &mut BatchState,
    ) -> Result<(), KvError> {
        let mut tables = WriteTables::open(txn)?;
        for &id in expired {
            tracing::debug!(lease = id, "lease expired");
            self.revoke(&mut tables, id, state)?;
            state.lease_changes.push(LeaseChange::Remove(id));
        }
        // A storage failure stops the batch: the request it hit is answered with it here, and
        // run_batch answers the rest (nobody is left without an answer).
        while let Some(request) = requests.pop_front() {
            match request {
                Request::Txn { txn, reply } => {
                    let outcome = (|| -> Result<Result<TxnResponse, KvError>, KvError> {
                        Ok(match self.check_txn(&tables, &txn) {
                            Err(refused) => Err(refused),
                            Ok(succeeded) => {
                                Ok(self.apply_txn(&mut tables, &txn, succeeded, state)?)
                            }
                        })
                    })();
                    match outcome {
                        Ok(result) => state.done.push(Done::Txn(reply, result)),
                        Err(err) => {
                            state.done.push(Done::Txn(reply, Err(batch_failed(&err))));
                            return Err(err);
                        }
                    }
                }
                Request::Compact { revision, reply } => {
                    let result = self.compact(revision, state);
                    state.done.push(Done::Unit(reply, result));
                }
                Request::LeaseGrant { ttl, reply } => {
                    let outcome = (|| -> Result<Result<LeaseGrant, KvError>, KvError> {
                        Ok(match granted_ttl(ttl) {
                            Err(refused) => Err(refused),
                            Ok(ttl) => {
                                let id = self.deadlines.next_id(|id| {
                                    Ok(tables.leases.get(id).map_err(db_err)?.is_some())
                                })?;
                                tables.leases.insert(id, ttl).map_err(db_err)?;
                                state.wal.grant(id, ttl);
                                state.dirty = true;
                                state.lease_changes.push(LeaseChange::Renew(id, ttl));
                                Ok(LeaseGrant { id, ttl })
                            }
                        })
                    })();
                    match outcome {
                        Ok(result) => state.done.push(Done::Grant(reply, result)),
                        Err(err) => {
                            state.done.push(Done::Grant(reply, Err(batch_failed(&err))));
                            return Err(err);
                        }
                    }
                }
                Request::LeaseKeepAlive { id, reply } => {
                    let result = match tables.leases.get(id).map_err(db_err) {
                        Err(err) => {
                            state.done.push(Done::Ttl(reply, Err(batch_failed(&err))));
                            return Err(err);
                        }
                        Ok(None) => Err(KvError::LeaseNotFound(id)),
                        Ok(Some(ttl)) => {
                            let ttl = ttl.value();
                            state.lease_changes.push(LeaseChange::Renew(id, ttl));
                            Ok(ttl)
                        }
                    };
                    state.done.push(Done::Ttl(reply, result));
                }
                Request::LeaseRevoke { id, reply } => {
                    let result = match self.revoke(&mut tables, id, state) {
                        Err(err) => {
                            state.done.push(Done::Unit(reply, Err(batch_failed(&err))));
                            return Err(err);
                        }
                        Ok(true) => {
                            state.lease_changes.push(LeaseChange::Remove(id));
                            Ok(())
                        }
                        Ok(false) => Err(KvError::LeaseNotFound(id)),
                    };
                    state.done.push(Done::Unit(reply, result));
                }
                // Taken out by the loop.
                Request::Close { reply } => self.closers.push(reply),
            }
        }
        if state.new_revision {
            tables
                .meta
                .insert(META_REVISION, self.revision)
                .map_err(db_err)?;
        }
        if let Some(compacted) = state.new_compacted {
            tables
                .meta
                .insert(META_COMPACTED, compacted)
                .map_err(db_err)?;
        }
        if state.dirty {
            // Atomically with the batch: after a crash, redb's surviving commit names the last
            // WAL record it holds, and replay starts after it.
            tables
                .meta
                .insert(META_WAL_SEQ, seq_value(seq)?)
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// Evaluates a transaction's compares and checks the branch it takes; an error refuses it
    /// before it writes anything. Returns whether the compares held.
    fn check_txn(&self, tables: &WriteTables<'_>, txn: &Txn) -> Result<bool, KvError> {
        let succeeded = compares_hold(&tables.view(), txn)?;
        let ops = if succeeded {
            &txn.success
        } else {
            &txn.failure
        };
        for op in ops {
            match op {
                TxnOp::Put { lease, .. }
                    if *lease != 0 && tables.leases.get(*lease).map_err(db_err)?.is_none() =>
                {
                    return Err(KvError::LeaseNotFound(*lease));
                }
                TxnOp::Range(request) => {
                    effective_revision(request.revision, self.revision, self.compacted)?;
                }
                _ => {}
            }
        }
        Ok(succeeded)
    }

    /// Runs a checked transaction's branch; an error is a storage failure.
    fn apply_txn(
        &mut self,
        tables: &mut WriteTables<'_>,
        txn: &Txn,
        succeeded: bool,
        state: &mut BatchState,
    ) -> Result<TxnResponse, KvError> {
        let ops = if succeeded {
            &txn.success
        } else {
            &txn.failure
        };
        let revision = self.revision + 1;
        let mut sub = 0u32;
        let mut responses = Vec::with_capacity(ops.len());
        for op in ops {
            match op {
                TxnOp::Put {
                    key,
                    value,
                    lease,
                    prev_kv,
                } => {
                    let prev = put(tables, revision, &mut sub, key, value, *lease, state)?;
                    responses.push(TxnOpResponse::Put {
                        prev_kv: if *prev_kv { prev } else { None },
                    });
                }
                TxnOp::Delete { range, prev_kv } => {
                    let deleted = delete_range(tables, revision, &mut sub, range, state)?;
                    responses.push(TxnOpResponse::Delete {
                        deleted: i64::try_from(deleted.len()).unwrap_or(i64::MAX),
                        prev_kvs: if *prev_kv { deleted } else { Vec::new() },
                    });
                }
                TxnOp::Range(request) => {
                    responses.push(TxnOpResponse::Range(
                        self.txn_range(tables, request, revision, sub)?,
                    ));
                }
            }
        }
        if sub > 0 {
            self.advance(revision, state);
        }
        Ok(TxnResponse {
            succeeded,
            revision: self.revision,
            responses,
        })
    }

    /// A read inside a transaction: the latest state includes the transaction's own earlier
    /// writes, and its revision is the transaction's once it has written (as etcd's).
    fn txn_range(
        &self,
        tables: &WriteTables<'_>,
        request: &RangeRequest,
        revision: Revision,
        sub: u32,
    ) -> Result<RangeResponse, KvError> {
        let view = tables.view();
        let header = if sub > 0 { revision } else { self.revision };
        let latest = request.revision <= 0 || (sub == 0 && request.revision >= self.revision);
        let found = if latest {
            view.range_latest(request)?
        } else {
            view.range_at(request, request.revision)?
        };
        Ok(RangeResponse {
            revision: header,
            kvs: found.kvs,
            more: found.more,
            count: found.count,
        })
    }

    fn advance(&mut self, revision: Revision, state: &mut BatchState) {
        self.revision = revision;
        state.dirty = true;
        state.new_revision = true;
        state.first_revision.get_or_insert(revision);
    }

    /// Revokes a lease: deletes its keys in one revision (none if it has no keys) and the lease.
    /// Returns false when the lease does not exist.
    fn revoke(
        &mut self,
        tables: &mut WriteTables<'_>,
        id: LeaseId,
        state: &mut BatchState,
    ) -> Result<bool, KvError> {
        if tables.leases.remove(id).map_err(db_err)?.is_none() {
            return Ok(false);
        }
        state.dirty = true;
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let empty: &[u8] = &[];
        let upper = match id.checked_add(1) {
            Some(next) => Bound::Excluded((next, empty)),
            None => Bound::Unbounded,
        };
        for entry in tables
            .lease_keys
            .range::<(i64, &[u8])>((Bound::Included((id, empty)), upper))
            .map_err(db_err)?
        {
            keys.push(entry.map_err(db_err)?.0.value().1.to_vec());
        }
        let revision = self.revision + 1;
        let mut sub = 0u32;
        for key in &keys {
            let current = tables.view().get(key)?;
            match current {
                Some(kv) if kv.lease == id => {
                    delete_key(tables, revision, &mut sub, &kv, state)?;
                }
                // A stale attachment (cannot happen while lease_keys follows current).
                _ => {
                    tables
                        .lease_keys
                        .remove((id, key.as_slice()))
                        .map_err(db_err)?;
                }
            }
        }
        // After the deletes, which the log carries as their own changes.
        state.wal.revoke(id);
        if sub > 0 {
            self.advance(revision, state);
        }
        Ok(true)
    }

    /// Records a compacted revision (the history deletion runs later, in steps).
    fn compact(&mut self, revision: Revision, state: &mut BatchState) -> Result<(), KvError> {
        if revision <= self.compacted {
            return Err(KvError::Compacted {
                requested: revision,
                compacted: self.compacted,
            });
        }
        if revision > self.revision {
            return Err(KvError::FutureRevision {
                requested: revision,
                current: self.revision,
            });
        }
        self.compacted = revision;
        state.new_compacted = Some(revision);
        state.dirty = true;
        Ok(())
    }

    /// Checkpoints when the oldest commit redb does not hold durably is `checkpoint_interval`
    /// old, or the WAL file has grown past `wal_checkpoint_bytes`.
    fn maybe_checkpoint(&mut self) {
        let Some(since) = self.pending_since else {
            return;
        };
        let options = &self.shared.options;
        if since.elapsed() >= options.checkpoint_interval
            || self.wal.len() >= options.wal_checkpoint_bytes
        {
            self.checkpoint();
        }
    }

    /// Makes every commit so far durable in redb (an empty commit with `Durability::Immediate`
    /// persists the non-durable ones before it, with their `meta.wal_seq`), then starts the next
    /// WAL generation (in the file before last, recycled: every record in it is in redb now).
    fn checkpoint(&mut self) {
        let result = self.db.begin_write().map_err(db_err).and_then(|mut txn| {
            txn.set_durability(Durability::Immediate).map_err(db_err)?;
            txn.commit().map_err(db_err)
        });
        if let Err(err) = result {
            // The WAL still holds everything; the next checkpoint tries again one interval
            // later (not at once, in a loop of failures).
            tracing::error!(error = %err, "embedded store: checkpoint failed");
            self.pending_since = Some(Instant::now());
            return;
        }
        self.pending_since = None;
        self.shared.stats.record_checkpoint();
        if let Err(err) = self.wal.rotate() {
            // Harmless for durability: the old file stays, and replay skips what redb holds.
            tracing::warn!(error = %err, "embedded store: WAL rotation failed");
        }
    }

    /// Runs one step of the pending compaction in its own transaction.
    fn compaction_step(&mut self) {
        let Some(job) = self.compaction.as_mut() else {
            return;
        };
        let limit = self.shared.options.compaction_batch.max(1);
        let result = self.db.begin_write().map_err(db_err).and_then(|mut txn| {
            // Not in the WAL and need not be: a crash loses at most steps the next open redoes
            // (meta.compact_done moves only with them), and the next checkpoint makes them
            // durable with everything else.
            txn.set_durability(Durability::None).map_err(db_err)?;
            let step = {
                let mut tables = WriteTables::open(&txn)?;
                job.step(&mut tables, limit)?
            };
            txn.commit().map_err(db_err)?;
            Ok(step)
        });
        match result {
            Ok(step) => {
                self.pending_since.get_or_insert_with(Instant::now);
                self.shared
                    .stats
                    .record_compaction_commit(step.deleted, step.done.then_some(job.target));
                if step.done {
                    tracing::debug!(revision = job.target, "compaction finished");
                    self.compaction = None;
                }
            }
            Err(err) => {
                // The next open resumes it (meta.compact_done is behind meta.compacted).
                tracing::error!(error = %err, "embedded store: compaction step failed; compaction suspended");
                self.compaction = None;
            }
        }
    }
}

/// Writes one key; returns its previous state.
#[allow(clippy::too_many_arguments)]
fn put(
    tables: &mut WriteTables<'_>,
    revision: Revision,
    sub: &mut u32,
    key: &Bytes,
    value: &Bytes,
    lease: LeaseId,
    state: &mut BatchState,
) -> Result<Option<KeyValue>, KvError> {
    let prev = tables.view().get(key)?;
    let (create_revision, version) = prev.as_ref().map_or((revision, 1), |prev| {
        (prev.create_revision, prev.version + 1)
    });
    let record = CurrentRecord {
        create_revision,
        mod_revision: revision,
        version,
        lease,
        value: value.clone(),
    };
    tables
        .current
        .insert(key.as_ref(), record.encode().as_slice())
        .map_err(db_err)?;
    state
        .wal
        .put(revision, *sub, key, value, lease, create_revision, version);
    let change = LogRecord {
        kind: EventKind::Put,
        create_revision,
        version,
        lease,
        key: key.clone(),
        value: value.clone(),
    };
    record_change(tables, revision, sub, &change)?;
    if let Some(prev) = &prev
        && prev.lease != 0
        && prev.lease != lease
    {
        tables
            .lease_keys
            .remove((prev.lease, key.as_ref()))
            .map_err(db_err)?;
    }
    if lease != 0 {
        tables
            .lease_keys
            .insert((lease, key.as_ref()), ())
            .map_err(db_err)?;
    }
    state.events.push(Event {
        kind: EventKind::Put,
        kv: record.into_kv(key.clone()),
        prev_kv: prev.clone(),
    });
    Ok(prev)
}

/// Deletes every live key in `range`; returns their last states.
fn delete_range(
    tables: &mut WriteTables<'_>,
    revision: Revision,
    sub: &mut u32,
    range: &KeyRange,
    state: &mut BatchState,
) -> Result<Vec<KeyValue>, KvError> {
    let doomed = tables
        .view()
        .range_latest(&RangeRequest::new(range.clone()))?
        .kvs;
    for kv in &doomed {
        delete_key(tables, revision, sub, kv, state)?;
    }
    Ok(doomed)
}

fn delete_key(
    tables: &mut WriteTables<'_>,
    revision: Revision,
    sub: &mut u32,
    kv: &KeyValue,
    state: &mut BatchState,
) -> Result<(), KvError> {
    tables.current.remove(kv.key.as_ref()).map_err(db_err)?;
    state.wal.delete(revision, *sub, &kv.key);
    record_change(tables, revision, sub, &LogRecord::delete(kv.key.clone()))?;
    if kv.lease != 0 {
        tables
            .lease_keys
            .remove((kv.lease, kv.key.as_ref()))
            .map_err(db_err)?;
    }
    state.events.push(Event {
        kind: EventKind::Delete,
        kv: KeyValue {
            key: kv.key.clone(),
            value: Bytes::new(),
            create_revision: 0,
            mod_revision: revision,
            version: 0,
            lease: 0,
        },
        prev_kv: Some(kv.clone()),
    });
    Ok(())
}

/// Appends a change to `log` and `key_index`.
fn record_change(
    tables: &mut WriteTables<'_>,
    revision: Revision,
    sub: &mut u32,
    change: &LogRecord,
) -> Result<(), KvError> {
    let position = (rev_key(revision), *sub);
    tables
        .log
        .insert(position, change.encode().as_slice())
        .map_err(db_err)?;
    tables
        .index
        .insert((change.key.as_ref(), position.0, position.1), ())
        .map_err(db_err)?;
    *sub += 1;
    Ok(())
}

/// A WAL sequence number as stored in `meta` (an i64 table).
fn seq_value(seq: u64) -> Result<i64, KvError> {
    i64::try_from(seq).map_err(|_| {
        KvError::backend(WalError::Mismatch {
            seq,
            what: "sequence number out of range".into(),
        })
    })
}

/// Redoes one WAL record on the database state it was written against (redb's `meta.wal_seq`
/// is the record before it): the same changes through the same code as the writer, so `current`,
/// `log`, `key_index`, `leases`, `lease_keys` and `meta` end exactly as the writer left them.
pub(crate) fn replay(tables: &mut WriteTables<'_>, record: &WalRecord) -> Result<(), KvError> {
    let mismatch = |what: String| {
        KvError::backend(WalError::Mismatch {
            seq: record.seq,
            what,
        })
    };
    // Events and the record rebuilt here are thrown away; only the tables matter.
    let mut state = BatchState::default();
    for op in &record.ops {
        match op {
            WalOp::Put {
                revision,
                sub,
                key,
                value,
                lease,
                create_revision,
                version,
            } => {
                let mut at = *sub;
                put(tables, *revision, &mut at, key, value, *lease, &mut state)?;
                let written = state.events.pop().map(|event| event.kv);
                let produced = written.as_ref().map(|kv| (kv.create_revision, kv.version));
                if produced != Some((*create_revision, *version)) {
                    return Err(mismatch(format!(
                        "put of {key:?} at {revision} made {produced:?}, the log says ({create_revision}, {version})"
                    )));
                }
            }
            WalOp::Delete { revision, sub, key } => {
                let Some(kv) = tables.view().get(key)? else {
                    return Err(mismatch(format!(
                        "delete of {key:?} at {revision}: no such key"
                    )));
                };
                let mut at = *sub;
                delete_key(tables, *revision, &mut at, &kv, &mut state)?;
                state.events.clear();
            }
            WalOp::Grant { id, ttl } => {
                tables.leases.insert(*id, *ttl).map_err(db_err)?;
            }
            WalOp::Revoke { id } => {
                tables.leases.remove(*id).map_err(db_err)?;
                // What the writer's revoke removed besides the keys it deleted (stale
                // attachments; none while lease_keys follows current).
                let empty: &[u8] = &[];
                let upper = match id.checked_add(1) {
                    Some(next) => Bound::Excluded((next, empty)),
                    None => Bound::Unbounded,
                };
                let mut stale: Vec<Vec<u8>> = Vec::new();
                for entry in tables
                    .lease_keys
                    .range::<(i64, &[u8])>((Bound::Included((*id, empty)), upper))
                    .map_err(db_err)?
                {
                    stale.push(entry.map_err(db_err)?.0.value().1.to_vec());
                }
                for key in stale {
                    tables
                        .lease_keys
                        .remove((*id, key.as_slice()))
                        .map_err(db_err)?;
                }
            }
        }
    }
    tables
        .meta
        .insert(META_REVISION, record.revision)
        .map_err(db_err)?;
    if let Some(compacted) = record.compacted {
        tables
            .meta
            .insert(META_COMPACTED, compacted)
            .map_err(db_err)?;
    }
    tables
        .meta
        .insert(META_WAL_SEQ, seq_value(record.seq)?)
        .map_err(db_err)?;
    Ok(())
}

/// Closes the hub when the writer thread ends, however it ends.
struct CloseHubOnExit(Arc<Shared>);

impl Drop for CloseHubOnExit {
    fn drop(&mut self) {
        self.0.hub.close();
    }
}

/// What an open found in the database.
pub(crate) struct Recovered {
    pub(crate) revision: Revision,
    pub(crate) compacted: Revision,
    pub(crate) compact_done: Revision,
    pub(crate) leases: Vec<(LeaseId, i64)>,
}
