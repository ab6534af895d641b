//! The FFI layer: every `unsafe` call into libtritonserver lives in this
//! module tree, each block with a `// SAFETY:` note. Above it the crate is safe.
//!
//! Ownership (see docs/ARCHITECTURE.md):
//! - [`Server`] owns the `TRITONSERVER_Server` and the response allocator; its
//!   `Drop` stops and deletes them (bounded by the exit timeout).
//! - [`InferRequest`] owns one `TRITONSERVER_InferenceRequest` while idle; while
//!   in flight Triton owns it and the request's heap state is kept alive by a
//!   raw pointer handed to the callbacks, reclaimed when both the final
//!   response and the release have arrived (or when `ServerInferAsync` fails).
//! - [`Response`] owns one `TRITONSERVER_InferenceResponse`; output buffers
//!   come from [`allocator`] and go back to it when the response is dropped.

pub mod error;
pub mod gpu;
pub mod runtime;
pub mod shm;

pub use error::{Error, Result};

pub mod allocator;
mod message;
pub mod request;
pub mod response;
pub mod server;
mod shared;
mod send_sync;
pub mod trace;

pub use allocator::OutputMemory;
pub use request::{Completion, CompletionHandler, InferRequest, InputBuffer, ParameterValue, RequestBuilder};
pub use response::{Output, Response};
pub use trace::{Trace, Tracer};
pub use server::{set_default_log_level, LogLevel, LogOptions, Server, ServerOptions, UnloadOutcome};

use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tritium_sys as sys;

use crate::error::TritonCode;

struct Loaded {
    api: sys::TritonServerLib,
    path: PathBuf,
}

static LIB: OnceLock<Loaded> = OnceLock::new();

/// Loads libtritonserver from `path` once per process and returns its API.
///
/// The library is never unloaded: Triton starts threads and backends that
/// outlive any one server. Asking for a different path later is an error.
pub fn load_library(path: &Path) -> Result<&'static sys::TritonServerLib> {
    if let Some(l) = LIB.get() {
        return same_or_error(l, path);
    }
    // SAFETY: `path` was chosen by the runtime locator as a libtritonserver
    // (or given explicitly by the user); opening it and the libraries beside it
    // runs their initialisers. Failures to preload are not fatal: `load` reports
    // the dependency that is really missing.
    let api = unsafe {
        if let Some(dir) = path.parent() {
            let _ = sys::preload_dependencies(dir);
        }
        sys::load(path)
    }?;
    let _ = LIB.set(Loaded { api, path: path.to_path_buf() });
    match LIB.get() {
        Some(l) => same_or_error(l, path),
        None => Err(Error::InvalidArgument("libtritonserver failed to register".into())),
    }
}

fn same_or_error(l: &'static Loaded, path: &Path) -> Result<&'static sys::TritonServerLib> {
    let a = std::fs::canonicalize(&l.path).unwrap_or_else(|_| l.path.clone());
    let b = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if a == b {
        Ok(&l.api)
    } else {
        Err(Error::AlreadyLoaded { loaded: l.path.clone(), requested: path.to_path_buf() })
    }
}

/// The loaded API, if [`load_library`] succeeded earlier.
pub fn loaded_library() -> Option<(&'static sys::TritonServerLib, &'static Path)> {
    LIB.get().map(|l| (&l.api, l.path.as_path()))
}

/// The `(major, minor)` C API version of the loaded library.
pub fn api_version(api: &sys::TritonServerLib) -> Result<(u32, u32)> {
    let (mut major, mut minor) = (0u32, 0u32);
    // SAFETY: both out-pointers are valid for the call.
    check(api, unsafe { (api.TRITONSERVER_ApiVersion)(&mut major, &mut minor) }, "TRITONSERVER_ApiVersion")?;
    Ok((major, minor))
}

/// Converts a Triton error pointer into a `Result`, deleting the error.
pub(crate) fn check(api: &sys::TritonServerLib, err: *mut sys::TRITONSERVER_Error, context: &str) -> Result<()> {
    if err.is_null() {
        return Ok(());
    }
    Err(take_error(api, err, context))
}

/// Reads and deletes a non-null Triton error.
pub(crate) fn take_error(api: &sys::TritonServerLib, err: *mut sys::TRITONSERVER_Error, context: &str) -> Error {
    // SAFETY: `err` is a non-null error returned by Triton and owned by us;
    // the message pointer is valid until the error is deleted, so it is copied first.
    unsafe {
        let code = TritonCode::from_raw((api.TRITONSERVER_ErrorCode)(err));
        let msg = (api.TRITONSERVER_ErrorMessage)(err);
        let message = if msg.is_null() { String::new() } else { CStr::from_ptr(msg).to_string_lossy().into_owned() };
        (api.TRITONSERVER_ErrorDelete)(err);
        Error::Triton { context: context.to_string(), code, message }
    }
}

/// Makes a NUL-terminated copy of `s`, rejecting interior NULs with a clear error.
pub(crate) fn cstring(s: &str, what: &str) -> Result<std::ffi::CString> {
    std::ffi::CString::new(s).map_err(|_| Error::InvalidArgument(format!("{what} {s:?} contains a NUL byte")))
}

/// Copies a C string owned by Triton.
///
/// # Safety
/// `p` must be null or a valid NUL-terminated string for the duration of the call.
pub(crate) unsafe fn copy_cstr(p: *const std::os::raw::c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// Triton's numeric data type for a wire name ("FP32", "BYTES", ...).
pub fn datatype_from_wire(api: &sys::TritonServerLib, name: &str) -> Result<sys::TRITONSERVER_DataType> {
    let c = cstring(name, "data type")?;
    // SAFETY: `c` is a valid C string for the call; the function only reads it.
    let dt = unsafe { (api.TRITONSERVER_StringToDataType)(c.as_ptr()) };
    if dt == sys::TRITONSERVER_TYPE_INVALID {
        return Err(Error::InvalidArgument(format!("unknown Triton data type {name:?}")));
    }
    Ok(dt)
}

/// The wire name of a Triton data type.
pub fn datatype_name(api: &sys::TritonServerLib, dt: sys::TRITONSERVER_DataType) -> String {
    // SAFETY: returns a pointer to a static string (or null for bad values).
    unsafe { copy_cstr((api.TRITONSERVER_DataTypeString)(dt)) }
}
