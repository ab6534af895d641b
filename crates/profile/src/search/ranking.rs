//! Ranking of variants by their representative measurement (Model
//! Analyzer's `RunConfigResultComparator` and `SortedResults`), tie-aware and
//! **anchored**: the comparison of two measurements ([`compare`]) is not
//! transitive with intervals (A ~ B and B ~ C while A is significantly below
//! C), so ties are never chained. The point-estimate leader (Model
//! Analyzer's first without intervals) anchors the tie set — the candidates
//! statistically tied with *it* — and the tie-breaks (secondary objectives,
//! then resources) pick within that set; the rest are ranked the same way.
//! The ties are recorded ([`RankedConfig::tied_with`],
//! [`RankedCandidate::tied_with`]). Without intervals every function here
//! ranks exactly as Model Analyzer does.

use std::collections::HashMap;

use crate::config::{Constraints, Objectives};

use super::{break_tie, is_better_than, passes_constraints, statistically_tied, ModelConfigVariant, Resources, VariantMeasurement, Verdict};

/// A variant with its representative measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedConfig {
    /// The variant.
    pub variant: ModelConfigVariant,
    /// Its representative measurement (see [`representative`]): the best
    /// passing one, or the best one when none passes.
    pub best: VariantMeasurement,
    /// Whether `best` satisfies the constraints.
    pub passes: bool,
    /// How many valid measurements the variant has.
    pub measurements: usize,
    /// Keys of the other ranked variants recorded as statistically tied with
    /// this one by the anchored ranking (see [`anchored_order`]), best point
    /// estimate first; filled by [`top_configs`] over every ranked variant
    /// (those cut by `n` and the default included), empty without
    /// intervals. For the first variant: the tie set it was picked from (the
    /// leader and every variant tied with the leader).
    pub tied_with: Vec<String>,
}

/// Each variant's representative measurement (see [`representative`]), in
/// first-measured order: the best passing one when any passes, else the best
/// one (Model Analyzer's
/// `RunConfigResultComparator._aggregate_run_config_measurements` with
/// `max`). Failed measurements are ignored; variants with only failures are
/// omitted.
pub fn best_per_variant(
    measurements: &[(ModelConfigVariant, VariantMeasurement)],
    constraints: &Constraints,
    objectives: &Objectives,
) -> Vec<RankedConfig> {
    let mut order: Vec<String> = Vec::new();
    type Measured = Vec<(VariantMeasurement, bool)>;
    let mut by_key: HashMap<String, (&ModelConfigVariant, Measured)> = HashMap::new();
    for (variant, m) in measurements {
        if !m.is_valid() {
            continue;
        }
        let key = variant.key();
        let entry = by_key.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            (variant, Vec::new())
        });
        entry.1.push((m.clone(), passes_constraints(constraints, m)));
    }
    order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .filter_map(|(variant, mut ms)| {
            let i = representative(&ms, objectives)?;
            let count = ms.len();
            let (best, passes) = ms.swap_remove(i);
            Some(RankedConfig { variant: variant.clone(), best, passes, measurements: count, tied_with: Vec::new() })
        })
        .collect()
}

/// Sorts best first by the anchored ranking ([`anchored_order`]); without
/// intervals this is Model Analyzer's order (`SortedResults` sorts with
/// `RunConfigResult.__lt__` = `is_better_than`).
pub fn sort_ranked(ranked: &mut [RankedConfig], objectives: &Objectives) {
    let (order, _) = anchored_order(ranked, |r| (&r.best, Resources::of(&r.variant)), objectives);
    let sorted: Vec<RankedConfig> = order.iter().map(|&i| ranked[i].clone()).collect();
    ranked.clone_from_slice(&sorted);
}

/// Puts `items` in `order` (a permutation of their indices).
fn reorder<T>(items: &mut Vec<T>, order: &[usize]) {
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(order.iter().filter_map(|&i| slots[i].take()));
}

/// Model Analyzer's order of the point estimates (intervals ignored): an
/// insertion sort with `is_better_than`, stable (equivalent items keep their
/// input order) and safe when the weighted score is not a total order.
/// Returns the indices of `items`, best first.
fn point_order<T>(items: &[T], m: impl Fn(&T) -> &VariantMeasurement, objectives: &Objectives) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && is_better_than(objectives, m(&items[order[j]]), m(&items[order[j - 1]])) {
            order.swap(j, j - 1);
            j -= 1;
        }
    }
    order
}

/// The anchored tie-aware ranking of `items` (each with its measurement and
/// resources). Returns the indices of `items` best first, and for each item
/// (by index) the indices of the items recorded as tied with it, best point
/// estimate first.
///
/// Repeatedly, over the items not yet ranked: the **leader** is the first in
/// Model Analyzer's order of the point estimates ([`is_better_than`], no
/// intervals); the **tie set** is the leader and every item statistically
/// tied with the leader ([`statistically_tied`]) — with the leader, not with
/// each other, because the test is not transitive; the next item ranked is
/// the tie-breaks' choice within the tie set ([`break_tie`]: objectives one
/// at a time, then resources; scanning the set in point-estimate order, an
/// item replaces the current choice only when the tie-breaks prefer it), and
/// it is recorded as tied with every other member of its tie set. So the
/// first item is never significantly worse than the point-estimate leader,
/// whatever chain of ties joins them. Without intervals every tie set is the
/// leader alone and the order is Model Analyzer's. Deterministic: the result
/// depends on the input order only through Model Analyzer's own (stable)
/// order of equivalent point estimates.
pub fn anchored_order<T>(items: &[T], m: impl Fn(&T) -> (&VariantMeasurement, Resources), objectives: &Objectives) -> (Vec<usize>, Vec<Vec<usize>>) {
    let point = point_order(items, |x| m(x).0, objectives);
    let mut rank_of = vec![0; items.len()];
    for (r, &i) in point.iter().enumerate() {
        rank_of[i] = r;
    }
    let mut rest = point;
    let mut order = Vec::with_capacity(items.len());
    let mut ties: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    while let Some(&leader) = rest.first() {
        let (lm, _) = m(&items[leader]);
        let set: Vec<usize> = rest.iter().copied().filter(|&i| i == leader || statistically_tied(objectives, m(&items[i]).0, lm)).collect();
        let mut pick = leader;
        for &c in &set {
            let ((cm, rc), (pm, rp)) = (m(&items[c]), m(&items[pick]));
            if c != pick && break_tie(objectives, cm, &rc, pm, &rp) == Verdict::Better {
                pick = c;
            }
        }
        for &c in set.iter().filter(|&&c| c != pick) {
            ties[pick].push(c);
            ties[c].push(pick);
        }
        order.push(pick);
        rest.retain(|&i| i != pick);
    }
    for t in &mut ties {
        t.sort_unstable_by_key(|&i| rank_of[i]);
    }
    (order, ties)
}

/// The index of the representative of a config's measurements (each with
/// its constraint verdict), among the passing ones when any passes, else
/// among all; failed measurements are ignored (None when all failed). The
/// **anchor** is Model Analyzer's best by the point estimates (the first
/// measured, replaced by each later one that [`is_better_than`] it); a
/// measurement statistically tied with the anchor replaces it when the
/// tie-breaks prefer it ([`break_tie`]; the measurements are of one config,
/// so resources are unknown: e.g. a significantly lower p99). Ties are with
/// the anchor, never chained through another tied measurement, so the
/// representative is never significantly worse than the config's best.
pub fn representative(
    measurements: &[(VariantMeasurement, bool)],
    objectives: &Objectives,
) -> Option<usize> {
    let valid: Vec<usize> = (0..measurements.len()).filter(|&i| measurements[i].0.is_valid()).collect();
    let any_passes = valid.iter().any(|&i| measurements[i].1);
    let group: Vec<usize> = valid.into_iter().filter(|&i| !any_passes || measurements[i].1).collect();
    let m = |i: usize| &measurements[i].0;
    let mut anchor = *group.first()?;
    for &i in &group[1..] {
        if is_better_than(objectives, m(i), m(anchor)) {
            anchor = i;
        }
    }
    let none = Resources::default();
    let mut pick = anchor;
    for &i in &group {
        if i != anchor && statistically_tied(objectives, m(i), m(anchor)) && break_tie(objectives, m(i), &none, m(pick), &none) == Verdict::Better {
            pick = i;
        }
    }
    Some(pick)
}

/// Ranks candidates of any kind (for instance configs of several models,
/// `num_top_model_configs`) by their representative measurement and
/// constraint verdict, as [`top_configs`] does ([`anchored_order`]): the passing ones best first,
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
    /// Positions (0 = best) of the other returned candidates recorded as
    /// statistically tied with it by the anchored ranking (see
    /// [`anchored_order`]; for the first: its tie set), best point estimate
    /// first; empty without intervals.
    pub tied_with: Vec<usize>,
}

/// [`rank_candidates`] with each candidate's [`Resources`] for the
/// tie-breaks, ranked by [`anchored_order`], recording the ties among the
/// returned candidates.
pub fn rank_candidates_with<T>(
    candidates: Vec<(T, VariantMeasurement, bool, Resources)>,
    objectives: &Objectives,
    n: usize,
) -> Vec<RankedCandidate<T>> {
    let (passing, failing): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .filter(|c| c.1.is_valid())
        .partition(|c| c.2);
    let list = if passing.is_empty() { failing } else { passing };
    let (order, ties) = anchored_order(&list, |c| (&c.1, c.3), objectives);
    let order: Vec<usize> = order.into_iter().take(n).collect();
    let mut position = vec![usize::MAX; list.len()];
    for (p, &i) in order.iter().enumerate() {
        position[i] = p;
    }
    let tied: Vec<Vec<usize>> = order.iter().map(|&i| ties[i].iter().map(|&j| position[j]).filter(|&p| p != usize::MAX).collect()).collect();
    let mut list = list;
    reorder(&mut list, &order);
    list.into_iter()
        .zip(tied)
        .map(|((item, measurement, passes, resources), tied_with)| RankedCandidate { item, measurement, passes, resources, tied_with })
        .collect()
}

/// The `n` best variants (`SortedResults.top_n_results`): passing variants
/// only, best first by [`anchored_order`]; when none passes, the best `n`
/// failing ones. Each one's [`RankedConfig::tied_with`] lists the variants
/// of that list (before the cut to `n`) the anchored ranking records as tied
/// with it.
pub fn top_configs(
    measurements: &[(ModelConfigVariant, VariantMeasurement)],
    constraints: &Constraints,
    objectives: &Objectives,
    n: usize,
) -> Vec<RankedConfig> {
    let ranked = best_per_variant(measurements, constraints, objectives);
    let (passing, failing): (Vec<_>, Vec<_>) = ranked.into_iter().partition(|r| r.passes);
    let mut list = if passing.is_empty() { failing } else { passing };
    let (order, ties) = anchored_order(&list, |r| (&r.best, Resources::of(&r.variant)), objectives);
    let keys: Vec<String> = list.iter().map(|r| r.variant.key()).collect();
    for (r, t) in list.iter_mut().zip(ties) {
        r.tied_with = t.into_iter().map(|j| keys[j].clone()).collect();
    }
    reorder(&mut list, &order);
    list.truncate(n);
    list
}
