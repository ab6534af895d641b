//! Unit tests of a run's bookkeeping: cross-model ranking, model status, the
//! summary, constraint/objective JSON, resume fingerprints and large-space notices.

use super::*;
use std::collections::BTreeMap;

fn fixture(name: &str) -> ProfileResults {
    ProfileResults::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results").join(name)).unwrap()
}

fn throughput_only() -> Objectives {
    let mut weights = BTreeMap::new();
    weights.insert("perf_throughput".to_string(), 10.0);
    Objectives { weights }
}

#[test]
fn top_model_configs_rank_configs_of_every_model() {
    let mut r = fixture("gpu.json");
    let top = top_model_configs(&r, &throughput_only(), 4);
    assert_eq!(top.len(), 4);
    assert_eq!(top.iter().map(|t| t.rank).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert!(top.iter().all(|t| t.passes));
    assert!(top.windows(2).all(|w| w[0].throughput >= w[1].throughput), "{top:?}");
    // Each entry is its config's best passing measurement.
    for t in &top {
        let m = r.models.iter().find(|m| m.model == t.model).unwrap();
        let (rec, p) = m.best_point(&t.config).unwrap();
        assert_eq!((rec.batch_size, rec.concurrency, p.throughput), (t.batch_size, t.concurrency, t.throughput));
    }
    // The overall best passing config of both models comes first.
    let best = r
        .models
        .iter()
        .flat_map(|m| m.measurements.iter().filter(|x| x.passes == Some(true)).filter_map(|x| x.point.as_ref()))
        .map(|p| p.throughput)
        .fold(0.0, f64::max);
    assert_eq!(top[0].throughput, best);
    // Configs of both models compete: with n = every config, both appear.
    let all = top_model_configs(&r, &throughput_only(), 100);
    assert!(all.iter().any(|t| t.model == "add_sub") && all.iter().any(|t| t.model == "sleep_fixed"));
    let measured: usize = r.models.iter().map(|m| m.configs.iter().filter(|c| m.points_of(&c.name).next().is_some()).count()).sum();
    assert_eq!(all.len(), measured, "every measured config of every model is a candidate");
    // The summary prints the list.
    r.num_top_model_configs = 4;
    r.top_model_configs = top;
    let s = summary(&r);
    assert!(s.contains("Best configs across all models (num_top_model_configs 4)"), "{s}");
    assert!(s.contains(&r.top_model_configs[0].config));
}

/// Makes every measurement of `config` fail as reject_all's did (an error
/// response to every request: empty histogram, 0 ms), stored as an older
/// tritium stored it (point kept, `passes: true`).
fn reject_all(m: &mut ModelResults, config: &str) {
    for r in m.measurements.iter_mut().filter(|r| r.config == config) {
        if let Some(p) = &mut r.point {
            p.failures.insert("request rejected".into(), p.requests.max(1));
            p.latency = Default::default();
            p.throughput = 1e9;
            r.passes = Some(true);
        }
    }
}

#[test]
fn failed_configs_never_rank_across_models_or_against_the_default() {
    let mut r = fixture("gpu.json");
    // The best config of every model, and add_sub's default, fail every request
    // (with an absurd throughput, so only the failure rule can keep them out).
    let best: Vec<(String, String)> = r.models.iter().map(|m| (m.model.clone(), m.top[0].clone())).collect();
    for (model, config) in &best {
        let m = r.models.iter_mut().find(|m| &m.model == model).unwrap();
        reject_all(m, config);
        set_status(m);
        assert_eq!(m.status, Some(ModelStatus::Partial), "{:?}", m.reason);
        assert!(m.reason.as_deref().unwrap().contains("request rejected"), "{:?}", m.reason);
    }
    let add_sub = r.models.iter_mut().find(|m| m.model == "add_sub").unwrap();
    let d = add_sub.default_config.clone();
    reject_all(add_sub, &d);
    let top = top_model_configs(&r, &throughput_only(), 100);
    for t in &top {
        assert!(!best.iter().any(|(m, c)| m == &t.model && c == &t.config), "{} of {} failed and ranked #{}", t.config, t.model, t.rank);
        assert!(!(t.model == "add_sub" && t.config == d));
        assert!(t.latency_p99_ms > 0.0);
    }
    // The summary shows the failed ones as FAILED, and no "x the default" line for add_sub.
    for m in r.models.iter_mut() {
        let keep: Vec<String> = m.top.iter().filter(|n| m.has_result(n)).cloned().collect();
        m.top = keep;
    }
    let s = summary(&r);
    assert!(s.lines().any(|l| l.trim_start().starts_with(&d) && l.contains("FAILED: every request failed")), "{s}");
    let add_sub_part = &s[s.find("== add_sub").unwrap()..];
    assert!(!add_sub_part.contains("the default's throughput"), "{s}");
    assert!(!s.contains(" 0.00\n"), "no 0 ms latency for a failed config: {s}");
}

#[test]
fn a_model_without_a_usable_measurement_failed_and_the_run_too() {
    let mut r = fixture("cpu_only.json");
    let m = &mut r.models[0];
    let names: Vec<String> = m.configs.iter().map(|c| c.name.clone()).collect();
    for n in &names {
        reject_all(m, n);
    }
    set_status(m);
    assert_eq!(m.status, Some(ModelStatus::Failed));
    assert!(m.reason.as_deref().unwrap().starts_with("no usable measurement"), "{:?}", m.reason);
    assert_eq!(run_outcome(&r), RunOutcome::Failed);
    let s = summary(&r);
    assert!(s.contains("FAILED: no usable measurement"), "{s}");
    // A second model that worked: partial.
    let mut ok = fixture("cpu_only.json").models.remove(0);
    ok.model = "other".into();
    set_status(&mut ok);
    assert_eq!(ok.status, Some(ModelStatus::Ok));
    r.models.push(ok);
    assert_eq!(run_outcome(&r), RunOutcome::Partial);
    r.models.remove(0);
    assert_eq!(run_outcome(&r), RunOutcome::Ok);
    r.problems.push("reports: disk full".into());
    assert_eq!(run_outcome(&r), RunOutcome::Partial);
    // A model that could not even be read.
    let mut missing = ModelResults { model: "missing".into(), status: Some(ModelStatus::Failed), reason: Some("model 'missing' could not be read".into()), complete: true, ..Default::default() };
    set_status(&mut missing);
    assert_eq!((missing.status, missing.reason.as_deref()), (Some(ModelStatus::Failed), Some("model 'missing' could not be read")));
}

#[test]
fn constraints_and_objectives_are_json_objects() {
    let cfg = ProfileConfig::from_yaml_str(
        "model_repository: /r\nprofile_models: [a]\nconstraints:\n  perf_latency_p99: {max: 50}\n  perf_throughput: {min: 12.5}\nobjectives: {perf_throughput: 10, perf_latency_p99: 2}\n",
        Path::new("c.yaml"),
    )
    .unwrap();
    assert_eq!(constraints_json(&cfg.constraints), serde_json::json!({"perf_latency_p99": {"max": 50}, "perf_throughput": {"min": 12.5}}));
    assert_eq!(objectives_json(&cfg.objectives), serde_json::json!({"perf_throughput": 10, "perf_latency_p99": 2}));
}

#[test]
fn resume_refuses_a_different_config_and_foreign_models() {
    let yaml = "model_repository: /r\nprofile_models: [a, b]\nrun_config_search_max_instance_count: 3\nperf_analyzer_flags: {measurement-interval: 200}\n";
    let plan = Plan::resolve(&ProfileConfig::from_yaml_str(yaml, Path::new("c.yaml")).unwrap());
    let mut ck = ProfileResults { fingerprint: fingerprint(&plan), ..Default::default() };
    ck.model_mut("a");
    assert_eq!(check_resume(&plan, &ck), Ok(()));
    // A changed bound and a changed flag: both named.
    let changed = Plan::resolve(&ProfileConfig::from_yaml_str(&yaml.replace("count: 3", "count: 4").replace("interval: 200", "interval: 500"), Path::new("c.yaml")).unwrap());
    let e = check_resume(&changed, &ck).unwrap_err();
    assert!(e.contains("3 differences"), "two models' flags and a bound: {e}");
    assert!(e.contains("run_config_search_max_instance_count: checkpoint 3, this config 4"), "{e}");
    assert!(e.contains("models.a.perf_analyzer_flags.measurement-interval: checkpoint 200, this config 500"), "{e}");
    // Another model list.
    let other = Plan::resolve(&ProfileConfig::from_yaml_str(&yaml.replace("[a, b]", "[a]"), Path::new("c.yaml")).unwrap());
    assert!(check_resume(&other, &ck).unwrap_err().contains("profile_models"));
    // A model in the checkpoint the config does not profile (a checkpoint without fingerprint too).
    ck.model_mut("victim");
    ck.fingerprint = Value::Null;
    let e = check_resume(&plan, &ck).unwrap_err();
    assert!(e.contains("victim") && e.contains("does not profile"), "{e}");
    ck.models.retain(|m| m.model != "victim");
    assert_eq!(check_resume(&plan, &ck), Ok(()), "an older checkpoint without fingerprint is accepted");
    // Output paths do not matter.
    let moved = Plan::resolve(&ProfileConfig::from_yaml_str(&format!("{yaml}export_path: /elsewhere\n"), Path::new("other.yaml")).unwrap());
    assert_eq!(fingerprint_diff(&fingerprint(&plan), &fingerprint(&moved)), Vec::<String>::new());
}

/// The fingerprint (stored in checkpoints) holds each model's resolved
/// settings; its JSON must not change, or `--resume` refuses checkpoints of
/// earlier runs.
#[test]
fn fingerprint_holds_each_models_resolved_settings() {
    let yaml = "model_repository: /r\nprofile_models:\n  a:\n    parameters: {batch_sizes: [4]}\n    perf_analyzer_flags: {batch-size: 2}\n    constraints: {perf_latency_p99: {max: 20}}\n    objectives: {perf_latency_p99: 1}\n    model_config_parameters: {max_batch_size: [4, 8]}\n  b:\n    cpu_only: true\nconcurrency: [1, 2]\nperf_analyzer_flags: {measurement-interval: 200}\nconstraints: {perf_throughput: {min: 5}}\nmin_throughput: 7\ncpu_only_composing_models: [c]\nrun_config_search_max_instance_count: 3\nearly_exit_enable: true\n";
    let cfg = ProfileConfig::from_yaml_str(yaml, Path::new("c.yaml")).unwrap();
    let mut pa = cfg.clone();
    pa.tritium_measurement_rule = tritium_bench::StopRule::PerfAnalyzer;
    let got = fingerprint(&Plan::resolve(&pa));
    let expected = r#"{"concurrency_sweep_disable":false,"cpu_only_composing_models":["c"],"early_exit_enable":true,"model_repository":"/r","models":{"a":{"batch_sizes":[4],"concurrency":[1,2],"constraints":{"perf_latency_p99":{"max":20},"perf_throughput":{"min":7}},"cpu_only":false,"model_config_parameters":{"max_batch_size":[4,8]},"objectives":{"perf_latency_p99":1},"perf_analyzer_flags":{"batch-size":2},"request_rate":[]},"b":{"batch_sizes":[1],"concurrency":[1,2],"constraints":{"perf_throughput":{"min":7}},"cpu_only":true,"model_config_parameters":null,"objectives":{"perf_throughput":10},"perf_analyzer_flags":{"measurement-interval":200},"request_rate":[]}},"num_configs_per_model":3,"profile_models":["a","b"],"run_config_search_disable":false,"run_config_search_max_binary_search_steps":5,"run_config_search_max_concurrency":1024,"run_config_search_max_instance_count":3,"run_config_search_max_model_batch_size":128,"run_config_search_min_concurrency":1,"run_config_search_min_instance_count":1,"run_config_search_min_model_batch_size":1,"run_config_search_mode":"brute"}"#;
    assert_eq!(got.to_string(), expected);
    // A request-rate model adds its load and the rate bounds (absent for concurrency, so
    // checkpoints from before request-rate profiling resume).
    let rate = ProfileConfig::from_yaml_str("model_repository: /r\nprofile_models:\n  b:\n    parameters: {request_rate: [10]}\nperf_analyzer_flags: {request-distribution: poisson}\n", Path::new("c.yaml")).unwrap();
    let f = fingerprint(&Plan::resolve(&rate));
    assert_eq!((f["models"]["b"]["load"].as_str(), f["models"]["b"]["request_distribution"].as_str()), (Some("request_rate"), Some("poisson")));
    assert_eq!((f["run_config_search_min_request_rate"].as_u64(), f["run_config_search_max_request_rate"].as_u64()), (Some(16), Some(8192)));
    assert!(fingerprint(&Plan::resolve(&cfg)).get("run_config_search_min_request_rate").is_none());
    // Under the adaptive rule (the default) the rule and its target are part of it: a checkpoint measured
    // under perf_analyzer's rule is refused, naming the key.
    let adaptive = fingerprint(&Plan::resolve(&cfg));
    assert_eq!(adaptive["tritium_measurement_rule"], "adaptive");
    assert_eq!(adaptive["tritium_ci_target"], 3.0);
    let diff = fingerprint_diff(&got, &adaptive);
    assert!(diff.iter().any(|d| d.contains("tritium_measurement_rule")), "{diff:?}");
}

#[test]
fn large_search_spaces_are_announced_with_their_size() {
    let cfg = ProfileConfig::from_yaml_str("model_repository: /r\nprofile_models: [a]\nperf_analyzer_flags: {measurement-interval: 1000}\n", Path::new("c.yaml")).unwrap();
    let model = ModelPlan::resolve(&cfg, &cfg.profile_models[0]);
    let bcfg = bench_config(&model).unwrap();
    let d = ModelConfigVariant::default_from_config(&serde_json::json!({"max_batch_size": 8}), "KIND_CPU");
    let mut space = SearchSpace::from_plan(&model, d, true, true, true);
    assert_eq!(search_space_notice(&space, SearchMode::Brute, &bcfg), None, "Model Analyzer's defaults: 5 x 8 configs");
    space.search.bounds.max_instance_count = 256;
    let n = search_space_notice(&space, SearchMode::Brute, &bcfg).unwrap();
    let (configs, measurements) = search::brute_worst_case(&space);
    assert_eq!(configs, 256 * 8 + 1);
    assert!(n.contains(&format!("{configs} configs")) && n.contains(&format!("{measurements} measurements")) && n.contains("days"), "{n}");
    assert!(search_space_notice(&space, SearchMode::Quick, &bcfg).unwrap().contains("quick search"));
    assert_eq!(duration_text(30.0), "30 s");
    assert_eq!(duration_text(600.0), "10.0 min");
    assert_eq!(duration_text(3.0 * 86_400.0), "3.0 days");
}

#[test]
fn summary_names_batch_sizes_and_skipped_ones() {
    let mut r = fixture("cpu_only.json");
    let m = &mut r.models[0];
    let name = m.configs[1].name.clone();
    m.skipped.push(results::SkippedRecord { config: name.clone(), batch_size: 16, reason: "above".into() });
    m.skipped.push(results::SkippedRecord { config: name.clone(), batch_size: 32, reason: "above".into() });
    let s = summary(&r);
    assert!(s.contains("max batch") && s.contains("batch") && s.contains("concurrency"), "{s}");
    assert!(s.contains(&format!("{name}: client batch size 16, 32 skipped")), "{s}");
    assert!(!s.contains("Best configs across all models"));
}

#[test]
fn summary_says_which_configs_were_not_measured_because_they_cannot_beat_the_incumbent() {
    let mut r = fixture("cpu_only.json");
    let m = &mut r.models[0];
    let name = m.configs[1].name.clone();
    let reason = format!("{}: at most 400.0 infer/s (2 instance(s) x max batch 1 / 5.00 ms, the shortest execution seen), below m_config_0", search::BOUND_SKIP_REASON);
    m.skipped.push(results::SkippedRecord { config: name.clone(), batch_size: 1, reason: reason.clone() });
    let s = summary(&r);
    assert!(s.contains(&format!("{name}: not measured: {reason}")), "{s}");
    assert!(!s.contains(&format!("{name}: client batch size 1 skipped")), "not a batch size above max_batch_size: {s}");
}

#[test]
fn the_summary_says_statistically_tied_instead_of_a_win() {
    let mut r = fixture("gpu.json");
    let before = summary(&r);
    assert!(before.contains("x the default's throughput"), "{before}");
    assert!(!before.contains("statistically tied"), "no intervals, no ties: {before}");
    // Results written from measurements without intervals stay as they were.
    let plain = top_model_configs(&r, &throughput_only(), 4);
    assert!(plain.iter().all(|t| t.tied_with.is_empty() && t.throughput_ci.is_none()));
    let json = serde_json::to_value(&plain[0]).unwrap();
    assert!(json.get("tied_with").is_none() && json.get("throughput_ci").is_none(), "{json}");
    // The ranking found sleep_fixed's best tied with its default and with the third.
    let m = r.models.iter_mut().find(|m| m.model == "sleep_fixed").unwrap();
    let (best, third, default) = (m.top[0].clone(), m.top[2].clone(), m.default_config.clone());
    m.tied_with.insert(best.clone(), vec![default.clone(), third.clone()]);
    let s = summary(&r);
    let line = s.lines().find(|l| l.contains(&format!("{best}: statistically tied with the default ("))).unwrap_or_else(|| panic!("{s}"));
    assert!(line.contains(" vs ") && line.contains("infer/s"), "{line}");
    assert!(s.contains(&format!("{best}: statistically tied with {third} (difference within the 95 % intervals)")), "{s}");
    assert!(s.contains("x the default's throughput"), "add_sub has no tie: {s}");
    // The cross-model list says which entries are tied, with their ± when known.
    let mut top = plain;
    top[0].throughput_ci = Some(Interval::new(top[0].throughput - 80.0, top[0].throughput + 80.0));
    top[1].throughput_ci = Some(Interval::new(top[1].throughput - 95.0, top[1].throughput + 95.0));
    top[0].tied_with = vec![top[1].config.clone()];
    top[1].tied_with = vec![top[0].config.clone()];
    r.num_top_model_configs = 4;
    r.top_model_configs = top.clone();
    let s = summary(&r);
    let want = format!("rank 1 {} ({:.0} ±80 infer/s) is statistically tied with {} (rank 2, {:.0} ±95 infer/s)", top[0].config, top[0].throughput, top[1].config, top[1].throughput);
    assert!(s.contains(&want), "{want}\n{s}");
    // The new fields survive results.json, and an old file reads without them.
    let back: TopConfigRecord = serde_json::from_value(serde_json::to_value(&top[0]).unwrap()).unwrap();
    assert_eq!(back, top[0]);
    assert!(fixture("gpu.json").models.iter().all(|m| m.tied_with.is_empty()));
    assert_eq!(with_ci(3723.2, Some(Interval::new(3643.2, 3803.2))), "3723 ±80");
    assert_eq!(with_ci(3723.2, None), "3723.2");
}

/// Progress lines of a request-rate search name rates, never concurrencies.
#[test]
fn progress_of_a_request_rate_search_says_request_rate() {
    use crate::plan::LoadKind;
    use crate::search::{SearchEvent, SearchPhase, VariantMeasurement};
    let rate = LoadKind::RequestRate { distribution: tritium_bench::loadgen::Distribution::Poisson };
    let v = search::ModelConfigVariant::automatic(4, 1, "KIND_CPU", true);
    let measurement = VariantMeasurement { concurrency: 32, batch_size: 1, throughput: 31.5, latency_p99_us: 4000.0, ..Default::default() };
    let e = SearchEvent::Measured { phase: SearchPhase::Brute, variant: Box::new(v.clone()), measurement: Box::new(measurement.clone()), passes: true, cached: false };
    let line = super::progress::describe(&e, rate).unwrap();
    assert!(line.contains("@ batch 1, request rate 32: 31.5 infer/s") && !line.contains("concurrency"), "{line}");
    assert!(super::progress::describe(&e, LoadKind::Concurrency).unwrap().contains("concurrency 32"));
    let phase = super::progress::describe(&SearchEvent::PhaseStarted(SearchPhase::ConcurrencySweep), rate).unwrap();
    assert_eq!(phase, "phase RequestRateSweep");
}
