//! Legacy service-account tokens as upstream's `serviceaccount.JWTTokenGenerator` writes
//! them: a JWS (RS256 for RSA keys, ES256 for P-256 keys) whose key id is the unpadded
//! base64url SHA-256 of the public key's PKIX DER, with the legacy claims.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

/// The issuer of legacy tokens (upstream's `LegacyIssuer`).
pub(crate) const LEGACY_ISSUER: &str = "kubernetes/serviceaccount";

/// Why a key file cannot sign tokens.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KeyError {
    /// No PEM block with a private key.
    #[error("no private key found in the PEM data")]
    NoKey,
    /// The block is not valid base64.
    #[error("the PEM block is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// ring refused the key.
    #[error("the private key is not an RSA or P-256 ECDSA key ring can use: {0}")]
    Rejected(String),
    /// A SEC1 (`EC PRIVATE KEY`) block: only PKCS#8 ECDSA keys are read.
    #[error("EC PRIVATE KEY (SEC1) keys are not supported; convert the key to PKCS#8")]
    Sec1,
}

/// A key that signs tokens.
pub(crate) struct SigningKey {
    kind: KeyKind,
    key_id: String,
    rng: SystemRandom,
}

enum KeyKind {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// The blocks of a PEM file: (label, DER).
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, KeyError> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_string(), String::new()));
        } else if line.starts_with("-----END ") {
            if let Some((label, body)) = current.take() {
                blocks.push((label, STANDARD.decode(body)?));
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
    }
    Ok(blocks)
}

/// A DER length.
fn der_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}

/// A DER element of `tag` around `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_length(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// The PKIX `SubjectPublicKeyInfo` of a public key: the algorithm identifier and the key bits.
fn subject_public_key_info(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(key);
    let mut content = der(0x30, algorithm);
    content.extend(der(0x03, &bits));
    der(0x30, &content)
}

/// rsaEncryption with NULL parameters.
const RSA_ALGORITHM: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
/// id-ecPublicKey on prime256v1.
const P256_ALGORITHM: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
    0x03, 0x01, 0x07,
];

impl SigningKey {
    /// The first private key of a PEM file (`--service-account-private-key-file`).
    pub(crate) fn from_pem(text: &str) -> Result<SigningKey, KeyError> {
        let rng = SystemRandom::new();
        for (label, der) in pem_blocks(text)? {
            let kind = match label.as_str() {
                "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der)
                    .map(KeyKind::Rsa)
                    .map_err(|e| KeyError::Rejected(e.to_string()))?,
                "PRIVATE KEY" => match RsaKeyPair::from_pkcs8(&der) {
                    Ok(key) => KeyKind::Rsa(key),
                    Err(_) => EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &der,
                        &rng,
                    )
                    .map(KeyKind::Ecdsa)
                    .map_err(|e| KeyError::Rejected(e.to_string()))?,
                },
                "EC PRIVATE KEY" => return Err(KeyError::Sec1),
                _ => continue,
            };
            let spki = match &kind {
                KeyKind::Rsa(key) => subject_public_key_info(RSA_ALGORITHM, key.public().as_ref()),
                KeyKind::Ecdsa(key) => {
                    subject_public_key_info(P256_ALGORITHM, key.public_key().as_ref())
                }
            };
            let key_id = URL_SAFE_NO_PAD.encode(Sha256::digest(&spki));
            return Ok(SigningKey { kind, key_id, rng });
        }
        Err(KeyError::NoKey)
    }

    /// The `kid` tokens carry.
    pub(crate) fn key_id(&self) -> &str {
        &self.key_id
    }

    /// A signed compact JWS of `claims`.
    pub(crate) fn sign(&self, claims: &Value) -> Result<String, ring::error::Unspecified> {
        let alg = match self.kind {
            KeyKind::Rsa(_) => "RS256",
            KeyKind::Ecdsa(_) => "ES256",
        };
        let header = json!({"alg": alg, "kid": self.key_id});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match &self.kind {
            KeyKind::Rsa(key) => {
                let mut out = vec![0u8; key.public().modulus_len()];
                key.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &self.rng,
                    signing_input.as_bytes(),
                    &mut out,
                )?;
                out
            }
            KeyKind::Ecdsa(key) => key
                .sign(&self.rng, signing_input.as_bytes())?
                .as_ref()
                .to_vec(),
        };
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// Upstream's `LegacyClaims`: who the token is for, with the secret that holds it.
pub(crate) fn legacy_claims(
    namespace: &str,
    account: &str,
    account_uid: &str,
    secret: &str,
) -> Value {
    // Keys in the order Go's encoder writes a map: sorted.
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(LEGACY_ISSUER));
    claims.insert(
        "kubernetes.io/serviceaccount/namespace".into(),
        json!(namespace),
    );
    claims.insert(
        "kubernetes.io/serviceaccount/secret.name".into(),
        json!(secret),
    );
    claims.insert(
        "kubernetes.io/serviceaccount/service-account.name".into(),
        json!(account),
    );
    claims.insert(
        "kubernetes.io/serviceaccount/service-account.uid".into(),
        json!(account_uid),
    );
    claims.insert(
        "sub".into(),
        json!(format!("system:serviceaccount:{namespace}:{account}")),
    );
    Value::Object(claims)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn der_lengths_and_pem_blocks() {
        let mut out = Vec::new();
        der_length(5, &mut out);
        der_length(300, &mut out);
        assert_eq!(out, [5, 0x82, 0x01, 0x2c]);
        let blocks = pem_blocks("junk\n-----BEGIN X-----\nAAEC\nAw==\n-----END X-----\n").unwrap();
        assert_eq!(blocks, vec![("X".to_string(), vec![0, 1, 2, 3])]);
        assert!(matches!(
            SigningKey::from_pem("no key here"),
            Err(KeyError::NoKey)
        ));
    }

    #[test]
    fn claims_are_upstreams_legacy_claims() {
        let claims = legacy_claims("ns", "builder", "uid-1", "builder-token");
        assert_eq!(
            claims.to_string(),
            r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"ns","kubernetes.io/serviceaccount/secret.name":"builder-token","kubernetes.io/serviceaccount/service-account.name":"builder","kubernetes.io/serviceaccount/service-account.uid":"uid-1","sub":"system:serviceaccount:ns:builder"}"#
        );
    }

    #[test]
    fn p256_keys_sign_es256_tokens() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(pkcs8.as_ref())
        );
        let key = SigningKey::from_pem(&pem).unwrap();
        let KeyKind::Ecdsa(pair) = &key.kind else {
            panic!("not an ECDSA key");
        };
        let spki = subject_public_key_info(P256_ALGORITHM, pair.public_key().as_ref());
        assert_eq!(spki.len(), 91);
        assert_eq!(&spki[..2], &[0x30, 0x59]);
        let token = key.sign(&legacy_claims("ns", "a", "u", "s")).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "ES256", "kid": key.key_id()}));
        let public = signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            pair.public_key().as_ref(),
        );
        public
            .verify(
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
            )
            .unwrap();
        assert!(matches!(
            SigningKey::from_pem(
                "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----"
            ),
            Err(KeyError::Sec1)
        ));
    }
}
