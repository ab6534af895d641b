//! `perf_analyzer_flags`: the flags kept as YAML values, typed accessors for
//! the ones tritium's measurement loop honours, and their validation.

use std::collections::BTreeMap;

use serde_yaml::Value as Yaml;

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

    pub(super) fn validate(&self) -> Result<(), (String, String)> {
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
