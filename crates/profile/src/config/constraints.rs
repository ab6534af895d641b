//! Constraints ([`Bound`], [`Constraints`]), the metrics tritium measures
//! ([`Metric`]) and the weighted [`Objectives`] that rank configs.

use std::collections::BTreeMap;

use super::DEFAULT_OBJECTIVE_WEIGHT;


/// A bound on one metric. Model Analyzer fails a measurement when
/// `value < min` or `value > max` (`ConstraintManager._get_failure_percentage`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bound {
    /// Lower bound (used for throughput).
    pub min: Option<f64>,
    /// Upper bound (used for latencies and memory).
    pub max: Option<f64>,
}

impl Bound {
    /// A bound with only a maximum.
    pub fn max(v: f64) -> Self {
        Bound {
            min: None,
            max: Some(v),
        }
    }
    /// A bound with only a minimum.
    pub fn min(v: f64) -> Self {
        Bound {
            min: Some(v),
            max: None,
        }
    }
}

/// Constraints on a model's measurements (`constraints:`). Units as Model
/// Analyzer: latencies in ms, memory in MB, throughput in infer/s.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// `perf_throughput: {min}`.
    pub perf_throughput: Option<Bound>,
    /// `perf_latency_p99: {max}` (ms).
    pub perf_latency_p99: Option<Bound>,
    /// `perf_latency_p95: {max}` (ms).
    pub perf_latency_p95: Option<Bound>,
    /// `perf_latency_p90: {max}` (ms).
    pub perf_latency_p90: Option<Bound>,
    /// `perf_latency_p50: {max}` (ms; tritium extension).
    pub perf_latency_p50: Option<Bound>,
    /// `perf_latency_avg: {max}` (ms).
    pub perf_latency_avg: Option<Bound>,
    /// `perf_latency: {max}` (ms), Model Analyzer's legacy name; tritium
    /// applies it to the p99 latency.
    pub perf_latency: Option<Bound>,
    /// `gpu_used_memory: {max}` (MB).
    pub gpu_used_memory: Option<Bound>,
    /// `cpu_used_ram: {max}` (MB; tritium extension).
    pub cpu_used_ram: Option<Bound>,
}

impl Constraints {
    /// True when no constraint is set.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The set constraints as `(metric name, bound)`, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Bound)> + '_ {
        [
            ("perf_throughput", self.perf_throughput),
            ("perf_latency_p99", self.perf_latency_p99),
            ("perf_latency_p95", self.perf_latency_p95),
            ("perf_latency_p90", self.perf_latency_p90),
            ("perf_latency_p50", self.perf_latency_p50),
            ("perf_latency_avg", self.perf_latency_avg),
            ("perf_latency", self.perf_latency),
            ("gpu_used_memory", self.gpu_used_memory),
            ("cpu_used_ram", self.cpu_used_ram),
        ]
        .into_iter()
        .filter_map(|(n, b)| b.map(|b| (n, b)))
    }

    pub(super) fn slot(&mut self, name: &str) -> Option<&mut Option<Bound>> {
        Some(match name {
            "perf_throughput" => &mut self.perf_throughput,
            "perf_latency_p99" => &mut self.perf_latency_p99,
            "perf_latency_p95" => &mut self.perf_latency_p95,
            "perf_latency_p90" => &mut self.perf_latency_p90,
            "perf_latency_p50" => &mut self.perf_latency_p50,
            "perf_latency_avg" => &mut self.perf_latency_avg,
            "perf_latency" => &mut self.perf_latency,
            "gpu_used_memory" => &mut self.gpu_used_memory,
            "cpu_used_ram" => &mut self.cpu_used_ram,
            _ => return None,
        })
    }
}

/// A metric tritium measures and can rank or constrain on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// `perf_throughput` (infer/s, higher is better).
    PerfThroughput,
    /// `perf_latency_p99` (lower is better).
    PerfLatencyP99,
    /// `perf_latency_p95`.
    PerfLatencyP95,
    /// `perf_latency_p90`.
    PerfLatencyP90,
    /// `perf_latency_p50` (tritium extension).
    PerfLatencyP50,
    /// `perf_latency_avg`.
    PerfLatencyAvg,
    /// `gpu_used_memory` (MB, lower is better).
    GpuUsedMemory,
    /// `cpu_used_ram` (MB, lower is better).
    CpuUsedRam,
}

impl Metric {
    /// Parses a Model Analyzer metric tag; `perf_latency` maps to p99.
    pub fn from_name(name: &str) -> Option<Metric> {
        Some(match name {
            "perf_throughput" => Metric::PerfThroughput,
            "perf_latency_p99" | "perf_latency" => Metric::PerfLatencyP99,
            "perf_latency_p95" => Metric::PerfLatencyP95,
            "perf_latency_p90" => Metric::PerfLatencyP90,
            "perf_latency_p50" => Metric::PerfLatencyP50,
            "perf_latency_avg" => Metric::PerfLatencyAvg,
            "gpu_used_memory" => Metric::GpuUsedMemory,
            "cpu_used_ram" => Metric::CpuUsedRam,
            _ => return None,
        })
    }

    /// The Model Analyzer tag.
    pub fn name(&self) -> &'static str {
        match self {
            Metric::PerfThroughput => "perf_throughput",
            Metric::PerfLatencyP99 => "perf_latency_p99",
            Metric::PerfLatencyP95 => "perf_latency_p95",
            Metric::PerfLatencyP90 => "perf_latency_p90",
            Metric::PerfLatencyP50 => "perf_latency_p50",
            Metric::PerfLatencyAvg => "perf_latency_avg",
            Metric::GpuUsedMemory => "gpu_used_memory",
            Metric::CpuUsedRam => "cpu_used_ram",
        }
    }

    /// True for metrics where larger is better (Model Analyzer's
    /// `IncreasingRecord`); false for `DecreasingRecord`s.
    pub fn higher_is_better(&self) -> bool {
        matches!(self, Metric::PerfThroughput)
    }
}

/// Objectives: metric name -> relative weight. Model Analyzer normalises the
/// weights to sum to 1 before comparing (`set_metric_weighting`).
#[derive(Debug, Clone, PartialEq)]
pub struct Objectives {
    /// Weights by Model Analyzer metric tag (any tag of [`OBJECTIVE_KEYS`](super::OBJECTIVE_KEYS)).
    pub weights: BTreeMap<String, f64>,
}

impl Default for Objectives {
    /// `{perf_throughput: 10}` (`DEFAULT_OFFLINE_OBJECTIVES`).
    fn default() -> Self {
        let mut weights = BTreeMap::new();
        weights.insert("perf_throughput".to_string(), DEFAULT_OBJECTIVE_WEIGHT);
        Objectives { weights }
    }
}

impl Objectives {
    /// The objectives tritium can evaluate, with weights normalised to sum to
    /// 1 over *all* listed objectives (as Model Analyzer does, so an
    /// unmeasured objective still dilutes the others).
    pub fn normalized(&self) -> Vec<(Metric, f64)> {
        let total: f64 = self.weights.values().sum();
        if total <= 0.0 {
            return Vec::new();
        }
        self.weights
            .iter()
            .filter_map(|(k, w)| Metric::from_name(k).map(|m| (m, w / total)))
            .collect()
    }

    /// Listed objectives tritium does not measure (they do not affect ranking).
    pub fn unmeasured(&self) -> Vec<String> {
        self.weights
            .keys()
            .filter(|k| Metric::from_name(k).is_none())
            .cloned()
            .collect()
    }
}
