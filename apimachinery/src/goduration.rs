//! Go's `time.Duration` text: parsing as `time.ParseDuration` does, for flags
//! (`--leader-elect-lease-duration=15s`), protobuf durations and cron `@every`.

/// One nanosecond, in nanoseconds.
pub const NANOSECOND: u64 = 1;
/// One microsecond, in nanoseconds.
pub const MICROSECOND: u64 = 1_000 * NANOSECOND;
/// One millisecond, in nanoseconds.
pub const MILLISECOND: u64 = 1_000 * MICROSECOND;
/// One second, in nanoseconds.
pub const SECOND: u64 = 1_000 * MILLISECOND;
/// One minute, in nanoseconds.
pub const MINUTE: u64 = 60 * SECOND;
/// One hour, in nanoseconds.
pub const HOUR: u64 = 60 * MINUTE;

/// Go's `time.ParseDuration`: a sign, then one or more decimal numbers each with a unit (`ns`, `us`,
/// `µs`, `μs`, `ms`, `s`, `m`, `h`); `0` alone needs no unit.
pub fn parse(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    const LIMIT: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return None;
        }
        let integer_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut value: u64 = 0;
        for digit in rest[..integer_len].bytes() {
            if value > (LIMIT - 1) / 10 {
                return None;
            }
            value = value * 10 + u64::from(digit - b'0');
            if value > LIMIT {
                return None;
            }
        }
        rest = &rest[integer_len..];
        let mut fraction: u64 = 0;
        let mut scale = 1f64;
        let mut fraction_len = 0;
        if let Some(after_point) = rest.strip_prefix('.') {
            fraction_len = after_point.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for digit in after_point[..fraction_len].bytes() {
                if overflow {
                    continue;
                }
                if fraction > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let next = fraction * 10 + u64::from(digit - b'0');
                if next > LIMIT {
                    overflow = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
            rest = &after_point[fraction_len..];
        }
        if integer_len == 0 && fraction_len == 0 {
            return None;
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        if unit_len == 0 {
            return None;
        }
        let unit = match &rest[..unit_len] {
            "ns" => NANOSECOND,
            "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
            "ms" => MILLISECOND,
            "s" => SECOND,
            "m" => MINUTE,
            "h" => HOUR,
            _ => return None,
        };
        rest = &rest[unit_len..];
        if value > LIMIT / unit {
            return None;
        }
        value *= unit;
        if fraction > 0 {
            // Go computes the fraction in float64, which is exact to the nanosecond up to hours.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return None;
            }
        }
        total += value;
        if total > LIMIT {
            return None;
        }
    }
    if negative {
        // -(1 << 63) is i64::MIN, which Go accepts.
        Some(0i64.wrapping_sub_unsigned(total))
    } else {
        i64::try_from(total).ok()
    }
}

/// [`parse`] as a [`std::time::Duration`] for flags, which take no negative durations;
/// the error is Go's words.
pub fn parse_std(text: &str) -> Result<std::time::Duration, String> {
    match parse(text) {
        Some(nanos) if nanos >= 0 => Ok(std::time::Duration::from_nanos(nanos.unsigned_abs())),
        Some(_) => Err(format!("negative duration {text:?}")),
        None => Err(format!(
            "time: invalid duration {}",
            crate::gocompat::quote(text)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_go() {
        assert_eq!(parse("1h2m3.5s"), Some(3_723_500_000_000));
        assert_eq!(parse("-1.5ms"), Some(-1_500_000));
        assert_eq!(parse("1µs"), Some(1_000));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("-9223372036854775808ns"), Some(i64::MIN));
        for bad in ["", "1", "1x", ".s", "9223372036854775808ns", "-"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
