//! Unit tests of the between-run spread (`repeat`).

use super::*;
use crate::stats::ci::LatencyIntervals;

fn point(c: u32, tp: f64, tp_hw: f64, p99_us: f64, p99_hw: f64) -> LoadPoint {
    let mut p = LoadPoint { mode: "concurrency".into(), concurrency: Some(c), batch_size: 1, throughput: tp, throughput_ci: Some(Interval::new(tp - tp_hw, tp + tp_hw)), ..Default::default() };
    p.latency.count = 100;
    p.latency.p99_us = p99_us;
    p.latency_ci = Some(LatencyIntervals { p99: Some(Interval::new(p99_us - p99_hw, p99_us + p99_hw)), ..Default::default() });
    p
}

#[test]
fn spread_matches_hand_computed_values() {
    let s = Spread::of(&[10.0, 12.0, 14.0]).unwrap();
    assert_eq!(s.mean, 12.0);
    assert!((s.sd - 2.0).abs() < 1e-12);
    assert_eq!((s.min, s.max), (10.0, 14.0));
    assert!((s.cv - 2.0 / 12.0).abs() < 1e-12);
    // t(2) = 4.3027: 12 ± 4.3027 × 2 / √3.
    let ci = s.ci.unwrap();
    let h = 4.3027 * 2.0 / 3f64.sqrt();
    assert!((ci.lo - (12.0 - h)).abs() < 1e-9 && (ci.hi - (12.0 + h)).abs() < 1e-9, "{ci:?}");
    // One run: no spread, no interval.
    let one = Spread::of(&[5.0]).unwrap();
    assert_eq!((one.sd, one.cv, one.ci), (0.0, 0.0, None));
    assert!(Spread::of(&[]).is_none());
    assert!(Spread::of(&[1.0, f64::NAN]).is_none());
}

#[test]
fn chi2_quantiles_are_right_in_and_beyond_the_table() {
    assert!((chi2_95(1) - 3.8415).abs() < 1e-4);
    assert!((chi2_95(10) - 18.307).abs() < 1e-3);
    // Reference values: χ²₀.₉₅(20) = 31.410, (50) = 67.505, (99) = 123.225.
    for (df, want) in [(20, 31.410), (50, 67.505), (99, 123.225)] {
        let got = chi2_95(df);
        assert!((got - want).abs() / want < 2e-3, "df {df}: {got} vs {want}");
    }
    // Continuity across the table's edge.
    assert!(chi2_95(11) > chi2_95(10) && chi2_95(11) < chi2_95(12));
}

#[test]
fn cochran_q_weights_by_the_intervals() {
    // Two runs, equal SE 1 (half-width 1.96): Q = (x1 - x2)² / 2.
    let q = cochran_q(&[10.0, 12.0], &[Some(Z_975), Some(Z_975)]).unwrap();
    assert!((q - 2.0).abs() < 1e-9, "{q}");
    assert!(cochran_q(&[10.0], &[Some(1.0)]).is_none());
    assert!(cochran_q(&[10.0, 11.0], &[Some(1.0), None]).is_none());
    assert!(cochran_q(&[10.0, 11.0], &[Some(1.0), Some(0.0)]).is_none());
}

#[test]
fn runs_that_agree_within_their_intervals_reproduce() {
    // ±2 % intervals, runs within ±0.5 %.
    let runs: Vec<Vec<LoadPoint>> = [1000.0, 1005.0, 996.0, 1002.0].iter().map(|&tp| vec![point(1, tp, 20.0, 900.0, 50.0), point(4, 3.0 * tp, 60.0, 1500.0, 80.0)]).collect();
    let s = summarize(4, &runs);
    assert_eq!((s.repeat, s.runs, s.levels.len()), (4, 4, 2));
    let l = &s.levels[0];
    assert_eq!((l.load.as_str(), l.runs), ("concurrency 1", 4));
    let tp = l.throughput.as_ref().unwrap();
    assert_eq!(tp.spread.values, vec![1000.0, 1005.0, 996.0, 1002.0]);
    assert!((tp.within_run_relative.unwrap() - 0.02).abs() < 1e-3);
    assert_eq!(tp.exceeds_within_run, Some(false));
    assert_eq!(l.p99_us.as_ref().unwrap().exceeds_within_run, Some(false));
    assert!(l.verdict.starts_with("reproduces"), "{}", l.verdict);
    assert!(table(&s).contains("concurrency 4"));
}

#[test]
fn runs_that_disagree_beyond_their_intervals_are_called_out() {
    // ±2 % intervals but runs 11 % apart (the 1844 vs 2076 infer/s).
    let runs: Vec<Vec<LoadPoint>> = [1844.0, 2076.0, 1900.0].iter().map(|&tp| vec![point(1, tp, 0.02 * tp, 900.0, 50.0)]).collect();
    let s = summarize(3, &runs);
    let l = &s.levels[0];
    let tp = l.throughput.as_ref().unwrap();
    assert_eq!(tp.exceeds_within_run, Some(true));
    assert!(l.verdict.contains("throughput: between-run spread ±"), "{}", l.verdict);
    assert!(l.verdict.contains("vs within-run ±2.0 %"), "{}", l.verdict);
    assert!(l.verdict.ends_with("this model's numbers do not reproduce at this window length"), "{}", l.verdict);
    // p99 agreed: only throughput is named.
    assert!(!l.verdict.contains("p99:"), "{}", l.verdict);
}

#[test]
fn levels_missing_from_a_run_or_failed_count_only_where_measured() {
    let mut failed = point(4, 0.0, 0.0, 0.0, 0.0);
    failed.error = Some("no successful request".into());
    let runs = vec![vec![point(1, 100.0, 2.0, 900.0, 50.0), point(4, 300.0, 6.0, 1000.0, 50.0)], vec![point(1, 101.0, 2.0, 905.0, 50.0), failed], vec![point(1, 99.0, 2.0, 895.0, 50.0)]];
    let s = summarize(3, &runs);
    assert_eq!(s.levels[0].runs, 3);
    assert_eq!(s.levels[1].runs, 1);
    assert_eq!(s.levels[1].verdict, "one run: no between-run spread");
    // Without within-run intervals: the spread is reported, not judged.
    let bare: Vec<Vec<LoadPoint>> = [100.0, 110.0].iter().map(|&tp| vec![LoadPoint { concurrency: Some(2), throughput: tp, ..Default::default() }]).collect();
    let s = summarize(2, &bare);
    assert_eq!(s.levels[0].throughput.as_ref().unwrap().exceeds_within_run, None);
    assert!(s.levels[0].verdict.contains("no within-run intervals"), "{}", s.levels[0].verdict);
}

#[test]
fn the_summary_serialises_with_finite_numbers_only() {
    let runs: Vec<Vec<LoadPoint>> = [1000.0, 1010.0].iter().map(|&tp| vec![point(1, tp, 20.0, 900.0, 50.0)]).collect();
    let v = serde_json::to_value(summarize(2, &runs)).unwrap();
    assert_eq!(v["levels"][0]["throughput"]["spread"]["values"][1], 1010.0);
    let back: RepeatSummary = serde_json::from_value(v).unwrap();
    assert_eq!(back.runs, 2);
}
