//! Constraints, objectives, gain helpers and ranking against Model Analyzer's formulas.

use std::collections::BTreeMap;

use super::*;
use crate::config::{Constraints, Metric, Objectives};
use crate::search::neighborhood::translate;

#[test]
fn constraint_filtering() {
    let c = Constraints {
        perf_latency_p99: Some(Bound::max(10.0)),
        perf_throughput: Some(Bound::min(100.0)),
        gpu_used_memory: Some(Bound::max(1000.0)),
        ..Default::default()
    };
    let mut ok = m(150.0, 9.0);
    ok.gpu_memory_mb = Some(900.0);
    assert!(passes_constraints(&c, &ok));
    assert!(!passes_constraints(&c, &m(150.0, 11.0)));
    assert!(!passes_constraints(&c, &m(50.0, 5.0)));
    let mut heavy = ok.clone();
    heavy.gpu_memory_mb = Some(1100.0);
    assert!(!passes_constraints(&c, &heavy));
    assert!((constraint_failure_percentage(&c, &heavy) - 10.0).abs() < 1e-9);
    // no GPU memory measured: the memory constraint cannot apply
    let no_gpu = m(150.0, 9.0);
    assert!(passes_constraints(&c, &no_gpu));
    assert!(!constraint_applicable("gpu_used_memory", &no_gpu));
    assert!(constraint_applicable("perf_latency_p99", &no_gpu));
    assert_eq!(unapplied_constraints(&c, &no_gpu), vec!["gpu_used_memory"]);
    // failed measurements never pass
    assert!(!passes_constraints(
        &Constraints::default(),
        &VariantMeasurement::failure(1, "x")
    ));
    // perf_latency is applied to p99
    let legacy = Constraints {
        perf_latency: Some(Bound::max(5.0)),
        ..Default::default()
    };
    assert!(!passes_constraints(&legacy, &m(1.0, 6.0)));
    // compare_constraints: positive when the other is closer to passing
    assert!(compare_constraints(&c, &m(150.0, 20.0), &m(150.0, 12.0)).is_some_and(|x| x > 0.0));
    assert_eq!(compare_constraints(&c, &ok, &m(150.0, 12.0)), None);
}

#[test]
fn objective_score_matches_model_analyzer_formula() {
    let o = Objectives::default();
    // throughput only: (200 - 100) / mean(200, 100) = 0.6667
    let s = objective_score(&o, &m(200.0, 1.0), &m(100.0, 1.0));
    assert!((s - 100.0 / 150.0).abs() < 1e-12);
    assert!(is_better_than(&o, &m(200.0, 1.0), &m(100.0, 1.0)));
    assert!(!is_better_than(&o, &m(100.0, 1.0), &m(100.0, 1.0)));
    // weighted: latency 2, throughput 3 -> 0.4 / 0.6 after normalisation
    let mut w = Objectives {
        weights: BTreeMap::new(),
    };
    w.weights.insert("perf_latency_p99".into(), 2.0);
    w.weights.insert("perf_throughput".into(), 3.0);
    let a = m(100.0, 10.0);
    let b = m(120.0, 20.0);
    let expected = 0.4 * (20.0 - 10.0) / 15.0 + 0.6 * (100.0 - 120.0) / 110.0;
    assert!((objective_score(&w, &a, &b) - expected).abs() < 1e-12);
    assert!(
        is_better_than(&w, &a, &b),
        "a's latency gain outweighs b's throughput gain"
    );
    assert!(!is_better_than(&Objectives::default(), &a, &b));
    // a metric missing on one side decides
    let mut mem = Objectives {
        weights: BTreeMap::new(),
    };
    mem.weights.insert("gpu_used_memory".into(), 1.0);
    let mut with_gpu = m(1.0, 1.0);
    with_gpu.gpu_memory_mb = Some(10.0);
    assert_eq!(objective_score(&mem, &with_gpu, &m(1.0, 1.0)), 1.0);
    assert_eq!(objective_score(&mem, &m(1.0, 1.0), &with_gpu), -1.0);
    assert_eq!(
        compare_measurements(&o, &m(100.0, 1.0), &m(200.0, 1.0)),
        100.0 / 150.0
    );
}

#[test]
fn ranking_with_weights_and_constraints() {
    let v1 = ModelConfigVariant::automatic(1, 1, "KIND_GPU", true);
    let v2 = ModelConfigVariant::automatic(2, 1, "KIND_GPU", true);
    let v3 = ModelConfigVariant::automatic(4, 1, "KIND_GPU", true);
    let ms = vec![
        (v1.clone(), m(100.0, 5.0)),
        (v1.clone(), m(150.0, 8.0)),
        (v2.clone(), m(300.0, 30.0)),
        (v2.clone(), m(200.0, 9.0)),
        (v3.clone(), m(400.0, 50.0)),
        (v3.clone(), VariantMeasurement::failure(8, "boom")),
    ];
    let c = Constraints {
        perf_latency_p99: Some(Bound::max(10.0)),
        ..Default::default()
    };
    let per = best_per_variant(&ms, &c, &Objectives::default());
    assert_eq!(per.len(), 3);
    assert_eq!(per[0].best.throughput, 150.0);
    assert_eq!(
        per[1].best.throughput, 200.0,
        "best passing, not best overall"
    );
    assert!(!per[2].passes);
    assert_eq!(per[2].measurements, 1);
    let top = top_configs(&ms, &c, &Objectives::default(), 3);
    assert_eq!(
        top.iter()
            .map(|r| r.variant.max_batch_size)
            .collect::<Vec<_>>(),
        vec![2, 1],
        "failing v3 excluded"
    );
    let mut latency_first = Objectives {
        weights: BTreeMap::new(),
    };
    latency_first.weights.insert("perf_latency_p99".into(), 1.0);
    let top = top_configs(&ms, &c, &latency_first, 1);
    assert_eq!(top[0].variant.max_batch_size, 1);
    assert_eq!(top[0].best.latency_p99_us, 5000.0);
    // nothing passes: the best failing ones are returned
    let strict = Constraints {
        perf_latency_p99: Some(Bound::max(1.0)),
        ..Default::default()
    };
    let top = top_configs(&ms, &strict, &Objectives::default(), 2);
    assert_eq!(top.len(), 2);
    assert!(top.iter().all(|r| !r.passes));
    assert_eq!(top[0].variant.max_batch_size, 4);
}

#[test]
fn gain_helpers_mirror_model_analyzer() {
    assert!(
        throughput_gain_valid(&[1.0, 1.0, 1.0], 4, 0.05),
        "fewer than 4 points"
    );
    assert!(
        !throughput_gain_valid(&[100.0, 101.0, 102.0, 104.0], 4, 0.05),
        "4% gain"
    );
    assert!(
        throughput_gain_valid(&[100.0, 101.0, 102.0, 106.0], 4, 0.05),
        "6% gain"
    );
    assert!(
        !throughput_gain_valid(&[1.0, 2.0, 100.0, 100.0, 100.0, 100.0], 4, 0.05),
        "only the last 4 count"
    );
    assert!(last_increased_throughput(&[5.0]));
    assert!(last_increased_throughput(&[1.0, 2.0, 3.0]));
    assert!(!last_increased_throughput(&[1.0, 3.0, 2.5]));
    assert_eq!(doubled_list(1, 64), vec![1, 2, 4, 8, 16, 32, 64]);
    assert_eq!(doubled_list(3, 20), vec![3, 6, 12]);
    assert_eq!(doubled_list(0, 2), vec![1, 2]);
    assert_eq!(translate(0.05), 0);
    assert_eq!(translate(0.1), 1);
    assert_eq!(translate(0.5), 2);
    assert_eq!(translate(-1.5), -3);
}

#[test]
fn representative_and_cross_candidate_ranking() {
    let o = Objectives::default();
    let ms = vec![
        (m(100.0, 5.0), true),
        (m(300.0, 30.0), false),
        (m(200.0, 9.0), true),
        (VariantMeasurement::failure(4, "x"), true),
    ];
    assert_eq!(
        representative(&ms, &o),
        Some(2),
        "best passing, not best overall"
    );
    assert_eq!(representative(&ms[1..2], &o), Some(0));
    assert_eq!(representative(&ms[3..], &o), None);
    let ranked = rank_candidates(
        vec![
            ("a", m(100.0, 1.0), true),
            ("b", m(300.0, 1.0), false),
            ("c", m(200.0, 1.0), true),
        ],
        &o,
        5,
    );
    assert_eq!(
        ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec!["c", "a"]
    );
    let ranked = rank_candidates(
        vec![("a", m(100.0, 1.0), false), ("b", m(300.0, 1.0), false)],
        &o,
        1,
    );
    assert_eq!(
        ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec!["b"],
        "none passes: best failing"
    );
}

#[test]
fn failed_measurements_never_pass_represent_or_rank() {
    // The reject_all case: every request failed, so no latency (0 ms) and no throughput.
    let o = Objectives::default();
    let mut c = Constraints::default();
    let failed = VariantMeasurement::failure(1, "every request failed: 10 of 10 requests failed");
    assert!(!passes_constraints(&c, &failed), "no constraints: still not passing");
    c.perf_latency_p99 = Some(Bound::max(50.0));
    assert!(!passes_constraints(&c, &failed), "a p99 bound is not met by a failed point's 0 ms");
    assert_eq!(failed.metric(Metric::PerfLatencyP99), None);
    assert!(unapplied_constraints(&c, &failed).is_empty());
    // Even flagged as passing, a failed measurement is never a representative...
    assert_eq!(representative(&[(failed.clone(), true)], &o), None);
    assert_eq!(representative(&[(failed.clone(), true), (m(10.0, 80.0), false)], &o), Some(1));
    // ... and never ranks, not even when nothing else passes.
    let ranked = rank_candidates(
        vec![("reject_all", failed.clone(), true), ("slow", m(10.0, 80.0), false)],
        &o,
        5,
    );
    assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), vec!["slow"]);
    assert!(rank_candidates(vec![("reject_all", failed.clone(), true)], &o, 5).is_empty());
    // Per model: a variant whose every measurement failed is not in the top list.
    let d = default_variant();
    let a = ModelConfigVariant::automatic(8, 2, "KIND_GPU", true);
    let list = vec![(d.clone(), failed.clone()), (a.clone(), m(100.0, 60.0))];
    let top = top_configs(&list, &c, &o, 3);
    assert_eq!(top.iter().map(|r| r.variant.key()).collect::<Vec<_>>(), vec![a.key()]);
    assert!(!top[0].passes);
    assert!(top_configs(&list[..1], &c, &o, 3).is_empty());
    assert!(best_per_variant(&list[..1], &c, &o).is_empty());
}
