//! Typed views of the JSON documents returned by Triton's C API, and the
//! tensor element types and byte layouts shared by everything above.
//!
//! * [`ModelMetadata`] — `TRITONSERVER_ServerModelMetadata`
//! * [`ServerMetadata`] — `TRITONSERVER_ServerMetadata`
//! * [`ModelIndexEntry`] — `TRITONSERVER_ServerModelIndex` (a JSON array)
//! * [`ModelStatistics`] — `TRITONSERVER_ServerModelStatistics`
//! * [`ModelConfig`] — `TRITONSERVER_ServerModelConfig` (protobuf-JSON style)
//! * [`DataType`] — Triton's tensor element types
//! * [`tensor`] — tensor bytes: the BYTES element layout, FP16/BF16, base64
//!
//! All integer fields accept both JSON numbers and decimal strings, because
//! protobuf's JSON mapping encodes 64-bit integers as strings and different
//! Triton versions differ in what they emit. Unknown fields are ignored,
//! except in [`ModelConfig`] (and its nested typed parts) where they are kept
//! losslessly so that a modified config can be sent back to Triton.

#![forbid(unsafe_code)]

pub mod metrics;
pub mod pbtxt;

mod config;
mod datatype;
mod error;
pub mod lenient;
mod metadata;
mod statistics;
pub mod tensor;

pub use config::{DynamicBatching, InstanceGroup, InstanceKind, ModelConfig, ModelInput, ModelOutput, ModelParameter};
pub use datatype::DataType;
pub use error::ModelError;
pub use metadata::{ModelIndexEntry, ModelMetadata, ServerMetadata, TensorMetadata};
pub use statistics::{BatchStats, InferenceStats, MemoryUsage, ModelStatistics, ModelStats, ResponseStats, StatDuration};

#[cfg(test)]
mod tests;
