//! Tests of [`ProfileConfig::validate`]: model names, tritium's limits,
//! perf_analyzer flag ranges.

use super::*;

fn parse(text: &str) -> Result<ProfileConfig, ConfigError> {
    ProfileConfig::from_yaml_str(text, Path::new("analyzer_config.yaml"))
}

fn invalid_path(text: &str) -> (String, String) {
    match parse(text) {
        Err(ConfigError::Invalid { path, message, .. }) => (path, message),
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

#[test]
fn model_names_are_names_not_paths() {
    assert!(parse("model_repository: /r\nprofile_models: [\"\"]\n").is_err(), "an empty name");
    assert!(check_model_name("").is_err() && check_model_name(" ").is_err());
    for bad in ["../victim/echo", "/abs/model", "a/b", "a\\b", "..", ".", ".hidden", "nul\u{0}x"] {
        let yaml = format!("model_repository: /r\nprofile_models: [{bad:?}]\n");
        let (path, msg) = invalid_path(&yaml);
        assert_eq!(path, "profile_models", "{bad:?}: {msg}");
        assert!(msg.contains("model name"), "{bad:?}: {msg}");
        let e = parse(&yaml).unwrap_err().to_string();
        assert!(e.contains("analyzer_config.yaml"), "the error names the file: {e}");
    }
    let (path, _) = invalid_path("model_repository: /r\nprofile_models: [a]\ncpu_only_composing_models: [../x]\n");
    assert_eq!(path, "cpu_only_composing_models");
    // CLI overrides are validated the same way.
    let e = ProfileConfig::from_yaml_str_with_overrides("model_repository: /r\nprofile_models: [a]\n", Path::new("c.yaml"), &[("profile-models".into(), "ok,../x".into())]).unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { ref path, .. } if path == "profile_models"), "{e}");
    for good in ["my_model", "a.b", "my..model", "ensemble_add_sub", "model-1"] {
        assert!(check_model_name(good).is_ok(), "{good}");
    }
}

#[test]
fn concurrency_and_instance_bounds_are_refused_not_clamped() {
    use tritium_bench::limits::{MAX_CONCURRENCY, MAX_INSTANCE_COUNT};
    let base = "model_repository: /r\nprofile_models: [a]\n";
    let (path, msg) = invalid_path(&format!("{base}concurrency: [1, 10000000]\n"));
    assert_eq!(path, "concurrency");
    assert!(msg.contains("10000000") && msg.contains(&MAX_CONCURRENCY.to_string()), "{msg}");
    let (path, _) = invalid_path(&format!("{base}run_config_search_max_concurrency: 100000\n"));
    assert_eq!(path, "run_config_search_max_concurrency");
    let (path, msg) = invalid_path(&format!("{base}run_config_search_max_instance_count: 100000\n"));
    assert_eq!(path, "run_config_search_max_instance_count");
    assert!(msg.contains("100000") && msg.contains(&MAX_INSTANCE_COUNT.to_string()), "{msg}");
    let (path, _) = invalid_path("model_repository: /r\nprofile_models:\n  a:\n    parameters: {concurrency: [20000]}\n");
    assert_eq!(path, "profile_models.a.parameters.concurrency");
    let (path, _) = invalid_path("model_repository: /r\nprofile_models:\n  a:\n    model_config_parameters:\n      instance_group: [[{kind: KIND_CPU, count: [1, 1000]}]]\n");
    assert_eq!(path, "profile_models.a.model_config_parameters.instance_group");
    let e = ProfileConfig::from_yaml_str_with_overrides(base, Path::new("c.yaml"), &[("run-config-search-max-instance-count".into(), "100000".into())]).unwrap_err();
    assert!(e.to_string().contains("run_config_search_max_instance_count"), "{e}");
    // At the limits: accepted.
    assert!(parse(&format!("{base}concurrency: [{MAX_CONCURRENCY}]\nrun_config_search_max_instance_count: {MAX_INSTANCE_COUNT}\n")).is_ok());
}

#[test]
fn perf_analyzer_flag_ranges_name_the_key_path() {
    let base = "model_repository: /r\nprofile_models: [a]\n";
    for (flag, value) in [("percentile", "0"), ("percentile", "100"), ("measurement-interval", "0"), ("max-trials", "0"), ("stability-percentage", "0"), ("stability-percentage", "-5"), ("measurement-request-count", "0")] {
        let (path, msg) = invalid_path(&format!("{base}perf_analyzer_flags:\n  {flag}: {value}\n"));
        assert_eq!(path, format!("perf_analyzer_flags.{flag}"), "{flag}={value}: {msg}");
        let (path, _) = invalid_path(&format!("model_repository: /r\nprofile_models:\n  a:\n    perf_analyzer_flags:\n      {flag}: {value}\n"));
        assert_eq!(path, format!("profile_models.a.perf_analyzer_flags.{flag}"));
    }
    assert!(parse(&format!("{base}perf_analyzer_flags: {{percentile: 99, measurement-interval: 1, max-trials: 1, stability-percentage: 0.5, measurement-request-count: 1}}\n")).is_ok());
}
