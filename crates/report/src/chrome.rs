//! Chrome trace-event JSON export of a [`TraceSet`], for ui.perfetto.dev and
//! chrome://tracing.
//!
//! Layout:
//! - process 1, "tritium requests": one track per in-flight slot ("slot N").
//!   Each request is an outer "request `<model>`" span (client issue →
//!   completion) holding, in order, "client→server", "server `<model>`"
//!   (REQUEST_START → REQUEST_END; inside it "queue" and "compute", and inside
//!   that "compute input" / "compute infer" / "compute output") and
//!   "server→client" (COMPUTE_END → completion). An ensemble's server span
//!   holds one span per step, named after the step's model, with the step's
//!   own queue/compute spans (steps that overlap each other are left as is).
//!   tritium's device work (CUDA-event timed copies) goes on a track of its
//!   own per slot, "slot N device", so it never collides with the phases.
//! - process 2, "GPU": counter tracks "GPU{n} utilization %", "GPU{n} memory
//!   MB", "GPU{n} power W", "GPU{n} SM clock MHz".
//!
//! Times are µs (floats with ns precision) since the earliest timestamp of
//! the set; `otherData.origin_ns` is that timestamp on CLOCK_MONOTONIC.
//!
//! Spans nest: where clock error makes a span stick out of its parent, or
//! overlap the phase before it, it is clipped to fit — in this export only.
//! A span that ends before it starts, or that clipping empties, is left out.
//! "server→client" is clipped to start where the server span ends; its
//! `phase_us` argument keeps the unclipped COMPUTE_END → completion time.

use std::path::Path;

use serde_json::{json, Map, Value};

use tritium_bench::trace::phases::is_ensemble;
use tritium_bench::trace::{Activity, ServerTimes, Timeline, TraceSet};
use tritium_triton::error::{Error, Result};

/// Process id of the request tracks.
const REQUEST_PID: u64 = 1;
/// Process id of the GPU counter tracks.
const GPU_PID: u64 = 2;
/// Track id of slot N's device-work track is `DEVICE_TID_BASE + N`.
const DEVICE_TID_BASE: u64 = 1 << 20;

/// Track id of slot `slot`'s request track (tid 0 is avoided).
fn request_tid(slot: u32) -> u64 {
    u64::from(slot) + 1
}

/// A span being laid out, in ns of CLOCK_MONOTONIC.
#[derive(Debug, Clone)]
struct Span {
    name: String,
    start: u64,
    end: u64,
    args: Map<String, Value>,
    /// Children are consecutive phases: each is clipped to start no earlier
    /// than the previous one ends.
    sequential: bool,
    children: Vec<Span>,
}

impl Span {
    /// A span `start → end`; `None` if a stamp is missing or it ends before it starts.
    fn new(name: impl Into<String>, start: Option<u64>, end: Option<u64>) -> Option<Span> {
        let (start, end) = (start?, end?);
        (end >= start).then(|| Span {
            name: name.into(),
            start,
            end,
            args: Map::new(),
            sequential: true,
            children: Vec::new(),
        })
    }

    fn arg(mut self, key: &str, value: Value) -> Span {
        self.args.insert(key.into(), value);
        self
    }

    fn add(&mut self, child: Option<Span>) {
        self.children.extend(child);
    }

    /// Clips the children (recursively) into this span and, for sequential
    /// spans, after one another; drops children left empty or inverted.
    fn fit(&mut self) {
        let (lo, hi) = (self.start, self.end);
        let sequential = self.sequential;
        let mut floor = lo;
        let mut kept = Vec::with_capacity(self.children.len());
        for mut c in std::mem::take(&mut self.children) {
            let was_empty = c.end == c.start;
            let start = c.start.max(if sequential { floor } else { lo });
            let end = c.end.min(hi);
            if end < start || (end == start && !was_empty) {
                continue;
            }
            c.start = start;
            c.end = end;
            c.fit();
            floor = end;
            kept.push(c);
        }
        self.children = kept;
    }

    /// Appends this span and its children as "X" events (parents first).
    fn emit(&self, origin: u64, pid: u64, tid: u64, out: &mut Vec<Value>) {
        out.push(json!({
            "name": self.name,
            "cat": "tritium",
            "ph": "X",
            "ts": micros(self.start, origin),
            "dur": micros(self.end, self.start),
            "pid": pid,
            "tid": tid,
            "args": Value::Object(self.args.clone()),
        }));
        for c in &self.children {
            c.emit(origin, pid, tid, out);
        }
    }
}

/// `t − origin` in µs with ns precision.
fn micros(t: u64, origin: u64) -> f64 {
    t.saturating_sub(origin) as f64 / 1000.0
}

/// Signed `to − from` in µs, if both are known.
fn signed_micros(from: Option<u64>, to: Option<u64>) -> Option<f64> {
    let d = i128::from(to?) - i128::from(from?);
    Some(d as f64 / 1000.0)
}

/// The "queue" and "compute" spans (with compute's three parts) of one
/// computing trace.
fn compute_spans(s: &ServerTimes) -> [Option<Span>; 2] {
    let queue = Span::new(
        "queue",
        s.at(Activity::QueueStart),
        s.at(Activity::ComputeStart),
    );
    let compute = Span::new(
        "compute",
        s.at(Activity::ComputeStart),
        s.at(Activity::ComputeEnd),
    )
    .map(|mut c| {
        c.add(Span::new(
            "compute input",
            s.at(Activity::ComputeStart),
            s.at(Activity::ComputeInputEnd),
        ));
        c.add(Span::new(
            "compute infer",
            s.at(Activity::ComputeInputEnd),
            s.at(Activity::ComputeOutputStart),
        ));
        c.add(Span::new(
            "compute output",
            s.at(Activity::ComputeOutputStart),
            s.at(Activity::ComputeEnd),
        ));
        c
    });
    [queue, compute]
}

/// The spans inside a server trace: its queue/compute, or its steps.
fn server_contents(s: &ServerTimes) -> Vec<Span> {
    if !is_ensemble(s) {
        return compute_spans(s).into_iter().flatten().collect();
    }
    s.children
        .iter()
        .filter_map(|c| {
            let mut step = Span::new(
                c.model.clone(),
                c.at(Activity::RequestStart),
                c.at(Activity::RequestEnd),
            )?
            .arg("trace_id", json!(c.trace_id))
            .arg("model", json!(c.model));
            step.children = server_contents(c);
            step.sequential = !is_ensemble(c);
            Some(step)
        })
        .collect()
}

/// The latest COMPUTE_END of a trace or, for ensembles, of its steps.
fn last_compute_end(s: &ServerTimes) -> Option<u64> {
    if is_ensemble(s) {
        s.children.iter().filter_map(last_compute_end).max()
    } else {
        s.at(Activity::ComputeEnd)
    }
}

/// The laid-out span tree of one request; `None` if its client times are inverted.
fn request_span(t: &Timeline, model: &str) -> Option<Span> {
    let latency_us = signed_micros(Some(t.client_issue_ns), Some(t.client_done_ns));
    let mut root = Span::new(
        format!("request {model}"),
        Some(t.client_issue_ns),
        Some(t.client_done_ns),
    )?
    .arg("trace_id", json!(t.server.as_ref().map(|s| s.trace_id)))
    .arg("batch_size", json!(t.batch_size))
    .arg("ok", json!(t.ok))
    .arg("worker", json!(t.worker))
    .arg("latency_us", json!(latency_us));
    if let Some(s) = &t.server {
        let request_start = s.at(Activity::RequestStart);
        root.add(Span::new(
            "client→server",
            Some(t.client_issue_ns),
            request_start,
        ));
        let contents = server_contents(s);
        match Span::new(
            format!("server {}", s.model),
            request_start,
            s.at(Activity::RequestEnd),
        ) {
            Some(mut server) => {
                server.args.insert("trace_id".into(), json!(s.trace_id));
                server.sequential = !is_ensemble(s);
                server.children = contents;
                root.children.push(server);
            }
            None => root.children.extend(contents),
        }
        let response = last_compute_end(s);
        let phase_us = signed_micros(response, Some(t.client_done_ns));
        root.add(
            Span::new("server→client", response, Some(t.client_done_ns))
                .map(|sp| sp.arg("phase_us", json!(phase_us))),
        );
    }
    root.fit();
    Some(root)
}

/// tritium's device work of one request as consecutive spans under an
/// invisible holder (the holder itself is not exported).
fn device_spans(t: &Timeline) -> Option<Span> {
    let mut spans: Vec<Span> = t
        .device
        .iter()
        .filter_map(|d| {
            Span::new(d.name.clone(), Some(d.start_ns), Some(d.end_ns)).map(|s| {
                s.arg("device_us", json!(d.device_ns as f64 / 1000.0))
                    .arg("bytes", json!(d.bytes))
            })
        })
        .collect();
    spans.sort_by_key(|s| s.start);
    let start = spans.iter().map(|s| s.start).min()?;
    let end = spans.iter().map(|s| s.end).max()?;
    let mut holder = Span::new("", Some(start), Some(end))?;
    holder.children = spans;
    holder.fit();
    Some(holder)
}

/// Every timestamp of a server trace and its steps.
fn server_stamps<'a>(s: &'a ServerTimes) -> Box<dyn Iterator<Item = u64> + 'a> {
    Box::new(
        s.ns.iter()
            .flatten()
            .copied()
            .chain(s.children.iter().flat_map(server_stamps)),
    )
}

/// The earliest timestamp of the set (the export's time zero).
fn origin(set: &TraceSet) -> u64 {
    let timelines = set.timelines.iter().flat_map(|t| {
        std::iter::once(t.client_issue_ns)
            .chain(t.server.iter().flat_map(server_stamps))
            .chain(t.device.iter().map(|d| d.start_ns))
    });
    timelines
        .chain(set.counters.iter().map(|c| c.at_ns))
        .min()
        .unwrap_or(0)
}

/// A metadata ("M") event.
fn metadata(name: &str, pid: u64, tid: u64, args: Value) -> Value {
    json!({"name": name, "ph": "M", "ts": 0.0, "pid": pid, "tid": tid, "args": args})
}

/// The set as a Chrome trace-event JSON object.
pub fn to_chrome_json(set: &TraceSet) -> Value {
    let origin = origin(set);
    let mut events = vec![
        metadata(
            "process_name",
            REQUEST_PID,
            0,
            json!({"name": "tritium requests"}),
        ),
        metadata(
            "process_sort_index",
            REQUEST_PID,
            0,
            json!({"sort_index": 1}),
        ),
    ];
    let mut slots = std::collections::BTreeMap::<u32, bool>::new();
    let mut spans = Vec::new();
    for t in &set.timelines {
        let has_device = slots.entry(t.slot).or_insert(false);
        if let Some(root) = request_span(t, &set.model) {
            root.emit(origin, REQUEST_PID, request_tid(t.slot), &mut spans);
        }
        if let Some(holder) = device_spans(t) {
            *has_device = true;
            for s in &holder.children {
                s.emit(
                    origin,
                    REQUEST_PID,
                    DEVICE_TID_BASE + u64::from(t.slot),
                    &mut spans,
                );
            }
        }
    }
    for (&slot, &has_device) in &slots {
        let tid = request_tid(slot);
        events.push(metadata(
            "thread_name",
            REQUEST_PID,
            tid,
            json!({"name": format!("slot {slot}")}),
        ));
        events.push(metadata(
            "thread_sort_index",
            REQUEST_PID,
            tid,
            json!({"sort_index": 2 * u64::from(slot)}),
        ));
        if has_device {
            let tid = DEVICE_TID_BASE + u64::from(slot);
            events.push(metadata(
                "thread_name",
                REQUEST_PID,
                tid,
                json!({"name": format!("slot {slot} device")}),
            ));
            events.push(metadata(
                "thread_sort_index",
                REQUEST_PID,
                tid,
                json!({"sort_index": 2 * u64::from(slot) + 1}),
            ));
        }
    }
    events.extend(spans);
    if !set.counters.is_empty() {
        events.push(metadata("process_name", GPU_PID, 0, json!({"name": "GPU"})));
        events.push(metadata(
            "process_sort_index",
            GPU_PID,
            0,
            json!({"sort_index": 2}),
        ));
    }
    for c in &set.counters {
        let readings = [
            ("utilization %", c.utilization_pct),
            ("memory MB", c.memory_used_mb),
            ("power W", c.power_w),
            ("SM clock MHz", c.sm_clock_mhz),
        ];
        for (what, value) in readings.into_iter().filter(|(_, v)| v.is_finite()) {
            events.push(json!({
                "name": format!("GPU{} {what}", c.gpu),
                "ph": "C",
                "ts": micros(c.at_ns, origin),
                "pid": GPU_PID,
                "tid": u64::from(c.gpu),
                "args": {"value": value},
            }));
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {
            "producer": "tritium",
            "version": env!("CARGO_PKG_VERSION"),
            "model": set.model,
            "clock": "CLOCK_MONOTONIC",
            "origin_ns": origin,
            "timelines": set.timelines.len(),
            "dropped_timelines": set.dropped_timelines,
            "dropped_events": set.dropped_events,
            "not_sampled": set.not_sampled,
        },
    })
}

/// Writes [`to_chrome_json`] of `set` to `path` atomically (temporary file
/// in the same directory, then rename).
pub fn write_chrome(set: &TraceSet, path: &Path) -> Result<()> {
    let mut bytes = serde_json::to_vec(&to_chrome_json(set)).map_err(|source| Error::Json {
        what: format!("Chrome trace for {}", path.display()),
        source,
    })?;
    bytes.push(b'\n');
    tritium_util::write_atomic(path, &bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tritium_bench::trace::{CounterSample, DeviceSpan};

    fn server(model: &str, trace_id: u64, base: u64, offsets: [Option<u64>; 7]) -> ServerTimes {
        ServerTimes {
            trace_id,
            model: model.into(),
            ns: offsets.map(|o| o.map(|o| base + o)),
            children: Vec::new(),
        }
    }

    fn full(model: &str, trace_id: u64, base: u64, offsets: [u64; 7]) -> ServerTimes {
        server(model, trace_id, base, offsets.map(Some))
    }

    fn timeline(slot: u32, issue: u64, done: u64, s: Option<ServerTimes>) -> Timeline {
        Timeline {
            slot,
            worker: slot,
            batch_size: 4,
            client_issue_ns: issue,
            client_done_ns: done,
            ok: true,
            server: s,
            device: Vec::new(),
        }
    }

    /// A set with a plain request, a request with clock error, an ensemble
    /// request, device work and counters.
    fn sample_set() -> TraceSet {
        let b0 = 1_000_000_000;
        let mut plain = timeline(
            0,
            b0,
            b0 + 10_000,
            Some(full(
                "m",
                1,
                b0,
                [100, 200, 1_000, 1_500, 8_000, 8_500, 9_900],
            )),
        );
        plain.device = vec![
            DeviceSpan {
                name: "H2D inputs".into(),
                start_ns: b0 - 3_000,
                end_ns: b0 - 1_000,
                device_ns: 1_500,
                bytes: 4096,
            },
            DeviceSpan {
                name: "D2H outputs".into(),
                start_ns: b0 + 10_100,
                end_ns: b0 + 11_000,
                device_ns: 700,
                bytes: 1024,
            },
        ];
        let b1 = b0 + 20_000;
        // REQUEST_END 300 ns after the client saw the response; REQUEST_START 5 ns
        // before the client issued it.
        let skewed = timeline(
            1,
            b1 + 5,
            b1 + 9_000,
            Some(full("m", 2, b1, [0, 100, 900, 1_000, 7_000, 7_200, 9_300])),
        );
        let b2 = b0 + 40_000;
        let mut ens = server(
            "ens",
            3,
            b2,
            [Some(100), Some(120), None, None, None, None, Some(9_000)],
        );
        ens.children.push(full(
            "pre",
            4,
            b2,
            [200, 250, 300, 310, 1_310, 1_330, 1_400],
        ));
        ens.children.push(full(
            "net",
            5,
            b2,
            [1_500, 1_600, 1_700, 1_705, 7_705, 7_720, 8_000],
        ));
        let ensemble = timeline(0, b2, b2 + 8_500, Some(ens));
        let no_server = timeline(2, b2 + 100, b2 + 5_000, None);
        let counters = (0..3)
            .map(|i| CounterSample {
                at_ns: b0 + i * 20_000,
                gpu: 0,
                utilization_pct: 50.0 + i as f64,
                memory_used_mb: 1024.0,
                power_w: 250.5,
                sm_clock_mhz: 1980.0,
            })
            .collect();
        TraceSet {
            model: "m".into(),
            timelines: vec![plain, skewed, ensemble, no_server],
            dropped_timelines: 7,
            dropped_events: 2,
            not_sampled: 11,
            counters,
        }
    }

    fn parsed(set: &TraceSet) -> Value {
        let text = serde_json::to_string(&to_chrome_json(set)).expect("serialize");
        serde_json::from_str(&text).expect("valid JSON")
    }

    fn events(v: &Value) -> Vec<Value> {
        v["traceEvents"]
            .as_array()
            .expect("traceEvents array")
            .clone()
    }

    fn ns(v: &Value) -> i64 {
        (v.as_f64().expect("number") * 1000.0).round() as i64
    }

    /// `[start, end]` of an X event in ns since the origin.
    fn interval(e: &Value) -> (i64, i64) {
        let ts = ns(&e["ts"]);
        (ts, ts + ns(&e["dur"]))
    }

    fn named<'a>(evs: &'a [Value], name: &str) -> Vec<&'a Value> {
        evs.iter().filter(|e| e["name"] == name).collect()
    }

    #[test]
    fn every_event_has_the_required_fields() {
        let v = parsed(&sample_set());
        assert_eq!(v["displayTimeUnit"], "ns");
        assert_eq!(v["otherData"]["model"], "m");
        assert_eq!(v["otherData"]["dropped_timelines"], 7);
        assert_eq!(v["otherData"]["dropped_events"], 2);
        assert_eq!(v["otherData"]["version"], env!("CARGO_PKG_VERSION"));
        let evs = events(&v);
        assert!(!evs.is_empty());
        for e in &evs {
            for key in ["ph", "ts", "pid", "tid", "name"] {
                assert!(e.get(key).is_some(), "{key} missing in {e}");
            }
            assert!(e["ts"].as_f64().expect("ts number") >= 0.0, "{e}");
            match e["ph"].as_str().expect("ph string") {
                "X" => assert!(e["dur"].as_f64().expect("dur number") >= 0.0, "{e}"),
                "C" => assert!(e["args"]["value"].as_f64().is_some(), "{e}"),
                "M" => assert!(
                    e["args"]["name"].is_string() || e["args"]["sort_index"].is_u64(),
                    "{e}"
                ),
                other => panic!("unexpected ph {other}"),
            }
        }
    }

    #[test]
    fn metadata_names_processes_and_slots() {
        let evs = events(&parsed(&sample_set()));
        let names: Vec<(String, u64, u64)> = evs
            .iter()
            .filter(|e| e["ph"] == "M" && e["args"]["name"].is_string())
            .map(|e| {
                let pid = e["pid"].as_u64().expect("pid");
                let tid = e["tid"].as_u64().expect("tid");
                (
                    e["args"]["name"].as_str().unwrap_or_default().to_string(),
                    pid,
                    tid,
                )
            })
            .collect();
        for expected in [
            "tritium requests",
            "GPU",
            "slot 0",
            "slot 1",
            "slot 2",
            "slot 0 device",
        ] {
            assert!(
                names.iter().any(|(n, _, _)| n == expected),
                "{expected} missing: {names:?}"
            );
        }
        assert!(!names.iter().any(|(n, _, _)| n == "slot 1 device"));
        // Slot tracks are named on the tid their spans use.
        let slot1 = names
            .iter()
            .find(|(n, _, _)| n == "slot 1")
            .expect("slot 1");
        let req = named(&evs, "request m");
        assert!(req
            .iter()
            .any(|e| e["tid"].as_u64() == Some(slot1.2) && e["pid"] == 1));
    }

    #[test]
    fn spans_nest_on_every_track() {
        let evs = events(&parsed(&sample_set()));
        let mut tracks = std::collections::BTreeMap::<(u64, u64), Vec<(i64, i64, String)>>::new();
        for e in evs.iter().filter(|e| e["ph"] == "X") {
            let (s, end) = interval(e);
            let key = (
                e["pid"].as_u64().expect("pid"),
                e["tid"].as_u64().expect("tid"),
            );
            tracks.entry(key).or_default().push((
                s,
                end,
                e["name"].as_str().unwrap_or_default().into(),
            ));
        }
        for spans in tracks.values_mut() {
            spans.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
            let mut stack: Vec<(i64, i64, String)> = Vec::new();
            for span in spans.iter() {
                let inside = |top: &(i64, i64, String)| span.0 >= top.0 && span.1 <= top.1;
                while stack
                    .last()
                    .is_some_and(|top| !inside(top) && top.1 <= span.0)
                {
                    stack.pop();
                }
                if let Some(top) = stack.last() {
                    assert!(
                        span.0 >= top.0 && span.1 <= top.1,
                        "{span:?} sticks out of {top:?}"
                    );
                }
                stack.push(span.clone());
            }
        }
    }

    #[test]
    fn phases_appear_inside_their_parents() {
        let evs = events(&parsed(&sample_set()));
        let requests = named(&evs, "request m");
        assert_eq!(requests.len(), 4);
        let plain = interval(requests[0]);
        assert_eq!(plain, (3_000, 13_000));
        assert_eq!(requests[0]["args"]["batch_size"], 4);
        assert_eq!(requests[0]["args"]["latency_us"], 10.0);
        assert_eq!(requests[0]["args"]["trace_id"], 1);
        assert_eq!(requests[3]["args"]["trace_id"], Value::Null);
        for name in [
            "client→server",
            "queue",
            "compute",
            "compute input",
            "compute infer",
            "compute output",
            "server→client",
        ] {
            assert!(!named(&evs, name).is_empty(), "{name} missing");
        }
        let compute = interval(named(&evs, "compute")[0]);
        assert_eq!(compute, (3_000 + 1_000, 3_000 + 8_500));
        // The skewed request: the server span is clipped to the request, the
        // response span is empty after clipping and left out.
        let req1 = interval(requests[1]);
        let servers = named(&evs, "server m");
        let server1 = interval(servers[1]);
        assert_eq!(server1, (req1.0, req1.1));
        let s2c: Vec<_> = named(&evs, "server→client")
            .into_iter()
            .map(interval)
            .collect();
        assert!(
            s2c.iter()
                .all(|&(s, e)| s >= 0 && !(s >= req1.0 && e <= req1.1)),
            "{s2c:?}"
        );
        let first_s2c = named(&evs, "server→client")[0];
        assert_eq!(first_s2c["args"]["phase_us"], 1.5);
    }

    #[test]
    fn ensemble_steps_nest_under_the_server_span() {
        let evs = events(&parsed(&sample_set()));
        let ens = interval(named(&evs, "server ens")[0]);
        for step in ["pre", "net"] {
            let e = named(&evs, step);
            assert_eq!(e.len(), 1, "{step}");
            let (s, end) = interval(e[0]);
            assert!(
                s >= ens.0 && end <= ens.1,
                "{step} outside the ensemble span"
            );
            assert_eq!(e[0]["args"]["model"], step);
        }
        // Each step has its own queue and compute spans inside it.
        let net = interval(named(&evs, "net")[0]);
        let inside = |name: &str| {
            named(&evs, name)
                .into_iter()
                .map(interval)
                .any(|(s, e)| s >= net.0 && e <= net.1)
        };
        assert!(inside("queue") && inside("compute") && inside("compute infer"));
        assert!(named(&evs, "compute").len() >= 4);
    }

    #[test]
    fn counters_and_device_spans_are_exported() {
        let set = sample_set();
        let evs = events(&parsed(&set));
        let counters: Vec<_> = evs.iter().filter(|e| e["ph"] == "C").collect();
        assert_eq!(counters.len(), 4 * set.counters.len());
        for name in [
            "GPU0 utilization %",
            "GPU0 memory MB",
            "GPU0 power W",
            "GPU0 SM clock MHz",
        ] {
            let c = named(&evs, name);
            assert_eq!(c.len(), set.counters.len(), "{name}");
            assert!(c.iter().all(|e| e["pid"] == 2));
        }
        let util: Vec<f64> = named(&evs, "GPU0 utilization %")
            .iter()
            .map(|e| e["args"]["value"].as_f64().unwrap_or(-1.0))
            .collect();
        assert_eq!(util, vec![50.0, 51.0, 52.0]);
        // The first sample and the first H2D copy start the time axis.
        let h2d = named(&evs, "H2D inputs");
        assert_eq!(h2d.len(), 1);
        assert_eq!(interval(h2d[0]), (0, 2_000));
        assert_eq!(h2d[0]["args"]["bytes"], 4096);
        assert_eq!(h2d[0]["args"]["device_us"], 1.5);
        assert_eq!(ns(&named(&evs, "GPU0 power W")[0]["ts"]), 3_000);
    }

    #[test]
    fn inverted_spans_are_left_out() {
        let b = 1_000;
        // COMPUTE_END before COMPUTE_START, and a request whose completion precedes its issue.
        let bad = timeline(
            0,
            b,
            b + 1_000,
            Some(full("m", 1, b, [10, 20, 500, 100, 200, 300, 900])),
        );
        let inverted = timeline(1, b + 5_000, b + 4_000, None);
        let set = TraceSet {
            model: "m".into(),
            timelines: vec![bad, inverted],
            ..TraceSet::default()
        };
        let evs = events(&parsed(&set));
        assert_eq!(named(&evs, "request m").len(), 1);
        assert!(named(&evs, "compute").is_empty());
        assert!(evs
            .iter()
            .filter(|e| e["ph"] == "X")
            .all(|e| e["dur"].as_f64().unwrap_or(-1.0) >= 0.0));
    }

    #[test]
    fn writes_a_file_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("trace.json");
        write_chrome(&sample_set(), &path).expect("write");
        let text = std::fs::read_to_string(&path).expect("read back");
        let v: Value = serde_json::from_str(&text).expect("JSON");
        assert!(v["traceEvents"].as_array().is_some_and(|a| !a.is_empty()));
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1);
        let missing_dir = dir.path().join("no/such/dir/trace.json");
        let err = write_chrome(&sample_set(), &missing_dir).expect_err("missing directory");
        assert!(err.to_string().contains("no/such/dir"), "{err}");
    }

    #[test]
    fn empty_set_is_valid() {
        let v = parsed(&TraceSet::default());
        let evs = events(&v);
        assert!(evs.iter().all(|e| e["ph"] == "M"));
        assert_eq!(v["otherData"]["origin_ns"], 0);
    }
}
