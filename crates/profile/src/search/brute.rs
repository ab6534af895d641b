//! [`BruteSearch`]: Model Analyzer's brute search.

use super::runner::Runner;
use super::sweep::ThroughputCi;
use super::{manual_variant_groups, Measurer, ModelConfigVariant, SearchEvent, SearchOutcome, SearchPhase, SearchSpace, SearchStrategy};

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
///    the same instance count (with intervals: when a smaller size is
///    significantly better, see [`last_increased_throughput_ci`](super::last_increased_throughput_ci)). Manual mode: the combinations of
///    [`manual_variant_groups`] (`ManualModelConfigGenerator`; its
///    `max_batch_size` early exit only with `early_exit_enable`).
/// 3. When concurrency was searched (not given), a `ParameterSearch`-style
///    sweep with binary search on the constraint boundary for the top
///    `num_configs_per_model` configs and the default; points already
///    measured are reused.
///
/// With [`SearchSpace::walks`] set (a shard of `tritium profile --shard`),
/// only those walks of step 2 are taken (see [`brute_walks`]).
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

        // The walks' order, for the measurer's preload (`Measurer::expect_next`): the config
        // after the one measured, were no early exit to end its walk.
        let order: Vec<ModelConfigVariant> = brute_walks(space).into_iter().enumerate().filter(|(w, _)| owns(space, *w)).flat_map(|(_, w)| w).collect();
        let expect_after = |r: &mut Runner, v: &ModelConfigVariant| {
            let next = if v.key() == space.default_variant.key() { order.first() } else { order.iter().position(|x| x.key() == v.key()).and_then(|i| order.get(i + 1)) };
            if let Some(n) = next {
                r.expect_next(n);
            }
        };

        r.phase(SearchPhase::Baseline);
        expect_after(&mut r, &space.default_variant);
        r.perf_sweep(&space.default_variant, &concurrencies, pa_early_exit);

        if let Some(params) = &space.model_config_parameters {
            r.phase(SearchPhase::Manual);
            let mcg_early_exit = space.search.early_exit_enable;
            for (walk, group) in manual_variant_groups(params, &space.default_variant).into_iter().enumerate() {
                if r.stopped() {
                    break;
                }
                if !owns(space, walk) {
                    continue;
                }
                let mut best_throughputs: Vec<ThroughputCi> = Vec::new();
                for (i, variant) in group.iter().enumerate() {
                    if r.stopped() {
                        break;
                    }
                    expect_after(&mut r, variant);
                    let max_tp = r.perf_sweep(variant, &concurrencies, pa_early_exit);
                    if let Some(t) = max_tp.filter(|t| t.0 != 0.0) {
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
                    if mcg_early_exit && !Runner::increased(&best_throughputs) {
                        r.early_exit(
                            variant,
                            "throughput plateaued; no longer increasing max_batch_size",
                        );
                        break;
                    }
                }
            }
        } else if !space.search.disabled {
            r.phase(SearchPhase::Brute);
            for instances in space.search.bounds.min_instance_count..=space.search.bounds.max_instance_count {
                if r.stopped() {
                    break;
                }
                if !owns(space, (instances - space.search.bounds.min_instance_count) as usize) {
                    continue;
                }
                let mut mbs = if space.supports_batching {
                    space.search.bounds.min_model_batch_size
                } else {
                    space.search.bounds.max_model_batch_size
                };
                let mut best_throughputs: Vec<ThroughputCi> = Vec::new();
                loop {
                    if r.stopped() {
                        break;
                    }
                    let variant = space.automatic_variant(mbs, instances);
                    // Issue 13: a config whose bound cannot beat the incumbent is not loaded
                    // (with early exits on: not when the user listed the concurrencies without
                    // `early_exit_enable`, where Model Analyzer measures the whole grid).
                    let skipped = pa_early_exit && r.bound_skip(&variant);
                    if !skipped {
                        expect_after(&mut r, &variant);
                    }
                    let max_tp = if skipped { None } else { r.perf_sweep(&variant, &concurrencies, pa_early_exit) };
                    // _step_max_batch_size, then _done_walking_max_batch_size
                    let next = mbs.checked_mul(2);
                    if let Some(t) = max_tp.filter(|t| t.0 != 0.0) {
                        best_throughputs.push(t);
                    }
                    if max_tp.is_none() && !skipped {
                        r.early_exit(
                            &variant,
                            "every measurement failed; no larger max_batch_size",
                        );
                        break;
                    }
                    match next {
                        Some(n) if n <= space.search.bounds.max_model_batch_size => mbs = n,
                        _ => break,
                    }
                    if !skipped && !Runner::increased(&best_throughputs) {
                        r.early_exit(
                            &variant,
                            "throughput plateaued; no longer increasing max_batch_size",
                        );
                        break;
                    }
                }
            }
        }

        if space.load_levels.is_empty() && !space.search.disabled && !r.stopped() {
            r.sweep_top_configs();
        }
        r.finish()
    }
}

/// Whether the search takes walk `walk` (see [`SearchSpace::walks`]).
fn owns(space: &SearchSpace, walk: usize) -> bool {
    space.walks.as_ref().is_none_or(|w| w.contains(&walk))
}

/// Every config step 2 of [`BruteSearch`] may visit, walk by walk, with no
/// early exit: automatic mode one walk per instance count (its doubling
/// `max_batch_size`s), manual mode one per [`manual_variant_groups`] group.
/// Empty when step 2 does not run (search disabled, no parameters). A
/// sharded run names configs by their position in this list flattened.
pub fn brute_walks(space: &SearchSpace) -> Vec<Vec<super::ModelConfigVariant>> {
    if let Some(params) = &space.model_config_parameters {
        return manual_variant_groups(params, &space.default_variant);
    }
    if space.search.disabled {
        return Vec::new();
    }
    let b = &space.search.bounds;
    (b.min_instance_count..=b.max_instance_count)
        .map(|instances| {
            let mut mbs = if space.supports_batching { b.min_model_batch_size } else { b.max_model_batch_size };
            let mut walk = vec![space.automatic_variant(mbs, instances)];
            while let Some(n) = mbs.checked_mul(2).filter(|n| *n > mbs && *n <= b.max_model_batch_size) {
                mbs = n;
                walk.push(space.automatic_variant(mbs, instances));
            }
            walk
        })
        .collect()
}
