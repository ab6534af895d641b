//! `ModelConfig` protobuf JSON from and to the syntax tree ([`to_json`],
//! [`from_json`]), shaped by the descriptors of [`super::schema`].

use serde_json::{Map, Value};

use super::lexer::{ident_bool, number_to_json, parse_number, Number};
use super::schema::{self, Card, FieldSpec, ValueKind};
use super::{FromJsonError, PbMessage, PbValue, MAX_DEPTH};

/// Converts a parsed `config.pbtxt` to `ModelConfig` protobuf JSON (see the
/// module docs). Fields unknown to the schema are converted generically: a
/// field that appears more than once or as a `[...]` list becomes an array.
/// A singular field that appears several times keeps its last value, as
/// protobuf does for scalars.
pub fn to_json(msg: &PbMessage) -> Value {
    msg_to_json(msg, schema::MODEL_CONFIG_TYPE)
}

fn msg_to_json(msg: &PbMessage, ty: &str) -> Value {
    let mut out = Map::new();
    let mut order: Vec<&str> = Vec::new();
    for (name, _) in &msg.fields {
        if !order.contains(&name.as_str()) {
            order.push(name);
        }
    }
    for name in order {
        let entries: Vec<&PbValue> = msg
            .fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v)
            .collect();
        let any_list = entries.iter().any(|v| matches!(v, PbValue::List(_)));
        let flat: Vec<&PbValue> = msg.get_all(name);
        let spec = schema::field_spec(ty, name);
        let child = spec.and_then(|s| s.child.as_deref()).unwrap_or("");
        let json = match spec.map(|s| s.card) {
            Some(Card::Map) => {
                let mut m = Map::new();
                for entry in flat {
                    let (k, v) = map_entry_to_json(entry, child);
                    m.insert(k, v);
                }
                Value::Object(m)
            }
            Some(Card::Repeated) => {
                Value::Array(flat.into_iter().map(|v| value_to_json(v, child)).collect())
            }
            Some(Card::Single) | None if any_list || entries.len() > 1 => {
                if spec.is_some() && !any_list {
                    // singular field given twice: last one wins
                    entries
                        .last()
                        .map(|v| value_to_json(v, child))
                        .unwrap_or(Value::Null)
                } else {
                    Value::Array(flat.into_iter().map(|v| value_to_json(v, child)).collect())
                }
            }
            _ => entries
                .first()
                .map(|v| value_to_json(v, child))
                .unwrap_or(Value::Null),
        };
        out.insert(name.to_string(), json);
    }
    Value::Object(out)
}

fn value_to_json(v: &PbValue, child: &str) -> Value {
    match v {
        PbValue::Str(s) => Value::String(s.clone()),
        PbValue::Num(n) => number_to_json(n),
        PbValue::Ident(i) => match ident_bool(i) {
            Some(b) => Value::Bool(b),
            None => match parse_number(i) {
                Some(Number::Special(s)) => Value::String(s.to_string()),
                _ => Value::String(i.clone()),
            },
        },
        PbValue::Msg(m) => msg_to_json(m, child),
        PbValue::List(items) => {
            Value::Array(items.iter().map(|x| value_to_json(x, child)).collect())
        }
    }
}

fn map_entry_to_json(entry: &PbValue, value_ty: &str) -> (String, Value) {
    let Some(m) = entry.as_msg() else {
        return (String::new(), value_to_json(entry, value_ty));
    };
    let key = match m.get("key") {
        Some(PbValue::Str(s)) => s.clone(),
        Some(PbValue::Num(n)) => match number_to_json(n) {
            Value::String(s) => s,
            other => other.to_string(),
        },
        Some(PbValue::Ident(i)) => i.clone(),
        _ => String::new(),
    };
    let value = match m.get("value") {
        Some(v) => value_to_json(v, value_ty),
        None if value_ty.is_empty() => Value::String(String::new()),
        None => Value::Object(Map::new()),
    };
    (key, value)
}

/// Converts `ModelConfig` protobuf JSON back to a message, so a generated
/// variant can be written as `config.pbtxt` with [`to_text`](super::to_text). JSON objects of
/// map fields become repeated `name { key: .. value: .. }` entries; arrays of
/// objects become `name [ {..}, {..} ]`; arrays of scalars `name: [ .. ]`;
/// strings of enum fields (`data_type`, `kind`, `format`, ..., as
/// `model_config.proto` says) become identifiers; numeric strings of numeric
/// fields become numbers; `null` fields are omitted. JSON with no text form (a
/// document that is not an object, nested arrays, arrays mixing objects and
/// scalars, `null` list elements, keys of messages that are not field names,
/// nesting deeper than [`MAX_DEPTH`]) is a [`FromJsonError`].
pub fn from_json(v: &Value) -> Result<PbMessage, FromJsonError> {
    match v {
        Value::Object(m) => json_to_msg(m, schema::MODEL_CONFIG_TYPE, "", 0),
        _ => Err(FromJsonError {
            path: "<root>".into(),
            message: "expected a JSON object".into(),
        }),
    }
}

/// Field order used when writing JSON back as text: `name` (and a map
/// entry's `key`) first, `ModelConfig` fields in `model_config.proto` order,
/// others in JSON order.
fn field_rank(ty: &str, field: &str) -> usize {
    if field == "name" || field == "key" {
        return 0;
    }
    if ty == schema::MODEL_CONFIG_TYPE {
        if let Some(i) = schema::MODEL_CONFIG_FIELDS.iter().position(|f| *f == field) {
            return i + 1;
        }
    }
    usize::MAX
}

/// The error for a value at `path` that would open a message past
/// [`MAX_DEPTH`] (`depth`: the messages it would be nested in).
fn check_depth(depth: usize, path: &str) -> Result<(), FromJsonError> {
    if depth > MAX_DEPTH {
        return Err(FromJsonError {
            path: path.to_string(),
            message: format!("nests messages deeper than {MAX_DEPTH} levels, the most a config.pbtxt may have"),
        });
    }
    Ok(())
}

/// `depth`: the messages this message is nested in (0 for the root).
fn json_to_msg(obj: &Map<String, Value>, ty: &str, path: &str, depth: usize) -> Result<PbMessage, FromJsonError> {
    check_depth(depth, path)?;
    let mut msg = PbMessage::new();
    let mut entries: Vec<(&String, &Value)> = obj.iter().collect();
    entries.sort_by_key(|(k, _)| field_rank(ty, k));
    for (k, v) in entries {
        let fpath = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        if !is_identifier(k) {
            return Err(FromJsonError {
                path: fpath,
                message: format!("`{k}` is not a field name (letters, digits and `_`, not starting with a digit)"),
            });
        }
        let spec = schema::field_spec(ty, k);
        match (spec, v) {
            (_, Value::Null) => {}
            (Some(spec @ FieldSpec { card: Card::Map, .. }), Value::Object(entries)) => {
                let int_key = spec.integer_key;
                for (mk, mv) in entries {
                    let mut entry = PbMessage::new();
                    entry.push(
                        "key",
                        if int_key && parse_number(mk).is_some() {
                            PbValue::Num(mk.clone())
                        } else {
                            PbValue::Str(mk.clone())
                        },
                    );
                    let epath = format!("{fpath}.{mk}");
                    check_depth(depth + 1, &epath)?;
                    if !mv.is_null() {
                        entry.push("value", json_to_value(mv, Some(spec), &epath, depth + 1)?);
                    }
                    msg.push(k.clone(), PbValue::Msg(entry));
                }
            }
            _ => msg.push(k.clone(), json_to_value(v, spec, &fpath, depth)?),
        }
    }
    Ok(msg)
}

/// `spec`: the field holding `v` (for a map: the map, `v` one of its values),
/// `None` when the schema does not know it. `depth`: the messages that field
/// is nested in (a list adds no level: its elements are written inside it as
/// they would be without).
fn json_to_value(v: &Value, spec: Option<&FieldSpec>, path: &str, depth: usize) -> Result<PbValue, FromJsonError> {
    let kind = spec.map(|s| s.value);
    Ok(match v {
        Value::Object(m) => {
            let child = spec.and_then(|s| s.child.as_deref()).unwrap_or("");
            PbValue::Msg(json_to_msg(m, child, path, depth + 1)?)
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let ipath = format!("{path}[{i}]");
                match item {
                    Value::Array(_) => {
                        return Err(FromJsonError {
                            path: ipath,
                            message: "nested arrays have no protobuf text form".into(),
                        })
                    }
                    Value::Null => {
                        return Err(FromJsonError {
                            path: ipath,
                            message: "null list element".into(),
                        })
                    }
                    other => out.push(json_to_value(other, spec, &ipath, depth)?),
                }
            }
            let msgs = out.iter().filter(|x| matches!(x, PbValue::Msg(_))).count();
            if msgs != 0 && msgs != out.len() {
                return Err(FromJsonError {
                    path: path.to_string(),
                    message: "an array mixing objects and scalars has no protobuf text form".into(),
                });
            }
            PbValue::List(out)
        }
        Value::String(s) => {
            let numeric = kind.is_some_and(ValueKind::is_numeric);
            // An identifier that reads back as a boolean or a number would
            // not come back from to_json as this string: it stays a string.
            if kind == Some(ValueKind::Enum) && is_identifier(s) && ident_bool(s).is_none() && parse_number(s).is_none() {
                PbValue::Ident(s.clone())
            } else if numeric && parse_number(s).is_some() {
                PbValue::Num(s.clone())
            } else if numeric && matches!(s.as_str(), "Infinity" | "-Infinity" | "NaN") {
                PbValue::Num(match s.as_str() {
                    "Infinity" => "inf".into(),
                    "-Infinity" => "-inf".into(),
                    _ => "nan".into(),
                })
            } else {
                PbValue::Str(s.clone())
            }
        }
        Value::Number(n) => PbValue::Num(n.to_string()),
        Value::Bool(b) => PbValue::Ident(b.to_string()),
        Value::Null => PbValue::Ident("null".into()),
    })
}

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

