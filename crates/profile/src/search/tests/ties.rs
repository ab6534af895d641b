//! Tie-aware ranking (issue 12, item 4): differences within the 95 %
//! intervals are ties, broken by secondary objectives then resources.

use std::collections::BTreeMap;

use tritium_bench::stats::Interval;

use super::*;
use crate::config::{Constraints, Objectives};

/// `m(tp, p99)` with a symmetric throughput interval of ± `tp_hw` and a p99
/// interval of ± `p99_hw_ms`.
fn mi(tp: f64, tp_hw: f64, p99_ms: f64, p99_hw_ms: f64) -> VariantMeasurement {
    let mut x = m(tp, p99_ms);
    x.throughput_ci = Some(Interval::new(tp - tp_hw, tp + tp_hw));
    let us = p99_ms * 1000.0;
    x.latency_ci.p99 = Some(Interval::new(us - p99_hw_ms * 1000.0, us + p99_hw_ms * 1000.0));
    x
}

fn objectives(w: &[(&str, f64)]) -> Objectives {
    Objectives { weights: w.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>() }
}

#[test]
fn the_test_is_welch_style_not_overlap() {
    // Half-widths 80 and 95: overlap needs |d| <= 175, Welch-style |d| <= 124.2.
    let o = Objectives::default();
    let r = Resources::default();
    let tied = compare(&o, &mi(3723.2, 80.0, 43.0, 1.0), &r, &mi(3673.7, 95.0, 8.0, 0.5), &r);
    assert!(tied.tied);
    let apart = compare(&o, &mi(3800.0, 80.0, 43.0, 1.0), &r, &mi(3650.0, 95.0, 8.0, 0.5), &r);
    assert!(!apart.tied, "150 > sqrt(80^2 + 95^2) = 124.2: significant although the intervals overlap");
    assert_eq!(apart.verdict, Verdict::Better);
    assert!(significantly_different(10.0, Some(Interval::new(9.0, 11.0)), 12.0, Some(Interval::new(11.0, 13.0))));
    assert!(!significantly_different(10.0, Some(Interval::new(9.0, 11.0)), 11.0, Some(Interval::new(10.0, 12.0))));
    // Asymmetric intervals: the halves facing each other count.
    assert!(!significantly_different(10.0, Some(Interval::new(9.9, 12.0)), 8.0, Some(Interval::new(6.0, 10.0))));
    assert!(significantly_different(10.0, Some(Interval::new(9.9, 12.0)), 8.0, Some(Interval::new(7.9, 8.1))));
}

#[test]
fn without_intervals_the_comparison_is_model_analyzers() {
    let o = Objectives::default();
    let r = Resources::default();
    let (a, b) = (m(3723.2, 43.0), m(3673.7, 8.0));
    assert_eq!(score_half_width(&o, &a, &b), None);
    let c = compare(&o, &a, &Resources { instances: Some(3), max_batch_size: Some(64) }, &b, &Resources { instances: Some(1), max_batch_size: Some(8) });
    assert_eq!(c, Comparison { verdict: Verdict::Better, tied: false }, "a 1.01x win, as Model Analyzer has it");
    assert_eq!(compare(&o, &b, &r, &a, &r).verdict, Verdict::Worse);
    assert_eq!(compare(&o, &a, &r, &a.clone(), &r).verdict, Verdict::Equivalent);
    // One side without intervals: unknown, Model Analyzer's rule.
    assert!(!compare(&o, &mi(3723.2, 80.0, 43.0, 1.0), &r, &b, &r).tied);
}

#[test]
fn a_tie_is_broken_by_fewer_instances() {
    let o = Objectives::default();
    let big = ModelConfigVariant::automatic(8, 3, "KIND_GPU", true);
    let small = ModelConfigVariant::automatic(8, 1, "KIND_GPU", true);
    // The 3-instance config measures 1 % more, well within the noise.
    let ms = vec![(big.clone(), mi(3723.2, 80.0, 8.0, 0.5)), (small.clone(), mi(3673.7, 95.0, 8.0, 0.5))];
    let top = top_configs(&ms, &Constraints::default(), &o, 2);
    assert_eq!(top[0].variant, small, "tied: fewer instances first");
    assert_eq!(top[0].tied_with, vec![big.key()]);
    assert_eq!(top[1].tied_with, vec![small.key()]);
    // Without intervals the noisy 1 % wins, as today, and no tie is recorded.
    let plain = vec![(big.clone(), m(3723.2, 8.0)), (small.clone(), m(3673.7, 8.0))];
    let top = top_configs(&plain, &Constraints::default(), &o, 2);
    assert_eq!(top[0].variant, big);
    assert!(top.iter().all(|r| r.tied_with.is_empty()));
}

#[test]
fn a_clearly_better_config_still_wins() {
    let o = Objectives::default();
    let big = ModelConfigVariant::automatic(8, 3, "KIND_GPU", true);
    let small = ModelConfigVariant::automatic(8, 1, "KIND_GPU", true);
    let ms = vec![(small.clone(), mi(3673.7, 95.0, 8.0, 0.5)), (big.clone(), mi(5400.0, 80.0, 9.0, 0.5))];
    let top = top_configs(&ms, &Constraints::default(), &o, 2);
    assert_eq!(top[0].variant, big);
    assert!(top.iter().all(|r| r.tied_with.is_empty()));
}

#[test]
fn a_secondary_objective_breaks_a_tie() {
    // Throughput first, p99 second: throughput is tied, the weighted score
    // is within its half-width, and the significantly lower p99 decides,
    // before resources (the winner has more instances).
    let o = objectives(&[("perf_throughput", 10.0), ("perf_latency_p99", 1.0)]);
    let fast = ModelConfigVariant::automatic(8, 2, "KIND_GPU", true);
    let slow = ModelConfigVariant::automatic(8, 1, "KIND_GPU", true);
    let (f, s) = (mi(1000.0, 50.0, 10.0, 0.2), mi(1010.0, 50.0, 15.0, 0.3));
    let c = compare(&o, &f, &Resources::of(&fast), &s, &Resources::of(&slow));
    assert_eq!(c, Comparison { verdict: Verdict::Better, tied: true });
    let top = top_configs(&[(slow.clone(), s), (fast.clone(), f)], &Constraints::default(), &o, 2);
    assert_eq!(top[0].variant, fast);
    assert_eq!(top[0].tied_with, vec![slow.key()]);
}

#[test]
fn resources_then_latency_break_the_rest() {
    let o = Objectives::default();
    let r = |i, b| Resources { instances: Some(i), max_batch_size: Some(b) };
    let mut a = mi(1000.0, 50.0, 10.0, 0.2);
    let mut b = mi(1010.0, 50.0, 10.0, 0.2);
    // Same instances: less GPU memory (beyond 1 % without intervals) wins.
    a.gpu_memory_mb = Some(1000.0);
    b.gpu_memory_mb = Some(1200.0);
    assert_eq!(compare(&o, &a, &r(1, 64), &b, &r(1, 8)).verdict, Verdict::Better);
    // Memory within 1 %: the smaller max batch size wins.
    b.gpu_memory_mb = Some(1005.0);
    assert_eq!(compare(&o, &a, &r(1, 64), &b, &r(1, 8)).verdict, Verdict::Worse);
    // Same resources: the significantly lower p99 wins; within noise: equivalent.
    let low = mi(1000.0, 50.0, 8.0, 0.2);
    assert_eq!(compare(&o, &low, &r(1, 8), &b, &r(1, 8)).verdict, Verdict::Better);
    let near = mi(1000.0, 50.0, 10.1, 0.2);
    assert_eq!(compare(&o, &near, &r(1, 8), &b, &r(1, 8)), Comparison { verdict: Verdict::Equivalent, tied: true });
}

#[test]
fn representative_and_candidates_are_tie_aware() {
    let o = Objectives::default();
    // One config at c=16 and c=64: 3674 ± 95 at p99 8 ms vs 3723 ± 80 at p99 43 ms.
    let ms = vec![(mi(3723.2, 80.0, 43.0, 1.0), true), (mi(3673.7, 95.0, 8.0, 0.5), true)];
    assert_eq!(representative(&ms, &o), Some(1), "tied: the lower latency represents it");
    let plain = vec![(m(3723.2, 43.0), true), (m(3673.7, 8.0), true)];
    assert_eq!(representative(&plain, &o), Some(0));
    let ranked = rank_candidates_with(
        vec![
            ("a", mi(3723.2, 80.0, 8.0, 0.5), true, Resources { instances: Some(3), max_batch_size: Some(8) }),
            ("b", mi(3673.7, 95.0, 8.0, 0.5), true, Resources { instances: Some(1), max_batch_size: Some(8) }),
            ("c", mi(1000.0, 10.0, 8.0, 0.5), true, Resources { instances: Some(1), max_batch_size: Some(8) }),
        ],
        &o,
        3,
    );
    let order: Vec<&str> = ranked.iter().map(|c| c.item).collect();
    assert_eq!(order, ["b", "a", "c"]);
    assert_eq!(ranked[0].tied_with, vec![1]);
    assert_eq!(ranked[1].tied_with, vec![0]);
    assert!(ranked[2].tied_with.is_empty());
}

/// The simulated model, every throughput carrying a ± `rel` interval.
struct WithIntervals {
    sim: SimModel,
    rel: f64,
}

impl Measurer for WithIntervals {
    fn measure(&mut self, v: &ModelConfigVariant, bc: u32, c: u32) -> VariantMeasurement {
        let mut x = self.sim.measure(v, bc, c);
        let hw = x.throughput * self.rel;
        x.throughput_ci = Some(Interval::new(x.throughput - hw, x.throughput + hw));
        x
    }
}

#[test]
fn quick_search_does_not_climb_on_a_tied_improvement() {
    let space = realistic_space();
    let (plain, _) = run(&mut QuickSearch, &space, &mut SimModel::new());
    // Tight intervals: every step of the climb is significant, the climb is today's
    // (the final sweeps differ by design: with intervals they start at each config's
    // best passing point and stop at a plateau).
    let mut tight = WithIntervals { sim: SimModel::new(), rel: 0.001 };
    let (mut measured, mut climb) = (0usize, None);
    let out = QuickSearch.run(&space, &mut tight, &mut |e| match e {
        SearchEvent::Measured { cached: false, .. } => measured += 1,
        SearchEvent::PhaseStarted(SearchPhase::ConcurrencySweep) => climb = Some(measured),
        _ => {}
    });
    let climb = climb.expect("a final sweep");
    assert_eq!(tight.sim.points[..climb], plain_points(&space)[..climb], "the same climb, point for point");
    assert_eq!((out.top[0].variant.instance_count, out.top[0].variant.max_batch_size), (3, 64));
    // Intervals wider than any difference: no neighbour is an improvement, the climb stops at home.
    let mut wide = WithIntervals { sim: SimModel::new(), rel: 5.0 };
    let out = QuickSearch.run(&space, &mut wide, &mut |_| {});
    assert!(out.variant_count() < plain.variant_count(), "{} vs {}", out.variant_count(), plain.variant_count());
    // All tied: the fewest resources rank first (1 instance, max batch 1), the ties recorded.
    assert_eq!((out.top[0].variant.instance_count, out.top[0].variant.max_batch_size), (1, 1));
    assert!(!out.top[0].tied_with.is_empty());
}

fn plain_points(space: &SearchSpace) -> Vec<(String, u32, u32)> {
    let mut sim = SimModel::new();
    QuickSearch.run(space, &mut sim, &mut |_| {});
    sim.points
}
