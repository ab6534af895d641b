//! Model Analyzer's `profile` YAML configuration (`analyzer_config.yaml`).
//!
//! [`ProfileConfig::from_yaml_str`] / [`ProfileConfig::from_file`] read the
//! same YAML documents as Model Analyzer's `profile` subcommand
//! (`model_analyzer/config/input/config_command_profile.py`), with the same
//! defaults (`config_defaults.py`) and the same value shapes:
//!
//! * numeric lists (`concurrency`, `batch_sizes`, `request_rate`) accept a
//!   scalar, a comma-separated string, a YAML list, or a `{start, stop, step}`
//!   range (`ConfigListNumeric`: `range(start, stop + 1, step)`);
//! * string lists (`gpus`, `triton_docker_mounts`, ...) accept a
//!   comma-separated string or a list (`ConfigListString`);
//! * `profile_models` accepts a list of names, a comma-separated string, a map
//!   `name -> spec`, or a list mixing names and one-entry maps;
//! * `objectives` accepts a list (every listed metric gets weight 10,
//!   `objective_list_output_mapper`) or a map `metric -> weight`.
//!
//! Key checking is stricter than YAML: every key Model Analyzer knows has one
//! status in [`compat`] (applied, refused, or announced: accepted and recorded
//! in [`ProfileConfig::ignored_keys`] with its line in
//! [`ProfileConfig::notices`], which the caller prints); a key nobody knows is a
//! [`ConfigError::UnknownKey`] naming its full path (for example
//! `profile_models.my_model.paramters`) with a "did you mean" suggestion.
//! Type errors carry the YAML line and column.
//!
//! Units follow Model Analyzer: latency constraints and `latency_budget` are in
//! milliseconds, memory constraints in MB, throughput in inferences/second.
//!
//! # Differences from Model Analyzer
//!
//! * Default paths are relative (`./output_model_repository`, `.`,
//!   `./checkpoints`) where Model Analyzer joins them to its working
//!   directory.
//! * Booleans given as strings are parsed (`"false"` is false; Model
//!   Analyzer's `bool("false")` is true).
//! * Constraints `perf_latency_p50` and `cpu_used_ram` and the objective
//!   `perf_latency_p50` are tritium extensions; `perf_latency` is applied to
//!   the p99 latency.
//! * `model_config_parameters` keys are checked at the top level only (Model
//!   Analyzer checks the whole `ModelConfig` schema).
//! * [`ProfileConfig::validate`] also requires `1 <= min <= max` for the
//!   search bounds.
//! * Keys tritium does not apply are refused or announced as [`compat`]
//!   says (Model Analyzer applies them); the table is
//!   `docs/compat_model_analyzer.md`.
//!
//! # Layout
//!
//! Here: the defaults, [`ProfileConfig`] and the two-pass reader. `keys` holds
//! the key tables, `compat` the status of each key, `key_check` pass 1 (keys), `raw` the serde types of pass 2
//! (on `tritium_model::lenient`'s scalars), `convert` raw → [`ProfileConfig`],
//! `overrides` the CLI options, `validate` the cross-field checks, `effective`
//! the per-model resolution; `modes`, `constraints`, `pa_flags`, `model_spec` the public
//! value types, `error` [`ConfigError`], `suggest` "did you mean".

pub mod compat;
mod constraints;
mod convert;
mod effective;
mod error;
mod key_check;
mod keys;
mod load;
mod model_spec;
mod modes;
mod overrides;
mod pa_flags;
mod raw;
mod report_config;
mod server_flags;
mod suggest;
mod validate;

#[cfg(test)]
mod compat_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod validation_tests;
#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod measurement_rule_tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_yaml::Value as Yaml;

pub use constraints::{Bound, Constraints, Metric, Objectives};
pub use convert::yaml_to_json;
pub use error::ConfigError;
pub use keys::{
    IGNORED_CONSTRAINT_KEYS, KNOWN_KEYS, MAX_MODEL_CONFIG_PARAMETER_DEPTH, MODEL_CONFIG_FIELDS, MODEL_SPEC_KEYS, OBJECTIVE_KEYS, PARAMETER_KEYS,
    PERF_ANALYZER_FLAG_KEYS, SUPPORTED_CONSTRAINT_KEYS, SUPPORTED_KEYS, SUPPORTED_MODEL_SPEC_KEYS,
};
pub use load::{LoadKind, ModelLoad};
pub use model_spec::{EffectiveParameters, ModelParameters, ProfileModelSpec};
pub use modes::{ClientProtocol, LaunchMode, MeasurementMode, ModelSwitch, OutputConfigs, SearchMode, Workers, MAX_WORKERS, REPLACE_MIN_CORES};
pub use pa_flags::{load_range, PerfAnalyzerFlags, TensorShape};
pub use report_config::{split_config_names, ReportConfig};
pub use server_flags::{apply_server_flags, unmapped_server_flags, MAPPED_SERVER_FLAGS};
pub use suggest::{levenshtein, suggest};
pub use validate::check_model_name;

use error::yaml_error;
use key_check::check_keys;
use raw::RawConfig;

// ---------------------------------------------------------------------------
// Defaults (model_analyzer/config/input/config_defaults.py)
// ---------------------------------------------------------------------------

/// `DEFAULT_OUTPUT_MODEL_REPOSITORY` (MA: `<cwd>/output_model_repository`).
pub const DEFAULT_OUTPUT_MODEL_REPOSITORY: &str = "./output_model_repository";
/// `DEFAULT_EXPORT_PATH` (MA: the current working directory).
pub const DEFAULT_EXPORT_PATH: &str = ".";
/// `DEFAULT_CHECKPOINT_DIRECTORY` (MA: `<cwd>/checkpoints`).
pub const DEFAULT_CHECKPOINT_DIRECTORY: &str = "./checkpoints";
/// `DEFAULT_TRITON_DOCKER_IMAGE` at the Model Analyzer revision this was read from.
pub const DEFAULT_TRITON_DOCKER_IMAGE: &str = "nvcr.io/nvidia/tritonserver:26.04-py3";
/// `DEFAULT_TRITON_INSTALL_PATH`.
pub const DEFAULT_TRITON_INSTALL_PATH: &str = "/opt/tritonserver";
/// `DEFAULT_RUN_CONFIG_MIN_CONCURRENCY`.
pub const DEFAULT_RUN_CONFIG_MIN_CONCURRENCY: u32 = 1;
/// `DEFAULT_RUN_CONFIG_MAX_CONCURRENCY`.
pub const DEFAULT_RUN_CONFIG_MAX_CONCURRENCY: u32 = 1024;
/// `DEFAULT_RUN_CONFIG_MIN_REQUEST_RATE`.
pub const DEFAULT_RUN_CONFIG_MIN_REQUEST_RATE: u32 = 16;
/// `DEFAULT_RUN_CONFIG_MAX_REQUEST_RATE`.
pub const DEFAULT_RUN_CONFIG_MAX_REQUEST_RATE: u32 = 8192;
/// `DEFAULT_RUN_CONFIG_MIN_MODEL_BATCH_SIZE`.
pub const DEFAULT_RUN_CONFIG_MIN_MODEL_BATCH_SIZE: u32 = 1;
/// `DEFAULT_RUN_CONFIG_MAX_MODEL_BATCH_SIZE`.
pub const DEFAULT_RUN_CONFIG_MAX_MODEL_BATCH_SIZE: u32 = 128;
/// `DEFAULT_RUN_CONFIG_MIN_INSTANCE_COUNT`.
pub const DEFAULT_RUN_CONFIG_MIN_INSTANCE_COUNT: u32 = 1;
/// `DEFAULT_RUN_CONFIG_MAX_INSTANCE_COUNT`.
pub const DEFAULT_RUN_CONFIG_MAX_INSTANCE_COUNT: u32 = 5;
/// `DEFAULT_RUN_CONFIG_MAX_BINARY_SEARCH_STEPS`.
pub const DEFAULT_RUN_CONFIG_MAX_BINARY_SEARCH_STEPS: u32 = 5;
/// `DEFAULT_NUM_CONFIGS_PER_MODEL`.
pub const DEFAULT_NUM_CONFIGS_PER_MODEL: u32 = 3;
/// `DEFAULT_NUM_TOP_MODEL_CONFIGS`.
pub const DEFAULT_NUM_TOP_MODEL_CONFIGS: u32 = 0;
/// `DEFAULT_BATCH_SIZES` (a one-element list).
pub const DEFAULT_BATCH_SIZES: u32 = 1;
/// `DEFAULT_DURATION_SECONDS`.
pub const DEFAULT_DURATION_SECONDS: u32 = 3;
/// `DEFAULT_GPUS`.
pub const DEFAULT_GPUS: &str = "all";
/// Weight given to each metric of a list-form `objectives`
/// (`config_utils.objective_list_output_mapper`), and the weight of the
/// default objective `perf_throughput` (`DEFAULT_OFFLINE_OBJECTIVES`).
pub const DEFAULT_OBJECTIVE_WEIGHT: f64 = 10.0;

// ---------------------------------------------------------------------------
// ProfileConfig
// ---------------------------------------------------------------------------

/// A parsed Model Analyzer `profile` configuration. Defaults are Model
/// Analyzer's (`config_defaults.py`), noted on each field.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileConfig {
    /// The file the config was read from (used in error messages).
    pub config_file: PathBuf,
    /// `model_repository` (required).
    pub model_repository: PathBuf,
    /// `profile_models` (required, non-empty), in file order.
    pub profile_models: Vec<ProfileModelSpec>,
    /// `output_model_repository_path` (default `./output_model_repository`).
    pub output_model_repository_path: PathBuf,
    /// `export_path` (default `.`).
    pub export_path: PathBuf,
    /// `override_output_model_repository` (default false).
    pub override_output_model_repository: bool,
    /// `checkpoint_directory` (default `./checkpoints`).
    pub checkpoint_directory: PathBuf,
    /// `triton_launch_mode` (default `local`).
    pub triton_launch_mode: LaunchMode,
    /// `triton_docker_image` (default [`DEFAULT_TRITON_DOCKER_IMAGE`]).
    pub triton_docker_image: String,
    /// `triton_docker_shm_size` (default unset).
    pub triton_docker_shm_size: Option<String>,
    /// `triton_docker_mounts` (default empty).
    pub triton_docker_mounts: Vec<String>,
    /// `triton_docker_labels` (default empty).
    pub triton_docker_labels: BTreeMap<String, String>,
    /// `triton_server_flags` (default empty; values as strings).
    pub triton_server_flags: BTreeMap<String, String>,
    /// `triton_install_path` (default `/opt/tritonserver`).
    pub triton_install_path: PathBuf,
    /// Global `perf_analyzer_flags` (default empty).
    pub perf_analyzer_flags: PerfAnalyzerFlags,
    /// `run_config_search_mode` (default `brute`).
    pub run_config_search_mode: SearchMode,
    /// `run_config_search_disable` (default false).
    pub run_config_search_disable: bool,
    /// `run_config_search_min_concurrency` (default 1).
    pub run_config_search_min_concurrency: u32,
    /// `run_config_search_max_concurrency` (default 1024).
    pub run_config_search_max_concurrency: u32,
    /// `run_config_search_min_request_rate` (default 16).
    pub run_config_search_min_request_rate: u32,
    /// `run_config_search_max_request_rate` (default 8192).
    pub run_config_search_max_request_rate: u32,
    /// `run_config_search_min_model_batch_size` (default 1).
    pub run_config_search_min_model_batch_size: u32,
    /// `run_config_search_max_model_batch_size` (default 128).
    pub run_config_search_max_model_batch_size: u32,
    /// `run_config_search_min_instance_count` (default 1).
    pub run_config_search_min_instance_count: u32,
    /// `run_config_search_max_instance_count` (default 5).
    pub run_config_search_max_instance_count: u32,
    /// `run_config_search_max_binary_search_steps` (default 5).
    pub run_config_search_max_binary_search_steps: u32,
    /// `num_configs_per_model` (default 3).
    pub num_configs_per_model: u32,
    /// `num_top_model_configs` (default 0).
    pub num_top_model_configs: u32,
    /// Global `concurrency` list (default empty: search).
    pub concurrency: Vec<u32>,
    /// Global `batch_sizes` (default `[1]`).
    pub batch_sizes: Vec<u32>,
    /// Global `request_rate` list (default empty).
    pub request_rate: Vec<u32>,
    /// Global `constraints` (default none).
    pub constraints: Constraints,
    /// Global `objectives` (default `{perf_throughput: 10}`).
    pub objectives: Objectives,
    /// `latency_budget` in ms: shorthand for `perf_latency_p99: {max}` on
    /// every model (default unset).
    pub latency_budget: Option<u32>,
    /// `min_throughput`: shorthand for `perf_throughput: {min}` on every
    /// model (default unset).
    pub min_throughput: Option<u32>,
    /// `client_protocol` (default `grpc`).
    pub client_protocol: ClientProtocol,
    /// `perf_output` (default false).
    pub perf_output: bool,
    /// `perf_output_path` (default unset).
    pub perf_output_path: Option<String>,
    /// `skip_summary_reports` (default false).
    pub skip_summary_reports: bool,
    /// `skip_detailed_reports` (default false).
    pub skip_detailed_reports: bool,
    /// `duration_seconds` (default 3).
    pub duration_seconds: u32,
    /// `early_exit_enable` (default false).
    pub early_exit_enable: bool,
    /// `concurrency_sweep_disable` (default false): skip the final
    /// concurrency sweep of quick search.
    pub concurrency_sweep_disable: bool,
    /// `request_rate_search_enable` (default false): search request rates
    /// (open loop) instead of concurrencies (see [`LoadKind`]).
    pub request_rate_search_enable: bool,
    /// `gpus` (default `["all"]`).
    pub gpus: Vec<String>,
    /// `cpu_only_composing_models` (default empty).
    pub cpu_only_composing_models: Vec<String>,
    /// `ensemble_composing_models` (default empty): settings of an ensemble's
    /// composing models (their `model_config_parameters` bound the quick
    /// search of each one), in the same forms as `profile_models`.
    pub ensemble_composing_models: Vec<ProfileModelSpec>,
    /// `tritium_measurement_rule` (tritium extension; default adaptive):
    /// when a load point ends, as `tritium bench --measurement-rule`.
    pub tritium_measurement_rule: tritium_bench::StopRule,
    /// `tritium_ci_target` (tritium extension; default 3): the adaptive
    /// rule's target relative half-width of the 95 % intervals, percent
    /// (0 < x ≤ 100), as `tritium bench --ci-target`.
    pub tritium_ci_target: f64,
    /// `tritium_output_configs` (tritium extension; default all): which
    /// measured configs are written to `output_model_repository_path`.
    pub tritium_output_configs: OutputConfigs,
    /// `tritium_model_switch` (tritium extension; default auto): how a
    /// model goes to a config Triton cannot update in place.
    pub tritium_model_switch: ModelSwitch,
    /// `tritium_workers` (tritium extension; default auto): worker processes
    /// on this host, each one shard with its own server, merged at the end.
    pub tritium_workers: Workers,
    /// `inference_output_fields` (unset: Model Analyzer's default columns).
    pub inference_output_fields: Option<Vec<String>>,
    /// `gpu_output_fields` (unset: Model Analyzer's default columns).
    pub gpu_output_fields: Option<Vec<String>>,
    /// `server_output_fields` (unset: Model Analyzer's default columns).
    pub server_output_fields: Option<Vec<String>>,
    /// `filename_model_inference` (unset: `metrics-model-inference.csv`).
    pub filename_model_inference: Option<String>,
    /// `filename_model_gpu` (unset: `metrics-model-gpu.csv`).
    pub filename_model_gpu: Option<String>,
    /// `filename_server_only` (unset: `metrics-server-only.csv`).
    pub filename_server_only: Option<String>,
    /// Keys present whose [`compat`] status is announced (dotted paths; CLI
    /// options as `--name`): Model Analyzer keys tritium does not apply.
    pub ignored_keys: Vec<String>,
    /// One line per announced key (`path: what tritium does instead`), in
    /// the order of [`ProfileConfig::ignored_keys`], for the caller to print once.
    pub notices: Vec<String>,
    /// Top-level keys set explicitly by the YAML file or a CLI override
    /// (Model Analyzer's `is_set_by_user`; quick search clamps only to
    /// explicitly set bounds).
    pub set_by_user: BTreeSet<String>,
}

impl ProfileConfig {
    /// A config with every default and the given repository and models.
    pub fn with_defaults(
        model_repository: impl Into<PathBuf>,
        models: Vec<ProfileModelSpec>,
    ) -> Self {
        ProfileConfig {
            config_file: PathBuf::new(),
            model_repository: model_repository.into(),
            profile_models: models,
            output_model_repository_path: PathBuf::from(DEFAULT_OUTPUT_MODEL_REPOSITORY),
            export_path: PathBuf::from(DEFAULT_EXPORT_PATH),
            override_output_model_repository: false,
            checkpoint_directory: PathBuf::from(DEFAULT_CHECKPOINT_DIRECTORY),
            triton_launch_mode: LaunchMode::Local,
            triton_docker_image: DEFAULT_TRITON_DOCKER_IMAGE.to_string(),
            triton_docker_shm_size: None,
            triton_docker_mounts: Vec::new(),
            triton_docker_labels: BTreeMap::new(),
            triton_server_flags: BTreeMap::new(),
            triton_install_path: PathBuf::from(DEFAULT_TRITON_INSTALL_PATH),
            perf_analyzer_flags: PerfAnalyzerFlags::default(),
            run_config_search_mode: SearchMode::Brute,
            run_config_search_disable: false,
            run_config_search_min_concurrency: DEFAULT_RUN_CONFIG_MIN_CONCURRENCY,
            run_config_search_max_concurrency: DEFAULT_RUN_CONFIG_MAX_CONCURRENCY,
            run_config_search_min_request_rate: DEFAULT_RUN_CONFIG_MIN_REQUEST_RATE,
            run_config_search_max_request_rate: DEFAULT_RUN_CONFIG_MAX_REQUEST_RATE,
            run_config_search_min_model_batch_size: DEFAULT_RUN_CONFIG_MIN_MODEL_BATCH_SIZE,
            run_config_search_max_model_batch_size: DEFAULT_RUN_CONFIG_MAX_MODEL_BATCH_SIZE,
            run_config_search_min_instance_count: DEFAULT_RUN_CONFIG_MIN_INSTANCE_COUNT,
            run_config_search_max_instance_count: DEFAULT_RUN_CONFIG_MAX_INSTANCE_COUNT,
            run_config_search_max_binary_search_steps: DEFAULT_RUN_CONFIG_MAX_BINARY_SEARCH_STEPS,
            num_configs_per_model: DEFAULT_NUM_CONFIGS_PER_MODEL,
            num_top_model_configs: DEFAULT_NUM_TOP_MODEL_CONFIGS,
            concurrency: Vec::new(),
            batch_sizes: vec![DEFAULT_BATCH_SIZES],
            request_rate: Vec::new(),
            constraints: Constraints::default(),
            objectives: Objectives::default(),
            latency_budget: None,
            min_throughput: None,
            client_protocol: ClientProtocol::Grpc,
            perf_output: false,
            perf_output_path: None,
            skip_summary_reports: false,
            skip_detailed_reports: false,
            duration_seconds: DEFAULT_DURATION_SECONDS,
            early_exit_enable: false,
            concurrency_sweep_disable: false,
            request_rate_search_enable: false,
            gpus: vec![DEFAULT_GPUS.to_string()],
            cpu_only_composing_models: Vec::new(),
            ensemble_composing_models: Vec::new(),
            tritium_measurement_rule: tritium_bench::StopRule::Adaptive,
            tritium_ci_target: tritium_bench::DEFAULT_CI_TARGET_PCT,
            tritium_output_configs: OutputConfigs::All,
            tritium_model_switch: ModelSwitch::Auto,
            tritium_workers: Workers::Auto,
            inference_output_fields: None,
            gpu_output_fields: None,
            server_output_fields: None,
            filename_model_inference: None,
            filename_model_gpu: None,
            filename_server_only: None,
            ignored_keys: Vec::new(),
            notices: Vec::new(),
            set_by_user: BTreeSet::new(),
        }
    }

    /// Reads and parses a config file.
    pub fn from_file(path: &Path) -> Result<ProfileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml_str(&text, path)
    }

    /// Parses YAML text; `file` is only used in error messages. Requires
    /// `model_repository` and `profile_models`.
    pub fn from_yaml_str(text: &str, file: &Path) -> Result<ProfileConfig, ConfigError> {
        Self::from_yaml_str_with_overrides(text, file, &[])
    }

    /// Parses YAML text, then applies CLI overrides (see
    /// [`ProfileConfig::apply_cli_overrides`]) before checking required keys,
    /// so `--model-repository` / `--profile-models` on the command line can
    /// complete a file that lacks them.
    pub fn from_yaml_str_with_overrides(
        text: &str,
        file: &Path,
        overrides: &[(String, String)],
    ) -> Result<ProfileConfig, ConfigError> {
        let file_buf = file.to_path_buf();
        // Pass 1: the document as a YAML tree, for syntax errors and key checks.
        let tree: Yaml = serde_yaml::from_str(text).map_err(|e| yaml_error(&file_buf, &e))?;
        let mut ignored = Vec::new();
        match &tree {
            Yaml::Null => {}
            Yaml::Mapping(_) => check_keys(&tree, &file_buf, &mut ignored)?,
            _ => {
                return Err(ConfigError::Yaml {
                    file: file_buf,
                    line: Some(1),
                    column: Some(1),
                    message: "the config must be a YAML mapping of option names to values".into(),
                })
            }
        }
        // Pass 2: typed deserialisation, for type errors with locations.
        let raw: RawConfig = if matches!(tree, Yaml::Null) {
            RawConfig::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| yaml_error(&file_buf, &e))?
        };
        let set_by_user: BTreeSet<String> = match &tree {
            Yaml::Mapping(m) => m
                .keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
            _ => BTreeSet::new(),
        };
        let mut cfg = raw.into_config(&file_buf)?;
        let (paths, lines) = ignored.into_iter().unzip();
        cfg.ignored_keys = paths;
        cfg.notices = lines;
        cfg.set_by_user = set_by_user;
        cfg.apply_cli_overrides(overrides)?;
        Ok(cfg)
    }
}
