//! `tritium bench`: perf_analyzer's measurement, in-process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;

use super::exit::{self, bad_input};
use super::RuntimeArgs;
use tritium_bench::export::{self, BenchReport, PointOutcome};
use tritium_bench::limits;
use tritium_bench::input_data::{InputSource, ShapeOverrides, StringOptions};
use tritium_bench::loadgen::{Distribution, Intervals, LoadMode};
use tritium_bench::stats::{plus_minus, Interval, WindowSample};
use tritium_bench::threshold::{LatencyLimit, THRESHOLD_PERCENTILES};
use tritium_bench::{self as bench, BenchConfig, Measurement, MeasurementMode, Observer, StopRule};
use tritium_triton::{OutputMemory, ParameterValue};

/// What `tritium bench --version` prints: tritium's version and the
/// perf_analyzer release (Triton 2.51.0, NGC 24.10) whose flags it follows.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (flags follow perf_analyzer of Triton 2.51.0 / release 24.10)");

/// Flags of `tritium bench` (perf_analyzer's names where they mean the same).
#[derive(Debug, Args)]
#[command(version = VERSION, disable_version_flag = true)]
pub struct BenchArgs {
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    /// Model repository (read-only to tritium).
    #[arg(long, value_name = "DIR")]
    pub model_repository: PathBuf,
    /// Model to measure.
    #[arg(short = 'm', long = "model-name")]
    pub model: String,
    /// Model version (default: latest).
    #[arg(short = 'x', long = "model-version")]
    pub version: Option<i64>,
    /// Batch size of each request.
    #[arg(short = 'b', long = "batch-size", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: u32,
    /// Closed loop: integers start:end:step (step adds, as perf_analyzer's) or a list 1,4,16; each 1..=16384. Default 1.
    #[arg(long, value_name = "START[:END[:STEP]]")]
    pub concurrency_range: Option<String>,
    /// Open loop: requests per second (> 0, at most 10^7), start:end:step or a list.
    #[arg(long, value_name = "START[:END[:STEP]]", conflicts_with = "concurrency_range")]
    pub request_rate_range: Option<String>,
    /// Request-rate schedule.
    #[arg(long, value_parser = super::choice::choice::<Distribution>(), default_value = "constant")]
    pub request_distribution: Distribution,
    /// Worker threads issuing requests and taking completions (1..=256).
    #[arg(long, value_parser = parse_threads)]
    pub max_threads: Option<usize>,
    /// Request-rate mode: prepared requests, i.e. the most in flight at once (1..=16384).
    #[arg(long, default_value_t = 1024, value_parser = parse_in_flight)]
    pub max_in_flight: usize,
    /// Input values: random, zero, a perf_analyzer input-data JSON file (repeatable: the
    /// files' data are merged), or a directory with one file per input named after it
    /// (raw row-major bytes of a batch-1 request; BYTES: text, one string per line).
    #[arg(long, default_value = "random")]
    pub input_data: Vec<String>,
    /// Shape of a variable input, NAME:d1,d2,... (repeatable; without the batch dimension).
    #[arg(long)]
    pub shape: Vec<String>,
    /// Length of random BYTES elements (1..=16 MiB).
    #[arg(long, default_value_t = 128, value_parser = parse_string_length)]
    pub string_length: usize,
    /// Use this string for every BYTES element.
    #[arg(long)]
    pub string_data: Option<String>,
    /// Input and output memory: system, pinned, cuda or cuda:N.
    #[arg(long)]
    pub memory: Option<String>,
    /// Input memory (overrides --memory).
    #[arg(long)]
    pub input_memory: Option<String>,
    /// Output memory (overrides --memory).
    #[arg(long)]
    pub output_memory: Option<String>,
    /// Window length in ms (time windows; deadline unit of count windows), 1..=3600000.
    /// Default depends on --measurement-rule: 1000 (adaptive), 5000 (perf-analyzer, and count windows).
    #[arg(short = 'p', long, value_parser = clap::value_parser!(u64).range(1..=limits::MAX_INTERVAL_MS))]
    pub measurement_interval: Option<u64>,
    /// Requests per count window (at least 1).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub measurement_request_count: u64,
    /// time_windows or count_windows (perf_analyzer's spelling; time-windows and count-windows too).
    #[arg(long, value_parser = super::choice::choice::<MeasurementMode>(), default_value = "time-windows")]
    pub measurement_mode: MeasurementMode,
    /// Stability threshold in percent (last 3 windows), > 0.
    #[arg(short = 's', long, default_value_t = 10.0, value_parser = parse_stability)]
    pub stability_percentage: f64,
    /// Windows to try before reporting an unstable (or, adaptive, noisy) measurement (1..=10000).
    /// Default depends on --measurement-rule: 20 (adaptive), 10 (perf-analyzer, and count windows).
    #[arg(short = 'r', long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_trials: Option<u32>,
    /// When a load point ends (tritium extension). Count windows and --request-count
    /// always use perf-analyzer.
    #[arg(long, value_parser = super::choice::choice::<StopRule>(), default_value = "adaptive")]
    pub measurement_rule: StopRule,
    /// Adaptive rule: end a load point when its 95 % throughput interval (and the
    /// --percentile latency's) is within ±PCT % of the estimate (0 < PCT <= 100; tritium extension).
    #[arg(long, value_name = "PCT", default_value_t = bench::DEFAULT_CI_TARGET_PCT, value_parser = parse_ci_target)]
    pub ci_target: f64,
    /// Use this latency percentile (1..=99) for stability instead of the average.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=99))]
    pub percentile: Option<u32>,
    /// perf_analyzer's -l: latency limit in ms (the --percentile latency, else the average).
    /// Without --binary-search the sweep stops after the first level at or over it; 0 = no limit.
    #[arg(short = 'l', long, value_name = "MS", value_parser = parse_latency_threshold)]
    pub latency_threshold: Option<f64>,
    /// Search the concurrency (or --request-rate-range) range for the largest level whose
    /// latency stays under -l and is stable (the range's step is the precision).
    #[arg(long, requires = "latency_threshold", conflicts_with = "request_count")]
    pub binary_search: bool,
    /// Open loop on perf_analyzer's custom schedule: a file of gaps between consecutive
    /// requests, in microseconds, one per line, cycled (latency counts from the schedule).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["concurrency_range", "request_rate_range", "request_distribution"])]
    pub request_intervals: Option<PathBuf>,
    /// A Triton request parameter set on every request, NAME:VALUE:TYPE with TYPE
    /// string, int or bool (repeatable), e.g. max_tokens:256:int.
    #[arg(long, value_name = "NAME:VALUE:TYPE", value_parser = parse_request_parameter)]
    pub request_parameter: Vec<(String, ParameterValue)>,
    /// Warm-up before the first window, ms (at most 3600000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=limits::MAX_INTERVAL_MS))]
    pub warmup: u64,
    /// perf_analyzer's warm-up: N requests complete at each load level before its
    /// first window (on top of --warmup's time; 0 = none). Deterministic runs
    /// (--request-count) have no warm-up and refuse it.
    #[arg(long, value_name = "N", default_value_t = 0, conflicts_with = "request_count")]
    pub warmup_request_count: u64,
    /// Verbose: print every window (throughput, latency, stability) as it closes.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Print tritium's version and the perf_analyzer release whose flags `bench` follows.
    #[arg(long = "version", action = clap::ArgAction::Version)]
    pub version_flag: Option<bool>,
    /// Seed for random inputs and Poisson schedules.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write every number as JSON (versioned schema).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a perf_analyzer-like CSV.
    #[arg(short = 'f', long = "latency-report-file", value_name = "FILE.csv")]
    pub csv: Option<PathBuf>,
    /// Trace requests with Triton's trace API and write their timelines as
    /// Chrome trace-event JSON (open in ui.perfetto.dev or chrome://tracing);
    /// also adds a per-phase latency table to the output.
    #[arg(long, value_name = "FILE.json")]
    pub trace: Option<PathBuf>,
    /// Trace one request in every N (1 = every request).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub trace_rate: u32,
    /// Timelines kept per load level (the newest; older ones are dropped and counted), 1..=10^7.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=limits::MAX_TRACE_BUFFER))]
    pub trace_buffer: u64,
    /// With --trace and CUDA memory: traced requests stage their inputs host→device
    /// before the issue and read GPU outputs back after completion, timed with
    /// CUDA events, so the timeline separates transfer time from model time.
    #[arg(long, requires = "trace")]
    pub trace_cuda_copies: bool,
    /// Deterministic mode: no warm-up and no windows, exactly N requests per load
    /// level (with fixed inputs: --input-data zero or a file, or random with --seed),
    /// e.g. under Nsight Compute. Stability is not evaluated.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_count: Option<u64>,
    /// Deterministic mode's deadline per load level, seconds: after it the level
    /// ends with the requests that completed ("only K of N completed", non-zero
    /// exit). Default: 60 × the measurement interval (-p), at least 60 s.
    #[arg(long, value_name = "SECONDS", requires = "request_count", value_parser = parse_timeout)]
    pub request_count_timeout: Option<f64>,
    /// Check every response against the model's declared outputs (datatype,
    /// shape with the batch dimension, byte size); a mismatch counts as a
    /// failed request of kind "output mismatch: ...". Costs some client CPU per request.
    #[arg(long)]
    pub validate: bool,
    /// Do not load the model (it must already be loaded; only useful from the library).
    #[arg(long, hide = true)]
    pub no_load: bool,
    // --- `--repeat N` (issue 12 item 5; logic in cli::repeat and tritium_bench::repeat) ---
    /// Run the whole set of load levels N times back to back in the same server
    /// (models stay loaded), 1..=100, and report per level the between-run spread
    /// of throughput and p99 (mean, sd, min–max, cv, 95 % interval of the mean)
    /// and whether it exceeds what the within-run intervals allow. Tables, CSV and
    /// `points` in --json are run 1's; --json gains a `repeat` section.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=tritium_bench::repeat::MAX_REPEAT as i64))]
    pub repeat: u32,
    // --- end of `--repeat` ---
}

fn in_range<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(s: &str, lo: T, hi: T, why: &str) -> Result<T, String> {
    let v: T = s.trim().parse().map_err(|_| format!("{s:?} is not a whole number"))?;
    if v < lo || v > hi {
        return Err(format!("{v} is outside {lo}..={hi} ({why})"));
    }
    Ok(v)
}

fn parse_threads(s: &str) -> Result<usize, String> {
    in_range(s, 1, limits::MAX_THREADS, "worker threads; a few suffice, each is a busy OS thread")
}

fn parse_in_flight(s: &str) -> Result<usize, String> {
    in_range(s, 1, limits::MAX_IN_FLIGHT, "each prepared request holds its own Triton request and output buffers")
}

fn parse_string_length(s: &str) -> Result<usize, String> {
    in_range(s, 1, limits::MAX_STRING_LENGTH, "bytes per random string element, at most 16 MiB")
}

fn parse_positive_f64(s: &str, max: f64, why: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("{s:?} is not a number"))?;
    if !v.is_finite() || v <= 0.0 || v > max {
        return Err(format!("{s} must be a finite number > 0 and at most {max} ({why})"));
    }
    Ok(v)
}

fn parse_stability(s: &str) -> Result<f64, String> {
    parse_positive_f64(s, 1000.0, "percent spread allowed between the last 3 windows")
}

fn parse_ci_target(s: &str) -> Result<f64, String> {
    parse_positive_f64(s, 100.0, "relative half-width of the 95 % intervals, percent")
}

fn parse_latency_threshold(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("{s:?} is not a number of milliseconds"))?;
    if !v.is_finite() || !(0.0..=limits::MAX_INTERVAL_MS as f64).contains(&v) {
        return Err(format!("{s} must be 0 (no limit) or a latency in ms up to {}", limits::MAX_INTERVAL_MS));
    }
    Ok(v)
}

fn parse_request_parameter(s: &str) -> Result<(String, ParameterValue), String> {
    tritium_bench::request_params::parse(s)
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    parse_positive_f64(s, limits::MAX_REQUEST_COUNT_TIMEOUT_S, "seconds")
}

/// A comma list (or one value) of levels; `num` parses and checks one.
fn list_levels<T>(s: &str, what: &str, num: &dyn Fn(&str) -> anyhow::Result<T>) -> anyhow::Result<Vec<T>> {
    let n = s.split(',').count();
    if n > limits::MAX_LOAD_LEVELS {
        bail!("{what} {s:?}: {n} levels, more than tritium's limit of {}", limits::MAX_LOAD_LEVELS);
    }
    s.split(',').map(num).collect()
}

/// Parses `--concurrency-range`: "start[:end[:step]]" (step adds, as
/// perf_analyzer's) or a comma list "1,4,16,64". Every level is a whole
/// number in 1..=[`limits::MAX_CONCURRENCY`]; at most
/// [`limits::MAX_LOAD_LEVELS`] levels. Nothing is clamped.
pub fn parse_concurrency_range(s: &str) -> anyhow::Result<Vec<u32>> {
    let what = "--concurrency-range";
    let num = |p: &str| -> anyhow::Result<u32> {
        let p = p.trim();
        let v: u64 = p.parse().map_err(|_| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                anyhow::anyhow!("{what}: concurrency {p} is above tritium's limit of {} concurrent requests per process", limits::MAX_CONCURRENCY)
            } else if p.parse::<f64>().is_ok_and(|x| x < 1.0) {
                anyhow::anyhow!("{what} {s:?}: {p} is not a concurrency level; use a whole number of 1 or more")
            } else if p.parse::<f64>().is_ok() {
                anyhow::anyhow!("{what} {s:?}: {p} is not a whole number; a concurrency level counts requests in flight")
            } else {
                anyhow::anyhow!("{what} {s:?}: {p:?} is not a number")
            }
        })?;
        limits::check_concurrency(v, what).map_err(anyhow::Error::msg)
    };
    let step_num = |p: &str| -> anyhow::Result<u32> {
        let p = p.trim();
        match p.parse::<u64>() {
            Ok(v) if v >= 1 => Ok(u32::try_from(v).unwrap_or(u32::MAX)),
            _ => bail!("{what} {s:?}: step {p:?} must be a whole number >= 1"),
        }
    };
    if s.contains(',') || !s.contains(':') {
        return list_levels(s, what, &num);
    }
    let parts: Vec<&str> = s.split(':').collect();
    let (start, end, step) = match parts.as_slice() {
        [a, b] => (num(a)?, num(b)?, 1),
        [a, b, c] => (num(a)?, num(b)?, step_num(c)?),
        _ => bail!("{what} {s:?}: expected start[:end[:step]] or a comma list"),
    };
    if end < start {
        bail!("{what} {s:?}: end {end} is below start {start}");
    }
    let levels = u64::from(end - start) / u64::from(step) + 1;
    if levels > limits::MAX_LOAD_LEVELS as u64 {
        bail!("{what} {s:?}: {levels} levels, more than tritium's limit of {}; use a larger step", limits::MAX_LOAD_LEVELS);
    }
    Ok((0..levels).map(|i| start + (i as u32) * step).collect())
}

/// Parses `--request-rate-range` like [`parse_concurrency_range`]; every
/// level is a finite rate > 0 and at most [`limits::MAX_REQUEST_RATE`].
pub fn parse_rate_range(s: &str) -> anyhow::Result<Vec<f64>> {
    let what = "--request-rate-range";
    let num = |p: &str| -> anyhow::Result<f64> {
        let v: f64 = p.trim().parse().map_err(|_| anyhow::anyhow!("{what} {s:?}: {p:?} is not a number"))?;
        limits::check_request_rate(v, what).map_err(anyhow::Error::msg)
    };
    if s.contains(',') || !s.contains(':') {
        return list_levels(s, what, &num);
    }
    let parts: Vec<&str> = s.split(':').collect();
    let step_num = |p: &str| -> anyhow::Result<f64> {
        match p.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
            _ => bail!("{what} {s:?}: step {p:?} must be a finite number > 0"),
        }
    };
    let (start, end, step) = match parts.as_slice() {
        [a, b] => (num(a)?, num(b)?, 1.0),
        [a, b, c] => (num(a)?, num(b)?, step_num(c)?),
        _ => bail!("{what} {s:?}: expected start[:end[:step]] or a comma list"),
    };
    if end < start {
        bail!("{what} {s:?}: end {end} is below start {start}");
    }
    let levels = ((end - start) / step + 1e-9).floor() + 1.0;
    if levels > limits::MAX_LOAD_LEVELS as f64 {
        bail!("{what} {s:?}: {levels} levels, more than tritium's limit of {}; use a larger step", limits::MAX_LOAD_LEVELS);
    }
    Ok((0..levels as usize).map(|i| start + i as f64 * step).collect())
}

/// `--input-data`, given once or more: random, zero, JSON files (merged)
/// or one directory. Mixtures perf_analyzer has no meaning for are refused.
pub fn input_source(values: &[String], seed: u64) -> anyhow::Result<InputSource> {
    match values {
        [v] if v == "random" => return Ok(InputSource::Random { seed }),
        [v] if v == "zero" => return Ok(InputSource::Zero),
        [v] if std::path::Path::new(v).is_dir() => return Ok(InputSource::Dir(PathBuf::from(v))),
        _ => {}
    }
    let mut files = Vec::new();
    for v in values {
        let p = PathBuf::from(v);
        if v == "random" || v == "zero" {
            return Err(bad_input(format!("--input-data {v} cannot be combined with other --input-data values; give it alone")));
        }
        if p.is_dir() {
            return Err(bad_input(format!("--input-data {v}: a directory gives all the data and cannot be combined with other --input-data values; give it alone, or merge its data into JSON files")));
        }
        if !p.is_file() {
            return Err(bad_input(format!("--input-data {v}: no such file or directory (use random, zero, perf_analyzer input-data JSON files or a directory with one file per input)")));
        }
        files.push(p);
    }
    Ok(match files.len() {
        1 => InputSource::File(files.remove(0)),
        _ => InputSource::Files(files),
    })
}

/// Parses "system|pinned|cuda|cuda:N".
pub fn parse_memory(s: &str) -> anyhow::Result<OutputMemory> {
    Ok(match s {
        "system" | "cpu" => OutputMemory::System,
        "pinned" => OutputMemory::Pinned,
        "cuda" | "gpu" => OutputMemory::Cuda(0),
        other => match other.strip_prefix("cuda:") {
            Some(n) => OutputMemory::Cuda(n.parse().with_context(|| format!("memory {s:?}: bad device number"))?),
            None => bail!("memory {s:?}: expected system, pinned, cuda or cuda:N"),
        },
    })
}

impl BenchArgs {
    /// The engine configuration these flags describe.
    pub fn to_config(&self) -> anyhow::Result<BenchConfig> {
        let mut c = BenchConfig::new(&self.model);
        c.version = self.version.unwrap_or(-1);
        c.batch_size = self.batch_size;
        c.loads = match (&self.request_intervals, &self.concurrency_range, &self.request_rate_range) {
            (Some(f), _, _) => vec![Intervals::read(f).map_err(|e| bad_input(format!("--request-intervals {e}")))?.load_mode()],
            (None, _, Some(r)) => parse_rate_range(r).map_err(|e| bad_input(e.to_string()))?.into_iter().map(|rate| LoadMode::RequestRate { rate, distribution: self.request_distribution }).collect(),
            (None, Some(r), None) => parse_concurrency_range(r).map_err(|e| bad_input(e.to_string()))?.into_iter().map(LoadMode::Concurrency).collect(),
            (None, None, None) => vec![LoadMode::Concurrency(1)],
        };
        c.threads = self.max_threads;
        c.max_in_flight = self.max_in_flight;
        c.input = input_source(&self.input_data, self.seed)?;
        c.shapes = ShapeOverrides::parse(&self.shape).map_err(|e| bad_input(format!("--shape: {e}")))?;
        // Before the server starts: a shape that cannot fit whatever its datatype
        // (one byte per element) is refused here; the exact size is checked
        // against the model's datatypes (and the memory available) after loading.
        for (name, dims) in c.shapes.iter() {
            let elements = dims.iter().fold(u128::from(self.batch_size), |acc, &d| acc.saturating_mul(d.max(0) as u128));
            if elements > u128::from(limits::MAX_INPUT_BYTES) {
                return Err(bad_input(format!(
                    "--shape {name}:{}: {elements} elements per request (batch size {} included) take at least {} even at one byte per element, above tritium's cap of {} on input data; use a smaller shape",
                    dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(","),
                    self.batch_size,
                    limits::human_bytes(elements),
                    limits::human_bytes(u128::from(limits::MAX_INPUT_BYTES))
                )));
            }
        }
        c.strings = StringOptions { length: self.string_length, data: self.string_data.clone() };
        let mem = |flag: &str, v: &Option<String>| v.as_deref().map(parse_memory).transpose().map_err(|e| bad_input(format!("{flag}: {e}")));
        let both = mem("--memory", &self.memory)?.unwrap_or(OutputMemory::System);
        c.input_memory = mem("--input-memory", &self.input_memory)?.unwrap_or(both);
        c.output_memory = mem("--output-memory", &self.output_memory)?.unwrap_or(both);
        // Count windows and deterministic runs use perf_analyzer's rule (and its
        // defaults, so --request-count's deadline stays 60 × 5 s): the settings say so.
        let rule = if self.request_count.is_some() { StopRule::PerfAnalyzer } else { self.measurement_rule.for_mode(self.measurement_mode) };
        c.measurement = Measurement {
            mode: self.measurement_mode,
            interval_ms: self.measurement_interval.unwrap_or(rule.default_interval_ms()),
            request_count: self.measurement_request_count,
            stability_pct: self.stability_percentage,
            max_trials: self.max_trials.unwrap_or(rule.default_max_trials()),
            percentile: self.percentile,
            warmup_ms: self.warmup,
            rule,
            ci_target_pct: self.ci_target,
        };
        c.seed = self.seed;
        c.request_count = self.request_count;
        c.request_count_timeout = self.request_count_timeout.map(Duration::from_secs_f64);
        c.validate = self.validate;
        c.warmup_requests = self.warmup_request_count;
        c.latency_limit = self.latency_limit(&c.loads)?;
        c.parameters = self.request_parameter.clone();
        c.trace_cuda_copies = self.trace_cuda_copies;
        if self.trace.is_some() {
            c.trace = Some(tritium_bench::trace::collect::TraceOptions { rate: self.trace_rate, capacity: self.trace_buffer as usize });
        }
        Ok(c)
    }
}

impl BenchArgs {
    /// `-l` and `--binary-search`, checked against the levels they search.
    fn latency_limit(&self, loads: &[LoadMode]) -> anyhow::Result<Option<LatencyLimit>> {
        let Some(ms) = self.latency_threshold.filter(|ms| *ms > 0.0) else {
            if self.binary_search {
                return Err(bad_input("--binary-search needs a latency limit: give -l/--latency-threshold MS > 0"));
            }
            return Ok(None);
        };
        if let Some(p) = self.percentile.filter(|p| !THRESHOLD_PERCENTILES.contains(p)) {
            return Err(bad_input(format!(
                "-l/--latency-threshold with --percentile {p}: tritium compares p50, p90, p95 or p99 (the percentiles a load point carries) or, without --percentile, the average; use one of those"
            )));
        }
        if self.binary_search {
            if loads.len() < 2 {
                return Err(bad_input("--binary-search needs a range to search: --concurrency-range START:END[:STEP] or --request-rate-range START:END[:STEP]"));
            }
            tritium_bench::threshold::check_ascending(loads).map_err(bad_input)?;
        }
        Ok(Some(LatencyLimit { threshold_ms: ms, percentile: self.percentile, binary_search: self.binary_search }))
    }
}

/// What `-l` decided, under the table: the level found or where the sweep stopped.
pub fn threshold_note(report: &BenchReport, limit: &LatencyLimit, levels: usize) -> String {
    let name = limit.latency_name();
    if limit.binary_search {
        let best = report.points.iter().filter(|p| limit.meets(p)).max_by(|a, b| load_value(a).total_cmp(&load_value(b)));
        return match best {
            Some(p) => format!("binary search: {} is the largest level with a stable {name} latency under {} ms\n", load_label(p), limit.threshold_ms),
            None => format!("binary search: no level of the range has a stable {name} latency under {} ms\n", limit.threshold_ms),
        };
    }
    match report.points.last().filter(|p| !limit.under(p)) {
        Some(p) if report.points.len() < levels => format!("latency threshold: stopped after {}: {name} latency at or over {} ms ({} of {levels} levels measured)\n", load_label(p), limit.threshold_ms, report.points.len()),
        _ => String::new(),
    }
}

fn load_value(p: &export::LoadPoint) -> f64 {
    p.concurrency.map(f64::from).or(p.request_rate).unwrap_or(0.0)
}

struct TermObserver {
    bar: Option<indicatif::ProgressBar>,
    /// `-v`: every window gets its own line, also under the spinner.
    verbose: bool,
}

impl Observer for TermObserver {
    fn point_started(&self, label: &str) {
        match &self.bar {
            Some(b) => b.set_message(format!("{label}: warming up")),
            None => eprintln!("[bench] {label}"),
        }
    }
    fn window(&self, label: &str, index: u32, s: &WindowSample, stable: bool) {
        let msg = if s.throughput > 0.0 {
            format!("{label}: window {index}: {:.1} infer/s, avg {:.0} µs, p99 {:.0} µs{}", s.throughput, s.avg_latency_us, s.p99_latency_us, if stable { " (stable)" } else { "" })
        } else {
            format!("{label}: window {index}: no successful request")
        };
        match &self.bar {
            Some(b) if self.verbose => b.println(format!("[bench] {msg}")),
            Some(b) => {
                b.set_message(msg);
                b.tick();
            }
            None => eprintln!("[bench] {msg}"),
        }
    }
    fn warn(&self, m: &str) {
        match &self.bar {
            Some(b) => b.println(format!("warning: {m}")),
            None => eprintln!("warning: {m}"),
        }
    }
}

/// Sets `flag` on the first Ctrl-C (from a tokio signal thread).
pub fn install_interrupt(flag: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new().name("tritium-signals".into()).spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("\ninterrupted: finishing the current window and writing partial results (Ctrl-C again to abort)");
                    flag.store(true, Ordering::SeqCst);
                    let _ = tokio::signal::ctrl_c().await;
                    std::process::exit(130);
                }
            });
        }
    });
}

fn fmt_opt_us(us: Option<f64>) -> String {
    us.map(fmt_us).unwrap_or_else(|| "-".into())
}

fn fmt_us(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

/// " ±2.1%" (see [`tritium_bench::stats::plus_minus`], the rule `profile`'s
/// tables share).
fn fmt_pm(estimate: f64, ci: Option<Interval>) -> String {
    plus_minus(estimate, ci)
}

/// "concurrency 4" / "rate 500/s": a load point's level, as the tables show it.
fn load_label(p: &export::LoadPoint) -> String {
    match (p.concurrency, p.request_rate) {
        (Some(c), _) => format!("concurrency {c}"),
        (_, Some(r)) => format!("rate {r}/s"),
        _ => "-".into(),
    }
}

/// The terminal table.
pub fn table(report: &BenchReport) -> String {
    let mut s = format!("model {} (Triton {}), {}\n", report.model, report.triton_version, report.machine);
    // Deterministic runs (--request-count) have one window: stability does not apply.
    let deterministic = report.settings.get("request_count").map(|v| !v.is_null()).unwrap_or(false);
    let request_count = report.settings.get("request_count").and_then(|v| v.as_u64());
    s += &format!(
        "{:<18} {:>17} {:>16} {:>10} {:>10} {:>16} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>7}\n",
        "load", "infer/s (±95%)", "avg", "p50", "p90", "p99", "p99.9", "srv queue", "srv infer", "overhead", "gen CPU", "failed", "stable"
    );
    let mut notes = String::new();
    for p in &report.points {
        let load = load_label(p);
        let srv = p.server.as_ref();
        let l = &p.latency;
        let ci = p.latency_ci.unwrap_or_default();
        let failed = p.failed_requests();
        let outcome = p.outcome(request_count);
        s += &format!(
            "{:<18} {:>17} {:>16} {:>10} {:>10} {:>16} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>7}\n",
            load,
            format!("{:.1}{}", p.throughput, fmt_pm(p.throughput, p.throughput_ci)),
            fmt_opt_us(l.avg()) + &l.avg().map(|v| fmt_pm(v, ci.avg)).unwrap_or_default(),
            fmt_opt_us(l.p50()),
            fmt_opt_us(l.p90()),
            fmt_opt_us(l.p99()) + &l.p99().map(|v| fmt_pm(v, ci.p99)).unwrap_or_default(),
            fmt_opt_us(l.p999()),
            srv.map(|b| fmt_us(b.queue_us) + &fmt_pm(b.queue_us, p.server_ci.and_then(|c| c.queue))).unwrap_or_else(|| "-".into()),
            srv.map(|b| fmt_us(b.compute_infer_us) + &fmt_pm(b.compute_infer_us, p.server_ci.and_then(|c| c.compute_infer))).unwrap_or_else(|| "-".into()),
            fmt_opt_us(p.client_overhead_us),
            p.loadgen_cpu_cores.map(|c| format!("{:.2}", c)).unwrap_or_default(),
            if failed == 0 { "0".to_string() } else { format!("{failed} ({:.0}%)", 100.0 * failed as f64 / p.requests.max(1) as f64) },
            if matches!(outcome, PointOutcome::Failed(_)) {
                "FAILED"
            } else if deterministic {
                "n/a"
            } else if p.stable {
                "yes"
            } else {
                "NO"
            }
        );
        match outcome {
            PointOutcome::Failed(why) => notes += &format!("{load}: FAILED: {why}\n"),
            PointOutcome::Partial(why) => notes += &format!("{load}: partial: {why}\n"),
            PointOutcome::Clean => {}
        }
        for (kind, n) in &p.failures {
            let example = p.failure_examples.get(kind).filter(|e| *e != kind).map(|e| format!(" (e.g. {e})")).unwrap_or_default();
            notes += &format!("  {n} × {kind}{example}\n");
        }
    }
    if !notes.is_empty() {
        s += "\n";
        s += &notes;
    }
    s
}

/// The exit code a report earns (see `cli::exit`): 0 when every level is a
/// clean result, 3 (partial) when a level had failed requests, was unstable,
/// is incomplete or was not measured, 1 (failed) when a level has no
/// successful request or its model's stub died.
pub fn exit_code(report: &BenchReport, levels_asked: usize, request_count: Option<u64>) -> i32 {
    let mut code = exit::SUCCESS;
    for p in &report.points {
        code = exit::worst(
            code,
            match p.outcome(request_count) {
                PointOutcome::Clean => exit::SUCCESS,
                PointOutcome::Partial(_) => exit::PARTIAL,
                PointOutcome::Failed(_) => exit::FAILED,
            },
        );
    }
    if report.points.len() < levels_asked {
        code = exit::worst(code, exit::PARTIAL);
    }
    code
}

/// Checks every output file target before the server starts (exit 2 when one cannot be written).
fn check_outputs(a: &BenchArgs) -> anyhow::Result<()> {
    let targets = [("--json", &a.json), ("-f/--latency-report-file", &a.csv), ("--trace", &a.trace)];
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for (flag, path) in targets {
        let Some(p) = path else { continue };
        tritium_util::fs::check_output_target(p).map_err(|e| bad_input(format!("{flag} {}: {e}", p.display())))?;
        let resolved = tritium_util::fs::resolve_output_path(p).unwrap_or_else(|_| p.clone());
        let resolved = std::path::absolute(&resolved).unwrap_or(resolved);
        if let Some((other, _)) = seen.iter().find(|(_, q)| *q == resolved) {
            return Err(bad_input(format!("{flag} {} is the same file as {other}; give each output its own file", p.display())));
        }
        seen.push((flag, resolved));
    }
    Ok(())
}

fn write_outputs(a: &BenchArgs, run: &bench::BenchRun, spread: Option<&tritium_bench::repeat::RepeatSummary>) -> anyhow::Result<()> {
    let report = &run.report;
    if let Some(p) = &a.json {
        super::repeat::write_json(report, spread, p).with_context(|| format!("writing --json {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &a.csv {
        export::write_csv(report, p).with_context(|| format!("writing -f {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &a.trace {
        let set = run.merged_trace();
        tritium_report::chrome::write_chrome(&set, p).with_context(|| format!("writing --trace {}", p.display()))?;
        eprintln!(
            "wrote {} ({} request timelines; {} not sampled, {} dropped) — open it in https://ui.perfetto.dev",
            p.display(),
            set.timelines.len(),
            set.not_sampled,
            set.dropped_timelines
        );
    }
    Ok(())
}

/// Runs `tritium bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<i32> {
    // Everything the user gave is checked before the server starts.
    let cfg = a.to_config()?;
    check_outputs(&a)?;
    if !a.model_repository.is_dir() {
        return Err(bad_input(format!("--model-repository {}: not a directory", a.model_repository.display())));
    }
    let server = a.runtime.start(&a.model_repository)?;
    if !a.no_load {
        if let Err(e) = server.load_model(&a.model) {
            return Err(super::load_error(&server, &a.model, &a.model_repository, e));
        }
    }
    let interrupt = Arc::new(AtomicBool::new(false));
    install_interrupt(interrupt.clone());
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(Duration::from_millis(200));
        Some(b)
    } else {
        None
    };
    let obs = TermObserver { bar, verbose: a.verbose };
    let run = bench::run(&server, &cfg, &interrupt, &obs);
    // --- `--repeat N`: runs 2..=N in the same server (cli::repeat) ---
    let later = if run.is_ok() { super::repeat::more_runs(a.repeat, &interrupt, || bench::run(&server, &cfg, &interrupt, &obs)) } else { Vec::new() };
    // --- end of `--repeat` ---
    if let Some(b) = &obs.bar {
        b.finish_and_clear();
    }
    let run = match run {
        Ok(r) => r,
        // The model's metadata refuses the inputs asked for (shape, size, data file): bad input.
        Err(tritium_triton::Error::InvalidArgument(m)) => return Err(bad_input(m)),
        Err(e) => return Err(e.into()),
    };
    let report = &run.report;
    print!("{}", table(report));
    if let Some(limit) = &cfg.latency_limit {
        print!("{}", threshold_note(report, limit, cfg.loads.len()));
    }
    for p in &report.points {
        if let Some(ph) = &p.phases {
            print!("\nphases of traced requests, {}:\n{}", load_label(p), ph.render());
        }
    }
    // --- `--repeat N`: later runs' tables and the between-run spread ---
    let spread = super::repeat::report(a.repeat, report, &later, table);
    // --- end of `--repeat` ---
    write_outputs(&a, &run, spread.as_ref())?;
    if interrupt.load(Ordering::SeqCst) {
        return Ok(exit::INTERRUPTED);
    }
    // Deterministic runs have no stability to judge: success = every request succeeded.
    // With --repeat: the worst run's code, and partial when a run is missing.
    // With -l the search decides how many levels are measured.
    let asked = |r: &BenchReport| if cfg.latency_limit.is_some() { r.points.len() } else { cfg.loads.len() };
    let mut code = exit_code(report, asked(report), a.request_count);
    for r in &later {
        code = exit::worst(code, exit_code(r, asked(r), a.request_count));
    }
    if (later.len() as u32) + 1 < a.repeat {
        code = exit::worst(code, exit::PARTIAL);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report of `points` with every other field empty.
    fn test_report(points: Vec<export::LoadPoint>) -> BenchReport {
        BenchReport {
            schema_version: export::SCHEMA_VERSION,
            tool: "tritium".into(),
            tool_version: String::new(),
            triton_version: String::new(),
            model: "m".into(),
            model_version: "1".into(),
            started_at: String::new(),
            machine: String::new(),
            settings: serde_json::json!({}),
            points,
        }
    }

    #[test]
    fn concurrency_ranges() {
        assert_eq!(parse_concurrency_range("1:4").unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(parse_concurrency_range("1:64:16").unwrap(), vec![1, 17, 33, 49]);
        assert_eq!(parse_concurrency_range("8").unwrap(), vec![8]);
        assert_eq!(parse_concurrency_range("1,4,16,64").unwrap(), vec![1, 4, 16, 64]);
        assert_eq!(parse_concurrency_range("16384").unwrap(), vec![16384]);
        assert!(parse_concurrency_range("4:1").unwrap_err().to_string().contains("below start"));
        assert!(parse_concurrency_range("a:2").unwrap_err().to_string().contains("not a number"));
        assert!(parse_concurrency_range("1:2:3:4").is_err());
        assert!(parse_concurrency_range("1,0").unwrap_err().to_string().contains("concurrency 0"));
        assert!(parse_concurrency_range("1:4:0").unwrap_err().to_string().contains("step"));
        // Never clamped, never truncated.
        for (bad, want) in [("10000000", "16384"), ("4294967296", "16384"), ("18446744073709551616", "16384"), ("1e3", "whole number"), ("x", "not a number"), ("0.5", "whole number"), ("1:2.5", "whole number"), ("-1", "1 or more")] {
            let e = parse_concurrency_range(bad).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("--concurrency-range"), "{bad}: {e}");
        }
        // Level count is computed, not iterated into memory.
        let e = parse_concurrency_range("1:16384").unwrap_err().to_string();
        assert!(e.contains("16384 levels") && e.contains("10000"), "{e}");
        assert_eq!(parse_concurrency_range("1:16384:2").unwrap().len(), 8192);
    }

    #[test]
    fn rate_ranges() {
        assert_eq!(parse_rate_range("100:300:100").unwrap(), vec![100.0, 200.0, 300.0]);
        assert_eq!(parse_rate_range("0.5").unwrap(), vec![0.5]);
        assert_eq!(parse_rate_range("0.5,2.5").unwrap(), vec![0.5, 2.5]);
        for bad in ["0", "-5", "nan", "inf", "1e8", "1:1e9:1", "1:2:0", "1:1000000:1"] {
            assert!(parse_rate_range(bad).is_err(), "{bad}");
        }
        assert!(parse_rate_range("1:1000000:1").unwrap_err().to_string().contains("levels"));
    }

    #[test]
    fn flag_parsers_refuse_absurd_values() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let parse = |extra: &[&str]| {
            let mut v = vec!["t", "--model-repository", "r", "-m", "m"];
            v.extend_from_slice(extra);
            T::try_parse_from(v).map(|t| t.b)
        };
        assert!(parse(&[]).is_ok());
        for bad in [
            &["--percentile", "0"][..],
            &["--percentile", "1000"],
            &["--max-trials", "0"],
            &["-p", "0"],
            &["-p", "18446744073709551615"],
            &["--max-threads", "0"],
            &["--max-threads", "100000"],
            &["--max-in-flight", "0"],
            &["--max-in-flight", "16385"],
            &["--measurement-request-count", "0"],
            &["-s", "0"],
            &["-s", "-1"],
            &["-s", "nan"],
            &["-s", "inf"],
            &["--string-length", "0"],
            &["--string-length", "100000000000"],
            &["-b", "0"],
            &["--warmup", "99999999999"],
            &["--request-count-timeout", "5"],
            &["--request-count", "2", "--request-count-timeout", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(parse(&["--percentile", "99"]).unwrap().percentile, Some(99));
        assert_eq!(parse(&["--request-count", "2", "--request-count-timeout", "1.5"]).unwrap().request_count_timeout, Some(1.5));
    }

    #[test]
    fn measurement_rule_flags_and_their_defaults() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let cfg = |extra: &[&str]| T::try_parse_from([&["t", "--model-repository", "r", "-m", "m"][..], extra].concat()).map(|t| t.b.to_config().unwrap().measurement);
        let m = cfg(&[]).unwrap();
        assert_eq!((m.rule, m.interval_ms, m.max_trials, m.ci_target_pct), (StopRule::Adaptive, 1000, 20, 3.0));
        let m = cfg(&["--measurement-rule", "perf-analyzer"]).unwrap();
        assert_eq!((m.rule, m.interval_ms, m.max_trials), (StopRule::PerfAnalyzer, 5000, 10));
        let m = cfg(&["-p", "700", "--max-trials", "7", "--ci-target", "1.5"]).unwrap();
        assert_eq!((m.rule, m.interval_ms, m.max_trials, m.ci_target_pct), (StopRule::Adaptive, 700, 7, 1.5));
        // Count windows and deterministic runs keep perf_analyzer's rule and defaults.
        assert_eq!(cfg(&["--measurement-mode", "count-windows"]).unwrap().rule, StopRule::PerfAnalyzer);
        assert_eq!(cfg(&["--request-count", "5"]).unwrap().interval_ms, 5000);
        for bad in ["0", "-1", "100.5", "nan", "inf", "x"] {
            let e = cfg(&[&format!("--ci-target={bad}")]).err().unwrap_or_else(|| panic!("--ci-target {bad} was accepted")).to_string();
            assert!(e.contains("--ci-target"), "{bad}: {e}");
        }
        assert!(cfg(&["--measurement-rule", "fast"]).is_err());
    }

    #[test]
    fn perf_analyzer_spellings_and_common_flags() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let parse = |extra: &[&str]| T::try_parse_from([&["t", "--model-repository", "r", "-m", "m"][..], extra].concat()).map(|t| t.b);
        // Both spellings of the measurement mode, and the result is the same mode.
        for (v, want) in [("time_windows", MeasurementMode::TimeWindows), ("time-windows", MeasurementMode::TimeWindows), ("count_windows", MeasurementMode::CountWindows), ("count-windows", MeasurementMode::CountWindows)] {
            let b = parse(&["--measurement-mode", v]).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(b.measurement_mode, want, "{v}");
            assert_eq!(b.to_config().unwrap().measurement.mode, want, "{v}");
        }
        assert!(parse(&["--measurement-mode", "time windows"]).is_err());
        // -r is --max-trials.
        assert_eq!(parse(&["-r", "7"]).unwrap().to_config().unwrap().measurement.max_trials, 7);
        assert!(parse(&["-r", "0"]).is_err());
        // --warmup-request-count reaches the engine; 0 by default; not with --request-count.
        assert_eq!(parse(&[]).unwrap().to_config().unwrap().warmup_requests, 0);
        assert_eq!(parse(&["--warmup-request-count", "40"]).unwrap().to_config().unwrap().warmup_requests, 40);
        assert!(parse(&["--warmup-request-count", "-1"]).is_err());
        assert!(parse(&["--warmup-request-count", "4", "--request-count", "10"]).is_err());
        // -v.
        assert!(parse(&["-v"]).unwrap().verbose && !parse(&[]).unwrap().verbose);
        // --version prints tritium's version and the perf_analyzer release, without the required flags.
        let e = T::try_parse_from(["t", "--version"]).err().expect("--version exits");
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
        let shown = e.to_string();
        assert!(shown.contains(env!("CARGO_PKG_VERSION")) && shown.contains("perf_analyzer") && shown.contains("2.51"), "{shown}");
    }

    #[test]
    fn latency_threshold_and_binary_search_flags() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let cfg = |extra: &[&str]| T::try_parse_from([&["t", "--model-repository", "r", "-m", "m"][..], extra].concat()).map_err(|e| e.to_string()).and_then(|t| t.b.to_config().map_err(|e| e.to_string()));
        assert_eq!(cfg(&[]).unwrap().latency_limit, None);
        assert_eq!(cfg(&["-l", "0"]).unwrap().latency_limit, None, "0 is perf_analyzer's 'no limit'");
        let l = cfg(&["-l", "45", "--concurrency-range", "1:16"]).unwrap().latency_limit.unwrap();
        assert_eq!((l.threshold_ms, l.percentile, l.binary_search), (45.0, None, false));
        let l = cfg(&["--latency-threshold", "2.5", "--binary-search", "--percentile", "99", "--request-rate-range", "100:400:100"]).unwrap().latency_limit.unwrap();
        assert_eq!((l.threshold_ms, l.percentile, l.binary_search), (2.5, Some(99), true));
        // Refused, each saying why.
        for (bad, want) in [
            (&["--binary-search", "--concurrency-range", "1:8"][..], "latency"),
            (&["-l", "0", "--binary-search", "--concurrency-range", "1:8"], "-l/--latency-threshold MS > 0"),
            (&["-l", "10", "--binary-search"], "range to search"),
            (&["-l", "10", "--binary-search", "--concurrency-range", "8,4,1"], "ascending"),
            (&["-l", "10", "--percentile", "75"], "p50, p90, p95 or p99"),
            (&["-l=-3"], "no limit"),
            (&["-l", "nan"], "no limit"),
            (&["-l", "10", "--binary-search", "--concurrency-range", "1:8", "--request-count", "5"], "cannot be used with"),
        ] {
            let e = cfg(bad).err().unwrap_or_else(|| panic!("{bad:?} was accepted"));
            assert!(e.contains(want), "{bad:?}: {e}");
        }
    }

    #[test]
    fn threshold_note_names_the_level_found_or_where_the_sweep_stopped() {
        let point = |c: u32, avg_us: f64| {
            let mut p = export::LoadPoint { concurrency: Some(c), requests: 10, stable: true, ..Default::default() };
            p.latency.count = 10;
            p.latency.avg_us = avg_us;
            p
        };
        let report = test_report;
        let binary = LatencyLimit { threshold_ms: 45.0, percentile: None, binary_search: true };
        let r = report(vec![point(1, 10e3), point(16, 160e3), point(8, 80e3), point(4, 40e3), point(6, 60e3), point(5, 50e3)]);
        let n = threshold_note(&r, &binary, 16);
        assert!(n.contains("concurrency 4 is the largest") && n.contains("avg") && n.contains("45 ms"), "{n}");
        assert!(threshold_note(&report(vec![point(1, 50e3)]), &binary, 16).contains("no level"));
        let linear = LatencyLimit { binary_search: false, ..binary };
        let n = threshold_note(&report(vec![point(1, 10e3), point(2, 50e3)]), &linear, 8);
        assert!(n.contains("stopped after concurrency 2") && n.contains("2 of 8"), "{n}");
        assert_eq!(threshold_note(&report(vec![point(1, 10e3), point(2, 20e3)]), &linear, 2), "");
        // The exit code does not count the levels the search skipped: see run().
    }

    #[test]
    fn input_data_repeated_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        std::fs::write(&a, "{}").unwrap();
        std::fs::write(&b, "{}").unwrap();
        let s = |v: &[&std::path::Path]| v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>();
        let src = |v: &[&str]| input_source(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>(), 3);
        assert_eq!(src(&["random"]).unwrap(), InputSource::Random { seed: 3 });
        assert_eq!(src(&["zero"]).unwrap(), InputSource::Zero);
        assert_eq!(input_source(&s(&[&a]), 0).unwrap(), InputSource::File(a.clone()));
        assert_eq!(input_source(&s(&[&a, &b]), 0).unwrap(), InputSource::Files(vec![a.clone(), b.clone()]));
        assert_eq!(input_source(&s(&[dir.path()]), 0).unwrap(), InputSource::Dir(dir.path().to_path_buf()));
        // Refused, each saying why, as bad input.
        for (bad, want) in [
            (s(&[&a, dir.path()]), "give it alone"),
            (vec!["random".to_string(), a.display().to_string()], "cannot be combined"),
            (s(&[&dir.path().join("missing.json")]), "no such file or directory"),
        ] {
            let e = input_source(&bad, 0).unwrap_err();
            assert_eq!(exit::code_of(&e), exit::BAD_INPUT);
            assert!(e.to_string().contains(want), "{bad:?}: {e}");
        }
        // The flag repeats.
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let t = T::try_parse_from(["t", "--model-repository", "r", "-m", "m", "--input-data", &s(&[&a])[0], "--input-data", &s(&[&b])[0]]).unwrap();
        assert_eq!(t.b.to_config().unwrap().input, InputSource::Files(vec![a, b]));
    }

    #[test]
    fn request_intervals_become_one_open_loop_level() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let dir = tempfile::tempdir().unwrap();
        let iv = dir.path().join("iv.txt");
        std::fs::write(&iv, "1000\n3000\n").unwrap();
        let ivs = iv.display().to_string();
        let parse = |extra: &[&str]| T::try_parse_from([&["t", "--model-repository", "r", "-m", "m"][..], extra].concat()).map(|t| t.b);
        let loads = parse(&["--request-intervals", &ivs]).unwrap().to_config().unwrap().loads;
        match loads.as_slice() {
            [LoadMode::RequestRate { rate, distribution: Distribution::Custom(g) }] => {
                assert_eq!(*rate, 500.0);
                assert_eq!(g.gaps_ns(), &[1_000_000, 3_000_000]);
            }
            other => panic!("{other:?}"),
        }
        // perf_analyzer refuses it with a range; so does clap.
        for other in [&["--concurrency-range", "1:4"][..], &["--request-rate-range", "100"], &["--request-distribution", "poisson"]] {
            assert!(parse(&[&["--request-intervals", &ivs][..], other].concat()).is_err(), "{other:?}");
        }
        // A bad file is bad input naming the flag, the file and the line.
        std::fs::write(&iv, "1000\n2.5\n").unwrap();
        let e = parse(&["--request-intervals", &ivs]).unwrap().to_config().unwrap_err();
        assert_eq!(exit::code_of(&e), exit::BAD_INPUT);
        assert!(e.to_string().contains("--request-intervals") && e.to_string().contains("iv.txt") && e.to_string().contains("line 2"), "{e}");
        let e = parse(&["--request-intervals", "/nonexistent/iv.txt"]).unwrap().to_config().unwrap_err();
        assert_eq!(exit::code_of(&e), exit::BAD_INPUT);
    }

    #[test]
    fn request_parameters_reach_the_config_and_bad_ones_are_refused_by_clap() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let parse = |extra: &[&str]| T::try_parse_from([&["t", "--model-repository", "r", "-m", "m"][..], extra].concat()).map(|t| t.b);
        let c = parse(&["--request-parameter", "max_tokens:16:int", "--request-parameter", "mode:fast:string", "--request-parameter", "stream:true:bool"]).unwrap().to_config().unwrap();
        assert_eq!(
            c.parameters,
            vec![("max_tokens".to_string(), ParameterValue::Int(16)), ("mode".to_string(), ParameterValue::String("fast".into())), ("stream".to_string(), ParameterValue::Bool(true))]
        );
        assert!(parse(&[]).unwrap().to_config().unwrap().parameters.is_empty());
        let e = parse(&["--request-parameter", "max_tokens:16"]).unwrap_err().to_string();
        assert!(e.contains("--request-parameter") && e.contains("NAME:VALUE:TYPE"), "{e}");
    }

    #[test]
    fn huge_shapes_are_bad_input_before_the_server() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            b: BenchArgs,
        }
        let t = T::try_parse_from(["t", "--model-repository", "r", "-m", "m", "--shape", "IN:100000000000"]).unwrap();
        let e = t.b.to_config().unwrap_err();
        assert_eq!(exit::code_of(&e), exit::BAD_INPUT);
        assert!(e.to_string().contains("IN:100000000000"), "{e}");
        let t = T::try_parse_from(["t", "--model-repository", "r", "-m", "m", "--concurrency-range", "4294967296"]).unwrap();
        assert_eq!(exit::code_of(&t.b.to_config().unwrap_err()), exit::BAD_INPUT);
    }

    #[test]
    fn exit_codes_follow_the_points() {
        let point = |ok: u64, failed: u64, stable: bool| {
            let mut p = export::LoadPoint { requests: ok + failed, stable, ..Default::default() };
            if failed > 0 {
                p.failures.insert("boom".into(), failed);
            }
            p
        };
        let report = test_report;
        assert_eq!(exit_code(&report(vec![point(10, 0, true)]), 1, None), exit::SUCCESS);
        assert_eq!(exit_code(&report(vec![point(10, 0, false)]), 1, None), exit::PARTIAL);
        assert_eq!(exit_code(&report(vec![point(9, 1, true)]), 1, None), exit::PARTIAL);
        assert_eq!(exit_code(&report(vec![point(9, 1, true), point(0, 50, true)]), 2, None), exit::FAILED);
        assert_eq!(exit_code(&report(vec![point(10, 0, true)]), 2, None), exit::PARTIAL);
        // Deterministic: every request must succeed; none succeeding is a failure.
        assert_eq!(exit_code(&report(vec![point(50, 0, false)]), 1, Some(50)), exit::SUCCESS);
        assert_eq!(exit_code(&report(vec![point(0, 50, false)]), 1, Some(50)), exit::FAILED);
        assert_eq!(exit_code(&report(vec![point(1, 0, false)]), 1, Some(2)), exit::PARTIAL);
        assert_eq!(exit_code(&report(vec![point(0, 0, false)]), 1, Some(2)), exit::FAILED);
        let mut dead = point(10, 0, true);
        dead.error = Some("stub died".into());
        assert_eq!(exit_code(&report(vec![dead.clone()]), 1, None), exit::FAILED);
        // The table says so.
        let t = table(&report(vec![dead, point(0, 50, true), point(9, 1, true)]));
        assert!(t.contains("FAILED: stub died") && t.contains("50 (100%)") && t.contains("1 of 10 requests failed") && t.contains("1 × boom"), "{t}");
        assert!(t.lines().nth(3).unwrap().contains(" - "), "no latency shown as -: {t}");
    }

    #[test]
    fn table_shows_intervals_as_plus_minus() {
        assert_eq!(fmt_pm(1000.0, Some(Interval::new(979.0, 1021.0))), " ±2.1%");
        // Asymmetric (a percentile): the larger side.
        assert_eq!(fmt_pm(100.0, Some(Interval::new(95.0, 130.0))), " ±30%");
        assert_eq!(fmt_pm(100.0, None), "");
        assert_eq!(fmt_pm(0.0, Some(Interval::new(0.0, 1.0))), "");
        let mut p = export::LoadPoint { concurrency: Some(4), requests: 1000, stable: true, throughput: 3456.7, ..Default::default() };
        p.latency = tritium_bench::stats::LatencySummary { count: 1000, avg_us: 800.0, p50_us: 790.0, p90_us: 900.0, p95_us: 950.0, p99_us: 1200.0, ..Default::default() };
        p.throughput_ci = Some(Interval::new(3384.1, 3529.3));
        p.latency_ci = Some(tritium_bench::stats::LatencyIntervals { avg: Some(Interval::new(789.0, 811.0)), p99: Some(Interval::new(1100.0, 1300.0)), ..Default::default() });
        let report = BenchReport {
            schema_version: export::SCHEMA_VERSION,
            tool: "tritium".into(),
            tool_version: "0".into(),
            triton_version: "2".into(),
            model: "m".into(),
            model_version: "1".into(),
            started_at: String::new(),
            machine: String::new(),
            settings: serde_json::json!({}),
            points: vec![p.clone(), export::LoadPoint { throughput_ci: None, latency_ci: None, ..p }],
        };
        let t = table(&report);
        let rows: Vec<&str> = t.lines().collect();
        assert!(rows[2].contains("3456.7 ±2.1%") && rows[2].contains("800 µs ±1.4%") && rows[2].contains("1200 µs ±8.3%"), "{t}");
        assert!(rows[3].contains("3456.7") && !rows[3].contains('±'), "{t}");
        // Columns stay aligned with and without intervals.
        assert_eq!(rows[1].chars().count(), rows[2].chars().count(), "{t}");
        assert_eq!(rows[2].chars().count(), rows[3].chars().count(), "{t}");
    }

    #[test]
    fn memories() {
        assert_eq!(parse_memory("system").unwrap(), OutputMemory::System);
        assert_eq!(parse_memory("cuda:1").unwrap(), OutputMemory::Cuda(1));
        assert!(parse_memory("hbm").is_err());
    }
}
