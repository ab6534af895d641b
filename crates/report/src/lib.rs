//! `tritium report`: PDF reports from the `results.json` that
//! `tritium profile` writes, laid out as Model Analyzer's reports are.
//!
//! - `export_path/reports/summaries/<model>/result_summary.pdf`: the run
//!   (date, versions, hardware, constraints, objectives), one sentence
//!   comparing the best config with the default, throughput and memory
//!   against p99 latency for the top configs and the default, and their table;
//!   then where the run's time went (load, unload, warm-up, measure, idle;
//!   a stacked bar and a row per config), when results.json records it.
//! - `export_path/reports/detailed/<config>/detailed_report.pdf` for each top
//!   config: the server-side latency breakdown with throughput, GPU (or CPU)
//!   memory and utilization, per client batch size and concurrency, and every
//!   measurement.
//! - `export_path/reports/summaries/Best Configs Across All Models/result_summary.pdf`
//!   when the run ranked configs across models (`num_top_model_configs`,
//!   Model Analyzer's report of the same name): the cross-model top list.
//!
//! Drawing is done directly with printpdf ops ([`pdf`], [`chart`],
//! [`table`]) in the bundled DejaVu Sans, so all text is real text.
//! A config keeps its colour and marker in every plot and report.

#![forbid(unsafe_code)]

pub mod chrome;

pub mod chart;
pub mod pdf;
pub mod table;

mod detailed;
mod flow;
mod summary;
mod time;

use std::path::{Path, PathBuf};

use serde_json::Value;

use tritium_bench::export::LoadPoint;
use tritium_bench::stats::{plus_minus, Interval};
use tritium_triton::error::{Error, Result};
use tritium_profile::results::{ConfigRecord, MeasurementRecord, ModelResults, ProfileResults};
use pdf::{Rgb, Shape};

/// The reports written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportPaths {
    /// One summary per model.
    pub summaries: Vec<PathBuf>,
    /// One detailed report per top config.
    pub detailed: Vec<PathBuf>,
}

impl ReportPaths {
    /// Every file, summaries first.
    pub fn all(&self) -> impl Iterator<Item = &PathBuf> {
        self.summaries.iter().chain(self.detailed.iter())
    }
}

/// Headers of the summary table, `\n` between the two lines of a header
/// (GPU columns, or CPU RAM / CPU utilization when the run has no GPU data).
pub fn summary_headers(gpu: bool) -> Vec<String> {
    summary::headers(gpu)
}

/// Headers of the detailed report's measurement table (as [`summary_headers`]).
pub fn detailed_headers(gpu: bool) -> Vec<String> {
    detailed::headers(gpu)
}

/// Headers of the summary's "Where the time went" table (as [`summary_headers`]).
pub fn time_headers() -> Vec<String> {
    time::headers()
}

/// Folder name of the cross-model summary (Model Analyzer's
/// `TOP_MODELS_REPORT_KEY`).
pub const TOP_MODELS_REPORT_KEY: &str = "Best Configs Across All Models";

/// Headers of the cross-model summary's table (as [`summary_headers`]).
pub fn top_configs_headers() -> Vec<String> {
    summary::top_headers()
}

/// Where `tritium profile` writes its results under `export_path`.
pub fn results_path(export_path: &Path) -> PathBuf {
    export_path.join("results").join("results.json")
}

/// Reads a `results.json`; errors name the file and say what to do.
pub fn load_results(path: &Path) -> Result<ProfileResults> {
    match ProfileResults::read(path) {
        Ok(r) => Ok(r),
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Err(Error::InvalidArgument(format!(
            "{}: no such file; `tritium report` reads the results.json that `tritium profile` writes to <export_path>/results/ (run the profile first, or pass its export path)",
            path.display()
        ))),
        Err(Error::Io { source, .. }) => Err(Error::InvalidArgument(format!("{}: cannot read the profile results: {source}", path.display()))),
        Err(Error::Json { source, .. }) => Err(Error::InvalidArgument(format!(
            "{}: not a valid tritium results.json ({source}); the file is corrupt or truncated, re-run `tritium profile`",
            path.display()
        ))),
        Err(e) => Err(e),
    }
}

/// Reads `export_path/results/results.json` and writes every report under
/// `export_path/reports/`.
pub fn build_reports(export_path: &Path) -> Result<ReportPaths> {
    let results = load_results(&results_path(export_path))?;
    build_from(&results, export_path)
}

/// Writes every report of `results` under `export_path/reports/`.
pub fn build_from(results: &ProfileResults, export_path: &Path) -> Result<ReportPaths> {
    build_selected(results, export_path, ReportSelection::default())
}

/// Which reports [`build_selected`] writes (Model Analyzer's
/// `skip_summary_reports` / `skip_detailed_reports`, inverted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportSelection {
    /// Write the summary PDFs (per model, and across models).
    pub summaries: bool,
    /// Write the detailed PDFs (one per config).
    pub detailed: bool,
}

impl Default for ReportSelection {
    /// Every report.
    fn default() -> Self {
        ReportSelection { summaries: true, detailed: true }
    }
}

/// Writes the selected reports of `results` under `export_path/reports/`.
pub fn build_selected(results: &ProfileResults, export_path: &Path, which: ReportSelection) -> Result<ReportPaths> {
    let mut out = ReportPaths::default();
    if results.models.is_empty() {
        return Err(Error::InvalidArgument("the profile results hold no model: nothing to report".to_string()));
    }
    let root = export_path.join("reports");
    for m in &results.models {
        let view = ModelView::new(m);
        if which.summaries {
            let path = root.join("summaries").join(file_name(&m.model)).join("result_summary.pdf");
            let bytes = summary::render(results, &view, &path.display().to_string())?;
            write(&path, &bytes)?;
            out.summaries.push(path);
        }
        if !which.detailed {
            continue;
        }
        for (rank, name) in view.ranked.iter().enumerate() {
            let path = root.join("detailed").join(file_name(name)).join("detailed_report.pdf");
            let bytes = detailed::render(results, &view, name, Some(rank), &path.display().to_string())?;
            write(&path, &bytes)?;
            out.detailed.push(path);
        }
    }
    if which.summaries && !results.top_model_configs.is_empty() {
        let path = root.join("summaries").join(TOP_MODELS_REPORT_KEY).join("result_summary.pdf");
        let bytes = summary::render_top(results, &path.display().to_string())?;
        write(&path, &bytes)?;
        out.summaries.push(path);
    }
    Ok(out)
}

/// Model Analyzer's `report -n/--report-model-configs`: writes the detailed
/// report of each named config (any measured config, top or not) under
/// `export_path/reports/detailed/<config>/`, and no summary (Model Analyzer's
/// `report` writes detailed reports only). Every name is checked before
/// anything is written: an unknown one is an error listing the configs the
/// results hold.
pub fn build_configs(results: &ProfileResults, export_path: &Path, configs: &[String]) -> Result<ReportPaths> {
    let model_of = |name: &str| results.models.iter().find(|m| m.configs.iter().any(|c| c.name == name) || m.measurements.iter().any(|r| r.config == name));
    let unknown: Vec<&str> = configs.iter().map(String::as_str).filter(|n| model_of(n).is_none()).collect();
    if configs.is_empty() || !unknown.is_empty() {
        let known: Vec<&str> = results.models.iter().flat_map(|m| m.configs.iter().map(|c| c.name.as_str())).collect();
        let what = if configs.is_empty() { "no config named".to_string() } else { format!("unknown config{} {}", if unknown.len() > 1 { "s" } else { "" }, unknown.join(", ")) };
        return Err(Error::InvalidArgument(format!("report_model_configs: {what}; the results hold: {}", known.join(", "))));
    }
    let mut out = ReportPaths::default();
    let root = export_path.join("reports");
    let mut done: Vec<&str> = Vec::new();
    for name in configs.iter().map(String::as_str) {
        if done.contains(&name) {
            continue;
        }
        done.push(name);
        let Some(m) = model_of(name) else { continue };
        let view = ModelView::with_config(m, name);
        let rank = view.ranked.iter().position(|n| *n == name);
        let path = root.join("detailed").join(file_name(name)).join("detailed_report.pdf");
        let bytes = detailed::render(results, &view, name, rank, &path.display().to_string())?;
        write(&path, &bytes)?;
        out.detailed.push(path);
    }
    Ok(out)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    tritium_util::write_atomic(path, bytes).map_err(|e| Error::io(path, e))
}

/// A model or config name as one path component.
fn file_name(name: &str) -> String {
    let s: String = name.chars().map(|c| if c == '/' || c == '\\' || c == '\0' { '_' } else { c }).collect();
    if s.is_empty() || s == "." || s == ".." {
        format!("_{s}")
    } else {
        s
    }
}

// ---------------------------------------------------------------------------
// What the reports show of a model
// ---------------------------------------------------------------------------

/// Tableau 10 without its gray (the default config's) and red (broken
/// constraints, limits and failures are red).
const PALETTE: [u32; 8] = [0x4E79A7, 0xF28E2B, 0x59A14F, 0xB07AA1, 0x76B7B2, 0xEDC948, 0x9C755F, 0xFF9DA7];
/// Background of table rows that broke a constraint or failed.
pub(crate) const BROKEN: Rgb = Rgb::hex(0xFBE3E3);
const DEFAULT_COLOR: Rgb = Rgb::hex(0x555555);
const SHAPES: [Shape; 5] = [Shape::Circle, Shape::Square, Shape::Triangle, Shape::Diamond, Shape::TriangleDown];

/// One measurement with numbers.
pub(crate) type Point<'a> = (&'a MeasurementRecord, &'a LoadPoint);

/// A config as the reports show it.
pub(crate) struct Shown<'a> {
    pub name: &'a str,
    pub config: Option<&'a ConfigRecord>,
    pub color: Rgb,
    pub shape: Shape,
    /// Position among the ranked configs (None: the default, or a config
    /// without a successful measurement, not ranked).
    pub rank: Option<usize>,
    pub is_default: bool,
    /// Successful measurements, by client batch size then concurrency.
    pub points: Vec<Point<'a>>,
    /// The row of the tables: highest throughput meeting the constraints,
    /// else highest throughput.
    pub chosen: Option<Point<'a>>,
    /// No measurement of this config met the constraints.
    pub broke: bool,
    /// Statistically tied with the best config (not the best itself): the
    /// reports share the best's highlight with it and never rank them apart.
    pub tied_with_best: bool,
}

/// A model's data for the reports.
pub(crate) struct ModelView<'a> {
    pub m: &'a ModelResults,
    /// The top configs that have a successful measurement, best first (a
    /// results.json of an older tritium may list a failed config in `top`:
    /// it is shown as FAILED, never ranked).
    pub ranked: Vec<&'a str>,
    /// Top configs (best first), then the default when it is not among them.
    pub shown: Vec<Shown<'a>>,
    /// Some measurement carries GPU memory (else CPU RAM and CPU % are shown).
    pub gpu: bool,
}

impl<'a> ModelView<'a> {
    pub fn new(m: &'a ModelResults) -> Self {
        Self::with_extra(m, None)
    }

    /// The view with config `name` shown too (after the top configs and the
    /// default), for its detailed report when it is not a top config.
    pub fn with_config(m: &'a ModelResults, name: &'a str) -> Self {
        Self::with_extra(m, Some(name))
    }

    fn with_extra(m: &'a ModelResults, extra: Option<&'a str>) -> Self {
        let ranked: Vec<&str> = m.top.iter().map(String::as_str).filter(|n| m.has_result(n)).collect();
        let mut names: Vec<&str> = m.top.iter().map(String::as_str).collect();
        if !names.contains(&m.default_config.as_str())
            && (m.configs.iter().any(|c| c.name == m.default_config) || m.measurements.iter().any(|r| r.config == m.default_config))
        {
            names.push(&m.default_config);
        }
        if let Some(x) = extra.filter(|x| !names.contains(x)) {
            names.push(x);
        }
        let mut palette_i = 0;
        let shown = names
            .iter()
            .enumerate()
            .map(|(i, &name)| {
                let is_default = name == m.default_config;
                let color = if is_default {
                    DEFAULT_COLOR
                } else {
                    palette_i += 1;
                    Rgb::hex(PALETTE[(palette_i - 1) % PALETTE.len()])
                };
                let points = points_of(m, name);
                let passing = m.best_point(name);
                let any = points.iter().max_by(|a, b| a.1.throughput.total_cmp(&b.1.throughput)).copied();
                Shown {
                    name,
                    config: m.configs.iter().find(|c| c.name == name),
                    color,
                    shape: SHAPES[i % SHAPES.len()],
                    rank: ranked.iter().position(|t| *t == name),
                    is_default,
                    chosen: passing.or(any),
                    broke: passing.is_none() && any.is_some(),
                    tied_with_best: ranked.first().is_some_and(|b| *b != name && m.tied(b, name)),
                    points,
                }
            })
            .collect();
        let gpu = m.measurements.iter().filter_map(|r| r.point.as_ref()).any(|p| p.resources.gpu_memory_used_mb.is_some());
        ModelView { m, ranked, shown, gpu }
    }

    /// The shown config `name`.
    pub fn get(&self, name: &str) -> Option<&Shown<'a>> {
        self.shown.iter().find(|s| s.name == name)
    }

    /// Some shown config is statistically tied with the best.
    pub fn any_tie_with_best(&self) -> bool {
        self.shown.iter().any(|s| s.tied_with_best)
    }

    /// The 95 % interval of [`memory`](Self::memory) (GPU memory only, when
    /// the measurement carries one).
    pub fn memory_ci(&self, r: &MeasurementRecord, p: &LoadPoint) -> Option<Interval> {
        if !self.gpu {
            return None;
        }
        let c = self.m.configs.iter().find(|c| c.name == r.config)?;
        tritium_profile::results::to_measurement(&c.key, r.level(), p).gpu_memory_ci
    }

    /// Memory of a point (GPU memory, or RSS without GPU data), MB.
    pub fn memory(&self, p: &LoadPoint) -> Option<f64> {
        if self.gpu {
            p.resources.gpu_memory_used_mb
        } else {
            p.resources.rss_mb
        }
    }

    /// Utilization of a point (GPU, or CPU without GPU data), %.
    pub fn utilization(&self, p: &LoadPoint) -> Option<f64> {
        if self.gpu {
            p.resources.gpu_utilization_pct
        } else {
            p.resources.cpu_util_pct
        }
    }

    /// "GPU memory" / "CPU RAM".
    pub fn memory_name(&self) -> &'static str {
        if self.gpu {
            "GPU memory"
        } else {
            "CPU RAM"
        }
    }

    /// "GPU utilization" / "CPU utilization".
    pub fn utilization_name(&self) -> &'static str {
        if self.gpu {
            "GPU utilization"
        } else {
            "CPU utilization"
        }
    }
}

/// Successful measurements of `config`, by client batch size then concurrency.
fn points_of<'a>(m: &'a ModelResults, config: &str) -> Vec<Point<'a>> {
    let mut v: Vec<Point<'a>> = m.points_of(config).collect();
    v.sort_by_key(|(r, _)| (r.batch_size, r.level()));
    v
}

/// The 95 % interval of a point's p99 latency, in ms.
pub(crate) fn p99_ci_ms(p: &LoadPoint) -> Option<Interval> {
    p.latency_ci.and_then(|l| l.p99).map(|i| Interval::new(i.lo / 1000.0, i.hi / 1000.0))
}

/// "3456.7 ±2.1%": a value with `decimals` decimals and its 95 % interval
/// (the rule of the terminal tables, [`plus_minus`]); the bare number
/// without an interval.
pub(crate) fn with_pm(value: f64, decimals: usize, ci: Option<Interval>) -> String {
    format!("{value:.decimals$}{}", plus_minus(value, ci))
}

/// "concurrency 16" (or "request rate 32") for batch size 1, else "batch
/// size 4, concurrency 16".
pub(crate) fn load_text(r: &MeasurementRecord) -> String {
    if r.batch_size == 1 {
        r.load_label()
    } else {
        format!("batch size {}, {}", r.batch_size, r.load_label())
    }
}

/// True when `m` was profiled with request rate (its load column is a
/// rate, never called a concurrency).
pub(crate) fn is_rate_model(m: &ModelResults) -> bool {
    m.measurements.iter().any(|r| r.request_rate.is_some())
}

/// `headers` with the "Concurrency" column renamed for a request-rate model.
pub(crate) fn with_load_header(mut headers: Vec<String>, rate: bool) -> Vec<String> {
    if rate {
        for h in headers.iter_mut().filter(|h| h.as_str() == "Concurrency") {
            *h = "Request rate\n(req/s)".to_string();
        }
    }
    headers
}

// ---------------------------------------------------------------------------
// Text shared by the reports
// ---------------------------------------------------------------------------

/// "3 × CPU"; for an ensemble each composing model's: "pre 4:cpu, net 1:gpu".
pub(crate) fn instances(c: &ConfigRecord) -> String {
    if !c.variant.composing.is_empty() {
        return c.variant.instance_group_label();
    }
    format!("{} × {}", c.variant.instance_count, c.variant.instance_kind.trim_start_matches("KIND_"))
}

/// "3 CPU instances, max batch size 8, dynamic batching on".
/// For an ensemble: "ensemble max batch size 8; pre 4:cpu max batch 8, net 1:gpu max batch 4".
pub(crate) fn describe(c: &ConfigRecord) -> String {
    if !c.variant.composing.is_empty() {
        let parts: Vec<String> = c.variant.composing.iter().map(|m| format!("{} {}:{} max batch {}", m.name, m.instance_count, m.instance_kind.trim_start_matches("KIND_").to_lowercase(), m.max_batch_size)).collect();
        return format!("ensemble max batch size {}; {}", c.variant.max_batch_size, parts.join(", "));
    }
    let n = c.variant.instance_count;
    let mut s = format!(
        "{n} {} instance{}, max batch size {}, dynamic batching {}",
        c.variant.instance_kind.trim_start_matches("KIND_"),
        if n == 1 { "" } else { "s" },
        c.variant.max_batch_size,
        if c.variant.dynamic_batching { "on" } else { "off" }
    );
    if !c.variant.manual.is_empty() {
        let kv: Vec<String> = c.variant.manual.iter().map(|(k, v)| format!("{k} = {}", compact(v))).collect();
        s += &format!(", {}", kv.join(", "));
    }
    s
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "2026-11-28 17:41:41 UTC" from RFC 3339.
pub(crate) fn date(started_at: &str) -> String {
    match started_at.strip_suffix('Z').and_then(|s| s.split_once('T')) {
        Some((d, t)) => format!("{d} {t} UTC"),
        None if started_at.is_empty() => "unknown date".to_string(),
        None => started_at.to_string(),
    }
}

/// The hardware from `machine` ("host, N CPUs, GPU names or CPU only").
pub(crate) fn hardware(machine: &str) -> String {
    let parts: Vec<&str> = machine.split(", ").collect();
    if parts.len() >= 3 && parts[1].ends_with(" CPUs") {
        let host = parts[0];
        let cpus = parts[1];
        let devices = &parts[2..];
        if devices == ["CPU only"] {
            return format!("CPU only ({cpus}, host {host})");
        }
        // Group identical GPU names: "2 × NVIDIA H200".
        let mut groups: Vec<(&str, usize)> = Vec::new();
        for d in devices {
            match groups.iter_mut().find(|(n, _)| n == d) {
                Some(g) => g.1 += 1,
                None => groups.push((d, 1)),
            }
        }
        let gpus: Vec<String> = groups.iter().map(|(n, c)| if *c == 1 { n.to_string() } else { format!("{c} × {n}") }).collect();
        return format!("GPU: {} ({cpus}, host {host})", gpus.join(", "));
    }
    if machine.is_empty() {
        "unknown".to_string()
    } else {
        machine.to_string()
    }
}

/// (display name, unit, higher is better) of a Model Analyzer metric tag.
fn metric(tag: &str) -> (String, &'static str, bool) {
    let (name, unit, up) = match tag {
        "perf_throughput" => ("throughput", "infer/s", true),
        "perf_latency_p99" => ("p99 latency", "ms", false),
        "perf_latency" => ("p99 latency", "ms", false),
        "perf_latency_p95" => ("p95 latency", "ms", false),
        "perf_latency_p90" => ("p90 latency", "ms", false),
        "perf_latency_p50" => ("p50 latency", "ms", false),
        "perf_latency_avg" => ("average latency", "ms", false),
        "gpu_used_memory" => ("GPU memory", "MB", false),
        "cpu_used_ram" => ("CPU RAM", "MB", false),
        "gpu_utilization" => ("GPU utilization", "%", true),
        "gpu_power_usage" => ("GPU power", "W", false),
        other => return (other.to_string(), "", false),
    };
    (name.to_string(), unit, up)
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A bound of the constraints: (metric tag, min, max).
pub(crate) type Bound = (String, Option<f64>, Option<f64>);

/// The constraints as bounds: from the JSON object form
/// (`{"perf_latency_p99": {"max": 50}}`) or the `Constraints { .. }` debug
/// text results.json holds.
pub(crate) fn constraint_bounds(c: &Value) -> Vec<Bound> {
    match c {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| {
                let min = v.get("min").and_then(Value::as_f64);
                let max = v.get("max").and_then(Value::as_f64);
                (min.is_some() || max.is_some()).then(|| (k.clone(), min, max))
            })
            .collect(),
        Value::String(s) => parse_debug_bounds(s),
        _ => Vec::new(),
    }
}

fn parse_debug_bounds(s: &str) -> Vec<Bound> {
    let mut out = Vec::new();
    let marker = ": Some(Bound {";
    let mut rest = s;
    while let Some(i) = rest.find(marker) {
        let key: String = rest[..i].chars().rev().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<Vec<_>>().into_iter().rev().collect();
        let after = &rest[i + marker.len()..];
        let end = after.find('}').unwrap_or(after.len());
        let body = &after[..end];
        let field = |name: &str| -> Option<f64> {
            let j = body.find(&format!("{name}: Some("))?;
            let v = &body[j + name.len() + 7..];
            v[..v.find(')')?].trim().parse().ok()
        };
        if !key.is_empty() {
            out.push((key, field("min"), field("max")));
        }
        rest = &after[end..];
    }
    out
}

/// "p99 latency ≤ 50 ms; GPU memory ≤ 42000 MB (not applied: not measured on this machine)".
pub(crate) fn constraints_text(c: &Value, unapplied: &[String]) -> String {
    let bounds = constraint_bounds(c);
    if bounds.is_empty() {
        return match c {
            Value::String(s) if !s.is_empty() && !s.contains("Constraints {") => s.clone(),
            _ => "none".to_string(),
        };
    }
    let parts: Vec<String> = bounds
        .iter()
        .map(|(k, min, max)| {
            let (name, unit, _) = metric(k);
            let u = if unit.is_empty() { String::new() } else { format!(" {unit}") };
            let mut t = match (min, max) {
                (Some(a), Some(b)) => format!("{} ≤ {name} ≤ {}{u}", num(*a), num(*b)),
                (Some(a), None) => format!("{name} ≥ {}{u}", num(*a)),
                (None, Some(b)) => format!("{name} ≤ {}{u}", num(*b)),
                (None, None) => name,
            };
            if unapplied.iter().any(|x| x == k) {
                t += " (not applied: not measured on this machine)";
            }
            t
        })
        .collect();
    parts.join("; ")
}

/// "maximize throughput (weight 10)".
pub(crate) fn objectives_text(o: &Value) -> String {
    let mut weights: Vec<(String, f64)> = Vec::new();
    match o {
        Value::Object(map) => {
            let w = map.get("weights").and_then(Value::as_object).unwrap_or(map);
            for (k, v) in w {
                if let Some(x) = v.as_f64() {
                    weights.push((k.clone(), x));
                }
            }
        }
        Value::String(s) => {
            // `Objectives { weights: {"perf_throughput": 10.0} }`
            let mut rest = s.as_str();
            while let Some(a) = rest.find('"') {
                let after = &rest[a + 1..];
                let Some(b) = after.find('"') else { break };
                let key = &after[..b];
                let tail = after[b + 1..].trim_start();
                if let Some(t) = tail.strip_prefix(':') {
                    let t = t.trim_start();
                    let end = t.find([',', '}']).unwrap_or(t.len());
                    if let Ok(x) = t[..end].trim().parse::<f64>() {
                        weights.push((key.to_string(), x));
                    }
                }
                rest = &after[b + 1..];
            }
            if weights.is_empty() && !s.is_empty() {
                return s.clone();
            }
        }
        _ => {}
    }
    if weights.is_empty() {
        return "none".to_string();
    }
    weights
        .iter()
        .map(|(k, w)| {
            let (name, _, up) = metric(k);
            format!("{} {name} (weight {})", if up { "maximize" } else { "minimize" }, num(*w))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_from_debug_text_and_json() {
        let s = "Constraints { perf_throughput: Some(Bound { min: Some(100.0), max: None }), perf_latency_p99: Some(Bound { min: None, max: Some(50.0) }), gpu_used_memory: Some(Bound { min: None, max: Some(42000.5) }), cpu_used_ram: None }";
        let b = constraint_bounds(&Value::String(s.into()));
        assert_eq!(
            b,
            vec![("perf_throughput".into(), Some(100.0), None), ("perf_latency_p99".into(), None, Some(50.0)), ("gpu_used_memory".into(), None, Some(42000.5))]
        );
        let t = constraints_text(&Value::String(s.into()), &["gpu_used_memory".into()]);
        assert_eq!(t, "throughput ≥ 100 infer/s; p99 latency ≤ 50 ms; GPU memory ≤ 42000.5 MB (not applied: not measured on this machine)");
        let j = serde_json::json!({"perf_latency_p95": {"max": 10}});
        assert_eq!(constraints_text(&j, &[]), "p95 latency ≤ 10 ms");
        assert_eq!(constraints_text(&Value::String("Constraints { perf_throughput: None }".into()), &[]), "none");
    }

    #[test]
    fn objectives_from_debug_text_and_json() {
        assert_eq!(
            objectives_text(&Value::String("Objectives { weights: {\"perf_latency_p99\": 2.0, \"perf_throughput\": 10.0} }".into())),
            "minimize p99 latency (weight 2), maximize throughput (weight 10)"
        );
        assert_eq!(objectives_text(&serde_json::json!({"weights": {"perf_throughput": 10}})), "maximize throughput (weight 10)");
    }

    #[test]
    fn hardware_and_date() {
        assert_eq!(hardware("vm, 2 CPUs, CPU only"), "CPU only (2 CPUs, host vm)");
        assert_eq!(hardware("h, 64 CPUs, NVIDIA H200, NVIDIA H200"), "GPU: 2 × NVIDIA H200 (64 CPUs, host h)");
        assert_eq!(hardware("odd"), "odd");
        assert_eq!(date("2026-11-28T17:41:41Z"), "2026-11-28 17:41:41 UTC");
    }

    #[test]
    fn nice_axes() {
        assert_eq!(chart::nice_step(0.7), 1.0);
        assert_eq!(chart::nice_step(1800.0), 2000.0);
        let a = chart::Axis::covering([2.3, 9.4], true, 5, "ms");
        assert_eq!((a.min, a.max, a.step), (0.0, 12.0, 2.0));
        let one = chart::Axis::covering([5.0], true, 5, "ms");
        assert!(one.max > 5.0 && one.min == 0.0);
        assert_eq!(file_name("a/b"), "a_b");
    }
}

#[cfg(test)]
mod profile_json {
    use std::path::Path;

    use tritium_profile::config::ProfileConfig;
    use tritium_profile::run::{constraints_json, objectives_json};

    #[test]
    fn reads_the_constraints_and_objectives_profile_writes() {
        let cfg = ProfileConfig::from_yaml_str(
            "model_repository: /r\nprofile_models: [a]\nconstraints:\n  perf_latency_p99: {max: 50}\n  perf_throughput: {min: 12.5}\nobjectives: {perf_throughput: 10, perf_latency_p99: 2}\n",
            Path::new("c.yaml"),
        )
        .unwrap();
        assert_eq!(super::constraints_text(&constraints_json(&cfg.constraints), &[]), "p99 latency ≤ 50 ms; throughput ≥ 12.5 infer/s");
        assert_eq!(super::objectives_text(&objectives_json(&cfg.objectives)), "minimize p99 latency (weight 2), maximize throughput (weight 10)");
    }
}
