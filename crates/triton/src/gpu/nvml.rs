//! NVML: GPU names, memory, utilisation, power and clocks, and per-process
//! GPU memory. `Nvml::init` returns an error (no panic) where the library is
//! absent, which [`Gpus::probe`] turns into "no GPUs".

use nvml_wrapper::enum_wrappers::device::Clock;
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::Nvml;
use serde::{Deserialize, Serialize};

/// Static facts about one GPU.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GpuInfo {
    /// NVML index.
    pub index: u32,
    /// Marketing name, e.g. "NVIDIA H200".
    pub name: String,
    /// UUID.
    pub uuid: String,
    /// Total memory in bytes.
    pub memory_total_bytes: u64,
}

/// One reading of one GPU.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct GpuSample {
    /// GPU utilisation, percent.
    pub utilization_pct: f64,
    /// Used memory on the whole device (what Model Analyzer reports), bytes.
    pub memory_used_bytes: u64,
    /// Memory used by the given processes (tritium and its children), bytes.
    pub process_memory_bytes: u64,
    /// Power draw, watts.
    pub power_w: f64,
    /// SM clock, MHz.
    pub sm_clock_mhz: u32,
}

/// An open NVML session.
pub struct Gpus {
    nvml: Nvml,
    infos: Vec<GpuInfo>,
}

impl std::fmt::Debug for Gpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpus").field("infos", &self.infos).finish()
    }
}

impl Gpus {
    /// Opens NVML and lists the GPUs; `Err` says why there are none.
    pub fn probe() -> Result<Gpus, String> {
        let nvml = Nvml::init().map_err(|e| format!("NVML unavailable: {e}"))?;
        let count = nvml.device_count().map_err(|e| format!("NVML device count: {e}"))?;
        let mut infos = Vec::new();
        for i in 0..count {
            let d = nvml.device_by_index(i).map_err(|e| format!("NVML device {i}: {e}"))?;
            infos.push(GpuInfo {
                index: i,
                name: d.name().unwrap_or_else(|_| "unknown GPU".into()),
                uuid: d.uuid().unwrap_or_default(),
                memory_total_bytes: d.memory_info().map(|m| m.total).unwrap_or(0),
            });
        }
        Ok(Gpus { nvml, infos })
    }

    /// The GPUs found.
    pub fn infos(&self) -> &[GpuInfo] {
        &self.infos
    }

    /// Reads one GPU now; `pids` selects whose memory counts as "process memory".
    pub fn sample(&self, index: u32, pids: &[u32]) -> Result<GpuSample, String> {
        let d = self.nvml.device_by_index(index).map_err(|e| format!("NVML device {index}: {e}"))?;
        let mut s = GpuSample::default();
        if let Ok(u) = d.utilization_rates() {
            s.utilization_pct = u.gpu as f64;
        }
        if let Ok(m) = d.memory_info() {
            s.memory_used_bytes = m.used;
        }
        if let Ok(p) = d.power_usage() {
            s.power_w = p as f64 / 1000.0;
        }
        if let Ok(c) = d.clock_info(Clock::SM) {
            s.sm_clock_mhz = c;
        }
        if let Ok(procs) = d.running_compute_processes() {
            s.process_memory_bytes = procs
                .iter()
                .filter(|p| pids.contains(&p.pid))
                .map(|p| match p.used_gpu_memory {
                    UsedGpuMemory::Used(b) => b,
                    UsedGpuMemory::Unavailable => 0,
                })
                .sum();
        }
        Ok(s)
    }
}
