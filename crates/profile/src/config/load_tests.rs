//! Tests of a model's load kind and levels ([`ProfileConfig::model_load`]),
//! perf_analyzer load ranges ([`pa_flags::load_range`]) and Model Analyzer's
//! concurrency / request-rate conflicts, all refused before any server starts.

use super::*;
use tritium_bench::loadgen::Distribution;

const BASE: &str = "model_repository: /m\nprofile_models: [a]\n";

fn parse(text: &str) -> Result<ProfileConfig, ConfigError> {
    ProfileConfig::from_yaml_str(text, Path::new("ma.yaml"))
}

fn load_of(extra: &str) -> ModelLoad {
    let c = parse(&format!("{BASE}{extra}")).unwrap_or_else(|e| panic!("{extra}: {e}"));
    c.model_load(&c.profile_models[0])
}

fn error_of(extra: &str) -> String {
    match parse(&format!("{BASE}{extra}")) {
        Ok(_) => panic!("{extra}: accepted"),
        Err(e) => e.to_string(),
    }
}

const CONSTANT: LoadKind = LoadKind::RequestRate { distribution: Distribution::Constant };

#[test]
fn concurrency_is_the_default_load() {
    assert_eq!(load_of(""), ModelLoad { kind: LoadKind::Concurrency, levels: vec![] });
    assert_eq!(load_of("concurrency: [2, 4]\n").levels, vec![2, 4]);
    assert_eq!(load_of("request_rate_search_enable: false\n").kind, LoadKind::Concurrency);
}

#[test]
fn request_rate_is_chosen_as_model_analyzer_chooses_it() {
    // is_request_rate_specified: the switch, a rate list, or a rate bound set by the user.
    assert_eq!(load_of("request_rate_search_enable: true\n"), ModelLoad { kind: CONSTANT, levels: vec![] });
    assert_eq!(load_of("run_config_search_min_request_rate: 32\n").kind, CONSTANT);
    assert_eq!(load_of("run_config_search_max_request_rate: 64\n").kind, CONSTANT);
    assert_eq!(load_of("request_rate: [40, 10]\n"), ModelLoad { kind: CONSTANT, levels: vec![40, 10] });
    let per_model = "model_repository: /m\nprofile_models:\n  a:\n    parameters:\n      request_rate: [5]\n";
    let c = parse(per_model).unwrap();
    assert_eq!(c.model_load(&c.profile_models[0]), ModelLoad { kind: CONSTANT, levels: vec![5] });
    let c = parse("model_repository: /m\nprofile_models: [a]\nrequest_rate_search_enable: true\nperf_analyzer_flags: {request-distribution: poisson}\n").unwrap();
    assert_eq!(c.model_load(&c.profile_models[0]).kind, LoadKind::RequestRate { distribution: Distribution::Poisson });
    // The defaults are Model Analyzer's 16 and 8192.
    assert_eq!((c.run_config_search_min_request_rate, c.run_config_search_max_request_rate), (16, 8192));
}

#[test]
fn perf_analyzer_ranges_give_the_levels_and_the_kind() {
    assert_eq!(load_of("perf_analyzer_flags: {concurrency-range: \"1:8:2\"}\n"), ModelLoad { kind: LoadKind::Concurrency, levels: vec![1, 3, 5, 7] });
    assert_eq!(load_of("perf_analyzer_flags: {request-rate-range: \"10:30:10\"}\n"), ModelLoad { kind: CONSTANT, levels: vec![10, 20, 30] });
    assert_eq!(load_of("perf_analyzer_flags: {concurrency-range: 4}\n").levels, vec![4]);
    assert_eq!(load_of("perf_analyzer_flags: {concurrency-range: \"2:5\"}\n").levels, vec![2, 3, 4, 5]);
    // A per-model flag replaces the global flags (no merge, as Model Analyzer).
    let text = "model_repository: /m\nprofile_models:\n  a:\n    perf_analyzer_flags: {request-rate-range: \"8:8\"}\nperf_analyzer_flags: {concurrency-range: \"1:2\"}\n";
    let c = parse(text).unwrap();
    assert_eq!(c.model_load(&c.profile_models[0]), ModelLoad { kind: CONSTANT, levels: vec![8] });
}

#[test]
fn bad_ranges_are_refused_when_read() {
    for (flags, want) in [
        ("{concurrency-range: \"8:1\"}", "below start"),
        ("{concurrency-range: \"1:8:0\"}", "0 is not a load level"),
        ("{concurrency-range: \"0\"}", "0 is not a load level"),
        ("{request-rate-range: \"1.5:3\"}", "whole number"),
        ("{request-rate-range: \"1:2:3:4\"}", "start:end:step"),
        ("{request-rate-range: \"a:b\"}", "whole number"),
        ("{concurrency-range: \"1:100000\"}", "load levels"),
        ("{concurrency-range: \"1:2\", request-rate-range: \"1:2\"}", "cannot be combined"),
        ("{request-distribution: uniform}", "constant"),
    ] {
        let e = error_of(&format!("perf_analyzer_flags: {flags}\n"));
        assert!(e.contains(want), "{flags}: {e}");
    }
    assert!(pa_flags::load_range(&serde_yaml::Value::from(3u64)).is_ok_and(|l| l == vec![3]));
    assert_eq!(pa_flags::load_range(&serde_yaml::Value::from("1:10:4")), Ok(vec![1, 5, 9]));
}

#[test]
fn model_analyzers_concurrency_and_rate_conflicts_are_refused() {
    for (extra, want) in [
        ("concurrency: [1]\nrequest_rate_search_enable: true\n", "request_rate_search_enable"),
        ("concurrency: [1]\nrequest_rate: [10]\n", "both concurrency and request rate"),
        ("concurrency: [1]\nrun_config_search_max_request_rate: 64\n", "run_config_search_max_request_rate"),
        ("run_config_search_max_concurrency: 8\nrequest_rate_search_enable: true\n", "run_config_search_max_concurrency"),
        ("run_config_search_min_concurrency: 2\nrun_config_search_min_request_rate: 32\n", "run_config_search_min_concurrency"),
        ("request_rate_search_enable: true\nperf_analyzer_flags: {concurrency-range: 4}\n", "concurrency-range"),
        ("concurrency: [1]\nperf_analyzer_flags: {request-rate-range: 4}\n", "request-rate-range"),
        ("request_rate: [0]\n", "at least 1"),
        ("request_rate: [20000000]\n", "above tritium's limit"),
        ("run_config_search_max_request_rate: 20000000\n", "above tritium's limit"),
        ("perf_analyzer_flags: {request-rate-range: \"19999990:20000000:10\"}\n", "above tritium's limit"),
        ("run_config_search_min_request_rate: 64\nrun_config_search_max_request_rate: 32\n", "larger than"),
    ] {
        let e = error_of(extra);
        assert!(e.contains(want), "{extra}: {e}");
    }
}

#[test]
fn quick_search_refuses_explicit_load_levels_but_searches_rates() {
    let e = error_of("run_config_search_mode: quick\nrequest_rate: [10]\n");
    assert!(e.contains("quick search mode does not support explicit load levels"), "{e}");
    let e = error_of("run_config_search_mode: quick\nperf_analyzer_flags: {concurrency-range: \"1:4\"}\n");
    assert!(e.contains("quick search mode does not support explicit load levels"), "{e}");
    assert_eq!(load_of("run_config_search_mode: quick\nrequest_rate_search_enable: true\n").kind, CONSTANT);
}

#[test]
fn cli_overrides_choose_request_rate_as_the_yaml_does() {
    let ov = |k: &str, v: &str| {
        let c = ProfileConfig::from_yaml_str_with_overrides(BASE, Path::new("ma.yaml"), &[(k.to_string(), v.to_string())]).unwrap();
        c.model_load(&c.profile_models[0])
    };
    assert_eq!(ov("request-rate-search-enable", "true").kind, CONSTANT);
    assert_eq!(ov("run-config-search-max-request-rate", "64").kind, CONSTANT);
    assert_eq!(ov("request-rate", "8,4"), ModelLoad { kind: CONSTANT, levels: vec![8, 4] });
    assert_eq!(ov("request-rate-search-enable", "false").kind, LoadKind::Concurrency);
}

#[test]
fn models_do_not_mix_concurrency_and_request_rate() {
    let text = "model_repository: /m\nprofile_models:\n  a:\n    parameters: {request_rate: [5]}\n  b:\n";
    let e = parse(text).unwrap_err().to_string();
    assert!(e.contains("every profiled model must use request rate or none") && e.contains("concurrency: b"), "{e}");
    let text = "model_repository: /m\nprofile_models:\n  a:\n    perf_analyzer_flags: {request-rate-range: 8}\n  b:\n";
    assert!(parse(text).is_err());
    let text = "model_repository: /m\nprofile_models:\n  a:\n    parameters: {request_rate: [5]}\n  b:\n    parameters: {request_rate: [6]}\n";
    assert!(parse(text).is_ok());
}
