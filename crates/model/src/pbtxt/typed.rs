//! Typed model configs: a `config.pbtxt` read against Triton's
//! `model_config.proto` into a `prost-reflect` [`DynamicMessage`] (fields
//! unknown to the schema and values of the wrong type are errors naming line
//! and column), a `DynamicMessage` written in Triton's text style, and its
//! proto3 JSON (what Triton takes as a model-config override).

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage, SerializeOptions, Value};

use super::lexer::{ident_bool, parse_number, Number};
use super::parser::{parse_with_spans, MsgSpans, Pos, ValueSpans};
use super::schema::{self, type_name};
use super::{to_text, PbMessage, PbValue, PbtxtError};

/// Parses a `config.pbtxt` into Triton's `ModelConfig` (typed by the
/// descriptors of `model_config.proto`). Syntax errors are those of
/// [`parse`](super::parse); besides, a field `ModelConfig` (or the nested
/// message) does not have, a list given to a field that is not repeated, a
/// value of the wrong type (a string for a number, `2.5` for an integer, a
/// number out of range, an enum value the enum does not have) is an error
/// naming its line and column. A singular field given twice keeps its last
/// value (as [`to_json`](super::to_json) does).
pub fn parse_model_config(text: &str) -> Result<DynamicMessage, PbtxtError> {
    let (msg, spans) = parse_with_spans(text)?;
    build_message(&msg, &spans, &schema::model_config_descriptor())
}

/// [`parse`](super::parse), checked as [`parse_model_config`] checks it: the
/// syntax tree (comments, field order and number literals kept) of a config
/// whose every field and value Triton's `ModelConfig` schema accepts.
pub fn parse_checked(text: &str) -> Result<PbMessage, PbtxtError> {
    let (msg, spans) = parse_with_spans(text)?;
    build_message(&msg, &spans, &schema::model_config_descriptor())?;
    Ok(msg)
}

fn build_message(msg: &PbMessage, spans: &MsgSpans, desc: &MessageDescriptor) -> Result<DynamicMessage, PbtxtError> {
    let mut out = DynamicMessage::new(desc.clone());
    for ((name, value), span) in msg.fields.iter().zip(&spans.fields) {
        let Some(field) = desc.get_field_by_name(name) else {
            let known: Vec<String> = schema::fields_in_proto_order(desc).iter().map(|f| f.name().to_string()).collect();
            return Err(span.name.err(format!(
                "`{name}` is not a field of {} in Triton's model_config.proto (its fields: {})",
                type_name(desc),
                known.join(", ")
            )));
        };
        let items: Vec<(&PbValue, &ValueSpans)> = match (value, &span.value) {
            (PbValue::List(items), ValueSpans::List(_, item_spans)) => items.iter().zip(item_spans).collect(),
            _ => vec![(value, &span.value)],
        };
        if field.is_map() {
            for (v, s) in items {
                let Value::Message(entry) = convert(v, s, &field)? else { continue };
                let key = entry.get_field_by_name("key").map(|k| k.into_owned());
                let value = entry.get_field_by_name("value").map(|v| v.into_owned());
                if let (Some(key), Some(value)) = (key.and_then(Value::into_map_key), value) {
                    if let Some(map) = out.get_field_mut(&field).as_map_mut() {
                        map.insert(key, value);
                    }
                }
            }
        } else if field.is_list() {
            let mut converted = Vec::with_capacity(items.len());
            for (v, s) in items {
                converted.push(convert(v, s, &field)?);
            }
            if let Some(list) = out.get_field_mut(&field).as_list_mut() {
                list.extend(converted);
            }
        } else {
            if matches!(value, PbValue::List(_)) {
                return Err(span.value.pos().err(format!("`{name}` of {} is not repeated: it takes one value, not a list `[ ... ]`", type_name(desc))));
            }
            let v = convert(value, &span.value, &field)?;
            out.set_field(&field, v);
        }
    }
    Ok(out)
}

/// One value of `field` (an element, for a repeated field; an entry, for a map).
fn convert(v: &PbValue, span: &ValueSpans, field: &FieldDescriptor) -> Result<Value, PbtxtError> {
    let pos = span.pos();
    let name = field.name();
    let kind = field.kind();
    if let Kind::Message(md) = &kind {
        return match (v, span) {
            (PbValue::Msg(m), ValueSpans::Msg(_, spans)) => Ok(Value::Message(build_message(m, spans, md)?)),
            _ => Err(pos.err(format!("`{name}` is a message ({}): write `{name} {{ ... }}`, found {}", type_name(md), describe(v)))),
        };
    }
    if let PbValue::Msg(_) | PbValue::List(_) = v {
        return Err(pos.err(format!("`{name}` takes {}, not {}", kind_name(&kind), describe(v))));
    }
    match &kind {
        Kind::Enum(ed) => match v {
            PbValue::Ident(s) => match ed.get_value_by_name(s) {
                Some(ev) => Ok(Value::EnumNumber(ev.number())),
                None => {
                    let names: Vec<String> = ed.values().map(|e| e.name().to_string()).collect();
                    Err(pos.err(format!("`{s}` is not a value of `{name}` (enum {}): one of {}", ed.name(), names.join(", "))))
                }
            },
            _ => integer(v, pos, name, "an enum value", i128::from(i32::MIN), i128::from(i32::MAX)).map(|n| Value::EnumNumber(n as i32)),
        },
        Kind::Bool => {
            let b = match v {
                PbValue::Ident(s) => ident_bool(s),
                PbValue::Num(n) => match parse_number(n) {
                    Some(Number::Int(0)) => Some(false),
                    Some(Number::Int(1)) => Some(true),
                    _ => None,
                },
                _ => None,
            };
            b.map(Value::Bool).ok_or_else(|| pos.err(format!("`{name}` takes true or false, not {}", describe(v))))
        }
        Kind::String | Kind::Bytes => match v {
            PbValue::Str(s) if matches!(kind, Kind::String) => Ok(Value::String(s.clone())),
            PbValue::Str(s) => Ok(Value::Bytes(prost_reflect::bytes::Bytes::from(s.clone().into_bytes()))),
            _ => Err(pos.err(format!("`{name}` takes a quoted string, not {}", describe(v)))),
        },
        Kind::Float | Kind::Double => {
            let f = match v {
                PbValue::Num(t) | PbValue::Ident(t) => match parse_number(t) {
                    Some(Number::Int(i)) => Some(i as f64),
                    Some(Number::Float(f)) => Some(f),
                    Some(Number::Special(s)) => Some(match s {
                        "Infinity" => f64::INFINITY,
                        "-Infinity" => f64::NEG_INFINITY,
                        _ => f64::NAN,
                    }),
                    None => None,
                },
                _ => None,
            };
            let f = f.ok_or_else(|| pos.err(format!("`{name}` takes a number, not {}", describe(v))))?;
            Ok(if matches!(kind, Kind::Float) { Value::F32(f as f32) } else { Value::F64(f) })
        }
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => integer(v, pos, name, "an int32", i128::from(i32::MIN), i128::from(i32::MAX)).map(|n| Value::I32(n as i32)),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => integer(v, pos, name, "an int64", i128::from(i64::MIN), i128::from(i64::MAX)).map(|n| Value::I64(n as i64)),
        Kind::Uint32 | Kind::Fixed32 => integer(v, pos, name, "a uint32", 0, i128::from(u32::MAX)).map(|n| Value::U32(n as u32)),
        Kind::Uint64 | Kind::Fixed64 => integer(v, pos, name, "a uint64", 0, i128::from(u64::MAX)).map(|n| Value::U64(n as u64)),
        Kind::Message(_) => unreachable!("handled above"),
    }
}

/// The whole number `v`, in `min..=max` (the casts by the callers are exact).
fn integer(v: &PbValue, pos: Pos, name: &str, what: &str, min: i128, max: i128) -> Result<i128, PbtxtError> {
    match v {
        PbValue::Num(t) => match parse_number(t) {
            Some(Number::Int(i)) if (min..=max).contains(&i) => Ok(i),
            Some(Number::Int(_)) => Err(pos.err(format!("`{name}` takes {what}: `{t}` is out of range ({min} to {max})"))),
            _ => Err(pos.err(format!("`{name}` takes {what}, a whole number, not `{t}`"))),
        },
        _ => Err(pos.err(format!("`{name}` takes {what}, not {}", describe(v)))),
    }
}

fn kind_name(kind: &Kind) -> String {
    match kind {
        Kind::Enum(ed) => format!("an enum value ({})", ed.name()),
        Kind::Bool => "true or false".into(),
        Kind::String | Kind::Bytes => "a quoted string".into(),
        Kind::Message(md) => format!("a message ({})", type_name(md)),
        _ => "a number".into(),
    }
}

fn describe(v: &PbValue) -> String {
    match v {
        PbValue::Str(_) => "a string".into(),
        PbValue::Num(n) => format!("number `{n}`"),
        PbValue::Ident(i) => format!("`{i}`"),
        PbValue::Msg(_) => "a message `{ ... }`".into(),
        PbValue::List(_) => "a list `[ ... ]`".into(),
    }
}

// ---------------------------------------------------------------------------
// DynamicMessage → text and JSON
// ---------------------------------------------------------------------------

/// Writes a model config in Triton's style (as [`to_text`] writes a
/// [`PbMessage`]): fields in `model_config.proto` order, fields at their
/// default value left out (proto3 has no presence for scalars), repeated
/// messages as `input [ {...}, {...} ]`, repeated scalars as `dims: [ 4, 4 ]`,
/// map entries as `parameters { key: "k" value { ... } }` sorted by key.
/// [`parse_model_config`] reads the text back to an equal message.
pub fn model_config_to_text(msg: &DynamicMessage) -> String {
    to_text(&to_syntax(msg))
}

fn to_syntax(msg: &DynamicMessage) -> PbMessage {
    let mut out = PbMessage::new();
    for field in schema::fields_in_proto_order(&msg.descriptor()) {
        if !msg.has_field(&field) {
            continue;
        }
        let value = msg.get_field(&field);
        match value.as_ref() {
            Value::Map(map) => {
                let mut entries: Vec<(&MapKey, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let Kind::Message(entry_desc) = field.kind() else { continue };
                let value_kind = entry_desc.map_entry_value_field().kind();
                for (k, v) in entries {
                    let mut entry = PbMessage::new();
                    entry.push("key", map_key_syntax(k));
                    entry.push("value", value_syntax(v, &value_kind));
                    out.push(field.name(), PbValue::Msg(entry));
                }
            }
            Value::List(items) => {
                let kind = field.kind();
                out.push(field.name(), PbValue::List(items.iter().map(|v| value_syntax(v, &kind)).collect()));
            }
            other => out.push(field.name(), value_syntax(other, &field.kind())),
        }
    }
    out
}

fn map_key_syntax(k: &MapKey) -> PbValue {
    match k {
        MapKey::Bool(b) => PbValue::Ident(b.to_string()),
        MapKey::I32(n) => PbValue::Num(n.to_string()),
        MapKey::I64(n) => PbValue::Num(n.to_string()),
        MapKey::U32(n) => PbValue::Num(n.to_string()),
        MapKey::U64(n) => PbValue::Num(n.to_string()),
        MapKey::String(s) => PbValue::Str(s.clone()),
    }
}

fn float_syntax(f: f64, shortest: String) -> PbValue {
    if f.is_nan() {
        PbValue::Ident("nan".into())
    } else if f.is_infinite() {
        PbValue::Num(if f > 0.0 { "inf" } else { "-inf" }.into())
    } else {
        PbValue::Num(shortest)
    }
}

fn value_syntax(v: &Value, kind: &Kind) -> PbValue {
    match v {
        Value::Bool(b) => PbValue::Ident(b.to_string()),
        Value::I32(n) => PbValue::Num(n.to_string()),
        Value::I64(n) => PbValue::Num(n.to_string()),
        Value::U32(n) => PbValue::Num(n.to_string()),
        Value::U64(n) => PbValue::Num(n.to_string()),
        Value::F32(f) => float_syntax(f64::from(*f), format!("{f:?}")),
        Value::F64(f) => float_syntax(*f, format!("{f:?}")),
        Value::String(s) => PbValue::Str(s.clone()),
        Value::Bytes(b) => PbValue::Str(String::from_utf8_lossy(b).into_owned()),
        Value::EnumNumber(n) => match kind.as_enum().and_then(|e| e.get_value(*n)) {
            Some(ev) => PbValue::Ident(ev.name().to_string()),
            None => PbValue::Num(n.to_string()),
        },
        Value::Message(m) => PbValue::Msg(to_syntax(m)),
        Value::List(items) => PbValue::List(items.iter().map(|x| value_syntax(x, kind)).collect()),
        Value::Map(_) => PbValue::List(Vec::new()), // never: a map is a field, written above
    }
}

/// The proto3 JSON of a model config, with `model_config.proto`'s field
/// names (`max_batch_size`, not `maxBatchSize`), enum values by name and
/// 64-bit integers as strings (`"dims": ["-1", "4"]`), the mapping Triton's
/// JSON parser (protobuf's) reads for a model-config override. Fields at
/// their default value are left out.
pub fn model_config_to_json(msg: &DynamicMessage) -> Result<serde_json::Value, serde_json::Error> {
    msg.serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new().use_proto_field_name(true))
}

/// Reads `ModelConfig` proto3 JSON (field names as in the proto or in
/// lowerCamelCase, 64-bit integers as numbers or strings, enum values by
/// name or number) into a typed model config; a field the schema does not
/// have is an error naming it.
pub fn model_config_from_json(v: &serde_json::Value) -> Result<DynamicMessage, serde_json::Error> {
    DynamicMessage::deserialize(schema::model_config_descriptor(), v)
}
