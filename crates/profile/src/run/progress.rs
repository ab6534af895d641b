//! The terminal progress of a search: one line per [`SearchEvent`]
//! (measurements, skips, early exits, re-measurements of ties, drift checks).

use super::with_ci;
use crate::plan::LoadKind;
use crate::search::{self, ModelConfigVariant, SearchEvent};

/// A line of progress for the search; load levels named by `load`
/// ("concurrency 4", "request rate 32").
pub(super) fn describe(e: &SearchEvent, load: LoadKind) -> Option<String> {
    let lvl = load.level_name();
    match e {
        SearchEvent::PhaseStarted(search::SearchPhase::ConcurrencySweep) if load.is_rate() => Some("phase RequestRateSweep".to_string()),
        SearchEvent::PhaseStarted(p) => Some(format!("phase {p:?}")),
        SearchEvent::Measured { variant, measurement, passes, cached, .. } => {
            let what = label(variant);
            Some(match &measurement.failed {
                Some(why) => format!("{what} @ batch {}, {lvl} {}: FAILED: {why}", measurement.batch_size, measurement.concurrency),
                None => format!(
                    "{what} @ batch {}, {lvl} {}: {:.1} infer/s, p99 {:.2} ms{}{}",
                    measurement.batch_size,
                    measurement.concurrency,
                    measurement.throughput,
                    measurement.latency_p99_us / 1000.0,
                    if *passes { "" } else { " (breaks a constraint)" },
                    if *cached { " [cached]" } else { "" }
                ),
            })
        }
        SearchEvent::Skipped { variant_key, batch_size, reason, .. } => Some(format!("{variant_key}: batch size {batch_size} skipped: {reason}")),
        SearchEvent::EarlyExit { variant_key, reason, .. } => Some(format!("early exit for {variant_key}: {reason}")),
        SearchEvent::Loaded { variant_key, loads, .. } => Some(format!("loading {variant_key} (config load {loads} of this search)")),
        SearchEvent::Note(n) => Some(n.clone()),
        SearchEvent::Remeasured { variant, measurement: m, round, .. } => Some(match &m.failed {
            Some(why) => format!("re-measuring {} @ batch {}, {lvl} {} (round {round}): FAILED: {why}", label(variant), m.batch_size, m.concurrency),
            None => format!("re-measuring {} @ batch {}, {lvl} {} (round {round}): {} infer/s", label(variant), m.batch_size, m.concurrency, with_ci(m.throughput, m.throughput_ci)),
        }),
        SearchEvent::TieSettled(r) => {
            let who: Vec<String> = r.contenders.iter().map(|c| format!("{} {} infer/s", label(&c.variant), with_ci(c.pooled.throughput, c.pooled.throughput_ci))).collect();
            let outcome = match &r.outcome {
                search::TieOutcome::Separated(k) => format!("separated: {} better", r.contenders.iter().find(|c| &c.variant.key() == k).map_or(k.clone(), |c| label(&c.variant))),
                search::TieOutcome::Equivalent => "equivalent (statistically tied)".to_string(),
                search::TieOutcome::Stopped(why) => format!("stopped: {why}"),
            };
            Some(format!("{}: re-measured interleaved, {} round(s): {outcome}; pooled {}", search::TieDecision::heading(r.decision.as_str()), r.rounds, who.join(" vs ")))
        }
        SearchEvent::DriftChecked { first, point, warning, .. } => Some(format!(
            "drift check: reference point {} infer/s (first {} infer/s){}",
            with_ci(point.throughput, point.throughput_ci),
            with_ci(first.throughput, first.throughput_ci),
            warning.as_ref().map_or(String::new(), |w| format!(": WARNING: {w}"))
        )),
    }
}

/// "default config" / "2 x KIND_GPU, max batch 8" / for an ensemble each
/// composing model's: "pre 4 x KIND_CPU max batch 8, net 1 x KIND_GPU max batch 4".
fn label(v: &ModelConfigVariant) -> String {
    if v.is_default {
        "default config".to_string()
    } else if !v.composing.is_empty() {
        v.composing.iter().map(|c| format!("{} {} x {} max batch {}", c.name, c.instance_count, c.instance_kind, c.max_batch_size)).collect::<Vec<_>>().join(", ")
    } else {
        format!("{} x {}, max batch {}", v.instance_count, v.instance_kind, v.max_batch_size)
    }
}
