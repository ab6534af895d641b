//! The monotonic clock of Triton's trace timestamps.

/// CLOCK_MONOTONIC now, ns: the clock of Triton's trace timestamps
/// (`std::chrono::steady_clock` on Linux), so host-side marks and Triton's
/// trace activities share one time axis.
pub fn monotonic_ns() -> u64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_never_goes_back() {
        let a = monotonic_ns();
        let b = monotonic_ns();
        assert!(a > 0);
        assert!(b >= a);
    }
}
