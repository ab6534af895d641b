//! What applies to one model: its own constraints, objectives,
//! perf_analyzer flags and load parameters, or the global ones (Model
//! Analyzer's `_autofill_values`).

use super::{Bound, Constraints, EffectiveParameters, Objectives, PerfAnalyzerFlags, ProfileConfig, ProfileModelSpec};

impl ProfileConfig {
    /// The constraints that apply to `model`: its own if it has any, else the
    /// global ones; then `latency_budget` and `min_throughput` override
    /// (Model Analyzer's `_autofill_values`).
    pub fn effective_constraints(&self, model: &ProfileModelSpec) -> Constraints {
        let mut c = match &model.constraints {
            Some(c) if !c.is_empty() => c.clone(),
            _ => self.constraints.clone(),
        };
        if let Some(budget) = self.latency_budget {
            c.perf_latency_p99 = Some(Bound::max(f64::from(budget)));
            if c.perf_latency.is_some() {
                c.perf_latency = c.perf_latency_p99;
            }
        }
        if let Some(t) = self.min_throughput {
            c.perf_throughput = Some(Bound::min(f64::from(t)));
        }
        c
    }

    /// The objectives for `model`: its own if given, else the global ones.
    pub fn effective_objectives(&self, model: &ProfileModelSpec) -> Objectives {
        match &model.objectives {
            Some(o) if !o.weights.is_empty() => o.clone(),
            _ => self.objectives.clone(),
        }
    }

    /// The perf_analyzer flags for `model`: its own if given, else the
    /// global ones (replacement, not merge, as in Model Analyzer).
    pub fn effective_perf_analyzer_flags(&self, model: &ProfileModelSpec) -> PerfAnalyzerFlags {
        match &model.perf_analyzer_flags {
            Some(f) if !f.is_empty() => f.clone(),
            _ => self.perf_analyzer_flags.clone(),
        }
    }

    /// The load parameters for `model` with Model Analyzer's fallbacks to the
    /// global lists (`_autofill_values`, non-optuna branch).
    pub fn effective_parameters(&self, model: &ProfileModelSpec) -> EffectiveParameters {
        let p = &model.parameters;
        let given = p.concurrency.is_some() || p.batch_sizes.is_some() || p.request_rate.is_some();
        if !given {
            return EffectiveParameters {
                concurrency: self.concurrency.clone(),
                batch_sizes: self.batch_sizes.clone(),
                request_rate: self.request_rate.clone(),
            };
        }
        let concurrency = match (&p.concurrency, &p.request_rate) {
            (Some(c), _) => c.clone(),
            (None, None) => self.concurrency.clone(),
            (None, Some(_)) => Vec::new(),
        };
        EffectiveParameters {
            concurrency,
            batch_sizes: p
                .batch_sizes
                .clone()
                .unwrap_or_else(|| self.batch_sizes.clone()),
            request_rate: p
                .request_rate
                .clone()
                .unwrap_or_else(|| self.request_rate.clone()),
        }
    }
}
