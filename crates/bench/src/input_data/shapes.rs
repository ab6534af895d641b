//! Request shapes: `--shape` overrides ([`ShapeOverrides`]), resolving every
//! input's full request shape from the model metadata, and shape helpers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::error::InputError;
use super::TensorSpec;

/// Formats a shape as `[d1, d2, ...]`.
pub fn shape_to_string(shape: &[i64]) -> String {
    let mut s = String::from("[");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{d}");
    }
    s.push(']');
    s
}

pub(super) fn dims_csv(shape: &[i64]) -> String {
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Number of elements of a fully specified shape; `None` if a dimension is
/// negative or the product overflows.
pub fn element_count(shape: &[i64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, &d| {
        if d < 0 {
            None
        } else {
            acc.checked_mul(d as u64)
        }
    })
}

/// `--shape NAME:d1,d2,...` overrides for variable-size inputs.
///
/// As in perf_analyzer, the name is everything before the *last* colon (so
/// names may contain colons), dimensions must be positive integers, and for
/// a batching model the dimensions exclude the batch dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShapeOverrides {
    shapes: BTreeMap<String, Vec<i64>>,
}

impl ShapeOverrides {
    /// Parses repeated `--shape` values. Giving the same input twice with the
    /// same shape is accepted; with different shapes it is an error.
    pub fn parse(args: &[String]) -> Result<Self, InputError> {
        let mut shapes: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for arg in args {
            let syntax = |reason: &str| InputError::ShapeSyntax {
                arg: arg.clone(),
                reason: reason.to_string(),
            };
            let (name, dims) = arg
                .rsplit_once(':')
                .ok_or_else(|| syntax("there must be a colon after the input name"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(syntax("the input name before the colon is empty"));
            }
            if dims.trim().is_empty() {
                return Err(syntax("no dimensions after the colon"));
            }
            let mut shape = Vec::new();
            for (i, d) in dims.split(',').enumerate() {
                let d = d.trim();
                if d.is_empty() {
                    return Err(syntax(&format!("dimension {} is empty", i + 1)));
                }
                let v: i64 = d.parse().map_err(|_| {
                    syntax(&format!("dimension {} (`{d}`) is not an integer", i + 1))
                })?;
                if v <= 0 {
                    return Err(syntax(&format!(
                        "dimension {} is {v}, but dimensions must be > 0",
                        i + 1
                    )));
                }
                shape.push(v);
            }
            if let Some(prev) = shapes.get(name) {
                if *prev != shape {
                    return Err(InputError::ConflictingShape {
                        name: name.to_string(),
                        first: dims_csv(prev),
                        second: dims_csv(&shape),
                    });
                }
            }
            shapes.insert(name.to_string(), shape);
        }
        Ok(ShapeOverrides { shapes })
    }

    /// The override for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&[i64]> {
        self.shapes.get(name).map(Vec::as_slice)
    }

    /// Number of inputs with an override.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// `true` when no `--shape` was given.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// `(name, dims)` pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[i64])> {
        self.shapes.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

pub(super) fn input_names(inputs: &[TensorSpec]) -> String {
    inputs
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares `given` with a model shape where negative dims are wildcards.
pub(super) fn shape_fit(given: &[i64], model: &[i64]) -> Result<(), String> {
    if given.len() != model.len() {
        return Err(format!(
            "{} dimensions given, the model has {}",
            given.len(),
            model.len()
        ));
    }
    for (i, (&g, &m)) in given.iter().zip(model).enumerate() {
        if m >= 0 && g != m {
            return Err(format!(
                "dimension {} is fixed to {m} but {g} was given",
                i + 1
            ));
        }
    }
    Ok(())
}

pub(super) fn check_batch(max_batch_size: u32, batch_size: u32) -> Result<(), InputError> {
    if batch_size == 0 {
        return Err(InputError::ZeroBatch);
    }
    if max_batch_size == 0 && batch_size > 1 {
        return Err(InputError::BatchingUnsupported { batch_size });
    }
    if max_batch_size > 0 && batch_size > max_batch_size {
        return Err(InputError::BatchTooLarge {
            batch_size,
            max_batch_size,
        });
    }
    Ok(())
}

/// The model's per-sample shape: the metadata shape without the batch
/// dimension for a batching model.
pub(super) fn sample_model_shape(spec: &TensorSpec, batching: bool) -> Result<&[i64], InputError> {
    if batching {
        match spec.shape.split_first() {
            Some((_, rest)) => Ok(rest),
            None => Err(InputError::MissingBatchDim {
                name: spec.name.clone(),
            }),
        }
    } else {
        Ok(&spec.shape)
    }
}

fn resolve_inner(
    inputs: &[TensorSpec],
    max_batch_size: u32,
    batch_size: u32,
    overrides: &ShapeOverrides,
    allow_variable: bool,
) -> Result<Vec<(String, Vec<i64>)>, InputError> {
    check_batch(max_batch_size, batch_size)?;
    for (name, _) in overrides.iter() {
        if !inputs.iter().any(|i| i.name == name) {
            return Err(InputError::UnknownShapeInput {
                name: name.to_string(),
                available: input_names(inputs),
            });
        }
    }
    let batching = max_batch_size > 0;
    let mut out = Vec::with_capacity(inputs.len());
    for spec in inputs {
        let model = sample_model_shape(spec, batching)?;
        let sample: Vec<i64> = match overrides.get(&spec.name) {
            Some(ov) => {
                shape_fit(ov, model).map_err(|reason| InputError::ShapeMismatch {
                    name: spec.name.clone(),
                    given: dims_csv(ov),
                    model: shape_to_string(model),
                    reason,
                })?;
                ov.to_vec()
            }
            None => model.to_vec(),
        };
        if !allow_variable && sample.iter().any(|&d| d < 0) {
            let example = sample
                .iter()
                .map(|&d| {
                    if d < 0 {
                        "<size>".to_string()
                    } else {
                        d.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
            return Err(InputError::VariableDim {
                name: spec.name.clone(),
                model_shape: shape_to_string(model),
                example,
            });
        }
        let full = if batching {
            let mut f = Vec::with_capacity(sample.len() + 1);
            f.push(i64::from(batch_size));
            f.extend_from_slice(&sample);
            f
        } else {
            sample
        };
        out.push((spec.name.clone(), full));
    }
    Ok(out)
}

/// Full request shapes for every input, in the order of `inputs`.
///
/// - `max_batch_size > 0`: the metadata shape's first dimension (the batch
///   dimension, `-1`) is replaced by `batch_size`; `--shape` overrides give
///   the remaining dimensions (perf_analyzer semantics).
/// - `max_batch_size == 0`: the metadata shape is the request shape and
///   overrides give all of it.
///
/// Errors: batch size 0, > max_batch_size, or > 1 for a non-batching model;
/// an override naming an unknown input (lists the model's inputs); an
/// override of the wrong rank or contradicting a fixed dimension; a
/// dimension still variable (says to pass `--shape NAME:...`).
pub fn resolve_shapes(
    inputs: &[TensorSpec],
    max_batch_size: u32,
    batch_size: u32,
    overrides: &ShapeOverrides,
) -> Result<Vec<(String, Vec<i64>)>, InputError> {
    resolve_inner(inputs, max_batch_size, batch_size, overrides, false)
}

/// Like [`resolve_shapes`](super::resolve_shapes) but leaves variable dimensions without an override
/// as `-1` instead of failing. Use it with `--input-data` files, whose
/// entries may give each tensor's `"shape"` (perf_analyzer: "there is no
/// need to specify shape as a command line option if all the input data
/// provide shape values for variable tensors"); [`load_input_data_batched`](super::load_input_data_batched)
/// then fails for any entry that leaves a dimension unknown.
pub fn resolve_shapes_allow_variable(
    inputs: &[TensorSpec],
    max_batch_size: u32,
    batch_size: u32,
    overrides: &ShapeOverrides,
) -> Result<Vec<(String, Vec<i64>)>, InputError> {
    resolve_inner(inputs, max_batch_size, batch_size, overrides, true)
}
