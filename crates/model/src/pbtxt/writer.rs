//! The writer: a [`PbMessage`] as protobuf text in Triton's style.

use std::fmt::Write as _;

use super::{PbMessage, PbValue};

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

