//! Machine-readable benchmark results: a versioned JSON report and a
//! perf_analyzer-style CSV, both written atomically.
//!
//! JSON is the complete record ([`BenchReport`], versioned by
//! [`SCHEMA_VERSION`]). CSV is one row per load point with perf_analyzer's
//! column names where the quantity is the same (see [`CSV_COLUMNS`]).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::stats::LatencySummary;
use crate::util::write_atomic;

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
    /// Client-side request latency.
    pub latency: LatencySummary,
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
    /// Start time, UTC, `YYYY-MM-DDTHH:MM:SSZ` (see [`rfc3339_utc`](crate::util::rfc3339_utc)).
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

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

/// Writes the report as pretty-printed JSON, atomically (see
/// [`write_atomic`]). Non-finite floats would be written as `null` and fail
/// to read back, so keep every `f64` finite.
pub fn write_json(report: &BenchReport, path: &Path) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(report).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Reads a report written by [`write_json`]. A `schema_version` other than
/// [`SCHEMA_VERSION`] (or none) is an error saying so.
pub fn read_json(path: &Path) -> Result<BenchReport, ExportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ExportError::Json {
            path: path.to_path_buf(),
            source,
        })?;
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        None => {
            return Err(ExportError::MissingSchema {
                path: path.to_path_buf(),
                supported: SCHEMA_VERSION,
            })
        }
        Some(v) if v != u64::from(SCHEMA_VERSION) => {
            return Err(ExportError::UnsupportedSchema {
                path: path.to_path_buf(),
                found: v,
                supported: SCHEMA_VERSION,
            })
        }
        Some(_) => {}
    }
    // Parse from the text (not the Value) so errors carry line and column.
    serde_json::from_str(&text).map_err(|source| ExportError::Json {
        path: path.to_path_buf(),
        source,
    })
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// CSV header, in order. Times are microseconds, as in perf_analyzer.
///
/// Same name and meaning as perf_analyzer's `ReportWriter`
/// (`report_writer.cc`): "Concurrency", "Request Rate", "Inferences/Second",
/// "Network+Server Send/Recv" (here: average client latency minus server
/// queue and compute, floored at 0 — in-process there is no network, so
/// this is Triton's request handling plus our dispatch), "Server Queue",
/// "Server Compute Input", "Server Compute Infer", "Server Compute Output",
/// "p50/p90/p95/p99 latency", "Avg latency".
///
/// Same name, different unit than perf_analyzer's verbose CSV (which writes
/// `gpu-uuid:value;` lists in fractions and bytes): "Avg GPU Utilization"
/// (percent), "Avg GPU Power Usage" (W), "Max GPU Memory Usage" (MB, whole
/// device).
///
/// perf_analyzer columns left out because they do not exist in-process:
/// "Client Send", "Client Recv", "request/response", "response wait"
/// (network serialization), "Server Cache Hit/Miss", "Response Throughput".
///
/// Ours: "Batch Size", "Server Request", "p99.9 latency", "Min latency",
/// "Max latency", "Std latency", "Client Overhead", "Loadgen CPU Cores"
/// (average cores busy generating load), "Requests",
/// "Failures" (total), "Send Request Rate", "Stable" (`true`/`false`),
/// "Windows", "Avg GPU SM Clock" (MHz), "Max Process GPU Memory Usage" (MB),
/// "Avg CPU Utilization" (%), "Max RSS" (MB), "Failure Details"
/// (`kind:count;...`), "Warnings" (joined with ` | `).
///
/// Rows keep the report's point order (perf_analyzer sorts by throughput).
/// Missing values are empty cells.
pub const CSV_COLUMNS: &[&str] = &[
    "Concurrency",
    "Request Rate",
    "Batch Size",
    "Inferences/Second",
    "Network+Server Send/Recv",
    "Server Queue",
    "Server Compute Input",
    "Server Compute Infer",
    "Server Compute Output",
    "Server Request",
    "p50 latency",
    "p90 latency",
    "p95 latency",
    "p99 latency",
    "p99.9 latency",
    "Avg latency",
    "Min latency",
    "Max latency",
    "Std latency",
    "Client Overhead",
    "Loadgen CPU Cores",
    "Requests",
    "Failures",
    "Send Request Rate",
    "Stable",
    "Windows",
    "Avg GPU Utilization",
    "Avg GPU Power Usage",
    "Avg GPU SM Clock",
    "Max GPU Memory Usage",
    "Max Process GPU Memory Usage",
    "Avg CPU Utilization",
    "Max RSS",
    "Failure Details",
    "Warnings",
];

/// Formats a number for CSV: integers without a fraction, others with up to
/// 3 decimals (trailing zeros trimmed); non-finite values give an empty cell.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_row(p: &LoadPoint) -> Vec<String> {
    let l = &p.latency;
    let server = p.server.as_ref();
    let s = |f: fn(&ServerBreakdown) -> f64| server.map(|b| num(f(b))).unwrap_or_default();
    let network_server = server.filter(|_| l.measured()).map(|b| {
        let accounted = b.queue_us + b.compute_input_us + b.compute_infer_us + b.compute_output_us;
        num((l.avg_us - accounted).max(0.0))
    });
    // No successful request: no latency (empty cells, as `null` in JSON).
    let lat = |v: f64| if l.measured() { num(v) } else { String::new() };
    let r = &p.resources;
    let failures_total: u64 = p.failures.values().sum();
    let failure_details: String = p
        .failures
        .iter()
        .map(|(k, v)| format!("{k}:{v};"))
        .collect();
    vec![
        p.concurrency.map(|c| c.to_string()).unwrap_or_default(),
        opt(p.request_rate),
        p.batch_size.to_string(),
        num(p.throughput),
        network_server.unwrap_or_default(),
        s(|b| b.queue_us),
        s(|b| b.compute_input_us),
        s(|b| b.compute_infer_us),
        s(|b| b.compute_output_us),
        s(|b| b.request_us),
        lat(l.p50_us),
        lat(l.p90_us),
        lat(l.p95_us),
        lat(l.p99_us),
        lat(l.p999_us),
        lat(l.avg_us),
        lat(l.min_us),
        lat(l.max_us),
        lat(l.std_us),
        opt(p.client_overhead_us),
        opt(p.loadgen_cpu_cores),
        p.requests.to_string(),
        failures_total.to_string(),
        opt(p.send_rate_achieved),
        p.stable.to_string(),
        p.windows.to_string(),
        opt(r.gpu_utilization_pct),
        opt(r.gpu_power_w),
        opt(r.gpu_sm_clock_mhz),
        opt(r.gpu_memory_used_mb),
        opt(r.gpu_memory_process_mb),
        opt(r.cpu_util_pct),
        opt(r.rss_mb),
        failure_details,
        p.warnings.join(" | "),
    ]
}

/// The CSV text of a report: [`CSV_COLUMNS`] header, then one row per point.
pub fn csv_string(report: &BenchReport) -> String {
    let mut out = String::new();
    out.push_str(
        &CSV_COLUMNS
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    for p in &report.points {
        out.push_str(
            &csv_row(p)
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// Writes [`csv_string`] to `path` atomically.
pub fn write_csv(report: &BenchReport, path: &Path) -> io::Result<()> {
    write_atomic(path, csv_string(report).as_bytes())
}

/// Splits CSV text into records (RFC 4180: quoted fields, `""` escapes,
/// newlines inside quotes, LF or CRLF line ends). Returns each record with
/// the 1-based line it starts on.
/// CSV records, each with the 1-based line it starts on.
type CsvRecords = Vec<(usize, Vec<String>)>;

fn parse_csv(text: &str) -> Result<CsvRecords, (usize, String)> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut after_quote = false; // just closed a quoted field
    let mut field_started = false;
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    after_quote = true;
                }
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !field_started => {
                in_quotes = true;
                field_started = true;
            }
            '"' => return Err((line, "unexpected '\"' inside an unquoted field".to_string())),
            ',' => {
                record.push(std::mem::take(&mut field));
                after_quote = false;
                field_started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut record)));
                after_quote = false;
                field_started = false;
                line += 1;
                record_line = line;
            }
            _ if after_quote => {
                return Err((line, format!("unexpected {c:?} after a closing quote")))
            }
            _ => {
                field.push(c);
                field_started = true;
            }
        }
    }
    if in_quotes {
        return Err((record_line, "unterminated quoted field".to_string()));
    }
    if field_started || !record.is_empty() {
        record.push(field);
        records.push((record_line, record));
    }
    // Drop blank lines.
    records.retain(|(_, r)| !(r.len() == 1 && r[0].is_empty()));
    Ok(records)
}

/// Reads a CSV file with a header row into one map per data row (header →
/// value). Handles quoted fields; a row whose field count differs from the
/// header's is an error naming its line.
pub fn read_csv(path: &Path) -> Result<Vec<BTreeMap<String, String>>, ExportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let csv_err = |line: usize, message: String| ExportError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut records = parse_csv(&text)
        .map_err(|(line, m)| csv_err(line, m))?
        .into_iter();
    let Some((_, header)) = records.next() else {
        return Err(csv_err(1, "empty file: no header row".to_string()));
    };
    let mut rows = Vec::new();
    for (line, rec) in records {
        if rec.len() != header.len() {
            return Err(csv_err(
                line,
                format!("{} fields, but the header has {}", rec.len(), header.len()),
            ));
        }
        rows.push(header.iter().cloned().zip(rec).collect());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};
    use crate::util::rfc3339_utc;

    fn sample_point(concurrency: u32) -> LoadPoint {
        let mut failures = BTreeMap::new();
        failures.insert("timeout".to_string(), 2);
        failures.insert("internal".to_string(), 1);
        LoadPoint {
            mode: "concurrency".into(),
            concurrency: Some(concurrency),
            request_rate: None,
            batch_size: 4,
            windows: 3,
            stable: true,
            throughput: 1234.5,
            latency: LatencySummary {
                count: 1000,
                avg_us: 812.25,
                min_us: 400.0,
                max_us: 5000.125,
                std_us: 33.5,
                p50_us: 800.0,
                p90_us: 900.0,
                p95_us: 950.0,
                p99_us: 1200.75,
                p999_us: 4000.0,
            },
            client_overhead_us: Some(3.25),
            server: Some(ServerBreakdown {
                queue_us: 100.0,
                compute_input_us: 50.0,
                compute_infer_us: 500.0,
                compute_output_us: 20.0,
                request_us: 700.0,
                per_batch: vec![BatchBreakdown {
                    batch_size: 4,
                    executions: 250,
                    compute_input_us: 50.0,
                    compute_infer_us: 500.0,
                    compute_output_us: 20.0,
                }],
            }),
            resources: ResourceUsage {
                gpu_utilization_pct: Some(87.5),
                gpu_power_w: Some(301.0),
                gpu_sm_clock_mhz: None,
                gpu_memory_used_mb: Some(20480.0),
                gpu_memory_process_mb: Some(1024.0),
                cpu_util_pct: None,
                rss_mb: Some(512.0),
            },
            failures,
            failure_examples: BTreeMap::new(),
            error: None,
            requests: 3086,
            send_rate_achieved: None,
            loadgen_cpu_cores: Some(0.75),
            warnings: vec!["p99 \"spiky\", see log".into(), "line1\nline2".into()],
            phases: None,
        }
    }

    fn sample_report() -> BenchReport {
        let mut rate_point = sample_point(0);
        rate_point.mode = "request_rate".into();
        rate_point.concurrency = None;
        rate_point.request_rate = Some(250.0);
        rate_point.send_rate_achieved = Some(249.875);
        rate_point.server = None;
        rate_point.failures.clear();
        rate_point.warnings.clear();
        rate_point.stable = false;
        BenchReport {
            schema_version: SCHEMA_VERSION,
            tool: "tritium".into(),
            tool_version: "0.1.0".into(),
            triton_version: "2.50.0".into(),
            model: "resnet50".into(),
            model_version: "1".into(),
            started_at: rfc3339_utc(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            machine: "1x H200, 16 cores".into(),
            settings: serde_json::json!({"measurement_interval_ms": 5000, "stability_pct": 10.0}),
            points: vec![sample_point(1), sample_point(8), rate_point],
        }
    }

    fn only_file(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn json_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let report = sample_report();
        write_json(&report, &path).unwrap();
        let back = read_json(&path).unwrap();
        assert_eq!(report, back);
        // overwrite works and is still atomic
        let mut r2 = report.clone();
        r2.model = "other".into();
        write_json(&r2, &path).unwrap();
        assert_eq!(read_json(&path).unwrap().model, "other");
        assert_eq!(only_file(dir.path()), vec!["report.json"]);
    }

    #[test]
    fn failed_points_have_null_latency_and_read_back() {
        let mut p = sample_point(4);
        p.latency = LatencySummary::default();
        p.throughput = 0.0;
        p.error = Some("every request failed (3)".into());
        p.failure_examples.insert("timeout".into(), "timeout after 5 s".into());
        let v = serde_json::to_value(&p).unwrap();
        assert!(v["latency"]["avg_us"].is_null() && v["latency"]["p99_us"].is_null(), "{v}");
        assert_eq!(v["throughput"], 0.0);
        let back: LoadPoint = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.outcome(None), PointOutcome::Failed("every request failed (3)".into()));
        // CSV: empty latency cells.
        let row = csv_row(&p);
        let col = |name: &str| row[CSV_COLUMNS.iter().position(|c| *c == name).unwrap()].clone();
        assert_eq!(col("Avg latency"), "");
        assert_eq!(col("p99 latency"), "");
        assert_eq!(col("Network+Server Send/Recv"), "");
        // A point written before `error`/`failure_examples` existed still reads.
        let mut old = serde_json::to_value(sample_point(1)).unwrap();
        old.as_object_mut().unwrap().remove("failure_examples");
        old.as_object_mut().unwrap().remove("error");
        let back: LoadPoint = serde_json::from_value(old).unwrap();
        assert_eq!(back.error, None);
        assert_eq!(back.succeeded(), 3083);
    }

    #[test]
    fn unknown_schema_version_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let mut v = serde_json::to_value(sample_report()).unwrap();
        v["schema_version"] = serde_json::json!(2);
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let e = read_json(&path).unwrap_err();
        assert!(matches!(
            e,
            ExportError::UnsupportedSchema {
                found: 2,
                supported: 1,
                ..
            }
        ));
        let msg = e.to_string();
        assert!(
            msg.contains("schema_version 2") && msg.contains("r.json"),
            "{msg}"
        );

        v.as_object_mut().unwrap().remove("schema_version");
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        assert!(matches!(
            read_json(&path).unwrap_err(),
            ExportError::MissingSchema { .. }
        ));

        std::fs::write(&path, "{\"schema_version\": 1, \"tool\": 5}").unwrap();
        assert!(matches!(
            read_json(&path).unwrap_err(),
            ExportError::Json { .. }
        ));
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(
            read_json(&path).unwrap_err(),
            ExportError::Json { .. }
        ));
        let e = read_json(&dir.path().join("missing.json")).unwrap_err();
        assert!(matches!(e, ExportError::Io { .. }));
        assert!(e.to_string().contains("missing.json"));
    }

    #[test]
    fn csv_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let report = sample_report();
        write_csv(&report, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next().unwrap(), CSV_COLUMNS.join(","));
        let rows = read_csv(&path).unwrap();
        assert_eq!(rows.len(), 3);
        let keys: Vec<&str> = rows[0].keys().map(String::as_str).collect();
        let mut cols = CSV_COLUMNS.to_vec();
        cols.sort();
        assert_eq!(keys, cols);

        let r = &rows[0];
        assert_eq!(r["Concurrency"], "1");
        assert_eq!(r["Request Rate"], "");
        assert_eq!(r["Batch Size"], "4");
        assert_eq!(r["Inferences/Second"], "1234.5");
        assert_eq!(r["p99 latency"], "1200.75");
        assert_eq!(r["p99.9 latency"], "4000");
        assert_eq!(r["Avg latency"], "812.25");
        assert_eq!(r["Max latency"], "5000.125");
        assert_eq!(r["Server Queue"], "100");
        // 812.25 - (100 + 50 + 500 + 20)
        assert_eq!(r["Network+Server Send/Recv"], "142.25");
        assert_eq!(r["Client Overhead"], "3.25");
        assert_eq!(r["Loadgen CPU Cores"], "0.75");
        assert_eq!(r["Failures"], "3");
        assert_eq!(r["Failure Details"], "internal:1;timeout:2;");
        assert_eq!(r["Stable"], "true");
        assert_eq!(r["Avg GPU Utilization"], "87.5");
        assert_eq!(r["Avg GPU SM Clock"], "");
        assert_eq!(r["Max GPU Memory Usage"], "20480");
        assert_eq!(r["Warnings"], "p99 \"spiky\", see log | line1\nline2");
        assert_eq!(rows[1]["Concurrency"], "8");

        let q = &rows[2];
        assert_eq!(q["Concurrency"], "");
        assert_eq!(q["Request Rate"], "250");
        assert_eq!(q["Send Request Rate"], "249.875");
        assert_eq!(q["Server Queue"], "");
        assert_eq!(q["Network+Server Send/Recv"], "");
        assert_eq!(q["Failures"], "0");
        assert_eq!(q["Stable"], "false");
        assert_eq!(q["Warnings"], "");
    }

    #[test]
    fn csv_parser_edge_cases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(
            &path,
            "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n\"multi\nline\",,3\n\n",
        )
        .unwrap();
        let rows = read_csv(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["b"], "x,y");
        assert_eq!(rows[0]["c"], "he said \"hi\"");
        assert_eq!(rows[1]["a"], "multi\nline");
        assert_eq!(rows[1]["b"], "");
        assert_eq!(rows[1]["c"], "3");
        // no trailing newline
        std::fs::write(&path, "a,b\n1,2").unwrap();
        assert_eq!(read_csv(&path).unwrap()[0]["b"], "2");
        // wrong field count names the line
        std::fs::write(&path, "a,b\n1,2\n1,2,3\n").unwrap();
        match read_csv(&path).unwrap_err() {
            ExportError::Csv { line, .. } => assert_eq!(line, 3),
            other => panic!("{other}"),
        }
        for bad in ["a\n\"open", "a\nx\"y", "a\n\"q\"z"] {
            std::fs::write(&path, bad).unwrap();
            assert!(
                matches!(read_csv(&path).unwrap_err(), ExportError::Csv { .. }),
                "{bad:?}"
            );
        }
        std::fs::write(&path, "").unwrap();
        assert!(matches!(
            read_csv(&path).unwrap_err(),
            ExportError::Csv { .. }
        ));
    }

    #[test]
    fn number_formatting() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(2.0004), "2");
        assert_eq!(num(1234.5678), "1234.568");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(f64::NAN), "");
        assert_eq!(num(f64::INFINITY), "");
        assert_eq!(num(1e20), "100000000000000000000");
    }

}
