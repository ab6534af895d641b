//! Checks responses against the model's metadata: Triton does not check what
//! a backend returns (a Python model may answer FP64 for a declared FP32
//! output, or the wrong shape), so a response can be "successful" and wrong.
//!
//! Used by `tritium models --infer` and `tritium doctor` (always) and by
//! `tritium bench --validate` (every response; a mismatch counts as a failed
//! request of kind `output mismatch: ...`).

use tritium_model::{DataType, ModelMetadata};
use tritium_triton::response::MemoryKind;
use tritium_triton::Response;

/// One declared output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// Output name.
    pub name: String,
    /// Declared wire datatype (`FP32`, `BYTES`, ...).
    pub datatype: String,
    /// Declared shape, batch dimension included for a batching model; `-1` = any size.
    pub shape: Vec<i64>,
}

/// What a response returned for one output (the parts that are checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned<'a> {
    /// Output name.
    pub name: &'a str,
    /// Wire datatype.
    pub datatype: &'a str,
    /// Shape.
    pub shape: &'a [i64],
    /// Size of the data in bytes.
    pub byte_size: usize,
    /// The bytes when they are in host memory (used to check BYTES tensors).
    pub host_bytes: Option<&'a [u8]>,
}

/// The outputs a model declares, and the batch size requests are sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputCheck {
    /// Model name (for messages).
    pub model: String,
    /// Declared outputs.
    pub outputs: Vec<OutputSpec>,
    /// Whether the model batches (max_batch_size > 0): the first dimension is the batch.
    pub batching: bool,
    /// Batch size of the requests (the first dimension of every output when batching).
    pub batch_size: u32,
}

impl OutputCheck {
    /// The check for requests of `batch_size` to a model with this metadata and `max_batch_size`.
    pub fn from_metadata(meta: &ModelMetadata, max_batch_size: u32, batch_size: u32) -> OutputCheck {
        OutputCheck {
            model: meta.name.clone(),
            outputs: meta.outputs.iter().map(|t| OutputSpec { name: t.name.clone(), datatype: t.datatype.clone(), shape: t.shape.clone() }).collect(),
            batching: max_batch_size > 0,
            batch_size,
        }
    }

    /// Checks a response's outputs; `Err` says what does not match (every output concerned).
    pub fn check(&self, resp: &Response) -> Result<(), String> {
        let outs = resp.outputs().map_err(|e| format!("cannot read the response's outputs: {e}"))?;
        let returned: Vec<Returned<'_>> = outs
            .iter()
            .map(|o| Returned { name: o.name, datatype: o.datatype, shape: o.shape, byte_size: o.byte_size(), host_bytes: if matches!(o.memory, MemoryKind::Gpu(_)) { None } else { o.host_bytes() } })
            .collect();
        self.check_returned(&returned)
    }

    /// [`check`](Self::check) on outputs already read.
    pub fn check_returned(&self, returned: &[Returned<'_>]) -> Result<(), String> {
        let mut problems = Vec::new();
        for spec in &self.outputs {
            match returned.iter().find(|r| r.name == spec.name) {
                None => problems.push(format!("{} is missing from the response", spec.name)),
                Some(r) => {
                    if let Err(p) = self.check_one(spec, r) {
                        problems.push(p);
                    }
                }
            }
        }
        for r in returned {
            if !self.outputs.iter().any(|s| s.name == r.name) {
                problems.push(format!("{} is not an output the model declares", r.name));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    fn check_one(&self, spec: &OutputSpec, r: &Returned<'_>) -> Result<(), String> {
        let name = &spec.name;
        if r.datatype != spec.datatype {
            return Err(format!("{name} is {} but the model declares {}", r.datatype, spec.datatype));
        }
        let declared = fmt_shape(&spec.shape);
        let got = fmt_shape(r.shape);
        if r.shape.len() != spec.shape.len() {
            return Err(format!("{name} has shape {got} but the model declares {declared} ({} dimensions, not {})", r.shape.len(), spec.shape.len()));
        }
        for (i, (&g, &d)) in r.shape.iter().zip(&spec.shape).enumerate() {
            if g < 0 {
                return Err(format!("{name} has shape {got}: dimension {} is negative", i + 1));
            }
            if self.batching && i == 0 {
                if g != i64::from(self.batch_size) {
                    return Err(format!("{name} has shape {got}: its batch dimension is {g} but the request's batch size is {}", self.batch_size));
                }
            } else if d >= 0 && g != d {
                return Err(format!("{name} has shape {got} but the model declares {declared}"));
            }
        }
        let elements = r.shape.iter().try_fold(1u128, |acc, &d| acc.checked_mul(d as u128));
        match DataType::from_wire(&spec.datatype).and_then(|t| t.byte_size()) {
            Some(size) => {
                let want = elements.and_then(|e| e.checked_mul(size as u128));
                if want != Some(r.byte_size as u128) {
                    return Err(format!(
                        "{name} holds {} bytes but shape {got} of {} needs {}",
                        r.byte_size,
                        spec.datatype,
                        want.map_or_else(|| "more than 2^128".to_string(), |w| w.to_string())
                    ));
                }
            }
            None if spec.datatype == "BYTES" => {
                if let (Some(bytes), Some(n)) = (r.host_bytes, elements) {
                    match count_strings(bytes) {
                        Some(k) if k as u128 == n => {}
                        Some(k) => return Err(format!("{name} holds {k} strings but shape {got} needs {n}")),
                        None => return Err(format!("{name} is not a well-formed BYTES tensor (4-byte length, then the bytes, per element)")),
                    }
                }
            }
            None => {}
        }
        Ok(())
    }
}

fn fmt_shape(s: &[i64]) -> String {
    format!("[{}]", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "))
}

/// Elements of a serialized BYTES tensor; `None` when malformed.
fn count_strings(mut b: &[u8]) -> Option<u64> {
    let mut n = 0;
    while !b.is_empty() {
        let len = u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as usize;
        b = b.get(4..)?;
        b = b.get(len..)?;
        n += 1;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(batching: bool, batch: u32) -> OutputCheck {
        let shape = if batching { vec![-1, 4] } else { vec![4] };
        OutputCheck {
            model: "m".into(),
            outputs: vec![OutputSpec { name: "OUT".into(), datatype: "FP32".into(), shape }, OutputSpec { name: "S".into(), datatype: "BYTES".into(), shape: if batching { vec![-1, -1] } else { vec![-1] } }],
            batching,
            batch_size: batch,
        }
    }

    fn out<'a>(name: &'a str, dt: &'a str, shape: &'a [i64], bytes: usize) -> Returned<'a> {
        Returned { name, datatype: dt, shape, byte_size: bytes, host_bytes: None }
    }

    const TWO_STRINGS: &[u8] = &[1, 0, 0, 0, b'a', 0, 0, 0, 0];

    #[test]
    fn matching_outputs_pass() {
        let s = Returned { host_bytes: Some(TWO_STRINGS), ..out("S", "BYTES", &[2], TWO_STRINGS.len()) };
        check(false, 1).check_returned(&[out("OUT", "FP32", &[4], 16), s.clone()]).unwrap();
        let sb = Returned { shape: &[3, 2], host_bytes: None, ..s.clone() };
        check(true, 3).check_returned(&[out("OUT", "FP32", &[3, 4], 48), sb]).unwrap();
    }

    #[test]
    fn wrong_dtype_shape_size_batch_and_names_are_reported() {
        let s = Returned { host_bytes: Some(TWO_STRINGS), ..out("S", "BYTES", &[2], TWO_STRINGS.len()) };
        let c = check(false, 1);
        let e = c.check_returned(&[out("OUT", "FP64", &[4], 32), s.clone()]).unwrap_err();
        assert!(e.contains("OUT is FP64 but the model declares FP32"), "{e}");
        let e = c.check_returned(&[out("OUT", "FP32", &[2], 8), s.clone()]).unwrap_err();
        assert!(e.contains("OUT has shape [2] but the model declares [4]"), "{e}");
        let e = c.check_returned(&[out("OUT", "FP32", &[2, 2], 16), s.clone()]).unwrap_err();
        assert!(e.contains("2 dimensions, not 1"), "{e}");
        let e = c.check_returned(&[out("OUT", "FP32", &[4], 12), s.clone()]).unwrap_err();
        assert!(e.contains("12 bytes") && e.contains("needs 16"), "{e}");
        let e = c.check_returned(std::slice::from_ref(&s)).unwrap_err();
        assert!(e.contains("OUT is missing"), "{e}");
        let e = c.check_returned(&[out("OUT", "FP32", &[4], 16), s.clone(), out("X", "FP32", &[1], 4)]).unwrap_err();
        assert!(e.contains("X is not an output"), "{e}");
        let bad_s = Returned { shape: &[3], ..s.clone() };
        let e = c.check_returned(&[out("OUT", "FP32", &[4], 16), bad_s]).unwrap_err();
        assert!(e.contains("2 strings") && e.contains("needs 3"), "{e}");
        let torn = Returned { host_bytes: Some(&TWO_STRINGS[..6]), ..s };
        assert!(c.check_returned(&[out("OUT", "FP32", &[4], 16), torn]).unwrap_err().contains("well-formed"));
        // Batching: the first dimension is the request's batch size.
        let sb = Returned { name: "S", datatype: "BYTES", shape: &[2, 1], byte_size: 0, host_bytes: None };
        let e = check(true, 2).check_returned(&[out("OUT", "FP32", &[1, 4], 16), sb]).unwrap_err();
        assert!(e.contains("batch dimension is 1") && e.contains("batch size is 2"), "{e}");
    }

    #[test]
    fn strings_are_counted() {
        assert_eq!(count_strings(&[]), Some(0));
        assert_eq!(count_strings(TWO_STRINGS), Some(2));
        assert_eq!(count_strings(&[9, 0, 0, 0, 1]), None);
        assert_eq!(count_strings(&[1, 0]), None);
    }
}
