//! The measurement engine, whatever the target: warm-up, windows until the
//! stop rule is met (perf_analyzer's stability rule, plus the intervals'
//! target under the adaptive rule; see [`super::StopRule`]) or the trials
//! run out (the point is then unstable or noisy), the target hangs, fails
//! every request or breaks; draining, and the load point with its warnings.
//! The Triton path ([`super::measure_point`]) and the simulator
//! ([`super::sim`]) both run a load level through [`measure`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::export::LoadPoint;
use super::loadgen::{self, LoadGen, LoadMode};
use super::point::{combine, point_start, precision, window_sample, Window};
use super::resources::Sampler;
use super::stats::{self, WindowSample};
use super::target::{Probe, Target};
use super::{limits, BenchConfig, MeasurementMode, Observer, StopRule};
use tritium_triton::error::{Error, Result};
use crate::trace::collect::Collector;
use crate::trace::TraceSet;

/// How much longer than `warmup_ms` the warm-up waits for the model's first
/// response before the windows start (a model silent past it is left to the
/// empty-window hang rule).
pub const FIRST_RESPONSE_WAIT: Duration = Duration::from_secs(2);

/// A load level ready to run: the target, its prepared requests and what
/// watches it. Built by the caller of [`measure`] once the number of
/// requests and worker threads is known.
pub(crate) struct Setup<'a, T: Target> {
    /// What the requests are issued to.
    pub(crate) target: Arc<T>,
    /// The prepared requests (as many as [`measure`] asked for).
    pub(crate) requests: Vec<T::Request>,
    /// The target's server side (statistics, health).
    pub(crate) probe: Box<dyn Probe + 'a>,
    /// Per-request timelines, when tracing (Triton only).
    pub(crate) tracer: Option<Arc<Collector>>,
    /// When the level's setup began (the trace's GPU counters count from here).
    pub(crate) started: Instant,
}

/// How a load level ended, beyond its numbers.
pub(crate) struct PointEnd {
    /// A watched Python stub died (the probe said the target is broken):
    /// later levels are pointless.
    pub(crate) stub_exited: bool,
    /// Warnings already shown to the observer while measuring.
    pub(crate) shown: Vec<String>,
    /// The traced timelines, when tracing.
    pub(crate) trace: Option<TraceSet>,
}

/// Passes everything on to an observer and remembers the warnings it showed.
struct Recording<'a> {
    inner: &'a dyn Observer,
    shown: std::cell::RefCell<Vec<String>>,
}

impl Observer for Recording<'_> {
    fn point_started(&self, label: &str) {
        self.inner.point_started(label)
    }
    fn window(&self, label: &str, index: u32, sample: &WindowSample, stable: bool) {
        self.inner.window(label, index, sample, stable)
    }
    fn warn(&self, message: &str) {
        self.shown.borrow_mut().push(message.to_string());
        self.inner.warn(message)
    }
}

/// The name of a load level in messages: "concurrency 4", "request rate 100/s (Poisson)".
pub(crate) fn label(load: &LoadMode) -> String {
    match load {
        LoadMode::Concurrency(c) => format!("concurrency {c}"),
        LoadMode::RequestRate { rate, distribution: loadgen::Distribution::Custom(iv) } => format!("request intervals ({} gaps, mean {rate:.1}/s)", iv.gaps_ns().len()),
        LoadMode::RequestRate { rate, distribution } => format!("request rate {rate}/s ({distribution:?})"),
    }
}

/// Prepared requests and worker threads for `load`, after refusing settings
/// no measurement can run with.
fn plan(cfg: &BenchConfig, load: LoadMode) -> Result<(usize, usize)> {
    let (n_requests, threads) = match load {
        LoadMode::Concurrency(c) => (c.max(1) as usize, cfg.threads.unwrap_or_else(|| (c as usize).clamp(1, 4))),
        LoadMode::RequestRate { rate, .. } => {
            limits::check_request_rate(rate, "request rate").map_err(Error::InvalidArgument)?;
            (cfg.max_in_flight.max(1), cfg.threads.unwrap_or(2))
        }
    };
    if let LoadMode::Concurrency(c) = load {
        limits::check_concurrency(u64::from(c), "concurrency").map_err(Error::InvalidArgument)?;
    }
    if n_requests > limits::MAX_IN_FLIGHT.max(limits::MAX_CONCURRENCY as usize) {
        return Err(Error::InvalidArgument(format!("{n_requests} prepared requests is above tritium's limit of {}", limits::MAX_IN_FLIGHT)));
    }
    if threads == 0 || threads > limits::MAX_THREADS {
        return Err(Error::InvalidArgument(format!("{threads} worker threads: must be 1..={}", limits::MAX_THREADS)));
    }
    cfg.measurement.check()?;
    if let Some(t) = cfg.request_count_timeout {
        if t.is_zero() || t.as_secs_f64() > limits::MAX_REQUEST_COUNT_TIMEOUT_S {
            return Err(Error::InvalidArgument(format!("request-count timeout {t:?}: must be > 0 and at most {} s", limits::MAX_REQUEST_COUNT_TIMEOUT_S)));
        }
    }
    Ok((n_requests, threads))
}

/// Measures one load level: `setup(n, threads)` prepares `n` requests for
/// the target once the settings are checked.
pub(crate) fn measure<'a, T: Target>(
    cfg: &BenchConfig,
    load: LoadMode,
    sampler: &Sampler,
    interrupt: &AtomicBool,
    obs: &dyn Observer,
    setup: impl FnOnce(usize, usize) -> Result<Setup<'a, T>>,
) -> Result<(LoadPoint, PointEnd)> {
    let obs = Recording { inner: obs, shown: Default::default() };
    let lbl = label(&load);
    obs.point_started(&lbl);
    let (n_requests, threads) = plan(cfg, load)?;
    let Setup { target, requests, probe, tracer, started } = setup(n_requests, threads)?;
    let m = &cfg.measurement;
    let interval = Duration::from_millis(m.interval_ms.max(1));
    // Sub-windows (the batches of the confidence intervals): a fixed length,
    // so count windows and deterministic runs get them too (up to the cap).
    let sub_len = interval / loadgen::SUBWINDOWS;
    // The point's own time anatomy: warm-up from the launch of the load to
    // the close of window 0, then the span of the measurement windows.
    let launched = Instant::now();
    let gen = LoadGen::launch(target, requests, load, threads, cfg.seed, tracer.clone(), cfg.request_count);
    let mut warnings: Vec<String> = Vec::new();

    // Warm-up: window 0 is thrown away. Deterministic mode has none: window 0
    // is the measurement (every one of its N requests counts).
    let deterministic = cfg.request_count.is_some();
    // Count windows and deterministic runs keep perf_analyzer's rule.
    let adaptive = !deterministic && m.effective_rule() == StopRule::Adaptive;
    if !deterministic {
        let warm_end = Instant::now() + Duration::from_millis(m.warmup_ms);
        while Instant::now() < warm_end && !interrupt.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        // ...and until the model has answered once (at most FIRST_RESPONSE_WAIT more): a cold
        // instance's first execution (a fresh Python stub, a loaded 2-core machine) is slow, not
        // hung, and must not leave the first windows empty.
        let first_deadline = warm_end + FIRST_RESPONSE_WAIT;
        while gen.completed() == 0 && Instant::now() < first_deadline && !interrupt.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        // --warmup-request-count: N requests completed before the first window
        // (guarded by the deterministic deadline so a hung model cannot stall it).
        if cfg.warmup_requests > 0 {
            let give_up = launched + cfg.deterministic_deadline();
            while gen.completed() < cfg.warmup_requests && Instant::now() < give_up && !interrupt.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
            }
            if gen.completed() < cfg.warmup_requests && !interrupt.load(Ordering::Relaxed) {
                let msg = format!("{lbl}: only {} of {} warm-up requests completed within {:.0} s (--warmup-request-count); measuring anyway", gen.completed(), cfg.warmup_requests, cfg.deterministic_deadline().as_secs_f64());
                obs.warn(&msg);
                warnings.push(msg);
            }
        }
        let _ = gen.close_window(0, Duration::from_secs(5));
    }
    // A deterministic run's one window begins with the load: no warm-up.
    let windows_started = if deterministic { launched } else { Instant::now() };
    let warmup = windows_started - launched;

    let mut windows: Vec<Window> = Vec::new();
    let mut samples: Vec<WindowSample> = Vec::new();
    let mut stable = false;
    // The stop rule is met: `stable`, and under the adaptive rule the intervals too.
    let mut done = false;
    let mut empty_streak = 0;
    let mut failed_streak = 0;
    let mut stub_exited: Option<String> = None;
    let mut last_stub_check = Instant::now();
    let mut k = if deterministic { 0u64 } else { 1 };
    let mut prev_stats = probe.statistics();
    let mut prev_cpu = loadgen::threads_cpu_seconds(&gen.tids.lock().map(|t| t.clone()).unwrap_or_default());
    while (windows.len() as u32) < m.max_trials.max(1) {
        let _nvtx_window = tritium_triton::gpu::nvtx::Range::start(&format!("tritium {lbl} window {k}"));
        let start = Instant::now();
        let start_count = gen.completed();
        let deadline = match (cfg.request_count, m.mode) {
            // Deterministic: one window holding all N requests; the deadline guards a hang.
            (Some(_), _) => start + cfg.deterministic_deadline(),
            (None, MeasurementMode::TimeWindows) => start + interval,
            // A count window also ends at a deadline, so a hung model cannot stall it.
            (None, MeasurementMode::CountWindows) => start + interval.max(Duration::from_secs(1)) * 10,
        };
        let mut sub_starts = vec![start];
        loop {
            if interrupt.load(Ordering::Relaxed) || Instant::now() >= deadline {
                break;
            }
            let j = sub_starts.len();
            if j < loadgen::MAX_SUBWINDOWS && Instant::now() >= start + sub_len * j as u32 {
                gen.begin_subwindow(k, j);
                sub_starts.push(Instant::now());
            }
            if last_stub_check.elapsed() >= Duration::from_millis(50) {
                last_stub_check = Instant::now();
                stub_exited = probe.broken();
                if stub_exited.is_some() {
                    break;
                }
            }
            if let Some(n) = cfg.request_count {
                if gen.recorded() >= n {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
            if m.mode == MeasurementMode::CountWindows && gen.completed() - start_count >= m.request_count && start.elapsed() >= interval.min(Duration::from_millis(100)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let (acc, complete) = gen.close_window(k, Duration::from_secs(5));
        let end = Instant::now();
        if !complete {
            warnings.push(format!("window {k}: a load worker did not report in time"));
        }
        let now_stats = probe.statistics();
        let delta = match (&now_stats, &prev_stats) {
            (Some(a), Some(b)) => Some(a.delta(b)),
            _ => None,
        };
        prev_stats = now_stats;
        let cpu = loadgen::threads_cpu_seconds(&gen.tids.lock().map(|t| t.clone()).unwrap_or_default());
        let subs = sub_starts.iter().zip(sub_starts.iter().skip(1).chain([&end])).map(|(a, b)| b.saturating_duration_since(*a)).collect();
        let w = Window { acc, duration: end - start, subs, server: delta, resources: sampler.summarize(start, end), loadgen_cpu_s: cpu - prev_cpu };
        prev_cpu = cpu;
        if stub_exited.is_none() {
            stub_exited = probe.broken();
        }
        if let Some(msg) = &stub_exited {
            let msg = format!("{lbl}: {msg}");
            obs.warn(&msg);
            warnings.push(msg);
        } else if interrupt.load(Ordering::Relaxed) {
            // A window cut short by Ctrl-C says nothing about the model.
        } else if w.acc.ok == 0 && !w.acc.failed.is_empty() {
            // Every request of the window failed: more windows only repeat it
            // (and a Python model whose execute() raises a few thousand times
            // cannot be unloaded by Triton 2.51 any more).
            failed_streak += 1;
        } else if w.acc.ok + w.acc.failed.values().sum::<u64>() == 0 {
            empty_streak += 1;
            let msg = format!(
                "{lbl}: no request completed in window {k} ({:.0} ms, {} in flight): the model may be hanging",
                w.duration.as_secs_f64() * 1e3,
                gen.in_flight()
            );
            obs.warn(&msg);
            warnings.push(msg);
        } else {
            empty_streak = 0;
            failed_streak = 0;
        }
        let s = window_sample(&w, cfg.batch_size, m.percentile);
        samples.push(s);
        windows.push(w);
        stable = samples.len() >= 3 && stats::is_stable(&samples, m.stability_pct, m.percentile.is_some());
        done = stable && (!adaptive || {
            let p = precision(cfg, &windows[point_start(cfg, &windows)..]);
            p.meets(m.ci_target_pct) || p.decided_below(cfg.decided_below)
        });
        obs.window(&lbl, k as u32, &s, done);
        k += 1;
        if done || interrupt.load(Ordering::Relaxed) || empty_streak >= 2 || failed_streak >= 2 || deterministic || stub_exited.is_some() {
            break;
        }
    }
    let windows_span = windows_started.elapsed();
    // Requests of a dead stub, or still in flight after the deadline, will not
    // complete: do not wait long for them.
    let hopeless = stub_exited.is_some() || empty_streak >= 2 || (deterministic && gen.in_flight() > 0);
    let left = gen.stop(if hopeless { Duration::from_millis(500) } else { Duration::from_secs(5) });
    if left > 0 {
        warnings.push(format!("{lbl}: {left} request(s) still in flight after the measurement (left to the server's exit timeout)"));
    }
    let trace = tracer.map(|t| {
        let counters = crate::trace::collect::counters_from(&sampler.readings(started, Instant::now()), &t);
        let set = t.finish(&cfg.model, counters, Duration::from_millis(500));
        if set.dropped_timelines > 0 || set.dropped_events > 0 {
            let msg = format!(
                "{lbl}: trace ring kept the newest {} timelines; {} older timeline(s) and {} Triton event(s) were dropped (raise --trace-buffer or --trace-rate)",
                set.timelines.len(),
                set.dropped_timelines,
                set.dropped_events
            );
            obs.warn(&msg);
            warnings.push(msg);
        }
        set
    });
    if interrupt.load(Ordering::Relaxed) {
        warnings.push(format!("{lbl}: interrupted; the numbers cover the windows finished so far"));
    } else if let Some(n) = cfg.request_count {
        let done = windows.iter().map(|w| w.acc.ok + w.acc.failed.values().sum::<u64>()).sum::<u64>();
        if done < n && stub_exited.is_none() {
            warnings.push(format!(
                "{lbl}: only {done} of {n} requests completed before the deadline of {:.0} s (--request-count-timeout)",
                cfg.deterministic_deadline().as_secs_f64()
            ));
        }
    } else if !stable && windows.len() >= 3 {
        let rep = stats::stability_report(&samples, m.stability_pct, m.percentile.is_some());
        let which = if adaptive { format!("windows {}..={}", point_start(cfg, &windows) + 1, windows.len()) } else { "the last 3 windows".to_string() };
        warnings.push(format!(
            "{lbl}: no stable measurement within {} windows (last 3 spread: throughput {:.1} %, latency {:.1} %, threshold {} %); numbers are {which}",
            windows.len(),
            rep.throughput_spread_pct,
            rep.latency_spread_pct,
            m.stability_pct
        ));
    } else if !stable {
        warnings.push(format!("{lbl}: fewer than 3 windows; stability not established"));
    }
    // The adaptive rule ran out of windows before its intervals were tight
    // enough (an interrupted, failed or hanging point is not "noisy": it says why).
    let ran_out = adaptive && !done && (windows.len() as u32) >= m.max_trials.max(1) && !interrupt.load(Ordering::Relaxed) && stub_exited.is_none() && empty_streak < 2 && failed_streak < 2;
    let prec = ran_out.then(|| precision(cfg, &windows[point_start(cfg, &windows)..])).filter(|p| !p.meets(m.ci_target_pct));
    if let Some(p) = &prec {
        warnings.push(format!(
            "{lbl}: {} after {} windows, above the {} % target: noisy; raise --max-trials or see diagnostics",
            p.describe(),
            windows.len(),
            m.ci_target_pct
        ));
    }
    let mut point = combine(cfg, load, &windows, stable, warnings);
    point.noisy = prec.is_some();
    point.warmup_seconds = Some(warmup.as_secs_f64());
    point.windows_seconds = Some(windows_span.as_secs_f64());
    super::diagnostics::attach(&mut point, sampler, windows.iter().map(|w| w.duration).sum(), threads, &lbl, &obs);
    if let Some(msg) = &stub_exited {
        point.error = Some(msg.clone());
    }
    if let Some(set) = &trace {
        point.phases = Some(crate::trace::phases::PhaseTable::from_timelines(&set.timelines));
    }
    Ok((point, PointEnd { stub_exited: stub_exited.is_some(), shown: obs.shown.into_inner(), trace }))
}

