//! The runner: measurement cache, event bookkeeping and the concurrency
//! sweeps shared by the strategies (re-measurement of ties: `remeasure`;
//! drift checks: `drift`).

use std::collections::{HashMap, HashSet};

use super::drift::DriftState;
use super::remeasure::Remeasurement;
use super::bounds::cannot_beat;
use crate::config::Metric;
use super::sweep::{doubled_list, floor_log2, saturated, ThroughputCi};
use super::{
    best_per_variant, compare_measurements, is_better_than, last_increased_throughput_ci, passes_constraints, score_half_width, throughput_gain_valid_ci, top_configs, VariantMeasurement, Measurer, ModelConfigVariant, RankedConfig,
    SearchEvent, SearchOutcome, SearchPhase, SearchSpace, THROUGHPUT_MINIMUM_CONSECUTIVE_BATCH_SIZE_TRIES, THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES, THROUGHPUT_MINIMUM_GAIN,
};

pub(super) struct Runner<'a> {
    pub(super) space: &'a SearchSpace,
    measurer: &'a mut dyn Measurer,
    pub(super) on_event: &'a mut dyn FnMut(SearchEvent),
    /// The current measurement of each (variant key, batch size,
    /// concurrency): the first, or the pooled estimate after re-measurement.
    pub(super) cache: HashMap<(String, u32, u32), VariantMeasurement>,
    /// Every measurement of each re-measured point (the first included).
    pub(super) repeats: HashMap<(String, u32, u32), Vec<VariantMeasurement>>,
    pub(super) remeasurements: Vec<Remeasurement>,
    skipped: HashSet<(String, u32)>,
    measurements: Vec<(ModelConfigVariant, VariantMeasurement)>,
    pub(super) phase: SearchPhase,
    /// Measurer calls of the search and of re-measurements (drift checks not counted).
    pub(super) calls: usize,
    /// The variant of the last measurer call (what the measurer has loaded).
    pub(super) last_key: Option<String>,
    /// Measurer calls that switched the variant (what a measurer loads on).
    pub(super) loads: usize,
    /// Configs not measured because they cannot beat the incumbent.
    skipped_configs: Vec<(ModelConfigVariant, String)>,
    pub(super) drift: DriftState,
}

impl<'a> Runner<'a> {
    pub(super) fn new(
        space: &'a SearchSpace,
        measurer: &'a mut dyn Measurer,
        on_event: &'a mut dyn FnMut(SearchEvent),
    ) -> Self {
        Runner {
            space,
            measurer,
            on_event,
            cache: HashMap::new(),
            repeats: HashMap::new(),
            remeasurements: Vec::new(),
            skipped: HashSet::new(),
            measurements: Vec::new(),
            phase: SearchPhase::Baseline,
            calls: 0,
            last_key: None,
            loads: 0,
            skipped_configs: Vec::new(),
            drift: DriftState::new(),
        }
    }

    /// A fresh measurement ([`Measurer::remeasure`]) with its keys set, not
    /// counted as a search measurement; None when interrupted.
    pub(super) fn take_uncounted(&mut self, variant: &ModelConfigVariant, batch_size: u32, concurrency: u32) -> Option<VariantMeasurement> {
        if self.stopped() {
            return None;
        }
        self.switching(&variant.key());
        // A re-measurement settles a tie or checks drift: it needs its full precision.
        self.measurer.incumbent(None);
        let mut m = self.measurer.remeasure(variant, batch_size, concurrency);
        self.last_key = Some(variant.key());
        if self.stopped() {
            return None;
        }
        m.variant_key = variant.key();
        m.batch_size = batch_size;
        m.concurrency = concurrency;
        Some(m)
    }

    /// [`take_uncounted`](Self::take_uncounted), counted (a re-measurement
    /// of a tie is a measurement of the search's time line).
    pub(super) fn take(&mut self, variant: &ModelConfigVariant, batch_size: u32, concurrency: u32) -> Option<VariantMeasurement> {
        self.drift_before(&variant.key());
        let m = self.take_uncounted(variant, batch_size, concurrency)?;
        self.calls += 1;
        if self.drift.report.is_some() {
            self.drift.since_reference += 1;
        }
        Some(m)
    }

    /// Tells the measurer which variant the search expects after the next
    /// measurement ([`Measurer::expect_next`]).
    pub(super) fn expect_next(&mut self, variant: &ModelConfigVariant) {
        self.measurer.expect_next(variant);
    }

    /// Replaces a point's measurement with the pooled estimate of `repeats`.
    pub(super) fn set_pooled(&mut self, variant: &ModelConfigVariant, batch_size: u32, concurrency: u32, pooled: &VariantMeasurement, repeats: Vec<VariantMeasurement>) {
        let key = (variant.key(), batch_size, concurrency);
        for (v, m) in self.measurements.iter_mut() {
            if v.key() == key.0 && m.batch_size == batch_size && m.concurrency == concurrency {
                *m = pooled.clone();
            }
        }
        self.cache.insert(key.clone(), pooled.clone());
        self.repeats.insert(key, repeats);
    }

    /// A measurer call for `key` is next: when another variant is loaded
    /// (or none), it is a load — counted and reported.
    fn switching(&mut self, key: &str) {
        if self.last_key.as_deref() == Some(key) {
            return;
        }
        self.loads += 1;
        (self.on_event)(SearchEvent::Loaded { phase: self.phase, variant_key: key.to_string(), loads: self.loads });
    }

    /// Skips `variant` when its throughput bound cannot beat the incumbent
    /// ([`cannot_beat`]): every allowed client batch size it has no
    /// measurement at is reported skipped (to the measurer, which records
    /// it, and as [`SearchEvent::Skipped`]), and an
    /// [`SearchEvent::EarlyExit`] says why. True when skipped.
    pub(super) fn bound_skip(&mut self, variant: &ModelConfigVariant) -> bool {
        if self.stopped() {
            return false;
        }
        let Some(reason) = cannot_beat(self.space, variant, &self.measurements) else { return false };
        let reason = self.in_level_terms(reason);
        let key = variant.key();
        let space = self.space;
        for b in self.allowed_batch_sizes(variant, &space.batch_sizes) {
            let measured = self.cache.keys().any(|(k, kb, _)| *k == key && *kb == b);
            if !measured && self.skipped.insert((key.clone(), b)) {
                self.measurer.skipped(variant, b, &reason);
                (self.on_event)(SearchEvent::Skipped { phase: self.phase, variant_key: key.clone(), batch_size: b, reason: reason.clone() });
            }
        }
        let walked = self.cache.keys().any(|(k, _, _)| *k == key);
        let what = if walked { "concurrency sweep skipped" } else { "not measured" };
        self.early_exit(variant, &format!("{what}: {reason}"));
        self.skipped_configs.push((variant.clone(), reason));
        true
    }

    /// The run was interrupted: measure nothing more, report nothing more.
    pub(super) fn stopped(&self) -> bool {
        self.measurer.interrupted()
    }

    pub(super) fn phase(&mut self, phase: SearchPhase) {
        self.phase = phase;
        if self.stopped() {
            return;
        }
        (self.on_event)(SearchEvent::PhaseStarted(phase));
    }

    /// `text` with its load levels named by the space's load kind: the
    /// strategies' messages say "concurrency", which a request-rate search
    /// reports as "request rate" (a level is never called a concurrency when
    /// it is a rate).
    pub(super) fn in_level_terms(&self, text: String) -> String {
        if self.space.load.is_rate() {
            text.replace("concurrencies", "request rates").replace("concurrency", "request rate")
        } else {
            text
        }
    }

    pub(super) fn note(&mut self, text: String) {
        if self.stopped() {
            return;
        }
        let text = self.in_level_terms(text);
        (self.on_event)(SearchEvent::Note(text));
    }

    pub(super) fn early_exit(&mut self, variant: &ModelConfigVariant, reason: &str) {
        if self.stopped() {
            return;
        }
        let reason = self.in_level_terms(reason.to_string());
        (self.on_event)(SearchEvent::EarlyExit {
            phase: self.phase,
            variant_key: variant.key(),
            reason,
        });
    }

    /// Whether throughput is the only objective (what the decisive rules
    /// below need: a point can change the answer only by its throughput).
    pub(super) fn throughput_only(&self) -> bool {
        let o = self.space.objectives.normalized();
        !o.is_empty() && o.iter().all(|(m, w)| *m == Metric::PerfThroughput && *w > 0.0)
    }

    /// The incumbent's throughput floor, told to the measurer before each
    /// search measurement ([`Measurer::incumbent`]): the highest lower bound
    /// of a passing measurement's 95 % throughput interval, when throughput
    /// is the only objective. A point whose interval ends below it cannot be
    /// the best or tie with it, so it needs no tighter interval than the
    /// stability rule gives.
    fn incumbent_floor(&self) -> Option<f64> {
        if !self.throughput_only() {
            return None;
        }
        self.measurements
            .iter()
            .filter(|(_, m)| m.is_valid() && self.passes(m))
            .filter_map(|(_, m)| m.throughput_ci.map(|c| c.lo))
            .reduce(f64::max)
    }

    /// Where the final sweep of `variant` at `batch_size` starts: Model
    /// Analyzer's minimum concurrency, or — with intervals and throughput the
    /// only objective — the power of two at or below the concurrency of the
    /// variant's best passing point measured so far (a closed loop's
    /// throughput does not grow as concurrency falls, so lower points cannot
    /// change the answer; a failing start still bisects down to the
    /// constraint boundary).
    fn sweep_start(&mut self, variant: &ModelConfigVariant, batch_size: u32, min_idx: u32, max_idx: u32) -> u32 {
        if !self.throughput_only() {
            return min_idx;
        }
        let key = variant.key();
        let best = self
            .cache
            .iter()
            .filter(|((k, b, _), m)| *k == key && *b == batch_size && m.is_valid() && m.throughput_ci.is_some() && self.passes(m))
            .max_by(|a, b| a.1.throughput.total_cmp(&b.1.throughput))
            .map(|((_, _, c), _)| *c);
        let Some(c) = best else { return min_idx };
        let start = floor_log2(c.max(1)).clamp(min_idx, max_idx);
        if start > min_idx {
            self.note(format!(
                "{key}: concurrency sweep at batch size {batch_size} starts at {} (its best passing point so far is at {c}; lower concurrencies cannot raise throughput)",
                1u32 << start
            ));
        }
        start
    }

    pub(super) fn passes(&self, m: &VariantMeasurement) -> bool {
        passes_constraints(&self.space.constraints, m)
    }

    pub(super) fn measure(
        &mut self,
        variant: &ModelConfigVariant,
        batch_size: u32,
        concurrency: u32,
    ) -> VariantMeasurement {
        if self.stopped() {
            return VariantMeasurement::failure(concurrency, "interrupted");
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
        self.drift_before(&key);
        if self.stopped() {
            return VariantMeasurement::failure(concurrency, "interrupted");
        }
        self.switching(&key);
        let floor = self.incumbent_floor();
        self.measurer.incumbent(floor);
        let mut m = self.measurer.measure(variant, batch_size, concurrency);
        self.last_key = Some(key.clone());
        if self.stopped() {
            // Interrupted during this measurement: it is not a result, and nothing more is reported.
            return VariantMeasurement::failure(concurrency, "interrupted");
        }
        self.calls += 1;
        m.variant_key = key.clone();
        m.batch_size = batch_size;
        m.concurrency = concurrency;
        self.cache.insert((key, batch_size, concurrency), m.clone());
        self.measurements.push((variant.clone(), m.clone()));
        self.drift_after(variant, &m);
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
    pub(super) fn measure_checked(
        &mut self,
        variant: &ModelConfigVariant,
        batch_size: u32,
        concurrency: u32,
    ) -> VariantMeasurement {
        if batch_size <= self.space.client_batch_limit(variant) {
            return self.measure(variant, batch_size, concurrency);
        }
        self.allowed_batch_sizes(variant, &[batch_size]);
        VariantMeasurement::failure(
            concurrency,
            format!("client batch size {batch_size} exceeds the config's max_batch_size"),
        )
    }

    /// The sizes of `sizes` `variant` accepts; the others are reported as
    /// skipped (once per variant and size).
    pub(super) fn allowed_batch_sizes(&mut self, variant: &ModelConfigVariant, sizes: &[u32]) -> Vec<u32> {
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

    pub(super) fn top(&self, n: usize) -> Vec<RankedConfig> {
        top_configs(
            &self.measurements,
            &self.space.constraints,
            &self.space.objectives,
            n,
        )
    }

    /// The top `num_configs_per_model` variants plus the default
    /// (`ResultManager.top_n_results(include_default=True)`).
    pub(super) fn top_with_default(&self) -> Vec<ModelConfigVariant> {
        let mut out: Vec<ModelConfigVariant> = self
            .top(self.space.search.num_configs_per_model as usize)
            .into_iter()
            .map(|r| r.variant)
            .collect();
        let dkey = self.space.default_variant.key();
        if !out.iter().any(|v| v.key() == dkey) {
            out.push(self.space.default_variant.clone());
        }
        out
    }

    /// Settles a tied final pick (interleaved re-measurement), takes the
    /// last drift check, and ranks.
    pub(super) fn finish(mut self) -> SearchOutcome {
        self.settle_final_pick();
        if !self.stopped() {
            self.drift_final();
        }
        let top = self.top(self.space.search.num_configs_per_model as usize);
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
            remeasurements: self.remeasurements,
            drift: self.drift.report,
            loads: self.loads,
            skipped_configs: self.skipped_configs,
        }
    }

    // -- concurrency sweeps ------------------------------------------------

    /// The concurrency values of a brute-mode sweep and whether early exit is
    /// on (`PerfAnalyzerConfigGenerator._create_load_levels`,
    /// `ModelRunConfigGenerator._determine_early_exit_enables`).
    pub(super) fn brute_concurrencies(&self) -> (Vec<u32>, bool) {
        let s = self.space;
        if !s.load_levels.is_empty() {
            let mut l = s.load_levels.clone();
            l.sort_unstable();
            l.dedup();
            (l, s.search.early_exit_enable)
        } else if s.search.disabled {
            (vec![1], s.search.early_exit_enable)
        } else {
            let (lo, hi) = s.level_bounds();
            (doubled_list(lo, hi), true)
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
    /// measurement ends both (`_last_results_erroneous`). With intervals a
    /// significant gain keeps a walk going unless it is significantly below
    /// the minimum ([`throughput_gain_valid_ci`]). Returns the maximum throughput over
    /// every batch size with its interval (None when every measurement
    /// failed or nothing was measured).
    pub(super) fn perf_sweep(
        &mut self,
        variant: &ModelConfigVariant,
        values: &[u32],
        early_exit: bool,
    ) -> Option<ThroughputCi> {
        let mut overall: Option<ThroughputCi> = None;
        let mut batch_best: Vec<ThroughputCi> = Vec::new();
        let higher = |acc: Option<ThroughputCi>, t: ThroughputCi| Some(match acc {
            Some(a) if a.0 >= t.0 => a,
            _ => t,
        });
        let space = self.space;
        let batches = self.allowed_batch_sizes(variant, &space.batch_sizes);
        for (bi, &b) in batches.iter().enumerate() {
            if self.stopped() {
                break;
            }
            let mut throughputs: Vec<ThroughputCi> = Vec::new();
            let mut failed = false;
            let mut prev: Option<VariantMeasurement> = None;
            for (ci, &c) in values.iter().enumerate() {
                let m = self.measure(variant, b, c);
                if !m.is_valid() {
                    failed = true;
                    break;
                }
                throughputs.push((m.throughput, m.throughput_ci));
                let plateau = prev.as_ref().and_then(|p| saturated(&space.objectives, p, &m));
                if let Some(why) = plateau.filter(|_| early_exit && ci + 1 < values.len()) {
                    self.early_exit(variant, &format!("{why} at batch size {b}; no longer increasing concurrency"));
                    break;
                }
                prev = Some(m);
                if early_exit
                    && !throughput_gain_valid_ci(
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
            let best = throughputs.iter().copied().fold(None, higher);
            if let Some(t) = best {
                overall = higher(overall, t);
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
                && !throughput_gain_valid_ci(
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

    /// Brute search's `max_batch_size` early exit on the configs' best
    /// throughputs ([`last_increased_throughput_ci`]).
    pub(super) fn increased(best_throughputs: &[ThroughputCi]) -> bool {
        last_increased_throughput_ci(best_throughputs)
    }

    /// `ParameterSearch.search_parameters`: sweep concurrency over powers of
    /// two from `2^floor(log2 min)` to `2^floor(log2 max)`, stopping when the
    /// objective gain over the last 4 points saturates below 5%; then, if a
    /// constraint flips from passing to failing between two consecutive
    /// points, binary-search between them for up to
    /// `max_binary_search_steps` steps.
    pub(super) fn parameter_search(&mut self, variant: &ModelConfigVariant, batch_size: u32) {
        let (lo, hi) = self.space.level_bounds();
        let (min_idx, max_idx) = (floor_log2(lo.max(1)), floor_log2(hi.max(1)));
        let mut params: Vec<u32> = Vec::new();
        let mut results: Vec<Option<VariantMeasurement>> = Vec::new();
        let mut prev: Option<VariantMeasurement> = None;
        let start_idx = self.sweep_start(variant, batch_size, min_idx, max_idx);
        for i in start_idx..=max_idx {
            if self.stopped() {
                return;
            }
            if results.len() >= THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES && self.gain_saturated(&results) {
                self.early_exit(
                    variant,
                    "objective gain saturated; terminating concurrency sweep",
                );
                break;
            }
            let c = 1u32 << i;
            let m = self.measure(variant, batch_size, c);
            params.push(c);
            let plateau = prev.as_ref().and_then(|p| saturated(&self.space.objectives, p, &m));
            if m.is_valid() {
                prev = Some(m.clone());
            }
            results.push(m.is_valid().then_some(m));
            if let Some(why) = plateau.filter(|_| i < max_idx) {
                self.early_exit(variant, &format!("{why}; terminating concurrency sweep"));
                break;
            }
        }
        let Some((mut lo, mut hi)) = self.constraint_boundary(&params, &results) else {
            return;
        };
        for _ in 0..self.space.search.max_binary_search_steps {
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

    /// `objective_gain < THROUGHPUT_MINIMUM_GAIN`; with intervals on the
    /// window's first and best points, not when the gain is significant
    /// (above the weighted score's half-width, see [`score_half_width`]) and
    /// its shortfall from the minimum is not (as [`throughput_gain_valid_ci`]).
    fn gain_saturated(&self, results: &[Option<VariantMeasurement>]) -> bool {
        let gain = self.objective_gain(results);
        if gain >= THROUGHPUT_MINIMUM_GAIN {
            return false;
        }
        let window = &results[results.len() - THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES..];
        let mut best: Option<&VariantMeasurement> = None;
        for m in window.iter().flatten() {
            if best.is_none_or(|b| is_better_than(&self.space.objectives, m, b)) {
                best = Some(m);
            }
        }
        match (window[0].as_ref(), best) {
            (Some(f), Some(b)) => score_half_width(&self.space.objectives, f, b).is_none_or(|u| gain <= u || THROUGHPUT_MINIMUM_GAIN - gain > u),
            _ => true,
        }
    }

    /// `ParameterSearch._calculate_gain`: the first of the last 4 points
    /// compared with the best of them (by objectives).
    pub(super) fn objective_gain(&self, results: &[Option<VariantMeasurement>]) -> f64 {
        let window = &results[results.len() - THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES..];
        let first = window[0].as_ref();
        let mut best: Option<&VariantMeasurement> = None;
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
    pub(super) fn constraint_boundary(
        &self,
        params: &[u32],
        results: &[Option<VariantMeasurement>],
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
    /// batch size they accept. The config the measurer has loaded goes first
    /// (no load for it); a config whose throughput bound cannot beat the
    /// incumbent is not swept ([`Runner::bound_skip`]).
    pub(super) fn sweep_top_configs(&mut self) {
        self.phase(SearchPhase::ConcurrencySweep);
        let space = self.space;
        let mut configs = self.top_with_default();
        if let Some(i) = configs.iter().position(|v| Some(v.key()) == self.last_key) {
            let loaded = configs.remove(i);
            configs.insert(0, loaded);
        }
        for (i, variant) in configs.iter().enumerate() {
            if self.stopped() {
                return;
            }
            if self.bound_skip(variant) {
                continue;
            }
            if let Some(next) = configs.get(i + 1) {
                self.expect_next(next);
            }
            for b in self.allowed_batch_sizes(variant, &space.batch_sizes) {
                self.parameter_search(variant, b);
            }
        }
    }
}
