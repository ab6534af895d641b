//! Tests of generated (random and zero) request data.

use super::*;

// ---- generate -------------------------------------------------------

#[test]
fn generate_zero() {
    let s = spec("X", "FP32", &[-1, 3]);
    let b = generate(
        &s,
        &[2, 3],
        &InputSource::Zero,
        &StringOptions::default(),
        0,
    )
    .unwrap();
    assert_eq!(b, vec![0u8; 24]);
    let s = spec("B", "BOOL", &[4]);
    let b = generate(&s, &[4], &InputSource::Zero, &StringOptions::default(), 0).unwrap();
    assert_eq!(b, vec![0u8; 4]);
}

#[test]
fn generate_zero_bytes_mirrors_perf_analyzer() {
    let s = spec("T", "BYTES", &[3]);
    let opts = StringOptions {
        length: 5,
        data: None,
    };
    let b = generate(&s, &[3], &InputSource::Zero, &opts, 0).unwrap();
    let strs = strings_of(&b);
    assert_eq!(strs.len(), 3);
    assert!(strs.iter().all(|x| x.len() == 5));
    let opts = StringOptions {
        length: 5,
        data: Some("hi".into()),
    };
    let b = generate(&s, &[3], &InputSource::Zero, &opts, 0).unwrap();
    assert_eq!(strings_of(&b), vec![b"hi".to_vec(); 3]);
}

#[test]
fn generate_random_is_deterministic_and_in_range() {
    let s = spec("X", "FP32", &[-1, 100]);
    let src = InputSource::Random { seed: 7 };
    let o = StringOptions::default();
    let a = generate(&s, &[2, 100], &src, &o, 0).unwrap();
    let b = generate(&s, &[2, 100], &src, &o, 0).unwrap();
    let c = generate(&s, &[2, 100], &src, &o, 1).unwrap();
    let d = generate(&s, &[2, 100], &InputSource::Random { seed: 8 }, &o, 0).unwrap();
    let other_name = generate(&spec("Y", "FP32", &[-1, 100]), &[2, 100], &src, &o, 0).unwrap();
    assert_eq!(a.len(), 800);
    assert_eq!(a, b);
    assert_ne!(a, c, "stream changes data");
    assert_ne!(a, d, "seed changes data");
    assert_ne!(a, other_name, "input name changes data");
    for ch in a.chunks(4) {
        let v = f32::from_le_bytes(ch.try_into().unwrap());
        assert!((0.0..1.0).contains(&v), "{v}");
    }
}

#[test]
fn generate_random_all_dtypes() {
    let src = InputSource::Random { seed: 1 };
    let o = StringOptions::default();
    for (dt, size) in [
        ("BOOL", 1),
        ("UINT8", 1),
        ("INT8", 1),
        ("UINT16", 2),
        ("INT16", 2),
        ("UINT32", 4),
        ("INT32", 4),
        ("UINT64", 8),
        ("INT64", 8),
        ("FP16", 2),
        ("BF16", 2),
        ("FP32", 4),
        ("FP64", 8),
    ] {
        let s = spec("X", dt, &[64]);
        let b = generate(&s, &[64], &src, &o, 3).unwrap();
        assert_eq!(b.len(), 64 * size, "{dt}");
    }
    let b = generate(&spec("X", "BOOL", &[64]), &[64], &src, &o, 0).unwrap();
    assert!(b.iter().all(|&x| x <= 1));
    assert!(b.contains(&0) && b.contains(&1));
    let b = generate(&spec("X", "INT64", &[64]), &[64], &src, &o, 0).unwrap();
    for ch in b.chunks(8) {
        let v = i64::from_le_bytes(ch.try_into().unwrap());
        assert!((0..RANDOM_INT_RANGE as i64).contains(&v));
    }
    let b = generate(&spec("X", "FP16", &[64]), &[64], &src, &o, 0).unwrap();
    for ch in b.chunks(2) {
        let h = u16::from_le_bytes(ch.try_into().unwrap());
        assert!(h < 0x3c00, "fp16 {h:#x} must be < 1.0");
    }
    let b = generate(&spec("X", "BF16", &[64]), &[64], &src, &o, 0).unwrap();
    for ch in b.chunks(2) {
        let h = u16::from_le_bytes(ch.try_into().unwrap());
        let v = f32::from_bits(u32::from(h) << 16);
        assert!((0.0..1.0).contains(&v));
    }
    let b = generate(&spec("X", "FP64", &[64]), &[64], &src, &o, 0).unwrap();
    for ch in b.chunks(8) {
        let v = f64::from_le_bytes(ch.try_into().unwrap());
        assert!((0.0..1.0).contains(&v));
    }
}

#[test]
fn generate_random_bytes() {
    let s = spec("T", "BYTES", &[-1, 2]);
    let src = InputSource::Random { seed: 3 };
    let b = generate(
        &s,
        &[2, 2],
        &src,
        &StringOptions {
            length: 10,
            data: None,
        },
        0,
    )
    .unwrap();
    let strs = strings_of(&b);
    assert_eq!(strs.len(), 4);
    for x in &strs {
        assert_eq!(x.len(), 10);
        assert!(x.iter().all(|c| RANDOM_STRING_CHARSET.contains(c)));
    }
    assert_eq!(b.len(), 4 * 14);
    let b = generate(
        &s,
        &[2, 2],
        &src,
        &StringOptions {
            length: 10,
            data: Some("abc".into()),
        },
        0,
    )
    .unwrap();
    assert_eq!(strings_of(&b), vec![b"abc".to_vec(); 4]);
    // empty strings
    let b = generate(
        &s,
        &[1, 2],
        &src,
        &StringOptions {
            length: 0,
            data: None,
        },
        0,
    )
    .unwrap();
    assert_eq!(b, vec![0u8; 8]);
}

#[test]
fn generate_errors() {
    let o = StringOptions::default();
    let src = InputSource::Random { seed: 0 };
    let e = generate(&spec("X", "COMPLEX64", &[1]), &[1], &src, &o, 0).unwrap_err();
    assert!(matches!(e, InputError::UnsupportedDatatype { .. }));
    assert!(e.to_string().contains("COMPLEX64") && e.to_string().contains("`X`"));
    let e = generate(&spec("X", "FP32", &[-1, 3]), &[2, 4], &src, &o, 0).unwrap_err();
    assert!(matches!(e, InputError::RequestShape { .. }), "{e}");
    let e = generate(&spec("X", "FP32", &[-1, 3]), &[-1, 3], &src, &o, 0).unwrap_err();
    assert!(matches!(e, InputError::RequestShape { .. }), "{e}");
    let e = generate(&spec("X", "FP32", &[-1, -1]), &[i64::MAX, 4], &src, &o, 0).unwrap_err();
    assert!(matches!(e, InputError::TooLarge { .. }), "{e}");
    let e = generate(
        &spec("X", "FP32", &[1]),
        &[1],
        &InputSource::File(PathBuf::from("/x.json")),
        &o,
        0,
    )
    .unwrap_err();
    assert!(matches!(e, InputError::FileSourceNotGenerated { .. }));
}
