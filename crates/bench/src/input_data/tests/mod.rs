//! Unit tests of request inputs, one file per concern; shared helpers here.

use super::*;
use std::io::Write;

mod dir;
mod generate;
mod json;
mod shapes;

fn spec(name: &str, dt: &str, shape: &[i64]) -> TensorSpec {
    TensorSpec {
        name: name.to_string(),
        datatype: dt.to_string(),
        shape: shape.to_vec(),
    }
}

fn ov(args: &[&str]) -> ShapeOverrides {
    ShapeOverrides::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
}

fn ov_err(args: &[&str]) -> InputError {
    ShapeOverrides::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap_err()
}

fn write_json(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f.flush().unwrap();
    f
}

fn strings_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    tritium_model::tensor::decode_bytes(bytes).expect("well-formed BYTES tensor")
}
