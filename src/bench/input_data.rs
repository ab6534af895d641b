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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

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

/// A Triton tensor datatype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `BOOL` (1 byte, 0 or 1).
    Bool,
    /// `UINT8`.
    U8,
    /// `UINT16`.
    U16,
    /// `UINT32`.
    U32,
    /// `UINT64`.
    U64,
    /// `INT8`.
    I8,
    /// `INT16`.
    I16,
    /// `INT32`.
    I32,
    /// `INT64`.
    I64,
    /// `FP16` (IEEE half).
    F16,
    /// `BF16` (bfloat16).
    BF16,
    /// `FP32`.
    F32,
    /// `FP64`.
    F64,
    /// `BYTES` (length-prefixed strings).
    Bytes,
}

impl DataType {
    /// Parses a wire name (`FP32`, `BYTES`, ...); `STRING` is accepted as an
    /// alias of `BYTES`.
    pub fn from_wire(s: &str) -> Option<DataType> {
        Some(match s {
            "BOOL" => DataType::Bool,
            "UINT8" => DataType::U8,
            "UINT16" => DataType::U16,
            "UINT32" => DataType::U32,
            "UINT64" => DataType::U64,
            "INT8" => DataType::I8,
            "INT16" => DataType::I16,
            "INT32" => DataType::I32,
            "INT64" => DataType::I64,
            "FP16" => DataType::F16,
            "BF16" => DataType::BF16,
            "FP32" => DataType::F32,
            "FP64" => DataType::F64,
            "BYTES" | "STRING" => DataType::Bytes,
            _ => return None,
        })
    }

    /// The wire name.
    pub fn wire_name(self) -> &'static str {
        match self {
            DataType::Bool => "BOOL",
            DataType::U8 => "UINT8",
            DataType::U16 => "UINT16",
            DataType::U32 => "UINT32",
            DataType::U64 => "UINT64",
            DataType::I8 => "INT8",
            DataType::I16 => "INT16",
            DataType::I32 => "INT32",
            DataType::I64 => "INT64",
            DataType::F16 => "FP16",
            DataType::BF16 => "BF16",
            DataType::F32 => "FP32",
            DataType::F64 => "FP64",
            DataType::Bytes => "BYTES",
        }
    }

    /// Bytes per element; `None` for `BYTES` (variable).
    pub fn element_size(self) -> Option<usize> {
        match self {
            DataType::Bool | DataType::U8 | DataType::I8 => Some(1),
            DataType::U16 | DataType::I16 | DataType::F16 | DataType::BF16 => Some(2),
            DataType::U32 | DataType::I32 | DataType::F32 => Some(4),
            DataType::U64 | DataType::I64 | DataType::F64 => Some(8),
            DataType::Bytes => None,
        }
    }
}

const SUPPORTED_DATATYPES: &str =
    "BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64, BYTES";

/// Errors building request inputs. Each names the input and/or file and says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A `--shape` argument could not be parsed.
    #[error("invalid --shape `{arg}`: {reason}; expected NAME:d1,d2,... with positive integer dimensions, e.g. --shape INPUT0:3,224,224")]
    ShapeSyntax {
        /// The argument as given.
        arg: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--shape` given twice for one input with different values.
    #[error("--shape was given twice for input `{name}` with different shapes ({first} and {second}); pass it once")]
    ConflictingShape {
        /// Input name.
        name: String,
        /// First shape given.
        first: String,
        /// Second shape given.
        second: String,
    },
    /// `--shape` names an input the model does not have.
    #[error("--shape names input `{name}`, which the model does not have; the model's inputs are: {available}")]
    UnknownShapeInput {
        /// The name given to `--shape`.
        name: String,
        /// The model's input names, comma-separated.
        available: String,
    },
    /// A variable dimension has no size.
    #[error("input `{name}` has variable-size shape {model_shape}; pass --shape {name}:{example} with the sizes to use (without the batch dimension for a batching model)")]
    VariableDim {
        /// Input name.
        name: String,
        /// The model's shape (without the batch dimension for a batching model).
        model_shape: String,
        /// A `--shape` value with placeholders for the sizes to choose.
        example: String,
    },
    /// A `--shape` override does not fit the model's shape.
    #[error("--shape {name}:{given} does not fit input `{name}`'s model shape {model}: {reason}; give every dimension (without the batch dimension for a batching model) and keep the fixed ones")]
    ShapeMismatch {
        /// Input name.
        name: String,
        /// The override, as `d1,d2,...`.
        given: String,
        /// The model's shape (without the batch dimension for a batching model).
        model: String,
        /// What does not fit.
        reason: String,
    },
    /// A request shape passed to [`generate`] does not fit the input.
    #[error("request shape {shape} for input `{name}` does not fit its model shape {model}: {reason}; compute request shapes with resolve_shapes")]
    RequestShape {
        /// Input name.
        name: String,
        /// The shape passed.
        shape: String,
        /// The model's shape.
        model: String,
        /// What does not fit.
        reason: String,
    },
    /// Batch size 0.
    #[error("batch size must be at least 1; pass -b/--batch-size 1 or more")]
    ZeroBatch,
    /// Batch size above the model's max_batch_size.
    #[error("batch size {batch_size} exceeds the model's max_batch_size {max_batch_size}; pass -b/--batch-size {max_batch_size} or less")]
    BatchTooLarge {
        /// Requested batch size.
        batch_size: u32,
        /// The model's max_batch_size.
        max_batch_size: u32,
    },
    /// Batch size > 1 for a model that does not batch.
    #[error("batch size {batch_size} was requested but the model does not support batching (max_batch_size 0); use batch size 1")]
    BatchingUnsupported {
        /// Requested batch size.
        batch_size: u32,
    },
    /// A batching model's input with an empty metadata shape.
    #[error("input `{name}` of a batching model has an empty shape in the model metadata (expected the batch dimension first); check the model configuration")]
    MissingBatchDim {
        /// Input name.
        name: String,
    },
    /// A datatype we cannot produce.
    #[error("input `{name}` has datatype `{datatype}`, which tritium cannot generate or parse (supported: {supported}); use a model input of a supported type", supported = SUPPORTED_DATATYPES)]
    UnsupportedDatatype {
        /// Input name.
        name: String,
        /// The datatype as in the metadata.
        datatype: String,
    },
    /// The tensor would not fit in memory addressing.
    #[error("input `{name}` with shape {shape} is too large to build; use a smaller --shape or batch size")]
    TooLarge {
        /// Input name.
        name: String,
        /// The shape.
        shape: String,
    },
    /// Prepared input data would take more memory than tritium allows
    /// (see `bench::limits::input_budget_bytes`).
    #[error("{what} needs {} ({}), above the limit of {limit}; {fix}", bytes_text(*.bytes), crate::bench::limits::human_bytes(*.bytes))]
    InputTooLarge {
        /// What is too large: the input (name, datatype, shape) or the file.
        what: String,
        /// The bytes it needs (saturated at `u128::MAX`).
        bytes: u128,
        /// The limit and where it comes from.
        limit: String,
        /// What to do.
        fix: String,
    },
    /// [`generate`] was asked to generate data that comes from a file.
    #[error("data for input `{name}` comes from the input data file {path}; it is loaded with load_input_data, not generated")]
    FileSourceNotGenerated {
        /// Input name.
        name: String,
        /// The file.
        path: PathBuf,
    },
    /// The input data file could not be read.
    #[error("cannot read input data file {path}: {source}; check the path and its permissions")]
    FileRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input data file is not valid JSON.
    #[error("input data file {path} is not valid JSON at line {line}, column {column}: {message}; fix the JSON syntax")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The JSON is valid but not in perf_analyzer's `--input-data` format.
    #[error("input data file {path}: {message} at {at}; see perf_analyzer's docs/input_data.md for the format ({{\"data\": [{{\"INPUT0\": [...]}}, ...]}})")]
    Format {
        /// The file.
        path: PathBuf,
        /// JSON location, e.g. `data[2].INPUT0`.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// An entry lacks one of the model's inputs.
    #[error("input data file {}: entry {} has no data for input `{}`; every entry must give every model input", .loc.path.display(), .loc.at, .loc.input)]
    MissingInput {
        /// Where (`loc.input` is the missing input).
        loc: Box<DataLocation>,
    },
    /// An entry names something that is not a model input.
    #[error("input data file {}: entry {} gives data for `{}`, which is not an input of the model; the model's inputs are: {available}", .loc.path.display(), .loc.at, .loc.input)]
    UnknownInput {
        /// Where (`loc.input` is the unknown name).
        loc: Box<DataLocation>,
        /// The model's input names, comma-separated.
        available: String,
    },
    /// Number of values does not match the shape.
    #[error("{loc}: {got} values given but shape {shape} needs {expected}; fix the values or give a matching \"shape\" (row-major, flattened)")]
    ElementCount {
        /// Where.
        loc: Box<DataLocation>,
        /// The shape the values must fill.
        shape: String,
        /// Elements needed.
        expected: u64,
        /// Elements given.
        got: u64,
    },
    /// A value does not fit the input's datatype.
    #[error("{loc}, element {index}: {value} is not a valid {datatype} ({reason}); fix the value")]
    NotRepresentable {
        /// Where.
        loc: Box<DataLocation>,
        /// Flat (row-major) element index.
        index: usize,
        /// The JSON value (truncated to 60 characters).
        value: String,
        /// The input's datatype.
        datatype: String,
        /// Why it does not fit.
        reason: String,
    },
    /// A `b64` string is not valid base64.
    #[error("{loc}: invalid base64 ({message}); encode the little-endian tensor bytes with standard base64")]
    Base64 {
        /// Where.
        loc: Box<DataLocation>,
        /// What is wrong.
        message: String,
    },
    /// Decoded `b64` bytes do not match the shape.
    #[error("{loc}: {message}; the b64 data must hold exactly the tensor's bytes for shape {shape} (BYTES: each element a u32 little-endian length then the bytes)")]
    ByteCount {
        /// Where.
        loc: Box<DataLocation>,
        /// The shape.
        shape: String,
        /// What does not match.
        message: String,
    },
    /// An entry's `"shape"` does not fit the model.
    #[error("{loc}: \"shape\" {given} does not fit the model's shape {model} ({reason}); give every dimension (without the batch dimension for a batching model) and keep the fixed ones")]
    FileShapeMismatch {
        /// Where.
        loc: Box<DataLocation>,
        /// The shape in the file.
        given: String,
        /// The model's shape.
        model: String,
        /// What does not fit.
        reason: String,
    },
    /// An entry for a variable-size input has no `"shape"` and `--shape` gave none.
    #[error("{loc} has variable-size shape {model_shape} and no \"shape\"; add \"shape\" to the entry ({{\"content\": [...], \"shape\": [...]}}) or pass --shape {}:...", .loc.input)]
    FileVariableDim {
        /// Where.
        loc: Box<DataLocation>,
        /// The shape still containing -1.
        model_shape: String,
    },
    /// Entries batched into one request have different shapes.
    #[error("input data file {path}: cannot batch input `{name}`: step {step} has shape {shape} but step {other_step} has shape {other_shape}; entries batched together (batch size {batch_size}, consecutive entries) must have the same shape")]
    BatchShapes {
        /// The file.
        path: PathBuf,
        /// Input name.
        name: String,
        /// First step of the request.
        step: usize,
        /// Its shape.
        shape: String,
        /// The step that differs.
        other_step: usize,
        /// Its shape.
        other_shape: String,
        /// The batch size.
        batch_size: u64,
    },
}

/// Where in an `--input-data` file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLocation {
    /// The file.
    pub path: PathBuf,
    /// Step index after flattening streams (0-based).
    pub step: usize,
    /// JSON location of the entry: `data[3]`, or `data[stream][step]` in the
    /// multi-stream form.
    pub at: String,
    /// The input concerned.
    pub input: String,
}

impl std::fmt::Display for DataLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "input data file {}: entry {}, input `{}`",
            self.path.display(),
            self.at,
            self.input
        )
    }
}

fn bytes_text(b: u128) -> String {
    if b == u128::MAX {
        "more than 2^128 bytes".to_string()
    } else {
        format!("{b} bytes")
    }
}

/// Bytes one input of `shape` takes in a request: elements × element size,
/// BYTES elements as 4 + the string length (`--string-data`, else
/// `--string-length`). Saturates at `u128::MAX`; `None` for an unknown
/// datatype or a shape with a negative (variable) dimension.
pub fn input_bytes(spec: &TensorSpec, shape: &[i64], strings: &StringOptions) -> Option<u128> {
    let dtype = DataType::from_wire(&spec.datatype)?;
    let elements = shape.iter().try_fold(1u128, |acc, &d| (d >= 0).then(|| acc.saturating_mul(d as u128)))?;
    let per = match dtype.element_size() {
        Some(n) => n as u128,
        None => 4 + strings.data.as_ref().map_or(strings.length, String::len) as u128,
    };
    Some(elements.saturating_mul(per))
}

/// Refuses request shapes whose inputs would take more than `budget` bytes
/// (each input, then all of one request's inputs together), before anything
/// is allocated. `shapes` are the full request shapes from [`resolve_shapes`].
pub fn check_request_bytes(inputs: &[TensorSpec], shapes: &[(String, Vec<i64>)], strings: &StringOptions, budget: u64) -> Result<u128, InputError> {
    let limit = || crate::bench::limits::describe_budget(budget);
    let mut total = 0u128;
    for (name, shape) in shapes {
        let Some(spec) = inputs.iter().find(|s| s.name == *name) else { continue };
        let Some(bytes) = input_bytes(spec, shape, strings) else { continue };
        if bytes > u128::from(budget) {
            return Err(InputError::InputTooLarge {
                what: format!("input `{name}` ({}, request shape {})", spec.datatype, shape_to_string(shape)),
                bytes,
                limit: limit(),
                fix: "use a smaller --shape or batch size (-b)".to_string(),
            });
        }
        total = total.saturating_add(bytes);
    }
    if total > u128::from(budget) {
        let list = shapes.iter().map(|(n, s)| format!("{n} {}", shape_to_string(s))).collect::<Vec<_>>().join(", ");
        return Err(InputError::InputTooLarge { what: format!("one request's inputs together ({list})"), bytes: total, limit: limit(), fix: "use smaller --shape values or batch size (-b)".to_string() });
    }
    Ok(total)
}

/// Formats a shape as `[d1, d2, ...]`.
pub fn shape_to_string(shape: &[i64]) -> String {
    let mut s = String::from("[");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{d}");
    }
    s.push(']');
    s
}

fn dims_csv(shape: &[i64]) -> String {
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Number of elements of a fully specified shape; `None` if a dimension is
/// negative or the product overflows.
pub fn element_count(shape: &[i64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, &d| {
        if d < 0 {
            None
        } else {
            acc.checked_mul(d as u64)
        }
    })
}

/// `--shape NAME:d1,d2,...` overrides for variable-size inputs.
///
/// As in perf_analyzer, the name is everything before the *last* colon (so
/// names may contain colons), dimensions must be positive integers, and for
/// a batching model the dimensions exclude the batch dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShapeOverrides {
    shapes: BTreeMap<String, Vec<i64>>,
}

impl ShapeOverrides {
    /// Parses repeated `--shape` values. Giving the same input twice with the
    /// same shape is accepted; with different shapes it is an error.
    pub fn parse(args: &[String]) -> Result<Self, InputError> {
        let mut shapes: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for arg in args {
            let syntax = |reason: &str| InputError::ShapeSyntax {
                arg: arg.clone(),
                reason: reason.to_string(),
            };
            let (name, dims) = arg
                .rsplit_once(':')
                .ok_or_else(|| syntax("there must be a colon after the input name"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(syntax("the input name before the colon is empty"));
            }
            if dims.trim().is_empty() {
                return Err(syntax("no dimensions after the colon"));
            }
            let mut shape = Vec::new();
            for (i, d) in dims.split(',').enumerate() {
                let d = d.trim();
                if d.is_empty() {
                    return Err(syntax(&format!("dimension {} is empty", i + 1)));
                }
                let v: i64 = d.parse().map_err(|_| {
                    syntax(&format!("dimension {} (`{d}`) is not an integer", i + 1))
                })?;
                if v <= 0 {
                    return Err(syntax(&format!(
                        "dimension {} is {v}, but dimensions must be > 0",
                        i + 1
                    )));
                }
                shape.push(v);
            }
            if let Some(prev) = shapes.get(name) {
                if *prev != shape {
                    return Err(InputError::ConflictingShape {
                        name: name.to_string(),
                        first: dims_csv(prev),
                        second: dims_csv(&shape),
                    });
                }
            }
            shapes.insert(name.to_string(), shape);
        }
        Ok(ShapeOverrides { shapes })
    }

    /// The override for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&[i64]> {
        self.shapes.get(name).map(Vec::as_slice)
    }

    /// Number of inputs with an override.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// `true` when no `--shape` was given.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// `(name, dims)` pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[i64])> {
        self.shapes.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

fn input_names(inputs: &[TensorSpec]) -> String {
    inputs
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares `given` with a model shape where negative dims are wildcards.
fn shape_fit(given: &[i64], model: &[i64]) -> Result<(), String> {
    if given.len() != model.len() {
        return Err(format!(
            "{} dimensions given, the model has {}",
            given.len(),
            model.len()
        ));
    }
    for (i, (&g, &m)) in given.iter().zip(model).enumerate() {
        if m >= 0 && g != m {
            return Err(format!(
                "dimension {} is fixed to {m} but {g} was given",
                i + 1
            ));
        }
    }
    Ok(())
}

fn check_batch(max_batch_size: u32, batch_size: u32) -> Result<(), InputError> {
    if batch_size == 0 {
        return Err(InputError::ZeroBatch);
    }
    if max_batch_size == 0 && batch_size > 1 {
        return Err(InputError::BatchingUnsupported { batch_size });
    }
    if max_batch_size > 0 && batch_size > max_batch_size {
        return Err(InputError::BatchTooLarge {
            batch_size,
            max_batch_size,
        });
    }
    Ok(())
}

/// The model's per-sample shape: the metadata shape without the batch
/// dimension for a batching model.
fn sample_model_shape(spec: &TensorSpec, batching: bool) -> Result<&[i64], InputError> {
    if batching {
        match spec.shape.split_first() {
            Some((_, rest)) => Ok(rest),
            None => Err(InputError::MissingBatchDim {
                name: spec.name.clone(),
            }),
        }
    } else {
        Ok(&spec.shape)
    }
}

fn resolve_inner(
    inputs: &[TensorSpec],
    max_batch_size: u32,
    batch_size: u32,
    overrides: &ShapeOverrides,
    allow_variable: bool,
) -> Result<Vec<(String, Vec<i64>)>, InputError> {
    check_batch(max_batch_size, batch_size)?;
    for (name, _) in overrides.iter() {
        if !inputs.iter().any(|i| i.name == name) {
            return Err(InputError::UnknownShapeInput {
                name: name.to_string(),
                available: input_names(inputs),
            });
        }
    }
    let batching = max_batch_size > 0;
    let mut out = Vec::with_capacity(inputs.len());
    for spec in inputs {
        let model = sample_model_shape(spec, batching)?;
        let sample: Vec<i64> = match overrides.get(&spec.name) {
            Some(ov) => {
                shape_fit(ov, model).map_err(|reason| InputError::ShapeMismatch {
                    name: spec.name.clone(),
                    given: dims_csv(ov),
                    model: shape_to_string(model),
                    reason,
                })?;
                ov.to_vec()
            }
            None => model.to_vec(),
        };
        if !allow_variable && sample.iter().any(|&d| d < 0) {
            let example = sample
                .iter()
                .map(|&d| {
                    if d < 0 {
                        "<size>".to_string()
                    } else {
                        d.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
            return Err(InputError::VariableDim {
                name: spec.name.clone(),
                model_shape: shape_to_string(model),
                example,
            });
        }
        let full = if batching {
            let mut f = Vec::with_capacity(sample.len() + 1);
            f.push(i64::from(batch_size));
            f.extend_from_slice(&sample);
            f
        } else {
            sample
        };
        out.push((spec.name.clone(), full));
    }
    Ok(out)
}

/// Full request shapes for every input, in the order of `inputs`.
///
/// - `max_batch_size > 0`: the metadata shape's first dimension (the batch
///   dimension, `-1`) is replaced by `batch_size`; `--shape` overrides give
///   the remaining dimensions (perf_analyzer semantics).
/// - `max_batch_size == 0`: the metadata shape is the request shape and
///   overrides give all of it.
///
/// Errors: batch size 0, > max_batch_size, or > 1 for a non-batching model;
/// an override naming an unknown input (lists the model's inputs); an
/// override of the wrong rank or contradicting a fixed dimension; a
/// dimension still variable (says to pass `--shape NAME:...`).
pub fn resolve_shapes(
    inputs: &[TensorSpec],
    max_batch_size: u32,
    batch_size: u32,
    overrides: &ShapeOverrides,
) -> Result<Vec<(String, Vec<i64>)>, InputError> {
    resolve_inner(inputs, max_batch_size, batch_size, overrides, false)
}

/// Like [`resolve_shapes`] but leaves variable dimensions without an override
/// as `-1` instead of failing. Use it with `--input-data` files, whose
/// entries may give each tensor's `"shape"` (perf_analyzer: "there is no
/// need to specify shape as a command line option if all the input data
/// provide shape values for variable tensors"); [`load_input_data_batched`]
/// then fails for any entry that leaves a dimension unknown.
pub fn resolve_shapes_allow_variable(
    inputs: &[TensorSpec],
    max_batch_size: u32,
    batch_size: u32,
    overrides: &ShapeOverrides,
) -> Result<Vec<(String, Vec<i64>)>, InputError> {
    resolve_inner(inputs, max_batch_size, batch_size, overrides, true)
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

/// splitmix64: small, fast, good enough for benchmark payloads.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; tiny modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}


fn rng_for(seed: u64, name: &str, stream: u64) -> SplitMix64 {
    let mut pre = SplitMix64(seed ^ crate::util::fnv1a(name.as_bytes()).rotate_left(21));
    let a = pre.next_u64();
    SplitMix64(a ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// IEEE-754 binary16 bits of `x`, rounding to nearest even (overflow gives
/// infinity, NaN stays NaN).
pub fn f32_to_f16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let exp = ((b >> 23) & 0xff) as i32;
    let man = b & 0x007f_ffff;
    if exp == 0xff {
        let nan = if man != 0 {
            0x0200 | (man >> 13) as u16
        } else {
            0
        };
        return sign | 0x7c00 | nan;
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        // Subnormal half (or zero). f32 subnormals are far below half's range.
        if e < -10 || exp == 0 {
            return sign;
        }
        let m = man | 0x0080_0000;
        let shift = (14 - e) as u32; // 14..=24
        let mut h = m >> shift;
        let rem = m & ((1u32 << shift) - 1);
        let half = 1u32 << (shift - 1);
        if rem > half || (rem == half && (h & 1) == 1) {
            h += 1;
        }
        return sign | h as u16;
    }
    let mut h = ((e as u32) << 10) | (man >> 13);
    let rem = man & 0x1fff;
    if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) {
        h += 1; // may carry into the exponent, up to infinity: correct
    }
    sign | h as u16
}

/// bfloat16 bits of `x`, rounding to nearest even (NaN stays a quiet NaN).
pub fn f32_to_bf16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    if x.is_nan() {
        return ((b >> 16) as u16) | 0x0040;
    }
    let rounding = 0x7fff + ((b >> 16) & 1);
    (b.wrapping_add(rounding) >> 16) as u16
}

fn serialize_strings<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a [u8]>) {
    for s in items {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s);
    }
}

fn random_string(rng: &mut SplitMix64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| RANDOM_STRING_CHARSET[rng.below(RANDOM_STRING_CHARSET.len() as u64) as usize])
        .collect()
}

fn parse_dtype(spec: &TensorSpec) -> Result<DataType, InputError> {
    DataType::from_wire(&spec.datatype).ok_or_else(|| InputError::UnsupportedDatatype {
        name: spec.name.clone(),
        datatype: spec.datatype.clone(),
    })
}

/// Builds one input tensor's raw bytes for a request of shape `shape`.
///
/// `shape` is the full request shape (from [`resolve_shapes`]); it must be
/// fully specified and fit `spec.shape` (same rank, fixed dimensions equal).
///
/// - [`InputSource::Random`]: deterministic in `(seed, spec.name, stream)`
///   (splitmix64), so every worker/stream can get different but reproducible
///   data. Floats (FP16/BF16/FP32/FP64) uniform in `[0, 1)` (FP16 on a
///   2⁻¹¹ grid and BF16 on a 2⁻⁸ grid so they are exact), integers uniform
///   in `0..100` ([`RANDOM_INT_RANGE`]), BOOL 0/1. perf_analyzer instead
///   fills one buffer with `rand()` bytes, once for all inputs.
/// - [`InputSource::Zero`]: all-zero bytes. For `BYTES`, mirroring
///   perf_analyzer's `--input-data=zero` (`DataLoader::GenerateData`, where
///   `zero_input` only affects non-string inputs): every element is
///   `strings.data` when given, otherwise a random string of
///   `strings.length` characters (deterministic, seed 0).
/// - `BYTES` (random or zero): each element is `strings.data` when given
///   (`--string-data`), otherwise `strings.length` characters drawn from
///   perf_analyzer's [`RANDOM_STRING_CHARSET`] (alphanumerics plus `" .?!"`),
///   serialized as Triton expects (u32 little-endian length, then the bytes).
/// - [`InputSource::File`]: an error; use [`load_input_data_batched`].
pub fn generate(
    spec: &TensorSpec,
    shape: &[i64],
    source: &InputSource,
    strings: &StringOptions,
    stream: u64,
) -> Result<Vec<u8>, InputError> {
    let dtype = parse_dtype(spec)?;
    shape_fit(shape, &spec.shape).map_err(|reason| InputError::RequestShape {
        name: spec.name.clone(),
        shape: shape_to_string(shape),
        model: shape_to_string(&spec.shape),
        reason,
    })?;
    if shape.iter().any(|&d| d < 0) {
        return Err(InputError::RequestShape {
            name: spec.name.clone(),
            shape: shape_to_string(shape),
            model: shape_to_string(&spec.shape),
            reason: "it still has a variable (-1) dimension".to_string(),
        });
    }
    let too_large = || InputError::TooLarge {
        name: spec.name.clone(),
        shape: shape_to_string(shape),
    };
    let count = element_count(shape)
        .and_then(|c| usize::try_from(c).ok())
        .ok_or_else(too_large)?;

    let seed = match source {
        InputSource::Random { seed } => *seed,
        InputSource::Zero => 0,
        InputSource::File(path) => {
            return Err(InputError::FileSourceNotGenerated {
                name: spec.name.clone(),
                path: path.clone(),
            })
        }
    };
    let mut rng = rng_for(seed, &spec.name, stream);

    // Never allocate what cannot be had: a huge shape is an error, not an abort.
    let cap = crate::bench::limits::MAX_INPUT_BYTES;
    if let Some(bytes) = input_bytes(spec, shape, strings) {
        if bytes > u128::from(cap) {
            return Err(InputError::InputTooLarge {
                what: format!("input `{}` ({}, request shape {})", spec.name, spec.datatype, shape_to_string(shape)),
                bytes,
                limit: crate::bench::limits::describe_budget(cap),
                fix: "use a smaller --shape or batch size (-b)".to_string(),
            });
        }
    }
    let Some(size) = dtype.element_size() else {
        // BYTES
        let mut out = Vec::new();
        match &strings.data {
            Some(d) => serialize_strings(&mut out, (0..count).map(|_| d.as_bytes())),
            None => {
                let len = u32::try_from(strings.length).map_err(|_| too_large())? as usize;
                let per = len.checked_add(4).ok_or_else(too_large)?;
                out.reserve(count.checked_mul(per).ok_or_else(too_large)?);
                for _ in 0..count {
                    let s = random_string(&mut rng, len);
                    serialize_strings(&mut out, std::iter::once(s.as_slice()));
                }
            }
        }
        return Ok(out);
    };

    let nbytes = count.checked_mul(size).ok_or_else(too_large)?;
    if matches!(source, InputSource::Zero) {
        return Ok(vec![0u8; nbytes]);
    }
    let mut out = Vec::with_capacity(nbytes);
    for _ in 0..count {
        match dtype {
            DataType::Bool => out.push((rng.next_u64() & 1) as u8),
            DataType::U8 | DataType::I8 => out.push(rng.below(RANDOM_INT_RANGE) as u8),
            DataType::U16 | DataType::I16 => {
                out.extend_from_slice(&(rng.below(RANDOM_INT_RANGE) as u16).to_le_bytes())
            }
            DataType::U32 | DataType::I32 => {
                out.extend_from_slice(&(rng.below(RANDOM_INT_RANGE) as u32).to_le_bytes())
            }
            DataType::U64 | DataType::I64 => {
                out.extend_from_slice(&rng.below(RANDOM_INT_RANGE).to_le_bytes())
            }
            DataType::F16 => {
                let v = rng.below(2048) as f32 / 2048.0;
                out.extend_from_slice(&f32_to_f16_bits(v).to_le_bytes())
            }
            DataType::BF16 => {
                let v = rng.below(256) as f32 / 256.0;
                out.extend_from_slice(&f32_to_bf16_bits(v).to_le_bytes())
            }
            DataType::F32 => {
                let v = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
                out.extend_from_slice(&v.to_le_bytes())
            }
            DataType::F64 => {
                let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                out.extend_from_slice(&v.to_le_bytes())
            }
            DataType::Bytes => {} // handled above
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Base64
// ---------------------------------------------------------------------------

/// Decodes standard base64 (RFC 4648 alphabet `A-Z a-z 0-9 + /`). ASCII
/// whitespace is ignored, `=` padding is optional but only allowed at the
/// end. Returns a message naming the offending position on error.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut nbits = 0u32;
    let mut ndigits = 0usize;
    let mut padding = 0usize;
    for (pos, c) in s.bytes().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding += 1;
            if padding > 2 {
                return Err(format!("too much '=' padding at character {pos}"));
            }
            continue;
        }
        if padding > 0 {
            return Err(format!("data after '=' padding at character {pos}"));
        }
        let v = val(c)
            .ok_or_else(|| format!("invalid character {:?} at position {pos}", char::from(c)))?;
        ndigits += 1;
        acc = (acc << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
            acc &= (1 << nbits) - 1;
        }
    }
    match ndigits % 4 {
        1 => return Err("truncated input (a lone final character)".to_string()),
        r => {
            if padding > 0 && (r == 0 || r + padding != 4) {
                return Err("wrong amount of '=' padding".to_string());
            }
        }
    }
    if acc != 0 {
        return Err("non-zero trailing bits (not canonical base64)".to_string());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// --input-data JSON
// ---------------------------------------------------------------------------

/// One request's inputs: `(name, shape, raw bytes)` per model input, in the
/// order of the `inputs` slice passed to the loader.
pub type Step = Vec<(String, Vec<i64>, Vec<u8>)>;

struct EntryCtx<'a> {
    path: &'a Path,
    step: usize,
    at: &'a str,
    name: &'a str,
}

impl EntryCtx<'_> {
    fn loc(&self) -> Box<DataLocation> {
        Box::new(DataLocation {
            path: self.path.to_path_buf(),
            step: self.step,
            at: self.at.to_string(),
            input: self.name.to_string(),
        })
    }

    fn format(&self, message: impl Into<String>) -> InputError {
        InputError::Format {
            path: self.path.to_path_buf(),
            at: format!("{}.{}", self.at, self.name),
            message: message.into(),
        }
    }

    fn not_representable(
        &self,
        index: usize,
        value: &Value,
        dtype: DataType,
        reason: &str,
    ) -> InputError {
        let mut v = value.to_string();
        if v.len() > 60 {
            let mut cut = 57;
            while !v.is_char_boundary(cut) {
                cut -= 1;
            }
            v.truncate(cut);
            v.push_str("...");
        }
        InputError::NotRepresentable {
            loc: self.loc(),
            index,
            value: v,
            datatype: dtype.wire_name().to_string(),
            reason: reason.to_string(),
        }
    }
}

enum Payload<'a> {
    Values(Vec<&'a Value>),
    B64(&'a str),
}

fn flatten<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => {
            for item in items {
                flatten(item, out);
            }
        }
        other => out.push(other),
    }
}

/// Splits a tensor's JSON into an optional `"shape"` and its payload.
fn parse_tensor<'a>(
    ctx: &EntryCtx<'_>,
    tensor: &'a Value,
) -> Result<(Option<Vec<i64>>, Payload<'a>), InputError> {
    let b64_of = |obj: &'a serde_json::Map<String, Value>| -> Result<&'a str, InputError> {
        match obj.get("b64") {
            Some(Value::String(s)) => Ok(s.as_str()),
            _ => Err(ctx.format("the value of \"b64\" must be a string")),
        }
    };
    match tensor {
        Value::Array(_) => {
            let mut vals = Vec::new();
            flatten(tensor, &mut vals);
            Ok((None, Payload::Values(vals)))
        }
        Value::Object(obj) => {
            for key in obj.keys() {
                if !matches!(key.as_str(), "content" | "shape" | "b64") {
                    return Err(ctx.format(format!(
                        "unexpected key \"{key}\" (expected \"content\", \"b64\" and optionally \"shape\")"
                    )));
                }
            }
            let shape = match obj.get("shape") {
                None => None,
                Some(Value::Array(dims)) => {
                    let mut s = Vec::with_capacity(dims.len());
                    for d in dims {
                        match d.as_i64() {
                            Some(v) if v >= 0 => s.push(v),
                            _ => {
                                return Err(ctx.format(format!(
                                    "\"shape\" values must be non-negative integers, got {d}"
                                )))
                            }
                        }
                    }
                    Some(s)
                }
                Some(_) => return Err(ctx.format("\"shape\" must be an array of integers")),
            };
            let payload = match (obj.get("content"), obj.contains_key("b64")) {
                (Some(_), true) => {
                    return Err(ctx.format("give either \"content\" or \"b64\", not both"))
                }
                (None, true) => Payload::B64(b64_of(obj)?),
                (Some(c @ Value::Array(_)), false) => {
                    let mut vals = Vec::new();
                    flatten(c, &mut vals);
                    Payload::Values(vals)
                }
                (Some(Value::Object(inner)), false) if inner.contains_key("b64") => {
                    Payload::B64(b64_of(inner)?)
                }
                (Some(_), false) => {
                    return Err(ctx.format(
                        "\"content\" must be an array of values or {\"b64\": \"...\"}",
                    ))
                }
                (None, false) => return Err(ctx.format("missing \"content\" (or \"b64\") field")),
            };
            Ok((shape, payload))
        }
        _ => Err(ctx.format(
            "expected an array of values, {\"content\": [...], \"shape\": [...]} or {\"b64\": \"...\"}",
        )),
    }
}

fn json_float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        // rapidjson's kParseNanAndInfFlag lets perf_analyzer read NaN and
        // Infinity literals; standard JSON cannot, so accept them as strings.
        Value::String(s) => match s.as_str() {
            "NaN" | "nan" => Some(f64::NAN),
            "Infinity" | "inf" | "+Infinity" | "+inf" => Some(f64::INFINITY),
            "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Encodes JSON values as raw little-endian elements of `dtype`.
fn encode_values(
    ctx: &EntryCtx<'_>,
    dtype: DataType,
    vals: &[&Value],
) -> Result<Vec<u8>, InputError> {
    let mut out = Vec::with_capacity(vals.len() * dtype.element_size().unwrap_or(8));
    for (i, &v) in vals.iter().enumerate() {
        let bad = |reason: &str| ctx.not_representable(i, v, dtype, reason);
        macro_rules! int {
            ($t:ty, $get:ident) => {{
                if !(v.is_i64() || v.is_u64()) {
                    return Err(bad("expected an integer"));
                }
                let x = v
                    .$get()
                    .and_then(|x| <$t>::try_from(x).ok())
                    .ok_or_else(|| bad(concat!("out of range for ", stringify!($t))))?;
                out.extend_from_slice(&x.to_le_bytes());
            }};
        }
        match dtype {
            DataType::Bool => {
                let b = match v {
                    Value::Bool(b) => *b,
                    Value::Number(n) if n.as_u64() == Some(0) => false,
                    Value::Number(n) if n.as_u64() == Some(1) => true,
                    _ => return Err(bad("expected true, false, 0 or 1")),
                };
                out.push(u8::from(b));
            }
            DataType::U8 => int!(u8, as_u64),
            DataType::U16 => int!(u16, as_u64),
            DataType::U32 => int!(u32, as_u64),
            DataType::U64 => int!(u64, as_u64),
            DataType::I8 => int!(i8, as_i64),
            DataType::I16 => int!(i16, as_i64),
            DataType::I32 => int!(i32, as_i64),
            DataType::I64 => int!(i64, as_i64),
            DataType::F16 | DataType::BF16 | DataType::F32 => {
                let x = json_float(v).ok_or_else(|| bad("expected a number"))?;
                let f = x as f32;
                if x.is_finite() && !f.is_finite() {
                    return Err(bad("magnitude too large for FP32"));
                }
                match dtype {
                    DataType::F32 => out.extend_from_slice(&f.to_le_bytes()),
                    DataType::F16 => {
                        let h = f32_to_f16_bits(f);
                        if x.is_finite() && (h & 0x7c00) == 0x7c00 {
                            return Err(bad("magnitude too large for FP16 (max 65504)"));
                        }
                        out.extend_from_slice(&h.to_le_bytes())
                    }
                    _ => {
                        let h = f32_to_bf16_bits(f);
                        if x.is_finite() && (h & 0x7f80) == 0x7f80 {
                            return Err(bad("magnitude too large for BF16"));
                        }
                        out.extend_from_slice(&h.to_le_bytes())
                    }
                }
            }
            DataType::F64 => {
                let x = json_float(v).ok_or_else(|| bad("expected a number"))?;
                out.extend_from_slice(&x.to_le_bytes());
            }
            DataType::Bytes => {
                let Value::String(s) = v else {
                    return Err(bad("expected a string for a BYTES input"));
                };
                serialize_strings(&mut out, std::iter::once(s.as_bytes()));
            }
        }
    }
    Ok(out)
}

/// Counts the elements of Triton's serialized BYTES format; `Err` describes
/// a malformed buffer.
fn count_serialized_strings(bytes: &[u8]) -> Result<u64, String> {
    let mut pos = 0usize;
    let mut n = 0u64;
    while pos < bytes.len() {
        let Some(hdr) = bytes.get(pos..pos + 4) else {
            return Err(format!(
                "{} stray bytes at offset {pos} where a 4-byte length was expected",
                bytes.len() - pos
            ));
        };
        let len = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
        pos += 4;
        if bytes.len() - pos < len {
            return Err(format!(
                "element {n} declares {len} bytes but only {} remain",
                bytes.len() - pos
            ));
        }
        pos += len;
        n += 1;
    }
    Ok(n)
}

/// Per-input model information the loader needs.
struct InputPlan<'a> {
    spec: &'a TensorSpec,
    dtype: DataType,
    /// Model shape of one sample (batch dim stripped when batching).
    model: &'a [i64],
    /// Default sample shape (from `--shape` / metadata), may contain -1.
    default: Vec<i64>,
}

/// Reads one entry's input into `(sample shape, bytes)`.
fn read_tensor(
    ctx: &EntryCtx<'_>,
    plan: &InputPlan<'_>,
    tensor: &Value,
) -> Result<(Vec<i64>, Vec<u8>), InputError> {
    let (file_shape, payload) = parse_tensor(ctx, tensor)?;
    let shape = match file_shape {
        Some(s) => {
            shape_fit(&s, plan.model).map_err(|reason| InputError::FileShapeMismatch {
                loc: ctx.loc(),
                given: shape_to_string(&s),
                model: shape_to_string(plan.model),
                reason,
            })?;
            s
        }
        None => plan.default.clone(),
    };
    let expected = element_count(&shape).ok_or_else(|| InputError::FileVariableDim {
        loc: ctx.loc(),
        model_shape: shape_to_string(&shape),
    })?;
    let bytes = match payload {
        Payload::Values(vals) => {
            if vals.len() as u64 != expected {
                return Err(InputError::ElementCount {
                    loc: ctx.loc(),
                    shape: shape_to_string(&shape),
                    expected,
                    got: vals.len() as u64,
                });
            }
            encode_values(ctx, plan.dtype, &vals)?
        }
        Payload::B64(s) => {
            let bytes = decode_base64(s).map_err(|message| InputError::Base64 {
                loc: ctx.loc(),
                message,
            })?;
            let byte_err = |message: String| InputError::ByteCount {
                loc: ctx.loc(),
                shape: shape_to_string(&shape),
                message,
            };
            match plan.dtype.element_size() {
                Some(size) => {
                    let want = expected.checked_mul(size as u64);
                    if want != Some(bytes.len() as u64) {
                        return Err(byte_err(format!(
                            "decoded {} bytes but {} elements of {} need {}",
                            bytes.len(),
                            expected,
                            plan.dtype.wire_name(),
                            want.map_or_else(|| "too many".to_string(), |w| w.to_string())
                        )));
                    }
                }
                None => {
                    let n = count_serialized_strings(&bytes)
                        .map_err(|m| byte_err(format!("malformed BYTES data: {m}")))?;
                    if n != expected {
                        return Err(byte_err(format!(
                            "decoded {n} strings but the shape needs {expected}"
                        )));
                    }
                }
            }
            bytes
        }
    };
    Ok((shape, bytes))
}

/// Loads a perf_analyzer `--input-data` JSON file where every entry is one
/// whole request (no batch concatenation).
///
/// Equivalent to [`load_input_data_batched`] with `max_batch_size = 0`:
/// each entry's tensors must have the full request shape given in `shapes`
/// (or their own `"shape"`, checked against `inputs[i].shape`). For a
/// batching model with batch size 1 a perf_analyzer file without `"shape"`
/// fields also works here; in general prefer [`load_input_data_batched`],
/// which implements perf_analyzer's batching semantics.
pub fn load_input_data(
    path: &Path,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
) -> Result<Vec<Step>, InputError> {
    load_input_data_batched(path, inputs, shapes, 0)
}

/// Loads a perf_analyzer `--input-data` JSON file (perf_analyzer's
/// `docs/input_data.md`, `DataLoader::ParseData`/`ReadTensorData`).
///
/// Format: `{"data": [entry, entry, ...]}` where each entry maps every model
/// input name to either
/// - a flat (row-major) array of values: numbers for numeric types
///   (integers range-checked, floats may be written as integers, `"NaN"` /
///   `"Infinity"` / `"-Infinity"` strings accepted for floats), `true`/
///   `false`/`0`/`1` for BOOL, strings for BYTES; nested arrays are
///   flattened;
/// - `{"content": [...], "shape": [d, ...]}` (`"shape"` optional);
/// - `{"b64": "..."}` or `{"content": {"b64": "..."}, "shape": [...]}`:
///   base64 of the raw little-endian bytes (BYTES: u32 length-prefixed
///   elements, as perf_analyzer requires).
///
/// The multi-stream form `{"data": [[entry, ...], [entry, ...]]}` (one
/// array per sequence stream) is flattened stream after stream into one
/// list of steps; mixing the two forms is an error (as in perf_analyzer).
/// Other top-level keys (e.g. `"validation_data"`) are ignored.
///
/// `shapes` are the request shapes from [`resolve_shapes`] (or
/// [`resolve_shapes_allow_variable`]), in any order, one per input.
///
/// Batching (`max_batch_size > 0`), as perf_analyzer does it: every entry
/// holds **one sample** (shapes exclude the batch dimension) and the
/// request built from step `k` concatenates entries `k, k+1, …, k+B−1`
/// (wrapping around), where `B = shapes[..][0]` is the batch size; the
/// returned shape is `[B, sample...]` and all B samples must share a shape.
/// One request per entry is returned, so requests can cycle through them
/// round-robin. Without batching each entry is one request.
///
/// An entry's `"shape"` replaces the `--shape` default for that entry; it is
/// checked against the model's metadata shape (perf_analyzer checks it
/// against the `--shape` value when one is given).
///
/// Errors name the file and, where relevant, the entry (`data[3]` or
/// `data[stream][step]` plus the flattened step index) and input.
pub fn load_input_data_batched(
    path: &Path,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
    max_batch_size: u32,
) -> Result<Vec<Step>, InputError> {
    load_input_data_limited(path, inputs, shapes, max_batch_size, crate::bench::limits::MAX_INPUT_BYTES)
}

/// [`load_input_data_batched`] within a memory budget: a file larger than
/// `budget / JSON_EXPANSION` is refused before it is read (its parsed form
/// takes several times the text), and the requests built from it (every
/// step, batched) must fit in `budget` bytes; checked before they are built.
pub fn load_input_data_limited(
    path: &Path,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
    max_batch_size: u32,
    budget: u64,
) -> Result<Vec<Step>, InputError> {
    use crate::bench::limits::{describe_budget, human_bytes, JSON_EXPANSION};
    if let Ok(m) = std::fs::metadata(path) {
        let text_limit = budget / JSON_EXPANSION;
        if m.is_file() && m.len() > text_limit {
            return Err(InputError::InputTooLarge {
                what: format!("input data file {}", path.display()),
                bytes: u128::from(m.len()),
                limit: format!("{} for the JSON text (its parsed form takes up to {JSON_EXPANSION} times as much; budget {})", human_bytes(u128::from(text_limit)), describe_budget(budget)),
                fix: "split the file, or give its tensors as \"b64\"".to_string(),
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(|source| InputError::FileRead {
        path: path.to_path_buf(),
        source,
    })?;
    let json: Value = serde_json::from_str(&text).map_err(|e| InputError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    drop(text);
    parse_input_json(path, &json, inputs, shapes, max_batch_size, budget)
}

fn parse_input_json(
    path: &Path,
    json: &Value,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
    max_batch_size: u32,
    budget: u64,
) -> Result<Vec<Step>, InputError> {
    let format = |at: &str, message: &str| InputError::Format {
        path: path.to_path_buf(),
        at: at.to_string(),
        message: message.to_string(),
    };
    let batching = max_batch_size > 0;

    // Per-input plan.
    let mut plans = Vec::with_capacity(inputs.len());
    let mut batch: u64 = 1;
    for spec in inputs {
        let dtype = parse_dtype(spec)?;
        let model = sample_model_shape(spec, batching)?;
        let resolved = shapes
            .iter()
            .find(|(n, _)| *n == spec.name)
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&spec.shape);
        let default = if batching {
            match resolved.split_first() {
                Some((&b, rest)) => {
                    if b > 0 {
                        batch = b as u64;
                    }
                    rest.to_vec()
                }
                None => Vec::new(),
            }
        } else {
            resolved.to_vec()
        };
        plans.push(InputPlan {
            spec,
            dtype,
            model,
            default,
        });
    }

    let Some(obj) = json.as_object() else {
        return Err(format(
            "the top level",
            "expected a JSON object with a \"data\" array",
        ));
    };
    let Some(data) = obj.get("data") else {
        return Err(format("the top level", "missing \"data\" field"));
    };
    let Some(data) = data.as_array() else {
        return Err(format("data", "\"data\" must be an array"));
    };

    // Flatten streams into (location, entry).
    let mut entries: Vec<(String, &serde_json::Map<String, Value>)> = Vec::new();
    let multi_stream = data.first().map(Value::is_array).unwrap_or(false);
    for (s, item) in data.iter().enumerate() {
        match (item, multi_stream) {
            (Value::Object(o), false) => entries.push((format!("data[{s}]"), o)),
            (Value::Array(steps), true) => {
                for (k, step) in steps.iter().enumerate() {
                    match step {
                        Value::Object(o) => entries.push((format!("data[{s}][{k}]"), o)),
                        _ => {
                            return Err(format(
                                &format!("data[{s}][{k}]"),
                                "each step of a stream must be an object mapping input names to tensors",
                            ))
                        }
                    }
                }
            }
            (Value::Object(_), true) | (Value::Array(_), false) => {
                return Err(format(
                    &format!("data[{s}]"),
                    "can not have a combination of objects and arrays inside the \"data\" array",
                ))
            }
            _ => {
                return Err(format(
                    &format!("data[{s}]"),
                    "each entry must be an object mapping input names to tensors (or an array of such objects, one per stream)",
                ))
            }
        }
    }
    if entries.is_empty() {
        return Err(format("data", "no entries; give at least one"));
    }

    // Read every entry's samples.
    let mut samples: Vec<Vec<(Vec<i64>, Vec<u8>)>> = Vec::with_capacity(entries.len());
    for (step, (at, entry)) in entries.iter().enumerate() {
        for key in entry.keys() {
            if !inputs.iter().any(|i| i.name == *key) {
                return Err(InputError::UnknownInput {
                    loc: Box::new(DataLocation {
                        path: path.to_path_buf(),
                        step,
                        at: at.clone(),
                        input: key.clone(),
                    }),
                    available: input_names(inputs),
                });
            }
        }
        let mut row = Vec::with_capacity(plans.len());
        for plan in &plans {
            let name = plan.spec.name.as_str();
            let Some(tensor) = entry.get(name) else {
                return Err(InputError::MissingInput {
                    loc: Box::new(DataLocation {
                        path: path.to_path_buf(),
                        step,
                        at: at.clone(),
                        input: name.to_string(),
                    }),
                });
            };
            let ctx = EntryCtx {
                path,
                step,
                at,
                name,
            };
            row.push(read_tensor(&ctx, plan, tensor)?);
        }
        samples.push(row);
    }

    // The requests built below: every step holds `batch` samples (one without batching).
    let sample_total = samples.iter().flatten().fold(0u128, |acc, (_, b)| acc.saturating_add(b.len() as u128));
    let built = sample_total.saturating_mul(if batching { u128::from(batch) } else { 1 });
    if built > u128::from(budget) {
        return Err(InputError::InputTooLarge {
            what: format!("the requests built from input data file {} ({} entries{})", path.display(), samples.len(), if batching { format!(", {batch} samples per request") } else { String::new() }),
            bytes: built,
            limit: crate::bench::limits::describe_budget(budget),
            fix: "use fewer entries or a smaller batch size (-b)".to_string(),
        });
    }

    if !batching {
        return Ok(samples
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .zip(&plans)
                    .map(|((shape, bytes), p)| (p.spec.name.clone(), shape, bytes))
                    .collect()
            })
            .collect());
    }

    // Batch B consecutive samples per request (perf_analyzer's
    // InferDataManagerBase::GetInputData: local_step = (step + i) % steps).
    let n = samples.len();
    let mut steps = Vec::with_capacity(n);
    for k in 0..n {
        let mut step = Vec::with_capacity(plans.len());
        for (j, plan) in plans.iter().enumerate() {
            let (first_shape, _) = &samples[k][j];
            let mut bytes = Vec::new();
            for i in 0..batch as usize {
                let idx = (k + i) % n;
                let (shape, b) = &samples[idx][j];
                if shape != first_shape {
                    return Err(InputError::BatchShapes {
                        path: path.to_path_buf(),
                        name: plan.spec.name.clone(),
                        step: k,
                        shape: shape_to_string(first_shape),
                        other_step: idx,
                        other_shape: shape_to_string(shape),
                        batch_size: batch,
                    });
                }
                bytes.extend_from_slice(b);
            }
            let mut full = Vec::with_capacity(first_shape.len() + 1);
            full.push(batch as i64);
            full.extend_from_slice(first_shape);
            step.push((plan.spec.name.clone(), full, bytes));
        }
        steps.push(step);
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn spec(name: &str, dt: &str, shape: &[i64]) -> TensorSpec {
        TensorSpec {
            name: name.to_string(),
            datatype: dt.to_string(),
            shape: shape.to_vec(),
        }
    }

    fn ov(args: &[&str]) -> ShapeOverrides {
        ShapeOverrides::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn ov_err(args: &[&str]) -> InputError {
        ShapeOverrides::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap_err()
    }

    fn write_json(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f.flush().unwrap();
        f
    }

    fn strings_of(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
            out.push(bytes[pos + 4..pos + 4 + len].to_vec());
            pos += 4 + len;
        }
        out
    }

    fn b64_encode(data: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            s.push(A[(n >> 18) as usize & 63] as char);
            s.push(A[(n >> 12) as usize & 63] as char);
            s.push(if chunk.len() > 1 {
                A[(n >> 6) as usize & 63] as char
            } else {
                '='
            });
            s.push(if chunk.len() > 2 {
                A[n as usize & 63] as char
            } else {
                '='
            });
        }
        s
    }

    // ---- ShapeOverrides -------------------------------------------------

    #[test]
    fn parse_shapes_ok() {
        let o = ov(&["IMAGE:3,224,224", "ns:tok:1", " X : 4 , 5 "]);
        assert_eq!(o.get("IMAGE"), Some(&[3, 224, 224][..]));
        assert_eq!(
            o.get("ns:tok"),
            Some(&[1][..]),
            "name ends at the last colon"
        );
        assert_eq!(o.get("X"), Some(&[4, 5][..]));
        assert_eq!(o.len(), 3);
        assert!(!o.is_empty());
        assert!(ov(&[]).is_empty());
        // identical repeat is fine
        assert_eq!(ov(&["A:1,2", "A:1,2"]).get("A"), Some(&[1, 2][..]));
        assert_eq!(o.iter().count(), 3);
    }

    #[test]
    fn parse_shapes_errors() {
        for bad in [
            "IMAGE", ":3", "A:", "A:3,,4", "A:3,x", "A:0", "A:-1", "A:3,",
        ] {
            let e = ov_err(&[bad]);
            assert!(matches!(e, InputError::ShapeSyntax { .. }), "{bad}: {e}");
            let msg = e.to_string();
            assert!(msg.contains(bad), "{msg}");
            assert!(msg.contains("NAME:d1,d2"), "{msg}");
        }
        let e = ov_err(&["A:1,2", "A:2,1"]);
        assert!(matches!(e, InputError::ConflictingShape { .. }));
        assert!(e.to_string().contains("`A`"));
    }

    // ---- resolve_shapes ---------------------------------------------------

    #[test]
    fn resolve_batching_model() {
        let inputs = [
            spec("IMAGE", "FP32", &[-1, 3, -1, -1]),
            spec("SCALE", "FP32", &[-1, 1]),
        ];
        let r = resolve_shapes(&inputs, 8, 4, &ov(&["IMAGE:3,224,224"])).unwrap();
        assert_eq!(
            r,
            vec![
                ("IMAGE".to_string(), vec![4, 3, 224, 224]),
                ("SCALE".to_string(), vec![4, 1])
            ]
        );
    }

    #[test]
    fn resolve_non_batching_model() {
        let inputs = [spec("X", "INT64", &[-1, 16]), spec("Y", "BYTES", &[2])];
        let r = resolve_shapes(&inputs, 0, 1, &ov(&["X:5,16"])).unwrap();
        assert_eq!(
            r,
            vec![("X".to_string(), vec![5, 16]), ("Y".to_string(), vec![2])]
        );
    }

    #[test]
    fn resolve_variable_dim_error() {
        let inputs = [spec("IMAGE", "FP32", &[-1, 3, -1, -1])];
        let e = resolve_shapes(&inputs, 8, 1, &ShapeOverrides::default()).unwrap_err();
        assert!(matches!(e, InputError::VariableDim { .. }));
        let msg = e.to_string();
        assert!(msg.contains("IMAGE"), "{msg}");
        assert!(msg.contains("--shape IMAGE:3,<size>,<size>"), "{msg}");
        // allow_variable keeps -1
        let r = resolve_shapes_allow_variable(&inputs, 8, 2, &ShapeOverrides::default()).unwrap();
        assert_eq!(r[0].1, vec![2, 3, -1, -1]);
    }

    #[test]
    fn resolve_unknown_override() {
        let inputs = [spec("A", "FP32", &[-1, 4]), spec("B", "FP32", &[-1, 4])];
        let e = resolve_shapes(&inputs, 4, 1, &ov(&["C:4"])).unwrap_err();
        assert!(matches!(e, InputError::UnknownShapeInput { .. }));
        let msg = e.to_string();
        assert!(msg.contains("`C`") && msg.contains("A, B"), "{msg}");
    }

    #[test]
    fn resolve_batch_errors() {
        let inputs = [spec("A", "FP32", &[-1, 4])];
        let none = ShapeOverrides::default();
        assert!(matches!(
            resolve_shapes(&inputs, 4, 8, &none).unwrap_err(),
            InputError::BatchTooLarge {
                batch_size: 8,
                max_batch_size: 4
            }
        ));
        let inputs0 = [spec("A", "FP32", &[4])];
        assert!(matches!(
            resolve_shapes(&inputs0, 0, 2, &none).unwrap_err(),
            InputError::BatchingUnsupported { batch_size: 2 }
        ));
        assert!(matches!(
            resolve_shapes(&inputs, 4, 0, &none).unwrap_err(),
            InputError::ZeroBatch
        ));
        assert!(matches!(
            resolve_shapes(&[spec("E", "FP32", &[])], 4, 1, &none).unwrap_err(),
            InputError::MissingBatchDim { .. }
        ));
        // scalar input of a non-batching model is fine
        assert_eq!(
            resolve_shapes(&[spec("E", "FP32", &[])], 0, 1, &none).unwrap()[0].1,
            Vec::<i64>::new()
        );
    }

    #[test]
    fn resolve_override_mismatch() {
        let inputs = [spec("IMAGE", "FP32", &[-1, 3, -1, -1])];
        // rank: the user included the batch dim
        let e = resolve_shapes(&inputs, 8, 1, &ov(&["IMAGE:1,3,224,224"])).unwrap_err();
        assert!(matches!(e, InputError::ShapeMismatch { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("4 dimensions given, the model has 3"),
            "{e}"
        );
        // fixed dim
        let e = resolve_shapes(&inputs, 8, 1, &ov(&["IMAGE:4,224,224"])).unwrap_err();
        assert!(e.to_string().contains("dimension 1 is fixed to 3"), "{e}");
        // override of a static input that agrees is accepted
        let st = [spec("S", "FP32", &[2, 2])];
        assert_eq!(
            resolve_shapes(&st, 0, 1, &ov(&["S:2,2"])).unwrap()[0].1,
            vec![2, 2]
        );
    }

    // ---- generate -------------------------------------------------------

    #[test]
    fn generate_zero() {
        let s = spec("X", "FP32", &[-1, 3]);
        let b = generate(
            &s,
            &[2, 3],
            &InputSource::Zero,
            &StringOptions::default(),
            0,
        )
        .unwrap();
        assert_eq!(b, vec![0u8; 24]);
        let s = spec("B", "BOOL", &[4]);
        let b = generate(&s, &[4], &InputSource::Zero, &StringOptions::default(), 0).unwrap();
        assert_eq!(b, vec![0u8; 4]);
    }

    #[test]
    fn generate_zero_bytes_mirrors_perf_analyzer() {
        let s = spec("T", "BYTES", &[3]);
        let opts = StringOptions {
            length: 5,
            data: None,
        };
        let b = generate(&s, &[3], &InputSource::Zero, &opts, 0).unwrap();
        let strs = strings_of(&b);
        assert_eq!(strs.len(), 3);
        assert!(strs.iter().all(|x| x.len() == 5));
        let opts = StringOptions {
            length: 5,
            data: Some("hi".into()),
        };
        let b = generate(&s, &[3], &InputSource::Zero, &opts, 0).unwrap();
        assert_eq!(strings_of(&b), vec![b"hi".to_vec(); 3]);
    }

    #[test]
    fn generate_random_is_deterministic_and_in_range() {
        let s = spec("X", "FP32", &[-1, 100]);
        let src = InputSource::Random { seed: 7 };
        let o = StringOptions::default();
        let a = generate(&s, &[2, 100], &src, &o, 0).unwrap();
        let b = generate(&s, &[2, 100], &src, &o, 0).unwrap();
        let c = generate(&s, &[2, 100], &src, &o, 1).unwrap();
        let d = generate(&s, &[2, 100], &InputSource::Random { seed: 8 }, &o, 0).unwrap();
        let other_name = generate(&spec("Y", "FP32", &[-1, 100]), &[2, 100], &src, &o, 0).unwrap();
        assert_eq!(a.len(), 800);
        assert_eq!(a, b);
        assert_ne!(a, c, "stream changes data");
        assert_ne!(a, d, "seed changes data");
        assert_ne!(a, other_name, "input name changes data");
        for ch in a.chunks(4) {
            let v = f32::from_le_bytes(ch.try_into().unwrap());
            assert!((0.0..1.0).contains(&v), "{v}");
        }
    }

    #[test]
    fn generate_random_all_dtypes() {
        let src = InputSource::Random { seed: 1 };
        let o = StringOptions::default();
        for (dt, size) in [
            ("BOOL", 1),
            ("UINT8", 1),
            ("INT8", 1),
            ("UINT16", 2),
            ("INT16", 2),
            ("UINT32", 4),
            ("INT32", 4),
            ("UINT64", 8),
            ("INT64", 8),
            ("FP16", 2),
            ("BF16", 2),
            ("FP32", 4),
            ("FP64", 8),
        ] {
            let s = spec("X", dt, &[64]);
            let b = generate(&s, &[64], &src, &o, 3).unwrap();
            assert_eq!(b.len(), 64 * size, "{dt}");
        }
        let b = generate(&spec("X", "BOOL", &[64]), &[64], &src, &o, 0).unwrap();
        assert!(b.iter().all(|&x| x <= 1));
        assert!(b.contains(&0) && b.contains(&1));
        let b = generate(&spec("X", "INT64", &[64]), &[64], &src, &o, 0).unwrap();
        for ch in b.chunks(8) {
            let v = i64::from_le_bytes(ch.try_into().unwrap());
            assert!((0..RANDOM_INT_RANGE as i64).contains(&v));
        }
        let b = generate(&spec("X", "FP16", &[64]), &[64], &src, &o, 0).unwrap();
        for ch in b.chunks(2) {
            let h = u16::from_le_bytes(ch.try_into().unwrap());
            assert!(h < 0x3c00, "fp16 {h:#x} must be < 1.0");
        }
        let b = generate(&spec("X", "BF16", &[64]), &[64], &src, &o, 0).unwrap();
        for ch in b.chunks(2) {
            let h = u16::from_le_bytes(ch.try_into().unwrap());
            let v = f32::from_bits(u32::from(h) << 16);
            assert!((0.0..1.0).contains(&v));
        }
        let b = generate(&spec("X", "FP64", &[64]), &[64], &src, &o, 0).unwrap();
        for ch in b.chunks(8) {
            let v = f64::from_le_bytes(ch.try_into().unwrap());
            assert!((0.0..1.0).contains(&v));
        }
    }

    #[test]
    fn generate_random_bytes() {
        let s = spec("T", "BYTES", &[-1, 2]);
        let src = InputSource::Random { seed: 3 };
        let b = generate(
            &s,
            &[2, 2],
            &src,
            &StringOptions {
                length: 10,
                data: None,
            },
            0,
        )
        .unwrap();
        let strs = strings_of(&b);
        assert_eq!(strs.len(), 4);
        for x in &strs {
            assert_eq!(x.len(), 10);
            assert!(x.iter().all(|c| RANDOM_STRING_CHARSET.contains(c)));
        }
        assert_eq!(b.len(), 4 * 14);
        let b = generate(
            &s,
            &[2, 2],
            &src,
            &StringOptions {
                length: 10,
                data: Some("abc".into()),
            },
            0,
        )
        .unwrap();
        assert_eq!(strings_of(&b), vec![b"abc".to_vec(); 4]);
        // empty strings
        let b = generate(
            &s,
            &[1, 2],
            &src,
            &StringOptions {
                length: 0,
                data: None,
            },
            0,
        )
        .unwrap();
        assert_eq!(b, vec![0u8; 8]);
    }

    #[test]
    fn generate_errors() {
        let o = StringOptions::default();
        let src = InputSource::Random { seed: 0 };
        let e = generate(&spec("X", "COMPLEX64", &[1]), &[1], &src, &o, 0).unwrap_err();
        assert!(matches!(e, InputError::UnsupportedDatatype { .. }));
        assert!(e.to_string().contains("COMPLEX64") && e.to_string().contains("`X`"));
        let e = generate(&spec("X", "FP32", &[-1, 3]), &[2, 4], &src, &o, 0).unwrap_err();
        assert!(matches!(e, InputError::RequestShape { .. }), "{e}");
        let e = generate(&spec("X", "FP32", &[-1, 3]), &[-1, 3], &src, &o, 0).unwrap_err();
        assert!(matches!(e, InputError::RequestShape { .. }), "{e}");
        let e = generate(&spec("X", "FP32", &[-1, -1]), &[i64::MAX, 4], &src, &o, 0).unwrap_err();
        assert!(matches!(e, InputError::TooLarge { .. }), "{e}");
        let e = generate(
            &spec("X", "FP32", &[1]),
            &[1],
            &InputSource::File(PathBuf::from("/x.json")),
            &o,
            0,
        )
        .unwrap_err();
        assert!(matches!(e, InputError::FileSourceNotGenerated { .. }));
    }

    // ---- half floats & base64 -------------------------------------------

    #[test]
    fn f16_conversion() {
        assert_eq!(f32_to_f16_bits(0.0), 0x0000);
        assert_eq!(f32_to_f16_bits(-0.0), 0x8000);
        assert_eq!(f32_to_f16_bits(1.0), 0x3c00);
        assert_eq!(f32_to_f16_bits(-2.0), 0xc000);
        assert_eq!(f32_to_f16_bits(0.5), 0x3800);
        assert_eq!(f32_to_f16_bits(65504.0), 0x7bff);
        assert_eq!(f32_to_f16_bits(65520.0), 0x7c00); // rounds up to inf
        assert_eq!(f32_to_f16_bits(65519.0), 0x7bff);
        assert_eq!(f32_to_f16_bits(f32::INFINITY), 0x7c00);
        assert_eq!(f32_to_f16_bits(f32::NEG_INFINITY), 0xfc00);
        assert!(
            f32_to_f16_bits(f32::NAN) & 0x7c00 == 0x7c00 && f32_to_f16_bits(f32::NAN) & 0x3ff != 0
        );
        assert_eq!(f32_to_f16_bits(2f32.powi(-24)), 0x0001); // smallest subnormal
        assert_eq!(f32_to_f16_bits(2f32.powi(-25)), 0x0000); // tie -> even (0)
        assert_eq!(f32_to_f16_bits(2f32.powi(-14)), 0x0400); // smallest normal
        assert_eq!(f32_to_f16_bits(1.0 / 3.0), 0x3555);
        assert_eq!(f32_to_f16_bits(1.0 + 2f32.powi(-11)), 0x3c00); // tie -> even
        assert_eq!(f32_to_f16_bits(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02); // tie -> even (up)
    }

    #[test]
    fn bf16_conversion() {
        assert_eq!(f32_to_bf16_bits(1.0), 0x3f80);
        assert_eq!(f32_to_bf16_bits(-2.0), 0xc000);
        assert_eq!(f32_to_bf16_bits(f32::INFINITY), 0x7f80);
        assert_eq!(f32_to_bf16_bits(f32::from_bits(0x3f80_8000)), 0x3f80); // tie -> even
        assert_eq!(f32_to_bf16_bits(f32::from_bits(0x3f81_8000)), 0x3f82); // tie -> even
        assert_eq!(f32_to_bf16_bits(f32::from_bits(0x3f80_8001)), 0x3f81);
        assert!(f32::from_bits(u32::from(f32_to_bf16_bits(f32::NAN)) << 16).is_nan());
        assert_eq!(f32_to_bf16_bits(f32::MAX), 0x7f80); // overflows to inf
    }

    #[test]
    fn base64_decoding() {
        assert_eq!(
            decode_base64("YmFzZTY0IGRlY29kZXI=").unwrap(),
            b"base64 decoder"
        );
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("Zg==").unwrap(), b"f");
        assert_eq!(decode_base64("Zg").unwrap(), b"f");
        assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
        assert_eq!(decode_base64("Zm9v").unwrap(), b"foo");
        assert_eq!(decode_base64("Zm9v\nYmFy").unwrap(), b"foobar");
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(decode_base64(&b64_encode(&all)).unwrap(), all);
        assert!(decode_base64("Zm9v!")
            .unwrap_err()
            .contains("invalid character"));
        assert!(decode_base64("Z").is_err());
        assert!(decode_base64("Zg==Zg==").unwrap_err().contains("after '='"));
        assert!(decode_base64("Zg===").is_err());
        assert!(decode_base64("Zm9v=").is_err());
        assert!(decode_base64("Zh==").unwrap_err().contains("trailing bits"));
    }

    // ---- load_input_data ------------------------------------------------

    fn i32s(b: &[u8]) -> Vec<i32> {
        b.chunks(4)
            .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn load_flat_arrays_non_batching() {
        let inputs = [
            spec("INPUT0", "INT32", &[4]),
            spec("INPUT1", "FP32", &[2, 2]),
        ];
        let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
        let f = write_json(
            r#"{"data": [
                {"INPUT0": [1,2,3,4], "INPUT1": [0.5, 1, -2, 3.25]},
                {"INPUT0": [5,6,7,8], "INPUT1": [[1,2],[3,4]]}
            ]}"#,
        );
        let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0][0].0, "INPUT0");
        assert_eq!(steps[0][0].1, vec![4]);
        assert_eq!(i32s(&steps[0][0].2), vec![1, 2, 3, 4]);
        assert_eq!(i32s(&steps[1][0].2), vec![5, 6, 7, 8]);
        let f1: Vec<f32> = steps[0][1]
            .2
            .chunks(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(f1, vec![0.5, 1.0, -2.0, 3.25]);
        assert_eq!(steps[1][1].1, vec![2, 2]);
        assert_eq!(steps[1][1].2.len(), 16);
    }

    #[test]
    fn load_batched_concatenates_consecutive_entries() {
        let inputs = [spec("INPUT0", "INT32", &[-1, 2])];
        let shapes = resolve_shapes(&inputs, 8, 2, &ShapeOverrides::default()).unwrap();
        let f =
            write_json(r#"{"data": [{"INPUT0": [1,2]}, {"INPUT0": [3,4]}, {"INPUT0": [5,6]}]}"#);
        let steps = load_input_data_batched(f.path(), &inputs, &shapes, 8).unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[0][0].1, vec![2, 2]);
        assert_eq!(i32s(&steps[0][0].2), vec![1, 2, 3, 4]);
        assert_eq!(i32s(&steps[1][0].2), vec![3, 4, 5, 6]);
        assert_eq!(i32s(&steps[2][0].2), vec![5, 6, 1, 2], "wraps around");
        // batch 1 of a batching model: per-entry "shape" excludes the batch dim
        let shapes1 = resolve_shapes_allow_variable(
            &[spec("V", "INT32", &[-1, -1])],
            8,
            1,
            &ShapeOverrides::default(),
        )
        .unwrap();
        let f = write_json(
            r#"{"data": [{"V": {"content": [1,2,3], "shape": [3]}}, {"V": {"content": [1,2], "shape": [2]}}]}"#,
        );
        let steps =
            load_input_data_batched(f.path(), &[spec("V", "INT32", &[-1, -1])], &shapes1, 8)
                .unwrap();
        assert_eq!(steps[0][0].1, vec![1, 3]);
        assert_eq!(steps[1][0].1, vec![1, 2]);
    }

    #[test]
    fn load_batched_shape_mismatch_between_entries() {
        let inputs = [spec("V", "INT32", &[-1, -1])];
        let shapes =
            resolve_shapes_allow_variable(&inputs, 8, 2, &ShapeOverrides::default()).unwrap();
        let f = write_json(
            r#"{"data": [{"V": {"content": [1,2,3], "shape": [3]}}, {"V": {"content": [1,2], "shape": [2]}}]}"#,
        );
        let e = load_input_data_batched(f.path(), &inputs, &shapes, 8).unwrap_err();
        assert!(matches!(e, InputError::BatchShapes { .. }), "{e}");
        assert!(e.to_string().contains("`V`"));
    }

    #[test]
    fn load_shape_content_and_variable_dims() {
        let inputs = [spec("INPUT", "INT32", &[-1, -1])];
        let shapes =
            resolve_shapes_allow_variable(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
        let f = write_json(
            r#"{"data": [
                {"INPUT": {"content": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "shape": [2,8]}},
                {"INPUT": {"content": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "shape": [8,2]}}
            ]}"#,
        );
        let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
        assert_eq!(steps[0][0].1, vec![2, 8]);
        assert_eq!(steps[1][0].1, vec![8, 2]);
        // without shape and without --shape: error naming entry and input
        let f = write_json(r#"{"data": [{"INPUT": {"content": [1,2]}}]}"#);
        let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
        assert!(matches!(e, InputError::FileVariableDim { .. }), "{e}");
        assert!(e.to_string().contains("data[0]") && e.to_string().contains("INPUT"));
        // with --shape default it works
        let shapes = resolve_shapes(&inputs, 0, 1, &ov(&["INPUT:1,2"])).unwrap();
        let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
        assert_eq!(steps[0][0].1, vec![1, 2]);
    }

    #[test]
    fn load_b64_forms() {
        let inputs = [spec("X", "INT32", &[2])];
        let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
        let raw: Vec<u8> = [7i32, -9].iter().flat_map(|v| v.to_le_bytes()).collect();
        let enc = b64_encode(&raw);
        let f = write_json(&format!(
            r#"{{"data": [{{"X": {{"b64": "{enc}"}}}}, {{"X": {{"content": {{"b64": "{enc}"}}, "shape": [2]}}}}]}}"#
        ));
        let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
        assert_eq!(steps[0][0].2, raw);
        assert_eq!(steps[1][0].2, raw);
        // wrong byte count
        let short = b64_encode(&raw[..6]);
        let f = write_json(&format!(r#"{{"data": [{{"X": {{"b64": "{short}"}}}}]}}"#));
        let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
        assert!(matches!(e, InputError::ByteCount { .. }), "{e}");
        // bad base64
        let f = write_json(r#"{"data": [{"X": {"b64": "!!!!"}}]}"#);
        let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
        assert!(matches!(e, InputError::Base64 { .. }), "{e}");
        assert!(e.to_string().contains("`X`"));
        // b64 not a string
        let f = write_json(r#"{"data": [{"X": {"b64": 5}}]}"#);
        let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
        assert!(matches!(e, InputError::Format { .. }), "{e}");
    }

    #[test]
    fn load_bytes_inputs() {
        let inputs = [spec("INPUT", "BYTES", &[1])];
        let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
        let f = write_json(
            r#"{"data": [[{"INPUT": ["1"]}, {"INPUT": ["2"]}, {"INPUT": ["3"]}], [{"INPUT": ["hello"]}]]}"#,
        );
        let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
        assert_eq!(steps.len(), 4, "streams are flattened");
        assert_eq!(strings_of(&steps[0][0].2), vec![b"1".to_vec()]);
        assert_eq!(strings_of(&steps[3][0].2), vec![b"hello".to_vec()]);
        // b64 for BYTES includes the length prefixes
        let mut raw = Vec::new();
        serialize_strings(&mut raw, std::iter::once(&b"ab"[..]));
        let f = write_json(&format!(
            r#"{{"data": [{{"INPUT": {{"b64": "{}"}}}}]}}"#,
            b64_encode(&raw)
        ));
        let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
        assert_eq!(steps[0][0].2, raw);
        // malformed length prefix
        let f = write_json(&format!(
            r#"{{"data": [{{"INPUT": {{"b64": "{}"}}}}]}}"#,
            b64_encode(&[9, 0, 0, 0, b'a'])
        ));
        let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
        assert!(matches!(e, InputError::ByteCount { .. }), "{e}");
        // number where a string is needed
        let f = write_json(r#"{"data": [{"INPUT": [1]}]}"#);
        let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
        assert!(matches!(e, InputError::NotRepresentable { .. }), "{e}");
    }

    #[test]
    fn load_value_representability() {
        let check = |dt: &str, vals: &str| {
            let inputs = [spec("X", dt, &[1])];
            let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
            let f = write_json(&format!(r#"{{"data": [{{"X": {vals}}}]}}"#));
            load_input_data(f.path(), &inputs, &shapes)
        };
        for (dt, v) in [
            ("UINT8", "[256]"),
            ("UINT8", "[-1]"),
            ("INT8", "[128]"),
            ("INT16", "[40000]"),
            ("UINT32", "[4294967296]"),
            ("INT64", "[9223372036854775808]"),
            ("INT32", "[1.5]"),
            ("INT32", "[\"1\"]"),
            ("BOOL", "[2]"),
            ("BOOL", "[\"true\"]"),
            ("FP32", "[1e39]"),
            ("FP16", "[70000]"),
            ("FP32", "[\"abc\"]"),
            ("FP64", "[null]"),
        ] {
            let e = check(dt, v).unwrap_err();
            assert!(
                matches!(e, InputError::NotRepresentable { .. }),
                "{dt} {v}: {e}"
            );
            let msg = e.to_string();
            assert!(msg.contains(dt) && msg.contains("`X`"), "{msg}");
        }
        for (dt, v, bytes) in [
            ("UINT8", "[255]", vec![255u8]),
            ("INT8", "[-128]", vec![0x80]),
            ("BOOL", "[true]", vec![1]),
            ("BOOL", "[0]", vec![0]),
            ("UINT64", "[18446744073709551615]", vec![0xff; 8]),
            ("INT16", "[-2]", vec![0xfe, 0xff]),
            ("FP16", "[1.0]", vec![0x00, 0x3c]),
            ("BF16", "[1]", vec![0x80, 0x3f]),
            ("FP64", "[2]", 2f64.to_le_bytes().to_vec()),
        ] {
            let steps = check(dt, v).unwrap();
            assert_eq!(steps[0][0].2, bytes, "{dt} {v}");
        }
        let steps = check("FP32", r#"["NaN"]"#).unwrap();
        assert!(f32::from_le_bytes(steps[0][0].2[..].try_into().unwrap()).is_nan());
        let steps = check("FP32", r#"["-Infinity"]"#).unwrap();
        assert_eq!(
            f32::from_le_bytes(steps[0][0].2[..].try_into().unwrap()),
            f32::NEG_INFINITY
        );
    }

    #[test]
    fn load_structural_errors() {
        let inputs = [spec("A", "INT32", &[2]), spec("B", "INT32", &[1])];
        let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
        let run = |text: &str| {
            let f = write_json(text);
            load_input_data(f.path(), &inputs, &shapes).unwrap_err()
        };
        // missing input
        let e = run(r#"{"data": [{"A": [1,2], "B": [1]}, {"A": [1,2]}]}"#);
        assert!(
            matches!(&e, InputError::MissingInput { loc } if loc.step == 1),
            "{e}"
        );
        assert!(e.to_string().contains("data[1]") && e.to_string().contains("`B`"));
        // unknown input
        let e = run(r#"{"data": [{"A": [1,2], "B": [1], "C": [0]}]}"#);
        assert!(matches!(e, InputError::UnknownInput { .. }), "{e}");
        assert!(e.to_string().contains("`C`") && e.to_string().contains("A, B"));
        // element count
        let e = run(r#"{"data": [{"A": [1,2,3], "B": [1]}]}"#);
        assert!(
            matches!(
                e,
                InputError::ElementCount {
                    expected: 2,
                    got: 3,
                    ..
                }
            ),
            "{e}"
        );
        // multi-stream step index is flattened, location keeps stream/step
        let e = run(
            r#"{"data": [[{"A": [1,2], "B": [1]}], [{"A": [1,2], "B": [1]}, {"A": [1], "B": [1]}]]}"#,
        );
        match &e {
            InputError::ElementCount { loc, .. } => {
                assert_eq!(loc.step, 2);
                assert_eq!(loc.at, "data[1][1]");
            }
            other => panic!("{other}"),
        }
        // shape mismatch against the model
        let e = run(r#"{"data": [{"A": {"content": [1,2,3], "shape": [3]}, "B": [1]}]}"#);
        assert!(matches!(e, InputError::FileShapeMismatch { .. }), "{e}");
        // format errors
        for text in [
            r#"[1,2]"#,
            r#"{"nodata": []}"#,
            r#"{"data": {}}"#,
            r#"{"data": []}"#,
            r#"{"data": [{"A": [1,2], "B": [1]}, [{"A": [1,2], "B": [1]}]]}"#,
            r#"{"data": [[{"A": [1,2], "B": [1]}], {"A": [1,2], "B": [1]}]}"#,
            r#"{"data": [5]}"#,
            r#"{"data": [{"A": 5, "B": [1]}]}"#,
            r#"{"data": [{"A": {"shape": [2]}, "B": [1]}]}"#,
            r#"{"data": [{"A": {"content": [1,2], "shpe": [2]}, "B": [1]}]}"#,
            r#"{"data": [{"A": {"content": [1,2], "shape": [-2]}, "B": [1]}]}"#,
            r#"{"data": [{"A": {"content": [1,2], "shape": "2"}, "B": [1]}]}"#,
            r#"{"data": [{"A": {"content": 3}, "B": [1]}]}"#,
            r#"{"data": [{"A": {"content": [1,2], "b64": "AAAA"}, "B": [1]}]}"#,
        ] {
            let e = run(text);
            assert!(matches!(e, InputError::Format { .. }), "{text}: {e}");
            assert!(e.to_string().contains("input_data.md"), "{e}");
        }
    }

    #[test]
    fn huge_inputs_are_refused_before_allocating() {
        let specs = [spec("IN", "FP32", &[-1]), spec("S", "BYTES", &[2])];
        let shapes = vec![("IN".to_string(), vec![100_000_000_000]), ("S".to_string(), vec![2])];
        let e = check_request_bytes(&specs, &shapes, &StringOptions::default(), 1 << 30).unwrap_err();
        let m = e.to_string();
        assert!(matches!(e, InputError::InputTooLarge { bytes: 400_000_000_000, .. }), "{m}");
        assert!(m.contains("`IN`") && m.contains("[100000000000]") && m.contains("400000000000 bytes") && m.contains("372.5 GiB") && m.contains("--shape"), "{m}");
        // Each input fits, together they do not.
        let shapes = vec![("IN".to_string(), vec![200]), ("S".to_string(), vec![2])];
        assert_eq!(check_request_bytes(&specs, &shapes, &StringOptions::default(), 1 << 20).unwrap(), 800 + 2 * 132);
        let e = check_request_bytes(&specs, &shapes, &StringOptions::default(), 900).unwrap_err().to_string();
        assert!(e.contains("together") && e.contains("1064 bytes"), "{e}");
        // Products past u128 saturate instead of wrapping.
        let big = vec![("IN".to_string(), vec![i64::MAX, i64::MAX, i64::MAX])];
        let e = check_request_bytes(&specs, &big, &StringOptions::default(), u64::MAX).unwrap_err().to_string();
        assert!(e.contains("more than 2^128"), "{e}");
        // generate() itself never allocates past the hard cap, whoever calls it.
        let e = generate(&spec("IN", "FP32", &[-1]), &[100_000_000_000], &InputSource::Zero, &StringOptions::default(), 0).unwrap_err();
        assert!(matches!(e, InputError::InputTooLarge { .. }), "{e}");
        let long = StringOptions { length: 1 << 20, data: None };
        let e = generate(&spec("S", "BYTES", &[-1]), &[1 << 15], &InputSource::Random { seed: 0 }, &long, 0).unwrap_err();
        assert!(matches!(e, InputError::InputTooLarge { .. }), "{e}");
    }

    #[test]
    fn input_data_files_are_bounded() {
        let specs = [spec("IN", "FP64", &[-1, 4])];
        let shapes = vec![("IN".to_string(), vec![8, 4])];
        let f = write_json(r#"{"data": [{"IN": [1, 2, 3, 4]}, {"IN": [5, 6, 7, 8]}]}"#);
        // Fits: 2 entries × 8 samples per request × 32 bytes.
        assert_eq!(load_input_data_limited(f.path(), &specs, &shapes, 8, 4096).unwrap().len(), 2);
        // The requests built (512 bytes) exceed a budget the text (55 bytes, × 8) fits in.
        let e = load_input_data_limited(f.path(), &specs, &shapes, 8, 500).unwrap_err().to_string();
        assert!(e.contains("512 bytes") && e.contains("8 samples per request"), "{e}");
        // The text itself is refused before it is read.
        let e = load_input_data_limited(f.path(), &specs, &shapes, 8, 64).unwrap_err().to_string();
        assert!(e.contains("input data file") && e.contains("JSON text"), "{e}");
    }

    #[test]
    fn load_file_and_json_errors() {
        let inputs = [spec("A", "INT32", &[1])];
        let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let e = load_input_data(&missing, &inputs, &shapes).unwrap_err();
        assert!(matches!(e, InputError::FileRead { .. }));
        assert!(e.to_string().contains("nope.json"), "{e}");
        let f = write_json("{\n  \"data\": [\n    {\"A\": [1,]}\n  ]\n}");
        let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
        match &e {
            InputError::Json {
                line, column, path, ..
            } => {
                assert_eq!(*line, 3);
                assert!(*column > 0);
                assert_eq!(path, f.path());
            }
            other => panic!("{other}"),
        }
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn load_batched_validates_dtype_and_batch_dim() {
        let inputs = [spec("A", "WEIRD", &[-1, 1])];
        let f = write_json(r#"{"data": [{"A": [1]}]}"#);
        let e =
            load_input_data_batched(f.path(), &inputs, &[("A".into(), vec![1, 1])], 4).unwrap_err();
        assert!(matches!(e, InputError::UnsupportedDatatype { .. }));
        let inputs = [spec("A", "INT32", &[])];
        let e =
            load_input_data_batched(f.path(), &inputs, &[("A".into(), vec![1])], 4).unwrap_err();
        assert!(matches!(e, InputError::MissingBatchDim { .. }), "{e}");
    }

    #[test]
    fn datatype_names_round_trip() {
        for n in SUPPORTED_DATATYPES.split(", ") {
            let d = DataType::from_wire(n).unwrap();
            assert_eq!(d.wire_name(), n);
        }
        assert_eq!(DataType::from_wire("STRING"), Some(DataType::Bytes));
        assert_eq!(DataType::from_wire("fp32"), None);
        assert_eq!(DataType::Bytes.element_size(), None);
        assert_eq!(DataType::BF16.element_size(), Some(2));
    }

    #[test]
    fn element_count_and_shape_string() {
        assert_eq!(element_count(&[]), Some(1));
        assert_eq!(element_count(&[2, 3]), Some(6));
        assert_eq!(element_count(&[2, 0]), Some(0));
        assert_eq!(element_count(&[-1, 3]), None);
        assert_eq!(element_count(&[i64::MAX, i64::MAX]), None);
        assert_eq!(shape_to_string(&[1, -1, 3]), "[1, -1, 3]");
        assert_eq!(shape_to_string(&[]), "[]");
    }
}
