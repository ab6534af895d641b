//! From the raw serde types to a [`ProfileConfig`]: defaults filled in,
//! enums and constraints parsed, `model_config_parameters` converted to JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value as Yaml;
use tritium_bench::StopRule;
use tritium_model::lenient::{LBool, LStr, LU32};

use super::key_check::join;
use super::pa_flags::yaml_string;
use super::raw::{RawConfig, RawConstraints, RawModelSpec};
use super::{
    Bound, ClientProtocol, ConfigError, Constraints, LaunchMode, ModelParameters, Objectives, PerfAnalyzerFlags, ProfileConfig, ProfileModelSpec, SearchMode,
    DEFAULT_DURATION_SECONDS, DEFAULT_NUM_CONFIGS_PER_MODEL, DEFAULT_NUM_TOP_MODEL_CONFIGS, DEFAULT_RUN_CONFIG_MAX_BINARY_SEARCH_STEPS, DEFAULT_RUN_CONFIG_MAX_CONCURRENCY,
    DEFAULT_RUN_CONFIG_MAX_INSTANCE_COUNT, DEFAULT_RUN_CONFIG_MAX_MODEL_BATCH_SIZE, DEFAULT_RUN_CONFIG_MAX_REQUEST_RATE, DEFAULT_RUN_CONFIG_MIN_CONCURRENCY,
    DEFAULT_RUN_CONFIG_MIN_INSTANCE_COUNT, DEFAULT_RUN_CONFIG_MIN_MODEL_BATCH_SIZE, DEFAULT_RUN_CONFIG_MIN_REQUEST_RATE, MAX_MODEL_CONFIG_PARAMETER_DEPTH,
};

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

/// One `profile_models` (or `ensemble_composing_models`) entry, checked;
/// errors name `path`.
fn convert_model_spec(name: String, spec: RawModelSpec, path: &str, file: &Path) -> Result<ProfileModelSpec, ConfigError> {
    let path = path.to_string();
    let invalid = |path: &str, message: String| ConfigError::Invalid {
        file: file.to_path_buf(),
        path: path.to_string(),
        message,
    };
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
                    format!("nests {depth} levels of lists and mappings; at most {MAX_MODEL_CONFIG_PARAMETER_DEPTH} are accepted (a model config nests at most {} messages)", tritium_model::pbtxt::MAX_DEPTH),
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
    Ok(m)
}

impl RawConfig {
    pub(super) fn into_config(self, file: &Path) -> Result<ProfileConfig, ConfigError> {
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
            c.profile_models.push(convert_model_spec(name, spec, &path, file)?);
        }
        for (name, spec) in self.ensemble_composing_models.map(|p| p.0).unwrap_or_default() {
            let path = join("ensemble_composing_models", &name);
            c.ensemble_composing_models.push(convert_model_spec(name, spec, &path, file)?);
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
        c.request_rate_search_enable = b(self.request_rate_search_enable, false);
        if let Some(v) = self.gpus {
            c.gpus = v.0;
        }
        if let Some(v) = self.cpu_only_composing_models {
            c.cpu_only_composing_models = v.0;
        }
        if let Some(v) = s(self.tritium_measurement_rule) {
            c.tritium_measurement_rule = parse_measurement_rule(&v).ok_or_else(|| invalid("tritium_measurement_rule", format!("{v:?} is not one of adaptive, perf_analyzer")))?;
        }
        if let Some(v) = self.tritium_ci_target {
            c.tritium_ci_target = v.0;
        }
        if let Some(v) = s(self.tritium_model_switch) {
            c.tritium_model_switch = super::ModelSwitch::parse(&v).ok_or_else(|| invalid("tritium_model_switch", format!("{v:?} is not one of auto, unload, replace, preload")))?;
        }
        if let Some(v) = s(self.tritium_workers) {
            c.tritium_workers = super::Workers::parse(&v).ok_or_else(|| invalid("tritium_workers", format!("{v:?} is not auto or a number of workers from 1 to {}", super::MAX_WORKERS)))?;
        }
        if let Some(v) = s(self.tritium_output_configs) {
            c.tritium_output_configs = super::OutputConfigs::parse(&v).ok_or_else(|| invalid("tritium_output_configs", format!("{v:?} is not one of all, top")))?;
        }
        c.inference_output_fields = self.inference_output_fields.map(|v| v.0);
        c.gpu_output_fields = self.gpu_output_fields.map(|v| v.0);
        c.server_output_fields = self.server_output_fields.map(|v| v.0);
        c.filename_model_inference = s(self.filename_model_inference);
        c.filename_model_gpu = s(self.filename_model_gpu);
        c.filename_server_only = s(self.filename_server_only);
        Ok(c)
    }
}

/// `tritium_measurement_rule`: `adaptive` or `perf_analyzer` (also
/// `perf-analyzer`, as the bench flag spells it), any case.
pub(super) fn parse_measurement_rule(s: &str) -> Option<StopRule> {
    match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "adaptive" => Some(StopRule::Adaptive),
        "perf_analyzer" => Some(StopRule::PerfAnalyzer),
        _ => None,
    }
}
