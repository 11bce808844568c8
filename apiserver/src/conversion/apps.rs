//! `apps/v1` kinds whose round trip through upstream's internal version changes them
//! (`pkg/apis/apps/v1/conversion.go`).
//!
//! - `Deployment`: the annotation `deprecated.deployment.rollback.to` is parsed into the
//!   internal `spec.rollbackTo` and written back, so a non-empty value must be an `int64`
//!   (written again in canonical form) and an empty one disappears.
//! - `DaemonSet`: the annotation `deprecated.daemonset.template.generation` carries the
//!   internal `spec.templateGeneration`; it is always written (`"0"` when absent) and must be an
//!   `int64` when present.
//! - `StatefulSet`: every volume claim template gets `apiVersion: v1` and
//!   `kind: PersistentVolumeClaim`, as before Kubernetes 1.17.

use serde_json::{Map, Value};

use super::ConversionError;

/// The annotation holding a Deployment's deprecated `spec.rollbackTo.revision`.
pub(crate) const DEPRECATED_ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";

/// The annotation holding a DaemonSet's internal `spec.templateGeneration`.
pub(crate) const DEPRECATED_TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

/// Why Go's `strconv.ParseInt(s, 10, 64)` refuses a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParseIntError {
    /// Not an optionally signed run of decimal digits.
    Syntax,
    /// Outside the `int64` range.
    Range,
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn parse_int64(s: &str) -> Result<i64, ParseIntError> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(ParseIntError::Syntax);
    }
    let mut magnitude: u64 = 0;
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return Err(ParseIntError::Syntax);
        }
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(c - b'0')))
            .ok_or(ParseIntError::Range)?;
    }
    const LIMIT: u64 = 1 << 63;
    match (negative, magnitude) {
        (false, m) if m < LIMIT => i64::try_from(m).map_err(|_| ParseIntError::Range),
        (true, m) if m <= LIMIT => Ok(0i64.wrapping_sub_unsigned(m)),
        _ => Err(ParseIntError::Range),
    }
}

/// The message of the error `strconv.ParseInt` returns for `s`.
fn parse_int_message(s: &str, error: ParseIntError) -> String {
    let reason = match error {
        ParseIntError::Syntax => "invalid syntax",
        ParseIntError::Range => "value out of range",
    };
    format!(
        "strconv.ParseInt: parsing {}: {reason}",
        ironkube_apimachinery::gocompat::quote(s)
    )
}

/// The object's `metadata.annotations`, created when missing.
fn annotations_mut(object: &mut Value) -> Option<&mut Map<String, Value>> {
    let metadata = object.as_object_mut()?.entry("metadata");
    let metadata = metadata.or_insert_with(|| Value::Object(Map::new()));
    let annotations = metadata
        .as_object_mut()?
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if annotations.is_null() {
        *annotations = Value::Object(Map::new());
    }
    annotations.as_object_mut()
}

/// Removes `metadata.annotations` if it is empty, as `omitempty` would.
fn drop_empty_annotations(object: &mut Value) {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
        && metadata
            .get("annotations")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        metadata.remove("annotations");
    }
}

/// The string annotation `key` of `object`.
fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get("metadata")?
        .get("annotations")?
        .get(key)?
        .as_str()
}

/// `apps/v1` `Deployment` → internal → `apps/v1`.
pub(crate) fn convert_deployment(object: Value) -> Result<Value, ConversionError> {
    let mut object = object;
    let revision = annotation(&object, DEPRECATED_ROLLBACK_TO)
        .unwrap_or_default()
        .to_string();
    let canonical = if revision.is_empty() {
        None
    } else {
        let parsed = parse_int64(&revision).map_err(|e| {
            ConversionError::Annotation(format!(
                "failed to parse annotation[{DEPRECATED_ROLLBACK_TO}]={revision} as int64: {}",
                parse_int_message(&revision, e)
            ))
        })?;
        Some(parsed.to_string())
    };
    let has_annotations = object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .is_some_and(Value::is_object);
    if canonical.is_some() || has_annotations {
        if let Some(annotations) = annotations_mut(&mut object) {
            match canonical {
                Some(revision) => {
                    annotations.insert(DEPRECATED_ROLLBACK_TO.to_string(), Value::String(revision));
                }
                None => {
                    annotations.remove(DEPRECATED_ROLLBACK_TO);
                }
            }
        }
        drop_empty_annotations(&mut object);
    }
    Ok(object)
}

/// `apps/v1` `DaemonSet` → internal → `apps/v1`.
pub(crate) fn convert_daemon_set(object: Value) -> Result<Value, ConversionError> {
    let mut object = object;
    let generation = match annotation(&object, DEPRECATED_TEMPLATE_GENERATION) {
        Some(value) => parse_int64(value)
            .map_err(|e| ConversionError::Annotation(parse_int_message(value, e)))?,
        None => 0,
    };
    if let Some(annotations) = annotations_mut(&mut object) {
        annotations.insert(
            DEPRECATED_TEMPLATE_GENERATION.to_string(),
            Value::String(generation.to_string()),
        );
    }
    Ok(object)
}

/// `apps/v1` `StatefulSet` → internal → `apps/v1`.
pub(crate) fn convert_stateful_set(object: Value) -> Value {
    let mut object = object;
    if let Some(templates) = object
        .get_mut("spec")
        .and_then(|s| s.get_mut("volumeClaimTemplates"))
        .and_then(Value::as_array_mut)
    {
        for template in templates.iter_mut().filter_map(Value::as_object_mut) {
            template.insert("apiVersion".to_string(), Value::String("v1".to_string()));
            template.insert(
                "kind".to_string(),
                Value::String("PersistentVolumeClaim".to_string()),
            );
        }
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_int64_as_go() {
        assert_eq!(parse_int64("+007"), Ok(7));
        assert_eq!(parse_int64("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int64("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(
            parse_int64("9223372036854775808"),
            Err(ParseIntError::Range)
        );
        assert_eq!(
            parse_int64("99999999999999999999x"),
            Err(ParseIntError::Range)
        );
        for bad in ["", "+", "-", "1_0", " 1", "0x1", "1.0"] {
            assert_eq!(parse_int64(bad), Err(ParseIntError::Syntax), "{bad}");
        }
        assert_eq!(
            parse_int_message("a\"b", ParseIntError::Syntax),
            r#"strconv.ParseInt: parsing "a\"b": invalid syntax"#
        );
    }

    #[test]
    fn deployment_rollback_annotation() {
        let with =
            |v: &str| json!({"metadata": {"annotations": {DEPRECATED_ROLLBACK_TO: v, "x": "y"}}});
        assert_eq!(
            convert_deployment(with("-0")).unwrap(),
            json!({"metadata": {"annotations": {DEPRECATED_ROLLBACK_TO: "0", "x": "y"}}})
        );
        assert_eq!(
            convert_deployment(with("")).unwrap(),
            json!({"metadata": {"annotations": {"x": "y"}}})
        );
        assert_eq!(
            convert_deployment(json!({"metadata": {"annotations": {DEPRECATED_ROLLBACK_TO: ""}}}))
                .unwrap(),
            json!({"metadata": {}})
        );
        assert_eq!(
            convert_deployment(json!({"spec": {}})).unwrap(),
            json!({"spec": {}})
        );
        assert_eq!(
            convert_deployment(with("x")).unwrap_err().to_string(),
            r#"failed to parse annotation[deprecated.deployment.rollback.to]=x as int64: strconv.ParseInt: parsing "x": invalid syntax"#
        );
    }

    #[test]
    fn daemon_set_template_generation() {
        assert_eq!(
            convert_daemon_set(json!({"spec": {}})).unwrap(),
            json!({"metadata": {"annotations": {DEPRECATED_TEMPLATE_GENERATION: "0"}}, "spec": {}})
        );
        assert_eq!(
            convert_daemon_set(
                json!({"metadata": {"annotations": {DEPRECATED_TEMPLATE_GENERATION: "+3"}}})
            )
            .unwrap(),
            json!({"metadata": {"annotations": {DEPRECATED_TEMPLATE_GENERATION: "3"}}})
        );
        assert_eq!(
            convert_daemon_set(
                json!({"metadata": {"annotations": {DEPRECATED_TEMPLATE_GENERATION: "1e3"}}})
            )
            .unwrap_err()
            .to_string(),
            r#"strconv.ParseInt: parsing "1e3": invalid syntax"#
        );
    }

    #[test]
    fn stateful_set_claim_templates() {
        assert_eq!(
            convert_stateful_set(
                json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}}]}})
            ),
            json!({"spec": {"volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "d"}}]}})
        );
    }
}
