//! A small harness for `cargo bench` (criterion) benchmarks of your own
//! models through the library:
//!
//! ```no_run
//! # use criterion::Criterion;
//! # fn demo(c: &mut Criterion) -> tritium_triton::Result<()> {
//! let mut mb = tritium_bench::harness::ModelBench::start("examples/model_repository", "add_sub")?;
//! c.bench_function("add_sub", |b| b.iter_custom(|n| mb.run(n, 1).expect("inference")));
//! # Ok(()) }
//! ```
//!
//! `run(n, concurrency)` issues `n` requests keeping `concurrency` in flight
//! and returns the elapsed time, so criterion reports time per request (at
//! concurrency > 1, the reciprocal of throughput).
//!
//! # Timing with CUDA events
//! By default the elapsed time is the host's monotonic clock
//! ([`Timing::Wall`]). With [`Timing::CudaEvents`] (or
//! [`ModelBench::run_cuda_timed`]) it is read from two CUDA events instead:
//!
//! 1. the start event is recorded on a private non-blocking stream of the
//!    device (primary context, shared with Triton) right before the first
//!    request is issued;
//! 2. the end event is recorded on that stream right after the last
//!    completion has reached the harness;
//! 3. the end event is synchronised and the result is
//!    `cuEventElapsedTime(start, end)` (resolution about 0.5 µs).
//!
//! The stream holds nothing else, so each event completes as soon as the GPU
//! sees it: the result is the time between the two records **on the GPU's
//! clock**, i.e. the same interval as the wall time, plus the difference
//! between the two records' submission latencies (small on an idle GPU; H200
//! numbers in docs/benchmarks.md). It is not a sum of kernel times. Kernels of in-process backends
//! (TensorRT, ONNX Runtime, PyTorch/libtorch) run on Triton's streams, which
//! are not ordered with ours; they fall inside the interval only because a
//! request completes after its kernels did. For **Python-backend models**
//! (including KIND_GPU ones using torch) the kernels run in the stub process,
//! in another CUDA context: events in our process cannot see them at all and
//! bracket the wall time of the batch on the GPU's clock, not kernel time.
//! Use Nsight Systems or Triton's traces (`crate::trace`) for per-kernel or
//! per-phase time.
//!
//! When CUDA is unusable (no driver, no device) [`ModelBench::timing`] and
//! [`ModelBench::run_cuda_timed`] return [`Error::Cuda`] saying why; check
//! [`tritium_triton::gpu::cuda_available`] first to skip a benchmark:
//!
//! ```no_run
//! # use criterion::Criterion;
//! # fn demo(c: &mut Criterion) -> tritium_triton::Result<()> {
//! use tritium_bench::harness::{ModelBench, Timing};
//! if !tritium_triton::gpu::cuda_available() {
//!     eprintln!("skipped: no CUDA on this machine");
//!     return Ok(());
//! }
//! let mut mb = ModelBench::start("examples/model_repository", "add_sub")?.timing(Timing::CudaEvents { device: 0 })?;
//! c.bench_function("add_sub/cuda_events", |b| b.iter_custom(|n| mb.run(n, 1).expect("inference")));
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use tritium_triton::error::{Error, Result};
use tritium_triton::gpu::cuda::{Event, Stream};
use tritium_triton::{Completion, InferRequest, OutputMemory, Server};

use super::{build_requests, prepare_inputs, BenchConfig};

/// Which clock [`ModelBench::run`] reads (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Timing {
    /// The host's monotonic clock ([`Instant`]) around the batch of requests.
    #[default]
    Wall,
    /// CUDA events recorded on a private stream of `device` before the first
    /// issue and after the last completion; GPU clock.
    CudaEvents {
        /// CUDA device whose primary context holds the stream and events.
        device: i32,
    },
}

/// A stream and two timing events: the CUDA-event clock of a [`ModelBench`].
struct CudaClock {
    stream: Stream,
    start: Event,
    end: Event,
}

impl CudaClock {
    fn new(device: i32) -> Result<CudaClock> {
        let stream = Stream::new(device).map_err(|e| Error::Cuda(format!("CUDA-event timing on device {device} is unavailable: {e}")))?;
        Ok(CudaClock { stream, start: Event::new(device)?, end: Event::new(device)? })
    }
    fn start(&self) -> Result<()> {
        self.start.record(&self.stream)
    }
    fn stop(&self) -> Result<Duration> {
        self.end.record(&self.stream)?;
        self.end.synchronize()?;
        self.end.elapsed_since(&self.start)
    }
}

/// An embedded server with one model loaded and requests prepared.
pub struct ModelBench {
    // Declared before `server`: requests must be dropped first.
    pool: Vec<InferRequest>,
    tx: crossbeam::channel::Sender<Completion>,
    rx: crossbeam::channel::Receiver<Completion>,
    server: Arc<Server>,
    renew: bool,
    timing: Timing,
    // Stream and events of the CUDA-event clock, created on first use and kept.
    cuda: Option<CudaClock>,
}

impl ModelBench {
    /// Starts a server on `repo` (runtime found as `tritium` finds it), loads `model`
    /// and prepares random inputs (batch 1).
    pub fn start(repo: impl AsRef<std::path::Path>, model: &str) -> Result<ModelBench> {
        let rt = tritium_triton::runtime::locate(None)?;
        let server = rt.start_server(&rt.server_options(repo.as_ref()).exit_timeout_secs(5))?;
        server.load_model(model)?;
        Self::with_server(Arc::new(server), BenchConfig::new(model))
    }

    /// Uses an already started server (the model loaded) and a bench config
    /// (model, batch size, inputs, memory). Several benches can share one server.
    pub fn with_server(server: Arc<Server>, cfg: BenchConfig) -> Result<ModelBench> {
        let sets = prepare_inputs(&server, &cfg)?;
        let (tx, rx) = crossbeam::channel::unbounded();
        let pool = build_requests(&server, &cfg, &sets, 64)?;
        let renew = super::needs_renew(&server, &cfg);
        let mut mb = ModelBench { pool, tx, rx, server, renew, timing: Timing::Wall, cuda: None };
        let handler: Arc<dyn tritium_triton::CompletionHandler> = {
            let tx = mb.tx.clone();
            Arc::new(move |c: Completion| {
                let _ = tx.send(c);
            })
        };
        for r in &mut mb.pool {
            r.set_handler(handler.clone());
        }
        Ok(mb)
    }

    /// The server, e.g. to read statistics.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// Selects the clock of [`ModelBench::run`]. `Timing::CudaEvents` creates
    /// the stream and events now and fails with [`Error::Cuda`] when CUDA is
    /// unusable or the device does not exist.
    pub fn timing(mut self, timing: Timing) -> Result<ModelBench> {
        if let Timing::CudaEvents { device } = timing {
            self.ensure_cuda_clock(device)?;
        }
        self.timing = timing;
        Ok(self)
    }

    /// The clock [`ModelBench::run`] reads.
    pub fn current_timing(&self) -> Timing {
        self.timing
    }

    /// Creates the CUDA clock of `device` unless it exists.
    fn ensure_cuda_clock(&mut self, device: i32) -> Result<()> {
        if self.cuda.as_ref().is_none_or(|k| k.stream.device() != device) {
            self.cuda = Some(CudaClock::new(device)?);
        }
        Ok(())
    }

    /// Issues `n` requests with up to `concurrency` (≤ 64) in flight; returns
    /// the elapsed time on the clock chosen with [`ModelBench::timing`]
    /// (default: the host's).
    pub fn run(&mut self, n: u64, concurrency: usize) -> Result<Duration> {
        match self.timing {
            Timing::Wall => self.drive(n, concurrency, None),
            Timing::CudaEvents { .. } => self.run_cuda_timed(n, concurrency),
        }
    }

    /// Like [`ModelBench::run`], timed with CUDA events (see the module docs)
    /// whatever [`ModelBench::timing`] says: on the device chosen there, else
    /// device 0 (stream and events created on first use and kept).
    /// [`Error::Cuda`] when CUDA is unusable.
    pub fn run_cuda_timed(&mut self, n: u64, concurrency: usize) -> Result<Duration> {
        let device = match self.timing {
            Timing::CudaEvents { device } => device,
            Timing::Wall => self.cuda.as_ref().map_or(0, |k| k.stream.device()),
        };
        self.ensure_cuda_clock(device)?;
        let clock = self.cuda.take();
        let r = self.drive(n, concurrency, clock.as_ref());
        self.cuda = clock;
        r
    }

    fn drive(&mut self, n: u64, concurrency: usize, clock: Option<&CudaClock>) -> Result<Duration> {
        let c = concurrency.clamp(1, self.pool.len());
        if let Some(k) = clock {
            k.start()?;
        }
        let t0 = Instant::now();
        let mut issued = 0u64;
        let mut done = 0u64;
        let mut first_err: Option<Error> = None;
        while issued < n.min(c as u64) {
            let r = self.pool.pop().ok_or(Error::ServerGone)?;
            r.issue().map_err(|e| e.error)?;
            issued += 1;
        }
        while done < issued {
            let comp = self.rx.recv().map_err(|_| Error::ServerGone)?;
            done += 1;
            if let Err(e) = comp.response {
                first_err.get_or_insert(e);
            }
            let mut request = comp.request;
            if self.renew {
                request.renew()?;
            }
            if issued < n {
                request.issue().map_err(|e| e.error)?;
                issued += 1;
            } else {
                self.pool.push(request);
            }
        }
        let t = match clock {
            Some(k) => k.stop()?,
            None => t0.elapsed(),
        };
        match first_err {
            Some(e) => Err(e),
            None => Ok(t),
        }
    }
}

/// One acquire + release of an output buffer from tritium's allocator, for
/// micro-benchmarks of the allocation path.
pub fn allocator_round_trip(mem: OutputMemory, bytes: usize) -> Result<()> {
    tritium_triton::allocator::round_trip(mem, bytes)
}
