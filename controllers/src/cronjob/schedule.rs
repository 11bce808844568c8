//! Cron schedules as upstream parses them (robfig/cron's standard parser): five fields
//! (minute hour day-of-month month day-of-week) with `*`, `?`, lists, ranges, steps and
//! month and weekday names; `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`,
//! `@midnight`, `@hourly` and `@every <duration>`; a `CRON_TZ=` or `TZ=` prefix.

use std::time::Duration;

use k8s_openapi::jiff::civil::DateTime;
use k8s_openapi::jiff::tz::TimeZone;
use k8s_openapi::jiff::{Timestamp, ToSpan as _};

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Schedule {
    /// Calendar fields, each a bit set; `dom_star`/`dow_star` mark fields given as `*`.
    Fields {
        minute: u64,
        hour: u64,
        dom: u64,
        month: u64,
        dow: u64,
        dom_star: bool,
        dow_star: bool,
        /// The zone of a `CRON_TZ=` prefix.
        zone: Option<TimeZone>,
    },
    /// `@every <duration>`.
    Every(Duration),
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn name_value(text: &str, names: &[&str], offset: u32) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    names
        .iter()
        .position(|n| *n == lower)
        .map(|p| p as u32 + offset)
}

/// One field as a bit set, upstream's `getField`.
fn field(text: &str, min: u32, max: u32, names: &[&str], name_offset: u32) -> Result<u64, String> {
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (
                range,
                Some(
                    step.parse::<u32>()
                        .map_err(|_| format!("failed to parse int from {step}"))?,
                ),
            ),
            None => (part, None),
        };
        let value = |s: &str| -> Result<u32, String> {
            if let Some(v) = name_value(s, names, name_offset) {
                return Ok(v);
            }
            s.parse::<u32>()
                .map_err(|_| format!("failed to parse int from {s}"))
        };
        let (start, end) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if step.is_some() { max } else { v })
        };
        if start < min {
            return Err(format!(
                "beginning of range ({start}) below minimum ({min}): {part}"
            ));
        }
        if end > max {
            return Err(format!(
                "end of range ({end}) above maximum ({max}): {part}"
            ));
        }
        if start > end {
            return Err(format!(
                "beginning of range ({start}) beyond end of range ({end}): {part}"
            ));
        }
        let step = step.unwrap_or(1);
        if step == 0 {
            return Err(format!("step of range should be a positive number: {part}"));
        }
        let mut v = start;
        while v <= end {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl Schedule {
    /// Parses a schedule.
    pub(crate) fn parse(text: &str) -> Result<Schedule, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty spec string".into());
        }
        let mut zone = None;
        let mut rest = text;
        if let Some(prefixed) = text
            .strip_prefix("CRON_TZ=")
            .or_else(|| text.strip_prefix("TZ="))
        {
            let (name, after) = prefixed
                .split_once(' ')
                .ok_or_else(|| format!("provided bad location {prefixed}"))?;
            zone = Some(
                TimeZone::get(name).map_err(|e| format!("provided bad location {name}: {e}"))?,
            );
            rest = after.trim();
        }
        if let Some(descriptor) = rest.strip_prefix('@') {
            let fields = match descriptor {
                "yearly" | "annually" => "0 0 1 1 *",
                "monthly" => "0 0 1 * *",
                "weekly" => "0 0 * * 0",
                "daily" | "midnight" => "0 0 * * *",
                "hourly" => "0 * * * *",
                _ => {
                    if let Some(every) = descriptor.strip_prefix("every ") {
                        let duration =
                            ironkube_apimachinery::goduration::parse_std(every.trim())
                                .map_err(|e| format!("failed to parse duration {rest}: {e}"))?;
                        return Ok(Schedule::Every(duration.max(Duration::from_secs(1))));
                    }
                    return Err(format!("unrecognized descriptor: {rest}"));
                }
            };
            return Schedule::fields(fields, zone);
        }
        Schedule::fields(rest, zone)
    }

    fn fields(text: &str, zone: Option<TimeZone>) -> Result<Schedule, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: {text}",
                parts.len()
            ));
        }
        let star = |s: &str| s.starts_with('*') || s.starts_with('?');
        let mut dow = field(parts[4], 0, 7, &DAYS, 0)?;
        // 7 is Sunday too.
        if dow & (1 << 7) != 0 {
            dow = (dow | 1) & !(1 << 7);
        }
        Ok(Schedule::Fields {
            minute: field(parts[0], 0, 59, &[], 0)?,
            hour: field(parts[1], 0, 23, &[], 0)?,
            dom: field(parts[2], 1, 31, &[], 0)?,
            month: field(parts[3], 1, 12, &MONTHS, 1)?,
            dow,
            dom_star: star(parts[2]),
            dow_star: star(parts[4]),
            zone,
        })
    }

    /// The first activation strictly after `after`, in `zone` (unless the schedule names
    /// its own); `None` when there is none within five years.
    pub(crate) fn next(&self, after: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let (minute, hour, dom, month, dow, dom_star, dow_star, own) = match self {
            Schedule::Every(every) => {
                // robfig rounds `@every` to whole seconds and starts from the next second.
                let secs = after.as_second() + i64::try_from(every.as_secs()).ok()?;
                return Timestamp::from_second(secs).ok();
            }
            Schedule::Fields {
                minute,
                hour,
                dom,
                month,
                dow,
                dom_star,
                dow_star,
                zone,
            } => (
                *minute, *hour, *dom, *month, *dow, *dom_star, *dow_star, zone,
            ),
        };
        let zone = own.as_ref().unwrap_or(zone);
        let start = after.to_zoned(zone.clone()).datetime();
        // The next whole minute.
        let mut t: DateTime = start
            .with()
            .second(0)
            .subsec_nanosecond(0)
            .build()
            .ok()?
            .checked_add(1.minute())
            .ok()?;
        let limit = t.year() + 5;
        let has = |bits: u64, v: i64| (0..64).contains(&v) && bits & (1 << v) != 0;
        let day_matches = |t: &DateTime| {
            let dom_match = has(dom, i64::from(t.day()));
            let dow_match = has(dow, i64::from(t.weekday().to_sunday_zero_offset()));
            if dom_star || dow_star {
                dom_match && dow_match
            } else {
                dom_match || dow_match
            }
        };
        loop {
            if t.year() > limit {
                return None;
            }
            if !has(month, i64::from(t.month())) {
                t = t
                    .first_of_month()
                    .checked_add(1.month())
                    .ok()?
                    .start_of_day();
                continue;
            }
            if !day_matches(&t) {
                t = t.checked_add(1.day()).ok()?.start_of_day();
                continue;
            }
            if !has(hour, i64::from(t.hour())) {
                t = t
                    .with()
                    .minute(0)
                    .build()
                    .ok()?
                    .checked_add(1.hour())
                    .ok()?;
                continue;
            }
            if !has(minute, i64::from(t.minute())) {
                t = t.checked_add(1.minute()).ok()?;
                continue;
            }
            let found = zone.to_ambiguous_zoned(t).compatible().ok()?.timestamp();
            if found > after {
                return Some(found);
            }
            t = t.checked_add(1.minute()).ok()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn next_times_follow_the_fields() {
        let utc = TimeZone::UTC;
        let every_minute = Schedule::parse("* * * * *").unwrap();
        assert_eq!(
            every_minute.next(at("2024-01-01T10:00:30Z"), &utc),
            Some(at("2024-01-01T10:01:00Z"))
        );
        assert_eq!(
            every_minute.next(at("2024-01-01T10:01:00Z"), &utc),
            Some(at("2024-01-01T10:02:00Z"))
        );
        let hourly = Schedule::parse("@hourly").unwrap();
        assert_eq!(
            hourly.next(at("2024-01-01T10:00:00Z"), &utc),
            Some(at("2024-01-01T11:00:00Z"))
        );
        let weekdays = Schedule::parse("30 9 * * MON-FRI").unwrap();
        // 2024-01-06 is a Saturday.
        assert_eq!(
            weekdays.next(at("2024-01-06T00:00:00Z"), &utc),
            Some(at("2024-01-08T09:30:00Z"))
        );
        let steps = Schedule::parse("*/15 0 1,15 * *").unwrap();
        assert_eq!(
            steps.next(at("2024-01-01T00:50:00Z"), &utc),
            Some(at("2024-01-15T00:00:00Z"))
        );
        let leap = Schedule::parse("0 0 29 feb *").unwrap();
        assert_eq!(
            leap.next(at("2024-03-01T00:00:00Z"), &utc),
            Some(at("2028-02-29T00:00:00Z"))
        );
        // Day of month OR day of week when both are restricted.
        let either = Schedule::parse("0 0 13 * 5").unwrap();
        assert_eq!(
            either.next(at("2024-01-01T00:00:00Z"), &utc),
            Some(at("2024-01-05T00:00:00Z"))
        );
    }

    #[test]
    fn time_zones_and_errors() {
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let daily = Schedule::parse("0 9 * * *").unwrap();
        assert_eq!(
            daily.next(at("2024-01-01T00:30:00Z"), &tokyo),
            Some(at("2024-01-02T00:00:00Z"))
        );
        let prefixed = Schedule::parse("CRON_TZ=Asia/Tokyo 0 9 * * *").unwrap();
        assert_eq!(
            prefixed.next(at("2024-01-01T00:30:00Z"), &TimeZone::UTC),
            Some(at("2024-01-02T00:00:00Z"))
        );
        assert!(Schedule::parse("* * * *").is_err());
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("@fortnightly").is_err());
        assert_eq!(
            Schedule::parse("@every 90s").unwrap(),
            Schedule::Every(Duration::from_secs(90))
        );
    }
}
