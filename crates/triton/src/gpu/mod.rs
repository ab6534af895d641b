//! GPU access: CUDA memory through cudarc (only when libcuda is present —
//! cudarc panics otherwise), device telemetry through NVML and NVTX ranges
//! for Nsight Systems (loaded at run time, off when absent).

pub mod cuda;
pub mod nvml;
pub mod nvtx;

pub use cuda::{cuda_available, CudaStatus, DeviceBuffer, PinnedBuffer};
