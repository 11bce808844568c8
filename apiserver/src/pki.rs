//! The cluster's certificates and the admin kubeconfig (DESIGN §4).
//!
//! On first start a CA is generated and kept in `<data-dir>/pki`; every later start resumes with
//! the same CA, so clients configured for the cluster keep working. The API server's serving
//! certificate is issued anew at each start (its names follow the current flags: bind and
//! advertise addresses, the first service IP); the admin's client certificate (`O=system:masters`)
//! is issued once and kept. Keys and the kubeconfig are written with mode 0600, atomically
//! (a temporary file renamed into place), so a crash never leaves half a key.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

/// The names every serving certificate carries besides the configured addresses (what pods and
/// clients use to reach the API server).
pub const SERVING_DNS_NAMES: [&str; 6] = [
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "ironkube",
];

/// The admin's user name and group (the group every authorizer lets do everything).
pub const ADMIN_USER: &str = "ironkube-admin";
/// The group of the admin's client certificate.
pub const ADMIN_GROUP: &str = "system:masters";

/// How long the CA is valid (as kubeadm's: ten years).
const CA_VALIDITY: Duration = Duration::days(3650);
/// How long issued certificates are valid (as kubeadm's: one year).
const LEAF_VALIDITY: Duration = Duration::days(365);
/// A kept certificate closer than this to expiry is issued anew.
const RENEW_BEFORE: Duration = Duration::days(30);

/// Errors of the certificate store.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A stored certificate or key could not be used.
    #[error("{path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Issuing a certificate failed.
    #[error("issuing {what}: {source}")]
    Issue {
        /// Which certificate.
        what: &'static str,
        /// Why.
        #[source]
        source: rcgen::Error,
    },
}

/// What the serving certificate must name.
#[derive(Clone, Debug, Default)]
pub struct ServingNames {
    /// Addresses clients reach the API server at (bind address, advertise address, node IPs);
    /// `127.0.0.1` is always added.
    pub ips: Vec<IpAddr>,
    /// Extra DNS names (besides [`SERVING_DNS_NAMES`]).
    pub dns_names: Vec<String>,
}

/// The cluster's certificate files, all PEM.
#[derive(Clone, Debug)]
pub struct Pki {
    /// The CA certificate (`ca.crt`).
    pub ca_cert: PathBuf,
    /// The CA key (`ca.key`).
    pub ca_key: PathBuf,
    /// The serving certificate (`apiserver.crt`).
    pub serving_cert: PathBuf,
    /// Its key (`apiserver.key`).
    pub serving_key: PathBuf,
    /// The admin's client certificate (`admin.crt`).
    pub admin_cert: PathBuf,
    /// Its key (`admin.key`).
    pub admin_key: PathBuf,
}

impl Pki {
    /// Creates the certificates in `dir` on first use, or resumes with the CA found there;
    /// issues the serving certificate for `names`.
    pub fn ensure(dir: &Path, names: &ServingNames) -> Result<Pki, PkiError> {
        create_private_dir(dir)?;
        let pki = Pki {
            ca_cert: dir.join("ca.crt"),
            ca_key: dir.join("ca.key"),
            serving_cert: dir.join("apiserver.crt"),
            serving_key: dir.join("apiserver.key"),
            admin_cert: dir.join("admin.crt"),
            admin_key: dir.join("admin.key"),
        };
        let (issuer, fresh_ca) = pki.ca()?;
        pki.issue_serving(&issuer, names)?;
        if fresh_ca || !pki.admin_is_usable()? {
            pki.issue_admin(&issuer)?;
        }
        Ok(pki)
    }

    /// The CA's certificate as PEM text.
    pub fn ca_pem(&self) -> Result<String, PkiError> {
        read_string(&self.ca_cert)
    }

    /// Writes a kubeconfig for the admin that reaches the API server at `server`
    /// (`https://127.0.0.1:6443`), with the CA and the admin's certificate inline, mode 0600.
    pub fn write_admin_kubeconfig(&self, path: &Path, server: &str) -> Result<(), PkiError> {
        let b64 = |path: &Path| -> Result<String, PkiError> {
            Ok(base64::engine::general_purpose::STANDARD.encode(read_string(path)?))
        };
        let kubeconfig = format!(
            "apiVersion: v1\n\
             kind: Config\n\
             clusters:\n\
             - name: ironkube\n  \
               cluster:\n    \
                 server: {server}\n    \
                 certificate-authority-data: {ca}\n\
             users:\n\
             - name: {ADMIN_USER}\n  \
               user:\n    \
                 client-certificate-data: {cert}\n    \
                 client-key-data: {key}\n\
             contexts:\n\
             - name: ironkube\n  \
               context:\n    \
                 cluster: ironkube\n    \
                 user: {ADMIN_USER}\n\
             current-context: ironkube\n\
             preferences: {{}}\n",
            ca = b64(&self.ca_cert)?,
            cert = b64(&self.admin_cert)?,
            key = b64(&self.admin_key)?,
        );
        write_private(path, kubeconfig.as_bytes())
    }

    /// Loads the CA, or creates it when neither its certificate nor its key exists. One without
    /// the other is refused: silently replacing a CA would lock every client out.
    fn ca(&self) -> Result<(Issuer<'static, KeyPair>, bool), PkiError> {
        match (self.ca_cert.exists(), self.ca_key.exists()) {
            (true, true) => {
                let key_pem = read_string(&self.ca_key)?;
                let key = KeyPair::from_pem(&key_pem).map_err(|e| PkiError::Corrupt {
                    path: self.ca_key.clone(),
                    reason: e.to_string(),
                })?;
                let cert_pem = read_string(&self.ca_cert)?;
                let issuer =
                    Issuer::from_ca_cert_pem(&cert_pem, key).map_err(|e| PkiError::Corrupt {
                        path: self.ca_cert.clone(),
                        reason: e.to_string(),
                    })?;
                Ok((issuer, false))
            }
            (false, false) => {
                let key = KeyPair::generate().map_err(|source| PkiError::Issue {
                    what: "the CA key",
                    source,
                })?;
                let mut params =
                    CertificateParams::new(Vec::<String>::new()).map_err(|source| {
                        PkiError::Issue {
                            what: "the CA",
                            source,
                        }
                    })?;
                params
                    .distinguished_name
                    .push(DnType::CommonName, "ironkube-ca");
                params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                params.key_usages = vec![
                    KeyUsagePurpose::KeyCertSign,
                    KeyUsagePurpose::CrlSign,
                    KeyUsagePurpose::DigitalSignature,
                ];
                let now = OffsetDateTime::now_utc();
                params.not_before = now - Duration::hours(1);
                params.not_after = now + CA_VALIDITY;
                let cert = params.self_signed(&key).map_err(|source| PkiError::Issue {
                    what: "the CA",
                    source,
                })?;
                write_private(&self.ca_key, key.serialize_pem().as_bytes())?;
                write_public(&self.ca_cert, cert.pem().as_bytes())?;
                Ok((Issuer::new(params, key), true))
            }
            (cert, _) => Err(PkiError::Corrupt {
                path: if cert {
                    self.ca_key.clone()
                } else {
                    self.ca_cert.clone()
                },
                reason: "missing while the other half of the CA exists; restore it rather than \
                         start a new CA"
                    .to_string(),
            }),
        }
    }

    fn issue_serving(
        &self,
        issuer: &Issuer<'_, KeyPair>,
        names: &ServingNames,
    ) -> Result<(), PkiError> {
        let mut sans: Vec<SanType> = Vec::new();
        let mut dns: Vec<String> = SERVING_DNS_NAMES.iter().map(|n| n.to_string()).collect();
        dns.extend(names.dns_names.iter().cloned());
        dns.dedup();
        for name in dns {
            let name = name.try_into().map_err(|source| PkiError::Issue {
                what: "the serving certificate",
                source,
            })?;
            sans.push(SanType::DnsName(name));
        }
        let mut ips = vec![IpAddr::from([127, 0, 0, 1])];
        ips.extend(names.ips.iter().copied().filter(|ip| !ip.is_unspecified()));
        ips.dedup();
        sans.extend(ips.into_iter().map(SanType::IpAddress));
        let mut params = leaf_params("the serving certificate", "kube-apiserver")?;
        params.subject_alt_names = sans;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(issuer, params, &self.serving_cert, &self.serving_key)
    }

    fn issue_admin(&self, issuer: &Issuer<'_, KeyPair>) -> Result<(), PkiError> {
        let mut params = leaf_params("the admin certificate", ADMIN_USER)?;
        params
            .distinguished_name
            .push(DnType::OrganizationName, ADMIN_GROUP);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(issuer, params, &self.admin_cert, &self.admin_key)
    }

    fn issue(
        &self,
        issuer: &Issuer<'_, KeyPair>,
        params: CertificateParams,
        cert_path: &Path,
        key_path: &Path,
    ) -> Result<(), PkiError> {
        let key = KeyPair::generate().map_err(|source| PkiError::Issue {
            what: "a key",
            source,
        })?;
        let cert = params
            .signed_by(&key, issuer)
            .map_err(|source| PkiError::Issue {
                what: "a certificate",
                source,
            })?;
        write_private(key_path, key.serialize_pem().as_bytes())?;
        write_public(cert_path, cert.pem().as_bytes())
    }

    /// Whether the kept admin certificate exists, parses and is not about to expire.
    fn admin_is_usable(&self) -> Result<bool, PkiError> {
        if !self.admin_cert.exists() || !self.admin_key.exists() {
            return Ok(false);
        }
        let pem = fs::read(&self.admin_cert).map_err(|source| PkiError::Io {
            path: self.admin_cert.clone(),
            source,
        })?;
        let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(&pem) else {
            return Ok(false);
        };
        let Ok(cert) = pem.parse_x509() else {
            return Ok(false);
        };
        let renew_at = OffsetDateTime::now_utc() + RENEW_BEFORE;
        Ok(cert.validity().not_after.to_datetime() > renew_at)
    }
}

fn leaf_params(what: &'static str, common_name: &str) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::new(Vec::<String>::new())
        .map_err(|source| PkiError::Issue { what, source })?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + LEAF_VALIDITY;
    Ok(params)
}

fn read_string(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(|source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn create_private_dir(dir: &Path) -> Result<(), PkiError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| PkiError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), PkiError> {
    write_atomically(path, contents, 0o600)
}

fn write_public(path: &Path, contents: &[u8]) -> Result<(), PkiError> {
    write_atomically(path, contents, 0o644)
}

/// Writes `contents` to a temporary file with `mode`, syncs it and renames it over `path`.
fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn openssl(args: &[&str]) -> String {
        let output = Command::new("openssl").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn names() -> ServingNames {
        ServingNames {
            ips: vec!["10.96.0.1".parse().unwrap(), "192.0.2.7".parse().unwrap()],
            dns_names: vec!["node-a".to_string()],
        }
    }

    #[test]
    fn first_start_issues_everything_signed_by_one_ca() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::ensure(&dir.path().join("pki"), &names()).unwrap();
        assert_eq!(mode(&dir.path().join("pki")), 0o700);
        for key in [&pki.ca_key, &pki.serving_key, &pki.admin_key] {
            assert_eq!(mode(key), 0o600, "{}", key.display());
        }
        let ca = pki.ca_cert.to_str().unwrap();
        for cert in [&pki.serving_cert, &pki.admin_cert] {
            let out = openssl(&["verify", "-CAfile", ca, cert.to_str().unwrap()]);
            assert!(out.contains(": OK"), "{out}");
        }
        let serving = openssl(&[
            "x509",
            "-noout",
            "-text",
            "-in",
            pki.serving_cert.to_str().unwrap(),
        ]);
        for name in SERVING_DNS_NAMES.iter().chain(["node-a"].iter()) {
            assert!(
                serving.contains(&format!("DNS:{name}")),
                "{name} missing:\n{serving}"
            );
        }
        for ip in ["127.0.0.1", "10.96.0.1", "192.0.2.7"] {
            assert!(
                serving.contains(&format!("IP Address:{ip}")),
                "{ip} missing"
            );
        }
        assert!(serving.contains("TLS Web Server Authentication"));
        let admin = openssl(&[
            "x509",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
            "-in",
            pki.admin_cert.to_str().unwrap(),
        ]);
        assert!(admin.contains("O=system:masters"), "{admin}");
        assert!(admin.contains("CN=ironkube-admin"), "{admin}");
    }

    #[test]
    fn a_second_start_keeps_the_ca_and_the_admin_and_renames_the_server() {
        let dir = tempfile::tempdir().unwrap();
        let first = Pki::ensure(dir.path(), &names()).unwrap();
        let ca = fs::read(&first.ca_cert).unwrap();
        let admin = fs::read(&first.admin_cert).unwrap();
        let moved = ServingNames {
            ips: vec!["198.51.100.3".parse().unwrap()],
            dns_names: Vec::new(),
        };
        let second = Pki::ensure(dir.path(), &moved).unwrap();
        assert_eq!(fs::read(&second.ca_cert).unwrap(), ca, "same CA");
        assert_eq!(fs::read(&second.admin_cert).unwrap(), admin, "same admin");
        let serving = openssl(&[
            "x509",
            "-noout",
            "-text",
            "-in",
            second.serving_cert.to_str().unwrap(),
        ]);
        assert!(serving.contains("IP Address:198.51.100.3"));
        assert!(!serving.contains("192.0.2.7"));
    }

    #[test]
    fn half_a_ca_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::ensure(dir.path(), &names()).unwrap();
        fs::remove_file(&pki.ca_key).unwrap();
        let err = Pki::ensure(dir.path(), &names()).unwrap_err();
        assert!(
            matches!(err, PkiError::Corrupt { ref path, .. } if path == &pki.ca_key),
            "{err}"
        );
        fs::write(&pki.ca_key, "not a key").unwrap();
        let err = Pki::ensure(dir.path(), &names()).unwrap_err();
        assert!(matches!(err, PkiError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn kubectl_reads_the_admin_kubeconfig() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::ensure(dir.path(), &names()).unwrap();
        let kubeconfig = dir.path().join("admin.kubeconfig");
        pki.write_admin_kubeconfig(&kubeconfig, "https://127.0.0.1:6443")
            .unwrap();
        assert_eq!(mode(&kubeconfig), 0o600);
        let output = Command::new("kubectl")
            .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
            .arg(&kubeconfig)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let view: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(view["current-context"], "ironkube");
        assert_eq!(
            view["clusters"][0]["cluster"]["server"],
            "https://127.0.0.1:6443"
        );
        let ca = base64::engine::general_purpose::STANDARD
            .decode(
                view["clusters"][0]["cluster"]["certificate-authority-data"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(ca, fs::read(&pki.ca_cert).unwrap());
        assert_eq!(view["users"][0]["name"], ADMIN_USER);
    }
}
