//! The manual sweep of `model_config_parameters` (Model Analyzer's
//! `ConfigSweep` and `ManualModelConfigGenerator`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use tritium_model::pbtxt;

use super::ModelConfigVariant;

/// The combinations of `model_config_parameters` fields other than the
/// searched ones (`max_batch_size`, `instance_group`): what quick search
/// keeps fixed. Empty when there are no other fields.
pub fn fixed_field_combinations(params: &BTreeMap<String, Value>) -> Vec<BTreeMap<String, Value>> {
    let mut rest = params.clone();
    rest.remove("max_batch_size");
    rest.remove("instance_group");
    if rest.is_empty() {
        return Vec::new();
    }
    expand_model_config_parameters(&rest)
}


/// Expands a `model_config_parameters` specification into the list of
/// parameter combinations it describes, with Model Analyzer's sweep rules
/// (`ConfigSweep` + `GeneratorUtils.generate_combinations`): a list given for
/// a singular field is a list of alternatives; for a repeated field of
/// Triton's `ModelConfig` (`instance_group`, `preferred_batch_size`, ...) a
/// list is one value unless it is a list of lists (then each inner list is an
/// alternative); objects combine their fields' alternatives as a cartesian
/// product, and so do the elements of a repeated field's value. Keys vary in
/// sorted order, the first slowest.
pub fn expand_model_config_parameters(
    params: &BTreeMap<String, Value>,
) -> Vec<BTreeMap<String, Value>> {
    let obj: Map<String, Value> = params.clone().into_iter().collect();
    object_alternatives(&obj, pbtxt::MODEL_CONFIG_TYPE, false)
        .into_iter()
        .map(|m| match m {
            Value::Object(o) => o.into_iter().collect(),
            _ => BTreeMap::new(),
        })
        .collect()
}

fn object_alternatives(obj: &Map<String, Value>, ty: &str, map_values_of: bool) -> Vec<Value> {
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort();
    let mut combos: Vec<Map<String, Value>> = vec![Map::new()];
    for k in keys {
        let Some(v) = obj.get(k) else { continue };
        let alts = if map_values_of {
            // a map field's entry: the value has the map's value type
            field_alternatives_typed(v, ty, false)
        } else {
            field_alternatives(ty, k, v)
        };
        let mut next = Vec::with_capacity(combos.len() * alts.len().max(1));
        for c in &combos {
            for a in &alts {
                let mut c2 = c.clone();
                c2.insert(k.clone(), a.clone());
                next.push(c2);
            }
        }
        combos = next;
    }
    combos.into_iter().map(Value::Object).collect()
}

/// Alternatives for field `field` of message type `ty` given value `v`.
fn field_alternatives(ty: &str, field: &str, v: &Value) -> Vec<Value> {
    let child = pbtxt::child_type(ty, field).unwrap_or("");
    if pbtxt::is_map_field(ty, field) {
        return match v {
            Value::Object(m) => object_alternatives(m, child, true),
            Value::Array(items) => items
                .iter()
                .flat_map(|i| field_alternatives(ty, field, i))
                .collect(),
            other => vec![other.clone()],
        };
    }
    field_alternatives_typed(v, child, pbtxt::is_repeated_field(ty, field))
}

fn field_alternatives_typed(v: &Value, child: &str, repeated: bool) -> Vec<Value> {
    match v {
        Value::Array(items) if repeated => {
            if !items.is_empty() && items.iter().all(Value::is_array) {
                items
                    .iter()
                    .flat_map(|i| list_value_alternatives(i, child))
                    .collect()
            } else {
                list_value_alternatives(v, child)
            }
        }
        Value::Array(items) => items
            .iter()
            .flat_map(|i| field_alternatives_typed(i, child, false))
            .collect(),
        Value::Object(m) => object_alternatives(m, child, false),
        other => vec![other.clone()],
    }
}

/// Alternatives for one value of a repeated field: the product of its
/// elements' alternatives.
fn list_value_alternatives(list: &Value, child: &str) -> Vec<Value> {
    let Value::Array(items) = list else {
        return vec![list.clone()];
    };
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for item in items {
        let alts = match item {
            Value::Object(m) => object_alternatives(m, child, false),
            other => vec![other.clone()],
        };
        let mut next = Vec::new();
        for c in &combos {
            for a in &alts {
                let mut c2 = c.clone();
                c2.push(a.clone());
                next.push(c2);
            }
        }
        combos = next;
    }
    combos.into_iter().map(Value::Array).collect()
}

/// The manual-sweep variants of `model_config_parameters`, grouped as Model
/// Analyzer's `ManualModelConfigGenerator` walks them: one group per
/// combination of the parameters other than `max_batch_size`, each group
/// listing that combination with every `max_batch_size` alternative (or
/// alone when `max_batch_size` is not given). Informational fields are
/// filled from the combination, falling back to `default`.
pub fn manual_variant_groups(
    params: &BTreeMap<String, Value>,
    default: &ModelConfigVariant,
) -> Vec<Vec<ModelConfigVariant>> {
    if params.is_empty() {
        return Vec::new();
    }
    let mut rest = params.clone();
    let mbs_alternatives = rest
        .remove("max_batch_size")
        .map(|v| field_alternatives(pbtxt::MODEL_CONFIG_TYPE, "max_batch_size", &v));
    let combos = if rest.is_empty() {
        vec![BTreeMap::new()]
    } else {
        expand_model_config_parameters(&rest)
    };
    combos
        .into_iter()
        .map(|combo| match &mbs_alternatives {
            Some(list) => list
                .iter()
                .map(|mbs| {
                    let mut c = combo.clone();
                    c.insert("max_batch_size".into(), mbs.clone());
                    manual_variant(c, default)
                })
                .collect(),
            None => vec![manual_variant(combo, default)],
        })
        .collect()
}

fn manual_variant(
    combo: BTreeMap<String, Value>,
    default: &ModelConfigVariant,
) -> ModelConfigVariant {
    let mut v = default.clone();
    v.is_default = false;
    v.automatic = false;
    let partial: Map<String, Value> = combo.clone().into_iter().collect();
    v.describe_from(&Value::Object(partial));
    v.manual = combo;
    v
}


/// The instance kind given in `model_config_parameters.instance_group`, if
/// any (quick search's `_extract_instance_group_kind`: unwraps nested lists,
/// takes the first group's `kind`, itself possibly a one-element list).
pub fn instance_kind_from_parameters(params: &BTreeMap<String, Value>) -> Option<String> {
    let mut ig = params.get("instance_group")?;
    while let Value::Array(items) = ig {
        ig = items.first()?;
        if ig.is_object() {
            break;
        }
    }
    let mut kind = ig.get("kind")?;
    if let Value::Array(items) = kind {
        kind = items.first()?;
    }
    match kind.as_str()? {
        k @ ("KIND_CPU" | "KIND_GPU") => Some(k.to_string()),
        _ => None,
    }
}
