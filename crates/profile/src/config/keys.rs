//! The key tables: which Model Analyzer keys tritium applies, which it
//! accepts and announces as ignored, and which it refuses as unknown.

/// Every top-level key Model Analyzer accepts in a YAML config
/// (`YamlConfigValidator` accepts the union of the `profile` and `report`
/// command fields). Keys also in [`SUPPORTED_KEYS`] are parsed; the others are
/// accepted and listed in [`ProfileConfig::ignored_keys`](super::ProfileConfig::ignored_keys).
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
    // tritium extensions (not Model Analyzer keys): the measurement's stop rule
    "tritium_measurement_rule",
    "tritium_ci_target",
    // tritium extension: which measured configs go to the output repository (all | top)
    "tritium_output_configs",
    // tritium extension: how a model switches configs (auto | unload | replace)
    "tritium_model_switch",
    // tritium extension: worker processes on this host (auto | N), merged at the end
    "tritium_workers",
];

/// The top-level keys tritium parses into [`ProfileConfig`](super::ProfileConfig) fields.
pub const SUPPORTED_KEYS: &[&str] = &[
    "model_repository",
    "filename_model_inference",
    "filename_model_gpu",
    "filename_server_only",
    "inference_output_fields",
    "gpu_output_fields",
    "server_output_fields",
    "profile_models",
    "ensemble_composing_models",
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
    "request_rate_search_enable",
    "gpus",
    "cpu_only_composing_models",
    // tritium extensions: adaptive | perf_analyzer, and the CI target in percent
    "tritium_measurement_rule",
    "tritium_ci_target",
    // tritium extension: which measured configs go to the output repository (all | top)
    "tritium_output_configs",
    // tritium extension: how a model switches configs (auto | unload | replace)
    "tritium_model_switch",
    // tritium extension: worker processes on this host (auto | N), merged at the end
    "tritium_workers",
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
/// `perf_latency_p50`. Only the metrics of [`Metric`](super::Metric) are measured by tritium;
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
/// in [`ProfileConfig::ignored_keys`](super::ProfileConfig::ignored_keys)).
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
pub const MODEL_CONFIG_FIELDS: &[&str] = tritium_model::pbtxt::MODEL_CONFIG_FIELDS;

/// The deepest a `model_config_parameters` value may nest (arrays and
/// objects): twice `pbtxt::MAX_DEPTH`, as deep as the JSON of the deepest
/// config.pbtxt tritium reads. Deeper values would make configs (and
/// `results.json`, which records them) that tritium could not read back.
pub const MAX_MODEL_CONFIG_PARAMETER_DEPTH: usize = 2 * tritium_model::pbtxt::MAX_DEPTH;
