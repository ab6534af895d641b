//! Pass 2 of reading a config: the serde types of the YAML document, with
//! Model Analyzer's value shapes (numeric and string lists, ranges,
//! objectives as list or map, `profile_models` in all its forms).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_yaml::Value as Yaml;
use tritium_model::lenient::{LBool, LF64, LStr, LU32};

use super::overrides::parse_num_list_text;
use super::DEFAULT_OBJECTIVE_WEIGHT;

/// `ConfigListNumeric(int)`: scalar, "1,2,3", list, or {start, stop[, step]}.
#[derive(Debug, Clone, Default)]
pub(super) struct NumList(pub(super) Vec<u32>);

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
                let max = tritium_bench::limits::MAX_LOAD_LEVELS;
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
pub(super) struct StrList(pub(super) Vec<String>);

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
pub(super) struct RawObjectives(pub(super) BTreeMap<String, f64>);

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

pub(super) type RawConstraints = BTreeMap<String, Option<BTreeMap<String, LF64>>>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawParameters {
    pub(super) concurrency: Option<NumList>,
    pub(super) batch_sizes: Option<NumList>,
    pub(super) request_rate: Option<NumList>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawModelSpec {
    pub(super) cpu_only: Option<LBool>,
    pub(super) parameters: Option<RawParameters>,
    pub(super) objectives: Option<RawObjectives>,
    pub(super) constraints: Option<RawConstraints>,
    pub(super) weighting: Option<LU32>,
    pub(super) model_config_parameters: Option<BTreeMap<String, Yaml>>,
    pub(super) perf_analyzer_flags: Option<BTreeMap<String, Yaml>>,
}

/// `profile_models` in any of its forms, in document order.
#[derive(Debug, Default)]
pub(super) struct RawProfileModels(pub(super) Vec<(String, RawModelSpec)>);

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
pub(super) struct RawConfig {
    pub(super) model_repository: Option<LStr>,
    pub(super) profile_models: Option<RawProfileModels>,
    pub(super) output_model_repository_path: Option<LStr>,
    pub(super) export_path: Option<LStr>,
    pub(super) override_output_model_repository: Option<LBool>,
    pub(super) checkpoint_directory: Option<LStr>,
    pub(super) triton_launch_mode: Option<LStr>,
    pub(super) triton_docker_image: Option<LStr>,
    pub(super) triton_docker_shm_size: Option<LStr>,
    pub(super) triton_docker_mounts: Option<StrList>,
    pub(super) triton_docker_labels: Option<BTreeMap<String, LStr>>,
    pub(super) triton_server_flags: Option<BTreeMap<String, LStr>>,
    pub(super) triton_install_path: Option<LStr>,
    pub(super) perf_analyzer_flags: Option<BTreeMap<String, Yaml>>,
    pub(super) run_config_search_mode: Option<LStr>,
    pub(super) run_config_search_disable: Option<LBool>,
    pub(super) run_config_search_min_concurrency: Option<LU32>,
    pub(super) run_config_search_max_concurrency: Option<LU32>,
    pub(super) run_config_search_min_request_rate: Option<LU32>,
    pub(super) run_config_search_max_request_rate: Option<LU32>,
    pub(super) run_config_search_min_model_batch_size: Option<LU32>,
    pub(super) run_config_search_max_model_batch_size: Option<LU32>,
    pub(super) run_config_search_min_instance_count: Option<LU32>,
    pub(super) run_config_search_max_instance_count: Option<LU32>,
    pub(super) run_config_search_max_binary_search_steps: Option<LU32>,
    pub(super) num_configs_per_model: Option<LU32>,
    pub(super) num_top_model_configs: Option<LU32>,
    pub(super) concurrency: Option<NumList>,
    pub(super) batch_sizes: Option<NumList>,
    pub(super) request_rate: Option<NumList>,
    pub(super) constraints: Option<RawConstraints>,
    pub(super) objectives: Option<RawObjectives>,
    pub(super) weighting: Option<LU32>,
    pub(super) latency_budget: Option<LU32>,
    pub(super) min_throughput: Option<LU32>,
    pub(super) client_protocol: Option<LStr>,
    pub(super) perf_output: Option<LBool>,
    pub(super) perf_output_path: Option<LStr>,
    pub(super) skip_summary_reports: Option<LBool>,
    pub(super) skip_detailed_reports: Option<LBool>,
    pub(super) duration_seconds: Option<LU32>,
    pub(super) early_exit_enable: Option<LBool>,
    pub(super) concurrency_sweep_disable: Option<LBool>,
    pub(super) request_rate_search_enable: Option<LBool>,
    pub(super) gpus: Option<StrList>,
    pub(super) cpu_only_composing_models: Option<StrList>,
    pub(super) ensemble_composing_models: Option<RawProfileModels>,
    pub(super) tritium_measurement_rule: Option<LStr>,
    pub(super) tritium_ci_target: Option<LF64>,
    pub(super) tritium_output_configs: Option<LStr>,
    pub(super) tritium_model_switch: Option<LStr>,
    pub(super) tritium_workers: Option<LStr>,
    pub(super) inference_output_fields: Option<StrList>,
    pub(super) gpu_output_fields: Option<StrList>,
    pub(super) server_output_fields: Option<StrList>,
    pub(super) filename_model_inference: Option<LStr>,
    pub(super) filename_model_gpu: Option<LStr>,
    pub(super) filename_server_only: Option<LStr>,
}
