//! criterion benchmarks of tritium's own hot path and of a model through the
//! library. Needs the Triton runtime (see README). Method and results:
//! docs/benchmarks.md.
//!
//! - `allocator/*`: one output buffer acquired and released (system; pinned
//!   and CUDA when a GPU is present).
//! - `issue_complete/add_sub_nobatch`: one request issued and its completion
//!   received, sequentially, on the trivial Python add/sub model (this is the
//!   Python backend's round trip plus tritium's issue/completion path).
//! - `model/add_sub_c8`: 8 in flight on the batching add_sub model: time per
//!   request = 1 / throughput.
//! - `cuda_events/add_sub_c1`, `cuda_events/add_sub_c8`: the same loads timed
//!   with CUDA events (`Timing::CudaEvents`: GPU-clock time from before the
//!   first issue to after the last completion; the Python model's work is not
//!   in our CUDA context, so this is wall time read on the GPU's clock).
//! - `cuda_copy/{h2d,d2h}_64MiB_{pinned,pageable}`: device time of one 64 MiB
//!   copy (`timed_h2d` / `timed_d2h`, CUDA events around the copy on its own
//!   stream); criterion's throughput is the copy bandwidth.
//!
//! The `cuda_*` groups print a skip message and measure nothing without CUDA.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tritium::bench::harness::{allocator_round_trip, ModelBench, Timing};
use tritium::bench::BenchConfig;
use tritium::triton::Server;
use tritium::triton::OutputMemory;

fn repo() -> std::path::PathBuf {
    let root = std::env::var_os("TRITIUM_REPO").map(std::path::PathBuf::from).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    root.join("tests/models")
}

fn allocator(c: &mut Criterion) {
    let mut g = c.benchmark_group("allocator");
    g.bench_function("system_4KiB", |b| b.iter(|| allocator_round_trip(OutputMemory::System, 4096).unwrap()));
    if tritium::triton::gpu::cuda_available() {
        g.bench_function("pinned_4KiB", |b| b.iter(|| allocator_round_trip(OutputMemory::Pinned, 4096).unwrap()));
        g.bench_function("cuda_4KiB", |b| b.iter(|| allocator_round_trip(OutputMemory::Cuda(0), 4096).unwrap()));
    }
    g.finish();
}

fn server() -> Arc<Server> {
    static S: OnceLock<Arc<Server>> = OnceLock::new();
    S.get_or_init(|| {
        let rt = tritium::triton::runtime::locate(None).unwrap_or_else(|e| panic!("the benchmarks need a Triton runtime: {e}"));
        let s = rt.start_server(&rt.server_options(repo()).exit_timeout_secs(5)).unwrap();
        s.load_model("add_sub_nobatch").unwrap();
        s.load_model("add_sub").unwrap();
        Arc::new(s)
    })
    .clone()
}

fn requests(c: &mut Criterion) {
    let mut mb = ModelBench::with_server(server(), BenchConfig::new("add_sub_nobatch")).unwrap();
    c.bench_function("issue_complete/add_sub_nobatch", |b| b.iter_custom(|n| mb.run(n, 1).unwrap()));
}

fn model(c: &mut Criterion) {
    let mut mb = ModelBench::with_server(server(), BenchConfig::new("add_sub")).unwrap();
    c.bench_function("model/add_sub_c8", |b| b.iter_custom(|n| mb.run(n, 8).unwrap()));
}

/// Whether CUDA is usable; prints why the `cuda_*` benchmarks are skipped when not.
fn cuda_or_skip(group: &str) -> bool {
    if tritium::triton::gpu::cuda_available() {
        return true;
    }
    eprintln!("{group}/*: skipped: no CUDA driver/device on this machine ({:?})", tritium::triton::gpu::cuda::cuda_status());
    false
}

fn cuda_events(c: &mut Criterion) {
    if !cuda_or_skip("cuda_events") {
        return;
    }
    let mut mb = ModelBench::with_server(server(), BenchConfig::new("add_sub")).unwrap().timing(Timing::CudaEvents { device: 0 }).unwrap();
    let mut g = c.benchmark_group("cuda_events");
    g.bench_function("add_sub_c1", |b| b.iter_custom(|n| mb.run(n, 1).unwrap()));
    g.bench_function("add_sub_c8", |b| b.iter_custom(|n| mb.run(n, 8).unwrap()));
    g.finish();
}

/// Sum of the device times (ns) of `n` runs of `one`.
fn device_time(n: u64, mut one: impl FnMut() -> u64) -> Duration {
    Duration::from_nanos((0..n).map(|_| one()).sum())
}

fn cuda_copy(c: &mut Criterion) {
    use tritium::triton::gpu::cuda::{timed_d2h, timed_h2d, DeviceBuffer, PinnedBuffer};
    if !cuda_or_skip("cuda_copy") {
        return;
    }
    const BYTES: usize = 64 << 20;
    let pageable: Vec<u8> = (0..BYTES).map(|i| i as u8).collect();
    let mut pageable_out = vec![0u8; BYTES];
    let pinned = PinnedBuffer::from_slice(&pageable).unwrap();
    let mut pinned_out = PinnedBuffer::from_slice(&pageable_out).unwrap();
    let dev = DeviceBuffer::from_host(0, &pageable_out).unwrap();
    let mut g = c.benchmark_group("cuda_copy");
    g.throughput(Throughput::Bytes(BYTES as u64));
    g.sample_size(10); // 64 MiB pageable copies take milliseconds each
    g.bench_function("h2d_64MiB_pinned", |b| b.iter_custom(|n| device_time(n, || timed_h2d(&dev, pinned.as_slice()).unwrap().device_ns)));
    g.bench_function("h2d_64MiB_pageable", |b| b.iter_custom(|n| device_time(n, || timed_h2d(&dev, &pageable).unwrap().device_ns)));
    g.bench_function("d2h_64MiB_pinned", |b| b.iter_custom(|n| device_time(n, || timed_d2h(dev.as_slice(), pinned_out.as_mut_slice()).unwrap().device_ns)));
    g.bench_function("d2h_64MiB_pageable", |b| b.iter_custom(|n| device_time(n, || timed_d2h(dev.as_slice(), &mut pageable_out).unwrap().device_ns)));
    g.finish();
}

criterion_group!(benches, allocator, requests, model, cuda_events, cuda_copy);
criterion_main!(benches);
