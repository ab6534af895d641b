//! Tables: columns sized to their content (the font shrinks, down to 6 pt,
//! when they do not fit the width), a shaded header, highlighted rows, and
//! row-by-row pagination.

use super::pdf::{text_width, Align, Page, Rgb, Shape, BLACK, GRAY, LIGHT};

const PAD: f32 = 5.0;
const SWATCH: f32 = 11.0;

/// One row.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// Cell texts.
    pub cells: Vec<String>,
    /// Per-cell text colour (default black).
    pub colors: Vec<Option<Rgb>>,
    /// Background.
    pub fill: Option<Rgb>,
    /// Bold text.
    pub bold: bool,
    /// A marker drawn before the first cell (the config's colour and shape).
    pub swatch: Option<(Rgb, Shape, bool)>,
}

/// A table.
#[derive(Debug, Clone)]
pub struct Table {
    /// Header texts; `\n` splits a header into two lines.
    pub headers: Vec<String>,
    /// Column alignment.
    pub align: Vec<Align>,
    /// Rows.
    pub rows: Vec<Row>,
}

/// Font size and column widths for a width.
#[derive(Debug, Clone)]
pub struct Layout {
    size: f32,
    widths: Vec<f32>,
    header_lines: usize,
}

impl Layout {
    fn row_h(&self) -> f32 {
        self.size * 1.85
    }
    fn header_h(&self) -> f32 {
        self.size * 1.25 * self.header_lines as f32 + self.size * 0.9
    }
    /// Total width.
    pub fn width(&self) -> f32 {
        self.widths.iter().sum()
    }
}

impl Table {
    fn natural(&self, size: f32) -> Vec<f32> {
        let swatch = self.rows.iter().any(|r| r.swatch.is_some());
        (0..self.headers.len())
            .map(|c| {
                let head = self.headers[c].lines().map(|l| text_width(l, size)).fold(0.0, f32::max);
                let body = self.rows.iter().filter_map(|r| r.cells.get(c)).map(|t| text_width(t, size) * 1.04).fold(0.0, f32::max);
                let extra = if c == 0 && swatch { SWATCH } else { 0.0 };
                head.max(body + extra) + 2.0 * PAD
            })
            .collect()
    }

    /// Sizes the table for `max_w` (preferred font size `size`).
    pub fn layout(&self, max_w: f32, size: f32) -> Layout {
        let header_lines = self.headers.iter().map(|h| h.lines().count()).max().unwrap_or(1).max(1);
        let mut s = size;
        let mut widths = self.natural(s);
        while widths.iter().sum::<f32>() > max_w && s > 6.0 {
            s = (s - 0.25).max(6.0);
            widths = self.natural(s);
        }
        let total: f32 = widths.iter().sum();
        if total < max_w {
            // Spread the spare width over the columns.
            let extra = (max_w - total) / widths.len().max(1) as f32;
            for w in &mut widths {
                *w += extra;
            }
        }
        Layout { size: s, widths, header_lines }
    }

    /// Height of the header plus `rows` rows.
    pub fn height(&self, l: &Layout, rows: usize) -> f32 {
        l.header_h() + l.row_h() * rows as f32
    }

    /// How many rows from `start` fit above `y_bottom` when the header starts at `y_top`.
    pub fn rows_fitting(&self, l: &Layout, y_top: f32, y_bottom: f32, start: usize) -> usize {
        let avail = y_top - y_bottom - l.header_h();
        let n = (avail / l.row_h()).floor().max(0.0) as usize;
        n.min(self.rows.len().saturating_sub(start))
    }

    /// Draws the header and rows `start..start + n` from `y_top` down; returns the y below.
    pub fn draw(&self, page: &mut Page, l: &Layout, x: f32, y_top: f32, start: usize, n: usize) -> f32 {
        let s = l.size;
        let w = l.width();
        // Header.
        let hh = l.header_h();
        page.fill_rect(x, y_top - hh, w, hh, Rgb(0.93, 0.93, 0.93));
        let mut cx = x;
        for (c, h) in self.headers.iter().enumerate() {
            let lines: Vec<&str> = h.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                // Bottom-aligned, so one-line headers sit on the last line of two-line ones.
                let y = y_top - hh + s * 0.6 + s * 1.25 * (lines.len() - 1 - i) as f32;
                text_in(page, cx, l.widths[c], y, line, s, BLACK, self.align[c], true);
            }
            cx += l.widths[c];
        }
        page.line(x, y_top - hh, x + w, y_top - hh, GRAY, 0.8);
        // Rows.
        let rh = l.row_h();
        let mut y = y_top - hh;
        for (i, r) in self.rows.iter().enumerate().skip(start).take(n) {
            let fill = r.fill.or(if (i - start) % 2 == 1 { Some(Rgb(0.975, 0.975, 0.975)) } else { None });
            if let Some(f) = fill {
                page.fill_rect(x, y - rh, w, rh, f);
            }
            let base = y - rh / 2.0 - s * 0.35;
            let mut cx = x;
            for (c, cell) in r.cells.iter().enumerate() {
                let Some(&cw) = l.widths.get(c) else { break };
                let color = r.colors.get(c).copied().flatten().unwrap_or(BLACK);
                let (mut tx, mut tw) = (cx, cw);
                if c == 0 {
                    if let Some((col, shape, filled)) = r.swatch {
                        page.marker(cx + PAD + 4.0, y - rh / 2.0, shape, 6.0, col, filled);
                        tx += SWATCH;
                        tw -= SWATCH;
                    }
                }
                text_in(page, tx, tw, base, cell, s, color, self.align[c], r.bold);
                cx += cw;
            }
            y -= rh;
            page.line(x, y, x + w, y, LIGHT, 0.5);
        }
        page.line(x, y, x + w, y, GRAY, 0.8);
        y
    }
}

#[allow(clippy::too_many_arguments)]
fn text_in(page: &mut Page, x: f32, w: f32, y: f32, t: &str, size: f32, color: Rgb, align: Align, bold: bool) {
    let t = super::pdf::ellipsize(t, size, w - 2.0 * PAD + 1.0);
    let (ax, al) = match align {
        Align::Left => (x + PAD, Align::Left),
        Align::Center => (x + w / 2.0, Align::Center),
        Align::Right => (x + w - PAD, Align::Right),
    };
    if bold {
        page.bold(ax, y, &t, size, color, al);
    } else {
        page.text(ax, y, &t, size, color, al);
    }
}
