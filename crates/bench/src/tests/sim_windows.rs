//! Windows and the stability rule against the simulator: a steady target
//! settles after 3 windows, a drifting one never does; count windows,
//! deterministic runs and a hanging target end as specified.

use std::time::Duration;

use super::support::{config, measure};
use crate::loadgen::LoadMode;
use crate::sim::{ServiceTime, SimConfig};
use crate::MeasurementMode;

#[test]
fn a_steady_target_is_declared_stable_after_three_windows() {
    let model = SimConfig::constant(Duration::from_millis(2), 2);
    let (p, obs, _sim) = measure(model, &config(200, 10), LoadMode::Concurrency(2));
    assert!(p.stable, "{p:?}");
    let windows = obs.windows.borrow();
    assert!(windows.len() >= 3 && windows.len() <= 10, "{} windows", windows.len());
    assert_eq!(p.windows as usize, windows.len());
    // Stable is first declared on the last window, and never before the third.
    assert!(windows[..windows.len() - 1].iter().all(|(_, _, stable)| !stable));
    assert!(windows.last().is_some_and(|(_, _, stable)| *stable));
    // Windows are numbered from 1 (window 0 is the warm-up).
    assert_eq!(windows.iter().map(|(k, _, _)| *k).collect::<Vec<_>>(), (1..=windows.len() as u32).collect::<Vec<_>>());
    assert!(p.error.is_none() && p.failures.is_empty(), "{p:?}");
    // The server side comes from the simulator's statistics, on the model's clock.
    let s = p.server.as_ref().expect("server breakdown from the simulator's statistics");
    assert!((s.compute_infer_us - 2000.0).abs() < 1.0, "{s:?}");
    assert!(s.queue_us < 1.0, "2 requests on 2 instances never queue: {s:?}");
    assert_eq!(s.per_batch.iter().map(|b| b.batch_size).collect::<Vec<_>>(), vec![1]);
}

#[test]
fn a_point_carries_its_warm_up_and_window_times() {
    // Lower bounds on the monotonic clock, not speed claims: the warm-up runs
    // at least warmup_ms, and each time window at least its interval.
    let model = SimConfig::constant(Duration::from_millis(2), 2);
    let cfg = config(150, 6);
    let (p, _obs, _sim) = measure(model, &cfg, LoadMode::Concurrency(2));
    let warmup = p.warmup_seconds.expect("the engine times the warm-up");
    let windows = p.windows_seconds.expect("the engine times the windows");
    assert!(warmup >= cfg.measurement.warmup_ms as f64 / 1000.0, "{warmup}");
    assert!(windows >= p.windows as f64 * cfg.measurement.interval_ms as f64 / 1000.0, "{windows} s for {} windows", p.windows);
    // A deterministic run has no warm-up: its one window begins with the load.
    let mut det = config(100, 10);
    det.request_count = Some(100);
    let (p, _obs, _sim) = measure(SimConfig::constant(Duration::from_millis(1), 4), &det, LoadMode::Concurrency(4));
    assert_eq!(p.warmup_seconds, Some(0.0));
    assert!(p.windows_seconds.is_some_and(|w| w > 0.0), "{p:?}");
}

#[test]
fn a_drifting_target_never_settles() {
    let model = SimConfig { service: ServiceTime::Drifting { start: Duration::from_millis(1), doubling: Duration::from_millis(300) }, ..SimConfig::constant(Duration::ZERO, 2) };
    let (p, obs, _sim) = measure(model, &config(150, 6), LoadMode::Concurrency(2));
    assert!(!p.stable);
    assert_eq!(p.windows, 6);
    assert!(obs.windows.borrow().iter().all(|(_, _, stable)| !stable));
    // Each window is slower than the one before (×1.4 per window).
    let s = obs.samples();
    for w in s.windows(2) {
        assert!(w[1].avg_latency_us > w[0].avg_latency_us && w[1].throughput < w[0].throughput, "{s:?}");
    }
    assert!(p.warnings.iter().any(|w| w.contains("no stable measurement within 6 windows")), "{:?}", p.warnings);
}

#[test]
fn count_windows_hold_the_requests_asked() {
    let model = SimConfig::constant(Duration::from_millis(1), 2);
    let mut cfg = config(100, 5);
    cfg.measurement.mode = MeasurementMode::CountWindows;
    cfg.measurement.request_count = 200;
    let (p, obs, _sim) = measure(model, &cfg, LoadMode::Concurrency(2));
    let n = obs.windows.borrow().len().min(3) as u64;
    // A completion delivered as a window closes may count into the next one.
    assert!(p.requests >= n * 190, "{} requests in {n} windows", p.requests);
}

#[test]
fn a_deterministic_run_issues_exactly_the_requests_asked() {
    let model = SimConfig::constant(Duration::from_millis(1), 4);
    let mut cfg = config(100, 10);
    cfg.request_count = Some(250);
    let (p, obs, sim) = measure(model, &cfg, LoadMode::Concurrency(4));
    assert_eq!((p.requests, p.windows, sim.issued()), (250, 1, 250));
    assert_eq!(obs.windows.borrow()[0].0, 0, "the one window of a deterministic run is window 0");
    assert!(p.error.is_none() && !p.warnings.iter().any(|w| w.contains("deadline")), "{p:?}");
}

#[test]
fn a_hanging_target_ends_after_two_empty_windows() {
    let model = SimConfig::constant(Duration::from_secs(3600), 1);
    let (p, obs, sim) = measure(model, &config(100, 10), LoadMode::Concurrency(3));
    assert_eq!(p.windows, 2);
    assert_eq!(p.requests, 0);
    assert!(p.error.as_deref().is_some_and(|e| e.contains("may be hanging")), "{p:?}");
    assert_eq!(obs.warnings.borrow().iter().filter(|w| w.contains("no request completed in window")).count(), 2);
    assert!(p.warnings.iter().any(|w| w.contains("3 request(s) still in flight")), "{:?}", p.warnings);
    assert_eq!(sim.peak_in_flight(), 3);
}

#[test]
fn warmup_request_count_completes_its_requests_before_the_first_window() {
    // No time warm-up: only --warmup-request-count holds the first window back.
    // Counts, not times: one request in flight at a time, so the simulator
    // issued at least the warm-up's 25 besides the measured ones.
    let model = SimConfig::constant(Duration::from_millis(2), 1);
    let mut cfg = config(100, 3);
    cfg.measurement.warmup_ms = 0;
    cfg.warmup_requests = 25;
    let (p, obs, sim) = measure(model.clone(), &cfg, LoadMode::Concurrency(1));
    assert!(sim.issued() >= p.requests + 25, "issued {} for {} measured requests", sim.issued(), p.requests);
    assert!(obs.warnings.borrow().iter().all(|w| !w.contains("warm-up")), "{:?}", obs.warnings.borrow());
    // Without it, hardly anything precedes the first window.
    cfg.warmup_requests = 0;
    let (p, _obs, sim) = measure(model, &cfg, LoadMode::Concurrency(1));
    assert!(sim.issued() < p.requests + 25, "issued {} for {} measured requests", sim.issued(), p.requests);
}
