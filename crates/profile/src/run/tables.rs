//! The terminal tables of `profile`'s summary: each model's top configs and
//! the cross-model top list, every throughput and p99 latency with its 95 %
//! interval as "±2.1%" (the rule of `tritium bench`'s table,
//! [`plus_minus`]), and the configs statistically tied with #1 marked `≈`
//! with a footnote: a tie is said, never ranked. Then where the time went:
//! per config ([`time_table`]) and for the run ([`time_line`]).

use crate::results::{ConfigTime, ModelResults, ProfileResults, TimeAnatomy, TopConfigRecord};
use tritium_bench::stats::{plus_minus, Interval};

/// The marker of a row statistically tied with #1.
pub const TIE_MARK: &str = "≈";

/// "3456.7 ±2.1%": a throughput with its interval (just the number without one).
fn throughput_cell(value: f64, ci: Option<Interval>) -> String {
    format!("{value:.1}{}", plus_minus(value, ci))
}

/// "12.34 ±5.0%": a latency in ms with its interval (both in the same unit).
fn latency_cell(value_ms: f64, ci_ms: Option<Interval>) -> String {
    format!("{value_ms:.2}{}", plus_minus(value_ms, ci_ms))
}

/// The footnote under a table with `≈` rows.
pub fn tie_footnote(best: &str) -> String {
    format!("   {TIE_MARK} statistically tied with #1 ({best}): not ranked apart (the difference is within the 95 % intervals)\n")
}

/// The table of a model's top configs and its default, the rows in `rows`
/// order (`m.top`, then the default when it is not among them). A config
/// without a usable measurement shows why instead of numbers.
pub fn model_table(m: &ModelResults, rows: &[String]) -> String {
    // A request-rate model's level column says so (never "concurrency").
    let level_head = if m.measurements.iter().any(|r| r.request_rate.is_some()) { "request rate" } else { "concurrency" };
    let mut s = format!("   {:<2}{:<28} {:>9} {:>9} {:>5} {:>11} {:>18} {:>16}\n", "", "config", "instances", "max batch", "batch", level_head, "infer/s (±95%)", "p99 ms (±95%)");
    let best = m.top.first().filter(|b| m.has_result(b));
    let mut any_tie = false;
    for name in rows {
        let c = m.configs.iter().find(|c| &c.name == name);
        match (c, m.best_point(name)) {
            (Some(c), Some((r, p))) => {
                let tied = best.is_some_and(|b| b != name && m.tied(b, name));
                any_tie |= tied;
                let p99_ci = p.latency_ci.and_then(|l| l.p99).map(|i| Interval::new(i.lo / 1000.0, i.hi / 1000.0));
                s += &format!(
                    "   {:<2}{:<28} {:>9} {:>9} {:>5} {:>11} {:>18} {:>16}\n",
                    if tied { TIE_MARK } else { "" },
                    name,
                    format!("{}x{}", c.variant.instance_count, c.variant.instance_kind.trim_start_matches("KIND_")),
                    c.variant.max_batch_size,
                    r.batch_size,
                    r.level(),
                    throughput_cell(p.throughput, p.throughput_ci),
                    latency_cell(p.latency.p99_us / 1000.0, p99_ci)
                )
            }
            _ if !m.has_result(name) => {
                let why = c.and_then(|c| c.error.clone().map(|e| format!("failed to load: {e}"))).or_else(|| m.measurements.iter().filter(|r| &r.config == name).find_map(|r| r.failure_reason()));
                s += &format!("   {:<2}{name:<28} FAILED: {}\n", "", why.as_deref().unwrap_or("not measured"));
            }
            _ => s += &format!("   {:<2}{name:<28} (no measurement meets the constraints)\n", ""),
        }
    }
    if let (true, Some(b)) = (any_tie, best) {
        s += &tie_footnote(b);
    }
    s
}

/// True when the cross-model entry `t` is statistically tied with `first`
/// (either side of the recorded tie counts).
fn tied_with_first(first: &TopConfigRecord, t: &TopConfigRecord) -> bool {
    t.rank != first.rank && (first.tied_with.contains(&t.config) || t.tied_with.contains(&first.config))
}

/// The cross-model top list (`num_top_model_configs`); a rank tied with #1
/// is shown as `≈2`.
pub fn top_table(results: &ProfileResults) -> String {
    let list = &results.top_model_configs;
    let level_head = if list.iter().any(|t| t.request_rate.is_some()) { "load" } else { "concurrency" };
    let mut s = format!("   {:>5} {:<20} {:<28} {:>5} {:>11} {:>18} {:>16} {:>11}\n", "rank", "model", "config", "batch", level_head, "infer/s (±95%)", "p99 ms (±95%)", "constraints");
    let mut any_tie = false;
    for t in list {
        let tied = list.first().is_some_and(|f| tied_with_first(f, t));
        any_tie |= tied;
        s += &format!(
            "   {:>5} {:<20} {:<28} {:>5} {:>11} {:>18} {:>16} {:>11}\n",
            if tied { format!("{TIE_MARK}{}", t.rank) } else { t.rank.to_string() },
            t.model,
            t.config,
            t.batch_size,
            match t.request_rate {
                Some(r) => format!("{r} req/s"),
                None => t.concurrency.to_string(),
            },
            throughput_cell(t.throughput, t.throughput_ci),
            latency_cell(t.latency_p99_ms, t.latency_p99_ms_ci),
            if t.passes { "met" } else { "not met" }
        );
    }
    if let (true, Some(f)) = (any_tie, list.first()) {
        s += &tie_footnote(&f.config);
    }
    s
}

/// Where the time spent on each of a model's configs went: a row per
/// config with a time record (loads, seconds loading, unloading, warming up,
/// measuring and other, measurements) and the model's total; empty when no
/// config has one (files of older tritium).
pub fn time_table(m: &ModelResults) -> String {
    let rows: Vec<(&str, ConfigTime)> = m.configs.iter().filter_map(|c| c.time.map(|t| (c.name.as_str(), t))).collect();
    if rows.is_empty() {
        return String::new();
    }
    let line = |name: &str, t: &ConfigTime| {
        format!(
            "   {:<30} {:>5} {:>8.1} {:>8.1} {:>9.1} {:>9.1} {:>7.1} {:>12}\n",
            name, t.loads, t.load_seconds, t.unload_seconds, t.warmup_seconds, t.measure_seconds, t.other_seconds, t.measurements
        )
    };
    let mut s = format!("   {:<30} {:>5} {:>8} {:>8} {:>9} {:>9} {:>7} {:>12}\n", "time per config", "loads", "load s", "unload s", "warm-up s", "measure s", "other s", "measurements");
    let mut total = ConfigTime::default();
    for (name, t) in &rows {
        s += &line(name, t);
        total += t;
    }
    if rows.len() > 1 {
        s += &line("(all configs)", &total);
    }
    s
}

/// The run's time anatomy in one line ("== Time: 113.1 s = load 49.5 s
/// (44 %) + … + idle 3.5 s (3 %); 8 loads, 31 measurements", with the
/// sessions of a resumed run) and what idle holds.
pub fn time_line(t: &TimeAnatomy) -> String {
    let mut s = format!("\n== Time: {}; {} loads, {} measurements", t.sentence(), t.loads, t.measurements);
    if t.sessions > 1 {
        s += &format!(" (over {} sessions: resumed from the checkpoint)", t.sessions);
    }
    if t.partial {
        s += " (the time before resuming a checkpoint of an older tritium is not known, so not counted)";
    }
    s += "\n   idle: the wall time not spent loading, unloading, warming up or measuring (inputs, requests, checkpoints, search, output configs, CSV tables)\n";
    s
}

#[cfg(test)]
mod tests;
