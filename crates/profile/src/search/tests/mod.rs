//! Unit tests of the search: a simulated model ([`SimModel`]) measured by
//! the strategies, and the pure helpers (scoring, ranking, manual sweep,
//! space, neighbourhood) checked against Model Analyzer's formulas.

mod anchored;
mod batch_sizes;
mod brute;
mod drift;
mod engine_sim;
mod ensemble;
mod interrupt;
mod manual;
mod measureless;
mod quick;
mod request_rate;
mod remeasure;
mod scoring;
mod space;
mod ties;

use serde_json::json;

use super::*;
use crate::config::Bound;

/// A model costing a fixed 5 ms per execution whatever the batch size.
/// Requests carry `bc` inferences (client batch size); `r = max(b / bc,
/// 1)` requests are batched per execution (dynamic batching with
/// max_batch_size b; 1 without), `i` instances run in parallel, so
/// throughput = min(c, i*r) * bc / 5 ms and a request waits
/// ceil(c / (i*r)) executions. Memory: 1000 MB per instance + 1 MB per
/// batch slot.
struct SimModel {
    exec_us: f64,
    batching_helps: bool,
    fail_above_instances: Option<u32>,
    fail_batch_size: Option<u32>,
    /// Give each measurement ±1 % throughput and p99 intervals and the
    /// execution time Triton's statistics would show (issue 12/13 paths).
    with_ci: bool,
    calls: Vec<(String, u32)>,
    points: Vec<(String, u32, u32)>,
    skips: Vec<(String, u32, String)>,
    /// `expect_next` calls: (measure calls before it, the variant expected).
    hints: Vec<(usize, String)>,
}

impl SimModel {
    fn new() -> Self {
        SimModel {
            exec_us: 5000.0,
            batching_helps: true,
            fail_above_instances: None,
            fail_batch_size: None,
            with_ci: false,
            calls: Vec::new(),
            points: Vec::new(),
            skips: Vec::new(),
            hints: Vec::new(),
        }
    }
}

impl Measurer for SimModel {
    fn measure(&mut self, v: &ModelConfigVariant, bc: u32, c: u32) -> VariantMeasurement {
        self.calls.push((v.key(), c));
        self.points.push((v.key(), bc, c));
        if self
            .fail_above_instances
            .is_some_and(|max| v.instance_count > max)
        {
            return VariantMeasurement::failure(c, "out of memory");
        }
        if self.fail_batch_size == Some(bc) {
            return VariantMeasurement::failure(c, "batch too large for memory");
        }
        let b = if v.dynamic_batching && v.max_batch_size > 0 && self.batching_helps {
            f64::from(v.max_batch_size)
        } else {
            1.0
        };
        let bc = f64::from(bc.max(1));
        // requests per execution per instance
        let rpe = if b > 1.0 {
            (b / bc).floor().max(1.0)
        } else {
            1.0
        };
        let i = f64::from(v.instance_count.max(1));
        let cap = i * rpe;
        let c = f64::from(c);
        let rounds = (c / cap).ceil();
        let p99 = rounds * self.exec_us + 100.0;
        let throughput = c.min(cap) * bc / (self.exec_us / 1e6);
        let ci = |x: f64| self.with_ci.then(|| tritium_bench::stats::Interval::new(0.99 * x, 1.01 * x));
        VariantMeasurement {
            throughput_ci: ci(throughput),
            latency_ci: LatencyIntervals { p99: ci(p99), ..Default::default() },
            best_execution_us: self.with_ci.then_some(self.exec_us),
            batch_size: bc as u32,
            throughput,
            latency_p99_us: p99,
            latency_p95_us: p99 - 50.0,
            latency_p90_us: p99 - 60.0,
            latency_p50_us: p99 - 80.0,
            latency_avg_us: p99 - 70.0,
            gpu_memory_mb: Some(1000.0 * i + b * i),
            cpu_ram_mb: Some(500.0),
            ..Default::default()
        }
    }

    fn skipped(&mut self, v: &ModelConfigVariant, bc: u32, reason: &str) {
        self.skips.push((v.key(), bc, reason.to_string()));
    }

    fn expect_next(&mut self, next: &ModelConfigVariant) {
        self.hints.push((self.calls.len(), next.key()));
    }
}

impl SimModel {
    /// (switches, hinted switches, hints that named the variant measured next).
    /// A hint given before call `n` is about the first variant measured after
    /// the variant of call `n`.
    fn hint_score(&self) -> (usize, usize, usize) {
        let switches = self.calls.windows(2).filter(|w| w[0].0 != w[1].0).count();
        let mut hinted = 0;
        let mut hits = 0;
        for (n, key) in &self.hints {
            let Some(now) = self.calls.get(*n) else { continue };
            let Some(next) = self.calls[*n..].iter().find(|c| c.0 != now.0) else { continue };
            hinted += 1;
            hits += usize::from(&next.0 == key);
        }
        (switches, hinted, hits)
    }
}

fn default_variant() -> ModelConfigVariant {
    ModelConfigVariant::default_from_config(
        &json!({"max_batch_size": 8, "instance_group": [{"count": 1, "kind": "KIND_GPU"}]}),
        "KIND_GPU",
    )
}

/// batch 1..64, instances 1..5, concurrency 1..256; p99 <= 12 ms and GPU
/// memory <= 3500 MB (at most 3 instances). Best: 3 instances x
/// max_batch_size 64 (capacity 192 -> 38400 infer/s at concurrency 256,
/// where a request waits two executions: 10.1 ms).
fn realistic_space() -> SearchSpace {
    let mut s = SearchSpace::new("sim", default_variant(), true);
    s.search.bounds.max_model_batch_size = 64;
    s.search.bounds.max_instance_count = 5;
    s.search.bounds.max_concurrency = 256;
    s.constraints.perf_latency_p99 = Some(Bound::max(12.0));
    s.constraints.gpu_used_memory = Some(Bound::max(3500.0));
    s
}

fn run(
    strategy: &mut dyn SearchStrategy,
    space: &SearchSpace,
    sim: &mut SimModel,
) -> (SearchOutcome, Vec<SearchEvent>) {
    let mut events = Vec::new();
    let out = strategy.run(space, sim, &mut |e| events.push(e));
    (out, events)
}

fn m(tp: f64, p99_ms: f64) -> VariantMeasurement {
    VariantMeasurement {
        throughput: tp,
        latency_p99_us: p99_ms * 1000.0,
        latency_p95_us: p99_ms * 1000.0,
        latency_p90_us: p99_ms * 1000.0,
        latency_p50_us: p99_ms * 1000.0,
        latency_avg_us: p99_ms * 1000.0,
        ..Default::default()
    }
}

fn measured(events: &[SearchEvent], phase: SearchPhase) -> Vec<(String, u32, u32)> {
    events
        .iter()
        .filter_map(|e| match e {
            SearchEvent::Measured {
                phase: p,
                variant,
                measurement,
                cached: false,
                ..
            } if *p == phase => Some((
                variant.key(),
                measurement.batch_size,
                measurement.concurrency,
            )),
            _ => None,
        })
        .collect()
}
