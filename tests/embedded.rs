//! Real embedded Triton (Python backend, CPU): model control, config
//! overrides, inference, errors, many requests in flight.

mod common;

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{f32s, ramp, server, stub_processes};
use tritium::triton::error::Error;
use tritium::model::{InstanceKind, ModelConfig};
use tritium::triton::{Completion, InputBuffer, OutputMemory};

/// Stub processes of the replaced config exit shortly after a reload: wait
/// (up to 20 s) for the count to reach `want`, and return the last count seen.
fn settled_stub_count(model: &str, want: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n = stub_processes(model);
        if n == want || std::time::Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Tests that unload or reconfigure `add_sub_nobatch` hold this, so tests
/// running in parallel on the shared server never see it half gone.
static NOBATCH: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn nobatch_lock() -> std::sync::MutexGuard<'static, ()> {
    NOBATCH.lock().unwrap_or_else(|e| e.into_inner())
}

const UNLOAD_WAIT: Option<Duration> = Some(Duration::from_secs(30));

#[test]
fn server_is_live_and_reports_version() {
    let s = server();
    assert!(s.is_live().unwrap());
    assert!(s.is_ready().unwrap());
    let md = s.metadata().unwrap();
    assert_eq!(md.name, "tritium", "the server id tritium sets");
    assert!(md.version.starts_with("2."), "{}", md.version);
}

#[test]
fn repository_index_lists_fixture_models() {
    let idx = server().model_index(false).unwrap();
    let names: Vec<&str> = idx.iter().map(|m| m.name.as_str()).collect();
    for m in ["add_sub", "add_sub_nobatch", "variable_dim", "bytes_echo", "fail_load", "sleep_fixed"] {
        assert!(names.contains(&m), "{m} missing from {names:?}");
    }
}

#[test]
fn load_query_unload() {
    let _g = nobatch_lock();
    let s = server();
    s.load_model("add_sub_nobatch").unwrap();
    assert!(s.model_ready("add_sub_nobatch", -1).unwrap());
    let md = s.model_metadata("add_sub_nobatch", -1).unwrap();
    assert_eq!(md.inputs.len(), 2);
    assert_eq!(md.inputs[0].datatype, "FP32");
    assert_eq!(md.inputs[0].shape, vec![16]);
    let cfg = s.model_config("add_sub_nobatch", -1).unwrap();
    assert_eq!(cfg.max_batch_size, 0);
    assert_eq!(cfg.backend, "python");
    s.unload_model("add_sub_nobatch", UNLOAD_WAIT).unwrap();
    assert!(!s.model_ready("add_sub_nobatch", -1).unwrap_or(false));
    // and back again
    s.load_model("add_sub_nobatch").unwrap();
    assert!(s.model_ready("add_sub_nobatch", -1).unwrap());
}

#[test]
fn config_override_changes_instances_and_batch_size() {
    let s = server();
    // Start from the repository's own config (1 instance, max batch 8).
    s.load_model("sleep_fixed").unwrap();
    let base = s.model_config("sleep_fixed", -1).unwrap();
    assert_eq!(base.instance_count(), 1);
    assert_eq!(base.max_batch_size, 8);

    let mut cfg: ModelConfig = base.clone();
    cfg.set_instance_count(InstanceKind::Cpu, 3);
    cfg.set_max_batch_size(4);
    s.load_model_with_config("sleep_fixed", &cfg).unwrap();
    let eff = s.model_config("sleep_fixed", -1).unwrap();
    assert_eq!(eff.instance_count(), 3, "effective config: {}", eff.to_json());
    assert_eq!(eff.max_batch_size, 4);
    // Three instances are three stub processes.
    assert_eq!(settled_stub_count("sleep_fixed", 3), 3);

    // max batch 4 accepted, 5 rejected; the accepted batch shows in batch statistics.
    let run = |b: i64| {
        s.request("sleep_fixed", -1)
            .input("IN", "FP32", &[b, 4], f32s(&ramp(4 * b as usize, 0.0, 1.0)))
            .build()
            .unwrap()
            .infer()
    };
    let (req, resp) = run(4).map_err(|(e, _)| e).unwrap();
    assert_eq!(resp.output_named("OUT").unwrap().shape, &[4, 4]);
    // Live requests and responses pin the model: drop them before unloading.
    drop((req, resp));
    let err = run(5).err().unwrap().0.to_string();
    assert!(err.contains("batch-size must be <= 4"), "{err}");
    let stats = s.model_statistics("sleep_fixed", -1).unwrap();
    let st = &stats.model_stats[0];
    assert!(st.batch_stats.iter().any(|b| b.batch_size == 4 && b.compute_infer.count >= 1), "{:?}", st.batch_stats);

    // Back to the repository config: one instance again. (A plain load of a
    // loaded model whose files did not change keeps the override.)
    s.unload_model("sleep_fixed", UNLOAD_WAIT).unwrap();
    s.load_model("sleep_fixed").unwrap();
    assert_eq!(s.model_config("sleep_fixed", -1).unwrap().instance_count(), 1);
    assert_eq!(settled_stub_count("sleep_fixed", 1), 1);
}

#[test]
fn outputs_are_numerically_right() {
    let s = server();
    s.load_model("add_sub").unwrap();
    let a = ramp(32, 1.0, 1.0);
    let b = ramp(32, 0.5, -0.25);
    let (_r, resp) = s
        .request("add_sub", -1)
        .input("INPUT0", "FP32", &[2, 16], f32s(&a))
        .input("INPUT1", "FP32", &[2, 16], f32s(&b))
        .build()
        .unwrap()
        .infer()
        .map_err(|(e, _)| e)
        .unwrap();
    let sum = resp.output_named("OUTPUT0").unwrap();
    assert_eq!(sum.shape, &[2, 16]);
    let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    assert_eq!(sum.to_f32s().unwrap(), want);
    let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    assert_eq!(resp.output_named("OUTPUT1").unwrap().to_f32s().unwrap(), want);
}

#[test]
fn variable_dimension_and_bytes() {
    let s = server();
    s.load_model("variable_dim").unwrap();
    let x = [1.5f32, -2.0, 3.0, 0.0, 7.25];
    let (_r, resp) = s.request("variable_dim", -1).input("IN", "FP32", &[5], f32s(&x)).build().unwrap().infer().map_err(|(e, _)| e).unwrap();
    assert_eq!(resp.output_named("OUT").unwrap().to_f32s().unwrap(), vec![3.0, -4.0, 6.0, 0.0, 14.5]);
    assert_eq!(resp.output_named("LEN").unwrap().to_i64s().unwrap(), vec![5]);

    s.load_model("bytes_echo").unwrap();
    let items: Vec<&[u8]> = vec![b"ab", b"", "h\u{e9}llo".as_bytes(), b"xyz1"];
    let data = tritium::model::tensor::encode_bytes(&items);
    let (_r, resp) = s.request("bytes_echo", -1).input("TEXT", "BYTES", &[4], InputBuffer::host(data)).build().unwrap().infer().map_err(|(e, _)| e).unwrap();
    let up = resp.output_named("UPPER").unwrap().to_byte_strings().unwrap();
    assert_eq!(up, vec![b"AB".to_vec(), vec![], "H\u{e9}LLO".as_bytes().to_vec(), b"XYZ1".to_vec()]);
    assert_eq!(resp.output_named("LENGTHS").unwrap().to_i32s().unwrap(), vec![2, 0, 6, 4]);
}

#[test]
fn thousand_requests_in_flight_complete_exactly_once() {
    let s = server();
    s.load_model("add_sub").unwrap();
    const N: usize = 1000;
    let counts: Arc<Vec<AtomicU32>> = Arc::new((0..N).map(|_| AtomicU32::new(0)).collect());
    let wrong = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = crossbeam::channel::unbounded::<u64>();
    let handler = {
        let counts = counts.clone();
        let wrong = wrong.clone();
        Arc::new(move |c: Completion| {
            let tag = c.request.tag();
            counts[tag as usize].fetch_add(1, Ordering::SeqCst);
            let ok = c.response.as_ref().ok().and_then(|r| r.output_named("OUTPUT0").ok()).and_then(|o| o.to_f32s().ok()).map(|v| v.iter().all(|x| *x == tag as f32 + 1.0)).unwrap_or(false);
            if !ok {
                wrong.fetch_add(1, Ordering::SeqCst);
            }
            drop(c);
            let _ = tx.send(tag);
        })
    };
    let ones = f32s(&[1.0; 16]);
    let mut reqs = Vec::with_capacity(N);
    for i in 0..N {
        reqs.push(
            s.request("add_sub", -1)
                .input("INPUT0", "FP32", &[1, 16], f32s(&[i as f32; 16]))
                .input("INPUT1", "FP32", &[1, 16], ones.clone())
                .tag(i as u64)
                .on_complete(handler.clone())
                .build()
                .unwrap(),
        );
    }
    // Issue all before any is awaited: up to 1000 in flight at once.
    for r in reqs {
        r.issue().map_err(|e| e.error).unwrap();
    }
    for _ in 0..N {
        rx.recv_timeout(Duration::from_secs(120)).expect("a completion is missing");
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(rx.try_recv().is_err(), "more completions than requests");
    assert!(counts.iter().all(|c| c.load(Ordering::SeqCst) == 1));
    assert_eq!(wrong.load(Ordering::SeqCst), 0);
}

#[test]
fn request_is_reusable_after_release() {
    let s = server();
    s.load_model("add_sub").unwrap();
    let mut req = s
        .request("add_sub", -1)
        .input("INPUT0", "FP32", &[1, 16], f32s(&[2.0; 16]))
        .input("INPUT1", "FP32", &[1, 16], f32s(&[1.0; 16]))
        .build()
        .unwrap();
    for i in 0..50 {
        if i == 25 {
            req.set_input_data("INPUT0", f32s(&[10.0; 16])).unwrap();
        }
        let (r, resp) = req.infer().map_err(|(e, _)| e).unwrap();
        let want = if i < 25 { 3.0 } else { 11.0 };
        assert_eq!(resp.output_named("OUTPUT0").unwrap().to_f32s().unwrap(), vec![want; 16]);
        req = r;
    }
}

#[test]
fn failing_requests_are_errors_and_the_model_keeps_serving() {
    let s = server();
    s.load_model("fail_execute").unwrap();
    let run = |v: f32| s.request("fail_execute", -1).input("IN", "FP32", &[4], f32s(&[v, 1.0, 2.0, 3.0])).build().unwrap().infer();
    let e = run(-1.0).expect_err("negative input must fail").0;
    assert!(e.to_string().contains("negative input rejected"), "{e}");
    let e = run(13.0).expect_err("13 must fail").0;
    assert!(e.to_string().contains("unlucky input"), "{e}");
    let (_r, resp) = run(4.0).map_err(|(e, _)| e).unwrap();
    assert_eq!(resp.output_named("OUT").unwrap().to_f32s().unwrap(), vec![4.0, 1.0, 2.0, 3.0]);
}

#[test]
fn clear_errors_for_unknown_model_bad_config_and_failed_load() {
    let _g = nobatch_lock();
    let s = server();
    let e = s.load_model("no_such_model").unwrap_err().to_string();
    assert!(e.contains("no_such_model"), "{e}");

    let e = s.load_model_with_config_json("add_sub", "{ not json").unwrap_err();
    assert!(matches!(e, Error::Json { .. }), "{e}");
    assert!(e.to_string().contains("add_sub"), "{e}");

    let e = s.load_model_with_config_json("add_sub_nobatch", r#"{"max_batch_size": "lots"}"#).unwrap_err().to_string();
    assert!(e.contains("add_sub_nobatch"), "{e}");

    let e = s.load_model("fail_load").unwrap_err().to_string();
    assert!(e.contains("refuses to load"), "{e}");

    // A request to a model that is not loaded is refused at issue and handed back.
    let req = s.request("variable_dim_not_loaded", -1).input("IN", "FP32", &[1], f32s(&[1.0])).build();
    match req {
        Err(e) => assert!(e.to_string().contains("variable_dim_not_loaded"), "{e}"),
        Ok(r) => {
            let e = r.infer().err().unwrap().0.to_string();
            assert!(e.contains("variable_dim_not_loaded"), "{e}");
        }
    }
}

#[test]
fn issue_failure_returns_the_request() {
    let s = server();
    s.load_model("add_sub").unwrap();
    // Batch 9 > max_batch_size 8: refused by ServerInferAsync or in the response.
    let req = s
        .request("add_sub", -1)
        .input("INPUT0", "FP32", &[9, 16], f32s(&[0.0; 144]))
        .input("INPUT1", "FP32", &[9, 16], f32s(&[0.0; 144]))
        .build()
        .unwrap();
    let (e, back) = req.infer().err().unwrap();
    assert!(e.to_string().contains("batch-size must be <= 8"), "{e}");
    assert!(back.is_some(), "the request must come back to the caller");
    // A request without a handler is refused before reaching Triton.
    let req = s.request("add_sub", -1).input("INPUT0", "FP32", &[1, 16], f32s(&[0.0; 16])).input("INPUT1", "FP32", &[1, 16], f32s(&[0.0; 16])).build().unwrap();
    let e = req.issue().unwrap_err();
    assert!(e.error.to_string().contains("completion handler"));
}

#[test]
fn statistics_and_metrics_count_requests() {
    let _g = nobatch_lock();
    let s = server();
    s.load_model("add_sub_nobatch").unwrap();
    let before = s.model_statistics("add_sub_nobatch", -1).unwrap();
    for _ in 0..5 {
        s.request("add_sub_nobatch", -1)
            .input("INPUT0", "FP32", &[16], f32s(&[1.0; 16]))
            .input("INPUT1", "FP32", &[16], f32s(&[1.0; 16]))
            .build()
            .unwrap()
            .infer()
            .map_err(|(e, _)| e)
            .unwrap();
    }
    let after = s.model_statistics("add_sub_nobatch", -1).unwrap();
    let d = after.model_stats[0].delta(&before.model_stats[0]);
    assert_eq!(d.inference_stats.success.count, 5);
    assert!(d.inference_stats.avg_compute_infer_us().unwrap() > 0.0);
    let m = s.metrics().unwrap();
    let n = m.get("nv_inference_request_success", &[("model", "add_sub_nobatch")]).expect("metric present");
    assert!(n >= 5.0, "{n}");
}

#[test]
fn ensemble_runs_end_to_end() {
    let s = server();
    s.load_model("ensemble_add_sub").unwrap();
    let a = ramp(16, 1.0, 1.0);
    let (_r, resp) = s
        .request("ensemble_add_sub", -1)
        .input("INPUT0", "FP32", &[1, 16], f32s(&a))
        .input("INPUT1", "FP32", &[1, 16], f32s(&[1.0; 16]))
        .build()
        .unwrap()
        .infer()
        .map_err(|(e, _)| e)
        .unwrap();
    let want: Vec<f32> = a.iter().map(|x| 2.0 * x).collect();
    assert_eq!(resp.output_named("OUTPUT0").unwrap().to_f32s().unwrap(), want);
    assert_eq!(resp.output_named("OUTPUT1").unwrap().to_f32s().unwrap(), vec![2.0; 16]);
}

#[test]
fn pinned_and_gpu_memory_need_cuda() {
    if tritium::triton::gpu::cuda_available() {
        eprintln!("skipped here: CUDA present; tests/gpu.rs covers these paths");
        return;
    }
    let e = server().request("add_sub", -1).output_memory(OutputMemory::Cuda(0)).build().unwrap_err().to_string();
    assert!(e.contains("CUDA"), "{e}");
    assert!(InputBuffer::in_memory(&[0u8; 4], OutputMemory::Pinned).is_err());
}
