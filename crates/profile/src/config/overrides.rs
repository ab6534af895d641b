//! Command-line overrides (`--run-config-search-max-concurrency 64`, `-e
//! out`): Model Analyzer's option names applied on top of the YAML file.

use std::path::PathBuf;

use super::keys::{KNOWN_KEYS, SUPPORTED_KEYS};
use super::{suggest, ClientProtocol, ConfigError, LaunchMode, ProfileConfig, ProfileModelSpec, SearchMode};

impl ProfileConfig {
    /// Applies command-line overrides; keys are Model Analyzer's CLI option
    /// names (kebab-case, with or without leading dashes, e.g.
    /// `run-config-search-max-concurrency`, `export-path`, `-e`). CLI values
    /// take precedence over the YAML file, as in Model Analyzer. Boolean
    /// options accept an empty value (meaning true). Options Model Analyzer
    /// knows but tritium ignores are listed in `ignored_keys`; unknown options
    /// are an error with a suggestion. The config is re-validated afterwards.
    pub fn apply_cli_overrides(
        &mut self,
        overrides: &[(String, String)],
    ) -> Result<(), ConfigError> {
        for (key, value) in overrides {
            let name = normalize_cli_key(key);
            self.classify_override(&name, value)?;
            self.apply_one_override(&name, value)?;
            let snake = name.replace('-', "_");
            if SUPPORTED_KEYS.contains(&snake.as_str()) {
                self.set_by_user.insert(snake);
            }
        }
        self.validate()
    }

    /// Refuses or announces an override by its [`compat`](super::compat) status.
    fn classify_override(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let snake = name.replace('-', "_");
        let Some(e) = super::compat::lookup(super::compat::TOP_LEVEL, &snake) else {
            return Ok(());
        };
        let mut notes = Vec::new();
        let v = serde_yaml::Value::String(value.to_string());
        super::key_check::classify(e, &v, &format!("--{name}"), &self.config_file, &mut notes)?;
        for (path, line) in notes {
            self.ignored_keys.push(path);
            self.notices.push(line);
        }
        Ok(())
    }

    fn apply_one_override(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::BadOverride {
            key: key.to_string(),
            value: value.to_string(),
            message,
        };
        let u32v = || parse_u32_text(value).map_err(bad);
        let boolv = || parse_bool_text(value).map_err(bad);
        let listv = || parse_num_list_text(value).map_err(bad);
        let strlist = || -> Vec<String> {
            value
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        match key {
            "model-repository" => self.model_repository = PathBuf::from(value),
            "profile-models" => {
                self.profile_models = strlist().into_iter().map(ProfileModelSpec::named).collect()
            }
            "output-model-repository-path" => {
                self.output_model_repository_path = PathBuf::from(value)
            }
            "override-output-model-repository" => self.override_output_model_repository = boolv()?,
            "export-path" => self.export_path = PathBuf::from(value),
            "checkpoint-directory" => self.checkpoint_directory = PathBuf::from(value),
            "triton-launch-mode" => {
                self.triton_launch_mode = LaunchMode::parse(value)
                    .ok_or_else(|| bad("expected one of docker, local, remote, c_api".into()))?
            }
            "triton-docker-image" => self.triton_docker_image = value.to_string(),
            "triton-docker-shm-size" => self.triton_docker_shm_size = Some(value.to_string()),
            "triton-docker-mounts" => self.triton_docker_mounts = strlist(),
            "triton-install-path" => self.triton_install_path = PathBuf::from(value),
            "run-config-search-mode" => {
                self.run_config_search_mode = SearchMode::parse(value)
                    .ok_or_else(|| bad("expected one of brute, quick, optuna".into()))?
            }
            "run-config-search-disable" => self.run_config_search_disable = boolv()?,
            "run-config-search-min-concurrency" => self.run_config_search_min_concurrency = u32v()?,
            "run-config-search-max-concurrency" => self.run_config_search_max_concurrency = u32v()?,
            "run-config-search-min-request-rate" => {
                self.run_config_search_min_request_rate = u32v()?
            }
            "run-config-search-max-request-rate" => {
                self.run_config_search_max_request_rate = u32v()?
            }
            "run-config-search-min-model-batch-size" => {
                self.run_config_search_min_model_batch_size = u32v()?
            }
            "run-config-search-max-model-batch-size" => {
                self.run_config_search_max_model_batch_size = u32v()?
            }
            "run-config-search-min-instance-count" => {
                self.run_config_search_min_instance_count = u32v()?
            }
            "run-config-search-max-instance-count" => {
                self.run_config_search_max_instance_count = u32v()?
            }
            "run-config-search-max-binary-search-steps" => {
                self.run_config_search_max_binary_search_steps = u32v()?
            }
            "num-configs-per-model" => self.num_configs_per_model = u32v()?,
            "num-top-model-configs" => self.num_top_model_configs = u32v()?,
            "concurrency" => self.concurrency = listv()?,
            "batch-sizes" => self.batch_sizes = listv()?,
            "request-rate" => self.request_rate = listv()?,
            "latency-budget" => self.latency_budget = Some(u32v()?),
            "min-throughput" => self.min_throughput = Some(u32v()?),
            "client-protocol" => {
                self.client_protocol = ClientProtocol::parse(value)
                    .ok_or_else(|| bad("expected http or grpc".into()))?
            }
            "perf-output" => self.perf_output = boolv()?,
            // tritium extensions
            "tritium-measurement-rule" => {
                self.tritium_measurement_rule = super::convert::parse_measurement_rule(value)
                    .ok_or_else(|| bad("expected adaptive or perf_analyzer".into()))?
            }
            "tritium-ci-target" => {
                self.tritium_ci_target = value.trim().parse().map_err(|_| bad("expected a percentage, e.g. 3".into()))?
            }
            "tritium-model-switch" => {
                self.tritium_model_switch = super::ModelSwitch::parse(value).ok_or_else(|| bad("expected auto, unload, replace or preload".into()))?
            }
            "tritium-workers" => {
                self.tritium_workers = super::Workers::parse(value).ok_or_else(|| bad(format!("expected auto or a number of workers from 1 to {}", super::MAX_WORKERS)))?
            }
            "tritium-output-configs" => {
                self.tritium_output_configs = super::OutputConfigs::parse(value).ok_or_else(|| bad("expected all or top".into()))?
            }
            "perf-output-path" => self.perf_output_path = Some(value.to_string()),
            "skip-summary-reports" => self.skip_summary_reports = boolv()?,
            "skip-detailed-reports" => self.skip_detailed_reports = boolv()?,
            "duration-seconds" => self.duration_seconds = u32v()?,
            "early-exit-enable" => self.early_exit_enable = boolv()?,
            "concurrency-sweep-disable" => self.concurrency_sweep_disable = boolv()?,
            "request-rate-search-enable" => self.request_rate_search_enable = boolv()?,
            "gpus" => self.gpus = strlist(),
            "cpu-only-composing-models" => self.cpu_only_composing_models = strlist(),
            "config-file" => {
                return Err(bad(
                    "the config file is not an override; pass it as the file to read".into(),
                ))
            }
            other => {
                let snake = other.replace('-', "_");
                if !KNOWN_KEYS.contains(&snake.as_str()) {
                    let candidates: Vec<String> = cli_option_names();
                    let suggestion = suggest(other, candidates.iter().map(String::as_str));
                    return Err(ConfigError::UnknownOverride {
                        key: other.to_string(),
                        suggestion,
                    });
                }
            }
        }
        Ok(())
    }
}

fn normalize_cli_key(key: &str) -> String {
    let k = key.trim();
    let short = match k {
        "-f" => Some("config-file"),
        "-s" => Some("checkpoint-directory"),
        "-i" => Some("monitoring-interval"),
        "-d" => Some("duration-seconds"),
        "-m" => Some("model-repository"),
        "-r" => Some("client-max-retries"),
        "-b" => Some("batch-sizes"),
        "-c" => Some("concurrency"),
        "-e" => Some("export-path"),
        _ => None,
    };
    match short {
        Some(s) => s.to_string(),
        None => k.trim_start_matches('-').replace('_', "-"),
    }
}

fn cli_option_names() -> Vec<String> {
    KNOWN_KEYS.iter().map(|k| k.replace('_', "-")).collect()
}

fn parse_u32_text(s: &str) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .map_err(|_| "expected a non-negative integer".to_string())
}

fn parse_bool_text(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".to_string()),
    }
}

pub(super) fn parse_num_list_text(s: &str) -> Result<Vec<u32>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(parse_u32_text)
        .collect()
}
