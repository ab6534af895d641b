//! Flags whose values are a library [`Choice`]: listed with their help in
//! `--help` and checked by clap, as `ValueEnum` would, without the library
//! types depending on clap.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use tritium_util::Choice;

/// The value parser of a flag taking one of `T`'s values.
pub fn choice<T: Choice>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::ALL.iter().map(|c| PossibleValue::new(c.name()).help(c.help())))
        // clap has already refused any name not in the list.
        .map(|name| T::from_name(&name).unwrap_or(T::ALL[0]))
}
