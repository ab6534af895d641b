//! `--request-intervals` against the simulator: the sends the server sees
//! follow the file's gaps (cycled), whatever the worker count, and latency
//! counts from the scheduled time as in the other open-loop schedules.
//! The exact schedule is tested in `schedule`; here the bounds leave room
//! for a busy machine's late wake-ups (a late send shortens the next gap).

use std::time::Duration;

use super::support::{config, measure, within};
use crate::loadgen::Intervals;
use crate::sim::SimConfig;

const SERVICE: Duration = Duration::from_millis(1);

#[test]
fn the_sends_follow_the_files_gaps() {
    // A short and a long gap, alternating: 1 ms then 19 ms (mean 100/s).
    let iv = Intervals::from_micros(&[1_000, 19_000]).expect("valid gaps");
    for threads in [1, 2] {
        let mut cfg = config(200, 3);
        cfg.threads = Some(threads);
        let (p, _obs, sim) = measure(SimConfig::constant(SERVICE, 4), &cfg, iv.load_mode());
        assert_eq!(p.request_rate, Some(100.0), "the level is the file's mean rate");
        within(&format!("send rate ({threads} threads)"), p.send_rate_achieved.expect("open loop"), 100.0, 0.8, 1.2);
        let at = sim.arrivals();
        assert!(at.len() > 40, "{} arrivals", at.len());
        let ms: Vec<f64> = at.windows(2).map(|w| (w[1] - w[0]).as_secs_f64() * 1e3).collect();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        // Short and long gaps alternate...
        let short = |g: f64| g < 10.0;
        let alternating = ms.windows(2).filter(|w| short(w[0]) != short(w[1])).count();
        assert!(alternating as f64 >= 0.7 * (ms.len() - 1) as f64, "{threads} threads: {alternating} of {} pairs alternate: {ms:?}", ms.len() - 1);
        // ...a pair spans the file's cycle...
        within(&format!("a short and a long gap ({threads} threads)"), median(ms.windows(2).map(|w| w[0] + w[1]).collect()), 20.0, 0.8, 1.2);
        // ...and the typical short gap is short, the typical long one long.
        let (s, l): (Vec<f64>, Vec<f64>) = ms.iter().partition(|g| short(**g));
        assert!(median(s.clone()) < 5.0 && median(l.clone()) > 15.0, "{threads} threads: short {s:?}, long {l:?}");
        // Under capacity nothing queues: latency from the schedule is about the service time.
        assert!(p.latency.p50_us < 5.0 * 1000.0, "{threads} threads: {:?}", p.latency);
    }
}
