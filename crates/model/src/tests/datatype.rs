//! Tests of [`DataType`] names and sizes.

use super::super::*;

#[test]
fn datatype_mapping() {
    let table: [(&str, &str, Option<usize>); 14] = [
        ("BOOL", "TYPE_BOOL", Some(1)),
        ("UINT8", "TYPE_UINT8", Some(1)),
        ("UINT16", "TYPE_UINT16", Some(2)),
        ("UINT32", "TYPE_UINT32", Some(4)),
        ("UINT64", "TYPE_UINT64", Some(8)),
        ("INT8", "TYPE_INT8", Some(1)),
        ("INT16", "TYPE_INT16", Some(2)),
        ("INT32", "TYPE_INT32", Some(4)),
        ("INT64", "TYPE_INT64", Some(8)),
        ("FP16", "TYPE_FP16", Some(2)),
        ("FP32", "TYPE_FP32", Some(4)),
        ("FP64", "TYPE_FP64", Some(8)),
        ("BYTES", "TYPE_STRING", None),
        ("BF16", "TYPE_BF16", Some(2)),
    ];
    for (wire, config, size) in table {
        let dt = DataType::from_wire(wire).expect(wire);
        assert_eq!(DataType::from_config(config), Some(dt), "{config}");
        assert_eq!(dt.wire_name(), wire);
        assert_eq!(dt.config_name(), config);
        assert_eq!(dt.byte_size(), size, "{wire}");
        assert_eq!(dt.to_string(), wire);
        assert_eq!(wire.parse::<DataType>().expect("wire"), dt);
        assert_eq!(config.parse::<DataType>().expect("config"), dt);
        let s = serde_json::to_string(&dt).expect("ser");
        assert_eq!(s, format!("\"{wire}\""));
        assert_eq!(serde_json::from_str::<DataType>(&s).expect("de"), dt);
    }
    assert_eq!(DataType::from_wire("TYPE_FP32"), None);
    assert_eq!(DataType::from_config("FP32"), None);
    assert_eq!(DataType::from_wire("STRING"), None);
    assert_eq!(DataType::from_config("TYPE_INVALID"), None);
    assert_eq!(DataType::from_wire("fp32"), None);
    let err = "FP8".parse::<DataType>().expect_err("unknown");
    assert!(matches!(err, ModelError::UnknownDataType(ref s) if s == "FP8"));
    assert_eq!(DataType::ALL.len(), 14);
}
