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
}
