//! The results store: every config and measurement of a profile run,
//! checkpointed atomically after each measurement (`--resume` continues from
//! it), `results.json` (versioned: the input of `tritium report`) and Model
//! Analyzer's CSV tables.
//!
//! Schema history (`schema_version`):
//! * 1: measurements keyed by (config, concurrency).
//! * 2: measurements keyed by (config, client batch size, concurrency)
//!   ([`MeasurementRecord::batch_size`]); skipped batch sizes per model
//!   ([`ModelResults::skipped`]); the cross-model top list
//!   ([`ProfileResults::top_model_configs`]). Version-1 files are still read:
//!   a measurement's batch size is taken from its load point (1 without one),
//!   the new lists are empty.
//!
//! Fields added later without a version bump (absent in older files, read as
//! empty): each model's `status` and `reason` ([`ModelStatus`]), the run's
//! `fingerprint` (what `--resume` compares). Older files may hold a
//! measurement whose load point carries failed requests, or a (config, batch
//! size, concurrency) key twice (an interrupted partial beside its
//! re-measurement): such points are never used as results
//! ([`MeasurementRecord::ok_point`]), and [`ProfileResults::read`] keeps one
//! record per key. `constraints` / `objectives` are JSON objects
//! (`{"perf_latency_p99": {"max": 50}}`, `{"perf_throughput": 10}`); older
//! files hold Rust debug strings, which the report still reads. Statistical
//! ties (issue 12): each model's `tied_with` and each cross-model top entry's
//! `throughput_ci`, `latency_p99_ms_ci` and `tied_with`, absent when unknown.
//! Re-measurement and drift (issue 12): each model's `remeasurements` and
//! `drift` ([`RemeasurementRecord`], [`DriftRecord`]), absent when none.
//! Time anatomy (issue 13): the run's `time` ([`TimeAnatomy`]) and each
//! config's `time` ([`ConfigTime`]), absent in older files (nothing is
//! estimated for them); the load points' `warmup_seconds` and
//! `windows_seconds` likewise.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::search::{VariantMeasurement, ModelConfigVariant};
use tritium_bench::export::LoadPoint;
use tritium_bench::stats::Interval;
use tritium_util::write_atomic;
use tritium_triton::error::{Error, Result};

#[cfg(test)]
mod load_tests;
mod quality;
mod server_only;
mod stability;
mod time;
pub use quality::Quality;
pub use server_only::{measure_server_only, server_only_seconds, ServerOnlyRecord, MAX_SERVER_ONLY_SECONDS, SERVER_ONLY_MODEL_NAME};
pub use stability::{ContenderRecord, DriftPointRecord, DriftRecord, RemeasurementRecord};
pub use time::{ConfigTime, Part, RunClock, TimeAnatomy};

/// Version of `results.json` / the checkpoint written by this tritium.
pub const SCHEMA_VERSION: u32 = 2;
/// The oldest version still read (and upgraded in memory).
pub const OLDEST_READABLE_SCHEMA_VERSION: u32 = 1;

/// The searched fields of a config.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VariantRecord {
    /// `max_batch_size`.
    pub max_batch_size: u32,
    /// Instances.
    pub instance_count: u32,
    /// `KIND_CPU` / `KIND_GPU`.
    pub instance_kind: String,
    /// Dynamic batching on.
    pub dynamic_batching: bool,
    /// The model's own config.
    pub is_default: bool,
    /// `model_config_parameters` applied.
    pub manual: serde_json::Map<String, Value>,
    /// For an ensemble: each composing model's settings, in step order (then
    /// `max_batch_size` is the ensemble's and `instance_count` the total).
    /// Absent for a plain model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub composing: Vec<ComposingRecord>,
}

/// One composing model's settings in an ensemble config.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ComposingRecord {
    /// The composing model.
    pub name: String,
    /// Its `max_batch_size` (0: it does not batch).
    pub max_batch_size: u32,
    /// Its instances.
    pub instance_count: u32,
    /// `KIND_CPU` / `KIND_GPU`.
    pub instance_kind: String,
}

impl VariantRecord {
    /// Instances as tritium's reports and progress lines name them: `2:gpu`;
    /// for an ensemble each composing model's, `pre 4:cpu, net 1:gpu` (the
    /// CSV tables use Model Analyzer's strings, `metrics_csv::labels`).
    pub fn instance_group_label(&self) -> String {
        let kind = |k: &str| k.trim_start_matches("KIND_").to_lowercase();
        if self.composing.is_empty() {
            return format!("{}:{}", self.instance_count, kind(&self.instance_kind));
        }
        self.composing.iter().map(|c| format!("{} {}:{}", c.name, c.instance_count, kind(&c.instance_kind))).collect::<Vec<_>>().join(", ")
    }

    /// `max_batch_size`: `8`; for an ensemble each composing model's,
    /// `pre 8, net 4` (reports; the CSV tables write `"8,4"`).
    pub fn max_batch_size_label(&self) -> String {
        if self.composing.is_empty() {
            return self.max_batch_size.to_string();
        }
        self.composing.iter().map(|c| format!("{} {}", c.name, c.max_batch_size)).collect::<Vec<_>>().join(", ")
    }
}

impl From<&ModelConfigVariant> for VariantRecord {
    fn from(v: &ModelConfigVariant) -> Self {
        VariantRecord {
            max_batch_size: v.max_batch_size,
            instance_count: v.instance_count,
            instance_kind: v.instance_kind.clone(),
            dynamic_batching: v.dynamic_batching,
            is_default: v.is_default,
            manual: v.manual.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            composing: v
                .composing
                .iter()
                .map(|c| ComposingRecord { name: c.name.clone(), max_batch_size: c.max_batch_size, instance_count: c.instance_count, instance_kind: c.instance_kind.clone() })
                .collect(),
        }
    }
}

/// One config tried.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConfigRecord {
    /// `<model>_config_<n>` or `<model>_config_default`.
    pub name: String,
    /// The search's key of the variant.
    pub key: String,
    /// Its searched fields.
    pub variant: VariantRecord,
    /// The ModelConfig JSON it was loaded with.
    pub config: Value,
    /// Seconds Triton took to load it (unload of the previous one included).
    pub load_seconds: Option<f64>,
    /// Why it failed to load, if it did.
    pub error: Option<String>,
    /// Where the time spent on it went (absent in files of older tritium).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<ConfigTime>,
}

/// One measurement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MeasurementRecord {
    /// Config name.
    pub config: String,
    /// Client batch size of each request (perf_analyzer `-b`; Model
    /// Analyzer's `Batch` column). Absent in version-1 files (see
    /// [`ProfileResults::read`]).
    #[serde(default = "one")]
    pub batch_size: u32,
    /// Concurrency (closed loop); 0, and absent from the file, for a
    /// request-rate measurement.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub concurrency: u32,
    /// Request rate in requests/s (open loop; Model Analyzer's
    /// `request_rate`); absent for a concurrency measurement and in files
    /// of older tritium.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_rate: Option<u32>,
    /// Whether it met the constraints (filled at the end).
    pub passes: Option<bool>,
    /// The engine's numbers (None when the run failed).
    pub point: Option<LoadPoint>,
    /// Why the measurement failed.
    pub error: Option<String>,
}

fn one() -> u32 {
    1
}

pub(crate) fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// A load level as a record stores it: `(concurrency, request_rate)` —
/// `(level, None)` for a concurrency, `(0, Some(level))` for a request rate.
pub fn load_fields(kind: crate::plan::LoadKind, level: u32) -> (u32, Option<u32>) {
    if kind.is_rate() {
        (0, Some(level))
    } else {
        (level, None)
    }
}

/// Why a load point is not a usable result: some request failed, or none
/// succeeded (successes are `requests - sum(failures)`). None for a point
/// whose every request succeeded.
pub fn point_failure(p: &LoadPoint) -> Option<String> {
    let failed: u64 = p.failures.values().sum();
    let ok = p.requests.saturating_sub(failed);
    if failed > 0 {
        let kinds: Vec<String> = p.failures.iter().map(|(k, n)| format!("{k} ({n})")).collect();
        let what = if ok == 0 { "every request failed" } else { "some requests failed" };
        return Some(format!("{what}: {failed} of {} requests failed: {}", p.requests, kinds.join("; ")));
    }
    if ok == 0 {
        return Some(match p.warnings.first() {
            Some(w) => format!("no request completed ({w})"),
            None => "no request completed".to_string(),
        });
    }
    None
}

impl MeasurementRecord {
    /// The load point when this is a usable result: no error, and every
    /// request of the point succeeded (at least one did). A failed or empty
    /// point — including one stored by an older tritium — is never a result.
    pub fn ok_point(&self) -> Option<&LoadPoint> {
        if self.error.is_some() {
            return None;
        }
        self.point.as_ref().filter(|p| point_failure(p).is_none())
    }

    /// Why the measurement is not a usable result (None when it is).
    pub fn failure_reason(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(e.clone());
        }
        match &self.point {
            Some(p) => point_failure(p),
            None => Some("no result".to_string()),
        }
    }

    /// The load level: the request rate of a request-rate measurement,
    /// else the concurrency.
    pub fn level(&self) -> u32 {
        self.request_rate.unwrap_or(self.concurrency)
    }

    /// The load level in words: "concurrency 4" or "request rate 32".
    pub fn load_label(&self) -> String {
        match self.request_rate {
            Some(r) => format!("request rate {r}"),
            None => format!("concurrency {}", self.concurrency),
        }
    }

    /// The store's key: (config, client batch size, load level). One
    /// model's records share one load kind (a different kind is a different
    /// plan, which `--resume` refuses).
    pub fn key(&self) -> (&str, u32, u32) {
        (self.config.as_str(), self.batch_size, self.level())
    }
}

/// A client batch size not measured for a config (larger than its
/// `max_batch_size`, as Model Analyzer skips it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SkippedRecord {
    /// Config name.
    pub config: String,
    /// The client batch size.
    pub batch_size: u32,
    /// Why.
    pub reason: String,
}

/// One entry of the cross-model top list (`num_top_model_configs`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopConfigRecord {
    /// 1 = best.
    pub rank: u32,
    /// Model name.
    pub model: String,
    /// Config name.
    pub config: String,
    /// Client batch size of the representative measurement.
    pub batch_size: u32,
    /// Its concurrency (0, and absent from the file, for a request rate).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub concurrency: u32,
    /// Its request rate, requests/s (absent for a concurrency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_rate: Option<u32>,
    /// Its throughput, infer/s.
    pub throughput: f64,
    /// Its p99 latency, ms.
    pub latency_p99_ms: f64,
    /// Whether it meets the constraints.
    pub passes: bool,
    /// 95 % confidence interval of `throughput` (absent when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput_ci: Option<Interval>,
    /// 95 % confidence interval of `latency_p99_ms` (absent when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p99_ms_ci: Option<Interval>,
    /// Configs of this list statistically tied with this one (their
    /// difference is within the intervals; see `search::compare`), best
    /// first; absent without intervals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tied_with: Vec<String>,
}

/// Search statistics of one model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SearchStats {
    /// `brute` / `quick`.
    pub strategy: String,
    /// Measurements taken (cached ones not counted).
    pub measurements: usize,
    /// Configs loaded.
    pub configs: usize,
    /// Wall time of the model's profile.
    pub wall_seconds: f64,
    /// Time spent loading/unloading configs.
    pub load_seconds: f64,
    /// Time spent inside measurement windows (warm-up included).
    pub measure_seconds: f64,
    /// Everything else per config (search, I/O, checkpoints).
    pub overhead_seconds_per_config: f64,
    /// Config switches (an in-place update counted as one).
    #[serde(default)]
    pub loads: usize,
    /// Switches Triton did in place (only instance counts changed: no
    /// unload, only the missing instances started).
    #[serde(default)]
    pub in_place_loads: usize,
    /// Of `loads`, those loaded over the loaded config without waiting for
    /// its unload (`tritium_model_switch` replace; absent in older files).
    #[serde(default)]
    pub replaced_loads: usize,
    /// Configs loaded during the measurement before them, under the model's
    /// alias or name (`tritium_model_switch: preload`; absent in older files).
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    pub preloads: usize,
    /// Of `loads`, those served by a preload (a change of name).
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    pub preloaded_loads: usize,
}

fn is_zero_usize(n: &usize) -> bool {
    *n == 0
}

impl std::ops::AddAssign<&SearchStats> for SearchStats {
    /// Adds another shard's search of the same model (the merge): counts and
    /// seconds summed; `configs` and `overhead_seconds_per_config` are left
    /// for the caller to derive from the merged records.
    fn add_assign(&mut self, t: &SearchStats) {
        self.measurements += t.measurements;
        self.wall_seconds += t.wall_seconds;
        self.load_seconds += t.load_seconds;
        self.measure_seconds += t.measure_seconds;
        self.loads += t.loads;
        self.in_place_loads += t.in_place_loads;
        self.replaced_loads += t.replaced_loads;
        self.preloads += t.preloads;
        self.preloaded_loads += t.preloaded_loads;
    }
}

/// How a model's profile ended (`status` in results.json).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ModelStatus {
    /// Every config tried loaded and every measurement succeeded.
    Ok,
    /// Usable measurements, but some config failed to load or some
    /// measurement failed (see the model's `reason`).
    Partial,
    /// No usable measurement: the model is missing, its config is invalid,
    /// it never loaded, or every measurement failed.
    Failed,
    /// The search was interrupted before it finished.
    Interrupted,
}

impl ModelStatus {
    /// "ok", "partial", "failed", "interrupted".
    pub fn as_str(&self) -> &'static str {
        match self {
            ModelStatus::Ok => "ok",
            ModelStatus::Partial => "partial",
            ModelStatus::Failed => "failed",
            ModelStatus::Interrupted => "interrupted",
        }
    }
}

/// Everything about one profiled model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ModelResults {
    /// Model name.
    pub model: String,
    /// Its config as read from the repository (ModelConfig JSON).
    pub base_config: Value,
    /// Configs in the order they were first tried.
    pub configs: Vec<ConfigRecord>,
    /// Measurements in the order taken.
    pub measurements: Vec<MeasurementRecord>,
    /// Client batch sizes not measured per config (above its max batch size).
    #[serde(default)]
    pub skipped: Vec<SkippedRecord>,
    /// Top config names, best first (the default is not included unless it ranks).
    pub top: Vec<String>,
    /// Name of the default config.
    pub default_config: String,
    /// Constraints that could not be applied (e.g. GPU memory without a GPU).
    pub unapplied_constraints: Vec<String>,
    /// Search statistics.
    pub search: SearchStats,
    /// The search finished (false in a checkpoint of an interrupted run).
    pub complete: bool,
    /// How the model's profile ended (absent in files of older tritium).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ModelStatus>,
    /// Why the status is not `ok` (what failed), when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Statistical ties of the ranking: for each config of `top`, the other
    /// ranked configs (the default included, and those below the top list)
    /// whose difference from it is within the 95 % intervals (see
    /// `search::compare`), best first. Absent without intervals (older files,
    /// measurements without intervals).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tied_with: BTreeMap<String, Vec<String>>,
    /// Interleaved re-measurements of statistically tied contenders, in
    /// order (see [`RemeasurementRecord`]); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remeasurements: Vec<RemeasurementRecord>,
    /// The successful re-measurements of points (ties, the top config's
    /// confirmation, drift checks), in the order taken: not results of
    /// their own (the point keeps its first measurement), kept so that a
    /// resumed run replays them instead of measuring again
    /// ([`ModelResults::cached_repeat`]); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repeats: Vec<MeasurementRecord>,
    /// The drift reference's throughput over the search (see
    /// [`DriftRecord`]); absent when not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftRecord>,
    /// Names given to config keys ahead of registration (a sharded brute
    /// search names each config by its place in the whole enumeration,
    /// `crate::shard`); not stored, recomputed by each run.
    #[serde(skip)]
    pub preset_names: BTreeMap<String, String>,
}

/// The whole run: the checkpoint and `results.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProfileResults {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// "tritium".
    pub tool: String,
    /// tritium's version.
    pub tool_version: String,
    /// Triton's version.
    pub triton_version: String,
    /// Host, CPUs, GPUs.
    pub machine: String,
    /// When the run started (UTC).
    pub started_at: String,
    /// The config file.
    pub config_file: String,
    /// `brute` / `quick`.
    pub search_mode: String,
    /// Constraints (global), as configured.
    pub constraints: Value,
    /// Objectives (global), as configured.
    pub objectives: Value,
    /// Per model.
    pub models: Vec<ModelResults>,
    /// `num_top_model_configs` (0: no cross-model list).
    #[serde(default)]
    pub num_top_model_configs: u32,
    /// The best configs across all models, best first
    /// (`num_top_model_configs`; empty when 0).
    #[serde(default)]
    pub top_model_configs: Vec<TopConfigRecord>,
    /// Everything in the config that affects measurements (repository,
    /// models and their settings, search bounds, perf_analyzer_flags,
    /// constraints, objectives): `--resume` refuses a checkpoint whose
    /// fingerprint differs from the current config's. Null in files of
    /// older tritium.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub fingerprint: Value,
    /// Outputs of the run that could not be written (CSV tables, reports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Where the run's wall time went (absent in files of older tritium).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeAnatomy>,
    /// The server measured with no model loaded for `duration_seconds`
    /// (Model Analyzer's server-only measurement); absent in files of older
    /// tritiums and with `duration_seconds: 0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_only: Option<ServerOnlyRecord>,
    /// The shard this file is of (`tritium profile --shard`; absent in a
    /// whole run and in a merged one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardRecord>,
}

impl ProfileResults {
    /// The model's results, created if absent.
    pub fn model_mut(&mut self, model: &str) -> &mut ModelResults {
        if let Some(i) = self.models.iter().position(|m| m.model == model) {
            return &mut self.models[i];
        }
        self.models.push(ModelResults { model: model.to_string(), default_config: format!("{model}_config_default"), ..Default::default() });
        let n = self.models.len() - 1;
        &mut self.models[n]
    }

    /// Adds `secs` of `part` to the run's time and to that of `model`'s
    /// config `key` (when it has a record).
    pub fn charge(&mut self, model: &str, key: &str, part: Part, secs: f64) {
        self.time.get_or_insert_with(Default::default).add(part, secs);
        if let Some(c) = self.model_mut(model).configs.iter_mut().find(|c| c.key == key) {
            c.time.get_or_insert_with(Default::default).add(part, secs);
        }
    }

    /// Counts a load of `model`'s config `key` (in the run and the config).
    pub fn count_load(&mut self, model: &str, key: &str) {
        self.time.get_or_insert_with(Default::default).loads += 1;
        if let Some(c) = self.model_mut(model).configs.iter_mut().find(|c| c.key == key) {
            c.time.get_or_insert_with(Default::default).loads += 1;
        }
    }

    /// Counts a measurement of `model`'s config `key` (in the run and the config).
    pub fn count_measurement(&mut self, model: &str, key: &str) {
        self.time.get_or_insert_with(Default::default).measurements += 1;
        if let Some(c) = self.model_mut(model).configs.iter_mut().find(|c| c.key == key) {
            c.time.get_or_insert_with(Default::default).measurements += 1;
        }
    }

    /// Reads a checkpoint or results.json of schema version
    /// [`OLDEST_READABLE_SCHEMA_VERSION`]..=[`SCHEMA_VERSION`], upgraded to
    /// the current version in memory (version 1: each measurement's batch
    /// size comes from its load point, 1 without one); other versions are
    /// refused.
    pub fn read(path: &Path) -> Result<ProfileResults> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| Error::Json { what: path.display().to_string(), source: e })?;
        let ver = v.get("schema_version").and_then(Value::as_u64);
        let readable = (OLDEST_READABLE_SCHEMA_VERSION as u64)..=(SCHEMA_VERSION as u64);
        if !ver.is_some_and(|x| readable.contains(&x)) {
            return Err(Error::InvalidArgument(format!(
                "{}: schema_version {ver:?} is not one this tritium reads ({OLDEST_READABLE_SCHEMA_VERSION} to {SCHEMA_VERSION}); it was written by another tritium version",
                path.display()
            )));
        }
        let mut r: ProfileResults = serde_json::from_value(v).map_err(|e| Error::Json { what: path.display().to_string(), source: e })?;
        if r.schema_version < 2 {
            for m in &mut r.models {
                for rec in &mut m.measurements {
                    rec.batch_size = rec.point.as_ref().map(|p| p.batch_size).filter(|b| *b > 0).unwrap_or(1);
                }
            }
        }
        for m in &mut r.models {
            m.dedup_measurements();
        }
        r.schema_version = SCHEMA_VERSION;
        Ok(r)
    }

    /// Writes atomically (temp file + fsync + rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Json { what: path.display().to_string(), source: e })?;
        write_atomic(path, text.as_bytes()).map_err(|e| Error::io(path, e))
    }
}

impl ModelResults {
    /// True when the ranking found configs `a` and `b` statistically tied
    /// (recorded in [`tied_with`](Self::tied_with)).
    pub fn tied(&self, a: &str, b: &str) -> bool {
        self.tied_with.get(a).is_some_and(|t| t.iter().any(|n| n == b)) || self.tied_with.get(b).is_some_and(|t| t.iter().any(|n| n == a))
    }

    /// The config record of `key`, created with the next name if new (or
    /// its name in [`preset_names`](Self::preset_names)).
    pub fn config_for(&mut self, variant: &ModelConfigVariant, config: &Value) -> &mut ConfigRecord {
        let key = variant.key();
        if let Some(i) = self.configs.iter().position(|c| c.key == key) {
            return &mut self.configs[i];
        }
        let name = if variant.is_default {
            format!("{}_config_default", self.model)
        } else if let Some(n) = self.preset_names.get(&key) {
            n.clone()
        } else {
            format!("{}_config_{}", self.model, self.configs.iter().filter(|c| !c.variant.is_default).count())
        };
        self.configs.push(ConfigRecord { name, key, variant: variant.into(), config: config.clone(), load_seconds: None, error: None, time: None });
        let n = self.configs.len() - 1;
        &mut self.configs[n]
    }

    /// The config name of `key`.
    pub fn name_of(&self, key: &str) -> Option<&str> {
        self.configs.iter().find(|c| c.key == key).map(|c| c.name.as_str())
    }

    /// The successful measurements of config `name` (see
    /// [`MeasurementRecord::ok_point`]), in the order taken.
    pub fn points_of<'a>(&'a self, name: &str) -> impl Iterator<Item = (&'a MeasurementRecord, &'a LoadPoint)> + 'a {
        let name = name.to_string();
        self.measurements.iter().filter(move |r| r.config == name).filter_map(|r| r.ok_point().map(|p| (r, p)))
    }

    /// The config's highest-throughput successful measurement that meets the
    /// constraints (what the summary and the reports show for it).
    pub fn best_point(&self, name: &str) -> Option<(&MeasurementRecord, &LoadPoint)> {
        self.points_of(name).filter(|(r, _)| r.passes != Some(false)).max_by(|a, b| a.1.throughput.total_cmp(&b.1.throughput))
    }

    /// True when config `name` has at least one successful measurement.
    pub fn has_result(&self, name: &str) -> bool {
        self.points_of(name).next().is_some()
    }

    /// A finished, successful measurement of (`key`, `batch_size`,
    /// load `level`), for resume.
    pub fn cached(&self, key: &str, batch_size: u32, level: u32) -> Option<&MeasurementRecord> {
        let name = self.name_of(key)?;
        self.measurements.iter().find(|m| m.config == name && m.batch_size == batch_size && m.level() == level && m.ok_point().is_some())
    }

    /// The `n`-th (from 0) stored re-measurement of (`key`, `batch_size`,
    /// load `level`), for resume: a resumed search asks for the same
    /// re-measurements in the same order, and gets the stored ones first.
    pub fn cached_repeat(&self, key: &str, batch_size: u32, level: u32, n: usize) -> Option<&MeasurementRecord> {
        let name = self.name_of(key)?;
        self.repeats.iter().filter(|m| m.config == name && m.batch_size == batch_size && m.level() == level && m.ok_point().is_some()).nth(n)
    }

    /// Stores a measurement, replacing any earlier record of the same
    /// (config, batch size, concurrency): a key appears once in the store.
    pub fn record(&mut self, rec: MeasurementRecord) {
        self.measurements.retain(|m| m.key() != rec.key());
        self.measurements.push(rec);
    }

    /// One record per (config, batch size, concurrency) — files of older
    /// tritium could hold an interrupted partial beside its re-measurement:
    /// the last successful record of a key wins, else its last record;
    /// records of an interrupted (partial) window are dropped.
    pub fn dedup_measurements(&mut self) {
        let old = std::mem::take(&mut self.measurements);
        let interrupted = |r: &MeasurementRecord| r.point.is_none() && r.error.as_deref().is_some_and(|e| e.starts_with("interrupted"));
        let mut winner: std::collections::HashMap<(String, u32, u32), usize> = std::collections::HashMap::new();
        for (i, r) in old.iter().enumerate().filter(|(_, r)| !interrupted(r)) {
            let k = (r.config.clone(), r.batch_size, r.level());
            match winner.get(&k) {
                Some(&w) if old[w].ok_point().is_some() && r.ok_point().is_none() => {}
                _ => {
                    winner.insert(k, i);
                }
            }
        }
        let mut keep: Vec<usize> = winner.into_values().collect();
        keep.sort_unstable();
        self.measurements = keep.into_iter().map(|i| old[i].clone()).collect();
    }

    /// The client batch sizes measured (successfully) for config `name`, sorted.
    pub fn batch_sizes_of(&self, name: &str) -> Vec<u32> {
        let mut v: Vec<u32> = self.points_of(name).map(|(r, _)| r.batch_size).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The search's view of a bench point. A point with a failed request, or
/// without a successful one, is a failed [`VariantMeasurement`] (see
/// [`point_failure`]): it never satisfies constraints and never ranks.
pub fn to_measurement(key: &str, concurrency: u32, p: &LoadPoint) -> VariantMeasurement {
    if let Some(why) = point_failure(p) {
        let mut m = VariantMeasurement::failure(concurrency, why);
        m.variant_key = key.to_string();
        m.batch_size = p.batch_size;
        return m;
    }
    VariantMeasurement {
        variant_key: key.to_string(),
        concurrency,
        request_rate: p.request_rate,
        batch_size: p.batch_size,
        throughput: p.throughput,
        latency_p99_us: p.latency.p99_us,
        latency_p95_us: p.latency.p95_us,
        latency_p90_us: p.latency.p90_us,
        latency_p50_us: p.latency.p50_us,
        latency_avg_us: p.latency.avg_us,
        gpu_memory_mb: p.resources.gpu_memory_used_mb,
        cpu_ram_mb: p.resources.rss_mb,
        failed: None,
        // The load point's own 95 % intervals (absent in older results files).
        throughput_ci: p.throughput_ci,
        latency_ci: p.latency_ci.unwrap_or_default(),
        gpu_memory_ci: p.resources_ci.and_then(|r| r.gpu_memory_used_mb),
        noisy: p.noisy,
        best_execution_us: best_execution_us(p),
    }
}

/// The shortest average execution (`compute_infer` per execution, µs) over
/// the point's per-batch-size server statistics; None without any.
pub fn best_execution_us(p: &LoadPoint) -> Option<f64> {
    p.server
        .as_ref()?
        .per_batch
        .iter()
        .filter(|b| b.executions > 0 && b.compute_infer_us > 0.0)
        .map(|b| b.compute_infer_us)
        .reduce(f64::min)
}

// The CSV tables live in `metrics_csv` (with tritium's interval and tie
// columns); re-exported here where callers have always found them.
pub use crate::metrics_csv::{write_csvs, CsvLayout, GPU_COLUMNS, INFERENCE_COLUMNS, SERVER_COLUMNS};
#[cfg(test)]
use crate::metrics_csv::csv_field;
#[cfg(test)]
use std::path::PathBuf;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_are_stable_and_default_is_named_default() {
        let mut m = ModelResults { model: "m".into(), ..Default::default() };
        let mut d = ModelConfigVariant::automatic(0, 1, "KIND_CPU", false);
        d.is_default = true;
        d.automatic = false;
        let a = ModelConfigVariant::automatic(4, 2, "KIND_CPU", true);
        let b = ModelConfigVariant::automatic(8, 2, "KIND_CPU", true);
        assert_eq!(m.config_for(&d, &Value::Null).name, "m_config_default");
        assert_eq!(m.config_for(&a, &Value::Null).name, "m_config_0");
        assert_eq!(m.config_for(&b, &Value::Null).name, "m_config_1");
        assert_eq!(m.config_for(&a, &Value::Null).name, "m_config_0");
        // A shard's preset names win over the registration order.
        let mut m = ModelResults { model: "m".into(), ..Default::default() };
        m.preset_names.insert(b.key(), "m_config_5".into());
        assert_eq!(m.config_for(&b, &Value::Null).name, "m_config_5");
        assert_eq!(m.config_for(&a, &Value::Null).name, "m_config_1", "not preset: the registration order");
    }

    #[test]
    fn checkpoint_round_trip_and_version_check() {
        let d = tempfile::tempdir().unwrap();
        let mut r = ProfileResults { schema_version: SCHEMA_VERSION, tool: "tritium".into(), ..Default::default() };
        r.model_mut("m").top = vec!["m_config_0".into()];
        let p = d.path().join("ck.json");
        r.write(&p).unwrap();
        assert_eq!(ProfileResults::read(&p).unwrap(), r);
        std::fs::write(&p, r#"{"schema_version": 99}"#).unwrap();
        assert!(ProfileResults::read(&p).unwrap_err().to_string().contains("schema_version"));
        std::fs::write(&p, "{").unwrap();
        assert!(ProfileResults::read(&p).is_err());
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results").join(name)
    }

    #[test]
    fn version_1_files_load_with_their_batch_sizes() {
        for f in ["cpu_only.json", "gpu.json", "failed_config.json", "single_measurement.json"] {
            let text = std::fs::read_to_string(fixture(f)).unwrap();
            assert!(text.contains("\"schema_version\": 1"), "{f} is a version-1 fixture");
            let r = ProfileResults::read(&fixture(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(r.schema_version, SCHEMA_VERSION);
            for m in &r.models {
                assert!(m.skipped.is_empty());
                for rec in &m.measurements {
                    let expected = rec.point.as_ref().map_or(1, |p| p.batch_size);
                    assert_eq!(rec.batch_size, expected, "{f}");
                }
            }
            assert!(r.top_model_configs.is_empty());
            // Written again as the current version, read back unchanged.
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("r.json");
            r.write(&p).unwrap();
            assert!(std::fs::read_to_string(&p).unwrap().contains(&format!("\"schema_version\": {SCHEMA_VERSION}")));
            assert_eq!(ProfileResults::read(&p).unwrap(), r);
        }
    }

    #[test]
    fn resume_cache_and_csv_are_keyed_by_batch_size() {
        let fx = ProfileResults::read(&fixture("cpu_only.json")).unwrap();
        let point = fx.models[0].measurements.iter().find_map(|r| r.point.clone()).unwrap();
        let mut m = ModelResults { model: "m".into(), ..Default::default() };
        let v = ModelConfigVariant::automatic(4, 1, "KIND_CPU", true);
        let name = m.config_for(&v, &Value::Null).name.clone();
        let mut p2 = point.clone();
        p2.batch_size = 2;
        let rec = |batch_size, concurrency, point: Option<LoadPoint>| MeasurementRecord { config: name.clone(), batch_size, concurrency, request_rate: None, passes: Some(true), point, error: None };
        m.measurements = vec![rec(1, 1, Some(point.clone())), rec(2, 1, Some(p2)), rec(2, 2, None)];
        m.skipped.push(SkippedRecord { config: name.clone(), batch_size: 8, reason: "above".into() });
        let key = v.key();
        assert_eq!(m.cached(&key, 1, 1).map(|r| r.batch_size), Some(1));
        assert_eq!(m.cached(&key, 2, 1).map(|r| r.batch_size), Some(2));
        assert!(m.cached(&key, 2, 2).is_none(), "a failed point is measured again");
        assert!(m.cached(&key, 4, 1).is_none());
        assert_eq!(m.batch_sizes_of(&name), vec![1, 2]);
        let r = ProfileResults { schema_version: SCHEMA_VERSION, models: vec![m], ..Default::default() };
        let d = tempfile::tempdir().unwrap();
        write_csvs(&r, d.path(), "", &Default::default()).unwrap();
        let inf = std::fs::read_to_string(d.path().join("metrics-model-inference.csv")).unwrap();
        let rows: Vec<Vec<&str>> = inf.lines().skip(1).map(|l| l.split(',').collect()).collect();
        let ok: Vec<_> = rows.iter().filter(|r| !r[6].starts_with("FAILED")).map(|r| (r[1], r[2])).collect();
        assert_eq!(ok, vec![("1", "1"), ("2", "1")], "{inf}");
        // The point without a result is a FAILED row without numbers.
        let failed: Vec<_> = rows.iter().filter(|r| r[6].starts_with("FAILED")).collect();
        assert_eq!(failed.len(), 1, "{inf}");
        assert_eq!((failed[0][1], failed[0][2], failed[0][7], failed[0][8]), ("2", "2", "", ""), "{inf}");
        assert!(rows.iter().all(|r| r[5] == "4"), "Max Batch Size: {inf}");
        let p = d.path().join("r.json");
        r.write(&p).unwrap();
        assert_eq!(ProfileResults::read(&p).unwrap(), r);
    }

    fn good_point() -> LoadPoint {
        let fx = ProfileResults::read(&fixture("cpu_only.json")).unwrap();
        let p = fx.models[0].measurements.iter().find_map(|r| r.point.clone()).unwrap();
        assert!(p.requests > 0 && p.failures.is_empty());
        p
    }

    #[test]
    fn failed_or_empty_points_are_never_results() {
        let good = good_point();
        // reject_all: every request got an error response; the histogram is empty (0 ms).
        let mut all_failed = good.clone();
        all_failed.failures.insert("request rejected by reject_all".into(), good.requests);
        all_failed.latency = Default::default();
        all_failed.throughput = 0.0;
        let mut some_failed = good.clone();
        some_failed.failures.insert("Deadline Exceeded".into(), 3);
        let mut empty = good.clone();
        empty.requests = 0;
        assert_eq!(point_failure(&good), None);
        let why = point_failure(&all_failed).unwrap();
        assert!(why.starts_with("every request failed") && why.contains("request rejected by reject_all"), "{why}");
        assert!(point_failure(&some_failed).unwrap().contains(&format!("3 of {} requests failed", good.requests)));
        assert!(point_failure(&empty).unwrap().starts_with("no request completed"));
        for p in [&all_failed, &some_failed, &empty] {
            let meas = to_measurement("k", 1, p);
            assert!(!meas.is_valid());
            assert!(!crate::search::passes_constraints(&Default::default(), &meas));
        }
        assert!(to_measurement("k", 1, &good).is_valid());

        // Stored as an older tritium did: the point kept, `passes: true`.
        let mut m = ModelResults { model: "m".into(), default_config: "m_config_default".into(), ..Default::default() };
        let mut d = ModelConfigVariant::automatic(8, 1, "KIND_CPU", true);
        d.is_default = true;
        d.automatic = false;
        let a = ModelConfigVariant::automatic(4, 2, "KIND_CPU", true);
        let b = ModelConfigVariant::automatic(8, 2, "KIND_CPU", true);
        let (dn, an, bn) = (m.config_for(&d, &Value::Null).name.clone(), m.config_for(&a, &Value::Null).name.clone(), m.config_for(&b, &Value::Null).name.clone());
        let rec = |config: &str, concurrency, point: &LoadPoint| MeasurementRecord { config: config.into(), batch_size: 1, concurrency, request_rate: None, passes: Some(true), point: Some(point.clone()), error: None };
        m.measurements = vec![rec(&dn, 1, &all_failed), rec(&an, 1, &good), rec(&an, 2, &some_failed), rec(&bn, 1, &empty)];
        assert!(!m.has_result(&dn) && m.best_point(&dn).is_none() && m.points_of(&dn).next().is_none());
        assert!(!m.has_result(&bn));
        assert_eq!(m.best_point(&an).map(|(r, _)| r.concurrency), Some(1), "the point with failed requests is not the best");
        assert!(m.cached(&a.key(), 1, 2).is_none(), "a failed point is measured again on resume");
        assert!(m.cached(&d.key(), 1, 1).is_none());
        assert_eq!(m.batch_sizes_of(&dn), Vec::<u32>::new());
        // CSV: FAILED with the reason, never 0 ms, never "Yes".
        let r = ProfileResults { schema_version: SCHEMA_VERSION, models: vec![m], ..Default::default() };
        let dir = tempfile::tempdir().unwrap();
        write_csvs(&r, dir.path(), "", &Default::default()).unwrap();
        let inf = std::fs::read_to_string(dir.path().join("metrics-model-inference.csv")).unwrap();
        let row = |config: &str, c: u32| inf.lines().find(|l| l.contains(&format!(",1,{c},{config},"))).unwrap_or_else(|| panic!("{config} {c}: {inf}")).to_string();
        assert!(row(&dn, 1).contains("FAILED: every request failed") && row(&dn, 1).ends_with(",,"), "{inf}");
        assert!(row(&an, 2).contains("FAILED: some requests failed"), "{inf}");
        assert!(row(&bn, 1).contains("FAILED: no request completed"), "{inf}");
        assert!(row(&an, 1).contains(",Yes,"), "{inf}");
        assert_eq!(inf.matches(",Yes,").count(), 1, "{inf}");
        assert!(inf.lines().filter(|l| l.contains("FAILED")).all(|l| !l.contains(",0.0")), "{inf}");
        // CPU-only configs on a machine without GPUs: no GPU rows (Model Analyzer's cpu_only).
        let gpu = std::fs::read_to_string(dir.path().join("metrics-model-gpu.csv")).unwrap();
        assert_eq!(gpu.lines().count(), 1, "{gpu}");
        // The server-only row needs a successful default measurement.
        let srv = std::fs::read_to_string(dir.path().join("metrics-server-only.csv")).unwrap();
        assert_eq!(srv.lines().count(), 1, "{srv}");
    }

    #[test]
    fn stored_repeats_are_replayed_in_order_and_round_trip() {
        let mut m = ModelResults { model: "m".into(), ..Default::default() };
        let a = ModelConfigVariant::automatic(4, 2, "KIND_CPU", true);
        let name = m.config_for(&a, &Value::Null).name.clone();
        let point = |tp: f64| LoadPoint { throughput: tp, ..good_point() };
        let rec = |concurrency, p: Option<LoadPoint>| MeasurementRecord { config: name.clone(), batch_size: 1, concurrency, request_rate: None, passes: None, point: p, error: None };
        m.repeats = vec![rec(8, Some(point(100.0))), rec(4, Some(point(50.0))), rec(8, None), rec(8, Some(point(120.0)))];
        let tp = |n| m.cached_repeat(&a.key(), 1, 8, n).and_then(|r| r.point.as_ref()).map(|p| p.throughput);
        assert_eq!((tp(0), tp(1), tp(2)), (Some(100.0), Some(120.0), None), "the n-th successful repeat of the point");
        assert!(m.cached_repeat(&a.key(), 2, 8, 0).is_none() && m.cached_repeat("other", 1, 8, 0).is_none());
        let back: ModelResults = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back.repeats, m.repeats);
    }

    #[test]
    fn a_key_is_stored_once() {
        let good = good_point();
        let rec = |concurrency, point: Option<&LoadPoint>, error: Option<&str>| MeasurementRecord {
            config: "m_config_0".into(),
            batch_size: 1,
            concurrency,
            request_rate: None,
            passes: None,
            point: point.cloned(),
            error: error.map(str::to_string),
        };
        let mut m = ModelResults { model: "m".into(), ..Default::default() };
        m.record(rec(1, None, Some("load failed: x")));
        m.record(rec(1, Some(&good), None));
        m.record(rec(2, Some(&good), None));
        assert_eq!(m.measurements.iter().map(|r| (r.concurrency, r.point.is_some())).collect::<Vec<_>>(), vec![(1, true), (2, true)]);
        // A checkpoint of an earlier tritium: an interrupted partial, then its re-measurement,
        // a success followed by a failure of the same key, a failure then a success.
        let mut old = ModelResults { model: "m".into(), ..Default::default() };
        old.measurements = vec![
            rec(4, None, Some("interrupted (partial: 812.0 infer/s)")),
            rec(1, Some(&good), None),
            rec(2, None, Some("load failed: y")),
            rec(4, Some(&good), None),
            rec(1, None, Some("no request completed")),
            rec(2, Some(&good), None),
            rec(8, None, Some("interrupted (partial: 1.0 infer/s)")),
        ];
        let r = ProfileResults { schema_version: SCHEMA_VERSION, models: vec![old], ..Default::default() };
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("ck.json");
        r.write(&p).unwrap();
        let back = ProfileResults::read(&p).unwrap();
        let keys: Vec<(u32, bool)> = back.models[0].measurements.iter().map(|r| (r.concurrency, r.ok_point().is_some())).collect();
        assert_eq!(keys, vec![(1, true), (4, true), (2, true)], "one record per key, the successful one; no interrupted partial");
    }

    #[test]
    fn time_anatomy_adds_up_and_round_trips_and_older_files_load_without_it() {
        // An older file: no time anywhere; written back without one.
        let old = ProfileResults::read(&fixture("cpu_only.json")).unwrap();
        assert!(old.time.is_none() && old.models.iter().flat_map(|m| &m.configs).all(|c| c.time.is_none()));
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("old.json");
        old.write(&p).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert!(v.get("time").is_none() && v["models"][0]["configs"][0].get("time").is_none(), "{v}");
        assert_eq!(ProfileResults::read(&p).unwrap(), old);

        // Two configs: loads, an unload, measurements and a re-measurement of the first.
        let mut r = ProfileResults { schema_version: SCHEMA_VERSION, ..Default::default() };
        let a = ModelConfigVariant::automatic(4, 1, "KIND_CPU", true);
        let b = ModelConfigVariant::automatic(8, 2, "KIND_CPU", true);
        r.model_mut("m").config_for(&a, &Value::Null);
        r.model_mut("m").config_for(&b, &Value::Null);
        let (ka, kb) = (a.key(), b.key());
        for (key, part, secs) in [
            (&ka, Part::Load, 2.0),
            (&ka, Part::WarmUp, 0.5),
            (&ka, Part::Measure, 3.0),
            (&ka, Part::Other, 0.125),
            (&ka, Part::Unload, 0.25),
            (&kb, Part::Load, 4.0),
            (&kb, Part::WarmUp, 0.5),
            (&kb, Part::Measure, 2.0),
            (&ka, Part::Unload, 0.0),
            (&ka, Part::Load, 2.5),
            (&ka, Part::WarmUp, 0.5),
            (&ka, Part::Measure, 1.5),
        ] {
            r.charge("m", key, part, secs);
        }
        for key in [&ka, &kb, &ka] {
            r.count_load("m", key);
        }
        for key in [&ka, &kb, &ka] {
            r.count_measurement("m", key);
        }
        // A key without a record counts in the run only.
        r.charge("m", "unknown", Part::Measure, 1.0);
        r.time.as_mut().unwrap().close(20.0);
        let t = r.time.unwrap();
        let ca = r.models[0].configs[0].time.unwrap();
        let cb = r.models[0].configs[1].time.unwrap();
        assert_eq!((ca.loads, ca.measurements, cb.loads, cb.measurements, t.loads, t.measurements), (2, 2, 1, 1, 3, 3));
        assert_eq!((ca.load_seconds, ca.unload_seconds, ca.warmup_seconds, ca.measure_seconds, ca.other_seconds), (4.5, 0.25, 1.0, 4.5, 0.125));
        // The run's parts are the configs' (plus what no config owns); idle holds every config's other time.
        assert_eq!(t.load_seconds, ca.load_seconds + cb.load_seconds);
        assert_eq!(t.unload_seconds, ca.unload_seconds + cb.unload_seconds);
        assert_eq!(t.warmup_seconds, ca.warmup_seconds + cb.warmup_seconds);
        assert_eq!(t.measure_seconds, ca.measure_seconds + cb.measure_seconds + 1.0);
        assert_eq!(t.busy_seconds() + t.idle_seconds, 20.0);
        assert!(t.idle_seconds >= ca.other_seconds + cb.other_seconds, "{t:?}");

        // Round trip with the new fields.
        let p = d.path().join("new.json");
        r.write(&p).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(v["time"]["wall_seconds"].as_f64(), Some(20.0), "{v}");
        assert_eq!(v["models"][0]["configs"][1]["time"]["load_seconds"].as_f64(), Some(4.0), "{v}");
        assert!(v["time"].get("partial").is_none(), "partial is written only when true: {v}");
        assert_eq!(ProfileResults::read(&p).unwrap(), r);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
