//! The compat table has one status per key and flag, and each status holds
//! when a config is read: applied keys change the parsed config, refused keys
//! are errors naming the file and key, announced keys leave a notice.

use std::collections::BTreeSet;
use std::path::Path;

use super::compat::{self, Entry, RefuseWhen, Status};
use super::{ConfigError, ProfileConfig, KNOWN_KEYS, MODEL_SPEC_KEYS, PARAMETER_KEYS, PERF_ANALYZER_FLAG_KEYS};

const BASE: &str = "model_repository: /m\nprofile_models: [a]\n";

fn load(yaml: &str) -> Result<ProfileConfig, ConfigError> {
    ProfileConfig::from_yaml_str(yaml, Path::new("ma.yaml"))
}

/// The parsed config without the bookkeeping a key's mere presence changes.
fn content(mut c: ProfileConfig) -> ProfileConfig {
    c.set_by_user.clear();
    c.ignored_keys.clear();
    c.notices.clear();
    c
}

fn keys_of(t: &[Entry]) -> Vec<&'static str> {
    t.iter().map(|e| e.key).collect()
}

fn same_set(table: &[Entry], keys: &[&str], what: &str) {
    let t = keys_of(table);
    let uniq: BTreeSet<_> = t.iter().copied().collect();
    assert_eq!(uniq.len(), t.len(), "{what}: a key has two entries");
    let want: BTreeSet<_> = keys.iter().copied().collect();
    assert_eq!(uniq, want, "{what}: table and key list differ");
}

#[test]
fn every_key_and_flag_has_exactly_one_status() {
    same_set(compat::TOP_LEVEL, KNOWN_KEYS, "top-level keys");
    same_set(compat::MODEL_SPEC, MODEL_SPEC_KEYS, "profile_models keys");
    same_set(compat::PARAMETERS, PARAMETER_KEYS, "parameters keys");
    same_set(compat::PA_FLAGS, PERF_ANALYZER_FLAG_KEYS, "perf_analyzer_flags");
    for e in compat::TOP_LEVEL.iter().chain(compat::MODEL_SPEC).chain(compat::PARAMETERS).chain(compat::PA_FLAGS) {
        let text = match e.status {
            Status::Applied(w) | Status::Announced(w) => w,
            Status::Refused { reason, instead, .. } => {
                assert!(!instead.is_empty(), "{}: a refusal says what to use instead", e.key);
                reason
            }
        };
        assert!(!text.is_empty(), "{}: the status says what tritium does", e.key);
    }
}

/// Loads `yaml` (a config with the entry set) and checks the entry's status;
/// `applied_changes` says whether the parsed config differs from `base`.
fn check(e: &Entry, yaml: &str, path: &str, base: &ProfileConfig, applied_changes: impl Fn(&ProfileConfig) -> bool) {
    match e.status {
        Status::Applied(_) => {
            let c = load(yaml).unwrap_or_else(|err| panic!("{path}: {err}\n{yaml}"));
            assert!(c.notices.iter().all(|n| !n.starts_with(&format!("{path}:"))), "{path} is applied, not announced");
            assert!(applied_changes(&c), "{path} is marked applied but the parsed config ignores it\n{yaml}");
            assert_ne!(&content(c), base, "{path} is marked applied but the parsed config ignores it");
        }
        Status::Announced(what) => {
            let c = load(yaml).unwrap_or_else(|err| panic!("{path}: {err}\n{yaml}"));
            let line = format!("{path}: {what}");
            assert_eq!(c.notices.iter().filter(|n| **n == line).count(), 1, "{path}: one notice\n{:?}", c.notices);
            assert!(c.ignored_keys.iter().any(|k| k == path));
        }
        Status::Refused { reason, instead, when } => {
            let err = load(yaml).expect_err(path);
            let msg = err.to_string();
            assert!(matches!(err, ConfigError::Refused { .. }), "{path}: {msg}");
            assert!(msg.contains("ma.yaml") && msg.contains(path) && msg.contains(reason) && msg.contains(instead), "{msg}");
            if when == RefuseWhen::True {
                let off = yaml.replace(&format!("{}: {}", e.key, e.example), &format!("{}: false", e.key));
                assert!(load(&off).is_ok(), "{path}: false asks for nothing and is accepted");
            }
        }
    }
}

#[test]
fn top_level_keys_are_applied_refused_or_announced_by_the_loader() {
    let base = content(load(BASE).unwrap());
    for e in compat::TOP_LEVEL {
        let yaml = match e.key {
            "model_repository" => format!("model_repository: {}\nprofile_models: [a]\n", e.example),
            "profile_models" => format!("model_repository: /m\nprofile_models: {}\n", e.example),
            _ => format!("{BASE}{}: {}\n", e.key, e.example),
        };
        check(e, &yaml, e.key, &base, |_| true);
    }
}

#[test]
fn model_keys_are_applied_refused_or_announced_by_the_loader() {
    let base = content(load("model_repository: /m\nprofile_models:\n  a: {}\n").unwrap());
    for e in compat::MODEL_SPEC {
        let yaml = format!("model_repository: /m\nprofile_models:\n  a:\n    {}: {}\n", e.key, e.example);
        check(e, &yaml, &format!("profile_models.a.{}", e.key), &base, |c| c.profile_models[0] != base.profile_models[0]);
    }
    for e in compat::PARAMETERS {
        let yaml = format!("model_repository: /m\nprofile_models:\n  a:\n    parameters: {{{}: {}}}\n", e.key, e.example);
        check(e, &yaml, &format!("profile_models.a.parameters.{}", e.key), &base, |c| c.profile_models[0] != base.profile_models[0]);
    }
}

#[test]
fn perf_analyzer_flags_are_applied_refused_or_announced_by_the_loader() {
    let base = content(load(BASE).unwrap());
    for e in compat::PA_FLAGS {
        let yaml = format!("{BASE}perf_analyzer_flags: {{{}: {}}}\n", e.key, e.example);
        // An applied flag is one a typed accessor (used by the measurement loop) reads.
        let read = |c: &ProfileConfig| {
            let f = &c.perf_analyzer_flags;
            match e.key {
                "measurement-interval" => f.measurement_interval_ms().is_some(),
                "measurement-request-count" => f.measurement_request_count().is_some(),
                "measurement-mode" => f.measurement_mode().is_some(),
                "stability-percentage" => f.stability_percentage().is_some(),
                "max-trials" => f.max_trials().is_some(),
                "percentile" => f.percentile().is_some(),
                "batch-size" => f.batch_size().is_some(),
                "shape" => !f.shapes().is_empty(),
                "input-data" => !f.input_data().is_empty(),
                "concurrency-range" => f.concurrency_range() == Some(vec![1, 3, 5, 7]),
                "request-rate-range" => f.request_rate_range().is_some_and(|l| l.len() == 10),
                "request-distribution" => f.request_distribution() == tritium_bench::loadgen::Distribution::Poisson,
                other => panic!("{other} is marked applied but no accessor reads it"),
            }
        };
        check(e, &yaml, &format!("perf_analyzer_flags.{}", e.key), &base, read);
    }
}

#[test]
fn the_triton_server_flags_notice_names_every_mapped_flag() {
    let Some(Entry { status: Status::Announced(what), .. }) = compat::lookup(compat::TOP_LEVEL, "triton_server_flags") else {
        panic!("triton_server_flags is announced")
    };
    for (flag, _) in super::MAPPED_SERVER_FLAGS {
        assert!(what.contains(flag), "{flag} missing from {what:?}");
    }
    let e = load(&format!("{BASE}triton_server_flags: {{cuda-memory-pool-byte-size: lots}}\n")).unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { ref path, .. } if path == "triton_server_flags.cuda-memory-pool-byte-size"), "{e}");
}

#[test]
fn a_second_input_data_file_is_announced() {
    let c = load(&format!("{BASE}perf_analyzer_flags: {{input-data: [a.json, b.json]}}\n")).unwrap();
    assert!(c.notices.iter().any(|n| n.starts_with("perf_analyzer_flags.input-data: tritium reads one input-data file")), "{:?}", c.notices);
    let c = load(&format!("{BASE}perf_analyzer_flags: {{input-data: a.json}}\n")).unwrap();
    assert!(c.notices.is_empty(), "{:?}", c.notices);
}

#[test]
fn unmeasured_objectives_and_llm_constraints_are_announced_by_name() {
    let c = load(&format!("{BASE}objectives: {{perf_throughput: 10, gpu_power_usage: 5}}\nconstraints: {{output_token_throughput: {{min: 5}}}}\n")).unwrap();
    assert_eq!(c.ignored_keys, vec!["objectives.gpu_power_usage".to_string(), "constraints.output_token_throughput".to_string()]);
    assert!(c.notices[0].starts_with("objectives.gpu_power_usage: tritium does not measure this metric"), "{:?}", c.notices);
    let c = load(&format!("{BASE}objectives: [perf_throughput, perf_latency_p99]\n")).unwrap();
    assert!(c.notices.is_empty(), "{:?}", c.notices);
}

#[test]
fn cli_overrides_follow_the_table() {
    let ov = |k: &str, v: &str| ProfileConfig::from_yaml_str_with_overrides(BASE, Path::new("ma.yaml"), &[(k.to_string(), v.to_string())]);
    assert_eq!(ov("request-rate", "10,20").unwrap().request_rate, vec![10, 20]);
    assert!(!ov("request-rate-search-enable", "false").unwrap().request_rate_search_enable);
    assert!(ov("request-rate-search-enable", "true").unwrap().request_rate_search_enable);
    let err = ov("request-intervals", "f.txt").expect_err("unknown or refused");
    assert!(err.to_string().contains("request-intervals") || err.to_string().contains("request_intervals"), "{err}");
    let c = ov("client-protocol", "http").unwrap();
    assert_eq!(c.ignored_keys, vec!["--client-protocol".to_string()]);
    assert!(c.notices[0].starts_with("--client-protocol: tritium drives Triton in-process"), "{:?}", c.notices);
    let c = ov("skip-summary-reports", "true").unwrap();
    assert!(c.skip_summary_reports && c.notices.is_empty());
    // tritium's output selection: all (Model Analyzer's) by default, top on request.
    assert_eq!(load(BASE).unwrap().tritium_output_configs, super::OutputConfigs::All);
    let c = ov("tritium-output-configs", "top").unwrap();
    assert!(c.tritium_output_configs == super::OutputConfigs::Top && c.notices.is_empty());
    assert!(ov("tritium-output-configs", "best").unwrap_err().to_string().contains("expected all or top"));
    let c = ov("-d", "7").unwrap();
    assert!(c.duration_seconds == 7 && c.notices.is_empty(), "duration_seconds is applied: {:?}", c.notices);
}

#[test]
fn docs_table_is_generated_from_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/compat_model_analyzer.md");
    let want = compat::markdown();
    if std::env::var_os("TRITIUM_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "{} is stale: regenerate with TRITIUM_BLESS=1 cargo test -p tritium-profile --lib compat", path.display());
}

#[test]
fn tritium_model_switch_is_parsed_and_auto_replaces_only_on_large_machines() {
    use super::ModelSwitch;
    assert_eq!(load(BASE).unwrap().tritium_model_switch, ModelSwitch::Auto);
    for (v, want) in [("unload", ModelSwitch::Unload), ("replace", ModelSwitch::Replace), ("preload", ModelSwitch::Preload), ("AUTO", ModelSwitch::Auto)] {
        let c = load(&format!("{BASE}tritium_model_switch: {v}\n")).unwrap();
        assert!(c.tritium_model_switch == want && c.notices.is_empty(), "{v}");
    }
    let e = load(&format!("{BASE}tritium_model_switch: reload\n")).unwrap_err().to_string();
    assert!(e.contains("tritium_model_switch") && e.contains("auto, unload, replace, preload"), "{e}");
    assert_eq!(ModelSwitch::Auto.replaces(super::REPLACE_MIN_CORES), super::modes::REPLACE_BY_DEFAULT);
    assert!(!ModelSwitch::Auto.replaces(super::REPLACE_MIN_CORES - 1));
    assert!(ModelSwitch::Replace.replaces(1) && !ModelSwitch::Unload.replaces(128));
    // preload replaces too, and loads the next config beside the measured one.
    assert!(ModelSwitch::Preload.replaces(1) && ModelSwitch::Preload.preloads(1, true));
    assert!(!ModelSwitch::Replace.preloads(128, false) && !ModelSwitch::Unload.preloads(128, false));
    // auto: on large machines, for searches where latency does not count.
    assert_eq!(ModelSwitch::Auto.preloads(super::REPLACE_MIN_CORES, false), super::modes::PRELOAD_BY_DEFAULT);
    assert!(!ModelSwitch::Auto.preloads(super::REPLACE_MIN_CORES, true));
    assert!(!ModelSwitch::Auto.preloads(super::REPLACE_MIN_CORES - 1, false));
    assert_eq!(ModelSwitch::Auto.may_preload(super::REPLACE_MIN_CORES), super::modes::PRELOAD_BY_DEFAULT);
}

#[test]
fn tritium_workers_is_parsed_from_the_file_and_the_command_line() {
    use super::Workers;
    assert_eq!(load(BASE).unwrap().tritium_workers, Workers::Auto);
    for (v, want) in [("auto", Workers::Auto), ("1", Workers::Count(1)), ("4", Workers::Count(4)), ("\"2\"", Workers::Count(2))] {
        let c = load(&format!("{BASE}tritium_workers: {v}\n")).unwrap();
        assert!(c.tritium_workers == want && c.notices.is_empty(), "{v}");
    }
    for bad in ["0", "-1", "many", "257"] {
        let e = load(&format!("{BASE}tritium_workers: {bad}\n")).unwrap_err().to_string();
        assert!(e.contains("tritium_workers") && e.contains("auto or a number of workers from 1 to 256"), "{bad}: {e}");
    }
    let c = ProfileConfig::from_yaml_str_with_overrides(BASE, std::path::Path::new("a.yaml"), &[("tritium-workers".into(), "3".into())]).unwrap();
    assert_eq!(c.tritium_workers, Workers::Count(3));
    let e = ProfileConfig::from_yaml_str_with_overrides(BASE, std::path::Path::new("a.yaml"), &[("tritium-workers".into(), "0".into())]).unwrap_err().to_string();
    assert!(e.contains("tritium-workers") || e.contains("tritium_workers"), "{e}");
}
