//! One tensor of one `--input-data` entry: its forms (a value array,
//! `{"content", "shape"}`, `{"b64"}`), values checked against the element type
//! and encoded little-endian, base64 payloads checked against the shape.

use std::path::Path;

use serde_json::Value;

use super::error::{DataLocation, InputError};
use super::shapes::{element_count, shape_fit, shape_to_string};
use super::TensorSpec;
use tritium_model::tensor::{count_bytes_elements, decode_base64, f32_to_bf16_bits, f32_to_f16_bits, push_bytes_element};
use tritium_model::DataType;

pub(super) struct EntryCtx<'a> {
    pub(super) path: &'a Path,
    pub(super) step: usize,
    pub(super) at: &'a str,
    pub(super) name: &'a str,
}

impl EntryCtx<'_> {
    fn loc(&self) -> Box<DataLocation> {
        Box::new(DataLocation {
            path: self.path.to_path_buf(),
            step: self.step,
            at: self.at.to_string(),
            input: self.name.to_string(),
        })
    }

    fn format(&self, message: impl Into<String>) -> InputError {
        InputError::Format {
            path: self.path.to_path_buf(),
            at: format!("{}.{}", self.at, self.name),
            message: message.into(),
        }
    }

    fn not_representable(
        &self,
        index: usize,
        value: &Value,
        dtype: DataType,
        reason: &str,
    ) -> InputError {
        let mut v = value.to_string();
        if v.len() > 60 {
            let mut cut = 57;
            while !v.is_char_boundary(cut) {
                cut -= 1;
            }
            v.truncate(cut);
            v.push_str("...");
        }
        InputError::NotRepresentable {
            loc: self.loc(),
            index,
            value: v,
            datatype: dtype.wire_name().to_string(),
            reason: reason.to_string(),
        }
    }
}

enum Payload<'a> {
    Values(Vec<&'a Value>),
    B64(&'a str),
}

fn flatten<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => {
            for item in items {
                flatten(item, out);
            }
        }
        other => out.push(other),
    }
}

/// Splits a tensor's JSON into an optional `"shape"` and its payload.
fn parse_tensor<'a>(
    ctx: &EntryCtx<'_>,
    tensor: &'a Value,
) -> Result<(Option<Vec<i64>>, Payload<'a>), InputError> {
    let b64_of = |obj: &'a serde_json::Map<String, Value>| -> Result<&'a str, InputError> {
        match obj.get("b64") {
            Some(Value::String(s)) => Ok(s.as_str()),
            _ => Err(ctx.format("the value of \"b64\" must be a string")),
        }
    };
    match tensor {
        Value::Array(_) => {
            let mut vals = Vec::new();
            flatten(tensor, &mut vals);
            Ok((None, Payload::Values(vals)))
        }
        Value::Object(obj) => {
            for key in obj.keys() {
                if !matches!(key.as_str(), "content" | "shape" | "b64") {
                    return Err(ctx.format(format!(
                        "unexpected key \"{key}\" (expected \"content\", \"b64\" and optionally \"shape\")"
                    )));
                }
            }
            let shape = match obj.get("shape") {
                None => None,
                Some(Value::Array(dims)) => {
                    let mut s = Vec::with_capacity(dims.len());
                    for d in dims {
                        match d.as_i64() {
                            Some(v) if v >= 0 => s.push(v),
                            _ => {
                                return Err(ctx.format(format!(
                                    "\"shape\" values must be non-negative integers, got {d}"
                                )))
                            }
                        }
                    }
                    Some(s)
                }
                Some(_) => return Err(ctx.format("\"shape\" must be an array of integers")),
            };
            let payload = match (obj.get("content"), obj.contains_key("b64")) {
                (Some(_), true) => {
                    return Err(ctx.format("give either \"content\" or \"b64\", not both"))
                }
                (None, true) => Payload::B64(b64_of(obj)?),
                (Some(c @ Value::Array(_)), false) => {
                    let mut vals = Vec::new();
                    flatten(c, &mut vals);
                    Payload::Values(vals)
                }
                (Some(Value::Object(inner)), false) if inner.contains_key("b64") => {
                    Payload::B64(b64_of(inner)?)
                }
                (Some(_), false) => {
                    return Err(ctx.format(
                        "\"content\" must be an array of values or {\"b64\": \"...\"}",
                    ))
                }
                (None, false) => return Err(ctx.format("missing \"content\" (or \"b64\") field")),
            };
            Ok((shape, payload))
        }
        _ => Err(ctx.format(
            "expected an array of values, {\"content\": [...], \"shape\": [...]} or {\"b64\": \"...\"}",
        )),
    }
}

fn json_float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        // rapidjson's kParseNanAndInfFlag lets perf_analyzer read NaN and
        // Infinity literals; standard JSON cannot, so accept them as strings.
        Value::String(s) => match s.as_str() {
            "NaN" | "nan" => Some(f64::NAN),
            "Infinity" | "inf" | "+Infinity" | "+inf" => Some(f64::INFINITY),
            "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Encodes JSON values as raw little-endian elements of `dtype`.
fn encode_values(
    ctx: &EntryCtx<'_>,
    dtype: DataType,
    vals: &[&Value],
) -> Result<Vec<u8>, InputError> {
    let mut out = Vec::with_capacity(vals.len() * dtype.byte_size().unwrap_or(8));
    for (i, &v) in vals.iter().enumerate() {
        let bad = |reason: &str| ctx.not_representable(i, v, dtype, reason);
        macro_rules! int {
            ($t:ty, $get:ident) => {{
                if !(v.is_i64() || v.is_u64()) {
                    return Err(bad("expected an integer"));
                }
                let x = v
                    .$get()
                    .and_then(|x| <$t>::try_from(x).ok())
                    .ok_or_else(|| bad(concat!("out of range for ", stringify!($t))))?;
                out.extend_from_slice(&x.to_le_bytes());
            }};
        }
        match dtype {
            DataType::Bool => {
                let b = match v {
                    Value::Bool(b) => *b,
                    Value::Number(n) if n.as_u64() == Some(0) => false,
                    Value::Number(n) if n.as_u64() == Some(1) => true,
                    _ => return Err(bad("expected true, false, 0 or 1")),
                };
                out.push(u8::from(b));
            }
            DataType::Uint8 => int!(u8, as_u64),
            DataType::Uint16 => int!(u16, as_u64),
            DataType::Uint32 => int!(u32, as_u64),
            DataType::Uint64 => int!(u64, as_u64),
            DataType::Int8 => int!(i8, as_i64),
            DataType::Int16 => int!(i16, as_i64),
            DataType::Int32 => int!(i32, as_i64),
            DataType::Int64 => int!(i64, as_i64),
            DataType::Fp16 | DataType::Bf16 | DataType::Fp32 => {
                let x = json_float(v).ok_or_else(|| bad("expected a number"))?;
                let f = x as f32;
                if x.is_finite() && !f.is_finite() {
                    return Err(bad("magnitude too large for FP32"));
                }
                match dtype {
                    DataType::Fp32 => out.extend_from_slice(&f.to_le_bytes()),
                    DataType::Fp16 => {
                        let h = f32_to_f16_bits(f);
                        if x.is_finite() && (h & 0x7c00) == 0x7c00 {
                            return Err(bad("magnitude too large for FP16 (max 65504)"));
                        }
                        out.extend_from_slice(&h.to_le_bytes())
                    }
                    _ => {
                        let h = f32_to_bf16_bits(f);
                        if x.is_finite() && (h & 0x7f80) == 0x7f80 {
                            return Err(bad("magnitude too large for BF16"));
                        }
                        out.extend_from_slice(&h.to_le_bytes())
                    }
                }
            }
            DataType::Fp64 => {
                let x = json_float(v).ok_or_else(|| bad("expected a number"))?;
                out.extend_from_slice(&x.to_le_bytes());
            }
            DataType::Bytes => {
                let Value::String(s) = v else {
                    return Err(bad("expected a string for a BYTES input"));
                };
                push_bytes_element(&mut out, s.as_bytes());
            }
        }
    }
    Ok(out)
}

/// Per-input model information the loader needs.
pub(super) struct InputPlan<'a> {
    pub(super) spec: &'a TensorSpec,
    pub(super) dtype: DataType,
    /// Model shape of one sample (batch dim stripped when batching).
    pub(super) model: &'a [i64],
    /// Default sample shape (from `--shape` / metadata), may contain -1.
    pub(super) default: Vec<i64>,
}

/// Reads one entry's input into `(sample shape, bytes)`.
pub(super) fn read_tensor(
    ctx: &EntryCtx<'_>,
    plan: &InputPlan<'_>,
    tensor: &Value,
) -> Result<(Vec<i64>, Vec<u8>), InputError> {
    let (file_shape, payload) = parse_tensor(ctx, tensor)?;
    let shape = match file_shape {
        Some(s) => {
            shape_fit(&s, plan.model).map_err(|reason| InputError::FileShapeMismatch {
                loc: ctx.loc(),
                given: shape_to_string(&s),
                model: shape_to_string(plan.model),
                reason,
            })?;
            s
        }
        None => plan.default.clone(),
    };
    let expected = element_count(&shape).ok_or_else(|| InputError::FileVariableDim {
        loc: ctx.loc(),
        model_shape: shape_to_string(&shape),
    })?;
    let bytes = match payload {
        Payload::Values(vals) => {
            if vals.len() as u64 != expected {
                return Err(InputError::ElementCount {
                    loc: ctx.loc(),
                    shape: shape_to_string(&shape),
                    expected,
                    got: vals.len() as u64,
                });
            }
            encode_values(ctx, plan.dtype, &vals)?
        }
        Payload::B64(s) => {
            let bytes = decode_base64(s).map_err(|message| InputError::Base64 {
                loc: ctx.loc(),
                message,
            })?;
            let byte_err = |message: String| InputError::ByteCount {
                loc: ctx.loc(),
                shape: shape_to_string(&shape),
                message,
            };
            match plan.dtype.byte_size() {
                Some(size) => {
                    let want = expected.checked_mul(size as u64);
                    if want != Some(bytes.len() as u64) {
                        return Err(byte_err(format!(
                            "decoded {} bytes but {} elements of {} need {}",
                            bytes.len(),
                            expected,
                            plan.dtype.wire_name(),
                            want.map_or_else(|| "too many".to_string(), |w| w.to_string())
                        )));
                    }
                }
                None => {
                    let n = count_bytes_elements(&bytes)
                        .map_err(|m| byte_err(format!("malformed BYTES data: {m}")))?;
                    if n != expected {
                        return Err(byte_err(format!(
                            "decoded {n} strings but the shape needs {expected}"
                        )));
                    }
                }
            }
            bytes
        }
    };
    Ok((shape, bytes))
}
