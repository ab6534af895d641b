//! The embedded server: options, lifecycle, model control and queries.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tritium_sys as sys;

use super::allocator;
use super::message::take_json;
use super::request::RequestBuilder;
use super::shared::ServerShared;
use super::{check, cstring};
use crate::error::{Error, Result};
use tritium_model::metrics::Metrics;
use tritium_model::{ModelConfig, ModelIndexEntry, ModelMetadata, ModelStatistics, ServerMetadata};

/// Triton's log verbosity for the embedded server (process-global in Triton).
#[derive(Debug, Clone, PartialEq)]
pub struct LogOptions {
    /// Log INFO lines.
    pub info: bool,
    /// Log WARNING lines.
    pub warn: bool,
    /// Log ERROR lines.
    pub error: bool,
    /// Verbose level (0 = off).
    pub verbose: i32,
    /// Write the log to this file instead of stderr.
    pub file: Option<PathBuf>,
}

/// How much the embedded Triton logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Errors only (tritium's default).
    Error,
    /// Errors and warnings.
    Warn,
    /// Errors, warnings and info.
    Info,
    /// Everything, verbose level 1.
    Verbose,
}

impl tritium_util::Choice for LogLevel {
    const ALL: &'static [Self] = &[LogLevel::Off, LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Verbose];
    fn name(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Verbose => "verbose",
        }
    }
    fn help(self) -> &'static str {
        match self {
            LogLevel::Off => "Nothing",
            LogLevel::Error => "Errors only (tritium's default)",
            LogLevel::Warn => "Errors and warnings",
            LogLevel::Info => "Errors, warnings and info",
            LogLevel::Verbose => "Everything, verbose level 1",
        }
    }
}

static DEFAULT_LOG: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);

/// Sets the log level that [`LogOptions::default`] uses from now on.
pub fn set_default_log_level(level: LogLevel) {
    DEFAULT_LOG.store(level as u8, std::sync::atomic::Ordering::Relaxed);
}

impl LogOptions {
    /// Log options for `level`.
    pub fn level(level: LogLevel) -> Self {
        let l = level as u8;
        LogOptions { error: l >= 1, warn: l >= 2, info: l >= 3, verbose: i32::from(l >= 4), file: None }
    }
}

impl Default for LogOptions {
    fn default() -> Self {
        let level = match DEFAULT_LOG.load(std::sync::atomic::Ordering::Relaxed) {
            0 => LogLevel::Off,
            1 => LogLevel::Error,
            2 => LogLevel::Warn,
            3 => LogLevel::Info,
            _ => LogLevel::Verbose,
        };
        LogOptions::level(level)
    }
}

/// Everything needed to start an embedded server. Built with the setters;
/// model control is always EXPLICIT (tritium loads exactly what it measures).
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The model repository (read-only to tritium).
    pub model_repository: PathBuf,
    /// More repositories Triton also serves models from (e.g. tritium's
    /// aliases of the repository's models; a model name must be unique
    /// across all of them).
    pub extra_model_repositories: Vec<PathBuf>,
    /// Folder holding `<backend>/libtriton_<backend>.so`.
    pub backend_directory: Option<PathBuf>,
    /// Folder of repository agents, if any.
    pub repo_agent_directory: Option<PathBuf>,
    /// Strict model config (off by default: Triton may complete configs).
    pub strict_model_config: bool,
    /// Logging.
    pub log: LogOptions,
    /// Pinned host memory pool size; `None` keeps Triton's default (256 MiB).
    pub pinned_memory_pool_bytes: Option<u64>,
    /// CUDA memory pool size per GPU `(device, bytes)`; unset GPUs keep Triton's default (64 MiB).
    pub cuda_memory_pool_bytes: Vec<(i32, u64)>,
    /// Seconds Triton waits for in-flight work at shutdown.
    pub exit_timeout_secs: u32,
    /// How often Triton retries a failed model load (default 0).
    pub model_load_retry_count: u32,
    /// CUDA peer access between GPUs (tritonserver's default: on).
    pub enable_peer_access: bool,
    /// Prometheus metrics on/off (off also disables GPU/CPU metrics).
    pub metrics: bool,
    /// GPU metrics (DCGM) on/off.
    pub gpu_metrics: bool,
    /// CPU metrics on/off.
    pub cpu_metrics: bool,
    /// Metrics refresh interval.
    pub metrics_interval_ms: Option<u64>,
    /// Lowest CUDA compute capability Triton accepts.
    pub min_compute_capability: Option<f64>,
    /// `--backend-config=<backend>,<setting>=<value>` equivalents.
    pub backend_config: Vec<(String, String, String)>,
}

impl ServerOptions {
    /// Options for `model_repository` with tritium's defaults.
    pub fn new(model_repository: impl Into<PathBuf>) -> Self {
        ServerOptions {
            model_repository: model_repository.into(),
            extra_model_repositories: Vec::new(),
            backend_directory: None,
            repo_agent_directory: None,
            strict_model_config: false,
            log: LogOptions::default(),
            pinned_memory_pool_bytes: None,
            cuda_memory_pool_bytes: Vec::new(),
            exit_timeout_secs: 10,
            model_load_retry_count: 0,
            enable_peer_access: true,
            metrics: true,
            gpu_metrics: true,
            cpu_metrics: true,
            metrics_interval_ms: None,
            min_compute_capability: None,
            backend_config: Vec::new(),
        }
    }
    /// Adds a repository Triton also serves models from.
    pub fn also_model_repository(mut self, dir: impl Into<PathBuf>) -> Self {
        self.extra_model_repositories.push(dir.into());
        self
    }
    /// Sets the backend directory.
    pub fn backend_directory(mut self, dir: impl Into<PathBuf>) -> Self {
        self.backend_directory = Some(dir.into());
        self
    }
    /// Turns strict model config on or off.
    pub fn strict_model_config(mut self, strict: bool) -> Self {
        self.strict_model_config = strict;
        self
    }
    /// Sets logging.
    pub fn log(mut self, log: LogOptions) -> Self {
        self.log = log;
        self
    }
    /// Sets the pinned memory pool size in bytes.
    pub fn pinned_memory_pool_bytes(mut self, bytes: u64) -> Self {
        self.pinned_memory_pool_bytes = Some(bytes);
        self
    }
    /// Sets the CUDA memory pool size of one GPU.
    pub fn cuda_memory_pool_bytes(mut self, device: i32, bytes: u64) -> Self {
        self.cuda_memory_pool_bytes.retain(|(d, _)| *d != device);
        self.cuda_memory_pool_bytes.push((device, bytes));
        self
    }
    /// Sets the exit timeout in seconds.
    pub fn exit_timeout_secs(mut self, secs: u32) -> Self {
        self.exit_timeout_secs = secs;
        self
    }
    /// Turns all metrics on or off.
    pub fn metrics(mut self, on: bool) -> Self {
        self.metrics = on;
        self.gpu_metrics &= on;
        self.cpu_metrics &= on;
        self
    }
    /// Adds a backend setting.
    pub fn backend_config(mut self, backend: &str, setting: &str, value: &str) -> Self {
        self.backend_config.push((backend.into(), setting.into(), value.into()));
        self
    }
}

/// An embedded Triton server. Dropping it stops the server, waiting at most
/// the exit timeout for in-flight requests, then deletes it.
pub struct Server {
    shared: Arc<ServerShared>,
    exit_timeout_secs: u32,
    /// Prefix of the Python backend's shared-memory regions in `/dev/shm`
    /// (tritium's own unless the options set `shm-region-prefix-name`),
    /// removed at shutdown when Triton leaves them behind.
    shm_prefix: Option<String>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("exit_timeout_secs", &self.exit_timeout_secs).finish_non_exhaustive()
    }
}

struct OptionsGuard<'a> {
    api: &'a sys::TritonServerLib,
    raw: *mut sys::TRITONSERVER_ServerOptions,
}

impl Drop for OptionsGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: `raw` came from ServerOptionsNew and is deleted exactly once here.
        let _ = check(self.api, unsafe { (self.api.TRITONSERVER_ServerOptionsDelete)(self.raw) }, "ServerOptionsDelete");
    }
}

fn path_cstring(p: &std::path::Path, what: &str) -> Result<CString> {
    cstring(&p.to_string_lossy(), what)
}

impl Server {
    /// Starts a server with `opts` on the loaded library `api`.
    pub fn new(api: &'static sys::TritonServerLib, opts: &ServerOptions) -> Result<Server> {
        if !opts.model_repository.is_dir() {
            return Err(Error::InvalidArgument(format!(
                "model repository {} is not a directory",
                opts.model_repository.display()
            )));
        }
        let mut raw_opts: *mut sys::TRITONSERVER_ServerOptions = std::ptr::null_mut();
        // SAFETY: out-pointer to a live local.
        check(api, unsafe { (api.TRITONSERVER_ServerOptionsNew)(&mut raw_opts) }, "ServerOptionsNew")?;
        let g = OptionsGuard { api, raw: raw_opts };
        let o = g.raw;
        let repo = path_cstring(&opts.model_repository, "model repository path")?;
        // The Python backend names its /dev/shm regions with this prefix: a
        // prefix of our own lets shutdown remove exactly what this server left.
        let mut backend_config = opts.backend_config.clone();
        let user_prefix = backend_config.iter().any(|(b, s, _)| b == "python" && s == SHM_PREFIX_SETTING);
        let shm_prefix = (!user_prefix).then(crate::shm::unique_prefix);
        if let Some(p) = &shm_prefix {
            backend_config.push(("python".into(), SHM_PREFIX_SETTING.into(), p.clone()));
        }
        // SAFETY: (this whole block) `o` is a live options object owned by `g`;
        // every string argument is a CString that outlives its call; Triton copies values.
        unsafe {
            check(api, (api.TRITONSERVER_ServerOptionsSetServerId)(o, c"tritium".as_ptr()), "SetServerId")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetModelRepositoryPath)(o, repo.as_ptr()), "SetModelRepositoryPath")?;
            for extra in &opts.extra_model_repositories {
                let c = path_cstring(extra, "model repository path")?;
                check(api, (api.TRITONSERVER_ServerOptionsSetModelRepositoryPath)(o, c.as_ptr()), "SetModelRepositoryPath")?;
            }
            check(api, (api.TRITONSERVER_ServerOptionsSetModelControlMode)(o, sys::TRITONSERVER_MODEL_CONTROL_EXPLICIT), "SetModelControlMode")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetStrictModelConfig)(o, opts.strict_model_config), "SetStrictModelConfig")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetStrictReadiness)(o, false), "SetStrictReadiness")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetExitOnError)(o, false), "SetExitOnError")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetExitTimeout)(o, opts.exit_timeout_secs), "SetExitTimeout")?;
            // Triton 24.10's options constructor leaves both uninitialised: on the H200
            // box a failed load was retried forever until this was set.
            check(api, (api.TRITONSERVER_ServerOptionsSetModelLoadRetryCount)(o, opts.model_load_retry_count), "SetModelLoadRetryCount")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetEnablePeerAccess)(o, opts.enable_peer_access), "SetEnablePeerAccess")?;
            if let Some(dir) = &opts.backend_directory {
                let c = path_cstring(dir, "backend directory")?;
                check(api, (api.TRITONSERVER_ServerOptionsSetBackendDirectory)(o, c.as_ptr()), "SetBackendDirectory")?;
            }
            if let Some(dir) = &opts.repo_agent_directory {
                let c = path_cstring(dir, "repository agent directory")?;
                check(api, (api.TRITONSERVER_ServerOptionsSetRepoAgentDirectory)(o, c.as_ptr()), "SetRepoAgentDirectory")?;
            }
            let log = &opts.log;
            if let Some(file) = &log.file {
                let c = path_cstring(file, "log file")?;
                check(api, (api.TRITONSERVER_ServerOptionsSetLogFile)(o, c.as_ptr()), "SetLogFile")?;
            }
            check(api, (api.TRITONSERVER_ServerOptionsSetLogInfo)(o, log.info), "SetLogInfo")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetLogWarn)(o, log.warn), "SetLogWarn")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetLogError)(o, log.error), "SetLogError")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetLogVerbose)(o, log.verbose), "SetLogVerbose")?;
            if let Some(b) = opts.pinned_memory_pool_bytes {
                check(api, (api.TRITONSERVER_ServerOptionsSetPinnedMemoryPoolByteSize)(o, b), "SetPinnedMemoryPoolByteSize")?;
            }
            for &(dev, b) in &opts.cuda_memory_pool_bytes {
                check(api, (api.TRITONSERVER_ServerOptionsSetCudaMemoryPoolByteSize)(o, dev, b), "SetCudaMemoryPoolByteSize")?;
            }
            if let Some(cc) = opts.min_compute_capability {
                check(api, (api.TRITONSERVER_ServerOptionsSetMinSupportedComputeCapability)(o, cc), "SetMinSupportedComputeCapability")?;
            }
            check(api, (api.TRITONSERVER_ServerOptionsSetMetrics)(o, opts.metrics), "SetMetrics")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetGpuMetrics)(o, opts.metrics && opts.gpu_metrics), "SetGpuMetrics")?;
            check(api, (api.TRITONSERVER_ServerOptionsSetCpuMetrics)(o, opts.metrics && opts.cpu_metrics), "SetCpuMetrics")?;
            if let Some(ms) = opts.metrics_interval_ms {
                check(api, (api.TRITONSERVER_ServerOptionsSetMetricsInterval)(o, ms), "SetMetricsInterval")?;
            }
            for (backend, setting, value) in backend_config.iter() {
                let (b, s, v) = (cstring(backend, "backend")?, cstring(setting, "backend setting")?, cstring(value, "backend setting value")?);
                check(api, (api.TRITONSERVER_ServerOptionsSetBackendConfig)(o, b.as_ptr(), s.as_ptr(), v.as_ptr()), "SetBackendConfig")?;
            }
        }
        let allocator = allocator::new_response_allocator(api)?;
        let mut raw: *mut sys::TRITONSERVER_Server = std::ptr::null_mut();
        // SAFETY: `o` is a complete options object; out-pointer to a live local.
        let created = check(api, unsafe { (api.TRITONSERVER_ServerNew)(&mut raw, o) }, "TRITONSERVER_ServerNew");
        drop(g);
        if let Err(e) = created {
            // SAFETY: the allocator was created above and is referenced by nothing else.
            unsafe { (api.TRITONSERVER_ResponseAllocatorDelete)(allocator) };
            return Err(e);
        }
        Ok(Server {
            shared: Arc::new(ServerShared::new(api, raw, allocator)),
            exit_timeout_secs: opts.exit_timeout_secs,
            shm_prefix,
        })
    }

    /// A handle that creates request traces for this server's library.
    pub fn tracer(&self) -> crate::trace::Tracer {
        crate::trace::Tracer::new(self.api())
    }

    pub(crate) fn api(&self) -> &'static sys::TritonServerLib {
        self.shared.api
    }

    fn raw(&self) -> *mut sys::TRITONSERVER_Server {
        self.shared.raw
    }

    /// `TRITONSERVER_ServerIsLive`.
    pub fn is_live(&self) -> Result<bool> {
        let mut v = false;
        // SAFETY: live server pointer; out-pointer to a local.
        check(self.api(), unsafe { (self.api().TRITONSERVER_ServerIsLive)(self.raw(), &mut v) }, "ServerIsLive")?;
        Ok(v)
    }

    /// `TRITONSERVER_ServerIsReady`.
    pub fn is_ready(&self) -> Result<bool> {
        let mut v = false;
        // SAFETY: live server pointer; out-pointer to a local.
        check(self.api(), unsafe { (self.api().TRITONSERVER_ServerIsReady)(self.raw(), &mut v) }, "ServerIsReady")?;
        Ok(v)
    }

    /// Server name, version and extensions.
    pub fn metadata(&self) -> Result<ServerMetadata> {
        let json = self.message("server metadata", |api, raw, out| {
            // SAFETY: live server; out-pointer to a local.
            unsafe { (api.TRITONSERVER_ServerMetadata)(raw, out) }
        })?;
        parse_json(&json, "server metadata")
    }

    /// Loads (or reloads) `model` from the repository as it is on disk.
    pub fn load_model(&self, model: &str) -> Result<()> {
        let name = cstring(model, "model name")?;
        // SAFETY: live server; name outlives the call.
        let r = check(self.api(), unsafe { (self.api().TRITONSERVER_ServerLoadModel)(self.raw(), name.as_ptr()) }, &format!("load model '{model}'"));
        self.with_load_reason(model, r)
    }

    /// Triton's load errors often say only "failed to poll from model
    /// repository"; the repository index holds the real reason: append it.
    fn with_load_reason(&self, model: &str, r: Result<()>) -> Result<()> {
        match r {
            Err(Error::Triton { context, code, mut message }) => {
                if let Ok(idx) = self.model_index(false) {
                    if let Some(reason) = idx.iter().find(|m| m.name == model).and_then(|m| m.reason.clone()).filter(|r| !r.is_empty() && !message.contains(r.as_str())) {
                        message = format!("{message}: {reason}");
                    }
                }
                Err(Error::Triton { context, code, message })
            }
            other => other,
        }
    }

    /// Loads (or reloads) `model` with `config_json` (ModelConfig protobuf
    /// JSON) in place of its config.pbtxt. Nothing is written to disk.
    pub fn load_model_with_config_json(&self, model: &str, config_json: &str) -> Result<()> {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(config_json) {
            return Err(Error::Json { what: format!("config override for model '{model}'"), source: e });
        }
        let api = self.api();
        let name = cstring(model, "model name")?;
        let value = cstring(config_json, "model config JSON")?;
        // SAFETY: both strings outlive the call; Triton copies the value.
        let param = unsafe { (api.TRITONSERVER_ParameterNew)(c"config".as_ptr(), sys::TRITONSERVER_PARAMETER_STRING, value.as_ptr().cast()) };
        if param.is_null() {
            return Err(Error::InvalidArgument("TRITONSERVER_ParameterNew returned null".into()));
        }
        let params = [param as *const sys::TRITONSERVER_Parameter];
        // SAFETY: live server; `params` holds one valid parameter for the call.
        let r = unsafe { (api.TRITONSERVER_ServerLoadModelWithParameters)(self.raw(), name.as_ptr(), params.as_ptr() as *mut _, 1) };
        // SAFETY: the parameter is ours and no longer referenced by Triton after the call.
        unsafe { (api.TRITONSERVER_ParameterDelete)(param) };
        let r = check(api, r, &format!("load model '{model}' with config override"));
        self.with_load_reason(model, r)
    }

    /// Loads `model` with `config` in place of its config.pbtxt.
    pub fn load_model_with_config(&self, model: &str, config: &ModelConfig) -> Result<()> {
        self.load_model_with_config_json(model, &config.to_json())
    }

    /// Unloads `model` and, if `wait` is given, waits until Triton reports it
    /// gone (Triton's unload returns before instances are torn down).
    pub fn unload_model(&self, model: &str, wait: Option<Duration>) -> Result<()> {
        match wait {
            None => self.request_unload(model),
            Some(wait) => match self.unload_model_bounded(model, wait, &AtomicBool::new(false))? {
                UnloadOutcome::Unloaded => Ok(()),
                UnloadOutcome::TimedOut { state } => Err(Error::InvalidArgument(format!("model '{model}' did not unload within {wait:?} (still {state})"))),
                UnloadOutcome::Cancelled => Err(Error::InvalidArgument(format!("unload of model '{model}' cancelled"))),
            },
        }
    }

    /// The prefix of the Python backend's `/dev/shm` regions of this server
    /// (`None` when the options chose one: then shutdown removes nothing).
    pub fn shm_prefix(&self) -> Option<&str> {
        self.shm_prefix.as_deref()
    }

    fn request_unload(&self, model: &str) -> Result<()> {
        let name = cstring(model, "model name")?;
        // SAFETY: live server; name outlives the call.
        check(self.api(), unsafe { (self.api().TRITONSERVER_ServerUnloadModel)(self.raw(), name.as_ptr()) }, &format!("unload model '{model}'"))
    }

    /// Asks Triton to unload `model` and waits until it is gone, at most
    /// `timeout`, returning early when `cancel` is set (checked every 20 ms).
    /// A model Triton cannot finish unloading (Triton 2.51 leaves a Python
    /// model whose `execute()` raised in UNLOADING for good) ends in
    /// [`UnloadOutcome::TimedOut`] with its state, never a hang.
    pub fn unload_model_bounded(&self, model: &str, timeout: Duration, cancel: &AtomicBool) -> Result<UnloadOutcome> {
        self.request_unload(model)?;
        let deadline = Instant::now() + timeout;
        loop {
            let state = self.model_index(false)?.into_iter().find(|m| m.name == model && matches!(m.state.as_deref(), Some("READY" | "UNLOADING"))).and_then(|m| m.state);
            let Some(state) = state else { return Ok(UnloadOutcome::Unloaded) };
            if cancel.load(Ordering::Relaxed) {
                return Ok(UnloadOutcome::Cancelled);
            }
            if Instant::now() >= deadline {
                return Ok(UnloadOutcome::TimedOut { state });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether `model` (version `-1` = latest) is ready for inference.
    pub fn model_ready(&self, model: &str, version: i64) -> Result<bool> {
        let name = cstring(model, "model name")?;
        let mut v = false;
        // SAFETY: live server; name outlives the call; out-pointer to a local.
        check(self.api(), unsafe { (self.api().TRITONSERVER_ServerModelIsReady)(self.raw(), name.as_ptr(), version, &mut v) }, &format!("model '{model}' readiness"))?;
        Ok(v)
    }

    /// The repository index: every model Triton knows, with its state.
    pub fn model_index(&self, ready_only: bool) -> Result<Vec<ModelIndexEntry>> {
        let flags = if ready_only { sys::TRITONSERVER_INDEX_FLAG_READY } else { 0 };
        let json = self.message("model index", |api, raw, out| {
            // SAFETY: live server; out-pointer to a local.
            unsafe { (api.TRITONSERVER_ServerModelIndex)(raw, flags, out) }
        })?;
        parse_json(&json, "model index")
    }

    /// Inputs, outputs and platform of a loaded model.
    pub fn model_metadata(&self, model: &str, version: i64) -> Result<ModelMetadata> {
        let name = cstring(model, "model name")?;
        let json = self.message(&format!("metadata of model '{model}'"), |api, raw, out| {
            // SAFETY: live server; name outlives the call; out-pointer to a local.
            unsafe { (api.TRITONSERVER_ServerModelMetadata)(raw, name.as_ptr(), version, out) }
        })?;
        parse_json(&json, &format!("metadata of model '{model}'"))
    }

    /// The effective config of a loaded model as JSON text.
    pub fn model_config_json(&self, model: &str, version: i64) -> Result<String> {
        let name = cstring(model, "model name")?;
        self.message(&format!("config of model '{model}'"), |api, raw, out| {
            // SAFETY: live server; name outlives the call; out-pointer to a local.
            unsafe { (api.TRITONSERVER_ServerModelConfig)(raw, name.as_ptr(), version, 1, out) }
        })
    }

    /// The effective config of a loaded model.
    pub fn model_config(&self, model: &str, version: i64) -> Result<ModelConfig> {
        let json = self.model_config_json(model, version)?;
        ModelConfig::from_json(&json).map_err(|e| Error::InvalidArgument(format!("config of model '{model}': {e}")))
    }

    /// Cumulative statistics of `model` (empty name = all models).
    pub fn model_statistics(&self, model: &str, version: i64) -> Result<ModelStatistics> {
        let name = cstring(model, "model name")?;
        let json = self.message(&format!("statistics of model '{model}'"), |api, raw, out| {
            // SAFETY: live server; name outlives the call; out-pointer to a local.
            unsafe { (api.TRITONSERVER_ServerModelStatistics)(raw, name.as_ptr(), version, out) }
        })?;
        parse_json(&json, &format!("statistics of model '{model}'"))
    }

    /// The Prometheus metrics text (`nv_inference_*`, `nv_gpu_*`, pools...).
    pub fn metrics_text(&self) -> Result<String> {
        let api = self.api();
        let mut m: *mut sys::TRITONSERVER_Metrics = std::ptr::null_mut();
        // SAFETY: live server; out-pointer to a local.
        check(api, unsafe { (api.TRITONSERVER_ServerMetrics)(self.raw(), &mut m) }, "ServerMetrics")?;
        let mut base: *const std::os::raw::c_char = std::ptr::null();
        let mut size = 0usize;
        // SAFETY: `m` is a live metrics object; out-pointers to locals.
        let r = check(api, unsafe { (api.TRITONSERVER_MetricsFormatted)(m, sys::TRITONSERVER_METRIC_PROMETHEUS, &mut base, &mut size) }, "MetricsFormatted");
        let text = r.map(|()| {
            if base.is_null() {
                String::new()
            } else {
                // SAFETY: `base[..size]` is valid until `m` is deleted; copied now.
                String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(base as *const u8, size) }).into_owned()
            }
        });
        // SAFETY: `m` is ours; deleted once after its text was copied.
        unsafe { (api.TRITONSERVER_MetricsDelete)(m) };
        text
    }

    /// The metrics, parsed.
    pub fn metrics(&self) -> Result<Metrics> {
        let text = self.metrics_text()?;
        Metrics::parse(&text).map_err(|e| Error::InvalidArgument(format!("Triton metrics: {e}")))
    }

    /// Starts building an inference request for `model` (version `-1` = latest).
    pub fn request(&self, model: &str, version: i64) -> RequestBuilder {
        RequestBuilder::new(self.shared.clone(), model, version)
    }

    fn message(
        &self,
        what: &str,
        f: impl FnOnce(&sys::TritonServerLib, *mut sys::TRITONSERVER_Server, *mut *mut sys::TRITONSERVER_Message) -> *mut sys::TRITONSERVER_Error,
    ) -> Result<String> {
        let api = self.api();
        let mut msg: *mut sys::TRITONSERVER_Message = std::ptr::null_mut();
        check(api, f(api, self.raw(), &mut msg), what)?;
        if msg.is_null() {
            return Err(Error::InvalidArgument(format!("{what}: Triton returned no message")));
        }
        // SAFETY: `msg` is a non-null message just returned to us.
        unsafe { take_json(api, msg, what) }
    }

    /// Stops and deletes the server now, reporting a timeout or error
    /// instead of only logging it as `Drop` does.
    pub fn shutdown(mut self) -> Result<()> {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> Result<()> {
        let api = self.api();
        let raw = self.raw();
        if !self.shared.is_alive() {
            return Ok(());
        }
        // SAFETY: live server; ServerStop waits (up to the exit timeout) for in-flight requests.
        let stopped = check(api, unsafe { (api.TRITONSERVER_ServerStop)(raw) }, "ServerStop");
        self.shared.mark_dead();
        if stopped.is_err() {
            // The exit timeout expired with models still unloading (a slow or hung
            // `finalize`) or requests in flight, on Triton's own threads.
            // ServerDelete would not wait for them (its own stop returns at once
            // when the server is already exiting) and would free the server under
            // those threads: "double free or corruption", SIGABRT after the results
            // were written. So the server is left allocated (leaked) and so is the
            // allocator: when a stub ends, the backend thread still creates the
            // (error) responses of its requests with it (deleting it made that
            // thread call freed memory: SIGSEGV in InferenceResponse's constructor).
            // The library is never unloaded (it lives in a static). The leftover
            // Python stubs wait for this process's death, which its parent may only
            // notice once they close their copies of its stdout: end them.
            eprintln!(
                "tritium: a model was still unloading (its finalize() running) or requests were still in flight when the server's exit timeout of {} s expired; its Python stub processes were ended",
                self.exit_timeout_secs
            );
            kill_leftover_stubs();
            self.remove_shm_regions();
            return stopped;
        }
        // SAFETY: no other code touches `raw` once `alive` is false; the server
        // stopped, so nothing runs on its threads any more; deleted exactly once.
        let deleted = check(api, unsafe { (api.TRITONSERVER_ServerDelete)(raw) }, "ServerDelete");
        if deleted.is_err() {
            // Same as a failed stop: end the stubs, leave the allocator.
            kill_leftover_stubs();
        } else {
            // SAFETY: the server stopped with nothing in flight and is deleted, so no
            // response will be created with the allocator again; deleted exactly once.
            let _ = check(api, unsafe { (api.TRITONSERVER_ResponseAllocatorDelete)(self.shared.allocator) }, "ResponseAllocatorDelete");
        }
        self.remove_shm_regions();
        stopped.and(deleted)
    }

    /// Removes the shared-memory regions the Python backend left behind.
    fn remove_shm_regions(&self) {
        if let Some(prefix) = &self.shm_prefix {
            let left = crate::shm::remove_regions(prefix);
            if left > 0 {
                eprintln!("tritium: removed {left} shared-memory region(s) /dev/shm/{prefix}* the Python backend left behind");
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown_inner() {
            eprintln!("tritium: embedded server shutdown: {e}");
        }
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::Json { what: what.to_string(), source: e })
}

/// The Python backend's setting for its shared-memory region names.
const SHM_PREFIX_SETTING: &str = "shm-region-prefix-name";

/// How a bounded unload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnloadOutcome {
    /// The model left the READY/UNLOADING states.
    Unloaded,
    /// It was still in `state` when the time ran out.
    TimedOut {
        /// Triton's state of the model then (e.g. "UNLOADING").
        state: String,
    },
    /// `cancel` was set while waiting.
    Cancelled,
}

/// Kills this process's Python-backend stub children (SIGKILL).
fn kill_leftover_stubs() {
    for pid in tritium_util::procfs::children_matching("triton_python_backend_stub") {
        // SAFETY: kill(2) on a child process of ours; no memory is involved.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
}
