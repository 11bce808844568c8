//! Which engine for the embedded backend: redb or SQLite, on the workload the backend runs.
//!
//! Run with:
//!
//! ```text
//! cargo run --release -p ironkube-storage --example engine_compare [-- SECONDS_PER_CELL]
//! ```
//!
//! For each engine and each group size N (1, 16, 256) it runs durable group commits of N puts of
//! 1 KiB, each put written to a `current` table (key -> metadata + value) and to a revision-keyed
//! `log` table, for a few seconds, while a second thread reads the same database: point reads for
//! the first half of the run, 1000-key prefix scans (values copied out) for the second half. It prints commits/s, puts/s, point reads/s and scans/s,
//! and the raw fsync rate of the disk (an `fdatasync` loop on a 4 KiB file), the ceiling for
//! commits/s. The figures and the decision they led to are in `storage/docs/embedded.md`.
//!
//! Both engines are set up as the backend would use them: redb with `Durability::Immediate`
//! (one fsync per commit), SQLite in WAL mode with `synchronous=FULL` (the WAL is synced at every
//! commit; `NORMAL` would not be durable) and a separate connection for the reader.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use redb::{Database, Durability, ReadableDatabase, TableDefinition};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Opens an engine in a directory.
type Opener = Box<dyn Fn(&Path) -> Result<Arc<dyn Engine>, BoxError>>;

const CURRENT: TableDefinition<&[u8], &[u8]> = TableDefinition::new("current");
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");

/// Keys written by the benchmark cycle over this many names (a steady state of updates).
const WRITE_KEYS: u64 = 10_000;
/// Keys under the scanned prefix.
const SCAN_KEYS: u64 = 1_000;
const VALUE: [u8; 1024] = [b'x'; 1024];

fn write_key(i: u64) -> Vec<u8> {
    format!("/registry/configmaps/default/cm-{:05}", i % WRITE_KEYS).into_bytes()
}

fn scan_key(i: u64) -> Vec<u8> {
    format!("/registry/pods/scan/pod-{i:05}").into_bytes()
}

const SCAN_PREFIX: &[u8] = b"/registry/pods/scan/";
const SCAN_END: &[u8] = b"/registry/pods/scan0";

/// A current-table record as the backend stores it: 4 × i64 of metadata, then the value.
fn record(revision: u64, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + value.len());
    for field in [1u64, revision, 1, 0] {
        out.extend_from_slice(&field.to_be_bytes());
    }
    out.extend_from_slice(value);
    out
}

/// What one cell of the table measured.
struct Cell {
    commits_per_s: f64,
    puts_per_s: f64,
    point_reads_per_s: f64,
    scans_per_s: f64,
}

trait Engine: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// One durable commit of `puts` puts starting at revision `first`.
    fn commit(&self, first: u64, puts: u64) -> Result<(), BoxError>;
    /// A reader for another thread.
    fn reader(&self) -> Result<Box<dyn Reader>, BoxError>;
}

trait Reader: Send {
    fn point(&mut self, key: &[u8]) -> Result<bool, BoxError>;
    fn scan(&mut self) -> Result<usize, BoxError>;
}

// === redb ===

struct Redb {
    db: Arc<Database>,
}

impl Redb {
    fn open(path: &Path) -> Result<Self, BoxError> {
        let db = Database::builder().set_cache_size(256 << 20).create(path)?;
        let txn = db.begin_write()?;
        {
            let mut current = txn.open_table(CURRENT)?;
            for i in 0..SCAN_KEYS {
                current.insert(scan_key(i).as_slice(), record(1, &VALUE).as_slice())?;
            }
            txn.open_table(LOG)?;
        }
        txn.commit()?;
        Ok(Self { db: Arc::new(db) })
    }
}

impl Engine for Redb {
    fn name(&self) -> &'static str {
        "redb 4.6"
    }

    fn commit(&self, first: u64, puts: u64) -> Result<(), BoxError> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        {
            let mut current = txn.open_table(CURRENT)?;
            let mut log = txn.open_table(LOG)?;
            for revision in first..first + puts {
                let key = write_key(revision);
                current.insert(key.as_slice(), record(revision, &VALUE).as_slice())?;
                let mut entry = key.clone();
                entry.extend_from_slice(&VALUE);
                log.insert(revision, entry.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    fn reader(&self) -> Result<Box<dyn Reader>, BoxError> {
        Ok(Box::new(RedbReader {
            db: self.db.clone(),
        }))
    }
}

struct RedbReader {
    db: Arc<Database>,
}

impl Reader for RedbReader {
    fn point(&mut self, key: &[u8]) -> Result<bool, BoxError> {
        let txn = self.db.begin_read()?;
        let current = txn.open_table(CURRENT)?;
        Ok(current.get(key)?.map(|v| v.value().to_vec()).is_some())
    }

    fn scan(&mut self) -> Result<usize, BoxError> {
        let txn = self.db.begin_read()?;
        let current = txn.open_table(CURRENT)?;
        // Copy out, as the backend does (it hands out owned `Bytes`).
        let mut out = Vec::with_capacity(SCAN_KEYS as usize);
        for entry in current.range(SCAN_PREFIX..SCAN_END)? {
            let (key, value) = entry?;
            out.push((key.value().to_vec(), value.value().to_vec()));
        }
        Ok(out.iter().map(|(k, v)| k.len() + v.len()).sum())
    }
}

// === SQLite ===

struct Sqlite {
    path: std::path::PathBuf,
    conn: std::sync::Mutex<rusqlite::Connection>,
}

fn sqlite_connection(path: &Path) -> Result<rusqlite::Connection, BoxError> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    Ok(conn)
}

impl Sqlite {
    fn open(path: &Path) -> Result<Self, BoxError> {
        let mut conn = sqlite_connection(path)?;
        conn.execute_batch(
            "CREATE TABLE current (key BLOB PRIMARY KEY, create_rev INTEGER, mod_rev INTEGER,
                 version INTEGER, lease INTEGER, value BLOB) WITHOUT ROWID;
             CREATE TABLE log (rev INTEGER PRIMARY KEY, key BLOB, value BLOB);",
        )?;
        let txn = conn.transaction()?;
        {
            let mut insert = txn.prepare_cached(
                "INSERT INTO current (key, create_rev, mod_rev, version, lease, value)
                 VALUES (?1, 1, 1, 1, 0, ?2)",
            )?;
            for i in 0..SCAN_KEYS {
                insert.execute(rusqlite::params![scan_key(i), &VALUE[..]])?;
            }
        }
        txn.commit()?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: std::sync::Mutex::new(conn),
        })
    }
}

impl Engine for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite (WAL, FULL)"
    }

    fn commit(&self, first: u64, puts: u64) -> Result<(), BoxError> {
        let mut conn = self.conn.lock().map_err(|_| "poisoned")?;
        let txn = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut current = txn.prepare_cached(
                "INSERT INTO current (key, create_rev, mod_rev, version, lease, value)
                 VALUES (?1, ?2, ?2, 1, 0, ?3)
                 ON CONFLICT(key) DO UPDATE SET mod_rev = ?2, version = version + 1,
                 value = ?3",
            )?;
            let mut log =
                txn.prepare_cached("INSERT INTO log (rev, key, value) VALUES (?1, ?2, ?3)")?;
            for revision in first..first + puts {
                let key = write_key(revision);
                let revision = i64::try_from(revision)?;
                current.execute(rusqlite::params![key, revision, &VALUE[..]])?;
                log.execute(rusqlite::params![revision, key, &VALUE[..]])?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    fn reader(&self) -> Result<Box<dyn Reader>, BoxError> {
        Ok(Box::new(SqliteReader {
            conn: sqlite_connection(&self.path)?,
        }))
    }
}

struct SqliteReader {
    conn: rusqlite::Connection,
}

impl Reader for SqliteReader {
    fn point(&mut self, key: &[u8]) -> Result<bool, BoxError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT create_rev, mod_rev, version, lease, value FROM current WHERE key = ?1",
        )?;
        let mut rows = stmt.query([key])?;
        Ok(rows.next()?.is_some())
    }

    fn scan(&mut self) -> Result<usize, BoxError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, create_rev, mod_rev, version, lease, value FROM current
             WHERE key >= ?1 AND key < ?2 ORDER BY key",
        )?;
        let mut rows = stmt.query([SCAN_PREFIX, SCAN_END])?;
        let mut bytes = 0;
        while let Some(row) = rows.next()? {
            let key: Vec<u8> = row.get(0)?;
            let value: Vec<u8> = row.get(5)?;
            bytes += key.len() + value.len();
        }
        Ok(bytes)
    }
}

// === the measurement ===

fn run_cell(
    engine: &Arc<dyn Engine>,
    group: u64,
    seconds: f64,
    first: &mut u64,
) -> Result<Cell, BoxError> {
    let stop = Arc::new(AtomicBool::new(false));
    let point_reads = Arc::new(AtomicU64::new(0));
    let scans = Arc::new(AtomicU64::new(0));
    let mut reader = engine.reader()?;
    let reader_thread = {
        let (stop, point_reads, scans) = (stop.clone(), point_reads.clone(), scans.clone());
        thread::spawn(move || -> Result<(f64, f64), BoxError> {
            // First half of the cell: point reads only; second half: scans only.
            let start = Instant::now();
            let half = Duration::from_secs_f64(seconds / 2.0);
            let mut i = 0u64;
            while start.elapsed() < half {
                if !reader.point(&scan_key(i % SCAN_KEYS))? {
                    return Err("a point read missed".into());
                }
                point_reads.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            let point_time = start.elapsed().as_secs_f64();
            let scan_start = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if reader.scan()? < (SCAN_KEYS as usize) * VALUE.len() {
                    return Err("a scan came back short".into());
                }
                scans.fetch_add(1, Ordering::Relaxed);
            }
            Ok((point_time, scan_start.elapsed().as_secs_f64()))
        })
    };
    let start = Instant::now();
    let mut commits = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        engine.commit(*first, group)?;
        *first += group;
        commits += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (point_time, scan_time) = reader_thread.join().map_err(|_| "reader panicked")??;
    Ok(Cell {
        commits_per_s: commits as f64 / elapsed,
        puts_per_s: (commits * group) as f64 / elapsed,
        point_reads_per_s: point_reads.load(Ordering::Relaxed) as f64 / point_time,
        scans_per_s: scans.load(Ordering::Relaxed) as f64 / scan_time.max(1e-9),
    })
}

/// fdatasync()s per second on a 4 KiB file rewritten in place.
fn fsync_rate(dir: &Path, seconds: f64) -> Result<f64, BoxError> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.join("fsync-probe"))?;
    let block = [0u8; 4096];
    file.write_all(&block)?;
    file.sync_all()?;
    let start = Instant::now();
    let mut syncs = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&block)?;
        file.sync_data()?;
        syncs += 1;
    }
    Ok(syncs as f64 / start.elapsed().as_secs_f64())
}

fn main() -> Result<(), BoxError> {
    let seconds: f64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 4.0,
    };
    let dir = tempfile::tempdir()?;
    println!(
        "machine: {} cores; data directory {}",
        thread::available_parallelism().map_or(0, |n| n.get()),
        dir.path().display()
    );
    println!(
        "fsync before: {:.0} fdatasync/s on a 4 KiB file",
        fsync_rate(dir.path(), 2.0)?
    );
    println!();
    println!(
        "| engine | puts/commit | commits/s | puts/s | point reads/s (while writing) | 1k-key scans/s (while writing) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let engines: Vec<(&str, Opener)> = vec![
        (
            "redb",
            Box::new(|p| Ok(Arc::new(Redb::open(&p.join("bench.redb"))?) as Arc<dyn Engine>)),
        ),
        (
            "sqlite",
            Box::new(|p| Ok(Arc::new(Sqlite::open(&p.join("bench.sqlite"))?) as Arc<dyn Engine>)),
        ),
    ];
    for (name, open) in &engines {
        let engine_dir = dir.path().join(name);
        std::fs::create_dir_all(&engine_dir)?;
        let engine = open(&engine_dir)?;
        let mut first = 2u64;
        for group in [1u64, 16, 256] {
            let cell = run_cell(&engine, group, seconds, &mut first)?;
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
                engine.name(),
                group,
                cell.commits_per_s,
                cell.puts_per_s,
                cell.point_reads_per_s,
                cell.scans_per_s
            );
        }
        // Keep the runs apart: the next engine starts on a quiet disk.
        drop(engine);
        thread::sleep(Duration::from_millis(200));
    }
    println!();
    println!(
        "fsync after: {:.0} fdatasync/s on a 4 KiB file",
        fsync_rate(dir.path(), 2.0)?
    );
    Ok(())
}
