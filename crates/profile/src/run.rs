//! One `tritium profile` run: every model of `profile_models` in turn, in
//! one embedded server.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::Value;

use super::config::{ProfileConfig, SearchMode};
use super::measure::{AliasRepository, EmbeddedMeasurer};
use super::output;
use tritium_model::pbtxt;
use super::plan::{ModelPlan, Plan};
use super::shard::{Assignment, Shard, ShardRecord};
use super::config::{Constraints, Objectives};
use super::results::{self, MeasurementRecord, ModelResults, ModelStatus, ProfileResults, SearchStats, TopConfigRecord};
use super::search::{self, VariantMeasurement, ModelConfigVariant, Resources, SearchEvent, SearchSpace};
use tritium_bench::export::LoadPoint;
use tritium_bench::stats::Interval;
use tritium_bench::input_data::{InputSource, ShapeOverrides};
use tritium_bench::{self as bench, BenchConfig, MeasurementMode, Observer};
use tritium_triton::error::{Error, Result};
use tritium_triton::Server;

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
    /// Paths of one shard of `cfg` (see [`Shard`]): its own results folder,
    /// checkpoint and staging output repository under the export path.
    pub fn of_shard(cfg: &ProfileConfig, shard: Shard) -> Paths {
        Paths { results_dir: shard.results_dir(&cfg.export_path), checkpoint: shard.checkpoint(cfg), output_repository: shard.output_repository(&cfg.export_path) }
    }

    /// Paths of `cfg`.
    pub fn of(cfg: &ProfileConfig) -> Paths {
        Paths {
            results_dir: cfg.export_path.join("results"),
            checkpoint: cfg.checkpoint_directory.join("tritium-profile.ckpt.json"),
            output_repository: cfg.output_model_repository_path.clone(),
        }
    }
}

/// Whether latency is among `model`'s constraints or (weighted) objectives.
pub fn latency_matters(model: &ModelPlan) -> bool {
    model.constraints.iter().any(|(name, _)| name.starts_with("perf_latency")) || model.objectives.weights.iter().any(|(k, w)| k.starts_with("perf_latency") && *w > 0.0)
}

/// The bench settings a model's `perf_analyzer_flags` describe, under the
/// default stop rule (adaptive, ±3 %; see [`bench_config_with`]).
pub fn bench_config(model: &ModelPlan) -> Result<BenchConfig> {
    bench_config_with(model, bench::StopRule::Adaptive, bench::DEFAULT_CI_TARGET_PCT)
}

/// The bench settings a model's `perf_analyzer_flags` describe, under the
/// stop `rule` (`tritium_measurement_rule`) with its CI target
/// (`tritium_ci_target`): `measurement-interval` and `max-trials` default to
/// the rule's (1000 ms and 20 windows adaptive, 5000 ms and 10 under
/// perf_analyzer's rule and for count windows), as `tritium bench` does.
pub fn bench_config_with(model: &ModelPlan, rule: bench::StopRule, ci_target_pct: f64) -> Result<BenchConfig> {
    let flags = &model.perf_analyzer_flags;
    let mut b = BenchConfig::new(&model.name);
    b.batch_size = flags.batch_size().unwrap_or(1);
    let shapes: Vec<String> = flags.shapes().iter().map(|s| format!("{}:{}", s.name, s.dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(","))).collect();
    b.shapes = ShapeOverrides::parse(&shapes).map_err(|e| Error::InvalidArgument(format!("perf_analyzer_flags.shape of model '{}': {e}", model.name)))?;
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
    let rule = rule.for_mode(mode);
    let interval = flags.measurement_interval_ms().unwrap_or(rule.default_interval_ms());
    b.measurement = bench::Measurement {
        mode,
        interval_ms: interval,
        request_count: flags.measurement_request_count().unwrap_or(50),
        stability_pct: flags.stability_percentage().unwrap_or(10.0),
        max_trials: flags.max_trials().unwrap_or(rule.default_max_trials()),
        percentile: flags.percentile(),
        warmup_ms: interval.min(1000),
        rule,
        ci_target_pct,
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

/// Profiles every model of `plan` (resolved from `cfg`, which says where
/// results go); writes the checkpoint after each measurement and, at the end,
/// results.json, the CSV tables and the output model configs.
pub fn profile(cfg: &ProfileConfig, plan: &Plan, server: &Server, resume: Option<ProfileResults>, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<ProfileResults> {
    profile_sharded(cfg, plan, server, resume, interrupt, obs, None, None)
}

/// [`profile`], of one shard's part of the plan when `shard` is given
/// (`tritium profile --shard I/N`, see [`crate::shard`]): its units only,
/// written under [`Paths::of_shard`]; no cross-model top list (the merge
/// computes it). `aliases`: the model aliases `server` also serves
/// (`tritium_model_switch: preload`, [`AliasRepository`]); None: no preload.
#[allow(clippy::too_many_arguments)]
pub fn profile_sharded(cfg: &ProfileConfig, plan: &Plan, server: &Server, resume: Option<ProfileResults>, interrupt: &AtomicBool, obs: &dyn Observer, shard: Option<&Assignment>, aliases: Option<&AliasRepository>) -> Result<ProfileResults> {
    let paths = match shard {
        Some(a) => Paths::of_shard(cfg, a.shard),
        None => Paths::of(cfg),
    };
    // A shard's staging repository is tritium's own: rewritten on --resume.
    let override_output = cfg.override_output_model_repository || shard.is_some();
    output::check_output_repository(&paths.output_repository, override_output)?;
    let csv_layout = crate::metrics_csv::CsvLayout::from_config(cfg)?;
    for w in csv_layout.dropped() {
        obs.warn(&w);
    }
    let sampler = bench::resources::Sampler::start(std::time::Duration::from_millis(50));
    let server_only = if resume.as_ref().is_some_and(|r| r.server_only.is_some()) { None } else { server_only(cfg, &sampler, interrupt, obs) };
    // The run's wall time starts after the server-only measurement (like the server's start, it is not the search's).
    let session_started = Instant::now();
    let cuda = tritium_triton::gpu::cuda_available();
    let mut results = resume.unwrap_or_else(|| ProfileResults {
        schema_version: results::SCHEMA_VERSION,
        tool: "tritium".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        started_at: tritium_util::now_rfc3339(),
        ..Default::default()
    });
    results.triton_version = server.metadata().map(|m| m.version).unwrap_or_default();
    results.machine = bench::machine_description();
    results.config_file = cfg.config_file.display().to_string();
    results.search_mode = format!("{:?}", plan.search.mode).to_lowercase();
    results.constraints = constraints_json(&cfg.constraints);
    results.objectives = objectives_json(&cfg.objectives);
    results.fingerprint = fingerprint(plan);
    results.problems.clear();
    // The run's time anatomy: a resumed run goes on from the checkpoint's.
    let untimed_earlier = results.time.is_none() && results.models.iter().any(|m| !m.measurements.is_empty() || !m.configs.is_empty());
    let time = results.time.get_or_insert_with(Default::default);
    time.sessions += 1;
    time.partial |= untimed_earlier;
    let clock = results::RunClock::started_at(session_started, time.wall_seconds);
    if server_only.is_some() {
        results.server_only = server_only;
    }
    for model in &plan.models {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        if shard.is_some_and(|a| !a.has_model(&model.name)) {
            continue;
        }
        if results.models.iter().any(|m| m.model == model.name && m.complete) {
            obs.warn(&format!("{}: already complete in the checkpoint, skipped", model.name));
            let m = results.model_mut(&model.name);
            if m.status.is_none() {
                set_status(m);
            }
            continue;
        }
        let t_model = Instant::now();
        let base = match base_config(server, &plan.model_repository, &model.name) {
            Ok(b) => b,
            Err(e) => {
                let why = format!("model '{}' could not be read from {}: {e}", model.name, plan.model_repository.display());
                not_searched(&mut results, &model.name, why, obs);
                stamp(&mut results, &clock);
                results.write(&paths.checkpoint)?;
                continue;
            }
        };
        // An ensemble is searched whole, by the shard owning its first unit.
        if shard.is_some_and(|a| !a.owns_first(&model.name)) && !composing_models(&base).is_empty() {
            obs.warn(&format!("{}: an ensemble; searched by the shard owning its first unit", model.name));
            continue;
        }
        results.model_mut(&model.name).base_config = base.clone();
        // An ensemble is measured end to end while its composing models' configs are searched.
        let mut composing_error = None;
        let composing = match composing_models(&base) {
            names if names.is_empty() => Vec::new(),
            names => {
                let mut v = Vec::new();
                for n in names {
                    if let Err(e) = super::config::check_model_name(&n) {
                        composing_error.get_or_insert(format!("ensemble '{}': composing {e}", model.name));
                        continue;
                    }
                    match base_config(server, &plan.model_repository, &n) {
                        Ok(b) => v.push((n, b)),
                        Err(e) => {
                            composing_error.get_or_insert(format!("ensemble '{}': composing model '{n}': {e}", model.name));
                        }
                    }
                }
                if composing_error.is_none() {
                    obs.warn(&format!("{}: ensemble; searching the configs of {}", model.name, v.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")));
                }
                v
            }
        };
        if let Some(why) = composing_error {
            not_searched(&mut results, &model.name, why, obs);
            stamp(&mut results, &clock);
            results.write(&paths.checkpoint)?;
            continue;
        }
        // What the search varies: the model itself, or (ensembles) each composing model's own settings.
        let mut mode = plan.search.mode;
        let mut space = if composing.is_empty() {
            let default_kind = if cuda { "KIND_GPU" } else { "KIND_CPU" };
            let default_variant = ModelConfigVariant::default_from_config(&base, default_kind);
            let (batching, dyn_batching) = search::model_batching_support(&base);
            SearchSpace::from_plan(model, default_variant, batching, dyn_batching, !cuda)
        } else {
            match ensemble::ensemble_search(plan, model, &base, &composing, cuda) {
                Ok(e) => {
                    for n in &e.notes {
                        obs.warn(&format!("{}: {n}", model.name));
                    }
                    mode = e.mode;
                    e.space
                }
                Err(why) => {
                    not_searched(&mut results, &model.name, format!("ensemble '{}': {why}", model.name), obs);
                    results.write(&paths.checkpoint)?;
                    continue;
                }
            }
        };
        if let tritium_triton::gpu::CudaStatus::Available { devices } = tritium_triton::gpu::cuda::cuda_status() {
            space.gpu_count = u32::try_from(*devices).unwrap_or(u32::MAX).max(1);
        }
        if let Some(walks) = shard.and_then(|a| a.walks(&model.name)).filter(|_| composing.is_empty() && mode == SearchMode::Brute) {
            // Names by place in the whole enumeration: shards never collide.
            let all = search::brute_walks(&space);
            let names = &mut results.model_mut(&model.name).preset_names;
            for (i, v) in all.iter().flatten().enumerate() {
                names.entry(v.key()).or_insert_with(|| format!("{}_config_{i}", model.name));
            }
            space.walks = Some(walks);
        }
        let asked = search::normalized_batch_sizes(&model.parameters.batch_sizes);
        if space.batch_sizes != asked {
            obs.warn(&format!("{}: perf_analyzer_flags batch-size {} replaces batch_sizes {asked:?} (as in Model Analyzer)", model.name, space.search_batch_size));
        }
        let mut strategy = search::strategy_for(mode).ok_or_else(|| {
            Error::InvalidArgument(format!("run_config_search_mode {mode:?} is not supported by tritium (use brute or quick)"))
        })?;
        let bcfg = bench_config_with(model, cfg.tritium_measurement_rule, cfg.tritium_ci_target)?;
        if let Some(notice) = search_space_notice(&space, mode, &bcfg) {
            obs.warn(&format!("{}: {notice}", model.name));
        }
        let outcome;
        let stats;
        let wedged;
        {
            let mut measurer = EmbeddedMeasurer::new(server, &model.name, base.clone(), bcfg, &mut results, paths.checkpoint.clone(), interrupt, &sampler, obs);
            measurer.composing = composing.clone();
            measurer.cpu_only_composing = plan.cpu_only_composing_models.clone();
            let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
            measurer.replace = cfg.tritium_model_switch.replaces(cores);
            if measurer.replace && composing.is_empty() {
                obs.warn(&format!(
                    "{}: a config Triton cannot update in place is loaded over the loaded one (tritium_model_switch {}, {cores} cores): the old instances unload in the background",
                    model.name,
                    cfg.tritium_model_switch.as_str()
                ));
            }
            let latency = latency_matters(model);
            let preload = composing.is_empty() && cfg.tritium_model_switch.preloads(cores, latency);
            measurer.alias = aliases.filter(|_| preload).and_then(|a| a.alias(&model.name)).map(str::to_string);
            if let Some(alias) = &measurer.alias {
                obs.warn(&format!("{}: the config the search expects next loads during each measurement, as {alias} (tritium_model_switch {}; configs of CPU instances only)", model.name, cfg.tritium_model_switch.as_str()));
            } else if composing.is_empty() && latency && cfg.tritium_model_switch.may_preload(cores) && !cfg.tritium_model_switch.preloads(cores, true) {
                obs.warn(&format!("{}: no preload of the next config: latency is among its constraints or objectives, and a config loading beside a measurement widens its latency intervals (tritium_model_switch: preload forces it)", model.name));
            }
            measurer.load = space.load;
            measurer.clock = Some(clock);
            let mut on_event = |e: SearchEvent| {
                if let Some(line) = describe(&e, space.load) {
                    obs.warn(&format!("{}: {line}", model.name));
                }
            };
            outcome = strategy.run(&space, &mut measurer, &mut on_event);
            measurer.finish();
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
                loads: measurer.loads,
                in_place_loads: measurer.in_place,
                replaced_loads: measurer.replaced,
                preloads: measurer.preloads,
                preloaded_loads: measurer.preloaded,
            };
        }
        let interrupted = interrupt.load(Ordering::Relaxed);
        let m = results.model_mut(&model.name);
        m.search = stats;
        m.record_stability(&outcome);
        // Constraint verdicts and what could not be applied.
        let mut unapplied = std::collections::BTreeSet::new();
        for r in &mut m.measurements {
            if let (Some(p), Some(c)) = (&r.point, m.configs.iter().find(|c| c.name == r.config)) {
                let meas = results::to_measurement(&c.key, r.level(), p);
                r.passes = Some(search::passes_constraints(&space.constraints, &meas));
                unapplied.extend(search::unapplied_constraints(&space.constraints, &meas).into_iter().map(str::to_string));
            }
        }
        m.unapplied_constraints = unapplied.into_iter().collect();
        // Only configs with a successful measurement rank (the search ranks valid measurements only).
        let ranked: Vec<String> = outcome.top.iter().filter_map(|t| m.name_of(&t.variant.key()).map(str::to_string)).collect();
        m.top = ranked.into_iter().filter(|n| m.has_result(n)).collect();
        // Statistical ties of the top configs (with any ranked config, the default included).
        m.tied_with = outcome
            .top
            .iter()
            .filter(|t| !t.tied_with.is_empty())
            .filter_map(|t| {
                let name = m.name_of(&t.variant.key())?.to_string();
                let tied: Vec<String> = t.tied_with.iter().filter_map(|k| m.name_of(k).map(str::to_string)).collect();
                m.top.contains(&name).then_some((name, tied))
            })
            .collect();
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
                obs.warn(&format!("{}: search stopped: {why}", model.name));
            }
        }
        stamp(&mut results, &clock);
        results.write(&paths.checkpoint)?;
        if interrupted {
            break;
        }
        // Deployable configs: every measured variant, or (tritium_output_configs: top)
        // the top ones and the default (see `output::configs_to_write`).
        let m = results.model_mut(&model.name);
        let mut write_errors = Vec::new();
        for c in output::configs_to_write(m, cfg.tritium_output_configs) {
            if let Err(e) = output::write_config(&paths.output_repository, &cfg.model_repository, &model.name, &c.name, &c.config, override_output) {
                obs.warn(&format!("writing {}: {e}", c.name));
                write_errors.push(format!("writing {}: {e}", c.name));
            }
        }
        add_problems(m, write_errors);
    }
    sampler.stop();
    results.num_top_model_configs = cfg.num_top_model_configs;
    if cfg.num_top_model_configs > 0 && shard.is_none() && !interrupt.load(Ordering::Relaxed) {
        results.top_model_configs = top_model_configs(&results, &cfg.objectives, cfg.num_top_model_configs as usize);
        // Deployable, as the per-model top configs are (those already written are kept;
        // with tritium_output_configs: all every measured config is written already).
        let mut errors: Vec<(String, String)> = Vec::new();
        let top_only = cfg.tritium_output_configs == super::config::OutputConfigs::Top;
        for t in results.top_model_configs.iter().filter(|_| top_only) {
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
    let gpu_uuids: Vec<String> = tritium_triton::gpu::nvml::Gpus::probe().map(|g| bench::gpus::visible_now(g.infos()).into_iter().map(|i| i.uuid.clone()).collect()).unwrap_or_default();
    if let Some(a) = shard {
        results.shard = Some(ShardRecord {
            index: a.shard.index,
            count: a.shard.count,
            plan_hash: crate::shard::plan_hash(plan),
            units: a.unit_names(),
            complete: !interrupt.load(Ordering::Relaxed),
            gpu_uuids: gpu_uuids.clone(),
        });
    }
    stamp(&mut results, &clock);
    results.write(&paths.checkpoint)?;
    if !interrupt.load(Ordering::Relaxed) {
        let uuids = gpu_uuids.join(";");
        if let Err(e) = results::write_csvs(&results, &paths.results_dir, &uuids, &csv_layout) {
            obs.warn(&format!("CSV tables: {e}"));
            results.problems.push(format!("CSV tables: {e}"));
        }
        stamp(&mut results, &clock);
        results.write(&paths.results_dir.join("results.json"))?;
        // The checkpoint carries the same final times, so a resume continues from them.
        results.write(&paths.checkpoint)?;
    }
    Ok(results)
}

/// Model Analyzer's server-only measurement, before any model is loaded:
/// the server sampled for `duration_seconds` (capped, with a notice).
fn server_only(cfg: &ProfileConfig, sampler: &bench::resources::Sampler, interrupt: &AtomicBool, obs: &dyn Observer) -> Option<results::ServerOnlyRecord> {
    let secs = results::server_only_seconds(cfg.duration_seconds);
    if secs < cfg.duration_seconds {
        obs.warn(&format!("duration_seconds {}: the server-only measurement is capped at {secs} s (an idle server's figures settle in seconds)", cfg.duration_seconds));
    }
    if secs == 0 || interrupt.load(Ordering::Relaxed) {
        return None;
    }
    obs.warn(&format!("measuring the server with no model loaded for {secs} s (duration_seconds)"));
    results::measure_server_only(sampler, secs, interrupt)
}

/// Sets the run's wall time (and so its idle time) to the clock's reading.
fn stamp(results: &mut ProfileResults, clock: &results::RunClock) {
    results.time.get_or_insert_with(Default::default).close(clock.wall());
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
        parts.push(format!("{} of {} measurements failed (first: {} @ batch {}, {}: {w})", run_failures.len(), m.measurements.len(), r.config, r.batch_size, r.load_label()));
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

/// The plan as JSON: everything that affects what is measured (the model
/// repository, the profiled models with their resolved settings, the search
/// mode and bounds, load lists, perf_analyzer_flags, constraints and
/// objectives). Stored in the checkpoint; `--resume` refuses a different one.
pub fn fingerprint(plan: &Plan) -> Value {
    let repo = std::fs::canonicalize(&plan.model_repository).unwrap_or_else(|_| plan.model_repository.clone());
    let flags = |f: &super::config::PerfAnalyzerFlags| -> Value {
        Value::Object(f.0.iter().map(|(k, v)| (k.clone(), super::config::yaml_to_json(v).unwrap_or(Value::Null))).collect())
    };
    let models: serde_json::Map<String, Value> = plan
        .models
        .iter()
        .map(|m| {
            let p = &m.parameters;
            let mut j = serde_json::json!({
                    "cpu_only": m.cpu_only,
                    "concurrency": p.concurrency,
                    "batch_sizes": p.batch_sizes,
                    "request_rate": p.request_rate,
                    "perf_analyzer_flags": flags(&m.perf_analyzer_flags),
                    "model_config_parameters": m.model_config_parameters.clone().map(|x| Value::Object(x.into_iter().collect())).unwrap_or(Value::Null),
                    "constraints": constraints_json(&m.constraints),
                    "objectives": objectives_json(&m.objectives),
                });
            // Absent for concurrency: checkpoints from before request-rate profiling resume.
            if let crate::plan::LoadKind::RequestRate { distribution } = m.load.kind {
                j["load"] = "request_rate".into();
                j["request_distribution"] = tritium_util::Choice::name(distribution).into();
            }
            (m.name.clone(), j)
        })
        .collect();
    let s = &plan.search;
    let mut f = serde_json::json!({
        "model_repository": repo.display().to_string(),
        "profile_models": plan.models.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        "models": models,
        "cpu_only_composing_models": plan.cpu_only_composing_models,
        "run_config_search_mode": mode_name(s.mode),
        "run_config_search_disable": s.disabled,
        "run_config_search_min_concurrency": s.bounds.min_concurrency,
        "run_config_search_max_concurrency": s.bounds.max_concurrency,
        "run_config_search_min_model_batch_size": s.bounds.min_model_batch_size,
        "run_config_search_max_model_batch_size": s.bounds.max_model_batch_size,
        "run_config_search_min_instance_count": s.bounds.min_instance_count,
        "run_config_search_max_instance_count": s.bounds.max_instance_count,
        "run_config_search_max_binary_search_steps": s.max_binary_search_steps,
        "num_configs_per_model": s.num_configs_per_model,
        "early_exit_enable": s.early_exit_enable,
        "concurrency_sweep_disable": s.concurrency_sweep_disable,
    });
    // The stop rule changes what every measurement is. perf_analyzer's rule
    // (what tritium measured with before the adaptive rule) adds nothing, so
    // checkpoints of earlier runs resume under `tritium_measurement_rule:
    // perf_analyzer`; under the adaptive rule they are refused, the diff naming the key.
    // Absent when empty: checkpoints from before the key resume.
    if !plan.ensemble_composing_models.is_empty() {
        f["ensemble_composing_models"] = plan
            .ensemble_composing_models
            .iter()
            .map(|(n, p)| (n.clone(), p.clone().map(|x| Value::Object(x.into_iter().collect())).unwrap_or(Value::Null)))
            .collect::<serde_json::Map<String, Value>>()
            .into();
    }
    if plan.models.iter().any(|m| m.load.kind.is_rate()) {
        f["run_config_search_min_request_rate"] = s.bounds.min_request_rate.into();
        f["run_config_search_max_request_rate"] = s.bounds.max_request_rate.into();
    }
    if plan.measurement_rule == tritium_bench::StopRule::Adaptive {
        f["tritium_measurement_rule"] = "adaptive".into();
        f["tritium_ci_target"] = plan.ci_target_pct.into();
    }
    f
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

/// Refuses to resume from `checkpoint` with `plan` when the checkpoint holds
/// a model `plan` does not profile, or when its fingerprint (absent in
/// checkpoints of older tritium, which are accepted) differs. The error says
/// what differs.
pub fn check_resume(plan: &Plan, checkpoint: &ProfileResults) -> std::result::Result<(), String> {
    let foreign: Vec<&str> = checkpoint.models.iter().map(|m| m.model.as_str()).filter(|n| plan.model(n).is_none()).collect();
    if !foreign.is_empty() {
        return Err(format!("the checkpoint holds model(s) {} that this config does not profile (profile_models: {})", foreign.join(", "), plan.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")));
    }
    if checkpoint.fingerprint.is_null() {
        return Ok(());
    }
    let diff = fingerprint_diff(&checkpoint.fingerprint, &fingerprint(plan));
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
    if configs <= tritium_bench::limits::LARGE_SEARCH_SPACE as u64 {
        return None;
    }
    let m = &bcfg.measurement;
    // Both rules need at least 3 windows; the cap (max-trials) is the rule's.
    let per = (m.warmup_ms + 3 * m.interval_ms.max(1)) as f64 / 1000.0;
    let worst = (m.warmup_ms + u64::from(m.max_trials.max(1)) * m.interval_ms.max(1)) as f64 / 1000.0;
    let what = match mode {
        SearchMode::Quick => "quick search climbs through part of it; a brute search would take",
        _ => "brute search, worst case",
    };
    Some(format!(
        "large search space: {configs} configs ({what} {measurements} measurements, at least {} at {per:.1} s each, up to {} with max-trials {} under the {} rule; plus a load per config). Narrow the run_config_search_* bounds to shorten it",
        duration_text(measurements as f64 * per),
        duration_text(measurements as f64 * worst),
        m.max_trials.max(1),
        tritium_util::Choice::name(m.effective_rule())
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

/// Each successful measurement of config `c` of `m`, as the ranking takes it:
/// the measurement at its client batch size, and whether it passes the
/// constraints (in [`ModelResults::points_of`]'s order).
pub fn rankable_measurements(m: &ModelResults, c: &results::ConfigRecord) -> Vec<(VariantMeasurement, bool)> {
    m.points_of(&c.name)
        .map(|(r, p)| {
            let mut x = results::to_measurement(&c.key, r.level(), p);
            x.batch_size = r.batch_size;
            (x, r.passes != Some(false))
        })
        .collect()
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
            let ms = rankable_measurements(m, c);
            if let Some(i) = search::representative(&ms, objectives) {
                let (x, passes) = ms[i].clone();
                let is_rate = recs[i].0.request_rate.is_some();
                let resources = Resources { instances: Some(c.variant.instance_count), max_batch_size: Some(c.variant.max_batch_size) };
                candidates.push(((m.model.clone(), c.name.clone(), is_rate), x, passes, resources));
            }
        }
    }
    let ranked = search::rank_candidates_with(candidates, objectives, n);
    let names: Vec<String> = ranked.iter().map(|c| c.item.1.clone()).collect();
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let x = c.measurement;
            let kind = if c.item.2 { crate::plan::LoadKind::RequestRate { distribution: tritium_bench::loadgen::Distribution::Constant } } else { crate::plan::LoadKind::Concurrency };
            let (concurrency, request_rate) = results::load_fields(kind, x.concurrency);
            TopConfigRecord {
                rank: i as u32 + 1,
                model: c.item.0,
                config: c.item.1,
                batch_size: x.batch_size,
                concurrency,
                request_rate,
                throughput: x.throughput,
                latency_p99_ms: x.latency_p99_us / 1000.0,
                passes: c.passes,
                throughput_ci: x.throughput_ci,
                latency_p99_ms_ci: x.metric_interval(crate::config::Metric::PerfLatencyP99),
                tied_with: c.tied_with.iter().map(|&j| names[j].clone()).collect(),
            }
        })
        .collect()
}

/// The summary printed at the end: the top configs per model (with the
/// client batch size and concurrency of the row's measurement), skipped batch
/// sizes, a sentence against the default, where each config's time went,
/// the cross-model top list, and where the run's wall time went.
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
        let mut rows: Vec<String> = m.top.clone();
        if !rows.contains(&m.default_config) {
            rows.push(m.default_config.clone());
        }
        s += &tables::model_table(m, &rows);
        if let (Some(best), Some((dr, d))) = (m.top.first(), best_of(&m.default_config)) {
            let ci = |r: &MeasurementRecord, p: &LoadPoint| m.configs.iter().find(|c| c.name == r.config).and_then(|c| results::to_measurement(&c.key, r.level(), p).throughput_ci);
            if let (Some((br, b)), true) = (best_of(best), best != &m.default_config && m.tied(best, &m.default_config)) {
                s += &format!(
                    "   {best}: statistically tied with the default ({} vs {} infer/s; batch {} vs {}), p99 {:.2} ms (default {:.2} ms)\n",
                    with_ci(b.throughput, ci(br, b)),
                    with_ci(d.throughput, ci(dr, d)),
                    br.batch_size,
                    dr.batch_size,
                    b.latency.p99_us / 1000.0,
                    d.latency.p99_us / 1000.0
                );
            } else if let Some((br, b)) = best_of(best) {
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
        // Statistical ties among the top configs (the default's tie with the best is said above).
        for (i, name) in m.top.iter().enumerate() {
            let later: Vec<&str> = m.top[i + 1..].iter().filter(|n| m.tied(name, n)).map(String::as_str).collect();
            if !later.is_empty() {
                s += &format!("   {name}: statistically tied with {} (difference within the 95 % intervals)\n", later.join(", "));
            }
        }
        // Interleaved re-measurements of ties, and drift of the reference point.
        for r in &m.remeasurements {
            let who: Vec<String> = r.contenders.iter().map(|c| format!("{} {} infer/s", c.config, with_ci(c.throughput, c.throughput_ci))).collect();
            s += &format!("   {} re-measured interleaved ({} round(s)): {}; pooled {}\n", search::TieDecision::heading(&r.decision), r.rounds, r.outcome, who.join(" vs "));
        }
        if let Some(w) = m.drift.as_ref().and_then(|d| d.warning.as_ref()) {
            s += &format!("   WARNING: {w}\n");
        }
        // Noisy points and what disturbed the measurements (bench's diagnostics), grouped.
        for line in m.quality().noise_lines() {
            s += &format!("   NOISE: {line}\n");
        }
        // Configs not measured because they cannot beat the incumbent (issue 13), one line per config.
        let mut bounded: Vec<&str> = Vec::new();
        for k in m.skipped.iter().filter(|k| k.reason.starts_with(search::BOUND_SKIP_REASON)) {
            if !bounded.contains(&k.config.as_str()) {
                bounded.push(&k.config);
                if bounded.len() <= 8 {
                    s += &format!("   {}: not measured: {}\n", k.config, k.reason);
                }
            }
        }
        if bounded.len() > 8 {
            s += &format!("   ... and {} more configs not measured: they cannot beat the incumbent (see results.json)\n", bounded.len() - 8);
        }
        // Skipped client batch sizes, one line per config.
        let mut skipped: Vec<(&str, Vec<u32>)> = Vec::new();
        for k in m.skipped.iter().filter(|k| !k.reason.starts_with(search::BOUND_SKIP_REASON)) {
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
        s += &tables::time_table(m);
    }
    if !results.top_model_configs.is_empty() {
        s += &format!("\n== Best configs across all models (num_top_model_configs {})\n", results.num_top_model_configs);
        s += &tables::top_table(results);
        for t in &results.top_model_configs {
            let later: Vec<String> = results.top_model_configs.iter().filter(|u| u.rank > t.rank && t.tied_with.contains(&u.config)).map(|u| format!("{} (rank {}, {} infer/s)", u.config, u.rank, with_ci(u.throughput, u.throughput_ci))).collect();
            if !later.is_empty() {
                s += &format!("   rank {} {} ({} infer/s) is statistically tied with {}\n", t.rank, t.config, with_ci(t.throughput, t.throughput_ci), later.join(", "));
            }
        }
    }
    if let Some(t) = &results.time {
        s += &tables::time_line(t);
    }
    s
}

/// "3723 ±80" with an interval, "3723.2" without (the summary's throughput
/// with its 95 % half-width).
fn with_ci(value: f64, ci: Option<Interval>) -> String {
    match ci {
        Some(i) => format!("{value:.0} ±{:.0}", i.half_width()),
        None => format!("{value:.1}"),
    }
}

/// Search mode names for messages.
pub fn mode_name(m: SearchMode) -> &'static str {
    match m {
        SearchMode::Brute => "brute",
        SearchMode::Quick => "quick",
        SearchMode::Optuna => "optuna",
    }
}

mod ensemble;
mod progress;
mod tables;
pub use ensemble::composing_models;
use progress::describe;

#[cfg(test)]
mod tests;
