//! The detailed report of one top config.

use super::chart::{self, Axis, BarSeries, Frame, Key, LineSeries};
use super::flow::Flow;
use super::pdf::{Align, Rgb, Shape, GRAY, MARGIN, RED};
use super::table::{Row, Table};
use super::{date, describe, hardware, load_text, p99_ci_ms, with_pm, ModelView};
use tritium_triton::error::Result;
use tritium_profile::results::ProfileResults;

/// Colours of the server-side latency components (pastel, so the config's
/// own colour stays distinct on the throughput line).
const QUEUE: Rgb = Rgb::hex(0xC9C9C9);
const INPUT: Rgb = Rgb::hex(0xF1CE63);
const INFER: Rgb = Rgb::hex(0xA0CBE8);
const OUTPUT: Rgb = Rgb::hex(0xFFBE7D);

/// Headers of the measurement table (`\n` separates the two lines of a header).
pub fn headers(gpu: bool) -> Vec<String> {
    let (util, mem) = if gpu { ("GPU\nutilization (%)", "GPU memory\n(MB)") } else { ("CPU\nutilization (%)", "CPU RAM\n(MB)") };
    [
        "Batch",
        "Concurrency",
        "Throughput\n(infer/s)",
        "p50 latency\n(ms)",
        "p90 latency\n(ms)",
        "p95 latency\n(ms)",
        "p99 latency\n(ms)",
        "Avg latency\n(ms)",
        "Server\nqueue (ms)",
        "Compute\ninput (ms)",
        "Compute\ninfer (ms)",
        "Compute\noutput (ms)",
        util,
        mem,
        "Satisfies\nconstraints",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn opt(v: Option<f64>, d: usize) -> String {
    v.map(|x| format!("{x:.d$}")).unwrap_or_else(|| "n/a".to_string())
}

/// Renders the detailed PDF of `name` (rank `rank` in `top`; None: not
/// among the top configs, a config picked by `report -n`).
pub fn render(r: &ProfileResults, v: &ModelView<'_>, name: &str, rank: Option<usize>, what: &str) -> Result<Vec<u8>> {
    let m = v.m;
    let s = v.get(name);
    let color = s.map(|s| s.color).unwrap_or(GRAY);
    let shape = s.map(|s| s.shape).unwrap_or(Shape::Circle);
    let config = m.configs.iter().find(|c| c.name == name);
    let mut f = Flow::new(&format!("Detailed report: {name}"))?;
    f.title(&format!("Detailed report: {name}"), "tritium profile report");

    let size = 8.5;
    let best = v.ranked.first().copied();
    let role = match best {
        _ if rank == Some(0) => " (the best config)".to_string(),
        Some(b) if b != name && m.tied(b, name) => format!(" (statistically tied with the best, {b}: not ranked apart)"),
        _ => String::new(),
    };
    let place = match rank {
        Some(i) => format!("rank {} of {} top configs", i + 1, v.ranked.len()),
        None => format!("not among the {} top configs", v.ranked.len()),
    };
    f.field("Model:", &format!("{} · {place}{role}", m.model), size);
    f.field("Config:", &config.map(describe).unwrap_or_else(|| "not in the results".to_string()), size);
    f.field("Run:", &format!("{} · tritium {} · Triton {} · {}", date(&r.started_at), r.tool_version, r.triton_version, hardware(&r.machine)), size);
    // Ties are said, not ranked: every config this one cannot be told apart from.
    let tied = tritium_profile::metrics_csv::tied_with(m, name);
    if !tied.is_empty() {
        f.field(
            "Ties:",
            &format!("statistically tied with {} — the difference is within the 95 % intervals, so the measurements cannot rank them apart; the order between them comes from the secondary objectives and resources", tied.join(", ")),
            size,
        );
    }
    if let Some(e) = config.and_then(|c| c.error.as_ref()) {
        f.para(&format!("This config failed to load: {e}"), 9.0, RED, 0.0);
    }
    let points = s.map(|s| s.points.clone()).unwrap_or_default();
    if let Some((rec, p)) = s.and_then(|s| s.chosen) {
        let mut t = format!("Best measurement: {} infer/s at {}, p99 latency {} ms", with_pm(p.throughput, 1, p.throughput_ci), load_text(rec), with_pm(p.latency.p99_us / 1000.0, 2, p99_ci_ms(p)));
        if let Some(mem) = v.memory(p) {
            t += &format!(", {mem:.1} MB of {}", v.memory_name());
        }
        t += if s.map(|s| s.broke).unwrap_or(false) { "; no measurement of this config met the constraints." } else { "." };
        f.callout(&t, 10.0, color);
    } else {
        f.callout("This config has no successful measurement.", 10.0, RED);
    }

    // Plots.
    // Categories: concurrency, or "batch size/concurrency" when the config was measured at several batch sizes.
    let several_batches = points.windows(2).any(|w| w[0].0.batch_size != w[1].0.batch_size);
    let cats: Vec<String> =
        points.iter().map(|(rec, _)| if several_batches { format!("{}/{}", rec.batch_size, rec.level()) } else { rec.level().to_string() }).collect();
    let cat_label = match (several_batches, super::is_rate_model(m)) {
        (true, false) => "Client batch size / concurrency",
        (false, false) => "Concurrency (requests in flight)",
        (true, true) => "Client batch size / request rate (req/s)",
        (false, true) => "Request rate (requests/s, open loop)",
    };
    let plot_h = 185.0;
    f.ensure(plot_h + 30.0);
    let gap = 24.0;
    let pw = (f.width() - gap) / 2.0;
    let bottom = f.y - plot_h - 8.0;
    let width = f.width();
    let page = f.page;
    let p = f.doc.page(page);
    if points.is_empty() {
        p.text(MARGIN + width / 2.0, bottom + plot_h / 2.0, "No successful measurement to plot.", 10.0, GRAY, Align::Center);
    } else {
        let ms = |get: fn(&tritium_bench::export::ServerBreakdown) -> f64| -> Vec<Option<f64>> {
            points.iter().map(|(_, p)| p.server.as_ref().map(|s| get(s) / 1000.0)).collect()
        };
        let bars = vec![
            BarSeries { color: QUEUE, values: ms(|s| s.queue_us), errors: Vec::new() },
            BarSeries { color: INPUT, values: ms(|s| s.compute_input_us), errors: Vec::new() },
            BarSeries { color: INFER, values: ms(|s| s.compute_infer_us), errors: Vec::new() },
            BarSeries { color: OUTPUT, values: ms(|s| s.compute_output_us), errors: Vec::new() },
        ];
        let totals: Vec<f64> = (0..points.len()).map(|i| bars.iter().filter_map(|b| b.values[i]).sum()).collect();
        let left = Axis::covering(totals, true, 5, "Server latency (ms)");
        // Throughput with its 95 % intervals as vertical error bars (the axis holds them).
        let tp = LineSeries {
            color,
            shape,
            values: points.iter().map(|(_, p)| Some(p.throughput)).collect(),
            dash: None,
            errors: points.iter().map(|(_, p)| p.throughput_ci.map(|i| (i.lo, i.hi))).collect(),
        };
        let right = Axis::covering(points.iter().flat_map(|(_, p)| std::iter::once(p.throughput).chain(p.throughput_ci.map(|i| i.hi))), true, 5, "Throughput (infer/s)");
        let fr = Frame { x: MARGIN, y: bottom, w: pw, h: plot_h };
        chart::category_chart(
            p,
            fr,
            "Server-side latency breakdown and throughput",
            &cats,
            cat_label,
            &left,
            &bars,
            &[],
            Some((&right, std::slice::from_ref(&tp))),
        );
        let no_server = points.iter().all(|(_, p)| p.server.is_none());
        if no_server {
            p.text(MARGIN + pw / 2.0, bottom + plot_h - 45.0, "No server statistics were collected.", 8.5, GRAY, Align::Center);
        }

        let mem: Vec<Option<f64>> = points.iter().map(|(_, p)| v.memory(p)).collect();
        let mem_ax_empty = points.iter().all(|(_, p)| v.memory(p).is_none() && v.utilization(p).is_none());
        let util: Vec<Option<f64>> = points.iter().map(|(_, p)| v.utilization(p)).collect();
        let mem_label = if v.gpu { "GPU memory (MB)" } else { "CPU RAM, resident (MB)" };
        let util_label = if v.gpu { "GPU utilization (%)" } else { "CPU utilization (%, 100 = one core)" };
        let mem_ends = points.iter().filter_map(|(r, p)| v.memory_ci(r, p)).map(|i| i.hi);
        let mem_ax = Axis::covering(mem.iter().flatten().cloned().chain(mem_ends), true, 5, mem_label);
        let mut util_ax = Axis::covering(util.iter().flatten().cloned(), true, 5, util_label);
        if v.gpu && util.iter().flatten().all(|&u| u <= 100.0) {
            // GPU utilization: the whole 0–100 % scale.
            util_ax = Axis { min: 0.0, max: 100.0, step: 20.0, label: util_label.to_string() };
        }
        // GPU memory with its 95 % interval, when the measurement carries one.
        let mem_ci: Vec<Option<(f64, f64)>> = points.iter().map(|(r, p)| v.memory_ci(r, p).map(|i| (i.lo, i.hi))).collect();
        let bars2 = vec![BarSeries { color: color.lighten(0.55), values: mem, errors: mem_ci }];
        let ul = LineSeries { color, shape, values: util, dash: None, errors: Vec::new() };
        let t2 = if v.gpu { "GPU memory and utilization" } else { "CPU RAM and utilization (no GPU data in this run)" };
        let fr2 = Frame { x: MARGIN + pw + gap, y: bottom, w: pw, h: plot_h };
        chart::category_chart(p, fr2, t2, &cats, cat_label, &mem_ax, &bars2, &[], Some((&util_ax, std::slice::from_ref(&ul))));

        if mem_ax_empty {
            p.text(
                MARGIN + pw + gap + pw / 2.0,
                bottom + plot_h - 45.0,
                &format!("No {} or utilization data was recorded.", v.memory_name()),
                8.5,
                GRAY,
                Align::Center,
            );
        }

        // Legends under each plot.
        let ly = bottom - 14.0;
        let items1 = vec![
            ("Queue".to_string(), QUEUE, Key::Box),
            ("Compute input".to_string(), INPUT, Key::Box),
            ("Compute infer".to_string(), INFER, Key::Box),
            ("Compute output".to_string(), OUTPUT, Key::Box),
            ("Throughput (right axis)".to_string(), color, Key::Marker(shape, true)),
        ];
        let h1 = chart::legend(p, MARGIN + 20.0, ly, pw - 20.0, &items1);
        let items2 = vec![
            (format!("{} (left axis)", v.memory_name()), color.lighten(0.55), Key::Box),
            (format!("{} (right axis)", v.utilization_name()), color, Key::Marker(shape, true)),
        ];
        let h2 = chart::legend(p, MARGIN + pw + gap + 20.0, ly, pw - 20.0, &items2);
        f.y = ly - h1.max(h2) + 4.0;
    }
    if points.is_empty() {
        f.y = bottom - 4.0;
    }

    // Every measurement of the config.
    f.heading("Measurements");
    let headers = super::with_load_header(headers(v.gpu), super::is_rate_model(m));
    let mut recs: Vec<_> = m.measurements.iter().filter(|r| r.config == name).collect();
    recs.sort_by_key(|r| (r.batch_size, r.level()));
    let chosen = s.and_then(|s| s.chosen).map(|(r, _)| (r.batch_size, r.level()));
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for rec in &recs {
        let mut colors = vec![None; headers.len()];
        let cells = match rec.ok_point() {
            Some(p) => {
                let sv = |g: fn(&tritium_bench::export::ServerBreakdown) -> f64| opt(p.server.as_ref().map(|s| g(s) / 1000.0), 3);
                let pass = match rec.passes {
                    Some(true) => "yes",
                    Some(false) => {
                        colors[14] = Some(RED);
                        "no"
                    }
                    None => "—",
                };
                vec![
                    rec.batch_size.to_string(),
                    rec.level().to_string(),
                    with_pm(p.throughput, 1, p.throughput_ci),
                    format!("{:.2}", p.latency.p50_us / 1000.0),
                    format!("{:.2}", p.latency.p90_us / 1000.0),
                    format!("{:.2}", p.latency.p95_us / 1000.0),
                    with_pm(p.latency.p99_us / 1000.0, 2, p99_ci_ms(p)),
                    format!("{:.2}", p.latency.avg_us / 1000.0),
                    sv(|s| s.queue_us),
                    sv(|s| s.compute_input_us),
                    sv(|s| s.compute_infer_us),
                    sv(|s| s.compute_output_us),
                    opt(v.utilization(p), 1),
                    opt(v.memory(p), 1),
                    pass.to_string(),
                ]
            }
            None => {
                let at = load_text(rec);
                failures.push(format!("{}{}: {}", at[..1].to_uppercase(), &at[1..], rec.failure_reason().unwrap_or_default()));
                colors = vec![Some(RED); headers.len()];
                let mut c = vec![rec.batch_size.to_string(), rec.level().to_string(), "FAILED".to_string()];
                c.extend(std::iter::repeat_n("—".to_string(), headers.len() - 3));
                c
            }
        };
        let is_chosen = rec.ok_point().is_some() && Some((rec.batch_size, rec.level())) == chosen;
        rows.push(Row {
            cells,
            colors,
            fill: if rec.ok_point().is_none() { Some(super::BROKEN) } else { is_chosen.then(|| color.lighten(0.82)) },
            bold: is_chosen,
            swatch: None,
        });
    }
    let mut align = vec![Align::Right; headers.len()];
    align[14] = Align::Center;
    let t = Table { headers, align, rows };
    f.table(&t, 8.0);
    f.y -= 4.0;
    let mut note = "Batch: the client batch size of each request; throughput counts inferences (batch size × requests per second). Latencies are client-side; the server columns are Triton's per-request averages. The highlighted row is the best measurement.".to_string();
    if points.iter().any(|(_, p)| p.throughput_ci.is_some() || p99_ci_ms(p).is_some()) {
        note += " ±: the half-width of the 95 % confidence interval, relative to the value (the larger side for a percentile); the throughput line's error bars show the same intervals.";
    }
    if !v.gpu {
        note += " No GPU data in this run: memory is the resident memory (RSS) of the process running Triton, utilization its CPU use (100% = one core).";
    }
    f.para(&note, 7.5, GRAY, 0.0);
    for fl in failures {
        f.para(&fl, 7.5, RED, 0.0);
    }
    f.finish(what)
}
