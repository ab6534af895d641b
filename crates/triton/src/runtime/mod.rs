//! Finding a Triton runtime (libtritonserver + backends) and installing one.
//!
//! Search order: an explicit path (CLI `--triton-install-path`, config key
//! `triton_install_path`), the environment variable `TRITIUM_TRITON_PATH`,
//! `/opt/tritonserver` (NVIDIA's image), then the runtime `tritium runtime
//! install` lays out under [`default_install_dir`].

pub mod install;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::{self as triton, Server, ServerOptions};

/// Environment variable naming a Triton install (a folder holding `lib/` and `backends/`).
pub const ENV_VAR: &str = "TRITIUM_TRITON_PATH";
/// Where NVIDIA's tritonserver image keeps Triton.
pub const NVIDIA_IMAGE_PATH: &str = "/opt/tritonserver";
/// The command that installs a runtime.
pub const INSTALL_COMMAND: &str = "tritium runtime install   (or: cargo run --release -- runtime install)";

/// A Triton install found on disk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Runtime {
    /// The install root.
    pub root: PathBuf,
    /// The libtritonserver file opened (the real file, so `$ORIGIN` resolves).
    pub library: PathBuf,
    /// The backends folder.
    pub backends: PathBuf,
    /// How it was found.
    pub source: RuntimeSource,
}

/// Where a runtime came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum RuntimeSource {
    /// `--triton-install-path` or `triton_install_path`.
    Explicit,
    /// The environment variable.
    Environment,
    /// NVIDIA's image.
    NvidiaImage,
    /// Installed by tritium.
    Installed,
}

impl std::fmt::Display for RuntimeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RuntimeSource::Explicit => "explicit path",
            RuntimeSource::Environment => ENV_VAR,
            RuntimeSource::NvidiaImage => "NVIDIA tritonserver image",
            RuntimeSource::Installed => "installed by tritium",
        })
    }
}

/// The folder tritium installs runtimes into:
/// `$TRITIUM_HOME/runtime`, else `$XDG_DATA_HOME/tritium/runtime`, else
/// `~/.local/share/tritium/runtime`.
pub fn default_install_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("TRITIUM_HOME") {
        return PathBuf::from(h).join("runtime");
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("tritium").join("runtime");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local").join("share").join("tritium").join("runtime")
}

/// Checks one candidate root; `Err` says what is missing.
pub fn inspect(root: &Path, source: RuntimeSource) -> std::result::Result<Runtime, String> {
    if !root.is_dir() {
        return Err("does not exist".into());
    }
    let lib_dir = root.join("lib");
    let library = find_library(&lib_dir).ok_or_else(|| format!("no libtritonserver*.so in {}", lib_dir.display()))?;
    let backends = root.join("backends");
    if !backends.is_dir() {
        return Err(format!("no backends folder ({})", backends.display()));
    }
    Ok(Runtime { root: root.to_path_buf(), library, backends, source })
}

fn find_library(lib_dir: &Path) -> Option<PathBuf> {
    let plain = lib_dir.join("libtritonserver.so");
    if plain.exists() {
        // Resolve a symlink so `$ORIGIN` is the folder of the real file.
        return Some(std::fs::canonicalize(&plain).unwrap_or(plain));
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(lib_dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("libtritonserver") && n.contains(".so")))
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Finds a runtime, trying `explicit`, then the environment, then
/// `/opt/tritonserver`, then tritium's own install. The error lists every
/// place tried and the command that fixes it.
pub fn locate(explicit: Option<&Path>) -> Result<Runtime> {
    let mut candidates: Vec<(PathBuf, RuntimeSource)> = Vec::new();
    if let Some(p) = explicit {
        candidates.push((p.to_path_buf(), RuntimeSource::Explicit));
    }
    if let Some(p) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        candidates.push((PathBuf::from(p), RuntimeSource::Environment));
    }
    candidates.push((PathBuf::from(NVIDIA_IMAGE_PATH), RuntimeSource::NvidiaImage));
    candidates.push((install::installed_root(&default_install_dir()), RuntimeSource::Installed));
    let mut tried = Vec::new();
    for (root, source) in candidates {
        match inspect(&root, source) {
            Ok(rt) => return Ok(rt),
            Err(why) => {
                // A configured path that is wrong is an error by itself: don't silently use another.
                if matches!(source, RuntimeSource::Explicit | RuntimeSource::Environment) {
                    let what = if source == RuntimeSource::Explicit { "--triton-install-path / triton_install_path" } else { ENV_VAR };
                    return Err(Error::RuntimeNotFound {
                        tried: vec![(root, format!("{why} ({source})"))],
                        fix: format!("point {what} at a folder holding lib/libtritonserver.so and backends/, or unset it"),
                    });
                }
                tried.push((root.clone(), format!("{why} ({source})")));
            }
        }
    }
    Err(Error::RuntimeNotFound { tried, fix: INSTALL_COMMAND.into() })
}

impl Runtime {
    /// Server options for `model_repository` using this runtime's backends.
    pub fn server_options(&self, model_repository: impl Into<PathBuf>) -> ServerOptions {
        let mut o = ServerOptions::new(model_repository).backend_directory(&self.backends);
        // Without a CUDA driver Triton's DCGM probe only prints errors.
        o.gpu_metrics = crate::gpu::cuda_available();
        o
    }

    /// Loads the library (once per process) and starts a server.
    pub fn start_server(&self, opts: &ServerOptions) -> Result<Server> {
        let api = triton::load_library(&self.library)?;
        Server::new(api, opts)
    }

    /// The Python backend's stub, if installed.
    pub fn python_stub(&self) -> Option<PathBuf> {
        let p = self.backends.join("python").join("triton_python_backend_stub");
        p.exists().then_some(p)
    }

    /// Backends present (folder names under `backends/`).
    pub fn backends_available(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.backends)
            .map(|rd| rd.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()).filter_map(|e| e.file_name().into_string().ok()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// What `tritium runtime install` recorded, if this runtime came from it.
    pub fn manifest(&self) -> Option<install::Manifest> {
        let text = std::fs::read_to_string(self.root.join(install::MANIFEST)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspect_explains_what_is_missing() {
        let d = tempfile::tempdir().unwrap();
        assert!(inspect(&d.path().join("nope"), RuntimeSource::Explicit).unwrap_err().contains("does not exist"));
        assert!(inspect(d.path(), RuntimeSource::Explicit).unwrap_err().contains("libtritonserver"));
        std::fs::create_dir(d.path().join("lib")).unwrap();
        std::fs::write(d.path().join("lib/libtritonserver-abc.so"), b"").unwrap();
        assert!(inspect(d.path(), RuntimeSource::Explicit).unwrap_err().contains("backends"));
        std::fs::create_dir(d.path().join("backends")).unwrap();
        let rt = inspect(d.path(), RuntimeSource::Explicit).unwrap();
        assert!(rt.library.ends_with("libtritonserver-abc.so"));
    }

    #[test]
    fn wrong_explicit_path_is_an_error_naming_it() {
        let err = locate(Some(Path::new("/definitely/not/triton"))).unwrap_err().to_string();
        assert!(err.contains("/definitely/not/triton"), "{err}");
        assert!(err.contains("does not exist"), "{err}");
    }
}
