//! Ranking of variants by their representative measurement (Model
//! Analyzer's `RunConfigResultComparator` and `SortedResults`), tie-aware:
//! every comparison is [`compare`], so two configs whose difference is within
//! their confidence intervals are ordered by the tie-breaks (secondary
//! objectives, then resources), never by noise, and the tie is recorded
//! ([`RankedConfig::tied_with`], [`RankedCandidate::tied_with`]). Without
//! intervals every function here ranks exactly as Model Analyzer does.

use std::collections::HashMap;

use crate::config::{Constraints, Objectives};

use super::{compare, passes_constraints, ModelConfigVariant, Resources, VariantMeasurement, Verdict};

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
    /// Keys of the other ranked variants statistically tied with this one
    /// (see [`compare`]), best first; filled by [`top_configs`] over every
    /// ranked variant (those cut by `n` and the default included), empty
    /// without intervals.
    pub tied_with: Vec<String>,
}

fn better(objectives: &Objectives, a: &VariantMeasurement, ra: &Resources, b: &VariantMeasurement, rb: &Resources) -> bool {
    compare(objectives, a, ra, b, rb).verdict == Verdict::Better
}

/// Each variant's best measurement, in first-measured order: the best
/// passing one when any passes, else the best one (Model Analyzer's
/// `RunConfigResultComparator._aggregate_run_config_measurements` with
/// `max`). Failed measurements are ignored; variants with only failures are
/// omitted. Measurements of a variant statistically tied with its best so
/// far replace it only when the tie-breaks prefer them (e.g. lower latency).
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
        let res = Resources::of(variant);
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
                        tied_with: Vec::new(),
                    },
                );
            }
            Some(r) => {
                r.measurements += 1;
                let replace = match (r.passes, passes) {
                    (false, true) => true,
                    (true, false) => false,
                    _ => better(objectives, m, &res, &r.best, &res),
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
/// with `RunConfigResult.__lt__` = `is_better_than`; here [`compare`]). An
/// insertion sort: it is stable and never panics even if the comparison is
/// not a total order (the weighted score is not, nor is "tied").
pub fn sort_ranked(ranked: &mut [RankedConfig], objectives: &Objectives) {
    sort_best_first(ranked, |r| (&r.best, Resources::of(&r.variant)), objectives);
}

fn sort_best_first<T>(items: &mut [T], m: impl Fn(&T) -> (&VariantMeasurement, Resources), objectives: &Objectives) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && {
            let ((a, ra), (b, rb)) = (m(&items[j]), m(&items[j - 1]));
            better(objectives, a, &ra, b, &rb)
        } {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// The index of the representative of a config's measurements (each with
/// its constraint verdict): the best passing one by `objectives`, else the
/// best one; failed measurements are ignored (None when all failed).
/// Equivalent ones keep the first; statistically tied ones are settled by
/// the tie-breaks (the measurements are of one config: resources unknown).
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
                    _ => better(objectives, m, &Resources::default(), bm, &Resources::default()),
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
    let with = candidates.into_iter().map(|(t, m, p)| (t, m, p, Resources::default())).collect();
    rank_candidates_with(with, objectives, n)
        .into_iter()
        .map(|c| (c.item, c.measurement, c.passes))
        .collect()
}

/// A candidate ranked by [`rank_candidates_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct RankedCandidate<T> {
    /// The candidate.
    pub item: T,
    /// Its representative measurement.
    pub measurement: VariantMeasurement,
    /// Whether it meets its constraints.
    pub passes: bool,
    /// Its resources (tie-breaks).
    pub resources: Resources,
    /// Positions (0 = best) of the other returned candidates statistically
    /// tied with it; empty without intervals.
    pub tied_with: Vec<usize>,
}

/// [`rank_candidates`] with each candidate's [`Resources`] for the
/// tie-breaks, recording the statistical ties among the returned candidates.
pub fn rank_candidates_with<T>(
    candidates: Vec<(T, VariantMeasurement, bool, Resources)>,
    objectives: &Objectives,
    n: usize,
) -> Vec<RankedCandidate<T>> {
    let (mut passing, mut failing): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .filter(|c| c.1.is_valid())
        .partition(|c| c.2);
    let list = if passing.is_empty() {
        &mut failing
    } else {
        &mut passing
    };
    sort_best_first(list, |c| (&c.1, c.3), objectives);
    list.truncate(n);
    let ties = tie_lists(list, |c| (&c.1, c.3), objectives);
    std::mem::take(list)
        .into_iter()
        .zip(ties)
        .map(|((item, measurement, passes, resources), tied_with)| RankedCandidate { item, measurement, passes, resources, tied_with })
        .collect()
}

/// For each item, the positions of the others statistically tied with it.
fn tie_lists<T>(items: &[T], m: impl Fn(&T) -> (&VariantMeasurement, Resources), objectives: &Objectives) -> Vec<Vec<usize>> {
    let mut ties = vec![Vec::new(); items.len()];
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            let ((a, ra), (b, rb)) = (m(&items[i]), m(&items[j]));
            if compare(objectives, a, &ra, b, &rb).tied {
                ties[i].push(j);
                ties[j].push(i);
            }
        }
    }
    for t in &mut ties {
        t.sort_unstable();
    }
    ties
}

/// The `n` best variants (`SortedResults.top_n_results`): passing variants
/// only, best first; when none passes, the best `n` failing ones. Each
/// one's [`RankedConfig::tied_with`] lists every variant of that list (before
/// the cut to `n`) statistically tied with it.
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
    let ties = tie_lists(list, |r| (&r.best, Resources::of(&r.variant)), objectives);
    let keys: Vec<String> = list.iter().map(|r| r.variant.key()).collect();
    for (r, t) in list.iter_mut().zip(ties) {
        r.tied_with = t.into_iter().map(|j| keys[j].clone()).collect();
    }
    list.truncate(n);
    std::mem::take(list)
}
