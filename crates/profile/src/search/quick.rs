//! [`QuickSearch`]: Model Analyzer's hill-climbing quick search.

use std::collections::BTreeMap;

use super::composing::{ensemble_dims, ensemble_variant_at};
use super::neighborhood::{Coord, CoordinateData, Ctx, Dim, Neighborhood};
use super::runner::Runner;
use super::sweep::floor_log2;
use super::remeasure::TieDecision;
use super::{compare_constraints, fixed_field_combinations, objective_score, significant_score, passes_constraints, statistically_tied, VariantMeasurement, Measurer, ModelConfigVariant, SearchOutcome, SearchPhase, SearchSpace, SearchStrategy, SearchEvent};

/// Model Analyzer's quick search (`QuickPlusConcurrencySweepRunConfigGenerator`).
///
/// The default config is measured first at concurrency
/// `2 * max_batch_size * instance_count`. The climb
/// (`QuickRunConfigGenerator` + `Neighborhood`) runs over coordinates
/// `[log2(max_batch_size), instance_count - 1]` (only the instance dimension
/// when the model does not batch), starting at the minimum. Each coordinate
/// is measured once at concurrency `2 * max_batch_size * instance_count`
/// (`_calculate_concurrency`), clamped to the concurrency bounds. From the
/// home coordinate it measures neighbours within radius 3 (preferring
/// uncovered dimension values) until 3 have valid measurements, then steps
/// along the weighted gain vector (by objectives when home passes the
/// constraints, by closeness to passing otherwise; magnitudes above 0.09,
/// 0.3, 1.0 step 1, 2, 3). When passing and failing points meet, it switches
/// to slow mode: measure the adjacent neighbours and move to the best passing
/// one. It steps back toward the best coordinate seen when a home fails
/// after a passing one (or has no valid measurement), and stops when the new
/// home equals the old one, was visited twice, or nothing is left to
/// measure. Then the top `num_configs_per_model` configs and the default get
/// the concurrency sweep with binary search (unless
/// `concurrency_sweep_disable`).
///
/// An ensemble ([`SearchSpace::composing`] set) is climbed over one
/// dimension pair per composing model (see `composing`): the coordinate
/// gives each composing model its own max batch size and instance count,
/// the ensemble's max batch size follows the smallest, and the climb
/// concurrency is `2 x max_batch_size x instances` of the first composing
/// model, as in Model Analyzer; the default ensemble is measured at
/// `2 x` its own max batch size.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuickSearch;

#[derive(Clone)]
struct Climb {
    dims: Vec<Dim>,
    data: CoordinateData,
    home: Coord,
    to_measure: Coord,
    best_coord: Coord,
    best: Option<VariantMeasurement>,
    best_variant: Option<ModelConfigVariant>,
    neighborhood: Neighborhood,
    home_has_passed: bool,
    done: bool,
}

impl QuickSearch {
    fn dims(space: &SearchSpace) -> Vec<Dim> {
        if !space.composing.is_empty() {
            return ensemble_dims(&space.composing);
        }
        let mut dims = Vec::new();
        if space.supports_batching {
            let min = i64::from(floor_log2(space.search.bounds.min_model_batch_size.max(1)));
            let min = if 1u32 << min < space.search.bounds.min_model_batch_size {
                min + 1
            } else {
                min
            };
            let max = i64::from(floor_log2(space.search.bounds.max_model_batch_size.max(1)));
            dims.push(Dim {
                min,
                max: max.max(min),
                exponential: true,
            });
        }
        let imin = i64::from(space.search.bounds.min_instance_count.max(1)) - 1;
        let imax = i64::from(space.search.bounds.max_instance_count.max(1)) - 1;
        dims.push(Dim {
            min: imin,
            max: imax.max(imin),
            exponential: false,
        });
        dims
    }

    /// The variant at `coord` and its unclamped climb concurrency
    /// (`_calculate_concurrency`: `2 x max_batch_size x instances`; for an
    /// ensemble those of its first composing model).
    fn variant_at(space: &SearchSpace, dims: &[Dim], coord: &[i64], fixed: &BTreeMap<String, serde_json::Value>) -> (ModelConfigVariant, u64) {
        if !space.composing.is_empty() {
            let batches = space.ensemble_max_batch_size.is_some_and(|e| e > 0);
            return ensemble_variant_at(&space.composing, dims, coord, batches);
        }
        let (mbs, instances) = if space.supports_batching {
            (dims[0].value(coord[0]), dims[1].value(coord[1]))
        } else {
            (1, dims[0].value(coord[0]))
        };
        let mut variant = space.automatic_variant(mbs, instances);
        variant.manual = fixed.clone();
        (variant, 2 * u64::from(mbs) * u64::from(instances))
    }

    fn clamp_concurrency(space: &SearchSpace, c: u64) -> u32 {
        let (lo, hi) = space.level_bounds();
        let c = c.clamp(u64::from(lo.max(1)), u64::from(hi.max(1)));
        u32::try_from(c).unwrap_or(u32::MAX)
    }
}

impl Climb {
    fn ctx<'a>(&'a self, space: &'a SearchSpace) -> Ctx<'a> {
        Ctx {
            dims: &self.dims,
            data: &self.data,
            constraints: &space.constraints,
            objectives: &space.objectives,
        }
    }

    /// The coordinate the climb measures after `coord`, were its
    /// measurement valid and equal to `guess` (when the next step depends on
    /// the value, a guess; None when the climb would end).
    fn predict_next(&self, space: &SearchSpace, coord: &Coord, guess: &VariantMeasurement) -> Option<Coord> {
        let mut c = self.clone();
        c.data.measurements.insert(coord.clone(), Some(guess.clone()));
        c.step(space);
        (!c.done && c.to_measure != *coord).then_some(c.to_measure)
    }

    /// `_update_best_measurement`. A statistically tied "improvement" is
    /// not one (issue 12): the two are first re-measured interleaved
    /// ([`Runner::settle`]), and the best changes only when the pooled
    /// neighbour is significantly better; both coordinates keep their
    /// pooled estimates.
    fn update_best(&mut self, space: &SearchSpace, variant: &ModelConfigVariant, m: &VariantMeasurement, r: &mut Runner) {
        let c = &space.constraints;
        let o = &space.objectives;
        let mut m = m.clone();
        let replace = match (&self.best, &self.best_variant) {
            (Some(b), Some(bv)) if passes_constraints(c, b) && passes_constraints(c, &m) && b.variant_key != m.variant_key && statistically_tied(o, b, &m) && objective_score(o, &m, b) > 0.0 => {
                let points = [(bv.clone(), b.batch_size, b.concurrency), (variant.clone(), m.batch_size, m.concurrency)];
                match r.settle(TieDecision::Climb, &points).as_deref() {
                    Some([pb, pm]) => {
                        self.data.measurements.insert(self.best_coord.clone(), Some(pb.clone()));
                        self.data.measurements.insert(self.to_measure.clone(), Some(pm.clone()));
                        self.best = Some(pb.clone());
                        m = pm.clone();
                        -significant_score(o, pb, pm) > 0.0
                    }
                    _ => false,
                }
            }
            (None, _) | (_, None) => true,
            (Some(b), Some(_)) => match (passes_constraints(c, b), passes_constraints(c, &m)) {
                (false, true) => true,
                (false, false) => compare_constraints(c, b, &m).is_some_and(|x| x > 0.0),
                (true, true) => -significant_score(o, b, &m) > 0.0,
                (true, false) => false,
            },
        };
        if replace {
            self.best = Some(m);
            self.best_variant = Some(variant.clone());
            self.best_coord = self.to_measure.clone();
        }
    }

    fn recreate_neighborhood(&mut self, force_slow: bool) {
        self.neighborhood = Neighborhood::new(self.home.clone(), &self.dims);
        *self.data.visits.entry(self.home.clone()).or_insert(0) += 1;
        self.neighborhood.force_slow = force_slow;
    }

    /// `_should_step_back`.
    fn should_step_back(&self, space: &SearchSpace) -> bool {
        if self.to_measure != self.home {
            return false;
        }
        match self.data.get(&self.to_measure) {
            None => true,
            Some(m) => !passes_constraints(&space.constraints, m) && self.home_has_passed,
        }
    }

    fn step(&mut self, space: &SearchSpace) -> Option<String> {
        if self.should_step_back(space) {
            let new = self.neighborhood.nearest_neighbor(&self.best_coord);
            let note = format!("quick: stepping back {:?} -> {:?}", self.home, new);
            if new == self.home {
                self.done = true;
            }
            self.home = new.clone();
            self.to_measure = new;
            self.recreate_neighborhood(true);
            Some(note)
        } else if self
            .neighborhood
            .enough_coordinates_initialized(&self.ctx(space))
        {
            let new = self.neighborhood.determine_new_home(&self.ctx(space));
            if new == self.home || self.data.visits(&new) >= 2 {
                self.done = true;
            }
            let note = format!("quick: stepping {:?} -> {:?}", self.home, new);
            self.home = new.clone();
            self.to_measure = new;
            self.recreate_neighborhood(false);
            Some(note)
        } else {
            match self
                .neighborhood
                .pick_coordinate_to_initialize(&self.ctx(space))
            {
                Some(c) => self.to_measure = c,
                None => self.done = true,
            }
            None
        }
    }
}

impl SearchStrategy for QuickSearch {
    fn name(&self) -> &'static str {
        "quick"
    }

    fn run(
        &mut self,
        space: &SearchSpace,
        measurer: &mut dyn Measurer,
        on_event: &mut dyn FnMut(SearchEvent),
    ) -> SearchOutcome {
        let mut r = Runner::new(space, measurer, on_event);

        r.phase(SearchPhase::Baseline);
        let d = &space.default_variant;
        // An ensemble has no instances of its own: its max batch size alone.
        let default_instances = if d.composing.is_empty() { d.instance_count.max(1) } else { 1 };
        let default_concurrency = Self::clamp_concurrency(
            space,
            2 * u64::from(d.max_batch_size.max(1)) * u64::from(default_instances),
        );
        // Parameters other than the searched ones are fixed; quick search
        // allows a single combination of them.
        let combos = space.model_config_parameters.as_ref().filter(|_| space.composing.is_empty()).map(fixed_field_combinations).unwrap_or_default();
        let fixed: BTreeMap<String, serde_json::Value> = combos.first().cloned().unwrap_or_default();
        let dims = Self::dims(space);
        let start: Coord = dims.iter().map(|d| d.min).collect();
        // The climb starts at the lowest coordinate: it loads during the default's measurement.
        r.expect_next(&Self::variant_at(space, &dims, &start, &fixed).0);
        let mut last_valid = Some(r.measure_checked(d, space.search_batch_size, default_concurrency)).filter(VariantMeasurement::is_valid);
        if combos.len() > 1 {
            r.note(format!(
                "quick search supports one combination of model_config_parameters; using the first of {}",
                combos.len()
            ));
        }

        r.phase(SearchPhase::Quick);
        let mut climb = Climb {
            neighborhood: Neighborhood::new(start.clone(), &dims),
            dims,
            data: CoordinateData::default(),
            home: start.clone(),
            to_measure: start.clone(),
            best_coord: start,
            best: None,
            best_variant: None,
            home_has_passed: false,
            done: false,
        };
        let space_size: usize = climb
            .dims
            .iter()
            .map(|d| (d.max - d.min + 1).max(1) as usize)
            .product();
        let max_iterations = 10 * space_size + 100;
        let mut iterations = 0;
        while !climb.done {
            if r.stopped() {
                break;
            }
            iterations += 1;
            if iterations > max_iterations {
                r.note("quick: iteration limit reached; stopping the climb".into());
                break;
            }
            let coord = climb.to_measure.clone();
            let (variant, concurrency) = Self::variant_at(space, &climb.dims, &coord, &fixed);
            let concurrency = Self::clamp_concurrency(space, concurrency);
            // The coordinate after this one (were this measurement like the last valid one)
            // loads during it (`Measurer::expect_next`).
            if let Some(next) = last_valid.as_ref().and_then(|g| climb.predict_next(space, &coord, g)) {
                r.expect_next(&Self::variant_at(space, &climb.dims, &next, &fixed).0);
            }
            let m = r.measure_checked(&variant, space.search_batch_size, concurrency);
            if m.is_valid() {
                last_valid = Some(m.clone());
            }
            // set_last_results
            let valid = m.is_valid().then_some(m);
            climb.data.measurements.insert(coord.clone(), valid.clone());
            if let Some(m) = &valid {
                climb.update_best(space, &variant, m, &mut r);
                if coord == climb.home && passes_constraints(&space.constraints, m) {
                    climb.home_has_passed = true;
                }
            }
            if let Some(note) = climb.step(space) {
                r.note(note);
            }
        }

        if !space.search.concurrency_sweep_disable && !r.stopped() {
            r.sweep_top_configs();
        }
        r.finish()
    }
}
