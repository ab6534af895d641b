//! Triton `config.pbtxt` (protobuf text format) reader and writer, with
//! Triton's own schema.
//!
//! Two layers:
//!
//! * **Syntax** ([`parse`], [`to_text`], [`PbMessage`]): a parser that needs no
//!   schema and keeps every field in file order, with its comments and number
//!   literals, so a config can be edited and written back.
//! * **Schema** ([`schema`]): Triton's `model_config.proto`, vendored in
//!   `proto/` and compiled by `build.rs` (`protox`), loaded as
//!   `prost-reflect` descriptors. They tell [`to_json`]/[`from_json`] which
//!   fields are repeated, maps, enums or numbers, and [`parse_model_config`]
//!   builds a typed [`DynamicMessage`] from the text, where a field unknown to
//!   the schema or a value of the wrong type is a [`PbtxtError`] naming its
//!   line and column ([`parse_checked`] checks the same and keeps the
//!   [`PbMessage`]). [`model_config_to_text`] writes a `DynamicMessage` in
//!   Triton's style; [`model_config_to_json`]/[`model_config_from_json`] are
//!   its proto3 JSON. (`prost-reflect`'s own text-format parser cannot read
//!   Triton's configs: it rejects the colon-less list `input [ {...} ]`.)
//!
//! The parser accepts the forms Triton's configs use:
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
//! `true`/`false` as booleans. [`from_json`] is the inverse. Both take the
//! shape of every field from Triton's `model_config.proto` ([`schema`]);
//! fields it does not know are converted generically (a field that appears
//! more than once or as a list becomes an array).
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

mod json;
mod lexer;
mod message;
mod parser;
pub mod schema;
mod typed;
mod writer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod typed_tests;

pub use json::{from_json, to_json};
pub use message::{PbMessage, PbValue};
pub use parser::parse;
pub use prost_reflect::DynamicMessage;
pub use schema::{child_type, is_map_field, is_repeated_field, MODEL_CONFIG_FIELDS, MODEL_CONFIG_TYPE};
pub use typed::{model_config_from_json, model_config_to_json, model_config_to_text, parse_checked, parse_model_config};
pub use writer::to_text;

/// The deepest nesting of messages [`parse`] accepts (and [`from_json`]
/// produces); see the module docs.
pub const MAX_DEPTH: usize = 32;

/// A syntax error (or, from [`parse_model_config`], a schema error), with
/// 1-based line and column.
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

