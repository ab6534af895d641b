//! Drift of the target during a long search (issue 12): the reference point
//! (the default config at its first concurrency) is re-measured
//! periodically; a significant change is reported, noise is not.

use super::remeasure::Scripted;
use super::*;

/// Brute search, no batching, instances 1..=3, concurrency 1..=8, drift
/// checks every 5 measurements from the 5th (never by time: deterministic).
fn long_space() -> SearchSpace {
    let mut s = SearchSpace::new("t", default_variant(), false);
    s.search.bounds.max_instance_count = 3;
    s.search.bounds.max_concurrency = 8;
    s.drift = DriftSettings { enabled: true, min_measurements: 5, min_seconds: None, every: 5 };
    s
}

/// Throughput `1000 × instances × slowdown(call)` ± 1 %.
fn target(slowdown: fn(usize) -> f64) -> impl FnMut(&ModelConfigVariant, u32, usize) -> (f64, f64) {
    move |v, _, i| {
        let tp = 1000.0 * f64::from(v.instance_count) * slowdown(i);
        (tp, 0.01 * tp)
    }
}

#[test]
fn a_steady_target_does_not_drift() {
    let mut t = Scripted::new(target(|_| 1.0));
    let mut events = Vec::new();
    let out = BruteSearch.run(&long_space(), &mut t, &mut |e| events.push(e));
    let d = out.drift.expect("a reference point");
    assert!(d.variant.is_default && d.concurrency == 1, "the default at its first concurrency");
    assert!(d.points.len() >= 3, "checked periodically and at the end: {:?}", d.points);
    assert!(d.points.windows(2).all(|w| w[0].after_measurements < w[1].after_measurements));
    assert!(!d.drifted && d.warning.is_none() && d.change == 0.0);
    assert_eq!(events.iter().filter(|e| matches!(e, SearchEvent::DriftChecked { warning: None, .. })).count(), d.points.len() - 1);
    // Each check is a call of the reference point, outside the search's measurements.
    let reference_calls = t.calls.iter().filter(|c| **c == (true, 1, 1)).count();
    assert_eq!(reference_calls, d.points.len());
}

#[test]
fn a_target_slowing_down_drifts() {
    // 1 % slower per call: after 30 calls the reference does 30 % less, far outside ± 1 %.
    let mut t = Scripted::new(target(|i| 1.0 - 0.01 * i as f64));
    let mut events = Vec::new();
    let out = BruteSearch.run(&long_space(), &mut t, &mut |e| events.push(e));
    let d = out.drift.expect("a reference point");
    assert!(d.drifted && d.change < -0.05, "{d:?}");
    let w = d.warning.as_deref().unwrap();
    assert!(w.starts_with("reference point drifted \u{2212}") && w.contains("infer/s) during the profile: rankings across that span are unreliable"), "{w}");
    assert!(events.iter().any(|e| matches!(e, SearchEvent::DriftChecked { warning: Some(_), .. })));
    // The first point is the search's own first measurement of the default.
    assert_eq!(d.points[0].throughput, 1000.0);
}

#[test]
fn drift_checks_are_switchable_and_need_intervals() {
    let mut space = long_space();
    space.drift.enabled = false;
    let mut t = Scripted::new(target(|i| 1.0 - 0.01 * i as f64));
    assert_eq!(BruteSearch.run(&space, &mut t, &mut |_| {}).drift, None);
    let mut sim = SimModel::new();
    let out = BruteSearch.run(&long_space(), &mut sim, &mut |_| {});
    assert_eq!(out.drift, None, "without intervals drift cannot be told from noise");
    // The default space keeps Model Analyzer's measurement sequence.
    assert!(!SearchSpace::new("t", default_variant(), false).drift.enabled);
}
