//! The search driven through the real measurement engine against the
//! deterministic simulated server (`tritium_bench::sim`): the strategies
//! conclude from measured windows, not from an analytic formula.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tritium_bench::loadgen::LoadMode;
use tritium_bench::resources::Sampler;
use tritium_bench::sim::{self, Sim, SimConfig};
use tritium_bench::{BenchConfig, Measurement, MeasurementMode, Quiet, StopRule};

use super::*;
use crate::results::to_measurement;

/// Measures each variant on a fresh simulator with the variant's instance
/// count (2 ms per request, no batching): capacity = instances / 2 ms.
struct EngineSim {
    sampler: Sampler,
    bench: BenchConfig,
    measured: Vec<(u32, u32, f64)>,
}

impl EngineSim {
    fn new() -> Self {
        let mut bench = BenchConfig::new("sim");
        bench.measurement = Measurement { mode: MeasurementMode::TimeWindows, interval_ms: 80, request_count: 50, stability_pct: 10.0, max_trials: 8, percentile: None, warmup_ms: 50, rule: StopRule::PerfAnalyzer, ci_target_pct: 3.0 };
        EngineSim { sampler: Sampler::start(Duration::from_millis(50)), bench, measured: Vec::new() }
    }
}

impl Measurer for EngineSim {
    fn measure(&mut self, v: &ModelConfigVariant, batch_size: u32, concurrency: u32) -> VariantMeasurement {
        let target = Sim::start(SimConfig::constant(Duration::from_millis(2), v.instance_count.max(1) as usize));
        let mut cfg = self.bench.clone();
        cfg.batch_size = batch_size;
        match sim::measure_point(&target, &cfg, LoadMode::Concurrency(concurrency), &self.sampler, &AtomicBool::new(false), &Quiet) {
            Ok(p) => {
                let m = to_measurement(&v.key(), concurrency, &p);
                self.measured.push((v.instance_count, concurrency, m.throughput));
                m
            }
            Err(e) => VariantMeasurement::failure(concurrency, e.to_string()),
        }
    }
}

#[test]
fn brute_search_through_the_engine_finds_the_instances_the_simulator_rewards() {
    let mut space = SearchSpace::new("sim", default_variant(), false);
    space.search.bounds.min_instance_count = 1;
    space.search.bounds.max_instance_count = 3;
    space.search.bounds.max_concurrency = 8;
    let mut m = EngineSim::new();
    let out = BruteSearch.run(&space, &mut m, &mut |_| {});
    let best = &out.top[0];
    assert_eq!(best.variant.instance_count, 3, "{:?}", m.measured);
    // The engine measured what the simulator can do: 3 instances / 2 ms.
    let capacity = 3.0 / 0.002;
    assert!(best.best.throughput > 0.6 * capacity && best.best.throughput < 1.1 * capacity, "{} vs {capacity}: {:?}", best.best.throughput, m.measured);
    // More instances were measured faster at the same (saturating) concurrency.
    let at = |i: u32| m.measured.iter().filter(|(n, c, _)| *n == i && *c == 8).map(|x| x.2).fold(0.0, f64::max);
    assert!(at(1) < at(2) && at(2) < at(3), "{:?}", m.measured);
}
