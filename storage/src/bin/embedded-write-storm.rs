//! A child process for the embedded store's crash test (`storage/tests/embedded_crash.rs`).
//!
//! ```text
//! embedded-write-storm DATA_DIR
//! ```
//!
//! Opens the embedded store in `DATA_DIR` and runs concurrent writers until it is killed: each
//! writer owns a few keys, which it creates (compare `mod_revision == 0`) and then updates with
//! compare-and-swap on the `mod_revision` it last wrote, and all writers contend on one shared
//! key with compare-and-swap. For every write the store ACKNOWLEDGED it prints one line to
//! stdout, flushed at once:
//!
//! ```text
//! KEY REVISION VALUE_HASH
//! ```
//!
//! (`VALUE_HASH` is [`value_hash`] of the value, 16 hex digits). A write that was acknowledged
//! but not printed before the kill is simply not claimed. It starts with a `ready REVISION` line
//! once the store is open.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bytes::Bytes;
use ironkube_storage::embedded::EmbeddedStore;
use ironkube_storage::kv::{Compare, CompareOp, KvError, KvStore, Txn, TxnOp};

/// Writers running at once.
const WRITERS: usize = 32;
/// Keys each writer owns.
const KEYS_PER_WRITER: usize = 4;
/// The key every writer updates.
const SHARED_KEY: &str = "/storm/shared";

/// FNV-1a, 64 bits: the hash printed for each value (the test recomputes it).
fn value_hash(value: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in value {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn acknowledge(key: &str, revision: i64, value: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{key} {revision} {:016x}", value_hash(value))?;
    out.flush()
}

/// Compare-and-swaps `key` from `mod_revision` to `value`; `Some(revision)` when it wrote.
async fn cas(
    store: &EmbeddedStore,
    key: &str,
    mod_revision: i64,
    value: Bytes,
) -> Result<Option<i64>, KvError> {
    let txn = Txn::new()
        .when(Compare::mod_revision(
            key.to_string(),
            CompareOp::Equal,
            mod_revision,
        ))
        .and_then(TxnOp::put(key.to_string(), value));
    let response = store.txn(txn).await?;
    Ok(response.succeeded.then_some(response.revision))
}

async fn current_mod_revision(store: &EmbeddedStore, key: &str) -> Result<i64, KvError> {
    Ok(store
        .get(Bytes::from(key.to_string()))
        .await?
        .map_or(0, |kv| kv.mod_revision))
}

async fn writer(
    store: EmbeddedStore,
    id: usize,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let keys: Vec<String> = (0..KEYS_PER_WRITER)
        .map(|k| format!("/storm/w{id:02}/k{k}"))
        .collect();
    let mut known = Vec::with_capacity(keys.len());
    for key in &keys {
        known.push(current_mod_revision(&store, key).await?);
    }
    let mut shared_known = current_mod_revision(&store, SHARED_KEY).await?;
    for step in 0u64.. {
        let slot = (step as usize) % keys.len();
        // Values of varying size, some above a page, so commits span several pages.
        let size = 64 + (step as usize * 97 + id * 31) % 6000;
        let mut value = format!("w{id} step{step} ").into_bytes();
        value.resize(size, b'a' + (step % 26) as u8);
        let value = Bytes::from(value);
        match cas(&store, &keys[slot], known[slot], value.clone()).await? {
            Some(revision) => {
                known[slot] = revision;
                acknowledge(&keys[slot], revision, &value)?;
            }
            // Only this writer writes its keys: a failed compare means the read was stale.
            None => known[slot] = current_mod_revision(&store, &keys[slot]).await?,
        }
        if step % 4 == 0 {
            let value = Bytes::from(format!("shared by w{id} at step {step}"));
            match cas(&store, SHARED_KEY, shared_known, value.clone()).await? {
                Some(revision) => {
                    shared_known = revision;
                    acknowledge(SHARED_KEY, revision, &value)?;
                }
                None => shared_known = current_mod_revision(&store, SHARED_KEY).await?,
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: embedded-write-storm DATA_DIR");
        return ExitCode::from(2);
    };
    let store = match EmbeddedStore::open(&dir).await {
        Ok(store) => store,
        Err(err) => {
            eprintln!("embedded-write-storm: open {}: {err}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let revision = store.current_revision().await.unwrap_or(-1);
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "ready {revision}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..WRITERS {
        tasks.spawn(writer(store.clone(), id));
    }
    // Runs until killed; a writer that fails ends the process with the error.
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                eprintln!("embedded-write-storm: writer failed: {err}");
                return ExitCode::FAILURE;
            }
            Err(err) => {
                eprintln!("embedded-write-storm: writer panicked: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
