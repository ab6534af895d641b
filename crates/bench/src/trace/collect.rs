//! The trace collector: joins Triton's activity events (from
//! [`tritium_triton::trace`]) with tritium's issue/completion times into
//! [`Timeline`]s, kept in a bounded ring.
//!
//! Hot path cost: a traced issue creates one Triton trace; a traced
//! completion pushes one fixed-size [`ClientRecord`] into a lock-free queue.
//! A background thread drains both queues every few milliseconds and
//! assembles timelines; a timeline is final once its top-level trace reported
//! REQUEST_END and a short grace period passed for ensemble children.
//! Only one collector runs at a time (Triton's events go to one process-wide
//! queue); a second `start` waits for the first to finish.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam::queue::ArrayQueue;

use super::{monotonic_ns, Activity, CounterSample, DeviceSpan, ServerTimes, Timeline, TraceSet};
use tritium_triton::error::Result;
use tritium_triton::gpu::cuda::CopyTiming;
use tritium_triton::trace::{self as ffi, Trace, TraceEvent};
use tritium_triton::Server;

/// How to trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceOptions {
    /// Trace one request in every `rate` (Triton's `--trace-config rate=N`); 1 = all.
    pub rate: u32,
    /// Timelines kept (the newest); older ones are dropped and counted.
    pub capacity: usize,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions { rate: 1, capacity: 100_000 }
    }
}

fn device_span(c: &CopyTiming, name: &str) -> DeviceSpan {
    DeviceSpan { name: name.into(), start_ns: c.start_ns, end_ns: c.end_ns, device_ns: c.device_ns, bytes: c.bytes }
}

/// tritium's side of one traced request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRecord {
    /// Triton's trace id.
    pub trace_id: u64,
    /// In-flight slot.
    pub slot: u32,
    /// Worker thread.
    pub worker: u32,
    /// Issue (or scheduled) time, CLOCK_MONOTONIC ns.
    pub issue_ns: u64,
    /// Completion time, CLOCK_MONOTONIC ns.
    pub done_ns: u64,
    /// Success.
    pub ok: bool,
    /// Inputs staged host→device before the issue (`--trace-cuda-copies`; all inputs together).
    pub h2d: Option<CopyTiming>,
    /// GPU outputs read back device→host after completion (`--trace-cuda-copies`; all outputs together).
    pub d2h: Option<CopyTiming>,
}

/// Waiting time for ensemble children after the parent completed.
const GRACE: Duration = Duration::from_millis(30);
/// Events of traces no client record claims are forgotten after this.
const ORPHAN_AFTER: Duration = Duration::from_secs(10);
const DRAIN_EVERY: Duration = Duration::from_millis(5);

/// Held by the one running collector.
static SESSION_BUSY: AtomicBool = AtomicBool::new(false);

struct Session;

impl Session {
    fn acquire() -> Session {
        while SESSION_BUSY.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
            std::thread::sleep(Duration::from_millis(5));
        }
        Session
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        SESSION_BUSY.store(false, Ordering::Release);
    }
}

#[derive(Debug, Default)]
struct Partial {
    parent: u64,
    model: Option<String>,
    ns: [Option<u64>; 7],
    seen: Option<Instant>,
}

#[derive(Debug, Default)]
struct Assembly {
    traces: HashMap<u64, Partial>,
    children: HashMap<u64, Vec<u64>>,
    waiting: VecDeque<(ClientRecord, Instant)>,
    ring: VecDeque<Timeline>,
    dropped_timelines: u64,
    dropped_clients: u64,
    batch_size: u64,
    capacity: usize,
    scratch: Vec<TraceEvent>,
}

impl Assembly {
    fn absorb(&mut self, now: Instant) {
        let mut evs = std::mem::take(&mut self.scratch);
        ffi::drain_events(&mut evs);
        for e in evs.drain(..) {
            let p = self.traces.entry(e.trace_id).or_default();
            if p.seen.is_none() {
                p.seen = Some(now);
                p.parent = e.parent_id;
                if e.parent_id != 0 {
                    self.children.entry(e.parent_id).or_default().push(e.trace_id);
                }
            }
            if let Some(m) = e.model {
                p.model = Some(m.into());
            }
            if let Some(a) = Activity::from_raw(e.activity) {
                p.ns[a.index()] = Some(e.timestamp_ns);
            }
        }
        self.scratch = evs;
    }

    /// Final timelines for client records that are complete (or all, at the end).
    fn finalize(&mut self, now: Instant, all: bool) {
        while let Some((rec, at)) = self.waiting.front().copied() {
            let ended = self.traces.get(&rec.trace_id).map(|p| p.ns[Activity::RequestEnd.index()].is_some()).unwrap_or(false);
            let old_enough = now.saturating_duration_since(at) >= GRACE;
            if !(all || ended && old_enough) && now.saturating_duration_since(at) < ORPHAN_AFTER {
                break;
            }
            self.waiting.pop_front();
            let server = self.take_tree(rec.trace_id);
            let t = Timeline {
                slot: rec.slot,
                worker: rec.worker,
                batch_size: self.batch_size,
                client_issue_ns: rec.issue_ns,
                client_done_ns: rec.done_ns,
                ok: rec.ok,
                server,
                device: rec.h2d.iter().map(|c| device_span(c, "H2D inputs")).chain(rec.d2h.iter().map(|c| device_span(c, "D2H outputs"))).collect(),
            };
            self.push(t);
        }
        // Forget events nobody will claim (e.g. requests still in flight at stop).
        if all || self.traces.len() > 4 * ffi::EVENT_QUEUE_CAPACITY / 7 {
            let cutoff = if all { Duration::ZERO } else { ORPHAN_AFTER };
            self.traces.retain(|_, p| p.seen.map(|s| now.saturating_duration_since(s) < cutoff).unwrap_or(false));
        }
    }

    fn push(&mut self, t: Timeline) {
        self.ring.push_back(t);
        while self.ring.len() > self.capacity.max(1) {
            self.ring.pop_front();
            self.dropped_timelines += 1;
        }
    }

    fn take_tree(&mut self, id: u64) -> Option<ServerTimes> {
        let p = self.traces.remove(&id)?;
        let mut kids: Vec<ServerTimes> = self.children.remove(&id).unwrap_or_default().into_iter().filter_map(|c| self.take_tree(c)).collect();
        kids.sort_by_key(|k| k.ns[0].unwrap_or(u64::MAX));
        Some(ServerTimes { trace_id: id, model: p.model.unwrap_or_default(), ns: p.ns, children: kids })
    }
}

/// A running collector. Share it (`Arc`) with the load generator.
pub struct Collector {
    tracer: tritium_triton::Tracer,
    opts: TraceOptions,
    clients: ArrayQueue<ClientRecord>,
    state: Mutex<Assembly>,
    stop: AtomicBool,
    not_sampled: AtomicU64,
    dropped_events_at_start: u64,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    _session: Session,
    /// `Instant` ↔ CLOCK_MONOTONIC pair taken at start (for NVML readings).
    pub clock: (Instant, u64),
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector").field("opts", &self.opts).finish()
    }
}

impl Collector {
    /// Starts collecting for requests of `server` whose batch size is `batch_size`.
    /// Fails (before any measurement) when the library cannot trace.
    pub fn start(server: &Server, opts: TraceOptions, batch_size: u64) -> Result<Arc<Collector>> {
        let tracer = server.tracer();
        // Probe: a library built without tracing fails here, not mid-run.
        drop(tracer.new_trace()?);
        let session = Session::acquire();
        // Events left by an earlier session belong to nobody now.
        let mut stale = Vec::new();
        ffi::drain_events(&mut stale);
        let capacity = opts.capacity.max(1);
        let c = Arc::new(Collector {
            tracer,
            opts: TraceOptions { rate: opts.rate.max(1), capacity },
            clients: ArrayQueue::new(16_384),
            state: Mutex::new(Assembly { batch_size, capacity, ..Default::default() }),
            stop: AtomicBool::new(false),
            not_sampled: AtomicU64::new(0),
            dropped_events_at_start: ffi::dropped_events(),
            thread: Mutex::new(None),
            _session: session,
            clock: (Instant::now(), monotonic_ns()),
        });
        let weak = Arc::downgrade(&c);
        let h = std::thread::Builder::new()
            .name("tritium-trace".into())
            .spawn(move || loop {
                let Some(c) = weak.upgrade() else { return };
                if c.stop.load(Ordering::Acquire) {
                    return;
                }
                c.pump(false);
                drop(c);
                std::thread::sleep(DRAIN_EVERY);
            })
            .map_err(|e| tritium_triton::Error::io("thread tritium-trace", e))?;
        if let Ok(mut t) = c.thread.lock() {
            *t = Some(h);
        }
        Ok(c)
    }

    /// Whether the `n`-th request of a worker (counting from 0) is traced.
    pub fn sampled(&self, n: u64) -> bool {
        let yes = n.is_multiple_of(self.opts.rate as u64);
        if !yes {
            self.not_sampled.fetch_add(1, Ordering::Relaxed);
        }
        yes
    }

    /// A new trace for a request about to be issued.
    pub fn new_trace(&self) -> Result<Trace> {
        self.tracer.new_trace()
    }

    /// Records tritium's side of a traced request (lock-free).
    pub fn record(&self, r: ClientRecord) {
        if let Err(r) = self.clients.push(r) {
            // Queue full: assemble inline once, then try again.
            self.pump(false);
            if self.clients.push(r).is_err() {
                if let Ok(mut s) = self.state.lock() {
                    s.dropped_clients += 1;
                }
            }
        }
    }

    fn pump(&self, all: bool) {
        let Ok(mut s) = self.state.lock() else { return };
        let now = Instant::now();
        s.absorb(now);
        while let Some(r) = self.clients.pop() {
            s.waiting.push_back((r, now));
        }
        s.finalize(now, all);
    }

    /// Converts an `Instant` to CLOCK_MONOTONIC ns.
    pub fn mono_of(&self, at: Instant) -> u64 {
        let (i0, m0) = self.clock;
        if at >= i0 {
            m0 + (at - i0).as_nanos() as u64
        } else {
            m0.saturating_sub((i0 - at).as_nanos() as u64)
        }
    }

    /// Stops collecting: waits up to `grace` for Triton's last events, then
    /// returns the ring's timelines (every traced request that completed).
    pub fn finish(&self, model: &str, counters: Vec<CounterSample>, grace: Duration) -> TraceSet {
        let deadline = Instant::now() + grace;
        loop {
            self.pump(false);
            let pending = self.state.lock().map(|s| s.waiting.len()).unwrap_or(0);
            if pending == 0 || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.stop.store(true, Ordering::Release);
        if let Some(h) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = h.join();
        }
        self.pump(true);
        let mut s = match self.state.lock() {
            Ok(s) => s,
            Err(e) => e.into_inner(),
        };
        TraceSet {
            model: model.to_string(),
            timelines: s.ring.drain(..).collect(),
            dropped_timelines: s.dropped_timelines + s.dropped_clients,
            dropped_events: ffi::dropped_events().saturating_sub(self.dropped_events_at_start),
            not_sampled: self.not_sampled.load(Ordering::Relaxed),
            counters,
        }
    }
}

/// GPU counter samples from the resource sampler's readings, on the trace clock.
pub fn counters_from(readings: &[crate::resources::Reading], c: &Collector) -> Vec<CounterSample> {
    let mut out = Vec::new();
    for r in readings {
        for (i, g) in r.gpus.iter().enumerate() {
            out.push(CounterSample {
                at_ns: c.mono_of(r.at),
                gpu: i as u32,
                utilization_pct: g.utilization_pct,
                memory_used_mb: g.memory_used_bytes as f64 / 1e6,
                power_w: g.power_w,
                sm_clock_mhz: g.sm_clock_mhz as f64,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(parent: u64, model: &str, base: u64, n: usize) -> Partial {
        let mut ns = [None; 7];
        for (i, slot) in ns.iter_mut().enumerate().take(n) {
            *slot = Some(base + i as u64 * 10);
        }
        Partial { parent, model: Some(model.into()), ns, seen: Some(Instant::now()) }
    }

    #[test]
    fn trees_nest_children_in_start_order_and_ring_drops_oldest() {
        let mut a = Assembly { capacity: 2, batch_size: 1, ..Default::default() };
        a.traces.insert(1, partial(0, "ens", 100, 7));
        a.traces.insert(2, partial(1, "b", 300, 7));
        a.traces.insert(3, partial(1, "a", 200, 7));
        a.children.insert(1, vec![2, 3]);
        let t = a.take_tree(1).expect("tree");
        assert_eq!(t.model, "ens");
        assert_eq!(t.children.iter().map(|c| c.model.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(a.traces.is_empty() && a.children.is_empty());
        for i in 0..5u64 {
            let rec = ClientRecord { trace_id: 100 + i, slot: 0, worker: 0, issue_ns: i, done_ns: i + 1, ok: true, h2d: None, d2h: None };
            a.waiting.push_back((rec, Instant::now()));
        }
        a.finalize(Instant::now(), true);
        assert_eq!(a.ring.len(), 2);
        assert_eq!(a.dropped_timelines, 3);
        assert_eq!(a.ring[0].client_issue_ns, 3, "the newest are kept");
        assert!(a.ring[0].server.is_none(), "no events → no server times");
    }

    #[test]
    fn incomplete_records_wait_until_request_end_and_grace() {
        let mut a = Assembly { capacity: 10, batch_size: 1, ..Default::default() };
        a.traces.insert(7, partial(0, "m", 0, 6)); // no REQUEST_END yet
        let rec = ClientRecord { trace_id: 7, slot: 0, worker: 0, issue_ns: 0, done_ns: 1, ok: true, h2d: None, d2h: None };
        let t0 = Instant::now();
        a.waiting.push_back((rec, t0));
        a.finalize(t0 + GRACE * 2, false);
        assert!(a.ring.is_empty());
        a.traces.get_mut(&7).expect("trace").ns[6] = Some(100);
        a.finalize(t0, false);
        assert!(a.ring.is_empty(), "grace not over");
        a.finalize(t0 + GRACE, false);
        assert_eq!(a.ring.len(), 1);
    }
}
