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

/// Most load-generator worker threads (`--max-threads`).
pub const MAX_THREADS: usize = 256;

/// Longest measurement window or warm-up (`-p`, `--warmup`), ms: one hour.
pub const MAX_INTERVAL_MS: u64 = 3_600_000;

/// Longest random BYTES element (`--string-length`): 16 MiB.
pub const MAX_STRING_LENGTH: usize = 16 << 20;

/// Most timelines kept per load level (`--trace-buffer`).
pub const MAX_TRACE_BUFFER: u64 = 10_000_000;

/// Hard cap on the bytes of prepared input data (one request's inputs, and
/// every data set of an input-data file together): 16 GiB. The usable bound
/// is the smaller of this and [`INPUT_MEMORY_FRACTION`] of MemAvailable, see
/// [`input_budget_bytes`].
pub const MAX_INPUT_BYTES: u64 = 16 << 30;

/// Prepared input data may take at most 1/`INPUT_MEMORY_FRACTION` of the
/// memory available when the run starts (`MemAvailable` in /proc/meminfo):
/// the buffers exist once in host memory and may be copied once more into
/// pinned or device memory, and Triton and the model need the rest.
pub const INPUT_MEMORY_FRACTION: u64 = 2;

/// An input-data JSON file larger than budget / this is refused before it is
/// read: its parsed form takes several times the text.
pub const JSON_EXPANSION: u64 = 8;

/// Distinct failure kinds kept per load point; further kinds are counted
/// under [`OTHER_FAILURES`].
pub const MAX_FAILURE_KINDS: usize = 16;

/// The failure kind that collects every kind past [`MAX_FAILURE_KINDS`].
pub const OTHER_FAILURES: &str = "other";

/// Longest deadline of a deterministic (`--request-count`) load level, s.
pub const MAX_REQUEST_COUNT_TIMEOUT_S: f64 = 86_400.0;

/// The bytes prepared input data may take: the smaller of
/// [`MAX_INPUT_BYTES`] and MemAvailable / [`INPUT_MEMORY_FRACTION`] (the
/// hard cap alone when /proc/meminfo cannot be read).
pub fn input_budget_bytes() -> u64 {
    match tritium_util::procfs::mem_available_bytes() {
        Some(avail) => (avail / INPUT_MEMORY_FRACTION).min(MAX_INPUT_BYTES),
        None => MAX_INPUT_BYTES,
    }
}

/// Says where an input budget from [`input_budget_bytes`] comes from.
pub fn describe_budget(budget: u64) -> String {
    if budget >= MAX_INPUT_BYTES {
        format!("tritium's cap of {} on prepared input data", human_bytes(MAX_INPUT_BYTES as u128))
    } else {
        format!("{}, half of the memory available now (MemAvailable)", human_bytes(budget as u128))
    }
}

/// `1.5 GiB`, `12 KiB`, `100 B`.
pub fn human_bytes(b: u128) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Refuses a request rate that is not > 0, not finite, or above [`MAX_REQUEST_RATE`].
pub fn check_request_rate(r: f64, what: &str) -> Result<f64, String> {
    if !r.is_finite() || r <= 0.0 {
        return Err(format!("{what}: request rate {r} is not a load level; give a finite rate > 0 requests/s"));
    }
    if r > MAX_REQUEST_RATE {
        return Err(format!(
            "{what}: request rate {r}/s is above tritium's limit of {MAX_REQUEST_RATE}/s \
             (one process's load generator cannot schedule sends finer than a fraction of a microsecond)"
        ));
    }
    Ok(r)
}

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

    #[test]
    fn rate_bounds() {
        assert_eq!(check_request_rate(0.5, "x"), Ok(0.5));
        assert_eq!(check_request_rate(MAX_REQUEST_RATE, "x"), Ok(MAX_REQUEST_RATE));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_REQUEST_RATE * 2.0] {
            assert!(check_request_rate(bad, "--request-rate-range").unwrap_err().contains("--request-rate-range"), "{bad}");
        }
    }

    #[test]
    fn budget_is_bounded_and_described() {
        let b = input_budget_bytes();
        assert!(b > 0 && b <= MAX_INPUT_BYTES);
        assert!(describe_budget(MAX_INPUT_BYTES).contains("16.0 GiB"));
        assert!(describe_budget(1 << 20).contains("MemAvailable"));
        assert_eq!(human_bytes(100), "100 B");
        assert_eq!(human_bytes(400_000_000_000), "372.5 GiB");
    }
}
