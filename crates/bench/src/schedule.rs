//! Open-loop send schedules: when each worker sends its next request.
//!
//! - Constant: evenly spaced sends, the workers' schedules staggered.
//! - Poisson: exponential gaps from a seeded RNG, per worker.
//! - Custom intervals (perf_analyzer's `--request-intervals FILE`): the
//!   file's gaps, in microseconds, one per line, between consecutive
//!   requests, cycled when the run outlasts the file. As perf_analyzer's
//!   custom load manager does, send `k` is due at the sum of the first
//!   `k + 1` gaps after the start, and the sends are dealt to the workers in
//!   turn (worker `w` sends `w`, `w + T`, `w + 2T`, ... of `T` workers), so
//!   the whole process follows the file's gaps whatever the thread count.
//!
//! Latency counts from the scheduled time (see [`crate::loadgen`]).

use std::path::Path;

use crate::loadgen::{Distribution, LoadMode};

/// The gaps of a `--request-intervals` file, in nanoseconds.
///
/// A cheap `Copy` handle (load modes are `Copy`): the gaps are read once
/// per process and live as long as it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intervals {
    gaps_ns: &'static [u64],
}

/// Most gaps a `--request-intervals` file may hold (8 MiB of gaps).
pub const MAX_INTERVALS: usize = 1 << 20;

/// Longest single gap, µs (one hour, tritium's longest window).
pub const MAX_GAP_US: u64 = 3_600_000_000;

impl Intervals {
    /// Gaps given in microseconds. At least one, each at most
    /// [`MAX_GAP_US`], summing to more than zero (a file of zeros would
    /// send without end) and averaging at most
    /// [`MAX_REQUEST_RATE`](crate::limits::MAX_REQUEST_RATE); at most [`MAX_INTERVALS`].
    pub fn from_micros(gaps_us: &[u64]) -> Result<Intervals, String> {
        if gaps_us.is_empty() {
            return Err("no interval: give one gap in microseconds per line".into());
        }
        if gaps_us.len() > MAX_INTERVALS {
            return Err(format!("{} intervals, more than tritium's limit of {MAX_INTERVALS}", gaps_us.len()));
        }
        if let Some(g) = gaps_us.iter().find(|&&g| g > MAX_GAP_US) {
            return Err(format!("interval {g} µs is longer than tritium's limit of {MAX_GAP_US} µs (one hour)"));
        }
        if gaps_us.iter().all(|&g| g == 0) {
            return Err("every interval is 0: the requests would have no pace; give at least one gap > 0 µs".into());
        }
        let total_us: u128 = gaps_us.iter().map(|&g| u128::from(g)).sum();
        let mean_rate = gaps_us.len() as f64 * 1e6 / total_us as f64;
        if mean_rate > crate::limits::MAX_REQUEST_RATE {
            return Err(format!("the gaps average {mean_rate:.0} requests/s, above tritium's limit of {} requests/s", crate::limits::MAX_REQUEST_RATE));
        }
        let gaps_ns: Vec<u64> = gaps_us.iter().map(|g| g * 1000).collect();
        // Leaked on purpose: one schedule per process, shared by every `Copy` of the load mode.
        Ok(Intervals { gaps_ns: Box::leak(gaps_ns.into_boxed_slice()) })
    }

    /// Parses perf_analyzer's interval file: one whole number of
    /// microseconds per line (surrounding blanks and empty lines ignored;
    /// anything else is an error naming the line).
    pub fn parse(text: &str) -> Result<Intervals, String> {
        let mut gaps = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            let g: u64 = t.parse().map_err(|_| format!("line {}: {t:?} is not a whole number of microseconds", i + 1))?;
            gaps.push(g);
        }
        Self::from_micros(&gaps)
    }

    /// Reads and parses an interval file.
    pub fn read(path: &Path) -> Result<Intervals, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The gaps, ns.
    pub fn gaps_ns(&self) -> &'static [u64] {
        self.gaps_ns
    }

    /// The mean request rate the file describes, per second.
    pub fn mean_rate(&self) -> f64 {
        let total: u128 = self.gaps_ns.iter().map(|&g| u128::from(g)).sum();
        self.gaps_ns.len() as f64 * 1e9 / total as f64
    }

    /// The load mode that runs this schedule (its `rate` is the mean rate).
    pub fn load_mode(self) -> LoadMode {
        LoadMode::RequestRate { rate: self.mean_rate(), distribution: Distribution::Custom(self) }
    }
}

impl serde::Serialize for Intervals {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Intervals", 2)?;
        st.serialize_field("intervals", &self.gaps_ns.len())?;
        st.serialize_field("mean_rate", &self.mean_rate())?;
        st.end()
    }
}

/// One worker's open-loop schedule.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    kind: Kind,
    /// When the next send is due, ns on the generator's clock.
    next_ns: f64,
}

#[derive(Debug, Clone)]
enum Kind {
    /// A fixed gap, ns.
    Constant(f64),
    /// Exponential gaps of this rate per ns, and the RNG state.
    Poisson { rate_per_ns: f64, rng: u64 },
    /// The file's gaps; `index`: the global send number of the next send;
    /// `stride`: the number of workers.
    Custom { gaps: Intervals, index: u64, stride: u64 },
}

impl Schedule {
    /// Worker `worker`'s share (of `threads`) of `mode`'s schedule from
    /// `start_ns`; `None` for a closed loop (or a rate of zero).
    pub(crate) fn new(mode: LoadMode, worker: usize, threads: usize, seed: u64, start_ns: f64) -> Option<Schedule> {
        let LoadMode::RequestRate { rate, distribution } = mode else { return None };
        let threads = threads.max(1);
        if let Distribution::Custom(gaps) = distribution {
            let mut s = Schedule { kind: Kind::Custom { gaps, index: 0, stride: threads as u64 }, next_ns: start_ns };
            // Send k is due after the first k + 1 gaps.
            s.next_ns += s.custom_gaps(0, worker as u64 + 1);
            if let Kind::Custom { index, .. } = &mut s.kind {
                *index = worker as u64;
            }
            return Some(s);
        }
        if rate <= 0.0 {
            return None;
        }
        let per_worker = rate / threads as f64;
        // Stagger the workers' schedules evenly.
        let next_ns = start_ns + worker as f64 * 1e9 / rate;
        let kind = match distribution {
            Distribution::Poisson => Kind::Poisson { rate_per_ns: per_worker / 1e9, rng: seed | 1 },
            _ => Kind::Constant(1e9 / per_worker),
        };
        Some(Schedule { kind, next_ns })
    }

    /// When the next send is due, ns.
    pub(crate) fn next_ns(&self) -> f64 {
        self.next_ns
    }

    /// The due send happened (or was skipped): move to the one after.
    pub(crate) fn advance(&mut self) {
        let gap = match &mut self.kind {
            Kind::Constant(g) => *g,
            Kind::Poisson { rate_per_ns, rng } => {
                *rng = xorshift(*rng);
                let u = ((*rng >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
                -u.ln() / *rate_per_ns
            }
            Kind::Custom { index, stride, .. } => {
                let (from, n) = (*index + 1, *stride);
                *index += n;
                self.custom_gaps(from, n)
            }
        };
        self.next_ns += gap;
    }

    /// The sum of `n` of the file's gaps from global gap number `from` (cycled), ns.
    fn custom_gaps(&self, from: u64, n: u64) -> f64 {
        let Kind::Custom { gaps, .. } = &self.kind else { return 0.0 };
        let g = gaps.gaps_ns;
        let len = g.len() as u64;
        (from..from + n).map(|i| g[(i % len) as usize] as f64).sum()
    }
}

/// The generator's RNG step (xorshift64).
pub(crate) fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sends(mode: LoadMode, worker: usize, threads: usize, n: usize) -> Vec<f64> {
        let mut s = Schedule::new(mode, worker, threads, 7, 0.0).expect("open loop");
        (0..n)
            .map(|_| {
                let t = s.next_ns();
                s.advance();
                t
            })
            .collect()
    }

    #[test]
    fn the_file_is_parsed_as_perf_analyzer_writes_it() {
        let iv = Intervals::parse("100\n 250 \n\n1000\n").unwrap();
        assert_eq!(iv.gaps_ns(), &[100_000, 250_000, 1_000_000]);
        assert!((iv.mean_rate() - 3.0 / 1.35e-3).abs() < 1e-6, "{}", iv.mean_rate());
        assert!(matches!(iv.load_mode(), LoadMode::RequestRate { distribution: Distribution::Custom(_), .. }));
        for (bad, want) in [("", "no interval"), ("10\nabc\n", "line 2"), ("1.5", "line 1"), ("-3", "line 1"), ("0\n0\n", "every interval is 0"), ("3600000001", "one hour"), ("0\n0\n0\n0\n0\n0\n0\n0\n0\n0\n0\n1\n", "above tritium's limit")] {
            let e = Intervals::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad:?}: {e}");
        }
        let e = Intervals::read(Path::new("/nonexistent/iv.txt")).unwrap_err();
        assert!(e.contains("/nonexistent/iv.txt"), "{e}");
    }

    #[test]
    fn custom_sends_follow_the_gaps_cycled_whatever_the_thread_count() {
        let iv = Intervals::from_micros(&[100, 200, 700]).unwrap();
        // Send k is due after the first k + 1 gaps (cycled).
        let want: Vec<f64> = [100, 300, 1000, 1100, 1300, 2000, 2100, 2300, 3000].iter().map(|us| *us as f64 * 1000.0).collect();
        assert_eq!(sends(iv.load_mode(), 0, 1, 9), want);
        // Dealt to the workers in turn: together they send exactly the same times.
        for threads in [2, 3, 4] {
            let mut all: Vec<f64> = (0..threads).flat_map(|w| sends(iv.load_mode(), w, threads, 9)).collect();
            all.sort_by(f64::total_cmp);
            assert_eq!(&all[..9], &want[..], "{threads} threads");
        }
    }

    #[test]
    fn constant_and_poisson_schedules_keep_their_rate() {
        let constant = LoadMode::RequestRate { rate: 1000.0, distribution: Distribution::Constant };
        assert_eq!(sends(constant, 0, 1, 3), vec![0.0, 1e6, 2e6]);
        // Two workers: staggered by one gap, each at half the rate.
        assert_eq!(sends(constant, 1, 2, 2), vec![1e6, 3e6]);
        let poisson = LoadMode::RequestRate { rate: 1000.0, distribution: Distribution::Poisson };
        let n = 200_000;
        let last = sends(poisson, 0, 1, n + 1)[n];
        let mean_gap = last / n as f64;
        assert!((mean_gap - 1e6).abs() < 0.02e6, "mean gap {mean_gap} ns");
        assert!(Schedule::new(LoadMode::Concurrency(4), 0, 1, 0, 0.0).is_none());
    }
}
