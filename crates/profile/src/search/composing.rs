//! An ensemble's composing models in the search: each one's bounds
//! ([`ComposingSpace`]), its quick-search dimensions, and the ensemble
//! variant at a coordinate (Model Analyzer's `RunConfigGeneratorFactory.
//! _get_dimensions_for_model` and `QuickRunConfigGenerator.
//! _get_next_model_config_variant` / `_get_next_ensemble_param_combo`).
//!
//! Each composing model has its own dimensions: `(log2 max_batch_size,
//! instance_count)`, only the instance count for a model that does not
//! batch. Bounds: the run's `run_config_search_{min,max}_*`, narrowed by the
//! model's `model_config_parameters` in `ensemble_composing_models` — an
//! `instance_group` count list replaces the instance range (powers of two:
//! an exponential dimension; a contiguous run: a linear one; anything else
//! is refused, as Model Analyzer does), and a `max_batch_size` list bounds
//! the batch dimension to the powers of two between its smallest and largest
//! value (a deviation: Model Analyzer accepts the list but searches the run's
//! bounds). The instance kind: an explicit `kind` in that `instance_group`,
//! else `KIND_CPU` for models named in `cpu_only_composing_models` (or on a
//! machine without GPU), else `KIND_GPU`. The model's other
//! `model_config_parameters` fields are fixed and must form one combination.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::plan::SearchBounds;

use super::neighborhood::Dim;
use super::sweep::floor_log2;
use super::variants::{json_u64, ComposingSettings};
use super::{fixed_field_combinations, instance_kind_from_parameters, model_batching_support, ModelConfigVariant};

/// The search bounds of one composing model of an ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposingSpace {
    /// The composing model's name.
    pub name: String,
    /// Its own config has `max_batch_size > 0`.
    pub supports_batching: bool,
    /// Batching and no `sequence_batching`.
    pub supports_dynamic_batching: bool,
    /// Kind of its searched instances.
    pub instance_kind: String,
    /// Smallest and largest `max_batch_size` searched (powers of two
    /// between them).
    pub max_batch_size: (u32, u32),
    /// Smallest and largest instance count searched.
    pub instances: (u32, u32),
    /// The instance counts double from the smallest (a powers-of-two
    /// `instance_group` count list) instead of growing by one.
    pub instances_exponential: bool,
    /// Fixed `model_config_parameters` fields (not searched).
    pub fixed: BTreeMap<String, Value>,
}

impl ComposingSpace {
    /// The space of composing model `name` with its own `config`, the run's
    /// `bounds`, its `model_config_parameters` from
    /// `ensemble_composing_models` (if any), and whether its instances
    /// default to `KIND_CPU` (`cpu_only_composing_models`, or no GPU).
    /// Errors name the offending key.
    pub fn new(name: &str, config: &Value, bounds: &SearchBounds, params: Option<&BTreeMap<String, Value>>, cpu_only: bool) -> Result<Self, String> {
        let (supports_batching, supports_dynamic_batching) = model_batching_support(config);
        let key = format!("ensemble_composing_models.{name}.model_config_parameters");
        let mut kind = if cpu_only { "KIND_CPU" } else { "KIND_GPU" }.to_string();
        let mut max_batch_size = (bounds.min_model_batch_size.max(1), bounds.max_model_batch_size.max(1));
        let mut instances = (bounds.min_instance_count.max(1), bounds.max_instance_count.max(1));
        let mut instances_exponential = false;
        let mut fixed = BTreeMap::new();
        if let Some(params) = params.filter(|p| !p.is_empty()) {
            if let Some(k) = instance_kind_from_parameters(params) {
                kind = k;
            }
            if let Some(list) = params.get("instance_group").map(instance_counts).filter(|l| !l.is_empty()) {
                (instances, instances_exponential) = instance_range(&list).map_err(|e| format!("{key}.instance_group: {e}"))?;
            }
            if let Some(v) = params.get("max_batch_size") {
                let list = numbers(v);
                match (list.iter().min(), list.iter().max()) {
                    (Some(&lo), Some(&hi)) if lo > 0 => max_batch_size = (lo, hi),
                    _ => return Err(format!("{key}.max_batch_size: expected positive integers, got {v}")),
                }
            }
            let combos = fixed_field_combinations(params);
            if combos.len() > 1 {
                return Err(format!(
                    "{key}: quick search takes one combination of the fields other than max_batch_size and instance_group ({} given, as Model Analyzer refuses)",
                    combos.len()
                ));
            }
            fixed = combos.into_iter().next().unwrap_or_default();
        }
        let limit = tritium_bench::limits::MAX_INSTANCE_COUNT;
        if instances.1 > limit {
            return Err(format!("{key}.instance_group: {} instances is above tritium's limit of {limit} per config", instances.1));
        }
        if max_batch_size.0 > max_batch_size.1 {
            max_batch_size = (max_batch_size.1, max_batch_size.0);
        }
        if instances.0 > instances.1 {
            instances = (instances.1, instances.0);
        }
        Ok(ComposingSpace { name: name.to_string(), supports_batching, supports_dynamic_batching, instance_kind: kind, max_batch_size, instances, instances_exponential, fixed })
    }

    /// Its quick-search dimensions: `[log2 max_batch_size, instances]`, or
    /// `[instances]` when the model does not batch.
    pub(super) fn dims(&self) -> Vec<Dim> {
        let mut dims = Vec::new();
        if self.supports_batching {
            let lo = self.max_batch_size.0.max(1);
            let mut min = i64::from(floor_log2(lo));
            if 1u32 << min < lo {
                min += 1;
            }
            let max = i64::from(floor_log2(self.max_batch_size.1.max(1)));
            dims.push(Dim { min, max: max.max(min), exponential: true });
        }
        let (lo, hi) = self.instances;
        let dim = if self.instances_exponential {
            Dim { min: i64::from(floor_log2(lo.max(1))), max: i64::from(floor_log2(hi.max(1))), exponential: true }
        } else {
            Dim { min: i64::from(lo.max(1)) - 1, max: i64::from(hi.max(1)) - 1, exponential: false }
        };
        dims.push(Dim { max: dim.max.max(dim.min), ..dim });
        dims
    }

    /// Its settings at `values` (one value per dimension of
    /// [`dims`](Self::dims)).
    pub(super) fn settings(&self, values: &[u32]) -> ComposingSettings {
        let (mbs, instances) = match (self.supports_batching, values) {
            (true, [m, i, ..]) => (*m, *i),
            (false, [i, ..]) => (0, *i),
            _ => (if self.supports_batching { 1 } else { 0 }, 1),
        };
        ComposingSettings {
            name: self.name.clone(),
            max_batch_size: mbs,
            instance_count: instances.max(1),
            instance_kind: self.instance_kind.clone(),
            dynamic_batching: self.supports_dynamic_batching,
            manual: self.fixed.clone(),
        }
    }
}

/// The quick-search dimensions of an ensemble: each composing model's, in
/// order.
pub(super) fn ensemble_dims(composing: &[ComposingSpace]) -> Vec<Dim> {
    composing.iter().flat_map(ComposingSpace::dims).collect()
}

/// The ensemble variant at `coord` over [`ensemble_dims`], and the
/// concurrency Model Analyzer measures it at before clamping:
/// `2 x max_batch_size x instances` of the FIRST composing model (its
/// `_get_next_perf_analyzer_config` reads the ensemble's dimension values
/// at index 0; a model that does not batch counts max batch 1).
pub(super) fn ensemble_variant_at(composing: &[ComposingSpace], dims: &[Dim], coord: &[i64], ensemble_batches: bool) -> (ModelConfigVariant, u64) {
    let mut settings = Vec::with_capacity(composing.len());
    let mut i = 0;
    for c in composing {
        let n = if c.supports_batching { 2 } else { 1 };
        let values: Vec<u32> = (i..i + n).filter_map(|d| Some(dims.get(d)?.value(*coord.get(d)?))).collect();
        settings.push(c.settings(&values));
        i += n;
    }
    let concurrency = settings.first().map_or(1, |s| 2 * u64::from(s.max_batch_size.max(1)) * u64::from(s.instance_count.max(1)));
    (ModelConfigVariant::ensemble(settings, ensemble_batches), concurrency)
}

/// The default variant of an ensemble: its own config, each composing
/// model described from its own config (for the tables), the instance
/// count their total.
pub fn ensemble_default_variant(ensemble: &Value, composing: &[(String, Value)], default_kind: &str) -> ModelConfigVariant {
    let mut v = ModelConfigVariant::default_from_config(ensemble, default_kind);
    v.composing = composing.iter().map(|(n, c)| ComposingSettings::described(n, c, default_kind)).collect();
    v.instance_count = v.composing.iter().map(|c| c.instance_count).fold(0u32, u32::saturating_add).max(1);
    v
}

/// The counts of an `instance_group` parameter (`[{count: [1, 2, 4]}]`,
/// possibly wrapped in one more list, as Model Analyzer's parser allows).
fn instance_counts(v: &Value) -> Vec<u32> {
    let mut g = v;
    while let Some(first) = g.as_array().and_then(|a| a.first()) {
        g = first;
    }
    g.get("count").map(numbers).unwrap_or_default()
}

fn numbers(v: &Value) -> Vec<u32> {
    match v {
        Value::Array(items) => items.iter().flat_map(numbers).collect(),
        other => json_u64(other).and_then(|n| u32::try_from(n).ok()).into_iter().collect(),
    }
}

/// `_create_instance_dimension_from_list`: powers of two give an
/// exponential dimension, a contiguous run a linear one.
fn instance_range(list: &[u32]) -> Result<((u32, u32), bool), String> {
    let mut l = list.to_vec();
    l.sort_unstable();
    l.dedup();
    let (Some(&lo), Some(&hi)) = (l.first(), l.last()) else {
        return Err("the count list is empty".into());
    };
    if lo == 0 {
        return Err(format!("count list {list:?}: counts must be positive"));
    }
    if l.iter().all(|n| n.is_power_of_two()) {
        // Every power of two from the smallest to the largest is searched.
        return Ok(((lo, hi), true));
    }
    if l.windows(2).all(|w| w[1] == w[0] + 1) {
        return Ok(((lo, hi), false));
    }
    Err(format!(
        "count list {list:?} is not compatible with quick search: give powers of two (e.g. [1, 2, 4, 8]) or a contiguous sequence (e.g. [1, 2, 3, 4])"
    ))
}
