//! Triton `config.pbtxt` (protobuf text format) reader and writer.
//!
//! The parser is generic: it needs no schema and keeps every field in file
//! order, so a config can be edited and written back. It accepts the forms
//! Triton's configs use:
//!
//! * `name: value`, `name { ... }`, `name: { ... }`, `name < ... >`;
//! * lists `name: [ v1, v2 ]` / `name [ {..}, {..} ]` (the `:` is optional
//!   before `[`), and repeated fields (the same name several times);
//! * double- or single-quoted strings with C escapes (`\n`, `\t`, `\\`, `\'`,
//!   `\"`, octal `\NNN`, hex `\xHH`, `\uXXXX`, `\UXXXXXXXX`); adjacent string
//!   literals are concatenated;
//! * numbers (kept as their literal text, validated: decimal, hex `0x..`,
//!   octal `0..`, floats with optional exponent and `f` suffix, `-inf`,
//!   `nan`), identifiers (enum values such as `TYPE_FP32`, `true`/`false`);
//! * optional `;` or `,` after a field; `#` comments.
//!
//! # Comments
//!
//! Full-line comments (a line whose first non-blank character is `#`) that
//! stand directly among the fields of a message are kept: those before a
//! field are attached to it ([`PbMessage::comments`]), those after the last
//! field of a message are kept in [`PbMessage::trailing_comments`]. Written
//! back, they appear at the field's indentation. **Lost** are: comments at
//! the end of a line that holds anything else (`count: 2  # two`), comments
//! inside `[ ... ]` that are not inside a nested `{ ... }`, comments between a
//! field name and its value, blank lines, the original indentation and
//! spacing, the choice of `;`/`,` separators, `:` before `{`/`[`, quote style,
//! `<>` delimiters (written as `{}`), the escape spelling in strings (strings
//! are re-escaped canonically) and the split of concatenated string literals.
//! Number literals are kept verbatim.
//!
//! # JSON
//!
//! [`to_json`] turns a parsed config into the protobuf-JSON form of Triton's
//! `ModelConfig` (what Triton accepts as a model-config override when loading
//! a model): field names unchanged, repeated fields of `ModelConfig` always
//! arrays (even with one element), map fields (`parameters`, `input_map`,
//! `output_map`, `cc_model_filenames`, `metric_tags`, warm-up `inputs`, ...)
//! as JSON objects, numbers as JSON numbers, enum identifiers as strings and
//! `true`/`false` as booleans. [`from_json`] is the inverse.
//!
//! # Limits
//!
//! Messages may nest at most [`MAX_DEPTH`] (32) levels deep (each `{`/`<`
//! opens a level; a `[ ]` list holds scalars or messages, never a list, so it
//! adds no level of its own; real Triton configs stay under 8): deeper input
//! is a [`PbtxtError`] naming the line and column of the bracket that goes
//! past the limit, instead of exhausting the stack. [`from_json`] refuses
//! JSON that would produce a deeper message, and accepts the [`to_json`] of
//! everything [`parse`] accepts, so a config can go text → JSON → text. A
//! config within the limit converts to JSON at most `2 * MAX_DEPTH + 1`
//! levels deep (an array and an object per message level), well inside
//! `serde_json`'s recursion limit of 128 when read back (e.g. from a
//! profile's `results.json`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};

/// The deepest nesting of messages [`parse`] accepts (and [`from_json`]
/// produces); see the module docs.
pub const MAX_DEPTH: usize = 32;

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

/// A syntax error, with 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct PbtxtError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A JSON document that has no protobuf text equivalent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FromJsonError {
    /// Dotted path of the offending value (`<root>` for the document).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Str(String),
    Punct(char),
    /// A `#` comment; `full_line` when nothing but blanks precede it on its line.
    Comment {
        text: String,
        full_line: bool,
    },
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    col: usize,
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    col: usize,
    /// True while only blanks were seen since the last newline.
    at_line_start: bool,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            chars: text.chars().peekable(),
            line: 1,
            col: 1,
            at_line_start: true,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
            self.at_line_start = true;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn err(&self, line: usize, col: usize, message: impl Into<String>) -> PbtxtError {
        PbtxtError {
            line,
            column: col,
            message: message.into(),
        }
    }

    fn tokenize(mut self) -> Result<Vec<Token>, PbtxtError> {
        let mut out = Vec::new();
        loop {
            // skip whitespace
            while let Some(&c) = self.chars.peek() {
                if c.is_whitespace() {
                    self.bump();
                } else {
                    break;
                }
            }
            let (line, col) = (self.line, self.col);
            let Some(&c) = self.chars.peek() else {
                out.push(Token {
                    tok: Tok::Eof,
                    line,
                    col,
                });
                return Ok(out);
            };
            let full_line = self.at_line_start;
            self.at_line_start = false;
            let tok = if c == '#' {
                self.bump();
                let mut text = String::new();
                while let Some(&c) = self.chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    text.push(c);
                    self.bump();
                }
                if text.ends_with('\r') {
                    text.pop();
                }
                Tok::Comment { text, full_line }
            } else if c == '"' || c == '\'' {
                Tok::Str(self.string(c, line, col)?)
            } else if c.is_ascii_digit() || c == '.' {
                let mut text = String::new();
                let mut prev = ' ';
                while let Some(&c) = self.chars.peek() {
                    let sign_after_exp = (c == '-' || c == '+')
                        && (prev == 'e' || prev == 'E')
                        && !text.starts_with("0x")
                        && !text.starts_with("0X");
                    if c.is_ascii_alphanumeric() || c == '.' || c == '_' || sign_after_exp {
                        text.push(c);
                        prev = c;
                        self.bump();
                    } else {
                        break;
                    }
                }
                if parse_number(&text).is_none() {
                    return Err(self.err(line, col, format!("invalid number `{text}`")));
                }
                Tok::Num(text)
            } else if c.is_ascii_alphabetic() || c == '_' {
                let mut text = String::new();
                while let Some(&c) = self.chars.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        text.push(c);
                        self.bump();
                    } else {
                        break;
                    }
                }
                Tok::Ident(text)
            } else if ":{}[]<>,;-".contains(c) {
                self.bump();
                Tok::Punct(c)
            } else {
                return Err(self.err(line, col, format!("unexpected character {c:?}")));
            };
            out.push(Token { tok, line, col });
        }
    }

    fn string(&mut self, quote: char, line: usize, col: usize) -> Result<String, PbtxtError> {
        self.bump(); // opening quote
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            let (cl, cc) = (self.line, self.col);
            let Some(c) = self.bump() else {
                return Err(self.err(line, col, "unterminated string"));
            };
            match c {
                '\n' => return Err(self.err(line, col, "unterminated string (newline in string)")),
                c if c == quote => break,
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.err(line, col, "unterminated string"));
                    };
                    match e {
                        'n' => bytes.push(b'\n'),
                        't' => bytes.push(b'\t'),
                        'r' => bytes.push(b'\r'),
                        'a' => bytes.push(0x07),
                        'b' => bytes.push(0x08),
                        'f' => bytes.push(0x0c),
                        'v' => bytes.push(0x0b),
                        '\\' => bytes.push(b'\\'),
                        '\'' => bytes.push(b'\''),
                        '"' => bytes.push(b'"'),
                        '?' => bytes.push(b'?'),
                        '0'..='7' => {
                            let mut v = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.chars.peek().and_then(|c| c.to_digit(8)) {
                                    Some(d) => {
                                        v = v * 8 + d;
                                        self.bump();
                                    }
                                    None => break,
                                }
                            }
                            let b = u8::try_from(v)
                                .map_err(|_| self.err(cl, cc, "octal escape out of range"))?;
                            bytes.push(b);
                        }
                        'x' | 'X' => {
                            let mut v = 0u32;
                            let mut n = 0;
                            while n < 2 {
                                match self.chars.peek().and_then(|c| c.to_digit(16)) {
                                    Some(d) => {
                                        v = v * 16 + d;
                                        self.bump();
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            if n == 0 {
                                return Err(self.err(cl, cc, "\\x escape without hex digits"));
                            }
                            bytes.push(v as u8);
                        }
                        'u' | 'U' => {
                            let len = if e == 'u' { 4 } else { 8 };
                            let mut v = 0u32;
                            for _ in 0..len {
                                let d = self.chars.peek().and_then(|c| c.to_digit(16)).ok_or_else(
                                    || {
                                        self.err(
                                            cl,
                                            cc,
                                            format!("\\{e} escape needs {len} hex digits"),
                                        )
                                    },
                                )?;
                                v = v
                                    .checked_mul(16)
                                    .and_then(|x| x.checked_add(d))
                                    .unwrap_or(u32::MAX);
                                self.bump();
                            }
                            let ch = char::from_u32(v).ok_or_else(|| {
                                self.err(cl, cc, "escape is not a valid code point")
                            })?;
                            let mut buf = [0u8; 4];
                            bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => {
                            return Err(self.err(cl, cc, format!("unknown escape `\\{other}`")))
                        }
                    }
                }
                c => {
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        String::from_utf8(bytes).map_err(|_| self.err(line, col, "string is not valid UTF-8"))
    }
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Int(i128),
    Float(f64),
    /// "Infinity", "-Infinity" or "NaN" (protobuf JSON spellings).
    Special(&'static str),
}

/// Parses a protobuf text number literal (optionally with a leading `-`).
/// Only what the lexer reads as one number (after an optional `-`) is a
/// number, so that [`from_json`] never writes text that does not parse.
fn parse_number(text: &str) -> Option<Number> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "infinity" | "inff" | "infinityf" => {
            return Some(Number::Special(if neg { "-Infinity" } else { "Infinity" }))
        }
        "nan" | "nanf" => return Some(Number::Special("NaN")),
        _ => {}
    }
    if !lower.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None; // e.g. `+5`, ` 5`: not a number token
    }
    let sign = if neg { -1 } else { 1 };
    if let Some(hex) = lower.strip_prefix("0x") {
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None; // from_str_radix would take a sign: `0x-8`
        }
        return i128::from_str_radix(hex, 16)
            .ok()
            .map(|v| Number::Int(sign * v));
    }
    if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|b| b.is_ascii_digit()) {
        return i128::from_str_radix(&lower[1..], 8)
            .ok()
            .map(|v| Number::Int(sign * v));
    }
    if !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_digit()) {
        return lower.parse::<i128>().ok().map(|v| Number::Int(sign * v));
    }
    let float_text = lower.strip_suffix('f').unwrap_or(&lower);
    if float_text.is_empty()
        || !float_text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.e".contains(&b))
        || !float_text.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    let with_leading = if float_text.starts_with('.') {
        format!("0{float_text}")
    } else {
        float_text.to_string()
    };
    with_leading
        .parse::<f64>()
        .ok()
        .map(|f| Number::Float(if neg { -f } else { f }))
}

fn number_to_json(text: &str) -> Value {
    match parse_number(text) {
        Some(Number::Int(i)) => {
            if let Ok(v) = i64::try_from(i) {
                Value::from(v)
            } else if let Ok(v) = u64::try_from(i) {
                Value::from(v)
            } else {
                Value::String(text.to_string())
            }
        }
        Some(Number::Float(f)) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_string())),
        Some(Number::Special(s)) => Value::String(s.to_string()),
        None => Value::String(text.to_string()),
    }
}

fn ident_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "t" => Some(true),
        "false" | "False" | "f" => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// Open messages around the current position.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // tokenize() always ends with Eof and we never advance past it
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if !matches!(t.tok, Tok::Eof) {
            self.pos += 1;
        }
        t
    }

    fn err(t: &Token, message: impl Into<String>) -> PbtxtError {
        PbtxtError {
            line: t.line,
            column: t.col,
            message: message.into(),
        }
    }

    /// Skips comment tokens (they are lost at this position).
    fn skip_comments(&mut self) {
        while matches!(self.peek().tok, Tok::Comment { .. }) {
            self.pos += 1;
        }
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek().tok == Tok::Punct(c)
    }

    /// A nested message opened by `t` (consumed), up to `end`; an error
    /// past [`MAX_DEPTH`].
    fn nested_message(&mut self, t: &Token, end: char) -> Result<PbValue, PbtxtError> {
        if self.depth >= MAX_DEPTH {
            return Err(Self::err(
                t,
                format!("messages nest deeper than {MAX_DEPTH} levels (the limit); real model configs are far shallower, is a closing bracket missing?"),
            ));
        }
        self.depth += 1;
        let m = self.message_body(Some(end))?;
        self.depth -= 1;
        Ok(PbValue::Msg(m))
    }

    /// Parses fields until `end` (a closing `}`/`>`), or end of input when `None`.
    fn message_body(&mut self, end: Option<char>) -> Result<PbMessage, PbtxtError> {
        let mut msg = PbMessage::new();
        let mut pending: Vec<String> = Vec::new();
        loop {
            let t = self.peek().clone();
            match &t.tok {
                Tok::Comment { text, full_line } => {
                    if *full_line {
                        pending.push(text.clone());
                    }
                    self.pos += 1;
                }
                Tok::Eof => {
                    if let Some(c) = end {
                        return Err(Self::err(&t, format!("expected `{c}` before end of input")));
                    }
                    msg.trailing_comments = pending;
                    return Ok(msg);
                }
                Tok::Punct(c) if Some(*c) == end => {
                    self.pos += 1;
                    msg.trailing_comments = pending;
                    return Ok(msg);
                }
                Tok::Ident(name) => {
                    let name = name.clone();
                    self.pos += 1;
                    let value = self.field_value(&name)?;
                    if !pending.is_empty() {
                        msg.comments
                            .insert(msg.fields.len(), std::mem::take(&mut pending));
                    }
                    msg.fields.push((name, value));
                    // optional separator
                    if self.is_punct(';') || self.is_punct(',') {
                        self.pos += 1;
                    }
                }
                Tok::Punct('[') => {
                    return Err(Self::err(
                        &t,
                        "extension and Any fields (`[...]` names) are not supported",
                    ))
                }
                other => {
                    return Err(Self::err(
                        &t,
                        format!("expected a field name, found {}", describe(other)),
                    ))
                }
            }
        }
    }

    fn field_value(&mut self, name: &str) -> Result<PbValue, PbtxtError> {
        self.skip_comments();
        let had_colon = self.is_punct(':');
        if had_colon {
            self.pos += 1;
            self.skip_comments();
        }
        let t = self.peek().clone();
        match &t.tok {
            Tok::Punct('{') => {
                self.pos += 1;
                self.nested_message(&t, '}')
            }
            Tok::Punct('<') => {
                self.pos += 1;
                self.nested_message(&t, '>')
            }
            Tok::Punct('[') => {
                self.pos += 1;
                self.list()
            }
            _ if !had_colon => Err(Self::err(
                &t,
                format!(
                    "expected `:`, `{{` or `[` after field name `{name}`, found {}",
                    describe(&t.tok)
                ),
            )),
            _ => self.scalar(),
        }
    }

    fn list(&mut self) -> Result<PbValue, PbtxtError> {
        let mut items = Vec::new();
        loop {
            self.skip_comments();
            if self.is_punct(']') {
                self.pos += 1;
                return Ok(PbValue::List(items));
            }
            let t = self.peek().clone();
            let item = match &t.tok {
                Tok::Punct('{') => {
                    self.pos += 1;
                    self.nested_message(&t, '}')?
                }
                Tok::Punct('<') => {
                    self.pos += 1;
                    self.nested_message(&t, '>')?
                }
                Tok::Eof => return Err(Self::err(&t, "expected `]` before end of input")),
                _ => self.scalar()?,
            };
            items.push(item);
            self.skip_comments();
            let t = self.peek().clone();
            match &t.tok {
                Tok::Punct(',') => {
                    self.pos += 1;
                }
                Tok::Punct(']') => {}
                Tok::Eof => return Err(Self::err(&t, "expected `]` before end of input")),
                other => {
                    return Err(Self::err(
                        &t,
                        format!("expected `,` or `]` in list, found {}", describe(other)),
                    ))
                }
            }
        }
    }

    fn scalar(&mut self) -> Result<PbValue, PbtxtError> {
        let t = self.next();
        let at = |line: usize, column: usize, message: String| PbtxtError {
            line,
            column,
            message,
        };
        match t.tok {
            Tok::Str(s) => {
                let mut s = s;
                loop {
                    // adjacent string literals are concatenated
                    let save = self.pos;
                    self.skip_comments();
                    if let Tok::Str(more) = &self.peek().tok {
                        s.push_str(more);
                        self.pos += 1;
                    } else {
                        self.pos = save;
                        break;
                    }
                }
                Ok(PbValue::Str(s))
            }
            Tok::Num(n) => Ok(PbValue::Num(n)),
            Tok::Ident(i) => Ok(PbValue::Ident(i)),
            Tok::Punct('-') => {
                let t2 = self.next();
                match t2.tok {
                    Tok::Num(n) => Ok(PbValue::Num(format!("-{n}"))),
                    Tok::Ident(i) if parse_number(&format!("-{i}")).is_some() => {
                        Ok(PbValue::Num(format!("-{i}")))
                    }
                    other => Err(at(
                        t2.line,
                        t2.col,
                        format!("expected a number after `-`, found {}", describe(&other)),
                    )),
                }
            }
            other => Err(at(
                t.line,
                t.col,
                format!("expected a value, found {}", describe(&other)),
            )),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Num(s) => format!("number `{s}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Punct(c) => format!("`{c}`"),
        Tok::Comment { .. } => "a comment".into(),
        Tok::Eof => "end of input".into(),
    }
}

/// Parses protobuf text format.
pub fn parse(text: &str) -> Result<PbMessage, PbtxtError> {
    let toks = Lexer::new(text).tokenize()?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    p.message_body(None)
}

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

/// Writes a message as protobuf text: two-space indentation, one field per
/// line, `name: value` for scalars, `name { ... }` for messages, scalar lists
/// on one line (`dims: [ 4, 4 ]`) and message lists one element per block.
/// The output is stable (same message, same text) and parses back to an
/// equal message.
pub fn to_text(msg: &PbMessage) -> String {
    let mut out = String::new();
    write_body(&mut out, msg, 0);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_comments(out: &mut String, comments: &[String], level: usize) {
    for c in comments {
        indent(out, level);
        out.push('#');
        out.push_str(c);
        out.push('\n');
    }
}

fn write_body(out: &mut String, msg: &PbMessage, level: usize) {
    for (i, (name, value)) in msg.fields.iter().enumerate() {
        if let Some(c) = msg.comments.get(&i) {
            write_comments(out, c, level);
        }
        indent(out, level);
        out.push_str(name);
        match value {
            PbValue::Msg(m) => {
                out.push(' ');
                write_msg(out, m, level);
            }
            PbValue::List(items)
                if items
                    .iter()
                    .any(|v| matches!(v, PbValue::Msg(_) | PbValue::List(_))) =>
            {
                out.push(' ');
                write_block_list(out, items, level);
            }
            other => {
                out.push_str(": ");
                write_inline(out, other);
            }
        }
        out.push('\n');
    }
    // Comments keyed past the last field (possible after manual edits) are
    // written before the trailing ones.
    for (_, c) in msg.comments.range(msg.fields.len()..) {
        write_comments(out, c, level);
    }
    write_comments(out, &msg.trailing_comments, level);
}

fn write_msg(out: &mut String, m: &PbMessage, level: usize) {
    if m.fields.is_empty() && m.comments.is_empty() && m.trailing_comments.is_empty() {
        out.push_str("{ }");
        return;
    }
    out.push_str("{\n");
    write_body(out, m, level + 1);
    indent(out, level);
    out.push('}');
}

fn write_block_list(out: &mut String, items: &[PbValue], level: usize) {
    out.push_str("[\n");
    for (i, item) in items.iter().enumerate() {
        indent(out, level + 1);
        match item {
            PbValue::Msg(m) => write_msg(out, m, level + 1),
            PbValue::List(inner) => write_block_list(out, inner, level + 1),
            other => write_inline(out, other),
        }
        if i + 1 < items.len() {
            out.push(',');
        }
        out.push('\n');
    }
    indent(out, level);
    out.push(']');
}

fn write_inline(out: &mut String, v: &PbValue) {
    match v {
        PbValue::Str(s) => write_string(out, s),
        PbValue::Num(n) | PbValue::Ident(n) => out.push_str(n),
        PbValue::Msg(m) => write_msg(out, m, 0),
        PbValue::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_inline(out, item);
            }
            out.push_str(" ]");
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------
// ModelConfig schema (facts from triton-inference-server/common
// protobuf/model_config.proto): which fields are messages, repeated, or maps.
// Fields not listed are singular scalars.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Card {
    /// Singular message field of type `child`.
    Single,
    /// Repeated field; `child` is the element message type ("" for scalars).
    Repeated,
    /// `map<K, V>`; `child` is V's message type ("" for scalar values).
    Map,
}

/// `(message type, field, cardinality, child message type)`.
const SCHEMA: &[(&str, &str, Card, &str)] = &[
    (
        "ModelConfig",
        "version_policy",
        Card::Single,
        "ModelVersionPolicy",
    ),
    ("ModelConfig", "input", Card::Repeated, "ModelInput"),
    ("ModelConfig", "output", Card::Repeated, "ModelOutput"),
    ("ModelConfig", "batch_input", Card::Repeated, "BatchInput"),
    ("ModelConfig", "batch_output", Card::Repeated, "BatchOutput"),
    (
        "ModelConfig",
        "optimization",
        Card::Single,
        "ModelOptimizationPolicy",
    ),
    (
        "ModelConfig",
        "dynamic_batching",
        Card::Single,
        "ModelDynamicBatching",
    ),
    (
        "ModelConfig",
        "sequence_batching",
        Card::Single,
        "ModelSequenceBatching",
    ),
    (
        "ModelConfig",
        "ensemble_scheduling",
        Card::Single,
        "ModelEnsembling",
    ),
    (
        "ModelConfig",
        "instance_group",
        Card::Repeated,
        "ModelInstanceGroup",
    ),
    ("ModelConfig", "cc_model_filenames", Card::Map, ""),
    ("ModelConfig", "metric_tags", Card::Map, ""),
    ("ModelConfig", "parameters", Card::Map, "ModelParameter"),
    ("ModelConfig", "model_warmup", Card::Repeated, "ModelWarmup"),
    (
        "ModelConfig",
        "model_operations",
        Card::Single,
        "ModelOperations",
    ),
    (
        "ModelConfig",
        "model_transaction_policy",
        Card::Single,
        "ModelTransactionPolicy",
    ),
    (
        "ModelConfig",
        "model_repository_agents",
        Card::Single,
        "ModelRepositoryAgents",
    ),
    (
        "ModelConfig",
        "response_cache",
        Card::Single,
        "ModelResponseCache",
    ),
    ("ModelConfig", "model_metrics", Card::Single, "ModelMetrics"),
    (
        "ModelRateLimiter",
        "resources",
        Card::Repeated,
        "ModelRateLimiter.Resource",
    ),
    (
        "ModelInstanceGroup",
        "rate_limiter",
        Card::Single,
        "ModelRateLimiter",
    ),
    ("ModelInstanceGroup", "gpus", Card::Repeated, ""),
    (
        "ModelInstanceGroup",
        "secondary_devices",
        Card::Repeated,
        "ModelInstanceGroup.SecondaryDevice",
    ),
    ("ModelInstanceGroup", "profile", Card::Repeated, ""),
    ("ModelTensorReshape", "shape", Card::Repeated, ""),
    ("ModelInput", "dims", Card::Repeated, ""),
    ("ModelInput", "reshape", Card::Single, "ModelTensorReshape"),
    ("ModelOutput", "dims", Card::Repeated, ""),
    ("ModelOutput", "reshape", Card::Single, "ModelTensorReshape"),
    ("BatchInput", "target_name", Card::Repeated, ""),
    ("BatchInput", "source_input", Card::Repeated, ""),
    ("BatchOutput", "target_name", Card::Repeated, ""),
    ("BatchOutput", "source_input", Card::Repeated, ""),
    (
        "ModelVersionPolicy",
        "latest",
        Card::Single,
        "ModelVersionPolicy.Latest",
    ),
    (
        "ModelVersionPolicy",
        "all",
        Card::Single,
        "ModelVersionPolicy.All",
    ),
    (
        "ModelVersionPolicy",
        "specific",
        Card::Single,
        "ModelVersionPolicy.Specific",
    ),
    (
        "ModelVersionPolicy.Specific",
        "versions",
        Card::Repeated,
        "",
    ),
    (
        "ModelOptimizationPolicy",
        "graph",
        Card::Single,
        "ModelOptimizationPolicy.Graph",
    ),
    (
        "ModelOptimizationPolicy",
        "cuda",
        Card::Single,
        "ModelOptimizationPolicy.Cuda",
    ),
    (
        "ModelOptimizationPolicy",
        "execution_accelerators",
        Card::Single,
        "ModelOptimizationPolicy.ExecutionAccelerators",
    ),
    (
        "ModelOptimizationPolicy",
        "input_pinned_memory",
        Card::Single,
        "ModelOptimizationPolicy.PinnedMemoryBuffer",
    ),
    (
        "ModelOptimizationPolicy",
        "output_pinned_memory",
        Card::Single,
        "ModelOptimizationPolicy.PinnedMemoryBuffer",
    ),
    (
        "ModelOptimizationPolicy.Cuda",
        "graph_spec",
        Card::Repeated,
        "ModelOptimizationPolicy.Cuda.GraphSpec",
    ),
    (
        "ModelOptimizationPolicy.Cuda.GraphSpec",
        "input",
        Card::Map,
        "ModelOptimizationPolicy.Cuda.GraphSpec.Shape",
    ),
    (
        "ModelOptimizationPolicy.Cuda.GraphSpec",
        "graph_lower_bound",
        Card::Single,
        "ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound",
    ),
    (
        "ModelOptimizationPolicy.Cuda.GraphSpec.Shape",
        "dim",
        Card::Repeated,
        "",
    ),
    (
        "ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound",
        "input",
        Card::Map,
        "ModelOptimizationPolicy.Cuda.GraphSpec.Shape",
    ),
    (
        "ModelOptimizationPolicy.ExecutionAccelerators",
        "gpu_execution_accelerator",
        Card::Repeated,
        "ModelOptimizationPolicy.ExecutionAccelerators.Accelerator",
    ),
    (
        "ModelOptimizationPolicy.ExecutionAccelerators",
        "cpu_execution_accelerator",
        Card::Repeated,
        "ModelOptimizationPolicy.ExecutionAccelerators.Accelerator",
    ),
    (
        "ModelOptimizationPolicy.ExecutionAccelerators.Accelerator",
        "parameters",
        Card::Map,
        "",
    ),
    (
        "ModelDynamicBatching",
        "preferred_batch_size",
        Card::Repeated,
        "",
    ),
    (
        "ModelDynamicBatching",
        "default_queue_policy",
        Card::Single,
        "ModelQueuePolicy",
    ),
    (
        "ModelDynamicBatching",
        "priority_queue_policy",
        Card::Map,
        "ModelQueuePolicy",
    ),
    (
        "ModelSequenceBatching",
        "direct",
        Card::Single,
        "ModelSequenceBatching.StrategyDirect",
    ),
    (
        "ModelSequenceBatching",
        "oldest",
        Card::Single,
        "ModelSequenceBatching.StrategyOldest",
    ),
    (
        "ModelSequenceBatching",
        "control_input",
        Card::Repeated,
        "ModelSequenceBatching.ControlInput",
    ),
    (
        "ModelSequenceBatching",
        "state",
        Card::Repeated,
        "ModelSequenceBatching.State",
    ),
    (
        "ModelSequenceBatching.ControlInput",
        "control",
        Card::Repeated,
        "ModelSequenceBatching.Control",
    ),
    (
        "ModelSequenceBatching.Control",
        "int32_false_true",
        Card::Repeated,
        "",
    ),
    (
        "ModelSequenceBatching.Control",
        "fp32_false_true",
        Card::Repeated,
        "",
    ),
    (
        "ModelSequenceBatching.Control",
        "bool_false_true",
        Card::Repeated,
        "",
    ),
    ("ModelSequenceBatching.State", "dims", Card::Repeated, ""),
    (
        "ModelSequenceBatching.State",
        "initial_state",
        Card::Repeated,
        "ModelSequenceBatching.InitialState",
    ),
    (
        "ModelSequenceBatching.InitialState",
        "dims",
        Card::Repeated,
        "",
    ),
    (
        "ModelSequenceBatching.StrategyOldest",
        "preferred_batch_size",
        Card::Repeated,
        "",
    ),
    (
        "ModelEnsembling",
        "step",
        Card::Repeated,
        "ModelEnsembling.Step",
    ),
    ("ModelEnsembling.Step", "input_map", Card::Map, ""),
    ("ModelEnsembling.Step", "output_map", Card::Map, ""),
    ("ModelWarmup", "inputs", Card::Map, "ModelWarmup.Input"),
    ("ModelWarmup.Input", "dims", Card::Repeated, ""),
    ("ModelOperations", "op_library_filename", Card::Repeated, ""),
    (
        "ModelRepositoryAgents",
        "agents",
        Card::Repeated,
        "ModelRepositoryAgents.Agent",
    ),
    ("ModelRepositoryAgents.Agent", "parameters", Card::Map, ""),
    (
        "ModelMetrics",
        "metric_control",
        Card::Repeated,
        "ModelMetrics.MetricControl",
    ),
    (
        "ModelMetrics.MetricControl",
        "metric_identifier",
        Card::Single,
        "ModelMetrics.MetricControl.MetricIdentifier",
    ),
    (
        "ModelMetrics.MetricControl",
        "histogram_options",
        Card::Single,
        "ModelMetrics.MetricControl.HistogramOptions",
    ),
    (
        "ModelMetrics.MetricControl.HistogramOptions",
        "buckets",
        Card::Repeated,
        "",
    ),
];

/// Map fields whose key is an integer (`map<uint64, ...>`); other map keys are strings.
const INTEGER_KEYED_MAPS: &[(&str, &str)] = &[("ModelDynamicBatching", "priority_queue_policy")];

/// Field names whose string values are enum identifiers in `ModelConfig`
/// (`DataType`, `Format`, the various `Kind`s, `ModelPriority`, `TimeoutAction`).
const ENUM_FIELDS: &[&str] = &["data_type", "format", "kind", "priority", "timeout_action"];

/// Numeric fields of `ModelConfig` (protobuf JSON allows 64-bit integers as
/// strings; [`from_json`] writes such strings back as numbers).
const NUMERIC_FIELDS: &[&str] = &[
    "max_batch_size",
    "dims",
    "shape",
    "dim",
    "versions",
    "num_versions",
    "count",
    "gpus",
    "device_id",
    "level",
    "preferred_batch_size",
    "max_queue_delay_microseconds",
    "priority_levels",
    "default_priority_level",
    "default_timeout_microseconds",
    "max_queue_size",
    "max_sequence_idle_microseconds",
    "max_candidate_sequences",
    "batch_size",
    "int32_false_true",
    "fp32_false_true",
    "buckets",
    "model_version",
    "priority",
    "max_inflight_requests",
    "gather_kernel_buffer_threshold",
    "minimum_slot_utilization",
];

/// The top-level message type of a `config.pbtxt`.
pub const MODEL_CONFIG_TYPE: &str = "ModelConfig";

/// The fields of Triton's `ModelConfig` message, in `model_config.proto` order.
pub const MODEL_CONFIG_FIELDS: &[&str] = &[
    "name",
    "platform",
    "backend",
    "runtime",
    "version_policy",
    "max_batch_size",
    "input",
    "output",
    "batch_input",
    "batch_output",
    "optimization",
    "dynamic_batching",
    "sequence_batching",
    "ensemble_scheduling",
    "instance_group",
    "default_model_filename",
    "cc_model_filenames",
    "metric_tags",
    "parameters",
    "model_warmup",
    "model_operations",
    "model_transaction_policy",
    "model_repository_agents",
    "response_cache",
    "model_metrics",
];

fn field_spec(ty: &str, field: &str) -> Option<(Card, &'static str)> {
    SCHEMA
        .iter()
        .find(|(t, f, _, _)| *t == ty && *f == field)
        .map(|(_, _, c, child)| (*c, *child))
}

/// True when `field` of message type `ty` is a repeated field of Triton's
/// `ModelConfig` schema (e.g. `("ModelConfig", "input")`, `("ModelInput", "dims")`).
pub fn is_repeated_field(ty: &str, field: &str) -> bool {
    matches!(field_spec(ty, field), Some((Card::Repeated, _)))
}

/// True when `field` of message type `ty` is a protobuf `map` field of
/// Triton's `ModelConfig` schema (e.g. `("ModelConfig", "parameters")`).
pub fn is_map_field(ty: &str, field: &str) -> bool {
    matches!(field_spec(ty, field), Some((Card::Map, _)))
}

/// The message type of `field` in message type `ty` (its element type when
/// repeated, its value type when a map), if it is a message.
pub fn child_type(ty: &str, field: &str) -> Option<&'static str> {
    field_spec(ty, field)
        .map(|(_, c)| c)
        .filter(|c| !c.is_empty())
}

// ---------------------------------------------------------------------------
// to_json / from_json
// ---------------------------------------------------------------------------

/// Converts a parsed `config.pbtxt` to `ModelConfig` protobuf JSON (see the
/// module docs). Fields unknown to the schema are converted generically: a
/// field that appears more than once or as a `[...]` list becomes an array.
/// A singular field that appears several times keeps its last value, as
/// protobuf does for scalars.
pub fn to_json(msg: &PbMessage) -> Value {
    msg_to_json(msg, MODEL_CONFIG_TYPE)
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
        let spec = field_spec(ty, name);
        let child = spec.map(|(_, c)| c).unwrap_or("");
        let json = match spec.map(|(c, _)| c) {
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
/// variant can be written as `config.pbtxt` with [`to_text`]. JSON objects of
/// map fields become repeated `name { key: .. value: .. }` entries; arrays of
/// objects become `name [ {..}, {..} ]`; arrays of scalars `name: [ .. ]`;
/// strings of enum fields (`data_type`, `kind`, `format`, `priority`,
/// `timeout_action`) become identifiers; numeric strings of numeric fields
/// become numbers; `null` fields are omitted. JSON with no text form (a
/// document that is not an object, nested arrays, arrays mixing objects and
/// scalars, `null` list elements, keys of messages that are not field names,
/// nesting deeper than [`MAX_DEPTH`]) is a [`FromJsonError`].
pub fn from_json(v: &Value) -> Result<PbMessage, FromJsonError> {
    match v {
        Value::Object(m) => json_to_msg(m, MODEL_CONFIG_TYPE, "", 0),
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
    if ty == MODEL_CONFIG_TYPE {
        if let Some(i) = MODEL_CONFIG_FIELDS.iter().position(|f| *f == field) {
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
        let spec = field_spec(ty, k);
        let child = spec.map(|(_, c)| c).unwrap_or("");
        match (spec.map(|(c, _)| c), v) {
            (_, Value::Null) => {}
            (Some(Card::Map), Value::Object(entries)) => {
                let int_key = INTEGER_KEYED_MAPS.contains(&(ty, k.as_str()));
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
                        entry.push("value", json_to_value(mv, "value", child, &epath, depth + 1)?);
                    }
                    msg.push(k.clone(), PbValue::Msg(entry));
                }
            }
            _ => msg.push(k.clone(), json_to_value(v, k, child, &fpath, depth)?),
        }
    }
    Ok(msg)
}

/// `depth`: the messages the field holding `v` is nested in (a list adds
/// no level: its elements are written inside it as they would be without).
fn json_to_value(
    v: &Value,
    field: &str,
    child: &str,
    path: &str,
    depth: usize,
) -> Result<PbValue, FromJsonError> {
    Ok(match v {
        Value::Object(m) => PbValue::Msg(json_to_msg(m, child, path, depth + 1)?),
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
                    other => out.push(json_to_value(other, field, child, &ipath, depth)?),
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
            if ENUM_FIELDS.contains(&field) && is_identifier(s) {
                PbValue::Ident(s.clone())
            } else if NUMERIC_FIELDS.contains(&field) && parse_number(s).is_some() {
                PbValue::Num(s.clone())
            } else if NUMERIC_FIELDS.contains(&field)
                && matches!(s.as_str(), "Infinity" | "-Infinity" | "NaN")
            {
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

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ADD_SUB: &str = r#"# Copyright header line 1
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

    const ENSEMBLE: &str = r#"
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
}
