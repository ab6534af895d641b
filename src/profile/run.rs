//! One `tritium profile` run: every model of `profile_models` in turn, in
//! one embedded server.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::Value;

use super::config::{ProfileConfig, ProfileModelSpec, SearchMode};
use super::measure::EmbeddedMeasurer;
use super::output;
use super::pbtxt;
use super::results::{self, ProfileResults, SearchStats};
use super::search::{self, ModelConfigVariant, SearchEvent, SearchSpace};
use crate::bench::input_data::{InputSource, ShapeOverrides};
use crate::bench::{self, BenchConfig, Measurement as BenchMeasurement, MeasurementMode, Observer};
use crate::error::{Error, Result};
use crate::triton::Server;

/// Where a run writes.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `export_path/results`.
    pub results_dir: PathBuf,
    /// The checkpoint file.
    pub checkpoint: PathBuf,
    /// `output_model_repository_path`.
    pub output_repository: PathBuf,
}

impl Paths {
    /// Paths of `cfg`.
    pub fn of(cfg: &ProfileConfig) -> Paths {
        Paths {
            results_dir: cfg.export_path.join("results"),
            checkpoint: cfg.checkpoint_directory.join("tritium-profile.ckpt.json"),
            output_repository: cfg.output_model_repository_path.clone(),
        }
    }
}

/// The bench settings `perf_analyzer_flags` describe for a model.
pub fn bench_config(cfg: &ProfileConfig, spec: &ProfileModelSpec) -> Result<BenchConfig> {
    let flags = cfg.effective_perf_analyzer_flags(spec);
    let mut b = BenchConfig::new(&spec.name);
    b.batch_size = flags.batch_size().unwrap_or(1);
    let shapes: Vec<String> = flags.shapes().iter().map(|s| format!("{}:{}", s.name, s.dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(","))).collect();
    b.shapes = ShapeOverrides::parse(&shapes).map_err(|e| Error::InvalidArgument(format!("perf_analyzer_flags.shape of model '{}': {e}", spec.name)))?;
    if let Some(d) = flags.input_data().first() {
        b.input = match d.as_str() {
            "random" => InputSource::Random { seed: 0 },
            "zero" => InputSource::Zero,
            path => InputSource::File(PathBuf::from(path)),
        };
    }
    let mode = match flags.measurement_mode() {
        Some(super::config::MeasurementMode::CountWindows) => MeasurementMode::CountWindows,
        _ => MeasurementMode::TimeWindows,
    };
    let interval = flags.measurement_interval_ms().unwrap_or(5000);
    b.measurement = BenchMeasurement {
        mode,
        interval_ms: interval,
        request_count: flags.measurement_request_count().unwrap_or(50),
        stability_pct: flags.stability_percentage().unwrap_or(10.0),
        max_trials: flags.max_trials().unwrap_or(10),
        percentile: flags.percentile(),
        warmup_ms: interval.min(1000),
    };
    Ok(b)
}

/// The model's config from `<repo>/<model>/config.pbtxt` as ModelConfig JSON
/// (or, without one, the config Triton completes when loading it).
pub fn base_config(server: &Server, repo: &Path, model: &str) -> Result<Value> {
    let p = repo.join(model).join("config.pbtxt");
    match std::fs::read_to_string(&p) {
        Ok(text) => {
            let msg = pbtxt::parse(&text).map_err(|e| Error::InvalidArgument(format!("{}: {e}", p.display())))?;
            let mut v = pbtxt::to_json(&msg);
            if let Some(o) = v.as_object_mut() {
                o.entry("name").or_insert(Value::String(model.to_string()));
            }
            Ok(v)
        }
        Err(_) => {
            server.load_model(model)?;
            let json = server.model_config_json(model, -1)?;
            serde_json::from_str(&json).map_err(|e| Error::Json { what: format!("config of model '{model}'"), source: e })
        }
    }
}

/// Names of the composing models of an ensemble config (empty otherwise).
pub fn composing_models(config: &Value) -> Vec<String> {
    if config.get("platform").and_then(Value::as_str) != Some("ensemble") {
        return Vec::new();
    }
    let mut names: Vec<String> = config
        .pointer("/ensemble_scheduling/step")
        .and_then(Value::as_array)
        .map(|steps| steps.iter().filter_map(|s| s.get("model_name").and_then(Value::as_str).map(str::to_string)).collect())
        .unwrap_or_default();
    names.sort();
    names.dedup();
    names
}

/// A line of progress for the search.
fn describe(e: &SearchEvent) -> Option<String> {
    match e {
        SearchEvent::PhaseStarted(p) => Some(format!("phase {p:?}")),
        SearchEvent::Measured { variant, measurement, passes, cached, .. } => {
            let what = if variant.is_default {
                "default config".to_string()
            } else {
                format!("{} x {}, max batch {}", variant.instance_count, variant.instance_kind, variant.max_batch_size)
            };
            Some(match &measurement.failed {
                Some(why) => format!("{what} @ concurrency {}: FAILED: {why}", measurement.concurrency),
                None => format!(
                    "{what} @ concurrency {}: {:.1} infer/s, p99 {:.2} ms{}{}",
                    measurement.concurrency,
                    measurement.throughput,
                    measurement.latency_p99_us / 1000.0,
                    if *passes { "" } else { " (breaks a constraint)" },
                    if *cached { " [cached]" } else { "" }
                ),
            })
        }
        SearchEvent::EarlyExit { variant_key, reason, .. } => Some(format!("early exit for {variant_key}: {reason}")),
        SearchEvent::Note(n) => Some(n.clone()),
    }
}

/// Profiles every model; writes the checkpoint after each measurement and,
/// at the end, results.json, the CSV tables and the output model configs.
pub fn profile(cfg: &ProfileConfig, server: &Server, resume: Option<ProfileResults>, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<ProfileResults> {
    let paths = Paths::of(cfg);
    output::check_output_repository(&paths.output_repository, cfg.override_output_model_repository)?;
    let cuda = crate::gpu::cuda_available();
    let mut results = resume.unwrap_or_else(|| ProfileResults {
        schema_version: results::SCHEMA_VERSION,
        tool: "tritium".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        started_at: bench::export::now_rfc3339(),
        ..Default::default()
    });
    results.triton_version = server.metadata().map(|m| m.version).unwrap_or_default();
    results.machine = bench::machine_description();
    results.config_file = cfg.config_file.display().to_string();
    results.search_mode = format!("{:?}", cfg.run_config_search_mode).to_lowercase();
    results.constraints = Value::String(format!("{:?}", cfg.constraints));
    results.objectives = Value::String(format!("{:?}", cfg.objectives));
    let sampler = bench::resources::Sampler::start(std::time::Duration::from_millis(50));
    for spec in &cfg.profile_models {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        if results.models.iter().any(|m| m.model == spec.name && m.complete) {
            obs.warn(&format!("{}: already complete in the checkpoint, skipped", spec.name));
            continue;
        }
        let t_model = Instant::now();
        let base = match base_config(server, &cfg.model_repository, &spec.name) {
            Ok(b) => b,
            Err(e) => {
                obs.warn(&format!("model '{}' skipped: {e}", spec.name));
                let m = results.model_mut(&spec.name);
                m.search.strategy = format!("skipped: {e}");
                continue;
            }
        };
        results.model_mut(&spec.name).base_config = base.clone();
        // An ensemble is measured end to end while its composing models' configs are searched.
        let composing = match composing_models(&base) {
            names if names.is_empty() => Vec::new(),
            names => {
                let mut v = Vec::new();
                for n in names {
                    match base_config(server, &cfg.model_repository, &n) {
                        Ok(b) => v.push((n, b)),
                        Err(e) => obs.warn(&format!("ensemble '{}': composing model '{n}': {e}", spec.name)),
                    }
                }
                obs.warn(&format!("{}: ensemble; searching the configs of {}", spec.name, v.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")));
                v
            }
        };
        // What the search varies: the model itself, or (ensembles) its first composing model's shape of config.
        let search_base = composing.first().map(|(_, b)| b.clone()).unwrap_or_else(|| base.clone());
        let default_kind = if cuda { "KIND_GPU" } else { "KIND_CPU" };
        let default_variant = ModelConfigVariant::default_from_config(&search_base, default_kind);
        let (batching, dyn_batching) = search::model_batching_support(&search_base);
        let space = SearchSpace::from_config(cfg, spec, default_variant, batching, dyn_batching, !cuda);
        let mut strategy = search::strategy_for(cfg.run_config_search_mode).ok_or_else(|| {
            Error::InvalidArgument(format!("run_config_search_mode {:?} is not supported by tritium (use brute or quick)", cfg.run_config_search_mode))
        })?;
        let bcfg = bench_config(cfg, spec)?;
        let outcome;
        let stats;
        {
            let mut measurer = EmbeddedMeasurer::new(server, &spec.name, base.clone(), bcfg, &mut results, paths.checkpoint.clone(), interrupt, &sampler, obs);
            measurer.composing = composing.clone();
            let mut on_event = |e: SearchEvent| {
                if let Some(line) = describe(&e) {
                    obs.warn(&format!("{}: {line}", spec.name));
                }
            };
            outcome = strategy.run(&space, &mut measurer, &mut on_event);
            let wall = t_model.elapsed().as_secs_f64();
            let loads = measurer.loads.max(1);
            stats = SearchStats {
                strategy: strategy.name().into(),
                measurements: measurer.taken,
                configs: outcome.variant_count(),
                wall_seconds: wall,
                load_seconds: measurer.load_seconds,
                measure_seconds: measurer.measure_seconds,
                overhead_seconds_per_config: (wall - measurer.load_seconds - measurer.measure_seconds).max(0.0) / loads as f64,
            };
        }
        let interrupted = interrupt.load(Ordering::Relaxed);
        let m = results.model_mut(&spec.name);
        m.search = stats;
        // Constraint verdicts and what could not be applied.
        let mut unapplied = std::collections::BTreeSet::new();
        for r in &mut m.measurements {
            if let (Some(p), Some(c)) = (&r.point, m.configs.iter().find(|c| c.name == r.config)) {
                let meas = results::to_measurement(&c.key, r.concurrency, p);
                r.passes = Some(search::passes_constraints(&space.constraints, &meas));
                unapplied.extend(search::unapplied_constraints(&space.constraints, &meas).into_iter().map(str::to_string));
            }
        }
        m.unapplied_constraints = unapplied.into_iter().collect();
        m.top = outcome.top.iter().filter_map(|t| m.name_of(&t.variant.key()).map(str::to_string)).collect();
        m.complete = !interrupted;
        results.write(&paths.checkpoint)?;
        if interrupted {
            break;
        }
        // Deployable configs: the top ones and the default.
        let m = results.model_mut(&spec.name);
        let mut names: Vec<String> = m.top.clone();
        names.push(m.default_config.clone());
        for name in names {
            if let Some(c) = m.configs.iter().find(|c| c.name == name) {
                if let Err(e) = output::write_config(&paths.output_repository, &cfg.model_repository, &spec.name, &name, &c.config, cfg.override_output_model_repository) {
                    obs.warn(&format!("writing {name}: {e}"));
                }
            }
        }
    }
    sampler.stop();
    results.write(&paths.checkpoint)?;
    if !interrupt.load(Ordering::Relaxed) {
        results.write(&paths.results_dir.join("results.json"))?;
        let uuids = crate::gpu::nvml::Gpus::probe().map(|g| g.infos().iter().map(|i| i.uuid.clone()).collect::<Vec<_>>().join(";")).unwrap_or_default();
        results::write_csvs(&results, &paths.results_dir, &uuids)?;
    }
    Ok(results)
}

/// The summary printed at the end: the top configs per model and a sentence against the default.
pub fn summary(results: &ProfileResults) -> String {
    let mut s = String::new();
    for m in &results.models {
        s += &format!("\n== {} ({} search: {} measurements of {} configs in {:.1} s; loading {:.1} s, measuring {:.1} s, other {:.3} s per config)\n",
            m.model, m.search.strategy, m.search.measurements, m.search.configs, m.search.wall_seconds, m.search.load_seconds, m.search.measure_seconds, m.search.overhead_seconds_per_config);
        if !m.unapplied_constraints.is_empty() {
            s += &format!("   not applied (not measured on this machine): {}\n", m.unapplied_constraints.join(", "));
        }
        let best_of = |name: &str| m.best_point(name);
        s += &format!("   {:<28} {:>9} {:>6} {:>10} {:>12} {:>11}\n", "config", "instances", "batch", "concurrency", "infer/s", "p99 ms");
        let mut rows: Vec<String> = m.top.clone();
        if !rows.contains(&m.default_config) {
            rows.push(m.default_config.clone());
        }
        for name in &rows {
            let c = m.configs.iter().find(|c| &c.name == name);
            match (c, best_of(name)) {
                (Some(c), Some((r, p))) => {
                    s += &format!("   {:<28} {:>9} {:>6} {:>10} {:>12.1} {:>11.2}\n", name, format!("{}x{}", c.variant.instance_count, c.variant.instance_kind.trim_start_matches("KIND_")), c.variant.max_batch_size, r.concurrency, p.throughput, p.latency.p99_us / 1000.0)
                }
                _ => s += &format!("   {name:<28} (no measurement meets the constraints)\n"),
            }
        }
        if let (Some(best), Some((_, d))) = (m.top.first(), best_of(&m.default_config)) {
            if let Some((_, b)) = best_of(best) {
                s += &format!(
                    "   {best}: {:.1}x the default's throughput ({:.1} vs {:.1} infer/s), p99 {:.2} ms (default {:.2} ms)\n",
                    b.throughput / d.throughput.max(1e-9),
                    b.throughput,
                    d.throughput,
                    b.latency.p99_us / 1000.0,
                    d.latency.p99_us / 1000.0
                );
            }
        }
        for c in m.configs.iter().filter(|c| c.error.is_some()) {
            s += &format!("   {} failed to load: {}\n", c.name, c.error.as_deref().unwrap_or(""));
        }
    }
    s
}

/// Search mode names for messages.
pub fn mode_name(m: SearchMode) -> &'static str {
    match m {
        SearchMode::Brute => "brute",
        SearchMode::Quick => "quick",
        SearchMode::Optuna => "optuna",
    }
}
