//! Tests of the tritium extension keys `tritium_measurement_rule` and
//! `tritium_ci_target`: parsed, defaulted, refused with the file and key.

use super::*;
use tritium_bench::StopRule;

const BASE: &str = "model_repository: /r\nprofile_models: [a]\n";

fn parse(extra: &str) -> Result<ProfileConfig, ConfigError> {
    ProfileConfig::from_yaml_str(&format!("{BASE}{extra}"), Path::new("analyzer_config.yaml"))
}

#[test]
fn the_measurement_rule_keys_parse_with_lenient_scalars() {
    let c = parse("").unwrap();
    assert_eq!((c.tritium_measurement_rule, c.tritium_ci_target), (StopRule::Adaptive, 3.0), "defaults");
    assert!(c.ignored_keys.is_empty());
    let c = parse("tritium_measurement_rule: perf_analyzer\ntritium_ci_target: 1.5\n").unwrap();
    assert_eq!((c.tritium_measurement_rule, c.tritium_ci_target), (StopRule::PerfAnalyzer, 1.5));
    // Lenient scalars, as the neighbouring keys: a quoted number, other spellings of the rule.
    let c = parse("tritium_measurement_rule: Perf-Analyzer\ntritium_ci_target: \"5\"\n").unwrap();
    assert_eq!((c.tritium_measurement_rule, c.tritium_ci_target), (StopRule::PerfAnalyzer, 5.0));
    assert_eq!(parse("tritium_measurement_rule: adaptive\ntritium_ci_target: 100\n").unwrap().tritium_measurement_rule, StopRule::Adaptive);
    // CLI overrides.
    let c = ProfileConfig::from_yaml_str_with_overrides(BASE, Path::new("c.yaml"), &[("tritium-measurement-rule".into(), "perf_analyzer".into()), ("tritium-ci-target".into(), "2".into())]).unwrap();
    assert_eq!((c.tritium_measurement_rule, c.tritium_ci_target), (StopRule::PerfAnalyzer, 2.0));
}

#[test]
fn bad_measurement_rule_values_name_the_file_and_key() {
    for (extra, key) in [
        ("tritium_measurement_rule: fast\n", "tritium_measurement_rule"),
        ("tritium_ci_target: 0\n", "tritium_ci_target"),
        ("tritium_ci_target: -2\n", "tritium_ci_target"),
        ("tritium_ci_target: 100.5\n", "tritium_ci_target"),
        ("tritium_ci_target: .nan\n", "tritium_ci_target"),
    ] {
        let e = parse(extra).unwrap_err();
        assert!(matches!(&e, ConfigError::Invalid { path, .. } if path == key), "{extra}: {e:?}");
        let text = e.to_string();
        assert!(text.contains("analyzer_config.yaml") && text.contains(key), "{text}");
    }
    // Not a number at all: a type error with its location.
    let e = parse("tritium_ci_target: lots\n").unwrap_err().to_string();
    assert!(e.contains("analyzer_config.yaml"), "{e}");
    // A typo is an unknown key with a suggestion.
    let e = parse("tritium_ci_targte: 3\n").unwrap_err().to_string();
    assert!(e.contains("tritium_ci_target"), "{e}");
    // Overrides are checked the same way.
    assert!(ProfileConfig::from_yaml_str_with_overrides(BASE, Path::new("c.yaml"), &[("tritium-ci-target".into(), "0".into())]).is_err());
    assert!(ProfileConfig::from_yaml_str_with_overrides(BASE, Path::new("c.yaml"), &[("tritium-measurement-rule".into(), "x".into())]).is_err());
}
