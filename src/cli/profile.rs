//! `tritium profile`: Model Analyzer's `profile`, in-process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;

use super::bench::install_interrupt;
use super::exit::{self, bad_input};
use tritium_bench::Observer;
use tritium_profile::config::{LaunchMode, ProfileConfig};
use tritium_profile::output;
use tritium_profile::plan::Plan;
use tritium_profile::results::ProfileResults;
use tritium_profile::run;
use tritium_profile::shard::{Assignment, Shard};
use super::choice;
use tritium_triton::LogLevel;

/// Flags of `tritium profile`; any other `--option value` pair is a Model
/// Analyzer config key in kebab-case and overrides the YAML.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Model Analyzer config file (analyzer_config.yaml).
    #[arg(short = 'f', long = "config-file", value_name = "FILE")]
    pub config_file: PathBuf,
    /// Continue an interrupted run from its checkpoint.
    #[arg(long, conflicts_with = "fresh")]
    pub resume: bool,
    /// Start over when a checkpoint exists: it is moved aside to
    /// `<checkpoint>.<timestamp>.bak` (never deleted).
    #[arg(long)]
    pub fresh: bool,
    /// Triton log level inside the embedded server.
    #[arg(long, value_parser = choice::choice::<LogLevel>(), default_value = "error")]
    pub triton_log: LogLevel,
    /// Run shard I of N (0-based) of the profile: its part of the work, written under
    /// <export_path>/shards/I-of-N; `tritium merge` joins the shards (docs/sharding.md).
    /// Default: from SLURM_ARRAY_TASK_ID/COUNT (an array job), or JOB_COMPLETION_INDEX with
    /// TRITIUM_SHARD_COUNT (a Kubernetes Indexed Job); else the whole profile.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Model Analyzer options overriding the YAML, e.g. --run-config-search-max-concurrency 16.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "--KEY VALUE")]
    pub overrides: Vec<String>,
}

/// Pairs `--key value` / `--key=value` arguments, and Model Analyzer's
/// one-letter short forms (`-m REPO`, `-e DIR`, `-s DIR`, `-b 1,2`, `-c 4`,
/// …), which the config layer maps to their long keys.
pub fn pair_overrides(args: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let is_short = |a: &str| a.len() == 2 && a.starts_with('-') && a.as_bytes()[1].is_ascii_alphabetic();
    let is_option = |a: &str| a.starts_with("--") || is_short(a);
    let mut out = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let k = match a.strip_prefix("--") {
            Some(k) => k,
            None if is_short(a) => a.as_str(),
            None => bail!("unexpected argument {a:?}: options are --key value (or Model Analyzer's short forms, e.g. -m REPO)"),
        };
        if let Some((k, v)) = k.split_once('=') {
            out.push((k.to_string(), v.to_string()));
        } else {
            match it.peek() {
                Some(v) if !is_option(v) => out.push((k.to_string(), it.next().cloned().unwrap_or_default())),
                _ => out.push((k.to_string(), "true".to_string())),
            }
        }
    }
    Ok(out)
}

struct Printer;
impl Observer for Printer {
    fn warn(&self, m: &str) {
        eprintln!("[profile] {m}");
    }
}

/// Checks, before the server starts, that every output directory can be
/// created and written (naming the YAML key and the user's path). A shard
/// (`sharded`) does not write the output model repository (the merge does).
pub(super) fn check_outputs(cfg: &ProfileConfig, sharded: bool) -> anyhow::Result<()> {
    let file = cfg.config_file.display();
    let dirs = [
        ("export_path", cfg.export_path.clone()),
        ("export_path", cfg.export_path.join("results")),
        ("export_path", cfg.export_path.join("reports")),
        ("output_model_repository_path", cfg.output_model_repository_path.clone()),
        ("checkpoint_directory", cfg.checkpoint_directory.clone()),
    ];
    for (key, dir) in dirs {
        output::check_output_dir(&dir, key).map_err(|e| bad_input(format!("{file}: {e}")))?;
    }
    if !sharded {
        output::check_output_repository(&cfg.output_model_repository_path, cfg.override_output_model_repository).map_err(|e| bad_input(format!("{file}: {e}")))?;
    }
    // filename_* are plain file names (the CSV tables go into <export_path>/results only).
    tritium_profile::metrics_csv::CsvLayout::from_config(cfg).map_err(|e| bad_input(format!("{file}: {e}")))?;
    Ok(())
}

/// The Triton runtime of `cfg`: its `triton_install_path` when the user set
/// it, else where tritium looks by default.
pub(super) fn locate_runtime(cfg: &ProfileConfig) -> tritium_triton::Result<tritium_triton::runtime::Runtime> {
    let explicit = cfg.set_by_user.contains("triton_install_path").then(|| cfg.triton_install_path.clone());
    tritium_triton::runtime::locate(explicit.as_deref())
}

/// `<checkpoint>.<UTC timestamp>.bak`, not yet taken.
fn backup_name(ckpt: &std::path::Path) -> PathBuf {
    let stamp: String = tritium_util::now_rfc3339().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let name = ckpt.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "checkpoint".into());
    let mut p = ckpt.with_file_name(format!("{name}.{stamp}.bak"));
    let mut n = 1;
    while p.exists() {
        p = ckpt.with_file_name(format!("{name}.{stamp}-{n}.bak"));
        n += 1;
    }
    p
}

/// What to do with an existing checkpoint: read it (`--resume`), move it
/// aside (`--fresh`), or refuse.
fn handle_checkpoint(cfg: &ProfileConfig, plan: &Plan, a: &ProfileArgs, ckpt: &std::path::Path) -> anyhow::Result<Option<ProfileResults>> {
    let exists = std::fs::symlink_metadata(ckpt).is_ok();
    if exists {
        let m = std::fs::metadata(ckpt);
        if !m.as_ref().is_ok_and(|m| m.is_file()) {
            return Err(bad_input(format!(
                "checkpoint {} (checkpoint_directory in {}) is not a regular file; remove it or choose another checkpoint_directory",
                ckpt.display(),
                cfg.config_file.display()
            )));
        }
    }
    if a.resume {
        if !exists {
            return Err(bad_input(format!(
                "--resume: there is no checkpoint at {} (checkpoint_directory in {}); run without --resume to start",
                ckpt.display(),
                cfg.config_file.display()
            )));
        }
        let r = ProfileResults::read(ckpt).map_err(|e| bad_input(format!("--resume: cannot read the checkpoint: {e}; start over with --fresh (it moves the checkpoint aside)")))?;
        run::check_resume(plan, &r).map_err(|e| {
            bad_input(format!(
                "--resume: {} does not belong to this config ({}): {e}\nRun with the config that wrote it, or start over with --fresh (the checkpoint is moved aside, not deleted)",
                ckpt.display(),
                cfg.config_file.display()
            ))
        })?;
        if r.fingerprint.is_null() {
            eprintln!("[profile] notice: {} was written by an older tritium without a settings fingerprint; resuming without checking that its settings match", ckpt.display());
        }
        eprintln!("[profile] resuming from {}", ckpt.display());
        return Ok(Some(r));
    }
    if exists && !a.fresh {
        return Err(bad_input(format!(
            "a checkpoint of an earlier run exists: {}\nContinue it with --resume, or start over with --fresh (moves it aside to {}.<timestamp>.bak; nothing is deleted)",
            ckpt.display(),
            ckpt.display()
        )));
    }
    Ok(None)
}

/// Runs `tritium profile`.
pub fn run(a: ProfileArgs) -> anyhow::Result<i32> {
    let overrides = pair_overrides(&a.overrides).map_err(|e| bad_input(e.to_string()))?;
    let text = std::fs::read_to_string(&a.config_file).map_err(|e| bad_input(format!("reading {}: {e}", a.config_file.display())))?;
    let cfg = ProfileConfig::from_yaml_str_with_overrides(&text, &a.config_file, &overrides)?;
    cfg.validate()?;
    let shard = Shard::resolve(a.shard.as_deref(), |k| std::env::var(k).ok()).map_err(|e| bad_input(e.to_string()))?;
    // Before anything else runs: the GPUs, split over worker processes (one per
    // listed GPU, or tritium_workers), or applied to this process (a list may
    // restart it with CUDA_VISIBLE_DEVICES set).
    let selection = super::gpus::select(&cfg.gpus, &a.config_file)?;
    let workers = tritium_profile::workers::plan(cfg.tritium_workers, &selection, shard.is_some()).map_err(|e| bad_input(format!("{}: {e}", a.config_file.display())))?;
    if workers.is_empty() {
        super::gpus::apply(&selection)?;
    }
    let plan = Plan::resolve(&cfg);
    for line in &cfg.notices {
        eprintln!("[profile] notice: {line}");
    }
    if tritium_profile::search::strategy_for(cfg.run_config_search_mode).is_none() {
        return Err(bad_input(format!(
            "{}: run_config_search_mode {}: not supported by tritium (use brute or quick)",
            a.config_file.display(),
            run::mode_name(cfg.run_config_search_mode)
        )));
    }
    if !cfg.model_repository.is_dir() {
        return Err(bad_input(format!("model_repository {} (from {}) is not a directory", cfg.model_repository.display(), a.config_file.display())));
    }
    if !workers.is_empty() {
        return super::workers::run(&a, &cfg, &plan, &workers);
    }
    check_outputs(&cfg, shard.is_some())?;
    let assignment = shard.map(|s| Assignment::of(&plan, s));
    if let Some(a) = &assignment {
        eprintln!("[profile] shard {}: {} of {} work units ({})", a.shard, a.units.len(), tritium_profile::shard::units(&plan).len(), if a.units.is_empty() { "nothing to do".to_string() } else { a.unit_names().join(", ") });
    }
    let paths = match shard {
        Some(s) => run::Paths::of_shard(&cfg, s),
        None => run::Paths::of(&cfg),
    };
    let resume = handle_checkpoint(&cfg, &plan, &a, &paths.checkpoint)?;
    match cfg.triton_launch_mode {
        LaunchMode::Docker | LaunchMode::Remote => eprintln!(
            "[profile] notice: triton_launch_mode {:?}: tritium runs Triton embedded in its own process (no Docker, no remote server); triton_docker_* keys are accepted and unused",
            cfg.triton_launch_mode
        ),
        LaunchMode::Local | LaunchMode::CApi => {}
    }
    tritium_triton::set_default_log_level(a.triton_log);
    let rt = locate_runtime(&cfg)?;
    if !tritium_triton::gpu::cuda_available() && cfg.constraints.gpu_used_memory.is_some() {
        eprintln!("[profile] notice: no GPU here: the gpu_used_memory constraint is not applied (it is not read as 0 MB)");
    }
    if a.fresh && std::fs::symlink_metadata(&paths.checkpoint).is_ok() {
        let bak = backup_name(&paths.checkpoint);
        std::fs::rename(&paths.checkpoint, &bak).with_context(|| format!("--fresh: moving {} aside to {}", paths.checkpoint.display(), bak.display()))?;
        eprintln!("[profile] --fresh: the earlier checkpoint was moved to {}", bak.display());
    }
    let opts = tritium_profile::config::apply_server_flags(&cfg.triton_server_flags, rt.server_options(&cfg.model_repository).exit_timeout_secs(10))
        .map_err(|(flag, m)| bad_input(format!("{}: triton_server_flags.{flag}: {m}", a.config_file.display())))?;
    // tritium_model_switch preload: the next config loads under each model's alias, which a
    // repository of tritium's own (links to the user's model folders) serves beside the user's.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let aliases = if cfg.tritium_model_switch.may_preload(cores) {
        let names: Vec<String> = plan.models.iter().map(|m| m.name.clone()).collect();
        Some(tritium_profile::measure::AliasRepository::create(&cfg.model_repository, &names).context("creating the model aliases of tritium_model_switch preload")?)
    } else {
        None
    };
    let opts = match &aliases {
        Some(a) => opts.also_model_repository(a.path()),
        None => opts,
    };
    let server = rt.start_server(&opts).context("starting the embedded Triton server")?;
    let interrupt = Arc::new(AtomicBool::new(false));
    install_interrupt(interrupt.clone());
    let t0 = std::time::Instant::now();
    let mut results = run::profile_sharded(&cfg, &plan, &server, resume, &interrupt, &Printer, assignment.as_ref(), aliases.as_ref())?;
    if interrupt.load(Ordering::SeqCst) {
        print!("{}", run::summary(&results));
        eprintln!("[profile] interrupted: checkpoint written to {}; continue with --resume", paths.checkpoint.display());
        return Ok(exit::INTERRUPTED);
    }
    let which = tritium_report::ReportSelection { summaries: !cfg.skip_summary_reports, detailed: !cfg.skip_detailed_reports };
    // A shard's reports are the merge's.
    let reports = if shard.is_none() { Some(tritium_report::build_selected(&results, &cfg.export_path, which)) } else { None };
    match reports {
        None => {}
        Some(Ok(paths)) => {
            for p in paths.all() {
                println!("report: {}", p.display());
            }
        }
        Some(Err(e)) => {
            eprintln!("[profile] reports: {e}");
            results.problems.push(format!("reports: {e}"));
            if let Err(e) = results.write(&paths.results_dir.join("results.json")) {
                eprintln!("[profile] results.json: {e}");
            }
        }
    }
    print!("{}", run::summary(&results));
    for p in &results.problems {
        println!("   PROBLEM: {p}");
    }
    let outcome = run::run_outcome(&results);
    let csv = tritium_profile::metrics_csv::CsvLayout::from_config(&cfg).unwrap_or_default();
    println!(
        "\nprofile finished in {:.1} s: {}/{}, {}, {}, results.json; configs in {}",
        t0.elapsed().as_secs_f64(),
        paths.results_dir.display(),
        csv.filename_model_inference,
        csv.filename_model_gpu,
        csv.filename_server_only,
        paths.output_repository.display()
    );
    if let Some(a) = &assignment {
        println!("shard {} done: merge the shards with `tritium merge -e {}` once every shard finished", a.shard, cfg.export_path.display());
        if a.units.is_empty() {
            return Ok(exit::SUCCESS);
        }
    }
    Ok(match outcome {
        run::RunOutcome::Ok => exit::SUCCESS,
        run::RunOutcome::Partial => {
            eprintln!("[profile] finished with failures (exit {}): see FAILED/PARTIAL above and `status`/`reason` in results.json", exit::PARTIAL);
            exit::PARTIAL
        }
        run::RunOutcome::Failed => {
            eprintln!("[profile] no model produced a usable measurement (exit {})", exit::FAILED);
            exit::FAILED
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_pair_up() {
        let a: Vec<String> = ["--export-path", "x", "--override-output-model-repository", "--num-configs-per-model=2"].iter().map(|s| s.to_string()).collect();
        let p = pair_overrides(&a).unwrap();
        assert_eq!(p, vec![("export-path".into(), "x".into()), ("override-output-model-repository".into(), "true".into()), ("num-configs-per-model".into(), "2".into())]);
        assert!(pair_overrides(&["stray".to_string()]).is_err());
    }

    #[test]
    fn model_analyzers_short_forms_pair_up_and_reach_their_keys() {
        let a: Vec<String> = ["-m", "repo", "-e", "out", "-b", "1,2", "-c", "4", "--override-output-model-repository"].iter().map(|s| s.to_string()).collect();
        let p = pair_overrides(&a).unwrap();
        assert_eq!(p, vec![("-m".into(), "repo".into()), ("-e".into(), "out".into()), ("-b".into(), "1,2".into()), ("-c".into(), "4".into()), ("override-output-model-repository".into(), "true".into())]);
        // Through the config loader: each short form sets its Model Analyzer key.
        let yaml = "model_repository: /elsewhere\nprofile_models: [m]\n";
        let cfg = ProfileConfig::from_yaml_str_with_overrides(yaml, std::path::Path::new("a.yaml"), &p).unwrap();
        assert_eq!(cfg.model_repository, std::path::PathBuf::from("repo"));
        assert_eq!(cfg.export_path, std::path::PathBuf::from("out"));
        assert_eq!(cfg.batch_sizes, vec![1, 2]);
        assert_eq!(cfg.concurrency, vec![4]);
        // Only one-letter short forms: anything else without `--` is refused.
        assert!(pair_overrides(&["-x1".to_string()]).is_err(), "not a one-letter short form");
    }
}
