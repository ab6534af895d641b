//! Inference requests: built once from shared input buffers, issued
//! asynchronously, handed back whole on completion, and reusable.

use std::ffi::{c_void, CString};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tritium_sys as sys;

use super::allocator::OutputMemory;
use super::response::Response;
use super::shared::ServerShared;
use super::{check, cstring, datatype_from_wire, take_error};
use crate::error::{Error, Result};
use crate::gpu::{DeviceBuffer, PinnedBuffer};

/// Memory holding one input tensor. Shared (`Arc`) so that many requests can
/// point at the same prepared data without copies; Triton reads it in place.
#[derive(Debug, Clone)]
pub enum InputBuffer {
    /// Ordinary host memory.
    Host(Arc<[u8]>),
    /// Page-locked host memory.
    Pinned(Arc<PinnedBuffer>),
    /// Device memory.
    Device(Arc<DeviceBuffer>),
}

impl InputBuffer {
    /// Host memory from bytes.
    pub fn host(bytes: impl Into<Arc<[u8]>>) -> Self {
        InputBuffer::Host(bytes.into())
    }

    /// Host memory holding `values` as little-endian f32.
    pub fn f32s(values: &[f32]) -> Self {
        InputBuffer::host(values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>())
    }

    /// Copies `bytes` into memory of kind `mem` (system, pinned or CUDA device).
    pub fn in_memory(bytes: &[u8], mem: OutputMemory) -> Result<Self> {
        Ok(match mem {
            OutputMemory::System => InputBuffer::host(bytes.to_vec()),
            OutputMemory::Pinned => InputBuffer::Pinned(Arc::new(PinnedBuffer::from_slice(bytes)?)),
            OutputMemory::Cuda(d) => InputBuffer::Device(Arc::new(DeviceBuffer::from_host(d, bytes)?)),
        })
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        match self {
            InputBuffer::Host(b) => b.len(),
            InputBuffer::Pinned(b) => b.as_slice().len(),
            InputBuffer::Device(b) => b.len(),
        }
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn raw(&self) -> (*const c_void, usize, sys::TRITONSERVER_MemoryType, i64) {
        match self {
            InputBuffer::Host(b) => (b.as_ptr().cast(), b.len(), sys::TRITONSERVER_MEMORY_CPU, 0),
            InputBuffer::Pinned(b) => (b.as_slice().as_ptr().cast(), b.as_slice().len(), sys::TRITONSERVER_MEMORY_CPU_PINNED, 0),
            InputBuffer::Device(b) => (b.device_ptr() as *const c_void, b.len(), sys::TRITONSERVER_MEMORY_GPU, b.device() as i64),
        }
    }
}

/// What a finished request hands back: the request itself (ready to be issued
/// again) and its response or the error that replaced it.
pub struct Completion {
    /// The request, released by Triton and reusable.
    pub request: InferRequest,
    /// The response, or why there is none (a failed request is an `Err`).
    pub response: Result<Response>,
}

/// Receives completions. Runs on Triton's threads: keep it short, never block
/// on something that needs another completion, and never hold a lock that
/// the issuing thread holds across [`InferRequest::issue`].
pub trait CompletionHandler: Send + Sync {
    /// Called exactly once per successful issue.
    fn complete(&self, completion: Completion);
}

impl<F: Fn(Completion) + Send + Sync> CompletionHandler for F {
    fn complete(&self, completion: Completion) {
        self(completion)
    }
}

/// A failed issue: the error, and the request returned to the caller
/// (Triton took nothing).
pub struct IssueError {
    /// Why `ServerInferAsync` refused.
    pub error: Error,
    /// The request, still owned by the caller.
    pub request: InferRequest,
}

impl std::fmt::Debug for IssueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssueError({})", self.error)
    }
}

struct Input {
    name: CString,
    datatype: sys::TRITONSERVER_DataType,
    shape: Vec<i64>,
    buffer: InputBuffer,
}

/// The value of a Triton request parameter
/// ([`RequestBuilder::parameter`]; perf_analyzer's `--request-parameter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// `TRITONSERVER_InferenceRequestSetStringParameter`.
    String(String),
    /// `TRITONSERVER_InferenceRequestSetIntParameter`.
    Int(i64),
    /// `TRITONSERVER_InferenceRequestSetBoolParameter`.
    Bool(bool),
}

/// A parameter as the request keeps it (C strings made once, at build).
enum StoredParameter {
    String(CString),
    Int(i64),
    Bool(bool),
}

struct Inner {
    shared: Arc<ServerShared>,
    raw: *mut sys::TRITONSERVER_InferenceRequest,
    model: String,
    model_c: CString,
    version: i64,
    inputs: Vec<Input>,
    outputs: Vec<CString>,
    id: Option<CString>,
    timeout_us: Option<u64>,
    parameters: Vec<(CString, StoredParameter)>,
    output_memory: OutputMemory,
    handler: Option<Arc<dyn CompletionHandler>>,
    /// Events still to come before completion: final response + release.
    pending: AtomicU8,
    response: AtomicPtr<sys::TRITONSERVER_InferenceResponse>,
    tag: u64,
}

/// One inference request. Owned by the caller while idle; moved into Triton by
/// [`issue`](Self::issue) and returned through the [`CompletionHandler`].
pub struct InferRequest {
    inner: Box<Inner>,
}

// SAFETY: the request object is only touched by one thread at a time: the
// owner while idle, Triton while in flight (ownership moves with the value).
unsafe impl Send for InferRequest {}

impl std::fmt::Debug for InferRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InferRequest").field("model", &self.inner.model).field("tag", &self.inner.tag).finish()
    }
}

/// Builds an [`InferRequest`]; start with [`Server::request`](super::Server::request).
pub struct RequestBuilder {
    shared: Arc<ServerShared>,
    model: String,
    version: i64,
    inputs: Vec<(String, String, Vec<i64>, InputBuffer)>,
    outputs: Vec<String>,
    id: Option<String>,
    timeout: Option<Duration>,
    parameters: Vec<(String, ParameterValue)>,
    output_memory: OutputMemory,
    handler: Option<Arc<dyn CompletionHandler>>,
    tag: u64,
}

impl RequestBuilder {
    pub(crate) fn new(shared: Arc<ServerShared>, model: &str, version: i64) -> Self {
        RequestBuilder {
            shared,
            model: model.to_string(),
            version,
            inputs: Vec::new(),
            outputs: Vec::new(),
            id: None,
            timeout: None,
            parameters: Vec::new(),
            output_memory: OutputMemory::System,
            handler: None,
            tag: 0,
        }
    }

    /// Adds input `name` of wire type `datatype` ("FP32", "BYTES", ...) and `shape`
    /// (including the batch dimension for batching models), reading `buffer`.
    pub fn input(mut self, name: &str, datatype: &str, shape: &[i64], buffer: InputBuffer) -> Self {
        self.inputs.push((name.to_string(), datatype.to_string(), shape.to_vec(), buffer));
        self
    }

    /// Requests output `name` (by default Triton returns all outputs).
    pub fn output(mut self, name: &str) -> Self {
        self.outputs.push(name.to_string());
        self
    }

    /// Sets the request id.
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    /// Sets a server-side timeout.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Sets request parameter `name` (the backend reads it, e.g. the Python
    /// backend's `request.parameters()`); a name given twice keeps both, as
    /// Triton's C API does.
    pub fn parameter(mut self, name: &str, value: ParameterValue) -> Self {
        self.parameters.push((name.to_string(), value));
        self
    }

    /// Chooses where outputs are allocated.
    pub fn output_memory(mut self, mem: OutputMemory) -> Self {
        self.output_memory = mem;
        self
    }

    /// Sets the completion handler used by [`InferRequest::issue`].
    pub fn on_complete(mut self, handler: Arc<dyn CompletionHandler>) -> Self {
        self.handler = Some(handler);
        self
    }

    /// A number the caller can read back from the request (e.g. a slot index).
    pub fn tag(mut self, tag: u64) -> Self {
        self.tag = tag;
        self
    }

    /// Creates the Triton request with its inputs attached.
    pub fn build(self) -> Result<InferRequest> {
        self.output_memory.check_available()?;
        let api = self.shared.api;
        let mut inputs = Vec::new();
        for (name, dtype, shape, buffer) in self.inputs {
            let datatype = datatype_from_wire(api, &dtype)
                .map_err(|_| Error::InvalidArgument(format!("input '{name}' of model '{}': unknown data type {dtype:?}", self.model)))?;
            inputs.push(Input { name: cstring(&name, "input name")?, datatype, shape, buffer });
        }
        let mut req = InferRequest {
            inner: Box::new(Inner {
                shared: self.shared.clone(),
                raw: std::ptr::null_mut(),
                model: self.model.clone(),
                model_c: cstring(&self.model, "model name")?,
                version: self.version,
                inputs,
                outputs: self.outputs.iter().map(|o| cstring(o, "output name")).collect::<Result<_>>()?,
                id: self.id.as_deref().map(|i| cstring(i, "request id")).transpose()?,
                timeout_us: self.timeout.map(|t| t.as_micros() as u64),
                parameters: self
                    .parameters
                    .iter()
                    .map(|(k, v)| {
                        let value = match v {
                            ParameterValue::String(s) => StoredParameter::String(cstring(s, "request parameter value")?),
                            ParameterValue::Int(i) => StoredParameter::Int(*i),
                            ParameterValue::Bool(b) => StoredParameter::Bool(*b),
                        };
                        Ok((cstring(k, "request parameter name")?, value))
                    })
                    .collect::<Result<_>>()?,
                output_memory: self.output_memory,
                handler: self.handler,
                pending: AtomicU8::new(0),
                response: AtomicPtr::new(std::ptr::null_mut()),
                tag: self.tag,
            }),
        };
        req.create_raw()?;
        Ok(req)
    }
}

impl InferRequest {
    /// Creates the Triton request object from the stored description (model,
    /// inputs, requested outputs, id, timeout, parameters). `raw` must be null.
    fn create_raw(&mut self) -> Result<()> {
        let inner = &mut self.inner;
        let api = inner.shared.api;
        let mut raw: *mut sys::TRITONSERVER_InferenceRequest = std::ptr::null_mut();
        let model = inner.model.clone();
        let alive = inner.shared.if_alive(|| {
            // SAFETY: the server is alive (held by `if_alive`); out-pointer to a local.
            check(api, unsafe { (api.TRITONSERVER_InferenceRequestNew)(&mut raw, inner.shared.raw, inner.model_c.as_ptr(), inner.version) }, &format!("new request for model '{model}'"))
        });
        alive.ok_or(Error::ServerGone)??;
        // From here the request owns `raw`; Drop deletes it if a step below fails.
        inner.raw = raw;
        for inp in &inner.inputs {
            let (base, len, mt, id) = inp.buffer.raw();
            let ctx = format!("input '{}' of model '{model}'", inp.name.to_string_lossy());
            // SAFETY: `raw` is our idle request; name/shape outlive the calls (Triton copies them);
            // the buffer is kept alive by `inner.inputs` for the request's whole life.
            unsafe {
                check(api, (api.TRITONSERVER_InferenceRequestAddInput)(raw, inp.name.as_ptr(), inp.datatype, inp.shape.as_ptr(), inp.shape.len() as u64), &ctx)?;
                check(api, (api.TRITONSERVER_InferenceRequestAppendInputData)(raw, inp.name.as_ptr(), base, len, mt, id), &ctx)?;
            }
        }
        for o in &inner.outputs {
            // SAFETY: idle request; Triton copies the name.
            check(api, unsafe { (api.TRITONSERVER_InferenceRequestAddRequestedOutput)(raw, o.as_ptr()) }, &format!("output {o:?} of model '{model}'"))?;
        }
        if let Some(id) = &inner.id {
            // SAFETY: idle request; Triton copies the id.
            check(api, unsafe { (api.TRITONSERVER_InferenceRequestSetId)(raw, id.as_ptr()) }, "request id")?;
        }
        if let Some(t) = inner.timeout_us {
            // SAFETY: idle request.
            check(api, unsafe { (api.TRITONSERVER_InferenceRequestSetTimeoutMicroseconds)(raw, t) }, "request timeout")?;
        }
        for (key, value) in &inner.parameters {
            let ctx = format!("request parameter {key:?} of model '{model}'");
            let k = key.as_ptr();
            // SAFETY: `raw` is our idle request; key and value are NUL-terminated C strings
            // that outlive the calls (Triton copies both into the request's parameters).
            let err = unsafe {
                match value {
                    StoredParameter::String(v) => (api.TRITONSERVER_InferenceRequestSetStringParameter)(raw, k, v.as_ptr()),
                    StoredParameter::Int(v) => (api.TRITONSERVER_InferenceRequestSetIntParameter)(raw, k, *v),
                    StoredParameter::Bool(v) => (api.TRITONSERVER_InferenceRequestSetBoolParameter)(raw, k, *v),
                }
            };
            check(api, err, &ctx)?;
        }
        Ok(())
    }

    /// Replaces the Triton request object with a fresh one (same inputs,
    /// buffers, outputs, handler and tag). Needed before re-issuing a request
    /// to an **ensemble**: Triton 2.51's ensemble scheduler still references a
    /// completed top-level request, and reusing it corrupts the server (seen:
    /// exit timeout at shutdown and a double free). Plain models can reuse.
    pub fn renew(&mut self) -> Result<()> {
        let api = self.inner.shared.api;
        let raw = std::mem::replace(&mut self.inner.raw, std::ptr::null_mut());
        if !raw.is_null() {
            self.inner.shared.if_alive(|| {
                // SAFETY: the request is idle (we own it) and deleted exactly once.
                unsafe { (api.TRITONSERVER_InferenceRequestDelete)(raw) };
            });
        }
        self.create_raw()
    }

    /// The model this request targets.
    pub fn model(&self) -> &str {
        &self.inner.model
    }

    /// The caller's tag.
    pub fn tag(&self) -> u64 {
        self.inner.tag
    }

    /// Replaces the data of input `name` (same shape and type), e.g. to cycle
    /// through prepared data sets. Only while idle (guaranteed by `&mut self`).
    pub fn set_input_data(&mut self, name: &str, buffer: InputBuffer) -> Result<()> {
        let api = self.inner.shared.api;
        let raw = self.inner.raw;
        let model = self.inner.model.clone();
        let inp = self
            .inner
            .inputs
            .iter_mut()
            .find(|i| i.name.as_bytes() == name.as_bytes())
            .ok_or_else(|| Error::InvalidArgument(format!("request for model '{model}' has no input '{name}'")))?;
        let (base, len, mt, id) = buffer.raw();
        // SAFETY: idle request; the new buffer is stored in `inp` before the old one is dropped,
        // so Triton never sees freed memory.
        unsafe {
            check(api, (api.TRITONSERVER_InferenceRequestRemoveAllInputData)(raw, inp.name.as_ptr()), "remove input data")?;
            check(api, (api.TRITONSERVER_InferenceRequestAppendInputData)(raw, inp.name.as_ptr(), base, len, mt, id), "append input data")?;
        }
        inp.buffer = buffer;
        Ok(())
    }

    /// Sets the caller's tag.
    pub fn set_tag(&mut self, tag: u64) {
        self.inner.tag = tag;
    }

    /// Sets the completion handler for later issues.
    pub fn set_handler(&mut self, handler: Arc<dyn CompletionHandler>) {
        self.inner.handler = Some(handler);
    }

    /// The inputs held in CUDA device memory (e.g. to re-stage them, timed,
    /// before an issue).
    pub fn device_inputs(&self) -> Vec<Arc<DeviceBuffer>> {
        self.inner
            .inputs
            .iter()
            .filter_map(|i| match &i.buffer {
                InputBuffer::Device(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    /// Issues the request. On success Triton owns it until the handler
    /// receives it back; on failure it is returned inside the error.
    pub fn issue(self) -> std::result::Result<(), IssueError> {
        self.issue_with(None)
    }

    /// Issues the request with a Triton trace attached (see `tritium_bench::trace`).
    /// Triton releases the trace when the request is done, or at once if it
    /// refuses the request.
    pub fn issue_traced(self, trace: super::Trace) -> std::result::Result<(), IssueError> {
        self.issue_with(Some(trace))
    }

    fn issue_with(self, trace: Option<super::Trace>) -> std::result::Result<(), IssueError> {
        if self.inner.raw.is_null() {
            return Err(IssueError { error: Error::InvalidArgument("request has no Triton object (a failed renew)".into()), request: self });
        }
        if self.inner.handler.is_none() {
            return Err(IssueError { error: Error::InvalidArgument("request issued without a completion handler".into()), request: self });
        }
        let api = self.inner.shared.api;
        let raw = self.inner.raw;
        let shared = self.inner.shared.clone();
        self.inner.pending.store(2, Ordering::Relaxed);
        self.inner.response.store(std::ptr::null_mut(), Ordering::Relaxed);
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so moving the box out is sound.
        let inner_ptr = Box::into_raw(unsafe { std::ptr::read(&this.inner) });
        let userp = inner_ptr as *mut c_void;
        // SAFETY: `inner_ptr` is a live box; the field address stays valid while in flight.
        let mem_ptr = unsafe { &(*inner_ptr).output_memory } as *const OutputMemory as *mut c_void;
        let r = shared.if_alive(|| {
            // SAFETY: `raw` is our idle request. `userp` points at the heap state, which
            // stays allocated until `arrive` reclaims it after both callbacks (or below, on failure).
            // The callbacks never unwind. `mem_ptr` points into that same heap state.
            unsafe {
                check(api, (api.TRITONSERVER_InferenceRequestSetReleaseCallback)(raw, Some(release_cb), userp), "set release callback")?;
                check(api, (api.TRITONSERVER_InferenceRequestSetResponseCallback)(raw, shared.allocator, mem_ptr, Some(response_cb), userp), "set response callback")?;
                // The trace (if any) goes to Triton here, whatever happens next:
                // on refusal Triton releases it through the trace's release callback.
                let trace_raw = trace.map(|t| t.into_raw()).unwrap_or(std::ptr::null_mut());
                let err = (api.TRITONSERVER_ServerInferAsync)(shared.raw, raw, trace_raw);
                if err.is_null() {
                    Ok(())
                } else {
                    Err(take_error(api, err, "ServerInferAsync"))
                }
            }
        });
        match r {
            Some(Ok(())) => Ok(()),
            other => {
                // SAFETY: Triton refused the request (or the server is gone), so no
                // callback will fire: the heap state is ours again.
                let inner = unsafe { Box::from_raw(inner_ptr) };
                let error = match other {
                    Some(Err(e)) => e,
                    _ => Error::ServerGone,
                };
                Err(IssueError { error, request: InferRequest { inner } })
            }
        }
    }

    /// Issues the request and blocks until it completes.
    pub fn infer(mut self) -> std::result::Result<(InferRequest, Response), (Error, Option<InferRequest>)> {
        let (tx, rx) = crossbeam::channel::bounded::<Completion>(1);
        let previous = self.inner.handler.take();
        self.inner.handler = Some(Arc::new(move |c: Completion| {
            let _ = tx.send(c);
        }));
        if let Err(e) = self.issue() {
            let mut req = e.request;
            req.inner.handler = previous;
            return Err((e.error, Some(req)));
        }
        match rx.recv() {
            Ok(mut c) => {
                c.request.inner.handler = previous;
                match c.response {
                    Ok(r) => Ok((c.request, r)),
                    Err(e) => Err((e, Some(c.request))),
                }
            }
            Err(_) => Err((Error::ServerGone, None)),
        }
    }
}

impl Drop for InferRequest {
    fn drop(&mut self) {
        let api = self.inner.shared.api;
        let raw = self.inner.raw;
        if raw.is_null() {
            return;
        }
        self.inner.shared.if_alive(|| {
            // SAFETY: the request is idle (we own it) and deleted exactly once; the server is alive.
            unsafe { (api.TRITONSERVER_InferenceRequestDelete)(raw) };
        });
    }
}

unsafe extern "C" fn release_cb(_req: *mut sys::TRITONSERVER_InferenceRequest, flags: u32, userp: *mut c_void) {
    if flags & sys::TRITONSERVER_REQUEST_RELEASE_ALL != 0 {
        // SAFETY: `userp` is the in-flight state set by `issue`.
        unsafe { arrive(userp as *mut Inner) };
    }
}

unsafe extern "C" fn response_cb(resp: *mut sys::TRITONSERVER_InferenceResponse, flags: u32, userp: *mut c_void) {
    // SAFETY: `userp` is the in-flight state, alive until both callbacks arrived.
    let inner = unsafe { &*(userp as *const Inner) };
    if !resp.is_null() {
        let old = inner.response.swap(resp, Ordering::AcqRel);
        // The same response may be handed over twice (seen with ensembles):
        // only a different, earlier one is ours to delete here.
        if !old.is_null() && old != resp {
            // A second response (decoupled model): keep the last, drop the earlier one.
            drop(Response::from_raw(inner.shared.clone(), old));
        }
    }
    if flags & sys::TRITONSERVER_RESPONSE_COMPLETE_FINAL != 0 {
        // SAFETY: as above.
        unsafe { arrive(userp as *mut Inner) };
    }
}

/// Counts one of the two completion events; the last one delivers.
///
/// # Safety
/// `p` must be the pointer produced by `Box::into_raw` in `issue`, with
/// `pending` counting the events still to come.
unsafe fn arrive(p: *mut Inner) {
    // SAFETY: the state is alive until the last event reclaims it below.
    if unsafe { (*p).pending.fetch_sub(1, Ordering::AcqRel) } != 1 {
        return;
    }
    // SAFETY: both events arrived: Triton no longer references the request or `p`.
    let inner = unsafe { Box::from_raw(p) };
    let _ = std::panic::catch_unwind(AssertUnwindSafe(move || deliver(inner)));
}

fn deliver(inner: Box<Inner>) {
    let resp = inner.response.swap(std::ptr::null_mut(), Ordering::AcqRel);
    let shared = inner.shared.clone();
    let handler = inner.handler.clone();
    let model = inner.model.clone();
    let response = if resp.is_null() {
        Err(Error::InvalidArgument(format!("model '{model}' completed the request without a response")))
    } else {
        let r = Response::from_raw(shared, resp);
        match r.error() {
            Some(e) => Err(e),
            None => Ok(r),
        }
    };
    let completion = Completion { request: InferRequest { inner }, response };
    if let Some(h) = handler {
        h.complete(completion);
    }
}
