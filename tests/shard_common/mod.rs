//! Helpers of the sharding tests (tests/shard_merge.rs, tests/slurm.rs): the
//! profile config they run and the comparison of a merged result with a
//! single run's.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tritium::profile::results::ProfileResults;

/// A brute profile of two fast CPU fixtures, two walks each (instances 1 and
/// 2, max batch size 1: no `max_batch_size` walk, so no early exit), one
/// concurrency (no final sweep), perf_analyzer's stop rule (no tie
/// re-measurement) and short windows; everything under `out`.
pub fn config(models: &Path, out: &Path) -> PathBuf {
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: [add_sub, sleep_fixed]\nexport_path: {out}/export\noutput_model_repository_path: {out}/export/output_models\n\
         checkpoint_directory: {out}/ckpt\nrun_config_search_mode: brute\nrun_config_search_max_instance_count: 2\nrun_config_search_max_model_batch_size: 1\n\
         concurrency: [1]\nnum_configs_per_model: 2\nnum_top_model_configs: 2\nskip_detailed_reports: true\ntritium_measurement_rule: perf_analyzer\n\
         constraints:\n  perf_latency_p99:\n    max: 60000\n\
         perf_analyzer_flags:\n  measurement-interval: 100\n  max-trials: 5\n  stability-percentage: 50\n",
        repo = models.display(),
        out = out.display()
    );
    std::fs::create_dir_all(out).unwrap();
    let p = out.join("profile.yaml");
    std::fs::write(&p, yaml).unwrap();
    p
}

/// (model, config name) of every config, each with how often it appears.
pub fn config_names(r: &ProfileResults) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = r.models.iter().flat_map(|m| m.configs.iter().map(move |c| (m.model.clone(), c.name.clone()))).collect();
    v.sort();
    v
}

/// (config, batch, concurrency) of every measurement, sorted (duplicates kept).
pub fn measurement_keys(r: &ProfileResults) -> Vec<(String, u32, u32)> {
    let mut v: Vec<(String, u32, u32)> = r.models.iter().flat_map(|m| m.measurements.iter().map(|x| (x.config.clone(), x.batch_size, x.concurrency))).collect();
    v.sort();
    v
}

/// The key columns (Model, Batch, Concurrency, Model Config Path) of a
/// Model Analyzer CSV table, sorted: the values differ between runs, the rows must not.
pub fn csv_keys(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let keys = ["Model", "Batch", "Concurrency", "Model Config Path"];
    let idx: Vec<usize> = keys.iter().filter_map(|k| header.iter().position(|h| h == k)).collect();
    let mut rows: Vec<String> = lines.map(|l| {
        let f: Vec<&str> = l.split(',').collect();
        idx.iter().map(|&i| f.get(i).copied().unwrap_or("")).collect::<Vec<_>>().join(",")
    }).collect();
    rows.sort();
    rows
}

/// Asserts that the merged profile under `merged_export` is the single
/// run's under `single_export`: the same models, the same config names each
/// once, every measurement key once, the same CSV rows (keys, not values),
/// and a deployable config in the output repository for each top config.
pub fn assert_same_profile(single_export: &Path, merged_export: &Path, merged_outputs: &Path) {
    let single = ProfileResults::read(&single_export.join("results/results.json")).unwrap();
    let merged = ProfileResults::read(&merged_export.join("results/results.json")).unwrap();
    let models = |r: &ProfileResults| r.models.iter().map(|m| m.model.clone()).collect::<Vec<_>>();
    assert_eq!(models(&merged), models(&single));
    let names = config_names(&merged);
    let unique: BTreeSet<_> = names.iter().cloned().collect();
    assert_eq!(names.len(), unique.len(), "a config appears twice: {names:?}");
    assert_eq!(names, config_names(&single));
    let keys = measurement_keys(&merged);
    let unique: BTreeSet<_> = keys.iter().cloned().collect();
    assert_eq!(keys.len(), unique.len(), "a point measured twice: {keys:?}");
    assert_eq!(keys, measurement_keys(&single));
    assert!(merged.shard.is_none());
    for m in &merged.models {
        assert_eq!(m.status.map(|s| s.as_str()), Some("ok"), "{}: {:?}", m.model, m.reason);
        assert!(!m.top.is_empty());
        for t in &m.top {
            assert!(merged_outputs.join(t).join("config.pbtxt").is_file(), "{t} was not written to {}", merged_outputs.display());
        }
    }
    assert_eq!(merged.top_model_configs.len(), 2);
    for csv in ["metrics-model-inference.csv", "metrics-server-only.csv"] {
        let (a, b) = (csv_keys(&merged_export.join("results").join(csv)), csv_keys(&single_export.join("results").join(csv)));
        assert!(!a.is_empty(), "{csv} is empty");
        assert_eq!(a, b, "{csv}: rows differ");
    }
}
