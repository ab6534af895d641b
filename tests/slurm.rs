//! Slurm, for real: a single-node Slurm started by the test (munged as user
//! munge, `slurmctld -D`, `slurmd -D`, a generated slurm.conf with
//! `proctrack/linuxproc` and `task/none`) runs examples/slurm's array job of
//! 4 profile shards and its `afterok` merge job; the merged profile must be
//! the same profile run in one process (same configs, each measured once).
//!
//! Needs root and Debian's `slurmctld slurmd slurm-client munge` (.ci/run
//! installs them as root); otherwise the test says why and passes without
//! running (a skip: there is no Slurm to test).

mod common;
mod shard_common;

use std::path::{Path, PathBuf};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn on_path(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Why the test cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    for c in ["sbatch", "squeue", "scontrol", "slurmctld", "slurmd", "munge"] {
        if !on_path(c) {
            return Some(format!("`{c}` is not installed (apt-get install slurmctld slurmd slurm-client munge; .ci/run does it as root)"));
        }
    }
    if !is_root() {
        return Some("not root: the test starts slurmctld, slurmd and munged itself".into());
    }
    None
}

/// Daemons started by the test, killed (by their own pid) when dropped.
struct Daemons(Vec<Child>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Two free TCP ports (bound then released) for slurmctld and slurmd.
fn free_ports() -> (u16, u16) {
    let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let b = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    (a.local_addr().unwrap().port(), b.local_addr().unwrap().port())
}

fn munge_works() -> bool {
    Command::new("sh").args(["-c", "munge -n | unmunge"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Waits (bounded) for `ok`, polling; panics with `what` and `log` after `limit`.
fn wait_for(limit: Duration, what: &str, log: &dyn Fn() -> String, mut ok: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !ok() {
        assert!(t0.elapsed() < limit, "{what}: not after {limit:?}\n{}", log());
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn slurm_conf(dir: &Path, host: &str, cpus: usize) -> PathBuf {
    let (ctld, d) = free_ports();
    let p = |x: &str| dir.join(x).display().to_string();
    let conf = format!(
        "ClusterName=tritiumtest\nSlurmctldHost={host}\nSlurmUser=root\nSlurmdUser=root\nAuthType=auth/munge\n\
         StateSaveLocation={state}\nSlurmdSpoolDir={spool}\nSlurmctldPidFile={cpid}\nSlurmdPidFile={dpid}\n\
         SlurmctldPort={ctld}\nSlurmdPort={d}\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
         SchedulerType=sched/builtin\nSelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\nMpiDefault=none\n\
         JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n\
         SlurmctldLogFile={clog}\nSlurmdLogFile={dlog}\n\
         NodeName={host} CPUs={cpus} State=UNKNOWN\nPartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP\n",
        state = p("state"),
        spool = p("spool"),
        cpid = p("slurmctld.pid"),
        dpid = p("slurmd.pid"),
        clog = p("slurmctld.log"),
        dlog = p("slurmd.log"),
    );
    std::fs::create_dir_all(dir.join("state")).unwrap();
    std::fs::create_dir_all(dir.join("spool")).unwrap();
    let path = dir.join("slurm.conf");
    std::fs::write(&path, conf).unwrap();
    path
}

/// Starts munged (unless one answers already), slurmctld and slurmd.
fn start_slurm(dir: &Path, conf: &Path) -> Daemons {
    let mut d = Daemons(Vec::new());
    if !munge_works() {
        for p in ["/run/munge", "/var/lib/munge", "/var/log/munge"] {
            std::fs::create_dir_all(p).unwrap();
            let o = Command::new("chown").args(["munge:munge", p]).output().unwrap();
            assert!(o.status.success(), "chown {p}: {}", text(&o));
        }
        if !Path::new("/etc/munge/munge.key").exists() {
            let o = Command::new("runuser").args(["-u", "munge", "--", "mungekey", "--create"]).output().unwrap();
            assert!(o.status.success(), "mungekey: {}", text(&o));
        }
        let log = std::fs::File::create(dir.join("munged.out")).unwrap();
        // munged itself as user munge (not under runuser: the child killed on drop is munged).
        let id = |flag: &str| -> u32 { String::from_utf8_lossy(&Command::new("id").args([flag, "munge"]).output().unwrap().stdout).trim().parse().expect("a munge user") };
        d.0.push(Command::new("munged").arg("-F").uid(id("-u")).gid(id("-g")).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap());
        wait_for(Duration::from_secs(20), "munged answers", &|| std::fs::read_to_string(dir.join("munged.out")).unwrap_or_default(), munge_works);
    }
    for (daemon, out) in [("slurmctld", "slurmctld.out"), ("slurmd", "slurmd.out")] {
        let log = std::fs::File::create(dir.join(out)).unwrap();
        d.0.push(Command::new(daemon).arg("-D").env("SLURM_CONF", conf).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap());
    }
    d
}

fn slurm(cmd: &str, args: &[&str], conf: &Path) -> Output {
    let mut c = Command::new(cmd);
    c.args(args).env("SLURM_CONF", conf);
    for v in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP", "SLURM_JOB_ID", "JOB_COMPLETION_INDEX", "TRITIUM_SHARD_COUNT"] {
        c.env_remove(v);
    }
    c.output().unwrap()
}

#[test]
fn a_slurm_array_of_four_shards_and_an_afterok_merge_equal_one_run() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED a_slurm_array_of_four_shards_and_an_afterok_merge_equal_one_run: {why}");
        return;
    }
    common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let slurm_dir = dir.path().join("slurm");
    std::fs::create_dir_all(&slurm_dir).unwrap();
    let host = String::from_utf8(Command::new("hostname").arg("-s").output().unwrap().stdout).unwrap().trim().to_string();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let conf = slurm_conf(&slurm_dir, &host, cpus);
    let _daemons = start_slurm(&slurm_dir, &conf);
    let logs = || {
        ["slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out"]
            .iter()
            .map(|f| format!("--- {f}\n{}", std::fs::read_to_string(slurm_dir.join(f)).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    wait_for(Duration::from_secs(60), "the node is idle", &logs, || text(&slurm("sinfo", &["-h", "-o", "%t"], &conf)).trim() == "idle");

    // The same profile in one process...
    let single = shard_common::config(&common::models_dir(), &dir.path().join("single"));
    let o = Command::new(env!("CARGO_BIN_EXE_tritium")).args(["profile", "-f", single.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // ...and through Slurm: examples/slurm's scripts, 4 array tasks (no GPU, one CPU each here).
    let sharded = shard_common::config(&common::models_dir(), &dir.path().join("sharded"));
    let examples = common::repo_root().join("examples/slurm");
    let out = dir.path().join("jobs");
    std::fs::create_dir_all(&out).unwrap();
    let export = format!("ALL,PROFILE_CONFIG={},TRITIUM={}", sharded.display(), env!("CARGO_BIN_EXE_tritium"));
    let script = examples.join("profile_array.sbatch");
    let array_out = format!("--output={}/profile-%A_%a.out", out.display());
    let a = slurm("sbatch", &["--parsable", "--array=0-3", "--gres=none", "--cpus-per-task=1", &array_out, "--export", &export, script.to_str().unwrap()], &conf);
    assert!(a.status.success(), "sbatch: {}", text(&a));
    let array_id = String::from_utf8_lossy(&a.stdout).trim().split(';').next().unwrap_or_default().to_string();
    let merge_script = examples.join("merge.sbatch");
    let merge_out = format!("--output={}/merge-%j.out", out.display());
    let dep = format!("--dependency=afterok:{array_id}");
    let m = slurm("sbatch", &["--parsable", &dep, "--cpus-per-task=1", &merge_out, "--export", &export, merge_script.to_str().unwrap()], &conf);
    assert!(m.status.success(), "sbatch merge: {}", text(&m));
    let merge_id = String::from_utf8_lossy(&m.stdout).trim().split(';').next().unwrap_or_default().to_string();

    // Bounded wait: until neither job is queued or running.
    let job_logs = || {
        let mut s = logs();
        for e in std::fs::read_dir(&out).into_iter().flatten().flatten() {
            s += &format!("\n--- {}\n{}", e.path().display(), std::fs::read_to_string(e.path()).unwrap_or_default());
        }
        s
    };
    let jobs = format!("{array_id},{merge_id}");
    wait_for(Duration::from_secs(600), "the array and merge jobs end", &job_logs, || text(&slurm("squeue", &["-h", "-j", &jobs, "-o", "%i %T"], &conf)).trim().is_empty());
    let state = text(&slurm("scontrol", &["show", "job", &merge_id], &conf));
    assert!(state.contains("JobState=COMPLETED") && state.contains("ExitCode=0:0"), "merge job: {state}\n{}", job_logs());
    let array = text(&slurm("scontrol", &["show", "job", &array_id], &conf));
    assert_eq!(array.matches("JobState=COMPLETED").count(), 4, "{array}");

    let export_path = dir.path().join("sharded/export");
    for i in 0..4 {
        assert!(export_path.join(format!("shards/{i}-of-4/results/results.json")).is_file(), "shard {i}\n{}", job_logs());
    }
    shard_common::assert_same_profile(&dir.path().join("single/export"), &export_path, &export_path.join("output_models"));
}
