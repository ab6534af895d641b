//! `tritium report`: the PDF reports of a profile's results.json. Without a
//! selection, every summary and the detailed report of each top config (as
//! `profile` writes them); with Model Analyzer's `-n/--report-model-configs`
//! (or `report_model_configs` in the `-f` YAML) the detailed reports of the
//! named configs only, as Model Analyzer's `report` command.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::exit;
use tritium_profile::config::{split_config_names, ReportConfig};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The profile's export_path: reads <DIR>/results/results.json, writes <DIR>/reports/
    /// (default: the config file's export_path, else the current directory).
    #[arg(short = 'e', long = "export-path", value_name = "DIR")]
    export_path: Option<PathBuf>,
    /// Model Analyzer's report_model_configs: the configs to write detailed reports for,
    /// comma-separated (e.g. resnet_config_0,resnet_config_default); only those are written.
    #[arg(short = 'n', long = "report-model-configs", value_name = "CONFIGS")]
    report_model_configs: Option<String>,
    /// A Model Analyzer report YAML: report_model_configs and export_path are read (the
    /// command line wins); other keys are announced.
    #[arg(short = 'f', long = "config-file", value_name = "FILE")]
    config_file: Option<PathBuf>,
}

/// Runs `tritium report`; returns the exit code.
pub fn run(a: ReportArgs) -> anyhow::Result<i32> {
    let file = match &a.config_file {
        Some(f) => ReportConfig::from_file(f)?,
        None => ReportConfig::default(),
    };
    for line in &file.notices {
        eprintln!("[report] notice: {line}");
    }
    let export_path = a.export_path.or(file.export_path).unwrap_or_else(|| PathBuf::from("."));
    let configs = match &a.report_model_configs {
        Some(s) => split_config_names(s),
        None => file.report_model_configs,
    };
    if a.report_model_configs.is_some() && configs.is_empty() {
        return Err(exit::bad_input("--report-model-configs names no config; give config names, e.g. -n resnet_config_0,resnet_config_default"));
    }
    let paths = if configs.is_empty() {
        tritium_report::build_reports(&export_path).context("building the reports")?
    } else {
        let results = tritium_report::load_results(&tritium_report::results_path(&export_path)).context("building the reports")?;
        tritium_report::build_configs(&results, &export_path, &configs).map_err(|e| exit::bad_input(e.to_string()))?
    };
    for p in paths.all() {
        println!("{}", p.display());
    }
    Ok(0)
}
