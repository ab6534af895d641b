//! `tritium merge`: the shards of a sharded profile (`--shard I/N`, see
//! [`crate::shard`]) joined into the results one run would have produced.
//!
//! Rules:
//! * The shards are `<export_path>/shards/<I>-of-<N>/results/results.json`.
//!   Every one must carry the plan hash of the config file ([`plan_hash`]):
//!   a shard of another config is refused ([`MergeError::Foreign`]), and so
//!   is a mix of shard counts.
//! * A shard index of `0..N` without results, and a shard that did not finish
//!   (`complete: false`, an interrupted shard), are named
//!   ([`MergeError::Incomplete`]); [`MergeOptions::allow_partial`] merges what
//!   is there anyway.
//! * A model run whole by one shard (quick search, an ensemble, a brute model
//!   of a single walk) is taken as that shard wrote it: its top configs are
//!   final. A brute model split over shards gets every config of each shard's
//!   walks; its default config, measured by each of those shards, is kept
//!   from the lowest shard index that has it (the others' default
//!   measurements are dropped). A config name held by two shards is an error (shards of one
//!   plan never collide). Its `top` and `tied_with` are ranked again from the
//!   merged measurements by the search's ranking
//!   ([`rank_candidates_with`](crate::search::rank_candidates_with), each
//!   config represented by [`representative`](crate::search::representative),
//!   as the search's `top_configs` does), keeping `num_configs_per_model`.
//!   Re-measurements of ties are kept as each shard recorded them; the drift
//!   record is the lowest shard's.
//! * The cross-model list (`num_top_model_configs`) is computed from the
//!   merged models ([`run::top_model_configs`](crate::run::top_model_configs)).
//! * Times (`time`, each model's `search`) are the shards' sums: machine
//!   time, not the elapsed time of shards that ran in parallel (`sessions`
//!   is the most sessions of one shard: more than 1 when a shard resumed).
//! * The CSV tables' GPUs are those the shards recorded (`shard.gpu_uuids`,
//!   [`gpu_uuids`]); each GPU row names the GPU its shard measured. The
//!   server-only rows are every shard's GPUs ([`server_only`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{Objectives, ProfileConfig};
use crate::output;
use crate::plan::Plan;
use crate::results::{self, ModelResults, ModelStatus, ProfileResults, TimeAnatomy};
use crate::search::{self, Resources};
use crate::shard::{plan_hash, shards_dir, Shard};

/// Why shards cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Shards of another config file (plan hash) or of another shard count.
    #[error("{0}")]
    Foreign(String),
    /// Shards are missing or did not finish.
    #[error("{0}")]
    Incomplete(String),
    /// The shards' files cannot be read or contradict each other.
    #[error("{0}")]
    Invalid(String),
}

/// One shard's results, as found under the export path.
#[derive(Debug, Clone)]
pub struct ShardFile {
    /// Its results.json.
    pub path: PathBuf,
    /// What it holds.
    pub results: ProfileResults,
}

/// Options of [`merge`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeOptions {
    /// Merge although shards are missing or incomplete.
    pub allow_partial: bool,
}

/// What [`merge`] found besides the merged results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeReport {
    /// The shard count.
    pub count: u32,
    /// Shard indices merged.
    pub merged: Vec<u32>,
    /// Missing or incomplete shards, one line each (empty: all there).
    pub gaps: Vec<String>,
}

/// Reads every `<export_path>/shards/*/results/results.json`, in folder-name order.
pub fn discover(export_path: &Path) -> Result<Vec<ShardFile>, MergeError> {
    let dir = shards_dir(export_path);
    let entries = std::fs::read_dir(&dir).map_err(|e| MergeError::Invalid(format!("{}: {e}: no shards here (a sharded profile writes <export_path>/shards/I-of-N)", dir.display())))?;
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let mut out = Vec::new();
    for d in dirs {
        let path = d.join("results").join("results.json");
        if !path.exists() {
            continue;
        }
        let results = ProfileResults::read(&path).map_err(|e| MergeError::Invalid(format!("{}: {e}", path.display())))?;
        out.push(ShardFile { path, results });
    }
    Ok(out)
}

/// Checks the shards against `plan` and merges them (see the module docs).
pub fn merge(shards: &[ShardFile], plan: &Plan, num_configs_per_model: usize, num_top_model_configs: u32, objectives: &Objectives, opts: MergeOptions) -> Result<(ProfileResults, MergeReport), MergeError> {
    let hash = plan_hash(plan);
    let mut by_index: BTreeMap<u32, &ShardFile> = BTreeMap::new();
    let mut count = None;
    for s in shards {
        let Some(rec) = &s.results.shard else {
            return Err(MergeError::Invalid(format!("{}: not a shard's results (no `shard` record)", s.path.display())));
        };
        if rec.plan_hash != hash {
            return Err(MergeError::Foreign(format!("{}: shard {}/{} was run with another config (plan hash {}, this config's {hash}); merge with the config file the shards ran with, or remove the stale shards", s.path.display(), rec.index, rec.count, rec.plan_hash)));
        }
        match count {
            None => count = Some(rec.count),
            Some(n) if n != rec.count => return Err(MergeError::Foreign(format!("shards of different shard counts ({n} and {}) under one export path: {}; remove the stale ones", rec.count, s.path.display()))),
            _ => {}
        }
        if by_index.insert(rec.index, s).is_some() {
            return Err(MergeError::Invalid(format!("shard {}/{} found twice", rec.index, rec.count)));
        }
    }
    let count = count.ok_or_else(|| MergeError::Incomplete("no shard results found".into()))?;
    let mut gaps = Vec::new();
    for i in 0..count {
        let sh = Shard { index: i, count };
        match by_index.get(&i) {
            None => gaps.push(format!("shard {sh} is missing (no shards/{}/results/results.json): it failed or never ran; run it again (`tritium profile --shard {sh}`, with --resume when its checkpoint exists)", sh.tag())),
            Some(s) if !s.results.shard.as_ref().is_some_and(|r| r.complete) => gaps.push(format!("shard {sh} did not finish ({}): continue it with `tritium profile --shard {sh} --resume`", s.path.display())),
            Some(_) => {}
        }
    }
    if !gaps.is_empty() && !opts.allow_partial {
        return Err(MergeError::Incomplete(format!("{} of {count} shards cannot be merged:\n  {}\n(--allow-partial merges the others)", gaps.len(), gaps.join("\n  "))));
    }
    let parts: Vec<(u32, &ProfileResults)> = by_index.iter().map(|(i, s)| (*i, &s.results)).collect();
    let mut merged = header(&parts);
    for model in &plan.models {
        let pieces: Vec<(u32, &ModelResults)> = parts.iter().filter_map(|(i, r)| r.models.iter().find(|m| m.model == model.name).map(|m| (*i, m))).collect();
        match pieces.len() {
            0 => {
                if !gaps.is_empty() {
                    merged.problems.push(format!("model {}: no results (its shards are missing)", model.name));
                }
            }
            1 => merged.models.push(pieces[0].1.clone()),
            _ => merged.models.push(merge_model(&pieces, &model.objectives, num_configs_per_model)?),
        }
    }
    merged.num_top_model_configs = num_top_model_configs;
    if num_top_model_configs > 0 {
        merged.top_model_configs = crate::run::top_model_configs(&merged, objectives, num_top_model_configs as usize);
    }
    merged.problems.extend(gaps.iter().map(|g| format!("merge: {g}")));
    Ok((merged, MergeReport { count, merged: by_index.keys().copied().collect(), gaps }))
}

/// The run-level fields: the lowest shard's, times and problems summed.
fn header(parts: &[(u32, &ProfileResults)]) -> ProfileResults {
    let first = parts[0].1;
    let mut time: Option<TimeAnatomy> = None;
    for t in parts.iter().filter_map(|(_, r)| r.time.as_ref()) {
        *time.get_or_insert_with(Default::default) += t;
    }
    ProfileResults {
        schema_version: results::SCHEMA_VERSION,
        tool: first.tool.clone(),
        tool_version: first.tool_version.clone(),
        triton_version: first.triton_version.clone(),
        machine: first.machine.clone(),
        started_at: parts.iter().map(|(_, r)| r.started_at.clone()).min().unwrap_or_default(),
        config_file: first.config_file.clone(),
        search_mode: first.search_mode.clone(),
        constraints: first.constraints.clone(),
        objectives: first.objectives.clone(),
        fingerprint: first.fingerprint.clone(),
        problems: parts.iter().flat_map(|(i, r)| r.problems.iter().map(move |p| format!("shard {i}: {p}"))).collect(),
        time,
        // Each shard measured its own server with no model loaded: the GPUs of all of them.
        server_only: server_only(parts),
        ..Default::default()
    }
}

/// The shards' server-only measurements joined: the lowest shard's, with
/// every shard's GPUs (`per_gpu`, a GPU seen by several shards taken from
/// the lowest) and the GPU totals over them (memory and power summed,
/// utilization averaged). Shards on one machine that all saw the same GPUs
/// (a Slurm array on one node) give the lowest shard's record.
fn server_only(parts: &[(u32, &ProfileResults)]) -> Option<results::ServerOnlyRecord> {
    let mut records = parts.iter().filter_map(|(_, r)| r.server_only.as_ref());
    let mut out = records.next()?.clone();
    let before = out.resources.per_gpu.len();
    for r in records {
        for g in &r.resources.per_gpu {
            if !out.resources.per_gpu.iter().any(|h| h.uuid == g.uuid) {
                out.resources.per_gpu.push(g.clone());
            }
        }
    }
    let gpus = &out.resources.per_gpu;
    if gpus.len() > before {
        let sum = |f: fn(&tritium_bench::export::GpuUsage) -> Option<f64>| gpus.iter().map(f).sum::<Option<f64>>();
        out.resources.gpu_memory_used_mb = sum(|g| g.memory_used_mb);
        out.resources.gpu_power_w = sum(|g| g.power_w);
        out.resources.gpu_utilization_pct = sum(|g| g.utilization_pct).map(|u| u / gpus.len() as f64);
    }
    Some(out)
}

/// The GPUs the shards saw (their `shard.gpu_uuids`), each once, in shard
/// order: the merged CSV tables' GPUs.
pub fn gpu_uuids(shards: &[ShardFile]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut by_index: Vec<&ShardFile> = shards.iter().collect();
    by_index.sort_by_key(|s| s.results.shard.as_ref().map(|r| r.index));
    for s in by_index {
        for u in s.results.shard.iter().flat_map(|r| r.gpu_uuids.iter()) {
            if !out.contains(u) {
                out.push(u.clone());
            }
        }
    }
    out
}

/// The `_config_<n>` number of a config name (default: first).
fn config_order(model: &str, name: &str) -> (u8, u64) {
    match name.strip_prefix(model).and_then(|s| s.strip_prefix("_config_")) {
        Some("default") => (0, 0),
        Some(n) => (1, n.parse().unwrap_or(u64::MAX)),
        None => (2, 0),
    }
}

/// A brute model split over several shards (`pieces`, lowest index first).
fn merge_model(pieces: &[(u32, &ModelResults)], objectives: &Objectives, n: usize) -> Result<ModelResults, MergeError> {
    let (first_index, first) = pieces[0];
    let mut m = first.clone();
    if m.base_config.is_null() {
        m.base_config = pieces.iter().map(|(_, p)| p.base_config.clone()).find(|b| !b.is_null()).unwrap_or_default();
    }
    let mut owner: BTreeMap<String, u32> = m.configs.iter().map(|c| (c.name.clone(), first_index)).collect();
    for &(i, p) in &pieces[1..] {
        for c in &p.configs {
            let default = c.variant.is_default || c.name == p.default_config;
            if let Some(j) = owner.get(&c.name) {
                if default {
                    // Measured by every shard of the model: the lowest shard's is kept.
                    continue;
                }
                return Err(MergeError::Invalid(format!("model {}: config {} is held by shards {j} and {i}: the shards do not come from one sharded run", m.model, c.name)));
            }
            owner.insert(c.name.clone(), i);
            m.configs.push(c.clone());
            m.measurements.extend(p.measurements.iter().filter(|r| r.config == c.name).cloned());
            m.skipped.extend(p.skipped.iter().filter(|k| k.config == c.name).cloned());
        }
        m.remeasurements.extend(p.remeasurements.iter().cloned());
        for u in &p.unapplied_constraints {
            if !m.unapplied_constraints.contains(u) {
                m.unapplied_constraints.push(u.clone());
            }
        }
        m.search += &p.search;
        m.complete &= p.complete;
    }
    // One run's order: the default, then by config number.
    let model = m.model.clone();
    m.configs.sort_by_key(|c| config_order(&model, &c.name));
    let pos: BTreeMap<String, usize> = m.configs.iter().enumerate().map(|(k, c)| (c.name.clone(), k)).collect();
    m.measurements.sort_by_key(|r| pos.get(&r.config).copied().unwrap_or(usize::MAX));
    m.skipped.sort_by_key(|k| pos.get(&k.config).copied().unwrap_or(usize::MAX));
    m.search.configs = m.configs.len();
    let wall = m.search.wall_seconds - m.search.load_seconds - m.search.measure_seconds;
    m.search.overhead_seconds_per_config = wall.max(0.0) / m.search.loads.max(1) as f64;
    rank(&mut m, objectives, n);
    // Status: from the merged records, not better than any shard said.
    let reasons: Vec<String> = pieces.iter().filter(|(_, p)| matches!(p.status, Some(ModelStatus::Partial | ModelStatus::Interrupted | ModelStatus::Failed))).filter_map(|(i, p)| p.reason.as_ref().map(|r| format!("shard {i}: {r}"))).collect();
    let interrupted = pieces.iter().any(|(_, p)| p.status == Some(ModelStatus::Interrupted) || !p.complete);
    crate::run::set_status(&mut m);
    if interrupted {
        m.status = Some(ModelStatus::Interrupted);
    } else if m.status == Some(ModelStatus::Ok) && !reasons.is_empty() {
        m.status = Some(ModelStatus::Partial);
    }
    if !reasons.is_empty() && m.status != Some(ModelStatus::Ok) {
        let mut all: Vec<String> = m.reason.take().into_iter().collect();
        all.extend(reasons);
        all.dedup();
        m.reason = Some(all.join("; "));
    }
    Ok(m)
}

/// Ranks a merged model's configs again: `top` (the best `n` with a
/// successful measurement) and `tied_with`, as the search ranks them.
pub fn rank(m: &mut ModelResults, objectives: &Objectives, n: usize) {
    let mut candidates = Vec::new();
    for c in m.configs.iter().filter(|c| c.error.is_none()) {
        let ms = crate::run::rankable_measurements(m, c);
        if let Some(i) = search::representative(&ms, objectives) {
            let (x, passes) = ms[i].clone();
            let resources = Resources { instances: Some(c.variant.instance_count), max_batch_size: Some(c.variant.max_batch_size) };
            candidates.push((c.name.clone(), x, passes, resources));
        }
    }
    let ranked = search::rank_candidates_with(candidates, objectives, usize::MAX);
    let names: Vec<String> = ranked.iter().map(|c| c.item.clone()).collect();
    m.top = names.iter().take(n).cloned().collect();
    m.tied_with = ranked
        .iter()
        .take(n)
        .filter(|c| !c.tied_with.is_empty())
        .map(|c| (c.item.clone(), c.tied_with.iter().map(|&j| names[j].clone()).collect()))
        .collect();
}

/// Writes what a single run writes at its end from the merged results
/// (`gpu_uuids`: the shards' GPUs, [`gpu_uuids`]):
/// the deployable configs (every measured variant, or with
/// `tritium_output_configs: top` each model's top configs and default; and the
/// cross-model top list's) into `output_model_repository_path`, the CSV
/// tables and `results.json` into `<export_path>/results`. What could not
/// be written is added to `problems` (and returned).
pub fn write_outputs(merged: &mut ProfileResults, cfg: &ProfileConfig, gpu_uuids: &[String]) -> tritium_triton::error::Result<Vec<String>> {
    let out = &cfg.output_model_repository_path;
    output::check_output_repository(out, cfg.override_output_model_repository)?;
    let layout = crate::metrics_csv::CsvLayout::from_config(cfg)?;
    let mut problems = Vec::new();
    for m in &merged.models {
        // As a single run: every measured variant (Model Analyzer's behaviour), or with
        // tritium_output_configs: top the top configs and the default.
        let mut names: Vec<String> = output::configs_to_write(m, cfg.tritium_output_configs).into_iter().map(|c| c.name.clone()).collect();
        names.extend(merged.top_model_configs.iter().filter(|t| t.model == m.model).map(|t| t.config.clone()));
        names.dedup();
        let mut done = std::collections::BTreeSet::new();
        for name in names {
            if !done.insert(name.clone()) {
                continue;
            }
            if let Some(c) = m.configs.iter().find(|c| c.name == name && c.error.is_none() && m.has_result(&c.name)) {
                if let Err(e) = output::write_config(out, &cfg.model_repository, &m.model, &name, &c.config, cfg.override_output_model_repository) {
                    problems.push(format!("writing {name}: {e}"));
                }
            }
        }
    }
    let dir = cfg.export_path.join("results");
    if let Err(e) = results::write_csvs(merged, &dir, &gpu_uuids.join(";"), &layout) {
        problems.push(format!("CSV tables: {e}"));
    }
    merged.problems.extend(problems.iter().cloned());
    merged.write(&dir.join("results.json"))?;
    Ok(problems)
}

#[cfg(test)]
mod tests;
