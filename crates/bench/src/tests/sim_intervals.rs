//! Confidence intervals against the simulator, whose model is known:
//! constant service (the throughput interval holds the capacity) and
//! log-normal service (the p99 interval holds the distribution's p99).

use std::time::Duration;

use super::support::{config, measure};
use crate::loadgen::LoadMode;
use crate::sim::{ServiceTime, SimConfig};

#[test]
fn throughput_interval_holds_the_capacity_at_saturation() {
    // 4 instances of 2 ms, 32 in flight: 28 wait, 14 ms of backlog, so every
    // instance stays busy (2000/s) even when a loaded machine delivers
    // completions and re-issues requests late (with 8 in flight, a CI run
    // under load measured 1883/s: the client, not the model, was the limit).
    let model = SimConfig::constant(Duration::from_millis(2), 4);
    let (p, _obs, _sim) = measure(model.clone(), &config(300, 3), LoadMode::Concurrency(32));
    let ci = p.throughput_ci.expect("a throughput interval");
    let capacity = model.capacity();
    assert!(ci.lo <= p.throughput && p.throughput <= ci.hi, "{ci:?} around {}", p.throughput);
    assert!(ci.lo <= capacity && capacity <= ci.hi, "{ci:?} should hold the capacity {capacity} (measured {})", p.throughput);
    assert!(ci.relative_half_width(p.throughput) < 0.10, "{ci:?} around {}", p.throughput);
    // Latency intervals exist and hold their estimates.
    let l = p.latency_ci.expect("latency intervals");
    for (what, i, v) in [("avg", l.avg, p.latency.avg_us), ("p50", l.p50, p.latency.p50_us), ("p99", l.p99, p.latency.p99_us)] {
        let i = i.unwrap_or_else(|| panic!("{what} interval"));
        assert!(i.lo <= v && v <= i.hi, "{what}: {i:?} around {v}");
    }
}

#[test]
fn p99_interval_holds_the_known_p99_in_most_runs() {
    // Log-normal service, 64 instances for 64 in flight: no queueing, so a
    // latency is a service time (plus the simulator's delivery slack, well
    // under 1 % of 160 ms) and the requests are independent.
    let (median, sigma) = (Duration::from_millis(50), 0.5);
    const Z_99: f64 = 2.326_347_874;
    let known_p99_us = median.as_secs_f64() * 1e6 * (sigma * Z_99).exp();
    let mut held = Vec::new();
    for seed in 1..=10u64 {
        let model = SimConfig { service: ServiceTime::LogNormal { median, sigma }, seed, ..SimConfig::constant(median, 64) };
        let (p, _obs, _sim) = measure(model, &config(250, 3), LoadMode::Concurrency(64));
        let ci = p.latency_ci.and_then(|l| l.p99).unwrap_or_else(|| panic!("seed {seed}: no p99 interval from {} latencies", p.latency.count));
        held.push((ci.lo <= known_p99_us && known_p99_us <= ci.hi, ci, p.latency.count));
    }
    let n = held.iter().filter(|h| h.0).count();
    assert!(n >= 8, "the p99 interval held the known p99 ({known_p99_us:.0} µs) in only {n} of 10 runs: {held:?}");
}
