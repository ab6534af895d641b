//! One `profile_models` entry ([`ProfileModelSpec`]) and its load
//! parameters, as given and as resolved.

use std::collections::BTreeMap;

use super::{Constraints, Objectives, PerfAnalyzerFlags};


/// A per-model `parameters` block; `None` means "not given" (then the global
/// value applies, see [`ProfileConfig::effective_parameters`](super::ProfileConfig::effective_parameters)).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelParameters {
    /// `concurrency`.
    pub concurrency: Option<Vec<u32>>,
    /// `batch_sizes` (client batch sizes).
    pub batch_sizes: Option<Vec<u32>>,
    /// `request_rate`.
    pub request_rate: Option<Vec<u32>>,
}

/// The resolved load parameters of a model (Model Analyzer's
/// `_autofill_values`): empty `concurrency` / `request_rate` mean "search".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EffectiveParameters {
    /// Explicit concurrency values (empty: search).
    pub concurrency: Vec<u32>,
    /// Client batch sizes.
    pub batch_sizes: Vec<u32>,
    /// Explicit request rates (empty: none).
    pub request_rate: Vec<u32>,
}

/// One entry of `profile_models`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfileModelSpec {
    /// Model name in the repository.
    pub name: String,
    /// `cpu_only` (default false): search KIND_CPU instances.
    pub cpu_only: bool,
    /// `parameters`.
    pub parameters: ModelParameters,
    /// `perf_analyzer_flags`; replaces the global flags when set.
    pub perf_analyzer_flags: Option<PerfAnalyzerFlags>,
    /// `model_config_parameters` (a manual sweep specification, converted to
    /// JSON: a list value is a list of alternatives, see
    /// `search::expand_model_config_parameters`).
    pub model_config_parameters: Option<BTreeMap<String, serde_json::Value>>,
    /// `constraints`; replaces the global constraints when set.
    pub constraints: Option<Constraints>,
    /// `objectives`; replaces the global objectives when set.
    pub objectives: Option<Objectives>,
    /// `weighting` (multi-model bias; default 1).
    pub weighting: Option<u32>,
}

impl ProfileModelSpec {
    /// A spec with only a name.
    pub fn named(name: impl Into<String>) -> Self {
        ProfileModelSpec {
            name: name.into(),
            ..Default::default()
        }
    }
}
