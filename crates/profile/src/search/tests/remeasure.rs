//! Interleaved re-measurement of tied contenders, pooling, and brute
//! search's early exits on intervals (issue 12), against scripted targets
//! whose throughput (and its interval) is a function of the call.

use tritium_bench::stats::Interval;

use super::*;

/// A scripted target: `(throughput, ± half-width)` from the variant, the
/// concurrency and the call index (0 = first call); every call recorded as
/// (default?, instances, concurrency).
pub(super) struct Scripted<F: FnMut(&ModelConfigVariant, u32, usize) -> (f64, f64)> {
    pub(super) f: F,
    pub(super) calls: Vec<(bool, u32, u32)>,
}

impl<F: FnMut(&ModelConfigVariant, u32, usize) -> (f64, f64)> Scripted<F> {
    pub(super) fn new(f: F) -> Self {
        Scripted { f, calls: Vec::new() }
    }
}

impl<F: FnMut(&ModelConfigVariant, u32, usize) -> (f64, f64)> Measurer for Scripted<F> {
    fn measure(&mut self, v: &ModelConfigVariant, _bc: u32, c: u32) -> VariantMeasurement {
        let i = self.calls.len();
        self.calls.push((v.is_default, v.instance_count, c));
        let (tp, hw) = (self.f)(v, c, i);
        let mut x = m(tp, 10.0);
        x.throughput_ci = Some(Interval::new(tp - hw, tp + hw));
        x
    }
}

/// No batching, instances 1..=2, concurrency 1 only: the default (1
/// instance), `1 x` and `2 x` are measured once each, in that order.
fn pair_space() -> SearchSpace {
    let mut s = SearchSpace::new("t", default_variant(), false);
    s.search.bounds.max_instance_count = 2;
    s.load_levels = vec![1];
    s
}

/// The default and `2 x` at 1000 ± 50 (tied: the default first, fewer
/// instances); `1 x` far below. `two` gives `2 x`'s throughput per call.
fn pair_target(mut two: impl FnMut(usize) -> f64) -> impl FnMut(&ModelConfigVariant, u32, usize) -> (f64, f64) {
    let mut n = 0;
    move |v, _, _| {
        if v.is_default {
            (1000.0, 50.0)
        } else if v.instance_count == 2 {
            n += 1;
            (two(n - 1), 50.0)
        } else {
            (500.0, 50.0)
        }
    }
}

#[test]
fn a_tied_pair_is_remeasured_interleaved_and_ends_equivalent() {
    let mut t = Scripted::new(pair_target(|_| 1000.0));
    let mut events = Vec::new();
    let out = BruteSearch.run(&pair_space(), &mut t, &mut |e| events.push(e));
    let (d, two) = ((true, 1, 1), (false, 2, 1));
    assert_eq!(t.calls[..3], [d, (false, 1, 1), two]);
    // Snake order from the loaded config (`2 x`, measured last): B A | A B | B A, bounded by
    // REMEASURE_ROUNDS = 3 — three config switches instead of five.
    assert_eq!(t.calls[3..], [two, d, d, two, two, d], "B A A B B A");
    assert_eq!(out.remeasurements.len(), 1);
    let r = &out.remeasurements[0];
    assert_eq!((r.decision, r.rounds, &r.outcome), (TieDecision::FinalPick, REMEASURE_ROUNDS, &TieOutcome::Equivalent));
    assert_eq!(r.contenders.iter().map(|c| c.repeats.len()).collect::<Vec<_>>(), [4, 4]);
    // Still tied: the fewer instances rank first, and the tie is recorded.
    assert!(out.top[0].variant.is_default);
    assert_eq!(out.top[0].tied_with, vec![r.contenders[1].variant.key()]);
    // Each repeat and the end were reported.
    assert_eq!(events.iter().filter(|e| matches!(e, SearchEvent::Remeasured { .. })).count(), 6);
    assert!(events.iter().any(|e| matches!(e, SearchEvent::TieSettled(x) if x.outcome == TieOutcome::Equivalent)));
    // The measurement count of the search is unchanged; the pooled estimate replaced the point.
    assert_eq!(out.measurement_count(), 3);
}

#[test]
fn a_noisy_first_measurement_is_separated_by_remeasurement() {
    // `2 x` truly does 1200, but its first measurement read 1050: tied with the default's 1000 ± 50.
    let mut t = Scripted::new(pair_target(|i| if i == 0 { 1050.0 } else { 1200.0 }));
    let out = BruteSearch.run(&pair_space(), &mut t, &mut |_| {});
    let r = &out.remeasurements[0];
    let two = r.contenders[1].variant.key();
    assert_eq!(r.outcome, TieOutcome::Separated(two.clone()));
    // Pooled 1050, 1200, 1200, 1200 = 1162.5 ± 119 (Student t over 4 repeats): apart only after the third round.
    assert_eq!(r.rounds, 3);
    assert!((r.contenders[1].pooled.throughput - 1162.5).abs() < 1e-9);
    assert_eq!(out.top[0].variant.key(), two);
    assert!(out.top[0].tied_with.is_empty());
}

#[test]
fn the_round_bound_is_respected() {
    for rounds in [0, 1, 2] {
        let mut space = pair_space();
        space.remeasure_rounds = rounds;
        let mut t = Scripted::new(pair_target(|i| if i % 2 == 0 { 1000.0 } else { 1060.0 }));
        let out = BruteSearch.run(&space, &mut t, &mut |_| {});
        assert_eq!(t.calls.len(), 3 + 2 * rounds as usize, "{rounds} round(s)");
        if rounds == 0 {
            assert!(out.remeasurements.is_empty(), "re-measurement off");
        } else {
            assert_eq!((out.remeasurements[0].rounds, &out.remeasurements[0].outcome), (rounds, &TieOutcome::Equivalent));
        }
    }
}

#[test]
fn without_intervals_nothing_is_remeasured() {
    let mut sim = SimModel::new();
    let out = BruteSearch.run(&pair_space(), &mut sim, &mut |_| {});
    assert!(out.remeasurements.is_empty());
    assert_eq!(sim.calls.len(), 3);
}

#[test]
fn quick_search_remeasures_a_tied_improvement_before_climbing() {
    // Intervals wider than any difference: each "improvement" over the best is re-measured with it, interleaved.
    let mut sim = SimModel::new();
    let mut wide = |v: &ModelConfigVariant, c: u32, _: usize| {
        let x = sim.measure(v, 1, c);
        (x.throughput, 5.0 * x.throughput)
    };
    let mut t = Scripted::new(&mut wide);
    let out = QuickSearch.run(&realistic_space(), &mut t, &mut |_| {});
    let climbs: Vec<&Remeasurement> = out.remeasurements.iter().filter(|r| r.decision == TieDecision::Climb).collect();
    assert!(!climbs.is_empty());
    for r in &climbs {
        assert_eq!((r.rounds, &r.outcome, r.contenders.len()), (REMEASURE_ROUNDS, &TieOutcome::Equivalent, 2));
        // The best so far first, then the neighbour; each round measures both.
        assert_ne!(r.contenders[0].variant.key(), r.contenders[1].variant.key());
        assert!(r.contenders.iter().all(|c| c.repeats.len() > REMEASURE_ROUNDS as usize));
    }
    // Nothing separated: the climb stayed where it was, the fewest resources first.
    assert_eq!((out.top[0].variant.instance_count, out.top[0].variant.max_batch_size), (1, 1));
}

#[test]
fn pooling_covers_the_spread_between_repeats() {
    let pm = |x: f64| Some(Interval::new(x - 50.0, x + 50.0));
    // Identical repeats: never narrower than one run's interval.
    assert_eq!(pooled_interval(&[1000.0, 1000.0, 1000.0], &[pm(1000.0), pm(1000.0), pm(1000.0)]), Some(Interval::new(950.0, 1050.0)));
    // Repeats far apart: Student t over the repeats (t(1) = 12.706, s = 141.4).
    let i = pooled_interval(&[900.0, 1100.0], &[pm(900.0), pm(1100.0)]).unwrap();
    assert!((i.half_width() - 12.7062 * 100.0).abs() < 1e-6, "{i:?}");
    assert_eq!(pooled_interval(&[1.0, 2.0], &[pm(1.0), None]), None, "an interval missing: unknown");
    // Failed repeats are ignored; latencies and intervals are pooled too.
    let mut a = m(1000.0, 10.0);
    a.throughput_ci = pm(1000.0);
    let mut b = m(1200.0, 12.0);
    b.throughput_ci = pm(1200.0);
    let p = pool(&[a, VariantMeasurement::failure(1, "x"), b]).unwrap();
    assert_eq!((p.throughput, p.latency_p99_us), (1100.0, 11_000.0));
    assert!(p.throughput_ci.unwrap().half_width() > 1000.0);
    assert_eq!(p.latency_ci.p99, None);
    assert_eq!(pool(&[VariantMeasurement::failure(1, "x")]), None);
}

/// The default config alone, concurrency 1..=64 doubling (brute, early exit
/// on): `tp(c)` ± `hw`; returns the concurrencies of its baseline sweep.
fn baseline_sweep(tp: fn(u32) -> f64, hw: Option<f64>) -> Vec<u32> {
    let mut space = SearchSpace::new("t", default_variant(), false);
    space.search.bounds.max_concurrency = 64;
    space.search.bounds.max_instance_count = 1;
    let t = Scripted::new(move |_: &ModelConfigVariant, c, _| (tp(c), hw.unwrap_or(0.0)));
    let mut events = Vec::new();
    match hw {
        Some(_) => BruteSearch.run(&space, &mut { t }, &mut |e| events.push(e)),
        None => BruteSearch.run(&space, &mut NoIntervals(t), &mut |e| events.push(e)),
    };
    measured(&events, SearchPhase::Baseline).into_iter().map(|(_, _, c)| c).collect()
}

/// A [`Scripted`] target whose measurements carry no interval.
struct NoIntervals<M: Measurer>(M);

impl<M: Measurer> Measurer for NoIntervals<M> {
    fn measure(&mut self, v: &ModelConfigVariant, bc: u32, c: u32) -> VariantMeasurement {
        let mut x = self.0.measure(v, bc, c);
        x.throughput_ci = None;
        x
    }
}

/// +1 % per doubling: a gain of 3 % over a window of 4, below the 5 % minimum.
fn slow_gain(c: u32) -> f64 {
    1000.0 + 10.0 * f64::from(c.trailing_zeros())
}

/// +1.5 % per doubling: a gain of 4.5 % over a window of 4, just below the 5 % minimum.
fn near_gain(c: u32) -> f64 {
    1000.0 + 15.0 * f64::from(c.trailing_zeros())
}

#[test]
fn brute_early_exit_without_intervals_is_model_analyzers() {
    assert_eq!(baseline_sweep(slow_gain, None), [1, 2, 4, 8]);
    assert_eq!(baseline_sweep(near_gain, None), [1, 2, 4, 8]);
}

#[test]
fn brute_early_exit_does_not_stop_on_an_insignificant_shortfall() {
    // ± 10: a real gain (45 against ± 14), 1045 against 1.05 × 1000 = 1050 short within the noise: goes on.
    assert_eq!(baseline_sweep(near_gain, Some(10.0)), [1, 2, 4, 8, 16, 32, 64]);
}

#[test]
fn brute_early_exit_stops_on_a_significant_shortfall_or_a_plateau() {
    // ± 1: the gain is significantly below 5 %: stops where Model Analyzer does.
    assert_eq!(baseline_sweep(near_gain, Some(1.0)), [1, 2, 4, 8]);
    // ± 60: no significant gain at all (30 against ± 85) — a plateau as far as can be told: stops.
    assert_eq!(baseline_sweep(slow_gain, Some(60.0)), [1, 2, 4, 8]);
}

#[test]
fn the_gain_rules_with_intervals() {
    let p = |x: f64, hw: f64| (x, Some(Interval::new(x - hw, x + hw)));
    let n = |x: f64| (x, None);
    // Model Analyzer's rule without intervals, and whenever the gain is enough.
    assert!(!throughput_gain_valid_ci(&[n(100.0), n(101.0), n(102.0), n(104.0)], 4, 0.05));
    assert!(throughput_gain_valid_ci(&[p(100.0, 0.1), p(101.0, 0.1), p(102.0, 0.1), p(106.0, 0.1)], 4, 0.05));
    assert!(throughput_gain_valid_ci(&[p(100.0, 1.0), p(101.0, 1.0), p(102.0, 1.0), p(104.0, 1.0)], 4, 0.05), "a real gain, 1 short of 105 within ± 1.45");
    assert!(!throughput_gain_valid_ci(&[p(100.0, 0.5), p(101.0, 0.5), p(102.0, 0.5), p(104.0, 0.5)], 4, 0.05), "significantly short");
    assert!(!throughput_gain_valid_ci(&[p(100.0, 5.0), p(101.0, 5.0), p(102.0, 5.0), p(104.0, 5.0)], 4, 0.05), "no significant gain: a plateau");
    // max_batch_size walk: a plateau within the noise goes on; a significant drop stops.
    assert!(!last_increased_throughput_ci(&[n(1.0), n(3.0), n(2.5)]));
    assert!(last_increased_throughput_ci(&[p(100.0, 5.0), p(104.0, 5.0), p(101.0, 5.0)]));
    assert!(!last_increased_throughput_ci(&[p(100.0, 1.0), p(104.0, 1.0), p(101.0, 1.0)]));
    assert!(!last_increased_throughput_ci(&[p(100.0, 5.0), n(104.0), p(101.0, 5.0)]), "a pair without intervals: point values");
}

/// [`pair_space`] with the final pick confirmed (as every real run has it:
/// [`SearchSpace::from_plan`]).
fn confirm_space() -> SearchSpace {
    let mut s = pair_space();
    s.confirm_top = true;
    s
}

#[test]
fn a_clear_lead_is_confirmed_in_one_round() {
    // `2 x` leads the default by 20 % on its first measurement, ±2 %; repeats agree within 0.5 %.
    let mut n = 0;
    let mut t = Scripted::new(move |v: &ModelConfigVariant, _, _| {
        n += 1;
        let jitter = if n % 2 == 0 { 1.005 } else { 0.995 };
        match (v.is_default, v.instance_count) {
            (true, _) => (1000.0 * jitter, 20.0),
            (false, 2) => (1200.0 * jitter, 24.0),
            _ => (500.0, 10.0),
        }
    });
    let out = BruteSearch.run(&confirm_space(), &mut t, &mut |_| {});
    assert_eq!(t.calls.len(), 3 + 2, "one round: the top and the runner-up once each");
    let r = &out.remeasurements[0];
    let two = out.top[0].variant.key();
    assert_eq!((r.decision, r.rounds, &r.outcome), (TieDecision::ConfirmTop, 1, &TieOutcome::Separated(two.clone())));
    assert!(!out.top[0].variant.is_default && out.top[0].tied_with.is_empty(), "{:?}", out.top[0]);
    assert!(r.contenders[1].variant.is_default, "the runner-up is the default");
    // The search's own measurements are unchanged.
    assert_eq!(out.measurement_count(), 3);
}

#[test]
fn a_lead_that_does_not_survive_a_reload_is_not_published() {
    // The H200 case (torch_gpu, two back-to-back runs): each load of either config runs at
    // 1200 or 950 infer/s, ±2 % within the load, whichever it lands on; the search's first
    // measurements read the default 1200 and `2 x` 950 — a 26 % "win" separated by the
    // intervals, reversed by the next load.
    let mut loads = 0;
    let mut t = Scripted::new(move |v: &ModelConfigVariant, _, _| {
        if !v.is_default && v.instance_count == 1 {
            return (500.0, 10.0);
        }
        loads += 1;
        let fast = if v.is_default { loads % 2 == 1 } else { loads % 2 == 1 && loads > 2 };
        if fast { (1200.0, 24.0) } else { (950.0, 19.0) }
    });
    let out = BruteSearch.run(&confirm_space(), &mut t, &mut |_| {});
    let r = &out.remeasurements[0];
    assert_eq!(r.decision, TieDecision::ConfirmTop);
    assert_eq!(r.contenders[0].repeats[0].throughput, 1200.0, "the default led on its first measurement");
    assert_eq!(r.contenders[1].repeats[0].throughput, 950.0);
    assert_eq!((r.rounds, &r.outcome), (REMEASURE_ROUNDS, &TieOutcome::Equivalent), "{r:?}");
    // Published as a tie, not as a win of either.
    assert_eq!(out.top[0].tied_with.len(), 1, "{:?}", out.top[0]);
}

#[test]
fn the_lead_is_confirmed_only_with_intervals_and_when_asked() {
    // No intervals (perf_analyzer's rule): Model Analyzer's search, nothing re-measured.
    let mut sim = SimModel::new();
    let out = BruteSearch.run(&confirm_space(), &mut sim, &mut |_| {});
    assert!(out.remeasurements.is_empty());
    assert_eq!(sim.calls.len(), 3);
    // Off (SearchSpace::new's default; and re-measurement off turns it off too).
    let clear = |v: &ModelConfigVariant, _: u32, _: usize| if v.is_default { (1000.0, 20.0) } else if v.instance_count == 2 { (1200.0, 24.0) } else { (500.0, 10.0) };
    for space in [pair_space(), { let mut s = confirm_space(); s.remeasure_rounds = 0; s }] {
        let mut t = Scripted::new(clear);
        let out = BruteSearch.run(&space, &mut t, &mut |_| {});
        assert!(out.remeasurements.is_empty());
        assert_eq!(t.calls.len(), 3);
    }
}

#[test]
fn a_shared_spread_pools_the_contenders_repeats() {
    // Relative deviations ±0.99 % and ±1.01 %: s = 1.414 %, 2 degrees of freedom.
    let s = SharedSpread::of(&[vec![100.0, 102.0], vec![200.0, 196.0]]).unwrap();
    assert_eq!(s.df, 2);
    assert!((s.rel_sd - 0.014142).abs() < 1e-5, "{s:?}");
    assert_eq!(SharedSpread::of(&[vec![100.0], vec![200.0]]), None, "one repeat each: no spread");
    let pm = |x: f64| Some(Interval::new(x - 1.0, x + 1.0));
    // t(2) = 4.303: 4.303 · 0.014142 · 101 / √2 = 4.35 — wider than the within-run ±1.
    let i = pooled_interval_shared(&[100.0, 102.0], &[pm(100.0), pm(102.0)], s).unwrap();
    assert!((i.half_width() - 4.346).abs() < 0.01, "{i:?}");
    // Never narrower than one run's interval.
    let tiny = SharedSpread { rel_sd: 1e-6, df: 2 };
    assert_eq!(pooled_interval_shared(&[100.0, 100.0], &[pm(100.0), pm(100.0)], tiny), Some(Interval::new(99.0, 101.0)));
}
