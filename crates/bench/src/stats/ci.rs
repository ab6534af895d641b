//! 95 % confidence intervals computed from the measurement itself: on a load
//! point's throughput and mean latency (batch means over sub-windows) and on
//! its latency percentiles (distribution-free order-statistic bounds).
//!
//! # Rates and means: batch means over sub-windows
//!
//! Each measurement window is cut into sub-windows (see
//! [`crate::loadgen::WindowAcc`]); the reported windows give `n` of them, each
//! with its successful requests `cᵢ`, their latency sum `sᵢ` and its length
//! `dᵢ`. The throughput `R = Σcᵢ·b / Σdᵢ` (b = batch size) and the mean latency
//! `M = Σsᵢ / Σcᵢ` are both ratios of sums, so both get the ratio estimator's
//! standard error over the sub-windows as batches ([`ratio_interval`]):
//!
//! ```text
//! SE(Σxᵢ/Σyᵢ) = sqrt( n/(n−1) · Σ(xᵢ − R·yᵢ)² ) / Σyᵢ      half-width = t₀.₉₇₅(n−1) · SE
//! ```
//!
//! With equal sub-window lengths this is exactly the classic batch-means
//! interval `t · s/√n` over the per-sub-window rates; unequal lengths (the
//! last sub-window of a window, count windows) are weighted by their length.
//! The Student-t quantile ([`t_975`]) is exact to 4 digits for every `n`
//! (a table up to 30 degrees of freedom, a Cornish–Fisher expansion above),
//! not the normal 1.96, so few batches give honestly wider intervals.
//!
//! Assumes the sub-window means are roughly independent and identically
//! distributed: the load is stationary over the reported windows and the
//! sub-windows are long compared with the model's correlation time (a
//! batch, a queue build-up). Wrong (too narrow) when the target drifts
//! (warming clocks, a growing queue, thermal throttling: the windows then
//! differ systematically, which the interval does not capture) or when
//! consecutive sub-windows are strongly autocorrelated (sub-windows not much
//! longer than one execution, or than the stalls of a noisy host). It
//! describes *this* measurement: a re-run on another day may differ by more.
//!
//! # Percentiles: order statistics
//!
//! For the q-quantile ξ of n independent latencies, with B ~ Binomial(n, q)
//! the number at or below ξ, `P(X₍ₗ₎ ≤ ξ ≤ X₍ᵤ₎) = P(l ≤ B ≤ u−1)`, whatever
//! the distribution. [`order_statistic_ranks`] picks the largest `l` with
//! `P(B ≤ l−1) ≤ 2.5 %` and the smallest `u` with `P(B ≥ u) ≤ 2.5 %` (exact
//! binomial sums up to [`EXACT_BINOMIAL_MAX_N`] samples, the normal
//! approximation rounded outwards above), the rule MLPerf LoadGen's early
//! stopping uses for tail latency. The bounds are read from the merged HDR
//! histogram of the reported windows (the bucket's low end for `l`, high end
//! for `u`, so the histogram's 0.1 % resolution only widens them). When n is
//! too small for a rank to exist (p99 needs ≥ 367 samples for an upper
//! bound) the interval is not given. Assumes independent latencies; in a
//! closed loop consecutive latencies are correlated (a slow execution
//! delays the requests queued behind it), which makes the true coverage
//! somewhat lower than 95 % for the same reasons as above.

use serde::{Deserialize, Serialize};

use super::{Interval, LatencyHistogram, LatencySummary};

/// Two-sided 95 %: the upper 97.5 % quantile of the standard normal.
pub const Z_975: f64 = 1.959_963_984_540_054;

/// Above this many samples the order-statistic ranks use the normal
/// approximation to the binomial (rounded outwards) instead of exact sums.
pub const EXACT_BINOMIAL_MAX_N: u64 = 200_000;

/// Student-t 97.5 % quantiles for 1..=30 degrees of freedom.
const T_975: [f64; 30] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
    2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/// The 97.5 % quantile of Student's t with `df` degrees of freedom (the
/// multiplier of a two-sided 95 % interval); infinite for `df == 0`.
///
/// A table for `df ≤ 30`; above, the Cornish–Fisher expansion in `1/df`
/// around the normal quantile (error < 1e-4 at df = 31, decreasing).
pub fn t_975(df: u64) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= 30 {
        return T_975[df as usize - 1];
    }
    let z = Z_975;
    let v = df as f64;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    let g1 = (z3 + z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    z + g1 / v + g2 / (v * v) + g3 / v.powi(3) + g4 / v.powi(4)
}

/// A ratio of sums over batches and the half-width of its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioEstimate {
    /// `Σxᵢ / Σyᵢ`.
    pub estimate: f64,
    /// `t₀.₉₇₅(n−1) × SE` (see the module docs).
    pub half_width: f64,
    /// Number of batches `n`.
    pub batches: usize,
}

/// Batch-means interval of the ratio `Σ num / Σ den` over `n` batches
/// `(numᵢ, denᵢ)` (see the module docs); `None` with fewer than 2 batches,
/// mismatched lengths, a non-positive `Σ den` or a non-finite value.
pub fn ratio_interval(num: &[f64], den: &[f64]) -> Option<RatioEstimate> {
    let n = num.len();
    if n < 2 || den.len() != n || num.iter().chain(den).any(|v| !v.is_finite()) {
        return None;
    }
    let (sx, sy) = (num.iter().sum::<f64>(), den.iter().sum::<f64>());
    if sy <= 0.0 {
        return None;
    }
    let r = sx / sy;
    let ss: f64 = num.iter().zip(den).map(|(x, y)| (x - r * y).powi(2)).sum();
    let se = (n as f64 / (n - 1) as f64 * ss).sqrt() / sy;
    Some(RatioEstimate { estimate: r, half_width: t_975(n as u64 - 1) * se, batches: n })
}

/// Batch-means interval of the plain mean of `values` (each value one batch
/// mean): `mean ± t₀.₉₇₅(n−1)·s/√n`.
pub fn mean_interval(values: &[f64]) -> Option<RatioEstimate> {
    ratio_interval(values, &vec![1.0; values.len()])
}

/// Calls `f(k, ln pmf(k))` for k = 0..=n of Binomial(n, q) until it returns
/// false; log space keeps it stable for any n
/// (`ln pmf(k+1) = ln pmf(k) + ln((n−k)/(k+1)) + ln(q/(1−q))`).
fn walk_log_pmf(n: u64, q: f64, mut f: impl FnMut(u64, f64) -> bool) {
    let odds = q.ln() - (1.0 - q).ln();
    let mut l = n as f64 * (1.0 - q).ln();
    for k in 0..=n {
        if !f(k, l) {
            return;
        }
        if k < n {
            l += ((n - k) as f64 / (k + 1) as f64).ln() + odds;
        }
    }
}

/// The exact ranks of [`order_statistic_ranks`], with `tail` on each side.
fn exact_ranks(n: u64, q: f64, tail: f64) -> (Option<u64>, Option<u64>) {
    let mut max = f64::NEG_INFINITY;
    walk_log_pmf(n, q, |_, l| {
        max = max.max(l);
        true
    });
    let mut total = 0.0;
    walk_log_pmf(n, q, |_, l| {
        total += (l - max).exp();
        true
    });
    // Largest l with F(l−1) ≤ tail; smallest u with F(u−1) ≥ 1 − tail.
    let (mut lo, mut hi) = (None, None);
    let mut cdf = 0.0;
    walk_log_pmf(n, q, |k, l| {
        // Before adding pmf(k), cdf = F(k−1): rank k is a valid lower bound if ≤ tail.
        if k >= 1 && cdf <= tail {
            lo = Some(k);
        }
        cdf += (l - max).exp() / total;
        // Now cdf = F(k): rank k+1 is a valid upper bound if ≥ 1 − tail.
        if cdf >= 1.0 - tail && k < n {
            hi = Some(k + 1);
            return false;
        }
        true
    });
    (lo, hi)
}

fn normal_ranks(n: u64, q: f64) -> (Option<u64>, Option<u64>) {
    let (nq, sd) = (n as f64 * q, (n as f64 * q * (1.0 - q)).sqrt());
    let l = (nq - Z_975 * sd).floor();
    let u = (nq + Z_975 * sd).ceil() + 1.0;
    ((l >= 1.0).then_some(l as u64), (u <= n as f64).then_some(u as u64))
}

/// 1-based ranks `(l, u)` of the order statistics bounding the `q`-quantile
/// of `n` samples with ≥ 95 % confidence (≤ 2.5 % on each side; see the
/// module docs), each `None` when `n` is too small for it to exist.
///
/// Exact binomial sums for `n ≤` [`EXACT_BINOMIAL_MAX_N`]; above, the normal
/// approximation `l = ⌊nq − z·σ⌋`, `u = ⌈nq + z·σ⌉ + 1` (σ² = nq(1−q)),
/// which is at least as wide as the exact ranks there.
pub fn order_statistic_ranks(n: u64, q: f64) -> (Option<u64>, Option<u64>) {
    if n == 0 || !(q > 0.0 && q < 1.0) {
        return (None, None);
    }
    if n <= EXACT_BINOMIAL_MAX_N {
        exact_ranks(n, q, 0.025)
    } else {
        normal_ranks(n, q)
    }
}

/// [`order_statistic_ranks`] computed exactly whatever `n` (the tests
/// compare the approximation with it).
pub fn exact_order_statistic_ranks(n: u64, q: f64) -> (Option<u64>, Option<u64>) {
    if n == 0 || !(q > 0.0 && q < 1.0) {
        return (None, None);
    }
    exact_ranks(n, q, 0.025)
}

/// The 95 % interval of the `q`-quantile of the latencies in `h`, in µs:
/// the low end of the bucket of rank `l` to the high end of the bucket of
/// rank `u` ([`order_statistic_ranks`]), widened to contain `estimate_us`
/// (the reported percentile); `None` when either rank does not exist.
pub fn percentile_interval(h: &LatencyHistogram, q: f64, estimate_us: f64) -> Option<Interval> {
    let (Some(l), Some(u)) = order_statistic_ranks(h.count(), q) else {
        return None;
    };
    let (lo, _) = h.bucket_at_rank(l)?;
    let (_, hi) = h.bucket_at_rank(u)?;
    let (lo, hi) = (lo as f64 / 1e3, hi as f64 / 1e3);
    Some(Interval::new(lo.min(estimate_us), hi.max(estimate_us)))
}

/// What one sub-window of a measurement window recorded (see
/// [`crate::loadgen::WindowAcc`]): the batches of the batch means.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SubWindow {
    /// Successful requests.
    pub ok: u64,
    /// Sum of their latencies (ns).
    pub latency_ns: f64,
    /// Length of the sub-window (s).
    pub seconds: f64,
}

/// The 95 % interval of the throughput `estimate` (inferences/s) from the
/// sub-windows of the reported windows, centred on `estimate` with the
/// batch-means half-width of `Σ ok·batch / Σ seconds`. `None` with fewer
/// than 2 sub-windows.
pub fn throughput_interval(subs: &[SubWindow], batch_size: u32, estimate: f64) -> Option<Interval> {
    let subs: Vec<&SubWindow> = subs.iter().filter(|s| s.seconds > 0.0).collect();
    let num: Vec<f64> = subs.iter().map(|s| s.ok as f64 * f64::from(batch_size)).collect();
    let den: Vec<f64> = subs.iter().map(|s| s.seconds).collect();
    let r = ratio_interval(&num, &den)?;
    Some(Interval::new((estimate - r.half_width).max(0.0), estimate + r.half_width))
}

/// The 95 % interval of the mean latency `estimate_us` from the
/// sub-windows (those with a successful request), centred on the estimate
/// with the batch-means half-width of `Σ latency / Σ ok`. `None` with fewer
/// than 2 such sub-windows.
pub fn mean_latency_interval(subs: &[SubWindow], estimate_us: f64) -> Option<Interval> {
    let subs: Vec<&SubWindow> = subs.iter().filter(|s| s.ok > 0).collect();
    let num: Vec<f64> = subs.iter().map(|s| s.latency_ns / 1e3).collect();
    let den: Vec<f64> = subs.iter().map(|s| s.ok as f64).collect();
    let r = ratio_interval(&num, &den)?;
    Some(Interval::new((estimate_us - r.half_width).max(0.0), estimate_us + r.half_width))
}

/// 95 % intervals of a load point's client-side latency figures (µs);
/// each `None` when the measurement was too small for it (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LatencyIntervals {
    /// Mean latency (batch means over sub-windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg: Option<Interval>,
    /// Median (order statistics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50: Option<Interval>,
    /// 90th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90: Option<Interval>,
    /// 95th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95: Option<Interval>,
    /// 99th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<Interval>,
}

impl LatencyIntervals {
    /// The intervals of `summary` (made from `h`) given the sub-windows;
    /// `None` when nothing was measured or no interval exists.
    pub fn compute(subs: &[SubWindow], h: &LatencyHistogram, summary: &LatencySummary) -> Option<LatencyIntervals> {
        if !summary.measured() {
            return None;
        }
        let out = LatencyIntervals {
            avg: mean_latency_interval(subs, summary.avg_us),
            p50: percentile_interval(h, 0.50, summary.p50_us),
            p90: percentile_interval(h, 0.90, summary.p90_us),
            p95: percentile_interval(h, 0.95, summary.p95_us),
            p99: percentile_interval(h, 0.99, summary.p99_us),
        };
        (out != LatencyIntervals::default()).then_some(out)
    }
}

#[cfg(test)]
mod tests;
