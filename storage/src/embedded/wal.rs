//! The write-ahead log: what makes a batch durable before redb has it durably (etcd's design: a
//! raft WAL fsync'd per batch, bbolt committed lazily).
//!
//! Each batch the writer commits is first appended to `<dir>/state.wal.<generation>` as one
//! record and `fdatasync`ed; only then is the batch committed to redb with `Durability::None`
//! and answered. Every few moments the writer makes a durable redb commit (a checkpoint) and
//! starts a new generation file, deleting the old one. The redb transaction of a batch also
//! writes the record's sequence number to `meta.wal_seq`, atomically with the batch, so after a
//! crash redb says exactly which records it holds, whichever commit survived, and an open replays
//! the ones after it.
//!
//! A record on disk:
//!
//! ```text
//! len: u32 LE | crc32c(payload): u32 LE | payload (len bytes)
//! payload: seq u64 | revision i64 | has_compacted u8 | compacted i64 | ops u32 | op…
//! op: 1 put      revision i64, sub u32, lease i64, create_revision i64, version i64, key, value
//!     2 delete   revision i64, sub u32, key
//!     3 grant    lease i64, ttl i64
//!     4 revoke   lease i64
//! key, value: u32 length, bytes          (integers in the payload are big-endian)
//! ```
//!
//! `revision` is the store's revision after the batch. A record that is cut short or whose
//! checksum fails ends the replay: it was being written when the process died, so its batch was
//! never answered (answers follow the `fdatasync`).
//!
//! Files are recycled: a rotation renames the file before last (all its records long in redb)
//! to the new generation and overwrites it from the start, because `fdatasync` over blocks the
//! file already has does not have to write the file's metadata too (measured here: ~9 000
//! syncs/s overwriting against ~5 000/s appending). What lies beyond the last record written
//! are stale records, whose sequence numbers are all at or below redb's durable `meta.wal_seq`
//! (the file was recycled only after a checkpoint covering it), so replay skips them, or the
//! torn remains of one, whose checksum fails.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::kv::{KvError, LeaseId, Revision};

/// The file name prefix of WAL files: `state.wal.<generation>`.
pub(crate) const WAL_PREFIX: &str = "state.wal.";

/// Frame header: length and checksum.
const FRAME: usize = 8;
/// Fixed part of the payload: seq, revision, has_compacted, compacted, op count.
const HEAD: usize = 8 + 8 + 1 + 8 + 4;
/// A record longer than this is garbage (a batch is at most `max_batch` requests of at most
/// etcd's request size, far below).
const MAX_RECORD: usize = 1 << 30;

const OP_PUT: u8 = 1;
const OP_DELETE: u8 = 2;
const OP_GRANT: u8 = 3;
const OP_REVOKE: u8 = 4;

/// A WAL failure or a WAL that does not fit the database.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WalError {
    /// Reading, writing or syncing a WAL file failed.
    #[error("write-ahead log {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A record with a good checksum that does not decode (not a torn write: a bug or a file
    /// from another version).
    #[error("write-ahead log {path}: record {seq} does not decode")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Its sequence number (0 if unknown).
        seq: u64,
    },
    /// Records after the database's position are missing: acknowledged writes would be lost.
    #[error("write-ahead log: expected record {expected}, found {found} in {path}")]
    Gap {
        /// The file.
        path: PathBuf,
        /// The next record the database needs.
        expected: u64,
        /// What the log has instead.
        found: u64,
    },
    /// Replaying a record found the database in a state the record was not written against.
    #[error("write-ahead log record {seq} does not match the database: {what}")]
    Mismatch {
        /// The record.
        seq: u64,
        /// What differs.
        what: String,
    },
    /// A batch too large for one record.
    #[error("write batch of {0} bytes too large for one write-ahead log record")]
    TooLarge(usize),
    /// An earlier failure left the log in an unknown state; the store must be reopened.
    #[error("write-ahead log unusable after an earlier failure: {0}")]
    Broken(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> KvError + '_ {
    move |source| {
        KvError::backend(WalError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli), table-driven, slicing by 8: no dependency for 30 lines.

const POLY: u32 = 0x82F6_3B78;
const CRC_TABLES: [[u32; 256]; 8] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][i] = crc;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut t = 1;
        while t < 8 {
            let prev = tables[t - 1][i];
            tables[t][i] = (prev >> 8) ^ tables[0][(prev & 0xff) as usize];
            t += 1;
        }
        i += 1;
    }
    tables
}

/// CRC32C of `data`.
pub(crate) fn crc32c(data: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut crc = !0u32;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let lo = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) ^ crc;
        let hi = u32::from_le_bytes([c[4], c[5], c[6], c[7]]);
        crc = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][(hi & 0xff) as usize]
            ^ t[2][((hi >> 8) & 0xff) as usize]
            ^ t[1][((hi >> 16) & 0xff) as usize]
            ^ t[0][(hi >> 24) as usize];
    }
    for &byte in chunks.remainder() {
        crc = t[0][((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

// ---------------------------------------------------------------------------------------------
// Records.

/// One change of a batch, as replay needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WalOp {
    /// A put at (revision, sub); create_revision and version are what it produced (replay
    /// checks it produces them again).
    Put {
        revision: Revision,
        sub: u32,
        key: Bytes,
        value: Bytes,
        lease: LeaseId,
        create_revision: Revision,
        version: i64,
    },
    /// A delete of a live key at (revision, sub).
    Delete {
        revision: Revision,
        sub: u32,
        key: Bytes,
    },
    /// A lease granted.
    Grant { id: LeaseId, ttl: i64 },
    /// A lease removed (after the deletes of its keys, which are their own ops).
    Revoke { id: LeaseId },
}

/// A decoded record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WalRecord {
    pub(crate) seq: u64,
    /// The store's revision after the batch.
    pub(crate) revision: Revision,
    /// The compacted revision the batch recorded, if it did.
    pub(crate) compacted: Option<Revision>,
    pub(crate) ops: Vec<WalOp>,
}

/// A batch's record, built while the writer applies it (encoded as it goes, no second pass).
pub(crate) struct RecordBuilder {
    buf: Vec<u8>,
    ops: u32,
}

impl Default for RecordBuilder {
    fn default() -> Self {
        Self {
            buf: vec![0; FRAME + HEAD],
            ops: 0,
        }
    }
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    // Keys and values are bounded by etcd's request size limit, far below u32::MAX.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(bytes);
}

impl RecordBuilder {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn put(
        &mut self,
        revision: Revision,
        sub: u32,
        key: &[u8],
        value: &[u8],
        lease: LeaseId,
        create_revision: Revision,
        version: i64,
    ) {
        self.buf.push(OP_PUT);
        self.buf.extend_from_slice(&revision.to_be_bytes());
        self.buf.extend_from_slice(&sub.to_be_bytes());
        for field in [lease, create_revision, version] {
            self.buf.extend_from_slice(&field.to_be_bytes());
        }
        put_bytes(&mut self.buf, key);
        put_bytes(&mut self.buf, value);
        self.ops += 1;
    }

    pub(crate) fn delete(&mut self, revision: Revision, sub: u32, key: &[u8]) {
        self.buf.push(OP_DELETE);
        self.buf.extend_from_slice(&revision.to_be_bytes());
        self.buf.extend_from_slice(&sub.to_be_bytes());
        put_bytes(&mut self.buf, key);
        self.ops += 1;
    }

    pub(crate) fn grant(&mut self, id: LeaseId, ttl: i64) {
        self.buf.push(OP_GRANT);
        self.buf.extend_from_slice(&id.to_be_bytes());
        self.buf.extend_from_slice(&ttl.to_be_bytes());
        self.ops += 1;
    }

    pub(crate) fn revoke(&mut self, id: LeaseId) {
        self.buf.push(OP_REVOKE);
        self.buf.extend_from_slice(&id.to_be_bytes());
        self.ops += 1;
    }

    /// The framed record: fills in the header and the checksum.
    pub(crate) fn finish(
        &mut self,
        seq: u64,
        revision: Revision,
        compacted: Option<Revision>,
    ) -> Result<&[u8], KvError> {
        let len = u32::try_from(self.buf.len() - FRAME)
            .ok()
            .filter(|len| (*len as usize) < MAX_RECORD)
            .ok_or_else(|| KvError::backend(WalError::TooLarge(self.buf.len())))?;
        let head = &mut self.buf[FRAME..FRAME + HEAD];
        head[0..8].copy_from_slice(&seq.to_be_bytes());
        head[8..16].copy_from_slice(&revision.to_be_bytes());
        head[16] = u8::from(compacted.is_some());
        head[17..25].copy_from_slice(&compacted.unwrap_or(0).to_be_bytes());
        head[25..29].copy_from_slice(&self.ops.to_be_bytes());
        let crc = crc32c(&self.buf[FRAME..]);
        self.buf[0..4].copy_from_slice(&len.to_le_bytes());
        self.buf[4..8].copy_from_slice(&crc.to_le_bytes());
        Ok(&self.buf)
    }
}

/// Reads big-endian fields off a payload; `None` when it runs out.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_be_bytes)
    }

    fn i64(&mut self) -> Option<i64> {
        self.take(8)?.try_into().ok().map(i64::from_be_bytes)
    }

    fn bytes(&mut self) -> Option<Bytes> {
        let len = usize::try_from(self.u32()?).ok()?;
        self.take(len).map(Bytes::copy_from_slice)
    }
}

fn decode_payload(payload: &[u8]) -> Option<WalRecord> {
    let mut c = Cursor { bytes: payload };
    let seq = c.u64()?;
    let revision = c.i64()?;
    let has_compacted = c.u8()?;
    let compacted = c.i64()?;
    let count = c.u32()?;
    let mut ops = Vec::new();
    for _ in 0..count {
        let op = match c.u8()? {
            OP_PUT => {
                let revision = c.i64()?;
                let sub = c.u32()?;
                let lease = c.i64()?;
                let create_revision = c.i64()?;
                let version = c.i64()?;
                let key = c.bytes()?;
                let value = c.bytes()?;
                WalOp::Put {
                    revision,
                    sub,
                    key,
                    value,
                    lease,
                    create_revision,
                    version,
                }
            }
            OP_DELETE => WalOp::Delete {
                revision: c.i64()?,
                sub: c.u32()?,
                key: c.bytes()?,
            },
            OP_GRANT => WalOp::Grant {
                id: c.i64()?,
                ttl: c.i64()?,
            },
            OP_REVOKE => WalOp::Revoke { id: c.i64()? },
            _ => return None,
        };
        ops.push(op);
    }
    if !c.bytes.is_empty() || has_compacted > 1 {
        return None;
    }
    Some(WalRecord {
        seq,
        revision,
        compacted: (has_compacted == 1).then_some(compacted),
        ops,
    })
}

/// The records of one WAL file's contents, in order, up to the first torn or damaged one.
/// Returns the records and whether the file ended cleanly.
pub(crate) fn parse_file(path: &Path, data: &[u8]) -> Result<(Vec<WalRecord>, bool), KvError> {
    let mut records = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let rest = &data[at..];
        if rest.len() < FRAME {
            return Ok((records, false));
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        // A zero length is what a file extended but never written reads as: torn.
        if !(HEAD..MAX_RECORD).contains(&len) || rest.len() - FRAME < len {
            return Ok((records, false));
        }
        let payload = &rest[FRAME..FRAME + len];
        if crc32c(payload) != crc {
            return Ok((records, false));
        }
        let record = decode_payload(payload).ok_or_else(|| {
            let seq = payload[..8].try_into().map_or(0, u64::from_be_bytes);
            KvError::backend(WalError::Malformed {
                path: path.to_path_buf(),
                seq,
            })
        })?;
        records.push(record);
        at += FRAME + len;
    }
    Ok((records, true))
}

// ---------------------------------------------------------------------------------------------
// Files.

/// The WAL files in `dir`, by generation, oldest first.
pub(crate) fn list(dir: &Path) -> Result<Vec<(u64, PathBuf)>, KvError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name();
        let Some(generation) = name
            .to_str()
            .and_then(|name| name.strip_prefix(WAL_PREFIX))
            .and_then(|generation| generation.parse::<u64>().ok())
        else {
            continue;
        };
        files.push((generation, entry.path()));
    }
    files.sort();
    Ok(files)
}

/// Reads a whole WAL file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, KvError> {
    let mut data = Vec::new();
    File::open(path)
        .and_then(|mut file| file.read_to_end(&mut data))
        .map_err(io_err(path))?;
    Ok(data)
}

/// Makes a directory entry change (a created or deleted file) durable.
fn sync_dir(dir: &Path) -> Result<(), KvError> {
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_err(dir))
}

fn file_name(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("{WAL_PREFIX}{generation:020}"))
}

/// The WAL file the writer appends to.
pub(crate) struct Wal {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    generation: u64,
    /// Bytes of whole, synced records in the file.
    len: u64,
    /// The sequence number the next record gets.
    next_seq: u64,
    /// Set when a failed append could not be undone: the file may hold a record that was
    /// refused, so nothing more may be appended to it.
    broken: Option<String>,
    /// The previous generation's file, reused by the next rotation.
    spare: Option<PathBuf>,
}

impl Wal {
    /// Creates generation `generation` (a new, empty file) whose first record will be
    /// `next_seq`, and makes its directory entry durable before anything relies on it.
    pub(crate) fn create(dir: &Path, generation: u64, next_seq: u64) -> Result<Self, KvError> {
        Self::open_as(dir, generation, next_seq, None)
    }

    /// Generation `generation` in a new file, or in `recycled` renamed (its old records are
    /// overwritten as the new ones come; see the module documentation).
    fn open_as(
        dir: &Path,
        generation: u64,
        next_seq: u64,
        recycled: Option<&Path>,
    ) -> Result<Self, KvError> {
        let path = file_name(dir, generation);
        if let Some(old) = recycled {
            std::fs::rename(old, &path).map_err(io_err(old))?;
        }
        // Not `create_new`: a file of this generation left by a rotation that failed after its
        // rename holds only stale records, and is recycled like any other.
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err(&path))?;
        // The name must be durable before a record in the file is acknowledged.
        sync_dir(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            path,
            file,
            generation,
            len: 0,
            next_seq,
            broken: None,
            spare: None,
        })
    }

    /// The sequence number the next record gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Bytes in the current file.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Appends a framed record and `fdatasync`s it. On failure the file is cut back to its last
    /// good record (and the log is marked broken if even that fails), so a refused batch never
    /// comes back on replay and later records never follow garbage.
    pub(crate) fn append(&mut self, record: &[u8]) -> Result<(), KvError> {
        if let Some(why) = &self.broken {
            return Err(KvError::backend(WalError::Broken(why.clone())));
        }
        let len = self.len;
        let result = self
            .file
            .seek(SeekFrom::Start(len))
            .and_then(|_| self.file.write_all(record))
            .and_then(|()| self.file.sync_data())
            .map_err(io_err(&self.path));
        match result {
            Ok(()) => {
                self.len += record.len() as u64;
                Ok(())
            }
            Err(err) => {
                self.undo_to(self.len, &err);
                Err(err)
            }
        }
    }

    /// The record just appended was not committed to redb: cuts it off again.
    pub(crate) fn undo_last(&mut self, previous_len: u64, why: &KvError) {
        self.undo_to(previous_len, why);
    }

    fn undo_to(&mut self, len: u64, why: &KvError) {
        let undone = self.file.set_len(len).and_then(|()| self.file.sync_all());
        match undone {
            Ok(()) => self.len = len,
            Err(undo) => {
                tracing::error!(error = %undo, "embedded store: cannot cut back the WAL; refusing further writes");
                self.broken = Some(format!("{why}; cutting it back failed: {undo}"));
            }
        }
    }

    /// The record was committed: the next one gets the next sequence number.
    pub(crate) fn advance(&mut self) {
        self.next_seq += 1;
    }

    /// After a durable redb commit holding every record so far: starts the next generation in
    /// the spare file (or a new one), and keeps the current file as the next spare (its records
    /// are all in redb now). A crash anywhere in here leaves files whose records replay skips.
    pub(crate) fn rotate(&mut self) -> Result<(), KvError> {
        if self.broken.is_some() {
            // The broken file must stay the one the writer refuses to append to.
            return Ok(());
        }
        let spare = self.spare.take();
        let next = match Wal::open_as(
            &self.dir,
            self.generation + 1,
            self.next_seq,
            spare.as_deref(),
        ) {
            Ok(next) => next,
            Err(err) => {
                // Perhaps only the spare is the trouble: drop it; the next rotation makes a
                // new file.
                if let Some(spare) = spare {
                    let _ = std::fs::remove_file(spare);
                }
                return Err(err);
            }
        };
        let old = std::mem::replace(self, next);
        self.spare = Some(old.path);
        Ok(())
    }
}

/// Deletes WAL files older than `keep` (their records are durable in redb).
pub(crate) fn remove_older(dir: &Path, keep: u64) -> Result<(), KvError> {
    for (generation, path) in list(dir)? {
        if generation < keep {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_known_values() {
        assert_eq!(crc32c(b""), 0);
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        let long: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        // Slicing by 8 agrees with the bytewise definition at every length.
        for n in 0..long.len() {
            let mut crc = !0u32;
            for &byte in &long[..n] {
                crc = CRC_TABLES[0][((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
            }
            assert_eq!(crc32c(&long[..n]), !crc, "length {n}");
        }
    }

    fn sample(seq: u64) -> (Vec<u8>, WalRecord) {
        let mut builder = RecordBuilder::default();
        builder.put(5, 0, b"/a", b"one", 7, 3, 2);
        builder.delete(5, 1, b"/b");
        builder.grant(9, 60);
        builder.revoke(9);
        let bytes = builder.finish(seq, 5, Some(4)).unwrap().to_vec();
        let record = WalRecord {
            seq,
            revision: 5,
            compacted: Some(4),
            ops: vec![
                WalOp::Put {
                    revision: 5,
                    sub: 0,
                    key: Bytes::from_static(b"/a"),
                    value: Bytes::from_static(b"one"),
                    lease: 7,
                    create_revision: 3,
                    version: 2,
                },
                WalOp::Delete {
                    revision: 5,
                    sub: 1,
                    key: Bytes::from_static(b"/b"),
                },
                WalOp::Grant { id: 9, ttl: 60 },
                WalOp::Revoke { id: 9 },
            ],
        };
        (bytes, record)
    }

    #[test]
    fn records_round_trip_and_a_torn_tail_ends_the_file() {
        let path = Path::new("test");
        let (one, first) = sample(1);
        let (two, second) = sample(2);
        let mut data = one.clone();
        data.extend_from_slice(&two);
        let (records, clean) = parse_file(path, &data).unwrap();
        assert_eq!(records, vec![first.clone(), second]);
        assert!(clean);
        // Every cut inside the second record keeps exactly the first.
        for cut in one.len()..data.len() {
            let (records, clean) = parse_file(path, &data[..cut]).unwrap();
            assert_eq!(records, vec![first.clone()], "cut at {cut}");
            assert_eq!(clean, cut == one.len());
        }
        // A flipped bit anywhere in the second record drops it.
        for at in one.len()..data.len() {
            let mut bad = data.clone();
            bad[at] ^= 0x10;
            let (records, _) = parse_file(path, &bad).unwrap();
            assert_eq!(records, vec![first.clone()], "flip at {at}");
        }
        // Zeros where a record should be (an extended, unwritten file) are a torn tail.
        let mut zeros = one;
        zeros.extend_from_slice(&[0u8; 64]);
        let (records, clean) = parse_file(path, &zeros).unwrap();
        assert_eq!((records, clean), (vec![first], false));
    }
}
