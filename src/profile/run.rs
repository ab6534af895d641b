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
use super::config::{Constraints, Objectives};
use super::results::{self, ModelResults, ModelStatus, ProfileResults, SearchStats, TopConfigRecord};
use super::search::{self, Measurement, ModelConfigVariant, SearchEvent, SearchSpace};
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
            let msg = pbtxt::parse_checked(&text).map_err(|e| Error::InvalidArgument(format!("{}: {e}", p.display())))?;
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
                Some(why) => format!("{what} @ batch {}, concurrency {}: FAILED: {why}", measurement.batch_size, measurement.concurrency),
                None => format!(
                    "{what} @ batch {}, concurrency {}: {:.1} infer/s, p99 {:.2} ms{}{}",
                    measurement.batch_size,
                    measurement.concurrency,
                    measurement.throughput,
                    measurement.latency_p99_us / 1000.0,
                    if *passes { "" } else { " (breaks a constraint)" },
                    if *cached { " [cached]" } else { "" }
                ),
            })
        }
        SearchEvent::Skipped { variant_key, batch_size, reason, .. } => Some(format!("{variant_key}: batch size {batch_size} skipped: {reason}")),
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
        started_at: crate::util::now_rfc3339(),
        ..Default::default()
    });
    results.triton_version = server.metadata().map(|m| m.version).unwrap_or_default();
    results.machine = bench::machine_description();
    results.config_file = cfg.config_file.display().to_string();
    results.search_mode = format!("{:?}", cfg.run_config_search_mode).to_lowercase();
    results.constraints = constraints_json(&cfg.constraints);
    results.objectives = objectives_json(&cfg.objectives);
    results.fingerprint = fingerprint(cfg);
    results.problems.clear();
    let sampler = bench::resources::Sampler::start(std::time::Duration::from_millis(50));
    for spec in &cfg.profile_models {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        if results.models.iter().any(|m| m.model == spec.name && m.complete) {
            obs.warn(&format!("{}: already complete in the checkpoint, skipped", spec.name));
            let m = results.model_mut(&spec.name);
            if m.status.is_none() {
                set_status(m);
            }
            continue;
        }
        let t_model = Instant::now();
        let base = match base_config(server, &cfg.model_repository, &spec.name) {
            Ok(b) => b,
            Err(e) => {
                let why = format!("model '{}' could not be read from {}: {e}", spec.name, cfg.model_repository.display());
                not_searched(&mut results, &spec.name, why, obs);
                results.write(&paths.checkpoint)?;
                continue;
            }
        };
        results.model_mut(&spec.name).base_config = base.clone();
        // An ensemble is measured end to end while its composing models' configs are searched.
        let mut composing_error = None;
        let composing = match composing_models(&base) {
            names if names.is_empty() => Vec::new(),
            names => {
                let mut v = Vec::new();
                for n in names {
                    if let Err(e) = super::config::check_model_name(&n) {
                        composing_error.get_or_insert(format!("ensemble '{}': composing {e}", spec.name));
                        continue;
                    }
                    match base_config(server, &cfg.model_repository, &n) {
                        Ok(b) => v.push((n, b)),
                        Err(e) => {
                            composing_error.get_or_insert(format!("ensemble '{}': composing model '{n}': {e}", spec.name));
                        }
                    }
                }
                if composing_error.is_none() {
                    obs.warn(&format!("{}: ensemble; searching the configs of {}", spec.name, v.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")));
                }
                v
            }
        };
        if let Some(why) = composing_error {
            not_searched(&mut results, &spec.name, why, obs);
            results.write(&paths.checkpoint)?;
            continue;
        }
        // What the search varies: the model itself, or (ensembles) its first composing model's shape of config.
        let search_base = composing.first().map(|(_, b)| b.clone()).unwrap_or_else(|| base.clone());
        let default_kind = if cuda { "KIND_GPU" } else { "KIND_CPU" };
        let default_variant = ModelConfigVariant::default_from_config(&search_base, default_kind);
        let (batching, dyn_batching) = search::model_batching_support(&search_base);
        let mut space = SearchSpace::from_config(cfg, spec, default_variant, batching, dyn_batching, !cuda);
        if !composing.is_empty() {
            // The client batch is bounded by the ensemble's own max batch size.
            space.ensemble_max_batch_size = Some(base.get("max_batch_size").and_then(Value::as_u64).map_or(0, |m| u32::try_from(m).unwrap_or(u32::MAX)));
        }
        let asked = search::normalized_batch_sizes(&cfg.effective_parameters(spec).batch_sizes);
        if space.batch_sizes != asked {
            obs.warn(&format!("{}: perf_analyzer_flags batch-size {} replaces batch_sizes {asked:?} (as in Model Analyzer)", spec.name, space.search_batch_size));
        }
        let mut strategy = search::strategy_for(cfg.run_config_search_mode).ok_or_else(|| {
            Error::InvalidArgument(format!("run_config_search_mode {:?} is not supported by tritium (use brute or quick)", cfg.run_config_search_mode))
        })?;
        let bcfg = bench_config(cfg, spec)?;
        if let Some(notice) = search_space_notice(&space, cfg.run_config_search_mode, &bcfg) {
            obs.warn(&format!("{}: {notice}", spec.name));
        }
        let outcome;
        let stats;
        let wedged;
        {
            let mut measurer = EmbeddedMeasurer::new(server, &spec.name, base.clone(), bcfg, &mut results, paths.checkpoint.clone(), interrupt, &sampler, obs);
            measurer.composing = composing.clone();
            measurer.cpu_only_composing = cfg.cpu_only_composing_models.clone();
            let mut on_event = |e: SearchEvent| {
                if let Some(line) = describe(&e) {
                    obs.warn(&format!("{}: {line}", spec.name));
                }
            };
            outcome = strategy.run(&space, &mut measurer, &mut on_event);
            wedged = measurer.wedged.clone();
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
        // Only configs with a successful measurement rank (the search ranks valid measurements only).
        let ranked: Vec<String> = outcome.top.iter().filter_map(|t| m.name_of(&t.variant.key()).map(str::to_string)).collect();
        m.top = ranked.into_iter().filter(|n| m.has_result(n)).collect();
        m.complete = !interrupted;
        if interrupted {
            m.status = Some(ModelStatus::Interrupted);
            m.reason = Some("interrupted (Ctrl-C); continue with --resume".into());
        } else {
            set_status(m);
            if let Some(why) = wedged {
                // The search stopped early: never a clean result.
                if m.status == Some(ModelStatus::Ok) {
                    m.status = Some(ModelStatus::Partial);
                }
                m.reason = Some(match m.reason.take() {
                    Some(r) => format!("search stopped: {why}; {r}"),
                    None => format!("search stopped: {why}"),
                });
                obs.warn(&format!("{}: search stopped: {why}", spec.name));
            }
        }
        results.write(&paths.checkpoint)?;
        if interrupted {
            break;
        }
        // Deployable configs: the top ones and the default — only configs that
        // loaded and have a successful measurement.
        let m = results.model_mut(&spec.name);
        let mut names: Vec<String> = m.top.clone();
        if !names.contains(&m.default_config) {
            names.push(m.default_config.clone());
        }
        let mut write_errors = Vec::new();
        for name in names {
            if let Some(c) = m.configs.iter().find(|c| c.name == name && deployable(m, c)) {
                if let Err(e) = output::write_config(&paths.output_repository, &cfg.model_repository, &spec.name, &name, &c.config, cfg.override_output_model_repository) {
                    obs.warn(&format!("writing {name}: {e}"));
                    write_errors.push(format!("writing {name}: {e}"));
                }
            }
        }
        add_problems(m, write_errors);
    }
    sampler.stop();
    results.num_top_model_configs = cfg.num_top_model_configs;
    if cfg.num_top_model_configs > 0 && !interrupt.load(Ordering::Relaxed) {
        results.top_model_configs = top_model_configs(&results, &cfg.objectives, cfg.num_top_model_configs as usize);
        // Deployable, as the per-model top configs are (those already written are kept).
        let mut errors: Vec<(String, String)> = Vec::new();
        for t in &results.top_model_configs {
            let Some(m) = results.models.iter().find(|m| m.model == t.model) else { continue };
            if m.top.contains(&t.config) || t.config == m.default_config {
                continue;
            }
            if let Some(c) = m.configs.iter().find(|c| c.name == t.config && deployable(m, c)) {
                if let Err(e) = output::write_config(&paths.output_repository, &cfg.model_repository, &m.model, &c.name, &c.config, cfg.override_output_model_repository) {
                    obs.warn(&format!("writing {}: {e}", c.name));
                    errors.push((m.model.clone(), format!("writing {}: {e}", c.name)));
                }
            }
        }
        for (model, e) in errors {
            add_problems(results.model_mut(&model), vec![e]);
        }
    }
    results.write(&paths.checkpoint)?;
    if !interrupt.load(Ordering::Relaxed) {
        let uuids = crate::gpu::nvml::Gpus::probe().map(|g| g.infos().iter().map(|i| i.uuid.clone()).collect::<Vec<_>>().join(";")).unwrap_or_default();
        if let Err(e) = results::write_csvs(&results, &paths.results_dir, &uuids) {
            obs.warn(&format!("CSV tables: {e}"));
            results.problems.push(format!("CSV tables: {e}"));
        }
        results.write(&paths.results_dir.join("results.json"))?;
    }
    Ok(results)
}

/// A config may be written as deployable: it loaded, and at least one of its
/// measurements succeeded (no failed request).
fn deployable(m: &ModelResults, c: &results::ConfigRecord) -> bool {
    c.error.is_none() && m.has_result(&c.name)
}

/// Adds output problems to a finished model: `ok` becomes `partial`.
fn add_problems(m: &mut ModelResults, problems: Vec<String>) {
    if problems.is_empty() {
        return;
    }
    if m.status == Some(ModelStatus::Ok) {
        m.status = Some(ModelStatus::Partial);
    }
    let mut reasons: Vec<String> = m.reason.take().into_iter().collect();
    reasons.extend(problems);
    m.reason = Some(reasons.join("; "));
}

/// Records `model` as failed before its search started (complete: `--resume` does not retry it).
fn not_searched(results: &mut ProfileResults, model: &str, why: String, obs: &dyn Observer) {
    obs.warn(&format!("FAILED: {why}"));
    let m = results.model_mut(model);
    m.search.strategy = "not searched".into();
    m.complete = true;
    m.status = Some(ModelStatus::Failed);
    m.reason = Some(why);
}

/// Sets a searched model's `status` and `reason` from its records: `failed`
/// without any successful measurement, `partial` when a config failed to
/// load or a measurement failed, else `ok`.
pub fn set_status(m: &mut ModelResults) {
    let (status, reason) = model_status(m);
    m.status = Some(status);
    m.reason = reason;
}

/// The status a model's records give (see [`set_status`]).
pub fn model_status(m: &ModelResults) -> (ModelStatus, Option<String>) {
    if m.status == Some(ModelStatus::Failed) && m.configs.is_empty() {
        return (ModelStatus::Failed, m.reason.clone());
    }
    let load_failures: Vec<&results::ConfigRecord> = m.configs.iter().filter(|c| c.error.is_some()).collect();
    let failed: Vec<(&results::MeasurementRecord, String)> = m.measurements.iter().filter_map(|r| r.failure_reason().map(|w| (r, w))).collect();
    let usable = m.configs.iter().filter(|c| m.has_result(&c.name)).count();
    let mut parts = Vec::new();
    if !load_failures.is_empty() {
        let c = load_failures[0];
        parts.push(format!("{} of {} configs failed to load (first: {}: {})", load_failures.len(), m.configs.len(), c.name, c.error.as_deref().unwrap_or_default()));
    }
    let run_failures: Vec<_> = failed.iter().filter(|(r, _)| !load_failures.iter().any(|c| c.name == r.config)).collect();
    if !run_failures.is_empty() {
        let (r, w) = run_failures[0];
        parts.push(format!("{} of {} measurements failed (first: {} @ batch {}, concurrency {}: {w})", run_failures.len(), m.measurements.len(), r.config, r.batch_size, r.concurrency));
    }
    if usable == 0 {
        let why = if parts.is_empty() { "nothing was measured".to_string() } else { parts.join("; ") };
        return (ModelStatus::Failed, Some(format!("no usable measurement: {why}")));
    }
    if parts.is_empty() {
        (ModelStatus::Ok, None)
    } else {
        (ModelStatus::Partial, Some(parts.join("; ")))
    }
}

/// How a whole run went, for the exit code: `Failed` when no model produced
/// a usable measurement, `Partial` when any model is not `ok` or an output
/// could not be written, else `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Everything was measured and written.
    Ok,
    /// Results were written, part of them failed or is missing.
    Partial,
    /// No model produced a usable measurement.
    Failed,
}

/// The outcome of a finished (not interrupted) run.
pub fn run_outcome(results: &ProfileResults) -> RunOutcome {
    let usable = results.models.iter().any(|m| m.configs.iter().any(|c| m.has_result(&c.name)));
    if !usable {
        return RunOutcome::Failed;
    }
    let all_ok = results.models.iter().all(|m| m.status.unwrap_or_else(|| model_status(m).0) == ModelStatus::Ok);
    if all_ok && results.problems.is_empty() {
        RunOutcome::Ok
    } else {
        RunOutcome::Partial
    }
}

/// Constraints as Model Analyzer writes them: `{"perf_latency_p99": {"max": 50}}`.
pub fn constraints_json(c: &Constraints) -> Value {
    let mut out = serde_json::Map::new();
    for (name, b) in c.iter() {
        let mut bound = serde_json::Map::new();
        if let Some(v) = b.min {
            bound.insert("min".into(), number(v));
        }
        if let Some(v) = b.max {
            bound.insert("max".into(), number(v));
        }
        out.insert(name.to_string(), Value::Object(bound));
    }
    Value::Object(out)
}

/// Objectives as Model Analyzer writes them: `{"perf_throughput": 10}`.
pub fn objectives_json(o: &Objectives) -> Value {
    Value::Object(o.weights.iter().map(|(k, w)| (k.clone(), number(*w))).collect())
}

/// A whole number as a JSON integer, anything else as a float.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        Value::from(v)
    }
}

/// Everything in `cfg` that affects what is measured, as JSON: the model
/// repository, the profiled models with their settings, the search mode and
/// bounds, load lists, perf_analyzer_flags, constraints and objectives.
/// Stored in the checkpoint; `--resume` refuses a different one.
pub fn fingerprint(cfg: &ProfileConfig) -> Value {
    let repo = std::fs::canonicalize(&cfg.model_repository).unwrap_or_else(|_| cfg.model_repository.clone());
    let flags = |f: &super::config::PerfAnalyzerFlags| -> Value {
        Value::Object(f.0.iter().map(|(k, v)| (k.clone(), super::config::yaml_to_json(v).unwrap_or(Value::Null))).collect())
    };
    let models: serde_json::Map<String, Value> = cfg
        .profile_models
        .iter()
        .map(|m| {
            let p = cfg.effective_parameters(m);
            (
                m.name.clone(),
                serde_json::json!({
                    "cpu_only": m.cpu_only,
                    "concurrency": p.concurrency,
                    "batch_sizes": p.batch_sizes,
                    "request_rate": p.request_rate,
                    "perf_analyzer_flags": flags(&cfg.effective_perf_analyzer_flags(m)),
                    "model_config_parameters": m.model_config_parameters.clone().map(|x| Value::Object(x.into_iter().collect())).unwrap_or(Value::Null),
                    "constraints": constraints_json(&cfg.effective_constraints(m)),
                    "objectives": objectives_json(&cfg.effective_objectives(m)),
                }),
            )
        })
        .collect();
    serde_json::json!({
        "model_repository": repo.display().to_string(),
        "profile_models": cfg.profile_models.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        "models": models,
        "cpu_only_composing_models": cfg.cpu_only_composing_models,
        "run_config_search_mode": mode_name(cfg.run_config_search_mode),
        "run_config_search_disable": cfg.run_config_search_disable,
        "run_config_search_min_concurrency": cfg.run_config_search_min_concurrency,
        "run_config_search_max_concurrency": cfg.run_config_search_max_concurrency,
        "run_config_search_min_model_batch_size": cfg.run_config_search_min_model_batch_size,
        "run_config_search_max_model_batch_size": cfg.run_config_search_max_model_batch_size,
        "run_config_search_min_instance_count": cfg.run_config_search_min_instance_count,
        "run_config_search_max_instance_count": cfg.run_config_search_max_instance_count,
        "run_config_search_max_binary_search_steps": cfg.run_config_search_max_binary_search_steps,
        "num_configs_per_model": cfg.num_configs_per_model,
        "early_exit_enable": cfg.early_exit_enable,
        "concurrency_sweep_disable": cfg.concurrency_sweep_disable,
    })
}

/// The differences between two fingerprints, one line per differing key
/// (dotted path: checkpoint value → this config's value).
pub fn fingerprint_diff(checkpoint: &Value, current: &Value) -> Vec<String> {
    fn flatten(v: &Value, prefix: &str, out: &mut std::collections::BTreeMap<String, String>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    flatten(x, &if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let (mut a, mut b) = (std::collections::BTreeMap::new(), std::collections::BTreeMap::new());
    flatten(checkpoint, "", &mut a);
    flatten(current, "", &mut b);
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k}: checkpoint {}, this config {}", a.get(k).map_or("(absent)", String::as_str), b.get(k).map_or("(absent)", String::as_str)))
        .collect()
}

/// Refuses to resume from `checkpoint` with `cfg` when the checkpoint holds a
/// model `cfg` does not profile, or when its fingerprint (absent in
/// checkpoints of older tritium, which are accepted) differs. The error says
/// what differs.
pub fn check_resume(cfg: &ProfileConfig, checkpoint: &ProfileResults) -> std::result::Result<(), String> {
    let foreign: Vec<&str> = checkpoint.models.iter().map(|m| m.model.as_str()).filter(|n| !cfg.profile_models.iter().any(|s| s.name == *n)).collect();
    if !foreign.is_empty() {
        return Err(format!("the checkpoint holds model(s) {} that this config does not profile (profile_models: {})", foreign.join(", "), cfg.profile_models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")));
    }
    if checkpoint.fingerprint.is_null() {
        return Ok(());
    }
    let diff = fingerprint_diff(&checkpoint.fingerprint, &fingerprint(cfg));
    if diff.is_empty() {
        return Ok(());
    }
    let mut msg = format!("the checkpoint was written with different settings ({} difference{}):", diff.len(), if diff.len() == 1 { "" } else { "s" });
    for d in diff.iter().take(10) {
        msg += &format!("\n  {d}");
    }
    if diff.len() > 10 {
        msg += &format!("\n  ... and {} more", diff.len() - 10);
    }
    Err(msg)
}

/// A notice for a search space larger than `LARGE_SEARCH_SPACE` configs:
/// its size and the worst case of a brute search (measurements, time).
pub fn search_space_notice(space: &SearchSpace, mode: SearchMode, bcfg: &BenchConfig) -> Option<String> {
    let (configs, measurements) = search::brute_worst_case(space);
    if configs <= crate::bench::limits::LARGE_SEARCH_SPACE as u64 {
        return None;
    }
    let m = &bcfg.measurement;
    let per = (m.warmup_ms + 3 * m.interval_ms.max(1)) as f64 / 1000.0;
    let worst = (m.warmup_ms + u64::from(m.max_trials.max(1)) * m.interval_ms.max(1)) as f64 / 1000.0;
    let what = match mode {
        SearchMode::Quick => "quick search climbs through part of it; a brute search would take",
        _ => "brute search, worst case",
    };
    Some(format!(
        "large search space: {configs} configs ({what} {measurements} measurements, at least {} at {per:.1} s each, up to {} with max-trials {}; plus a load per config). Narrow the run_config_search_* bounds to shorten it",
        duration_text(measurements as f64 * per),
        duration_text(measurements as f64 * worst),
        m.max_trials.max(1)
    ))
}

/// "42 s", "3.5 min", "2.1 h", "4.0 days".
pub fn duration_text(secs: f64) -> String {
    if secs < 120.0 {
        format!("{secs:.0} s")
    } else if secs < 7200.0 {
        format!("{:.1} min", secs / 60.0)
    } else if secs < 172_800.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.1} days", secs / 86_400.0)
    }
}

/// The best `n` configs across every model of `results`
/// (`num_top_model_configs`, Model Analyzer's "Best Configs Across All
/// Models"): each config — defaults included — is represented by its best
/// measurement over every client batch size and concurrency (passing its
/// model's constraints when one does), then the representatives are ranked
/// by the global `objectives`, passing ones first (only failing ones when
/// none passes).
pub fn top_model_configs(results: &ProfileResults, objectives: &Objectives, n: usize) -> Vec<TopConfigRecord> {
    let mut candidates = Vec::new();
    for m in &results.models {
        for c in &m.configs {
            let recs: Vec<_> = m.points_of(&c.name).collect();
            let ms: Vec<(Measurement, bool)> = recs
                .iter()
                .map(|(r, p)| {
                    let mut x = results::to_measurement(&c.key, r.concurrency, p);
                    x.batch_size = r.batch_size;
                    (x, r.passes != Some(false))
                })
                .collect();
            if let Some(i) = search::representative(&ms, objectives) {
                let (x, passes) = ms[i].clone();
                candidates.push(((m.model.clone(), c.name.clone()), x, passes));
            }
        }
    }
    search::rank_candidates(candidates, objectives, n)
        .into_iter()
        .enumerate()
        .map(|(i, ((model, config), x, passes))| TopConfigRecord {
            rank: i as u32 + 1,
            model,
            config,
            batch_size: x.batch_size,
            concurrency: x.concurrency,
            throughput: x.throughput,
            latency_p99_ms: x.latency_p99_us / 1000.0,
            passes,
        })
        .collect()
}

/// The summary printed at the end: the top configs per model (with the
/// client batch size and concurrency of the row's measurement), skipped batch
/// sizes, a sentence against the default, and the cross-model top list.
pub fn summary(results: &ProfileResults) -> String {
    let mut s = String::new();
    for m in &results.models {
        if m.status == Some(ModelStatus::Failed) && m.configs.is_empty() {
            s += &format!("\n== {} (not searched)\n   FAILED: {}\n", m.model, m.reason.as_deref().unwrap_or("no usable measurement"));
            continue;
        }
        s += &format!("\n== {} ({} search: {} measurements of {} configs in {:.1} s; loading {:.1} s, measuring {:.1} s, other {:.3} s per config)\n",
            m.model, m.search.strategy, m.search.measurements, m.search.configs, m.search.wall_seconds, m.search.load_seconds, m.search.measure_seconds, m.search.overhead_seconds_per_config);
        match m.status {
            Some(ModelStatus::Failed) => s += &format!("   FAILED: {}\n", m.reason.as_deref().unwrap_or("no usable measurement")),
            Some(ModelStatus::Partial) => s += &format!("   PARTIAL: {}\n", m.reason.as_deref().unwrap_or("some configs or measurements failed")),
            Some(ModelStatus::Interrupted) => s += "   INTERRUPTED: partial results; continue with --resume\n",
            _ => {}
        }
        if !m.unapplied_constraints.is_empty() {
            s += &format!("   not applied (not measured on this machine): {}\n", m.unapplied_constraints.join(", "));
        }
        let best_of = |name: &str| m.best_point(name);
        s += &format!("   {:<28} {:>9} {:>9} {:>5} {:>11} {:>12} {:>11}\n", "config", "instances", "max batch", "batch", "concurrency", "infer/s", "p99 ms");
        let mut rows: Vec<String> = m.top.clone();
        if !rows.contains(&m.default_config) {
            rows.push(m.default_config.clone());
        }
        for name in &rows {
            let c = m.configs.iter().find(|c| &c.name == name);
            match (c, best_of(name)) {
                (Some(c), Some((r, p))) => {
                    s += &format!(
                        "   {:<28} {:>9} {:>9} {:>5} {:>11} {:>12.1} {:>11.2}\n",
                        name,
                        format!("{}x{}", c.variant.instance_count, c.variant.instance_kind.trim_start_matches("KIND_")),
                        c.variant.max_batch_size,
                        r.batch_size,
                        r.concurrency,
                        p.throughput,
                        p.latency.p99_us / 1000.0
                    )
                }
                _ if !m.has_result(name) => {
                    let why = c.and_then(|c| c.error.clone().map(|e| format!("failed to load: {e}"))).or_else(|| m.measurements.iter().filter(|r| &r.config == name).find_map(|r| r.failure_reason()));
                    s += &format!("   {name:<28} FAILED: {}\n", why.as_deref().unwrap_or("not measured"));
                }
                _ => s += &format!("   {name:<28} (no measurement meets the constraints)\n"),
            }
        }
        if let (Some(best), Some((dr, d))) = (m.top.first(), best_of(&m.default_config)) {
            if let Some((br, b)) = best_of(best) {
                s += &format!(
                    "   {best}: {:.1}x the default's throughput ({:.1} vs {:.1} infer/s; batch {} vs {}), p99 {:.2} ms (default {:.2} ms)\n",
                    b.throughput / d.throughput.max(1e-9),
                    b.throughput,
                    d.throughput,
                    br.batch_size,
                    dr.batch_size,
                    b.latency.p99_us / 1000.0,
                    d.latency.p99_us / 1000.0
                );
            }
        }
        // Skipped client batch sizes, one line per config.
        let mut skipped: Vec<(&str, Vec<u32>)> = Vec::new();
        for k in &m.skipped {
            match skipped.iter_mut().find(|(c, _)| *c == k.config) {
                Some((_, v)) => v.push(k.batch_size),
                None => skipped.push((&k.config, vec![k.batch_size])),
            }
        }
        for (config, sizes) in skipped.iter().take(8) {
            let mbs = m.configs.iter().find(|c| c.name == *config).map(|c| c.variant.max_batch_size).unwrap_or(0);
            let list: Vec<String> = sizes.iter().map(u32::to_string).collect();
            s += &format!("   {config}: client batch size {} skipped (above max_batch_size {mbs})\n", list.join(", "));
        }
        if skipped.len() > 8 {
            s += &format!("   ... and {} more configs with skipped batch sizes (see results.json)\n", skipped.len() - 8);
        }
        for c in m.configs.iter().filter(|c| c.error.is_some()) {
            s += &format!("   {} failed to load: {}\n", c.name, c.error.as_deref().unwrap_or(""));
        }
    }
    if !results.top_model_configs.is_empty() {
        s += &format!("\n== Best configs across all models (num_top_model_configs {})\n", results.num_top_model_configs);
        s += &format!("   {:>4} {:<20} {:<28} {:>5} {:>11} {:>12} {:>11} {:>11}\n", "rank", "model", "config", "batch", "concurrency", "infer/s", "p99 ms", "constraints");
        for t in &results.top_model_configs {
            s += &format!(
                "   {:>4} {:<20} {:<28} {:>5} {:>11} {:>12.1} {:>11.2} {:>11}\n",
                t.rank,
                t.model,
                t.config,
                t.batch_size,
                t.concurrency,
                t.throughput,
                t.latency_p99_ms,
                if t.passes { "met" } else { "not met" }
            );
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn fixture(name: &str) -> ProfileResults {
        ProfileResults::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results").join(name)).unwrap()
    }

    fn throughput_only() -> Objectives {
        let mut weights = BTreeMap::new();
        weights.insert("perf_throughput".to_string(), 10.0);
        Objectives { weights }
    }

    #[test]
    fn top_model_configs_rank_configs_of_every_model() {
        let mut r = fixture("gpu.json");
        let top = top_model_configs(&r, &throughput_only(), 4);
        assert_eq!(top.len(), 4);
        assert_eq!(top.iter().map(|t| t.rank).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert!(top.iter().all(|t| t.passes));
        assert!(top.windows(2).all(|w| w[0].throughput >= w[1].throughput), "{top:?}");
        // Each entry is its config's best passing measurement.
        for t in &top {
            let m = r.models.iter().find(|m| m.model == t.model).unwrap();
            let (rec, p) = m.best_point(&t.config).unwrap();
            assert_eq!((rec.batch_size, rec.concurrency, p.throughput), (t.batch_size, t.concurrency, t.throughput));
        }
        // The overall best passing config of both models comes first.
        let best = r
            .models
            .iter()
            .flat_map(|m| m.measurements.iter().filter(|x| x.passes == Some(true)).filter_map(|x| x.point.as_ref()))
            .map(|p| p.throughput)
            .fold(0.0, f64::max);
        assert_eq!(top[0].throughput, best);
        // Configs of both models compete: with n = every config, both appear.
        let all = top_model_configs(&r, &throughput_only(), 100);
        assert!(all.iter().any(|t| t.model == "add_sub") && all.iter().any(|t| t.model == "sleep_fixed"));
        let measured: usize = r.models.iter().map(|m| m.configs.iter().filter(|c| m.points_of(&c.name).next().is_some()).count()).sum();
        assert_eq!(all.len(), measured, "every measured config of every model is a candidate");
        // The summary prints the list.
        r.num_top_model_configs = 4;
        r.top_model_configs = top;
        let s = summary(&r);
        assert!(s.contains("Best configs across all models (num_top_model_configs 4)"), "{s}");
        assert!(s.contains(&r.top_model_configs[0].config));
    }

    /// Makes every measurement of `config` fail as reject_all's did (an error
    /// response to every request: empty histogram, 0 ms), stored as an older
    /// tritium stored it (point kept, `passes: true`).
    fn reject_all(m: &mut ModelResults, config: &str) {
        for r in m.measurements.iter_mut().filter(|r| r.config == config) {
            if let Some(p) = &mut r.point {
                p.failures.insert("request rejected".into(), p.requests.max(1));
                p.latency = Default::default();
                p.throughput = 1e9;
                r.passes = Some(true);
            }
        }
    }

    #[test]
    fn failed_configs_never_rank_across_models_or_against_the_default() {
        let mut r = fixture("gpu.json");
        // The best config of every model, and add_sub's default, fail every request
        // (with an absurd throughput, so only the failure rule can keep them out).
        let best: Vec<(String, String)> = r.models.iter().map(|m| (m.model.clone(), m.top[0].clone())).collect();
        for (model, config) in &best {
            let m = r.models.iter_mut().find(|m| &m.model == model).unwrap();
            reject_all(m, config);
            set_status(m);
            assert_eq!(m.status, Some(ModelStatus::Partial), "{:?}", m.reason);
            assert!(m.reason.as_deref().unwrap().contains("request rejected"), "{:?}", m.reason);
        }
        let add_sub = r.models.iter_mut().find(|m| m.model == "add_sub").unwrap();
        let d = add_sub.default_config.clone();
        reject_all(add_sub, &d);
        let top = top_model_configs(&r, &throughput_only(), 100);
        for t in &top {
            assert!(!best.iter().any(|(m, c)| m == &t.model && c == &t.config), "{} of {} failed and ranked #{}", t.config, t.model, t.rank);
            assert!(!(t.model == "add_sub" && t.config == d));
            assert!(t.latency_p99_ms > 0.0);
        }
        // The summary shows the failed ones as FAILED, and no "x the default" line for add_sub.
        for m in r.models.iter_mut() {
            let keep: Vec<String> = m.top.iter().filter(|n| m.has_result(n)).cloned().collect();
            m.top = keep;
        }
        let s = summary(&r);
        assert!(s.lines().any(|l| l.trim_start().starts_with(&d) && l.contains("FAILED: every request failed")), "{s}");
        let add_sub_part = &s[s.find("== add_sub").unwrap()..];
        assert!(!add_sub_part.contains("the default's throughput"), "{s}");
        assert!(!s.contains(" 0.00\n"), "no 0 ms latency for a failed config: {s}");
    }

    #[test]
    fn a_model_without_a_usable_measurement_failed_and_the_run_too() {
        let mut r = fixture("cpu_only.json");
        let m = &mut r.models[0];
        let names: Vec<String> = m.configs.iter().map(|c| c.name.clone()).collect();
        for n in &names {
            reject_all(m, n);
        }
        set_status(m);
        assert_eq!(m.status, Some(ModelStatus::Failed));
        assert!(m.reason.as_deref().unwrap().starts_with("no usable measurement"), "{:?}", m.reason);
        assert_eq!(run_outcome(&r), RunOutcome::Failed);
        let s = summary(&r);
        assert!(s.contains("FAILED: no usable measurement"), "{s}");
        // A second model that worked: partial.
        let mut ok = fixture("cpu_only.json").models.remove(0);
        ok.model = "other".into();
        set_status(&mut ok);
        assert_eq!(ok.status, Some(ModelStatus::Ok));
        r.models.push(ok);
        assert_eq!(run_outcome(&r), RunOutcome::Partial);
        r.models.remove(0);
        assert_eq!(run_outcome(&r), RunOutcome::Ok);
        r.problems.push("reports: disk full".into());
        assert_eq!(run_outcome(&r), RunOutcome::Partial);
        // A model that could not even be read.
        let mut missing = ModelResults { model: "missing".into(), status: Some(ModelStatus::Failed), reason: Some("model 'missing' could not be read".into()), complete: true, ..Default::default() };
        set_status(&mut missing);
        assert_eq!((missing.status, missing.reason.as_deref()), (Some(ModelStatus::Failed), Some("model 'missing' could not be read")));
    }

    #[test]
    fn constraints_and_objectives_are_json_objects() {
        let cfg = ProfileConfig::from_yaml_str(
            "model_repository: /r\nprofile_models: [a]\nconstraints:\n  perf_latency_p99: {max: 50}\n  perf_throughput: {min: 12.5}\nobjectives: {perf_throughput: 10, perf_latency_p99: 2}\n",
            Path::new("c.yaml"),
        )
        .unwrap();
        assert_eq!(constraints_json(&cfg.constraints), serde_json::json!({"perf_latency_p99": {"max": 50}, "perf_throughput": {"min": 12.5}}));
        assert_eq!(objectives_json(&cfg.objectives), serde_json::json!({"perf_throughput": 10, "perf_latency_p99": 2}));
        // The report reads them, as it reads the debug strings of older files.
        assert_eq!(crate::report::constraints_text(&constraints_json(&cfg.constraints), &[]), "p99 latency ≤ 50 ms; throughput ≥ 12.5 infer/s");
        assert_eq!(crate::report::objectives_text(&objectives_json(&cfg.objectives)), "minimize p99 latency (weight 2), maximize throughput (weight 10)");
    }

    #[test]
    fn resume_refuses_a_different_config_and_foreign_models() {
        let yaml = "model_repository: /r\nprofile_models: [a, b]\nrun_config_search_max_instance_count: 3\nperf_analyzer_flags: {measurement-interval: 200}\n";
        let cfg = ProfileConfig::from_yaml_str(yaml, Path::new("c.yaml")).unwrap();
        let mut ck = ProfileResults { fingerprint: fingerprint(&cfg), ..Default::default() };
        ck.model_mut("a");
        assert_eq!(check_resume(&cfg, &ck), Ok(()));
        // A changed bound and a changed flag: both named.
        let changed = ProfileConfig::from_yaml_str(&yaml.replace("count: 3", "count: 4").replace("interval: 200", "interval: 500"), Path::new("c.yaml")).unwrap();
        let e = check_resume(&changed, &ck).unwrap_err();
        assert!(e.contains("3 differences"), "two models' flags and a bound: {e}");
        assert!(e.contains("run_config_search_max_instance_count: checkpoint 3, this config 4"), "{e}");
        assert!(e.contains("models.a.perf_analyzer_flags.measurement-interval: checkpoint 200, this config 500"), "{e}");
        // Another model list.
        let other = ProfileConfig::from_yaml_str(&yaml.replace("[a, b]", "[a]"), Path::new("c.yaml")).unwrap();
        assert!(check_resume(&other, &ck).unwrap_err().contains("profile_models"));
        // A model in the checkpoint the config does not profile (a checkpoint without fingerprint too).
        ck.model_mut("victim");
        ck.fingerprint = Value::Null;
        let e = check_resume(&cfg, &ck).unwrap_err();
        assert!(e.contains("victim") && e.contains("does not profile"), "{e}");
        ck.models.retain(|m| m.model != "victim");
        assert_eq!(check_resume(&cfg, &ck), Ok(()), "an older checkpoint without fingerprint is accepted");
        // Output paths do not matter.
        let moved = ProfileConfig::from_yaml_str(&format!("{yaml}export_path: /elsewhere\n"), Path::new("other.yaml")).unwrap();
        assert_eq!(fingerprint_diff(&fingerprint(&cfg), &fingerprint(&moved)), Vec::<String>::new());
    }

    #[test]
    fn large_search_spaces_are_announced_with_their_size() {
        let cfg = ProfileConfig::from_yaml_str("model_repository: /r\nprofile_models: [a]\nperf_analyzer_flags: {measurement-interval: 1000}\n", Path::new("c.yaml")).unwrap();
        let spec = &cfg.profile_models[0];
        let bcfg = bench_config(&cfg, spec).unwrap();
        let d = ModelConfigVariant::default_from_config(&serde_json::json!({"max_batch_size": 8}), "KIND_CPU");
        let mut space = SearchSpace::from_config(&cfg, spec, d, true, true, true);
        assert_eq!(search_space_notice(&space, SearchMode::Brute, &bcfg), None, "Model Analyzer's defaults: 5 x 8 configs");
        space.max_instance_count = 256;
        let n = search_space_notice(&space, SearchMode::Brute, &bcfg).unwrap();
        let (configs, measurements) = search::brute_worst_case(&space);
        assert_eq!(configs, 256 * 8 + 1);
        assert!(n.contains(&format!("{configs} configs")) && n.contains(&format!("{measurements} measurements")) && n.contains("days"), "{n}");
        assert!(search_space_notice(&space, SearchMode::Quick, &bcfg).unwrap().contains("quick search"));
        assert_eq!(duration_text(30.0), "30 s");
        assert_eq!(duration_text(600.0), "10.0 min");
        assert_eq!(duration_text(3.0 * 86_400.0), "3.0 days");
    }

    #[test]
    fn summary_names_batch_sizes_and_skipped_ones() {
        let mut r = fixture("cpu_only.json");
        let m = &mut r.models[0];
        let name = m.configs[1].name.clone();
        m.skipped.push(results::SkippedRecord { config: name.clone(), batch_size: 16, reason: "above".into() });
        m.skipped.push(results::SkippedRecord { config: name.clone(), batch_size: 32, reason: "above".into() });
        let s = summary(&r);
        assert!(s.contains("max batch") && s.contains("batch") && s.contains("concurrency"), "{s}");
        assert!(s.contains(&format!("{name}: client batch size 16, 32 skipped")), "{s}");
        assert!(!s.contains("Best configs across all models"));
    }
}
