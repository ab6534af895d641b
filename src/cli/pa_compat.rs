//! perf_analyzer's flags → `tritium bench`: one row per flag, each
//! **applied** (perf_analyzer's meaning), **refused** (clap does not accept
//! it; the error names the reason and what to use instead, before any
//! server starts) or a tritium **extension**. `docs/compat_perf_analyzer.md`
//! is generated from [`FLAGS`] ([`markdown`]); the tests prove that every
//! applied row parses with bench's clap definition, that every long flag of
//! `bench` has a row, that every refused flag is refused, and that the doc
//! is the generated text.

/// What `tritium bench` does with one flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// perf_analyzer's flag with its meaning (the text says how, and names any limit).
    Applied(&'static str),
    /// perf_analyzer's flag, not accepted: why, and what to use instead.
    Refused {
        /// Why.
        reason: &'static str,
        /// What to use instead.
        instead: &'static str,
    },
    /// tritium's own flag (no perf_analyzer counterpart, or a different meaning).
    Extension(&'static str),
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// The flag as the doc shows it (perf_analyzer's spelling).
    pub shown: &'static str,
    /// Every spelling the row covers (`-b`, `--batch-size`).
    pub names: &'static [&'static str],
    /// Arguments that exercise the row (`{file}`: a file holding `1000`).
    pub example: &'static [&'static str],
    /// What tritium does with it.
    pub status: Status,
}

const fn a(shown: &'static str, names: &'static [&'static str], example: &'static [&'static str], what: &'static str) -> Flag {
    Flag { shown, names, example, status: Status::Applied(what) }
}

const fn x(shown: &'static str, names: &'static [&'static str], example: &'static [&'static str], what: &'static str) -> Flag {
    Flag { shown, names, example, status: Status::Extension(what) }
}

const fn r(shown: &'static str, names: &'static [&'static str], example: &'static [&'static str], reason: &'static str, instead: &'static str) -> Flag {
    Flag { shown, names, example, status: Status::Refused { reason, instead } }
}

const IN_PROCESS: &str = "tritium drives Triton in-process through its C API: there is no network client";
const NO_SEQUENCES: &str = "sequence (stateful) models are not supported by tritium's load generator";
const DEPRECATED: &str = "a deprecated perf_analyzer flag";

/// The table, in the doc's order.
pub const FLAGS: &[Flag] = &[
    a("-m/--model-name NAME", &["-m", "--model-name"], &["-m", "m"], "model name"),
    a("-x/--model-version N", &["-x", "--model-version"], &["-x", "1"], "model version (default: latest)"),
    a("-b/--batch-size N", &["-b", "--batch-size"], &["-b", "4"], "batch size of each request"),
    a("--model-repository DIR", &["--model-repository"], &["--model-repository", "r"], "the repository the embedded server serves (perf_analyzer's C API mode; required)"),
    a("--concurrency-range S:E:STEP", &["--concurrency-range"], &["--concurrency-range", "1:8:2"], "closed loop; also a comma list `1,4,16` (extension)"),
    a("--request-rate-range S:E:STEP", &["--request-rate-range"], &["--request-rate-range", "100:400:100"], "open loop, latency from the schedule (coordinated-omission-correct); also a comma list"),
    a("--request-distribution constant|poisson", &["--request-distribution"], &["--request-distribution", "poisson", "--request-rate-range", "100"], "evenly spaced sends, or exponential gaps (seeded by `--seed`)"),
    a("--request-intervals FILE", &["--request-intervals"], &["--request-intervals", "{file}"], "open loop on the file's gaps (µs, one per line, cycled; send k is due after the first k+1 gaps, dealt to the workers in turn), latency from the schedule; one level, reported at the file's mean rate; refused with `--concurrency-range`, `--request-rate-range` or `--request-distribution`, as perf_analyzer does"),
    a("--max-threads N", &["--max-threads"], &["--max-threads", "2"], "load-generator worker threads"),
    a("--input-data random|zero|FILE.json|DIR", &["--input-data"], &["--input-data", "{file}"], "repeatable: several JSON files' data are merged (the files' steps one after the other, within one input budget). A directory: one file per input, named after it, a batch-1 request's raw row-major little-endian bytes (`BYTES`: one string per line), fixed shapes only (or `--shape`), given alone; `random`/`zero` are given alone"),
    a("--shape NAME:d1,d2", &["--shape"], &["--shape", "IN:4"], "repeatable"),
    a("--string-length N", &["--string-length"], &["--string-length", "16"], "length of random `BYTES` elements"),
    a("--string-data S", &["--string-data"], &["--string-data", "abc"], "every `BYTES` element"),
    a("-p/--measurement-interval MS", &["-p", "--measurement-interval"], &["-p", "2000"], "default 5000 under `--measurement-rule perf-analyzer`, 1000 under the adaptive rule"),
    a("--measurement-mode time_windows|count_windows", &["--measurement-mode"], &["--measurement-mode", "count_windows"], "the hyphenated `time-windows`/`count-windows` too"),
    a("--measurement-request-count N", &["--measurement-request-count"], &["--measurement-request-count", "100"], "requests per count window"),
    a("-s/--stability-percentage PCT", &["-s", "--stability-percentage"], &["-s", "5"], "spread allowed between the last 3 windows"),
    a("-r/--max-trials N", &["-r", "--max-trials"], &["-r", "7"], "default 10 (perf-analyzer rule) or 20 (adaptive)"),
    a("--percentile P", &["--percentile"], &["--percentile", "99"], "stability and reports on pP instead of the average"),
    a("-l/--latency-threshold MS", &["-l", "--latency-threshold"], &["-l", "50"], "linear sweep: stops after the first level whose latency (`--percentile` P, else the average) is at or over MS; `0` = no limit. With `--percentile`, only 50/90/95/99 (the percentiles a point carries)"),
    a("--binary-search", &["--binary-search"], &["--binary-search", "-l", "50", "--concurrency-range", "1:16"], "needs `-l` and a range; searches the range's levels for the largest with a stable latency under `-l` (start, end, then halving; the step is the precision), printed under the table and in `--json` `settings.latency_threshold.best`. Deviation: the search runs over the range's grid (at most 10000 levels), so an `end` off the step's grid is not itself measured"),
    a("--request-parameter NAME:VALUE:TYPE", &["--request-parameter"], &["--request-parameter", "max_tokens:16:int"], "repeatable; set on every request through `TRITONSERVER_InferenceRequestSet{String,Int,Bool}Parameter` (perf_analyzer: gRPC only). TYPE `string`, `int` (64-bit) or `bool` (`true`/`false`; perf_analyzer reads anything else as false, tritium refuses it); a string VALUE may contain `:`"),
    a("--warmup-request-count N", &["--warmup-request-count"], &["--warmup-request-count", "20"], "each load level's warm-up lasts until N requests completed (and at least `--warmup` ms, default 1000, an extension; `--warmup 0` for perf_analyzer's warm-up alone); refused with `--request-count` (no warm-up there)"),
    a("--request-count N", &["--request-count"], &["--request-count", "100"], "deterministic: exactly N requests per level, no warm-up, no windows"),
    a("-f/--latency-report-file FILE.csv", &["-f", "--latency-report-file"], &["-f", "out.csv"], "perf_analyzer's columns, then the 95 % interval columns"),
    a("-v/--verbose", &["-v", "--verbose"], &["-v"], "a line per measurement window, also on a terminal (without `-v` a spinner shows the latest)"),
    a("--version", &["--version"], &[], "tritium's version and the perf_analyzer release whose flags it follows (Triton 2.51.0 / 24.10)"),
    x("--max-in-flight N", &["--max-in-flight"], &["--max-in-flight", "64"], "request-rate mode: prepared requests, the most in flight at once"),
    x("--memory, --input-memory, --output-memory", &["--memory", "--input-memory", "--output-memory"], &["--memory", "pinned"], "`system|pinned|cuda[:N]` placement of input and output buffers (perf_analyzer's `--shared-memory` is refused, below)"),
    x("--measurement-rule adaptive|perf-analyzer", &["--measurement-rule"], &["--measurement-rule", "perf-analyzer"], "when a load point ends; `perf-analyzer` is perf_analyzer's rule"),
    x("--ci-target PCT", &["--ci-target"], &["--ci-target", "5"], "adaptive rule: the 95 % intervals' target half-width"),
    x("--warmup MS", &["--warmup"], &["--warmup", "0"], "time warm-up before each level's first window"),
    x("--seed N", &["--seed"], &["--seed", "3"], "seed of random inputs and Poisson schedules"),
    x("--json FILE", &["--json"], &["--json", "out.json"], "every number, versioned schema (perf_analyzer's `--profile-export-file` is refused, below)"),
    x("--trace FILE.json, --trace-rate N, --trace-buffer N, --trace-cuda-copies", &["--trace", "--trace-rate", "--trace-buffer", "--trace-cuda-copies"], &["--trace", "t.json", "--trace-rate", "10"], "per-request timelines from Triton's trace API as a Chrome trace-event file, and a phase table"),
    x("--request-count-timeout SECONDS", &["--request-count-timeout"], &["--request-count-timeout", "30", "--request-count", "10"], "deadline of a deterministic level"),
    x("--validate", &["--validate"], &["--validate"], "check every response against the model's declared outputs"),
    x("--repeat N", &["--repeat"], &["--repeat", "2"], "run the levels N times and report the between-run spread"),
    x("--triton-install-path DIR", &["--triton-install-path"], &["--triton-install-path", "/opt/tritonserver"], "the Triton install (perf_analyzer's `--triton-server-directory` is refused, below)"),
    x("--triton-log LEVEL", &["--triton-log"], &["--triton-log", "info"], "Triton's log level inside the embedded server"),
    r("-a/--async, --sync", &["-a", "--async", "--sync"], &["--async"], "tritium's load generator always issues asynchronously (completion callbacks), in-process", "drop the flag"),
    r("--streaming", &["--streaming"], &["--streaming"], "decoupled (streaming) models are not supported", "measure a non-decoupled model"),
    r("-i, -u, --service-kind, -H, --ssl-*, --grpc-compression-algorithm, --input-tensor-format, --output-tensor-format", &["-i", "-u", "--service-kind", "-H", "--ssl-grpc-use-ssl", "--ssl-https-verify-peer", "--grpc-compression-algorithm", "--input-tensor-format", "--output-tensor-format"], &["-i", "grpc"], IN_PROCESS, "drop the flag; the server runs inside tritium"),
    r("--triton-server-directory DIR", &["--triton-server-directory"], &["--triton-server-directory", "/opt/tritonserver"], "tritium's name for it differs", "--triton-install-path DIR"),
    r("--shared-memory none|system|cuda, --output-shared-memory-size", &["--shared-memory", "--output-shared-memory-size"], &["--shared-memory", "cuda"], "no shared-memory regions in-process: buffers are handed to Triton directly", "--input-memory/--output-memory system|pinned|cuda[:N]"),
    r("--sequence-length, --sequence-length-variation, --sequence-id-range, --start-sequence-id, --num-of-sequences, --serial-sequences", &["--sequence-length", "--sequence-length-variation", "--sequence-id-range", "--start-sequence-id", "--num-of-sequences", "--serial-sequences"], &["--sequence-length", "20"], NO_SEQUENCES, "perf_analyzer for sequence models"),
    r("--periodic-concurrency-range, --request-period", &["--periodic-concurrency-range", "--request-period"], &["--periodic-concurrency-range", "1:8:2"], "periodic concurrency is not implemented", "--concurrency-range S:E:STEP"),
    r("--profile-export-file FILE", &["--profile-export-file"], &["--profile-export-file", "p.json"], "tritium's JSON has its own schema", "--json FILE"),
    r("--collect-metrics, --metrics-url, --metrics-interval", &["--collect-metrics", "--metrics-url", "--metrics-interval"], &["--collect-metrics"], "tritium always samples GPU (NVML) and CPU figures itself, at 20 Hz", "drop the flag"),
    r("--verbose-csv", &["--verbose-csv"], &["--verbose-csv"], "`-f` always writes every column tritium has", "-f FILE.csv"),
    r("--trace-level, --trace-count, --log-frequency, --trace-file", &["--trace-level", "--trace-count", "--log-frequency", "--trace-file"], &["--trace-level", "TIMESTAMPS"], "tritium collects Triton's traces itself and joins them with its client records", "--trace FILE.json [--trace-rate N]"),
    r("--bls-composing-models", &["--bls-composing-models"], &["--bls-composing-models", "a,b"], "BLS composing models are not measured separately", "bench the composing models one by one"),
    r("--model-signature-name", &["--model-signature-name"], &["--model-signature-name", "s"], "TensorFlow Serving only", "drop the flag"),
    r("--enable-mpi", &["--enable-mpi"], &["--enable-mpi"], "multi-process runs are not supported", "one tritium bench per process"),
    r("-t, -c, -d, -z, --data-directory", &["-t", "-c", "-d", "-z", "--data-directory"], &["-t", "4"], DEPRECATED, "--concurrency-range, --input-data zero|DIR"),
];

/// The row of a refused perf_analyzer flag, for clap's "unexpected
/// argument" error (`arg` as clap reports it: `--async`, `-i`, `--x=v`).
pub fn refused(arg: &str) -> Option<&'static Flag> {
    let name = arg.split_once('=').map_or(arg, |(n, _)| n);
    FLAGS.iter().find(|f| matches!(f.status, Status::Refused { .. }) && f.names.contains(&name))
}

/// The line `tritium bench` adds under clap's error for a refused flag.
pub fn refusal_note(arg: &str) -> Option<String> {
    let f = refused(arg)?;
    let Status::Refused { reason, instead } = f.status else { return None };
    Some(format!("note: {} is perf_analyzer's, refused by tritium bench: {reason}; use instead: {instead} (docs/compat_perf_analyzer.md)", arg.split_once('=').map_or(arg, |(n, _)| n)))
}

/// `docs/compat_perf_analyzer.md` (written by the doc test under `TRITIUM_BLESS=1`).
#[cfg(test)]
pub fn markdown() -> String {
    let mut o = String::new();
    o.push_str("# perf_analyzer flag → `tritium bench`\n\n");
    o.push_str("<!-- Generated from src/cli/pa_compat.rs; do not edit. Regenerate with\n     TRITIUM_BLESS=1 cargo test --bin tritium pa_compat -->\n\n");
    o.push_str("`tritium bench` takes perf_analyzer's flags (Triton 2.51.0 / release 24.10; `tritium bench --version`\n");
    o.push_str("says so) with perf_analyzer's meaning. Each flag is **applied**, **refused** (clap stops before any\n");
    o.push_str("server starts, exit 2, and a note names the reason and what to use instead) or an **extension** of\n");
    o.push_str("tritium's. Any other flag is refused by clap as an unknown argument (exit 2): never silently ignored.\n");
    o.push_str("Model Analyzer's YAML keys: [compat_model_analyzer.md](compat_model_analyzer.md).\n\n");
    o.push_str("| flag | status | in tritium |\n|---|---|---|\n");
    for f in FLAGS {
        let (status, what) = match f.status {
            Status::Applied(w) => ("applied", w.to_string()),
            Status::Extension(w) => ("extension", w.to_string()),
            Status::Refused { reason, instead } => ("refused", format!("{reason}; use instead: {instead}")),
        };
        let shown = format!("`{}`", f.shown.replace(", ", "`, `"));
        o.push_str(&format!("| {} | {status} | {} |\n", shown.replace('|', "\\|"), what.replace('|', "\\|")));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::bench::BenchArgs;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        b: BenchArgs,
    }

    /// The required flags (unless the example gives them), then the example.
    fn args(example: &[&str], file: &str) -> Vec<String> {
        let mut v = vec!["t".to_string()];
        for (flag, value) in [("--model-repository", "r"), ("-m", "m")] {
            if example.first() != Some(&flag) {
                v.extend([flag.to_string(), value.to_string()]);
            }
        }
        v.extend(example.iter().map(|s| s.replace("{file}", file)));
        v
    }

    #[test]
    fn every_applied_flag_parses_and_configures_bench() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        std::fs::write(&file, "1000\n").unwrap();
        let file = file.display().to_string();
        for f in FLAGS.iter().filter(|f| !matches!(f.status, Status::Refused { .. })) {
            if f.example.is_empty() {
                continue; // --version: tested in bench's own tests (it exits)
            }
            let t = T::try_parse_from(args(f.example, &file)).unwrap_or_else(|e| panic!("{}: {e}", f.shown));
            t.b.to_config().unwrap_or_else(|e| panic!("{}: {e}", f.shown));
            // The example exercises the row: its first argument is one of the row's names.
            assert!(f.names.iter().any(|n| f.example[0] == *n), "{}: example {:?}", f.shown, f.example);
        }
    }

    #[test]
    fn every_long_flag_of_bench_has_a_row() {
        let cmd = T::command();
        let named: Vec<&str> = FLAGS.iter().filter(|f| !matches!(f.status, Status::Refused { .. })).flat_map(|f| f.names.iter().copied()).collect();
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(named.contains(&format!("--{long}").as_str()), "--{long} of `tritium bench` has no row in pa_compat::FLAGS");
            }
            if let Some(short) = arg.get_short() {
                assert!(named.contains(&format!("-{short}").as_str()), "-{short} of `tritium bench` has no row in pa_compat::FLAGS");
            }
        }
        // And no row names a flag bench does not have.
        for n in named {
            let found = cmd.get_arguments().any(|a| a.get_long().is_some_and(|l| n == format!("--{l}")) || a.get_short().is_some_and(|s| n == format!("-{s}")));
            assert!(found, "{n} has a row but is not a flag of `tritium bench`");
        }
    }

    #[test]
    fn every_refused_flag_is_refused_with_its_reason() {
        for f in FLAGS.iter().filter(|f| matches!(f.status, Status::Refused { .. })) {
            for n in f.names {
                let mut ex = vec![*n];
                ex.extend(f.example.iter().skip(1));
                let e = T::try_parse_from(args(&ex, "x")).err().unwrap_or_else(|| panic!("{n} was accepted"));
                assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument, "{n}: {e}");
                let invalid = e.get(clap::error::ContextKind::InvalidArg).map(|v| v.to_string()).unwrap_or_default();
                let note = refusal_note(&invalid).unwrap_or_else(|| panic!("{n}: no note for {invalid:?}"));
                let Status::Refused { instead, .. } = f.status else { unreachable!() };
                assert!(note.contains(n) && note.contains(instead), "{note}");
            }
        }
        assert!(refusal_note("--no-such-flag").is_none());
        assert!(refusal_note("--shared-memory=cuda").is_some());
    }

    #[test]
    fn docs_table_is_generated_from_the_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/compat_perf_analyzer.md");
        let want = markdown();
        if std::env::var_os("TRITIUM_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "{} is stale: regenerate with TRITIUM_BLESS=1 cargo test --bin tritium pa_compat", path.display());
    }
}
