//! Noise diagnostics on a real embedded Triton: a load point of a Python
//! model carries `diagnostics` in the JSON report, with the machine's CPU
//! readings and the model's stub process on Linux, and GPU readings only
//! where NVML sees a GPU (absent, with a note, on a CPU-only machine).

mod common;

use std::sync::atomic::AtomicBool;

use common::server;
use tritium::bench::diagnostics::{ProcessRole, MAX_LISTED};
use tritium::bench::export;
use tritium::bench::loadgen::LoadMode;
use tritium::bench::{self, BenchConfig, Measurement, MeasurementMode, Quiet, StopRule};

#[test]
fn json_report_has_diagnostics_of_the_point() {
    server().load_model("add_sub").unwrap();
    let mut cfg = BenchConfig::new("add_sub");
    cfg.loads = vec![LoadMode::Concurrency(2)];
    // Short windows: this checks what is recorded, not performance.
    cfg.measurement = Measurement { mode: MeasurementMode::TimeWindows, interval_ms: 300, request_count: 20, stability_pct: 50.0, max_trials: 4, percentile: None, warmup_ms: 100, rule: StopRule::PerfAnalyzer, ci_target_pct: 3.0 };
    let report = bench::run(server(), &cfg, &AtomicBool::new(false), &Quiet).unwrap().report;
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("r.json");
    export::write_json(&report, &j).unwrap();
    assert_eq!(export::read_json(&j).unwrap(), report, "diagnostics round-trip");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    let d = &v["points"][0]["diagnostics"];
    assert!(d.is_object(), "no diagnostics in {}", v["points"][0]);

    // CPU: read from /proc over the point's windows.
    assert!(d["readings"].as_u64().unwrap() >= 2, "{d}");
    assert!(d["cores"].as_u64().unwrap() >= 1, "{d}");
    for field in ["span_s", "cpu_busy_pct", "cpu_steal_pct", "tritium_cpu_cores", "other_cpu_cores", "load_avg_1m", "loadgen_cpu_cores"] {
        let x = d[field].as_f64().unwrap_or_else(|| panic!("{field} missing: {d}"));
        assert!(x.is_finite() && x >= 0.0, "{field} = {x}");
    }
    assert!(d["cpu_busy_pct"].as_f64().unwrap() <= 100.0 && d["cpu_steal_pct"].as_f64().unwrap() <= 100.0, "{d}");
    assert_eq!(d["loadgen_threads"].as_u64(), Some(2), "threads default to the concurrency (up to 4): {d}");

    // Processes: tritium itself and the model's stub, named by its model.
    let p = &report.points[0];
    let diag = p.diagnostics.as_ref().unwrap();
    assert!(!diag.processes.is_empty() && diag.processes.len() <= MAX_LISTED, "{diag:?}");
    assert!(diag.processes.iter().any(|x| x.role == ProcessRole::Tritium && x.pid == std::process::id()), "{diag:?}");
    let stubs: Vec<_> = diag.processes.iter().filter(|x| x.role == ProcessRole::ModelStub).collect();
    assert!(stubs.iter().any(|x| x.model.as_deref() == Some("add_sub")), "the add_sub stub is listed: {diag:?}");
    assert!(diag.processes.windows(2).all(|w| w[0].cpu_pct >= w[1].cpu_pct), "busiest first: {diag:?}");

    // Every cause found is one of the point's warnings, after the point's label.
    for c in &diag.causes {
        assert!(p.warnings.contains(&format!("concurrency 2: {c}")), "{c} not in {:?}", p.warnings);
    }

    // GPU: present where NVML sees a GPU, absent (with the reason) otherwise.
    let nvml = tritium::triton::gpu::cuda_available() && tritium::triton::gpu::nvml::Gpus::probe().is_ok_and(|g| !g.infos().is_empty());
    if nvml {
        let g = &d["gpus"][0];
        assert!(g["index"].as_u64().is_some() && g["sm_clock_device_max_mhz"].as_u64().is_some(), "{d}");
        assert!(g["temperature_max_c"].as_u64().is_some(), "{d}");
    } else {
        assert!(d.get("gpus").is_none(), "no GPU, no GPU diagnostics: {d}");
        assert!(d["gpu_note"].as_str().is_some_and(|n| !n.is_empty()), "{d}");
    }
}
