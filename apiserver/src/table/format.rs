//! What every printer shares: reading fields of the external JSON the way Go reads a zero-valued
//! struct, upstream's ages (`translateTimestampSince`, `duration.HumanDuration`), label and
//! selector formatting, and the "<none>"-style placeholders.

use std::collections::BTreeSet;

use ironkube_apimachinery::LabelSelector;
use serde_json::Value;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// What upstream prints for an empty list or a missing reference.
pub(super) const NONE: &str = "<none>";
/// What upstream prints for an unset optional field.
pub(super) const UNSET: &str = "<unset>";
/// What upstream prints for a missing timestamp or an unrecognised value.
pub(super) const UNKNOWN: &str = "<unknown>";

/// The value Go's decoder leaves in a field the JSON does not have.
static NULL: Value = Value::Null;

/// The value at `path` below `value` (`null` where any step is missing).
pub(super) fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .unwrap_or(&NULL)
}

/// Whether the field at `path` is set (present and not `null`): a Go pointer that is not nil.
pub(super) fn is_set(value: &Value, path: &[&str]) -> bool {
    !at(value, path).is_null()
}

/// The string at `path`, or "" (Go's zero string).
pub(super) fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    at(value, path).as_str().unwrap_or("")
}

/// The string at `path` if the field is set (a Go `*string`).
pub(super) fn opt_str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(value, path).as_str()
}

/// The integer at `path`, or 0.
pub(super) fn int_at(value: &Value, path: &[&str]) -> i64 {
    int_of(at(value, path)).unwrap_or(0)
}

/// The integer at `path` if the field is set (a Go `*int32`).
pub(super) fn opt_int_at(value: &Value, path: &[&str]) -> Option<i64> {
    int_of(at(value, path))
}

/// A JSON number as an integer (Go decodes `3.0` into an int field too).
fn int_of(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0)
            .map(|f| f as i64)
    })
}

/// The boolean at `path`, or false.
pub(super) fn bool_at(value: &Value, path: &[&str]) -> bool {
    at(value, path).as_bool().unwrap_or(false)
}

/// The boolean at `path` if the field is set (a Go `*bool`).
pub(super) fn opt_bool_at(value: &Value, path: &[&str]) -> Option<bool> {
    at(value, path).as_bool()
}

/// The array at `path`, or an empty slice.
pub(super) fn array_at<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    at(value, path).as_array().map_or(&[], Vec::as_slice)
}

/// The number of entries of the map (or array) at `path`.
pub(super) fn len_at(value: &Value, path: &[&str]) -> i64 {
    let v = at(value, path);
    let len = v
        .as_object()
        .map(serde_json::Map::len)
        .or_else(|| v.as_array().map(Vec::len))
        .unwrap_or(0);
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// The string map at `path` as sorted `(key, value)` pairs.
pub(super) fn string_map_at<'a>(value: &'a Value, path: &[&str]) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = at(value, path)
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    pairs.sort_unstable();
    pairs
}

/// The object's `metadata.name`.
pub(super) fn name(object: &Value) -> &str {
    str_at(object, &["metadata", "name"])
}

/// Whether the object is being deleted (`metadata.deletionTimestamp` is set).
pub(super) fn is_deleting(object: &Value) -> bool {
    is_set(object, &["metadata", "deletionTimestamp"])
}

/// Upstream's `labels.FormatLabels`: `k=v` pairs sorted by key, or "<none>".
pub(super) fn format_labels(value: &Value) -> String {
    let pairs = string_map_at(value, &[]);
    if pairs.is_empty() {
        return NONE.to_owned();
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Upstream's `metav1.FormatLabelSelector`: the selector's string form, "<none>" when it selects
/// everything or nothing, "<error>" when it does not convert.
pub(super) fn format_label_selector(selector: &Value) -> String {
    match LabelSelector::from_metav1_value(selector) {
        Err(_) => "<error>".to_owned(),
        Ok(selector) => {
            let text = selector.to_string();
            if text.is_empty() {
                NONE.to_owned()
            } else {
                text
            }
        }
    }
}

/// `metav1.LabelSelectorAsSelector(selector).String()`, or "<invalid>" when it does not convert
/// (the deployment printer's wording).
pub(super) fn label_selector_or_invalid(selector: &Value) -> String {
    LabelSelector::from_metav1_value(selector)
        .map_or_else(|_| "<invalid>".to_owned(), |s| s.to_string())
}

/// The Go `String()` of a `*metav1.LabelSelector` (its generated protobuf form), which the
/// admission policy binding printers show for a parameter selector.
pub(super) fn go_label_selector_string(selector: &Value) -> String {
    let labels = string_map_at(selector, &["matchLabels"])
        .iter()
        .map(|(k, v)| format!("{k}: {v},"))
        .collect::<String>();
    let expressions = array_at(selector, &["matchExpressions"])
        .iter()
        .map(|e| {
            let values = array_at(e, &["values"])
                .iter()
                .map(|v| v.as_str().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" ");
            format!(
                "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{values}],}},",
                str_at(e, &["key"]),
                str_at(e, &["operator"]),
            )
        })
        .collect::<String>();
    format!(
        "&LabelSelector{{MatchLabels:map[string]string{{{labels}}},MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )
}

/// Upstream's `layoutContainerCells`: container names and images, each joined with commas.
pub(super) fn container_cells(containers: &[Value]) -> (String, String) {
    let names = containers
        .iter()
        .map(|c| str_at(c, &["name"]))
        .collect::<Vec<_>>()
        .join(",");
    let images = containers
        .iter()
        .map(|c| str_at(c, &["image"]))
        .collect::<Vec<_>>()
        .join(",");
    (names, images)
}

/// Upstream's `listWithMoreString`: the first `max` items, "+ N more..." when there were more,
/// "<unset>" when there were none.
pub(super) fn list_with_more(list: &[String], more: bool, count: usize, max: usize) -> String {
    let joined = list.join(",");
    if more {
        return format!("{joined} + {} more...", count.saturating_sub(max));
    }
    if joined.is_empty() {
        return UNSET.to_owned();
    }
    joined
}

/// Upstream's `printBoolPtr`: "True", "False" or "<unset>".
pub(super) fn bool_ptr(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "True",
        Some(false) => "False",
        None => UNSET,
    }
}

/// An `intstr.IntOrString` as Go's `String()` prints it.
pub(super) fn int_or_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => int_of(other).unwrap_or(0).to_string(),
    }
}

/// A `schema.GroupResource` (or `GroupKind`) as Go's `String()` prints it: `name.group`, or
/// `name` alone for the core group.
pub(super) fn group_qualified(name: &str, group: &str) -> String {
    if group.is_empty() {
        name.to_owned()
    } else {
        format!("{name}.{group}")
    }
}

/// The sorted, deduplicated IPs (or else hostnames) of a load balancer's `ingress` list, joined
/// with commas (upstream's `loadBalancerStatusStringer` for wide output, which never clips).
pub(super) fn load_balancer_addresses(ingress: &[Value]) -> String {
    let addresses: BTreeSet<&str> = ingress
        .iter()
        .filter_map(|i| {
            let ip = str_at(i, &["ip"]);
            let hostname = str_at(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip)
            } else if !hostname.is_empty() {
                Some(hostname)
            } else {
                None
            }
        })
        .collect();
    addresses.into_iter().collect::<Vec<_>>().join(",")
}

// === time ===

/// A `metav1.Time` (or `MicroTime`) as Go decodes it: `None` for `null`, a missing field or the
/// zero time, which upstream prints as "<unknown>".
pub(super) fn timestamp(value: &Value) -> Option<OffsetDateTime> {
    value
        .as_str()
        .and_then(parse_rfc3339)
        .filter(|t| !is_go_zero(*t))
}

/// Whether `t` is Go's zero `time.Time` (January 1, year 1, 00:00:00 UTC).
fn is_go_zero(t: OffsetDateTime) -> bool {
    t.unix_timestamp() == GO_ZERO_UNIX_SECONDS && t.nanosecond() == 0
}

/// Go's zero time in seconds since the Unix epoch.
const GO_ZERO_UNIX_SECONDS: i64 = -62_135_596_800;

/// A `*metav1.Time` as Go holds it: `None` when nil, the zero time (January 1, year 1) when
/// set but zero, since upstream then measures durations from year 1.
pub(super) fn set_timestamp(value: &Value) -> Option<OffsetDateTime> {
    if value.is_null() {
        return None;
    }
    Some(timestamp(value).unwrap_or_else(|| {
        OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(GO_ZERO_UNIX_SECONDS)
    }))
}

/// Parses RFC 3339 as Go's `time.Parse(time.RFC3339, …)` accepts it: optional fractional
/// seconds, `Z` or a numeric offset.
pub(super) fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = bytes.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0u32, |n, b| {
            n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
        })
    };
    let expect = |index: usize, byte: u8| bytes.get(index) == Some(&byte);
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(index, byte)| expect(index, byte)) {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    let hour = u8::try_from(digits(11..13)?).ok()?;
    let minute = u8::try_from(digits(14..16)?).ok()?;
    let second = u8::try_from(digits(17..19)?).ok()?;
    let mut index = 19;
    let mut nanos = 0u32;
    if expect(index, b'.') {
        let start = index + 1;
        let mut end = start;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start || end - start > 9 {
            return None;
        }
        let fraction = digits(start..end)?;
        nanos = fraction * 10u32.pow(u32::try_from(9 - (end - start)).ok()?);
        index = end;
    }
    let offset = match bytes.get(index)? {
        b'Z' if index + 1 == bytes.len() => UtcOffset::UTC,
        sign @ (b'+' | b'-') if index + 6 == bytes.len() && expect(index + 3, b':') => {
            let hours = i8::try_from(digits(index + 1..index + 3)?).ok()?;
            let minutes = i8::try_from(digits(index + 4..index + 6)?).ok()?;
            let (hours, minutes) = if *sign == b'-' {
                (-hours, -minutes)
            } else {
                (hours, minutes)
            };
            UtcOffset::from_hms(hours, minutes, 0).ok()?
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// `t.UTC().Format(time.RFC3339)`; `None` is Go's zero time.
pub(super) fn format_rfc3339(t: Option<OffsetDateTime>) -> String {
    let Some(t) = t else {
        return "0001-01-01T00:00:00Z".to_owned();
    };
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Upstream's `translateTimestampSince`: how long ago `value` was, "<unknown>" when unset.
pub(super) fn since(now: OffsetDateTime, value: &Value) -> String {
    match timestamp(value) {
        Some(t) => human_duration(go_duration(now, t)),
        None => UNKNOWN.to_owned(),
    }
}

/// Upstream's `translateTimestampUntil`: how long until `value`, "<unknown>" when unset.
pub(super) fn until(now: OffsetDateTime, value: &Value) -> String {
    match timestamp(value) {
        Some(t) => human_duration(go_duration(t, now)),
        None => UNKNOWN.to_owned(),
    }
}

/// `later.Sub(earlier)` in nanoseconds, saturated to the range of a Go `time.Duration`.
pub(super) fn go_duration(later: OffsetDateTime, earlier: OffsetDateTime) -> i64 {
    let nanos = (later - earlier).whole_nanoseconds();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

/// Nanoseconds in a second, a minute and an hour.
const SECOND: i64 = 1_000_000_000;
/// Nanoseconds in a minute.
const MINUTE: i64 = 60 * SECOND;
/// Nanoseconds in an hour.
const HOUR: i64 = 60 * MINUTE;

/// Upstream's `duration.HumanDuration`: two or three significant figures of a duration given in
/// nanoseconds ("45s", "5m10s", "3h", "2d5h", "400d", "3y10d"); "<invalid>" when more than a
/// second negative.
pub(super) fn human_duration(nanos: i64) -> String {
    let seconds = nanos / SECOND;
    if seconds < -1 {
        return "<invalid>".to_owned();
    } else if seconds < 0 {
        return "0s".to_owned();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = nanos / MINUTE;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = nanos / HOUR;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        if days == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{days}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}
