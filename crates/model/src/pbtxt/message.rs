//! The syntax tree of a `config.pbtxt`: [`PbMessage`] (fields in file order,
//! with their full-line comments) and [`PbValue`].

use std::collections::BTreeMap;

use super::lexer::{ident_bool, parse_number, Number};

/// A field value.
#[derive(Debug, Clone, PartialEq)]
pub enum PbValue {
    /// A string literal (decoded).
    Str(String),
    /// A number, as its literal text (e.g. `-1`, `0.5`, `1e-3f`, `0x10`, `-inf`).
    Num(String),
    /// An identifier: an enum value (`TYPE_FP32`, `KIND_GPU`) or a boolean.
    Ident(String),
    /// A nested message.
    Msg(PbMessage),
    /// A bracketed list `[ ... ]`.
    List(Vec<PbValue>),
}

impl PbValue {
    /// The string, for [`PbValue::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PbValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The identifier, for [`PbValue::Ident`].
    pub fn as_ident(&self) -> Option<&str> {
        match self {
            PbValue::Ident(s) => Some(s),
            _ => None,
        }
    }

    /// The integer value of a [`PbValue::Num`] (decimal, hex or octal).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            PbValue::Num(t) => match parse_number(t)? {
                Number::Int(i) => i64::try_from(i).ok(),
                Number::Float(_) | Number::Special(_) => None,
            },
            _ => None,
        }
    }

    /// The numeric value of a [`PbValue::Num`] as `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PbValue::Num(t) => match parse_number(t)? {
                Number::Int(i) => Some(i as f64),
                Number::Float(f) => Some(f),
                Number::Special(s) => Some(match s {
                    "Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    _ => f64::NAN,
                }),
            },
            _ => None,
        }
    }

    /// The boolean value of an identifier `true`/`True`/`t` or `false`/`False`/`f`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            PbValue::Ident(s) => ident_bool(s),
            _ => None,
        }
    }

    /// The message, for [`PbValue::Msg`].
    pub fn as_msg(&self) -> Option<&PbMessage> {
        match self {
            PbValue::Msg(m) => Some(m),
            _ => None,
        }
    }

    /// The message, mutably, for [`PbValue::Msg`].
    pub fn as_msg_mut(&mut self) -> Option<&mut PbMessage> {
        match self {
            PbValue::Msg(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, for [`PbValue::List`].
    pub fn as_list(&self) -> Option<&[PbValue]> {
        match self {
            PbValue::List(l) => Some(l),
            _ => None,
        }
    }
}

/// A message: its fields in order (a repeated field appears once per
/// occurrence, or as one [`PbValue::List`]), plus kept full-line comments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PbMessage {
    /// `(field name, value)` in file order.
    pub fields: Vec<(String, PbValue)>,
    /// Full-line comments before field `i` (key: index into `fields`), each
    /// the text after `#`.
    pub comments: BTreeMap<usize, Vec<String>>,
    /// Full-line comments after the last field.
    pub trailing_comments: Vec<String>,
}

impl PbMessage {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first value of field `name`.
    pub fn get(&self, name: &str) -> Option<&PbValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The first value of field `name`, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut PbValue> {
        self.fields
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Every value of field `name`, with [`PbValue::List`]s flattened.
    pub fn get_all(&self, name: &str) -> Vec<&PbValue> {
        let mut out = Vec::new();
        for (n, v) in &self.fields {
            if n == name {
                match v {
                    PbValue::List(items) => out.extend(items.iter()),
                    other => out.push(other),
                }
            }
        }
        out
    }

    /// Appends a field (a further occurrence if it exists).
    pub fn push(&mut self, name: impl Into<String>, value: PbValue) {
        self.fields.push((name.into(), value));
    }

    /// Sets field `name` to `value`: replaces its first occurrence (keeping
    /// its comments) and removes the others, or appends it.
    pub fn set(&mut self, name: &str, value: PbValue) {
        match self.fields.iter().position(|(n, _)| n == name) {
            Some(i) => {
                self.fields[i].1 = value;
                self.remove_from(name, i + 1);
            }
            None => self.push(name, value),
        }
    }

    /// Removes every occurrence of field `name`; returns how many were removed.
    /// Comments attached to removed fields move to the next remaining field.
    pub fn remove(&mut self, name: &str) -> usize {
        self.remove_from(name, 0)
    }

    fn remove_from(&mut self, name: &str, start: usize) -> usize {
        let mut removed = 0;
        let mut i = start;
        while i < self.fields.len() {
            if self.fields[i].0 == name {
                self.fields.remove(i);
                // Re-key comments: those of the removed field carry over to
                // the field that now has index i.
                let mut new_comments = BTreeMap::new();
                for (k, v) in std::mem::take(&mut self.comments) {
                    let nk = if k > i { k - 1 } else { k };
                    new_comments.entry(nk).or_insert_with(Vec::new).extend(v);
                }
                if let Some(orphan) = new_comments.remove(&self.fields.len()) {
                    self.trailing_comments.splice(0..0, orphan);
                }
                self.comments = new_comments;
                removed += 1;
            } else {
                i += 1;
            }
        }
        removed
    }

    /// Removes every kept comment, recursively.
    pub fn strip_comments(&mut self) {
        self.comments.clear();
        self.trailing_comments.clear();
        for (_, v) in &mut self.fields {
            strip_value_comments(v);
        }
    }
}

fn strip_value_comments(v: &mut PbValue) {
    match v {
        PbValue::Msg(m) => m.strip_comments(),
        PbValue::List(items) => items.iter_mut().for_each(strip_value_comments),
        _ => {}
    }
}

