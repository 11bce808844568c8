//! The certificate signing request signer (upstream's
//! `certificatesigningrequest-signing-controller`, run when `--cluster-signing-cert-file`
//! and `--cluster-signing-key-file` are given): approved requests for the built-in
//! `kubernetes.io/kube-apiserver-client`, `kube-apiserver-client-kubelet`, `kubelet-serving`
//! and `legacy-unknown` signers are checked against the signer's rules and signed with the
//! cluster CA, for `spec.expirationSeconds` within 10 minutes and `--cluster-signing-duration`,
//! with the requested usages; a request a signer refuses gets a `Failed` condition
//! (`SignerValidationFailure`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt as _;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::PostParams;
use kube::runtime::controller::Action;
use kube::runtime::{Controller, watcher};
use kube::{Api, ResourceExt as _};
use rcgen::{
    CertificateSigningRequestParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};

use crate::Context;
use crate::reconcile::{ReconcileError, error_policy};

const NAME: &str = "certificatesigningrequest-signing-controller";
const KUBE_APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";
const KUBELET_CLIENT: &str = "kubernetes.io/kube-apiserver-client-kubelet";
const KUBELET_SERVING: &str = "kubernetes.io/kubelet-serving";
const LEGACY_UNKNOWN: &str = "kubernetes.io/legacy-unknown";
/// Upstream's backdating of `notBefore`, and the lifetime below which `notAfter` is not
/// backdated too.
const BACKDATE: Duration = Duration::from_secs(5 * 60);
const SHORT: Duration = Duration::from_secs(8 * 3600);
/// The shortest lifetime a request may ask for.
const MIN_DURATION: Duration = Duration::from_secs(10 * 60);

struct Signer {
    ctx: Context,
    issuer: Issuer<'static, KeyPair>,
    /// The CA certificate's end: no certificate outlives it.
    ca_not_after: time::OffsetDateTime,
}

/// The `notAfter` of the first certificate of a PEM file.
fn certificate_not_after(pem: &str) -> Result<time::OffsetDateTime, String> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .map_err(|err| format!("the CA certificate is not PEM: {err}"))?;
    let certificate = block
        .parse_x509()
        .map_err(|err| format!("the CA certificate: {err}"))?;
    time::OffsetDateTime::from_unix_timestamp(certificate.validity().not_after.timestamp())
        .map_err(|err| format!("the CA certificate's notAfter: {err}"))
}

pub(crate) async fn run(ctx: Context) {
    let (Some(cert_file), Some(key_file)) = (
        ctx.options.cluster_signing_cert_file.clone(),
        ctx.options.cluster_signing_key_file.clone(),
    ) else {
        tracing::info!(
            controller = NAME,
            "skipping the CSR signer: no --cluster-signing-cert-file/--cluster-signing-key-file"
        );
        return;
    };
    let issuer = std::fs::read_to_string(&cert_file)
        .map_err(|err| format!("{}: {err}", cert_file.display()))
        .and_then(|cert| {
            let key = std::fs::read_to_string(&key_file)
                .map_err(|err| format!("{}: {err}", key_file.display()))?;
            let key = KeyPair::from_pem(&key).map_err(|err| format!("the CA key: {err}"))?;
            let not_after = certificate_not_after(&cert)?;
            Issuer::from_ca_cert_pem(&cert, key)
                .map(|issuer| (issuer, not_after))
                .map_err(|err| format!("the CA certificate: {err}"))
        });
    let (issuer, ca_not_after) = match issuer {
        Ok(issuer) => issuer,
        Err(err) => {
            tracing::error!(controller = NAME, %err, "cannot load the signing CA");
            return;
        }
    };
    let client = ctx.client.clone();
    let policy = error_policy::<CertificateSigningRequest>(NAME);
    Controller::new(
        Api::<CertificateSigningRequest>::all(client),
        watcher::Config::default(),
    )
    .run(
        reconcile,
        move |csr, err, signer: Arc<Signer>| policy(csr, err, Arc::new(signer.ctx.clone())),
        Arc::new(Signer {
            ctx,
            issuer,
            ca_not_after,
        }),
    )
    .for_each(|_| async {})
    .await;
}

fn has_true_condition(csr: &CertificateSigningRequest, type_: &str) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

/// What the request asks for, as the signer rules read it.
struct Request {
    params: CertificateSigningRequestParams,
    organizations: Vec<String>,
    common_name: String,
    dns: usize,
    ips: usize,
    emails: usize,
    uris: usize,
}

fn parse_request(pem: &[u8]) -> Result<Request, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "the request is not PEM".to_string())?;
    let params = CertificateSigningRequestParams::from_pem(text).map_err(|err| err.to_string())?;
    // The subject as Go's `pkix.Name` reads it: every organization, the last common name
    // (rcgen keeps one value per attribute type).
    let (_, block) =
        x509_parser::pem::parse_x509_pem(pem).map_err(|err| format!("not PEM: {err}"))?;
    let (_, request) =
        <x509_parser::certification_request::X509CertificationRequest as x509_parser::prelude::FromDer<_>>::from_der(
            &block.contents,
        )
        .map_err(|err| err.to_string())?;
    let subject = &request.certification_request_info.subject;
    let organizations = subject
        .iter_organization()
        .filter_map(|a| a.as_str().ok().map(str::to_string))
        .collect();
    let common_name = subject
        .iter_common_name()
        .filter_map(|a| a.as_str().ok())
        .last()
        .unwrap_or_default()
        .to_string();
    let count = |f: fn(&SanType) -> bool| {
        params
            .params
            .subject_alt_names
            .iter()
            .filter(|s| f(s))
            .count()
    };
    Ok(Request {
        organizations,
        common_name,
        dns: count(|s| matches!(s, SanType::DnsName(_))),
        ips: count(|s| matches!(s, SanType::IpAddress(_))),
        emails: count(|s| matches!(s, SanType::Rfc822Name(_))),
        uris: count(|s| matches!(s, SanType::URI(_))),
        params,
    })
}

/// Upstream's per-signer rules (`isKubeletServing`, `isKubeletClient`,
/// `isKubeAPIServerClient`, `isLegacyUnknown`) with upstream's messages.
fn check_signer(signer: &str, request: &Request, usages: &[String]) -> Result<(), String> {
    let usage_set: std::collections::BTreeSet<&str> = usages.iter().map(String::as_str).collect();
    let is = |wanted: &[&str]| usage_set == wanted.iter().copied().collect();
    let system_nodes = request.organizations == ["system:nodes"];
    let node_name = request.common_name.starts_with("system:node:");
    match signer {
        KUBELET_SERVING => {
            if !system_nodes {
                return Err("subject organization is not system:nodes".into());
            }
            if request.dns == 0 && request.ips == 0 {
                return Err("DNS or IP subjectAltName is required".into());
            }
            if request.emails > 0 {
                return Err("Email subjectAltNames are not allowed".into());
            }
            if request.uris > 0 {
                return Err("URI subjectAltNames are not allowed".into());
            }
            if !is(&["digital signature", "key encipherment", "server auth"])
                && !is(&["digital signature", "server auth"])
            {
                return Err(
                    "usages did not match [digital signature key encipherment server auth]".into(),
                );
            }
            if !node_name {
                return Err("subject common name does not begin with system:node:".into());
            }
            Ok(())
        }
        KUBELET_CLIENT => {
            if !system_nodes {
                return Err("subject organization is not system:nodes".into());
            }
            for (count, what) in [
                (request.dns, "DNS"),
                (request.emails, "Email"),
                (request.ips, "IP"),
                (request.uris, "URI"),
            ] {
                if count > 0 {
                    return Err(format!("{what} subjectAltNames are not allowed"));
                }
            }
            if !node_name {
                return Err("subject common name does not begin with system:node:".into());
            }
            if !is(&["client auth", "digital signature", "key encipherment"])
                && !is(&["client auth", "digital signature"])
            {
                return Err(
                    "usages did not match [client auth digital signature key encipherment]".into(),
                );
            }
            Ok(())
        }
        KUBE_APISERVER_CLIENT => {
            let mut client_auth = false;
            for usage in usages {
                match usage.as_str() {
                    "digital signature" | "key encipherment" => {}
                    "client auth" => client_auth = true,
                    other => return Err(format!("invalid usage for client certificate: {other}")),
                }
            }
            if client_auth {
                Ok(())
            } else {
                Err("missing required usage for client certificate: client auth".into())
            }
        }
        _ => Ok(()),
    }
}

/// The certificate's usages from the request's (upstream's `keyUsagesFromStrings`).
fn usages_of(
    usages: &[String],
) -> Result<(Vec<KeyUsagePurpose>, Vec<ExtendedKeyUsagePurpose>), String> {
    let mut key = Vec::new();
    let mut extended = Vec::new();
    let mut unrecognized = Vec::new();
    for usage in usages {
        let oid = |arcs: &[u64]| ExtendedKeyUsagePurpose::Other(arcs.to_vec());
        match usage.as_str() {
            "signing" | "digital signature" => key.push(KeyUsagePurpose::DigitalSignature),
            "content commitment" => key.push(KeyUsagePurpose::ContentCommitment),
            "key encipherment" => key.push(KeyUsagePurpose::KeyEncipherment),
            "key agreement" => key.push(KeyUsagePurpose::KeyAgreement),
            "data encipherment" => key.push(KeyUsagePurpose::DataEncipherment),
            "cert sign" => key.push(KeyUsagePurpose::KeyCertSign),
            "crl sign" => key.push(KeyUsagePurpose::CrlSign),
            "encipher only" => key.push(KeyUsagePurpose::EncipherOnly),
            "decipher only" => key.push(KeyUsagePurpose::DecipherOnly),
            "any" => extended.push(ExtendedKeyUsagePurpose::Any),
            "server auth" => extended.push(ExtendedKeyUsagePurpose::ServerAuth),
            "client auth" => extended.push(ExtendedKeyUsagePurpose::ClientAuth),
            "code signing" => extended.push(ExtendedKeyUsagePurpose::CodeSigning),
            "email protection" | "s/mime" => {
                extended.push(ExtendedKeyUsagePurpose::EmailProtection);
            }
            "ipsec end system" => extended.push(oid(&[1, 3, 6, 1, 5, 5, 7, 3, 5])),
            "ipsec tunnel" => extended.push(oid(&[1, 3, 6, 1, 5, 5, 7, 3, 6])),
            "ipsec user" => extended.push(oid(&[1, 3, 6, 1, 5, 5, 7, 3, 7])),
            "timestamping" => extended.push(ExtendedKeyUsagePurpose::TimeStamping),
            "ocsp signing" => extended.push(ExtendedKeyUsagePurpose::OcspSigning),
            "microsoft sgc" => extended.push(oid(&[1, 3, 6, 1, 4, 1, 311, 10, 3, 3])),
            "netscape sgc" => extended.push(oid(&[2, 16, 840, 1, 113730, 4, 1])),
            other => unrecognized.push(format!("{other:?}")),
        }
    }
    if !unrecognized.is_empty() {
        return Err(format!(
            "unrecognized usage values: [{}]",
            unrecognized.join(" ")
        ));
    }
    Ok((key, extended))
}

/// The lifetime upstream gives (`signer.duration`).
fn lifetime(expiration_seconds: Option<i32>, ttl: Duration) -> Duration {
    match expiration_seconds {
        None => ttl,
        Some(seconds) => {
            let requested = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
            requested
                .clamp(MIN_DURATION, ttl.max(MIN_DURATION))
                .min(ttl)
        }
    }
}

/// Go's `pem.EncodeToMemory` of a certificate.
fn certificate_pem(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn sign(
    signer: &Signer,
    request: Request,
    usages: &[String],
    lifetime: Duration,
) -> Result<String, String> {
    let (key_usages, extended) = usages_of(usages)?;
    let mut params = request.params;
    let now = time::OffsetDateTime::now_utc();
    let backdate = time::Duration::try_from(BACKDATE).unwrap_or_default();
    let ttl = time::Duration::try_from(lifetime).unwrap_or_default();
    // Upstream's `PermissiveSigningPolicy.apply`.
    if now >= signer.ca_not_after {
        return Err(format!(
            "refusing to sign a certificate that expired in the past: NotAfter={}",
            signer.ca_not_after
        ));
    }
    params.params.not_before = now - backdate;
    let not_after = if lifetime < SHORT {
        now + ttl
    } else {
        now + ttl - backdate
    };
    params.params.not_after = not_after.min(signer.ca_not_after);
    params.params.key_usages = key_usages;
    params.params.extended_key_usages = extended;
    params.params.is_ca = IsCa::ExplicitNoCa;
    params.params.use_authority_key_identifier_extension = true;
    let mut serial = [0u8; 16];
    for byte in &mut serial {
        *byte = fastrand::u8(..);
    }
    serial[0] &= 0x7f;
    params.params.serial_number = Some(SerialNumber::from_slice(&serial));
    let certificate = params
        .signed_by(&signer.issuer)
        .map_err(|err| err.to_string())?;
    Ok(certificate_pem(certificate.der()))
}

async fn reconcile(
    csr: Arc<CertificateSigningRequest>,
    signer: Arc<Signer>,
) -> Result<Action, ReconcileError> {
    let ctx = &signer.ctx;
    ctx.metrics.inc("ironkube_controller_syncs_total", NAME);
    if !has_true_condition(&csr, "Approved")
        || has_true_condition(&csr, "Denied")
        || has_true_condition(&csr, "Failed")
    {
        return Ok(Action::await_change());
    }
    let signer_name = csr.spec.signer_name.as_str();
    if ![
        KUBE_APISERVER_CLIENT,
        KUBELET_CLIENT,
        KUBELET_SERVING,
        LEGACY_UNKNOWN,
    ]
    .contains(&signer_name)
    {
        return Ok(Action::await_change());
    }
    if csr
        .status
        .as_ref()
        .and_then(|s| s.certificate.as_ref())
        .is_some_and(|c| !c.0.is_empty())
    {
        return Ok(Action::await_change());
    }
    let name = csr.name_any();
    let request = parse_request(&csr.spec.request.0)
        .map_err(|err| ReconcileError::Other(format!("unable to parse csr {name:?}: {err}")))?;
    let usages = csr.spec.usages.clone().unwrap_or_default();
    let api = Api::<CertificateSigningRequest>::all(ctx.client.clone());
    let mut updated = (*csr).clone();
    let status = updated.status.get_or_insert_with(Default::default);
    let outcome = check_signer(signer_name, &request, &usages).and_then(|()| {
        let lifetime = lifetime(
            csr.spec.expiration_seconds,
            ctx.options.cluster_signing_duration,
        );
        sign(&signer, request, &usages, lifetime)
    });
    match outcome {
        Ok(pem) => {
            tracing::info!(csr = %name, signer = signer_name, "signed the certificate request");
            status.certificate = Some(ByteString(pem.into_bytes()));
        }
        Err(message) => {
            status.conditions.get_or_insert_with(Vec::new).push(
                CertificateSigningRequestCondition {
                    type_: "Failed".into(),
                    status: "True".into(),
                    reason: Some("SignerValidationFailure".into()),
                    message: Some(message),
                    last_update_time: Some(Time(k8s_openapi::jiff::Timestamp::now())),
                    last_transition_time: None,
                },
            );
        }
    }
    api.replace_status(&name, &PostParams::default(), &updated)
        .await?;
    Ok(Action::await_change())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn lifetimes_and_usages_are_upstreams() {
        let year = Duration::from_secs(8760 * 3600);
        assert_eq!(lifetime(None, year), year);
        assert_eq!(lifetime(Some(60), year), MIN_DURATION);
        assert_eq!(lifetime(Some(3600), year), Duration::from_secs(3600));
        assert_eq!(lifetime(Some(i32::MAX), year), year);
        let (key, extended) =
            usages_of(&["digital signature".into(), "client auth".into()]).unwrap();
        assert_eq!(key, [KeyUsagePurpose::DigitalSignature]);
        assert_eq!(extended, [ExtendedKeyUsagePurpose::ClientAuth]);
        assert_eq!(
            usages_of(&["flying".into()]).unwrap_err(),
            r#"unrecognized usage values: ["flying"]"#
        );
    }

    fn signer(valid_for: time::Duration) -> Signer {
        use rcgen::{BasicConstraints, CertificateParams, DnType};
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "test-ca");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
        params.not_after = time::OffsetDateTime::now_utc() + valid_for;
        let pem = params.self_signed(&key).unwrap().pem();
        let client =
            kube::Client::try_from(kube::Config::new("http://127.0.0.1:9".parse().unwrap()))
                .unwrap();
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            options: crate::options::ControllerManagerOptions,
        }
        let options = Cli::try_parse_from(["kube-controller-manager"])
            .unwrap()
            .options;
        Signer {
            ctx: Context {
                client,
                options: Arc::new(options),
                metrics: Arc::default(),
                root_ca: None,
                informers: Arc::default(),
            },
            ca_not_after: certificate_not_after(&pem).unwrap(),
            issuer: Issuer::from_ca_cert_pem(&pem, key).unwrap(),
        }
    }

    fn alice() -> Request {
        use rcgen::{CertificateParams, DnType};
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::OrganizationName, "dev");
        params.distinguished_name.push(DnType::CommonName, "alice");
        let pem = params.serialize_request(&key).unwrap().pem().unwrap();
        parse_request(pem.as_bytes()).unwrap()
    }

    #[tokio::test]
    async fn certificates_end_with_their_ca() {
        let request = alice();
        assert_eq!(request.organizations, ["dev"]);
        assert_eq!(request.common_name, "alice");
        // A year asked of a CA that has two hours left: the certificate ends with the CA.
        let signer = signer(time::Duration::hours(2));
        let year = Duration::from_secs(8760 * 3600);
        let pem = sign(&signer, request, &["client auth".into()], year).unwrap();
        let not_after = certificate_not_after(&pem).unwrap();
        assert_eq!(not_after, signer.ca_not_after);
        // An expired CA signs nothing.
        let expired = self::signer(-time::Duration::hours(1));
        let err = sign(&expired, alice(), &["client auth".into()], year).unwrap_err();
        assert!(
            err.starts_with("refusing to sign a certificate that expired in the past"),
            "{err}"
        );
    }
}
