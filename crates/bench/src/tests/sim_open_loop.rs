//! Open loop (request rate) against the simulator: the asked rate is
//! achieved under capacity; over capacity throughput stays at capacity and
//! latency grows window after window.

use std::time::Duration;

use super::support::{config, measure, within};
use crate::loadgen::{Distribution, LoadMode};
use crate::sim::SimConfig;

const SERVICE: Duration = Duration::from_millis(2);

#[test]
fn the_asked_rate_is_achieved_under_capacity() {
    for distribution in [Distribution::Constant, Distribution::Poisson] {
        // Capacity 2000/s; asked 300/s.
        let (p, _obs, _sim) = measure(SimConfig::constant(SERVICE, 4), &config(200, 4), LoadMode::RequestRate { rate: 300.0, distribution });
        let sent = p.send_rate_achieved.expect("send rate in request-rate mode");
        let (lo, hi) = if distribution == Distribution::Constant { (0.9, 1.1) } else { (0.75, 1.25) };
        within(&format!("send rate ({distribution:?})"), sent, 300.0, lo, hi);
        within(&format!("throughput ({distribution:?})"), p.throughput, 300.0, lo - 0.05, hi + 0.05);
        // Under capacity nothing queues: latency is the service time plus delivery.
        assert!(p.latency.p50_us < 5.0 * 2000.0, "{distribution:?}: {:?}", p.latency);
        assert!(!p.warnings.iter().any(|w| w.contains("achieved")), "{distribution:?}: {:?}", p.warnings);
    }
}

#[test]
fn latency_grows_when_the_rate_is_over_capacity() {
    // Capacity 500/s; asked 1000/s: the queue grows by ~100 requests (200 ms) per window.
    let model = SimConfig::constant(SERVICE, 1);
    let (p, obs, _sim) = measure(model.clone(), &config(200, 4), LoadMode::RequestRate { rate: 1000.0, distribution: Distribution::Constant });
    within("throughput at twice the capacity", p.throughput, model.capacity(), 0.6, 1.1);
    let s = obs.samples();
    assert_eq!(s.len(), 4);
    for w in s.windows(2) {
        assert!(w[1].avg_latency_us > w[0].avg_latency_us + 50_000.0, "latency must grow each window: {s:?}");
    }
    assert!(!p.stable);
    assert!(p.latency.avg_us > 20.0 * 2000.0, "{:?}", p.latency);
    // An under-capacity rate on the same model stays near the service time.
    let (q, _obs, _sim) = measure(model, &config(200, 4), LoadMode::RequestRate { rate: 100.0, distribution: Distribution::Constant });
    assert!(q.latency.avg_us * 10.0 < p.latency.avg_us, "{:?} vs {:?}", q.latency, p.latency);
}
