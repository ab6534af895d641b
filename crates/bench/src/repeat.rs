//! Between-run spread of repeated bench runs (`tritium bench --repeat N`,
//! issue 12 item 5): the same load levels measured N times back to back in
//! one server, summarised per level, and compared with what the within-run
//! 95 % intervals predict.
//!
//! Per load level and figure (throughput, p99 latency) over the N runs:
//! mean, sample standard deviation, min–max, coefficient of variation
//! (sd / mean) and the 95 % Student-t interval of the mean over runs
//! (`mean ± t₀.₉₇₅(N−1)·sd/√N`).
//!
//! Reproducibility check (Cochran's Q, the heterogeneity test of
//! meta-analysis): if every run measured the same quantity and its interval
//! were right, run r's estimate `xᵣ` would be normal around the common value
//! with standard error `σᵣ = hᵣ / 1.96` (`hᵣ` its within-run 95 %
//! half-width). Then `Q = Σ (xᵣ − x̄_w)² / σᵣ²`, with `x̄_w` the
//! `1/σᵣ²`-weighted mean, follows χ²(N−1). `Q` above the 95 % quantile of
//! χ²(N−1) says the runs disagree more than their intervals allow: the
//! between-run spread is real (the server, the model process or the machine
//! changes between runs) and a single run's ± understates the uncertainty.
//! The figures compared in the message are like for like: the between-run
//! ± is `1.96 × sd / mean` (where one run's figure falls, 95 %), the
//! within-run ± the mean relative half-width of the runs' intervals.
//!
//! Assumptions: runs are independent and their estimates roughly normal;
//! with N = 2 or 3 the test has little power (a "reproduces" verdict then
//! means "no evidence otherwise").

use serde::{Deserialize, Serialize};

use crate::export::LoadPoint;
use crate::stats::ci::{t_975, Z_975};
use crate::stats::Interval;

/// Most repetitions `--repeat` accepts.
pub const MAX_REPEAT: u32 = 100;

/// Mean, spread and 95 % interval of the mean of one figure over runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The value of each run, in run order.
    pub values: Vec<f64>,
    /// Mean over runs.
    pub mean: f64,
    /// Sample standard deviation over runs (0 with one run).
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Coefficient of variation, sd / mean (0 when the mean is 0).
    pub cv: f64,
    /// 95 % Student-t interval of the mean over runs; `None` with one run.
    pub ci: Option<Interval>,
}

impl Spread {
    /// The spread of `values`; `None` when empty or when a value is not finite.
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 { (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let cv = if mean != 0.0 { sd / mean.abs() } else { 0.0 };
        let ci = (n > 1).then(|| {
            let h = t_975(n as u64 - 1) * sd / (n as f64).sqrt();
            Interval::new(mean - h, mean + h)
        });
        Some(Spread { values: values.to_vec(), mean, sd, min, max, cv, ci })
    }

    /// Where one run's figure falls, relative to the mean: `1.96 × cv`
    /// (0.11 = ±11 %).
    pub fn between_run_relative(&self) -> f64 {
        Z_975 * self.cv
    }
}

/// The 95 % quantile of χ² with `df` degrees of freedom: a table for
/// df ≤ 10, the Wilson–Hilferty approximation above (error < 0.2 %).
pub fn chi2_95(df: u64) -> f64 {
    const TABLE: [f64; 10] = [3.8415, 5.9915, 7.8147, 9.4877, 11.0705, 12.5916, 14.0671, 15.5073, 16.9190, 18.3070];
    match df {
        0 => 0.0,
        1..=10 => TABLE[df as usize - 1],
        _ => {
            let k = df as f64;
            let z = 1.644_853_626_951_472_2;
            k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
        }
    }
}

/// Cochran's Q of estimates with their 95 % half-widths (see the module
/// docs); `None` with fewer than 2 runs, a missing, zero or non-finite
/// half-width.
pub fn cochran_q(estimates: &[f64], half_widths: &[Option<f64>]) -> Option<f64> {
    if estimates.len() < 2 || half_widths.len() != estimates.len() {
        return None;
    }
    let mut w = Vec::with_capacity(estimates.len());
    for h in half_widths {
        let s = (*h)? / Z_975;
        if !(s.is_finite() && s > 0.0) {
            return None;
        }
        w.push(1.0 / (s * s));
    }
    let sw: f64 = w.iter().sum();
    let xw = estimates.iter().zip(&w).map(|(x, w)| x * w).sum::<f64>() / sw;
    let q = estimates.iter().zip(&w).map(|(x, w)| w * (x - xw).powi(2)).sum::<f64>();
    q.is_finite().then_some(q)
}

/// One figure of one load level over the runs, with the reproducibility check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureSpread {
    /// Mean, spread and interval over runs.
    pub spread: Spread,
    /// Mean relative half-width of the runs' own 95 % intervals (0.02 =
    /// ±2 %); `None` when a run has no interval.
    pub within_run_relative: Option<f64>,
    /// Cochran's Q of the runs (see the module docs).
    pub q: Option<f64>,
    /// True when Q exceeds the 95 % quantile of χ²(N−1): the runs disagree
    /// more than their within-run intervals allow. `None` without intervals
    /// or with one run.
    pub exceeds_within_run: Option<bool>,
}

impl FigureSpread {
    /// The figure over runs: `values[r]` with its 95 % interval `cis[r]`.
    pub fn of(values: &[f64], cis: &[Option<Interval>]) -> Option<FigureSpread> {
        let spread = Spread::of(values)?;
        let hws: Vec<Option<f64>> = cis.iter().map(|c| c.map(|i| i.half_width())).collect();
        let rel: Option<Vec<f64>> = values.iter().zip(&hws).map(|(v, h)| h.filter(|_| *v != 0.0).map(|h| h / v.abs())).collect();
        let within_run_relative = rel.filter(|r| !r.is_empty()).map(|r| r.iter().sum::<f64>() / r.len() as f64).filter(|r| r.is_finite());
        let q = cochran_q(values, &hws);
        let exceeds_within_run = q.map(|q| q > chi2_95(values.len() as u64 - 1));
        Some(FigureSpread { spread, within_run_relative, q, exceeds_within_run })
    }
}

/// One load level over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSpread {
    /// The level, as the tables show it ("concurrency 4", "rate 500/s").
    pub load: String,
    /// Runs that measured this level.
    pub runs: usize,
    /// Throughput (infer/s).
    pub throughput: Option<FigureSpread>,
    /// p99 latency (µs).
    pub p99_us: Option<FigureSpread>,
    /// One sentence: whether the level reproduces (see [`verdict`]).
    pub verdict: String,
}

/// The `repeat` section of `--json` and the table after the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatSummary {
    /// Runs asked for.
    pub repeat: u32,
    /// Runs completed (fewer when interrupted or a run failed).
    pub runs: usize,
    /// Per load level, in the order measured.
    pub levels: Vec<LevelSpread>,
}

/// "concurrency 4" / "rate 500/s": a load point's level.
pub fn load_label(p: &LoadPoint) -> String {
    match (p.concurrency, p.request_rate) {
        (Some(c), _) => format!("concurrency {c}"),
        (_, Some(r)) => format!("rate {r}/s"),
        _ => "-".into(),
    }
}

/// The sentence for one level: the figure whose between-run spread exceeds
/// its within-run intervals is named with both ± values.
pub fn verdict(throughput: Option<&FigureSpread>, p99: Option<&FigureSpread>) -> String {
    let pct = |x: f64| if x < 0.0995 { format!("{:.1} %", 100.0 * x) } else { format!("{:.0} %", 100.0 * x) };
    let named = [("throughput", throughput), ("p99", p99)];
    let bad: Vec<String> = named
        .iter()
        .filter_map(|(name, f)| {
            let f = (*f)?;
            (f.exceeds_within_run == Some(true)).then(|| format!("{name}: between-run spread ±{} vs within-run ±{}", pct(f.spread.between_run_relative()), pct(f.within_run_relative.unwrap_or(0.0))))
        })
        .collect();
    if !bad.is_empty() {
        return format!("{}: this model's numbers do not reproduce at this window length", bad.join("; "));
    }
    match throughput {
        Some(f) if f.exceeds_within_run == Some(false) => format!(
            "reproduces: between-run spread ±{} is within what the within-run ±{} intervals allow",
            pct(f.spread.between_run_relative()),
            pct(f.within_run_relative.unwrap_or(0.0))
        ),
        Some(f) if f.spread.values.len() < 2 => "one run: no between-run spread".into(),
        Some(f) => format!("between-run spread ±{}; no within-run intervals to compare with", pct(f.spread.between_run_relative())),
        None => "not measured".into(),
    }
}

/// Summarises `runs` (each run's load points, in order) per load level;
/// levels are matched by their label, in the first run's order (levels only
/// later runs measured come after).
pub fn summarize(repeat: u32, runs: &[Vec<LoadPoint>]) -> RepeatSummary {
    let mut labels: Vec<String> = Vec::new();
    for run in runs {
        for p in run {
            let l = load_label(p);
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
    }
    let levels = labels
        .into_iter()
        .map(|load| {
            // Failed points (no successful request) carry no figure.
            let points: Vec<&LoadPoint> = runs.iter().filter_map(|r| r.iter().find(|p| load_label(p) == load && p.error.is_none())).collect();
            let tp: Vec<f64> = points.iter().map(|p| p.throughput).collect();
            let tp_ci: Vec<Option<Interval>> = points.iter().map(|p| p.throughput_ci).collect();
            let throughput = FigureSpread::of(&tp, &tp_ci);
            let p99: Option<Vec<f64>> = points.iter().map(|p| p.latency.p99()).collect();
            let p99_ci: Vec<Option<Interval>> = points.iter().map(|p| p.latency_ci.and_then(|c| c.p99)).collect();
            let p99_us = p99.and_then(|v| FigureSpread::of(&v, &p99_ci));
            let verdict = verdict(throughput.as_ref(), p99_us.as_ref());
            LevelSpread { load, runs: points.len(), throughput, p99_us, verdict }
        })
        .collect();
    RepeatSummary { repeat, runs: runs.len(), levels }
}

/// The table printed after the runs.
pub fn table(s: &RepeatSummary) -> String {
    let mut out = format!("between-run spread over {} of {} run(s) (mean, sd, min–max, cv, 95 % interval of the mean over runs):\n", s.runs, s.repeat);
    out += &format!("{:<18} {:<10} {:>12} {:>10} {:>25} {:>7} {:>25} {:>11}\n", "load", "figure", "mean", "sd", "min–max", "cv", "95% CI of mean", "within-run");
    let mut notes = String::new();
    for l in &s.levels {
        for (name, f, unit) in [("infer/s", &l.throughput, 1.0), ("p99 ms", &l.p99_us, 1e-3)] {
            let Some(f) = f else { continue };
            let sp = &f.spread;
            let v = |x: f64| format!("{:.2}", x * unit);
            out += &format!(
                "{:<18} {:<10} {:>12} {:>10} {:>25} {:>7} {:>25} {:>11}\n",
                l.load,
                name,
                v(sp.mean),
                v(sp.sd),
                format!("{}–{}", v(sp.min), v(sp.max)),
                format!("{:.1}%", 100.0 * sp.cv),
                sp.ci.map(|i| format!("[{}, {}]", v(i.lo), v(i.hi))).unwrap_or_else(|| "-".into()),
                f.within_run_relative.map(|w| format!("±{:.1}%", 100.0 * w)).unwrap_or_else(|| "-".into())
            );
        }
        notes += &format!("{}: {}\n", l.load, l.verdict);
    }
    out + "\n" + &notes
}

#[cfg(test)]
mod tests;
