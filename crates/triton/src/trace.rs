//! Triton's trace API at TIMESTAMPS level (FFI part of the per-request
//! timelines in `tritium_bench::trace`).
//!
//! One process-wide event queue receives every activity Triton reports for
//! traces created here (ensemble children included: Triton spawns them with
//! the same callbacks). The activity callback only reads the trace's id,
//! parent id and (at REQUEST_START) model name and pushes a fixed-size event
//! into a bounded lock-free queue; when the queue is full the event is
//! dropped and counted. Triton calls the release callback once per trace
//! (after REQUEST_END, or when `ServerInferAsync` refuses the request); it
//! deletes the trace object. Nothing here outlives the process-wide statics,
//! so callbacks that arrive late can never touch freed memory.

use std::os::raw::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crossbeam::queue::ArrayQueue;
use tritium_sys as sys;

use super::{check, take_error};
use crate::error::Result;

/// One activity of one trace, as Triton reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// Triton's trace id.
    pub trace_id: u64,
    /// The parent trace's id (0 for a top-level request).
    pub parent_id: u64,
    /// `TRITONSERVER_InferenceTraceActivity` value.
    pub activity: u32,
    /// CLOCK_MONOTONIC ns (Triton's `steady_clock`).
    pub timestamp_ns: u64,
    /// The model, read once at REQUEST_START.
    pub model: Option<Box<str>>,
}

/// Capacity of the process-wide event queue (events, not requests: a
/// request makes 7, an ensemble step 7 more).
pub const EVENT_QUEUE_CAPACITY: usize = 1 << 17;

struct Sink {
    api: &'static sys::TritonServerLib,
    events: ArrayQueue<TraceEvent>,
    dropped: AtomicU64,
}

static SINK: OnceLock<Sink> = OnceLock::new();

fn sink(api: &'static sys::TritonServerLib) -> &'static Sink {
    SINK.get_or_init(|| Sink { api, events: ArrayQueue::new(EVENT_QUEUE_CAPACITY), dropped: AtomicU64::new(0) })
}

/// Moves every queued event into `out`.
pub fn drain_events(out: &mut Vec<TraceEvent>) {
    if let Some(s) = SINK.get() {
        while let Some(e) = s.events.pop() {
            out.push(e);
        }
    }
}

/// Events dropped so far because the queue was full.
pub fn dropped_events() -> u64 {
    SINK.get().map(|s| s.dropped.load(Ordering::Relaxed)).unwrap_or(0)
}

/// A new Triton trace, handed to [`InferRequest::issue_traced`](super::InferRequest::issue_traced).
/// Triton releases it (through our callback) when the request is done.
#[derive(Debug)]
pub struct Trace {
    pub(crate) raw: *mut sys::TRITONSERVER_InferenceTrace,
    id: u64,
}

// SAFETY: a trace object not yet given to Triton is only used by its owner.
unsafe impl Send for Trace {}

/// Makes [`Trace`]s for requests of the loaded library ([`Server::tracer`](super::Server::tracer)):
/// what a trace collector holds instead of the server or the raw API.
#[derive(Clone, Copy)]
pub struct Tracer {
    api: &'static sys::TritonServerLib,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tracer")
    }
}

impl Tracer {
    pub(crate) fn new(api: &'static sys::TritonServerLib) -> Tracer {
        Tracer { api }
    }

    /// Creates a TIMESTAMPS-level trace. Fails when the library was built
    /// without tracing (the error says so).
    pub fn new_trace(&self) -> Result<Trace> {
        Trace::new(self.api)
    }
}

impl Trace {
    /// Creates a TIMESTAMPS-level trace (see [`Tracer::new_trace`]).
    pub(crate) fn new(api: &'static sys::TritonServerLib) -> Result<Trace> {
        // The callbacks read the process-wide sink: make sure it exists first.
        sink(api);
        let mut raw: *mut sys::TRITONSERVER_InferenceTrace = std::ptr::null_mut();
        // SAFETY: `raw` is a valid out-pointer; the callbacks are `extern "C"`
        // functions that never unwind and use no user pointer (null).
        let err = unsafe {
            (api.TRITONSERVER_InferenceTraceNew)(
                &mut raw,
                sys::TRITONSERVER_TRACE_LEVEL_TIMESTAMPS,
                0,
                Some(activity_cb),
                Some(release_cb),
                std::ptr::null_mut(),
            )
        };
        if !err.is_null() {
            return Err(take_error(api, err, "InferenceTraceNew (is this libtritonserver built with tracing?)"));
        }
        let mut id = 0u64;
        // SAFETY: `raw` was just created and is owned here.
        if let Err(e) = check(api, unsafe { (api.TRITONSERVER_InferenceTraceId)(raw, &mut id) }, "InferenceTraceId") {
            // SAFETY: never given to Triton, so it is ours to delete.
            unsafe { (api.TRITONSERVER_InferenceTraceDelete)(raw) };
            return Err(e);
        }
        Ok(Trace { raw, id })
    }

    /// Triton's id of this trace (the key of its events).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Gives the raw pointer to Triton, which releases it through our callback.
    pub(crate) fn into_raw(self) -> *mut sys::TRITONSERVER_InferenceTrace {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        // Never handed to Triton: delete it here.
        if let Some(s) = SINK.get() {
            // SAFETY: `raw` is owned by this value and no request refers to it.
            unsafe { (s.api.TRITONSERVER_InferenceTraceDelete)(self.raw) };
        }
    }
}

unsafe extern "C" fn activity_cb(
    trace: *mut sys::TRITONSERVER_InferenceTrace,
    activity: sys::TRITONSERVER_InferenceTraceActivity,
    timestamp_ns: u64,
    _userp: *mut c_void,
) {
    let _ = std::panic::catch_unwind(|| {
        let Some(s) = SINK.get() else { return };
        let api = s.api;
        let (mut id, mut parent) = (0u64, 0u64);
        // SAFETY: Triton passes a live trace for the duration of the callback;
        // out-pointers are valid locals. Errors (never expected) are freed.
        unsafe {
            let e = (api.TRITONSERVER_InferenceTraceId)(trace, &mut id);
            if !e.is_null() {
                (api.TRITONSERVER_ErrorDelete)(e);
            }
            let e = (api.TRITONSERVER_InferenceTraceParentId)(trace, &mut parent);
            if !e.is_null() {
                (api.TRITONSERVER_ErrorDelete)(e);
            }
        }
        let model = if activity == sys::TRITONSERVER_TRACE_REQUEST_START {
            let mut name: *const std::os::raw::c_char = std::ptr::null();
            // SAFETY: as above; the returned string is owned by the trace and copied at once.
            unsafe {
                let e = (api.TRITONSERVER_InferenceTraceModelName)(trace, &mut name);
                if !e.is_null() {
                    (api.TRITONSERVER_ErrorDelete)(e);
                    None
                } else if name.is_null() {
                    None
                } else {
                    Some(super::copy_cstr(name).into_boxed_str())
                }
            }
        } else {
            None
        };
        let ev = TraceEvent { trace_id: id, parent_id: parent, activity, timestamp_ns, model };
        if s.events.push(ev).is_err() {
            s.dropped.fetch_add(1, Ordering::Relaxed);
        }
    });
}

unsafe extern "C" fn release_cb(trace: *mut sys::TRITONSERVER_InferenceTrace, _userp: *mut c_void) {
    let _ = std::panic::catch_unwind(|| {
        let Some(s) = SINK.get() else { return };
        // SAFETY: Triton hands the trace back for deletion; it is not used after this.
        unsafe {
            let e = (s.api.TRITONSERVER_InferenceTraceDelete)(trace);
            if !e.is_null() {
                (s.api.TRITONSERVER_ErrorDelete)(e);
            }
        }
    });
}

