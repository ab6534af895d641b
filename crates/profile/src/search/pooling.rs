//! Pooling repeated measurements of one point (issue 12): the pooled
//! estimate is the mean of the repeats, and its 95 % interval covers the
//! spread between them, so drift between repeats widens the interval instead
//! of hiding.

use tritium_bench::stats::ci::t_975;
use tritium_bench::stats::{Interval, LatencyIntervals};

use super::VariantMeasurement;

/// The pooled 95 % interval of a mean of repeats `values` (each with its own
/// within-run interval): centred on the mean `m̄` of the `k` values, each
/// side `max(t₀.₉₇₅(k−1) · s / √k, mean within-run half-width of that
/// side)`, `s` the standard deviation of the values. The first term is the
/// Student-t interval over the per-repeat point estimates (it sees drift and
/// run-to-run noise, which no single run's interval contains); the floor
/// keeps a pooled interval from ever claiming more precision than one run
/// showed (the within-run intervals are known to be optimistic: batch means
/// assume stationarity). None unless every repeat has an interval, or for
/// fewer than one value.
pub fn pooled_interval(values: &[f64], intervals: &[Option<Interval>]) -> Option<Interval> {
    let k = values.len();
    if k == 0 || intervals.len() != k || intervals.iter().any(Option::is_none) {
        return None;
    }
    let n = k as f64;
    let mean = values.iter().sum::<f64>() / n;
    let between = if k > 1 {
        let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        t_975(k as u64 - 1) * (var / n).sqrt()
    } else {
        0.0
    };
    let (mut lower, mut upper) = (0.0, 0.0);
    for (x, i) in values.iter().zip(intervals.iter().flatten()) {
        lower += (x - i.lo).max(0.0);
        upper += (i.hi - x).max(0.0);
    }
    Some(Interval::new(mean - between.max(lower / n), mean + between.max(upper / n)))
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// The pooled estimate of repeated measurements of one point (failed repeats
/// ignored): every metric is the mean of the repeats, every interval the
/// [`pooled_interval`] of that metric (None when a repeat has none); GPU
/// memory and RAM are means when every repeat has them. The keys (variant,
/// batch size, concurrency) are the last repeat's. None when no repeat is
/// valid; one valid repeat is returned as it is.
///
/// Assumption: the repeats are exchangeable measurements of one quantity
/// (the same point, no change in between other than noise). When the
/// target drifts between repeats they are not, and the pooled interval is
/// wide: that is the intent — a drifting point is not ranked as if known.
pub fn pool(repeats: &[VariantMeasurement]) -> Option<VariantMeasurement> {
    let valid: Vec<&VariantMeasurement> = repeats.iter().filter(|m| m.is_valid()).collect();
    let last = (*valid.last()?).clone();
    if valid.len() == 1 {
        return Some(last);
    }
    let values = |f: &dyn Fn(&VariantMeasurement) -> f64| -> Vec<f64> { valid.iter().map(|m| f(m)).collect() };
    let ci = |f: &dyn Fn(&VariantMeasurement) -> f64, i: &dyn Fn(&VariantMeasurement) -> Option<Interval>| -> Option<Interval> {
        pooled_interval(&values(f), &valid.iter().map(|m| i(m)).collect::<Vec<_>>())
    };
    let all = |f: &dyn Fn(&VariantMeasurement) -> Option<f64>| -> Option<f64> {
        let v: Option<Vec<f64>> = valid.iter().map(|m| f(m)).collect();
        v.map(|v| mean(&v))
    };
    Some(VariantMeasurement {
        throughput: mean(&values(&|m| m.throughput)),
        latency_p99_us: mean(&values(&|m| m.latency_p99_us)),
        latency_p95_us: mean(&values(&|m| m.latency_p95_us)),
        latency_p90_us: mean(&values(&|m| m.latency_p90_us)),
        latency_p50_us: mean(&values(&|m| m.latency_p50_us)),
        latency_avg_us: mean(&values(&|m| m.latency_avg_us)),
        gpu_memory_mb: all(&|m| m.gpu_memory_mb),
        cpu_ram_mb: all(&|m| m.cpu_ram_mb),
        throughput_ci: ci(&|m| m.throughput, &|m| m.throughput_ci),
        latency_ci: LatencyIntervals {
            avg: ci(&|m| m.latency_avg_us, &|m| m.latency_ci.avg),
            p50: ci(&|m| m.latency_p50_us, &|m| m.latency_ci.p50),
            p90: ci(&|m| m.latency_p90_us, &|m| m.latency_ci.p90),
            p95: ci(&|m| m.latency_p95_us, &|m| m.latency_ci.p95),
            p99: ci(&|m| m.latency_p99_us, &|m| m.latency_ci.p99),
        },
        gpu_memory_ci: match all(&|m| m.gpu_memory_mb) {
            Some(_) => ci(&|m| m.gpu_memory_mb.unwrap_or(0.0), &|m| m.gpu_memory_ci),
            None => None,
        },
        ..last
    })
}
