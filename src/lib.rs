//! tritium: NVIDIA Triton Inference Server embedded in-process through its C
//! API, with a measurement engine and a Model-Analyzer-compatible search.
//!
//! Layers (one-way data flow, see docs/ARCHITECTURE.md):
//! - [`triton`]: the FFI layer over `tritium-sys` (server, requests, responses, allocator);
//! - [`gpu`]: CUDA memory (cudarc) and NVML telemetry;
//! - [`runtime`]: finding and installing a libtritonserver;
//! - [`model`], [`metrics`]: typed views of Triton's JSON and Prometheus output;
//! - [`doctor`]: the environment report.

pub mod bench;
pub mod cli;
pub mod doctor;
pub mod error;
pub mod gpu;
pub mod metrics;
pub mod model;
pub mod procfs;
pub mod profile;
pub mod report;
pub mod runtime;
pub mod shm;
pub mod trace;
pub mod util;
pub mod triton;

pub use error::{Error, Result};
