//! Tests of the JSON and CSV exports: round trips, schema checks, CSV quoting and parsing.

use std::path::Path;

use super::csv::{csv_row, num};
use super::*;
use crate::stats::{Interval, LatencyIntervals, ResourceIntervals, ServerIntervals};
use std::time::{Duration, UNIX_EPOCH};
use tritium_util::rfc3339_utc;

fn sample_point(concurrency: u32) -> LoadPoint {
    let mut failures = BTreeMap::new();
    failures.insert("timeout".to_string(), 2);
    failures.insert("internal".to_string(), 1);
    LoadPoint {
        mode: "concurrency".into(),
        concurrency: Some(concurrency),
        request_rate: None,
        batch_size: 4,
        windows: 3,
        stable: true,
        throughput: 1234.5,
        throughput_ci: Some(Interval::new(1200.25, 1268.75)),
        latency: LatencySummary {
            count: 1000,
            avg_us: 812.25,
            min_us: 400.0,
            max_us: 5000.125,
            std_us: 33.5,
            p50_us: 800.0,
            p90_us: 900.0,
            p95_us: 950.0,
            p99_us: 1200.75,
            p999_us: 4000.0,
        },
        latency_ci: Some(LatencyIntervals { avg: Some(Interval::new(800.0, 824.5)), p50: Some(Interval::new(790.0, 810.0)), p90: None, p95: None, p99: Some(Interval::new(1100.0, 1500.0)) }),
        client_overhead_us: Some(3.25),
        server: Some(ServerBreakdown {
            queue_us: 100.0,
            compute_input_us: 50.0,
            compute_infer_us: 500.0,
            compute_output_us: 20.0,
            request_us: 700.0,
            per_batch: vec![BatchBreakdown {
                batch_size: 4,
                executions: 250,
                compute_input_us: 50.0,
                compute_infer_us: 500.0,
                compute_output_us: 20.0,
            }],
        }),
        resources: ResourceUsage {
            gpu_utilization_pct: Some(87.5),
            gpu_power_w: Some(301.0),
            gpu_sm_clock_mhz: None,
            gpu_memory_used_mb: Some(20480.0),
            gpu_memory_process_mb: Some(1024.0),
            cpu_util_pct: None,
            rss_mb: Some(512.0),
            per_gpu: Vec::new(),
        },
        failures,
        failure_examples: BTreeMap::new(),
        error: None,
        requests: 3086,
        send_rate_achieved: None,
        loadgen_cpu_cores: Some(0.75),
        warnings: vec!["p99 \"spiky\", see log".into(), "line1\nline2".into()],
        phases: None,
        diagnostics: None,
        noisy: false,
        throughput_ci_rel_pct: Some(2.775),
        server_ci: Some(ServerIntervals { queue: Some(Interval::new(90.0, 110.0)), compute_infer: Some(Interval::new(495.5, 504.5)), ..Default::default() }),
        resources_ci: Some(ResourceIntervals { gpu_utilization_pct: Some(Interval::new(85.0, 90.0)), gpu_memory_used_mb: None }),
        warmup_seconds: Some(0.5),
        windows_seconds: Some(3.125),
    }
}

fn sample_report() -> BenchReport {
    let mut rate_point = sample_point(0);
    rate_point.mode = "request_rate".into();
    rate_point.concurrency = None;
    rate_point.request_rate = Some(250.0);
    rate_point.send_rate_achieved = Some(249.875);
    rate_point.server = None;
    rate_point.failures.clear();
    rate_point.warnings.clear();
    rate_point.stable = false;
    rate_point.throughput_ci = None;
    rate_point.latency_ci = None;
    rate_point.server_ci = None;
    rate_point.resources_ci = None;
    BenchReport {
        schema_version: SCHEMA_VERSION,
        tool: "tritium".into(),
        tool_version: "0.1.0".into(),
        triton_version: "2.50.0".into(),
        model: "resnet50".into(),
        model_version: "1".into(),
        started_at: rfc3339_utc(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
        machine: "1x H200, 16 cores".into(),
        settings: serde_json::json!({"measurement_interval_ms": 5000, "stability_pct": 10.0}),
        points: vec![sample_point(1), sample_point(8), rate_point],
    }
}

fn only_file(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn json_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let report = sample_report();
    write_json(&report, &path).unwrap();
    let back = read_json(&path).unwrap();
    assert_eq!(report, back);
    // overwrite works and is still atomic
    let mut r2 = report.clone();
    r2.model = "other".into();
    write_json(&r2, &path).unwrap();
    assert_eq!(read_json(&path).unwrap().model, "other");
    assert_eq!(only_file(dir.path()), vec!["report.json"]);
}

#[test]
fn failed_points_have_null_latency_and_read_back() {
    let mut p = sample_point(4);
    p.latency = LatencySummary::default();
    p.throughput = 0.0;
    p.error = Some("every request failed (3)".into());
    p.failure_examples.insert("timeout".into(), "timeout after 5 s".into());
    let v = serde_json::to_value(&p).unwrap();
    assert!(v["latency"]["avg_us"].is_null() && v["latency"]["p99_us"].is_null(), "{v}");
    assert_eq!(v["throughput"], 0.0);
    let back: LoadPoint = serde_json::from_value(v).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.outcome(None), PointOutcome::Failed("every request failed (3)".into()));
    // CSV: empty latency cells.
    let row = csv_row(&p);
    let col = |name: &str| row[CSV_COLUMNS.iter().position(|c| *c == name).unwrap()].clone();
    assert_eq!(col("Avg latency"), "");
    assert_eq!(col("p99 latency"), "");
    assert_eq!(col("Network+Server Send/Recv"), "");
    // A point written before `error`/`failure_examples` existed still reads.
    let mut old = serde_json::to_value(sample_point(1)).unwrap();
    old.as_object_mut().unwrap().remove("failure_examples");
    old.as_object_mut().unwrap().remove("error");
    let back: LoadPoint = serde_json::from_value(old).unwrap();
    assert_eq!(back.error, None);
    assert_eq!(back.succeeded(), 3083);
}

#[test]
fn unknown_schema_version_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let mut v = serde_json::to_value(sample_report()).unwrap();
    v["schema_version"] = serde_json::json!(2);
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let e = read_json(&path).unwrap_err();
    assert!(matches!(
        e,
        ExportError::UnsupportedSchema {
            found: 2,
            supported: 1,
            ..
        }
    ));
    let msg = e.to_string();
    assert!(
        msg.contains("schema_version 2") && msg.contains("r.json"),
        "{msg}"
    );

    v.as_object_mut().unwrap().remove("schema_version");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    assert!(matches!(
        read_json(&path).unwrap_err(),
        ExportError::MissingSchema { .. }
    ));

    std::fs::write(&path, "{\"schema_version\": 1, \"tool\": 5}").unwrap();
    assert!(matches!(
        read_json(&path).unwrap_err(),
        ExportError::Json { .. }
    ));
    std::fs::write(&path, "not json").unwrap();
    assert!(matches!(
        read_json(&path).unwrap_err(),
        ExportError::Json { .. }
    ));
    let e = read_json(&dir.path().join("missing.json")).unwrap_err();
    assert!(matches!(e, ExportError::Io { .. }));
    assert!(e.to_string().contains("missing.json"));
}

#[test]
fn csv_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let report = sample_report();
    write_csv(&report, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().next().unwrap(), CSV_COLUMNS.join(","));
    let rows = read_csv(&path).unwrap();
    assert_eq!(rows.len(), 3);
    let keys: Vec<&str> = rows[0].keys().map(String::as_str).collect();
    let mut cols = CSV_COLUMNS.to_vec();
    cols.sort();
    assert_eq!(keys, cols);

    let r = &rows[0];
    assert_eq!(r["Concurrency"], "1");
    assert_eq!(r["Request Rate"], "");
    assert_eq!(r["Batch Size"], "4");
    assert_eq!(r["Inferences/Second"], "1234.5");
    assert_eq!(r["p99 latency"], "1200.75");
    assert_eq!(r["p99.9 latency"], "4000");
    assert_eq!(r["Avg latency"], "812.25");
    assert_eq!(r["Max latency"], "5000.125");
    assert_eq!(r["Server Queue"], "100");
    // 812.25 - (100 + 50 + 500 + 20)
    assert_eq!(r["Network+Server Send/Recv"], "142.25");
    assert_eq!(r["Client Overhead"], "3.25");
    assert_eq!(r["Loadgen CPU Cores"], "0.75");
    assert_eq!(r["Failures"], "3");
    assert_eq!(r["Failure Details"], "internal:1;timeout:2;");
    assert_eq!(r["Stable"], "true");
    assert_eq!(r["Avg GPU Utilization"], "87.5");
    assert_eq!(r["Avg GPU SM Clock"], "");
    assert_eq!(r["Max GPU Memory Usage"], "20480");
    assert_eq!(r["Warnings"], "p99 \"spiky\", see log | line1\nline2");
    assert_eq!((r["Inferences/Second CI Low"].as_str(), r["Inferences/Second CI High"].as_str()), ("1200.25", "1268.75"));
    assert_eq!((r["Avg latency CI Low"].as_str(), r["p99 latency CI High"].as_str()), ("800", "1500"));
    assert_eq!((r["p90 latency CI Low"].as_str(), r["p95 latency CI High"].as_str()), ("", ""));
    assert_eq!((r["Server Queue CI Low"].as_str(), r["Server Queue CI High"].as_str()), ("90", "110"));
    assert_eq!((r["Server Compute Infer CI Low"].as_str(), r["Server Compute Infer CI High"].as_str()), ("495.5", "504.5"));
    assert_eq!((r["Server Compute Input CI Low"].as_str(), r["Server Request CI High"].as_str()), ("", ""));
    assert_eq!((r["Avg GPU Utilization CI Low"].as_str(), r["Avg GPU Utilization CI High"].as_str()), ("85", "90"));
    assert_eq!((r["Max GPU Memory Usage CI Low"].as_str(), r["Max GPU Memory Usage CI High"].as_str()), ("", ""));
    assert_eq!(rows[1]["Concurrency"], "8");
    // The intervals come after every perf_analyzer / earlier column, which keep their places.
    let warnings = CSV_COLUMNS.iter().position(|c| *c == "Warnings").unwrap();
    assert_eq!(warnings, 34);
    assert!(CSV_COLUMNS[warnings + 1..].iter().all(|c| c.contains(" CI ")));

    let q = &rows[2];
    assert_eq!(q["Concurrency"], "");
    assert_eq!(q["Request Rate"], "250");
    assert_eq!(q["Send Request Rate"], "249.875");
    assert_eq!(q["Server Queue"], "");
    assert_eq!(q["Network+Server Send/Recv"], "");
    assert_eq!(q["Failures"], "0");
    assert_eq!(q["Stable"], "false");
    assert_eq!(q["Warnings"], "");
    assert_eq!(q["Inferences/Second CI Low"], "");
    assert_eq!(q["p99 latency CI High"], "");
    assert_eq!(q["Server Queue CI Low"], "");
    assert_eq!(q["Avg GPU Utilization CI High"], "");
    // The server and GPU intervals follow the 12 client-side interval columns.
    let p99_hi = CSV_COLUMNS.iter().position(|c| *c == "p99 latency CI High").unwrap();
    assert_eq!(p99_hi, warnings + 12);
    assert_eq!(CSV_COLUMNS[p99_hi + 1], "Server Queue CI Low");
    assert_eq!(CSV_COLUMNS.len(), p99_hi + 15);
}

#[test]
fn intervals_are_optional_in_json() {
    let p = sample_point(2);
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["throughput_ci"], serde_json::json!({"lo": 1200.25, "hi": 1268.75}));
    assert_eq!(v["latency_ci"]["p99"], serde_json::json!({"lo": 1100.0, "hi": 1500.0}));
    assert!(v["latency_ci"].get("p90").is_none(), "{v}");
    // Absent when not measured, and a point written before they existed reads as None.
    let mut old = p.clone();
    old.throughput_ci = None;
    old.latency_ci = None;
    let v = serde_json::to_value(&old).unwrap();
    assert!(v.get("throughput_ci").is_none() && v.get("latency_ci").is_none(), "{v}");
    assert_eq!(serde_json::from_value::<LoadPoint>(v).unwrap(), old);
}

#[test]
fn server_and_gpu_intervals_and_noisy_in_json() {
    let p = sample_point(2);
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["server_ci"]["queue"], serde_json::json!({"lo": 90.0, "hi": 110.0}));
    assert!(v["server_ci"].get("compute_input").is_none(), "{v}");
    assert_eq!(v["resources_ci"]["gpu_utilization_pct"], serde_json::json!({"lo": 85.0, "hi": 90.0}));
    assert_eq!((v["noisy"].as_bool(), v["throughput_ci_rel_pct"].as_f64()), (Some(false), Some(2.775)));
    assert_eq!(serde_json::from_value::<LoadPoint>(v.clone()).unwrap(), p);
    // A point written before these fields existed reads as not noisy, without intervals.
    let mut old = v;
    for k in ["noisy", "throughput_ci_rel_pct", "server_ci", "resources_ci"] {
        old.as_object_mut().unwrap().remove(k);
    }
    let back = serde_json::from_value::<LoadPoint>(old).unwrap();
    assert!(!back.noisy && back.throughput_ci_rel_pct.is_none() && back.server_ci.is_none() && back.resources_ci.is_none());
}

#[test]
fn warm_up_and_window_times_in_json_and_absent_in_older_files() {
    let p = sample_point(2);
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!((v["warmup_seconds"].as_f64(), v["windows_seconds"].as_f64()), (Some(0.5), Some(3.125)));
    assert_eq!(serde_json::from_value::<LoadPoint>(v.clone()).unwrap(), p);
    // Written before these fields existed: read as unknown, and not written back.
    let mut old = v;
    for k in ["warmup_seconds", "windows_seconds"] {
        old.as_object_mut().unwrap().remove(k);
    }
    let back = serde_json::from_value::<LoadPoint>(old).unwrap();
    assert_eq!((back.warmup_seconds, back.windows_seconds), (None, None));
    let again = serde_json::to_value(&back).unwrap();
    assert!(again.get("warmup_seconds").is_none() && again.get("windows_seconds").is_none(), "{again}");
}

#[test]
fn csv_parser_edge_cases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(
        &path,
        "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n\"multi\nline\",,3\n\n",
    )
    .unwrap();
    let rows = read_csv(&path).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["b"], "x,y");
    assert_eq!(rows[0]["c"], "he said \"hi\"");
    assert_eq!(rows[1]["a"], "multi\nline");
    assert_eq!(rows[1]["b"], "");
    assert_eq!(rows[1]["c"], "3");
    // no trailing newline
    std::fs::write(&path, "a,b\n1,2").unwrap();
    assert_eq!(read_csv(&path).unwrap()[0]["b"], "2");
    // wrong field count names the line
    std::fs::write(&path, "a,b\n1,2\n1,2,3\n").unwrap();
    match read_csv(&path).unwrap_err() {
        ExportError::Csv { line, .. } => assert_eq!(line, 3),
        other => panic!("{other}"),
    }
    for bad in ["a\n\"open", "a\nx\"y", "a\n\"q\"z"] {
        std::fs::write(&path, bad).unwrap();
        assert!(
            matches!(read_csv(&path).unwrap_err(), ExportError::Csv { .. }),
            "{bad:?}"
        );
    }
    std::fs::write(&path, "").unwrap();
    assert!(matches!(
        read_csv(&path).unwrap_err(),
        ExportError::Csv { .. }
    ));
}

#[test]
fn number_formatting() {
    assert_eq!(num(1.0), "1");
    assert_eq!(num(0.0), "0");
    assert_eq!(num(-0.0), "0");
    assert_eq!(num(1.5), "1.5");
    assert_eq!(num(2.0004), "2");
    assert_eq!(num(1234.5678), "1234.568");
    assert_eq!(num(-0.0001), "0");
    assert_eq!(num(f64::NAN), "");
    assert_eq!(num(f64::INFINITY), "");
    assert_eq!(num(1e20), "100000000000000000000");
}
