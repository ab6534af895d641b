//! [`DataType`]: Triton's tensor element types, with their wire (`"FP32"`) and
//! model-config (`"TYPE_FP32"`) names and element sizes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ModelError;

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

    /// Like [`DataType::from_wire`], also accepting `"STRING"` as an alias of
    /// `"BYTES"` (the name perf_analyzer and older tools use for string
    /// tensors). For names that come from users or files, not from Triton.
    pub fn from_wire_or_alias(name: &str) -> Option<DataType> {
        match name {
            "STRING" => Some(DataType::Bytes),
            _ => DataType::from_wire(name),
        }
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
