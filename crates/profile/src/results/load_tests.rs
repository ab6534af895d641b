//! Request-rate measurements in the store (issue 14): a record names its
//! rate as `request_rate` and never as a concurrency, files of older
//! tritium still read, the resume cache is keyed by the level, and the CSV
//! layout of a request-rate run defaults to Model Analyzer's
//! `DEFAULT_REQUEST_RATE_*_OUTPUT_FIELDS`.

use std::path::Path;

use serde_json::Value;

use super::*;
use crate::config::ProfileConfig;
use crate::plan::LoadKind;

fn rate_kind() -> LoadKind {
    LoadKind::RequestRate { distribution: tritium_bench::loadgen::Distribution::Constant }
}

fn point() -> LoadPoint {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results/cpu_only.json");
    let fx = ProfileResults::read(&path).unwrap();
    fx.models[0].measurements.iter().find_map(|r| r.point.clone()).unwrap()
}

fn rate_record(config: &str, rate: u32, point: Option<LoadPoint>) -> MeasurementRecord {
    let (concurrency, request_rate) = load_fields(rate_kind(), rate);
    MeasurementRecord { config: config.into(), batch_size: 1, concurrency, request_rate, passes: Some(true), point, error: None }
}

#[test]
fn a_rate_record_says_request_rate_and_no_concurrency() {
    assert_eq!(load_fields(rate_kind(), 32), (0, Some(32)));
    assert_eq!(load_fields(LoadKind::Concurrency, 4), (4, None));
    let rec = rate_record("m_config_0", 32, None);
    let json = serde_json::to_value(&rec).unwrap();
    assert_eq!(json["request_rate"], 32);
    assert!(json.get("concurrency").is_none(), "{json}");
    assert_eq!((rec.level(), rec.load_label()), (32, "request rate 32".to_string()));
    // A concurrency record is written as before, without request_rate ...
    let old = MeasurementRecord { request_rate: None, concurrency: 4, ..rec.clone() };
    let json = serde_json::to_value(&old).unwrap();
    assert!(json.get("request_rate").is_none() && json["concurrency"] == 4, "{json}");
    // ... and a record of an older tritium (no request_rate) reads as a concurrency.
    let back: MeasurementRecord = serde_json::from_value(serde_json::json!({"config": "c", "batch_size": 1, "concurrency": 2, "passes": null, "point": null, "error": null})).unwrap();
    assert_eq!((back.concurrency, back.request_rate, back.level()), (2, None, 2));
}

#[test]
fn the_resume_cache_is_keyed_by_the_rate() {
    let mut m = ModelResults { model: "m".into(), ..Default::default() };
    let v = ModelConfigVariant::automatic(4, 1, "KIND_CPU", true);
    let name = m.config_for(&v, &Value::Null).name.clone();
    m.record(rate_record(&name, 16, Some(point())));
    m.record(rate_record(&name, 32, Some(point())));
    m.record(rate_record(&name, 32, Some(point())));
    assert_eq!(m.measurements.len(), 2, "a (config, batch, rate) key is stored once");
    assert_eq!(m.cached(&v.key(), 1, 32).and_then(|r| r.request_rate), Some(32));
    assert!(m.cached(&v.key(), 1, 64).is_none());
}

#[test]
fn a_request_rate_run_writes_model_analyzers_request_rate_columns() {
    let cfg = ProfileConfig::from_yaml_str("model_repository: /m\nprofile_models: [m]\nrequest_rate_search_enable: true\n", Path::new("c.yaml")).unwrap();
    let layout = CsvLayout::from_config(&cfg).unwrap();
    assert_eq!(layout.inference_output_fields[2], "request_rate");
    assert_eq!(layout.gpu_output_fields[3], "request_rate");
    let mut m = ModelResults { model: "m".into(), ..Default::default() };
    let v = ModelConfigVariant::automatic(4, 1, "KIND_CPU", true);
    let name = m.config_for(&v, &Value::Null).name.clone();
    m.record(rate_record(&name, 16, Some(point())));
    m.record(rate_record(&name, 64, None));
    let r = ProfileResults { schema_version: SCHEMA_VERSION, models: vec![m], ..Default::default() };
    let d = tempfile::tempdir().unwrap();
    write_csvs(&r, d.path(), "", &layout).unwrap();
    let inf = std::fs::read_to_string(d.path().join("metrics-model-inference.csv")).unwrap();
    let header = inf.lines().next().unwrap();
    assert!(header.starts_with("Model,Batch,Request Rate,"), "{header}");
    assert!(!header.contains("Concurrency"), "{header}");
    let mut rates: Vec<&str> = inf.lines().skip(1).map(|l| l.split(',').nth(2).unwrap()).collect();
    rates.sort_unstable();
    assert_eq!(rates, vec!["16", "64"], "{inf}");
    // Asked for both columns, a rate row leaves the concurrency cell empty.
    let both = CsvLayout { inference_output_fields: vec!["concurrency".into(), "request_rate".into()], ..layout };
    write_csvs(&r, d.path(), "", &both).unwrap();
    let inf = std::fs::read_to_string(d.path().join("metrics-model-inference.csv")).unwrap();
    assert!(inf.lines().skip(1).all(|l| l.starts_with(",16,") || l.starts_with(",64,")), "{inf}");
}
