//! perf_analyzer's `--input-data DIR`: one file per input, named after the
//! input, holding the data of one batch-1 request: the raw little-endian
//! bytes in row-major order for fixed-size datatypes, or for `BYTES` a text
//! file with one string per line (row-major). A request of batch size `b`
//! repeats that data `b` times, as perf_analyzer does. The directory gives
//! one data set: every request carries the same data.

use std::path::Path;

use super::{element_count, parse_dtype, shape_to_string, InputError, Step, TensorSpec};

fn bad(path: &Path, reason: String) -> InputError {
    InputError::InputDir { path: path.to_path_buf(), reason }
}

/// Loads `dir` for `inputs` at their request `shapes` (batch dimension
/// first when `max_batch_size > 0`), at most `budget` bytes in all.
pub fn load_input_dir(dir: &Path, inputs: &[TensorSpec], shapes: &[(String, Vec<i64>)], max_batch_size: u32, budget: u64) -> Result<Step, InputError> {
    let mut step = Vec::new();
    let mut total: u128 = 0;
    for (spec, (name, shape)) in inputs.iter().zip(shapes) {
        let dtype = parse_dtype(spec)?;
        let path = dir.join(name);
        let (batch, per_request) = match (max_batch_size > 0, shape.split_first()) {
            (true, Some((b, rest))) => (*b, rest),
            _ => (1, &shape[..]),
        };
        let count = element_count(per_request).and_then(|c| usize::try_from(c).ok()).ok_or_else(|| bad(&path, format!("input `{name}` has no fixed shape ({}); give it with --shape", shape_to_string(shape))))?;
        let meta = std::fs::metadata(&path).map_err(|e| bad(&path, format!("no readable file for input `{name}` ({e}); the directory needs one file per input, named after it")))?;
        if u128::from(meta.len()) * batch.max(1) as u128 + total > u128::from(budget) {
            return Err(bad(&path, format!("the data exceeds tritium's input budget of {budget} bytes; use smaller inputs")));
        }
        let raw = std::fs::read(&path).map_err(|e| bad(&path, format!("cannot read it: {e}")))?;
        let one: Vec<u8> = match dtype.byte_size() {
            Some(size) => {
                let want = count.saturating_mul(size);
                if raw.len() != want {
                    return Err(bad(&path, format!("{} bytes, but input `{name}` ({}, shape {} per request) takes {want} bytes: {count} elements of {size} bytes, raw row-major", raw.len(), spec.datatype, shape_to_string(per_request))));
                }
                raw
            }
            // BYTES: one string per line, each serialized as Triton expects
            // (u32 little-endian length, then the bytes).
            None => {
                let text = String::from_utf8(raw).map_err(|_| bad(&path, format!("input `{name}` is BYTES: the file must be text, one string per line")))?;
                let lines: Vec<&str> = text.lines().collect();
                if lines.len() != count {
                    return Err(bad(&path, format!("{} lines, but input `{name}` (BYTES, shape {} per request) takes {count} strings, one per line", lines.len(), shape_to_string(per_request))));
                }
                let mut out = Vec::new();
                for l in lines {
                    out.extend_from_slice(&(l.len() as u32).to_le_bytes());
                    out.extend_from_slice(l.as_bytes());
                }
                out
            }
        };
        let bytes = one.repeat(usize::try_from(batch.max(1)).unwrap_or(1));
        total += bytes.len() as u128;
        step.push((name.clone(), shape.clone(), bytes));
    }
    Ok(step)
}
