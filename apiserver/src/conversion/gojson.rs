//! The pieces of Go's `encoding/json`, `metav1.Time` and `resource.Quantity` behaviour that
//! conversions depend on.
//!
//! Upstream converts typed Go structs, so what a conversion sees of a JSON object is what Go's
//! decoder made of it: members matched to fields (exactly by the API server's decoder,
//! case-insensitively by `encoding/json`, which reads the `autoscaling/v1` round-trip
//! annotations), type errors, `null` meaning "leave the zero value". Some conversions also
//! serialize structs into annotation strings, where field order, `omitempty` and Go's escaping
//! are part of the bytes. [`Fields`] is the decoding side, [`GoValue`] the writing side.

use std::fmt::Write as _;

use ironkube_apimachinery::gocompat::push_json_string;
use serde_json::{Map, Number, Value};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// How JSON member names are matched to struct fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keys {
    /// Exactly, as the API server's decoder (`sigs.k8s.io/json`, case-sensitive) does.
    Exact,
    /// Exactly if possible, else ignoring ASCII case, as Go's `encoding/json` does.
    Fold,
}

/// A value that Go's decoder would refuse for the field it is meant for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DecodeError(pub(crate) String);

/// The members of one JSON object, read as the fields of a Go struct.
#[derive(Clone, Debug)]
pub(crate) struct Fields<'a> {
    /// The object's members.
    map: &'a Map<String, Value>,
    /// How member names are matched.
    keys: Keys,
    /// The Go struct's name, for error messages (`HorizontalPodAutoscalerSpec`).
    go_struct: &'static str,
    /// The JSON path of the object from the decoded root (`spec.metrics`), without indexes,
    /// as Go's error messages write it.
    path: String,
}

/// Go's name for the JSON type of `value`, as its `UnmarshalTypeError` messages write it.
fn json_type_name(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Number(n) => format!("number {n}"),
        Value::String(_) => "string".to_string(),
        Value::Array(_) => "array".to_string(),
        Value::Object(_) => "object".to_string(),
    }
}

impl<'a> Fields<'a> {
    /// Reads `value` as the struct `go_struct`; `path` is where it sits in the decoded document.
    /// A JSON `null` reads as an empty object (every field zero), as in Go.
    pub(crate) fn new(
        value: &'a Value,
        keys: Keys,
        go_struct: &'static str,
        path: String,
    ) -> Result<Self, DecodeError> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        let map = match value {
            Value::Object(map) => map,
            Value::Null => &EMPTY,
            other => {
                return Err(DecodeError(format!(
                    "json: cannot unmarshal {} into Go value of type {go_struct}",
                    json_type_name(other)
                )));
            }
        };
        Ok(Self {
            map,
            keys,
            go_struct,
            path,
        })
    }

    /// How member names are matched.
    pub(crate) fn keys(&self) -> Keys {
        self.keys
    }

    /// The field's JSON path (`spec.maxReplicas`).
    pub(crate) fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// The member for field `name`, `None` when absent or `null`.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        let found = match self.map.get(name) {
            Some(v) => Some(v),
            None if self.keys == Keys::Fold => self
                .map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v),
            None => None,
        };
        found.filter(|v| !v.is_null())
    }

    /// The error Go reports when field `name` (of Go type `go_type`) gets `value`.
    pub(crate) fn type_error(&self, name: &str, value: &Value, go_type: &str) -> DecodeError {
        DecodeError(format!(
            "json: cannot unmarshal {} into Go struct field {}.{} of type {go_type}",
            json_type_name(value),
            self.go_struct,
            self.path_of(name)
        ))
    }

    /// A string field; absent or `null` is `""`.
    pub(crate) fn string(&self, name: &str) -> Result<String, DecodeError> {
        Ok(self.opt_string(name)?.unwrap_or_default())
    }

    /// A `*string` field.
    pub(crate) fn opt_string(&self, name: &str) -> Result<Option<String>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.type_error(name, other, "string")),
        }
    }

    /// An integer field of Go type `go_type` whose range is `min..=max`.
    fn integer(
        &self,
        name: &str,
        go_type: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(value @ Value::Number(n)) => match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => Ok(Some(i)),
                _ => Err(self.type_error(name, value, go_type)),
            },
            Some(other) => Err(self.type_error(name, other, go_type)),
        }
    }

    /// An `int32` field; absent or `null` is 0.
    pub(crate) fn int32(&self, name: &str) -> Result<i32, DecodeError> {
        Ok(self.opt_int32(name)?.unwrap_or(0))
    }

    /// A `*int32` field.
    pub(crate) fn opt_int32(&self, name: &str) -> Result<Option<i32>, DecodeError> {
        self.integer(name, "int32", i32::MIN.into(), i32::MAX.into())
            .map(|v| v.and_then(|i| i32::try_from(i).ok()))
    }

    /// A `*int64` field.
    pub(crate) fn opt_int64(&self, name: &str) -> Result<Option<i64>, DecodeError> {
        self.integer(name, "int64", i64::MIN, i64::MAX)
    }

    /// A `*resource.Quantity` field: a string (or a bare number) that parses as a quantity.
    pub(crate) fn opt_quantity(&self, name: &str) -> Result<Option<String>, DecodeError> {
        let text = match self.get(name) {
            None => return Ok(None),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(DecodeError(QUANTITY_FORMAT_ERROR.to_string())),
        };
        check_quantity(&text).map_err(|e| DecodeError(e.to_string()))?;
        Ok(Some(text))
    }

    /// A `*metav1.Time` field, as its RFC 3339 text in UTC (what Go writes back); `None` for
    /// absent, `null` or the zero time.
    pub(crate) fn opt_time(&self, name: &str) -> Result<Option<String>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => match parse_rfc3339(s) {
                Some(t) => Ok(format_time(t)),
                None => Err(DecodeError(format!(
                    "parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse {} as \
                     \"2006\"",
                    go_quote(s),
                    go_quote(s)
                ))),
            },
            Some(other) => Err(self.type_error(name, other, "Time")),
        }
    }

    /// A struct field of type `go_struct`: its members, or `None` when absent or `null`.
    pub(crate) fn object(
        &self,
        name: &str,
        go_struct: &'static str,
    ) -> Result<Option<Fields<'a>>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(value @ Value::Object(_)) => {
                Fields::new(value, self.keys, go_struct, self.path_of(name)).map(Some)
            }
            Some(other) => Err(self.type_error(name, other, go_struct)),
        }
    }

    /// A slice field: its elements, or `None` when absent or `null`.
    pub(crate) fn array(
        &self,
        name: &str,
        go_type: &str,
    ) -> Result<Option<&'a Vec<Value>>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.type_error(name, other, go_type)),
        }
    }

    /// A `map[string]string` field.
    pub(crate) fn string_map(
        &self,
        name: &str,
    ) -> Result<Option<Vec<(String, String)>>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) => {
                let mut out = Vec::with_capacity(map.len());
                for (k, v) in map {
                    match v {
                        Value::String(s) => out.push((k.clone(), s.clone())),
                        // A null map value decodes to the zero string.
                        Value::Null => out.push((k.clone(), String::new())),
                        other => return Err(self.type_error(name, other, "string")),
                    }
                }
                out.sort();
                Ok(Some(out))
            }
            Some(other) => Err(self.type_error(name, other, "map[string]string")),
        }
    }

    /// A `[]string` field.
    pub(crate) fn strings(&self, name: &str) -> Result<Option<Vec<String>>, DecodeError> {
        let Some(items) = self.array(name, "[]string")? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Null => Ok(String::new()),
                other => Err(self.type_error(name, other, "string")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Go's `%q` of a string, for error messages.
fn go_quote(s: &str) -> String {
    ironkube_apimachinery::gocompat::quote(s)
}

// === writing ===

/// A JSON document as a Go struct encodes it: object members in field order (or sorted, for
/// maps), written with Go's escaping.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum GoValue {
    /// `null`: a nil pointer, slice or map without `omitempty`, or a zero `metav1.Time`.
    Null,
    /// An integer.
    Int(i64),
    /// A string (also a quantity, a time).
    Str(String),
    /// A slice.
    Array(Vec<GoValue>),
    /// A struct (members in field order) or a map (members sorted by key).
    Object(Vec<(String, GoValue)>),
}

/// Builds a [`GoValue::Object`] in field order, leaving out `omitempty` fields that are empty.
#[derive(Debug, Default)]
pub(crate) struct GoObject(Vec<(String, GoValue)>);

impl GoObject {
    /// An object with no members yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a member.
    pub(crate) fn field(mut self, name: &str, value: GoValue) -> Self {
        self.0.push((name.to_string(), value));
        self
    }

    /// Adds a string member that is always written.
    pub(crate) fn str(self, name: &str, value: &str) -> Self {
        self.field(name, GoValue::Str(value.to_string()))
    }

    /// Adds an `omitempty` string member.
    pub(crate) fn str_omitempty(self, name: &str, value: &str) -> Self {
        if value.is_empty() {
            self
        } else {
            self.str(name, value)
        }
    }

    /// Adds an `omitempty` pointer member: left out when `None`.
    pub(crate) fn opt(self, name: &str, value: Option<GoValue>) -> Self {
        match value {
            Some(v) => self.field(name, v),
            None => self,
        }
    }

    /// The finished object.
    pub(crate) fn build(self) -> GoValue {
        GoValue::Object(self.0)
    }
}

impl GoValue {
    /// A string value.
    pub(crate) fn str(s: &str) -> Self {
        Self::Str(s.to_string())
    }

    /// Go's `json.Marshal` output for the value: no spaces, HTML-safe escaping.
    pub(crate) fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Writes the value as `json.Marshal` would.
    fn write(&self, out: &mut String) {
        match self {
            GoValue::Null => out.push_str("null"),
            GoValue::Int(i) => {
                let _ = write!(out, "{i}");
            }
            GoValue::Str(s) => push_json_string(out, s),
            GoValue::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            GoValue::Object(members) => {
                out.push('{');
                for (i, (name, item)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_string(out, name);
                    out.push(':');
                    item.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The value as a [`serde_json::Value`] for an object served or stored as JSON. Members
    /// whose value is `null` are left out: to a JSON reader they say nothing more than an
    /// absent member.
    pub(crate) fn into_value(self) -> Value {
        match self {
            GoValue::Null => Value::Null,
            GoValue::Int(i) => Value::Number(Number::from(i)),
            GoValue::Str(s) => Value::String(s),
            GoValue::Array(items) => {
                Value::Array(items.into_iter().map(GoValue::into_value).collect())
            }
            GoValue::Object(members) => Value::Object(
                members
                    .into_iter()
                    .filter(|(_, v)| *v != GoValue::Null)
                    .map(|(k, v)| (k, v.into_value()))
                    .collect(),
            ),
        }
    }
}

// === metav1.Time ===

/// Parses an RFC 3339 timestamp as Go's `time.Parse(time.RFC3339, s)` accepts it: a 4-digit
/// year, 2-digit month, day, hour, minute and second, optional fractional seconds (after `.`
/// or `,`), and `Z` or a `±hh:mm` offset.
pub(crate) fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    let hour = u8::try_from(digits(11..13)?).ok()?;
    let minute = u8::try_from(digits(14..16)?).ok()?;
    let second = u8::try_from(digits(17..19)?).ok()?;
    let mut pos = 19;
    let mut nanos: u32 = 0;
    if b[pos] == b'.' || b[pos] == b',' {
        pos += 1;
        let start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start {
            return None;
        }
        // Go keeps nanoseconds; further digits are dropped.
        let frac = &s[start..pos];
        let mut padded: String = frac.chars().take(9).collect();
        while padded.len() < 9 {
            padded.push('0');
        }
        nanos = padded.parse().ok()?;
    }
    let offset = match &b[pos..] {
        [b'Z'] => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hh = digits(pos + 1..pos + 3)?;
            let mm = digits(pos + 4..pos + 6)?;
            let _ = (h1, h2, m1, m2);
            if hh >= 24 || mm >= 60 {
                return None;
            }
            let secs = i32::try_from(hh * 3600 + mm * 60).ok()?;
            UtcOffset::from_whole_seconds(if *sign == b'-' { -secs } else { secs }).ok()?
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// How `metav1.Time` writes `t`: RFC 3339 in UTC, whole seconds; `None` for the zero time,
/// which it writes as `null`.
pub(crate) fn format_time(t: OffsetDateTime) -> Option<String> {
    let t = t.to_offset(UtcOffset::UTC);
    if t.year() == 1
        && t.month() == Month::January
        && t.day() == 1
        && (t.hour(), t.minute(), t.second(), t.nanosecond()) == (0, 0, 0, 0)
    {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// A stored timestamp as `metav1.Time` would write it again (see [`format_time`]); text that is
/// not a timestamp is kept as it is.
pub(crate) fn normalize_time(s: &str) -> Option<String> {
    match parse_rfc3339(s) {
        Some(t) => format_time(t),
        None => Some(s.to_string()),
    }
}

// === resource.Quantity ===

/// `resource.ErrFormatWrong`'s message.
pub(crate) const QUANTITY_FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// `resource.ErrSuffix`'s message.
const QUANTITY_SUFFIX_ERROR: &str = "unable to parse quantity's suffix";

/// The parts of a quantity: its integer digits (leading zeros stripped), its fraction digits
/// and its suffix.
struct QuantityParts<'a> {
    /// The integer part without leading zeros.
    num: &'a str,
    /// The fraction digits.
    denom: &'a str,
}

/// Splits a quantity as `parseQuantityString` does and checks its suffix as `ParseQuantity`
/// does.
fn parse_quantity(s: &str) -> Result<QuantityParts<'_>, &'static str> {
    if s.is_empty() {
        return Err(QUANTITY_FORMAT_ERROR);
    }
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    if matches!(b[0], b'+' | b'-') {
        pos += 1;
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    let num = &s[num_start..pos];
    let mut denom = "";
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = &s[start..pos];
    }
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && matches!(b[pos], b'+' | b'-') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(QUANTITY_FORMAT_ERROR);
    }
    let suffix = &s[suffix_start..];
    let known = matches!(
        suffix,
        "" | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
            | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
    ) || (suffix.len() > 1
        && matches!(suffix.as_bytes()[0], b'e' | b'E')
        && suffix[1..].parse::<i64>().is_ok());
    if !known {
        return Err(QUANTITY_SUFFIX_ERROR);
    }
    Ok(QuantityParts { num, denom })
}

/// Whether `s` parses as a quantity (`resource.ParseQuantity`); the error is upstream's.
pub(crate) fn check_quantity(s: &str) -> Result<(), &'static str> {
    if s == "0" {
        return Ok(());
    }
    parse_quantity(s).map(|_| ())
}

/// Whether the quantity `s` is zero (`Quantity.IsZero`); text that is not a quantity counts as
/// not zero.
pub(crate) fn quantity_is_zero(s: &str) -> bool {
    match parse_quantity(s) {
        Ok(parts) => parts.num.bytes().all(|c| c == b'0') && parts.denom.bytes().all(|c| c == b'0'),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_exact_and_folded() {
        let v = json!({"Name": "a", "type": 3, "n": null});
        let exact = Fields::new(&v, Keys::Exact, "S", String::new()).unwrap();
        assert_eq!(exact.string("name").unwrap(), "");
        assert_eq!(exact.string("n").unwrap(), "");
        let fold = Fields::new(&v, Keys::Fold, "S", String::new()).unwrap();
        assert_eq!(fold.string("name").unwrap(), "a");
        assert_eq!(
            fold.string("type").unwrap_err().0,
            "json: cannot unmarshal number 3 into Go struct field S.type of type string"
        );
        assert_eq!(fold.opt_int32("type").unwrap(), Some(3));
    }

    #[test]
    fn integers_are_range_checked() {
        let v = json!({"a": 2147483648_i64, "b": 1.5, "c": "1", "d": -2147483648_i64});
        let f = Fields::new(&v, Keys::Exact, "S", "spec".to_string()).unwrap();
        assert_eq!(
            f.opt_int32("a").unwrap_err().0,
            "json: cannot unmarshal number 2147483648 into Go struct field S.spec.a of type int32"
        );
        assert!(f.opt_int32("b").is_err());
        assert!(f.opt_int32("c").is_err());
        assert_eq!(f.opt_int32("d").unwrap(), Some(i32::MIN));
        assert_eq!(f.opt_int64("a").unwrap(), Some(2147483648));
    }

    #[test]
    fn quantities() {
        for ok in [
            "0", "1", "100m", "1.5Gi", "2k", "1e3", "1E-3", "+5", "-0.5", "5.", "0.000",
        ] {
            assert!(check_quantity(ok).is_ok(), "{ok}");
        }
        for bad in ["", "abc", "1x", "1Kb", "1.2.3", "1e"] {
            assert!(check_quantity(bad).is_err(), "{bad}");
        }
        assert_eq!(check_quantity("1Q"), Err(QUANTITY_FORMAT_ERROR));
        assert_eq!(check_quantity("1e"), Err(QUANTITY_SUFFIX_ERROR));
        for zero in ["0", "0m", "000", "0.0Gi", "-0", "0e9"] {
            assert!(quantity_is_zero(zero), "{zero}");
        }
        for non_zero in ["1", "0.1", "100m", "x"] {
            assert!(!quantity_is_zero(non_zero), "{non_zero}");
        }
    }

    #[test]
    fn times() {
        let t = |s| parse_rfc3339(s).and_then(format_time);
        assert_eq!(
            t("2024-03-01T10:00:00Z").as_deref(),
            Some("2024-03-01T10:00:00Z")
        );
        assert_eq!(
            t("2024-03-01T12:00:00.999+02:00").as_deref(),
            Some("2024-03-01T10:00:00Z")
        );
        assert_eq!(
            t("2024-03-01T00:30:00-01:00").as_deref(),
            Some("2024-03-01T01:30:00Z")
        );
        assert_eq!(t("0001-01-01T00:00:00Z"), None);
        for bad in [
            "2024-03-01",
            "2024-03-01 10:00:00Z",
            "2024-02-30T10:00:00Z",
            "2024-03-01T24:00:00Z",
            "2024-03-01T10:00:00",
            "2024-03-01T10:00:00.Z",
            "2024-03-01T10:00:00+0200",
        ] {
            assert!(parse_rfc3339(bad).is_none(), "{bad}");
        }
        assert_eq!(normalize_time("garbage").as_deref(), Some("garbage"));
    }

    #[test]
    fn go_values() {
        let v = GoObject::new()
            .str("type", "a<b>")
            .field("n", GoValue::Null)
            .opt("x", None)
            .field("i", GoValue::Int(-3))
            .build();
        assert_eq!(
            v.to_json_string(),
            r#"{"type":"a\u003cb\u003e","n":null,"i":-3}"#
        );
        assert_eq!(v.into_value(), json!({"type": "a<b>", "i": -3}));
    }
}
