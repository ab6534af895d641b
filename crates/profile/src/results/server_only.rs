//! Model Analyzer's server-only measurement: the embedded server up with no
//! model loaded, its GPUs and tritium's process sampled for
//! `duration_seconds` ("how long (seconds) to gather server-only metrics",
//! Model Analyzer's default 3 s, tritium's too; at most
//! [`MAX_SERVER_ONLY_SECONDS`]), before the first model is loaded. Stored as
//! `server_only` in `results.json` (absent in files of older tritiums) and
//! written as `metrics-server-only.csv`: one row per GPU named
//! `triton-server`, as Model Analyzer; on a machine without a GPU one row
//! with the GPU columns empty (Model Analyzer writes none: it has no GPU to
//! key the row by).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use tritium_bench::export::ResourceUsage;
use tritium_bench::resources::Sampler;

/// The longest server-only measurement: an idle server's figures settle in
/// seconds; a larger `duration_seconds` is capped (with a notice) instead of
/// idling the run for minutes.
pub const MAX_SERVER_ONLY_SECONDS: u32 = 60;

/// The model name of the server-only rows, as Model Analyzer writes it.
pub const SERVER_ONLY_MODEL_NAME: &str = "triton-server";

/// The server measured with no model loaded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ServerOnlyRecord {
    /// Seconds sampled.
    pub duration_seconds: f64,
    /// Readings taken (the sampler runs at 20 Hz).
    pub samples: usize,
    /// When it started (UTC, RFC 3339).
    pub measured_at: String,
    /// What was measured: GPU memory, utilization and power per GPU
    /// (`per_gpu`) and in total; CPU and RSS of tritium's process.
    pub resources: ResourceUsage,
}

/// The seconds a `duration_seconds` asks for, capped at
/// [`MAX_SERVER_ONLY_SECONDS`] (0: no server-only measurement).
pub fn server_only_seconds(duration_seconds: u32) -> u32 {
    duration_seconds.min(MAX_SERVER_ONLY_SECONDS)
}

/// Samples the server for `seconds` through `sampler` (already running),
/// checking `interrupt` every 50 ms; None when interrupted or `seconds` is 0.
/// Call it with no model loaded.
pub fn measure_server_only(sampler: &Sampler, seconds: u32, interrupt: &AtomicBool) -> Option<ServerOnlyRecord> {
    if seconds == 0 {
        return None;
    }
    let measured_at = tritium_util::now_rfc3339();
    let from = Instant::now();
    let until = from + Duration::from_secs(u64::from(seconds));
    while Instant::now() < until {
        if interrupt.load(Ordering::Relaxed) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())));
    }
    let to = Instant::now();
    let readings = sampler.readings(from, to);
    let resources = tritium_bench::resources::summarize(&readings, &sampler.gpu_infos);
    Some(ServerOnlyRecord { duration_seconds: to.duration_since(from).as_secs_f64(), samples: readings.len(), measured_at, resources })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_is_capped_and_zero_measures_nothing() {
        assert_eq!(server_only_seconds(3), 3);
        assert_eq!(server_only_seconds(3600), MAX_SERVER_ONLY_SECONDS);
        let s = Sampler::start(Duration::from_millis(50));
        assert!(measure_server_only(&s, 0, &AtomicBool::new(false)).is_none());
        // Interrupted: nothing recorded (the run stops).
        assert!(measure_server_only(&s, 1, &AtomicBool::new(true)).is_none());
        s.stop();
    }

    #[test]
    fn older_files_have_no_server_only_section() {
        let r: crate::results::ProfileResults = serde_json::from_str(r#"{"schema_version": 2, "tool": "tritium", "tool_version": "0", "triton_version": "", "machine": "", "started_at": "", "config_file": "", "search_mode": "brute", "constraints": null, "objectives": null, "models": []}"#).unwrap();
        assert!(r.server_only.is_none());
        let with = crate::results::ProfileResults { server_only: Some(ServerOnlyRecord { duration_seconds: 3.0, samples: 60, ..Default::default() }), ..r };
        let back: crate::results::ProfileResults = serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(back.server_only, with.server_only);
    }
}
