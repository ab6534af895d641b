//! Tests of the syntax layer: parsing, writing, comments, limits, and the JSON of `to_json`/`from_json`.

use super::lexer::{number_to_json, parse_number, Number};
use super::*;
use serde_json::json;

pub(super) const ADD_SUB: &str = r#"# Copyright header line 1
# header line 2
name: "add_sub"
backend: "python"
max_batch_size: 8

input [
  {
name: "INPUT0"
data_type: TYPE_FP32
dims: [ 4 ]
  }
]
input [
  {
name: "INPUT1"
data_type: TYPE_FP32
dims: [ 4 ]
  }
]
output [
  {
name: "OUTPUT0"
data_type: TYPE_FP32
dims: [ 4 ]
  },
  {
name: "OUTPUT1"
data_type: TYPE_FP32
dims: [ 4 ]
  }
]

# one CPU instance
instance_group [{ kind: KIND_CPU, count: 2 }]
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 100
}
parameters {
  key: "EXECUTION_ENV_PATH"
  value: { string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz" }
}
parameters: {
  key: "shm-default-byte-size"
  value: { string_value: "1048576" }
}
"#;

pub(super) const ENSEMBLE: &str = r#"
name: "ensemble_model"
platform: "ensemble"
max_batch_size: 1
input [
  {
name: "IN"
data_type: TYPE_STRING
dims: [ 1 ]
  }
]
output [
  {
name: "OUT"
data_type: TYPE_FP32
dims: [ -1, 768 ]
  }
]
ensemble_scheduling {
  step [
{
  model_name: "tokenizer"
  model_version: -1
  input_map {
    key: "TEXT"
    value: "IN"
  }
  output_map {
    key: "IDS"
    value: "ids"
  }
  output_map {
    key: "MASK"
    value: "mask"
  }
},
{
  model_name: "encoder"
  model_version: -1
  input_map { key: "input_ids" value: "ids" }
  input_map { key: "attention_mask" value: "mask" }
  output_map { key: "last_hidden_state" value: "OUT" }
}
  ]
}
"#;

fn roundtrip(text: &str) -> PbMessage {
    let a = parse(text).unwrap();
    let written = to_text(&a);
    let b = parse(&written).unwrap_or_else(|e| panic!("re-parse failed: {e}\n{written}"));
    assert_eq!(a, b, "round trip changed the message:\n{written}");
    assert_eq!(written, to_text(&b), "writer is not stable");
    a
}

#[test]
fn add_sub_parses_and_round_trips() {
    let m = roundtrip(ADD_SUB);
    assert_eq!(m.get("name"), Some(&PbValue::Str("add_sub".into())));
    assert_eq!(m.get("max_batch_size").and_then(PbValue::as_i64), Some(8));
    assert_eq!(m.get_all("input").len(), 2);
    assert_eq!(m.get_all("output").len(), 2);
    let ig = m.get_all("instance_group");
    assert_eq!(ig.len(), 1);
    let ig = ig[0].as_msg().unwrap();
    assert_eq!(ig.get("kind").and_then(PbValue::as_ident), Some("KIND_CPU"));
    assert_eq!(ig.get("count").and_then(PbValue::as_i64), Some(2));
    // comments
    assert_eq!(
        m.comments.get(&0),
        Some(&vec![
            " Copyright header line 1".to_string(),
            " header line 2".to_string()
        ])
    );
    let ig_index = m
        .fields
        .iter()
        .position(|(n, _)| n == "instance_group")
        .unwrap();
    assert_eq!(
        m.comments.get(&ig_index),
        Some(&vec![" one CPU instance".to_string()])
    );
}

#[test]
fn add_sub_to_json() {
    let j = to_json(&parse(ADD_SUB).unwrap());
    assert_eq!(
        j,
        json!({
            "name": "add_sub",
            "backend": "python",
            "max_batch_size": 8,
            "input": [
                {"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [4]},
                {"name": "INPUT1", "data_type": "TYPE_FP32", "dims": [4]}
            ],
            "output": [
                {"name": "OUTPUT0", "data_type": "TYPE_FP32", "dims": [4]},
                {"name": "OUTPUT1", "data_type": "TYPE_FP32", "dims": [4]}
            ],
            "instance_group": [{"kind": "KIND_CPU", "count": 2}],
            "dynamic_batching": {"preferred_batch_size": [4, 8], "max_queue_delay_microseconds": 100},
            "parameters": {
                "EXECUTION_ENV_PATH": {"string_value": "$$TRITON_MODEL_DIRECTORY/env.tar.gz"},
                "shm-default-byte-size": {"string_value": "1048576"}
            }
        })
    );
}

#[test]
fn repeated_fields_are_arrays_even_when_single() {
    let j = to_json(&parse("input { name: \"x\" dims: 3 }\ninstance_group { count: 1 }\ndynamic_batching { preferred_batch_size: 4 }\nmodel_warmup { name: \"w\" batch_size: 1 inputs { key: \"x\" value { dims: 3 random_data: true } } }").unwrap());
    assert_eq!(j["input"], json!([{"name": "x", "dims": [3]}]));
    assert_eq!(j["instance_group"], json!([{"count": 1}]));
    assert_eq!(j["dynamic_batching"], json!({"preferred_batch_size": [4]}));
    assert_eq!(
        j["model_warmup"],
        json!([{"name": "w", "batch_size": 1, "inputs": {"x": {"dims": [3], "random_data": true}}}])
    );
}

#[test]
fn ensemble_parses_round_trips_and_maps_become_objects() {
    let m = roundtrip(ENSEMBLE);
    let j = to_json(&m);
    assert_eq!(j["platform"], json!("ensemble"));
    assert_eq!(j["output"][0]["dims"], json!([-1, 768]));
    let steps = j["ensemble_scheduling"]["step"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["model_name"], json!("tokenizer"));
    assert_eq!(steps[0]["model_version"], json!(-1));
    assert_eq!(steps[0]["input_map"], json!({"TEXT": "IN"}));
    assert_eq!(
        steps[0]["output_map"],
        json!({"IDS": "ids", "MASK": "mask"})
    );
    assert_eq!(
        steps[1]["input_map"],
        json!({"input_ids": "ids", "attention_mask": "mask"})
    );
    // a single step still is an array
    let one = to_json(
        &parse("ensemble_scheduling { step { model_name: \"a\" model_version: 1 } }").unwrap(),
    );
    assert_eq!(
        one["ensemble_scheduling"]["step"],
        json!([{"model_name": "a", "model_version": 1}])
    );
}

#[test]
fn json_round_trip_through_from_json() {
    for text in [ADD_SUB, ENSEMBLE] {
        let j = to_json(&parse(text).unwrap());
        let m = from_json(&j).unwrap();
        let written = to_text(&m);
        let reparsed = parse(&written).unwrap();
        assert_eq!(to_json(&reparsed), j, "{written}");
    }
}

#[test]
fn from_json_writes_maps_enums_and_numbers() {
    let j = json!({
        "name": "m",
        "max_batch_size": "16",
        "instance_group": [{"kind": "KIND_GPU", "count": 2, "gpus": [0, 1]}],
        "parameters": {"k": {"string_value": "v"}},
        "dynamic_batching": {"priority_queue_policy": {"1": {"timeout_action": "DELAY"}}},
        "sequence_batching": {"oldest": {}},
        "optimization": {"input_pinned_memory": {"enable": false}},
        "output": [{"name": "o", "data_type": "TYPE_INT64", "dims": ["-1"]}]
    });
    let m = from_json(&j).unwrap();
    assert_eq!(m.get("max_batch_size"), Some(&PbValue::Num("16".into())));
    let text = to_text(&m);
    assert!(text.contains("kind: KIND_GPU"), "{text}");
    assert!(
        text.contains("parameters {\n  key: \"k\"\n  value {\n    string_value: \"v\"\n  }\n}"),
        "{text}"
    );
    assert!(text.contains("key: 1"), "{text}");
    assert!(text.contains("timeout_action: DELAY"), "{text}");
    assert!(text.contains("enable: false"), "{text}");
    assert!(text.contains("oldest { }"), "{text}");
    assert!(text.contains("dims: [ -1 ]"), "{text}");
    let back = to_json(&parse(&text).unwrap());
    assert_eq!(
        back["dynamic_batching"]["priority_queue_policy"],
        json!({"1": {"timeout_action": "DELAY"}})
    );
    assert_eq!(back["output"][0]["dims"], json!([-1]));
    assert_eq!(back["max_batch_size"], json!(16));
    assert_eq!(
        back["optimization"]["input_pinned_memory"]["enable"],
        json!(false)
    );
}

#[test]
fn from_json_rejects_unrepresentable() {
    assert!(from_json(&json!([1])).is_err());
    let e = from_json(&json!({"x": [[1]]})).unwrap_err();
    assert_eq!(e.path, "x[0]");
    assert!(from_json(&json!({"x": [1, {"a": 1}]})).is_err());
}

#[test]
fn syntax_forms() {
    let text = r#"
a: 1; b: "two", c: THREE
d { x: 1 }
e: { x: 2 }
f < x: 3 >
g [ 1, 2, 3 ]
h: [ { x: 4 }, { x: 5 } ]
i: 'single'
j: "con" 'cat'
k: -1.5e-3
l: 0x1F
m: -inf
n: true
o: []
p: .5f
d { x: 6 }
"#;
    let m = roundtrip(text);
    assert_eq!(m.get("a"), Some(&PbValue::Num("1".into())));
    assert_eq!(m.get("b"), Some(&PbValue::Str("two".into())));
    assert_eq!(m.get("c"), Some(&PbValue::Ident("THREE".into())));
    assert_eq!(m.get_all("d").len(), 2);
    assert_eq!(
        m.get("e")
            .and_then(PbValue::as_msg)
            .and_then(|x| x.get("x"))
            .and_then(PbValue::as_i64),
        Some(2)
    );
    assert_eq!(
        m.get("f")
            .and_then(PbValue::as_msg)
            .and_then(|x| x.get("x"))
            .and_then(PbValue::as_i64),
        Some(3)
    );
    assert_eq!(
        m.get("g").and_then(PbValue::as_list).map(|l| l.len()),
        Some(3)
    );
    assert_eq!(m.get_all("h").len(), 2);
    assert_eq!(m.get("i").and_then(PbValue::as_str), Some("single"));
    assert_eq!(m.get("j").and_then(PbValue::as_str), Some("concat"));
    assert_eq!(m.get("k"), Some(&PbValue::Num("-1.5e-3".into())));
    assert_eq!(m.get("l").and_then(PbValue::as_i64), Some(31));
    assert_eq!(m.get("m"), Some(&PbValue::Num("-inf".into())));
    assert_eq!(m.get("n").and_then(PbValue::as_bool), Some(true));
    assert_eq!(m.get("o"), Some(&PbValue::List(vec![])));
    assert_eq!(m.get("p").and_then(PbValue::as_f64), Some(0.5));
    let j = to_json(&m);
    assert_eq!(j["k"], json!(-0.0015));
    assert_eq!(j["l"], json!(31));
    assert_eq!(j["m"], json!("-Infinity"));
    assert_eq!(j["n"], json!(true));
    assert_eq!(
        j["d"],
        json!([{"x": 1}, {"x": 6}]),
        "unknown repeated fields become arrays"
    );
    assert_eq!(j["g"], json!([1, 2, 3]));
    assert_eq!(j["o"], json!([]));
}

#[test]
fn string_escapes() {
    let m = roundtrip(r#"s: "a\"b\\c\n\t\x41\101\u00e9\'" t: 'it\'s' u: "tab	é""#);
    assert_eq!(
        m.get("s").and_then(PbValue::as_str),
        Some("a\"b\\c\n\tAAé'")
    );
    assert_eq!(m.get("t").and_then(PbValue::as_str), Some("it's"));
    assert_eq!(m.get("u").and_then(PbValue::as_str), Some("tab\té"));
    let text = to_text(&m);
    assert!(text.contains(r#"s: "a\"b\\c\n\tAAé'""#), "{text}");
}

#[test]
fn octal_and_control_chars_written_as_escapes() {
    let mut m = PbMessage::new();
    m.push("s", PbValue::Str("\u{1}x".into()));
    let text = to_text(&m);
    assert_eq!(text, "s: \"\\001x\"\n");
    assert_eq!(parse(&text).unwrap(), m);
}

#[test]
fn comments_kept_and_lost_as_documented() {
    let text = "# top\na: 1 # lost end-of-line\nb {\n  # inside\n  c: 2\n  # trailing inside\n}\nd: [ 1, # lost\n 2 ]\n# at end\n";
    let m = parse(text).unwrap();
    assert_eq!(m.comments.get(&0), Some(&vec![" top".to_string()]));
    assert_eq!(m.comments.len(), 1);
    assert_eq!(m.trailing_comments, vec![" at end".to_string()]);
    let b = m.get("b").and_then(PbValue::as_msg).unwrap();
    assert_eq!(b.comments.get(&0), Some(&vec![" inside".to_string()]));
    assert_eq!(b.trailing_comments, vec![" trailing inside".to_string()]);
    assert_eq!(
        to_text(&m),
        "# top\na: 1\nb {\n  # inside\n  c: 2\n  # trailing inside\n}\nd: [ 1, 2 ]\n# at end\n"
    );
    let mut stripped = m.clone();
    stripped.strip_comments();
    assert_eq!(to_text(&stripped), "a: 1\nb {\n  c: 2\n}\nd: [ 1, 2 ]\n");
}

#[test]
fn set_and_remove_keep_comments_sensible() {
    let mut m = parse("# about a\na: 1\n# about b\nb: 2\nb: 3\n").unwrap();
    m.set("b", PbValue::Num("4".into()));
    assert_eq!(to_text(&m), "# about a\na: 1\n# about b\nb: 4\n");
    assert_eq!(m.remove("a"), 1);
    assert_eq!(to_text(&m), "# about a\n# about b\nb: 4\n");
    assert_eq!(m.remove("b"), 1);
    assert_eq!(to_text(&m), "# about a\n# about b\n");
    m.set("z", PbValue::Ident("Z".into()));
    assert_eq!(to_text(&m), "z: Z\n# about a\n# about b\n");
}

#[test]
fn errors_have_line_and_column() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("a: 1\nb: \"unterminated\n", 2, 4, "unterminated"),
        ("a {\n  b: 1\n", 3, 1, "expected `}`"),
        ("a: 1\n  b 2\n", 2, 5, "expected `:`"),
        ("a: [1, 2\n", 2, 1, "expected `]`"),
        ("a: [1 2]\n", 1, 7, "expected `,` or `]`"),
        ("a: 12abc\n", 1, 4, "invalid number"),
        ("a: \"\\q\"\n", 1, 5, "unknown escape"),
        ("a: @\n", 1, 4, "unexpected character"),
        ("}\n", 1, 1, "expected a field name"),
        ("a: }\n", 1, 4, "expected a value"),
        ("[ext]: 1\n", 1, 1, "extension"),
        ("a: - x\n", 1, 6, "expected a number after `-`"),
    ];
    for (text, line, col, needle) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!((e.line, e.column), (*line, *col), "{text:?}: {e}");
        assert!(e.message.contains(needle), "{text:?}: {e}");
        assert!(e.to_string().starts_with(&format!("{line}:{col}: ")));
    }
}

/// `depth` levels of `name { name { ... } name { ... } }`: every level a
/// message whose field appears twice (a JSON array of objects), the
/// deepest JSON a config of that depth converts to.
fn nested_twice(depth: usize) -> String {
    let mut s = String::new();
    for _ in 0..depth {
        s.push_str("x { n: 1 }\nx {\n");
    }
    s.push_str("leaf: \"end\"\n");
    for _ in 0..depth {
        s.push_str("}\n");
    }
    s
}

#[test]
fn nesting_past_the_limit_is_an_error_not_a_stack_overflow() {
    // 10 000 levels used to overflow the parser's stack (abort).
    let deep = "a { ".repeat(10_000);
    let e = parse(&deep).unwrap_err();
    // The 33rd `{` is the one past the limit: column 4 * 32 + 3.
    assert_eq!((e.line, e.column), (1, 4 * MAX_DEPTH + 3), "{e}");
    assert!(e.message.contains("deeper than 32 levels"), "{e}");
    // Messages inside lists, `<` like `{`: the 33rd `<` is past the limit.
    let e = parse(&"a [ < ".repeat(10_000)).unwrap_err();
    assert_eq!((e.line, e.column), (1, 6 * MAX_DEPTH + 5), "{e}");
    let e = parse(&"a < ".repeat(MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(e.column, 4 * MAX_DEPTH + 3, "{e}");
    // An unclosed input within the limit keeps its own error.
    let e = parse(&"a { ".repeat(MAX_DEPTH)).unwrap_err();
    assert!(e.message.contains("expected `}`"), "{e}");
}

#[test]
fn nesting_at_the_limit_parses_and_round_trips() {
    let text = nested_twice(MAX_DEPTH);
    let msg = roundtrip(&text);
    assert!(parse(&nested_twice(MAX_DEPTH + 1)).is_err());
    // Messages inside lists, up to the limit.
    let mut alt = "a [ { ".repeat(MAX_DEPTH);
    alt.push_str(&"} ] ".repeat(MAX_DEPTH));
    roundtrip(&alt);
    assert_eq!(from_json(&to_json(&parse(&alt).unwrap())).unwrap(), parse(&alt).unwrap());
    // JSON and back: from_json accepts what parse accepted.
    let json = to_json(&msg);
    let back = from_json(&json).unwrap();
    assert_eq!(to_json(&parse(&to_text(&back)).unwrap()), json);
}

#[test]
fn from_json_refuses_keys_that_are_not_field_names() {
    // Found by tests/fuzz_parsers.rs: `{"": false}` was written as
    // `: false`, a config.pbtxt that does not parse.
    for key in ["", "max batch size", "1a", "a-b", "a.b", "é"] {
        let e = from_json(&json!({ "dynamic_batching": { key: false } })).unwrap_err();
        assert_eq!(e.path, format!("dynamic_batching.{key}"));
        assert!(e.message.contains("not a field name"), "{e}");
    }
    // Map keys are strings, any text.
    let m = from_json(&json!({ "parameters": { "a b": { "string_value": "" }, "": {} } })).unwrap();
    assert_eq!(parse(&to_text(&m)).unwrap(), m);
    assert!(from_json(&json!({ "_a1": 1, "A": 2 })).is_ok());
}

#[test]
fn from_json_refuses_what_would_nest_too_deep() {
    let mut v = json!({"leaf": 1});
    for _ in 0..MAX_DEPTH {
        v = json!({ "x": v });
    }
    let msg = from_json(&v).unwrap();
    assert_eq!(parse(&to_text(&msg)).unwrap(), msg);
    let deeper = json!({ "x": v.clone() });
    let e = from_json(&deeper).unwrap_err();
    assert!(e.message.contains("deeper than 32"), "{e}");
    assert_eq!(e.path, vec!["x"; MAX_DEPTH + 1].join("."));
    // An object in a list is a level (the list is not), and so is a
    // map entry (its `key`/`value` message).
    assert!(from_json(&json!({ "x": [v.clone()] })).is_err());
    assert!(from_json(&json!({ "parameters": { "k": v.clone() } })).is_err());
    let mut shallow = json!({"leaf": 1});
    for _ in 0..MAX_DEPTH - 2 {
        shallow = json!({ "x": shallow });
    }
    let with_map = from_json(&json!({ "parameters": { "k": shallow } })).unwrap();
    assert_eq!(parse(&to_text(&with_map)).unwrap(), with_map);
}

#[test]
fn number_forms_are_only_what_the_lexer_reads() {
    // Found by tests/fuzz_parsers.rs (from_json of numeric-field strings):
    // these were numbers, written as text that does not parse; the last
    // one negated i128::MIN (a panic in debug builds).
    for s in ["+5", "- 5", " 5", "0x-8", "0x+8", "-0x-80000000000000000000000000000000", "0x", "-"] {
        assert_eq!(parse_number(s), None, "{s}");
        let m = from_json(&json!({ "max_batch_size": s, "input": [{ "dims": [s] }] })).unwrap();
        assert_eq!(m.get("max_batch_size"), Some(&PbValue::Str(s.to_string())));
        assert_eq!(parse(&to_text(&m)).unwrap(), m, "{s}");
    }
    assert_eq!(parse_number("-0x7f"), Some(Number::Int(-127)));
    assert_eq!(parse_number("-.5"), Some(Number::Float(-0.5)));
    assert_eq!(parse_number("1e+5"), Some(Number::Float(1e5)));
}

#[test]
fn number_forms() {
    assert_eq!(parse_number("010"), Some(Number::Int(8)));
    assert_eq!(parse_number("0"), Some(Number::Int(0)));
    assert_eq!(parse_number("-0x10"), Some(Number::Int(-16)));
    assert_eq!(parse_number("1e3"), Some(Number::Float(1000.0)));
    assert_eq!(parse_number("1.5F"), Some(Number::Float(1.5)));
    assert_eq!(parse_number("NaN"), Some(Number::Special("NaN")));
    assert_eq!(parse_number("1.2.3"), None);
    assert_eq!(parse_number("abc"), None);
    assert_eq!(
        number_to_json("18446744073709551615"),
        json!(18446744073709551615u64)
    );
}

#[test]
fn empty_input_is_an_empty_message() {
    assert_eq!(parse("").unwrap(), PbMessage::new());
    assert_eq!(
        parse("# only a comment\n").unwrap().trailing_comments,
        vec![" only a comment".to_string()]
    );
    assert_eq!(to_text(&PbMessage::new()), "");
}

#[test]
fn schema_queries() {
    assert!(is_repeated_field("ModelConfig", "input"));
    assert!(is_repeated_field("ModelInput", "dims"));
    assert!(!is_repeated_field("ModelConfig", "max_batch_size"));
    assert!(is_map_field("ModelConfig", "parameters"));
    assert!(is_map_field("ModelEnsembling.Step", "input_map"));
    assert_eq!(
        child_type("ModelConfig", "instance_group"),
        Some("ModelInstanceGroup")
    );
    assert_eq!(child_type("ModelConfig", "metric_tags"), None);
}
