//! Closed loop (concurrency N) against the simulator: N requests in flight,
//! throughput ≈ min(N, instances) / service time, queueing once N exceeds
//! the instances, dynamic batching.

use std::time::Duration;

use super::support::{config, measure, within};
use crate::loadgen::LoadMode;
use crate::sim::SimConfig;

// 8 ms: long against the client's re-issue slack on a loaded 2-core CI
// machine (at 2 ms, that slack alone cut concurrency 4's throughput by a
// third and broke the scaling assertion).
const SERVICE: Duration = Duration::from_millis(8);

#[test]
fn concurrency_keeps_n_requests_in_flight() {
    for n in [1u32, 3, 6] {
        let (p, _obs, sim) = measure(SimConfig::constant(SERVICE, 4), &config(150, 4), LoadMode::Concurrency(n));
        assert_eq!(sim.peak_in_flight(), n as usize, "concurrency {n}");
        // Little's law: completions/s × latency = requests in flight (a
        // request is out of flight only while its worker records and re-issues it).
        let in_flight = p.throughput * p.latency.avg_us / 1e6;
        within(&format!("requests in flight at concurrency {n}"), in_flight, n as f64, 0.6, 1.05);
    }
}

#[test]
fn throughput_is_min_of_concurrency_and_instances_over_service_time() {
    let mut tput = Vec::new();
    for n in [1u32, 2, 4, 8] {
        let (p, _obs, _sim) = measure(SimConfig::constant(SERVICE, 4), &config(300, 4), LoadMode::Concurrency(n));
        let model = n.min(4) as f64 / SERVICE.as_secs_f64();
        within(&format!("throughput at concurrency {n}"), p.throughput, model, 0.6, 1.1);
        let s = p.server.as_ref().expect("server breakdown");
        if n <= 4 {
            // An instance is always free when a request arrives.
            assert!(s.queue_us < 1.0, "concurrency {n}: {s:?}");
        } else {
            // 8 requests on 4 instances: each waits about one service time.
            let service_us = SERVICE.as_secs_f64() * 1e6;
            within("queue time at concurrency 8 (µs)", s.queue_us, service_us, 0.5, 1.05);
            within("latency at concurrency 8 (µs)", p.latency.avg_us, 2.0 * service_us, 0.9, 2.0);
        }
        tput.push(p.throughput);
    }
    // Scales with concurrency up to the instances, then saturates.
    assert!(tput[1] > 1.5 * tput[0] && tput[2] > 1.5 * tput[1], "{tput:?}");
    assert!(tput[3] < 1.2 * tput[2], "{tput:?}");
}

#[test]
fn dynamic_batching_fills_batches_up_to_the_max() {
    let batching = SimConfig { max_batch: 4, queue_delay: Duration::from_millis(1), ..SimConfig::constant(Duration::from_millis(4), 1) };
    // 8 in flight on one instance: full batches of 4, one per 4 ms.
    let (p, _obs, _sim) = measure(batching.clone(), &config(150, 4), LoadMode::Concurrency(8));
    within("batched throughput", p.throughput, batching.capacity(), 0.5, 1.1);
    let s = p.server.as_ref().expect("server breakdown");
    let most = s.per_batch.iter().max_by_key(|b| b.executions).expect("executions");
    assert_eq!(most.batch_size, 4, "{s:?}");
    // One request in flight: batches of 1 that wait the queue delay for company.
    let (p, _obs, _sim) = measure(batching, &config(150, 4), LoadMode::Concurrency(1));
    let s = p.server.as_ref().expect("server breakdown");
    assert_eq!(s.per_batch.iter().map(|b| b.batch_size).collect::<Vec<_>>(), vec![1]);
    assert!((s.queue_us - 1000.0).abs() < 1.0, "{s:?}");
    within("latency of a lone request (µs)", p.latency.avg_us, 5000.0, 0.95, 1.6);
}
