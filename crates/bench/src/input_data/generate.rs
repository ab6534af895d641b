//! Generated request data: deterministic pseudo-random or zero tensors
//! ([`generate`](super::generate)).

use super::budget::input_bytes;
use super::error::InputError;
use super::shapes::{element_count, shape_fit, shape_to_string};
use super::{parse_dtype, InputSource, StringOptions, TensorSpec, RANDOM_INT_RANGE, RANDOM_STRING_CHARSET};
use tritium_model::tensor::{f32_to_bf16_bits, f32_to_f16_bits, push_bytes_element};
use tritium_model::DataType;

/// splitmix64: small, fast, good enough for benchmark payloads.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; tiny modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

fn rng_for(seed: u64, name: &str, stream: u64) -> SplitMix64 {
    let mut pre = SplitMix64(seed ^ tritium_util::fnv1a(name.as_bytes()).rotate_left(21));
    let a = pre.next_u64();
    SplitMix64(a ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

fn random_string(rng: &mut SplitMix64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| RANDOM_STRING_CHARSET[rng.below(RANDOM_STRING_CHARSET.len() as u64) as usize])
        .collect()
}

/// Builds one input tensor's raw bytes for a request of shape `shape`.
///
/// `shape` is the full request shape (from [`resolve_shapes`](super::resolve_shapes)); it must be
/// fully specified and fit `spec.shape` (same rank, fixed dimensions equal).
///
/// - [`InputSource::Random`]: deterministic in `(seed, spec.name, stream)`
///   (splitmix64), so every worker/stream can get different but reproducible
///   data. Floats (FP16/BF16/FP32/FP64) uniform in `[0, 1)` (FP16 on a
///   2⁻¹¹ grid and BF16 on a 2⁻⁸ grid so they are exact), integers uniform
///   in `0..100` ([`RANDOM_INT_RANGE`]), BOOL 0/1. perf_analyzer instead
///   fills one buffer with `rand()` bytes, once for all inputs.
/// - [`InputSource::Zero`]: all-zero bytes. For `BYTES`, mirroring
///   perf_analyzer's `--input-data=zero` (`DataLoader::GenerateData`, where
///   `zero_input` only affects non-string inputs): every element is
///   `strings.data` when given, otherwise a random string of
///   `strings.length` characters (deterministic, seed 0).
/// - `BYTES` (random or zero): each element is `strings.data` when given
///   (`--string-data`), otherwise `strings.length` characters drawn from
///   perf_analyzer's [`RANDOM_STRING_CHARSET`] (alphanumerics plus `" .?!"`),
///   serialized as Triton expects (u32 little-endian length, then the bytes).
/// - [`InputSource::File`]: an error; use [`load_input_data_batched`](super::load_input_data_batched).
pub fn generate(
    spec: &TensorSpec,
    shape: &[i64],
    source: &InputSource,
    strings: &StringOptions,
    stream: u64,
) -> Result<Vec<u8>, InputError> {
    let dtype = parse_dtype(spec)?;
    shape_fit(shape, &spec.shape).map_err(|reason| InputError::RequestShape {
        name: spec.name.clone(),
        shape: shape_to_string(shape),
        model: shape_to_string(&spec.shape),
        reason,
    })?;
    if shape.iter().any(|&d| d < 0) {
        return Err(InputError::RequestShape {
            name: spec.name.clone(),
            shape: shape_to_string(shape),
            model: shape_to_string(&spec.shape),
            reason: "it still has a variable (-1) dimension".to_string(),
        });
    }
    let too_large = || InputError::TooLarge {
        name: spec.name.clone(),
        shape: shape_to_string(shape),
    };
    let count = element_count(shape)
        .and_then(|c| usize::try_from(c).ok())
        .ok_or_else(too_large)?;

    let seed = match source {
        InputSource::Random { seed } => *seed,
        InputSource::Zero => 0,
        InputSource::File(path) | InputSource::Dir(path) => {
            return Err(InputError::FileSourceNotGenerated {
                name: spec.name.clone(),
                path: path.clone(),
            })
        }
        InputSource::Files(paths) => {
            return Err(InputError::FileSourceNotGenerated {
                name: spec.name.clone(),
                path: paths.first().cloned().unwrap_or_default(),
            })
        }
    };
    let mut rng = rng_for(seed, &spec.name, stream);

    // Never allocate what cannot be had: a huge shape is an error, not an abort.
    let cap = crate::limits::MAX_INPUT_BYTES;
    if let Some(bytes) = input_bytes(spec, shape, strings) {
        if bytes > u128::from(cap) {
            return Err(InputError::InputTooLarge {
                what: format!("input `{}` ({}, request shape {})", spec.name, spec.datatype, shape_to_string(shape)),
                bytes,
                limit: crate::limits::describe_budget(cap),
                fix: "use a smaller --shape or batch size (-b)".to_string(),
            });
        }
    }
    let Some(size) = dtype.byte_size() else {
        // BYTES
        let mut out = Vec::new();
        match &strings.data {
            Some(d) => {
                for _ in 0..count {
                    push_bytes_element(&mut out, d.as_bytes());
                }
            }
            None => {
                let len = u32::try_from(strings.length).map_err(|_| too_large())? as usize;
                let per = len.checked_add(4).ok_or_else(too_large)?;
                out.reserve(count.checked_mul(per).ok_or_else(too_large)?);
                for _ in 0..count {
                    let s = random_string(&mut rng, len);
                    push_bytes_element(&mut out, &s);
                }
            }
        }
        return Ok(out);
    };

    let nbytes = count.checked_mul(size).ok_or_else(too_large)?;
    if matches!(source, InputSource::Zero) {
        return Ok(vec![0u8; nbytes]);
    }
    let mut out = Vec::with_capacity(nbytes);
    for _ in 0..count {
        match dtype {
            DataType::Bool => out.push((rng.next_u64() & 1) as u8),
            DataType::Uint8 | DataType::Int8 => out.push(rng.below(RANDOM_INT_RANGE) as u8),
            DataType::Uint16 | DataType::Int16 => {
                out.extend_from_slice(&(rng.below(RANDOM_INT_RANGE) as u16).to_le_bytes())
            }
            DataType::Uint32 | DataType::Int32 => {
                out.extend_from_slice(&(rng.below(RANDOM_INT_RANGE) as u32).to_le_bytes())
            }
            DataType::Uint64 | DataType::Int64 => {
                out.extend_from_slice(&rng.below(RANDOM_INT_RANGE).to_le_bytes())
            }
            DataType::Fp16 => {
                let v = rng.below(2048) as f32 / 2048.0;
                out.extend_from_slice(&f32_to_f16_bits(v).to_le_bytes())
            }
            DataType::Bf16 => {
                let v = rng.below(256) as f32 / 256.0;
                out.extend_from_slice(&f32_to_bf16_bits(v).to_le_bytes())
            }
            DataType::Fp32 => {
                let v = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
                out.extend_from_slice(&v.to_le_bytes())
            }
            DataType::Fp64 => {
                let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                out.extend_from_slice(&v.to_le_bytes())
            }
            DataType::Bytes => {} // handled above
        }
    }
    Ok(out)
}
