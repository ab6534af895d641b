//! Tests of the latency histogram, summaries and perf_analyzer's stability rule.

use super::*;

fn w(throughput: f64, avg: f64, p99: f64) -> WindowSample {
    WindowSample {
        throughput,
        avg_latency_us: avg,
        p99_latency_us: p99,
    }
}

#[test]
fn constant_bounds_are_valid() {
    let h = LatencyHistogram::new();
    assert_eq!(h.count(), 0);
    assert!(h.hist.high() >= HISTOGRAM_HIGH_NS);
}

#[test]
fn empty_histogram_is_all_zero() {
    let h = LatencyHistogram::new();
    assert_eq!(h.quantile_ns(0.5), 0);
    assert_eq!(h.min_ns(), 0);
    assert_eq!(h.max_ns(), 0);
    assert_eq!(h.mean_ns(), 0.0);
    assert_eq!(h.stdev_ns(), 0.0);
    assert_eq!(
        LatencySummary::from_histogram(&h),
        LatencySummary::default()
    );
    assert_eq!(LatencySummary::from_histogram(&h).count, 0);
}

#[test]
fn record_and_quantiles() {
    let mut h = LatencyHistogram::new();
    for i in 1..=1000u64 {
        h.record(i * 1_000); // 1 µs .. 1000 µs
    }
    assert_eq!(h.count(), 1000);
    assert_eq!(h.min_ns(), 1_000);
    assert_eq!(h.max_ns(), 1_000_000);
    assert!((h.mean_ns() - 500_500.0).abs() < 1e-6);
    let p50 = h.quantile_ns(0.5) as f64;
    assert!((p50 - 500_000.0).abs() / 500_000.0 < 0.002, "p50 {p50}");
    let p99 = h.quantile_ns(0.99) as f64;
    assert!((p99 - 990_000.0).abs() / 990_000.0 < 0.002, "p99 {p99}");
    assert_eq!(h.quantile_ns(1.0), 1_000_000);
    assert_eq!(h.quantile_ns(0.0), 1_000);
    assert_eq!(h.quantile_ns(7.0), 1_000_000);
    assert_eq!(h.quantile_ns(f64::NAN), 1_000);
    // Sample stdev of 1000..1_000_000 step 1000 = 1000 * sqrt(n(n+1)/12)
    let expected = 1000.0 * ((1000.0 * 1001.0) / 12.0f64).sqrt();
    assert!((h.stdev_ns() - expected).abs() / expected < 1e-9);
}

#[test]
fn single_value_stdev_is_zero() {
    let mut h = LatencyHistogram::new();
    h.record(42);
    assert_eq!(h.stdev_ns(), 0.0);
    assert_eq!(h.quantile_ns(0.5), 42);
    assert_eq!(h.mean_ns(), 42.0);
}

#[test]
fn saturation_clamps_and_counts() {
    let mut h = LatencyHistogram::new();
    h.record(HISTOGRAM_HIGH_NS + 1);
    h.record(u64::MAX);
    h.record(HISTOGRAM_HIGH_NS);
    assert_eq!(h.saturated, 2);
    assert_eq!(h.count(), 3);
    assert_eq!(h.max_ns(), HISTOGRAM_HIGH_NS);
    assert_eq!(h.quantile_ns(1.0), HISTOGRAM_HIGH_NS);
}

#[test]
fn zero_latency_is_recordable() {
    let mut h = LatencyHistogram::new();
    h.record(0);
    h.record(10);
    assert_eq!(h.min_ns(), 0);
    assert_eq!(h.count(), 2);
}

#[test]
fn merge_equals_recording_everything_in_one() {
    let mut a = LatencyHistogram::new();
    let mut b = LatencyHistogram::new();
    let mut all = LatencyHistogram::new();
    for i in 0..500u64 {
        let x = 10_000 + i * 37;
        a.record(x);
        all.record(x);
        let y = 900_000 + i * 1_001;
        b.record(y);
        all.record(y);
    }
    b.record(u64::MAX);
    all.record(u64::MAX);
    a.merge(&b);
    assert_eq!(a.count(), all.count());
    assert_eq!(a.saturated, 1);
    assert_eq!(a.min_ns(), all.min_ns());
    assert_eq!(a.max_ns(), all.max_ns());
    assert!((a.mean_ns() - all.mean_ns()).abs() / all.mean_ns() < 1e-12);
    assert!((a.stdev_ns() - all.stdev_ns()).abs() / all.stdev_ns() < 1e-9);
    for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
        assert_eq!(a.quantile_ns(q), all.quantile_ns(q), "q={q}");
    }
    // Merging an empty histogram changes nothing; merging into an empty one copies.
    let before = a.count();
    a.merge(&LatencyHistogram::new());
    assert_eq!(a.count(), before);
    let mut e = LatencyHistogram::new();
    e.merge(&all);
    assert_eq!(e.min_ns(), all.min_ns());
    assert_eq!(e.quantile_ns(0.5), all.quantile_ns(0.5));
    assert!((e.mean_ns() - all.mean_ns()).abs() < 1e-6);
}

#[test]
fn reset_forgets_everything() {
    let mut h = LatencyHistogram::new();
    h.record(5);
    h.record(u64::MAX);
    h.reset();
    assert_eq!(h.count(), 0);
    assert_eq!(h.saturated, 0);
    assert_eq!(h.max_ns(), 0);
    h.record(7);
    assert_eq!(h.min_ns(), 7);
    assert_eq!(h.max_ns(), 7);
    assert_eq!(h.mean_ns(), 7.0);
}

#[test]
fn summary_is_in_microseconds() {
    let mut h = LatencyHistogram::new();
    for _ in 0..10 {
        h.record(2_000_000); // 2 ms
    }
    let s = LatencySummary::from_histogram(&h);
    assert_eq!(s.count, 10);
    assert_eq!(s.avg_us, 2_000.0);
    assert_eq!(s.min_us, 2_000.0);
    assert_eq!(s.max_us, 2_000.0);
    assert_eq!(s.std_us, 0.0);
    assert_eq!(s.p50_us, 2_000.0);
    assert_eq!(s.p999_us, 2_000.0);
}

#[test]
fn summary_serde_round_trip() {
    let mut h = LatencyHistogram::new();
    h.record(1_234_567);
    h.record(2_345_678);
    let s = LatencySummary::from_histogram(&h);
    let j = serde_json::to_string(&s).unwrap();
    let back: LatencySummary = serde_json::from_str(&j).unwrap();
    assert_eq!(s, back);
}

#[test]
fn empty_summary_is_null_in_json_and_reads_back() {
    let empty = LatencySummary::from_histogram(&LatencyHistogram::new());
    let v = serde_json::to_value(empty).unwrap();
    assert_eq!(v["count"], 0);
    for k in ["avg_us", "min_us", "max_us", "std_us", "p50_us", "p90_us", "p95_us", "p99_us", "p999_us"] {
        assert!(v[k].is_null(), "{k}: {v}");
    }
    let back: LatencySummary = serde_json::from_value(v).unwrap();
    assert_eq!(back, empty);
    assert_eq!((back.avg(), back.p99(), back.p50()), (None, None, None));
    // Files written before the rule hold numbers; they still read.
    let old = serde_json::json!({"count": 3, "avg_us": 1.5, "min_us": 1.0, "max_us": 2.0, "std_us": 0.5,
        "p50_us": 1.5, "p90_us": 2.0, "p95_us": 2.0, "p99_us": 2.0, "p999_us": 2.0});
    let s: LatencySummary = serde_json::from_value(old).unwrap();
    assert_eq!((s.count, s.avg(), s.p99()), (3, Some(1.5), Some(2.0)));
    let old_empty = serde_json::json!({"count": 0, "avg_us": 0.0, "min_us": 0.0, "max_us": 0.0, "std_us": 0.0,
        "p50_us": 0.0, "p90_us": 0.0, "p95_us": 0.0, "p99_us": 0.0, "p999_us": 0.0});
    let s: LatencySummary = serde_json::from_value(old_empty).unwrap();
    assert_eq!(s, LatencySummary::default());
    assert_eq!(s.avg(), None);
}

#[test]
fn percent_spread_values() {
    assert_eq!(percent_spread(&[]), 0.0);
    assert_eq!(percent_spread(&[5.0]), 0.0);
    assert!((percent_spread(&[100.0, 110.0, 105.0]) - 10.0).abs() < 1e-9);
    assert_eq!(percent_spread(&[0.0, 1.0]), f64::INFINITY);
    assert_eq!(percent_spread(&[0.0, 0.0]), f64::INFINITY);
    assert_eq!(percent_spread(&[1.0, f64::NAN]), f64::INFINITY);
    assert_eq!(percent_spread(&[-1.0, 1.0]), f64::INFINITY);
}

#[test]
fn stable_series() {
    let ws = [
        w(50.0, 9_000.0, 20_000.0), // old, ignored
        w(1000.0, 1000.0, 1500.0),
        w(1050.0, 1020.0, 1520.0),
        w(1090.0, 1080.0, 1600.0),
    ];
    assert!(is_stable(&ws, 10.0, false));
    assert!(is_stable(&ws, 10.0, true));
    let r = stability_report(&ws, 10.0, false);
    assert!(r.stable && r.throughput_stable && r.latency_stable);
    assert_eq!(r.windows_considered, 3);
    assert!((r.throughput_spread_pct - 9.0).abs() < 1e-9);
    assert!((r.latency_spread_pct - 8.0).abs() < 1e-9);
}

#[test]
fn exactly_at_threshold_is_stable() {
    // max/min == 1.1 exactly: perf_analyzer's `<=` with t = 0.1f accepts it.
    let ws = [
        w(100.0, 10.0, 10.0),
        w(110.0, 11.0, 11.0),
        w(105.0, 10.5, 10.5),
    ];
    assert!(is_stable(&ws, 10.0, false));
    // and just over is not
    let ws2 = [
        w(100.0, 10.0, 10.0),
        w(110.01, 10.0, 10.0),
        w(105.0, 10.0, 10.0),
    ];
    assert!(!is_stable(&ws2, 10.0, false));
}

#[test]
fn unstable_in_throughput() {
    let ws = [
        w(1000.0, 1000.0, 1500.0),
        w(1300.0, 1000.0, 1500.0),
        w(1000.0, 1000.0, 1500.0),
    ];
    assert!(!is_stable(&ws, 10.0, false));
    let r = stability_report(&ws, 10.0, false);
    assert!(!r.throughput_stable);
    assert!(r.latency_stable);
    assert!((r.throughput_spread_pct - 30.0).abs() < 1e-9);
    assert_eq!(r.latency_spread_pct, 0.0);
    // A looser threshold accepts it.
    assert!(is_stable(&ws, 31.0, false));
}

#[test]
fn unstable_in_latency() {
    let ws = [
        w(1000.0, 1000.0, 1500.0),
        w(1000.0, 1200.0, 1500.0),
        w(1000.0, 1000.0, 1500.0),
    ];
    assert!(!is_stable(&ws, 10.0, false));
    let r = stability_report(&ws, 10.0, false);
    assert!(r.throughput_stable && !r.latency_stable);
    assert!((r.latency_spread_pct - 20.0).abs() < 1e-9);
    // p99 is steady, so with use_percentile the same series is stable.
    assert!(is_stable(&ws, 10.0, true));
}

#[test]
fn unstable_in_p99_only() {
    let ws = [
        w(1000.0, 1000.0, 1500.0),
        w(1000.0, 1000.0, 3000.0),
        w(1000.0, 1000.0, 1500.0),
    ];
    assert!(is_stable(&ws, 10.0, false));
    assert!(!is_stable(&ws, 10.0, true));
    assert!((stability_report(&ws, 10.0, true).latency_spread_pct - 100.0).abs() < 1e-9);
}

#[test]
fn fewer_than_three_windows() {
    let ws = [w(1000.0, 1000.0, 1500.0), w(1000.0, 1000.0, 1500.0)];
    assert!(!is_stable(&ws, 10.0, false));
    assert!(!is_stable(&[], 10.0, false));
    let r = stability_report(&ws, 10.0, false);
    assert!(!r.stable);
    assert_eq!(r.windows_considered, 2);
    assert_eq!(r.throughput_spread_pct, 0.0);
    let r0 = stability_report(&[], 10.0, false);
    assert!(!r0.stable && !r0.throughput_stable && !r0.latency_stable);
    assert_eq!(r0.windows_considered, 0);
}

#[test]
fn zero_throughput_is_unstable() {
    let ws = [
        w(0.0, 1000.0, 1500.0),
        w(0.0, 1000.0, 1500.0),
        w(0.0, 1000.0, 1500.0),
    ];
    assert!(!is_stable(&ws, 10.0, false));
    let ws = [
        w(1000.0, 1000.0, 1500.0),
        w(0.0, 1000.0, 1500.0),
        w(1000.0, 1000.0, 1500.0),
    ];
    assert!(!is_stable(&ws, 1000.0, false));
    let r = stability_report(&ws, 10.0, false);
    assert!(!r.throughput_stable);
    assert_eq!(r.throughput_spread_pct, f64::INFINITY);
}

#[test]
fn zero_latency_is_unstable_like_perf_analyzer() {
    let ws = [w(1.0, 0.0, 0.0), w(1.0, 0.0, 0.0), w(1.0, 0.0, 0.0)];
    assert!(!is_stable(&ws, 10.0, false));
}

#[test]
fn zero_percent_requires_identical_windows() {
    let ws = [w(5.0, 2.0, 3.0), w(5.0, 2.0, 3.0), w(5.0, 2.0, 3.0)];
    assert!(is_stable(&ws, 0.0, false));
    let ws = [w(5.0, 2.0, 3.0), w(5.0001, 2.0, 3.0), w(5.0, 2.0, 3.0)];
    assert!(!is_stable(&ws, 0.0, false));
}
