//! The load generator: prepared requests issued to a [`Target`] by
//! lock-free worker threads.
//!
//! - Completions arrive on the target's threads (Triton's, or the
//!   simulator's); its [`Sink`] stamps the time and pushes the request into
//!   one crossbeam channel. Nothing else runs there.
//! - Worker threads (`--max-threads`) take completions from that channel,
//!   record latency into their own histogram, and re-issue the same request
//!   (closed loop) or return it to an idle pool (open loop) — no global lock.
//! - In request-rate mode each worker owns a share of the schedule (constant,
//!   Poisson or a `--request-intervals` file's gaps, [`crate::schedule`]) and sends at the scheduled time; latency counts from the
//!   *scheduled* time, so a stalled server cannot hide latency (the actual
//!   issue time is kept too, for the client-overhead figure).
//! - Failures are counted by kind ([`failure_kind`]: numbers and ids masked,
//!   at most [`limits::MAX_FAILURE_KINDS`](super::limits::MAX_FAILURE_KINDS)
//!   kinds plus "other"), with one example message per kind.
//! - The target may check every successful response ([`Target::check`],
//!   `bench --validate`); a mismatch is a failure.
//! - Windows are closed by the coordinator (it advances `window`); each worker
//!   hands over its accumulator for the closed window when it notices.
//!
//! The generator is generic over the target: on the Triton path issuing is
//! a direct call, with no allocation per request.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam::channel::{Receiver, RecvTimeoutError, Sender};
use crossbeam::queue::ArrayQueue;

use super::schedule::Schedule;
pub use super::schedule::Intervals;
use super::target::{Finished, Sink, Target};
use super::validate::OutputCheck;
use crate::trace::collect::{ClientRecord, Collector};
use tritium_triton::InferRequest;
use tritium_util::monotonic_ns;

pub use super::triton_target::{CudaCopies, Triton};
pub use super::window_acc::{failure_kind, SubAcc, WindowAcc, MAX_SUBWINDOWS, SUBWINDOWS};

/// How load is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoadMode {
    /// Closed loop: this many requests always in flight.
    Concurrency(u32),
    /// Open loop: this many requests per second on the given schedule.
    RequestRate { rate: f64, distribution: Distribution },
}

/// Request-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Distribution {
    /// Evenly spaced sends.
    Constant,
    /// Exponential gaps (seeded).
    Poisson,
    /// The gaps of a `--request-intervals` file, cycled (see [`crate::schedule`]);
    /// the load mode's `rate` is their mean rate.
    Custom(Intervals),
}

impl tritium_util::Choice for Distribution {
    const ALL: &'static [Self] = &[Distribution::Constant, Distribution::Poisson];
    fn name(self) -> &'static str {
        match self {
            Distribution::Constant => "constant",
            Distribution::Poisson => "poisson",
            Distribution::Custom(_) => "custom",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Distribution::Constant => "Evenly spaced sends",
            Distribution::Poisson => "Exponential gaps (seeded)",
            Distribution::Custom(_) => "The gaps of a --request-intervals file",
        }
    }
}


/// Below this distance to a scheduled send a worker polls instead of sleeping.
const SPIN_NS: u64 = 200_000;

/// State shared by the coordinator, the workers and the target's [`Sink`].
pub(crate) struct Shared {
    /// CLOCK_MONOTONIC ns at start: times below are relative to it, on the
    /// clock of Triton's trace timestamps.
    epoch_mono: u64,
    /// Issue (or scheduled) time of each prepared request, ns since `epoch`.
    issue_ns: Vec<AtomicU64>,
    /// Actual issue time of each prepared request (differs from `issue_ns`
    /// in request-rate mode, where latency counts from the schedule).
    sent_ns: Vec<AtomicU64>,
    /// Stop issuing (set at the end or on Ctrl-C).
    pub(crate) stop: AtomicBool,
    /// The window completions are being counted into.
    pub(crate) window: AtomicU64,
    /// The sub-window successes are counted into, as `window << 8 | index`
    /// (set before `window` when a window closes, so a worker that sees the
    /// new window sees its sub-window 0).
    sub_window: AtomicU64,
    /// Completions since start (for count windows).
    pub(crate) completed: AtomicU64,
    /// Requests in the target right now.
    pub(crate) in_flight: AtomicU64,
    /// Completions the workers have recorded (≤ `completed`, which counts at delivery).
    recorded: AtomicU64,
    /// The trace collector, when tracing.
    tracer: Option<Arc<Collector>>,
    /// Trace id of each prepared request's current issue (0 = not traced).
    trace_ids: Vec<AtomicU64>,
    /// Issue at most this many requests in all (deterministic mode); `u64::MAX` = no limit.
    limit: u64,
    /// Issues so far (counted against `limit`).
    issued_total: AtomicU64,
    /// Open NVTX range of each prepared request (when NVTX is loaded).
    nvtx_ids: Vec<AtomicU64>,
}

/// Options of [`LoadGen::start_with`] (the Triton target).
#[derive(Debug, Default)]
pub struct GenOptions {
    /// Trace requests into this collector (sampled at its rate).
    pub tracer: Option<Arc<Collector>>,
    /// Issue exactly this many requests in all (deterministic runs, `--request-count`).
    pub limit: Option<u64>,
    /// Traced requests stage their CUDA inputs host→device before the issue
    /// and read GPU outputs back after completion, timed with CUDA events.
    pub cuda_copies: Option<CudaCopies>,
    /// Check every successful response against the model's declared outputs
    /// (`--validate`); a mismatch counts as a failure of kind "output mismatch: ...".
    pub validate: Option<Arc<OutputCheck>>,
}

impl Shared {
    pub(crate) fn now_ns(&self) -> u64 {
        monotonic_ns().saturating_sub(self.epoch_mono)
    }
}

/// A running load generator driving target `T` (the embedded Triton server by default).
pub struct LoadGen<T: Target = Triton> {
    pub(crate) shared: Arc<Shared>,
    acc_rx: Receiver<(usize, u64, WindowAcc)>,
    workers: Vec<std::thread::JoinHandle<()>>,
    /// Worker thread ids (for CPU accounting).
    pub tids: Arc<std::sync::Mutex<Vec<i32>>>,
    n_workers: usize,
    _target: std::marker::PhantomData<fn() -> T>,
}

fn reason(e: &tritium_triton::Error) -> String {
    let s = e.to_string();
    let s = s.lines().next().unwrap_or("").to_string();
    if s.len() > 160 {
        format!("{}…", &s[..s.char_indices().nth(159).map(|(i, _)| i).unwrap_or(s.len())])
    } else {
        s
    }
}

impl LoadGen<Triton> {
    /// Starts `threads` workers driving `requests` (built without a handler;
    /// tags are set here) in `mode`. Nothing is issued before this call.
    /// `renew`: give every request a fresh Triton object before it is issued
    /// again (required for ensembles, see [`InferRequest::renew`]).
    pub fn start(requests: Vec<InferRequest>, mode: LoadMode, threads: usize, seed: u64, renew: bool) -> LoadGen {
        Self::start_with(requests, mode, threads, seed, renew, GenOptions::default())
    }

    /// As [`start`](Self::start), with tracing, a total request limit and
    /// timed CUDA copies (see [`GenOptions`]).
    pub fn start_with(requests: Vec<InferRequest>, mode: LoadMode, threads: usize, seed: u64, renew: bool, opts: GenOptions) -> LoadGen {
        let GenOptions { tracer, limit, cuda_copies, validate } = opts;
        let target = Arc::new(Triton { renew, validate, cuda_copies });
        LoadGen::launch(target, requests, mode, threads, seed, tracer, limit)
    }
}

impl<T: Target> LoadGen<T> {
    /// Starts `threads` workers driving `requests` against `target` in
    /// `mode` (the target attaches them first; nothing is issued before this
    /// call), tracing into `tracer` when given, issuing at most `limit`
    /// requests in all when given.
    pub fn launch(target: Arc<T>, mut requests: Vec<T::Request>, mode: LoadMode, threads: usize, seed: u64, tracer: Option<Arc<Collector>>, limit: Option<u64>) -> LoadGen<T> {
        let n = requests.len();
        let shared = Arc::new(Shared {
            epoch_mono: monotonic_ns(),
            tracer,
            trace_ids: (0..n).map(|_| AtomicU64::new(0)).collect(),
            limit: limit.unwrap_or(u64::MAX),
            issued_total: AtomicU64::new(0),
            nvtx_ids: (0..n).map(|_| AtomicU64::new(0)).collect(),
            issue_ns: (0..n).map(|_| AtomicU64::new(0)).collect(),
            sent_ns: (0..n).map(|_| AtomicU64::new(0)).collect(),
            stop: AtomicBool::new(false),
            window: AtomicU64::new(0),
            sub_window: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            recorded: AtomicU64::new(0),
        });
        let (done_tx, done_rx) = crossbeam::channel::unbounded::<Finished<T>>();
        // The target keeps what it needs of the sink; once it lets go of it
        // (Triton: with the last request), the workers' channel disconnects.
        target.attach(&mut requests, &Sink { shared: shared.clone(), tx: done_tx });
        let threads = threads.max(1);
        let idle: Arc<ArrayQueue<T::Request>> = Arc::new(ArrayQueue::new(n.max(1)));
        let (acc_tx, acc_rx) = crossbeam::channel::unbounded();
        let tids = Arc::new(std::sync::Mutex::new(Vec::new()));
        // Closed loop: worker w starts requests w, w+T, ...; open loop: all go to the idle pool.
        let mut initial: Vec<Vec<T::Request>> = (0..threads).map(|_| Vec::new()).collect();
        for (i, r) in requests.into_iter().enumerate() {
            match mode {
                LoadMode::Concurrency(_) => initial[i % threads].push(r),
                LoadMode::RequestRate { .. } => {
                    let _ = idle.push(r);
                }
            }
        }
        let mut workers = Vec::new();
        for (w, init) in initial.into_iter().enumerate() {
            let ctx = WorkerCtx {
                id: w,
                threads,
                shared: shared.clone(),
                target: target.clone(),
                done_rx: done_rx.clone(),
                acc_tx: acc_tx.clone(),
                idle: idle.clone(),
                mode,
                seed: seed ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                tids: tids.clone(),
                traced: std::cell::Cell::new(0),
                window: std::cell::Cell::new(0),
                last_sub: std::cell::Cell::new(0),
            };
            workers.push(
                std::thread::Builder::new()
                    .name(format!("tritium-load-{w}"))
                    .spawn(move || ctx.run(init))
                    .unwrap_or_else(|e| panic!("spawning a load worker thread: {e}")),
            );
        }
        LoadGen { shared, acc_rx, workers, tids, n_workers: threads, _target: std::marker::PhantomData }
    }
    /// Closes window `k`: completions from now on count into `k + 1`.
    /// Returns the merged accumulators of window `k` once every worker handed
    /// its share over (or `timeout` passed: then some workers are stuck).
    pub fn close_window(&self, k: u64, timeout: Duration) -> (WindowAcc, bool) {
        self.shared.sub_window.store((k + 1) << 8, Ordering::Release);
        self.shared.window.store(k + 1, Ordering::Release);
        let mut merged = WindowAcc::default();
        let mut got = 0usize;
        let deadline = Instant::now() + timeout;
        while got < self.n_workers {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.acc_rx.recv_timeout(left) {
                Ok((_w, win, acc)) => {
                    if win == k {
                        merged.merge(&acc);
                        got += 1;
                    } else if win < k {
                        // A late share of an older window: fold it in rather than lose it.
                        merged.merge(&acc);
                    }
                }
                Err(_) => return (merged, false),
            }
        }
        (merged, true)
    }

    /// Starts sub-window `j` (1 ..< [`MAX_SUBWINDOWS`]) of window `k`:
    /// successes from now on count into it (sub-window 0 starts with the window).
    pub fn begin_subwindow(&self, k: u64, j: usize) {
        let j = j.min(MAX_SUBWINDOWS - 1) as u64;
        self.shared.sub_window.store(k << 8 | j, Ordering::Release);
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> u64 {
        self.shared.in_flight.load(Ordering::Relaxed)
    }

    /// Completions so far.
    pub fn completed(&self) -> u64 {
        self.shared.completed.load(Ordering::Relaxed)
    }

    /// Completions the workers have recorded into their window accumulators
    /// (a completion counts in [`completed`](Self::completed) a little earlier).
    pub fn recorded(&self) -> u64 {
        self.shared.recorded.load(Ordering::Acquire)
    }

    /// Stops issuing and waits up to `drain` for requests in flight; workers
    /// exit either way. Returns how many requests were still in flight.
    pub fn stop(self, drain: Duration) -> u64 {
        self.shared.stop.store(true, Ordering::Release);
        let deadline = Instant::now() + drain;
        while self.in_flight() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let left = self.in_flight();
        // Workers leave once stop is set and they have drained what arrived.
        self.shared.window.store(u64::MAX, Ordering::Release);
        for w in self.workers {
            let _ = w.join();
        }
        left
    }
}

struct WorkerCtx<T: Target> {
    id: usize,
    threads: usize,
    shared: Arc<Shared>,
    target: Arc<T>,
    done_rx: Receiver<Finished<T>>,
    acc_tx: Sender<(usize, u64, WindowAcc)>,
    idle: Arc<ArrayQueue<T::Request>>,
    mode: LoadMode,
    seed: u64,
    tids: Arc<std::sync::Mutex<Vec<i32>>>,
    /// Requests this worker issued while tracing (for sampling).
    traced: std::cell::Cell<u64>,
    /// The window this worker counts into, and the sub-window it last
    /// counted a success in (where a success goes once the coordinator has
    /// moved on to the next window but this worker has not noticed yet).
    window: std::cell::Cell<u64>,
    last_sub: std::cell::Cell<usize>,
}

impl<T: Target> WorkerCtx<T> {
    fn run(self, initial: Vec<T::Request>) {
        let tid = current_tid();
        if let Ok(mut t) = self.tids.lock() {
            t.push(tid);
        }
        let mut window = 0u64;
        let mut acc = WindowAcc::default();
        for r in initial {
            self.issue(r, self.shared.now_ns(), &mut acc);
        }
        // Open-loop schedule for this worker.
        let mut schedule = Schedule::new(self.mode, self.id, self.threads, self.seed, self.shared.now_ns() as f64);
        loop {
            // Hand over finished windows.
            let cur = self.shared.window.load(Ordering::Acquire);
            if cur != window {
                let done = std::mem::take(&mut acc);
                let _ = self.acc_tx.send((self.id, window, done));
                window = cur;
                self.window.set(cur);
                self.last_sub.set(0);
                if cur == u64::MAX {
                    return;
                }
            }
            let stopping = self.shared.stop.load(Ordering::Acquire);
            let now = self.shared.now_ns();
            // Open loop: send what is due.
            let next_send_ns = schedule.as_ref().map_or(f64::INFINITY, Schedule::next_ns);
            if !stopping && (now as f64) >= next_send_ns {
                let sched = next_send_ns as u64;
                match self.idle.pop() {
                    Some(r) => {
                        if now.saturating_sub(sched) > 1_000_000 {
                            acc.late += 1;
                        }
                        self.issue(r, sched, &mut acc);
                    }
                    None => acc.skipped += 1,
                }
                if let Some(s) = schedule.as_mut() {
                    s.advance();
                }
                continue;
            }
            let until_send = if next_send_ns.is_finite() && !stopping { (next_send_ns - now as f64).max(0.0) as u64 } else { u64::MAX };
            if until_send < SPIN_NS {
                // Close to a scheduled send: poll instead of sleeping, since the
                // OS wake-up slack (~50–100 µs) would make every send late.
                match self.done_rx.try_recv() {
                    Ok(d) => self.complete(d, stopping, &mut acc),
                    Err(_) => std::hint::spin_loop(),
                }
                continue;
            }
            let wait = Duration::from_nanos((until_send - SPIN_NS / 2).min(2_000_000));
            match self.done_rx.recv_timeout(wait) {
                Ok(d) => self.complete(d, stopping, &mut acc),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// The sub-window of this worker's window that a success counts into now.
    fn sub_window(&self) -> usize {
        let packed = self.shared.sub_window.load(Ordering::Acquire);
        let sub = if packed >> 8 == self.window.get() { (packed & 0xff) as usize } else { self.last_sub.get() };
        self.last_sub.set(sub);
        sub
    }

    fn complete(&self, d: Finished<T>, stopping: bool, acc: &mut WindowAcc) {
        let Finished { request, response, done_ns } = d;
        let slot = self.target.slot(&request);
        let start = self.shared.issue_ns.get(slot).map(|a| a.load(Ordering::Relaxed)).unwrap_or(done_ns);
        let mismatch = match &response {
            Ok(r) => self.target.check(r),
            Err(_) => None,
        };
        match (&response, mismatch) {
            (Ok(_), None) => {
                acc.record_ok(done_ns.saturating_sub(start).max(1), self.sub_window());
                let sent = self.shared.sent_ns.get(slot).map(|a| a.load(Ordering::Relaxed)).unwrap_or(start);
                acc.issue_to_done_ns += u128::from(done_ns.saturating_sub(sent));
            }
            (Ok(_), Some(m)) => acc.fail(&format!("output mismatch: {m}")),
            (Err(e), _) => acc.fail(&reason(e)),
        }
        self.shared.recorded.fetch_add(1, Ordering::Release);
        if let Some(n) = tritium_triton::gpu::nvtx::nvtx() {
            if let Some(a) = self.shared.nvtx_ids.get(slot) {
                n.range_end(a.load(Ordering::Relaxed));
            }
        }
        if let Some(t) = &self.shared.tracer {
            let id = self.shared.trace_ids.get(slot).map(|a| a.swap(0, Ordering::Relaxed)).unwrap_or(0);
            if id != 0 {
                let base = self.shared.epoch_mono;
                let (h2d, d2h) = self.target.copies(slot, response.as_ref().ok());
                t.record(ClientRecord { trace_id: id, slot: slot as u32, worker: self.id as u32, issue_ns: base + start, done_ns: base + done_ns, ok: response.is_ok(), h2d, d2h });
            }
        }
        drop(response);
        if stopping {
            return; // dropped: deleted while the server is alive
        }
        let mut request = request;
        if let Err(e) = self.target.renew(&mut request) {
            acc.fail(&reason(&e));
            return;
        }
        match self.mode {
            LoadMode::Concurrency(_) => {
                let now = self.shared.now_ns();
                self.issue(request, now, acc);
            }
            LoadMode::RequestRate { .. } => {
                let _ = self.idle.push(request);
            }
        }
    }

    fn issue(&self, r: T::Request, mut start_ns: u64, acc: &mut WindowAcc) {
        let slot = self.target.slot(&r);
        if self.shared.issued_total.fetch_add(1, Ordering::Relaxed) >= self.shared.limit {
            // Budget spent: park the request (dropped at stop, while the server is alive).
            let _ = self.idle.push(r);
            return;
        }
        let trace = self.shared.tracer.as_ref().and_then(|t| {
            let n = self.traced.get();
            self.traced.set(n + 1);
            if t.sampled(n) {
                t.new_trace().ok()
            } else {
                None
            }
        });
        if trace.is_some() {
            // Stage the inputs (timed, when the target has copies to time),
            // then count latency from here (below).
            self.target.stage_inputs(slot);
        }
        if trace.is_some() && matches!(self.mode, LoadMode::Concurrency(_)) {
            // Closed loop: latency counts from here, after creating the trace (and
            // staging): that work is tritium's tracing, not the request's.
            start_ns = self.shared.now_ns();
        }
        if let Some(a) = self.shared.issue_ns.get(slot) {
            a.store(start_ns, Ordering::Relaxed);
        }
        if let Some(a) = self.shared.sent_ns.get(slot) {
            // Request-rate mode counts latency from the schedule; keep the actual send too.
            let sent = if matches!(self.mode, LoadMode::RequestRate { .. }) { self.shared.now_ns() } else { start_ns };
            a.store(sent, Ordering::Relaxed);
        }
        self.shared.in_flight.fetch_add(1, Ordering::Relaxed);
        if let Some(a) = self.shared.trace_ids.get(slot) {
            a.store(trace.as_ref().map(|t| t.id()).unwrap_or(0), Ordering::Relaxed);
        }
        if let Some(n) = tritium_triton::gpu::nvtx::nvtx() {
            // One NVTX range per request (issue → completion), for Nsight timelines.
            if let Some(a) = self.shared.nvtx_ids.get(slot) {
                a.store(n.range_start(c"tritium request"), Ordering::Relaxed);
            }
        }
        match self.target.issue(r, trace) {
            Ok(()) => acc.sent += 1,
            Err(e) => {
                if let Some(a) = self.shared.trace_ids.get(slot) {
                    a.store(0, Ordering::Relaxed);
                }
                // The request never ran: close its NVTX range now (no completion will).
                if let (Some(n), Some(a)) = (tritium_triton::gpu::nvtx::nvtx(), self.shared.nvtx_ids.get(slot)) {
                    n.range_end(a.load(Ordering::Relaxed));
                }
                self.shared.in_flight.fetch_sub(1, Ordering::Relaxed);
                acc.issue_errors += 1;
                acc.fail(&reason(&e.error));
                // Keep the request for a later try (open loop) or drop it (closed loop: one fewer in flight).
                if matches!(self.mode, LoadMode::RequestRate { .. }) {
                    let _ = self.idle.push(e.request);
                }
            }
        }
    }
}

fn current_tid() -> i32 {
    // /proc/thread-self resolves to /proc/<pid>/task/<tid>.
    std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

/// CPU seconds used so far by the given threads of this process.
pub fn threads_cpu_seconds(tids: &[i32]) -> f64 {
    tids.iter().filter_map(|t| tritium_util::procfs::stat_fields(&format!("/proc/self/task/{t}/stat"))).map(|f| tritium_util::procfs::cpu_seconds(&f)).sum()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_thread_cpu_time_is_readable() {
        let tid = current_tid();
        assert!(tid > 0);
        let t0 = Instant::now();
        let mut x = 0u64;
        while t0.elapsed() < Duration::from_millis(50) {
            x = x.wrapping_add(1);
        }
        assert!(x > 0);
        assert!(threads_cpu_seconds(&[tid]) > 0.0);
    }
}
