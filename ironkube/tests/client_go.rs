//! client-go's shared informers against `ironkube server`: the Go program in `conformance/`
//! (`cmd/informers`, client-go v0.37.2) starts informers on ConfigMaps and Pods, creates,
//! updates, merge-patches and deletes 100 objects of each kind (200 in all) and checks that the
//! informers saw every event of every object in order; it prints a one-line JSON summary, which
//! this test asserts on.
//!
//! The runs: protobuf with watch-list (`WatchListClient`, client-go's default) and with LIST +
//! WATCH, both across a restart of the server (SIGTERM, then a new server on the same data dir
//! and port) after which the informers' re-watch gets 410 Expired and they re-list; and JSON.
//!
//! The program is built with `go` once per version of its sources and cached under Cargo's
//! target directory. Run with: `cargo test -p ironkube --test client_go -- --nocapture`.

// Helpers outside `#[test]` functions assert too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Server, free_port};

/// Objects of each kind the program writes.
const OBJECTS: u64 = 100;

/// The longest a run of the program may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The Go module of the program.
fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance")
}

/// Every file of the Go module that goes into the binary (go.mod, go.sum and the sources), in
/// a stable order.
fn module_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            module_files(&path, files);
        } else if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.ends_with(".go") || name == "go.mod" || name == "go.sum")
        {
            files.push(path);
        }
    }
}

/// The program's binary: built once per version of its sources (and of Go), cached under the
/// target directory.
fn informers_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    static BUILDING: Mutex<()> = Mutex::new(());
    let _guard = BUILDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    BINARY
        .get_or_init(|| {
            let dir = conformance_dir();
            let go_version = Command::new("go")
                .arg("version")
                .output()
                .expect("`go` is needed to build conformance/cmd/informers");
            let mut hasher = DefaultHasher::new();
            go_version.stdout.hash(&mut hasher);
            let mut files = Vec::new();
            module_files(&dir, &mut files);
            for file in &files {
                file.strip_prefix(&dir).unwrap().hash(&mut hasher);
                std::fs::read(file).unwrap().hash(&mut hasher);
            }
            let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("client-go");
            std::fs::create_dir_all(&cache).unwrap();
            let binary = cache.join(format!("informers-{:016x}", hasher.finish()));
            if binary.exists() {
                return binary;
            }
            let partial = cache.join(format!("informers-{}.partial", std::process::id()));
            let started = Instant::now();
            let output = Command::new("go")
                .args(["build", "-buildvcs=false", "-o"])
                .arg(&partial)
                .arg("./cmd/informers")
                .current_dir(&dir)
                .output()
                .expect("run go build");
            assert!(
                output.status.success(),
                "go build ./cmd/informers: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            std::fs::rename(&partial, &binary).unwrap();
            eprintln!("built {} in {:.1?}", binary.display(), started.elapsed());
            binary
        })
        .clone()
}

/// One run of the program.
struct Run {
    /// `protobuf` or `json`.
    content_type: &'static str,
    /// `KUBE_FEATURE_WatchListClient`; client-go's default (on) when `None`.
    watch_list: Option<bool>,
    /// Restart the server after the creates.
    restart: bool,
    /// The namespace the run works in.
    namespace: &'static str,
}

/// What a run printed.
struct Outcome {
    /// The summary (the last line of standard output).
    summary: Value,
    /// Standard error, for messages.
    stderr: String,
}

/// Starts a server on a fresh data dir, runs the program against it (restarting the server
/// when it asks), and returns its summary after asserting that it exited with success.
fn run_informers(run: &Run) -> Outcome {
    let binary = informers_binary();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Some(Server::start(dir.path(), port));

    let mut command = Command::new(&binary);
    command
        .arg("--kubeconfig")
        .arg(dir.path().join("admin.kubeconfig"))
        .args(["--content-type", run.content_type])
        .args(["--objects", &OBJECTS.to_string()])
        .args(["--namespace", run.namespace])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if run.restart {
        command.arg("--restart");
    }
    if let Some(on) = run.watch_list {
        command.env("KUBE_FEATURE_WatchListClient", on.to_string());
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("start the informers program");
    let mut stdin = child.stdin.take().unwrap();
    let (sender, lines) = channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });

    let mut stdout_lines = Vec::new();
    let deadline = started + RUN_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = lines.recv_timeout(left) else {
            break;
        };
        if line == "RESTART" {
            let stopping = Instant::now();
            let status = server.take().unwrap().terminate();
            assert!(status.success(), "server exit after SIGTERM: {status:?}");
            server = Some(Server::start(dir.path(), port));
            eprintln!(
                "{}: server restarted in {:.1?}",
                run.namespace,
                stopping.elapsed()
            );
            writeln!(stdin, "go").unwrap();
            stdin.flush().unwrap();
        }
        stdout_lines.push(line);
    }
    if Instant::now() >= deadline {
        let _ = child.kill();
    }
    let status = child.wait().unwrap();
    let stderr = stderr_reader.join().unwrap();
    eprintln!("{}: {:.1?}, {status:?}", run.namespace, started.elapsed());
    let summary_line = stdout_lines
        .iter()
        .rev()
        .find(|line| line.starts_with('{'))
        .unwrap_or_else(|| {
            panic!("no summary ({status:?}); stdout: {stdout_lines:?}; stderr: {stderr}")
        });
    let summary: Value = serde_json::from_str(summary_line).unwrap();
    eprintln!("{}: {summary}", run.namespace);
    assert!(
        status.success() && summary["ok"] == true,
        "{status:?}; errors: {:#}; stderr (tail): {}",
        summary["errors"],
        tail(&stderr, 4000)
    );
    drop(server);
    Outcome { summary, stderr }
}

/// The last `len` bytes of `text` (at a character boundary).
fn tail(text: &str, len: usize) -> &str {
    let mut start = text.len().saturating_sub(len);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Asserts what every run shares: every event of every object, once, and the reads the mode
/// makes.
fn assert_events(outcome: &Outcome, watch_list: bool, restarted: bool) {
    let summary = &outcome.summary;
    assert_eq!(summary["watchList"], watch_list, "{summary}");
    for resource in ["configmaps", "pods"] {
        let of = &summary["resources"][resource];
        let events = &of["events"];
        assert_eq!(events["add"], OBJECTS, "{resource}: {summary}");
        assert_eq!(events["update"], 2 * OBJECTS, "{resource}: {summary}");
        assert_eq!(events["delete"], OBJECTS, "{resource}: {summary}");
        // A pod's deletion is first written as a deletionTimestamp (with a grace period of 0,
        // as it is on no node), then the pod is deleted: two events, as upstream's.
        let deleting = if resource == "pods" { OBJECTS } else { 0 };
        assert_eq!(events["deleting"], deleting, "{resource}: {summary}");
        assert_eq!(events["deleteUnknown"], 0, "{resource}: {summary}");
        let requests = &of["requests"];
        if watch_list {
            assert_eq!(requests["list"], 0, "{resource}: {summary}");
            assert!(
                requests["watchList"].as_u64() >= Some(1),
                "{resource}: {summary}"
            );
        } else {
            assert_eq!(requests["watchList"], 0, "{resource}: {summary}");
            assert!(
                requests["list"].as_u64() >= Some(1),
                "{resource}: {summary}"
            );
        }
        if restarted {
            assert!(of["relists"].as_u64() >= Some(1), "{resource}: {summary}");
            assert!(
                of["watchErrors"]["expired"].as_u64() >= Some(1),
                "{resource}: no 410 after the restart: {summary}; stderr (tail): {}",
                tail(&outcome.stderr, 4000)
            );
        } else {
            assert_eq!(of["relists"], 0, "{resource}: {summary}");
        }
    }
}

/// Asserts the content types of the informers' reads.
fn assert_content_types(summary: &Value, list: &[&str], watch: &str) {
    assert_eq!(
        summary["contentTypes"]["list"],
        serde_json::json!(list),
        "{summary}"
    );
    assert_eq!(
        summary["contentTypes"]["watch"],
        serde_json::json!([watch]),
        "{summary}"
    );
}

#[test]
fn informers_with_watch_list_over_protobuf_see_every_event_across_a_restart() {
    let outcome = run_informers(&Run {
        content_type: "protobuf",
        watch_list: Some(true),
        restart: true,
        namespace: "watch-list-protobuf",
    });
    assert_events(&outcome, true, true);
    assert_content_types(
        &outcome.summary,
        &[],
        "application/vnd.kubernetes.protobuf;stream=watch",
    );
}

#[test]
fn informers_with_list_and_watch_over_protobuf_see_every_event_across_a_restart() {
    let outcome = run_informers(&Run {
        content_type: "protobuf",
        watch_list: Some(false),
        restart: true,
        namespace: "list-watch-protobuf",
    });
    assert_events(&outcome, false, true);
    assert_content_types(
        &outcome.summary,
        &["application/vnd.kubernetes.protobuf"],
        "application/vnd.kubernetes.protobuf;stream=watch",
    );
}

#[test]
fn informers_over_json_see_every_event() {
    let outcome = run_informers(&Run {
        content_type: "json",
        watch_list: None,
        restart: false,
        namespace: "default-json",
    });
    // client-go ≥ 1.35 lists with watch-list by default.
    assert_events(&outcome, true, false);
    assert_content_types(&outcome.summary, &[], "application/json");
}
