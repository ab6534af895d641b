//! Sharding a profile (`tritium profile --shard I/N`, issue 15): which part
//! of the work one shard runs, and where it writes.
//!
//! # Work units
//!
//! The plan's work is cut into units, listed in plan order (model by model,
//! then within a model), and unit `u` goes to shard `u mod N`: every shard
//! computes the same deal from the same config file, with no coordination.
//!
//! * A quick-search model is one unit: its climb is sequential.
//! * A brute-search model is one unit per *walk* of its search: in automatic
//!   mode one per instance count (`run_config_search_min_instance_count` to
//!   `max`; its `max_batch_size` doubling, with Model Analyzer's early exits,
//!   stays on one shard, so the exits decide as in a single run); in manual
//!   mode one per combination of `model_config_parameters` other than
//!   `max_batch_size` (one [`manual_variant_groups`](crate::search::manual_variant_groups)
//!   group). A brute model with nothing to walk (search disabled, no
//!   parameters) is one unit.
//! * An ensemble is searched by quick search: it is run whole by the shard
//!   owning its first unit (the plan does not know a model is an ensemble
//!   before its config is read, so it is dealt as its mode says).
//!
//! Every shard that owns part of a brute model also measures the model's
//! default config (the reference of its search, always measured first); the
//! merge keeps the default of the lowest shard index. Within a sharded brute
//! model, each config is named by its index in the full enumeration of the
//! model's walks (`<model>_config_<index>`), so shards never collide; a
//! single run names configs in the order it registers them, which is the
//! same enumeration order as long as no early exit skipped a config.
//!
//! # Deviations from a single run
//!
//! * The final concurrency sweep of the top configs (brute search with a
//!   searched concurrency) runs per shard over that shard's configs: a
//!   config may get sweep points it would not get in a single run. Give the
//!   `concurrency` list to measure exactly the same points.
//! * The incumbent that lets brute search skip a config whose throughput
//!   bound cannot beat it (issue 13) is the shard's own best, so a shard may
//!   measure a config a single run would have skipped.
//! * `num_top_model_configs` (the cross-model list) is computed by the
//!   merge, not by the shards.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{ProfileConfig, SearchMode};
use crate::plan::{ModelPlan, Plan};

/// One shard of `count`: `index` in `0..count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based index.
    pub index: u32,
    /// Number of shards (at least 1).
    pub count: u32,
}

/// Why a shard could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShardError(pub String);

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// A checked shard: `count >= 1`, `index < count`.
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError("the shard count must be at least 1".into()));
        }
        if index >= count {
            return Err(ShardError(format!("shard index {index} is not below the shard count {count} (indices are 0 to {})", count - 1)));
        }
        Ok(Shard { index, count })
    }

    /// Parses `I/N` (`--shard 0/4`).
    pub fn parse(s: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError(format!("--shard {s:?}: expected I/N with 0 <= I < N, e.g. --shard 0/4"));
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let i: u32 = i.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n).map_err(|e| ShardError(format!("--shard {s:?}: {e}")))
    }

    /// The shard the environment of a scheduler names, if any: a Slurm
    /// array task (`SLURM_ARRAY_TASK_ID` - `SLURM_ARRAY_TASK_MIN`, divided by
    /// `SLURM_ARRAY_TASK_STEP`, of `SLURM_ARRAY_TASK_COUNT`), else a
    /// Kubernetes Indexed Job (`JOB_COMPLETION_INDEX` of
    /// `TRITIUM_SHARD_COUNT`, which must be set with it). `var` reads one
    /// variable (`std::env::var` in the binary).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, ShardError> {
        let num = |name: &str| -> Result<Option<u64>, ShardError> {
            match var(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| ShardError(format!("{name}={v:?} is not a non-negative integer"))),
            }
        };
        let small = |name: &str, v: u64| u32::try_from(v).map_err(|_| ShardError(format!("{name}={v} is too large")));
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let count = num("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| ShardError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (an array job sets both); pass --shard I/N".into()))?;
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
            if id < min || (id - min) % step != 0 {
                return Err(ShardError(format!("SLURM_ARRAY_TASK_ID={id} is not SLURM_ARRAY_TASK_MIN={min} plus a multiple of SLURM_ARRAY_TASK_STEP={step}; pass --shard I/N")));
            }
            let index = small("SLURM_ARRAY_TASK_ID", (id - min) / step)?;
            let count = small("SLURM_ARRAY_TASK_COUNT", count)?;
            return Shard::new(index, count).map(Some).map_err(|e| ShardError(format!("Slurm array task (SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_COUNT={count}): {e}; an array with gaps (--array=0,3,7) cannot name its shards: use --array=0-{}", count.saturating_sub(1))));
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let count = num("TRITIUM_SHARD_COUNT")?.ok_or_else(|| ShardError("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but TRITIUM_SHARD_COUNT is not: set it to the Job's completions".into()))?;
            let (i, n) = (small("JOB_COMPLETION_INDEX", index)?, small("TRITIUM_SHARD_COUNT", count)?);
            return Shard::new(i, n).map(Some).map_err(|e| ShardError(format!("Kubernetes Indexed Job (JOB_COMPLETION_INDEX={index}, TRITIUM_SHARD_COUNT={count}): {e}")));
        }
        Ok(None)
    }

    /// The shard to run: `--shard` when given (it wins), else the
    /// environment's, else none (the whole profile).
    pub fn resolve(flag: Option<&str>, var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, ShardError> {
        match flag {
            Some(s) => Shard::parse(s).map(Some),
            None => Shard::from_env(var),
        }
    }

    /// `I-of-N`, the shard's folder and file-name tag.
    pub fn tag(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }

    /// `<export_path>/shards/<I>-of-<N>`: everything the shard writes under
    /// the export path.
    pub fn dir(&self, export_path: &Path) -> PathBuf {
        shards_dir(export_path).join(self.tag())
    }

    /// The shard's own checkpoint: `<checkpoint_directory>/tritium-profile.shard-<I>-of-<N>.ckpt.json`.
    pub fn checkpoint(&self, cfg: &ProfileConfig) -> PathBuf {
        cfg.checkpoint_directory.join(format!("tritium-profile.shard-{}.ckpt.json", self.tag()))
    }

    /// The shard's results folder (`results.json`, its CSVs).
    pub fn results_dir(&self, export_path: &Path) -> PathBuf {
        self.dir(export_path).join("results")
    }

    /// The shard's staging output model repository (the merge writes the real one).
    pub fn output_repository(&self, export_path: &Path) -> PathBuf {
        self.dir(export_path).join("output_model_repository")
    }
}

/// `<export_path>/shards`.
pub fn shards_dir(export_path: &Path) -> PathBuf {
    export_path.join("shards")
}

/// One unit of work: a whole model, or one walk of a brute model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unit {
    /// The model.
    pub model: String,
    /// The walk of a brute model (its index among the model's walks); None: the whole model.
    pub walk: Option<usize>,
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.walk {
            Some(w) => write!(f, "{}#{w}", self.model),
            None => write!(f, "{}", self.model),
        }
    }
}

/// How many walks a brute model's search has (0: the model is one unit).
pub fn walks_of(model: &ModelPlan) -> usize {
    if model.search.mode != SearchMode::Brute {
        return 0;
    }
    if let Some(params) = model.model_config_parameters.as_ref().filter(|p| !p.is_empty()) {
        let mut rest = params.clone();
        rest.remove("max_batch_size");
        return if rest.is_empty() { 1 } else { crate::search::expand_model_config_parameters(&rest).len() };
    }
    if model.search.disabled {
        return 0;
    }
    let b = &model.search.bounds;
    (b.max_instance_count.saturating_sub(b.min_instance_count) as usize + 1).max(1)
}

/// Every unit of `plan`, in the order they are dealt.
pub fn units(plan: &Plan) -> Vec<Unit> {
    let mut out = Vec::new();
    for m in &plan.models {
        match walks_of(m) {
            0 | 1 => out.push(Unit { model: m.name.clone(), walk: None }),
            n => out.extend((0..n).map(|w| Unit { model: m.name.clone(), walk: Some(w) })),
        }
    }
    out
}

/// What one shard runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The shard.
    pub shard: Shard,
    /// Its units, in plan order.
    pub units: Vec<Unit>,
}

impl Assignment {
    /// The deal of `plan` for `shard`: unit `u` (in [`units`] order) goes to shard `u mod N`.
    pub fn of(plan: &Plan, shard: Shard) -> Assignment {
        let units = units(plan).into_iter().enumerate().filter(|(u, _)| *u as u64 % u64::from(shard.count) == u64::from(shard.index)).map(|(_, x)| x).collect();
        Assignment { shard, units }
    }

    /// Whether the shard runs any part of `model`.
    pub fn has_model(&self, model: &str) -> bool {
        self.units.iter().any(|u| u.model == model)
    }

    /// Whether the shard owns the model's first unit (a whole model, or walk 0).
    pub fn owns_first(&self, model: &str) -> bool {
        self.units.iter().any(|u| u.model == model && u.walk.unwrap_or(0) == 0)
    }

    /// The walks of `model` the shard runs: None when it runs the whole
    /// model (or none of it: see [`has_model`](Self::has_model)).
    pub fn walks(&self, model: &str) -> Option<BTreeSet<usize>> {
        let w: BTreeSet<usize> = self.units.iter().filter(|u| u.model == model).filter_map(|u| u.walk).collect();
        (!w.is_empty()).then_some(w)
    }

    /// The units as strings (`model`, `model#walk`), for results.json.
    pub fn unit_names(&self) -> Vec<String> {
        self.units.iter().map(Unit::to_string).collect()
    }
}

/// A shard's record in its results.json (`shard`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// 0-based index.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
    /// Hash of the config file's resolved plan ([`plan_hash`]): the merge
    /// refuses shards of another plan.
    pub plan_hash: String,
    /// The units the shard owned (`model`, or `model#walk` of a brute model).
    pub units: Vec<String>,
    /// True once the shard ran every unit (false in an interrupted shard's files).
    pub complete: bool,
    /// The UUIDs of the GPUs the shard saw (its `CUDA_VISIBLE_DEVICES`): the
    /// merged CSV tables' GPU rows name them. Empty without a GPU, and in
    /// files of older tritiums.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpu_uuids: Vec<String>,
}

/// FNV-1a (hex) of the plan's fingerprint (`run::fingerprint`): equal for
/// shards of the same config file, whatever the shard.
pub fn plan_hash(plan: &Plan) -> String {
    let f = crate::run::fingerprint(plan);
    format!("{:016x}", tritium_util::fnv1a(f.to_string().as_bytes()))
}

#[cfg(test)]
mod tests;
