//! Which windows make a load point under each rule, and the intervals over
//! windows (server phases, GPU figures), on synthetic windows: the
//! simulator has no GPU, and these numbers are exact.

use std::time::Duration;

use crate::export::ResourceUsage;
use crate::loadgen::{LoadMode, WindowAcc};
use crate::point::{combine, point_start, Window};
use crate::{BenchConfig, StopRule};
use tritium_model::{InferenceStats, ModelStats, StatDuration};

/// A 1 s window of `ok` successes of 1 ms (10 equal sub-windows), whose
/// requests queued `queue_us` each, with a GPU reading.
fn window(ok: u64, queue_us: u64, gpu_util: f64, gpu_mem: f64) -> Window {
    let mut acc = WindowAcc::default();
    for i in 0..ok {
        acc.record_ok(1_000_000, (i * 10 / ok.max(1)) as usize);
    }
    let d = |us: u64| StatDuration { count: ok, ns: us * 1000 * ok };
    let server = ModelStats { inference_stats: InferenceStats { success: d(queue_us + 900), queue: d(queue_us), compute_infer: d(900), ..Default::default() }, ..Default::default() };
    Window {
        acc,
        duration: Duration::from_secs(1),
        subs: vec![Duration::from_millis(100); 10],
        server: Some(server),
        resources: ResourceUsage { gpu_utilization_pct: Some(gpu_util), gpu_memory_used_mb: Some(gpu_mem), ..Default::default() },
        loadgen_cpu_s: 0.0,
    }
}

fn cfg(rule: StopRule) -> BenchConfig {
    let mut c = BenchConfig::new("synthetic");
    c.measurement.rule = rule;
    c
}

/// A warm-up tail (500/s) then four windows at 1000/s.
fn windows() -> Vec<Window> {
    vec![window(500, 50, 40.0, 900.0), window(1000, 10, 80.0, 1000.0), window(1000, 20, 90.0, 1010.0), window(1000, 30, 85.0, 1020.0), window(1000, 20, 85.0, 1000.0)]
}

#[test]
fn perf_analyzers_rule_reports_the_last_three_windows() {
    let w = windows();
    let c = cfg(StopRule::PerfAnalyzer);
    assert_eq!(point_start(&c, &w), 2);
    let p = combine(&c, LoadMode::Concurrency(4), &w, true, Vec::new());
    assert_eq!((p.windows, p.requests), (5, 3000));
    assert!((p.throughput - 1000.0).abs() < 1e-9);
    assert!(!p.noisy);
    // Server queue over the last 3 windows: 20, 30, 20 µs.
    let q = p.server_ci.and_then(|s| s.queue).expect("queue interval");
    let mean = 70.0 / 3.0;
    assert!(((q.lo + q.hi) / 2.0 - mean).abs() < 1e-6 && q.lo < mean && q.hi > mean, "{q:?}");
    assert!((p.server.as_ref().unwrap().queue_us - mean).abs() < 1e-6);
    // GPU: utilisation 90, 85, 85 → mean 86.67; memory peaks 1010, 1020, 1000, reported peak 1020.
    let r = p.resources_ci.expect("GPU intervals");
    let u = r.gpu_utilization_pct.expect("utilisation");
    assert!(((u.lo + u.hi) / 2.0 - 260.0 / 3.0).abs() < 1e-6, "{u:?}");
    assert!((p.resources.gpu_utilization_pct.unwrap() - 260.0 / 3.0).abs() < 1e-9);
    let m = r.gpu_memory_used_mb.expect("memory");
    assert!(m.lo < 1010.0 && m.hi >= 1020.0 && p.resources.gpu_memory_used_mb == Some(1020.0), "{m:?}");
}

#[test]
fn the_adaptive_rule_reports_every_window_after_the_transient() {
    let w = windows();
    let c = cfg(StopRule::Adaptive);
    // The 500/s window is more than 10 % off the last three's 1000/s: trimmed.
    assert_eq!(point_start(&c, &w), 1);
    let p = combine(&c, LoadMode::Concurrency(4), &w, true, Vec::new());
    assert_eq!((p.windows, p.requests), (5, 4000));
    assert!((p.throughput - 1000.0).abs() < 1e-9);
    // Every sub-window holds 100 requests: a zero-width throughput interval.
    assert!(p.throughput_ci_rel_pct.is_some_and(|r| r < 1e-9), "{:?}", p.throughput_ci_rel_pct);
    // Queue over 4 windows: 10, 20, 30, 20 µs → mean 20 ± t(3)·8.165/2.
    let q = p.server_ci.and_then(|s| s.queue).expect("queue interval");
    let h = 3.1824 * (200.0f64 / 3.0).sqrt() / 2.0;
    assert!((q.lo - (20.0 - h)).abs() < 1e-3 && (q.hi - (20.0 + h)).abs() < 1e-3, "{q:?}");
    assert!(p.server_ci.and_then(|s| s.compute_infer).is_some_and(|i| (i.lo - 900.0).abs() < 1e-9 && (i.hi - 900.0).abs() < 1e-9));
    // Without a transient nothing is trimmed; count windows use perf_analyzer's rule.
    assert_eq!(point_start(&c, &w[1..]), 0);
    let mut counted = cfg(StopRule::Adaptive);
    counted.measurement.mode = crate::MeasurementMode::CountWindows;
    assert_eq!(point_start(&counted, &w), 2);
    // A single window: no interval over windows.
    let one = combine(&c, LoadMode::Concurrency(4), &w[..1], false, Vec::new());
    assert!(one.server_ci.is_none() && one.resources_ci.is_none());
}
