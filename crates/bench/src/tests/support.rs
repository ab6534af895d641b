//! Helpers of the simulator tests: short windows, one shared resource
//! sampler, an observer that records what the engine told it.

use std::cell::RefCell;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::export::LoadPoint;
use crate::loadgen::LoadMode;
use crate::resources::Sampler;
use crate::sim::{self, Sim, SimConfig};
use crate::stats::WindowSample;
use crate::{BenchConfig, Measurement, MeasurementMode, Observer, StopRule};

/// Time windows of `interval_ms`, a 100 ms warm-up, the default 10 %
/// stability threshold, at most `max_trials` windows, under perf_analyzer's
/// rule (the tests written before the adaptive rule existed test that one).
pub(super) fn config(interval_ms: u64, max_trials: u32) -> BenchConfig {
    let mut c = BenchConfig::new("sim");
    c.measurement = Measurement { mode: MeasurementMode::TimeWindows, interval_ms, request_count: 50, stability_pct: 10.0, max_trials, percentile: None, warmup_ms: 100, rule: StopRule::PerfAnalyzer, ci_target_pct: 3.0 };
    c
}

/// [`config`] under the adaptive rule with a `ci_target_pct` target.
pub(super) fn adaptive(interval_ms: u64, max_trials: u32, ci_target_pct: f64) -> BenchConfig {
    let mut c = config(interval_ms, max_trials);
    c.measurement.rule = StopRule::Adaptive;
    c.measurement.ci_target_pct = ci_target_pct;
    c
}

/// What the engine told the observer.
#[derive(Default)]
pub(super) struct Recorder {
    /// Every window: index, sample, whether the point was stable after it.
    pub(super) windows: RefCell<Vec<(u32, WindowSample, bool)>>,
    pub(super) warnings: RefCell<Vec<String>>,
}

impl Observer for Recorder {
    fn window(&self, _label: &str, index: u32, sample: &WindowSample, stable: bool) {
        self.windows.borrow_mut().push((index, *sample, stable));
    }
    fn warn(&self, message: &str) {
        self.warnings.borrow_mut().push(message.to_string());
    }
}

impl Recorder {
    /// The window samples, in order.
    pub(super) fn samples(&self) -> Vec<WindowSample> {
        self.windows.borrow().iter().map(|(_, s, _)| *s).collect()
    }
}

fn sampler() -> &'static Sampler {
    static SAMPLER: OnceLock<Sampler> = OnceLock::new();
    SAMPLER.get_or_init(|| Sampler::start(Duration::from_millis(50)))
}

/// Measures `load` of `cfg` against a fresh simulator of `model`.
pub(super) fn measure(model: SimConfig, cfg: &BenchConfig, load: LoadMode) -> (LoadPoint, Recorder, Arc<Sim>) {
    let sim = Sim::start(model);
    let obs = Recorder::default();
    let p = sim::measure_point(&sim, cfg, load, sampler(), &AtomicBool::new(false), &obs).expect("the simulated measurement runs");
    (p, obs, sim)
}

/// `x` within `[lo, hi] × expected`, with a message naming what it is.
pub(super) fn within(what: &str, x: f64, expected: f64, lo: f64, hi: f64) {
    assert!(x >= lo * expected && x <= hi * expected, "{what}: {x:.1}, expected {:.1}..={:.1} (model: {expected:.1})", lo * expected, hi * expected);
}
