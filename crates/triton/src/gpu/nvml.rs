//! NVML: GPU names, memory, utilisation, power, clocks, clock throttle
//! reasons and temperature, and the processes using each GPU with their
//! memory. `Nvml::init` returns an error (no panic) where the library is
//! absent, which [`Gpus::probe`] turns into "no GPUs". nvml-wrapper loads the
//! library at run time; no `unsafe` is needed here.

use nvml_wrapper::bitmasks::device::ThrottleReasons;
use nvml_wrapper::enum_wrappers::device::{Clock, TemperatureSensor};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::struct_wrappers::device::ProcessInfo;
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
    /// The highest SM clock the device supports (MHz), when NVML says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm_clock_max_mhz: Option<u32>,
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
    /// GPU temperature, °C (None: NVML did not say).
    #[serde(default)]
    pub temperature_c: Option<u32>,
    /// NVML's clock throttle (clock event) reasons active now, as its
    /// bitmask (`nvmlClocksThrottleReason*`; see [`throttle_reason_names`]).
    #[serde(default)]
    pub throttle_reasons: Option<u64>,
}

/// A process with a context on a GPU (compute or graphics).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct GpuProcess {
    /// Its pid (in the host's pid namespace; in a container NVML may report
    /// pids this process cannot see).
    pub pid: u32,
    /// GPU memory it uses, bytes (None: NVML cannot say, e.g. under MIG or
    /// without the permission).
    pub memory_bytes: Option<u64>,
}

/// The names of the throttle reasons set in an NVML bitmask, in NVML's bit
/// order: "idle", "applications clocks setting", "power cap",
/// "hardware slowdown", "sync boost", "thermal slowdown (software)",
/// "thermal slowdown (hardware)", "power brake (hardware)",
/// "display clock setting", then "unknown reason 0x…" for other bits.
pub fn throttle_reason_names(bits: u64) -> Vec<String> {
    const NAMES: &[(ThrottleReasons, &str)] = &[
        (ThrottleReasons::GPU_IDLE, "idle"),
        (ThrottleReasons::APPLICATIONS_CLOCKS_SETTING, "applications clocks setting"),
        (ThrottleReasons::SW_POWER_CAP, "power cap"),
        (ThrottleReasons::HW_SLOWDOWN, "hardware slowdown"),
        (ThrottleReasons::SYNC_BOOST, "sync boost"),
        (ThrottleReasons::SW_THERMAL_SLOWDOWN, "thermal slowdown (software)"),
        (ThrottleReasons::HW_THERMAL_SLOWDOWN, "thermal slowdown (hardware)"),
        (ThrottleReasons::HW_POWER_BRAKE_SLOWDOWN, "power brake (hardware)"),
        (ThrottleReasons::DISPLAY_CLOCK_SETTING, "display clock setting"),
    ];
    let mut out: Vec<String> = NAMES.iter().filter(|(r, _)| bits & r.bits() != 0).map(|(_, n)| n.to_string()).collect();
    let known = NAMES.iter().fold(0u64, |a, (r, _)| a | r.bits());
    if bits & !known != 0 {
        out.push(format!("unknown reason {:#x}", bits & !known));
    }
    out
}

/// The reasons of a throttle bitmask that lower clocks under load (power
/// cap, thermal or hardware slowdown, power brake), without those that only
/// say the GPU is idle or its clocks are set by policy.
pub fn slowing_reasons(bits: u64) -> u64 {
    let slowing = ThrottleReasons::SW_POWER_CAP
        | ThrottleReasons::HW_SLOWDOWN
        | ThrottleReasons::SW_THERMAL_SLOWDOWN
        | ThrottleReasons::HW_THERMAL_SLOWDOWN
        | ThrottleReasons::HW_POWER_BRAKE_SLOWDOWN;
    bits & slowing.bits()
}

/// Whether a throttle bitmask says the GPU is idle (nothing ran on it
/// lately, so its clocks are low by design).
pub fn throttle_idle(bits: u64) -> bool {
    bits & ThrottleReasons::GPU_IDLE.bits() != 0
}

fn gpu_process(p: &ProcessInfo) -> GpuProcess {
    GpuProcess {
        pid: p.pid,
        memory_bytes: match p.used_gpu_memory {
            UsedGpuMemory::Used(b) => Some(b),
            UsedGpuMemory::Unavailable => None,
        },
    }
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
                sm_clock_max_mhz: d.max_clock_info(Clock::SM).ok(),
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
        self.sample_with_others(index, pids).map(|(s, _)| s)
    }

    /// Reads one GPU now, and lists the processes on it that are not in
    /// `pids` (compute and graphics contexts, each pid once, largest memory first).
    pub fn sample_with_others(&self, index: u32, pids: &[u32]) -> Result<(GpuSample, Vec<GpuProcess>), String> {
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
        s.temperature_c = d.temperature(TemperatureSensor::Gpu).ok();
        s.throttle_reasons = d.current_throttle_reasons().ok().map(|r| r.bits());
        let mut procs: Vec<GpuProcess> = Vec::new();
        let compute = d.running_compute_processes().unwrap_or_default();
        let graphics = d.running_graphics_processes().unwrap_or_default();
        for p in compute.iter().chain(&graphics).map(gpu_process) {
            match procs.iter_mut().find(|q| q.pid == p.pid) {
                // One process with both contexts: count its memory once.
                Some(q) => q.memory_bytes = q.memory_bytes.max(p.memory_bytes),
                None => procs.push(p),
            }
        }
        s.process_memory_bytes = procs.iter().filter(|p| pids.contains(&p.pid)).filter_map(|p| p.memory_bytes).sum();
        let mut others: Vec<GpuProcess> = procs.into_iter().filter(|p| !pids.contains(&p.pid)).collect();
        others.sort_by_key(|p| std::cmp::Reverse(p.memory_bytes.unwrap_or(0)));
        Ok((s, others))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_names() {
        assert!(throttle_reason_names(0).is_empty());
        assert_eq!(throttle_reason_names(0x1), vec!["idle"]);
        assert_eq!(throttle_reason_names(0x4 | 0x40), vec!["power cap", "thermal slowdown (hardware)"]);
        assert_eq!(throttle_reason_names(0x1 | 0x1_0000_0000), vec!["idle".to_string(), "unknown reason 0x100000000".to_string()]);
        assert_eq!(slowing_reasons(0x1 | 0x2 | 0x10 | 0x100), 0, "idle, sync boost and clock settings do not slow work down");
        assert_eq!(slowing_reasons(0x1 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80), 0x4 | 0x8 | 0x20 | 0x40 | 0x80);
        assert!(throttle_idle(0x1 | 0x4) && !throttle_idle(0x4));
    }
}
