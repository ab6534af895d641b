//! Unit tests of the interval arithmetic: t quantiles, order-statistic ranks
//! against a brute-force binomial, batch means on synthetic data.

use super::*;

/// Binomial(n, q) pmf by repeated convolution (O(n²), independent of the code under test).
fn binomial_pmf(n: u64, q: f64) -> Vec<f64> {
    let mut p = vec![1.0];
    for _ in 0..n {
        let mut next = vec![0.0; p.len() + 1];
        for (k, v) in p.iter().enumerate() {
            next[k] += v * (1.0 - q);
            next[k + 1] += v * q;
        }
        p = next;
    }
    p
}

/// `F(k) = P(B ≤ k)`, with `F(−1) = 0`.
fn cdf(pmf: &[f64], k: i64) -> f64 {
    if k < 0 {
        0.0
    } else {
        pmf[..=(k as usize).min(pmf.len() - 1)].iter().sum()
    }
}

#[test]
fn t_quantiles() {
    assert_eq!(t_975(0), f64::INFINITY);
    assert!((t_975(1) - 12.7062).abs() < 1e-4);
    assert!((t_975(10) - 2.2281).abs() < 1e-4);
    assert!((t_975(29) - 2.0452).abs() < 1e-4);
    // Expansion above the table (reference values from R's qt(0.975, df)).
    for (df, t) in [(31u64, 2.039513), (40, 2.021075), (60, 2.000298), (120, 1.979930), (1000, 1.962339)] {
        assert!((t_975(df) - t).abs() < 1e-4, "df {df}: {} vs {t}", t_975(df));
    }
    assert!((t_975(1_000_000) - Z_975).abs() < 1e-5);
    // Decreasing in df, with no jump where the table ends.
    for df in 1..300 {
        assert!(t_975(df + 1) < t_975(df), "df {df}");
    }
}

#[test]
fn order_statistic_ranks_match_an_exact_binomial() {
    for n in [1u64, 5, 10, 20, 50, 100, 367, 368, 500, 1000] {
        for q in [0.5, 0.9, 0.95, 0.99] {
            let pmf = binomial_pmf(n, q);
            let f = |k: i64| cdf(&pmf, k);
            let (l, u) = order_statistic_ranks(n, q);
            match l {
                // The largest rank whose lower tail is ≤ 2.5 %.
                Some(l) => {
                    assert!(l >= 1 && f(l as i64 - 1) <= 0.025 + 1e-12, "n {n} q {q} l {l}");
                    assert!(l == n || f(l as i64) > 0.025 - 1e-12, "n {n} q {q}: l {l} is not the largest");
                }
                None => assert!(f(0) > 0.025 - 1e-12, "n {n} q {q}: rank 1 would do"),
            }
            match u {
                // The smallest rank whose upper tail is ≤ 2.5 %.
                Some(u) => {
                    assert!(u <= n && 1.0 - f(u as i64 - 1) <= 0.025 + 1e-12, "n {n} q {q} u {u}");
                    assert!(u == 1 || 1.0 - f(u as i64 - 2) > 0.025 - 1e-12, "n {n} q {q}: u {u} is not the smallest");
                }
                None => assert!(1.0 - f(n as i64 - 1) > 0.025 - 1e-12, "n {n} q {q}: rank n would do"),
            }
            if let (Some(l), Some(u)) = (l, u) {
                let coverage = f(u as i64 - 1) - f(l as i64 - 1);
                assert!(coverage >= 0.95 - 1e-9, "n {n} q {q}: coverage {coverage}");
            }
        }
    }
    // The textbook median interval of 100 samples: X(40) .. X(61).
    assert_eq!(order_statistic_ranks(100, 0.5), (Some(40), Some(61)));
    // p99 has an upper bound only from 368 samples on (1 − 0.99ⁿ ≥ 97.5 %).
    assert_eq!(order_statistic_ranks(367, 0.99).1, None);
    assert!(order_statistic_ranks(368, 0.99).1.is_some());
    assert_eq!(order_statistic_ranks(0, 0.5), (None, None));
    assert_eq!(order_statistic_ranks(10, 1.0), (None, None));
}

#[test]
fn normal_approximation_is_close_to_exact_and_no_narrower() {
    for n in [EXACT_BINOMIAL_MAX_N + 1, 1_000_000] {
        for q in [0.5, 0.9, 0.99] {
            let (el, eu) = exact_order_statistic_ranks(n, q);
            let (al, au) = order_statistic_ranks(n, q);
            let (el, eu, al, au) = (el.unwrap(), eu.unwrap(), al.unwrap(), au.unwrap());
            assert!(al <= el && au >= eu, "n {n} q {q}: approx {al}..{au} vs exact {el}..{eu}");
            assert!(el - al <= 3 && au - eu <= 3, "n {n} q {q}: approx {al}..{au} vs exact {el}..{eu}");
        }
    }
}

/// A seeded standard normal stream (xorshift + Box–Muller).
struct Normal(u64);
impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn next(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[test]
fn batch_means_of_equal_batches_are_the_classic_interval() {
    let x = [9.0, 11.0, 10.0, 12.0, 8.0];
    let r = mean_interval(&x).unwrap();
    let mean = 10.0;
    let s = (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 4.0).sqrt();
    assert!((r.estimate - mean).abs() < 1e-12);
    assert!((r.half_width - t_975(4) * s / 5f64.sqrt()).abs() < 1e-12, "{r:?}");
    // Rates of equal-length sub-windows: the same thing.
    let counts: Vec<f64> = x.iter().map(|v| v * 0.1).collect();
    let r2 = ratio_interval(&counts, &[0.1; 5]).unwrap();
    assert!((r2.estimate - r.estimate).abs() < 1e-9 && (r2.half_width - r.half_width).abs() < 1e-9);
    // Too few batches, bad input.
    assert!(mean_interval(&[1.0]).is_none());
    assert!(ratio_interval(&[1.0, 2.0], &[0.0, 0.0]).is_none());
    assert!(ratio_interval(&[1.0, f64::NAN], &[1.0, 1.0]).is_none());
}

#[test]
fn batch_means_cover_a_known_mean() {
    // 1000 experiments of 20 batch means, each the mean of 50 draws of N(10, 2²):
    // the 95 % interval should contain 10 about 95 % of the time (seeded: no flakiness).
    let mut g = Normal(0x5eed_1234_abcd_0001);
    let mut covered = 0;
    for _ in 0..1000 {
        let means: Vec<f64> = (0..20).map(|_| (0..50).map(|_| 10.0 + 2.0 * g.next()).sum::<f64>() / 50.0).collect();
        let r = mean_interval(&means).unwrap();
        if (r.estimate - 10.0).abs() <= r.half_width {
            covered += 1;
        }
    }
    assert!((925..=975).contains(&covered), "covered {covered} of 1000");
}

#[test]
fn ratio_intervals_weight_unequal_batches() {
    // A constant rate of 100/s over sub-windows of any length: zero width.
    let r = ratio_interval(&[10.0, 5.0, 20.0, 1.0], &[0.1, 0.05, 0.2, 0.01]).unwrap();
    assert!((r.estimate - 100.0).abs() < 1e-9 && r.half_width < 1e-9, "{r:?}");
    // Throughput and latency from sub-windows.
    let subs = [
        SubWindow { ok: 100, latency_ns: 100.0 * 2e6, seconds: 0.1 },
        SubWindow { ok: 110, latency_ns: 110.0 * 1.8e6, seconds: 0.1 },
        SubWindow { ok: 90, latency_ns: 90.0 * 2.2e6, seconds: 0.1 },
        SubWindow { ok: 0, latency_ns: 0.0, seconds: 0.0 },
    ];
    let t = throughput_interval(&subs, 2, 2000.0).unwrap();
    assert!(t.lo < 2000.0 && t.hi > 2000.0 && (t.hi + t.lo) / 2.0 - 2000.0 < 1e-9, "{t:?}");
    // rates 2000, 2200, 1800 per s: s = 200, n = 3 → half-width t(2)·200/√3.
    assert!((t.half_width() - t_975(2) * 200.0 / 3f64.sqrt()).abs() < 1e-6, "{t:?}");
    let m = mean_latency_interval(&subs, 2000.0).unwrap();
    assert!(m.lo < 2000.0 && m.hi > 2000.0, "{m:?}");
    assert!(throughput_interval(&subs[..1], 1, 1000.0).is_none());
}

#[test]
fn percentile_intervals_from_the_histogram() {
    let mut h = LatencyHistogram::new();
    for k in 1..=10_000u64 {
        h.record(k * 1000); // 1 .. 10000 µs, uniformly
    }
    let s = LatencySummary::from_histogram(&h);
    let p50 = percentile_interval(&h, 0.5, s.p50_us).unwrap();
    // Ranks 4902 .. 5099 (± 1.96·50), read at the histogram's resolution.
    assert!(p50.lo > 4880.0 && p50.lo < 4910.0 && p50.hi > 5090.0 && p50.hi < 5120.0, "{p50:?}");
    assert!(p50.lo <= s.p50_us && s.p50_us <= p50.hi);
    let p99 = percentile_interval(&h, 0.99, s.p99_us).unwrap();
    assert!(p99.lo < 9900.0 && p99.hi > 9900.0 && p99.hi - p99.lo < 100.0, "{p99:?}");
    // Too few samples for a p99 bound.
    let mut small = LatencyHistogram::new();
    for k in 1..=100u64 {
        small.record(k * 1000);
    }
    let ss = LatencySummary::from_histogram(&small);
    assert!(percentile_interval(&small, 0.99, ss.p99_us).is_none());
    let li = LatencyIntervals::compute(&[], &small, &ss).unwrap();
    assert!(li.avg.is_none() && li.p99.is_none() && li.p50.is_some());
    // Serialized without the missing ones, read back the same.
    let json = serde_json::to_string(&li).unwrap();
    assert!(!json.contains("p99") && !json.contains("avg"), "{json}");
    assert_eq!(serde_json::from_str::<LatencyIntervals>(&json).unwrap(), li);
    assert!(LatencyIntervals::compute(&[], &LatencyHistogram::new(), &LatencySummary::default()).is_none());
}

#[test]
fn bucket_at_rank_brackets_the_value() {
    let mut h = LatencyHistogram::new();
    for v in [1_000u64, 2_000, 3_000, 1_234_567] {
        h.record(v);
    }
    assert_eq!(h.bucket_at_rank(0), None);
    assert_eq!(h.bucket_at_rank(5), None);
    assert_eq!(h.bucket_at_rank(1), Some((1_000, 1_000)));
    let (lo, hi) = h.bucket_at_rank(4).unwrap();
    assert!(lo <= 1_234_567 && hi >= 1_234_567 && (hi - lo) as f64 / 1_234_567.0 < 0.002);
}
