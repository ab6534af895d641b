//! Helpers shared by the integration tests: the real runtime, the fixture
//! repository, and one embedded server per test binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use tritium::triton::runtime::{self, Runtime};
use tritium::triton::{InputBuffer, Server};

/// The repository root (`TRITIUM_REPO` overrides the build-time path, for
/// test binaries carried to another machine).
pub fn repo_root() -> PathBuf {
    std::env::var_os("TRITIUM_REPO").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The fixture model repository.
pub fn models_dir() -> PathBuf {
    repo_root().join("tests").join("models")
}

/// The Triton runtime. Tests need a real one: `.ci/run` installs it.
pub fn runtime() -> Runtime {
    runtime::locate(None).unwrap_or_else(|e| panic!("integration tests need a Triton runtime ({e}); run `cargo run -- runtime install` or .ci/run"))
}

/// One server on the fixture repository, shared by the tests of a binary.
/// (Two embedded servers in one process collide in the Python backend.)
pub fn server() -> &'static Server {
    shared_server()
}

/// The same server as an `Arc` (for `ModelBench::with_server`).
pub fn server_arc() -> std::sync::Arc<Server> {
    shared_server().clone()
}

fn shared_server() -> &'static std::sync::Arc<Server> {
    static SERVER: OnceLock<std::sync::Arc<Server>> = OnceLock::new();
    SERVER.get_or_init(|| {
        let rt = runtime();
        if std::env::var_os("TRITIUM_TEST_TRITON_LOG").is_some() {
            tritium::triton::set_default_log_level(tritium::triton::LogLevel::Info);
        }
        let opts = rt.server_options(models_dir()).exit_timeout_secs(5);
        std::sync::Arc::new(rt.start_server(&opts).expect("starting the embedded server"))
    })
}

/// The tritium binary: `$TRITIUM_BIN` (test binaries carried to another
/// machine), else the one cargo built.
pub fn tritium_bin() -> PathBuf {
    std::env::var_os("TRITIUM_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tritium")))
}

/// `n` FP32 values `start, start+step, ...`.
pub fn ramp(n: usize, start: f32, step: f32) -> Vec<f32> {
    (0..n).map(|i| start + step * i as f32).collect()
}

/// Host buffer of f32s.
pub fn f32s(v: &[f32]) -> InputBuffer {
    InputBuffer::f32s(v)
}

/// Number of Python backend stub processes that are children of this
/// process and serve `model` (one per model instance; a stub's command line
/// names the model's `model.py`).
pub fn stub_processes(model: &str) -> usize {
    tritium::util::procfs::children_matching(&format!("/{model}/1/model.py")).len()
}
