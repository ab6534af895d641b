//! Request inputs: shapes from model metadata plus `--shape`, generated
//! tensors (random or zero) and perf_analyzer's `--input-data` JSON files.
//!
//! Everything here produces raw little-endian tensor bytes in the layout
//! Triton expects: fixed-size elements in row-major order, and for `BYTES`
//! each element as a little-endian `u32` length followed by its bytes.
//!
//! Differences from perf_analyzer (all deliberate, stricter or more useful):
//! - random numeric data is uniform in a small, valid range instead of
//!   perf_analyzer's random *bytes* (which produce NaN/inf floats and huge
//!   integers);
//! - random data is deterministic from `(seed, input name, stream)`;
//! - `--shape` for an unknown input, or one that contradicts a fixed model
//!   dimension, is an error (perf_analyzer silently ignores it);
//! - JSON integer values are range-checked (perf_analyzer truncates them),
//!   JSON floats may be written as integers (`1` for FP32; perf_analyzer
//!   requires `1.0`), FP16/BF16 accept explicit values (perf_analyzer
//!   refuses them), nested arrays are flattened row-major.
//!
//! Layout: request shapes and `--shape` (`shapes.rs`), request sizes against
//! the memory budget (`budget.rs`), generated data (`generate.rs`), the
//! `--input-data` file (`json.rs`) and its tensors (`json_tensor.rs`), and
//! the error type (`error.rs`). Element types and the BYTES layout are
//! [`tritium_model::DataType`] and [`tritium_model::tensor`].

use std::path::PathBuf;

use tritium_model::DataType;

mod budget;
mod dir;
mod error;
mod generate;
mod json;
mod json_tensor;
mod shapes;

pub use budget::{check_request_bytes, input_bytes};
pub use dir::load_input_dir;
pub use error::{DataLocation, InputError};
pub use generate::generate;
pub use json::{load_input_data, load_input_data_batched, load_input_data_limited, Step};
pub use shapes::{element_count, resolve_shapes, resolve_shapes_allow_variable, shape_to_string, ShapeOverrides};

/// Default `--string-length` (perf_analyzer's default).
pub const DEFAULT_STRING_LENGTH: usize = 128;

/// Characters perf_analyzer draws random strings from (`character_set` in
/// perf_analyzer's `perf_utils.h`).
pub const RANDOM_STRING_CHARSET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890 .?!";

/// Random integers are drawn uniformly from `0..RANDOM_INT_RANGE`.
pub const RANDOM_INT_RANGE: u64 = 100;

/// One model input as described by Triton's model metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSpec {
    /// Input name.
    pub name: String,
    /// Triton wire datatype: `BOOL`, `UINT8`..`UINT64`, `INT8`..`INT64`,
    /// `FP16`, `BF16`, `FP32`, `FP64`, `BYTES`.
    pub datatype: String,
    /// Shape as reported by the metadata; `-1` marks a variable dimension.
    /// For a batching model (max_batch_size > 0) the first dimension is the
    /// batch dimension (`-1`).
    pub shape: Vec<i64>,
}

/// Where request data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    /// Deterministic pseudo-random data (see [`generate`]).
    Random {
        /// Base seed; the input name and stream are mixed in.
        seed: u64,
    },
    /// Zeros (see [`generate`] for `BYTES`).
    Zero,
    /// A perf_analyzer `--input-data` JSON file (see [`load_input_data`]).
    File(PathBuf),
    /// Several perf_analyzer `--input-data` JSON files (`--input-data` given
    /// more than once): their data are merged, the files' steps one after
    /// the other, as perf_analyzer merges their streams.
    Files(Vec<PathBuf>),
    /// A perf_analyzer `--input-data` directory: one file per input (see [`load_input_dir`]).
    Dir(PathBuf),
}

impl InputSource {
    /// Whether the data come from files (they may carry variable shapes).
    pub fn is_file(&self) -> bool {
        matches!(self, InputSource::File(_) | InputSource::Files(_) | InputSource::Dir(_))
    }
}

/// `--string-length` / `--string-data` options for `BYTES` inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringOptions {
    /// Length of each generated random string (`--string-length`, default 128).
    pub length: usize,
    /// When set, every element is this string (`--string-data`) and
    /// `length` is ignored.
    pub data: Option<String>,
}

impl Default for StringOptions {
    fn default() -> Self {
        StringOptions {
            length: DEFAULT_STRING_LENGTH,
            data: None,
        }
    }
}

/// The input's element type, or [`InputError::UnsupportedDatatype`].
fn parse_dtype(spec: &TensorSpec) -> Result<DataType, InputError> {
    DataType::from_wire_or_alias(&spec.datatype).ok_or_else(|| InputError::UnsupportedDatatype {
        name: spec.name.clone(),
        datatype: spec.datatype.clone(),
    })
}

#[cfg(test)]
mod tests;
