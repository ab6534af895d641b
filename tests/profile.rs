//! `tritium profile` end to end on a real embedded Triton (CPU): the Model
//! Analyzer example config, ground truth for brute and quick search,
//! checkpoint/resume after Ctrl-C, output repository rules, CSV columns.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use tritium::profile::results::{to_measurement, ProfileResults, GPU_COLUMNS, INFERENCE_COLUMNS, SERVER_COLUMNS};
use tritium::profile::search::{saturated, VariantMeasurement, BOUND_SKIP_REASON};

fn tritium(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tritium")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Contents of every config.pbtxt and model.py in the fixture repository.
fn repo_snapshot() -> Vec<(String, String)> {
    let mut v = Vec::new();
    for m in std::fs::read_dir(common::models_dir()).unwrap().flatten() {
        for f in ["config.pbtxt", "1/model.py"] {
            if let Ok(t) = std::fs::read_to_string(m.path().join(f)) {
                v.push((format!("{}/{f}", m.file_name().to_string_lossy()), t));
            }
        }
    }
    v.sort();
    v
}

fn small_space(dir: &Path, mode: &str, extra: &str) -> std::path::PathBuf {
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: sleep_fixed\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\ncheckpoint_directory: {out}/ckpt\n\
         override_output_model_repository: true\nrun_config_search_mode: {mode}\nnum_configs_per_model: 2\n\
         run_config_search_max_model_batch_size: 8\nrun_config_search_max_instance_count: 3\nrun_config_search_max_concurrency: 32\n\
         perf_analyzer_flags:\n  measurement-interval: 200\n{extra}",
        repo = common::models_dir().display(),
        out = dir.display()
    );
    let p = dir.join(format!("{mode}.yaml"));
    std::fs::write(&p, yaml).unwrap();
    p
}

fn best(r: &ProfileResults) -> (u32, u32) {
    let m = &r.models[0];
    let top = m.configs.iter().find(|c| Some(&c.name) == m.top.first()).expect("a top config");
    (top.variant.instance_count, top.variant.max_batch_size)
}

#[test]
fn brute_and_quick_find_the_ground_truth() {
    // sleep_fixed costs 5 ms per execution whatever the batch: throughput is
    // instances x batch / 5 ms, so the best config is the corner (3 x 8).
    common::runtime();
    let before = repo_snapshot();
    let d = tempfile::tempdir().unwrap();
    let mut measured = Vec::new();
    for mode in ["brute", "quick"] {
        let dir = d.path().join(mode);
        std::fs::create_dir_all(&dir).unwrap();
        let o = tritium(&["profile", "-f", small_space(&dir, mode, "").to_str().unwrap()]);
        assert!(o.status.success(), "{mode}: {}", text(&o));
        let r = ProfileResults::read(&dir.join("export/results/results.json")).unwrap();
        assert_eq!(best(&r), (3, 8), "{mode} found {:?}; {}", best(&r), text(&o));
        // No restart between configs: everything besides loads and windows stays small.
        assert!(r.models[0].search.overhead_seconds_per_config < 0.2, "{:?}", r.models[0].search);
        // Configs the search walked: measured, or left unloaded by the throughput bound (issue 13).
        let mut bounded: Vec<&str> = r.models[0].skipped.iter().filter(|k| k.reason.starts_with(BOUND_SKIP_REASON)).map(|k| k.config.as_str()).collect();
        bounded.dedup();
        measured.push((r.models[0].search.configs, r.models[0].search.configs + bounded.len()));
        // Deployable configs for the top and the default, with the model's files.
        let out = dir.join("models");
        assert!(out.join("sleep_fixed_config_default/config.pbtxt").exists());
        assert!(out.join("sleep_fixed_config_default/1/model.py").exists());
        let top = &r.models[0].top[0];
        let pbtxt = std::fs::read_to_string(out.join(top).join("config.pbtxt")).unwrap();
        assert!(pbtxt.contains(&format!("name: \"{top}\"")) && pbtxt.contains("count: 3"), "{pbtxt}");
        // CSVs with Model Analyzer's columns.
        let res = dir.join("export/results");
        for (f, cols) in [("metrics-model-inference.csv", INFERENCE_COLUMNS), ("metrics-model-gpu.csv", GPU_COLUMNS), ("metrics-server-only.csv", SERVER_COLUMNS)] {
            let t = std::fs::read_to_string(res.join(f)).unwrap();
            // Model Analyzer's columns first and unchanged; tritium's interval and tie columns after them.
            let header = t.lines().next().unwrap();
            assert!(header == cols.join(",") || header.starts_with(&format!("{},", cols.join(","))), "{f}: {header}");
            if f != "metrics-server-only.csv" {
                assert!(header.contains(" CI Low"), "{f}: the interval columns: {header}");
            }
        }
        let inf = std::fs::read_to_string(res.join("metrics-model-inference.csv")).unwrap();
        assert!(inf.lines().count() > 3 && inf.contains("sleep_fixed_config_default"));
    }
    eprintln!("configs (measured, walked): brute {:?}, quick {:?}", measured[0], measured[1]);
    // Quick's climb visits fewer configs than brute's grid walk; brute may measure fewer still, since
    // the throughput bound leaves most of its grid unloaded (sleep_fixed: 5 of 13 measured).
    assert!(measured[1].1 < measured[0].1, "quick must walk fewer configs than brute ({measured:?})");
    // The user's repository is read-only to tritium.
    assert_eq!(repo_snapshot(), before);
}

#[test]
fn model_analyzer_example_config_runs_unchanged() {
    // The example file, only the paths made real.
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let yaml = format!(
        "model_repository: {}\nprofile_models:\n  - my_model\noutput_model_repository_path: {out}/output_models\nexport_path: {out}/profile_results\n\
override_output_model_repository: true\ntriton_launch_mode: docker\ntriton_docker_image: triton_example\ntriton_docker_shm_size: 10G\n\
perf_analyzer_flags:\n  shape: audio_signal:160000\n  measurement-request-count: 50\n  measurement-interval: 500\n  measurement-mode: time_windows\n\
run_config_search_mode: quick\nnum_configs_per_model: 3\nrun_config_search_min_model_batch_size: 1\nrun_config_search_max_model_batch_size: 8\n\
run_config_search_min_instance_count: 3\nrun_config_search_max_instance_count: 15\nrun_config_search_max_concurrency: 64\n\
constraints:\n  gpu_used_memory:\n    max: 42000\n",
        common::models_dir().display(),
        out = d.path().display()
    );
    let f = d.path().join("analyzer_config.yaml");
    std::fs::write(&f, yaml).unwrap();
    // Short windows via a CLI override, as Model Analyzer's CLI allows; the file itself is unchanged.
    let o = Command::new(env!("CARGO_BIN_EXE_tritium"))
        .current_dir(d.path())
        .args(["profile", "-f", f.to_str().unwrap(), "--run-config-search-max-instance-count", "4", "--run-config-search-max-concurrency", "16"])
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("docker") && t.contains("embedded"), "launch-mode notice missing: {t}");
    if !tritium::triton::gpu::cuda_available() {
        assert!(t.contains("gpu_used_memory") && t.contains("not applied"), "{t}");
    }
    let r = ProfileResults::read(&d.path().join("profile_results/results/results.json")).unwrap();
    let m = &r.models[0];
    assert_eq!(m.model, "my_model");
    assert!(m.configs.iter().filter(|c| !c.variant.is_default).all(|c| c.variant.instance_count >= 3 && c.variant.instance_count <= 4));
    assert!(!m.top.is_empty());
    assert!(t.contains("the default's throughput"), "{t}");
}

#[test]
fn ctrl_c_checkpoints_and_resume_finishes() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let cfg = small_space(d.path(), "brute", "");
    let child = Command::new(env!("CARGO_BIN_EXE_tritium")).args(["profile", "-f", cfg.to_str().unwrap()]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_secs(12));
    // SAFETY: kill(2) on our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let ck = d.path().join("ckpt/tritium-profile.ckpt.json");
    let partial = ProfileResults::read(&ck).expect("checkpoint written");
    assert!(!partial.models[0].complete);
    let done_before = partial.models[0].measurements.iter().filter(|m| m.point.is_some()).count();
    assert!(done_before > 0, "some measurements before the interrupt");
    assert!(!d.path().join("export/results/results.json").exists(), "no final results from an interrupted run");

    let o = tritium(&["profile", "-f", cfg.to_str().unwrap(), "--resume"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("resuming") && t.contains("[cached]"), "{t}");
    let r = ProfileResults::read(&d.path().join("export/results/results.json")).unwrap();
    assert!(r.models[0].complete);
    assert_eq!(best(&r), (3, 8));
}

#[test]
fn output_repository_is_not_clobbered_without_override() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("models/somebody_elses_model")).unwrap();
    let cfg = small_space(d.path(), "quick", "");
    let t = std::fs::read_to_string(&cfg).unwrap().replace("override_output_model_repository: true", "override_output_model_repository: false");
    std::fs::write(&cfg, t).unwrap();
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("override_output_model_repository"), "{}", text(&o));
    assert!(d.path().join("models/somebody_elses_model").exists());
}

#[test]
fn bad_config_names_key_and_suggestion() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("bad.yaml");
    std::fs::write(&f, format!("model_repository: {}\nprofile_models: [sleep_fixed]\nrun_config_search_max_concurency: 8\n", common::models_dir().display())).unwrap();
    let t = text(&tritium(&["profile", "-f", f.to_str().unwrap()]));
    assert!(t.contains("run_config_search_max_concurency") && t.contains("run_config_search_max_concurrency"), "{t}");
    std::fs::write(&f, "model_repository: /x\nprofile_models: [a]\nnum_configs_per_model: lots\n").unwrap();
    let t = text(&tritium(&["profile", "-f", f.to_str().unwrap()]));
    assert!(t.contains("bad.yaml:3:"), "file, line and column: {t}");
}

#[test]
fn several_models_in_turn_and_an_ensemble_end_to_end() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: [add_sub_nobatch, ensemble_add_sub]\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\n\
         checkpoint_directory: {out}/ckpt\nrun_config_search_mode: quick\nnum_configs_per_model: 1\nrun_config_search_max_model_batch_size: 4\n\
         run_config_search_max_instance_count: 2\nrun_config_search_max_concurrency: 8\nperf_analyzer_flags:\n  measurement-interval: 200\n",
        repo = common::models_dir().display(),
        out = d.path().display()
    );
    let f = d.path().join("two.yaml");
    std::fs::write(&f, yaml).unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("ensemble; searching the configs of add_sub"), "{t}");
    let r = ProfileResults::read(&d.path().join("export/results/results.json")).unwrap();
    assert_eq!(r.models.iter().map(|m| m.model.as_str()).collect::<Vec<_>>(), ["add_sub_nobatch", "ensemble_add_sub"]);
    assert!(r.models.iter().all(|m| m.complete && !m.top.is_empty()), "{t}");
    // The ensemble was measured end to end with its composing model's configs varied.
    let ens = &r.models[1];
    assert!(ens.configs.iter().any(|c| !c.variant.is_default && c.config.get("composing").is_some()), "{:?}", ens.configs);
    assert!(ens.measurements.iter().any(|m| m.point.as_ref().is_some_and(|p| p.throughput > 0.0)));
    // Deployable: the ensemble's top config points at its own copy of add_sub.
    let top = &ens.top[0];
    let models = d.path().join("models");
    if top != &ens.default_config {
        let pbtxt = std::fs::read_to_string(models.join(top).join("config.pbtxt")).unwrap();
        assert!(pbtxt.contains(&format!("add_sub_{top}")), "{pbtxt}");
        assert!(models.join(format!("add_sub_{top}/1/model.py")).exists());
    }
    assert!(models.join("ensemble_add_sub_config_default/config.pbtxt").exists());
}

#[test]
fn quick_measures_at_most_a_third_of_brutes_configs() {
    // A wider space (max batch 1-64 x instances 1-5): brute measures every
    // combination, quick climbs. Both must end near the same throughput.
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for mode in ["brute", "quick"] {
        let dir = d.path().join(mode);
        std::fs::create_dir_all(&dir).unwrap();
        // The search is what this compares, not the stop rule: perf_analyzer's rule keeps the
        // 5 x 7-config brute sweep to its old length (the adaptive rule has its own tests and is
        // the default in the other profile tests).
        let cfg = small_space(&dir, mode, "tritium_measurement_rule: perf_analyzer\n");
        let t = std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("run_config_search_max_model_batch_size: 8", "run_config_search_max_model_batch_size: 64")
            .replace("run_config_search_max_instance_count: 3", "run_config_search_max_instance_count: 5")
            .replace("run_config_search_max_concurrency: 32", "run_config_search_max_concurrency: 64")
            .replace("measurement-interval: 200", "measurement-interval: 100");
        std::fs::write(&cfg, t).unwrap();
        let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
        assert!(o.status.success(), "{mode}: {}", text(&o));
        let r = ProfileResults::read(&dir.join("export/results/results.json")).unwrap();
        let m = &r.models[0];
        let p = m.best_point(&m.top[0]).map(|(_, p)| p.clone()).unwrap();
        // The best's 95 % interval (the point itself when there is none).
        let ci = p.throughput_ci.map_or((p.throughput, p.throughput), |i| (i.lo, i.hi));
        // Configs walked: measured, or left unloaded by the throughput bound (issue 13: brute's grid
        // is walked whole, most of it skipped by the bound once the incumbent is high).
        let mut bounded: Vec<&str> = m.skipped.iter().filter(|k| k.reason.starts_with(BOUND_SKIP_REASON)).map(|k| k.config.as_str()).collect();
        bounded.sort_unstable();
        bounded.dedup();
        found.push((m.search.configs + bounded.len(), p.throughput, best_config(&r), ci));
    }
    eprintln!("brute: {:?}, quick: {:?}", found[0], found[1]);
    assert!(found[1].0 * 3 <= found[0].0, "quick walked {} configs, brute {}", found[1].0, found[0].0);
    // Quick's best is not significantly below 0.8 x brute's: compared by their intervals, as the ranking
    // compares (on a loaded 2-core machine a best can carry ±40 %, and point estimates would rank noise).
    let ((_, qb, _, (_, q_hi)), (_, bb, _, (b_lo, _))) = (found[1], found[0]);
    assert!(q_hi >= 0.8 * b_lo, "quick's best {qb} (up to {q_hi}) vs brute's {bb} (from {b_lo})");
}

fn best_config(r: &ProfileResults) -> (u32, u32) {
    best(r)
}

/// A brute search of sleep_fixed with max batch size 1..2, one instance, and
/// `parameters: {batch_sizes: [1, 2], concurrency: [1, 2]}`: the default
/// (max batch 8), config_0 (max batch 1) and config_1 (max batch 2).
fn batch_sweep_config(dir: &Path) -> std::path::PathBuf {
    let yaml = format!(
        "model_repository: {repo}\nprofile_models:\n  sleep_fixed:\n    parameters: {{batch_sizes: [1, 2], concurrency: [1, 2]}}\n\
         export_path: {out}/export\noutput_model_repository_path: {out}/models\ncheckpoint_directory: {out}/ckpt\n\
         override_output_model_repository: true\nrun_config_search_mode: brute\nrun_config_search_max_model_batch_size: 2\n\
         run_config_search_max_instance_count: 1\nperf_analyzer_flags:\n  measurement-interval: 200\n",
        repo = common::models_dir().display(),
        out = dir.display()
    );
    let p = dir.join("batches.yaml");
    std::fs::write(&p, yaml).unwrap();
    p
}

/// (config, batch, concurrency) of the successful measurements, sorted.
fn points(r: &ProfileResults) -> Vec<(String, u32, u32)> {
    let mut v: Vec<_> = r.models[0].measurements.iter().filter(|m| m.point.is_some()).map(|m| (m.config.clone(), m.batch_size, m.concurrency)).collect();
    v.sort();
    v
}

#[test]
fn client_batch_sizes_are_swept_per_config_and_resume_keys_on_them() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let cfg = batch_sweep_config(d.path());
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let results = d.path().join("export/results");
    let r = ProfileResults::read(&results.join("results.json")).unwrap();
    let m = &r.models[0];
    let mbs = |name: &str| m.configs.iter().find(|c| c.name == name).unwrap().variant.max_batch_size;
    // Every (batch, concurrency) for each config that takes batch 2; batch 1 only for max batch size 1.
    let mut expected = Vec::new();
    for c in &m.configs {
        let batches: &[u32] = if c.variant.max_batch_size >= 2 { &[1, 2] } else { &[1] };
        for &b in batches {
            for conc in [1, 2] {
                expected.push((c.name.clone(), b, conc));
            }
        }
    }
    expected.sort();
    assert_eq!(m.configs.len(), 3, "{:?}", m.configs);
    assert_eq!(points(&r), expected, "{t}");
    for rec in m.measurements.iter().filter(|x| x.point.is_some()) {
        assert_eq!(rec.point.as_ref().unwrap().batch_size, rec.batch_size, "the load used the recorded batch size");
    }
    // Batch 2 is skipped, and recorded, for the max-batch-size-1 config only.
    let small: Vec<&str> = m.configs.iter().filter(|c| c.variant.max_batch_size < 2).map(|c| c.name.as_str()).collect();
    assert_eq!(small.len(), 1);
    assert_eq!(m.skipped.iter().map(|s| (s.config.as_str(), s.batch_size)).collect::<Vec<_>>(), vec![(small[0], 2)]);
    assert!(m.skipped[0].reason.contains("max_batch_size 1"), "{:?}", m.skipped);
    assert!(t.contains("batch size 2 skipped") && t.contains(&format!("{}: client batch size 2 skipped", small[0])), "{t}");
    // Model Analyzer's CSV: the Batch column holds the real batch size.
    let inf = std::fs::read_to_string(results.join("metrics-model-inference.csv")).unwrap();
    let mut rows: Vec<(String, u32, u32)> = inf
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f[0], "sleep_fixed");
            assert_eq!(f[5].parse::<u32>().unwrap(), mbs(f[3]), "Max Batch Size column: {l}");
            (f[3].to_string(), f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect();
    rows.sort();
    assert_eq!(rows, expected, "{inf}");
    // Throughput counts inferences: at concurrency 1, batch 2 carries two per 5 ms execution.
    let tp = |name: &str, b: u32| m.measurements.iter().find(|x| x.config == name && x.batch_size == b && x.concurrency == 1).and_then(|x| x.point.as_ref()).unwrap().throughput;
    let two = m.configs.iter().find(|c| c.variant.max_batch_size == 2).unwrap().name.clone();
    assert!(tp(&two, 2) > 1.5 * tp(&two, 1), "batch 2: {} vs batch 1: {}", tp(&two, 2), tp(&two, 1));
    // The summary says the batch size of each row.
    let (best_rec, _) = m.best_point(&m.top[0]).unwrap();
    assert_eq!(best_rec.batch_size, 2, "batch 2 doubles the inferences per execution");
    assert!(t.contains("max batch") && t.contains(" batch ") && t.contains("batch 2 vs"), "{t}");

    // Resume: drop the batch-2 measurements of config_1 from the checkpoint; exactly those are measured again.
    let ck = d.path().join("ckpt/tritium-profile.ckpt.json");
    let mut partial = ProfileResults::read(&ck).unwrap();
    let before = points(&partial);
    partial.models[0].complete = false;
    partial.models[0].measurements.retain(|x| !(x.config == two && x.batch_size == 2));
    let dropped = before.len() - points(&partial).len();
    assert_eq!(dropped, 2);
    partial.write(&ck).unwrap();
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap(), "--resume"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("resuming"), "{t}");
    let r = ProfileResults::read(&results.join("results.json")).unwrap();
    assert_eq!(r.models[0].search.measurements, dropped, "only the dropped (batch 2) points are measured again: {t}");
    assert_eq!(points(&r), expected);

    // A version-1 checkpoint (no batch key) still resumes: the batch comes from each load point.
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&ck).unwrap()).unwrap();
    v["schema_version"] = 1.into();
    v["models"][0]["complete"] = false.into();
    for rec in v["models"][0]["measurements"].as_array_mut().unwrap() {
        rec.as_object_mut().unwrap().remove("batch_size");
    }
    v["models"][0].as_object_mut().unwrap().remove("skipped");
    std::fs::write(&ck, serde_json::to_string(&v).unwrap()).unwrap();
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap(), "--resume"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let r = ProfileResults::read(&results.join("results.json")).unwrap();
    assert_eq!(r.schema_version, tritium::profile::results::SCHEMA_VERSION);
    assert_eq!(r.models[0].search.measurements, 0, "everything cached from the version-1 checkpoint: {t}");
    assert_eq!(points(&r), expected);
}

#[test]
fn num_top_model_configs_ranks_configs_across_models() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: [sleep_fixed, add_sub]\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\n\
         checkpoint_directory: {out}/ckpt\nrun_config_search_mode: brute\nrun_config_search_max_model_batch_size: 2\n\
         run_config_search_max_instance_count: 1\nconcurrency: [2]\nnum_top_model_configs: 4\n\
         constraints:\n  perf_latency_p99:\n    max: 5000\nperf_analyzer_flags:\n  measurement-interval: 200\n",
        repo = common::models_dir().display(),
        out = d.path().display()
    );
    let f = d.path().join("top.yaml");
    std::fs::write(&f, yaml).unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let r = ProfileResults::read(&d.path().join("export/results/results.json")).unwrap();
    assert_eq!(r.num_top_model_configs, 4);
    let top = &r.top_model_configs;
    assert_eq!(top.len(), 4, "{top:?}");
    assert_eq!(top.iter().map(|x| x.rank).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    // Three configs per model, four places: both models are in the list, ranked by throughput (the default objective).
    assert!(top.iter().any(|x| x.model == "sleep_fixed") && top.iter().any(|x| x.model == "add_sub"), "{top:?}");
    // Statistically tied entries are ordered by the tie-breaks (fewer resources first), not by their point estimates.
    let tied = |a: &tritium::profile::results::TopConfigRecord, b: &tritium::profile::results::TopConfigRecord| a.tied_with.contains(&b.config) || b.tied_with.contains(&a.config);
    assert!(top.windows(2).all(|w| w[0].throughput >= w[1].throughput || tied(&w[0], &w[1])), "{top:?}");
    for x in top {
        assert!(x.passes);
        let m = r.models.iter().find(|m| m.model == x.model).unwrap();
        let (rec, p) = m.best_point(&x.config).unwrap();
        assert_eq!((rec.batch_size, rec.concurrency, p.throughput), (x.batch_size, x.concurrency, x.throughput));
        // Deployable, like the per-model top configs.
        assert!(d.path().join("models").join(&x.config).join("config.pbtxt").exists(), "{}", x.config);
    }
    // Every measured variant is in the output repository (Model Analyzer's behaviour, tritium_output_configs: all).
    for m in &r.models {
        for c in m.configs.iter().filter(|c| c.error.is_none()) {
            assert!(d.path().join("models").join(&c.name).join("config.pbtxt").exists(), "{} not written", c.name);
        }
    }
    // No better config is left out.
    let fourth = top[3].throughput;
    for m in &r.models {
        for c in &m.configs {
            if !top.iter().any(|x| x.model == m.model && x.config == c.name) {
                // A config measured higher than the fourth may be left out only as part of a statistical tie.
                let in_a_tie = top.iter().any(|x| x.tied_with.contains(&c.name)) || m.tied_with.values().any(|v| v.contains(&c.name));
                assert!(m.best_point(&c.name).is_none_or(|(_, p)| p.throughput <= fourth) || in_a_tie, "{} left out", c.name);
            }
        }
    }
    assert!(t.contains("Best configs across all models (num_top_model_configs 4)") && t.contains(&top[0].config), "{t}");
    assert!(d.path().join("export/reports/summaries/Best Configs Across All Models/result_summary.pdf").exists(), "{t}");
}

#[test]
fn brute_does_not_load_configs_that_cannot_beat_the_incumbent() {
    // Issue 13: sleep_fixed's execution takes 5 ms whatever the batch (Triton's per-batch
    // statistics show it), so a config reaches at most instances x max batch / 5 ms: once a
    // bigger config measured more, the smaller ones are not loaded, and the answer stays 3 x 8.
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let o = tritium(&["profile", "-f", small_space(d.path(), "brute", "").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let r = ProfileResults::read(&d.path().join("export/results/results.json")).unwrap();
    assert_eq!(best(&r), (3, 8), "{}", text(&o));
    let m = &r.models[0];
    // The execution time comes from Triton's statistics of real executions.
    let exec: Vec<f64> = m.measurements.iter().filter_map(|x| x.point.as_ref()).filter_map(|p| to_measurement("k", 1, p).best_execution_us).collect();
    assert!(!exec.is_empty() && exec.iter().all(|t| *t >= 4900.0), "{exec:?}");
    let best_tp = m.measurements.iter().filter_map(|x| x.point.as_ref()).map(|p| p.throughput).fold(0.0, f64::max);
    let bounded: Vec<_> = m.skipped.iter().filter(|k| k.reason.starts_with(BOUND_SKIP_REASON)).collect();
    assert!(!bounded.is_empty(), "{}", text(&o));
    for k in &bounded {
        let c = m.configs.iter().find(|c| c.name == k.config).expect("the skipped config is named in results");
        assert!(!m.measurements.iter().any(|x| x.config == k.config), "{} was measured", k.config);
        assert!(c.load_seconds.is_none(), "{} was loaded", k.config);
        // Its bound (a generous 4.9 ms per execution) really is below the best found.
        let bound = f64::from(c.variant.instance_count * c.variant.max_batch_size.max(1)) * 1e6 / 4900.0;
        assert!(bound < best_tp, "{}: bound {bound} vs best {best_tp}", k.config);
    }
    let out = text(&o);
    assert!(out.contains("not measured: cannot beat the incumbent") && out.contains("config load"), "{out}");
}

#[test]
fn a_saturated_config_stops_its_concurrency_sweep_one_point_after_the_plateau() {
    // Issue 13: sleep_fixed's default (1 instance, max batch 8, 5 ms per execution) saturates near
    // 1600 infer/s; past it, more concurrency only queues: throughput flat, p99 up. The sweep
    // (up to 256) stops one point after the plateau, and the two last points recorded in
    // results.json show why: the rule re-applied to them agrees.
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let yaml = small_space(d.path(), "brute", "");
    let text_yaml = std::fs::read_to_string(&yaml).unwrap()
        .replace("run_config_search_max_model_batch_size: 8", "run_config_search_max_model_batch_size: 1")
        .replace("run_config_search_max_instance_count: 3", "run_config_search_max_instance_count: 1")
        .replace("run_config_search_max_concurrency: 32", "run_config_search_max_concurrency: 256");
    std::fs::write(&yaml, text_yaml).unwrap();
    let o = tritium(&["profile", "-f", yaml.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let r = ProfileResults::read(&d.path().join("export/results/results.json")).unwrap();
    let m = &r.models[0];
    let default = m.configs.iter().find(|c| c.variant.is_default).expect("the default config");
    let mut points: Vec<(u32, VariantMeasurement)> = m.measurements.iter().filter(|x| x.config == default.name).filter_map(|x| x.point.as_ref().map(|p| (x.concurrency, to_measurement("k", x.concurrency, p)))).collect();
    points.sort_by_key(|p| p.0);
    let conc: Vec<u32> = points.iter().map(|p| p.0).collect();
    assert!(out.contains("early exit for config_default: throughput stopped growing beyond its 95 % interval"), "{out}");
    assert!(conc.len() >= 2 && *conc.last().unwrap() < 256, "{conc:?}");
    let n = points.len();
    assert!(saturated(&Default::default(), &points[n - 2].1, &points[n - 1].1).is_some(), "{conc:?}: the last two points are a plateau with latency up\n{out}");
}

/// issue 14: a refused Model Analyzer key stops `profile` before any server starts (exit 2, naming
/// the file, the key, the reason and what to use instead); an announced one prints its notice once.
#[test]
fn compat_refused_keys_stop_and_announced_keys_print_one_notice() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("ma.yaml");
    std::fs::write(&f, "model_repository: /nonexistent\nprofile_models: [a]\nperf_analyzer_flags: {request-intervals: f.txt}\n").unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("ma.yaml") && t.contains("request-intervals") && t.contains("not implemented in profile yet") && t.contains("use request_rate"), "{t}");
    std::fs::write(&f, "model_repository: /nonexistent\nprofile_models: [a]\n").unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap(), "--run-config-profile-models-concurrently-enable", "true"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // Announced keys: accepted, one notice each; the run then stops at the missing repository.
    std::fs::write(&f, "model_repository: /nonexistent\nprofile_models: [a]\nclient_protocol: http\n").unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(t.matches("notice: client_protocol: tritium drives Triton in-process").count(), 1, "{t}");
    assert!(t.contains("is not a directory"), "{t}");
}

/// issue 14: `gpus` is checked against NVML before any server starts (a GPU this machine does
/// not have is an error naming the key; on a machine without GPUs any list naming GPUs is), and
/// a list restarts tritium once with CUDA_VISIBLE_DEVICES set (`[]`: no GPU, which any machine has).
#[test]
fn gpus_are_checked_before_any_server_starts_and_a_list_restarts_tritium_once() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("ma.yaml");
    std::fs::write(&f, "model_repository: /nonexistent\nprofile_models: [a]\ngpus: [\"GPU-00000000-0000-0000-0000-000000000000\"]\n").unwrap();
    let gpu_here = tritium::triton::gpu::nvml::Gpus::probe().is_ok_and(|g| !g.infos().is_empty());
    for extra in [&[][..], &["--gpus", "99"]] {
        let o = tritium(&[&["profile", "-f", f.to_str().unwrap()][..], extra].concat());
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(t.contains("ma.yaml: gpus: "), "{t}");
        if gpu_here {
            assert!(t.contains("the GPUs found: 0 GPU-"), "{t}");
        } else {
            assert!(t.contains("no GPU is visible on this machine"), "{t}");
        }
        assert!(!t.contains("is not a directory"), "stopped at gpus, before the rest: {t}");
    }
    let o = tritium(&["profile", "-f", f.to_str().unwrap(), "--gpus", "[]"]);
    let t = text(&o);
    assert_eq!(t.matches("[profile] gpus: none (CPU only)").count(), 1, "restarted once, with no GPU: {t}");
    assert!(t.contains("is not a directory"), "then the run goes on: {t}");
}

/// issue 14: `triton_server_flags` `backend-directory` reaches the embedded server (an empty directory
/// has no python backend, so the model cannot load), and `skip_summary_reports` /
/// `skip_detailed_reports` leave `reports/` without PDFs.
#[test]
fn server_flags_and_report_skips_are_applied() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let base = format!(
        "model_repository: {repo}\nprofile_models: [add_sub]\nexport_path: {out}/exp\noutput_model_repository_path: {out}/models\ncheckpoint_directory: {out}/ck\n\
         run_config_search_disable: true\nduration_seconds: 1\nperf_analyzer_flags: {{measurement-interval: 100}}\n",
        repo = common::models_dir().display(),
        out = d.path().display()
    );
    let f = d.path().join("c.yaml");
    std::fs::write(&f, format!("{base}triton_server_flags: {{backend-directory: {}}}\n", empty.display())).unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("unable to find backend library for backend 'python'"), "{t}");
    assert_eq!(t.matches("notice: triton_server_flags:").count(), 1, "{t}");
    for sub in ["exp", "models", "ck"] {
        let _ = std::fs::remove_dir_all(d.path().join(sub));
    }
    std::fs::write(&f, format!("{base}skip_summary_reports: true\nskip_detailed_reports: true\n")).unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(!t.contains("report: "), "{t}");
    let pdfs = walk(&d.path().join("exp/reports")).into_iter().filter(|p| p.extension().is_some_and(|e| e == "pdf")).count();
    assert_eq!(pdfs, 0, "{t}");
    assert!(d.path().join("exp/results/metrics-model-inference.csv").is_file(), "{t}");
    // Model Analyzer's server-only measurement: the server with no model loaded, for duration_seconds.
    assert!(t.contains("measuring the server with no model loaded for 1 s (duration_seconds)"), "{t}");
    let r = ProfileResults::read(&d.path().join("exp/results/results.json")).unwrap();
    let so = r.server_only.expect("a server-only measurement");
    assert!(so.samples > 0 && so.resources.rss_mb.is_some(), "{so:?}");
    let srv = std::fs::read_to_string(d.path().join("exp/results/metrics-server-only.csv")).unwrap();
    let rows: Vec<&str> = srv.lines().skip(1).collect();
    assert_eq!(rows.len(), so.resources.per_gpu.len().max(1), "{srv}");
    assert!(rows.iter().all(|l| l.starts_with("triton-server,")), "{srv}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
