//! The lenient scalars: what each policy accepts and its exact errors.

use serde::Deserialize;

use crate::lenient;

#[derive(Debug, Deserialize)]
struct Ints {
    #[serde(deserialize_with = "lenient::int")]
    a: u32,
    #[serde(default, deserialize_with = "lenient::int_vec")]
    v: Vec<i64>,
}

#[derive(Debug, Deserialize)]
struct Strings {
    #[serde(deserialize_with = "lenient::string")]
    s: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    o: Option<String>,
}

fn ints(json: &str) -> Result<Ints, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

fn strings(json: &str) -> Result<Strings, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

#[test]
fn json_integers_from_numbers_strings_and_null() {
    let i = ints(r#"{"a": " +16 ", "v": [1, "-2", 3.0, null]}"#).unwrap();
    assert_eq!((i.a, i.v), (16, vec![1, -2, 3, 0]));
    assert_eq!(ints(r#"{"a": null}"#).unwrap().a, 0);
    assert_eq!(ints(r#"{"a": 1.5}"#).unwrap_err(), "expected an integer, found 1.5 at line 1 column 9");
    assert_eq!(ints(r#"{"a": "x1"}"#).unwrap_err(), "expected an integer string, found \"x1\" at line 1 column 10");
    assert_eq!(ints(r#"{"a": -1}"#).unwrap_err(), "integer -1 out of range for u32 at line 1 column 9");
    assert_eq!(ints(r#"{"a": true}"#).unwrap_err(), "invalid type: boolean `true`, expected an integer or a string containing an integer at line 1 column 10");
    assert_eq!(ints(r#"{"a": [1]}"#).unwrap_err(), "invalid type: sequence, expected an integer or a string containing an integer at line 1 column 7");
}

#[test]
fn json_strings_from_strings_numbers_and_null() {
    let s = strings(r#"{"s": 7, "o": 2.5}"#).unwrap();
    assert_eq!((s.s.as_str(), s.o.as_deref()), ("7", Some("2.5")));
    let s = strings(r#"{"s": null, "o": null}"#).unwrap();
    assert_eq!((s.s.as_str(), s.o), ("", None));
    assert_eq!(strings(r#"{"s": false}"#).unwrap_err(), "invalid type: boolean `false`, expected a string or a number at line 1 column 11");
}

#[test]
fn config_scalars_like_model_analyzer() {
    let u: Vec<lenient::LU32> = serde_json::from_str(r#"[1, " 2 "]"#).unwrap();
    assert_eq!(u.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 2]);
    let b: Vec<lenient::LBool> = serde_json::from_str(r#"[true, "Yes", "off"]"#).unwrap();
    assert_eq!(b.iter().map(|x| x.0).collect::<Vec<_>>(), vec![true, true, false]);
    let s: Vec<lenient::LStr> = serde_json::from_str(r#"[1, -2, 0.5, true, "x"]"#).unwrap();
    assert_eq!(s.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), vec!["1", "-2", "0.5", "true", "x"]);
    let f: Vec<lenient::LF64> = serde_json::from_str(r#"[1, -2, "0.25"]"#).unwrap();
    assert_eq!(f.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1.0, -2.0, 0.25]);
    let err = |json: &str| serde_json::from_str::<lenient::LU32>(json).unwrap_err().to_string();
    assert_eq!(err("null"), "invalid type: null, expected a non-negative integer at line 1 column 4");
    assert_eq!(err("-3"), "invalid value: integer `-3`, expected a non-negative integer at line 1 column 2");
    assert_eq!(err("4294967296"), "4294967296 is too large at line 1 column 10");
    assert_eq!(err("1.5"), "invalid type: floating point `1.5`, expected a non-negative integer at line 1 column 3");
    assert_eq!(err("\"x\""), "invalid value: string \"x\", expected a non-negative integer at line 1 column 3");
    assert!(serde_json::from_str::<lenient::LStr>("null").is_err());
}
