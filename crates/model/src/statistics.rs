//! Typed view of `TRITONSERVER_ServerModelStatistics`: cumulative counters and
//! durations per model, and the deltas between two snapshots.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::parse_json;
use super::lenient;
use super::ModelError;

/// A cumulative count plus cumulative duration in nanoseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct StatDuration {
    /// Number of events.
    #[serde(deserialize_with = "lenient::int")]
    pub count: u64,
    /// Total duration of those events in nanoseconds.
    #[serde(deserialize_with = "lenient::int")]
    pub ns: u64,
}

impl StatDuration {
    /// Average duration per event in nanoseconds; `None` when `count == 0`.
    pub fn avg_ns(&self) -> Option<f64> {
        if self.count == 0 {
            None
        } else {
            Some(self.ns as f64 / self.count as f64)
        }
    }

    /// Average duration per event in microseconds; `None` when `count == 0`.
    pub fn avg_us(&self) -> Option<f64> {
        self.avg_ns().map(|ns| ns / 1_000.0)
    }

    /// Field-wise saturating subtraction (`self - earlier`).
    pub fn saturating_sub(&self, earlier: &StatDuration) -> StatDuration {
        StatDuration {
            count: self.count.saturating_sub(earlier.count),
            ns: self.ns.saturating_sub(earlier.ns),
        }
    }
}

/// Aggregate per-request statistics of a model (`inference_stats`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct InferenceStats {
    /// Successful requests; `ns` is total request duration.
    pub success: StatDuration,
    /// Failed requests.
    pub fail: StatDuration,
    /// Time spent queued.
    pub queue: StatDuration,
    /// Time spent preparing inputs.
    pub compute_input: StatDuration,
    /// Time spent executing the model.
    pub compute_infer: StatDuration,
    /// Time spent extracting outputs.
    pub compute_output: StatDuration,
    /// Response-cache hits.
    pub cache_hit: StatDuration,
    /// Response-cache misses.
    pub cache_miss: StatDuration,
}

impl InferenceStats {
    /// Average queue time per request in microseconds.
    pub fn avg_queue_us(&self) -> Option<f64> {
        self.queue.avg_us()
    }

    /// Average input-preparation time in microseconds.
    pub fn avg_compute_input_us(&self) -> Option<f64> {
        self.compute_input.avg_us()
    }

    /// Average model-execution time in microseconds.
    pub fn avg_compute_infer_us(&self) -> Option<f64> {
        self.compute_infer.avg_us()
    }

    /// Average output-extraction time in microseconds.
    pub fn avg_compute_output_us(&self) -> Option<f64> {
        self.compute_output.avg_us()
    }

    /// Average end-to-end server-side request time in microseconds
    /// (`success.ns / success.count`).
    pub fn avg_request_us(&self) -> Option<f64> {
        self.success.avg_us()
    }

    /// Field-wise saturating subtraction (`self - earlier`).
    pub fn delta(&self, earlier: &InferenceStats) -> InferenceStats {
        InferenceStats {
            success: self.success.saturating_sub(&earlier.success),
            fail: self.fail.saturating_sub(&earlier.fail),
            queue: self.queue.saturating_sub(&earlier.queue),
            compute_input: self.compute_input.saturating_sub(&earlier.compute_input),
            compute_infer: self.compute_infer.saturating_sub(&earlier.compute_infer),
            compute_output: self.compute_output.saturating_sub(&earlier.compute_output),
            cache_hit: self.cache_hit.saturating_sub(&earlier.cache_hit),
            cache_miss: self.cache_miss.saturating_sub(&earlier.cache_miss),
        }
    }
}

/// Per-response-index statistics (decoupled models), an entry of
/// `response_stats`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ResponseStats {
    /// Model execution time up to this response.
    pub compute_infer: StatDuration,
    /// Output extraction time for this response.
    pub compute_output: StatDuration,
    /// Successful responses.
    pub success: StatDuration,
    /// Failed responses.
    pub fail: StatDuration,
    /// Empty final responses.
    pub empty_response: StatDuration,
    /// Cancelled responses.
    pub cancel: StatDuration,
}

impl ResponseStats {
    /// Field-wise saturating subtraction (`self - earlier`).
    pub fn delta(&self, earlier: &ResponseStats) -> ResponseStats {
        ResponseStats {
            compute_infer: self.compute_infer.saturating_sub(&earlier.compute_infer),
            compute_output: self.compute_output.saturating_sub(&earlier.compute_output),
            success: self.success.saturating_sub(&earlier.success),
            fail: self.fail.saturating_sub(&earlier.fail),
            empty_response: self.empty_response.saturating_sub(&earlier.empty_response),
            cancel: self.cancel.saturating_sub(&earlier.cancel),
        }
    }
}

/// Per-batch-size execution statistics, an entry of `batch_stats`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct BatchStats {
    /// The batch size these executions ran with.
    #[serde(deserialize_with = "lenient::int")]
    pub batch_size: u64,
    /// Input preparation (count = executions at this batch size).
    pub compute_input: StatDuration,
    /// Model execution.
    pub compute_infer: StatDuration,
    /// Output extraction.
    pub compute_output: StatDuration,
}

impl BatchStats {
    /// Field-wise saturating subtraction of the counters (`self - earlier`);
    /// `batch_size` is kept.
    pub fn delta(&self, earlier: &BatchStats) -> BatchStats {
        BatchStats {
            batch_size: self.batch_size,
            compute_input: self.compute_input.saturating_sub(&earlier.compute_input),
            compute_infer: self.compute_infer.saturating_sub(&earlier.compute_infer),
            compute_output: self.compute_output.saturating_sub(&earlier.compute_output),
        }
    }
}

/// Memory allocated by a model, an entry of `memory_usage`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct MemoryUsage {
    /// Memory type (`"CPU"`, `"CPU_PINNED"`, `"GPU"`).
    #[serde(rename = "type")]
    pub memory_type: String,
    /// Memory type id (device id for GPU memory).
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    /// Bytes allocated.
    #[serde(deserialize_with = "lenient::int")]
    pub byte_size: u64,
}

/// Statistics of one model version, an entry of `model_stats`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelStats {
    /// Model name.
    pub name: String,
    /// Model version.
    #[serde(deserialize_with = "lenient::string")]
    pub version: String,
    /// Timestamp of the last inference, in milliseconds since the epoch.
    #[serde(deserialize_with = "lenient::int")]
    pub last_inference: u64,
    /// Number of inferences (each batch element counts once).
    #[serde(deserialize_with = "lenient::int")]
    pub inference_count: u64,
    /// Number of model executions (batches).
    #[serde(deserialize_with = "lenient::int")]
    pub execution_count: u64,
    /// Aggregate request statistics.
    pub inference_stats: InferenceStats,
    /// Per-response-index statistics, keyed by response index (`"0"`, ...).
    pub response_stats: BTreeMap<String, ResponseStats>,
    /// Per-batch-size statistics.
    pub batch_stats: Vec<BatchStats>,
    /// Memory usage (a gauge, not a counter).
    pub memory_usage: Vec<MemoryUsage>,
}

impl ModelStats {
    /// Statistics accumulated between `earlier` and `self`: every counter is
    /// subtracted with saturation. Batch stats are matched by `batch_size`
    /// and response stats by key; entries absent from `earlier` are kept as
    /// is. `name`, `version`, `last_inference` and `memory_usage` are taken
    /// from `self`.
    pub fn delta(&self, earlier: &ModelStats) -> ModelStats {
        let batch_stats = self
            .batch_stats
            .iter()
            .map(|b| {
                match earlier
                    .batch_stats
                    .iter()
                    .find(|e| e.batch_size == b.batch_size)
                {
                    Some(e) => b.delta(e),
                    None => *b,
                }
            })
            .collect();
        let response_stats = self
            .response_stats
            .iter()
            .map(|(k, r)| {
                let d = match earlier.response_stats.get(k) {
                    Some(e) => r.delta(e),
                    None => *r,
                };
                (k.clone(), d)
            })
            .collect();
        ModelStats {
            name: self.name.clone(),
            version: self.version.clone(),
            last_inference: self.last_inference,
            inference_count: self.inference_count.saturating_sub(earlier.inference_count),
            execution_count: self.execution_count.saturating_sub(earlier.execution_count),
            inference_stats: self.inference_stats.delta(&earlier.inference_stats),
            response_stats,
            batch_stats,
            memory_usage: self.memory_usage.clone(),
        }
    }

    /// Average number of inferences per model execution
    /// (`inference_count / execution_count`); `None` with no executions.
    pub fn avg_batch_size(&self) -> Option<f64> {
        if self.execution_count == 0 {
            None
        } else {
            Some(self.inference_count as f64 / self.execution_count as f64)
        }
    }

    /// The per-batch-size entry for `batch_size`.
    pub fn batch(&self, batch_size: u64) -> Option<&BatchStats> {
        self.batch_stats.iter().find(|b| b.batch_size == batch_size)
    }
}

/// The document returned by `TRITONSERVER_ServerModelStatistics`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ModelStatistics {
    /// One entry per (model, version).
    pub model_stats: Vec<ModelStats>,
}

impl ModelStatistics {
    /// Parses the JSON returned by `TRITONSERVER_ServerModelStatistics`.
    pub fn from_json(json: &str) -> Result<ModelStatistics, ModelError> {
        parse_json("model statistics", json)
    }

    /// Statistics of model `name`, optionally restricted to `version`
    /// (first match when `version` is `None`).
    pub fn get(&self, name: &str, version: Option<&str>) -> Option<&ModelStats> {
        self.model_stats
            .iter()
            .find(|s| s.name == name && version.is_none_or(|v| s.version == v))
    }

    /// Per-model [`ModelStats::delta`], matching entries by name and version;
    /// entries absent from `earlier` are kept as is.
    pub fn delta(&self, earlier: &ModelStatistics) -> ModelStatistics {
        ModelStatistics {
            model_stats: self
                .model_stats
                .iter()
                .map(|s| match earlier.get(&s.name, Some(&s.version)) {
                    Some(e) => s.delta(e),
                    None => s.clone(),
                })
                .collect(),
        }
    }
}
