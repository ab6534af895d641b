//! Sweep arithmetic shared by the strategies: Model Analyzer's doubled lists
//! and its early-exit gain rules (with intervals: stop only on a significant
//! shortfall), and tritium's saturation stop ([`saturated`], intervals only).

use tritium_bench::stats::Interval;

use crate::config::{Metric, Objectives};

use super::VariantMeasurement;

/// `GeneratorUtils.generate_doubled_list`: `min, 2min, 4min, ... <= max`
/// (starting at 1 when `min` is 0).
pub fn doubled_list(min: u32, max: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut v = if min == 0 { 1 } else { min };
    while v <= max {
        out.push(v);
        match v.checked_mul(2) {
            Some(n) => v = n,
            None => break,
        }
    }
    out
}

pub(super) fn floor_log2(v: u32) -> u32 {
    31 - v.max(1).leading_zeros()
}

/// `PerfAnalyzerConfigGenerator.throughput_gain_valid_helper`: true while
/// fewer than `min_tries` points exist, else when
/// `(max(last) - first(last)) / first(last) > min_gain` over the last
/// `min_tries` throughputs. (A first throughput of 0 counts as infinite gain
/// if any later point is positive; Model Analyzer would divide by zero.)
pub fn throughput_gain_valid(throughputs: &[f64], min_tries: usize, min_gain: f64) -> bool {
    if min_tries == 0 || throughputs.len() < min_tries {
        return true;
    }
    let window = &throughputs[throughputs.len() - min_tries..];
    let first = window[0];
    let best = window.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if first == 0.0 {
        return best > 0.0;
    }
    (best - first) / first > min_gain
}

/// `BaseModelConfigGenerator._last_results_increased_throughput`: true with
/// fewer than 2 values, else when the last exceeds every earlier one.
pub fn last_increased_throughput(max_throughputs: &[f64]) -> bool {
    match max_throughputs.split_last() {
        Some((last, earlier)) if !earlier.is_empty() => earlier.iter().all(|p| last > p),
        _ => true,
    }
}

/// A throughput with its 95 % interval (None: unknown).
pub type ThroughputCi = (f64, Option<tritium_bench::stats::Interval>);

/// [`throughput_gain_valid`] on throughputs with intervals (issue 12). Where
/// Model Analyzer's rule stops (the window's best gains at most `min_gain`
/// over its first) and both points carry an interval, the walk goes on when
/// the gain is real but its shortfall is not: the best is significantly
/// above the first, and not significantly below `(1 + min_gain) · first`
/// (the two facing half-widths combined in quadrature, `first`'s scaled by
/// `1 + min_gain`; see [`significantly_different`](super::significantly_different)).
/// So a rising sweep is not ended by a noisy point, while a window with no
/// significant gain at all (a plateau) still stops as in Model Analyzer.
/// Never stops where Model Analyzer's rule goes on. Without both intervals:
/// exactly [`throughput_gain_valid`].
pub fn throughput_gain_valid_ci(points: &[ThroughputCi], min_tries: usize, min_gain: f64) -> bool {
    let values: Vec<f64> = points.iter().map(|p| p.0).collect();
    if throughput_gain_valid(&values, min_tries, min_gain) {
        return true;
    }
    // Model Analyzer would stop here; with intervals, only on evidence.
    let window = &points[points.len() - min_tries..];
    let first = window[0];
    let best = window.iter().copied().fold(first, |a, p| if p.0 > a.0 { p } else { a });
    match (first.1, best.1) {
        (Some(fi), Some(_)) if first.0 > 0.0 => {
            let scale = 1.0 + min_gain;
            let target = Interval::new(fi.lo * scale, fi.hi * scale);
            let gained = best.0 > first.0 && super::significantly_different(best.0, best.1, first.0, first.1);
            gained && !super::significantly_different(best.0, best.1, first.0 * scale, Some(target))
        }
        _ => false,
    }
}

/// [`last_increased_throughput`] on throughputs with intervals (issue 12):
/// the walk stops only when an earlier value is **significantly** above the
/// last (for each pair where both carry an interval; a pair without
/// intervals compares point values as Model Analyzer does), so a plateau
/// within the noise keeps the walk going.
pub fn last_increased_throughput_ci(max_throughputs: &[ThroughputCi]) -> bool {
    match max_throughputs.split_last() {
        Some((last, earlier)) if !earlier.is_empty() => earlier.iter().all(|p| {
            if last.0 > p.0 {
                return true;
            }
            match (last.1, p.1) {
                (Some(_), Some(_)) => !super::significantly_different(last.0, last.1, p.0, p.1),
                _ => false,
            }
        }),
        _ => true,
    }
}

/// The latency metrics [`saturated`] watches: p99, and every latency
/// objective with a positive weight.
fn watched_latencies(objectives: &Objectives) -> Vec<Metric> {
    let mut out = vec![Metric::PerfLatencyP99];
    for (metric, weight) in objectives.normalized() {
        let latency = matches!(metric, Metric::PerfLatencyP99 | Metric::PerfLatencyP95 | Metric::PerfLatencyP90 | Metric::PerfLatencyP50 | Metric::PerfLatencyAvg);
        if latency && weight > 0.0 && !out.contains(&metric) {
            out.push(metric);
        }
    }
    out
}

/// Issue 13's saturation stop of a concurrency sweep (a tritium rule, used
/// only with intervals): `cur`, measured at the next concurrency after
/// `prev`, did not raise throughput beyond the uncertainty (its throughput
/// is not significantly above `prev`'s, [`significantly_different`](super::significantly_different)
/// on the two 95 % intervals) **and** a watched latency (p99, or a latency
/// objective) rose significantly. More concurrency then only queues: later
/// points cannot be significantly better on throughput and are worse on
/// latency, so they cannot change the answer. Returns the reason, or None
/// (always None when either point lacks a throughput interval, or is
/// invalid: Model Analyzer's rule alone decides then).
pub fn saturated(objectives: &Objectives, prev: &VariantMeasurement, cur: &VariantMeasurement) -> Option<String> {
    if !prev.is_valid() || !cur.is_valid() {
        return None;
    }
    let (Some(pi), Some(ci)) = (prev.throughput_ci, cur.throughput_ci) else { return None };
    if cur.throughput > prev.throughput && super::significantly_different(cur.throughput, Some(ci), prev.throughput, Some(pi)) {
        return None;
    }
    let rose = watched_latencies(objectives).into_iter().find(|&metric| {
        match (prev.metric(metric), prev.metric_interval(metric), cur.metric(metric), cur.metric_interval(metric)) {
            (Some(a), Some(ai), Some(b), Some(bi)) => b > a && super::significantly_different(b, Some(bi), a, Some(ai)),
            _ => false,
        }
    })?;
    let (a, b) = (prev.metric(rose).unwrap_or(0.0), cur.metric(rose).unwrap_or(0.0));
    Some(format!(
        "throughput stopped growing beyond its 95 % interval ({:.1} [{:.1}, {:.1}] infer/s at concurrency {} vs {:.1} [{:.1}, {:.1}] at {}) while {} rose significantly ({a:.2} -> {b:.2} ms)",
        cur.throughput, ci.lo, ci.hi, cur.concurrency, prev.throughput, pi.lo, pi.hi, prev.concurrency, rose.name()
    ))
}
