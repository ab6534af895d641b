//! The `tritium` command: clap and anyhow over the library crates.
#![forbid(unsafe_code)]

mod cli;

fn main() {
    std::process::exit(cli::main());
}
