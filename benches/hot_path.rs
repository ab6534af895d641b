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

use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::{Arc, OnceLock};

use tritium::bench::harness::{allocator_round_trip, ModelBench};
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
    if tritium::gpu::cuda_available() {
        g.bench_function("pinned_4KiB", |b| b.iter(|| allocator_round_trip(OutputMemory::Pinned, 4096).unwrap()));
        g.bench_function("cuda_4KiB", |b| b.iter(|| allocator_round_trip(OutputMemory::Cuda(0), 4096).unwrap()));
    }
    g.finish();
}

fn server() -> Arc<Server> {
    static S: OnceLock<Arc<Server>> = OnceLock::new();
    S.get_or_init(|| {
        let rt = tritium::runtime::locate(None).unwrap_or_else(|e| panic!("the benchmarks need a Triton runtime: {e}"));
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

criterion_group!(benches, allocator, requests, model);
criterion_main!(benches);
