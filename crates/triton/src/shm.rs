//! The Python backend's shared-memory regions in `/dev/shm`.
//!
//! Every embedded server gives the Python backend a region-name prefix of
//! its own (`tritium_<pid>_<n>_`, its `shm-region-prefix-name` setting), so
//! what a server leaves behind — after an exit timeout, when Triton never
//! finished unloading a model — can be removed at shutdown without touching
//! any other process's regions (another tritium or a tritonserver on the
//! same machine uses other prefixes).

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

const SHM_DIR: &str = "/dev/shm";

/// A region-name prefix unique to this process and server: `tritium_<pid>_<n>_`.
pub fn unique_prefix() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("tritium_{}_{}_", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Removes the regions in `/dev/shm` whose names start with `prefix`;
/// returns how many it removed. A prefix that is not one of ours (see
/// [`unique_prefix`]) removes nothing.
pub fn remove_regions(prefix: &str) -> usize {
    remove_regions_in(Path::new(SHM_DIR), prefix)
}

fn remove_regions_in(dir: &Path, prefix: &str) -> usize {
    if !prefix.starts_with("tritium_") || prefix.contains('/') {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(prefix)))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_unique_and_ours() {
        let (a, b) = (unique_prefix(), unique_prefix());
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("tritium_{}_", std::process::id())) && a.ends_with('_'));
    }

    #[test]
    fn removes_only_its_own_regions() {
        let dir = tempfile::tempdir().unwrap();
        let p = unique_prefix();
        for n in [format!("{p}region_a"), format!("{p}region_b"), "triton_python_backend_shm_region_x".into(), "tritium_1_0_other".into()] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        assert_eq!(remove_regions_in(dir.path(), &p), 2);
        let left: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left.iter().all(|n| !n.starts_with(&p)));
        // A prefix that is not tritium's removes nothing.
        assert_eq!(remove_regions_in(dir.path(), "triton_python_backend_shm_region_"), 0);
    }
}
