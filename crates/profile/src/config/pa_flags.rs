//! `perf_analyzer_flags`: the flags kept as YAML values, typed accessors for
//! the ones tritium's measurement loop honours, and their validation.

use std::collections::BTreeMap;

use serde_yaml::Value as Yaml;

use tritium_bench::loadgen::Distribution;

use super::MeasurementMode;

/// One `--shape NAME:d1,d2,...` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorShape {
    /// Input tensor name.
    pub name: String,
    /// Dimensions (without the batch dimension).
    pub dims: Vec<i64>,
}

/// `perf_analyzer_flags`: flag name (perf_analyzer's long option, kebab-case)
/// -> scalar or list, kept as YAML values, with typed accessors for the flags
/// tritium's measurement loop honours. The typed flags are validated when the
/// config is read, so the accessors do not fail.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PerfAnalyzerFlags(pub BTreeMap<String, Yaml>);

impl PerfAnalyzerFlags {
    /// The raw value of a flag.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.0.get(key)
    }

    /// True when no flag is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `shape`: a string `NAME:d1,d2` or a list of them (additive flag).
    pub fn shapes(&self) -> Vec<TensorShape> {
        scalar_or_list_strings(self.get("shape"))
            .iter()
            .filter_map(|s| parse_shape(s).ok())
            .collect()
    }

    /// `input-data`: a string or list of strings (additive flag).
    pub fn input_data(&self) -> Vec<String> {
        scalar_or_list_strings(self.get("input-data"))
    }

    /// `measurement-interval` in milliseconds.
    pub fn measurement_interval_ms(&self) -> Option<u64> {
        self.get("measurement-interval").and_then(yaml_u64)
    }

    /// `measurement-request-count`.
    pub fn measurement_request_count(&self) -> Option<u64> {
        self.get("measurement-request-count").and_then(yaml_u64)
    }

    /// `measurement-mode`.
    pub fn measurement_mode(&self) -> Option<MeasurementMode> {
        match yaml_string(self.get("measurement-mode")?)?.as_str() {
            "time_windows" => Some(MeasurementMode::TimeWindows),
            "count_windows" => Some(MeasurementMode::CountWindows),
            _ => None,
        }
    }

    /// `batch-size` (client-side batch size of each request).
    pub fn batch_size(&self) -> Option<u32> {
        self.get("batch-size")
            .and_then(yaml_u64)
            .and_then(|v| u32::try_from(v).ok())
    }

    /// `percentile` (the latency percentile used for stability, 1..=99).
    pub fn percentile(&self) -> Option<u32> {
        self.get("percentile")
            .and_then(yaml_u64)
            .and_then(|v| u32::try_from(v).ok())
    }

    /// `stability-percentage`.
    pub fn stability_percentage(&self) -> Option<f64> {
        self.get("stability-percentage").and_then(yaml_f64)
    }

    /// `max-trials`.
    pub fn max_trials(&self) -> Option<u32> {
        self.get("max-trials")
            .and_then(yaml_u64)
            .and_then(|v| u32::try_from(v).ok())
    }

    /// True when an inference-load flag (`concurrency-range`,
    /// `request-rate-range`, `request-intervals`) is set, which makes Model
    /// Analyzer skip its own concurrency choice (`is_load_specified`).
    pub fn is_load_specified(&self) -> bool {
        [
            "concurrency-range",
            "request-rate-range",
            "request-intervals",
        ]
        .iter()
        .any(|k| self.0.contains_key(*k))
    }

    /// `concurrency-range` as load levels (see [`load_range`]); None when
    /// absent. Validated when the config is read.
    pub fn concurrency_range(&self) -> Option<Vec<u32>> {
        self.get("concurrency-range").and_then(|v| load_range(v).ok())
    }

    /// `request-rate-range` as load levels in requests/s (see
    /// [`load_range`]); None when absent. Validated when the config is read.
    pub fn request_rate_range(&self) -> Option<Vec<u32>> {
        self.get("request-rate-range").and_then(|v| load_range(v).ok())
    }

    /// `request-distribution` (perf_analyzer's default: constant).
    pub fn request_distribution(&self) -> Distribution {
        match self.get("request-distribution").and_then(yaml_string).as_deref() {
            Some("poisson") => Distribution::Poisson,
            _ => Distribution::Constant,
        }
    }

    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        if self.0.contains_key("concurrency-range") && self.0.contains_key("request-rate-range") {
            return Err(("request-rate-range".into(), "cannot be combined with concurrency-range (one load kind per model, as perf_analyzer)".into()));
        }
        for key in ["concurrency-range", "request-rate-range"] {
            if let Some(v) = self.get(key) {
                let levels = load_range(v).map_err(|m| (key.to_string(), m))?;
                if key == "concurrency-range" {
                    for &c in &levels {
                        tritium_bench::limits::check_concurrency(u64::from(c), key).map_err(|m| (key.to_string(), m))?;
                    }
                }
            }
        }
        if let Some(v) = self.get("request-distribution") {
            if !matches!(yaml_string(v).as_deref(), Some("constant") | Some("poisson")) {
                return Err(("request-distribution".into(), "expected `constant` or `poisson`".into()));
            }
        }
        for key in [
            "measurement-interval",
            "measurement-request-count",
            "batch-size",
            "max-trials",
            "percentile",
        ] {
            if let Some(v) = self.get(key) {
                if yaml_u64(v).is_none() {
                    return Err((
                        key.to_string(),
                        "expected a non-negative integer".to_string(),
                    ));
                }
            }
        }
        if let Some(v) = self.get("percentile").and_then(yaml_u64) {
            if !(1..=99).contains(&v) {
                return Err(("percentile".into(), format!("{v} is out of range: must be between 1 and 99")));
            }
        }
        for key in ["measurement-interval", "measurement-request-count", "max-trials"] {
            if self.get(key).and_then(yaml_u64) == Some(0) {
                return Err((key.into(), "must be at least 1".into()));
            }
        }
        if let Some(v) = self.get("max-trials").and_then(yaml_u64) {
            if u32::try_from(v).is_err() {
                return Err(("max-trials".into(), format!("{v} is too large (at most {})", u32::MAX)));
            }
        }
        if let Some(v) = self.get("stability-percentage") {
            match yaml_f64(v) {
                None => return Err(("stability-percentage".into(), "expected a number".into())),
                Some(x) if !(x > 0.0 && x.is_finite()) => {
                    return Err(("stability-percentage".into(), format!("{x} is out of range: must be a percentage above 0")))
                }
                Some(_) => {}
            }
        }
        if let Some(v) = self.get("measurement-mode") {
            match yaml_string(v).as_deref() {
                Some("time_windows") | Some("count_windows") => {}
                _ => {
                    return Err((
                        "measurement-mode".into(),
                        "expected `time_windows` or `count_windows`".into(),
                    ))
                }
            }
        }
        for key in ["shape", "input-data"] {
            if let Some(v) = self.get(key) {
                let ok = match v {
                    Yaml::Sequence(items) => items.iter().all(|i| yaml_string(i).is_some()),
                    other => yaml_string(other).is_some(),
                };
                if !ok {
                    return Err((key.into(), "expected a string or a list of strings".into()));
                }
            }
        }
        for s in scalar_or_list_strings(self.get("shape")) {
            parse_shape(&s).map_err(|m| ("shape".to_string(), m))?;
        }
        Ok(())
    }
}

/// perf_analyzer's `start:end:step` load range (`concurrency-range`,
/// `request-rate-range`) as the levels `start, start+step, ... <= end`; a
/// bare `start` (or a YAML integer) is one level, a missing step is 1.
/// tritium's levels are whole numbers: a fractional rate, a 0 (perf_analyzer's
/// "no end" with a latency threshold), `end < start` or more than
/// `bench::limits::MAX_LOAD_LEVELS` levels are refused.
pub fn load_range(v: &Yaml) -> Result<Vec<u32>, String> {
    let text = yaml_string(v).ok_or_else(|| "expected `start:end:step` (e.g. 1:8:2) or one value".to_string())?;
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(format!("{text:?} is not of the form start:end:step"));
    }
    let mut nums = Vec::with_capacity(3);
    for p in &parts {
        let n: u32 = p.parse().map_err(|_| format!("{text:?}: {p:?} is not a whole number of at least 1 (tritium's load levels are integers)"))?;
        if n == 0 {
            return Err(format!("{text:?}: 0 is not a load level (perf_analyzer's open end needs a latency threshold, which profile does not run)"));
        }
        nums.push(n);
    }
    let start = nums[0];
    let end = nums.get(1).copied().unwrap_or(start);
    let step = nums.get(2).copied().unwrap_or(1);
    if end < start {
        return Err(format!("{text:?}: end {end} is below start {start}"));
    }
    let count = (end - start) / step + 1;
    if count as usize > tritium_bench::limits::MAX_LOAD_LEVELS {
        return Err(format!("{text:?} gives {count} load levels, above tritium's limit of {}", tritium_bench::limits::MAX_LOAD_LEVELS));
    }
    Ok((0..count).map(|i| start + i * step).collect())
}

fn parse_shape(s: &str) -> Result<TensorShape, String> {
    let (name, dims) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("shape {s:?} is not of the form NAME:d1,d2,..."))?;
    if name.is_empty() {
        return Err(format!("shape {s:?} has an empty tensor name"));
    }
    let dims = dims
        .split(',')
        .map(|d| d.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("shape {s:?} has a dimension that is not an integer"))?;
    Ok(TensorShape {
        name: name.to_string(),
        dims,
    })
}

pub(super) fn yaml_string(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn yaml_u64(v: &Yaml) -> Option<u64> {
    match v {
        Yaml::Number(n) => n.as_u64(),
        Yaml::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn yaml_f64(v: &Yaml) -> Option<f64> {
    match v {
        Yaml::Number(n) => n.as_f64(),
        Yaml::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn scalar_or_list_strings(v: Option<&Yaml>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(Yaml::Sequence(items)) => items.iter().filter_map(yaml_string).collect(),
        Some(other) => yaml_string(other).into_iter().collect(),
    }
}
