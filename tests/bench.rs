//! `tritium bench` on a real embedded Triton (CPU): load modes, input
//! sources, failures, a hanging model, bad input, exports, Ctrl-C.

mod common;

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::server;
use tritium::bench::export::{self, LoadPoint};
use tritium::bench::input_data::{InputSource, ShapeOverrides, StringOptions};
use tritium::bench::loadgen::{Distribution, LoadMode};
use tritium::bench::{self, BenchConfig, Measurement, MeasurementMode, Quiet, StopRule};

/// Short windows: these tests check behaviour, not performance.
fn quick(model: &str, loads: Vec<LoadMode>) -> BenchConfig {
    let mut c = BenchConfig::new(model);
    c.loads = loads;
    c.measurement = Measurement { mode: MeasurementMode::TimeWindows, interval_ms: 300, request_count: 20, stability_pct: 50.0, max_trials: 4, percentile: None, warmup_ms: 100, rule: StopRule::PerfAnalyzer, ci_target_pct: 3.0 };
    c
}

fn run(cfg: &BenchConfig) -> tritium::Result<Vec<LoadPoint>> {
    server().load_model(&cfg.model)?;
    bench::run(server(), cfg, &AtomicBool::new(false), &Quiet).map(|r| r.report.points)
}

fn assert_sane(p: &LoadPoint) {
    assert!(p.requests > 0 && p.throughput > 0.0, "{p:?}");
    let l = &p.latency;
    assert!(l.min_us <= l.p50_us && l.p50_us <= l.p90_us && l.p90_us <= l.p99_us && l.p99_us <= l.p999_us && l.p999_us <= l.max_us * 1.01, "{l:?}");
    assert!(p.failures.is_empty(), "{:?}", p.failures);
}

#[test]
fn concurrency_mode_measures_and_breaks_down_server_time() {
    let pts = run(&quick("add_sub", vec![LoadMode::Concurrency(1), LoadMode::Concurrency(4)])).unwrap();
    assert_eq!(pts.len(), 2);
    for p in &pts {
        assert_sane(p);
        let s = p.server.as_ref().expect("server breakdown from statistics");
        assert!(s.compute_infer_us > 0.0 && s.request_us > 0.0, "{s:?}");
        assert!(p.client_overhead_us.is_some());
        assert!(p.loadgen_cpu_cores.is_some());
        assert!(p.resources.cpu_util_pct.is_some() && p.resources.rss_mb.unwrap_or(0.0) > 0.0, "{:?}", p.resources);
        // 95 % intervals from the sub-windows and the histogram, around the estimates.
        let t = p.throughput_ci.expect("throughput interval");
        assert!(t.lo <= p.throughput && p.throughput <= t.hi, "{t:?} around {}", p.throughput);
        let l = p.latency_ci.expect("latency intervals");
        let (avg, p50) = (l.avg.expect("mean latency interval"), l.p50.expect("p50 interval"));
        assert!(avg.lo <= p.latency.avg_us && p.latency.avg_us <= avg.hi && p50.lo <= p.latency.p50_us && p.latency.p50_us <= p50.hi, "{l:?} around {:?}", p.latency);
        // Server phases: intervals over the windows, around Triton's averages.
        let si = p.server_ci.expect("server intervals over the windows");
        let infer = si.compute_infer.expect("compute_infer interval");
        assert!(infer.lo <= s.compute_infer_us && s.compute_infer_us <= infer.hi, "{infer:?} around {}", s.compute_infer_us);
        assert!(!p.noisy, "perf_analyzer's rule never flags a point noisy");
    }
    assert_eq!(pts[0].concurrency, Some(1));
    // Batch statistics show the dynamic batcher at work at concurrency 4.
    assert!(!pts[1].server.as_ref().unwrap().per_batch.is_empty());
}

#[test]
fn request_rate_modes_hold_the_rate() {
    for d in [Distribution::Constant, Distribution::Poisson] {
        let mut c = quick("add_sub_nobatch", vec![LoadMode::RequestRate { rate: 300.0, distribution: d }]);
        c.measurement.interval_ms = 500;
        let p = run(&c).unwrap().remove(0);
        assert_sane(&p);
        let sent = p.send_rate_achieved.unwrap();
        assert!((sent - 300.0).abs() < 45.0, "{d:?}: sent {sent}/s");
        assert!((p.throughput - 300.0).abs() < 45.0, "{d:?}: completed {}/s", p.throughput);
    }
}

#[test]
fn sleep_model_latency_is_at_least_its_cost() {
    // Ground truth: sleep_fixed costs 5 ms per execution.
    let p = run(&quick("sleep_fixed", vec![LoadMode::Concurrency(1)])).unwrap().remove(0);
    assert!(p.latency.min_us >= 5000.0, "{:?}", p.latency);
    assert!(p.throughput < 200.0 + 1.0, "{}", p.throughput);
}

#[test]
fn input_sources_zero_random_file_bytes_and_shapes() {
    let mut c = quick("add_sub_nobatch", vec![LoadMode::Concurrency(2)]);
    c.input = InputSource::Zero;
    assert_sane(&run(&c).unwrap()[0]);
    c.input = InputSource::Random { seed: 7 };
    assert_sane(&run(&c).unwrap()[0]);

    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data.json");
    let v: Vec<f32> = (0..16).map(|i| i as f32 + 0.5).collect();
    std::fs::write(&f, serde_json::json!({"data": [{"INPUT0": v, "INPUT1": v}, {"INPUT0": {"content": v, "shape": [16]}, "INPUT1": v}]}).to_string()).unwrap();
    c.input = InputSource::File(f);
    assert_sane(&run(&c).unwrap()[0]);

    let mut b = quick("bytes_echo", vec![LoadMode::Concurrency(1)]);
    b.shapes = ShapeOverrides::parse(&["TEXT:3".to_string()]).unwrap();
    b.strings = StringOptions { length: 8, data: Some("hello".into()) };
    assert_sane(&run(&b).unwrap()[0]);

    let mut v = quick("variable_dim", vec![LoadMode::Concurrency(1)]);
    v.shapes = ShapeOverrides::parse(&["IN:100".to_string()]).unwrap();
    assert_sane(&run(&v).unwrap()[0]);
}

#[test]
fn bad_input_is_refused_before_measuring() {
    let t0 = Instant::now();
    // Missing shape for a variable dimension: names the input and the flag.
    let e = run(&quick("variable_dim", vec![LoadMode::Concurrency(1)])).unwrap_err().to_string();
    assert!(e.contains("IN") && e.contains("--shape"), "{e}");
    // Unknown model.
    let e = bench::run(server(), &quick("no_such_model", vec![LoadMode::Concurrency(1)]), &AtomicBool::new(false), &Quiet).unwrap_err().to_string();
    assert!(e.contains("no_such_model"), "{e}");
    // Wrong dtype / malformed JSON in the input file.
    let dir = tempfile::tempdir().unwrap();
    let bad_type = dir.path().join("bad_type.json");
    std::fs::write(&bad_type, r#"{"data": [{"INPUT0": ["a","b"], "INPUT1": [1.0]}]}"#).unwrap();
    let mut c = quick("add_sub_nobatch", vec![LoadMode::Concurrency(1)]);
    c.input = InputSource::File(bad_type.clone());
    let e = run(&c).unwrap_err().to_string();
    assert!(e.contains("INPUT0") && e.contains("bad_type.json"), "{e}");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"data\": [ {\"INPUT0\": [1.0,\n").unwrap();
    c.input = InputSource::File(broken);
    let e = run(&c).unwrap_err().to_string();
    assert!(e.contains("broken.json") && e.contains("line"), "{e}");
    // Batch size above the model's maximum.
    let mut c = quick("add_sub", vec![LoadMode::Concurrency(1)]);
    c.batch_size = 9;
    let e = run(&c).unwrap_err().to_string();
    assert!(e.contains('8'), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(10), "errors must come before any measurement");
}

#[test]
fn failing_requests_are_counted_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mixed.json");
    // Every other request is rejected by the model.
    std::fs::write(&f, r#"{"data": [{"IN": [1.0, 2.0, 3.0, 4.0]}, {"IN": [-1.0, 2.0, 3.0, 4.0]}]}"#).unwrap();
    let mut c = quick("fail_execute", vec![LoadMode::Concurrency(2)]);
    c.input = InputSource::File(f);
    let p = run(&c).unwrap().remove(0);
    let failed: u64 = p.failures.values().sum();
    assert!(failed > 0 && p.throughput > 0.0, "{p:?}");
    assert!(p.failures.keys().any(|k| k.contains("negative input rejected")), "{:?}", p.failures);
    assert!(p.warnings.iter().any(|w| w.contains("failed")), "{:?}", p.warnings);
}

#[test]
fn hanging_model_ends_windows_at_their_deadline() {
    let t0 = Instant::now();
    let p = run(&quick("hang", vec![LoadMode::Concurrency(1)])).unwrap().remove(0);
    assert_eq!(p.requests, 0);
    assert!(!p.stable);
    assert!(p.warnings.iter().any(|w| w.contains("hanging")), "{:?}", p.warnings);
    assert!(t0.elapsed() < Duration::from_secs(20), "took {:?}", t0.elapsed());
}

#[test]
fn json_and_csv_round_trip() {
    let report = bench::run(server(), &{
        server().load_model("add_sub").unwrap();
        quick("add_sub", vec![LoadMode::Concurrency(2)])
    }, &AtomicBool::new(false), &Quiet)
    .unwrap()
    .report;
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("r.json");
    export::write_json(&report, &j).unwrap();
    assert_eq!(export::read_json(&j).unwrap(), report);
    let c = dir.path().join("r.csv");
    export::write_csv(&report, &c).unwrap();
    let rows = export::read_csv(&c).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["Concurrency"], "2");
    let tput: f64 = rows[0]["Inferences/Second"].parse().unwrap();
    assert!((tput - report.points[0].throughput).abs() < 0.01);
    for col in ["p99 latency", "Server Queue", "Server Compute Infer", "Avg latency"] {
        assert!(rows[0].contains_key(col), "missing {col}");
    }
}

#[test]
fn ctrl_c_writes_partial_results_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("partial.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tritium"))
        .args(["bench", "--model-repository"])
        .arg(common::models_dir())
        .args(["-m", "add_sub_nobatch", "--concurrency-range", "1:3", "-p", "800", "--warmup", "100", "--json"])
        .arg(&j)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(6));
    let rc = send_signal(child.id() as i32, libc::SIGINT);
    assert_eq!(rc, 0);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let r = export::read_json(&j).expect("partial results written");
    assert!(!r.points.is_empty());
}

fn send_signal(pid: i32, sig: i32) -> i32 {
    // SAFETY: kill(2) on our own child process; no memory is involved.
    unsafe {
        libc::kill(pid, sig)
    }
}

/// `tritium bench --repeat N` through the CLI (issue 12 item 5).
fn bench_cli(extra: &[&str]) -> std::process::Output {
    std::process::Command::new(common::tritium_bin())
        .args(["bench", "--model-repository"])
        .arg(common::models_dir())
        .args(["-m", "sleep_fixed", "-p", "200", "--max-trials", "4", "--warmup", "100", "-s", "50"])
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn repeat_runs_every_level_n_times_and_reports_the_spread() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("repeat.json");
    let out = bench_cli(&["--concurrency-range", "1:2", "--repeat", "3", "--json", j.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(matches!(out.status.code(), Some(0) | Some(3)), "{stdout}\n{stderr}");
    assert!(stderr.contains("repeat: run 2 of 3") && stderr.contains("repeat: run 3 of 3"), "{stderr}");
    assert!(stdout.contains("run 3 of 3:") && stdout.contains("between-run spread over 3 of 3 run(s)"), "{stdout}");
    // The report reads back as before (points = run 1's); the repeat section is additive.
    let r = export::read_json(&j).unwrap();
    assert_eq!(r.points.len(), 2);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    let rep = &v["repeat"];
    assert_eq!((rep["repeat"].as_u64(), rep["runs"].as_u64()), (Some(3), Some(3)), "{rep}");
    let levels = rep["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 2, "{rep}");
    for (l, load) in levels.iter().zip(["concurrency 1", "concurrency 2"]) {
        assert_eq!(l["load"], load);
        assert_eq!(l["runs"], 3);
        let tp = &l["throughput"]["spread"];
        let values: Vec<f64> = tp["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert_eq!(values.len(), 3, "{l}");
        // Every run measured the model (5 ms per execution: at most 200 executions/s per level).
        assert!(values.iter().all(|&x| x > 0.0), "{values:?}");
        assert!(tp["min"].as_f64().unwrap() <= tp["mean"].as_f64().unwrap() && tp["mean"].as_f64().unwrap() <= tp["max"].as_f64().unwrap(), "{tp}");
        assert!(tp["ci"]["lo"].as_f64().is_some() && l["p99_us"]["spread"]["sd"].as_f64().is_some(), "{l}");
        assert!(!l["verdict"].as_str().unwrap().is_empty(), "{l}");
        assert!(stdout.contains(&format!("{load}: ")), "{stdout}");
    }
    // Without --repeat the JSON has no repeat section.
    let j1 = dir.path().join("once.json");
    let out = bench_cli(&["--concurrency-range", "1", "--json", j1.to_str().unwrap()]);
    assert!(matches!(out.status.code(), Some(0) | Some(3)), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j1).unwrap()).unwrap();
    assert!(v.get("repeat").is_none());
}

#[test]
fn repeat_outside_1_to_100_is_refused_with_the_flag_named() {
    for bad in ["0", "101"] {
        let out = bench_cli(&["--repeat", bad]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--repeat") && stderr.contains("1..=100"), "{bad}: {stderr}");
    }
}

#[test]
fn perf_analyzer_spellings_latency_threshold_and_warmup_requests_through_the_cli() {
    // sleep_fixed takes 5 ms per execution: every level is over a 1 ms threshold.
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("l.json");
    let out = bench_cli(&["--concurrency-range", "1:3", "-l", "1", "--measurement-mode", "time_windows", "--warmup-request-count", "20", "-v", "--json", j.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // Only the first level is measured: the linear sweep stops at the first level over -l,
    // and the levels it skipped do not make the run partial.
    assert!(matches!(out.status.code(), Some(0) | Some(3)), "{stdout}\n{stderr}");
    assert!(stdout.contains("stopped after concurrency 1") && stdout.contains("1 of 3 levels"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    assert_eq!(v["points"].as_array().map(|p| p.len()), Some(1), "{v}");
    let s = &v["settings"];
    assert_eq!((s["measurement"]["mode"].as_str(), s["measurement"]["max_trials"].as_u64(), s["warmup_request_count"].as_u64()), (Some("TimeWindows"), Some(4), Some(20)), "{s}");
    assert_eq!((s["latency_threshold"]["ms"].as_f64(), s["latency_threshold"]["latency"].as_str()), (Some(1.0), Some("avg")), "{s}");
    // Binary search: the start is already over the threshold, so nothing else is measured.
    let out = bench_cli(&["--concurrency-range", "1:4", "-l", "1", "--binary-search"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("binary search: no level of the range"), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("concurrency 1") && !stdout.contains("concurrency 4") && !stdout.contains("concurrency 2"), "{stdout}");
}

#[test]
fn input_data_directory_and_repeated_files_feed_the_model() {
    // A directory: one raw FP32 file per input (batch-1 data, repeated for -b 2).
    let dir = tempfile::tempdir().unwrap();
    let raw: Vec<u8> = (0..16).flat_map(|i| (i as f32).to_le_bytes()).collect();
    std::fs::write(dir.path().join("INPUT0"), &raw).unwrap();
    std::fs::write(dir.path().join("INPUT1"), &raw).unwrap();
    let mut c = quick("add_sub", vec![LoadMode::Concurrency(1)]);
    c.batch_size = 2;
    c.validate = true;
    c.input = InputSource::Dir(dir.path().to_path_buf());
    assert_sane(&run(&c).unwrap()[0]);
    // A file of the wrong size is bad input naming the file, before measuring.
    std::fs::write(dir.path().join("INPUT1"), &raw[..60]).unwrap();
    let e = run(&c).unwrap_err().to_string();
    assert!(e.contains("INPUT1") && e.contains("60 bytes") && e.contains("64 bytes"), "{e}");
    // Two JSON files: their data merged.
    let v: Vec<f32> = (0..16).map(|i| i as f32).collect();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a, serde_json::json!({"data": [{"INPUT0": v, "INPUT1": v}]}).to_string()).unwrap();
    std::fs::write(&b, serde_json::json!({"data": [{"INPUT0": v, "INPUT1": v}, {"INPUT0": v, "INPUT1": v}]}).to_string()).unwrap();
    let mut f = quick("add_sub", vec![LoadMode::Concurrency(1)]);
    f.input = InputSource::Files(vec![a.clone(), b]);
    server().load_model("add_sub").unwrap();
    assert_eq!(bench::prepare_inputs(server(), &f).unwrap().len(), 3, "1 + 2 steps");
    assert_sane(&run(&f).unwrap()[0]);
    // A bad second file is named.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{").unwrap();
    f.input = InputSource::Files(vec![a, bad]);
    assert!(run(&f).unwrap_err().to_string().contains("bad.json"));
}

#[test]
fn request_parameters_arrive_at_the_backend_with_their_types() {
    use tritium::triton::{InputBuffer, ParameterValue};
    let s = server();
    s.load_model("request_params").unwrap();
    let request = |params: &[(&str, ParameterValue)]| {
        let mut b = s.request("request_params", -1).input("IN", "FP32", &[1], InputBuffer::f32s(&[1.0]));
        for (k, v) in params {
            b = b.parameter(k, v.clone());
        }
        b.build().unwrap().infer().map(|(_r, resp)| resp).map_err(|(e, _)| e)
    };
    // The C API path: each type arrives as that type.
    let resp = request(&[("tag", ParameterValue::String("hello:world".into())), ("n", ParameterValue::Int(-42)), ("flag", ParameterValue::Bool(true))]).unwrap();
    let text = resp.output_named("PARAMS").unwrap().to_byte_strings().unwrap();
    let got: serde_json::Value = serde_json::from_slice(&text[0]).unwrap();
    assert_eq!((&got["tag"], &got["n"], &got["flag"]), (&serde_json::json!("hello:world"), &serde_json::json!(-42), &serde_json::json!(true)), "{got}");
    // The fixture can fail: without the parameter it refuses the request.
    let e = request(&[]).unwrap_err().to_string();
    assert!(e.contains("'tag' missing"), "{e}");

    // Through bench (--request-parameter): every request carries the parameters.
    let mut c = quick("request_params", vec![LoadMode::Concurrency(2)]);
    c.input = InputSource::Zero;
    c.parameters = vec![("tag".into(), ParameterValue::String("bench".into()))];
    let pts = run(&c).unwrap();
    assert_sane(&pts[0]);
    c.parameters.clear();
    let pts = run(&c).unwrap();
    assert_eq!(pts[0].failed_requests(), pts[0].requests, "without the parameter every request fails: {:?}", pts[0].failures);
    assert!(pts[0].requests > 0 && pts[0].failures.keys().any(|k| k.contains("'tag' missing")), "{:?}", pts[0].failures);
}

#[test]
fn request_intervals_drive_the_embedded_server_at_the_files_mean_rate() {
    // 2 ms then 8 ms, cycled: 200 requests/s on average, one level.
    let iv = tritium::bench::loadgen::Intervals::from_micros(&[2_000, 8_000]).unwrap();
    let pts = run(&quick("add_sub", vec![iv.load_mode()])).unwrap();
    assert_eq!(pts.len(), 1);
    let p = &pts[0];
    assert_sane(p);
    assert_eq!((p.concurrency, p.request_rate), (None, Some(200.0)));
    let sent = p.send_rate_achieved.expect("open loop");
    assert!((140.0..=260.0).contains(&sent), "send rate {sent}/s for a mean of 200/s");
}
