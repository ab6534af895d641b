//! Command-line interface: flags defined once here, each subcommand a small
//! function over the library. Errors are reported with `anyhow` context.

use std::path::PathBuf;

use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

pub mod bench;
mod choice;
pub mod exit;
mod gpus;
pub mod pa_compat;
pub mod merge;
pub mod profile;
pub mod repeat;
mod report;
mod workers;

use tritium_triton::runtime::{self as runtime, install::InstallOptions};
use tritium_triton::LogLevel;

/// tritium: Triton Inference Server embedded in-process, measured without the network hop.
#[derive(Debug, Parser)]
#[command(name = "tritium", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Report the Triton runtime, its Python stub, CUDA, NVML and GPUs; serve a probe model.
    Doctor(DoctorArgs),
    /// Install or locate the Triton runtime.
    #[command(subcommand)]
    Runtime(RuntimeCommand),
    /// Load models into an embedded server and print their metadata, config and statistics.
    Models(ModelsArgs),
    /// Measure a model under load (perf_analyzer's job, in-process).
    Bench(bench::BenchArgs),
    /// Search model configs as Model Analyzer's profile does, from its YAML config.
    Profile(profile::ProfileArgs),
    /// Write the PDF reports (a summary per model, a detailed report per top config, or with
    /// -n the detailed reports of the named configs) from a profile's results.json.
    Report(report::ReportArgs),
    /// Join the shards of a sharded profile (`profile --shard I/N`) into one profile's results, configs and reports.
    Merge(merge::MergeArgs),
}

/// Where the Triton runtime is (shared by every command that starts a server).
#[derive(Debug, Args, Clone)]
pub struct RuntimeArgs {
    /// Triton install folder (holds lib/libtritonserver.so and backends/), as Model Analyzer's triton_install_path
    /// [default: $TRITIUM_TRITON_PATH, then /opt/tritonserver, then the runtime `tritium runtime install` made]
    #[arg(long, value_name = "DIR")]
    pub triton_install_path: Option<PathBuf>,
    /// Triton log level inside the embedded server.
    #[arg(long, value_parser = choice::choice::<LogLevel>(), default_value = "error")]
    pub triton_log: LogLevel,
}

#[derive(Debug, Args)]
struct DoctorArgs {
    #[command(flatten)]
    runtime: RuntimeArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum RuntimeCommand {
    /// Download nvidia-pytriton==0.7.0 (no dependencies) and lay out Triton 2.51 with the Python backend.
    Install {
        /// Folder receiving triton-2.51.0/ (default: ~/.local/share/tritium/runtime).
        #[arg(long)]
        dest: Option<PathBuf>,
        /// Use this wheel file instead of downloading it.
        #[arg(long)]
        wheel: Option<PathBuf>,
        /// Python interpreter the backend stub must match (default: python3 on PATH).
        #[arg(long)]
        python: Option<String>,
        /// Reinstall over an existing runtime.
        #[arg(long)]
        force: bool,
        /// Do not apt-get install numpy when the stub's Python lacks it.
        #[arg(long)]
        no_fix: bool,
        /// Build the layout for another machine's Python (e.g. 3.12): no numpy check, no probe.
        #[arg(long, value_name = "X.Y")]
        target_python_version: Option<String>,
    },
    /// Print the runtime folder that would be used.
    Path {
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
}

#[derive(Debug, Args)]
struct ModelsArgs {
    #[command(flatten)]
    runtime: RuntimeArgs,
    /// The model repository (read-only to tritium).
    #[arg(long, short = 'r', value_name = "DIR")]
    model_repository: PathBuf,
    /// Models to load and describe (default: list the repository only).
    #[arg(long, short = 'm', value_delimiter = ',')]
    load: Vec<String>,
    /// Also run one inference with zero-filled inputs on each loaded model (fixed-shape
    /// FP32/INT models) and check its outputs against the model's metadata.
    #[arg(long)]
    infer: bool,
    /// Give up on an inference that has not completed after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = parse_infer_timeout)]
    infer_timeout: f64,
}

fn parse_infer_timeout(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!("{s} is not a number of seconds in (0, 86400]")),
    }
}

/// The error for a model that failed to load: bad input (exit 2) when the
/// repository has no such model, a failure (exit 1) otherwise.
pub(crate) fn load_error(server: &tritium_triton::Server, model: &str, repo: &std::path::Path, e: tritium_triton::Error) -> anyhow::Error {
    let known: Vec<String> = server.model_index(false).map(|v| v.into_iter().map(|m| m.name).collect()).unwrap_or_default();
    if !known.is_empty() && !known.iter().any(|m| m == model) {
        return exit::bad_input(format!("model '{model}' is not in the repository {} (it holds: {})", repo.display(), known.join(", ")));
    }
    anyhow::Error::new(e).context(format!("loading model '{model}'"))
}

/// Entry point: parses the arguments, runs the command, prints errors; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // A perf_analyzer flag `bench` refuses: say why and what to use instead.
            if e.kind() == clap::error::ErrorKind::UnknownArgument && std::env::args().nth(1).as_deref() == Some("bench") {
                if let Some(note) = e.get(clap::error::ContextKind::InvalidArg).and_then(|a| pa_compat::refusal_note(&a.to_string())) {
                    eprintln!("{note}");
                }
            }
            return e.exit_code();
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::code_of(&e)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Doctor(a) => {
            a.runtime.apply_log_level();
            let report = tritium_bench::doctor::run(a.runtime.triton_install_path.as_deref());
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
            Ok(if report.ok() { 0 } else { 2 })
        }
        Command::Runtime(RuntimeCommand::Install { dest, wheel, python, force, no_fix, target_python_version }) => {
            let for_elsewhere = target_python_version.is_some();
            let opts = InstallOptions { dest, wheel, python, force, no_fix, target_python_version };
            let rt = runtime::install::install(&opts, |line| eprintln!("[install] {line}")).context("installing the Triton runtime")?;
            if for_elsewhere {
                println!("laid out {} for another machine (not probed here)", rt.root.display());
                return Ok(0);
            }
            eprintln!("[install] checking that it serves a Python model...");
            let smoke = tritium_bench::doctor::smoke_test(&rt).context("the installed runtime failed its probe; run `tritium doctor` for details")?;
            println!("Triton {} ready at {} ({})", smoke.triton_version, rt.root.display(), smoke.stub_environment);
            Ok(0)
        }
        Command::Runtime(RuntimeCommand::Path { runtime: r }) => {
            let rt = runtime::locate(r.triton_install_path.as_deref())?;
            println!("{}", rt.root.display());
            Ok(0)
        }
        Command::Models(a) => models(a),
        Command::Bench(a) => bench::run(a),
        Command::Profile(a) => profile::run(a),
        Command::Report(a) => report::run(a),
        Command::Merge(a) => merge::run(a),
    }
}

impl RuntimeArgs {
    /// Sets Triton's process-global log level before any server starts.
    pub fn apply_log_level(&self) {
        tritium_triton::set_default_log_level(self.triton_log);
    }

    /// Locates the runtime and starts a server on `repo`.
    pub fn start(&self, repo: &std::path::Path) -> anyhow::Result<tritium_triton::Server> {
        self.apply_log_level();
        let rt = runtime::locate(self.triton_install_path.as_deref())?;
        let opts = rt.server_options(repo);
        rt.start_server(&opts).with_context(|| format!("starting the embedded Triton server on {}", repo.display()))
    }
}

fn models(a: ModelsArgs) -> anyhow::Result<i32> {
    if !a.model_repository.is_dir() {
        return Err(exit::bad_input(format!("--model-repository {}: not a directory", a.model_repository.display())));
    }
    let server = a.runtime.start(&a.model_repository)?;
    println!("{:<32} {:<8} {:<12} reason", "model", "version", "state");
    for m in server.model_index(false)? {
        println!("{:<32} {:<8} {:<12} {}", m.name, m.version.as_deref().unwrap_or("-"), m.state.as_deref().unwrap_or("-"), m.reason.as_deref().unwrap_or(""));
    }
    let mut failures = 0;
    for name in &a.load {
        if let Err(e) = server.load_model(name) {
            eprintln!("model '{name}': {:#}", load_error(&server, name, &a.model_repository, e));
            failures += 1;
            continue;
        }
        let meta = server.model_metadata(name, -1)?;
        let cfg = server.model_config(name, -1)?;
        println!("\n== {name} (platform {}, backend {}, max_batch_size {}, {} instance(s))", meta.platform, cfg.backend, cfg.max_batch_size, cfg.instance_count());
        for t in &meta.inputs {
            println!("   input  {:<16} {:<6} {:?}", t.name, t.datatype, t.shape);
        }
        for t in &meta.outputs {
            println!("   output {:<16} {:<6} {:?}", t.name, t.datatype, t.shape);
        }
        if a.infer {
            if let Err(e) = infer_once(&server, name, &meta, cfg.max_batch_size, Duration::from_secs_f64(a.infer_timeout)) {
                eprintln!("model '{name}': {e:#}");
                failures += 1;
            }
        }
        let stats = server.model_statistics(name, -1)?;
        if let Some(s) = stats.model_stats.first() {
            println!("   statistics: {} inferences, {} executions, {} successes", s.inference_count, s.execution_count, s.inference_stats.success.count);
        }
    }
    Ok(if failures > 0 { exit::FAILED } else { exit::SUCCESS })
}

/// One probe inference (see [`tritium_bench::probe`]), its outputs printed.
fn infer_once(server: &tritium_triton::Server, name: &str, meta: &tritium_model::ModelMetadata, max_batch_size: u32, timeout: Duration) -> anyhow::Result<()> {
    let p = tritium_bench::probe::infer_once(server, name, meta, max_batch_size, timeout)?;
    for o in p.response.outputs()? {
        println!("   result {:<16} {:<6} {:?} {} bytes ({:?})", o.name, o.datatype, o.shape, o.byte_size(), o.memory);
    }
    println!("   one inference took {:.3} ms", p.took.as_secs_f64() * 1e3);
    match p.check {
        Ok(()) => {
            println!("   outputs match the model's metadata");
            Ok(())
        }
        Err(m) => bail!("OUTPUT MISMATCH: {m} (Triton does not check what a backend returns)"),
    }
}
