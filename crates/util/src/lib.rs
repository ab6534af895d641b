//! Bottom-level helpers shared by every layer: the monotonic clock Triton's
//! traces use, atomic file writes, UTC timestamps, a stable string hash and /proc readings
//! (processes, machine-wide CPU time and load).
//! Nothing here knows about Triton, models or measurements.

#![forbid(unsafe_code)]

pub mod procfs;

pub mod choice;
pub mod clock;
pub mod fs;
pub mod hash;
pub mod machine;
pub mod time;

pub use choice::Choice;
pub use clock::monotonic_ns;
pub use fs::write_atomic;
pub use hash::fnv1a;
pub use time::{now_rfc3339, rfc3339_utc};
