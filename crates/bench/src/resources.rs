//! Resource sampling during measurement: NVML (GPU utilisation, power, SM
//! clock, temperature, throttle reasons, memory of the whole device and of
//! tritium's process tree, other processes on the GPU) and /proc (CPU time
//! per process and RSS of tritium plus its children — Python-backend models
//! run in stub processes — and the machine's CPU counters). Runs on a tokio
//! timer thread, off the request path.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::export::{GpuUsage, ResourceUsage};
use tritium_triton::gpu::nvml::{GpuInfo, GpuProcess, GpuSample, Gpus};
use tritium_util::machine::CpuTimes;

/// One reading.
#[derive(Debug, Clone)]
pub struct Reading {
    /// When.
    pub at: Instant,
    /// Per GPU (empty without NVML).
    pub gpus: Vec<GpuSample>,
    /// The NVML index of each of `gpus` (a GPU whose sample failed is left
    /// out of both).
    pub gpu_indices: Vec<u32>,
    /// CPU seconds used so far by the process tree.
    pub cpu_seconds: f64,
    /// Resident memory of the process tree, bytes.
    pub rss_bytes: u64,
    /// CPU seconds used so far by each process of the tree, `(pid, seconds)`.
    pub per_pid: Vec<(u32, f64)>,
    /// The machine's CPU counters (None: /proc/stat unreadable).
    pub machine: Option<CpuTimes>,
    /// Per GPU (as `gpus`), the processes on it outside the tree.
    pub gpu_others: Vec<Vec<GpuProcess>>,
}

/// A background sampler.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    readings: Arc<Mutex<Vec<Reading>>>,
    handle: Option<std::thread::JoinHandle<()>>,
    /// Why there are no GPU readings, if there are none.
    pub gpu_note: Option<String>,
    /// The GPUs sampled (empty without NVML).
    pub gpu_infos: Vec<GpuInfo>,
}

/// pids of this process and all its descendants.
pub fn process_tree() -> Vec<u32> {
    let parent_of = tritium_util::procfs::parents();
    let mut tree = vec![std::process::id()];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

/// (CPU seconds, RSS bytes) of `pids`.
pub fn cpu_and_rss(pids: &[u32]) -> (f64, u64) {
    let (per_pid, rss) = cpu_per_pid_and_rss(pids);
    (per_pid.iter().map(|(_, c)| c).sum(), rss)
}

/// (CPU seconds of each of `pids` that still exists, their total RSS bytes).
pub fn cpu_per_pid_and_rss(pids: &[u32]) -> (Vec<(u32, f64)>, u64) {
    let page = 4096u64;
    let mut cpu = Vec::with_capacity(pids.len());
    let mut rss = 0;
    for p in pids {
        if let Some(f) = tritium_util::procfs::stat_fields(&format!("/proc/{p}/stat")) {
            cpu.push((*p, tritium_util::procfs::cpu_seconds(&f)));
            rss += f.get(21).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) * page;
        }
    }
    (cpu, rss)
}

impl Sampler {
    /// Starts sampling every `interval` (≥ 10 Hz is what Model Analyzer-like GPU numbers need).
    pub fn start(interval: Duration) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let readings = Arc::new(Mutex::new(Vec::new()));
        let gpus = if tritium_triton::gpu::cuda_available() { Gpus::probe() } else { Err("no CUDA device".into()) };
        let gpu_note = gpus.as_ref().err().cloned();
        // Only the GPUs CUDA sees (`CUDA_VISIBLE_DEVICES`, which `gpus` sets): NVML lists them all.
        let gpu_infos: Vec<GpuInfo> = gpus.as_ref().map(|g| crate::gpus::visible_now(g.infos()).into_iter().cloned().collect()).unwrap_or_default();
        let sampled: Vec<u32> = gpu_infos.iter().map(|g| g.index).collect();
        let (s2, r2) = (stop.clone(), readings.clone());
        let handle = std::thread::Builder::new()
            .name("tritium-sampler".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
                    Ok(rt) => rt,
                    Err(_) => return,
                };
                rt.block_on(async move {
                    let mut tick = tokio::time::interval(interval);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                    let mut tree = process_tree();
                    let mut n = 0u64;
                    while !s2.load(Ordering::Relaxed) {
                        tick.tick().await;
                        if n.is_multiple_of(10) {
                            tree = process_tree(); // stubs come and go with model loads
                        }
                        n += 1;
                        let (per_pid, rss_bytes) = cpu_per_pid_and_rss(&tree);
                        let cpu_seconds = per_pid.iter().map(|(_, c)| c).sum();
                        let machine = tritium_util::machine::cpu_times();
                        let (mut gpus_now, mut gpu_others, mut gpu_indices) = (Vec::new(), Vec::new(), Vec::new());
                        if let Ok(g) = &gpus {
                            for &i in &sampled {
                                if let Ok((s, o)) = g.sample_with_others(i, &tree) {
                                    gpus_now.push(s);
                                    gpu_others.push(o);
                                    gpu_indices.push(i);
                                }
                            }
                        }
                        if let Ok(mut r) = r2.lock() {
                            r.push(Reading { at: Instant::now(), gpus: gpus_now, gpu_indices, cpu_seconds, rss_bytes, per_pid, machine, gpu_others });
                        }
                    }
                })
            })
            .ok();
        Sampler { stop, readings, handle, gpu_note, gpu_infos }
    }

    /// Summary of the readings taken between `from` and `to`.
    pub fn summarize(&self, from: Instant, to: Instant) -> ResourceUsage {
        summarize(&self.readings(from, to), &self.gpu_infos)
    }

    /// The readings taken between `from` and `to`.
    pub fn readings(&self, from: Instant, to: Instant) -> Vec<Reading> {
        self.readings.lock().map(|r| r.iter().filter(|x| x.at >= from && x.at <= to).cloned().collect()).unwrap_or_default()
    }

    /// Stops the sampler thread.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Aggregates readings: averages for utilisation/power/clock, maxima for memory,
/// CPU % from the first and last reading; each GPU's own figures in
/// `per_gpu` (named by their UUID in `infos`, else `GPU <index>`).
pub fn summarize(r: &[Reading], infos: &[GpuInfo]) -> ResourceUsage {
    let mut u = ResourceUsage::default();
    if r.len() >= 2 {
        let (a, b) = (&r[0], &r[r.len() - 1]);
        let dt = b.at.duration_since(a.at).as_secs_f64();
        if dt > 0.0 {
            u.cpu_util_pct = Some((b.cpu_seconds - a.cpu_seconds).max(0.0) / dt * 100.0);
        }
    }
    if !r.is_empty() {
        u.rss_mb = r.iter().map(|x| x.rss_bytes).max().map(|b| b as f64 / 1e6);
    }
    let with_gpu: Vec<&Reading> = r.iter().filter(|x| !x.gpus.is_empty()).collect();
    if !with_gpu.is_empty() {
        let n = with_gpu.len() as f64;
        // Sum over GPUs per reading, then average/max over readings.
        let per = |f: &dyn Fn(&GpuSample) -> f64| with_gpu.iter().map(|x| x.gpus.iter().map(f).sum::<f64>()).collect::<Vec<f64>>();
        let avg = |v: Vec<f64>| v.iter().sum::<f64>() / n;
        let max = |v: Vec<f64>| v.into_iter().fold(0.0f64, f64::max);
        let gpus = with_gpu[0].gpus.len() as f64;
        u.gpu_utilization_pct = Some(avg(per(&|g| g.utilization_pct)) / gpus);
        u.gpu_power_w = Some(avg(per(&|g| g.power_w)));
        u.gpu_sm_clock_mhz = Some(avg(per(&|g| g.sm_clock_mhz as f64)) / gpus);
        u.gpu_memory_used_mb = Some(max(per(&|g| g.memory_used_bytes as f64)) / 1e6);
        u.gpu_memory_process_mb = Some(max(per(&|g| g.process_memory_bytes as f64)) / 1e6);
    }
    u.per_gpu = per_gpu(r, infos);
    u
}

/// Each GPU's usage over the readings, in NVML index order: peak memory,
/// average utilization and power over the readings that sampled it.
fn per_gpu(r: &[Reading], infos: &[GpuInfo]) -> Vec<GpuUsage> {
    let mut by_index: std::collections::BTreeMap<u32, Vec<&GpuSample>> = std::collections::BTreeMap::new();
    for x in r {
        for (pos, s) in x.gpus.iter().enumerate() {
            let i = x.gpu_indices.get(pos).copied().unwrap_or(pos as u32);
            by_index.entry(i).or_default().push(s);
        }
    }
    by_index
        .into_iter()
        .map(|(i, v)| {
            let n = v.len() as f64;
            GpuUsage {
                uuid: infos.iter().find(|g| g.index == i).map(|g| g.uuid.clone()).unwrap_or_else(|| format!("GPU {i}")),
                memory_used_mb: v.iter().map(|s| s.memory_used_bytes as f64 / 1e6).reduce(f64::max),
                utilization_pct: Some(v.iter().map(|s| s.utilization_pct).sum::<f64>() / n),
                power_w: Some(v.iter().map(|s| s.power_w).sum::<f64>() / n),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_tree_contains_self_and_children() {
        let mut child = std::process::Command::new("sleep").arg("2").spawn().unwrap();
        let tree = process_tree();
        assert_eq!(tree[0], std::process::id());
        assert!(tree.contains(&child.id()));
        let (cpu, rss) = cpu_and_rss(&tree);
        assert!(cpu >= 0.0 && rss > 0);
        let _ = child.kill();
        let _ = child.wait();
    }

    #[test]
    fn summary_of_gpu_readings() {
        let t0 = Instant::now();
        let g = |u, m| GpuSample { utilization_pct: u, memory_used_bytes: m, process_memory_bytes: m / 2, power_w: 100.0, sm_clock_mhz: 1980, ..Default::default() };
        let r = vec![
            Reading { at: t0, gpus: vec![g(10.0, 1_000_000_000)], gpu_indices: vec![0], cpu_seconds: 1.0, rss_bytes: 10_000_000, per_pid: vec![], machine: None, gpu_others: vec![] },
            Reading { at: t0 + Duration::from_secs(1), gpus: vec![g(30.0, 3_000_000_000)], gpu_indices: vec![0], cpu_seconds: 1.5, rss_bytes: 20_000_000, per_pid: vec![], machine: None, gpu_others: vec![] },
        ];
        let u = summarize(&r, &[]);
        assert_eq!(u.gpu_utilization_pct, Some(20.0));
        assert_eq!(u.gpu_memory_used_mb, Some(3000.0));
        assert_eq!(u.gpu_memory_process_mb, Some(1500.0));
        assert!((u.cpu_util_pct.unwrap() - 50.0).abs() < 1e-9);
        assert_eq!(u.rss_mb, Some(20.0));
    }

    #[test]
    fn each_gpu_keeps_its_own_numbers() {
        let t0 = Instant::now();
        let g = |u, m, w| GpuSample { utilization_pct: u, memory_used_bytes: m, power_w: w, ..Default::default() };
        let at = |s, gpus: Vec<GpuSample>, idx: Vec<u32>| Reading { at: t0 + Duration::from_secs(s), gpus, gpu_indices: idx, cpu_seconds: 0.0, rss_bytes: 0, per_pid: vec![], machine: None, gpu_others: vec![] };
        let r = vec![
            at(0, vec![g(10.0, 1_000_000_000, 100.0), g(90.0, 5_000_000_000, 300.0)], vec![0, 1]),
            at(1, vec![g(30.0, 2_000_000_000, 200.0), g(70.0, 4_000_000_000, 250.0)], vec![0, 1]),
            // GPU 0's sample failed: only GPU 1 is in this reading.
            at(2, vec![g(80.0, 6_000_000_000, 350.0)], vec![1]),
        ];
        let info = |index, uuid: &str| GpuInfo { index, name: "H200".into(), uuid: uuid.into(), memory_total_bytes: 0, sm_clock_max_mhz: None };
        let u = summarize(&r, &[info(0, "GPU-a"), info(1, "GPU-b")]);
        assert_eq!(u.per_gpu.len(), 2);
        let (a, b) = (&u.per_gpu[0], &u.per_gpu[1]);
        assert_eq!((a.uuid.as_str(), a.memory_used_mb, a.utilization_pct, a.power_w), ("GPU-a", Some(2000.0), Some(20.0), Some(150.0)));
        assert_eq!((b.uuid.as_str(), b.memory_used_mb, b.utilization_pct, b.power_w), ("GPU-b", Some(6000.0), Some(80.0), Some(300.0)));
        // Without the GPUs' descriptions the index names them.
        assert_eq!(summarize(&r, &[]).per_gpu[1].uuid, "GPU 1");
    }

    #[test]
    fn no_gpu_readings_means_no_gpu_numbers() {
        let u = summarize(&[Reading { at: Instant::now(), gpus: vec![], gpu_indices: vec![], cpu_seconds: 0.0, rss_bytes: 1, per_pid: vec![], machine: None, gpu_others: vec![] }], &[]);
        assert!(u.gpu_memory_used_mb.is_none() && u.gpu_utilization_pct.is_none() && u.per_gpu.is_empty());
    }
}
