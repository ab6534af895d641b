//! Bounds on numbers users give, checked before any work starts, shared by
//! `bench` flags and `profile` YAML keys. A value past a bound is refused
//! with the bound and the reason, never clamped silently.

/// Most concurrent requests one load level may keep in flight. Each holds its
/// own prepared Triton request, input references and output buffers (tens of
/// KiB at least), and one process's Triton cannot serve more in parallel than
/// its model instances anyway: past a few thousand only the queue grows.
pub const MAX_CONCURRENCY: u32 = 16_384;

/// Most prepared requests for request-rate mode (`--max-in-flight`), for the same reason.
pub const MAX_IN_FLIGHT: usize = 16_384;

/// Highest request rate, requests/s, one process's load generator is asked for.
pub const MAX_REQUEST_RATE: f64 = 10_000_000.0;

/// Most load levels one run measures.
pub const MAX_LOAD_LEVELS: usize = 10_000;

/// Largest instance count a config search may try per model (each instance of
/// a Python model is one stub process).
pub const MAX_INSTANCE_COUNT: u32 = 256;

/// A search space with more configs than this is announced (with its size and
/// an estimate of the time) before it starts.
pub const LARGE_SEARCH_SPACE: usize = 200;

/// Refuses `c` as a concurrency level when it is 0 or above [`MAX_CONCURRENCY`].
pub fn check_concurrency(c: u64, what: &str) -> Result<u32, String> {
    if c == 0 {
        return Err(format!("{what}: concurrency 0 is not a load level; use 1 or more"));
    }
    if c > MAX_CONCURRENCY as u64 {
        return Err(format!(
            "{what}: concurrency {c} is above tritium's limit of {MAX_CONCURRENCY} concurrent requests per process \
             (each holds a prepared request and its buffers; past a few thousand only Triton's queue grows)"
        ));
    }
    Ok(c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_bounds() {
        assert_eq!(check_concurrency(1, "x"), Ok(1));
        assert_eq!(check_concurrency(MAX_CONCURRENCY as u64, "x"), Ok(MAX_CONCURRENCY));
        assert!(check_concurrency(0, "x").unwrap_err().contains("0"));
        let e = check_concurrency(4_294_967_296, "--concurrency-range").unwrap_err();
        assert!(e.contains("4294967296") && e.contains("16384"), "{e}");
    }
}
