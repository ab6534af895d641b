//! [`ModelConfigVariant`]: one model configuration to load and measure, its
//! name, and how it is applied to the model's own `ModelConfig` JSON.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One model configuration to load and measure.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfigVariant {
    /// `max_batch_size` (0: the model does not batch).
    pub max_batch_size: u32,
    /// Total instance count of the instance group.
    pub instance_count: u32,
    /// `KIND_CPU` or `KIND_GPU`.
    pub instance_kind: String,
    /// Whether `dynamic_batching` is enabled.
    pub dynamic_batching: bool,
    /// `dynamic_batching.preferred_batch_size` (empty: unset).
    pub preferred_batch_sizes: Vec<u32>,
    /// `dynamic_batching.max_queue_delay_microseconds` (None: unset).
    pub max_queue_delay_us: Option<u64>,
    /// The model's own config, unchanged (Model Analyzer's `_config_default`).
    pub is_default: bool,
    /// True when `instance_group`, `max_batch_size` and `dynamic_batching`
    /// come from the search and are written into the config; false for the
    /// default and for manual-sweep variants, where only `manual` is applied
    /// and the fields above are informational.
    pub automatic: bool,
    /// Fields from `model_config_parameters` (one combination of the manual
    /// sweep), applied on top of the config.
    pub manual: BTreeMap<String, Value>,
}

impl ModelConfigVariant {
    /// A variant set by the automatic search.
    pub fn automatic(
        max_batch_size: u32,
        instance_count: u32,
        instance_kind: &str,
        dynamic_batching: bool,
    ) -> Self {
        ModelConfigVariant {
            max_batch_size,
            instance_count,
            instance_kind: instance_kind.to_string(),
            dynamic_batching,
            preferred_batch_sizes: Vec::new(),
            max_queue_delay_us: None,
            is_default: false,
            automatic: true,
            manual: BTreeMap::new(),
        }
    }

    /// The default variant described from the model's own config in
    /// `ModelConfig` JSON (see `pbtxt::to_json`). `default_kind` is the
    /// instance kind used when the config has no `instance_group`; the
    /// instance count is the sum of the groups' counts (1 when unset).
    pub fn default_from_config(config: &Value, default_kind: &str) -> Self {
        let mut v = ModelConfigVariant::automatic(0, 1, default_kind, false);
        v.is_default = true;
        v.automatic = false;
        v.describe_from(config);
        v
    }

    /// Fills the informational fields from a (partial) `ModelConfig` JSON.
    pub(super) fn describe_from(&mut self, config: &Value) {
        if let Some(m) = config.get("max_batch_size").and_then(json_u64) {
            self.max_batch_size = u32::try_from(m).unwrap_or(u32::MAX);
        }
        if let Some(groups) = config.get("instance_group").and_then(Value::as_array) {
            let total: u64 = groups
                .iter()
                .map(|g| g.get("count").and_then(json_u64).unwrap_or(1))
                .sum();
            if !groups.is_empty() {
                self.instance_count = u32::try_from(total).unwrap_or(u32::MAX);
            }
            if let Some(kind) = groups
                .first()
                .and_then(|g| g.get("kind"))
                .and_then(Value::as_str)
            {
                self.instance_kind = kind.to_string();
            }
        }
        if let Some(db) = config.get("dynamic_batching") {
            self.dynamic_batching = true;
            if let Some(p) = db.get("preferred_batch_size").and_then(Value::as_array) {
                self.preferred_batch_sizes = p
                    .iter()
                    .filter_map(json_u64)
                    .map(|x| u32::try_from(x).unwrap_or(u32::MAX))
                    .collect();
            }
            self.max_queue_delay_us = db.get("max_queue_delay_microseconds").and_then(json_u64);
        }
    }

    /// A stable, file-name-safe identifier, also used as the variant key:
    /// `config_default` for the default; otherwise e.g.
    /// `config_i2gpu_b8_db` (instances + kind, max batch size, dynamic
    /// batching), plus `_pb4-8` / `_q100` for preferred sizes / queue delay
    /// and `_m<hash>` (FNV-1a of the canonical JSON) for manual parameters.
    pub fn name_suffix(&self) -> String {
        if self.is_default {
            return "config_default".to_string();
        }
        let kind = match self.instance_kind.as_str() {
            "KIND_GPU" => "gpu".to_string(),
            "KIND_CPU" => "cpu".to_string(),
            other => other.trim_start_matches("KIND_").to_ascii_lowercase(),
        };
        let mut s = format!(
            "config_i{}{}_b{}",
            self.instance_count, kind, self.max_batch_size
        );
        if self.dynamic_batching {
            s.push_str("_db");
        }
        if !self.preferred_batch_sizes.is_empty() {
            let p: Vec<String> = self
                .preferred_batch_sizes
                .iter()
                .map(u32::to_string)
                .collect();
            s.push_str("_pb");
            s.push_str(&p.join("-"));
        }
        if let Some(q) = self.max_queue_delay_us {
            s.push_str(&format!("_q{q}"));
        }
        if !self.manual.is_empty() {
            let mut text = String::new();
            canonical_json(
                &Value::Object(self.manual.clone().into_iter().collect()),
                &mut text,
            );
            s.push_str(&format!("_m{:08x}", tritium_util::fnv1a(text.as_bytes()) as u32));
        }
        s
    }

    /// Same as [`ModelConfigVariant::name_suffix`].
    pub fn key(&self) -> String {
        self.name_suffix()
    }

    /// The fields Model Analyzer would apply to the model's config for this
    /// variant (its `param_combo`): empty for the default; for automatic
    /// variants `instance_group: [{count, kind}]`, `max_batch_size` (when the
    /// model batches) and `dynamic_batching` (with preferred sizes / delay
    /// when set); then the `manual` fields, merged on top.
    pub fn param_combo(&self) -> Map<String, Value> {
        let mut combo = Map::new();
        if self.is_default {
            return combo;
        }
        if self.automatic {
            combo.insert(
                "instance_group".into(),
                serde_json::json!([{ "count": self.instance_count, "kind": self.instance_kind }]),
            );
            if self.max_batch_size > 0 {
                combo.insert("max_batch_size".into(), Value::from(self.max_batch_size));
            }
            if self.dynamic_batching {
                let mut db = Map::new();
                if !self.preferred_batch_sizes.is_empty() {
                    db.insert(
                        "preferred_batch_size".into(),
                        Value::from(self.preferred_batch_sizes.clone()),
                    );
                }
                if let Some(q) = self.max_queue_delay_us {
                    db.insert("max_queue_delay_microseconds".into(), Value::from(q));
                }
                combo.insert("dynamic_batching".into(), Value::Object(db));
            }
        }
        for (k, v) in &self.manual {
            apply_value_to_map(k, v, &mut combo);
        }
        combo
    }

    /// Applies [`ModelConfigVariant::param_combo`] to a base `ModelConfig`
    /// JSON with Model Analyzer's merge rule
    /// (`BaseModelConfigGenerator._apply_value_to_dict`): when both the
    /// existing and the new value are objects, only the given sub-keys are
    /// overwritten (recursively); anything else is replaced.
    pub fn apply_to(&self, base: &Value) -> Value {
        let mut out = match base {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        for (k, v) in self.param_combo() {
            apply_value_to_map(&k, &v, &mut out);
        }
        Value::Object(out)
    }
}

fn apply_value_to_map(key: &str, value: &Value, map: &mut Map<String, Value>) {
    match (map.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                apply_value_to_map(k, v, existing);
            }
        }
        _ => {
            map.insert(key.to_string(), value.clone());
        }
    }
}

pub(super) fn json_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    canonical_json(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}


/// Whether a model batches and may use dynamic batching, from its own
/// `ModelConfig` JSON (Model Analyzer's `ModelProfileSpec.supports_batching`:
/// `max_batch_size > 0`; `supports_dynamic_batching`: batching and no
/// `sequence_batching`).
pub fn model_batching_support(config: &Value) -> (bool, bool) {
    let batching = config
        .get("max_batch_size")
        .and_then(json_u64)
        .is_some_and(|m| m > 0);
    let dynamic = batching && config.get("sequence_batching").is_none();
    (batching, dynamic)
}
