//! `tritium runtime install`: lays out a Triton runtime from the PyPI wheel
//! `nvidia-pytriton==0.7.0` (Triton 2.51.0 with the Python backend).
//!
//! Layout (what [`super::inspect`] expects, like NVIDIA's `/opt/tritonserver`):
//! ```text
//! <root>/lib/libtritonserver-*.so (+ its bundled dependencies, libtritonserver.so -> it)
//! <root>/bin/tritonserver
//! <root>/backends/python/{libtriton_python.so, triton_python_backend_utils.py, triton_python_backend_stub}
//! <root>/tritium-runtime.json
//! ```
//! The wheel's backend and stub find their libraries through an RPATH
//! relative to the wheel layout; it is rewritten in place to `$ORIGIN/../../lib`
//! (a shorter string, so the ELF needs no resizing).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The wheel the runtime comes from.
pub const WHEEL_REQUIREMENT: &str = "nvidia-pytriton==0.7.0";
/// The Triton version inside it.
pub const TRITON_VERSION: &str = "2.51.0";
/// The manifest file written into the install root.
pub const MANIFEST: &str = "tritium-runtime.json";

const WHEEL_RPATH: &[u8] = b"$ORIGIN/../../../../nvidia_pytriton.libs";
const LAYOUT_RPATH: &[u8] = b"$ORIGIN/../../lib";

/// What the installer recorded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Triton version.
    pub triton_version: String,
    /// The wheel used.
    pub wheel: String,
    /// Python version the stub was taken for ("3.11").
    pub python_version: String,
    /// The interpreter whose version was used.
    pub python_executable: String,
    /// numpy version the stub's Python imported at install time, if any.
    pub numpy_version: Option<String>,
}

/// Installer options.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// Folder that receives `triton-<version>/` (default: [`super::default_install_dir`]).
    pub dest: Option<PathBuf>,
    /// Use this wheel file instead of downloading it with pip.
    pub wheel: Option<PathBuf>,
    /// Python executable the stub must match (default: `python3` on PATH).
    pub python: Option<String>,
    /// Replace an existing install.
    pub force: bool,
    /// Do not try to install numpy with apt when it is missing.
    pub no_fix: bool,
    /// Lay out the stub for this Python version ("3.12") instead of the local
    /// Python's, to carry the runtime to another machine; skips the numpy check.
    pub target_python_version: Option<String>,
}

/// The install root inside `base`.
pub fn installed_root(base: &Path) -> PathBuf {
    base.join(format!("triton-{TRITON_VERSION}"))
}

fn run(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd.output().map_err(|e| Error::Install(format!("{what}: cannot run {:?}: {e}", cmd.get_program())))?;
    if !out.status.success() {
        return Err(Error::Install(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `(major.minor, sys.executable)` of `python`.
pub fn python_version(python: &str) -> Result<(String, String)> {
    let out = run(
        Command::new(python).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"]),
        &format!("asking {python} for its version"),
    )?;
    let mut lines = out.lines();
    let ver = lines.next().unwrap_or_default().to_string();
    let exe = lines.next().unwrap_or(python).to_string();
    Ok((ver, exe))
}

/// numpy version importable by `python`, if any.
pub fn numpy_version(python: &str) -> Option<String> {
    run(Command::new(python).args(["-c", "import numpy; print(numpy.__version__)"]), "numpy check").ok()
}

/// Rewrites the wheel-relative RPATH of an ELF file in place. Returns whether it changed.
pub fn patch_rpath(file: &Path) -> Result<bool> {
    let mut bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let changed = replace_rpath(&mut bytes);
    if changed {
        std::fs::write(file, &bytes).map_err(|e| Error::io(file, e))?;
    }
    Ok(changed)
}

/// Replaces every NUL-terminated occurrence of the wheel RPATH with the
/// layout RPATH, padding with NULs so that no offset in the ELF moves.
pub(crate) fn replace_rpath(bytes: &mut [u8]) -> bool {
    let mut needle = WHEEL_RPATH.to_vec();
    needle.push(0);
    let mut changed = false;
    let mut i = 0;
    while i + needle.len() <= bytes.len() {
        if bytes[i..i + needle.len()] == needle[..] {
            let slot = &mut bytes[i..i + needle.len()];
            slot.fill(0);
            slot[..LAYOUT_RPATH.len()].copy_from_slice(LAYOUT_RPATH);
            changed = true;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    changed
}

const EXTRACT_PY: &str = r#"
import sys, zipfile, os, stat
wheel, dest, pyver = sys.argv[1], sys.argv[2], sys.argv[3]
want = ("nvidia_pytriton.libs/", "pytriton/tritonserver/bin/tritonserver",
        "pytriton/tritonserver/backends/python/",
        "pytriton/tritonserver/python_backend_stubs/%s/" % pyver)
n = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.filename.startswith(want) and not info.is_dir():
            z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(os.path.join(dest, info.filename), mode)
            n += 1
print(n)
"#;

/// Installs the runtime; `log` receives one line per step.
pub fn install(opts: &InstallOptions, mut log: impl FnMut(&str)) -> Result<super::Runtime> {
    let base = opts.dest.clone().unwrap_or_else(super::default_install_dir);
    let root = installed_root(&base);
    if root.exists() && !opts.force {
        if let Ok(rt) = super::inspect(&root, super::RuntimeSource::Installed) {
            log(&format!("already installed at {} (use --force to reinstall)", root.display()));
            return Ok(rt);
        }
    }
    std::fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    let python = opts.python.clone().unwrap_or_else(|| "python3".into());
    let (pyver, pyexe) = match &opts.target_python_version {
        Some(v) => (v.clone(), format!("python{v} on the target machine")),
        None => python_version(&python)?,
    };
    log(&format!("Python for the backend stub: {pyexe} ({pyver})"));

    let scratch = tempfile::Builder::new().prefix(".tritium-install-").tempdir_in(&base).map_err(|e| Error::io(&base, e))?;
    let wheel = match &opts.wheel {
        Some(w) => w.clone(),
        None => {
            log(&format!("downloading {WHEEL_REQUIREMENT} (no dependencies) with pip"));
            run(
                Command::new(&python).args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", WHEEL_REQUIREMENT, "-d"]).arg(scratch.path()),
                "pip download",
            )?;
            std::fs::read_dir(scratch.path())
                .map_err(|e| Error::io(scratch.path(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|x| x == "whl"))
                .ok_or_else(|| Error::Install("pip reported success but left no wheel".into()))?
        }
    };
    let unpacked = scratch.path().join("unpacked");
    log(&format!("extracting {}", wheel.display()));
    run(Command::new(&python).arg("-c").arg(EXTRACT_PY).arg(&wheel).arg(&unpacked).arg(&pyver), "extracting the wheel")?;
    let stub_src = unpacked.join(format!("pytriton/tritonserver/python_backend_stubs/{pyver}/triton_python_backend_stub"));
    if !stub_src.exists() {
        return Err(Error::Install(format!(
            "the wheel has no Python backend stub for Python {pyver} (it ships 3.8–3.13); pass --python with a supported interpreter"
        )));
    }

    // Build the layout next to the final place, then rename it in atomically.
    let staging = scratch.path().join("root");
    let lib = staging.join("lib");
    let py_backend = staging.join("backends").join("python");
    let bin = staging.join("bin");
    for d in [&lib, &py_backend, &bin] {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let libs_src = unpacked.join("nvidia_pytriton.libs");
    let mut tritonserver_lib = None;
    for e in std::fs::read_dir(&libs_src).map_err(|e| Error::io(&libs_src, e))? {
        let p = e.map_err(|e| Error::io(&libs_src, e))?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        // The bundled libpython serves only the 3.13 stub; the local stub links the system one.
        if name.starts_with("libpython3") {
            continue;
        }
        if name.starts_with("libtritonserver") {
            tritonserver_lib = Some(name.clone());
        }
        std::fs::rename(&p, lib.join(&name)).map_err(|e| Error::io(&p, e))?;
    }
    let tlib = tritonserver_lib.ok_or_else(|| Error::Install("the wheel holds no libtritonserver".into()))?;
    std::os::unix::fs::symlink(&tlib, lib.join("libtritonserver.so")).map_err(|e| Error::io(lib.join("libtritonserver.so"), e))?;
    let be_src = unpacked.join("pytriton/tritonserver/backends/python");
    for e in std::fs::read_dir(&be_src).map_err(|e| Error::io(&be_src, e))? {
        let p = e.map_err(|e| Error::io(&be_src, e))?.path();
        if p.is_file() {
            let dst = py_backend.join(p.file_name().unwrap_or_default());
            std::fs::rename(&p, &dst).map_err(|e| Error::io(&p, e))?;
        }
    }
    std::fs::rename(&stub_src, py_backend.join("triton_python_backend_stub")).map_err(|e| Error::io(&stub_src, e))?;
    let server_bin = unpacked.join("pytriton/tritonserver/bin/tritonserver");
    if server_bin.exists() {
        std::fs::rename(&server_bin, bin.join("tritonserver")).map_err(|e| Error::io(&server_bin, e))?;
    }
    for f in [py_backend.join("libtriton_python.so"), py_backend.join("triton_python_backend_stub")] {
        if !patch_rpath(&f)? {
            return Err(Error::Install(format!("{}: expected the wheel's RPATH; is this {WHEEL_REQUIREMENT}?", f.display())));
        }
    }
    log("laid out lib/, bin/, backends/python/ and rewrote the backend's RPATH");

    let local = opts.target_python_version.is_none();
    // The stub links the system libpython of its version.
    let ldd = run(Command::new("ldd").arg(py_backend.join("triton_python_backend_stub")), "ldd on the stub").unwrap_or_default();
    if let Some(line) = ldd.lines().find(|l| local && l.contains("not found")) {
        return Err(Error::Install(format!(
            "the Python {pyver} backend stub cannot start: {}. Install the shared libpython (Debian/Ubuntu: apt-get install libpython{pyver})",
            line.trim()
        )));
    }

    let numpy = if local { ensure_numpy(&python, &pyver, opts.no_fix, &mut log)? } else { None };
    let manifest = Manifest {
        triton_version: TRITON_VERSION.into(),
        wheel: WHEEL_REQUIREMENT.into(),
        python_version: pyver,
        python_executable: pyexe,
        numpy_version: numpy,
    };
    let mjson = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Json { what: "manifest".into(), source: e })?;
    std::fs::write(staging.join(MANIFEST), mjson).map_err(|e| Error::io(staging.join(MANIFEST), e))?;

    if root.exists() {
        let old = scratch.path().join("old");
        std::fs::rename(&root, &old).map_err(|e| Error::io(&root, e))?;
    }
    std::fs::rename(&staging, &root).map_err(|e| Error::io(&root, e))?;
    log(&format!("installed Triton {TRITON_VERSION} at {}", root.display()));
    super::inspect(&root, super::RuntimeSource::Installed).map_err(Error::Install)
}

/// The stub runs the Python whose `python3` is first on PATH (a venv there
/// wins) and otherwise the system prefix of its libpython: check both.
fn ensure_numpy(python: &str, pyver: &str, no_fix: bool, log: &mut impl FnMut(&str)) -> Result<Option<String>> {
    let system_python = format!("/usr/bin/python{pyver}");
    let found = numpy_version(python).or_else(|| numpy_version(&system_python));
    if let Some(v) = &found {
        log(&format!("numpy {v} importable by the stub's Python"));
        if v.split('.').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0) >= 2 {
            log("WARNING: numpy >= 2 makes this Python backend (Triton 2.51) return empty outputs for numpy-made tensors; use numpy 1.x (see docs/runtime.md)");
        }
        return Ok(found);
    }
    let is_root = std::env::var("USER").map(|u| u == "root").unwrap_or(false) || run(Command::new("id").arg("-u"), "id").map(|s| s == "0").unwrap_or(false);
    let have_apt = Path::new("/usr/bin/apt-get").exists();
    if !no_fix && is_root && have_apt && Path::new(&system_python).exists() {
        log("numpy missing for the stub's Python: apt-get install -y python3-numpy");
        run(Command::new("apt-get").args(["install", "-y", "-q", "python3-numpy"]).env("DEBIAN_FRONTEND", "noninteractive"), "apt-get install python3-numpy")?;
        if let Some(v) = numpy_version(&system_python) {
            log(&format!("numpy {v} installed"));
            return Ok(Some(v));
        }
    }
    Err(Error::Install(format!(
        "the Python backend stub's Python ({python}, Python {pyver}) cannot import numpy. Fix: apt-get install python3-numpy (system Python) \
         or `{python} -m pip install 'numpy<2'` in the venv first on PATH, then run the install again"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpath_rewrite_keeps_length_and_pads() {
        let mut b = b"xx\0$ORIGIN/../../../../nvidia_pytriton.libs\0yy".to_vec();
        let len = b.len();
        assert!(replace_rpath(&mut b));
        assert_eq!(b.len(), len);
        assert!(b.windows(LAYOUT_RPATH.len() + 1).any(|w| w[..LAYOUT_RPATH.len()] == *LAYOUT_RPATH && w[LAYOUT_RPATH.len()] == 0));
        assert!(b.ends_with(b"\0yy"));
        assert!(!replace_rpath(&mut b), "second pass finds nothing");
    }

    #[test]
    fn rpath_needs_the_terminator() {
        let mut b = b"$ORIGIN/../../../../nvidia_pytriton.libsX".to_vec();
        assert!(!replace_rpath(&mut b));
    }

    #[test]
    fn root_is_versioned() {
        assert!(installed_root(Path::new("/x")).ends_with("triton-2.51.0"));
    }
}
