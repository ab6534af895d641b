//! `tritium report` from stored results (no Triton needed): every PDF is
//! written and parses, its text (read back with poppler's `pdftotext`) holds
//! the model, the table headers and the best config's numbers; failed
//! configs, CPU-only runs and single measurements render; bad input gives an
//! error naming the file.
//!
//! Needs poppler-utils (`pdftotext`, `pdfinfo`, `pdffonts`):
//! `apt-get install poppler-utils`. Set `TRITIUM_REPORT_OUT=DIR` to keep the
//! PDFs (one folder per fixture) for looking at them.

use std::path::{Path, PathBuf};
use std::process::Command;

use tritium::profile::results::ProfileResults;
use tritium::report::{self, ReportPaths};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results").join(name)
}

fn load(name: &str) -> ProfileResults {
    report::load_results(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Output folder: `$TRITIUM_REPORT_OUT/<tag>` or a temp dir (kept alive by the guard).
fn out_dir(tag: &str) -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("TRITIUM_REPORT_OUT") {
        Some(d) => {
            let p = PathBuf::from(d).join(tag);
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            (p, None)
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            (t.path().to_path_buf(), Some(t))
        }
    }
}

fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" || tool == "pdftocairo" { &["-"][..] } else { &[][..] })
        .output()
        .unwrap_or_else(|e| panic!("running {tool} ({e}): install poppler-utils (apt-get install poppler-utils)"));
    assert!(out.status.success(), "{tool} failed on {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text with runs of whitespace collapsed; also checks that it
/// parses cleanly and embeds only the bundled font.
fn pdf_text(pdf: &Path) -> String {
    let bytes = std::fs::read(pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
    assert!(bytes.starts_with(b"%PDF-"), "{} is not a PDF", pdf.display());
    let info = poppler("pdfinfo", &[], pdf);
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|v| v.trim().parse().unwrap()).expect("pdfinfo gives the page count");
    assert!(pages >= 1, "{}: no page", pdf.display());
    let fonts = poppler("pdffonts", &[], pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "{}: one embedded font expected:\n{fonts}", pdf.display());
    assert!(rows[0].contains("CID TrueType") && rows[0].contains(" yes "), "{}: the bundled TrueType font must be embedded:\n{fonts}", pdf.display());
    let text = poppler("pdftotext", &["-q"], pdf);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[track_caller]
fn has(text: &str, needle: &str, what: &str) {
    assert!(text.contains(needle), "{what}: {needle:?} not found in the PDF text:\n{text}");
}

/// Each header, line by line.
fn has_headers(text: &str, headers: &[String], what: &str) {
    for h in headers {
        for line in h.lines() {
            has(text, line, what);
        }
    }
}

fn build(name: &str, tag: &str) -> (ProfileResults, ReportPaths, PathBuf, Option<tempfile::TempDir>) {
    let r = load(name);
    let (dir, guard) = out_dir(tag);
    let paths = report::build_from(&r, &dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    (r, paths, dir, guard)
}

/// The best config's row as the summary table shows it (the highest
/// throughput meeting the constraints).
fn best_point(r: &ProfileResults, model: usize, config: &str) -> (u32, f64, f64, Option<f64>, Option<f64>, Option<f64>) {
    let m = &r.models[model];
    let (rec, p) = m
        .measurements
        .iter()
        .filter(|x| x.config == config && x.passes != Some(false))
        .filter_map(|x| x.point.as_ref().map(|p| (x, p)))
        .max_by(|a, b| a.1.throughput.total_cmp(&b.1.throughput))
        .expect("the best config has a passing measurement");
    (rec.concurrency, p.throughput, p.latency.p99_us, p.resources.rss_mb, p.resources.gpu_memory_used_mb, p.resources.gpu_utilization_pct)
}

#[test]
fn cpu_only_run_summary_and_detailed_reports() {
    let (r, paths, dir, _g) = build("cpu_only.json", "cpu_only");
    let m = &r.models[0];
    assert_eq!(paths.summaries, vec![dir.join("reports/summaries/sleep_fixed/result_summary.pdf")]);
    assert_eq!(paths.detailed.len(), m.top.len());
    for name in &m.top {
        assert!(paths.detailed.contains(&dir.join("reports/detailed").join(name).join("detailed_report.pdf")), "no detailed report for {name}");
    }

    let text = pdf_text(&paths.summaries[0]);
    let what = "CPU-only summary";
    has(&text, "sleep_fixed", what);
    has(&text, "tritium 0.1.0", what);
    has(&text, "Triton 2.51.0", what);
    has(&text, "2026-11-28 17:41:41 UTC", what);
    has(&text, "CPU only", what);
    has(&text, "p99 latency ≤ 50 ms", what);
    has(&text, "not applied", what);
    has(&text, "maximize throughput (weight 10)", what);
    has_headers(&text, &report::summary_headers(false), what);
    // Axis labels carry units.
    for axis in ["p99 latency (ms)", "Throughput (infer/s)", "CPU RAM, resident (MB)"] {
        has(&text, axis, what);
    }
    // Every shown config, and the best config's numbers as in results.json.
    for name in m.top.iter().chain(std::iter::once(&m.default_config)) {
        has(&text, name, what);
    }
    let best = &m.top[0];
    let (conc, tp, p99, rss, _, _) = best_point(&r, 0, best);
    assert_eq!((conc, format!("{tp:.1}")), (32, "10068.8".to_string()), "fixture changed");
    has(&text, &format!("{tp:.1}"), what);
    has(&text, &format!("{:.2}", p99 / 1000.0), what);
    has(&text, &format!("{:.1}", rss.unwrap()), what);
    has(&text, &conc.to_string(), what);
    // The sentence against the default (3466.2 infer/s at concurrency 16).
    let (_, dtp, _, _, _, _) = best_point(&r, 0, &m.default_config);
    has(&text, &format!("{:.2}×", tp / dtp), what);
    has(&text, &format!("{dtp:.1}"), what);

    let d = pdf_text(&paths.detailed[0]);
    let what = "CPU-only detailed report";
    has(&d, best, what);
    has(&d, "sleep_fixed", what);
    has_headers(&d, &report::detailed_headers(false), what);
    for axis in
        ["Server latency (ms)", "Throughput (infer/s)", "Concurrency (requests in flight)", "CPU RAM, resident (MB)", "CPU utilization (%, 100 = one core)"]
    {
        has(&d, axis, what);
    }
    // The full measurement table of the config.
    for rec in m.measurements.iter().filter(|x| &x.config == best) {
        let p = rec.point.as_ref().unwrap();
        has(&d, &format!("{:.1}", p.throughput), what);
        has(&d, &format!("{:.2}", p.latency.p99_us / 1000.0), what);
        has(&d, &format!("{:.3}", p.server.as_ref().unwrap().queue_us / 1000.0), what);
    }
}

#[test]
fn gpu_run_with_two_models() {
    let (r, paths, _dir, _g) = build("gpu.json", "gpu");
    assert_eq!(paths.summaries.len(), 2);
    assert_eq!(paths.detailed.len(), r.models.iter().map(|m| m.top.len()).sum::<usize>());
    for (i, m) in r.models.iter().enumerate() {
        let text = pdf_text(&paths.summaries[i]);
        let what = format!("GPU summary of {}", m.model);
        has(&text, &m.model, &what);
        has(&text, "GPU: NVIDIA H200", &what);
        has(&text, "p99 latency ≤ 8 ms", &what);
        has(&text, "minimize p99 latency (weight 2)", &what);
        has_headers(&text, &report::summary_headers(true), &what);
        has(&text, "GPU memory (MB)", &what);
        let (conc, tp, p99, _, mem, util) = best_point(&r, i, &m.top[0]);
        for n in [format!("{tp:.1}"), format!("{:.2}", p99 / 1000.0), format!("{:.1}", mem.unwrap()), format!("{:.1}", util.unwrap()), conc.to_string()] {
            has(&text, &n, &what);
        }
    }
    // add_sub ranks its default config among the top: it gets a detailed report too.
    let d = pdf_text(paths.detailed.iter().find(|p| p.to_string_lossy().contains("add_sub_config_default")).expect("detailed report of the ranked default"));
    has_headers(&d, &report::detailed_headers(true), "GPU detailed report");
    has(&d, "GPU utilization (%)", "GPU detailed report");
}

#[test]
fn failed_config_and_broken_constraints_render() {
    let (r, paths, _dir, _g) = build("failed_config.json", "failed_config");
    let m = &r.models[0];
    let text = pdf_text(&paths.summaries[0]);
    let what = "summary with a failed config";
    has(&text, "sleep_fixed_config_6", what);
    has(&text, "failed to load", what);
    has(&text, "Stub process", what);
    has(&text, "Deadline Exceeded", what);
    has(&text, "CPU RAM ≤ 150 MB", what);
    // config_4 and config_3 broke the RAM constraint everywhere: marked "no".
    has(&text, " no ", what);
    let (_, tp, _, _, _, _) = best_point(&r, 0, &m.top[0]);
    has(&text, &format!("{tp:.1}"), what);
    assert_eq!(paths.detailed.len(), 3);
    let d = pdf_text(&paths.detailed[0]);
    has(&d, "Concurrency 64: 12 of 4800 requests failed: Deadline Exceeded", "detailed report with a failed measurement");
    has(&d, "failed", "detailed report with a failed measurement");
    let d4 = pdf_text(&paths.detailed[1]);
    has(&d4, "no measurement of this config met the constraints", "detailed report of a config breaking a constraint");
}

#[test]
fn single_measurement_renders() {
    let (r, paths, _dir, _g) = build("single_measurement.json", "single_measurement");
    let m = &r.models[0];
    assert_eq!(paths.summaries.len(), 1);
    assert_eq!(paths.detailed.len(), 1);
    let text = pdf_text(&paths.summaries[0]);
    let what = "single-measurement summary";
    has(&text, "The default config", what);
    has(&text, &m.default_config, what);
    let p = m.measurements[0].point.as_ref().unwrap();
    has(&text, &format!("{:.1}", p.throughput), what);
    has(&text, &format!("{:.2}", p.latency.p99_us / 1000.0), what);
    let d = pdf_text(&paths.detailed[0]);
    has(&d, &format!("{:.1}", p.throughput), "single-measurement detailed report");
}

#[test]
fn client_batch_sizes_and_top_configs_across_models() {
    // A real run (schema 2): sleep_fixed with batch_sizes [1, 2, 4] x concurrency [1, 2, 4],
    // add_sub with [1, 2] x [1, 2], max batch size 1..2, num_top_model_configs 4.
    let (r, paths, dir, _g) = build("batch_sizes_top.json", "batch_sizes_top");
    assert_eq!(r.schema_version, tritium::profile::results::SCHEMA_VERSION);
    assert_eq!(r.top_model_configs.len(), 4, "fixture changed");
    let top_pdf = dir.join("reports/summaries").join(report::TOP_MODELS_REPORT_KEY).join("result_summary.pdf");
    assert_eq!(paths.summaries.len(), 3);
    assert_eq!(paths.summaries[2], top_pdf);

    let text = pdf_text(&top_pdf);
    let what = "summary across models";
    has(&text, report::TOP_MODELS_REPORT_KEY, what);
    has_headers(&text, &report::top_configs_headers(), what);
    has(&text, "is the best config across 2 models", what);
    has(&text, "p99 latency ≤ 15 ms", what);
    for t in &r.top_model_configs {
        for n in [t.model.clone(), t.config.clone(), format!("{:.1}", t.throughput), format!("{:.2}", t.latency_p99_ms)] {
            has(&text, &n, what);
        }
    }
    let first = &r.top_model_configs[0];
    has(&text, &format!("batch size {}, concurrency {}", first.batch_size, first.concurrency), what);

    // The model's summary: the best row's batch size, and the batch sizes its configs skipped.
    let m = &r.models[0];
    assert_eq!(m.model, "sleep_fixed");
    let s = pdf_text(&paths.summaries[0]);
    let what = "summary with client batch sizes";
    has_headers(&s, &report::summary_headers(false), what);
    let (rec, p) = m.best_point(&m.top[0]).unwrap();
    assert_eq!(rec.batch_size, 4, "fixture changed");
    has(&s, &format!("{:.1} infer/s at batch size 4, concurrency {}", p.throughput, rec.concurrency), what);
    has(&s, "a line per client batch size", what);
    has(&s, "sleep_fixed_config_0: client batch size 2, 4 not measured (above its max batch size 1)", what);

    // The detailed report: one row per (batch size, concurrency).
    let d = pdf_text(paths.detailed.iter().find(|p| p.to_string_lossy().contains(&format!("/{}/", m.top[0]))).unwrap());
    let what = "detailed report with client batch sizes";
    has_headers(&d, &report::detailed_headers(false), what);
    has(&d, "Client batch size / concurrency", what);
    has(&d, "4/4", what);
    let recs: Vec<_> = m.measurements.iter().filter(|x| x.config == m.top[0]).collect();
    assert_eq!(recs.len(), 9);
    for x in recs {
        has(&d, &format!("{:.1}", x.point.as_ref().unwrap().throughput), what);
    }
}

#[test]
fn build_reports_reads_export_path() {
    let (dir, _g) = out_dir("export_path");
    std::fs::create_dir_all(dir.join("results")).unwrap();
    std::fs::copy(fixture("cpu_only.json"), dir.join("results/results.json")).unwrap();
    let paths = report::build_reports(&dir).unwrap();
    assert_eq!(paths.all().count(), 4);
    assert!(paths.all().all(|p| p.starts_with(dir.join("reports"))));
}

#[test]
fn corrupt_or_missing_results_give_a_clear_error() {
    let (dir, _g) = out_dir("bad_input");
    // Missing.
    let e = report::build_reports(&dir).unwrap_err().to_string();
    let path = dir.join("results").join("results.json");
    assert!(e.contains(&path.display().to_string()) && e.contains("no such file") && e.contains("tritium profile"), "{e}");
    // Corrupt (truncated).
    std::fs::create_dir_all(dir.join("results")).unwrap();
    std::fs::copy(fixture("corrupt.json"), &path).unwrap();
    let e = report::build_reports(&dir).unwrap_err().to_string();
    assert!(e.contains(&path.display().to_string()) && e.contains("not a valid tritium results.json"), "{e}");
    // Not JSON at all.
    std::fs::write(&path, "hello").unwrap();
    let e = report::build_reports(&dir).unwrap_err().to_string();
    assert!(e.contains(&path.display().to_string()), "{e}");
    // Another schema version.
    std::fs::write(&path, r#"{"schema_version": 7}"#).unwrap();
    let e = report::build_reports(&dir).unwrap_err().to_string();
    assert!(e.contains(&path.display().to_string()) && e.contains("schema_version"), "{e}");
    assert!(!dir.join("reports").exists(), "no report is written from bad input");
}

/// Renders any results.json for looking at it:
/// `TRITIUM_REPORT_RESULTS=path/results.json TRITIUM_REPORT_OUT=dir cargo test --test report -- --ignored`.
#[test]
#[ignore]
fn render_results_from_env() {
    let Some(src) = std::env::var_os("TRITIUM_REPORT_RESULTS") else { return };
    let r = report::load_results(Path::new(&src)).unwrap();
    let (dir, _g) = out_dir("from_env");
    let paths = report::build_from(&r, &dir).unwrap();
    for p in paths.all() {
        pdf_text(p);
        println!("{}", p.display());
    }
}

/// A results.json as an earlier tritium wrote it for a config whose every
/// request failed (reject_all): the point kept with its failures, 0 ms,
/// `passes: true`, ranked first per model and across models.
#[test]
fn failed_measurements_from_older_files_show_as_failed_never_ranked() {
    let mut r = load("cpu_only.json");
    let best = r.models[0].top[0].clone();
    let second = r.models[0].top[1].clone();
    for rec in r.models[0].measurements.iter_mut().filter(|x| x.config == best) {
        if let Some(p) = &mut rec.point {
            p.failures.insert("reject_all: every request is rejected (test fixture)".into(), p.requests);
            p.latency = Default::default();
            rec.passes = Some(true);
        }
    }
    r.num_top_model_configs = 2;
    r.top_model_configs = vec![
        tritium::profile::results::TopConfigRecord { rank: 1, model: "sleep_fixed".into(), config: best.clone(), batch_size: 1, concurrency: 1, request_rate: None, throughput: 0.0, latency_p99_ms: 0.0, passes: true, throughput_ci: None, latency_p99_ms_ci: None, tied_with: Vec::new() },
        tritium::profile::results::TopConfigRecord { rank: 2, model: "sleep_fixed".into(), config: second.clone(), batch_size: 1, concurrency: 1, request_rate: None, throughput: 1.0, latency_p99_ms: 1.0, passes: true, throughput_ci: None, latency_p99_ms_ci: None, tied_with: Vec::new() },
    ];
    let (dir, _g) = out_dir("failed_old_file");
    let paths = report::build_from(&r, &dir).unwrap();
    let m = &r.models[0];
    assert_eq!(paths.detailed.len(), m.top.len() - 1, "no detailed report ranks the failed config");
    let text = pdf_text(&paths.summaries[0]);
    let what = "summary with a failed config in `top`";
    has(&text, "every request failed", what);
    has(&text, "FAILED", what);
    // The sentence names the best config with a result, not the failed one.
    let i = text.find("is the best config").unwrap_or_else(|| panic!("no best-config sentence: {text}"));
    let sentence = &text[text[..i].rfind(". ").map_or(0, |j| j + 2)..i];
    assert!(sentence.contains(&second) && !sentence.contains(&best), "{sentence:?}\n{text}");
    let top = pdf_text(&paths.summaries[1]);
    has(&top, &format!("{second} of sleep_fixed"), "across models: the failed entry is dropped");
    has(&top, "Not ranked (every measurement failed", "across models");
    // A model that failed as a whole says so.
    let mut f = load("single_measurement.json");
    f.models[0].status = Some(tritium::profile::results::ModelStatus::Failed);
    f.models[0].reason = Some("no usable measurement: every request failed".into());
    for rec in &mut f.models[0].measurements {
        rec.point = None;
        rec.error = Some("every request failed: 10 of 10 requests failed".into());
    }
    f.models[0].top.clear();
    let (dir, _g2) = out_dir("failed_model");
    let paths = report::build_from(&f, &dir).unwrap();
    let text = pdf_text(&paths.summaries[0]);
    has(&text, "FAILED: no usable measurement", "summary of a failed model");
    assert!(!text.contains("0.00 ms"), "{text}");
}

/// Intervals and ties (issue 12): `intervals.json` is `batch_sizes_top.json`
/// with 95 % intervals on every point (throughput ±3 % / ±8 %, p99 −4 %/+9 %)
/// and the best config of each model tied with the second, across models too.
/// The tables show "±", the plots error bars, and a tie is said, not ranked.
#[test]
fn intervals_and_ties_render() {
    let (r, paths, dir, _g) = build("intervals.json", "intervals");
    let m = &r.models[1];
    assert_eq!(m.model, "add_sub", "fixture changed");
    let (best, second) = (&m.top[0], &m.top[1]);
    assert!(m.tied(best, second), "fixture changed");

    let s = pdf_text(&paths.summaries[1]);
    let what = "summary with intervals and a tie";
    let (_, p) = m.best_point(best).unwrap();
    has(&s, &format!("{:.1} ±8.0%", p.throughput), what);
    has(&s, &format!("{:.2} ±9.0%", p.latency.p99_us / 1000.0), what);
    has(&s, &format!("It is statistically tied with {second}"), what);
    has(&s, "statistically tied with the best (shaded alike in the table)", what);
    has(&s, &format!("{second} (tied with the best)"), what);
    has(&s, "≈2 ", what);
    has(&s, "error bars: 95 % intervals", what);
    has(&s, "±: the half-width of the 95 % confidence interval", what);
    assert!(!s.contains("× the default"), "no ratio claimed: {s}");

    // The second config's detailed report says it is tied with the best.
    let d = pdf_text(paths.detailed.iter().find(|x| x.to_string_lossy().contains(&format!("/{second}/"))).unwrap());
    let what = "detailed report of a config tied with the best";
    has(&d, &format!("statistically tied with the best, {best}: not ranked apart"), what);
    has(&d, &format!("Ties: statistically tied with {best}"), what);
    let (_, p2) = m.best_point(second).unwrap();
    has(&d, &format!("{:.1} ±8.0%", p2.throughput), what);

    // Across models: rank 2 is tied with rank 1.
    let top = pdf_text(&dir.join("reports/summaries").join(report::TOP_MODELS_REPORT_KEY).join("result_summary.pdf"));
    let what = "summary across models with a tie";
    let t = &r.top_model_configs;
    has(&top, &format!("It is statistically tied with {} of {} (rank 2)", t[1].config, t[1].model), what);
    has(&top, "≈2 ", what);
    has(&top, &format!("{:.1} ±8.0%", t[0].throughput), what);

    // Without the intervals the same results draw fewer line segments: the error bars are real.
    let mut plain = r.clone();
    for m in &mut plain.models {
        for rec in &mut m.measurements {
            if let Some(p) = &mut rec.point {
                p.throughput_ci = None;
                p.latency_ci = None;
            }
        }
    }
    let (dir2, _g2) = out_dir("intervals_removed");
    let plain_paths = report::build_from(&plain, &dir2).unwrap();
    let s2 = pdf_text(&plain_paths.summaries[1]);
    assert!(!s2.contains('±') && !s2.contains("error bars"), "{s2}");
    let strokes = |pdf: &Path| poppler("pdftocairo", &["-svg"], pdf).matches("<path").count();
    assert!(strokes(&paths.summaries[1]) > strokes(&plain_paths.summaries[1]) + 20, "error bars add segments to the plots");
}

#[test]
fn measurement_quality_is_said_in_the_summary() {
    // A noisy point, a cause of noise on two points and a drifted reference: the summary PDF says all three.
    let mut r = load("intervals.json");
    let m = &mut r.models[1];
    for (touched, rec) in m.measurements.iter_mut().filter(|x| x.point.is_some()).take(2).enumerate() {
        let p = rec.point.as_mut().unwrap();
        p.noisy = touched == 0;
        let cause = format!("CPU steal {} %: the VM's host is taking cycles from this machine; numbers will not reproduce", 7 + touched);
        p.diagnostics = Some(tritium::bench::diagnostics::Diagnostics { causes: vec![cause], ..Default::default() });
    }
    m.drift = Some(tritium::profile::results::DriftRecord {
        config: m.default_config.clone(),
        batch_size: 1,
        concurrency: 1,
        request_rate: None,
        points: Vec::new(),
        drifted: true,
        change: -0.12,
        warning: Some("reference point drifted −12 % (2622 → 2317 infer/s) during the profile: rankings across that span are unreliable".into()),
    });
    let (dir, _g) = out_dir("quality");
    let paths = report::build_from(&r, &dir).unwrap();
    let s = pdf_text(&paths.summaries[1]);
    let what = "summary with noisy points, causes and drift";
    has(&s, "Measurement quality: 1 of", what);
    has(&s, "measurements are noisy", what);
    has(&s, "CPU steal in 2 of", what);
    has(&s, "(worst: CPU steal 8 %)", what);
    has(&s, "reference point drifted", what);
    // The clean fixture says nothing of the kind.
    let (_, clean, _, _g2) = build("intervals.json", "quality_clean");
    assert!(!pdf_text(&clean.summaries[1]).contains("Measurement quality"), "a clean run claims no noise");
}

#[test]
fn where_the_time_went_is_in_the_summary() {
    use tritium::profile::results::{ConfigTime, TimeAnatomy};
    // Results of an older tritium carry no times: no section.
    let (_, plain, _, _g) = build("cpu_only.json", "time_absent");
    assert!(!pdf_text(&plain.summaries[0]).contains("Where the time went"), "no time records, no section");
    // The same run with time records, written as results.json and read back as `tritium report` does.
    let mut r = load("cpu_only.json");
    let mut run = TimeAnatomy { sessions: 1, ..Default::default() };
    for (i, c) in r.models[0].configs.iter_mut().enumerate() {
        let t = ConfigTime { loads: 1, load_seconds: 5.4 + i as f64, unload_seconds: 0.4, warmup_seconds: 1.1, measure_seconds: 6.7, other_seconds: 0.2, measurements: 3 };
        run.load_seconds += t.load_seconds;
        run.unload_seconds += t.unload_seconds;
        run.warmup_seconds += t.warmup_seconds;
        run.measure_seconds += t.measure_seconds;
        run.loads += t.loads;
        run.measurements += t.measurements;
        c.time = Some(t);
    }
    run.close(run.busy_seconds() + 2.0);
    r.time = Some(run);
    let (dir, _g2) = out_dir("time_anatomy");
    r.write(&report::results_path(&dir)).unwrap();
    let paths = report::build_reports(&dir).unwrap();
    let text = pdf_text(&paths.summaries[0]);
    let what = "summary with time records";
    has(&text, "Where the time went", what);
    has_headers(&text, &report::time_headers(), what);
    has(&text, &format!("The whole run took {:.1} s: load {:.1} s ({:.0} %)", run.wall_seconds, run.load_seconds, run.percent(run.load_seconds)), what);
    has(&text, &format!("idle 2.0 s ({:.0} %); 7 loads, 21 measurements", run.percent(2.0)), what);
    for l in ["load", "unload", "warm-up", "measure", "other"] {
        has(&text, l, what);
    }
    // A row per config (load 5.4 s, 6.4 s, …; total 13.8 s, …) and the model's total.
    let m = &r.models[0];
    for (i, c) in m.configs.iter().enumerate() {
        has(&text, &format!("{} 1 {:.1} 0.4 1.1 6.7 0.2 {:.1} 3", c.name, 5.4 + i as f64, 13.8 + i as f64), what);
    }
    has(&text, &format!("All configs 7 {:.1} 2.8 7.7 46.9 1.4", run.load_seconds), what);
}

#[test]
fn configs_skipped_by_the_throughput_bound_are_said_so() {
    // Issue 13: a config not loaded because it cannot beat the incumbent is recorded in `skipped`
    // with that reason; the summary says so, not "above its max batch size".
    let mut r = load("cpu_only.json");
    let m = &mut r.models[0];
    let name = m.configs.iter().find(|c| !m.measurements.iter().any(|x| x.config == c.name)).map(|c| c.name.clone()).unwrap_or_else(|| m.configs[1].name.clone());
    let reason = format!("{}: at most 400.0 infer/s (2 instance(s) x max batch 1 / 5.00 ms, the shortest execution seen), below {} at 900.0 [880.0, 920.0] infer/s (batch 1, concurrency 8)", tritium::profile::search::BOUND_SKIP_REASON, m.top[0]);
    m.skipped.push(tritium::profile::results::SkippedRecord { config: name.clone(), batch_size: 1, reason: reason.clone() });
    let (dir, _g) = out_dir("bound_skip");
    let paths = report::build_from(&r, &dir).unwrap();
    let text = pdf_text(&paths.summaries[0]);
    let what = "summary with a config skipped by the bound";
    has(&text, &format!("{name} not measured: cannot beat the incumbent: at most 400.0 infer/s"), what);
    assert!(!text.contains(&format!("{name}: client batch size 1 not measured")), "{text}");
}

/// `skip_summary_reports` / `skip_detailed_reports` (Model Analyzer): `profile`
/// writes only the selected PDFs.
#[test]
fn report_selection_skips_summaries_or_detailed_reports() {
    let r = load("cpu_only.json");
    let only = |summaries: bool, detailed: bool, tag: &str| {
        let (dir, g) = out_dir(tag);
        let p = report::build_selected(&r, &dir, report::ReportSelection { summaries, detailed }).unwrap();
        let on_disk = |sub: &str| dir.join("reports").join(sub).exists();
        (p.summaries.len(), p.detailed.len(), on_disk("summaries"), on_disk("detailed"), g)
    };
    let (s, d, sd, dd, _g) = only(true, true, "sel_all");
    assert!(s > 0 && d > 0 && sd && dd);
    let (s, d, sd, dd, _g) = only(false, true, "sel_no_summary");
    assert!(s == 0 && d > 0 && !sd && dd, "{s} {d}");
    let (s, d, sd, dd, _g) = only(true, false, "sel_no_detailed");
    assert!(s > 0 && d == 0 && sd && !dd, "{s} {d}");
}

/// Model Analyzer's `report -n/--report-model-configs`: the detailed reports
/// of the named configs only (top or not), no summary; an unknown name is an
/// error listing the configs the results hold, before anything is written.
#[test]
fn report_model_configs_picks_the_detailed_reports() {
    let r = load("cpu_only.json");
    let (dir, _g) = out_dir("report_model_configs");
    let names = ["sleep_fixed_config_1".to_string(), "sleep_fixed_config_4".to_string()];
    let p = report::build_configs(&r, &dir, &names).unwrap();
    assert!(p.summaries.is_empty(), "Model Analyzer's report writes no summary");
    let written: Vec<PathBuf> = names.iter().map(|n| dir.join("reports/detailed").join(n).join("detailed_report.pdf")).collect();
    assert_eq!(p.detailed, written);
    let detailed = walk_pdfs(&dir.join("reports"));
    assert_eq!(detailed.len(), 2, "{detailed:?}");
    // A config outside the top ones gets its own report, said to be outside them.
    let text = pdf_text(&written[0]);
    has(&text, "Detailed report: sleep_fixed_config_1", "non-top config");
    has(&text, "not among the 3 top configs", "non-top config");
    has(&pdf_text(&written[1]), "rank 1 of 3 top configs", "top config");
    // Unknown names: refused with the known ones, nothing written.
    let (dir2, _g2) = out_dir("report_model_configs_unknown");
    let e = report::build_configs(&r, &dir2, &["sleep_fixed_config_1".into(), "resnet_config_0".into()]).unwrap_err().to_string();
    assert!(e.contains("unknown config resnet_config_0") && e.contains("sleep_fixed_config_default, sleep_fixed_config_0"), "{e}");
    assert!(!dir2.join("reports").exists());
    // The command line: -n, and report_model_configs from a Model Analyzer report YAML (exit 2 on an unknown name).
    std::fs::create_dir_all(dir2.join("results")).unwrap();
    std::fs::copy(fixture("cpu_only.json"), dir2.join("results/results.json")).unwrap();
    let cli = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_tritium")).arg("report").args(args).output().unwrap();
    let o = cli(&["-e", dir2.to_str().unwrap(), "-n", "sleep_fixed_config_2,sleep_fixed_config_default"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
    let yaml = dir2.join("report.yaml");
    std::fs::write(&yaml, format!("export_path: {}\nreport_model_configs:\n  - sleep_fixed_config_9\nplots: {{}}\n", dir2.display())).unwrap();
    let o = cli(&["-f", yaml.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown config sleep_fixed_config_9") && err.contains("notice: plots: not used by `tritium report`"), "{err}");
}

fn walk_pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_pdfs(&p));
        } else if p.extension().is_some_and(|x| x == "pdf") {
            out.push(p);
        }
    }
    out
}
