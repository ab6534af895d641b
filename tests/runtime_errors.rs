//! A missing or incompatible libtritonserver, and a missing runtime, give clear errors.

use std::path::Path;
use std::process::Command;

use tritium::triton::error::Error;

#[test]
fn missing_library_names_the_path() {
    let e = tritium::triton::load_library(Path::new("/nonexistent/lib/libtritonserver.so")).unwrap_err();
    assert!(matches!(e, Error::Load(_)), "{e}");
    assert!(e.to_string().contains("/nonexistent/lib/libtritonserver.so"), "{e}");
}

/// Builds a fake libtritonserver exporting every symbol tritium binds, whose
/// `TRITONSERVER_ApiVersion` reports `major.minor`.
fn fake_library(dir: &Path, major: u32, minor: u32) -> std::path::PathBuf {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("sys/include/tritium_tritonserver.h")).unwrap();
    // Every identifier `TRITONSERVER_*` directly followed by '(' is a declared function.
    let mut names: Vec<String> = Vec::new();
    let bytes = header.as_bytes();
    let mut i = 0;
    while let Some(pos) = header[i..].find("TRITONSERVER_") {
        let start = i + pos;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        let preceded_by_star_paren = start > 0 && bytes[start - 1] == b'*' && start > 1 && bytes[start - 2] == b'(';
        if end < bytes.len() && bytes[end] == b'(' && !preceded_by_star_paren {
            names.push(header[start..end].to_string());
        }
        i = end;
    }
    names.sort();
    names.dedup();
    assert!(names.len() > 80, "parsed {} functions", names.len());
    let mut c = String::from("#include <stdint.h>\n");
    for n in &names {
        if n == "TRITONSERVER_ApiVersion" {
            c += &format!("void* {n}(uint32_t* a, uint32_t* b) {{ *a = {major}; *b = {minor}; return 0; }}\n");
        } else {
            c += &format!("void* {n}(void) {{ return 0; }}\n");
        }
    }
    let src = dir.join("fake.c");
    std::fs::write(&src, c).unwrap();
    let lib = dir.join("libtritonserver.so");
    let st = Command::new("cc").args(["-shared", "-fPIC", "-o"]).arg(&lib).arg(&src).status().expect("a C compiler (cc) to build the fake library");
    assert!(st.success());
    lib
}

#[test]
fn incompatible_api_version_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let old = fake_library(d.path(), 1, 20);
    // SAFETY: the fake library has no initialisers and returns constants.
    let e = unsafe { tritium_sys::load(&old) }.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, tritium_sys::LoadError::IncompatibleApi { found: (1, 20), .. }), "{msg}");
    assert!(msg.contains("1.20") && msg.contains("1.34"), "{msg}");

    let d2 = tempfile::tempdir().unwrap();
    let next_major = fake_library(d2.path(), 2, 0);
    // SAFETY: as above.
    let e = unsafe { tritium_sys::load(&next_major) }.unwrap_err();
    assert!(matches!(e, tritium_sys::LoadError::IncompatibleApi { found: (2, 0), .. }), "{e}");

    let d3 = tempfile::tempdir().unwrap();
    let newer_minor = fake_library(d3.path(), 1, 40);
    // SAFETY: as above.
    assert!(unsafe { tritium_sys::load(&newer_minor) }.is_ok(), "1.40 is compatible with 1.34");
}

#[test]
fn no_runtime_lists_every_place_tried_and_the_fix() {
    let d = tempfile::tempdir().unwrap();
    // A configured path that is wrong is named, not skipped.
    let out = Command::new(env!("CARGO_BIN_EXE_tritium"))
        .args(["runtime", "path"])
        .env("TRITIUM_TRITON_PATH", d.path().join("nothing-here"))
        .env("TRITIUM_HOME", d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("nothing-here") && err.contains("TRITIUM_TRITON_PATH"), "{err}");
    // Nothing configured, nothing installed: every default place is listed with the fix.
    let out = Command::new(env!("CARGO_BIN_EXE_tritium"))
        .args(["runtime", "path"])
        .env_remove("TRITIUM_TRITON_PATH")
        .env("TRITIUM_HOME", d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if Path::new("/opt/tritonserver/lib").exists() {
        return;
    }
    assert!(!out.status.success());
    assert!(err.contains("triton-2.51.0"), "{err}");
    assert!(err.contains("runtime install"), "{err}");
    // /opt/tritonserver is tried too (it may exist on a GPU box, then the test can't see it fail).
    if !Path::new("/opt/tritonserver/lib").exists() {
        assert!(err.contains("/opt/tritonserver"), "{err}");
    }
}

#[test]
fn doctor_fails_with_advice_without_a_runtime() {
    let d = tempfile::tempdir().unwrap();
    if Path::new("/opt/tritonserver/lib").exists() {
        eprintln!("skipped: /opt/tritonserver exists here");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_tritium"))
        .arg("doctor")
        .env_remove("TRITIUM_TRITON_PATH")
        .env("TRITIUM_HOME", d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NOT FOUND") && text.contains("runtime install"), "{text}");
}
