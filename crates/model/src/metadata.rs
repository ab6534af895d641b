//! Typed views of `TRITONSERVER_ServerModelMetadata`, `TRITONSERVER_ServerMetadata`
//! and `TRITONSERVER_ServerModelIndex`.

use serde::{Deserialize, Serialize};

use super::error::parse_json;
use super::lenient;
use super::{DataType, ModelError};

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
    #[serde(deserialize_with = "lenient::int_vec")]
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
    #[serde(deserialize_with = "lenient::string_vec")]
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
        deserialize_with = "lenient::opt_string",
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
