//! Unit tests of the engine: settings, labels and window samples here; the
//! engine run against the simulator ([`super::sim`]) in the files below.

use std::time::Duration;

use super::engine::label;
use super::loadgen::{self, LoadMode, WindowAcc};
use super::point::{window_sample, Window};
use super::{BenchConfig, Measurement, MeasurementMode};

mod combine;
mod sim_adaptive;
mod sim_affine;
mod sim_closed_loop;
mod sim_failures;
mod sim_intervals;
mod sim_open_loop;
mod sim_request_intervals;
mod sim_threshold;
mod sim_windows;
mod support;

#[test]
fn labels() {
    assert_eq!(label(&LoadMode::Concurrency(4)), "concurrency 4");
    assert!(label(&LoadMode::RequestRate { rate: 100.0, distribution: loadgen::Distribution::Poisson }).contains("Poisson"));
}

#[test]
fn measurement_settings_are_checked() {
    assert!(Measurement::default().check().is_ok());
    let with = |f: &dyn Fn(&mut Measurement)| {
        let mut m = Measurement::default();
        f(&mut m);
        m.check()
    };
    assert!(with(&|m| m.interval_ms = 0).is_err());
    assert!(with(&|m| m.interval_ms = u64::MAX).is_err());
    assert!(with(&|m| m.warmup_ms = u64::MAX).is_err());
    assert!(with(&|m| m.max_trials = 0).is_err());
    assert!(with(&|m| m.percentile = Some(0)).is_err());
    assert!(with(&|m| m.percentile = Some(100)).is_err());
    assert!(with(&|m| m.stability_pct = f64::NAN).is_err());
    assert!(with(&|m| m.stability_pct = 0.0).is_err());
    assert!(with(&|m| {
        m.mode = MeasurementMode::CountWindows;
        m.request_count = 0
    })
    .is_err());
    // The deterministic deadline never overflows, whatever the interval.
    let mut c = BenchConfig::new("m");
    c.measurement.interval_ms = u64::MAX;
    assert_eq!(c.deterministic_deadline(), Duration::from_secs(3600 * 60));
    c.measurement.interval_ms = 200;
    assert_eq!(c.deterministic_deadline(), Duration::from_secs(60));
    c.request_count_timeout = Some(Duration::from_secs(3));
    assert_eq!(c.deterministic_deadline(), Duration::from_secs(3));
}

#[test]
fn window_sample_counts_batch() {
    let mut acc = WindowAcc { ok: 100, ..Default::default() };
    for _ in 0..100 {
        acc.hist.record(2_000_000);
    }
    let w = Window { acc, duration: Duration::from_secs(2), subs: Vec::new(), server: None, resources: Default::default(), loadgen_cpu_s: 0.0 };
    let s = window_sample(&w, 4, None);
    assert!((s.throughput - 200.0).abs() < 1e-9);
    assert!((s.avg_latency_us - 2000.0).abs() / 2000.0 < 0.01);
}
