//! The time forms Go's JSON uses for `metav1.Time`, `metav1.MicroTime` and `metav1.Duration`:
//! RFC 3339 in UTC (seconds, or exactly six fractional digits), and Go's `time.Duration` string
//! (`1h2m3.5s`). Written here rather than taken from a date crate because both directions must
//! match Go's formatting and parsing rules exactly, and the arithmetic is small.

use ironkube_apimachinery::goduration::{MICROSECOND, MILLISECOND, SECOND};

/// Seconds from 0001-01-01T00:00:00Z (Go's zero `time.Time`) to the Unix epoch.
pub(super) const ZERO_TIME_UNIX: i64 = -62_135_596_800;

const SECONDS_PER_DAY: i64 = 86_400;

/// Formats Unix seconds (and nanoseconds within the second) as RFC 3339 in UTC, with `fraction_digits`
/// fractional digits (0 for `metav1.Time`, 6 for `metav1.MicroTime`). `None` when the year is
/// outside 0000–9999, which RFC 3339 cannot write.
pub(super) fn format_rfc3339(seconds: i64, nanos: u32, fraction_digits: u32) -> Option<String> {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    if fraction_digits > 0 {
        let scaled = nanos / 10u32.pow(9 - fraction_digits);
        text.push_str(&format!(
            ".{scaled:0width$}",
            width = fraction_digits as usize
        ));
    }
    text.push('Z');
    Some(text)
}

/// Parses an RFC 3339 timestamp as Go's `time.Parse(time.RFC3339, …)` does: a four-digit year,
/// optional fractional seconds, and `Z` or a `±hh:mm` offset. Returns Unix seconds and nanoseconds.
pub(super) fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = bytes.get(range)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            digits
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')),
        )
    };
    let separator = |index: usize, expected: u8| bytes.get(index) == Some(&expected);
    let year = number(0..4)?;
    let month = number(5..7)?;
    let day = number(8..10)?;
    let hour = number(11..13)?;
    let minute = number(14..16)?;
    let second = number(17..19)?;
    if !(separator(4, b'-')
        && separator(7, b'-')
        && separator(10, b'T')
        && separator(13, b':')
        && separator(16, b':'))
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut index = 19;
    let mut nanos = 0u32;
    if matches!(bytes.get(index), Some(b'.') | Some(b',')) {
        let start = index + 1;
        let mut end = start;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return None;
        }
        // Go keeps nanosecond precision and drops digits beyond it.
        for (position, digit) in bytes[start..end].iter().take(9).enumerate() {
            nanos += u32::from(digit - b'0') * 10u32.pow(8 - position as u32);
        }
        index = end;
    }
    let offset_seconds = match bytes.get(index)? {
        b'Z' if index + 1 == bytes.len() => 0,
        sign @ (b'+' | b'-') if index + 6 == bytes.len() && separator(index + 3, b':') => {
            let hours = number(index + 1..index + 3)?;
            let minutes = number(index + 4..index + 6)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset_seconds;
    Some((seconds, nanos))
}

pub(crate) fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Go's `time.Duration.String`: `72h3m0.5s`, `1.5ms`, `0s`.
pub(super) fn format_duration(nanos: i64) -> String {
    let mut magnitude = nanos.unsigned_abs();
    let mut text = String::new();
    if magnitude < SECOND {
        if magnitude == 0 {
            return "0s".to_owned();
        }
        let (precision, unit) = if magnitude < MICROSECOND {
            (0, "ns")
        } else if magnitude < MILLISECOND {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let fraction = fraction(&mut magnitude, precision);
        text.push_str(&magnitude.to_string());
        text.push_str(&fraction);
        text.push_str(unit);
    } else {
        let fraction = fraction(&mut magnitude, 9);
        let seconds = magnitude % 60;
        let minutes = magnitude / 60 % 60;
        let hours = magnitude / 3600;
        if hours > 0 {
            text.push_str(&format!("{hours}h"));
        }
        if hours > 0 || minutes > 0 {
            text.push_str(&format!("{minutes}m"));
        }
        text.push_str(&format!("{seconds}{fraction}s"));
    }
    if nanos < 0 {
        text.insert(0, '-');
    }
    text
}

/// Splits off `value`'s last `precision` decimal digits as Go's fmtFrac does: `.` and the digits
/// without trailing zeros, or nothing when they are all zero. Leaves the integer part in `value`.
fn fraction(value: &mut u64, precision: u32) -> String {
    let divisor = 10u64.pow(precision);
    let digits = *value % divisor;
    *value /= divisor;
    if digits == 0 {
        return String::new();
    }
    let text = format!(".{digits:0width$}", width = precision as usize);
    text.trim_end_matches('0').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        assert_eq!(
            format_rfc3339(0, 0, 0).as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            format_rfc3339(1_767_366_245, 123_456_789, 6).as_deref(),
            Some("2026-01-02T15:04:05.123456Z")
        );
        assert_eq!(
            format_rfc3339(ZERO_TIME_UNIX, 0, 0).as_deref(),
            Some("0001-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_rfc3339("2026-01-02T15:04:05Z"),
            Some((1_767_366_245, 0))
        );
        assert_eq!(
            parse_rfc3339("2026-01-02T16:04:05.5+01:00"),
            Some((1_767_366_245, 500_000_000))
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some((-1, 0)));
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z").map(|t| t.0),
            Some(1_709_164_800)
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-01-02 15:04:05Z",
            "2026-01-02T15:04:05",
            "x",
            "",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for days in [-800_000, -1, 0, 1, 20_000, 2_900_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
