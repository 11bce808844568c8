//! Request bodies nested deeper than serde_json reads on a request's stack.
//!
//! Upstream's decoder reads JSON up to 10000 levels deep; a deep part can only be an unknown
//! field (dropped, or reported by field validation) or a value of the wrong type (refused).
//! Reading, checking and dropping such a document recurses once per level, so it all happens
//! on a thread with a stack sized for it; what comes back is the decoded object without its
//! unknown fields, shallow enough for the rest of the request path (and refused when even
//! that is deeper than [`SERDE_MAX_DEPTH`]).

use bytes::Bytes;
use ironkube_apimachinery::typed_decode;
use serde_json::Value;

use super::negotiation::{BodyError, SERDE_MAX_DEPTH};
use crate::fieldvalidation;

/// The stack of the reading thread: enough for 10000 levels in a debug build.
const STACK_BYTES: usize = 512 << 20;

/// A deep body, read.
pub(super) struct DeepBody {
    /// The object, unknown fields dropped.
    pub(super) object: Value,
    /// Unknown and duplicate fields (empty unless asked for).
    pub(super) problems: Vec<String>,
}

/// Why a deep body was not read.
#[derive(Debug, thiserror::Error)]
pub(super) enum DeepError {
    /// A value of the wrong type (Go's decoder error text).
    #[error("{0}")]
    Type(String),
    /// Not readable, or still too deep once unknown fields are dropped.
    #[error(transparent)]
    Body(#[from] BodyError),
}

/// The kind a body is read as.
pub(super) struct Target {
    /// API group.
    pub(super) group: String,
    /// Version.
    pub(super) version: String,
    /// `group/version` (`v1` for the core group).
    pub(super) api_version: String,
    /// Kind.
    pub(super) kind: String,
    /// Whether unknown and duplicate fields are to be listed.
    pub(super) list_problems: bool,
}

/// Reads `body` (well-formed JSON deeper than serde_json's default limit) as `target`.
pub(super) async fn read(body: Bytes, target: Target) -> Result<DeepBody, DeepError> {
    let joined = tokio::task::spawn_blocking(move || {
        std::thread::Builder::new()
            .name("deep-body".into())
            .stack_size(STACK_BYTES)
            .spawn(move || read_on_this_thread(&body, &target))
            .map_err(|err| BodyError::Malformed(format!("reading the body: {err}")))?
            .join()
            .map_err(|_| BodyError::Malformed("reading the body failed".into()))?
    })
    .await;
    joined.map_err(|_| DeepError::Body(BodyError::Malformed("reading the body failed".into())))?
}

/// The reading itself; every deep value is dropped before it returns.
fn read_on_this_thread(body: &[u8], target: &Target) -> Result<DeepBody, DeepError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    deserializer.disable_recursion_limit();
    let mut object = ironkube_apimachinery::gojson::deserialize(&mut deserializer)
        .and_then(|object| deserializer.end().map(|()| object))
        .map_err(|err| BodyError::Malformed(err.to_string()))?;
    if let Some(err) = typed_decode::decode_error(&target.api_version, &target.kind, &object) {
        return Err(DeepError::Type(err));
    }
    let problems = if target.list_problems {
        fieldvalidation::field_problems(&target.group, &target.version, &target.kind, body)
    } else {
        Vec::new()
    };
    fieldvalidation::prune(&target.group, &target.version, &target.kind, &mut object);
    if depth(&object) > SERDE_MAX_DEPTH {
        return Err(BodyError::TooDeep.into());
    }
    Ok(DeepBody { object, problems })
}

/// How deeply `value` nests (a scalar is 0).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(list_problems: bool) -> Target {
        Target {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            list_problems,
        }
    }

    fn nested(levels: usize, inside: &str) -> String {
        format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"x"}},{inside}{}1{}}}"#,
            r#"{"a":"#.repeat(levels),
            "}".repeat(levels)
        )
    }

    #[tokio::test]
    async fn deep_unknown_fields_are_dropped_or_reported() {
        let body = Bytes::from(nested(5000, r#""x":"#));
        let strict = read(body.clone(), target(true)).await.unwrap();
        assert_eq!(strict.object["metadata"]["name"], "x");
        assert!(strict.object.get("x").is_none());
        assert_eq!(strict.problems, ["unknown field \"x\""]);
        let ignored = read(body, target(false)).await.unwrap();
        assert!(ignored.problems.is_empty());
        assert!(ignored.object.get("x").is_none());
    }

    #[tokio::test]
    async fn deep_values_of_known_fields_are_refused() {
        let wrong_type = Bytes::from(nested(300, r#""data":{"k":"#).replacen("1}", "1}}", 1));
        let err = read(wrong_type, target(true)).await.err().unwrap();
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal object into Go struct field ConfigMap.data of type string"
        );
    }
}
