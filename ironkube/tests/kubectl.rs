//! `ironkube server` as a process, used by the real kubectl (`/usr/bin/kubectl`) through the
//! admin kubeconfig it writes. Run with: `cargo test -p ironkube --test kubectl`.

// Helpers outside `#[test]` functions assert too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::{Server, free_port, wait_ready};

fn kubectl(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("kubectl")
        .env("KUBECONFIG", dir.join("admin.kubeconfig"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn kubectl_reads_version_and_discovery_and_restarts_keep_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Server::start(dir.path(), port);

    let version: serde_json::Value =
        serde_json::from_str(&kubectl(dir.path(), &["version", "-o", "json"])).unwrap();
    assert_eq!(version["serverVersion"]["gitVersion"], "v1.37.2-ironkube");
    assert_eq!(version["serverVersion"]["minor"], "37");

    let versions = kubectl(dir.path(), &["api-versions"]);
    let lines: Vec<&str> = versions.lines().collect();
    assert!(lines.contains(&"apps/v1"), "{versions}");
    assert!(lines.contains(&"v1"), "{versions}");

    let resources = kubectl(dir.path(), &["api-resources"]);
    let row = |name: &str| -> Vec<String> {
        resources
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {resources}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("pods")[..3], ["pods", "po", "v1"]);
    assert_eq!(
        row("deployments")[..3],
        ["deployments", "deploy", "apps/v1"]
    );

    let ca = std::fs::read(dir.path().join("pki/ca.crt")).unwrap();
    let status = child.terminate();
    assert!(status.success(), "{status:?}");

    let child = Server::start(dir.path(), port);
    assert_eq!(std::fs::read(dir.path().join("pki/ca.crt")).unwrap(), ca);
    let versions = kubectl(dir.path(), &["api-versions"]);
    assert!(versions.lines().any(|l| l == "apps/v1"));
    let status = child.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn apiserver_refuses_unknown_flags_by_name() {
    let output = Command::new(env!("CARGO_BIN_EXE_ironkube"))
        .args(["apiserver", "--no-such-flag"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}

/// `kube-apiserver` (the binary under that name) on a real etcd, with certificates made as
/// `ironkube server` makes them: kubectl reaches it with the admin kubeconfig.
#[test]
fn invoked_as_kube_apiserver_it_serves_on_etcd() {
    use ironkube_apiserver::pki::{Pki, ServingNames};
    let dir = tempfile::tempdir().unwrap();
    let etcd = ironkube_testutil::EtcdProcess::start().unwrap();
    let pki = Pki::ensure(&dir.path().join("pki"), &ServingNames::default()).unwrap();
    let port = free_port();
    pki.write_admin_kubeconfig(
        &dir.path().join("admin.kubeconfig"),
        &format!("https://127.0.0.1:{port}"),
    )
    .unwrap();
    let link = dir.path().join("kube-apiserver");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ironkube"), &link).unwrap();
    let server = Server(
        Command::new(&link)
            .arg(format!("--etcd-servers={}", etcd.endpoint()))
            .args([
                "--bind-address",
                "127.0.0.1",
                "--secure-port",
                &port.to_string(),
            ])
            .arg("--tls-cert-file")
            .arg(&pki.serving_cert)
            .arg("--tls-private-key-file")
            .arg(&pki.serving_key)
            .arg("--client-ca-file")
            .arg(&pki.ca_cert)
            .args([
                "--max-requests-inflight",
                "100",
                "--etcd-prefix",
                "/registry",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_ready(&pki.ca_cert, port);
    let versions = kubectl(dir.path(), &["api-versions"]);
    assert!(versions.lines().any(|l| l == "apps/v1"), "{versions}");
    let readyz = kubectl(dir.path(), &["get", "--raw", "/readyz?verbose"]);
    assert!(readyz.contains("[+]etcd ok\n"), "{readyz}");
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}
