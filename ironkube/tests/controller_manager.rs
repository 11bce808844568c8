//! `ironkube controller-manager` as its own process: kube-controller-manager's flags, the secure
//! port's `/healthz` and `/metrics`, and leader election between two instances on one
//! `ironkube server` (run without its in-process controller manager).
//! Run with: `cargo test -p ironkube --test controller_manager`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::process::Command;
use std::time::{Duration, Instant};

use cluster::{Cluster, Manager, wait_until};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::PostParams;
use kube::runtime::watcher;
use kube::{Api, ResourceExt as _};
use serde_json::json;

impl Manager {
    fn leading(&self) -> bool {
        self.get("/metrics").is_some_and(|m| {
            m.contains("leader_election_master_status{name=\"kube-controller-manager\"} 1")
        })
    }
}

const FAST_ELECTION: [&str; 3] = [
    "--leader-elect-lease-duration=4s",
    "--leader-elect-renew-deadline=3s",
    "--leader-elect-retry-period=500ms",
];

#[test]
fn unknown_flags_and_controllers_are_refused() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ironkube"))
            .arg("controller-manager")
            .args(args)
            .output()
            .unwrap()
    };
    let unknown = run(&["--no-such-flag=1"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--no-such-flag"));
    let controllers = run(&[
        "--controllers=*,-red-controller",
        "--kubeconfig=/nonexistent",
    ]);
    assert!(!controllers.status.success());
    let stderr = String::from_utf8_lossy(&controllers.stderr);
    assert!(
        stderr.contains(r#""red-controller" is not in the list of known controllers"#),
        "{stderr}"
    );
    let lock = run(&["--leader-elect-resource-lock=endpoints", "--kubeconfig=/x"]);
    assert!(
        String::from_utf8_lossy(&lock.stderr).contains(r#"resourceLock value must be "leases""#)
    );
    // Invoked as kube-controller-manager, the binary is the controller manager.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("kube-controller-manager");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ironkube"), &link).unwrap();
    let help = Command::new(&link).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--leader-elect-lease-duration"), "{text}");
    assert!(text.contains("--concurrent-deployment-syncs"), "{text}");
}

#[tokio::test]
async fn a_standby_takes_over_when_the_leader_dies() {
    let cluster = Cluster::start_with(&["--disable-controller-manager"]);
    let client = cluster.client().await;
    let first = Manager::start(&cluster, &FAST_ELECTION);
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-system");
    let holder = |leases: &[Lease]| {
        leases
            .iter()
            .find(|l| l.name_any() == "kube-controller-manager")
            .and_then(|l| l.spec.as_ref()?.holder_identity.clone())
            .filter(|h| !h.is_empty())
    };
    let first_identity = wait_until(
        &leases,
        watcher::Config::default(),
        Duration::from_secs(20),
        "a leader",
        holder,
    )
    .await;
    let mut second = Manager::start(&cluster, &FAST_ELECTION);
    std::thread::sleep(Duration::from_secs(1));
    assert!(first.leading(), "the first instance leads");
    assert!(!second.leading(), "the second waits");
    let lease = leases.get("kube-controller-manager").await.unwrap();
    let spec = lease.spec.unwrap();
    assert_eq!(spec.lease_duration_seconds, Some(4));
    assert_eq!(spec.lease_transitions, Some(0));

    // The leader acts: a new namespace gets its default account.
    make_namespace(&client, "before-failover").await;

    // kill -9 the leader: the standby takes the lease after it has seen it unrenewed for the
    // lease duration (4 s), at the latest one retry period later.
    let mut first = first;
    let _ = first.child.kill();
    let _ = first.child.wait();
    let killed = Instant::now();
    let second_identity = wait_until(
        &leases,
        watcher::Config::default(),
        Duration::from_secs(15),
        "a new leader",
        |l| holder(l).filter(|h| *h != first_identity),
    )
    .await;
    let took = killed.elapsed();
    assert!(
        took <= Duration::from_secs(7),
        "failover took {took:?} with a 4 s lease"
    );
    assert!(second.leading());
    let lease = leases.get("kube-controller-manager").await.unwrap();
    assert_eq!(lease.spec.unwrap().lease_transitions, Some(1));
    make_namespace(&client, "after-failover").await;

    // A leader stopped with SIGTERM gives the lease up: a third instance takes it at once.
    let third = Manager::start(&cluster, &FAST_ELECTION);
    Command::new("kill")
        .args(["-TERM", &second.child.id().to_string()])
        .status()
        .unwrap();
    let status = second.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let stopped = Instant::now();
    wait_until(
        &leases,
        watcher::Config::default(),
        Duration::from_secs(10),
        "the third instance leading",
        |l| holder(l).filter(|h| *h != second_identity && *h != first_identity),
    )
    .await;
    assert!(
        stopped.elapsed() < Duration::from_secs(3),
        "released lease taken after {:?}",
        stopped.elapsed()
    );
    assert!(third.leading());
}

/// Creates a namespace and waits for the leader's serviceaccount controller to give it an account.
async fn make_namespace(client: &kube::Client, name: &str) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": name}})).unwrap(),
        )
        .await
        .unwrap();
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), name);
    wait_until(
        &accounts,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the default account",
        |sas| sas.iter().find(|sa| sa.name_any() == "default").map(|_| ()),
    )
    .await;
}
