//! kill -9 at a random moment loses no acknowledged write of the embedded store.
//!
//! Run with: `cargo test -p ironkube-storage --test embedded_crash`
//!
//! Each round starts `embedded-write-storm` on the same directory, reads its acknowledgements
//! (`KEY REVISION VALUE_HASH`, printed only after the store answered) for a random 100–800 ms,
//! SIGKILLs it, reopens the store in this process and checks, for every acknowledged write:
//! - the key's state AT the acknowledged revision (history is never compacted here) has exactly
//!   that `mod_revision` and a value with that hash: the write is there, whole, and nothing
//!   replaced it in history;
//! - the key's latest `mod_revision` is at least the acknowledged one (a later write, even one
//!   the child made but did not get to print, may have superseded it, never an earlier state);
//! - when the latest `mod_revision` equals the last acknowledged one, its value is that value.
//!
//! It then writes again and checks the new revision is above every acknowledged one (revisions
//! never go back after a crash), and closes the store for the next round.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ironkube_storage::embedded::EmbeddedStore;
use ironkube_storage::kv::{KeyRange, KvStore, RangeRequest};
use rand::Rng;

const ROUNDS: usize = 6;

fn value_hash(value: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in value {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// One acknowledged write.
#[derive(Clone, Debug)]
struct Ack {
    key: String,
    revision: i64,
    hash: u64,
}

fn parse(line: &str) -> Option<Ack> {
    let mut parts = line.split(' ');
    let key = parts.next()?.to_string();
    let revision = parts.next()?.parse().ok()?;
    let hash_text = parts.next()?;
    if hash_text.len() != 16 || parts.next().is_some() {
        return None;
    }
    let hash = u64::from_str_radix(hash_text, 16).ok()?;
    Some(Ack {
        key,
        revision,
        hash,
    })
}

/// Runs the child for `run_for` and kills it; returns its acknowledgements.
fn run_child_and_kill(dir: &Path, run_for: Duration) -> Vec<Ack> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_embedded-write-storm"))
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start embedded-write-storm");
    let stdout = child.stdout.take().expect("child stdout");
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stdout);
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => lines.push(line),
            }
        }
        lines
    });
    std::thread::sleep(run_for);
    let status = child.try_wait().expect("poll child");
    assert!(status.is_none(), "the writer exited on its own: {status:?}");
    child.kill().expect("SIGKILL the writer");
    child.wait().expect("reap the writer");
    let lines = reader.join().expect("stdout reader");
    let mut acks = Vec::new();
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let complete = line.ends_with(b"\n");
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\n');
        if text.starts_with("ready ") {
            continue;
        }
        match parse(text) {
            Some(ack) if complete => acks.push(ack),
            // Only the very last line may have been cut by the kill.
            _ => assert!(
                i + 1 == count && !complete,
                "malformed acknowledgement line {i}: {text:?}"
            ),
        }
    }
    acks
}

async fn verify(store: &EmbeddedStore, acks: &[Ack]) -> i64 {
    let mut last: HashMap<&str, &Ack> = HashMap::new();
    let mut max_revision = 0;
    for ack in acks {
        max_revision = max_revision.max(ack.revision);
        let at = store
            .range(RangeRequest::new(KeyRange::key(ack.key.clone())).at(ack.revision))
            .await
            .expect("read at the acknowledged revision");
        let kv = at
            .kvs
            .first()
            .unwrap_or_else(|| panic!("acknowledged write {ack:?} is missing at its revision"));
        assert_eq!(
            kv.mod_revision, ack.revision,
            "{ack:?}: wrong version at its revision"
        );
        assert_eq!(value_hash(&kv.value), ack.hash, "{ack:?}: value differs");
        let previous = last.insert(&ack.key, ack);
        if let Some(previous) = previous {
            assert!(
                previous.revision < ack.revision,
                "acknowledgements of {} out of order",
                ack.key
            );
        }
    }
    for ack in last.values() {
        let kv = store
            .get(Bytes::from(ack.key.clone()))
            .await
            .expect("read latest")
            .unwrap_or_else(|| panic!("{} vanished after its acknowledged write", ack.key));
        assert!(
            kv.mod_revision >= ack.revision,
            "{}: latest mod_revision {} below acknowledged {}",
            ack.key,
            kv.mod_revision,
            ack.revision
        );
        if kv.mod_revision == ack.revision {
            assert_eq!(
                value_hash(&kv.value),
                ack.hash,
                "{}: latest value differs",
                ack.key
            );
        }
    }
    let current = store.current_revision().await.expect("current revision");
    assert!(
        current >= max_revision,
        "current revision {current} below acknowledged {max_revision}"
    );
    max_revision
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = rand::rng();
    let mut all_acks: Vec<Ack> = Vec::new();
    let mut highest_ever = 0i64;
    for round in 0..ROUNDS {
        let run_for = Duration::from_millis(rng.random_range(100..=800));
        let acks = {
            let dir = dir.path().to_path_buf();
            tokio::task::spawn_blocking(move || run_child_and_kill(&dir, run_for))
                .await
                .expect("child round")
        };
        let opened = Instant::now();
        let store = EmbeddedStore::open(dir.path())
            .await
            .expect("reopen after kill");
        let open_time = opened.elapsed();
        all_acks.extend(acks.iter().cloned());
        // Every write acknowledged in this and earlier rounds is still there.
        let max_acked = verify(&store, &all_acks).await;
        highest_ever = highest_ever.max(max_acked);
        let revision = store
            .put(
                Bytes::from_static(b"/after-crash"),
                Bytes::from(format!("round {round}")),
            )
            .await
            .expect("write after reopen");
        assert!(
            revision > highest_ever,
            "round {round}: new revision {revision} not above acknowledged {highest_ever}"
        );
        highest_ever = revision;
        eprintln!(
            "round {round}: ran {run_for:?}, {} acknowledged writes, reopened in {open_time:?}, next revision {revision}",
            acks.len()
        );
        store.close().await;
    }
    assert!(
        all_acks.len() >= ROUNDS,
        "the child acknowledged only {} writes in {ROUNDS} rounds",
        all_acks.len()
    );
}

#[test]
fn acknowledgement_lines_parse() {
    let ack = parse("/storm/w01/k2 17 00000000000000ff").expect("a valid line");
    assert_eq!(
        (ack.key.as_str(), ack.revision, ack.hash),
        ("/storm/w01/k2", 17, 255)
    );
    assert!(parse("/storm/w01/k2 17 ff").is_none());
    assert!(parse("/storm/w01/k2 x 00000000000000ff").is_none());
    assert!(parse("/storm/w01/k2 17").is_none());
    assert_eq!(value_hash(b""), 0xcbf2_9ce4_8422_2325);
}
