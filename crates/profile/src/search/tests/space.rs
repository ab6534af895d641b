//! The search space from a model's plan, client batch limits and the brute worst case.

use serde_json::json;

use super::*;
use crate::config::{ProfileConfig, SearchMode};
use crate::plan::ModelPlan;

#[test]
fn space_from_config() {
    let text = r#"
model_repository: /m
profile_models:
  a:
    cpu_only: true
    constraints: {perf_latency_p99: {max: 7}}
run_config_search_max_instance_count: 3
latency_budget: 9
"#;
    let cfg = ProfileConfig::from_yaml_str(text, std::path::Path::new("c.yaml")).unwrap();
    let s = SearchSpace::from_plan(
        &ModelPlan::resolve(&cfg, &cfg.profile_models[0]),
        default_variant(),
        true,
        true,
        false,
    );
    assert_eq!(s.instance_kind, "KIND_CPU");
    assert_eq!(s.search.bounds.max_instance_count, 3);
    assert_eq!(
        s.constraints.perf_latency_p99,
        Some(Bound::max(9.0)),
        "latency_budget overrides"
    );
    assert!(s.load_levels.is_empty());
    assert!(strategy_for(SearchMode::Optuna).is_none());
    assert_eq!(
        strategy_for(SearchMode::Quick).map(|s| s.name()),
        Some("quick")
    );
}

#[test]
fn client_batch_limit_of_plain_and_ensemble_models() {
    let space = SearchSpace::new("sim", default_variant(), true);
    assert_eq!(space.client_batch_limit(&default_variant()), 8);
    let nb = ModelConfigVariant::default_from_config(&json!({"max_batch_size": 0}), "KIND_CPU");
    assert_eq!(space.client_batch_limit(&nb), 1);
    let mut ens = space.clone();
    ens.ensemble_max_batch_size = Some(16);
    assert_eq!(
        ens.client_batch_limit(&ModelConfigVariant::automatic(4, 1, "KIND_CPU", true)),
        4
    );
    assert_eq!(
        ens.client_batch_limit(&ModelConfigVariant::automatic(32, 1, "KIND_CPU", true)),
        16
    );
    assert_eq!(
        ens.client_batch_limit(&default_variant()),
        16,
        "the ensemble's own limit"
    );
    assert_eq!(normalized_batch_sizes(&[4, 0, 1, 4]), vec![1, 4]);
    assert_eq!(normalized_batch_sizes(&[]), vec![1]);
}

#[test]
fn brute_worst_case_counts_configs_and_measurements() {
    let mut s = SearchSpace::new("sim", default_variant(), true);
    s.search.bounds.max_model_batch_size = 8; // 1, 2, 4, 8
    s.search.bounds.max_instance_count = 3;
    s.load_levels = vec![1, 2, 2, 4];
    s.batch_sizes = vec![1, 2];
    // 3 instance counts x 4 sizes + the default; 2 batch sizes x 3 concurrencies each.
    assert_eq!(brute_worst_case(&s), (13, 13 * 2 * 3));
    s.supports_batching = false;
    assert_eq!(brute_worst_case(&s).0, 4);
    // 100 000 instance counts: counted, not walked.
    s.search.bounds.max_instance_count = 100_000;
    assert_eq!(brute_worst_case(&s).0, 100_001);
    // Searched concurrency adds the final sweep of the top configs and the default.
    let mut t = SearchSpace::new("sim", default_variant(), false);
    t.search.bounds.max_instance_count = 1;
    t.search.bounds.max_concurrency = 8; // 1, 2, 4, 8
    t.search.num_configs_per_model = 3;
    t.search.max_binary_search_steps = 5;
    // 2 configs x 4 concurrencies, then 2 configs x (4 + 5).
    assert_eq!(brute_worst_case(&t), (2, 8 + 18));
    t.search.disabled = true;
    assert_eq!(brute_worst_case(&t), (1, 1));
}

#[test]
fn batch_sizes_from_config_and_perf_analyzer_flag() {
    let text = r#"
model_repository: /m
profile_models:
  a:
    parameters: {batch_sizes: [4, 1, 2], concurrency: [1, 2]}
  b:
    perf_analyzer_flags: {batch-size: 8}
  c: {}
batch_sizes: [1, 16]
"#;
    let cfg = ProfileConfig::from_yaml_str(text, std::path::Path::new("c.yaml")).unwrap();
    let sp = |i: usize| {
        SearchSpace::from_plan(
            &ModelPlan::resolve(&cfg, &cfg.profile_models[i]),
            default_variant(),
            true,
            true,
            false,
        )
    };
    let a = sp(0);
    assert_eq!(
        (
            a.batch_sizes.clone(),
            a.load_levels.clone(),
            a.search_batch_size
        ),
        (vec![1, 2, 4], vec![1, 2], 1)
    );
    let b = sp(1);
    assert_eq!((b.batch_sizes.clone(), b.search_batch_size), (vec![8], 8));
    assert_eq!(sp(2).batch_sizes, vec![1, 16], "the global list");
}
