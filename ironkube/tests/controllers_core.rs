//! The controller manager inside a real `ironkube server`: leader election, namespaces,
//! service accounts and the root CA publisher, driven with kube-rs and kubectl.
//! Run with: `cargo test -p ironkube --test controllers_core`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::time::Duration;

use cluster::{Cluster, wait_until};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, ServiceAccount};
use kube::api::{DeleteParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, ResourceExt as _};
use serde_json::json;

#[tokio::test]
async fn every_namespace_gets_a_default_account_and_the_root_ca_back() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "team-a"}})).unwrap(),
        )
        .await
        .unwrap();
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), "team-a");
    wait_until(
        &accounts,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the default account",
        |sas| sas.iter().find(|sa| sa.name_any() == "default").map(|_| ()),
    )
    .await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let ca = std::fs::read_to_string(cluster.dir().join("pki/ca.crt")).unwrap();
    let published = |cms: &[ConfigMap]| {
        cms.iter()
            .find(|cm| cm.name_any() == "kube-root-ca.crt")
            .filter(|cm| cm.data.as_ref().and_then(|d| d.get("ca.crt")) == Some(&ca))
            .cloned()
    };
    let cm = wait_until(
        &maps,
        watcher::Config::default(),
        Duration::from_secs(20),
        "kube-root-ca.crt",
        published,
    )
    .await;
    assert!(cm.annotations()["kubernetes.io/description"].starts_with("Contains a CA bundle"));

    // Edited: put back. Deleted: made again. The account too.
    cluster.kubectl_ok(&[
        "-n",
        "team-a",
        "patch",
        "configmap",
        "kube-root-ca.crt",
        "--type=merge",
        "-p",
        r#"{"data":{"ca.crt":"tampered"}}"#,
    ]);
    wait_until(
        &maps,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the CA put back",
        published,
    )
    .await;
    maps.delete("kube-root-ca.crt", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &maps,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the CA made again",
        published,
    )
    .await;
    accounts
        .delete("default", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &accounts,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the default account again",
        |sas| sas.iter().find(|sa| sa.name_any() == "default").map(|_| ()),
    )
    .await;
    // The system namespaces have them too.
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let maps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        wait_until(
            &maps,
            watcher::Config::default(),
            Duration::from_secs(20),
            "kube-root-ca.crt",
            published,
        )
        .await;
    }
}

/// Deleting a namespace with 100 objects of 10 kinds empties it, reports what holds it with
/// upstream's conditions, and the namespace disappears once the last finalizer goes.
#[tokio::test]
async fn deleting_a_namespace_removes_all_of_its_content() {
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams};
    let cluster = Cluster::start();
    let client = cluster.client().await;
    cluster.kubectl_ok(&["create", "namespace", "crowded"]);
    let kinds: [(&str, &str, &str, serde_json::Value); 10] = [
        ("", "v1", "ConfigMap", json!({"data": {"k": "v"}})),
        ("", "v1", "Secret", json!({"stringData": {"k": "v"}})),
        ("", "v1", "ServiceAccount", json!({})),
        (
            "",
            "v1",
            "Service",
            json!({"spec": {"ports": [{"port": 80}]}}),
        ),
        (
            "",
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
        ),
        (
            "",
            "v1",
            "PersistentVolumeClaim",
            json!({"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
        ),
        (
            "",
            "v1",
            "LimitRange",
            json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]}}),
        ),
        (
            "",
            "v1",
            "PodTemplate",
            json!({"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}),
        ),
        ("coordination.k8s.io", "v1", "Lease", json!({"spec": {}})),
        (
            "",
            "v1",
            "Event",
            json!({"involvedObject": {"kind": "Pod", "name": "p", "namespace": "crowded"}, "reason": "Test"}),
        ),
    ];
    let mut resources = Vec::new();
    for (group, version, kind, body) in kinds {
        let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "crowded", &resource);
        for i in 0..10 {
            let mut object = body.clone();
            object["apiVersion"] = json!(resource.api_version);
            object["kind"] = json!(kind);
            object["metadata"] = json!({"name": format!("{}-{i}", kind.to_lowercase())});
            let object: DynamicObject = serde_json::from_value(object).unwrap();
            api.create(&PostParams::default(), &object)
                .await
                .unwrap_or_else(|err| panic!("create {kind} {i}: {err}"));
        }
        resources.push((kind, api));
    }
    // One object held by a finalizer keeps the namespace until it is released.
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "crowded");
    maps.patch(
        "configmap-0",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": ["example.com/hold"]}})),
    )
    .await
    .unwrap();

    cluster.kubectl_ok(&["delete", "namespace", "crowded", "--wait=false"]);
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let condition = |ns: &Namespace, kind: &str| {
        ns.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == kind))
            .map(|c| {
                (
                    c.status.clone(),
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default(),
                )
            })
    };
    let held = wait_until(
        &namespaces,
        watcher::Config::default().fields("metadata.name=crowded"),
        Duration::from_secs(30),
        "the finalizer condition",
        |nss| {
            nss.first()
                .filter(|ns| {
                    condition(ns, "NamespaceFinalizersRemaining").is_some_and(|c| c.0 == "True")
                })
                .cloned()
        },
    )
    .await;
    assert_eq!(
        held.status.as_ref().unwrap().phase.as_deref(),
        Some("Terminating")
    );
    assert_eq!(
        condition(&held, "NamespaceFinalizersRemaining").unwrap(),
        ("True".into(), "SomeFinalizersRemain".into(), "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances".into())
    );
    assert_eq!(
        condition(&held, "NamespaceContentRemaining").unwrap(),
        (
            "True".into(),
            "SomeResourcesRemain".into(),
            "Some resources are remaining: configmaps. has 1 resource instances".into()
        )
    );
    assert_eq!(
        condition(&held, "NamespaceDeletionDiscoveryFailure").unwrap(),
        (
            "False".into(),
            "ResourcesDiscovered".into(),
            "All resources successfully discovered".into()
        )
    );
    for (kind, api) in &resources {
        let left = api.list(&ListParams::default()).await.unwrap().items.len();
        let expected = usize::from(*kind == "ConfigMap");
        assert_eq!(left, expected, "{kind}s left");
    }
    // Creating in a terminating namespace is refused as upstream refuses it.
    let refused = cluster.kubectl(&["-n", "crowded", "create", "configmap", "late"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("because it is being terminated"));

    maps.patch(
        "configmap-0",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    wait_until(
        &namespaces,
        watcher::Config::default().fields("metadata.name=crowded"),
        Duration::from_secs(30),
        "the namespace gone",
        |nss| nss.is_empty().then_some(()),
    )
    .await;
    let gone = cluster.kubectl(&["get", "namespace", "crowded"]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains(r#"namespaces "crowded" not found"#));
}

/// Runs `openssl` with `args`; its standard output.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// With `--service-account-private-key-file`, a service-account token Secret gets a legacy
/// token signed with the key (checked with openssl), `ca.crt` and `namespace`; token Secrets
/// of missing or deleted accounts are deleted.
#[tokio::test]
async fn token_secrets_get_signed_tokens_and_go_with_their_account() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::Digest as _;

    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("sa.key");
    let public = keys.path().join("sa.pub");
    let key_arg = key.to_str().unwrap();
    openssl(&["genrsa", "-out", key_arg, "2048"]);
    openssl(&[
        "rsa",
        "-in",
        key_arg,
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    let cluster = Cluster::start_with(&[
        "--kube-controller-manager-arg",
        &format!("service-account-private-key-file={key_arg}"),
    ]);
    let client = cluster.client().await;
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), "default");
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let account = accounts
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "builder"}})).unwrap(),
        )
        .await
        .unwrap();
    let token_secret = |name: &str, account: &str| -> Secret {
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": {"kubernetes.io/service-account.name": account}},
            "type": "kubernetes.io/service-account-token",
        }))
        .unwrap()
    };
    secrets
        .create(
            &PostParams::default(),
            &token_secret("builder-token", "builder"),
        )
        .await
        .unwrap();
    let filled = wait_until(
        &secrets,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the token Secret filled in",
        |all| {
            all.iter()
                .find(|s| {
                    s.name_any() == "builder-token"
                        && s.data.as_ref().is_some_and(|d| d.contains_key("token"))
                })
                .cloned()
        },
    )
    .await;
    let data = filled.data.clone().unwrap();
    let ca = std::fs::read(cluster.dir().join("pki/ca.crt")).unwrap();
    assert_eq!(data["ca.crt"].0, ca);
    assert_eq!(data["namespace"].0, b"default");
    assert_eq!(
        filled
            .annotations()
            .get("kubernetes.io/service-account.uid"),
        account.uid().as_ref()
    );
    let token = String::from_utf8(data["token"].0.clone()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let decode = |part: &str| -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    // The key id: the SHA-256 of the public key's PKIX DER, as upstream computes it.
    let public_der = openssl(&[
        "pkey",
        "-pubin",
        "-in",
        public.to_str().unwrap(),
        "-outform",
        "DER",
    ]);
    let kid = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&public_der));
    assert_eq!(decode(parts[0]), json!({"alg": "RS256", "kid": kid}));
    assert_eq!(
        decode(parts[1]),
        json!({
            "iss": "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": "default",
            "kubernetes.io/serviceaccount/secret.name": "builder-token",
            "kubernetes.io/serviceaccount/service-account.name": "builder",
            "kubernetes.io/serviceaccount/service-account.uid": account.uid().unwrap(),
            "sub": "system:serviceaccount:default:builder",
        })
    );
    let signed = keys.path().join("signed");
    let signature = keys.path().join("signature");
    std::fs::write(&signed, format!("{}.{}", parts[0], parts[1])).unwrap();
    std::fs::write(&signature, URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    let verified = openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        public.to_str().unwrap(),
        "-signature",
        signature.to_str().unwrap(),
        signed.to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8_lossy(&verified).trim(), "Verified OK");

    // A token of an account that does not exist is deleted; so is one whose account goes.
    secrets
        .create(
            &PostParams::default(),
            &token_secret("ghost-token", "ghost"),
        )
        .await
        .unwrap();
    accounts
        .delete("builder", &DeleteParams::default())
        .await
        .unwrap();
    wait_until(
        &secrets,
        watcher::Config::default(),
        Duration::from_secs(20),
        "both token Secrets deleted",
        |all| {
            all.iter()
                .all(|s| s.name_any() != "ghost-token" && s.name_any() != "builder-token")
                .then_some(())
        },
    )
    .await;
}

/// With `--cluster-signing-cert-file`/`--cluster-signing-key-file`, a request approved with
/// `kubectl certificate approve` (the `approval` subresource) is signed by the cluster CA for
/// its `expirationSeconds` with its usages (checked with openssl); a request the kubelet
/// client signer refuses gets `Failed` with upstream's reason and message.
#[tokio::test]
async fn approved_requests_are_signed_by_the_cluster_ca() {
    use base64::Engine as _;

    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    let (ca_key, ca_crt) = (path("ca.key"), path("ca.crt"));
    ca.extend([
        "-keyout",
        &ca_key,
        "-out",
        &ca_crt,
        "-subj",
        "/CN=signing-ca",
        "-days",
        "30",
    ]);
    openssl(&ca);
    let request = |name: &str, subject: &str| -> String {
        let (key, csr) = (path(&format!("{name}.key")), path(&format!("{name}.csr")));
        let mut args = vec!["req", "-new"];
        args.extend(ec);
        args.extend(["-keyout", &key, "-out", &csr, "-subj", subject]);
        openssl(&args);
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(&csr).unwrap())
    };
    let cluster = Cluster::start_with(&[
        "--kube-controller-manager-arg",
        &format!("cluster-signing-cert-file={ca_crt}"),
        "--kube-controller-manager-arg",
        &format!("cluster-signing-key-file={ca_key}"),
    ]);
    let client = cluster.client().await;
    let csrs: Api<CertificateSigningRequest> = Api::all(client.clone());
    let csr = |name: &str, request: String, signer: &str, usages: &[&str]| {
        serde_json::from_value::<CertificateSigningRequest>(json!({
            "metadata": {"name": name},
            "spec": {"request": request, "signerName": signer, "usages": usages,
                     "expirationSeconds": 3600},
        }))
        .unwrap()
    };
    csrs.create(
        &PostParams::default(),
        &csr(
            "alice",
            request("alice", "/O=dev/CN=alice"),
            "kubernetes.io/kube-apiserver-client",
            &["client auth", "digital signature"],
        ),
    )
    .await
    .unwrap();
    csrs.create(
        &PostParams::default(),
        &csr(
            "not-a-node",
            request("not-a-node", "/O=dev/CN=system:node:x"),
            "kubernetes.io/kube-apiserver-client-kubelet",
            &["client auth", "digital signature"],
        ),
    )
    .await
    .unwrap();
    // Not signed before approval.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pending = csrs.get("alice").await.unwrap();
    assert!(pending.status.and_then(|s| s.certificate).is_none());
    cluster.kubectl_ok(&["certificate", "approve", "alice", "not-a-node"]);

    let signed = wait_until(
        &csrs,
        watcher::Config::default(),
        Duration::from_secs(20),
        "alice's certificate",
        |all| {
            all.iter()
                .find(|c| c.name_any() == "alice")
                .filter(|c| c.status.as_ref().is_some_and(|s| s.certificate.is_some()))
                .cloned()
        },
    )
    .await;
    let status = signed.status.unwrap();
    let approved = status
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "Approved")
        .unwrap();
    assert_eq!(approved.reason.as_deref(), Some("KubectlApprove"));
    assert!(approved.last_update_time.is_some() && approved.last_transition_time.is_some());
    let cert = path("alice.crt");
    std::fs::write(&cert, status.certificate.unwrap().0).unwrap();
    let verified = openssl(&["verify", "-CAfile", &ca_crt, &cert]);
    assert!(String::from_utf8_lossy(&verified).contains("OK"));
    let text = String::from_utf8(openssl(&["x509", "-in", &cert, "-noout", "-text"])).unwrap();
    assert!(text.contains("Subject: O = dev, CN = alice"), "{text}");
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(text.contains("Digital Signature"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    // One hour (short lifetimes are not backdated at the end).
    let expires_within = |seconds: &str| {
        !std::process::Command::new("openssl")
            .args(["x509", "-in", &cert, "-noout", "-checkend", seconds])
            .status()
            .unwrap()
            .success()
    };
    assert!(expires_within("3700") && !expires_within("3500"));

    let failed = wait_until(
        &csrs,
        watcher::Config::default(),
        Duration::from_secs(20),
        "the refused request's Failed condition",
        |all| {
            all.iter()
                .find(|c| c.name_any() == "not-a-node")?
                .status
                .as_ref()?
                .conditions
                .as_ref()?
                .iter()
                .find(|c| c.type_ == "Failed")
                .cloned()
        },
    )
    .await;
    assert_eq!(failed.status, "True");
    assert_eq!(failed.reason.as_deref(), Some("SignerValidationFailure"));
    assert_eq!(
        failed.message.as_deref(),
        Some("subject organization is not system:nodes")
    );
}

/// `ironkube server` has its cluster CA sign approved requests: the certificate verifies
/// against the CA clients already trust.
#[tokio::test]
async fn the_server_signs_with_its_cluster_ca() {
    use base64::Engine as _;

    let dir = tempfile::tempdir().unwrap();
    let (key, csr_file) = (dir.path().join("bob.key"), dir.path().join("bob.csr"));
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        csr_file.to_str().unwrap(),
        "-subj",
        "/O=dev/CN=bob",
    ]);
    let cluster = Cluster::start();
    let client = cluster.client().await;
    let csrs: Api<CertificateSigningRequest> = Api::all(client.clone());
    let request =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(&csr_file).unwrap());
    csrs.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "bob"},
            "spec": {"request": request, "signerName": "kubernetes.io/kube-apiserver-client",
                     "usages": ["client auth"]},
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    cluster.kubectl_ok(&["certificate", "approve", "bob"]);
    let signed = wait_until(
        &csrs,
        watcher::Config::default(),
        Duration::from_secs(20),
        "bob's certificate",
        |all| {
            all.iter()
                .find_map(|c| c.status.as_ref()?.certificate.clone())
        },
    )
    .await;
    let cert = dir.path().join("bob.crt");
    std::fs::write(&cert, signed.0).unwrap();
    let ca = cluster.dir().join("pki/ca.crt");
    let verified = openssl(&[
        "verify",
        "-CAfile",
        ca.to_str().unwrap(),
        cert.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&verified).contains("OK"));
}
