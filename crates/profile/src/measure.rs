//! The search's [`Measurer`] on the embedded server: a config switch is an
//! unload + load of the model alone with an in-memory config (no restart, no
//! file written), then one bench load point at the requested client batch
//! size (perf_analyzer `-b`; the input tensors are rebuilt when it changes)
//! and concurrency. Every measurement — and every client batch size skipped
//! because it exceeds the config's `max_batch_size` — is recorded and
//! checkpointed; on `--resume` finished measurements are served from the
//! store by (config, batch size, concurrency). [`Measurer::remeasure`]
//! (tied contenders, the drift reference) measures again for real: never
//! from the store, the variant reloaded when another is loaded, and not
//! stored as the point's record.
//!
//! Time anatomy: every load, unload, warm-up and measurement window is
//! charged to the config it belongs to and to the run
//! ([`ProfileResults::charge`]; a re-measurement to the config it measures,
//! an unload to the config unloaded), the rest of a measurement's time
//! (inputs, requests, draining, checkpoint) to the config as other time.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::plan::LoadKind;
use super::results::{load_fields, point_failure, to_measurement, MeasurementRecord, Part, ProfileResults, RunClock, SkippedRecord};
use super::search::{with_name, VariantMeasurement, Measurer, ModelConfigVariant};

mod alias;
mod switch;
pub use alias::{AliasRepository, ALIAS_SUFFIX};
pub use switch::{switch_for, Switch};
use tritium_bench::loadgen::LoadMode;
use tritium_bench::resources::Sampler;
use tritium_bench::{self as bench, BenchConfig, Observer};
use tritium_triton::{Server, UnloadOutcome};

/// Measures variants of one model.
pub struct EmbeddedMeasurer<'a> {
    /// The server.
    pub server: &'a Server,
    /// Model name.
    pub model: String,
    /// The model's config from the repository (ModelConfig JSON).
    pub base: Value,
    /// Measurement settings (from perf_analyzer_flags).
    pub bench: BenchConfig,
    /// The results store (checkpointed after every measurement).
    pub results: &'a mut ProfileResults,
    /// Where the checkpoint goes.
    pub checkpoint: PathBuf,
    /// Ctrl-C.
    pub interrupt: &'a AtomicBool,
    /// Resource sampler shared by all measurements.
    pub sampler: &'a Sampler,
    /// Progress.
    pub observer: &'a dyn Observer,
    /// Composing models (name, config JSON) when the model is an ensemble.
    pub composing: Vec<(String, Value)>,
    /// Composing models whose searched instances are `KIND_CPU`
    /// (`cpu_only_composing_models`).
    pub cpu_only_composing: Vec<String>,
    /// What the search's load level is: concurrency (default) or request
    /// rate; a request-rate level is measured open loop
    /// (`LoadMode::RequestRate`, latency from the scheduled send time).
    pub load: LoadKind,
    loaded: Option<String>,
    /// The config each model was last loaded with (the model, or an
    /// ensemble's composing models and the ensemble).
    loaded_configs: HashMap<String, Value>,
    /// Input tensors of the loaded config, for the client batch size they were built for.
    sets: Option<(u32, Vec<bench::DataSet>)>,
    /// Seconds spent switching configs.
    pub load_seconds: f64,
    /// Seconds spent measuring.
    pub measure_seconds: f64,
    /// Measurements taken (not from the store).
    pub taken: usize,
    /// Re-measurements taken ([`Measurer::remeasure`]: ties, drift checks).
    pub remeasured: usize,
    /// Re-measurements asked per point this session (which stored repeat
    /// replays the next one on resume).
    repeats_asked: HashMap<(String, u32, u32), usize>,
    /// Config switches (loads of a config).
    pub loads: usize,
    /// Switches done in place (only instance counts grew: no unload).
    pub in_place: usize,
    /// How long a config switch waits for the previous config to unload.
    pub unload_timeout: Duration,
    /// Why the model cannot be switched any more (Triton never finished
    /// unloading it); every later config of the model fails at once with it.
    pub wedged: Option<String>,
    /// Whether a measurement saw the Python backend's "execute() raised"
    /// failure: Triton 2.51 then never finishes unloading the model, so the
    /// next switch waits only [`RAISED_UNLOAD_TIMEOUT`].
    raised: bool,
    /// Whether a full switch loads over the loaded config instead of
    /// unloading it first (`tritium_model_switch`, [`ModelSwitch::replaces`](crate::config::ModelSwitch::replaces)).
    pub replace: bool,
    /// Whether the last measurement ended with every request answered and
    /// none failed: only then is a replace safe (a hung `execute()` keeps
    /// its instance, so the bounded unload must find out).
    last_clean: bool,
    /// Full switches done as a replace (no wait for the old instances).
    pub replaced: usize,
    /// The run's clock: each checkpoint carries the run's wall time so far
    /// (its `time`); None leaves the wall time to the caller.
    pub clock: Option<RunClock>,
    /// Seconds charged to load, unload, warm-up and measure so far (what a
    /// measurement's other time is not).
    charged: f64,
    /// The model's alias (`tritium_model_switch: preload`, [`AliasRepository`]):
    /// the config the search expects next is loaded under the name not
    /// serving, during the current measurement. None: no preload.
    pub alias: Option<String>,
    /// The name serving the loaded config: the model's, or its alias.
    serving: String,
    /// The config the search expects after the next measurement ([`Measurer::expect_next`]).
    expected: Option<ModelConfigVariant>,
    /// The config loaded beside the measured one, under the other name.
    staged: Option<Staged>,
    /// Python stubs each name's loads started (a retiring config's stubs are
    /// left out of the measurement's stub watch).
    stubs: HashMap<String, Vec<u32>>,
    /// Preloads started.
    pub preloads: usize,
    /// Switches served by a preload (a change of name).
    pub preloaded: usize,
}

/// A config loaded during a measurement, under the name not serving.
struct Staged {
    /// The name it is loaded under.
    name: String,
    /// Its variant key.
    key: String,
    /// Its config (the model's own name in it).
    config: Value,
    /// The load's outcome.
    result: Result<(), String>,
    /// How long the load took.
    seconds: f64,
}

/// Default of [`EmbeddedMeasurer::unload_timeout`].
pub const UNLOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// Unload wait after a measurement in which the model's `execute()` raised.
pub const RAISED_UNLOAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How the Python backend words a failure whose `execute()` raised.
const RAISED_SIGNATURE: &str = "Failed to process the request(s) for model";

impl<'a> EmbeddedMeasurer<'a> {
    /// A measurer for `model`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(server: &'a Server, model: &str, base: Value, bench: BenchConfig, results: &'a mut ProfileResults, checkpoint: PathBuf, interrupt: &'a AtomicBool, sampler: &'a Sampler, observer: &'a dyn Observer) -> Self {
        EmbeddedMeasurer { server, model: model.to_string(), base, bench, results, checkpoint, interrupt, sampler, observer, composing: Vec::new(), cpu_only_composing: Vec::new(), load: LoadKind::Concurrency, loaded: None, loaded_configs: HashMap::new(), sets: None, load_seconds: 0.0, measure_seconds: 0.0, taken: 0, remeasured: 0, repeats_asked: HashMap::new(), loads: 0, in_place: 0, unload_timeout: UNLOAD_TIMEOUT, wedged: None, raised: false, replace: false, last_clean: false, replaced: 0, clock: None, charged: 0.0, alias: None, serving: model.to_string(), expected: None, staged: None, stubs: HashMap::new(), preloads: 0, preloaded: 0 }
    }

    /// The config JSON a variant is loaded with (the model's name kept). For
    /// an ensemble: `{"ensemble": …, "composing": {name: …}}`, each composing
    /// model with its own settings from the variant (see
    /// [`ModelConfigVariant::ensemble_config_json`]; instances of those named
    /// in `cpu_only_composing_models` are `KIND_CPU`), the ensemble's max batch
    /// size following the smallest composing one.
    pub fn config_json(&self, v: &ModelConfigVariant) -> Value {
        if self.composing.is_empty() {
            return with_name(v.apply_to(&self.base), &self.model);
        }
        v.ensemble_config_json(&self.model, &self.base, &self.composing, &self.cpu_only_composing)
    }

    fn load(&self, model: &str, config: &Value) -> tritium_triton::Result<()> {
        self.server.load_model_with_config_json(model, &config.to_string())
    }

    /// Unloads `name` (bounded); Err(why) when interrupted or Triton never
    /// finished (the model is then wedged).
    fn unload(&mut self, name: &str, timeout: Duration) -> Result<(), String> {
        self.loaded_configs.remove(name);
        match self.server.unload_model_bounded(name, timeout, self.interrupt) {
            Ok(UnloadOutcome::Unloaded) | Err(_) => Ok(()),
            Ok(UnloadOutcome::Cancelled) => Err("interrupted".into()),
            Ok(UnloadOutcome::TimedOut { state }) => {
                let why = format!(
                    "Triton could not unload model '{name}' within {timeout:?} (still {state}){}; the model's remaining configs are skipped",
                    if self.raised { ": its execute() raised, and Triton 2.51's Python backend never finishes unloading such a model" } else { "" }
                );
                self.wedged = Some(why.clone());
                Err(why)
            }
        }
    }

    /// Brings the server to `config`: per model (an ensemble's composing
    /// models, then the ensemble), nothing when its loaded config is the
    /// same, an in-place load when only instance counts grow
    /// ([`switch_for`]), else an unload then a load. An ensemble is unloaded
    /// before its composing models change and loaded after them; composing
    /// models load in parallel.
    fn switch_to(&mut self, v: &ModelConfigVariant, config: &Value) -> Result<(), String> {
        let key = v.key();
        if self.loaded.as_deref() == Some(key.as_str()) {
            return Ok(());
        }
        if let Some(why) = &self.wedged {
            return Err(why.clone());
        }
        if let Some(done) = self.use_staged(v, &key, config) {
            return done;
        }
        let t0 = Instant::now();
        // The unload is charged to the config unloaded (to this one when none is known).
        self.results.model_mut(&self.model).config_for(v, config);
        let unloading = self.loaded.take().unwrap_or_else(|| key.clone());
        let timeout = if self.raised { RAISED_UNLOAD_TIMEOUT.min(self.unload_timeout) } else { self.unload_timeout };
        // (name, config) in load order: the composing models, then the model itself.
        let targets: Vec<(String, Value)> = match (config.get("ensemble"), config.get("composing").and_then(Value::as_object)) {
            (Some(ens), Some(comp)) => comp.iter().map(|(n, c)| (n.clone(), c.clone())).chain(std::iter::once((self.model.clone(), ens.clone()))).collect(),
            _ => vec![(self.serving.clone(), with_name(config.clone(), &self.serving))],
        };
        let ensemble = targets.len() > 1;
        let mut plan: Vec<(String, Value, Switch)> = targets.into_iter().map(|(n, c)| {
            let s = switch_for(self.loaded_configs.get(&n), &c);
            (n, c, s)
        }).collect();
        if ensemble && plan.iter().any(|(_, _, s)| *s != Switch::Same) {
            // The ensemble goes down before its steps change and comes back after them.
            if let Some(last) = plan.last_mut() {
                last.2 = Switch::Full;
            }
        }
        let mut unload_secs = 0.0;
        let result = self.apply(&plan, timeout, &mut unload_secs);
        // A replace needs a clean measurement of the config it replaces.
        self.last_clean = false;
        let secs = t0.elapsed().as_secs_f64();
        self.load_seconds += secs;
        self.charge(&unloading, Part::Unload, unload_secs);
        self.in_place += usize::from(plan.iter().any(|(_, _, s)| *s == Switch::InPlace));
        if plan.iter().any(|(_, _, s)| *s == Switch::Full) {
            self.sets = None;
        }
        if matches!(&result, Err(e) if e == "interrupted") || self.wedged.is_some() {
            return result;
        }
        self.loads += 1;
        self.charge(&key, Part::Load, secs - unload_secs);
        self.results.count_load(&self.model, &key);
        let m = self.results.model_mut(&self.model);
        let rec = m.config_for(v, config);
        rec.load_seconds = Some(secs);
        match result {
            Ok(()) => {
                rec.error = None;
                self.loaded = Some(key);
                Ok(())
            }
            Err(msg) => {
                rec.error = Some(msg.clone());
                Err(msg)
            }
        }
    }

    /// Carries out a switch plan: unloads (the ensemble first), then the
    /// loads of the composing models in parallel, then the ensemble's.
    /// `unload_secs`: how long the unloads took.
    fn apply(&mut self, plan: &[(String, Value, Switch)], timeout: Duration, unload_secs: &mut f64) -> Result<(), String> {
        let (model, rest) = match plan.split_last() {
            Some(x) => x,
            None => return Ok(()),
        };
        // Replace: a single model whose last measurement ended cleanly loads its new config over
        // the old one; Triton unloads the old instances in the background (no wait for the
        // Python stubs, which exit one after another, ~1.2 s each on the H200).
        let replace = self.replace && model.2 == Switch::Full && rest.is_empty() && self.last_clean && !self.raised && self.loaded_configs.contains_key(&model.0);
        self.replaced += usize::from(replace);
        if replace {
            // The loaded config's stubs exit in the background during the next measurements:
            // expected, so the measurement's stub watch leaves them out.
            // (Nothing is staged here: `switch_to` used or dropped it first.)
            let retiring = self.stubs_of(&model.0);
            self.bench.retiring_stubs.retain(|&pid| tritium_util::procfs::is_running(pid));
            self.bench.retiring_stubs.extend(retiring);
        } else {
            self.bench.retiring_stubs.retain(|&pid| tritium_util::procfs::is_running(pid));
        }
        let t_unload = Instant::now();
        let unloaded = if model.2 == Switch::Full && !replace { self.unload(&model.0, timeout) } else { Ok(()) }.and_then(|()| {
            rest.iter().filter(|(_, _, s)| *s == Switch::Full).try_for_each(|(name, _, _)| self.unload(name, timeout))
        });
        *unload_secs = t_unload.elapsed().as_secs_f64();
        unloaded?;
        let server = self.server;
        let loads: Vec<(&String, &Value)> = rest.iter().filter(|(_, _, s)| *s != Switch::Same).map(|(n, c, _)| (n, c)).collect();
        let outcomes: Vec<(String, Value, tritium_triton::Result<()>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = loads.iter().map(|(n, c)| scope.spawn(move || server.load_model_with_config_json(n, &c.to_string()))).collect();
            loads.iter().zip(handles).map(|((n, c), h)| {
                let r = h.join().unwrap_or_else(|_| Err(tritium_triton::Error::InvalidArgument(format!("loading composing model '{n}' panicked"))));
                ((*n).clone(), (*c).clone(), r)
            }).collect()
        });
        let mut first_error = None;
        for (name, c, r) in outcomes {
            match r {
                Ok(()) => {
                    self.loaded_configs.insert(name, c);
                }
                Err(e) => {
                    self.loaded_configs.remove(&name);
                    first_error.get_or_insert(format!("composing model '{name}': {e}"));
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if model.2 == Switch::Same {
            return Ok(());
        }
        let before = stub_pids();
        let loaded = self.load(&model.0, &model.1);
        let started: Vec<u32> = stub_pids().into_iter().filter(|p| !before.contains(p)).collect();
        let mine = self.stubs.entry(model.0.clone()).or_default();
        if model.2 == Switch::Full {
            mine.clear();
        }
        mine.extend(started);
        match loaded {
            Ok(()) => {
                self.loaded_configs.insert(model.0.clone(), model.1.clone());
                Ok(())
            }
            Err(e) => {
                self.loaded_configs.remove(&model.0);
                Err(e.to_string())
            }
        }
    }

    /// The stubs serving `name`: those its loads started (the stubs of an
    /// older config of that name, still exiting, are not), or, before any
    /// load was recorded, those whose model folder has that name.
    fn stubs_of(&self, name: &str) -> Vec<u32> {
        let mut v: Vec<u32> = match self.stubs.get(name) {
            Some(v) => v.clone(),
            None => tritium_util::procfs::python_stubs(Some(name)).into_iter().map(|(pid, _)| pid).collect(),
        };
        v.retain(|&p| tritium_util::procfs::is_running(p));
        v
    }

    /// The stubs of the staged config (they serve no measurement).
    fn staged_stubs(&self) -> Vec<u32> {
        self.staged.as_ref().map(|s| self.stubs_of(&s.name)).unwrap_or_default()
    }

    /// The staged config, when it is `key` and may be switched to: the
    /// switch is a change of name, and the config that served is unloaded in
    /// the background (as a replace: only after a clean measurement). Any
    /// other staged config is unloaded. None: switch as usual.
    fn use_staged(&mut self, v: &ModelConfigVariant, key: &str, config: &Value) -> Option<Result<(), String>> {
        let staged = self.staged.take()?;
        if staged.key != key || staged.result.is_err() || !self.last_clean || self.raised {
            self.drop_staged(staged);
            return None;
        }
        let t0 = Instant::now();
        self.results.model_mut(&self.model).config_for(v, config);
        let old = std::mem::replace(&mut self.serving, staged.name.clone());
        let new_stubs = self.stubs_of(&staged.name);
        let mut retiring = self.stubs_of(&old);
        retiring.extend(self.bench.retiring_stubs.iter().copied().filter(|&p| tritium_util::procfs::is_running(p)));
        retiring.retain(|p| !new_stubs.contains(p));
        self.bench.retiring_stubs = retiring;
        // Triton unloads the old config in the background (the stubs exit during the next measurements).
        if let Err(e) = self.server.unload_model(&old, None) {
            self.observer.warn(&format!("{}: unloading the config measured under {old}: {e}", self.model));
        }
        self.loaded_configs.remove(&old);
        self.stubs.remove(&old);
        self.loaded_configs.insert(staged.name.clone(), with_name(staged.config.clone(), &staged.name));
        self.sets = None;
        self.last_clean = false;
        self.loaded = Some(key.to_string());
        let secs = t0.elapsed().as_secs_f64();
        self.load_seconds += secs;
        self.loads += 1;
        self.preloaded += 1;
        self.charge(key, Part::Load, secs);
        self.results.count_load(&self.model, key);
        let rec = self.results.model_mut(&self.model).config_for(v, config);
        // What the load took, in the background of the measurement before.
        rec.load_seconds = Some(staged.seconds + secs);
        rec.error = None;
        Some(Ok(()))
    }

    /// Unloads a staged config the search did not ask for (in the
    /// background: it served no request).
    fn drop_staged(&mut self, staged: Staged) {
        let stubs = self.stubs_of(&staged.name);
        self.bench.retiring_stubs.retain(|&p| tritium_util::procfs::is_running(p));
        self.bench.retiring_stubs.extend(stubs);
        let _ = self.server.unload_model(&staged.name, None);
        self.loaded_configs.remove(&staged.name);
        self.stubs.remove(&staged.name);
    }

    /// What to preload during the next measurement of `key`: the config the
    /// search expects next, under the name not serving, when the model has
    /// an alias and nothing is staged.
    fn preload_target(&mut self, key: &str) -> Option<(String, String, Value)> {
        let alias = self.alias.clone()?;
        if !self.composing.is_empty() || self.raised || self.staged.is_some() || self.interrupt.load(Ordering::Relaxed) {
            return None;
        }
        let next = self.expected.take().filter(|n| n.key() != key)?;
        let config = self.config_json(&next);
        // Only CPU instances: a GPU config loading during a measurement would take the GPU's
        // memory and time from the config measured, and show in its GPU memory reading.
        if !cpu_only(&config) || !self.loaded_configs.get(&self.serving).is_some_and(cpu_only) {
            return None;
        }
        let name = if self.serving == self.model { alias } else { self.model.clone() };
        Some((name, next.key(), config))
    }

    /// Unloads a preloaded config the search did not ask for: call when the
    /// model's search is over.
    pub fn finish(&mut self) {
        if let Some(s) = self.staged.take() {
            self.drop_staged(s);
        }
    }

    /// Adds `secs` of `part` to config `key` and the run.
    fn charge(&mut self, key: &str, part: Part, secs: f64) {
        if part != Part::Other {
            self.charged += secs.max(0.0);
        }
        self.results.charge(&self.model, key, part, secs);
    }

    /// [`take_timed`](Self::take_timed), its time not charged to load,
    /// unload, warm-up or measure charged to the config as other time.
    fn take(&mut self, v: &ModelConfigVariant, batch_size: u32, concurrency: u32, store: bool) -> VariantMeasurement {
        let (t0, charged) = (Instant::now(), self.charged);
        let m = self.take_timed(v, batch_size, concurrency, store);
        let other = t0.elapsed().as_secs_f64() - (self.charged - charged);
        self.charge(&v.key(), Part::Other, other);
        m
    }

    /// Loads `v` if needed and measures one point; `store`: record it (and
    /// its failures) as the point's measurement and count it in `taken`
    /// (a search measurement), else only count it in `remeasured`.
    fn take_timed(&mut self, v: &ModelConfigVariant, batch_size: u32, concurrency: u32, store: bool) -> VariantMeasurement {
        let key = v.key();
        if self.interrupt.load(Ordering::Relaxed) {
            return VariantMeasurement::failure(concurrency, "interrupted");
        }
        let config = self.config_json(v);
        let (rec_concurrency, request_rate) = load_fields(self.load, concurrency);
        let record = |config: String, passes, point, error| MeasurementRecord { config, batch_size, concurrency: rec_concurrency, request_rate, passes, point, error };
        if let Err(e) = self.switch_to(v, &config) {
            self.observer.warn(&format!("{}: config {key} failed to load: {e}", self.model));
            let name = self.results.model_mut(&self.model).config_for(v, &config).name.clone();
            if store {
                self.results.model_mut(&self.model).record(record(name, Some(false), None, Some(format!("load failed: {e}"))));
                self.save();
            }
            return VariantMeasurement::failure(concurrency, format!("load failed: {e}"));
        }
        self.bench.model = self.serving.clone();
        if self.sets.as_ref().map(|(b, _)| *b) != Some(batch_size) {
            self.sets = None;
            self.bench.batch_size = batch_size;
            match bench::prepare_inputs(self.server, &self.bench) {
                Ok(s) => self.sets = Some((batch_size, s)),
                Err(e) => {
                    let name = self.results.model_mut(&self.model).config_for(v, &config).name.clone();
                    let why = format!("inputs for batch size {batch_size}: {e}");
                    if store {
                        self.results.model_mut(&self.model).record(record(name, Some(false), None, Some(why.clone())));
                        self.save();
                    }
                    return VariantMeasurement::failure(concurrency, why);
                }
            }
        }
        self.bench.batch_size = batch_size;
        // The config the search expects next loads beside this one during the measurement.
        let preload = self.preload_target(&key);
        let before = if preload.is_some() { stub_pids() } else { Vec::new() };
        let sets = self.sets.as_ref().map(|(_, s)| s.as_slice()).unwrap_or(&[]);
        let t0 = Instant::now();
        // Profile runs untraced: the point alone (no timelines come beside it).
        // The point's own warnings (noise causes, noisy at the cap) name the model and config.
        let name = self.results.model_mut(&self.model).config_for(v, &config).name.clone();
        let named = Named { inner: self.observer, prefix: format!("{}: {name} @ batch {batch_size}, ", self.model) };
        let mode = match self.load {
            LoadKind::Concurrency => LoadMode::Concurrency(concurrency),
            LoadKind::RequestRate { distribution } => LoadMode::RequestRate { rate: f64::from(concurrency), distribution },
        };
        let server = self.server;
        let (r, preloaded) = std::thread::scope(|scope| {
            let loading = preload.as_ref().map(|(name, _, c)| {
                let json = with_name(c.clone(), name).to_string();
                scope.spawn(move || {
                    let t = Instant::now();
                    let r = server.load_model_with_config_json(name, &json).map_err(|e| e.to_string());
                    (r, t.elapsed().as_secs_f64())
                })
            });
            let r = bench::measure_point(server, &self.bench, sets, mode, self.sampler, self.interrupt, &named).map(|(p, _)| p);
            let measured = Instant::now();
            let done = loading.map(|h| (h.join().unwrap_or_else(|_| (Err("the preload panicked".to_string()), 0.0)), measured.elapsed().as_secs_f64()));
            (r, done)
        });
        self.measure_seconds += t0.elapsed().as_secs_f64();
        if let (Some((name, next_key, c)), Some(((result, seconds), waited))) = (preload, preloaded) {
            let started: Vec<u32> = stub_pids().into_iter().filter(|p| !before.contains(p)).collect();
            self.stubs.insert(name.clone(), started);
            self.preloads += 1;
            // Only the wait after the measurement is the run's time; the rest overlapped it.
            self.measure_seconds -= waited;
            self.load_seconds += waited;
            self.charge(&next_key, Part::Load, waited);
            if result.is_ok() {
                self.loaded_configs.insert(name.clone(), with_name(c.clone(), &name));
            }
            self.staged = Some(Staged { name, key: next_key, config: c, result, seconds });
            let staged = self.staged_stubs();
            self.bench.retiring_stubs.extend(staged);
        }
        if store {
            self.taken += 1;
        } else {
            self.remeasured += 1;
        }
        self.last_clean = r.as_ref().is_ok_and(|p| p.failures.is_empty());
        if let Ok(p) = &r {
            self.raised |= p.failures.keys().any(|k| k.contains(RAISED_SIGNATURE));
            // Charged even when cut short by Ctrl-C or failed: the time was spent.
            let (warmup, windows) = (p.warmup_seconds.unwrap_or(0.0), p.windows_seconds.unwrap_or(0.0));
            self.charge(&key, Part::WarmUp, warmup);
            self.charge(&key, Part::Measure, windows);
            self.results.count_measurement(&self.model, &key);
        }
        let name = self.results.model_mut(&self.model).config_for(v, &config).name.clone();
        if self.interrupt.load(Ordering::Relaxed) {
            // Cut short by Ctrl-C: a partial window is not a result and is not stored
            // (resume measures this point again).
            if let Ok(p) = &r {
                self.observer.warn(&format!("{}: {key} @ batch {batch_size}, {} {concurrency}: interrupted; the partial measurement ({:.1} infer/s) is discarded", self.model, self.load.level_name(), p.throughput));
            }
            return VariantMeasurement::failure(concurrency, "interrupted");
        }
        let (rec, m) = match r {
            Ok(p) => match point_failure(&p) {
                // A failed request, or none succeeded: a failed measurement, never a result.
                Some(why) => (record(name, Some(false), None, Some(why.clone())), VariantMeasurement::failure(concurrency, why)),
                None => {
                    let m = to_measurement(&key, concurrency, &p);
                    (record(name, None, Some(p), None), m)
                }
            },
            Err(e) => (record(name, Some(false), None, Some(e.to_string())), VariantMeasurement::failure(concurrency, e.to_string())),
        };
        if store {
            self.results.model_mut(&self.model).record(rec);
            self.save();
        } else if rec.point.is_some() {
            self.results.model_mut(&self.model).repeats.push(rec);
            self.save();
        }
        m
    }

    fn save(&mut self) {
        if let Some(c) = self.clock {
            self.results.time.get_or_insert_with(Default::default).close(c.wall());
        }
        if let Err(e) = self.results.write(&self.checkpoint) {
            self.observer.warn(&format!("checkpoint {}: {e}", self.checkpoint.display()));
        }
    }
}

impl Measurer for EmbeddedMeasurer<'_> {
    fn measure(&mut self, v: &ModelConfigVariant, batch_size: u32, concurrency: u32) -> VariantMeasurement {
        let key = v.key();
        if let Some(rec) = self.results.model_mut(&self.model).cached(&key, batch_size, concurrency) {
            if let Some(p) = &rec.point {
                return to_measurement(&key, concurrency, p);
            }
        }
        self.take(v, batch_size, concurrency, true)
    }

    /// Really measures again: never from the store, the variant reloaded
    /// when another one is loaded. The repeat is not stored as the point's
    /// measurement record (the search records it: `remeasurements`, `drift`)
    /// and is counted in [`remeasured`](EmbeddedMeasurer::remeasured), not
    /// in `taken`.
    fn remeasure(&mut self, v: &ModelConfigVariant, batch_size: u32, concurrency: u32) -> VariantMeasurement {
        // A resumed run replays the re-measurements an earlier session stored, in order.
        let key = v.key();
        let n = self.repeats_asked.entry((key.clone(), batch_size, concurrency)).or_insert(0);
        let nth = *n;
        *n += 1;
        if let Some(p) = self.results.model_mut(&self.model).cached_repeat(&key, batch_size, concurrency, nth).and_then(|r| r.point.as_ref()) {
            return to_measurement(&key, concurrency, p);
        }
        self.take(v, batch_size, concurrency, false)
    }

    fn incumbent(&mut self, throughput_lo: Option<f64>) {
        self.bench.decided_below = throughput_lo;
    }

    fn expect_next(&mut self, next: &ModelConfigVariant) {
        self.expected = Some(next.clone());
    }

    fn interrupted(&self) -> bool {
        // A wedged model ends its search as Ctrl-C does; `run` records why.
        self.interrupt.load(Ordering::Relaxed) || self.wedged.is_some()
    }

    fn skipped(&mut self, v: &ModelConfigVariant, batch_size: u32, reason: &str) {
        let config = self.config_json(v);
        let m = self.results.model_mut(&self.model);
        let name = m.config_for(v, &config).name.clone();
        if !m.skipped.iter().any(|s| s.config == name && s.batch_size == batch_size) {
            m.skipped.push(SkippedRecord { config: name, batch_size, reason: reason.to_string() });
            self.save();
        }
    }
}

/// Whether every instance group of `config` is `KIND_CPU`.
fn cpu_only(config: &Value) -> bool {
    config.get("instance_group").and_then(Value::as_array).is_some_and(|g| !g.is_empty() && g.iter().all(|x| x.get("kind").and_then(Value::as_str) == Some("KIND_CPU")))
}

/// The pids of this process's Python stubs.
fn stub_pids() -> Vec<u32> {
    tritium_util::procfs::python_stubs(None).into_iter().map(|(pid, _)| pid).collect()
}

/// Passes a load point's progress on, its warnings prefixed with the model
/// and config they are about ("m: m_config_2 @ batch 1, concurrency 4: CPU steal 7 %…").
struct Named<'a> {
    inner: &'a dyn Observer,
    prefix: String,
}

impl Observer for Named<'_> {
    fn point_started(&self, label: &str) {
        self.inner.point_started(label)
    }
    fn window(&self, label: &str, index: u32, sample: &tritium_bench::stats::WindowSample, stable: bool) {
        self.inner.window(label, index, sample, stable)
    }
    fn warn(&self, message: &str) {
        self.inner.warn(&format!("{}{message}", self.prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::cpu_only;
    use serde_json::json;

    #[test]
    fn only_configs_of_cpu_instances_alone_are_preloaded() {
        assert!(cpu_only(&json!({"instance_group": [{"kind": "KIND_CPU", "count": 2}]})));
        assert!(cpu_only(&json!({"instance_group": [{"kind": "KIND_CPU"}, {"kind": "KIND_CPU", "count": 3}]})));
        for gpu in [
            json!({"instance_group": [{"kind": "KIND_GPU", "count": 1}]}),
            json!({"instance_group": [{"kind": "KIND_CPU"}, {"kind": "KIND_GPU"}]}),
            // No kind: Triton picks the GPU when there is one.
            json!({"instance_group": [{"count": 1}]}),
            json!({"instance_group": []}),
            json!({}),
        ] {
            assert!(!cpu_only(&gpu), "{gpu}");
        }
    }
}
