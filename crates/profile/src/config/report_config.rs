//! The YAML of Model Analyzer's `report` command (`model-analyzer report -f
//! FILE`), as `tritium report -f FILE` reads it: `report_model_configs` (the
//! configs that get a detailed report) and `export_path` are applied; every
//! other key Model Analyzer knows (`plots`, `output_formats`, the `profile`
//! keys of a shared file, ...) is accepted with a one-line notice; an unknown
//! key is an error with a suggestion, as in `profile`.
//!
//! `report_model_configs` takes Model Analyzer's forms: a list of config
//! names, a comma-separated string, or a list/map whose entries are
//! `{<config name>: {plots: ...}}` (the per-config `plots` are announced:
//! tritium's detailed report draws its fixed plots).

use std::path::{Path, PathBuf};

use serde_yaml::Value as Yaml;

use super::keys::KNOWN_KEYS;
use super::{suggest, ConfigError};

/// What `tritium report -f FILE` takes from the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportConfig {
    /// `export_path` (None: not in the file).
    pub export_path: Option<PathBuf>,
    /// `report_model_configs`, in the file's order (empty: not in the file).
    pub report_model_configs: Vec<String>,
    /// One line per key present that `report` does not apply (`key: what
    /// tritium does instead`).
    pub notices: Vec<String>,
}

/// Splits `a,b, c` into config names (empty parts dropped), as `report -n`
/// and a string-valued `report_model_configs` are read.
pub fn split_config_names(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

impl ReportConfig {
    /// Reads a report config file.
    pub fn from_file(path: &Path) -> Result<ReportConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io { file: path.to_path_buf(), source })?;
        Self::from_yaml_str(&text, path)
    }

    /// Parses a report config; `file` names it in errors.
    pub fn from_yaml_str(text: &str, file: &Path) -> Result<ReportConfig, ConfigError> {
        let invalid = |path: &str, message: String| ConfigError::Invalid { file: file.to_path_buf(), path: path.to_string(), message };
        let doc: Yaml = serde_yaml::from_str(text).map_err(|e| ConfigError::Yaml {
            file: file.to_path_buf(),
            line: e.location().map(|l| l.line()),
            column: e.location().map(|l| l.column()),
            message: e.to_string(),
        })?;
        let mut out = ReportConfig::default();
        let map = match doc {
            Yaml::Null => return Ok(out),
            Yaml::Mapping(m) => m,
            _ => return Err(invalid("", "a report config is a mapping of keys (report_model_configs, export_path, ...)".into())),
        };
        for (k, v) in map {
            let Some(key) = k.as_str() else {
                return Err(invalid("", format!("a key must be a string, not {k:?}")));
            };
            match key {
                "report_model_configs" => out.report_model_configs = config_names(&v, &mut out.notices).map_err(|m| invalid(key, m))?,
                "export_path" => match v {
                    Yaml::String(s) => out.export_path = Some(PathBuf::from(s)),
                    _ => return Err(invalid(key, "expected a directory path".into())),
                },
                k if KNOWN_KEYS.contains(&k) => out.notices.push(format!("{k}: not used by `tritium report` (it writes the detailed reports of report_model_configs, with tritium's fixed plots, as PDF)")),
                k => {
                    return Err(ConfigError::UnknownKey { file: file.to_path_buf(), path: k.to_string(), suggestion: suggest(k, KNOWN_KEYS.iter().copied()) });
                }
            }
        }
        Ok(out)
    }
}

/// The names of a `report_model_configs` value.
fn config_names(v: &Yaml, notices: &mut Vec<String>) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut with_plots = false;
    let mut entry = |e: &Yaml, names: &mut Vec<String>| -> Result<(), String> {
        match e {
            Yaml::String(s) => names.extend(split_config_names(s)),
            Yaml::Mapping(m) => {
                for (k, _) in m {
                    names.push(k.as_str().ok_or_else(|| format!("a config name must be a string, not {k:?}"))?.to_string());
                    with_plots = true;
                }
            }
            other => return Err(format!("expected config names (e.g. [resnet_config_0, resnet_config_default]), not {other:?}")),
        }
        Ok(())
    };
    match v {
        Yaml::Sequence(s) => {
            for e in s {
                entry(e, &mut names)?;
            }
        }
        other => entry(other, &mut names)?,
    }
    if with_plots {
        notices.push("report_model_configs: per-config plots are not used; the detailed reports draw tritium's fixed plots".to_string());
    }
    if names.is_empty() {
        return Err("names no config; list the configs to report, e.g. [resnet_config_0, resnet_config_default]".into());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<ReportConfig, ConfigError> {
        ReportConfig::from_yaml_str(yaml, Path::new("report.yaml"))
    }

    #[test]
    fn model_analyzer_report_forms_are_read() {
        let c = parse("export_path: /tmp/x\nreport_model_configs: [a_config_0, a_config_default]\n").unwrap();
        assert_eq!(c.report_model_configs, ["a_config_0", "a_config_default"]);
        assert_eq!(c.export_path, Some(PathBuf::from("/tmp/x")));
        assert!(c.notices.is_empty());
        assert_eq!(parse("report_model_configs: a_config_0, b_config_1\n").unwrap().report_model_configs, ["a_config_0", "b_config_1"]);
        let c = parse("report_model_configs:\n  a_config_0:\n    plots: {}\n  a_config_1: {}\n").unwrap();
        assert_eq!(c.report_model_configs, ["a_config_0", "a_config_1"]);
        assert_eq!(c.notices.len(), 1, "per-config plots are announced: {:?}", c.notices);
        let c = parse("report_model_configs:\n  - a_config_0:\n      plots: {}\n  - a_config_1\n").unwrap();
        assert_eq!(c.report_model_configs, ["a_config_0", "a_config_1"]);
    }

    #[test]
    fn other_keys_are_announced_and_unknown_keys_refused() {
        let c = parse("report_model_configs: [a]\nplots: {}\noutput_formats: [pdf]\nmodel_repository: /m\n").unwrap();
        assert_eq!(c.notices.len(), 3, "{:?}", c.notices);
        assert!(c.notices.iter().all(|n| n.contains("not used by `tritium report`")), "{:?}", c.notices);
        let e = parse("report_model_config: [a]\n").unwrap_err().to_string();
        assert!(e.contains("report.yaml") && e.contains("report_model_config") && e.contains("report_model_configs"), "{e}");
        for bad in ["report_model_configs: []\n", "report_model_configs: 3\n", "[a]\n", "export_path: [a]\n"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse("").unwrap(), ReportConfig::default());
    }
}
