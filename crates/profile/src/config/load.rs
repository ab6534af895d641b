//! The load dimension of a model's profile: concurrency (closed loop) or
//! request rate (open loop), with Model Analyzer 1.58's rules for choosing
//! it and the levels it walks.
//!
//! Model Analyzer's facts this follows (`config_command_profile.py`,
//! `config_command.py`, `perf_analyzer_config_generator.py`,
//! `parameter_search.py`, `config_defaults.py`):
//!
//! * A model is profiled with request rate when its `request_rate` list is
//!   non-empty, or `request_rate_search_enable` is true, or
//!   `run_config_search_min_request_rate` / `_max_request_rate` is set by the
//!   user (`is_request_rate_specified`); else with concurrency.
//! * Rate levels: the `request_rate` list, sorted, as given; `[1]` when
//!   the search is disabled; else the doubled list from
//!   `run_config_search_min_request_rate` (default 16) to
//!   `run_config_search_max_request_rate` (default 8192), walked with the
//!   same early exit as concurrency ("No longer increasing request rate as
//!   throughput has plateaued"). The final sweep (`ParameterSearch`) walks
//!   powers of two between the rate bounds as it does between the
//!   concurrency bounds.
//! * Every profiled model uses request rate or none does
//!   (`_are_models_using_request_rate`).
//! * `concurrency` together with `request_rate_search_enable`,
//!   `request_rate` or a min/max request rate is an error, and so is
//!   `run_config_search_min/max_concurrency` together with any of them
//!   (`_check_for_concurrency_rate_request_conflicts`,
//!   `_check_for_config_search_rate_request_conflicts`).
//! * `perf_analyzer_flags` are applied after the load parameter, so a
//!   `concurrency-range` / `request-rate-range` there replaces the load of
//!   every measurement (`_update_perf_config_based_on_perf_analyzer_flags`),
//!   and quick search then leaves the load to the flags (`is_load_specified`).
//! * The inference and GPU CSVs of a request-rate run default to
//!   `DEFAULT_REQUEST_RATE_*_OUTPUT_FIELDS` (`request_rate`, header
//!   "Request Rate", in place of `concurrency`).
//!
//! # Deviations
//!
//! * A range in `perf_analyzer_flags` (`start:end:step`) gives the levels
//!   measured, one measurement each, like a `concurrency` / `request_rate`
//!   list (Model Analyzer hands the range to one perf_analyzer run per
//!   point and keeps the last row of its CSV, the range's last level). Its
//!   kind decides the model's load kind; combining it with parameters of
//!   the other kind is refused when the config is read.
//! * Quick search refuses explicit load levels (a `request_rate` list or a
//!   range flag), as Model Analyzer refuses concurrency lists in quick mode:
//!   tritium's climb and final sweep would not use them.
//! * One load kind per model. With request rate, quick search's climb
//!   measures each coordinate at `2 x max_batch_size x instances` requests/s
//!   (clamped to the rate bounds) where Model Analyzer climbs at that
//!   concurrency and sweeps rates only in the final sweep; so a model's
//!   results never mix concurrencies and rates.
//! * Rates are whole requests per second (perf_analyzer accepts fractions).

use tritium_bench::loadgen::Distribution;

use super::{ConfigError, ProfileConfig, ProfileModelSpec, SearchMode};

/// How a model is loaded: the meaning of the search's load levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadKind {
    /// Closed loop: the level is the number of requests in flight.
    Concurrency,
    /// Open loop: the level is requests per second on `distribution`'s
    /// schedule (latency from the scheduled send time).
    RequestRate {
        /// perf_analyzer's `request-distribution` (default constant).
        distribution: Distribution,
    },
}

impl LoadKind {
    /// True for request rate.
    pub fn is_rate(self) -> bool {
        matches!(self, LoadKind::RequestRate { .. })
    }

    /// What a level is called in messages: "concurrency" or "request rate".
    pub fn level_name(self) -> &'static str {
        match self {
            LoadKind::Concurrency => "concurrency",
            LoadKind::RequestRate { .. } => "request rate",
        }
    }
}

/// A model's load: its kind and the levels given explicitly (a parameter
/// list or a perf_analyzer range; empty: search between the kind's bounds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLoad {
    /// Concurrency or request rate.
    pub kind: LoadKind,
    /// Explicit levels, in the order given (empty: search).
    pub levels: Vec<u32>,
}

impl ProfileConfig {
    /// Model Analyzer's `is_request_rate_specified` for `model`'s effective
    /// parameters.
    pub fn is_request_rate_specified(&self, model: &ProfileModelSpec) -> bool {
        !self.effective_parameters(model).request_rate.is_empty()
            || self.request_rate_search_enable
            || self.set_by_user.contains("run_config_search_min_request_rate")
            || self.set_by_user.contains("run_config_search_max_request_rate")
    }

    /// The load of `model`: the kind (a range flag's kind, else request
    /// rate when [`is_request_rate_specified`](Self::is_request_rate_specified),
    /// else concurrency) and its explicit levels (the range flag's, else the
    /// parameter list of that kind). Call on a validated config.
    pub fn model_load(&self, model: &ProfileModelSpec) -> ModelLoad {
        let flags = self.effective_perf_analyzer_flags(model);
        let params = self.effective_parameters(model);
        let rate = LoadKind::RequestRate { distribution: flags.request_distribution() };
        if let Some(levels) = flags.request_rate_range() {
            return ModelLoad { kind: rate, levels };
        }
        if let Some(levels) = flags.concurrency_range() {
            return ModelLoad { kind: LoadKind::Concurrency, levels };
        }
        if self.is_request_rate_specified(model) {
            ModelLoad { kind: rate, levels: params.request_rate }
        } else {
            ModelLoad { kind: LoadKind::Concurrency, levels: params.concurrency }
        }
    }

    /// Model Analyzer's conflicts between concurrency and request-rate
    /// settings, tritium's refusal of explicit levels in quick search, and
    /// a range flag against parameters of the other kind. Part of
    /// [`validate`](Self::validate).
    pub(super) fn validate_load(&self) -> Result<(), ConfigError> {
        let invalid = |path: &str, message: String| ConfigError::Invalid { file: self.config_file.clone(), path: path.to_string(), message };
        let rate_keys = ["request_rate_search_enable", "request_rate", "run_config_search_min_request_rate", "run_config_search_max_request_rate"];
        let rate_given = |k: &str| match k {
            "request_rate_search_enable" => self.request_rate_search_enable,
            "request_rate" => !self.request_rate.is_empty(),
            other => self.set_by_user.contains(other),
        };
        if let Some(k) = rate_keys.iter().find(|k| rate_given(k)) {
            if !self.concurrency.is_empty() {
                return Err(invalid("concurrency", format!("cannot have both `{k}` and `concurrency` (as Model Analyzer)")));
            }
            for c in ["run_config_search_min_concurrency", "run_config_search_max_concurrency"] {
                if self.set_by_user.contains(c) {
                    return Err(invalid(c, format!("cannot have both `{k}` and `{c}` (as Model Analyzer)")));
                }
            }
        }
        let check_rate = |path: &str, r: u32| {
            let max = tritium_bench::limits::MAX_REQUEST_RATE;
            if f64::from(r) > max {
                return Err(invalid(path, format!("{r} requests/s is above tritium's limit of {max}/s (one process's load generator cannot schedule sends finer)")));
            }
            Ok(())
        };
        for (key, r) in [("run_config_search_min_request_rate", self.run_config_search_min_request_rate), ("run_config_search_max_request_rate", self.run_config_search_max_request_rate)] {
            check_rate(key, r)?;
        }
        for m in &self.profile_models {
            let flags = self.effective_perf_analyzer_flags(m);
            let params = self.effective_parameters(m);
            let levels = self.model_load(m);
            if levels.kind.is_rate() {
                for &r in &levels.levels {
                    check_rate(&format!("profile_models.{}", m.name), r)?;
                }
            }
            let path = format!("profile_models.{}.perf_analyzer_flags", m.name);
            if flags.get("concurrency-range").is_some() && self.is_request_rate_specified(m) {
                return Err(invalid(&format!("{path}.concurrency-range"), "cannot be combined with request-rate profiling (request_rate, request_rate_search_enable or run_config_search_min/max_request_rate)".into()));
            }
            if flags.get("request-rate-range").is_some() && !params.concurrency.is_empty() {
                return Err(invalid(&format!("{path}.request-rate-range"), "cannot be combined with a concurrency list".into()));
            }
            if self.run_config_search_mode == SearchMode::Quick {
                let load = self.model_load(m);
                let from_flag = flags.get("concurrency-range").is_some() || flags.get("request-rate-range").is_some();
                if from_flag || (load.kind.is_rate() && !load.levels.is_empty()) {
                    let what = if from_flag { format!("{path} (concurrency-range / request-rate-range)") } else { format!("profile_models.{}.parameters.request_rate", m.name) };
                    return Err(invalid(&what, "quick search mode does not support explicit load levels (a request_rate list or a perf_analyzer range): its climb and final sweep choose the levels; use brute search mode".into()));
                }
            }
            if load_levels_too_many(&params.request_rate) {
                return Err(invalid(&format!("profile_models.{}.parameters.request_rate", m.name), format!("more than tritium's limit of {} load levels", tritium_bench::limits::MAX_LOAD_LEVELS)));
            }
            if params.request_rate.contains(&0) {
                return Err(invalid(&format!("profile_models.{}.parameters.request_rate", m.name), "request rates must be at least 1".into()));
            }
        }
        // `_are_models_using_request_rate`: every model or none.
        let rate: Vec<&str> = self.profile_models.iter().filter(|m| self.model_load(m).kind.is_rate()).map(|m| m.name.as_str()).collect();
        if !rate.is_empty() && rate.len() < self.profile_models.len() {
            let conc: Vec<&str> = self.profile_models.iter().map(|m| m.name.as_str()).filter(|n| !rate.contains(n)).collect();
            return Err(invalid("profile_models", format!("every profiled model must use request rate or none (as Model Analyzer: no mixing of concurrency and request rate); request rate: {}; concurrency: {}", rate.join(", "), conc.join(", "))));
        }
        Ok(())
    }
}

fn load_levels_too_many(l: &[u32]) -> bool {
    l.len() > tritium_bench::limits::MAX_LOAD_LEVELS
}
