//! Tensor bytes, the one codec for them: Triton's `BYTES` element layout
//! (each element a little-endian `u32` length followed by its bytes),
//! FP16/BF16 element bits (the `half` crate) and base64 tensor payloads (the
//! `base64` crate, with the positions and wording our error messages use).

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::{alphabet, DecodeError, Engine as _};

/// Appends one `BYTES` element to `out`: its length as a little-endian `u32`,
/// then its bytes. Triton cannot express an element of 4 GiB or more; callers
/// bound element sizes well below that.
pub fn push_bytes_element(out: &mut Vec<u8>, item: &[u8]) {
    out.extend_from_slice(&(item.len() as u32).to_le_bytes());
    out.extend_from_slice(item);
}

/// Encodes `items` as a Triton `BYTES` tensor (4-byte little-endian length +
/// bytes, per element).
pub fn encode_bytes<T: AsRef<[u8]>>(items: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.iter().map(|i| 4 + i.as_ref().len()).sum());
    for i in items {
        push_bytes_element(&mut out, i.as_ref());
    }
    out
}

/// Decodes a Triton `BYTES` tensor into its elements; `None` if the framing
/// is broken (a truncated length or an element running past the end).
pub fn decode_bytes(mut data: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let len = u32::from_le_bytes(data.get(..4)?.try_into().ok()?) as usize;
        out.push(data.get(4..4usize.checked_add(len)?)?.to_vec());
        data = &data[4 + len..];
    }
    Some(out)
}

/// Counts the elements of a Triton `BYTES` tensor without copying them;
/// `Err` describes where the framing is broken.
pub fn count_bytes_elements(bytes: &[u8]) -> Result<u64, String> {
    let mut pos = 0usize;
    let mut n = 0u64;
    while pos < bytes.len() {
        let Some(hdr) = bytes.get(pos..pos + 4) else {
            return Err(format!(
                "{} stray bytes at offset {pos} where a 4-byte length was expected",
                bytes.len() - pos
            ));
        };
        let len = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
        pos += 4;
        if bytes.len() - pos < len {
            return Err(format!(
                "element {n} declares {len} bytes but only {} remain",
                bytes.len() - pos
            ));
        }
        pos += len;
        n += 1;
    }
    Ok(n)
}

/// IEEE-754 binary16 bits of `x`, rounding to nearest even (overflow gives
/// infinity, NaN stays NaN).
pub fn f32_to_f16_bits(x: f32) -> u16 {
    half::f16::from_f32(x).to_bits()
}

/// bfloat16 bits of `x`, rounding to nearest even (NaN stays a quiet NaN).
pub fn f32_to_bf16_bits(x: f32) -> u16 {
    half::bf16::from_f32(x).to_bits()
}

/// Standard alphabet, canonical (no stray trailing bits); padding is checked
/// and removed by [`decode_base64`] before the engine sees the symbols.
const BASE64_UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes standard base64 (RFC 4648 alphabet `A-Z a-z 0-9 + /`). ASCII
/// whitespace is ignored, `=` padding is optional but, when present, must be
/// the right amount and only at the end. Returns a message naming the
/// offending position (in `s`) on error.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut symbols = Vec::with_capacity(s.len());
    let mut padding = 0usize;
    for (pos, c) in s.bytes().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding += 1;
            if padding > 2 {
                return Err(format!("too much '=' padding at character {pos}"));
            }
            continue;
        }
        if padding > 0 {
            return Err(format!("data after '=' padding at character {pos}"));
        }
        if !(c.is_ascii_alphanumeric() || c == b'+' || c == b'/') {
            return Err(format!("invalid character {:?} at position {pos}", char::from(c)));
        }
        symbols.push(c);
    }
    match symbols.len() % 4 {
        1 => return Err("truncated input (a lone final character)".to_string()),
        r => {
            if padding > 0 && (r == 0 || r + padding != 4) {
                return Err("wrong amount of '=' padding".to_string());
            }
        }
    }
    BASE64_UNPADDED.decode(&symbols).map_err(|e| match e {
        DecodeError::InvalidLastSymbol(..) => "non-zero trailing bits (not canonical base64)".to_string(),
        other => other.to_string(),
    })
}
