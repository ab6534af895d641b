//! The response allocator: Triton asks it for output buffers and gives them
//! back when a response is deleted. Where outputs go is chosen per request
//! ([`OutputMemory`]); pinned and device buffers are pooled by power-of-two
//! size class so a steady load allocates from CUDA only while warming up.

use std::os::raw::{c_char, c_void};

use crossbeam::queue::SegQueue;
use tritium_sys as sys;

use super::check;
use crate::error::Result;
use crate::gpu::cuda;

/// Where Triton should place a request's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum OutputMemory {
    /// Ordinary host memory (malloc).
    #[default]
    System,
    /// Page-locked host memory (cudarc, not write-combined).
    Pinned,
    /// Device memory on this CUDA device.
    Cuda(i32),
}

impl OutputMemory {
    /// Checks that this memory can be used here (CUDA present for pinned/GPU).
    pub fn check_available(self) -> Result<()> {
        match self {
            OutputMemory::System => Ok(()),
            OutputMemory::Pinned => cuda::context(0).map(|_| ()),
            OutputMemory::Cuda(d) => cuda::context(d).map(|_| ()),
        }
    }
}

const CLASSES: usize = 48;
const MAX_DEVICES: usize = 16;

/// Free lists: pinned buffers, and device buffers per device, by size class.
struct Pools {
    pinned: Vec<SegQueue<usize>>,
    device: Vec<Vec<SegQueue<u64>>>,
}

static POOLS: std::sync::OnceLock<Pools> = std::sync::OnceLock::new();

fn pools() -> &'static Pools {
    POOLS.get_or_init(|| Pools {
        pinned: (0..CLASSES).map(|_| SegQueue::new()).collect(),
        device: (0..MAX_DEVICES).map(|_| (0..CLASSES).map(|_| SegQueue::new()).collect()).collect(),
    })
}

/// Size class of `bytes`: the exponent of the next power of two (min 64 B).
pub(crate) fn size_class(bytes: usize) -> usize {
    let b = bytes.max(64).next_power_of_two();
    (b.trailing_zeros() as usize).min(CLASSES - 1)
}

fn class_bytes(class: usize) -> usize {
    1usize << class
}

/// Takes a buffer of at least `bytes` from the pool or from CUDA/malloc.
pub(crate) fn acquire(mem: OutputMemory, bytes: usize) -> Result<(*mut c_void, u32, i64)> {
    match mem {
        OutputMemory::System => {
            // SAFETY: plain malloc; released with `free` in `release`.
            let p = unsafe { libc::malloc(bytes.max(1)) };
            if p.is_null() {
                return Err(crate::error::Error::InvalidArgument(format!("malloc({bytes}) failed")));
            }
            Ok((p, sys::TRITONSERVER_MEMORY_CPU, 0))
        }
        OutputMemory::Pinned => {
            let c = size_class(bytes);
            let p = match pools().pinned[c].pop() {
                Some(p) => p as *mut u8,
                None => cuda::raw_alloc_pinned(class_bytes(c))?,
            };
            Ok((p.cast(), sys::TRITONSERVER_MEMORY_CPU_PINNED, 0))
        }
        OutputMemory::Cuda(d) => {
            let c = size_class(bytes);
            let slot = usize::try_from(d).ok().filter(|d| *d < MAX_DEVICES);
            let p = match slot.and_then(|s| pools().device[s][c].pop()) {
                Some(p) => p,
                None => cuda::raw_alloc_device(d, class_bytes(c))?,
            };
            Ok((p as *mut c_void, sys::TRITONSERVER_MEMORY_GPU, d as i64))
        }
    }
}

/// The memory to hand out for an output the backend holds in `preferred`
/// memory. Triton 2.51's Python backend never fills a *pinned* buffer for an
/// output tensor that lives on the GPU: it stages GPU outputs through its
/// shared memory and copies them on only into `TRITONSERVER_MEMORY_CPU`
/// buffers, so a pinned buffer keeps stale bytes (seen on the H200: a KIND_GPU
/// torch model's pinned outputs held the previous request's values). For such
/// outputs tritium hands out ordinary host memory instead (the response says
/// `MemoryKind::Cpu`); pinned buffers are still used for outputs the backend
/// produces in host memory. See docs/gpu.md.
pub(crate) fn pinned_workaround(mem: OutputMemory, preferred: sys::TRITONSERVER_MemoryType) -> OutputMemory {
    if mem == OutputMemory::Pinned && preferred == sys::TRITONSERVER_MEMORY_GPU {
        OutputMemory::System
    } else {
        mem
    }
}

/// Returns a buffer from [`acquire`].
pub(crate) fn release(ptr: *mut c_void, bytes: usize, memory_type: u32, device: i64) {
    if ptr.is_null() {
        return;
    }
    match memory_type {
        sys::TRITONSERVER_MEMORY_CPU => {
            // SAFETY: allocated with malloc in `acquire` and released once.
            unsafe { libc::free(ptr) }
        }
        sys::TRITONSERVER_MEMORY_CPU_PINNED => pools().pinned[size_class(bytes)].push(ptr as usize),
        _ => match usize::try_from(device).ok().filter(|d| *d < MAX_DEVICES) {
            Some(d) => pools().device[d][size_class(bytes)].push(ptr as u64),
            None => cuda::raw_free_device(device as i32, ptr as u64),
        },
    }
}

/// Acquires and releases one buffer (what one output costs tritium's allocator).
pub fn round_trip(mem: OutputMemory, bytes: usize) -> Result<()> {
    let (p, t, id) = acquire(mem, bytes)?;
    release(p, bytes, t, id);
    Ok(())
}

unsafe extern "C" fn alloc_fn(
    _allocator: *mut sys::TRITONSERVER_ResponseAllocator,
    tensor_name: *const c_char,
    byte_size: usize,
    preferred_type: sys::TRITONSERVER_MemoryType,
    _preferred_id: i64,
    userp: *mut c_void,
    buffer: *mut *mut c_void,
    buffer_userp: *mut *mut c_void,
    actual_type: *mut sys::TRITONSERVER_MemoryType,
    actual_id: *mut i64,
) -> *mut sys::TRITONSERVER_Error {
    let result = std::panic::catch_unwind(|| {
        // SAFETY: `userp` is the `OutputMemory` inside a live in-flight request
        // (set by `InferRequest::issue`), or null for system memory.
        let mem = if userp.is_null() { OutputMemory::System } else { unsafe { *(userp as *const OutputMemory) } };
        if byte_size == 0 {
            return Ok((std::ptr::null_mut(), sys::TRITONSERVER_MEMORY_CPU, 0));
        }
        acquire(pinned_workaround(mem, preferred_type), byte_size)
    });
    match result {
        Ok(Ok((p, t, id))) => {
            // SAFETY: Triton passes valid out-pointers.
            unsafe {
                *buffer = p;
                *buffer_userp = std::ptr::null_mut();
                *actual_type = t;
                *actual_id = id;
            }
            std::ptr::null_mut()
        }
        Ok(Err(e)) => make_error(&format!("tritium output allocator ({}): {e}", name_of(tensor_name))),
        Err(_) => make_error("tritium output allocator panicked"),
    }
}

unsafe extern "C" fn release_fn(
    _allocator: *mut sys::TRITONSERVER_ResponseAllocator,
    buffer: *mut c_void,
    _buffer_userp: *mut c_void,
    byte_size: usize,
    memory_type: sys::TRITONSERVER_MemoryType,
    memory_type_id: i64,
) -> *mut sys::TRITONSERVER_Error {
    let r = std::panic::catch_unwind(|| release(buffer, byte_size, memory_type, memory_type_id));
    if r.is_err() {
        return make_error("tritium output release panicked");
    }
    std::ptr::null_mut()
}

fn name_of(p: *const c_char) -> String {
    // SAFETY: Triton passes the tensor name as a valid C string (or null).
    unsafe { super::copy_cstr(p) }
}

fn make_error(msg: &str) -> *mut sys::TRITONSERVER_Error {
    let Some((api, _)) = super::loaded_library() else { return std::ptr::null_mut() };
    let c = std::ffi::CString::new(msg.replace('\0', " ")).unwrap_or_default();
    // SAFETY: Triton copies the message; the returned error is owned by Triton's caller.
    unsafe { (api.TRITONSERVER_ErrorNew)(sys::TRITONSERVER_ERROR_INTERNAL, c.as_ptr()) }
}

/// Creates the process's response allocator.
pub(crate) fn new_response_allocator(api: &sys::TritonServerLib) -> Result<*mut sys::TRITONSERVER_ResponseAllocator> {
    let mut a: *mut sys::TRITONSERVER_ResponseAllocator = std::ptr::null_mut();
    // SAFETY: out-pointer to a local; the callbacks are `extern "C"` functions
    // that never unwind (each catches panics).
    check(api, unsafe { (api.TRITONSERVER_ResponseAllocatorNew)(&mut a, Some(alloc_fn), Some(release_fn), None) }, "ResponseAllocatorNew")?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_resident_outputs_never_get_pinned_buffers() {
        let gpu = sys::TRITONSERVER_MEMORY_GPU;
        let cpu = sys::TRITONSERVER_MEMORY_CPU;
        assert_eq!(pinned_workaround(OutputMemory::Pinned, gpu), OutputMemory::System);
        assert_eq!(pinned_workaround(OutputMemory::Pinned, cpu), OutputMemory::Pinned);
        assert_eq!(pinned_workaround(OutputMemory::Cuda(0), gpu), OutputMemory::Cuda(0));
        assert_eq!(pinned_workaround(OutputMemory::System, gpu), OutputMemory::System);
    }

    #[test]
    fn size_classes() {
        assert_eq!(size_class(0), 6);
        assert_eq!(size_class(64), 6);
        assert_eq!(size_class(65), 7);
        assert_eq!(size_class(4096), 12);
        assert_eq!(size_class(4097), 13);
        assert!(class_bytes(size_class(1000)) >= 1000);
    }

    #[test]
    fn system_memory_round_trip() {
        let (p, t, id) = acquire(OutputMemory::System, 1000).unwrap();
        assert!(!p.is_null());
        assert_eq!((t, id), (sys::TRITONSERVER_MEMORY_CPU, 0));
        release(p, 1000, t, id);
    }

    #[test]
    fn gpu_memory_without_cuda_is_an_error() {
        if crate::gpu::cuda_available() {
            eprintln!("skipped: CUDA present (this test checks the CPU-only error path)");
            return;
        }
        assert!(acquire(OutputMemory::Cuda(0), 64).is_err());
        assert!(OutputMemory::Pinned.check_available().is_err());
    }
}
