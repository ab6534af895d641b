//! `tritium-sys`: raw bindings to the Triton Inference Server in-process C API
//! (`TRITONSERVER_*`, API 1.34 / Triton 2.51 and later), loaded at run time.
//!
//! Nothing here links against libtritonserver: [`TritonServerLib`] is a table
//! of function pointers filled from a library opened with `dlopen`. Opening
//! fails with an error, never a panic, when the library or any symbol this
//! crate declares is missing (`dynamic_link_require_all`).
//!
//! The declarations come from `include/tritium_tritonserver.h`, written for
//! this crate from the upstream ABI. The generated Rust is checked in
//! (`src/bindings.rs`) so that building needs no libclang; the `bindgen`
//! feature regenerates it at build time.
//!
//! Everything here is `unsafe` and raw; the safe layer lives in the `tritium`
//! crate (`tritium::triton`).

#![allow(non_upper_case_globals, non_camel_case_types, non_snake_case, clippy::all)]

#[cfg(feature = "bindgen")]
include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
#[cfg(not(feature = "bindgen"))]
include!("bindings.rs");

use std::ffi::CStr;
use std::fmt;
use std::path::{Path, PathBuf};

/// The API version these bindings were written for.
pub const BOUND_API_VERSION: (u32, u32) = (TRITONSERVER_API_VERSION_MAJOR, TRITONSERVER_API_VERSION_MINOR);

/// Why a libtritonserver could not be opened.
#[derive(Debug)]
pub enum LoadError {
    /// `dlopen` failed (missing file, missing dependency, wrong architecture).
    Open { path: PathBuf, source: libloading::Error },
    /// The library opened but lacks a symbol this crate declares.
    Symbol { path: PathBuf, source: libloading::Error },
    /// `TRITONSERVER_ApiVersion` reported a version these bindings cannot use.
    IncompatibleApi { path: PathBuf, found: (u32, u32), required: (u32, u32) },
    /// `TRITONSERVER_ApiVersion` itself returned an error.
    ApiVersionCall { path: PathBuf, message: String },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Open { path, source } => {
                write!(f, "cannot open {}: {source}", path.display())
            }
            LoadError::Symbol { path, source } => write!(
                f,
                "{} is not a usable libtritonserver (missing symbol): {source}",
                path.display()
            ),
            LoadError::IncompatibleApi { path, found, required } => write!(
                f,
                "{} implements Triton C API {}.{}, but tritium needs {}.{} or a later {}.x \
                 (Triton 2.51 / release 24.10 or newer)",
                path.display(),
                found.0,
                found.1,
                required.0,
                required.1,
                required.0
            ),
            LoadError::ApiVersionCall { path, message } => {
                write!(f, "{}: TRITONSERVER_ApiVersion failed: {message}", path.display())
            }
        }
    }
}

impl fmt::Debug for TritonServerLib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TritonServerLib { .. }")
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Open { source, .. } | LoadError::Symbol { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Whether a library reporting `found` can serve bindings written for `required`:
/// same major, minor at least the required one.
pub fn api_compatible(found: (u32, u32), required: (u32, u32)) -> bool {
    found.0 == required.0 && found.1 >= required.1
}

/// Opens, with `RTLD_NOW | RTLD_GLOBAL`, every shared library in `dir` except
/// libtritonserver itself, retrying in rounds until no more can be opened, so
/// that bundled dependencies without an RPATH of their own (the wheel's
/// `libcurl` needs `libnghttp2` beside it) are already loaded by soname when
/// libtritonserver asks for them. Returns the files that could not be opened.
/// The handles are kept for the life of the process.
///
/// # Safety
/// Opening a library runs its initialisers: `dir` must hold trusted libraries.
pub unsafe fn preload_dependencies(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut pending: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                n.starts_with("lib") && n.contains(".so") && !n.starts_with("libtritonserver") && !p.is_dir()
            })
            .collect(),
        Err(_) => return Vec::new(),
    };
    pending.sort();
    let flags = libc::RTLD_NOW | libc::RTLD_GLOBAL;
    loop {
        let before = pending.len();
        let mut failed = Vec::new();
        for p in pending.drain(..) {
            // SAFETY: the caller trusts the folder's libraries.
            match unsafe { libloading::os::unix::Library::open(Some(&p), flags) } {
                Ok(lib) => std::mem::forget(lib),
                Err(e) => failed.push((p, e.to_string())),
            }
        }
        if failed.is_empty() || failed.len() == before {
            return failed;
        }
        pending = failed.into_iter().map(|(p, _)| p).collect();
    }
}

/// Opens `path` with `RTLD_NOW | RTLD_GLOBAL`, resolves every declared symbol
/// and checks `TRITONSERVER_ApiVersion` against [`BOUND_API_VERSION`].
///
/// Open the real file (not a symlink placed in another folder): the library
/// finds its bundled dependencies through `$ORIGIN`, which the loader takes
/// from the path used here.
///
/// # Safety
/// Opening a shared library runs its initialisers. The caller must trust
/// `path` to be a libtritonserver built for this process's architecture.
pub unsafe fn load(path: &Path) -> Result<TritonServerLib, LoadError> {
    let flags = libc::RTLD_NOW | libc::RTLD_GLOBAL;
    // SAFETY: the caller vouches for the library (see the function's contract).
    let lib = unsafe { libloading::os::unix::Library::open(Some(path), flags) }
        .map_err(|source| LoadError::Open { path: path.to_path_buf(), source })?;
    // SAFETY: every symbol is looked up by the exact name the header declares,
    // with the signature the header gives it.
    let api = unsafe { TritonServerLib::from_library(lib) }
        .map_err(|source| LoadError::Symbol { path: path.to_path_buf(), source })?;
    let (mut major, mut minor) = (0u32, 0u32);
    // SAFETY: both out-pointers point at live u32s for the duration of the call.
    let err = unsafe { (api.TRITONSERVER_ApiVersion)(&mut major, &mut minor) };
    if !err.is_null() {
        // SAFETY: a non-null error returned by Triton is ours to read and delete.
        let message = unsafe {
            let m = CStr::from_ptr((api.TRITONSERVER_ErrorMessage)(err)).to_string_lossy().into_owned();
            (api.TRITONSERVER_ErrorDelete)(err);
            m
        };
        return Err(LoadError::ApiVersionCall { path: path.to_path_buf(), message });
    }
    if !api_compatible((major, minor), BOUND_API_VERSION) {
        return Err(LoadError::IncompatibleApi {
            path: path.to_path_buf(),
            found: (major, minor),
            required: BOUND_API_VERSION,
        });
    }
    Ok(api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_rule() {
        assert!(api_compatible((1, 34), (1, 34)));
        assert!(api_compatible((1, 35), (1, 34)));
        assert!(!api_compatible((1, 33), (1, 34)));
        assert!(!api_compatible((2, 34), (1, 34)));
        assert!(!api_compatible((0, 99), (1, 34)));
    }

    #[test]
    fn missing_library_is_an_error() {
        // SAFETY: the path does not exist; nothing is run.
        let err = unsafe { load(Path::new("/nonexistent/libtritonserver.so")) }.unwrap_err();
        assert!(matches!(err, LoadError::Open { .. }), "{err}");
        assert!(err.to_string().contains("/nonexistent/libtritonserver.so"));
    }

    #[test]
    fn library_without_triton_symbols_is_an_error() {
        // libc is certainly present and certainly not Triton.
        // SAFETY: libc's initialisers already ran in this process.
        let err = unsafe { load(Path::new("libc.so.6")) }.unwrap_err();
        assert!(matches!(err, LoadError::Symbol { .. }), "{err}");
        assert!(err.to_string().contains("missing symbol"), "{err}");
    }
}
