//! The `continue` token of paginated lists, in upstream's format
//! (`k8s.io/apiserver/pkg/storage/continue.go`).
//!
//! A token is unpadded URL-safe base64 of the JSON `{"v":"meta.k8s.io/v1","rv":N,"start":K}`,
//! where `rv` is the revision the first page was read at (-1 after the revision was compacted:
//! "continue at the latest revision") and `K` is the next key to read with the resource's key
//! prefix removed. Tokens are opaque to clients but not to servers: a token minted by upstream
//! kube-apiserver is accepted here and the reverse, and a malformed one is refused with
//! upstream's messages (which embed Go's base64 and JSON error texts).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::gocompat::{self, GoJson};

/// The only token version upstream has ever written.
const TOKEN_API_VERSION: &str = "meta.k8s.io/v1";

/// Why a continue token could not be made or read. Messages are upstream's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContinueError {
    /// The token's `rv` is missing or 0.
    #[error(
        "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
    )]
    InvalidStartRv,
    /// The token's `start` is missing or empty.
    #[error("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)")]
    EmptyStartKey,
    /// The token is not base64 or JSON of the right shape, or its start key tries to leave the
    /// resource's prefix; the detail is Go's error text or the offending key.
    #[error("continue key is not valid: {0}")]
    Invalid(String),
    /// The token names a version other than `meta.k8s.io/v1`.
    #[error("continue key is not valid: server does not recognize this encoded version {0}")]
    UnrecognizedVersion(String),
    /// The key to encode does not start with the key prefix.
    #[error("unable to encode next field: the key and key prefix do not match")]
    KeyPrefixMismatch,
}

/// Makes the token for a list that continues at `key` (a full storage key under `key_prefix`),
/// read at `resource_version` (upstream's `EncodeContinue`). Like upstream, an empty prefix
/// or a key outside the prefix is refused.
pub fn encode_continue(
    key: &str,
    key_prefix: &str,
    resource_version: i64,
) -> Result<String, ContinueError> {
    let next_key = match key.strip_prefix(key_prefix) {
        Some(rest) if !key_prefix.is_empty() => rest,
        _ => return Err(ContinueError::KeyPrefixMismatch),
    };
    let mut json = String::with_capacity(next_key.len() + 48);
    json.push_str("{\"v\":\"");
    json.push_str(TOKEN_API_VERSION);
    json.push_str("\",\"rv\":");
    json.push_str(&resource_version.to_string());
    json.push_str(",\"start\":");
    gocompat::push_json_string(&mut json, next_key);
    json.push('}');
    Ok(URL_SAFE_NO_PAD.encode(json.as_bytes()))
}

/// The token for a page whose last item was at `last_key`: the next page starts right after
/// it (`last_key` + NUL), as upstream's `PrepareContinueToken` does.
pub fn encode_continue_after(
    last_key: &str,
    key_prefix: &str,
    resource_version: i64,
) -> Result<String, ContinueError> {
    encode_continue(&format!("{last_key}\u{0}"), key_prefix, resource_version)
}

/// Reads a token: the full storage key to continue from (`key_prefix` + the token's start
/// key) and the revision to read at (upstream's `DecodeContinue`).
///
/// The start key must be a clean path (no `//`, `.` or `..` segment, no trailing `/`) so a
/// client cannot make the list range over keys outside `key_prefix`.
pub fn decode_continue(token: &str, key_prefix: &str) -> Result<(String, i64), ContinueError> {
    let data = decode_base64_raw_url(token.as_bytes()).map_err(ContinueError::Invalid)?;
    let parsed = gocompat::parse(&data).map_err(ContinueError::Invalid)?;
    let fields = decode_token_fields(&parsed).map_err(ContinueError::Invalid)?;
    if fields.api_version != TOKEN_API_VERSION {
        return Err(ContinueError::UnrecognizedVersion(fields.api_version));
    }
    if fields.resource_version == 0 {
        return Err(ContinueError::InvalidStartRv);
    }
    if fields.start_key.is_empty() {
        return Err(ContinueError::EmptyStartKey);
    }
    let key = if fields.start_key.starts_with('/') {
        fields.start_key.clone()
    } else {
        format!("/{}", fields.start_key)
    };
    if !is_clean_rooted_path(&key) {
        return Err(ContinueError::Invalid(fields.start_key));
    }
    Ok((
        format!("{key_prefix}{}", &key[1..]),
        fields.resource_version,
    ))
}

/// Whether Go's `path.Clean` leaves the rooted path `path` unchanged: it is `/`, or `/`-joined
/// non-empty segments none of which is `.` or `..`, without a trailing `/`.
fn is_clean_rooted_path(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    rest.split('/')
        .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// The token's fields after Go's `json.Unmarshal` into upstream's `continueToken` struct.
#[derive(Debug, Default)]
struct TokenFields {
    api_version: String,
    resource_version: i64,
    start_key: String,
}

/// Which struct field a JSON member names: exact name first, then Go's case-insensitive match
/// (which also folds `ſ` to `s` and the Kelvin sign to `k`).
fn token_field(name: &str) -> Option<&'static str> {
    const FIELDS: [&str; 3] = ["v", "rv", "start"];
    if let Some(exact) = FIELDS.iter().find(|f| **f == name) {
        return Some(exact);
    }
    let folded: String = name
        .chars()
        .map(|c| match c {
            '\u{17f}' => 'S',
            '\u{212a}' => 'K',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    FIELDS
        .iter()
        .find(|f| f.to_ascii_uppercase() == folded)
        .copied()
}

/// Decodes the parsed document into the token's fields with Go's rules: `null` leaves a field
/// unset, the first type mismatch is the error (decoding continues past it, as Go does).
fn decode_token_fields(doc: &GoJson) -> Result<TokenFields, String> {
    let mut fields = TokenFields::default();
    let members = match doc {
        GoJson::Null => return Ok(fields),
        GoJson::Object(members) => members,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type storage.continueToken",
                other.kind_name()
            ));
        }
    };
    let mut first_error: Option<String> = None;
    for (name, value) in members {
        let Some(field) = token_field(name) else {
            continue;
        };
        let result = match (field, value) {
            (_, GoJson::Null) => Ok(()),
            ("rv", GoJson::Number(literal)) => match gocompat::parse_int10(literal) {
                Some(rv) => {
                    fields.resource_version = rv;
                    Ok(())
                }
                None => Err(format!("number {literal}")),
            },
            ("rv", other) => Err(other.kind_name().to_string()),
            ("v", GoJson::String(s)) => {
                fields.api_version = s.clone();
                Ok(())
            }
            (_, GoJson::String(s)) => {
                fields.start_key = s.clone();
                Ok(())
            }
            (_, other) => Err(other.kind_name().to_string()),
        };
        if let Err(what) = result
            && first_error.is_none()
        {
            let go_type = if field == "rv" { "int64" } else { "string" };
            first_error = Some(format!(
                "json: cannot unmarshal {what} into Go struct field continueToken.{field} of type {go_type}"
            ));
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(fields),
    }
}

/// Go's `base64.RawURLEncoding.DecodeString`.
fn decode_base64_raw_url(src: &[u8]) -> Result<Vec<u8>, String> {
    crate::gocompat::decode_base64(src, crate::gocompat::Base64::RawUrl)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "/registry/pods/";

    #[test]
    fn encodes_upstream_tokens() {
        // Tokens printed by k8s.io/apiserver v0.37.0's storage.EncodeContinue.
        assert_eq!(
            encode_continue("/registry/pods/default/web-1\u{0}", PREFIX, 42),
            Ok(
                "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDIsInN0YXJ0IjoiZGVmYXVsdC93ZWItMVx1MDAwMCJ9"
                    .to_string()
            )
        );
        assert_eq!(
            encode_continue("/registry/pods/a<b>&c", PREFIX, -1),
            Ok("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYVx1MDAzY2JcdTAwM2VcdTAwMjZjIn0".to_string())
        );
        assert_eq!(
            encode_continue_after("/registry/pods/default/web-1", PREFIX, 42),
            encode_continue("/registry/pods/default/web-1\u{0}", PREFIX, 42)
        );
    }

    #[test]
    fn encode_refuses_keys_outside_the_prefix() {
        assert_eq!(
            encode_continue("/registry/services/x", PREFIX, 1),
            Err(ContinueError::KeyPrefixMismatch)
        );
        assert_eq!(
            encode_continue("/registry/pods/x", "", 1),
            Err(ContinueError::KeyPrefixMismatch)
        );
        assert_eq!(
            ContinueError::KeyPrefixMismatch.to_string(),
            "unable to encode next field: the key and key prefix do not match"
        );
    }

    #[test]
    fn round_trips() {
        for (key, rv) in [
            ("/registry/pods/default/web-1\u{0}", 42),
            ("/registry/pods/kube-system/coredns-abc\u{0}", 9_000_000_000),
            ("/registry/pods/ns/é😀\u{0}", -1),
            ("/registry/pods/x", 1),
        ] {
            let token = encode_continue(key, PREFIX, rv).expect("encodes");
            assert!(!token.contains('='), "unpadded: {token}");
            assert_eq!(decode_continue(&token, PREFIX), Ok((key.to_string(), rv)));
        }
    }

    fn token_of(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn decodes_hand_made_upstream_tokens() {
        // {"v":"meta.k8s.io/v1","rv":42,"start":"default/web-1\u0000"}, as upstream writes it.
        assert_eq!(
            decode_continue(
                "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDIsInN0YXJ0IjoiZGVmYXVsdC93ZWItMVx1MDAwMCJ9",
                PREFIX
            ),
            Ok(("/registry/pods/default/web-1\u{0}".to_string(), 42))
        );
        // Newlines inside the base64 are skipped by Go's decoder; field names match
        // case-insensitively; unknown members are ignored.
        let mut token = token_of(r#"{"V":"meta.k8s.io/v1","RV":7,"Start":"/a/b","x":[1]}"#);
        token.insert(10, '\n');
        assert_eq!(
            decode_continue(&token, PREFIX),
            Ok(("/registry/pods/a/b".to_string(), 7))
        );
        // The start key "/" stays at the prefix itself.
        assert_eq!(
            decode_continue(
                &token_of(r#"{"v":"meta.k8s.io/v1","rv":3,"start":"/"}"#),
                PREFIX
            ),
            Ok(("/registry/pods/".to_string(), 3))
        );
    }

    #[test]
    fn refuses_bad_tokens_with_upstream_messages() {
        // Messages printed by k8s.io/apiserver v0.37.0's storage.DecodeContinue.
        let cases: Vec<(String, &str)> = vec![
            (
                "a".to_string(),
                "continue key is not valid: illegal base64 data at input byte 0",
            ),
            (
                "abc=".to_string(),
                "continue key is not valid: illegal base64 data at input byte 3",
            ),
            (
                "ab+c".to_string(),
                "continue key is not valid: illegal base64 data at input byte 2",
            ),
            (
                "abcde".to_string(),
                "continue key is not valid: illegal base64 data at input byte 4",
            ),
            (
                String::new(),
                "continue key is not valid: unexpected end of JSON input",
            ),
            (
                token_of("nope"),
                "continue key is not valid: invalid character 'o' in literal null (expecting 'u')",
            ),
            (
                token_of("[]"),
                "continue key is not valid: json: cannot unmarshal array into Go value of type storage.continueToken",
            ),
            (
                token_of("3"),
                "continue key is not valid: json: cannot unmarshal number into Go value of type storage.continueToken",
            ),
            (
                token_of("null"),
                "continue key is not valid: server does not recognize this encoded version ",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v2","rv":1,"start":"a"}"#),
                "continue key is not valid: server does not recognize this encoded version meta.k8s.io/v2",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","start":"a"}"#),
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1}"#),
                "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1.5,"start":"a"}"#),
                "continue key is not valid: json: cannot unmarshal number 1.5 into Go struct field continueToken.rv of type int64",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":"1","start":"a"}"#),
                "continue key is not valid: json: cannot unmarshal string into Go struct field continueToken.rv of type int64",
            ),
            (
                token_of(r#"{"v":1,"rv":1,"start":"a"}"#),
                "continue key is not valid: json: cannot unmarshal number into Go struct field continueToken.v of type string",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1,"start":{}}"#),
                "continue key is not valid: json: cannot unmarshal object into Go struct field continueToken.start of type string",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"../secrets/x"}"#),
                "continue key is not valid: ../secrets/x",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"/a/../../b"}"#),
                "continue key is not valid: /a/../../b",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"a//b"}"#),
                "continue key is not valid: a//b",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"a/"}"#),
                "continue key is not valid: a/",
            ),
            (
                token_of(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"./a"}"#),
                "continue key is not valid: ./a",
            ),
        ];
        for (token, want) in cases {
            let got = decode_continue(&token, PREFIX).expect_err(&token);
            assert_eq!(got.to_string(), want, "token {token:?}");
        }
    }

    #[test]
    fn matches_upstream_golden() {
        let g = crate::golden::golden();
        for case in g.continue_encode {
            let got = encode_continue(&case.key, &case.prefix, case.rv);
            match (&got, &case.token, &case.err) {
                (Ok(token), Some(want), None) => assert_eq!(token, want, "{:?}", case.key),
                (Err(err), None, Some(want)) => assert_eq!(&err.to_string(), want),
                _ => panic!(
                    "{:?}: got {got:?}, want {:?} / {:?}",
                    case.key, case.token, case.err
                ),
            }
        }
        let mut failures = Vec::new();
        for case in g.continue_decode {
            let got = decode_continue(&case.token, &case.prefix);
            let ok = match (&got, &case.err) {
                (Ok((key, rv)), None) => *key == case.key && *rv == case.rv,
                (Err(err), Some(want)) => &err.to_string() == want,
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{:?}: got {got:?}, want {:?}/{} err {:?}",
                    case.token, case.key, case.rv, case.err
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn base64_decoding_matches_go_raw_url_encoding() {
        assert_eq!(decode_base64_raw_url(b"").as_deref(), Ok(&b""[..]));
        assert_eq!(decode_base64_raw_url(b"YQ").as_deref(), Ok(&b"a"[..]));
        assert_eq!(decode_base64_raw_url(b"YWI").as_deref(), Ok(&b"ab"[..]));
        assert_eq!(decode_base64_raw_url(b"YWJj").as_deref(), Ok(&b"abc"[..]));
        // Non-zero trailing bits are accepted (Go's non-strict mode).
        assert_eq!(decode_base64_raw_url(b"YR").as_deref(), Ok(&b"a"[..]));
        assert_eq!(
            decode_base64_raw_url(b"Y\r\nWJj").as_deref(),
            Ok(&b"abc"[..])
        );
        assert_eq!(
            decode_base64_raw_url(b"YQ=="),
            Err("illegal base64 data at input byte 2".to_string())
        );
    }
}
