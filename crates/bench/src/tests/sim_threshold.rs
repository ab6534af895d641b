//! `-l/--latency-threshold` and `--binary-search` against the simulator:
//! one instance of a constant 10 ms model queues `c` requests at
//! concurrency `c`, so its latency is about `c` × 10 ms.

use std::time::Duration;

use super::support::{config, measure};
use crate::export::LoadPoint;
use crate::loadgen::LoadMode;
use crate::sim::SimConfig;
use crate::threshold::{LatencyLimit, Planner};

/// Drives the planner as `run` does, one fresh simulator per level.
fn search(limit: LatencyLimit, levels: std::ops::RangeInclusive<u32>) -> (Vec<u32>, Option<LoadMode>) {
    // A generous stability threshold: the binary search counts an unstable
    // level as missing, and the simulator's clock is the machine's.
    let mut cfg = config(100, 10);
    cfg.measurement.stability_pct = 50.0;
    let mut planner = Planner::new(levels.map(LoadMode::Concurrency).collect(), Some(limit));
    let mut points: Vec<LoadPoint> = Vec::new();
    let mut seen = Vec::new();
    while let Some(load) = planner.next(points.last()) {
        if let LoadMode::Concurrency(c) = load {
            seen.push(c);
        }
        let (p, _obs, _sim) = measure(SimConfig::constant(Duration::from_millis(10), 1), &cfg, load);
        points.push(p);
    }
    (seen, planner.best())
}

#[test]
fn binary_search_finds_the_largest_concurrency_under_the_threshold() {
    // 45 ms lies between concurrency 4 (40 ms) and 5 (50 ms).
    let (seen, best) = search(LatencyLimit { threshold_ms: 45.0, percentile: None, binary_search: true }, 1..=16);
    assert_eq!(best, Some(LoadMode::Concurrency(4)), "visited {seen:?}");
    assert_eq!(seen, vec![1, 16, 8, 4, 6, 5]);
}

#[test]
fn linear_sweep_stops_at_the_first_concurrency_over_the_threshold() {
    let (seen, _) = search(LatencyLimit { threshold_ms: 25.0, percentile: None, binary_search: false }, 1..=8);
    assert_eq!(seen, vec![1, 2, 3]);
}
