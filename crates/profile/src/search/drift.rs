//! Drift of the target during a long search (issue 12): a reference point —
//! the default config at its first measured concurrency — is re-measured
//! periodically and at the end; a later value significantly different from
//! the first means the target changed under the search (clocks, a
//! neighbour, a warming cache), and rankings across that span compare
//! different machines.

use std::time::Instant;

use tritium_bench::stats::Interval;

use super::runner::Runner;
use super::{significantly_different, ModelConfigVariant, SearchEvent, VariantMeasurement};

/// Default of [`DriftSettings::min_measurements`].
pub const DRIFT_MIN_MEASUREMENTS: usize = 20;
/// Default of [`DriftSettings::min_seconds`].
pub const DRIFT_MIN_SECONDS: f64 = 300.0;
/// Default of [`DriftSettings::every`].
pub const DRIFT_EVERY: usize = 10;

/// When the reference point is re-measured (a tritium extension; Model
/// Analyzer has no drift check).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftSettings {
    /// Re-measure a reference point at all (default on). Only measurements
    /// with a throughput interval take part: without intervals no drift can
    /// be told from noise and nothing is re-measured.
    pub enabled: bool,
    /// The search counts as long, and checks begin, after this many
    /// measurements ([`DRIFT_MIN_MEASUREMENTS`])…
    pub min_measurements: usize,
    /// …or this many seconds since it started ([`DRIFT_MIN_SECONDS`]; None:
    /// never by time — what deterministic tests use).
    pub min_seconds: Option<f64>,
    /// A check every this many measurements once long ([`DRIFT_EVERY`]),
    /// taken at the next switch to another config (so it costs one config
    /// load, not two), and one at the end.
    pub every: usize,
}

impl Default for DriftSettings {
    fn default() -> Self {
        DriftSettings { enabled: true, min_measurements: DRIFT_MIN_MEASUREMENTS, min_seconds: Some(DRIFT_MIN_SECONDS), every: DRIFT_EVERY }
    }
}

/// One measurement of the reference point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftPoint {
    /// Search measurements taken before it (0: the first).
    pub after_measurements: usize,
    /// Seconds since the search started.
    pub elapsed_seconds: f64,
    /// Throughput, infer/s.
    pub throughput: f64,
    /// Its 95 % interval.
    pub throughput_ci: Option<Interval>,
}

/// The reference point's throughput over the search.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftReport {
    /// The reference variant (the default config).
    pub variant: ModelConfigVariant,
    /// Its client batch size.
    pub batch_size: u32,
    /// Its concurrency.
    pub concurrency: u32,
    /// Every measurement of it, the first (the search's own) first.
    pub points: Vec<DriftPoint>,
    /// A later point differs significantly from the first.
    pub drifted: bool,
    /// The largest significant relative change from the first point
    /// (−0.18: 18 % slower); 0 when none.
    pub change: f64,
    /// The warning for the largest significant change, if any.
    pub warning: Option<String>,
}

/// "−18 %" / "+5 %".
fn signed_percent(change: f64) -> String {
    let pct = (change * 100.0).round();
    if pct < 0.0 {
        format!("\u{2212}{:.0} %", -pct)
    } else {
        format!("+{pct:.0} %")
    }
}

impl DriftReport {
    /// Adds a later reference measurement; returns the warning when it
    /// differs significantly from the first (see [`significantly_different`]).
    fn add(&mut self, p: DriftPoint) -> Option<String> {
        let first = self.points[0];
        self.points.push(p);
        if !significantly_different(first.throughput, first.throughput_ci, p.throughput, p.throughput_ci) || first.throughput <= 0.0 {
            return None;
        }
        let change = p.throughput / first.throughput - 1.0;
        let warning = format!(
            "reference point drifted {} ({:.0} \u{2192} {:.0} infer/s) during the profile: rankings across that span are unreliable",
            signed_percent(change),
            first.throughput,
            p.throughput
        );
        if !self.drifted || change.abs() > self.change.abs() {
            self.warning = Some(warning.clone());
            self.change = change;
        }
        self.drifted = true;
        Some(warning)
    }
}

/// The drift bookkeeping of a [`Runner`].
#[derive(Debug)]
pub(super) struct DriftState {
    pub(super) started: Instant,
    pub(super) report: Option<DriftReport>,
    pub(super) since_reference: usize,
}

impl DriftState {
    pub(super) fn new() -> Self {
        DriftState { started: Instant::now(), report: None, since_reference: 0 }
    }
}

impl Runner<'_> {
    fn drift_point(&self, m: &VariantMeasurement) -> DriftPoint {
        DriftPoint { after_measurements: self.calls, elapsed_seconds: self.drift.started.elapsed().as_secs_f64(), throughput: m.throughput, throughput_ci: m.throughput_ci }
    }

    /// After a search measurement: the first valid one of the default config
    /// with a throughput interval becomes the reference.
    pub(super) fn drift_after(&mut self, variant: &ModelConfigVariant, m: &VariantMeasurement) {
        if self.drift.report.is_some() {
            self.drift.since_reference += 1;
        } else if self.space.drift.enabled && variant.is_default && m.is_valid() && m.throughput_ci.is_some() {
            let first = self.drift_point(m);
            self.drift.report = Some(DriftReport { variant: variant.clone(), batch_size: m.batch_size, concurrency: m.concurrency, points: vec![first], drifted: false, change: 0.0, warning: None });
        }
    }

    fn drift_long(&self) -> bool {
        let s = &self.space.drift;
        self.calls >= s.min_measurements || s.min_seconds.is_some_and(|t| self.drift.started.elapsed().as_secs_f64() >= t)
    }

    /// Before measuring `key`: re-measure the reference when a check is due
    /// and the search is about to switch configs anyway.
    pub(super) fn drift_before(&mut self, key: &str) {
        let due = self.drift.report.is_some() && self.drift.since_reference >= self.space.drift.every.max(1) && self.drift_long();
        if due && self.last_key.as_deref() != Some(key) {
            self.check_drift();
        }
    }

    /// At the end of a long search: a last check, unless one was just taken.
    pub(super) fn drift_final(&mut self) {
        if self.drift.report.is_some() && self.drift.since_reference > 0 && self.drift_long() {
            self.check_drift();
        }
    }

    /// Re-measures the reference point (bypassing every cache), records the
    /// point and reports it, with a warning when it drifted.
    fn check_drift(&mut self) {
        let Some(r) = &self.drift.report else { return };
        let (v, b, c) = (r.variant.clone(), r.batch_size, r.concurrency);
        self.drift.since_reference = 0;
        let Some(m) = self.take_uncounted(&v, b, c) else { return };
        if let Some(why) = &m.failed {
            self.note(format!("drift check: re-measuring the reference point failed: {why}"));
            return;
        }
        let p = self.drift_point(&m);
        let Some(r) = self.drift.report.as_mut() else { return };
        let first = r.points[0];
        let warning = r.add(p);
        (self.on_event)(SearchEvent::DriftChecked { phase: self.phase, variant_key: v.key(), first, point: p, warning });
    }
}
