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
//! Key checking is stricter than YAML: a key Model Analyzer knows but tritium
//! does not use is accepted and recorded in [`ProfileConfig::ignored_keys`]
//! (the caller prints a notice); a key nobody knows is a
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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_yaml::Value as Yaml;

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

/// Every top-level key Model Analyzer accepts in a YAML config
/// (`YamlConfigValidator` accepts the union of the `profile` and `report`
/// command fields). Keys also in [`SUPPORTED_KEYS`] are parsed; the others are
/// accepted and listed in [`ProfileConfig::ignored_keys`].
pub const KNOWN_KEYS: &[&str] = &[
    // profile: general
    "config_file",
    "checkpoint_directory",
    "monitoring_interval",
    "duration_seconds",
    "collect_cpu_metrics",
    "gpus",
    "always_report_gpu_metrics",
    "dcgm_disable",
    "skip_summary_reports",
    "skip_detailed_reports",
    "model_type",
    // repository
    "model_repository",
    "output_model_repository_path",
    "override_output_model_repository",
    // client
    "client_max_retries",
    "client_protocol",
    // profile models
    "perf_analyzer_flags",
    "genai_perf_flags",
    "triton_server_flags",
    "triton_server_environment",
    "triton_docker_args",
    "objectives",
    "constraints",
    "weighting",
    "profile_models",
    "batch_sizes",
    "concurrency",
    "request_rate",
    "reload_model_disable",
    "bls_composing_models",
    "ensemble_composing_models",
    "cpu_only_composing_models",
    // perf analyzer
    "perf_analyzer_timeout",
    "perf_analyzer_cpu_util",
    "perf_analyzer_path",
    "perf_output",
    "perf_output_path",
    "perf_analyzer_max_auto_adjusts",
    // triton
    "triton_launch_mode",
    "triton_docker_image",
    "triton_http_endpoint",
    "triton_grpc_endpoint",
    "triton_metrics_url",
    "triton_server_path",
    "triton_output_path",
    "triton_docker_mounts",
    "triton_docker_labels",
    "triton_docker_shm_size",
    "triton_install_path",
    // run config search
    "early_exit_enable",
    "run_config_search_max_concurrency",
    "run_config_search_min_concurrency",
    "run_config_search_max_request_rate",
    "run_config_search_min_request_rate",
    "run_config_search_max_instance_count",
    "run_config_search_min_instance_count",
    "run_config_search_max_model_batch_size",
    "run_config_search_min_model_batch_size",
    "run_config_search_max_binary_search_steps",
    "min_percentage_of_search_space",
    "max_percentage_of_search_space",
    "optuna_min_trials",
    "optuna_max_trials",
    "optuna_early_exit_threshold",
    "use_concurrency_formula",
    "run_config_search_mode",
    "run_config_search_disable",
    "run_config_profile_models_concurrently_enable",
    "request_rate_search_enable",
    "concurrency_sweep_disable",
    // export
    "export_path",
    "filename_model_inference",
    "filename_model_gpu",
    "filename_server_only",
    // report-related fields of profile
    "num_configs_per_model",
    "num_top_model_configs",
    "inference_output_fields",
    "gpu_output_fields",
    "server_output_fields",
    // shorthands
    "latency_budget",
    "min_throughput",
    // report command / plots
    "plots",
    "report_model_configs",
    "output_formats",
];

/// The top-level keys tritium parses into [`ProfileConfig`] fields.
pub const SUPPORTED_KEYS: &[&str] = &[
    "model_repository",
    "profile_models",
    "output_model_repository_path",
    "export_path",
    "override_output_model_repository",
    "checkpoint_directory",
    "triton_launch_mode",
    "triton_docker_image",
    "triton_docker_shm_size",
    "triton_docker_mounts",
    "triton_docker_labels",
    "triton_server_flags",
    "triton_install_path",
    "perf_analyzer_flags",
    "run_config_search_mode",
    "run_config_search_disable",
    "run_config_search_min_concurrency",
    "run_config_search_max_concurrency",
    "run_config_search_min_request_rate",
    "run_config_search_max_request_rate",
    "run_config_search_min_model_batch_size",
    "run_config_search_max_model_batch_size",
    "run_config_search_min_instance_count",
    "run_config_search_max_instance_count",
    "run_config_search_max_binary_search_steps",
    "num_configs_per_model",
    "num_top_model_configs",
    "concurrency",
    "batch_sizes",
    "request_rate",
    "constraints",
    "objectives",
    "weighting",
    "latency_budget",
    "min_throughput",
    "client_protocol",
    "perf_output",
    "perf_output_path",
    "skip_summary_reports",
    "skip_detailed_reports",
    "duration_seconds",
    "early_exit_enable",
    "concurrency_sweep_disable",
    "gpus",
    "cpu_only_composing_models",
];

/// Keys of one `profile_models` entry that Model Analyzer accepts
/// (`profile_model_scheme` in `config_command_profile.py`).
pub const MODEL_SPEC_KEYS: &[&str] = &[
    "cpu_only",
    "parameters",
    "objectives",
    "constraints",
    "weighting",
    "model_config_parameters",
    "perf_analyzer_flags",
    "genai_perf_flags",
    "triton_server_flags",
    "triton_server_environment",
    "triton_docker_args",
];

/// The subset of [`MODEL_SPEC_KEYS`] tritium uses.
pub const SUPPORTED_MODEL_SPEC_KEYS: &[&str] = &[
    "cpu_only",
    "parameters",
    "objectives",
    "constraints",
    "weighting",
    "model_config_parameters",
    "perf_analyzer_flags",
];

/// Keys of a per-model `parameters` block.
pub const PARAMETER_KEYS: &[&str] = &["batch_sizes", "concurrency", "request_rate"];

/// perf_analyzer flag names Model Analyzer accepts under `perf_analyzer_flags`
/// (`PerfAnalyzerConfig.allowed_keys()`: `perf_analyzer_args +
/// input_to_options + input_to_verbose`).
pub const PERF_ANALYZER_FLAG_KEYS: &[&str] = &[
    "service-kind",
    "model-signature-name",
    "async",
    "sync",
    "measurement-interval",
    "concurrency-range",
    "request-rate-range",
    "request-distribution",
    "request-intervals",
    "binary-search",
    "num-of-sequences",
    "latency-threshold",
    "max-threads",
    "stability-percentage",
    "max-trials",
    "percentile",
    "input-data",
    "shared-memory",
    "output-shared-memory-size",
    "shape",
    "sequence-length",
    "sequence-id-range",
    "string-length",
    "string-data",
    "measurement-mode",
    "measurement-request-count",
    "streaming",
    "grpc-compression-algorithm",
    "triton-server-directory",
    "model-repository",
    "ssl-grpc-use-ssl",
    "ssl-grpc-root-certifications-file",
    "ssl-grpc-private-key-file",
    "ssl-grpc-certificate-chain-file",
    "ssl-https-verify-peer",
    "ssl-https-verify-host",
    "ssl-https-ca-certificates-file",
    "ssl-https-client-certificate-type",
    "ssl-https-client-certificate-file",
    "ssl-https-private-key-type",
    "ssl-https-private-key-file",
    "collect-metrics",
    "metrics-url",
    "metrics-interval",
    "bls-composing-models",
    "model-name",
    "model-version",
    "batch-size",
    "url",
    "protocol",
    "latency-report-file",
    "http-header",
    "verbose",
    "extra-verbose",
    "verbose-csv",
];

/// Metric names accepted under `objectives`: Model Analyzer's record type
/// tags (`RecordType.get_all_record_types()`), plus tritium's
/// `perf_latency_p50`. Only the metrics of [`Metric`] are measured by tritium;
/// objectives on other metrics are accepted and have no effect on ranking.
pub const OBJECTIVE_KEYS: &[&str] = &[
    "perf_throughput",
    "perf_latency",
    "perf_latency_avg",
    "perf_latency_p90",
    "perf_latency_p95",
    "perf_latency_p99",
    "perf_latency_p50",
    "perf_client_response_wait",
    "perf_client_send_recv",
    "perf_server_compute_infer",
    "perf_server_compute_input",
    "perf_server_compute_output",
    "perf_server_queue",
    "gpu_used_memory",
    "gpu_free_memory",
    "gpu_total_memory",
    "gpu_utilization",
    "gpu_power_usage",
    "cpu_used_ram",
    "cpu_available_ram",
    "output_token_throughput",
    "inter_token_latency_avg",
    "inter_token_latency_min",
    "inter_token_latency_max",
    "inter_token_latency_p25",
    "inter_token_latency_p50",
    "inter_token_latency_p75",
    "inter_token_latency_p90",
    "inter_token_latency_p95",
    "inter_token_latency_p99",
    "time_to_first_token_avg",
    "time_to_first_token_min",
    "time_to_first_token_max",
    "time_to_first_token_p25",
    "time_to_first_token_p50",
    "time_to_first_token_p75",
    "time_to_first_token_p90",
    "time_to_first_token_p95",
    "time_to_first_token_p99",
];

/// Constraint names tritium applies, with the one bound key each accepts
/// (Model Analyzer's `constraints_scheme`: `perf_throughput` takes `min`,
/// latencies and memory take `max`). `perf_latency_p50` and `cpu_used_ram`
/// are tritium extensions; `perf_latency` is Model Analyzer's legacy name and
/// is applied to the p99 latency.
pub const SUPPORTED_CONSTRAINT_KEYS: &[(&str, &str)] = &[
    ("perf_throughput", "min"),
    ("perf_latency_p99", "max"),
    ("perf_latency_p95", "max"),
    ("perf_latency_p90", "max"),
    ("perf_latency_p50", "max"),
    ("perf_latency_avg", "max"),
    ("perf_latency", "max"),
    ("gpu_used_memory", "max"),
    ("cpu_used_ram", "max"),
];

/// LLM constraint names Model Analyzer accepts that tritium ignores (listed
/// in [`ProfileConfig::ignored_keys`]).
pub const IGNORED_CONSTRAINT_KEYS: &[(&str, &str)] = &[
    ("output_token_throughput", "min"),
    ("inter_token_latency_p99", "max"),
    ("inter_token_latency_p95", "max"),
    ("inter_token_latency_p90", "max"),
    ("inter_token_latency_p75", "max"),
    ("inter_token_latency_p50", "max"),
    ("inter_token_latency_p25", "max"),
    ("inter_token_latency_min", "max"),
    ("inter_token_latency_max", "max"),
    ("inter_token_latency_avg", "max"),
    ("time_to_first_token_p99", "max"),
    ("time_to_first_token_p95", "max"),
    ("time_to_first_token_p90", "max"),
    ("time_to_first_token_p75", "max"),
    ("time_to_first_token_p50", "max"),
    ("time_to_first_token_p25", "max"),
    ("time_to_first_token_min", "max"),
    ("time_to_first_token_max", "max"),
    ("time_to_first_token_avg", "max"),
];

/// Top-level fields of Triton's `ModelConfig` message
/// (`model_config.proto`), the keys allowed at the top of
/// `model_config_parameters` (Model Analyzer builds that schema from the
/// protobuf descriptor).
pub const MODEL_CONFIG_FIELDS: &[&str] = super::pbtxt::MODEL_CONFIG_FIELDS;

/// The deepest a `model_config_parameters` value may nest (arrays and
/// objects): twice `pbtxt::MAX_DEPTH`, as deep as the JSON of the deepest
/// config.pbtxt tritium reads. Deeper values would make configs (and
/// `results.json`, which records them) that tritium could not read back.
pub const MAX_MODEL_CONFIG_PARAMETER_DEPTH: usize = 2 * super::pbtxt::MAX_DEPTH;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Errors from reading or overriding a profile configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read config file: {source}", file.display())]
    Io {
        /// The config file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// YAML syntax error, or a value of the wrong type (`line`/`column` are
    /// 1-based and come from serde_yaml).
    #[error("{}:{}: {message}", file.display(), location_text(*line, *column))]
    Yaml {
        /// The config file.
        file: PathBuf,
        /// 1-based line, when serde_yaml knows it.
        line: Option<usize>,
        /// 1-based column, when serde_yaml knows it.
        column: Option<usize>,
        /// What is wrong, including the key path serde_yaml reports.
        message: String,
    },
    /// A key neither tritium nor Model Analyzer knows.
    #[error("{}: unknown key `{path}`{}", file.display(), suggestion_text(suggestion))]
    UnknownKey {
        /// The config file.
        file: PathBuf,
        /// Dotted path of the key, e.g. `profile_models.my_model.paramters`.
        path: String,
        /// The closest known key, when one is within edit distance 3.
        suggestion: Option<String>,
    },
    /// A required key is missing.
    #[error("{}: missing required key `{key}`", file.display())]
    Missing {
        /// The config file.
        file: PathBuf,
        /// The missing key.
        key: String,
    },
    /// A value is well-typed YAML but not acceptable.
    #[error("{}: `{path}`: {message}", file.display())]
    Invalid {
        /// The config file.
        file: PathBuf,
        /// Dotted path of the offending key.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A CLI override names an unknown option.
    #[error("unknown option `--{key}`{}", suggestion_text(suggestion))]
    UnknownOverride {
        /// The option name as given (kebab-case, without dashes).
        key: String,
        /// The closest known option, when one is within edit distance 3.
        suggestion: Option<String>,
    },
    /// A CLI override value could not be parsed.
    #[error("option `--{key}`: invalid value {value:?}: {message}")]
    BadOverride {
        /// The option name (kebab-case).
        key: String,
        /// The value given.
        value: String,
        /// Why it was rejected.
        message: String,
    },
}

fn location_text(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{l}:{c}"),
        (Some(l), None) => format!("{l}"),
        _ => "?".to_string(),
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------
// Small enums
// ---------------------------------------------------------------------------

/// `triton_launch_mode` (default `local`). tritium always runs Triton
/// in-process; the value is kept so the caller can explain that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchMode {
    /// `docker`.
    Docker,
    /// `local` (Model Analyzer's default).
    Local,
    /// `remote`.
    Remote,
    /// `c_api`.
    CApi,
}

impl LaunchMode {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "docker" => Some(Self::Docker),
            "local" => Some(Self::Local),
            "remote" => Some(Self::Remote),
            "c_api" => Some(Self::CApi),
            _ => None,
        }
    }
    /// The YAML spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Docker => "docker",
            Self::Local => "local",
            Self::Remote => "remote",
            Self::CApi => "c_api",
        }
    }
}

/// `run_config_search_mode` (default `brute`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    /// Brute force over instance count x max batch size x concurrency.
    Brute,
    /// Model Analyzer's hill climbing.
    Quick,
    /// Accepted for compatibility; the caller reports it as unsupported.
    Optuna,
}

impl SearchMode {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "brute" => Some(Self::Brute),
            "quick" => Some(Self::Quick),
            "optuna" => Some(Self::Optuna),
            _ => None,
        }
    }
    /// The YAML spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Brute => "brute",
            Self::Quick => "quick",
            Self::Optuna => "optuna",
        }
    }
}

/// `client_protocol` (default `grpc`). tritium has no network client; kept
/// for compatibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientProtocol {
    /// `http`.
    Http,
    /// `grpc` (Model Analyzer's default).
    Grpc,
}

impl ClientProtocol {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "http" => Some(Self::Http),
            "grpc" => Some(Self::Grpc),
            _ => None,
        }
    }
}

/// perf_analyzer `measurement-mode` (perf_analyzer's default is
/// `count_windows`, Model Analyzer's `DEFAULT_MEASUREMENT_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasurementMode {
    /// `time_windows`: fixed-length windows of `measurement-interval` ms.
    TimeWindows,
    /// `count_windows`: windows of at least `measurement-request-count` requests.
    CountWindows,
}

// ---------------------------------------------------------------------------
// Constraints and objectives
// ---------------------------------------------------------------------------

/// A bound on one metric. Model Analyzer fails a measurement when
/// `value < min` or `value > max` (`ConstraintManager._get_failure_percentage`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bound {
    /// Lower bound (used for throughput).
    pub min: Option<f64>,
    /// Upper bound (used for latencies and memory).
    pub max: Option<f64>,
}

impl Bound {
    /// A bound with only a maximum.
    pub fn max(v: f64) -> Self {
        Bound {
            min: None,
            max: Some(v),
        }
    }
    /// A bound with only a minimum.
    pub fn min(v: f64) -> Self {
        Bound {
            min: Some(v),
            max: None,
        }
    }
}

/// Constraints on a model's measurements (`constraints:`). Units as Model
/// Analyzer: latencies in ms, memory in MB, throughput in infer/s.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// `perf_throughput: {min}`.
    pub perf_throughput: Option<Bound>,
    /// `perf_latency_p99: {max}` (ms).
    pub perf_latency_p99: Option<Bound>,
    /// `perf_latency_p95: {max}` (ms).
    pub perf_latency_p95: Option<Bound>,
    /// `perf_latency_p90: {max}` (ms).
    pub perf_latency_p90: Option<Bound>,
    /// `perf_latency_p50: {max}` (ms; tritium extension).
    pub perf_latency_p50: Option<Bound>,
    /// `perf_latency_avg: {max}` (ms).
    pub perf_latency_avg: Option<Bound>,
    /// `perf_latency: {max}` (ms), Model Analyzer's legacy name; tritium
    /// applies it to the p99 latency.
    pub perf_latency: Option<Bound>,
    /// `gpu_used_memory: {max}` (MB).
    pub gpu_used_memory: Option<Bound>,
    /// `cpu_used_ram: {max}` (MB; tritium extension).
    pub cpu_used_ram: Option<Bound>,
}

impl Constraints {
    /// True when no constraint is set.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The set constraints as `(metric name, bound)`, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Bound)> + '_ {
        [
            ("perf_throughput", self.perf_throughput),
            ("perf_latency_p99", self.perf_latency_p99),
            ("perf_latency_p95", self.perf_latency_p95),
            ("perf_latency_p90", self.perf_latency_p90),
            ("perf_latency_p50", self.perf_latency_p50),
            ("perf_latency_avg", self.perf_latency_avg),
            ("perf_latency", self.perf_latency),
            ("gpu_used_memory", self.gpu_used_memory),
            ("cpu_used_ram", self.cpu_used_ram),
        ]
        .into_iter()
        .filter_map(|(n, b)| b.map(|b| (n, b)))
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<Bound>> {
        Some(match name {
            "perf_throughput" => &mut self.perf_throughput,
            "perf_latency_p99" => &mut self.perf_latency_p99,
            "perf_latency_p95" => &mut self.perf_latency_p95,
            "perf_latency_p90" => &mut self.perf_latency_p90,
            "perf_latency_p50" => &mut self.perf_latency_p50,
            "perf_latency_avg" => &mut self.perf_latency_avg,
            "perf_latency" => &mut self.perf_latency,
            "gpu_used_memory" => &mut self.gpu_used_memory,
            "cpu_used_ram" => &mut self.cpu_used_ram,
            _ => return None,
        })
    }
}

/// A metric tritium measures and can rank or constrain on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// `perf_throughput` (infer/s, higher is better).
    PerfThroughput,
    /// `perf_latency_p99` (lower is better).
    PerfLatencyP99,
    /// `perf_latency_p95`.
    PerfLatencyP95,
    /// `perf_latency_p90`.
    PerfLatencyP90,
    /// `perf_latency_p50` (tritium extension).
    PerfLatencyP50,
    /// `perf_latency_avg`.
    PerfLatencyAvg,
    /// `gpu_used_memory` (MB, lower is better).
    GpuUsedMemory,
    /// `cpu_used_ram` (MB, lower is better).
    CpuUsedRam,
}

impl Metric {
    /// Parses a Model Analyzer metric tag; `perf_latency` maps to p99.
    pub fn from_name(name: &str) -> Option<Metric> {
        Some(match name {
            "perf_throughput" => Metric::PerfThroughput,
            "perf_latency_p99" | "perf_latency" => Metric::PerfLatencyP99,
            "perf_latency_p95" => Metric::PerfLatencyP95,
            "perf_latency_p90" => Metric::PerfLatencyP90,
            "perf_latency_p50" => Metric::PerfLatencyP50,
            "perf_latency_avg" => Metric::PerfLatencyAvg,
            "gpu_used_memory" => Metric::GpuUsedMemory,
            "cpu_used_ram" => Metric::CpuUsedRam,
            _ => return None,
        })
    }

    /// The Model Analyzer tag.
    pub fn name(&self) -> &'static str {
        match self {
            Metric::PerfThroughput => "perf_throughput",
            Metric::PerfLatencyP99 => "perf_latency_p99",
            Metric::PerfLatencyP95 => "perf_latency_p95",
            Metric::PerfLatencyP90 => "perf_latency_p90",
            Metric::PerfLatencyP50 => "perf_latency_p50",
            Metric::PerfLatencyAvg => "perf_latency_avg",
            Metric::GpuUsedMemory => "gpu_used_memory",
            Metric::CpuUsedRam => "cpu_used_ram",
        }
    }

    /// True for metrics where larger is better (Model Analyzer's
    /// `IncreasingRecord`); false for `DecreasingRecord`s.
    pub fn higher_is_better(&self) -> bool {
        matches!(self, Metric::PerfThroughput)
    }
}

/// Objectives: metric name -> relative weight. Model Analyzer normalises the
/// weights to sum to 1 before comparing (`set_metric_weighting`).
#[derive(Debug, Clone, PartialEq)]
pub struct Objectives {
    /// Weights by Model Analyzer metric tag (any tag of [`OBJECTIVE_KEYS`]).
    pub weights: BTreeMap<String, f64>,
}

impl Default for Objectives {
    /// `{perf_throughput: 10}` (`DEFAULT_OFFLINE_OBJECTIVES`).
    fn default() -> Self {
        let mut weights = BTreeMap::new();
        weights.insert("perf_throughput".to_string(), DEFAULT_OBJECTIVE_WEIGHT);
        Objectives { weights }
    }
}

impl Objectives {
    /// The objectives tritium can evaluate, with weights normalised to sum to
    /// 1 over *all* listed objectives (as Model Analyzer does, so an
    /// unmeasured objective still dilutes the others).
    pub fn normalized(&self) -> Vec<(Metric, f64)> {
        let total: f64 = self.weights.values().sum();
        if total <= 0.0 {
            return Vec::new();
        }
        self.weights
            .iter()
            .filter_map(|(k, w)| Metric::from_name(k).map(|m| (m, w / total)))
            .collect()
    }

    /// Listed objectives tritium does not measure (they do not affect ranking).
    pub fn unmeasured(&self) -> Vec<String> {
        self.weights
            .keys()
            .filter(|k| Metric::from_name(k).is_none())
            .cloned()
            .collect()
    }
}

// ---------------------------------------------------------------------------
// perf_analyzer flags
// ---------------------------------------------------------------------------

/// One `--shape NAME:d1,d2,...` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorShape {
    /// Input tensor name.
    pub name: String,
    /// Dimensions (without the batch dimension).
    pub dims: Vec<i64>,
}

/// `perf_analyzer_flags`: flag name (perf_analyzer's long option, kebab-case)
/// -> scalar or list, kept as YAML values, with typed accessors for the flags
/// tritium's measurement loop honours. The typed flags are validated when the
/// config is read, so the accessors do not fail.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PerfAnalyzerFlags(pub BTreeMap<String, Yaml>);

impl PerfAnalyzerFlags {
    /// The raw value of a flag.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.0.get(key)
    }

    /// True when no flag is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `shape`: a string `NAME:d1,d2` or a list of them (additive flag).
    pub fn shapes(&self) -> Vec<TensorShape> {
        scalar_or_list_strings(self.get("shape"))
            .iter()
            .filter_map(|s| parse_shape(s).ok())
            .collect()
    }

    /// `input-data`: a string or list of strings (additive flag).
    pub fn input_data(&self) -> Vec<String> {
        scalar_or_list_strings(self.get("input-data"))
    }

    /// `measurement-interval` in milliseconds.
    pub fn measurement_interval_ms(&self) -> Option<u64> {
        self.get("measurement-interval").and_then(yaml_u64)
    }

    /// `measurement-request-count`.
    pub fn measurement_request_count(&self) -> Option<u64> {
        self.get("measurement-request-count").and_then(yaml_u64)
    }

    /// `measurement-mode`.
    pub fn measurement_mode(&self) -> Option<MeasurementMode> {
        match yaml_string(self.get("measurement-mode")?)?.as_str() {
            "time_windows" => Some(MeasurementMode::TimeWindows),
            "count_windows" => Some(MeasurementMode::CountWindows),
            _ => None,
        }
    }

    /// `batch-size` (client-side batch size of each request).
    pub fn batch_size(&self) -> Option<u32> {
        self.get("batch-size")
            .and_then(yaml_u64)
            .and_then(|v| u32::try_from(v).ok())
    }

    /// `percentile` (the latency percentile used for stability, 1..=99).
    pub fn percentile(&self) -> Option<u32> {
        self.get("percentile")
            .and_then(yaml_u64)
            .and_then(|v| u32::try_from(v).ok())
    }

    /// `stability-percentage`.
    pub fn stability_percentage(&self) -> Option<f64> {
        self.get("stability-percentage").and_then(yaml_f64)
    }

    /// `max-trials`.
    pub fn max_trials(&self) -> Option<u32> {
        self.get("max-trials")
            .and_then(yaml_u64)
            .and_then(|v| u32::try_from(v).ok())
    }

    /// True when an inference-load flag (`concurrency-range`,
    /// `request-rate-range`, `request-intervals`) is set, which makes Model
    /// Analyzer skip its own concurrency choice (`is_load_specified`).
    pub fn is_load_specified(&self) -> bool {
        [
            "concurrency-range",
            "request-rate-range",
            "request-intervals",
        ]
        .iter()
        .any(|k| self.0.contains_key(*k))
    }

    fn validate(&self) -> Result<(), (String, String)> {
        for key in [
            "measurement-interval",
            "measurement-request-count",
            "batch-size",
            "max-trials",
            "percentile",
        ] {
            if let Some(v) = self.get(key) {
                if yaml_u64(v).is_none() {
                    return Err((
                        key.to_string(),
                        "expected a non-negative integer".to_string(),
                    ));
                }
            }
        }
        if let Some(v) = self.get("percentile").and_then(yaml_u64) {
            if !(1..=99).contains(&v) {
                return Err(("percentile".into(), format!("{v} is out of range: must be between 1 and 99")));
            }
        }
        for key in ["measurement-interval", "measurement-request-count", "max-trials"] {
            if self.get(key).and_then(yaml_u64) == Some(0) {
                return Err((key.into(), "must be at least 1".into()));
            }
        }
        if let Some(v) = self.get("max-trials").and_then(yaml_u64) {
            if u32::try_from(v).is_err() {
                return Err(("max-trials".into(), format!("{v} is too large (at most {})", u32::MAX)));
            }
        }
        if let Some(v) = self.get("stability-percentage") {
            match yaml_f64(v) {
                None => return Err(("stability-percentage".into(), "expected a number".into())),
                Some(x) if !(x > 0.0 && x.is_finite()) => {
                    return Err(("stability-percentage".into(), format!("{x} is out of range: must be a percentage above 0")))
                }
                Some(_) => {}
            }
        }
        if let Some(v) = self.get("measurement-mode") {
            match yaml_string(v).as_deref() {
                Some("time_windows") | Some("count_windows") => {}
                _ => {
                    return Err((
                        "measurement-mode".into(),
                        "expected `time_windows` or `count_windows`".into(),
                    ))
                }
            }
        }
        for key in ["shape", "input-data"] {
            if let Some(v) = self.get(key) {
                let ok = match v {
                    Yaml::Sequence(items) => items.iter().all(|i| yaml_string(i).is_some()),
                    other => yaml_string(other).is_some(),
                };
                if !ok {
                    return Err((key.into(), "expected a string or a list of strings".into()));
                }
            }
        }
        for s in scalar_or_list_strings(self.get("shape")) {
            parse_shape(&s).map_err(|m| ("shape".to_string(), m))?;
        }
        Ok(())
    }
}

fn parse_shape(s: &str) -> Result<TensorShape, String> {
    let (name, dims) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("shape {s:?} is not of the form NAME:d1,d2,..."))?;
    if name.is_empty() {
        return Err(format!("shape {s:?} has an empty tensor name"));
    }
    let dims = dims
        .split(',')
        .map(|d| d.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("shape {s:?} has a dimension that is not an integer"))?;
    Ok(TensorShape {
        name: name.to_string(),
        dims,
    })
}

fn yaml_string(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn yaml_u64(v: &Yaml) -> Option<u64> {
    match v {
        Yaml::Number(n) => n.as_u64(),
        Yaml::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn yaml_f64(v: &Yaml) -> Option<f64> {
    match v {
        Yaml::Number(n) => n.as_f64(),
        Yaml::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn scalar_or_list_strings(v: Option<&Yaml>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(Yaml::Sequence(items)) => items.iter().filter_map(yaml_string).collect(),
        Some(other) => yaml_string(other).into_iter().collect(),
    }
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/// A per-model `parameters` block; `None` means "not given" (then the global
/// value applies, see [`ProfileConfig::effective_parameters`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelParameters {
    /// `concurrency`.
    pub concurrency: Option<Vec<u32>>,
    /// `batch_sizes` (client batch sizes).
    pub batch_sizes: Option<Vec<u32>>,
    /// `request_rate`.
    pub request_rate: Option<Vec<u32>>,
}

/// The resolved load parameters of a model (Model Analyzer's
/// `_autofill_values`): empty `concurrency` / `request_rate` mean "search".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EffectiveParameters {
    /// Explicit concurrency values (empty: search).
    pub concurrency: Vec<u32>,
    /// Client batch sizes.
    pub batch_sizes: Vec<u32>,
    /// Explicit request rates (empty: none).
    pub request_rate: Vec<u32>,
}

/// One entry of `profile_models`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfileModelSpec {
    /// Model name in the repository.
    pub name: String,
    /// `cpu_only` (default false): search KIND_CPU instances.
    pub cpu_only: bool,
    /// `parameters`.
    pub parameters: ModelParameters,
    /// `perf_analyzer_flags`; replaces the global flags when set.
    pub perf_analyzer_flags: Option<PerfAnalyzerFlags>,
    /// `model_config_parameters` (a manual sweep specification, converted to
    /// JSON: a list value is a list of alternatives, see
    /// `search::expand_model_config_parameters`).
    pub model_config_parameters: Option<BTreeMap<String, serde_json::Value>>,
    /// `constraints`; replaces the global constraints when set.
    pub constraints: Option<Constraints>,
    /// `objectives`; replaces the global objectives when set.
    pub objectives: Option<Objectives>,
    /// `weighting` (multi-model bias; default 1).
    pub weighting: Option<u32>,
}

impl ProfileModelSpec {
    /// A spec with only a name.
    pub fn named(name: impl Into<String>) -> Self {
        ProfileModelSpec {
            name: name.into(),
            ..Default::default()
        }
    }
}

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
    /// `gpus` (default `["all"]`).
    pub gpus: Vec<String>,
    /// `cpu_only_composing_models` (default empty).
    pub cpu_only_composing_models: Vec<String>,
    /// Keys Model Analyzer knows that tritium ignores (dotted paths; CLI
    /// options as `--name`), for the caller to report.
    pub ignored_keys: Vec<String>,
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
            gpus: vec![DEFAULT_GPUS.to_string()],
            cpu_only_composing_models: Vec::new(),
            ignored_keys: Vec::new(),
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
        cfg.ignored_keys = ignored;
        cfg.set_by_user = set_by_user;
        cfg.apply_cli_overrides(overrides)?;
        Ok(cfg)
    }

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
            self.apply_one_override(&name, value)?;
            let snake = name.replace('-', "_");
            if SUPPORTED_KEYS.contains(&snake.as_str()) {
                self.set_by_user.insert(snake);
            }
        }
        self.validate()
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
            "perf-output-path" => self.perf_output_path = Some(value.to_string()),
            "skip-summary-reports" => self.skip_summary_reports = boolv()?,
            "skip-detailed-reports" => self.skip_detailed_reports = boolv()?,
            "duration-seconds" => self.duration_seconds = u32v()?,
            "early-exit-enable" => self.early_exit_enable = boolv()?,
            "concurrency-sweep-disable" => self.concurrency_sweep_disable = boolv()?,
            "gpus" => self.gpus = strlist(),
            "cpu-only-composing-models" => self.cpu_only_composing_models = strlist(),
            "config-file" => {
                return Err(bad(
                    "the config file is not an override; pass it as the file to read".into(),
                ))
            }
            other => {
                let snake = other.replace('-', "_");
                if KNOWN_KEYS.contains(&snake.as_str()) {
                    self.ignored_keys.push(format!("--{other}"));
                } else {
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
        use crate::bench::limits::{check_concurrency, MAX_INSTANCE_COUNT, MAX_LOAD_LEVELS};
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

    /// The constraints that apply to `model`: its own if it has any, else the
    /// global ones; then `latency_budget` and `min_throughput` override
    /// (Model Analyzer's `_autofill_values`).
    pub fn effective_constraints(&self, model: &ProfileModelSpec) -> Constraints {
        let mut c = match &model.constraints {
            Some(c) if !c.is_empty() => c.clone(),
            _ => self.constraints.clone(),
        };
        if let Some(budget) = self.latency_budget {
            c.perf_latency_p99 = Some(Bound::max(f64::from(budget)));
            if c.perf_latency.is_some() {
                c.perf_latency = c.perf_latency_p99;
            }
        }
        if let Some(t) = self.min_throughput {
            c.perf_throughput = Some(Bound::min(f64::from(t)));
        }
        c
    }

    /// The objectives for `model`: its own if given, else the global ones.
    pub fn effective_objectives(&self, model: &ProfileModelSpec) -> Objectives {
        match &model.objectives {
            Some(o) if !o.weights.is_empty() => o.clone(),
            _ => self.objectives.clone(),
        }
    }

    /// The perf_analyzer flags for `model`: its own if given, else the
    /// global ones (replacement, not merge, as in Model Analyzer).
    pub fn effective_perf_analyzer_flags(&self, model: &ProfileModelSpec) -> PerfAnalyzerFlags {
        match &model.perf_analyzer_flags {
            Some(f) if !f.is_empty() => f.clone(),
            _ => self.perf_analyzer_flags.clone(),
        }
    }

    /// The load parameters for `model` with Model Analyzer's fallbacks to the
    /// global lists (`_autofill_values`, non-optuna branch).
    pub fn effective_parameters(&self, model: &ProfileModelSpec) -> EffectiveParameters {
        let p = &model.parameters;
        let given = p.concurrency.is_some() || p.batch_sizes.is_some() || p.request_rate.is_some();
        if !given {
            return EffectiveParameters {
                concurrency: self.concurrency.clone(),
                batch_sizes: self.batch_sizes.clone(),
                request_rate: self.request_rate.clone(),
            };
        }
        let concurrency = match (&p.concurrency, &p.request_rate) {
            (Some(c), _) => c.clone(),
            (None, None) => self.concurrency.clone(),
            (None, Some(_)) => Vec::new(),
        };
        EffectiveParameters {
            concurrency,
            batch_sizes: p
                .batch_sizes
                .clone()
                .unwrap_or_else(|| self.batch_sizes.clone()),
            request_rate: p
                .request_rate
                .clone()
                .unwrap_or_else(|| self.request_rate.clone()),
        }
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

#[cfg(test)]
mod validation_tests {
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
        use crate::bench::limits::{MAX_CONCURRENCY, MAX_INSTANCE_COUNT};
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
}

// ---------------------------------------------------------------------------
// Key checking (pass 1)
// ---------------------------------------------------------------------------

fn check_keys(tree: &Yaml, file: &Path, ignored: &mut Vec<String>) -> Result<(), ConfigError> {
    let Yaml::Mapping(top) = tree else {
        return Ok(());
    };
    for (k, v) in top {
        let key = key_str(k, "", file)?;
        if SUPPORTED_KEYS.contains(&key.as_str()) {
            match key.as_str() {
                "profile_models" => check_profile_models(v, file, ignored)?,
                "constraints" => check_constraints(v, "constraints", file, ignored)?,
                "objectives" => check_objectives(v, "objectives", file)?,
                "perf_analyzer_flags" => check_pa_flags(v, "perf_analyzer_flags", file)?,
                _ => {}
            }
        } else if KNOWN_KEYS.contains(&key.as_str()) {
            ignored.push(key);
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

fn join(prefix: &str, key: &str) -> String {
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
    file: &Path,
    ignored: &mut Vec<String>,
) -> Result<(), ConfigError> {
    match v {
        Yaml::Mapping(models) => {
            for (name, spec) in models {
                let name = key_str(name, "profile_models", file)?;
                check_model_spec(spec, &join("profile_models", &name), file, ignored)?;
            }
        }
        Yaml::Sequence(items) => {
            for item in items {
                if let Yaml::Mapping(models) = item {
                    for (name, spec) in models {
                        let name = key_str(name, "profile_models", file)?;
                        check_model_spec(spec, &join("profile_models", &name), file, ignored)?;
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
    ignored: &mut Vec<String>,
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
        if !SUPPORTED_MODEL_SPEC_KEYS.contains(&key.as_str()) {
            ignored.push(kpath);
            continue;
        }
        match key.as_str() {
            "parameters" => {
                if let Yaml::Mapping(p) = v {
                    for (pk, _) in p {
                        let pk = key_str(pk, &kpath, file)?;
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
            "objectives" => check_objectives(v, &kpath, file)?,
            "perf_analyzer_flags" => check_pa_flags(v, &kpath, file)?,
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
    ignored: &mut Vec<String>,
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
            ignored.push(kpath);
        }
    }
    Ok(())
}

fn check_objectives(v: &Yaml, path: &str, file: &Path) -> Result<(), ConfigError> {
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
    }
    Ok(())
}

fn check_pa_flags(v: &Yaml, path: &str, file: &Path) -> Result<(), ConfigError> {
    let Yaml::Mapping(m) = v else { return Ok(()) };
    for (k, _) in m {
        let key = key_str(k, path, file)?;
        if !PERF_ANALYZER_FLAG_KEYS.contains(&key.as_str()) {
            return Err(unknown_key(
                file,
                &join(path, &key),
                &key,
                PERF_ANALYZER_FLAG_KEYS.iter().copied(),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Suggestions
// ---------------------------------------------------------------------------

/// Levenshtein edit distance between two strings (by characters).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `key`, if within edit distance 3 (after treating
/// `-` and `_` alike, so `export-path` in YAML suggests `export_path`).
pub fn suggest<'a>(key: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let norm = |s: &str| s.replace('-', "_").to_ascii_lowercase();
    let nkey = norm(key);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&nkey, &norm(c));
        if d <= 3 && d < nkey.chars().count().max(1) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
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

fn parse_num_list_text(s: &str) -> Result<Vec<u32>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(parse_u32_text)
        .collect()
}

fn yaml_error(file: &Path, e: &serde_yaml::Error) -> ConfigError {
    let loc = e.location();
    let mut message = e.to_string();
    if let Some(l) = &loc {
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    ConfigError::Yaml {
        file: file.to_path_buf(),
        line: loc.as_ref().map(|l| l.line()),
        column: loc.as_ref().map(|l| l.column()),
        message,
    }
}

// ---------------------------------------------------------------------------
// Typed deserialisation (pass 2)
// ---------------------------------------------------------------------------

/// One YAML scalar, as read by the lenient types below (Model Analyzer's
/// `ConfigPrimitive` converts whatever scalar it gets).
enum Scalar<'a> {
    U(u64),
    I(i64),
    F(f64),
    B(bool),
    S(&'a str),
}

/// A value read leniently from any YAML scalar. Conversion runs inside the
/// deserializer's visitor, so serde_yaml puts the line and column on errors.
trait FromScalar: Sized {
    /// What the type wants, named in errors ("expected a non-negative integer").
    const EXPECTED: &'static str;
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E>;
}

/// The error for a scalar of the wrong kind.
fn wrong_scalar<E: de::Error>(s: Scalar<'_>, expected: &'static str) -> E {
    let unexpected = match s {
        Scalar::U(v) => de::Unexpected::Unsigned(v),
        Scalar::I(v) => de::Unexpected::Signed(v),
        Scalar::F(v) => de::Unexpected::Float(v),
        Scalar::B(v) => de::Unexpected::Bool(v),
        Scalar::S(v) => return E::invalid_value(de::Unexpected::Str(v), &expected),
    };
    E::invalid_type(unexpected, &expected)
}

fn lenient<'de, D: Deserializer<'de>, T: FromScalar>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<T: FromScalar> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(T::EXPECTED)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            T::from_scalar(Scalar::U(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            T::from_scalar(Scalar::I(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
            T::from_scalar(Scalar::F(v))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
            T::from_scalar(Scalar::B(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            T::from_scalar(Scalar::S(v))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// Implements `Deserialize` through [`FromScalar`].
macro_rules! deserialize_leniently {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                lenient(d)
            }
        }
    )*};
}

/// Integer accepting a YAML number or a decimal string (`ConfigPrimitive(int)`).
#[derive(Debug, Clone, Copy)]
struct LU32(u32);

impl FromScalar for LU32 {
    const EXPECTED: &'static str = "a non-negative integer";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        match s {
            Scalar::U(v) => u32::try_from(v).map(LU32).map_err(|_| E::custom(format!("{v} is too large"))),
            Scalar::I(v) => u32::try_from(v).map(LU32).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &Self::EXPECTED)),
            Scalar::S(v) => v.trim().parse().map(LU32).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &Self::EXPECTED)),
            other => Err(wrong_scalar(other, Self::EXPECTED)),
        }
    }
}

/// Number accepting a YAML number or a numeric string.
#[derive(Debug, Clone, Copy)]
struct LF64(f64);

impl FromScalar for LF64 {
    const EXPECTED: &'static str = "a number";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        match s {
            Scalar::U(v) => Ok(LF64(v as f64)),
            Scalar::I(v) => Ok(LF64(v as f64)),
            Scalar::F(v) => Ok(LF64(v)),
            Scalar::S(v) => v.trim().parse().map(LF64).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &Self::EXPECTED)),
            other => Err(wrong_scalar(other, Self::EXPECTED)),
        }
    }
}

/// Boolean accepting YAML booleans and the strings true/false (yes/no, on/off).
#[derive(Debug, Clone, Copy)]
struct LBool(bool);

impl FromScalar for LBool {
    const EXPECTED: &'static str = "a boolean";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        match s {
            Scalar::B(v) => Ok(LBool(v)),
            Scalar::S(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Ok(LBool(true)),
                "false" | "no" | "off" => Ok(LBool(false)),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &Self::EXPECTED)),
            },
            other => Err(wrong_scalar(other, Self::EXPECTED)),
        }
    }
}

/// String accepting any YAML scalar (`ConfigPrimitive(str)` does `str(v)`).
#[derive(Debug, Clone)]
struct LStr(String);

impl FromScalar for LStr {
    const EXPECTED: &'static str = "a string";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        Ok(LStr(match s {
            Scalar::U(v) => v.to_string(),
            Scalar::I(v) => v.to_string(),
            Scalar::F(v) => v.to_string(),
            Scalar::B(v) => v.to_string(),
            Scalar::S(v) => v.to_string(),
        }))
    }
}

deserialize_leniently!(LU32, LF64, LBool, LStr);

/// `ConfigListNumeric(int)`: scalar, "1,2,3", list, or {start, stop[, step]}.
#[derive(Debug, Clone, Default)]
struct NumList(Vec<u32>);

impl<'de> Deserialize<'de> for NumList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NumList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer, a comma-separated string, a list, or {start, stop, step}")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumList, E> {
                LU32::deserialize(de::value::U64Deserializer::<E>::new(v))
                    .map(|x| NumList(vec![x.0]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumList, E> {
                LU32::deserialize(de::value::I64Deserializer::<E>::new(v))
                    .map(|x| NumList(vec![x.0]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumList, E> {
                parse_num_list_text(v)
                    .map(NumList)
                    .map_err(|m| E::custom(format!("{v:?}: {m}")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NumList, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element::<LU32>()? {
                    out.push(x.0);
                }
                Ok(NumList(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NumList, A::Error> {
                let (mut start, mut stop, mut step) = (None, None, None);
                while let Some(k) = map.next_key::<String>()? {
                    let v = map.next_value::<LU32>()?.0;
                    match k.as_str() {
                        "start" => start = Some(v),
                        "stop" => stop = Some(v),
                        "step" => step = Some(v),
                        other => {
                            return Err(de::Error::custom(format!(
                                "a range takes only `start`, `stop` and `step`, not `{other}`"
                            )))
                        }
                    }
                }
                let (Some(start), Some(stop)) = (start, stop) else {
                    return Err(de::Error::custom("a range needs both `start` and `stop`"));
                };
                if start > stop {
                    return Err(de::Error::custom("`start` should be less than `stop`"));
                }
                let step = step.unwrap_or(1);
                if step == 0 {
                    return Err(de::Error::custom("`step` must be at least 1"));
                }
                // Bounded before it is expanded: {start: 1, stop: 4294967295} would be 16 GiB.
                let count = u64::from(stop - start) / u64::from(step) + 1;
                let max = crate::bench::limits::MAX_LOAD_LEVELS;
                if count > max as u64 {
                    return Err(de::Error::custom(format!(
                        "the range {start}..={stop} (step {step}) has {count} values; at most {max} are allowed, use a larger `step`"
                    )));
                }
                // list(range(start, stop + 1, step))
                Ok(NumList((start..=stop).step_by(step as usize).collect()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `ConfigListString`: "a,b" or a list of scalars.
#[derive(Debug, Clone, Default)]
struct StrList(Vec<String>);

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a comma-separated string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrList, E> {
                Ok(StrList(
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element::<LStr>()? {
                    out.push(x.0);
                }
                Ok(StrList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Objectives: list of names (weight 10 each) or map name -> weight.
#[derive(Debug, Clone)]
struct RawObjectives(BTreeMap<String, f64>);

impl<'de> Deserialize<'de> for RawObjectives {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObjectives;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of metric names or a map of metric name to weight")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawObjectives, E> {
                Ok(RawObjectives(
                    v.split(',')
                        .map(|s| (s.trim().to_string(), DEFAULT_OBJECTIVE_WEIGHT))
                        .filter(|(s, _)| !s.is_empty())
                        .collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawObjectives, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(x) = seq.next_element::<String>()? {
                    out.insert(x, DEFAULT_OBJECTIVE_WEIGHT);
                }
                Ok(RawObjectives(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObjectives, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, LF64>()? {
                    if v.0.is_nan() || v.0 < 0.0 {
                        return Err(de::Error::custom(format!(
                            "objective weight of `{k}` must be >= 0"
                        )));
                    }
                    out.insert(k, v.0);
                }
                Ok(RawObjectives(out))
            }
        }
        d.deserialize_any(V)
    }
}

type RawConstraints = BTreeMap<String, Option<BTreeMap<String, LF64>>>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawParameters {
    concurrency: Option<NumList>,
    batch_sizes: Option<NumList>,
    request_rate: Option<NumList>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawModelSpec {
    cpu_only: Option<LBool>,
    parameters: Option<RawParameters>,
    objectives: Option<RawObjectives>,
    constraints: Option<RawConstraints>,
    weighting: Option<LU32>,
    model_config_parameters: Option<BTreeMap<String, Yaml>>,
    perf_analyzer_flags: Option<BTreeMap<String, Yaml>>,
}

/// `profile_models` in any of its forms, in document order.
#[derive(Debug, Default)]
struct RawProfileModels(Vec<(String, RawModelSpec)>);

impl<'de> Deserialize<'de> for RawProfileModels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// One list element: a name or a map of name -> spec.
        struct Item(Vec<(String, RawModelSpec)>);
        impl<'de> Deserialize<'de> for Item {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(V).map(|m| Item(m.0))
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawProfileModels;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a model name, a list of model names, or a map of model name to settings",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawProfileModels, E> {
                Ok(RawProfileModels(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| (s.to_string(), RawModelSpec::default()))
                        .collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawProfileModels, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Item>()? {
                    out.extend(item.0);
                }
                Ok(RawProfileModels(out))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawProfileModels, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key::<LStr>()? {
                    let spec = map
                        .next_value::<Option<RawModelSpec>>()?
                        .unwrap_or_default();
                    out.push((name.0, spec));
                }
                Ok(RawProfileModels(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawConfig {
    model_repository: Option<LStr>,
    profile_models: Option<RawProfileModels>,
    output_model_repository_path: Option<LStr>,
    export_path: Option<LStr>,
    override_output_model_repository: Option<LBool>,
    checkpoint_directory: Option<LStr>,
    triton_launch_mode: Option<LStr>,
    triton_docker_image: Option<LStr>,
    triton_docker_shm_size: Option<LStr>,
    triton_docker_mounts: Option<StrList>,
    triton_docker_labels: Option<BTreeMap<String, LStr>>,
    triton_server_flags: Option<BTreeMap<String, LStr>>,
    triton_install_path: Option<LStr>,
    perf_analyzer_flags: Option<BTreeMap<String, Yaml>>,
    run_config_search_mode: Option<LStr>,
    run_config_search_disable: Option<LBool>,
    run_config_search_min_concurrency: Option<LU32>,
    run_config_search_max_concurrency: Option<LU32>,
    run_config_search_min_request_rate: Option<LU32>,
    run_config_search_max_request_rate: Option<LU32>,
    run_config_search_min_model_batch_size: Option<LU32>,
    run_config_search_max_model_batch_size: Option<LU32>,
    run_config_search_min_instance_count: Option<LU32>,
    run_config_search_max_instance_count: Option<LU32>,
    run_config_search_max_binary_search_steps: Option<LU32>,
    num_configs_per_model: Option<LU32>,
    num_top_model_configs: Option<LU32>,
    concurrency: Option<NumList>,
    batch_sizes: Option<NumList>,
    request_rate: Option<NumList>,
    constraints: Option<RawConstraints>,
    objectives: Option<RawObjectives>,
    weighting: Option<LU32>,
    latency_budget: Option<LU32>,
    min_throughput: Option<LU32>,
    client_protocol: Option<LStr>,
    perf_output: Option<LBool>,
    perf_output_path: Option<LStr>,
    skip_summary_reports: Option<LBool>,
    skip_detailed_reports: Option<LBool>,
    duration_seconds: Option<LU32>,
    early_exit_enable: Option<LBool>,
    concurrency_sweep_disable: Option<LBool>,
    gpus: Option<StrList>,
    cpu_only_composing_models: Option<StrList>,
}

fn convert_constraints(
    raw: RawConstraints,
    path: &str,
    file: &Path,
) -> Result<Constraints, ConfigError> {
    let mut c = Constraints::default();
    for (name, bound) in raw {
        let Some(slot) = c.slot(&name) else {
            continue; // LLM constraints: reported as ignored in pass 1
        };
        let Some(bound) = bound else { continue };
        let mut b = Bound::default();
        for (k, v) in bound {
            match k.as_str() {
                "min" => b.min = Some(v.0),
                "max" => b.max = Some(v.0),
                _ => {}
            }
        }
        if b.min.is_none() && b.max.is_none() {
            return Err(ConfigError::Invalid {
                file: file.to_path_buf(),
                path: join(path, &name),
                message: "a constraint needs a `min` or `max` value".into(),
            });
        }
        *slot = Some(b);
    }
    Ok(c)
}

fn convert_pa_flags(
    raw: BTreeMap<String, Yaml>,
    path: &str,
    file: &Path,
) -> Result<PerfAnalyzerFlags, ConfigError> {
    let flags = PerfAnalyzerFlags(raw);
    flags
        .validate()
        .map_err(|(key, message)| ConfigError::Invalid {
            file: file.to_path_buf(),
            path: join(path, &key),
            message,
        })?;
    Ok(flags)
}

/// Levels of arrays and objects in `v` (0 for a scalar). Recursive: only
/// for values read by serde_json or serde_yaml, whose depth they bound.
fn json_depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        serde_json::Value::Object(m) => 1 + m.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Converts a YAML value to JSON (mapping keys become strings).
pub fn yaml_to_json(v: &Yaml) -> Result<serde_json::Value, String> {
    Ok(match v {
        Yaml::Null => serde_json::Value::Null,
        Yaml::Bool(b) => serde_json::Value::Bool(*b),
        Yaml::Number(n) => {
            if let Some(u) = n.as_u64() {
                serde_json::Value::from(u)
            } else if let Some(i) = n.as_i64() {
                serde_json::Value::from(i)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(serde_json::Value::Number)
                    .ok_or_else(|| format!("{n} cannot be represented in JSON"))?
            }
        }
        Yaml::String(s) => serde_json::Value::String(s.clone()),
        Yaml::Sequence(items) => {
            serde_json::Value::Array(items.iter().map(yaml_to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let key =
                    yaml_string(k).ok_or_else(|| "mapping keys must be scalars".to_string())?;
                out.insert(key, yaml_to_json(v)?);
            }
            serde_json::Value::Object(out)
        }
        Yaml::Tagged(t) => yaml_to_json(&t.value)?,
    })
}

impl RawConfig {
    fn into_config(self, file: &Path) -> Result<ProfileConfig, ConfigError> {
        let invalid = |path: &str, message: String| ConfigError::Invalid {
            file: file.to_path_buf(),
            path: path.to_string(),
            message,
        };
        let mut c = ProfileConfig::with_defaults(PathBuf::new(), Vec::new());
        c.config_file = file.to_path_buf();
        // Required, but checked by `validate` so that a CLI override can supply it.
        c.model_repository = self
            .model_repository
            .map(|p| PathBuf::from(p.0))
            .unwrap_or_default();
        if self.weighting.is_some() {
            return Err(invalid(
                "weighting",
                "weighting can not be specified as a global parameter; set it per model".into(),
            ));
        }
        for (name, spec) in self.profile_models.map(|p| p.0).unwrap_or_default() {
            let path = join("profile_models", &name);
            let mut m = ProfileModelSpec::named(name.clone());
            m.cpu_only = spec.cpu_only.map(|b| b.0).unwrap_or(false);
            if let Some(p) = spec.parameters {
                m.parameters = ModelParameters {
                    concurrency: p.concurrency.map(|l| l.0),
                    batch_sizes: p.batch_sizes.map(|l| l.0),
                    request_rate: p.request_rate.map(|l| l.0),
                };
            }
            m.objectives = spec.objectives.map(|o| Objectives { weights: o.0 });
            if let Some(rc) = spec.constraints {
                m.constraints = Some(convert_constraints(rc, &join(&path, "constraints"), file)?);
            }
            m.weighting = spec.weighting.map(|w| w.0);
            if let Some(mcp) = spec.model_config_parameters {
                let mut out = BTreeMap::new();
                for (k, v) in mcp {
                    let j = yaml_to_json(&v).map_err(|msg| {
                        invalid(&join(&join(&path, "model_config_parameters"), &k), msg)
                    })?;
                    let depth = json_depth(&j);
                    if depth > MAX_MODEL_CONFIG_PARAMETER_DEPTH {
                        return Err(invalid(
                            &join(&join(&path, "model_config_parameters"), &k),
                            format!("nests {depth} levels of lists and mappings; at most {MAX_MODEL_CONFIG_PARAMETER_DEPTH} are accepted (a model config nests at most {} messages)", super::pbtxt::MAX_DEPTH),
                        ));
                    }
                    out.insert(k, j);
                }
                m.model_config_parameters = Some(out);
            }
            if let Some(f) = spec.perf_analyzer_flags {
                m.perf_analyzer_flags = Some(convert_pa_flags(
                    f,
                    &join(&path, "perf_analyzer_flags"),
                    file,
                )?);
            }
            c.profile_models.push(m);
        }
        let s = |v: Option<LStr>| v.map(|x| x.0);
        if let Some(v) = s(self.output_model_repository_path) {
            c.output_model_repository_path = PathBuf::from(v);
        }
        if let Some(v) = s(self.export_path) {
            c.export_path = PathBuf::from(v);
        }
        if let Some(v) = self.override_output_model_repository {
            c.override_output_model_repository = v.0;
        }
        if let Some(v) = s(self.checkpoint_directory) {
            c.checkpoint_directory = PathBuf::from(v);
        }
        if let Some(v) = s(self.triton_launch_mode) {
            c.triton_launch_mode = LaunchMode::parse(&v).ok_or_else(|| {
                invalid(
                    "triton_launch_mode",
                    format!("{v:?} is not one of docker, local, remote, c_api"),
                )
            })?;
        }
        if let Some(v) = s(self.triton_docker_image) {
            c.triton_docker_image = v;
        }
        c.triton_docker_shm_size = s(self.triton_docker_shm_size);
        if let Some(v) = self.triton_docker_mounts {
            c.triton_docker_mounts = v.0;
        }
        if let Some(v) = self.triton_docker_labels {
            c.triton_docker_labels = v.into_iter().map(|(k, v)| (k, v.0)).collect();
        }
        if let Some(v) = self.triton_server_flags {
            c.triton_server_flags = v.into_iter().map(|(k, v)| (k, v.0)).collect();
        }
        if let Some(v) = s(self.triton_install_path) {
            c.triton_install_path = PathBuf::from(v);
        }
        if let Some(f) = self.perf_analyzer_flags {
            c.perf_analyzer_flags = convert_pa_flags(f, "perf_analyzer_flags", file)?;
        }
        if let Some(v) = s(self.run_config_search_mode) {
            c.run_config_search_mode = SearchMode::parse(&v).ok_or_else(|| {
                invalid(
                    "run_config_search_mode",
                    format!("{v:?} is not one of brute, quick, optuna"),
                )
            })?;
        }
        let u = |v: Option<LU32>, d: u32| v.map(|x| x.0).unwrap_or(d);
        let b = |v: Option<LBool>, d: bool| v.map(|x| x.0).unwrap_or(d);
        c.run_config_search_disable = b(self.run_config_search_disable, false);
        c.run_config_search_min_concurrency = u(
            self.run_config_search_min_concurrency,
            DEFAULT_RUN_CONFIG_MIN_CONCURRENCY,
        );
        c.run_config_search_max_concurrency = u(
            self.run_config_search_max_concurrency,
            DEFAULT_RUN_CONFIG_MAX_CONCURRENCY,
        );
        c.run_config_search_min_request_rate = u(
            self.run_config_search_min_request_rate,
            DEFAULT_RUN_CONFIG_MIN_REQUEST_RATE,
        );
        c.run_config_search_max_request_rate = u(
            self.run_config_search_max_request_rate,
            DEFAULT_RUN_CONFIG_MAX_REQUEST_RATE,
        );
        c.run_config_search_min_model_batch_size = u(
            self.run_config_search_min_model_batch_size,
            DEFAULT_RUN_CONFIG_MIN_MODEL_BATCH_SIZE,
        );
        c.run_config_search_max_model_batch_size = u(
            self.run_config_search_max_model_batch_size,
            DEFAULT_RUN_CONFIG_MAX_MODEL_BATCH_SIZE,
        );
        c.run_config_search_min_instance_count = u(
            self.run_config_search_min_instance_count,
            DEFAULT_RUN_CONFIG_MIN_INSTANCE_COUNT,
        );
        c.run_config_search_max_instance_count = u(
            self.run_config_search_max_instance_count,
            DEFAULT_RUN_CONFIG_MAX_INSTANCE_COUNT,
        );
        c.run_config_search_max_binary_search_steps = u(
            self.run_config_search_max_binary_search_steps,
            DEFAULT_RUN_CONFIG_MAX_BINARY_SEARCH_STEPS,
        );
        c.num_configs_per_model = u(self.num_configs_per_model, DEFAULT_NUM_CONFIGS_PER_MODEL);
        c.num_top_model_configs = u(self.num_top_model_configs, DEFAULT_NUM_TOP_MODEL_CONFIGS);
        if let Some(v) = self.concurrency {
            c.concurrency = v.0;
        }
        if let Some(v) = self.batch_sizes {
            c.batch_sizes = v.0;
        }
        if let Some(v) = self.request_rate {
            c.request_rate = v.0;
        }
        if let Some(rc) = self.constraints {
            c.constraints = convert_constraints(rc, "constraints", file)?;
        }
        if let Some(o) = self.objectives {
            c.objectives = Objectives { weights: o.0 };
        }
        c.latency_budget = self.latency_budget.map(|x| x.0);
        c.min_throughput = self.min_throughput.map(|x| x.0);
        if let Some(v) = s(self.client_protocol) {
            c.client_protocol = ClientProtocol::parse(&v).ok_or_else(|| {
                invalid("client_protocol", format!("{v:?} is not one of http, grpc"))
            })?;
        }
        c.perf_output = b(self.perf_output, false);
        c.perf_output_path = s(self.perf_output_path);
        c.skip_summary_reports = b(self.skip_summary_reports, false);
        c.skip_detailed_reports = b(self.skip_detailed_reports, false);
        c.duration_seconds = u(self.duration_seconds, DEFAULT_DURATION_SECONDS);
        c.early_exit_enable = b(self.early_exit_enable, false);
        c.concurrency_sweep_disable = b(self.concurrency_sweep_disable, false);
        if let Some(v) = self.gpus {
            c.gpus = v.0;
        }
        if let Some(v) = self.cpu_only_composing_models {
            c.cpu_only_composing_models = v.0;
        }
        Ok(c)
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
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
        assert!(c.ignored_keys.is_empty());
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
        assert!(
            e.to_string().contains("both concurrency and request rate"),
            "{e}"
        );
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
    parameters:
      request_rate: [10]
concurrency: [1, 2]
batch_sizes: {start: 1, stop: 3}
"#;
        let c = parse(text).unwrap();
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
        assert_eq!(c.ignored_keys, vec!["--perf-analyzer-path".to_string()]);
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
            matches!(e, ConfigError::Invalid { ref path, .. } if path == "weighting"),
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
}
