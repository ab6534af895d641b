//! Issue 13, "measure only what can change the answer, load less": the
//! saturation stop of concurrency sweeps, the throughput-bound skip of
//! configs that cannot beat the incumbent, the final sweep starting with the
//! loaded config, and the load count — each against Model Analyzer's rule
//! where the measurements carry no intervals.

use std::collections::BTreeMap;

use tritium_bench::stats::Interval;

use super::*;
use crate::config::Objectives;
use crate::search::runner::Runner;

/// A model saturating at concurrency `sat`: throughput `cap · c / sat`
/// below it, then only 0.5 % more per doubling (the H200's 2088, 2109,
/// 2112); p99 flat at 5 ms up to `sat`, then growing with the queue. Every
/// variant behaves the same. Counts loads: a call for another variant than
/// the last one's.
struct Curve {
    cap: f64,
    sat: u32,
    with_ci: bool,
    loaded: Option<String>,
    loads: usize,
    points: Vec<(String, u32, u32)>,
}

impl Curve {
    fn new(with_ci: bool) -> Self {
        Curve { cap: 2100.0, sat: 16, with_ci, loaded: None, loads: 0, points: Vec::new() }
    }
}

impl Measurer for Curve {
    fn measure(&mut self, v: &ModelConfigVariant, b: u32, c: u32) -> VariantMeasurement {
        if self.loaded.as_deref() != Some(v.key().as_str()) {
            self.loads += 1;
            self.loaded = Some(v.key());
        }
        self.points.push((v.key(), b, c));
        let (c, sat) = (f64::from(c), f64::from(self.sat));
        let tp = if c <= sat { self.cap * c / sat } else { self.cap * (1.0 + 0.005 * (c / sat).log2()) };
        let p99_us = 5000.0 * (c / sat).max(1.0);
        let mut x = m(tp, p99_us / 1000.0);
        if self.with_ci {
            x.throughput_ci = Some(Interval::new(0.99 * tp, 1.01 * tp));
            x.latency_ci.p99 = Some(Interval::new(0.98 * p99_us, 1.02 * p99_us));
        }
        x
    }
}

fn curve_space() -> SearchSpace {
    let mut s = SearchSpace::new("curve", default_variant(), true);
    s.search.bounds.max_concurrency = 256;
    s
}

/// The concurrencies `parameter_search` measures on the curve, and its events.
fn final_sweep(with_ci: bool) -> (Vec<u32>, Vec<SearchEvent>) {
    let space = curve_space();
    let mut curve = Curve::new(with_ci);
    let mut events = Vec::new();
    {
        let mut on = |e: SearchEvent| events.push(e);
        let mut r = Runner::new(&space, &mut curve, &mut on);
        r.parameter_search(&space.default_variant, 1);
    }
    (curve.points.iter().map(|p| p.2).collect(), events)
}

fn early_exits(events: &[SearchEvent]) -> Vec<(SearchPhase, String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            SearchEvent::EarlyExit { phase, variant_key, reason } => Some((*phase, variant_key.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_final_sweep_stops_one_point_after_the_plateau() {
    // 16 -> 32: 2100 -> 2110.5 infer/s (±1 %: not significant), p99 5 -> 10 ms (significant).
    let (points, events) = final_sweep(true);
    assert_eq!(points, vec![1, 2, 4, 8, 16, 32], "64 and beyond cannot change the answer");
    let exits = early_exits(&events);
    assert_eq!(exits.len(), 1, "{exits:?}");
    assert!(exits[0].2.contains("stopped growing beyond its 95 % interval") && exits[0].2.contains("perf_latency_p99"), "{}", exits[0].2);
}

#[test]
fn without_intervals_the_final_sweep_keeps_model_analyzers_window() {
    // Model Analyzer: stop once the best of the last 4 points gains < 5 % over the first of them.
    let (points, events) = final_sweep(false);
    assert_eq!(points, vec![1, 2, 4, 8, 16, 32, 64, 128]);
    let exits = early_exits(&events);
    assert_eq!(exits.len(), 1);
    assert!(exits[0].2.contains("objective gain saturated"), "{}", exits[0].2);
}

#[test]
fn the_brute_sweep_stops_at_saturation_only_with_intervals() {
    let baseline = |with_ci: bool| {
        let mut space = curve_space();
        space.search.bounds.max_model_batch_size = 1;
        space.search.bounds.max_instance_count = 1;
        let mut curve = Curve::new(with_ci);
        let mut events = Vec::new();
        BruteSearch.run(&space, &mut curve, &mut |e| events.push(e));
        measured(&events, SearchPhase::Baseline).into_iter().map(|p| p.2).collect::<Vec<_>>()
    };
    assert_eq!(baseline(true), vec![1, 2, 4, 8, 16, 32]);
    // perf_analyzer's rule: 4 points within 5 % — 16, 32, 64, 128.
    assert_eq!(baseline(false), vec![1, 2, 4, 8, 16, 32, 64, 128]);
}

#[test]
fn saturation_needs_both_a_plateau_and_a_significant_latency_rise() {
    let o = Objectives::default();
    let point = |c: u32, tp: f64, tp_hw: f64, p99_ms: f64, p99_hw_ms: f64| {
        let mut x = m(tp, p99_ms);
        x.concurrency = c;
        x.throughput_ci = Some(Interval::new(tp - tp_hw, tp + tp_hw));
        x.latency_ci.p99 = Some(Interval::new((p99_ms - p99_hw_ms) * 1000.0, (p99_ms + p99_hw_ms) * 1000.0));
        x
    };
    let a = point(16, 2088.0, 20.0, 8.0, 0.2);
    assert!(saturated(&o, &a, &point(32, 2109.0, 20.0, 15.5, 0.3)).is_some(), "the H200's plateau");
    assert!(saturated(&o, &a, &point(32, 2300.0, 20.0, 15.5, 0.3)).is_none(), "throughput still grows significantly");
    assert!(saturated(&o, &a, &point(32, 2109.0, 20.0, 8.1, 0.2)).is_none(), "latency within its noise");
    assert!(saturated(&o, &a, &point(32, 2000.0, 20.0, 15.5, 0.3)).is_some(), "throughput falling counts as not growing");
    // No interval on either side: Model Analyzer's rule alone.
    assert!(saturated(&o, &m(2088.0, 8.0), &m(2109.0, 15.5)).is_none());
    // A latency objective is watched too: p99 flat, the average latency up.
    let o_avg = Objectives { weights: BTreeMap::from([("perf_throughput".to_string(), 1.0), ("perf_latency_avg".to_string(), 1.0)]) };
    let mut b = point(32, 2109.0, 20.0, 8.1, 0.2);
    let mut a2 = a.clone();
    a2.latency_avg_us = 6000.0;
    a2.latency_ci.avg = Some(Interval::new(5900.0, 6100.0));
    b.latency_avg_us = 12000.0;
    b.latency_ci.avg = Some(Interval::new(11800.0, 12200.0));
    assert!(saturated(&o, &a2, &b).is_none());
    assert!(saturated(&o_avg, &a2, &b).is_some_and(|w| w.contains("perf_latency_avg")));
}

fn skipped_configs(events: &[SearchEvent]) -> Vec<String> {
    let mut keys: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            SearchEvent::Skipped { variant_key, reason, .. } if reason.starts_with(BOUND_SKIP_REASON) => Some(variant_key.clone()),
            _ => None,
        })
        .collect();
    keys.dedup();
    keys
}

/// SimModel with intervals, its execution time hidden (no bound known).
struct NoStats(SimModel);

impl Measurer for NoStats {
    fn measure(&mut self, v: &ModelConfigVariant, b: u32, c: u32) -> VariantMeasurement {
        VariantMeasurement { best_execution_us: None, ..self.0.measure(v, b, c) }
    }
}

#[test]
fn brute_does_not_load_configs_whose_bound_cannot_beat_the_incumbent() {
    let space = realistic_space();
    let mut sim = SimModel::new();
    sim.with_ci = true;
    let (out, events) = run(&mut BruteSearch, &space, &mut sim);
    let mut blind = NoStats(SimModel::new());
    blind.0.with_ci = true;
    let mut blind_events = Vec::new();
    let full = BruteSearch.run(&space, &mut blind, &mut |e| blind_events.push(e));

    // The answer is the same, found with fewer loads and measurements.
    let key = |o: &SearchOutcome| (o.top[0].variant.key(), o.top[0].best.throughput);
    assert_eq!(key(&out), key(&full));
    assert_eq!((out.top[0].variant.instance_count, out.top[0].variant.max_batch_size), (3, 64));
    assert!(full.skipped_configs.is_empty() && skipped_configs(&blind_events).is_empty(), "no execution time seen: no bound");
    assert!(!out.skipped_configs.is_empty());
    eprintln!("brute with the bound: {} loads, {} measurements; without: {} loads, {} measurements", out.loads, out.measurement_count(), full.loads, full.measurement_count());
    assert!(out.loads < full.loads && out.measurement_count() < full.measurement_count(), "loads {} vs {}, measurements {} vs {}", out.loads, full.loads, out.measurement_count(), full.measurement_count());
    // Each config skipped in the walk: never measured, reported (event + measurer record); each
    // skipped in the final sweep (measured in the walk): not swept. Every bound (instances x max
    // batch / 5 ms; the default taken as 2 instances) really is below the best found.
    let skipped = skipped_configs(&events);
    let exits = early_exits(&events);
    for (v, reason) in &out.skipped_configs {
        assert!(reason.starts_with(BOUND_SKIP_REASON), "{reason}");
        let walked = sim.calls.iter().any(|(k, _)| *k == v.key());
        let phase = if walked { SearchPhase::ConcurrencySweep } else { SearchPhase::Brute };
        assert!(exits.iter().any(|(p, k, r)| *p == phase && *k == v.key() && r.contains(reason.as_str())), "{} {phase:?}", v.key());
        assert_eq!(skipped.contains(&v.key()), !walked);
        assert_eq!(sim.skips.iter().any(|(k, b, r)| *k == v.key() && *b == 1 && r == reason), !walked);
        if walked {
            assert!(!measured(&events, SearchPhase::ConcurrencySweep).iter().any(|p| p.0 == v.key()));
        }
        let instances = if v.is_default { v.instance_count.max(2) } else { v.instance_count };
        let bound = f64::from(instances * v.max_batch_size) * 200.0;
        assert!(bound < 0.99 * out.top[0].best.throughput, "{}: bound {bound}", v.key());
    }
    assert!(skipped.len() >= 10, "{skipped:?}");
}

#[test]
fn the_bound_skip_is_off_without_intervals_or_with_other_objectives() {
    // perf_analyzer's rule: no intervals, Model Analyzer's search exactly.
    let mut sim = SimModel::new();
    let (out, events) = run(&mut BruteSearch, &realistic_space(), &mut sim);
    assert!(out.skipped_configs.is_empty() && skipped_configs(&events).is_empty());
    let mut stats_no_ci = SimModel::new();
    let mut events = Vec::new();
    let out = BruteSearch.run(&realistic_space(), &mut WithStats(&mut stats_no_ci), &mut |e| events.push(e));
    assert!(out.skipped_configs.is_empty(), "an execution time alone, no incumbent interval: no skip");
    // A latency objective: a smaller config may win, so nothing is skipped.
    let mut space = realistic_space();
    space.objectives = Objectives { weights: BTreeMap::from([("perf_throughput".to_string(), 1.0), ("perf_latency_p99".to_string(), 1.0)]) };
    let mut sim = SimModel::new();
    sim.with_ci = true;
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    assert!(out.skipped_configs.is_empty());
}

/// SimModel without intervals but with its execution time.
struct WithStats<'a>(&'a mut SimModel);

impl Measurer for WithStats<'_> {
    fn measure(&mut self, v: &ModelConfigVariant, b: u32, c: u32) -> VariantMeasurement {
        let exec = self.0.exec_us;
        VariantMeasurement { best_execution_us: Some(exec), ..self.0.measure(v, b, c) }
    }
}

#[test]
fn quick_does_not_sweep_a_default_that_cannot_beat_the_best() {
    let space = realistic_space();
    let mut sim = SimModel::new();
    sim.with_ci = true;
    let (out, events) = run(&mut QuickSearch, &space, &mut sim);
    assert_eq!((out.top[0].variant.instance_count, out.top[0].variant.max_batch_size), (3, 64));
    // The default (1 instance, taken as at least 2, x max batch 8 / 5 ms = 3200 infer/s) cannot
    // beat 38400: its final sweep is skipped; its climb measurement still represents it.
    let swept: Vec<_> = measured(&events, SearchPhase::ConcurrencySweep);
    assert!(!swept.iter().any(|p| p.0 == "config_default"), "{swept:?}");
    assert!(early_exits(&events).iter().any(|(p, k, r)| *p == SearchPhase::ConcurrencySweep && k == "config_default" && r.contains(BOUND_SKIP_REASON)));
    assert!(out.default.is_some());
    assert!(out.skipped_configs.iter().any(|(v, _)| v.is_default));
    // Measured at its batch size already: nothing recorded as a skipped batch size.
    assert!(!sim.skips.iter().any(|(k, _, _)| k == "config_default"));
    // Without intervals the default is swept, as Model Analyzer does.
    let mut sim = SimModel::new();
    let (_, events) = run(&mut QuickSearch, &space, &mut sim);
    assert!(measured(&events, SearchPhase::ConcurrencySweep).iter().any(|p| p.0 == "config_default"));
}

/// Loads counted from the measurer's calls: a call for another variant than the last.
fn loads_of(calls: &[(String, u32)]) -> usize {
    let mut last: Option<&str> = None;
    let mut n = 0;
    for (k, _) in calls {
        if last != Some(k.as_str()) {
            n += 1;
            last = Some(k);
        }
    }
    n
}

#[test]
fn the_final_sweep_starts_with_the_loaded_config_and_loads_are_counted() {
    let space = realistic_space();
    let a = space.automatic_variant(8, 1);
    let b = space.automatic_variant(64, 3);
    let c = space.automatic_variant(16, 2);
    let mut sim = SimModel::new();
    let mut events = Vec::new();
    let loads;
    {
        let mut on = |e: SearchEvent| events.push(e);
        let mut r = Runner::new(&space, &mut sim, &mut on);
        r.phase(SearchPhase::Quick);
        for v in [&a, &b, &c] {
            let conc = 2 * v.max_batch_size * v.instance_count;
            r.measure(v, 1, conc.min(256));
        }
        assert_eq!(r.loads, 3);
        r.sweep_top_configs();
        loads = r.loads;
    }
    // c (ranked second) was loaded last: swept first, without a load.
    let sweep_start = events.iter().position(|e| *e == SearchEvent::PhaseStarted(SearchPhase::ConcurrencySweep)).unwrap_or(0);
    let first_swept = events[sweep_start..].iter().find_map(|e| match e {
        SearchEvent::Measured { variant, .. } => Some(variant.key()),
        SearchEvent::Loaded { variant_key, .. } => Some(format!("load of {variant_key}")),
        _ => None,
    });
    assert_eq!(first_swept, Some(c.key()));
    // Every key change of the measurer's calls is one load, and one Loaded event.
    assert_eq!(loads, loads_of(&sim.calls));
    let loaded_events = events.iter().filter(|e| matches!(e, SearchEvent::Loaded { .. })).count();
    assert_eq!(loaded_events, loads);
    // 3 configs + the default, each loaded once: the climb's 3, then the sweep's b, a, default.
    assert_eq!(loads, 3 + 3);
}

#[test]
fn the_climbs_point_is_reused_by_the_sweep_and_loads_are_reported() {
    let space = realistic_space();
    let mut sim = SimModel::new();
    let (out, events) = run(&mut QuickSearch, &space, &mut sim);
    // 3 x 64 was climbed at 2 * 64 * 3 = 384, clamped to 256: a power of two, reused by the sweep.
    let best = out.top[0].variant.key();
    assert!(events.iter().any(|e| matches!(e,
        SearchEvent::Measured { phase: SearchPhase::ConcurrencySweep, variant, measurement, cached: true, .. }
            if variant.key() == best && measurement.concurrency == 256)));
    assert_eq!(sim.points.iter().filter(|p| p.0 == best && p.2 == 256).count(), 1);
    assert_eq!(out.loads, loads_of(&sim.calls));
    assert_eq!(out.loads, events.iter().filter(|e| matches!(e, SearchEvent::Loaded { .. })).count());
}

#[test]
fn brute_measures_the_whole_grid_when_the_user_lists_the_concurrencies() {
    // concurrency given, early_exit_enable off: Model Analyzer's early exits are off, and so is the bound.
    let mut space = realistic_space();
    space.load_levels = vec![1, 16, 256];
    let mut sim = SimModel::new();
    sim.with_ci = true;
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    assert!(out.skipped_configs.is_empty());
    space.search.early_exit_enable = true;
    let mut sim = SimModel::new();
    sim.with_ci = true;
    let (out, _) = run(&mut BruteSearch, &space, &mut sim);
    assert!(!out.skipped_configs.is_empty(), "early_exit_enable: the bound applies");
}

/// The curve, also telling which incumbent floor it was told before each
/// measurement ([`Measurer::incumbent`]).
struct Told {
    curve: Curve,
    floors: Vec<Option<f64>>,
}

impl Measurer for Told {
    fn measure(&mut self, v: &ModelConfigVariant, b: u32, c: u32) -> VariantMeasurement {
        self.curve.measure(v, b, c)
    }
    fn incumbent(&mut self, floor: Option<f64>) {
        self.floors.push(floor);
    }
}

#[test]
fn a_final_sweep_starts_at_the_best_passing_point_with_intervals_only() {
    // The config was measured at concurrency 40 before its final sweep (as quick's
    // climb does at 2 · batch · instances): with intervals the sweep starts at 32
    // (lower concurrencies cannot raise throughput) and says so; without, it is
    // Model Analyzer's sweep from 1.
    for with_ci in [true, false] {
        let space = curve_space();
        let mut curve = Curve::new(with_ci);
        let mut events = Vec::new();
        {
            let mut on = |e: SearchEvent| events.push(e);
            let mut r = Runner::new(&space, &mut curve, &mut on);
            r.measure(&space.default_variant, 1, 40);
            r.parameter_search(&space.default_variant, 1);
        }
        let swept: Vec<u32> = curve.points.iter().skip(1).map(|p| p.2).collect();
        if with_ci {
            assert_eq!(swept.first(), Some(&32), "{swept:?}");
            assert!(swept.iter().all(|&c| c >= 32), "{swept:?}");
            let said = events.iter().any(|e| matches!(e, SearchEvent::Note(n) if n.contains("starts at 32") && n.contains("lower concurrencies cannot raise throughput")));
            assert!(said, "the start is announced: {events:?}");
        } else {
            assert_eq!(swept.first(), Some(&1), "{swept:?}");
        }
    }
}

#[test]
fn the_measurer_is_told_the_incumbents_floor_with_throughput_the_only_objective() {
    let space = curve_space();
    let mut told = Told { curve: Curve::new(true), floors: Vec::new() };
    {
        let mut on = |_e: SearchEvent| {};
        let mut r = Runner::new(&space, &mut told, &mut on);
        r.measure(&space.default_variant, 1, 16);
        r.measure(&space.default_variant, 1, 4);
    }
    // Nothing measured before the first point; then the first point's lower bound (0.99 × 2100).
    assert_eq!(told.floors.len(), 2);
    assert_eq!(told.floors[0], None);
    let floor = told.floors[1].expect("a floor once a passing point exists");
    assert!((floor - 0.99 * 2100.0).abs() < 1e-6, "{floor}");
    // A latency objective: no floor (a slow point may win on latency).
    let mut lat = curve_space();
    lat.objectives = Objectives { weights: BTreeMap::from([("perf_latency_p99".to_string(), 1.0)]) };
    let mut told = Told { curve: Curve::new(true), floors: Vec::new() };
    {
        let mut on = |_e: SearchEvent| {};
        let mut r = Runner::new(&lat, &mut told, &mut on);
        r.measure(&lat.default_variant, 1, 16);
        r.measure(&lat.default_variant, 1, 4);
    }
    assert_eq!(told.floors, vec![None, None]);
}
