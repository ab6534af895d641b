//! Worker processes of one host (`tritium_workers`, a `gpus` list of two or
//! more GPUs): this process starts one `tritium profile --shard I/N` per
//! worker (for a GPU list with `CUDA_VISIBLE_DEVICES` set to its GPU's UUID),
//! prefixes their output, waits for them and merges their shards as
//! `tritium merge` does. Which workers: [`tritium_profile::workers`].

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use std::os::unix::process::CommandExt;

use anyhow::Context;

use super::exit::{self, bad_input};
use super::profile::{check_outputs, locate_runtime, pair_overrides, ProfileArgs};
use tritium_profile::config::ProfileConfig;
use tritium_profile::merge;
use tritium_profile::plan::Plan;
use tritium_profile::shard::{plan_hash, shards_dir};
use tritium_profile::workers::Worker;
use tritium_util::Choice;

/// The variables that would make a worker a different shard than its `--shard`.
const SCHEDULER_VARS: &[&str] = &["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP", "JOB_COMPLETION_INDEX", "TRITIUM_SHARD_COUNT"];

/// Checks what the workers would overwrite or trip over, before any starts:
/// the output directories, shards of another run under the export path, and
/// the workers' checkpoints against `--resume` / `--fresh`.
fn preflight(a: &ProfileArgs, cfg: &ProfileConfig, plan: &Plan, workers: &[Worker]) -> anyhow::Result<()> {
    check_outputs(cfg, false)?;
    // The workers would each fail to find the runtime: say it once, here.
    locate_runtime(cfg)?;
    let n = workers.len() as u32;
    let hash = plan_hash(plan);
    if let Ok(found) = merge::discover(&cfg.export_path) {
        for s in &found {
            if let Some(r) = &s.results.shard {
                if r.count != n || r.plan_hash != hash {
                    return Err(bad_input(format!(
                        "{}: the export path holds shard {}/{} of another run ({}); the {n} workers would not merge with it: remove {} or choose another export_path",
                        cfg.config_file.display(),
                        r.index,
                        r.count,
                        if r.count != n { format!("{} shards", r.count) } else { "another config".to_string() },
                        shards_dir(&cfg.export_path).display()
                    )));
                }
            }
        }
    }
    let existing: Vec<String> = workers.iter().map(|w| w.shard.checkpoint(cfg)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
    if a.resume && existing.is_empty() {
        return Err(bad_input(format!(
            "--resume: no worker wrote a checkpoint in {} (checkpoint_directory in {}); run without --resume to start",
            cfg.checkpoint_directory.display(),
            cfg.config_file.display()
        )));
    }
    if !a.resume && !a.fresh && !existing.is_empty() {
        return Err(bad_input(format!(
            "checkpoints of an earlier run's workers exist:\n  {}\nContinue them with --resume, or start over with --fresh (each is moved aside to <checkpoint>.<timestamp>.bak; nothing is deleted)",
            existing.join("\n  ")
        )));
    }
    Ok(())
}

/// The command line of worker `w` (`overrides`: the user's, as typed).
fn worker_command(a: &ProfileArgs, cfg: &ProfileConfig, w: &Worker) -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("finding tritium's own executable to start the workers")?;
    let mut c = Command::new(exe);
    c.arg("profile").arg("-f").arg(&a.config_file).args(["--triton-log", a.triton_log.name(), "--shard", &w.shard.to_string()]);
    if a.resume && w.shard.checkpoint(cfg).exists() {
        c.arg("--resume");
    } else if a.fresh {
        c.arg("--fresh");
    }
    c.args(&a.overrides);
    // A worker is one process: it never fans out again.
    c.args(["--tritium-workers", "1"]);
    if let Some(g) = &w.gpu {
        c.args(["--gpus", &g.uuid]).env("CUDA_VISIBLE_DEVICES", &g.uuid);
    }
    for v in SCHEDULER_VARS {
        c.env_remove(v);
    }
    // Its own process group: a Ctrl-C at the terminal reaches this process alone, which passes
    // it on once to each worker ([`forward_interrupts`]), so no worker gets it twice (a second
    // one aborts a worker without its checkpoint).
    c.process_group(0);
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    Ok(c)
}

/// How long the output of a worker that ended is still relayed: a process it
/// left behind (a Python stub that did not exit) holds the pipe open, and
/// must not hold up the run.
const RELAY_DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Copies `from` line by line to `to` (stdout or stderr), each line prefixed
/// with `[label]`, and to `log` as it came; `done` hears when the pipe closes.
fn relay(from: impl Read + Send + 'static, label: String, to_stderr: bool, log: Option<Arc<std::sync::Mutex<std::fs::File>>>, done: std::sync::mpsc::Sender<()>) {
    std::thread::spawn(move || {
        let mut r = BufReader::new(from);
        let mut line = Vec::new();
        while r.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            if let Some(f) = &log {
                if let Ok(mut f) = f.lock() {
                    let _ = f.write_all(&line);
                }
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            if to_stderr {
                eprintln!("[{label}] {text}");
            } else {
                println!("[{label}] {text}");
            }
            line.clear();
        }
        let _ = done.send(());
    });
}

/// Passes each Ctrl-C (SIGINT) this process gets on to the workers `pids`:
/// the first lets each finish its window and write its checkpoint, a second
/// aborts them. `flag` records that the run was interrupted.
fn forward_interrupts(pids: Arc<std::sync::Mutex<Vec<u32>>>, flag: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new().name("tritium-worker-signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async {
            while tokio::signal::ctrl_c().await.is_ok() {
                let first = !flag.swap(true, Ordering::SeqCst);
                eprintln!(
                    "{}",
                    if first { "\ninterrupted: each worker finishes its current window and writes its checkpoint (Ctrl-C again to abort them)" } else { "aborting the workers" }
                );
                let pids = pids.lock().map(|p| p.clone()).unwrap_or_default();
                for p in pids {
                    if let Some(pid) = i32::try_from(p).ok().and_then(rustix::process::Pid::from_raw) {
                        let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
                    }
                }
            }
        });
    });
}

/// Runs the profile as `workers` processes and merges their shards.
pub fn run(a: &ProfileArgs, cfg: &ProfileConfig, plan: &Plan, workers: &[Worker]) -> anyhow::Result<i32> {
    preflight(a, cfg, plan, workers)?;
    let n = workers.len();
    let gpus = workers.iter().filter(|w| w.gpu.is_some()).count();
    if gpus > 0 {
        eprintln!(
            "[profile] notice: gpus lists {gpus} GPUs: one worker per GPU, each a shard of the profile with its own server on its GPU alone, merged at the end; each config is measured on one GPU (Model Analyzer measures it on every listed GPU at once: tritium_workers: 1 does that)"
        );
    } else if tritium_triton::gpu::cuda_available() {
        eprintln!("[profile] warning: tritium_workers {n}: the workers share this machine's GPUs, so their measurements disturb each other's; list the GPUs in gpus for one worker per GPU");
    }
    for w in workers {
        let on = w.gpu.as_ref().map(|g| format!(" on GPU {} {} ({})", g.index, g.uuid, g.name)).unwrap_or_default();
        eprintln!("[profile] worker {}: shard {}{on}, log {}", w.shard.index, w.shard, w.shard.dir(&cfg.export_path).join("worker.log").display());
    }
    let interrupt = Arc::new(AtomicBool::new(false));
    // Listening before the first worker starts: a Ctrl-C never leaves a worker behind.
    let pids = Arc::new(std::sync::Mutex::new(Vec::new()));
    forward_interrupts(pids.clone(), interrupt.clone());
    let t0 = std::time::Instant::now();
    let mut running = Vec::new();
    let mut failed = Vec::new();
    for w in workers {
        let dir = w.shard.dir(&cfg.export_path);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let log = std::fs::File::create(dir.join("worker.log")).ok().map(|f| Arc::new(std::sync::Mutex::new(f)));
        if interrupt.load(Ordering::SeqCst) {
            break;
        }
        // A worker that cannot start is recorded; the others run (and are never left behind).
        let mut child = match worker_command(a, cfg, w).and_then(|mut c| c.spawn().map_err(anyhow::Error::from)) {
            Ok(c) => c,
            Err(e) => {
                failed.push(format!("worker {} (shard {}) did not start: {e:#}", w.shard.index, w.shard));
                continue;
            }
        };
        if let Ok(mut p) = pids.lock() {
            p.push(child.id());
        }
        let (done, relays) = std::sync::mpsc::channel();
        let mut pipes = 0;
        if let Some(o) = child.stdout.take() {
            relay(o, w.label(), false, log.clone(), done.clone());
            pipes += 1;
        }
        if let Some(e) = child.stderr.take() {
            relay(e, w.label(), true, log.clone(), done);
            pipes += 1;
        }
        running.push((w, child, (relays, pipes)));
    }
    let mut interrupted = false;
    let mut finished = std::collections::BTreeSet::new();
    for (w, mut child, (relays, pipes)) in running {
        let status = child.wait().with_context(|| format!("waiting for worker {}", w.shard.index))?;
        // Its last lines, but never waiting on a process it left behind with the pipe open.
        let deadline = std::time::Instant::now() + RELAY_DRAIN;
        for _ in 0..pipes {
            if relays.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())).is_err() {
                eprintln!("[profile] worker {}: a process it started still holds its output open; not waiting for it", w.shard.index);
                break;
            }
        }
        match status.code() {
            Some(exit::SUCCESS) | Some(exit::PARTIAL) => {
                finished.insert(w.shard.index);
            }
            Some(exit::INTERRUPTED) => interrupted = true,
            code => failed.push(format!(
                "worker {} (shard {}) {}: see {}",
                w.shard.index,
                w.shard,
                code.map(|c| format!("exited with {c}")).unwrap_or_else(|| "was killed by a signal".into()),
                w.shard.dir(&cfg.export_path).join("worker.log").display()
            )),
        }
    }
    if interrupted || interrupt.load(Ordering::SeqCst) {
        eprintln!("[profile] interrupted: every worker wrote its checkpoint; continue the run with --resume (the same command)");
        return Ok(exit::INTERRUPTED);
    }
    for f in &failed {
        eprintln!("[profile] FAILED: {f}");
    }
    if failed.len() == n {
        eprintln!("[profile] no worker finished (exit {}); nothing to merge", exit::FAILED);
        return Ok(exit::FAILED);
    }
    let overrides = pair_overrides(&a.overrides).map_err(|e| bad_input(e.to_string()))?;
    // Only the shards of workers that finished: a failed worker's folder may hold an earlier run's results.
    let code = super::merge::merge_export(&cfg.export_path, Some(&a.config_file), overrides, !failed.is_empty(), Some(&finished), "profile")?;
    println!("\nprofile finished in {:.1} s: {n} workers, merged into {}", t0.elapsed().as_secs_f64(), cfg.export_path.join("results").display());
    Ok(if failed.is_empty() { code } else { exit::worst(code, exit::PARTIAL) })
}
