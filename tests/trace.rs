//! Per-request timelines (`--trace`) on a real embedded Triton (CPU):
//! every phase of every traced request, ordering and nesting on one clock,
//! sampling, the ring's drop count, ensembles, the Chrome trace-event file,
//! and NVTX absent.

mod common;

use std::sync::atomic::AtomicBool;

use common::server;
use tritium::bench::loadgen::LoadMode;
use tritium::bench::{self, BenchConfig, Measurement, MeasurementMode, Quiet, StopRule};
use tritium::bench::trace::collect::TraceOptions;
use tritium::bench::trace::phases::{phases_of, Phase};
use tritium::bench::trace::{Activity, ServerTimes, TraceSet};

/// A deterministic traced run: exactly `n` requests at `concurrency`.
fn traced(model: &str, concurrency: u32, n: u64, opts: TraceOptions) -> (tritium::bench::export::LoadPoint, TraceSet) {
    server().load_model(model).expect("load");
    let mut c = BenchConfig::new(model);
    c.loads = vec![LoadMode::Concurrency(concurrency)];
    c.measurement = Measurement { mode: MeasurementMode::TimeWindows, interval_ms: 1000, request_count: 50, stability_pct: 10.0, max_trials: 3, percentile: None, warmup_ms: 0, rule: StopRule::PerfAnalyzer, ci_target_pct: 3.0 };
    c.request_count = Some(n);
    c.trace = Some(opts);
    let mut r = bench::run(server(), &c, &AtomicBool::new(false), &Quiet).expect("bench");
    let p = r.report.points.remove(0);
    let set = r.traces.remove(0).expect("a traced point's timelines come beside the report");
    (p, set)
}

fn stamps(s: &ServerTimes) -> Vec<u64> {
    Activity::ALL.iter().map(|a| s.at(*a).unwrap_or_else(|| panic!("{} missing in {s:?}", a.name()))).collect()
}

#[test]
fn every_traced_request_has_every_phase_in_order_on_one_clock() {
    let (p, set) = traced("add_sub", 2, 200, TraceOptions::default());
    assert_eq!(p.requests, 200, "deterministic mode issues exactly N: {:?}", p.warnings);
    assert_eq!(set.timelines.len(), 200);
    assert_eq!((set.dropped_timelines, set.dropped_events, set.not_sampled), (0, 0, 0));
    for t in &set.timelines {
        assert!(t.ok);
        let s = t.server.as_ref().expect("server times");
        assert_eq!(s.model, "add_sub");
        let ts = stamps(s);
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "activities out of order: {ts:?}");
        // Same clock: our issue precedes the server's start, and our completion
        // (after Triton's release callback) follows REQUEST_END.
        assert!(t.client_issue_ns <= ts[0], "issue {} after REQUEST_START {}", t.client_issue_ns, ts[0]);
        assert!(ts[6] <= t.client_done_ns, "REQUEST_END {} after completion {}", ts[6], t.client_done_ns);
        let ph = phases_of(t).expect("phases");
        let sum: i64 = Phase::TELESCOPING.iter().map(|x| ph.get(*x).expect("phase present")).sum();
        assert_eq!(sum, t.latency_ns() as i64, "phases sum to the measured latency");
        assert!(Phase::TELESCOPING.iter().all(|x| ph.get(*x).unwrap_or(-1) >= 0), "{ph:?}");
        assert!(ph.client_overhead_ns.unwrap_or(-1) >= 0);
    }
    // The timelines' latencies are the ones the histogram measured.
    let max_us = set.timelines.iter().map(|t| t.latency_ns()).max().unwrap_or(0) as f64 / 1e3;
    assert!((max_us - p.latency.max_us).abs() <= 0.01 * p.latency.max_us + 1.0, "trace max {max_us} µs vs histogram max {} µs", p.latency.max_us);
    let table = p.phases.as_ref().expect("phase table");
    assert_eq!(table.overall.timelines, 200);
    for ph in [Phase::Queue, Phase::ComputeInfer, Phase::ClientOverhead] {
        assert_eq!(table.overall.phases[&ph].count, 200, "{ph:?}");
    }
    // Slots: concurrency 2 → two tracks.
    let slots: std::collections::BTreeSet<u32> = set.timelines.iter().map(|t| t.slot).collect();
    assert_eq!(slots.len(), 2);
}

#[test]
fn sampling_traces_one_in_n() {
    let (p, set) = traced("add_sub_nobatch", 1, 100, TraceOptions { rate: 4, capacity: 1000 });
    assert_eq!(p.requests, 100);
    assert_eq!(set.timelines.len(), 25);
    assert_eq!(set.not_sampled, 75);
}

#[test]
fn the_ring_keeps_the_newest_and_counts_what_it_dropped() {
    let (_, set) = traced("add_sub_nobatch", 1, 60, TraceOptions { rate: 1, capacity: 10 });
    assert_eq!(set.timelines.len(), 10);
    assert_eq!(set.dropped_timelines, 50);
    assert!(set.timelines.windows(2).all(|w| w[0].client_issue_ns < w[1].client_issue_ns));
}

#[test]
fn ensemble_steps_nest_under_their_parent() {
    let (p, set) = traced("ensemble_add_sub", 1, 20, TraceOptions::default());
    assert_eq!(p.requests, 20);
    assert_eq!(set.timelines.len(), 20);
    for t in &set.timelines {
        let s = t.server.as_ref().expect("server times");
        assert_eq!(s.model, "ensemble_add_sub");
        assert_eq!(s.children.len(), 2, "two steps: {s:?}");
        let (start, end) = (s.at(Activity::RequestStart).expect("start"), s.at(Activity::RequestEnd).expect("end"));
        for c in &s.children {
            assert_eq!(c.model, "add_sub");
            let cs = stamps(c);
            assert!(cs.windows(2).all(|w| w[0] <= w[1]));
            assert!(start <= cs[0] && cs[6] <= end, "step [{}, {}] outside parent [{start}, {end}]", cs[0], cs[6]);
        }
        let ph = phases_of(t).expect("phases");
        assert!(ph.ensemble);
        assert!(ph.compute_infer_ns.unwrap_or(0) > 0);
    }
}

/// The CLI writes a Chrome trace-event file that parses and has the required fields,
/// the phase table goes into --json, and an absent NVTX library is harmless.
#[test]
fn cli_trace_file_is_valid_trace_event_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trace = dir.path().join("trace.json");
    let json = dir.path().join("bench.json");
    let out = std::process::Command::new(common::tritium_bin())
        .args(["bench", "--model-repository"])
        .arg(common::models_dir())
        .args(["-m", "add_sub", "--concurrency-range", "1:2", "--request-count", "50", "--trace"])
        .arg(&trace)
        .arg("--json")
        .arg(&json)
        .env("TRITIUM_NVTX_LIB", "/nonexistent/libnvToolsExt.so.1")
        .output()
        .expect("run tritium");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("phases of traced requests") && stdout.contains("compute infer"), "{stdout}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).expect("trace file")).expect("valid JSON");
    let events = v["traceEvents"].as_array().expect("traceEvents array");
    let mut requests = 0;
    for e in events {
        let ph = e["ph"].as_str().expect("ph");
        assert!(e["name"].is_string() && e["pid"].is_number(), "{e}");
        match ph {
            "X" => {
                assert!(e["ts"].is_number() && e["dur"].as_f64().expect("dur") >= 0.0 && e["tid"].is_number(), "{e}");
                if e["name"].as_str().unwrap_or("").starts_with("request") {
                    requests += 1;
                }
            }
            "M" => assert!(e["args"]["name"].is_string() || e["args"]["sort_index"].is_number(), "{e}"),
            "C" => assert!(e["ts"].is_number() && e["args"].is_object(), "{e}"),
            other => panic!("unexpected event type {other}: {e}"),
        }
    }
    assert_eq!(requests, 100, "50 requests at each of 2 concurrency levels");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("bench json");
    let phases = &report["points"][0]["phases"]["overall"]["phases"];
    assert!(phases["compute_infer"]["p50_us"].as_f64().expect("p50") > 0.0, "{phases}");
}

#[test]
fn cuda_copies_need_trace_and_cuda_memory() {
    server().load_model("add_sub").expect("load");
    let mut c = BenchConfig::new("add_sub");
    c.request_count = Some(5);
    c.trace = Some(TraceOptions::default());
    c.trace_cuda_copies = true;
    let e = bench::run(server(), &c, &AtomicBool::new(false), &Quiet).expect_err("system memory has nothing to copy");
    assert!(e.to_string().contains("--trace-cuda-copies needs"), "{e}");
}

/// GPU: traced requests stage CUDA inputs and read GPU outputs back, timed
/// with CUDA events, as device spans of their timelines. Skips without CUDA.
#[test]
fn cuda_copies_appear_as_timed_device_spans() {
    if !tritium::triton::gpu::cuda_available() {
        eprintln!("SKIP cuda_copies_appear_as_timed_device_spans: no CUDA device on this machine");
        return;
    }
    server().load_model("torch_gpu").expect("load");
    let mut c = BenchConfig::new("torch_gpu");
    c.loads = vec![LoadMode::Concurrency(2)];
    c.measurement.warmup_ms = 0;
    c.request_count = Some(40);
    c.trace = Some(TraceOptions::default());
    c.trace_cuda_copies = true;
    c.input_memory = tritium::triton::OutputMemory::Cuda(0);
    c.output_memory = tritium::triton::OutputMemory::Cuda(0);
    let mut r = bench::run(server(), &c, &AtomicBool::new(false), &Quiet).expect("bench");
    let set = r.traces.remove(0).expect("trace");
    assert_eq!(set.timelines.len(), 40);
    for t in &set.timelines {
        let names: Vec<&str> = t.device.iter().map(|d| d.name.as_str()).collect();
        assert!(names.contains(&"H2D inputs"), "{t:?}");
        for d in &t.device {
            assert!(d.device_ns > 0 && d.start_ns <= d.end_ns && d.bytes > 0, "{d:?}");
            if d.name == "H2D inputs" {
                assert!(d.end_ns <= t.client_issue_ns, "staging ends before the issue: {d:?} vs {}", t.client_issue_ns);
            } else {
                assert!(d.start_ns >= t.client_done_ns, "read-back starts after completion");
            }
        }
    }
    eprintln!("device spans of the first timeline: {:?}", set.timelines[0].device);
}

/// With an NVTX library present, tritium opens one range per request and one
/// per measurement window, and closes every one (a counting stand-in for
/// libnvToolsExt, compiled here with the C compiler Rust links with).
#[test]
fn nvtx_ranges_per_request_and_window_when_the_library_is_present() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = dir.path().join("libnvToolsExt.so.1");
    let src = common::repo_root().join("tests/fixtures/nvtx/nvtx_shim.c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    match std::process::Command::new(&cc).args(["-shared", "-fPIC", "-O1", "-o"]).arg(&lib).arg(&src).status() {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("SKIP nvtx_ranges_…: no working C compiler ({cc}: {other:?})");
            return;
        }
    }
    let counts = dir.path().join("counts.txt");
    let out = std::process::Command::new(common::tritium_bin())
        .args(["bench", "--model-repository"])
        .arg(common::models_dir())
        .args(["-m", "add_sub_nobatch", "--concurrency-range", "2", "--request-count", "40"])
        .env("TRITIUM_NVTX_LIB", &lib)
        .env("NVTX_SHIM_OUT", &counts)
        .output()
        .expect("run tritium");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&counts).expect("the stand-in library wrote its counts at exit");
    let get = |k: &str| -> u64 {
        text.split_whitespace().find_map(|kv| kv.strip_prefix(&format!("{k}="))).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{k} in {text}"))
    };
    assert_eq!(get("windows"), 1, "one measurement window in deterministic mode: {text}");
    assert_eq!(get("starts"), 40 + 1, "40 request ranges + 1 window range: {text}");
    assert_eq!(get("ends"), get("starts"), "every range closed: {text}");
}
