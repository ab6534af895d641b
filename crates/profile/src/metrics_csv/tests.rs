//! The CSV tables: Model Analyzer's columns unchanged and first, tritium's
//! interval and tie columns after them.

use std::path::{Path, PathBuf};

use super::*;
use crate::results::ProfileResults;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results").join(name)
}

/// A CSV table: its header and rows, split at commas.
type Csv = (Vec<String>, Vec<Vec<String>>);

/// Writes the tables of `r`; returns the inference and GPU tables.
fn tables(r: &ProfileResults) -> (Csv, Csv) {
    let d = tempfile::tempdir().unwrap();
    write_csvs(r, d.path(), "GPU-1").unwrap();
    let read = |name: &str| {
        let text = std::fs::read_to_string(d.path().join(name)).unwrap();
        let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
        let header = lines.next().unwrap();
        (header, lines.collect::<Vec<_>>())
    };
    (read("metrics-model-inference.csv"), read("metrics-model-gpu.csv"))
}

#[test]
fn model_analyzer_columns_come_first_and_unchanged() {
    let r = ProfileResults::read(&fixture("intervals.json")).unwrap();
    let ((inf, rows), (gpu, grows)) = tables(&r);
    assert_eq!(&inf[..INFERENCE_COLUMNS.len()], INFERENCE_COLUMNS);
    assert_eq!(&inf[INFERENCE_COLUMNS.len()..], ["Throughput CI Low (infer/sec)", "Throughput CI High (infer/sec)", "p99 Latency CI Low (ms)", "p99 Latency CI High (ms)", "Tied With"]);
    assert_eq!(&gpu[..GPU_COLUMNS.len()], GPU_COLUMNS);
    assert_eq!(&gpu[GPU_COLUMNS.len()..], ["GPU Memory CI Low (MB)", "GPU Memory CI High (MB)"]);
    assert!(!rows.is_empty() && rows.iter().all(|row| row.len() == inf.len()), "every row has every column");
    assert!(grows.iter().all(|row| row.len() == gpu.len()));
}

#[test]
fn intervals_are_written_beside_their_estimates() {
    let r = ProfileResults::read(&fixture("intervals.json")).unwrap();
    let ((inf, rows), _) = tables(&r);
    let col = |name: &str| inf.iter().position(|h| h == name).unwrap();
    let m = &r.models[0];
    for rec in m.measurements.iter().filter(|x| x.ok_point().is_some()) {
        let p = rec.ok_point().unwrap();
        let row = rows.iter().find(|row| row[0] == m.model && row[1] == rec.batch_size.to_string() && row[2] == rec.concurrency.to_string() && row[3] == rec.config).unwrap();
        let (t, l) = (p.throughput_ci.unwrap(), p.latency_ci.unwrap().p99.unwrap());
        assert_eq!(row[col("Throughput CI Low (infer/sec)")], format!("{:.1}", t.lo));
        assert_eq!(row[col("Throughput CI High (infer/sec)")], format!("{:.1}", t.hi));
        assert_eq!(row[col("p99 Latency CI Low (ms)")], format!("{:.3}", l.lo / 1000.0));
        assert_eq!(row[col("p99 Latency CI High (ms)")], format!("{:.3}", l.hi / 1000.0));
        let (lo, est, hi): (f64, f64, f64) = (row[col("Throughput CI Low (infer/sec)")].parse().unwrap(), row[7].parse().unwrap(), row[col("Throughput CI High (infer/sec)")].parse().unwrap());
        assert!(lo <= est && est <= hi, "{row:?}");
    }
    // Without intervals (an older file): the columns are there, empty.
    let old = ProfileResults::read(&fixture("cpu_only.json")).unwrap();
    let ((h, rows), _) = tables(&old);
    assert_eq!(h.len(), INFERENCE_COLUMNS.len() + 5);
    assert!(rows.iter().all(|row| row[INFERENCE_COLUMNS.len()..].iter().all(String::is_empty)), "{rows:?}");
}

#[test]
fn a_tied_pair_shows_up_in_each_others_tied_with() {
    let r = ProfileResults::read(&fixture("intervals.json")).unwrap();
    let ((inf, rows), _) = tables(&r);
    let tied = inf.iter().position(|h| h == TIED_WITH_COLUMN).unwrap();
    assert_eq!(tied, inf.len() - 1, "Tied With is the last column");
    for m in &r.models {
        let (a, b) = (&m.top[0], &m.top[1]);
        assert!(m.tied(a, b), "the fixture ties {a} and {b}");
        let of = |name: &str| rows.iter().filter(|row| row[3] == name).map(|row| row[tied].clone()).collect::<Vec<_>>();
        assert!(!of(a).is_empty() && of(a).iter().all(|t| t == b), "{a}: {:?}", of(a));
        assert!(!of(b).is_empty() && of(b).iter().all(|t| t == a), "{b}: {:?}", of(b));
        assert!(of(&m.top[2]).iter().all(String::is_empty), "an untied config has an empty Tied With");
    }
    // Several: `;`-separated, either side of the recorded tie counts.
    let mut m = r.models[0].clone();
    m.tied_with.insert(m.top[2].clone(), vec![m.top[0].clone()]);
    assert_eq!(tied_with(&m, &m.top[0]).join(";"), {
        let mut v = [m.top[1].clone(), m.top[2].clone()];
        v.sort_by_key(|n| m.configs.iter().position(|c| &c.name == n));
        v.join(";")
    });
}

#[test]
fn a_latency_objective_other_than_p99_gets_its_own_columns() {
    let mut r = ProfileResults::read(&fixture("intervals.json")).unwrap();
    assert_eq!(objective_latency(&serde_json::json!({"perf_throughput": 10})), None);
    assert_eq!(objective_latency(&serde_json::json!({"perf_latency_p99": 10})), None);
    assert_eq!(objective_latency(&serde_json::json!("Objectives { weights: {} }")), None);
    assert_eq!(objective_latency(&serde_json::json!({"perf_latency_p90": 3, "perf_latency_avg": 1})), Some(Metric::PerfLatencyP90));
    r.objectives = serde_json::json!({"perf_latency_p90": 5, "perf_throughput": 1});
    let ((inf, rows), _) = tables(&r);
    let n = INFERENCE_COLUMNS.len() + INFERENCE_CI_COLUMNS.len();
    assert_eq!(&inf[n..], ["p90 Latency (ms)", "p90 Latency CI Low (ms)", "p90 Latency CI High (ms)", "Tied With"]);
    let rec = r.models[0].measurements.iter().find(|x| x.ok_point().is_some()).unwrap();
    let p = rec.ok_point().unwrap();
    let row = rows.iter().find(|row| row[3] == rec.config && row[1] == rec.batch_size.to_string() && row[2] == rec.concurrency.to_string()).unwrap();
    assert_eq!(row[n], format!("{:.3}", p.latency.p90_us / 1000.0));
    assert_eq!(row[n + 1], format!("{:.3}", p.latency_ci.unwrap().p90.unwrap().lo / 1000.0));
}

#[test]
fn failed_rows_keep_every_column_empty() {
    let r = ProfileResults::read(&fixture("failed_config.json")).unwrap();
    let ((inf, rows), (gpu, grows)) = tables(&r);
    let failed: Vec<_> = rows.iter().filter(|row| row[6].starts_with("FAILED")).collect();
    assert!(!failed.is_empty());
    for row in failed {
        assert_eq!(row.len(), inf.len(), "{row:?}");
        assert!(row[7..].iter().all(String::is_empty), "{row:?}");
    }
    assert!(grows.iter().all(|row| row.len() == gpu.len()));
}

#[test]
fn csv_fields_are_quoted_when_needed() {
    assert_eq!(csv_field("a,b;c"), "\"a,b;c\"");
    assert_eq!(csv_field("a;b"), "a;b");
}
