//! How trustworthy a model's measurements are, in a few sentences (issue 12):
//! the points the adaptive rule flagged noisy, the likely causes the
//! diagnostics found (grouped: "CPU steal in 12 of 28 measurements, up to
//! 11 %"), the drift of the reference point, and the ties settled by
//! re-measurement. Shown under the model in the terminal summary and in the
//! summary PDF; derived from `results.json`, so older files just say less.

use super::ModelResults;

/// The measurement-quality summary of one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quality {
    /// Successful measurements looked at.
    pub measurements: usize,
    /// "config @ batch b, concurrency c" of each point that ran to the window
    /// cap without its interval reaching the target.
    pub noisy: Vec<String>,
    /// Each kind of cause the diagnostics reported: (kind, measurements it
    /// was seen in, the first full sentence of the worst one seen).
    pub causes: Vec<(String, usize, String)>,
    /// The drift warning, when the reference point drifted.
    pub drift: Option<String>,
    /// Ties re-measured interleaved, and how many of them stayed tied.
    pub remeasured: (usize, usize),
}

/// A cause sentence's kind: its words before the first number or colon
/// ("CPU steal 11 %: …" → "CPU steal"; "machine load 2.2 on 2 cores: …" →
/// "machine load"); sentences that name a pid or a model keep their lead words.
fn kind(cause: &str) -> String {
    let head = cause.split(':').next().unwrap_or(cause);
    let words: Vec<&str> = head.split_whitespace().take_while(|w| !w.starts_with(|c: char| c.is_ascii_digit() || c == '(')).collect();
    words.join(" ")
}

/// The leading number of a cause sentence (its size: "CPU steal 11 %" → 11), to keep the worst example.
fn size(cause: &str) -> f64 {
    cause.split(|c: char| !(c.is_ascii_digit() || c == '.')).find(|t| !t.is_empty()).and_then(|t| t.parse().ok()).unwrap_or(0.0)
}

impl ModelResults {
    /// The measurement-quality summary of this model's search.
    pub fn quality(&self) -> Quality {
        let mut q = Quality::default();
        for r in &self.measurements {
            let Some(p) = r.ok_point() else { continue };
            q.measurements += 1;
            if p.noisy {
                q.noisy.push(format!("{} @ batch {}, {}", r.config, r.batch_size, r.load_label()));
            }
            for c in p.diagnostics.iter().flat_map(|d| d.causes.iter()) {
                let k = kind(c);
                match q.causes.iter_mut().find(|(kk, ..)| *kk == k) {
                    Some((_, n, worst)) => {
                        *n += 1;
                        if size(c) > size(worst) {
                            *worst = c.clone();
                        }
                    }
                    None => q.causes.push((k, 1, c.clone())),
                }
            }
        }
        q.causes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        q.drift = self.drift.as_ref().and_then(|d| d.warning.clone());
        q.remeasured = (self.remeasurements.len(), self.remeasurements.iter().filter(|r| r.outcome == "equivalent").count());
        q
    }
}

impl Quality {
    /// The summary as sentences, most important first; empty when there is nothing to say.
    pub fn lines(&self) -> Vec<String> {
        let mut out = self.noise_lines();
        if let Some(d) = &self.drift {
            out.push(d.clone());
        }
        let (n, tied) = self.remeasured;
        if n > 0 {
            out.push(format!("{n} statistical tie(s) re-measured interleaved; {tied} stayed tied (see remeasurements in results.json)"));
        }
        out
    }

    /// The noisy points and the causes of noise only (the terminal summary
    /// says drift and re-measurements in lines of their own).
    pub fn noise_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.noisy.is_empty() {
            let shown: Vec<&str> = self.noisy.iter().take(4).map(String::as_str).collect();
            let more = if self.noisy.len() > 4 { format!(" and {} more", self.noisy.len() - 4) } else { String::new() };
            out.push(format!(
                "{} of {} measurements are noisy (their 95 % interval stayed wider than the target at the window cap; their ± says by how much): {}{more}",
                self.noisy.len(),
                self.measurements,
                shown.join("; ")
            ));
        }
        for (k, n, worst) in self.causes.iter().take(5) {
            let sentence = worst.split_once(": ").map_or(worst.as_str(), |(_, rest)| rest);
            out.push(format!("{k} in {n} of {} measurements (worst: {}): {sentence}", self.measurements, worst.split(':').next().unwrap_or(worst)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_group_sentences_that_differ_only_in_their_numbers() {
        assert_eq!(kind("CPU steal 11 %: the VM's host is taking cycles"), "CPU steal");
        assert_eq!(kind("CPU steal 5 %: the VM's host is taking cycles"), "CPU steal");
        assert_eq!(kind("machine load 2.2 on 2 cores: more threads"), "machine load");
        assert_eq!(kind("the machine's CPUs were 97 % busy (tritium …)"), "the machine's CPUs were");
        assert_eq!(size("CPU steal 11 %: x"), 11.0);
        assert_eq!(size("machine load 2.2 on 2 cores"), 2.2);
    }

    #[test]
    fn lines_say_noisy_points_causes_by_frequency_and_nothing_when_clean() {
        assert!(Quality::default().lines().is_empty());
        let q = Quality {
            measurements: 10,
            noisy: vec!["m_config_1 @ batch 1, concurrency 4".into()],
            causes: vec![("CPU steal".into(), 6, "CPU steal 11 %: the VM's host is taking cycles".into()), ("machine load".into(), 2, "machine load 2.2 on 2 cores: busy".into())],
            drift: Some("reference point drifted −12 %".into()),
            remeasured: (2, 1),
        };
        let l = q.lines();
        assert!(l[0].starts_with("1 of 10 measurements are noisy") && l[0].contains("m_config_1"), "{l:?}");
        assert_eq!(l[1], "CPU steal in 6 of 10 measurements (worst: CPU steal 11 %): the VM's host is taking cycles");
        assert!(l[2].starts_with("machine load in 2 of 10"));
        assert_eq!(l[3], "reference point drifted −12 %");
        assert!(l[4].starts_with("2 statistical tie(s) re-measured") && l[4].contains("1 stayed tied"));
    }
}
