use super::*;
use std::collections::HashMap;

fn plan(yaml: &str) -> Plan {
    let cfg = ProfileConfig::from_yaml_str_with_overrides(yaml, Path::new("a.yaml"), &[]).unwrap();
    Plan::resolve(&cfg)
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k: &str| m.get(k).cloned()
}

#[test]
fn shard_flag_parses_and_bad_values_are_refused() {
    assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
    assert_eq!(Shard::parse(" 0/1 ").unwrap(), Shard { index: 0, count: 1 });
    for bad in ["4/4", "1/0", "a/2", "1", "-1/2", "1/2/3", ""] {
        let e = Shard::parse(bad).unwrap_err().0;
        assert!(e.contains("--shard"), "{bad}: {e}");
    }
}

#[test]
fn slurm_array_variables_name_the_shard_from_the_arrays_minimum() {
    let s = Shard::from_env(env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")])).unwrap();
    assert_eq!(s, Some(Shard { index: 2, count: 4 }));
    // --array=5-8: task 7 is shard 2 of 4.
    let s = Shard::from_env(env(&[("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_MIN", "5"), ("SLURM_ARRAY_TASK_COUNT", "4")])).unwrap();
    assert_eq!(s, Some(Shard { index: 2, count: 4 }));
    // --array=0-6:2: task 6 is shard 3 of 4.
    let s = Shard::from_env(env(&[("SLURM_ARRAY_TASK_ID", "6"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")])).unwrap();
    assert_eq!(s, Some(Shard { index: 3, count: 4 }));
    // An array with gaps cannot name its shards.
    let e = Shard::from_env(env(&[("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_COUNT", "3")])).unwrap_err().0;
    assert!(e.contains("gaps"), "{e}");
    let e = Shard::from_env(env(&[("SLURM_ARRAY_TASK_ID", "1")])).unwrap_err().0;
    assert!(e.contains("SLURM_ARRAY_TASK_COUNT"), "{e}");
    let e = Shard::from_env(env(&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "2")])).unwrap_err().0;
    assert!(e.contains("SLURM_ARRAY_TASK_ID"), "{e}");
}

#[test]
fn kubernetes_index_needs_a_count_and_the_flag_wins() {
    let s = Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "1"), ("TRITIUM_SHARD_COUNT", "3")])).unwrap();
    assert_eq!(s, Some(Shard { index: 1, count: 3 }));
    let e = Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "1")])).unwrap_err().0;
    assert!(e.contains("TRITIUM_SHARD_COUNT"), "{e}");
    let e = Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "3"), ("TRITIUM_SHARD_COUNT", "3")])).unwrap_err().0;
    assert!(e.contains("not below"), "{e}");
    assert_eq!(Shard::from_env(env(&[])).unwrap(), None);
    // --shard wins over the environment.
    let e = env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
    assert_eq!(Shard::resolve(Some("0/2"), &e).unwrap(), Some(Shard { index: 0, count: 2 }));
    assert_eq!(Shard::resolve(None, &e).unwrap(), Some(Shard { index: 2, count: 4 }));
}

#[test]
fn brute_models_deal_one_unit_per_walk_and_quick_models_one_unit() {
    let p = plan(
        "model_repository: /r\nrun_config_search_min_instance_count: 1\nrun_config_search_max_instance_count: 3\nprofile_models:\n  a: {}\n  b:\n    model_config_parameters:\n      max_batch_size: [1, 2]\n      dynamic_batching:\n        max_queue_delay_microseconds: [100, 200]\n",
    );
    let names: Vec<String> = units(&p).iter().map(Unit::to_string).collect();
    assert_eq!(names, ["a#0", "a#1", "a#2", "b#0", "b#1"]);
    let q = plan("model_repository: /r\nrun_config_search_mode: quick\nprofile_models: [a, b]\n");
    let names: Vec<String> = units(&q).iter().map(Unit::to_string).collect();
    assert_eq!(names, ["a", "b"]);
    let d = plan("model_repository: /r\nrun_config_search_disable: true\nprofile_models: [a]\n");
    assert_eq!(units(&d), vec![Unit { model: "a".into(), walk: None }]);
}

#[test]
fn every_unit_is_dealt_to_exactly_one_shard_deterministically() {
    let p = plan("model_repository: /r\nrun_config_search_max_instance_count: 3\nprofile_models: [a, b, c]\n");
    let all = units(&p);
    for n in 1..=5 {
        let mut seen: Vec<Unit> = Vec::new();
        for i in 0..n {
            let a = Assignment::of(&p, Shard::new(i, n).unwrap());
            assert_eq!(a, Assignment::of(&p, Shard::new(i, n).unwrap()), "deterministic");
            seen.extend(a.units);
        }
        seen.sort();
        let mut want = all.clone();
        want.sort();
        assert_eq!(seen, want, "{n} shards: each unit once");
    }
    let a = Assignment::of(&p, Shard::new(1, 2).unwrap());
    assert_eq!(a.unit_names(), ["a#1", "b#0", "b#2", "c#1"]);
    assert_eq!(a.walks("a"), Some([1].into_iter().collect()));
    assert!(a.has_model("b") && a.owns_first("b") && !a.owns_first("a"));
}

#[test]
fn shard_paths_are_per_shard() {
    let cfg = ProfileConfig::from_yaml_str_with_overrides("model_repository: /r\nprofile_models: [a]\nexport_path: /e\ncheckpoint_directory: /c\n", Path::new("a.yaml"), &[]).unwrap();
    let s = Shard::new(1, 4).unwrap();
    assert_eq!(s.results_dir(&cfg.export_path), PathBuf::from("/e/shards/1-of-4/results"));
    assert_eq!(s.checkpoint(&cfg), PathBuf::from("/c/tritium-profile.shard-1-of-4.ckpt.json"));
    assert_eq!(s.output_repository(&cfg.export_path), PathBuf::from("/e/shards/1-of-4/output_model_repository"));
}

#[test]
fn the_plan_hash_follows_the_plan() {
    let a = plan("model_repository: /r\nprofile_models: [a]\n");
    let b = plan("model_repository: /r\nprofile_models: [a]\n");
    let c = plan("model_repository: /r\nprofile_models: [a]\nrun_config_search_max_concurrency: 8\n");
    assert_eq!(plan_hash(&a), plan_hash(&b));
    assert_ne!(plan_hash(&a), plan_hash(&c));
}
