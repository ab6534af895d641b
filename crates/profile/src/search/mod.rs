//! Model-config search strategies for `tritium profile`, testable without
//! Triton.
//!
//! A [`SearchStrategy`] walks a [`SearchSpace`] and asks a [`Measurer`] for
//! one measurement per (model config variant, client batch size,
//! concurrency). The caller implements [`Measurer`] with the embedded server;
//! a failed load or run comes back as a [`VariantMeasurement`] with
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
//! Tie-aware (issue 12): when measurements carry 95 % confidence intervals
//! ([`VariantMeasurement::throughput_ci`], [`LatencyIntervals`]), every
//! ranking comparison is [`compare`]: a weighted-score difference within its
//! Welch-style half-width is a statistical tie, settled by [`break_tie`]
//! (objectives one by one, then fewer instances, less GPU memory, smaller
//! `max_batch_size`, lower p99) and recorded ([`RankedConfig::tied_with`]).
//! The test is not transitive, so ties are anchored ([`anchored_order`]): the
//! tie set is the candidates tied with the point-estimate leader, never a
//! chain of ties; a config's representative likewise stays tied with its
//! point-estimate best ([`representative`]).
//! Quick search's climb reads a tied neighbour as no improvement
//! ([`significant_score`]).
//!
//! When a decision hinges on a tie — quick search's climb meets a neighbour
//! whose "improvement" over the best is within the intervals, or the top
//! config is tied with runner-ups at the end — the contenders are
//! re-measured interleaved in snake order, A B | B A | A B … (from the loaded config; one switch less per round) ([`Measurer::remeasure`]), for up to
//! [`SearchSpace::remeasure_rounds`] rounds until [`compare`] separates them
//! or they are declared equivalent; each point's repeats are [`pool`]ed
//! (mean, with an interval that covers the spread between repeats) and the
//! pooled estimate replaces its measurement ([`SearchOutcome::remeasurements`]).
//! Brute search's early exits stop only on a significant shortfall
//! ([`throughput_gain_valid_ci`], [`last_increased_throughput_ci`]; the final
//! sweep's objective gain likewise). A long search re-measures a reference
//! point (the default config at its first concurrency) periodically and at
//! the end and reports drift ([`DriftSettings`], [`SearchOutcome::drift`]).
//! Without intervals everything is Model Analyzer's rule: no re-measurement,
//! no drift check, the early exits on point estimates.
//!
//! Units: [`VariantMeasurement`] latencies are in microseconds; constraints use
//! Model Analyzer's units (ms, MB, infer/s), converted by
//! [`VariantMeasurement::metric`]. Throughput counts inferences: batch size x
//! completed requests per second.
//!
//! # Deviations from Model Analyzer
//!
//! * One model at a time: no multi-model (concurrent) search and no BLS
//!   composing-model search. An ensemble is searched by quick search with
//!   one dimension pair per composing model ([`SearchSpace::composing`],
//!   `composing`; docs/ensembles.md lists its deviations) and measured end to
//!   end.
//! * Load levels: the search walks levels; [`SearchSpace::load`] says whether
//!   a level is a concurrency or a request rate (the [`Measurer`] measures it
//!   closed or open loop, the results name it), and
//!   [`SearchSpace::level_bounds`] are the concurrency or request-rate bounds.
//!   perf_analyzer ranges arrive as explicit [`SearchSpace::load_levels`].
//!   The saturation stop, bound skip and final-sweep start below apply to
//!   rates as they are (docs/request_rate.md says why and lists the
//!   request-rate deviations).
//! * A (variant, batch size, concurrency) point is measured once; later
//!   requests for it reuse the measurement (Model Analyzer reuses
//!   checkpointed results) — except tied contenders and the drift
//!   reference, which are measured again (tritium extensions, with
//!   intervals only).
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
//! * Final sweep start (issue 13, with intervals and throughput the only
//!   objective): the sweep starts at the power of two at or below the
//!   config's best passing point so far (Model Analyzer starts at the
//!   minimum concurrency); each search measurement is told the incumbent's
//!   throughput floor ([`Measurer::incumbent`]) so a point that cannot tie
//!   ends once stable (docs/statistics/search.md).
//! * Saturation stop (issue 13, with intervals only): a concurrency sweep
//!   (brute's walks with early exit on, and the final sweep) stops one point
//!   after the plateau — when a point's throughput is not significantly
//!   above the previous point's and p99 (or a latency objective) rose
//!   significantly ([`saturated`]) — instead of waiting for Model Analyzer's
//!   4-point window, which still applies as well.
//! * Bound skip (issue 13, with intervals and a throughput-only objective,
//!   not for ensembles or manual sweeps): a config whose best possible
//!   throughput, instances x max batch size / the shortest execution seen
//!   ([`VariantMeasurement::best_execution_us`], Triton's per-batch-size
//!   statistics), is significantly below the incumbent's throughput interval
//!   is not loaded (brute, with early exits on) or not swept (the final sweep); reported as
//!   skipped with the reason (`bounds`, [`BOUND_SKIP_REASON`]). Not in quick
//!   search's climb, whose steps need measured neighbours. Assumes execution
//!   time does not fall as the batch grows and instances scale at most
//!   linearly (docs/statistics/search.md).
//! * The final sweep starts with the config the measurer has loaded; every
//!   switch of variant is counted as a load ([`SearchOutcome::loads`],
//!   [`SearchEvent::Loaded`]).
//!
//! # Layout
//!
//! * `variants`: [`ModelConfigVariant`], one model config to load (for an
//!   ensemble with each composing model's [`ComposingSettings`]).
//! * `composing`: an ensemble's composing models in the search
//!   ([`ComposingSpace`]: bounds, dimensions, the variant at a coordinate).
//! * `measurement`: [`VariantMeasurement`], one measurement of a variant.
//! * `scoring`: constraints and objectives on one measurement.
//! * `ranking`: best per variant, top configs, cross-model ranking.
//! * `manual`: the manual sweep of `model_config_parameters`.
//! * `space`: [`SearchSpace`], the bounds of one model's search (built from
//!   its [`ModelPlan`](crate::plan::ModelPlan)).
//! * `strategy`: the [`SearchStrategy`] trait, events and outcome.
//! * `sweep`: doubled lists, the early-exit gain rules and the saturation stop.
//! * `bounds`: a config's throughput bound and the skip of configs that cannot beat the incumbent.
//! * `runner`: measurement cache and the concurrency sweeps the strategies share.
//! * `pooling`, `remeasure`: pooled repeats and interleaved re-measurement of ties.
//! * `drift`: the reference point re-measured during a long search.
//! * `brute` and `quick` (with `neighborhood`): the two strategies.

mod bounds;
mod brute;
mod composing;
mod drift;
mod manual;
mod measurement;
mod neighborhood;
mod pooling;
mod quick;
mod ranking;
mod remeasure;
mod runner;
mod scoring;
mod space;
mod strategy;
mod sweep;
mod variants;

#[cfg(test)]
mod tests;

pub use bounds::BOUND_SKIP_REASON;
pub use brute::{brute_walks, BruteSearch};
pub use drift::{DriftPoint, DriftReport, DriftSettings, DRIFT_EVERY, DRIFT_MIN_MEASUREMENTS, DRIFT_MIN_SECONDS};
pub use pooling::{pool, pool_shared, pooled_interval, pooled_interval_shared, SharedSpread};
pub use remeasure::{Contender, Remeasurement, TieDecision, TieOutcome, MAX_CONTENDERS, REMEASURE_ROUNDS};
pub use manual::{expand_model_config_parameters, fixed_field_combinations, instance_kind_from_parameters, manual_variant_groups};
pub use measurement::{LatencyIntervals, VariantMeasurement};
pub use quick::QuickSearch;
pub use ranking::{anchored_order, best_per_variant, rank_candidates, rank_candidates_with, representative, sort_ranked, top_configs, RankedCandidate, RankedConfig};
pub use scoring::{break_tie, compare, compare_constraints, compare_measurements, constraint_applicable, constraint_failure_percentage, is_better_than, objective_score, passes_constraints, score_half_width, significant_score, significantly_different, statistically_tied, unapplied_constraints, Comparison, Resources, Verdict, MEMORY_TIE_TOLERANCE};
pub use space::{brute_worst_case, normalized_batch_sizes, SearchSpace};
pub use strategy::{strategy_for, SearchEvent, SearchOutcome, SearchPhase, SearchStrategy};
pub use sweep::{doubled_list, last_increased_throughput, last_increased_throughput_ci, saturated, throughput_gain_valid, throughput_gain_valid_ci, ThroughputCi};
pub use composing::{ensemble_default_variant, ComposingSpace};
pub use variants::{model_batching_support, with_name, ComposingSettings, ModelConfigVariant};

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

/// Measures a variant at a client batch size and a load level (a
/// concurrency, or a request rate when the space's [`SearchSpace::load`] is
/// one; the argument is named `concurrency` for the common case).
/// Implementations load the variant (or reuse it when already loaded), run
/// the load, and return the metrics; failures are reported in
/// [`VariantMeasurement::failed`], never by panicking.
pub trait Measurer {
    /// Measures `variant` with requests of `batch_size` inferences each,
    /// `concurrency` requests in flight.
    fn measure(
        &mut self,
        variant: &ModelConfigVariant,
        batch_size: u32,
        concurrency: u32,
    ) -> VariantMeasurement;

    /// `batch_size` is not measured for `variant` (it exceeds the config's
    /// `max_batch_size`); called once per (variant, batch size). The default
    /// does nothing.
    fn skipped(&mut self, _variant: &ModelConfigVariant, _batch_size: u32, _reason: &str) {}

    /// A fresh measurement of `variant` at `batch_size` and `concurrency`,
    /// never served from a store or cache (a point measured before is
    /// measured again): what interleaved re-measurement and drift checks
    /// call. Implementations load the variant when another one is loaded.
    /// The default calls [`measure`](Self::measure), right for measurers
    /// that do not cache.
    fn remeasure(&mut self, variant: &ModelConfigVariant, batch_size: u32, concurrency: u32) -> VariantMeasurement {
        self.measure(variant, batch_size, concurrency)
    }

    /// The lower bound of the incumbent's 95 % throughput interval (the
    /// best passing measurement so far), told before each measurement when
    /// the objectives are throughput alone; `None` otherwise. A point whose
    /// interval lies entirely below it cannot tie with the incumbent, so the
    /// measurer may end it once stable, without the CI target
    /// (`BenchConfig::decided_below`). The default ignores it.
    fn incumbent(&mut self, _throughput_lo: Option<f64>) {}

    /// The variant the search expects to measure after the next measurement
    /// (told before it, when the search can tell): a measurer may load it
    /// during that measurement (`tritium_model_switch: preload`). A wrong
    /// guess costs only that load. The default ignores it.
    fn expect_next(&mut self, _next: &ModelConfigVariant) {}

    /// True once the run was interrupted (Ctrl-C): the strategies stop at
    /// once — no further measurement, no further event. The default is never.
    fn interrupted(&self) -> bool {
        false
    }
}
