//! Latency samples and their percentiles, for the benchmark commands.
//!
//! Every sample is kept (a few hundred thousand at most in a default run) and sorted once, so a
//! percentile is exact: the nearest-rank value, as an HDR histogram reports it at full precision.

use std::time::Duration;

/// A set of latency samples, in nanoseconds.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    nanos: Vec<u64>,
    sorted: bool,
}

impl Samples {
    /// An empty set with room for `capacity` samples.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            nanos: Vec::with_capacity(capacity),
            sorted: true,
        }
    }

    /// Adds one sample (saturating at `u64::MAX` ns, about 584 years).
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.push(nanos);
        self.sorted = false;
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: Samples) {
        if self.nanos.is_empty() {
            self.nanos = other.nanos;
            self.sorted = other.sorted;
        } else {
            self.nanos.extend(other.nanos);
            self.sorted = false;
        }
    }

    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.nanos.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.nanos.is_empty()
    }

    /// The nearest-rank `p`-th percentile (`0 < p <= 100`): the smallest sample such that at
    /// least `p`% of the samples are at or below it. `None` without samples.
    pub fn percentile(&mut self, p: f64) -> Option<Duration> {
        if self.nanos.is_empty() {
            return None;
        }
        if !self.sorted {
            self.nanos.sort_unstable();
            self.sorted = true;
        }
        let n = self.nanos.len();
        let rank = (p.clamp(0.0, 100.0) / 100.0 * n as f64).ceil() as usize;
        let index = rank.clamp(1, n) - 1;
        self.nanos
            .get(index)
            .map(|&nanos| Duration::from_nanos(nanos))
    }

    /// The percentile in milliseconds (`None` without samples).
    pub fn percentile_ms(&mut self, p: f64) -> Option<f64> {
        self.percentile(p).map(|d| d.as_secs_f64() * 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(millis: impl IntoIterator<Item = u64>) -> Samples {
        let mut s = Samples::with_capacity(0);
        for ms in millis {
            s.record(Duration::from_millis(ms));
        }
        s
    }

    #[test]
    fn empty_has_no_percentile() {
        let mut s = Samples::default();
        assert_eq!(s.percentile(50.0), None);
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn nearest_rank_on_one_to_hundred() {
        // Recorded in reverse so the sort matters.
        let mut s = samples((1..=100).rev());
        assert_eq!(s.percentile(50.0), Some(Duration::from_millis(50)));
        assert_eq!(s.percentile(99.0), Some(Duration::from_millis(99)));
        assert_eq!(s.percentile(100.0), Some(Duration::from_millis(100)));
        assert_eq!(s.percentile(0.0), Some(Duration::from_millis(1)));
    }

    #[test]
    fn small_sets_round_up() {
        let mut s = samples([10, 30, 20]);
        // rank ceil(0.5 * 3) = 2 -> 20; ceil(0.99 * 3) = 3 -> 30.
        assert_eq!(s.percentile_ms(50.0), Some(20.0));
        assert_eq!(s.percentile_ms(99.0), Some(30.0));
        let mut one = samples([7]);
        assert_eq!(one.percentile_ms(1.0), Some(7.0));
        assert_eq!(one.percentile_ms(99.9), Some(7.0));
    }

    #[test]
    fn a_tail_shows_in_p99_not_p50() {
        let mut s = samples(std::iter::repeat_n(1, 980).chain(std::iter::repeat_n(500, 20)));
        assert_eq!(s.percentile_ms(50.0), Some(1.0));
        assert_eq!(s.percentile_ms(98.0), Some(1.0));
        assert_eq!(s.percentile_ms(99.0), Some(500.0));
    }

    #[test]
    fn merge_keeps_every_sample() {
        let mut a = samples([5, 1]);
        let b = samples([3, 4, 2]);
        a.merge(b);
        assert_eq!(a.len(), 5);
        assert_eq!(a.percentile_ms(60.0), Some(3.0));
        assert_eq!(a.percentile_ms(100.0), Some(5.0));
        let mut empty = Samples::default();
        empty.merge(samples([9, 8]));
        assert_eq!(empty.percentile_ms(50.0), Some(8.0));
    }
}
