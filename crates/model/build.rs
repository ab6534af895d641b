//! Compiles Triton's `proto/model_config.proto` (with `protox`, pure Rust, no `protoc`) into a
//! FileDescriptorSet in `OUT_DIR` (loaded by `src/profile/pbtxt/schema.rs`) and writes the field
//! names of `ModelConfig`, in proto order, as a Rust constant (`MODEL_CONFIG_FIELDS`).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=proto/model_config.proto");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    let mut compiler = protox::Compiler::new(["proto"]).unwrap_or_else(|e| panic!("proto/: {e}"));
    compiler.include_source_info(false);
    compiler.open_file("model_config.proto").unwrap_or_else(|e| panic!("proto/model_config.proto does not compile: {e:?}"));
    let set = compiler.encode_file_descriptor_set();
    std::fs::write(out.join("model_config.fds"), set).unwrap_or_else(|e| panic!("{}: {e}", out.display()));

    let pool = compiler.descriptor_pool();
    let config = pool.get_message_by_name("inference.ModelConfig").expect("proto/model_config.proto defines inference.ModelConfig");
    let mut src = String::from("/// The fields of Triton's `ModelConfig` message, in `model_config.proto` order\n/// (written by build.rs from the compiled proto).\npub const MODEL_CONFIG_FIELDS: &[&str] = &[\n");
    // Declaration order: that of the DescriptorProto (`fields()` goes by field number).
    for f in &config.descriptor_proto().field {
        src.push_str(&format!("    {:?},\n", f.name()));
    }
    src.push_str("];\n");
    std::fs::write(out.join("model_config_fields.rs"), src).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
