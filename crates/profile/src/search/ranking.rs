//! Ranking of variants by their representative measurement (Model
//! Analyzer's `RunConfigResultComparator` and `SortedResults`).

use std::collections::HashMap;

use crate::config::{Constraints, Objectives};

use super::{is_better_than, passes_constraints, VariantMeasurement, ModelConfigVariant};

/// A variant with its representative measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedConfig {
    /// The variant.
    pub variant: ModelConfigVariant,
    /// Its best passing measurement, or its best measurement when none passes.
    pub best: VariantMeasurement,
    /// Whether `best` satisfies the constraints.
    pub passes: bool,
    /// How many valid measurements the variant has.
    pub measurements: usize,
}

/// Each variant's best measurement, in first-measured order: the best
/// passing one when any passes, else the best one (Model Analyzer's
/// `RunConfigResultComparator._aggregate_run_config_measurements` with
/// `max`). Failed measurements are ignored; variants with only failures are
/// omitted.
pub fn best_per_variant(
    measurements: &[(ModelConfigVariant, VariantMeasurement)],
    constraints: &Constraints,
    objectives: &Objectives,
) -> Vec<RankedConfig> {
    let mut order: Vec<String> = Vec::new();
    let mut by_key: HashMap<String, RankedConfig> = HashMap::new();
    for (variant, m) in measurements {
        if !m.is_valid() {
            continue;
        }
        let key = variant.key();
        let passes = passes_constraints(constraints, m);
        match by_key.get_mut(&key) {
            None => {
                order.push(key.clone());
                by_key.insert(
                    key,
                    RankedConfig {
                        variant: variant.clone(),
                        best: m.clone(),
                        passes,
                        measurements: 1,
                    },
                );
            }
            Some(r) => {
                r.measurements += 1;
                let replace = match (r.passes, passes) {
                    (false, true) => true,
                    (true, false) => false,
                    _ => is_better_than(objectives, m, &r.best),
                };
                if replace {
                    r.best = m.clone();
                    r.passes = passes;
                }
            }
        }
    }
    order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .collect()
}

/// Sorts best first with Model Analyzer's comparison (`SortedResults` sorts
/// with `RunConfigResult.__lt__` = `is_better_than`). An insertion sort: it
/// is stable and never panics even if the weighted comparison is not a total
/// order.
pub fn sort_ranked(ranked: &mut [RankedConfig], objectives: &Objectives) {
    sort_best_first(ranked, |r| &r.best, objectives);
}

fn sort_best_first<T>(items: &mut [T], m: impl Fn(&T) -> &VariantMeasurement, objectives: &Objectives) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && is_better_than(objectives, m(&items[j]), m(&items[j - 1])) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// The index of the representative of a config's measurements (each with
/// its constraint verdict): the best passing one by `objectives`, else the
/// best one; failed measurements are ignored (None when all failed). Ties
/// keep the first.
pub fn representative(
    measurements: &[(VariantMeasurement, bool)],
    objectives: &Objectives,
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, (m, passes)) in measurements.iter().enumerate() {
        if !m.is_valid() {
            continue;
        }
        let replace = match best {
            None => true,
            Some(b) => {
                let (bm, bp) = &measurements[b];
                match (bp, passes) {
                    (false, true) => true,
                    (true, false) => false,
                    _ => is_better_than(objectives, m, bm),
                }
            }
        };
        if replace {
            best = Some(i);
        }
    }
    best
}

/// Ranks candidates of any kind (for instance configs of several models,
/// `num_top_model_configs`) by their representative measurement and
/// constraint verdict, as [`top_configs`] does: the passing ones best first,
/// or when none passes the failing ones; at most `n`.
pub fn rank_candidates<T>(
    candidates: Vec<(T, VariantMeasurement, bool)>,
    objectives: &Objectives,
    n: usize,
) -> Vec<(T, VariantMeasurement, bool)> {
    let (mut passing, mut failing): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .filter(|c| c.1.is_valid())
        .partition(|c| c.2);
    let list = if passing.is_empty() {
        &mut failing
    } else {
        &mut passing
    };
    sort_best_first(list, |c| &c.1, objectives);
    list.truncate(n);
    std::mem::take(list)
}

/// The `n` best variants (`SortedResults.top_n_results`): passing variants
/// only, best first; when none passes, the best `n` failing ones.
pub fn top_configs(
    measurements: &[(ModelConfigVariant, VariantMeasurement)],
    constraints: &Constraints,
    objectives: &Objectives,
    n: usize,
) -> Vec<RankedConfig> {
    let ranked = best_per_variant(measurements, constraints, objectives);
    let (mut passing, mut failing): (Vec<_>, Vec<_>) = ranked.into_iter().partition(|r| r.passes);
    let list = if passing.is_empty() {
        &mut failing
    } else {
        &mut passing
    };
    sort_ranked(list, objectives);
    list.truncate(n);
    std::mem::take(list)
}
