//! `tritium bench --repeat N` (issue 12 item 5): runs 2..=N of the whole set
//! of load levels in the same server (models stay loaded), their tables, the
//! between-run spread ([`tritium_bench::repeat`]) and the additive `repeat`
//! section of `--json`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use tritium_bench::export::{self, BenchReport};
use tritium_bench::repeat::{self, RepeatSummary};
use tritium_bench::BenchRun;
use tritium_triton::Result;

/// Runs 2..=`n` with `once` (run 1 is the caller's), one after another;
/// stops at an interrupt or at a failed run (said on stderr). Returns the
/// reports of the runs that completed.
pub fn more_runs(n: u32, interrupt: &AtomicBool, mut once: impl FnMut() -> Result<BenchRun>) -> Vec<BenchReport> {
    let mut out = Vec::new();
    for i in 2..=n {
        if interrupt.load(Ordering::SeqCst) {
            break;
        }
        eprintln!("repeat: run {i} of {n}");
        match once() {
            Ok(r) => out.push(r.report),
            Err(e) => {
                eprintln!("repeat: run {i} of {n} failed, spread over the runs before it: {e}");
                break;
            }
        }
    }
    out
}

/// Prints the tables of runs 2.. (`table` renders one) and the between-run
/// spread; `None` (nothing printed) when `n` is 1.
pub fn report(n: u32, first: &BenchReport, later: &[BenchReport], table: impl Fn(&BenchReport) -> String) -> Option<RepeatSummary> {
    if n <= 1 {
        return None;
    }
    for (i, r) in later.iter().enumerate() {
        print!("\nrun {} of {n}:\n{}", i + 2, table(r));
    }
    let runs: Vec<Vec<export::LoadPoint>> = std::iter::once(first).chain(later).map(|r| r.points.clone()).collect();
    let s = repeat::summarize(n, &runs);
    print!("\n{}", repeat::table(&s));
    Some(s)
}

/// Writes `--json`: the first run's report as always, plus a `repeat`
/// section when there is a summary (the schema only grows).
pub fn write_json(report: &BenchReport, summary: Option<&RepeatSummary>, path: &Path) -> std::io::Result<()> {
    let Some(s) = summary else { return export::write_json(report, path) };
    let mut v = serde_json::to_value(report).map_err(std::io::Error::other)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("repeat".into(), serde_json::to_value(s).map_err(std::io::Error::other)?);
    }
    let mut bytes = serde_json::to_vec_pretty(&v).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    tritium_util::fs::write_atomic(path, &bytes)
}
