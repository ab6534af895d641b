//! `tritium bench`: perf_analyzer's measurement, in-process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;

use super::RuntimeArgs;
use crate::bench::export::{self, BenchReport};
use crate::bench::input_data::{InputSource, ShapeOverrides, StringOptions};
use crate::bench::loadgen::{Distribution, LoadMode};
use crate::bench::stats::WindowSample;
use crate::bench::{self, BenchConfig, Measurement, MeasurementMode, Observer};
use crate::triton::OutputMemory;

/// Flags of `tritium bench` (perf_analyzer's names where they mean the same).
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    /// Model repository (read-only to tritium).
    #[arg(long, value_name = "DIR")]
    pub model_repository: PathBuf,
    /// Model to measure.
    #[arg(short = 'm', long = "model-name")]
    pub model: String,
    /// Model version (default: latest).
    #[arg(short = 'x', long = "model-version")]
    pub version: Option<i64>,
    /// Batch size of each request.
    #[arg(short = 'b', long = "batch-size", default_value_t = 1)]
    pub batch_size: u32,
    /// Closed loop: start:end:step (step adds, as perf_analyzer's) or a list 1,4,16. Default 1.
    #[arg(long, value_name = "START[:END[:STEP]]")]
    pub concurrency_range: Option<String>,
    /// Open loop: requests per second, start:end:step or a list.
    #[arg(long, value_name = "START[:END[:STEP]]", conflicts_with = "concurrency_range")]
    pub request_rate_range: Option<String>,
    /// Request-rate schedule.
    #[arg(long, value_enum, default_value = "constant")]
    pub request_distribution: Distribution,
    /// Worker threads issuing requests and taking completions.
    #[arg(long)]
    pub max_threads: Option<usize>,
    /// Request-rate mode: prepared requests, i.e. the most in flight at once.
    #[arg(long, default_value_t = 1024)]
    pub max_in_flight: usize,
    /// Input values: random, zero, or a perf_analyzer input-data JSON file.
    #[arg(long, default_value = "random")]
    pub input_data: String,
    /// Shape of a variable input, NAME:d1,d2,... (repeatable; without the batch dimension).
    #[arg(long)]
    pub shape: Vec<String>,
    /// Length of random BYTES elements.
    #[arg(long, default_value_t = 128)]
    pub string_length: usize,
    /// Use this string for every BYTES element.
    #[arg(long)]
    pub string_data: Option<String>,
    /// Input and output memory: system, pinned, cuda or cuda:N.
    #[arg(long)]
    pub memory: Option<String>,
    /// Input memory (overrides --memory).
    #[arg(long)]
    pub input_memory: Option<String>,
    /// Output memory (overrides --memory).
    #[arg(long)]
    pub output_memory: Option<String>,
    /// Window length in ms (time windows; deadline unit of count windows).
    #[arg(short = 'p', long, default_value_t = 5000)]
    pub measurement_interval: u64,
    /// Requests per count window.
    #[arg(long, default_value_t = 50)]
    pub measurement_request_count: u64,
    /// time_windows or count_windows.
    #[arg(long, value_enum, default_value = "time-windows")]
    pub measurement_mode: MeasurementMode,
    /// Stability threshold in percent (last 3 windows).
    #[arg(short = 's', long, default_value_t = 10.0)]
    pub stability_percentage: f64,
    /// Windows to try before reporting an unstable measurement.
    #[arg(long, default_value_t = 10)]
    pub max_trials: u32,
    /// Use this latency percentile for stability instead of the average.
    #[arg(long)]
    pub percentile: Option<u32>,
    /// Warm-up before the first window, ms.
    #[arg(long, default_value_t = 1000)]
    pub warmup: u64,
    /// Seed for random inputs and Poisson schedules.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write every number as JSON (versioned schema).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a perf_analyzer-like CSV.
    #[arg(short = 'f', long = "latency-report-file", value_name = "FILE.csv")]
    pub csv: Option<PathBuf>,
    /// Trace requests with Triton's trace API and write their timelines as
    /// Chrome trace-event JSON (open in ui.perfetto.dev or chrome://tracing);
    /// also adds a per-phase latency table to the output.
    #[arg(long, value_name = "FILE.json")]
    pub trace: Option<PathBuf>,
    /// Trace one request in every N (1 = every request).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub trace_rate: u32,
    /// Timelines kept per load level (the newest; older ones are dropped and counted).
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub trace_buffer: u64,
    /// With --trace and CUDA memory: traced requests stage their inputs host→device
    /// before the issue and read GPU outputs back after completion, timed with
    /// CUDA events, so the timeline separates transfer time from model time.
    #[arg(long, requires = "trace")]
    pub trace_cuda_copies: bool,
    /// Deterministic mode: no warm-up and no windows, exactly N requests per load
    /// level (with fixed inputs: --input-data zero or a file, or random with --seed),
    /// e.g. under Nsight Compute. Stability is not evaluated.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_count: Option<u64>,
    /// Do not load the model (it must already be loaded; only useful from the library).
    #[arg(long, hide = true)]
    pub no_load: bool,
}

/// Parses "start[:end[:step]]" (step adds, as perf_analyzer's) or a comma list "1,4,16,64".
pub fn parse_range(s: &str, what: &str) -> anyhow::Result<Vec<f64>> {
    if s.contains(',') {
        let v = s.split(',').map(|p| p.trim().parse::<f64>().with_context(|| format!("{what} {s:?}: {p:?} is not a number"))).collect::<anyhow::Result<Vec<f64>>>()?;
        if v.iter().any(|x| *x <= 0.0) {
            bail!("{what} {s:?}: every level must be > 0");
        }
        return Ok(v);
    }
    let parts: Vec<&str> = s.split(':').collect();
    let num = |p: &str| p.trim().parse::<f64>().with_context(|| format!("{what} {s:?}: {p:?} is not a number"));
    let (start, end, step) = match parts.as_slice() {
        [a] => (num(a)?, num(a)?, 1.0),
        [a, b] => (num(a)?, num(b)?, 1.0),
        [a, b, c] => (num(a)?, num(b)?, num(c)?),
        _ => bail!("{what} {s:?}: expected start[:end[:step]]"),
    };
    if start <= 0.0 || end < start || step <= 0.0 {
        bail!("{what} {s:?}: need 0 < start <= end and step > 0");
    }
    let mut v = Vec::new();
    let mut x = start;
    while x <= end + 1e-9 {
        v.push(x);
        x += step;
        if v.len() > 10_000 {
            bail!("{what} {s:?}: more than 10000 levels");
        }
    }
    Ok(v)
}

/// Parses "system|pinned|cuda|cuda:N".
pub fn parse_memory(s: &str) -> anyhow::Result<OutputMemory> {
    Ok(match s {
        "system" | "cpu" => OutputMemory::System,
        "pinned" => OutputMemory::Pinned,
        "cuda" | "gpu" => OutputMemory::Cuda(0),
        other => match other.strip_prefix("cuda:") {
            Some(n) => OutputMemory::Cuda(n.parse().with_context(|| format!("memory {s:?}: bad device number"))?),
            None => bail!("memory {s:?}: expected system, pinned, cuda or cuda:N"),
        },
    })
}

impl BenchArgs {
    /// The engine configuration these flags describe.
    pub fn to_config(&self) -> anyhow::Result<BenchConfig> {
        let mut c = BenchConfig::new(&self.model);
        c.version = self.version.unwrap_or(-1);
        c.batch_size = self.batch_size;
        c.loads = match (&self.concurrency_range, &self.request_rate_range) {
            (_, Some(r)) => parse_range(r, "--request-rate-range")?.into_iter().map(|rate| LoadMode::RequestRate { rate, distribution: self.request_distribution }).collect(),
            (Some(r), None) => parse_range(r, "--concurrency-range")?.into_iter().map(|x| LoadMode::Concurrency(x as u32)).collect(),
            (None, None) => vec![LoadMode::Concurrency(1)],
        };
        c.threads = self.max_threads;
        c.max_in_flight = self.max_in_flight;
        c.input = match self.input_data.as_str() {
            "random" => InputSource::Random { seed: self.seed },
            "zero" => InputSource::Zero,
            path => {
                let p = PathBuf::from(path);
                if !p.exists() {
                    bail!("--input-data {path}: no such file (use random, zero or a perf_analyzer input-data JSON file)");
                }
                InputSource::File(p)
            }
        };
        c.shapes = ShapeOverrides::parse(&self.shape).map_err(|e| anyhow::anyhow!("--shape: {e}"))?;
        c.strings = StringOptions { length: self.string_length, data: self.string_data.clone() };
        let both = self.memory.as_deref().map(parse_memory).transpose()?.unwrap_or(OutputMemory::System);
        c.input_memory = self.input_memory.as_deref().map(parse_memory).transpose()?.unwrap_or(both);
        c.output_memory = self.output_memory.as_deref().map(parse_memory).transpose()?.unwrap_or(both);
        c.measurement = Measurement {
            mode: self.measurement_mode,
            interval_ms: self.measurement_interval,
            request_count: self.measurement_request_count,
            stability_pct: self.stability_percentage,
            max_trials: self.max_trials,
            percentile: self.percentile,
            warmup_ms: self.warmup,
        };
        c.seed = self.seed;
        c.request_count = self.request_count;
        c.trace_cuda_copies = self.trace_cuda_copies;
        if self.trace.is_some() {
            c.trace = Some(crate::trace::collect::TraceOptions { rate: self.trace_rate, capacity: self.trace_buffer as usize });
        }
        Ok(c)
    }
}

struct TermObserver {
    bar: Option<indicatif::ProgressBar>,
}

impl Observer for TermObserver {
    fn point_started(&self, label: &str) {
        match &self.bar {
            Some(b) => b.set_message(format!("{label}: warming up")),
            None => eprintln!("[bench] {label}"),
        }
    }
    fn window(&self, label: &str, index: u32, s: &WindowSample, stable: bool) {
        let msg = format!("{label}: window {index}: {:.1} infer/s, avg {:.0} µs, p99 {:.0} µs{}", s.throughput, s.avg_latency_us, s.p99_latency_us, if stable { " (stable)" } else { "" });
        match &self.bar {
            Some(b) => {
                b.set_message(msg);
                b.tick();
            }
            None => eprintln!("[bench] {msg}"),
        }
    }
    fn warn(&self, m: &str) {
        match &self.bar {
            Some(b) => b.println(format!("warning: {m}")),
            None => eprintln!("warning: {m}"),
        }
    }
}

/// Sets `flag` on the first Ctrl-C (from a tokio signal thread).
pub fn install_interrupt(flag: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new().name("tritium-signals".into()).spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("\ninterrupted: finishing the current window and writing partial results (Ctrl-C again to abort)");
                    flag.store(true, Ordering::SeqCst);
                    let _ = tokio::signal::ctrl_c().await;
                    std::process::exit(130);
                }
            });
        }
    });
}

fn fmt_us(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

/// "concurrency 4" / "rate 500/s": a load point's level, as the tables show it.
fn load_label(p: &export::LoadPoint) -> String {
    match (p.concurrency, p.request_rate) {
        (Some(c), _) => format!("concurrency {c}"),
        (_, Some(r)) => format!("rate {r}/s"),
        _ => "-".into(),
    }
}

/// The terminal table.
pub fn table(report: &BenchReport) -> String {
    let mut s = format!("model {} (Triton {}), {}\n", report.model, report.triton_version, report.machine);
    // Deterministic runs (--request-count) have one window: stability does not apply.
    let deterministic = report.settings.get("request_count").map(|v| !v.is_null()).unwrap_or(false);
    s += &format!(
        "{:<18} {:>11} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>7}\n",
        "load", "infer/s", "avg", "p50", "p90", "p99", "p99.9", "srv queue", "srv infer", "overhead", "gen CPU", "stable"
    );
    for p in &report.points {
        let load = load_label(p);
        let srv = p.server.as_ref();
        s += &format!(
            "{:<18} {:>11.1} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>7}\n",
            load,
            p.throughput,
            fmt_us(p.latency.avg_us),
            fmt_us(p.latency.p50_us),
            fmt_us(p.latency.p90_us),
            fmt_us(p.latency.p99_us),
            fmt_us(p.latency.p999_us),
            srv.map(|b| fmt_us(b.queue_us)).unwrap_or_default(),
            srv.map(|b| fmt_us(b.compute_infer_us)).unwrap_or_default(),
            p.client_overhead_us.map(fmt_us).unwrap_or_default(),
            p.loadgen_cpu_cores.map(|c| format!("{:.2}", c)).unwrap_or_default(),
            if deterministic {
                "n/a"
            } else if p.stable {
                "yes"
            } else {
                "NO"
            }
        );
    }
    s
}

fn write_outputs(a: &BenchArgs, report: &BenchReport) -> anyhow::Result<()> {
    if let Some(p) = &a.json {
        export::write_json(report, p).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &a.csv {
        export::write_csv(report, p).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &a.trace {
        let set = merged_trace(report);
        crate::trace::chrome::write_chrome(&set, p).with_context(|| format!("writing {}", p.display()))?;
        eprintln!(
            "wrote {} ({} request timelines; {} not sampled, {} dropped) — open it in https://ui.perfetto.dev",
            p.display(),
            set.timelines.len(),
            set.not_sampled,
            set.dropped_timelines
        );
    }
    Ok(())
}

/// Every load level's traced timelines and GPU counters in one set (levels run one after another).
pub fn merged_trace(report: &BenchReport) -> crate::trace::TraceSet {
    let mut set = crate::trace::TraceSet { model: report.model.clone(), ..Default::default() };
    for t in report.points.iter().filter_map(|p| p.trace.as_ref()) {
        set.timelines.extend(t.timelines.iter().cloned());
        set.counters.extend(t.counters.iter().cloned());
        set.dropped_timelines += t.dropped_timelines;
        set.dropped_events += t.dropped_events;
        set.not_sampled += t.not_sampled;
    }
    set
}

/// Runs `tritium bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<i32> {
    let cfg = a.to_config()?;
    let server = a.runtime.start(&a.model_repository)?;
    if !a.no_load {
        server.load_model(&a.model).with_context(|| format!("loading model '{}'", a.model))?;
    }
    let interrupt = Arc::new(AtomicBool::new(false));
    install_interrupt(interrupt.clone());
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(Duration::from_millis(200));
        Some(b)
    } else {
        None
    };
    let obs = TermObserver { bar };
    let report = bench::run(&server, &cfg, &interrupt, &obs);
    if let Some(b) = &obs.bar {
        b.finish_and_clear();
    }
    let report = report?;
    print!("{}", table(&report));
    for p in &report.points {
        if let Some(ph) = &p.phases {
            print!("\nphases of traced requests, {}:\n{}", load_label(p), ph.render());
        }
    }
    write_outputs(&a, &report)?;
    if interrupt.load(Ordering::SeqCst) {
        return Ok(130);
    }
    if let Some(n) = a.request_count {
        // Deterministic runs have no stability to judge: success = every request completed.
        return Ok(if report.points.iter().all(|p| p.requests >= n) { 0 } else { 3 });
    }
    Ok(if report.points.iter().all(|p| p.stable) { 0 } else { 3 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("1:4", "x").unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(parse_range("1:64:16", "x").unwrap(), vec![1.0, 17.0, 33.0, 49.0]);
        assert_eq!(parse_range("8", "x").unwrap(), vec![8.0]);
        assert!(parse_range("4:1", "x").is_err());
        assert!(parse_range("a:2", "x").unwrap_err().to_string().contains("not a number"));
        assert!(parse_range("1:2:3:4", "x").is_err());
        assert_eq!(parse_range("1,4,16,64", "x").unwrap(), vec![1.0, 4.0, 16.0, 64.0]);
        assert!(parse_range("1,0", "x").is_err());
    }

    #[test]
    fn memories() {
        assert_eq!(parse_memory("system").unwrap(), OutputMemory::System);
        assert_eq!(parse_memory("cuda:1").unwrap(), OutputMemory::Cuda(1));
        assert!(parse_memory("hbm").is_err());
    }
}
