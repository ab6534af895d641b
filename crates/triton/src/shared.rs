//! The state a server shares with every request and response it made (the
//! handle's liveness and the raw pointers), in a module of its own so that
//! requests and responses depend on it rather than on the server module.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tritium_sys as sys;

/// State shared by the server handle and every request/response it made.
/// Requests and responses check `alive` before deleting their Triton objects:
/// once the server is deleted, late drops leak instead of touching freed memory.
/// Lock-free: a caller announces itself in `active`, then checks `alive`;
/// shutdown clears `alive`, then waits for `active` to drain before deleting
/// (both sides SeqCst, so a caller either sees `alive == false` or is waited for).
pub(crate) struct ServerShared {
    pub(crate) api: &'static sys::TritonServerLib,
    pub(crate) raw: *mut sys::TRITONSERVER_Server,
    pub(crate) allocator: *mut sys::TRITONSERVER_ResponseAllocator,
    alive: AtomicBool,
    active: AtomicUsize,
}

// SAFETY: the Triton server object is internally synchronised and documented
// as usable from any thread; the raw pointers are only dereferenced by Triton.
unsafe impl Send for ServerShared {}
// SAFETY: as above; shared references only pass the pointers to Triton.
unsafe impl Sync for ServerShared {}

impl ServerShared {
    pub(crate) fn new(api: &'static sys::TritonServerLib, raw: *mut sys::TRITONSERVER_Server, allocator: *mut sys::TRITONSERVER_ResponseAllocator) -> Self {
        ServerShared { api, raw, allocator, alive: AtomicBool::new(true), active: AtomicUsize::new(0) }
    }

    /// Runs `f` if the server still exists, holding off deletion meanwhile.
    pub(crate) fn if_alive<R>(&self, f: impl FnOnce() -> R) -> Option<R> {
        struct Leave<'a>(&'a AtomicUsize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.active.fetch_add(1, Ordering::SeqCst);
        let _leave = Leave(&self.active);
        if self.alive.load(Ordering::SeqCst) {
            Some(f())
        } else {
            None
        }
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    /// Marks the server dead and waits until no `if_alive` section runs.
    pub(crate) fn mark_dead(&self) {
        self.alive.store(false, Ordering::SeqCst);
        while self.active.load(Ordering::SeqCst) > 0 {
            std::thread::yield_now();
        }
    }
}
