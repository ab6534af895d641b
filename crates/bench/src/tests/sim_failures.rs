//! Failures against the simulator: counted by kind (ids masked), with
//! examples and a warning; a target that fails every request ends the
//! level after two windows with an error.

use std::time::Duration;

use super::support::{config, measure, within};
use crate::loadgen::LoadMode;
use crate::sim::{SimConfig, SimFailure};

#[test]
fn failures_are_counted_by_kind() {
    let model = SimConfig {
        failures: vec![
            SimFailure { rate: 0.2, message: "simulated overload of request {n}".into() },
            SimFailure { rate: 0.05, message: "model raised ValueError".into() },
        ],
        ..SimConfig::constant(Duration::from_millis(1), 2)
    };
    let mut cfg = config(100, 10);
    cfg.request_count = Some(1000);
    let (p, _obs, _sim) = measure(model, &cfg, LoadMode::Concurrency(2));
    assert_eq!(p.requests, 1000);
    let overload = "inference: Triton error (Internal): simulated overload of request #";
    let raised = "inference: Triton error (Internal): model raised ValueError";
    assert_eq!(p.failures.keys().map(String::as_str).collect::<Vec<_>>(), vec![raised, overload], "{:?}", p.failures);
    within("overload failures", p.failures[overload] as f64, 200.0, 0.7, 1.3);
    within("raised failures", p.failures[raised] as f64, 50.0, 0.5, 1.6);
    assert_eq!(p.latency.count + p.failures.values().sum::<u64>(), 1000);
    // One example per kind whose messages say more than the kind (the masked id).
    assert!(p.failure_examples.get(overload).is_some_and(|e| e.starts_with("inference: Triton error (Internal): simulated overload of request ")), "{:?}", p.failure_examples);
    assert!(!p.failure_examples.contains_key(raised));
    let failed = p.failures.values().sum::<u64>();
    assert!(p.warnings.iter().any(|w| w.starts_with(&format!("{failed} of 1000 request(s) failed"))), "{:?}", p.warnings);
    assert!(p.error.is_none());
}

#[test]
fn a_target_that_fails_everything_ends_after_two_windows() {
    let model = SimConfig { failures: vec![SimFailure { rate: 1.0, message: "always down".into() }], ..SimConfig::constant(Duration::from_millis(1), 2) };
    let (p, _obs, sim) = measure(model, &config(100, 10), LoadMode::Concurrency(2));
    assert_eq!(p.windows, 2);
    assert!(!p.stable);
    assert_eq!(p.latency.count, 0);
    assert!(p.error.as_deref().is_some_and(|e| e.starts_with("every request failed")), "{p:?}");
    assert_eq!(p.failures.len(), 1);
    assert!(sim.issued() >= p.requests);
}
