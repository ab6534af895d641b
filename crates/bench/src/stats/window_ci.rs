//! 95 % intervals over the windows of a load point, for the figures that
//! only exist per window: Triton's server-side phases (statistics deltas,
//! one per window) and the GPU's utilisation and memory (NVML readings,
//! summarised per window). Batch means with the windows as batches and
//! Student's t ([`super::ci::ratio_interval`], [`super::ci::mean_interval`]).
//!
//! Assumes the per-window values are roughly independent and identically
//! distributed. The windows are long (≥ 1 s by default) compared with a
//! queue build-up, but NVML's utilisation is itself a moving average over
//! a driver-chosen period (up to ~1 s) and memory moves in steps (an
//! allocator grows a pool and keeps it): consecutive windows are
//! positively autocorrelated, so these intervals are too narrow when the
//! windows are short, and they describe window-to-window variation, not a
//! device's day-to-day spread.

use serde::{Deserialize, Serialize};

use super::ci::{mean_interval, ratio_interval};
use super::Interval;
use tritium_model::{InferenceStats, StatDuration};

/// 95 % intervals of the server-side averages per request (µs), as in
/// `export::ServerBreakdown`; each `None` with fewer than 2 windows that
/// counted the phase.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerIntervals {
    /// Queue time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Interval>,
    /// Input processing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_input: Option<Interval>,
    /// Model execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_infer: Option<Interval>,
    /// Output processing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_output: Option<Interval>,
    /// Whole request inside Triton.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Interval>,
}

/// The interval of `Σ ns / Σ count` (µs) over per-window deltas: the ratio
/// estimator over the windows as batches, centred on that ratio.
fn phase_interval(windows: &[InferenceStats], f: fn(&InferenceStats) -> &StatDuration) -> Option<Interval> {
    let used: Vec<&StatDuration> = windows.iter().map(f).filter(|d| d.count > 0).collect();
    let num: Vec<f64> = used.iter().map(|d| d.ns as f64 / 1e3).collect();
    let den: Vec<f64> = used.iter().map(|d| d.count as f64).collect();
    let r = ratio_interval(&num, &den)?;
    Some(Interval::new((r.estimate - r.half_width).max(0.0), r.estimate + r.half_width))
}

impl ServerIntervals {
    /// The intervals from the statistics deltas of each window of the point
    /// (windows without statistics left out); `None` when none exists.
    pub fn compute(windows: &[InferenceStats]) -> Option<ServerIntervals> {
        let out = ServerIntervals {
            queue: phase_interval(windows, |s| &s.queue),
            compute_input: phase_interval(windows, |s| &s.compute_input),
            compute_infer: phase_interval(windows, |s| &s.compute_infer),
            compute_output: phase_interval(windows, |s| &s.compute_output),
            request: phase_interval(windows, |s| &s.success),
        };
        (out != ServerIntervals::default()).then_some(out)
    }
}

/// 95 % intervals of the GPU figures of `export::ResourceUsage`; each
/// `None` when fewer than 2 windows had a reading.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceIntervals {
    /// Average GPU utilisation (%): the mean of the windows' averages,
    /// `mean ± t·s/√n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_utilization_pct: Option<Interval>,
    /// GPU memory used on the device (MB): the mean of the windows' peaks
    /// `± t·s/√n`, widened to hold the reported peak (the largest of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_memory_used_mb: Option<Interval>,
}

impl ResourceIntervals {
    /// The intervals from each window's average utilisation and peak memory
    /// (`None` entries, windows without a GPU reading, left out); the memory
    /// interval is widened to contain `memory_estimate` (the reported peak).
    pub fn compute(utilization: &[Option<f64>], memory: &[Option<f64>], memory_estimate: Option<f64>) -> Option<ResourceIntervals> {
        let present = |v: &[Option<f64>]| v.iter().flatten().copied().filter(|x| x.is_finite()).collect::<Vec<f64>>();
        let around = |v: &[f64]| mean_interval(v).map(|r| Interval::new((r.estimate - r.half_width).max(0.0), r.estimate + r.half_width));
        let util = around(&present(utilization)).map(|i| Interval::new(i.lo, i.hi.min(100.0)));
        let mem = around(&present(memory)).map(|i| match memory_estimate {
            Some(e) if e.is_finite() => Interval::new(i.lo.min(e), i.hi.max(e)),
            _ => i,
        });
        let out = ResourceIntervals { gpu_utilization_pct: util, gpu_memory_used_mb: mem };
        (out != ResourceIntervals::default()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(count: u64, queue_us: &[u64], infer_us: u64) -> InferenceStats {
        let d = |us: u64| StatDuration { count, ns: us * 1000 * count };
        InferenceStats { success: d(infer_us + queue_us[0]), queue: StatDuration { count, ns: queue_us.iter().sum::<u64>() * 1000 * count / queue_us.len() as u64 }, compute_infer: d(infer_us), ..Default::default() }
    }

    #[test]
    fn server_intervals_are_batch_means_over_windows() {
        // compute_infer is 500 µs in every window: a zero-width interval on it.
        let w = [stats(100, &[10], 500), stats(100, &[30], 500), stats(100, &[20], 500)];
        let s = ServerIntervals::compute(&w).expect("intervals");
        let infer = s.compute_infer.expect("compute_infer");
        assert!((infer.lo - 500.0).abs() < 1e-9 && (infer.hi - 500.0).abs() < 1e-9, "{infer:?}");
        // Queue 10, 30, 20 µs (equal counts): mean 20 ± t(2)·10/√3 = 20 ± 24.84, floored at 0.
        let q = s.queue.expect("queue");
        assert!((q.hi - (20.0 + 4.3027 * 10.0 / 3f64.sqrt())).abs() < 1e-3 && q.lo == 0.0, "{q:?}");
        // No input/output phase counted: no interval.
        assert!(s.compute_input.is_none() && s.compute_output.is_none());
        // Fewer than two windows: nothing.
        assert!(ServerIntervals::compute(&w[..1]).is_none());
        assert!(ServerIntervals::compute(&[]).is_none());
    }

    #[test]
    fn server_intervals_weight_windows_by_their_requests() {
        // Σns/Σcount: 100 requests at 10 µs and 300 at 30 µs give 25 µs.
        let w = [stats(100, &[10], 1), stats(300, &[30], 1)];
        let q = ServerIntervals::compute(&w).and_then(|s| s.queue).expect("queue");
        assert!(((q.lo + q.hi) / 2.0 - 25.0).abs() < 1e-9 || q.lo == 0.0, "{q:?}");
        assert!(q.hi > 25.0);
    }

    #[test]
    fn resource_intervals_over_window_summaries() {
        let util = [Some(80.0), Some(90.0), Some(85.0), None];
        let mem = [Some(1000.0), Some(1010.0), Some(1020.0), None];
        let r = ResourceIntervals::compute(&util, &mem, Some(1020.0)).expect("intervals");
        let u = r.gpu_utilization_pct.expect("utilisation");
        let h = 4.3027 * 5.0 / 3f64.sqrt();
        assert!((u.lo - (85.0 - h)).abs() < 1e-9 && (u.hi - (85.0 + h)).abs() < 1e-9, "{u:?}");
        let m = r.gpu_memory_used_mb.expect("memory");
        assert!(m.lo <= 1010.0 && m.hi >= 1020.0, "{m:?} holds the mean and the reported peak");
        // Utilisation never above 100 %.
        let r = ResourceIntervals::compute(&[Some(99.0), Some(60.0)], &[], None).expect("intervals");
        assert!(r.gpu_utilization_pct.is_some_and(|i| i.hi <= 100.0) && r.gpu_memory_used_mb.is_none());
        // No GPU (the simulator, a machine without NVML): nothing.
        assert!(ResourceIntervals::compute(&[None, None], &[None, None], None).is_none());
        assert!(ResourceIntervals::compute(&[Some(50.0)], &[Some(1.0)], Some(1.0)).is_none());
    }
}
