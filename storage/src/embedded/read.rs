//! Reads: ranges at the latest revision (from `current`) and at past revisions (per-key seeks in
//! `key_index`), compare evaluation, and read-only transactions, over a read snapshot or the
//! writer's own write transaction alike.
//!
//! A read at the latest revision never looks at history: its cost is the number of live keys in
//! the range. A read at a past revision `r` walks the distinct keys of the range in `key_index`
//! and, for each, seeks the latest change at or below `r` (two B-tree seeks per key, whatever the
//! number of versions a key has).

use std::ops::Bound;

use bytes::Bytes;
use redb::{Database, ReadOnlyTable, ReadableDatabase, ReadableTable};

use super::db_err;
use super::tables::{
    CURRENT, CurrentRecord, KEY_INDEX, LOG, LogRecord, META, META_COMPACTED, META_REVISION,
    RecordError, key_rev, rev_key,
};
use crate::kv::{
    EventKind, KeyRange, KeyValue, KvError, RangeRequest, RangeResponse, Revision, Txn, TxnOp,
    TxnOpResponse, TxnResponse,
};

/// The key interval a [`KeyRange`] selects, in the form the tables are searched with.
pub(crate) enum Span<'a> {
    /// Nothing (an end at or before the start).
    Empty,
    /// One key.
    Single(&'a [u8]),
    /// `[start, end)`; `None` as end: to the end of the keyspace.
    Between(&'a [u8], Option<&'a [u8]>),
}

impl<'a> Span<'a> {
    /// The span of `range`, with etcd's conventions: no end (or an empty one) is one key, an
    /// end of `[0]` is "every key from start on", an end at or before start selects nothing.
    pub(crate) fn of(range: &'a KeyRange) -> Self {
        match range.end.as_deref() {
            None | Some([]) => Span::Single(&range.start),
            Some([0]) => Span::Between(&range.start, None),
            Some(end) if end <= range.start.as_ref() => Span::Empty,
            Some(end) => Span::Between(&range.start, Some(end)),
        }
    }

    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        match self {
            Span::Empty => false,
            Span::Single(one) => key == *one,
            Span::Between(start, end) => key >= *start && end.is_none_or(|end| key < end),
        }
    }
}

/// The revision a read at `requested` is served at, with etcd's checks: a revision above the
/// current one is `FutureRevision`; 0 (or less) is the current one; one below the compacted
/// revision is `Compacted` (a read at exactly the compacted revision is allowed).
pub(crate) fn effective_revision(
    requested: Revision,
    current: Revision,
    compacted: Revision,
) -> Result<Revision, KvError> {
    if requested > current {
        return Err(KvError::FutureRevision { requested, current });
    }
    let revision = if requested <= 0 { current } else { requested };
    if revision < compacted {
        return Err(KvError::Compacted {
            requested: revision,
            compacted,
        });
    }
    Ok(revision)
}

/// What a range found, before it is wrapped in a response.
pub(crate) struct Found {
    pub(crate) kvs: Vec<KeyValue>,
    pub(crate) count: i64,
    pub(crate) more: bool,
}

/// Collects a range's results under its limit and flags.
struct Collector<'r> {
    request: &'r RangeRequest,
    limit: usize,
    found: Found,
}

impl<'r> Collector<'r> {
    fn new(request: &'r RangeRequest) -> Self {
        let limit = if request.limit > 0 {
            usize::try_from(request.limit).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        Self {
            request,
            limit,
            found: Found {
                kvs: Vec::new(),
                count: 0,
                more: false,
            },
        }
    }

    /// Whether the next match's key-value is wanted (it is counted in any case).
    fn wants_kv(&self) -> bool {
        !self.request.count_only && self.found.kvs.len() < self.limit
    }

    fn with_values(&self) -> bool {
        !self.request.keys_only
    }

    fn count(&mut self) {
        self.found.count += 1;
    }

    fn push(&mut self, mut kv: KeyValue) {
        if self.request.keys_only {
            kv.value = Bytes::new();
        }
        self.found.kvs.push(kv);
    }

    fn finish(mut self) -> Found {
        self.found.more = !self.request.count_only
            && usize::try_from(self.found.count).unwrap_or(usize::MAX) > self.found.kvs.len();
        self.found
    }
}

/// The tables a read needs, from a read snapshot or from the writer's transaction.
pub(crate) struct View<'t, C, L, I> {
    pub(crate) current: &'t C,
    pub(crate) log: &'t L,
    pub(crate) index: &'t I,
}

impl<'t, C, L, I> View<'t, C, L, I>
where
    C: ReadableTable<&'static [u8], &'static [u8]>,
    L: ReadableTable<(u64, u32), &'static [u8]>,
    I: ReadableTable<(&'static [u8], u64, u32), ()>,
{
    /// A key's state at the latest revision.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<KeyValue>, KvError> {
        match self.current.get(key).map_err(db_err)? {
            None => Ok(None),
            Some(record) => {
                let record = CurrentRecord::decode(record.value(), true).map_err(db_err)?;
                Ok(Some(record.into_kv(Bytes::copy_from_slice(key))))
            }
        }
    }

    /// A range at the latest revision, from `current`.
    pub(crate) fn range_latest(&self, request: &RangeRequest) -> Result<Found, KvError> {
        let mut out = Collector::new(request);
        match Span::of(&request.range) {
            Span::Empty => {}
            Span::Single(key) => {
                if let Some(record) = self.current.get(key).map_err(db_err)? {
                    out.count();
                    if out.wants_kv() {
                        let record = CurrentRecord::decode(record.value(), out.with_values())
                            .map_err(db_err)?;
                        out.push(record.into_kv(Bytes::copy_from_slice(key)));
                    }
                }
            }
            Span::Between(start, end) => {
                let upper = end.map_or(Bound::Unbounded, Bound::Excluded);
                let entries = self
                    .current
                    .range::<&[u8]>((Bound::Included(start), upper))
                    .map_err(db_err)?;
                for entry in entries {
                    let (key, record) = entry.map_err(db_err)?;
                    out.count();
                    if out.wants_kv() {
                        let record = CurrentRecord::decode(record.value(), out.with_values())
                            .map_err(db_err)?;
                        out.push(record.into_kv(Bytes::copy_from_slice(key.value())));
                    }
                }
            }
        }
        Ok(out.finish())
    }

    /// A range at past revision `revision` (already checked against the compacted revision).
    pub(crate) fn range_at(
        &self,
        request: &RangeRequest,
        revision: Revision,
    ) -> Result<Found, KvError> {
        let mut out = Collector::new(request);
        let span = Span::of(&request.range);
        let collect = |out: &mut Collector<'_>, key: &[u8]| -> Result<(), KvError> {
            if let Some(kv) = self.at_revision(key, revision)? {
                out.count();
                if out.wants_kv() {
                    out.push(kv);
                }
            }
            Ok(())
        };
        match span {
            Span::Empty => {}
            Span::Single(key) => collect(&mut out, key)?,
            Span::Between(start, _) => {
                // Walk the distinct keys of the span: seek the first index entry at or after
                // the cursor, handle its key, then jump past all of that key's entries.
                let mut cursor: Vec<u8> = start.to_vec();
                let mut inclusive = true;
                loop {
                    let lower = if inclusive {
                        Bound::Included((cursor.as_slice(), 0u64, 0u32))
                    } else {
                        Bound::Excluded((cursor.as_slice(), u64::MAX, u32::MAX))
                    };
                    let next = self
                        .index
                        .range::<(&[u8], u64, u32)>((lower, Bound::Unbounded))
                        .map_err(db_err)?
                        .next();
                    let key = match next {
                        None => break,
                        Some(entry) => entry.map_err(db_err)?.0.value().0.to_vec(),
                    };
                    if !span.contains(&key) {
                        break;
                    }
                    collect(&mut out, &key)?;
                    cursor = key;
                    inclusive = false;
                }
            }
        }
        Ok(out.finish())
    }

    /// A key's state at `revision`: its latest change at or below it, if that is a put.
    pub(crate) fn at_revision(
        &self,
        key: &[u8],
        revision: Revision,
    ) -> Result<Option<KeyValue>, KvError> {
        self.latest_before(key, (rev_key(revision), u32::MAX), true)
    }

    /// A key's state just before change `(revision, sub)`: the previous value of that change.
    pub(crate) fn before_change(
        &self,
        key: &[u8],
        revision: u64,
        sub: u32,
    ) -> Result<Option<KeyValue>, KvError> {
        self.latest_before(key, (revision, sub), false)
    }

    fn latest_before(
        &self,
        key: &[u8],
        (revision, sub): (u64, u32),
        inclusive: bool,
    ) -> Result<Option<KeyValue>, KvError> {
        let upper = if inclusive {
            Bound::Included((key, revision, sub))
        } else {
            Bound::Excluded((key, revision, sub))
        };
        let latest = self
            .index
            .range::<(&[u8], u64, u32)>((Bound::Included((key, 0u64, 0u32)), upper))
            .map_err(db_err)?
            .next_back();
        let Some(entry) = latest else {
            return Ok(None);
        };
        let (_, found_rev, found_sub) = entry.map_err(db_err)?.0.value();
        let Some(record) = self.log.get((found_rev, found_sub)).map_err(db_err)? else {
            return Err(db_err(RecordError::MissingLog {
                revision: found_rev,
                sub: found_sub,
            }));
        };
        let record = LogRecord::decode(record.value()).map_err(db_err)?;
        Ok(match record.kind {
            EventKind::Put => Some(record.to_kv(key_rev(found_rev))),
            EventKind::Delete => None,
        })
    }

    /// A range request inside a transaction or on its own: at the latest state of this view, or
    /// at a past revision.
    pub(crate) fn range(
        &self,
        request: &RangeRequest,
        current: Revision,
        compacted: Revision,
    ) -> Result<Found, KvError> {
        let revision = effective_revision(request.revision, current, compacted)?;
        if revision >= current {
            self.range_latest(request)
        } else {
            self.range_at(request, revision)
        }
    }
}

/// A [`View`] over a read snapshot's tables.
type SnapshotView<'a> = View<
    'a,
    ReadOnlyTable<&'static [u8], &'static [u8]>,
    ReadOnlyTable<(u64, u32), &'static [u8]>,
    ReadOnlyTable<(&'static [u8], u64, u32), ()>,
>;

/// A read transaction and the tables and counters it sees.
pub(crate) struct Snapshot {
    pub(crate) current: ReadOnlyTable<&'static [u8], &'static [u8]>,
    pub(crate) log: ReadOnlyTable<(u64, u32), &'static [u8]>,
    pub(crate) index: ReadOnlyTable<(&'static [u8], u64, u32), ()>,
    /// The revision of this snapshot.
    pub(crate) revision: Revision,
    /// The compacted revision as of this snapshot.
    pub(crate) compacted: Revision,
}

impl Snapshot {
    /// Opens a read snapshot.
    pub(crate) fn open(db: &Database) -> Result<Self, KvError> {
        let txn = db.begin_read().map_err(db_err)?;
        let meta = txn.open_table(META).map_err(db_err)?;
        let get = |name: &str| -> Result<i64, KvError> {
            Ok(meta.get(name).map_err(db_err)?.map_or(0, |v| v.value()))
        };
        Ok(Self {
            revision: get(META_REVISION)?,
            compacted: get(META_COMPACTED)?,
            current: txn.open_table(CURRENT).map_err(db_err)?,
            log: txn.open_table(LOG).map_err(db_err)?,
            index: txn.open_table(KEY_INDEX).map_err(db_err)?,
        })
    }

    fn view(&self) -> SnapshotView<'_> {
        View {
            current: &self.current,
            log: &self.log,
            index: &self.index,
        }
    }

    /// A range read (its response carries this snapshot's revision, as etcd's header does).
    pub(crate) fn range(&self, request: &RangeRequest) -> Result<RangeResponse, KvError> {
        let found = self.view().range(request, self.revision, self.compacted)?;
        Ok(RangeResponse {
            revision: self.revision,
            kvs: found.kvs,
            more: found.more,
            count: found.count,
        })
    }

    /// A transaction none of whose operations writes.
    pub(crate) fn read_only_txn(&self, txn: &Txn) -> Result<TxnResponse, KvError> {
        let view = self.view();
        let succeeded = compares_hold(&view, txn)?;
        let ops = if succeeded {
            &txn.success
        } else {
            &txn.failure
        };
        // etcd checks every read's revision before running any of them.
        for op in ops {
            if let TxnOp::Range(request) = op {
                effective_revision(request.revision, self.revision, self.compacted)?;
            }
        }
        let mut responses = Vec::with_capacity(ops.len());
        for op in ops {
            if let TxnOp::Range(request) = op {
                responses.push(TxnOpResponse::Range(self.range(request)?));
            }
        }
        Ok(TxnResponse {
            succeeded,
            revision: self.revision,
            responses,
        })
    }
}

/// Whether every compare of `txn` holds against the view's latest state.
pub(crate) fn compares_hold<C, L, I>(view: &View<'_, C, L, I>, txn: &Txn) -> Result<bool, KvError>
where
    C: ReadableTable<&'static [u8], &'static [u8]>,
    L: ReadableTable<(u64, u32), &'static [u8]>,
    I: ReadableTable<(&'static [u8], u64, u32), ()>,
{
    for compare in &txn.compares {
        let kv = view.get(&compare.key)?;
        if !compare.evaluate(kv.as_ref()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether a transaction can write (a put or delete in either branch).
pub(crate) fn may_write(txn: &Txn) -> bool {
    txn.success
        .iter()
        .chain(&txn.failure)
        .any(|op| !matches!(op, TxnOp::Range(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_etcd() {
        let single = KeyRange::key("a");
        assert!(matches!(Span::of(&single), Span::Single(b"a")));
        let from = KeyRange::between("a", vec![0u8]);
        assert!(matches!(Span::of(&from), Span::Between(b"a", None)));
        let inverted = KeyRange::between("b", "a");
        assert!(matches!(Span::of(&inverted), Span::Empty));
        let same = KeyRange::between("a", "a");
        assert!(matches!(Span::of(&same), Span::Empty));
        let prefix = KeyRange::prefix("a/");
        let span = Span::of(&prefix);
        assert!(span.contains(b"a/x") && !span.contains(b"a0") && !span.contains(b"a"));
    }

    #[test]
    fn revision_checks_match_etcd() {
        assert_eq!(effective_revision(0, 10, 4).ok(), Some(10));
        assert_eq!(effective_revision(-3, 10, 4).ok(), Some(10));
        assert_eq!(effective_revision(4, 10, 4).ok(), Some(4));
        assert!(matches!(
            effective_revision(3, 10, 4),
            Err(KvError::Compacted {
                requested: 3,
                compacted: 4
            })
        ));
        assert!(matches!(
            effective_revision(11, 10, 4),
            Err(KvError::FutureRevision {
                requested: 11,
                current: 10
            })
        ));
    }
}
