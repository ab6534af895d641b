//! `--input-data DIR`: one file per input.

use super::super::*;

#[test]
fn input_directory_gives_raw_bytes_and_text_strings_repeated_per_batch() {
    use super::load_input_dir;
    let dir = tempfile::tempdir().unwrap();
    let floats: Vec<u8> = [1.0f32, 2.0, 3.0].iter().flat_map(|f| f.to_le_bytes()).collect();
    std::fs::write(dir.path().join("X"), &floats).unwrap();
    std::fs::write(dir.path().join("S"), "ab\nc\n").unwrap();
    let specs = vec![
        TensorSpec { name: "X".into(), datatype: "FP32".into(), shape: vec![-1, 3] },
        TensorSpec { name: "S".into(), datatype: "BYTES".into(), shape: vec![-1, 2] },
    ];
    let shapes = vec![("X".to_string(), vec![2, 3]), ("S".to_string(), vec![2, 2])];
    let step = load_input_dir(dir.path(), &specs, &shapes, 8, 1 << 20).unwrap();
    assert_eq!(step[0].2, [floats.clone(), floats.clone()].concat(), "batch 2 repeats the batch-1 data");
    let s1 = [&2u32.to_le_bytes()[..], b"ab", &1u32.to_le_bytes()[..], b"c"].concat();
    assert_eq!(step[1].2, [s1.clone(), s1].concat());
    // Wrong sizes, missing files and the budget are errors naming the file.
    std::fs::write(dir.path().join("X"), &floats[..8]).unwrap();
    let e = load_input_dir(dir.path(), &specs, &shapes, 8, 1 << 20).unwrap_err().to_string();
    assert!(e.contains("8 bytes") && e.contains("12 bytes") && e.contains("--input-data"), "{e}");
    std::fs::remove_file(dir.path().join("X")).unwrap();
    let e = load_input_dir(dir.path(), &specs, &shapes, 8, 1 << 20).unwrap_err().to_string();
    assert!(e.contains("one file per input"), "{e}");
    std::fs::write(dir.path().join("X"), &floats).unwrap();
    let e = load_input_dir(dir.path(), &specs, &shapes, 8, 10).unwrap_err().to_string();
    assert!(e.contains("budget"), "{e}");
    std::fs::write(dir.path().join("S"), "ab\n").unwrap();
    let e = load_input_dir(dir.path(), &specs, &shapes, 8, 1 << 20).unwrap_err().to_string();
    assert!(e.contains("1 lines") && e.contains("2 strings"), "{e}");
}
