//! The JSON report: written atomically, read back only at this
//! [`SCHEMA_VERSION`].

use std::io;
use std::path::Path;

use super::{BenchReport, ExportError, SCHEMA_VERSION};
use tritium_util::write_atomic;

/// Writes the report as pretty-printed JSON, atomically (see
/// [`write_atomic`]). Non-finite floats would be written as `null` and fail
/// to read back, so keep every `f64` finite.
pub fn write_json(report: &BenchReport, path: &Path) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(report).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Reads a report written by [`write_json`]. A `schema_version` other than
/// [`SCHEMA_VERSION`] (or none) is an error saying so.
pub fn read_json(path: &Path) -> Result<BenchReport, ExportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ExportError::Json {
            path: path.to_path_buf(),
            source,
        })?;
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        None => {
            return Err(ExportError::MissingSchema {
                path: path.to_path_buf(),
                supported: SCHEMA_VERSION,
            })
        }
        Some(v) if v != u64::from(SCHEMA_VERSION) => {
            return Err(ExportError::UnsupportedSchema {
                path: path.to_path_buf(),
                found: v,
                supported: SCHEMA_VERSION,
            })
        }
        Some(_) => {}
    }
    // Parse from the text (not the Value) so errors carry line and column.
    serde_json::from_str(&text).map_err(|source| ExportError::Json {
        path: path.to_path_buf(),
        source,
    })
}
