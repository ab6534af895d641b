//! Per-window tallies of the load generator: each worker's latency
//! histogram, counts and failures by kind ([`failure_kind`]: numbers and ids
//! masked, at most [`limits::MAX_FAILURE_KINDS`] kinds plus "other", with
//! one example message per kind), merged by the coordinator at window close.

use std::collections::BTreeMap;

use super::limits;
use super::stats::{LatencyHistogram, HISTOGRAM_HIGH_NS};

/// Sub-windows a time window is cut into (each `interval / SUBWINDOWS`
/// long): the batches of the throughput and mean-latency confidence
/// intervals (`stats::ci`). Count windows and deterministic runs use the
/// same sub-window length, up to [`MAX_SUBWINDOWS`].
pub const SUBWINDOWS: u32 = 10;

/// Most sub-windows one window holds (the accumulators are fixed arrays,
/// so recording stays allocation-free); a longer window's tail stays in the last.
pub const MAX_SUBWINDOWS: usize = 32;

/// One worker's successes in one sub-window.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct SubAcc {
    /// Successful completions.
    pub ok: u64,
    /// Sum of their latencies (ns, clamped as the histogram clamps them).
    pub latency_ns: u128,
}

/// One worker's numbers for one window.
#[derive(Debug, Default)]
pub struct WindowAcc {
    /// Latencies of successful requests, ns.
    pub hist: LatencyHistogram,
    /// Successful completions.
    pub ok: u64,
    /// Failed completions by kind ([`failure_kind`]; at most
    /// [`limits::MAX_FAILURE_KINDS`] kinds plus [`limits::OTHER_FAILURES`]).
    pub failed: BTreeMap<String, u64>,
    /// One example message per failure kind.
    pub examples: BTreeMap<String, String>,
    /// Sum over successful requests of (completion − actual issue time), ns.
    /// Equals the latency sum in closed loop; in request-rate mode latency
    /// counts from the scheduled time instead.
    pub issue_to_done_ns: u128,
    /// Requests sent.
    pub sent: u64,
    /// Scheduled sends skipped because every prepared request was in flight.
    pub skipped: u64,
    /// Sends later than 1 ms after their scheduled time.
    pub late: u64,
    /// Requests refused at issue.
    pub issue_errors: u64,
    /// Successes per sub-window (index set by the coordinator, see
    /// [`SUBWINDOWS`]); they sum to `ok` and the histogram's latencies.
    pub sub: [SubAcc; MAX_SUBWINDOWS],
}

impl WindowAcc {
    /// Counts one successful request of latency `ns` in sub-window `sub`
    /// (clamped to the last one). No allocation.
    pub fn record_ok(&mut self, ns: u64, sub: usize) {
        self.ok += 1;
        self.hist.record(ns);
        let s = &mut self.sub[sub.min(MAX_SUBWINDOWS - 1)];
        s.ok += 1;
        s.latency_ns += u128::from(ns.min(HISTOGRAM_HIGH_NS));
    }

    /// Counts one failed request with this message (its kind from [`failure_kind`]).
    pub fn fail(&mut self, message: &str) {
        self.add_failures(failure_kind(message), message, 1);
    }

    fn add_failures(&mut self, kind: String, example: &str, n: u64) {
        let kinds = self.failed.len() - usize::from(self.failed.contains_key(limits::OTHER_FAILURES));
        let key = if self.failed.contains_key(&kind) || kinds < limits::MAX_FAILURE_KINDS { kind } else { limits::OTHER_FAILURES.to_string() };
        // The example only when it says more than the kind.
        if !self.examples.contains_key(&key) && !example.is_empty() && example != key {
            self.examples.insert(key.clone(), truncate(example, 300));
        }
        *self.failed.entry(key).or_default() += n;
    }

    /// Adds `o` into `self`.
    pub fn merge(&mut self, o: &WindowAcc) {
        self.hist.merge(&o.hist);
        self.ok += o.ok;
        self.issue_to_done_ns += o.issue_to_done_ns;
        for (k, v) in &o.failed {
            let example = o.examples.get(k).map(String::as_str).unwrap_or("");
            self.add_failures(k.clone(), example, *v);
        }
        self.sent += o.sent;
        self.skipped += o.skipped;
        self.late += o.late;
        self.issue_errors += o.issue_errors;
        for (a, b) in self.sub.iter_mut().zip(&o.sub) {
            a.ok += b.ok;
            a.latency_ns += b.latency_ns;
        }
    }
}

/// `s` cut to at most `max` characters (an ellipsis marks the cut).
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The kind of a failure message: its first line with numbers, hex values
/// and ids masked as `#` and at most 160 characters, so that messages that
/// differ only in a request id, an address, an instance index or a duration
/// count together.
///
/// Per word (runs of letters and digits): `0x…` hex, an all-digit word and
/// a hex word of 4+ characters holding a digit (ids, UUID parts) become `#`;
/// a word starting with digits keeps its tail (`250ms` → `#ms`); other words
/// (`FP32`, `INT8`, `model_v2`) stay.
pub fn failure_kind(message: &str) -> String {
    let line = message.lines().next().unwrap_or("");
    let mut out = String::with_capacity(line.len().min(200));
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            if !d.is_ascii_alphanumeric() {
                break;
            }
            end = i + d.len_utf8();
            chars.next();
        }
        out.push_str(&mask_word(&line[start..end]));
        if out.chars().count() > 160 {
            break;
        }
    }
    truncate(&out, 160)
}

fn mask_word(w: &str) -> String {
    let b = w.as_bytes();
    let has_digit = b.iter().any(u8::is_ascii_digit);
    if !has_digit {
        return w.to_string();
    }
    let all_hex = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_hexdigit);
    if (b.len() > 2 && (b[0] == b'0') && (b[1] == b'x' || b[1] == b'X') && all_hex(&b[2..])) || b.iter().all(u8::is_ascii_digit) || (b.len() >= 4 && all_hex(b)) {
        return "#".to_string();
    }
    if b[0].is_ascii_digit() {
        let tail = w.trim_start_matches(|c: char| c.is_ascii_digit());
        return format!("#{tail}");
    }
    w.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulators_merge() {
        let mut a = WindowAcc { ok: 2, ..Default::default() };
        a.hist.record(1000);
        a.failed.insert("x".into(), 1);
        let mut b = WindowAcc { ok: 3, ..Default::default() };
        b.hist.record(3000);
        b.failed.insert("x".into(), 2);
        b.skipped = 4;
        a.merge(&b);
        assert_eq!((a.ok, a.hist.count(), a.failed["x"], a.skipped), (5, 2, 3, 4));
    }

    #[test]
    fn failure_kinds_mask_ids_and_numbers() {
        let a = failure_kind("inference: Triton error (Internal): Failed to process the request(s) for model instance 'reject_all_0_0', message: request 1234 rejected after 250ms");
        let b = failure_kind("inference: Triton error (Internal): Failed to process the request(s) for model instance 'reject_all_0_1', message: request 98 rejected after 7ms");
        assert_eq!(a, b);
        assert!(a.contains("reject_all_#_#") && a.contains("request # rejected after #ms"), "{a}");
        let u = failure_kind("shm region triton_python_backend_shm_region_1ab3f4fa-7bc3-4a48-9bd4-3924908ce35e at 0x7f3a9c001000 gone");
        assert_eq!(u, "shm region triton_python_backend_shm_region_#-#-#-#-# at # gone");
        // Type names and versions stay.
        assert_eq!(failure_kind("output mismatch: OUT is FP64 but the model declares FP32"), "output mismatch: OUT is FP64 but the model declares FP32");
        assert_eq!(failure_kind("INT8 model_v2 x86"), "INT8 model_v2 x86");
        // First line only, bounded length.
        assert_eq!(failure_kind("first\nsecond"), "first");
        let long = "é".repeat(1000);
        assert!(failure_kind(&long).chars().count() <= 161);
    }

    #[test]
    fn failure_kinds_are_capped_with_an_other_bucket() {
        let mut a = WindowAcc::default();
        for i in 0..40 {
            // Words without digits: 40 distinct kinds.
            let word: String = std::iter::repeat_n((b'a' + (i % 26) as u8) as char, 1 + i as usize / 26).collect();
            a.fail(&format!("error {word}"));
            a.fail(&format!("error {word}"));
        }
        assert_eq!(a.failed.len(), limits::MAX_FAILURE_KINDS + 1);
        assert_eq!(a.failed.values().sum::<u64>(), 80);
        assert_eq!(a.failed[limits::OTHER_FAILURES], 2 * (40 - limits::MAX_FAILURE_KINDS as u64));
        // Examples only where the message says more than its kind ("other" keeps its first).
        assert_eq!(a.examples.len(), 1);
        assert!(a.examples[limits::OTHER_FAILURES].starts_with("error "));
        // Merging keeps the cap and the counts.
        let mut b = WindowAcc::default();
        for i in 0..20 {
            b.fail(&format!("other error {}", "z".repeat(i + 1)));
        }
        a.merge(&b);
        assert_eq!(a.failed.len(), limits::MAX_FAILURE_KINDS + 1);
        assert_eq!(a.failed.values().sum::<u64>(), 100);
        // Same kind, different ids: one entry, the first message kept as the example.
        let mut c = WindowAcc::default();
        c.fail("request 17 failed");
        c.fail("request 18 failed");
        assert_eq!(c.failed.len(), 1);
        assert_eq!(c.failed["request # failed"], 2);
        assert_eq!(c.examples["request # failed"], "request 17 failed");
    }
}
