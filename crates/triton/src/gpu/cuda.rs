//! CUDA memory for inputs and outputs: device buffers and (not write-combined)
//! pinned host buffers, and CUDA-event timing of tritium's own device work.
//! Part of the FFI layer: the raw driver calls below carry `// SAFETY:` notes.
//! Nothing here runs unless libcuda is present and a device answers, checked
//! once by [`cuda_status`]; without CUDA every call returns [`Error::Cuda`].
//!
//! # Timing device work
//! - [`Stream`]: a non-blocking stream on a device's primary context (the
//!   context Triton shares), synchronised and destroyed on drop.
//! - [`Event`]: a CUDA event with timing enabled; [`Event::record`] on a
//!   stream, [`Event::synchronize`], `end.elapsed_since(&start)`
//!   (`cuEventElapsedTime`, resolution about 0.5 µs, on the GPU's clock).
//! - [`Stream::time`] / [`time_on_stream`]: run a closure that enqueues work
//!   on the stream, bracketed by two events; returns a [`StreamTiming`].
//! - [`timed_h2d`] / [`timed_d2h`]: one copy on its own stream, returning a
//!   [`CopyTiming`].
//!
//! In every timing, `start_ns` is CLOCK_MONOTONIC (the clock of
//! `tritium_bench::trace`) read on the host just before the start event is
//! enqueued, `end_ns` right after the end event has been synchronised, and
//! `device_ns` is the GPU time between the two events: the work enqueued
//! between them on that stream, plus any idle gap while the host was still
//! enqueuing. Work on other streams (Triton's, another process's) is not
//! ordered with these events and is not what `device_ns` measures.
//!
//! ```no_run
//! # fn demo() -> tritium_triton::Result<()> {
//! use tritium_triton::gpu::cuda::{timed_d2h, timed_h2d, DeviceBuffer, PinnedBuffer};
//! let host = PinnedBuffer::from_slice(&vec![7u8; 64 << 20])?;
//! let dev = DeviceBuffer::from_host(0, &vec![0u8; 64 << 20])?;
//! let up = timed_h2d(&dev, host.as_slice())?;
//! println!("H2D {} B: {} ns on the GPU, {} ns on the host, {:.1} GB/s", up.bytes, up.device_ns, up.host_ns(), up.device_gb_per_s());
//! let mut back = vec![0u8; dev.len()];
//! let down = timed_d2h(dev.as_slice(), &mut back)?;
//! assert_eq!(down.bytes, 64 << 20);
//! # Ok(()) }
//! ```

use std::sync::{Arc, OnceLock};
use std::time::Duration;

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
        copy_device_to_host(self.as_slice())
    }

    /// The whole buffer as a borrowed [`DeviceSlice`].
    pub fn as_slice(&self) -> DeviceSlice<'_> {
        DeviceSlice { device: self.device, ptr: self.ptr, len: self.len, _owner: std::marker::PhantomData }
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

/// Device memory borrowed for `'a`: `len` readable bytes at `ptr` on
/// `device`. Safe code gets one only from something that owns the memory
/// ([`DeviceBuffer::as_slice`], a GPU output of a live response), so the
/// copy functions below need no caller promises.
#[derive(Debug, Clone, Copy)]
pub struct DeviceSlice<'a> {
    device: i32,
    ptr: u64,
    len: usize,
    _owner: std::marker::PhantomData<&'a ()>,
}

impl DeviceSlice<'_> {
    /// A slice over raw device memory.
    ///
    /// # Safety
    /// `ptr` must address `len` bytes of device memory on `device` that stay
    /// allocated and readable for the returned lifetime. (A null `ptr` is the
    /// one exception: the copy functions refuse it with an error.)
    pub unsafe fn from_raw(device: i32, ptr: u64, len: usize) -> Self {
        DeviceSlice { device, ptr, len, _owner: std::marker::PhantomData }
    }

    /// The CUDA device holding it.
    pub fn device(&self) -> i32 {
        self.device
    }
    /// Raw device pointer.
    pub fn device_ptr(&self) -> u64 {
        self.ptr
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the slice is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

fn refuse_null(src: &DeviceSlice<'_>, what: &str) -> Result<()> {
    if src.ptr == 0 && src.len > 0 {
        return Err(Error::Cuda(format!("{what}: null device pointer ({} bytes on device {})", src.len, src.device)));
    }
    Ok(())
}

/// Copies device memory to a new host vector.
pub fn copy_device_to_host(src: DeviceSlice<'_>) -> Result<Vec<u8>> {
    let (device, len) = (src.device, src.len);
    context(device)?;
    refuse_null(&src, "copy from device")?;
    let mut out = vec![0u8; len];
    if len > 0 {
        // SAFETY: a `DeviceSlice` addresses `len` readable bytes on `device`
        // for its lifetime (its constructors promise it; null was refused
        // above); the context is current.
        unsafe { result::memcpy_dtoh_sync(&mut out, src.ptr) }.map_err(|e| Error::Cuda(format!("copy from device {device}: {e}")))?;
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
    /// The bytes, writable (e.g. as the pinned destination of [`timed_d2h`]).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `ptr[..len]` was initialised in `from_slice`, lives as long as `self`,
        // and `&mut self` makes this the only reference to it.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for PinnedBuffer {
    fn drop(&mut self) {
        raw_free_pinned(self.ptr);
    }
}

/// A CUDA stream on `device`'s primary context, created non-blocking (no
/// implicit ordering with the legacy default stream). Dropping it waits for
/// the work queued on it, then destroys it.
#[derive(Debug)]
pub struct Stream {
    raw: cu::CUstream,
    device: i32,
}

// SAFETY: a CUstream is an opaque driver handle; the driver API is thread
// safe, and every method makes the stream's context current on the calling
// thread before using it.
unsafe impl Send for Stream {}
// SAFETY: as above; no method mutates Rust-side state.
unsafe impl Sync for Stream {}

impl Stream {
    /// Creates a non-blocking stream on `device`.
    pub fn new(device: i32) -> Result<Stream> {
        context(device)?;
        let raw = result::stream::create(result::stream::StreamKind::NonBlocking)
            .map_err(|e| Error::Cuda(format!("cuStreamCreate on device {device}: {e}")))?;
        Ok(Stream { raw, device })
    }

    /// The device the stream belongs to.
    pub fn device(&self) -> i32 {
        self.device
    }

    /// The raw handle, for enqueuing work with driver calls inside
    /// [`Stream::time`]. Do not destroy it.
    pub fn as_raw(&self) -> cu::CUstream {
        self.raw
    }

    /// Waits until all work queued on the stream has finished.
    pub fn synchronize(&self) -> Result<()> {
        context(self.device)?;
        // SAFETY: `raw` is a live stream created by `Stream::new`, destroyed only in `drop`.
        unsafe { result::stream::synchronize(self.raw) }.map_err(|e| Error::Cuda(format!("cuStreamSynchronize on device {}: {e}", self.device)))
    }

    /// Runs `enqueue` (which queues work on this stream) between two events
    /// and waits for the work. `start_ns` is taken just before the start event
    /// is recorded, `end_ns` right after the end event completed; `device_ns`
    /// is the GPU time between the events. The stream is drained before this
    /// returns, also when `enqueue` fails, so work queued by `enqueue` may
    /// borrow memory that outlives this call.
    pub fn time<T>(&self, enqueue: impl FnOnce(&Stream) -> Result<T>) -> Result<(T, StreamTiming)> {
        let start = Event::new(self.device)?;
        let end = Event::new(self.device)?;
        let start_ns = tritium_util::monotonic_ns();
        start.record(self)?;
        let out = match enqueue(self).and_then(|v| end.record(self).map(|()| v)) {
            Ok(v) => v,
            Err(e) => {
                let _ = self.synchronize();
                return Err(e);
            }
        };
        end.synchronize()?;
        let end_ns = tritium_util::monotonic_ns();
        let device = end.elapsed_since(&start)?;
        Ok((out, StreamTiming { start_ns, end_ns, device_ns: duration_ns(device) }))
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if context(self.device).is_ok() {
            // SAFETY: `raw` is a live stream from `Stream::new`, destroyed exactly once,
            // after the work queued on it (which may reference borrowed memory) finished.
            unsafe {
                let _ = result::stream::synchronize(self.raw);
                let _ = result::stream::destroy(self.raw);
            }
        }
    }
}

/// A CUDA event with timing enabled (`CU_EVENT_DEFAULT`) on `device`'s
/// primary context; destroyed on drop.
#[derive(Debug)]
pub struct Event {
    raw: cu::CUevent,
    device: i32,
}

// SAFETY: a CUevent is an opaque driver handle; the driver API is thread safe
// and every method makes the event's context current first.
unsafe impl Send for Event {}
// SAFETY: as above; no method mutates Rust-side state.
unsafe impl Sync for Event {}

impl Event {
    /// Creates an event on `device` with timing enabled.
    pub fn new(device: i32) -> Result<Event> {
        context(device)?;
        let raw = result::event::create(cu::CUevent_flags::CU_EVENT_DEFAULT)
            .map_err(|e| Error::Cuda(format!("cuEventCreate on device {device}: {e}")))?;
        Ok(Event { raw, device })
    }

    /// The device the event belongs to.
    pub fn device(&self) -> i32 {
        self.device
    }

    /// Records the event on `stream` (it completes when the work queued
    /// before it on that stream has).
    pub fn record(&self, stream: &Stream) -> Result<()> {
        if stream.device != self.device {
            return Err(Error::Cuda(format!("event of device {} recorded on a stream of device {}", self.device, stream.device)));
        }
        context(self.device)?;
        // SAFETY: both handles are live (owned by `self` and `stream`) and belong to the same context, which is current.
        unsafe { result::event::record(self.raw, stream.raw) }.map_err(|e| Error::Cuda(format!("cuEventRecord on device {}: {e}", self.device)))
    }

    /// Waits until the event has completed (returns at once if it was never recorded).
    pub fn synchronize(&self) -> Result<()> {
        context(self.device)?;
        // SAFETY: `raw` is a live event owned by `self`.
        unsafe { result::event::synchronize(self.raw) }.map_err(|e| Error::Cuda(format!("cuEventSynchronize on device {}: {e}", self.device)))
    }

    /// GPU time from `start` to this event (both recorded and completed;
    /// call [`Event::synchronize`] first). Errors if either was not recorded,
    /// has not completed, or was recorded after this one.
    pub fn elapsed_since(&self, start: &Event) -> Result<Duration> {
        if start.device != self.device {
            return Err(Error::Cuda(format!("elapsed time between events of devices {} and {}", start.device, self.device)));
        }
        context(self.device)?;
        // SAFETY: both events are live, created with timing enabled, on the same context.
        let ms = unsafe { result::event::elapsed(start.raw, self.raw) }
            .map_err(|e| Error::Cuda(format!("cuEventElapsedTime on device {} (both events recorded and completed?): {e}", self.device)))?;
        if !ms.is_finite() || ms < 0.0 {
            return Err(Error::Cuda(format!("cuEventElapsedTime gave {ms} ms: the end event completed before the start event")));
        }
        Ok(Duration::from_nanos((f64::from(ms) * 1e6).round() as u64))
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        if context(self.device).is_ok() {
            // SAFETY: `raw` is a live event from `Event::new`, destroyed exactly once.
            let _ = unsafe { result::event::destroy(self.raw) };
        }
    }
}

fn duration_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Timing of work enqueued on a stream ([`Stream::time`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StreamTiming {
    /// CLOCK_MONOTONIC ns on the host just before the start event was enqueued.
    pub start_ns: u64,
    /// CLOCK_MONOTONIC ns on the host right after the end event completed.
    pub end_ns: u64,
    /// GPU time between the two events (`cuEventElapsedTime`), ns.
    pub device_ns: u64,
}

impl StreamTiming {
    /// Host time from just before enqueuing to completion, ns.
    pub fn host_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// Timing of one copy ([`timed_h2d`], [`timed_d2h`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CopyTiming {
    /// CLOCK_MONOTONIC ns on the host just before the copy was enqueued.
    pub start_ns: u64,
    /// CLOCK_MONOTONIC ns on the host right after the copy's end event completed.
    pub end_ns: u64,
    /// GPU time between events recorded just before and just after the copy, ns.
    pub device_ns: u64,
    /// Bytes copied.
    pub bytes: u64,
}

impl CopyTiming {
    /// Several copies as one span: the earliest start, the latest end, the
    /// summed device time and bytes (e.g. all inputs of a request).
    pub fn merged(acc: Option<CopyTiming>, t: &CopyTiming) -> CopyTiming {
        match acc {
            None => *t,
            Some(a) => CopyTiming { start_ns: a.start_ns.min(t.start_ns), end_ns: a.end_ns.max(t.end_ns), device_ns: a.device_ns + t.device_ns, bytes: a.bytes + t.bytes },
        }
    }
    /// Host time from just before enqueuing to completion, ns.
    pub fn host_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
    /// Bandwidth from the device time, GB/s (10^9 bytes per second); 0 when `device_ns` is 0.
    pub fn device_gb_per_s(&self) -> f64 {
        if self.device_ns == 0 {
            0.0
        } else {
            self.bytes as f64 / self.device_ns as f64
        }
    }
}

/// Runs `enqueue` on a new stream of `device` between two events (see
/// [`Stream::time`]); the stream is drained and destroyed before returning.
pub fn time_on_stream<T>(device: i32, enqueue: impl FnOnce(&Stream) -> Result<T>) -> Result<(T, StreamTiming)> {
    Stream::new(device)?.time(enqueue)
}

fn copy_timing((bytes, t): (usize, StreamTiming)) -> CopyTiming {
    CopyTiming { start_ns: t.start_ns, end_ns: t.end_ns, device_ns: t.device_ns, bytes: bytes as u64 }
}

/// Copies `src` (pinned or pageable host memory) to the start of `dst` on a
/// stream of its own, timed with CUDA events. From pageable memory the driver
/// stages through its own pinned buffer, which the timing includes.
pub fn timed_h2d(dst: &DeviceBuffer, src: &[u8]) -> Result<CopyTiming> {
    if src.len() > dst.len() {
        return Err(Error::InvalidArgument(format!("timed_h2d: {} bytes do not fit a device buffer of {} bytes", src.len(), dst.len())));
    }
    let device = dst.device;
    time_on_stream(device, |s| {
        if !src.is_empty() {
            // SAFETY: `dst.ptr` holds at least `src.len()` bytes of device memory owned by `dst`;
            // `src` stays borrowed until `time` has drained the stream (also on error).
            unsafe { result::memcpy_htod_async(dst.ptr, src, s.raw) }.map_err(|e| Error::Cuda(format!("cuMemcpyHtoDAsync({} B) on device {device}: {e}", src.len())))?;
        }
        Ok(src.len())
    })
    .map(copy_timing)
}

/// Copies `src` into `dst[..src.len()]` (pinned or pageable) on a stream of
/// its own, timed with CUDA events.
pub fn timed_d2h(src: DeviceSlice<'_>, dst: &mut [u8]) -> Result<CopyTiming> {
    let (device, ptr, len) = (src.device, src.ptr, src.len);
    if dst.len() < len {
        return Err(Error::InvalidArgument(format!("timed_d2h: {len} bytes do not fit a host buffer of {} bytes", dst.len())));
    }
    refuse_null(&src, "timed_d2h")?;
    let dst = &mut dst[..len];
    time_on_stream(device, |s| {
        if len > 0 {
            // SAFETY: a `DeviceSlice` addresses `len` readable bytes on `device`
            // for its lifetime (null was refused above); `dst` (exactly `len`
            // bytes) stays borrowed until `time` has drained the stream.
            unsafe { result::memcpy_dtoh_async(dst, ptr, s.raw) }.map_err(|e| Error::Cuda(format!("cuMemcpyDtoHAsync({len} B) on device {device}: {e}")))?;
        }
        Ok(len)
    })
    .map(copy_timing)
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

    #[test]
    fn timing_without_cuda_is_an_error_not_a_panic() {
        if cuda_available() {
            return;
        }
        for r in [Event::new(0).map(drop), Stream::new(0).map(drop), time_on_stream(0, |_| Ok(())).map(drop)] {
            let e = r.expect_err("no CUDA here");
            assert!(matches!(e, Error::Cuda(_)), "{e}");
        }
        let mut host = [0u8; 16];
        // SAFETY: null slices are the documented exception: the copies refuse them.
        let (null16, null32) = unsafe { (DeviceSlice::from_raw(0, 0, 16), DeviceSlice::from_raw(0, 0, 32)) };
        assert!(matches!(timed_d2h(null16, &mut host), Err(Error::Cuda(_))));
        assert!(matches!(timed_d2h(null32, &mut host), Err(Error::InvalidArgument(_))));
    }

    #[test]
    fn timing_arithmetic() {
        let c = CopyTiming { start_ns: 100, end_ns: 350, device_ns: 200, bytes: 1000 };
        assert_eq!(c.host_ns(), 250);
        assert_eq!(c.device_gb_per_s(), 5.0);
        assert_eq!(CopyTiming { device_ns: 0, ..c }.device_gb_per_s(), 0.0);
        assert_eq!(StreamTiming { start_ns: 5, end_ns: 3, device_ns: 1 }.host_ns(), 0);
    }
}
