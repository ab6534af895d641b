//! The simulator's `ServiceTime::Affine` law (`base + per_item × batch`,
//! mean-one noise), the `noisy_service` fixture's: its capacity formula and
//! the batch sizes and service times it produces.

use std::time::Duration;

use super::support::{config, measure};
use crate::loadgen::LoadMode;
use crate::sim::{ServiceTime, SimConfig};

fn affine(instances: usize, max_batch: usize, sigma: f64) -> SimConfig {
    let service = ServiceTime::Affine { base: Duration::from_millis(1), per_item: Duration::from_millis(2), sigma };
    SimConfig { service, max_batch, ..SimConfig::constant(Duration::ZERO, instances) }
}

#[test]
fn capacity_is_instances_times_batch_over_the_full_batch_time() {
    // 2 × 4 / (1 + 2·4) ms = 8 / 9 ms.
    let c = affine(2, 4, 0.3).capacity();
    assert!((c - 8.0 / 0.009).abs() < 1e-6, "{c}");
}

#[test]
fn full_batches_take_base_plus_per_item_times_batch() {
    // One instance, max batch 4, 12 in flight: every execution takes a full
    // batch of 4 and, without noise, exactly 1 + 2·4 = 9 ms.
    let (p, _obs, _sim) = measure(affine(1, 4, 0.0), &config(200, 3), LoadMode::Concurrency(12));
    let srv = p.server.as_ref().expect("server statistics");
    let full = srv.per_batch.iter().find(|b| b.batch_size == 4).expect("batches of 4");
    assert!((full.compute_infer_us - 9000.0).abs() < 1.0, "{:?}", srv.per_batch);
    // Throughput within the model's bound: 4 / 9 ms = 444/s.
    assert!(p.throughput <= 1.05 * 4000.0 / 9.0 && p.throughput > 0.6 * 4000.0 / 9.0, "{}", p.throughput);
}

#[test]
fn noise_keeps_the_mean_service_time() {
    // σ 0.3: the mean-one factor keeps the mean execution at 9 ms (the
    // median would be 9·e^(−σ²/2) = 8.6 ms); many executions over 8 instances.
    let (p, _obs, _sim) = measure(affine(8, 4, 0.3), &config(400, 3), LoadMode::Concurrency(64));
    let srv = p.server.as_ref().expect("server statistics");
    let full = srv.per_batch.iter().find(|b| b.batch_size == 4).expect("batches of 4");
    assert!((full.compute_infer_us - 9000.0).abs() < 0.05 * 9000.0, "{:?}", srv.per_batch);
}
