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
use super::config::Objectives;
use super::results::{self, ProfileResults, SearchStats, TopConfigRecord};
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
        let outcome;
        let stats;
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
        if !names.contains(&m.default_config) {
            names.push(m.default_config.clone());
        }
        for name in names {
            if let Some(c) = m.configs.iter().find(|c| c.name == name) {
                if let Err(e) = output::write_config(&paths.output_repository, &cfg.model_repository, &spec.name, &name, &c.config, cfg.override_output_model_repository) {
                    obs.warn(&format!("writing {name}: {e}"));
                }
            }
        }
    }
    sampler.stop();
    results.num_top_model_configs = cfg.num_top_model_configs;
    if cfg.num_top_model_configs > 0 && !interrupt.load(Ordering::Relaxed) {
        results.top_model_configs = top_model_configs(&results, &cfg.objectives, cfg.num_top_model_configs as usize);
        // Deployable, as the per-model top configs are (those already written are kept).
        for t in &results.top_model_configs {
            let Some(m) = results.models.iter().find(|m| m.model == t.model) else { continue };
            if m.top.contains(&t.config) || t.config == m.default_config {
                continue;
            }
            if let Some(c) = m.configs.iter().find(|c| c.name == t.config) {
                if let Err(e) = output::write_config(&paths.output_repository, &cfg.model_repository, &m.model, &c.name, &c.config, cfg.override_output_model_repository) {
                    obs.warn(&format!("writing {}: {e}", c.name));
                }
            }
        }
    }
    results.write(&paths.checkpoint)?;
    if !interrupt.load(Ordering::Relaxed) {
        results.write(&paths.results_dir.join("results.json"))?;
        let uuids = crate::gpu::nvml::Gpus::probe().map(|g| g.infos().iter().map(|i| i.uuid.clone()).collect::<Vec<_>>().join(";")).unwrap_or_default();
        results::write_csvs(&results, &paths.results_dir, &uuids)?;
    }
    Ok(results)
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
        s += &format!("\n== {} ({} search: {} measurements of {} configs in {:.1} s; loading {:.1} s, measuring {:.1} s, other {:.3} s per config)\n",
            m.model, m.search.strategy, m.search.measurements, m.search.configs, m.search.wall_seconds, m.search.load_seconds, m.search.measure_seconds, m.search.overhead_seconds_per_config);
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
