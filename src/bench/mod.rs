//! `tritium bench`: the in-process measurement engine.
//!
//! Data flow: [`BenchConfig`] → inputs prepared from the model's metadata
//! ([`input_data`]) → requests built once → [`loadgen`] drives them → per
//! window: merged latency histograms ([`stats`]), server statistics deltas,
//! resource readings ([`resources`]) → stability check → [`export`] records.

pub mod export;
pub mod harness;
pub mod input_data;
pub mod limits;
pub mod loadgen;
pub mod probe;
pub mod resources;
pub mod stats;
pub mod validate;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::model::ModelStats;
use crate::triton::{InferRequest, InputBuffer, OutputMemory, Server};
use export::{BatchBreakdown, BenchReport, LoadPoint, ServerBreakdown};
use input_data::{InputSource, ShapeOverrides, StringOptions, TensorSpec};
use loadgen::{LoadGen, LoadMode, WindowAcc};
use stats::{LatencySummary, WindowSample};
use validate::OutputCheck;

/// How windows end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum MeasurementMode {
    /// Fixed-length windows (`--measurement-interval`).
    TimeWindows,
    /// Windows of a fixed number of completed requests (`--measurement-request-count`).
    CountWindows,
}

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
}

impl Measurement {
    /// Refuses settings no measurement can run with (the CLI refuses them at
    /// parse time; this guards library callers): window or warm-up over
    /// [`limits::MAX_INTERVAL_MS`], 0 windows, a percentile outside 1..=99, a
    /// stability threshold that is not a finite number > 0, 0 requests per count window.
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
        if self.mode == MeasurementMode::CountWindows && self.request_count == 0 {
            return bad("measurement request count 0: a count window needs at least one request".into());
        }
        Ok(())
    }
}

impl Default for Measurement {
    fn default() -> Self {
        Measurement { mode: MeasurementMode::TimeWindows, interval_ms: 5000, request_count: 50, stability_pct: 10.0, max_trials: 10, percentile: None, warmup_ms: 1000 }
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
    /// Check every response against the model's declared outputs (`--validate`).
    pub validate: bool,
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
            validate: false,
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

/// What the engine tells its observer.
pub trait Observer {
    /// A load point starts.
    fn point_started(&self, _label: &str) {}
    /// A window finished.
    fn window(&self, _label: &str, _index: u32, _sample: &WindowSample, _stable: bool) {}
    /// A warning for the user.
    fn warn(&self, _message: &str) {}
}

/// An observer that says nothing.
pub struct Quiet;
impl Observer for Quiet {}

/// Prepared input data sets: each is `(name, datatype, shape, buffer)` for every input.
pub type DataSet = Vec<(String, String, Vec<i64>, InputBuffer)>;

/// Reads the model's metadata and prepares the input data sets, failing
/// before any measurement on unknown models, missing shapes, bad files.
pub fn prepare_inputs(server: &Server, cfg: &BenchConfig) -> Result<Vec<DataSet>> {
    let meta = server
        .model_metadata(&cfg.model, cfg.version)
        .map_err(|e| Error::InvalidArgument(format!("model '{}' is not loaded or unknown: {e}", cfg.model)))?;
    let mcfg = server.model_config(&cfg.model, cfg.version)?;
    let specs: Vec<TensorSpec> = meta.inputs.iter().map(|t| TensorSpec { name: t.name.clone(), datatype: t.datatype.clone(), shape: t.shape.clone() }).collect();
    let bad = |e: input_data::InputError| Error::InvalidArgument(format!("model '{}': {e}", cfg.model));
    let shapes = match &cfg.input {
        // A data file may carry the shapes of variable inputs itself.
        InputSource::File(_) => input_data::resolve_shapes_allow_variable(&specs, mcfg.max_batch_size, cfg.batch_size, &cfg.shapes),
        _ => input_data::resolve_shapes(&specs, mcfg.max_batch_size, cfg.batch_size, &cfg.shapes),
    }
    .map_err(bad)?;
    let budget = limits::input_budget_bytes();
    let steps: Vec<input_data::Step> = match &cfg.input {
        InputSource::File(path) => input_data::load_input_data_limited(path, &specs, &shapes, mcfg.max_batch_size, budget).map_err(bad)?,
        src => {
            input_data::check_request_bytes(&specs, &shapes, &cfg.strings, budget).map_err(bad)?;
            let mut step = Vec::new();
            for (spec, (name, shape)) in specs.iter().zip(&shapes) {
                let bytes = input_data::generate(spec, shape, src, &cfg.strings, 0).map_err(bad)?;
                step.push((name.clone(), shape.clone(), bytes));
            }
            vec![step]
        }
    };
    if steps.is_empty() {
        return Err(Error::InvalidArgument(format!("model '{}': the input data holds no steps", cfg.model)));
    }
    let mut sets = Vec::new();
    for step in steps {
        let mut set = Vec::new();
        for (name, shape, bytes) in step {
            let dt = specs.iter().find(|s| s.name == name).map(|s| s.datatype.clone()).unwrap_or_default();
            set.push((name, dt, shape, InputBuffer::in_memory(&bytes, cfg.input_memory)?));
        }
        sets.push(set);
    }
    Ok(sets)
}

/// Whether requests must be renewed before each re-issue: ensemble requests
/// cannot be reused as they are (see [`InferRequest::renew`]).
pub(crate) fn needs_renew(server: &Server, cfg: &BenchConfig) -> bool {
    server.model_metadata(&cfg.model, cfg.version).map(|m| m.platform == "ensemble").unwrap_or(false)
}

fn build_requests(server: &Server, cfg: &BenchConfig, sets: &[DataSet], n: usize) -> Result<Vec<InferRequest>> {
    (0..n)
        .map(|i| {
            let mut b = server.request(&cfg.model, cfg.version).output_memory(cfg.output_memory);
            for (name, dt, shape, buf) in &sets[i % sets.len()] {
                b = b.input(name, dt, shape, buf.clone());
            }
            b.build()
        })
        .collect()
}

/// One finished window.
struct Window {
    acc: WindowAcc,
    duration: Duration,
    server: Option<ModelStats>,
    resources: export::ResourceUsage,
    loadgen_cpu_s: f64,
}

fn label(load: &LoadMode) -> String {
    match load {
        LoadMode::Concurrency(c) => format!("concurrency {c}"),
        LoadMode::RequestRate { rate, distribution } => format!("request rate {rate}/s ({distribution:?})"),
    }
}

fn window_sample(w: &Window, batch: u32, percentile: Option<u32>) -> WindowSample {
    let secs = w.duration.as_secs_f64().max(1e-9);
    let s = LatencySummary::from_histogram(&w.acc.hist);
    WindowSample {
        throughput: w.acc.ok as f64 * batch as f64 / secs,
        avg_latency_us: s.avg_us,
        p99_latency_us: match percentile {
            Some(p) => w.acc.hist.quantile_ns(p as f64 / 100.0) as f64 / 1e3,
            None => s.p99_us,
        },
    }
}

/// Triton's view of the successful requests; `None` when none succeeded there.
fn server_breakdown(d: &ModelStats) -> Option<ServerBreakdown> {
    let st = &d.inference_stats;
    if st.success.count == 0 {
        return None;
    }
    Some(ServerBreakdown {
        queue_us: st.avg_queue_us().unwrap_or(0.0),
        compute_input_us: st.avg_compute_input_us().unwrap_or(0.0),
        compute_infer_us: st.avg_compute_infer_us().unwrap_or(0.0),
        compute_output_us: st.avg_compute_output_us().unwrap_or(0.0),
        request_us: st.avg_request_us().unwrap_or(0.0),
        per_batch: d
            .batch_stats
            .iter()
            .filter(|b| b.compute_infer.count > 0)
            .map(|b| BatchBreakdown {
                batch_size: b.batch_size,
                executions: b.compute_infer.count,
                compute_input_us: b.compute_input.avg_us().unwrap_or(0.0),
                compute_infer_us: b.compute_infer.avg_us().unwrap_or(0.0),
                compute_output_us: b.compute_output.avg_us().unwrap_or(0.0),
            })
            .collect(),
    })
}

fn stats_of(server: &Server, cfg: &BenchConfig) -> Option<ModelStats> {
    server.model_statistics(&cfg.model, cfg.version).ok().and_then(|s| s.model_stats.into_iter().next())
}

/// The Python-backend stub processes serving the measured model (every
/// model's for an ensemble), watched during a load level: Triton does not
/// fail the requests of a stub that died, they simply never complete.
struct StubWatch {
    stubs: Vec<(u32, String)>,
}

impl StubWatch {
    fn start(server: &Server, cfg: &BenchConfig) -> StubWatch {
        let ensemble = needs_renew(server, cfg);
        StubWatch { stubs: crate::procfs::python_stubs(if ensemble { None } else { Some(&cfg.model) }) }
    }

    /// The first watched stub that no longer runs, as a message for the user.
    fn exited(&self) -> Option<String> {
        self.stubs.iter().find(|(pid, _)| !crate::procfs::is_running(*pid)).map(|(pid, model)| {
            format!("the Python stub of model {model} (pid {pid}) exited during the measurement; its requests in flight never complete and the model serves nothing until it is loaded again")
        })
    }
}

/// How a load level ended, beyond its numbers.
struct PointEnd {
    /// A watched Python stub died: the model is broken, later levels are pointless.
    stub_exited: bool,
    /// Warnings already shown to the observer while measuring.
    shown: Vec<String>,
}

/// Passes everything on to an observer and remembers the warnings it showed.
struct Recording<'a> {
    inner: &'a dyn Observer,
    shown: std::cell::RefCell<Vec<String>>,
}

impl Observer for Recording<'_> {
    fn point_started(&self, label: &str) {
        self.inner.point_started(label)
    }
    fn window(&self, label: &str, index: u32, sample: &WindowSample, stable: bool) {
        self.inner.window(label, index, sample, stable)
    }
    fn warn(&self, message: &str) {
        self.shown.borrow_mut().push(message.to_string());
        self.inner.warn(message)
    }
}

/// Measures one load level.
pub fn measure_point(server: &Server, cfg: &BenchConfig, sets: &[DataSet], load: LoadMode, sampler: &resources::Sampler, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<LoadPoint> {
    measure_point_inner(server, cfg, sets, load, sampler, interrupt, obs).map(|(p, _)| p)
}

fn measure_point_inner(server: &Server, cfg: &BenchConfig, sets: &[DataSet], load: LoadMode, sampler: &resources::Sampler, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<(LoadPoint, PointEnd)> {
    let obs = Recording { inner: obs, shown: Default::default() };
    let lbl = label(&load);
    obs.point_started(&lbl);
    let (n_requests, threads) = match load {
        LoadMode::Concurrency(c) => (c.max(1) as usize, cfg.threads.unwrap_or_else(|| (c as usize).clamp(1, 4))),
        LoadMode::RequestRate { rate, .. } => {
            limits::check_request_rate(rate, "request rate").map_err(Error::InvalidArgument)?;
            (cfg.max_in_flight.max(1), cfg.threads.unwrap_or(2))
        }
    };
    if let LoadMode::Concurrency(c) = load {
        limits::check_concurrency(u64::from(c), "concurrency").map_err(Error::InvalidArgument)?;
    }
    if n_requests > limits::MAX_IN_FLIGHT.max(limits::MAX_CONCURRENCY as usize) {
        return Err(Error::InvalidArgument(format!("{n_requests} prepared requests is above tritium's limit of {}", limits::MAX_IN_FLIGHT)));
    }
    if threads == 0 || threads > limits::MAX_THREADS {
        return Err(Error::InvalidArgument(format!("{threads} worker threads: must be 1..={}", limits::MAX_THREADS)));
    }
    cfg.measurement.check()?;
    if let Some(t) = cfg.request_count_timeout {
        if t.is_zero() || t.as_secs_f64() > limits::MAX_REQUEST_COUNT_TIMEOUT_S {
            return Err(Error::InvalidArgument(format!("request-count timeout {t:?}: must be > 0 and at most {} s", limits::MAX_REQUEST_COUNT_TIMEOUT_S)));
        }
    }
    let validate = if cfg.validate {
        let meta = server.model_metadata(&cfg.model, cfg.version)?;
        let mcfg = server.model_config(&cfg.model, cfg.version)?;
        Some(Arc::new(OutputCheck::from_metadata(&meta, mcfg.max_batch_size, cfg.batch_size)))
    } else {
        None
    };
    let stubs = StubWatch::start(server, cfg);
    let requests = build_requests(server, cfg, sets, n_requests)?;
    let m = &cfg.measurement;
    let interval = Duration::from_millis(m.interval_ms.max(1));
    let tracer = match cfg.trace {
        Some(opts) => Some(crate::trace::collect::Collector::start(server, opts, cfg.batch_size as u64)?),
        None => None,
    };
    let point_start = Instant::now();
    let cuda_copies = if cfg.trace_cuda_copies && tracer.is_some() { Some(loadgen::CudaCopies::prepare(&requests)?) } else { None };
    let opts = loadgen::GenOptions { tracer: tracer.clone(), limit: cfg.request_count, cuda_copies, validate };
    let gen = LoadGen::start_with(requests, load, threads, cfg.seed, needs_renew(server, cfg), opts);
    let mut warnings: Vec<String> = Vec::new();

    // Warm-up: window 0 is thrown away. Deterministic mode has none: window 0
    // is the measurement (every one of its N requests counts).
    let deterministic = cfg.request_count.is_some();
    if !deterministic {
        let warm_end = Instant::now() + Duration::from_millis(m.warmup_ms);
        while Instant::now() < warm_end && !interrupt.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = gen.close_window(0, Duration::from_secs(5));
    }

    let mut windows: Vec<Window> = Vec::new();
    let mut samples: Vec<WindowSample> = Vec::new();
    let mut stable = false;
    let mut empty_streak = 0;
    let mut failed_streak = 0;
    let mut stub_exited: Option<String> = None;
    let mut last_stub_check = Instant::now();
    let mut k = if deterministic { 0u64 } else { 1 };
    let mut prev_stats = stats_of(server, cfg);
    let mut prev_cpu = loadgen::threads_cpu_seconds(&gen.tids.lock().map(|t| t.clone()).unwrap_or_default());
    while (windows.len() as u32) < m.max_trials.max(1) {
        let _nvtx_window = crate::gpu::nvtx::Range::start(&format!("tritium {lbl} window {k}"));
        let start = Instant::now();
        let start_count = gen.completed();
        let deadline = match (cfg.request_count, m.mode) {
            // Deterministic: one window holding all N requests; the deadline guards a hang.
            (Some(_), _) => start + cfg.deterministic_deadline(),
            (None, MeasurementMode::TimeWindows) => start + interval,
            // A count window also ends at a deadline, so a hung model cannot stall it.
            (None, MeasurementMode::CountWindows) => start + interval.max(Duration::from_secs(1)) * 10,
        };
        loop {
            if interrupt.load(Ordering::Relaxed) || Instant::now() >= deadline {
                break;
            }
            if last_stub_check.elapsed() >= Duration::from_millis(50) {
                last_stub_check = Instant::now();
                stub_exited = stubs.exited();
                if stub_exited.is_some() {
                    break;
                }
            }
            if let Some(n) = cfg.request_count {
                if gen.recorded() >= n {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
            if m.mode == MeasurementMode::CountWindows && gen.completed() - start_count >= m.request_count && start.elapsed() >= interval.min(Duration::from_millis(100)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let (acc, complete) = gen.close_window(k, Duration::from_secs(5));
        let end = Instant::now();
        if !complete {
            warnings.push(format!("window {k}: a load worker did not report in time"));
        }
        let now_stats = stats_of(server, cfg);
        let delta = match (&now_stats, &prev_stats) {
            (Some(a), Some(b)) => Some(a.delta(b)),
            _ => None,
        };
        prev_stats = now_stats;
        let cpu = loadgen::threads_cpu_seconds(&gen.tids.lock().map(|t| t.clone()).unwrap_or_default());
        let w = Window { acc, duration: end - start, server: delta, resources: sampler.summarize(start, end), loadgen_cpu_s: cpu - prev_cpu };
        prev_cpu = cpu;
        if stub_exited.is_none() {
            stub_exited = stubs.exited();
        }
        if let Some(msg) = &stub_exited {
            let msg = format!("{lbl}: {msg}");
            obs.warn(&msg);
            warnings.push(msg);
        } else if interrupt.load(Ordering::Relaxed) {
            // A window cut short by Ctrl-C says nothing about the model.
        } else if w.acc.ok == 0 && !w.acc.failed.is_empty() {
            // Every request of the window failed: more windows only repeat it
            // (and a Python model whose execute() raises a few thousand times
            // cannot be unloaded by Triton 2.51 any more).
            failed_streak += 1;
        } else if w.acc.ok + w.acc.failed.values().sum::<u64>() == 0 {
            empty_streak += 1;
            let msg = format!(
                "{lbl}: no request completed in window {k} ({:.0} ms, {} in flight): the model may be hanging",
                w.duration.as_secs_f64() * 1e3,
                gen.in_flight()
            );
            obs.warn(&msg);
            warnings.push(msg);
        } else {
            empty_streak = 0;
            failed_streak = 0;
        }
        let s = window_sample(&w, cfg.batch_size, m.percentile);
        samples.push(s);
        windows.push(w);
        stable = samples.len() >= 3 && stats::is_stable(&samples, m.stability_pct, m.percentile.is_some());
        obs.window(&lbl, k as u32, &s, stable);
        k += 1;
        if stable || interrupt.load(Ordering::Relaxed) || empty_streak >= 2 || failed_streak >= 2 || deterministic || stub_exited.is_some() {
            break;
        }
    }
    // Requests of a dead stub, or still in flight after the deadline, will not
    // complete: do not wait long for them.
    let hopeless = stub_exited.is_some() || empty_streak >= 2 || (deterministic && gen.in_flight() > 0);
    let left = gen.stop(if hopeless { Duration::from_millis(500) } else { Duration::from_secs(5) });
    if left > 0 {
        warnings.push(format!("{lbl}: {left} request(s) still in flight after the measurement (left to the server's exit timeout)"));
    }
    let trace = tracer.map(|t| {
        let counters = crate::trace::collect::counters_from(&sampler.readings(point_start, Instant::now()), &t);
        let set = t.finish(&cfg.model, counters, Duration::from_millis(500));
        if set.dropped_timelines > 0 || set.dropped_events > 0 {
            let msg = format!(
                "{lbl}: trace ring kept the newest {} timelines; {} older timeline(s) and {} Triton event(s) were dropped (raise --trace-buffer or --trace-rate)",
                set.timelines.len(),
                set.dropped_timelines,
                set.dropped_events
            );
            obs.warn(&msg);
            warnings.push(msg);
        }
        set
    });
    if interrupt.load(Ordering::Relaxed) {
        warnings.push(format!("{lbl}: interrupted; the numbers cover the windows finished so far"));
    } else if let Some(n) = cfg.request_count {
        let done = windows.iter().map(|w| w.acc.ok + w.acc.failed.values().sum::<u64>()).sum::<u64>();
        if done < n && stub_exited.is_none() {
            warnings.push(format!(
                "{lbl}: only {done} of {n} requests completed before the deadline of {:.0} s (--request-count-timeout)",
                cfg.deterministic_deadline().as_secs_f64()
            ));
        }
    } else if !stable && windows.len() >= 3 {
        let rep = stats::stability_report(&samples, m.stability_pct, m.percentile.is_some());
        warnings.push(format!(
            "{lbl}: no stable measurement within {} windows (last 3 spread: throughput {:.1} %, latency {:.1} %, threshold {} %); numbers are the last 3 windows",
            windows.len(),
            rep.throughput_spread_pct,
            rep.latency_spread_pct,
            m.stability_pct
        ));
    } else if !stable {
        warnings.push(format!("{lbl}: fewer than 3 windows; stability not established"));
    }
    let mut point = combine(cfg, load, &windows, stable, warnings);
    if let Some(msg) = &stub_exited {
        point.error = Some(msg.clone());
    }
    if let Some(set) = trace {
        point.phases = Some(crate::trace::phases::PhaseTable::from_timelines(&set.timelines));
        point.trace = Some(set);
    }
    Ok((point, PointEnd { stub_exited: stub_exited.is_some(), shown: obs.shown.into_inner() }))
}

/// The reported numbers: the last (up to) 3 windows merged, as perf_analyzer reports the stable windows.
fn combine(cfg: &BenchConfig, load: LoadMode, windows: &[Window], stable: bool, mut warnings: Vec<String>) -> LoadPoint {
    let last = &windows[windows.len().saturating_sub(3)..];
    let mut acc = WindowAcc::default();
    let mut dur = Duration::ZERO;
    let mut server: Option<ModelStats> = None;
    let mut cpu = 0.0;
    for w in last {
        acc.merge(&w.acc);
        dur += w.duration;
        cpu += w.loadgen_cpu_s;
        server = match (server, &w.server) {
            (None, Some(s)) => Some(s.clone()),
            (Some(a), Some(b)) => Some(sum_stats(&a, b)),
            (a, None) => a,
        };
    }
    let secs = dur.as_secs_f64().max(1e-9);
    let latency = LatencySummary::from_histogram(&acc.hist);
    let breakdown = server.as_ref().and_then(server_breakdown);
    // tritium's own time per request: client-side time from the actual issue
    // (not the schedule, in request-rate mode) minus Triton's request time.
    let client_avg_us = (acc.ok > 0).then(|| acc.issue_to_done_ns as f64 / acc.ok as f64 / 1e3);
    let client_overhead_us = match (breakdown.as_ref().filter(|b| b.request_us > 0.0), client_avg_us) {
        (Some(b), Some(c)) if c >= b.request_us => Some(c - b.request_us),
        (Some(b), Some(c)) => {
            warnings.push(format!(
                "client overhead not reported: the client-side average from issue to completion ({c:.1} µs) is below Triton's average request time ({:.1} µs), \
                 so their difference measures no overhead (the windows and Triton's statistics do not cover exactly the same requests)",
                b.request_us
            ));
            None
        }
        _ => None,
    };
    let mut resources = last.last().map(|w| w.resources.clone()).unwrap_or_default();
    // Max memory and average utilisation over the reported windows.
    if last.len() > 1 {
        let avg = |f: &dyn Fn(&export::ResourceUsage) -> Option<f64>| {
            let v: Vec<f64> = last.iter().filter_map(|w| f(&w.resources)).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let max = |f: &dyn Fn(&export::ResourceUsage) -> Option<f64>| last.iter().filter_map(|w| f(&w.resources)).reduce(f64::max);
        resources.gpu_utilization_pct = avg(&|r| r.gpu_utilization_pct);
        resources.gpu_power_w = avg(&|r| r.gpu_power_w);
        resources.gpu_sm_clock_mhz = avg(&|r| r.gpu_sm_clock_mhz);
        resources.gpu_memory_used_mb = max(&|r| r.gpu_memory_used_mb);
        resources.gpu_memory_process_mb = max(&|r| r.gpu_memory_process_mb);
        resources.cpu_util_pct = avg(&|r| r.cpu_util_pct);
        resources.rss_mb = max(&|r| r.rss_mb);
    }
    let (concurrency, request_rate) = match load {
        LoadMode::Concurrency(c) => (Some(c), None),
        LoadMode::RequestRate { rate, .. } => (None, Some(rate)),
    };
    let send_rate = acc.sent as f64 / secs;
    if let Some(target) = request_rate {
        if acc.skipped > 0 || send_rate < 0.95 * target {
            warnings.push(format!(
                "request rate {target}/s: achieved {send_rate:.1}/s ({} sends skipped with all {} prepared requests in flight, {} sent > 1 ms late)",
                acc.skipped, cfg.max_in_flight, acc.late
            ));
        }
    }
    let failures_total: u64 = acc.failed.values().sum();
    if failures_total > 0 {
        let kinds: Vec<String> = acc.failed.iter().map(|(k, v)| format!("{v} × {k}")).collect();
        warnings.push(format!("{failures_total} of {} request(s) failed: {}", acc.ok + failures_total, kinds.join("; ")));
    }
    let error = if acc.ok > 0 {
        None
    } else if failures_total > 0 {
        Some(format!("every request failed ({failures_total}); no latency or throughput was measured"))
    } else if cfg.request_count.is_some() {
        Some(format!("no request completed within the deadline of {:.0} s (--request-count-timeout)", cfg.deterministic_deadline().as_secs_f64()))
    } else {
        Some("no request completed in the reported windows: the model may be hanging".to_string())
    };
    LoadPoint {
        mode: if concurrency.is_some() { "concurrency".into() } else { "request_rate".into() },
        concurrency,
        request_rate,
        batch_size: cfg.batch_size,
        windows: windows.len() as u32,
        stable,
        throughput: acc.ok as f64 * cfg.batch_size as f64 / secs,
        latency,
        client_overhead_us,
        server: breakdown,
        resources,
        failures: acc.failed.clone(),
        failure_examples: acc.examples.clone(),
        error,
        requests: acc.ok + failures_total,
        send_rate_achieved: request_rate.map(|_| send_rate),
        loadgen_cpu_cores: Some(cpu / secs),
        warnings,
        phases: None,
        trace: None,
    }
}

/// Sum of two statistics deltas (the reported windows' server-side totals).
fn sum_stats(a: &ModelStats, b: &ModelStats) -> ModelStats {
    let mut out = a.clone();
    let add = |x: &mut crate::model::StatDuration, y: &crate::model::StatDuration| {
        x.count += y.count;
        x.ns += y.ns;
    };
    let (s, t) = (&mut out.inference_stats, &b.inference_stats);
    add(&mut s.success, &t.success);
    add(&mut s.fail, &t.fail);
    add(&mut s.queue, &t.queue);
    add(&mut s.compute_input, &t.compute_input);
    add(&mut s.compute_infer, &t.compute_infer);
    add(&mut s.compute_output, &t.compute_output);
    add(&mut s.cache_hit, &t.cache_hit);
    add(&mut s.cache_miss, &t.cache_miss);
    out.inference_count += b.inference_count;
    out.execution_count += b.execution_count;
    for bb in &b.batch_stats {
        match out.batch_stats.iter_mut().find(|x| x.batch_size == bb.batch_size) {
            Some(x) => {
                add(&mut x.compute_input, &bb.compute_input);
                add(&mut x.compute_infer, &bb.compute_infer);
                add(&mut x.compute_output, &bb.compute_output);
            }
            None => out.batch_stats.push(*bb),
        }
    }
    out
}

/// Runs every load level of `cfg` on a loaded model.
pub fn run(server: &Server, cfg: &BenchConfig, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<BenchReport> {
    if cfg.batch_size == 0 {
        return Err(Error::InvalidArgument("batch size (-b) must be at least 1".into()));
    }
    if cfg.trace_cuda_copies && (cfg.trace.is_none() || !(matches!(cfg.input_memory, OutputMemory::Cuda(_)) || matches!(cfg.output_memory, OutputMemory::Cuda(_)))) {
        return Err(Error::InvalidArgument("--trace-cuda-copies needs --trace and CUDA input or output memory (--memory cuda, --input-memory cuda or --output-memory cuda)".into()));
    }
    cfg.input_memory.check_available()?;
    cfg.output_memory.check_available()?;
    let sets = prepare_inputs(server, cfg)?;
    // Probe for NVTX now, not on the first request.
    let _ = crate::gpu::nvtx::nvtx();
    let sampler = resources::Sampler::start(cfg.sample_interval);
    if let Some(note) = &sampler.gpu_note {
        obs.warn(&format!("GPU metrics unavailable: {note}"));
    }
    let started_at = crate::util::now_rfc3339();
    let mut points = Vec::new();
    for load in &cfg.loads {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        let (p, end) = measure_point_inner(server, cfg, &sets, *load, &sampler, interrupt, obs)?;
        for w in p.warnings.iter().filter(|w| !end.shown.contains(w)) {
            obs.warn(w);
        }
        points.push(p);
        if end.stub_exited && points.len() < cfg.loads.len() {
            obs.warn(&format!("{} remaining load level(s) not measured: the model's Python stub is gone", cfg.loads.len() - points.len()));
            break;
        }
    }
    sampler.stop();
    let md = server.metadata().ok();
    Ok(BenchReport {
        schema_version: export::SCHEMA_VERSION,
        tool: "tritium".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        triton_version: md.map(|m| m.version).unwrap_or_default(),
        model: cfg.model.clone(),
        model_version: if cfg.version < 0 { "latest".into() } else { cfg.version.to_string() },
        started_at,
        machine: machine_description(),
        settings: serde_json::json!({
            "batch_size": cfg.batch_size,
            "measurement": cfg.measurement,
            "input_memory": cfg.input_memory,
            "output_memory": cfg.output_memory,
            "threads": cfg.threads,
            "max_in_flight": cfg.max_in_flight,
            "request_count": cfg.request_count,
            "trace": cfg.trace.map(|t| serde_json::json!({"rate": t.rate, "buffer": t.capacity})),
            "request_count_timeout_s": cfg.request_count.map(|_| cfg.deterministic_deadline().as_secs_f64()),
            "validate": cfg.validate,
            "seed": cfg.seed,
        }),
        points,
    })
}

/// "hostname, N CPUs, GPU names or CPU only".
pub fn machine_description() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_default();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let gpus = crate::gpu::nvml::Gpus::probe().map(|g| g.infos().iter().map(|i| i.name.clone()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
    format!("{host}, {cpus} CPUs, {}", if gpus.is_empty() { "CPU only".to_string() } else { gpus })
}

/// Convenience: a shared interrupt flag that is never set.
pub fn no_interrupt() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(label(&LoadMode::Concurrency(4)), "concurrency 4");
        assert!(label(&LoadMode::RequestRate { rate: 100.0, distribution: loadgen::Distribution::Poisson }).contains("Poisson"));
    }

    #[test]
    fn measurement_settings_are_checked() {
        assert!(Measurement::default().check().is_ok());
        let with = |f: &dyn Fn(&mut Measurement)| {
            let mut m = Measurement::default();
            f(&mut m);
            m.check()
        };
        assert!(with(&|m| m.interval_ms = 0).is_err());
        assert!(with(&|m| m.interval_ms = u64::MAX).is_err());
        assert!(with(&|m| m.warmup_ms = u64::MAX).is_err());
        assert!(with(&|m| m.max_trials = 0).is_err());
        assert!(with(&|m| m.percentile = Some(0)).is_err());
        assert!(with(&|m| m.percentile = Some(100)).is_err());
        assert!(with(&|m| m.stability_pct = f64::NAN).is_err());
        assert!(with(&|m| m.stability_pct = 0.0).is_err());
        assert!(with(&|m| {
            m.mode = MeasurementMode::CountWindows;
            m.request_count = 0
        })
        .is_err());
        // The deterministic deadline never overflows, whatever the interval.
        let mut c = BenchConfig::new("m");
        c.measurement.interval_ms = u64::MAX;
        assert_eq!(c.deterministic_deadline(), Duration::from_secs(3600 * 60));
        c.measurement.interval_ms = 200;
        assert_eq!(c.deterministic_deadline(), Duration::from_secs(60));
        c.request_count_timeout = Some(Duration::from_secs(3));
        assert_eq!(c.deterministic_deadline(), Duration::from_secs(3));
    }

    #[test]
    fn window_sample_counts_batch() {
        let mut acc = WindowAcc { ok: 100, ..Default::default() };
        for _ in 0..100 {
            acc.hist.record(2_000_000);
        }
        let w = Window { acc, duration: Duration::from_secs(2), server: None, resources: Default::default(), loadgen_cpu_s: 0.0 };
        let s = window_sample(&w, 4, None);
        assert!((s.throughput - 200.0).abs() < 1e-9);
        assert!((s.avg_latency_us - 2000.0).abs() / 2000.0 < 0.01);
    }
}
