//! `tritium bench`: the in-process measurement engine.
//!
//! Data flow: [`BenchConfig`] → inputs prepared from the model's metadata
//! ([`input_data`]) → requests built once → [`loadgen`] issues them to a
//! [`target::Target`] (the embedded server, [`triton_target`]; or the
//! simulator, [`sim`]) → per window (`engine`): merged latency histograms
//! ([`stats`]), server statistics deltas, resource readings ([`resources`])
//! → stability check → the load point (`point`) with its noise
//! [`diagnostics`] → [`export`] records.

#![forbid(unsafe_code)]

pub mod doctor;
pub mod trace;

mod config;
pub mod diagnostics;
mod engine;
pub mod export;
pub mod gpus;
pub mod harness;
pub mod input_data;
pub mod limits;
pub mod loadgen;
mod point;
pub mod probe;
pub mod repeat;
pub mod request_params;
pub mod resources;
pub mod schedule;
pub mod sim;
pub mod stats;
pub mod target;
pub mod threshold;
pub mod triton_target;
pub mod validate;
pub mod window_acc;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub use config::{BenchConfig, Measurement, MeasurementMode, StopRule, DEFAULT_CI_TARGET_PCT};

use tritium_triton::error::{Error, Result};
use crate::trace::TraceSet;
use tritium_triton::{InferRequest, InputBuffer, OutputMemory, Server};
use export::{BenchReport, LoadPoint};
use input_data::{InputSource, TensorSpec};
use loadgen::LoadMode;
use stats::WindowSample;
use triton_target::{CudaCopies, Triton, TritonProbe};
use validate::OutputCheck;

/// What the engine tells its observer.
pub trait Observer {
    /// A load point starts.
    fn point_started(&self, _label: &str) {}
    /// A window finished; `stable`: the stop rule is met after it (perf_analyzer's
    /// stability rule, and the intervals' target under the adaptive rule).
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
        InputSource::File(_) | InputSource::Files(_) => input_data::resolve_shapes_allow_variable(&specs, mcfg.max_batch_size, cfg.batch_size, &cfg.shapes),
        _ => input_data::resolve_shapes(&specs, mcfg.max_batch_size, cfg.batch_size, &cfg.shapes),
    }
    .map_err(bad)?;
    let budget = limits::input_budget_bytes();
    let steps: Vec<input_data::Step> = match &cfg.input {
        InputSource::File(path) => input_data::load_input_data_limited(path, &specs, &shapes, mcfg.max_batch_size, budget).map_err(bad)?,
        // Repeated --input-data: the files' steps one after the other, within one budget.
        InputSource::Files(paths) => {
            let mut all = Vec::new();
            let mut used: u64 = 0;
            for path in paths {
                let steps = input_data::load_input_data_limited(path, &specs, &shapes, mcfg.max_batch_size, budget.saturating_sub(used)).map_err(bad)?;
                used = used.saturating_add(steps.iter().flatten().map(|(_, _, b)| b.len() as u64).sum());
                if used > budget {
                    return Err(Error::InvalidArgument(format!("model '{}': the --input-data files take {used} bytes together, above tritium's input budget of {budget} bytes; give fewer or smaller files", cfg.model)));
                }
                all.extend(steps);
            }
            all
        }
        InputSource::Dir(dir) => vec![input_data::load_input_dir(dir, &specs, &shapes, mcfg.max_batch_size, budget).map_err(bad)?],
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
            for (name, value) in &cfg.parameters {
                b = b.parameter(name, value.clone());
            }
            b.build()
        })
        .collect()
}

/// Measures one load level on the embedded server: the point, and the
/// traced timelines when `cfg.trace` asked for them (they go to the
/// `--trace` file, not into the report).
pub fn measure_point(server: &Server, cfg: &BenchConfig, sets: &[DataSet], load: LoadMode, sampler: &resources::Sampler, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<(LoadPoint, Option<TraceSet>)> {
    measure_point_inner(server, cfg, sets, load, sampler, interrupt, obs).map(|(p, end)| (p, end.trace))
}

fn measure_point_inner(server: &Server, cfg: &BenchConfig, sets: &[DataSet], load: LoadMode, sampler: &resources::Sampler, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<(LoadPoint, engine::PointEnd)> {
    engine::measure(cfg, load, sampler, interrupt, obs, |n_requests, _threads| {
        let validate = if cfg.validate {
            let meta = server.model_metadata(&cfg.model, cfg.version)?;
            let mcfg = server.model_config(&cfg.model, cfg.version)?;
            Some(Arc::new(OutputCheck::from_metadata(&meta, mcfg.max_batch_size, cfg.batch_size)))
        } else {
            None
        };
        let probe = TritonProbe::start(server, cfg);
        let requests = build_requests(server, cfg, sets, n_requests)?;
        let tracer = match cfg.trace {
            Some(opts) => Some(crate::trace::collect::Collector::start(server, opts, cfg.batch_size as u64)?),
            None => None,
        };
        let started = Instant::now();
        let cuda_copies = if cfg.trace_cuda_copies && tracer.is_some() { Some(CudaCopies::prepare(&requests)?) } else { None };
        let target = Arc::new(Triton { renew: needs_renew(server, cfg), validate, cuda_copies });
        Ok(engine::Setup { target, requests, probe: Box::new(probe), tracer, started })
    })
}

/// Runs every load level of `cfg` on a loaded model.
///
/// The report holds the numbers; the traced timelines of each level (with
/// `cfg.trace`) come beside it, in [`BenchRun::traces`].
pub fn run(server: &Server, cfg: &BenchConfig, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<BenchRun> {
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
    let _ = tritium_triton::gpu::nvtx::nvtx();
    let sampler = resources::Sampler::start(cfg.sample_interval);
    if let Some(note) = &sampler.gpu_note {
        obs.warn(&format!("GPU metrics unavailable: {note}"));
    }
    let started_at = tritium_util::now_rfc3339();
    let mut points = Vec::new();
    let mut traces = Vec::new();
    // -l/--latency-threshold (and --binary-search) choose the levels as they go.
    let mut planner = threshold::Planner::new(cfg.loads.clone(), cfg.latency_limit);
    while let Some(load) = planner.next(points.last()) {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        let (p, end) = measure_point_inner(server, cfg, &sets, load, &sampler, interrupt, obs)?;
        for w in p.warnings.iter().filter(|w| !end.shown.contains(w)) {
            obs.warn(w);
        }
        points.push(p);
        traces.push(end.trace);
        if end.stub_exited {
            if cfg.latency_limit.is_some() {
                obs.warn("the latency-threshold search stops: the model's Python stub is gone");
            } else if points.len() < cfg.loads.len() {
                obs.warn(&format!("{} remaining load level(s) not measured: the model's Python stub is gone", cfg.loads.len() - points.len()));
            }
            break;
        }
    }
    sampler.stop();
    let md = server.metadata().ok();
    let report = BenchReport {
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
            "warmup_request_count": cfg.warmup_requests,
            "latency_threshold": cfg.latency_limit.map(|l| serde_json::json!({"ms": l.threshold_ms, "latency": l.latency_name(), "binary_search": l.binary_search, "best": planner.best().map(|l| threshold::level_json(&l))})),
            "seed": cfg.seed,
            "request_parameters": cfg.parameters.iter().map(|(k, v)| serde_json::json!({"name": k, "value": match v {
                tritium_triton::ParameterValue::String(s) => serde_json::json!(s),
                tritium_triton::ParameterValue::Int(i) => serde_json::json!(i),
                tritium_triton::ParameterValue::Bool(b) => serde_json::json!(b),
            }})).collect::<Vec<_>>(),
            "request_intervals": cfg.loads.iter().find_map(|l| match l {
                LoadMode::RequestRate { distribution: loadgen::Distribution::Custom(iv), .. } => Some(iv),
                _ => None,
            }),
        }),
        points,
    };
    Ok(BenchRun { report, traces })
}

/// What [`run`] measured: the report, and beside it the traced timelines of
/// each of its points (same order; `None` for a point measured untraced).
#[derive(Debug, Clone)]
pub struct BenchRun {
    /// The numbers (written to `--json` / `-f`).
    pub report: BenchReport,
    /// Per point of `report.points`, its traced timelines and GPU counters.
    pub traces: Vec<Option<TraceSet>>,
}

impl BenchRun {
    /// Every load level's traced timelines and GPU counters in one set
    /// (levels run one after another), for the `--trace` file.
    pub fn merged_trace(&self) -> TraceSet {
        let mut set = TraceSet { model: self.report.model.clone(), ..Default::default() };
        for t in self.traces.iter().flatten() {
            set.timelines.extend(t.timelines.iter().cloned());
            set.counters.extend(t.counters.iter().cloned());
            set.dropped_timelines += t.dropped_timelines;
            set.dropped_events += t.dropped_events;
            set.not_sampled += t.not_sampled;
        }
        set
    }
}

/// "hostname, N CPUs, GPU names or CPU only".
pub fn machine_description() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_default();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let gpus = tritium_triton::gpu::nvml::Gpus::probe().map(|g| gpus::visible_now(g.infos()).into_iter().map(|i| i.name.clone()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
    format!("{host}, {cpus} CPUs, {}", if gpus.is_empty() { "CPU only".to_string() } else { gpus })
}

/// Convenience: a shared interrupt flag that is never set.
pub fn no_interrupt() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

#[cfg(test)]
mod tests;
