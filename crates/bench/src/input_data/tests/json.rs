//! Tests of reading `--input-data` files.

use super::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

fn b64_encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

// ---- load_input_data ------------------------------------------------

fn i32s(b: &[u8]) -> Vec<i32> {
    b.chunks(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

#[test]
fn load_flat_arrays_non_batching() {
    let inputs = [
        spec("INPUT0", "INT32", &[4]),
        spec("INPUT1", "FP32", &[2, 2]),
    ];
    let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
    let f = write_json(
        r#"{"data": [
            {"INPUT0": [1,2,3,4], "INPUT1": [0.5, 1, -2, 3.25]},
            {"INPUT0": [5,6,7,8], "INPUT1": [[1,2],[3,4]]}
        ]}"#,
    );
    let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0][0].0, "INPUT0");
    assert_eq!(steps[0][0].1, vec![4]);
    assert_eq!(i32s(&steps[0][0].2), vec![1, 2, 3, 4]);
    assert_eq!(i32s(&steps[1][0].2), vec![5, 6, 7, 8]);
    let f1: Vec<f32> = steps[0][1]
        .2
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(f1, vec![0.5, 1.0, -2.0, 3.25]);
    assert_eq!(steps[1][1].1, vec![2, 2]);
    assert_eq!(steps[1][1].2.len(), 16);
}

#[test]
fn load_batched_concatenates_consecutive_entries() {
    let inputs = [spec("INPUT0", "INT32", &[-1, 2])];
    let shapes = resolve_shapes(&inputs, 8, 2, &ShapeOverrides::default()).unwrap();
    let f =
        write_json(r#"{"data": [{"INPUT0": [1,2]}, {"INPUT0": [3,4]}, {"INPUT0": [5,6]}]}"#);
    let steps = load_input_data_batched(f.path(), &inputs, &shapes, 8).unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0][0].1, vec![2, 2]);
    assert_eq!(i32s(&steps[0][0].2), vec![1, 2, 3, 4]);
    assert_eq!(i32s(&steps[1][0].2), vec![3, 4, 5, 6]);
    assert_eq!(i32s(&steps[2][0].2), vec![5, 6, 1, 2], "wraps around");
    // batch 1 of a batching model: per-entry "shape" excludes the batch dim
    let shapes1 = resolve_shapes_allow_variable(
        &[spec("V", "INT32", &[-1, -1])],
        8,
        1,
        &ShapeOverrides::default(),
    )
    .unwrap();
    let f = write_json(
        r#"{"data": [{"V": {"content": [1,2,3], "shape": [3]}}, {"V": {"content": [1,2], "shape": [2]}}]}"#,
    );
    let steps =
        load_input_data_batched(f.path(), &[spec("V", "INT32", &[-1, -1])], &shapes1, 8)
            .unwrap();
    assert_eq!(steps[0][0].1, vec![1, 3]);
    assert_eq!(steps[1][0].1, vec![1, 2]);
}

#[test]
fn load_batched_shape_mismatch_between_entries() {
    let inputs = [spec("V", "INT32", &[-1, -1])];
    let shapes =
        resolve_shapes_allow_variable(&inputs, 8, 2, &ShapeOverrides::default()).unwrap();
    let f = write_json(
        r#"{"data": [{"V": {"content": [1,2,3], "shape": [3]}}, {"V": {"content": [1,2], "shape": [2]}}]}"#,
    );
    let e = load_input_data_batched(f.path(), &inputs, &shapes, 8).unwrap_err();
    assert!(matches!(e, InputError::BatchShapes { .. }), "{e}");
    assert!(e.to_string().contains("`V`"));
}

#[test]
fn load_shape_content_and_variable_dims() {
    let inputs = [spec("INPUT", "INT32", &[-1, -1])];
    let shapes =
        resolve_shapes_allow_variable(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
    let f = write_json(
        r#"{"data": [
            {"INPUT": {"content": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "shape": [2,8]}},
            {"INPUT": {"content": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "shape": [8,2]}}
        ]}"#,
    );
    let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
    assert_eq!(steps[0][0].1, vec![2, 8]);
    assert_eq!(steps[1][0].1, vec![8, 2]);
    // without shape and without --shape: error naming entry and input
    let f = write_json(r#"{"data": [{"INPUT": {"content": [1,2]}}]}"#);
    let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
    assert!(matches!(e, InputError::FileVariableDim { .. }), "{e}");
    assert!(e.to_string().contains("data[0]") && e.to_string().contains("INPUT"));
    // with --shape default it works
    let shapes = resolve_shapes(&inputs, 0, 1, &ov(&["INPUT:1,2"])).unwrap();
    let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
    assert_eq!(steps[0][0].1, vec![1, 2]);
}

#[test]
fn load_b64_forms() {
    let inputs = [spec("X", "INT32", &[2])];
    let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
    let raw: Vec<u8> = [7i32, -9].iter().flat_map(|v| v.to_le_bytes()).collect();
    let enc = b64_encode(&raw);
    let f = write_json(&format!(
        r#"{{"data": [{{"X": {{"b64": "{enc}"}}}}, {{"X": {{"content": {{"b64": "{enc}"}}, "shape": [2]}}}}]}}"#
    ));
    let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
    assert_eq!(steps[0][0].2, raw);
    assert_eq!(steps[1][0].2, raw);
    // wrong byte count
    let short = b64_encode(&raw[..6]);
    let f = write_json(&format!(r#"{{"data": [{{"X": {{"b64": "{short}"}}}}]}}"#));
    let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
    assert!(matches!(e, InputError::ByteCount { .. }), "{e}");
    // bad base64
    let f = write_json(r#"{"data": [{"X": {"b64": "!!!!"}}]}"#);
    let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
    assert!(matches!(e, InputError::Base64 { .. }), "{e}");
    assert!(e.to_string().contains("`X`"));
    // b64 not a string
    let f = write_json(r#"{"data": [{"X": {"b64": 5}}]}"#);
    let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
    assert!(matches!(e, InputError::Format { .. }), "{e}");
}

#[test]
fn load_bytes_inputs() {
    let inputs = [spec("INPUT", "BYTES", &[1])];
    let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
    let f = write_json(
        r#"{"data": [[{"INPUT": ["1"]}, {"INPUT": ["2"]}, {"INPUT": ["3"]}], [{"INPUT": ["hello"]}]]}"#,
    );
    let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
    assert_eq!(steps.len(), 4, "streams are flattened");
    assert_eq!(strings_of(&steps[0][0].2), vec![b"1".to_vec()]);
    assert_eq!(strings_of(&steps[3][0].2), vec![b"hello".to_vec()]);
    // b64 for BYTES includes the length prefixes
    let raw = tritium_model::tensor::encode_bytes(&[b"ab"]);
    let f = write_json(&format!(
        r#"{{"data": [{{"INPUT": {{"b64": "{}"}}}}]}}"#,
        b64_encode(&raw)
    ));
    let steps = load_input_data(f.path(), &inputs, &shapes).unwrap();
    assert_eq!(steps[0][0].2, raw);
    // malformed length prefix
    let f = write_json(&format!(
        r#"{{"data": [{{"INPUT": {{"b64": "{}"}}}}]}}"#,
        b64_encode(&[9, 0, 0, 0, b'a'])
    ));
    let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
    assert!(matches!(e, InputError::ByteCount { .. }), "{e}");
    // number where a string is needed
    let f = write_json(r#"{"data": [{"INPUT": [1]}]}"#);
    let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
    assert!(matches!(e, InputError::NotRepresentable { .. }), "{e}");
}

#[test]
fn load_value_representability() {
    let check = |dt: &str, vals: &str| {
        let inputs = [spec("X", dt, &[1])];
        let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
        let f = write_json(&format!(r#"{{"data": [{{"X": {vals}}}]}}"#));
        load_input_data(f.path(), &inputs, &shapes)
    };
    for (dt, v) in [
        ("UINT8", "[256]"),
        ("UINT8", "[-1]"),
        ("INT8", "[128]"),
        ("INT16", "[40000]"),
        ("UINT32", "[4294967296]"),
        ("INT64", "[9223372036854775808]"),
        ("INT32", "[1.5]"),
        ("INT32", "[\"1\"]"),
        ("BOOL", "[2]"),
        ("BOOL", "[\"true\"]"),
        ("FP32", "[1e39]"),
        ("FP16", "[70000]"),
        ("FP32", "[\"abc\"]"),
        ("FP64", "[null]"),
    ] {
        let e = check(dt, v).unwrap_err();
        assert!(
            matches!(e, InputError::NotRepresentable { .. }),
            "{dt} {v}: {e}"
        );
        let msg = e.to_string();
        assert!(msg.contains(dt) && msg.contains("`X`"), "{msg}");
    }
    for (dt, v, bytes) in [
        ("UINT8", "[255]", vec![255u8]),
        ("INT8", "[-128]", vec![0x80]),
        ("BOOL", "[true]", vec![1]),
        ("BOOL", "[0]", vec![0]),
        ("UINT64", "[18446744073709551615]", vec![0xff; 8]),
        ("INT16", "[-2]", vec![0xfe, 0xff]),
        ("FP16", "[1.0]", vec![0x00, 0x3c]),
        ("BF16", "[1]", vec![0x80, 0x3f]),
        ("FP64", "[2]", 2f64.to_le_bytes().to_vec()),
    ] {
        let steps = check(dt, v).unwrap();
        assert_eq!(steps[0][0].2, bytes, "{dt} {v}");
    }
    let steps = check("FP32", r#"["NaN"]"#).unwrap();
    assert!(f32::from_le_bytes(steps[0][0].2[..].try_into().unwrap()).is_nan());
    let steps = check("FP32", r#"["-Infinity"]"#).unwrap();
    assert_eq!(
        f32::from_le_bytes(steps[0][0].2[..].try_into().unwrap()),
        f32::NEG_INFINITY
    );
}

#[test]
fn load_structural_errors() {
    let inputs = [spec("A", "INT32", &[2]), spec("B", "INT32", &[1])];
    let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
    let run = |text: &str| {
        let f = write_json(text);
        load_input_data(f.path(), &inputs, &shapes).unwrap_err()
    };
    // missing input
    let e = run(r#"{"data": [{"A": [1,2], "B": [1]}, {"A": [1,2]}]}"#);
    assert!(
        matches!(&e, InputError::MissingInput { loc } if loc.step == 1),
        "{e}"
    );
    assert!(e.to_string().contains("data[1]") && e.to_string().contains("`B`"));
    // unknown input
    let e = run(r#"{"data": [{"A": [1,2], "B": [1], "C": [0]}]}"#);
    assert!(matches!(e, InputError::UnknownInput { .. }), "{e}");
    assert!(e.to_string().contains("`C`") && e.to_string().contains("A, B"));
    // element count
    let e = run(r#"{"data": [{"A": [1,2,3], "B": [1]}]}"#);
    assert!(
        matches!(
            e,
            InputError::ElementCount {
                expected: 2,
                got: 3,
                ..
            }
        ),
        "{e}"
    );
    // multi-stream step index is flattened, location keeps stream/step
    let e = run(
        r#"{"data": [[{"A": [1,2], "B": [1]}], [{"A": [1,2], "B": [1]}, {"A": [1], "B": [1]}]]}"#,
    );
    match &e {
        InputError::ElementCount { loc, .. } => {
            assert_eq!(loc.step, 2);
            assert_eq!(loc.at, "data[1][1]");
        }
        other => panic!("{other}"),
    }
    // shape mismatch against the model
    let e = run(r#"{"data": [{"A": {"content": [1,2,3], "shape": [3]}, "B": [1]}]}"#);
    assert!(matches!(e, InputError::FileShapeMismatch { .. }), "{e}");
    // format errors
    for text in [
        r#"[1,2]"#,
        r#"{"nodata": []}"#,
        r#"{"data": {}}"#,
        r#"{"data": []}"#,
        r#"{"data": [{"A": [1,2], "B": [1]}, [{"A": [1,2], "B": [1]}]]}"#,
        r#"{"data": [[{"A": [1,2], "B": [1]}], {"A": [1,2], "B": [1]}]}"#,
        r#"{"data": [5]}"#,
        r#"{"data": [{"A": 5, "B": [1]}]}"#,
        r#"{"data": [{"A": {"shape": [2]}, "B": [1]}]}"#,
        r#"{"data": [{"A": {"content": [1,2], "shpe": [2]}, "B": [1]}]}"#,
        r#"{"data": [{"A": {"content": [1,2], "shape": [-2]}, "B": [1]}]}"#,
        r#"{"data": [{"A": {"content": [1,2], "shape": "2"}, "B": [1]}]}"#,
        r#"{"data": [{"A": {"content": 3}, "B": [1]}]}"#,
        r#"{"data": [{"A": {"content": [1,2], "b64": "AAAA"}, "B": [1]}]}"#,
    ] {
        let e = run(text);
        assert!(matches!(e, InputError::Format { .. }), "{text}: {e}");
        assert!(e.to_string().contains("input_data.md"), "{e}");
    }
}

#[test]
fn huge_inputs_are_refused_before_allocating() {
    let specs = [spec("IN", "FP32", &[-1]), spec("S", "BYTES", &[2])];
    let shapes = vec![("IN".to_string(), vec![100_000_000_000]), ("S".to_string(), vec![2])];
    let e = check_request_bytes(&specs, &shapes, &StringOptions::default(), 1 << 30).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, InputError::InputTooLarge { bytes: 400_000_000_000, .. }), "{m}");
    assert!(m.contains("`IN`") && m.contains("[100000000000]") && m.contains("400000000000 bytes") && m.contains("372.5 GiB") && m.contains("--shape"), "{m}");
    // Each input fits, together they do not.
    let shapes = vec![("IN".to_string(), vec![200]), ("S".to_string(), vec![2])];
    assert_eq!(check_request_bytes(&specs, &shapes, &StringOptions::default(), 1 << 20).unwrap(), 800 + 2 * 132);
    let e = check_request_bytes(&specs, &shapes, &StringOptions::default(), 900).unwrap_err().to_string();
    assert!(e.contains("together") && e.contains("1064 bytes"), "{e}");
    // Products past u128 saturate instead of wrapping.
    let big = vec![("IN".to_string(), vec![i64::MAX, i64::MAX, i64::MAX])];
    let e = check_request_bytes(&specs, &big, &StringOptions::default(), u64::MAX).unwrap_err().to_string();
    assert!(e.contains("more than 2^128"), "{e}");
    // generate() itself never allocates past the hard cap, whoever calls it.
    let e = generate(&spec("IN", "FP32", &[-1]), &[100_000_000_000], &InputSource::Zero, &StringOptions::default(), 0).unwrap_err();
    assert!(matches!(e, InputError::InputTooLarge { .. }), "{e}");
    let long = StringOptions { length: 1 << 20, data: None };
    let e = generate(&spec("S", "BYTES", &[-1]), &[1 << 15], &InputSource::Random { seed: 0 }, &long, 0).unwrap_err();
    assert!(matches!(e, InputError::InputTooLarge { .. }), "{e}");
}

#[test]
fn input_data_files_are_bounded() {
    let specs = [spec("IN", "FP64", &[-1, 4])];
    let shapes = vec![("IN".to_string(), vec![8, 4])];
    let f = write_json(r#"{"data": [{"IN": [1, 2, 3, 4]}, {"IN": [5, 6, 7, 8]}]}"#);
    // Fits: 2 entries × 8 samples per request × 32 bytes.
    assert_eq!(load_input_data_limited(f.path(), &specs, &shapes, 8, 4096).unwrap().len(), 2);
    // The requests built (512 bytes) exceed a budget the text (55 bytes, × 8) fits in.
    let e = load_input_data_limited(f.path(), &specs, &shapes, 8, 500).unwrap_err().to_string();
    assert!(e.contains("512 bytes") && e.contains("8 samples per request"), "{e}");
    // The text itself is refused before it is read.
    let e = load_input_data_limited(f.path(), &specs, &shapes, 8, 64).unwrap_err().to_string();
    assert!(e.contains("input data file") && e.contains("JSON text"), "{e}");
}

#[test]
fn load_file_and_json_errors() {
    let inputs = [spec("A", "INT32", &[1])];
    let shapes = resolve_shapes(&inputs, 0, 1, &ShapeOverrides::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let e = load_input_data(&missing, &inputs, &shapes).unwrap_err();
    assert!(matches!(e, InputError::FileRead { .. }));
    assert!(e.to_string().contains("nope.json"), "{e}");
    let f = write_json("{\n  \"data\": [\n    {\"A\": [1,]}\n  ]\n}");
    let e = load_input_data(f.path(), &inputs, &shapes).unwrap_err();
    match &e {
        InputError::Json {
            line, column, path, ..
        } => {
            assert_eq!(*line, 3);
            assert!(*column > 0);
            assert_eq!(path, f.path());
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[test]
fn load_batched_validates_dtype_and_batch_dim() {
    let inputs = [spec("A", "WEIRD", &[-1, 1])];
    let f = write_json(r#"{"data": [{"A": [1]}]}"#);
    let e =
        load_input_data_batched(f.path(), &inputs, &[("A".into(), vec![1, 1])], 4).unwrap_err();
    assert!(matches!(e, InputError::UnsupportedDatatype { .. }));
    let inputs = [spec("A", "INT32", &[])];
    let e =
        load_input_data_batched(f.path(), &inputs, &[("A".into(), vec![1])], 4).unwrap_err();
    assert!(matches!(e, InputError::MissingBatchDim { .. }), "{e}");
}
