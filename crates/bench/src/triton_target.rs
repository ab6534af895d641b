//! The embedded Triton server as a [`Target`]: prepared
//! [`InferRequest`]s issued with `ServerInferAsync`, completions delivered
//! from Triton's threads; `--validate` checks, renewing ensemble requests,
//! timed CUDA copies of traced requests (`--trace-cuda-copies`), and the
//! [`Probe`] reading Triton's statistics and watching Python stubs.

use std::sync::{Arc, Mutex};

use super::target::{Probe, Refused, Sink, Target};
use super::validate::OutputCheck;
use super::BenchConfig;
use tritium_triton::error::Result;
use tritium_triton::gpu::cuda::CopyTiming;
use tritium_triton::gpu::{DeviceBuffer, PinnedBuffer};
use tritium_model::ModelStats;
use tritium_triton::{Completion, CompletionHandler, InferRequest, Response, Server};

/// Requests issued to the embedded Triton server.
#[derive(Debug, Default)]
pub struct Triton {
    /// Give every request a fresh Triton object before it is issued again
    /// (required for ensembles, see [`InferRequest::renew`]).
    pub renew: bool,
    /// Check every successful response against the model's metadata (`--validate`).
    pub validate: Option<Arc<OutputCheck>>,
    /// Timed CUDA copies of traced requests (`--trace-cuda-copies`).
    pub cuda_copies: Option<CudaCopies>,
}

impl Target for Triton {
    type Request = InferRequest;
    type Response = Response;

    fn attach(&self, requests: &mut [InferRequest], sink: &Sink<Self>) {
        let sink = sink.clone();
        let handler = Arc::new(move |c: Completion| sink.deliver(c.request, c.response)) as Arc<dyn CompletionHandler>;
        for (i, r) in requests.iter_mut().enumerate() {
            r.set_handler(handler.clone());
            r.set_tag(i as u64);
        }
    }

    fn slot(&self, request: &InferRequest) -> usize {
        request.tag() as usize
    }

    fn issue(&self, request: InferRequest, trace: Option<tritium_triton::Trace>) -> std::result::Result<(), Refused<InferRequest>> {
        match trace {
            Some(t) => request.issue_traced(t),
            None => request.issue(),
        }
        .map_err(|e| Refused { error: e.error, request: e.request })
    }

    fn renew(&self, request: &mut InferRequest) -> Result<()> {
        if self.renew {
            request.renew()
        } else {
            Ok(())
        }
    }

    fn check(&self, response: &Response) -> Option<String> {
        self.validate.as_ref().and_then(|v| v.check(response).err()).map(|m| m.to_string())
    }

    fn stage_inputs(&self, slot: usize) {
        let Some(st) = self.staging(slot) else { return };
        // Stage the inputs (timed): the copy is tritium's work, shown on the
        // timeline, not part of the server's latency.
        let mut span = None;
        for (dst, src) in &st.inputs {
            if let Ok(t) = tritium_triton::gpu::cuda::timed_h2d(dst, src.as_slice()) {
                span = Some(CopyTiming::merged(span, &t));
            }
        }
        if let Ok(mut h) = st.h2d.lock() {
            *h = span;
        }
    }

    fn copies(&self, slot: usize, response: Option<&Response>) -> (Option<CopyTiming>, Option<CopyTiming>) {
        match self.staging(slot) {
            Some(st) => (st.h2d.lock().ok().and_then(|mut h| h.take()), response.and_then(|r| read_back(st, r))),
            None => (None, None),
        }
    }
}

impl Triton {
    fn staging(&self, slot: usize) -> Option<&Staging> {
        self.cuda_copies.as_ref().and_then(|c| c.0.get(slot))
    }
}

/// The timed CUDA copies of a set of prepared requests (`--trace-cuda-copies`),
/// from [`CudaCopies::prepare`].
pub struct CudaCopies(Vec<Staging>);

impl std::fmt::Debug for CudaCopies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaCopies({} requests)", self.0.len())
    }
}

impl CudaCopies {
    /// Pinned host copies of every request's device inputs (read back once, before the run).
    pub fn prepare(requests: &[InferRequest]) -> Result<CudaCopies> {
        let mut all = Vec::new();
        for r in requests {
            let mut inputs = Vec::new();
            for d in r.device_inputs() {
                let host = PinnedBuffer::from_slice(&d.to_host()?)?;
                inputs.push((d, host));
            }
            all.push(Staging { inputs, h2d: Mutex::new(None), scratch: Mutex::new(Vec::new()) });
        }
        Ok(CudaCopies(all))
    }
}

/// One prepared request's timed CUDA copies.
struct Staging {
    /// Device inputs and the host (pinned) bytes they are staged from.
    inputs: Vec<(Arc<DeviceBuffer>, PinnedBuffer)>,
    /// The last staging's timing, until its completion is recorded.
    h2d: Mutex<Option<CopyTiming>>,
    /// Host buffer the GPU outputs are read back into.
    scratch: Mutex<Vec<u8>>,
}

/// Reads a traced response's GPU outputs back to the host, timed with CUDA events.
fn read_back(st: &Staging, resp: &Response) -> Option<CopyTiming> {
    let outs = resp.outputs().ok()?;
    let mut scratch = st.scratch.lock().ok()?;
    let mut span = None;
    for o in outs {
        if let Some(src) = o.device_slice() {
            let len = src.len();
            if scratch.len() < len {
                scratch.resize(len, 0);
            }
            if let Ok(t) = tritium_triton::gpu::cuda::timed_d2h(src, &mut scratch) {
                span = Some(CopyTiming::merged(span, &t));
            }
        }
    }
    span
}

/// Triton's side of a load level: the model's statistics, and the
/// Python-backend stub processes serving it (every model's for an ensemble):
/// Triton does not fail the requests of a stub that died, they simply never
/// complete.
pub(crate) struct TritonProbe<'a> {
    server: &'a Server,
    cfg: &'a BenchConfig,
    stubs: Vec<(u32, String)>,
}

impl<'a> TritonProbe<'a> {
    /// Starts watching the stubs serving `cfg.model`.
    pub(crate) fn start(server: &'a Server, cfg: &'a BenchConfig) -> TritonProbe<'a> {
        let ensemble = super::needs_renew(server, cfg);
        let mut stubs = tritium_util::procfs::python_stubs(if ensemble { None } else { Some(&cfg.model) });
        stubs.retain(|(pid, _)| !cfg.retiring_stubs.contains(pid));
        TritonProbe { server, cfg, stubs }
    }
}

impl Probe for TritonProbe<'_> {
    fn statistics(&self) -> Option<ModelStats> {
        self.server.model_statistics(&self.cfg.model, self.cfg.version).ok().and_then(|s| s.model_stats.into_iter().next())
    }

    /// The first watched stub that no longer runs, as a message for the user.
    fn broken(&self) -> Option<String> {
        self.stubs.iter().find(|(pid, _)| !tritium_util::procfs::is_running(*pid)).map(|(pid, model)| {
            format!("the Python stub of model {model} (pid {pid}) exited during the measurement; its requests in flight never complete and the model serves nothing until it is loaded again")
        })
    }
}
