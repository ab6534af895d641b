//! Property-based fuzzing (proptest) of the parsers that read user files:
//! `config.pbtxt` (`profile::pbtxt`: parse, writer, JSON both ways, typed by Triton's schema), the
//! Model Analyzer YAML config (`ProfileConfig::from_yaml_str_with_overrides`,
//! then `validate`) and perf_analyzer `--input-data` JSON files
//! (`bench::input_data::load_input_data_batched`, `ShapeOverrides::parse`,
//! `model::tensor::decode_base64`). Inputs are random text/bytes, structure-aware mutations
//! of the valid files in the repository (tests/models, tests/failure_models,
//! examples) and generated valid documents. Every property asserts: no panic
//! (a `Result` either way), and valid input round-trips where it should.
//!
//! CI runs a modest number of cases (a few hundred per property, seconds).
//! A longer run by hand (1.4 million cases, about 4 minutes on 2 cores):
//!
//! ```text
//! PROPTEST_CASES=100000 cargo test --release --test fuzz_parsers
//! ```
//!
//! A failure prints the minimized input; `PROPTEST_RNG_SEED=<n>` repeats a
//! run. Every crash found so far has a regression test (in profile/pbtxt/'s unit
//! tests or below). Also here: deep nesting (pbtxt, YAML, input data,
//! results.json, the profile CLI) is an error, never a stack overflow.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

use tritium::bench::input_data::{self, ShapeOverrides, TensorSpec};
use tritium::model::{tensor, DataType};
use tritium::profile::config::{ProfileConfig, MAX_MODEL_CONFIG_PARAMETER_DEPTH};
use tritium::model::pbtxt::{self, PbMessage, PbValue};
use tritium::profile::results::{ConfigRecord, ModelResults, ProfileResults, VariantRecord, SCHEMA_VERSION};

/// `default_cases` unless `PROPTEST_CASES` is set; no regression files
/// (minimized failures become unit tests by hand).
fn cfg(default_cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig { failure_persistence: None, ..ProptestConfig::default() };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = default_cases;
    }
    c
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// One edit of a text, positions as fractions of its length.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove up to n characters.
    Delete(Index, u8),
    /// Insert a token.
    Insert(Index, String),
    /// Copy a slice of up to n characters to another place.
    Duplicate(Index, u8, Index),
    /// Replace one character.
    Replace(Index, char),
}

fn mutation(dict: &'static [&'static str]) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1u8..24).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), prop_oneof![3 => prop::sample::select(dict).prop_map(str::to_string), 1 => "\\PC{0,6}", 1 => any::<String>()])
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<Index>(), 1u8..64, any::<Index>()).prop_map(|(i, n, j)| Mutation::Duplicate(i, n, j)),
        (any::<Index>(), any::<char>()).prop_map(|(i, c)| Mutation::Replace(i, c)),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut c: Vec<char> = text.chars().collect();
    for m in muts {
        let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        match m {
            Mutation::Delete(i, n) => {
                let s = at(i, c.len()).min(c.len());
                let e = (s + *n as usize).min(c.len());
                c.drain(s..e);
            }
            Mutation::Insert(i, t) => {
                let s = at(i, c.len());
                c.splice(s..s, t.chars());
            }
            Mutation::Duplicate(i, n, j) => {
                let s = at(i, c.len()).min(c.len());
                let e = (s + *n as usize).min(c.len());
                let piece: Vec<char> = c[s..e].to_vec();
                let d = at(j, c.len());
                c.splice(d..d, piece);
            }
            Mutation::Replace(i, ch) => {
                if !c.is_empty() {
                    let k = i.index(c.len());
                    c[k] = *ch;
                }
            }
        }
    }
    c.into_iter().collect()
}

/// Text from random bytes (lossy UTF-8, as `read_to_string` would refuse
/// the rest before the parser sees it).
fn bytes_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..512).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

// ---------------------------------------------------------------------------
// config.pbtxt
// ---------------------------------------------------------------------------

/// Every config.pbtxt in the repository's fixtures and examples.
fn pbtxt_corpus() -> &'static [String] {
    static C: OnceLock<Vec<String>> = OnceLock::new();
    C.get_or_init(|| {
        let mut v = Vec::new();
        for dir in ["tests/models", "tests/failure_models", "examples/model_repository"] {
            let Ok(rd) = std::fs::read_dir(root().join(dir)) else { continue };
            for e in rd.flatten() {
                if let Ok(t) = std::fs::read_to_string(e.path().join("config.pbtxt")) {
                    v.push(t);
                }
            }
        }
        assert!(v.len() >= 5, "fixture configs not found under {}", root().display());
        v
    })
}

const PBTXT_DICT: &[&str] = &[
    "{", "}", "[", "]", "<", ">", ":", ",", ";", "-", "\"", "'", "\\", "#", "\n", " ", "#c\n", "0x", "0X1F", "1e", "1e-5f", "-inf",
    "nan", "inff", ".5", "0777", "08", "1_0", "99999999999999999999999999999999999999999", "0xffffffffffffffffffffffffffffffffff",
    "TYPE_FP32", "true", "t", "\"\\x\"", "\"\\u12\"", "\"\\U0010ffff\"", "\"\\U00110000\"", "\"\\777\"", "\"\\xff\"", "\"a\" 'b'",
    "name", "input [ {", "} ]", "parameters { key: \"k\" value: { string_value: \"v\" } }", "instance_group [{ kind: KIND_CPU, count: 2 }]",
    "dims: [ -1, 4 ]", "max_batch_size: 8", "dynamic_batching { }", "input_map { key: 1 value: 2 }", "a { a { a { ",
    "[ext]: 1", "x: [ { }, 1 ]", "x: [ ]", "value: 5",
];

/// Everything `parse` accepts: the writer's text parses back to the same
/// message and is stable; the JSON is within serde_json's depth limit; JSON
/// → text → JSON is the identity where `from_json` accepts it.
fn check_pbtxt(text: &str) {
    check_typed(text);
    let Ok(msg) = pbtxt::parse(text) else { return };
    check_message(&msg);
}

/// What `parse_model_config` accepts (text that Triton's schema accepts)
/// `parse_checked` accepts too; its Triton-style text and its proto3 JSON
/// read back to the same config.
fn check_typed(text: &str) {
    let typed = pbtxt::parse_model_config(text);
    assert_eq!(typed.is_ok(), pbtxt::parse_checked(text).is_ok(), "{text}");
    let Ok(typed) = typed else { return };
    let json = pbtxt::model_config_to_json(&typed).expect("a typed config serializes");
    let written = pbtxt::model_config_to_text(&typed);
    let back = pbtxt::parse_model_config(&written).unwrap_or_else(|e| panic!("written config does not read back: {e}\n{written}"));
    assert_eq!(pbtxt::model_config_to_json(&back).unwrap(), json, "text round trip changed the config:\n{written}");
    let from_json = pbtxt::model_config_from_json(&json).unwrap_or_else(|e| panic!("its JSON does not read back: {e}\n{json}"));
    assert_eq!(pbtxt::model_config_to_json(&from_json).unwrap(), json);
}

fn check_message(msg: &PbMessage) {
    let written = pbtxt::to_text(msg);
    let back = pbtxt::parse(&written).unwrap_or_else(|e| panic!("written text does not parse: {e}\n{written}"));
    assert_eq!(&back, msg, "round trip changed the message:\n{written}");
    assert_eq!(pbtxt::to_text(&back), written, "writer not stable");
    let json = pbtxt::to_json(msg);
    let s = serde_json::to_string(&json).expect("to_json serializes");
    let reread: Value = serde_json::from_str(&s).unwrap_or_else(|e| panic!("to_json output does not read back: {e}"));
    assert_eq!(reread, json);
    if let Ok(m2) = pbtxt::from_json(&json) {
        let t2 = pbtxt::to_text(&m2);
        let m3 = pbtxt::parse(&t2).unwrap_or_else(|e| panic!("from_json's text does not parse: {e}\n{t2}"));
        assert_eq!(pbtxt::to_json(&m3), json, "JSON → text → JSON changed it:\n{t2}");
    }
}

fn ident() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,10}"
}

/// Number literals the lexer accepts.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<u64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
        any::<f32>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}f")),
        "-?0[xX][0-9a-fA-F]{1,20}",
        "-?0[0-7]{1,12}",
        "-?[0-9]{1,4}\\.[0-9]{1,4}([eE][+-]?[0-9]{1,3})?[fF]?",
        "-?\\.[0-9]{1,4}",
        prop::sample::select(vec!["-inf", "inf", "nan", "-nan", "-infinity", "1e999", "-0", "0"]).prop_map(str::to_string),
    ]
    .prop_filter("lexes as a number", |s| pbtxt::parse(&format!("a: {s}")).is_ok_and(|m| matches!(m.get("a"), Some(PbValue::Num(_)))))
}

fn scalar() -> impl Strategy<Value = PbValue> {
    prop_oneof![
        any::<String>().prop_map(PbValue::Str),
        "\\PC{0,12}".prop_map(PbValue::Str),
        number().prop_map(PbValue::Num),
        ident().prop_map(PbValue::Ident),
    ]
}

/// A comment's text as the lexer keeps it (no newline, no trailing `\r`).
fn comment() -> impl Strategy<Value = String> {
    "[^\\n\\r]{0,16}"
}

fn message_of(value: impl Strategy<Value = PbValue>) -> impl Strategy<Value = PbMessage> {
    (prop::collection::vec((ident(), value, prop::collection::vec(comment(), 0..2)), 0..5), prop::collection::vec(comment(), 0..2)).prop_map(
        |(fields, trailing)| {
            let mut m = PbMessage::new();
            for (i, (name, v, comments)) in fields.into_iter().enumerate() {
                m.fields.push((name, v));
                if !comments.is_empty() {
                    m.comments.insert(i, comments);
                }
            }
            m.trailing_comments = trailing;
            m
        },
    )
}

/// Messages the parser can produce: nested messages, lists of scalars and
/// messages (never a list in a list).
fn message() -> impl Strategy<Value = PbMessage> {
    let value = scalar().prop_recursive(5, 48, 5, |inner| {
        let msg = message_of(inner.clone()).prop_map(PbValue::Msg).boxed();
        prop_oneof![
            2 => msg.clone(),
            1 => prop::collection::vec(prop_oneof![scalar(), msg], 0..4).prop_map(PbValue::List),
        ]
    });
    message_of(value)
}

proptest! {
    #![proptest_config(cfg(400))]

    #[test]
    fn pbtxt_random_text_never_panics(text in prop_oneof![bytes_text(), "\\PC{0,200}", prop::collection::vec(prop::sample::select(PBTXT_DICT), 0..40).prop_map(|v| v.concat())]) {
        check_pbtxt(&text);
    }

    #[test]
    fn pbtxt_mutated_fixtures_never_panic(i in any::<Index>(), muts in prop::collection::vec(mutation(PBTXT_DICT), 1..8)) {
        let corpus = pbtxt_corpus();
        check_pbtxt(&apply(&corpus[i.index(corpus.len())], &muts));
    }

    #[test]
    fn pbtxt_generated_messages_round_trip(msg in message()) {
        check_message(&msg);
    }

    #[test]
    fn pbtxt_from_json_of_random_json_never_panics(v in json_value()) {
        let doc = json!({ "name": "m", "input": [v.clone()], "parameters": { "k": v.clone() }, "dynamic_batching": v.clone(), "x": v });
        for d in [&doc, &doc["x"]] {
            if let Ok(m) = pbtxt::from_json(d) {
                let t = pbtxt::to_text(&m);
                let back = pbtxt::parse(&t).unwrap_or_else(|e| panic!("from_json's text does not parse: {e}\n{t}"));
                // Same text and meaning (`inf` may come back an identifier
                // where from_json made a number: both write `inf`).
                prop_assert_eq!(pbtxt::to_text(&back), t);
                prop_assert_eq!(pbtxt::to_json(&back), pbtxt::to_json(&m));
            }
        }
    }
}

#[test]
fn pbtxt_fixtures_round_trip_exactly() {
    for text in pbtxt_corpus() {
        let msg = pbtxt::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        check_message(&msg);
        // Valid configs have a text form of their JSON (what `tritium profile` writes).
        let json = pbtxt::to_json(&msg);
        let m2 = pbtxt::from_json(&json).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(pbtxt::to_json(&pbtxt::parse(&pbtxt::to_text(&m2)).unwrap()), json);
    }
}

// ---------------------------------------------------------------------------
// JSON values
// ---------------------------------------------------------------------------

fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        (-300i64..300).prop_map(Value::from),
        "\\PC{0,10}".prop_map(Value::String),
        prop::sample::select(vec!["NaN", "Infinity", "-Infinity", "0x10", "-0x-8", "-0x-80000000000000000000000000000000", "+5", "1e5", "TYPE_FP32", "KIND_CPU", "", " 1", "- 5", "1_0", "AAAA", "AAE=", "=", "inf"])
            .prop_map(|s| Value::String(s.to_string())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(prop_oneof![ident(), "\\PC{0,6}", prop::sample::select(vec!["key", "value", "content", "shape", "b64", "data", "dims", "kind", "count", "string_value", "max_batch_size"]).prop_map(str::to_string)], inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---------------------------------------------------------------------------
// analyzer_config.yaml
// ---------------------------------------------------------------------------

const YAML_SEEDS: &[&str] = &[
    r#"
model_repository: /m
profile_models:
  zeta:
    cpu_only: true
    parameters:
      concurrency:
        start: 2
        stop: 64
        step: 8
      batch_sizes: 1,2,3
    perf_analyzer_flags:
      percentile: 95
      shape: INPUT0:4
    model_config_parameters:
      max_batch_size: [2, 4, 8]
      dynamic_batching:
        max_queue_delay_microseconds: [100, 200]
      instance_group:
        - - kind: KIND_CPU
            count: [1, 2]
    weighting: 3
    constraints:
      perf_latency_p99: {max: 10}
    objectives: {perf_throughput: 10, perf_latency_p99: 5}
  alpha:
objectives:
  - perf_latency_p99
constraints:
  perf_throughput: {min: 100}
  perf_latency_p95: {max: 300}
  gpu_used_memory: {max: 42000}
num_top_model_configs: 2
concurrency: [1, 2, 4]
batch_sizes: [1, 8]
latency_budget: 50
min_throughput: 10
"#,
    "model_repository: /m\nprofile_models: a, b,c\nrun_config_search_mode: brute\nconcurrency: 1,2\n",
    "model_repository: /m\nprofile_models:\n  - a\n  - b:\n      cpu_only: true\ncpu_only_composing_models: [b]\nperf_analyzer_flags:\n  measurement-mode: count_windows\n  input-data: [a.json, b.json]\n  stability-percentage: 5\n  max-trials: 3\n",
];

fn yaml_corpus() -> &'static [String] {
    static C: OnceLock<Vec<String>> = OnceLock::new();
    C.get_or_init(|| {
        let mut v: Vec<String> = YAML_SEEDS.iter().map(|s| s.to_string()).collect();
        v.push(std::fs::read_to_string(root().join("examples/analyzer_config.yaml")).expect("examples/analyzer_config.yaml"));
        v
    })
}

const YAML_DICT: &[&str] = &[
    ":", ": ", "- ", "\n", "\n  ", "\n    - ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: *a", "!!str ", "!!binary ", "!!int ", "!tag ", "~", "null",
    "-1", "0", "1", "1e999", "-1e999", ".nan", ".inf", "-.inf", "18446744073709551616", "-9223372036854775809", "4294967296", "0x10", "0o7",
    "'", "\"", "\t", "? ", "|\n  x\n", ">-\n  y\n", "#", "---\n", "...\n", "%YAML 1.2\n", "model_repository: ", "profile_models:", "perf_analyzer_flags:",
    "constraints:", "objectives:", "model_config_parameters:", "parameters:", "concurrency:", "request_rate: ", "start: ", "stop: ", "step: ",
    "batch_sizes: ", "shape: ", "max: ", "min: ", "weighting: ", "percentile: ", "cpu_only: ", "num_top_model_configs: ", "run_config_search_mode: ",
    "run_config_search_max_concurrency: ", "measurement-interval: ", "latency_budget: ", "input-data: ", "a:-1,2", "x:0", "KIND_CPU",
    "{start: 1, stop: 99999999}", "{start: 0, stop: 20000, step: 2}", "{start: 5, stop: 1}", "{stop: 1}", "{start: 1, stop: 2, step: 0}",
];

const CLI_KEYS: &[&str] = &[
    "model-repository", "profile-models", "output-model-repository-path", "override-output-model-repository", "export-path",
    "checkpoint-directory", "triton-launch-mode", "run-config-search-mode", "run-config-search-disable", "run-config-search-min-concurrency",
    "run-config-search-max-concurrency", "run-config-search-min-request-rate", "run-config-search-max-request-rate",
    "run-config-search-min-model-batch-size", "run-config-search-max-model-batch-size", "run-config-search-min-instance-count",
    "run-config-search-max-instance-count", "run-config-search-max-binary-search-steps", "num-configs-per-model", "num-top-model-configs",
    "concurrency", "batch-sizes", "request-rate", "latency-budget", "min-throughput", "client-protocol", "duration-seconds", "gpus",
    "cpu-only-composing-models", "config-file", "-e", "--export-path", "triton-docker-image", "perf-output", "early-exit-enable", "nonsense",
];

fn overrides() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![4 => prop::sample::select(CLI_KEYS).prop_map(str::to_string), 1 => "\\PC{0,12}"];
    let value = prop_oneof![
        prop::sample::select(vec!["", "0", "1", "-1", "abc", "1,2", "1,,2", "99999999999999999999", "4294967296", "nan", "inf", "true", "false", "brute", "quick", "a,b"])
            .prop_map(str::to_string),
        "\\PC{0,12}",
    ];
    prop::collection::vec((key, value), 0..4)
}

/// Parses, validates and reads every derived setting; only errors allowed.
fn check_yaml(text: &str, overrides: &[(String, String)]) {
    match ProfileConfig::from_yaml_str_with_overrides(text, Path::new("fuzz.yaml"), overrides) {
        Ok(c) => {
            let _ = c.validate();
            for m in &c.profile_models {
                let _ = c.effective_constraints(m);
                let _ = c.effective_objectives(m).normalized();
                let _ = c.effective_parameters(m);
                let f = c.effective_perf_analyzer_flags(m);
                let _ = (f.shapes(), f.input_data(), f.measurement_interval_ms(), f.measurement_request_count(), f.measurement_mode());
                let _ = (f.batch_size(), f.percentile(), f.stability_percentage(), f.max_trials(), f.is_load_specified());
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

proptest! {
    #![proptest_config(cfg(300))]

    #[test]
    fn yaml_random_text_never_panics(text in prop_oneof![bytes_text(), "\\PC{0,200}", prop::collection::vec(prop::sample::select(YAML_DICT), 0..40).prop_map(|v| v.concat())], ov in overrides()) {
        check_yaml(&text, &ov);
    }

    #[test]
    fn yaml_mutated_configs_never_panic(i in any::<Index>(), muts in prop::collection::vec(mutation(YAML_DICT), 1..6), ov in overrides()) {
        let corpus = yaml_corpus();
        check_yaml(&apply(&corpus[i.index(corpus.len())], &muts), &ov);
    }

    #[test]
    fn yaml_valid_configs_with_random_overrides_never_panic(i in any::<Index>(), ov in overrides()) {
        let corpus = yaml_corpus();
        check_yaml(&corpus[i.index(corpus.len())], &ov);
    }
}

/// Found reading the range code while fuzzing: a `{start, stop, step}` range
/// was expanded before any bound, so `{start: 1, stop: 4294967295}` asked
/// for 16 GiB (an abort on allocation failure, or the OOM killer). A smaller
/// stop here, so that a regression costs 80 MB, not the machine.
#[test]
fn huge_ranges_are_an_error_before_they_are_expanded() {
    let yaml = |range: &str| format!("model_repository: /m\nprofile_models:\n  a:\n    parameters:\n      concurrency: {range}\n");
    for range in ["{start: 1, stop: 20000000}", "{start: 0, stop: 4294967295}", "{start: 1, stop: 10001}", "{start: 1, stop: 20001, step: 2}"] {
        let e = ProfileConfig::from_yaml_str(&yaml(range), Path::new("r.yaml")).unwrap_err().to_string();
        assert!(e.contains("r.yaml") && e.contains("at most 10000 are allowed"), "{range}: {e}");
    }
    let c = ProfileConfig::from_yaml_str(&yaml("{start: 1, stop: 10000}"), Path::new("r.yaml")).unwrap();
    assert_eq!(c.profile_models[0].parameters.concurrency.as_ref().map(Vec::len), Some(10_000));
    let c = ProfileConfig::from_yaml_str(&yaml("{start: 16380, stop: 16384, step: 2}"), Path::new("r.yaml")).unwrap();
    assert_eq!(c.profile_models[0].parameters.concurrency, Some(vec![16380, 16382, 16384]));
    // A short range of huge values is not a memory problem, but each is past the concurrency limit.
    let e = ProfileConfig::from_yaml_str(&yaml("{start: 4294967290, stop: 4294967295, step: 2}"), Path::new("r.yaml")).unwrap_err().to_string();
    assert!(e.contains("r.yaml") && e.contains("4294967290") && e.contains("16384"), "{e}");
}

#[test]
fn yaml_seeds_are_valid() {
    for text in yaml_corpus() {
        let c = ProfileConfig::from_yaml_str(text, Path::new("seed.yaml")).unwrap_or_else(|e| panic!("{e}\n{text}"));
        c.validate().unwrap_or_else(|e| panic!("{e}\n{text}"));
    }
}

// ---------------------------------------------------------------------------
// --input-data JSON
// ---------------------------------------------------------------------------

fn spec(name: &str, dt: &str, shape: &[i64]) -> TensorSpec {
    TensorSpec { name: name.into(), datatype: dt.into(), shape: shape.to_vec() }
}

/// Model input sets: (inputs, max_batch_size, batch size, `--shape` values).
fn models() -> Vec<(Vec<TensorSpec>, u32, u32, Vec<String>)> {
    vec![
        (vec![spec("INPUT0", "FP32", &[-1, 4]), spec("INPUT1", "INT32", &[-1, 4])], 8, 2, vec![]),
        (vec![spec("V", "INT64", &[-1, -1]), spec("S", "BYTES", &[-1, 1])], 8, 3, vec![]),
        (
            ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64", "BYTES"]
                .iter()
                .enumerate()
                .map(|(i, dt)| spec(&format!("T{i}"), dt, if i % 3 == 0 { &[-1] } else { &[2] }))
                .collect(),
            0,
            1,
            vec![],
        ),
        (vec![spec("X", "FP16", &[-1, 2]), spec("B", "BOOL", &[2])], 0, 1, vec!["X:3,2".into()]),
    ]
}

/// One model's input set with its resolved request shapes.
struct Model {
    inputs: Vec<TensorSpec>,
    max_batch_size: u32,
    shapes: Vec<(String, Vec<i64>)>,
}

fn resolved_models() -> &'static [Model] {
    static M: OnceLock<Vec<Model>> = OnceLock::new();
    M.get_or_init(|| {
        models()
            .into_iter()
            .map(|(inputs, mbs, bs, shape_args)| {
                let ov = ShapeOverrides::parse(&shape_args).expect("--shape");
                let shapes = input_data::resolve_shapes_allow_variable(&inputs, mbs, bs, &ov).expect("shapes");
                Model { inputs, max_batch_size: mbs, shapes }
            })
            .collect()
    })
}

/// A value for one tensor: mostly plausible, sometimes not.
fn tensor_value() -> impl Strategy<Value = Value> {
    let elem = prop_oneof![
        (-200i64..200).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec!["NaN", "Infinity", "-Infinity", "abc", "", "1", "héllo"]).prop_map(|s| Value::String(s.into())),
    ];
    let flat = prop::collection::vec(elem.clone(), 0..12).prop_map(Value::Array);
    let nested = prop::collection::vec(prop::collection::vec(elem, 0..4).prop_map(Value::Array), 0..4).prop_map(Value::Array);
    let shape = prop::collection::vec(prop_oneof![0i64..5, Just(-1i64), Just(i64::MAX), Just(1i64 << 40), Just(-2i64)], 0..4)
        .prop_map(|v| Value::Array(v.into_iter().map(Value::from).collect()));
    let b64 = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| b64_encode(&b)),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 0..4).prop_map(|items| {
            // BYTES layout: u32 length + bytes, sometimes with a lying length
            let mut out = Vec::new();
            for s in items {
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(&s);
            }
            b64_encode(&out)
        }),
        prop::sample::select(vec!["", "=", "AA==", "AAA", "A", "!!!!", "AAAA====", "////", "AAE="]).prop_map(str::to_string),
        "[A-Za-z0-9+/= ]{0,20}",
    ];
    prop_oneof![
        3 => flat.clone(),
        1 => nested.clone(),
        2 => (flat.clone(), prop::option::of(shape.clone())).prop_map(|(c, s)| match s {
            Some(s) => json!({"content": c, "shape": s}),
            None => json!({"content": c}),
        }),
        2 => (b64.clone(), prop::option::of(shape.clone())).prop_map(|(b, s)| match s {
            Some(s) => json!({"content": {"b64": b}, "shape": s}),
            None => json!({"b64": b}),
        }),
        1 => json_value(),
    ]
}

fn b64_encode(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16) | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8) | u32::from(*chunk.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= n {
                out.push(A[((v >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A whole `--input-data` document for model `m`: entries of its inputs
/// (sometimes one missing or an extra one), single- or multi-stream.
fn input_document(m: usize) -> impl Strategy<Value = Value> {
    let names: Vec<String> = resolved_models()[m].inputs.iter().map(|s| s.name.clone()).collect();
    let entry = (prop::collection::vec(tensor_value(), names.len()), prop::option::weighted(0.1, any::<Index>()), prop::option::weighted(0.1, tensor_value())).prop_map(
        move |(vals, drop, extra)| {
            let mut o = serde_json::Map::new();
            for (n, v) in names.iter().zip(vals) {
                o.insert(n.clone(), v);
            }
            if let Some(i) = drop {
                let k = names[i.index(names.len())].clone();
                o.remove(&k);
            }
            if let Some(v) = extra {
                o.insert("EXTRA".into(), v);
            }
            Value::Object(o)
        },
    );
    let entries = prop::collection::vec(entry, 0..4).boxed();
    prop_oneof![
        4 => entries.clone().prop_map(|e| json!({ "data": e })),
        1 => prop::collection::vec(entries, 0..3).prop_map(|s| json!({ "data": s, "validation_data": [] })),
        1 => json_value().prop_map(|v| json!({ "data": v })),
    ]
}

thread_local! {
    static SCRATCH: tempfile::TempDir = tempfile::tempdir().expect("tempdir");
}

/// Writes `text` as an input-data file and loads it for model `m`; checks
/// what a success returns (one step per entry, every input, bytes that match
/// the shape and data type).
fn check_input_data(m: usize, text: &str) {
    let model = &resolved_models()[m];
    let path = SCRATCH.with(|d| d.path().join("data.json"));
    std::fs::write(&path, text).expect("write");
    let Ok(steps) = input_data::load_input_data_batched(&path, &model.inputs, &model.shapes, model.max_batch_size) else { return };
    assert!(!steps.is_empty(), "no steps from {text}");
    for step in &steps {
        assert_eq!(step.len(), model.inputs.len());
        for ((name, shape, bytes), spec) in step.iter().zip(&model.inputs) {
            assert_eq!(name, &spec.name);
            assert!(shape.iter().all(|&d| d >= 0), "{name}: shape {shape:?} from {text}");
            let n = input_data::element_count(shape).expect("element count") as usize;
            match DataType::from_wire_or_alias(&spec.datatype).and_then(|d| d.byte_size()) {
                Some(size) => assert_eq!(bytes.len(), n * size, "{name} {shape:?} from {text}"),
                None => {
                    let (mut at, mut count) = (0usize, 0usize);
                    while at < bytes.len() {
                        assert!(at + 4 <= bytes.len(), "{name}: truncated BYTES length from {text}");
                        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
                        at += 4 + len;
                        count += 1;
                    }
                    assert_eq!((at, count), (bytes.len(), n), "{name}: BYTES layout from {text}");
                }
            }
        }
    }
}

const JSON_DICT: &[&str] =
    &["{", "}", "[", "]", ",", ":", "\"", "\\u0000", "\\ud800", "1e999", "-0", "18446744073709551616", "null", "true", "\"b64\"", "\"shape\"", "\"content\"", "\"data\""];

fn input_seeds() -> Vec<String> {
    vec![
        r#"{"data": [{"INPUT0": [1,2,3,4], "INPUT1": [1,2,3,4]}, {"INPUT0": {"content": [1,2,3,4], "shape": [4]}, "INPUT1": {"b64": "AQAAAAIAAAADAAAABAAAAA=="}}]}"#.into(),
        r#"{"data": [[{"V": {"content": [1,2,3], "shape": [3]}, "S": ["a"]}], [{"V": {"content": [4,5,6], "shape": [3]}, "S": {"b64": "AQAAAGE="}}]]}"#.into(),
    ]
}

proptest! {
    #![proptest_config(cfg(300))]

    #[test]
    fn input_data_generated_documents_never_panic((m, doc) in (0..models().len()).prop_flat_map(|m| (Just(m), input_document(m)))) {
        check_input_data(m, &doc.to_string());
    }

    #[test]
    fn input_data_random_text_never_panics(m in 0..models().len(), text in prop_oneof![bytes_text(), "\\PC{0,120}", prop::collection::vec(prop::sample::select(JSON_DICT), 0..30).prop_map(|v| v.concat())]) {
        check_input_data(m, &text);
    }

    #[test]
    fn input_data_mutated_seeds_never_panic(i in 0usize..2, muts in prop::collection::vec(mutation(JSON_DICT), 1..6)) {
        check_input_data(i, &apply(&input_seeds()[i], &muts));
    }

    #[test]
    fn shape_args_and_base64_never_panic(args in prop::collection::vec(prop_oneof!["\\PC{0,16}", "[A-Z0-9]{1,3}:[-0-9, ]{0,12}"], 0..4), b in "\\PC{0,40}", m in 0..models().len()) {
        if let Ok(ov) = ShapeOverrides::parse(&args) {
            let model = &resolved_models()[m];
            let _ = input_data::resolve_shapes(&model.inputs, model.max_batch_size, 1, &ov);
            let _ = input_data::resolve_shapes_allow_variable(&model.inputs, model.max_batch_size, 1, &ov);
        }
        if let Ok(bytes) = tensor::decode_base64(&b) {
            prop_assert_eq!(tensor::decode_base64(&b64_encode(&bytes)).unwrap(), bytes);
        }
    }
}

#[test]
fn input_data_seeds_load() {
    for (i, text) in input_seeds().iter().enumerate() {
        let model = &resolved_models()[i];
        let path = SCRATCH.with(|d| d.path().join("seed.json"));
        std::fs::write(&path, text).unwrap();
        let steps = input_data::load_input_data_batched(&path, &model.inputs, &model.shapes, model.max_batch_size).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(steps.len(), 2);
        check_input_data(i, text);
    }
}

// ---------------------------------------------------------------------------
// Deep nesting: errors, never a stack overflow
// ---------------------------------------------------------------------------

/// 10 000 levels, the size of input that used to abort the pbtxt parser.
const DEEP: usize = 10_000;

#[test]
fn deep_pbtxt_is_an_error_naming_line_column_and_limit() {
    let text = "input {\n".repeat(DEEP);
    let e = pbtxt::parse(&text).unwrap_err();
    assert_eq!((e.line, e.column), (pbtxt::MAX_DEPTH + 1, 7), "{e}");
    assert!(e.to_string().contains("deeper than 32 levels"), "{e}");
}

#[test]
fn deep_yaml_is_an_error_not_an_abort() {
    let cases = [
        format!("model_repository: /m\nprofile_models: {}a{}\n", "[".repeat(DEEP), "]".repeat(DEEP)),
        format!("model_repository: /m\nprofile_models: {}1{}\n", "{a: ".repeat(DEEP), "}".repeat(DEEP)),
        // block style, each level indented one more space (past serde_yaml's 128)
        (0..300).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect::<String>(),
        format!("model_repository: /m\nprofile_models:\n  m:\n    model_config_parameters:\n      x: {}1{}\n", "[".repeat(DEEP), "]".repeat(DEEP)),
    ];
    for text in &cases {
        let e = ProfileConfig::from_yaml_str(text, Path::new("deep.yaml")).unwrap_err().to_string();
        assert!(e.contains("deep.yaml"), "{e}");
        assert!(e.contains("recursion limit"), "{e}");
    }
}

#[test]
fn yaml_alias_bomb_is_an_error() {
    // "billion laughs": each level references the previous one 9 times.
    let mut text = String::from("model_repository: /m\nprofile_models: a\nx0: &x0 [lol]\n");
    for i in 1..10 {
        let prev = format!("*x{}", i - 1);
        text.push_str(&format!("x{i}: &x{i} [{}]\n", vec![prev; 9].join(", ")));
    }
    let e = ProfileConfig::from_yaml_str(&text, Path::new("bomb.yaml")).unwrap_err().to_string();
    assert!(e.contains("bomb.yaml"), "{e}");
}

/// A `model_config_parameters` value `depth` levels deep (`{x: {x: ... 1}}`).
fn mcp_yaml(depth: usize) -> String {
    format!("model_repository: /m\nprofile_models:\n  m:\n    model_config_parameters:\n      dynamic_batching: {}1{}\n", "{x: ".repeat(depth), "}".repeat(depth))
}

#[test]
fn model_config_parameters_deeper_than_the_limit_are_an_error() {
    let c = ProfileConfig::from_yaml_str(&mcp_yaml(MAX_MODEL_CONFIG_PARAMETER_DEPTH), Path::new("a.yaml")).unwrap();
    let v = &c.profile_models[0].model_config_parameters.as_ref().unwrap()["dynamic_batching"];
    assert!(v.pointer(&"/x".repeat(MAX_MODEL_CONFIG_PARAMETER_DEPTH)).is_some());
    // Deeper, but inside serde_yaml's own limit: tritium's error, with the key.
    let e = ProfileConfig::from_yaml_str(&mcp_yaml(MAX_MODEL_CONFIG_PARAMETER_DEPTH + 1), Path::new("a.yaml")).unwrap_err().to_string();
    assert!(e.contains("a.yaml") && e.contains("profile_models.m.model_config_parameters.dynamic_batching"), "{e}");
    assert!(e.contains("nests 65 levels") && e.contains("at most 64"), "{e}");
}

#[test]
fn deep_input_data_json_is_an_error_not_an_abort() {
    let model = &resolved_models()[0];
    let path = SCRATCH.with(|d| d.path().join("deep.json"));
    std::fs::write(&path, format!(r#"{{"data": [{{"INPUT0": {}1{}}}]}}"#, "[".repeat(DEEP), "]".repeat(DEEP))).unwrap();
    let e = input_data::load_input_data_batched(&path, &model.inputs, &model.shapes, model.max_batch_size).unwrap_err().to_string();
    assert!(e.contains("deep.json") && e.contains("recursion limit"), "{e}");
    // Within serde_json's limit, nested arrays are flattened (not recursed into the stack's end).
    std::fs::write(&path, format!(r#"{{"data": [{{"INPUT0": {}1,2,3,4{}, "INPUT1": [1,2,3,4]}}]}}"#, "[".repeat(120), "]".repeat(120))).unwrap();
    let steps = input_data::load_input_data_batched(&path, &model.inputs, &model.shapes, model.max_batch_size).unwrap();
    assert_eq!(steps[0][0].2.len(), 2 * 4 * 4, "batch 2 of the one entry, 4 FP32 each");
}

/// The deepest JSON a config can have: `MAX_DEPTH` messages, each level a
/// field given twice (an array of objects in JSON).
fn deepest_config_text() -> String {
    let mut s = String::from("name: \"deep\"\n");
    for _ in 0..pbtxt::MAX_DEPTH {
        s.push_str("x { n: 1 }\nx {\n");
    }
    s.push_str("leaf: \"end\"\n");
    s.push_str(&"}\n".repeat(pbtxt::MAX_DEPTH));
    s
}

fn json_depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn deepest_accepted_config_round_trips_through_results_json() {
    let msg = pbtxt::parse(&deepest_config_text()).unwrap();
    let config = pbtxt::to_json(&msg);
    assert_eq!(json_depth(&config), 2 * pbtxt::MAX_DEPTH + 1);
    // The deepest model_config_parameters value tritium accepts, as recorded.
    let yaml = ProfileConfig::from_yaml_str(&mcp_yaml(MAX_MODEL_CONFIG_PARAMETER_DEPTH), Path::new("a.yaml")).unwrap();
    let manual: serde_json::Map<String, Value> = yaml.profile_models[0].model_config_parameters.clone().unwrap().into_iter().collect();
    let mut results = ProfileResults { schema_version: SCHEMA_VERSION, tool: "tritium".into(), ..Default::default() };
    results.models.push(ModelResults {
        model: "deep".into(),
        base_config: config.clone(),
        configs: vec![ConfigRecord {
            name: "deep_config_0".into(),
            key: "k".into(),
            variant: VariantRecord { max_batch_size: 0, instance_count: 1, instance_kind: "KIND_CPU".into(), dynamic_batching: false, is_default: false, manual, composing: Vec::new() },
            config: config.clone(),
            load_seconds: None,
            error: None,
            time: None,
        }],
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    results.write(&path).unwrap();
    let back = ProfileResults::read(&path).unwrap_or_else(|e| panic!("results.json with the deepest config does not read back: {e}"));
    assert_eq!(back, results);
    // ... and the config is written back as the same config.pbtxt.
    let m2 = pbtxt::from_json(&back.models[0].configs[0].config).unwrap();
    assert_eq!(pbtxt::to_json(&pbtxt::parse(&pbtxt::to_text(&m2)).unwrap()), config);
}

#[test]
fn deep_results_json_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    std::fs::write(&path, format!(r#"{{"schema_version": 2, "x": {}{}}}"#, "[".repeat(DEEP), "]".repeat(DEEP))).unwrap();
    let e = ProfileResults::read(&path).unwrap_err().to_string();
    assert!(e.contains("results.json"), "{e}");
}

/// The reported crash, end to end: `tritium profile` on a model whose
/// config.pbtxt nests 10 000 deep aborted (SIGABRT, exit 134, stack
/// overflow); now the model is refused with the file, line, column and limit.
#[test]
fn profile_with_a_deep_config_pbtxt_reports_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("repo/deep");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("config.pbtxt"), format!("name: \"deep\"\nbackend: \"python\"\n{}", "x { ".repeat(DEEP))).unwrap();
    let out = dir.path().join("out");
    let yaml = dir.path().join("a.yaml");
    std::fs::write(
        &yaml,
        format!(
            "model_repository: {}\nprofile_models: deep\nexport_path: {o}\noutput_model_repository_path: {o}/models\ncheckpoint_directory: {o}/ckpt\noverride_output_model_repository: true\n",
            dir.path().join("repo").display(),
            o = out.display()
        ),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tritium")).args(["profile", "-f"]).arg(&yaml).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.code().is_some(), "killed by a signal: {:?}\n{text}", o.status);
    assert!(text.contains("deep/config.pbtxt: 3:131: messages nest deeper than 32 levels"), "{text}");
}
