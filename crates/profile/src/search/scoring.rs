//! Constraints and objectives on measurements (Model Analyzer's
//! `ConstraintManager` and weighted comparison).

use crate::config::{Constraints, Metric, Objectives};

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
