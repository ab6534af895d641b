//! What a measurement is told: how windows end and settle ([`Measurement`]),
//! and everything one `tritium bench` run needs ([`BenchConfig`]).

use std::time::Duration;

use super::input_data::{InputSource, ShapeOverrides, StringOptions};
use super::limits;
use super::loadgen::LoadMode;
use tritium_triton::error::{Error, Result};
use tritium_triton::OutputMemory;

/// How windows end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MeasurementMode {
    /// Fixed-length windows (`--measurement-interval`).
    TimeWindows,
    /// Windows of a fixed number of completed requests (`--measurement-request-count`).
    CountWindows,
}

impl tritium_util::Choice for MeasurementMode {
    const ALL: &'static [Self] = &[MeasurementMode::TimeWindows, MeasurementMode::CountWindows];
    fn name(self) -> &'static str {
        match self {
            MeasurementMode::TimeWindows => "time-windows",
            MeasurementMode::CountWindows => "count-windows",
        }
    }
    fn help(self) -> &'static str {
        match self {
            MeasurementMode::TimeWindows => "Fixed-length windows (`--measurement-interval`)",
            MeasurementMode::CountWindows => "Windows of a fixed number of completed requests (`--measurement-request-count`)",
        }
    }
}

/// When a load point ends (`--measurement-rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopRule {
    /// tritium's rule (the default; a tritium extension): at least 3 windows,
    /// perf_analyzer's stability rule on the last 3, and the 95 % throughput
    /// interval (and the `--percentile` latency's, when set) over every
    /// window of the point within `ci_target_pct` of the estimate; else
    /// more windows, up to the cap, where the point is reported as noisy.
    /// The point is made of every window after the warm-up, less a leading
    /// transient (see `docs/statistics.md`, "Adaptive measurement").
    #[default]
    Adaptive,
    /// perf_analyzer's rule, bit for bit: stop when the last 3 windows pass
    /// the stability rule; the numbers are those 3 windows.
    PerfAnalyzer,
}

impl tritium_util::Choice for StopRule {
    const ALL: &'static [Self] = &[StopRule::Adaptive, StopRule::PerfAnalyzer];
    fn name(self) -> &'static str {
        match self {
            StopRule::Adaptive => "adaptive",
            StopRule::PerfAnalyzer => "perf-analyzer",
        }
    }
    fn help(self) -> &'static str {
        match self {
            StopRule::Adaptive => "Stable last 3 windows and a 95 % throughput interval within --ci-target; many 1 s windows, up to 20 (tritium)",
            StopRule::PerfAnalyzer => "perf_analyzer's rule: the last 3 windows within --stability-percentage; 5 s windows, up to 10",
        }
    }
}

impl StopRule {
    /// Window length when none is given: 1000 ms (adaptive: many short
    /// windows) or perf_analyzer's 5000 ms.
    pub fn default_interval_ms(self) -> u64 {
        match self {
            StopRule::Adaptive => 1000,
            StopRule::PerfAnalyzer => 5000,
        }
    }

    /// Most windows per load point when none is given: 20 (adaptive) or
    /// perf_analyzer's 10.
    pub fn default_max_trials(self) -> u32 {
        match self {
            StopRule::Adaptive => 20,
            StopRule::PerfAnalyzer => 10,
        }
    }

    /// The rule that applies to windows of `mode`: count windows always use
    /// perf_analyzer's rule (their length is set by a request count, so
    /// "many short windows" does not apply; see [`Measurement::rule`]).
    pub fn for_mode(self, mode: MeasurementMode) -> StopRule {
        match mode {
            MeasurementMode::CountWindows => StopRule::PerfAnalyzer,
            MeasurementMode::TimeWindows => self,
        }
    }
}

/// Default `--ci-target`: the adaptive rule's relative half-width, percent.
pub const DEFAULT_CI_TARGET_PCT: f64 = 3.0;

/// Measurement settings, named as perf_analyzer names them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measurement {
    /// Window kind.
    pub mode: MeasurementMode,
    /// Window length (time windows) or deadline unit (count windows), ms.
    pub interval_ms: u64,
    /// Requests per count window.
    pub request_count: u64,
    /// Stability threshold, percent.
    pub stability_pct: f64,
    /// Windows tried before giving up on stability.
    pub max_trials: u32,
    /// Use this latency percentile (e.g. 99) for stability and reports instead of the average.
    pub percentile: Option<u32>,
    /// Warm-up before the first window.
    pub warmup_ms: u64,
    /// When a load point ends. The engine applies perf_analyzer's rule to
    /// count windows and deterministic runs whatever this says
    /// ([`StopRule::for_mode`]).
    pub rule: StopRule,
    /// Adaptive rule: the largest relative half-width of the 95 % intervals
    /// that ends a point, percent (0 < x ≤ 100).
    pub ci_target_pct: f64,
}

impl Measurement {
    /// Refuses settings no measurement can run with (the CLI refuses them at
    /// parse time; this guards library callers): window or warm-up over
    /// [`limits::MAX_INTERVAL_MS`], 0 windows, a percentile outside 1..=99, a
    /// stability threshold that is not a finite number > 0, a CI target
    /// outside (0, 100] %, 0 requests per count window.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.interval_ms == 0 || self.interval_ms > limits::MAX_INTERVAL_MS {
            return bad(format!("measurement interval {} ms: must be 1..={} ms", self.interval_ms, limits::MAX_INTERVAL_MS));
        }
        if self.warmup_ms > limits::MAX_INTERVAL_MS {
            return bad(format!("warm-up {} ms: at most {} ms", self.warmup_ms, limits::MAX_INTERVAL_MS));
        }
        if self.max_trials == 0 {
            return bad("max trials 0: at least one window is needed".into());
        }
        if self.percentile.is_some_and(|p| !(1..=99).contains(&p)) {
            return bad(format!("percentile {:?}: must be 1..=99", self.percentile));
        }
        if !(self.stability_pct.is_finite() && self.stability_pct > 0.0) {
            return bad(format!("stability percentage {}: must be a finite number > 0", self.stability_pct));
        }
        if !(self.ci_target_pct.is_finite() && self.ci_target_pct > 0.0 && self.ci_target_pct <= 100.0) {
            return bad(format!("CI target {} %: must be a finite number > 0 and at most 100", self.ci_target_pct));
        }
        if self.mode == MeasurementMode::CountWindows && self.request_count == 0 {
            return bad("measurement request count 0: a count window needs at least one request".into());
        }
        Ok(())
    }
}

impl Measurement {
    /// Time windows under `rule` with its default window length and cap
    /// ([`StopRule::default_interval_ms`], [`StopRule::default_max_trials`])
    /// and perf_analyzer's other defaults.
    pub fn for_rule(rule: StopRule) -> Measurement {
        Measurement {
            mode: MeasurementMode::TimeWindows,
            interval_ms: rule.default_interval_ms(),
            request_count: 50,
            stability_pct: 10.0,
            max_trials: rule.default_max_trials(),
            percentile: None,
            warmup_ms: 1000,
            rule,
            ci_target_pct: DEFAULT_CI_TARGET_PCT,
        }
    }

    /// The rule the engine applies to these windows ([`StopRule::for_mode`]).
    pub fn effective_rule(&self) -> StopRule {
        self.rule.for_mode(self.mode)
    }
}

/// The adaptive rule with its defaults (1000 ms windows, at most 20).
impl Default for Measurement {
    fn default() -> Self {
        Measurement::for_rule(StopRule::Adaptive)
    }
}

/// Everything one `tritium bench` run needs.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Model name.
    pub model: String,
    /// Model version (-1 = latest).
    pub version: i64,
    /// Batch size of each request (`-b`).
    pub batch_size: u32,
    /// Load levels, measured in order.
    pub loads: Vec<LoadMode>,
    /// Worker threads (`--max-threads`); `None` = min(4, concurrency) / 2 for request rate.
    pub threads: Option<usize>,
    /// Where input values come from.
    pub input: InputSource,
    /// `--shape` overrides.
    pub shapes: ShapeOverrides,
    /// BYTES options.
    pub strings: StringOptions,
    /// Memory of the input buffers.
    pub input_memory: OutputMemory,
    /// Memory Triton writes outputs into.
    pub output_memory: OutputMemory,
    /// Windows and stability.
    pub measurement: Measurement,
    /// Prepared requests for request-rate mode (the most that can be in flight).
    pub max_in_flight: usize,
    /// Resource sampling period.
    pub sample_interval: Duration,
    /// Seed of random inputs and Poisson schedules.
    pub seed: u64,
    /// Per-request timelines from Triton's trace API (`--trace`), if asked.
    pub trace: Option<crate::trace::collect::TraceOptions>,
    /// Deterministic mode (`--request-count N`): no warm-up, no windows, exactly
    /// N requests per load level, e.g. to run under Nsight Compute.
    pub request_count: Option<u64>,
    /// With `trace`: traced requests stage their CUDA inputs and read GPU
    /// outputs back, timed with CUDA events (`--trace-cuda-copies`).
    pub trace_cuda_copies: bool,
    /// Deadline of each deterministic load level (`--request-count-timeout`);
    /// `None`: 60 × the measurement interval, at least 60 s (see [`BenchConfig::deterministic_deadline`]).
    pub request_count_timeout: Option<Duration>,
    /// Under the adaptive rule, a point whose 95 % throughput interval lies
    /// entirely below this (infer/s) is decided once stable, without
    /// waiting for the CI target: it cannot tie with an incumbent whose
    /// interval starts here (`profile` sets it; `None`: always the target).
    pub decided_below: Option<f64>,
    /// Python stub processes (pids) not to watch: the old instances of a
    /// config that was replaced (`profile`'s `tritium_model_switch:
    /// replace`), which Triton unloads in the background while this level
    /// runs. Their exit is expected; any other stub's exit ends the level.
    pub retiring_stubs: Vec<u32>,
    /// Check every response against the model's declared outputs (`--validate`).
    pub validate: bool,
    /// perf_analyzer's `--warmup-request-count`: the warm-up of each load
    /// level lasts until this many requests have completed (and at least
    /// `measurement.warmup_ms`); 0 = the time warm-up only. Deterministic
    /// runs (`request_count`) have no warm-up and ignore it.
    pub warmup_requests: u64,
    /// `-l/--latency-threshold` (with `--binary-search`): the levels of
    /// `loads` measured are chosen as the search goes ([`crate::threshold`]);
    /// `None`: every level, in order.
    pub latency_limit: Option<crate::threshold::LatencyLimit>,
    /// Triton request parameters set on every request (perf_analyzer's
    /// `--request-parameter`, parsed by [`crate::request_params::parse`]).
    pub parameters: Vec<(String, tritium_triton::ParameterValue)>,
}

impl BenchConfig {
    /// Defaults for `model`.
    pub fn new(model: &str) -> Self {
        BenchConfig {
            model: model.to_string(),
            version: -1,
            batch_size: 1,
            loads: vec![LoadMode::Concurrency(1)],
            threads: None,
            input: InputSource::Random { seed: 0 },
            shapes: ShapeOverrides::default(),
            strings: StringOptions::default(),
            input_memory: OutputMemory::System,
            output_memory: OutputMemory::System,
            measurement: Measurement::default(),
            max_in_flight: 1024,
            sample_interval: Duration::from_millis(50),
            seed: 0,
            trace: None,
            request_count: None,
            trace_cuda_copies: false,
            request_count_timeout: None,
            decided_below: None,
            retiring_stubs: Vec::new(),
            validate: false,
            warmup_requests: 0,
            latency_limit: None,
            parameters: Vec::new(),
        }
    }

    /// How long a deterministic load level (`--request-count`) may take before
    /// it ends with the requests that completed: `--request-count-timeout`, or
    /// 60 × the measurement interval and at least 60 s (generous: under Nsight
    /// Compute every kernel is replayed many times).
    pub fn deterministic_deadline(&self) -> Duration {
        self.request_count_timeout.unwrap_or_else(|| Duration::from_millis(self.measurement.interval_ms.clamp(1000, limits::MAX_INTERVAL_MS)) * 60)
    }
}

