//! Tests of `--shape` parsing, shape resolution and shape helpers.

use super::*;
use super::super::error::SUPPORTED_DATATYPES;

// ---- ShapeOverrides -------------------------------------------------

#[test]
fn parse_shapes_ok() {
    let o = ov(&["IMAGE:3,224,224", "ns:tok:1", " X : 4 , 5 "]);
    assert_eq!(o.get("IMAGE"), Some(&[3, 224, 224][..]));
    assert_eq!(
        o.get("ns:tok"),
        Some(&[1][..]),
        "name ends at the last colon"
    );
    assert_eq!(o.get("X"), Some(&[4, 5][..]));
    assert_eq!(o.len(), 3);
    assert!(!o.is_empty());
    assert!(ov(&[]).is_empty());
    // identical repeat is fine
    assert_eq!(ov(&["A:1,2", "A:1,2"]).get("A"), Some(&[1, 2][..]));
    assert_eq!(o.iter().count(), 3);
}

#[test]
fn parse_shapes_errors() {
    for bad in [
        "IMAGE", ":3", "A:", "A:3,,4", "A:3,x", "A:0", "A:-1", "A:3,",
    ] {
        let e = ov_err(&[bad]);
        assert!(matches!(e, InputError::ShapeSyntax { .. }), "{bad}: {e}");
        let msg = e.to_string();
        assert!(msg.contains(bad), "{msg}");
        assert!(msg.contains("NAME:d1,d2"), "{msg}");
    }
    let e = ov_err(&["A:1,2", "A:2,1"]);
    assert!(matches!(e, InputError::ConflictingShape { .. }));
    assert!(e.to_string().contains("`A`"));
}

// ---- resolve_shapes ---------------------------------------------------

#[test]
fn resolve_batching_model() {
    let inputs = [
        spec("IMAGE", "FP32", &[-1, 3, -1, -1]),
        spec("SCALE", "FP32", &[-1, 1]),
    ];
    let r = resolve_shapes(&inputs, 8, 4, &ov(&["IMAGE:3,224,224"])).unwrap();
    assert_eq!(
        r,
        vec![
            ("IMAGE".to_string(), vec![4, 3, 224, 224]),
            ("SCALE".to_string(), vec![4, 1])
        ]
    );
}

#[test]
fn resolve_non_batching_model() {
    let inputs = [spec("X", "INT64", &[-1, 16]), spec("Y", "BYTES", &[2])];
    let r = resolve_shapes(&inputs, 0, 1, &ov(&["X:5,16"])).unwrap();
    assert_eq!(
        r,
        vec![("X".to_string(), vec![5, 16]), ("Y".to_string(), vec![2])]
    );
}

#[test]
fn resolve_variable_dim_error() {
    let inputs = [spec("IMAGE", "FP32", &[-1, 3, -1, -1])];
    let e = resolve_shapes(&inputs, 8, 1, &ShapeOverrides::default()).unwrap_err();
    assert!(matches!(e, InputError::VariableDim { .. }));
    let msg = e.to_string();
    assert!(msg.contains("IMAGE"), "{msg}");
    assert!(msg.contains("--shape IMAGE:3,<size>,<size>"), "{msg}");
    // allow_variable keeps -1
    let r = resolve_shapes_allow_variable(&inputs, 8, 2, &ShapeOverrides::default()).unwrap();
    assert_eq!(r[0].1, vec![2, 3, -1, -1]);
}

#[test]
fn resolve_unknown_override() {
    let inputs = [spec("A", "FP32", &[-1, 4]), spec("B", "FP32", &[-1, 4])];
    let e = resolve_shapes(&inputs, 4, 1, &ov(&["C:4"])).unwrap_err();
    assert!(matches!(e, InputError::UnknownShapeInput { .. }));
    let msg = e.to_string();
    assert!(msg.contains("`C`") && msg.contains("A, B"), "{msg}");
}

#[test]
fn resolve_batch_errors() {
    let inputs = [spec("A", "FP32", &[-1, 4])];
    let none = ShapeOverrides::default();
    assert!(matches!(
        resolve_shapes(&inputs, 4, 8, &none).unwrap_err(),
        InputError::BatchTooLarge {
            batch_size: 8,
            max_batch_size: 4
        }
    ));
    let inputs0 = [spec("A", "FP32", &[4])];
    assert!(matches!(
        resolve_shapes(&inputs0, 0, 2, &none).unwrap_err(),
        InputError::BatchingUnsupported { batch_size: 2 }
    ));
    assert!(matches!(
        resolve_shapes(&inputs, 4, 0, &none).unwrap_err(),
        InputError::ZeroBatch
    ));
    assert!(matches!(
        resolve_shapes(&[spec("E", "FP32", &[])], 4, 1, &none).unwrap_err(),
        InputError::MissingBatchDim { .. }
    ));
    // scalar input of a non-batching model is fine
    assert_eq!(
        resolve_shapes(&[spec("E", "FP32", &[])], 0, 1, &none).unwrap()[0].1,
        Vec::<i64>::new()
    );
}

#[test]
fn resolve_override_mismatch() {
    let inputs = [spec("IMAGE", "FP32", &[-1, 3, -1, -1])];
    // rank: the user included the batch dim
    let e = resolve_shapes(&inputs, 8, 1, &ov(&["IMAGE:1,3,224,224"])).unwrap_err();
    assert!(matches!(e, InputError::ShapeMismatch { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("4 dimensions given, the model has 3"),
        "{e}"
    );
    // fixed dim
    let e = resolve_shapes(&inputs, 8, 1, &ov(&["IMAGE:4,224,224"])).unwrap_err();
    assert!(e.to_string().contains("dimension 1 is fixed to 3"), "{e}");
    // override of a static input that agrees is accepted
    let st = [spec("S", "FP32", &[2, 2])];
    assert_eq!(
        resolve_shapes(&st, 0, 1, &ov(&["S:2,2"])).unwrap()[0].1,
        vec![2, 2]
    );
}

#[test]
fn datatype_names_round_trip() {
    for n in SUPPORTED_DATATYPES.split(", ") {
        let d = DataType::from_wire_or_alias(n).unwrap();
        assert_eq!(d.wire_name(), n);
    }
    assert_eq!(DataType::from_wire_or_alias("STRING"), Some(DataType::Bytes));
    assert_eq!(DataType::from_wire_or_alias("fp32"), None);
    assert_eq!(DataType::Bytes.byte_size(), None);
    assert_eq!(DataType::Bf16.byte_size(), Some(2));
}

#[test]
fn element_count_and_shape_string() {
    assert_eq!(element_count(&[]), Some(1));
    assert_eq!(element_count(&[2, 3]), Some(6));
    assert_eq!(element_count(&[2, 0]), Some(0));
    assert_eq!(element_count(&[-1, 3]), None);
    assert_eq!(element_count(&[i64::MAX, i64::MAX]), None);
    assert_eq!(shape_to_string(&[1, -1, 3]), "[1, -1, 3]");
    assert_eq!(shape_to_string(&[]), "[]");
}
