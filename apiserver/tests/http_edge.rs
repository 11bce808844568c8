//! The HTTPS edge over real sockets and TLS: the server runs in-process on a free port with a
//! temporary data directory and the embedded store; `curl` is the client (with and without
//! the admin's client certificate). Run with: `cargo test -p ironkube-apiserver --test http_edge`.

// Helpers outside `#[test]` functions assert too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use ironkube_apiserver::discovery;
use ironkube_apiserver::pki::{Pki, ServingNames};
use ironkube_apiserver::registry::Registry;
use ironkube_apiserver::server::{AGGREGATED_MEDIA_TYPE, ApiServer, ServerConfig};
use ironkube_storage::embedded::EmbeddedStore;

const UNAUTHORIZED: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#;
const NOT_FOUND: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#;

/// A running server and how to reach it.
struct Running {
    addr: SocketAddr,
    pki: Pki,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
    store: EmbeddedStore,
}

async fn start(dir: &Path) -> Running {
    let pki = Pki::ensure(&dir.join("pki"), &ServingNames::default()).unwrap();
    let store = EmbeddedStore::open(&dir.join("db")).await.unwrap();
    let server = ApiServer::bind(
        ServerConfig {
            client_ca: Some(pki.ca_cert.clone()),
            ..ServerConfig::new(
                "127.0.0.1:0".parse().unwrap(),
                pki.serving_cert.clone(),
                pki.serving_key.clone(),
            )
        },
        Arc::new(store.clone()),
    )
    .await
    .unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let served = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        pki,
        stop,
        served,
        store,
    }
}

impl Running {
    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.served.await.unwrap();
        self.store.close().await;
    }
}

/// A curl answer: status code, Content-Type, body.
#[derive(Debug)]
struct Answer {
    code: u16,
    content_type: String,
    body: String,
}

/// Which client certificate curl presents.
#[derive(Clone, Copy)]
enum Client<'a> {
    /// None.
    Anonymous,
    /// The admin's (`O=system:masters`).
    Admin,
    /// Another certificate and key.
    Cert(&'a Path, &'a Path),
}

async fn curl(server: &Running, path: &str, client: Client<'_>, extra: &[&str]) -> Answer {
    let mut cmd = tokio::process::Command::new("curl");
    cmd.args(["-sS", "--cacert"])
        .arg(&server.pki.ca_cert)
        .args(["-w", "\n%{http_code}\n%{content_type}"]);
    let (cert, key) = match client {
        Client::Anonymous => (None, None),
        Client::Admin => (Some(&*server.pki.admin_cert), Some(&*server.pki.admin_key)),
        Client::Cert(cert, key) => (Some(cert), Some(key)),
    };
    if let (Some(cert), Some(key)) = (cert, key) {
        cmd.arg("--cert").arg(cert).arg("--key").arg(key);
    }
    cmd.args(extra)
        .arg(format!("https://127.0.0.1:{}{path}", server.addr.port()));
    let output = cmd.output().await.unwrap();
    assert!(
        output.status.success(),
        "curl {path}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut parts = text.rsplitn(3, '\n');
    let content_type = parts.next().unwrap().to_string();
    let code = parts.next().unwrap().parse().unwrap();
    let body = parts.next().unwrap().to_string();
    Answer {
        code,
        content_type,
        body,
    }
}

fn json(answer: &Answer) -> serde_json::Value {
    serde_json::from_str(&answer.body).unwrap()
}

#[tokio::test]
async fn anonymous_clients_reach_only_health_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    for path in [
        "/api",
        "/apis",
        "/api/v1",
        "/apis/apps/v1",
        "/api/v1/pods",
        "/foo",
    ] {
        let answer = curl(&server, path, Client::Anonymous, &[]).await;
        assert_eq!(answer.code, 401, "{path}");
        assert_eq!(answer.content_type, "application/json", "{path}");
        assert_eq!(answer.body, UNAUTHORIZED, "{path}");
    }
    for path in [
        "/healthz",
        "/livez",
        "/readyz",
        "/healthz/ping",
        "/livez/log",
        "/readyz/etcd",
        "/readyz/shutdown",
    ] {
        let answer = curl(&server, path, Client::Anonymous, &[]).await;
        assert_eq!((answer.code, answer.body.as_str()), (200, "ok"), "{path}");
        assert_eq!(answer.content_type, "text/plain; charset=utf-8", "{path}");
    }
    let answer = curl(&server, "/healthz?verbose", Client::Anonymous, &[]).await;
    assert_eq!(answer.code, 200);
    assert_eq!(
        answer.body,
        "[+]ping ok\n[+]log ok\n[+]etcd ok\nhealthz check passed\n"
    );
    let answer = curl(&server, "/readyz?verbose=1", Client::Anonymous, &[]).await;
    assert_eq!(
        answer.body,
        "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n"
    );
    let answer = curl(&server, "/readyz/nope", Client::Anonymous, &[]).await;
    assert_eq!((answer.code, answer.body.as_str()), (404, NOT_FOUND));

    let answer = curl(&server, "/version", Client::Anonymous, &[]).await;
    assert_eq!(answer.code, 200);
    assert_eq!(answer.content_type, "application/json");
    let version = json(&answer);
    // Fields in upstream's order (`version.Info`), each present.
    let fields = [
        "major",
        "minor",
        "emulationMajor",
        "emulationMinor",
        "minCompatibilityMajor",
        "minCompatibilityMinor",
        "gitVersion",
        "gitCommit",
        "gitTreeState",
        "buildDate",
        "goVersion",
        "compiler",
        "platform",
    ];
    let positions: Vec<usize> = fields
        .iter()
        .map(|f| answer.body.find(&format!("\"{f}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", answer.body);
    assert_eq!(version.as_object().unwrap().len(), fields.len());
    assert_eq!(version["major"], "1");
    assert_eq!(version["minor"], "37");
    assert_eq!(version["gitVersion"], "v1.37.2-ironkube");
    assert!(answer.body.starts_with("{\n  \"major\": \"1\",\n"));
    server.stop().await;
}

#[tokio::test]
async fn the_admin_reads_discovery_as_the_discovery_module_builds_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let registry = Registry::builtin();
    let port = server.addr.port();

    let answer = curl(&server, "/api", Client::Admin, &[]).await;
    assert_eq!(
        (answer.code, answer.content_type.as_str()),
        (200, "application/json")
    );
    assert_eq!(
        json(&answer),
        discovery::api_versions(&format!("127.0.0.1:{port}"))
    );
    let answer = curl(&server, "/apis", Client::Admin, &[]).await;
    assert_eq!(json(&answer), discovery::api_group_list(&registry));
    let answer = curl(&server, "/api/v1", Client::Admin, &[]).await;
    assert_eq!(
        json(&answer),
        discovery::api_resource_list(&registry, "", "v1").unwrap()
    );
    let answer = curl(&server, "/apis/apps", Client::Admin, &[]).await;
    assert_eq!(
        json(&answer),
        discovery::api_group(&registry, "apps").unwrap()
    );
    let answer = curl(&server, "/apis/apps/v1", Client::Admin, &[]).await;
    assert_eq!(
        json(&answer),
        discovery::api_resource_list(&registry, "apps", "v1").unwrap()
    );

    // What kubectl 1.3x sends: aggregated first, protobuf variants, then plain JSON.
    let accept = format!(
        "Accept: application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,{AGGREGATED_MEDIA_TYPE},application/json"
    );
    let answer = curl(&server, "/apis", Client::Admin, &["-H", &accept]).await;
    assert_eq!(answer.code, 200);
    assert_eq!(answer.content_type, AGGREGATED_MEDIA_TYPE);
    assert_eq!(json(&answer), discovery::aggregated_apis(&registry));
    let answer = curl(&server, "/api", Client::Admin, &["-H", &accept]).await;
    assert_eq!(answer.content_type, AGGREGATED_MEDIA_TYPE);
    assert_eq!(json(&answer), discovery::aggregated_legacy(&registry));
    let answer = curl(
        &server,
        "/apis",
        Client::Admin,
        &["-H", "Accept: application/json"],
    )
    .await;
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(json(&answer), discovery::api_group_list(&registry));

    // Served group versions answer for unknown resources with a Status...
    for path in [
        "/api/v1/namespaces/default/widgets/web",
        "/apis/apps/v1/widgets",
    ] {
        let answer = curl(&server, path, Client::Admin, &[]).await;
        assert_eq!(answer.code, 404, "{path}");
        assert_eq!(answer.content_type, "application/json", "{path}");
        assert_eq!(answer.body, NOT_FOUND, "{path}");
    }
    // ... paths nothing is registered at get Go's plain-text 404 (checked against upstream by
    // the differential test).
    for path in [
        "/apis/nope",
        "/apis/apps/v9",
        "/api/v2",
        "/metrics-not-here",
    ] {
        let answer = curl(&server, path, Client::Admin, &[]).await;
        assert_eq!(answer.code, 404, "{path}");
        assert_eq!(answer.content_type, "text/plain; charset=utf-8", "{path}");
        assert_eq!(answer.body, "404 page not found\n", "{path}");
    }
    // HTTP/1.1 as well as the HTTP/2 curl negotiates by default.
    let answer = curl(&server, "/apis/apps", Client::Admin, &["--http1.1"]).await;
    assert_eq!(answer.code, 200);
    server.stop().await;
}

/// Writes a client certificate for `cn` in organizations `orgs`, signed by `ca_cert`/`ca_key`
/// (or by a fresh CA of its own when those are `None`); returns the certificate and key paths.
fn client_cert(
    dir: &Path,
    name: &str,
    cn: &str,
    orgs: &[&str],
    ca: Option<(&Path, &Path)>,
) -> (std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
    let (issuer_cert, issuer_key) = match ca {
        Some((cert, key)) => (
            std::fs::read_to_string(cert).unwrap(),
            KeyPair::from_pem(&std::fs::read_to_string(key).unwrap()).unwrap(),
        ),
        None => {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params
                .distinguished_name
                .push(DnType::CommonName, "other-ca");
            (params.self_signed(&key).unwrap().pem(), key)
        }
    };
    let issuer = Issuer::from_ca_cert_pem(&issuer_cert, issuer_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    for org in orgs {
        params
            .distinguished_name
            .push(DnType::OrganizationName, *org);
    }
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).unwrap();
    let cert_path = dir.join(format!("{name}.crt"));
    let key_path = dir.join(format!("{name}.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (cert_path, key_path)
}

#[tokio::test]
async fn other_users_are_forbidden_and_foreign_certificates_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let ca = (&*server.pki.ca_cert, &*server.pki.ca_key);
    let (cert, key) = client_cert(dir.path(), "jane", "jane", &["devs"], Some(ca));
    let jane = Client::Cert(&cert, &key);

    let answer = curl(&server, "/apis", jane, &[]).await;
    assert_eq!(answer.code, 403);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(
        answer.body,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"jane\" cannot get path \"/apis\"","reason":"Forbidden","details":{},"code":403}"#
    );
    let answer = curl(
        &server,
        "/apis/apps/v1/namespaces/prod/deployments",
        jane,
        &[],
    )
    .await;
    assert_eq!(answer.code, 403);
    assert_eq!(
        answer.body,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps is forbidden: User \"jane\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"prod\"","reason":"Forbidden","details":{"group":"apps","kind":"deployments"},"code":403}"#
    );
    let answer = curl(&server, "/api/v1/nodes/n1/status", jane, &["-X", "PUT"]).await;
    assert_eq!(answer.code, 403);
    assert_eq!(
        json(&answer)["message"],
        r#"nodes "n1" is forbidden: User "jane" cannot update resource "nodes/status" in API group "" at the cluster scope"#
    );
    for path in ["/readyz", "/livez", "/healthz", "/version"] {
        assert_eq!(curl(&server, path, jane, &[]).await.code, 200, "{path}");
    }

    // A certificate the cluster CA did not sign fails the handshake.
    let (cert, key) = client_cert(dir.path(), "mallory", "mallory", &["system:masters"], None);
    let output = tokio::process::Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "--cacert"])
        .arg(&server.pki.ca_cert)
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .arg(format!("https://127.0.0.1:{}/apis", server.addr.port()))
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    server.stop().await;
}
