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
    /// For an ensemble: each composing model's own settings, in step order
    /// (empty for a plain model). With them, `max_batch_size` is the
    /// ensemble's own (the smallest composing one when the ensemble batches)
    /// and `instance_count` the total over the composing models.
    pub composing: Vec<ComposingSettings>,
}

/// One composing model's settings in an ensemble's [`ModelConfigVariant`]
/// (Model Analyzer's per-composing-model `ModelConfigVariant`).
#[derive(Debug, Clone, PartialEq)]
pub struct ComposingSettings {
    /// The composing model's name.
    pub name: String,
    /// `max_batch_size` (0: the model does not batch).
    pub max_batch_size: u32,
    /// Instance count.
    pub instance_count: u32,
    /// `KIND_CPU` or `KIND_GPU`.
    pub instance_kind: String,
    /// Whether `dynamic_batching` is enabled.
    pub dynamic_batching: bool,
    /// Fixed fields from the model's `model_config_parameters` in
    /// `ensemble_composing_models` (those not searched), applied on top.
    pub manual: BTreeMap<String, Value>,
}

impl ComposingSettings {
    /// The settings described from the composing model's own config (what an
    /// ensemble's default variant loads).
    pub fn described(name: &str, config: &Value, default_kind: &str) -> Self {
        let d = ModelConfigVariant::default_from_config(config, default_kind);
        ComposingSettings {
            name: name.to_string(),
            max_batch_size: d.max_batch_size,
            instance_count: d.instance_count,
            instance_kind: d.instance_kind,
            dynamic_batching: d.dynamic_batching,
            manual: BTreeMap::new(),
        }
    }

    fn as_variant(&self) -> ModelConfigVariant {
        let mut v = ModelConfigVariant::automatic(self.max_batch_size, self.instance_count, &self.instance_kind, self.dynamic_batching);
        v.manual = self.manual.clone();
        v
    }

    /// The composing model's config: `base` with `instance_group: [{count,
    /// kind}]`, `max_batch_size` (when it batches), `dynamic_batching` and
    /// the fixed fields applied (Model Analyzer's merge rule).
    pub fn apply_to(&self, base: &Value) -> Value {
        self.as_variant().apply_to(base)
    }

    /// `<name>.i4cpu_b8_db` (+ `_m<hash>` for fixed fields): this model's
    /// part of an ensemble variant's key.
    pub fn key_part(&self) -> String {
        let v = self.as_variant();
        format!("{}.{}", self.name, v.name_suffix().trim_start_matches("config_"))
    }

    /// `4:cpu` — instances and kind, as Model Analyzer's tables write them.
    pub fn instance_label(&self) -> String {
        format!("{}:{}", self.instance_count, kind_label(&self.instance_kind))
    }
}

/// `gpu`, `cpu`, or the kind lower-cased without `KIND_`.
pub(super) fn kind_label(kind: &str) -> String {
    match kind {
        "KIND_GPU" => "gpu".to_string(),
        "KIND_CPU" => "cpu".to_string(),
        other => other.trim_start_matches("KIND_").to_ascii_lowercase(),
    }
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
            composing: Vec::new(),
        }
    }

    /// An ensemble variant set by the search: each composing model with its
    /// own settings. `ensemble_batches`: the ensemble's own config has
    /// `max_batch_size > 0`; then its `max_batch_size` follows the smallest
    /// composing one (Model Analyzer's `_get_next_ensemble_param_combo`;
    /// a composing model that does not batch counts as 1), else it stays 0.
    /// The instance count is the total; the kind is the composing models'
    /// common kind, `KIND_MIXED` when they differ.
    pub fn ensemble(composing: Vec<ComposingSettings>, ensemble_batches: bool) -> Self {
        let mbs = if ensemble_batches {
            composing.iter().map(|c| c.max_batch_size.max(1)).min().unwrap_or(1)
        } else {
            0
        };
        let total = composing.iter().map(|c| c.instance_count).fold(0u32, u32::saturating_add);
        let kind = match composing.first() {
            Some(f) if composing.iter().all(|c| c.instance_kind == f.instance_kind) => f.instance_kind.clone(),
            Some(_) => "KIND_MIXED".to_string(),
            None => "KIND_CPU".to_string(),
        };
        let mut v = ModelConfigVariant::automatic(mbs, total, &kind, false);
        v.composing = composing;
        v
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
    ///
    /// An ensemble variant (with [`composing`](Self::composing) settings)
    /// is `config_` followed by each composing model's
    /// [`key_part`](ComposingSettings::key_part), joined by `__`, e.g.
    /// `config_pre.i4cpu_b8_db__net.i1gpu_b4_db`.
    pub fn name_suffix(&self) -> String {
        if self.is_default {
            return "config_default".to_string();
        }
        if !self.composing.is_empty() {
            let parts: Vec<String> = self.composing.iter().map(ComposingSettings::key_part).collect();
            return format!("config_{}", parts.join("__"));
        }
        let kind = kind_label(&self.instance_kind);
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
    ///
    /// For an ensemble variant ([`composing`](Self::composing) set) this is
    /// the ensemble's own combo: its `max_batch_size` when it batches (the
    /// composing models' fields are in [`ensemble_config_json`](Self::ensemble_config_json)).
    pub fn param_combo(&self) -> Map<String, Value> {
        let mut combo = Map::new();
        if self.is_default {
            return combo;
        }
        if !self.composing.is_empty() {
            if self.automatic && self.max_batch_size > 0 {
                combo.insert("max_batch_size".into(), Value::from(self.max_batch_size));
            }
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

impl ModelConfigVariant {
    /// The config JSON an ensemble is loaded with for this variant:
    /// `{"ensemble": <ensemble config>, "composing": {name: <config>}}`, each
    /// config named after its model. A composing model listed in
    /// [`composing`](Self::composing) gets its own settings
    /// ([`ComposingSettings::apply_to`]); otherwise (the default, a
    /// manual-sweep variant) the variant's own fields apply to it, with
    /// `KIND_CPU` instances for those in `cpu_only` when automatic. The
    /// ensemble's `max_batch_size` is the variant's when its settings come
    /// from the composing models, else lowered to the variant's when the
    /// ensemble's own is larger (it may not exceed a composing model's).
    pub fn ensemble_config_json(&self, ensemble: &str, ensemble_base: &Value, composing: &[(String, Value)], cpu_only: &[String]) -> Value {
        let mut ens = self.apply_to(ensemble_base);
        if self.composing.is_empty() && self.automatic && self.max_batch_size > 0 {
            let own = ens.get("max_batch_size").and_then(json_u64).unwrap_or(0);
            if own > u64::from(self.max_batch_size) {
                ens["max_batch_size"] = Value::from(self.max_batch_size);
            }
        }
        let configs: Map<String, Value> = composing
            .iter()
            .map(|(n, base)| {
                let c = match self.composing.iter().find(|c| &c.name == n) {
                    Some(settings) if self.automatic && !self.is_default => settings.apply_to(base),
                    Some(_) => base.clone(),
                    None => {
                        let mut c = self.apply_to(base);
                        if self.automatic && cpu_only.contains(n) {
                            if let Some(groups) = c.get_mut("instance_group").and_then(Value::as_array_mut) {
                                for g in groups.iter_mut().filter_map(Value::as_object_mut) {
                                    g.insert("kind".into(), Value::String("KIND_CPU".into()));
                                }
                            }
                        }
                        c
                    }
                };
                (n.clone(), with_name(c, n))
            })
            .collect();
        serde_json::json!({ "ensemble": with_name(ens, ensemble), "composing": configs })
    }
}

/// `c` with its `name` field set to `name`.
pub fn with_name(mut c: Value, name: &str) -> Value {
    if let Some(o) = c.as_object_mut() {
        o.insert("name".into(), Value::String(name.to_string()));
    }
    c
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
