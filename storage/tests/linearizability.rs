//! Linearizability of a `KvStore` under concurrent clients, checked by a small checker of our own.
//!
//! Sixteen tasks run a few thousand random operations on a handful of keys: reads, unconditional
//! puts, compare-and-swap puts (`mod_revision == expected`, then put) and deletes, each recorded
//! with the logical times of its invocation and return (one global counter). The history is then
//! checked against a sequential model of a versioned register per key: Wing & Gong's search with
//! Lowe's memoization of (linearized set, state), partitioned per key (P-compositionality, as
//! porcupine does), so thousands of operations check in milliseconds. A second, global check:
//! the revisions of successful writes are unique and follow real-time order (a write that
//! returned before another started has the smaller revision).
//!
//! The checker is tested on hand-made histories, linearizable and not, so it can fail.
//!
//! Run: `cargo test -p ironkube-storage --test linearizability`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use ironkube_storage::kv::{Compare, CompareOp, KvStore, Revision, Txn, TxnOp, TxnOpResponse};
use ironkube_storage::testing::TestStore;
use rand::Rng;

// === The model ===

/// A key's state: its value and mod revision, or nothing.
type State = Option<(u64, Revision)>;

/// What an operation asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Input {
    Get,
    Put(u64),
    /// Put `value` if the key's mod revision is `expected` (0: the key is absent).
    Cas {
        expected: Revision,
        value: u64,
    },
    Delete,
}

/// What it got back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Get(State),
    /// The put's revision.
    Put(Revision),
    /// The put's revision if the compare held.
    Cas(Option<Revision>),
    /// Whether a key was deleted, and the txn's revision.
    Delete(bool, Revision),
}

/// One completed operation on one key.
#[derive(Clone, Copy, Debug)]
struct Op {
    key: usize,
    call: u64,
    ret: u64,
    input: Input,
    output: Output,
}

/// The sequential specification: the state after `input` answered `output`, or `None` when a
/// register could not have answered that from `state`.
fn step(state: State, input: Input, output: Output) -> Option<State> {
    let mod_revision = state.map_or(0, |(_, r)| r);
    match (input, output) {
        (Input::Get, Output::Get(seen)) => (seen == state).then_some(state),
        (Input::Put(value), Output::Put(rev)) => (rev > mod_revision).then_some(Some((value, rev))),
        (Input::Cas { expected, value }, Output::Cas(Some(rev))) => {
            (expected == mod_revision && rev > mod_revision).then_some(Some((value, rev)))
        }
        (Input::Cas { expected, .. }, Output::Cas(None)) => {
            (expected != mod_revision).then_some(state)
        }
        (Input::Delete, Output::Delete(true, rev)) => {
            (state.is_some() && rev > mod_revision).then_some(None)
        }
        (Input::Delete, Output::Delete(false, _)) => state.is_none().then_some(None),
        _ => None,
    }
}

// === The checker ===

/// A history of one key is linearizable from `initial` (Wing & Gong with memoization).
fn linearizable(ops: &[Op], initial: State) -> bool {
    let n = ops.len();
    if n == 0 {
        return true;
    }
    // Entries: 2 per op, sorted by time; a doubly linked list with sentinels HEAD and TAIL.
    #[derive(Clone, Copy)]
    struct Entry {
        op: usize,
        is_call: bool,
        time: u64,
    }
    let mut entries: Vec<Entry> = Vec::with_capacity(2 * n);
    for (i, op) in ops.iter().enumerate() {
        entries.push(Entry {
            op: i,
            is_call: true,
            time: op.call,
        });
        entries.push(Entry {
            op: i,
            is_call: false,
            time: op.ret,
        });
    }
    entries.sort_by_key(|e| e.time);
    let head = 0;
    let tail = entries.len() + 1;
    // Node i + 1 is entries[i].
    let mut next: Vec<usize> = (1..=tail + 1).collect();
    let mut prev: Vec<usize> = (0..=tail).map(|i| i.saturating_sub(1)).collect();
    let mut return_node = vec![0; n];
    for (i, e) in entries.iter().enumerate() {
        if !e.is_call {
            return_node[e.op] = i + 1;
        }
    }

    let lift = |next: &mut Vec<usize>, prev: &mut Vec<usize>, node: usize, ret: usize| {
        next[prev[node]] = next[node];
        prev[next[node]] = prev[node];
        next[prev[ret]] = next[ret];
        prev[next[ret]] = prev[ret];
    };
    let unlift = |next: &mut Vec<usize>, prev: &mut Vec<usize>, node: usize, ret: usize| {
        next[prev[ret]] = ret;
        prev[next[ret]] = ret;
        next[prev[node]] = node;
        prev[next[node]] = node;
    };

    let words = n.div_ceil(64);
    let mut linearized = vec![0u64; words];
    let mut cache: HashSet<(Vec<u64>, State)> = HashSet::new();
    let mut stack: Vec<(usize, State)> = Vec::new();
    let mut state = initial;
    let mut node = next[head];
    while next[head] != tail {
        let entry = entries[node - 1];
        if entry.is_call {
            let op = ops[entry.op];
            if let Some(new_state) = step(state, op.input, op.output) {
                linearized[entry.op / 64] |= 1 << (entry.op % 64);
                if cache.insert((linearized.clone(), new_state)) {
                    stack.push((node, state));
                    state = new_state;
                    lift(&mut next, &mut prev, node, return_node[entry.op]);
                    node = next[head];
                    continue;
                }
                linearized[entry.op / 64] &= !(1 << (entry.op % 64));
            }
            node = next[node];
        } else {
            // An operation returned before any linearization placed it: undo the last choice.
            let Some((call_node, previous)) = stack.pop() else {
                return false;
            };
            let op = entries[call_node - 1].op;
            state = previous;
            linearized[op / 64] &= !(1 << (op % 64));
            unlift(&mut next, &mut prev, call_node, return_node[op]);
            node = next[call_node];
        }
    }
    true
}

/// Writes' revisions are unique and follow real-time order. Returns the first violation.
fn revisions_follow_real_time(ops: &[Op]) -> Result<(), String> {
    let mut writes: Vec<(u64, u64, Revision)> = ops
        .iter()
        .filter_map(|op| match op.output {
            Output::Put(rev) | Output::Cas(Some(rev)) | Output::Delete(true, rev) => {
                Some((op.call, op.ret, rev))
            }
            _ => None,
        })
        .collect();
    let mut seen = HashSet::new();
    for (_, _, rev) in &writes {
        if !seen.insert(*rev) {
            return Err(format!("two writes got revision {rev}"));
        }
    }
    // Sweep by invocation: the largest revision of the writes that returned before it.
    let mut by_return = writes.clone();
    by_return.sort_by_key(|w| w.1);
    writes.sort_by_key(|w| w.0);
    let mut i = 0;
    let mut max_before: Option<(u64, u64, Revision)> = None;
    for write in &writes {
        while i < by_return.len() && by_return[i].1 < write.0 {
            if max_before.is_none_or(|m| by_return[i].2 > m.2) {
                max_before = Some(by_return[i]);
            }
            i += 1;
        }
        if let Some(before) = max_before
            && before.2 >= write.2
        {
            return Err(format!(
                "a write returned at {} with revision {} before a write invoked at {} got {}",
                before.1, before.2, write.0, write.2
            ));
        }
    }
    Ok(())
}

/// Checks a whole history: per key, then globally. Panics with the first violation.
fn check_history(ops: &[Op]) {
    let mut per_key: BTreeMap<usize, Vec<Op>> = BTreeMap::new();
    for op in ops {
        per_key.entry(op.key).or_default().push(*op);
    }
    for (key, key_ops) in &per_key {
        assert!(
            linearizable(key_ops, None),
            "the history of key {key} ({} operations) is not linearizable",
            key_ops.len()
        );
    }
    if let Err(violation) = revisions_follow_real_time(ops) {
        panic!("revisions do not follow real time: {violation}");
    }
}

// === The workload ===

const TASKS: usize = 16;
const OPS_PER_TASK: usize = 250;
const KEYS: usize = 4;

fn key_name(key: usize) -> Bytes {
    Bytes::from(format!("lin/{key}"))
}

fn decode(value: &[u8]) -> u64 {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a value we did not write: {value:?}"))
}

/// One client: random operations, recording each with its logical times.
async fn client(store: Arc<dyn KvStore>, clock: Arc<AtomicU64>, id: usize) -> Vec<Op> {
    let mut history = Vec::with_capacity(OPS_PER_TASK);
    let mut last_seen = [0 as Revision; KEYS];
    for seq in 0..OPS_PER_TASK {
        let (key, choice, value, stale) = {
            let mut rng = rand::rng();
            (
                rng.random_range(0..KEYS),
                rng.random_range(0..100u32),
                (id * 1_000_000 + seq) as u64,
                rng.random_bool(0.2),
            )
        };
        let name = key_name(key);
        let call = clock.fetch_add(1, Ordering::SeqCst);
        let (input, output) = if choice < 40 {
            let kv = store.get(name).await.expect("get");
            let state = kv.map(|kv| (decode(&kv.value), kv.mod_revision));
            last_seen[key] = state.map_or(0, |s| s.1);
            (Input::Get, Output::Get(state))
        } else if choice < 60 {
            let rev = store
                .put(name, Bytes::from(value.to_string()))
                .await
                .expect("put");
            last_seen[key] = rev;
            (Input::Put(value), Output::Put(rev))
        } else if choice < 90 {
            let expected = if stale {
                last_seen[key].saturating_sub(1)
            } else {
                last_seen[key]
            };
            let txn = Txn::new()
                .when(Compare::mod_revision(
                    name.clone(),
                    CompareOp::Equal,
                    expected,
                ))
                .and_then(TxnOp::put(name, Bytes::from(value.to_string())));
            let response = store.txn(txn).await.expect("cas");
            let result = response.succeeded.then_some(response.revision);
            if let Some(rev) = result {
                last_seen[key] = rev;
            }
            (Input::Cas { expected, value }, Output::Cas(result))
        } else {
            let response = store
                .txn(Txn::new().and_then(TxnOp::delete(name)))
                .await
                .expect("delete");
            let deleted = match response.responses.first() {
                Some(TxnOpResponse::Delete { deleted, .. }) => *deleted == 1,
                other => panic!("expected a delete response, got {other:?}"),
            };
            (Input::Delete, Output::Delete(deleted, response.revision))
        };
        let ret = clock.fetch_add(1, Ordering::SeqCst);
        history.push(Op {
            key,
            call,
            ret,
            input,
            output,
        });
    }
    history
}

/// Runs the workload on `store` and checks its history.
async fn run(store: Arc<dyn KvStore>) {
    let clock = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|id| tokio::spawn(client(store.clone(), clock.clone(), id)))
        .collect();
    let mut ops = Vec::new();
    for task in tasks {
        ops.extend(task.await.expect("client task"));
    }
    let ran = started.elapsed();
    let checked = Instant::now();
    check_history(&ops);
    let writes = ops
        .iter()
        .filter(|op| {
            matches!(
                op.output,
                Output::Put(_) | Output::Cas(Some(_)) | Output::Delete(true, _)
            )
        })
        .count();
    let cas_failed = ops
        .iter()
        .filter(|op| matches!(op.output, Output::Cas(None)))
        .count();
    eprintln!(
        "{} operations ({writes} writes, {cas_failed} failed CAS) in {ran:?}; checked in {:?}",
        ops.len(),
        checked.elapsed()
    );
    assert!(
        cas_failed > 0 && writes > 0,
        "the workload exercised both CAS outcomes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_is_linearizable() {
    let store = TestStore::etcd().await;
    run(store.store()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_is_linearizable() {
    let store = TestStore::embedded().await;
    run(store.store()).await;
}

// === The checker's own tests ===

fn op(key: usize, call: u64, ret: u64, input: Input, output: Output) -> Op {
    Op {
        key,
        call,
        ret,
        input,
        output,
    }
}

#[test]
fn checker_accepts_a_concurrent_linearizable_history() {
    // The put overlaps both reads: it may take effect between them.
    let ops = [
        op(0, 0, 10, Input::Put(1), Output::Put(2)),
        op(0, 1, 2, Input::Get, Output::Get(None)),
        op(0, 3, 4, Input::Get, Output::Get(Some((1, 2)))),
        op(
            0,
            5,
            6,
            Input::Cas {
                expected: 2,
                value: 7,
            },
            Output::Cas(Some(3)),
        ),
        op(
            0,
            7,
            8,
            Input::Cas {
                expected: 2,
                value: 8,
            },
            Output::Cas(None),
        ),
        op(0, 11, 12, Input::Delete, Output::Delete(true, 4)),
        op(0, 13, 14, Input::Delete, Output::Delete(false, 4)),
    ];
    assert!(linearizable(&ops, None));
    check_history(&ops);
}

#[test]
fn checker_rejects_a_lost_write() {
    let ops = [
        op(0, 0, 1, Input::Put(1), Output::Put(2)),
        op(0, 2, 3, Input::Get, Output::Get(None)),
    ];
    assert!(!linearizable(&ops, None));
}

#[test]
fn checker_rejects_a_stale_read() {
    let ops = [
        op(0, 0, 1, Input::Put(1), Output::Put(2)),
        op(0, 2, 3, Input::Put(2), Output::Put(3)),
        op(0, 4, 5, Input::Get, Output::Get(Some((1, 2)))),
    ];
    assert!(!linearizable(&ops, None));
}

#[test]
fn checker_rejects_two_successful_cas_on_one_revision() {
    let ops = [
        op(0, 0, 1, Input::Put(1), Output::Put(2)),
        op(
            0,
            2,
            5,
            Input::Cas {
                expected: 2,
                value: 3,
            },
            Output::Cas(Some(3)),
        ),
        op(
            0,
            3,
            6,
            Input::Cas {
                expected: 2,
                value: 4,
            },
            Output::Cas(Some(4)),
        ),
    ];
    assert!(!linearizable(&ops, None));
}

#[test]
fn checker_rejects_reads_that_go_back_in_time() {
    // Concurrent with the put, one read sees it and a later read does not.
    let ops = [
        op(0, 0, 10, Input::Put(1), Output::Put(2)),
        op(0, 1, 2, Input::Get, Output::Get(Some((1, 2)))),
        op(0, 3, 4, Input::Get, Output::Get(None)),
    ];
    assert!(!linearizable(&ops, None));
}

#[test]
fn revision_check_rejects_reordered_writes() {
    let ops = [
        op(0, 0, 1, Input::Put(1), Output::Put(5)),
        op(1, 2, 3, Input::Put(1), Output::Put(4)),
    ];
    assert!(revisions_follow_real_time(&ops).is_err());
    let duplicate = [
        op(0, 0, 3, Input::Put(1), Output::Put(5)),
        op(1, 1, 2, Input::Put(1), Output::Put(5)),
    ];
    assert!(revisions_follow_real_time(&duplicate).is_err());
    let concurrent = [
        op(0, 0, 3, Input::Put(1), Output::Put(5)),
        op(1, 1, 2, Input::Put(1), Output::Put(4)),
    ];
    assert!(revisions_follow_real_time(&concurrent).is_ok());
}
