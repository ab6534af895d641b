//! A small harness for `cargo bench` (criterion) benchmarks of your own
//! models through the library:
//!
//! ```no_run
//! # use criterion::Criterion;
//! # fn demo(c: &mut Criterion) -> tritium::Result<()> {
//! let mut mb = tritium::bench::harness::ModelBench::start("examples/model_repository", "add_sub")?;
//! c.bench_function("add_sub", |b| b.iter_custom(|n| mb.run(n, 1).expect("inference")));
//! # Ok(()) }
//! ```
//!
//! `run(n, concurrency)` issues `n` requests keeping `concurrency` in flight
//! and returns the wall time, so criterion reports time per request (at
//! concurrency > 1, the reciprocal of throughput).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::triton::{Completion, InferRequest, OutputMemory, Server};

use super::{build_requests, prepare_inputs, BenchConfig};

/// An embedded server with one model loaded and requests prepared.
pub struct ModelBench {
    // Declared before `server`: requests must be dropped first.
    pool: Vec<InferRequest>,
    tx: crossbeam::channel::Sender<Completion>,
    rx: crossbeam::channel::Receiver<Completion>,
    server: Arc<Server>,
    renew: bool,
}

impl ModelBench {
    /// Starts a server on `repo` (runtime found as `tritium` finds it), loads `model`
    /// and prepares random inputs (batch 1).
    pub fn start(repo: impl AsRef<std::path::Path>, model: &str) -> Result<ModelBench> {
        let rt = crate::runtime::locate(None)?;
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
        let mut mb = ModelBench { pool, tx, rx, server, renew };
        let handler: Arc<dyn crate::triton::CompletionHandler> = {
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

    /// Issues `n` requests with up to `concurrency` (≤ 64) in flight; returns the elapsed time.
    pub fn run(&mut self, n: u64, concurrency: usize) -> Result<Duration> {
        let c = concurrency.clamp(1, self.pool.len());
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
        let t = t0.elapsed();
        match first_err {
            Some(e) => Err(e),
            None => Ok(t),
        }
    }
}

/// One acquire + release of an output buffer from tritium's allocator, for
/// micro-benchmarks of the allocation path.
pub fn allocator_round_trip(mem: OutputMemory, bytes: usize) -> Result<()> {
    crate::triton::allocator::round_trip(mem, bytes)
}
