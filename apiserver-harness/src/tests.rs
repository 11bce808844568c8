use std::time::Duration;

use super::*;

fn strings(args: &[OsString]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_file_is_written_as_pem() {
    let dir = tempfile::tempdir().unwrap();
    let certs = Certs::generate(dir.path()).unwrap();
    for (path, label) in [
        (&certs.pki.ca_cert, "CERTIFICATE"),
        (&certs.pki.serving_cert, "CERTIFICATE"),
        (&certs.pki.admin_cert, "CERTIFICATE"),
        (&certs.service_account_key, "PRIVATE KEY"),
        (&certs.service_account_pub, "PUBLIC KEY"),
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.starts_with(&format!("-----BEGIN {label}-----")),
            "{}: {text}",
            path.display()
        );
    }
}

#[test]
fn both_servers_get_the_same_etcd_and_certificates_under_their_own_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let certs = Certs::generate(dir.path()).unwrap();
    let etcd = "http://127.0.0.1:2379";
    let ironkube = strings(&ServerKind::Ironkube.args(etcd, "/a", 6443, &certs, dir.path()));
    let upstream = strings(&ServerKind::Upstream.args(etcd, "/b", 6444, &certs, dir.path()));
    for args in [&ironkube, &upstream] {
        assert!(args.contains(&"--etcd-servers=http://127.0.0.1:2379".to_string()));
        assert!(args.contains(&"--bind-address=127.0.0.1".to_string()));
        assert!(args.contains(&format!("--client-ca-file={}", certs.pki.ca_cert.display())));
    }
    assert!(ironkube.contains(&"--etcd-prefix=/a".to_string()));
    assert!(ironkube.contains(&"--secure-port=6443".to_string()));
    assert!(upstream.contains(&"--etcd-prefix=/b".to_string()));
    assert!(upstream.contains(&"--authorization-mode=RBAC".to_string()));
    assert!(
        upstream
            .iter()
            .any(|a| a.starts_with("--service-account-signing-key-file="))
    );
    assert!(
        !ironkube
            .iter()
            .any(|a| a.starts_with("--service-account") || a.starts_with("--authorization"))
    );
}

#[test]
fn a_server_that_exits_is_seen_with_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let certs = Certs::generate(dir.path()).unwrap();
    // `sh -c` runs its first argument and ignores the flags after it.
    let mut server = ServerProcess::spawn(&Launch {
        kind: ServerKind::Ironkube,
        binary: Path::new("sh"),
        leading: &["-c", "echo started; exit 3"],
        extra: &[],
        etcd_url: "http://127.0.0.1:1",
        etcd_prefix: "/x",
        certs: &certs,
        dir: dir.path(),
    })
    .unwrap();
    let mut status = None;
    for _ in 0..50 {
        status = server.exited().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status.and_then(|s| s.code()), Some(3));
    assert_eq!(server.log_tail(5), "started");
    assert!(server.log_path().ends_with("ironkube.log"));
}

#[test]
fn tail_keeps_the_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    std::fs::write(&path, "a\nb\nc\n").unwrap();
    assert_eq!(tail(&path, 2), "b\nc");
    assert_eq!(tail(&dir.path().join("none"), 2), "");
}

#[test]
fn missing_binaries_are_named() {
    let err = ironkube_binary(Some(Path::new("/no/such/ironkube")), "--ironkube-bin").unwrap_err();
    assert!(err.to_string().contains("/no/such/ironkube"), "{err}");
    let err =
        upstream_binary(Some(Path::new("/no/such/kube-apiserver")), "--upstream-bin").unwrap_err();
    assert_eq!(
        err.to_string(),
        "--upstream-bin /no/such/kube-apiserver does not exist"
    );
}
