//! Tokens of protobuf text format (with line and column), and its number
//! literals (which text is a number, and its value).

use serde_json::Value;

use super::PbtxtError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
    pub(super) col: usize,
}

pub(super) struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    col: usize,
    /// True while only blanks were seen since the last newline.
    at_line_start: bool,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Self {
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

    pub(super) fn tokenize(mut self) -> Result<Vec<Token>, PbtxtError> {
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
pub(super) enum Number {
    Int(i128),
    Float(f64),
    /// "Infinity", "-Infinity" or "NaN" (protobuf JSON spellings).
    Special(&'static str),
}

/// Parses a protobuf text number literal (optionally with a leading `-`).
/// Only what the lexer reads as one number (after an optional `-`) is a
/// number, so that [`from_json`](super::from_json) never writes text that does not parse.
pub(super) fn parse_number(text: &str) -> Option<Number> {
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

pub(super) fn number_to_json(text: &str) -> Value {
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

pub(super) fn ident_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "t" => Some(true),
        "false" | "False" | "f" => Some(false),
        _ => None,
    }
}

