//! `tritium doctor`: what runtime was found, whether it can serve a Python
//! model end to end, and what CUDA/NVML/GPUs this process sees.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use tritium_triton::error::{Error, Result};
use tritium_triton::gpu::cuda::{cuda_status, CudaStatus};
use tritium_triton::gpu::nvml::{GpuInfo, Gpus};
use tritium_triton::runtime::{self as runtime, Runtime};
use tritium_triton::InputBuffer;

const PROBE_MODEL: &str = "tritium_doctor_probe";
/// How long the probe inference may take (the stub's first request included).
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
const PROBE_CONFIG: &str = r#"name: "tritium_doctor_probe"
backend: "python"
max_batch_size: 0
input [ { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "ENV" data_type: TYPE_STRING dims: [ 1 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
"#;
const PROBE_PY: &str = r#"import sys
import numpy as np
import triton_python_backend_utils as pb_utils

class TritonPythonModel:
    def execute(self, requests):
        env = "numpy %s; python %d.%d; prefix %s" % (np.__version__, sys.version_info[0], sys.version_info[1], sys.prefix)
        out = []
        for r in requests:
            x = pb_utils.get_input_tensor_by_name(r, "IN").as_numpy()
            out.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("OUT", (x * 2).astype(np.float32)),
                pb_utils.Tensor("ENV", np.array([env.encode()], dtype=np.object_)),
            ]))
        return out
"#;

/// Result of serving a tiny Python model through the embedded server.
#[derive(Debug, Clone, Serialize)]
pub struct SmokeReport {
    /// Triton version reported by the server.
    pub triton_version: String,
    /// C API version of the library.
    pub api_version: (u32, u32),
    /// What the stub's Python reported ("numpy 1.24.2; python 3.11; prefix /usr").
    pub stub_environment: String,
    /// Time to start the server.
    pub server_start: Duration,
    /// Time to load the probe model (stub process start included).
    pub model_load: Duration,
}

/// Starts a server on a temporary repository holding a probe model, loads it,
/// runs one request and checks the numbers.
pub fn smoke_test(rt: &Runtime) -> Result<SmokeReport> {
    let repo = tempfile::Builder::new().prefix("tritium-doctor-").tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let model_dir = repo.path().join(PROBE_MODEL);
    let version_dir = model_dir.join("1");
    std::fs::create_dir_all(&version_dir).map_err(|e| Error::io(&version_dir, e))?;
    std::fs::write(model_dir.join("config.pbtxt"), PROBE_CONFIG).map_err(|e| Error::io(&model_dir, e))?;
    std::fs::write(version_dir.join("model.py"), PROBE_PY).map_err(|e| Error::io(&version_dir, e))?;

    let t0 = Instant::now();
    let opts = rt.server_options(repo.path()).exit_timeout_secs(5);
    let server = rt.start_server(&opts)?;
    let server_start = t0.elapsed();
    let (api, _) = tritium_triton::loaded_library().ok_or(Error::ServerGone)?;
    let api_version = tritium_triton::api_version(api)?;
    let triton_version = server.metadata()?.version;
    let t1 = Instant::now();
    server.load_model(PROBE_MODEL)?;
    let model_load = t1.elapsed();
    let input = [1.5f32, -2.0, 0.25, 8.0];
    let req = server.request(PROBE_MODEL, -1).input("IN", "FP32", &[4], InputBuffer::f32s(&input));
    let done = crate::probe::issue_and_wait(req, PROBE_TIMEOUT)?.ok_or_else(|| {
        Error::InvalidArgument(format!("the probe model did not answer within {} s: the Python backend stub is stuck (check the stub's Python and numpy)", PROBE_TIMEOUT.as_secs()))
    })?;
    let _req = done.request;
    let resp = done.response?;
    // Triton does not check what a backend returns: compare with the declared outputs.
    let meta = server.model_metadata(PROBE_MODEL, -1)?;
    crate::validate::OutputCheck::from_metadata(&meta, 0, 1)
        .check(&resp)
        .map_err(|m| Error::InvalidArgument(format!("the probe model's outputs do not match its declared outputs: {m}; the Python backend returns wrong tensors (numpy >= 2 in the stub's Python does this with Triton 2.51; install numpy<2)")))?;
    let out = resp.output_named("OUT")?.to_f32s()?;
    let expect: Vec<f32> = input.iter().map(|v| v * 2.0).collect();
    if out != expect {
        return Err(Error::InvalidArgument(format!(
            "the probe model answered {out:?} instead of {expect:?}: the Python backend returns wrong outputs \
             (numpy >= 2 in the stub's Python does this with Triton 2.51; install numpy<2)"
        )));
    }
    let env = resp.output_named("ENV")?.to_byte_strings()?;
    let stub_environment = env.first().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
    drop(resp);
    drop(_req);
    server.shutdown()?;
    Ok(SmokeReport { triton_version, api_version, stub_environment, server_start, model_load })
}

/// Everything `tritium doctor` reports.
#[derive(Debug, Serialize)]
pub struct DoctorReport {
    /// The runtime found, or why none was.
    pub runtime: std::result::Result<Runtime, String>,
    /// Backends in the runtime.
    pub backends: Vec<String>,
    /// Python stub present.
    pub python_stub: Option<String>,
    /// The installer's manifest.
    pub manifest: Option<runtime::install::Manifest>,
    /// The end-to-end probe.
    pub smoke: Option<std::result::Result<SmokeReport, String>>,
    /// CUDA status.
    pub cuda: String,
    /// NVML status or GPUs.
    pub gpus: std::result::Result<Vec<GpuInfo>, String>,
}

impl DoctorReport {
    /// Whether the runtime can serve models.
    pub fn ok(&self) -> bool {
        matches!(self.smoke, Some(Ok(_)))
    }
}

/// Collects the report (starts a server briefly when a runtime is found).
pub fn run(explicit: Option<&Path>) -> DoctorReport {
    let runtime = runtime::locate(explicit).map_err(|e| e.to_string());
    let (backends, python_stub, manifest, smoke) = match &runtime {
        Ok(rt) => (
            rt.backends_available(),
            rt.python_stub().map(|p| p.display().to_string()),
            rt.manifest(),
            Some(smoke_test(rt).map_err(|e| e.to_string())),
        ),
        Err(_) => (Vec::new(), None, None, None),
    };
    let cuda = match cuda_status() {
        CudaStatus::NoDriverLibrary => "not available (no libcuda.so: CPU-only machine)".to_string(),
        CudaStatus::Unusable(why) => format!("present but unusable: {why}"),
        CudaStatus::Available { devices } => format!("available, {devices} device(s)"),
    };
    let gpus = Gpus::probe().map(|g| g.infos().to_vec());
    DoctorReport { runtime, backends, python_stub, manifest, smoke, cuda, gpus }
}

impl std::fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        match &self.runtime {
            Ok(rt) => {
                let _ = writeln!(s, "runtime        {} ({})", rt.root.display(), rt.source);
                let _ = writeln!(s, "library        {}", rt.library.display());
                let _ = writeln!(s, "backends       {}", if self.backends.is_empty() { "none".to_string() } else { self.backends.join(", ") });
                let _ = writeln!(s, "python stub    {}", self.python_stub.as_deref().unwrap_or("MISSING (no Python backend models can load)"));
                if let Some(m) = &self.manifest {
                    let _ = writeln!(s, "installed from {} for Python {}", m.wheel, m.python_version);
                }
            }
            Err(e) => {
                let _ = writeln!(s, "runtime        NOT FOUND\n{e}");
            }
        }
        match &self.smoke {
            Some(Ok(r)) => {
                let _ = writeln!(s, "triton         {} (C API {}.{})", r.triton_version, r.api_version.0, r.api_version.1);
                let _ = writeln!(s, "stub python    {}", r.stub_environment);
                let _ = writeln!(s, "probe model    served correctly (server start {:.2} s, model load {:.2} s)", r.server_start.as_secs_f64(), r.model_load.as_secs_f64());
            }
            Some(Err(e)) => {
                let _ = writeln!(s, "probe model    FAILED: {e}");
            }
            None => {}
        }
        let _ = writeln!(s, "cuda           {}", self.cuda);
        let _ = match tritium_triton::gpu::nvtx::nvtx() {
            Some(n) => writeln!(s, "nvtx           ranges on ({})", n.path().display()),
            None => writeln!(s, "nvtx           off (no libnvToolsExt found; set TRITIUM_NVTX_LIB to its path to get ranges)"),
        };
        match &self.gpus {
            Ok(g) if g.is_empty() => {
                let _ = writeln!(s, "gpus           NVML found no GPUs");
            }
            Ok(g) => {
                for gpu in g {
                    let _ = writeln!(s, "gpu {}          {} ({:.1} GiB) {}", gpu.index, gpu.name, gpu.memory_total_bytes as f64 / (1u64 << 30) as f64, gpu.uuid);
                }
            }
            Err(e) => {
                let _ = writeln!(s, "gpus           none ({e})");
            }
        }
        if !self.ok() {
            let _ = writeln!(s, "\nverdict        the runtime cannot serve models.");
            let advice = match (&self.runtime, &self.smoke) {
                (Err(_), _) => format!("Install one with: {}", runtime::INSTALL_COMMAND),
                (Ok(_), Some(Err(e))) if e.contains("numpy") => "Make numpy<2 importable by the stub's Python (apt-get install python3-numpy), then run tritium doctor again.".to_string(),
                _ => format!("Reinstall with: {} --force", runtime::INSTALL_COMMAND),
            };
            let _ = writeln!(s, "advice         {advice}");
        } else {
            let _ = writeln!(s, "\nverdict        ready");
        }
        f.write_str(&s)
    }
}
