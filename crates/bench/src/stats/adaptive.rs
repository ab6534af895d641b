//! The adaptive stop rule's arithmetic: which windows make a load point
//! (every window after the warm-up, less a leading transient:
//! [`trim_leading_transient`]) and whether its intervals are tight enough
//! ([`Precision`]). The engine (`crate::engine`) applies it after each
//! window; see `docs/statistics.md`, "Adaptive measurement".

use super::{Interval, WindowSample, STABILITY_WINDOW};

/// How many leading windows to drop before the point is made of the rest.
///
/// The reference is the mean throughput `m` of the last
/// [`STABILITY_WINDOW`] (3) windows, the ones perf_analyzer's stability rule
/// judges. Leading windows whose throughput differs from `m` by more than
/// the tolerance are dropped, up to the first one within it; later windows
/// all stay (a dip in the middle is noise the interval must show, not a
/// transient). The last 3 windows always stay, so the point is never smaller
/// than perf_analyzer's. A zero or non-finite reference drops nothing.
///
/// The tolerance is `stability_pct` % of `m`, or 3 standard deviations of
/// the throughput of the later half of the windows when that is larger: on
/// a target whose windows scatter by more than the stability threshold
/// anyway, a transient must stand out of that scatter, or half the point
/// would be thrown away at random.
pub fn trim_leading_transient(samples: &[WindowSample], stability_pct: f64) -> usize {
    let n = samples.len();
    if n <= STABILITY_WINDOW {
        return 0;
    }
    let last = &samples[n - STABILITY_WINDOW..];
    let m = last.iter().map(|s| s.throughput).sum::<f64>() / STABILITY_WINDOW as f64;
    if !(m.is_finite() && m > 0.0) {
        return 0;
    }
    let later: Vec<f64> = samples[n - (n / 2).max(STABILITY_WINDOW)..].iter().map(|s| s.throughput).collect();
    let mean = later.iter().sum::<f64>() / later.len() as f64;
    let sd = (later.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (later.len() - 1) as f64).sqrt();
    let tol = (stability_pct / 100.0 * m).max(if sd.is_finite() { 3.0 * sd } else { 0.0 });
    samples[..n - STABILITY_WINDOW].iter().take_while(|s| !s.throughput.is_finite() || (s.throughput - m).abs() > tol).count()
}

/// The larger side of `ci` around `estimate` as a percentage of the
/// estimate (`±3.0` → 3.0): the "±" the terminal shows. Infinite for a
/// zero or non-finite estimate.
pub fn relative_half_width_pct(estimate: f64, ci: Interval) -> f64 {
    if !(estimate.is_finite() && estimate > 0.0) {
        return f64::INFINITY;
    }
    100.0 * (estimate - ci.lo).max(ci.hi - estimate).max(0.0) / estimate
}

/// How tight a load point's intervals are, in percent of their estimates
/// ([`relative_half_width_pct`]); `None` where the interval does not exist
/// (too few sub-windows, too few latencies for the percentile's ranks).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Precision {
    /// The throughput interval's relative half-width.
    pub throughput_pct: Option<f64>,
    /// The relative half-width of the stabilising latency percentile's
    /// interval (`--percentile`), `None` when no percentile is set or it
    /// has no interval yet.
    pub latency_pct: Option<f64>,
    /// The percentile `latency_pct` is about, when one is set.
    pub percentile: Option<u32>,
    /// The throughput interval's upper bound (infer/s), when it exists.
    pub throughput_hi: Option<f64>,
}

impl Precision {
    /// Whether every interval the rule looks at exists and is within
    /// `target_pct`: the throughput's, and the percentile's when one is set.
    pub fn meets(&self, target_pct: f64) -> bool {
        let ok = |v: Option<f64>| v.is_some_and(|v| v <= target_pct);
        ok(self.throughput_pct) && (self.percentile.is_none() || ok(self.latency_pct))
    }

    /// Whether the throughput interval lies entirely below `bound` (infer/s):
    /// the point is decided against an incumbent it cannot tie with
    /// ([`BenchConfig::decided_below`](crate::BenchConfig::decided_below)).
    pub fn decided_below(&self, bound: Option<f64>) -> bool {
        matches!((self.throughput_hi, bound), (Some(hi), Some(b)) if hi < b)
    }

    /// "throughput ±7.4 %, p99 latency ±2.0 %" (or "no interval" for a
    /// missing one), for the noisy-point warning.
    pub fn describe(&self) -> String {
        let f = |v: Option<f64>| match v {
            Some(v) if v.is_finite() => format!("±{v:.1} %"),
            _ => "no interval".to_string(),
        };
        let mut s = format!("throughput {}", f(self.throughput_pct));
        if let Some(p) = self.percentile {
            s += &format!(", p{p} latency {}", f(self.latency_pct));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tput(v: &[f64]) -> Vec<WindowSample> {
        v.iter().map(|&t| WindowSample { throughput: t, avg_latency_us: 1.0, p99_latency_us: 1.0 }).collect()
    }

    #[test]
    fn leading_transient_is_trimmed_and_the_rest_kept() {
        // Warm-up tail: 50, 80 far from the last-3 mean of 100; 95 is within 10 %.
        assert_eq!(trim_leading_transient(&tput(&[50.0, 80.0, 95.0, 130.0, 100.0, 99.0, 101.0]), 10.0), 2);
        // A dip in the middle stays (only leading windows go).
        assert_eq!(trim_leading_transient(&tput(&[100.0, 60.0, 100.0, 100.0, 100.0]), 10.0), 0);
        // The last 3 always stay, even when every earlier window is off.
        assert_eq!(trim_leading_transient(&tput(&[1.0, 1.0, 1.0, 100.0, 100.0, 100.0]), 10.0), 3);
        // Three windows or fewer: nothing to trim; a zero reference trims nothing.
        assert_eq!(trim_leading_transient(&tput(&[1.0, 100.0, 100.0]), 10.0), 0);
        assert_eq!(trim_leading_transient(&tput(&[5.0, 0.0, 0.0, 0.0]), 10.0), 0);
        // A failed (zero) leading window is a transient.
        assert_eq!(trim_leading_transient(&tput(&[0.0, 100.0, 100.0, 100.0]), 10.0), 1);
        // Windows scattering by ±25 % anyway: a leading window 20 % off is not a
        // transient (3 sd of the later half is the tolerance), one 300 % off is.
        let noisy = [120.0, 75.0, 125.0, 80.0, 120.0, 75.0, 125.0, 100.0, 100.0, 100.0];
        assert_eq!(trim_leading_transient(&tput(&noisy), 10.0), 0);
        let mut with_transient = vec![400.0];
        with_transient.extend_from_slice(&noisy);
        assert_eq!(trim_leading_transient(&tput(&with_transient), 10.0), 1);
    }

    #[test]
    fn relative_half_width_takes_the_larger_side() {
        assert!((relative_half_width_pct(100.0, Interval::new(97.0, 103.0)) - 3.0).abs() < 1e-12);
        assert!((relative_half_width_pct(100.0, Interval::new(99.0, 108.0)) - 8.0).abs() < 1e-12);
        assert!((relative_half_width_pct(100.0, Interval::new(90.0, 101.0)) - 10.0).abs() < 1e-12);
        assert!(relative_half_width_pct(0.0, Interval::new(0.0, 1.0)).is_infinite());
    }

    #[test]
    fn a_point_is_decided_only_when_its_whole_interval_is_below_the_bound() {
        let p = Precision { throughput_pct: Some(20.0), throughput_hi: Some(900.0), ..Precision::default() };
        assert!(p.decided_below(Some(1000.0)));
        assert!(!p.decided_below(Some(900.0)), "an upper bound equal to the incumbent's lower bound may still tie");
        assert!(!p.decided_below(None));
        assert!(!Precision::default().decided_below(Some(1000.0)), "no interval, nothing decided");
    }

    #[test]
    fn precision_needs_every_interval_it_looks_at() {
        let p = Precision { throughput_pct: Some(2.0), latency_pct: None, percentile: None, throughput_hi: None };
        assert!(p.meets(3.0) && !p.meets(1.5));
        assert!(!Precision::default().meets(3.0), "no interval is not precise");
        let q = Precision { throughput_pct: Some(2.0), latency_pct: None, percentile: Some(99), throughput_hi: None };
        assert!(!q.meets(3.0), "the percentile's interval is missing");
        let r = Precision { latency_pct: Some(2.9), ..q };
        assert!(r.meets(3.0) && !Precision { latency_pct: Some(3.1), ..r }.meets(3.0));
        assert_eq!(Precision { throughput_pct: Some(7.44), latency_pct: None, percentile: Some(99), throughput_hi: None }.describe(), "throughput ±7.4 %, p99 latency no interval");
    }
}
