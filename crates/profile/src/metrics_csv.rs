//! Model Analyzer's CSV tables (`metrics-model-inference.csv`,
//! `metrics-model-gpu.csv`, `metrics-server-only.csv`, or the
//! `filename_*` the config names) in Model Analyzer 1.58's layout: the
//! configured `*_output_fields` with Model Analyzer's headers (`layout`),
//! its row order (`order`), its one-decimal rounding and its instance
//! group strings (`labels`). tritium's uncertainty columns come after
//! Model Analyzer's (issue 12): the 95 % intervals of throughput and latency,
//! and the configs a row's config is statistically tied with; a reader that
//! indexes columns by position or by name is unaffected. Deviations are
//! listed at [`write_csvs`].

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::Metric;
use crate::results::{to_measurement, ConfigRecord, MeasurementRecord, ModelResults, ProfileResults, ServerOnlyRecord, SERVER_ONLY_MODEL_NAME};
use tritium_bench::export::{GpuUsage, LoadPoint};
use tritium_bench::stats::Interval;
use tritium_triton::error::{Error, Result};
use tritium_util::write_atomic;

/// Model Analyzer's default columns of `metrics-model-inference.csv`.
pub const INFERENCE_COLUMNS: &[&str] = &["Model", "Batch", "Concurrency", "Model Config Path", "Instance Group", "Max Batch Size", "Satisfies Constraints", "Throughput (infer/sec)", "p99 Latency (ms)"];
/// Model Analyzer's default columns of `metrics-model-gpu.csv`.
pub const GPU_COLUMNS: &[&str] = &["Model", "GPU UUID", "Batch", "Concurrency", "Model Config Path", "Instance Group", "Satisfies Constraints", "GPU Memory Usage (MB)", "GPU Utilization (%)", "GPU Power Usage (W)"];
/// Model Analyzer's default columns of `metrics-server-only.csv`.
pub const SERVER_COLUMNS: &[&str] = &["Model", "GPU UUID", "GPU Memory Usage (MB)", "GPU Utilization (%)", "GPU Power Usage (W)"];

/// tritium's columns appended to `metrics-model-inference.csv` after
/// [`INFERENCE_COLUMNS`]: the 95 % interval of throughput and p99 latency,
/// then (see [`inference_columns`]) the objective's latency and its interval
/// when the objective is another latency, then `Tied With`.
pub const INFERENCE_CI_COLUMNS: &[&str] = &["Throughput CI Low (infer/sec)", "Throughput CI High (infer/sec)", "p99 Latency CI Low (ms)", "p99 Latency CI High (ms)"];
/// The last column of `metrics-model-inference.csv`: the configs of the
/// same model statistically tied with the row's config, `;`-separated,
/// empty when none.
pub const TIED_WITH_COLUMN: &str = "Tied With";
/// tritium's columns appended to `metrics-model-gpu.csv` after
/// [`GPU_COLUMNS`]: the 95 % interval of GPU memory (empty while unknown).
pub const GPU_CI_COLUMNS: &[&str] = &["GPU Memory CI Low (MB)", "GPU Memory CI High (MB)"];

/// The latency metric of the objectives other than p99 (the one with the
/// largest weight), whose estimate and interval get their own columns; None
/// when the objectives name no latency or only p99 (older files with
/// objectives as debug strings: None).
pub fn objective_latency(objectives: &Value) -> Option<Metric> {
    let o = objectives.as_object()?;
    let mut best: Option<(Metric, f64)> = None;
    for (k, w) in o {
        let Some(m) = Metric::from_name(k) else { continue };
        let latency = matches!(m, Metric::PerfLatencyP95 | Metric::PerfLatencyP90 | Metric::PerfLatencyP50 | Metric::PerfLatencyAvg | Metric::PerfLatencyP99);
        let w = w.as_f64().unwrap_or(1.0);
        if latency && best.is_none_or(|(_, bw)| w > bw) {
            best = Some((m, w));
        }
    }
    best.map(|(m, _)| m).filter(|m| *m != Metric::PerfLatencyP99)
}

/// "p90", "p95", "p50", "Avg": how a latency metric is named in column headers.
fn latency_label(m: Metric) -> &'static str {
    match m {
        Metric::PerfLatencyP95 => "p95",
        Metric::PerfLatencyP90 => "p90",
        Metric::PerfLatencyP50 => "p50",
        Metric::PerfLatencyAvg => "Avg",
        _ => "p99",
    }
}

/// tritium's columns after Model Analyzer's in the inference table:
/// [`INFERENCE_CI_COLUMNS`], the objective's latency with its interval when
/// it is not p99 (`p90 Latency (ms)`, `p90 Latency CI Low (ms)`, `p90
/// Latency CI High (ms)`), then [`TIED_WITH_COLUMN`].
pub fn inference_extra_columns(objectives: &Value) -> Vec<String> {
    let mut v: Vec<String> = INFERENCE_CI_COLUMNS.iter().map(|s| s.to_string()).collect();
    if let Some(m) = objective_latency(objectives) {
        let l = latency_label(m);
        v.extend([format!("{l} Latency (ms)"), format!("{l} Latency CI Low (ms)"), format!("{l} Latency CI High (ms)")]);
    }
    v.push(TIED_WITH_COLUMN.to_string());
    v
}

/// Every column of `metrics-model-inference.csv` with Model Analyzer's
/// default fields: [`INFERENCE_COLUMNS`] then [`inference_extra_columns`].
pub fn inference_columns(objectives: &Value) -> Vec<String> {
    INFERENCE_COLUMNS.iter().map(|s| s.to_string()).chain(inference_extra_columns(objectives)).collect()
}

/// Every column of `metrics-model-gpu.csv` with Model Analyzer's default
/// fields: [`GPU_COLUMNS`] then [`GPU_CI_COLUMNS`].
pub fn gpu_columns() -> Vec<String> {
    GPU_COLUMNS.iter().chain(GPU_CI_COLUMNS).map(|s| s.to_string()).collect()
}

/// The configs of `m` statistically tied with config `name` (either side of
/// the recorded tie counts), in the model's config order.
pub fn tied_with(m: &ModelResults, name: &str) -> Vec<String> {
    m.configs.iter().map(|c| c.name.clone()).chain(m.tied_with.keys().cloned()).filter(|o| o != name && m.tied(name, o)).fold(Vec::new(), |mut acc, o| {
        if !acc.contains(&o) {
            acc.push(o);
        }
        acc
    })
}

/// Quotes a CSV field when it holds a comma, a quote or a newline.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A value as Model Analyzer writes it: `round(x, 1)` (one decimal).
pub fn round1(x: f64) -> String {
    format!("{x:.1}")
}

fn opt(v: Option<f64>) -> String {
    v.map(round1).unwrap_or_default()
}

/// "lo,hi" of an interval; ",", both empty, without one.
fn lo_hi(i: Option<Interval>) -> String {
    format!("{},{}", opt(i.map(|i| i.lo)), opt(i.map(|i| i.hi)))
}

/// A request rate as perf_analyzer's `request-rate-range` value: an
/// integer when it is one.
fn rate(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// One row's sources.
struct Row<'a> {
    model: &'a ModelResults,
    config: &'a ConfigRecord,
    rec: &'a MeasurementRecord,
    /// The usable load point (None: the measurement failed).
    point: Option<&'a LoadPoint>,
    /// The `Satisfies Constraints` cell: `Yes`, `No`, or `FAILED: <why>`.
    satisfies: String,
    /// GPUs on the machine.
    gpus: usize,
    /// The `GPU UUID` cell.
    uuid: String,
    /// The GPU of a per-GPU row: its own figures replace the point's totals.
    gpu: Option<&'a GpuUsage>,
}

/// The cell of `field` in `row`, CSV-quoted.
fn cell(field: &str, row: &Row) -> String {
    let p = row.point;
    let meas = p.map(|p| to_measurement(&row.config.key, row.rec.level(), p));
    let metric = |m: Metric| opt(meas.as_ref().and_then(|x| x.metric(m)));
    let s = match field {
        "model_name" => row.model.model.clone(),
        "batch_size" => row.rec.batch_size.to_string(),
        "concurrency" => if row.rec.request_rate.is_some() { String::new() } else { row.rec.concurrency.to_string() },
        "request_rate" => match row.rec.request_rate {
            Some(r) => r.to_string(),
            None => p.and_then(|p| p.request_rate).map(rate).unwrap_or_default(),
        },
        "model_config_path" => labels::model_config_path(row.config),
        "instance_group" => labels::instance_group(row.config, row.gpus),
        "max_batch_size" => labels::max_batch_size(row.config),
        "satisfies_constraints" => row.satisfies.clone(),
        "gpu_uuid" => row.uuid.clone(),
        "gpu_used_memory" if row.gpu.is_some() => opt(p.and(row.gpu).and_then(|g| g.memory_used_mb)),
        "gpu_utilization" if row.gpu.is_some() => opt(p.and(row.gpu).and_then(|g| g.utilization_pct)),
        "gpu_power_usage" if row.gpu.is_some() => opt(p.and(row.gpu).and_then(|g| g.power_w)),
        "gpu_used_memory" => opt(p.and_then(|p| p.resources.gpu_memory_used_mb)),
        "gpu_utilization" => opt(p.and_then(|p| p.resources.gpu_utilization_pct)),
        "gpu_power_usage" => opt(p.and_then(|p| p.resources.gpu_power_w)),
        f => match (Metric::from_name(f), f.strip_prefix(BACKEND_PARAMETER_PREFIX)) {
            (Some(m), _) => metric(m),
            (None, Some(key)) => labels::backend_parameter(&row.config.config, key),
            (None, None) => String::new(),
        },
    };
    csv_field(&s)
}

/// The cells of `fields` in `row`, comma-joined.
fn cells(columns: &[(String, String)], row: &Row) -> String {
    columns.iter().map(|(f, _)| cell(f, row)).collect::<Vec<_>>().join(",")
}

/// tritium's appended cells of an inference row (after Model Analyzer's).
fn inference_extra(c: &ConfigRecord, r: &MeasurementRecord, p: Option<&LoadPoint>, objective: Option<Metric>, tied: &[String]) -> String {
    let meas = p.map(|p| to_measurement(&c.key, r.level(), p));
    let iv = |m: Metric| meas.as_ref().and_then(|x| x.metric_interval(m));
    let mut s = format!(",{},{}", lo_hi(iv(Metric::PerfThroughput)), lo_hi(iv(Metric::PerfLatencyP99)));
    if let Some(o) = objective {
        s += &format!(",{},{}", opt(meas.as_ref().and_then(|x| x.metric(o))), lo_hi(iv(o)));
    }
    s += &format!(",{}", if p.is_some() { csv_field(&tied.join(";")) } else { String::new() });
    s
}

/// The rows of the server-only measurement, as Model Analyzer writes them:
/// one per GPU, model `triton-server`, that GPU's own figures; without
/// per-GPU figures (no GPU, or NVML unavailable) one row of the totals,
/// empty where nothing was measured.
fn server_only_rows(so: &ServerOnlyRecord, columns: &[(String, String)]) -> String {
    let r = &so.resources;
    let total = GpuUsage { uuid: String::new(), memory_used_mb: r.gpu_memory_used_mb, utilization_pct: r.gpu_utilization_pct, power_w: r.gpu_power_w };
    let gpus: Vec<&GpuUsage> = if r.per_gpu.is_empty() { vec![&total] } else { r.per_gpu.iter().collect() };
    let mut out = String::new();
    for g in gpus {
        let cells: Vec<String> = columns
            .iter()
            .map(|(f, _)| match f.as_str() {
                "model_name" => SERVER_ONLY_MODEL_NAME.to_string(),
                "gpu_uuid" => csv_field(&g.uuid),
                "gpu_used_memory" => opt(g.memory_used_mb),
                "gpu_utilization" => opt(g.utilization_pct),
                "gpu_power_usage" => opt(g.power_w),
                _ => String::new(),
            })
            .collect();
        out += &(cells.join(",") + "\n");
    }
    out
}

/// Whether a load point holds any GPU metric.
fn has_gpu_data(p: &LoadPoint) -> bool {
    let r = &p.resources;
    r.gpu_memory_used_mb.is_some() || r.gpu_utilization_pct.is_some() || r.gpu_power_w.is_some() || !r.per_gpu.is_empty()
}

/// Writes the three CSV tables into `dir` (atomically each), with the
/// columns and file names of `layout`; `gpu_uuids` are the machine's GPUs,
/// `;`-separated. Returns their paths.
///
/// Rows as Model Analyzer fills them (see `order`); values rounded to one
/// decimal as Model Analyzer does (tritium's interval columns too, so an
/// interval always contains its estimate). The GPU table has, as Model
/// Analyzer's, one row per GPU per measurement, each with that GPU's own
/// memory, utilization and power (`per_gpu` of the point's resources), and
/// none for a config whose instances all run on the CPU (a `cpu_only`
/// model's) or a point without GPU data; the memory interval columns are
/// filled on single-GPU rows only (the interval is of all GPUs together).
/// A point of an older results.json without per-GPU figures gets one row
/// of the totals, its `GPU UUID` the machine's GPUs `;`-joined. The
/// server-only table holds the server measured with no model loaded
/// (`server_only`: one row per GPU, model `triton-server`); a results.json
/// of an older tritium without it gets, per model, the default config's
/// first measurement. Deviations:
/// a table without rows is still written (its header only; Model Analyzer
/// skips the file); a measurement that failed gets rows (one per GPU) whose
/// `Satisfies Constraints` reads `FAILED: <why>`, with no numbers.
pub fn write_csvs(results: &ProfileResults, dir: &Path, gpu_uuids: &str, layout: &CsvLayout) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let uuids: Vec<&str> = gpu_uuids.split(';').filter(|u| !u.is_empty()).collect();
    let objective = objective_latency(&results.objectives);
    let objectives = order::objectives_of(&results.objectives);
    let (icols, gcols, scols) = (layout.columns(Table::Inference), layout.columns(Table::Gpu), layout.columns(Table::Server));
    let head = |cols: &[(String, String)], extra: Vec<String>| cols.iter().map(|(_, h)| csv_field(h)).chain(extra).collect::<Vec<_>>().join(",") + "\n";
    let mut inf = head(&icols, inference_extra_columns(&results.objectives));
    let mut gpu = head(&gcols, GPU_CI_COLUMNS.iter().map(|s| s.to_string()).collect());
    let mut srv = head(&scols, Vec::new());
    for m in &results.models {
        for i in order::row_order(m, &objectives) {
            let r = &m.measurements[i];
            let Some(c) = m.configs.iter().find(|c| c.name == r.config) else { continue };
            let p = r.ok_point();
            let satisfies = match (p, r.passes) {
                (None, _) => format!("FAILED: {}", r.failure_reason().unwrap_or_default()),
                (Some(_), Some(true)) => "Yes".to_string(),
                (Some(_), Some(false)) => "No".to_string(),
                (Some(_), None) => String::new(),
            };
            let row = Row { model: m, config: c, rec: r, point: p, satisfies, gpus: uuids.len(), uuid: uuids.join(";"), gpu: None };
            inf += &cells(&icols, &row);
            inf += &inference_extra(c, r, p, objective, &if p.is_some() { tied_with(m, &r.config) } else { Vec::new() });
            inf += "\n";
            if labels::cpu_only(c) || uuids.is_empty() || p.is_some_and(|p| !has_gpu_data(p)) {
                continue;
            }
            let mem_ci = p.and_then(|p| to_measurement(&c.key, r.level(), p).gpu_memory_ci.filter(|_| p.resources.gpu_memory_used_mb.is_some()));
            let per_gpu = p.map(|p| p.resources.per_gpu.as_slice()).unwrap_or_default();
            if !per_gpu.is_empty() {
                let ci = if per_gpu.len() == 1 { mem_ci } else { None };
                for g in per_gpu {
                    let row = Row { uuid: g.uuid.clone(), gpu: Some(g), satisfies: row.satisfies.clone(), ..row };
                    gpu += &format!("{},{}\n", cells(&gcols, &row), lo_hi(ci));
                }
            } else if p.is_none() {
                // A failed measurement: one row per GPU, without numbers.
                for u in &uuids {
                    let row = Row { uuid: u.to_string(), satisfies: row.satisfies.clone(), ..row };
                    gpu += &format!("{},{}\n", cells(&gcols, &row), lo_hi(None));
                }
            } else {
                gpu += &format!("{},{}\n", cells(&gcols, &row), lo_hi(mem_ci));
            }
        }
        // Server-only of an older results.json (no `server_only`): the server with the
        // default config loaded (its first measurement).
        if results.server_only.is_some() {
            continue;
        }
        if let Some(p) = m.measurements.iter().filter(|r| r.config == m.default_config).find_map(|r| r.ok_point()) {
            let (Some(c), Some(r)) = (m.configs.iter().find(|c| c.name == m.default_config), m.measurements.iter().find(|r| r.config == m.default_config)) else { continue };
            let row = Row { model: m, config: c, rec: r, point: Some(p), satisfies: String::new(), gpus: uuids.len(), uuid: uuids.join(";"), gpu: None };
            let server_cell = |f: &str| if matches!(f, "model_name" | "gpu_uuid" | "gpu_used_memory" | "gpu_utilization" | "gpu_power_usage") { cell(f, &row) } else { String::new() };
            srv += &(scols.iter().map(|(f, _)| server_cell(f)).collect::<Vec<_>>().join(",") + "\n");
        }
    }
    if let Some(so) = &results.server_only {
        srv += &server_only_rows(so, &scols);
    }
    let mut out = Vec::new();
    for (table, text) in [(Table::Inference, inf), (Table::Gpu, gpu), (Table::Server, srv)] {
        let p = dir.join(layout.filename(table));
        write_atomic(&p, text.as_bytes()).map_err(|e| Error::io(&p, e))?;
        out.push(p);
    }
    Ok(out)
}

mod labels;
mod layout;
mod order;

pub use labels::{instance_group_string, model_config_path};
pub use layout::{header, CsvLayout, Table, BACKEND_PARAMETER_PREFIX, DEFAULT_FILENAME_MODEL_GPU, DEFAULT_FILENAME_MODEL_INFERENCE, DEFAULT_FILENAME_SERVER_ONLY, DEFAULT_GPU_OUTPUT_FIELDS, DEFAULT_INFERENCE_OUTPUT_FIELDS, DEFAULT_SERVER_OUTPUT_FIELDS};
pub use order::{objectives_of, row_order};

#[cfg(test)]
mod tests;
