//! Pass 1 of reading a config: every key of the YAML tree checked against
//! the key tables, with the dotted path and a "did you mean" for unknown
//! ones; keys Model Analyzer knows but tritium ignores are collected.

use std::path::Path;

use serde_yaml::Value as Yaml;

use super::error::ConfigError;
use super::keys::{
    IGNORED_CONSTRAINT_KEYS, KNOWN_KEYS, MODEL_CONFIG_FIELDS, MODEL_SPEC_KEYS, OBJECTIVE_KEYS, PARAMETER_KEYS, PERF_ANALYZER_FLAG_KEYS,
    SUPPORTED_CONSTRAINT_KEYS, SUPPORTED_KEYS, SUPPORTED_MODEL_SPEC_KEYS,
};
use super::compat;
use super::pa_flags::yaml_string;
use super::Metric;
use super::suggest::suggest;

pub(super) fn check_keys(tree: &Yaml, file: &Path, ignored: &mut Vec<(String, String)>) -> Result<(), ConfigError> {
    let Yaml::Mapping(top) = tree else {
        return Ok(());
    };
    for (k, v) in top {
        let key = key_str(k, "", file)?;
        if let Some(e) = compat::lookup(compat::TOP_LEVEL, &key) {
            classify(e, v, &key, file, ignored)?;
        }
        if SUPPORTED_KEYS.contains(&key.as_str()) {
            match key.as_str() {
                "profile_models" | "ensemble_composing_models" => check_profile_models(v, &key, file, ignored)?,
                "constraints" => check_constraints(v, "constraints", file, ignored)?,
                "objectives" => check_objectives(v, "objectives", file, ignored)?,
                "perf_analyzer_flags" => check_pa_flags(v, "perf_analyzer_flags", file, ignored)?,
                _ => {}
            }
        } else if KNOWN_KEYS.contains(&key.as_str()) {
            // announced by its compat entry above
        } else {
            return Err(unknown_key(file, &key, &key, KNOWN_KEYS.iter().copied()));
        }
    }
    Ok(())
}

fn key_str(k: &Yaml, prefix: &str, file: &Path) -> Result<String, ConfigError> {
    match k {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        _ => Err(ConfigError::Invalid {
            file: file.to_path_buf(),
            path: if prefix.is_empty() {
                "<root>".into()
            } else {
                prefix.to_string()
            },
            message: "keys must be strings".into(),
        }),
    }
}

pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn unknown_key<'a>(
    file: &Path,
    path: &str,
    key: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> ConfigError {
    ConfigError::UnknownKey {
        file: file.to_path_buf(),
        path: path.to_string(),
        suggestion: suggest(key, candidates),
    }
}

fn check_profile_models(
    v: &Yaml,
    prefix: &str,
    file: &Path,
    ignored: &mut Vec<(String, String)>,
) -> Result<(), ConfigError> {
    match v {
        Yaml::Mapping(models) => {
            for (name, spec) in models {
                let name = key_str(name, prefix, file)?;
                check_model_spec(spec, &join(prefix, &name), file, ignored)?;
            }
        }
        Yaml::Sequence(items) => {
            for item in items {
                if let Yaml::Mapping(models) = item {
                    for (name, spec) in models {
                        let name = key_str(name, prefix, file)?;
                        check_model_spec(spec, &join(prefix, &name), file, ignored)?;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_model_spec(
    spec: &Yaml,
    path: &str,
    file: &Path,
    ignored: &mut Vec<(String, String)>,
) -> Result<(), ConfigError> {
    let Yaml::Mapping(m) = spec else {
        return Ok(());
    };
    for (k, v) in m {
        let key = key_str(k, path, file)?;
        let kpath = join(path, &key);
        if !MODEL_SPEC_KEYS.contains(&key.as_str()) {
            return Err(unknown_key(
                file,
                &kpath,
                &key,
                MODEL_SPEC_KEYS.iter().copied(),
            ));
        }
        if let Some(e) = compat::lookup(compat::MODEL_SPEC, &key) {
            classify(e, v, &kpath, file, ignored)?;
        }
        if !SUPPORTED_MODEL_SPEC_KEYS.contains(&key.as_str()) {
            continue;
        }
        match key.as_str() {
            "parameters" => {
                if let Yaml::Mapping(p) = v {
                    for (pk, pv) in p {
                        let pk = key_str(pk, &kpath, file)?;
                        if let Some(e) = compat::lookup(compat::PARAMETERS, &pk) {
                            classify(e, pv, &join(&kpath, &pk), file, ignored)?;
                        }
                        if !PARAMETER_KEYS.contains(&pk.as_str()) {
                            return Err(unknown_key(
                                file,
                                &join(&kpath, &pk),
                                &pk,
                                PARAMETER_KEYS.iter().copied(),
                            ));
                        }
                    }
                }
            }
            "constraints" => check_constraints(v, &kpath, file, ignored)?,
            "objectives" => check_objectives(v, &kpath, file, ignored)?,
            "perf_analyzer_flags" => check_pa_flags(v, &kpath, file, ignored)?,
            "model_config_parameters" => {
                if let Yaml::Mapping(p) = v {
                    for (pk, _) in p {
                        let pk = key_str(pk, &kpath, file)?;
                        if !MODEL_CONFIG_FIELDS.contains(&pk.as_str()) {
                            return Err(unknown_key(
                                file,
                                &join(&kpath, &pk),
                                &pk,
                                MODEL_CONFIG_FIELDS.iter().copied(),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_constraints(
    v: &Yaml,
    path: &str,
    file: &Path,
    ignored: &mut Vec<(String, String)>,
) -> Result<(), ConfigError> {
    let Yaml::Mapping(m) = v else { return Ok(()) };
    let all = SUPPORTED_CONSTRAINT_KEYS
        .iter()
        .chain(IGNORED_CONSTRAINT_KEYS.iter());
    for (k, bound) in m {
        let key = key_str(k, path, file)?;
        let kpath = join(path, &key);
        let Some((_, allowed)) = all.clone().find(|(n, _)| *n == key) else {
            return Err(unknown_key(
                file,
                &kpath,
                &key,
                all.clone().map(|(n, _)| *n),
            ));
        };
        if let Yaml::Mapping(b) = bound {
            for (bk, _) in b {
                let bk = key_str(bk, &kpath, file)?;
                if bk != *allowed {
                    return Err(ConfigError::UnknownKey {
                        file: file.to_path_buf(),
                        path: join(&kpath, &bk),
                        suggestion: Some((*allowed).to_string()),
                    });
                }
            }
        }
        if IGNORED_CONSTRAINT_KEYS.iter().any(|(n, _)| *n == key) {
            let line = compat::notice_line(&kpath, "an LLM metric tritium does not measure; the constraint is not applied");
            ignored.push((kpath, line));
        }
    }
    Ok(())
}

fn check_objectives(v: &Yaml, path: &str, file: &Path, ignored: &mut Vec<(String, String)>) -> Result<(), ConfigError> {
    let names: Vec<String> = match v {
        Yaml::Mapping(m) => m
            .keys()
            .map(|k| key_str(k, path, file))
            .collect::<Result<_, _>>()?,
        Yaml::Sequence(items) => items.iter().filter_map(yaml_string).collect(),
        Yaml::String(s) => s.split(',').map(|s| s.trim().to_string()).collect(),
        _ => Vec::new(),
    };
    for name in names {
        if !OBJECTIVE_KEYS.contains(&name.as_str()) {
            return Err(unknown_key(
                file,
                &join(path, &name),
                &name,
                OBJECTIVE_KEYS.iter().copied(),
            ));
        }
        if Metric::from_name(&name).is_none() {
            let kpath = join(path, &name);
            let line = compat::notice_line(
                &kpath,
                "tritium does not measure this metric: the objective adds nothing to any score (weights stay normalised over all objectives, as in Model Analyzer; the ranking is as without it)",
            );
            ignored.push((kpath, line));
        }
    }
    Ok(())
}

fn check_pa_flags(v: &Yaml, path: &str, file: &Path, ignored: &mut Vec<(String, String)>) -> Result<(), ConfigError> {
    let Yaml::Mapping(m) = v else { return Ok(()) };
    for (k, fv) in m {
        let key = key_str(k, path, file)?;
        if !PERF_ANALYZER_FLAG_KEYS.contains(&key.as_str()) {
            return Err(unknown_key(
                file,
                &join(path, &key),
                &key,
                PERF_ANALYZER_FLAG_KEYS.iter().copied(),
            ));
        }
        let kpath = join(path, &key);
        if let Some(e) = compat::lookup(compat::PA_FLAGS, &key) {
            classify(e, fv, &kpath, file, ignored)?;
        }
        if key == "input-data" {
            if let Yaml::Sequence(items) = fv {
                if items.len() > 1 {
                    let line = compat::notice_line(&kpath, "tritium reads one input-data file: only the first entry is used");
                    ignored.push((kpath, line));
                }
            }
        }
    }
    Ok(())
}

/// Applies a key's compat status: a refused key is an error naming the file
/// and key, an announced one is recorded with its notice.
pub(super) fn classify(
    e: &compat::Entry,
    v: &Yaml,
    path: &str,
    file: &Path,
    ignored: &mut Vec<(String, String)>,
) -> Result<(), ConfigError> {
    match e.status {
        compat::Status::Applied(_) => Ok(()),
        compat::Status::Announced(what) => {
            ignored.push((path.to_string(), compat::notice_line(path, what)));
            Ok(())
        }
        compat::Status::Refused { when, reason, instead } => {
            if compat::refuses(when, v) {
                Err(ConfigError::Refused {
                    file: file.to_path_buf(),
                    path: path.to_string(),
                    message: compat::refusal_message(reason, instead),
                })
            } else {
                Ok(())
            }
        }
    }
}
