//! The summary report of one model.

use super::chart::{self, Axis, ErrorBars, Frame, Key, RefLine, Series};
use super::flow::Flow;
use super::pdf::{Align, GRAY, MARGIN, RED};
use super::table::{Row, Table};
use super::BROKEN;
use super::{constraint_bounds, constraints_text, date, describe, hardware, instances, load_text, objectives_text, p99_ci_ms, with_pm, ModelView, Shown};
use tritium_triton::error::Result;
use tritium_profile::results::{ModelStatus, ProfileResults, TopConfigRecord};

/// Headers of the summary table (`\n` separates the two lines of a header).
pub fn headers(gpu: bool) -> Vec<String> {
    let (mem, util) = if gpu { ("GPU memory\n(MB)", "GPU utilization\n(%)") } else { ("CPU RAM\n(MB)", "CPU utilization\n(%)") };
    [
        "Rank",
        "Config",
        "Max batch\nsize",
        "Dynamic\nbatching",
        "Instances",
        "Batch",
        "Concurrency",
        "p99 latency\n(ms)",
        "Throughput\n(infer/s)",
        mem,
        util,
        "Satisfies\nconstraints",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn f1(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "n/a".to_string())
}

/// The sentence comparing the best config with the default.
fn comparison(v: &ModelView<'_>) -> String {
    let mem = v.memory_name();
    let best = v.ranked.first().and_then(|n| v.get(n));
    let default = v.get(&v.m.default_config);
    let desc = |s: &Shown<'_>| s.config.map(describe).map(|d| format!(" ({d})")).unwrap_or_default();
    let mem_of = |s: &Shown<'_>| s.chosen.and_then(|(_, p)| v.memory(p));
    match (best, default) {
        (None, _) => match v.shown.iter().find(|s| s.chosen.is_some()) {
            None if v.m.measurements.is_empty() => format!("{} has no measurement yet, so there is nothing to compare.", v.m.model),
            None => format!("No measurement of {} succeeded, so there is nothing to compare; see the notes below.", v.m.model),
            Some(_) => format!("No config of {} was ranked; the table lists the default config's best measurement.", v.m.model),
        },
        (Some(b), _) if b.chosen.is_none() => format!("The best-ranked config, {}, has no successful measurement; see the notes below.", b.name),
        (Some(b), d) => {
            let (br, bp) = b.chosen.expect("checked");
            let mut s = if b.is_default {
                format!(
                    "The default config{} is the best config found: {:.1} infer/s at {}, with a p99 latency of {:.2} ms",
                    desc(b),
                    bp.throughput,
                    load_text(br),
                    bp.latency.p99_us / 1000.0
                )
            } else {
                format!("{}{} is the best config: {:.1} infer/s at {}", b.name, desc(b), bp.throughput, load_text(br))
            };
            if b.is_default {
                if let Some(m) = mem_of(b) {
                    s += &format!(" and {m:.1} MB of {mem}");
                }
                s += ".";
            } else if let Some((dr, dp)) = d.and_then(|d| d.chosen) {
                if v.m.tied(b.name, &v.m.default_config) {
                    // Never a "1.01×" win the measurements cannot tell apart.
                    s += &format!(
                        ", statistically tied with the default config's {:.1} infer/s (at {}; the difference is within the 95 % intervals, so the tie was broken by the secondary objectives and resources), with a p99 latency of {:.2} ms against {:.2} ms",
                        dp.throughput,
                        load_text(dr),
                        bp.latency.p99_us / 1000.0,
                        dp.latency.p99_us / 1000.0
                    );
                } else {
                    s += &format!(
                        ", {:.2}× the default config's {:.1} infer/s (at {}), with a p99 latency of {:.2} ms against {:.2} ms",
                        bp.throughput / dp.throughput.max(1e-9),
                        dp.throughput,
                        load_text(dr),
                        bp.latency.p99_us / 1000.0,
                        dp.latency.p99_us / 1000.0
                    );
                }
                match (mem_of(b), d.and_then(mem_of)) {
                    (Some(a), Some(c)) => s += &format!(" and {a:.1} MB of {mem} against {c:.1} MB."),
                    (Some(a), None) => s += &format!(" and {a:.1} MB of {mem}."),
                    _ => s += ".",
                }
            } else {
                s += &format!(", with a p99 latency of {:.2} ms", bp.latency.p99_us / 1000.0);
                if let Some(m) = mem_of(b) {
                    s += &format!(" and {m:.1} MB of {mem}");
                }
                s += "; the default config has no successful measurement to compare with.";
            }
            // Ties with other ranked configs (the default's is said above): said, not ranked.
            let tied: Vec<&str> = v.shown.iter().filter(|o| o.tied_with_best && (b.is_default || !o.is_default)).map(|o| o.name).collect();
            if !tied.is_empty() {
                s += &format!(
                    " It is statistically tied with {} (the difference is within the 95 % intervals): the measurements cannot rank them apart.",
                    tied.join(", ")
                );
            }
            if b.broke {
                s += " No measurement of it met the constraints.";
            }
            s
        }
    }
}

/// The shading of the best config's row, shared by the configs tied with it.
fn best_fill(v: &ModelView<'_>) -> super::pdf::Rgb {
    v.ranked.first().and_then(|n| v.get(n)).map(|s| s.color).unwrap_or(GRAY).lighten(0.82)
}

/// A value and the ends of its interval (for axes that must hold the error bars).
fn with_ends(value: f64, ci: Option<tritium_bench::stats::Interval>) -> Vec<f64> {
    std::iter::once(value).chain(ci.into_iter().flat_map(|i| [i.lo, i.hi])).collect()
}

/// Renders the summary PDF of a model.
pub fn render(r: &ProfileResults, v: &ModelView<'_>, what: &str) -> Result<Vec<u8>> {
    let m = v.m;
    let mut f = Flow::new(&format!("Summary: {}", m.model))?;
    f.title(&format!("Summary: {}", m.model), "tritium profile report");

    // The run.
    let size = 8.5;
    let mut run = format!("{}, {} search", date(&r.started_at), if m.search.strategy.is_empty() { r.search_mode.as_str() } else { m.search.strategy.as_str() });
    if m.search.measurements > 0 || m.search.configs > 0 {
        run += &format!(": {} measurements of {} configs in {:.1} s", m.search.measurements, m.search.configs, m.search.wall_seconds);
    }
    if !r.config_file.is_empty() {
        run += &format!(" (config file {})", r.config_file);
    }
    if !m.complete {
        run += " — interrupted run, results are partial";
    }
    f.field("Profiled:", &run, size);
    f.field("Software:", &format!("tritium {} · Triton {}", r.tool_version, r.triton_version), size);
    f.field("Hardware:", &hardware(&r.machine), size);
    f.field("Constraints:", &constraints_text(&r.constraints, &m.unapplied_constraints), size);
    f.field("Objectives:", &objectives_text(&r.objectives), size);

    let accent = v.ranked.first().and_then(|n| v.get(n)).map(|s| s.color).unwrap_or(GRAY);
    match (m.status, &m.reason) {
        (Some(ModelStatus::Failed), reason) => {
            f.callout(&format!("FAILED: {}", reason.as_deref().unwrap_or("no usable measurement")), 10.0, RED);
        }
        (Some(ModelStatus::Partial), Some(reason)) => {
            f.callout(&comparison(v), 10.0, accent);
            f.para(&format!("PARTIAL: {reason}"), 8.5, RED, 0.0);
        }
        _ => f.callout(&comparison(v), 10.0, accent),
    }

    // Legend shared by both plots.
    f.y -= 16.0;
    let items: Vec<(String, _, Key)> = v
        .shown
        .iter()
        .map(|s| {
            let role = match (s.rank, s.is_default, s.tied_with_best) {
                (Some(0), true, _) => " (best, default)",
                (Some(0), false, _) => " (best)",
                (_, true, true) => " (default, tied with the best)",
                (_, false, true) => " (tied with the best)",
                (_, true, false) => " (default)",
                _ => "",
            };
            (format!("{}{role}", s.name), s.color, Key::Marker(s.shape, true))
        })
        .chain(v.any_tie_with_best().then(|| ("statistically tied with the best (shaded alike in the table)".to_string(), best_fill(v), Key::Box)))
        .chain(v.shown.iter().any(|s| s.points.iter().any(|(_, p)| p.throughput_ci.is_some() || p99_ci_ms(p).is_some())).then(|| ("error bars: 95 % intervals".to_string(), GRAY, Key::ErrorBar)))
        .collect();
    let width = f.width();
    let y = f.y;
    let used = chart::legend(f.p(), MARGIN, y, width, &items);
    f.y -= used - 8.0;

    // Plots.
    let plot_h = 190.0;
    f.ensure(plot_h + 8.0);
    let gap = 24.0;
    let pw = (f.width() - gap) / 2.0;
    let bottom = f.y - plot_h - 4.0;
    let bounds = constraint_bounds(&r.constraints);
    let bound = |keys: &[&str], max: bool| {
        bounds.iter().filter(|(k, ..)| keys.contains(&k.as_str()) && !m.unapplied_constraints.contains(k)).find_map(|(_, lo, hi)| if max { *hi } else { *lo })
    };
    let lat_max = bound(&["perf_latency_p99", "perf_latency"], true);
    let tp_min = bound(&["perf_throughput"], false);
    let mem_max = bound(&[if v.gpu { "gpu_used_memory" } else { "cpu_used_ram" }], true);

    // Each value with its interval's ends, so that the error bars fit the axes.
    let lat: Vec<f64> = v.shown.iter().flat_map(|s| s.points.iter().flat_map(|(_, p)| with_ends(p.latency.p99_us / 1000.0, p99_ci_ms(p)))).collect();
    let tps: Vec<f64> = v.shown.iter().flat_map(|s| s.points.iter().flat_map(|(_, p)| with_ends(p.throughput, p.throughput_ci))).collect();
    let mems: Vec<f64> = v.shown.iter().flat_map(|s| s.points.iter().filter_map(|(r, p)| Some(with_ends(v.memory(p)?, v.memory_ci(r, p)))).flatten()).collect();
    let near = |data: &[f64], c: Option<f64>| -> Vec<f64> {
        let hi = data.iter().cloned().fold(0.0, f64::max);
        data.iter().cloned().chain(c.filter(|&c| c <= hi * 1.3)).collect()
    };
    let x_ax = Axis::covering(near(&lat, lat_max), true, 6, "p99 latency (ms)");
    let tp_ax = Axis::covering(tps.iter().cloned().chain(tp_min), true, 5, "Throughput (infer/s)");
    let mem_label = if v.gpu { "GPU memory (MB)" } else { "CPU RAM, resident (MB)" };
    let mem_ax = Axis::covering(near(&mems, mem_max), true, 5, mem_label);
    // One line per config and client batch size (points: its concurrencies).
    let series = |mem: bool| -> Vec<Series> {
        let mut out = Vec::new();
        for s in &v.shown {
            let mut batches: Vec<u32> = s.points.iter().map(|(r, _)| r.batch_size).collect();
            batches.dedup();
            for b in batches {
                let pts: Vec<_> = s.points.iter().filter(|(rec, _)| rec.batch_size == b).filter(|(_, p)| !mem || v.memory(p).is_some()).collect();
                out.push(Series {
                    color: s.color,
                    shape: s.shape,
                    // The best and the configs tied with it share the heavier line.
                    width: if s.rank == Some(0) || s.tied_with_best { 2.0 } else { 1.3 },
                    points: pts
                        .iter()
                        .map(|(rec, p)| (p.latency.p99_us / 1000.0, if mem { v.memory(p).unwrap_or_default() } else { p.throughput }, rec.passes != Some(false)))
                        .collect(),
                    // Latency intervals: horizontal bars; throughput (or GPU memory) intervals: vertical bars.
                    errors: pts
                        .iter()
                        .map(|(rec, p)| ErrorBars {
                            x: p99_ci_ms(p).map(|i| (i.lo, i.hi)),
                            y: if mem { v.memory_ci(rec, p) } else { p.throughput_ci }.map(|i| (i.lo, i.hi)),
                        })
                        .collect(),
                });
            }
        }
        out
    };
    let several_batches = v.shown.iter().any(|s| s.points.windows(2).any(|w| w[0].0.batch_size != w[1].0.batch_size));
    let lat_ref = lat_max.map(|x| RefLine { vertical: true, value: x, label: format!("p99 limit {x} ms"), color: RED });
    let mut refs1: Vec<RefLine> = lat_ref.iter().cloned().collect();
    if let Some(t) = tp_min {
        refs1.push(RefLine { vertical: false, value: t, label: format!("min {t} infer/s"), color: RED });
    }
    let mut refs2: Vec<RefLine> = lat_ref.iter().cloned().collect();
    if let Some(mm) = mem_max {
        refs2.push(RefLine { vertical: false, value: mm, label: format!("limit {mm} MB"), color: RED });
    }
    let page = f.page;
    let p = f.doc.page(page);
    chart::xy_chart(
        p,
        Frame { x: MARGIN, y: bottom, w: pw, h: plot_h },
        match (several_batches, super::is_rate_model(v.m)) {
            (true, false) => "Throughput vs p99 latency (points: concurrency levels; a line per client batch size)",
            (false, false) => "Throughput vs p99 latency (points: concurrency levels)",
            (true, true) => "Throughput vs p99 latency (points: request rates; a line per client batch size)",
            (false, true) => "Throughput vs p99 latency (points: request rates)",
        },
        &x_ax,
        &tp_ax,
        &series(false),
        &refs1,
    );
    let mem_title = if v.gpu { "GPU memory vs p99 latency" } else { "CPU RAM vs p99 latency (no GPU data in this run)" };
    if mems.is_empty() {
        p.text(MARGIN + pw + gap + pw / 2.0, bottom + plot_h / 2.0, &format!("No {} data was recorded.", v.memory_name()), 9.0, GRAY, Align::Center);
    } else {
        chart::xy_chart(p, Frame { x: MARGIN + pw + gap, y: bottom, w: pw, h: plot_h }, mem_title, &x_ax, &mem_ax, &series(true), &refs2);
    }
    f.y = bottom - 6.0;

    // Table.
    f.heading("Top configs and the default");
    let headers = super::with_load_header(headers(v.gpu), super::is_rate_model(v.m));
    let mut rows = Vec::new();
    for s in &v.shown {
        let rank = match (s.rank, s.is_default) {
            (Some(0), _) => "1 (best)".to_string(),
            // Tied with the best: not ranked apart from it.
            (Some(i), _) if s.tied_with_best => format!("≈{}", i + 1),
            (Some(i), _) => (i + 1).to_string(),
            (None, true) if s.tied_with_best => "≈ default".to_string(),
            (None, true) => "default".to_string(),
            (None, false) => "—".to_string(),
        };
        let c = s.config;
        let mut cells = vec![
            rank,
            s.name.to_string(),
            c.map(|c| c.variant.max_batch_size.to_string()).unwrap_or_default(),
            c.map(|c| if c.variant.dynamic_batching { "on" } else { "off" }.to_string()).unwrap_or_default(),
            c.map(instances).unwrap_or_default(),
        ];
        let mut colors = vec![None; headers.len()];
        match s.chosen {
            Some((rec, p)) => {
                cells.push(rec.batch_size.to_string());
                cells.push(rec.level().to_string());
                cells.push(with_pm(p.latency.p99_us / 1000.0, 2, p99_ci_ms(p)));
                cells.push(with_pm(p.throughput, 1, p.throughput_ci));
                cells.push(v.memory(p).map(|x| with_pm(x, 1, v.memory_ci(rec, p))).unwrap_or_else(|| f1(None)));
                cells.push(f1(v.utilization(p)));
                cells.push(match (s.broke, rec.passes) {
                    (true, _) => "no".to_string(),
                    (false, Some(true)) => "yes".to_string(),
                    (false, _) => "—".to_string(),
                });
                if s.broke {
                    colors = vec![Some(RED); headers.len()];
                }
            }
            None => {
                // No successful measurement: FAILED, never numbers (the reason is in the notes).
                let why = if c.and_then(|c| c.error.as_ref()).is_some() {
                    "FAILED (load)"
                } else if m.measurements.iter().any(|r| r.config == s.name) {
                    "FAILED"
                } else {
                    "not measured"
                };
                cells.extend(["—", "—", "—", "—", "—", "—"].iter().map(|s| s.to_string()));
                cells.push(why.to_string());
                colors[11] = Some(RED);
            }
        }
        let best = s.rank == Some(0);
        // The best and the configs statistically tied with it share one highlight.
        let fill = if s.broke || s.chosen.is_none() { Some(BROKEN) } else { (best || s.tied_with_best).then(|| best_fill(v)) };
        rows.push(Row { cells, colors, fill, bold: best, swatch: Some((s.color, s.shape, !s.broke)) });
    }
    let t = Table {
        headers,
        align: vec![
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Center,
            Align::Center,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Center,
        ],
        rows,
    };
    if t.rows.is_empty() {
        f.para("No config of this model was measured.", 9.0, GRAY, 0.0);
    } else {
        f.table(&t, 8.0);
    }

    // Notes.
    let level = if super::is_rate_model(v.m) { "request rate" } else { "concurrency" };
    let mut note = format!("Each row is the config's highest-throughput measurement (over every client batch size and {level}) that meets the constraints; a config with none is marked \"no\" (red row) and shows its highest-throughput measurement. Batch: the client batch size of each request. Hollow markers: measurements that broke a constraint.");
    if super::is_rate_model(v.m) {
        note += " Request rate: requests sent per second on a fixed schedule (open loop); latency counts from each request's scheduled send time.";
    }
    if !v.gpu {
        note += " No GPU data in this run: memory is the resident memory (RSS) of the process running Triton, utilization its CPU use (100% = one core).";
    }
    let has_ci = v.shown.iter().any(|s| s.points.iter().any(|(_, p)| p.throughput_ci.is_some() || p99_ci_ms(p).is_some()));
    if has_ci {
        note += " ±: the half-width of the 95 % confidence interval, relative to the value (the larger side for a percentile); error bars in the plots show the same intervals (vertical: throughput or memory, horizontal: p99 latency).";
    }
    if v.any_tie_with_best() {
        note += " ≈: statistically tied with the best: the difference is within the 95 % intervals, so the measurements cannot rank them apart (the order between them comes from the secondary objectives and resources); tied rows share the best's shading.";
    }
    let mut notes: Vec<(String, bool)> = vec![(note, false)];
    // How far the numbers can be trusted: noisy points, causes of noise, drift, re-measured ties.
    let quality = m.quality().lines();
    if !quality.is_empty() {
        notes.push((format!("Measurement quality: {}.", quality.join(". ")), true));
    }
    for c in m.configs.iter().filter(|c| c.error.is_some()) {
        notes.push((format!("{} ({}) failed to load: {}", c.name, describe(c), c.error.as_deref().unwrap_or_default()), true));
    }
    let failed: Vec<_> = m.measurements.iter().filter(|r| r.ok_point().is_none() && !m.configs.iter().any(|c| c.name == r.config && c.error.is_some())).collect();
    for r in failed.iter().take(8) {
        notes.push((format!("{} at {} FAILED: {}", r.config, load_text(r), r.failure_reason().unwrap_or_default()), true));
    }
    if failed.len() > 8 {
        notes.push((format!("… and {} more failed measurements.", failed.len() - 8), true));
    }
    // Configs not measured because they cannot beat the incumbent (issue 13), one note per config.
    let bound = |k: &&tritium_profile::results::SkippedRecord| k.reason.starts_with(tritium_profile::search::BOUND_SKIP_REASON);
    let mut bounded: Vec<&str> = Vec::new();
    for k in m.skipped.iter().filter(bound) {
        if !bounded.contains(&k.config.as_str()) {
            bounded.push(&k.config);
            if bounded.len() <= 6 {
                notes.push((format!("{} not measured: {}.", k.config, k.reason), false));
            }
        }
    }
    if bounded.len() > 6 {
        notes.push((format!("… and {} more configs not measured: they cannot beat the incumbent.", bounded.len() - 6), false));
    }
    // Client batch sizes not measured (above a config's max batch size), one note per config.
    let mut skipped: Vec<(&str, Vec<String>)> = Vec::new();
    for k in m.skipped.iter().filter(|k| !bound(k)) {
        match skipped.iter_mut().find(|(c, _)| *c == k.config) {
            Some((_, v)) => v.push(k.batch_size.to_string()),
            None => skipped.push((&k.config, vec![k.batch_size.to_string()])),
        }
    }
    for (config, sizes) in skipped.iter().take(6) {
        let mbs = m.configs.iter().find(|c| c.name == *config).map(|c| c.variant.max_batch_size.to_string()).unwrap_or_default();
        notes.push((format!("{config}: client batch size {} not measured (above its max batch size {mbs}).", sizes.join(", ")), false));
    }
    if skipped.len() > 6 {
        notes.push((format!("… and {} more configs with client batch sizes above their max batch size.", skipped.len() - 6), false));
    }
    f.y -= 4.0;
    for (n, bad) in notes {
        f.para(&n, 7.5, if bad { RED } else { GRAY }, 0.0);
    }
    super::time::section(&mut f, r, m);
    f.finish(what)
}

/// True when the cross-model entry `u` is statistically tied with `first`
/// (either side of the recorded tie counts; never with itself).
fn tied_with_first(first: &TopConfigRecord, u: &TopConfigRecord) -> bool {
    (u.model != first.model || u.config != first.config) && (first.tied_with.contains(&u.config) || u.tied_with.contains(&first.config))
}

/// Headers of the cross-model table.
pub fn top_headers() -> Vec<String> {
    [
        "Rank",
        "Model",
        "Config",
        "Max batch\nsize",
        "Instances",
        "Batch",
        "Concurrency",
        "p99 latency\n(ms)",
        "Throughput\n(infer/s)",
        "Satisfies\nconstraints",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Renders the summary of the best configs across all models
/// (`num_top_model_configs`, stored in `r.top_model_configs`).
pub fn render_top(r: &ProfileResults, what: &str) -> Result<Vec<u8>> {
    let title = super::TOP_MODELS_REPORT_KEY;
    let mut f = Flow::new(title)?;
    f.title(title, "tritium profile report");
    let size = 8.5;
    let models: Vec<&str> = r.models.iter().map(|m| m.model.as_str()).collect();
    let mut run = format!("{}, {} search of {} model{}: {}", date(&r.started_at), r.search_mode, models.len(), if models.len() == 1 { "" } else { "s" }, models.join(", "));
    if !r.config_file.is_empty() {
        run += &format!(" (config file {})", r.config_file);
    }
    f.field("Profiled:", &run, size);
    f.field("Software:", &format!("tritium {} · Triton {}", r.tool_version, r.triton_version), size);
    f.field("Hardware:", &hardware(&r.machine), size);
    f.field("Constraints:", &constraints_text(&r.constraints, &[]), size);
    f.field("Objectives:", &objectives_text(&r.objectives), size);

    let config_of = |model: &str, name: &str| r.models.iter().find(|m| m.model == model).and_then(|m| m.configs.iter().find(|c| c.name == name));
    // A results.json of an older tritium may rank a config whose measurements all failed: never shown as ranked.
    let failed_entry = |model: &str, name: &str| r.models.iter().find(|m| m.model == model).is_some_and(|m| m.configs.iter().any(|c| c.name == name) && !m.has_result(name));
    let dropped: Vec<String> = r.top_model_configs.iter().filter(|t| failed_entry(&t.model, &t.config)).map(|t| format!("{} of {}", t.config, t.model)).collect();
    let entries: Vec<tritium_profile::results::TopConfigRecord> =
        r.top_model_configs.iter().filter(|t| !failed_entry(&t.model, &t.config)).enumerate().map(|(i, t)| tritium_profile::results::TopConfigRecord { rank: i as u32 + 1, ..t.clone() }).collect();
    let load = |t: &TopConfigRecord| {
        let level = match t.request_rate {
            Some(r) => format!("request rate {r}"),
            None => format!("concurrency {}", t.concurrency),
        };
        if t.batch_size == 1 { level } else { format!("batch size {}, {level}", t.batch_size) }
    };
    let callout = match entries.first() {
        Some(t) => {
            let desc = config_of(&t.model, &t.config).map(|c| format!(" ({})", describe(c))).unwrap_or_default();
            let mut s = format!(
                "{} of {}{desc} is the best config across {} model{}: {:.1} infer/s at {}, with a p99 latency of {:.2} ms.",
                t.config,
                t.model,
                models.len(),
                if models.len() == 1 { "" } else { "s" },
                t.throughput,
                load(t),
                t.latency_p99_ms
            );
            let tied: Vec<String> = entries.iter().filter(|u| tied_with_first(t, u)).map(|u| format!("{} of {} (rank {})", u.config, u.model, u.rank)).collect();
            if !tied.is_empty() {
                s += &format!(" It is statistically tied with {} (the difference is within the 95 % intervals): the measurements cannot rank them apart.", tied.join(", "));
            }
            if !t.passes {
                s += " No config met the constraints; the list ranks the failing ones.";
            }
            s
        }
        None => "No config was ranked across models.".to_string(),
    };
    f.callout(&callout, 10.0, GRAY);

    f.heading(&format!("Top {} configs across all models", entries.len()));
    let any_rate = entries.iter().any(|t| t.request_rate.is_some());
    let mut headers = top_headers();
    if any_rate {
        for h in headers.iter_mut().filter(|h| h.as_str() == "Concurrency") {
            *h = "Load".to_string();
        }
    }
    let mut rows = Vec::new();
    let shade = GRAY.lighten(0.82);
    for t in &entries {
        let c = config_of(&t.model, &t.config);
        let tied = entries.first().is_some_and(|f| tied_with_first(f, t));
        let mut colors = vec![None; headers.len()];
        if !t.passes {
            colors[9] = Some(RED);
        }
        rows.push(Row {
            cells: vec![
                match t.rank {
                    1 => "1 (best)".to_string(),
                    r if tied => format!("≈{r}"),
                    r => r.to_string(),
                },
                t.model.clone(),
                t.config.clone(),
                c.map(|c| c.variant.max_batch_size.to_string()).unwrap_or_default(),
                c.map(instances).unwrap_or_default(),
                t.batch_size.to_string(),
                match t.request_rate {
                    Some(r) => format!("{r} req/s"),
                    None if any_rate => format!("{} in flight", t.concurrency),
                    None => t.concurrency.to_string(),
                },
                with_pm(t.latency_p99_ms, 2, t.latency_p99_ms_ci),
                with_pm(t.throughput, 1, t.throughput_ci),
                if t.passes { "yes" } else { "no" }.to_string(),
            ],
            colors,
            // The best and the entries tied with it share one shading.
            fill: if !t.passes { Some(BROKEN) } else if (t.rank == 1 && entries.iter().any(|u| tied_with_first(t, u))) || tied { Some(shade) } else { None },
            bold: t.rank == 1,
            swatch: None,
        });
    }
    let mut align = vec![Align::Right; headers.len()];
    for i in [0, 1, 2] {
        align[i] = Align::Left;
    }
    align[4] = Align::Center;
    align[9] = Align::Center;
    f.table(&Table { headers, align, rows }, 8.0);
    f.y -= 4.0;
    f.para(
        "num_top_model_configs: every config of every model (defaults included) is represented by its best measurement over every client batch size and concurrency — meeting its model's constraints when one does — and the representatives are ranked by the global objectives, configs meeting the constraints first. Each model's own report lists its top configs.",
        7.5,
        GRAY,
        0.0,
    );
    if entries.iter().any(|t| t.throughput_ci.is_some() || t.latency_p99_ms_ci.is_some()) {
        f.para("±: the half-width of the 95 % confidence interval, relative to the value (the larger side for a percentile).", 7.5, GRAY, 0.0);
    }
    if let Some(first) = entries.first().filter(|f| entries.iter().any(|u| tied_with_first(f, u))) {
        f.para(
            &format!("≈: statistically tied with the best ({}): the difference is within the 95 % intervals, so the measurements cannot rank them apart (the order between them comes from the secondary objectives and resources); shaded rows: the best and the configs tied with it.", first.config),
            7.5,
            GRAY,
            0.0,
        );
    }
    if !dropped.is_empty() {
        f.para(&format!("Not ranked (every measurement failed; listed by the tritium that wrote this file): {}.", dropped.join(", ")), 7.5, RED, 0.0);
    }
    f.finish(what)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tritium_profile::results::ProfileResults;

    use super::comparison;
    use crate::ModelView;

    fn fixture() -> ProfileResults {
        ProfileResults::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results/cpu_only.json")).expect("fixture reads")
    }

    #[test]
    fn a_tie_with_the_default_is_never_called_a_win() {
        let r = fixture();
        let m = &r.models[0];
        let plain = comparison(&ModelView::new(m));
        let best = ModelView::new(m).ranked.first().map(|s| s.to_string()).expect("a ranked config");
        assert_ne!(best, m.default_config, "the fixture's best is not the default");
        assert!(plain.contains("× the default config's"), "{plain}");
        let mut tied = m.clone();
        tied.tied_with.insert(best.to_string(), vec![m.default_config.clone()]);
        let text = comparison(&ModelView::new(&tied));
        assert!(text.contains("statistically tied with the default config's") && !text.contains('×'), "{text}");
    }
}
