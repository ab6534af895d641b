//! perf_analyzer's `-l/--latency-threshold` and `--binary-search`: which
//! load level to measure next, given what the previous ones measured.
//!
//! - Without `--binary-search` (linear search, perf_analyzer's default) the
//!   levels are measured in order and the sweep stops after the first level
//!   whose latency is at or over the threshold (that level is reported).
//! - With `--binary-search` the levels (the expanded, ascending range) are
//!   searched for the largest one that meets the threshold: the start first
//!   (none meets when it does not), then the end (all meet when it does),
//!   then halving between the largest level known to meet and the smallest
//!   known to miss. The range's step is the search's precision, as in
//!   perf_analyzer.
//!
//! The latency compared is the one perf_analyzer stabilises on: the
//! `--percentile` latency when one is given, else the average. A level is
//! under the threshold when that latency is below it and it had a successful
//! request; in a binary search it must also be stable (as in perf_analyzer's,
//! an unstable level counts as missing), the linear sweep only stops on latency.
//!
//! Deviation: tritium searches over the expanded level list (at most
//! [`crate::limits::MAX_LOAD_LEVELS`] levels), so the end of a
//! `start:end:step` range that is not on the step's grid is not measured;
//! the last level of the grid is the search's end.

use crate::export::LoadPoint;
use crate::loadgen::LoadMode;

/// The percentiles a [`LoadPoint`] carries, hence the ones `-l` can compare.
pub const THRESHOLD_PERCENTILES: [u32; 4] = [50, 90, 95, 99];

/// `-l MS` with the latency it applies to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyLimit {
    /// The threshold, milliseconds (> 0).
    pub threshold_ms: f64,
    /// `--percentile`: compare this percentile instead of the average
    /// (one of [`THRESHOLD_PERCENTILES`]).
    pub percentile: Option<u32>,
    /// `--binary-search` instead of a linear sweep.
    pub binary_search: bool,
}

impl LatencyLimit {
    /// The latency compared with the threshold, µs; `None` when no request
    /// succeeded or the percentile is not one a point carries.
    pub fn latency_us(&self, p: &LoadPoint) -> Option<f64> {
        let l = &p.latency;
        match self.percentile {
            None => l.avg(),
            Some(50) => l.p50(),
            Some(90) => l.p90(),
            Some(95) => l.p95(),
            Some(99) => l.p99(),
            Some(_) => None,
        }
    }

    /// Whether `p`'s latency is below the threshold (a level without a
    /// successful request is not).
    pub fn under(&self, p: &LoadPoint) -> bool {
        p.error.is_none() && self.latency_us(p).is_some_and(|us| us < self.threshold_ms * 1000.0)
    }

    /// Whether `p` meets the threshold in a binary search: under it, and stable.
    pub fn meets(&self, p: &LoadPoint) -> bool {
        p.stable && self.under(p)
    }

    /// A one-line name of the compared latency: "avg" or "p99".
    pub fn latency_name(&self) -> String {
        self.percentile.map(|p| format!("p{p}")).unwrap_or_else(|| "avg".into())
    }
}

/// Chooses the load levels to measure, one at a time.
#[derive(Debug, Clone)]
pub struct Planner {
    loads: Vec<LoadMode>,
    limit: Option<LatencyLimit>,
    /// Linear: the next index. Binary: unused.
    next: usize,
    /// Binary: the largest index known to meet, the smallest known to miss.
    lo: Option<usize>,
    hi: Option<usize>,
    /// The index measured last (its point is the `last` of [`Planner::next`]).
    pending: Option<usize>,
    done: bool,
}

impl Planner {
    /// Plans `loads` (ascending when `limit` asks for a binary search) under `limit`.
    pub fn new(loads: Vec<LoadMode>, limit: Option<LatencyLimit>) -> Planner {
        Planner { loads, limit, next: 0, lo: None, hi: None, pending: None, done: false }
    }

    /// The next level to measure, given the point of the level returned last
    /// (`None` on the first call); `None` when the plan is complete.
    pub fn next(&mut self, last: Option<&LoadPoint>) -> Option<LoadMode> {
        if self.done || self.loads.is_empty() {
            return None;
        }
        let binary = self.limit.is_some_and(|l| l.binary_search);
        let met = match (self.pending.take(), last, self.limit) {
            (Some(i), Some(p), Some(l)) => Some((i, if binary { l.meets(p) } else { l.under(p) })),
            _ => None,
        };
        let i = if !binary {
            if met.is_some_and(|(_, ok)| !ok) {
                self.done = true;
                return None;
            }
            self.next
        } else {
            if let Some((i, ok)) = met {
                if ok {
                    self.lo = Some(i);
                } else {
                    self.hi = Some(i);
                }
            }
            let last_index = self.loads.len() - 1;
            match (self.lo, self.hi) {
                (None, None) => 0,
                // The start misses: nothing in the range meets the threshold.
                (None, Some(_)) => {
                    self.done = true;
                    return None;
                }
                (Some(lo), None) if lo == last_index => {
                    self.done = true;
                    return None;
                }
                (Some(_), None) => last_index,
                (Some(lo), Some(hi)) if hi - lo <= 1 => {
                    self.done = true;
                    return None;
                }
                (Some(lo), Some(hi)) => lo + (hi - lo) / 2,
            }
        };
        if i >= self.loads.len() {
            self.done = true;
            return None;
        }
        self.next = i + 1;
        self.pending = Some(i);
        Some(self.loads[i])
    }

    /// With `--binary-search`, once [`Planner::next`] returned `None`: the
    /// largest level that met the threshold (`None`: not even the start).
    pub fn best(&self) -> Option<LoadMode> {
        self.lo.map(|i| self.loads[i])
    }
}

/// A level as the report's settings write it: `{"concurrency": 4}` or `{"request_rate": 250.0}`.
pub fn level_json(l: &LoadMode) -> serde_json::Value {
    match l {
        LoadMode::Concurrency(c) => serde_json::json!({ "concurrency": c }),
        LoadMode::RequestRate { rate, .. } => serde_json::json!({ "request_rate": rate }),
    }
}

/// Checks a level list for a binary search: strictly ascending.
pub fn check_ascending(loads: &[LoadMode]) -> Result<(), String> {
    let level = |l: &LoadMode| match l {
        LoadMode::Concurrency(c) => f64::from(*c),
        LoadMode::RequestRate { rate, .. } => *rate,
    };
    if loads.windows(2).any(|w| level(&w[1]) <= level(&w[0])) {
        return Err("--binary-search needs ascending levels (start:end:step, or an ascending list)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(latency_us: f64, stable: bool) -> LoadPoint {
        let mut p = LoadPoint { stable, requests: 10, ..Default::default() };
        p.latency.count = 10;
        p.latency.avg_us = latency_us;
        p.latency.p99_us = latency_us * 2.0;
        p
    }

    /// Runs the planner on levels 1..=n whose latency is `lat(level)` ms; the visited levels.
    fn drive(n: u32, limit: LatencyLimit, lat: impl Fn(u32) -> f64) -> (Vec<u32>, Option<LoadMode>) {
        let mut pl = Planner::new((1..=n).map(LoadMode::Concurrency).collect(), Some(limit));
        let mut seen = Vec::new();
        let mut last: Option<LoadPoint> = None;
        while let Some(LoadMode::Concurrency(c)) = pl.next(last.as_ref()) {
            seen.push(c);
            last = Some(point(lat(c) * 1000.0, true));
        }
        (seen, pl.best())
    }

    #[test]
    fn linear_search_stops_at_the_first_level_over_the_threshold() {
        let limit = LatencyLimit { threshold_ms: 4.5, percentile: None, binary_search: false };
        assert_eq!(drive(10, limit, f64::from).0, vec![1, 2, 3, 4, 5]);
        // p99 (twice the average here) is compared when --percentile 99 is given.
        let p99 = LatencyLimit { percentile: Some(99), ..limit };
        assert_eq!(drive(10, p99, f64::from).0, vec![1, 2, 3]);
        // No threshold: every level.
        let mut pl = Planner::new((1..=3).map(LoadMode::Concurrency).collect(), None);
        let mut n = 0;
        let p = point(1e9, false);
        while pl.next(Some(&p)).is_some() {
            n += 1;
        }
        assert_eq!(n, 3);
    }

    #[test]
    fn binary_search_finds_the_largest_level_under_the_threshold() {
        let limit = LatencyLimit { threshold_ms: 45.0, percentile: None, binary_search: true };
        for n in [1, 2, 3, 16, 100] {
            for cut in 0..=n + 1 {
                // Levels 1..cut meet (latency 1 ms), the others miss (1 s).
                let (seen, best) = drive(n, limit, |c| if c < cut { 1.0 } else { 1000.0 });
                let want = (cut > 1).then(|| LoadMode::Concurrency((cut - 1).min(n)));
                assert_eq!(best, want, "n {n} cut {cut}: visited {seen:?}");
                assert!(seen.len() as f64 <= 2.0 + (n as f64).log2().ceil(), "n {n} cut {cut}: {seen:?}");
            }
        }
        let (seen, best) = drive(16, limit, |c| 10.0 * f64::from(c));
        assert_eq!((seen, best), (vec![1, 16, 8, 4, 6, 5], Some(LoadMode::Concurrency(4))));
    }

    #[test]
    fn unstable_or_failed_levels_miss() {
        let limit = LatencyLimit { threshold_ms: 10.0, percentile: None, binary_search: true };
        assert!(limit.meets(&point(1000.0, true)));
        assert!(!limit.meets(&point(1000.0, false)));
        // The linear sweep does not stop on an unstable level, only on latency.
        assert!(limit.under(&point(1000.0, false)) && !limit.under(&point(10_000.0, false)));
        let mut pl = Planner::new((1..=3).map(LoadMode::Concurrency).collect(), Some(LatencyLimit { binary_search: false, ..limit }));
        let mut n = 0;
        let p = point(1000.0, false);
        while pl.next(Some(&p)).is_some() {
            n += 1;
        }
        assert_eq!(n, 3);
        assert!(!limit.meets(&point(10_000.0, true)));
        let mut failed = point(1000.0, true);
        failed.error = Some("stub died".into());
        assert!(!limit.meets(&failed));
        assert!(!limit.meets(&LoadPoint { stable: true, ..Default::default() }));
    }

    #[test]
    fn binary_search_needs_ascending_levels() {
        assert!(check_ascending(&[LoadMode::Concurrency(1), LoadMode::Concurrency(4)]).is_ok());
        assert!(check_ascending(&[LoadMode::Concurrency(4), LoadMode::Concurrency(1)]).unwrap_err().contains("--binary-search"));
    }
}
