//! Timestamps as `metav1.Time` reads and writes them: parsed with Go's `time.RFC3339` layout
//! (fractional seconds accepted), compared as instants, written in UTC to the second.

use crate::protobuf::gotime::{civil_from_days, days_from_civil, days_in_month};

/// An instant, to the nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timestamp {
    /// Seconds since the Unix epoch.
    seconds: i64,
    /// Nanoseconds within the second.
    nanos: u32,
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |n, d| {
        n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })
}

impl Timestamp {
    /// Parses `2006-01-02T15:04:05[.999999999](Z|±07:00)`; `None` for anything Go's
    /// `time.Parse(time.RFC3339, ...)` refuses.
    pub(crate) fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let hour = digits(&b[11..13])?;
        let minute = digits(&b[14..16])?;
        let second = digits(&b[17..19])?;
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let mut rest = &b[19..];
        let mut nanos: u32 = 0;
        if rest.first() == Some(&b'.') {
            let end = rest[1..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(rest.len(), |p| p + 1);
            let fraction = &rest[1..end];
            if fraction.is_empty() || fraction.len() > 9 {
                return None;
            }
            let mut value = u32::try_from(digits(fraction)?).ok()?;
            for _ in fraction.len()..9 {
                value *= 10;
            }
            nanos = value;
            rest = &rest[end..];
        }
        let offset_seconds = match rest {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let hours = digits(&[*h1, *h2])?;
                let minutes = digits(&[*m1, *m2])?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let offset = hours * 3600 + minutes * 60;
                if *sign == b'-' { -offset } else { offset }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
        Some(Self { seconds, nanos })
    }

    /// The instant in UTC as `metav1.Time` marshals it (`time.RFC3339`, whole seconds).
    pub(crate) fn to_rfc3339_utc(self) -> String {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_in_utc() {
        let t = Timestamp::parse_rfc3339("2024-01-01T05:00:00+03:00").unwrap();
        assert_eq!(t.to_rfc3339_utc(), "2024-01-01T02:00:00Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2024-02-29T23:59:59.123456789Z")
                .unwrap()
                .to_rfc3339_utc(),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(
            Timestamp::parse_rfc3339("1969-12-31T23:59:59Z")
                .unwrap()
                .to_rfc3339_utc(),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2024-01-01T01:00:00+01:00"),
            Timestamp::parse_rfc3339("2024-01-01T00:00:00Z")
        );
        assert_ne!(
            Timestamp::parse_rfc3339("2024-01-01T00:00:00.5Z"),
            Timestamp::parse_rfc3339("2024-01-01T00:00:00Z")
        );
    }

    #[test]
    fn refuses_what_go_refuses() {
        for bad in [
            "",
            "2024-01-01",
            "2024-01-01 00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0100",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }
}
