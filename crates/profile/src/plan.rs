//! The plan of a `tritium profile` run, resolved once from the parsed config:
//! for each model of `profile_models` what is measured and searched (its own
//! values where it gives them, else the global ones, with Model Analyzer's
//! fallbacks, `_autofill_values`), plus the search bounds shared by every
//! model. The run, the search space and the checkpoint fingerprint read the
//! plan; none of them goes back to the config for these values.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::config::{Constraints, EffectiveParameters, Objectives, PerfAnalyzerFlags, ProfileConfig, ProfileModelSpec, SearchMode};
pub use super::config::{LoadKind, ModelLoad};

/// The bounds of a search: the ranges of model batch size, instance count
/// and concurrency or request rate it walks (Model Analyzer's
/// `run_config_search_min_*` / `_max_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchBounds {
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
    /// `run_config_search_min_request_rate`.
    pub min_request_rate: u32,
    /// `run_config_search_max_request_rate`.
    pub max_request_rate: u32,
}

impl Default for SearchBounds {
    /// Model Analyzer's defaults.
    fn default() -> Self {
        SearchBounds {
            min_model_batch_size: 1,
            max_model_batch_size: 128,
            min_instance_count: 1,
            max_instance_count: 5,
            min_concurrency: 1,
            max_concurrency: 1024,
            min_request_rate: 16,
            max_request_rate: 8192,
        }
    }
}

/// The search mode, bounds and switches of a run (global in Model Analyzer's
/// config, the same for every model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchSettings {
    /// `run_config_search_mode`.
    pub mode: SearchMode,
    /// `run_config_search_disable`: measure the default config (and manual
    /// parameters) only.
    pub disabled: bool,
    /// The ranges searched.
    pub bounds: SearchBounds,
    /// `run_config_search_max_binary_search_steps`.
    pub max_binary_search_steps: u32,
    /// `num_configs_per_model`: how many top configs get the final sweep.
    pub num_configs_per_model: u32,
    /// `early_exit_enable`: allow early exits also when values were given
    /// explicitly.
    pub early_exit_enable: bool,
    /// `concurrency_sweep_disable`: skip quick search's final sweep.
    pub concurrency_sweep_disable: bool,
}

impl Default for SearchSettings {
    /// Model Analyzer's defaults.
    fn default() -> Self {
        SearchSettings {
            mode: SearchMode::Brute,
            disabled: false,
            bounds: SearchBounds::default(),
            max_binary_search_steps: 5,
            num_configs_per_model: 3,
            early_exit_enable: false,
            concurrency_sweep_disable: false,
        }
    }
}

impl SearchSettings {
    /// The settings of `cfg`.
    pub fn of(cfg: &ProfileConfig) -> SearchSettings {
        SearchSettings {
            mode: cfg.run_config_search_mode,
            disabled: cfg.run_config_search_disable,
            bounds: SearchBounds {
                min_model_batch_size: cfg.run_config_search_min_model_batch_size,
                max_model_batch_size: cfg.run_config_search_max_model_batch_size,
                min_instance_count: cfg.run_config_search_min_instance_count,
                max_instance_count: cfg.run_config_search_max_instance_count,
                min_concurrency: cfg.run_config_search_min_concurrency,
                max_concurrency: cfg.run_config_search_max_concurrency,
                min_request_rate: cfg.run_config_search_min_request_rate,
                max_request_rate: cfg.run_config_search_max_request_rate,
            },
            max_binary_search_steps: cfg.run_config_search_max_binary_search_steps,
            num_configs_per_model: cfg.num_configs_per_model,
            early_exit_enable: cfg.early_exit_enable,
            concurrency_sweep_disable: cfg.concurrency_sweep_disable,
        }
    }
}

/// What is measured and searched for one model of `profile_models`, every
/// value resolved (per-model over global).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPlan {
    /// Model name in the repository.
    pub name: String,
    /// `cpu_only`: search KIND_CPU instances.
    pub cpu_only: bool,
    /// Load parameters: the model's `parameters` with the global
    /// `concurrency` / `batch_sizes` / `request_rate` as fallbacks.
    pub parameters: EffectiveParameters,
    /// The load: concurrency or request rate, and the levels given
    /// explicitly (`concurrency` / `request_rate` lists, or a perf_analyzer
    /// `concurrency-range` / `request-rate-range`, which wins).
    pub load: ModelLoad,
    /// The model's `perf_analyzer_flags` when given, else the global ones
    /// (replacement, not merge).
    pub perf_analyzer_flags: PerfAnalyzerFlags,
    /// The model's `model_config_parameters` as given (the manual sweep; None
    /// or empty: automatic search).
    pub model_config_parameters: Option<BTreeMap<String, Value>>,
    /// The model's `constraints` when given, else the global ones; then
    /// `latency_budget` and `min_throughput` override.
    pub constraints: Constraints,
    /// The model's `objectives` when given, else the global ones.
    pub objectives: Objectives,
    /// The run's search mode and bounds.
    pub search: SearchSettings,
}

impl ModelPlan {
    /// The plan of `model` under `cfg`.
    pub fn resolve(cfg: &ProfileConfig, model: &ProfileModelSpec) -> ModelPlan {
        ModelPlan {
            name: model.name.clone(),
            cpu_only: model.cpu_only,
            parameters: cfg.effective_parameters(model),
            load: cfg.model_load(model),
            perf_analyzer_flags: cfg.effective_perf_analyzer_flags(model),
            model_config_parameters: model.model_config_parameters.clone(),
            constraints: cfg.effective_constraints(model),
            objectives: cfg.effective_objectives(model),
            search: SearchSettings::of(cfg),
        }
    }
}

/// Everything in a config that decides what a run measures: the model
/// repository, one [`ModelPlan`] per profiled model (in `profile_models`
/// order), the search settings and `cpu_only_composing_models`. Where the
/// results go (export paths, output repository) stays in the config.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `model_repository`.
    pub model_repository: PathBuf,
    /// The profiled models, in order.
    pub models: Vec<ModelPlan>,
    /// The search mode and bounds.
    pub search: SearchSettings,
    /// `cpu_only_composing_models`.
    pub cpu_only_composing_models: Vec<String>,
    /// `ensemble_composing_models`: each named composing model's
    /// `model_config_parameters` (None: given without parameters), which
    /// bound its quick search; composing models not named here are searched
    /// within the run's bounds.
    pub ensemble_composing_models: BTreeMap<String, Option<BTreeMap<String, Value>>>,
    /// How each load point stops (`tritium_measurement_rule`, tritium extension).
    pub measurement_rule: tritium_bench::StopRule,
    /// The adaptive rule's target, percent (`tritium_ci_target`).
    pub ci_target_pct: f64,
}

impl Plan {
    /// The plan of `cfg` (a parsed, validated config).
    pub fn resolve(cfg: &ProfileConfig) -> Plan {
        Plan {
            model_repository: cfg.model_repository.clone(),
            models: cfg.profile_models.iter().map(|m| ModelPlan::resolve(cfg, m)).collect(),
            search: SearchSettings::of(cfg),
            cpu_only_composing_models: cfg.cpu_only_composing_models.clone(),
            ensemble_composing_models: cfg.ensemble_composing_models.iter().map(|m| (m.name.clone(), m.model_config_parameters.clone())).collect(),
            measurement_rule: cfg.tritium_measurement_rule,
            ci_target_pct: cfg.tritium_ci_target,
        }
    }

    /// The plan of the model named `name`.
    pub fn model(&self, name: &str) -> Option<&ModelPlan> {
        self.models.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests;
