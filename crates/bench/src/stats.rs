//! Latency statistics and measurement-window stability.
//!
//! - [`LatencyHistogram`]: an HDR histogram of request latencies in
//!   nanoseconds, recorded per worker thread without locks and merged at the
//!   end of a measurement window.
//! - [`LatencySummary`]: the numbers we report (microseconds, like
//!   perf_analyzer).
//! - [`is_stable`] / [`stability_report`]: perf_analyzer's rule for deciding
//!   that the last measurement windows agree with each other.

use serde::{Deserialize, Serialize};

/// Lowest latency the histogram distinguishes, in nanoseconds.
pub const HISTOGRAM_LOW_NS: u64 = 1;
/// Highest latency the histogram tracks (600 s), in nanoseconds. Larger
/// values are clamped to it and counted in [`LatencyHistogram::saturated`].
pub const HISTOGRAM_HIGH_NS: u64 = 600_000_000_000;
/// Significant decimal digits the histogram keeps (relative error ≤ 0.1 %).
pub const HISTOGRAM_SIGFIG: u8 = 3;

/// Number of consecutive windows that must agree, as in perf_analyzer
/// (`load_parameters_.stability_window = 3` in `InferenceProfiler`).
pub const STABILITY_WINDOW: usize = 3;

/// Latency histogram in nanoseconds (1 ns .. 600 s, 3 significant digits).
///
/// Besides the HDR histogram (used for quantiles) it keeps the exact count,
/// minimum, maximum, mean and variance (Welford/Chan running moments), so
/// `min_ns`, `max_ns`, `mean_ns` and `stdev_ns` are not subject to the
/// histogram's bucket rounding. Values above [`HISTOGRAM_HIGH_NS`] are
/// clamped to it everywhere (histogram and moments) and counted in
/// `saturated`.
///
/// Meant to be owned by one worker thread, then [`merge`](Self::merge)d into
/// a window total: no locks, no allocation on [`record`](Self::record).
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    hist: hdrhistogram::Histogram<u64>,
    /// Number of recorded values that exceeded [`HISTOGRAM_HIGH_NS`] and were
    /// clamped to it.
    pub saturated: u64,
    count: u64,
    min: u64,
    max: u64,
    mean: f64,
    m2: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        // The bounds are constants that hdrhistogram accepts (checked by the
        // `constant_bounds_are_valid` test), so this cannot fail.
        let hist = hdrhistogram::Histogram::new_with_bounds(
            HISTOGRAM_LOW_NS,
            HISTOGRAM_HIGH_NS,
            HISTOGRAM_SIGFIG,
        )
        .expect("constant histogram bounds are valid");
        LatencyHistogram {
            hist,
            saturated: 0,
            count: 0,
            min: u64::MAX,
            max: 0,
            mean: 0.0,
            m2: 0.0,
        }
    }

    /// Records one latency in nanoseconds. Values above 600 s are clamped and
    /// counted in `saturated`.
    pub fn record(&mut self, ns: u64) {
        let v = if ns > HISTOGRAM_HIGH_NS {
            self.saturated += 1;
            HISTOGRAM_HIGH_NS
        } else {
            ns
        };
        self.hist.saturating_record(v);
        self.count += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        // Welford's online update.
        let x = v as f64;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Adds every value recorded in `other` to `self`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.count == 0 {
            return;
        }
        if self.hist.add(&other.hist).is_err() {
            // Cannot happen (both histograms have the same bounds), but fall
            // back to re-recording rather than losing data.
            for v in other.hist.iter_recorded() {
                self.hist
                    .saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
        self.saturated += other.saturated;
        // Chan et al. parallel combination of the running moments.
        let n_a = self.count as f64;
        let n_b = other.count as f64;
        let n = n_a + n_b;
        let delta = other.mean - self.mean;
        self.mean += delta * n_b / n;
        self.m2 += other.m2 + delta * delta * n_a * n_b / n;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// `true` when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Forgets every recorded value (keeps the allocation).
    pub fn reset(&mut self) {
        self.hist.reset();
        self.saturated = 0;
        self.count = 0;
        self.min = u64::MAX;
        self.max = 0;
        self.mean = 0.0;
        self.m2 = 0.0;
    }

    /// The value at quantile `q` (0.0 ..= 1.0; clamped) in nanoseconds; 0 when
    /// empty.
    ///
    /// HDR semantics: the smallest recorded value (at the histogram's
    /// resolution, ≤ 0.1 % error) such that at least `q × count` values are
    /// less than or equivalent to it, clamped to the exact min/max.
    /// perf_analyzer instead takes `sorted[round(q × (n − 1))]` from the
    /// exact sorted latencies (`SummarizeLatency`); the two agree within one
    /// rank and the histogram resolution.
    pub fn quantile_ns(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        self.hist.value_at_quantile(q).clamp(self.min, self.max)
    }

    /// The bucket holding the `rank`-th smallest recorded value (1-based),
    /// as `(lowest, highest)` equivalent values in nanoseconds, clamped to
    /// the exact min/max; `None` when `rank` is 0 or above the count. The
    /// true value lies in that range (the histogram's resolution, ≤ 0.1 %).
    pub fn bucket_at_rank(&self, rank: u64) -> Option<(u64, u64)> {
        if rank == 0 || rank > self.count {
            return None;
        }
        let mut seen = 0u64;
        for v in self.hist.iter_recorded() {
            seen += v.count_at_value();
            if seen >= rank {
                let at = v.value_iterated_to();
                let lo = self.hist.lowest_equivalent(at).clamp(self.min, self.max);
                let hi = self.hist.highest_equivalent(at).clamp(self.min, self.max);
                return Some((lo, hi));
            }
        }
        Some((self.max, self.max))
    }

    /// Exact smallest recorded value in nanoseconds; 0 when empty.
    pub fn min_ns(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.min
        }
    }

    /// Exact largest recorded value in nanoseconds (after clamping to 600 s);
    /// 0 when empty.
    pub fn max_ns(&self) -> u64 {
        self.max
    }

    /// Exact arithmetic mean in nanoseconds; 0.0 when empty.
    pub fn mean_ns(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.mean
        }
    }

    /// Sample standard deviation (divisor n − 1, as perf_analyzer's
    /// `GetMeanAndStdDev`) in nanoseconds; 0.0 with fewer than two values
    /// (perf_analyzer reports `UINT64_MAX` for a single value — we don't).
    pub fn stdev_ns(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let var = self.m2 / (self.count - 1) as f64;
        if var > 0.0 {
            var.sqrt()
        } else {
            0.0
        }
    }
}

/// Summary of a latency distribution, in microseconds.
///
/// With no latency recorded (`count == 0`: no request succeeded) the numbers
/// are not measurements: they are written to JSON as `null` (and read back
/// as 0 with `count` 0); use [`LatencySummary::avg`] and friends, which are
/// `None` then. Files written before this rule (numbers everywhere) read the
/// same way.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(into = "LatencySummaryWire", from = "LatencySummaryWire")]
pub struct LatencySummary {
    /// Number of latencies summarised.
    pub count: u64,
    /// Mean latency (µs).
    pub avg_us: f64,
    /// Smallest latency (µs).
    pub min_us: f64,
    /// Largest latency (µs).
    pub max_us: f64,
    /// Sample standard deviation (µs).
    pub std_us: f64,
    /// Median (µs).
    pub p50_us: f64,
    /// 90th percentile (µs).
    pub p90_us: f64,
    /// 95th percentile (µs).
    pub p95_us: f64,
    /// 99th percentile (µs).
    pub p99_us: f64,
    /// 99.9th percentile (µs).
    pub p999_us: f64,
}

/// [`LatencySummary`] as written: `null` instead of numbers when nothing was measured.
#[derive(Serialize, Deserialize)]
struct LatencySummaryWire {
    #[serde(default)]
    count: u64,
    avg_us: Option<f64>,
    min_us: Option<f64>,
    max_us: Option<f64>,
    std_us: Option<f64>,
    p50_us: Option<f64>,
    p90_us: Option<f64>,
    p95_us: Option<f64>,
    p99_us: Option<f64>,
    p999_us: Option<f64>,
}

impl From<LatencySummary> for LatencySummaryWire {
    fn from(s: LatencySummary) -> Self {
        let v = |x: f64| (s.count > 0 && x.is_finite()).then_some(x);
        LatencySummaryWire {
            count: s.count,
            avg_us: v(s.avg_us),
            min_us: v(s.min_us),
            max_us: v(s.max_us),
            std_us: v(s.std_us),
            p50_us: v(s.p50_us),
            p90_us: v(s.p90_us),
            p95_us: v(s.p95_us),
            p99_us: v(s.p99_us),
            p999_us: v(s.p999_us),
        }
    }
}

impl From<LatencySummaryWire> for LatencySummary {
    fn from(w: LatencySummaryWire) -> Self {
        let v = |x: Option<f64>| x.unwrap_or(0.0);
        LatencySummary {
            count: w.count,
            avg_us: v(w.avg_us),
            min_us: v(w.min_us),
            max_us: v(w.max_us),
            std_us: v(w.std_us),
            p50_us: v(w.p50_us),
            p90_us: v(w.p90_us),
            p95_us: v(w.p95_us),
            p99_us: v(w.p99_us),
            p999_us: v(w.p999_us),
        }
    }
}

impl LatencySummary {
    /// Whether any latency was recorded (some request succeeded).
    pub fn measured(&self) -> bool {
        self.count > 0
    }

    /// `v` when something was measured, else `None`.
    fn value(&self, v: f64) -> Option<f64> {
        self.measured().then_some(v)
    }

    /// Mean latency (µs); `None` when no request succeeded.
    pub fn avg(&self) -> Option<f64> {
        self.value(self.avg_us)
    }

    /// Median (µs); `None` when no request succeeded.
    pub fn p50(&self) -> Option<f64> {
        self.value(self.p50_us)
    }

    /// 90th percentile (µs); `None` when no request succeeded.
    pub fn p90(&self) -> Option<f64> {
        self.value(self.p90_us)
    }

    /// 95th percentile (µs); `None` when no request succeeded.
    pub fn p95(&self) -> Option<f64> {
        self.value(self.p95_us)
    }

    /// 99th percentile (µs); `None` when no request succeeded.
    pub fn p99(&self) -> Option<f64> {
        self.value(self.p99_us)
    }

    /// 99.9th percentile (µs); `None` when no request succeeded.
    pub fn p999(&self) -> Option<f64> {
        self.value(self.p999_us)
    }

    /// Summarises a histogram; an empty histogram gives all zeros (written as
    /// `null`, see the type's docs).
    pub fn from_histogram(h: &LatencyHistogram) -> Self {
        if h.is_empty() {
            return LatencySummary::default();
        }
        let us = |ns: u64| ns as f64 / 1_000.0;
        LatencySummary {
            count: h.count(),
            avg_us: h.mean_ns() / 1_000.0,
            min_us: us(h.min_ns()),
            max_us: us(h.max_ns()),
            std_us: h.stdev_ns() / 1_000.0,
            p50_us: us(h.quantile_ns(0.50)),
            p90_us: us(h.quantile_ns(0.90)),
            p95_us: us(h.quantile_ns(0.95)),
            p99_us: us(h.quantile_ns(0.99)),
            p999_us: us(h.quantile_ns(0.999)),
        }
    }
}

/// What one measurement window measured, as far as stability is concerned.
///
/// A window that failed (no valid request completed, an error) should be
/// pushed with `throughput: 0.0`, as perf_analyzer does (`ProfileHelper`
/// pushes 0 infer/s and `UINT64_MAX` latency), so it makes the series
/// unstable.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct WindowSample {
    /// Inferences per second in the window (requests × batch size / duration).
    pub throughput: f64,
    /// Mean latency of the window (µs).
    pub avg_latency_us: f64,
    /// 99th-percentile latency of the window (µs).
    pub p99_latency_us: f64,
}

/// How far the last [`STABILITY_WINDOW`] windows are from agreeing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StabilityReport {
    /// The verdict of [`is_stable`] for the same arguments.
    pub stable: bool,
    /// Throughput of the considered windows passed the ratio test and none
    /// was zero.
    pub throughput_stable: bool,
    /// Latency of the considered windows passed the ratio test.
    pub latency_stable: bool,
    /// [`percent_spread`] of the throughput over the last (up to 3) windows.
    pub throughput_spread_pct: f64,
    /// [`percent_spread`] of the latency (avg or p99) over the same windows.
    pub latency_spread_pct: f64,
    /// How many windows were considered (min(3, windows.len())).
    pub windows_considered: usize,
}

/// Spread of a series as a percentage: `(max / min − 1) × 100`.
///
/// This is the quantity perf_analyzer compares against
/// `--stability-percentage` (it tests `max / min <= 1 + pct / 100`), so a
/// series is stable at `pct` when its spread is ≤ `pct` (up to rounding; use
/// [`is_stable`] for the exact verdict). Returns 0.0 for an empty series and
/// `f64::INFINITY` when the smallest value is ≤ 0 or any value is not finite
/// (the ratio is then undefined — perf_analyzer's division gives inf/NaN and
/// the series is unstable).
pub fn percent_spread(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    if values.iter().any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    let (min, max) = min_max(values);
    if min <= 0.0 {
        return f64::INFINITY;
    }
    (max / min - 1.0) * 100.0
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// perf_analyzer's threshold: `--stability-percentage` is parsed with
/// `std::stof` (single precision), divided by 100 in single precision and
/// stored in a double.
fn pa_threshold(stability_pct: f64) -> f64 {
    f64::from(stability_pct as f32 / 100.0f32)
}

/// perf_analyzer's `IsInferWindowStable` / `IsLatencyWindowStable`:
/// `max / min <= 1 + threshold` over the window. A zero minimum gives
/// inf (or NaN for 0/0), which fails the comparison.
fn ratio_within(values: &[f64], threshold: f64) -> bool {
    let (min, max) = min_max(values);
    max / min <= 1.0 + threshold
}

fn window_series(windows: &[WindowSample], use_percentile: bool) -> (Vec<f64>, Vec<f64>) {
    let start = windows.len().saturating_sub(STABILITY_WINDOW);
    let last = &windows[start..];
    let tput = last.iter().map(|w| w.throughput).collect();
    let lat = last
        .iter()
        .map(|w| {
            if use_percentile {
                w.p99_latency_us
            } else {
                w.avg_latency_us
            }
        })
        .collect();
    (tput, lat)
}

/// Whether the measurement has stabilised, exactly as perf_analyzer decides.
///
/// Mirrors `InferenceProfiler::DetermineStability` (with
/// `CheckWindowForStability`, `IsInferWindowStable` and
/// `IsLatencyWindowStable`) in perf_analyzer's `src/inference_profiler.cc`:
///
/// 1. at least [`STABILITY_WINDOW`] (3) windows exist, otherwise unstable;
/// 2. none of the last 3 windows has throughput == 0 (we also reject
///    negative and non-finite throughput);
/// 3. throughput: `max / min <= 1 + t` over the last 3 windows;
/// 4. latency: `max / min <= 1 + t` over the last 3 windows, where the
///    latency is the window's average, or its percentile when
///    `use_percentile` (perf_analyzer's `--percentile=N` uses that Nth
///    percentile as `stabilizing_latency_ns`; we carry only p99). A zero
///    latency makes the ratio inf/NaN and the window unstable, as in
///    perf_analyzer.
///
/// `t` is `stability_pct / 100` computed in single precision as perf_analyzer
/// does (`std::stof(optarg) / 100`), so `stability_pct = 10.0` gives
/// `t = 0.10000000149…` (default `--stability-percentage` is 10).
///
/// Not part of this test (the caller's business): perf_analyzer's
/// `IsDoneProfiling` additionally stops when any of the last 3 windows'
/// latency is ≥ `--latency-threshold` (`CheckWithinThreshold`); and in
/// async mode, when the 3 windows are throughput-stable but not
/// latency-stable, `ProfileHelper` re-runs `DetermineStability` without the
/// latency check, accepts the measurement and warns "Request latency is not
/// stabilizing" (see [`StabilityReport::throughput_stable`]).
pub fn is_stable(windows: &[WindowSample], stability_pct: f64, use_percentile: bool) -> bool {
    stability_report(windows, stability_pct, use_percentile).stable
}

/// [`is_stable`]'s verdict plus how far from stable the last windows were.
///
/// With fewer than 3 windows the spreads are computed over the windows there
/// are (and `stable` is false).
pub fn stability_report(
    windows: &[WindowSample],
    stability_pct: f64,
    use_percentile: bool,
) -> StabilityReport {
    let (tput, lat) = window_series(windows, use_percentile);
    let t = pa_threshold(stability_pct);
    let enough = windows.len() >= STABILITY_WINDOW;
    let no_zero = tput.iter().all(|&x| x.is_finite() && x > 0.0);
    let throughput_stable = !tput.is_empty() && no_zero && ratio_within(&tput, t);
    let latency_stable = !lat.is_empty() && ratio_within(&lat, t);
    StabilityReport {
        stable: enough && throughput_stable && latency_stable,
        throughput_stable,
        latency_stable,
        throughput_spread_pct: percent_spread(&tput),
        latency_spread_pct: percent_spread(&lat),
        windows_considered: tput.len(),
    }
}

#[cfg(test)]
mod tests;

mod interval;
pub use interval::{plus_minus, Interval};
pub mod ci;
pub use ci::LatencyIntervals;
pub mod adaptive;
pub mod window_ci;
pub use window_ci::{ResourceIntervals, ServerIntervals};
