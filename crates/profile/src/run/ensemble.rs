//! How `profile` searches an ensemble: Model Analyzer's quick search with one
//! (max batch size, instance count) pair per composing model, measured end to
//! end through the ensemble (see `search::composing` for the bounds).
//!
//! Model Analyzer picks quick search for any model with composing models,
//! whatever `run_config_search_mode` says (`RunConfigGeneratorFactory`:
//! `mode == "quick" or composing_models`); tritium does the same and says so
//! (a warning naming the key) instead of switching silently. With
//! `run_config_search_disable` only the ensemble as it is in the repository is
//! measured. `model_config_parameters` of the ensemble itself are not applied
//! (Model Analyzer sets only the ensemble's `max_batch_size`); the composing
//! models' come from `ensemble_composing_models`.

use serde_json::Value;

use crate::config::SearchMode;
use crate::plan::{ModelPlan, Plan};
use crate::search::{self, ComposingSpace, SearchSpace};

/// The search of an ensemble: its space, the mode it runs in, and the
/// notes to show the user.
pub(crate) struct EnsembleSearch {
    /// The space: the ensemble's default, its own `max_batch_size`, one
    /// [`ComposingSpace`] per composing model (empty when search is disabled).
    pub space: SearchSpace,
    /// Quick, unless search is disabled.
    pub mode: SearchMode,
    /// What differs from the config as written.
    pub notes: Vec<String>,
}

/// The search of ensemble `model` (own config `base`) with its composing
/// models (name, config) in step order. `cuda`: the machine has a GPU.
/// An error (a composing model's bounds that quick search cannot take)
/// names the key.
pub(crate) fn ensemble_search(plan: &Plan, model: &ModelPlan, base: &Value, composing: &[(String, Value)], cuda: bool) -> Result<EnsembleSearch, String> {
    let default_kind = if cuda { "KIND_GPU" } else { "KIND_CPU" };
    let default_variant = search::ensemble_default_variant(base, composing, default_kind);
    let (batching, dyn_batching) = search::model_batching_support(base);
    let mut space = SearchSpace::from_plan(model, default_variant, batching, dyn_batching, !cuda);
    space.ensemble_max_batch_size = Some(base.get("max_batch_size").and_then(Value::as_u64).map_or(0, |m| u32::try_from(m).unwrap_or(u32::MAX)));
    let mut notes = Vec::new();
    if space.model_config_parameters.take().is_some() {
        notes.push(format!(
            "profile_models.{}.model_config_parameters: not applied to an ensemble (its composing models take theirs from ensemble_composing_models)",
            model.name
        ));
    }
    let unknown: Vec<&str> = plan.ensemble_composing_models.keys().filter(|n| !composing.iter().any(|(c, _)| c == *n)).map(String::as_str).collect();
    if !unknown.is_empty() && plan.models.len() == 1 {
        notes.push(format!("ensemble_composing_models: {} not in ensemble '{}'; ignored", unknown.join(", "), model.name));
    }
    let mut mode = plan.search.mode;
    if plan.search.disabled {
        return Ok(EnsembleSearch { space, mode, notes });
    }
    for (name, config) in composing {
        let params = plan.ensemble_composing_models.get(name).and_then(Option::as_ref);
        let cpu_only = !cuda || plan.cpu_only_composing_models.contains(name);
        space.composing.push(ComposingSpace::new(name, config, &plan.search.bounds, params, cpu_only)?);
    }
    if mode != SearchMode::Quick {
        let asked = format!("{mode:?}").to_lowercase();
        notes.push(format!(
            "run_config_search_mode: {asked}: an ensemble is searched with quick search (one max batch size and instance count per composing model), as Model Analyzer does"
        ));
        mode = SearchMode::Quick;
    }
    Ok(EnsembleSearch { space, mode, notes })
}

/// Names of the composing models of an ensemble config in step order, each
/// once (empty for a model that is not an ensemble). The first one's
/// coordinates set quick search's concurrency, as in Model Analyzer.
pub fn composing_models(config: &Value) -> Vec<String> {
    if config.get("platform").and_then(Value::as_str) != Some("ensemble") {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    for s in config.pointer("/ensemble_scheduling/step").and_then(Value::as_array).into_iter().flatten() {
        if let Some(n) = s.get("model_name").and_then(Value::as_str) {
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
    }
    names
}
