//! A two-sided confidence interval around an estimate: what every published
//! figure carries (see docs/statistics.md once it exists).

use serde::{Deserialize, Serialize};

/// A 95 % confidence interval `[lo, hi]` around an estimate, in the
/// estimate's unit.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

impl Interval {
    /// The interval `[lo, hi]` (swapped if given the other way round).
    pub fn new(lo: f64, hi: f64) -> Interval {
        if lo <= hi {
            Interval { lo, hi }
        } else {
            Interval { lo: hi, hi: lo }
        }
    }

    /// Half the width: the "±" shown beside an estimate.
    pub fn half_width(&self) -> f64 {
        (self.hi - self.lo) / 2.0
    }

    /// Half-width relative to `estimate` (0.03 = ±3 %); infinite for a zero estimate.
    pub fn relative_half_width(&self, estimate: f64) -> f64 {
        if estimate == 0.0 {
            f64::INFINITY
        } else {
            self.half_width() / estimate.abs()
        }
    }
}

/// " ±2.1%": the 95 % interval `ci` around `estimate` as a relative
/// half-width — the larger side when the interval is not symmetric, as for
/// percentiles — with one decimal below 10 % and none from there on; empty
/// without an interval (or for a non-positive estimate). The one rule every
/// terminal table of tritium (`bench`, `profile`) uses for "±".
pub fn plus_minus(estimate: f64, ci: Option<Interval>) -> String {
    match ci {
        Some(i) if estimate > 0.0 && i.lo.is_finite() && i.hi.is_finite() => {
            let pct = 100.0 * (estimate - i.lo).max(i.hi - estimate).max(0.0) / estimate;
            if pct < 9.95 {
                format!(" ±{pct:.1}%")
            } else {
                format!(" ±{pct:.0}%")
            }
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_order() {
        let a = Interval::new(9.0, 11.0);
        assert_eq!(a.half_width(), 1.0);
        assert!((a.relative_half_width(10.0) - 0.1).abs() < 1e-12);
        assert_eq!(Interval::new(2.0, 1.0), Interval { lo: 1.0, hi: 2.0 });
    }

    #[test]
    fn plus_minus_is_the_larger_side_relative_to_the_estimate() {
        assert_eq!(plus_minus(1000.0, Some(Interval::new(979.0, 1021.0))), " ±2.1%");
        // Asymmetric (a percentile): the larger side counts.
        assert_eq!(plus_minus(1000.0, Some(Interval::new(990.0, 1050.0))), " ±5.0%");
        // 10 % and above: no decimal.
        assert_eq!(plus_minus(100.0, Some(Interval::new(95.0, 130.0))), " ±30%");
        assert_eq!(plus_minus(100.0, Some(Interval::new(90.04, 100.0))), " ±10%");
        assert_eq!(plus_minus(100.0, Some(Interval::new(100.0, 100.0))), " ±0.0%");
        // Nothing to say: no interval, a zero estimate, a non-finite bound.
        assert_eq!(plus_minus(100.0, None), "");
        assert_eq!(plus_minus(0.0, Some(Interval::new(0.0, 1.0))), "");
        assert_eq!(plus_minus(100.0, Some(Interval::new(90.0, f64::INFINITY))), "");
    }
}
