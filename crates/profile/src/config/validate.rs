//! Cross-field checks of a parsed config ([`ProfileConfig::validate`]):
//! search bounds, quick-search restrictions, tritium's limits, model names.

use super::{ConfigError, ProfileConfig, SearchMode};

impl ProfileConfig {
    /// Checks cross-field rules (Model Analyzer's
    /// `_preprocess_and_verify_arguments` and `ConfigCommand` checks, plus
    /// sanity of the search bounds).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let file = self.config_file.clone();
        let invalid = |path: &str, message: String| ConfigError::Invalid {
            file: file.clone(),
            path: path.to_string(),
            message,
        };
        if self.model_repository.as_os_str().is_empty() {
            return Err(ConfigError::Missing {
                file,
                key: "model_repository".into(),
            });
        }
        if self.profile_models.is_empty() {
            return Err(ConfigError::Missing {
                file,
                key: "profile_models".into(),
            });
        }
        if let Err((flag, m)) = super::apply_server_flags(&self.triton_server_flags, tritium_triton::ServerOptions::new("")) {
            return Err(invalid(&format!("triton_server_flags.{flag}"), m));
        }
        let pairs = [
            (
                "run_config_search_min_concurrency",
                self.run_config_search_min_concurrency,
                self.run_config_search_max_concurrency,
            ),
            (
                "run_config_search_min_request_rate",
                self.run_config_search_min_request_rate,
                self.run_config_search_max_request_rate,
            ),
            (
                "run_config_search_min_model_batch_size",
                self.run_config_search_min_model_batch_size,
                self.run_config_search_max_model_batch_size,
            ),
            (
                "run_config_search_min_instance_count",
                self.run_config_search_min_instance_count,
                self.run_config_search_max_instance_count,
            ),
        ];
        for (name, min, max) in pairs {
            if min == 0 {
                return Err(invalid(name, "must be at least 1".into()));
            }
            if min > max {
                let max_name = name.replace("_min_", "_max_");
                return Err(invalid(
                    name,
                    format!("{min} is larger than {max_name} ({max})"),
                ));
            }
        }
        let ci = self.tritium_ci_target;
        if !(ci.is_finite() && ci > 0.0 && ci <= 100.0) {
            return Err(invalid("tritium_ci_target", format!("{ci} is not a percentage > 0 and at most 100 (the adaptive rule's target ± on throughput, e.g. 3)")));
        }
        if self.concurrency.contains(&0) {
            return Err(invalid("concurrency", "values must be at least 1".into()));
        }
        self.validate_bounds_and_names()?;
        if self.run_config_search_mode == SearchMode::Quick {
            // ConfigCommand._check_for_quick_search_incompatibility
            if self.run_config_search_disable {
                return Err(invalid(
                    "run_config_search_disable",
                    "disabling run config search is not supported in quick search mode".into(),
                ));
            }
            if !self.concurrency.is_empty() || self.set_by_user.contains("batch_sizes") {
                return Err(invalid(
                    if self.concurrency.is_empty() {
                        "batch_sizes"
                    } else {
                        "concurrency"
                    },
                    "quick search mode does not support lists of concurrencies or batch sizes"
                        .into(),
                ));
            }
            for m in &self.profile_models {
                // MA checks `"concurrency" in parameters or "batch size" in parameters`;
                // the latter never matches `batch_sizes`, so only concurrency is refused.
                if m.parameters.concurrency.is_some() {
                    return Err(invalid(
                        &format!("profile_models.{}.parameters", m.name),
                        "quick search mode does not support lists of concurrencies or batch sizes"
                            .into(),
                    ));
                }
                if let Some(mcp) = &m.model_config_parameters {
                    if self.cpu_only_composing_models.contains(&m.name) {
                        continue;
                    }
                    for key in ["max_batch_size", "instance_group"] {
                        if mcp.contains_key(key) {
                            return Err(invalid(
                                &format!("profile_models.{}.model_config_parameters.{key}", m.name),
                                format!("quick search mode does not support `{key}` in model_config_parameters of a top-level model"),
                            ));
                        }
                    }
                }
            }
        }
        for m in &self.profile_models {
            let p = self.effective_parameters(m);
            if !p.concurrency.is_empty() && !p.request_rate.is_empty() {
                return Err(invalid(
                    &format!("profile_models.{}.parameters", m.name),
                    "cannot specify both concurrency and request rate".into(),
                ));
            }
        }
        self.validate_load()?;
        if self.num_top_model_configs > 0 && self.constraints.is_empty() {
            return Err(invalid(
                "num_top_model_configs",
                "comparing configs across models requires global constraints".into(),
            ));
        }
        Ok(())
    }

    /// Bounds on the search (concurrency values and limits, instance counts,
    /// list lengths: `bench::limits`) and model names (a name is one
    /// directory of the repository, never a path). Part of [`validate`](Self::validate).
    fn validate_bounds_and_names(&self) -> Result<(), ConfigError> {
        use tritium_bench::limits::{check_concurrency, MAX_INSTANCE_COUNT, MAX_LOAD_LEVELS};
        let invalid = |path: &str, message: String| ConfigError::Invalid {
            file: self.config_file.clone(),
            path: path.to_string(),
            message,
        };
        for m in &self.profile_models {
            check_model_name(&m.name).map_err(|e| invalid("profile_models", e))?;
        }
        for n in &self.cpu_only_composing_models {
            check_model_name(n).map_err(|e| invalid("cpu_only_composing_models", e))?;
        }
        for m in &self.ensemble_composing_models {
            check_model_name(&m.name).map_err(|e| invalid("ensemble_composing_models", e))?;
        }
        for (key, v) in [("run_config_search_min_concurrency", self.run_config_search_min_concurrency), ("run_config_search_max_concurrency", self.run_config_search_max_concurrency)] {
            check_concurrency(u64::from(v), key).map_err(|e| invalid(key, e))?;
        }
        for (key, v) in [("run_config_search_min_instance_count", self.run_config_search_min_instance_count), ("run_config_search_max_instance_count", self.run_config_search_max_instance_count)] {
            if v > MAX_INSTANCE_COUNT {
                return Err(invalid(
                    key,
                    format!("{v} instances is above tritium's limit of {MAX_INSTANCE_COUNT} per config (each instance of a Python model is a process; the search would try every count up to it)"),
                ));
            }
        }
        let mut lists: Vec<(String, &Vec<u32>, bool)> = vec![("concurrency".into(), &self.concurrency, true), ("batch_sizes".into(), &self.batch_sizes, false)];
        for m in &self.profile_models {
            if let Some(c) = &m.parameters.concurrency {
                lists.push((format!("profile_models.{}.parameters.concurrency", m.name), c, true));
            }
            if let Some(b) = &m.parameters.batch_sizes {
                lists.push((format!("profile_models.{}.parameters.batch_sizes", m.name), b, false));
            }
        }
        for (path, list, is_concurrency) in lists {
            if list.len() > MAX_LOAD_LEVELS {
                return Err(invalid(&path, format!("{} values is above tritium's limit of {MAX_LOAD_LEVELS} load levels per config", list.len())));
            }
            if is_concurrency {
                for &c in list {
                    check_concurrency(u64::from(c), &path).map_err(|e| invalid(&path, e))?;
                }
            }
        }
        for m in &self.profile_models {
            if let Some(ig) = m.model_config_parameters.as_ref().and_then(|p| p.get("instance_group")) {
                let path = format!("profile_models.{}.model_config_parameters.instance_group", m.name);
                if let Some(c) = max_count(ig).filter(|c| *c > u64::from(MAX_INSTANCE_COUNT)) {
                    return Err(invalid(&path, format!("count {c} is above tritium's limit of {MAX_INSTANCE_COUNT} instances per config")));
                }
            }
        }
        Ok(())
    }
}


/// Refuses a model name that is not a plain directory name of the model
/// repository (tritium writes `<name>_config_<n>` folders and reports named
/// after it): empty, a path (`/`, `\`, absolute), `.`/`..` or any leading
/// `.`, a NUL or another control character.
pub fn check_model_name(name: &str) -> Result<(), String> {
    let why = if name.trim().is_empty() {
        "is empty"
    } else if name.contains('/') || name.contains('\\') {
        "is a path (contains `/` or `\\`); give the model's directory name in model_repository"
    } else if name.starts_with('.') {
        "starts with `.` (`.`, `..` and hidden directories are not model names)"
    } else if name.chars().any(char::is_control) {
        "contains a NUL or control character"
    } else {
        return Ok(());
    };
    Err(format!("model name {name:?} {why}"))
}

/// The largest `count` anywhere in a `model_config_parameters.instance_group` value.
fn max_count(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Array(items) => items.iter().filter_map(max_count).max(),
        serde_json::Value::Object(m) => {
            let own = m.get("count").and_then(|c| match c {
                serde_json::Value::Array(xs) => xs.iter().filter_map(serde_json::Value::as_u64).max(),
                other => other.as_u64(),
            });
            let nested = m.values().filter_map(max_count).max();
            own.into_iter().chain(nested).max()
        }
        _ => None,
    }
}
