//! Per-phase latency statistics of traced requests.
//!
//! A top-level [`Timeline`] splits into seven phases that telescope, so they
//! sum exactly to the client latency (`client_done_ns − client_issue_ns`):
//!
//! | phase              | from                   | to                     |
//! |--------------------|------------------------|------------------------|
//! | `client_to_server` | client issue           | REQUEST_START          |
//! | `request_setup`    | REQUEST_START          | QUEUE_START            |
//! | `queue`            | QUEUE_START            | COMPUTE_START          |
//! | `compute_input`    | COMPUTE_START          | COMPUTE_INPUT_END      |
//! | `compute_infer`    | COMPUTE_INPUT_END      | COMPUTE_OUTPUT_START   |
//! | `compute_output`   | COMPUTE_OUTPUT_START   | COMPUTE_END            |
//! | `server_to_client` | COMPUTE_END            | client completion      |
//!
//! plus `server_total` (REQUEST_START → REQUEST_END) and `client_overhead`
//! (latency − server_total). Values are signed nanoseconds: clock error, or a
//! response delivered before COMPUTE_END, can make a phase slightly negative,
//! and that sign is kept rather than clamped.
//!
//! **Ensembles.** A top-level trace without COMPUTE_* stamps but with children
//! is an ensemble. Its phases come from the composing models' traces (the
//! leaves: nested ensembles are descended into):
//! - `queue` and `compute_*` are the sums over the leaves;
//! - `client_to_server` ends at the ensemble's REQUEST_START;
//! - `server_to_client` starts at the latest leaf COMPUTE_END;
//! - `request_setup` is the remainder, so the phases still telescope: the
//!   ensemble's own setup plus the scheduling between steps. It is negative
//!   when steps overlap (parallel branches count their queue/compute twice).
//!
//! **Statistics.** [`PhaseTable`] gives p50/p90/p99/avg/min/max per phase in
//! µs, overall and per batch size. Percentiles are exact, nearest-rank over
//! the sorted values: the p-th percentile of n values is the value at rank
//! ⌈p/100 · n⌉ (1-based). Failed requests (`ok == false`) are left out and
//! counted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Activity, ServerTimes, Timeline};

/// One phase of a request's latency (or one of the derived totals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Client issue → REQUEST_START.
    ClientToServer,
    /// REQUEST_START → QUEUE_START ("server setup").
    RequestSetup,
    /// QUEUE_START → COMPUTE_START.
    Queue,
    /// COMPUTE_START → COMPUTE_INPUT_END.
    ComputeInput,
    /// COMPUTE_INPUT_END → COMPUTE_OUTPUT_START.
    ComputeInfer,
    /// COMPUTE_OUTPUT_START → COMPUTE_END.
    ComputeOutput,
    /// COMPUTE_END → client completion.
    ServerToClient,
    /// REQUEST_START → REQUEST_END.
    ServerTotal,
    /// Client latency − server total.
    ClientOverhead,
    /// Client latency (issue → completion), for reference.
    Latency,
}

impl Phase {
    /// Every phase, in table order.
    pub const ALL: [Phase; 10] = [
        Phase::ClientToServer,
        Phase::RequestSetup,
        Phase::Queue,
        Phase::ComputeInput,
        Phase::ComputeInfer,
        Phase::ComputeOutput,
        Phase::ServerToClient,
        Phase::ServerTotal,
        Phase::ClientOverhead,
        Phase::Latency,
    ];

    /// The seven phases that sum exactly to the client latency.
    pub const TELESCOPING: [Phase; 7] = [
        Phase::ClientToServer,
        Phase::RequestSetup,
        Phase::Queue,
        Phase::ComputeInput,
        Phase::ComputeInfer,
        Phase::ComputeOutput,
        Phase::ServerToClient,
    ];

    /// Human-readable name, as shown in [`PhaseTable::render`].
    pub fn label(self) -> &'static str {
        match self {
            Phase::ClientToServer => "client→server",
            Phase::RequestSetup => "server setup",
            Phase::Queue => "queue",
            Phase::ComputeInput => "compute input",
            Phase::ComputeInfer => "compute infer",
            Phase::ComputeOutput => "compute output",
            Phase::ServerToClient => "server→client",
            Phase::ServerTotal => "server total",
            Phase::ClientOverhead => "client overhead",
            Phase::Latency => "client latency",
        }
    }
}

/// The phases of one request, signed ns. `None` where a needed stamp is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Phases {
    /// Whether the phases were derived from ensemble steps.
    pub ensemble: bool,
    /// Client latency, `client_done_ns − client_issue_ns`.
    pub latency_ns: i64,
    /// Client issue → REQUEST_START.
    pub client_to_server_ns: Option<i64>,
    /// REQUEST_START → QUEUE_START (ensembles: the remainder, see the module doc).
    pub request_setup_ns: Option<i64>,
    /// QUEUE_START → COMPUTE_START (ensembles: sum over steps).
    pub queue_ns: Option<i64>,
    /// COMPUTE_START → COMPUTE_INPUT_END (ensembles: sum over steps).
    pub compute_input_ns: Option<i64>,
    /// COMPUTE_INPUT_END → COMPUTE_OUTPUT_START (ensembles: sum over steps).
    pub compute_infer_ns: Option<i64>,
    /// COMPUTE_OUTPUT_START → COMPUTE_END (ensembles: sum over steps).
    pub compute_output_ns: Option<i64>,
    /// COMPUTE_END (ensembles: latest step's) → client completion.
    pub server_to_client_ns: Option<i64>,
    /// REQUEST_START → REQUEST_END.
    pub server_total_ns: Option<i64>,
    /// `latency_ns − server_total_ns`.
    pub client_overhead_ns: Option<i64>,
}

impl Phases {
    /// The value of phase `p`, ns.
    pub fn get(&self, p: Phase) -> Option<i64> {
        match p {
            Phase::ClientToServer => self.client_to_server_ns,
            Phase::RequestSetup => self.request_setup_ns,
            Phase::Queue => self.queue_ns,
            Phase::ComputeInput => self.compute_input_ns,
            Phase::ComputeInfer => self.compute_infer_ns,
            Phase::ComputeOutput => self.compute_output_ns,
            Phase::ServerToClient => self.server_to_client_ns,
            Phase::ServerTotal => self.server_total_ns,
            Phase::ClientOverhead => self.client_overhead_ns,
            Phase::Latency => Some(self.latency_ns),
        }
    }

    /// Whether every phase could be computed.
    pub fn is_complete(&self) -> bool {
        Phase::ALL.iter().all(|&p| self.get(p).is_some())
    }
}

/// `to − from` in signed ns (saturating at the i64 range), if both are known.
fn between(from: Option<u64>, to: Option<u64>) -> Option<i64> {
    let d = i128::from(to?) - i128::from(from?);
    Some(i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX }))
}

/// Whether `s` has any COMPUTE_* stamp.
fn has_compute(s: &ServerTimes) -> bool {
    [
        Activity::ComputeStart,
        Activity::ComputeInputEnd,
        Activity::ComputeOutputStart,
        Activity::ComputeEnd,
    ]
    .iter()
    .any(|&a| s.at(a).is_some())
}

/// Whether `s` is an ensemble trace: no compute of its own, but steps.
pub fn is_ensemble(s: &ServerTimes) -> bool {
    !has_compute(s) && !s.children.is_empty()
}

/// The traces that computed under an ensemble trace, descending into nested ensembles.
fn leaves<'a>(s: &'a ServerTimes, out: &mut Vec<&'a ServerTimes>) {
    for c in &s.children {
        if is_ensemble(c) {
            leaves(c, out);
        } else {
            out.push(c);
        }
    }
}

/// Sum of `from → to` over `steps`; `None` if any step lacks a stamp.
fn sum_over(steps: &[&ServerTimes], from: Activity, to: Activity) -> Option<i64> {
    steps.iter().try_fold(0i64, |acc, s| {
        between(s.at(from), s.at(to)).map(|d| acc.saturating_add(d))
    })
}

/// The phases of a top-level timeline; `None` when it has no server times.
pub fn phases_of(t: &Timeline) -> Option<Phases> {
    let s = t.server.as_ref()?;
    let issue = Some(t.client_issue_ns);
    let done = Some(t.client_done_ns);
    let latency_ns = between(issue, done).unwrap_or(0);
    let request_start = s.at(Activity::RequestStart);
    let server_total_ns = between(request_start, s.at(Activity::RequestEnd));
    let mut p = Phases {
        latency_ns,
        client_to_server_ns: between(issue, request_start),
        server_total_ns,
        client_overhead_ns: server_total_ns.map(|st| latency_ns.saturating_sub(st)),
        ..Phases::default()
    };
    if !is_ensemble(s) {
        p.request_setup_ns = between(request_start, s.at(Activity::QueueStart));
        p.queue_ns = between(s.at(Activity::QueueStart), s.at(Activity::ComputeStart));
        p.compute_input_ns = between(
            s.at(Activity::ComputeStart),
            s.at(Activity::ComputeInputEnd),
        );
        p.compute_infer_ns = between(
            s.at(Activity::ComputeInputEnd),
            s.at(Activity::ComputeOutputStart),
        );
        p.compute_output_ns = between(
            s.at(Activity::ComputeOutputStart),
            s.at(Activity::ComputeEnd),
        );
        p.server_to_client_ns = between(s.at(Activity::ComputeEnd), done);
        return Some(p);
    }
    p.ensemble = true;
    let mut steps = Vec::new();
    leaves(s, &mut steps);
    p.queue_ns = sum_over(&steps, Activity::QueueStart, Activity::ComputeStart);
    p.compute_input_ns = sum_over(&steps, Activity::ComputeStart, Activity::ComputeInputEnd);
    p.compute_infer_ns = sum_over(
        &steps,
        Activity::ComputeInputEnd,
        Activity::ComputeOutputStart,
    );
    p.compute_output_ns = sum_over(&steps, Activity::ComputeOutputStart, Activity::ComputeEnd);
    let last_end = steps
        .iter()
        .map(|c| c.at(Activity::ComputeEnd))
        .collect::<Option<Vec<u64>>>()
        .and_then(|ends| ends.into_iter().max());
    p.server_to_client_ns = between(last_end, done);
    p.request_setup_ns = (|| {
        let span = between(request_start, last_end)?;
        let inner = [
            p.queue_ns?,
            p.compute_input_ns?,
            p.compute_infer_ns?,
            p.compute_output_ns?,
        ];
        Some(inner.iter().fold(span, |acc, d| acc.saturating_sub(*d)))
    })();
    Some(p)
}

/// Statistics of one phase over many requests, µs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseStats {
    /// Number of requests with this phase.
    pub count: u64,
    /// Median (nearest-rank).
    pub p50_us: f64,
    /// 90th percentile (nearest-rank).
    pub p90_us: f64,
    /// 99th percentile (nearest-rank).
    pub p99_us: f64,
    /// Mean.
    pub avg_us: f64,
    /// Smallest value.
    pub min_us: f64,
    /// Largest value.
    pub max_us: f64,
}

impl PhaseStats {
    /// Statistics of `values_ns` (sorted in place); `None` when empty.
    pub fn from_ns(values_ns: &mut [i64]) -> Option<PhaseStats> {
        let (&min, &max) = {
            values_ns.sort_unstable();
            (values_ns.first()?, values_ns.last()?)
        };
        let sum: i128 = values_ns.iter().map(|&v| i128::from(v)).sum();
        let n = values_ns.len();
        let us = |ns: i64| ns as f64 / 1000.0;
        Some(PhaseStats {
            count: n as u64,
            p50_us: us(nearest_rank(values_ns, 50.0)),
            p90_us: us(nearest_rank(values_ns, 90.0)),
            p99_us: us(nearest_rank(values_ns, 99.0)),
            avg_us: sum as f64 / n as f64 / 1000.0,
            min_us: us(min),
            max_us: us(max),
        })
    }
}

/// The nearest-rank `pct` percentile of non-empty, sorted `sorted`.
fn nearest_rank(sorted: &[i64], pct: f64) -> i64 {
    let n = sorted.len();
    let rank = ((pct / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// Phase statistics of one group of requests (all, or one batch size).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PhaseGroup {
    /// Successful traced requests in the group.
    pub timelines: u64,
    /// Of those, requests whose server times were lost (only their latency counts).
    pub without_server: u64,
    /// Of those, requests with server times that lack a stamp some phase needs.
    pub incomplete: u64,
    /// Of those, ensemble requests (phases derived from their steps).
    pub ensembles: u64,
    /// Statistics per phase; a phase no request had is absent.
    pub phases: BTreeMap<Phase, PhaseStats>,
}

/// Per-phase latency statistics of a set of timelines, overall and per batch size.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PhaseTable {
    /// Failed requests (`ok == false`), left out of every statistic.
    pub failed: u64,
    /// All successful requests.
    pub overall: PhaseGroup,
    /// Successful requests by batch size.
    pub by_batch_size: BTreeMap<u64, PhaseGroup>,
}

/// Values collected for one group before the statistics are taken.
#[derive(Default)]
struct Collector {
    group: PhaseGroup,
    values: BTreeMap<Phase, Vec<i64>>,
}

impl Collector {
    fn add(&mut self, t: &Timeline, phases: Option<&Phases>) {
        self.group.timelines += 1;
        let Some(p) = phases else {
            self.group.without_server += 1;
            self.values
                .entry(Phase::Latency)
                .or_default()
                .push(between(Some(t.client_issue_ns), Some(t.client_done_ns)).unwrap_or(0));
            return;
        };
        if !p.is_complete() {
            self.group.incomplete += 1;
        }
        if p.ensemble {
            self.group.ensembles += 1;
        }
        for phase in Phase::ALL {
            if let Some(v) = p.get(phase) {
                self.values.entry(phase).or_default().push(v);
            }
        }
    }

    fn finish(mut self) -> PhaseGroup {
        for (phase, mut values) in self.values {
            if let Some(stats) = PhaseStats::from_ns(&mut values) {
                self.group.phases.insert(phase, stats);
            }
        }
        self.group
    }
}

impl PhaseTable {
    /// Statistics of `timelines` (top-level request timelines).
    pub fn from_timelines(timelines: &[Timeline]) -> PhaseTable {
        let mut failed = 0;
        let mut overall = Collector::default();
        let mut by_batch: BTreeMap<u64, Collector> = BTreeMap::new();
        for t in timelines {
            if !t.ok {
                failed += 1;
                continue;
            }
            let phases = phases_of(t);
            overall.add(t, phases.as_ref());
            by_batch
                .entry(t.batch_size)
                .or_default()
                .add(t, phases.as_ref());
        }
        PhaseTable {
            failed,
            overall: overall.finish(),
            by_batch_size: by_batch.into_iter().map(|(b, c)| (b, c.finish())).collect(),
        }
    }

    /// A terminal table: one row per phase, columns p50/p90/p99/avg in µs;
    /// one block per batch size when there is more than one.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut head = format!(
            "Per-phase latency (µs), {} traced requests",
            self.overall.timelines
        );
        let notes = group_notes(&self.overall, self.failed);
        if !notes.is_empty() {
            let _ = write!(head, " ({notes})");
        }
        out.push_str(&head);
        out.push('\n');
        render_group(&mut out, &self.overall);
        if self.by_batch_size.len() > 1 {
            for (batch, group) in &self.by_batch_size {
                let _ = write!(out, "\nbatch size {batch}: {} requests", group.timelines);
                let notes = group_notes(group, 0);
                if !notes.is_empty() {
                    let _ = write!(out, " ({notes})");
                }
                out.push('\n');
                render_group(&mut out, group);
            }
        }
        out
    }
}

/// "3 incomplete, 1 without server times, …" for a block header.
fn group_notes(g: &PhaseGroup, failed: u64) -> String {
    let mut notes = Vec::new();
    if g.incomplete > 0 {
        notes.push(format!("{} incomplete", g.incomplete));
    }
    if g.without_server > 0 {
        notes.push(format!("{} without server times", g.without_server));
    }
    if g.ensembles > 0 {
        notes.push(format!(
            "{} ensemble, phases summed over steps",
            g.ensembles
        ));
    }
    if failed > 0 {
        notes.push(format!("{failed} failed, left out"));
    }
    notes.join(", ")
}

fn render_group(out: &mut String, g: &PhaseGroup) {
    let _ = writeln!(
        out,
        "  {:<16}{:>11}{:>11}{:>11}{:>11}{:>9}",
        "phase", "p50", "p90", "p99", "avg", "n"
    );
    for phase in Phase::ALL {
        if phase == Phase::ServerTotal {
            let _ = writeln!(out, "  {}", "-".repeat(16 + 11 * 4 + 9));
        }
        let _ = match g.phases.get(&phase) {
            Some(s) => writeln!(
                out,
                "  {:<16}{:>11.2}{:>11.2}{:>11.2}{:>11.2}{:>9}",
                phase.label(),
                s.p50_us,
                s.p90_us,
                s.p99_us,
                s.avg_us,
                s.count
            ),
            None => writeln!(
                out,
                "  {:<16}{:>11}{:>11}{:>11}{:>11}{:>9}",
                phase.label(),
                "-",
                "-",
                "-",
                "-",
                0
            ),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Server times with the given stamps (None = missing), offsets from `base`.
    fn server(model: &str, base: u64, offsets: [Option<u64>; 7]) -> ServerTimes {
        ServerTimes {
            trace_id: 1,
            model: model.into(),
            ns: offsets.map(|o| o.map(|o| base + o)),
            children: Vec::new(),
        }
    }

    fn full(model: &str, base: u64, offsets: [u64; 7]) -> ServerTimes {
        server(model, base, offsets.map(Some))
    }

    fn timeline(batch: u64, issue: u64, done: u64, s: Option<ServerTimes>) -> Timeline {
        Timeline {
            slot: 0,
            worker: 0,
            batch_size: batch,
            client_issue_ns: issue,
            client_done_ns: done,
            ok: true,
            server: s,
            device: Vec::new(),
        }
    }

    fn sum_telescoping(p: &Phases) -> i64 {
        Phase::TELESCOPING
            .iter()
            .map(|&ph| p.get(ph).expect("phase present"))
            .sum()
    }

    #[test]
    fn phases_sum_to_latency_exactly() {
        let base = 1_000_000_000;
        let s = full("m", base, [100, 250, 1_000, 1_333, 9_871, 10_007, 10_500]);
        let t = timeline(1, base, base + 10_042, Some(s));
        let p = phases_of(&t).expect("server times");
        assert!(!p.ensemble);
        assert_eq!(p.client_to_server_ns, Some(100));
        assert_eq!(p.request_setup_ns, Some(150));
        assert_eq!(p.queue_ns, Some(750));
        assert_eq!(p.compute_input_ns, Some(333));
        assert_eq!(p.compute_infer_ns, Some(8_538));
        assert_eq!(p.compute_output_ns, Some(136));
        assert_eq!(p.server_to_client_ns, Some(35));
        assert_eq!(p.server_total_ns, Some(10_400));
        assert_eq!(p.client_overhead_ns, Some(10_042 - 10_400));
        assert_eq!(sum_telescoping(&p), p.latency_ns);
        assert_eq!(p.latency_ns, 10_042);
        assert!(p.is_complete());
    }

    #[test]
    fn negative_phase_keeps_its_sign() {
        let base = 5_000;
        // The response reached the client 20 ns before COMPUTE_END.
        let s = full("m", base, [10, 20, 30, 40, 50, 100, 120]);
        let t = timeline(1, base, base + 80, Some(s));
        let p = phases_of(&t).expect("server times");
        assert_eq!(p.server_to_client_ns, Some(-20));
        assert_eq!(sum_telescoping(&p), 80);
    }

    #[test]
    fn percentiles_nearest_rank() {
        // 1..=100 µs: nearest rank gives p50 = 50, p90 = 90, p99 = 99.
        let mut v: Vec<i64> = (1..=100).rev().map(|x| x * 1000).collect();
        let s = PhaseStats::from_ns(&mut v).expect("values");
        assert_eq!(
            (s.count, s.p50_us, s.p90_us, s.p99_us),
            (100, 50.0, 90.0, 99.0)
        );
        assert_eq!((s.min_us, s.max_us, s.avg_us), (1.0, 100.0, 50.5));
        // Small set: ranks ⌈0.5·5⌉ = 3, ⌈0.9·5⌉ = 5, ⌈0.99·5⌉ = 5.
        let mut v = vec![5_000, 1_000, 4_000, 2_000, 3_000];
        let s = PhaseStats::from_ns(&mut v).expect("values");
        assert_eq!((s.p50_us, s.p90_us, s.p99_us), (3.0, 5.0, 5.0));
        let mut one = vec![-1_500];
        let s = PhaseStats::from_ns(&mut one).expect("values");
        assert_eq!((s.p50_us, s.p99_us, s.avg_us), (-1.5, -1.5, -1.5));
        assert!(PhaseStats::from_ns(&mut []).is_none());
    }

    #[test]
    fn split_per_batch_size() {
        let mut ts = Vec::new();
        for i in 0..10u64 {
            let base = 1_000_000 * (i + 1);
            let batch = if i < 4 { 1 } else { 8 };
            let q = 1_000 * (i + 1);
            let s = full("m", base, [10, 20, 20 + q, 30 + q, 40 + q, 50 + q, 60 + q]);
            ts.push(timeline(batch, base, base + 55 + q, Some(s)));
        }
        let table = PhaseTable::from_timelines(&ts);
        assert_eq!(table.overall.timelines, 10);
        assert_eq!(table.by_batch_size.len(), 2);
        let b1 = &table.by_batch_size[&1];
        let b8 = &table.by_batch_size[&8];
        assert_eq!((b1.timelines, b8.timelines), (4, 6));
        let q1 = b1.phases[&Phase::Queue];
        assert_eq!(
            (q1.count, q1.min_us, q1.max_us, q1.p50_us),
            (4, 1.0, 4.0, 2.0)
        );
        let q8 = b8.phases[&Phase::Queue];
        assert_eq!((q8.count, q8.min_us, q8.max_us), (6, 5.0, 10.0));
        assert_eq!(table.overall.phases[&Phase::Queue].count, 10);
        let text = table.render();
        assert!(text.contains("batch size 1: 4 requests"), "{text}");
        assert!(text.contains("batch size 8: 6 requests"), "{text}");
        assert!(text.contains("server setup"), "{text}");
        // Round trip through JSON (it goes into the bench report).
        let json = serde_json::to_string(&table).expect("serialize");
        assert!(json.contains("\"client_to_server\""), "{json}");
        let back: PhaseTable = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, table);
    }

    #[test]
    fn single_batch_size_renders_one_block() {
        let base = 1_000;
        let t = timeline(
            4,
            base,
            base + 100,
            Some(full("m", base, [10, 20, 30, 40, 50, 60, 90])),
        );
        let text = PhaseTable::from_timelines(&[t]).render();
        assert!(!text.contains("batch size"), "{text}");
        assert!(text.contains("client→server"), "{text}");
    }

    #[test]
    fn ensemble_phases_from_steps() {
        let base = 10_000_000;
        let mut parent = server(
            "ens",
            base,
            [Some(100), Some(110), None, None, None, None, Some(5_000)],
        );
        // Step 1: queue 50, input 10, infer 1000, output 20; COMPUTE_END at 1_400.
        parent
            .children
            .push(full("pre", base, [200, 250, 300, 310, 1_310, 1_330, 1_400]));
        // Step 2: queue 100, input 5, infer 2000, output 15; COMPUTE_END at 3_920.
        parent.children.push(full(
            "infer",
            base,
            [1_700, 1_800, 1_900, 1_905, 3_905, 3_920, 3_990],
        ));
        let t = timeline(2, base, base + 4_000, Some(parent));
        let p = phases_of(&t).expect("server times");
        assert!(p.ensemble);
        assert_eq!(p.queue_ns, Some(150));
        assert_eq!(p.compute_input_ns, Some(15));
        assert_eq!(p.compute_infer_ns, Some(3_000));
        assert_eq!(p.compute_output_ns, Some(35));
        assert_eq!(p.client_to_server_ns, Some(100));
        assert_eq!(p.server_to_client_ns, Some(4_000 - 3_920));
        // Remainder: 3_920 − 100 − (150 + 15 + 3_000 + 35).
        assert_eq!(p.request_setup_ns, Some(620));
        assert_eq!(p.server_total_ns, Some(4_900));
        assert_eq!(sum_telescoping(&p), 4_000);
        let table = PhaseTable::from_timelines(&[t]);
        assert_eq!(table.overall.ensembles, 1);
        assert_eq!(table.overall.incomplete, 0);
    }

    #[test]
    fn nested_ensemble_uses_leaves() {
        let base = 0;
        let mut inner = server(
            "inner",
            base,
            [Some(150), Some(160), None, None, None, None, Some(900)],
        );
        inner
            .children
            .push(full("leaf", base, [200, 210, 260, 270, 700, 710, 800]));
        let mut outer = server(
            "outer",
            base,
            [Some(100), Some(110), None, None, None, None, Some(1_000)],
        );
        outer.children.push(inner);
        let t = timeline(1, 0, 1_050, Some(outer));
        let p = phases_of(&t).expect("server times");
        assert_eq!(p.queue_ns, Some(50));
        assert_eq!(p.compute_infer_ns, Some(430));
        assert_eq!(p.server_to_client_ns, Some(340));
        assert_eq!(sum_telescoping(&p), 1_050);
    }

    #[test]
    fn missing_stamps_are_counted() {
        let base = 1_000;
        let complete = timeline(
            1,
            base,
            base + 100,
            Some(full("m", base, [10, 20, 30, 40, 50, 60, 90])),
        );
        // COMPUTE_INPUT_END lost: compute input and compute infer are unknown.
        let partial = timeline(
            1,
            base,
            base + 100,
            Some(server(
                "m",
                base,
                [
                    Some(10),
                    Some(20),
                    Some(30),
                    None,
                    Some(50),
                    Some(60),
                    Some(90),
                ],
            )),
        );
        let no_server = timeline(1, base, base + 120, None);
        let mut failed = complete.clone();
        failed.ok = false;
        // An ensemble whose step lost COMPUTE_END.
        let mut ens = server(
            "ens",
            base,
            [Some(10), Some(12), None, None, None, None, Some(95)],
        );
        ens.children.push(server(
            "s",
            base,
            [
                Some(20),
                Some(21),
                Some(30),
                Some(40),
                Some(50),
                None,
                Some(70),
            ],
        ));
        let ens = timeline(1, base, base + 100, Some(ens));
        let p = phases_of(&partial).expect("server times");
        assert_eq!((p.compute_input_ns, p.compute_infer_ns), (None, None));
        assert_eq!(p.queue_ns, Some(10));
        assert!(phases_of(&no_server).is_none());
        let pe = phases_of(&ens).expect("server times");
        assert_eq!(
            (
                pe.compute_output_ns,
                pe.server_to_client_ns,
                pe.request_setup_ns
            ),
            (None, None, None)
        );
        assert_eq!(pe.compute_infer_ns, Some(10));

        let table = PhaseTable::from_timelines(&[complete, partial, no_server, failed, ens]);
        let g = &table.overall;
        assert_eq!(
            (table.failed, g.timelines, g.without_server, g.incomplete),
            (1, 4, 1, 2)
        );
        assert_eq!(g.phases[&Phase::ComputeInput].count, 2);
        assert_eq!(g.phases[&Phase::ComputeInfer].count, 2);
        assert_eq!(g.phases[&Phase::Queue].count, 3);
        assert_eq!(g.phases[&Phase::Latency].count, 4);
        let text = table.render();
        assert!(text.contains("2 incomplete"), "{text}");
        assert!(text.contains("1 without server times"), "{text}");
        assert!(text.contains("1 failed"), "{text}");
    }

    #[test]
    fn empty_table_renders() {
        let table = PhaseTable::from_timelines(&[]);
        assert!(table.overall.phases.is_empty());
        assert!(table.render().contains("0 traced requests"));
    }
}
