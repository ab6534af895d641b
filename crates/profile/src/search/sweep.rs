//! Sweep arithmetic shared by the strategies: Model Analyzer's doubled lists
//! and its early-exit gain rules.

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
