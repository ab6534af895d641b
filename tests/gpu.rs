//! GPU paths (H200 box): inputs in CUDA device and pinned memory, outputs
//! allocated in GPU and pinned memory, a KIND_GPU torch model. Each test
//! skips with a message where there is no CUDA.

mod common;

use tritium::gpu::cuda_available;
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
    check_add_sub("torch_gpu", OutputMemory::Pinned, OutputMemory::Pinned, MemoryKind::CpuPinned);
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
    let g = tritium::gpu::nvml::Gpus::probe().expect("NVML on a CUDA machine");
    assert!(!g.infos().is_empty());
    let s = g.sample(0, &[std::process::id()]).unwrap();
    assert!(s.memory_used_bytes > 0);
    eprintln!("{:?} {:?}", g.infos()[0], s);
}
