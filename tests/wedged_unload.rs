//! A Python model whose `execute()` raised cannot be unloaded by Triton 2.51
//! (it stays UNLOADING for good). tritium must notice within its bound, give
//! up on a cancel at once, and clean up what its server created at shutdown:
//! the stub processes and the backend's /dev/shm regions.
//! One server in this binary (two embedded servers collide in the Python backend).

mod common;

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tritium::triton::{InputBuffer, UnloadOutcome};

fn regions_with(prefix: &str) -> Vec<String> {
    std::fs::read_dir("/dev/shm").map(|d| d.flatten().filter_map(|e| e.file_name().into_string().ok()).filter(|n| n.starts_with(prefix)).collect()).unwrap_or_default()
}

#[test]
fn a_raising_model_is_reported_wedged_and_cleaned_up() {
    // 8000 raised executions would log 8000 tracebacks.
    tritium::triton::set_default_log_level(tritium::triton::LogLevel::Off);
    let rt = common::runtime();
    let repo = common::repo_root().join("tests/failure_models");
    let server = rt.start_server(&rt.server_options(&repo).exit_timeout_secs(3)).expect("server");
    let prefix = server.shm_prefix().expect("tritium names the Python backend's regions").to_string();
    server.load_model("raise_all").expect("raise_all loads");
    assert!(!regions_with(&prefix).is_empty(), "the stub's region carries our prefix {prefix}");
    // The wedge needs a few thousand raised executions (Triton 2.51 keeps
    // something of each in the stub's shared memory): 8000, one at a time.
    let mut req = server.request("raise_all", -1).input("IN", "FP32", &[1, 4], InputBuffer::f32s(&[1.0; 4])).build().unwrap();
    for _ in 0..8000 {
        let (e, r) = req.infer().map(|_| ()).expect_err("execute() raises");
        assert!(e.to_string().contains("Failed to process the request(s)"), "{e}");
        req = r.expect("the request comes back with its completion");
    }
    drop(req);

    // A cancel ends the wait at once.
    let t0 = Instant::now();
    let out = server.unload_model_bounded("raise_all", Duration::from_secs(60), &AtomicBool::new(true)).unwrap();
    assert_eq!(out, UnloadOutcome::Cancelled);
    assert!(t0.elapsed() < Duration::from_secs(1), "cancel took {:?}", t0.elapsed());

    // Without a cancel the bound ends it, naming the state Triton left.
    let t0 = Instant::now();
    let out = server.unload_model_bounded("raise_all", Duration::from_secs(2), &AtomicBool::new(false)).unwrap();
    assert_eq!(out, UnloadOutcome::TimedOut { state: "UNLOADING".into() });
    assert!(t0.elapsed() < Duration::from_secs(4), "bounded wait took {:?}", t0.elapsed());

    // Shutdown hits the exit timeout, then ends the stub and removes the region.
    assert_eq!(common::stub_processes("raise_all"), 1);
    let t0 = Instant::now();
    let stopped = server.shutdown();
    assert!(stopped.is_err(), "Triton reports the exit timeout");
    assert!(t0.elapsed() < Duration::from_secs(15), "shutdown took {:?}", t0.elapsed());
    let deadline = Instant::now() + Duration::from_secs(5);
    while common::stub_processes("raise_all") > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(common::stub_processes("raise_all"), 0, "the stub was ended");
    assert_eq!(regions_with(&prefix), Vec::<String>::new(), "no /dev/shm region of this server is left");
}
