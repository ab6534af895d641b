//! Parser for the Prometheus text exposition format.
//!
//! Triton's `TRITONSERVER_MetricsFormatted` (with
//! `TRITONSERVER_METRIC_PROMETHEUS`) returns the server's metrics in the
//! Prometheus text format (version 0.0.4). This module turns that text into a
//! [`Metrics`] value that can be queried by metric name and labels.
//!
//! Supported syntax:
//!
//! * `# HELP <name> <docstring>` (with `\\` and `\n` escapes in the docstring),
//! * `# TYPE <name> <counter|gauge|histogram|summary|untyped>`,
//! * other `#` comments (ignored) and blank lines,
//! * samples `name{label="value",...} value [timestamp]`, where label values
//!   may contain escaped `\"`, `\\`, `\n` and unescaped commas or braces,
//! * `NaN`, `+Inf`, `-Inf` values,
//! * histogram / summary samples (`_bucket`, `_sum`, `_count`) grouped under
//!   the base family declared by `# TYPE`,
//! * samples without a preceding `# TYPE` (collected in an
//!   [`MetricKind::Untyped`] family named after the sample).
//!
//! Malformed lines are rejected with a [`MetricsParseError`] naming the
//! 1-based line number and the offending line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// Error returned when the exposition text contains a malformed line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("metrics line {line}: {reason}: {text:?}")]
pub struct MetricsParseError {
    /// 1-based line number of the offending line.
    pub line: usize,
    /// The offending line, verbatim.
    pub text: String,
    /// Human-readable description of what is wrong with the line.
    pub reason: String,
}

/// The type of a metric family, as declared by a `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum MetricKind {
    /// A monotonically increasing counter.
    Counter,
    /// A value that can go up and down.
    Gauge,
    /// A histogram (`_bucket`, `_sum` and `_count` samples).
    Histogram,
    /// A summary (quantile samples plus `_sum` and `_count`).
    Summary,
    /// No `# TYPE` line, or an explicit `untyped` declaration.
    #[default]
    Untyped,
}

impl MetricKind {
    /// The lower-case name used in `# TYPE` lines (`"counter"`, `"gauge"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::Summary => "summary",
            MetricKind::Untyped => "untyped",
        }
    }

    /// Parses the type token of a `# TYPE` line; `None` if unknown.
    pub fn from_type_token(token: &str) -> Option<MetricKind> {
        match token {
            "counter" => Some(MetricKind::Counter),
            "gauge" => Some(MetricKind::Gauge),
            "histogram" => Some(MetricKind::Histogram),
            "summary" => Some(MetricKind::Summary),
            "untyped" => Some(MetricKind::Untyped),
            _ => None,
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sample line: a metric name, its labels and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Full sample name as written, e.g. `nv_inference_request_duration_us`
    /// or `my_histogram_bucket`.
    pub name: String,
    /// Label pairs (unescaped values).
    pub labels: BTreeMap<String, String>,
    /// Sample value (may be NaN or ±infinity).
    pub value: f64,
    /// Optional timestamp (milliseconds since the Unix epoch) that followed
    /// the value.
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// The value of label `name`, if present.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }

    /// Whether this sample carries every `(label, value)` pair in `labels`.
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        labels
            .iter()
            .all(|(k, v)| self.labels.get(*k).is_some_and(|have| have == v))
    }
}

/// A metric family: all samples sharing one `# HELP` / `# TYPE` declaration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricFamily {
    /// Family (base) name, e.g. `nv_inference_request_success`.
    pub name: String,
    /// Unescaped `# HELP` docstring, if any.
    pub help: Option<String>,
    /// Declared type ([`MetricKind::Untyped`] when undeclared).
    pub kind: MetricKind,
    /// Samples in the order they appeared.
    pub samples: Vec<Sample>,
}

/// All metric families parsed from one exposition text, keyed by family name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metrics {
    /// Families keyed by their (base) name.
    pub families: BTreeMap<String, MetricFamily>,
}

/// Suffixes under which histogram / summary samples are grouped into their
/// base family.
const GROUPED_SUFFIXES: [&str; 3] = ["_bucket", "_sum", "_count"];

impl Metrics {
    /// Parses Prometheus text exposition format.
    ///
    /// Returns an error naming the first malformed line.
    pub fn parse(text: &str) -> Result<Metrics, MetricsParseError> {
        let mut metrics = Metrics::default();
        let mut typed: BTreeSet<String> = BTreeSet::new();
        let mut helped: BTreeSet<String> = BTreeSet::new();

        for (idx, raw) in text.split('\n').enumerate() {
            let line_no = idx + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let err = |reason: String| MetricsParseError {
                line: line_no,
                text: line.to_string(),
                reason,
            };

            if let Some(comment) = trimmed.strip_prefix('#') {
                metrics.parse_comment(comment, &mut typed, &mut helped, &err)?;
            } else {
                let sample = parse_sample(trimmed).map_err(&err)?;
                let family_name = metrics.family_name_for_sample(&sample.name);
                metrics
                    .families
                    .entry(family_name.clone())
                    .or_insert_with(|| MetricFamily {
                        name: family_name,
                        ..MetricFamily::default()
                    })
                    .samples
                    .push(sample);
            }
        }
        Ok(metrics)
    }

    fn parse_comment(
        &mut self,
        comment: &str,
        typed: &mut BTreeSet<String>,
        helped: &mut BTreeSet<String>,
        err: &dyn Fn(String) -> MetricsParseError,
    ) -> Result<(), MetricsParseError> {
        let comment = comment.trim_start();
        let (keyword, rest) = split_token(comment);
        match keyword {
            "HELP" => {
                let (name, doc) = split_token(rest);
                if name.is_empty() {
                    return Err(err("HELP line without a metric name".into()));
                }
                if !is_metric_name(name) {
                    return Err(err(format!("invalid metric name {name:?} in HELP")));
                }
                if !helped.insert(name.to_string()) {
                    return Err(err(format!("duplicate HELP for metric {name:?}")));
                }
                let help = unescape_help(doc);
                self.family_mut(name).help = Some(help);
            }
            "TYPE" => {
                let (name, rest) = split_token(rest);
                if name.is_empty() {
                    return Err(err("TYPE line without a metric name".into()));
                }
                if !is_metric_name(name) {
                    return Err(err(format!("invalid metric name {name:?} in TYPE")));
                }
                let (kind_token, trailing) = split_token(rest);
                if kind_token.is_empty() {
                    return Err(err(format!("TYPE line for {name:?} without a type")));
                }
                if !trailing.is_empty() {
                    return Err(err(format!("unexpected text after type: {trailing:?}")));
                }
                let kind = MetricKind::from_type_token(kind_token)
                    .ok_or_else(|| err(format!("unknown metric type {kind_token:?}")))?;
                if !typed.insert(name.to_string()) {
                    return Err(err(format!("duplicate TYPE for metric {name:?}")));
                }
                let family = self.family_mut(name);
                if !family.samples.is_empty() {
                    return Err(err(format!(
                        "TYPE for metric {name:?} appears after its samples"
                    )));
                }
                family.kind = kind;
            }
            // Any other comment is ignored.
            _ => {}
        }
        Ok(())
    }

    fn family_mut(&mut self, name: &str) -> &mut MetricFamily {
        self.families
            .entry(name.to_string())
            .or_insert_with(|| MetricFamily {
                name: name.to_string(),
                ..MetricFamily::default()
            })
    }

    /// Name of the family a sample named `sample_name` belongs to: an exact
    /// family if one exists, else the histogram/summary base family for a
    /// `_bucket`/`_sum`/`_count` suffix, else the sample name itself.
    fn family_name_for_sample(&self, sample_name: &str) -> String {
        if self.families.contains_key(sample_name) {
            return sample_name.to_string();
        }
        for suffix in GROUPED_SUFFIXES {
            if let Some(base) = sample_name.strip_suffix(suffix) {
                if let Some(fam) = self.families.get(base) {
                    let grouped = match fam.kind {
                        MetricKind::Histogram => true,
                        MetricKind::Summary => suffix != "_bucket",
                        _ => false,
                    };
                    if grouped {
                        return base.to_string();
                    }
                }
            }
        }
        sample_name.to_string()
    }

    /// The family named `name` (the base name for histograms / summaries).
    pub fn family(&self, name: &str) -> Option<&MetricFamily> {
        self.families.get(name)
    }

    /// Whether no families were parsed.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// All samples whose sample name is exactly `name` (e.g. `foo_bucket` for
    /// a histogram `foo`), in the order they appeared.
    pub fn samples<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        let family = self
            .families
            .get(self.family_name_for_sample(name).as_str());
        family
            .into_iter()
            .flat_map(|f| f.samples.iter())
            .filter(move |s| s.name == name)
    }

    /// Value of the first sample named `name` whose labels include all the
    /// given `(label, value)` pairs (an empty slice matches any sample).
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples(name)
            .find(|s| s.matches(labels))
            .map(|s| s.value)
    }

    /// Sum of the values of all samples named `name`; `None` if there are none.
    pub fn sum(&self, name: &str) -> Option<f64> {
        let mut iter = self.samples(name).peekable();
        iter.peek()?;
        Some(iter.map(|s| s.value).sum())
    }

    /// Sum of the values of all samples named `name` whose labels include all
    /// the given pairs; `None` if none match.
    pub fn sum_matching(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut iter = self.samples(name).filter(|s| s.matches(labels)).peekable();
        iter.peek()?;
        Some(iter.map(|s| s.value).sum())
    }
}

impl FromStr for Metrics {
    type Err = MetricsParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metrics::parse(s)
    }
}

/// Splits off the first whitespace-delimited token; the remainder has its
/// leading whitespace removed.
fn split_token(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find([' ', '\t']) {
        Some(pos) => (&s[..pos], s[pos..].trim_start()),
        None => (s, ""),
    }
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_label_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_metric_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Unescapes a HELP docstring: `\\` → `\`, `\n` → newline; any other
/// backslash is kept literally (as Prometheus does).
fn unescape_help(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut chars = doc.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses one (already trimmed, non-comment) sample line.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(|c: char| !is_metric_name_char(c))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || !is_metric_name(name) {
        return Err("expected a metric name".into());
    }
    let after_name = &line[name_end..];
    if let Some(c) = after_name.chars().next() {
        if !matches!(c, ' ' | '\t' | '{') {
            // e.g. `foo-bar 1`: the name is followed by garbage.
            return Err(format!(
                "invalid character {c:?} after metric name {name:?}"
            ));
        }
    }
    let mut rest = after_name.trim_start_matches([' ', '\t']);

    let mut labels = BTreeMap::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = parse_labels(after_brace, &mut labels)?;
    }

    let (value_tok, rest) = split_token(rest);
    if value_tok.is_empty() {
        return Err(format!("missing value for metric {name:?}"));
    }
    let value = parse_value(value_tok)?;

    let (ts_tok, trailing) = split_token(rest);
    let timestamp_ms = if ts_tok.is_empty() {
        None
    } else {
        Some(
            ts_tok
                .parse::<i64>()
                .map_err(|_| format!("invalid timestamp {ts_tok:?}"))?,
        )
    };
    if !trailing.is_empty() {
        return Err(format!("unexpected text after timestamp: {trailing:?}"));
    }

    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
        timestamp_ms,
    })
}

/// Parses the label set after the opening `{`; returns the text after the
/// closing `}`.
fn parse_labels<'a>(
    mut s: &'a str,
    labels: &mut BTreeMap<String, String>,
) -> Result<&'a str, String> {
    loop {
        s = s.trim_start_matches([' ', '\t']);
        if let Some(after) = s.strip_prefix('}') {
            return Ok(after);
        }
        // Label name.
        let mut chars = s.chars();
        match chars.next() {
            Some(c) if is_label_name_start(c) => {}
            Some(c) => return Err(format!("invalid character {c:?} at start of label name")),
            None => return Err("unterminated label set (missing '}')".into()),
        }
        let name_end = s.find(|c: char| !is_label_name_char(c)).unwrap_or(s.len());
        let label_name = &s[..name_end];
        s = s[name_end..].trim_start_matches([' ', '\t']);
        s = s
            .strip_prefix('=')
            .ok_or_else(|| format!("expected '=' after label name {label_name:?}"))?;
        s = s.trim_start_matches([' ', '\t']);
        s = s
            .strip_prefix('"')
            .ok_or_else(|| format!("expected '\"' to open value of label {label_name:?}"))?;

        // Quoted, escaped label value.
        let mut value = String::new();
        let mut closed_at = None;
        let mut iter = s.char_indices();
        while let Some((i, c)) = iter.next() {
            match c {
                '"' => {
                    closed_at = Some(i);
                    break;
                }
                '\\' => match iter.next() {
                    Some((_, '"')) => value.push('"'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => {
                        return Err(format!(
                            "invalid escape sequence '\\{other}' in value of label {label_name:?}"
                        ))
                    }
                    None => break,
                },
                other => value.push(other),
            }
        }
        let closed_at =
            closed_at.ok_or_else(|| format!("unterminated value of label {label_name:?}"))?;
        s = &s[closed_at + 1..];

        if labels.insert(label_name.to_string(), value).is_some() {
            return Err(format!("duplicate label {label_name:?}"));
        }

        s = s.trim_start_matches([' ', '\t']);
        if let Some(after) = s.strip_prefix(',') {
            s = after;
        } else if !s.starts_with('}') {
            return Err(format!(
                "expected ',' or '}}' after value of label {label_name:?}"
            ));
        }
    }
}

/// Parses a sample value: a float literal, `NaN`, `+Inf`, `-Inf` (case
/// insensitive, as Go's `strconv.ParseFloat` accepts).
fn parse_value(tok: &str) -> Result<f64, String> {
    // Rust's float parser accepts "inf", "infinity", "nan" (any case, optional
    // sign) and ordinary decimal / exponent notation, which matches what the
    // reference Go parser accepts for this format.
    tok.parse::<f64>()
        .map_err(|_| format!("invalid sample value {tok:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRITON_SAMPLE: &str = r#"# HELP nv_inference_request_success Number of successful inference requests, all batch sizes
# TYPE nv_inference_request_success counter
nv_inference_request_success{model="add_sub",version="1"} 42
nv_inference_request_success{model="resnet50",version="3"} 8
# HELP nv_inference_request_failure Number of failed inference requests, all batch sizes
# TYPE nv_inference_request_failure counter
nv_inference_request_failure{model="add_sub",reason="OTHER",version="1"} 0
nv_inference_request_failure{model="add_sub",reason="BACKEND",version="1"} 1
# HELP nv_inference_queue_duration_us Cumulative inference queuing duration in microseconds (includes cached requests)
# TYPE nv_inference_queue_duration_us counter
nv_inference_queue_duration_us{model="add_sub",version="1"} 1520
# HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)
# TYPE nv_gpu_utilization gauge
nv_gpu_utilization{gpu_uuid="GPU-8b1c5f0e-aaaa"} 0.37
# HELP nv_gpu_memory_used_bytes GPU used memory, in bytes
# TYPE nv_gpu_memory_used_bytes gauge
nv_gpu_memory_used_bytes{gpu_uuid="GPU-8b1c5f0e-aaaa"} 1234567890
nv_gpu_memory_used_bytes{gpu_uuid="GPU-0000-bbbb"} 1000
# TYPE nv_pinned_memory_pool_total_bytes gauge
nv_pinned_memory_pool_total_bytes 268435456
# HELP nv_inference_first_response_histogram_ms Duration from request to first response in milliseconds
# TYPE nv_inference_first_response_histogram_ms histogram
nv_inference_first_response_histogram_ms_count{model="add_sub",version="1"} 42
nv_inference_first_response_histogram_ms_sum{model="add_sub",version="1"} 21.5
nv_inference_first_response_histogram_ms_bucket{model="add_sub",version="1",le="100"} 40
nv_inference_first_response_histogram_ms_bucket{model="add_sub",version="1",le="500"} 42
nv_inference_first_response_histogram_ms_bucket{model="add_sub",version="1",le="+Inf"} 42
"#;

    #[test]
    fn parses_realistic_triton_output() {
        let m = Metrics::parse(TRITON_SAMPLE).expect("parse");
        let fam = m.family("nv_inference_request_success").expect("family");
        assert_eq!(fam.kind, MetricKind::Counter);
        assert_eq!(
            fam.help.as_deref(),
            Some("Number of successful inference requests, all batch sizes")
        );
        assert_eq!(fam.samples.len(), 2);
        assert_eq!(
            m.get(
                "nv_inference_request_success",
                &[("model", "add_sub"), ("version", "1")]
            ),
            Some(42.0)
        );
        assert_eq!(
            m.get("nv_inference_request_success", &[("model", "resnet50")]),
            Some(8.0)
        );
        assert_eq!(
            m.get("nv_inference_request_success", &[("model", "nope")]),
            None
        );
        assert_eq!(m.sum("nv_inference_request_success"), Some(50.0));
        assert_eq!(
            m.get("nv_inference_request_failure", &[("reason", "BACKEND")]),
            Some(1.0)
        );
        assert_eq!(
            m.get(
                "nv_gpu_memory_used_bytes",
                &[("gpu_uuid", "GPU-8b1c5f0e-aaaa")]
            ),
            Some(1_234_567_890.0)
        );
        assert_eq!(m.sum("nv_gpu_memory_used_bytes"), Some(1_234_568_890.0));
        assert_eq!(m.get("nv_gpu_utilization", &[]), Some(0.37));
        let pinned = m
            .family("nv_pinned_memory_pool_total_bytes")
            .expect("pinned");
        assert_eq!(pinned.kind, MetricKind::Gauge);
        assert_eq!(pinned.help, None);
        assert!(pinned.samples[0].labels.is_empty());
        assert_eq!(
            m.get("nv_pinned_memory_pool_total_bytes", &[]),
            Some(268_435_456.0)
        );
        assert_eq!(m.get("does_not_exist", &[]), None);
        assert_eq!(m.sum("does_not_exist"), None);
        assert_eq!(m.families.len(), 7);
    }

    #[test]
    fn histogram_samples_grouped_under_base_family() {
        let m = Metrics::parse(TRITON_SAMPLE).expect("parse");
        let base = "nv_inference_first_response_histogram_ms";
        let fam = m.family(base).expect("histogram family");
        assert_eq!(fam.kind, MetricKind::Histogram);
        assert_eq!(fam.samples.len(), 5);
        assert!(m.family(&format!("{base}_bucket")).is_none());
        assert!(m.family(&format!("{base}_count")).is_none());
        assert_eq!(
            m.get(&format!("{base}_count"), &[("model", "add_sub")]),
            Some(42.0)
        );
        assert_eq!(m.get(&format!("{base}_sum"), &[]), Some(21.5));
        assert_eq!(m.samples(&format!("{base}_bucket")).count(), 3);
        let inf = m
            .get(&format!("{base}_bucket"), &[("le", "+Inf")])
            .expect("+Inf bucket");
        assert_eq!(inf, 42.0);
        // The base name itself has no samples for a histogram.
        assert_eq!(m.samples(base).count(), 0);
        assert_eq!(m.sum(base), None);
    }

    #[test]
    fn summary_samples_grouped() {
        let text = "# TYPE rpc_duration summary\n\
                    rpc_duration{quantile=\"0.5\"} 4.2\n\
                    rpc_duration{quantile=\"0.99\"} 9.9\n\
                    rpc_duration_sum 100\n\
                    rpc_duration_count 20\n";
        let m = Metrics::parse(text).expect("parse");
        assert_eq!(m.families.len(), 1);
        let fam = m.family("rpc_duration").expect("family");
        assert_eq!(fam.kind, MetricKind::Summary);
        assert_eq!(fam.samples.len(), 4);
        assert_eq!(m.get("rpc_duration", &[("quantile", "0.99")]), Some(9.9));
        assert_eq!(m.sum("rpc_duration"), Some(4.2 + 9.9));
        assert_eq!(m.get("rpc_duration_count", &[]), Some(20.0));
    }

    #[test]
    fn suffix_not_grouped_for_non_histogram() {
        let text = "# TYPE foo counter\nfoo 1\nfoo_count 2\n";
        let m = Metrics::parse(text).expect("parse");
        assert_eq!(m.families.len(), 2);
        assert_eq!(
            m.family("foo_count").expect("own family").kind,
            MetricKind::Untyped
        );
        assert_eq!(m.get("foo_count", &[]), Some(2.0));
    }

    #[test]
    fn explicit_family_wins_over_suffix_grouping() {
        let text = "# TYPE h histogram\n# TYPE h_count gauge\nh_count 7\nh_bucket{le=\"+Inf\"} 1\n";
        let m = Metrics::parse(text).expect("parse");
        assert_eq!(m.family("h_count").expect("gauge").samples.len(), 1);
        assert_eq!(m.family("h").expect("hist").samples.len(), 1);
        assert_eq!(m.get("h_count", &[]), Some(7.0));
    }

    #[test]
    fn untyped_without_type_line() {
        let m = Metrics::parse("some_metric{a=\"b\"} 3\nsome_metric{a=\"c\"} 4\n").expect("parse");
        let fam = m.family("some_metric").expect("family");
        assert_eq!(fam.kind, MetricKind::Untyped);
        assert_eq!(fam.samples.len(), 2);
        assert_eq!(m.sum("some_metric"), Some(7.0));
    }

    #[test]
    fn help_only_family_is_untyped() {
        let m = Metrics::parse("# HELP x Some help\nx 1\n").expect("parse");
        let fam = m.family("x").expect("family");
        assert_eq!(fam.kind, MetricKind::Untyped);
        assert_eq!(fam.help.as_deref(), Some("Some help"));
    }

    #[test]
    fn escaped_label_values_and_commas() {
        let text =
            r#"m{path="C:\\dir\\file",msg="say \"hi\", then\nleave",empty="",brace="a}b{c"} 1"#;
        let m = Metrics::parse(text).expect("parse");
        let s = m.samples("m").next().expect("sample");
        assert_eq!(s.label("path"), Some(r"C:\dir\file"));
        assert_eq!(s.label("msg"), Some("say \"hi\", then\nleave"));
        assert_eq!(s.label("empty"), Some(""));
        assert_eq!(s.label("brace"), Some("a}b{c"));
        assert_eq!(s.labels.len(), 4);
        assert_eq!(m.get("m", &[("msg", "say \"hi\", then\nleave")]), Some(1.0));
    }

    #[test]
    fn whitespace_and_trailing_comma_in_labels() {
        let m = Metrics::parse("m { a = \"1\" , b=\"2\", } 5\n\tn\t6\n").expect("parse");
        let s = m.samples("m").next().expect("sample");
        assert_eq!(s.label("a"), Some("1"));
        assert_eq!(s.label("b"), Some("2"));
        assert_eq!(s.value, 5.0);
        assert_eq!(m.get("n", &[]), Some(6.0));
        let m = Metrics::parse("e{} 1").expect("empty label set");
        assert!(m.samples("e").next().expect("sample").labels.is_empty());
    }

    #[test]
    fn special_values_and_timestamps() {
        let text =
            "a NaN\nb +Inf\nc -Inf\nd 1.5e3 1732812345678\ne{x=\"y\"} -0.25 -5\nf Inf\ng 7 \n";
        let m = Metrics::parse(text).expect("parse");
        assert!(m.get("a", &[]).expect("a").is_nan());
        assert_eq!(m.get("b", &[]), Some(f64::INFINITY));
        assert_eq!(m.get("c", &[]), Some(f64::NEG_INFINITY));
        assert_eq!(m.get("d", &[]), Some(1500.0));
        let d = m.samples("d").next().expect("d");
        assert_eq!(d.timestamp_ms, Some(1_732_812_345_678));
        let e = m.samples("e").next().expect("e");
        assert_eq!(e.value, -0.25);
        assert_eq!(e.timestamp_ms, Some(-5));
        assert_eq!(m.get("f", &[]), Some(f64::INFINITY));
        assert_eq!(m.samples("g").next().expect("g").timestamp_ms, None);
    }

    #[test]
    fn blank_lines_crlf_and_comments() {
        let text = "\r\n# just a comment\r\n\r\n   \r\n# TYPE a gauge\r\na 1\r\n#\r\n";
        let m = Metrics::parse(text).expect("parse");
        assert_eq!(m.families.len(), 1);
        assert_eq!(m.get("a", &[]), Some(1.0));
        assert!(Metrics::parse("").expect("empty").is_empty());
    }

    #[test]
    fn help_escapes() {
        let m = Metrics::parse("# HELP a line1\\nline2 back\\\\slash \\t\na 1\n").expect("parse");
        assert_eq!(
            m.family("a").expect("a").help.as_deref(),
            Some("line1\nline2 back\\slash \\t")
        );
        let m = Metrics::parse("# HELP a\na 1\n").expect("parse");
        assert_eq!(m.family("a").expect("a").help.as_deref(), Some(""));
    }

    #[test]
    fn from_str_works() {
        let m: Metrics = "x 1".parse().expect("parse");
        assert_eq!(m.get("x", &[]), Some(1.0));
    }

    #[test]
    fn sum_matching_filters() {
        let m = Metrics::parse(TRITON_SAMPLE).expect("parse");
        assert_eq!(
            m.sum_matching("nv_inference_request_failure", &[("model", "add_sub")]),
            Some(1.0)
        );
        assert_eq!(
            m.sum_matching("nv_inference_request_failure", &[("model", "zzz")]),
            None
        );
    }

    fn expect_err(text: &str, line: usize) -> MetricsParseError {
        match Metrics::parse(text) {
            Ok(m) => panic!("expected error for {text:?}, got {m:?}"),
            Err(e) => {
                assert_eq!(e.line, line, "wrong line for {text:?}: {e}");
                e
            }
        }
    }

    #[test]
    fn rejects_malformed_lines() {
        let e = expect_err("a 1\nb{x=\"1\" 2\n", 2);
        assert_eq!(e.text, "b{x=\"1\" 2");
        let msg = e.to_string();
        assert!(msg.contains("line 2"), "{msg}");
        assert!(msg.contains("b{x="), "{msg}");

        expect_err("a\n", 1); // missing value
        expect_err("a abc\n", 1); // bad value
        expect_err("a 1 2 3\n", 1); // trailing junk
        expect_err("a 1 1.5\n", 1); // non-integer timestamp
        expect_err("a{x=1} 1\n", 1); // unquoted label value
        expect_err("a{x=\"1} 1\n", 1); // unterminated label value
        expect_err("a{x=\"\\q\"} 1\n", 1); // bad escape
        expect_err("a{x=\"1\",x=\"2\"} 1\n", 1); // duplicate label
        expect_err("a{1x=\"1\"} 1\n", 1); // bad label name
        expect_err("a{x\"1\"} 1\n", 1); // missing '='
        expect_err("a{x=\"1\" y=\"2\"} 1\n", 1); // missing comma
        expect_err("1abc 1\n", 1); // bad metric name
        expect_err("a-b 1\n", 1); // bad char after name
        expect_err("{x=\"1\"} 1\n", 1); // no name
        expect_err("\n\n# TYPE a bogus\n", 3); // unknown type
        expect_err("# TYPE a\n", 1); // missing type
        expect_err("# TYPE\n", 1); // missing name
        expect_err("# TYPE a gauge extra\n", 1);
        expect_err("# HELP\n", 1);
        expect_err("# TYPE a gauge\n# TYPE a counter\n", 2); // duplicate TYPE
        expect_err("# HELP a x\n# HELP a y\n", 2); // duplicate HELP
        expect_err("a 1\n# TYPE a gauge\n", 2); // TYPE after samples
    }

    #[test]
    fn error_display_mentions_reason() {
        let e = expect_err("ok 1\nbad line here\n", 2);
        assert_eq!(e.text, "bad line here");
        assert!(!e.reason.is_empty());
    }
}
