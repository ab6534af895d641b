//! Typed views of the JSON documents returned by Triton's C API.
//!
//! * [`ModelMetadata`] — `TRITONSERVER_ServerModelMetadata`
//! * [`ServerMetadata`] — `TRITONSERVER_ServerMetadata`
//! * [`ModelIndexEntry`] — `TRITONSERVER_ServerModelIndex` (a JSON array)
//! * [`ModelStatistics`] — `TRITONSERVER_ServerModelStatistics`
//! * [`ModelConfig`] — `TRITONSERVER_ServerModelConfig` (protobuf-JSON style)
//!
//! All integer fields accept both JSON numbers and decimal strings, because
//! protobuf's JSON mapping encodes 64-bit integers as strings and different
//! Triton versions differ in what they emit. Unknown fields are ignored,
//! except in [`ModelConfig`] (and its nested typed parts) where they are kept
//! losslessly so that a modified config can be sent back to Triton.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Errors produced by this module.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The JSON document could not be parsed into the expected shape.
    #[error("failed to parse {document} JSON: {source}")]
    Json {
        /// Which document was being parsed (e.g. `"model config"`).
        document: &'static str,
        /// The underlying serde_json error.
        #[source]
        source: serde_json::Error,
    },
    /// A data type name was neither a Triton wire name nor a config name.
    #[error("unknown Triton data type {0:?}")]
    UnknownDataType(String),
}

fn parse_json<'a, T: Deserialize<'a>>(
    document: &'static str,
    json: &'a str,
) -> Result<T, ModelError> {
    serde_json::from_str(json).map_err(|source| ModelError::Json { document, source })
}

/// Lenient deserializers for integers / strings that may be encoded either as
/// JSON numbers or as JSON strings.
mod flex {
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, Visitor};

    /// Integer parsed from a JSON number or a decimal string; `null` yields
    /// `T::default()`.
    pub(super) struct FlexInt<T>(pub(super) T);

    struct IntVisitor;

    impl<'de> Visitor<'de> for IntVisitor {
        type Value = Option<i128>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or a string containing an integer")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(i128::from(v)))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(i128::from(v)))
        }

        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
            i128::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format!("integer {v} out of range")))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // Accept integral floats such as `16.0` (some JSON writers emit them).
            if v.is_finite() && v.fract() == 0.0 && v.abs() < 1.7e38 {
                // Truncation is exact: `v` is integral and within i128 range.
                Ok(Some(v as i128))
            } else {
                Err(E::custom(format!("expected an integer, found {v}")))
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            let t = t.strip_prefix('+').unwrap_or(t);
            t.parse::<i128>()
                .map(Some)
                .map_err(|_| E::custom(format!("expected an integer string, found {v:?}")))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(IntVisitor)
        }
    }

    impl<'de, T> Deserialize<'de> for FlexInt<T>
    where
        T: TryFrom<i128> + Default,
    {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match d.deserialize_any(IntVisitor)? {
                None => Ok(FlexInt(T::default())),
                Some(v) => T::try_from(v).map(FlexInt).map_err(|_| {
                    de::Error::custom(format!(
                        "integer {v} out of range for {}",
                        std::any::type_name::<T>()
                    ))
                }),
            }
        }
    }

    /// Deserializes an integer from a number or a string (`null` → default).
    pub(super) fn int<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i128> + Default,
    {
        FlexInt::<T>::deserialize(d).map(|f| f.0)
    }

    /// Deserializes an array of integers, each a number or a string
    /// (`null` → empty).
    pub(super) fn int_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i128> + Default,
    {
        let v: Option<Vec<FlexInt<T>>> = Option::deserialize(d)?;
        Ok(v.unwrap_or_default().into_iter().map(|f| f.0).collect())
    }

    /// String parsed from a JSON string or a number; `null` → empty string.
    pub(super) struct FlexString(pub(super) String);

    struct StringVisitor;

    impl<'de> Visitor<'de> for StringVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.to_string())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(v.to_string())
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(v.to_string())
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(v.to_string())
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(String::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(String::new())
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(StringVisitor)
        }
    }

    impl<'de> Deserialize<'de> for FlexString {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(StringVisitor).map(FlexString)
        }
    }

    /// Deserializes a string that may be encoded as a number.
    pub(super) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        FlexString::deserialize(d).map(|s| s.0)
    }

    /// Deserializes an optional string that may be encoded as a number.
    pub(super) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let v: Option<FlexString> = Option::deserialize(d)?;
        Ok(v.map(|s| s.0))
    }

    /// Deserializes an array of strings whose elements may be numbers
    /// (`null` → empty).
    pub(super) fn string_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let v: Option<Vec<FlexString>> = Option::deserialize(d)?;
        Ok(v.unwrap_or_default().into_iter().map(|s| s.0).collect())
    }
}

// ---------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------

/// A Triton tensor element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    /// `BOOL` / `TYPE_BOOL` (1 byte).
    Bool,
    /// `UINT8` / `TYPE_UINT8`.
    Uint8,
    /// `UINT16` / `TYPE_UINT16`.
    Uint16,
    /// `UINT32` / `TYPE_UINT32`.
    Uint32,
    /// `UINT64` / `TYPE_UINT64`.
    Uint64,
    /// `INT8` / `TYPE_INT8`.
    Int8,
    /// `INT16` / `TYPE_INT16`.
    Int16,
    /// `INT32` / `TYPE_INT32`.
    Int32,
    /// `INT64` / `TYPE_INT64`.
    Int64,
    /// `FP16` / `TYPE_FP16`.
    Fp16,
    /// `FP32` / `TYPE_FP32`.
    Fp32,
    /// `FP64` / `TYPE_FP64`.
    Fp64,
    /// `BYTES` / `TYPE_STRING` (variable-size, length-prefixed elements).
    Bytes,
    /// `BF16` / `TYPE_BF16`.
    Bf16,
}

impl DataType {
    /// Every data type, in Triton's enum order.
    pub const ALL: [DataType; 14] = [
        DataType::Bool,
        DataType::Uint8,
        DataType::Uint16,
        DataType::Uint32,
        DataType::Uint64,
        DataType::Int8,
        DataType::Int16,
        DataType::Int32,
        DataType::Int64,
        DataType::Fp16,
        DataType::Fp32,
        DataType::Fp64,
        DataType::Bytes,
        DataType::Bf16,
    ];

    /// Parses a wire / protocol name such as `"FP32"` or `"BYTES"`.
    pub fn from_wire(name: &str) -> Option<DataType> {
        DataType::ALL.into_iter().find(|dt| dt.wire_name() == name)
    }

    /// Parses a model-config name such as `"TYPE_FP32"` or `"TYPE_STRING"`.
    pub fn from_config(name: &str) -> Option<DataType> {
        DataType::ALL
            .into_iter()
            .find(|dt| dt.config_name() == name)
    }

    /// The wire / protocol name (`"FP32"`, `"BYTES"`, ...).
    pub fn wire_name(self) -> &'static str {
        match self {
            DataType::Bool => "BOOL",
            DataType::Uint8 => "UINT8",
            DataType::Uint16 => "UINT16",
            DataType::Uint32 => "UINT32",
            DataType::Uint64 => "UINT64",
            DataType::Int8 => "INT8",
            DataType::Int16 => "INT16",
            DataType::Int32 => "INT32",
            DataType::Int64 => "INT64",
            DataType::Fp16 => "FP16",
            DataType::Fp32 => "FP32",
            DataType::Fp64 => "FP64",
            DataType::Bytes => "BYTES",
            DataType::Bf16 => "BF16",
        }
    }

    /// The model-config name (`"TYPE_FP32"`, `"TYPE_STRING"`, ...).
    pub fn config_name(self) -> &'static str {
        match self {
            DataType::Bool => "TYPE_BOOL",
            DataType::Uint8 => "TYPE_UINT8",
            DataType::Uint16 => "TYPE_UINT16",
            DataType::Uint32 => "TYPE_UINT32",
            DataType::Uint64 => "TYPE_UINT64",
            DataType::Int8 => "TYPE_INT8",
            DataType::Int16 => "TYPE_INT16",
            DataType::Int32 => "TYPE_INT32",
            DataType::Int64 => "TYPE_INT64",
            DataType::Fp16 => "TYPE_FP16",
            DataType::Fp32 => "TYPE_FP32",
            DataType::Fp64 => "TYPE_FP64",
            DataType::Bytes => "TYPE_STRING",
            DataType::Bf16 => "TYPE_BF16",
        }
    }

    /// Size of one element in bytes; `None` for variable-size `BYTES`.
    pub fn byte_size(self) -> Option<usize> {
        match self {
            DataType::Bool | DataType::Uint8 | DataType::Int8 => Some(1),
            DataType::Uint16 | DataType::Int16 | DataType::Fp16 | DataType::Bf16 => Some(2),
            DataType::Uint32 | DataType::Int32 | DataType::Fp32 => Some(4),
            DataType::Uint64 | DataType::Int64 | DataType::Fp64 => Some(8),
            DataType::Bytes => None,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire_name())
    }
}

impl FromStr for DataType {
    type Err = ModelError;

    /// Accepts either a wire name (`"FP32"`) or a config name (`"TYPE_FP32"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DataType::from_wire(s)
            .or_else(|| DataType::from_config(s))
            .ok_or_else(|| ModelError::UnknownDataType(s.to_string()))
    }
}

impl Serialize for DataType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.wire_name())
    }
}

impl<'de> Deserialize<'de> for DataType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------
// Metadata documents
// ---------------------------------------------------------------------------

/// Shape / type description of one model input or output, as reported by
/// `TRITONSERVER_ServerModelMetadata`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TensorMetadata {
    /// Tensor name.
    pub name: String,
    /// Wire data type name, e.g. `"FP32"`.
    pub datatype: String,
    /// Shape including the batch dimension when batching; `-1` = variable.
    #[serde(deserialize_with = "flex::int_vec")]
    pub shape: Vec<i64>,
}

impl TensorMetadata {
    /// The parsed data type, if the name is known.
    pub fn data_type(&self) -> Option<DataType> {
        DataType::from_wire(&self.datatype)
    }
}

/// Model metadata (`TRITONSERVER_ServerModelMetadata`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelMetadata {
    /// Model name.
    pub name: String,
    /// Available versions (as strings, e.g. `["1"]`).
    #[serde(deserialize_with = "flex::string_vec")]
    pub versions: Vec<String>,
    /// Platform or backend name (e.g. `"python"`, `"tensorrt_plan"`).
    pub platform: String,
    /// Model inputs.
    pub inputs: Vec<TensorMetadata>,
    /// Model outputs.
    pub outputs: Vec<TensorMetadata>,
}

impl ModelMetadata {
    /// Parses the JSON returned by `TRITONSERVER_ServerModelMetadata`.
    pub fn from_json(json: &str) -> Result<ModelMetadata, ModelError> {
        parse_json("model metadata", json)
    }

    /// The input named `name`.
    pub fn input(&self, name: &str) -> Option<&TensorMetadata> {
        self.inputs.iter().find(|t| t.name == name)
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&TensorMetadata> {
        self.outputs.iter().find(|t| t.name == name)
    }
}

/// Server metadata (`TRITONSERVER_ServerMetadata`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ServerMetadata {
    /// Server id, usually `"triton"`.
    pub name: String,
    /// Server version, e.g. `"2.51.0"`.
    pub version: String,
    /// Supported protocol extensions.
    pub extensions: Vec<String>,
}

impl ServerMetadata {
    /// Parses the JSON returned by `TRITONSERVER_ServerMetadata`.
    pub fn from_json(json: &str) -> Result<ServerMetadata, ModelError> {
        parse_json("server metadata", json)
    }

    /// Whether `extension` is listed in [`ServerMetadata::extensions`].
    pub fn has_extension(&self, extension: &str) -> bool {
        self.extensions.iter().any(|e| e == extension)
    }
}

/// One entry of the model repository index (`TRITONSERVER_ServerModelIndex`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelIndexEntry {
    /// Model name.
    pub name: String,
    /// Model version, absent for models that were never loaded.
    #[serde(
        deserialize_with = "flex::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<String>,
    /// Readiness state (`"READY"`, `"UNAVAILABLE"`, `"LOADING"`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Reason for the state (typically set when unavailable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ModelIndexEntry {
    /// Parses the JSON array returned by `TRITONSERVER_ServerModelIndex`.
    pub fn list_from_json(json: &str) -> Result<Vec<ModelIndexEntry>, ModelError> {
        parse_json("model index", json)
    }

    /// Whether the state is `"READY"`.
    pub fn is_ready(&self) -> bool {
        self.state.as_deref() == Some("READY")
    }
}

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

/// A cumulative count plus cumulative duration in nanoseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct StatDuration {
    /// Number of events.
    #[serde(deserialize_with = "flex::int")]
    pub count: u64,
    /// Total duration of those events in nanoseconds.
    #[serde(deserialize_with = "flex::int")]
    pub ns: u64,
}

impl StatDuration {
    /// Average duration per event in nanoseconds; `None` when `count == 0`.
    pub fn avg_ns(&self) -> Option<f64> {
        if self.count == 0 {
            None
        } else {
            Some(self.ns as f64 / self.count as f64)
        }
    }

    /// Average duration per event in microseconds; `None` when `count == 0`.
    pub fn avg_us(&self) -> Option<f64> {
        self.avg_ns().map(|ns| ns / 1_000.0)
    }

    /// Field-wise saturating subtraction (`self - earlier`).
    pub fn saturating_sub(&self, earlier: &StatDuration) -> StatDuration {
        StatDuration {
            count: self.count.saturating_sub(earlier.count),
            ns: self.ns.saturating_sub(earlier.ns),
        }
    }
}

/// Aggregate per-request statistics of a model (`inference_stats`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct InferenceStats {
    /// Successful requests; `ns` is total request duration.
    pub success: StatDuration,
    /// Failed requests.
    pub fail: StatDuration,
    /// Time spent queued.
    pub queue: StatDuration,
    /// Time spent preparing inputs.
    pub compute_input: StatDuration,
    /// Time spent executing the model.
    pub compute_infer: StatDuration,
    /// Time spent extracting outputs.
    pub compute_output: StatDuration,
    /// Response-cache hits.
    pub cache_hit: StatDuration,
    /// Response-cache misses.
    pub cache_miss: StatDuration,
}

impl InferenceStats {
    /// Average queue time per request in microseconds.
    pub fn avg_queue_us(&self) -> Option<f64> {
        self.queue.avg_us()
    }

    /// Average input-preparation time in microseconds.
    pub fn avg_compute_input_us(&self) -> Option<f64> {
        self.compute_input.avg_us()
    }

    /// Average model-execution time in microseconds.
    pub fn avg_compute_infer_us(&self) -> Option<f64> {
        self.compute_infer.avg_us()
    }

    /// Average output-extraction time in microseconds.
    pub fn avg_compute_output_us(&self) -> Option<f64> {
        self.compute_output.avg_us()
    }

    /// Average end-to-end server-side request time in microseconds
    /// (`success.ns / success.count`).
    pub fn avg_request_us(&self) -> Option<f64> {
        self.success.avg_us()
    }

    /// Field-wise saturating subtraction (`self - earlier`).
    pub fn delta(&self, earlier: &InferenceStats) -> InferenceStats {
        InferenceStats {
            success: self.success.saturating_sub(&earlier.success),
            fail: self.fail.saturating_sub(&earlier.fail),
            queue: self.queue.saturating_sub(&earlier.queue),
            compute_input: self.compute_input.saturating_sub(&earlier.compute_input),
            compute_infer: self.compute_infer.saturating_sub(&earlier.compute_infer),
            compute_output: self.compute_output.saturating_sub(&earlier.compute_output),
            cache_hit: self.cache_hit.saturating_sub(&earlier.cache_hit),
            cache_miss: self.cache_miss.saturating_sub(&earlier.cache_miss),
        }
    }
}

/// Per-response-index statistics (decoupled models), an entry of
/// `response_stats`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ResponseStats {
    /// Model execution time up to this response.
    pub compute_infer: StatDuration,
    /// Output extraction time for this response.
    pub compute_output: StatDuration,
    /// Successful responses.
    pub success: StatDuration,
    /// Failed responses.
    pub fail: StatDuration,
    /// Empty final responses.
    pub empty_response: StatDuration,
    /// Cancelled responses.
    pub cancel: StatDuration,
}

impl ResponseStats {
    /// Field-wise saturating subtraction (`self - earlier`).
    pub fn delta(&self, earlier: &ResponseStats) -> ResponseStats {
        ResponseStats {
            compute_infer: self.compute_infer.saturating_sub(&earlier.compute_infer),
            compute_output: self.compute_output.saturating_sub(&earlier.compute_output),
            success: self.success.saturating_sub(&earlier.success),
            fail: self.fail.saturating_sub(&earlier.fail),
            empty_response: self.empty_response.saturating_sub(&earlier.empty_response),
            cancel: self.cancel.saturating_sub(&earlier.cancel),
        }
    }
}

/// Per-batch-size execution statistics, an entry of `batch_stats`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct BatchStats {
    /// The batch size these executions ran with.
    #[serde(deserialize_with = "flex::int")]
    pub batch_size: u64,
    /// Input preparation (count = executions at this batch size).
    pub compute_input: StatDuration,
    /// Model execution.
    pub compute_infer: StatDuration,
    /// Output extraction.
    pub compute_output: StatDuration,
}

impl BatchStats {
    /// Field-wise saturating subtraction of the counters (`self - earlier`);
    /// `batch_size` is kept.
    pub fn delta(&self, earlier: &BatchStats) -> BatchStats {
        BatchStats {
            batch_size: self.batch_size,
            compute_input: self.compute_input.saturating_sub(&earlier.compute_input),
            compute_infer: self.compute_infer.saturating_sub(&earlier.compute_infer),
            compute_output: self.compute_output.saturating_sub(&earlier.compute_output),
        }
    }
}

/// Memory allocated by a model, an entry of `memory_usage`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct MemoryUsage {
    /// Memory type (`"CPU"`, `"CPU_PINNED"`, `"GPU"`).
    #[serde(rename = "type")]
    pub memory_type: String,
    /// Memory type id (device id for GPU memory).
    #[serde(deserialize_with = "flex::int")]
    pub id: i64,
    /// Bytes allocated.
    #[serde(deserialize_with = "flex::int")]
    pub byte_size: u64,
}

/// Statistics of one model version, an entry of `model_stats`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelStats {
    /// Model name.
    pub name: String,
    /// Model version.
    #[serde(deserialize_with = "flex::string")]
    pub version: String,
    /// Timestamp of the last inference, in milliseconds since the epoch.
    #[serde(deserialize_with = "flex::int")]
    pub last_inference: u64,
    /// Number of inferences (each batch element counts once).
    #[serde(deserialize_with = "flex::int")]
    pub inference_count: u64,
    /// Number of model executions (batches).
    #[serde(deserialize_with = "flex::int")]
    pub execution_count: u64,
    /// Aggregate request statistics.
    pub inference_stats: InferenceStats,
    /// Per-response-index statistics, keyed by response index (`"0"`, ...).
    pub response_stats: BTreeMap<String, ResponseStats>,
    /// Per-batch-size statistics.
    pub batch_stats: Vec<BatchStats>,
    /// Memory usage (a gauge, not a counter).
    pub memory_usage: Vec<MemoryUsage>,
}

impl ModelStats {
    /// Statistics accumulated between `earlier` and `self`: every counter is
    /// subtracted with saturation. Batch stats are matched by `batch_size`
    /// and response stats by key; entries absent from `earlier` are kept as
    /// is. `name`, `version`, `last_inference` and `memory_usage` are taken
    /// from `self`.
    pub fn delta(&self, earlier: &ModelStats) -> ModelStats {
        let batch_stats = self
            .batch_stats
            .iter()
            .map(|b| {
                match earlier
                    .batch_stats
                    .iter()
                    .find(|e| e.batch_size == b.batch_size)
                {
                    Some(e) => b.delta(e),
                    None => *b,
                }
            })
            .collect();
        let response_stats = self
            .response_stats
            .iter()
            .map(|(k, r)| {
                let d = match earlier.response_stats.get(k) {
                    Some(e) => r.delta(e),
                    None => *r,
                };
                (k.clone(), d)
            })
            .collect();
        ModelStats {
            name: self.name.clone(),
            version: self.version.clone(),
            last_inference: self.last_inference,
            inference_count: self.inference_count.saturating_sub(earlier.inference_count),
            execution_count: self.execution_count.saturating_sub(earlier.execution_count),
            inference_stats: self.inference_stats.delta(&earlier.inference_stats),
            response_stats,
            batch_stats,
            memory_usage: self.memory_usage.clone(),
        }
    }

    /// Average number of inferences per model execution
    /// (`inference_count / execution_count`); `None` with no executions.
    pub fn avg_batch_size(&self) -> Option<f64> {
        if self.execution_count == 0 {
            None
        } else {
            Some(self.inference_count as f64 / self.execution_count as f64)
        }
    }

    /// The per-batch-size entry for `batch_size`.
    pub fn batch(&self, batch_size: u64) -> Option<&BatchStats> {
        self.batch_stats.iter().find(|b| b.batch_size == batch_size)
    }
}

/// The document returned by `TRITONSERVER_ServerModelStatistics`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelStatistics {
    /// One entry per (model, version).
    pub model_stats: Vec<ModelStats>,
}

impl ModelStatistics {
    /// Parses the JSON returned by `TRITONSERVER_ServerModelStatistics`.
    pub fn from_json(json: &str) -> Result<ModelStatistics, ModelError> {
        parse_json("model statistics", json)
    }

    /// Statistics of model `name`, optionally restricted to `version`
    /// (first match when `version` is `None`).
    pub fn get(&self, name: &str, version: Option<&str>) -> Option<&ModelStats> {
        self.model_stats
            .iter()
            .find(|s| s.name == name && version.is_none_or(|v| s.version == v))
    }

    /// Per-model [`ModelStats::delta`], matching entries by name and version;
    /// entries absent from `earlier` are kept as is.
    pub fn delta(&self, earlier: &ModelStatistics) -> ModelStatistics {
        ModelStatistics {
            model_stats: self
                .model_stats
                .iter()
                .map(|s| match earlier.get(&s.name, Some(&s.version)) {
                    Some(e) => s.delta(e),
                    None => s.clone(),
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------
// Model configuration
// ---------------------------------------------------------------------------

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
    #[serde(deserialize_with = "flex::int_vec")]
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
    #[serde(deserialize_with = "flex::int_vec")]
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
    #[serde(deserialize_with = "flex::int")]
    pub count: u32,
    /// GPU device ids (for `KIND_GPU`).
    #[serde(deserialize_with = "flex::int_vec")]
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
    #[serde(alias = "preferredBatchSize", deserialize_with = "flex::int_vec")]
    pub preferred_batch_size: Vec<i32>,
    /// Maximum time a request may wait for a batch to form, in microseconds.
    #[serde(alias = "maxQueueDelayMicroseconds", deserialize_with = "flex::int")]
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
    #[serde(alias = "maxBatchSize", deserialize_with = "flex::int")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn model_metadata_parses() {
        let json = r#"{"name":"add_sub","versions":["1"],"platform":"python",
            "inputs":[{"name":"INPUT0","datatype":"FP32","shape":[-1,16]},
                      {"name":"INPUT1","datatype":"FP32","shape":["-1","16"]}],
            "outputs":[{"name":"OUTPUT0","datatype":"FP32","shape":[-1,16]},
                       {"name":"OUTPUT1","datatype":"BYTES","shape":[1]}],
            "unknown_field":{"x":1}}"#;
        let m = ModelMetadata::from_json(json).expect("parse");
        assert_eq!(m.name, "add_sub");
        assert_eq!(m.versions, vec!["1".to_string()]);
        assert_eq!(m.platform, "python");
        assert_eq!(m.inputs.len(), 2);
        assert_eq!(m.inputs[0].shape, vec![-1, 16]);
        assert_eq!(m.inputs[1].shape, vec![-1, 16]);
        assert_eq!(
            m.input("INPUT1").and_then(|t| t.data_type()),
            Some(DataType::Fp32)
        );
        assert_eq!(
            m.output("OUTPUT1").and_then(|t| t.data_type()),
            Some(DataType::Bytes)
        );
        assert!(m.output("nope").is_none());
    }

    #[test]
    fn model_metadata_missing_fields_and_numeric_versions() {
        let m = ModelMetadata::from_json(r#"{"name":"x","versions":[1,2]}"#).expect("parse");
        assert_eq!(m.versions, vec!["1", "2"]);
        assert!(m.inputs.is_empty());
        assert_eq!(m.platform, "");
        assert!(ModelMetadata::from_json("not json").is_err());
        let err =
            ModelMetadata::from_json(r#"{"inputs":[{"shape":["abc"]}]}"#).expect_err("bad shape");
        assert!(err.to_string().contains("model metadata"), "{err}");
    }

    #[test]
    fn server_metadata_parses() {
        let json = r#"{"name":"triton","version":"2.51.0","extensions":["classification","sequence","model_repository","model_repository(unload_dependents)","schedule_policy","model_configuration","system_shared_memory","cuda_shared_memory","binary_tensor_data","parameters","statistics","trace","logging"]}"#;
        let s = ServerMetadata::from_json(json).expect("parse");
        assert_eq!(s.name, "triton");
        assert_eq!(s.version, "2.51.0");
        assert_eq!(s.extensions.len(), 13);
        assert!(s.has_extension("statistics"));
        assert!(!s.has_extension("nope"));
    }

    #[test]
    fn model_index_parses() {
        let json = r#"[{"name":"add_sub","version":"1","state":"READY"},
                       {"name":"broken","version":"2","state":"UNAVAILABLE","reason":"load failed"},
                       {"name":"never_loaded"},
                       {"name":"numeric","version":3,"state":"READY","reason":""}]"#;
        let idx = ModelIndexEntry::list_from_json(json).expect("parse");
        assert_eq!(idx.len(), 4);
        assert!(idx[0].is_ready());
        assert_eq!(idx[0].reason, None);
        assert!(!idx[1].is_ready());
        assert_eq!(idx[1].reason.as_deref(), Some("load failed"));
        assert_eq!(idx[2].version, None);
        assert_eq!(idx[2].state, None);
        assert!(!idx[2].is_ready());
        assert_eq!(idx[3].version.as_deref(), Some("3"));
        assert_eq!(idx[3].reason.as_deref(), Some(""));
        let back = serde_json::to_value(&idx[2]).expect("ser");
        assert_eq!(back, json!({"name":"never_loaded"}));
    }

    const STATS_LATER: &str = r#"{"model_stats":[{"name":"add_sub","version":"1",
        "last_inference":1732812345678,"inference_count":10,"execution_count":5,
        "inference_stats":{
            "success":{"count":10,"ns":12345000},
            "fail":{"count":1,"ns":500},
            "queue":{"count":10,"ns":200000},
            "compute_input":{"count":10,"ns":300000},
            "compute_infer":{"count":10,"ns":5000000},
            "compute_output":{"count":10,"ns":100000},
            "cache_hit":{"count":0,"ns":0},
            "cache_miss":{"count":0,"ns":0}},
        "response_stats":{"0":{"compute_infer":{"count":4,"ns":400},"compute_output":{"count":4,"ns":40},
            "success":{"count":4,"ns":4000},"fail":{"count":0,"ns":0},
            "empty_response":{"count":1,"ns":10},"cancel":{"count":0,"ns":0}}},
        "batch_stats":[
            {"batch_size":1,"compute_input":{"count":3,"ns":100},"compute_infer":{"count":3,"ns":3000},"compute_output":{"count":3,"ns":30}},
            {"batch_size":4,"compute_input":{"count":2,"ns":80},"compute_infer":{"count":2,"ns":2000},"compute_output":{"count":2,"ns":20}}],
        "memory_usage":[{"type":"GPU","id":0,"byte_size":1048576}]}]}"#;

    // Same model, earlier snapshot, with every integer encoded as a string.
    const STATS_EARLIER: &str = r#"{"model_stats":[{"name":"add_sub","version":"1",
        "last_inference":"1732812300000","inference_count":"4","execution_count":"3",
        "inference_stats":{
            "success":{"count":"4","ns":"4000000"},
            "fail":{"count":"1","ns":"500"},
            "queue":{"count":"4","ns":"80000"},
            "compute_input":{"count":"4","ns":"100000"},
            "compute_infer":{"count":"4","ns":"2000000"},
            "compute_output":{"count":"4","ns":"40000"},
            "cache_hit":{"count":"0","ns":"0"},
            "cache_miss":{"count":"0","ns":"0"}},
        "response_stats":{},
        "batch_stats":[
            {"batch_size":"1","compute_input":{"count":"2","ns":"60"},"compute_infer":{"count":"2","ns":"2000"},"compute_output":{"count":"2","ns":"20"}}],
        "memory_usage":[{"type":"GPU","id":"0","byte_size":"524288"}]}]}"#;

    #[test]
    fn statistics_parse_numbers_and_strings() {
        let later = ModelStatistics::from_json(STATS_LATER).expect("later");
        let earlier = ModelStatistics::from_json(STATS_EARLIER).expect("earlier");
        let l = later.get("add_sub", Some("1")).expect("add_sub");
        assert_eq!(l.last_inference, 1_732_812_345_678);
        assert_eq!(l.inference_count, 10);
        assert_eq!(l.execution_count, 5);
        assert_eq!(
            l.inference_stats.success,
            StatDuration {
                count: 10,
                ns: 12_345_000
            }
        );
        assert_eq!(l.batch_stats.len(), 2);
        assert_eq!(l.batch(4).map(|b| b.compute_infer.ns), Some(2000));
        assert_eq!(l.response_stats["0"].empty_response.count, 1);
        assert_eq!(l.memory_usage[0].memory_type, "GPU");
        assert_eq!(l.memory_usage[0].byte_size, 1_048_576);
        assert_eq!(l.avg_batch_size(), Some(2.0));

        let e = earlier.get("add_sub", None).expect("add_sub");
        assert_eq!(e.last_inference, 1_732_812_300_000);
        assert_eq!(e.inference_stats.queue.ns, 80_000);
        assert_eq!(e.batch_stats[0].batch_size, 1);
        assert_eq!(e.memory_usage[0].id, 0);
        assert!(later.get("add_sub", Some("2")).is_none());
        assert!(later.get("other", None).is_none());
    }

    #[test]
    fn statistics_large_u64_and_missing_fields() {
        let json = r#"{"model_stats":[{"name":"m","version":"1",
            "inference_stats":{"success":{"count":"18446744073709551615","ns":18446744073709551615}}}]}"#;
        let s = ModelStatistics::from_json(json).expect("parse");
        let m = &s.model_stats[0];
        assert_eq!(m.inference_stats.success.count, u64::MAX);
        assert_eq!(m.inference_stats.success.ns, u64::MAX);
        assert_eq!(m.inference_stats.queue, StatDuration::default());
        assert!(m.batch_stats.is_empty());
        assert!(ModelStatistics::from_json(r#"{"model_stats":[{"inference_count":-1}]}"#).is_err());
        assert!(
            ModelStatistics::from_json(r#"{"model_stats":[{"inference_count":"x"}]}"#).is_err()
        );
        assert_eq!(
            ModelStatistics::from_json("{}")
                .expect("empty")
                .model_stats
                .len(),
            0
        );
    }

    #[test]
    fn stat_duration_averages() {
        assert_eq!(StatDuration { count: 0, ns: 100 }.avg_ns(), None);
        assert_eq!(StatDuration { count: 4, ns: 100 }.avg_ns(), Some(25.0));
        assert_eq!(StatDuration { count: 2, ns: 3000 }.avg_us(), Some(1.5));
        let later = ModelStatistics::from_json(STATS_LATER).expect("later");
        let st = &later.model_stats[0].inference_stats;
        assert_eq!(st.avg_request_us(), Some(1234.5));
        assert_eq!(st.avg_queue_us(), Some(20.0));
        assert_eq!(st.avg_compute_input_us(), Some(30.0));
        assert_eq!(st.avg_compute_infer_us(), Some(500.0));
        assert_eq!(st.avg_compute_output_us(), Some(10.0));
        assert_eq!(InferenceStats::default().avg_request_us(), None);
    }

    #[test]
    fn delta_computation() {
        let later = ModelStatistics::from_json(STATS_LATER).expect("later");
        let earlier = ModelStatistics::from_json(STATS_EARLIER).expect("earlier");
        let d = later.model_stats[0].delta(&earlier.model_stats[0]);
        assert_eq!(d.name, "add_sub");
        assert_eq!(d.version, "1");
        assert_eq!(d.last_inference, 1_732_812_345_678);
        assert_eq!(d.inference_count, 6);
        assert_eq!(d.execution_count, 2);
        let s = &d.inference_stats;
        assert_eq!(
            s.success,
            StatDuration {
                count: 6,
                ns: 8_345_000
            }
        );
        assert_eq!(s.fail, StatDuration { count: 0, ns: 0 });
        assert_eq!(
            s.queue,
            StatDuration {
                count: 6,
                ns: 120_000
            }
        );
        assert_eq!(
            s.compute_input,
            StatDuration {
                count: 6,
                ns: 200_000
            }
        );
        assert_eq!(
            s.compute_infer,
            StatDuration {
                count: 6,
                ns: 3_000_000
            }
        );
        assert_eq!(
            s.compute_output,
            StatDuration {
                count: 6,
                ns: 60_000
            }
        );
        assert_eq!(s.avg_queue_us(), Some(20.0));
        assert_eq!(s.avg_compute_infer_us(), Some(500.0));
        assert_eq!(s.avg_request_us(), Some(8_345_000.0 / 6.0 / 1000.0));
        // Batch size 1 matched and subtracted, batch size 4 new → kept.
        assert_eq!(d.batch_stats.len(), 2);
        let b1 = d.batch(1).expect("bs1");
        assert_eq!(b1.compute_input, StatDuration { count: 1, ns: 40 });
        assert_eq!(b1.compute_infer, StatDuration { count: 1, ns: 1000 });
        assert_eq!(b1.compute_output, StatDuration { count: 1, ns: 10 });
        assert_eq!(d.batch(4), later.model_stats[0].batch(4));
        // Response stats absent earlier → kept.
        assert_eq!(
            d.response_stats["0"],
            later.model_stats[0].response_stats["0"]
        );
        // Memory usage is a gauge → taken from the later snapshot.
        assert_eq!(d.memory_usage[0].byte_size, 1_048_576);

        // Delta against itself is all-zero counters.
        let zero = later.model_stats[0].delta(&later.model_stats[0]);
        assert_eq!(zero.inference_count, 0);
        assert_eq!(zero.inference_stats, InferenceStats::default());
        assert!(zero
            .batch_stats
            .iter()
            .all(|b| b.compute_infer == StatDuration::default()));
        assert_eq!(zero.response_stats["0"], ResponseStats::default());

        // Reversed order saturates at zero instead of wrapping.
        let rev = earlier.model_stats[0].delta(&later.model_stats[0]);
        assert_eq!(rev.inference_count, 0);
        assert_eq!(rev.inference_stats.success, StatDuration::default());
        assert_eq!(rev.batch(1).map(|b| b.compute_infer.count), Some(0));

        // Whole-document delta matches by name/version.
        let dd = later.delta(&earlier);
        assert_eq!(dd.model_stats[0], d);
    }

    const CONFIG: &str = r#"{
        "name":"add_sub","platform":"","backend":"python","version_policy":{"latest":{"num_versions":1}},
        "max_batch_size":8,
        "input":[{"name":"INPUT0","data_type":"TYPE_FP32","format":"FORMAT_NONE","dims":["16"],"is_shape_tensor":false,"allow_ragged_batch":false,"optional":false},
                 {"name":"INPUT1","data_type":"TYPE_FP32","format":"FORMAT_NONE","dims":[16],"reshape":{"shape":["4","4"]},"is_shape_tensor":false,"allow_ragged_batch":false,"optional":false}],
        "output":[{"name":"OUTPUT0","data_type":"TYPE_FP32","dims":["16"],"label_filename":"","is_shape_tensor":false},
                  {"name":"OUTPUT1","data_type":"TYPE_STRING","dims":["-1"],"label_filename":"","is_shape_tensor":false}],
        "batch_input":[],"batch_output":[],
        "optimization":{"priority":"PRIORITY_DEFAULT","input_pinned_memory":{"enable":true},"output_pinned_memory":{"enable":true},"gather_kernel_buffer_threshold":0,"eager_batching":false},
        "dynamic_batching":{"preferred_batch_size":[4,"8"],"max_queue_delay_microseconds":"100","preserve_ordering":false,"priority_levels":"0","default_priority_level":"0","priority_queue_policy":{}},
        "instance_group":[{"name":"add_sub_0","kind":"KIND_GPU","count":2,"gpus":[0,1],"secondary_devices":[],"profile":[],"passive":false,"host_policy":""},
                          {"name":"add_sub_1","kind":"KIND_CPU","count":0,"gpus":[],"secondary_devices":[],"profile":[],"passive":false,"host_policy":""}],
        "default_model_filename":"model.py","cc_model_filenames":{},"metric_tags":{},
        "parameters":{"EXECUTION_ENV_PATH":{"string_value":"$$TRITON_MODEL_DIRECTORY/env.tar.gz"}},
        "model_warmup":[],
        "model_transaction_policy":{"decoupled":false}
    }"#;

    #[test]
    fn config_parses_typed_fields() {
        let c = ModelConfig::from_json(CONFIG).expect("parse");
        assert_eq!(c.name, "add_sub");
        assert_eq!(c.platform, "");
        assert_eq!(c.backend, "python");
        assert_eq!(c.max_batch_size, 8);
        assert_eq!(c.input.len(), 2);
        assert_eq!(c.input[0].dims, vec![16]);
        assert_eq!(c.input[1].dims, vec![16]);
        assert_eq!(
            c.input("INPUT0").and_then(|i| i.data_type()),
            Some(DataType::Fp32)
        );
        assert_eq!(c.input[0].extra.get("format"), Some(&json!("FORMAT_NONE")));
        assert_eq!(
            c.input[1].extra.get("reshape"),
            Some(&json!({"shape":["4","4"]}))
        );
        assert_eq!(
            c.output("OUTPUT1").and_then(|o| o.data_type()),
            Some(DataType::Bytes)
        );
        assert_eq!(c.output[1].dims, vec![-1]);
        let db = c.dynamic_batching.as_ref().expect("dynamic batching");
        assert_eq!(db.preferred_batch_size, vec![4, 8]);
        assert_eq!(db.max_queue_delay_microseconds, 100);
        assert_eq!(db.extra.get("priority_levels"), Some(&json!("0")));
        assert_eq!(c.instance_group[0].kind, InstanceKind::Gpu);
        assert_eq!(c.instance_group[0].gpus, vec![0, 1]);
        assert_eq!(c.instance_group[1].kind, InstanceKind::Cpu);
        assert_eq!(
            c.parameter("EXECUTION_ENV_PATH"),
            Some("$$TRITON_MODEL_DIRECTORY/env.tar.gz")
        );
        assert_eq!(c.parameter("nope"), None);
        assert!(c.extra.contains_key("version_policy"));
        assert!(c.extra.contains_key("optimization"));
        assert!(c.extra.contains_key("model_transaction_policy"));
        assert!(!c.extra.contains_key("input"));
        assert!(!c.extra.contains_key("max_batch_size"));
        // 2 instances on each of 2 GPUs + 1 CPU instance (count 0 → 1).
        assert_eq!(c.instance_count(), 5);
    }

    #[test]
    fn config_round_trip_keeps_extra() {
        let c = ModelConfig::from_json(CONFIG).expect("parse");
        let out = c.to_json();
        let c2 = ModelConfig::from_json(&out).expect("reparse");
        assert_eq!(c, c2);

        let v: Value = serde_json::from_str(&out).expect("json");
        let orig: Value = serde_json::from_str(CONFIG).expect("json");
        // Typed integers written as numbers.
        assert_eq!(v["max_batch_size"], json!(8));
        assert_eq!(v["input"][0]["dims"], json!([16]));
        assert_eq!(
            v["dynamic_batching"]["max_queue_delay_microseconds"],
            json!(100)
        );
        assert_eq!(v["dynamic_batching"]["preferred_batch_size"], json!([4, 8]));
        assert_eq!(v["instance_group"][0]["kind"], json!("KIND_GPU"));
        // Untyped fields preserved verbatim, at every level.
        for key in [
            "version_policy",
            "optimization",
            "batch_input",
            "batch_output",
            "default_model_filename",
            "cc_model_filenames",
            "metric_tags",
            "model_warmup",
            "model_transaction_policy",
        ] {
            assert_eq!(v[key], orig[key], "top-level {key}");
        }
        assert_eq!(v["input"][1]["reshape"], orig["input"][1]["reshape"]);
        assert_eq!(v["input"][0]["format"], json!("FORMAT_NONE"));
        assert_eq!(v["output"][0]["label_filename"], json!(""));
        assert_eq!(v["instance_group"][0]["host_policy"], json!(""));
        assert_eq!(v["dynamic_batching"]["priority_levels"], json!("0"));
        assert_eq!(v["dynamic_batching"]["priority_queue_policy"], json!({}));
        assert_eq!(v["parameters"], orig["parameters"]);
        // Same set of keys at top level.
        let ok: Vec<_> = orig.as_object().expect("obj").keys().collect();
        let nk: Vec<_> = v.as_object().expect("obj").keys().collect();
        let mut ok_sorted = ok.clone();
        ok_sorted.sort();
        let mut nk_sorted = nk.clone();
        nk_sorted.sort();
        assert_eq!(ok_sorted, nk_sorted);
        // Pretty output parses to the same config.
        assert_eq!(
            ModelConfig::from_json(&c.to_json_pretty()).expect("pretty"),
            c
        );
    }

    #[test]
    fn config_minimal_and_missing_dynamic_batching() {
        let c = ModelConfig::from_json(
            r#"{"name":"m","max_batch_size":"0","instance_group":[{"kind":2}]}"#,
        )
        .expect("parse");
        assert_eq!(c.max_batch_size, 0);
        assert!(c.dynamic_batching.is_none());
        assert_eq!(c.instance_group[0].kind, InstanceKind::Cpu);
        assert_eq!(c.instance_group[0].count, 0);
        assert_eq!(c.instance_count(), 1);
        let v: Value = serde_json::from_str(&c.to_json()).expect("json");
        assert!(v.get("dynamic_batching").is_none());
        assert_eq!(ModelConfig::from_json(&c.to_json()).expect("reparse"), c);

        let empty = ModelConfig::from_json("{}").expect("empty");
        assert_eq!(empty.instance_count(), 1);
        assert!(ModelConfig::from_json(r#"{"instance_group":[{"kind":"KIND_TPU"}]}"#).is_err());
        assert!(ModelConfig::from_json(r#"{"max_batch_size":-1}"#).is_err());
    }

    #[test]
    fn config_accepts_camel_case() {
        let c = ModelConfig::from_json(
            r#"{"name":"m","maxBatchSize":"4","input":[{"name":"I","dataType":"TYPE_INT64","dims":["-1"]}],
                "instanceGroup":[{"kind":"KIND_GPU","count":"3"}],
                "dynamicBatching":{"maxQueueDelayMicroseconds":"50","preferredBatchSize":["2"]},
                "parameters":{"k":{"stringValue":"v"}}}"#,
        )
        .expect("parse");
        assert_eq!(c.max_batch_size, 4);
        assert_eq!(c.input[0].data_type(), Some(DataType::Int64));
        assert_eq!(c.input[0].dims, vec![-1]);
        assert_eq!(c.instance_count(), 3);
        let db = c.dynamic_batching.as_ref().expect("db");
        assert_eq!(db.max_queue_delay_microseconds, 50);
        assert_eq!(db.preferred_batch_size, vec![2]);
        assert_eq!(c.parameter("k"), Some("v"));
        assert!(c.extra.is_empty());
    }

    #[test]
    fn set_instance_count_replaces_groups() {
        let mut c = ModelConfig::from_json(CONFIG).expect("parse");
        c.set_instance_count(InstanceKind::Cpu, 4);
        assert_eq!(c.instance_group.len(), 1);
        assert_eq!(c.instance_group[0].kind, InstanceKind::Cpu);
        assert_eq!(c.instance_group[0].count, 4);
        assert_eq!(c.instance_group[0].name, "add_sub_0");
        assert!(c.instance_group[0].gpus.is_empty());
        assert_eq!(c.instance_count(), 4);
        let v: Value = serde_json::from_str(&c.to_json()).expect("json");
        assert_eq!(
            v["instance_group"],
            json!([{"name":"add_sub_0","kind":"KIND_CPU","count":4,"gpus":[]}])
        );
        c.set_instance_count(InstanceKind::Gpu, 2);
        assert_eq!(c.instance_count(), 2);
        let c2 = ModelConfig::from_json(&c.to_json()).expect("reparse");
        assert_eq!(c2.instance_group[0].kind, InstanceKind::Gpu);
        assert_eq!(c2, c);
    }

    #[test]
    fn set_batching() {
        let mut c = ModelConfig::from_json(CONFIG).expect("parse");
        c.set_max_batch_size(32);
        c.set_dynamic_batching(None);
        let v: Value = serde_json::from_str(&c.to_json()).expect("json");
        assert_eq!(v["max_batch_size"], json!(32));
        assert!(v.get("dynamic_batching").is_none());
        c.set_dynamic_batching(Some(DynamicBatching {
            preferred_batch_size: vec![16, 32],
            max_queue_delay_microseconds: 500,
            ..DynamicBatching::default()
        }));
        let v: Value = serde_json::from_str(&c.to_json()).expect("json");
        assert_eq!(
            v["dynamic_batching"],
            json!({"preferred_batch_size":[16,32],"max_queue_delay_microseconds":500})
        );
        assert_eq!(ModelConfig::from_json(&c.to_json()).expect("reparse"), c);
    }

    #[test]
    fn instance_kind_names() {
        for k in [
            InstanceKind::Auto,
            InstanceKind::Cpu,
            InstanceKind::Gpu,
            InstanceKind::Model,
        ] {
            assert_eq!(InstanceKind::from_name(k.as_str()), Some(k));
            let s = serde_json::to_string(&k).expect("ser");
            assert_eq!(s, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<InstanceKind>(&s).expect("de"), k);
        }
        assert_eq!(InstanceKind::Model.to_string(), "KIND_MODEL");
        assert_eq!(InstanceKind::from_name("GPU"), Some(InstanceKind::Gpu));
        assert_eq!(InstanceKind::from_name("KIND_X"), None);
        assert_eq!(InstanceKind::from_proto_number(1), Some(InstanceKind::Gpu));
        assert_eq!(InstanceKind::from_proto_number(9), None);
        assert_eq!(InstanceKind::default(), InstanceKind::Auto);
    }

    #[test]
    fn datatype_mapping() {
        let table: [(&str, &str, Option<usize>); 14] = [
            ("BOOL", "TYPE_BOOL", Some(1)),
            ("UINT8", "TYPE_UINT8", Some(1)),
            ("UINT16", "TYPE_UINT16", Some(2)),
            ("UINT32", "TYPE_UINT32", Some(4)),
            ("UINT64", "TYPE_UINT64", Some(8)),
            ("INT8", "TYPE_INT8", Some(1)),
            ("INT16", "TYPE_INT16", Some(2)),
            ("INT32", "TYPE_INT32", Some(4)),
            ("INT64", "TYPE_INT64", Some(8)),
            ("FP16", "TYPE_FP16", Some(2)),
            ("FP32", "TYPE_FP32", Some(4)),
            ("FP64", "TYPE_FP64", Some(8)),
            ("BYTES", "TYPE_STRING", None),
            ("BF16", "TYPE_BF16", Some(2)),
        ];
        for (wire, config, size) in table {
            let dt = DataType::from_wire(wire).expect(wire);
            assert_eq!(DataType::from_config(config), Some(dt), "{config}");
            assert_eq!(dt.wire_name(), wire);
            assert_eq!(dt.config_name(), config);
            assert_eq!(dt.byte_size(), size, "{wire}");
            assert_eq!(dt.to_string(), wire);
            assert_eq!(wire.parse::<DataType>().expect("wire"), dt);
            assert_eq!(config.parse::<DataType>().expect("config"), dt);
            let s = serde_json::to_string(&dt).expect("ser");
            assert_eq!(s, format!("\"{wire}\""));
            assert_eq!(serde_json::from_str::<DataType>(&s).expect("de"), dt);
        }
        assert_eq!(DataType::from_wire("TYPE_FP32"), None);
        assert_eq!(DataType::from_config("FP32"), None);
        assert_eq!(DataType::from_wire("STRING"), None);
        assert_eq!(DataType::from_config("TYPE_INVALID"), None);
        assert_eq!(DataType::from_wire("fp32"), None);
        let err = "FP8".parse::<DataType>().expect_err("unknown");
        assert!(matches!(err, ModelError::UnknownDataType(ref s) if s == "FP8"));
        assert_eq!(DataType::ALL.len(), 14);
    }
}
