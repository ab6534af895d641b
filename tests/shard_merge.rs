//! Sharding end to end on a real embedded Triton (CPU): a profile run once
//! in one process, once as two `tritium profile --shard i/2` processes
//! joined by `tritium merge`, and once as two worker processes of one
//! command (`tritium_workers: 2`) gives the same configs, each measured once.

mod common;
mod shard_common;

use std::process::{Command, Output};

fn tritium(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tritium"));
    c.args(args);
    for v in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX", "TRITIUM_SHARD_COUNT"] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn two_shards_merged_equal_one_run() {
    common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let single = shard_common::config(&common::models_dir(), &dir.path().join("single"));
    let sharded = shard_common::config(&common::models_dir(), &dir.path().join("sharded"));
    let o = tritium(&["profile", "-f", single.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Shard 0 by the flag, shard 1 from a Slurm array's variables (an array --array=4-5).
    let s0 = tritium(&["profile", "-f", sharded.to_str().unwrap(), "--shard", "0/2"], &[]);
    assert_eq!(s0.status.code(), Some(0), "{}", text(&s0));
    assert!(text(&s0).contains("shard 0/2: 2 of 4 work units (add_sub#0, sleep_fixed#0)"), "{}", text(&s0));
    let export = dir.path().join("sharded/export");
    let e = export.to_str().unwrap();

    // Before the last shard: the merge names it and writes nothing.
    let early = tritium(&["merge", "-e", e], &[]);
    assert_eq!(early.status.code(), Some(3), "{}", text(&early));
    assert!(text(&early).contains("shard 1/2 is missing"), "{}", text(&early));
    assert!(!export.join("results/results.json").exists());

    let s1 = tritium(&["profile", "-f", sharded.to_str().unwrap()], &[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "4"), ("SLURM_ARRAY_TASK_COUNT", "2")]);
    assert_eq!(s1.status.code(), Some(0), "{}", text(&s1));
    // Each shard wrote only its own files.
    for i in 0..2 {
        assert!(export.join(format!("shards/{i}-of-2/results/results.json")).is_file());
        assert!(dir.path().join(format!("sharded/ckpt/tritium-profile.shard-{i}-of-2.ckpt.json")).is_file());
    }
    assert!(!export.join("output_models").exists(), "shards stage their configs; only the merge writes the output repository");

    // --resume of one shard continues only that shard, from its own checkpoint.
    let other_shard = export.join("shards/1-of-2/results/results.json");
    let before = std::fs::read(&other_shard).unwrap();
    let r0 = tritium(&["profile", "-f", sharded.to_str().unwrap(), "--shard", "0/2", "--resume"], &[]);
    assert_eq!(r0.status.code(), Some(0), "{}", text(&r0));
    assert!(text(&r0).contains("tritium-profile.shard-0-of-2.ckpt.json"), "{}", text(&r0));
    assert!(text(&r0).contains("add_sub: already complete in the checkpoint"), "{}", text(&r0));
    assert!(!text(&r0).contains("sleep_fixed#1") && !text(&r0).contains("add_sub#1"), "{}", text(&r0));
    assert_eq!(std::fs::read(&other_shard).unwrap(), before, "shard 1's results untouched");

    let m = tritium(&["merge", "-e", e, "-f", sharded.to_str().unwrap()], &[]);
    assert_eq!(m.status.code(), Some(0), "{}", text(&m));
    shard_common::assert_same_profile(&dir.path().join("single/export"), &export, &export.join("output_models"));
    assert!(export.join("reports/summaries/add_sub/result_summary.pdf").is_file());

    // One host, two worker processes (tritium_workers: 2; a gpus list of two GPUs
    // does the same, one GPU each): the same shard + merge path, in one command.
    let workers = shard_common::config(&common::models_dir(), &dir.path().join("workers"));
    let wc = workers.to_str().unwrap();
    let w = tritium(&["profile", "-f", wc, "--tritium-workers", "2"], &[]);
    assert_eq!(w.status.code(), Some(0), "{}", text(&w));
    for want in ["worker 0: shard 0/2", "worker 1: shard 1/2", "[w0] ", "[w1] ", "merged shards 0, 1 of 2", "2 workers, merged into"] {
        assert!(text(&w).contains(want), "{want}: {}", text(&w));
    }
    let wexport = dir.path().join("workers/export");
    for i in 0..2 {
        let log = std::fs::read_to_string(wexport.join(format!("shards/{i}-of-2/worker.log"))).unwrap();
        assert!(log.contains(&format!("shard {i}/2 done")), "worker {i}'s own output in its log: {log}");
    }
    shard_common::assert_same_profile(&dir.path().join("single/export"), &wexport, &wexport.join("output_models"));
    assert!(wexport.join("reports/summaries/add_sub/result_summary.pdf").is_file());
    // Again without --resume or --fresh (its output repository removed, as a single run's
    // would have to be): refused before any worker starts, naming the checkpoints.
    std::fs::remove_dir_all(wexport.join("output_models")).unwrap();
    let again = tritium(&["profile", "-f", wc, "--tritium-workers", "2"], &[]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("checkpoints of an earlier run's workers") && text(&again).contains("shard-1-of-2"), "{}", text(&again));
    assert!(!text(&again).contains("[w0]"), "no worker started: {}", text(&again));
    // --resume: each worker continues its own checkpoint (both complete: nothing measured again).
    let resumed = tritium(&["profile", "-f", wc, "--resume", "--tritium-workers", "2"], &[]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert!(text(&resumed).contains("[w1] [profile] resuming from"), "{}", text(&resumed));
    shard_common::assert_same_profile(&dir.path().join("single/export"), &wexport, &wexport.join("output_models"));

    // A shard of another config is refused.
    let other = std::fs::read_to_string(&sharded).unwrap().replace("concurrency: [1]", "concurrency: [2]");
    let other_cfg = dir.path().join("other.yaml");
    std::fs::write(&other_cfg, other).unwrap();
    let r = tritium(&["merge", "-e", e, "-f", other_cfg.to_str().unwrap()], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    assert!(text(&r).contains("another config"), "{}", text(&r));
}

#[test]
fn bad_shard_values_are_refused_before_the_server_starts() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = shard_common::config(&common::models_dir(), dir.path());
    let c = cfg.to_str().unwrap();
    for (args, env, want) in [
        (vec!["profile", "-f", c, "--shard", "2/2"], vec![], "not below the shard count"),
        (vec!["profile", "-f", c, "--shard", "0/2", "--tritium-workers", "2"], vec![], "already a shard"),
        (vec!["profile", "-f", c, "--tritium-workers", "2"], vec![("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "2")], "already a shard"),
        (vec!["profile", "-f", c, "--tritium-workers", "0"], vec![], "tritium-workers"),
        (vec!["profile", "-f", c], vec![("JOB_COMPLETION_INDEX", "0")], "TRITIUM_SHARD_COUNT"),
        (vec!["profile", "-f", c], vec![("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "2")], "SLURM_ARRAY_TASK_ID=3"),
    ] {
        let o = tritium(&args, &env);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(want), "{args:?}: {}", text(&o));
        assert!(!dir.path().join("ckpt").exists(), "nothing ran");
    }
}

/// A Ctrl-C at a run of two workers reaches each worker once (they run in
/// their own process group; tritium passes it on): each writes its
/// checkpoint, nothing is merged, and `--resume` finishes and merges.
#[test]
fn ctrl_c_reaches_every_worker_and_resume_merges() {
    use std::io::BufRead;
    common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let cfg = shard_common::config(&common::models_dir(), dir.path());
    let c = cfg.to_str().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tritium"));
    cmd.args(["profile", "-f", c, "--tritium-workers", "2"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    for v in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX", "TRITIUM_SHARD_COUNT"] {
        cmd.env_remove(v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    // Interrupt once both workers have measured a point (their relayed progress says so).
    let mut seen = [false, false];
    let mut log = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        for (i, s) in seen.iter_mut().enumerate() {
            *s |= line.starts_with(&format!("[w{i}]")) && line.contains("infer/s");
        }
        log += &line;
        log.push('\n');
        if seen == [true, true] {
            break;
        }
    }
    assert_eq!(seen, [true, true], "both workers measured before the end: {log}");
    // SAFETY: kill(2) on our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    assert_eq!(status.code(), Some(130), "{log}{rest}");
    assert!(rest.contains("each worker finishes its current window") && rest.contains("continue the run with --resume"), "{rest}");
    // Each worker got the Ctrl-C (passed on once: they finish the window, not abort).
    for i in 0..2 {
        assert!(rest.contains(&format!("[w{i}] interrupted: finishing the current window")), "worker {i} was not interrupted:
{rest}");
    }
    assert!(!rest.contains("aborting the workers"), "{rest}");
    for i in 0..2 {
        assert!(dir.path().join(format!("ckpt/tritium-profile.shard-{i}-of-2.ckpt.json")).is_file(), "worker {i} wrote its checkpoint\n{rest}");
    }
    let export = dir.path().join("export");
    assert!(!export.join("results/results.json").exists(), "nothing merged from an interrupted run");

    let r = tritium(&["profile", "-f", c, "--resume", "--tritium-workers", "2"], &[]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r));
    assert!(text(&r).contains("merged shards 0, 1 of 2"), "{}", text(&r));
    let merged = tritium::profile::results::ProfileResults::read(&export.join("results/results.json")).unwrap();
    assert!(merged.models.iter().all(|m| m.complete), "{}", text(&r));
}
