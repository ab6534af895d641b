//! Which columns the three CSV tables have and what their files are called:
//! Model Analyzer's `inference_output_fields`, `gpu_output_fields`,
//! `server_output_fields` and `filename_*` (defaults from Model Analyzer
//! 1.58's `config_defaults.py`), each field's column header as Model
//! Analyzer's `ResultTableManager` writes it (`headers` and the record types'
//! `header()`).
//!
//! As in Model Analyzer, a field a table cannot fill is dropped from that
//! table with a warning ([`CsvLayout::dropped`]): a metric of another table
//! (`gpu_used_memory` among the inference fields) or a metric tritium does
//! not measure (`perf_client_response_wait`, …). Model Analyzer also drops
//! a metric column when no measurement of the run holds it (no GPU on the
//! machine); tritium keeps the column, with empty cells, so the header
//! depends only on the config.
//!
//! A run that profiles any model with request rate (Model Analyzer's
//! `_using_request_rate`; in tritium also a `request-rate-range` flag, which
//! Model Analyzer does not consider) defaults to
//! `DEFAULT_REQUEST_RATE_*_OUTPUT_FIELDS`: `request_rate` ("Request Rate")
//! where the concurrency defaults have `concurrency`. A request-rate row's
//! `concurrency` cell is empty, a concurrency row's `request_rate` cell too.

use crate::config::ProfileConfig;
use tritium_triton::error::{Error, Result};

/// `DEFAULT_INFERENCE_OUTPUT_FIELDS`.
pub const DEFAULT_INFERENCE_OUTPUT_FIELDS: &[&str] = &["model_name", "batch_size", "concurrency", "model_config_path", "instance_group", "max_batch_size", "satisfies_constraints", "perf_throughput", "perf_latency_p99"];
/// `DEFAULT_GPU_OUTPUT_FIELDS`.
pub const DEFAULT_GPU_OUTPUT_FIELDS: &[&str] = &["model_name", "gpu_uuid", "batch_size", "concurrency", "model_config_path", "instance_group", "satisfies_constraints", "gpu_used_memory", "gpu_utilization", "gpu_power_usage"];
/// `DEFAULT_REQUEST_RATE_INFERENCE_OUTPUT_FIELDS`.
pub const DEFAULT_REQUEST_RATE_INFERENCE_OUTPUT_FIELDS: &[&str] = &["model_name", "batch_size", "request_rate", "model_config_path", "instance_group", "max_batch_size", "satisfies_constraints", "perf_throughput", "perf_latency_p99"];
/// `DEFAULT_REQUEST_RATE_GPU_OUTPUT_FIELDS`.
pub const DEFAULT_REQUEST_RATE_GPU_OUTPUT_FIELDS: &[&str] = &["model_name", "gpu_uuid", "batch_size", "request_rate", "model_config_path", "instance_group", "satisfies_constraints", "gpu_used_memory", "gpu_utilization", "gpu_power_usage"];
/// `DEFAULT_SERVER_OUTPUT_FIELDS`.
pub const DEFAULT_SERVER_OUTPUT_FIELDS: &[&str] = &["model_name", "gpu_uuid", "gpu_used_memory", "gpu_utilization", "gpu_power_usage"];
/// `DEFAULT_FILENAME_MODEL_INFERENCE`.
pub const DEFAULT_FILENAME_MODEL_INFERENCE: &str = "metrics-model-inference.csv";
/// `DEFAULT_FILENAME_MODEL_GPU`.
pub const DEFAULT_FILENAME_MODEL_GPU: &str = "metrics-model-gpu.csv";
/// `DEFAULT_FILENAME_SERVER_ONLY`.
pub const DEFAULT_FILENAME_SERVER_ONLY: &str = "metrics-server-only.csv";
/// Prefix of a field naming a model config `parameters` entry (Model
/// Analyzer's `backend_parameter/<key>`; the column header is the field).
pub const BACKEND_PARAMETER_PREFIX: &str = "backend_parameter/";

/// The three tables of a profile run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `metrics-model-inference.csv`.
    Inference,
    /// `metrics-model-gpu.csv`.
    Gpu,
    /// `metrics-server-only.csv`.
    Server,
}

/// Model Analyzer's header of a field every table may hold
/// (`ResultTableManager.headers`).
fn common_header(field: &str) -> Option<&'static str> {
    Some(match field {
        "model_name" => "Model",
        "batch_size" => "Batch",
        "concurrency" => "Concurrency",
        "request_rate" => "Request Rate",
        "model_config_path" => "Model Config Path",
        "instance_group" => "Instance Group",
        "max_batch_size" => "Max Batch Size",
        "satisfies_constraints" => "Satisfies Constraints",
        "gpu_uuid" => "GPU UUID",
        _ => return None,
    })
}

/// The header of a non-GPU metric tritium measures (the record type's
/// `header()`).
fn inference_metric_header(field: &str) -> Option<&'static str> {
    Some(match field {
        "perf_throughput" => "Throughput (infer/sec)",
        "perf_latency_p99" => "p99 Latency (ms)",
        "perf_latency_p95" => "p95 Latency (ms)",
        "perf_latency_p90" => "p90 Latency (ms)",
        "perf_latency_p50" => "p50 Latency (ms)",
        "perf_latency_avg" => "Avg Latency (ms)",
        "cpu_used_ram" => "RAM Usage (MB)",
        _ => return None,
    })
}

/// The header of a GPU metric tritium measures.
fn gpu_metric_header(field: &str) -> Option<&'static str> {
    Some(match field {
        "gpu_used_memory" => "GPU Memory Usage (MB)",
        "gpu_utilization" => "GPU Utilization (%)",
        "gpu_power_usage" => "GPU Power Usage (W)",
        _ => return None,
    })
}

/// The column header of `field` in `table`; None when the table cannot fill
/// it (Model Analyzer: "output field … has no data", the column dropped).
pub fn header(table: Table, field: &str) -> Option<String> {
    if let Some(h) = common_header(field) {
        return Some(h.to_string());
    }
    match table {
        Table::Inference => inference_metric_header(field).map(str::to_string).or_else(|| field.starts_with(BACKEND_PARAMETER_PREFIX).then(|| field.to_string())),
        Table::Gpu | Table::Server => gpu_metric_header(field).map(str::to_string),
    }
}

/// The columns and file names of the three tables.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvLayout {
    /// `inference_output_fields`.
    pub inference_output_fields: Vec<String>,
    /// `gpu_output_fields`.
    pub gpu_output_fields: Vec<String>,
    /// `server_output_fields`.
    pub server_output_fields: Vec<String>,
    /// `filename_model_inference`.
    pub filename_model_inference: String,
    /// `filename_model_gpu`.
    pub filename_model_gpu: String,
    /// `filename_server_only`.
    pub filename_server_only: String,
}

impl Default for CsvLayout {
    /// Model Analyzer's defaults.
    fn default() -> Self {
        let v = |f: &[&str]| f.iter().map(|s| s.to_string()).collect();
        CsvLayout {
            inference_output_fields: v(DEFAULT_INFERENCE_OUTPUT_FIELDS),
            gpu_output_fields: v(DEFAULT_GPU_OUTPUT_FIELDS),
            server_output_fields: v(DEFAULT_SERVER_OUTPUT_FIELDS),
            filename_model_inference: DEFAULT_FILENAME_MODEL_INFERENCE.to_string(),
            filename_model_gpu: DEFAULT_FILENAME_MODEL_GPU.to_string(),
            filename_server_only: DEFAULT_FILENAME_SERVER_ONLY.to_string(),
        }
    }
}

impl CsvLayout {
    /// The layout `cfg` asks for (Model Analyzer's defaults for what it
    /// leaves unset); an error when a file name is not a plain file name
    /// (the tables are written into `<export_path>/results`, as in Model
    /// Analyzer, and nowhere else).
    pub fn from_config(cfg: &ProfileConfig) -> Result<CsvLayout> {
        let mut d = CsvLayout::default();
        if cfg.profile_models.iter().any(|m| cfg.model_load(m).kind.is_rate()) {
            let v = |f: &[&str]| f.iter().map(|s| s.to_string()).collect();
            d.inference_output_fields = v(DEFAULT_REQUEST_RATE_INFERENCE_OUTPUT_FIELDS);
            d.gpu_output_fields = v(DEFAULT_REQUEST_RATE_GPU_OUTPUT_FIELDS);
        }
        let l = CsvLayout {
            inference_output_fields: cfg.inference_output_fields.clone().unwrap_or(d.inference_output_fields),
            gpu_output_fields: cfg.gpu_output_fields.clone().unwrap_or(d.gpu_output_fields),
            server_output_fields: cfg.server_output_fields.clone().unwrap_or(d.server_output_fields),
            filename_model_inference: cfg.filename_model_inference.clone().unwrap_or(d.filename_model_inference),
            filename_model_gpu: cfg.filename_model_gpu.clone().unwrap_or(d.filename_model_gpu),
            filename_server_only: cfg.filename_server_only.clone().unwrap_or(d.filename_server_only),
        };
        for (key, name) in [("filename_model_inference", &l.filename_model_inference), ("filename_model_gpu", &l.filename_model_gpu), ("filename_server_only", &l.filename_server_only)] {
            let plain = !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\']);
            if !plain {
                return Err(Error::InvalidArgument(format!("{key}: {name:?} is not a file name (the tables are written into <export_path>/results)")));
            }
        }
        Ok(l)
    }

    /// The fields of `table`, as configured.
    pub fn fields(&self, table: Table) -> &[String] {
        match table {
            Table::Inference => &self.inference_output_fields,
            Table::Gpu => &self.gpu_output_fields,
            Table::Server => &self.server_output_fields,
        }
    }

    /// The file name of `table`.
    pub fn filename(&self, table: Table) -> &str {
        match table {
            Table::Inference => &self.filename_model_inference,
            Table::Gpu => &self.filename_model_gpu,
            Table::Server => &self.filename_server_only,
        }
    }

    /// The fields of `table` written, with their headers, in the configured
    /// order (duplicates kept, as Model Analyzer keeps them).
    pub fn columns(&self, table: Table) -> Vec<(String, String)> {
        self.fields(table).iter().filter_map(|f| header(table, f).map(|h| (f.clone(), h))).collect()
    }

    /// One line per configured field a table cannot fill, for the caller to
    /// warn about (Model Analyzer logs the same and drops the column).
    pub fn dropped(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (table, key) in [(Table::Inference, "inference_output_fields"), (Table::Gpu, "gpu_output_fields"), (Table::Server, "server_output_fields")] {
            for f in self.fields(table).iter().filter(|f| header(table, f).is_none()) {
                out.push(format!("{key}: \"{f}\" has no data in this table (not a column of it, or a metric tritium does not measure); the column is left out"));
            }
        }
        out
    }
}
