//! Constraints and objectives on measurements (Model Analyzer's
//! `ConstraintManager` and weighted comparison).

use crate::config::{Constraints, Metric, Objectives};

use tritium_bench::stats::Interval;

use super::{VariantMeasurement, COMPARISON_SCORE_THRESHOLD};

/// False when `constraint` (a constraint name such as `gpu_used_memory`)
/// cannot be evaluated on `m` because the metric was not measured; such a
/// constraint is not applied (as in Model Analyzer, where the metric record
/// is absent) and the caller should say so.
pub fn constraint_applicable(constraint: &str, m: &VariantMeasurement) -> bool {
    Metric::from_name(constraint).is_some_and(|metric| m.metric(metric).is_some())
}

/// The set constraints that could not be applied to `m` (see
/// [`constraint_applicable`]); empty for a failed measurement.
pub fn unapplied_constraints(c: &Constraints, m: &VariantMeasurement) -> Vec<&'static str> {
    if !m.is_valid() {
        return Vec::new();
    }
    c.iter()
        .filter(|(name, _)| !constraint_applicable(name, m))
        .map(|(n, _)| n)
        .collect()
}

/// Model Analyzer's `ConstraintManager._get_failure_percentage` summed over
/// the constraints (`constraint_failure_percentage`), in percent: 0 when
/// every applicable constraint holds.
pub fn constraint_failure_percentage(c: &Constraints, m: &VariantMeasurement) -> f64 {
    let mut total = 0.0;
    for (name, bound) in c.iter() {
        let Some(value) = Metric::from_name(name).and_then(|metric| m.metric(metric)) else {
            continue;
        };
        let mut failure = 0.0;
        if let Some(min) = bound.min {
            if value < min && min != 0.0 {
                failure = (min - value) / min;
            }
        }
        if let Some(max) = bound.max {
            if value > max {
                failure = if max != 0.0 {
                    (value - max) / max
                } else {
                    f64::INFINITY
                };
            }
        }
        total += failure;
    }
    total * 100.0
}

/// True when `m` did not fail and satisfies every applicable constraint
/// (`ConstraintManager.satisfies_constraints`).
pub fn passes_constraints(c: &Constraints, m: &VariantMeasurement) -> bool {
    m.is_valid() && constraint_failure_percentage(c, m) <= 0.0
}

/// Model Analyzer's weighted comparison of two measurements
/// (`ModelConfigMeasurement._calculate_weighted_score`): the sum over the
/// objectives of `weight * gain / mean(a, b)`, with weights normalised to sum
/// to 1 (`set_metric_weighting`) and `gain = a - b` for throughput,
/// `b - a` for latency and memory (`DecreasingRecord.__sub__`). Positive when
/// `a` is better. As in Model Analyzer, a metric measured on one side only
/// decides at once (`1.0` / `-1.0`). Deviation: a metric missing on both
/// sides is skipped (Model Analyzer returns 0 for the whole comparison), and
/// a zero mean contributes nothing (Model Analyzer divides by zero).
pub fn objective_score(objectives: &Objectives, a: &VariantMeasurement, b: &VariantMeasurement) -> f64 {
    let mut score = 0.0;
    for (metric, weight) in objectives.normalized() {
        match (a.metric(metric), b.metric(metric)) {
            (Some(_), None) => return 1.0,
            (None, Some(_)) => return -1.0,
            (None, None) => continue,
            (Some(x), Some(y)) => {
                let diff = if metric.higher_is_better() {
                    x - y
                } else {
                    y - x
                };
                let mean = (x + y) / 2.0;
                if mean != 0.0 {
                    score += weight * diff / mean;
                }
            }
        }
    }
    score
}

/// `RunConfigMeasurement.is_better_than`: the weighted score exceeds
/// [`COMPARISON_SCORE_THRESHOLD`].
pub fn is_better_than(objectives: &Objectives, a: &VariantMeasurement, b: &VariantMeasurement) -> bool {
    objective_score(objectives, a, b) > COMPARISON_SCORE_THRESHOLD
}

/// `RunConfigMeasurement.compare_measurements(self=home, other)`: positive
/// when `other` is better than `home`.
pub fn compare_measurements(
    objectives: &Objectives,
    home: &VariantMeasurement,
    other: &VariantMeasurement,
) -> f64 {
    -objective_score(objectives, home, other)
}

/// `RunConfigMeasurement.compare_constraints(self=a, other=b)`: None when
/// either passes; otherwise positive when `b` is closer to passing.
pub fn compare_constraints(c: &Constraints, a: &VariantMeasurement, b: &VariantMeasurement) -> Option<f64> {
    if passes_constraints(c, a) || passes_constraints(c, b) {
        return None;
    }
    Some((constraint_failure_percentage(c, a) - constraint_failure_percentage(c, b)) / 100.0)
}

// ---------------------------------------------------------------------------
// Tie-aware comparison (issue 12, item 4)
// ---------------------------------------------------------------------------

/// What a config costs, for breaking statistical ties; None: unknown (then
/// that criterion is skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resources {
    /// Model instances (all instance groups).
    pub instances: Option<u32>,
    /// `max_batch_size`.
    pub max_batch_size: Option<u32>,
}

impl Resources {
    /// The resources of a searched variant.
    pub fn of(v: &super::ModelConfigVariant) -> Resources {
        Resources { instances: Some(v.instance_count), max_batch_size: Some(v.max_batch_size) }
    }
}

/// The ranking's decision between two measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The first ranks before the second.
    Better,
    /// The second ranks before the first.
    Worse,
    /// Neither: the order they came in is kept.
    Equivalent,
}

/// [`compare`]'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// Which ranks first.
    pub verdict: Verdict,
    /// The two are statistically tied on the objectives (see [`compare`]):
    /// `verdict` then comes from the tie-breaks, not from the objective score.
    pub tied: bool,
}

/// Relative difference below which two GPU memory figures without intervals
/// count as equal when breaking a tie (NVML's figure moves by a few MB
/// between samples).
pub const MEMORY_TIE_TOLERANCE: f64 = 0.01;

/// The half-widths of `x`'s and `y`'s intervals on the sides that face each
/// other (for `x >= y`: `x`'s lower half and `y`'s upper half), so that an
/// asymmetric interval (a percentile's order-statistic bound) is used on the
/// side that matters. A missing interval counts as 0 (known exactly).
fn facing_half_widths(x: f64, ix: Option<Interval>, y: f64, iy: Option<Interval>) -> (f64, f64) {
    let lower = |v: f64, i: Option<Interval>| i.map_or(0.0, |i| if (i.lo..=i.hi).contains(&v) { v - i.lo } else { i.half_width() });
    let upper = |v: f64, i: Option<Interval>| i.map_or(0.0, |i| if (i.lo..=i.hi).contains(&v) { i.hi - v } else { i.half_width() });
    if x >= y {
        (lower(x, ix), upper(y, iy))
    } else {
        (upper(x, ix), lower(y, iy))
    }
}

/// Whether `x` and `y` (with their 95 % intervals) differ significantly: the
/// difference exceeds the half-widths combined in quadrature (see
/// [`compare`]). With neither interval known, any difference counts.
pub fn significantly_different(x: f64, ix: Option<Interval>, y: f64, iy: Option<Interval>) -> bool {
    let (hx, hy) = facing_half_widths(x, ix, y, iy);
    (x - y).abs() > (hx * hx + hy * hy).sqrt()
}

/// The 95 % half-width of [`objective_score`]`(a, b)`: each objective's term
/// `w·(x − y)/mean` gets the half-width `w·√(hx² + hy²)/mean` (the means
/// taken as constants), and the terms combine in quadrature. None — the
/// uncertainty is unknown and the comparison is Model Analyzer's — unless
/// both measurements carry an interval for at least one objective, or when
/// an objective is measured on one side only (that decides at once).
pub fn score_half_width(objectives: &Objectives, a: &VariantMeasurement, b: &VariantMeasurement) -> Option<f64> {
    let (mut var, mut known_a, mut known_b) = (0.0, false, false);
    for (metric, weight) in objectives.normalized() {
        let (x, y) = match (a.metric(metric), b.metric(metric)) {
            (Some(x), Some(y)) => (x, y),
            (None, None) => continue,
            _ => return None,
        };
        let mean = (x + y) / 2.0;
        if mean == 0.0 {
            continue;
        }
        let (ia, ib) = (a.metric_interval(metric), b.metric_interval(metric));
        known_a |= ia.is_some();
        known_b |= ib.is_some();
        let (hx, hy) = facing_half_widths(x, ia, y, ib);
        var += (weight / mean).powi(2) * (hx * hx + hy * hy);
    }
    (known_a && known_b).then(|| var.sqrt())
}

/// One metric as a tie-break: `Better` when `a`'s value is significantly
/// better (see [`significantly_different`]; without intervals the point
/// values decide), None when it does not separate them or is missing.
fn metric_tie_break(metric: Metric, a: &VariantMeasurement, b: &VariantMeasurement) -> Option<Verdict> {
    let (x, y) = (a.metric(metric)?, b.metric(metric)?);
    let (ix, iy) = (a.metric_interval(metric), b.metric_interval(metric));
    if x == y || !significantly_different(x, ix, y, iy) {
        return None;
    }
    if metric == Metric::GpuUsedMemory && ix.is_none() && iy.is_none() && (x - y).abs() <= MEMORY_TIE_TOLERANCE * x.abs().max(y.abs()) {
        return None;
    }
    Some(if (x > y) == metric.higher_is_better() { Verdict::Better } else { Verdict::Worse })
}

/// Fewer is better; None when equal or unknown on either side.
fn fewer(x: Option<u32>, y: Option<u32>) -> Option<Verdict> {
    match (x?, y?) {
        (x, y) if x < y => Some(Verdict::Better),
        (x, y) if x > y => Some(Verdict::Worse),
        _ => None,
    }
}

/// Breaks a statistical tie between `a` and `b`, never by noise: first the
/// objectives one at a time, heaviest weight first (ties of weight in
/// name order), each deciding only on a significant difference; then
/// resources — fewer instances, less GPU memory (when measured on both;
/// within [`MEMORY_TIE_TOLERANCE`] without intervals), smaller
/// `max_batch_size`, lower p99 latency. `Equivalent` when none separates
/// them.
pub fn break_tie(objectives: &Objectives, a: &VariantMeasurement, ra: &Resources, b: &VariantMeasurement, rb: &Resources) -> Verdict {
    let mut by_weight = objectives.normalized();
    by_weight.sort_by(|x, y| y.1.total_cmp(&x.1));
    by_weight
        .into_iter()
        .find_map(|(metric, _)| metric_tie_break(metric, a, b))
        .or_else(|| fewer(ra.instances, rb.instances))
        .or_else(|| metric_tie_break(Metric::GpuUsedMemory, a, b))
        .or_else(|| fewer(ra.max_batch_size, rb.max_batch_size))
        .or_else(|| metric_tie_break(Metric::PerfLatencyP99, a, b))
        .unwrap_or(Verdict::Equivalent)
}

/// The ranking's comparison of `a` (a config with resources `ra`) with `b`.
///
/// Without intervals (see [`score_half_width`]) it is Model Analyzer's:
/// `Better` exactly when [`is_better_than`]`(a, b)`, `Worse` when
/// `is_better_than(b, a)`.
///
/// With intervals, the two are **statistically tied** when the weighted
/// objective score does not exceed its 95 % half-width, and the tie is
/// settled by [`break_tie`] (secondary objectives, then resources), never by
/// the noisy point estimates. The test is Welch-style, not an overlap test:
/// each interval's half-width is read as 1.96 standard errors of an
/// estimate, the two measurements as independent, so the difference's
/// half-width is `√(ha² + hb²)` (the large-sample Welch test of unequal
/// variances; with t-based intervals it lies between Welch's critical values
/// at the smaller and the summed degrees of freedom). "The intervals
/// overlap" would need `|d| ≤ ha + hb`, a test at about 99.4 % for equal
/// widths, which calls real differences ties. Assumptions, and when it is
/// wrong: the intervals are honest 95 % intervals; the two measurements are
/// independent (drift between them — clocks, another tenant — is not in
/// either interval); the objective's mean in the relative score is treated as
/// exact; several objectives are combined as independent. Asymmetric
/// intervals (percentile bounds) use the half facing the other estimate.
pub fn compare(objectives: &Objectives, a: &VariantMeasurement, ra: &Resources, b: &VariantMeasurement, rb: &Resources) -> Comparison {
    let score = objective_score(objectives, a, b);
    if let Some(u) = score_half_width(objectives, a, b) {
        if score.abs() <= u {
            return Comparison { verdict: break_tie(objectives, a, ra, b, rb), tied: true };
        }
    }
    let verdict = if score > COMPARISON_SCORE_THRESHOLD {
        Verdict::Better
    } else if is_better_than(objectives, b, a) {
        Verdict::Worse
    } else {
        Verdict::Equivalent
    };
    Comparison { verdict, tied: false }
}

/// [`objective_score`] with statistical ties read as 0 (no difference): what
/// quick search's climb uses, so that it does not step towards, or adopt as
/// its best, a neighbour whose "improvement" is within the intervals. Equal
/// to `objective_score` without intervals.
pub fn significant_score(objectives: &Objectives, a: &VariantMeasurement, b: &VariantMeasurement) -> f64 {
    let score = objective_score(objectives, a, b);
    match score_half_width(objectives, a, b) {
        Some(u) if score.abs() <= u => 0.0,
        _ => score,
    }
}

/// True when `a` and `b` are statistically tied on the objectives (both
/// carry intervals and the score is within its half-width; see [`compare`]).
pub fn statistically_tied(objectives: &Objectives, a: &VariantMeasurement, b: &VariantMeasurement) -> bool {
    score_half_width(objectives, a, b).is_some_and(|u| objective_score(objectives, a, b).abs() <= u)
}
