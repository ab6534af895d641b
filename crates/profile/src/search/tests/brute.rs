//! Brute search on the simulated model: the best config, early exits, failures, binary search, manual sweep.

use serde_json::json;

use super::*;

#[test]
fn brute_finds_the_best_config_under_constraints() {
    let space = realistic_space();
    let mut sim = SimModel::new();
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    let best = &out.top[0];
    assert!(best.passes);
    assert_eq!(
        (best.variant.instance_count, best.variant.max_batch_size),
        (3, 64),
        "{:?}",
        out.top
    );
    assert_eq!(best.best.throughput, 38400.0);
    assert!(out.top.len() <= 3);
    assert!(out.default.is_some());
    assert!(out.default.as_ref().is_some_and(|d| d.variant.is_default));
    assert_eq!(out.measurement_count(), sim.calls.len());
}

#[test]
fn brute_concurrency_sweep_exits_early_on_plateau() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.max_model_batch_size = 1;
    space.search.bounds.max_instance_count = 1;
    space.search.bounds.max_concurrency = 1024;
    let mut sim = SimModel::new();
    let (_, events) = run(&mut BruteSearch, &space, &mut sim);
    // capacity 1: throughput is flat from concurrency 1, so the sweep stops
    // after THROUGHPUT_MINIMUM_CONSECUTIVE_PARAMETER_TRIES points.
    let brute_points: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            SearchEvent::Measured {
                phase: SearchPhase::Brute,
                measurement,
                ..
            } => Some(measurement.concurrency),
            _ => None,
        })
        .collect();
    assert_eq!(brute_points, vec![1, 2, 4, 8]);
    assert!(events.iter().any(|e| matches!(e,
        SearchEvent::EarlyExit { phase: SearchPhase::Brute, reason, .. } if reason.contains("plateau"))));
}

#[test]
fn brute_max_batch_size_exits_early_when_throughput_stops_improving() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.max_model_batch_size = 64;
    space.search.bounds.max_instance_count = 1;
    space.search.bounds.max_concurrency = 16;
    let mut sim = SimModel::new();
    sim.batching_helps = false;
    let (_, events) = run(&mut BruteSearch, &space, &mut sim);
    let batch_sizes: Vec<u32> = {
        let mut v: Vec<u32> = events
            .iter()
            .filter_map(|e| match e {
                SearchEvent::Measured {
                    phase: SearchPhase::Brute,
                    variant,
                    ..
                } => Some(variant.max_batch_size),
                _ => None,
            })
            .collect();
        v.dedup();
        v
    };
    assert_eq!(
        batch_sizes,
        vec![1, 2],
        "stops after the first size that does not beat the smaller ones"
    );
    assert!(events.iter().any(|e| matches!(e,
        SearchEvent::EarlyExit { reason, .. } if reason.contains("max_batch_size"))));
}

#[test]
fn brute_skips_batch_sizes_for_non_batching_models() {
    let default =
        ModelConfigVariant::default_from_config(&json!({"max_batch_size": 0}), "KIND_CPU");
    let mut space = SearchSpace::new("nb", default, false);
    space.instance_kind = "KIND_CPU".into();
    space.search.bounds.max_instance_count = 3;
    space.search.bounds.max_concurrency = 8;
    let mut sim = SimModel::new();
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    let mut keys: Vec<String> = out.measurements.iter().map(|(v, _)| v.key()).collect();
    keys.dedup();
    assert_eq!(
        keys,
        [
            "config_default",
            "config_i1cpu_b0",
            "config_i2cpu_b0",
            "config_i3cpu_b0"
        ]
    );
    for (v, _) in &out.measurements {
        assert!(!v.dynamic_batching);
        assert!(!v.param_combo().contains_key("max_batch_size"));
    }
}

#[test]
fn failed_measurements_stop_the_sweep_and_the_search_goes_on() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.max_model_batch_size = 4;
    space.search.bounds.max_instance_count = 3;
    space.search.bounds.max_concurrency = 16;
    let mut sim = SimModel::new();
    sim.fail_above_instances = Some(2);
    let (out, events) = run(&mut BruteSearch, &space, &mut sim);
    let failed: Vec<&VariantMeasurement> = out
        .measurements
        .iter()
        .map(|(_, m)| m)
        .filter(|m| !m.is_valid())
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "one failed point ends instance count 3's sweep and its batch sizes"
    );
    assert!(events.iter().any(
        |e| matches!(e, SearchEvent::EarlyExit { reason, .. } if reason.contains("failed"))
    ));
    assert!(out.top.iter().all(|r| r.variant.instance_count <= 2));
}

#[test]
fn explicit_load_levels_is_used_and_not_binary_searched() {
    let mut space = realistic_space();
    space.search.bounds.max_model_batch_size = 2;
    space.search.bounds.max_instance_count = 1;
    space.load_levels = vec![8, 2, 4];
    let mut sim = SimModel::new();
    let (out, events) = run(&mut BruteSearch, &space, &mut sim);
    assert!(out
        .measurements
        .iter()
        .all(|(_, m)| [2, 4, 8].contains(&m.concurrency)));
    assert!(!events
        .iter()
        .any(|e| matches!(e, SearchEvent::PhaseStarted(SearchPhase::ConcurrencySweep))));
}

#[test]
fn binary_search_finds_the_latency_boundary() {
    // capacity 8 (1 instance x batch 8): p99 <= 12 ms allows concurrency <= 16.
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.min_model_batch_size = 8;
    space.search.bounds.max_model_batch_size = 8;
    space.search.bounds.max_instance_count = 1;
    space.search.bounds.max_concurrency = 64;
    space.search.num_configs_per_model = 1;
    space.search.max_binary_search_steps = 5;
    space.constraints.perf_latency_p99 = Some(Bound::max(12.0));
    let mut sim = SimModel::new();
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    let key = "config_i1gpu_b8_db";
    let mut concurrencies: Vec<u32> = out
        .measurements
        .iter()
        .filter(|(v, _)| v.key() == key)
        .map(|(_, m)| m.concurrency)
        .collect();
    concurrencies.sort_unstable();
    // sweep 1..32 (boundary between 16 pass and 32 fail) then 24, 20, 18, 17
    for c in [16, 17, 18, 20, 24, 32] {
        assert!(concurrencies.contains(&c), "{concurrencies:?}");
    }
    let best = &out.top[0];
    assert_eq!(best.variant.key(), key);
    assert!(best.passes);
    assert_eq!(
        best.best.concurrency, 8,
        "throughput saturates at 8; ties keep the first"
    );
}

#[test]
fn manual_brute_search_measures_every_combination() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.max_concurrency = 16;
    space.model_config_parameters = Some(
        serde_json::from_value(json!({
            "max_batch_size": [2, 4],
            "instance_group": [[{"kind": "KIND_GPU", "count": 1}], [{"kind": "KIND_GPU", "count": 2}]],
            "dynamic_batching": {}
        }))
        .unwrap(),
    );
    let mut sim = SimModel::new();
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    assert_eq!(
        out.variant_count(),
        5,
        "default + 2 groups x 2 max_batch_size"
    );
    let top = &out.top[0];
    assert_eq!(
        (top.variant.instance_count, top.variant.max_batch_size),
        (2, 4)
    );
    assert!(!top.variant.automatic);
    let combo = top.variant.param_combo();
    assert_eq!(
        combo["instance_group"],
        json!([{"kind": "KIND_GPU", "count": 2}])
    );
    assert_eq!(combo["max_batch_size"], json!(4));
}

#[test]
fn search_disabled_measures_the_default_only() {
    let mut space = realistic_space();
    space.search.disabled = true;
    space.load_levels = vec![1];
    let mut sim = SimModel::new();
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    assert_eq!(sim.calls, vec![("config_default".to_string(), 1)]);
    assert_eq!(out.top.len(), 1);
}

/// The configs (keys) a brute search measured in step 2 (not the default).
fn searched_keys(out: &SearchOutcome) -> std::collections::BTreeSet<String> {
    out.measurements.iter().filter(|(v, _)| !v.is_default).map(|(v, _)| v.key()).collect()
}

#[test]
fn brute_walks_restricted_to_a_shard_union_to_the_whole_search() {
    // Concurrency given: no final sweep, so a shard measures exactly its walks.
    let mut space = realistic_space();
    space.search.bounds.max_model_batch_size = 8;
    space.search.bounds.max_instance_count = 3;
    space.load_levels = vec![4];
    let walks = brute_walks(&space);
    assert_eq!(walks.len(), 3, "one walk per instance count");
    assert!(walks.iter().all(|w| w.iter().map(|v| v.max_batch_size).collect::<Vec<_>>() == [1, 2, 4, 8]));
    let (whole, _) = run(&mut BruteSearch, &space, &mut SimModel::new());
    let mut union = std::collections::BTreeSet::new();
    for shard in [vec![0, 2], vec![1]] {
        let mut s = space.clone();
        s.walks = Some(shard.iter().copied().collect());
        let (out, _) = run(&mut BruteSearch, &s, &mut SimModel::new());
        // Every shard measures the default, and only configs of its own walks.
        assert!(out.measurements.iter().any(|(v, _)| v.is_default));
        let own: std::collections::BTreeSet<String> = shard.iter().flat_map(|&w| walks[w].iter().map(|v| v.key())).collect();
        let got = searched_keys(&out);
        assert!(got.is_subset(&own), "{got:?} outside {own:?}");
        assert!(union.is_disjoint(&got), "a config measured by two shards");
        union.extend(got);
    }
    assert_eq!(union, searched_keys(&whole), "the shards measure what one run measures");
}

#[test]
fn manual_walks_are_the_manual_groups() {
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.model_config_parameters = Some(
        [("max_batch_size".to_string(), json!([1, 4])), ("dynamic_batching".to_string(), json!({"max_queue_delay_microseconds": [100, 200, 300]}))]
            .into_iter()
            .collect(),
    );
    let walks = brute_walks(&space);
    assert_eq!(walks.len(), 3);
    assert!(walks.iter().all(|w| w.len() == 2));
    space.walks = Some([1].into_iter().collect());
    space.load_levels = vec![1];
    let (out, _) = run(&mut BruteSearch, &space, &mut SimModel::new());
    let want: std::collections::BTreeSet<String> = walks[1].iter().map(|v| v.key()).collect();
    assert_eq!(searched_keys(&out), want);
}
