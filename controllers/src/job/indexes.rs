//! Sets of completion indexes as ordered, merged intervals, written as upstream writes
//! `status.completedIndexes` and `status.failedIndexes` ("1,3-5,7"; two neighbours as "1,2").

use std::fmt;

/// One run of consecutive indexes, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interval {
    pub(crate) first: i64,
    pub(crate) last: i64,
}

/// Disjoint, non-adjacent intervals in ascending order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Indexes(pub(crate) Vec<Interval>);

impl Indexes {
    /// Parses `text`, ignoring corrupt pieces and indexes at or past `completions`.
    pub(crate) fn parse(text: &str, completions: i64) -> Indexes {
        let mut result: Vec<Interval> = Vec::new();
        if text.is_empty() {
            return Indexes(result);
        }
        for piece in text.split(',') {
            let mut limits = piece.split('-');
            let Some(Ok(first)) = limits.next().map(str::parse::<i64>) else {
                continue;
            };
            if first >= completions {
                break;
            }
            let last = match limits.next() {
                Some(end) => match end.parse::<i64>() {
                    Ok(end) => end.min(completions - 1),
                    Err(_) => continue,
                },
                None => first,
            };
            match result.last_mut() {
                Some(previous) if previous.last == first - 1 => previous.last = last,
                _ => result.push(Interval { first, last }),
            }
        }
        Indexes(result)
    }

    /// These indexes and `sorted` (ascending) together.
    pub(crate) fn with(&self, sorted: &[i64]) -> Indexes {
        let extra = Indexes(
            sorted
                .iter()
                .map(|&i| Interval { first: i, last: i })
                .collect(),
        );
        self.merge(&extra)
    }

    /// The union of two sets.
    pub(crate) fn merge(&self, other: &Indexes) -> Indexes {
        let mut all: Vec<Interval> = self.0.iter().chain(other.0.iter()).copied().collect();
        all.sort_by_key(|i| i.first);
        let mut result: Vec<Interval> = Vec::new();
        for interval in all {
            match result.last_mut() {
                Some(previous) if interval.first <= previous.last + 1 => {
                    previous.last = previous.last.max(interval.last);
                }
                _ => result.push(interval),
            }
        }
        Indexes(result)
    }

    /// How many indexes.
    pub(crate) fn total(&self) -> i64 {
        self.0.iter().map(|i| i.last - i.first + 1).sum()
    }

    /// Whether `index` is in the set.
    pub(crate) fn has(&self, index: i64) -> bool {
        self.0.iter().any(|i| i.first <= index && index <= i.last)
    }

    /// Whether the set is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Indexes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, interval) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", interval.first)?;
            if interval.last == interval.first + 1 {
                write!(f, ",{}", interval.last)?;
            } else if interval.last > interval.first {
                write!(f, "-{}", interval.last)?;
            }
        }
        Ok(())
    }
}

/// Upstream's `matchSucceededIndexesRule`: whether the succeeded indexes cover the rule's, or
/// at least `succeeded_count` of them.
pub(crate) fn match_succeeded_indexes(
    rule: &Indexes,
    succeeded: &Indexes,
    succeeded_count: Option<i32>,
) -> bool {
    let mut contains = 0;
    for r in &rule.0 {
        for s in &succeeded.0 {
            let overlap = r.last.min(s.last) - r.first.max(s.first) + 1;
            if overlap > 0 {
                contains += overlap;
            }
        }
    }
    contains == rule.total() || succeeded_count.is_some_and(|c| contains >= i64::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_merges_and_prints_like_upstream() {
        let parsed = Indexes::parse("0,1,3-5,7,9-20", 10);
        assert_eq!(parsed.to_string(), "0,1,3-5,7,9");
        assert_eq!(parsed.total(), 7);
        assert!(parsed.has(4) && !parsed.has(6) && !parsed.has(8));
        let merged = parsed.with(&[2, 6, 8]);
        assert_eq!(merged.to_string(), "0-9");
        assert_eq!(Indexes::default().with(&[0, 1]).to_string(), "0,1");
        assert_eq!(Indexes::default().with(&[0, 1, 2]).to_string(), "0-2");
        assert_eq!(Indexes::parse("x,2", 5).to_string(), "2");
        assert!(Indexes::parse("", 5).is_empty());
    }

    #[test]
    fn success_policy_rules_match_as_upstream() {
        let succeeded = Indexes::parse("0-2,5", 10);
        assert!(match_succeeded_indexes(
            &Indexes::parse("0,1", 10),
            &succeeded,
            None
        ));
        assert!(!match_succeeded_indexes(
            &Indexes::parse("4-6", 10),
            &succeeded,
            None
        ));
        assert!(match_succeeded_indexes(
            &Indexes::parse("4-6", 10),
            &succeeded,
            Some(1)
        ));
    }
}
