//! The database layout: table definitions and the byte encoding of their records.
//!
//! | table | key | value |
//! |---|---|---|
//! | `current` | key | [`CurrentRecord`]: create_revision, mod_revision, version, lease, value |
//! | `log` | (revision, sub-index) | [`LogRecord`]: kind, create_revision, version, lease, key, value |
//! | `key_index` | (key, revision, sub-index) | () |
//! | `leases` | lease id | TTL in seconds |
//! | `lease_keys` | (lease id, key) | () |
//! | `meta` | name | i64 ([`META_REVISION`], [`META_COMPACTED`], [`META_COMPACT_DONE`], [`META_WAL_SEQ`]) |
//!
//! `current` holds exactly the live keys at the current revision, so a read at the latest revision
//! never touches history. `log` holds every change in revision order (a revision's changes are its
//! sub-indexes 0, 1, …, in the order its transaction made them) and is what watchers catch up
//! from; `key_index` orders the same changes by key so a read at a past revision seeks, per key, the
//! latest change at or below it. Integers in records are big-endian; the tuple keys use redb's own
//! ordered encodings.

use bytes::Bytes;
use redb::TableDefinition;

use crate::kv::{EventKind, KeyValue, LeaseId, Revision};

/// Live keys: key → [`CurrentRecord`].
pub(crate) const CURRENT: TableDefinition<&[u8], &[u8]> = TableDefinition::new("current");
/// Every change: (revision, sub-index) → [`LogRecord`].
pub(crate) const LOG: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("log");
/// The same changes by key: (key, revision, sub-index) → ().
pub(crate) const KEY_INDEX: TableDefinition<(&[u8], u64, u32), ()> =
    TableDefinition::new("key_index");
/// Granted leases: id → TTL in seconds.
pub(crate) const LEASES: TableDefinition<i64, i64> = TableDefinition::new("leases");
/// Keys attached to a lease: (lease id, key) → ().
pub(crate) const LEASE_KEYS: TableDefinition<(i64, &[u8]), ()> = TableDefinition::new("lease_keys");
/// Store-wide counters.
pub(crate) const META: TableDefinition<&str, i64> = TableDefinition::new("meta");

/// `meta` key: the current revision.
pub(crate) const META_REVISION: &str = "revision";
/// `meta` key: the compacted revision (reads and watches below it fail).
pub(crate) const META_COMPACTED: &str = "compacted";
/// `meta` key: the compacted revision whose history deletion has finished (≤ [`META_COMPACTED`];
/// smaller after a crash in the middle of a compaction, which the next open resumes).
pub(crate) const META_COMPACT_DONE: &str = "compact_done";

/// `meta` key: the sequence number of the last write-ahead log record this database holds
/// (written in the same transaction as that record's batch; replay starts after it).
pub(crate) const META_WAL_SEQ: &str = "wal_seq";

/// A stored record that does not decode: the file was not written by this code, or is damaged.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RecordError {
    /// The record is shorter than its fixed part or than the lengths it declares.
    #[error("{table} record truncated: {len} bytes")]
    Truncated {
        /// Which table.
        table: &'static str,
        /// Its length.
        len: usize,
    },
    /// A log record's kind byte is neither put nor delete.
    #[error("log record of unknown kind {0}")]
    UnknownKind(u8),
    /// An index entry points at a log entry that is not there.
    #[error("key index entry ({revision}, {sub}) has no log record")]
    MissingLog {
        /// Revision of the entry.
        revision: u64,
        /// Its sub-index.
        sub: u32,
    },
}

/// A revision as a table key (revisions are never negative).
pub(crate) fn rev_key(revision: Revision) -> u64 {
    u64::try_from(revision).unwrap_or(0)
}

/// A table key back to a revision.
pub(crate) fn key_rev(revision: u64) -> Revision {
    Revision::try_from(revision).unwrap_or(Revision::MAX)
}

fn read_i64(bytes: &[u8], at: usize) -> i64 {
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&bytes[at..at + 8]);
    i64::from_be_bytes(buf)
}

/// One live key's state, as stored in `current`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CurrentRecord {
    /// Revision that created the key.
    pub(crate) create_revision: Revision,
    /// Revision of its last change.
    pub(crate) mod_revision: Revision,
    /// Puts since creation.
    pub(crate) version: i64,
    /// Attached lease, 0 for none.
    pub(crate) lease: LeaseId,
    /// The value.
    pub(crate) value: Bytes,
}

const CURRENT_HEADER: usize = 32;

impl CurrentRecord {
    /// The stored bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(CURRENT_HEADER + self.value.len());
        for field in [
            self.create_revision,
            self.mod_revision,
            self.version,
            self.lease,
        ] {
            out.extend_from_slice(&field.to_be_bytes());
        }
        out.extend_from_slice(&self.value);
        out
    }

    /// Parses stored bytes; with `with_value` false the value is left empty.
    pub(crate) fn decode(bytes: &[u8], with_value: bool) -> Result<Self, RecordError> {
        if bytes.len() < CURRENT_HEADER {
            return Err(RecordError::Truncated {
                table: "current",
                len: bytes.len(),
            });
        }
        Ok(Self {
            create_revision: read_i64(bytes, 0),
            mod_revision: read_i64(bytes, 8),
            version: read_i64(bytes, 16),
            lease: read_i64(bytes, 24),
            value: if with_value {
                Bytes::copy_from_slice(&bytes[CURRENT_HEADER..])
            } else {
                Bytes::new()
            },
        })
    }

    /// The key-value this record describes.
    pub(crate) fn into_kv(self, key: Bytes) -> KeyValue {
        KeyValue {
            key,
            value: self.value,
            create_revision: self.create_revision,
            mod_revision: self.mod_revision,
            version: self.version,
            lease: self.lease,
        }
    }
}

/// One change, as stored in `log` (its revision is the log key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogRecord {
    /// Put or delete.
    pub(crate) kind: EventKind,
    /// The key's create revision after a put (0 for a delete).
    pub(crate) create_revision: Revision,
    /// The key's version after a put (0 for a delete).
    pub(crate) version: i64,
    /// The key's lease after a put (0 for a delete).
    pub(crate) lease: LeaseId,
    /// The key.
    pub(crate) key: Bytes,
    /// The value after a put (empty for a delete).
    pub(crate) value: Bytes,
}

const LOG_HEADER: usize = 1 + 8 + 8 + 8 + 4;
const KIND_PUT: u8 = 1;
const KIND_DELETE: u8 = 2;

impl LogRecord {
    /// A delete of `key`.
    pub(crate) fn delete(key: Bytes) -> Self {
        Self {
            kind: EventKind::Delete,
            create_revision: 0,
            version: 0,
            lease: 0,
            key,
            value: Bytes::new(),
        }
    }

    /// The stored bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LOG_HEADER + self.key.len() + self.value.len());
        out.push(match self.kind {
            EventKind::Put => KIND_PUT,
            EventKind::Delete => KIND_DELETE,
        });
        for field in [self.create_revision, self.version, self.lease] {
            out.extend_from_slice(&field.to_be_bytes());
        }
        // Keys are bounded by the request size limit, far below u32::MAX.
        let key_len = u32::try_from(self.key.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&key_len.to_be_bytes());
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.value);
        out
    }

    /// Parses stored bytes.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        let truncated = || RecordError::Truncated {
            table: "log",
            len: bytes.len(),
        };
        if bytes.len() < LOG_HEADER {
            return Err(truncated());
        }
        let kind = match bytes[0] {
            KIND_PUT => EventKind::Put,
            KIND_DELETE => EventKind::Delete,
            other => return Err(RecordError::UnknownKind(other)),
        };
        let mut len = [0u8; 4];
        len.copy_from_slice(&bytes[25..29]);
        let key_len = usize::try_from(u32::from_be_bytes(len)).map_err(|_| truncated())?;
        let key_end = LOG_HEADER.checked_add(key_len).ok_or_else(truncated)?;
        if bytes.len() < key_end {
            return Err(truncated());
        }
        Ok(Self {
            kind,
            create_revision: read_i64(bytes, 1),
            version: read_i64(bytes, 9),
            lease: read_i64(bytes, 17),
            key: Bytes::copy_from_slice(&bytes[LOG_HEADER..key_end]),
            value: Bytes::copy_from_slice(&bytes[key_end..]),
        })
    }

    /// The key-value of this change at `revision`: the key's state after a put, or a delete
    /// event's key (only the key and the delete's revision).
    pub(crate) fn to_kv(&self, revision: Revision) -> KeyValue {
        KeyValue {
            key: self.key.clone(),
            value: self.value.clone(),
            create_revision: self.create_revision,
            mod_revision: revision,
            version: self.version,
            lease: self.lease,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_record_round_trips() {
        let record = CurrentRecord {
            create_revision: 3,
            mod_revision: i64::MAX,
            version: 7,
            lease: 0x7fff_0000_0000_0001,
            value: Bytes::from_static(b"{\"kind\":\"Pod\"}"),
        };
        let bytes = record.encode();
        assert_eq!(bytes.len(), 32 + 14);
        assert_eq!(&bytes[..8], &3i64.to_be_bytes());
        assert_eq!(
            CurrentRecord::decode(&bytes, true).ok(),
            Some(record.clone())
        );
        let keys_only = CurrentRecord::decode(&bytes, false).ok();
        assert_eq!(keys_only.map(|r| r.value.len()), Some(0));
    }

    #[test]
    fn current_record_with_empty_value() {
        let record = CurrentRecord {
            create_revision: 1,
            mod_revision: 1,
            version: 1,
            lease: 0,
            value: Bytes::new(),
        };
        assert_eq!(
            CurrentRecord::decode(&record.encode(), true).ok(),
            Some(record)
        );
    }

    #[test]
    fn short_current_record_is_an_error() {
        assert!(matches!(
            CurrentRecord::decode(&[0u8; 31], true),
            Err(RecordError::Truncated { len: 31, .. })
        ));
    }

    #[test]
    fn log_records_round_trip() {
        let put = LogRecord {
            kind: EventKind::Put,
            create_revision: 5,
            version: 2,
            lease: 42,
            key: Bytes::from_static(b"/registry/pods/default/a"),
            value: Bytes::from_static(b"v"),
        };
        assert_eq!(LogRecord::decode(&put.encode()).ok(), Some(put.clone()));
        let kv = put.to_kv(9);
        assert_eq!((kv.create_revision, kv.mod_revision, kv.version), (5, 9, 2));

        let delete = LogRecord::delete(Bytes::from_static(b"k"));
        let decoded = LogRecord::decode(&delete.encode()).ok();
        assert_eq!(decoded.as_ref(), Some(&delete));
        let kv = delete.to_kv(10);
        assert_eq!(
            (
                kv.create_revision,
                kv.mod_revision,
                kv.version,
                kv.value.len()
            ),
            (0, 10, 0, 0)
        );
    }

    #[test]
    fn log_record_keeps_key_and_value_apart() {
        // A key that looks like a value and a value that looks like a key must not run together.
        let record = LogRecord {
            kind: EventKind::Put,
            create_revision: 1,
            version: 1,
            lease: 0,
            key: Bytes::from_static(b"ab"),
            value: Bytes::from_static(b"cd"),
        };
        let decoded = LogRecord::decode(&record.encode()).ok();
        assert_eq!(
            decoded.map(|r| (r.key, r.value)),
            Some((record.key, record.value))
        );
    }

    #[test]
    fn damaged_log_records_are_errors() {
        let record = LogRecord::delete(Bytes::from_static(b"key")).encode();
        assert!(matches!(
            LogRecord::decode(&record[..record.len() - 1]),
            Err(RecordError::Truncated { .. })
        ));
        let mut bad_kind = record.clone();
        bad_kind[0] = 9;
        assert!(matches!(
            LogRecord::decode(&bad_kind),
            Err(RecordError::UnknownKind(9))
        ));
        let mut long_key = record;
        long_key[25..29].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(LogRecord::decode(&long_key).is_err());
    }

    #[test]
    fn revisions_as_keys() {
        assert_eq!(rev_key(-1), 0);
        assert_eq!(rev_key(12), 12);
        assert_eq!(key_rev(u64::MAX), i64::MAX);
        assert_eq!(key_rev(rev_key(i64::MAX)), i64::MAX);
    }
}
