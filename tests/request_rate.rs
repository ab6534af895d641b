//! Request-rate profiling (issue 14) on the embedded Triton: sleep_fixed's
//! default config with `request_rate_search_enable` and perf_analyzer's
//! `request-rate-range: 64:128:64`, so it is measured open loop at 64 and
//! 128 requests/s (search disabled: one config, no tie to re-measure, about
//! 15 s; the brute walk over rates is unit-tested on the simulator,
//! `search::tests::request_rate`). results.json
//! and the inference CSV hold request rates — every measurement names its
//! rate, none carries a concurrency — and the load points were measured in
//! request-rate mode.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use tritium::profile::results::ProfileResults;

fn tritium(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tritium")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn config(dir: &Path) -> std::path::PathBuf {
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: sleep_fixed\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\ncheckpoint_directory: {out}/ckpt\n\
         override_output_model_repository: true\nrun_config_search_mode: brute\nrun_config_search_disable: true\n\
         request_rate_search_enable: true\n\
         tritium_measurement_rule: perf_analyzer\nperf_analyzer_flags:\n  measurement-interval: 300\n  max-trials: 6\n  request-rate-range: \"64:128:64\"\n",
        repo = common::models_dir().display(),
        out = dir.display()
    );
    let p = dir.join("rate.yaml");
    std::fs::write(&p, yaml).unwrap();
    p
}

#[test]
fn request_rate_search_measures_rates_and_reports_them_as_rates() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path());
    let o = tritium(&["profile", "-f", cfg.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("request rate 64") && out.contains("request rate 128"), "progress names the rates: {out}");

    let results = d.path().join("export/results/results.json");
    let r = ProfileResults::read(&results).unwrap();
    let m = &r.models[0];
    assert_eq!(m.configs.len(), 1, "the default alone: {:?}", m.configs);
    assert!(!m.measurements.is_empty());
    for rec in &m.measurements {
        assert_eq!(rec.concurrency, 0, "a rate is never stored as a concurrency: {rec:?}");
        let rate = rec.request_rate.unwrap_or_else(|| panic!("no request_rate: {rec:?}"));
        assert!(rate == 64 || rate == 128, "{rec:?}");
        let p = rec.ok_point().unwrap_or_else(|| panic!("{} @ {rate}: {:?}", rec.config, rec.failure_reason()));
        assert_eq!((p.mode.as_str(), p.concurrency), ("request_rate", None), "measured open loop: {p:?}");
        assert_eq!(p.request_rate, Some(f64::from(rate)), "{p:?}");
    }
    for c in &m.configs {
        let mut rates: Vec<u32> = m.measurements.iter().filter(|x| x.config == c.name).filter_map(|x| x.request_rate).collect();
        rates.sort_unstable();
        assert_eq!(rates, vec![64, 128], "{}: each config at 64 and 128 requests/s", c.name);
    }
    // The file itself: `request_rate` on every measurement, no `concurrency` key.
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    for x in raw["models"][0]["measurements"].as_array().unwrap() {
        assert!(x.get("concurrency").is_none() && x["request_rate"].is_u64(), "{x}");
    }
    for t in &r.top_model_configs {
        assert!(t.request_rate.is_some() && t.concurrency == 0, "{t:?}");
    }

    // Model Analyzer's request-rate inference table: "Request Rate" instead of "Concurrency".
    let csv = std::fs::read_to_string(d.path().join("export/results/metrics-model-inference.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], &["Model", "Batch", "Request Rate"], "{csv}");
    assert!(!header.contains(&"Concurrency"), "{csv}");
    let mut rates: Vec<&str> = lines.map(|l| l.split(',').nth(2).unwrap()).collect();
    rates.sort_unstable();
    assert_eq!(rates, vec!["128", "64"], "{csv}");

    // The reports call the load column a request rate, never a concurrency.
    let summary = d.path().join("export/reports/summaries/sleep_fixed/result_summary.pdf");
    let pdf = Command::new("pdftotext").args(["-q"]).arg(&summary).arg("-").output().expect("pdftotext (poppler-utils), as tests/report.rs");
    let pdf = String::from_utf8_lossy(&pdf.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(pdf.contains("Request rate (req/s)") && pdf.contains("at request rate"), "{pdf}");
    assert!(!pdf.to_lowercase().contains("concurrency"), "{pdf}");
}
