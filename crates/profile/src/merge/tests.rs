use super::*;
use crate::config::ProfileConfig;
use crate::results::{ConfigRecord, MeasurementRecord};
use crate::search::ModelConfigVariant;
use crate::shard::{Assignment, ShardRecord};
use serde_json::Value;
use tritium_bench::export::LoadPoint;

const YAML: &str = "model_repository: /r\nrun_config_search_max_instance_count: 2\nrun_config_search_max_model_batch_size: 2\nconcurrency: [1]\nprofile_models: [a, b]\n";

fn plan(yaml: &str) -> Plan {
    Plan::resolve(&ProfileConfig::from_yaml_str_with_overrides(yaml, Path::new("a.yaml"), &[]).unwrap())
}

fn point(throughput: f64) -> LoadPoint {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results/cpu_only.json");
    let fx = ProfileResults::read(&path).unwrap();
    let mut p = fx.models[0].measurements.iter().find_map(|r| r.point.clone()).unwrap();
    p.throughput = throughput;
    p
}

fn add(m: &mut ModelResults, v: &ModelConfigVariant, throughput: f64) {
    let name = m.config_for(v, &Value::Null).name.clone();
    m.measurements.push(MeasurementRecord { config: name, batch_size: 1, concurrency: 1, request_rate: None, passes: Some(true), point: Some(point(throughput)), error: None });
}

/// Shard `i` of 2 as `profile --shard` would write it: per model, the
/// default and the configs (instances = walk + 1, max batch 1 and 2) of its
/// walks, named by their place in the whole enumeration; throughput
/// 100 * (config number + 1), the default 50.
fn shard_results(p: &Plan, i: u32, n: u32) -> ShardFile {
    let a = Assignment::of(p, Shard::new(i, n).unwrap());
    let mut r = ProfileResults { schema_version: results::SCHEMA_VERSION, tool: "tritium".into(), started_at: format!("2026-01-0{}T00:00:00Z", i + 1), ..Default::default() };
    for model in ["a", "b"] {
        let Some(walks) = a.walks(model) else { continue };
        let m = r.model_mut(model);
        let mut d = ModelConfigVariant::automatic(2, 1, "KIND_CPU", true);
        d.is_default = true;
        d.automatic = false;
        add(m, &d, 50.0);
        for w in walks {
            for (k, mbs) in [1u32, 2].into_iter().enumerate() {
                let v = ModelConfigVariant::automatic(mbs, w as u32 + 1, "KIND_CPU", true);
                let idx = w * 2 + k;
                m.preset_names.insert(v.key(), format!("{model}_config_{idx}"));
                add(m, &v, 100.0 * (idx as f64 + 1.0));
            }
        }
        m.complete = true;
        crate::run::set_status(m);
    }
    r.shard = Some(ShardRecord { index: i, count: n, plan_hash: plan_hash(p), units: a.unit_names(), complete: true, gpu_uuids: Vec::new() });
    ShardFile { path: PathBuf::from(format!("/e/shards/{i}-of-{n}/results/results.json")), results: r }
}

fn names(m: &ModelResults) -> Vec<String> {
    m.configs.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn two_shards_merge_into_every_config_once_ranked_again() {
    let p = plan(YAML);
    let shards = [shard_results(&p, 0, 2), shard_results(&p, 1, 2)];
    let (r, report) = merge(&shards, &p, 3, 2, &Objectives::default(), MergeOptions::default()).unwrap();
    assert_eq!(report.gaps, Vec::<String>::new());
    assert_eq!(report.merged, [0, 1]);
    assert!(r.shard.is_none());
    assert_eq!(r.models.iter().map(|m| m.model.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    for m in &r.models {
        let x = &m.model;
        assert_eq!(names(m), [format!("{x}_config_default"), format!("{x}_config_0"), format!("{x}_config_1"), format!("{x}_config_2"), format!("{x}_config_3")]);
        // Each config measured once: the default once (shard 0's), none lost.
        let measured: Vec<&str> = m.measurements.iter().map(|r| r.config.as_str()).collect();
        assert_eq!(measured, names(m).iter().map(String::as_str).collect::<Vec<_>>());
        // Ranked from the merged measurements: the best ones came from shard 1.
        assert_eq!(m.top, [format!("{x}_config_3"), format!("{x}_config_2"), format!("{x}_config_1")]);
        assert_eq!(m.status, Some(ModelStatus::Ok));
        assert!(m.complete);
    }
    assert_eq!(r.top_model_configs.len(), 2);
    assert!(r.top_model_configs.iter().all(|t| t.config.ends_with("_config_3")));
    assert_eq!(r.started_at, "2026-01-01T00:00:00Z");
}

#[test]
fn shards_of_another_config_are_refused() {
    let p = plan(YAML);
    let other = plan(&YAML.replace("concurrency: [1]", "concurrency: [2]"));
    let shards = [shard_results(&p, 0, 2), shard_results(&other, 1, 2)];
    match merge(&shards, &p, 3, 0, &Objectives::default(), MergeOptions { allow_partial: true }) {
        Err(MergeError::Foreign(e)) => assert!(e.contains("1-of-2") && e.contains("another config"), "{e}"),
        other => panic!("{other:?}"),
    }
    // Shard counts must agree.
    let shards = [shard_results(&p, 0, 2), shard_results(&p, 1, 3)];
    assert!(matches!(merge(&shards, &p, 3, 0, &Objectives::default(), MergeOptions::default()), Err(MergeError::Foreign(_))));
}

#[test]
fn missing_and_unfinished_shards_are_named_and_merged_only_when_allowed() {
    let p = plan(YAML);
    let mut unfinished = shard_results(&p, 1, 3);
    unfinished.results.shard.as_mut().unwrap().complete = false;
    let shards = [shard_results(&p, 0, 3), unfinished];
    let e = match merge(&shards, &p, 3, 0, &Objectives::default(), MergeOptions::default()) {
        Err(MergeError::Incomplete(e)) => e,
        other => panic!("{other:?}"),
    };
    assert!(e.contains("2 of 3 shards"), "{e}");
    assert!(e.contains("shard 2/3 is missing"), "{e}");
    assert!(e.contains("shard 1/3 did not finish") && e.contains("--resume"), "{e}");
    let (r, report) = merge(&shards, &p, 3, 0, &Objectives::default(), MergeOptions { allow_partial: true }).unwrap();
    assert_eq!(report.gaps.len(), 2);
    assert_eq!(report.merged, [0, 1]);
    assert!(r.problems.iter().any(|x| x.contains("shard 2/3 is missing")));
    // What is there is merged: a's walks 0 (shard 0) and 1 (shard 1).
    let a = r.models.iter().find(|m| m.model == "a").unwrap();
    assert_eq!(names(a), ["a_config_default", "a_config_0", "a_config_1", "a_config_2", "a_config_3"]);
    assert!(shards.iter().all(|s| s.results.shard.is_some()));
    assert!(merge(&[], &p, 3, 0, &Objectives::default(), MergeOptions { allow_partial: true }).is_err(), "nothing to merge");
}

#[test]
fn a_config_held_by_two_shards_is_an_error() {
    let p = plan(YAML);
    let mut s1 = shard_results(&p, 1, 2);
    let a = s1.results.models.iter_mut().find(|m| m.model == "a").unwrap();
    a.configs[1].name = "a_config_0".into();
    let e = merge(&[shard_results(&p, 0, 2), s1], &p, 3, 0, &Objectives::default(), MergeOptions::default()).unwrap_err();
    assert!(matches!(&e, MergeError::Invalid(x) if x.contains("a_config_0") && x.contains("shards 0 and 1")), "{e:?}");
}

#[test]
fn discover_reads_each_shards_results_json() {
    let p = plan(YAML);
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let s = shard_results(&p, i, 2);
        let path = Shard::new(i, 2).unwrap().results_dir(dir.path()).join("results.json");
        s.results.write(&path).unwrap();
    }
    // A crashed shard's folder without results.json is not a shard file (the merge names it missing).
    std::fs::create_dir_all(Shard::new(2, 3).unwrap().dir(dir.path())).unwrap();
    let found = discover(dir.path()).unwrap();
    assert_eq!(found.len(), 2);
    let (r, _) = merge(&found, &p, 3, 0, &Objectives::default(), MergeOptions::default()).unwrap();
    assert_eq!(r.models.len(), 2);
    assert!(matches!(discover(&dir.path().join("nothing")), Err(MergeError::Invalid(_))));
}

#[test]
fn a_config_record_keeps_its_shard_name_through_serialisation() {
    // preset_names are not stored; the names they gave are.
    let p = plan(YAML);
    let s = shard_results(&p, 1, 2);
    let back: ProfileResults = serde_json::from_str(&serde_json::to_string(&s.results).unwrap()).unwrap();
    let c: &ConfigRecord = &back.models[0].configs[1];
    assert_eq!(c.name, "a_config_2");
    assert!(back.models[0].preset_names.is_empty());
}

#[test]
fn the_default_comes_from_the_lowest_shard_that_has_it() {
    let p = plan(YAML);
    let mut s0 = shard_results(&p, 0, 2);
    // Shard 0 could not search model a (e.g. its config could not be read there).
    let a = s0.results.models.iter_mut().find(|m| m.model == "a").unwrap();
    a.configs.clear();
    a.measurements.clear();
    a.status = Some(ModelStatus::Failed);
    a.reason = Some("model 'a' could not be read".into());
    let (r, _) = merge(&[s0, shard_results(&p, 1, 2)], &p, 3, 0, &Objectives::default(), MergeOptions::default()).unwrap();
    let a = r.models.iter().find(|m| m.model == "a").unwrap();
    assert_eq!(names(a), ["a_config_default", "a_config_2", "a_config_3"]);
    assert_eq!(a.measurements.iter().filter(|x| x.config == "a_config_default").count(), 1);
    // Not ok: shard 0's failure is said.
    assert_eq!(a.status, Some(ModelStatus::Partial));
    assert!(a.reason.as_deref().is_some_and(|x| x.contains("shard 0: model 'a' could not be read")), "{:?}", a.reason);
}

#[test]
fn each_shards_gpus_reach_the_merged_tables_and_server_only_rows() {
    use tritium_bench::export::{GpuUsage, ResourceUsage};
    let p = plan(YAML);
    let mut shards = [shard_results(&p, 1, 2), shard_results(&p, 0, 2)];
    for (s, (uuid, mb, util)) in shards.iter_mut().zip([("GPU-b", 600.0, 30.0), ("GPU-a", 500.0, 10.0)]) {
        s.results.shard.as_mut().unwrap().gpu_uuids = vec![uuid.to_string()];
        let g = GpuUsage { uuid: uuid.into(), memory_used_mb: Some(mb), utilization_pct: Some(util), power_w: Some(100.0) };
        let resources = ResourceUsage { gpu_memory_used_mb: Some(mb), gpu_utilization_pct: Some(util), gpu_power_w: Some(100.0), per_gpu: vec![g], ..Default::default() };
        s.results.server_only = Some(results::ServerOnlyRecord { duration_seconds: 3.0, samples: 60, measured_at: String::new(), resources });
    }
    // In shard order, whatever order they were found in.
    assert_eq!(gpu_uuids(&shards), ["GPU-a", "GPU-b"]);
    let (r, _) = merge(&shards, &p, 3, 2, &Objectives::default(), MergeOptions::default()).unwrap();
    let so = r.server_only.unwrap().resources;
    assert_eq!(so.per_gpu.iter().map(|g| g.uuid.as_str()).collect::<Vec<_>>(), ["GPU-a", "GPU-b"]);
    assert_eq!((so.gpu_memory_used_mb, so.gpu_power_w, so.gpu_utilization_pct), (Some(1100.0), Some(200.0), Some(20.0)));

    // Shards that saw the same GPU (one node): that GPU once, the lowest shard's figures.
    for s in shards.iter_mut() {
        s.results.shard.as_mut().unwrap().gpu_uuids = vec!["GPU-a".into()];
        s.results.server_only.as_mut().unwrap().resources.per_gpu[0].uuid = "GPU-a".into();
    }
    assert_eq!(gpu_uuids(&shards), ["GPU-a"]);
    let (r, _) = merge(&shards, &p, 3, 2, &Objectives::default(), MergeOptions::default()).unwrap();
    let so = r.server_only.unwrap().resources;
    assert_eq!((so.per_gpu.len(), so.gpu_memory_used_mb), (1, Some(500.0)));
}
