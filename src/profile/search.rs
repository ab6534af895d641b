//! Model-config search strategies for `tritium profile`, testable without
//! Triton.
//!
//! A [`SearchStrategy`] walks a [`SearchSpace`] and asks a [`Measurer`] for
//! one measurement per (model config variant, client batch size,
//! concurrency). The caller implements [`Measurer`] with the embedded server;
//! a failed load or run comes back as a [`Measurement`] with
//! `failed: Some(reason)` and the search goes on. Two strategies mirror
//! Model Analyzer:
//!
//! * [`BruteSearch`] (`run_config_search_mode: brute`): the default config,
//!   then instance count x doubling `max_batch_size`, each with a sweep of
//!   every client batch size (`batch_sizes`, perf_analyzer `-b`) crossed
//!   with a doubling concurrency sweep and Model Analyzer's early exits; or
//!   the manual sweep of `model_config_parameters`; then a concurrency sweep
//!   with binary search on the constraint boundary for the top configs.
//! * [`QuickSearch`] (`run_config_search_mode: quick`): Model Analyzer's hill
//!   climbing over (log2 max batch size, instance count), then the same final
//!   concurrency sweep for the top configs.
//!
//! Client batch sizes (`PerfAnalyzerConfigGenerator`): for each config the
//! sizes of [`SearchSpace::batch_sizes`] are walked in increasing order, each
//! with its own concurrency sweep (the concurrency early exit restarts per
//! batch size). A batch size above the config's `max_batch_size` (at least 1)
//! is not measured: the [`Measurer`] is told through [`Measurer::skipped`]
//! and a [`SearchEvent::Skipped`] is emitted (Model Analyzer's
//! `ModelRunConfig` "illegal run config"). A failed measurement ends the
//! config's sweep, larger batch sizes included (`_last_results_erroneous`);
//! with early exit on, the batch-size walk stops when the best throughputs of
//! the last [`THROUGHPUT_MINIMUM_CONSECUTIVE_BATCH_SIZE_TRIES`] batch sizes
//! gain no more than [`THROUGHPUT_MINIMUM_GAIN`]. A config's best throughput
//! over all its batch sizes feeds the `max_batch_size` early exit.
//!
//! Ranking mirrors Model Analyzer's `result/` package: constraints filter
//! (`ConstraintManager`), objectives compare by weighted relative gain
//! (`ModelConfigMeasurement._calculate_weighted_score`), each variant is
//! represented by its best passing measurement over every batch size and
//! concurrency (`RunConfigResultComparator`), and passing variants rank
//! before failing ones (`SortedResults`). [`rank_candidates`] ranks
//! representatives of several models together (`num_top_model_configs`).
//!
//! Units: [`Measurement`] latencies are in microseconds; constraints use
//! Model Analyzer's units (ms, MB, infer/s), converted by
//! [`Measurement::metric`]. Throughput counts inferences: batch size x
//! completed requests per second.
//!
//! # Deviations from Model Analyzer
//!
//! * One model at a time: no multi-model (concurrent) search and no BLS
//!   composing-model search. Ensembles are searched by the caller (see
//!   `profile::run`): the searched fields are applied to every composing
//!   model at once (one shared coordinate, not one per composing model as in
//!   Model Analyzer's quick search) and the ensemble is measured end to end.
//!   No request-rate search; perf_analyzer load flags (`concurrency-range`,
//!   ...) are not interpreted here.
//! * A (variant, batch size, concurrency) point is measured once; later
//!   requests for it reuse the measurement (Model Analyzer reuses
//!   checkpointed results).
//! * Quick search: the climb measures at [`SearchSpace::search_batch_size`]
//!   (1, or perf_analyzer's `batch-size` flag, as Model Analyzer); the final
//!   sweep runs for every allowed size of `batch_sizes` (Model Analyzer keeps
//!   the result's batch size). The default config's measurement is not
//!   recorded as the starting coordinate's (Model Analyzer's
//!   `set_last_results` attributes it to the start); coordinates are bounded
//!   by the space's min/max batch size and instance count and the climb
//!   concurrency is always clamped to the concurrency bounds (Model Analyzer
//!   leaves them unbounded unless set by the user); the default's
//!   concurrency uses `max(max_batch_size, 1)`.
//! * Final sweep (`ParameterSearch`): run per allowed client batch size; the
//!   constraint boundary is also found between the first two points (Model
//!   Analyzer's loop stops at index 2), and the binary search is a plain
//!   bisection between the last passing and the first failing concurrency
//!   that stops on a failed measurement or when no new concurrency is left
//!   (Model Analyzer would try concurrency 0).
//! * Skipped batch sizes: every size above the config's `max_batch_size` is
//!   reported (Model Analyzer stops at the first; the list is sorted, so the
//!   same sizes go unmeasured).
//! * Divisions by zero in Model Analyzer's formulas are defined here (see
//!   [`objective_score`], [`throughput_gain_valid`]).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::config::{Constraints, Metric, Objectives, ProfileConfig, ProfileModelSpec, SearchMode};
use super::pbtxt;

// ---------------------------------------------------------------------------
// Model Analyzer constants (model_analyzer/constants.py)
// ---------------------------------------------------------------------------

/// `THROUGHPUT_MINIMUM_GAIN`: a sweep continues while the best of the last
/// few points beats the first of them by more than 5%.
pub const THROUGHPUT_MINIMUM_GAIN: f64 = 0.05;
/// `THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES`: the window of the
/// concurrency early exit.
pub const THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES: usize = 4;
/// `THROUGHPUT_MINIMUM_CONSECUTIVE_NON_PARAMETER_TRIES` (formerly
/// `..._BATCH_SIZE_TRIES`): the window of the client batch-size early exit.
pub const THROUGHPUT_MINIMUM_CONSECUTIVE_BATCH_SIZE_TRIES: usize = 4;
/// `COMPARISON_SCORE_THRESHOLD`: a weighted score above this means "better".
pub const COMPARISON_SCORE_THRESHOLD: f64 = 0.0;
/// `RADIUS`: quick search's neighbourhood radius (euclidean, in coordinates).
pub const RADIUS: i64 = 3;
/// `MIN_INITIALIZED`: measured neighbours needed before quick search steps.
pub const MIN_INITIALIZED: usize = 3;
/// `Neighborhood.TRANSLATION_LIST`: step-vector magnitudes above these
/// bounds become steps of 1, 2, 3 coordinates.
pub const TRANSLATION_LIST: [f64; 3] = [0.09, 0.3, 1.0];

// ---------------------------------------------------------------------------
// Variants and measurements
// ---------------------------------------------------------------------------

/// One model configuration to load and measure.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfigVariant {
    /// `max_batch_size` (0: the model does not batch).
    pub max_batch_size: u32,
    /// Total instance count of the instance group.
    pub instance_count: u32,
    /// `KIND_CPU` or `KIND_GPU`.
    pub instance_kind: String,
    /// Whether `dynamic_batching` is enabled.
    pub dynamic_batching: bool,
    /// `dynamic_batching.preferred_batch_size` (empty: unset).
    pub preferred_batch_sizes: Vec<u32>,
    /// `dynamic_batching.max_queue_delay_microseconds` (None: unset).
    pub max_queue_delay_us: Option<u64>,
    /// The model's own config, unchanged (Model Analyzer's `_config_default`).
    pub is_default: bool,
    /// True when `instance_group`, `max_batch_size` and `dynamic_batching`
    /// come from the search and are written into the config; false for the
    /// default and for manual-sweep variants, where only `manual` is applied
    /// and the fields above are informational.
    pub automatic: bool,
    /// Fields from `model_config_parameters` (one combination of the manual
    /// sweep), applied on top of the config.
    pub manual: BTreeMap<String, Value>,
}

impl ModelConfigVariant {
    /// A variant set by the automatic search.
    pub fn automatic(
        max_batch_size: u32,
        instance_count: u32,
        instance_kind: &str,
        dynamic_batching: bool,
    ) -> Self {
        ModelConfigVariant {
            max_batch_size,
            instance_count,
            instance_kind: instance_kind.to_string(),
            dynamic_batching,
            preferred_batch_sizes: Vec::new(),
            max_queue_delay_us: None,
            is_default: false,
            automatic: true,
            manual: BTreeMap::new(),
        }
    }

    /// The default variant described from the model's own config in
    /// `ModelConfig` JSON (see `pbtxt::to_json`). `default_kind` is the
    /// instance kind used when the config has no `instance_group`; the
    /// instance count is the sum of the groups' counts (1 when unset).
    pub fn default_from_config(config: &Value, default_kind: &str) -> Self {
        let mut v = ModelConfigVariant::automatic(0, 1, default_kind, false);
        v.is_default = true;
        v.automatic = false;
        v.describe_from(config);
        v
    }

    /// Fills the informational fields from a (partial) `ModelConfig` JSON.
    fn describe_from(&mut self, config: &Value) {
        if let Some(m) = config.get("max_batch_size").and_then(json_u64) {
            self.max_batch_size = u32::try_from(m).unwrap_or(u32::MAX);
        }
        if let Some(groups) = config.get("instance_group").and_then(Value::as_array) {
            let total: u64 = groups
                .iter()
                .map(|g| g.get("count").and_then(json_u64).unwrap_or(1))
                .sum();
            if !groups.is_empty() {
                self.instance_count = u32::try_from(total).unwrap_or(u32::MAX);
            }
            if let Some(kind) = groups
                .first()
                .and_then(|g| g.get("kind"))
                .and_then(Value::as_str)
            {
                self.instance_kind = kind.to_string();
            }
        }
        if let Some(db) = config.get("dynamic_batching") {
            self.dynamic_batching = true;
            if let Some(p) = db.get("preferred_batch_size").and_then(Value::as_array) {
                self.preferred_batch_sizes = p
                    .iter()
                    .filter_map(json_u64)
                    .map(|x| u32::try_from(x).unwrap_or(u32::MAX))
                    .collect();
            }
            self.max_queue_delay_us = db.get("max_queue_delay_microseconds").and_then(json_u64);
        }
    }

    /// A stable, file-name-safe identifier, also used as the variant key:
    /// `config_default` for the default; otherwise e.g.
    /// `config_i2gpu_b8_db` (instances + kind, max batch size, dynamic
    /// batching), plus `_pb4-8` / `_q100` for preferred sizes / queue delay
    /// and `_m<hash>` (FNV-1a of the canonical JSON) for manual parameters.
    pub fn name_suffix(&self) -> String {
        if self.is_default {
            return "config_default".to_string();
        }
        let kind = match self.instance_kind.as_str() {
            "KIND_GPU" => "gpu".to_string(),
            "KIND_CPU" => "cpu".to_string(),
            other => other.trim_start_matches("KIND_").to_ascii_lowercase(),
        };
        let mut s = format!(
            "config_i{}{}_b{}",
            self.instance_count, kind, self.max_batch_size
        );
        if self.dynamic_batching {
            s.push_str("_db");
        }
        if !self.preferred_batch_sizes.is_empty() {
            let p: Vec<String> = self
                .preferred_batch_sizes
                .iter()
                .map(u32::to_string)
                .collect();
            s.push_str("_pb");
            s.push_str(&p.join("-"));
        }
        if let Some(q) = self.max_queue_delay_us {
            s.push_str(&format!("_q{q}"));
        }
        if !self.manual.is_empty() {
            let mut text = String::new();
            canonical_json(
                &Value::Object(self.manual.clone().into_iter().collect()),
                &mut text,
            );
            s.push_str(&format!("_m{:08x}", crate::util::fnv1a(text.as_bytes()) as u32));
        }
        s
    }

    /// Same as [`ModelConfigVariant::name_suffix`].
    pub fn key(&self) -> String {
        self.name_suffix()
    }

    /// The fields Model Analyzer would apply to the model's config for this
    /// variant (its `param_combo`): empty for the default; for automatic
    /// variants `instance_group: [{count, kind}]`, `max_batch_size` (when the
    /// model batches) and `dynamic_batching` (with preferred sizes / delay
    /// when set); then the `manual` fields, merged on top.
    pub fn param_combo(&self) -> Map<String, Value> {
        let mut combo = Map::new();
        if self.is_default {
            return combo;
        }
        if self.automatic {
            combo.insert(
                "instance_group".into(),
                serde_json::json!([{ "count": self.instance_count, "kind": self.instance_kind }]),
            );
            if self.max_batch_size > 0 {
                combo.insert("max_batch_size".into(), Value::from(self.max_batch_size));
            }
            if self.dynamic_batching {
                let mut db = Map::new();
                if !self.preferred_batch_sizes.is_empty() {
                    db.insert(
                        "preferred_batch_size".into(),
                        Value::from(self.preferred_batch_sizes.clone()),
                    );
                }
                if let Some(q) = self.max_queue_delay_us {
                    db.insert("max_queue_delay_microseconds".into(), Value::from(q));
                }
                combo.insert("dynamic_batching".into(), Value::Object(db));
            }
        }
        for (k, v) in &self.manual {
            apply_value_to_map(k, v, &mut combo);
        }
        combo
    }

    /// Applies [`ModelConfigVariant::param_combo`] to a base `ModelConfig`
    /// JSON with Model Analyzer's merge rule
    /// (`BaseModelConfigGenerator._apply_value_to_dict`): when both the
    /// existing and the new value are objects, only the given sub-keys are
    /// overwritten (recursively); anything else is replaced.
    pub fn apply_to(&self, base: &Value) -> Value {
        let mut out = match base {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        for (k, v) in self.param_combo() {
            apply_value_to_map(&k, &v, &mut out);
        }
        Value::Object(out)
    }
}

fn apply_value_to_map(key: &str, value: &Value, map: &mut Map<String, Value>) {
    match (map.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                apply_value_to_map(k, v, existing);
            }
        }
        _ => {
            map.insert(key.to_string(), value.clone());
        }
    }
}

fn json_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    canonical_json(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}


/// One measurement of a variant at one concurrency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measurement {
    /// [`ModelConfigVariant::key`] of the measured variant (set by the search).
    pub variant_key: String,
    /// Concurrency (requests in flight).
    pub concurrency: u32,
    /// Request rate, when measured in request-rate mode.
    pub request_rate: Option<f64>,
    /// Client batch size of each request.
    pub batch_size: u32,
    /// Inferences per second.
    pub throughput: f64,
    /// p99 latency, microseconds.
    pub latency_p99_us: f64,
    /// p95 latency, microseconds.
    pub latency_p95_us: f64,
    /// p90 latency, microseconds.
    pub latency_p90_us: f64,
    /// p50 latency, microseconds.
    pub latency_p50_us: f64,
    /// Average latency, microseconds.
    pub latency_avg_us: f64,
    /// GPU memory used by the model, MB (None: not measured, e.g. no GPU).
    pub gpu_memory_mb: Option<f64>,
    /// Process RAM used by the model, MB (None: not measured).
    pub cpu_ram_mb: Option<f64>,
    /// Why the load or run failed; a failed measurement has no metrics.
    pub failed: Option<String>,
}

impl Measurement {
    /// A failed measurement.
    pub fn failure(concurrency: u32, reason: impl Into<String>) -> Self {
        Measurement {
            concurrency,
            failed: Some(reason.into()),
            ..Default::default()
        }
    }

    /// True when the measurement did not fail.
    pub fn is_valid(&self) -> bool {
        self.failed.is_none()
    }

    /// The value of `metric` in Model Analyzer's units (latency in ms, memory
    /// in MB, throughput in infer/s); None when not measured or failed.
    pub fn metric(&self, metric: Metric) -> Option<f64> {
        if !self.is_valid() {
            return None;
        }
        match metric {
            Metric::PerfThroughput => Some(self.throughput),
            Metric::PerfLatencyP99 => Some(self.latency_p99_us / 1000.0),
            Metric::PerfLatencyP95 => Some(self.latency_p95_us / 1000.0),
            Metric::PerfLatencyP90 => Some(self.latency_p90_us / 1000.0),
            Metric::PerfLatencyP50 => Some(self.latency_p50_us / 1000.0),
            Metric::PerfLatencyAvg => Some(self.latency_avg_us / 1000.0),
            Metric::GpuUsedMemory => self.gpu_memory_mb,
            Metric::CpuUsedRam => self.cpu_ram_mb,
        }
    }
}

/// Measures a variant at a client batch size and a concurrency.
/// Implementations load the variant (or reuse it when already loaded), run
/// the load, and return the metrics; failures are reported in
/// [`Measurement::failed`], never by panicking.
pub trait Measurer {
    /// Measures `variant` with requests of `batch_size` inferences each,
    /// `concurrency` requests in flight.
    fn measure(
        &mut self,
        variant: &ModelConfigVariant,
        batch_size: u32,
        concurrency: u32,
    ) -> Measurement;

    /// `batch_size` is not measured for `variant` (it exceeds the config's
    /// `max_batch_size`); called once per (variant, batch size). The default
    /// does nothing.
    fn skipped(&mut self, _variant: &ModelConfigVariant, _batch_size: u32, _reason: &str) {}

    /// True once the run was interrupted (Ctrl-C): the strategies stop at
    /// once — no further measurement, no further event. The default is never.
    fn interrupted(&self) -> bool {
        false
    }
}

// ---------------------------------------------------------------------------
// Constraints and objectives
// ---------------------------------------------------------------------------

/// False when `constraint` (a constraint name such as `gpu_used_memory`)
/// cannot be evaluated on `m` because the metric was not measured; such a
/// constraint is not applied (as in Model Analyzer, where the metric record
/// is absent) and the caller should say so.
pub fn constraint_applicable(constraint: &str, m: &Measurement) -> bool {
    Metric::from_name(constraint).is_some_and(|metric| m.metric(metric).is_some())
}

/// The set constraints that could not be applied to `m` (see
/// [`constraint_applicable`]); empty for a failed measurement.
pub fn unapplied_constraints(c: &Constraints, m: &Measurement) -> Vec<&'static str> {
    if !m.is_valid() {
        return Vec::new();
    }
    c.iter()
        .filter(|(name, _)| !constraint_applicable(name, m))
        .map(|(n, _)| n)
        .collect()
}

/// Model Analyzer's `ConstraintManager._get_failure_percentage` summed over
/// the constraints (`constraint_failure_percentage`), in percent: 0 when
/// every applicable constraint holds.
pub fn constraint_failure_percentage(c: &Constraints, m: &Measurement) -> f64 {
    let mut total = 0.0;
    for (name, bound) in c.iter() {
        let Some(value) = Metric::from_name(name).and_then(|metric| m.metric(metric)) else {
            continue;
        };
        let mut failure = 0.0;
        if let Some(min) = bound.min {
            if value < min && min != 0.0 {
                failure = (min - value) / min;
            }
        }
        if let Some(max) = bound.max {
            if value > max {
                failure = if max != 0.0 {
                    (value - max) / max
                } else {
                    f64::INFINITY
                };
            }
        }
        total += failure;
    }
    total * 100.0
}

/// True when `m` did not fail and satisfies every applicable constraint
/// (`ConstraintManager.satisfies_constraints`).
pub fn passes_constraints(c: &Constraints, m: &Measurement) -> bool {
    m.is_valid() && constraint_failure_percentage(c, m) <= 0.0
}

/// Model Analyzer's weighted comparison of two measurements
/// (`ModelConfigMeasurement._calculate_weighted_score`): the sum over the
/// objectives of `weight * gain / mean(a, b)`, with weights normalised to sum
/// to 1 (`set_metric_weighting`) and `gain = a - b` for throughput,
/// `b - a` for latency and memory (`DecreasingRecord.__sub__`). Positive when
/// `a` is better. As in Model Analyzer, a metric measured on one side only
/// decides at once (`1.0` / `-1.0`). Deviation: a metric missing on both
/// sides is skipped (Model Analyzer returns 0 for the whole comparison), and
/// a zero mean contributes nothing (Model Analyzer divides by zero).
pub fn objective_score(objectives: &Objectives, a: &Measurement, b: &Measurement) -> f64 {
    let mut score = 0.0;
    for (metric, weight) in objectives.normalized() {
        match (a.metric(metric), b.metric(metric)) {
            (Some(_), None) => return 1.0,
            (None, Some(_)) => return -1.0,
            (None, None) => continue,
            (Some(x), Some(y)) => {
                let diff = if metric.higher_is_better() {
                    x - y
                } else {
                    y - x
                };
                let mean = (x + y) / 2.0;
                if mean != 0.0 {
                    score += weight * diff / mean;
                }
            }
        }
    }
    score
}

/// `RunConfigMeasurement.is_better_than`: the weighted score exceeds
/// [`COMPARISON_SCORE_THRESHOLD`].
pub fn is_better_than(objectives: &Objectives, a: &Measurement, b: &Measurement) -> bool {
    objective_score(objectives, a, b) > COMPARISON_SCORE_THRESHOLD
}

/// `RunConfigMeasurement.compare_measurements(self=home, other)`: positive
/// when `other` is better than `home`.
pub fn compare_measurements(
    objectives: &Objectives,
    home: &Measurement,
    other: &Measurement,
) -> f64 {
    -objective_score(objectives, home, other)
}

/// `RunConfigMeasurement.compare_constraints(self=a, other=b)`: None when
/// either passes; otherwise positive when `b` is closer to passing.
pub fn compare_constraints(c: &Constraints, a: &Measurement, b: &Measurement) -> Option<f64> {
    if passes_constraints(c, a) || passes_constraints(c, b) {
        return None;
    }
    Some((constraint_failure_percentage(c, a) - constraint_failure_percentage(c, b)) / 100.0)
}

// ---------------------------------------------------------------------------
// Ranking
// ---------------------------------------------------------------------------

/// A variant with its representative measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedConfig {
    /// The variant.
    pub variant: ModelConfigVariant,
    /// Its best passing measurement, or its best measurement when none passes.
    pub best: Measurement,
    /// Whether `best` satisfies the constraints.
    pub passes: bool,
    /// How many valid measurements the variant has.
    pub measurements: usize,
}

/// Each variant's best measurement, in first-measured order: the best
/// passing one when any passes, else the best one (Model Analyzer's
/// `RunConfigResultComparator._aggregate_run_config_measurements` with
/// `max`). Failed measurements are ignored; variants with only failures are
/// omitted.
pub fn best_per_variant(
    measurements: &[(ModelConfigVariant, Measurement)],
    constraints: &Constraints,
    objectives: &Objectives,
) -> Vec<RankedConfig> {
    let mut order: Vec<String> = Vec::new();
    let mut by_key: HashMap<String, RankedConfig> = HashMap::new();
    for (variant, m) in measurements {
        if !m.is_valid() {
            continue;
        }
        let key = variant.key();
        let passes = passes_constraints(constraints, m);
        match by_key.get_mut(&key) {
            None => {
                order.push(key.clone());
                by_key.insert(
                    key,
                    RankedConfig {
                        variant: variant.clone(),
                        best: m.clone(),
                        passes,
                        measurements: 1,
                    },
                );
            }
            Some(r) => {
                r.measurements += 1;
                let replace = match (r.passes, passes) {
                    (false, true) => true,
                    (true, false) => false,
                    _ => is_better_than(objectives, m, &r.best),
                };
                if replace {
                    r.best = m.clone();
                    r.passes = passes;
                }
            }
        }
    }
    order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .collect()
}

/// Sorts best first with Model Analyzer's comparison (`SortedResults` sorts
/// with `RunConfigResult.__lt__` = `is_better_than`). An insertion sort: it
/// is stable and never panics even if the weighted comparison is not a total
/// order.
pub fn sort_ranked(ranked: &mut [RankedConfig], objectives: &Objectives) {
    sort_best_first(ranked, |r| &r.best, objectives);
}

fn sort_best_first<T>(items: &mut [T], m: impl Fn(&T) -> &Measurement, objectives: &Objectives) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && is_better_than(objectives, m(&items[j]), m(&items[j - 1])) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// The index of the representative of a config's measurements (each with
/// its constraint verdict): the best passing one by `objectives`, else the
/// best one; failed measurements are ignored (None when all failed). Ties
/// keep the first.
pub fn representative(
    measurements: &[(Measurement, bool)],
    objectives: &Objectives,
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, (m, passes)) in measurements.iter().enumerate() {
        if !m.is_valid() {
            continue;
        }
        let replace = match best {
            None => true,
            Some(b) => {
                let (bm, bp) = &measurements[b];
                match (bp, passes) {
                    (false, true) => true,
                    (true, false) => false,
                    _ => is_better_than(objectives, m, bm),
                }
            }
        };
        if replace {
            best = Some(i);
        }
    }
    best
}

/// Ranks candidates of any kind (for instance configs of several models,
/// `num_top_model_configs`) by their representative measurement and
/// constraint verdict, as [`top_configs`] does: the passing ones best first,
/// or when none passes the failing ones; at most `n`.
pub fn rank_candidates<T>(
    candidates: Vec<(T, Measurement, bool)>,
    objectives: &Objectives,
    n: usize,
) -> Vec<(T, Measurement, bool)> {
    let (mut passing, mut failing): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .filter(|c| c.1.is_valid())
        .partition(|c| c.2);
    let list = if passing.is_empty() {
        &mut failing
    } else {
        &mut passing
    };
    sort_best_first(list, |c| &c.1, objectives);
    list.truncate(n);
    std::mem::take(list)
}

/// The `n` best variants (`SortedResults.top_n_results`): passing variants
/// only, best first; when none passes, the best `n` failing ones.
pub fn top_configs(
    measurements: &[(ModelConfigVariant, Measurement)],
    constraints: &Constraints,
    objectives: &Objectives,
    n: usize,
) -> Vec<RankedConfig> {
    let ranked = best_per_variant(measurements, constraints, objectives);
    let (mut passing, mut failing): (Vec<_>, Vec<_>) = ranked.into_iter().partition(|r| r.passes);
    let list = if passing.is_empty() {
        &mut failing
    } else {
        &mut passing
    };
    sort_ranked(list, objectives);
    list.truncate(n);
    std::mem::take(list)
}

// ---------------------------------------------------------------------------
// Manual sweep (model_config_parameters)
// ---------------------------------------------------------------------------

/// Expands a `model_config_parameters` specification into the list of
/// parameter combinations it describes, with Model Analyzer's sweep rules
/// (`ConfigSweep` + `GeneratorUtils.generate_combinations`): a list given for
/// a singular field is a list of alternatives; for a repeated field of
/// Triton's `ModelConfig` (`instance_group`, `preferred_batch_size`, ...) a
/// list is one value unless it is a list of lists (then each inner list is an
/// alternative); objects combine their fields' alternatives as a cartesian
/// product, and so do the elements of a repeated field's value. Keys vary in
/// sorted order, the first slowest.
pub fn expand_model_config_parameters(
    params: &BTreeMap<String, Value>,
) -> Vec<BTreeMap<String, Value>> {
    let obj: Map<String, Value> = params.clone().into_iter().collect();
    object_alternatives(&obj, pbtxt::MODEL_CONFIG_TYPE, false)
        .into_iter()
        .map(|m| match m {
            Value::Object(o) => o.into_iter().collect(),
            _ => BTreeMap::new(),
        })
        .collect()
}

fn object_alternatives(obj: &Map<String, Value>, ty: &str, map_values_of: bool) -> Vec<Value> {
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort();
    let mut combos: Vec<Map<String, Value>> = vec![Map::new()];
    for k in keys {
        let Some(v) = obj.get(k) else { continue };
        let alts = if map_values_of {
            // a map field's entry: the value has the map's value type
            field_alternatives_typed(v, ty, false)
        } else {
            field_alternatives(ty, k, v)
        };
        let mut next = Vec::with_capacity(combos.len() * alts.len().max(1));
        for c in &combos {
            for a in &alts {
                let mut c2 = c.clone();
                c2.insert(k.clone(), a.clone());
                next.push(c2);
            }
        }
        combos = next;
    }
    combos.into_iter().map(Value::Object).collect()
}

/// Alternatives for field `field` of message type `ty` given value `v`.
fn field_alternatives(ty: &str, field: &str, v: &Value) -> Vec<Value> {
    let child = pbtxt::child_type(ty, field).unwrap_or("");
    if pbtxt::is_map_field(ty, field) {
        return match v {
            Value::Object(m) => object_alternatives(m, child, true),
            Value::Array(items) => items
                .iter()
                .flat_map(|i| field_alternatives(ty, field, i))
                .collect(),
            other => vec![other.clone()],
        };
    }
    field_alternatives_typed(v, child, pbtxt::is_repeated_field(ty, field))
}

fn field_alternatives_typed(v: &Value, child: &str, repeated: bool) -> Vec<Value> {
    match v {
        Value::Array(items) if repeated => {
            if !items.is_empty() && items.iter().all(Value::is_array) {
                items
                    .iter()
                    .flat_map(|i| list_value_alternatives(i, child))
                    .collect()
            } else {
                list_value_alternatives(v, child)
            }
        }
        Value::Array(items) => items
            .iter()
            .flat_map(|i| field_alternatives_typed(i, child, false))
            .collect(),
        Value::Object(m) => object_alternatives(m, child, false),
        other => vec![other.clone()],
    }
}

/// Alternatives for one value of a repeated field: the product of its
/// elements' alternatives.
fn list_value_alternatives(list: &Value, child: &str) -> Vec<Value> {
    let Value::Array(items) = list else {
        return vec![list.clone()];
    };
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for item in items {
        let alts = match item {
            Value::Object(m) => object_alternatives(m, child, false),
            other => vec![other.clone()],
        };
        let mut next = Vec::new();
        for c in &combos {
            for a in &alts {
                let mut c2 = c.clone();
                c2.push(a.clone());
                next.push(c2);
            }
        }
        combos = next;
    }
    combos.into_iter().map(Value::Array).collect()
}

/// The manual-sweep variants of `model_config_parameters`, grouped as Model
/// Analyzer's `ManualModelConfigGenerator` walks them: one group per
/// combination of the parameters other than `max_batch_size`, each group
/// listing that combination with every `max_batch_size` alternative (or
/// alone when `max_batch_size` is not given). Informational fields are
/// filled from the combination, falling back to `default`.
pub fn manual_variant_groups(
    params: &BTreeMap<String, Value>,
    default: &ModelConfigVariant,
) -> Vec<Vec<ModelConfigVariant>> {
    if params.is_empty() {
        return Vec::new();
    }
    let mut rest = params.clone();
    let mbs_alternatives = rest
        .remove("max_batch_size")
        .map(|v| field_alternatives(pbtxt::MODEL_CONFIG_TYPE, "max_batch_size", &v));
    let combos = if rest.is_empty() {
        vec![BTreeMap::new()]
    } else {
        expand_model_config_parameters(&rest)
    };
    combos
        .into_iter()
        .map(|combo| match &mbs_alternatives {
            Some(list) => list
                .iter()
                .map(|mbs| {
                    let mut c = combo.clone();
                    c.insert("max_batch_size".into(), mbs.clone());
                    manual_variant(c, default)
                })
                .collect(),
            None => vec![manual_variant(combo, default)],
        })
        .collect()
}

fn manual_variant(
    combo: BTreeMap<String, Value>,
    default: &ModelConfigVariant,
) -> ModelConfigVariant {
    let mut v = default.clone();
    v.is_default = false;
    v.automatic = false;
    let partial: Map<String, Value> = combo.clone().into_iter().collect();
    v.describe_from(&Value::Object(partial));
    v.manual = combo;
    v
}

/// Whether a model batches and may use dynamic batching, from its own
/// `ModelConfig` JSON (Model Analyzer's `ModelProfileSpec.supports_batching`:
/// `max_batch_size > 0`; `supports_dynamic_batching`: batching and no
/// `sequence_batching`).
pub fn model_batching_support(config: &Value) -> (bool, bool) {
    let batching = config
        .get("max_batch_size")
        .and_then(json_u64)
        .is_some_and(|m| m > 0);
    let dynamic = batching && config.get("sequence_batching").is_none();
    (batching, dynamic)
}

/// The instance kind given in `model_config_parameters.instance_group`, if
/// any (quick search's `_extract_instance_group_kind`: unwraps nested lists,
/// takes the first group's `kind`, itself possibly a one-element list).
pub fn instance_kind_from_parameters(params: &BTreeMap<String, Value>) -> Option<String> {
    let mut ig = params.get("instance_group")?;
    while let Value::Array(items) = ig {
        ig = items.first()?;
        if ig.is_object() {
            break;
        }
    }
    let mut kind = ig.get("kind")?;
    if let Value::Array(items) = kind {
        kind = items.first()?;
    }
    match kind.as_str()? {
        k @ ("KIND_CPU" | "KIND_GPU") => Some(k.to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Search space, events, outcome
// ---------------------------------------------------------------------------

/// The bounds and settings of one model's search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpace {
    /// Model name (for messages).
    pub model_name: String,
    /// `run_config_search_min_model_batch_size`.
    pub min_model_batch_size: u32,
    /// `run_config_search_max_model_batch_size`.
    pub max_model_batch_size: u32,
    /// `run_config_search_min_instance_count`.
    pub min_instance_count: u32,
    /// `run_config_search_max_instance_count`.
    pub max_instance_count: u32,
    /// `run_config_search_min_concurrency`.
    pub min_concurrency: u32,
    /// `run_config_search_max_concurrency`.
    pub max_concurrency: u32,
    /// Explicit concurrency values (`concurrency` / `parameters.concurrency`);
    /// empty: sweep.
    pub concurrency_list: Vec<u32>,
    /// Client batch sizes to measure each config with (`batch_sizes` /
    /// `parameters.batch_sizes`, or perf_analyzer's `batch-size` flag, which
    /// overrides them as in Model Analyzer), sorted, never empty.
    pub batch_sizes: Vec<u32>,
    /// Client batch size of quick search's climb and of its default-config
    /// measurement (Model Analyzer: 1, or perf_analyzer's `batch-size`).
    pub search_batch_size: u32,
    /// For an ensemble: the ensemble's own `max_batch_size`, which bounds the
    /// client batch size (the searched fields apply to its composing models).
    pub ensemble_max_batch_size: Option<u32>,
    /// The model's own config has `max_batch_size > 0`.
    pub supports_batching: bool,
    /// Batching and no `sequence_batching` (`supports_dynamic_batching`).
    pub supports_dynamic_batching: bool,
    /// The model's own config ([`ModelConfigVariant::is_default`]).
    pub default_variant: ModelConfigVariant,
    /// Instance kind of searched variants (`KIND_GPU`, or `KIND_CPU` for
    /// `cpu_only` models / machines without GPUs).
    pub instance_kind: String,
    /// Constraints (per-model or global, with shorthands applied).
    pub constraints: Constraints,
    /// Objectives.
    pub objectives: Objectives,
    /// `num_configs_per_model`: how many top configs get the final sweep.
    pub num_configs_per_model: u32,
    /// `run_config_search_max_binary_search_steps`.
    pub max_binary_search_steps: u32,
    /// `early_exit_enable`: allow early exits also when values were given
    /// explicitly.
    pub early_exit_enable: bool,
    /// `run_config_search_disable`: measure the default config (and manual
    /// parameters) only.
    pub search_disabled: bool,
    /// `concurrency_sweep_disable`: skip quick search's final sweep.
    pub concurrency_sweep_disable: bool,
    /// The model's `model_config_parameters` (manual sweep), if any.
    pub model_config_parameters: Option<BTreeMap<String, Value>>,
}

impl SearchSpace {
    /// A space with Model Analyzer's default bounds.
    pub fn new(
        model_name: impl Into<String>,
        default_variant: ModelConfigVariant,
        supports_batching: bool,
    ) -> Self {
        SearchSpace {
            model_name: model_name.into(),
            min_model_batch_size: 1,
            max_model_batch_size: 128,
            min_instance_count: 1,
            max_instance_count: 5,
            min_concurrency: 1,
            max_concurrency: 1024,
            concurrency_list: Vec::new(),
            batch_sizes: vec![1],
            search_batch_size: 1,
            ensemble_max_batch_size: None,
            supports_batching,
            supports_dynamic_batching: supports_batching,
            default_variant,
            instance_kind: "KIND_GPU".to_string(),
            constraints: Constraints::default(),
            objectives: Objectives::default(),
            num_configs_per_model: 3,
            max_binary_search_steps: 5,
            early_exit_enable: false,
            search_disabled: false,
            concurrency_sweep_disable: false,
            model_config_parameters: None,
        }
    }

    /// The space of `model` under `cfg`. `supports_batching` /
    /// `supports_dynamic_batching` come from the model's own config;
    /// `cpu_only` is true when the machine has no usable GPU (the model's own
    /// `cpu_only` is honoured too, and an explicit `kind` in
    /// `model_config_parameters.instance_group` wins over both).
    pub fn from_config(
        cfg: &ProfileConfig,
        model: &ProfileModelSpec,
        default_variant: ModelConfigVariant,
        supports_batching: bool,
        supports_dynamic_batching: bool,
        cpu_only: bool,
    ) -> Self {
        let params = cfg.effective_parameters(model);
        let mut kind = if cpu_only || model.cpu_only {
            "KIND_CPU"
        } else {
            "KIND_GPU"
        }
        .to_string();
        if let Some(k) = model
            .model_config_parameters
            .as_ref()
            .and_then(instance_kind_from_parameters)
        {
            kind = k;
        }
        let mut concurrency_list = params.concurrency;
        if concurrency_list.is_empty() && cfg.run_config_search_disable {
            // _preprocess_and_verify_arguments: search disabled and no load given
            concurrency_list = vec![1];
        }
        // perf_analyzer_flags are applied after the batch sizes
        // (`_update_perf_config_based_on_perf_analyzer_flags`): `batch-size`
        // there wins for every measurement.
        let flag_batch = cfg
            .effective_perf_analyzer_flags(model)
            .batch_size()
            .filter(|b| *b > 0);
        let batch_sizes = match flag_batch {
            Some(b) => vec![b],
            None => normalized_batch_sizes(&params.batch_sizes),
        };
        SearchSpace {
            model_name: model.name.clone(),
            min_model_batch_size: cfg.run_config_search_min_model_batch_size,
            max_model_batch_size: cfg.run_config_search_max_model_batch_size,
            min_instance_count: cfg.run_config_search_min_instance_count,
            max_instance_count: cfg.run_config_search_max_instance_count,
            min_concurrency: cfg.run_config_search_min_concurrency,
            max_concurrency: cfg.run_config_search_max_concurrency,
            concurrency_list,
            batch_sizes,
            search_batch_size: flag_batch.unwrap_or(1),
            ensemble_max_batch_size: None,
            supports_batching,
            supports_dynamic_batching,
            default_variant,
            instance_kind: kind,
            constraints: cfg.effective_constraints(model),
            objectives: cfg.effective_objectives(model),
            num_configs_per_model: cfg.num_configs_per_model,
            max_binary_search_steps: cfg.run_config_search_max_binary_search_steps,
            early_exit_enable: cfg.early_exit_enable,
            search_disabled: cfg.run_config_search_disable,
            concurrency_sweep_disable: cfg.concurrency_sweep_disable,
            model_config_parameters: model
                .model_config_parameters
                .clone()
                .filter(|p| !p.is_empty()),
        }
    }

    /// The largest client batch size `variant` accepts: its
    /// `max_batch_size`, at least 1 (Model Analyzer's
    /// `_check_for_client_vs_model_batch_size`); for an ensemble the
    /// ensemble's own `max_batch_size`, lowered to the variant's when the
    /// search sets it (see `EmbeddedMeasurer::config_json`).
    pub fn client_batch_limit(&self, variant: &ModelConfigVariant) -> u32 {
        let own = match self.ensemble_max_batch_size {
            None => variant.max_batch_size,
            Some(e) if variant.automatic && variant.max_batch_size > 0 => {
                e.min(variant.max_batch_size)
            }
            Some(e) => e,
        };
        own.max(1)
    }

    fn automatic_variant(&self, max_batch_size: u32, instance_count: u32) -> ModelConfigVariant {
        let mbs = if self.supports_batching {
            max_batch_size
        } else {
            self.default_variant.max_batch_size
        };
        ModelConfigVariant::automatic(
            mbs,
            instance_count,
            &self.instance_kind,
            self.supports_dynamic_batching,
        )
    }
}

/// The worst case of a brute search of `space`: (configs it may load, the
/// default included; measurements it may take), with no early exit and no
/// reuse of measured points. Used to announce large spaces before they start
/// (`bench::limits::LARGE_SEARCH_SPACE`). Saturating, never overflows.
pub fn brute_worst_case(space: &SearchSpace) -> (u64, u64) {
    let configs: u64 = if let Some(params) = &space.model_config_parameters {
        let manual: u64 = manual_variant_groups(params, &space.default_variant).iter().map(|g| g.len() as u64).sum();
        manual.saturating_add(1)
    } else if space.search_disabled {
        1
    } else {
        let instances = u64::from(space.max_instance_count.saturating_sub(space.min_instance_count)) + 1;
        let sizes = if space.supports_batching { doubled_list(space.min_model_batch_size, space.max_model_batch_size).len().max(1) as u64 } else { 1 };
        instances.saturating_mul(sizes).saturating_add(1)
    };
    let concurrencies = if !space.concurrency_list.is_empty() {
        let mut l = space.concurrency_list.clone();
        l.sort_unstable();
        l.dedup();
        l.len() as u64
    } else if space.search_disabled {
        1
    } else {
        doubled_list(space.min_concurrency, space.max_concurrency).len() as u64
    };
    let batches = space.batch_sizes.len().max(1) as u64;
    let mut measurements = configs.saturating_mul(batches).saturating_mul(concurrencies);
    if space.concurrency_list.is_empty() && !space.search_disabled {
        // Final sweep of the top configs and the default: powers of two plus the binary search.
        let steps = u64::from(floor_log2(space.max_concurrency.max(1)) - floor_log2(space.min_concurrency.max(1)) + 1) + u64::from(space.max_binary_search_steps);
        let swept = u64::from(space.num_configs_per_model).saturating_add(1).min(configs);
        measurements = measurements.saturating_add(swept.saturating_mul(batches).saturating_mul(steps));
    }
    (configs, measurements)
}

/// Client batch sizes as the search walks them: sorted, deduplicated, 0
/// dropped, `[1]` when nothing is left.
pub fn normalized_batch_sizes(sizes: &[u32]) -> Vec<u32> {
    let mut v: Vec<u32> = sizes.iter().copied().filter(|b| *b > 0).collect();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        v.push(1);
    }
    v
}

/// A stage of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPhase {
    /// The model's default config.
    Baseline,
    /// Brute force over instance count x max batch size.
    Brute,
    /// Manual sweep of `model_config_parameters`.
    Manual,
    /// Quick search's hill climbing.
    Quick,
    /// Final concurrency sweep (+ binary search) of the top configs.
    ConcurrencySweep,
}

/// Progress reported while searching.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchEvent {
    /// A phase begins.
    PhaseStarted(SearchPhase),
    /// A measurement was taken (`cached`: reused, the measurer was not called).
    Measured {
        /// Current phase.
        phase: SearchPhase,
        /// The measured variant.
        variant: Box<ModelConfigVariant>,
        /// The measurement.
        measurement: Box<Measurement>,
        /// Whether it satisfies the constraints.
        passes: bool,
        /// True when reused from an earlier identical measurement.
        cached: bool,
    },
    /// A client batch size was not measured for a variant (larger than its
    /// `max_batch_size`).
    Skipped {
        /// Current phase.
        phase: SearchPhase,
        /// The variant.
        variant_key: String,
        /// The client batch size not measured.
        batch_size: u32,
        /// Why.
        reason: String,
    },
    /// A sweep stopped early.
    EarlyExit {
        /// Current phase.
        phase: SearchPhase,
        /// The variant whose sweep stopped.
        variant_key: String,
        /// Why.
        reason: String,
    },
    /// Other information (quick-search steps, warnings).
    Note(String),
}

/// The result of a search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchOutcome {
    /// Every measurement taken, in order (each measurer call once).
    pub measurements: Vec<(ModelConfigVariant, Measurement)>,
    /// The top `num_configs_per_model` variants (see [`top_configs`]).
    pub top: Vec<RankedConfig>,
    /// The default config's best measurement, always reported separately.
    pub default: Option<RankedConfig>,
}

impl SearchOutcome {
    /// Number of measurer calls.
    pub fn measurement_count(&self) -> usize {
        self.measurements.len()
    }

    /// Number of distinct variants measured.
    pub fn variant_count(&self) -> usize {
        let mut keys: Vec<String> = self.measurements.iter().map(|(v, _)| v.key()).collect();
        keys.sort();
        keys.dedup();
        keys.len()
    }
}

/// A search strategy: adding a smarter search means adding one type.
pub trait SearchStrategy {
    /// Short name (`brute`, `quick`).
    fn name(&self) -> &'static str;
    /// Runs the search.
    fn run(
        &mut self,
        space: &SearchSpace,
        measurer: &mut dyn Measurer,
        on_event: &mut dyn FnMut(SearchEvent),
    ) -> SearchOutcome;
}

/// The strategy for a configured search mode (None for `optuna`, which
/// tritium does not implement).
pub fn strategy_for(mode: SearchMode) -> Option<Box<dyn SearchStrategy>> {
    match mode {
        SearchMode::Brute => Some(Box::new(BruteSearch)),
        SearchMode::Quick => Some(Box::new(QuickSearch)),
        SearchMode::Optuna => None,
    }
}

// ---------------------------------------------------------------------------
// Runner: measurement cache and bookkeeping shared by the strategies
// ---------------------------------------------------------------------------

struct Runner<'a> {
    space: &'a SearchSpace,
    measurer: &'a mut dyn Measurer,
    on_event: &'a mut dyn FnMut(SearchEvent),
    cache: HashMap<(String, u32, u32), Measurement>,
    skipped: std::collections::HashSet<(String, u32)>,
    measurements: Vec<(ModelConfigVariant, Measurement)>,
    phase: SearchPhase,
}

impl<'a> Runner<'a> {
    fn new(
        space: &'a SearchSpace,
        measurer: &'a mut dyn Measurer,
        on_event: &'a mut dyn FnMut(SearchEvent),
    ) -> Self {
        Runner {
            space,
            measurer,
            on_event,
            cache: HashMap::new(),
            skipped: std::collections::HashSet::new(),
            measurements: Vec::new(),
            phase: SearchPhase::Baseline,
        }
    }

    /// The run was interrupted: measure nothing more, report nothing more.
    fn stopped(&self) -> bool {
        self.measurer.interrupted()
    }

    fn phase(&mut self, phase: SearchPhase) {
        self.phase = phase;
        if self.stopped() {
            return;
        }
        (self.on_event)(SearchEvent::PhaseStarted(phase));
    }

    fn note(&mut self, text: String) {
        if self.stopped() {
            return;
        }
        (self.on_event)(SearchEvent::Note(text));
    }

    fn early_exit(&mut self, variant: &ModelConfigVariant, reason: &str) {
        if self.stopped() {
            return;
        }
        (self.on_event)(SearchEvent::EarlyExit {
            phase: self.phase,
            variant_key: variant.key(),
            reason: reason.to_string(),
        });
    }

    fn passes(&self, m: &Measurement) -> bool {
        passes_constraints(&self.space.constraints, m)
    }

    fn measure(
        &mut self,
        variant: &ModelConfigVariant,
        batch_size: u32,
        concurrency: u32,
    ) -> Measurement {
        if self.stopped() {
            return Measurement::failure(concurrency, "interrupted");
        }
        let key = variant.key();
        if let Some(m) = self.cache.get(&(key.clone(), batch_size, concurrency)) {
            let m = m.clone();
            let passes = self.passes(&m);
            (self.on_event)(SearchEvent::Measured {
                phase: self.phase,
                variant: Box::new(variant.clone()),
                measurement: Box::new(m.clone()),
                passes,
                cached: true,
            });
            return m;
        }
        let mut m = self.measurer.measure(variant, batch_size, concurrency);
        if self.stopped() {
            // Interrupted during this measurement: it is not a result, and nothing more is reported.
            return Measurement::failure(concurrency, "interrupted");
        }
        m.variant_key = key.clone();
        m.batch_size = batch_size;
        m.concurrency = concurrency;
        self.cache.insert((key, batch_size, concurrency), m.clone());
        self.measurements.push((variant.clone(), m.clone()));
        let passes = self.passes(&m);
        (self.on_event)(SearchEvent::Measured {
            phase: self.phase,
            variant: Box::new(variant.clone()),
            measurement: Box::new(m.clone()),
            passes,
            cached: false,
        });
        m
    }

    /// [`Runner::measure`] when `variant` accepts `batch_size`; otherwise the
    /// size is reported as skipped and a failure is returned (not measured).
    fn measure_checked(
        &mut self,
        variant: &ModelConfigVariant,
        batch_size: u32,
        concurrency: u32,
    ) -> Measurement {
        if batch_size <= self.space.client_batch_limit(variant) {
            return self.measure(variant, batch_size, concurrency);
        }
        self.allowed_batch_sizes(variant, &[batch_size]);
        Measurement::failure(
            concurrency,
            format!("client batch size {batch_size} exceeds the config's max_batch_size"),
        )
    }

    /// The sizes of `sizes` `variant` accepts; the others are reported as
    /// skipped (once per variant and size).
    fn allowed_batch_sizes(&mut self, variant: &ModelConfigVariant, sizes: &[u32]) -> Vec<u32> {
        let limit = self.space.client_batch_limit(variant);
        let mut allowed = Vec::new();
        for &b in sizes {
            if b <= limit {
                allowed.push(b);
                continue;
            }
            if !self.stopped() && self.skipped.insert((variant.key(), b)) {
                let reason = if limit == 1
                    && variant.max_batch_size == 0
                    && self.space.ensemble_max_batch_size.is_none()
                {
                    format!("client batch size {b} exceeds the config's max_batch_size 0 (no batching: batch size 1 only)")
                } else {
                    format!("client batch size {b} exceeds the config's max_batch_size {limit}")
                };
                self.measurer.skipped(variant, b, &reason);
                (self.on_event)(SearchEvent::Skipped {
                    phase: self.phase,
                    variant_key: variant.key(),
                    batch_size: b,
                    reason,
                });
            }
        }
        allowed
    }

    fn top(&self, n: usize) -> Vec<RankedConfig> {
        top_configs(
            &self.measurements,
            &self.space.constraints,
            &self.space.objectives,
            n,
        )
    }

    /// The top `num_configs_per_model` variants plus the default
    /// (`ResultManager.top_n_results(include_default=True)`).
    fn top_with_default(&self) -> Vec<ModelConfigVariant> {
        let mut out: Vec<ModelConfigVariant> = self
            .top(self.space.num_configs_per_model as usize)
            .into_iter()
            .map(|r| r.variant)
            .collect();
        let dkey = self.space.default_variant.key();
        if !out.iter().any(|v| v.key() == dkey) {
            out.push(self.space.default_variant.clone());
        }
        out
    }

    fn finish(self) -> SearchOutcome {
        let top = self.top(self.space.num_configs_per_model as usize);
        let dkey = self.space.default_variant.key();
        let default = best_per_variant(
            &self.measurements,
            &self.space.constraints,
            &self.space.objectives,
        )
        .into_iter()
        .find(|r| r.variant.key() == dkey);
        SearchOutcome {
            measurements: self.measurements,
            top,
            default,
        }
    }

    // -- concurrency sweeps ------------------------------------------------

    /// The concurrency values of a brute-mode sweep and whether early exit is
    /// on (`PerfAnalyzerConfigGenerator._create_concurrency_list`,
    /// `ModelRunConfigGenerator._determine_early_exit_enables`).
    fn brute_concurrencies(&self) -> (Vec<u32>, bool) {
        let s = self.space;
        if !s.concurrency_list.is_empty() {
            let mut l = s.concurrency_list.clone();
            l.sort_unstable();
            l.dedup();
            (l, s.early_exit_enable)
        } else if s.search_disabled {
            (vec![1], s.early_exit_enable)
        } else {
            (doubled_list(s.min_concurrency, s.max_concurrency), true)
        }
    }

    /// `PerfAnalyzerConfigGenerator`: for each allowed client batch size in
    /// increasing order, measure the concurrencies in order. The concurrency
    /// walk of a batch size stops, with early exit, when the throughput gain
    /// over its last `THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES` points
    /// is not above `THROUGHPUT_MINIMUM_GAIN` (`_done_walking_parameters`);
    /// the batch-size walk stops, with early exit, when the best throughputs
    /// of the last `THROUGHPUT_MINIMUM_CONSECUTIVE_BATCH_SIZE_TRIES` batch
    /// sizes do not gain enough (`_done_walking_non_parameters`); a failed
    /// measurement ends both (`_last_results_erroneous`). Returns the maximum
    /// throughput over every batch size (None when every measurement failed
    /// or nothing was measured).
    fn perf_sweep(
        &mut self,
        variant: &ModelConfigVariant,
        values: &[u32],
        early_exit: bool,
    ) -> Option<f64> {
        let mut overall: Option<f64> = None;
        let mut batch_best: Vec<f64> = Vec::new();
        let space = self.space;
        let batches = self.allowed_batch_sizes(variant, &space.batch_sizes);
        for (bi, &b) in batches.iter().enumerate() {
            if self.stopped() {
                break;
            }
            let mut throughputs: Vec<f64> = Vec::new();
            let mut failed = false;
            for &c in values {
                let m = self.measure(variant, b, c);
                if !m.is_valid() {
                    failed = true;
                    break;
                }
                throughputs.push(m.throughput);
                if early_exit
                    && !throughput_gain_valid(
                        &throughputs,
                        THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES,
                        THROUGHPUT_MINIMUM_GAIN,
                    )
                {
                    self.early_exit(
                        variant,
                        &format!("throughput plateaued at batch size {b}; no longer increasing concurrency"),
                    );
                    break;
                }
            }
            let best = throughputs
                .iter()
                .copied()
                .fold(None, |acc: Option<f64>, t| {
                    Some(acc.map_or(t, |a| a.max(t)))
                });
            if let Some(t) = best {
                overall = Some(overall.map_or(t, |a| a.max(t)));
                batch_best.push(t);
            }
            if failed {
                let rest = if bi + 1 < batches.len() {
                    " (larger batch sizes included)"
                } else {
                    ""
                };
                self.early_exit(
                    variant,
                    &format!("a measurement failed at batch size {b}; stopping the sweep of this config{rest}"),
                );
                break;
            }
            if early_exit
                && bi + 1 < batches.len()
                && !throughput_gain_valid(
                    &batch_best,
                    THROUGHPUT_MINIMUM_CONSECUTIVE_BATCH_SIZE_TRIES,
                    THROUGHPUT_MINIMUM_GAIN,
                )
            {
                self.early_exit(
                    variant,
                    "throughput plateaued; no longer increasing the client batch size",
                );
                break;
            }
        }
        overall
    }

    /// `ParameterSearch.search_parameters`: sweep concurrency over powers of
    /// two from `2^floor(log2 min)` to `2^floor(log2 max)`, stopping when the
    /// objective gain over the last 4 points saturates below 5%; then, if a
    /// constraint flips from passing to failing between two consecutive
    /// points, binary-search between them for up to
    /// `max_binary_search_steps` steps.
    fn parameter_search(&mut self, variant: &ModelConfigVariant, batch_size: u32) {
        let min_idx = floor_log2(self.space.min_concurrency.max(1));
        let max_idx = floor_log2(self.space.max_concurrency.max(1));
        let mut params: Vec<u32> = Vec::new();
        let mut results: Vec<Option<Measurement>> = Vec::new();
        for i in min_idx..=max_idx {
            if self.stopped() {
                return;
            }
            if results.len() >= THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES
                && self.objective_gain(&results) < THROUGHPUT_MINIMUM_GAIN
            {
                self.early_exit(
                    variant,
                    "objective gain saturated; terminating concurrency sweep",
                );
                break;
            }
            let c = 1u32 << i;
            let m = self.measure(variant, batch_size, c);
            params.push(c);
            results.push(m.is_valid().then_some(m));
        }
        let Some((mut lo, mut hi)) = self.constraint_boundary(&params, &results) else {
            return;
        };
        for _ in 0..self.space.max_binary_search_steps {
            if self.stopped() {
                return;
            }
            let mid = lo + (hi - lo) / 2;
            if mid == lo || mid == hi || mid == 0 {
                break;
            }
            let m = self.measure(variant, batch_size, mid);
            if !m.is_valid() {
                self.early_exit(variant, "a measurement failed; stopping the binary search");
                break;
            }
            if self.passes(&m) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }

    /// `ParameterSearch._calculate_gain`: the first of the last 4 points
    /// compared with the best of them (by objectives).
    fn objective_gain(&self, results: &[Option<Measurement>]) -> f64 {
        let window = &results[results.len() - THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES..];
        let first = window[0].as_ref();
        let mut best: Option<&Measurement> = None;
        for m in window.iter().flatten() {
            if best.is_none_or(|b| is_better_than(&self.space.objectives, m, b)) {
                best = Some(m);
            }
        }
        match (first, best) {
            (None, None) => 0.0,
            (None, Some(_)) => 1.0,
            (Some(_), None) => -1.0,
            (Some(f), Some(b)) => compare_measurements(&self.space.objectives, f, b),
        }
    }

    /// `ParameterSearch._was_constraint_violated`: the last (from the end)
    /// pair of consecutive valid points where the earlier passes and the later
    /// fails; or `(0, first)` when the first point already fails.
    fn constraint_boundary(
        &self,
        params: &[u32],
        results: &[Option<Measurement>],
    ) -> Option<(u32, u32)> {
        for i in (1..results.len()).rev() {
            if let (Some(cur), Some(prev)) = (&results[i], &results[i - 1]) {
                if !self.passes(cur) && self.passes(prev) {
                    return Some((params[i - 1], params[i]));
                }
            }
        }
        match results.first() {
            Some(Some(m)) if !self.passes(m) => Some((0, params[0])),
            _ => None,
        }
    }

    /// The final sweep of the top configs and the default, for each client
    /// batch size they accept.
    fn sweep_top_configs(&mut self) {
        self.phase(SearchPhase::ConcurrencySweep);
        let space = self.space;
        for variant in self.top_with_default() {
            if self.stopped() {
                return;
            }
            for b in self.allowed_batch_sizes(&variant, &space.batch_sizes) {
                self.parameter_search(&variant, b);
            }
        }
    }
}

/// `GeneratorUtils.generate_doubled_list`: `min, 2min, 4min, ... <= max`
/// (starting at 1 when `min` is 0).
pub fn doubled_list(min: u32, max: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut v = if min == 0 { 1 } else { min };
    while v <= max {
        out.push(v);
        match v.checked_mul(2) {
            Some(n) => v = n,
            None => break,
        }
    }
    out
}

fn floor_log2(v: u32) -> u32 {
    31 - v.max(1).leading_zeros()
}

/// `PerfAnalyzerConfigGenerator.throughput_gain_valid_helper`: true while
/// fewer than `min_tries` points exist, else when
/// `(max(last) - first(last)) / first(last) > min_gain` over the last
/// `min_tries` throughputs. (A first throughput of 0 counts as infinite gain
/// if any later point is positive; Model Analyzer would divide by zero.)
pub fn throughput_gain_valid(throughputs: &[f64], min_tries: usize, min_gain: f64) -> bool {
    if min_tries == 0 || throughputs.len() < min_tries {
        return true;
    }
    let window = &throughputs[throughputs.len() - min_tries..];
    let first = window[0];
    let best = window.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if first == 0.0 {
        return best > 0.0;
    }
    (best - first) / first > min_gain
}

/// `BaseModelConfigGenerator._last_results_increased_throughput`: true with
/// fewer than 2 values, else when the last exceeds every earlier one.
pub fn last_increased_throughput(max_throughputs: &[f64]) -> bool {
    match max_throughputs.split_last() {
        Some((last, earlier)) if !earlier.is_empty() => earlier.iter().all(|p| last > p),
        _ => true,
    }
}

// ---------------------------------------------------------------------------
// Brute search
// ---------------------------------------------------------------------------

/// Model Analyzer's brute search (`BrutePlusBinaryParameterSearchRunConfigGenerator`).
///
/// 1. The default config, with the concurrency sweep.
/// 2. Automatic mode (no `model_config_parameters`): for each instance count
///    from min to max, `max_batch_size` doubling from min to max (a single
///    config when the model does not batch), `dynamic_batching` on when the
///    model supports it (`AutomaticModelConfigGenerator`); each config gets
///    the concurrency sweep. Growing `max_batch_size` stops when every
///    measurement of a config failed, when the next size exceeds the max, or
///    when the config's best throughput did not beat every smaller size of
///    the same instance count. Manual mode: the combinations of
///    [`manual_variant_groups`] (`ManualModelConfigGenerator`; its
///    `max_batch_size` early exit only with `early_exit_enable`).
/// 3. When concurrency was searched (not given), a `ParameterSearch`-style
///    sweep with binary search on the constraint boundary for the top
///    `num_configs_per_model` configs and the default; points already
///    measured are reused.
#[derive(Debug, Clone, Copy, Default)]
pub struct BruteSearch;

impl SearchStrategy for BruteSearch {
    fn name(&self) -> &'static str {
        "brute"
    }

    fn run(
        &mut self,
        space: &SearchSpace,
        measurer: &mut dyn Measurer,
        on_event: &mut dyn FnMut(SearchEvent),
    ) -> SearchOutcome {
        let mut r = Runner::new(space, measurer, on_event);
        let (concurrencies, pa_early_exit) = r.brute_concurrencies();

        r.phase(SearchPhase::Baseline);
        r.perf_sweep(&space.default_variant, &concurrencies, pa_early_exit);

        if let Some(params) = &space.model_config_parameters {
            r.phase(SearchPhase::Manual);
            let mcg_early_exit = space.early_exit_enable;
            for group in manual_variant_groups(params, &space.default_variant) {
                if r.stopped() {
                    break;
                }
                let mut best_throughputs: Vec<f64> = Vec::new();
                for (i, variant) in group.iter().enumerate() {
                    if r.stopped() {
                        break;
                    }
                    let max_tp = r.perf_sweep(variant, &concurrencies, pa_early_exit);
                    if let Some(t) = max_tp.filter(|t| *t != 0.0) {
                        best_throughputs.push(t);
                    }
                    if i + 1 == group.len() {
                        break;
                    }
                    if mcg_early_exit && max_tp.is_none() {
                        r.early_exit(
                            variant,
                            "every measurement failed; no larger max_batch_size",
                        );
                        break;
                    }
                    if mcg_early_exit && !last_increased_throughput(&best_throughputs) {
                        r.early_exit(
                            variant,
                            "throughput plateaued; no longer increasing max_batch_size",
                        );
                        break;
                    }
                }
            }
        } else if !space.search_disabled {
            r.phase(SearchPhase::Brute);
            for instances in space.min_instance_count..=space.max_instance_count {
                if r.stopped() {
                    break;
                }
                let mut mbs = if space.supports_batching {
                    space.min_model_batch_size
                } else {
                    space.max_model_batch_size
                };
                let mut best_throughputs: Vec<f64> = Vec::new();
                loop {
                    if r.stopped() {
                        break;
                    }
                    let variant = space.automatic_variant(mbs, instances);
                    let max_tp = r.perf_sweep(&variant, &concurrencies, pa_early_exit);
                    // _step_max_batch_size, then _done_walking_max_batch_size
                    let next = mbs.checked_mul(2);
                    if let Some(t) = max_tp.filter(|t| *t != 0.0) {
                        best_throughputs.push(t);
                    }
                    if max_tp.is_none() {
                        r.early_exit(
                            &variant,
                            "every measurement failed; no larger max_batch_size",
                        );
                        break;
                    }
                    match next {
                        Some(n) if n <= space.max_model_batch_size => mbs = n,
                        _ => break,
                    }
                    if !last_increased_throughput(&best_throughputs) {
                        r.early_exit(
                            &variant,
                            "throughput plateaued; no longer increasing max_batch_size",
                        );
                        break;
                    }
                }
            }
        }

        if space.concurrency_list.is_empty() && !space.search_disabled && !r.stopped() {
            r.sweep_top_configs();
        }
        r.finish()
    }
}

// ---------------------------------------------------------------------------
// Quick search
// ---------------------------------------------------------------------------

type Coord = Vec<i64>;

#[derive(Debug, Clone, Copy)]
struct Dim {
    min: i64,
    max: i64,
    exponential: bool,
}

impl Dim {
    /// `SearchDimension.get_value_at_idx`: `2^idx` or `idx + 1`.
    fn value(&self, idx: i64) -> u32 {
        if self.exponential {
            1u32.checked_shl(u32::try_from(idx).unwrap_or(0))
                .unwrap_or(u32::MAX)
        } else {
            u32::try_from(idx + 1).unwrap_or(1)
        }
    }
}

/// `CoordinateData`: measurements (None: measured but failed) and visit counts.
#[derive(Default)]
struct CoordinateData {
    measurements: HashMap<Coord, Option<Measurement>>,
    visits: HashMap<Coord, u32>,
}

impl CoordinateData {
    fn get(&self, c: &Coord) -> Option<&Measurement> {
        self.measurements.get(c).and_then(Option::as_ref)
    }
    fn is_measured(&self, c: &Coord) -> bool {
        self.measurements.contains_key(c)
    }
    fn visits(&self, c: &Coord) -> u32 {
        self.visits.get(c).copied().unwrap_or(0)
    }
}

struct Ctx<'a> {
    dims: &'a [Dim],
    data: &'a CoordinateData,
    constraints: &'a Constraints,
    objectives: &'a Objectives,
}

impl Ctx<'_> {
    fn passes(&self, m: &Measurement) -> bool {
        passes_constraints(self.constraints, m)
    }
}

/// `Neighborhood`: the coordinates within `RADIUS` of a home coordinate.
struct Neighborhood {
    home: Coord,
    coords: Vec<Coord>,
    force_slow: bool,
}

fn distance(a: &[i64], b: &[i64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) * (x - y)) as f64)
        .sum::<f64>()
        .sqrt()
}

/// `Neighborhood._get_potential_steps`, in Model Analyzer's order (its
/// recursion flips signs in place, which fixes the enumeration order).
fn potential_steps(n: usize, radius: i64) -> Vec<Vec<i64>> {
    fn append_combinations(cur: &mut [i64], index: usize, out: &mut Vec<Vec<i64>>) {
        if index + 1 == cur.len() {
            out.push(cur.to_vec());
            if cur[index] != 0 {
                cur[index] = -cur[index];
                out.push(cur.to_vec());
            }
        } else {
            append_combinations(cur, index + 1, out);
            if cur[index] != 0 {
                cur[index] = -cur[index];
                append_combinations(cur, index + 1, out);
            }
        }
    }
    fn permute(cur: &mut [i64], radius: i64, index: usize, out: &mut Vec<Vec<i64>>) {
        let base = vec![0i64; cur.len()];
        for i in 0..=radius {
            cur[index] = i;
            if index == cur.len() - 1 {
                if distance(&base, cur) <= radius as f64 {
                    append_combinations(cur, 0, out);
                } else {
                    return;
                }
            } else {
                permute(cur, radius, index + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut cur = vec![0i64; n];
    permute(&mut cur, radius, 0, &mut out);
    out
}

impl Neighborhood {
    fn new(home: Coord, dims: &[Dim]) -> Self {
        let coords = potential_steps(dims.len(), RADIUS)
            .into_iter()
            .map(|step| {
                step.iter()
                    .zip(&home)
                    .map(|(s, h)| s + h)
                    .collect::<Coord>()
            })
            .filter(|c| c.iter().zip(dims).all(|(v, d)| *v >= d.min && *v <= d.max))
            .collect();
        Neighborhood {
            home,
            coords,
            force_slow: false,
        }
    }

    fn home_measurement<'c>(&self, ctx: &'c Ctx) -> Option<&'c Measurement> {
        ctx.data.get(&self.home)
    }

    /// `_get_coordinates_with_valid_measurements` (excluding home).
    fn valid_neighbors(&self, ctx: &Ctx) -> Vec<Coord> {
        self.coords
            .iter()
            .filter(|c| **c != self.home && ctx.data.get(c).is_some())
            .cloned()
            .collect()
    }

    fn adjacent(&self, dims: &[Dim]) -> Vec<Coord> {
        let mut out = Vec::new();
        for (d, dim) in dims.iter().enumerate() {
            let mut down = self.home.clone();
            down[d] -= 1;
            if down[d] >= dim.min {
                out.push(down);
            }
            let mut up = self.home.clone();
            up[d] += 1;
            if up[d] <= dim.max {
                out.push(up);
            }
        }
        out
    }

    fn is_slow_mode(&self, ctx: &Ctx) -> bool {
        if self.force_slow {
            return true;
        }
        let Some(home) = self.home_measurement(ctx) else {
            return false;
        };
        let neighbors = self.valid_neighbors(ctx);
        let passing = neighbors
            .iter()
            .filter(|c| ctx.data.get(c).is_some_and(|m| ctx.passes(m)))
            .count();
        let any_failing = passing != neighbors.len();
        let any_passing = passing != 0;
        let home_passing = ctx.passes(home);
        (home_passing && any_failing) || (!home_passing && any_passing)
    }

    fn enough_coordinates_initialized(&self, ctx: &Ctx) -> bool {
        if self.is_slow_mode(ctx) {
            self.adjacent(ctx.dims)
                .iter()
                .all(|c| ctx.data.is_measured(c))
        } else {
            self.valid_neighbors(ctx).len() >= MIN_INITIALIZED
        }
    }

    fn determine_new_home(&self, ctx: &Ctx) -> Coord {
        if self.is_slow_mode(ctx) {
            self.best_coordinate_found(ctx)
        } else {
            self.calculate_new_home(ctx)
        }
    }

    /// `_get_best_coordinate_found`: the best passing neighbour (or home).
    fn best_coordinate_found(&self, ctx: &Ctx) -> Coord {
        let mut candidates: Vec<(Coord, &Measurement)> = self
            .valid_neighbors(ctx)
            .into_iter()
            .filter_map(|c| ctx.data.get(&c).filter(|m| ctx.passes(m)).map(|m| (c, m)))
            .collect();
        if candidates.is_empty() {
            return self.home.clone();
        }
        if let Some(h) = self.home_measurement(ctx).filter(|m| ctx.passes(m)) {
            candidates.push((self.home.clone(), h));
        }
        let mut best = 0;
        for i in 1..candidates.len() {
            let score = objective_score(ctx.objectives, candidates[i].1, candidates[best].1);
            let better = score > COMPARISON_SCORE_THRESHOLD
                || (score == 0.0
                    && is_later_vector(&candidates[i].0, &candidates[best].0, &self.home));
            if better {
                best = i;
            }
        }
        candidates.swap_remove(best).0
    }

    /// `_calculate_new_home`: weighted step vector, translated and clamped.
    fn calculate_new_home(&self, ctx: &Ctx) -> Coord {
        let step = self.step_vector(ctx);
        self.home
            .iter()
            .zip(step)
            .zip(ctx.dims)
            .map(|((h, s), d)| (h + translate(s)).clamp(d.min, d.max))
            .collect()
    }

    fn step_vector(&self, ctx: &Ctx) -> Vec<f64> {
        let n = ctx.dims.len();
        let Some(home) = self.home_measurement(ctx) else {
            return vec![0.0; n];
        };
        let compare_constraints_mode = !ctx.passes(home);
        let mut step = vec![0.0; n];
        let mut sums = vec![0.0; n];
        for c in self.valid_neighbors(ctx) {
            let Some(m) = ctx.data.get(&c) else { continue };
            let weight = if compare_constraints_mode {
                compare_constraints(ctx.constraints, home, m).unwrap_or(0.0)
            } else {
                compare_measurements(ctx.objectives, home, m)
            };
            for (d, (v, h)) in c.iter().zip(&self.home).enumerate() {
                let delta = (v - h) as f64;
                if delta > 0.0 {
                    step[d] += weight;
                    sums[d] += delta;
                } else if delta < 0.0 {
                    step[d] -= weight;
                    sums[d] -= delta;
                }
            }
        }
        for d in 0..n {
            if sums[d] != 0.0 {
                step[d] /= sums[d];
            }
        }
        step
    }

    fn pick_coordinate_to_initialize(&self, ctx: &Ctx) -> Option<Coord> {
        if self.is_slow_mode(ctx) {
            return self
                .adjacent(ctx.dims)
                .into_iter()
                .find(|c| !ctx.data.is_measured(c));
        }
        let n = ctx.dims.len();
        let mut covered: Vec<Vec<i64>> = vec![Vec::new(); n];
        for c in self.valid_neighbors(ctx) {
            for (d, v) in c.iter().enumerate() {
                covered[d].push(*v);
            }
        }
        let mut best: Option<(usize, &Coord)> = None;
        for c in &self.coords {
            if ctx.data.is_measured(c) {
                continue;
            }
            let uncovered = c
                .iter()
                .enumerate()
                .filter(|(d, v)| !covered[*d].contains(v))
                .count();
            if best.is_none_or(|(b, _)| uncovered > b) {
                best = Some((uncovered, c));
            }
        }
        best.map(|(_, c)| c.clone())
    }

    fn nearest_neighbor(&self, target: &Coord) -> Coord {
        let mut best = self.home.clone();
        let mut best_d = f64::INFINITY;
        for c in &self.coords {
            let d = distance(c, target);
            if d < best_d {
                best_d = d;
                best = c.clone();
            }
        }
        best
    }
}

/// Tie-break of `sorted(zip(measurements, vectors))[-1]`: the larger vector.
fn is_later_vector(a: &Coord, b: &Coord, home: &Coord) -> bool {
    let va: Vec<i64> = a.iter().zip(home).map(|(x, h)| x - h).collect();
    let vb: Vec<i64> = b.iter().zip(home).map(|(x, h)| x - h).collect();
    va > vb
}

/// `Neighborhood._translate_value` with [`TRANSLATION_LIST`].
fn translate(v: f64) -> i64 {
    let mut ret = 0;
    for (i, bound) in TRANSLATION_LIST.iter().enumerate() {
        if v > 0.0 && v > *bound {
            ret = i as i64 + 1;
        }
        if v < 0.0 && v < -bound {
            ret = -(i as i64 + 1);
        }
    }
    ret
}

/// Model Analyzer's quick search (`QuickPlusConcurrencySweepRunConfigGenerator`).
///
/// The default config is measured first at concurrency
/// `2 * max_batch_size * instance_count`. The climb
/// (`QuickRunConfigGenerator` + `Neighborhood`) runs over coordinates
/// `[log2(max_batch_size), instance_count - 1]` (only the instance dimension
/// when the model does not batch), starting at the minimum. Each coordinate
/// is measured once at concurrency `2 * max_batch_size * instance_count`
/// (`_calculate_concurrency`), clamped to the concurrency bounds. From the
/// home coordinate it measures neighbours within radius 3 (preferring
/// uncovered dimension values) until 3 have valid measurements, then steps
/// along the weighted gain vector (by objectives when home passes the
/// constraints, by closeness to passing otherwise; magnitudes above 0.09,
/// 0.3, 1.0 step 1, 2, 3). When passing and failing points meet, it switches
/// to slow mode: measure the adjacent neighbours and move to the best passing
/// one. It steps back toward the best coordinate seen when a home fails
/// after a passing one (or has no valid measurement), and stops when the new
/// home equals the old one, was visited twice, or nothing is left to
/// measure. Then the top `num_configs_per_model` configs and the default get
/// the concurrency sweep with binary search (unless
/// `concurrency_sweep_disable`).
#[derive(Debug, Clone, Copy, Default)]
pub struct QuickSearch;

struct Climb {
    dims: Vec<Dim>,
    data: CoordinateData,
    home: Coord,
    to_measure: Coord,
    best_coord: Coord,
    best: Option<Measurement>,
    neighborhood: Neighborhood,
    home_has_passed: bool,
    done: bool,
}

impl QuickSearch {
    fn dims(space: &SearchSpace) -> Vec<Dim> {
        let mut dims = Vec::new();
        if space.supports_batching {
            let min = i64::from(floor_log2(space.min_model_batch_size.max(1)));
            let min = if 1u32 << min < space.min_model_batch_size {
                min + 1
            } else {
                min
            };
            let max = i64::from(floor_log2(space.max_model_batch_size.max(1)));
            dims.push(Dim {
                min,
                max: max.max(min),
                exponential: true,
            });
        }
        let imin = i64::from(space.min_instance_count.max(1)) - 1;
        let imax = i64::from(space.max_instance_count.max(1)) - 1;
        dims.push(Dim {
            min: imin,
            max: imax.max(imin),
            exponential: false,
        });
        dims
    }

    fn clamp_concurrency(space: &SearchSpace, c: u64) -> u32 {
        let c = c.clamp(
            u64::from(space.min_concurrency.max(1)),
            u64::from(space.max_concurrency.max(1)),
        );
        u32::try_from(c).unwrap_or(u32::MAX)
    }
}

impl Climb {
    fn ctx<'a>(&'a self, space: &'a SearchSpace) -> Ctx<'a> {
        Ctx {
            dims: &self.dims,
            data: &self.data,
            constraints: &space.constraints,
            objectives: &space.objectives,
        }
    }

    /// `_update_best_measurement`.
    fn update_best(&mut self, space: &SearchSpace, m: &Measurement) {
        let c = &space.constraints;
        let replace = match &self.best {
            None => true,
            Some(b) => match (passes_constraints(c, b), passes_constraints(c, m)) {
                (false, true) => true,
                (false, false) => compare_constraints(c, b, m).is_some_and(|x| x > 0.0),
                (true, true) => compare_measurements(&space.objectives, b, m) > 0.0,
                (true, false) => false,
            },
        };
        if replace {
            self.best = Some(m.clone());
            self.best_coord = self.to_measure.clone();
        }
    }

    fn recreate_neighborhood(&mut self, force_slow: bool) {
        self.neighborhood = Neighborhood::new(self.home.clone(), &self.dims);
        *self.data.visits.entry(self.home.clone()).or_insert(0) += 1;
        self.neighborhood.force_slow = force_slow;
    }

    /// `_should_step_back`.
    fn should_step_back(&self, space: &SearchSpace) -> bool {
        if self.to_measure != self.home {
            return false;
        }
        match self.data.get(&self.to_measure) {
            None => true,
            Some(m) => !passes_constraints(&space.constraints, m) && self.home_has_passed,
        }
    }

    fn step(&mut self, space: &SearchSpace) -> Option<String> {
        if self.should_step_back(space) {
            let new = self.neighborhood.nearest_neighbor(&self.best_coord);
            let note = format!("quick: stepping back {:?} -> {:?}", self.home, new);
            if new == self.home {
                self.done = true;
            }
            self.home = new.clone();
            self.to_measure = new;
            self.recreate_neighborhood(true);
            Some(note)
        } else if self
            .neighborhood
            .enough_coordinates_initialized(&self.ctx(space))
        {
            let new = self.neighborhood.determine_new_home(&self.ctx(space));
            if new == self.home || self.data.visits(&new) >= 2 {
                self.done = true;
            }
            let note = format!("quick: stepping {:?} -> {:?}", self.home, new);
            self.home = new.clone();
            self.to_measure = new;
            self.recreate_neighborhood(false);
            Some(note)
        } else {
            match self
                .neighborhood
                .pick_coordinate_to_initialize(&self.ctx(space))
            {
                Some(c) => self.to_measure = c,
                None => self.done = true,
            }
            None
        }
    }
}

impl SearchStrategy for QuickSearch {
    fn name(&self) -> &'static str {
        "quick"
    }

    fn run(
        &mut self,
        space: &SearchSpace,
        measurer: &mut dyn Measurer,
        on_event: &mut dyn FnMut(SearchEvent),
    ) -> SearchOutcome {
        let mut r = Runner::new(space, measurer, on_event);

        r.phase(SearchPhase::Baseline);
        let d = &space.default_variant;
        let default_concurrency = Self::clamp_concurrency(
            space,
            2 * u64::from(d.max_batch_size.max(1)) * u64::from(d.instance_count.max(1)),
        );
        r.measure_checked(d, space.search_batch_size, default_concurrency);

        // Parameters other than the searched ones are fixed; quick search
        // allows a single combination of them.
        let mut fixed = BTreeMap::new();
        if let Some(params) = &space.model_config_parameters {
            let mut rest = params.clone();
            rest.remove("max_batch_size");
            rest.remove("instance_group");
            if !rest.is_empty() {
                let combos = expand_model_config_parameters(&rest);
                if combos.len() > 1 {
                    r.note(format!(
                        "quick search supports one combination of model_config_parameters; using the first of {}",
                        combos.len()
                    ));
                }
                fixed = combos.into_iter().next().unwrap_or_default();
            }
        }

        r.phase(SearchPhase::Quick);
        let dims = Self::dims(space);
        let start: Coord = dims.iter().map(|d| d.min).collect();
        let mut climb = Climb {
            neighborhood: Neighborhood::new(start.clone(), &dims),
            dims,
            data: CoordinateData::default(),
            home: start.clone(),
            to_measure: start.clone(),
            best_coord: start,
            best: None,
            home_has_passed: false,
            done: false,
        };
        let space_size: usize = climb
            .dims
            .iter()
            .map(|d| (d.max - d.min + 1).max(1) as usize)
            .product();
        let max_iterations = 10 * space_size + 100;
        let mut iterations = 0;
        while !climb.done {
            if r.stopped() {
                break;
            }
            iterations += 1;
            if iterations > max_iterations {
                r.note("quick: iteration limit reached; stopping the climb".into());
                break;
            }
            let coord = climb.to_measure.clone();
            let (mbs, instances) = if space.supports_batching {
                (climb.dims[0].value(coord[0]), climb.dims[1].value(coord[1]))
            } else {
                (1, climb.dims[0].value(coord[0]))
            };
            let mut variant = space.automatic_variant(mbs, instances);
            variant.manual = fixed.clone();
            let concurrency =
                Self::clamp_concurrency(space, 2 * u64::from(mbs) * u64::from(instances));
            let m = r.measure_checked(&variant, space.search_batch_size, concurrency);
            // set_last_results
            let valid = m.is_valid().then_some(m);
            climb.data.measurements.insert(coord.clone(), valid.clone());
            if let Some(m) = &valid {
                climb.update_best(space, m);
                if coord == climb.home && passes_constraints(&space.constraints, m) {
                    climb.home_has_passed = true;
                }
            }
            if let Some(note) = climb.step(space) {
                r.note(note);
            }
        }

        if !space.concurrency_sweep_disable && !r.stopped() {
            r.sweep_top_configs();
        }
        r.finish()
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::super::config::Bound;
    use super::*;
    use serde_json::json;

    /// A model costing a fixed 5 ms per execution whatever the batch size.
    /// Requests carry `bc` inferences (client batch size); `r = max(b / bc,
    /// 1)` requests are batched per execution (dynamic batching with
    /// max_batch_size b; 1 without), `i` instances run in parallel, so
    /// throughput = min(c, i*r) * bc / 5 ms and a request waits
    /// ceil(c / (i*r)) executions. Memory: 1000 MB per instance + 1 MB per
    /// batch slot.
    struct SimModel {
        exec_us: f64,
        batching_helps: bool,
        fail_above_instances: Option<u32>,
        fail_batch_size: Option<u32>,
        calls: Vec<(String, u32)>,
        points: Vec<(String, u32, u32)>,
        skips: Vec<(String, u32, String)>,
    }

    impl SimModel {
        fn new() -> Self {
            SimModel {
                exec_us: 5000.0,
                batching_helps: true,
                fail_above_instances: None,
                fail_batch_size: None,
                calls: Vec::new(),
                points: Vec::new(),
                skips: Vec::new(),
            }
        }
    }

    impl Measurer for SimModel {
        fn measure(&mut self, v: &ModelConfigVariant, bc: u32, c: u32) -> Measurement {
            self.calls.push((v.key(), c));
            self.points.push((v.key(), bc, c));
            if self
                .fail_above_instances
                .is_some_and(|max| v.instance_count > max)
            {
                return Measurement::failure(c, "out of memory");
            }
            if self.fail_batch_size == Some(bc) {
                return Measurement::failure(c, "batch too large for memory");
            }
            let b = if v.dynamic_batching && v.max_batch_size > 0 && self.batching_helps {
                f64::from(v.max_batch_size)
            } else {
                1.0
            };
            let bc = f64::from(bc.max(1));
            // requests per execution per instance
            let rpe = if b > 1.0 {
                (b / bc).floor().max(1.0)
            } else {
                1.0
            };
            let i = f64::from(v.instance_count.max(1));
            let cap = i * rpe;
            let c = f64::from(c);
            let rounds = (c / cap).ceil();
            let p99 = rounds * self.exec_us + 100.0;
            Measurement {
                batch_size: bc as u32,
                throughput: c.min(cap) * bc / (self.exec_us / 1e6),
                latency_p99_us: p99,
                latency_p95_us: p99 - 50.0,
                latency_p90_us: p99 - 60.0,
                latency_p50_us: p99 - 80.0,
                latency_avg_us: p99 - 70.0,
                gpu_memory_mb: Some(1000.0 * i + b * i),
                cpu_ram_mb: Some(500.0),
                ..Default::default()
            }
        }

        fn skipped(&mut self, v: &ModelConfigVariant, bc: u32, reason: &str) {
            self.skips.push((v.key(), bc, reason.to_string()));
        }
    }

    fn default_variant() -> ModelConfigVariant {
        ModelConfigVariant::default_from_config(
            &json!({"max_batch_size": 8, "instance_group": [{"count": 1, "kind": "KIND_GPU"}]}),
            "KIND_GPU",
        )
    }

    /// batch 1..64, instances 1..5, concurrency 1..256; p99 <= 12 ms and GPU
    /// memory <= 3500 MB (at most 3 instances). Best: 3 instances x
    /// max_batch_size 64 (capacity 192 -> 38400 infer/s at concurrency 256,
    /// where a request waits two executions: 10.1 ms).
    fn realistic_space() -> SearchSpace {
        let mut s = SearchSpace::new("sim", default_variant(), true);
        s.max_model_batch_size = 64;
        s.max_instance_count = 5;
        s.max_concurrency = 256;
        s.constraints.perf_latency_p99 = Some(Bound::max(12.0));
        s.constraints.gpu_used_memory = Some(Bound::max(3500.0));
        s
    }

    fn run(
        strategy: &mut dyn SearchStrategy,
        space: &SearchSpace,
        sim: &mut SimModel,
    ) -> (SearchOutcome, Vec<SearchEvent>) {
        let mut events = Vec::new();
        let out = strategy.run(space, sim, &mut |e| events.push(e));
        (out, events)
    }

    fn m(tp: f64, p99_ms: f64) -> Measurement {
        Measurement {
            throughput: tp,
            latency_p99_us: p99_ms * 1000.0,
            latency_p95_us: p99_ms * 1000.0,
            latency_p90_us: p99_ms * 1000.0,
            latency_p50_us: p99_ms * 1000.0,
            latency_avg_us: p99_ms * 1000.0,
            ..Default::default()
        }
    }

    #[test]
    fn brute_finds_the_best_config_under_constraints() {
        let space = realistic_space();
        let mut sim = SimModel::new();
        let (out, _) = run(&mut BruteSearch, &space, &mut sim);
        let best = &out.top[0];
        assert!(best.passes);
        assert_eq!(
            (best.variant.instance_count, best.variant.max_batch_size),
            (3, 64),
            "{:?}",
            out.top
        );
        assert_eq!(best.best.throughput, 38400.0);
        assert!(out.top.len() <= 3);
        assert!(out.default.is_some());
        assert!(out.default.as_ref().is_some_and(|d| d.variant.is_default));
        assert_eq!(out.measurement_count(), sim.calls.len());
    }

    #[test]
    fn quick_finds_the_best_config_with_a_third_of_the_measurements() {
        let space = realistic_space();
        let mut brute_sim = SimModel::new();
        let (brute, _) = run(&mut BruteSearch, &space, &mut brute_sim);
        let mut quick_sim = SimModel::new();
        let (quick, events) = run(&mut QuickSearch, &space, &mut quick_sim);
        let best = &quick.top[0];
        assert!(best.passes);
        assert_eq!(
            (best.variant.instance_count, best.variant.max_batch_size),
            (3, 64),
            "{:?}\n{:?}",
            quick.top,
            events
                .iter()
                .filter(|e| matches!(e, SearchEvent::Note(_)))
                .collect::<Vec<_>>()
        );
        assert_eq!(best.best.throughput, 38400.0);
        assert!(
            3 * quick.measurement_count() <= brute.measurement_count(),
            "quick {} vs brute {} measurements",
            quick.measurement_count(),
            brute.measurement_count()
        );
        assert!(quick.variant_count() < brute.variant_count());
    }

    #[test]
    fn quick_climb_uses_model_analyzer_concurrency() {
        let space = realistic_space();
        let mut sim = SimModel::new();
        let (_, events) = run(&mut QuickSearch, &space, &mut sim);
        for e in &events {
            if let SearchEvent::Measured {
                phase: SearchPhase::Quick,
                variant,
                measurement,
                ..
            } = e
            {
                let expected = (2 * variant.max_batch_size * variant.instance_count).clamp(1, 256);
                assert_eq!(measurement.concurrency, expected);
            }
        }
        // default first: 2 * 8 * 1
        assert_eq!(sim.calls[0], ("config_default".to_string(), 16));
    }

    #[test]
    fn brute_concurrency_sweep_exits_early_on_plateau() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.max_model_batch_size = 1;
        space.max_instance_count = 1;
        space.max_concurrency = 1024;
        let mut sim = SimModel::new();
        let (_, events) = run(&mut BruteSearch, &space, &mut sim);
        // capacity 1: throughput is flat from concurrency 1, so the sweep stops
        // after THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES points.
        let brute_points: Vec<u32> = events
            .iter()
            .filter_map(|e| match e {
                SearchEvent::Measured {
                    phase: SearchPhase::Brute,
                    measurement,
                    ..
                } => Some(measurement.concurrency),
                _ => None,
            })
            .collect();
        assert_eq!(brute_points, vec![1, 2, 4, 8]);
        assert!(events.iter().any(|e| matches!(e,
            SearchEvent::EarlyExit { phase: SearchPhase::Brute, reason, .. } if reason.contains("plateau"))));
    }

    #[test]
    fn brute_max_batch_size_exits_early_when_throughput_stops_improving() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.max_model_batch_size = 64;
        space.max_instance_count = 1;
        space.max_concurrency = 16;
        let mut sim = SimModel::new();
        sim.batching_helps = false;
        let (_, events) = run(&mut BruteSearch, &space, &mut sim);
        let batch_sizes: Vec<u32> = {
            let mut v: Vec<u32> = events
                .iter()
                .filter_map(|e| match e {
                    SearchEvent::Measured {
                        phase: SearchPhase::Brute,
                        variant,
                        ..
                    } => Some(variant.max_batch_size),
                    _ => None,
                })
                .collect();
            v.dedup();
            v
        };
        assert_eq!(
            batch_sizes,
            vec![1, 2],
            "stops after the first size that does not beat the smaller ones"
        );
        assert!(events.iter().any(|e| matches!(e,
            SearchEvent::EarlyExit { reason, .. } if reason.contains("max_batch_size"))));
    }

    #[test]
    fn brute_skips_batch_sizes_for_non_batching_models() {
        let default =
            ModelConfigVariant::default_from_config(&json!({"max_batch_size": 0}), "KIND_CPU");
        let mut space = SearchSpace::new("nb", default, false);
        space.instance_kind = "KIND_CPU".into();
        space.max_instance_count = 3;
        space.max_concurrency = 8;
        let mut sim = SimModel::new();
        let (out, _) = run(&mut BruteSearch, &space, &mut sim);
        let mut keys: Vec<String> = out.measurements.iter().map(|(v, _)| v.key()).collect();
        keys.dedup();
        assert_eq!(
            keys,
            [
                "config_default",
                "config_i1cpu_b0",
                "config_i2cpu_b0",
                "config_i3cpu_b0"
            ]
        );
        for (v, _) in &out.measurements {
            assert!(!v.dynamic_batching);
            assert!(!v.param_combo().contains_key("max_batch_size"));
        }
    }

    #[test]
    fn failed_measurements_stop_the_sweep_and_the_search_goes_on() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.max_model_batch_size = 4;
        space.max_instance_count = 3;
        space.max_concurrency = 16;
        let mut sim = SimModel::new();
        sim.fail_above_instances = Some(2);
        let (out, events) = run(&mut BruteSearch, &space, &mut sim);
        let failed: Vec<&Measurement> = out
            .measurements
            .iter()
            .map(|(_, m)| m)
            .filter(|m| !m.is_valid())
            .collect();
        assert_eq!(
            failed.len(),
            1,
            "one failed point ends instance count 3's sweep and its batch sizes"
        );
        assert!(events.iter().any(
            |e| matches!(e, SearchEvent::EarlyExit { reason, .. } if reason.contains("failed"))
        ));
        assert!(out.top.iter().all(|r| r.variant.instance_count <= 2));
    }

    #[test]
    fn explicit_concurrency_list_is_used_and_not_binary_searched() {
        let mut space = realistic_space();
        space.max_model_batch_size = 2;
        space.max_instance_count = 1;
        space.concurrency_list = vec![8, 2, 4];
        let mut sim = SimModel::new();
        let (out, events) = run(&mut BruteSearch, &space, &mut sim);
        assert!(out
            .measurements
            .iter()
            .all(|(_, m)| [2, 4, 8].contains(&m.concurrency)));
        assert!(!events
            .iter()
            .any(|e| matches!(e, SearchEvent::PhaseStarted(SearchPhase::ConcurrencySweep))));
    }

    #[test]
    fn binary_search_finds_the_latency_boundary() {
        // capacity 8 (1 instance x batch 8): p99 <= 12 ms allows concurrency <= 16.
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.min_model_batch_size = 8;
        space.max_model_batch_size = 8;
        space.max_instance_count = 1;
        space.max_concurrency = 64;
        space.num_configs_per_model = 1;
        space.max_binary_search_steps = 5;
        space.constraints.perf_latency_p99 = Some(Bound::max(12.0));
        let mut sim = SimModel::new();
        let (out, _) = run(&mut BruteSearch, &space, &mut sim);
        let key = "config_i1gpu_b8_db";
        let mut concurrencies: Vec<u32> = out
            .measurements
            .iter()
            .filter(|(v, _)| v.key() == key)
            .map(|(_, m)| m.concurrency)
            .collect();
        concurrencies.sort_unstable();
        // sweep 1..32 (boundary between 16 pass and 32 fail) then 24, 20, 18, 17
        for c in [16, 17, 18, 20, 24, 32] {
            assert!(concurrencies.contains(&c), "{concurrencies:?}");
        }
        let best = &out.top[0];
        assert_eq!(best.variant.key(), key);
        assert!(best.passes);
        assert_eq!(
            best.best.concurrency, 8,
            "throughput saturates at 8; ties keep the first"
        );
    }

    #[test]
    fn constraint_filtering() {
        let c = Constraints {
            perf_latency_p99: Some(Bound::max(10.0)),
            perf_throughput: Some(Bound::min(100.0)),
            gpu_used_memory: Some(Bound::max(1000.0)),
            ..Default::default()
        };
        let mut ok = m(150.0, 9.0);
        ok.gpu_memory_mb = Some(900.0);
        assert!(passes_constraints(&c, &ok));
        assert!(!passes_constraints(&c, &m(150.0, 11.0)));
        assert!(!passes_constraints(&c, &m(50.0, 5.0)));
        let mut heavy = ok.clone();
        heavy.gpu_memory_mb = Some(1100.0);
        assert!(!passes_constraints(&c, &heavy));
        assert!((constraint_failure_percentage(&c, &heavy) - 10.0).abs() < 1e-9);
        // no GPU memory measured: the memory constraint cannot apply
        let no_gpu = m(150.0, 9.0);
        assert!(passes_constraints(&c, &no_gpu));
        assert!(!constraint_applicable("gpu_used_memory", &no_gpu));
        assert!(constraint_applicable("perf_latency_p99", &no_gpu));
        assert_eq!(unapplied_constraints(&c, &no_gpu), vec!["gpu_used_memory"]);
        // failed measurements never pass
        assert!(!passes_constraints(
            &Constraints::default(),
            &Measurement::failure(1, "x")
        ));
        // perf_latency is applied to p99
        let legacy = Constraints {
            perf_latency: Some(Bound::max(5.0)),
            ..Default::default()
        };
        assert!(!passes_constraints(&legacy, &m(1.0, 6.0)));
        // compare_constraints: positive when the other is closer to passing
        assert!(compare_constraints(&c, &m(150.0, 20.0), &m(150.0, 12.0)).is_some_and(|x| x > 0.0));
        assert_eq!(compare_constraints(&c, &ok, &m(150.0, 12.0)), None);
    }

    #[test]
    fn objective_score_matches_model_analyzer_formula() {
        let o = Objectives::default();
        // throughput only: (200 - 100) / mean(200, 100) = 0.6667
        let s = objective_score(&o, &m(200.0, 1.0), &m(100.0, 1.0));
        assert!((s - 100.0 / 150.0).abs() < 1e-12);
        assert!(is_better_than(&o, &m(200.0, 1.0), &m(100.0, 1.0)));
        assert!(!is_better_than(&o, &m(100.0, 1.0), &m(100.0, 1.0)));
        // weighted: latency 2, throughput 3 -> 0.4 / 0.6 after normalisation
        let mut w = Objectives {
            weights: BTreeMap::new(),
        };
        w.weights.insert("perf_latency_p99".into(), 2.0);
        w.weights.insert("perf_throughput".into(), 3.0);
        let a = m(100.0, 10.0);
        let b = m(120.0, 20.0);
        let expected = 0.4 * (20.0 - 10.0) / 15.0 + 0.6 * (100.0 - 120.0) / 110.0;
        assert!((objective_score(&w, &a, &b) - expected).abs() < 1e-12);
        assert!(
            is_better_than(&w, &a, &b),
            "a's latency gain outweighs b's throughput gain"
        );
        assert!(!is_better_than(&Objectives::default(), &a, &b));
        // a metric missing on one side decides
        let mut mem = Objectives {
            weights: BTreeMap::new(),
        };
        mem.weights.insert("gpu_used_memory".into(), 1.0);
        let mut with_gpu = m(1.0, 1.0);
        with_gpu.gpu_memory_mb = Some(10.0);
        assert_eq!(objective_score(&mem, &with_gpu, &m(1.0, 1.0)), 1.0);
        assert_eq!(objective_score(&mem, &m(1.0, 1.0), &with_gpu), -1.0);
        assert_eq!(
            compare_measurements(&o, &m(100.0, 1.0), &m(200.0, 1.0)),
            100.0 / 150.0
        );
    }

    #[test]
    fn ranking_with_weights_and_constraints() {
        let v1 = ModelConfigVariant::automatic(1, 1, "KIND_GPU", true);
        let v2 = ModelConfigVariant::automatic(2, 1, "KIND_GPU", true);
        let v3 = ModelConfigVariant::automatic(4, 1, "KIND_GPU", true);
        let ms = vec![
            (v1.clone(), m(100.0, 5.0)),
            (v1.clone(), m(150.0, 8.0)),
            (v2.clone(), m(300.0, 30.0)),
            (v2.clone(), m(200.0, 9.0)),
            (v3.clone(), m(400.0, 50.0)),
            (v3.clone(), Measurement::failure(8, "boom")),
        ];
        let c = Constraints {
            perf_latency_p99: Some(Bound::max(10.0)),
            ..Default::default()
        };
        let per = best_per_variant(&ms, &c, &Objectives::default());
        assert_eq!(per.len(), 3);
        assert_eq!(per[0].best.throughput, 150.0);
        assert_eq!(
            per[1].best.throughput, 200.0,
            "best passing, not best overall"
        );
        assert!(!per[2].passes);
        assert_eq!(per[2].measurements, 1);
        let top = top_configs(&ms, &c, &Objectives::default(), 3);
        assert_eq!(
            top.iter()
                .map(|r| r.variant.max_batch_size)
                .collect::<Vec<_>>(),
            vec![2, 1],
            "failing v3 excluded"
        );
        let mut latency_first = Objectives {
            weights: BTreeMap::new(),
        };
        latency_first.weights.insert("perf_latency_p99".into(), 1.0);
        let top = top_configs(&ms, &c, &latency_first, 1);
        assert_eq!(top[0].variant.max_batch_size, 1);
        assert_eq!(top[0].best.latency_p99_us, 5000.0);
        // nothing passes: the best failing ones are returned
        let strict = Constraints {
            perf_latency_p99: Some(Bound::max(1.0)),
            ..Default::default()
        };
        let top = top_configs(&ms, &strict, &Objectives::default(), 2);
        assert_eq!(top.len(), 2);
        assert!(top.iter().all(|r| !r.passes));
        assert_eq!(top[0].variant.max_batch_size, 4);
    }

    #[test]
    fn gain_helpers_mirror_model_analyzer() {
        assert!(
            throughput_gain_valid(&[1.0, 1.0, 1.0], 4, 0.05),
            "fewer than 4 points"
        );
        assert!(
            !throughput_gain_valid(&[100.0, 101.0, 102.0, 104.0], 4, 0.05),
            "4% gain"
        );
        assert!(
            throughput_gain_valid(&[100.0, 101.0, 102.0, 106.0], 4, 0.05),
            "6% gain"
        );
        assert!(
            !throughput_gain_valid(&[1.0, 2.0, 100.0, 100.0, 100.0, 100.0], 4, 0.05),
            "only the last 4 count"
        );
        assert!(last_increased_throughput(&[5.0]));
        assert!(last_increased_throughput(&[1.0, 2.0, 3.0]));
        assert!(!last_increased_throughput(&[1.0, 3.0, 2.5]));
        assert_eq!(doubled_list(1, 64), vec![1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(doubled_list(3, 20), vec![3, 6, 12]);
        assert_eq!(doubled_list(0, 2), vec![1, 2]);
        assert_eq!(translate(0.05), 0);
        assert_eq!(translate(0.1), 1);
        assert_eq!(translate(0.5), 2);
        assert_eq!(translate(-1.5), -3);
    }

    #[test]
    fn neighborhood_matches_model_analyzer() {
        let steps = potential_steps(2, 3);
        assert_eq!(steps.len(), 29, "lattice points within radius 3");
        assert_eq!(steps[0], vec![0, 0]);
        let mut sorted = steps.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 29);
        let dims = [
            Dim {
                min: 0,
                max: 6,
                exponential: true,
            },
            Dim {
                min: 0,
                max: 4,
                exponential: false,
            },
        ];
        let n = Neighborhood::new(vec![0, 0], &dims);
        assert!(n.coords.iter().all(|c| c[0] >= 0 && c[1] >= 0));
        assert_eq!(n.coords.len(), 11, "quarter disc of radius 3 incl. axes");
        assert_eq!(n.adjacent(&dims), vec![vec![1, 0], vec![0, 1]]);
        assert_eq!(dims[0].value(6), 64);
        assert_eq!(dims[1].value(0), 1);
    }

    #[test]
    fn manual_sweep_expansion_follows_model_analyzer_examples() {
        // docs/config_search.md: 2 max_batch_size x 2 delays x 2 instance counts = 8
        let p: BTreeMap<String, Value> = serde_json::from_value(json!({
            "max_batch_size": [6, 8],
            "dynamic_batching": {"max_queue_delay_microseconds": [200, 300]},
            "instance_group": [{"kind": "KIND_GPU", "count": [1, 2]}]
        }))
        .unwrap();
        let groups = manual_variant_groups(&p, &default_variant());
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| g.len() == 2));
        let all: Vec<&ModelConfigVariant> = groups.iter().flatten().collect();
        assert_eq!(all.len(), 8);
        let mut keys: Vec<String> = all.iter().map(|v| v.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 8, "distinct keys");
        assert_eq!(
            groups[0][0].manual["instance_group"],
            json!([{"kind": "KIND_GPU", "count": 1}])
        );
        assert_eq!(groups[0][1].max_batch_size, 8);
        assert_eq!(groups[0][0].max_queue_delay_us, Some(200));

        // docs/config.md: [[group]] lists are alternatives; 3 delays x 2 groups = 6
        let p: BTreeMap<String, Value> = serde_json::from_value(json!({
            "max_batch_size": 2,
            "dynamic_batching": {"max_queue_delay_microseconds": [200, 400, 600]},
            "instance_group": [[{"kind": "KIND_GPU", "count": 1}], [{"kind": "KIND_CPU", "count": 1}]]
        }))
        .unwrap();
        let combos = manual_variant_groups(&p, &default_variant());
        assert_eq!(combos.iter().flatten().count(), 6);
        // a plain repeated list is one value, not a sweep
        let p: BTreeMap<String, Value> = serde_json::from_value(json!({
            "instance_group": [{"kind": "KIND_GPU", "count": 1}, {"kind": "KIND_CPU", "count": 1}],
            "dynamic_batching": {"preferred_batch_size": [4, 8]}
        }))
        .unwrap();
        let combos = expand_model_config_parameters(&p);
        assert_eq!(combos.len(), 1);
        assert_eq!(
            combos[0]["dynamic_batching"],
            json!({"preferred_batch_size": [4, 8]})
        );
        // brief's form: [[{kind, count: [1, 2]}]]
        let p: BTreeMap<String, Value> = serde_json::from_value(
            json!({"instance_group": [[{"kind": "KIND_CPU", "count": [1, 2]}]]}),
        )
        .unwrap();
        let combos = expand_model_config_parameters(&p);
        assert_eq!(combos.len(), 2);
        assert_eq!(
            instance_kind_from_parameters(&p).as_deref(),
            Some("KIND_CPU")
        );
        // map fields: parameters values sweep
        let p: BTreeMap<String, Value> =
            serde_json::from_value(json!({"parameters": {"K": {"string_value": ["a", "b"]}}}))
                .unwrap();
        assert_eq!(expand_model_config_parameters(&p).len(), 2);
    }

    #[test]
    fn manual_brute_search_measures_every_combination() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.max_concurrency = 16;
        space.model_config_parameters = Some(
            serde_json::from_value(json!({
                "max_batch_size": [2, 4],
                "instance_group": [[{"kind": "KIND_GPU", "count": 1}], [{"kind": "KIND_GPU", "count": 2}]],
                "dynamic_batching": {}
            }))
            .unwrap(),
        );
        let mut sim = SimModel::new();
        let (out, _) = run(&mut BruteSearch, &space, &mut sim);
        assert_eq!(
            out.variant_count(),
            5,
            "default + 2 groups x 2 max_batch_size"
        );
        let top = &out.top[0];
        assert_eq!(
            (top.variant.instance_count, top.variant.max_batch_size),
            (2, 4)
        );
        assert!(!top.variant.automatic);
        let combo = top.variant.param_combo();
        assert_eq!(
            combo["instance_group"],
            json!([{"kind": "KIND_GPU", "count": 2}])
        );
        assert_eq!(combo["max_batch_size"], json!(4));
    }

    #[test]
    fn search_disabled_measures_the_default_only() {
        let mut space = realistic_space();
        space.search_disabled = true;
        space.concurrency_list = vec![1];
        let mut sim = SimModel::new();
        let (out, _) = run(&mut BruteSearch, &space, &mut sim);
        assert_eq!(sim.calls, vec![("config_default".to_string(), 1)]);
        assert_eq!(out.top.len(), 1);
    }

    #[test]
    fn variant_param_combo_and_apply() {
        let base = json!({
            "name": "m",
            "max_batch_size": 8,
            "dynamic_batching": {"max_queue_delay_microseconds": 50},
            "instance_group": [{"count": 1, "kind": "KIND_GPU", "gpus": [0]}]
        });
        let d = ModelConfigVariant::default_from_config(&base, "KIND_CPU");
        assert!(d.is_default);
        assert_eq!(
            (d.max_batch_size, d.instance_count, d.instance_kind.as_str()),
            (8, 1, "KIND_GPU")
        );
        assert!(d.dynamic_batching);
        assert_eq!(d.max_queue_delay_us, Some(50));
        assert!(d.param_combo().is_empty());
        assert_eq!(d.apply_to(&base), base);

        let v = ModelConfigVariant::automatic(16, 3, "KIND_GPU", true);
        let applied = v.apply_to(&base);
        assert_eq!(applied["max_batch_size"], json!(16));
        assert_eq!(
            applied["instance_group"],
            json!([{"count": 3, "kind": "KIND_GPU"}])
        );
        assert_eq!(
            applied["dynamic_batching"],
            json!({"max_queue_delay_microseconds": 50}),
            "an empty dynamic_batching merges into the existing one"
        );
        assert_eq!(applied["name"], json!("m"));
        assert_eq!(v.name_suffix(), "config_i3gpu_b16_db");

        let mut q = v.clone();
        q.manual.insert(
            "dynamic_batching".into(),
            json!({"max_queue_delay_microseconds": 100}),
        );
        assert_eq!(
            q.apply_to(&base)["dynamic_batching"],
            json!({"max_queue_delay_microseconds": 100})
        );
        assert!(q.name_suffix().starts_with("config_i3gpu_b16_db_m"));
        assert_ne!(q.name_suffix(), v.name_suffix());
        assert_eq!(q.name_suffix(), q.clone().name_suffix(), "stable");
    }

    #[test]
    fn batching_support_from_config() {
        assert_eq!(
            model_batching_support(&json!({"max_batch_size": 8})),
            (true, true)
        );
        assert_eq!(
            model_batching_support(&json!({"max_batch_size": 0})),
            (false, false)
        );
        assert_eq!(model_batching_support(&json!({})), (false, false));
        assert_eq!(
            model_batching_support(&json!({"max_batch_size": 4, "sequence_batching": {}})),
            (true, false)
        );
    }

    #[test]
    fn space_from_config() {
        let text = r#"
model_repository: /m
profile_models:
  a:
    cpu_only: true
    constraints: {perf_latency_p99: {max: 7}}
run_config_search_max_instance_count: 3
latency_budget: 9
"#;
        let cfg = ProfileConfig::from_yaml_str(text, std::path::Path::new("c.yaml")).unwrap();
        let s = SearchSpace::from_config(
            &cfg,
            &cfg.profile_models[0],
            default_variant(),
            true,
            true,
            false,
        );
        assert_eq!(s.instance_kind, "KIND_CPU");
        assert_eq!(s.max_instance_count, 3);
        assert_eq!(
            s.constraints.perf_latency_p99,
            Some(Bound::max(9.0)),
            "latency_budget overrides"
        );
        assert!(s.concurrency_list.is_empty());
        assert!(strategy_for(SearchMode::Optuna).is_none());
        assert_eq!(
            strategy_for(SearchMode::Quick).map(|s| s.name()),
            Some("quick")
        );
    }

    #[test]
    fn quick_without_constraints_climbs_to_the_largest_capacity() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.max_model_batch_size = 16;
        space.max_instance_count = 4;
        space.max_concurrency = 1024;
        let mut sim = SimModel::new();
        let (out, _) = run(&mut QuickSearch, &space, &mut sim);
        let best = &out.top[0];
        assert_eq!(
            (best.variant.instance_count, best.variant.max_batch_size),
            (4, 16)
        );
    }

    fn measured(events: &[SearchEvent], phase: SearchPhase) -> Vec<(String, u32, u32)> {
        events
            .iter()
            .filter_map(|e| match e {
                SearchEvent::Measured {
                    phase: p,
                    variant,
                    measurement,
                    cached: false,
                    ..
                } if *p == phase => Some((
                    variant.key(),
                    measurement.batch_size,
                    measurement.concurrency,
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn brute_measures_every_batch_size_and_concurrency_and_skips_batches_above_max_batch_size() {
        // default max_batch_size 1; automatic configs max_batch_size 1 and 2.
        let default = ModelConfigVariant::default_from_config(
            &json!({"max_batch_size": 1, "instance_group": [{"count": 1, "kind": "KIND_CPU"}]}),
            "KIND_CPU",
        );
        let mut space = SearchSpace::new("sim", default, true);
        space.instance_kind = "KIND_CPU".into();
        space.max_model_batch_size = 2;
        space.max_instance_count = 1;
        space.batch_sizes = vec![1, 2];
        space.concurrency_list = vec![1, 2];
        let mut sim = SimModel::new();
        // One request per execution: only the client batch size adds inferences.
        sim.batching_helps = false;
        let (out, events) = run(&mut BruteSearch, &space, &mut sim);
        let mut expected = vec![
            ("config_default".to_string(), 1, 1),
            ("config_default".to_string(), 1, 2),
            ("config_i1cpu_b1_db".to_string(), 1, 1),
            ("config_i1cpu_b1_db".to_string(), 1, 2),
        ];
        for b in [1, 2] {
            for c in [1, 2] {
                expected.push(("config_i1cpu_b2_db".to_string(), b, c));
            }
        }
        assert_eq!(sim.points, expected);
        // The search's measurements carry the batch size they were taken at.
        assert!(out
            .measurements
            .iter()
            .all(|(_, m)| [1, 2].contains(&m.batch_size)));
        assert_eq!(
            out.measurements
                .iter()
                .filter(|(_, m)| m.batch_size == 2)
                .count(),
            2
        );
        // Batch 2 is skipped for both max_batch_size-1 configs, once each.
        let skipped: Vec<(&str, u32)> =
            sim.skips.iter().map(|(k, b, _)| (k.as_str(), *b)).collect();
        assert_eq!(
            skipped,
            vec![("config_default", 2), ("config_i1cpu_b1_db", 2)]
        );
        assert!(
            sim.skips[0].2.contains("max_batch_size 1"),
            "{}",
            sim.skips[0].2
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, SearchEvent::Skipped { batch_size: 2, .. }))
                .count(),
            2
        );
        // Throughput counts inferences: batch 2 doubles it at the same concurrency.
        let tp = |b: u32, c: u32| {
            out.measurements
                .iter()
                .find(|(v, m)| {
                    v.key() == "config_i1cpu_b2_db" && m.batch_size == b && m.concurrency == c
                })
                .map(|(_, m)| m.throughput)
                .unwrap()
        };
        assert_eq!(tp(2, 1), 2.0 * tp(1, 1));
        // The best config is represented by its batch-2 measurement.
        let best = &out.top[0];
        assert_eq!(best.variant.key(), "config_i1cpu_b2_db");
        assert_eq!(best.best.batch_size, 2);
    }

    #[test]
    fn concurrency_early_exit_restarts_per_batch_size() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.min_model_batch_size = 2;
        space.max_model_batch_size = 2;
        space.max_instance_count = 1;
        space.max_concurrency = 64;
        space.batch_sizes = vec![1, 2];
        let mut sim = SimModel::new();
        let (_, events) = run(&mut BruteSearch, &space, &mut sim);
        let brute = measured(&events, SearchPhase::Brute);
        // capacity 2 requests at batch 1, 1 request at batch 2: both plateau
        // after 4 points; the sweep at batch 2 starts again at concurrency 1.
        let at = |b: u32| -> Vec<u32> {
            brute
                .iter()
                .filter(|(_, bb, _)| *bb == b)
                .map(|(_, _, c)| *c)
                .collect()
        };
        assert_eq!(at(1), vec![1, 2, 4, 8, 16]);
        assert_eq!(at(2), vec![1, 2, 4, 8]);
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, SearchEvent::EarlyExit { phase: SearchPhase::Brute, reason, .. } if reason.contains("no longer increasing concurrency")))
                .count(),
            2
        );
    }

    #[test]
    fn a_failed_batch_size_ends_the_configs_sweep() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.min_model_batch_size = 8;
        space.max_model_batch_size = 8;
        space.max_instance_count = 1;
        space.concurrency_list = vec![1, 2];
        space.batch_sizes = vec![1, 2, 4];
        let mut sim = SimModel::new();
        sim.fail_batch_size = Some(2);
        let (out, events) = run(&mut BruteSearch, &space, &mut sim);
        assert!(
            sim.points.iter().all(|(_, b, _)| *b != 4),
            "{:?}",
            sim.points
        );
        assert!(sim
            .points
            .contains(&("config_i1gpu_b8_db".to_string(), 2, 1)));
        assert!(!sim
            .points
            .contains(&("config_i1gpu_b8_db".to_string(), 2, 2)));
        assert!(events.iter().any(|e| matches!(e,
            SearchEvent::EarlyExit { reason, .. } if reason.contains("failed at batch size 2") && reason.contains("larger batch sizes"))));
        // The batch-1 points still rank.
        assert!(out
            .top
            .iter()
            .any(|r| r.variant.key() == "config_i1gpu_b8_db"));
    }

    #[test]
    fn batch_size_walk_exits_when_throughput_plateaus() {
        // Throughput at saturation is the same for every client batch size
        // (the server batches 64 inferences per execution either way).
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.min_model_batch_size = 64;
        space.max_model_batch_size = 64;
        space.max_instance_count = 1;
        space.max_concurrency = 128;
        space.batch_sizes = vec![1, 2, 4, 8, 16, 32];
        let mut sim = SimModel::new();
        let (_, events) = run(&mut BruteSearch, &space, &mut sim);
        let mut batches: Vec<u32> = measured(&events, SearchPhase::Brute)
            .iter()
            .map(|(_, b, _)| *b)
            .collect();
        batches.dedup();
        assert_eq!(batches, vec![1, 2, 4, 8]);
        assert!(events.iter().any(|e| matches!(e,
            SearchEvent::EarlyExit { reason, .. } if reason.contains("client batch size"))));
        // With explicit concurrency and early exit off, every batch size is measured.
        space.concurrency_list = vec![1];
        let mut sim = SimModel::new();
        let (_, events) = run(&mut BruteSearch, &space, &mut sim);
        let mut batches: Vec<u32> = measured(&events, SearchPhase::Brute)
            .iter()
            .map(|(_, b, _)| *b)
            .collect();
        batches.dedup();
        assert_eq!(batches, vec![1, 2, 4, 8, 16, 32]);
    }

    #[test]
    fn quick_climbs_at_one_batch_size_and_sweeps_each_allowed_one() {
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.max_model_batch_size = 4;
        space.max_instance_count = 2;
        space.max_concurrency = 16;
        space.num_configs_per_model = 1;
        space.batch_sizes = vec![1, 2, 16];
        let mut sim = SimModel::new();
        let (_, events) = run(&mut QuickSearch, &space, &mut sim);
        assert!(measured(&events, SearchPhase::Quick)
            .iter()
            .all(|(_, b, _)| *b == 1));
        assert_eq!(sim.points[0], ("config_default".to_string(), 1, 16));
        let sweep = measured(&events, SearchPhase::ConcurrencySweep);
        assert!(sweep.iter().any(|(_, b, _)| *b == 2), "{sweep:?}");
        assert!(sweep.iter().all(|(_, b, _)| *b != 16));
        // 16 exceeds every max_batch_size (default 8, searched <= 4): skipped.
        assert!(sim.skips.iter().all(|(_, b, _)| *b == 16));
        assert!(sim.skips.iter().any(|(k, _, _)| k == "config_default"));
        // perf_analyzer's batch-size: the climb uses it; above the max batch size it is skipped.
        space.search_batch_size = 8;
        space.batch_sizes = vec![8];
        let mut sim = SimModel::new();
        let (_, events) = run(&mut QuickSearch, &space, &mut sim);
        assert!(sim.points.iter().all(|(_, b, _)| *b == 8));
        assert!(sim.points.iter().any(|(k, _, _)| k == "config_default"));
        assert!(events
            .iter()
            .any(|e| matches!(e, SearchEvent::Skipped { batch_size: 8, .. })));
    }

    #[test]
    fn client_batch_limit_of_plain_and_ensemble_models() {
        let space = SearchSpace::new("sim", default_variant(), true);
        assert_eq!(space.client_batch_limit(&default_variant()), 8);
        let nb = ModelConfigVariant::default_from_config(&json!({"max_batch_size": 0}), "KIND_CPU");
        assert_eq!(space.client_batch_limit(&nb), 1);
        let mut ens = space.clone();
        ens.ensemble_max_batch_size = Some(16);
        assert_eq!(
            ens.client_batch_limit(&ModelConfigVariant::automatic(4, 1, "KIND_CPU", true)),
            4
        );
        assert_eq!(
            ens.client_batch_limit(&ModelConfigVariant::automatic(32, 1, "KIND_CPU", true)),
            16
        );
        assert_eq!(
            ens.client_batch_limit(&default_variant()),
            16,
            "the ensemble's own limit"
        );
        assert_eq!(normalized_batch_sizes(&[4, 0, 1, 4]), vec![1, 4]);
        assert_eq!(normalized_batch_sizes(&[]), vec![1]);
    }

    #[test]
    fn representative_and_cross_candidate_ranking() {
        let o = Objectives::default();
        let ms = vec![
            (m(100.0, 5.0), true),
            (m(300.0, 30.0), false),
            (m(200.0, 9.0), true),
            (Measurement::failure(4, "x"), true),
        ];
        assert_eq!(
            representative(&ms, &o),
            Some(2),
            "best passing, not best overall"
        );
        assert_eq!(representative(&ms[1..2], &o), Some(0));
        assert_eq!(representative(&ms[3..], &o), None);
        let ranked = rank_candidates(
            vec![
                ("a", m(100.0, 1.0), true),
                ("b", m(300.0, 1.0), false),
                ("c", m(200.0, 1.0), true),
            ],
            &o,
            5,
        );
        assert_eq!(
            ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec!["c", "a"]
        );
        let ranked = rank_candidates(
            vec![("a", m(100.0, 1.0), false), ("b", m(300.0, 1.0), false)],
            &o,
            1,
        );
        assert_eq!(
            ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec!["b"],
            "none passes: best failing"
        );
    }

    #[test]
    fn failed_measurements_never_pass_represent_or_rank() {
        // The reject_all case: every request failed, so no latency (0 ms) and no throughput.
        let o = Objectives::default();
        let mut c = Constraints::default();
        let failed = Measurement::failure(1, "every request failed: 10 of 10 requests failed");
        assert!(!passes_constraints(&c, &failed), "no constraints: still not passing");
        c.perf_latency_p99 = Some(Bound::max(50.0));
        assert!(!passes_constraints(&c, &failed), "a p99 bound is not met by a failed point's 0 ms");
        assert_eq!(failed.metric(Metric::PerfLatencyP99), None);
        assert!(unapplied_constraints(&c, &failed).is_empty());
        // Even flagged as passing, a failed measurement is never a representative...
        assert_eq!(representative(&[(failed.clone(), true)], &o), None);
        assert_eq!(representative(&[(failed.clone(), true), (m(10.0, 80.0), false)], &o), Some(1));
        // ... and never ranks, not even when nothing else passes.
        let ranked = rank_candidates(
            vec![("reject_all", failed.clone(), true), ("slow", m(10.0, 80.0), false)],
            &o,
            5,
        );
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), vec!["slow"]);
        assert!(rank_candidates(vec![("reject_all", failed.clone(), true)], &o, 5).is_empty());
        // Per model: a variant whose every measurement failed is not in the top list.
        let d = default_variant();
        let a = ModelConfigVariant::automatic(8, 2, "KIND_GPU", true);
        let list = vec![(d.clone(), failed.clone()), (a.clone(), m(100.0, 60.0))];
        let top = top_configs(&list, &c, &o, 3);
        assert_eq!(top.iter().map(|r| r.variant.key()).collect::<Vec<_>>(), vec![a.key()]);
        assert!(!top[0].passes);
        assert!(top_configs(&list[..1], &c, &o, 3).is_empty());
        assert!(best_per_variant(&list[..1], &c, &o).is_empty());
    }

    /// A measurer whose run is interrupted (Ctrl-C) during its `stop_after`-th
    /// measurement; it notes how many events had been emitted by then.
    struct Interrupted {
        sim: SimModel,
        stop_after: usize,
        calls: usize,
        events: std::rc::Rc<std::cell::RefCell<Vec<SearchEvent>>>,
        events_at_interrupt: usize,
    }

    impl Measurer for Interrupted {
        fn measure(&mut self, v: &ModelConfigVariant, bc: u32, c: u32) -> Measurement {
            self.calls += 1;
            let m = self.sim.measure(v, bc, c);
            if self.calls >= self.stop_after {
                self.events_at_interrupt = self.events.borrow().len();
                return Measurement::failure(c, "interrupted");
            }
            m
        }
        fn skipped(&mut self, v: &ModelConfigVariant, bc: u32, reason: &str) {
            self.sim.skipped(v, bc, reason);
        }
        fn interrupted(&self) -> bool {
            self.calls >= self.stop_after
        }
    }

    #[test]
    fn strategies_stop_at_once_when_interrupted() {
        // A huge space (100 000 instance counts): after the interrupt nothing is
        // measured and no event is emitted, however many configs remain.
        let mut space = SearchSpace::new("sim", default_variant(), true);
        space.max_instance_count = 100_000;
        space.max_model_batch_size = 8;
        space.max_concurrency = 8;
        space.batch_sizes = vec![1, 2];
        let strategies: Vec<Box<dyn SearchStrategy>> = vec![Box::new(BruteSearch), Box::new(QuickSearch)];
        for mut strategy in strategies {
            let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
            let mut meas = Interrupted { sim: SimModel::new(), stop_after: 5, calls: 0, events: events.clone(), events_at_interrupt: 0 };
            let sink = events.clone();
            let out = strategy.run(&space, &mut meas, &mut |e| sink.borrow_mut().push(e));
            let name = strategy.name();
            assert_eq!(meas.calls, 5, "{name}: no measurement after the interrupt");
            let events = events.borrow();
            assert_eq!(events.len(), meas.events_at_interrupt, "{name}: events after the interrupt: {:?}", &events[meas.events_at_interrupt..]);
            let measured = events.iter().filter(|e| matches!(e, SearchEvent::Measured { .. })).count();
            assert_eq!(measured, 4, "{name}: the interrupted measurement is not reported");
            assert_eq!(out.measurements.len(), 4, "{name}: the interrupted measurement is not a result");
            assert!(out.measurements.iter().all(|(_, m)| m.is_valid()));
        }
    }

    #[test]
    fn brute_worst_case_counts_configs_and_measurements() {
        let mut s = SearchSpace::new("sim", default_variant(), true);
        s.max_model_batch_size = 8; // 1, 2, 4, 8
        s.max_instance_count = 3;
        s.concurrency_list = vec![1, 2, 2, 4];
        s.batch_sizes = vec![1, 2];
        // 3 instance counts x 4 sizes + the default; 2 batch sizes x 3 concurrencies each.
        assert_eq!(brute_worst_case(&s), (13, 13 * 2 * 3));
        s.supports_batching = false;
        assert_eq!(brute_worst_case(&s).0, 4);
        // 100 000 instance counts: counted, not walked.
        s.max_instance_count = 100_000;
        assert_eq!(brute_worst_case(&s).0, 100_001);
        // Searched concurrency adds the final sweep of the top configs and the default.
        let mut t = SearchSpace::new("sim", default_variant(), false);
        t.max_instance_count = 1;
        t.max_concurrency = 8; // 1, 2, 4, 8
        t.num_configs_per_model = 3;
        t.max_binary_search_steps = 5;
        // 2 configs x 4 concurrencies, then 2 configs x (4 + 5).
        assert_eq!(brute_worst_case(&t), (2, 8 + 18));
        t.search_disabled = true;
        assert_eq!(brute_worst_case(&t), (1, 1));
    }

    #[test]
    fn batch_sizes_from_config_and_perf_analyzer_flag() {
        let text = r#"
model_repository: /m
profile_models:
  a:
    parameters: {batch_sizes: [4, 1, 2], concurrency: [1, 2]}
  b:
    perf_analyzer_flags: {batch-size: 8}
  c: {}
batch_sizes: [1, 16]
"#;
        let cfg = ProfileConfig::from_yaml_str(text, std::path::Path::new("c.yaml")).unwrap();
        let sp = |i: usize| {
            SearchSpace::from_config(
                &cfg,
                &cfg.profile_models[i],
                default_variant(),
                true,
                true,
                false,
            )
        };
        let a = sp(0);
        assert_eq!(
            (
                a.batch_sizes.clone(),
                a.concurrency_list.clone(),
                a.search_batch_size
            ),
            (vec![1, 2, 4], vec![1, 2], 1)
        );
        let b = sp(1);
        assert_eq!((b.batch_sizes.clone(), b.search_batch_size), (vec![8], 8));
        assert_eq!(sp(2).batch_sizes, vec![1, 16], "the global list");
    }

    #[test]
    fn quick_for_non_batching_model_searches_instances_only() {
        let default =
            ModelConfigVariant::default_from_config(&json!({"max_batch_size": 0}), "KIND_GPU");
        let mut space = SearchSpace::new("nb", default, false);
        space.max_instance_count = 5;
        space.max_concurrency = 64;
        let mut sim = SimModel::new();
        let (out, _) = run(&mut QuickSearch, &space, &mut sim);
        assert!(out.measurements.iter().all(|(v, _)| v.max_batch_size == 0));
        assert_eq!(out.top[0].variant.instance_count, 5);
    }
}
