//! `tritium profile` when things go wrong, end to end on a real embedded
//! Triton (each test runs the built binary on a small YAML in a temp dir):
//! every request failing (reject_all), model names that are paths, output
//! directories that cannot be written, an existing checkpoint, `--resume` with
//! another config, Ctrl-C, and models that are missing, malformed or never
//! load. Exit codes: 0 success, 1 nothing usable, 2 bad input, 3 partial,
//! 130 interrupted.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tritium::profile::results::{ModelStatus, ProfileResults};

fn tritium(args: &[&str]) -> Output {
    Command::new(common::tritium_bin()).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn failure_models_dir() -> PathBuf {
    common::repo_root().join("tests").join("failure_models")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_name() == "__pycache__" {
            continue;
        }
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// A model repository in `dir/repo` holding the named fixtures (from
/// tests/models or tests/failure_models).
fn repo_with(dir: &Path, models: &[&str]) -> PathBuf {
    let repo = dir.join("repo");
    for m in models {
        let src = [common::models_dir().join(m), failure_models_dir().join(m)].into_iter().find(|p| p.is_dir()).unwrap_or_else(|| panic!("no fixture {m}"));
        copy_dir(&src, &repo.join(m));
    }
    repo
}

/// A profile YAML in `dir` with short windows and outputs under `dir/out`.
fn yaml(dir: &Path, repo: &Path, body: &str) -> PathBuf {
    let text = format!(
        "model_repository: {}\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\ncheckpoint_directory: {out}/ckpt\n\
         perf_analyzer_flags:\n  measurement-interval: 200\n  max-trials: 4\n{body}",
        repo.display(),
        out = dir.join("out").display()
    );
    let p = dir.join("config.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn results(dir: &Path) -> ProfileResults {
    ProfileResults::read(&dir.join("out/export/results/results.json")).expect("results.json")
}

fn model<'a>(r: &'a ProfileResults, name: &str) -> &'a tritium::profile::results::ModelResults {
    r.models.iter().find(|m| m.model == name).unwrap_or_else(|| panic!("{name} not in the results"))
}

/// Entries of a directory (empty when it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default();
    v.sort();
    v
}

/// No (config, batch size, concurrency) key twice.
fn assert_unique_keys(r: &ProfileResults, what: &str) {
    for m in &r.models {
        let mut keys: Vec<_> = m.measurements.iter().map(|x| (x.config.clone(), x.batch_size, x.concurrency)).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "{what}: a key appears twice in {}: {:?}", m.model, m.measurements.iter().map(|x| (&x.config, x.batch_size, x.concurrency, &x.error)).collect::<Vec<_>>());
    }
}

#[test]
fn every_request_failing_never_passes_ranks_or_deploys() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let repo = repo_with(d.path(), &["reject_all", "sleep_fixed"]);
    // Ranked by p99 (a failed point's empty histogram reads 0 ms) under a p99 constraint.
    let common_body = "run_config_search_disable: true\nconcurrency: [1, 2]\nnum_top_model_configs: 3\nconstraints:\n  perf_latency_p99: {max: 50}\nobjectives: {perf_latency_p99: 10}\n";

    // reject_all alone: nothing usable, exit 1, nothing deployable.
    let alone = d.path().join("alone");
    std::fs::create_dir_all(&alone).unwrap();
    let cfg = yaml(&alone, &repo, &format!("profile_models: [reject_all]\n{common_body}"));
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    let r = results(&alone);
    let m = model(&r, "reject_all");
    assert_eq!(m.status, Some(ModelStatus::Failed), "{t}");
    assert!(m.reason.as_deref().unwrap_or("").contains("every request failed"), "{:?}", m.reason);
    assert!(m.top.is_empty() && r.top_model_configs.is_empty(), "{t}");
    assert!(m.measurements.iter().all(|x| x.passes == Some(false) && x.point.is_none() && x.error.is_some()), "{:?}", m.measurements);
    assert!(entries(&alone.join("out/models")).is_empty(), "nothing deployable: {:?}", entries(&alone.join("out/models")));
    assert!(t.contains("FAILED"), "{t}");

    // With a model that works: exit 3; sleep_fixed ranks, reject_all never.
    // The export path and the output repository are symbolic links (followed).
    let mixed = d.path().join("mixed");
    std::fs::create_dir_all(mixed.join("real/export")).unwrap();
    std::fs::create_dir_all(mixed.join("real/models")).unwrap();
    std::fs::create_dir_all(mixed.join("out")).unwrap();
    std::os::unix::fs::symlink(mixed.join("real/export"), mixed.join("out/export")).unwrap();
    std::os::unix::fs::symlink(mixed.join("real/models"), mixed.join("out/models")).unwrap();
    let cfg = yaml(&mixed, &repo, &format!("profile_models: [reject_all, sleep_fixed]\n{common_body}"));
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(3), "{t}");
    let r = ProfileResults::read(&mixed.join("real/export/results/results.json")).expect("results.json through the link");
    assert_eq!(model(&r, "reject_all").status, Some(ModelStatus::Failed));
    assert_eq!(model(&r, "sleep_fixed").status, Some(ModelStatus::Ok), "{t}");
    assert!(!r.top_model_configs.is_empty(), "{t}");
    assert!(r.top_model_configs.iter().all(|x| x.model == "sleep_fixed" && x.latency_p99_ms > 0.0), "{:?}", r.top_model_configs);
    assert!(model(&r, "reject_all").top.is_empty());
    let deployed = entries(&mixed.join("real/models"));
    assert!(deployed.contains(&"sleep_fixed_config_default".to_string()), "{deployed:?}");
    assert!(!deployed.iter().any(|n| n.starts_with("reject_all")), "{deployed:?}");
    // Constraints and objectives are JSON objects.
    assert_eq!(r.constraints, serde_json::json!({"perf_latency_p99": {"max": 50}}));
    assert_eq!(r.objectives, serde_json::json!({"perf_latency_p99": 10}));
    // CSV: FAILED with the reason, no numbers; never "Yes".
    let inf = std::fs::read_to_string(mixed.join("real/export/results/metrics-model-inference.csv")).unwrap();
    let rows: Vec<&str> = inf.lines().filter(|l| l.starts_with("reject_all,")).collect();
    assert_eq!(rows.len(), 1, "{inf}");
    assert!(rows[0].contains("FAILED: every request failed") && rows[0].ends_with(",,") && !rows[0].contains(",Yes,"), "{inf}");
    // The summary says FAILED, and the reports exist.
    let summary_line = t.lines().find(|l| l.trim_start().starts_with("reject_all_config_default")).unwrap_or_default();
    assert!(summary_line.contains("FAILED"), "{t}");
    assert!(mixed.join("real/export/reports/summaries/reject_all/result_summary.pdf").exists(), "{t}");
}

#[test]
fn a_model_name_that_is_a_path_is_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let victim = d.path().join("victim");
    std::fs::create_dir_all(victim.join("echo")).unwrap();
    let cfg = yaml(d.path(), &common::models_dir(), "profile_models: [../victim/echo]\n");
    let t0 = Instant::now();
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("profile_models") && t.contains("../victim/echo") && t.contains("config.yaml"), "{t}");
    assert!(t0.elapsed() < Duration::from_secs(10), "refused before any server starts");
    // Nothing written anywhere.
    assert_eq!(entries(d.path()), vec!["config.yaml", "victim"], "{t}");
    assert_eq!(entries(&victim), vec!["echo"]);
    // The same from the command line.
    let cfg = yaml(d.path(), &common::models_dir(), "profile_models: [sleep_fixed]\n");
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap(), "--profile-models", "../victim/echo"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("../victim/echo"));
    assert_eq!(entries(d.path()), vec!["config.yaml", "victim"]);
}

#[test]
fn a_csv_file_name_that_is_a_path_is_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let cfg = yaml(d.path(), &common::models_dir(), "profile_models: [sleep_fixed]\nfilename_model_gpu: ../gpu.csv\n");
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("filename_model_gpu") && t.contains("../gpu.csv") && t.contains("config.yaml"), "{t}");
    // Refused before any measurement: no checkpoint, no results.
    let written = |p: &Path| std::fs::read_dir(p).map(|r| r.count()).unwrap_or(0);
    assert_eq!(written(&d.path().join("out/ckpt")), 0, "{t}");
    assert!(!d.path().join("out/export/results/results.json").exists() && !d.path().join("out/export/gpu.csv").exists(), "{t}");
}

#[test]
fn unwritable_output_directories_are_refused_up_front() {
    let d = tempfile::tempdir().unwrap();
    // Root writes anywhere chmod allows; nobody can create a directory under a regular file.
    std::fs::write(d.path().join("afile"), "not a directory").unwrap();
    let cases = [
        ("export_path", format!("export_path: {}/afile/sub\n", d.path().display())),
        ("checkpoint_directory", format!("checkpoint_directory: {}/afile\n", d.path().display())),
        ("output_model_repository_path", format!("output_model_repository_path: {}/fifo\n", d.path().display())),
    ];
    assert!(Command::new("mkfifo").arg(d.path().join("fifo")).status().unwrap().success());
    for (key, line) in cases {
        // The key's line of the standard YAML replaced.
        let cfg = yaml(d.path(), &common::models_dir(), "profile_models: [sleep_fixed]\n");
        let text0 = std::fs::read_to_string(&cfg).unwrap();
        let text1: String = text0.lines().filter(|l| !l.starts_with(&format!("{key}:"))).map(|l| format!("{l}\n")).collect::<String>() + &line;
        std::fs::write(&cfg, text1).unwrap();
        let t0 = Instant::now();
        let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{key}: {t}");
        let user_path = line.split_once(": ").unwrap().1.trim();
        assert!(t.contains(key) && t.contains(user_path), "{key}: names the key and the user's path: {t}");
        assert!(!t.contains("write-probe") && !t.contains(".json.tmp"), "{key}: no internal temp file in the message: {t}");
        assert!(t0.elapsed() < Duration::from_secs(10), "{key}: refused before the server starts");
    }
    assert!(!d.path().join("out").exists(), "nothing was created for a refused run");
}

#[test]
fn an_existing_checkpoint_needs_resume_or_fresh() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let cfg = yaml(d.path(), &common::models_dir(), "profile_models: [no_such_model]\nrun_config_search_disable: true\nconcurrency: [1]\n");
    let ckpt = d.path().join("out/ckpt/tritium-profile.ckpt.json");
    std::fs::create_dir_all(ckpt.parent().unwrap()).unwrap();
    std::fs::write(&ckpt, "{\"earlier\": \"run\"}").unwrap();
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains(&ckpt.display().to_string()) && t.contains("--resume") && t.contains("--fresh"), "{t}");
    assert_eq!(std::fs::read_to_string(&ckpt).unwrap(), "{\"earlier\": \"run\"}", "untouched");
    // --resume and --fresh together: a usage error.
    assert_eq!(tritium(&["profile", "-f", cfg.to_str().unwrap(), "--resume", "--fresh"]).status.code(), Some(2));
    // --fresh moves it aside (never deletes it), then runs: the model is missing, so nothing is usable (exit 1).
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap(), "--fresh"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    let baks: Vec<String> = entries(ckpt.parent().unwrap()).into_iter().filter(|n| n.starts_with("tritium-profile.ckpt.json.") && n.ends_with(".bak")).collect();
    assert_eq!(baks.len(), 1, "{:?}", entries(ckpt.parent().unwrap()));
    assert_eq!(std::fs::read_to_string(ckpt.parent().unwrap().join(&baks[0])).unwrap(), "{\"earlier\": \"run\"}");
    let r = results(d.path());
    let m = model(&r, "no_such_model");
    assert_eq!(m.status, Some(ModelStatus::Failed));
    assert!(m.reason.as_deref().unwrap().contains("no_such_model"), "{:?}", m.reason);
}

/// Lines of a child's stream, as they come.
fn lines_of(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn ctrl_c_stops_at_once_and_resume_keeps_one_record_per_key() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let body = "profile_models: [sleep_fixed]\nrun_config_search_mode: brute\nrun_config_search_max_model_batch_size: 2\nrun_config_search_max_instance_count: 1\nconcurrency: [1, 2]\n";
    let cfg = yaml(d.path(), &common::models_dir(), body);
    let mut child = Command::new(common::tritium_bin()).args(["profile", "-f", cfg.to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let out = lines_of(child.stdout.take().unwrap());
    let err = lines_of(child.stderr.take().unwrap());
    // Interrupt right after the first measurement is reported.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut before = Vec::new();
    loop {
        let l = err.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("a first measurement line within 2 minutes");
        let first = l.contains("infer/s, p99");
        before.push(l);
        if first {
            break;
        }
    }
    // SAFETY: kill(2) on our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let t0 = Instant::now();
    let after: Vec<String> = err.iter().collect();
    let status = child.wait().unwrap();
    let took = t0.elapsed();
    let stdout: Vec<String> = out.iter().collect();
    let all = format!("{}\n--- interrupt ---\n{}\n--- stdout ---\n{}", before.join("\n"), after.join("\n"), stdout.join("\n"));
    assert_eq!(status.code(), Some(130), "{all}");
    assert!(took < Duration::from_secs(20), "exit took {took:?} after the interrupt: {all}");
    let search_lines: Vec<&String> = after.iter().filter(|l| l.starts_with("[profile] sleep_fixed:")).collect();
    assert!(search_lines.len() <= 2, "no per-config lines after the interrupt: {all}");
    assert!(!after.iter().any(|l| l.contains("FAILED: interrupted")), "{all}");
    let ckpt = d.path().join("out/ckpt/tritium-profile.ckpt.json");
    let partial = ProfileResults::read(&ckpt).expect("checkpoint written");
    assert!(!partial.models[0].complete);
    assert!(partial.models[0].measurements.iter().all(|m| m.error.as_deref().is_none_or(|e| !e.contains("interrupted"))), "an interrupted partial is never stored: {:?}", partial.models[0].measurements);
    assert!(partial.models[0].measurements.iter().any(|m| m.point.is_some()));
    assert!(!d.path().join("out/export/results/results.json").exists());

    // A run without --resume refuses to overwrite the checkpoint.
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--resume") && text(&o).contains("--fresh"));
    // --resume with another config: refused, saying what differs.
    let changed = d.path().join("changed.yaml");
    std::fs::write(&changed, std::fs::read_to_string(&cfg).unwrap().replace("measurement-interval: 200", "measurement-interval: 300").replace("concurrency: [1, 2]", "concurrency: [1, 4]")).unwrap();
    let o = tritium(&["profile", "-f", changed.to_str().unwrap(), "--resume"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("measurement-interval") && t.contains("200") && t.contains("300"), "{t}");
    assert!(t.contains("concurrency"), "{t}");
    // --resume with another model list: refused.
    let other = d.path().join("other.yaml");
    std::fs::write(&other, std::fs::read_to_string(&cfg).unwrap().replace("profile_models: [sleep_fixed]", "profile_models: [add_sub]")).unwrap();
    let o = tritium(&["profile", "-f", other.to_str().unwrap(), "--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("sleep_fixed"), "{}", text(&o));

    // The same config resumes and finishes; each key once.
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap(), "--resume"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("resuming"), "{t}");
    let r = results(d.path());
    let done_before = partial.models[0].measurements.iter().filter(|m| m.point.is_some()).count();
    assert_eq!(r.models[0].search.measurements, 6 - done_before, "only what was not finished is measured again: {t}");
    assert!(r.models[0].complete);
    assert_eq!(r.models[0].status, Some(ModelStatus::Ok));
    assert_unique_keys(&r, "results.json after resume");
    assert_unique_keys(&ProfileResults::read(&ckpt).unwrap(), "checkpoint after resume");
    // default, config_0 (max batch 1), config_1 (max batch 2), each at concurrency 1 and 2.
    assert_eq!(r.models[0].measurements.len(), 6, "{:?}", r.models[0].measurements.iter().map(|x| (&x.config, x.concurrency)).collect::<Vec<_>>());
}

#[test]
fn missing_malformed_and_unloadable_models_make_a_partial_run() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let repo = repo_with(d.path(), &["sleep_fixed", "fail_load"]);
    let bad = repo.join("bad_pbtxt");
    copy_dir(&repo.join("sleep_fixed/1"), &bad.join("1"));
    std::fs::write(bad.join("config.pbtxt"), "name: \"bad_pbtxt\"\nmax_batch_size: [oops\n").unwrap();
    let cfg = yaml(d.path(), &repo, "profile_models: [sleep_fixed, no_such_model, bad_pbtxt, fail_load]\nrun_config_search_disable: true\nconcurrency: [1]\n");
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(3), "{t}");
    let r = results(d.path());
    assert_eq!(model(&r, "sleep_fixed").status, Some(ModelStatus::Ok), "{t}");
    for (name, says) in [("no_such_model", "no_such_model"), ("bad_pbtxt", "config.pbtxt"), ("fail_load", "fail_load: this model refuses to load")] {
        let m = model(&r, name);
        assert_eq!(m.status, Some(ModelStatus::Failed), "{name}: {t}");
        let reason = m.reason.as_deref().unwrap_or_default();
        assert!(reason.contains(says), "{name}: {reason}");
        assert!(t.contains(&format!("== {name}")) && t.contains("FAILED"), "{name} in the summary: {t}");
    }
    // Only configs that loaded and measured are deployable.
    assert_eq!(entries(&d.path().join("out/models")), vec!["sleep_fixed_config_default"], "{t}");
    let fl = model(&r, "fail_load");
    assert!(fl.configs.iter().all(|c| c.error.is_some()), "{:?}", fl.configs);
    assert!(fl.top.is_empty());
}
