//! The run's certificates: one CA, a serving certificate for 127.0.0.1 that both servers use,
//! the admin's client certificate (`O=system:masters`) the load generator presents, and the
//! service-account key pair kube-apiserver insists on.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use ironkube_apiserver::pki::{Pki, ServingNames};
use rcgen::KeyPair;

use crate::error::BenchError;

/// Every file the servers and the client are given.
#[derive(Clone, Debug)]
pub(crate) struct Certs {
    /// CA, serving and admin certificates (ironkube's own certificate store, in a fresh
    /// directory).
    pub(crate) pki: Pki,
    /// The service-account signing key (PKCS#8 PEM).
    pub(crate) service_account_key: PathBuf,
    /// Its public key (PKIX PEM), for verifying tokens.
    pub(crate) service_account_pub: PathBuf,
}

impl Certs {
    /// Makes every file in `dir` (created when missing).
    pub(crate) fn generate(dir: &Path) -> Result<Self, BenchError> {
        let names = ServingNames {
            ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            dns_names: Vec::new(),
        };
        let pki = Pki::ensure(&dir.join("pki"), &names)?;
        let key = KeyPair::generate()?;
        let service_account_key = dir.join("sa.key");
        let service_account_pub = dir.join("sa.pub");
        write(&service_account_key, &key.serialize_pem())?;
        write(&service_account_pub, &key.public_key_pem())?;
        Ok(Self {
            pki,
            service_account_key,
            service_account_pub,
        })
    }
}

fn write(path: &Path, text: &str) -> Result<(), BenchError> {
    std::fs::write(path, text).map_err(|e| BenchError::io(format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
