//! The embedded store's write-ahead log after a `kill -9`: acknowledged writes that redb holds
//! only non-durably come back from the WAL, a torn last record costs exactly that (never
//! acknowledged) record, and a replayed store survives further reopens from redb alone.
//!
//! Run with: `cargo test -p ironkube-storage --test embedded_wal`
//!
//! The writes happen in a child process (this same test binary, running
//! [`child_writes_then_waits_for_kill`] with `WAL_CHILD_DIR` set) with checkpoints turned off,
//! so that after the kill every acknowledged write is in the WAL and none is durable in redb;
//! the parent copies the directory and opens the copies in different states.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use ironkube_storage::embedded::{DATABASE_FILE, EmbeddedOptions, EmbeddedStore};
use ironkube_storage::kv::{KvError, KvStore, Txn, TxnOp};

const CHILD_ENV: &str = "WAL_CHILD_DIR";

fn b(text: &str) -> Bytes {
    Bytes::from(text.to_string())
}

fn no_checkpoints() -> EmbeddedOptions {
    EmbeddedOptions {
        checkpoint_interval: Duration::from_secs(3600),
        wal_checkpoint_bytes: u64::MAX,
        ..EmbeddedOptions::default()
    }
}

/// What the child did, each value acknowledged before it printed it.
#[derive(Debug, Default)]
struct Acked {
    /// Revision of the first put of `/wal/a`.
    a1: i64,
    /// Revision of the second put of `/wal/a`.
    a2: i64,
    /// Lease `/wal/leased` is attached to.
    lease: i64,
    /// The lease revoked (with `/wal/revoked`).
    revoked_lease: i64,
    /// The compacted revision.
    compacted: i64,
    /// The revision of the last write, `/wal/last`, alone in its batch and WAL record.
    last: i64,
}

fn parse_acks(lines: &[String]) -> Acked {
    let mut acked = Acked::default();
    for line in lines {
        let mut parts = line.split(' ');
        if parts.next() != Some("ack") {
            continue;
        }
        let name = parts.next().expect("ack name");
        let value: i64 = parts.next().expect("ack value").parse().expect("number");
        match name {
            "a1" => acked.a1 = value,
            "a2" => acked.a2 = value,
            "lease" => acked.lease = value,
            "revoked_lease" => acked.revoked_lease = value,
            "compacted" => acked.compacted = value,
            "last" => acked.last = value,
            other => panic!("unknown ack {other}"),
        }
    }
    assert!(acked.last > 0, "the child did not finish: {lines:?}");
    acked
}

/// The child's part: writes, acknowledges, then waits to be killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_writes_then_waits_for_kill() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        // Not the child: nothing to do in a normal run.
        return;
    };
    let store = EmbeddedStore::open_with(Path::new(&dir), no_checkpoints())
        .await
        .unwrap();
    // libtest has written "test NAME ... " without a line end: start on a line of our own.
    println!();
    let ack = |name: &str, value: i64| println!("ack {name} {value}");
    ack("a1", store.put(b("/wal/a"), b("a1")).await.unwrap());
    store.put(b("/wal/b"), b("b1")).await.unwrap();
    ack("a2", store.put(b("/wal/a"), b("a2")).await.unwrap());
    let lease = store.lease_grant(600).await.unwrap().id;
    let leased = TxnOp::Put {
        key: b("/wal/leased"),
        value: b("x"),
        lease,
        prev_kv: false,
    };
    store.txn(Txn::new().and_then(leased)).await.unwrap();
    ack("lease", lease);
    let doomed = store.lease_grant(600).await.unwrap().id;
    let attached = TxnOp::Put {
        key: b("/wal/revoked"),
        value: b("y"),
        lease: doomed,
        prev_kv: false,
    };
    store.txn(Txn::new().and_then(attached)).await.unwrap();
    store.lease_revoke(doomed).await.unwrap();
    ack("revoked_lease", doomed);
    let deleted = store
        .txn(Txn::new().and_then(TxnOp::delete(b("/wal/b"))))
        .await
        .unwrap();
    store.compact(deleted.revision).await.unwrap();
    ack("compacted", deleted.revision);
    ack("last", store.put(b("/wal/last"), b("torn")).await.unwrap());
    // Nothing above may have been made durable in redb, or the test would not test the WAL.
    assert_eq!(store.stats().checkpoints, 0);
    println!("done");
    tokio::time::sleep(Duration::from_secs(120)).await;
    panic!("the parent did not kill the child");
}

/// Runs the child on `dir` until it has acknowledged everything, and kills it.
fn run_child_and_kill(dir: &Path) -> Acked {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "child_writes_then_waits_for_kill",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().expect("child stdout"));
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read the child") == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        let done = line == "done";
        lines.push(line);
        if done {
            break;
        }
    }
    child.kill().expect("SIGKILL the child");
    child.wait().expect("reap the child");
    parse_acks(&lines)
}

fn wal_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("test directory")
        .map(|entry| entry.expect("test directory").path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("state.wal."))
        })
        .collect();
    files.sort();
    files
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("test directory");
    for entry in std::fs::read_dir(from).expect("test directory") {
        let path = entry.expect("test directory").path();
        std::fs::copy(&path, to.join(path.file_name().expect("test directory")))
            .expect("test directory");
    }
}

/// Everything the child acknowledged is there; `/wal/last` only if `with_last`.
async fn verify(store: &EmbeddedStore, acked: &Acked, with_last: bool) {
    let a = store
        .get(b("/wal/a"))
        .await
        .expect("store call")
        .expect("/wal/a");
    assert_eq!(
        (
            a.value.as_ref(),
            a.create_revision,
            a.mod_revision,
            a.version
        ),
        (b"a2".as_ref(), acked.a1, acked.a2, 2)
    );
    assert!(store.get(b("/wal/b")).await.expect("store call").is_none());
    let leased = store
        .get(b("/wal/leased"))
        .await
        .expect("store call")
        .expect("leased");
    assert_eq!(leased.lease, acked.lease);
    assert_eq!(
        store
            .lease_keep_alive(acked.lease)
            .await
            .expect("store call"),
        600
    );
    assert!(
        store
            .get(b("/wal/revoked"))
            .await
            .expect("store call")
            .is_none()
    );
    assert!(matches!(
        store.lease_keep_alive(acked.revoked_lease).await,
        Err(KvError::LeaseNotFound(_))
    ));
    assert_eq!(
        store.compacted_revision().await.expect("store call"),
        acked.compacted
    );
    let last = store.get(b("/wal/last")).await.expect("store call");
    let current = store.current_revision().await.expect("store call");
    if with_last {
        assert_eq!(last.map(|kv| kv.mod_revision), Some(acked.last));
        assert_eq!(current, acked.last);
    } else {
        assert!(last.is_none(), "the torn record's put is there");
        assert_eq!(current, acked.last - 1);
    }
    // Revoking the leased key's lease still finds the key through lease_keys.
    let revoked = store.lease_revoke(acked.lease).await;
    assert!(revoked.is_ok(), "{revoked:?}");
    assert!(
        store
            .get(b("/wal/leased"))
            .await
            .expect("store call")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_replays_the_wal_and_a_torn_tail_loses_only_its_record() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    let acked = run_child_and_kill(&dir);
    let wal = wal_files(&dir);
    assert_eq!(wal.len(), 1, "one WAL file: {wal:?}");
    let wal_len = std::fs::metadata(&wal[0]).unwrap().len();
    assert!(wal_len > 0);

    // Without its WAL the database has none of it: the writes were durable only in the WAL.
    let bare = root.path().join("bare");
    copy_dir(&dir, &bare);
    for file in wal_files(&bare) {
        std::fs::remove_file(file).unwrap();
    }
    let store = EmbeddedStore::open(&bare).await.unwrap();
    assert_eq!(store.current_revision().await.unwrap(), 1);
    assert!(store.get(b("/wal/a")).await.unwrap().is_none());
    store.close().await;

    // A torn last record (cut short): everything but that record, and the store goes on.
    let torn = root.path().join("torn");
    copy_dir(&dir, &torn);
    let torn_wal = torn.join(wal[0].file_name().unwrap());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&torn_wal)
        .unwrap();
    file.set_len(wal_len - 3).unwrap();
    drop(file);
    let store = EmbeddedStore::open(&torn).await.unwrap();
    verify(&store, &acked, false).await;
    let next = store.put(b("/wal/after"), b("z")).await.unwrap();
    assert!(next > acked.last - 1);
    store.close().await;
    assert!(!torn_wal.exists(), "the replayed WAL file is deleted");
    let store = EmbeddedStore::open(&torn).await.unwrap();
    assert_eq!(
        store
            .get(b("/wal/after"))
            .await
            .unwrap()
            .map(|kv| kv.mod_revision),
        Some(next)
    );
    store.close().await;

    // Garbage after the last record (a torn write of a record never acknowledged) is ignored,
    // and every acknowledged write is replayed.
    let mut data = std::fs::read(&wal[0]).unwrap();
    data.extend_from_slice(&[0x5a; 5]);
    data.extend_from_slice(&[0xff; 40]);
    std::fs::write(&wal[0], &data).unwrap();
    let store = EmbeddedStore::open_with(&dir, no_checkpoints())
        .await
        .unwrap();
    // The replay is durable in redb: the old WAL file is gone, the new one empty.
    assert!(!wal[0].exists());
    let files = wal_files(&dir);
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::metadata(&files[0]).unwrap().len(), 0);
    verify(&store, &acked, true).await;
    let revoke_revision = store.current_revision().await.unwrap();
    // Drop the store without closing it and copy the files as a kill would leave them: the
    // revoke is in the WAL (no checkpoint ran), the replayed state is in redb.
    let killed = root.path().join("killed");
    copy_dir(&dir, &killed);
    store.close().await;

    // Second reopen (of the copy): redb has the replayed records, the WAL has the revoke.
    let store = EmbeddedStore::open(&killed).await.unwrap();
    assert_eq!(store.current_revision().await.unwrap(), revoke_revision);
    let a = store.get(b("/wal/a")).await.unwrap().expect("/wal/a");
    assert_eq!((a.mod_revision, a.version), (acked.a2, 2));
    assert!(store.get(b("/wal/leased")).await.unwrap().is_none());
    assert_eq!(store.compacted_revision().await.unwrap(), acked.compacted);
    store.close().await;
    // Third: from redb alone.
    assert!(killed.join(DATABASE_FILE).exists());
    let store = EmbeddedStore::open(&killed).await.unwrap();
    assert_eq!(store.current_revision().await.unwrap(), revoke_revision);
    assert_eq!(
        store
            .get(b("/wal/last"))
            .await
            .unwrap()
            .map(|kv| kv.mod_revision),
        Some(acked.last)
    );
    store.close().await;
}
