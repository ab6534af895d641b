//! Worker processes on one host (`tritium_workers`, Model Analyzer's `gpus`
//! list of two or more GPUs; issue 15): which workers a profile runs, each a
//! shard of the profile ([`crate::shard`]) with its own embedded server and,
//! for a GPU list, its own GPU. The binary starts them and merges their
//! shards as `tritium merge` does ([`crate::merge`]): one mechanism for a
//! Slurm array, a Kubernetes Indexed Job and the GPUs of one host.
//!
//! Rules ([`plan`]):
//! * `auto` with a `gpus` list of `K >= 2` GPUs: `K` workers, worker `i` on
//!   GPU `i` alone (`CUDA_VISIBLE_DEVICES` its UUID). Deviation, announced:
//!   Model Analyzer runs one server that sees every listed GPU and measures
//!   each config on all of them; `tritium_workers: 1` keeps that meaning.
//! * `auto` otherwise, and `1`: one process (no workers).
//! * `N >= 2` without a GPU list (or with one GPU): `N` workers sharing what
//!   the process sees (CPU models on a large host; several workers on one GPU
//!   measure each other's load, so the caller warns).
//! * `N >= 2` with a list of `K >= 2` GPUs: only `N = K`.
//! * Inside a shard (`--shard`, a Slurm array task, an Indexed Job's pod):
//!   no workers; `N >= 2` there is an error (a shard is one worker: give the
//!   scheduler one task per GPU).

use tritium_bench::gpus::Selection;
use tritium_triton::gpu::nvml::GpuInfo;

use crate::config::Workers;
use crate::shard::Shard;

/// One worker: its shard, and the GPU it alone sees (None: it sees what this
/// process sees).
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    /// The shard it runs.
    pub shard: Shard,
    /// Its GPU (`CUDA_VISIBLE_DEVICES` = its UUID).
    pub gpu: Option<GpuInfo>,
}

impl Worker {
    /// A short label for its output lines: `w0`, or `w0 GPU-1a2b3c4d`.
    pub fn label(&self) -> String {
        match &self.gpu {
            Some(g) => format!("w{} gpu {} {}", self.shard.index, g.index, g.uuid.chars().take(12).collect::<String>()),
            None => format!("w{}", self.shard.index),
        }
    }
}

/// The workers `workers` and the `gpus` `selection` ask for (empty: run in
/// this process). `sharded`: this process is already a shard. Errors name
/// the keys and say what to do.
pub fn plan(workers: Workers, selection: &Selection, sharded: bool) -> Result<Vec<Worker>, String> {
    let listed: &[GpuInfo] = match selection {
        Selection::Only(g) => g,
        Selection::All => &[],
    };
    let n = match workers {
        Workers::Auto if listed.len() >= 2 && !sharded => listed.len() as u32,
        Workers::Auto | Workers::Count(1) => return Ok(Vec::new()),
        Workers::Count(n) => n,
    };
    if sharded {
        return Err(format!(
            "tritium_workers {n}: this process is already a shard (--shard, or a Slurm array task / Kubernetes Indexed Job): a shard is one worker; give the scheduler one task per GPU instead, or set tritium_workers: 1"
        ));
    }
    let shard = |i: u32| Shard::new(i, n).map_err(|e| e.to_string());
    if listed.len() >= 2 {
        if n as usize != listed.len() {
            return Err(format!(
                "tritium_workers {n} with {} GPUs in gpus: workers are one per GPU; set tritium_workers to {} (or auto), or to 1 for one process that sees every listed GPU",
                listed.len(),
                listed.len()
            ));
        }
        return listed.iter().enumerate().map(|(i, g)| Ok(Worker { shard: shard(i as u32)?, gpu: Some(g.clone()) })).collect();
    }
    (0..n).map(|i| Ok(Worker { shard: shard(i)?, gpu: None })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(i: u32) -> GpuInfo {
        GpuInfo { index: i, name: "NVIDIA H200".into(), uuid: format!("GPU-{i}{i}{i}{i}-aaaa"), memory_total_bytes: 1 << 30, sm_clock_max_mhz: None }
    }

    #[test]
    fn a_list_of_gpus_gets_one_worker_per_gpu_in_list_order() {
        let sel = Selection::Only(vec![gpu(3), gpu(1)]);
        let w = plan(Workers::Auto, &sel, false).unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].shard, w[0].gpu.as_ref().map(|g| g.index)), (Shard::new(0, 2).unwrap(), Some(3)));
        assert_eq!((w[1].shard, w[1].gpu.as_ref().map(|g| g.index)), (Shard::new(1, 2).unwrap(), Some(1)));
        assert_eq!(w[1].label(), "w1 gpu 1 GPU-1111-aaa");
        // The same with the count given.
        assert_eq!(plan(Workers::Count(2), &sel, false).unwrap(), w);
    }

    #[test]
    fn one_process_when_nothing_asks_for_workers() {
        for sel in [Selection::All, Selection::Only(vec![]), Selection::Only(vec![gpu(0)])] {
            assert!(plan(Workers::Auto, &sel, false).unwrap().is_empty(), "{sel:?}");
            assert!(plan(Workers::Count(1), &sel, false).unwrap().is_empty(), "{sel:?}");
        }
        // tritium_workers: 1 keeps Model Analyzer's meaning of a list: one server, every GPU.
        assert!(plan(Workers::Count(1), &Selection::Only(vec![gpu(0), gpu(1)]), false).unwrap().is_empty());
        // A shard never fans out by itself.
        assert!(plan(Workers::Auto, &Selection::Only(vec![gpu(0), gpu(1)]), true).unwrap().is_empty());
    }

    #[test]
    fn workers_without_a_gpu_list_share_what_the_process_sees() {
        let w = plan(Workers::Count(3), &Selection::All, false).unwrap();
        assert_eq!(w.iter().map(|w| (w.shard.index, w.shard.count, w.gpu.is_none())).collect::<Vec<_>>(), [(0, 3, true), (1, 3, true), (2, 3, true)]);
        assert_eq!(w[2].label(), "w2");
        assert_eq!(plan(Workers::Count(2), &Selection::Only(vec![gpu(0)]), false).unwrap().len(), 2);
    }

    #[test]
    fn contradictions_are_refused_with_what_to_do() {
        let e = plan(Workers::Count(3), &Selection::Only(vec![gpu(0), gpu(1)]), false).unwrap_err();
        assert!(e.contains("tritium_workers 3 with 2 GPUs") && e.contains("one per GPU"), "{e}");
        let e = plan(Workers::Count(2), &Selection::All, true).unwrap_err();
        assert!(e.contains("already a shard") && e.contains("one task per GPU"), "{e}");
    }
}
