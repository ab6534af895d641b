//! Top-to-bottom page flow: headings, "Label: value" lines, paragraphs and
//! tables, starting new pages as needed, and page footers.

use super::pdf::{text_width, wrap, Align, Doc, Page, Rgb, BLACK, GRAY, LIGHT, MARGIN, PAGE_H, PAGE_W};
use super::table::Table;
use tritium_triton::error::Result;

/// Lowest y of content (the footer sits below).
const BOTTOM: f32 = MARGIN + 14.0;

/// A document being filled from the top of its pages down.
pub struct Flow {
    pub doc: Doc,
    pub page: usize,
    pub y: f32,
    /// Shown at the top of continuation pages and in footers.
    title: String,
}

impl Flow {
    /// A document with its first page.
    pub fn new(title: &str) -> Result<Flow> {
        let mut doc = Doc::new(title)?;
        let page = doc.add_page();
        Ok(Flow { doc, page, y: PAGE_H - MARGIN, title: title.to_string() })
    }

    /// The current page.
    pub fn p(&mut self) -> &mut Page {
        self.doc.page(self.page)
    }

    /// Content width.
    pub fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    /// Starts a new page with a small continuation heading.
    pub fn new_page(&mut self) {
        self.page = self.doc.add_page();
        self.y = PAGE_H - MARGIN;
        let t = format!("{} (continued)", self.title);
        let y = self.y - 10.0;
        self.p().bold(MARGIN, y, &t, 10.0, GRAY, Align::Left);
        self.y -= 22.0;
    }

    /// Makes sure `h` points are left on the page.
    pub fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.new_page();
        }
    }

    /// The page title and a rule below it.
    pub fn title(&mut self, t: &str, right: &str) {
        let y = self.y - 17.0;
        self.p().bold(MARGIN, y, t, 17.0, BLACK, Align::Left);
        self.p().text(PAGE_W - MARGIN, y, right, 9.0, GRAY, Align::Right);
        self.y = y - 7.0;
        let y = self.y;
        self.p().line(MARGIN, y, PAGE_W - MARGIN, y, GRAY, 0.8);
        self.y -= 5.0;
    }

    /// A section heading.
    pub fn heading(&mut self, t: &str) {
        self.ensure(40.0);
        self.y -= 13.0;
        let y = self.y;
        self.p().bold(MARGIN, y, t, 10.5, BLACK, Align::Left);
        self.y -= 6.0;
    }

    /// "Label: value" lines, the value wrapped after a bold label.
    pub fn field(&mut self, label: &str, value: &str, size: f32) {
        let lw = text_width(label, size) + 5.0;
        let lines = wrap(value, size, self.width() - lw);
        let lh = size * 1.4;
        self.ensure(lh * lines.len().max(1) as f32);
        self.y -= lh;
        let y = self.y;
        self.p().bold(MARGIN, y, label, size, GRAY, Align::Left);
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                self.y -= lh;
            }
            let y = self.y;
            self.p().text(MARGIN + lw, y, l, size, BLACK, Align::Left);
        }
    }

    /// A wrapped paragraph, indented by `indent`.
    pub fn para(&mut self, text: &str, size: f32, color: Rgb, indent: f32) {
        let lh = size * 1.4;
        for l in wrap(text, size, self.width() - indent) {
            self.ensure(lh);
            self.y -= lh;
            let y = self.y;
            self.p().text(MARGIN + indent, y, &l, size, color, Align::Left);
        }
    }

    /// A paragraph in a shaded box with a coloured bar on the left.
    pub fn callout(&mut self, text: &str, size: f32, accent: Rgb) {
        let lh = size * 1.45;
        let lines = wrap(text, size, self.width() - 20.0);
        let h = lh * lines.len() as f32 + 10.0;
        self.ensure(h + 6.0);
        self.y -= 6.0;
        let top = self.y;
        let w = self.width();
        self.p().fill_rect(MARGIN, top - h, w, h, Rgb(0.965, 0.965, 0.965));
        self.p().fill_rect(MARGIN, top - h, 3.5, h, accent);
        let mut y = top - 5.0;
        for l in &lines {
            y -= lh;
            self.p().text(MARGIN + 12.0, y + lh * 0.22, l, size, BLACK, Align::Left);
        }
        self.y = top - h;
    }

    /// A table across as many pages as it needs (the header repeated).
    pub fn table(&mut self, t: &Table, size: f32) {
        let l = t.layout(self.width(), size);
        let mut start = 0;
        // Keep at least the header and two rows together.
        if self.y - t.height(&l, t.rows.len().min(2)) < BOTTOM {
            self.new_page();
        }
        loop {
            let n = t.rows_fitting(&l, self.y, BOTTOM, start);
            let page = self.page;
            let y = self.y;
            self.y = t.draw(self.doc.page(page), &l, MARGIN, y, start, n);
            start += n;
            if start >= t.rows.len() {
                break;
            }
            self.new_page();
        }
    }

    /// Footers ("page i of n") and the PDF bytes.
    pub fn finish(mut self, what: &str) -> Result<Vec<u8>> {
        let n = self.doc.page_count();
        let left = format!("tritium {} · {}", env!("CARGO_PKG_VERSION"), self.title);
        for i in 0..n {
            let p = self.doc.page(i);
            p.line(MARGIN, MARGIN - 2.0, PAGE_W - MARGIN, MARGIN - 2.0, LIGHT, 0.5);
            p.text(MARGIN, MARGIN - 12.0, &left, 7.0, GRAY, Align::Left);
            p.text(PAGE_W - MARGIN, MARGIN - 12.0, &format!("page {} of {n}", i + 1), 7.0, GRAY, Align::Right);
        }
        self.doc.finish(what)
    }
}
