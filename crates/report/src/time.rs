//! "Where the time went" in a model's summary (issue 13): the run's wall
//! time split into load, unload, warm-up, measure and idle in one sentence,
//! a horizontal stacked bar per config (load, unload, warm-up, measure and
//! other time, on one scale), and their table. Read from the `time` records
//! of results.json only; files of older tritium have none, and the section
//! is then left out.

use super::chart::{self, Key};
use super::flow::Flow;
use super::pdf::{ellipsize, text_width, Align, Rgb, BLACK, GRAY, MARGIN};
use super::table::{Row, Table};
use tritium_profile::results::{ConfigTime, ModelResults, ProfileResults};

/// The parts of a config's time, in bar order, with their colours.
pub const PARTS: [(&str, Rgb); 5] = [
    ("load", Rgb::hex(0x4C72B0)),
    ("unload", Rgb::hex(0x8DA0CB)),
    ("warm-up", Rgb::hex(0xDD8452)),
    ("measure", Rgb::hex(0x55A868)),
    ("other", Rgb::hex(0xB0B0B0)),
];

/// Headers of the per-config table (`\n` splits a header in two lines).
pub fn headers() -> Vec<String> {
    ["Config", "Loads", "Load\n(s)", "Unload\n(s)", "Warm-up\n(s)", "Measure\n(s)", "Other\n(s)", "Total\n(s)", "Measurements"].iter().map(|s| s.to_string()).collect()
}

/// A config's seconds in [`PARTS`] order.
fn seconds(t: &ConfigTime) -> [f64; 5] {
    [t.load_seconds, t.unload_seconds, t.warmup_seconds, t.measure_seconds, t.other_seconds]
}

/// The segments of a config's stacked bar: (part index into [`PARTS`],
/// offset from the bar's left end, width), in points, for a bar of `w`
/// points standing for `max` seconds; parts without time are left out.
pub fn bar_segments(t: &ConfigTime, max: f64, w: f32) -> Vec<(usize, f32, f32)> {
    if max <= 0.0 || w <= 0.0 {
        return Vec::new();
    }
    let mut x = 0.0f32;
    let mut out = Vec::new();
    for (i, s) in seconds(t).iter().enumerate() {
        let len = (s.max(0.0) / max) as f32 * w;
        if len > 0.0 {
            out.push((i, x, len));
            x += len;
        }
    }
    out
}

/// The run's sentence: "The whole run took 113.1 s: load 49.5 s (44 %), …".
pub fn run_sentence(r: &ProfileResults) -> Option<String> {
    let t = r.time.as_ref()?;
    let parts: Vec<String> = t.parts().iter().map(|(n, s)| format!("{n} {s:.1} s ({:.0} %)", t.percent(*s))).collect();
    let mut s = format!("The whole run took {:.1} s: {}; {} loads, {} measurements", t.wall_seconds, parts.join(", "), t.loads, t.measurements);
    if t.sessions > 1 {
        s += &format!(", over {} sessions (resumed from its checkpoint)", t.sessions);
    }
    s += ".";
    if t.partial {
        s += " It resumed a checkpoint of an older tritium, whose time is not known and not counted.";
    }
    s += " Idle is the wall time not spent loading, unloading, warming up or measuring (inputs, requests, checkpoints, the search itself, output configs and CSV tables); starting the server and writing these reports are outside the run's time.";
    Some(s)
}

/// Adds the section to a model's summary, when the model's configs carry times.
pub(crate) fn section(f: &mut Flow, r: &ProfileResults, m: &ModelResults) {
    let rows: Vec<(&str, ConfigTime)> = m.configs.iter().filter_map(|c| c.time.map(|t| (c.name.as_str(), t))).collect();
    if rows.is_empty() {
        return;
    }
    f.heading("Where the time went");
    if let Some(s) = run_sentence(r) {
        f.para(&s, 8.0, BLACK, 0.0);
    }
    f.para(
        "Per config of this model, every session and re-measurement included: loading, unloading (when the next config replaced it), warm-up, measurement windows, and other time around its measurements (inputs, requests, draining, checkpoints).",
        7.5,
        GRAY,
        0.0,
    );

    // Legend, then one bar per config on a common scale.
    f.ensure(14.0 + 11.0 * rows.len().min(3) as f32);
    f.y -= 12.0;
    let items: Vec<(String, Rgb, Key)> = PARTS.iter().map(|(n, c)| (n.to_string(), *c, Key::Box)).collect();
    let (width, y) = (f.width(), f.y);
    let used = chart::legend(f.p(), MARGIN, y, width, &items);
    f.y -= used - 10.0;
    let size = 7.5;
    let label_w = rows.iter().map(|(n, _)| text_width(n, size)).fold(0.0f32, f32::max).min(170.0) + 6.0;
    let total_w = 48.0;
    let bar_w = width - label_w - total_w;
    let max = rows.iter().map(|(_, t)| t.total_seconds()).fold(0.0, f64::max);
    for (name, t) in &rows {
        f.ensure(11.0);
        f.y -= 11.0;
        let y = f.y;
        let p = f.p();
        p.text(MARGIN, y, &ellipsize(name, size, label_w - 6.0), size, BLACK, Align::Left);
        for (i, x, w) in bar_segments(t, max, bar_w) {
            p.fill_rect(MARGIN + label_w + x, y - 1.0, w, 7.5, PARTS[i].1);
        }
        p.text(MARGIN + width, y, &format!("{:.1} s", t.total_seconds()), size, GRAY, Align::Right);
    }
    f.y -= 6.0;

    // The numbers.
    let mut total = ConfigTime::default();
    let mut table_rows = Vec::new();
    let cells = |name: &str, t: &ConfigTime| {
        let mut v = vec![name.to_string(), t.loads.to_string()];
        v.extend(seconds(t).iter().map(|s| format!("{s:.1}")));
        v.push(format!("{:.1}", t.total_seconds()));
        v.push(t.measurements.to_string());
        v
    };
    for (name, t) in &rows {
        table_rows.push(Row { cells: cells(name, t), ..Default::default() });
        total += t;
    }
    if rows.len() > 1 {
        table_rows.push(Row { cells: cells("All configs", &total), bold: true, ..Default::default() });
    }
    let headers = headers();
    let mut align = vec![Align::Right; headers.len()];
    align[0] = Align::Left;
    f.table(&Table { headers, align, rows: table_rows }, 8.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_its_parts_on_the_common_scale() {
        let t = ConfigTime { load_seconds: 4.0, unload_seconds: 0.0, warmup_seconds: 1.0, measure_seconds: 4.0, other_seconds: 1.0, ..Default::default() };
        // The longest config (20 s) fills 200 points; this one (10 s) half of it.
        let segs = bar_segments(&t, 20.0, 200.0);
        assert_eq!(segs.iter().map(|s| s.0).collect::<Vec<_>>(), vec![0, 2, 3, 4], "no unload segment: {segs:?}");
        assert_eq!(segs, vec![(0, 0.0, 40.0), (2, 40.0, 10.0), (3, 50.0, 40.0), (4, 90.0, 10.0)]);
        assert!(bar_segments(&t, 0.0, 200.0).is_empty());
        assert!(bar_segments(&ConfigTime::default(), 20.0, 200.0).is_empty());
    }

    #[test]
    fn the_run_sentence_needs_a_time_record() {
        let mut r = ProfileResults::default();
        assert!(run_sentence(&r).is_none());
        let mut t = tritium_profile::results::TimeAnatomy { load_seconds: 10.0, measure_seconds: 30.0, loads: 2, measurements: 5, sessions: 2, ..Default::default() };
        t.close(50.0);
        r.time = Some(t);
        let s = run_sentence(&r).unwrap();
        assert!(s.starts_with("The whole run took 50.0 s: load 10.0 s (20 %), unload 0.0 s (0 %), warm-up 0.0 s (0 %), measure 30.0 s (60 %), idle 10.0 s (20 %); 2 loads, 5 measurements, over 2 sessions"), "{s}");
    }
}
