//! Charts drawn directly with [`pdf`](super::pdf) ops: an x–y line chart
//! (numeric axes) and a category chart (stacked bars on the left axis, lines
//! on the left or right axis). Every axis carries a label with its unit.
//! Points may carry error bars (their 95 % intervals): the geometry is the
//! pure [`error_bar_segments`] (data → line segments on the page), drawn
//! thin in the series' colour with small caps.

use super::pdf::{text_width, Align, Page, Rgb, Shape, BLACK, GRAY, LIGHT};

const TICK_SIZE: f32 = 7.0;
const LABEL_SIZE: f32 = 8.0;
const TITLE_SIZE: f32 = 9.5;

/// A rectangle on the page (lower-left corner, size).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// Left.
    pub x: f32,
    /// Bottom.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// A linear axis with "nice" ticks.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Lowest value shown.
    pub min: f64,
    /// Highest value shown.
    pub max: f64,
    /// Tick step.
    pub step: f64,
    /// Axis label, with its unit.
    pub label: String,
}

impl Axis {
    /// An axis covering `values` (and 0 when `from_zero`), with about `ticks` ticks.
    pub fn covering(values: impl IntoIterator<Item = f64>, from_zero: bool, ticks: usize, label: &str) -> Axis {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for v in values.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            lo = 0.0;
            hi = 1.0;
        }
        if from_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo < 1e-9 {
            // One value: a range around it.
            let pad = if hi.abs() > 1e-9 { hi.abs() * 0.25 } else { 1.0 };
            if from_zero && lo >= 0.0 {
                hi += pad;
            } else {
                lo -= pad;
                hi += pad;
            }
        }
        let step = nice_step((hi - lo) / ticks.max(1) as f64);
        let min = (lo / step).floor() * step;
        let mut max = (hi / step).ceil() * step;
        // Leave headroom above the highest point when it sits on the top tick.
        if (max - hi) < (max - min) * 0.1 {
            max += step;
        }
        Axis { min, max, step, label: label.to_string() }
    }

    /// The ticks, min to max.
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.max - self.min) / self.step).round() as i64;
        (0..=n).map(|i| self.min + i as f64 * self.step).collect()
    }

    /// A tick label.
    pub fn fmt(&self, v: f64) -> String {
        let decimals = if self.step >= 1.0 { 0 } else { (-self.step.log10().floor()) as usize };
        let v = if v.abs() < self.step * 1e-6 { 0.0 } else { v };
        format!("{v:.decimals$}")
    }

    fn pos(&self, v: f64, lo: f32, len: f32) -> f32 {
        lo + ((v - self.min) / (self.max - self.min)) as f32 * len
    }

    fn widest_label(&self) -> f32 {
        self.ticks().iter().map(|&t| text_width(&self.fmt(t), TICK_SIZE)).fold(0.0, f32::max)
    }
}

/// 1, 2 or 5 × 10^k just above `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let m = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// One curve of an x–y chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Line and marker colour.
    pub color: Rgb,
    /// Marker.
    pub shape: Shape,
    /// Points in drawing order: (x, y, filled marker).
    pub points: Vec<(f64, f64, bool)>,
    /// Line width.
    pub width: f32,
    /// The 95 % intervals of each point, parallel to `points` (missing or
    /// empty entries: no bars).
    pub errors: Vec<ErrorBars>,
}

/// The intervals drawn around one point, in data units: `x` a horizontal
/// bar (e.g. a latency interval on a latency axis), `y` a vertical bar (e.g.
/// a throughput interval). None: that bar is omitted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ErrorBars {
    /// (low, high) along the x axis.
    pub x: Option<(f64, f64)>,
    /// (low, high) along the y axis.
    pub y: Option<(f64, f64)>,
}

/// Length of an error bar's caps (points).
pub const CAP: f32 = 3.0;
/// Line width of error bars.
const BAR_WIDTH: f32 = 0.7;

/// A straight segment on the page: ((x1, y1), (x2, y2)).
pub type Segment = ((f32, f32), (f32, f32));

/// Where the interval `iv` lies along `ax` drawn from `lo` over `len`
/// points: (start, end, start is the interval's own end, end is its own
/// end) — an end cut at the axis range is not the interval's, so it gets no
/// cap. None for a non-finite interval or one wholly outside the axis.
fn span(ax: &Axis, iv: (f64, f64), lo: f32, len: f32) -> Option<(f32, f32, bool, bool)> {
    let (a, b) = if iv.0 <= iv.1 { iv } else { (iv.1, iv.0) };
    if !(a.is_finite() && b.is_finite()) || b < ax.min || a > ax.max {
        return None;
    }
    let (ca, cb) = (a.max(ax.min), b.min(ax.max));
    Some((ax.pos(ca, lo, len), ax.pos(cb, lo, len), ca == a, cb == b))
}

/// The segments of the error bars around the point (`vx`, `vy`) of an x–y
/// chart whose plot area is `p`: a horizontal bar over `e.x` at the
/// point's height with vertical caps of [`CAP`], a vertical bar over `e.y`
/// with horizontal caps. Bars are cut at the axes' range (a cut end has no
/// cap); a bar under half a point long (an interval narrower than the
/// marker's outline) is omitted, as is one without an interval.
pub fn error_bar_segments(x: &Axis, y: &Axis, p: Frame, vx: f64, vy: f64, e: ErrorBars) -> Vec<Segment> {
    let (px, py) = (x.pos(vx, p.x, p.w), y.pos(vy, p.y, p.h));
    bar_segments(px, py, e.x.and_then(|iv| span(x, iv, p.x, p.w)), e.y.and_then(|iv| span(y, iv, p.y, p.h)))
}

/// [`error_bar_segments`] on page coordinates: `xs` / `ys` from [`span`].
fn bar_segments(px: f32, py: f32, xs: Option<(f32, f32, bool, bool)>, ys: Option<(f32, f32, bool, bool)>) -> Vec<Segment> {
    let c = CAP / 2.0;
    let mut out = Vec::new();
    if let Some((a, b, cap_a, cap_b)) = xs.filter(|s| s.1 - s.0 >= 0.5) {
        out.push(((a, py), (b, py)));
        for (x, cap) in [(a, cap_a), (b, cap_b)] {
            if cap {
                out.push(((x, py - c), (x, py + c)));
            }
        }
    }
    if let Some((a, b, cap_a, cap_b)) = ys.filter(|s| s.1 - s.0 >= 0.5) {
        out.push(((px, a), (px, b)));
        for (y, cap) in [(a, cap_a), (b, cap_b)] {
            if cap {
                out.push(((px - c, y), (px + c, y)));
            }
        }
    }
    out
}

fn draw_segments(page: &mut Page, segs: &[Segment], color: Rgb) {
    for &((x1, y1), (x2, y2)) in segs {
        page.line(x1, y1, x2, y2, color, BAR_WIDTH);
    }
}

/// A dashed reference line (e.g. a constraint).
#[derive(Debug, Clone)]
pub struct RefLine {
    /// Vertical (at an x value) or horizontal (at a y value).
    pub vertical: bool,
    /// Its value.
    pub value: f64,
    /// Its label.
    pub label: String,
    /// Colour.
    pub color: Rgb,
}

fn title(page: &mut Page, f: Frame, t: &str) {
    page.bold(f.x + f.w / 2.0, f.y + f.h - TITLE_SIZE, t, TITLE_SIZE, BLACK, Align::Center);
}

/// Draws the frame, grid, ticks and labels of a plot area; returns the
/// inner plot rectangle.
fn axes(page: &mut Page, f: Frame, y_left: &Axis, y_right: Option<&Axis>, x_labels: XLabels<'_>, x_label: &str) -> Frame {
    let left = y_left.widest_label() + 6.0 + LABEL_SIZE + 8.0;
    let right = y_right.map(|a| a.widest_label() + 6.0 + LABEL_SIZE + 8.0).unwrap_or(10.0);
    let bottom = TICK_SIZE + 6.0 + LABEL_SIZE + 8.0;
    let top = TITLE_SIZE + 10.0;
    let p = Frame { x: f.x + left, y: f.y + bottom, w: f.w - left - right, h: f.h - bottom - top };

    // Horizontal grid + left ticks.
    for t in y_left.ticks() {
        let y = y_left.pos(t, p.y, p.h);
        page.line(p.x, y, p.x + p.w, y, LIGHT, 0.5);
        page.text(p.x - 4.0, y - TICK_SIZE * 0.35, &y_left.fmt(t), TICK_SIZE, GRAY, Align::Right);
    }
    page.text_up(f.x + LABEL_SIZE, p.y + p.h / 2.0, &y_left.label, LABEL_SIZE, BLACK);
    if let Some(r) = y_right {
        for t in r.ticks() {
            let y = r.pos(t, p.y, p.h);
            page.line(p.x + p.w, y, p.x + p.w + 3.0, y, GRAY, 0.6);
            page.text(p.x + p.w + 5.0, y - TICK_SIZE * 0.35, &r.fmt(t), TICK_SIZE, GRAY, Align::Left);
        }
        page.text_up(f.x + f.w - 2.0, p.y + p.h / 2.0, &r.label, LABEL_SIZE, BLACK);
    }
    match x_labels {
        XLabels::Numeric(ax) => {
            for t in ax.ticks() {
                let x = ax.pos(t, p.x, p.w);
                page.line(x, p.y, x, p.y + p.h, LIGHT, 0.5);
                page.text(x, p.y - TICK_SIZE - 3.0, &ax.fmt(t), TICK_SIZE, GRAY, Align::Center);
            }
        }
        XLabels::Categories(cats) => {
            let slot = p.w / cats.len().max(1) as f32;
            // Label every k-th category when the labels would overlap.
            let widest = cats.iter().map(|c| text_width(c, TICK_SIZE)).fold(0.0, f32::max) + 5.0;
            let k = (widest / slot).ceil().max(1.0) as usize;
            for (i, c) in cats.iter().enumerate() {
                let x = p.x + slot * (i as f32 + 0.5);
                page.line(x, p.y, x, p.y - 3.0, GRAY, 0.6);
                if i % k == 0 {
                    page.text(x, p.y - TICK_SIZE - 3.0, c, TICK_SIZE, GRAY, Align::Center);
                }
            }
        }
    }
    page.text(p.x + p.w / 2.0, f.y + 2.0, x_label, LABEL_SIZE, BLACK, Align::Center);
    // Axis lines.
    page.line(p.x, p.y, p.x + p.w, p.y, GRAY, 0.8);
    page.line(p.x, p.y, p.x, p.y + p.h, GRAY, 0.8);
    if y_right.is_some() {
        page.line(p.x + p.w, p.y, p.x + p.w, p.y + p.h, GRAY, 0.8);
    }
    p
}

enum XLabels<'a> {
    Numeric(&'a Axis),
    Categories(&'a [String]),
}

/// An x–y chart: one polyline with markers per series.
pub fn xy_chart(page: &mut Page, f: Frame, chart_title: &str, x: &Axis, y: &Axis, series: &[Series], refs: &[RefLine]) {
    title(page, f, chart_title);
    let p = axes(page, f, y, None, XLabels::Numeric(x), &x.label);
    for r in refs {
        let (ax, lo, len) = if r.vertical { (x, p.x, p.w) } else { (y, p.y, p.h) };
        if r.value < ax.min || r.value > ax.max {
            continue;
        }
        let v = ax.pos(r.value, lo, len);
        if r.vertical {
            page.polyline(&[(v, p.y), (v, p.y + p.h)], r.color, 0.9, Some(&[4.0, 3.0]));
            page.text(v - 3.0, p.y + p.h - 9.0, &r.label, TICK_SIZE, r.color, Align::Right);
        } else {
            page.polyline(&[(p.x, v), (p.x + p.w, v)], r.color, 0.9, Some(&[4.0, 3.0]));
            page.text(p.x + p.w - 3.0, v + 3.0, &r.label, TICK_SIZE, r.color, Align::Right);
        }
    }
    // Draw in reverse so the first series (the best config) ends on top.
    for s in series.iter().rev() {
        let pts: Vec<(f32, f32)> = s.points.iter().map(|&(vx, vy, _)| (x.pos(vx, p.x, p.w), y.pos(vy, p.y, p.h))).collect();
        page.polyline(&pts, s.color, s.width, None);
        for (&(vx, vy, _), e) in s.points.iter().zip(&s.errors) {
            draw_segments(page, &error_bar_segments(x, y, p, vx, vy, *e), s.color);
        }
        for (i, &(px, py)) in pts.iter().enumerate() {
            page.marker(px, py, s.shape, 5.5, s.color, s.points[i].2);
        }
    }
}

/// Bars stacked per category.
#[derive(Debug, Clone)]
pub struct BarSeries {
    /// Fill.
    pub color: Rgb,
    /// One value per category (None: nothing drawn).
    pub values: Vec<Option<f64>>,
    /// The 95 % interval of each value, parallel to `values`, drawn as a
    /// vertical error bar about the top of the value's bar (shifted by the
    /// bars stacked below it); missing or None: no bar.
    pub errors: Vec<Option<(f64, f64)>>,
}

/// A line over the categories.
#[derive(Debug, Clone)]
pub struct LineSeries {
    /// Colour.
    pub color: Rgb,
    /// Marker.
    pub shape: Shape,
    /// One value per category (None breaks the line).
    pub values: Vec<Option<f64>>,
    /// Dash pattern.
    pub dash: Option<Vec<f32>>,
    /// The 95 % interval of each value, parallel to `values`, drawn as a
    /// vertical error bar (missing or None: no bar).
    pub errors: Vec<Option<(f64, f64)>>,
}

/// A category chart: stacked bars and lines on the left axis, lines on the
/// optional right axis.
#[allow(clippy::too_many_arguments)]
pub fn category_chart(
    page: &mut Page,
    f: Frame,
    chart_title: &str,
    categories: &[String],
    x_label: &str,
    left: &Axis,
    bars: &[BarSeries],
    left_lines: &[LineSeries],
    right: Option<(&Axis, &[LineSeries])>,
) {
    title(page, f, chart_title);
    let p = axes(page, f, left, right.map(|r| r.0), XLabels::Categories(categories), x_label);
    let n = categories.len().max(1);
    let slot = p.w / n as f32;
    let bar_w = (slot * 0.6).min(46.0);
    for i in 0..categories.len() {
        let cx = p.x + slot * (i as f32 + 0.5);
        let mut acc = 0.0f64;
        for b in bars {
            let Some(v) = b.values.get(i).copied().flatten() else { continue };
            if v <= 0.0 {
                continue;
            }
            let y0 = left.pos(acc.max(left.min), p.y, p.h);
            let y1 = left.pos((acc + v).min(left.max), p.y, p.h);
            page.fill_rect(cx - bar_w / 2.0, y0, bar_w, y1 - y0, b.color);
            if let Some(Some((lo, hi))) = b.errors.get(i) {
                // Darker than the bar, so the whisker shows on it.
                let segs = bar_segments(cx, y1, None, span(left, (acc + lo, acc + hi), p.y, p.h));
                draw_segments(page, &segs, b.color.darken());
            }
            acc += v;
        }
    }
    let draw_lines = |page: &mut Page, ax: &Axis, lines: &[LineSeries]| {
        for l in lines {
            let mut run: Vec<(f32, f32)> = Vec::new();
            let mut all: Vec<(f32, f32)> = Vec::new();
            for i in 0..categories.len() {
                match l.values.get(i).copied().flatten() {
                    Some(v) => {
                        let pt = (p.x + slot * (i as f32 + 0.5), ax.pos(v, p.y, p.h));
                        run.push(pt);
                        all.push(pt);
                    }
                    None => {
                        page.polyline(&run, l.color, 1.6, l.dash.as_deref());
                        run.clear();
                    }
                }
            }
            page.polyline(&run, l.color, 1.6, l.dash.as_deref());
            for i in 0..categories.len() {
                if let (Some(v), Some(Some(iv))) = (l.values.get(i).copied().flatten(), l.errors.get(i)) {
                    let px = p.x + slot * (i as f32 + 0.5);
                    let py = ax.pos(v, p.y, p.h);
                    draw_segments(page, &bar_segments(px, py, None, span(ax, *iv, p.y, p.h)), l.color);
                }
            }
            for (x, y) in all {
                page.marker(x, y, l.shape, 5.5, l.color, true);
            }
        }
    };
    draw_lines(page, left, left_lines);
    if let Some((ax, lines)) = right {
        draw_lines(page, ax, lines);
    }
}

/// What a legend entry shows.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    /// A line with a marker.
    Marker(Shape, bool),
    /// A filled box.
    Box,
    /// A dashed line.
    Dashed,
    /// An error bar (a vertical bar with caps).
    ErrorBar,
}

/// A legend row (wrapping) from (`x`, `y` = baseline of the first row);
/// returns the height used.
pub fn legend(page: &mut Page, x: f32, y: f32, max_w: f32, items: &[(String, Rgb, Key)]) -> f32 {
    let size = 8.0;
    let row_h = 12.0;
    let mut cx = x;
    let mut cy = y;
    for (label, color, key) in items {
        let w = 22.0 + text_width(label, size) + 14.0;
        if cx > x && cx + w > x + max_w {
            cx = x;
            cy -= row_h;
        }
        let my = cy + size * 0.35;
        match key {
            Key::Marker(shape, filled) => {
                page.line(cx, my, cx + 16.0, my, *color, 1.6);
                page.marker(cx + 8.0, my, *shape, 5.5, *color, *filled);
            }
            Key::Box => page.fill_rect(cx + 3.0, my - 4.0, 10.0, 8.0, *color),
            Key::Dashed => page.polyline(&[(cx, my), (cx + 16.0, my)], *color, 1.2, Some(&[3.0, 2.0])),
            Key::ErrorBar => draw_segments(page, &bar_segments(cx + 8.0, my, None, Some((my - 4.5, my + 4.5, true, true))), *color),
        }
        page.text(cx + 20.0, cy, label, size, BLACK, Align::Left);
        cx += w;
    }
    y - cy + row_h
}

#[cfg(test)]
mod tests;
