//! A config's `Instance Group`, `Max Batch Size` and `Model Config Path`
//! cells as Model Analyzer writes them (`ModelConfig.instance_group_string`,
//! `ResultTableManager._tabulate_measurement`, `format_for_csv`).
//!
//! * Instance group: the total instances per kind, `2:GPU`, kinds joined by
//!   ` + ` (`1:GPU + 2:CPU`); a `KIND_GPU` group counts `count` on each of
//!   its `gpus` (every GPU of the machine when it names none).
//! * An ensemble lists its composing models' values comma-joined, in step
//!   order (`"1:CPU,2:GPU"`, `"8,4"`; quoted by the CSV writer), and its
//!   config path names the composing configs:
//!   `ens_config_1: pre_ens_config_1, net_ens_config_1`. Deviation: the
//!   composing configs carry tritium's names (`<composing>_<ensemble
//!   config>`, as written to the output repository), where Model Analyzer
//!   numbers them on their own (`pre_config_3`).

use serde_json::Value;

use crate::results::ConfigRecord;

/// `KIND_GPU` → `GPU`.
fn kind_label(kind: &str) -> String {
    kind.trim_start_matches("KIND_").to_ascii_uppercase()
}

/// Model Analyzer's instance group string of one model config JSON
/// (`instance_group` absent: one group of `default_kind`), with `gpus` GPUs
/// on the machine (at least 1 is counted).
pub fn instance_group_string(config: &Value, default_kind: &str, gpus: usize) -> String {
    let none = vec![Value::Object(Default::default())];
    let groups = config.get("instance_group").and_then(Value::as_array).filter(|g| !g.is_empty()).unwrap_or(&none);
    let mut totals: Vec<(String, u64)> = Vec::new();
    for g in groups {
        let kind = g.get("kind").and_then(Value::as_str).map(kind_label).unwrap_or_else(|| kind_label(default_kind));
        let count = g.get("count").and_then(|c| c.as_u64().or_else(|| c.as_str().and_then(|s| s.parse().ok()))).unwrap_or(1);
        let on = g.get("gpus").and_then(Value::as_array).map(Vec::len).unwrap_or(gpus.max(1)) as u64;
        let total = if kind == "GPU" { count * on } else { count };
        match totals.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += total,
            None => totals.push((kind, total)),
        }
    }
    totals.iter().map(|(k, n)| format!("{n}:{k}")).collect::<Vec<_>>().join(" + ")
}

/// The `Instance Group` cell of a config (unquoted).
pub fn instance_group(c: &ConfigRecord, gpus: usize) -> String {
    let v = &c.variant;
    if v.composing.is_empty() {
        if c.config.get("instance_group").is_some() {
            return instance_group_string(&c.config, &v.instance_kind, gpus);
        }
        let per_gpu = if kind_label(&v.instance_kind) == "GPU" { gpus.max(1) as u32 } else { 1 };
        return format!("{}:{}", v.instance_count * per_gpu, kind_label(&v.instance_kind));
    }
    v.composing
        .iter()
        .map(|m| match c.config.get("composing").and_then(|x| x.get(&m.name)).filter(|x| x.get("instance_group").is_some()) {
            Some(cfg) => instance_group_string(cfg, &m.instance_kind, gpus),
            None => {
                let per_gpu = if kind_label(&m.instance_kind) == "GPU" { gpus.max(1) as u32 } else { 1 };
                format!("{}:{}", m.instance_count * per_gpu, kind_label(&m.instance_kind))
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The `Max Batch Size` cell (unquoted): the config's, or each composing
/// model's comma-joined.
pub fn max_batch_size(c: &ConfigRecord) -> String {
    if c.variant.composing.is_empty() {
        return c.variant.max_batch_size.to_string();
    }
    c.variant.composing.iter().map(|m| m.max_batch_size.to_string()).collect::<Vec<_>>().join(",")
}

/// The `Model Config Path` cell (unquoted): the config's name, for an
/// ensemble followed by its composing configs' names.
pub fn model_config_path(c: &ConfigRecord) -> String {
    if c.variant.composing.is_empty() {
        return c.name.clone();
    }
    let composing: Vec<String> = c.variant.composing.iter().map(|m| format!("{}_{}", m.name, c.name)).collect();
    format!("{}: {}", c.name, composing.join(", "))
}

/// Whether every instance of the config runs on the CPU (Model Analyzer
/// writes no GPU rows for a `cpu_only` model).
pub fn cpu_only(c: &ConfigRecord) -> bool {
    let cpu = |k: &str| kind_label(k) == "CPU";
    if c.variant.composing.is_empty() {
        cpu(&c.variant.instance_kind)
    } else {
        c.variant.composing.iter().all(|m| cpu(&m.instance_kind))
    }
}

/// The value of `parameters[key].string_value` in a model config JSON
/// (Model Analyzer's `backend_parameter/<key>` column); empty when absent.
pub fn backend_parameter(config: &Value, key: &str) -> String {
    config.get("parameters").and_then(|p| p.get(key)).and_then(|p| p.get("string_value")).and_then(Value::as_str).unwrap_or_default().to_string()
}
