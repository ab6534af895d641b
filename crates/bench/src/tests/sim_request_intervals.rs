//! `--request-intervals` against the simulator: the sends the server sees
//! follow the file's gaps (cycled), whatever the worker count, and latency
//! counts from the scheduled time as in the other open-loop schedules.

use std::time::Duration;

use super::support::{config, measure, within};
use crate::loadgen::Intervals;
use crate::sim::SimConfig;

const SERVICE: Duration = Duration::from_millis(1);

#[test]
fn the_sends_follow_the_files_gaps() {
    // A short and a long gap, alternating: 2 ms then 8 ms (mean 200/s).
    let iv = Intervals::from_micros(&[2_000, 8_000]).expect("valid gaps");
    for threads in [1, 2] {
        let mut cfg = config(200, 3);
        cfg.threads = Some(threads);
        let (p, _obs, sim) = measure(SimConfig::constant(SERVICE, 4), &cfg, iv.load_mode());
        assert_eq!(p.request_rate, Some(200.0), "the level is the file's mean rate");
        within(&format!("send rate ({threads} threads)"), p.send_rate_achieved.expect("open loop"), 200.0, 0.9, 1.1);
        let at = sim.arrivals();
        assert!(at.len() > 100, "{} arrivals", at.len());
        let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
        // Each gap is the short or the long one (a late wake-up shortens the next
        // gap but cannot turn the long gap into a short one and back)...
        let short = |g: &Duration| *g < Duration::from_millis(5);
        // ...and consecutive gaps alternate: short, long, short, long.
        let alternating = gaps.windows(2).filter(|w| short(&w[0]) != short(&w[1])).count();
        assert!(alternating as f64 >= 0.9 * (gaps.len() - 1) as f64, "{threads} threads: {alternating} of {} pairs alternate: {gaps:?}", gaps.len() - 1);
        let (s, l): (Vec<Duration>, Vec<Duration>) = gaps.iter().partition(|g| short(g));
        let mean_ms = |v: &[Duration]| v.iter().map(|d| d.as_secs_f64() * 1e3).sum::<f64>() / v.len().max(1) as f64;
        within(&format!("short gap ({threads} threads)"), mean_ms(&s), 2.0, 0.75, 1.25);
        within(&format!("long gap ({threads} threads)"), mean_ms(&l), 8.0, 0.9, 1.1);
        // Under capacity nothing queues: latency from the schedule is about the service time.
        assert!(p.latency.p50_us < 5.0 * 1000.0, "{threads} threads: {:?}", p.latency);
    }
}
