//! The summary's tables: "±" beside throughput and p99, `≈` on ties with #1.

use std::path::{Path, PathBuf};

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results").join(name)
}

fn rows_of(m: &ModelResults) -> Vec<String> {
    let mut rows = m.top.clone();
    if !rows.contains(&m.default_config) {
        rows.push(m.default_config.clone());
    }
    rows
}

#[test]
fn model_table_shows_intervals_and_marks_ties_with_the_best() {
    let r = ProfileResults::read(&fixture("intervals.json")).unwrap();
    let m = &r.models[1];
    let t = model_table(m, &rows_of(m));
    let line = |name: &str| t.lines().find(|l| l.split_whitespace().any(|w| w == name)).unwrap_or_else(|| panic!("{name}: {t}")).to_string();
    // The best: its throughput and p99 with bench's "±" rule, no tie marker.
    let (br, bp) = m.best_point(&m.top[0]).unwrap();
    let best = line(&m.top[0]);
    assert!(best.contains(&format!("{:.1}{}", bp.throughput, plus_minus(bp.throughput, bp.throughput_ci))), "{best}");
    assert!(best.contains(" ±8.0%") && best.contains(" ±9.0%"), "throughput ±8 %, p99 +9 %: {best}");
    assert!(!best.contains(TIE_MARK) && best.contains(&br.concurrency.to_string()), "{best}");
    // The second is tied with it: marked, and the footnote says so.
    assert!(line(&m.top[1]).trim_start().starts_with(&format!("{TIE_MARK} {}", m.top[1])), "{t}");
    assert!(!line(&m.top[2]).contains(TIE_MARK), "{t}");
    assert!(t.ends_with(&tie_footnote(&m.top[0])), "{t}");
    assert!(t.contains("≈ statistically tied with #1 (add_sub_config_default): not ranked apart"), "{t}");
}

#[test]
fn without_intervals_the_table_is_plain() {
    let r = ProfileResults::read(&fixture("cpu_only.json")).unwrap();
    let m = &r.models[0];
    let t = model_table(m, &rows_of(m));
    assert!(!t.lines().skip(1).any(|l| l.contains('±')) && !t.contains(TIE_MARK), "{t}");
    let (_, p) = m.best_point(&m.top[0]).unwrap();
    assert!(t.contains(&format!("{:.1}", p.throughput)) && t.contains(&format!("{:.2}", p.latency.p99_us / 1000.0)), "{t}");
}

#[test]
fn failed_configs_show_why_not_numbers() {
    let r = ProfileResults::read(&fixture("failed_config.json")).unwrap();
    let m = &r.models[0];
    let t = model_table(m, &m.configs.iter().map(|c| c.name.clone()).collect::<Vec<_>>());
    assert!(t.lines().any(|l| l.contains("FAILED: failed to load")), "{t}");
}

#[test]
fn top_table_marks_ranks_tied_with_the_first() {
    let r = ProfileResults::read(&fixture("intervals.json")).unwrap();
    let t = top_table(&r);
    let list = &r.top_model_configs;
    let row = |config: &str| t.lines().find(|l| l.contains(config)).unwrap().to_string();
    assert!(row(&list[0].config).trim_start().starts_with("1 "), "{t}");
    assert!(row(&list[1].config).trim_start().starts_with(&format!("{TIE_MARK}2 ")), "{t}");
    assert!(row(&list[2].config).trim_start().starts_with("3 "), "{t}");
    assert!(row(&list[0].config).contains(&format!("{:.1} ±8.0%", list[0].throughput)), "{t}");
    assert!(row(&list[0].config).contains(&format!("{:.2} ±9.0%", list[0].latency_p99_ms)), "{t}");
    assert!(t.ends_with(&tie_footnote(&list[0].config)), "{t}");
    // No ties recorded: no marker, no footnote.
    let mut plain = r.clone();
    plain.top_model_configs.iter_mut().for_each(|x| x.tied_with.clear());
    let t = top_table(&plain);
    assert!(!t.contains(TIE_MARK), "{t}");
}

#[test]
fn time_table_has_a_row_per_timed_config_and_the_total() {
    let mut r = ProfileResults::read(&fixture("cpu_only.json")).unwrap();
    assert_eq!(time_table(&r.models[0]), "", "an older file has no time records");
    let m = &mut r.models[0];
    m.configs[0].time = Some(ConfigTime { loads: 1, load_seconds: 5.0, unload_seconds: 0.5, warmup_seconds: 1.0, measure_seconds: 6.0, other_seconds: 0.25, measurements: 3 });
    m.configs[1].time = Some(ConfigTime { loads: 2, load_seconds: 7.0, unload_seconds: 1.0, warmup_seconds: 2.0, measure_seconds: 4.0, other_seconds: 0.5, measurements: 2 });
    let t = time_table(m);
    let lines: Vec<Vec<&str>> = t.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines.len(), 4, "header, two configs, the total: {t}");
    assert_eq!(lines[1], vec![m.configs[0].name.as_str(), "1", "5.0", "0.5", "1.0", "6.0", "0.2", "3"], "{t}");
    assert_eq!(lines[3], vec!["(all", "configs)", "3", "12.0", "1.5", "3.0", "10.0", "0.8", "5"], "{t}");
    for h in ["loads", "load s", "warm-up s", "measure s", "measurements"] {
        assert!(t.lines().next().unwrap().contains(h), "{h}: {t}");
    }
}

#[test]
fn time_line_splits_the_wall_time_and_says_resumes() {
    let mut t = TimeAnatomy { load_seconds: 49.5, unload_seconds: 2.0, warmup_seconds: 8.0, measure_seconds: 52.1, loads: 8, measurements: 31, sessions: 1, ..Default::default() };
    t.close(113.1);
    let s = time_line(&t);
    assert!(s.contains("== Time: 113.1 s = load 49.5 s (44 %) + unload 2.0 s (2 %) + warm-up 8.0 s (7 %) + measure 52.1 s (46 %) + idle 1.5 s (1 %); 8 loads, 31 measurements\n"), "{s}");
    assert!(!s.contains("sessions") && !s.contains("older tritium"), "{s}");
    t.sessions = 2;
    t.partial = true;
    let s = time_line(&t);
    assert!(s.contains("(over 2 sessions: resumed from the checkpoint)") && s.contains("older tritium"), "{s}");
}
