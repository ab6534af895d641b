//! Compile-time checks of every `Send`/`Sync` claim the FFI layer makes
//! (each `unsafe impl` has a `// SAFETY:` note beside it); a change that
//! breaks one, or that makes a type shareable that must not be, fails the build.

use static_assertions::{assert_impl_all, assert_not_impl_any};

use super::shared::ServerShared;
use super::{InferRequest, Response, Server, Trace, Tracer};
use crate::gpu::cuda::{DeviceBuffer, DeviceSlice, Event, PinnedBuffer, Stream};

// Shared across worker threads: the server (request issue, statistics), the
// tracer, responses handed from Triton's threads, and the CUDA objects.
assert_impl_all!(Server: Send, Sync);
assert_impl_all!(ServerShared: Send, Sync);
assert_impl_all!(Tracer: Send, Sync, Copy);
assert_impl_all!(Response: Send, Sync);
assert_impl_all!(PinnedBuffer: Send, Sync);
assert_impl_all!(DeviceBuffer: Send, Sync);
assert_impl_all!(DeviceSlice<'static>: Send, Sync, Copy);
assert_impl_all!(Stream: Send, Sync);
assert_impl_all!(Event: Send, Sync);

// Moved between threads, used by one at a time: a request is owned by its
// worker (or by Triton while in flight); a trace by the request it rides on.
assert_impl_all!(InferRequest: Send);
assert_not_impl_any!(InferRequest: Sync);
assert_impl_all!(Trace: Send);
assert_not_impl_any!(Trace: Sync);
