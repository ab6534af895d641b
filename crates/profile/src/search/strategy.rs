//! The [`SearchStrategy`] trait, the events a search reports and its
//! outcome.

use crate::config::SearchMode;

use super::{BruteSearch, DriftPoint, DriftReport, Measurer, ModelConfigVariant, QuickSearch, RankedConfig, Remeasurement, SearchSpace, VariantMeasurement};

/// A stage of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPhase {
    /// The model's default config.
    Baseline,
    /// Brute force over instance count x max batch size.
    Brute,
    /// Manual sweep of `model_config_parameters`.
    Manual,
    /// Quick search's hill climbing.
    Quick,
    /// Final concurrency sweep (+ binary search) of the top configs.
    ConcurrencySweep,
}

/// Progress reported while searching.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchEvent {
    /// A phase begins.
    PhaseStarted(SearchPhase),
    /// A measurement was taken (`cached`: reused, the measurer was not called).
    Measured {
        /// Current phase.
        phase: SearchPhase,
        /// The measured variant.
        variant: Box<ModelConfigVariant>,
        /// The measurement.
        measurement: Box<VariantMeasurement>,
        /// Whether it satisfies the constraints.
        passes: bool,
        /// True when reused from an earlier identical measurement.
        cached: bool,
    },
    /// A client batch size was not measured for a variant (larger than its
    /// `max_batch_size`).
    Skipped {
        /// Current phase.
        phase: SearchPhase,
        /// The variant.
        variant_key: String,
        /// The client batch size not measured.
        batch_size: u32,
        /// Why.
        reason: String,
    },
    /// A sweep stopped early.
    EarlyExit {
        /// Current phase.
        phase: SearchPhase,
        /// The variant whose sweep stopped.
        variant_key: String,
        /// Why.
        reason: String,
    },
    /// The search switches the measurer to another variant (a config load;
    /// issue 13 makes their number visible). Emitted before the measurer
    /// call; a measurer that serves the point from its store loads nothing.
    Loaded {
        /// Current phase.
        phase: SearchPhase,
        /// The variant loaded.
        variant_key: String,
        /// Loads so far in this search, this one included.
        loads: usize,
    },
    /// Other information (quick-search steps, warnings).
    Note(String),
    /// A tied contender was measured again (interleaved re-measurement;
    /// [`Measurer::remeasure`], never a cached value).
    Remeasured {
        /// Current phase.
        phase: SearchPhase,
        /// The re-measured variant.
        variant: Box<ModelConfigVariant>,
        /// This repeat (not pooled).
        measurement: Box<VariantMeasurement>,
        /// Round of the re-measurement (1 = the first extra round).
        round: u32,
    },
    /// An interleaved re-measurement of tied contenders ended.
    TieSettled(Box<Remeasurement>),
    /// The drift reference point was measured again.
    DriftChecked {
        /// Current phase.
        phase: SearchPhase,
        /// The reference variant's key.
        variant_key: String,
        /// The reference's first measurement.
        first: DriftPoint,
        /// This measurement.
        point: DriftPoint,
        /// Set when it differs significantly from the first.
        warning: Option<String>,
    },
}

/// The result of a search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchOutcome {
    /// Every search measurement taken, in order (each [`Measurer::measure`]
    /// call once). A point re-measured to settle a tie holds the pooled
    /// estimate of its repeats (see [`remeasurements`](Self::remeasurements));
    /// drift checks are not here (see [`drift`](Self::drift)).
    pub measurements: Vec<(ModelConfigVariant, VariantMeasurement)>,
    /// The top `num_configs_per_model` variants (see [`top_configs`](super::top_configs)).
    pub top: Vec<RankedConfig>,
    /// The default config's best measurement, always reported separately.
    pub default: Option<RankedConfig>,
    /// Interleaved re-measurements of tied contenders, in order.
    pub remeasurements: Vec<Remeasurement>,
    /// The drift reference's measurements (None: no reference — drift
    /// checks off, or no default measurement with a throughput interval).
    pub drift: Option<DriftReport>,
    /// Measurer calls that switched to another variant (config loads of a
    /// measurer that loads on a variant change; see [`SearchEvent::Loaded`]).
    pub loads: usize,
    /// Configs not loaded or not swept because their throughput bound
    /// cannot beat the incumbent, with the reason (issue 13).
    pub skipped_configs: Vec<(ModelConfigVariant, String)>,
}

impl SearchOutcome {
    /// Number of measurer calls.
    pub fn measurement_count(&self) -> usize {
        self.measurements.len()
    }

    /// Number of distinct variants measured.
    pub fn variant_count(&self) -> usize {
        let mut keys: Vec<String> = self.measurements.iter().map(|(v, _)| v.key()).collect();
        keys.sort();
        keys.dedup();
        keys.len()
    }
}

/// A search strategy: adding a smarter search means adding one type.
pub trait SearchStrategy {
    /// Short name (`brute`, `quick`).
    fn name(&self) -> &'static str;
    /// Runs the search.
    fn run(
        &mut self,
        space: &SearchSpace,
        measurer: &mut dyn Measurer,
        on_event: &mut dyn FnMut(SearchEvent),
    ) -> SearchOutcome;
}

/// The strategy for a configured search mode (None for `optuna`, which
/// tritium does not implement).
pub fn strategy_for(mode: SearchMode) -> Option<Box<dyn SearchStrategy>> {
    match mode {
        SearchMode::Brute => Some(Box::new(BruteSearch)),
        SearchMode::Quick => Some(Box::new(QuickSearch)),
        SearchMode::Optuna => None,
    }
}
