//! Request-rate searches (issue 14) against Model Analyzer's rules: the
//! levels walked are the doubled list from `run_config_search_min_request_rate`
//! to `_max_` (16..8192 by default) with the plateau early exit, or the
//! explicit levels as given; the final sweep walks powers of two between
//! the rate bounds; messages call the levels request rates.

use std::path::Path;

use super::*;
use crate::config::{LoadKind, ProfileConfig};
use crate::plan::ModelPlan;

/// An open-loop model: each instance completes 400 requests/s; below that
/// the throughput is the offered rate and p99 one execution (2.5 ms), above
/// it the throughput is the capacity and the queue grows with the excess.
struct OpenLoopSim {
    points: Vec<(String, u32)>,
}

impl Measurer for OpenLoopSim {
    fn measure(&mut self, v: &ModelConfigVariant, bc: u32, rate: u32) -> VariantMeasurement {
        self.points.push((v.key(), rate));
        let capacity = 400.0 * f64::from(v.instance_count.max(1));
        let offered = f64::from(rate);
        let throughput = offered.min(capacity) * f64::from(bc.max(1));
        let p99_ms = if offered <= capacity { 2.5 } else { 2.5 + 100.0 * (offered / capacity - 1.0) };
        let mut x = m(throughput, p99_ms);
        x.batch_size = bc;
        x
    }
}

fn run_open(strategy: &mut dyn SearchStrategy, space: &SearchSpace, sim: &mut OpenLoopSim) -> (SearchOutcome, Vec<SearchEvent>) {
    let mut events = Vec::new();
    let out = strategy.run(space, sim, &mut |e| events.push(e));
    (out, events)
}

fn rate_space() -> SearchSpace {
    let mut s = SearchSpace::new("sim", default_variant(), true);
    s.load = LoadKind::RequestRate { distribution: tritium_bench::loadgen::Distribution::Constant };
    s.search.bounds.max_model_batch_size = 1;
    s.search.bounds.max_instance_count = 1;
    s
}

fn reasons(events: &[SearchEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            SearchEvent::EarlyExit { reason, .. } => Some(reason.clone()),
            SearchEvent::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn brute_walks_the_doubled_rate_list_from_16_and_exits_on_the_plateau() {
    let space = rate_space();
    assert_eq!(space.level_bounds(), (16, 8192), "Model Analyzer's defaults");
    let mut sim = OpenLoopSim { points: Vec::new() };
    let (_, events) = run_open(&mut BruteSearch, &space, &mut sim);
    let default_levels: Vec<u32> = measured(&events, SearchPhase::Baseline).into_iter().map(|p| p.2).collect();
    // 16..256 grow with the offered rate; 512 reaches the 400/s capacity; from there the
    // 4-point window (256, 512, 1024, 2048) gains 400/256 - 1 > 5 %, (512 .. 4096) does not.
    assert_eq!(default_levels, vec![16, 32, 64, 128, 256, 512, 1024, 2048, 4096]);
    let all = reasons(&events);
    assert!(all.iter().any(|r| r.contains("no longer increasing request rate")), "{all:?}");
    assert!(all.iter().all(|r| !r.contains("concurrenc")), "a rate is never called a concurrency: {all:?}");
}

#[test]
fn the_final_sweep_walks_powers_of_two_between_the_rate_bounds() {
    let mut space = rate_space();
    space.search.bounds.min_request_rate = 100;
    space.search.bounds.max_request_rate = 800;
    let mut sim = OpenLoopSim { points: Vec::new() };
    let (_, events) = run_open(&mut BruteSearch, &space, &mut sim);
    let brute: Vec<u32> = measured(&events, SearchPhase::Baseline).into_iter().map(|p| p.2).collect();
    assert_eq!(brute, vec![100, 200, 400, 800], "doubled from the minimum");
    // ParameterSearch: 2^floor(log2 100) = 64 .. 2^floor(log2 800) = 512, points not yet measured.
    assert!(sim.points.iter().all(|(_, r)| [100, 200, 400, 800, 64, 128, 256, 512].contains(r)), "{:?}", sim.points);
    assert!(sim.points.iter().any(|(_, r)| *r == 512), "{:?}", sim.points);
}

#[test]
fn explicit_rates_are_measured_as_given_without_a_final_sweep() {
    let mut space = rate_space();
    space.load_levels = vec![30, 10, 20];
    let mut sim = OpenLoopSim { points: Vec::new() };
    let (_, events) = run_open(&mut BruteSearch, &space, &mut sim);
    let levels: Vec<u32> = measured(&events, SearchPhase::Baseline).into_iter().map(|p| p.2).collect();
    assert_eq!(levels, vec![10, 20, 30], "sorted, as Model Analyzer's sorted(request_rate)");
    assert!(measured(&events, SearchPhase::ConcurrencySweep).is_empty());
}

#[test]
fn quick_search_climbs_at_rates_clamped_to_the_rate_bounds() {
    let mut space = rate_space();
    space.search.bounds.max_model_batch_size = 8;
    space.search.bounds.max_instance_count = 2;
    space.search.concurrency_sweep_disable = true;
    let mut sim = OpenLoopSim { points: Vec::new() };
    let _ = run_open(&mut QuickSearch, &space, &mut sim);
    assert!(!sim.points.is_empty());
    // 2 x max_batch_size x instances is at most 32 here; the minimum rate is 16.
    assert!(sim.points.iter().all(|(_, r)| (16..=32).contains(r)), "{:?}", sim.points);
}

#[test]
fn the_plan_sets_the_load_kind_and_levels_of_the_space() {
    let load = |yaml: &str| {
        let cfg = ProfileConfig::from_yaml_str(&format!("model_repository: /m\nprofile_models: [a]\n{yaml}"), Path::new("c.yaml")).unwrap();
        let s = SearchSpace::from_plan(&ModelPlan::resolve(&cfg, &cfg.profile_models[0]), default_variant(), true, true, false);
        (s.load.is_rate(), s.load_levels.clone(), s.level_bounds())
    };
    assert_eq!(load(""), (false, vec![], (1, 1024)));
    assert_eq!(load("request_rate_search_enable: true\n"), (true, vec![], (16, 8192)));
    assert_eq!(load("run_config_search_max_request_rate: 64\n"), (true, vec![], (16, 64)));
    assert_eq!(load("perf_analyzer_flags: {request-rate-range: \"10:30:10\"}\n"), (true, vec![10, 20, 30], (16, 8192)));
    assert_eq!(load("perf_analyzer_flags: {concurrency-range: \"2:6:2\"}\n"), (false, vec![2, 4, 6], (1, 1024)));
    assert_eq!(load("run_config_search_disable: true\nrequest_rate_search_enable: true\n"), (true, vec![1], (16, 8192)), "search disabled: [1]");
}
