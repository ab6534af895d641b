//! `gpus` (Model Analyzer's key, `profile --gpus`) applied to this process:
//! checked against NVML before any server starts ([`select`]); then, for a
//! list that is not split over workers (src/cli/workers.rs), the process
//! re-executes itself with `CUDA_VISIBLE_DEVICES` set to the chosen UUIDs
//! ([`apply`]: it must be set before CUDA initialises here, which an
//! environment change after start cannot guarantee). The selection logic is
//! [`tritium_bench::gpus`]; metrics follow `CUDA_VISIBLE_DEVICES` there.

use std::os::unix::process::CommandExt;
use std::path::Path;

use super::exit::bad_input;
use tritium_bench::gpus::{self, Selection};

/// The GPUs `list` (from `source`) chooses, checked against NVML.
pub fn select(list: &[String], source: &Path) -> anyhow::Result<Selection> {
    let bad = |e: String| bad_input(format!("{}: {e}", source.display()));
    let request = gpus::parse("gpus", list).map_err(bad)?;
    if request == gpus::Request::All {
        return Ok(Selection::All);
    }
    let probe = tritium_triton::gpu::nvml::Gpus::probe();
    let found = probe.as_ref().map(|g| g.infos()).map_err(|e| e.as_str());
    gpus::resolve("gpus", &request, found).map_err(bad)
}

/// Makes this process use only the GPUs of `selection`: returns when nothing
/// has to change (or after printing which GPUs are used); otherwise replaces
/// the process (an error only when the exec fails).
pub fn apply(selection: &Selection) -> anyhow::Result<()> {
    let Some(want) = selection.cuda_visible_devices() else { return Ok(()) };
    let current = std::env::var("CUDA_VISIBLE_DEVICES").ok();
    if !selection.needs_reexec(current.as_deref()) {
        if let Selection::Only(g) = selection {
            let names: Vec<String> = g.iter().map(|g| format!("{} {} ({})", g.index, g.uuid, g.name)).collect();
            eprintln!("[profile] gpus: {}", if names.is_empty() { "none (CPU only)".to_string() } else { names.join(", ") });
        }
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| anyhow::anyhow!("gpus: finding tritium's own executable to restart it with CUDA_VISIBLE_DEVICES={want}: {e}"))?;
    let e = std::process::Command::new(&exe).args(std::env::args_os().skip(1)).env("CUDA_VISIBLE_DEVICES", &want).exec();
    Err(anyhow::anyhow!("gpus: restarting {} with CUDA_VISIBLE_DEVICES={want}: {e}", exe.display()))
}
