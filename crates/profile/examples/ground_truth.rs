//! Ground-truth benchmark of the config search (issue 12 item 6), on the
//! deterministic simulator: R seeded repetitions of the quick and brute
//! searches over a model whose capacity per config is known analytically,
//! scored for how often the pick is the true best or declares it tied, for
//! the tie-aware ranking (the library's anchored rule: the tie set is the
//! configs statistically tied with the point-estimate leader, the pick the
//! tie-breaks' choice within it; see `tritium_profile::search::anchored_order`)
//! and for "today's rule" (the argmax of the point estimates, computed from
//! the same measurements).
//!
//! The simulated model is `tests/models/noisy_service` at a tenth of its time
//! scale: an execution of a batch of b takes `(0.1 ms + 0.4 ms·b)` times a
//! mean-one log-normal factor (σ 0.2), so k instances at max batch B complete
//! at most `k·B / (0.1 + 0.4·B)` requests/ms. Search space: instances 1–3,
//! max batch 1–8, concurrency 1–64, client batch 1, objective throughput.
//! True best 3×8 (7273/s); 3×4 is 2.9 % below it (a true tie); the next,
//! 3×2, is 8.3 % below.
//!
//! ```sh
//! cargo run --release -p tritium-profile --example ground_truth            # R = 20 per strategy
//! GT_RUNS=50 GT_MODES=quick GT_WINDOW_MS=100 cargo run --release -p tritium-profile --example ground_truth
//! ```
//! Environment: `GT_RUNS` (repetitions per strategy, 20), `GT_MODES`
//! (`quick,brute`), `GT_WINDOW_MS` (measurement window, 100), `GT_SIGMA`
//! (0.2), `GT_RULE` (`adaptive` or `perf_analyzer`, the stop rule; adaptive), `GT_SEED` (first seed, 1), `GT_TIE_PCT` (the analytic tie band, 5:
//! configs within 5 % of the best capacity are true ties).
//! Runs in real time (the simulator completes requests on the wall clock):
//! about 10 s per quick and 30 s per brute search on an idle machine.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde_json::json;
use tritium_bench::loadgen::LoadMode;
use tritium_bench::resources::Sampler;
use tritium_bench::sim::{self, ServiceTime, Sim, SimConfig};
use tritium_bench::stats::LatencyIntervals;
use tritium_bench::{BenchConfig, Measurement, MeasurementMode, Quiet, StopRule, DEFAULT_CI_TARGET_PCT};
use tritium_profile::results::to_measurement;
use tritium_profile::search::{top_configs, BruteSearch, Measurer, ModelConfigVariant, QuickSearch, SearchSpace, SearchStrategy, VariantMeasurement};

const BASE_MS: f64 = 0.1;
const PER_ITEM_MS: f64 = 0.4;
const MAX_INSTANCES: u32 = 3;
const MAX_BATCH: u32 = 8;

/// Requests per second k instances at max batch b complete at most.
fn capacity(k: u32, b: u32) -> f64 {
    1000.0 * f64::from(k) * f64::from(b) / (BASE_MS + PER_ITEM_MS * f64::from(b))
}

fn env<T: std::str::FromStr>(key: &str, default: T) -> T {
    match std::env::var(key) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{key}={v}: not a valid value")),
        Err(_) => default,
    }
}

/// Measures each (variant, concurrency) on a fresh simulator of the variant,
/// seeded from the repetition's seed and the point.
struct SimMeasurer {
    sampler: Sampler,
    bench: BenchConfig,
    sigma: f64,
    seed: u64,
}

impl Measurer for SimMeasurer {
    fn measure(&mut self, v: &ModelConfigVariant, batch_size: u32, concurrency: u32) -> VariantMeasurement {
        let (k, b) = (v.instance_count.max(1), v.max_batch_size.max(1));
        let service = ServiceTime::Affine { base: Duration::from_secs_f64(BASE_MS / 1e3), per_item: Duration::from_secs_f64(PER_ITEM_MS / 1e3), sigma: self.sigma };
        let seed = self.seed.wrapping_mul(1_000_003) ^ (u64::from(k) << 40) ^ (u64::from(b) << 20) ^ u64::from(concurrency);
        let target = Sim::start(SimConfig { service, instances: k as usize, max_batch: b as usize, queue_delay: Duration::ZERO, failures: Vec::new(), seed });
        let mut cfg = self.bench.clone();
        cfg.batch_size = batch_size;
        match sim::measure_point(&target, &cfg, LoadMode::Concurrency(concurrency), &self.sampler, &AtomicBool::new(false), &Quiet) {
            Ok(p) => to_measurement(&v.key(), concurrency, &p),
            Err(e) => VariantMeasurement::failure(concurrency, e.to_string()),
        }
    }
}

/// One strategy's tally over the repetitions.
#[derive(Default)]
struct Tally {
    runs: usize,
    aware_best: usize,
    aware_declared: usize,
    aware_in_band: usize,
    argmax_best: usize,
    argmax_in_band: usize,
    measurements: usize,
    seconds: f64,
    tie_set: usize,
    aware_loss: f64,
    argmax_loss: f64,
}

/// Wilson 95 % interval of a proportion, in percent.
fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 100.0);
    }
    let (k, n, z) = (k as f64, n as f64, 1.959_963_984_540_054);
    let p = k / n;
    let c = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let h = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (100.0 * (c - h).max(0.0), 100.0 * (c + h).min(1.0))
}

fn rate(k: usize, n: usize) -> String {
    let (lo, hi) = wilson(k, n);
    format!("{k}/{n} = {:.0} % [{lo:.0}, {hi:.0}]", 100.0 * k as f64 / n.max(1) as f64)
}

fn main() {
    let runs: usize = env("GT_RUNS", 20);
    let window_ms: u64 = env("GT_WINDOW_MS", 100);
    let sigma: f64 = env("GT_SIGMA", 0.2);
    let first_seed: u64 = env("GT_SEED", 1);
    let tie_pct: f64 = env("GT_TIE_PCT", 5.0);
    let modes: String = env("GT_MODES", "quick,brute".to_string());

    let best_cap = capacity(MAX_INSTANCES, MAX_BATCH);
    let in_band = |k: u32, b: u32| capacity(k, b) >= best_cap * (1.0 - tie_pct / 100.0);
    let band: Vec<String> = (1..=MAX_INSTANCES).flat_map(|k| (0..=3).map(move |e| (k, 1u32 << e))).filter(|&(k, b)| in_band(k, b)).map(|(k, b)| format!("{k}×{b} ({:.0}/s)", capacity(k, b))).collect();
    println!("ground truth: capacity(k, B) = 1000·k·B / ({BASE_MS} + {PER_ITEM_MS}·B) /s, σ {sigma}; true best 3×8 ({best_cap:.0}/s); within {tie_pct} %: {}", band.join(", "));
    println!("{runs} repetitions per strategy, {window_ms} ms windows, seeds {first_seed}..");

    // GT_RULE: the stop rule of every measurement (adaptive: tritium's default; perf_analyzer: 3 stable windows).
    let rule = match env("GT_RULE", "adaptive".to_string()).as_str() {
        "perf_analyzer" | "perf-analyzer" => StopRule::PerfAnalyzer,
        _ => StopRule::Adaptive,
    };
    let max_trials = if rule == StopRule::Adaptive { 20 } else { 10 };
    println!("stop rule {rule:?} (GT_RULE), at most {max_trials} windows");
    let mut bench = BenchConfig::new("noisy_service");
    bench.measurement = Measurement { mode: MeasurementMode::TimeWindows, interval_ms: window_ms, request_count: 50, stability_pct: 10.0, max_trials, percentile: None, warmup_ms: 30, rule, ci_target_pct: DEFAULT_CI_TARGET_PCT };
    let default = ModelConfigVariant::default_from_config(&json!({"max_batch_size": 8, "instance_group": [{"count": 1, "kind": "KIND_CPU"}], "dynamic_batching": {}}), "KIND_CPU");
    let mut space = SearchSpace::new("noisy_service", default, true);
    space.search.bounds.min_instance_count = 1;
    space.search.bounds.max_instance_count = MAX_INSTANCES;
    space.search.bounds.min_model_batch_size = 1;
    space.search.bounds.max_model_batch_size = MAX_BATCH;
    space.search.bounds.max_concurrency = 64;

    let mut report = Vec::new();
    for mode in modes.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let mut t = Tally::default();
        for r in 0..runs {
            let seed = first_seed + r as u64;
            let mut m = SimMeasurer { sampler: Sampler::start(Duration::from_millis(50)), bench: bench.clone(), sigma, seed };
            let t0 = Instant::now();
            let out = match mode {
                "quick" => QuickSearch.run(&space, &mut m, &mut |_| {}),
                "brute" => BruteSearch.run(&space, &mut m, &mut |_| {}),
                other => panic!("GT_MODES: unknown strategy {other} (quick, brute)"),
            };
            t.seconds += t0.elapsed().as_secs_f64();
            t.measurements += out.measurement_count();
            let Some(pick) = out.top.first() else { panic!("seed {seed}: {mode} search ranked nothing") };
            let coords = |key: &str| out.measurements.iter().find(|(v, _)| v.key() == key).map(|(v, _)| (v.instance_count.max(1), v.max_batch_size.max(1)));
            let is_best = |c: Option<(u32, u32)>| c == Some((MAX_INSTANCES, MAX_BATCH));
            let pc = (pick.variant.instance_count.max(1), pick.variant.max_batch_size.max(1));
            let declared = is_best(Some(pc)) || pick.tied_with.iter().any(|k| is_best(coords(k)));
            // Today's rule: the same measurements without their intervals (Model Analyzer's ranking: argmax).
            let bare: Vec<(ModelConfigVariant, VariantMeasurement)> = out.measurements.iter().map(|(v, x)| (v.clone(), VariantMeasurement { throughput_ci: None, latency_ci: LatencyIntervals::default(), ..x.clone() })).collect();
            let argmax = top_configs(&bare, &space.constraints, &space.objectives, 1);
            let ac = argmax.first().map(|a| (a.variant.instance_count.max(1), a.variant.max_batch_size.max(1))).unwrap_or((0, 0));
            t.runs += 1;
            t.aware_best += usize::from(is_best(Some(pc)));
            t.aware_declared += usize::from(declared);
            t.aware_in_band += usize::from(in_band(pc.0, pc.1));
            t.argmax_best += usize::from(is_best(Some(ac)));
            t.argmax_in_band += usize::from(ac.0 > 0 && in_band(ac.0, ac.1));
            t.tie_set += 1 + pick.tied_with.len();
            t.aware_loss += 1.0 - capacity(pc.0, pc.1) / best_cap;
            t.argmax_loss += if ac.0 > 0 { 1.0 - capacity(ac.0, ac.1) / best_cap } else { 1.0 };
            eprintln!(
                "{mode} seed {seed}: tie-aware pick {}×{} tied with [{}]{}, argmax {}×{}; {} measurements, {:.1} s",
                pc.0,
                pc.1,
                pick.tied_with.iter().map(|k| coords(k).map(|(a, b)| format!("{a}×{b}")).unwrap_or_else(|| k.clone())).collect::<Vec<_>>().join(", "),
                if declared { "" } else { " — MISS" },
                ac.0,
                ac.1,
                out.measurement_count(),
                t0.elapsed().as_secs_f64()
            );
        }
        let n = t.runs;
        println!("\n{mode} search, R = {n}:");
        println!("  tie-aware: pick is the true best or declares it tied: {}", rate(t.aware_declared, n));
        println!("  tie-aware: pick within {tie_pct} % of the best capacity:   {}", rate(t.aware_in_band, n));
        println!("  tie-aware: pick is the true best (3×8):             {}", rate(t.aware_best, n));
        println!("  argmax:    pick is the true best (3×8):             {}", rate(t.argmax_best, n));
        println!("  argmax:    pick within {tie_pct} % of the best capacity:   {}", rate(t.argmax_in_band, n));
        println!("  declared tie set: {:.2} configs on average; capacity lost by the pick: tie-aware {:.2} %, argmax {:.2} %", t.tie_set as f64 / n as f64, 100.0 * t.aware_loss / n as f64, 100.0 * t.argmax_loss / n as f64);
        println!("  per search: {:.1} measurements, {:.1} s", t.measurements as f64 / n as f64, t.seconds / n as f64);
        report.push(json!({"mode": mode, "runs": n, "aware_declared": t.aware_declared, "aware_in_band": t.aware_in_band, "aware_best": t.aware_best, "argmax_best": t.argmax_best, "argmax_in_band": t.argmax_in_band,
            "mean_tie_set": t.tie_set as f64 / n as f64, "mean_measurements": t.measurements as f64 / n as f64, "mean_seconds": t.seconds / n as f64}));
    }
    println!("\n{}", json!({"window_ms": window_ms, "sigma": sigma, "tie_pct": tie_pct, "first_seed": first_seed, "strategies": report}));
}
