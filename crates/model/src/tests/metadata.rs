//! Tests of the metadata and model-index views.

use super::super::*;
use serde_json::json;

#[test]
fn model_metadata_parses() {
    let json = r#"{"name":"add_sub","versions":["1"],"platform":"python",
        "inputs":[{"name":"INPUT0","datatype":"FP32","shape":[-1,16]},
                  {"name":"INPUT1","datatype":"FP32","shape":["-1","16"]}],
        "outputs":[{"name":"OUTPUT0","datatype":"FP32","shape":[-1,16]},
                   {"name":"OUTPUT1","datatype":"BYTES","shape":[1]}],
        "unknown_field":{"x":1}}"#;
    let m = ModelMetadata::from_json(json).expect("parse");
    assert_eq!(m.name, "add_sub");
    assert_eq!(m.versions, vec!["1".to_string()]);
    assert_eq!(m.platform, "python");
    assert_eq!(m.inputs.len(), 2);
    assert_eq!(m.inputs[0].shape, vec![-1, 16]);
    assert_eq!(m.inputs[1].shape, vec![-1, 16]);
    assert_eq!(
        m.input("INPUT1").and_then(|t| t.data_type()),
        Some(DataType::Fp32)
    );
    assert_eq!(
        m.output("OUTPUT1").and_then(|t| t.data_type()),
        Some(DataType::Bytes)
    );
    assert!(m.output("nope").is_none());
}

#[test]
fn model_metadata_missing_fields_and_numeric_versions() {
    let m = ModelMetadata::from_json(r#"{"name":"x","versions":[1,2]}"#).expect("parse");
    assert_eq!(m.versions, vec!["1", "2"]);
    assert!(m.inputs.is_empty());
    assert_eq!(m.platform, "");
    assert!(ModelMetadata::from_json("not json").is_err());
    let err =
        ModelMetadata::from_json(r#"{"inputs":[{"shape":["abc"]}]}"#).expect_err("bad shape");
    assert!(err.to_string().contains("model metadata"), "{err}");
}

#[test]
fn server_metadata_parses() {
    let json = r#"{"name":"triton","version":"2.51.0","extensions":["classification","sequence","model_repository","model_repository(unload_dependents)","schedule_policy","model_configuration","system_shared_memory","cuda_shared_memory","binary_tensor_data","parameters","statistics","trace","logging"]}"#;
    let s = ServerMetadata::from_json(json).expect("parse");
    assert_eq!(s.name, "triton");
    assert_eq!(s.version, "2.51.0");
    assert_eq!(s.extensions.len(), 13);
    assert!(s.has_extension("statistics"));
    assert!(!s.has_extension("nope"));
}

#[test]
fn model_index_parses() {
    let json = r#"[{"name":"add_sub","version":"1","state":"READY"},
                   {"name":"broken","version":"2","state":"UNAVAILABLE","reason":"load failed"},
                   {"name":"never_loaded"},
                   {"name":"numeric","version":3,"state":"READY","reason":""}]"#;
    let idx = ModelIndexEntry::list_from_json(json).expect("parse");
    assert_eq!(idx.len(), 4);
    assert!(idx[0].is_ready());
    assert_eq!(idx[0].reason, None);
    assert!(!idx[1].is_ready());
    assert_eq!(idx[1].reason.as_deref(), Some("load failed"));
    assert_eq!(idx[2].version, None);
    assert_eq!(idx[2].state, None);
    assert!(!idx[2].is_ready());
    assert_eq!(idx[3].version.as_deref(), Some("3"));
    assert_eq!(idx[3].reason.as_deref(), Some(""));
    let back = serde_json::to_value(&idx[2]).expect("ser");
    assert_eq!(back, json!({"name":"never_loaded"}));
}
