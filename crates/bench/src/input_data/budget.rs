//! How many bytes a request's inputs take, checked against the memory budget
//! before anything is allocated.

use super::error::InputError;
use super::shapes::shape_to_string;
use super::{StringOptions, TensorSpec};
use tritium_model::DataType;

/// Bytes one input of `shape` takes in a request: elements × element size,
/// BYTES elements as 4 + the string length (`--string-data`, else
/// `--string-length`). Saturates at `u128::MAX`; `None` for an unknown
/// datatype or a shape with a negative (variable) dimension.
pub fn input_bytes(spec: &TensorSpec, shape: &[i64], strings: &StringOptions) -> Option<u128> {
    let dtype = DataType::from_wire_or_alias(&spec.datatype)?;
    let elements = shape.iter().try_fold(1u128, |acc, &d| (d >= 0).then(|| acc.saturating_mul(d as u128)))?;
    let per = match dtype.byte_size() {
        Some(n) => n as u128,
        None => 4 + strings.data.as_ref().map_or(strings.length, String::len) as u128,
    };
    Some(elements.saturating_mul(per))
}

/// Refuses request shapes whose inputs would take more than `budget` bytes
/// (each input, then all of one request's inputs together), before anything
/// is allocated. `shapes` are the full request shapes from [`resolve_shapes`](super::resolve_shapes).
pub fn check_request_bytes(inputs: &[TensorSpec], shapes: &[(String, Vec<i64>)], strings: &StringOptions, budget: u64) -> Result<u128, InputError> {
    let limit = || crate::limits::describe_budget(budget);
    let mut total = 0u128;
    for (name, shape) in shapes {
        let Some(spec) = inputs.iter().find(|s| s.name == *name) else { continue };
        let Some(bytes) = input_bytes(spec, shape, strings) else { continue };
        if bytes > u128::from(budget) {
            return Err(InputError::InputTooLarge {
                what: format!("input `{name}` ({}, request shape {})", spec.datatype, shape_to_string(shape)),
                bytes,
                limit: limit(),
                fix: "use a smaller --shape or batch size (-b)".to_string(),
            });
        }
        total = total.saturating_add(bytes);
    }
    if total > u128::from(budget) {
        let list = shapes.iter().map(|(n, s)| format!("{n} {}", shape_to_string(s))).collect::<Vec<_>>().join(", ");
        return Err(InputError::InputTooLarge { what: format!("one request's inputs together ({list})"), bytes: total, limit: limit(), fix: "use smaller --shape values or batch size (-b)".to_string() });
    }
    Ok(total)
}
