//! Quick search's neighbourhood (Model Analyzer's `Neighborhood` and
//! `CoordinateData`): coordinates around a home, slow mode, step vectors.

use std::collections::HashMap;

use crate::config::{Constraints, Objectives};

use super::{compare_constraints, objective_score, passes_constraints, significant_score, statistically_tied, VariantMeasurement, COMPARISON_SCORE_THRESHOLD, MIN_INITIALIZED, RADIUS, TRANSLATION_LIST};

pub(super) type Coord = Vec<i64>;

#[derive(Debug, Clone, Copy)]
pub(super) struct Dim {
    pub(super) min: i64,
    pub(super) max: i64,
    pub(super) exponential: bool,
}

impl Dim {
    /// `SearchDimension.get_value_at_idx`: `2^idx` or `idx + 1`.
    pub(super) fn value(&self, idx: i64) -> u32 {
        if self.exponential {
            1u32.checked_shl(u32::try_from(idx).unwrap_or(0))
                .unwrap_or(u32::MAX)
        } else {
            u32::try_from(idx + 1).unwrap_or(1)
        }
    }
}

/// `CoordinateData`: measurements (None: measured but failed) and visit counts.
#[derive(Default, Clone)]
pub(super) struct CoordinateData {
    pub(super) measurements: HashMap<Coord, Option<VariantMeasurement>>,
    pub(super) visits: HashMap<Coord, u32>,
}

impl CoordinateData {
    pub(super) fn get(&self, c: &Coord) -> Option<&VariantMeasurement> {
        self.measurements.get(c).and_then(Option::as_ref)
    }
    pub(super) fn is_measured(&self, c: &Coord) -> bool {
        self.measurements.contains_key(c)
    }
    pub(super) fn visits(&self, c: &Coord) -> u32 {
        self.visits.get(c).copied().unwrap_or(0)
    }
}

pub(super) struct Ctx<'a> {
    pub(super) dims: &'a [Dim],
    pub(super) data: &'a CoordinateData,
    pub(super) constraints: &'a Constraints,
    pub(super) objectives: &'a Objectives,
}

impl Ctx<'_> {
    pub(super) fn passes(&self, m: &VariantMeasurement) -> bool {
        passes_constraints(self.constraints, m)
    }
}

/// `Neighborhood`: the coordinates within `RADIUS` of a home coordinate.
#[derive(Clone)]
pub(super) struct Neighborhood {
    pub(super) home: Coord,
    pub(super) coords: Vec<Coord>,
    pub(super) force_slow: bool,
}

pub(super) fn distance(a: &[i64], b: &[i64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) * (x - y)) as f64)
        .sum::<f64>()
        .sqrt()
}

/// `Neighborhood._get_potential_steps`, in Model Analyzer's order (its
/// recursion flips signs in place, which fixes the enumeration order).
pub(super) fn potential_steps(n: usize, radius: i64) -> Vec<Vec<i64>> {
    fn append_combinations(cur: &mut [i64], index: usize, out: &mut Vec<Vec<i64>>) {
        if index + 1 == cur.len() {
            out.push(cur.to_vec());
            if cur[index] != 0 {
                cur[index] = -cur[index];
                out.push(cur.to_vec());
            }
        } else {
            append_combinations(cur, index + 1, out);
            if cur[index] != 0 {
                cur[index] = -cur[index];
                append_combinations(cur, index + 1, out);
            }
        }
    }
    fn permute(cur: &mut [i64], radius: i64, index: usize, out: &mut Vec<Vec<i64>>) {
        let base = vec![0i64; cur.len()];
        for i in 0..=radius {
            cur[index] = i;
            if index == cur.len() - 1 {
                if distance(&base, cur) <= radius as f64 {
                    append_combinations(cur, 0, out);
                } else {
                    return;
                }
            } else {
                permute(cur, radius, index + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut cur = vec![0i64; n];
    permute(&mut cur, radius, 0, &mut out);
    out
}

impl Neighborhood {
    pub(super) fn new(home: Coord, dims: &[Dim]) -> Self {
        let coords = potential_steps(dims.len(), RADIUS)
            .into_iter()
            .map(|step| {
                step.iter()
                    .zip(&home)
                    .map(|(s, h)| s + h)
                    .collect::<Coord>()
            })
            .filter(|c| c.iter().zip(dims).all(|(v, d)| *v >= d.min && *v <= d.max))
            .collect();
        Neighborhood {
            home,
            coords,
            force_slow: false,
        }
    }

    pub(super) fn home_measurement<'c>(&self, ctx: &'c Ctx) -> Option<&'c VariantMeasurement> {
        ctx.data.get(&self.home)
    }

    /// `_get_coordinates_with_valid_measurements` (excluding home).
    pub(super) fn valid_neighbors(&self, ctx: &Ctx) -> Vec<Coord> {
        self.coords
            .iter()
            .filter(|c| **c != self.home && ctx.data.get(c).is_some())
            .cloned()
            .collect()
    }

    pub(super) fn adjacent(&self, dims: &[Dim]) -> Vec<Coord> {
        let mut out = Vec::new();
        for (d, dim) in dims.iter().enumerate() {
            let mut down = self.home.clone();
            down[d] -= 1;
            if down[d] >= dim.min {
                out.push(down);
            }
            let mut up = self.home.clone();
            up[d] += 1;
            if up[d] <= dim.max {
                out.push(up);
            }
        }
        out
    }

    pub(super) fn is_slow_mode(&self, ctx: &Ctx) -> bool {
        if self.force_slow {
            return true;
        }
        let Some(home) = self.home_measurement(ctx) else {
            return false;
        };
        let neighbors = self.valid_neighbors(ctx);
        let passing = neighbors
            .iter()
            .filter(|c| ctx.data.get(c).is_some_and(|m| ctx.passes(m)))
            .count();
        let any_failing = passing != neighbors.len();
        let any_passing = passing != 0;
        let home_passing = ctx.passes(home);
        (home_passing && any_failing) || (!home_passing && any_passing)
    }

    pub(super) fn enough_coordinates_initialized(&self, ctx: &Ctx) -> bool {
        if self.is_slow_mode(ctx) {
            self.adjacent(ctx.dims)
                .iter()
                .all(|c| ctx.data.is_measured(c))
        } else {
            self.valid_neighbors(ctx).len() >= MIN_INITIALIZED
        }
    }

    pub(super) fn determine_new_home(&self, ctx: &Ctx) -> Coord {
        if self.is_slow_mode(ctx) {
            self.best_coordinate_found(ctx)
        } else {
            self.calculate_new_home(ctx)
        }
    }

    /// `_get_best_coordinate_found`: the best passing neighbour (or home).
    pub(super) fn best_coordinate_found(&self, ctx: &Ctx) -> Coord {
        let mut candidates: Vec<(Coord, &VariantMeasurement)> = self
            .valid_neighbors(ctx)
            .into_iter()
            .filter_map(|c| ctx.data.get(&c).filter(|m| ctx.passes(m)).map(|m| (c, m)))
            .collect();
        if candidates.is_empty() {
            return self.home.clone();
        }
        if let Some(h) = self.home_measurement(ctx).filter(|m| ctx.passes(m)) {
            candidates.push((self.home.clone(), h));
        }
        // Model Analyzer's best by the point estimates: the leader.
        let mut best = 0;
        for i in 1..candidates.len() {
            let score = objective_score(ctx.objectives, candidates[i].1, candidates[best].1);
            let better = score > COMPARISON_SCORE_THRESHOLD
                || (score == 0.0 && is_later_vector(&candidates[i].0, &candidates[best].0, &self.home));
            if better {
                best = i;
            }
        }
        // Home wins a statistical tie with the leader (issue 12): no step on
        // noise. The tie is with the leader itself, never through a chain of
        // ties (the test is not transitive; see `anchored_order`).
        if let Some(h) = self.home_measurement(ctx).filter(|m| ctx.passes(m)) {
            if candidates[best].0 != self.home && statistically_tied(ctx.objectives, candidates[best].1, h) {
                return self.home.clone();
            }
        }
        candidates.swap_remove(best).0
    }

    /// `_calculate_new_home`: weighted step vector, translated and clamped.
    pub(super) fn calculate_new_home(&self, ctx: &Ctx) -> Coord {
        let step = self.step_vector(ctx);
        self.home
            .iter()
            .zip(step)
            .zip(ctx.dims)
            .map(|((h, s), d)| (h + translate(s)).clamp(d.min, d.max))
            .collect()
    }

    pub(super) fn step_vector(&self, ctx: &Ctx) -> Vec<f64> {
        let n = ctx.dims.len();
        let Some(home) = self.home_measurement(ctx) else {
            return vec![0.0; n];
        };
        let compare_constraints_mode = !ctx.passes(home);
        let mut step = vec![0.0; n];
        let mut sums = vec![0.0; n];
        for c in self.valid_neighbors(ctx) {
            let Some(m) = ctx.data.get(&c) else { continue };
            let weight = if compare_constraints_mode {
                compare_constraints(ctx.constraints, home, m).unwrap_or(0.0)
            } else {
                // A tied neighbour gives no direction (issue 12).
                -significant_score(ctx.objectives, home, m)
            };
            for (d, (v, h)) in c.iter().zip(&self.home).enumerate() {
                let delta = (v - h) as f64;
                if delta > 0.0 {
                    step[d] += weight;
                    sums[d] += delta;
                } else if delta < 0.0 {
                    step[d] -= weight;
                    sums[d] -= delta;
                }
            }
        }
        for d in 0..n {
            if sums[d] != 0.0 {
                step[d] /= sums[d];
            }
        }
        step
    }

    pub(super) fn pick_coordinate_to_initialize(&self, ctx: &Ctx) -> Option<Coord> {
        if self.is_slow_mode(ctx) {
            return self
                .adjacent(ctx.dims)
                .into_iter()
                .find(|c| !ctx.data.is_measured(c));
        }
        let n = ctx.dims.len();
        let mut covered: Vec<Vec<i64>> = vec![Vec::new(); n];
        for c in self.valid_neighbors(ctx) {
            for (d, v) in c.iter().enumerate() {
                covered[d].push(*v);
            }
        }
        let mut best: Option<(usize, &Coord)> = None;
        for c in &self.coords {
            if ctx.data.is_measured(c) {
                continue;
            }
            let uncovered = c
                .iter()
                .enumerate()
                .filter(|(d, v)| !covered[*d].contains(v))
                .count();
            if best.is_none_or(|(b, _)| uncovered > b) {
                best = Some((uncovered, c));
            }
        }
        best.map(|(_, c)| c.clone())
    }

    pub(super) fn nearest_neighbor(&self, target: &Coord) -> Coord {
        let mut best = self.home.clone();
        let mut best_d = f64::INFINITY;
        for c in &self.coords {
            let d = distance(c, target);
            if d < best_d {
                best_d = d;
                best = c.clone();
            }
        }
        best
    }
}

/// Tie-break of `sorted(zip(measurements, vectors))[-1]`: the larger vector.
pub(super) fn is_later_vector(a: &Coord, b: &Coord, home: &Coord) -> bool {
    let va: Vec<i64> = a.iter().zip(home).map(|(x, h)| x - h).collect();
    let vb: Vec<i64> = b.iter().zip(home).map(|(x, h)| x - h).collect();
    va > vb
}

/// `Neighborhood._translate_value` with [`TRANSLATION_LIST`].
pub(super) fn translate(v: f64) -> i64 {
    let mut ret = 0;
    for (i, bound) in TRANSLATION_LIST.iter().enumerate() {
        if v > 0.0 && v > *bound {
            ret = i as i64 + 1;
        }
        if v < 0.0 && v < -bound {
            ret = -(i as i64 + 1);
        }
    }
    ret
}
