//! The CSV tables: Model Analyzer's columns unchanged and first, tritium's
//! interval and tie columns after them.

use std::path::{Path, PathBuf};

use super::*;
use super::labels;
use crate::results::ProfileResults;
use tritium_bench::export::GpuUsage;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results").join(name)
}

/// A CSV table: its header and rows.
type Csv = (Vec<String>, Vec<Vec<String>>);

/// Splits CSV text as pandas' default reader does: `"`-quoted fields may
/// hold commas and doubled quotes; the first line is the header.
fn parse_csv(text: &str) -> Csv {
    let mut lines = text.lines().map(|l| {
        let (mut out, mut cur, mut quoted, mut chars) = (Vec::new(), String::new(), false, l.chars().peekable());
        while let Some(ch) = chars.next() {
            match (ch, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(std::mem::take(&mut cur)),
                _ => cur.push(ch),
            }
        }
        out.push(cur);
        out
    });
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// Writes the tables of `r` with `layout` on a machine with `uuids`;
/// returns the inference, GPU and server tables.
fn tables_with(r: &ProfileResults, uuids: &str, layout: &CsvLayout) -> (Csv, Csv, Csv) {
    let d = tempfile::tempdir().unwrap();
    write_csvs(r, d.path(), uuids, layout).unwrap();
    let read = |name: &str| parse_csv(&std::fs::read_to_string(d.path().join(name)).unwrap());
    (read(&layout.filename_model_inference), read(&layout.filename_model_gpu), read(&layout.filename_server_only))
}

/// Writes the tables of `r` (default layout, one GPU); returns the inference and GPU tables.
fn tables(r: &ProfileResults) -> (Csv, Csv) {
    let (i, g, _) = tables_with(r, "GPU-1", &CsvLayout::default());
    (i, g)
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
        assert_eq!(row[col("p99 Latency CI Low (ms)")], format!("{:.1}", l.lo / 1000.0));
        assert_eq!(row[col("p99 Latency CI High (ms)")], format!("{:.1}", l.hi / 1000.0));
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
    assert_eq!(row[n], format!("{:.1}", p.latency.p90_us / 1000.0));
    assert_eq!(row[n + 1], format!("{:.1}", p.latency_ci.unwrap().p90.unwrap().lo / 1000.0));
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

#[test]
fn default_headers_are_model_analyzers_in_its_order() {
    // Model Analyzer 1.58's defaults (config_defaults.py) with its headers (ResultTableManager).
    assert_eq!(INFERENCE_COLUMNS, ["Model", "Batch", "Concurrency", "Model Config Path", "Instance Group", "Max Batch Size", "Satisfies Constraints", "Throughput (infer/sec)", "p99 Latency (ms)"]);
    let l = CsvLayout::default();
    let heads = |t: Table| l.columns(t).into_iter().map(|(_, h)| h).collect::<Vec<_>>();
    assert_eq!(heads(Table::Inference), INFERENCE_COLUMNS);
    assert_eq!(heads(Table::Gpu), GPU_COLUMNS);
    assert_eq!(heads(Table::Server), SERVER_COLUMNS);
    assert!(l.dropped().is_empty());
    let r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    let ((inf, rows), (gpu, grows), (srv, srows)) = tables_with(&r, "GPU-1", &l);
    assert_eq!(&inf[..INFERENCE_COLUMNS.len()], INFERENCE_COLUMNS);
    assert_eq!(&gpu[..GPU_COLUMNS.len()], GPU_COLUMNS);
    assert_eq!(srv, SERVER_COLUMNS);
    for (h, rows) in [(&inf, &rows), (&gpu, &grows), (&srv, &srows)] {
        assert!(!rows.is_empty() && rows.iter().all(|row| row.len() == h.len()), "{h:?}: {rows:?}");
    }
}

#[test]
fn rows_are_best_first_by_config_then_passing_before_failing() {
    // Throughput the only objective: configs by their best passing throughput, each config's
    // passing measurements best first, then its failing ones best first.
    let mut r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    r.objectives = serde_json::json!({"perf_throughput": 10});
    // sleep_fixed_config_4 (the best) gets a failing measurement better than its passing ones.
    let m = &mut r.models[0];
    let i = m.measurements.iter().position(|x| x.config == "sleep_fixed_config_4" && x.concurrency == 8).unwrap();
    m.measurements[i].passes = Some(false);
    m.measurements[i].point.as_mut().unwrap().throughput = 20000.0;
    let ((_, rows), (_, grows)) = tables(&r);
    for m in &r.models {
        let got: Vec<(String, u32)> = rows.iter().filter(|row| row[0] == m.model).map(|row| (row[3].clone(), row[2].parse().unwrap())).collect();
        let thr = |x: &crate::results::MeasurementRecord| x.ok_point().unwrap().throughput;
        let mut configs: Vec<&str> = m.configs.iter().map(|c| c.name.as_str()).collect();
        let best = |c: &str| m.measurements.iter().filter(|x| x.config == c && x.passes != Some(false)).map(thr).fold(f64::MIN, f64::max);
        configs.sort_by(|a, b| best(b).total_cmp(&best(a)));
        let mut want = Vec::new();
        for c in configs {
            for passing in [true, false] {
                let mut ms: Vec<_> = m.measurements.iter().filter(|x| x.config == c && (x.passes != Some(false)) == passing).collect();
                ms.sort_by(|a, b| thr(b).total_cmp(&thr(a)));
                want.extend(ms.into_iter().map(|x| (x.config.clone(), x.concurrency)));
            }
        }
        assert_eq!(got, want, "{}", m.model);
        // The GPU table in the same order.
        let gpu: Vec<(String, u32)> = grows.iter().filter(|row| row[0] == m.model).map(|row| (row[4].clone(), row[3].parse().unwrap())).collect();
        assert_eq!(gpu, want);
    }
    let first = &rows[0];
    assert_eq!((first[3].as_str(), first[2].as_str(), first[6].as_str()), ("sleep_fixed_config_4", "32", "Yes"));
    let failing = rows.iter().position(|row| row[3] == "sleep_fixed_config_4" && row[6] == "No").unwrap();
    assert!(rows[..failing].iter().all(|row| row[3] == "sleep_fixed_config_4" && row[6] == "Yes"));
}

#[test]
fn values_are_rounded_to_one_decimal_as_model_analyzer_does() {
    // Python's round(x, 1) then str(): the nearest double's decimal value decides.
    assert_eq!(round1(1234.56), "1234.6");
    assert_eq!(round1(2.25), "2.2");
    assert_eq!(round1(0.35), "0.3");
    assert_eq!(round1(7.0), "7.0");
    let r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    let ((inf, rows), (gpu, grows)) = tables(&r);
    let m = &r.models[0];
    let rec = m.measurements.iter().find(|x| x.config == "sleep_fixed_config_1").unwrap();
    let p = rec.ok_point().unwrap();
    let row = rows.iter().find(|row| row[3] == rec.config && row[2] == rec.concurrency.to_string()).unwrap();
    assert_eq!(row[7], format!("{:.1}", p.throughput));
    assert_eq!(row[8], format!("{:.1}", p.latency.p99_us / 1000.0));
    assert!(row[7..inf.len() - 1].iter().filter(|c| !c.is_empty()).all(|c| c.split('.').nth(1).is_some_and(|d| d.len() == 1)), "{row:?}");
    let g = grows.iter().find(|row| row[4] == rec.config && row[3] == rec.concurrency.to_string()).unwrap();
    assert_eq!(g[gpu.iter().position(|h| h == "GPU Utilization (%)").unwrap()], format!("{:.1}", p.resources.gpu_utilization_pct.unwrap()));
}

fn ensemble_config() -> crate::results::ConfigRecord {
    use crate::results::{ComposingRecord, ConfigRecord, VariantRecord};
    let comp = |name: &str, mbs, n, kind: &str| ComposingRecord { name: name.into(), max_batch_size: mbs, instance_count: n, instance_kind: kind.into() };
    ConfigRecord {
        name: "ens_config_1".into(),
        key: "k".into(),
        variant: VariantRecord {
            max_batch_size: 8,
            instance_count: 3,
            instance_kind: "KIND_CPU".into(),
            dynamic_batching: false,
            is_default: false,
            manual: Default::default(),
            composing: vec![comp("pre", 8, 1, "KIND_CPU"), comp("net", 4, 2, "KIND_GPU")],
        },
        config: serde_json::json!({"ensemble": {}, "composing": {"net": {"instance_group": [{"count": 2, "kind": "KIND_GPU"}]}}}),
        load_seconds: None,
        error: None,
        time: None,
    }
}

#[test]
fn instance_groups_are_totals_per_kind_and_ensembles_list_their_composing_models() {
    use serde_json::json;
    let cfg = |g: serde_json::Value| json!({ "instance_group": g });
    assert_eq!(instance_group_string(&cfg(json!([{"count": 2, "kind": "KIND_GPU"}])), "KIND_GPU", 1), "2:GPU");
    assert_eq!(instance_group_string(&cfg(json!([{"count": 2, "kind": "KIND_GPU"}])), "KIND_GPU", 2), "4:GPU", "count on each GPU");
    assert_eq!(instance_group_string(&cfg(json!([{"count": 2, "kind": "KIND_GPU", "gpus": [0]}])), "KIND_GPU", 4), "2:GPU");
    assert_eq!(instance_group_string(&cfg(json!([{"count": 1, "kind": "KIND_GPU"}, {"count": 2, "kind": "KIND_CPU"}, {"kind": "KIND_GPU"}])), "KIND_GPU", 1), "2:GPU + 2:CPU");
    assert_eq!(instance_group_string(&json!({}), "KIND_CPU", 0), "1:CPU", "no instance_group: one instance of the default kind");
    let e = ensemble_config();
    assert_eq!(labels::instance_group(&e, 2), "1:CPU,4:GPU");
    assert_eq!(labels::max_batch_size(&e), "8,4");
    assert_eq!(model_config_path(&e), "ens_config_1: pre_ens_config_1, net_ens_config_1");
    assert!(!labels::cpu_only(&e));
    // In the CSV: quoted as Model Analyzer's format_for_csv quotes lists; a reader gets the values back.
    let mut r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    r.models.truncate(1);
    let m = &mut r.models[0];
    let name = m.configs[2].name.clone();
    let (mut e, key) = (ensemble_config(), m.configs[2].key.clone());
    e.name = name.clone();
    e.key = key;
    m.configs[2] = e;
    let d = tempfile::tempdir().unwrap();
    write_csvs(&r, d.path(), "GPU-1", &CsvLayout::default()).unwrap();
    let text = std::fs::read_to_string(d.path().join("metrics-model-inference.csv")).unwrap();
    assert!(text.contains(&format!(",\"{name}: pre_{name}, net_{name}\",\"1:CPU,2:GPU\",\"8,4\",")), "{text}");
    let (_, rows) = parse_csv(&text);
    let row = rows.iter().find(|row| row[3].starts_with(&format!("{name}:"))).unwrap();
    assert_eq!((row[4].as_str(), row[5].as_str()), ("1:CPU,2:GPU", "8,4"));
    // A plain GPU config on one GPU: its count, upper-case kind.
    let plain = rows.iter().find(|row| row[3] == "sleep_fixed_config_3").unwrap();
    assert_eq!(plain[4], "3:GPU");
}

#[test]
fn gpu_rows_only_for_gpu_configs_with_gpu_data() {
    let r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    let ok = |r: &ProfileResults| r.models.iter().flat_map(|m| &m.measurements).filter(|x| x.ok_point().is_some()).count();
    let (_, (_, grows), (_, srows)) = tables_with(&r, "GPU-1", &CsvLayout::default());
    assert_eq!(grows.len(), ok(&r), "one row per measurement on a one-GPU machine");
    assert!(grows.iter().all(|row| row[1] == "GPU-1"));
    assert_eq!(srows.len(), r.models.len());
    // No GPU on the machine: no GPU rows.
    let (_, (gh, grows), _) = tables_with(&r, "", &CsvLayout::default());
    assert!(grows.is_empty() && gh[..GPU_COLUMNS.len()] == *GPU_COLUMNS);
    // CPU-only configs (every instance KIND_CPU): no GPU rows even with a GPU.
    let cpu = ProfileResults::read(&fixture("intervals.json")).unwrap();
    let ((_, irows), (_, grows), _) = tables_with(&cpu, "GPU-1", &CsvLayout::default());
    assert!(!irows.is_empty() && grows.is_empty(), "{grows:?}");
    // A GPU config whose point holds no GPU data: no row.
    let mut r2 = r.clone();
    for m in &mut r2.models {
        for x in &mut m.measurements {
            if let Some(p) = x.point.as_mut() {
                p.resources = Default::default();
            }
        }
    }
    let (_, (_, grows), _) = tables_with(&r2, "GPU-1", &CsvLayout::default());
    assert!(grows.is_empty());
}

#[test]
fn output_fields_and_file_names_are_honoured() {
    let r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let layout = CsvLayout {
        inference_output_fields: f(&["perf_latency_p95", "model_config_path", "gpu_used_memory", "perf_client_response_wait", "backend_parameter/sleep_ms", "model_name"]),
        gpu_output_fields: f(&["gpu_uuid", "gpu_utilization", "perf_throughput"]),
        server_output_fields: f(&["gpu_power_usage", "model_name"]),
        filename_model_inference: "inf.csv".into(),
        filename_model_gpu: "gpu.csv".into(),
        filename_server_only: "srv.csv".into(),
    };
    let dropped = layout.dropped();
    assert_eq!(dropped.len(), 3, "{dropped:?}");
    assert!(dropped[0].contains("inference_output_fields: \"gpu_used_memory\"") && dropped[1].contains("perf_client_response_wait") && dropped[2].contains("gpu_output_fields: \"perf_throughput\""), "{dropped:?}");
    let ((inf, rows), (gpu, _), (srv, srows)) = tables_with(&r, "GPU-1", &layout);
    assert_eq!(&inf[..3], ["p95 Latency (ms)", "Model Config Path", "backend_parameter/sleep_ms"]);
    assert_eq!(inf[3], "Model");
    assert_eq!(&inf[4..], inference_extra_columns(&r.objectives));
    assert_eq!(&gpu[..2], ["GPU UUID", "GPU Utilization (%)"]);
    assert_eq!(srv, ["GPU Power Usage (W)", "Model"]);
    assert!(rows.iter().all(|row| row.len() == inf.len()) && srows.iter().all(|row| row.len() == 2));
    let m = &r.models[0];
    let rec = m.measurements.iter().find(|x| x.ok_point().is_some()).unwrap();
    let row = rows.iter().find(|row| row[1] == rec.config).unwrap();
    assert_eq!(row[3], m.model);
    let want = m.configs.iter().find(|c| c.name == rec.config).unwrap().config["parameters"]["sleep_ms"]["string_value"].as_str().unwrap_or_default().to_string();
    assert_eq!(row[2], want);
    // File names must be plain names.
    let mut cfg = crate::config::ProfileConfig::with_defaults("/m", Vec::new());
    assert_eq!(CsvLayout::from_config(&cfg).unwrap(), CsvLayout::default());
    cfg.filename_model_gpu = Some("../gpu.csv".into());
    assert!(CsvLayout::from_config(&cfg).unwrap_err().to_string().contains("filename_model_gpu"));
}

#[test]
fn output_field_keys_are_parsed_from_the_yaml() {
    let text = "model_repository: /m\nprofile_models: [a]\ninference_output_fields: [model_name, perf_latency_p95]\ngpu_output_fields: model_name,gpu_uuid\nserver_output_fields: [gpu_uuid]\nfilename_model_inference: i.csv\nfilename_model_gpu: g.csv\nfilename_server_only: s.csv\n";
    let cfg = crate::config::ProfileConfig::from_yaml_str(text, Path::new("c.yaml")).unwrap();
    let l = CsvLayout::from_config(&cfg).unwrap();
    assert_eq!(l.inference_output_fields, ["model_name", "perf_latency_p95"]);
    assert_eq!(l.gpu_output_fields, ["model_name", "gpu_uuid"]);
    assert_eq!(l.server_output_fields, ["gpu_uuid"]);
    assert_eq!((l.filename_model_inference.as_str(), l.filename_model_gpu.as_str(), l.filename_server_only.as_str()), ("i.csv", "g.csv", "s.csv"));
}

#[test]
fn one_gpu_row_per_gpu_with_its_own_numbers() {
    let mut r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    let g = |uuid: &str, m: f64| GpuUsage { uuid: uuid.into(), memory_used_mb: Some(m), utilization_pct: Some(m / 100.0), power_w: Some(m / 10.0) };
    let mut ok = 0;
    for m in &mut r.models {
        for x in &mut m.measurements {
            if let Some(p) = x.point.as_mut().filter(|_| x.error.is_none()) {
                ok += 1;
                p.resources.per_gpu = vec![g("GPU-a", 1000.0 + ok as f64), g("GPU-b", 2000.0 + ok as f64)];
            }
        }
    }
    // One measurement fails: its rows (one per GPU) say so, without numbers.
    let failed = r.models[0].measurements.iter_mut().find(|x| x.ok_point().is_some()).unwrap();
    failed.error = Some("3 requests failed".into());
    let (failed_config, failed_conc) = (failed.config.clone(), failed.concurrency);
    let (_, (gh, grows), _) = tables_with(&r, "GPU-a;GPU-b", &CsvLayout::default());
    let col = |name: &str| gh.iter().position(|h| h == name).unwrap();
    assert_eq!(grows.len(), 2 * ok, "one row per GPU per measurement");
    assert!(grows.iter().all(|row| row.len() == gh.len()));
    for pair in grows.chunks(2) {
        assert_eq!((pair[0][col("GPU UUID")].as_str(), pair[1][col("GPU UUID")].as_str()), ("GPU-a", "GPU-b"));
        assert_eq!(pair[0][col("Model Config Path")], pair[1][col("Model Config Path")]);
        if pair[0][col("Satisfies Constraints")].starts_with("FAILED") {
            assert_eq!((pair[0][col("Model Config Path")].as_str(), pair[0][col("Concurrency")].clone()), (failed_config.as_str(), failed_conc.to_string()));
            assert!(pair.iter().all(|row| row[col("GPU Memory Usage (MB)")].is_empty()));
            continue;
        }
        // Each GPU's own numbers, not the totals; no interval of all GPUs on a per-GPU row.
        let (a, b): (f64, f64) = (pair[0][col("GPU Memory Usage (MB)")].parse().unwrap(), pair[1][col("GPU Memory Usage (MB)")].parse().unwrap());
        assert!((1000.0..2000.0).contains(&a) && b - a == 1000.0, "{a} {b}");
        assert_eq!(pair[1][col("GPU Power Usage (W)")], format!("{:.1}", b / 10.0));
        assert!(pair.iter().all(|row| row[col("GPU Memory CI Low (MB)")].is_empty()));
    }
    assert_eq!(grows.iter().filter(|row| row[col("Satisfies Constraints")].starts_with("FAILED")).count(), 2);
    // cpu_only model (CPU instances only): no GPU rows however many GPUs carry data.
    let mut cpu = ProfileResults::read(&fixture("intervals.json")).unwrap();
    for x in cpu.models.iter_mut().flat_map(|m| &mut m.measurements).filter_map(|x| x.point.as_mut()) {
        x.resources.per_gpu = vec![g("GPU-a", 1.0), g("GPU-b", 2.0)];
    }
    let (_, (_, grows), _) = tables_with(&cpu, "GPU-a;GPU-b", &CsvLayout::default());
    assert!(grows.is_empty(), "{grows:?}");
}

#[test]
fn server_only_rows_come_from_the_server_without_a_model() {
    use crate::results::ServerOnlyRecord;
    let mut r = ProfileResults::read(&fixture("gpu.json")).unwrap();
    let g = |uuid: &str, m: f64| GpuUsage { uuid: uuid.into(), memory_used_mb: Some(m), utilization_pct: Some(0.0), power_w: Some(70.04) };
    let mut so = ServerOnlyRecord { duration_seconds: 3.0, samples: 60, ..Default::default() };
    so.resources.per_gpu = vec![g("GPU-a", 512.0), g("GPU-b", 513.06)];
    so.resources.gpu_memory_used_mb = Some(1025.06);
    r.server_only = Some(so.clone());
    let (_, _, (sh, srows)) = tables_with(&r, "GPU-a;GPU-b", &CsvLayout::default());
    assert_eq!(sh, SERVER_COLUMNS);
    // Model Analyzer: one row per GPU, model "triton-server", that GPU's own figures.
    assert_eq!(srows, vec![vec!["triton-server", "GPU-a", "512.0", "0.0", "70.0"], vec!["triton-server", "GPU-b", "513.1", "0.0", "70.0"]]);
    // No GPU: one row with what was measured, the GPU columns empty.
    let mut cpu = r.clone();
    cpu.server_only = Some(ServerOnlyRecord { duration_seconds: 3.0, samples: 60, ..Default::default() });
    let (_, _, (_, srows)) = tables_with(&cpu, "", &CsvLayout::default());
    assert_eq!(srows, vec![vec!["triton-server", "", "", "", ""]]);
    // An older results.json without the section: the default config's first measurement per model.
    r.server_only = None;
    let (_, _, (_, srows)) = tables_with(&r, "GPU-1", &CsvLayout::default());
    assert_eq!(srows.len(), r.models.len());
    assert!(srows.iter().zip(&r.models).all(|(row, m)| row[0] == m.model));
}
