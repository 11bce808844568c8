//! Who a connection's client certificate says the client is (upstream's x509 authenticator):
//! the user is the subject's common name, the groups its organizations.

use sha2::Digest;
use tokio_rustls::rustls::ServerConnection;
use x509_parser::prelude::{FromDer, X509Certificate};

/// An authenticated user (upstream's `user.Info`, without uid and extra).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name (`ironkube-admin`).
    pub name: String,
    /// The groups, `system:authenticated` last.
    pub groups: Vec<String>,
    /// Extra attributes: for certificates, `authentication.kubernetes.io/credential-id` with
    /// `X509SHA256=<hex SHA-256 of the certificate>`, as upstream's x509 authenticator.
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
}

/// The extra key naming the credential a user authenticated with.
pub(crate) const CREDENTIAL_ID_KEY: &str = "authentication.kubernetes.io/credential-id";

/// The group every authenticated user is in.
pub(crate) const AUTHENTICATED_GROUP: &str = "system:authenticated";

/// The identity a connection's client certificate proved, inserted into each of its
/// requests; `None` when the client sent no certificate.
#[derive(Clone, Debug)]
pub(crate) struct Peer(pub(crate) Option<UserInfo>);

/// The user of a finished handshake: its verified leaf certificate's CN and O values, or
/// `None` without a certificate (or with one whose subject has no common name, which upstream
/// also refuses).
pub(crate) fn from_connection(conn: &ServerConnection) -> Option<UserInfo> {
    let leaf = conn.peer_certificates()?.first()?;
    from_der(leaf.as_ref())
}

/// The user a DER certificate names.
fn from_der(der: &[u8]) -> Option<UserInfo> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let subject = cert.subject();
    let name = subject
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())?
        .to_string();
    if name.is_empty() {
        return None;
    }
    let mut groups: Vec<String> = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok())
        .map(str::to_string)
        .collect();
    groups.push(AUTHENTICATED_GROUP.to_string());
    let fingerprint: String = sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let extra = [(
        CREDENTIAL_ID_KEY.to_string(),
        vec![format!("X509SHA256={fingerprint}")],
    )]
    .into_iter()
    .collect();
    Some(UserInfo {
        name,
        groups,
        extra,
    })
}
