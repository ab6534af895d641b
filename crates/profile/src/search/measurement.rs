//! [`VariantMeasurement`]: one measurement of a variant at one client batch size
//! and concurrency, with its metrics in Model Analyzer's units, and the 95 %
//! confidence intervals of those metrics when the measurement has them.

pub use tritium_bench::stats::LatencyIntervals;
use tritium_bench::stats::Interval;

use crate::config::Metric;

/// One measurement of a variant at one concurrency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VariantMeasurement {
    /// [`ModelConfigVariant::key`](super::ModelConfigVariant::key) of the measured variant (set by the search).
    pub variant_key: String,
    /// Concurrency (requests in flight).
    pub concurrency: u32,
    /// Request rate, when measured in request-rate mode.
    pub request_rate: Option<f64>,
    /// Client batch size of each request.
    pub batch_size: u32,
    /// Inferences per second.
    pub throughput: f64,
    /// p99 latency, microseconds.
    pub latency_p99_us: f64,
    /// p95 latency, microseconds.
    pub latency_p95_us: f64,
    /// p90 latency, microseconds.
    pub latency_p90_us: f64,
    /// p50 latency, microseconds.
    pub latency_p50_us: f64,
    /// Average latency, microseconds.
    pub latency_avg_us: f64,
    /// GPU memory used by the model, MB (None: not measured, e.g. no GPU).
    pub gpu_memory_mb: Option<f64>,
    /// Process RAM used by the model, MB (None: not measured).
    pub cpu_ram_mb: Option<f64>,
    /// Why the load or run failed; a failed measurement has no metrics.
    pub failed: Option<String>,
    /// 95 % confidence interval of `throughput` (infer/s); None: unknown,
    /// and the ranking compares point estimates as Model Analyzer does.
    pub throughput_ci: Option<Interval>,
    /// 95 % confidence intervals of the latencies (µs); None: unknown.
    pub latency_ci: LatencyIntervals,
    /// 95 % confidence interval of `gpu_memory_mb`; None: unknown.
    pub gpu_memory_ci: Option<Interval>,
    /// The measurement ran to its cap without its intervals reaching the
    /// adaptive rule's target (bench's `LoadPoint::noisy`).
    pub noisy: bool,
    /// The shortest model execution seen in this measurement, µs: the
    /// minimum over Triton's per-batch-size statistics (`batch_stats`) of
    /// the average `compute_infer` time per execution (None: no statistics,
    /// e.g. an ensemble or an older results file). Bounds what any config of
    /// the model can reach, see the search's bound skip (issue 13).
    pub best_execution_us: Option<f64>,
}

impl VariantMeasurement {
    /// A failed measurement.
    pub fn failure(concurrency: u32, reason: impl Into<String>) -> Self {
        VariantMeasurement {
            concurrency,
            failed: Some(reason.into()),
            ..Default::default()
        }
    }

    /// True when the measurement did not fail.
    pub fn is_valid(&self) -> bool {
        self.failed.is_none()
    }

    /// The value of `metric` in Model Analyzer's units (latency in ms, memory
    /// in MB, throughput in infer/s); None when not measured or failed.
    pub fn metric(&self, metric: Metric) -> Option<f64> {
        if !self.is_valid() {
            return None;
        }
        match metric {
            Metric::PerfThroughput => Some(self.throughput),
            Metric::PerfLatencyP99 => Some(self.latency_p99_us / 1000.0),
            Metric::PerfLatencyP95 => Some(self.latency_p95_us / 1000.0),
            Metric::PerfLatencyP90 => Some(self.latency_p90_us / 1000.0),
            Metric::PerfLatencyP50 => Some(self.latency_p50_us / 1000.0),
            Metric::PerfLatencyAvg => Some(self.latency_avg_us / 1000.0),
            Metric::GpuUsedMemory => self.gpu_memory_mb,
            Metric::CpuUsedRam => self.cpu_ram_mb,
        }
    }

    /// The 95 % confidence interval of `metric` in the units of
    /// [`metric`](Self::metric) (latency in ms); None when unknown or failed.
    pub fn metric_interval(&self, metric: Metric) -> Option<Interval> {
        if !self.is_valid() {
            return None;
        }
        let ms = |i: Option<Interval>| i.map(|i| Interval::new(i.lo / 1000.0, i.hi / 1000.0));
        match metric {
            Metric::PerfThroughput => self.throughput_ci,
            Metric::PerfLatencyP99 => ms(self.latency_ci.p99),
            Metric::PerfLatencyP95 => ms(self.latency_ci.p95),
            Metric::PerfLatencyP90 => ms(self.latency_ci.p90),
            Metric::PerfLatencyP50 => ms(self.latency_ci.p50),
            Metric::PerfLatencyAvg => ms(self.latency_ci.avg),
            Metric::GpuUsedMemory => self.gpu_memory_ci,
            Metric::CpuUsedRam => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tritium_bench::export::{BatchBreakdown, LoadPoint, ResourceUsage, ServerBreakdown};
    use tritium_bench::stats::{LatencySummary, ResourceIntervals};

    #[test]
    fn a_load_point_gives_its_gpu_memory_interval_and_noisy_flag() {
        let latency = LatencySummary { count: 10, avg_us: 1000.0, min_us: 900.0, max_us: 1100.0, p50_us: 1000.0, p90_us: 1050.0, p95_us: 1070.0, p99_us: 1090.0, p999_us: 1100.0, ..Default::default() };
        let p = LoadPoint {
            requests: 10,
            throughput: 100.0,
            latency,
            noisy: true,
            resources: ResourceUsage { gpu_memory_used_mb: Some(1020.0), ..Default::default() },
            resources_ci: Some(ResourceIntervals { gpu_utilization_pct: None, gpu_memory_used_mb: Some(Interval::new(1000.0, 1020.0)) }),
            ..Default::default()
        };
        let m = crate::results::to_measurement("k", 4, &p);
        assert!(m.noisy && m.is_valid());
        assert_eq!(m.metric_interval(Metric::GpuUsedMemory), Some(Interval::new(1000.0, 1020.0)));
        let m = crate::results::to_measurement("k", 4, &LoadPoint { resources_ci: None, noisy: false, ..p });
        assert!(!m.noisy && m.gpu_memory_ci.is_none());
        assert_eq!(m.best_execution_us, None, "no server statistics");
    }

    #[test]
    fn the_best_execution_time_is_the_shortest_per_batch_compute_infer() {
        let latency = LatencySummary { count: 10, avg_us: 6000.0, min_us: 5000.0, max_us: 7000.0, p50_us: 6000.0, p90_us: 6500.0, p95_us: 6700.0, p99_us: 6900.0, p999_us: 7000.0, ..Default::default() };
        let batch = |batch_size, executions, compute_infer_us| BatchBreakdown { batch_size, executions, compute_infer_us, ..Default::default() };
        let server = ServerBreakdown { compute_infer_us: 5100.0, per_batch: vec![batch(1, 3, 5050.0), batch(4, 0, 10.0), batch(8, 40, 5200.0)], ..Default::default() };
        let p = LoadPoint { requests: 10, throughput: 1500.0, latency, server: Some(server), ..Default::default() };
        // Batch 4 never executed in this point: its average says nothing.
        assert_eq!(crate::results::to_measurement("k", 16, &p).best_execution_us, Some(5050.0));
        let p = LoadPoint { server: Some(ServerBreakdown { per_batch: Vec::new(), ..Default::default() }), ..p };
        assert_eq!(crate::results::to_measurement("k", 16, &p).best_execution_us, None, "no per-batch statistics (an ensemble)");
    }
}
