//! Typed view of `TRITONSERVER_ServerModelConfig` (protobuf-JSON style): the
//! fields tritium reads or changes are typed, everything else is kept in
//! `extra` so that a modified config can be sent back to Triton losslessly.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::error::parse_json;
use super::lenient;
use super::{DataType, ModelError};

/// Kind of an instance group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum InstanceKind {
    /// `KIND_AUTO`: GPU if available, else CPU.
    #[default]
    Auto,
    /// `KIND_CPU`.
    Cpu,
    /// `KIND_GPU`.
    Gpu,
    /// `KIND_MODEL`: the model manages its own placement.
    Model,
}

impl InstanceKind {
    /// The config name (`"KIND_AUTO"`, `"KIND_CPU"`, `"KIND_GPU"`, `"KIND_MODEL"`).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceKind::Auto => "KIND_AUTO",
            InstanceKind::Cpu => "KIND_CPU",
            InstanceKind::Gpu => "KIND_GPU",
            InstanceKind::Model => "KIND_MODEL",
        }
    }

    /// Parses `"KIND_CPU"` etc. (the `KIND_` prefix is optional).
    pub fn from_name(name: &str) -> Option<InstanceKind> {
        match name.strip_prefix("KIND_").unwrap_or(name) {
            "AUTO" => Some(InstanceKind::Auto),
            "CPU" => Some(InstanceKind::Cpu),
            "GPU" => Some(InstanceKind::Gpu),
            "MODEL" => Some(InstanceKind::Model),
            _ => None,
        }
    }

    /// Maps the protobuf enum number (AUTO=0, GPU=1, CPU=2, MODEL=3).
    pub fn from_proto_number(n: i64) -> Option<InstanceKind> {
        match n {
            0 => Some(InstanceKind::Auto),
            1 => Some(InstanceKind::Gpu),
            2 => Some(InstanceKind::Cpu),
            3 => Some(InstanceKind::Model),
            _ => None,
        }
    }
}

impl fmt::Display for InstanceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for InstanceKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InstanceKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::Null => Ok(InstanceKind::Auto),
            Value::String(s) => InstanceKind::from_name(&s)
                .ok_or_else(|| D::Error::custom(format!("unknown instance kind {s:?}"))),
            Value::Number(n) => n
                .as_i64()
                .and_then(InstanceKind::from_proto_number)
                .ok_or_else(|| D::Error::custom(format!("unknown instance kind number {n}"))),
            other => Err(D::Error::custom(format!("invalid instance kind {other}"))),
        }
    }
}

/// A model input in the model config (`input` array).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelInput {
    /// Input name.
    pub name: String,
    /// Config data type name, e.g. `"TYPE_FP32"`.
    #[serde(alias = "dataType", skip_serializing_if = "String::is_empty")]
    pub data_type: String,
    /// Dimensions excluding the batch dimension; `-1` = variable.
    #[serde(deserialize_with = "lenient::int_vec")]
    pub dims: Vec<i64>,
    /// All other fields (`format`, `reshape`, `optional`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ModelInput {
    /// The parsed data type, if the name is known.
    pub fn data_type(&self) -> Option<DataType> {
        DataType::from_config(&self.data_type)
    }
}

/// A model output in the model config (`output` array).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelOutput {
    /// Output name.
    pub name: String,
    /// Config data type name, e.g. `"TYPE_FP32"`.
    #[serde(alias = "dataType", skip_serializing_if = "String::is_empty")]
    pub data_type: String,
    /// Dimensions excluding the batch dimension; `-1` = variable.
    #[serde(deserialize_with = "lenient::int_vec")]
    pub dims: Vec<i64>,
    /// All other fields (`label_filename`, `reshape`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ModelOutput {
    /// The parsed data type, if the name is known.
    pub fn data_type(&self) -> Option<DataType> {
        DataType::from_config(&self.data_type)
    }
}

/// An instance group in the model config (`instance_group` array).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct InstanceGroup {
    /// Group name (Triton fills `<model>_<index>` when empty).
    pub name: String,
    /// Placement kind.
    pub kind: InstanceKind,
    /// Instances in this group (per listed GPU for `KIND_GPU`); 0 = 1.
    #[serde(deserialize_with = "lenient::int")]
    pub count: u32,
    /// GPU device ids (for `KIND_GPU`).
    #[serde(deserialize_with = "lenient::int_vec")]
    pub gpus: Vec<i32>,
    /// All other fields (`host_policy`, `rate_limiter`, `passive`, ...),
    /// kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InstanceGroup {
    /// Number of model instances this group creates: `count` (0 treated as
    /// 1), multiplied by the number of listed GPUs for `KIND_GPU` groups.
    pub fn instances(&self) -> u32 {
        let per = self.count.max(1);
        if self.kind == InstanceKind::Gpu && !self.gpus.is_empty() {
            let gpus = u32::try_from(self.gpus.len()).unwrap_or(u32::MAX);
            per.saturating_mul(gpus)
        } else {
            per
        }
    }
}

/// Dynamic batching settings (`dynamic_batching`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DynamicBatching {
    /// Preferred batch sizes.
    #[serde(alias = "preferredBatchSize", deserialize_with = "lenient::int_vec")]
    pub preferred_batch_size: Vec<i32>,
    /// Maximum time a request may wait for a batch to form, in microseconds.
    #[serde(alias = "maxQueueDelayMicroseconds", deserialize_with = "lenient::int")]
    pub max_queue_delay_microseconds: u64,
    /// All other fields (`preserve_ordering`, `priority_levels`,
    /// `default_queue_policy`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A model config parameter value (`parameters` map entry).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelParameter {
    /// The parameter's string value.
    #[serde(alias = "stringValue")]
    pub string_value: String,
    /// Any other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Triton's effective model configuration (`TRITONSERVER_ServerModelConfig`).
///
/// The fields tritium needs are typed; everything else is kept in
/// [`ModelConfig::extra`] so that [`ModelConfig::to_json`] loses nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelConfig {
    /// Model name.
    pub name: String,
    /// Platform (e.g. `"tensorrt_plan"`), often empty when `backend` is set.
    pub platform: String,
    /// Backend (e.g. `"python"`, `"onnxruntime"`).
    pub backend: String,
    /// Maximum batch size; 0 disables batching.
    #[serde(alias = "maxBatchSize", deserialize_with = "lenient::int")]
    pub max_batch_size: u32,
    /// Inputs.
    pub input: Vec<ModelInput>,
    /// Outputs.
    pub output: Vec<ModelOutput>,
    /// Instance groups.
    #[serde(alias = "instanceGroup")]
    pub instance_group: Vec<InstanceGroup>,
    /// Dynamic batching settings; `None` when dynamic batching is disabled.
    #[serde(alias = "dynamicBatching", skip_serializing_if = "Option::is_none")]
    pub dynamic_batching: Option<DynamicBatching>,
    /// Config parameters.
    pub parameters: BTreeMap<String, ModelParameter>,
    /// Every other top-level field, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ModelConfig {
    /// Parses the JSON returned by `TRITONSERVER_ServerModelConfig`.
    pub fn from_json(json: &str) -> Result<ModelConfig, ModelError> {
        parse_json("model config", json)
    }

    /// Serializes to compact JSON suitable for an in-memory config override.
    /// Typed integer fields are written as JSON numbers.
    pub fn to_json(&self) -> String {
        // Serialization cannot fail: all maps have string keys and no custom
        // serializer returns an error.
        serde_json::to_string(self)
            .unwrap_or_else(|e| unreachable!("ModelConfig serialization is infallible: {e}"))
    }

    /// Like [`ModelConfig::to_json`] but pretty-printed.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("ModelConfig serialization is infallible: {e}"))
    }

    /// Total number of model instances: the sum of
    /// [`InstanceGroup::instances`] over all groups (a group's count of 0 or
    /// missing counts as 1; `KIND_GPU` groups count once per listed GPU).
    /// A config with no instance groups yields 1.
    pub fn instance_count(&self) -> u32 {
        if self.instance_group.is_empty() {
            return 1;
        }
        self.instance_group
            .iter()
            .fold(0u32, |acc, g| acc.saturating_add(g.instances()))
    }

    /// Replaces all instance groups with a single group of `count` instances
    /// of `kind` (named `<model>_0`, no explicit GPU list, so Triton places
    /// `KIND_GPU` instances on every visible GPU).
    pub fn set_instance_count(&mut self, kind: InstanceKind, count: u32) {
        let name = if self.name.is_empty() {
            String::new()
        } else {
            format!("{}_0", self.name)
        };
        self.instance_group = vec![InstanceGroup {
            name,
            kind,
            count,
            gpus: Vec::new(),
            extra: Map::new(),
        }];
    }

    /// Sets `max_batch_size` (0 disables batching).
    ///
    /// Preferred batch sizes above the new maximum are dropped: Triton
    /// refuses a config where one exceeds `max_batch_size` (and its effective
    /// configs list the old maximum there).
    pub fn set_max_batch_size(&mut self, max_batch_size: u32) {
        self.max_batch_size = max_batch_size;
        if let Some(db) = &mut self.dynamic_batching {
            db.preferred_batch_size.retain(|b| *b >= 1 && (*b as i64) <= max_batch_size as i64);
        }
    }

    /// Enables (`Some`) or disables (`None`) dynamic batching.
    pub fn set_dynamic_batching(&mut self, dynamic_batching: Option<DynamicBatching>) {
        self.dynamic_batching = dynamic_batching;
    }

    /// The string value of parameter `key`.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters.get(key).map(|p| p.string_value.as_str())
    }

    /// The input named `name`.
    pub fn input(&self, name: &str) -> Option<&ModelInput> {
        self.input.iter().find(|t| t.name == name)
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&ModelOutput> {
        self.output.iter().find(|t| t.name == name)
    }
}
