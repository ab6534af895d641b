//! The throughput bound of a config (issue 13): a config whose best possible
//! throughput cannot beat the incumbent is not loaded or measured.
//!
//! A config with `I` instances and `max_batch_size` `B` executes at most
//! `I · max(B, 1)` inferences at a time, and no execution of the model is
//! shorter than the shortest one seen ([`VariantMeasurement::best_execution_us`],
//! from Triton's per-batch-size `compute_infer` statistics). So its
//! throughput is at most `I · max(B, 1) / t_min`. Two assumptions make this a
//! bound: an execution does not get shorter as its batch grows, and
//! instances scale at most linearly (they share the device), each running
//! one execution at a time (not so for a decoupled Python model whose
//! `async` `execute` overlaps requests). `I` counts every
//! instance: a `KIND_GPU` group's count is per GPU (any kind but `KIND_CPU` is taken so)
//! ([`SearchSpace::gpu_count`]); the default config's count is taken as at
//! least 2 (its config may leave `instance_group` or a `count` to Triton's
//! default: one per GPU, or 2 CPU instances for some backends).
//!
//! The rule applies only where it is sound and cannot change the answer:
//! with intervals (the incumbent's throughput interval; without one the
//! search is Model Analyzer's), with throughput as the only objective, not
//! for ensembles (their statistics are not one model's executions), and
//! with `t_min` taken from measurements of variants with the same fixed
//! (manual) fields as the candidate — so never across a manual sweep's
//! combinations. The incumbent is the passing measurement (of another
//! config) with the highest throughput lower bound; the candidate is skipped
//! when its bound is below that lower bound **and** significantly below the
//! incumbent even if it were measured at its bound with the incumbent's
//! relative precision, so it could not even tie (a tie would be broken in
//! favour of a smaller config).

use tritium_bench::stats::Interval;

use crate::config::Metric;

use super::{passes_constraints, significantly_different, ModelConfigVariant, SearchSpace, VariantMeasurement};

/// Why a config is skipped by the bound: the reason starts with this.
pub const BOUND_SKIP_REASON: &str = "cannot beat the incumbent";

/// Whether the bound rule may be used in `space` at all.
fn enabled(space: &SearchSpace) -> bool {
    let objectives = space.objectives.normalized();
    space.ensemble_max_batch_size.is_none()
        && !objectives.is_empty()
        && objectives.iter().all(|(m, w)| *m == Metric::PerfThroughput && *w > 0.0)
}

/// Every instance `variant` runs (an upper estimate; see the module docs).
pub(super) fn instances(space: &SearchSpace, variant: &ModelConfigVariant) -> f64 {
    let count = if variant.is_default { variant.instance_count.max(2) } else { variant.instance_count.max(1) };
    // KIND_GPU (and KIND_AUTO / KIND_MODEL, which may place instances per GPU): count per GPU.
    let per_device = if variant.instance_kind == "KIND_CPU" { 1 } else { space.gpu_count.max(1) };
    f64::from(count) * f64::from(per_device)
}

/// The shortest execution seen (µs) in `measurements` of variants with the
/// same fixed fields as `variant`.
pub(super) fn best_execution_us(measurements: &[(ModelConfigVariant, VariantMeasurement)], variant: &ModelConfigVariant) -> Option<f64> {
    measurements
        .iter()
        .filter(|(v, m)| m.is_valid() && v.manual == variant.manual)
        .filter_map(|(_, m)| m.best_execution_us)
        .filter(|t| *t > 0.0)
        .reduce(f64::min)
}

/// `I · max(B, 1) / t_min` in inferences per second (None: no execution
/// time seen).
pub(super) fn throughput_bound(space: &SearchSpace, variant: &ModelConfigVariant, measurements: &[(ModelConfigVariant, VariantMeasurement)]) -> Option<f64> {
    let t = best_execution_us(measurements, variant)?;
    Some(instances(space, variant) * f64::from(variant.max_batch_size.max(1)) * 1e6 / t)
}

/// The passing measurement of another config with the highest throughput
/// lower bound (only measurements with a throughput interval).
fn incumbent<'a>(space: &SearchSpace, measurements: &'a [(ModelConfigVariant, VariantMeasurement)], variant: &ModelConfigVariant) -> Option<(&'a ModelConfigVariant, &'a VariantMeasurement, Interval)> {
    let key = variant.key();
    measurements
        .iter()
        .filter(|(v, m)| v.key() != key && passes_constraints(&space.constraints, m))
        .filter_map(|(v, m)| m.throughput_ci.map(|ci| (v, m, ci)))
        .max_by(|a, b| a.2.lo.total_cmp(&b.2.lo))
}

/// Why `variant` cannot beat the incumbent (see the module docs), or None
/// when it might, or when the rule does not apply.
pub(super) fn cannot_beat(space: &SearchSpace, variant: &ModelConfigVariant, measurements: &[(ModelConfigVariant, VariantMeasurement)]) -> Option<String> {
    if !enabled(space) {
        return None;
    }
    let bound = throughput_bound(space, variant, measurements)?;
    let (iv, im, ci) = incumbent(space, measurements, variant)?;
    if im.throughput <= 0.0 || bound >= ci.lo {
        return None;
    }
    let scale = bound / im.throughput;
    let at_bound = Interval::new(ci.lo * scale, ci.hi * scale);
    if !significantly_different(bound, Some(at_bound), im.throughput, Some(ci)) {
        return None;
    }
    let t = best_execution_us(measurements, variant).unwrap_or(0.0);
    Some(format!(
        "{BOUND_SKIP_REASON}: at most {bound:.1} infer/s ({} instance(s) x max batch {} / {:.2} ms, the shortest execution seen), below {} at {:.1} [{:.1}, {:.1}] infer/s (batch {}, concurrency {})",
        instances(space, variant),
        variant.max_batch_size.max(1),
        t / 1000.0,
        iv.key(),
        im.throughput,
        ci.lo,
        ci.hi,
        im.batch_size,
        im.concurrency
    ))
}
