//! CUDA memory for inputs and outputs: device buffers and (not write-combined)
//! pinned host buffers. Part of the FFI layer: the raw driver calls below
//! carry `// SAFETY:` notes. Nothing here runs unless libcuda is present and
//! a device answers, checked once by [`cuda_status`].

use std::sync::{Arc, OnceLock};

use cudarc::driver::{result, sys as cu, CudaContext};

use crate::error::{Error, Result};

/// What CUDA looks like in this process.
#[derive(Debug, Clone)]
pub enum CudaStatus {
    /// libcuda is not installed (CPU-only machine).
    NoDriverLibrary,
    /// libcuda is present but initialisation or device discovery failed.
    Unusable(String),
    /// CUDA works with this many devices.
    Available { devices: usize },
}

static STATUS: OnceLock<CudaStatus> = OnceLock::new();
static CONTEXTS: OnceLock<Vec<Arc<CudaContext>>> = OnceLock::new();

/// Probes CUDA once. Never panics on a machine without a driver.
pub fn cuda_status() -> &'static CudaStatus {
    STATUS.get_or_init(|| {
        // SAFETY: only checks whether the driver library can be opened.
        if !unsafe { cu::is_culib_present() } {
            return CudaStatus::NoDriverLibrary;
        }
        if let Err(e) = result::init() {
            return CudaStatus::Unusable(format!("cuInit failed: {e}"));
        }
        match CudaContext::device_count() {
            Ok(n) if n > 0 => CudaStatus::Available { devices: n as usize },
            Ok(_) => CudaStatus::Unusable("the driver reports no CUDA devices".into()),
            Err(e) => CudaStatus::Unusable(format!("cuDeviceGetCount failed: {e}")),
        }
    })
}

/// Whether CUDA memory can be used.
pub fn cuda_available() -> bool {
    matches!(cuda_status(), CudaStatus::Available { .. })
}

fn unavailable() -> Error {
    match cuda_status() {
        CudaStatus::NoDriverLibrary => Error::Cuda("libcuda.so is not installed: no CUDA memory on this machine (use --memory system)".into()),
        CudaStatus::Unusable(why) => Error::Cuda(format!("CUDA is not usable: {why}")),
        CudaStatus::Available { .. } => Error::Cuda("CUDA context creation failed".into()),
    }
}

/// The primary context of `device`, bound to the calling thread.
pub fn context(device: i32) -> Result<Arc<CudaContext>> {
    let CudaStatus::Available { devices } = cuda_status() else { return Err(unavailable()) };
    let ctxs = CONTEXTS.get_or_init(|| (0..*devices).filter_map(|d| CudaContext::new(d).ok()).collect());
    let ctx = usize::try_from(device)
        .ok()
        .and_then(|d| ctxs.get(d))
        .ok_or_else(|| Error::Cuda(format!("no CUDA device {device} (found {})", ctxs.len())))?;
    ctx.bind_to_thread().map_err(|e| Error::Cuda(format!("binding device {device}: {e}")))?;
    Ok(ctx.clone())
}

/// Waits for all work queued in `device`'s primary context (which Triton
/// shares) to finish.
pub fn synchronize(device: i32) -> Result<()> {
    context(device)?.synchronize().map_err(|e| Error::Cuda(format!("synchronizing device {device}: {e}")))
}

/// Allocates `bytes` of device memory on `device`; returns the raw pointer.
pub(crate) fn raw_alloc_device(device: i32, bytes: usize) -> Result<u64> {
    context(device)?;
    // SAFETY: a context of `device` is current on this thread; the pointer is
    // owned by the caller, who frees it with `raw_free_device`.
    unsafe { result::malloc_sync(bytes.max(1)) }.map_err(|e| Error::Cuda(format!("cuMemAlloc({bytes}) on device {device}: {e}")))
}

/// Frees device memory from [`raw_alloc_device`].
pub(crate) fn raw_free_device(device: i32, ptr: u64) {
    if context(device).is_ok() {
        // SAFETY: `ptr` came from `raw_alloc_device` on this device and is freed once.
        let _ = unsafe { result::free_sync(ptr) };
    }
}

/// Allocates page-locked host memory (portable, not write-combined, so the
/// CPU reads it at full speed).
pub(crate) fn raw_alloc_pinned(bytes: usize) -> Result<*mut u8> {
    context(0)?;
    // SAFETY: a context is current; the pointer is owned by the caller and freed with `raw_free_pinned`.
    unsafe { result::malloc_host(bytes.max(1), cu::CU_MEMHOSTALLOC_PORTABLE) }
        .map(|p| p as *mut u8)
        .map_err(|e| Error::Cuda(format!("cuMemHostAlloc({bytes}): {e}")))
}

/// Frees pinned memory from [`raw_alloc_pinned`].
pub(crate) fn raw_free_pinned(ptr: *mut u8) {
    if context(0).is_ok() {
        // SAFETY: `ptr` came from `raw_alloc_pinned` and is freed once.
        let _ = unsafe { result::free_host(ptr.cast()) };
    }
}

/// Device memory holding a tensor (owned; freed on drop).
#[derive(Debug)]
pub struct DeviceBuffer {
    ptr: u64,
    len: usize,
    device: i32,
}

impl DeviceBuffer {
    /// Copies `data` to a new buffer on `device`.
    pub fn from_host(device: i32, data: &[u8]) -> Result<Self> {
        let ptr = raw_alloc_device(device, data.len())?;
        let buf = DeviceBuffer { ptr, len: data.len(), device };
        if !data.is_empty() {
            // SAFETY: `ptr` points at `data.len()` bytes of device memory we own; the context is current.
            unsafe { result::memcpy_htod_sync(ptr, data) }.map_err(|e| Error::Cuda(format!("copy to device {device}: {e}")))?;
        }
        Ok(buf)
    }

    /// Copies the buffer back to the host.
    pub fn to_host(&self) -> Result<Vec<u8>> {
        copy_device_to_host(self.device, self.ptr, self.len)
    }

    /// Raw device pointer.
    pub fn device_ptr(&self) -> u64 {
        self.ptr
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The CUDA device holding it.
    pub fn device(&self) -> i32 {
        self.device
    }
}

impl Drop for DeviceBuffer {
    fn drop(&mut self) {
        raw_free_device(self.device, self.ptr);
    }
}

/// Copies `len` bytes of device memory at `ptr` to a new host vector.
pub fn copy_device_to_host(device: i32, ptr: u64, len: usize) -> Result<Vec<u8>> {
    context(device)?;
    let mut out = vec![0u8; len];
    if len > 0 {
        // SAFETY: the caller guarantees `ptr` addresses `len` readable bytes on `device`; the context is current.
        unsafe { result::memcpy_dtoh_sync(&mut out, ptr) }.map_err(|e| Error::Cuda(format!("copy from device {device}: {e}")))?;
    }
    Ok(out)
}

/// Page-locked host memory holding a tensor (owned; freed on drop).
#[derive(Debug)]
pub struct PinnedBuffer {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the buffer is plain host memory exclusively owned by this value.
unsafe impl Send for PinnedBuffer {}
// SAFETY: shared access only reads.
unsafe impl Sync for PinnedBuffer {}

impl PinnedBuffer {
    /// Copies `data` into new pinned memory.
    pub fn from_slice(data: &[u8]) -> Result<Self> {
        let ptr = raw_alloc_pinned(data.len())?;
        // SAFETY: `ptr` points at at least `data.len()` fresh bytes that nothing else references.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), ptr, data.len()) };
        Ok(PinnedBuffer { ptr, len: data.len() })
    }
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `ptr[..len]` was initialised in `from_slice` and lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for PinnedBuffer {
    fn drop(&mut self) {
        raw_free_pinned(self.ptr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_never_panics() {
        // On a CPU-only machine this must say so instead of panicking.
        let s = cuda_status();
        if let CudaStatus::Available { devices } = s {
            assert!(*devices > 0);
        } else {
            assert!(context(0).is_err());
            assert!(DeviceBuffer::from_host(0, &[1, 2, 3]).is_err());
        }
    }
}
