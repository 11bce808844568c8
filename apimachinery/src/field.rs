//! Field-level validation errors, as upstream's `k8s.io/apimachinery/pkg/util/validation/field`.
//!
//! A [`FieldError`] names a field path, what is wrong with it and the offending value; its
//! [`Display`](std::fmt::Display) is upstream's `field.Error.Error()` (`spec.foo: Invalid
//! value: "x": detail`), and [`aggregate_message`] formats a list as upstream's
//! `ErrorList.ToAggregate().Error()`. `Invalid` statuses are built from them
//! ([`Status::invalid`](crate::Status::invalid)).

use std::fmt;

use serde_json::Value;

use crate::gocompat;
use crate::status::CauseType;

/// Why a field is invalid (upstream's `field.ErrorType`), each mapping 1:1 to a [`CauseType`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldErrorType {
    /// A referenced value was not found (`FieldValueNotFound`).
    NotFound,
    /// A required value is missing (`FieldValueRequired`).
    Required,
    /// A value that must be unique is repeated (`FieldValueDuplicate`).
    Duplicate,
    /// A malformed value (`FieldValueInvalid`).
    Invalid,
    /// A value outside an enumeration (`FieldValueNotSupported`).
    NotSupported,
    /// A value not permitted in the current conditions (`FieldValueForbidden`).
    Forbidden,
    /// A value too long (`FieldValueTooLong`).
    TooLong,
    /// A list with too many items (`FieldValueTooMany`).
    TooMany,
    /// A list with too few items (`FieldValueTooFew`).
    TooFew,
    /// An error unrelated to user input (`InternalError`).
    Internal,
    /// A value of the wrong type for its schema (`FieldValueTypeInvalid`).
    TypeInvalid,
    /// A value too short (`FieldValueTooShort`).
    TooShort,
}

impl FieldErrorType {
    /// The type's wire string (used as the cause `reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "FieldValueNotFound",
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::TooFew => "FieldValueTooFew",
            Self::Internal => "InternalError",
            Self::TypeInvalid => "FieldValueTypeInvalid",
            Self::TooShort => "FieldValueTooShort",
        }
    }

    /// The human-readable words upstream prints for the type (`ErrorType.String()`).
    pub fn message(self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::TooFew => "Too few",
            Self::Internal => "Internal error",
            Self::TooShort => "Too short",
        }
    }

    /// The status cause type this error becomes.
    pub fn cause_type(self) -> CauseType {
        CauseType::from_wire(self.as_str())
    }
}

impl fmt::Display for FieldErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The offending value of a [`FieldError`], kept in the shape upstream prints it.
#[derive(Clone, Debug, PartialEq)]
pub enum BadValue {
    /// No value is shown (upstream's `omitValue`).
    Omitted,
    /// A string, printed quoted (`%q`).
    String(String),
    /// An integer, printed as is.
    Int(i64),
    /// A float, printed as Go's `%v` does.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Anything else (lists, maps, null), printed as Go's `json.Marshal` output.
    Json(Value),
    /// A value already rendered as upstream prints it (a typed Go struct marshalled in field
    /// order, see [`crate::typed_decode::marshal_typed`]).
    Rendered(String),
}

impl BadValue {
    /// How upstream renders the value after the type words, `None` when it is omitted.
    fn render(&self) -> Option<String> {
        match self {
            BadValue::Omitted => None,
            BadValue::String(s) => Some(gocompat::quote(s)),
            BadValue::Int(i) => Some(i.to_string()),
            BadValue::Float(f) => Some(gocompat::format_float_v(*f)),
            BadValue::Bool(b) => Some(b.to_string()),
            BadValue::Json(v) => Some(gocompat::marshal_value(v)),
            BadValue::Rendered(text) => Some(text.clone()),
        }
    }
}

impl From<&str> for BadValue {
    fn from(s: &str) -> Self {
        BadValue::String(s.to_string())
    }
}

impl From<String> for BadValue {
    fn from(s: String) -> Self {
        BadValue::String(s)
    }
}

impl From<i64> for BadValue {
    fn from(i: i64) -> Self {
        BadValue::Int(i)
    }
}

impl From<bool> for BadValue {
    fn from(b: bool) -> Self {
        BadValue::Bool(b)
    }
}

impl From<f64> for BadValue {
    fn from(f: f64) -> Self {
        BadValue::Float(f)
    }
}

impl From<Value> for BadValue {
    /// A decoded JSON value as upstream holds it after decoding into `interface{}`: strings,
    /// integers, floats and booleans print as such; anything else as JSON.
    fn from(v: Value) -> Self {
        match v {
            Value::String(s) => BadValue::String(s),
            Value::Bool(b) => BadValue::Bool(b),
            Value::Number(n) if n.is_i64() => BadValue::Int(n.as_i64().unwrap_or_default()),
            Value::Number(n) if n.is_f64() => BadValue::Float(n.as_f64().unwrap_or_default()),
            other => BadValue::Json(other),
        }
    }
}

impl From<Vec<String>> for BadValue {
    fn from(items: Vec<String>) -> Self {
        BadValue::Json(Value::Array(items.into_iter().map(Value::String).collect()))
    }
}

/// A path to a field, rendered as upstream's `field.Path.String()`: `spec.containers[0].name`,
/// `metadata.labels[app]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(String);

impl FieldPath {
    /// A path starting at the field `name` (upstream's `field.NewPath`).
    pub fn new(name: &str) -> Self {
        let mut path = Self(String::new());
        path.push_name(name);
        path
    }

    /// The path upstream prints for a nil `*field.Path`: `<nil>`.
    pub fn nil() -> Self {
        Self("<nil>".to_string())
    }

    fn push_name(&mut self, name: &str) {
        if name.is_empty() {
            // Upstream treats an empty name as an (empty) subscript.
            self.0.push_str("[]");
        } else {
            if !self.0.is_empty() {
                self.0.push('.');
            }
            self.0.push_str(name);
        }
    }

    /// The path to the field `name` inside this one.
    pub fn child(&self, name: &str) -> Self {
        let mut path = self.clone();
        path.push_name(name);
        path
    }

    /// The path to item `index` of this list.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// The path to entry `key` of this map.
    pub fn key(&self, key: &str) -> Self {
        Self(format!("{}[{key}]", self.0))
    }

    /// The rendered path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<FieldPath> for String {
    fn from(path: FieldPath) -> Self {
        path.0
    }
}

impl From<&FieldPath> for String {
    fn from(path: &FieldPath) -> Self {
        path.0.clone()
    }
}

/// One field-level validation error (upstream's `field.Error`).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// What is wrong.
    pub error_type: FieldErrorType,
    /// The field's path, as rendered by [`FieldPath`].
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
    /// Extra explanation, appended after the value.
    pub detail: String,
}

impl FieldError {
    fn new(
        error_type: FieldErrorType,
        field: impl Into<String>,
        bad_value: BadValue,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            error_type,
            field: field.into(),
            bad_value,
            detail: detail.into(),
        }
    }

    /// A malformed value (upstream's `field.Invalid`).
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<BadValue>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(FieldErrorType::Invalid, field, value.into(), detail)
    }

    /// A value of the wrong type (upstream's `field.TypeInvalid`).
    pub fn type_invalid(
        field: impl Into<String>,
        value: impl Into<BadValue>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(FieldErrorType::TypeInvalid, field, value.into(), detail)
    }

    /// A required value is missing (upstream's `field.Required`).
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(
            FieldErrorType::Required,
            field,
            BadValue::String(String::new()),
            detail,
        )
    }

    /// A value not permitted (upstream's `field.Forbidden`).
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(
            FieldErrorType::Forbidden,
            field,
            BadValue::String(String::new()),
            detail,
        )
    }

    /// A referenced value was not found (upstream's `field.NotFound`).
    pub fn not_found(field: impl Into<String>, value: impl Into<BadValue>) -> Self {
        Self::new(FieldErrorType::NotFound, field, value.into(), "")
    }

    /// A repeated value (upstream's `field.Duplicate`).
    pub fn duplicate(field: impl Into<String>, value: impl Into<BadValue>) -> Self {
        Self::new(FieldErrorType::Duplicate, field, value.into(), "")
    }

    /// A value outside `supported` (upstream's `field.NotSupported`): the detail lists the
    /// supported values, quoted, in the order given.
    pub fn not_supported<S: AsRef<str>>(
        field: impl Into<String>,
        value: impl Into<BadValue>,
        supported: &[S],
    ) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported
                .iter()
                .map(|s| gocompat::quote(s.as_ref()))
                .collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(FieldErrorType::NotSupported, field, value.into(), detail)
    }

    /// A value longer than `max_bytes` bytes (upstream's `field.TooLong`); a negative maximum
    /// gives the generic "value is too long".
    pub fn too_long(field: impl Into<String>, max_bytes: i64) -> Self {
        let detail = match max_bytes {
            1 => "may not be more than 1 byte".to_string(),
            n if n >= 0 => format!("may not be more than {n} bytes"),
            _ => "value is too long".to_string(),
        };
        Self::new(
            FieldErrorType::TooLong,
            field,
            BadValue::String("<value omitted>".to_string()),
            detail,
        )
    }

    /// A value longer than `max_chars` characters (upstream's `field.TooLongCharacters`).
    pub fn too_long_characters(field: impl Into<String>, max_chars: i64) -> Self {
        let detail = match max_chars {
            1 => "may not be more than 1 character".to_string(),
            n if n >= 0 => format!("may not be more than {n} characters"),
            _ => "value is too long".to_string(),
        };
        Self::new(
            FieldErrorType::TooLong,
            field,
            BadValue::String("<value omitted>".to_string()),
            detail,
        )
    }

    /// A list with `actual` items, more than `max` (upstream's `field.TooMany`); a negative
    /// `actual` is omitted from the message, a negative `max` gives "has too many items".
    pub fn too_many(field: impl Into<String>, actual: i64, max: i64) -> Self {
        let detail = match max {
            1 => "must have at most 1 item".to_string(),
            n if n >= 0 => format!("must have at most {n} items"),
            _ => "has too many items".to_string(),
        };
        let value = if actual >= 0 {
            BadValue::Int(actual)
        } else {
            BadValue::Omitted
        };
        Self::new(FieldErrorType::TooMany, field, value, detail)
    }

    /// A list with `actual` items, fewer than `min` (upstream's `field.TooFew`).
    pub fn too_few(field: impl Into<String>, actual: i64, min: i64) -> Self {
        let detail = match min {
            1 => "must have at least 1 item".to_string(),
            n if n >= 0 => format!("must have at least {n} items"),
            _ => "has too few items".to_string(),
        };
        Self::new(FieldErrorType::TooFew, field, BadValue::Int(actual), detail)
    }

    /// A string shorter than `min_chars` characters (upstream's `field.TooShort`).
    pub fn too_short(field: impl Into<String>, value: &str, min_chars: i64) -> Self {
        let detail = match min_chars {
            1 => "must be at least 1 character".to_string(),
            n if n >= 0 => format!("must be at least {n} characters"),
            _ => "value is too short".to_string(),
        };
        Self::new(FieldErrorType::TooShort, field, value.into(), detail)
    }

    /// An error not caused by the user's input (upstream's `field.InternalError`).
    pub fn internal(field: impl Into<String>, error: impl Into<String>) -> Self {
        let detail = error.into();
        Self::new(
            FieldErrorType::Internal,
            field,
            BadValue::String(detail.clone()),
            detail,
        )
    }

    /// The message without the field path (upstream's `ErrorBody()`), used as a cause's
    /// message.
    pub fn body(&self) -> String {
        let mut body = match self.error_type {
            FieldErrorType::Required
            | FieldErrorType::Forbidden
            | FieldErrorType::TooLong
            | FieldErrorType::TooShort
            | FieldErrorType::Internal => self.error_type.message().to_string(),
            _ => match self.bad_value.render() {
                Some(value) => format!("{}: {value}", self.error_type.message()),
                None => self.error_type.message().to_string(),
            },
        };
        if !self.detail.is_empty() {
            body.push_str(": ");
            body.push_str(&self.detail);
        }
        body
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for FieldError {}

/// The message of a list of field errors as upstream's `ErrorList.ToAggregate().Error()`:
/// `None` for an empty list, the one message when all messages are equal, else the distinct
/// messages in order, comma-separated in brackets.
pub fn aggregate_message(errors: &[FieldError]) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for error in errors {
        let message = error.to_string();
        if !seen.contains(&message) {
            seen.push(message);
        }
    }
    match seen.len() {
        0 => None,
        1 => seen.pop(),
        _ => Some(format!("[{}]", seen.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_render_as_upstream() {
        let p = FieldPath::new("spec")
            .child("containers")
            .index(0)
            .child("name");
        assert_eq!(p.as_str(), "spec.containers[0].name");
        assert_eq!(
            FieldPath::new("metadata")
                .child("labels")
                .key("app")
                .as_str(),
            "metadata.labels[app]"
        );
        assert_eq!(
            FieldPath::new("values").index(1).key("k").as_str(),
            "values[1][k]"
        );
        assert_eq!(FieldPath::nil().as_str(), "<nil>");
        // Upstream renders an empty name as an empty subscript.
        assert_eq!(FieldPath::new("").as_str(), "[]");
        assert_eq!(FieldPath::new("a").child("").as_str(), "a[]");
        assert_eq!(
            FieldError::invalid(FieldPath::new("a").child(""), "x", "d").to_string(),
            r#"a[]: Invalid value: "x": d"#
        );
    }

    // Expected strings below were printed by upstream's field package (apimachinery v0.37.0).
    #[test]
    fn messages_match_upstream() {
        let cases: Vec<(FieldError, &str)> = vec![
            (
                FieldError::invalid("spec.foo", "x", "detail"),
                r#"spec.foo: Invalid value: "x": detail"#,
            ),
            (FieldError::invalid("a", 5i64, ""), "a: Invalid value: 5"),
            (
                FieldError::invalid("a", 1.5f64, "d"),
                "a: Invalid value: 1.5: d",
            ),
            (
                FieldError::invalid("a", 1e6f64, "d"),
                "a: Invalid value: 1e+06: d",
            ),
            (
                FieldError::invalid("a", true, "d"),
                "a: Invalid value: true: d",
            ),
            (
                FieldError::invalid("a", json!({"b": [1, "<"], "a": null}), "d"),
                r#"a: Invalid value: {"a":null,"b":[1,"\u003c"]}: d"#,
            ),
            (
                FieldError::invalid("a", vec!["x".to_string(), "y".to_string()], "d"),
                r#"a: Invalid value: ["x","y"]: d"#,
            ),
            (
                FieldError::invalid("a", BadValue::Json(Value::Null), "d"),
                "a: Invalid value: null: d",
            ),
            (FieldError::required("spec.x", ""), "spec.x: Required value"),
            (
                FieldError::required("spec.x", "must be set"),
                "spec.x: Required value: must be set",
            ),
            (FieldError::forbidden("f", "no"), "f: Forbidden: no"),
            (FieldError::not_found("f", "n"), r#"f: Not found: "n""#),
            (
                FieldError::duplicate("f", "n"),
                r#"f: Duplicate value: "n""#,
            ),
            (
                FieldError::not_supported("spec.p", "Foo", &["Always", "Never"]),
                r#"spec.p: Unsupported value: "Foo": supported values: "Always", "Never""#,
            ),
            (
                FieldError::not_supported::<&str>("spec.p", "Foo", &[]),
                r#"spec.p: Unsupported value: "Foo""#,
            ),
            (
                FieldError::too_long("f", 63),
                "f: Too long: may not be more than 63 bytes",
            ),
            (
                FieldError::too_long("f", 1),
                "f: Too long: may not be more than 1 byte",
            ),
            (
                FieldError::too_long("f", -1),
                "f: Too long: value is too long",
            ),
            (
                FieldError::too_long_characters("f", 5),
                "f: Too long: may not be more than 5 characters",
            ),
            (
                FieldError::too_many("f", 3, 2),
                "f: Too many: 3: must have at most 2 items",
            ),
            (
                FieldError::too_many("f", -1, 1),
                "f: Too many: must have at most 1 item",
            ),
            (
                FieldError::too_few("f", 0, 1),
                "f: Too few: 0: must have at least 1 item",
            ),
            (
                FieldError::too_short("f", "ab", 3),
                "f: Too short: must be at least 3 characters",
            ),
            (FieldError::internal("f", "boom"), "f: Internal error: boom"),
            (
                FieldError::type_invalid("f", "s", "must be int"),
                r#"f: Invalid value: "s": must be int"#,
            ),
            (
                FieldError::invalid("f", "tab\there\u{0}", "d"),
                r#"f: Invalid value: "tab\there\x00": d"#,
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }

    #[test]
    fn aggregate_formats_as_upstream() {
        assert_eq!(aggregate_message(&[]), None);
        let a = FieldError::required("a", "");
        let b = FieldError::invalid("b", "x", "bad");
        assert_eq!(
            aggregate_message(std::slice::from_ref(&a)).as_deref(),
            Some("a: Required value")
        );
        assert_eq!(
            aggregate_message(&[a.clone(), a.clone()]).as_deref(),
            Some("a: Required value")
        );
        assert_eq!(
            aggregate_message(&[a.clone(), b.clone(), a]).as_deref(),
            Some(r#"[a: Required value, b: Invalid value: "x": bad]"#)
        );
    }

    #[test]
    fn bad_values_from_json_keep_go_shapes() {
        assert_eq!(BadValue::from(json!("s")), BadValue::String("s".into()));
        assert_eq!(BadValue::from(json!(3)), BadValue::Int(3));
        assert_eq!(BadValue::from(json!(2.5)), BadValue::Float(2.5));
        assert_eq!(BadValue::from(json!(false)), BadValue::Bool(false));
        assert_eq!(BadValue::from(json!([1])), BadValue::Json(json!([1])));
    }
}
