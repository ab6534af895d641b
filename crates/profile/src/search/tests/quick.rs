//! Quick search on the simulated model, and its neighbourhood against Model Analyzer's.

use serde_json::json;

use super::*;
use crate::search::neighborhood::{potential_steps, Dim, Neighborhood};

#[test]
fn quick_finds_the_best_config_with_a_third_of_the_measurements() {
    let space = realistic_space();
    let mut brute_sim = SimModel::new();
    let (brute, _) = run(&mut BruteSearch, &space, &mut brute_sim);
    let mut quick_sim = SimModel::new();
    let (quick, events) = run(&mut QuickSearch, &space, &mut quick_sim);
    let best = &quick.top[0];
    assert!(best.passes);
    assert_eq!(
        (best.variant.instance_count, best.variant.max_batch_size),
        (3, 64),
        "{:?}\n{:?}",
        quick.top,
        events
            .iter()
            .filter(|e| matches!(e, SearchEvent::Note(_)))
            .collect::<Vec<_>>()
    );
    assert_eq!(best.best.throughput, 38400.0);
    assert!(
        3 * quick.measurement_count() <= brute.measurement_count(),
        "quick {} vs brute {} measurements",
        quick.measurement_count(),
        brute.measurement_count()
    );
    assert!(quick.variant_count() < brute.variant_count());
}

#[test]
fn quick_climb_uses_model_analyzer_concurrency() {
    let space = realistic_space();
    let mut sim = SimModel::new();
    let (_, events) = run(&mut QuickSearch, &space, &mut sim);
    for e in &events {
        if let SearchEvent::Measured {
            phase: SearchPhase::Quick,
            variant,
            measurement,
            ..
        } = e
        {
            let expected = (2 * variant.max_batch_size * variant.instance_count).clamp(1, 256);
            assert_eq!(measurement.concurrency, expected);
        }
    }
    // default first: 2 * 8 * 1
    assert_eq!(sim.calls[0], ("config_default".to_string(), 16));
}

#[test]
fn neighborhood_matches_model_analyzer() {
    let steps = potential_steps(2, 3);
    assert_eq!(steps.len(), 29, "lattice points within radius 3");
    assert_eq!(steps[0], vec![0, 0]);
    let mut sorted = steps.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 29);
    let dims = [
        Dim {
            min: 0,
            max: 6,
            exponential: true,
        },
        Dim {
            min: 0,
            max: 4,
            exponential: false,
        },
    ];
    let n = Neighborhood::new(vec![0, 0], &dims);
    assert!(n.coords.iter().all(|c| c[0] >= 0 && c[1] >= 0));
    assert_eq!(n.coords.len(), 11, "quarter disc of radius 3 incl. axes");
    assert_eq!(n.adjacent(&dims), vec![vec![1, 0], vec![0, 1]]);
    assert_eq!(dims[0].value(6), 64);
    assert_eq!(dims[1].value(0), 1);
}

#[test]
fn quick_without_constraints_climbs_to_the_largest_capacity() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.max_model_batch_size = 16;
    space.search.bounds.max_instance_count = 4;
    space.search.bounds.max_concurrency = 1024;
    let mut sim = SimModel::new();
    let (out, _) = run(&mut QuickSearch, &space, &mut sim);
    let best = &out.top[0];
    assert_eq!(
        (best.variant.instance_count, best.variant.max_batch_size),
        (4, 16)
    );
}

#[test]
fn quick_climbs_at_one_batch_size_and_sweeps_each_allowed_one() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.max_model_batch_size = 4;
    space.search.bounds.max_instance_count = 2;
    space.search.bounds.max_concurrency = 16;
    space.search.num_configs_per_model = 1;
    space.batch_sizes = vec![1, 2, 16];
    let mut sim = SimModel::new();
    let (_, events) = run(&mut QuickSearch, &space, &mut sim);
    assert!(measured(&events, SearchPhase::Quick)
        .iter()
        .all(|(_, b, _)| *b == 1));
    assert_eq!(sim.points[0], ("config_default".to_string(), 1, 16));
    let sweep = measured(&events, SearchPhase::ConcurrencySweep);
    assert!(sweep.iter().any(|(_, b, _)| *b == 2), "{sweep:?}");
    assert!(sweep.iter().all(|(_, b, _)| *b != 16));
    // 16 exceeds every max_batch_size (default 8, searched <= 4): skipped.
    assert!(sim.skips.iter().all(|(_, b, _)| *b == 16));
    assert!(sim.skips.iter().any(|(k, _, _)| k == "config_default"));
    // perf_analyzer's batch-size: the climb uses it; above the max batch size it is skipped.
    space.search_batch_size = 8;
    space.batch_sizes = vec![8];
    let mut sim = SimModel::new();
    let (_, events) = run(&mut QuickSearch, &space, &mut sim);
    assert!(sim.points.iter().all(|(_, b, _)| *b == 8));
    assert!(sim.points.iter().any(|(k, _, _)| k == "config_default"));
    assert!(events
        .iter()
        .any(|e| matches!(e, SearchEvent::Skipped { batch_size: 8, .. })));
}

#[test]
fn quick_for_non_batching_model_searches_instances_only() {
    let default =
        ModelConfigVariant::default_from_config(&json!({"max_batch_size": 0}), "KIND_GPU");
    let mut space = SearchSpace::new("nb", default, false);
    space.search.bounds.max_instance_count = 5;
    space.search.bounds.max_concurrency = 64;
    let mut sim = SimModel::new();
    let (out, _) = run(&mut QuickSearch, &space, &mut sim);
    assert!(out.measurements.iter().all(|(v, _)| v.max_batch_size == 0));
    assert_eq!(out.top[0].variant.instance_count, 5);
}

#[test]
fn quick_and_brute_tell_the_measurer_the_variant_they_expect_next() {
    // Brute: the walks' order is known: every switch but those after an early exit is foretold.
    let space = realistic_space();
    let mut sim = SimModel::new();
    run(&mut BruteSearch, &space, &mut sim);
    let (switches, hinted, hits) = sim.hint_score();
    assert!(switches > 10 && hinted * 10 >= switches * 7, "brute: {hinted} of {switches} switches foretold");
    assert!(hits * 10 >= hinted * 8, "brute: {hits} of {hinted} hints right");
    // Quick: the neighbours it initialises are foretold; a step that depends on the values is a guess.
    let mut sim = SimModel::new();
    run(&mut QuickSearch, &space, &mut sim);
    let (switches, hinted, hits) = sim.hint_score();
    assert!(switches > 5 && hinted * 10 >= switches * 7, "quick: {hinted} of {switches} switches foretold");
    assert!(hits * 10 >= hinted * 6, "quick: {hits} of {hinted} hints right");
}
