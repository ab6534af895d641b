//! Where a profile run's wall time went (issue 13): loading configs,
//! unloading them, warming up, measuring, and the rest ("idle": preparing
//! inputs and requests, draining, checkpoints, search bookkeeping, the
//! output configs and CSV tables), for the whole run ([`TimeAnatomy`], the
//! `time` object of results.json) and per config ([`ConfigTime`], each
//! config record's `time`).
//!
//! The parts are measured, not estimated: the load and unload calls are
//! timed around Triton's calls, warm-up and measurement come from each bench
//! load point (`warmup_seconds`, `windows_seconds`), and idle is the wall
//! time left over. Re-measurements (ties, drift) count in the config they
//! measure. The wall time is that of `profile`'s search run: from its start
//! (the embedded server already up) to results.json written; starting the
//! server and writing the PDF reports come before and after it. A resumed
//! run keeps the earlier sessions' times from the checkpoint (up to its last
//! write) and adds its own ([`TimeAnatomy::sessions`]); a checkpoint of an
//! older tritium carries none, so such a run is marked
//! [`partial`](TimeAnatomy::partial).

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// A part of the time a config costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Triton loading the config (its composing models too, for an ensemble).
    Load,
    /// Triton unloading it (waiting for its instances and stubs to go).
    Unload,
    /// A load point's warm-up (the discarded window 0).
    WarmUp,
    /// A load point's measurement windows.
    Measure,
    /// Anything else spent on the config's measurements: inputs and
    /// requests prepared, draining, diagnostics, the checkpoint (idle in the
    /// run's anatomy).
    Other,
}

/// Time spent on one config, summed over every load and measurement of it
/// (re-measurements included) in every session of the run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct ConfigTime {
    /// Times Triton loaded it.
    pub loads: u32,
    /// Seconds loading it.
    pub load_seconds: f64,
    /// Seconds unloading it (when the next config replaced it).
    pub unload_seconds: f64,
    /// Seconds of warm-up of its measurements.
    pub warmup_seconds: f64,
    /// Seconds in the measurement windows of its measurements.
    pub measure_seconds: f64,
    /// Seconds of everything else around its measurements ([`Part::Other`]).
    pub other_seconds: f64,
    /// Measurements taken of it (re-measurements included; results served
    /// from a checkpoint not counted again).
    pub measurements: u32,
}

impl std::ops::AddAssign<&ConfigTime> for ConfigTime {
    /// Sums two configs' times (the "all configs" row of the tables).
    fn add_assign(&mut self, t: &ConfigTime) {
        self.loads += t.loads;
        self.load_seconds += t.load_seconds;
        self.unload_seconds += t.unload_seconds;
        self.warmup_seconds += t.warmup_seconds;
        self.measure_seconds += t.measure_seconds;
        self.other_seconds += t.other_seconds;
        self.measurements += t.measurements;
    }
}

impl ConfigTime {
    /// Adds `secs` to `part`.
    pub fn add(&mut self, part: Part, secs: f64) {
        let secs = secs.max(0.0);
        match part {
            Part::Load => self.load_seconds += secs,
            Part::Unload => self.unload_seconds += secs,
            Part::WarmUp => self.warmup_seconds += secs,
            Part::Measure => self.measure_seconds += secs,
            Part::Other => self.other_seconds += secs,
        }
    }

    /// Every second accounted to the config.
    pub fn total_seconds(&self) -> f64 {
        self.load_seconds + self.unload_seconds + self.warmup_seconds + self.measure_seconds + self.other_seconds
    }
}

/// The run's wall time split into its parts: `wall = load + unload +
/// warm-up + measure + idle`, idle being what the other four leave.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct TimeAnatomy {
    /// Wall time of the run (every session of a resumed run).
    pub wall_seconds: f64,
    /// Seconds loading configs.
    pub load_seconds: f64,
    /// Seconds unloading configs.
    pub unload_seconds: f64,
    /// Seconds warming up before measurements.
    pub warmup_seconds: f64,
    /// Seconds in measurement windows.
    pub measure_seconds: f64,
    /// The rest of the wall time (never negative).
    pub idle_seconds: f64,
    /// Config loads.
    pub loads: u32,
    /// Measurements taken (re-measurements included).
    pub measurements: u32,
    /// Sessions the times cover: 1, plus one per `--resume`.
    #[serde(default)]
    pub sessions: u32,
    /// Part of the run's time is unknown: it resumed a checkpoint written
    /// by a tritium that did not record times.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl std::ops::AddAssign<&TimeAnatomy> for TimeAnatomy {
    /// Adds another run's times (shards joined by the merge): seconds and
    /// counts summed (machine time, not elapsed time), `sessions` the most of
    /// either, `partial` if either is.
    fn add_assign(&mut self, t: &TimeAnatomy) {
        self.wall_seconds += t.wall_seconds;
        self.load_seconds += t.load_seconds;
        self.unload_seconds += t.unload_seconds;
        self.warmup_seconds += t.warmup_seconds;
        self.measure_seconds += t.measure_seconds;
        self.idle_seconds += t.idle_seconds;
        self.loads += t.loads;
        self.measurements += t.measurements;
        self.sessions = self.sessions.max(t.sessions);
        self.partial |= t.partial;
    }
}

impl TimeAnatomy {
    /// Adds `secs` to `part` (other time is part of idle: nothing to add).
    pub fn add(&mut self, part: Part, secs: f64) {
        let secs = secs.max(0.0);
        match part {
            Part::Load => self.load_seconds += secs,
            Part::Unload => self.unload_seconds += secs,
            Part::WarmUp => self.warmup_seconds += secs,
            Part::Measure => self.measure_seconds += secs,
            Part::Other => {}
        }
    }

    /// Load + unload + warm-up + measure.
    pub fn busy_seconds(&self) -> f64 {
        self.load_seconds + self.unload_seconds + self.warmup_seconds + self.measure_seconds
    }

    /// Sets the wall time to `wall` and idle to what the measured parts
    /// leave of it (0 when they exceed it: the parts are timed separately,
    /// so they may overrun a wall time read a moment earlier).
    pub fn close(&mut self, wall: f64) {
        self.wall_seconds = wall.max(0.0);
        self.idle_seconds = (self.wall_seconds - self.busy_seconds()).max(0.0);
    }

    /// `secs` as a percentage of the wall time (0 without one).
    pub fn percent(&self, secs: f64) -> f64 {
        if self.wall_seconds > 0.0 {
            100.0 * secs / self.wall_seconds
        } else {
            0.0
        }
    }

    /// The parts in order, named: load, unload, warm-up, measure, idle.
    pub fn parts(&self) -> [(&'static str, f64); 5] {
        [("load", self.load_seconds), ("unload", self.unload_seconds), ("warm-up", self.warmup_seconds), ("measure", self.measure_seconds), ("idle", self.idle_seconds)]
    }

    /// "113.1 s = load 49.5 s (44 %) + unload 2.0 s (2 %) + warm-up 8.0 s
    /// (7 %) + measure 52.1 s (46 %) + idle 1.5 s (1 %)".
    pub fn sentence(&self) -> String {
        let parts: Vec<String> = self.parts().iter().map(|(n, s)| format!("{n} {s:.1} s ({:.0} %)", self.percent(*s))).collect();
        format!("{:.1} s = {}", self.wall_seconds, parts.join(" + "))
    }
}

/// The wall clock of a run: this session's elapsed time plus the earlier
/// sessions' wall time from the checkpoint.
#[derive(Debug, Clone, Copy)]
pub struct RunClock {
    started: Instant,
    earlier: f64,
}

impl RunClock {
    /// Starts now, after `earlier_seconds` of earlier sessions.
    pub fn start(earlier_seconds: f64) -> RunClock {
        RunClock::started_at(Instant::now(), earlier_seconds)
    }

    /// This session started at `started`, after `earlier_seconds` of earlier sessions.
    pub fn started_at(started: Instant, earlier_seconds: f64) -> RunClock {
        RunClock { started, earlier: earlier_seconds.max(0.0) }
    }

    /// The run's wall time so far.
    pub fn wall(&self) -> f64 {
        self.earlier + self.started.elapsed().as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_is_what_the_parts_leave_and_the_parts_sum_to_the_wall() {
        let mut t = TimeAnatomy::default();
        t.add(Part::Load, 49.5);
        t.add(Part::Unload, 2.0);
        t.add(Part::WarmUp, 8.0);
        t.add(Part::Measure, 52.1);
        t.add(Part::Other, 1.0);
        t.close(113.1);
        assert!((t.idle_seconds - 1.5).abs() < 1e-9, "{t:?}");
        let sum: f64 = t.parts().iter().map(|(_, s)| s).sum();
        assert!((sum - t.wall_seconds).abs() < 1e-9, "{t:?}");
        let pct: f64 = t.parts().iter().map(|(_, s)| t.percent(*s)).sum();
        assert!((pct - 100.0).abs() < 1e-9, "{pct}");
        assert_eq!(t.sentence(), "113.1 s = load 49.5 s (44 %) + unload 2.0 s (2 %) + warm-up 8.0 s (7 %) + measure 52.1 s (46 %) + idle 1.5 s (1 %)");
    }

    #[test]
    fn parts_over_the_wall_leave_no_negative_idle() {
        let mut t = TimeAnatomy::default();
        t.add(Part::Measure, 10.0);
        t.add(Part::Load, -1.0);
        t.close(9.99);
        assert_eq!((t.idle_seconds, t.load_seconds), (0.0, 0.0));
        t.close(-1.0);
        assert_eq!((t.wall_seconds, t.percent(5.0)), (0.0, 0.0), "no wall time: no percentages");
    }

    #[test]
    fn a_config_sums_its_parts() {
        let mut c = ConfigTime::default();
        for (p, s) in [(Part::Load, 3.0), (Part::Unload, 0.5), (Part::WarmUp, 1.0), (Part::Measure, 4.0), (Part::Other, 0.25), (Part::Measure, 2.0)] {
            c.add(p, s);
        }
        assert_eq!((c.measure_seconds, c.total_seconds()), (6.0, 10.75));
    }

    #[test]
    fn a_resumed_clock_counts_the_earlier_sessions() {
        let c = RunClock::start(40.0);
        assert!(c.wall() >= 40.0);
        assert!(RunClock::start(-3.0).wall() >= 0.0);
    }
}
