//! The error type of the model views, and the JSON parsing helper that produces it.

use serde::Deserialize;

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

pub(super) fn parse_json<'a, T: Deserialize<'a>>(
    document: &'static str,
    json: &'a str,
) -> Result<T, ModelError> {
    serde_json::from_str(json).map_err(|source| ModelError::Json { document, source })
}
