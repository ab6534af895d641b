//! The plan: per-model values over global ones, Model Analyzer's fallbacks,
//! shorthands that override every model, and agreement with the config's
//! `effective_*` functions.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::config::Bound;

fn parse(text: &str) -> ProfileConfig {
    ProfileConfig::from_yaml_str(text, Path::new("c.yaml")).unwrap()
}

fn weights(o: &Objectives) -> Vec<(&str, f64)> {
    o.weights.iter().map(|(k, w)| (k.as_str(), *w)).collect()
}

const GLOBAL: &str = "model_repository: /m
concurrency: [1, 2]
batch_sizes: [1, 8]
perf_analyzer_flags: {measurement-interval: 200}
constraints: {perf_latency_p99: {max: 50}}
objectives: {perf_throughput: 10}
";

#[test]
fn a_model_without_its_own_values_takes_the_global_ones() {
    let cfg = parse(&format!("{GLOBAL}profile_models: [a]\n"));
    let plan = Plan::resolve(&cfg);
    let a = plan.model("a").unwrap();
    assert_eq!(a.name, "a");
    assert!(!a.cpu_only);
    assert_eq!((a.parameters.concurrency.clone(), a.parameters.batch_sizes.clone()), (vec![1, 2], vec![1, 8]));
    assert!(a.parameters.request_rate.is_empty());
    assert_eq!(a.perf_analyzer_flags.measurement_interval_ms(), Some(200));
    assert_eq!(a.constraints, Constraints { perf_latency_p99: Some(Bound::max(50.0)), ..Default::default() });
    assert_eq!(weights(&a.objectives), vec![("perf_throughput", 10.0)]);
    assert_eq!(a.model_config_parameters, None);
}

#[test]
fn a_models_own_values_replace_the_global_ones() {
    let cfg = parse(&format!(
        "{GLOBAL}profile_models:
  a:
    cpu_only: true
    parameters: {{concurrency: [4], batch_sizes: [2]}}
    perf_analyzer_flags: {{batch-size: 2}}
    constraints: {{perf_throughput: {{min: 100}}}}
    objectives: {{perf_latency_p99: 3}}
    model_config_parameters: {{max_batch_size: [4, 8]}}
  b:
"
    ));
    let plan = Plan::resolve(&cfg);
    let a = plan.model("a").unwrap();
    assert!(a.cpu_only);
    assert_eq!((a.parameters.concurrency.clone(), a.parameters.batch_sizes.clone()), (vec![4], vec![2]));
    // Flags, constraints and objectives are replaced, not merged (as in Model Analyzer).
    assert_eq!(a.perf_analyzer_flags.batch_size(), Some(2));
    assert_eq!(a.perf_analyzer_flags.measurement_interval_ms(), None, "the global flags are not merged in");
    assert_eq!(a.constraints, Constraints { perf_throughput: Some(Bound::min(100.0)), ..Default::default() });
    assert_eq!(weights(&a.objectives), vec![("perf_latency_p99", 3.0)]);
    assert_eq!(a.model_config_parameters.as_ref().and_then(|p| p.get("max_batch_size")), Some(&json!([4, 8])));
    // The other model keeps the global values.
    let b = plan.model("b").unwrap();
    assert_eq!(b.parameters.concurrency, vec![1, 2]);
    assert_eq!(b.perf_analyzer_flags.measurement_interval_ms(), Some(200));
    assert_eq!(b.constraints.perf_latency_p99, Some(Bound::max(50.0)));
    assert_eq!(weights(&b.objectives), vec![("perf_throughput", 10.0)]);
}

#[test]
fn parameters_fall_back_one_list_at_a_time() {
    let cfg = parse(&format!(
        "{GLOBAL}profile_models:
  batches_only:
    parameters: {{batch_sizes: [4]}}
  concurrency_only:
    parameters: {{concurrency: [16]}}
  rate_only:
"
    ));
    // request_rate is refused in YAML (not implemented yet); the fallback logic is kept for it.
    let mut cfg = cfg;
    cfg.profile_models[2].parameters.request_rate = Some(vec![10]);
    let plan = Plan::resolve(&cfg);
    let p = &plan.model("batches_only").unwrap().parameters;
    assert_eq!((p.concurrency.clone(), p.batch_sizes.clone(), p.request_rate.clone()), (vec![1, 2], vec![4], vec![]));
    let p = &plan.model("concurrency_only").unwrap().parameters;
    assert_eq!((p.concurrency.clone(), p.batch_sizes.clone()), (vec![16], vec![1, 8]));
    // A request rate without a concurrency means "no concurrency list", not the global one.
    let p = &plan.model("rate_only").unwrap().parameters;
    assert!(p.concurrency.is_empty(), "{p:?}");
    assert_eq!((p.batch_sizes.clone(), p.request_rate.clone()), (vec![1, 8], vec![10]));
}

#[test]
fn latency_budget_and_min_throughput_override_every_models_constraints() {
    let cfg = parse(
        "model_repository: /m
latency_budget: 9
min_throughput: 20
constraints: {perf_latency_p99: {max: 50}, gpu_used_memory: {max: 4000}}
profile_models:
  own:
    constraints: {perf_latency_p99: {max: 7}, perf_latency: {max: 8}}
  global:
",
    );
    let plan = Plan::resolve(&cfg);
    let own = &plan.model("own").unwrap().constraints;
    assert_eq!(own.perf_latency_p99, Some(Bound::max(9.0)), "latency_budget wins over the model's own");
    assert_eq!(own.perf_latency, Some(Bound::max(9.0)), "and sets perf_latency when the model gives it");
    assert_eq!(own.perf_throughput, Some(Bound::min(20.0)));
    assert_eq!(own.gpu_used_memory, None, "the model's own constraints replace the global ones");
    let global = &plan.model("global").unwrap().constraints;
    assert_eq!((global.perf_latency_p99, global.perf_throughput, global.gpu_used_memory), (Some(Bound::max(9.0)), Some(Bound::min(20.0)), Some(Bound::max(4000.0))));
    assert_eq!(global.perf_latency, None);
}

#[test]
fn search_settings_repository_and_model_order_come_from_the_config() {
    let cfg = parse(
        "model_repository: /m
profile_models: [z, a]
run_config_search_mode: quick
run_config_search_max_instance_count: 3
run_config_search_min_model_batch_size: 2
run_config_search_max_concurrency: 64
run_config_search_max_binary_search_steps: 2
num_configs_per_model: 4
early_exit_enable: true
concurrency_sweep_disable: true
cpu_only_composing_models: [pre]
",
    );
    let plan = Plan::resolve(&cfg);
    assert_eq!(plan.model_repository, Path::new("/m"));
    assert_eq!(plan.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), vec!["z", "a"], "profile_models order");
    assert_eq!(plan.cpu_only_composing_models, vec!["pre".to_string()]);
    let s = plan.search;
    assert_eq!(s.mode, SearchMode::Quick);
    assert!(!s.disabled);
    assert_eq!((s.bounds.min_model_batch_size, s.bounds.max_model_batch_size), (2, 128));
    assert_eq!((s.bounds.min_instance_count, s.bounds.max_instance_count), (1, 3));
    assert_eq!((s.bounds.min_concurrency, s.bounds.max_concurrency), (1, 64));
    assert_eq!((s.max_binary_search_steps, s.num_configs_per_model), (2, 4));
    assert!(s.early_exit_enable && s.concurrency_sweep_disable);
    assert!(plan.models.iter().all(|m| m.search == s), "every model shares the run's settings");
    assert!(plan.model("missing").is_none());
}

#[test]
fn default_search_settings_are_a_default_configs() {
    let cfg = parse("model_repository: /m\nprofile_models: a\n");
    assert_eq!(SearchSettings::default(), SearchSettings::of(&cfg), "SearchSpace::new starts from these");
}

#[test]
fn the_plan_agrees_with_the_configs_effective_values() {
    let cfg = parse(&format!(
        "{GLOBAL}min_throughput: 3
profile_models:
  a:
    perf_analyzer_flags: {{batch-size: 4}}
  b:
    objectives: {{gpu_used_memory: 1}}
    constraints: {{cpu_used_ram: {{max: 100}}}}
  c:
"
    ));
    let mut cfg = cfg;
    cfg.profile_models[0].parameters.request_rate = Some(vec![10]);
    let plan = Plan::resolve(&cfg);
    assert_eq!(plan.models.len(), cfg.profile_models.len());
    for (m, spec) in plan.models.iter().zip(&cfg.profile_models) {
        assert_eq!(m, &ModelPlan::resolve(&cfg, spec));
        assert_eq!(m.parameters, cfg.effective_parameters(spec), "{}", spec.name);
        assert_eq!(m.perf_analyzer_flags, cfg.effective_perf_analyzer_flags(spec), "{}", spec.name);
        assert_eq!(m.constraints, cfg.effective_constraints(spec), "{}", spec.name);
        assert_eq!(m.objectives, cfg.effective_objectives(spec), "{}", spec.name);
        assert_eq!(m.search, SearchSettings::of(&cfg));
    }
}
