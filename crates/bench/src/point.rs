//! A load point from its windows: the per-window sample the stability rule
//! judges, which windows make the point ([`point_start`]: the last 3 under
//! perf_analyzer's rule, every window less a leading transient under the
//! adaptive rule), how tight its intervals are ([`precision`]), and the
//! reported numbers (those windows merged, with the server's breakdown,
//! resources, their intervals, failures and warnings).

use std::time::Duration;

use super::export::{self, BatchBreakdown, LoadPoint, ServerBreakdown};
use super::loadgen::{Distribution, LoadMode, WindowAcc};
use super::stats::adaptive::{relative_half_width_pct, trim_leading_transient, Precision};
use super::stats::ci::{self, SubWindow};
use super::stats::{LatencyHistogram, LatencyIntervals, LatencySummary, ResourceIntervals, ServerIntervals, WindowSample};
use super::{BenchConfig, StopRule};
use tritium_model::ModelStats;

/// One finished window.
pub(crate) struct Window {
    pub(crate) acc: WindowAcc,
    pub(crate) duration: Duration,
    /// Lengths of its sub-windows (they add up to `duration`); sub-window
    /// `i`'s successes are `acc.sub[i]`.
    pub(crate) subs: Vec<Duration>,
    pub(crate) server: Option<ModelStats>,
    pub(crate) resources: export::ResourceUsage,
    pub(crate) loadgen_cpu_s: f64,
}

pub(crate) fn window_sample(w: &Window, batch: u32, percentile: Option<u32>) -> WindowSample {
    let secs = w.duration.as_secs_f64().max(1e-9);
    let s = LatencySummary::from_histogram(&w.acc.hist);
    WindowSample {
        throughput: w.acc.ok as f64 * batch as f64 / secs,
        avg_latency_us: s.avg_us,
        p99_latency_us: match percentile {
            Some(p) => w.acc.hist.quantile_ns(p as f64 / 100.0) as f64 / 1e3,
            None => s.p99_us,
        },
    }
}

/// Triton's view of the successful requests; `None` when none succeeded there.
fn server_breakdown(d: &ModelStats) -> Option<ServerBreakdown> {
    let st = &d.inference_stats;
    if st.success.count == 0 {
        return None;
    }
    Some(ServerBreakdown {
        queue_us: st.avg_queue_us().unwrap_or(0.0),
        compute_input_us: st.avg_compute_input_us().unwrap_or(0.0),
        compute_infer_us: st.avg_compute_infer_us().unwrap_or(0.0),
        compute_output_us: st.avg_compute_output_us().unwrap_or(0.0),
        request_us: st.avg_request_us().unwrap_or(0.0),
        per_batch: d
            .batch_stats
            .iter()
            .filter(|b| b.compute_infer.count > 0)
            .map(|b| BatchBreakdown {
                batch_size: b.batch_size,
                executions: b.compute_infer.count,
                compute_input_us: b.compute_input.avg_us().unwrap_or(0.0),
                compute_infer_us: b.compute_infer.avg_us().unwrap_or(0.0),
                compute_output_us: b.compute_output.avg_us().unwrap_or(0.0),
            })
            .collect(),
    })
}

/// Index of the first window of the point: the last (up to) 3 windows
/// under perf_analyzer's rule (and in deterministic runs), as perf_analyzer
/// reports the stable windows; under the adaptive rule every window after
/// the warm-up less a leading transient ([`trim_leading_transient`]).
pub(crate) fn point_start(cfg: &BenchConfig, windows: &[Window]) -> usize {
    let m = &cfg.measurement;
    if m.effective_rule() == StopRule::PerfAnalyzer || cfg.request_count.is_some() {
        return windows.len().saturating_sub(3);
    }
    let samples: Vec<WindowSample> = windows.iter().map(|w| window_sample(w, cfg.batch_size, m.percentile)).collect();
    trim_leading_transient(&samples, m.stability_pct)
}

/// The sub-windows of `windows`: the batches of the intervals.
fn subwindows(windows: &[Window]) -> Vec<SubWindow> {
    windows
        .iter()
        .flat_map(|w| w.subs.iter().zip(&w.acc.sub).map(|(d, s)| SubWindow { ok: s.ok, latency_ns: s.latency_ns as f64, seconds: d.as_secs_f64() }))
        .collect()
}

/// How tight the intervals of a point made of `windows` are: the
/// throughput's, and the `--percentile` latency's when one is set (the
/// adaptive rule's test, [`Precision::meets`]).
pub(crate) fn precision(cfg: &BenchConfig, windows: &[Window]) -> Precision {
    let percentile = cfg.measurement.percentile;
    let ok: u64 = windows.iter().map(|w| w.acc.ok).sum();
    let secs = windows.iter().map(|w| w.duration.as_secs_f64()).sum::<f64>().max(1e-9);
    let throughput = ok as f64 * f64::from(cfg.batch_size) / secs;
    let subs = subwindows(windows);
    let interval = (ok > 0).then(|| ci::throughput_interval(&subs, cfg.batch_size, throughput)).flatten();
    let throughput_pct = interval.map(|i| relative_half_width_pct(throughput, i));
    let latency_pct = percentile.and_then(|p| {
        let mut h = LatencyHistogram::new();
        for w in windows {
            h.merge(&w.acc.hist);
        }
        let q = f64::from(p) / 100.0;
        let est = h.quantile_ns(q) as f64 / 1e3;
        ci::percentile_interval(&h, q, est).map(|i| relative_half_width_pct(est, i))
    });
    Precision { throughput_pct, latency_pct, percentile, throughput_hi: interval.map(|i| i.hi) }
}

/// The reported numbers: the windows from [`point_start`] on, merged.
pub(crate) fn combine(cfg: &BenchConfig, load: LoadMode, windows: &[Window], stable: bool, mut warnings: Vec<String>) -> LoadPoint {
    let last = &windows[point_start(cfg, windows)..];
    let mut acc = WindowAcc::default();
    let mut dur = Duration::ZERO;
    let mut server: Option<ModelStats> = None;
    let mut cpu = 0.0;
    for w in last {
        acc.merge(&w.acc);
        dur += w.duration;
        cpu += w.loadgen_cpu_s;
        server = match (server, &w.server) {
            (None, Some(s)) => Some(s.clone()),
            (Some(a), Some(b)) => Some(sum_stats(&a, b)),
            (a, None) => a,
        };
    }
    let secs = dur.as_secs_f64().max(1e-9);
    let latency = LatencySummary::from_histogram(&acc.hist);
    let throughput = acc.ok as f64 * cfg.batch_size as f64 / secs;
    // The sub-windows of the reported windows: the batches of the intervals.
    let subs = subwindows(last);
    let throughput_ci = (acc.ok > 0).then(|| ci::throughput_interval(&subs, cfg.batch_size, throughput)).flatten();
    let latency_ci = LatencyIntervals::compute(&subs, &acc.hist, &latency);
    let breakdown = server.as_ref().and_then(server_breakdown);
    // tritium's own time per request: client-side time from the actual issue
    // (not the schedule, in request-rate mode) minus Triton's request time.
    let client_avg_us = (acc.ok > 0).then(|| acc.issue_to_done_ns as f64 / acc.ok as f64 / 1e3);
    let client_overhead_us = match (breakdown.as_ref().filter(|b| b.request_us > 0.0), client_avg_us) {
        (Some(b), Some(c)) if c >= b.request_us => Some(c - b.request_us),
        (Some(b), Some(c)) => {
            warnings.push(format!(
                "client overhead not reported: the client-side average from issue to completion ({c:.1} µs) is below Triton's average request time ({:.1} µs), \
                 so their difference measures no overhead (the windows and Triton's statistics do not cover exactly the same requests)",
                b.request_us
            ));
            None
        }
        _ => None,
    };
    let mut resources = last.last().map(|w| w.resources.clone()).unwrap_or_default();
    // Max memory and average utilisation over the reported windows.
    if last.len() > 1 {
        let avg = |f: &dyn Fn(&export::ResourceUsage) -> Option<f64>| {
            let v: Vec<f64> = last.iter().filter_map(|w| f(&w.resources)).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let max = |f: &dyn Fn(&export::ResourceUsage) -> Option<f64>| last.iter().filter_map(|w| f(&w.resources)).reduce(f64::max);
        resources.gpu_utilization_pct = avg(&|r| r.gpu_utilization_pct);
        resources.gpu_power_w = avg(&|r| r.gpu_power_w);
        resources.gpu_sm_clock_mhz = avg(&|r| r.gpu_sm_clock_mhz);
        resources.gpu_memory_used_mb = max(&|r| r.gpu_memory_used_mb);
        resources.gpu_memory_process_mb = max(&|r| r.gpu_memory_process_mb);
        resources.cpu_util_pct = avg(&|r| r.cpu_util_pct);
        resources.rss_mb = max(&|r| r.rss_mb);
        resources.per_gpu = merge_per_gpu(last.iter().map(|w| w.resources.per_gpu.as_slice()));
    }
    // Server phases and GPU figures exist per window: intervals over the windows.
    let server_stats: Vec<tritium_model::InferenceStats> = last.iter().filter_map(|w| w.server.as_ref().map(|s| s.inference_stats)).collect();
    let server_ci = breakdown.as_ref().and_then(|_| ServerIntervals::compute(&server_stats));
    let per = |f: fn(&export::ResourceUsage) -> Option<f64>| last.iter().map(|w| f(&w.resources)).collect::<Vec<_>>();
    let resources_ci = ResourceIntervals::compute(&per(|r| r.gpu_utilization_pct), &per(|r| r.gpu_memory_used_mb), resources.gpu_memory_used_mb);
    let (concurrency, request_rate) = match load {
        LoadMode::Concurrency(c) => (Some(c), None),
        LoadMode::RequestRate { rate, .. } => (None, Some(rate)),
    };
    let send_rate = acc.sent as f64 / secs;
    if let LoadMode::RequestRate { rate: target, ref distribution } = load {
        if acc.skipped > 0 || send_rate_short(target, send_rate, secs, distribution) {
            warnings.push(format!(
                "request rate {target}/s: achieved {send_rate:.1}/s ({} sends skipped with all {} prepared requests in flight, {} sent > 1 ms late)",
                acc.skipped, cfg.max_in_flight, acc.late
            ));
        }
    }
    let failures_total: u64 = acc.failed.values().sum();
    if failures_total > 0 {
        let kinds: Vec<String> = acc.failed.iter().map(|(k, v)| format!("{v} × {k}")).collect();
        warnings.push(format!("{failures_total} of {} request(s) failed: {}", acc.ok + failures_total, kinds.join("; ")));
    }
    let error = if acc.ok > 0 {
        None
    } else if failures_total > 0 {
        Some(format!("every request failed ({failures_total}); no latency or throughput was measured"))
    } else if cfg.request_count.is_some() {
        Some(format!("no request completed within the deadline of {:.0} s (--request-count-timeout)", cfg.deterministic_deadline().as_secs_f64()))
    } else {
        Some("no request completed in the reported windows: the model may be hanging".to_string())
    };
    LoadPoint {
        mode: if concurrency.is_some() { "concurrency".into() } else { "request_rate".into() },
        concurrency,
        request_rate,
        batch_size: cfg.batch_size,
        windows: windows.len() as u32,
        stable,
        throughput,
        throughput_ci,
        latency,
        latency_ci,
        client_overhead_us,
        server: breakdown,
        resources,
        failures: acc.failed.clone(),
        failure_examples: acc.examples.clone(),
        error,
        requests: acc.ok + failures_total,
        send_rate_achieved: request_rate.map(|_| send_rate),
        loadgen_cpu_cores: Some(cpu / secs),
        warnings,
        phases: None,
        diagnostics: None,
        noisy: false,
        throughput_ci_rel_pct: throughput_ci.map(|i| relative_half_width_pct(throughput, i)).filter(|v| v.is_finite()),
        server_ci,
        resources_ci,
        // Set by the engine, which times the warm-up and the windows.
        warmup_seconds: None,
        windows_seconds: None,
    }
}

/// Sum of two statistics deltas (the reported windows' server-side totals).
fn sum_stats(a: &ModelStats, b: &ModelStats) -> ModelStats {
    let mut out = a.clone();
    let add = |x: &mut tritium_model::StatDuration, y: &tritium_model::StatDuration| {
        x.count += y.count;
        x.ns += y.ns;
    };
    let (s, t) = (&mut out.inference_stats, &b.inference_stats);
    add(&mut s.success, &t.success);
    add(&mut s.fail, &t.fail);
    add(&mut s.queue, &t.queue);
    add(&mut s.compute_input, &t.compute_input);
    add(&mut s.compute_infer, &t.compute_infer);
    add(&mut s.compute_output, &t.compute_output);
    add(&mut s.cache_hit, &t.cache_hit);
    add(&mut s.cache_miss, &t.cache_miss);
    out.inference_count += b.inference_count;
    out.execution_count += b.execution_count;
    for bb in &b.batch_stats {
        match out.batch_stats.iter_mut().find(|x| x.batch_size == bb.batch_size) {
            Some(x) => {
                add(&mut x.compute_input, &bb.compute_input);
                add(&mut x.compute_infer, &bb.compute_infer);
                add(&mut x.compute_output, &bb.compute_output);
            }
            None => out.batch_stats.push(*bb),
        }
    }
    out
}


/// Each GPU's figures over several windows, as the totals are merged: peak
/// memory, average utilization and power (over the windows that have them),
/// in the order the GPUs first appear.
pub(crate) fn merge_per_gpu<'a>(windows: impl Iterator<Item = &'a [export::GpuUsage]>) -> Vec<export::GpuUsage> {
    let mut seen: Vec<(String, Vec<&'a export::GpuUsage>)> = Vec::new();
    for w in windows {
        for g in w {
            match seen.iter_mut().find(|(u, _)| *u == g.uuid) {
                Some((_, v)) => v.push(g),
                None => seen.push((g.uuid.clone(), vec![g])),
            }
        }
    }
    let avg = |v: &[&export::GpuUsage], f: fn(&export::GpuUsage) -> Option<f64>| {
        let x: Vec<f64> = v.iter().filter_map(|g| f(g)).collect();
        (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
    };
    seen.into_iter()
        .map(|(uuid, v)| export::GpuUsage {
            memory_used_mb: v.iter().filter_map(|g| g.memory_used_mb).reduce(f64::max),
            utilization_pct: avg(&v, |g| g.utilization_pct),
            power_w: avg(&v, |g| g.power_w),
            uuid,
        })
        .collect()
}

/// Whether the achieved send rate is short of the asked one by more than the
/// schedule itself explains: 5 % for evenly spaced sends and interval files;
/// for Poisson sends the count over `secs` is itself Poisson (standard
/// deviation √(rate·secs)), so the bound widens to three of those when that
/// is wider (300/s over 0.6 s: 22 %), and only a loop that falls behind its
/// schedule is reported, not the process's own spread.
pub(crate) fn send_rate_short(target: f64, achieved: f64, secs: f64, distribution: &Distribution) -> bool {
    let expected = target * secs;
    let tolerance = match distribution {
        Distribution::Poisson if expected > 0.0 => (3.0 / expected.sqrt()).max(0.05),
        _ => 0.05,
    };
    achieved < (1.0 - tolerance) * target
}

#[cfg(test)]
mod per_gpu_tests {
    use super::export::GpuUsage;
    use super::merge_per_gpu;

    #[test]
    fn windows_merge_each_gpu_on_its_own() {
        let g = |uuid: &str, m, u, w| GpuUsage { uuid: uuid.into(), memory_used_mb: Some(m), utilization_pct: Some(u), power_w: Some(w) };
        let w1 = vec![g("GPU-a", 100.0, 10.0, 50.0), g("GPU-b", 900.0, 90.0, 300.0)];
        let w2 = vec![g("GPU-a", 300.0, 30.0, 70.0), g("GPU-b", 800.0, 70.0, 200.0)];
        let m = merge_per_gpu([w1.as_slice(), w2.as_slice()].into_iter());
        assert_eq!(m, vec![g("GPU-a", 300.0, 20.0, 60.0), g("GPU-b", 900.0, 80.0, 250.0)]);
        assert!(merge_per_gpu(std::iter::empty()).is_empty());
    }
}

#[cfg(test)]
mod send_rate_tests {
    use super::send_rate_short;
    use crate::loadgen::Distribution;

    #[test]
    fn poisson_spread_is_not_a_shortfall_but_a_loop_behind_is() {
        // 300/s over 0.6 s: 180 expected sends, Poisson sd 13.4 (7.5 %).
        assert!(!send_rate_short(300.0, 284.9, 0.6, &Distribution::Poisson), "5 % under is the process's spread");
        assert!(!send_rate_short(300.0, 250.0, 0.6, &Distribution::Poisson), "17 % under is within 3 sd");
        assert!(send_rate_short(300.0, 200.0, 0.6, &Distribution::Poisson), "33 % under is a loop behind");
        // Over a long window the Poisson bound shrinks to the 5 % floor.
        assert!(send_rate_short(10_000.0, 9_400.0, 10.0, &Distribution::Poisson));
        // Evenly spaced sends have no spread: 5 %.
        assert!(send_rate_short(300.0, 284.0, 0.6, &Distribution::Constant));
        assert!(!send_rate_short(300.0, 290.0, 0.6, &Distribution::Constant));
    }
}
