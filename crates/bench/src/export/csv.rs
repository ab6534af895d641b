//! The perf_analyzer-style CSV: one row per load point ([`CSV_COLUMNS`]),
//! written atomically, and a reader for it.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use super::{BenchReport, ExportError, LoadPoint, ServerBreakdown};
use crate::stats::Interval;
use tritium_util::write_atomic;

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
/// Confidence intervals (ours, after every other column so that readers of
/// the columns above see them where they were): "Inferences/Second CI Low"
/// / "... CI High" and "Avg/p50/p90/p95/p99 latency CI Low" / "... CI High"
/// (µs), the 95 % intervals of `LoadPoint::throughput_ci` and
/// `LoadPoint::latency_ci`; empty when the measurement gives none. Then
/// "Server Queue/Compute Input/Compute Infer/Compute Output/Request CI
/// Low" / "... CI High" (µs, `LoadPoint::server_ci`), "Avg GPU Utilization
/// CI Low/High" (%) and "Max GPU Memory Usage CI Low/High" (MB,
/// `LoadPoint::resources_ci`), named after the columns they bound.
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
    "Inferences/Second CI Low",
    "Inferences/Second CI High",
    "Avg latency CI Low",
    "Avg latency CI High",
    "p50 latency CI Low",
    "p50 latency CI High",
    "p90 latency CI Low",
    "p90 latency CI High",
    "p95 latency CI Low",
    "p95 latency CI High",
    "p99 latency CI Low",
    "p99 latency CI High",
    "Server Queue CI Low",
    "Server Queue CI High",
    "Server Compute Input CI Low",
    "Server Compute Input CI High",
    "Server Compute Infer CI Low",
    "Server Compute Infer CI High",
    "Server Compute Output CI Low",
    "Server Compute Output CI High",
    "Server Request CI Low",
    "Server Request CI High",
    "Avg GPU Utilization CI Low",
    "Avg GPU Utilization CI High",
    "Max GPU Memory Usage CI Low",
    "Max GPU Memory Usage CI High",
];

/// Formats a number for CSV: integers without a fraction, others with up to
/// 3 decimals (trailing zeros trimmed); non-finite values give an empty cell.
pub(super) fn num(v: f64) -> String {
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

pub(super) fn csv_row(p: &LoadPoint) -> Vec<String> {
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
    let ci = p.latency_ci.unwrap_or_default();
    let sci = p.server_ci.unwrap_or_default();
    let rci = p.resources_ci.unwrap_or_default();
    let lo = |i: Option<Interval>| i.map(|i| num(i.lo)).unwrap_or_default();
    let hi = |i: Option<Interval>| i.map(|i| num(i.hi)).unwrap_or_default();
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
        lo(p.throughput_ci),
        hi(p.throughput_ci),
        lo(ci.avg),
        hi(ci.avg),
        lo(ci.p50),
        hi(ci.p50),
        lo(ci.p90),
        hi(ci.p90),
        lo(ci.p95),
        hi(ci.p95),
        lo(ci.p99),
        hi(ci.p99),
        lo(sci.queue),
        hi(sci.queue),
        lo(sci.compute_input),
        hi(sci.compute_input),
        lo(sci.compute_infer),
        hi(sci.compute_infer),
        lo(sci.compute_output),
        hi(sci.compute_output),
        lo(sci.request),
        hi(sci.request),
        lo(rci.gpu_utilization_pct),
        hi(rci.gpu_utilization_pct),
        lo(rci.gpu_memory_used_mb),
        hi(rci.gpu_memory_used_mb),
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
