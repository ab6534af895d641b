//! Lenient scalars: values read from whatever scalar the input holds, one
//! visitor for every format and two policies on top of it.
//!
//! - **Triton's JSON** (`Flex*`, [`int`], [`string`] and friends): integers /
//!   strings that may be encoded either as JSON numbers or as JSON strings
//!   (protobuf's JSON mapping writes 64-bit integers as strings, and Triton
//!   versions differ in what they emit); `null` means the default. Use them
//!   with `#[serde(deserialize_with = "lenient::int")]` and friends.
//! - **Model Analyzer's YAML config** ([`LU32`], [`LF64`], [`LBool`],
//!   [`LStr`]): any YAML scalar converted as Model Analyzer's
//!   `ConfigPrimitive` does; `null` is an error.
//!
//! Conversion runs inside the deserializer's visitor, so serde_json and
//! serde_yaml put the line and column on errors.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// One scalar as the deserializer hands it over.
#[derive(Debug, Clone, Copy)]
pub enum Scalar<'a> {
    /// A non-negative integer.
    U(u64),
    /// A negative integer (or one the format reports as signed).
    I(i64),
    /// A non-negative integer beyond `u64` (serde_yaml).
    U128(u128),
    /// A negative integer beyond `i64` (serde_yaml).
    I128(i128),
    /// A floating-point number.
    F(f64),
    /// A boolean.
    B(bool),
    /// A string.
    S(&'a str),
    /// `null` (or `~` in YAML).
    Null,
}

/// A value read leniently from any scalar through [`scalar`].
pub trait FromScalar: Sized {
    /// What the type wants, named in errors ("expected a non-negative integer").
    const EXPECTED: &'static str;
    /// Converts `s`, or says why not.
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E>;
}

/// The error for a scalar of the wrong kind: serde's own wording (a string
/// is an invalid value, anything else an invalid type).
pub fn wrong_scalar<E: de::Error>(s: Scalar<'_>, expected: &'static str) -> E {
    let unexpected = match s {
        Scalar::U(v) => de::Unexpected::Unsigned(v),
        Scalar::I(v) => de::Unexpected::Signed(v),
        Scalar::U128(v) => return E::invalid_type(de::Unexpected::Other(&format!("integer `{v}` as u128")), &expected),
        Scalar::I128(v) => return E::invalid_type(de::Unexpected::Other(&format!("integer `{v}` as i128")), &expected),
        Scalar::F(v) => de::Unexpected::Float(v),
        Scalar::B(v) => de::Unexpected::Bool(v),
        Scalar::S(v) => return E::invalid_value(de::Unexpected::Str(v), &expected),
        Scalar::Null => de::Unexpected::Unit,
    };
    E::invalid_type(unexpected, &expected)
}

/// Deserializes a `T` from whatever scalar `d` holds (`Some(x)` reads as
/// `x`; sequences and maps are invalid types).
pub fn scalar<'de, D: Deserializer<'de>, T: FromScalar>(d: D) -> Result<T, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: FromScalar> Visitor<'de> for V<T> {
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
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
            T::from_scalar(Scalar::U128(v))
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
            T::from_scalar(Scalar::I128(v))
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
        fn visit_unit<E: de::Error>(self) -> Result<T, E> {
            T::from_scalar(Scalar::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<T, E> {
            T::from_scalar(Scalar::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            scalar(d)
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// Implements `Deserialize` through [`FromScalar`].
macro_rules! deserialize_through_scalar {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                scalar(d)
            }
        }
    )*};
}

// ---- Triton's JSON: numbers as strings, null as default ----

/// Integer parsed from a JSON number or a decimal string; `null` yields
/// `T::default()`.
pub struct FlexInt<T>(pub T);

/// Any integer [`FlexInt`] reads, before the range check for its `T`;
/// `None` for `null`.
struct WideInt(Option<i128>);

impl FromScalar for WideInt {
    const EXPECTED: &'static str = "an integer or a string containing an integer";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        match s {
            Scalar::U(v) => Ok(WideInt(Some(i128::from(v)))),
            Scalar::I(v) => Ok(WideInt(Some(i128::from(v)))),
            Scalar::I128(v) => Ok(WideInt(Some(v))),
            Scalar::U128(v) => i128::try_from(v)
                .map(|v| WideInt(Some(v)))
                .map_err(|_| E::custom(format!("integer {v} out of range"))),
            // Accept integral floats such as `16.0` (some JSON writers emit them).
            Scalar::F(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1.7e38 => {
                // Truncation is exact: `v` is integral and within i128 range.
                Ok(WideInt(Some(v as i128)))
            }
            Scalar::F(v) => Err(E::custom(format!("expected an integer, found {v}"))),
            Scalar::S(v) => {
                let t = v.trim();
                let t = t.strip_prefix('+').unwrap_or(t);
                t.parse::<i128>()
                    .map(|v| WideInt(Some(v)))
                    .map_err(|_| E::custom(format!("expected an integer string, found {v:?}")))
            }
            Scalar::Null => Ok(WideInt(None)),
            other => Err(wrong_scalar(other, Self::EXPECTED)),
        }
    }
}

impl<'de, T> Deserialize<'de> for FlexInt<T>
where
    T: TryFrom<i128> + Default,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match scalar::<D, WideInt>(d)?.0 {
            None => Ok(FlexInt(T::default())),
            Some(v) => T::try_from(v).map(FlexInt).map_err(|_| {
                de::Error::custom(format!(
                    "integer {v} out of range for {}",
                    std::any::type_name::<T>()
                ))
            }),
        }
    }
}

/// Deserializes an integer from a number or a string (`null` → default).
pub fn int<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128> + Default,
{
    FlexInt::<T>::deserialize(d).map(|f| f.0)
}

/// Deserializes an array of integers, each a number or a string
/// (`null` → empty).
pub fn int_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128> + Default,
{
    let v: Option<Vec<FlexInt<T>>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().map(|f| f.0).collect())
}

/// String parsed from a JSON string or a number; `null` → empty string.
pub struct FlexString(pub String);

impl FromScalar for FlexString {
    const EXPECTED: &'static str = "a string or a number";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        Ok(FlexString(match s {
            Scalar::S(v) => v.to_string(),
            Scalar::U(v) => v.to_string(),
            Scalar::I(v) => v.to_string(),
            Scalar::F(v) => v.to_string(),
            Scalar::Null => String::new(),
            other => return Err(wrong_scalar(other, Self::EXPECTED)),
        }))
    }
}

/// Deserializes a string that may be encoded as a number.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    FlexString::deserialize(d).map(|s| s.0)
}

/// Deserializes an optional string that may be encoded as a number.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<FlexString> = Option::deserialize(d)?;
    Ok(v.map(|s| s.0))
}

/// Deserializes an array of strings whose elements may be numbers
/// (`null` → empty).
pub fn string_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Option<Vec<FlexString>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().map(|s| s.0).collect())
}

// ---- Model Analyzer's YAML config: any scalar, as `ConfigPrimitive` ----

/// Integer accepting a YAML number or a decimal string (`ConfigPrimitive(int)`).
#[derive(Debug, Clone, Copy)]
pub struct LU32(pub u32);

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
pub struct LF64(pub f64);

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
pub struct LBool(pub bool);

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
pub struct LStr(pub String);

impl FromScalar for LStr {
    const EXPECTED: &'static str = "a string";
    fn from_scalar<E: de::Error>(s: Scalar<'_>) -> Result<Self, E> {
        Ok(LStr(match s {
            Scalar::U(v) => v.to_string(),
            Scalar::I(v) => v.to_string(),
            Scalar::F(v) => v.to_string(),
            Scalar::B(v) => v.to_string(),
            Scalar::S(v) => v.to_string(),
            other => return Err(wrong_scalar(other, Self::EXPECTED)),
        }))
    }
}

deserialize_through_scalar!(FlexString, LU32, LF64, LBool, LStr);
