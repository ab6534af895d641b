//! `tritium bench`, `models` and their failure modes, through the CLI on a
//! real embedded Triton with the misbehaving fixtures of
//! `tests/failure_models/` (and `tests/models/fail_execute`): bad numbers and
//! outputs refused before the server starts, failures aggregated by kind,
//! exit codes that tell the truth, deadlines that end hung models, outputs
//! checked against the metadata, a dead Python stub named.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{repo_root, tritium_bin};
use tritium::bench::export::{self, BenchReport};

fn failure_models() -> PathBuf {
    repo_root().join("tests").join("failure_models")
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Ran {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `tritium args...`; kills it and fails the test if it is still running after `limit`.
fn tritium(args: &[&str], limit: Duration) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let t0 = Instant::now();
    let mut child = Command::new(tritium_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tritium {args:?} still ran after {limit:?}:\n{}", std::fs::read_to_string(&err).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = t0.elapsed();
    Ran { code: status.code(), stdout: std::fs::read_to_string(&out).unwrap(), stderr: std::fs::read_to_string(&err).unwrap(), took }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Whether Triton wrote a log line (`I1202 06:42:42.507363 ...`): then a server was started.
fn triton_logged(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        let b = l.as_bytes();
        b.len() > 5 && matches!(b[0], b'I' | b'W' | b'E') && b[1..5].iter().all(u8::is_ascii_digit)
    })
}

/// A `bench` on the failure fixtures with short windows; `extra` adds flags.
fn bench(model: &str, extra: &[&str], limit: Duration) -> Ran {
    let repo = failure_models();
    let mut args = vec!["bench", "--model-repository", s(&repo), "-m", model, "-p", "200", "--max-trials", "3", "--warmup", "100"];
    args.extend_from_slice(extra);
    tritium(&args, limit)
}

fn read(p: &Path) -> BenchReport {
    export::read_json(p).unwrap_or_else(|e| panic!("{e}"))
}

/// A bad flag or output: exit 2, a message naming it, and no server started
/// (Triton logs at info level as soon as it starts; none may appear).
fn assert_refused_early(extra: &[&str], want: &str) {
    let repo = failure_models();
    let mut args = vec!["bench", "--model-repository", s(&repo), "-m", "reject_all", "--triton-log", "info"];
    args.extend_from_slice(extra);
    let r = tritium(&args, Duration::from_secs(20));
    assert_eq!(r.code, Some(2), "{extra:?}: {}", r.all());
    assert!(r.stderr.contains(want), "{extra:?}: expected {want:?} in:\n{}", r.stderr);
    assert!(!triton_logged(&r.stderr), "{extra:?}: a server was started:\n{}", r.stderr);
    assert!(r.took < Duration::from_secs(5), "{extra:?} took {:?}", r.took);
}

#[test]
fn bad_numbers_are_refused_before_the_server_starts() {
    for (extra, want) in [
        (&["--concurrency-range", "10000000"][..], "16384"),
        (&["--concurrency-range", "4294967296"], "16384"),
        (&["--concurrency-range", "0.5"], "whole number"),
        (&["--concurrency-range", "0"], "concurrency 0"),
        (&["--concurrency-range", "1:16000"], "levels"),
        (&["--request-rate-range", "0"], "> 0"),
        (&["--request-rate-range", "nan"], "finite"),
        (&["--request-rate-range", "1e9"], "10000000"),
        (&["--request-rate-range", "100", "--max-in-flight", "100000"], "--max-in-flight"),
        (&["--percentile", "0"], "--percentile"),
        (&["--percentile", "1000"], "--percentile"),
        (&["--max-trials", "0"], "--max-trials"),
        (&["-p", "0"], "--measurement-interval"),
        (&["--max-threads", "0"], "--max-threads"),
        (&["--measurement-request-count", "0"], "--measurement-request-count"),
        (&["-s", "0"], "--stability-percentage"),
        (&["-s", "inf"], "--stability-percentage"),
        (&["--string-length", "100000000000"], "--string-length"),
        (&["--request-count", "2", "--request-count-timeout", "0"], "--request-count-timeout"),
        // 400 GB of input: refused, not an abort (was exit 134).
        (&["--shape", "IN:100000000000"], "IN:100000000000"),
    ] {
        assert_refused_early(extra, want);
    }
}

#[test]
fn unwritable_outputs_are_refused_before_the_server_starts() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/r.json");
    assert_refused_early(&["--json", s(&missing)], s(&missing));
    assert_refused_early(&["--json", s(dir.path())], "directory");
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let under_file = file.join("trace.json");
    assert_refused_early(&["--trace", s(&under_file)], s(&under_file));
    let fifo = dir.path().join("pipe.csv");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path in our temporary directory.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    assert_refused_early(&["-f", s(&fifo)], "FIFO");
    let same = dir.path().join("same");
    assert_refused_early(&["--json", s(&same), "-f", s(&same)], "same file");
    // Nothing was written or replaced.
    let mut names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["file", "pipe.csv"]);
}

#[test]
fn an_input_too_large_for_memory_is_bad_input_after_loading() {
    // 5·10^9 FP32 elements pass the flag check (at one byte each they would fit
    // tritium's 16 GiB cap) but the model's datatype makes them 20 GB: refused
    // with the input, shape and bytes, before anything is allocated.
    let repo = repo_root().join("tests").join("models");
    let r = tritium(&["bench", "--model-repository", s(&repo), "-m", "variable_dim", "--shape", "IN:5000000000", "-p", "200"], Duration::from_secs(60));
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(r.stderr.contains("`IN`") && r.stderr.contains("[5000000000]") && r.stderr.contains("20000000000 bytes"), "{}", r.stderr);
}

#[test]
fn every_request_failing_is_exit_1_with_one_failure_kind() {
    let dir = tempfile::tempdir().unwrap();
    for model in ["reject_all", "raise_all"] {
        let j = dir.path().join(format!("{model}.json"));
        let r = bench(model, &["--concurrency-range", "4", "--json", s(&j)], Duration::from_secs(60));
        assert_eq!(r.code, Some(1), "{model}: {}", r.all());
        assert!(r.stdout.contains("FAILED"), "{model}: {}", r.stdout);
        let report = read(&j);
        let p = &report.points[0];
        assert!(p.requests > 100, "{model}: {p:?}");
        assert_eq!(p.failures.len(), 1, "{model}: one kind for one cause: {:?}", p.failures);
        assert_eq!(p.failed_requests(), p.requests);
        assert_eq!(p.windows, 2, "{model}: two windows of nothing but failures end the level (not --max-trials of them)");
        assert_eq!(p.latency.avg(), None);
        assert!(p.error.is_some());
        let text = std::fs::read_to_string(&j).unwrap();
        assert!(text.len() < 20_000, "{model}: {} bytes of JSON", text.len());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(v["points"][0]["latency"]["p99_us"].is_null(), "{model}: {}", v["points"][0]["latency"]);
    }
    // Deterministic mode counts successes only: 50 failed requests are not "50 completed".
    let r = bench("reject_all", &["--request-count", "50"], Duration::from_secs(60));
    assert_eq!(r.code, Some(1), "{}", r.all());
}

#[test]
fn some_requests_failing_is_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mixed.json");
    // fail_execute rejects a negative first value: one request in three fails.
    std::fs::write(&data, r#"{"data": [{"IN": [1.0, 2.0, 3.0, 4.0]}, {"IN": [-1.0, 2.0, 3.0, 4.0]}, {"IN": [2.0, 2.0, 3.0, 4.0]}]}"#).unwrap();
    let j = dir.path().join("r.json");
    let repo = repo_root().join("tests").join("models");
    let r = tritium(
        &["bench", "--model-repository", s(&repo), "-m", "fail_execute", "--input-data", s(&data), "--concurrency-range", "3", "-p", "200", "--max-trials", "3", "--warmup", "100", "--json", s(&j)],
        Duration::from_secs(60),
    );
    assert_eq!(r.code, Some(3), "{}", r.all());
    let p = &read(&j).points[0];
    let (ok, failed) = (p.succeeded(), p.failed_requests());
    assert!(ok > 0 && failed > 0, "{p:?}");
    assert_eq!(p.failures.len(), 1, "{:?}", p.failures);
    assert!(p.failures.keys().next().unwrap().contains("negative input rejected"));
    assert!(r.stdout.contains(&format!("{failed} (")), "the table shows the failures: {}", r.stdout);
}

#[test]
fn a_hung_model_ends_deterministic_mode_by_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("r.json");
    let t0 = Instant::now();
    // hang sleeps an hour per request; the level ends 3 s in, then the server's exit timeout.
    let r = bench("hang", &["--request-count", "2", "--request-count-timeout", "3", "--json", s(&j)], Duration::from_secs(60));
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.all().contains("only 0 of 2 requests completed"), "{}", r.all());
    let p = &read(&j).points[0];
    assert_eq!(p.succeeded(), 0);
    assert!(p.error.as_deref().unwrap_or("").contains("deadline"), "{p:?}");
    assert!(t0.elapsed() < Duration::from_secs(45), "took {:?}", t0.elapsed());
}

#[test]
fn a_model_still_unloading_at_the_exit_timeout_does_not_abort_the_exit() {
    // slow_finalize answers at once but its finalize() sleeps an hour: the
    // server's stop ends by the exit timeout (5 s for bench) with the model
    // still unloading. Deleting the server then freed it under Triton's unload
    // thread ("double free or corruption", SIGABRT, exit 134, after the results
    // were written); now the run ends with its own exit code.
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("r.json");
    let r = bench("slow_finalize", &["--request-count", "50", "--json", s(&j)], Duration::from_secs(60));
    assert!(r.stderr.contains("Exit timeout expired"), "the stop must have timed out for this test to mean anything: {}", r.all());
    assert!(r.stderr.contains("its Python stub processes were ended"), "{}", r.stderr);
    assert!(!r.stderr.contains("double free"), "{}", r.stderr);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert_eq!(read(&j).points[0].succeeded(), 50);
    assert!(r.took < Duration::from_secs(45), "took {:?}", r.took);
}

#[test]
fn models_infer_gives_up_on_a_hang_and_flags_wrong_outputs() {
    let repo = failure_models();
    let t0 = Instant::now();
    let r = tritium(&["models", "-r", s(&repo), "--load", "hang,wrong_shape,wrong_dtype,die_after", "--infer", "--infer-timeout", "2"], Duration::from_secs(60));
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.stderr.contains("model 'hang': the inference did not complete within 2.0 s"), "{}", r.stderr);
    assert!(r.stderr.contains("model 'wrong_shape': OUTPUT MISMATCH: OUT has shape [2] but the model declares [4]"), "{}", r.stderr);
    assert!(r.stderr.contains("model 'wrong_dtype': OUTPUT MISMATCH: OUT is FP64 but the model declares FP32"), "{}", r.stderr);
    // A correct model passes the same check.
    assert!(r.stdout.contains("outputs match the model's metadata"), "{}", r.stdout);
    assert!(!r.stderr.contains("model 'die_after'"), "{}", r.stderr);
    assert!(t0.elapsed() < Duration::from_secs(45), "took {:?}", t0.elapsed());
}

#[test]
fn bench_validate_counts_wrong_outputs_as_failures() {
    let dir = tempfile::tempdir().unwrap();
    for (model, want) in [("wrong_shape", "output mismatch: OUT has shape [#] but the model declares [#]"), ("wrong_dtype", "output mismatch: OUT is FP64 but the model declares FP32")] {
        let j = dir.path().join(format!("{model}.json"));
        let r = bench(model, &["--validate", "--json", s(&j)], Duration::from_secs(60));
        assert_eq!(r.code, Some(1), "{model}: {}", r.all());
        let p = &read(&j).points[0];
        assert_eq!(p.succeeded(), 0, "{model}: {p:?}");
        assert_eq!(p.failures.keys().collect::<Vec<_>>(), [want], "{model}");
        if model == "wrong_shape" {
            assert!(p.failure_examples[want].contains("[2]") && p.failure_examples[want].contains("[4]"), "{:?}", p.failure_examples);
        }
    }
}

#[test]
fn a_dead_python_stub_is_named_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("r.json");
    // die_after's stub exits on its 200th execute call; two levels asked, the second is not measured.
    // A threshold no window meets keeps the first level going (20 windows of 200 ms) until the stub dies.
    let repo = failure_models();
    let r = tritium(
        &["bench", "--model-repository", s(&repo), "-m", "die_after", "--concurrency-range", "1,2", "-p", "200", "--max-trials", "20", "-s", "0.0001", "--warmup", "100", "--json", s(&j)],
        Duration::from_secs(60),
    );
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.all().contains("the Python stub of model die_after (pid "), "{}", r.all());
    let report = read(&j);
    assert_eq!(report.points.len(), 1, "the level after the death is not measured");
    let e = report.points[0].error.clone().unwrap_or_default();
    assert!(e.contains("die_after") && e.contains("exited during the measurement"), "{e}");
    assert!(r.stdout.contains("FAILED"), "{}", r.stdout);
}
