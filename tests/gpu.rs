//! GPU paths (H200 box): inputs in CUDA device and pinned memory, outputs
//! allocated in GPU and pinned memory, a KIND_GPU torch model, CUDA-event
//! timing of copies and of the criterion harness. Each test skips with a
//! message where there is no CUDA.

mod common;

use tritium::triton::gpu::cuda_available;
use tritium::triton::response::MemoryKind;
use tritium::triton::{InputBuffer, OutputMemory};

fn skip() -> bool {
    if !cuda_available() {
        eprintln!("skipped: no CUDA driver/device on this machine (GPU paths run on the H200 box, see docs/gpu.md)");
        return true;
    }
    false
}

fn check_add_sub(model: &str, in_mem: OutputMemory, out_mem: OutputMemory, expect_out: MemoryKind) {
    let s = common::server();
    s.load_model(model).unwrap_or_else(|e| panic!("{model}: {e}"));
    let a = common::ramp(64, -3.0, 0.5);
    let b = common::ramp(64, 2.0, 0.25);
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (_r, resp) = s
        .request(model, -1)
        .input("INPUT0", "FP32", &[4, 16], InputBuffer::in_memory(&bytes(&a), in_mem).unwrap())
        .input("INPUT1", "FP32", &[4, 16], InputBuffer::in_memory(&bytes(&b), in_mem).unwrap())
        .output_memory(out_mem)
        .build()
        .unwrap()
        .infer()
        .map_err(|(e, _)| e)
        .unwrap();
    let o0 = resp.output_named("OUTPUT0").unwrap();
    assert_eq!(o0.memory, expect_out, "{model}: output placed in {:?}", o0.memory);
    let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    assert_eq!(o0.to_f32s().unwrap(), want, "{model} OUTPUT0");
    let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    assert_eq!(resp.output_named("OUTPUT1").unwrap().to_f32s().unwrap(), want, "{model} OUTPUT1");
    eprintln!("{model}: inputs {in_mem:?} -> outputs {:?}: numerically correct", o0.memory);
}

#[test]
fn torch_gpu_model_with_cuda_inputs_and_outputs() {
    if skip() {
        return;
    }
    check_add_sub("torch_gpu", OutputMemory::Cuda(0), OutputMemory::Cuda(0), MemoryKind::Gpu(0));
}

#[test]
fn torch_gpu_model_with_pinned_memory() {
    if skip() {
        return;
    }
    // GPU-resident outputs asked into pinned memory come back in ordinary host memory:
    // Triton 2.51's Python backend leaves pinned buffers of GPU tensors unwritten
    // (src/triton/allocator.rs, `pinned_workaround`).
    check_add_sub("torch_gpu", OutputMemory::Pinned, OutputMemory::Pinned, MemoryKind::Cpu);
}

#[test]
fn cpu_model_reads_cuda_inputs_and_writes_gpu_outputs() {
    if skip() {
        return;
    }
    // Triton stages device inputs for a CPU (Python) model and the allocator's GPU buffers receive its outputs.
    check_add_sub("add_sub", OutputMemory::Cuda(0), OutputMemory::Cuda(0), MemoryKind::Gpu(0));
}

#[test]
fn nvml_sees_the_gpus() {
    if skip() {
        return;
    }
    let g = tritium::triton::gpu::nvml::Gpus::probe().expect("NVML on a CUDA machine");
    assert!(!g.infos().is_empty());
    let s = g.sample(0, &[std::process::id()]).unwrap();
    assert!(s.memory_used_bytes > 0);
    eprintln!("{:?} {:?}", g.infos()[0], s);
}

const MIB64: usize = 64 << 20;

#[test]
fn events_time_a_64mib_h2d_copy() {
    use tritium::triton::gpu::cuda::{timed_h2d, DeviceBuffer, Event, PinnedBuffer, Stream};
    if skip() {
        return;
    }
    let data: Vec<u8> = (0..MIB64).map(|i| (i % 251) as u8).collect();
    let dev = DeviceBuffer::from_host(0, &vec![0u8; MIB64]).unwrap();
    for (what, src) in [("pageable", None), ("pinned", Some(PinnedBuffer::from_slice(&data).unwrap()))] {
        let src = src.as_ref().map_or(&data[..], |p| p.as_slice());
        let t = timed_h2d(&dev, src).unwrap();
        assert_eq!(t.bytes, MIB64 as u64);
        assert!(t.device_ns > 0, "{what}: {t:?}");
        assert!(t.start_ns < t.end_ns, "{what}: {t:?}");
        // The device interval lies inside the host interval (different clocks, so allow 50 µs).
        assert!(t.device_ns <= t.host_ns() + 50_000, "{what}: {t:?}");
        eprintln!("H2D 64 MiB {what}: device {} µs, host {} µs, {:.1} GB/s", t.device_ns / 1000, t.host_ns() / 1000, t.device_gb_per_s());
    }
    assert_eq!(dev.to_host().unwrap(), data, "the copied bytes arrived");

    // The building blocks directly: two events around a closure's work on a stream.
    let stream = Stream::new(0).unwrap();
    let (start, end) = (Event::new(0).unwrap(), Event::new(0).unwrap());
    start.record(&stream).unwrap();
    let (_, inner) = stream
        .time(|s| {
            // SAFETY: `dev` holds MIB64 bytes on device 0 and `data` outlives the call, which drains the stream.
            unsafe { cudarc::driver::result::memcpy_htod_async(dev.device_ptr(), &data[..], s.as_raw()) }.map_err(|e| tritium::Error::Cuda(e.to_string()))
        })
        .unwrap();
    end.record(&stream).unwrap();
    end.synchronize().unwrap();
    let outer = end.elapsed_since(&start).unwrap();
    assert!(inner.device_ns > 0 && outer.as_nanos() as u64 >= inner.device_ns, "outer {outer:?} inner {inner:?}");
    assert!(start.elapsed_since(&end).is_err(), "reversed events are an error");
}

#[test]
fn timed_d2h_round_trip() {
    use tritium::triton::gpu::cuda::{timed_d2h, timed_h2d, DeviceBuffer, PinnedBuffer};
    if skip() {
        return;
    }
    let data: Vec<u8> = (0..MIB64).map(|i| (i * 7 % 253) as u8).collect();
    let dev = DeviceBuffer::from_host(0, &vec![0u8; MIB64]).unwrap();
    let up = timed_h2d(&dev, &data).unwrap();
    let mut back = vec![0u8; MIB64];
    let down = timed_d2h(dev.as_slice(), &mut back).unwrap();
    assert_eq!(back, data, "pageable round trip");
    assert_eq!(down.bytes, MIB64 as u64);
    assert!(down.device_ns > 0 && down.start_ns < down.end_ns, "{down:?}");
    assert!(up.end_ns <= down.start_ns, "the copies ran one after the other: {up:?} {down:?}");
    let mut pinned = PinnedBuffer::from_slice(&vec![0u8; MIB64]).unwrap();
    let down_pinned = timed_d2h(dev.as_slice(), pinned.as_mut_slice()).unwrap();
    assert_eq!(pinned.as_slice(), &data[..], "pinned round trip");
    assert!(timed_d2h(dev.as_slice(), &mut [0u8; 16]).is_err(), "a too small destination is refused");
    eprintln!(
        "D2H 64 MiB: pageable {} µs ({:.1} GB/s), pinned {} µs ({:.1} GB/s)",
        down.device_ns / 1000,
        down.device_gb_per_s(),
        down_pinned.device_ns / 1000,
        down_pinned.device_gb_per_s()
    );
}

#[test]
fn model_bench_timed_with_cuda_events() {
    use std::time::{Duration, Instant};
    use tritium::bench::harness::{ModelBench, Timing};
    if skip() {
        return;
    }
    // The binary's one server (a second embedded server in a process collides in the Python backend).
    let server = common::server_arc();
    server.load_model("add_sub").unwrap();
    let cfg = || tritium::bench::BenchConfig::new("add_sub");
    let mut mb = ModelBench::with_server(server.clone(), cfg()).unwrap().timing(Timing::CudaEvents { device: 0 }).unwrap();
    assert_eq!(mb.current_timing(), Timing::CudaEvents { device: 0 });
    mb.run(20, 4).unwrap(); // warm up the stub
    for (n, c) in [(200u64, 1usize), (200, 8)] {
        let t0 = Instant::now();
        let gpu = mb.run(n, c).unwrap();
        let wall = t0.elapsed();
        assert!(gpu > Duration::ZERO, "c={c}: {gpu:?}");
        // The events bracket the same interval as the host clock, read on the GPU's clock.
        assert!(gpu <= wall + Duration::from_micros(100), "c={c}: events {gpu:?} > wall {wall:?}");
        eprintln!("add_sub n={n} c={c}: CUDA events {gpu:?} ({:?}/request), host {wall:?}", gpu / n as u32);
    }
    drop(mb);
    let mut wall_mb = ModelBench::with_server(server, cfg()).unwrap();
    assert_eq!(wall_mb.current_timing(), Timing::Wall);
    assert!(wall_mb.run_cuda_timed(10, 2).unwrap() > Duration::ZERO);
    assert_eq!(wall_mb.current_timing(), Timing::Wall, "run_cuda_timed does not change the mode");
    assert!(wall_mb.run(10, 2).unwrap() > Duration::ZERO);
}

#[test]
fn cuda_timing_without_cuda_is_a_clear_error() {
    if cuda_available() {
        return;
    }
    let e = {
        // SAFETY: a null slice is the documented exception: the copy refuses it.
        let null = unsafe { tritium::triton::gpu::cuda::DeviceSlice::from_raw(0, 0, 4) };
        tritium::triton::gpu::cuda::timed_d2h(null, &mut [0u8; 4])
    }.unwrap_err();
    assert!(matches!(e, tritium::Error::Cuda(_)), "{e}");
    eprintln!("without CUDA: {e}");
}
