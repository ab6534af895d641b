//! The compatibility table: for every Model Analyzer `profile` key tritium
//! knows ([`KNOWN_KEYS`](super::KNOWN_KEYS), the per-model keys, the
//! `parameters` keys) and every perf_analyzer flag accepted under
//! `perf_analyzer_flags` ([`PERF_ANALYZER_FLAG_KEYS`](super::PERF_ANALYZER_FLAG_KEYS)),
//! exactly one [`Status`]:
//!
//! * [`Status::Applied`]: read, with Model Analyzer's / perf_analyzer's meaning;
//! * [`Status::Refused`]: rejected when the config is read (before any server
//!   starts), with the reason and what to use instead;
//! * [`Status::Announced`]: accepted, and a one-line notice says what tritium
//!   does instead (printed once per run when the key is present).
//!
//! There is no fourth, silent case: the key checker consults this table for
//! every key, and the tests prove that every key of the key tables has one
//! entry. `docs/compat_model_analyzer.md` is generated from it
//! ([`markdown`]); a test fails when the committed file differs.
//!
//! Objectives on metrics tritium does not measure are announced by name; tritium
//! keeps Model Analyzer's weight normalisation over *all* listed objectives.
//! An unmeasured objective contributes nothing to any config's score, so the
//! ranking among configs is the same as without it (only the absolute score
//! values shrink).

use super::keys::{IGNORED_CONSTRAINT_KEYS, OBJECTIVE_KEYS, SUPPORTED_CONSTRAINT_KEYS};
use super::Metric;

/// When a [`Status::Refused`] key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefuseWhen {
    /// Whenever the key is present.
    Present,
    /// When the value is `true` (`false` asks for what tritium does anyway).
    True,
}

/// What tritium does with one key or flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Read, with Model Analyzer's or perf_analyzer's meaning (the text says
    /// how, and names any limit).
    Applied(&'static str),
    /// Rejected when the config is read.
    Refused {
        /// When the key is refused.
        when: RefuseWhen,
        /// Why.
        reason: &'static str,
        /// What to use instead.
        instead: &'static str,
    },
    /// Accepted with a one-line notice of what tritium does instead.
    Announced(&'static str),
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The key (snake_case) or perf_analyzer flag (kebab-case).
    pub key: &'static str,
    /// What tritium does with it.
    pub status: Status,
    /// A YAML value that exercises the status (the tests load it).
    pub example: &'static str,
}

const fn a(key: &'static str, example: &'static str, what: &'static str) -> Entry {
    Entry { key, status: Status::Applied(what), example }
}

const fn n(key: &'static str, example: &'static str, what: &'static str) -> Entry {
    Entry { key, status: Status::Announced(what), example }
}

const fn r(key: &'static str, example: &'static str, when: RefuseWhen, reason: &'static str, instead: &'static str) -> Entry {
    Entry { key, status: Status::Refused { when, reason, instead }, example }
}

const NO_DOCKER: &str = "tritium runs Triton embedded in its own process: no Docker container is started";
const IN_PROCESS: &str = "tritium drives Triton in-process through its C API: there is no network client or server endpoint";

/// Top-level `profile` keys, in [`KNOWN_KEYS`](super::KNOWN_KEYS) order.
pub const TOP_LEVEL: &[Entry] = &[
    n("config_file", "x.yaml", "the config file is the file tritium reads (`profile -f`); a config_file key inside it is not followed"),
    a("checkpoint_directory", "ck", "where the checkpoint (results.json of the run so far) is written; `--resume` continues from it"),
    n("monitoring_interval", "2.0", "tritium samples GPU/CPU metrics on its own schedule during each measurement, not every monitoring_interval seconds"),
    a("duration_seconds", "5", "how long (seconds) the server is measured with no model loaded, before the first model, for metrics-server-only.csv (Model Analyzer's server-only metrics; default 3, at most 60, 0 skips it)"),
    n("collect_cpu_metrics", "true", "tritium records CPU metrics itself; this key does not switch them"),
    a("gpus", "[\"0\"]", "`all` (default), GPU UUIDs, indices (NVML's order) or `[]`: checked against NVML before any server starts (unknown GPU: error listing the GPUs found; no GPU here: error); one GPU restarts tritium with CUDA_VISIBLE_DEVICES set to its UUID; two or more run one worker process per GPU (its own server, CUDA_VISIBLE_DEVICES its GPU's UUID), each a shard of the profile, merged at the end (`tritium_workers: 1` keeps one process with every listed GPU in its server, Model Analyzer's meaning); GPU metrics cover only the listed GPUs. Deviation: a list replaces an existing CUDA_VISIBLE_DEVICES (Model Analyzer intersects them)"),
    n("always_report_gpu_metrics", "true", "GPU metrics are reported whenever a GPU is present"),
    n("dcgm_disable", "true", "GPU metrics come from the embedded Triton server's own metrics; this key does not switch them off"),
    a("skip_summary_reports", "true", "`profile` does not write the summary PDFs"),
    a("skip_detailed_reports", "true", "`profile` does not write the detailed PDFs"),
    n("model_type", "LLM", "tritium profiles every model as a generic model (no LLM / genai-perf mode)"),
    a("model_repository", "/n", "the repository the embedded server loads"),
    a("output_model_repository_path", "out", "where the measured model configs are written (every measured variant, as Model Analyzer; tritium_output_configs: top writes only the top ones and the default)"),
    a("override_output_model_repository", "true", "replace an existing output model repository"),
    n("client_max_retries", "5", IN_PROCESS),
    n("client_protocol", "http", IN_PROCESS),
    a("perf_analyzer_flags", "{measurement-interval: 500}", "the flags tritium's load generator honours (see the perf_analyzer_flags table)"),
    n("genai_perf_flags", "{streaming: true}", "tritium has no genai-perf mode; the flags are not used"),
    n(
        "triton_server_flags",
        "{log-verbose: 1}",
        "backend-directory, repoagent-directory, backend-config, pinned-memory-pool-byte-size, cuda-memory-pool-byte-size and min-supported-compute-capability are applied to the embedded server; any other flag is not passed on (the model repository is model_repository; no HTTP/gRPC/metrics ports are opened)",
    ),
    n("triton_server_environment", "{A: b}", "the embedded server runs in tritium's process and inherits its environment; set variables before starting tritium"),
    n("triton_docker_args", "{a: b}", NO_DOCKER),
    a("objectives", "{perf_latency_p99: 5}", "weights of the metrics configs are ranked by; objectives on metrics tritium does not measure are announced by name"),
    a("constraints", "{perf_throughput: {min: 5}}", "limits a config must meet (LLM constraints are announced and not applied)"),
    r(
        "weighting",
        "2",
        RefuseWhen::Present,
        "weighting can not be specified as a global parameter (as in Model Analyzer)",
        "set it per model under profile_models",
    ),
    a("profile_models", "[b]", "the models to profile, with their per-model settings"),
    a("batch_sizes", "[2]", "client batch sizes of the requests"),
    a("concurrency", "[2]", "the concurrencies measured (no concurrency search)"),
    a("request_rate", "[10]", "the request rates measured (open loop, requests/s; docs/request_rate.md)"),
    n("reload_model_disable", "true", "tritium loads each config into the embedded server through the C API as its search needs; this key does not change that"),
    n("bls_composing_models", "a", "BLS composing models are not searched; the BLS model is profiled with their current configs"),
    a("ensemble_composing_models", "{b: {}}", "settings of an ensemble's composing models (their model_config_parameters bound the search)"),
    a("cpu_only_composing_models", "[b]", "composing models searched with CPU instances only"),
    n("perf_analyzer_timeout", "100", "tritium runs no perf_analyzer process; a load point ends by tritium's measurement rule"),
    n("perf_analyzer_cpu_util", "50", "tritium runs no perf_analyzer process whose CPU use could be limited"),
    n("perf_analyzer_path", "/pa", "tritium generates the load itself; no perf_analyzer binary is run"),
    n("perf_output", "true", "tritium writes no perf_analyzer output; every measurement is in results.json and the metrics CSVs"),
    n("perf_output_path", "pa.txt", "tritium writes no perf_analyzer output; every measurement is in results.json and the metrics CSVs"),
    n("perf_analyzer_max_auto_adjusts", "5", "tritium's measurement rule adjusts the measurement window itself"),
    a("triton_launch_mode", "c_api", "local and c_api run Triton embedded; docker and remote are announced and also run it embedded"),
    n("triton_docker_image", "img", NO_DOCKER),
    n("triton_http_endpoint", "h:1", IN_PROCESS),
    n("triton_grpc_endpoint", "h:1", IN_PROCESS),
    n("triton_metrics_url", "h:1", IN_PROCESS),
    n("triton_server_path", "/ts", "tritium loads libtritonserver from its runtime (triton_install_path), not a tritonserver binary"),
    n("triton_output_path", "t.log", "the embedded server logs to tritium's stderr (`profile --triton-log`)"),
    n("triton_docker_mounts", "[a:b]", NO_DOCKER),
    n("triton_docker_labels", "{a: b}", NO_DOCKER),
    n("triton_docker_shm_size", "1g", NO_DOCKER),
    a("triton_install_path", "/opt/t", "where tritium looks for the Triton runtime (library and backends)"),
    a("early_exit_enable", "true", "stop a search dimension early when throughput stops growing"),
    a("run_config_search_max_concurrency", "64", "upper bound of the concurrency search"),
    a("run_config_search_min_concurrency", "2", "lower bound of the concurrency search"),
    a("run_config_search_max_request_rate", "100", "upper bound of the request-rate search; setting it profiles with request rate"),
    a("run_config_search_min_request_rate", "10", "lower bound of the request-rate search; setting it profiles with request rate"),
    a("run_config_search_max_instance_count", "3", "upper bound of the instance-count search"),
    a("run_config_search_min_instance_count", "2", "lower bound of the instance-count search"),
    a("run_config_search_max_model_batch_size", "64", "upper bound of the max_batch_size search"),
    a("run_config_search_min_model_batch_size", "2", "lower bound of the max_batch_size search"),
    a("run_config_search_max_binary_search_steps", "3", "steps of quick search's binary search"),
    n("min_percentage_of_search_space", "5", "optuna search is not implemented (run_config_search_mode optuna is refused)"),
    n("max_percentage_of_search_space", "10", "optuna search is not implemented (run_config_search_mode optuna is refused)"),
    n("optuna_min_trials", "5", "optuna search is not implemented (run_config_search_mode optuna is refused)"),
    n("optuna_max_trials", "10", "optuna search is not implemented (run_config_search_mode optuna is refused)"),
    n("optuna_early_exit_threshold", "5", "optuna search is not implemented (run_config_search_mode optuna is refused)"),
    n("use_concurrency_formula", "true", "tritium searches the concurrency (sweep or binary search) instead of computing it from a formula"),
    a("run_config_search_mode", "quick", "brute and quick; optuna is refused before the server starts"),
    a("run_config_search_disable", "true", "measure only the default config"),
    r(
        "run_config_profile_models_concurrently_enable",
        "true",
        RefuseWhen::True,
        "tritium profiles one model at a time; a concurrent multi-model run would be a different experiment",
        "profile the models one at a time (remove the key or set it to false)",
    ),
    a("request_rate_search_enable", "true", "search request rates (open loop, coordinated-omission-correct) instead of concurrencies (docs/request_rate.md)"),
    a("concurrency_sweep_disable", "true", "skip quick search's final concurrency sweep"),
    a("export_path", "exp", "where results/ and reports/ are written"),
    a("filename_model_inference", "a.csv", "the inference CSV's file name under <export_path>/results (a plain name)"),
    a("filename_model_gpu", "a.csv", "the GPU CSV's file name under <export_path>/results (a plain name)"),
    a("filename_server_only", "a.csv", "the server-only CSV's file name under <export_path>/results (a plain name)"),
    a("num_configs_per_model", "2", "configs kept per model"),
    a("num_top_model_configs", "2\nconstraints: {perf_throughput: {min: 1}}", "configs kept across all models"),
    a("inference_output_fields", "[model_name]", "the inference CSV's columns (Model Analyzer's headers; a metric tritium does not measure is left out with a warning)"),
    a("gpu_output_fields", "[model_name]", "the GPU CSV's columns (Model Analyzer's headers; a metric tritium does not measure is left out with a warning)"),
    a("server_output_fields", "[model_name]", "the server-only CSV's columns (Model Analyzer's headers; a metric tritium does not measure is left out with a warning)"),
    a("latency_budget", "20", "shorthand for a perf_latency_p99 max constraint on every model"),
    a("min_throughput", "20", "shorthand for a perf_throughput min constraint on every model"),
    n("plots", "{}", "the reports draw tritium's fixed set of plots"),
    n("report_model_configs", "[a]", "a `report` key: `tritium report -f FILE` (or `-n a,b`) writes the detailed reports of these configs; `profile` writes those of its top configs"),
    n("output_formats", "[pdf]", "reports are written as PDF"),
    a("tritium_measurement_rule", "perf_analyzer", "tritium extension: when a load point ends (adaptive or perf_analyzer)"),
    a("tritium_ci_target", "5", "tritium extension: the adaptive rule's confidence-interval target, percent"),
    a("tritium_model_switch", "unload", "tritium extension: how a model goes to a config Triton cannot update in place: unload (bounded, waiting for the Python stubs to exit) then load; replace (load over the loaded config, Triton unloads the old instances in the background); preload (replace, and the config the search expects next is loaded beside the measured one under the alias <model>__tritium_next, so a switch the search predicted is a change of name); auto (default: on machines of 8 cores or more preload when latency is in none of the model's constraints and objectives, else replace; unload on smaller machines)"),
    a("tritium_workers", "2", "tritium extension: worker processes on this host, each one shard of the profile (`--shard I/N`) with its own embedded server, merged at the end as `tritium merge` does: auto (default: one worker per GPU when `gpus` lists two or more, else one process) or a number (1: one process, every listed GPU in its server, Model Analyzer's meaning)"),
    a("tritium_output_configs", "top", "tritium extension: which measured configs go to output_model_repository_path: all (default, as Model Analyzer) or top (the top configs per model and across models, and the default)"),
];

/// Keys of one `profile_models` (or `ensemble_composing_models`) entry.
pub const MODEL_SPEC: &[Entry] = &[
    a("cpu_only", "true", "search CPU instances only"),
    a("parameters", "{batch_sizes: [2]}", "this model's batch_sizes / concurrency (see the parameters table)"),
    a("objectives", "{perf_latency_p99: 5}", "this model's objectives"),
    a("constraints", "{perf_throughput: {min: 5}}", "this model's constraints"),
    n(
        "weighting",
        "2",
        "weighting only weighs models profiled together (run_config_profile_models_concurrently_enable); tritium ranks each model's configs on its own, so it has no effect",
    ),
    a("model_config_parameters", "{max_batch_size: [4]}", "the config values searched (brute search)"),
    a("perf_analyzer_flags", "{measurement-interval: 500}", "this model's perf_analyzer flags (see the perf_analyzer_flags table)"),
    n("genai_perf_flags", "{streaming: true}", "tritium has no genai-perf mode; the flags are not used"),
    n("triton_server_flags", "{log-verbose: 1}", "not passed on: one embedded server serves every model with tritium's own settings"),
    n("triton_server_environment", "{A: b}", "the embedded server runs in tritium's process and inherits its environment"),
    n("triton_docker_args", "{a: b}", NO_DOCKER),
];

/// Keys of a per-model `parameters` block.
pub const PARAMETERS: &[Entry] = &[
    a("batch_sizes", "[2]", "this model's client batch sizes"),
    a("concurrency", "[2]", "this model's concurrencies"),
    a("request_rate", "[10]", "this model's request rates (open loop, requests/s)"),
];

const NO_PA: &str = "tritium drives Triton in-process through its C API: there is no perf_analyzer client, protocol or endpoint to configure";
const NO_SEQ: &str = "not applied: tritium sends requests without sequence ids (no sequence-batcher load)";
const NO_VERBOSE: &str = "tritium's own progress output is printed; perf_analyzer's verbosity does not apply";

/// perf_analyzer flags under `perf_analyzer_flags`, in
/// [`PERF_ANALYZER_FLAG_KEYS`](super::PERF_ANALYZER_FLAG_KEYS) order.
pub const PA_FLAGS: &[Entry] = &[
    n("service-kind", "triton", NO_PA),
    n("model-signature-name", "s", "only used by TensorFlow Serving; tritium serves Triton models"),
    n("async", "true", "tritium always issues requests asynchronously, one in flight per unit of concurrency"),
    n("sync", "true", "tritium always issues requests asynchronously, one in flight per unit of concurrency"),
    a("measurement-interval", "500", "measurement window in ms (time_windows)"),
    a("concurrency-range", "1:8:2", "start:end:step: the concurrencies measured, one point each, instead of the sweep (brute search; docs/request_rate.md)"),
    a("request-rate-range", "10:100:10", "start:end:step: the request rates measured, one point each, instead of the sweep (brute search; whole requests/s)"),
    a("request-distribution", "poisson", "constant or poisson schedule of request-rate loads"),
    r("request-intervals", "f.txt", RefuseWhen::Present, "a request schedule is not implemented in profile yet", "use request_rate (with request-distribution), or `tritium bench`"),
    r(
        "binary-search",
        "true",
        RefuseWhen::True,
        "profile searches loads itself; perf_analyzer's latency-threshold binary search is not run",
        "use constraints (e.g. perf_latency_p99: {max: N}) or latency_budget",
    ),
    n("num-of-sequences", "4", NO_SEQ),
    r(
        "latency-threshold",
        "20",
        RefuseWhen::Present,
        "profile does not stop a load sweep at perf_analyzer's latency threshold",
        "use constraints (e.g. perf_latency_p99: {max: N}) or latency_budget",
    ),
    n("max-threads", "4", "tritium's load generator sizes its own worker threads"),
    a("stability-percentage", "10", "stability criterion of the perf_analyzer measurement rule"),
    a("max-trials", "5", "most measurement windows per load point"),
    a("percentile", "95", "the latency percentile used for stability"),
    a("input-data", "d.json", "a JSON input-data file (the first one; further entries are announced and not used)"),
    n("shared-memory", "system", "inputs are passed in-process, without shared-memory regions"),
    n("output-shared-memory-size", "1024", "outputs are returned in-process, without shared-memory regions"),
    a("shape", "\"x:1,2\"", "shapes of variable-size inputs"),
    n("sequence-length", "10", NO_SEQ),
    n("sequence-id-range", "1:10", NO_SEQ),
    n("string-length", "8", "not applied: string inputs get tritium's generated data (use input-data to choose it)"),
    n("string-data", "abc", "not applied: string inputs get tritium's generated data (use input-data to choose it)"),
    a("measurement-mode", "count_windows", "time_windows or count_windows"),
    a("measurement-request-count", "100", "requests per window (count_windows)"),
    n("streaming", "true", "tritium has no gRPC client to stream with; requests go through the C API"),
    n("grpc-compression-algorithm", "gzip", NO_PA),
    n("triton-server-directory", "/t", "the runtime is found through triton_install_path"),
    n("model-repository", "/m", "the model repository is model_repository"),
    n("ssl-grpc-use-ssl", "true", NO_PA),
    n("ssl-grpc-root-certifications-file", "f", NO_PA),
    n("ssl-grpc-private-key-file", "f", NO_PA),
    n("ssl-grpc-certificate-chain-file", "f", NO_PA),
    n("ssl-https-verify-peer", "1", NO_PA),
    n("ssl-https-verify-host", "1", NO_PA),
    n("ssl-https-ca-certificates-file", "f", NO_PA),
    n("ssl-https-client-certificate-type", "PEM", NO_PA),
    n("ssl-https-client-certificate-file", "f", NO_PA),
    n("ssl-https-private-key-type", "PEM", NO_PA),
    n("ssl-https-private-key-file", "f", NO_PA),
    n("collect-metrics", "true", "tritium always collects the server's metrics in-process"),
    n("metrics-url", "h:1", NO_PA),
    n("metrics-interval", "1000", "tritium samples metrics on its own schedule"),
    n("bls-composing-models", "a", "BLS composing models are not searched; the BLS model is profiled with their current configs"),
    n("model-name", "m", "the model measured is the profile_models entry"),
    n("model-version", "1", "tritium requests version -1: the version Triton's version policy serves"),
    a("batch-size", "2", "client batch size of each request"),
    n("url", "h:1", NO_PA),
    n("protocol", "grpc", NO_PA),
    n("latency-report-file", "f.csv", "tritium writes results.json and the metrics CSVs, not a perf_analyzer latency report"),
    n("http-header", "a:b", NO_PA),
    n("verbose", "true", NO_VERBOSE),
    n("extra-verbose", "true", NO_VERBOSE),
    n("verbose-csv", "true", NO_VERBOSE),
];

/// The entry of `key` in `table`.
pub fn lookup(table: &'static [Entry], key: &str) -> Option<&'static Entry> {
    table.iter().find(|e| e.key == key)
}

/// True when a [`Status::Refused`] entry refuses this value.
pub fn refuses(when: RefuseWhen, value: &serde_yaml::Value) -> bool {
    match when {
        RefuseWhen::Present => true,
        RefuseWhen::True => match value {
            serde_yaml::Value::Bool(b) => *b,
            serde_yaml::Value::String(s) => !matches!(s.trim().to_ascii_lowercase().as_str(), "false" | "0" | "no" | "off" | ""),
            serde_yaml::Value::Null => false,
            _ => true,
        },
    }
}

/// The error message of a refused key at `path`.
pub fn refusal_message(reason: &str, instead: &str) -> String {
    format!("{reason}; {instead}")
}

/// The notice line of an announced key at `path`.
pub fn notice_line(path: &str, what: &str) -> String {
    format!("{path}: {what}")
}

fn status_cells(s: &Status) -> (String, String) {
    match s {
        Status::Applied(w) => ("applied".into(), (*w).to_string()),
        Status::Announced(w) => ("announced".into(), (*w).to_string()),
        Status::Refused { when, reason, instead } => (
            match when {
                RefuseWhen::Present => "refused".into(),
                RefuseWhen::True => "refused when true".into(),
            },
            format!("{reason}; {instead}"),
        ),
    }
}

fn table(out: &mut String, entries: &[Entry], code: impl Fn(&str) -> String) {
    out.push_str("| key | status | in tritium |\n|---|---|---|\n");
    for e in entries {
        let (s, w) = status_cells(&e.status);
        out.push_str(&format!("| {} | {s} | {} |\n", code(e.key), w.replace('|', "\\|")));
    }
    out.push('\n');
}

/// `docs/compat_model_analyzer.md`: the table as Markdown.
pub fn markdown() -> String {
    let mut o = String::new();
    o.push_str("# Model Analyzer and perf_analyzer compatibility\n\n");
    o.push_str("<!-- Generated from crates/profile/src/config/compat.rs; do not edit. Regenerate with\n     TRITIUM_BLESS=1 cargo test -p tritium-profile --lib compat -->\n\n");
    o.push_str("Every key of a Model Analyzer `profile` config and every flag under `perf_analyzer_flags` is one of:\n\n");
    o.push_str("* **applied**: read, with Model Analyzer's / perf_analyzer's meaning;\n");
    o.push_str("* **refused**: the config is rejected when it is read, before any server starts, naming the file and key, the reason and what to use instead;\n");
    o.push_str("* **announced**: accepted; `tritium profile` prints one notice per run saying what it does instead.\n\n");
    o.push_str("A key that none of the tables lists is an error (unknown key, with a suggestion).\n\n");
    o.push_str("## Top-level keys\n\n");
    table(&mut o, TOP_LEVEL, |k| format!("`{k}`"));
    o.push_str("## Keys of a `profile_models` entry\n\n");
    table(&mut o, MODEL_SPEC, |k| format!("`{k}`"));
    o.push_str("## Keys of a model's `parameters`\n\n");
    table(&mut o, PARAMETERS, |k| format!("`{k}`"));
    o.push_str("## `perf_analyzer_flags`\n\n");
    o.push_str("An input-data list with more than one entry is announced: only the first file is used.\n\n");
    table(&mut o, PA_FLAGS, |k| format!("`{k}`"));
    o.push_str("## `objectives`\n\n");
    o.push_str("Objectives on metrics tritium does not measure are announced by name. Weights are normalised over all listed objectives, as in Model Analyzer; an unmeasured objective adds nothing to any config's score, so the ranking is the same as without it.\n\n");
    o.push_str("| metric | status |\n|---|---|\n");
    for k in OBJECTIVE_KEYS {
        let s = if Metric::from_name(k).is_some() { "applied" } else { "announced (not measured)" };
        o.push_str(&format!("| `{k}` | {s} |\n"));
    }
    o.push_str("\n## `constraints`\n\n| metric | bound | status |\n|---|---|---|\n");
    for (k, b) in SUPPORTED_CONSTRAINT_KEYS {
        o.push_str(&format!("| `{k}` | {b} | applied |\n"));
    }
    for (k, b) in IGNORED_CONSTRAINT_KEYS {
        o.push_str(&format!("| `{k}` | {b} | announced (not measured; not applied) |\n"));
    }
    o
}
