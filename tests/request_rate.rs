//! Request-rate profiling (issue 14) on the embedded Triton: a tiny brute
//! search of sleep_fixed (the default and 1 instance × max batch 1) with
//! `request_rate_search_enable` and the rate bounds 64..128 requests/s, so
//! each config is measured open loop at 64 and 128 requests/s (perf_analyzer's
//! stop rule and short windows keep it about 30 s). results.json
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
         override_output_model_repository: true\nrun_config_search_mode: brute\n\
         run_config_search_max_model_batch_size: 1\nrun_config_search_max_instance_count: 1\n\
         request_rate_search_enable: true\nrun_config_search_min_request_rate: 64\nrun_config_search_max_request_rate: 128\n\
         tritium_measurement_rule: perf_analyzer\nperf_analyzer_flags:\n  measurement-interval: 300\n  max-trials: 6\n",
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
    assert_eq!(m.configs.len(), 2, "the default and 1 x max batch 1: {:?}", m.configs);
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
    assert_eq!(rates, vec!["128", "128", "64", "64"], "{csv}");
}
