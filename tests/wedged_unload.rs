//! A model Triton cannot unload — a request still in flight on a hung
//! model, or (Triton 2.51) a Python model whose `execute()` raised a few
//! thousand times — must not hang tritium: the wait is bounded, a cancel ends
//! it at once, `profile` skips the model with the reason, and shutdown cleans
//! up what its server created (stub processes, the backend's /dev/shm regions).
//! One in-process server in this binary (two collide in the Python backend).

mod common;

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tritium::triton::{InputBuffer, UnloadOutcome};

fn regions_with(prefix: &str) -> Vec<String> {
    std::fs::read_dir("/dev/shm").map(|d| d.flatten().filter_map(|e| e.file_name().into_string().ok()).filter(|n| n.starts_with(prefix)).collect()).unwrap_or_default()
}

#[test]
fn an_unload_that_cannot_finish_is_bounded_cancellable_and_cleaned_up() {
    let rt = common::runtime();
    let repo = common::repo_root().join("tests/failure_models");
    let server = rt.start_server(&rt.server_options(&repo).exit_timeout_secs(3)).expect("server");
    let prefix = server.shm_prefix().expect("tritium names the Python backend's regions").to_string();
    server.load_model("hang").expect("hang loads");
    assert!(!regions_with(&prefix).is_empty(), "the stub's region carries our prefix {prefix}");
    // One request in flight for an hour: Triton waits for it before unloading.
    let (tx, rx) = crossbeam::channel::bounded(1);
    let req = server
        .request("hang", -1)
        .input("IN", "FP32", &[4], InputBuffer::f32s(&[1.0; 4]))
        .on_complete(std::sync::Arc::new(move |c: tritium::triton::Completion| {
            let _ = tx.send(c.response.is_ok());
        }))
        .build()
        .unwrap();
    req.issue().map_err(|e| e.error).expect("issued");

    // A cancel ends the wait at once.
    let t0 = Instant::now();
    let out = server.unload_model_bounded("hang", Duration::from_secs(60), &AtomicBool::new(true)).unwrap();
    assert_eq!(out, UnloadOutcome::Cancelled);
    assert!(t0.elapsed() < Duration::from_secs(1), "cancel took {:?}", t0.elapsed());

    // Without a cancel the bound ends it, naming the state Triton left.
    let t0 = Instant::now();
    let out = server.unload_model_bounded("hang", Duration::from_secs(2), &AtomicBool::new(false)).unwrap();
    assert_eq!(out, UnloadOutcome::TimedOut { state: "UNLOADING".into() });
    assert!(t0.elapsed() < Duration::from_secs(4), "bounded wait took {:?}", t0.elapsed());
    assert!(rx.try_recv().is_err(), "the hung request has not completed");

    // Shutdown hits the exit timeout, then ends the stub and removes the region.
    assert_eq!(common::stub_processes("hang"), 1);
    let t0 = Instant::now();
    let stopped = server.shutdown();
    assert!(stopped.is_err(), "Triton reports the exit timeout");
    assert!(t0.elapsed() < Duration::from_secs(15), "shutdown took {:?}", t0.elapsed());
    let deadline = Instant::now() + Duration::from_secs(5);
    while common::stub_processes("hang") > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(common::stub_processes("hang"), 0, "the stub was ended");
    assert_eq!(regions_with(&prefix), Vec::<String>::new(), "no /dev/shm region of this server is left");
}

#[test]
fn profile_skips_a_model_it_cannot_unload_and_leaves_no_region() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: [raise_all]\nexport_path: {out}\noutput_model_repository_path: {out}/models\n\
         checkpoint_directory: {out}/ckpt\nrun_config_search_max_instance_count: 2\nrun_config_search_max_model_batch_size: 2\n\
         run_config_search_max_concurrency: 2\nperf_analyzer_flags:\n  measurement-interval: 200\n",
        repo = common::repo_root().join("tests/failure_models").display(),
        out = out.display()
    );
    let cfg = dir.path().join("cfg.yaml");
    std::fs::write(&cfg, yaml).unwrap();
    let t0 = Instant::now();
    let child = std::process::Command::new(common::tritium_bin())
        .args(["profile", "-f"])
        .arg(&cfg)
        .args(["--triton-log", "off"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    // Before: 120 s per config switch, then an exit timeout; now one bounded wait.
    assert!(t0.elapsed() < Duration::from_secs(90), "took {:?}\n{stderr}", t0.elapsed());
    assert_eq!(done.status.code(), Some(1), "no usable measurement\n{stderr}");
    // Whether Triton 2.51 wedges depends on how many executions raised (a few
    // thousand at these windows, usually): either way the model fails cleanly.
    let wedged = stderr.contains("search stopped: Triton could not unload model 'raise_all'");
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results/results.json")).unwrap()).unwrap();
    let m = &results["models"][0];
    assert_eq!(m["status"], "failed");
    assert_eq!(m["reason"].as_str().unwrap().contains("could not unload"), wedged, "{m}");
    assert_eq!(regions_with(&format!("tritium_{pid}_")), Vec::<String>::new(), "the run's /dev/shm regions were removed");
    assert!(std::fs::read_dir(out.join("models")).map(|d| d.count() == 0).unwrap_or(true), "nothing deployable was written");
}
