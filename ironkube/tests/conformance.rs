//! The conformance tooling against real `ironkube server` processes: hollow nodes look like
//! healthy kubelets to the control plane, and the CI ratchet runs, with the upstream suite built
//! from Go modules (`conformance/build.sh`), every conformance test `conformance/STATUS.md`
//! marks as passed, failing if any of them fails.
//! Run with: `cargo test -p ironkube --test conformance`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cluster::Cluster;

/// Kills a child process when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn jsonpath(cluster: &Cluster, args: &[&str]) -> String {
    cluster.kubectl_ok(args)
}

#[test]
fn hollow_nodes_look_healthy_and_renew_their_leases() {
    let cluster = Cluster::start();
    let log = std::fs::File::create(cluster.dir().join("hollow.log")).unwrap();
    let _hollow = Running(
        Command::new(env!("CARGO_BIN_EXE_ironkube"))
            .args(["hollow-nodes", "--count", "3", "--kubeconfig"])
            .arg(cluster.kubeconfig())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    // `kubectl wait` fails on a node that is not registered yet: wait for all three first.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !cluster
        .kubectl(&[
            "get",
            "node",
            "hollow-node-0",
            "hollow-node-1",
            "hollow-node-2",
        ])
        .status
        .success()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "hollow nodes not registered: {}",
            std::fs::read_to_string(cluster.dir().join("hollow.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    cluster.kubectl_ok(&[
        "wait",
        "--for=condition=Ready",
        "node/hollow-node-0",
        "node/hollow-node-1",
        "node/hollow-node-2",
        "--timeout=60s",
    ]);
    let info = jsonpath(
        &cluster,
        &[
            "get",
            "node",
            "hollow-node-1",
            "-o",
            "jsonpath={.status.nodeInfo.kubeletVersion} {.status.allocatable.pods} {.status.addresses[0].type} {.spec.taints}",
        ],
    );
    assert_eq!(info, "v1.37.2 110 InternalIP ");
    let renewed = |name: &str| {
        jsonpath(
            &cluster,
            &[
                "get",
                "lease",
                "-n",
                "kube-node-lease",
                name,
                "-o",
                "jsonpath={.spec.renewTime}",
            ],
        )
    };
    let first = renewed("hollow-node-2");
    assert!(!first.is_empty());
    std::thread::sleep(Duration::from_secs(12));
    let second = renewed("hollow-node-2");
    assert!(second > first, "lease renewed: {first} -> {second}");
    // The node lifecycle controller sees healthy nodes: no taints, Ready stays True.
    let ready = jsonpath(
        &cluster,
        &[
            "get",
            "nodes",
            "-o",
            "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{end}",
        ],
    );
    assert_eq!(ready, "TrueTrueTrue");
}

/// The built suite: conformance/build.sh (cached after the first build).
fn build_suite() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/build.sh");
    let out = Command::new("bash").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "conformance/build.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    PathBuf::from(dir.lines().last().unwrap())
}

/// A Go regular expression matching `text` literally.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[test]
fn the_ledgers_passed_tests_still_pass() {
    let ledger = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/STATUS.md"),
    )
    .unwrap();
    // Every passed test that took at most this long in the ledger's run (the slow ones stay in
    // the full run: CI's budget is for everything).
    const BUDGET_SECONDS: f64 = 120.0;
    let all_passed = ironkube_conformance::report::passed_in_ledger(&ledger);
    let passed: Vec<String> = all_passed
        .iter()
        .filter(|(_, seconds)| *seconds <= BUDGET_SECONDS)
        .map(|(name, _)| name.clone())
        .collect();
    assert!(
        !passed.is_empty(),
        "the ledger marks no test as passed: nothing to hold"
    );
    eprintln!(
        "ratchet: {} of the ledger's {} passed tests (those within {BUDGET_SECONDS} s)",
        passed.len(),
        all_passed.len()
    );
    let suite = build_suite();
    let results = tempfile::tempdir().unwrap();
    let focus = passed
        .iter()
        // Ginkgo matches the full text, which does not start where the name does: no `^`.
        .map(|name| format!("{}$", regex_escape(name)))
        .collect::<Vec<_>>()
        .join("|");
    let out = Command::new(env!("CARGO_BIN_EXE_ironkube"))
        .args(["conformance", "run", "--mode", "certified-conformance"])
        .arg("--focus")
        .arg(&focus)
        .args(["--parallel", "4", "--suite-dir"])
        .arg(&suite)
        .arg("--results-dir")
        .arg(results.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the run failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ran = ironkube_conformance::report::read_results(results.path()).unwrap();
    let failed: Vec<_> = ran
        .iter()
        .filter(|r| r.outcome == ironkube_conformance::report::Outcome::Failed)
        .map(|r| format!("{}: {}", r.name, r.failure.clone().unwrap_or_default()))
        .collect();
    let log = std::fs::read_to_string(results.path().join("e2e.log")).unwrap_or_default();
    let tail: String = log
        .lines()
        .rev()
        .take(80)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        failed.is_empty(),
        "tests the ledger marks as passed failed:\n{}\n\nend of e2e.log:\n{tail}",
        failed.join("\n")
    );
    let passed_now: Vec<&str> = ran
        .iter()
        .filter(|r| r.outcome == ironkube_conformance::report::Outcome::Passed)
        .map(|r| r.name.as_str())
        .collect();
    let missing: Vec<&String> = passed
        .iter()
        .filter(|name| !passed_now.contains(&name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "tests the ledger marks as passed did not run: {missing:#?}\n\nend of e2e.log:\n{tail}"
    );
}

#[test]
fn offline_images_are_imported_under_the_suites_names() {
    let suite = build_suite();
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("containerd.sock");
    let log = std::fs::File::create(dir.path().join("containerd.log")).unwrap();
    let _containerd = Running(
        Command::new("containerd")
            .arg("--root")
            .arg(dir.path().join("root"))
            .arg("--state")
            .arg(dir.path().join("state"))
            .arg("--address")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("containerd (scripts/setup.sh installs it)"),
    );
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/images.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("--address")
        .arg(&socket)
        .arg("--out")
        .arg(dir.path().join("images"))
        .env("IRONKUBE_CONFORMANCE_DIR", &suite)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "images.sh failed: {report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("not buildable here: registry.k8s.io/e2e-test-images/nginx"));
    let ctr = |args: &[&str]| {
        let out = Command::new("ctr")
            .arg("--address")
            .arg(&socket)
            .args(["-n", "k8s.io"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ctr {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let images = ctr(&["images", "ls", "-q"]);
    // The suite's current names for the three images (e2e.test --list-images).
    let listed = Command::new(suite.join("e2e.test"))
        .arg("--list-images")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    for name in listed.lines().filter(|l| {
        l.starts_with("registry.k8s.io/e2e-test-images/agnhost:")
            || l.starts_with("registry.k8s.io/e2e-test-images/busybox:")
            || l.starts_with("registry.k8s.io/pause:")
    }) {
        assert!(images.lines().any(|i| i == name), "{name} not in {images}");
    }
    // They run under containerd and runc.
    let busybox = listed
        .lines()
        .find(|l| l.starts_with("registry.k8s.io/e2e-test-images/busybox:"))
        .unwrap();
    let said = ctr(&[
        "run",
        "--rm",
        busybox,
        "bb",
        "sh",
        "-c",
        "echo hello $((6*7))",
    ]);
    assert_eq!(said.trim(), "hello 42");
    let agnhost = listed
        .lines()
        .find(|l| l.starts_with("registry.k8s.io/e2e-test-images/agnhost:2.66"))
        .unwrap_or("registry.k8s.io/e2e-test-images/agnhost:2.66.1");
    let help = ctr(&["run", "--rm", agnhost, "agn", "/agnhost", "--help"]);
    assert!(help.contains("netexec"), "{help}");
}
