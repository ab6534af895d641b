//! The `tritium` command: a thin layer over the library (see `tritium::cli`).

fn main() {
    std::process::exit(tritium::cli::main());
}
