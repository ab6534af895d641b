//! GPU access: CUDA memory through cudarc (only when libcuda is present —
//! cudarc panics otherwise) and device telemetry through NVML.

pub mod cuda;
pub mod nvml;

pub use cuda::{cuda_available, CudaStatus, DeviceBuffer, PinnedBuffer};
