//! [`InputError`]: everything that can go wrong building request inputs, each
//! naming the input and/or file and saying what to do; [`DataLocation`] names
//! the place in an `--input-data` file.

use std::path::PathBuf;

/// The datatypes tritium can generate and parse, as error messages list them.
pub(super) const SUPPORTED_DATATYPES: &str =
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
    /// A request shape passed to [`generate`](super::generate) does not fit the input.
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
    #[error("{what} needs {} ({}), above the limit of {limit}; {fix}", bytes_text(*.bytes), crate::limits::human_bytes(*.bytes))]
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
    /// An `--input-data` directory cannot give an input's data.
    #[error("--input-data directory: {path}: {reason}")]
    InputDir {
        /// The input's file in the directory.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// [`generate`](super::generate) was asked to generate data that comes from a file.
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

pub(super) fn bytes_text(b: u128) -> String {
    if b == u128::MAX {
        "more than 2^128 bytes".to_string()
    } else {
        format!("{b} bytes")
    }
}
