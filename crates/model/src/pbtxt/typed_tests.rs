//! Tests of the schema layer: the descriptors of `model_config.proto`, the
//! typed `DynamicMessage` read from text (errors with line and column), its
//! text and its proto3 JSON.

use prost_reflect::{DynamicMessage, Value};
use serde_json::json;

use super::schema::{self, model_config_descriptor};
use super::tests::{ADD_SUB, ENSEMBLE};
use super::*;

/// Every config.pbtxt of the repository's fixtures and examples.
fn fixture_configs() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut v = Vec::new();
    for dir in ["tests/models", "tests/failure_models", "examples/model_repository", "scripts/bench_models"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in rd.flatten() {
            let p = e.path().join("config.pbtxt");
            if let Ok(t) = std::fs::read_to_string(&p) {
                v.push((p.display().to_string(), t));
            }
        }
    }
    assert!(v.len() >= 10, "fixture configs not found under {}", root.display());
    v
}

/// Two configs hold the same values (`DynamicMessage`'s `==` also tells a
/// scalar set to its default from one left out; protobuf does not).
#[track_caller]
fn assert_same(a: &DynamicMessage, b: &DynamicMessage, what: &str) {
    let (ja, jb) = (model_config_to_json(a).unwrap(), model_config_to_json(b).unwrap());
    assert_eq!(ja, jb, "{what}");
}

#[test]
fn descriptors_load_and_name_the_model_config_fields() {
    // In the order model_config.proto declares them (the order from_json
    // writes them in), as the hand-written list this replaced had them.
    let declared = [
        "name", "platform", "backend", "runtime", "version_policy", "max_batch_size", "input", "output", "batch_input", "batch_output", "optimization", "dynamic_batching",
        "sequence_batching", "ensemble_scheduling", "instance_group", "default_model_filename", "cc_model_filenames", "metric_tags", "parameters", "model_warmup",
        "model_operations", "model_transaction_policy", "model_repository_agents", "response_cache", "model_metrics",
    ];
    assert_eq!(MODEL_CONFIG_FIELDS, declared);
    let desc = model_config_descriptor();
    let names: Vec<String> = schema::fields_in_proto_order(&desc).iter().map(|f| f.name().to_string()).collect();
    assert_eq!(names, MODEL_CONFIG_FIELDS);
    assert_eq!(desc.fields().len(), MODEL_CONFIG_FIELDS.len());
    assert_eq!(schema::message_descriptor("ModelOptimizationPolicy.Cuda.GraphSpec").map(|m| m.name().to_string()), Some("GraphSpec".into()));
    assert!(schema::message_descriptor("NoSuchMessage").is_none());
}

#[test]
fn schema_queries_come_from_the_descriptors() {
    // Every message, repeated and map field of the hand-written table this
    // replaced, and some it did not have.
    let repeated = [
        ("ModelConfig", "input", Some("ModelInput")),
        ("ModelConfig", "model_warmup", Some("ModelWarmup")),
        ("ModelInstanceGroup", "gpus", None),
        ("ModelInstanceGroup", "secondary_devices", Some("ModelInstanceGroup.SecondaryDevice")),
        ("ModelOptimizationPolicy.Cuda", "graph_spec", Some("ModelOptimizationPolicy.Cuda.GraphSpec")),
        ("ModelSequenceBatching.ControlInput", "control", Some("ModelSequenceBatching.Control")),
        ("ModelSequenceBatching.Control", "fp32_false_true", None),
        ("ModelMetrics.MetricControl.HistogramOptions", "buckets", None),
        ("ModelVersionPolicy.Specific", "versions", None),
    ];
    for (ty, f, child) in repeated {
        assert!(is_repeated_field(ty, f), "{ty}.{f}");
        assert!(!is_map_field(ty, f), "{ty}.{f}");
        assert_eq!(child_type(ty, f), child, "{ty}.{f}");
    }
    let maps = [
        ("ModelConfig", "parameters", Some("ModelParameter")),
        ("ModelConfig", "metric_tags", None),
        ("ModelDynamicBatching", "priority_queue_policy", Some("ModelQueuePolicy")),
        ("ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound", "input", Some("ModelOptimizationPolicy.Cuda.GraphSpec.Shape")),
        ("ModelWarmup", "inputs", Some("ModelWarmup.Input")),
        ("ModelRepositoryAgents.Agent", "parameters", None),
    ];
    for (ty, f, child) in maps {
        assert!(is_map_field(ty, f), "{ty}.{f}");
        assert!(!is_repeated_field(ty, f), "{ty}.{f}");
        assert_eq!(child_type(ty, f), child, "{ty}.{f}");
    }
    assert_eq!(child_type("ModelConfig", "version_policy"), Some("ModelVersionPolicy"));
    assert_eq!(child_type("ModelVersionPolicy", "specific"), Some("ModelVersionPolicy.Specific"));
    assert_eq!(child_type("ModelMetrics.MetricControl", "histogram_options"), Some("ModelMetrics.MetricControl.HistogramOptions"));
    assert!(!is_repeated_field("ModelConfig", "max_batch_size"));
    assert!(!is_repeated_field("ModelConfig", "no_such_field"));
    assert_eq!(child_type("ModelConfig", "name"), None);
    assert_eq!(child_type("NoSuchMessage", "input"), None);
}

#[test]
fn every_fixture_config_is_a_valid_model_config() {
    for (path, text) in fixture_configs() {
        let typed = parse_model_config(&text).unwrap_or_else(|e| panic!("{path}:{e}"));
        assert_eq!(parse_checked(&text).unwrap_or_else(|e| panic!("{path}:{e}")), parse(&text).unwrap(), "{path}");
        // Written in Triton's style, it reads back to the same message.
        let written = model_config_to_text(&typed);
        assert_same(&parse_model_config(&written).unwrap_or_else(|e| panic!("{path}:{e}\n{written}")), &typed, &format!("{path}:\n{written}"));
        // Its proto3 JSON reads back too, and so does our (lossless) JSON.
        let j = model_config_to_json(&typed).unwrap();
        assert_same(&model_config_from_json(&j).unwrap(), &typed, &path);
        assert_same(&model_config_from_json(&to_json(&parse(&text).unwrap())).unwrap(), &typed, &path);
    }
}

#[test]
fn typed_config_has_the_fields_and_types_of_the_proto() {
    let m = parse_model_config(ADD_SUB).unwrap();
    assert_eq!(m.get_field_by_name("max_batch_size").as_deref(), Some(&Value::I32(8)));
    let inputs = m.get_field_by_name("input").unwrap();
    let inputs = inputs.as_list().unwrap();
    assert_eq!(inputs.len(), 2);
    let in0 = inputs[0].as_message().unwrap();
    assert_eq!(in0.get_field_by_name("dims").as_deref(), Some(&Value::List(vec![Value::I64(4)])));
    assert_eq!(in0.get_field_by_name("data_type").as_deref(), Some(&Value::EnumNumber(11)));
    let params = m.get_field_by_name("parameters").unwrap();
    assert_eq!(params.as_map().map(|p| p.len()), Some(2));
    let e = parse_model_config(ENSEMBLE).unwrap();
    let text = model_config_to_text(&e);
    assert!(text.contains("ensemble_scheduling {\n  step [\n    {\n      model_name: \"tokenizer\"\n      model_version: -1\n      input_map {\n        key: \"TEXT\"\n        value: \"IN\"\n      }\n"), "{text}");
    assert!(text.contains("output [\n  {\n    name: \"OUT\"\n    data_type: TYPE_FP32\n    dims: [ -1, 768 ]\n  }\n]\n"), "{text}");
}

#[test]
fn same_message_as_prost_reflects_own_text_format() {
    // prost-reflect reads `input: [ ... ]` (with the colon); where it can
    // read the text, it makes the same message as we do, and we read what
    // it writes.
    let text = "name: \"m\"\nmax_batch_size: 4\ninput: [ { name: \"x\" data_type: TYPE_INT64 dims: [ -1, 3 ] } ]\ninstance_group: [ { kind: KIND_GPU count: 2 gpus: [ 0, 1 ] } ]\ndynamic_batching { preferred_batch_size: [ 2, 4 ] priority_levels: 2 priority_queue_policy { key: 1 value { timeout_action: DELAY default_timeout_microseconds: 100 } } }\nparameters { key: \"k\" value { string_value: \"v\" } }\noptimization { cuda { graphs: true } input_pinned_memory { enable: false } }\n";
    let ours = parse_model_config(text).unwrap();
    let theirs = DynamicMessage::parse_text_format(model_config_descriptor(), text).unwrap();
    assert_eq!(ours, theirs, "the same fields, set the same way");
    assert_same(&parse_model_config(&theirs.to_text_format()).unwrap(), &theirs, "prost-reflect's text");
    assert_same(&parse_model_config(&model_config_to_text(&theirs)).unwrap(), &theirs, "our text");
    // The colon-less list every Triton config uses: ours only.
    assert!(DynamicMessage::parse_text_format(model_config_descriptor(), "input [ { name: \"x\" } ]").is_err());
    assert!(parse_model_config("input [ { name: \"x\" } ]").is_ok());
}

#[test]
fn scalar_forms_the_text_format_allows() {
    let m = parse_model_config("max_batch_size: 0x10\ninput { dims: 3 dims: [ -1 ] is_shape_tensor: t optional: 1 data_type: 8 }\nsequence_batching { control_input { control { fp32_false_true: [ 0, 1.5f ] } } }\nmodel_metrics { metric_control { histogram_options { buckets: [ inf, -inf, 1e3 ] } } }\n").unwrap();
    assert_eq!(m.get_field_by_name("max_batch_size").as_deref(), Some(&Value::I32(16)));
    let j = model_config_to_json(&m).unwrap();
    assert_eq!(j["input"][0]["dims"], json!(["3", "-1"]), "int64 as strings: {j}");
    assert_eq!(j["input"][0]["is_shape_tensor"], json!(true));
    assert_eq!(j["input"][0]["optional"], json!(true));
    assert_eq!(j["input"][0]["data_type"], json!("TYPE_INT32"));
    assert_eq!(j["sequence_batching"]["control_input"][0]["control"][0]["fp32_false_true"], json!([0.0, 1.5]));
    assert_eq!(j["model_metrics"]["metric_control"][0]["histogram_options"]["buckets"], json!(["Infinity", "-Infinity", 1000.0]));
    let text = model_config_to_text(&m);
    assert!(text.contains("buckets: [ inf, -inf, 1000.0 ]"), "{text}");
    assert_same(&parse_model_config(&text).unwrap(), &m, &text);
}

#[test]
fn schema_errors_name_the_field_line_and_column() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("name: \"m\"\nmax_batch_sise: 8\n", 2, 1, "`max_batch_sise` is not a field of ModelConfig"),
        ("input [\n  {\n    name: \"x\"\n    dim: [ 4 ]\n  }\n]\n", 4, 5, "`dim` is not a field of ModelInput"),
        ("max_batch_size: \"8\"\n", 1, 17, "`max_batch_size` takes an int32"),
        ("max_batch_size: 2.5\n", 1, 17, "whole number"),
        ("max_batch_size: 3000000000\n", 1, 17, "out of range"),
        ("instance_group { gpus: -1 count: 1 kind: KIND_TPU }\n", 1, 42, "`KIND_TPU` is not a value of `kind`"),
        ("instance_group { rate_limiter: 1 }\n", 1, 32, "`rate_limiter` is a message (ModelRateLimiter)"),
        ("name: [ \"a\", \"b\" ]\n", 1, 7, "`name` of ModelConfig is not repeated"),
        ("dynamic_batching { priority_levels: -1 }\n", 1, 37, "a uint64"),
        ("input { is_shape_tensor: yes }\n", 1, 26, "true or false"),
        ("input { name: x }\n", 1, 15, "a quoted string"),
        ("parameters { key: \"k\" value { strin_value: \"v\" } }\n", 1, 31, "`strin_value` is not a field of ModelParameter"),
        ("name: { }\n", 1, 7, "`name` takes a quoted string, not a message"),
    ];
    for (text, line, col, needle) in cases {
        let e = parse_model_config(text).unwrap_err();
        assert_eq!((e.line, e.column), (*line, *col), "{text:?}: {e}");
        assert!(e.message.contains(needle), "{text:?}: {e}");
        assert_eq!(parse_checked(text).unwrap_err(), e);
        // The syntax alone is fine: `parse` keeps unknown fields.
        assert!(parse(text).is_ok(), "{text:?}");
    }
    // The unknown-field error lists the fields there are.
    let e = parse_model_config("input { dim: 1 }").unwrap_err();
    assert!(e.message.contains("name, data_type, format, dims"), "{e}");
    // Syntax errors stay what they were.
    assert_eq!(parse_model_config("a: [1 2]\n").unwrap_err(), parse("a: [1 2]\n").unwrap_err());
}

#[test]
fn singular_fields_given_twice_keep_the_last_value() {
    let m = parse_model_config("max_batch_size: 1\nmax_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 5 }\nsequence_batching { }\n").unwrap();
    assert_eq!(m.get_field_by_name("max_batch_size").as_deref(), Some(&Value::I32(8)));
    // A oneof keeps its last member.
    assert!(!m.has_field_by_name("dynamic_batching"));
    assert!(m.has_field_by_name("sequence_batching"));
    assert_eq!(to_json(&parse("max_batch_size: 1\nmax_batch_size: 8\n").unwrap())["max_batch_size"], json!(8));
}

#[test]
fn parse_checked_keeps_comments_and_literals() {
    let m = parse_checked("# header\nmax_batch_size: 0x8  # lost\n").unwrap();
    assert_eq!(m.comments.get(&0), Some(&vec![" header".to_string()]));
    assert_eq!(m.get("max_batch_size"), Some(&PbValue::Num("0x8".into())));
}

#[test]
fn model_config_json_is_what_triton_reads() {
    // Triton's own JSON (a loaded model's config): 64-bit integers as strings,
    // every field present, defaults included.
    let triton = json!({
        "name": "add_sub", "platform": "", "backend": "python", "runtime": "", "version_policy": {"latest": {"num_versions": 1}},
        "max_batch_size": 8,
        "input": [{"name": "INPUT0", "data_type": "TYPE_FP32", "format": "FORMAT_NONE", "dims": ["4"], "is_shape_tensor": false, "allow_ragged_batch": false, "optional": false}],
        "instance_group": [{"name": "add_sub_0", "kind": "KIND_CPU", "count": 2, "gpus": [], "secondary_devices": [], "profile": [], "passive": false, "host_policy": ""}],
        "dynamic_batching": {"preferred_batch_size": [4, 8], "max_queue_delay_microseconds": 100, "priority_queue_policy": {"1": {"timeout_action": "DELAY"}}},
        "parameters": {"k": {"string_value": "v"}},
        "model_warmup": []
    });
    let m = model_config_from_json(&triton).unwrap();
    let back = model_config_to_json(&m).unwrap();
    assert_eq!(back["input"][0]["dims"], json!(["4"]));
    assert_eq!(back["dynamic_batching"]["preferred_batch_size"], json!([4, 8]));
    assert_eq!(back["dynamic_batching"]["max_queue_delay_microseconds"], json!("100"));
    assert_eq!(back["dynamic_batching"]["priority_queue_policy"], json!({"1": {"timeout_action": "DELAY"}}));
    assert_eq!(back["instance_group"][0]["kind"], json!("KIND_CPU"));
    assert!(back["input"][0].get("is_shape_tensor").is_none(), "defaults are left out: {back}");
    assert_same(&model_config_from_json(&back).unwrap(), &m, "JSON");
    // The text of it, read back, is the same config.
    assert_same(&parse_model_config(&model_config_to_text(&m)).unwrap(), &m, "text");
    // A field the schema does not have is an error that names it.
    let e = model_config_from_json(&json!({"name": "m", "max_batch_sise": 8})).unwrap_err();
    assert!(e.to_string().contains("max_batch_sise"), "{e}");
}

