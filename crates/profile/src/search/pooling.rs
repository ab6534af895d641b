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
    with_floor(values, intervals, |mean, k| {
        if k < 2 {
            return 0.0;
        }
        let n = k as f64;
        let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        t_975(k as u64 - 1) * (var / n).sqrt()
    })
}

/// The interval centred on the mean of `values` whose sides are
/// `max(between(mean, k), mean within-run half-width of that side)`; None
/// unless every value has an interval, or without values.
fn with_floor(values: &[f64], intervals: &[Option<Interval>], between: impl Fn(f64, usize) -> f64) -> Option<Interval> {
    let k = values.len();
    if k == 0 || intervals.len() != k || intervals.iter().any(Option::is_none) {
        return None;
    }
    let n = k as f64;
    let m = mean(values);
    let b = between(m, k);
    let (mut lower, mut upper) = (0.0, 0.0);
    for (x, i) in values.iter().zip(intervals.iter().flatten()) {
        lower += (x - i.lo).max(0.0);
        upper += (i.hi - x).max(0.0);
    }
    Some(Interval::new(m - b.max(lower / n), m + b.max(upper / n)))
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
    pool_by(repeats, &|_, values, intervals| pooled_interval(values, intervals))
}

/// The metrics of a measurement that carry intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Throughput,
    LatencyAvg,
    LatencyP50,
    LatencyP90,
    LatencyP95,
    LatencyP99,
    GpuMemory,
}

impl Metric {
    const ALL: [Metric; 7] = [Metric::Throughput, Metric::LatencyAvg, Metric::LatencyP50, Metric::LatencyP90, Metric::LatencyP95, Metric::LatencyP99, Metric::GpuMemory];

    /// The metric's value and interval in `m` (GPU memory: None without a reading).
    fn of(self, m: &VariantMeasurement) -> (Option<f64>, Option<Interval>) {
        match self {
            Metric::Throughput => (Some(m.throughput), m.throughput_ci),
            Metric::LatencyAvg => (Some(m.latency_avg_us), m.latency_ci.avg),
            Metric::LatencyP50 => (Some(m.latency_p50_us), m.latency_ci.p50),
            Metric::LatencyP90 => (Some(m.latency_p90_us), m.latency_ci.p90),
            Metric::LatencyP95 => (Some(m.latency_p95_us), m.latency_ci.p95),
            Metric::LatencyP99 => (Some(m.latency_p99_us), m.latency_ci.p99),
            Metric::GpuMemory => (m.gpu_memory_mb, m.gpu_memory_ci),
        }
    }
}

/// How [`pool_by`] gets a metric's pooled interval from its values and within-run intervals.
type IntervalOf<'a> = &'a dyn Fn(Metric, &[f64], &[Option<Interval>]) -> Option<Interval>;

/// [`pool`] with the interval of each metric from `interval(metric, values, intervals)`.
fn pool_by(repeats: &[VariantMeasurement], interval: IntervalOf<'_>) -> Option<VariantMeasurement> {
    let valid: Vec<&VariantMeasurement> = repeats.iter().filter(|m| m.is_valid()).collect();
    let last = (*valid.last()?).clone();
    if valid.len() == 1 {
        return Some(last);
    }
    let values = |f: &dyn Fn(&VariantMeasurement) -> f64| -> Vec<f64> { valid.iter().map(|m| f(m)).collect() };
    let ci = |metric: Metric| -> Option<Interval> {
        let v: Option<Vec<f64>> = valid.iter().map(|m| metric.of(m).0).collect();
        interval(metric, &v?, &valid.iter().map(|m| metric.of(m).1).collect::<Vec<_>>())
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
        throughput_ci: ci(Metric::Throughput),
        latency_ci: LatencyIntervals {
            avg: ci(Metric::LatencyAvg),
            p50: ci(Metric::LatencyP50),
            p90: ci(Metric::LatencyP90),
            p95: ci(Metric::LatencyP95),
            p99: ci(Metric::LatencyP99),
        },
        gpu_memory_ci: ci(Metric::GpuMemory),
        ..last
    })
}

/// The spread between repeats that several points share: the relative
/// standard deviation of each point's repeats about its own mean, pooled
/// over the points, `s² = Σᵢ Σⱼ (xᵢⱼ / x̄ᵢ − 1)² / Σᵢ (kᵢ − 1)`, with
/// `Σᵢ (kᵢ − 1)` degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharedSpread {
    /// `s`, relative to each point's mean.
    pub rel_sd: f64,
    /// Degrees of freedom.
    pub df: u64,
}

impl SharedSpread {
    /// From each point's repeated values of one metric; None without a
    /// degree of freedom or with a zero mean.
    pub fn of(groups: &[Vec<f64>]) -> Option<SharedSpread> {
        let (mut ss, mut df) = (0.0, 0u64);
        for g in groups.iter().filter(|g| g.len() > 1) {
            let m = mean(g);
            if m == 0.0 || !m.is_finite() {
                return None;
            }
            ss += g.iter().map(|x| (x / m - 1.0).powi(2)).sum::<f64>();
            df += g.len() as u64 - 1;
        }
        (df > 0).then(|| SharedSpread { rel_sd: (ss / df as f64).sqrt(), df })
    }
}

/// [`pooled_interval`] with the between-repeat term from a spread shared
/// with other points: `t₀.₉₇₅(df) · s · |m̄| / √k` (same floor). Pooling the
/// spread over the contenders of one decision gives a usable interval from
/// two repeats each (t with 2 degrees of freedom is 4.30; one point's own two
/// repeats would give 12.7). Assumes the contenders' repeats spread alike
/// relative to their means — the same load-to-load noise.
pub fn pooled_interval_shared(values: &[f64], intervals: &[Option<Interval>], spread: SharedSpread) -> Option<Interval> {
    with_floor(values, intervals, |mean, k| t_975(spread.df) * spread.rel_sd * mean.abs() / (k as f64).sqrt())
}

/// The pooled estimates of several points' repeats, each metric's interval
/// from the spread the points share ([`SharedSpread`], [`pooled_interval_shared`]);
/// a metric without a shared spread (one repeat each) falls back to
/// [`pooled_interval`]. None when a point has no valid repeat.
pub fn pool_shared(groups: &[Vec<VariantMeasurement>]) -> Option<Vec<VariantMeasurement>> {
    let valid: Vec<Vec<&VariantMeasurement>> = groups.iter().map(|g| g.iter().filter(|m| m.is_valid()).collect()).collect();
    let spreads: Vec<(Metric, Option<SharedSpread>)> = Metric::ALL
        .iter()
        .map(|&metric| {
            let values: Option<Vec<Vec<f64>>> = valid.iter().map(|g| g.iter().map(|m| metric.of(m).0).collect()).collect();
            (metric, values.and_then(|v| SharedSpread::of(&v)))
        })
        .collect();
    let interval = |metric: Metric, values: &[f64], intervals: &[Option<Interval>]| -> Option<Interval> {
        match spreads.iter().find(|(m, _)| *m == metric).and_then(|(_, s)| *s) {
            Some(spread) => pooled_interval_shared(values, intervals, spread),
            None => pooled_interval(values, intervals),
        }
    };
    groups.iter().map(|g| pool_by(g, &interval)).collect()
}
