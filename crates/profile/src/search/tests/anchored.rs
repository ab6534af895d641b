//! The anchored tie set (issue 12, item 4): the statistical test is not
//! transitive (A ~ B, B ~ C, A significantly below C), so ties are taken
//! with the point-estimate leader, never chained; results must not depend
//! on the input order.

use tritium_bench::stats::Interval;

use super::*;
use crate::config::{Constraints, Objectives};

/// `m(tp, p99)` with a ± `tp_hw` throughput interval and a ± 0.2 ms p99 interval.
fn mi(tp: f64, tp_hw: f64, p99_ms: f64) -> VariantMeasurement {
    let mut x = m(tp, p99_ms);
    x.throughput_ci = Some(Interval::new(tp - tp_hw, tp + tp_hw));
    let us = p99_ms * 1000.0;
    x.latency_ci.p99 = Some(Interval::new(us - 200.0, us + 200.0));
    x
}

/// Every ordering of `items`.
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let x = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, x.clone());
            out.push(p);
        }
    }
    out
}

/// 3×2, 3×4, 3×8 at 660, 700, 740 infer/s, each ± 30: neighbours differ by
/// 40 ≤ √(30² + 30²) = 42.4 (tied), 3×2 and 3×8 by 80 (significant). Same
/// p99 and instances: the smaller max batch size breaks a tie.
fn chain() -> (ModelConfigVariant, ModelConfigVariant, ModelConfigVariant, Vec<(ModelConfigVariant, VariantMeasurement)>) {
    let a = ModelConfigVariant::automatic(2, 3, "KIND_GPU", true);
    let b = ModelConfigVariant::automatic(4, 3, "KIND_GPU", true);
    let c = ModelConfigVariant::automatic(8, 3, "KIND_GPU", true);
    let ms = vec![(a.clone(), mi(660.0, 30.0, 10.0)), (b.clone(), mi(700.0, 30.0, 10.0)), (c.clone(), mi(740.0, 30.0, 10.0))];
    (a, b, c, ms)
}

#[test]
fn the_chain_is_not_transitive() {
    let (_, _, _, ms) = chain();
    let o = Objectives::default();
    assert!(statistically_tied(&o, &ms[0].1, &ms[1].1));
    assert!(statistically_tied(&o, &ms[1].1, &ms[2].1));
    assert!(!statistically_tied(&o, &ms[0].1, &ms[2].1));
    assert!(is_better_than(&o, &ms[2].1, &ms[0].1));
}

#[test]
fn a_chain_of_ties_never_puts_the_significantly_worse_config_first() {
    let (a, b, c, ms) = chain();
    let o = Objectives::default();
    for p in permutations(&ms) {
        let top = top_configs(&p, &Constraints::default(), &o, 3);
        let order: Vec<String> = top.iter().map(|r| r.variant.key()).collect();
        // Leader 3×8, its tie set {3×4, 3×8}: the cheaper 3×4 is picked, never 3×2.
        assert_eq!(order, [b.key(), c.key(), a.key()], "input {:?}", p.iter().map(|x| x.0.key()).collect::<Vec<_>>());
        assert_eq!(top[0].tied_with, vec![c.key()], "the anchored tie set, not 3×2");
        assert_eq!(top[1].tied_with, vec![b.key()]);
        assert!(top[2].tied_with.is_empty(), "3×2 is significantly below the leader: {:?}", top[2].tied_with);
        let mut sorted = best_per_variant(&p, &Constraints::default(), &o);
        sort_ranked(&mut sorted, &o);
        assert_eq!(sorted.iter().map(|r| r.variant.key()).collect::<Vec<_>>(), order);
    }
}

#[test]
fn candidates_across_models_are_anchored_too() {
    let (_, _, _, ms) = chain();
    let names = ["a", "b", "c"];
    let items: Vec<(&str, VariantMeasurement, bool, Resources)> = ms.iter().zip(names).map(|((v, x), n)| (n, x.clone(), true, Resources::of(v))).collect();
    for p in permutations(&items) {
        let ranked = rank_candidates_with(p, &Objectives::default(), 3);
        assert_eq!(ranked.iter().map(|c| c.item).collect::<Vec<_>>(), ["b", "c", "a"]);
        assert_eq!(ranked[0].tied_with, vec![1]);
        assert!(ranked[2].tied_with.is_empty());
        // Cut to 1: the tie partner is not returned, so no position is listed.
        let one = rank_candidates_with(items.clone(), &Objectives::default(), 1);
        assert_eq!((one.len(), one[0].item, one[0].tied_with.is_empty()), (1, "b", true));
    }
}

#[test]
fn the_top_configs_tie_set_lists_the_leader_first() {
    // 3×1 (720), 3×4 (715) and 3×8 (740, the leader) are all tied with the
    // leader; the cheapest, 3×1, is picked and its tie set lists the leader first.
    let d = ModelConfigVariant::automatic(1, 3, "KIND_GPU", true);
    let b = ModelConfigVariant::automatic(4, 3, "KIND_GPU", true);
    let c = ModelConfigVariant::automatic(8, 3, "KIND_GPU", true);
    let ms = vec![(b.clone(), mi(715.0, 30.0, 10.0)), (d.clone(), mi(720.0, 30.0, 10.0)), (c.clone(), mi(740.0, 30.0, 10.0))];
    for p in permutations(&ms) {
        let top = top_configs(&p, &Constraints::default(), &Objectives::default(), 3);
        assert_eq!(top.iter().map(|r| r.variant.key()).collect::<Vec<_>>(), [d.key(), b.key(), c.key()]);
        assert_eq!(top[0].tied_with, vec![c.key(), b.key()]);
    }
}

#[test]
fn without_intervals_the_chain_ranks_as_model_analyzer() {
    let (a, b, c, ms) = chain();
    let bare: Vec<(ModelConfigVariant, VariantMeasurement)> = ms.iter().map(|(v, x)| (v.clone(), m(x.throughput, 10.0))).collect();
    for p in permutations(&bare) {
        let top = top_configs(&p, &Constraints::default(), &Objectives::default(), 3);
        assert_eq!(top.iter().map(|r| r.variant.key()).collect::<Vec<_>>(), [c.key(), b.key(), a.key()]);
        assert!(top.iter().all(|r| r.tied_with.is_empty()));
    }
}

#[test]
fn a_representative_never_walks_down_a_chain_of_ties() {
    // One config at three concurrencies: m1 ~ m2, m2 ~ m3, m1 significantly
    // above m3; the lower the throughput the lower the p99.
    let o = Objectives::default();
    let (m1, m2, m3) = (mi(740.0, 30.0, 30.0), mi(700.0, 30.0, 20.0), mi(660.0, 30.0, 10.0));
    for p in permutations(&[m1.clone(), m2.clone(), m3.clone()]) {
        let ms: Vec<(VariantMeasurement, bool)> = p.iter().map(|x| (x.clone(), true)).collect();
        let i = representative(&ms, &o).expect("valid measurements");
        assert_eq!(ms[i].0.throughput, 700.0, "tied with the anchor (740) and a lower p99: m2, never m3");
        let v = ModelConfigVariant::automatic(8, 3, "KIND_GPU", true);
        let with: Vec<(ModelConfigVariant, VariantMeasurement)> = p.iter().map(|x| (v.clone(), x.clone())).collect();
        let best = best_per_variant(&with, &Constraints::default(), &o);
        assert_eq!((best.len(), best[0].best.throughput, best[0].measurements), (1, 700.0, 3));
    }
    // Without intervals: the highest throughput, as Model Analyzer.
    let plain = vec![(m(660.0, 10.0), true), (m(740.0, 30.0), true), (m(700.0, 20.0), true)];
    assert_eq!(representative(&plain, &o), Some(1));
}
