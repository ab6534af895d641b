//! [`SearchSpace`]: the bounds and settings of one model's search, and the
//! worst case of a brute search over it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::{Constraints, Objectives};
use crate::plan::{LoadKind, ModelPlan, SearchSettings};

use super::sweep::{doubled_list, floor_log2};
use super::{instance_kind_from_parameters, manual_variant_groups, ComposingSpace, DriftSettings, ModelConfigVariant, REMEASURE_ROUNDS};

/// The bounds and settings of one model's search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpace {
    /// Model name (for messages).
    pub model_name: String,
    /// Mode, bounds and switches of the search (the run's
    /// [`SearchSettings`]).
    pub search: SearchSettings,
    /// What a load level is: a concurrency (closed loop) or a request rate
    /// (open loop). The strategies walk levels alike; the [`Measurer`](super::Measurer)
    /// and the results interpret them by this kind.
    pub load: LoadKind,
    /// Explicit load levels (`concurrency` / `request_rate` lists, or a
    /// perf_analyzer `concurrency-range` / `request-rate-range`); empty:
    /// sweep between [`level_bounds`](Self::level_bounds).
    pub load_levels: Vec<u32>,
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
    /// For an ensemble searched per composing model: each composing model's
    /// bounds, in step order (empty: a plain model). Quick search then climbs
    /// over their dimensions ([`ComposingSpace`]).
    pub composing: Vec<ComposingSpace>,
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
    /// The model's `model_config_parameters` (manual sweep), if any.
    pub model_config_parameters: Option<BTreeMap<String, Value>>,
    /// Extra rounds of interleaved re-measurement when a decision hinges on
    /// a statistical tie ([`REMEASURE_ROUNDS`]; 0: never re-measure). A
    /// tritium extension, used only with intervals.
    pub remeasure_rounds: u32,
    /// Whether the final pick is confirmed when it is not tied: the top
    /// config and the runner-up are measured again (interleaved, as a tie)
    /// so that a lead that does not survive a reload is not published as a
    /// win (a tritium extension, with intervals only; `remeasure_rounds` 0
    /// turns it off too).
    pub confirm_top: bool,
    /// When to re-measure the drift reference point (a tritium extension,
    /// used only with intervals).
    pub drift: DriftSettings,
    /// GPUs a `KIND_GPU` instance group's `count` is placed on (Triton puts
    /// `count` instances on each visible GPU unless `gpus` lists fewer); 1
    /// by default, `profile` sets the CUDA device count. Used only by the
    /// throughput bound (`bounds`), where too many is safe (a looser bound).
    pub gpu_count: u32,
    /// The walks of a brute search this run takes (`--shard`: indices into
    /// [`brute_walks`](super::brute_walks)); None: every walk.
    pub walks: Option<std::collections::BTreeSet<usize>>,
}

impl SearchSpace {
    /// A space with Model Analyzer's default bounds, tie re-measurement on
    /// ([`REMEASURE_ROUNDS`]) and drift checks off (the measurement sequence
    /// stays Model Analyzer's; set `drift.enabled` to check).
    pub fn new(
        model_name: impl Into<String>,
        default_variant: ModelConfigVariant,
        supports_batching: bool,
    ) -> Self {
        SearchSpace {
            model_name: model_name.into(),
            search: SearchSettings::default(),
            load: LoadKind::Concurrency,
            load_levels: Vec::new(),
            batch_sizes: vec![1],
            search_batch_size: 1,
            ensemble_max_batch_size: None,
            composing: Vec::new(),
            supports_batching,
            supports_dynamic_batching: supports_batching,
            default_variant,
            instance_kind: "KIND_GPU".to_string(),
            constraints: Constraints::default(),
            objectives: Objectives::default(),
            model_config_parameters: None,
            remeasure_rounds: REMEASURE_ROUNDS,
            confirm_top: false,
            // Model Analyzer's measurement sequence: no extra reference
            // measurements in between ([`SearchSpace::from_plan`] turns them on).
            drift: DriftSettings { enabled: false, ..DriftSettings::default() },
            gpu_count: 1,
            walks: None,
        }
    }

    /// The space of a model's [`ModelPlan`]. `supports_batching` /
    /// `supports_dynamic_batching` come from the model's own config; tie
    /// re-measurement and drift checks are on (their defaults);
    /// `cpu_only` is true when the machine has no usable GPU (the model's own
    /// `cpu_only` is honoured too, and an explicit `kind` in
    /// `model_config_parameters.instance_group` wins over both).
    pub fn from_plan(
        plan: &ModelPlan,
        default_variant: ModelConfigVariant,
        supports_batching: bool,
        supports_dynamic_batching: bool,
        cpu_only: bool,
    ) -> Self {
        let search = &plan.search;
        let mut kind = if cpu_only || plan.cpu_only {
            "KIND_CPU"
        } else {
            "KIND_GPU"
        }
        .to_string();
        if let Some(k) = plan
            .model_config_parameters
            .as_ref()
            .and_then(instance_kind_from_parameters)
        {
            kind = k;
        }
        let mut load_levels = plan.load.levels.clone();
        if load_levels.is_empty() && search.disabled {
            // _preprocess_and_verify_arguments: search disabled and no load given
            load_levels = vec![1];
        }
        // perf_analyzer_flags are applied after the batch sizes
        // (`_update_perf_config_based_on_perf_analyzer_flags`): `batch-size`
        // there wins for every measurement.
        let flag_batch = plan
            .perf_analyzer_flags
            .batch_size()
            .filter(|b| *b > 0);
        let batch_sizes = match flag_batch {
            Some(b) => vec![b],
            None => normalized_batch_sizes(&plan.parameters.batch_sizes),
        };
        SearchSpace {
            model_name: plan.name.clone(),
            search: *search,
            load: plan.load.kind,
            load_levels,
            batch_sizes,
            search_batch_size: flag_batch.unwrap_or(1),
            ensemble_max_batch_size: None,
            composing: Vec::new(),
            supports_batching,
            supports_dynamic_batching,
            default_variant,
            instance_kind: kind,
            constraints: plan.constraints.clone(),
            objectives: plan.objectives.clone(),
            model_config_parameters: plan
                .model_config_parameters
                .clone()
                .filter(|p| !p.is_empty()),
            remeasure_rounds: REMEASURE_ROUNDS,
            confirm_top: true,
            drift: DriftSettings::default(),
            gpu_count: 1,
            walks: None,
        }
    }

    /// The bounds of the load sweep: `run_config_search_min/max_concurrency`,
    /// or `_request_rate` for a request-rate load.
    pub fn level_bounds(&self) -> (u32, u32) {
        let b = &self.search.bounds;
        if self.load.is_rate() {
            (b.min_request_rate, b.max_request_rate)
        } else {
            (b.min_concurrency, b.max_concurrency)
        }
    }

    /// The largest client batch size `variant` accepts: its
    /// `max_batch_size`, at least 1 (Model Analyzer's
    /// `_check_for_client_vs_model_batch_size`); for an ensemble the
    /// ensemble's own `max_batch_size`, lowered to the variant's when the
    /// search sets it (see `EmbeddedMeasurer::config_json`).
    /// An ensemble variant with per-composing settings carries the
    /// ensemble's own `max_batch_size` (see [`ModelConfigVariant::ensemble`]).
    pub fn client_batch_limit(&self, variant: &ModelConfigVariant) -> u32 {
        if !variant.composing.is_empty() {
            return variant.max_batch_size.max(1);
        }
        let own = match self.ensemble_max_batch_size {
            None => variant.max_batch_size,
            Some(e) if variant.automatic && variant.max_batch_size > 0 => {
                e.min(variant.max_batch_size)
            }
            Some(e) => e,
        };
        own.max(1)
    }

    pub(super) fn automatic_variant(&self, max_batch_size: u32, instance_count: u32) -> ModelConfigVariant {
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
    } else if space.search.disabled {
        1
    } else {
        let instances = u64::from(space.search.bounds.max_instance_count.saturating_sub(space.search.bounds.min_instance_count)) + 1;
        let sizes = if space.supports_batching { doubled_list(space.search.bounds.min_model_batch_size, space.search.bounds.max_model_batch_size).len().max(1) as u64 } else { 1 };
        instances.saturating_mul(sizes).saturating_add(1)
    };
    let concurrencies = if !space.load_levels.is_empty() {
        let mut l = space.load_levels.clone();
        l.sort_unstable();
        l.dedup();
        l.len() as u64
    } else if space.search.disabled {
        1
    } else {
        let (lo, hi) = space.level_bounds();
        doubled_list(lo, hi).len() as u64
    };
    let batches = space.batch_sizes.len().max(1) as u64;
    let mut measurements = configs.saturating_mul(batches).saturating_mul(concurrencies);
    if space.load_levels.is_empty() && !space.search.disabled {
        // Final sweep of the top configs and the default: powers of two plus the binary search.
        let (lo, hi) = space.level_bounds();
        let steps = u64::from(floor_log2(hi.max(1)) - floor_log2(lo.max(1)) + 1) + u64::from(space.search.max_binary_search_steps);
        let swept = u64::from(space.search.num_configs_per_model).saturating_add(1).min(configs);
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
