//! A simulated inference server, to test the measurement engine without
//! Triton: a [`Target`] (and [`Probe`]) with a seeded service-time
//! distribution, N model instances (a request waits for a free one),
//! dynamic batching (max batch size, queue delay) and optional failures,
//! all decided by a seeded RNG.
//!
//! Time: the engine runs on the real monotonic clock (its workers, windows
//! and trace collector all do), so the simulator completes requests in real
//! time, from its own thread. It schedules on the model's clock, not on its
//! wake-ups: an instance starts its next batch when the model says it is
//! free (`max(free at, batch ready)`), so the thread's wake-up slack delays
//! the delivery of a completion but never stretches the service times that
//! follow. Throughput is then bounded by `instances × max batch / service
//! time` however late the thread runs, and tests can assert on counts,
//! orderings, stability decisions and throughput within bounds derived from
//! the model.

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::engine::{self, Setup};
use super::export::LoadPoint;
use super::loadgen::LoadMode;
use super::resources::Sampler;
use super::target::{Probe, Refused, Sink, Target};
use super::{BenchConfig, Observer};
use tritium_triton::error::{Error, Result, TritonCode};
use tritium_model::{BatchStats, ModelStats, StatDuration};

/// How long one execution (a batch) takes.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceTime {
    /// Always this long.
    Constant(Duration),
    /// Log-normal around `median`: `median × e^(σ·z)`, z standard normal
    /// from the seeded RNG.
    LogNormal {
        /// The median service time.
        median: Duration,
        /// σ of the underlying normal (0.1 ≈ ±10 %).
        sigma: f64,
    },
    /// A target that drifts: `start`, doubling every `doubling` of the
    /// simulator's life (it never settles).
    Drifting {
        /// Service time when the simulator is created.
        start: Duration,
        /// Time for the service time to double.
        doubling: Duration,
    },
    /// A batch of `b` takes `base + per_item × b`, times a mean-one
    /// log-normal factor `e^(σ·z − σ²/2)`: its mean is exactly
    /// `base + per_item × b` (the `noisy_service` test model's law).
    Affine {
        /// Fixed cost of one execution.
        base: Duration,
        /// Added cost per request in the batch.
        per_item: Duration,
        /// σ of the underlying normal (0 = deterministic).
        sigma: f64,
    },
}

/// A kind of failure: each request fails with probability `rate` (kinds
/// are tried in order) with `message`, where `{n}` becomes the request's
/// serial number (so that failure kinds must mask it).
#[derive(Debug, Clone, PartialEq)]
pub struct SimFailure {
    /// Probability of this failure per request, 0..=1.
    pub rate: f64,
    /// Message of the error the request completes with.
    pub message: String,
}

/// The simulated server.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Service time of one execution, whatever its batch size.
    pub service: ServiceTime,
    /// Model instances executing in parallel (at least 1).
    pub instances: usize,
    /// Largest batch an execution takes (1 = no batching).
    pub max_batch: usize,
    /// How long a partial batch waits for more requests before it runs
    /// (dynamic batching's `max_queue_delay`).
    pub queue_delay: Duration,
    /// Failures, by kind.
    pub failures: Vec<SimFailure>,
    /// Seed of the service times and failures.
    pub seed: u64,
}

impl SimConfig {
    /// `instances` instances of a constant `service` time, no batching, no failures.
    pub fn constant(service: Duration, instances: usize) -> SimConfig {
        SimConfig { service: ServiceTime::Constant(service), instances, max_batch: 1, queue_delay: Duration::ZERO, failures: Vec::new(), seed: 1 }
    }

    /// The most requests per second the model can complete:
    /// instances × max batch / (median; for `Affine` mean) service time of a
    /// full batch at the start.
    pub fn capacity(&self) -> f64 {
        let s = match &self.service {
            ServiceTime::Constant(d) => *d,
            ServiceTime::LogNormal { median, .. } => *median,
            ServiceTime::Drifting { start, .. } => *start,
            ServiceTime::Affine { base, per_item, .. } => *base + per_item.saturating_mul(self.max_batch.max(1) as u32),
        };
        (self.instances.max(1) * self.max_batch.max(1)) as f64 / s.as_secs_f64().max(1e-9)
    }
}

/// A prepared simulated request.
#[derive(Debug)]
pub struct SimRequest {
    slot: usize,
}

/// What a simulated request returns: its server-side timing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimResponse {
    /// Size of the batch it ran in.
    pub batch_size: usize,
    /// Time it waited for an instance (and for its batch to fill).
    pub queue: Duration,
    /// Service time of its execution.
    pub compute: Duration,
}

/// A running simulated server (stops its thread when dropped).
pub struct Sim {
    inner: Arc<Inner>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sim({:?})", self.inner.cfg)
    }
}

struct Inner {
    cfg: SimConfig,
    born: Instant,
    state: Mutex<State>,
    wake: Condvar,
}

struct Batch {
    instance: usize,
    start: Instant,
    done_at: Instant,
    service: Duration,
    /// Each request, when it arrived, and the failure it completes with.
    items: Vec<(SimRequest, Instant, Option<String>)>,
}

struct State {
    sink: Option<Sink<Sim>>,
    /// Waiting requests with their arrival time, oldest first.
    queue: VecDeque<(SimRequest, Instant)>,
    /// Per instance: when it finished its last batch, and whether it runs one now.
    free_at: Vec<Instant>,
    busy: Vec<bool>,
    running: Vec<Batch>,
    rng: u64,
    /// Requests started so far (serial numbers of failure messages).
    serial: u64,
    stats: ModelStats,
    /// Requests issued and not yet delivered, and the most there ever were.
    holding: usize,
    peak: usize,
    issued: u64,
    /// When each request arrived (the first [`MAX_ARRIVALS`]), since the simulator started.
    arrivals: Vec<Duration>,
    stop: bool,
}

/// Arrival times the simulator keeps (for the schedule tests).
pub const MAX_ARRIVALS: usize = 100_000;

impl Sim {
    /// Starts a simulated server.
    pub fn start(cfg: SimConfig) -> Arc<Sim> {
        let n = cfg.instances.max(1);
        let born = Instant::now();
        let state = State {
            sink: None,
            queue: VecDeque::new(),
            free_at: vec![born; n],
            busy: vec![false; n],
            running: Vec::new(),
            rng: splitmix(cfg.seed),
            serial: 0,
            stats: ModelStats { name: "sim".into(), version: "1".into(), ..Default::default() },
            holding: 0,
            peak: 0,
            issued: 0,
            arrivals: Vec::new(),
            stop: false,
        };
        let inner = Arc::new(Inner { cfg, born, state: Mutex::new(state), wake: Condvar::new() });
        let run = inner.clone();
        let thread = std::thread::Builder::new().name("tritium-sim".into()).spawn(move || run.run()).ok();
        Arc::new(Sim { inner, thread })
    }

    /// `n` prepared requests (slots are given at attach).
    pub fn requests(n: usize) -> Vec<SimRequest> {
        (0..n).map(|slot| SimRequest { slot }).collect()
    }

    /// The model simulated.
    pub fn config(&self) -> &SimConfig {
        &self.inner.cfg
    }

    /// The most requests the simulator ever held at once (waiting or executing).
    pub fn peak_in_flight(&self) -> usize {
        self.inner.lock().peak
    }

    /// When the requests arrived, since the simulator started, in arrival
    /// order (the first [`MAX_ARRIVALS`]).
    pub fn arrivals(&self) -> Vec<Duration> {
        self.inner.lock().arrivals.clone()
    }

    /// Requests issued to the simulator so far.
    pub fn issued(&self) -> u64 {
        self.inner.lock().issued
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.inner.lock().stop = true;
        self.inner.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Target for Sim {
    type Request = SimRequest;
    type Response = SimResponse;

    fn attach(&self, requests: &mut [SimRequest], sink: &Sink<Self>) {
        for (i, r) in requests.iter_mut().enumerate() {
            r.slot = i;
        }
        self.inner.lock().sink = Some(sink.clone());
    }

    fn slot(&self, request: &SimRequest) -> usize {
        request.slot
    }

    fn issue(&self, request: SimRequest, _trace: Option<tritium_triton::Trace>) -> std::result::Result<(), Refused<SimRequest>> {
        let mut st = self.inner.lock();
        if st.stop || st.sink.is_none() {
            return Err(Refused { error: Error::InvalidArgument("simulated server is not attached or stopped".into()), request });
        }
        let now = Instant::now();
        st.queue.push_back((request, now));
        if st.arrivals.len() < MAX_ARRIVALS {
            st.arrivals.push(now.duration_since(self.inner.born));
        }
        st.holding += 1;
        st.peak = st.peak.max(st.holding);
        st.issued += 1;
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
    }
}

impl Probe for Sim {
    fn statistics(&self) -> Option<ModelStats> {
        Some(self.inner.lock().stats.clone())
    }
}

/// Measures one load level of `cfg` against the simulator, as
/// [`super::measure_point`] does against Triton.
pub fn measure_point(sim: &Arc<Sim>, cfg: &BenchConfig, load: LoadMode, sampler: &Sampler, interrupt: &AtomicBool, obs: &dyn Observer) -> Result<LoadPoint> {
    engine::measure(cfg, load, sampler, interrupt, obs, |n, _threads| {
        Ok(Setup { target: sim.clone(), requests: Sim::requests(n), probe: Box::new(sim.clone()), tracer: None, started: Instant::now() })
    })
    .map(|(p, _)| p)
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The simulator's thread: completes due batches, starts the batches the
    /// model allows, sleeps until the next event.
    fn run(&self) {
        let mut st = self.lock();
        loop {
            if st.stop {
                return;
            }
            let now = Instant::now();
            let mut done = Vec::new();
            let mut i = 0;
            while i < st.running.len() {
                if st.running[i].done_at <= now {
                    let b = st.running.swap_remove(i);
                    st.finish(&b);
                    done.push(b);
                } else {
                    i += 1;
                }
            }
            while let Some((inst, start)) = st.next_start(&self.cfg) {
                if start > now {
                    break;
                }
                let b = st.start_batch(&self.cfg, self.born, inst, start);
                st.running.push(b);
            }
            if !done.is_empty() {
                let sink = st.sink.clone();
                drop(st);
                if let Some(sink) = sink {
                    for b in done {
                        let (batch_size, queue_base) = (b.items.len(), b.start);
                        for (r, arrived, failure) in b.items {
                            let resp = match failure {
                                None => Ok(SimResponse { batch_size, queue: queue_base.saturating_duration_since(arrived), compute: b.service }),
                                Some(m) => Err(Error::Triton { context: "inference".into(), code: TritonCode::Internal, message: m }),
                            };
                            sink.deliver(r, resp);
                        }
                    }
                }
                st = self.lock();
                continue;
            }
            let next_done = st.running.iter().map(|b| b.done_at).min();
            let next_start = st.next_start(&self.cfg).map(|(_, t)| t);
            let next = [next_done, next_start].into_iter().flatten().min();
            st = match next {
                Some(t) => self.wake.wait_timeout(st, t.saturating_duration_since(now)).map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0),
                None => self.wake.wait(st).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }
}

impl State {
    /// The idle instance free earliest, and when the model lets it start a
    /// batch of what waits: once it is free and the batch is ready (full, or
    /// its oldest request waited the queue delay).
    fn next_start(&self, cfg: &SimConfig) -> Option<(usize, Instant)> {
        let first = self.queue.front()?.1;
        let inst = (0..self.busy.len()).filter(|&i| !self.busy[i]).min_by_key(|&i| self.free_at[i])?;
        let max_batch = cfg.max_batch.max(1);
        let ready = if self.queue.len() >= max_batch { self.queue[max_batch - 1].1 } else { first + cfg.queue_delay };
        Some((inst, self.free_at[inst].max(ready).max(first)))
    }

    fn start_batch(&mut self, cfg: &SimConfig, born: Instant, instance: usize, start: Instant) -> Batch {
        let mut items = Vec::new();
        while items.len() < cfg.max_batch.max(1) && self.queue.front().is_some_and(|(_, at)| *at <= start) {
            let Some((r, at)) = self.queue.pop_front() else { break };
            self.serial += 1;
            let failure = self.failure(cfg);
            items.push((r, at, failure));
        }
        let service = self.service(cfg, start.saturating_duration_since(born), items.len());
        self.busy[instance] = true;
        Batch { instance, start, done_at: start + service, service, items }
    }

    fn failure(&mut self, cfg: &SimConfig) -> Option<String> {
        if cfg.failures.is_empty() {
            return None;
        }
        let u = self.uniform();
        let mut acc = 0.0;
        for f in &cfg.failures {
            acc += f.rate;
            if u < acc {
                return Some(f.message.replace("{n}", &self.serial.to_string()));
            }
        }
        None
    }

    fn service(&mut self, cfg: &SimConfig, age: Duration, batch: usize) -> Duration {
        match &cfg.service {
            ServiceTime::Constant(d) => *d,
            ServiceTime::LogNormal { median, sigma } => {
                // Box–Muller: one standard normal from two uniforms.
                let (u1, u2) = (self.uniform(), self.uniform());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                median.mul_f64((sigma * z).exp().clamp(1e-3, 1e3))
            }
            ServiceTime::Drifting { start, doubling } => start.mul_f64(2f64.powf(age.as_secs_f64() / doubling.as_secs_f64().max(1e-9)).min(1e6)),
            ServiceTime::Affine { base, per_item, sigma } => {
                let mean = *base + per_item.saturating_mul(batch.max(1) as u32);
                let (u1, u2) = (self.uniform(), self.uniform());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                mean.mul_f64((sigma * z - sigma * sigma / 2.0).exp().clamp(1e-3, 1e3))
            }
        }
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        self.rng = xorshift(self.rng);
        ((self.rng >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Books a finished batch: its instance is free, its requests leave,
    /// Triton-like statistics count it.
    fn finish(&mut self, b: &Batch) {
        self.busy[b.instance] = false;
        self.free_at[b.instance] = b.done_at;
        self.holding = self.holding.saturating_sub(b.items.len());
        let ns = |d: Duration| d.as_nanos().min(u128::from(u64::MAX)) as u64;
        let add = |s: &mut StatDuration, d: Duration| {
            s.count += 1;
            s.ns += ns(d);
        };
        let st = &mut self.stats;
        let mut ok = 0u64;
        for (_, arrived, failure) in &b.items {
            let request = b.done_at.saturating_duration_since(*arrived);
            if failure.is_some() {
                add(&mut st.inference_stats.fail, request);
                continue;
            }
            ok += 1;
            add(&mut st.inference_stats.success, request);
            add(&mut st.inference_stats.queue, b.start.saturating_duration_since(*arrived));
            add(&mut st.inference_stats.compute_input, Duration::ZERO);
            add(&mut st.inference_stats.compute_infer, b.service);
            add(&mut st.inference_stats.compute_output, Duration::ZERO);
        }
        st.inference_count += ok;
        st.execution_count += 1;
        let size = b.items.len() as u64;
        let i = match st.batch_stats.iter().position(|x| x.batch_size == size) {
            Some(i) => i,
            None => {
                st.batch_stats.push(BatchStats { batch_size: size, ..Default::default() });
                st.batch_stats.len() - 1
            }
        };
        add(&mut st.batch_stats[i].compute_infer, b.service);
    }
}

fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) | 1
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}
