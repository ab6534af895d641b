//! Runs add/sub models with inputs and outputs in every memory kind
//! (system, pinned, CUDA) and prints which combinations give correct numbers.
//! A diagnostic for GPU machines: `cargo run --example memory_matrix -- tests/models`.

use tritium::triton::{InputBuffer, OutputMemory};

fn main() -> anyhow::Result<()> {
    let repo = std::env::args().nth(1).unwrap_or_else(|| "tests/models".into());
    let rt = tritium::triton::runtime::locate(None)?;
    let server = rt.start_server(&rt.server_options(&repo))?;
    let mems = if tritium::triton::gpu::cuda_available() {
        vec![OutputMemory::System, OutputMemory::Pinned, OutputMemory::Cuda(0)]
    } else {
        println!("no CUDA here: system memory only");
        vec![OutputMemory::System]
    };
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    // Different values for every combination: a reused (pooled) output buffer
    // holding the previous answer cannot pass for a correct one.
    let mut round = 0.0f32;
    println!("{:<10} {:<8} {:<8} result", "model", "inputs", "outputs");
    for model in ["add_sub", "torch_gpu"] {
        if let Err(e) = server.load_model(model) {
            println!("{model:<10} cannot load: {e}");
            continue;
        }
        for &im in &mems {
            for &om in &mems {
                round += 1.0;
                let a: Vec<f32> = (0..64).map(|i| i as f32 * 0.5 - 3.0 + 100.0 * round).collect();
                let b: Vec<f32> = (0..64).map(|i| 2.0 + i as f32 * 0.25 - round).collect();
                let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
                let r = (|| -> anyhow::Result<String> {
                    let (_q, resp) = server
                        .request(model, -1)
                        .input("INPUT0", "FP32", &[4, 16], InputBuffer::in_memory(&bytes(&a), im)?)
                        .input("INPUT1", "FP32", &[4, 16], InputBuffer::in_memory(&bytes(&b), im)?)
                        .output_memory(om)
                        .build()?
                        .infer()
                        .map_err(|(e, _)| e)?;
                    let o = resp.output_named("OUTPUT0")?;
                    let got = o.to_f32s()?;
                    Ok(if got == want { format!("correct ({:?})", o.memory) } else { format!("WRONG ({:?}) first values {:?}", o.memory, &got[..4]) })
                })();
                println!("{model:<10} {:<8} {:<8} {}", format!("{im:?}"), format!("{om:?}"), r.unwrap_or_else(|e| format!("error: {e}")));
            }
        }
    }
    Ok(())
}
