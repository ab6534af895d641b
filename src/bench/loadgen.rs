//! The load generator: prepared requests issued by lock-free worker threads.
//!
//! - Completions arrive on Triton's threads; the handler stamps the time and
//!   pushes `(request, response)` into one crossbeam channel. Nothing else
//!   runs there.
//! - Worker threads (`--max-threads`) take completions from that channel,
//!   record latency into their own histogram, and re-issue the same request
//!   (closed loop) or return it to an idle pool (open loop) — no global lock.
//! - In request-rate mode each worker owns a share of the schedule (constant
//!   or Poisson) and sends at the scheduled time; latency counts from the
//!   *scheduled* time, so a stalled server cannot hide latency (the actual
//!   issue time is kept too, for the client-overhead figure).
//! - Failures are counted by kind ([`failure_kind`]: numbers and ids masked,
//!   at most [`limits::MAX_FAILURE_KINDS`] kinds plus "other"), with one
//!   example message per kind.
//! - With an [`OutputCheck`] (`bench --validate`) every successful response
//!   is checked against the model's metadata; a mismatch is a failure.
//! - Windows are closed by the coordinator (it advances `window`); each worker
//!   hands over its accumulator for the closed window when it notices.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam::channel::{Receiver, RecvTimeoutError, Sender};
use crossbeam::queue::ArrayQueue;

use super::limits;
use super::stats::LatencyHistogram;
use super::validate::OutputCheck;
use crate::gpu::{DeviceBuffer, PinnedBuffer};
use crate::gpu::cuda::CopyTiming;
use crate::trace::collect::{ClientRecord, Collector};
use crate::util::monotonic_ns;
use crate::triton::{Completion, InferRequest};

/// How load is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoadMode {
    /// Closed loop: this many requests always in flight.
    Concurrency(u32),
    /// Open loop: this many requests per second on the given schedule.
    RequestRate { rate: f64, distribution: Distribution },
}

/// Request-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum Distribution {
    /// Evenly spaced sends.
    Constant,
    /// Exponential gaps (seeded).
    Poisson,
}

/// One worker's numbers for one window.
#[derive(Debug, Default)]
pub struct WindowAcc {
    /// Latencies of successful requests, ns.
    pub hist: LatencyHistogram,
    /// Successful completions.
    pub ok: u64,
    /// Failed completions by kind ([`failure_kind`]; at most
    /// [`limits::MAX_FAILURE_KINDS`] kinds plus [`limits::OTHER_FAILURES`]).
    pub failed: BTreeMap<String, u64>,
    /// One example message per failure kind.
    pub examples: BTreeMap<String, String>,
    /// Sum over successful requests of (completion − actual issue time), ns.
    /// Equals the latency sum in closed loop; in request-rate mode latency
    /// counts from the scheduled time instead.
    pub issue_to_done_ns: u128,
    /// Requests sent.
    pub sent: u64,
    /// Scheduled sends skipped because every prepared request was in flight.
    pub skipped: u64,
    /// Sends later than 1 ms after their scheduled time.
    pub late: u64,
    /// Requests refused at issue.
    pub issue_errors: u64,
}

impl WindowAcc {
    /// Counts one failed request with this message (its kind from [`failure_kind`]).
    pub fn fail(&mut self, message: &str) {
        self.add_failures(failure_kind(message), message, 1);
    }

    fn add_failures(&mut self, kind: String, example: &str, n: u64) {
        let kinds = self.failed.len() - usize::from(self.failed.contains_key(limits::OTHER_FAILURES));
        let key = if self.failed.contains_key(&kind) || kinds < limits::MAX_FAILURE_KINDS { kind } else { limits::OTHER_FAILURES.to_string() };
        // The example only when it says more than the kind.
        if !self.examples.contains_key(&key) && !example.is_empty() && example != key {
            self.examples.insert(key.clone(), truncate(example, 300));
        }
        *self.failed.entry(key).or_default() += n;
    }

    /// Adds `o` into `self`.
    pub fn merge(&mut self, o: &WindowAcc) {
        self.hist.merge(&o.hist);
        self.ok += o.ok;
        self.issue_to_done_ns += o.issue_to_done_ns;
        for (k, v) in &o.failed {
            let example = o.examples.get(k).map(String::as_str).unwrap_or("");
            self.add_failures(k.clone(), example, *v);
        }
        self.sent += o.sent;
        self.skipped += o.skipped;
        self.late += o.late;
        self.issue_errors += o.issue_errors;
    }
}

/// `s` cut to at most `max` characters (an ellipsis marks the cut).
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The kind of a failure message: its first line with numbers, hex values
/// and ids masked as `#` and at most 160 characters, so that messages that
/// differ only in a request id, an address, an instance index or a duration
/// count together.
///
/// Per word (runs of letters and digits): `0x…` hex, an all-digit word and
/// a hex word of 4+ characters holding a digit (ids, UUID parts) become `#`;
/// a word starting with digits keeps its tail (`250ms` → `#ms`); other words
/// (`FP32`, `INT8`, `model_v2`) stay.
pub fn failure_kind(message: &str) -> String {
    let line = message.lines().next().unwrap_or("");
    let mut out = String::with_capacity(line.len().min(200));
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            if !d.is_ascii_alphanumeric() {
                break;
            }
            end = i + d.len_utf8();
            chars.next();
        }
        out.push_str(&mask_word(&line[start..end]));
        if out.chars().count() > 160 {
            break;
        }
    }
    truncate(&out, 160)
}

fn mask_word(w: &str) -> String {
    let b = w.as_bytes();
    let has_digit = b.iter().any(u8::is_ascii_digit);
    if !has_digit {
        return w.to_string();
    }
    let all_hex = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_hexdigit);
    if (b.len() > 2 && (b[0] == b'0') && (b[1] == b'x' || b[1] == b'X') && all_hex(&b[2..])) || b.iter().all(u8::is_ascii_digit) || (b.len() >= 4 && all_hex(b)) {
        return "#".to_string();
    }
    if b[0].is_ascii_digit() {
        let tail = w.trim_start_matches(|c: char| c.is_ascii_digit());
        return format!("#{tail}");
    }
    w.to_string()
}

/// Below this distance to a scheduled send a worker polls instead of sleeping.
const SPIN_NS: u64 = 200_000;

struct Done {
    completion: Completion,
    done_ns: u64,
}

/// State shared by the coordinator, the workers and the completion handler.
pub(crate) struct Shared {
    /// CLOCK_MONOTONIC ns at start: times below are relative to it, on the
    /// clock of Triton's trace timestamps.
    epoch_mono: u64,
    /// Issue (or scheduled) time of each prepared request, ns since `epoch`.
    issue_ns: Vec<AtomicU64>,
    /// Actual issue time of each prepared request (differs from `issue_ns`
    /// in request-rate mode, where latency counts from the schedule).
    sent_ns: Vec<AtomicU64>,
    /// Check every successful response against the model's metadata (`--validate`).
    validate: Option<Arc<OutputCheck>>,
    /// Stop issuing (set at the end or on Ctrl-C).
    pub(crate) stop: AtomicBool,
    /// The window completions are being counted into.
    pub(crate) window: AtomicU64,
    /// Completions since start (for count windows).
    pub(crate) completed: AtomicU64,
    /// Requests in Triton right now.
    pub(crate) in_flight: AtomicU64,
    /// Completions the workers have recorded (≤ `completed`, which counts at the callback).
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
    /// Per prepared request, when traced requests stage their CUDA inputs and
    /// read their GPU outputs back (`--trace-cuda-copies`).
    staging: Vec<Staging>,
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
    pub fn prepare(requests: &[InferRequest]) -> crate::Result<CudaCopies> {
        let mut all = Vec::new();
        for r in requests {
            let mut inputs = Vec::new();
            for d in r.device_inputs() {
                let host = PinnedBuffer::from_slice(&d.to_host()?)?;
                inputs.push((d, host));
            }
            all.push(Staging { inputs, h2d: std::sync::Mutex::new(None), scratch: std::sync::Mutex::new(Vec::new()) });
        }
        Ok(CudaCopies(all))
    }
}

/// One prepared request's timed CUDA copies.
struct Staging {
    /// Device inputs and the host (pinned) bytes they are staged from.
    inputs: Vec<(Arc<DeviceBuffer>, PinnedBuffer)>,
    /// The last staging's timing, until its completion is recorded.
    h2d: std::sync::Mutex<Option<CopyTiming>>,
    /// Host buffer the GPU outputs are read back into.
    scratch: std::sync::Mutex<Vec<u8>>,
}

/// Options of [`LoadGen::start_with`].
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
    fn now_ns(&self) -> u64 {
        monotonic_ns().saturating_sub(self.epoch_mono)
    }
}

/// A running load generator.
pub struct LoadGen {
    pub(crate) shared: Arc<Shared>,
    acc_rx: Receiver<(usize, u64, WindowAcc)>,
    workers: Vec<std::thread::JoinHandle<()>>,
    /// Worker thread ids (for CPU accounting).
    pub tids: Arc<std::sync::Mutex<Vec<i32>>>,
    n_workers: usize,
}

fn reason(e: &crate::Error) -> String {
    let s = e.to_string();
    let s = s.lines().next().unwrap_or("").to_string();
    if s.len() > 160 {
        format!("{}…", &s[..s.char_indices().nth(159).map(|(i, _)| i).unwrap_or(s.len())])
    } else {
        s
    }
}

impl LoadGen {
    /// Starts `threads` workers driving `requests` (built without a handler;
    /// tags are set here) in `mode`. Nothing is issued before this call.
    /// `renew`: give every request a fresh Triton object before it is issued
    /// again (required for ensembles, see [`InferRequest::renew`]).
    pub fn start(requests: Vec<InferRequest>, mode: LoadMode, threads: usize, seed: u64, renew: bool) -> LoadGen {
        Self::start_with(requests, mode, threads, seed, renew, GenOptions::default())
    }

    /// As [`start`](Self::start), with tracing, a total request limit and
    /// timed CUDA copies (see [`GenOptions`]).
    pub fn start_with(mut requests: Vec<InferRequest>, mode: LoadMode, threads: usize, seed: u64, renew: bool, opts: GenOptions) -> LoadGen {
        let n = requests.len();
        let GenOptions { tracer, limit, cuda_copies, validate } = opts;
        let staging = cuda_copies.map(|c| c.0).unwrap_or_default();
        let shared = Arc::new(Shared {
            epoch_mono: monotonic_ns(),
            tracer,
            trace_ids: (0..n).map(|_| AtomicU64::new(0)).collect(),
            limit: limit.unwrap_or(u64::MAX),
            issued_total: AtomicU64::new(0),
            nvtx_ids: (0..n).map(|_| AtomicU64::new(0)).collect(),
            staging,
            issue_ns: (0..n).map(|_| AtomicU64::new(0)).collect(),
            sent_ns: (0..n).map(|_| AtomicU64::new(0)).collect(),
            validate,
            stop: AtomicBool::new(false),
            window: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            recorded: AtomicU64::new(0),
        });
        let (done_tx, done_rx) = crossbeam::channel::unbounded::<Done>();
        let handler = {
            let shared = shared.clone();
            let tx = done_tx.clone();
            Arc::new(move |c: Completion| {
                let done_ns = shared.now_ns();
                shared.completed.fetch_add(1, Ordering::Relaxed);
                shared.in_flight.fetch_sub(1, Ordering::Relaxed);
                // If the workers are gone the request is dropped here (deleted by its Drop).
                let _ = tx.send(Done { completion: c, done_ns });
            }) as Arc<dyn crate::triton::CompletionHandler>
        };
        drop(done_tx);
        for (i, r) in requests.iter_mut().enumerate() {
            r.set_handler(handler.clone());
            r.set_tag(i as u64);
        }
        drop(handler);
        let threads = threads.max(1);
        let idle: Arc<ArrayQueue<InferRequest>> = Arc::new(ArrayQueue::new(n.max(1)));
        let (acc_tx, acc_rx) = crossbeam::channel::unbounded();
        let tids = Arc::new(std::sync::Mutex::new(Vec::new()));
        // Closed loop: worker w starts requests w, w+T, ...; open loop: all go to the idle pool.
        let mut initial: Vec<Vec<InferRequest>> = (0..threads).map(|_| Vec::new()).collect();
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
                done_rx: done_rx.clone(),
                acc_tx: acc_tx.clone(),
                idle: idle.clone(),
                mode,
                renew,
                seed: seed ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                tids: tids.clone(),
                traced: std::cell::Cell::new(0),
            };
            workers.push(
                std::thread::Builder::new()
                    .name(format!("tritium-load-{w}"))
                    .spawn(move || ctx.run(init))
                    .unwrap_or_else(|e| panic!("spawning a load worker thread: {e}")),
            );
        }
        LoadGen { shared, acc_rx, workers, tids, n_workers: threads }
    }

    /// Closes window `k`: completions from now on count into `k + 1`.
    /// Returns the merged accumulators of window `k` once every worker handed
    /// its share over (or `timeout` passed: then some workers are stuck).
    pub fn close_window(&self, k: u64, timeout: Duration) -> (WindowAcc, bool) {
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

struct WorkerCtx {
    id: usize,
    threads: usize,
    shared: Arc<Shared>,
    done_rx: Receiver<Done>,
    acc_tx: Sender<(usize, u64, WindowAcc)>,
    idle: Arc<ArrayQueue<InferRequest>>,
    mode: LoadMode,
    renew: bool,
    seed: u64,
    tids: Arc<std::sync::Mutex<Vec<i32>>>,
    /// Requests this worker issued while tracing (for sampling).
    traced: std::cell::Cell<u64>,
}

impl WorkerCtx {
    fn run(self, initial: Vec<InferRequest>) {
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
        let mut rng = self.seed | 1;
        let (per_worker_rate, poisson) = match self.mode {
            LoadMode::RequestRate { rate, distribution } => (rate / self.threads as f64, distribution == Distribution::Poisson),
            LoadMode::Concurrency(_) => (0.0, false),
        };
        let mut next_send_ns: f64 = if per_worker_rate > 0.0 {
            // Stagger the workers' constant schedules evenly.
            let total_rate = per_worker_rate * self.threads as f64;
            self.shared.now_ns() as f64 + self.id as f64 * 1e9 / total_rate
        } else {
            f64::INFINITY
        };
        loop {
            // Hand over finished windows.
            let cur = self.shared.window.load(Ordering::Acquire);
            if cur != window {
                let done = std::mem::take(&mut acc);
                let _ = self.acc_tx.send((self.id, window, done));
                window = cur;
                if cur == u64::MAX {
                    return;
                }
            }
            let stopping = self.shared.stop.load(Ordering::Acquire);
            let now = self.shared.now_ns();
            // Open loop: send what is due.
            if !stopping && per_worker_rate > 0.0 && (now as f64) >= next_send_ns {
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
                let gap = if poisson {
                    rng = xorshift(rng);
                    let u = ((rng >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
                    -u.ln() / per_worker_rate
                } else {
                    1.0 / per_worker_rate
                };
                next_send_ns += gap * 1e9;
                continue;
            }
            let until_send = if per_worker_rate > 0.0 && !stopping { (next_send_ns - now as f64).max(0.0) as u64 } else { u64::MAX };
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

    fn complete(&self, d: Done, stopping: bool, acc: &mut WindowAcc) {
        let Completion { request, response } = d.completion;
        let slot = request.tag() as usize;
        let start = self.shared.issue_ns.get(slot).map(|a| a.load(Ordering::Relaxed)).unwrap_or(d.done_ns);
        let mismatch = match (&response, &self.shared.validate) {
            (Ok(r), Some(v)) => v.check(r).err(),
            _ => None,
        };
        match (&response, mismatch) {
            (Ok(_), None) => {
                acc.ok += 1;
                acc.hist.record(d.done_ns.saturating_sub(start).max(1));
                let sent = self.shared.sent_ns.get(slot).map(|a| a.load(Ordering::Relaxed)).unwrap_or(start);
                acc.issue_to_done_ns += u128::from(d.done_ns.saturating_sub(sent));
            }
            (Ok(_), Some(m)) => acc.fail(&format!("output mismatch: {m}")),
            (Err(e), _) => acc.fail(&reason(e)),
        }
        self.shared.recorded.fetch_add(1, Ordering::Release);
        if let Some(n) = crate::gpu::nvtx::nvtx() {
            if let Some(a) = self.shared.nvtx_ids.get(slot) {
                n.range_end(a.load(Ordering::Relaxed));
            }
        }
        if let Some(t) = &self.shared.tracer {
            let id = self.shared.trace_ids.get(slot).map(|a| a.swap(0, Ordering::Relaxed)).unwrap_or(0);
            if id != 0 {
                let base = self.shared.epoch_mono;
                let (h2d, d2h) = match self.shared.staging.get(slot) {
                    Some(st) => (st.h2d.lock().ok().and_then(|mut h| h.take()), response.as_ref().ok().and_then(|r| read_back(st, r))),
                    None => (None, None),
                };
                t.record(ClientRecord { trace_id: id, slot: slot as u32, worker: self.id as u32, issue_ns: base + start, done_ns: base + d.done_ns, ok: response.is_ok(), h2d, d2h });
            }
        }
        drop(response);
        if stopping {
            return; // dropped: deleted while the server is alive
        }
        let mut request = request;
        if self.renew {
            if let Err(e) = request.renew() {
                acc.fail(&reason(&e));
                return;
            }
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

    fn issue(&self, r: InferRequest, mut start_ns: u64, acc: &mut WindowAcc) {
        let slot = r.tag() as usize;
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
        if let (Some(_), Some(st)) = (&trace, self.shared.staging.get(slot)) {
            // Stage the inputs (timed), then count latency from here: the copy is
            // tritium's work, shown on the timeline, not part of the server's latency.
            let mut span = None;
            for (dst, src) in &st.inputs {
                if let Ok(t) = crate::gpu::cuda::timed_h2d(dst, src.as_slice()) {
                    span = Some(CopyTiming::merged(span, &t));
                }
            }
            if let Ok(mut h) = st.h2d.lock() {
                *h = span;
            }
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
        if let Some(n) = crate::gpu::nvtx::nvtx() {
            // One NVTX range per request (issue → completion), for Nsight timelines.
            if let Some(a) = self.shared.nvtx_ids.get(slot) {
                a.store(n.range_start(c"tritium request"), Ordering::Relaxed);
            }
        }
        let issued = match trace {
            Some(t) => r.issue_traced(t),
            None => r.issue(),
        };
        match issued {
            Ok(()) => acc.sent += 1,
            Err(e) => {
                if let Some(a) = self.shared.trace_ids.get(slot) {
                    a.store(0, Ordering::Relaxed);
                }
                // The request never ran: close its NVTX range now (no completion will).
                if let (Some(n), Some(a)) = (crate::gpu::nvtx::nvtx(), self.shared.nvtx_ids.get(slot)) {
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

/// Reads a traced response's GPU outputs back to the host, timed with CUDA events.
fn read_back(st: &Staging, resp: &crate::triton::Response) -> Option<CopyTiming> {
    let outs = resp.outputs().ok()?;
    let mut scratch = st.scratch.lock().ok()?;
    let mut span = None;
    for o in outs {
        if let Some(src) = o.device_slice() {
            let len = src.len();
            if scratch.len() < len {
                scratch.resize(len, 0);
            }
            if let Ok(t) = crate::gpu::cuda::timed_d2h(src, &mut scratch) {
                span = Some(CopyTiming::merged(span, &t));
            }
        }
    }
    span
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
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
    tids.iter().filter_map(|t| crate::procfs::stat_fields(&format!("/proc/self/task/{t}/stat"))).map(|f| crate::procfs::cpu_seconds(&f)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_gaps_have_the_right_mean() {
        let mut rng = 12345u64 | 1;
        let rate = 1000.0;
        let n = 200_000;
        let mut sum = 0.0;
        for _ in 0..n {
            rng = xorshift(rng);
            let u = ((rng >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            sum += -u.ln() / rate;
        }
        let mean = sum / n as f64;
        assert!((mean - 1.0 / rate).abs() < 0.02 / rate, "mean gap {mean}");
    }

    #[test]
    fn accumulators_merge() {
        let mut a = WindowAcc { ok: 2, ..Default::default() };
        a.hist.record(1000);
        a.failed.insert("x".into(), 1);
        let mut b = WindowAcc { ok: 3, ..Default::default() };
        b.hist.record(3000);
        b.failed.insert("x".into(), 2);
        b.skipped = 4;
        a.merge(&b);
        assert_eq!((a.ok, a.hist.count(), a.failed["x"], a.skipped), (5, 2, 3, 4));
    }

    #[test]
    fn failure_kinds_mask_ids_and_numbers() {
        let a = failure_kind("inference: Triton error (Internal): Failed to process the request(s) for model instance 'reject_all_0_0', message: request 1234 rejected after 250ms");
        let b = failure_kind("inference: Triton error (Internal): Failed to process the request(s) for model instance 'reject_all_0_1', message: request 98 rejected after 7ms");
        assert_eq!(a, b);
        assert!(a.contains("reject_all_#_#") && a.contains("request # rejected after #ms"), "{a}");
        let u = failure_kind("shm region triton_python_backend_shm_region_1ab3f4fa-7bc3-4a48-9bd4-3924908ce35e at 0x7f3a9c001000 gone");
        assert_eq!(u, "shm region triton_python_backend_shm_region_#-#-#-#-# at # gone");
        // Type names and versions stay.
        assert_eq!(failure_kind("output mismatch: OUT is FP64 but the model declares FP32"), "output mismatch: OUT is FP64 but the model declares FP32");
        assert_eq!(failure_kind("INT8 model_v2 x86"), "INT8 model_v2 x86");
        // First line only, bounded length.
        assert_eq!(failure_kind("first\nsecond"), "first");
        let long = "é".repeat(1000);
        assert!(failure_kind(&long).chars().count() <= 161);
    }

    #[test]
    fn failure_kinds_are_capped_with_an_other_bucket() {
        let mut a = WindowAcc::default();
        for i in 0..40 {
            // Words without digits: 40 distinct kinds.
            let word: String = std::iter::repeat_n((b'a' + (i % 26) as u8) as char, 1 + i as usize / 26).collect();
            a.fail(&format!("error {word}"));
            a.fail(&format!("error {word}"));
        }
        assert_eq!(a.failed.len(), limits::MAX_FAILURE_KINDS + 1);
        assert_eq!(a.failed.values().sum::<u64>(), 80);
        assert_eq!(a.failed[limits::OTHER_FAILURES], 2 * (40 - limits::MAX_FAILURE_KINDS as u64));
        // Examples only where the message says more than its kind ("other" keeps its first).
        assert_eq!(a.examples.len(), 1);
        assert!(a.examples[limits::OTHER_FAILURES].starts_with("error "));
        // Merging keeps the cap and the counts.
        let mut b = WindowAcc::default();
        for i in 0..20 {
            b.fail(&format!("other error {}", "z".repeat(i + 1)));
        }
        a.merge(&b);
        assert_eq!(a.failed.len(), limits::MAX_FAILURE_KINDS + 1);
        assert_eq!(a.failed.values().sum::<u64>(), 100);
        // Same kind, different ids: one entry, the first message kept as the example.
        let mut c = WindowAcc::default();
        c.fail("request 17 failed");
        c.fail("request 18 failed");
        assert_eq!(c.failed.len(), 1);
        assert_eq!(c.failed["request # failed"], 2);
        assert_eq!(c.examples["request # failed"], "request 17 failed");
    }

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
