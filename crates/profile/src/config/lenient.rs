//! Lenient scalars: integers, numbers, booleans and strings read from any
//! YAML scalar as Model Analyzer's `ConfigPrimitive` does, with serde_yaml's
//! line and column on errors. (A twin of the one in `tritium_model`; kept
//! apart so it can later point at a shared module.)

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// One YAML scalar, as read by the lenient types below (Model Analyzer's
/// `ConfigPrimitive` converts whatever scalar it gets).
enum Scalar<'a> {
    U(u64),
    I(i64),
    F(f64),
    B(bool),
    S(&'a str),
}

/// A value read leniently from any YAML scalar. Conversion runs inside the
/// deserializer's visitor, so serde_yaml puts the line and column on errors.
trait FromScalar: Sized {
    /// What the type wants, named in errors ("expected a non-negative integer").
    const EXPECTED: &'static str;
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E>;
}

/// The error for a scalar of the wrong kind.
fn wrong_scalar<E: de::Error>(s: Scalar<'_>, expected: &'static str) -> E {
    let unexpected = match s {
        Scalar::U(v) => de::Unexpected::Unsigned(v),
        Scalar::I(v) => de::Unexpected::Signed(v),
        Scalar::F(v) => de::Unexpected::Float(v),
        Scalar::B(v) => de::Unexpected::Bool(v),
        Scalar::S(v) => return E::invalid_value(de::Unexpected::Str(v), &expected),
    };
    E::invalid_type(unexpected, &expected)
}

fn lenient<'de, D: Deserializer<'de>, T: FromScalar>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<T: FromScalar> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(T::EXPECTED)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            T::from_scalar(Scalar::U(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            T::from_scalar(Scalar::I(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
            T::from_scalar(Scalar::F(v))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
            T::from_scalar(Scalar::B(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            T::from_scalar(Scalar::S(v))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// Implements `Deserialize` through [`FromScalar`].
macro_rules! deserialize_leniently {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                lenient(d)
            }
        }
    )*};
}

/// Integer accepting a YAML number or a decimal string (`ConfigPrimitive(int)`).
#[derive(Debug, Clone, Copy)]
pub(super) struct LU32(pub(super) u32);

impl FromScalar for LU32 {
    const EXPECTED: &'static str = "a non-negative integer";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        match s {
            Scalar::U(v) => u32::try_from(v).map(LU32).map_err(|_| E::custom(format!("{v} is too large"))),
            Scalar::I(v) => u32::try_from(v).map(LU32).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &Self::EXPECTED)),
            Scalar::S(v) => v.trim().parse().map(LU32).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &Self::EXPECTED)),
            other => Err(wrong_scalar(other, Self::EXPECTED)),
        }
    }
}

/// Number accepting a YAML number or a numeric string.
#[derive(Debug, Clone, Copy)]
pub(super) struct LF64(pub(super) f64);

impl FromScalar for LF64 {
    const EXPECTED: &'static str = "a number";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        match s {
            Scalar::U(v) => Ok(LF64(v as f64)),
            Scalar::I(v) => Ok(LF64(v as f64)),
            Scalar::F(v) => Ok(LF64(v)),
            Scalar::S(v) => v.trim().parse().map(LF64).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &Self::EXPECTED)),
            other => Err(wrong_scalar(other, Self::EXPECTED)),
        }
    }
}

/// Boolean accepting YAML booleans and the strings true/false (yes/no, on/off).
#[derive(Debug, Clone, Copy)]
pub(super) struct LBool(pub(super) bool);

impl FromScalar for LBool {
    const EXPECTED: &'static str = "a boolean";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        match s {
            Scalar::B(v) => Ok(LBool(v)),
            Scalar::S(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Ok(LBool(true)),
                "false" | "no" | "off" => Ok(LBool(false)),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &Self::EXPECTED)),
            },
            other => Err(wrong_scalar(other, Self::EXPECTED)),
        }
    }
}

/// String accepting any YAML scalar (`ConfigPrimitive(str)` does `str(v)`).
#[derive(Debug, Clone)]
pub(super) struct LStr(pub(super) String);

impl FromScalar for LStr {
    const EXPECTED: &'static str = "a string";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        Ok(LStr(match s {
            Scalar::U(v) => v.to_string(),
            Scalar::I(v) => v.to_string(),
            Scalar::F(v) => v.to_string(),
            Scalar::B(v) => v.to_string(),
            Scalar::S(v) => v.to_string(),
        }))
    }
}

deserialize_leniently!(LU32, LF64, LBool, LStr);
