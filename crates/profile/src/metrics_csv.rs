//! Model Analyzer's CSV tables (`metrics-model-inference.csv`,
//! `metrics-model-gpu.csv`, `metrics-server-only.csv`), with tritium's
//! uncertainty columns appended after Model Analyzer's (issue 12): the 95 %
//! intervals of throughput and latency, and the configs a row's config is
//! statistically tied with. Model Analyzer's columns stay as they are, in
//! their order; a reader that indexes columns by position is unaffected.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::Metric;
use crate::results::{to_measurement, ConfigRecord, MeasurementRecord, ModelResults, ProfileResults};
use tritium_bench::export::LoadPoint;
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

/// Every column of `metrics-model-inference.csv` for these objectives:
/// [`INFERENCE_COLUMNS`], [`INFERENCE_CI_COLUMNS`], the objective's latency
/// with its interval when it is not p99 (`p90 Latency (ms)`, `p90 Latency CI
/// Low (ms)`, `p90 Latency CI High (ms)`), then [`TIED_WITH_COLUMN`].
pub fn inference_columns(objectives: &Value) -> Vec<String> {
    let mut v: Vec<String> = INFERENCE_COLUMNS.iter().chain(INFERENCE_CI_COLUMNS).map(|s| s.to_string()).collect();
    if let Some(m) = objective_latency(objectives) {
        let l = latency_label(m);
        v.extend([format!("{l} Latency (ms)"), format!("{l} Latency CI Low (ms)"), format!("{l} Latency CI High (ms)")]);
    }
    v.push(TIED_WITH_COLUMN.to_string());
    v
}

/// Every column of `metrics-model-gpu.csv`: [`GPU_COLUMNS`] then [`GPU_CI_COLUMNS`].
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

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

/// "lo,hi" of an interval with `digits` decimals; ",", both empty, without one.
fn lo_hi(i: Option<Interval>, digits: usize) -> String {
    format!("{},{}", opt(i.map(|i| i.lo), digits), opt(i.map(|i| i.hi), digits))
}

/// tritium's appended cells of an inference row (after Model Analyzer's).
fn inference_extra(c: &ConfigRecord, r: &MeasurementRecord, p: Option<&LoadPoint>, objective: Option<Metric>, tied: &[String]) -> String {
    let meas = p.map(|p| to_measurement(&c.key, r.concurrency, p));
    let iv = |m: Metric| meas.as_ref().and_then(|x| x.metric_interval(m));
    let mut s = format!(",{},{}", lo_hi(iv(Metric::PerfThroughput), 1), lo_hi(iv(Metric::PerfLatencyP99), 3));
    if let Some(o) = objective {
        s += &format!(",{},{}", opt(meas.as_ref().and_then(|x| x.metric(o)), 3), lo_hi(iv(o), 3));
    }
    s += &format!(",{}", if p.is_some() { csv_field(&tied.join(";")) } else { String::new() });
    s
}

/// Writes the three CSV tables into `dir` (atomically each); returns their paths.
pub fn write_csvs(results: &ProfileResults, dir: &Path, gpu_uuids: &str) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let objective = objective_latency(&results.objectives);
    let mut inf = inference_columns(&results.objectives).join(",") + "\n";
    let mut gpu = gpu_columns().join(",") + "\n";
    let mut srv = SERVER_COLUMNS.join(",") + "\n";
    for m in &results.models {
        for r in &m.measurements {
            let Some(c) = m.configs.iter().find(|c| c.name == r.config) else { continue };
            let group = csv_field(&c.variant.instance_group_label());
            let mbs = csv_field(&c.variant.max_batch_size_label());
            let Some(p) = r.ok_point() else {
                // A failed measurement: no numbers (never 0 ms), the reason in the constraints column.
                let why = format!("FAILED: {}", r.failure_reason().unwrap_or_default());
                inf += &format!("{},{},{},{},{},{},{},,", csv_field(&m.model), r.batch_size, r.concurrency, csv_field(&r.config), group, mbs, csv_field(&why));
                inf += &inference_extra(c, r, None, objective, &[]);
                inf += "\n";
                gpu += &format!("{},{},{},{},{},{},{},,,,,\n", csv_field(&m.model), csv_field(gpu_uuids), r.batch_size, r.concurrency, csv_field(&r.config), group, csv_field(&why));
                continue;
            };
            let sat = match r.passes {
                Some(true) => "Yes",
                Some(false) => "No",
                None => "",
            };
            inf += &format!(
                "{},{},{},{},{},{},{},{:.1},{:.3}",
                csv_field(&m.model),
                r.batch_size,
                r.concurrency,
                csv_field(&r.config),
                group,
                mbs,
                sat,
                p.throughput,
                p.latency.p99_us / 1000.0
            );
            inf += &inference_extra(c, r, Some(p), objective, &tied_with(m, &r.config));
            inf += "\n";
            let mem_ci = to_measurement(&c.key, r.concurrency, p).gpu_memory_ci.filter(|_| p.resources.gpu_memory_used_mb.is_some());
            gpu += &format!(
                "{},{},{},{},{},{},{},{},{},{},{}\n",
                csv_field(&m.model),
                csv_field(gpu_uuids),
                r.batch_size,
                r.concurrency,
                csv_field(&r.config),
                group,
                sat,
                opt(p.resources.gpu_memory_used_mb, 1),
                opt(p.resources.gpu_utilization_pct, 1),
                opt(p.resources.gpu_power_w, 1),
                lo_hi(mem_ci, 1)
            );
        }
        // Server-only: the server with only the default config loaded (its first measurement).
        if let Some(p) = m.measurements.iter().filter(|r| r.config == m.default_config).find_map(|r| r.ok_point()) {
            srv += &format!(
                "{},{},{},{},{}\n",
                csv_field(&m.model),
                csv_field(gpu_uuids),
                opt(p.resources.gpu_memory_used_mb, 1),
                opt(p.resources.gpu_utilization_pct, 1),
                opt(p.resources.gpu_power_w, 1)
            );
        }
    }
    let mut out = Vec::new();
    for (name, text) in [("metrics-model-inference.csv", inf), ("metrics-model-gpu.csv", gpu), ("metrics-server-only.csv", srv)] {
        let p = dir.join(name);
        write_atomic(&p, text.as_bytes()).map_err(|e| Error::io(&p, e))?;
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
