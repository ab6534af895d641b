//! Tests of the tensor-bytes codec: BYTES framing, FP16/BF16 bits, base64.

use super::super::tensor::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

#[test]
fn bytes_tensor_round_trip() {
    let items: Vec<&[u8]> = vec![b"ab", b"", b"Cd\xff"];
    let enc = encode_bytes(&items);
    assert_eq!(enc.len(), 4 * 3 + 2 + 3); // three length prefixes + "hi" + "" + "abc"
    assert_eq!(&enc[..4], &2u32.to_le_bytes());
    let dec = decode_bytes(&enc).unwrap();
    assert_eq!(dec, vec![b"ab".to_vec(), vec![], b"Cd\xff".to_vec()]);
}

#[test]
fn broken_bytes_tensor_is_none() {
    assert!(decode_bytes(&[5, 0, 0, 0, b'a']).is_none());
    assert!(decode_bytes(&[1, 0]).is_none());
}

#[test]
fn bytes_elements_are_counted_or_the_break_named() {
    let mut enc = Vec::new();
    push_bytes_element(&mut enc, b"abc");
    push_bytes_element(&mut enc, b"");
    assert_eq!(count_bytes_elements(&enc), Ok(2));
    assert_eq!(count_bytes_elements(&[]), Ok(0));
    assert!(count_bytes_elements(&[1, 0]).unwrap_err().contains("stray bytes at offset 0"));
    assert!(count_bytes_elements(&[5, 0, 0, 0, b'a']).unwrap_err().contains("declares 5 bytes but only 1 remain"));
}

#[test]
fn f16_conversion() {
    assert_eq!(f32_to_f16_bits(0.0), 0x0000);
    assert_eq!(f32_to_f16_bits(-0.0), 0x8000);
    assert_eq!(f32_to_f16_bits(1.0), 0x3c00);
    assert_eq!(f32_to_f16_bits(-2.0), 0xc000);
    assert_eq!(f32_to_f16_bits(0.5), 0x3800);
    assert_eq!(f32_to_f16_bits(65504.0), 0x7bff);
    assert_eq!(f32_to_f16_bits(65520.0), 0x7c00); // rounds up to inf
    assert_eq!(f32_to_f16_bits(65519.0), 0x7bff);
    assert_eq!(f32_to_f16_bits(f32::INFINITY), 0x7c00);
    assert_eq!(f32_to_f16_bits(f32::NEG_INFINITY), 0xfc00);
    assert!(
        f32_to_f16_bits(f32::NAN) & 0x7c00 == 0x7c00 && f32_to_f16_bits(f32::NAN) & 0x3ff != 0
    );
    assert_eq!(f32_to_f16_bits(2f32.powi(-24)), 0x0001); // smallest subnormal
    assert_eq!(f32_to_f16_bits(2f32.powi(-25)), 0x0000); // tie -> even (0)
    assert_eq!(f32_to_f16_bits(2f32.powi(-14)), 0x0400); // smallest normal
    assert_eq!(f32_to_f16_bits(1.0 / 3.0), 0x3555);
    assert_eq!(f32_to_f16_bits(1.0 + 2f32.powi(-11)), 0x3c00); // tie -> even
    assert_eq!(f32_to_f16_bits(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02); // tie -> even (up)
}

#[test]
fn bf16_conversion() {
    assert_eq!(f32_to_bf16_bits(1.0), 0x3f80);
    assert_eq!(f32_to_bf16_bits(-2.0), 0xc000);
    assert_eq!(f32_to_bf16_bits(f32::INFINITY), 0x7f80);
    assert_eq!(f32_to_bf16_bits(f32::from_bits(0x3f80_8000)), 0x3f80); // tie -> even
    assert_eq!(f32_to_bf16_bits(f32::from_bits(0x3f81_8000)), 0x3f82); // tie -> even
    assert_eq!(f32_to_bf16_bits(f32::from_bits(0x3f80_8001)), 0x3f81);
    assert!(f32::from_bits(u32::from(f32_to_bf16_bits(f32::NAN)) << 16).is_nan());
    assert_eq!(f32_to_bf16_bits(f32::MAX), 0x7f80); // overflows to inf
}

#[test]
fn base64_decoding() {
    assert_eq!(
        decode_base64("YmFzZTY0IGRlY29kZXI=").unwrap(),
        b"base64 decoder"
    );
    assert_eq!(decode_base64("").unwrap(), b"");
    assert_eq!(decode_base64("Zg==").unwrap(), b"f");
    assert_eq!(decode_base64("Zg").unwrap(), b"f");
    assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
    assert_eq!(decode_base64("Zm9v").unwrap(), b"foo");
    assert_eq!(decode_base64("Zm9v\nYmFy").unwrap(), b"foobar");
    let all: Vec<u8> = (0..=255u8).collect();
    assert_eq!(decode_base64(&STANDARD.encode(&all)).unwrap(), all);
    assert!(decode_base64("Zm9v!")
        .unwrap_err()
        .contains("invalid character"));
    assert!(decode_base64("Z").is_err());
    assert!(decode_base64("Zg==Zg==").unwrap_err().contains("after '='"));
    assert!(decode_base64("Zg===").is_err());
    assert!(decode_base64("Zm9v=").is_err());
    assert!(decode_base64("Zh==").unwrap_err().contains("trailing bits"));
    // Exact texts and positions (in the given string, whitespace included).
    assert_eq!(decode_base64("Zm 9v!").unwrap_err(), "invalid character '!' at position 5");
    assert_eq!(decode_base64("Zg==\nZg").unwrap_err(), "data after '=' padding at character 5");
    assert_eq!(decode_base64("Zg===").unwrap_err(), "too much '=' padding at character 4");
    assert_eq!(decode_base64("Zg=").unwrap_err(), "wrong amount of '=' padding");
    assert_eq!(decode_base64("Zm9v=").unwrap_err(), "wrong amount of '=' padding");
    assert_eq!(decode_base64("Zm9vY").unwrap_err(), "truncated input (a lone final character)");
    assert_eq!(decode_base64("Zh==").unwrap_err(), "non-zero trailing bits (not canonical base64)");
    assert_eq!(decode_base64(" Zm8 = ").unwrap(), b"fo");
}

