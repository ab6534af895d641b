//! Interleaved re-measurement of statistically tied contenders (issue 12):
//! when a search decision hinges on a tie, the contenders are measured again
//! in turn (snake order from the loaded config: A B | B A | A B …, each at its own client batch size and concurrency) for
//! up to [`SearchSpace::remeasure_rounds`](super::SearchSpace::remeasure_rounds)
//! rounds, until [`compare`] separates them or they are declared equivalent.
//! Each contender's repeats are [`pool`]ed, and the pooled estimate replaces
//! its measurement for the rest of the search.

use super::pooling::{pool, pool_shared};
use super::runner::Runner;
use super::{compare, ModelConfigVariant, Resources, SearchEvent, VariantMeasurement, Verdict};

/// Default of [`SearchSpace::remeasure_rounds`](super::SearchSpace::remeasure_rounds):
/// at most 3 extra rounds per tied decision (each round measures every
/// contender once).
pub const REMEASURE_ROUNDS: u32 = 3;

/// At most this many contenders (the top config and the other members of
/// the tie set it was picked from, best point estimate first) are
/// re-measured for the final pick.
pub const MAX_CONTENDERS: usize = 3;

/// The search decision that hinged on a tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieDecision {
    /// Quick search's climb: a neighbour whose "improvement" over the best
    /// so far is within the intervals.
    Climb,
    /// The final ranking: the top config tied with the runner-up(s).
    FinalPick,
    /// The final ranking: the top config ahead of the runner-up on one
    /// measurement each, confirmed by measuring both again (a config's number
    /// can differ from one load to the next by more than one measurement's
    /// interval shows).
    ConfirmTop,
}

impl TieDecision {
    /// "quick climb" / "final pick".
    pub fn as_str(&self) -> &'static str {
        match self {
            TieDecision::Climb => "quick climb",
            TieDecision::FinalPick => "final pick",
            TieDecision::ConfirmTop => "confirm top",
        }
    }

    /// How progress lines and the summary introduce a re-measurement of
    /// this decision (`decision` as [`TieDecision::as_str`] writes it).
    pub fn heading(decision: &str) -> String {
        if decision == TieDecision::ConfirmTop.as_str() {
            "the top config's lead over the runner-up".to_string()
        } else {
            format!("tie at the {decision}")
        }
    }
}

/// How a re-measurement ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieOutcome {
    /// One contender is significantly better than every other (by
    /// [`compare`] on the pooled estimates); its variant key.
    Separated(String),
    /// Still statistically tied after the last round.
    Equivalent,
    /// A re-measurement failed (the reason); the pooled estimates use the
    /// repeats taken before it.
    Stopped(String),
}

/// One re-measured contender.
#[derive(Debug, Clone, PartialEq)]
pub struct Contender {
    /// The variant.
    pub variant: ModelConfigVariant,
    /// Client batch size of the point (its representative measurement's).
    pub batch_size: u32,
    /// Concurrency of the point.
    pub concurrency: u32,
    /// Every measurement of the point, in order: the first (or the earlier
    /// repeats), then this re-measurement's.
    pub repeats: Vec<VariantMeasurement>,
    /// The pooled estimate of `repeats` (see [`pool`]).
    pub pooled: VariantMeasurement,
}

/// The record of one interleaved re-measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Remeasurement {
    /// Which decision hinged on the tie.
    pub decision: TieDecision,
    /// The contenders, in the order of the decision's points (each round
    /// measures them in snake order from the loaded one).
    pub contenders: Vec<Contender>,
    /// Rounds taken (each measured every contender once).
    pub rounds: u32,
    /// How it ended.
    pub outcome: TieOutcome,
}

/// The contender that [`compare`] puts significantly (not by a tie-break)
/// before every other, if any.
pub(super) fn leader(objectives: &crate::config::Objectives, pooled: &[(VariantMeasurement, Resources)]) -> Option<usize> {
    (0..pooled.len()).find(|&i| {
        pooled.iter().enumerate().filter(|(j, _)| *j != i).all(|(_, (b, rb))| {
            let c = compare(objectives, &pooled[i].0, &pooled[i].1, b, rb);
            !c.tied && c.verdict == Verdict::Better
        })
    })
}

/// Each contender's pooled estimate: a tie's contenders each on their own
/// repeats ([`pool`]); a confirmation's with the spread they share
/// ([`pool_shared`]: two repeats each give a usable interval).
fn pool_for(decision: TieDecision, repeats: &[Vec<VariantMeasurement>]) -> Vec<Option<VariantMeasurement>> {
    match decision {
        TieDecision::ConfirmTop => match pool_shared(repeats) {
            Some(p) => p.into_iter().map(Some).collect(),
            None => vec![None; repeats.len()],
        },
        _ => repeats.iter().map(|r| pool(r)).collect(),
    }
}

impl Runner<'_> {
    /// Re-measures `points` (variant, client batch size, concurrency; each
    /// already measured and valid) interleaved until they separate or the
    /// round bound is reached; records and reports it, and replaces each
    /// point's measurement with its pooled estimate. Returns the pooled
    /// estimates in the order of `points`, or None when nothing was done
    /// (re-measurement off, interrupted, or a point not measured).
    pub(super) fn settle(&mut self, decision: TieDecision, points: &[(ModelConfigVariant, u32, u32)]) -> Option<Vec<VariantMeasurement>> {
        let rounds_max = self.space.remeasure_rounds;
        if rounds_max == 0 || points.len() < 2 || self.stopped() {
            return None;
        }
        let mut repeats: Vec<Vec<VariantMeasurement>> = Vec::new();
        for (v, b, c) in points {
            let key = (v.key(), *b, *c);
            let earlier = match self.repeats.get(&key) {
                Some(r) => r.clone(),
                None => vec![self.cache.get(&key).filter(|m| m.is_valid())?.clone()],
            };
            repeats.push(earlier);
        }
        let resources: Vec<Resources> = points.iter().map(|(v, _, _)| Resources::of(v)).collect();
        let mut outcome = TieOutcome::Equivalent;
        let mut rounds = 0;
        // Snake order (A B | B A | A B …), starting with the config already loaded: each
        // round begins with the config the last one ended on, so a round costs one config
        // switch less than A B | A B, and a linear drift falls on every contender alike.
        let first = self.last_key.as_ref().and_then(|k| points.iter().position(|(v, _, _)| &v.key() == k)).unwrap_or(0);
        let base: Vec<usize> = (0..points.len()).map(|j| (first + j) % points.len()).collect();
        'rounds: while rounds < rounds_max {
            rounds += 1;
            let order: Vec<usize> = if rounds % 2 == 1 { base.clone() } else { base.iter().rev().copied().collect() };
            for i in order {
                let (v, b, c) = &points[i];
                let m = self.take(v, *b, *c)?;
                (self.on_event)(SearchEvent::Remeasured { phase: self.phase, variant: Box::new(v.clone()), measurement: Box::new(m.clone()), round: rounds });
                if let Some(why) = &m.failed {
                    outcome = TieOutcome::Stopped(format!("re-measuring {} failed: {why}", v.key()));
                    break 'rounds;
                }
                repeats[i].push(m);
            }
            let pooled: Vec<(VariantMeasurement, Resources)> = pool_for(decision, &repeats).into_iter().zip(&resources).filter_map(|(p, res)| p.map(|p| (p, *res))).collect();
            if let Some(i) = leader(&self.space.objectives, &pooled) {
                outcome = TieOutcome::Separated(points[i].0.key());
                break;
            }
        }
        let mut contenders = Vec::new();
        let pooled_all = pool_for(decision, &repeats);
        for (((v, b, c), reps), pooled) in points.iter().zip(repeats).zip(pooled_all) {
            let pooled = pooled?;
            self.set_pooled(v, *b, *c, &pooled, reps.clone());
            contenders.push(Contender { variant: v.clone(), batch_size: *b, concurrency: *c, repeats: reps, pooled });
        }
        let out: Vec<VariantMeasurement> = contenders.iter().map(|c| c.pooled.clone()).collect();
        let record = Remeasurement { decision, contenders, rounds, outcome };
        (self.on_event)(SearchEvent::TieSettled(Box::new(record.clone())));
        self.remeasurements.push(record);
        Some(out)
    }

    /// The final pick: when the top config was picked from a tie set (the
    /// point-estimate leader and the configs tied with it; see
    /// [`anchored_order`](super::anchored_order)), re-measure it and the
    /// other members of that set (at most [`MAX_CONTENDERS`]: the top, then
    /// the set by point estimate, so the leader is always among them; each at
    /// its representative measurement's point).
    pub(super) fn settle_final_pick(&mut self) {
        if self.space.remeasure_rounds == 0 || self.stopped() {
            return;
        }
        let ranked = self.top(usize::MAX);
        let Some(first) = ranked.first().filter(|r| r.passes) else {
            return;
        };
        let mut points = vec![(first.variant.clone(), first.best.batch_size, first.best.concurrency)];
        if first.tied_with.is_empty() {
            // Not tied: confirm the lead over the runner-up unless both numbers
            // already rest on repeats.
            if !self.space.confirm_top || first.best.throughput_ci.is_none() {
                return;
            }
            let Some(second) = ranked.iter().skip(1).find(|r| r.passes && r.best.throughput_ci.is_some()) else {
                return;
            };
            let repeated = |r: &super::RankedConfig| self.repeats.get(&(r.variant.key(), r.best.batch_size, r.best.concurrency)).is_some_and(|x| x.len() > 1);
            if repeated(first) && repeated(second) {
                return;
            }
            points.push((second.variant.clone(), second.best.batch_size, second.best.concurrency));
            self.settle(TieDecision::ConfirmTop, &points);
            return;
        }
        for r in first.tied_with.iter().filter_map(|k| ranked.iter().find(|r| &r.variant.key() == k)) {
            if points.len() < MAX_CONTENDERS {
                points.push((r.variant.clone(), r.best.batch_size, r.best.concurrency));
            }
        }
        self.settle(TieDecision::FinalPick, &points);
    }
}
