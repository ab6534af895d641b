//! perf_analyzer `--input-data` JSON files: reading the document, its
//! entries and streams, the memory budget, and batching consecutive entries
//! into requests.

use std::path::Path;

use serde_json::Value;

use super::error::{DataLocation, InputError};
use super::json_tensor::{read_tensor, EntryCtx, InputPlan};
use super::shapes::{input_names, sample_model_shape, shape_to_string};
use super::{parse_dtype, TensorSpec};

/// One request's inputs: `(name, shape, raw bytes)` per model input, in the
/// order of the `inputs` slice passed to the loader.
pub type Step = Vec<(String, Vec<i64>, Vec<u8>)>;

/// Loads a perf_analyzer `--input-data` JSON file where every entry is one
/// whole request (no batch concatenation).
///
/// Equivalent to [`load_input_data_batched`](super::load_input_data_batched) with `max_batch_size = 0`:
/// each entry's tensors must have the full request shape given in `shapes`
/// (or their own `"shape"`, checked against `inputs[i].shape`). For a
/// batching model with batch size 1 a perf_analyzer file without `"shape"`
/// fields also works here; in general prefer [`load_input_data_batched`](super::load_input_data_batched),
/// which implements perf_analyzer's batching semantics.
pub fn load_input_data(
    path: &Path,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
) -> Result<Vec<Step>, InputError> {
    load_input_data_batched(path, inputs, shapes, 0)
}

/// Loads a perf_analyzer `--input-data` JSON file (perf_analyzer's
/// `docs/input_data.md`, `DataLoader::ParseData`/`ReadTensorData`).
///
/// Format: `{"data": [entry, entry, ...]}` where each entry maps every model
/// input name to either
/// - a flat (row-major) array of values: numbers for numeric types
///   (integers range-checked, floats may be written as integers, `"NaN"` /
///   `"Infinity"` / `"-Infinity"` strings accepted for floats), `true`/
///   `false`/`0`/`1` for BOOL, strings for BYTES; nested arrays are
///   flattened;
/// - `{"content": [...], "shape": [d, ...]}` (`"shape"` optional);
/// - `{"b64": "..."}` or `{"content": {"b64": "..."}, "shape": [...]}`:
///   base64 of the raw little-endian bytes (BYTES: u32 length-prefixed
///   elements, as perf_analyzer requires).
///
/// The multi-stream form `{"data": [[entry, ...], [entry, ...]]}` (one
/// array per sequence stream) is flattened stream after stream into one
/// list of steps; mixing the two forms is an error (as in perf_analyzer).
/// Other top-level keys (e.g. `"validation_data"`) are ignored.
///
/// `shapes` are the request shapes from [`resolve_shapes`](super::resolve_shapes) (or
/// [`resolve_shapes_allow_variable`](super::resolve_shapes_allow_variable)), in any order, one per input.
///
/// Batching (`max_batch_size > 0`), as perf_analyzer does it: every entry
/// holds **one sample** (shapes exclude the batch dimension) and the
/// request built from step `k` concatenates entries `k, k+1, …, k+B−1`
/// (wrapping around), where `B = shapes[..][0]` is the batch size; the
/// returned shape is `[B, sample...]` and all B samples must share a shape.
/// One request per entry is returned, so requests can cycle through them
/// round-robin. Without batching each entry is one request.
///
/// An entry's `"shape"` replaces the `--shape` default for that entry; it is
/// checked against the model's metadata shape (perf_analyzer checks it
/// against the `--shape` value when one is given).
///
/// Errors name the file and, where relevant, the entry (`data[3]` or
/// `data[stream][step]` plus the flattened step index) and input.
pub fn load_input_data_batched(
    path: &Path,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
    max_batch_size: u32,
) -> Result<Vec<Step>, InputError> {
    load_input_data_limited(path, inputs, shapes, max_batch_size, crate::limits::MAX_INPUT_BYTES)
}

/// [`load_input_data_batched`](super::load_input_data_batched) within a memory budget: a file larger than
/// `budget / JSON_EXPANSION` is refused before it is read (its parsed form
/// takes several times the text), and the requests built from it (every
/// step, batched) must fit in `budget` bytes; checked before they are built.
pub fn load_input_data_limited(
    path: &Path,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
    max_batch_size: u32,
    budget: u64,
) -> Result<Vec<Step>, InputError> {
    use crate::limits::{describe_budget, human_bytes, JSON_EXPANSION};
    if let Ok(m) = std::fs::metadata(path) {
        let text_limit = budget / JSON_EXPANSION;
        if m.is_file() && m.len() > text_limit {
            return Err(InputError::InputTooLarge {
                what: format!("input data file {}", path.display()),
                bytes: u128::from(m.len()),
                limit: format!("{} for the JSON text (its parsed form takes up to {JSON_EXPANSION} times as much; budget {})", human_bytes(u128::from(text_limit)), describe_budget(budget)),
                fix: "split the file, or give its tensors as \"b64\"".to_string(),
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(|source| InputError::FileRead {
        path: path.to_path_buf(),
        source,
    })?;
    let json: Value = serde_json::from_str(&text).map_err(|e| InputError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    drop(text);
    parse_input_json(path, &json, inputs, shapes, max_batch_size, budget)
}

fn parse_input_json(
    path: &Path,
    json: &Value,
    inputs: &[TensorSpec],
    shapes: &[(String, Vec<i64>)],
    max_batch_size: u32,
    budget: u64,
) -> Result<Vec<Step>, InputError> {
    let format = |at: &str, message: &str| InputError::Format {
        path: path.to_path_buf(),
        at: at.to_string(),
        message: message.to_string(),
    };
    let batching = max_batch_size > 0;

    // Per-input plan.
    let mut plans = Vec::with_capacity(inputs.len());
    let mut batch: u64 = 1;
    for spec in inputs {
        let dtype = parse_dtype(spec)?;
        let model = sample_model_shape(spec, batching)?;
        let resolved = shapes
            .iter()
            .find(|(n, _)| *n == spec.name)
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&spec.shape);
        let default = if batching {
            match resolved.split_first() {
                Some((&b, rest)) => {
                    if b > 0 {
                        batch = b as u64;
                    }
                    rest.to_vec()
                }
                None => Vec::new(),
            }
        } else {
            resolved.to_vec()
        };
        plans.push(InputPlan {
            spec,
            dtype,
            model,
            default,
        });
    }

    let Some(obj) = json.as_object() else {
        return Err(format(
            "the top level",
            "expected a JSON object with a \"data\" array",
        ));
    };
    let Some(data) = obj.get("data") else {
        return Err(format("the top level", "missing \"data\" field"));
    };
    let Some(data) = data.as_array() else {
        return Err(format("data", "\"data\" must be an array"));
    };

    // Flatten streams into (location, entry).
    let mut entries: Vec<(String, &serde_json::Map<String, Value>)> = Vec::new();
    let multi_stream = data.first().map(Value::is_array).unwrap_or(false);
    for (s, item) in data.iter().enumerate() {
        match (item, multi_stream) {
            (Value::Object(o), false) => entries.push((format!("data[{s}]"), o)),
            (Value::Array(steps), true) => {
                for (k, step) in steps.iter().enumerate() {
                    match step {
                        Value::Object(o) => entries.push((format!("data[{s}][{k}]"), o)),
                        _ => {
                            return Err(format(
                                &format!("data[{s}][{k}]"),
                                "each step of a stream must be an object mapping input names to tensors",
                            ))
                        }
                    }
                }
            }
            (Value::Object(_), true) | (Value::Array(_), false) => {
                return Err(format(
                    &format!("data[{s}]"),
                    "can not have a combination of objects and arrays inside the \"data\" array",
                ))
            }
            _ => {
                return Err(format(
                    &format!("data[{s}]"),
                    "each entry must be an object mapping input names to tensors (or an array of such objects, one per stream)",
                ))
            }
        }
    }
    if entries.is_empty() {
        return Err(format("data", "no entries; give at least one"));
    }

    // Read every entry's samples.
    let mut samples: Vec<Vec<(Vec<i64>, Vec<u8>)>> = Vec::with_capacity(entries.len());
    for (step, (at, entry)) in entries.iter().enumerate() {
        for key in entry.keys() {
            if !inputs.iter().any(|i| i.name == *key) {
                return Err(InputError::UnknownInput {
                    loc: Box::new(DataLocation {
                        path: path.to_path_buf(),
                        step,
                        at: at.clone(),
                        input: key.clone(),
                    }),
                    available: input_names(inputs),
                });
            }
        }
        let mut row = Vec::with_capacity(plans.len());
        for plan in &plans {
            let name = plan.spec.name.as_str();
            let Some(tensor) = entry.get(name) else {
                return Err(InputError::MissingInput {
                    loc: Box::new(DataLocation {
                        path: path.to_path_buf(),
                        step,
                        at: at.clone(),
                        input: name.to_string(),
                    }),
                });
            };
            let ctx = EntryCtx {
                path,
                step,
                at,
                name,
            };
            row.push(read_tensor(&ctx, plan, tensor)?);
        }
        samples.push(row);
    }

    // The requests built below: every step holds `batch` samples (one without batching).
    let sample_total = samples.iter().flatten().fold(0u128, |acc, (_, b)| acc.saturating_add(b.len() as u128));
    let built = sample_total.saturating_mul(if batching { u128::from(batch) } else { 1 });
    if built > u128::from(budget) {
        return Err(InputError::InputTooLarge {
            what: format!("the requests built from input data file {} ({} entries{})", path.display(), samples.len(), if batching { format!(", {batch} samples per request") } else { String::new() }),
            bytes: built,
            limit: crate::limits::describe_budget(budget),
            fix: "use fewer entries or a smaller batch size (-b)".to_string(),
        });
    }

    if !batching {
        return Ok(samples
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .zip(&plans)
                    .map(|((shape, bytes), p)| (p.spec.name.clone(), shape, bytes))
                    .collect()
            })
            .collect());
    }

    // Batch B consecutive samples per request (perf_analyzer's
    // InferDataManagerBase::GetInputData: local_step = (step + i) % steps).
    let n = samples.len();
    let mut steps = Vec::with_capacity(n);
    for k in 0..n {
        let mut step = Vec::with_capacity(plans.len());
        for (j, plan) in plans.iter().enumerate() {
            let (first_shape, _) = &samples[k][j];
            let mut bytes = Vec::new();
            for i in 0..batch as usize {
                let idx = (k + i) % n;
                let (shape, b) = &samples[idx][j];
                if shape != first_shape {
                    return Err(InputError::BatchShapes {
                        path: path.to_path_buf(),
                        name: plan.spec.name.clone(),
                        step: k,
                        shape: shape_to_string(first_shape),
                        other_step: idx,
                        other_shape: shape_to_string(shape),
                        batch_size: batch,
                    });
                }
                bytes.extend_from_slice(b);
            }
            let mut full = Vec::with_capacity(first_shape.len() + 1);
            full.push(batch as i64);
            full.extend_from_slice(first_shape);
            step.push((plan.spec.name.clone(), full, bytes));
        }
        steps.push(step);
    }
    Ok(steps)
}
