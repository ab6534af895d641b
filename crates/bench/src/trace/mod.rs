//! Per-request timelines (issue 6): Triton's trace API at TIMESTAMPS level,
//! joined with tritium's own issue/completion times on one clock
//! (CLOCK_MONOTONIC, the clock of Triton's `steady_clock` timestamps).
//!
//! - [`collect`]: the trace sink fed by Triton's activity callbacks (lock-free,
//!   bounded) and the assembly of events into [`Timeline`]s, kept in a ring;
//! - [`phases`]: per-phase latency statistics (p50/p90/p99, per batch size);
//! - `tritium_report::chrome`: Chrome trace-event JSON (Perfetto / chrome://tracing).
//!
//! All times are nanoseconds of CLOCK_MONOTONIC.

pub mod collect;
pub mod phases;

use serde::{Deserialize, Serialize};

/// Triton's TIMESTAMPS-level activities, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Activity {
    /// The request entered the server.
    RequestStart,
    /// The request was queued to its model's scheduler.
    QueueStart,
    /// The backend started executing the batch holding the request.
    ComputeStart,
    /// Inputs were ready for the model.
    ComputeInputEnd,
    /// The model finished; outputs are being produced.
    ComputeOutputStart,
    /// The backend finished the batch.
    ComputeEnd,
    /// The server released the request.
    RequestEnd,
}

impl Activity {
    /// Every activity, in order.
    pub const ALL: [Activity; 7] = [
        Activity::RequestStart,
        Activity::QueueStart,
        Activity::ComputeStart,
        Activity::ComputeInputEnd,
        Activity::ComputeOutputStart,
        Activity::ComputeEnd,
        Activity::RequestEnd,
    ];

    /// Index into [`ServerTimes::ns`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Triton's name (`TRITONSERVER_InferenceTraceActivityString`).
    pub fn name(self) -> &'static str {
        match self {
            Activity::RequestStart => "REQUEST_START",
            Activity::QueueStart => "QUEUE_START",
            Activity::ComputeStart => "COMPUTE_START",
            Activity::ComputeInputEnd => "COMPUTE_INPUT_END",
            Activity::ComputeOutputStart => "COMPUTE_OUTPUT_START",
            Activity::ComputeEnd => "COMPUTE_END",
            Activity::RequestEnd => "REQUEST_END",
        }
    }

    /// From Triton's enum value (0..=6); other values (tensor activities) are `None`.
    pub fn from_raw(v: u32) -> Option<Activity> {
        Activity::ALL.get(v as usize).copied()
    }
}

/// The server-side timestamps of one traced request (one Triton trace).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerTimes {
    /// Triton's trace id.
    pub trace_id: u64,
    /// The model that ran this (composing model for ensemble children).
    pub model: String,
    /// Timestamp of each [`Activity`] (index = `Activity::index`), if seen.
    /// A model that never computes (an ensemble) has no COMPUTE_* stamps.
    pub ns: [Option<u64>; 7],
    /// Child traces (ensemble steps), ordered by REQUEST_START.
    pub children: Vec<ServerTimes>,
}

impl ServerTimes {
    /// The timestamp of `a`, if recorded.
    pub fn at(&self, a: Activity) -> Option<u64> {
        self.ns[a.index()]
    }
}

/// Device-side work tritium itself issued for a request, timed with CUDA
/// events (e.g. staging inputs host→device, reading outputs back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSpan {
    /// What it was ("H2D inputs", "D2H outputs").
    pub name: String,
    /// Host time the work was enqueued, ns.
    pub start_ns: u64,
    /// Host time tritium saw it finish, ns.
    pub end_ns: u64,
    /// Device time between the CUDA events around the work, ns.
    pub device_ns: u64,
    /// Bytes moved.
    pub bytes: u64,
}

/// One request's whole timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The in-flight slot (prepared request index) that carried it: one track each.
    pub slot: u32,
    /// The load-generator worker that issued it.
    pub worker: u32,
    /// Batch size of the request.
    pub batch_size: u64,
    /// When tritium issued it (or, in request-rate mode, when it was scheduled), ns.
    pub client_issue_ns: u64,
    /// When the completion reached tritium's handler, ns.
    pub client_done_ns: u64,
    /// Whether the response was a success.
    pub ok: bool,
    /// Triton's timestamps (None when the trace's events were dropped).
    pub server: Option<ServerTimes>,
    /// tritium's own device work for this request (CUDA events).
    pub device: Vec<DeviceSpan>,
}

impl Timeline {
    /// Client-observed latency, ns.
    pub fn latency_ns(&self) -> u64 {
        self.client_done_ns.saturating_sub(self.client_issue_ns)
    }
}

/// A GPU reading on the trace clock, for counter tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterSample {
    /// CLOCK_MONOTONIC ns.
    pub at_ns: u64,
    /// GPU index.
    pub gpu: u32,
    /// Utilisation, percent.
    pub utilization_pct: f64,
    /// Used device memory, MB.
    pub memory_used_mb: f64,
    /// Power, W.
    pub power_w: f64,
    /// SM clock, MHz.
    pub sm_clock_mhz: f64,
}

/// What a traced run produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceSet {
    /// Model measured.
    pub model: String,
    /// Completed timelines, oldest first (the ring's content).
    pub timelines: Vec<Timeline>,
    /// Timelines dropped because the ring was full (oldest went first).
    pub dropped_timelines: u64,
    /// Triton events dropped because the event queue was full.
    pub dropped_events: u64,
    /// Requests issued without a trace because of sampling (`--trace-rate`).
    pub not_sampled: u64,
    /// NVML readings during the run.
    pub counters: Vec<CounterSample>,
}

pub use tritium_util::monotonic_ns;
