//! tritium: NVIDIA Triton Inference Server embedded in-process through its C
//! API, with a measurement engine and a Model-Analyzer-compatible search.
//!
//! This crate is the library's front door: it re-exports the layer crates
//! under the names the rest of the documentation uses. Each layer only uses
//! the ones above it in this list (see docs/ARCHITECTURE.md):
//!
//! - [`util`] (`tritium-util`): monotonic clock, atomic writes, timestamps, `/proc`;
//! - [`model`] (`tritium-model`): data types, tensor bytes, model config
//!   (pbtxt on Triton's own proto schema), metadata, statistics, metrics;
//! - [`triton`] (`tritium-triton`): the embedded server over `tritium-sys`
//!   (the only crate with `unsafe`): requests, responses, allocator, traces,
//!   CUDA, NVML, NVTX, runtime discovery;
//! - [`bench`](mod@bench) (`tritium-bench`): load generator, windows, statistics, inputs,
//!   resources, trace collection, export;
//! - [`profile`] (`tritium-profile`): YAML → per-model plan → search → results store → deployable configs;
//! - [`report`] (`tritium-report`): PDF reports, charts, Chrome trace files.
//!
//! The `tritium` command (`src/main.rs`, `src/cli/`) is a thin layer of clap
//! and anyhow over these crates.
#![forbid(unsafe_code)]

pub use tritium_bench as bench;
pub use tritium_model as model;
pub use tritium_profile as profile;
pub use tritium_report as report;
pub use tritium_triton as triton;
pub use tritium_util as util;

pub use tritium_triton::{Error, Result};

/// The README's Rust examples, compiled (and the library example run) by `cargo test --doc`.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
