//! A small drawing layer over printpdf 0.12 ops: text in the bundled
//! DejaVu Sans (measured, aligned, rotated, wrapped), lines, rectangles and
//! markers, in points from the page's lower-left corner.
//!
//! printpdf is used without its `html`/`text_layout` features: text is
//! shown glyph by glyph from the embedded TrueType font (with a ToUnicode
//! map, so `pdftotext` reads it back), and every warning printpdf reports
//! while parsing the font or writing the file is an error.

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Line, LineCapStyle, LineDashPattern, LineJoinStyle, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rect, TextItem, TextMatrix, TextRenderingMode, WindingOrder,
};

use tritium_triton::error::{Error, Result};

/// DejaVu Sans 2.37 (Debian fonts-dejavu-core); license in crates/report/assets/fonts/LICENSE-DejaVu.txt.
const FONT_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// A4 landscape, in points.
pub const PAGE_W: f32 = 841.89;
/// A4 landscape, in points.
pub const PAGE_H: f32 = 595.28;
/// Page margin, in points.
pub const MARGIN: f32 = 36.0;

/// An sRGB colour, components in 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

impl Rgb {
    /// From `0xRRGGBB`.
    pub const fn hex(v: u32) -> Rgb {
        Rgb(((v >> 16) & 0xff) as f32 / 255.0, ((v >> 8) & 0xff) as f32 / 255.0, (v & 0xff) as f32 / 255.0)
    }

    /// Mixed with white: `t` = 0 keeps the colour, 1 gives white.
    pub fn lighten(self, t: f32) -> Rgb {
        Rgb(self.0 + (1.0 - self.0) * t, self.1 + (1.0 - self.1) * t, self.2 + (1.0 - self.2) * t)
    }

    /// Mixed with black: `t` = 0 keeps the colour, 1 gives black (0.45 here:
    /// a whisker that shows on a bar of this colour).
    pub fn darken(self) -> Rgb {
        let t = 0.45;
        Rgb(self.0 * (1.0 - t), self.1 * (1.0 - t), self.2 * (1.0 - t))
    }

    fn pdf(self) -> Color {
        Color::Rgb(printpdf::Rgb::new(self.0, self.1, self.2, None))
    }
}

/// Text colour of body text.
pub const BLACK: Rgb = Rgb(0.1, 0.1, 0.1);
/// Secondary text, axes.
pub const GRAY: Rgb = Rgb(0.4, 0.4, 0.4);
/// Grid lines, rules.
pub const LIGHT: Rgb = Rgb(0.86, 0.86, 0.86);
/// Warnings (constraint broken, failures).
pub const RED: Rgb = Rgb(0.75, 0.1, 0.1);
/// White.
pub const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);

/// Horizontal anchor of a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    /// `x` is the left edge.
    Left,
    /// `x` is the centre.
    Center,
    /// `x` is the right edge.
    Right,
}

/// Marker shapes (one per config, with its colour).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// ●
    Circle,
    /// ■
    Square,
    /// ▲
    Triangle,
    /// ◆
    Diamond,
    /// ▼
    TriangleDown,
}

struct FontData {
    font: ParsedFont,
    upem: f32,
}

fn font() -> Result<&'static FontData> {
    static FONT: OnceLock<std::result::Result<FontData, String>> = OnceLock::new();
    FONT.get_or_init(|| {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(FONT_TTF, 0, &mut warnings).ok_or_else(|| "the bundled DejaVu Sans could not be parsed".to_string())?;
        if let Some(w) = warnings.first() {
            return Err(format!("parsing the bundled DejaVu Sans: {w:?}"));
        }
        let upem = font.units_per_em as f32;
        Ok(FontData { font, upem })
    })
    .as_ref()
    .map_err(|e| Error::InvalidArgument(format!("PDF report: {e}")))
}

/// Replaces characters the font has no glyph for (and control characters) with `?`.
pub fn sanitize(s: &str) -> String {
    let Ok(f) = font() else { return s.to_string() };
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '?',
            c if f.font.lookup_glyph_index(c as u32).is_none() => '?',
            c => c,
        })
        .collect()
}

/// Width of `s` set in the bundled font at `size` points.
pub fn text_width(s: &str, size: f32) -> f32 {
    let Ok(f) = font() else { return 0.0 };
    let units: u32 = s
        .chars()
        .map(|c| {
            f.font.lookup_glyph_index(c as u32).or_else(|| f.font.lookup_glyph_index('?' as u32)).and_then(|g| f.font.get_glyph_width(g)).unwrap_or(0) as u32
        })
        .sum();
    units as f32 * size / f.upem
}

/// Greedy word wrap of `s` into lines at most `max_w` wide (a single word
/// longer than that is cut with an ellipsis).
pub fn wrap(s: &str, size: f32, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() { word.to_string() } else { format!("{cur} {word}") };
        if text_width(&cand, size) <= max_w || cur.is_empty() {
            cur = cand;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
        if text_width(&cur, size) > max_w {
            cur = ellipsize(&cur, size, max_w);
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `s`, cut with "…" to fit `max_w`.
pub fn ellipsize(s: &str, size: f32, max_w: f32) -> String {
    if text_width(s, size) <= max_w {
        return s.to_string();
    }
    let mut out: String = s.to_string();
    while !out.is_empty() && text_width(&format!("{out}…"), size) > max_w {
        out.pop();
    }
    format!("{out}…")
}

fn pt(x: f32, y: f32) -> LinePoint {
    LinePoint { p: Point { x: Pt(x), y: Pt(y) }, bezier: false }
}

/// One page being drawn.
pub struct Page {
    ops: Vec<Op>,
    font_id: FontId,
}

impl Page {
    /// Straight lines and polylines drawn so far (what tests count).
    #[cfg(test)]
    pub(crate) fn lines_drawn(&self) -> usize {
        self.ops.iter().filter(|o| matches!(o, Op::DrawLine { .. })).count()
    }

    /// Text at (`x`, `y`) = baseline anchor.
    pub fn text(&mut self, x: f32, y: f32, s: &str, size: f32, color: Rgb, align: Align) {
        self.text_styled(x, y, s, size, color, align, false)
    }

    /// Bold-looking text (the regular face filled and stroked thinly, so a
    /// single embedded font serves all text).
    pub fn bold(&mut self, x: f32, y: f32, s: &str, size: f32, color: Rgb, align: Align) {
        self.text_styled(x, y, s, size, color, align, true)
    }

    #[allow(clippy::too_many_arguments)]
    fn text_styled(&mut self, x: f32, y: f32, s: &str, size: f32, color: Rgb, align: Align, bold: bool) {
        let s = sanitize(s);
        if s.trim().is_empty() {
            return;
        }
        let w = text_width(&s, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x - w / 2.0,
            Align::Right => x - w,
        };
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetFillColor { col: color.pdf() });
        if bold {
            self.ops.push(Op::SetOutlineColor { col: color.pdf() });
            self.ops.push(Op::SetOutlineThickness { pt: Pt(size * 0.045) });
        }
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFont { font: PdfFontHandle::External(self.font_id.clone()), size: Pt(size) });
        if bold {
            self.ops.push(Op::SetTextRenderingMode { mode: TextRenderingMode::FillStroke });
        }
        self.ops.push(Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(y) } });
        self.ops.push(Op::ShowText { items: vec![TextItem::Text(s)] });
        self.ops.push(Op::EndTextSection);
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// Text rotated 90° counter-clockwise (reading upwards), centred on `y`,
    /// baseline at `x`.
    pub fn text_up(&mut self, x: f32, y: f32, s: &str, size: f32, color: Rgb) {
        let s = sanitize(s);
        let w = text_width(&s, size);
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetFillColor { col: color.pdf() });
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFont { font: PdfFontHandle::External(self.font_id.clone()), size: Pt(size) });
        self.ops.push(Op::SetTextMatrix { matrix: TextMatrix::Raw([0.0, 1.0, -1.0, 0.0, x, y - w / 2.0]) });
        self.ops.push(Op::ShowText { items: vec![TextItem::Text(s)] });
        self.ops.push(Op::EndTextSection);
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A polyline.
    pub fn polyline(&mut self, points: &[(f32, f32)], color: Rgb, width: f32, dash: Option<&[f32]>) {
        if points.len() < 2 {
            return;
        }
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetOutlineColor { col: color.pdf() });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        self.ops.push(Op::SetLineJoinStyle { join: LineJoinStyle::Round });
        self.ops.push(Op::SetLineCapStyle { cap: LineCapStyle::Butt });
        if let Some(d) = dash {
            self.ops.push(Op::SetLineDashPattern { dash: LineDashPattern::new(0.0, d) });
        }
        self.ops.push(Op::DrawLine { line: Line { points: points.iter().map(|&(x, y)| pt(x, y)).collect(), is_closed: false } });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A straight line.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: Rgb, width: f32) {
        self.polyline(&[(x1, y1), (x2, y2)], color, width, None);
    }

    /// A filled rectangle (lower-left corner, size).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetFillColor { col: color.pdf() });
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect { x: Pt(x), y: Pt(y), width: Pt(w), height: Pt(h), mode: Some(PaintMode::Fill), winding_order: Some(WindingOrder::NonZero) },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// An outlined rectangle.
    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb, width: f32) {
        self.polyline(&[(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)], color, width, None);
    }

    fn polygon(&mut self, points: &[(f32, f32)], fill: Rgb, stroke: Option<(Rgb, f32)>) {
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetFillColor { col: fill.pdf() });
        let mode = match stroke {
            Some((c, w)) => {
                self.ops.push(Op::SetOutlineColor { col: c.pdf() });
                self.ops.push(Op::SetOutlineThickness { pt: Pt(w) });
                PaintMode::FillStroke
            }
            None => PaintMode::Fill,
        };
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points: points.iter().map(|&(x, y)| pt(x, y)).collect() }],
                mode,
                winding_order: WindingOrder::NonZero,
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A marker of size `s` (about its width) centred on (`x`, `y`); hollow
    /// markers are white inside.
    pub fn marker(&mut self, x: f32, y: f32, shape: Shape, s: f32, color: Rgb, filled: bool) {
        let r = s / 2.0;
        let pts: Vec<(f32, f32)> = match shape {
            Shape::Circle => (0..16).map(|i| (i as f32) * std::f32::consts::TAU / 16.0).map(|a| (x + r * a.cos(), y + r * a.sin())).collect(),
            Shape::Square => {
                let r = r * 0.88;
                vec![(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
            }
            Shape::Triangle => vec![(x - r * 1.05, y - r * 0.8), (x + r * 1.05, y - r * 0.8), (x, y + r * 1.05)],
            Shape::TriangleDown => vec![(x - r * 1.05, y + r * 0.8), (x + r * 1.05, y + r * 0.8), (x, y - r * 1.05)],
            Shape::Diamond => vec![(x, y - r * 1.15), (x + r * 1.15, y), (x, y + r * 1.15), (x - r * 1.15, y)],
        };
        let fill = if filled { color } else { WHITE };
        self.polygon(&pts, fill, Some((color, if filled { 0.4 } else { 1.1 })));
    }
}

/// A document of pages sharing the embedded font.
pub struct Doc {
    doc: PdfDocument,
    font_id: FontId,
    pages: Vec<Page>,
}

impl Doc {
    /// A new document titled `title`.
    pub fn new(title: &str) -> Result<Doc> {
        let f = font()?;
        let mut doc = PdfDocument::new(title);
        doc.metadata.info.creator = format!("tritium {}", env!("CARGO_PKG_VERSION"));
        doc.metadata.info.producer = "tritium report (printpdf 0.12)".to_string();
        let font_id = doc.add_font(&f.font);
        Ok(Doc { doc, font_id, pages: Vec::new() })
    }

    /// Starts a page; draw on the returned index with [`Doc::page`].
    pub fn add_page(&mut self) -> usize {
        self.pages.push(Page { ops: Vec::new(), font_id: self.font_id.clone() });
        self.pages.len() - 1
    }

    /// Page `i`.
    pub fn page(&mut self, i: usize) -> &mut Page {
        &mut self.pages[i]
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The PDF bytes; any printpdf warning is an error naming `what`.
    pub fn finish(mut self, what: &str) -> Result<Vec<u8>> {
        let pages: Vec<PdfPage> = self.pages.into_iter().map(|p| PdfPage::new(Mm::from(Pt(PAGE_W)), Mm::from(Pt(PAGE_H)), p.ops)).collect();
        let mut warnings = Vec::new();
        let bytes = self.doc.with_pages(pages).save(&PdfSaveOptions::default(), &mut warnings);
        if !warnings.is_empty() {
            let msgs: Vec<String> = warnings.iter().map(|w| format!("page {}, op {}: {:?}: {}", w.page, w.op_id, w.severity, w.msg)).collect();
            return Err(Error::InvalidArgument(format!("writing {what}: the PDF writer reported problems: {}", msgs.join("; "))));
        }
        Ok(bytes)
    }
}
