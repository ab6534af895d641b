//! The parser: tokens to a [`PbMessage`], with the line and column of every
//! field and value (kept aside in [`MsgSpans`] for the schema checks of
//! [`super::parse_model_config`]).

use super::lexer::{parse_number, Lexer, Tok, Token};
use super::{PbMessage, PbValue, PbtxtError, MAX_DEPTH};

/// A 1-based line and column in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) col: usize,
}

impl Pos {
    fn of(t: &Token) -> Pos {
        Pos { line: t.line, col: t.col }
    }

    /// An error at this position.
    pub(super) fn err(self, message: impl Into<String>) -> PbtxtError {
        PbtxtError { line: self.line, column: self.col, message: message.into() }
    }
}

/// Where the fields of a parsed message stand, parallel to
/// [`PbMessage::fields`].
#[derive(Debug, Clone, Default)]
pub(super) struct MsgSpans {
    pub(super) fields: Vec<FieldSpans>,
}

/// Where a field's name and value stand.
#[derive(Debug, Clone)]
pub(super) struct FieldSpans {
    pub(super) name: Pos,
    pub(super) value: ValueSpans,
}

/// Where a value stands (a message: its `{`; a list: its `[`), with the
/// positions inside it.
#[derive(Debug, Clone)]
pub(super) enum ValueSpans {
    Scalar(Pos),
    Msg(Pos, MsgSpans),
    List(Pos, Vec<ValueSpans>),
}

impl ValueSpans {
    pub(super) fn pos(&self) -> Pos {
        match self {
            ValueSpans::Scalar(p) | ValueSpans::Msg(p, _) | ValueSpans::List(p, _) => *p,
        }
    }
}

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
    fn nested_message(&mut self, t: &Token, end: char) -> Result<(PbValue, ValueSpans), PbtxtError> {
        if self.depth >= MAX_DEPTH {
            return Err(Self::err(
                t,
                format!("messages nest deeper than {MAX_DEPTH} levels (the limit); real model configs are far shallower, is a closing bracket missing?"),
            ));
        }
        self.depth += 1;
        let (m, spans) = self.message_body(Some(end))?;
        self.depth -= 1;
        Ok((PbValue::Msg(m), ValueSpans::Msg(Pos::of(t), spans)))
    }

    /// Parses fields until `end` (a closing `}`/`>`), or end of input when `None`.
    fn message_body(&mut self, end: Option<char>) -> Result<(PbMessage, MsgSpans), PbtxtError> {
        let mut msg = PbMessage::new();
        let mut spans = MsgSpans::default();
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
                    return Ok((msg, spans));
                }
                Tok::Punct(c) if Some(*c) == end => {
                    self.pos += 1;
                    msg.trailing_comments = pending;
                    return Ok((msg, spans));
                }
                Tok::Ident(name) => {
                    let name = name.clone();
                    self.pos += 1;
                    let (value, value_spans) = self.field_value(&name)?;
                    if !pending.is_empty() {
                        msg.comments
                            .insert(msg.fields.len(), std::mem::take(&mut pending));
                    }
                    msg.fields.push((name, value));
                    spans.fields.push(FieldSpans { name: Pos::of(&t), value: value_spans });
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

    fn field_value(&mut self, name: &str) -> Result<(PbValue, ValueSpans), PbtxtError> {
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
                self.list(&t)
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

    /// A list opened by `open` (consumed).
    fn list(&mut self, open: &Token) -> Result<(PbValue, ValueSpans), PbtxtError> {
        let mut items = Vec::new();
        let mut spans = Vec::new();
        loop {
            self.skip_comments();
            if self.is_punct(']') {
                self.pos += 1;
                return Ok((PbValue::List(items), ValueSpans::List(Pos::of(open), spans)));
            }
            let t = self.peek().clone();
            let (item, item_spans) = match &t.tok {
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
            spans.push(item_spans);
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

    fn scalar(&mut self) -> Result<(PbValue, ValueSpans), PbtxtError> {
        let t = self.next();
        let at_start = ValueSpans::Scalar(Pos::of(&t));
        self.scalar_value(t).map(|v| (v, at_start))
    }

    /// The value of the scalar that starts with `t` (consumed).
    fn scalar_value(&mut self, t: Token) -> Result<PbValue, PbtxtError> {
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
    parse_with_spans(text).map(|(msg, _)| msg)
}

/// [`parse`], with where every field and value stands.
pub(super) fn parse_with_spans(text: &str) -> Result<(PbMessage, MsgSpans), PbtxtError> {
    let toks = Lexer::new(text).tokenize()?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    p.message_body(None)
}

