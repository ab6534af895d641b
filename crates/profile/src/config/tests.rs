//! Tests of reading Model Analyzer configs: value shapes, defaults, key
//! checking, error locations, CLI overrides, effective settings.

use super::*;

fn parse(text: &str) -> Result<ProfileConfig, ConfigError> {
    ProfileConfig::from_yaml_str(text, Path::new("analyzer_config.yaml"))
}

const EXAMPLE: &str = r#"
model_repository: /path/to/model_repository
profile_models:
  - my_model
output_model_repository_path: output_models
export_path: profile_results
override_output_model_repository: true
triton_launch_mode: docker
triton_docker_image: triton_example
triton_docker_shm_size: 10G
perf_analyzer_flags:
  shape: audio_signal:160000
  measurement-request-count: 50
  measurement-interval: 500
  measurement-mode: time_windows
run_config_search_mode: quick
num_configs_per_model: 3
run_config_search_min_model_batch_size: 1
run_config_search_max_model_batch_size: 8
run_config_search_min_instance_count: 3
run_config_search_max_instance_count: 15
run_config_search_max_concurrency: 64
constraints:
  gpu_used_memory:
    max: 42000
"#;

#[test]
fn example_parses_unchanged() {
    let c = parse(EXAMPLE).unwrap();
    assert_eq!(
        c.model_repository,
        PathBuf::from("/path/to/model_repository")
    );
    assert_eq!(c.profile_models, vec![ProfileModelSpec::named("my_model")]);
    assert_eq!(
        c.output_model_repository_path,
        PathBuf::from("output_models")
    );
    assert_eq!(c.export_path, PathBuf::from("profile_results"));
    assert!(c.override_output_model_repository);
    assert_eq!(c.triton_launch_mode, LaunchMode::Docker);
    assert_eq!(c.triton_docker_image, "triton_example");
    assert_eq!(c.triton_docker_shm_size.as_deref(), Some("10G"));
    let f = &c.perf_analyzer_flags;
    assert_eq!(
        f.shapes(),
        vec![TensorShape {
            name: "audio_signal".into(),
            dims: vec![160000]
        }]
    );
    assert_eq!(f.measurement_request_count(), Some(50));
    assert_eq!(f.measurement_interval_ms(), Some(500));
    assert_eq!(f.measurement_mode(), Some(MeasurementMode::TimeWindows));
    assert_eq!(c.run_config_search_mode, SearchMode::Quick);
    assert_eq!(c.num_configs_per_model, 3);
    assert_eq!(c.run_config_search_min_model_batch_size, 1);
    assert_eq!(c.run_config_search_max_model_batch_size, 8);
    assert_eq!(c.run_config_search_min_instance_count, 3);
    assert_eq!(c.run_config_search_max_instance_count, 15);
    assert_eq!(c.run_config_search_max_concurrency, 64);
    assert_eq!(c.run_config_search_min_concurrency, 1);
    assert_eq!(c.constraints.gpu_used_memory, Some(Bound::max(42000.0)));
    // The Docker keys are announced (tritium starts no container).
    assert_eq!(c.ignored_keys, vec!["triton_docker_image".to_string(), "triton_docker_shm_size".to_string()]);
    assert!(c.notices.iter().all(|n| n.contains("no Docker container")), "{:?}", c.notices);
    assert!(c.set_by_user.contains("run_config_search_max_concurrency"));
    assert!(!c.set_by_user.contains("run_config_search_min_concurrency"));
}

#[test]
fn defaults_match_model_analyzer() {
    let c = parse("model_repository: /m\nprofile_models: a\n").unwrap();
    assert_eq!(
        c.output_model_repository_path,
        PathBuf::from("./output_model_repository")
    );
    assert_eq!(c.export_path, PathBuf::from("."));
    assert!(!c.override_output_model_repository);
    assert_eq!(c.triton_launch_mode, LaunchMode::Local);
    assert_eq!(c.run_config_search_mode, SearchMode::Brute);
    assert_eq!(
        (
            c.run_config_search_min_concurrency,
            c.run_config_search_max_concurrency
        ),
        (1, 1024)
    );
    assert_eq!(
        (
            c.run_config_search_min_request_rate,
            c.run_config_search_max_request_rate
        ),
        (16, 8192)
    );
    assert_eq!(
        (
            c.run_config_search_min_model_batch_size,
            c.run_config_search_max_model_batch_size
        ),
        (1, 128)
    );
    assert_eq!(
        (
            c.run_config_search_min_instance_count,
            c.run_config_search_max_instance_count
        ),
        (1, 5)
    );
    assert_eq!(c.run_config_search_max_binary_search_steps, 5);
    assert_eq!(c.num_configs_per_model, 3);
    assert_eq!(c.num_top_model_configs, 0);
    assert_eq!(c.batch_sizes, vec![1]);
    assert!(c.concurrency.is_empty());
    assert_eq!(c.objectives, Objectives::default());
    assert_eq!(c.objectives.weights.get("perf_throughput"), Some(&10.0));
    assert_eq!(c.client_protocol, ClientProtocol::Grpc);
    assert_eq!(c.duration_seconds, 3);
    assert_eq!(c.gpus, vec!["all".to_string()]);
    assert_eq!(c.triton_install_path, PathBuf::from("/opt/tritonserver"));
    assert!(c.constraints.is_empty());
}

#[test]
fn profile_models_list_form() {
    let c = parse("model_repository: /m\nprofile_models:\n  - a\n  - b\n").unwrap();
    let names: Vec<_> = c.profile_models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn profile_models_comma_string_form() {
    let c = parse("model_repository: /m\nprofile_models: a, b,c\n").unwrap();
    let names: Vec<_> = c.profile_models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn profile_models_map_form_keeps_order_and_specs() {
    let text = r#"
model_repository: /m
profile_models:
  zeta:
    cpu_only: true
    parameters:
      concurrency:
        start: 2
        stop: 64
        step: 8
      batch_sizes: 1,2,3
    perf_analyzer_flags:
      percentile: 95
    model_config_parameters:
      max_batch_size: [2, 4, 8]
      dynamic_batching:
        max_queue_delay_microseconds: [100, 200]
      instance_group:
        - - kind: KIND_CPU
            count: [1, 2]
    weighting: 3
  alpha:
"#;
    let c = parse(text).unwrap();
    assert_eq!(c.profile_models.len(), 2);
    let z = &c.profile_models[0];
    assert_eq!(z.name, "zeta");
    assert!(z.cpu_only);
    assert_eq!(
        z.parameters.concurrency,
        Some(vec![2, 10, 18, 26, 34, 42, 50, 58])
    );
    assert_eq!(z.parameters.batch_sizes, Some(vec![1, 2, 3]));
    assert_eq!(z.parameters.request_rate, None);
    assert_eq!(
        z.perf_analyzer_flags.as_ref().and_then(|f| f.percentile()),
        Some(95)
    );
    let mcp = z.model_config_parameters.as_ref().unwrap();
    assert_eq!(mcp["max_batch_size"], serde_json::json!([2, 4, 8]));
    assert_eq!(
        mcp["dynamic_batching"],
        serde_json::json!({"max_queue_delay_microseconds": [100, 200]})
    );
    assert_eq!(
        mcp["instance_group"],
        serde_json::json!([[{"kind": "KIND_CPU", "count": [1, 2]}]])
    );
    assert_eq!(z.weighting, Some(3));
    assert_eq!(c.profile_models[1], ProfileModelSpec::named("alpha"));
}

#[test]
fn profile_models_mixed_list_form() {
    let text = "model_repository: /m\nprofile_models:\n  - a\n  - b:\n      cpu_only: true\n";
    let c = parse(text).unwrap();
    assert_eq!(c.profile_models[0].name, "a");
    assert_eq!(c.profile_models[1].name, "b");
    assert!(c.profile_models[1].cpu_only);
}

#[test]
fn each_constraint_parses() {
    let text = r#"
model_repository: /m
profile_models: [a]
constraints:
  perf_throughput: {min: 100}
  perf_latency_p99: {max: 10}
  perf_latency_p95: {max: 9}
  perf_latency_p90: {max: 8}
  perf_latency_p50: {max: 5}
  perf_latency_avg: {max: 6}
  perf_latency: {max: 11}
  gpu_used_memory: {max: 4000}
  cpu_used_ram: {max: 2000}
  time_to_first_token_p99: {max: 1}
"#;
    let c = parse(text).unwrap();
    let k = &c.constraints;
    assert_eq!(k.perf_throughput, Some(Bound::min(100.0)));
    assert_eq!(k.perf_latency_p99, Some(Bound::max(10.0)));
    assert_eq!(k.perf_latency_p95, Some(Bound::max(9.0)));
    assert_eq!(k.perf_latency_p90, Some(Bound::max(8.0)));
    assert_eq!(k.perf_latency_p50, Some(Bound::max(5.0)));
    assert_eq!(k.perf_latency_avg, Some(Bound::max(6.0)));
    assert_eq!(k.perf_latency, Some(Bound::max(11.0)));
    assert_eq!(k.gpu_used_memory, Some(Bound::max(4000.0)));
    assert_eq!(k.cpu_used_ram, Some(Bound::max(2000.0)));
    assert_eq!(k.iter().count(), 9);
    assert_eq!(
        c.ignored_keys,
        vec!["constraints.time_to_first_token_p99".to_string()]
    );
}

#[test]
fn constraint_with_wrong_bound_kind_is_rejected() {
    let e = parse("model_repository: /m\nprofile_models: a\nconstraints:\n  perf_throughput:\n    max: 3\n")
        .unwrap_err();
    match e {
        ConfigError::UnknownKey {
            path, suggestion, ..
        } => {
            assert_eq!(path, "constraints.perf_throughput.max");
            assert_eq!(suggestion.as_deref(), Some("min"));
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn objectives_list_and_map_forms() {
    let c = parse("model_repository: /m\nprofile_models: a\nobjectives:\n  - perf_latency_p99\n  - perf_throughput\n")
        .unwrap();
    assert_eq!(c.objectives.weights.len(), 2);
    assert_eq!(c.objectives.weights["perf_latency_p99"], 10.0);
    assert_eq!(c.objectives.weights["perf_throughput"], 10.0);
    let c = parse("model_repository: /m\nprofile_models: a\nobjectives:\n  perf_latency_p99: 10\n  perf_throughput: 5\n")
        .unwrap();
    assert_eq!(c.objectives.weights["perf_latency_p99"], 10.0);
    assert_eq!(c.objectives.weights["perf_throughput"], 5.0);
    let n = c.objectives.normalized();
    let total: f64 = n.iter().map(|(_, w)| w).sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!(n.contains(&(Metric::PerfLatencyP99, 10.0 / 15.0)));
}

#[test]
fn objectives_unknown_metric_suggests() {
    let e = parse("model_repository: /m\nprofile_models: a\nobjectives: [perf_throughpt]\n")
        .unwrap_err();
    assert!(
        e.to_string().contains("did you mean `perf_throughput`"),
        "{e}"
    );
}

#[test]
fn per_model_settings_override_global() {
    let text = r#"
model_repository: /m
profile_models:
  a:
    constraints:
      perf_latency_p99: {max: 5}
    objectives: {perf_latency_p99: 1}
    perf_analyzer_flags:
      percentile: 90
  b:
constraints:
  gpu_used_memory: {max: 100}
objectives: [perf_throughput]
perf_analyzer_flags:
  percentile: 99
"#;
    let c = parse(text).unwrap();
    let (a, b) = (&c.profile_models[0], &c.profile_models[1]);
    let ca = c.effective_constraints(a);
    assert_eq!(ca.perf_latency_p99, Some(Bound::max(5.0)));
    assert_eq!(
        ca.gpu_used_memory, None,
        "per-model constraints replace the global ones"
    );
    let cb = c.effective_constraints(b);
    assert_eq!(cb.gpu_used_memory, Some(Bound::max(100.0)));
    assert_eq!(
        c.effective_objectives(a).weights.keys().collect::<Vec<_>>(),
        ["perf_latency_p99"]
    );
    assert_eq!(
        c.effective_objectives(b).weights.keys().collect::<Vec<_>>(),
        ["perf_throughput"]
    );
    assert_eq!(c.effective_perf_analyzer_flags(a).percentile(), Some(90));
    assert_eq!(c.effective_perf_analyzer_flags(b).percentile(), Some(99));
}

#[test]
fn shorthands_apply_on_top_of_constraints() {
    let text = "model_repository: /m\nprofile_models: a\nlatency_budget: 20\nmin_throughput: 50\nconstraints:\n  perf_latency: {max: 100}\n";
    let c = parse(text).unwrap();
    let k = c.effective_constraints(&c.profile_models[0]);
    assert_eq!(k.perf_latency_p99, Some(Bound::max(20.0)));
    assert_eq!(k.perf_latency, Some(Bound::max(20.0)));
    assert_eq!(k.perf_throughput, Some(Bound::min(50.0)));
}

#[test]
fn concurrency_and_request_rate_together_are_rejected() {
    let text = "model_repository: /m\nprofile_models:\n  a:\n    parameters:\n      concurrency: [1]\n      request_rate: [5]\n";
    let e = parse(text).unwrap_err();
    assert!(e.to_string().contains("both concurrency and request rate"), "{e}");
    // Validation also rejects the pair when a config is built in code.
    let mut c = parse("model_repository: /m\nprofile_models:\n  a:\n    parameters:\n      concurrency: [1]\n").unwrap();
    c.profile_models[0].parameters.request_rate = Some(vec![5]);
    let e = c.validate().unwrap_err();
    assert!(e.to_string().contains("both concurrency and request rate"), "{e}");
}

#[test]
fn effective_parameters_fallbacks() {
    let text = r#"
model_repository: /m
profile_models:
  a:
    parameters:
      batch_sizes: [4]
  b:
  c:
concurrency: [1, 2]
batch_sizes: {start: 1, stop: 3}
"#;
    let mut c = parse(text).unwrap();
    // Models may not mix concurrency and request rate in YAML (as Model Analyzer); the fallback logic is per model.
    c.profile_models[2].parameters.request_rate = Some(vec![10]);
    let pa = c.effective_parameters(&c.profile_models[0]);
    assert_eq!((pa.concurrency, pa.batch_sizes), (vec![1, 2], vec![4]));
    let pb = c.effective_parameters(&c.profile_models[1]);
    assert_eq!(
        (pb.concurrency, pb.batch_sizes),
        (vec![1, 2], vec![1, 2, 3])
    );
    let pc = c.effective_parameters(&c.profile_models[2]);
    assert!(pc.concurrency.is_empty());
    assert_eq!(pc.request_rate, vec![10]);
}

#[test]
fn unknown_top_level_key_has_suggestion() {
    let e =
        parse("model_repository: /m\nprofile_models: a\nrun_config_search_max_concurency: 4\n")
            .unwrap_err();
    match &e {
        ConfigError::UnknownKey {
            path,
            suggestion,
            file,
        } => {
            assert_eq!(path, "run_config_search_max_concurency");
            assert_eq!(
                suggestion.as_deref(),
                Some("run_config_search_max_concurrency")
            );
            assert_eq!(file, Path::new("analyzer_config.yaml"));
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        e.to_string(),
        "analyzer_config.yaml: unknown key `run_config_search_max_concurency` (did you mean `run_config_search_max_concurrency`?)"
    );
}

#[test]
fn unknown_nested_key_reports_path() {
    let text = "model_repository: /m\nprofile_models:\n  my_model:\n    paramters:\n      concurrency: [1]\n";
    match parse(text).unwrap_err() {
        ConfigError::UnknownKey {
            path, suggestion, ..
        } => {
            assert_eq!(path, "profile_models.my_model.paramters");
            assert_eq!(suggestion.as_deref(), Some("parameters"));
        }
        other => panic!("unexpected {other}"),
    }
    let text =
        "model_repository: /m\nprofile_models:\n  m:\n    parameters:\n      concurency: [1]\n";
    match parse(text).unwrap_err() {
        ConfigError::UnknownKey {
            path, suggestion, ..
        } => {
            assert_eq!(path, "profile_models.m.parameters.concurency");
            assert_eq!(suggestion.as_deref(), Some("concurrency"));
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn unknown_perf_analyzer_flag_and_model_config_field() {
    let e = parse("model_repository: /m\nprofile_models: a\nperf_analyzer_flags:\n  measurment-interval: 5\n")
        .unwrap_err();
    assert!(
        e.to_string().contains(
            "`perf_analyzer_flags.measurment-interval` (did you mean `measurement-interval`?)"
        ),
        "{e}"
    );
    let text = "model_repository: /m\nprofile_models:\n  a:\n    model_config_parameters:\n      max_batch_sizes: [1]\n";
    let e = parse(text).unwrap_err();
    assert!(
        e.to_string().contains("did you mean `max_batch_size`"),
        "{e}"
    );
}

#[test]
fn kebab_case_yaml_key_suggests_underscores() {
    let e = parse("model_repository: /m\nprofile_models: a\nexport-path: x\n").unwrap_err();
    assert!(e.to_string().contains("did you mean `export_path`"), "{e}");
}

#[test]
fn ma_known_keys_are_ignored_not_rejected() {
    let text = "model_repository: /m\nprofile_models:\n  a:\n    triton_server_flags: {log_verbose: 1}\nperf_analyzer_timeout: 100\ntriton_http_endpoint: x:1\n";
    let c = parse(text).unwrap();
    assert_eq!(
        c.ignored_keys,
        vec![
            "profile_models.a.triton_server_flags".to_string(),
            "perf_analyzer_timeout".to_string(),
            "triton_http_endpoint".to_string()
        ]
    );
}

#[test]
fn far_away_unknown_key_has_no_suggestion() {
    match parse("model_repository: /m\nprofile_models: a\nxyzzy_plugh: 1\n").unwrap_err() {
        ConfigError::UnknownKey { suggestion, .. } => assert_eq!(suggestion, None),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn wrong_type_reports_line_and_column() {
    let text =
        "model_repository: /m\nprofile_models: a\nrun_config_search_max_concurrency: lots\n";
    match parse(text).unwrap_err() {
        ConfigError::Yaml {
            line,
            column,
            message,
            ..
        } => {
            assert_eq!(line, Some(3));
            assert_eq!(column, Some(36));
            assert!(
                message.contains("run_config_search_max_concurrency"),
                "{message}"
            );
            assert!(message.contains("lots"), "{message}");
        }
        other => panic!("unexpected {other}"),
    }
    let text = "model_repository: /m\nprofile_models:\n  a:\n    parameters:\n      concurrency: [1, x]\n";
    let e = parse(text).unwrap_err();
    match &e {
        ConfigError::Yaml { line, .. } => assert_eq!(*line, Some(5)),
        other => panic!("unexpected {other}"),
    }
    assert!(e.to_string().starts_with("analyzer_config.yaml:5:"), "{e}");
}

#[test]
fn syntax_error_reports_location() {
    match parse("model_repository: /m\nprofile_models: [a\n").unwrap_err() {
        ConfigError::Yaml { line, .. } => assert!(line.is_some()),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn bad_enum_value_is_invalid() {
    let e = parse("model_repository: /m\nprofile_models: a\nrun_config_search_mode: fast\n")
        .unwrap_err();
    assert!(
        matches!(e, ConfigError::Invalid { ref path, .. } if path == "run_config_search_mode"),
        "{e}"
    );
}

#[test]
fn bad_perf_analyzer_flag_value_is_invalid() {
    let e = parse(
        "model_repository: /m\nprofile_models: a\nperf_analyzer_flags:\n  shape: nocolon\n",
    )
    .unwrap_err();
    assert!(
        matches!(e, ConfigError::Invalid { ref path, .. } if path == "perf_analyzer_flags.shape"),
        "{e}"
    );
}

#[test]
fn shape_list_form() {
    let c = parse("model_repository: /m\nprofile_models: a\nperf_analyzer_flags:\n  shape:\n    - INPUT0:1024,1024\n    - INPUT1:3\n  batch-size: 4\n  stability-percentage: 10\n  max-trials: 7\n  input-data: random\n")
        .unwrap();
    let f = &c.perf_analyzer_flags;
    assert_eq!(
        f.shapes(),
        vec![
            TensorShape {
                name: "INPUT0".into(),
                dims: vec![1024, 1024]
            },
            TensorShape {
                name: "INPUT1".into(),
                dims: vec![3]
            }
        ]
    );
    assert_eq!(f.batch_size(), Some(4));
    assert_eq!(f.stability_percentage(), Some(10.0));
    assert_eq!(f.max_trials(), Some(7));
    assert_eq!(f.input_data(), vec!["random".to_string()]);
    assert!(!f.is_load_specified());
}

#[test]
fn missing_model_repository_is_an_error() {
    let e = parse("profile_models: [a]\n").unwrap_err();
    assert!(
        matches!(e, ConfigError::Missing { ref key, .. } if key == "model_repository"),
        "{e}"
    );
    let e = parse("").unwrap_err();
    assert!(
        matches!(e, ConfigError::Missing { ref key, .. } if key == "model_repository"),
        "{e}"
    );
}

#[test]
fn missing_profile_models_is_an_error() {
    let e = parse("model_repository: /m\n").unwrap_err();
    assert!(
        matches!(e, ConfigError::Missing { ref key, .. } if key == "profile_models"),
        "{e}"
    );
}

#[test]
fn cli_overrides_take_precedence() {
    let mut c = parse(EXAMPLE).unwrap();
    c.apply_cli_overrides(&[
        ("run-config-search-max-concurrency".into(), "128".into()),
        ("--export-path".into(), "/tmp/out".into()),
        ("num-configs-per-model".into(), "5".into()),
        ("override-output-model-repository".into(), "false".into()),
        ("run-config-search-mode".into(), "brute".into()),
        ("concurrency".into(), "1,2,4".into()),
        ("-m".into(), "/other".into()),
        ("perf-analyzer-path".into(), "/usr/bin/perf_analyzer".into()),
    ])
    .unwrap();
    assert_eq!(c.run_config_search_max_concurrency, 128);
    assert_eq!(c.export_path, PathBuf::from("/tmp/out"));
    assert_eq!(c.num_configs_per_model, 5);
    assert!(!c.override_output_model_repository);
    assert_eq!(c.run_config_search_mode, SearchMode::Brute);
    assert_eq!(c.concurrency, vec![1, 2, 4]);
    assert_eq!(c.model_repository, PathBuf::from("/other"));
    assert_eq!(c.ignored_keys, vec!["triton_docker_image".to_string(), "triton_docker_shm_size".to_string(), "--perf-analyzer-path".to_string()]);
    assert!(c.set_by_user.contains("concurrency"));
}

#[test]
fn cli_boolean_flag_without_value_is_true() {
    let mut c = parse("model_repository: /m\nprofile_models: a\n").unwrap();
    c.apply_cli_overrides(&[("--early-exit-enable".into(), String::new())])
        .unwrap();
    assert!(c.early_exit_enable);
}

#[test]
fn cli_unknown_override_has_suggestion() {
    let mut c = parse("model_repository: /m\nprofile_models: a\n").unwrap();
    let e = c
        .apply_cli_overrides(&[("run-config-search-max-concurency".into(), "3".into())])
        .unwrap_err();
    match &e {
        ConfigError::UnknownOverride { key, suggestion } => {
            assert_eq!(key, "run-config-search-max-concurency");
            assert_eq!(
                suggestion.as_deref(),
                Some("run-config-search-max-concurrency")
            );
        }
        other => panic!("unexpected {other}"),
    }
    let e = c
        .apply_cli_overrides(&[("num-configs-per-model".into(), "many".into())])
        .unwrap_err();
    assert!(matches!(e, ConfigError::BadOverride { .. }), "{e}");
}

#[test]
fn overrides_can_supply_required_keys() {
    let c = ProfileConfig::from_yaml_str_with_overrides(
        "profile_models: [a]\n",
        Path::new("c.yaml"),
        &[("model-repository".into(), "/m".into())],
    )
    .unwrap();
    assert_eq!(c.model_repository, PathBuf::from("/m"));
    let c = ProfileConfig::from_yaml_str_with_overrides(
        "model_repository: /m\n",
        Path::new("c.yaml"),
        &[("profile-models".into(), "x,y".into())],
    )
    .unwrap();
    assert_eq!(c.profile_models.len(), 2);
}

#[test]
fn quick_mode_rejects_lists_like_model_analyzer() {
    let e = parse("model_repository: /m\nprofile_models: a\nrun_config_search_mode: quick\nconcurrency: [1,2]\n")
        .unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { .. }), "{e}");
    let e = parse("model_repository: /m\nprofile_models:\n  a:\n    model_config_parameters:\n      max_batch_size: [1, 2]\nrun_config_search_mode: quick\n")
        .unwrap_err();
    assert!(e.to_string().contains("max_batch_size"), "{e}");
    let e = parse("model_repository: /m\nprofile_models: a\nrun_config_search_mode: quick\nrun_config_search_disable: true\n")
        .unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { .. }), "{e}");
}

#[test]
fn min_larger_than_max_is_invalid() {
    let e = parse(
        "model_repository: /m\nprofile_models: a\nrun_config_search_min_instance_count: 6\n",
    )
    .unwrap_err();
    assert!(
        matches!(e, ConfigError::Invalid { ref path, .. } if path == "run_config_search_min_instance_count"),
        "{e}"
    );
}

#[test]
fn global_weighting_is_rejected() {
    let e = parse("model_repository: /m\nprofile_models: a\nweighting: 2\n").unwrap_err();
    assert!(
        matches!(e, ConfigError::Refused { ref path, .. } if path == "weighting"),
        "{e}"
    );
}

#[test]
fn num_top_model_configs_needs_constraints() {
    let e = parse("model_repository: /m\nprofile_models: a\nnum_top_model_configs: 2\n")
        .unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { .. }), "{e}");
}

#[test]
fn lenient_scalars_like_model_analyzer() {
    let c = parse("model_repository: /m\nprofile_models: a\nrun_config_search_max_concurrency: \"32\"\nskip_summary_reports: \"true\"\ntriton_docker_image: 123\ngpus: GPU-1,GPU-2\n")
        .unwrap();
    assert_eq!(c.run_config_search_max_concurrency, 32);
    assert!(c.skip_summary_reports);
    assert_eq!(c.triton_docker_image, "123");
    assert_eq!(c.gpus, vec!["GPU-1".to_string(), "GPU-2".to_string()]);
}

#[test]
fn levenshtein_and_suggest() {
    assert_eq!(levenshtein("kitten", "sitting"), 3);
    assert_eq!(levenshtein("", "abc"), 3);
    assert_eq!(
        suggest("paramters", MODEL_SPEC_KEYS.iter().copied()).as_deref(),
        Some("parameters")
    );
    assert_eq!(suggest("zzzzzzzzzz", MODEL_SPEC_KEYS.iter().copied()), None);
}

#[test]
fn from_file_reads_and_names_the_file() {
    let dir = std::env::temp_dir().join(format!("tritium-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("analyzer_config.yaml");
    std::fs::write(&path, EXAMPLE).unwrap();
    let c = ProfileConfig::from_file(&path).unwrap();
    assert_eq!(c.config_file, path);
    let missing = dir.join("nope.yaml");
    let e = ProfileConfig::from_file(&missing).unwrap_err();
    assert!(e.to_string().contains("nope.yaml"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ensemble_composing_models_are_parsed_like_profile_models() {
    let text = "model_repository: /m\nprofile_models: ens\ncpu_only_composing_models: [pre]\nensemble_composing_models:\n  pre:\n    model_config_parameters:\n      instance_group: [{kind: KIND_CPU, count: [1, 2, 4]}]\n  net:\n";
    let c = parse(text).unwrap();
    assert!(c.ignored_keys.is_empty(), "{:?}", c.ignored_keys);
    let names: Vec<&str> = c.ensemble_composing_models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["pre", "net"]);
    let p = c.ensemble_composing_models[0].model_config_parameters.as_ref().unwrap();
    assert_eq!(p["instance_group"], serde_json::json!([{"kind": "KIND_CPU", "count": [1, 2, 4]}]));
    assert!(c.ensemble_composing_models[1].model_config_parameters.is_none());
    // The list form, and the plan keeps each model's parameters.
    let c = parse("model_repository: /m\nprofile_models: ens\nensemble_composing_models: [pre, net]\n").unwrap();
    let plan = crate::plan::Plan::resolve(&c);
    assert_eq!(plan.ensemble_composing_models.keys().collect::<Vec<_>>(), ["net", "pre"]);
    // Keys are checked as in profile_models, with the path named.
    match parse("model_repository: /m\nprofile_models: ens\nensemble_composing_models:\n  pre:\n    model_config_parameter: {}\n").unwrap_err() {
        ConfigError::UnknownKey { path, suggestion, .. } => {
            assert_eq!(path, "ensemble_composing_models.pre.model_config_parameter");
            assert_eq!(suggestion.as_deref(), Some("model_config_parameters"));
        }
        other => panic!("unexpected {other}"),
    }
    let e = parse("model_repository: /m\nprofile_models: ens\nensemble_composing_models: [../x]\n").unwrap_err().to_string();
    assert!(e.contains("ensemble_composing_models"), "{e}");
}
