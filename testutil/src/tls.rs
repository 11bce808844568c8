//! Certificates for tests that need TLS: a throwaway CA, a serving certificate for 127.0.0.1
//! and localhost, and a client certificate, written as PEM files.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

use crate::TestUtilError;

/// PEM files of a test PKI, all in one directory.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The CA certificate that signed both others.
    pub ca_cert: PathBuf,
    /// Serving certificate (SANs `127.0.0.1`, `localhost`).
    pub server_cert: PathBuf,
    /// Its key.
    pub server_key: PathBuf,
    /// Client certificate (CN `ironkube-test-client`).
    pub client_cert: PathBuf,
    /// Its key.
    pub client_key: PathBuf,
}

impl TlsFiles {
    /// Generates a fresh CA, serving and client certificate into `dir`.
    pub fn generate(dir: &Path) -> Result<Self, TestUtilError> {
        let fail = |what: &str, err: rcgen::Error| TestUtilError::Tls(format!("{what}: {err}"));
        let ca_key = KeyPair::generate().map_err(|e| fail("CA key", e))?;
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| fail("CA parameters", e))?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ironkube-test-ca");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = ca_params
            .self_signed(&ca_key)
            .map_err(|e| fail("CA certificate", e))?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let leaf = |names: Vec<String>, cn: &str| -> Result<(String, String), TestUtilError> {
            let key = KeyPair::generate().map_err(|e| fail("key", e))?;
            let mut params = CertificateParams::new(names).map_err(|e| fail("parameters", e))?;
            params.distinguished_name.push(DnType::CommonName, cn);
            let cert = params
                .signed_by(&key, &issuer)
                .map_err(|e| fail("certificate", e))?;
            Ok((cert.pem(), key.serialize_pem()))
        };
        let (server_pem, server_key_pem) = leaf(
            vec!["127.0.0.1".to_string(), "localhost".to_string()],
            "ironkube-test-server",
        )?;
        let (client_pem, client_key_pem) = leaf(Vec::new(), "ironkube-test-client")?;

        let write = |name: &str, contents: &str| -> Result<PathBuf, TestUtilError> {
            let path = dir.join(name);
            std::fs::write(&path, contents)
                .map_err(|e| TestUtilError::io(format!("writing {}", path.display()), e))?;
            Ok(path)
        };
        Ok(Self {
            ca_cert: write("ca.pem", &ca.pem())?,
            server_cert: write("server.pem", &server_pem)?,
            server_key: write("server-key.pem", &server_key_pem)?,
            client_cert: write("client.pem", &client_pem)?,
            client_key: write("client-key.pem", &client_key_pem)?,
        })
    }
}
