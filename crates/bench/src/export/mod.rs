//! Machine-readable benchmark results: a versioned JSON report and a
//! perf_analyzer-style CSV, both written atomically.
//!
//! JSON is the complete record ([`BenchReport`], versioned by
//! [`SCHEMA_VERSION`]). CSV is one row per load point with perf_analyzer's
//! column names where the quantity is the same (see [`CSV_COLUMNS`]).

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::stats::{Interval, LatencyIntervals, LatencySummary, ResourceIntervals, ServerIntervals};

/// Version of the JSON report layout. Bump on any incompatible change;
/// [`read_json`] rejects other versions.
pub const SCHEMA_VERSION: u32 = 1;

/// Server-side statistics of one batch size (Triton's
/// `batch_stats`), averaged per execution.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BatchBreakdown {
    /// The batch size executed.
    pub batch_size: u64,
    /// Number of executions with this batch size in the measurement.
    pub executions: u64,
    /// Average input-processing time per execution (µs).
    pub compute_input_us: f64,
    /// Average model-execution time per execution (µs).
    pub compute_infer_us: f64,
    /// Average output-processing time per execution (µs).
    pub compute_output_us: f64,
}

/// Server-side latency breakdown from Triton's statistics, averaged per
/// request over the measurement (µs), as perf_analyzer's "Server: ..." lines.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerBreakdown {
    /// Average time in the scheduler queue (µs).
    pub queue_us: f64,
    /// Average input-processing time (µs).
    pub compute_input_us: f64,
    /// Average model-execution time (µs).
    pub compute_infer_us: f64,
    /// Average output-processing time (µs).
    pub compute_output_us: f64,
    /// Average total time of a successful request inside Triton (µs).
    pub request_us: f64,
    /// Per-batch-size breakdown, ascending batch size.
    #[serde(default)]
    pub per_batch: Vec<BatchBreakdown>,
}

/// Resource usage during a load point; `None` when not measured.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceUsage {
    /// Average GPU utilization (percent, 0..100).
    pub gpu_utilization_pct: Option<f64>,
    /// Average GPU power draw (W).
    pub gpu_power_w: Option<f64>,
    /// Average SM clock (MHz).
    pub gpu_sm_clock_mhz: Option<f64>,
    /// Peak GPU memory used on the whole device (MB).
    pub gpu_memory_used_mb: Option<f64>,
    /// Peak GPU memory used by our process and its children (MB).
    pub gpu_memory_process_mb: Option<f64>,
    /// Average CPU utilization of our process (percent of one core × cores).
    pub cpu_util_pct: Option<f64>,
    /// Peak resident set size of our process (MB).
    pub rss_mb: Option<f64>,
    /// Each GPU's own figures (Model Analyzer writes one GPU row per GPU);
    /// the `gpu_*` fields above are over all GPUs together. Empty without
    /// NVML and in files of older tritiums.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_gpu: Vec<GpuUsage>,
}

/// One GPU's usage during a load point (or a server-only measurement).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GpuUsage {
    /// The GPU's UUID (NVML), e.g. `GPU-5e7c…`.
    pub uuid: String,
    /// Peak memory used on the whole device (MB).
    pub memory_used_mb: Option<f64>,
    /// Average utilization (percent, 0..100).
    pub utilization_pct: Option<f64>,
    /// Average power draw (W).
    pub power_w: Option<f64>,
}

/// The measurement of one load level.
///
/// With no successful request the latency numbers are `null` in JSON (see
/// [`LatencySummary`]) and `error` says why the point is not a result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LoadPoint {
    /// `"concurrency"` or `"request_rate"`.
    pub mode: String,
    /// Concurrency level (concurrency mode).
    pub concurrency: Option<u32>,
    /// Target request rate in requests/s (request-rate mode).
    pub request_rate: Option<f64>,
    /// Batch size of each request.
    pub batch_size: u32,
    /// Measurement windows merged into this point.
    pub windows: u32,
    /// Whether the windows met the stability criterion.
    pub stable: bool,
    /// Inferences per second: completed requests × batch size / duration,
    /// as perf_analyzer counts them.
    pub throughput: f64,
    /// 95 % confidence interval of `throughput` (batch means over the
    /// sub-windows of the reported windows, see `stats::ci`); absent when
    /// too few sub-windows or no success, and in files of older tritiums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput_ci: Option<Interval>,
    /// Client-side request latency.
    pub latency: LatencySummary,
    /// 95 % confidence intervals of the mean and p50/p90/p95/p99 latency
    /// (µs; see `stats::ci`), where the measurement allows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ci: Option<LatencyIntervals>,
    /// Average time spent in tritium itself per request (µs), when measured.
    pub client_overhead_us: Option<f64>,
    /// Triton's server-side breakdown, when statistics were collected.
    pub server: Option<ServerBreakdown>,
    /// Resource usage.
    pub resources: ResourceUsage,
    /// Failed requests by kind: messages with numbers, hex values and ids
    /// masked (`bench::loadgen::failure_kind`), at most 16 kinds plus "other".
    #[serde(default)]
    pub failures: BTreeMap<String, u64>,
    /// One example message per failure kind.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failure_examples: BTreeMap<String, String>,
    /// Why this point is not a result at all (no request succeeded, the
    /// model's Python stub died), when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Requests completed in the measurement.
    pub requests: u64,
    /// Requests actually sent per second (request-rate mode).
    pub send_rate_achieved: Option<f64>,
    /// Average CPU cores busy in the load generator (tritium's own client
    /// side), when measured.
    #[serde(default)]
    pub loadgen_cpu_cores: Option<f64>,
    /// Warnings for this point (unstable, saturated histogram, ...).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Per-phase latency percentiles from traced requests (`--trace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<crate::trace::phases::PhaseTable>,
    /// What disturbed the measurement (GPU clocks and throttling, other
    /// processes, CPU steal and load, saturated processes) and the likely
    /// causes of noise, which are also in `warnings`; absent when not
    /// collected (and in files of older tritiums).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<crate::diagnostics::Diagnostics>,
    /// The adaptive rule ran to its cap (`--max-trials`) without the 95 %
    /// intervals reaching `--ci-target`: the numbers are the best this
    /// measurement gives, and wider than asked (a warning says by how
    /// much). Always false under the perf-analyzer rule.
    #[serde(default)]
    pub noisy: bool,
    /// The throughput interval's relative half-width achieved, percent of
    /// `throughput` (the larger side); absent without an interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput_ci_rel_pct: Option<f64>,
    /// 95 % intervals of `server`'s per-request averages (µs), batch means
    /// over the point's windows (`stats::window_ci`); absent with fewer
    /// than 2 windows or without statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_ci: Option<ServerIntervals>,
    /// 95 % intervals of the GPU utilisation (%) and GPU memory used (MB)
    /// in `resources`, over the point's windows; absent without a GPU
    /// reading in at least 2 windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_ci: Option<ResourceIntervals>,
    /// Wall time of the warm-up (s): from the launch of the load to the
    /// close of the discarded window 0 (0 in a deterministic run, which has
    /// none). Absent in files of older tritiums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_seconds: Option<f64>,
    /// Wall time of the measurement windows (s): from the end of the
    /// warm-up to the close of the last window, every window counted (not
    /// only the reported ones). Preparing the requests before, and draining
    /// and diagnosing after, are in neither. Absent in files of older tritiums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_seconds: Option<f64>,
}

/// How far a load point can be trusted (see [`LoadPoint::outcome`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointOutcome {
    /// Every request succeeded and the measurement is complete (and stable, when stability applies).
    Clean,
    /// Numbers were measured, but part of them is not trustworthy (why).
    Partial(String),
    /// Nothing usable was measured (why).
    Failed(String),
}

impl LoadPoint {
    /// Requests that failed (every kind).
    pub fn failed_requests(&self) -> u64 {
        self.failures.values().sum()
    }

    /// Requests that succeeded.
    pub fn succeeded(&self) -> u64 {
        self.requests.saturating_sub(self.failed_requests())
    }

    /// Whether the point is a result: `Failed` when it carries an `error` or
    /// no request succeeded; `Partial` when some requests failed, or (with
    /// `request_count`, a deterministic run) fewer than that many succeeded,
    /// or (without) the windows were not stable; else `Clean`.
    pub fn outcome(&self, request_count: Option<u64>) -> PointOutcome {
        if let Some(e) = &self.error {
            return PointOutcome::Failed(e.clone());
        }
        let ok = self.succeeded();
        if ok == 0 {
            return PointOutcome::Failed("no request succeeded".into());
        }
        let failed = self.failed_requests();
        if failed > 0 {
            return PointOutcome::Partial(format!("{failed} of {} requests failed", self.requests));
        }
        match request_count {
            Some(n) if ok < n => PointOutcome::Partial(format!("only {ok} of {n} requests completed")),
            Some(_) => PointOutcome::Clean,
            None if !self.stable => PointOutcome::Partial("no stable measurement".into()),
            None => PointOutcome::Clean,
        }
    }
}

/// A complete benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// Always [`SCHEMA_VERSION`] when written by this code.
    pub schema_version: u32,
    /// Tool name (`"tritium"`).
    pub tool: String,
    /// Tool version.
    pub tool_version: String,
    /// Triton server version.
    pub triton_version: String,
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// Start time, UTC, `YYYY-MM-DDTHH:MM:SSZ` (see [`rfc3339_utc`](tritium_util::rfc3339_utc)).
    pub started_at: String,
    /// Description of the machine (GPU, CPU, driver).
    pub machine: String,
    /// The settings the run used, free-form.
    pub settings: serde_json::Value,
    /// One entry per load level, in the order measured.
    pub points: Vec<LoadPoint>,
}

/// Errors reading a report back.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}; check the path and its permissions")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is not valid JSON or not a report.
    #[error("{path} is not a valid tritium JSON report: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// The report has no `schema_version`.
    #[error("{path} has no numeric \"schema_version\" field, so it is not a tritium JSON report (this tritium reads schema_version {supported})")]
    MissingSchema {
        /// The file.
        path: PathBuf,
        /// The version this code reads.
        supported: u32,
    },
    /// The report was written with another schema version.
    #[error("{path} has schema_version {found}, but this tritium only reads schema_version {supported}; read it with the tritium version that wrote it, or re-run the benchmark")]
    UnsupportedSchema {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u64,
        /// The version this code reads.
        supported: u32,
    },
    /// The CSV is malformed.
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line where the bad record starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

mod csv;
mod json;

pub use csv::{csv_string, read_csv, write_csv, CSV_COLUMNS};
pub use json::{read_json, write_json};

#[cfg(test)]
mod tests;
