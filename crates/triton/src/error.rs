//! The library's error type. Every error says what failed, on which model,
//! file or path, and — where there is one — what to do about it.

use std::path::PathBuf;

/// Triton's error codes (`TRITONSERVER_Error_Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TritonCode {
    Unknown,
    Internal,
    NotFound,
    InvalidArg,
    Unavailable,
    Unsupported,
    AlreadyExists,
    Cancelled,
}

impl TritonCode {
    /// Maps the raw enum value; unknown values map to `Unknown`.
    pub fn from_raw(code: u32) -> Self {
        match code {
            1 => TritonCode::Internal,
            2 => TritonCode::NotFound,
            3 => TritonCode::InvalidArg,
            4 => TritonCode::Unavailable,
            5 => TritonCode::Unsupported,
            6 => TritonCode::AlreadyExists,
            7 => TritonCode::Cancelled,
            _ => TritonCode::Unknown,
        }
    }
}

impl std::fmt::Display for TritonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            TritonCode::Unknown => "Unknown",
            TritonCode::Internal => "Internal",
            TritonCode::NotFound => "Not found",
            TritonCode::InvalidArg => "Invalid argument",
            TritonCode::Unavailable => "Unavailable",
            TritonCode::Unsupported => "Unsupported",
            TritonCode::AlreadyExists => "Already exists",
            TritonCode::Cancelled => "Cancelled",
        };
        f.write_str(s)
    }
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A Triton C API call returned an error.
    #[error("{context}: Triton error ({code}): {message}")]
    Triton { context: String, code: TritonCode, message: String },

    /// libtritonserver could not be opened or is incompatible.
    #[error(transparent)]
    Load(#[from] tritium_sys::LoadError),

    /// No Triton runtime was found in any of the places searched.
    #[error("no Triton runtime found. Tried:\n{}\nFix: {fix}", tried.iter().map(|(p, why)| format!("  - {}: {why}", p.display())).collect::<Vec<_>>().join("\n"))]
    RuntimeNotFound { tried: Vec<(PathBuf, String)>, fix: String },

    /// A second, different libtritonserver was requested in a process that already loaded one.
    #[error("libtritonserver is already loaded from {loaded}; a process can hold only one (asked for {requested})")]
    AlreadyLoaded { loaded: PathBuf, requested: PathBuf },

    /// Installing the runtime failed.
    #[error("runtime install failed: {0}")]
    Install(String),

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    /// JSON from Triton or from the user could not be parsed.
    #[error("{what}: invalid JSON: {source}")]
    Json { what: String, source: serde_json::Error },

    /// A caller-supplied argument is invalid (names the argument and the fix).
    #[error("{0}")]
    InvalidArgument(String),

    /// CUDA is needed for the requested memory but is not usable here.
    #[error("CUDA: {0}")]
    Cuda(String),

    /// The server was shut down while the operation was pending.
    #[error("the embedded server has been shut down")]
    ServerGone,
}

/// Short alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Triton's error code, when this error came from Triton.
    pub fn triton_code(&self) -> Option<TritonCode> {
        match self {
            Error::Triton { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
