//! Noise diagnostics of one load point (issue 12): what else ran while it
//! was measured, from the resource sampler's readings of its windows — GPU
//! clocks, throttle reasons, temperature and other processes on the GPU
//! (NVML); the machine's CPU busy and steal shares and load (/proc); the CPU
//! of the load generator and of each process of tritium's tree (the model's
//! Python stubs) — and the likely causes of noise they point to
//! ([`causes`]), which join the point's warnings.
//!
//! Everything is optional: a field is absent when it could not be read (no
//! NVML, no /proc, too few readings). docs/statistics/diagnostics.md says how
//! to read each warning and what this cannot see.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::export::LoadPoint;
use super::resources::{Reading, Sampler};
use super::Observer;
use tritium_triton::gpu::nvml::{self, GpuInfo};

/// CPU steal (percent of the machine's CPU time) from which a point is
/// flagged: the hypervisor ran other guests on this VM's CPUs, so the
/// numbers depend on the neighbours and will not reproduce.
pub const STEAL_WARN_PCT: f64 = 5.0;
/// Machine-wide CPU busy share (percent of all cores, steal excluded) from
/// which a point is flagged: threads queue for a CPU.
pub const MACHINE_BUSY_WARN_PCT: f64 = 90.0;
/// CPU used by processes outside tritium's tree, as a share of the
/// machine's cores, from which a point is flagged (other work competes).
pub const OTHER_CPU_WARN_SHARE: f64 = 0.25;
/// 1-minute load average per core above which a point is flagged: more
/// threads wanted a CPU than there were cores.
pub const LOAD_WARN_PER_CORE: f64 = 1.0;
/// CPU of one process of tritium's tree (a model's stub), percent of one
/// core, from which it counts as saturated: a Python stub runs its
/// `execute` on one thread (the GIL), so near 100 % it is the bottleneck.
pub const PROCESS_SATURATED_PCT: f64 = 90.0;
/// Share of its cores (its worker threads, at most the machine's cores) the
/// load generator may use before it may itself be the bottleneck.
pub const LOADGEN_SATURATED_SHARE: f64 = 0.9;
/// Relative spread of the SM clock while the GPU was busy,
/// `(max - min) / max`, from which a point is flagged.
pub const CLOCK_SPREAD_WARN: f64 = 0.10;
/// GPU temperature (°C) from which a point is flagged: most data-centre
/// GPUs begin to slow down in the high 80s.
pub const TEMPERATURE_WARN_C: u32 = 85;
/// At most this many processes are listed per point (the busiest) and per
/// GPU (the most memory).
pub const MAX_LISTED: usize = 8;
/// At most this many warnings of one kind (saturated stubs, other GPU processes).
pub const MAX_WARNINGS_PER_KIND: usize = 3;

/// What a process of tritium's tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessRole {
    /// tritium itself: embedded Triton, the load generator, the sampler.
    Tritium,
    /// A Python-backend stub process serving a model.
    ModelStub,
    /// Another child process.
    Child,
}

/// CPU use of one process of tritium's tree over the point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessCpu {
    /// pid.
    pub pid: u32,
    /// Its `comm` name (cut at 15 bytes by the kernel), when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it is.
    pub role: ProcessRole,
    /// The model a stub serves (from its command line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// CPU used, percent of one core (above 100 for a multi-threaded process).
    pub cpu_pct: f64,
}

/// A process outside tritium's tree with a context on a GPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherGpuProcess {
    /// pid, as NVML reports it.
    pub pid: u32,
    /// Its `comm` name, when this process can see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The most GPU memory it used during the point, MB (absent when NVML cannot say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<f64>,
}

/// One GPU over the point.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GpuDiagnostics {
    /// NVML index.
    pub index: u32,
    /// Lowest SM clock while the GPU was busy (not idle), MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm_clock_min_mhz: Option<u32>,
    /// Highest SM clock while the GPU was busy, MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm_clock_max_mhz: Option<u32>,
    /// The device's highest SM clock, MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm_clock_device_max_mhz: Option<u32>,
    /// Every clock throttle reason seen (NVML's names, "idle" included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub throttle_reasons: Vec<String>,
    /// The throttle reasons seen that lower clocks under load (power cap,
    /// thermal or hardware slowdown, power brake).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slowed_by: Vec<String>,
    /// Highest temperature, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_max_c: Option<u32>,
    /// Processes outside tritium's tree on this GPU, most memory first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_processes: Vec<OtherGpuProcess>,
}

/// What disturbed one load point (see the module docs); the `diagnostics`
/// of a load point in the JSON report and in profile's results.json.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Seconds between the first and last reading used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_s: Option<f64>,
    /// Sampler readings inside the point's windows.
    #[serde(default)]
    pub readings: u32,
    /// Online CPUs of the machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    /// Machine-wide CPU busy share, percent of all cores (steal excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_busy_pct: Option<f64>,
    /// Machine-wide CPU steal, percent of all cores' time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_steal_pct: Option<f64>,
    /// CPU cores busy in tritium's process tree (tritium and its children:
    /// the model's stubs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tritium_cpu_cores: Option<f64>,
    /// CPU cores busy outside tritium's process tree (machine busy minus
    /// tritium and its children).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_cpu_cores: Option<f64>,
    /// 1-minute load average when the point ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_avg_1m: Option<f64>,
    /// CPU cores busy in the load generator's threads (the point's
    /// `loadgen_cpu_cores`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loadgen_cpu_cores: Option<f64>,
    /// The load generator's worker threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loadgen_threads: Option<u32>,
    /// CPU of tritium's processes, busiest first (at most [`MAX_LISTED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<ProcessCpu>,
    /// Per GPU (absent without NVML).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<GpuDiagnostics>,
    /// Why there are no GPU diagnostics (e.g. "NVML unavailable: …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_note: Option<String>,
    /// The likely causes of noise found ([`causes`]); also in the point's warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
}

/// Machine facts read when the point ends (not from the readings).
#[derive(Debug, Clone, Default)]
pub struct MachineNow {
    /// Online CPUs.
    pub cores: Option<u32>,
    /// 1-minute load average.
    pub load_avg_1m: Option<f64>,
}

impl MachineNow {
    /// Reads them from /proc.
    pub fn read() -> MachineNow {
        MachineNow { cores: tritium_util::machine::cores(), load_avg_1m: tritium_util::machine::loadavg().map(|l| l.one) }
    }
}

/// The diagnostics of readings (those of one point's windows), without
/// the causes. `name_of(pid)` gives `(comm, model a stub serves)`.
pub fn from_readings(
    r: &[Reading],
    gpu_infos: &[GpuInfo],
    gpu_note: Option<String>,
    machine: &MachineNow,
    loadgen: (Option<f64>, Option<u32>),
    name_of: &dyn Fn(u32) -> (Option<String>, Option<String>),
) -> Diagnostics {
    let mut d = Diagnostics {
        readings: u32::try_from(r.len()).unwrap_or(u32::MAX),
        cores: machine.cores,
        load_avg_1m: machine.load_avg_1m,
        loadgen_cpu_cores: loadgen.0,
        loadgen_threads: loadgen.1,
        gpu_note,
        ..Default::default()
    };
    if let (Some(a), Some(b)) = (r.first(), r.last()) {
        let dt = b.at.duration_since(a.at).as_secs_f64();
        if dt > 0.0 {
            d.span_s = Some(dt);
            let procs = process_cpu(r, name_of);
            let tree_cores: f64 = procs.iter().map(|p| p.cpu_pct / 100.0).sum();
            d.tritium_cpu_cores = (!procs.is_empty()).then_some(tree_cores);
            // The first and last readings that have the machine's counters.
            let first = r.iter().find_map(|x| x.machine.map(|m| (x.at, m)));
            let last = r.iter().rev().find_map(|x| x.machine.map(|m| (x.at, m)));
            if let (Some((_, m0)), Some((_, m1))) = (first, last) {
                if let Some(s) = m1.shares_since(&m0) {
                    d.cpu_busy_pct = Some(s.busy * 100.0);
                    d.cpu_steal_pct = Some(s.steal * 100.0);
                    d.other_cpu_cores = machine.cores.map(|n| (s.busy * n as f64 - tree_cores).max(0.0));
                }
            }
            d.processes = procs.into_iter().take(MAX_LISTED).collect();
        }
    }
    d.gpus = gpu_diagnostics(r, gpu_infos, name_of);
    d
}

/// Per-process CPU over the readings, busiest first: each pid's CPU time
/// from the first to the last reading that holds it (the tree is re-read
/// as stubs come and go), over that span.
fn process_cpu(r: &[Reading], name_of: &dyn Fn(u32) -> (Option<String>, Option<String>)) -> Vec<ProcessCpu> {
    let me = std::process::id();
    // (when, CPU seconds) at a pid's first and last reading.
    type Mark = (Instant, f64);
    let mut span: BTreeMap<u32, (Mark, Mark)> = BTreeMap::new();
    for x in r {
        for (pid, cpu) in &x.per_pid {
            span.entry(*pid).and_modify(|e| e.1 = (x.at, *cpu)).or_insert(((x.at, *cpu), (x.at, *cpu)));
        }
    }
    let mut out: Vec<ProcessCpu> = span
        .into_iter()
        .filter_map(|(pid, ((t0, c0), (t1, c1)))| {
            let dt = t1.duration_since(t0).as_secs_f64();
            (dt > 0.0).then(|| {
                let (name, model) = name_of(pid);
                let role = if pid == me {
                    ProcessRole::Tritium
                } else if model.is_some() {
                    ProcessRole::ModelStub
                } else {
                    ProcessRole::Child
                };
                ProcessCpu { pid, name, role, model, cpu_pct: (c1 - c0).max(0.0) / dt * 100.0 }
            })
        })
        .collect();
    out.sort_by(|a, b| b.cpu_pct.total_cmp(&a.cpu_pct));
    out
}

fn gpu_diagnostics(r: &[Reading], infos: &[GpuInfo], name_of: &dyn Fn(u32) -> (Option<String>, Option<String>)) -> Vec<GpuDiagnostics> {
    let n = r.iter().map(|x| x.gpus.len()).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            let samples: Vec<_> = r.iter().filter_map(|x| x.gpus.get(i)).collect();
            let bits = samples.iter().filter_map(|s| s.throttle_reasons).fold(0u64, |a, b| a | b);
            // Clocks of an idle GPU are low by design: only busy readings count.
            let busy: Vec<u32> = samples.iter().filter(|s| !s.throttle_reasons.is_some_and(nvml::throttle_idle)).map(|s| s.sm_clock_mhz).filter(|c| *c > 0).collect();
            let busy_bits = samples.iter().filter_map(|s| s.throttle_reasons).filter(|b| !nvml::throttle_idle(*b)).fold(0u64, |a, b| a | b);
            let mut others: BTreeMap<u32, Option<u64>> = BTreeMap::new();
            for x in r {
                for p in x.gpu_others.get(i).into_iter().flatten() {
                    let e = others.entry(p.pid).or_insert(None);
                    *e = (*e).max(p.memory_bytes);
                }
            }
            let mut other_processes: Vec<OtherGpuProcess> =
                others.into_iter().map(|(pid, mem)| OtherGpuProcess { pid, name: name_of(pid).0, memory_mb: mem.map(|b| b as f64 / 1e6) }).collect();
            other_processes.sort_by(|a, b| b.memory_mb.unwrap_or(0.0).total_cmp(&a.memory_mb.unwrap_or(0.0)));
            other_processes.truncate(MAX_LISTED);
            GpuDiagnostics {
                index: infos.get(i).map(|g| g.index).unwrap_or(i as u32),
                sm_clock_min_mhz: busy.iter().copied().min(),
                sm_clock_max_mhz: busy.iter().copied().max(),
                sm_clock_device_max_mhz: infos.get(i).and_then(|g| g.sm_clock_max_mhz),
                throttle_reasons: nvml::throttle_reason_names(bits),
                slowed_by: nvml::throttle_reason_names(nvml::slowing_reasons(busy_bits)),
                temperature_max_c: samples.iter().filter_map(|s| s.temperature_c).max(),
                other_processes,
            }
        })
        .collect()
}

/// The likely causes of noise in `d`, one sentence each, by the thresholds
/// above ([`STEAL_WARN_PCT`] …); empty when nothing stands out.
pub fn causes(d: &Diagnostics) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = d.cpu_steal_pct.filter(|s| *s >= STEAL_WARN_PCT) {
        out.push(format!("CPU steal {s:.0} %: the VM's host is taking cycles from this machine; numbers will not reproduce"));
    }
    if let Some(b) = d.cpu_busy_pct.filter(|b| *b >= MACHINE_BUSY_WARN_PCT) {
        let ours = d.tritium_cpu_cores.map(|t| format!(" (tritium and its model processes: {t:.1} cores)")).unwrap_or_default();
        out.push(format!("the machine's CPUs were {b:.0} % busy{ours}: threads queue for a CPU, which adds latency and noise"));
    }
    if let (Some(o), Some(n)) = (d.other_cpu_cores, d.cores) {
        if o >= OTHER_CPU_WARN_SHARE * n as f64 {
            out.push(format!("processes outside tritium used {o:.1} of {n} cores: other work competes with the model"));
        }
    }
    if let (Some(l), Some(n)) = (d.load_avg_1m, d.cores) {
        if l > LOAD_WARN_PER_CORE * n as f64 {
            out.push(format!("machine load {l:.1} on {n} cores: more threads wanted a CPU than there are cores (tritium's own included), so they wait their turn"));
        }
    }
    for p in d.processes.iter().filter(|p| p.role != ProcessRole::Tritium && p.cpu_pct >= PROCESS_SATURATED_PCT).take(MAX_WARNINGS_PER_KIND) {
        let what = match (&p.model, &p.name) {
            (Some(m), _) => format!("the model's stub process (pid {}, {m})", p.pid),
            (None, Some(n)) => format!("tritium's child process (pid {}, {n})", p.pid),
            (None, None) => format!("tritium's child process (pid {})", p.pid),
        };
        out.push(format!("{what} is at {:.0} % of one core: results are CPU-bound and noisy", p.cpu_pct));
    }
    if let (Some(c), Some(t)) = (d.loadgen_cpu_cores, d.loadgen_threads) {
        let avail = d.cores.map_or(t, |n| n.min(t)).max(1);
        if c >= LOADGEN_SATURATED_SHARE * avail as f64 {
            out.push(format!("the load generator's threads used {c:.1} of {avail} cores: the client may be the bottleneck"));
        }
    }
    for g in &d.gpus {
        let slowed = if g.slowed_by.is_empty() { String::new() } else { format!(" (throttle: {})", g.slowed_by.join(", ")) };
        match (g.sm_clock_min_mhz, g.sm_clock_max_mhz) {
            (Some(lo), Some(hi)) if hi > 0 && (hi - lo) as f64 / hi as f64 >= CLOCK_SPREAD_WARN => {
                out.push(format!("GPU {} clocks varied {lo}–{hi} MHz{slowed}: results depend on clocks", g.index));
            }
            (_, hi) if !g.slowed_by.is_empty() => {
                let at = match (hi, g.sm_clock_device_max_mhz) {
                    (Some(h), Some(m)) => format!(", at most {h} of {m} MHz"),
                    (Some(h), None) => format!(", at most {h} MHz"),
                    _ => String::new(),
                };
                out.push(format!("GPU {} clocks were held down ({}{at}): results depend on clocks", g.index, g.slowed_by.join(", ")));
            }
            _ => {}
        }
        if let Some(t) = g.temperature_max_c.filter(|t| *t >= TEMPERATURE_WARN_C) {
            let thermal: Vec<&str> = g.slowed_by.iter().filter(|r| r.contains("thermal")).map(String::as_str).collect();
            let why = if thermal.is_empty() { String::new() } else { format!(" ({})", thermal.join(", ")) };
            out.push(format!("GPU {} temperature reached {t} °C{why}: it may slow down as it heats", g.index));
        }
        for p in g.other_processes.iter().take(MAX_WARNINGS_PER_KIND) {
            let mut who = format!("pid {}", p.pid);
            if let Some(n) = &p.name {
                who += &format!(", {n}");
            }
            if let Some(mb) = p.memory_mb {
                who += &if mb >= 1000.0 { format!(", {:.1} GB", mb / 1000.0) } else { format!(", {mb:.0} MB") };
            }
            if p.name.is_some() {
                out.push(format!("another process ({who}) uses GPU {}: it competes for the GPU's time and memory", g.index));
            } else {
                // A pid this process cannot see: another container's, or (when tritium
                // itself runs in a container) tritium's own under its host pid.
                out.push(format!(
                    "a process not visible from here ({who}) uses GPU {}: another container's job competes for the GPU, unless it is tritium itself seen by its host pid",
                    g.index
                ));
            }
        }
    }
    out
}

/// `comm` and (for a Python stub) model of a live process.
fn live_name(pid: u32) -> (Option<String>, Option<String>) {
    let model = tritium_util::procfs::cmdline(pid).and_then(|a| tritium_util::procfs::stub_model(&a));
    (tritium_util::procfs::comm(pid), model)
}

/// Fills `point.diagnostics` from the sampler's readings of the last
/// `measured` (the point's windows, ending about now: the drain after the
/// last window is short) and adds the [`causes`], prefixed with the point's
/// `label`, to its warnings and shows them to `obs` (so `profile`, which
/// does not print a point's warnings, shows them too). `threads`: the load
/// generator's worker threads.
pub(crate) fn attach(point: &mut LoadPoint, sampler: &Sampler, measured: Duration, threads: usize, label: &str, obs: &dyn Observer) {
    let to = Instant::now();
    let from = to.checked_sub(measured).unwrap_or(to);
    let r = sampler.readings(from, to);
    let loadgen = (point.loadgen_cpu_cores, u32::try_from(threads).ok());
    let mut d = from_readings(&r, &sampler.gpu_infos, sampler.gpu_note.clone(), &MachineNow::read(), loadgen, &live_name);
    d.causes = causes(&d);
    for c in &d.causes {
        let w = format!("{label}: {c}");
        obs.warn(&w);
        point.warnings.push(w);
    }
    point.diagnostics = Some(d);
}

#[cfg(test)]
mod tests;
