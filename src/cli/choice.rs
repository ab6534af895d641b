//! Flags whose values are a library [`Choice`]: listed with their help in
//! `--help` and checked by clap, as `ValueEnum` would, without the library
//! types depending on clap.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use tritium_util::Choice;

/// The value parser of a flag taking one of `T`'s values.
pub fn choice<T: Choice>() -> impl TypedValueParser<Value = T> {
    // perf_analyzer spells its values with underscores (`time_windows`):
    // every kebab-case name also answers to that spelling, as a hidden alias.
    PossibleValuesParser::new(T::ALL.iter().map(|c| {
        let v = PossibleValue::new(c.name()).help(c.help());
        if c.name().contains('-') {
            // clap wants a 'static name; the command is built once per process.
            let snake: &'static str = Box::leak(c.name().replace('-', "_").into_boxed_str());
            v.alias(snake)
        } else {
            v
        }
    }))
    // clap has already refused any name not in the list (or its aliases).
    .map(|name| T::ALL.iter().copied().find(|c| c.name() == name || c.name().replace('-', "_") == name).unwrap_or(T::ALL[0]))
}
