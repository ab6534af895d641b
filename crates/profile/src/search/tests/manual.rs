//! Variants and the manual sweep of `model_config_parameters`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;

#[test]
fn manual_sweep_expansion_follows_model_analyzer_examples() {
    // docs/config_search.md: 2 max_batch_size x 2 delays x 2 instance counts = 8
    let p: BTreeMap<String, Value> = serde_json::from_value(json!({
        "max_batch_size": [6, 8],
        "dynamic_batching": {"max_queue_delay_microseconds": [200, 300]},
        "instance_group": [{"kind": "KIND_GPU", "count": [1, 2]}]
    }))
    .unwrap();
    let groups = manual_variant_groups(&p, &default_variant());
    assert_eq!(groups.len(), 4);
    assert!(groups.iter().all(|g| g.len() == 2));
    let all: Vec<&ModelConfigVariant> = groups.iter().flatten().collect();
    assert_eq!(all.len(), 8);
    let mut keys: Vec<String> = all.iter().map(|v| v.key()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 8, "distinct keys");
    assert_eq!(
        groups[0][0].manual["instance_group"],
        json!([{"kind": "KIND_GPU", "count": 1}])
    );
    assert_eq!(groups[0][1].max_batch_size, 8);
    assert_eq!(groups[0][0].max_queue_delay_us, Some(200));

    // docs/config.md: [[group]] lists are alternatives; 3 delays x 2 groups = 6
    let p: BTreeMap<String, Value> = serde_json::from_value(json!({
        "max_batch_size": 2,
        "dynamic_batching": {"max_queue_delay_microseconds": [200, 400, 600]},
        "instance_group": [[{"kind": "KIND_GPU", "count": 1}], [{"kind": "KIND_CPU", "count": 1}]]
    }))
    .unwrap();
    let combos = manual_variant_groups(&p, &default_variant());
    assert_eq!(combos.iter().flatten().count(), 6);
    // a plain repeated list is one value, not a sweep
    let p: BTreeMap<String, Value> = serde_json::from_value(json!({
        "instance_group": [{"kind": "KIND_GPU", "count": 1}, {"kind": "KIND_CPU", "count": 1}],
        "dynamic_batching": {"preferred_batch_size": [4, 8]}
    }))
    .unwrap();
    let combos = expand_model_config_parameters(&p);
    assert_eq!(combos.len(), 1);
    assert_eq!(
        combos[0]["dynamic_batching"],
        json!({"preferred_batch_size": [4, 8]})
    );
    // brief's form: [[{kind, count: [1, 2]}]]
    let p: BTreeMap<String, Value> = serde_json::from_value(
        json!({"instance_group": [[{"kind": "KIND_CPU", "count": [1, 2]}]]}),
    )
    .unwrap();
    let combos = expand_model_config_parameters(&p);
    assert_eq!(combos.len(), 2);
    assert_eq!(
        instance_kind_from_parameters(&p).as_deref(),
        Some("KIND_CPU")
    );
    // map fields: parameters values sweep
    let p: BTreeMap<String, Value> =
        serde_json::from_value(json!({"parameters": {"K": {"string_value": ["a", "b"]}}}))
            .unwrap();
    assert_eq!(expand_model_config_parameters(&p).len(), 2);
}

#[test]
fn variant_param_combo_and_apply() {
    let base = json!({
        "name": "m",
        "max_batch_size": 8,
        "dynamic_batching": {"max_queue_delay_microseconds": 50},
        "instance_group": [{"count": 1, "kind": "KIND_GPU", "gpus": [0]}]
    });
    let d = ModelConfigVariant::default_from_config(&base, "KIND_CPU");
    assert!(d.is_default);
    assert_eq!(
        (d.max_batch_size, d.instance_count, d.instance_kind.as_str()),
        (8, 1, "KIND_GPU")
    );
    assert!(d.dynamic_batching);
    assert_eq!(d.max_queue_delay_us, Some(50));
    assert!(d.param_combo().is_empty());
    assert_eq!(d.apply_to(&base), base);

    let v = ModelConfigVariant::automatic(16, 3, "KIND_GPU", true);
    let applied = v.apply_to(&base);
    assert_eq!(applied["max_batch_size"], json!(16));
    assert_eq!(
        applied["instance_group"],
        json!([{"count": 3, "kind": "KIND_GPU"}])
    );
    assert_eq!(
        applied["dynamic_batching"],
        json!({"max_queue_delay_microseconds": 50}),
        "an empty dynamic_batching merges into the existing one"
    );
    assert_eq!(applied["name"], json!("m"));
    assert_eq!(v.name_suffix(), "config_i3gpu_b16_db");

    let mut q = v.clone();
    q.manual.insert(
        "dynamic_batching".into(),
        json!({"max_queue_delay_microseconds": 100}),
    );
    assert_eq!(
        q.apply_to(&base)["dynamic_batching"],
        json!({"max_queue_delay_microseconds": 100})
    );
    assert!(q.name_suffix().starts_with("config_i3gpu_b16_db_m"));
    assert_ne!(q.name_suffix(), v.name_suffix());
    assert_eq!(q.name_suffix(), q.clone().name_suffix(), "stable");
}

#[test]
fn batching_support_from_config() {
    assert_eq!(
        model_batching_support(&json!({"max_batch_size": 8})),
        (true, true)
    );
    assert_eq!(
        model_batching_support(&json!({"max_batch_size": 0})),
        (false, false)
    );
    assert_eq!(model_batching_support(&json!({})), (false, false));
    assert_eq!(
        model_batching_support(&json!({"max_batch_size": 4, "sequence_batching": {}})),
        (true, false)
    );
}
