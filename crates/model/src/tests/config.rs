//! Tests of the model-config view.

use super::super::*;
use serde_json::{json, Value};

const CONFIG: &str = r#"{
    "name":"add_sub","platform":"","backend":"python","version_policy":{"latest":{"num_versions":1}},
    "max_batch_size":8,
    "input":[{"name":"INPUT0","data_type":"TYPE_FP32","format":"FORMAT_NONE","dims":["16"],"is_shape_tensor":false,"allow_ragged_batch":false,"optional":false},
             {"name":"INPUT1","data_type":"TYPE_FP32","format":"FORMAT_NONE","dims":[16],"reshape":{"shape":["4","4"]},"is_shape_tensor":false,"allow_ragged_batch":false,"optional":false}],
    "output":[{"name":"OUTPUT0","data_type":"TYPE_FP32","dims":["16"],"label_filename":"","is_shape_tensor":false},
              {"name":"OUTPUT1","data_type":"TYPE_STRING","dims":["-1"],"label_filename":"","is_shape_tensor":false}],
    "batch_input":[],"batch_output":[],
    "optimization":{"priority":"PRIORITY_DEFAULT","input_pinned_memory":{"enable":true},"output_pinned_memory":{"enable":true},"gather_kernel_buffer_threshold":0,"eager_batching":false},
    "dynamic_batching":{"preferred_batch_size":[4,"8"],"max_queue_delay_microseconds":"100","preserve_ordering":false,"priority_levels":"0","default_priority_level":"0","priority_queue_policy":{}},
    "instance_group":[{"name":"add_sub_0","kind":"KIND_GPU","count":2,"gpus":[0,1],"secondary_devices":[],"profile":[],"passive":false,"host_policy":""},
                      {"name":"add_sub_1","kind":"KIND_CPU","count":0,"gpus":[],"secondary_devices":[],"profile":[],"passive":false,"host_policy":""}],
    "default_model_filename":"model.py","cc_model_filenames":{},"metric_tags":{},
    "parameters":{"EXECUTION_ENV_PATH":{"string_value":"$$TRITON_MODEL_DIRECTORY/env.tar.gz"}},
    "model_warmup":[],
    "model_transaction_policy":{"decoupled":false}
}"#;

#[test]
fn config_parses_typed_fields() {
    let c = ModelConfig::from_json(CONFIG).expect("parse");
    assert_eq!(c.name, "add_sub");
    assert_eq!(c.platform, "");
    assert_eq!(c.backend, "python");
    assert_eq!(c.max_batch_size, 8);
    assert_eq!(c.input.len(), 2);
    assert_eq!(c.input[0].dims, vec![16]);
    assert_eq!(c.input[1].dims, vec![16]);
    assert_eq!(
        c.input("INPUT0").and_then(|i| i.data_type()),
        Some(DataType::Fp32)
    );
    assert_eq!(c.input[0].extra.get("format"), Some(&json!("FORMAT_NONE")));
    assert_eq!(
        c.input[1].extra.get("reshape"),
        Some(&json!({"shape":["4","4"]}))
    );
    assert_eq!(
        c.output("OUTPUT1").and_then(|o| o.data_type()),
        Some(DataType::Bytes)
    );
    assert_eq!(c.output[1].dims, vec![-1]);
    let db = c.dynamic_batching.as_ref().expect("dynamic batching");
    assert_eq!(db.preferred_batch_size, vec![4, 8]);
    assert_eq!(db.max_queue_delay_microseconds, 100);
    assert_eq!(db.extra.get("priority_levels"), Some(&json!("0")));
    assert_eq!(c.instance_group[0].kind, InstanceKind::Gpu);
    assert_eq!(c.instance_group[0].gpus, vec![0, 1]);
    assert_eq!(c.instance_group[1].kind, InstanceKind::Cpu);
    assert_eq!(
        c.parameter("EXECUTION_ENV_PATH"),
        Some("$$TRITON_MODEL_DIRECTORY/env.tar.gz")
    );
    assert_eq!(c.parameter("nope"), None);
    assert!(c.extra.contains_key("version_policy"));
    assert!(c.extra.contains_key("optimization"));
    assert!(c.extra.contains_key("model_transaction_policy"));
    assert!(!c.extra.contains_key("input"));
    assert!(!c.extra.contains_key("max_batch_size"));
    // 2 instances on each of 2 GPUs + 1 CPU instance (count 0 → 1).
    assert_eq!(c.instance_count(), 5);
}

#[test]
fn config_round_trip_keeps_extra() {
    let c = ModelConfig::from_json(CONFIG).expect("parse");
    let out = c.to_json();
    let c2 = ModelConfig::from_json(&out).expect("reparse");
    assert_eq!(c, c2);

    let v: Value = serde_json::from_str(&out).expect("json");
    let orig: Value = serde_json::from_str(CONFIG).expect("json");
    // Typed integers written as numbers.
    assert_eq!(v["max_batch_size"], json!(8));
    assert_eq!(v["input"][0]["dims"], json!([16]));
    assert_eq!(
        v["dynamic_batching"]["max_queue_delay_microseconds"],
        json!(100)
    );
    assert_eq!(v["dynamic_batching"]["preferred_batch_size"], json!([4, 8]));
    assert_eq!(v["instance_group"][0]["kind"], json!("KIND_GPU"));
    // Untyped fields preserved verbatim, at every level.
    for key in [
        "version_policy",
        "optimization",
        "batch_input",
        "batch_output",
        "default_model_filename",
        "cc_model_filenames",
        "metric_tags",
        "model_warmup",
        "model_transaction_policy",
    ] {
        assert_eq!(v[key], orig[key], "top-level {key}");
    }
    assert_eq!(v["input"][1]["reshape"], orig["input"][1]["reshape"]);
    assert_eq!(v["input"][0]["format"], json!("FORMAT_NONE"));
    assert_eq!(v["output"][0]["label_filename"], json!(""));
    assert_eq!(v["instance_group"][0]["host_policy"], json!(""));
    assert_eq!(v["dynamic_batching"]["priority_levels"], json!("0"));
    assert_eq!(v["dynamic_batching"]["priority_queue_policy"], json!({}));
    assert_eq!(v["parameters"], orig["parameters"]);
    // Same set of keys at top level.
    let ok: Vec<_> = orig.as_object().expect("obj").keys().collect();
    let nk: Vec<_> = v.as_object().expect("obj").keys().collect();
    let mut ok_sorted = ok.clone();
    ok_sorted.sort();
    let mut nk_sorted = nk.clone();
    nk_sorted.sort();
    assert_eq!(ok_sorted, nk_sorted);
    // Pretty output parses to the same config.
    assert_eq!(
        ModelConfig::from_json(&c.to_json_pretty()).expect("pretty"),
        c
    );
}

#[test]
fn config_minimal_and_missing_dynamic_batching() {
    let c = ModelConfig::from_json(
        r#"{"name":"m","max_batch_size":"0","instance_group":[{"kind":2}]}"#,
    )
    .expect("parse");
    assert_eq!(c.max_batch_size, 0);
    assert!(c.dynamic_batching.is_none());
    assert_eq!(c.instance_group[0].kind, InstanceKind::Cpu);
    assert_eq!(c.instance_group[0].count, 0);
    assert_eq!(c.instance_count(), 1);
    let v: Value = serde_json::from_str(&c.to_json()).expect("json");
    assert!(v.get("dynamic_batching").is_none());
    assert_eq!(ModelConfig::from_json(&c.to_json()).expect("reparse"), c);

    let empty = ModelConfig::from_json("{}").expect("empty");
    assert_eq!(empty.instance_count(), 1);
    assert!(ModelConfig::from_json(r#"{"instance_group":[{"kind":"KIND_TPU"}]}"#).is_err());
    assert!(ModelConfig::from_json(r#"{"max_batch_size":-1}"#).is_err());
}

#[test]
fn config_accepts_camel_case() {
    let c = ModelConfig::from_json(
        r#"{"name":"m","maxBatchSize":"4","input":[{"name":"I","dataType":"TYPE_INT64","dims":["-1"]}],
            "instanceGroup":[{"kind":"KIND_GPU","count":"3"}],
            "dynamicBatching":{"maxQueueDelayMicroseconds":"50","preferredBatchSize":["2"]},
            "parameters":{"k":{"stringValue":"v"}}}"#,
    )
    .expect("parse");
    assert_eq!(c.max_batch_size, 4);
    assert_eq!(c.input[0].data_type(), Some(DataType::Int64));
    assert_eq!(c.input[0].dims, vec![-1]);
    assert_eq!(c.instance_count(), 3);
    let db = c.dynamic_batching.as_ref().expect("db");
    assert_eq!(db.max_queue_delay_microseconds, 50);
    assert_eq!(db.preferred_batch_size, vec![2]);
    assert_eq!(c.parameter("k"), Some("v"));
    assert!(c.extra.is_empty());
}

#[test]
fn set_instance_count_replaces_groups() {
    let mut c = ModelConfig::from_json(CONFIG).expect("parse");
    c.set_instance_count(InstanceKind::Cpu, 4);
    assert_eq!(c.instance_group.len(), 1);
    assert_eq!(c.instance_group[0].kind, InstanceKind::Cpu);
    assert_eq!(c.instance_group[0].count, 4);
    assert_eq!(c.instance_group[0].name, "add_sub_0");
    assert!(c.instance_group[0].gpus.is_empty());
    assert_eq!(c.instance_count(), 4);
    let v: Value = serde_json::from_str(&c.to_json()).expect("json");
    assert_eq!(
        v["instance_group"],
        json!([{"name":"add_sub_0","kind":"KIND_CPU","count":4,"gpus":[]}])
    );
    c.set_instance_count(InstanceKind::Gpu, 2);
    assert_eq!(c.instance_count(), 2);
    let c2 = ModelConfig::from_json(&c.to_json()).expect("reparse");
    assert_eq!(c2.instance_group[0].kind, InstanceKind::Gpu);
    assert_eq!(c2, c);
}

#[test]
fn set_batching() {
    let mut c = ModelConfig::from_json(CONFIG).expect("parse");
    c.set_max_batch_size(32);
    c.set_dynamic_batching(None);
    let v: Value = serde_json::from_str(&c.to_json()).expect("json");
    assert_eq!(v["max_batch_size"], json!(32));
    assert!(v.get("dynamic_batching").is_none());
    c.set_dynamic_batching(Some(DynamicBatching {
        preferred_batch_size: vec![16, 32],
        max_queue_delay_microseconds: 500,
        ..DynamicBatching::default()
    }));
    let v: Value = serde_json::from_str(&c.to_json()).expect("json");
    assert_eq!(
        v["dynamic_batching"],
        json!({"preferred_batch_size":[16,32],"max_queue_delay_microseconds":500})
    );
    assert_eq!(ModelConfig::from_json(&c.to_json()).expect("reparse"), c);
}

#[test]
fn instance_kind_names() {
    for k in [
        InstanceKind::Auto,
        InstanceKind::Cpu,
        InstanceKind::Gpu,
        InstanceKind::Model,
    ] {
        assert_eq!(InstanceKind::from_name(k.as_str()), Some(k));
        let s = serde_json::to_string(&k).expect("ser");
        assert_eq!(s, format!("\"{}\"", k.as_str()));
        assert_eq!(serde_json::from_str::<InstanceKind>(&s).expect("de"), k);
    }
    assert_eq!(InstanceKind::Model.to_string(), "KIND_MODEL");
    assert_eq!(InstanceKind::from_name("GPU"), Some(InstanceKind::Gpu));
    assert_eq!(InstanceKind::from_name("KIND_X"), None);
    assert_eq!(InstanceKind::from_proto_number(1), Some(InstanceKind::Gpu));
    assert_eq!(InstanceKind::from_proto_number(9), None);
    assert_eq!(InstanceKind::default(), InstanceKind::Auto);
}
