//! The seam between the measurement engine and what it measures.
//!
//! [`Target`] is "something prepared requests are issued to": the load
//! generator ([`super::loadgen`]) owns the requests while they are idle,
//! hands one to [`Target::issue`], and the target gives it back, exactly
//! once, through the [`Sink`] it was attached to, from its own thread(s).
//! [`Probe`] is the target's server side, read between windows (cumulative
//! statistics, whether it is still able to serve).
//!
//! Implementations: the embedded Triton server ([`super::triton_target`]) and
//! a deterministic simulator for tests ([`super::sim`]). The load generator
//! is generic over the target, so the Triton hot path stays a direct call:
//! no boxing, no allocation per request.

use std::sync::Arc;

use crossbeam::channel::Sender;

use super::loadgen::Shared;
use tritium_triton::error::{Error, Result};
use tritium_triton::gpu::cuda::CopyTiming;
use tritium_model::ModelStats;

/// Something requests are issued to.
pub trait Target: Send + Sync + Sized + 'static {
    /// A prepared request: owned by the load generator while idle, by the
    /// target while in flight.
    type Request: Send + 'static;
    /// What a successful request brings back.
    type Response: Send + 'static;

    /// Makes `requests` ready to issue: request `i` gets slot `i` (see
    /// [`slot`](Self::slot)) and, once issued, completes into `sink`.
    /// Called once per load generator, before any issue.
    fn attach(&self, requests: &mut [Self::Request], sink: &Sink<Self>);

    /// The slot [`attach`](Self::attach) gave this request.
    fn slot(&self, request: &Self::Request) -> usize;

    /// Issues the request, with a Triton trace attached when this issue is
    /// sampled for tracing (targets without tracing ignore it). On success
    /// the target owns the request until it completes into the sink (exactly
    /// once); on refusal the request comes back with the reason.
    fn issue(&self, request: Self::Request, trace: Option<tritium_triton::Trace>) -> std::result::Result<(), Refused<Self::Request>>;

    /// Readies a completed request for its next issue (Triton ensembles need
    /// a fresh request object). Default: nothing to do.
    fn renew(&self, _request: &mut Self::Request) -> Result<()> {
        Ok(())
    }

    /// Why a successful response is wrong, if it is (`bench --validate`);
    /// the load generator counts it as a failure "output mismatch: …".
    fn check(&self, _response: &Self::Response) -> Option<String> {
        None
    }

    /// Before a traced issue of `slot`: stage its inputs (timed), so the copy
    /// shows on the timeline. Default: nothing to stage.
    fn stage_inputs(&self, _slot: usize) {}

    /// After a traced completion of `slot`: the timing of its input staging
    /// and of reading its outputs back, when there were such copies.
    fn copies(&self, _slot: usize, _response: Option<&Self::Response>) -> (Option<CopyTiming>, Option<CopyTiming>) {
        (None, None)
    }
}

/// The server side of a target, read by the engine between windows.
pub trait Probe {
    /// Cumulative server-side statistics (the engine reports per-window
    /// deltas); `None` when the target keeps none.
    fn statistics(&self) -> Option<ModelStats> {
        None
    }

    /// Why the target can no longer serve (e.g. a Python stub exited), if so.
    /// Polled every 50 ms during a window.
    fn broken(&self) -> Option<String> {
        None
    }
}

/// A shared probe probes as what it shares.
impl<P: Probe + ?Sized> Probe for Arc<P> {
    fn statistics(&self) -> Option<ModelStats> {
        (**self).statistics()
    }
    fn broken(&self) -> Option<String> {
        (**self).broken()
    }
}

/// An issue the target refused: why, and the request, returned to the caller.
pub struct Refused<R> {
    /// Why the target refused.
    pub error: Error,
    /// The request, still owned by the caller.
    pub request: R,
}

/// A request back from the target.
pub(crate) struct Finished<T: Target> {
    pub(crate) request: T::Request,
    pub(crate) response: Result<T::Response>,
    /// When it was delivered, ns since the load generator's epoch.
    pub(crate) done_ns: u64,
}

/// Where a target delivers completed requests (cheap to clone). Delivering
/// only stamps the time, counts and queues the request for the load
/// generator's workers: safe to call from any thread, never blocks.
pub struct Sink<T: Target> {
    pub(crate) shared: Arc<Shared>,
    pub(crate) tx: Sender<Finished<T>>,
}

impl<T: Target> Clone for Sink<T> {
    fn clone(&self) -> Self {
        Sink { shared: self.shared.clone(), tx: self.tx.clone() }
    }
}

impl<T: Target> Sink<T> {
    /// Hands a request back: its response, or why it failed. Exactly once
    /// per successful [`Target::issue`].
    pub fn deliver(&self, request: T::Request, response: Result<T::Response>) {
        let done_ns = self.shared.now_ns();
        self.shared.completed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.shared.in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        // If the workers are gone the request is dropped here.
        let _ = self.tx.send(Finished { request, response, done_ns });
    }
}
