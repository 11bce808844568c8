//! Cron job schedules and time zones: robfig/cron's standard parser (as
//! `ParseCronScheduleWithPanicRecovery` calls it), Go's `time.ParseDuration` for `@every`, and
//! Go's `time.LoadLocation` over the system zoneinfo, with upstream's messages.

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::{BadValue, FieldPath};
use serde_json::Value;

/// Where Go's `time.LoadLocation` looks for zone files on Linux, in order.
const ZONE_SOURCES: &[&str] = &[
    "/usr/share/zoneinfo/",
    "/usr/share/lib/zoneinfo/",
    "/usr/lib/locale/TZ/",
    "/etc/zoneinfo",
];

/// Go's `syscall.ENOENT` on Linux: a zone source without the file is skipped silently.
const ENOENT: i32 = 2;

/// The bounds and names of one schedule field.
struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DAYS_OF_MONTH: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DAYS_OF_WEEK: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

/// Upstream's `validateScheduleFormat`: the schedule must parse, and may name a time zone
/// (`TZ=` / `CRON_TZ=`) only when it already did before an update and the time zone field is
/// unset.
pub(super) fn validate_schedule(
    schedule: &str,
    allow_tz: bool,
    has_time_zone: bool,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(message) = parse_standard(schedule) {
        errors.push(FieldError::invalid(path, schedule, message));
    }
    let mentions_tz = schedule.contains("TZ");
    if allow_tz && mentions_tz && has_time_zone {
        errors.push(FieldError::invalid(
            path,
            schedule,
            "cannot use both timeZone field and TZ or CRON_TZ in schedule",
        ));
    } else if !allow_tz && mentions_tz {
        errors.push(FieldError::invalid(
            path,
            schedule,
            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        ));
    }
    errors
}

/// robfig/cron's `ParseStandard` (five fields, or a descriptor), the error text on failure.
fn parse_standard(spec: &str) -> Result<(), String> {
    if spec.is_empty() {
        return Err("empty spec string".to_string());
    }
    let mut spec = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let Some(space) = spec.find(' ') else {
            // robfig slices up to a missing space; upstream recovers the panic.
            return Err(
                "invalid schedule format: runtime error: slice bounds out of range [:-1]"
                    .to_string(),
            );
        };
        let equals = spec.find('=').unwrap_or(0);
        let name = spec.get(equals + 1..space).unwrap_or("");
        if let Err(e) = load_location(name) {
            return Err(format!("provided bad location {name}: {e}"));
        }
        spec = spec[space..].trim_matches(is_go_space);
    }
    if spec.starts_with('@') {
        return parse_descriptor(spec);
    }
    let fields: Vec<&str> = spec.split(is_go_space).filter(|f| !f.is_empty()).collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    for (field, bounds) in
        fields
            .iter()
            .zip([&MINUTES, &HOURS, &DAYS_OF_MONTH, &MONTHS, &DAYS_OF_WEEK])
    {
        parse_field(field, bounds)?;
    }
    Ok(())
}

/// Go's `unicode.IsSpace`, which `strings.Fields` and `strings.TrimSpace` split on.
fn is_go_space(c: char) -> bool {
    c.is_whitespace()
}

/// robfig's `getField`: comma-separated ranges (empty items are skipped).
fn parse_field(field: &str, bounds: &Bounds) -> Result<(), String> {
    field
        .split(',')
        .filter(|r| !r.is_empty())
        .try_for_each(|range| parse_range(range, bounds))
}

/// robfig's `getRange`: `*`, `?`, `n` or `n-m`, optionally `/step`.
fn parse_range(expr: &str, bounds: &Bounds) -> Result<(), String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_and_high.len() == 1;
    let (start, mut end) = if low_and_high[0] == "*" || low_and_high[0] == "?" {
        (bounds.min, bounds.max)
    } else {
        let start = parse_int_or_name(low_and_high[0], bounds.names)?;
        match low_and_high.len() {
            1 => (start, start),
            2 => (start, parse_int_or_name(low_and_high[1], bounds.names)?),
            _ => return Err(format!("too many hyphens: {expr}")),
        }
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = parse_uint(range_and_step[1])?;
            // "n/step" means "n-max/step".
            if single {
                end = bounds.max;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < bounds.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            bounds.min
        ));
    }
    if end > bounds.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            bounds.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(())
}

/// robfig's `parseIntOrName`.
fn parse_int_or_name(expr: &str, names: &[(&str, u64)]) -> Result<u64, String> {
    let lower = expr.to_lowercase();
    if let Some((_, n)) = names.iter().find(|(name, _)| *name == lower) {
        return Ok(*n);
    }
    parse_uint(expr)
}

/// robfig's `mustParseInt`: Go's `strconv.Atoi`, then no negatives.
fn parse_uint(expr: &str) -> Result<u64, String> {
    let n: i64 = expr.parse().map_err(|e: std::num::ParseIntError| {
        let reason = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {}: {reason}",
            ironkube_apimachinery::gocompat::quote(expr)
        )
    })?;
    u64::try_from(n).map_err(|_| format!("negative number ({n}) not allowed: {expr}"))
}

/// robfig's `parseDescriptor`.
fn parse_descriptor(descriptor: &str) -> Result<(), String> {
    match descriptor {
        "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight" | "@hourly" => {
            Ok(())
        }
        _ => match descriptor.strip_prefix("@every ") {
            Some(duration) => parse_duration(duration)
                .map_err(|e| format!("failed to parse duration {descriptor}: {e}")),
            None => Err(format!("unrecognized descriptor: {descriptor}")),
        },
    }
}

/// Go's `time` package `quote`: non-ASCII and control bytes as `\x` escapes.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if !(' '..'\u{80}').contains(&c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`, for its errors only.
fn parse_duration(text: &str) -> Result<(), String> {
    let invalid = || format!("time: invalid duration {}", time_quote(text));
    const LIMIT: u64 = 1 << 63;
    let mut s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let negative = text.starts_with('-');
    if s == "0" {
        return Ok(());
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut whole: u64 = 0;
        for b in s[..digits].bytes() {
            if whole > LIMIT / 10 {
                return Err(invalid());
            }
            whole = whole * 10 + u64::from(b - b'0');
            if whole > LIMIT {
                return Err(invalid());
            }
        }
        let before = digits > 0;
        s = &s[digits..];
        let mut fraction: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut after = false;
        if let Some(rest) = s.strip_prefix('.') {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for b in rest[..digits].bytes() {
                if overflow {
                    continue;
                }
                if fraction > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let next = fraction * 10 + u64::from(b - b'0');
                if next > LIMIT {
                    overflow = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
            after = digits > 0;
            s = &rest[digits..];
        }
        if !before && !after {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(text)
            ));
        }
        let unit_text = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u64 = match unit_text {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(unit_text),
                    time_quote(text)
                ));
            }
        };
        if whole > LIMIT / unit {
            return Err(invalid());
        }
        let mut value = whole * unit;
        if fraction > 0 {
            // Float as upstream: exact to the nanosecond for fractions of hours.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total += value;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if !negative && total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(())
}

/// Go's `syscall.Errno` text for an OS error: the C library's text, lower-cased first
/// letter, without Rust's "(os error N)".
fn errno_text(error: &std::io::Error) -> String {
    let text = match error.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => error.to_string(),
    };
    let text = match text.rfind(" (os error ") {
        Some(at) => &text[..at],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether `data` is a zone file Go's `LoadLocationFromTZData` would read: the `TZif` magic
/// and a header whose tables fit in the data.
fn valid_tzif(data: &[u8]) -> bool {
    if data.len() < 44 || &data[..4] != b"TZif" {
        return false;
    }
    let count = |at: usize| -> usize {
        u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize
    };
    let (utc, std, leap, time, types, chars) = (
        count(20),
        count(24),
        count(28),
        count(32),
        count(36),
        count(40),
    );
    let needed = 44 + time * 5 + types * 6 + chars + leap * 8 + std + utc;
    types > 0 && data.len() >= needed
}

/// Go's `time.LoadLocation` (without `$ZONEINFO`, and without Go's embedded database as a
/// last resort): the error text when the zone cannot be loaded.
fn load_location(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "UTC" || name == "Local" {
        return Ok(());
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".to_string());
    }
    let mut first_error: Option<String> = None;
    for source in ZONE_SOURCES {
        let file = format!("{source}/{name}");
        match std::fs::read(&file) {
            Ok(data) if valid_tzif(&data) => return Ok(()),
            Ok(_) => {
                first_error.get_or_insert_with(|| "malformed time zone information".to_string());
            }
            Err(e) if e.raw_os_error() == Some(ENOENT) => {}
            Err(e) => {
                first_error.get_or_insert_with(|| errno_text(&e));
            }
        }
    }
    Err(first_error.unwrap_or_else(|| format!("unknown time zone {name}")))
}

/// One component of a time zone name as upstream's `validTimeZoneCharacters` accepts it.
fn valid_zone_part(part: &str) -> bool {
    (1..=14).contains(&part.len())
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
        && part != "."
        && part != ".."
        && !part.starts_with('-')
}

/// Upstream's `validateTimeZone`.
pub(super) fn validate_time_zone(time_zone: Option<&str>, path: &FieldPath) -> Vec<FieldError> {
    let Some(zone) = time_zone else {
        return Vec::new();
    };
    // The field is a pointer: upstream shows it as JSON.
    let shown = || BadValue::Json(Value::String(zone.to_string()));
    if zone.is_empty() {
        return vec![FieldError::invalid(
            path,
            shown(),
            "timeZone must be nil or non-empty string",
        )];
    }
    if !zone.split('/').all(valid_zone_part) {
        return vec![FieldError::invalid(
            path,
            shown(),
            format!("unknown time zone {zone}"),
        )];
    }
    let mut errors = Vec::new();
    if zone.eq_ignore_ascii_case("Local") {
        errors.push(FieldError::invalid(
            path,
            shown(),
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        ));
    }
    if let Err(message) = load_location(zone) {
        errors.push(FieldError::invalid(path, shown(), message));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_go_does() {
        for ok in ["1h30m", "0", "-1h", "+5s", "1.5h", ".5m", "1µs", "2562047h"] {
            assert_eq!(parse_duration(ok), Ok(()), "{ok}");
        }
        for (bad, want) in [
            ("", "time: invalid duration \"\""),
            ("soon", "time: invalid duration \"soon\""),
            ("5", "time: missing unit in duration \"5\""),
            ("5y", "time: unknown unit \"y\" in duration \"5y\""),
            (".s", "time: invalid duration \".s\""),
            ("2562048h", "time: invalid duration \"2562048h\""),
            (
                "1é",
                "time: unknown unit \"\\xc3\\xa9\" in duration \"1\\xc3\\xa9\"",
            ),
        ] {
            assert_eq!(parse_duration(bad), Err(want.to_string()), "{bad}");
        }
    }

    #[test]
    fn schedules_parse_as_robfig_does() {
        for ok in [
            "* * * * *",
            "0 0 1 1 *",
            "@yearly",
            "TZ= 0 * * * *",
            "1,,2 * * * ,",
        ] {
            assert_eq!(parse_standard(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            parse_standard("* * 32 * *"),
            Err("end of range (32) above maximum (31): 32".to_string())
        );
        assert_eq!(
            parse_standard("* 1/x * * *"),
            Err(
                "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"
                    .to_string()
            )
        );
    }
}
