//! What `results.json` says about re-measurement and drift (issue 12): each
//! interleaved re-measurement of tied contenders
//! ([`RemeasurementRecord`], per model `remeasurements`) and the drift
//! reference's throughput over the search ([`DriftRecord`], per model
//! `drift`). Both are absent in files of older tritium and in searches
//! without intervals.

use serde::{Deserialize, Serialize};
use tritium_bench::stats::Interval;

use super::ModelResults;
use crate::search::{Contender, DriftReport, Remeasurement, SearchOutcome, TieOutcome};

/// One re-measured contender.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContenderRecord {
    /// Config name.
    pub config: String,
    /// Client batch size of the re-measured point.
    pub batch_size: u32,
    /// Concurrency of the re-measured point (0, and absent, for a request rate).
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub concurrency: u32,
    /// Request rate of the re-measured point (absent for a concurrency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_rate: Option<u32>,
    /// Throughput of every measurement of the point, in order (the first
    /// one, then the repeats), infer/s.
    pub throughputs: Vec<f64>,
    /// The pooled throughput (mean of `throughputs`).
    pub throughput: f64,
    /// Its pooled 95 % interval (covers the spread between repeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput_ci: Option<Interval>,
    /// The pooled p99 latency, ms.
    pub latency_p99_ms: f64,
}

/// One interleaved re-measurement of statistically tied contenders.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RemeasurementRecord {
    /// The decision that hinged on the tie: "quick climb" or "final pick".
    pub decision: String,
    /// The contenders, in the order measured in each round.
    pub contenders: Vec<ContenderRecord>,
    /// Extra rounds taken (each measured every contender once).
    pub rounds: u32,
    /// "separated: NAME better", "equivalent" or "stopped: WHY".
    pub outcome: String,
}

/// One measurement of the drift reference point.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct DriftPointRecord {
    /// Search measurements taken before it.
    pub after_measurements: usize,
    /// Seconds since the model's search started.
    pub elapsed_seconds: f64,
    /// Throughput, infer/s.
    pub throughput: f64,
    /// Its 95 % interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput_ci: Option<Interval>,
}

/// The drift reference's throughput over a model's search.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DriftRecord {
    /// The reference config (the default).
    pub config: String,
    /// Its client batch size.
    pub batch_size: u32,
    /// Its concurrency (the default's first measured one; 0, and absent,
    /// for a request rate).
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub concurrency: u32,
    /// Its request rate (absent for a concurrency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_rate: Option<u32>,
    /// Every measurement of it, the first first.
    pub points: Vec<DriftPointRecord>,
    /// A later measurement differs significantly from the first.
    pub drifted: bool,
    /// The largest significant relative change (−0.18: 18 % slower; 0: none).
    pub change: f64,
    /// The warning printed, when it drifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl ModelResults {
    fn config_name(&self, key: &str) -> String {
        self.name_of(key).unwrap_or(key).to_string()
    }

    /// A level as (concurrency, request_rate), by the model's load kind.
    fn level_fields(&self, level: u32) -> (u32, Option<u32>) {
        if self.measurements.iter().any(|r| r.request_rate.is_some()) {
            (0, Some(level))
        } else {
            (level, None)
        }
    }

    fn contender_record(&self, c: &Contender) -> ContenderRecord {
        let (concurrency, request_rate) = self.level_fields(c.concurrency);
        ContenderRecord {
            config: self.config_name(&c.variant.key()),
            batch_size: c.batch_size,
            concurrency,
            request_rate,
            throughputs: c.repeats.iter().filter(|m| m.is_valid()).map(|m| m.throughput).collect(),
            throughput: c.pooled.throughput,
            throughput_ci: c.pooled.throughput_ci,
            latency_p99_ms: c.pooled.latency_p99_us / 1000.0,
        }
    }

    /// The record of a re-measurement, with config names.
    pub fn remeasurement_record(&self, r: &Remeasurement) -> RemeasurementRecord {
        RemeasurementRecord {
            decision: r.decision.as_str().to_string(),
            contenders: r.contenders.iter().map(|c| self.contender_record(c)).collect(),
            rounds: r.rounds,
            outcome: match &r.outcome {
                TieOutcome::Separated(k) => format!("separated: {} better", self.config_name(k)),
                TieOutcome::Equivalent => "equivalent".to_string(),
                TieOutcome::Stopped(why) => format!("stopped: {why}"),
            },
        }
    }

    /// The record of a drift report, with the config name.
    pub fn drift_record(&self, d: &DriftReport) -> DriftRecord {
        let (concurrency, request_rate) = self.level_fields(d.concurrency);
        DriftRecord {
            config: self.config_name(&d.variant.key()),
            batch_size: d.batch_size,
            concurrency,
            request_rate,
            points: d.points.iter().map(|p| DriftPointRecord { after_measurements: p.after_measurements, elapsed_seconds: p.elapsed_seconds, throughput: p.throughput, throughput_ci: p.throughput_ci }).collect(),
            drifted: d.drifted,
            change: d.change,
            warning: d.warning.clone(),
        }
    }

    /// Stores a search's re-measurements and drift report (replacing those
    /// of an earlier, resumed search of the model).
    pub fn record_stability(&mut self, outcome: &SearchOutcome) {
        self.remeasurements = outcome.remeasurements.iter().map(|r| self.remeasurement_record(r)).collect();
        self.drift = outcome.drift.as_ref().map(|d| self.drift_record(d));
        for r in &outcome.remeasurements {
            for c in &r.contenders {
                self.apply_pooled(c);
            }
        }
    }

    /// Writes a re-measured contender's pooled estimate into its stored
    /// measurement record, so the tables, CSVs and reports show the number
    /// the ranking used (the search replaced the point by its pooled
    /// estimate). The record says so in its warnings, with the first
    /// measurement's throughput. A contender with one valid repeat is left as it is.
    pub fn apply_pooled(&mut self, c: &Contender) {
        let valid: Vec<f64> = c.repeats.iter().filter(|m| m.is_valid()).map(|m| m.throughput).collect();
        if valid.len() < 2 {
            return;
        }
        let name = self.config_name(&c.variant.key());
        let Some(p) = self.measurements.iter_mut().rev().find(|r| r.config == name && r.batch_size == c.batch_size && r.level() == c.concurrency).and_then(|r| r.point.as_mut()) else {
            return;
        };
        let m = &c.pooled;
        let first = p.throughput;
        p.throughput = m.throughput;
        p.throughput_ci = m.throughput_ci;
        p.latency.avg_us = m.latency_avg_us;
        p.latency.p50_us = m.latency_p50_us;
        p.latency.p90_us = m.latency_p90_us;
        p.latency.p95_us = m.latency_p95_us;
        p.latency.p99_us = m.latency_p99_us;
        p.latency_ci = Some(m.latency_ci);
        let note = format!(
            "pooled over {} interleaved measurements to settle a statistical tie ({} infer/s); the first alone measured {first:.1} infer/s",
            valid.len(),
            valid.iter().map(|x| format!("{x:.1}")).collect::<Vec<_>>().join(", ")
        );
        p.warnings.retain(|w| !w.starts_with("pooled over "));
        p.warnings.push(note);
    }
}
