//! Client batch sizes: every size measured, skipped ones, early exits per batch size.

use serde_json::json;

use super::*;

#[test]
fn brute_measures_every_batch_size_and_concurrency_and_skips_batches_above_max_batch_size() {
    // default max_batch_size 1; automatic configs max_batch_size 1 and 2.
    let default = ModelConfigVariant::default_from_config(
        &json!({"max_batch_size": 1, "instance_group": [{"count": 1, "kind": "KIND_CPU"}]}),
        "KIND_CPU",
    );
    let mut space = SearchSpace::new("sim", default, true);
    space.instance_kind = "KIND_CPU".into();
    space.search.bounds.max_model_batch_size = 2;
    space.search.bounds.max_instance_count = 1;
    space.batch_sizes = vec![1, 2];
    space.load_levels = vec![1, 2];
    let mut sim = SimModel::new();
    // One request per execution: only the client batch size adds inferences.
    sim.batching_helps = false;
    let (out, events) = run(&mut BruteSearch, &space, &mut sim);
    let mut expected = vec![
        ("config_default".to_string(), 1, 1),
        ("config_default".to_string(), 1, 2),
        ("config_i1cpu_b1_db".to_string(), 1, 1),
        ("config_i1cpu_b1_db".to_string(), 1, 2),
    ];
    for b in [1, 2] {
        for c in [1, 2] {
            expected.push(("config_i1cpu_b2_db".to_string(), b, c));
        }
    }
    assert_eq!(sim.points, expected);
    // The search's measurements carry the batch size they were taken at.
    assert!(out
        .measurements
        .iter()
        .all(|(_, m)| [1, 2].contains(&m.batch_size)));
    assert_eq!(
        out.measurements
            .iter()
            .filter(|(_, m)| m.batch_size == 2)
            .count(),
        2
    );
    // Batch 2 is skipped for both max_batch_size-1 configs, once each.
    let skipped: Vec<(&str, u32)> =
        sim.skips.iter().map(|(k, b, _)| (k.as_str(), *b)).collect();
    assert_eq!(
        skipped,
        vec![("config_default", 2), ("config_i1cpu_b1_db", 2)]
    );
    assert!(
        sim.skips[0].2.contains("max_batch_size 1"),
        "{}",
        sim.skips[0].2
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, SearchEvent::Skipped { batch_size: 2, .. }))
            .count(),
        2
    );
    // Throughput counts inferences: batch 2 doubles it at the same concurrency.
    let tp = |b: u32, c: u32| {
        out.measurements
            .iter()
            .find(|(v, m)| {
                v.key() == "config_i1cpu_b2_db" && m.batch_size == b && m.concurrency == c
            })
            .map(|(_, m)| m.throughput)
            .unwrap()
    };
    assert_eq!(tp(2, 1), 2.0 * tp(1, 1));
    // The best config is represented by its batch-2 measurement.
    let best = &out.top[0];
    assert_eq!(best.variant.key(), "config_i1cpu_b2_db");
    assert_eq!(best.best.batch_size, 2);
}

#[test]
fn concurrency_early_exit_restarts_per_batch_size() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.min_model_batch_size = 2;
    space.search.bounds.max_model_batch_size = 2;
    space.search.bounds.max_instance_count = 1;
    space.search.bounds.max_concurrency = 64;
    space.batch_sizes = vec![1, 2];
    let mut sim = SimModel::new();
    let (_, events) = run(&mut BruteSearch, &space, &mut sim);
    let brute = measured(&events, SearchPhase::Brute);
    // capacity 2 requests at batch 1, 1 request at batch 2: both plateau
    // after 4 points; the sweep at batch 2 starts again at concurrency 1.
    let at = |b: u32| -> Vec<u32> {
        brute
            .iter()
            .filter(|(_, bb, _)| *bb == b)
            .map(|(_, _, c)| *c)
            .collect()
    };
    assert_eq!(at(1), vec![1, 2, 4, 8, 16]);
    assert_eq!(at(2), vec![1, 2, 4, 8]);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, SearchEvent::EarlyExit { phase: SearchPhase::Brute, reason, .. } if reason.contains("no longer increasing concurrency")))
            .count(),
        2
    );
}

#[test]
fn a_failed_batch_size_ends_the_configs_sweep() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.min_model_batch_size = 8;
    space.search.bounds.max_model_batch_size = 8;
    space.search.bounds.max_instance_count = 1;
    space.load_levels = vec![1, 2];
    space.batch_sizes = vec![1, 2, 4];
    let mut sim = SimModel::new();
    sim.fail_batch_size = Some(2);
    let (out, events) = run(&mut BruteSearch, &space, &mut sim);
    assert!(
        sim.points.iter().all(|(_, b, _)| *b != 4),
        "{:?}",
        sim.points
    );
    assert!(sim
        .points
        .contains(&("config_i1gpu_b8_db".to_string(), 2, 1)));
    assert!(!sim
        .points
        .contains(&("config_i1gpu_b8_db".to_string(), 2, 2)));
    assert!(events.iter().any(|e| matches!(e,
        SearchEvent::EarlyExit { reason, .. } if reason.contains("failed at batch size 2") && reason.contains("larger batch sizes"))));
    // The batch-1 points still rank.
    assert!(out
        .top
        .iter()
        .any(|r| r.variant.key() == "config_i1gpu_b8_db"));
}

#[test]
fn batch_size_walk_exits_when_throughput_plateaus() {
    // Throughput at saturation is the same for every client batch size
    // (the server batches 64 inferences per execution either way).
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.min_model_batch_size = 64;
    space.search.bounds.max_model_batch_size = 64;
    space.search.bounds.max_instance_count = 1;
    space.search.bounds.max_concurrency = 128;
    space.batch_sizes = vec![1, 2, 4, 8, 16, 32];
    let mut sim = SimModel::new();
    let (_, events) = run(&mut BruteSearch, &space, &mut sim);
    let mut batches: Vec<u32> = measured(&events, SearchPhase::Brute)
        .iter()
        .map(|(_, b, _)| *b)
        .collect();
    batches.dedup();
    assert_eq!(batches, vec![1, 2, 4, 8]);
    assert!(events.iter().any(|e| matches!(e,
        SearchEvent::EarlyExit { reason, .. } if reason.contains("client batch size"))));
    // With explicit concurrency and early exit off, every batch size is measured.
    space.load_levels = vec![1];
    let mut sim = SimModel::new();
    let (_, events) = run(&mut BruteSearch, &space, &mut sim);
    let mut batches: Vec<u32> = measured(&events, SearchPhase::Brute)
        .iter()
        .map(|(_, b, _)| *b)
        .collect();
    batches.dedup();
    assert_eq!(batches, vec![1, 2, 4, 8, 16, 32]);
}
