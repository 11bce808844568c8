//! Reading and writing `metadata` fields of objects held as JSON values, and resource
//! versions as upstream parses them.
//!
//! Objects travel through the server as [`serde_json::Value`]s (CRDs need it, and typed
//! structs would drop unknown fields), so these accessors are the one place that knows where
//! `metadata.name`, `metadata.resourceVersion` and friends live. Getters return `None` or an
//! empty collection for absent or mistyped fields; setters create `metadata` when missing and
//! fail only when the value is not a JSON object.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::field::{FieldError, FieldPath, aggregate_message};
use crate::gocompat;
use crate::status::Status;

/// An object accessor could not write.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// The value (or its `metadata`) is not a JSON object.
    #[error("object is not a JSON object")]
    NotAnObject,
    /// `metadata.ownerReferences` is not a list of owner references.
    #[error("invalid metadata.ownerReferences: {0}")]
    OwnerReferences(#[source] serde_json::Error),
}

fn metadata(object: &Value) -> Option<&Map<String, Value>> {
    object.get("metadata")?.as_object()
}

fn metadata_mut(object: &mut Value) -> Result<&mut Map<String, Value>, MetaError> {
    let map = object.as_object_mut().ok_or(MetaError::NotAnObject)?;
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if meta.is_null() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut().ok_or(MetaError::NotAnObject)
}

fn meta_str<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    metadata(object)?.get(field)?.as_str()
}

fn set_meta(object: &mut Value, field: &str, value: Value) -> Result<(), MetaError> {
    metadata_mut(object)?.insert(field.to_string(), value);
    Ok(())
}

fn string_map(object: &Value, field: &str) -> BTreeMap<String, String> {
    metadata(object)
        .and_then(|m| m.get(field))
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn string_map_value(map: &BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// `kind`.
pub fn kind(object: &Value) -> Option<&str> {
    object.get("kind")?.as_str()
}

/// `apiVersion`.
pub fn api_version(object: &Value) -> Option<&str> {
    object.get("apiVersion")?.as_str()
}

/// `metadata.name`.
pub fn name(object: &Value) -> Option<&str> {
    meta_str(object, "name")
}

/// Sets `metadata.name`.
pub fn set_name(object: &mut Value, name: &str) -> Result<(), MetaError> {
    set_meta(object, "name", Value::String(name.to_string()))
}

/// `metadata.namespace`.
pub fn namespace(object: &Value) -> Option<&str> {
    meta_str(object, "namespace")
}

/// Sets `metadata.namespace`.
pub fn set_namespace(object: &mut Value, namespace: &str) -> Result<(), MetaError> {
    set_meta(object, "namespace", Value::String(namespace.to_string()))
}

/// `metadata.generateName`.
pub fn generate_name(object: &Value) -> Option<&str> {
    meta_str(object, "generateName")
}

/// `metadata.uid`.
pub fn uid(object: &Value) -> Option<&str> {
    meta_str(object, "uid")
}

/// Sets `metadata.uid`.
pub fn set_uid(object: &mut Value, uid: &str) -> Result<(), MetaError> {
    set_meta(object, "uid", Value::String(uid.to_string()))
}

/// `metadata.resourceVersion` (absent and empty are both `None`).
pub fn resource_version(object: &Value) -> Option<&str> {
    meta_str(object, "resourceVersion").filter(|rv| !rv.is_empty())
}

/// Sets `metadata.resourceVersion` (as storage does on every object it returns: the object's
/// `mod_revision`).
pub fn set_resource_version(object: &mut Value, resource_version: i64) -> Result<(), MetaError> {
    set_meta(
        object,
        "resourceVersion",
        Value::String(resource_version.to_string()),
    )
}

/// Removes `metadata.resourceVersion` (as storage does before writing: the version is never
/// stored inside the value). Does nothing when the object has no metadata.
pub fn clear_resource_version(object: &mut Value) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
}

/// `metadata.generation` (0 when absent).
pub fn generation(object: &Value) -> i64 {
    metadata(object)
        .and_then(|m| m.get("generation"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// Sets `metadata.generation`.
pub fn set_generation(object: &mut Value, generation: i64) -> Result<(), MetaError> {
    set_meta(object, "generation", Value::from(generation))
}

/// `metadata.labels`; non-string values (which validation never lets through) are skipped.
pub fn labels(object: &Value) -> BTreeMap<String, String> {
    string_map(object, "labels")
}

/// Replaces `metadata.labels` (removes the field when `labels` is empty).
pub fn set_labels(object: &mut Value, labels: &BTreeMap<String, String>) -> Result<(), MetaError> {
    let meta = metadata_mut(object)?;
    if labels.is_empty() {
        meta.remove("labels");
    } else {
        meta.insert("labels".to_string(), string_map_value(labels));
    }
    Ok(())
}

/// `metadata.annotations`; non-string values are skipped.
pub fn annotations(object: &Value) -> BTreeMap<String, String> {
    string_map(object, "annotations")
}

/// Replaces `metadata.annotations` (removes the field when `annotations` is empty).
pub fn set_annotations(
    object: &mut Value,
    annotations: &BTreeMap<String, String>,
) -> Result<(), MetaError> {
    let meta = metadata_mut(object)?;
    if annotations.is_empty() {
        meta.remove("annotations");
    } else {
        meta.insert("annotations".to_string(), string_map_value(annotations));
    }
    Ok(())
}

/// `metadata.finalizers`, in order; non-string entries are skipped.
pub fn finalizers(object: &Value) -> Vec<String> {
    metadata(object)
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| Some(v.as_str()?.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces `metadata.finalizers` (removes the field when empty).
pub fn set_finalizers(object: &mut Value, finalizers: &[String]) -> Result<(), MetaError> {
    let meta = metadata_mut(object)?;
    if finalizers.is_empty() {
        meta.remove("finalizers");
    } else {
        meta.insert(
            "finalizers".to_string(),
            Value::Array(finalizers.iter().cloned().map(Value::String).collect()),
        );
    }
    Ok(())
}

/// `metadata.creationTimestamp` (RFC 3339, as stored).
pub fn creation_timestamp(object: &Value) -> Option<&str> {
    meta_str(object, "creationTimestamp")
}

/// Sets `metadata.creationTimestamp` (RFC 3339, seconds precision, `Z`).
pub fn set_creation_timestamp(object: &mut Value, timestamp: &str) -> Result<(), MetaError> {
    set_meta(
        object,
        "creationTimestamp",
        Value::String(timestamp.to_string()),
    )
}

/// `metadata.deletionTimestamp`: set once deletion has started (graceful deletion or
/// finalizers pending).
pub fn deletion_timestamp(object: &Value) -> Option<&str> {
    meta_str(object, "deletionTimestamp")
}

/// Sets `metadata.deletionTimestamp`.
pub fn set_deletion_timestamp(object: &mut Value, timestamp: &str) -> Result<(), MetaError> {
    set_meta(
        object,
        "deletionTimestamp",
        Value::String(timestamp.to_string()),
    )
}

/// `metadata.deletionGracePeriodSeconds`.
pub fn deletion_grace_period_seconds(object: &Value) -> Option<i64> {
    metadata(object)?
        .get("deletionGracePeriodSeconds")?
        .as_i64()
}

/// The fields every kind supports in field selectors (upstream's `ObjectMetaFieldsSet`):
/// `metadata.name`, and `metadata.namespace` for namespaced kinds (absent fields read as
/// empty). Kinds add their own fields (`spec.nodeName`, `status.phase`, ...) to this map.
pub fn object_meta_fields(object: &Value, namespaced: bool) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    fields.insert(
        "metadata.name".to_string(),
        name(object).unwrap_or_default().to_string(),
    );
    if namespaced {
        fields.insert(
            "metadata.namespace".to_string(),
            namespace(object).unwrap_or_default().to_string(),
        );
    }
    fields
}

/// One `metadata.ownerReferences` entry (`metav1.OwnerReference`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// The owner's API version.
    pub api_version: String,
    /// The owner's kind.
    pub kind: String,
    /// The owner's name.
    pub name: String,
    /// The owner's UID.
    pub uid: String,
    /// Whether the owner is the managing controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// Whether the owner cannot be deleted before this object (foreground deletion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// `metadata.ownerReferences` (empty when absent).
pub fn owner_references(object: &Value) -> Result<Vec<OwnerReference>, MetaError> {
    match metadata(object).and_then(|m| m.get("ownerReferences")) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(value) => {
            Vec::<OwnerReference>::deserialize(value).map_err(MetaError::OwnerReferences)
        }
    }
}

// === resource versions ===

/// A `resourceVersion` that is not a number, as upstream reports it: a field error on
/// `resourceVersion` with `strconv.ParseUint`'s message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", aggregate_message(std::slice::from_ref(&self.error)).unwrap_or_default())]
pub struct InvalidResourceVersion {
    error: FieldError,
}

impl InvalidResourceVersion {
    /// The field error (`resourceVersion: Invalid value: "x": strconv.ParseUint: ...`).
    pub fn field_error(&self) -> &FieldError {
        &self.error
    }

    /// The 422 `Invalid` status upstream returns for it on a watch (`InterpretWatchError`):
    /// the resource stands in for the kind.
    pub fn to_status(&self, group: &str, resource: &str, name: &str) -> Status {
        Status::invalid(group, resource, name, std::slice::from_ref(&self.error))
    }
}

/// Parses a `resourceVersion` parameter or field as upstream's
/// `APIObjectVersioner.ParseResourceVersion`: empty and `"0"` are 0; otherwise a decimal
/// unsigned integer, else an error carrying Go's `strconv.ParseUint` message.
///
/// Values above `i64::MAX` (valid for upstream's `uint64`, but never a revision etcd can
/// have) are refused with the "value out of range" message.
pub fn parse_resource_version(resource_version: &str) -> Result<i64, InvalidResourceVersion> {
    if resource_version.is_empty() || resource_version == "0" {
        return Ok(0);
    }
    let problem = if !resource_version.bytes().all(|b| b.is_ascii_digit()) {
        "invalid syntax"
    } else {
        match resource_version.parse::<u64>() {
            Ok(v) => match i64::try_from(v) {
                Ok(v) => return Ok(v),
                Err(_) => "value out of range",
            },
            Err(_) => "value out of range",
        }
    };
    Err(InvalidResourceVersion {
        error: FieldError::invalid(
            FieldPath::new("resourceVersion"),
            resource_version,
            format!(
                "strconv.ParseUint: parsing {}: {problem}",
                gocompat::quote(resource_version)
            ),
        ),
    })
}

// === watch events ===

/// The type of a watch event, with its exact wire strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WatchEventType {
    /// An object was created (or started matching the watch's selector).
    #[serde(rename = "ADDED")]
    Added,
    /// An object changed.
    #[serde(rename = "MODIFIED")]
    Modified,
    /// An object was deleted (or stopped matching the watch's selector).
    #[serde(rename = "DELETED")]
    Deleted,
    /// A progress marker carrying only `metadata.resourceVersion`.
    #[serde(rename = "BOOKMARK")]
    Bookmark,
    /// An error; the object is a `Status`.
    #[serde(rename = "ERROR")]
    Error,
}

impl WatchEventType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
            Self::Bookmark => "BOOKMARK",
            Self::Error => "ERROR",
        }
    }
}

impl fmt::Display for WatchEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a watch event type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown watch event type {0:?}")]
pub struct UnknownWatchEventType(pub String);

impl FromStr for WatchEventType {
    type Err = UnknownWatchEventType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "ADDED" => Self::Added,
            "MODIFIED" => Self::Modified,
            "DELETED" => Self::Deleted,
            "BOOKMARK" => Self::Bookmark,
            "ERROR" => Self::Error,
            other => return Err(UnknownWatchEventType(other.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web",
                "namespace": "default",
                "generateName": "web-",
                "uid": "1f0e-42",
                "resourceVersion": "17",
                "generation": 3,
                "labels": {"app": "web", "tier": "front", "bad": 1},
                "annotations": {"a": "b"},
                "finalizers": ["example.com/keep", "kubernetes"],
                "creationTimestamp": "2024-01-02T03:04:05Z",
                "deletionTimestamp": "2024-01-02T03:05:05Z",
                "deletionGracePeriodSeconds": 30,
                "ownerReferences": [{
                    "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-rs",
                    "uid": "99", "controller": true, "blockOwnerDeletion": true
                }]
            },
            "spec": {}
        })
    }

    #[test]
    fn getters_read_metadata() {
        let p = pod();
        assert_eq!(kind(&p), Some("Pod"));
        assert_eq!(api_version(&p), Some("v1"));
        assert_eq!(name(&p), Some("web"));
        assert_eq!(namespace(&p), Some("default"));
        assert_eq!(generate_name(&p), Some("web-"));
        assert_eq!(uid(&p), Some("1f0e-42"));
        assert_eq!(resource_version(&p), Some("17"));
        assert_eq!(generation(&p), 3);
        assert_eq!(
            labels(&p),
            BTreeMap::from([
                ("app".to_string(), "web".to_string()),
                ("tier".to_string(), "front".to_string())
            ])
        );
        assert_eq!(annotations(&p).get("a").map(String::as_str), Some("b"));
        assert_eq!(finalizers(&p), vec!["example.com/keep", "kubernetes"]);
        assert_eq!(creation_timestamp(&p), Some("2024-01-02T03:04:05Z"));
        assert_eq!(deletion_timestamp(&p), Some("2024-01-02T03:05:05Z"));
        assert_eq!(deletion_grace_period_seconds(&p), Some(30));
        let owners = owner_references(&p).expect("valid owners");
        assert_eq!(owners.len(), 1);
        assert_eq!(owners[0].name, "web-rs");
        assert_eq!(owners[0].controller, Some(true));
        assert_eq!(owners[0].block_owner_deletion, Some(true));
    }

    #[test]
    fn object_meta_fields_feed_field_selectors() {
        let p = pod();
        let namespaced = object_meta_fields(&p, true);
        assert_eq!(
            namespaced,
            BTreeMap::from([
                ("metadata.name".to_string(), "web".to_string()),
                ("metadata.namespace".to_string(), "default".to_string())
            ])
        );
        let selector = crate::FieldSelector::parse("metadata.namespace=default,metadata.name!=db")
            .expect("parses");
        assert!(selector.matches(&namespaced));
        let cluster = object_meta_fields(&json!({"metadata": {"name": "n1"}}), false);
        assert_eq!(cluster.len(), 1);
        assert!(!selector.matches(&cluster));
    }

    #[test]
    fn getters_on_bare_objects_are_empty() {
        let bare = json!({"kind": "ConfigMap"});
        assert_eq!(name(&bare), None);
        assert_eq!(resource_version(&bare), None);
        assert!(labels(&bare).is_empty());
        assert!(finalizers(&bare).is_empty());
        assert!(owner_references(&bare).expect("none").is_empty());
        assert_eq!(generation(&bare), 0);
        let empty_rv = json!({"metadata": {"resourceVersion": ""}});
        assert_eq!(resource_version(&empty_rv), None);
        let bad_owners = json!({"metadata": {"ownerReferences": [{"kind": 3}]}});
        assert!(matches!(
            owner_references(&bad_owners),
            Err(MetaError::OwnerReferences(_))
        ));
    }

    #[test]
    fn setters_create_and_clear_fields() {
        let mut object = json!({"kind": "ConfigMap", "data": {"k": "v"}});
        set_resource_version(&mut object, 42).expect("object");
        assert_eq!(resource_version(&object), Some("42"));
        assert_eq!(object["metadata"]["resourceVersion"], json!("42"));
        clear_resource_version(&mut object);
        assert_eq!(object["metadata"], json!({}));
        set_name(&mut object, "cm").expect("object");
        set_namespace(&mut object, "ns").expect("object");
        set_uid(&mut object, "u").expect("object");
        set_generation(&mut object, 1).expect("object");
        set_creation_timestamp(&mut object, "2024-01-01T00:00:00Z").expect("object");
        set_deletion_timestamp(&mut object, "2024-01-01T00:01:00Z").expect("object");
        set_labels(&mut object, &BTreeMap::from([("a".into(), "b".into())])).expect("object");
        set_annotations(&mut object, &BTreeMap::new()).expect("object");
        set_finalizers(&mut object, &["f".to_string()]).expect("object");
        assert_eq!(
            object,
            json!({
                "kind": "ConfigMap",
                "data": {"k": "v"},
                "metadata": {
                    "name": "cm", "namespace": "ns", "uid": "u", "generation": 1,
                    "creationTimestamp": "2024-01-01T00:00:00Z",
                    "deletionTimestamp": "2024-01-01T00:01:00Z",
                    "labels": {"a": "b"}, "finalizers": ["f"]
                }
            })
        );
        set_finalizers(&mut object, &[]).expect("object");
        assert!(object["metadata"].get("finalizers").is_none());
        let mut null_meta = json!({"metadata": null});
        set_name(&mut null_meta, "x").expect("object");
        assert_eq!(name(&null_meta), Some("x"));
        assert!(matches!(
            set_name(&mut json!([1]), "x"),
            Err(MetaError::NotAnObject)
        ));
        assert!(matches!(
            set_name(&mut json!({"metadata": 5}), "x"),
            Err(MetaError::NotAnObject)
        ));
    }

    #[test]
    fn parses_resource_versions_as_upstream() {
        assert_eq!(parse_resource_version(""), Ok(0));
        assert_eq!(parse_resource_version("0"), Ok(0));
        assert_eq!(parse_resource_version("1"), Ok(1));
        assert_eq!(parse_resource_version("007"), Ok(7));
        assert_eq!(parse_resource_version("9223372036854775807"), Ok(i64::MAX));
        // Messages printed by k8s.io/apiserver v0.37.0's APIObjectVersioner.ParseResourceVersion.
        let cases = [
            (
                "abc",
                r#"resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax"#,
            ),
            (
                "-1",
                r#"resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax"#,
            ),
            (
                "+1",
                r#"resourceVersion: Invalid value: "+1": strconv.ParseUint: parsing "+1": invalid syntax"#,
            ),
            (
                " 1",
                r#"resourceVersion: Invalid value: " 1": strconv.ParseUint: parsing " 1": invalid syntax"#,
            ),
            (
                "1_0",
                r#"resourceVersion: Invalid value: "1_0": strconv.ParseUint: parsing "1_0": invalid syntax"#,
            ),
            (
                "99999999999999999999",
                r#"resourceVersion: Invalid value: "99999999999999999999": strconv.ParseUint: parsing "99999999999999999999": value out of range"#,
            ),
        ];
        for (input, want) in cases {
            let err = parse_resource_version(input).expect_err(input);
            assert_eq!(err.to_string(), want);
        }
        let status = parse_resource_version("abc")
            .expect_err("invalid")
            .to_status("", "pods", "");
        assert_eq!(
            String::from_utf8(status.to_json().expect("json")).expect("utf8"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"\" is invalid: resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax","reason":"Invalid","details":{"kind":"pods","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax","field":"resourceVersion"}]},"code":422}"#
        );
    }

    #[test]
    fn resource_version_parsing_matches_upstream_golden() {
        for case in crate::golden::golden().parse_resource_version {
            let got = parse_resource_version(&case.r#in);
            match (&got, &case.err) {
                (Ok(rv), None) => assert_eq!(*rv as u64, case.rv, "{:?}", case.r#in),
                (Err(err), Some(want)) => assert_eq!(&err.to_string(), want, "{:?}", case.r#in),
                _ => panic!(
                    "{:?}: got {got:?}, want {} / {:?}",
                    case.r#in, case.rv, case.err
                ),
            }
        }
    }

    #[test]
    fn watch_event_types_use_exact_strings() {
        for (t, wire) in [
            (WatchEventType::Added, "ADDED"),
            (WatchEventType::Modified, "MODIFIED"),
            (WatchEventType::Deleted, "DELETED"),
            (WatchEventType::Bookmark, "BOOKMARK"),
            (WatchEventType::Error, "ERROR"),
        ] {
            assert_eq!(t.as_str(), wire);
            assert_eq!(t.to_string(), wire);
            assert_eq!(
                serde_json::to_string(&t).expect("serializes"),
                format!("\"{wire}\"")
            );
            assert_eq!(
                serde_json::from_str::<WatchEventType>(&format!("\"{wire}\"")).expect("parses"),
                t
            );
            assert_eq!(wire.parse::<WatchEventType>(), Ok(t));
        }
        assert!("added".parse::<WatchEventType>().is_err());
        assert!(serde_json::from_str::<WatchEventType>("\"added\"").is_err());
    }
}
