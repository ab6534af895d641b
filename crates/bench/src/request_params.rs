//! perf_analyzer's `--request-parameter NAME:VALUE:TYPE`: a Triton request
//! parameter set on every inference request (through
//! `TRITONSERVER_InferenceRequestSet{String,Int,Bool}Parameter`).
//!
//! TYPE is `string`, `int` (a signed 64-bit integer) or `bool` (`true` or
//! `false`). NAME is the text before the first `:`, TYPE the text after the
//! last, VALUE what lies between (so a string value may itself contain
//! `:`; perf_analyzer refuses that). perf_analyzer reads any bool other
//! than `true` as false; tritium refuses it instead.

use tritium_triton::ParameterValue;

/// Parses one `NAME:VALUE:TYPE`; the error says what is wrong and the form expected.
pub fn parse(s: &str) -> Result<(String, ParameterValue), String> {
    let form = "expected NAME:VALUE:TYPE with TYPE string, int or bool, e.g. max_tokens:256:int";
    let (Some((name, rest)), Some((_, ty))) = (s.split_once(':'), s.rsplit_once(':')) else {
        return Err(format!("{s:?}: {form}"));
    };
    let Some((value, _)) = rest.rsplit_once(':') else {
        return Err(format!("{s:?}: {form}"));
    };
    if name.is_empty() {
        return Err(format!("{s:?}: the parameter name is empty; {form}"));
    }
    let value = match ty {
        "string" => ParameterValue::String(value.to_string()),
        "int" => ParameterValue::Int(value.trim().parse().map_err(|_| format!("{s:?}: {value:?} is not a 64-bit integer (type int)"))?),
        "bool" => match value {
            "true" => ParameterValue::Bool(true),
            "false" => ParameterValue::Bool(false),
            _ => return Err(format!("{s:?}: {value:?} is not true or false (type bool)")),
        },
        _ => return Err(format!("{s:?}: unknown type {ty:?}; {form}")),
    };
    Ok((name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_as_perf_analyzer_writes_them() {
        assert_eq!(parse("max_tokens:256:int").unwrap(), ("max_tokens".into(), ParameterValue::Int(256)));
        assert_eq!(parse("offset:-3:int").unwrap(), ("offset".into(), ParameterValue::Int(-3)));
        assert_eq!(parse("stream:true:bool").unwrap(), ("stream".into(), ParameterValue::Bool(true)));
        assert_eq!(parse("stream:false:bool").unwrap(), ("stream".into(), ParameterValue::Bool(false)));
        assert_eq!(parse("mode:fast:string").unwrap(), ("mode".into(), ParameterValue::String("fast".into())));
        assert_eq!(parse("empty::string").unwrap(), ("empty".into(), ParameterValue::String(String::new())));
        assert_eq!(parse("url:http://x:8000:string").unwrap(), ("url".into(), ParameterValue::String("http://x:8000".into())));
        for (bad, want) in [
            ("max_tokens", "NAME:VALUE:TYPE"),
            ("max_tokens:256", "NAME:VALUE:TYPE"),
            (":1:int", "name is empty"),
            ("n:1.5:int", "not a 64-bit integer"),
            ("n:99999999999999999999:int", "not a 64-bit integer"),
            ("b:yes:bool", "not true or false"),
            ("x:1:float", "unknown type \"float\""),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(want) && e.contains(bad), "{bad}: {e}");
        }
    }
}
