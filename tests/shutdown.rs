//! Dropping the server with requests in flight finishes within the exit
//! timeout instead of hanging, and late completions are harmless.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{f32s, models_dir, runtime};
use tritium::triton::Completion;

#[test]
fn shutdown_with_requests_in_flight_respects_exit_timeout() {
    let rt = runtime();
    let exit_timeout = 3u32;
    let opts = rt.server_options(models_dir()).exit_timeout_secs(exit_timeout);
    let server = rt.start_server(&opts).unwrap();
    server.load_model("hang").unwrap(); // answers after 30 s
    let (tx, rx) = crossbeam::channel::unbounded::<bool>();
    let handler = Arc::new(move |c: Completion| {
        let _ = tx.send(c.response.is_ok());
    });
    for _ in 0..3 {
        let r = server.request("hang", -1).input("IN", "FP32", &[1], f32s(&[1.0])).on_complete(handler.clone()).build().unwrap();
        r.issue().map_err(|e| e.error).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "hang must not answer yet");
    let t0 = Instant::now();
    let r = server.shutdown();
    let took = t0.elapsed();
    // ServerStop waits at most the exit timeout (then reports it); ServerDelete
    // may wait once more. Either way it is bounded, nowhere near the model's 30 s.
    assert!(took < Duration::from_secs(2 * exit_timeout as u64 + 4), "shutdown took {took:?}");
    eprintln!("shutdown with 3 requests in flight took {took:?}: {r:?}");
}

#[test]
fn renewed_ensemble_requests_leave_the_server_clean() {
    // Re-issuing a completed ensemble request object as is corrupts Triton 2.51
    // (exit timeout, then a double free); `renew()` gives it a fresh object.
    let rt = runtime();
    let server = rt.start_server(&rt.server_options(models_dir()).exit_timeout_secs(5)).unwrap();
    server.load_model("ensemble_add_sub").unwrap();
    let mut req = server
        .request("ensemble_add_sub", -1)
        .input("INPUT0", "FP32", &[1, 16], f32s(&[1.0; 16]))
        .input("INPUT1", "FP32", &[1, 16], f32s(&[2.0; 16]))
        .build()
        .unwrap();
    for _ in 0..50 {
        let (mut r, resp) = req.infer().map_err(|(e, _)| e).unwrap();
        assert_eq!(resp.output_named("OUTPUT0").unwrap().to_f32s().unwrap(), vec![2.0; 16]);
        drop(resp);
        r.renew().unwrap();
        req = r;
    }
    drop(req);
    let t0 = Instant::now();
    server.shutdown().expect("a clean shutdown, no exit timeout");
    assert!(t0.elapsed() < Duration::from_secs(5));
}
