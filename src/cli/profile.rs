//! `tritium profile`: Model Analyzer's `profile`, in-process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;

use super::bench::install_interrupt;
use crate::bench::Observer;
use crate::profile::config::{LaunchMode, ProfileConfig};
use crate::profile::results::ProfileResults;
use crate::profile::run;
use crate::triton::LogLevel;

/// Flags of `tritium profile`; any other `--option value` pair is a Model
/// Analyzer config key in kebab-case and overrides the YAML.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Model Analyzer config file (analyzer_config.yaml).
    #[arg(short = 'f', long = "config-file", value_name = "FILE")]
    pub config_file: PathBuf,
    /// Continue an interrupted run from its checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Triton log level inside the embedded server.
    #[arg(long, value_enum, default_value = "error")]
    pub triton_log: LogLevel,
    /// Model Analyzer options overriding the YAML, e.g. --run-config-search-max-concurrency 16.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "--KEY VALUE")]
    pub overrides: Vec<String>,
}

/// Pairs `--key value` / `--key=value` arguments.
pub fn pair_overrides(args: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let Some(k) = a.strip_prefix("--") else { bail!("unexpected argument {a:?}: options are --key value") };
        if let Some((k, v)) = k.split_once('=') {
            out.push((k.to_string(), v.to_string()));
        } else {
            match it.peek() {
                Some(v) if !v.starts_with("--") => out.push((k.to_string(), it.next().cloned().unwrap_or_default())),
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

/// Runs `tritium profile`.
pub fn run(a: ProfileArgs) -> anyhow::Result<i32> {
    let overrides = pair_overrides(&a.overrides)?;
    let text = std::fs::read_to_string(&a.config_file).with_context(|| format!("reading {}", a.config_file.display()))?;
    let cfg = ProfileConfig::from_yaml_str_with_overrides(&text, &a.config_file, &overrides)?;
    cfg.validate()?;
    for k in &cfg.ignored_keys {
        eprintln!("[profile] notice: {k} is a Model Analyzer option tritium does not use; ignored");
    }
    match cfg.triton_launch_mode {
        LaunchMode::Docker | LaunchMode::Remote => eprintln!(
            "[profile] notice: triton_launch_mode {:?}: tritium runs Triton embedded in its own process (no Docker, no remote server); triton_docker_* keys are accepted and unused",
            cfg.triton_launch_mode
        ),
        LaunchMode::Local | LaunchMode::CApi => {}
    }
    crate::triton::set_default_log_level(a.triton_log);
    let explicit = cfg.set_by_user.contains("triton_install_path").then(|| cfg.triton_install_path.clone());
    let rt = crate::runtime::locate(explicit.as_deref())?;
    if !cfg.model_repository.is_dir() {
        bail!("model_repository {} (from {}) is not a directory", cfg.model_repository.display(), a.config_file.display());
    }
    if !crate::gpu::cuda_available() && cfg.constraints.gpu_used_memory.is_some() {
        eprintln!("[profile] notice: no GPU here: the gpu_used_memory constraint is not applied (it is not read as 0 MB)");
    }
    let paths = run::Paths::of(&cfg);
    let resume = if a.resume {
        match ProfileResults::read(&paths.checkpoint) {
            Ok(r) => {
                eprintln!("[profile] resuming from {}", paths.checkpoint.display());
                Some(r)
            }
            Err(e) => bail!("--resume: cannot read the checkpoint: {e}"),
        }
    } else {
        None
    };
    let server = rt.start_server(&rt.server_options(&cfg.model_repository).exit_timeout_secs(10)).context("starting the embedded Triton server")?;
    let interrupt = Arc::new(AtomicBool::new(false));
    install_interrupt(interrupt.clone());
    let t0 = std::time::Instant::now();
    let results = run::profile(&cfg, &server, resume, &interrupt, &Printer)?;
    print!("{}", run::summary(&results));
    if interrupt.load(Ordering::SeqCst) {
        eprintln!("[profile] interrupted: checkpoint written to {}; continue with --resume", paths.checkpoint.display());
        return Ok(130);
    }
    match crate::report::build_from(&results, &cfg.export_path) {
        Ok(paths) => {
            for p in paths.all() {
                println!("report: {}", p.display());
            }
        }
        Err(e) => eprintln!("[profile] reports: {e}"),
    }
    println!(
        "\nprofile finished in {:.1} s: {}/metrics-model-inference.csv, metrics-model-gpu.csv, metrics-server-only.csv, results.json; configs in {}",
        t0.elapsed().as_secs_f64(),
        paths.results_dir.display(),
        paths.output_repository.display()
    );
    Ok(0)
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
}
