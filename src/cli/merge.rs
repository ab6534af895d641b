//! `tritium merge`: joins the shards of a sharded profile (`tritium profile
//! --shard I/N`) into the results.json, CSV tables, output model repository
//! and reports one run would have written (docs/sharding.md).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Args;

use super::exit::{self, bad_input};
use super::profile::pair_overrides;
use tritium_profile::config::ProfileConfig;
use tritium_profile::merge::{self, MergeError, MergeOptions};
use tritium_profile::plan::Plan;
use tritium_profile::run;

/// Flags of `tritium merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' export_path: reads <DIR>/shards/I-of-N/results/results.json, writes <DIR>/results, <DIR>/reports.
    #[arg(short = 'e', long = "export-path", value_name = "DIR")]
    pub export_path: PathBuf,
    /// The config file the shards ran with [default: the one the shards recorded].
    #[arg(short = 'f', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Merge the shards that are there although others are missing or did not finish (exit 3).
    #[arg(long)]
    pub allow_partial: bool,
    /// The Model Analyzer options the shards were given on their command line (the plan must be theirs).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "--KEY VALUE")]
    pub overrides: Vec<String>,
}

/// Runs `tritium merge`.
pub fn run(a: MergeArgs) -> anyhow::Result<i32> {
    let overrides = pair_overrides(&a.overrides).map_err(|e| bad_input(e.to_string()))?;
    merge_export(&a.export_path, a.config_file.as_deref(), overrides, a.allow_partial, None, "merge")
}

/// Merges the shards under `export_path` (the shards' config file: `config_file`,
/// or the one they recorded; `overrides`: the options they ran with) and writes
/// the results, CSV tables, output repository and reports. `only`: the shard
/// indices to merge (the workers that finished: a failed worker's folder may
/// hold an earlier run's results); the others count as missing. `tag`
/// prefixes the messages (`merge`, or `profile` for the workers of one host).
/// Returns the exit code.
pub fn merge_export(export_path: &Path, config_file: Option<&Path>, mut overrides: Vec<(String, String)>, allow_partial: bool, only: Option<&BTreeSet<u32>>, tag: &str) -> anyhow::Result<i32> {
    overrides.push(("export-path".into(), export_path.display().to_string()));
    let mut shards = merge::discover(export_path).map_err(|e| bad_input(e.to_string()))?;
    if let Some(only) = only {
        shards.retain(|s| s.results.shard.as_ref().is_some_and(|r| only.contains(&r.index)));
    }
    let file = match (config_file, shards.first()) {
        (Some(f), _) => f.to_path_buf(),
        (None, Some(s)) => PathBuf::from(&s.results.config_file),
        (None, None) => return Err(bad_input(format!("no shard results under {}/shards", export_path.display()))),
    };
    let text = std::fs::read_to_string(&file).map_err(|e| bad_input(format!("reading {}: {e} (pass the shards' config with -f)", file.display())))?;
    let cfg = ProfileConfig::from_yaml_str_with_overrides(&text, &file, &overrides)?;
    cfg.validate()?;
    let plan = Plan::resolve(&cfg);
    let opts = MergeOptions { allow_partial };
    let (mut merged, report) = match merge::merge(&shards, &plan, cfg.num_configs_per_model as usize, cfg.num_top_model_configs, &cfg.objectives, opts) {
        Ok(x) => x,
        Err(MergeError::Incomplete(e)) => {
            eprintln!("[{tag}] {e}");
            return Ok(exit::PARTIAL);
        }
        Err(e) => return Err(bad_input(format!("{}: {e}", export_path.display()))),
    };
    for g in &report.gaps {
        eprintln!("[{tag}] {g}");
    }
    let problems = merge::write_outputs(&mut merged, &cfg, &merge::gpu_uuids(&shards)).map_err(|e| match e {
        tritium_triton::Error::InvalidArgument(m) => bad_input(format!("{}: {m}", file.display())),
        e => anyhow::anyhow!("writing the merged results: {e}"),
    })?;
    for p in &problems {
        eprintln!("[{tag}] {p}");
    }
    let which = tritium_report::ReportSelection { summaries: !cfg.skip_summary_reports, detailed: !cfg.skip_detailed_reports };
    match tritium_report::build_selected(&merged, &cfg.export_path, which) {
        Ok(paths) => paths.all().for_each(|p| println!("report: {}", p.display())),
        Err(e) => {
            eprintln!("[{tag}] reports: {e}");
            merged.problems.push(format!("reports: {e}"));
            merged.write(&cfg.export_path.join("results").join("results.json"))?;
        }
    }
    print!("{}", run::summary(&merged));
    println!(
        "\nmerged shards {} of {} into {}/results/results.json; configs in {}",
        report.merged.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        report.count,
        cfg.export_path.display(),
        cfg.output_model_repository_path.display()
    );
    if !report.gaps.is_empty() {
        return Ok(exit::PARTIAL);
    }
    Ok(match run::run_outcome(&merged) {
        run::RunOutcome::Ok => exit::SUCCESS,
        run::RunOutcome::Partial => exit::PARTIAL,
        run::RunOutcome::Failed => exit::FAILED,
    })
}
