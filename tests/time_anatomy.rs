//! Where a real `tritium profile` run's time went (issue 13): a tiny brute
//! search of sleep_fixed (1 instance × max batch 1, and the default, at
//! concurrency 1) on the embedded Triton. results.json carries the run's
//! `time` and each config's, never negative, the run's parts summing to its
//! wall time and the configs' to the run's; every load point carries its
//! warm-up and window times; the terminal summary prints them; `--resume` of
//! the finished run keeps the first session's times.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tritium::profile::results::{ConfigTime, ProfileResults};

fn tritium(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tritium")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

const INTERVAL_MS: u64 = 200;

fn tiny_search(dir: &Path) -> PathBuf {
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: sleep_fixed\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\ncheckpoint_directory: {out}/ckpt\n\
         override_output_model_repository: true\nrun_config_search_mode: brute\n\
         run_config_search_max_model_batch_size: 1\nrun_config_search_max_instance_count: 1\nrun_config_search_max_concurrency: 1\n\
         perf_analyzer_flags:\n  measurement-interval: {INTERVAL_MS}\n",
        repo = common::models_dir().display(),
        out = dir.display()
    );
    let p = dir.join("tiny.yaml");
    std::fs::write(&p, yaml).unwrap();
    p
}

#[test]
fn a_profile_run_reports_where_its_time_went_and_a_resume_keeps_it() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let cfg = tiny_search(d.path());
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let results = d.path().join("export/results/results.json");
    let r = ProfileResults::read(&results).unwrap();
    let t = r.time.expect("the run's time anatomy");
    assert_eq!((t.sessions, t.partial), (1, false), "{t:?}");
    for (name, s) in t.parts() {
        assert!(s >= 0.0 && s.is_finite(), "{name}: {s} in {t:?}");
    }
    assert!(t.load_seconds > 0.0 && t.warmup_seconds > 0.0 && t.measure_seconds > 0.0, "{t:?}");
    // The parts are disjoint spans inside the run: they fit its wall time, idle is the rest.
    assert!(t.busy_seconds() <= t.wall_seconds, "{t:?}");
    assert!((t.busy_seconds() + t.idle_seconds - t.wall_seconds).abs() < 1e-9, "{t:?}");

    // Per config: the default and 1 × max batch 1, each loaded and measured.
    let m = &r.models[0];
    assert_eq!(m.configs.len(), 2, "{:?}", m.configs);
    let times: Vec<ConfigTime> = m.configs.iter().map(|c| c.time.unwrap_or_else(|| panic!("{} has no time", c.name))).collect();
    let sum = |f: fn(&ConfigTime) -> f64| times.iter().map(f).sum::<f64>();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert!(close(sum(|c| c.load_seconds), t.load_seconds) && close(sum(|c| c.unload_seconds), t.unload_seconds), "{times:?} vs {t:?}");
    assert!(close(sum(|c| c.warmup_seconds), t.warmup_seconds) && close(sum(|c| c.measure_seconds), t.measure_seconds), "{times:?} vs {t:?}");
    assert!(sum(|c| c.other_seconds) <= t.idle_seconds + 1e-6, "other time is part of idle: {times:?} vs {t:?}");
    assert_eq!(times.iter().map(|c| c.loads).sum::<u32>(), t.loads);
    assert_eq!(times.iter().map(|c| c.measurements).sum::<u32>(), t.measurements);
    for (c, ct) in m.configs.iter().zip(&times) {
        assert!(ct.loads >= 1 && ct.load_seconds > 0.0, "{}: {ct:?}", c.name);
        // Measured, not estimated: the windows of its points (each at least the interval) are in it.
        let points: Vec<_> = m.measurements.iter().filter(|x| x.config == c.name).filter_map(|x| x.point.as_ref()).collect();
        assert!(!points.is_empty() && ct.measurements as usize >= points.len(), "{}: {ct:?}", c.name);
        let windows: u32 = points.iter().map(|p| p.windows).sum();
        assert!(ct.measure_seconds >= windows as f64 * INTERVAL_MS as f64 / 1000.0, "{}: {windows} windows in {ct:?}", c.name);
        for p in &points {
            assert!(p.warmup_seconds.is_some_and(|w| w > 0.0) && p.windows_seconds.is_some_and(|w| w > 0.0), "{p:?}");
        }
    }
    // The terminal summary says it too.
    assert!(out.contains("== Time: ") && out.contains(&format!("{:.1} s = load", t.wall_seconds)), "{out}");
    assert!(out.contains("time per config") && out.contains("warm-up s"), "{out}");

    // Resuming the finished run measures nothing again and keeps the first session's times.
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap(), "--resume"]);
    assert!(o.status.success(), "{}", text(&o));
    let again = ProfileResults::read(&results).unwrap();
    let t2 = again.time.expect("the resumed run's time anatomy");
    assert_eq!((t2.sessions, t2.loads, t2.measurements), (2, t.loads, t.measurements), "{t2:?}");
    assert!(t2.wall_seconds >= t.wall_seconds && t2.load_seconds == t.load_seconds && t2.measure_seconds == t.measure_seconds, "{t:?} then {t2:?}");
    assert_eq!(again.models[0].configs.iter().map(|c| c.time).collect::<Vec<_>>(), m.configs.iter().map(|c| c.time).collect::<Vec<_>>());
}
