//! Lenient deserializers for integers / strings that may be encoded either as
//! JSON numbers or as JSON strings (protobuf's JSON mapping writes 64-bit
//! integers as strings, and Triton versions differ in what they emit).
//!
//! Use them with `#[serde(deserialize_with = "lenient::int")]` and friends.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Integer parsed from a JSON number or a decimal string; `null` yields
/// `T::default()`.
pub struct FlexInt<T>(pub T);

struct IntVisitor;

impl<'de> Visitor<'de> for IntVisitor {
    type Value = Option<i128>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string containing an integer")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(i128::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(i128::from(v)))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        i128::try_from(v)
            .map(Some)
            .map_err(|_| E::custom(format!("integer {v} out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Accept integral floats such as `16.0` (some JSON writers emit them).
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 1.7e38 {
            // Truncation is exact: `v` is integral and within i128 range.
            Ok(Some(v as i128))
        } else {
            Err(E::custom(format!("expected an integer, found {v}")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        let t = t.strip_prefix('+').unwrap_or(t);
        t.parse::<i128>()
            .map(Some)
            .map_err(|_| E::custom(format!("expected an integer string, found {v:?}")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(IntVisitor)
    }
}

impl<'de, T> Deserialize<'de> for FlexInt<T>
where
    T: TryFrom<i128> + Default,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(IntVisitor)? {
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

struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(String::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(String::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(StringVisitor)
    }
}

impl<'de> Deserialize<'de> for FlexString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StringVisitor).map(FlexString)
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
