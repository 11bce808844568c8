//! Compaction: deleting history below the compacted revision in bounded batches.
//!
//! `compact(C)` first records `C` as the compacted revision in the writer's ordinary batch (from
//! then on reads below `C` and watches from below `C` fail with `Compacted`), and replies. The
//! deletion of history follows as a [`Job`]: the writer runs one [`Job::step`] of at most
//! `compaction_batch` log entries per write transaction, after each batch of client requests
//! and whenever it is idle, so a client write never waits behind more than one short step.
//!
//! **Invariant** (once a compaction to `C` has finished): for every key, `log` and `key_index`
//! hold no change at a revision `≤ C` except the key's latest change `≤ C`, and that one only if
//! it is a put; changes above `C` are untouched. A read at any revision `r ≥ C` therefore still
//! finds, for each key, its latest change `≤ r` (either above `C`, or the kept one), and a watch
//! from `C` on still finds every change above `C` (a delete at exactly `C` is gone, as in etcd).
//! While a compaction is under way there is only more history than the invariant asks for, so
//! reads are correct throughout; `meta.compact_done` records the finished target, and an open
//! that finds it below `meta.compacted` (a crash mid-way) resumes the job.

use std::ops::Bound;

use redb::ReadableTable;

use super::db_err;
use super::tables::{LogRecord, META_COMPACT_DONE, rev_key};
use super::writer::WriteTables;
use crate::kv::{EventKind, KvError, Revision};

/// A compaction whose history deletion is not finished.
#[derive(Debug)]
pub(crate) struct Job {
    /// The compacted revision.
    pub(crate) target: Revision,
    /// The next log position to look at (`None`: the start of the log).
    cursor: Option<(u64, u32)>,
}

/// What one step did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Step {
    /// Log entries looked at.
    pub(crate) scanned: usize,
    /// Log entries (and their index entries) deleted.
    pub(crate) deleted: usize,
    /// Whether the job is finished.
    pub(crate) done: bool,
}

impl Job {
    /// A job deleting history below `target` from the start of the log.
    pub(crate) fn new(target: Revision) -> Self {
        Self {
            target,
            cursor: None,
        }
    }

    /// Deletes what the invariant allows among the next `limit` log entries at or below the
    /// target; records the target as done when the log has no more of them.
    pub(crate) fn step(
        &mut self,
        tables: &mut WriteTables<'_>,
        limit: usize,
    ) -> Result<Step, KvError> {
        let target = rev_key(self.target);
        let lower = match self.cursor {
            None => Bound::Unbounded,
            Some(position) => Bound::Included(position),
        };
        let upper = Bound::Included((target, u32::MAX));
        // Decide first, then delete: a table cannot change under its own iterator.
        let mut doomed: Vec<(u64, u32, Vec<u8>)> = Vec::new();
        let mut scanned = 0usize;
        let mut next_cursor = None;
        for entry in tables
            .log
            .range::<(u64, u32)>((lower, upper))
            .map_err(db_err)?
        {
            let (position, record) = entry.map_err(db_err)?;
            let (revision, sub) = position.value();
            if scanned == limit {
                next_cursor = Some((revision, sub));
                break;
            }
            scanned += 1;
            let record = LogRecord::decode(record.value()).map_err(db_err)?;
            let superseded = tables
                .index
                .range::<(&[u8], u64, u32)>((
                    Bound::Excluded((record.key.as_ref(), revision, sub)),
                    Bound::Included((record.key.as_ref(), target, u32::MAX)),
                ))
                .map_err(db_err)?
                .next()
                .is_some();
            if superseded || record.kind == EventKind::Delete {
                doomed.push((revision, sub, record.key.to_vec()));
            }
        }
        for (revision, sub, key) in &doomed {
            tables.log.remove((*revision, *sub)).map_err(db_err)?;
            tables
                .index
                .remove((key.as_slice(), *revision, *sub))
                .map_err(db_err)?;
        }
        let done = next_cursor.is_none();
        self.cursor = next_cursor;
        if done {
            tables
                .meta
                .insert(META_COMPACT_DONE, self.target)
                .map_err(db_err)?;
        }
        Ok(Step {
            scanned,
            deleted: doomed.len(),
            done,
        })
    }
}
