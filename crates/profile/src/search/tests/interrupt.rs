//! Strategies stop at once when the run is interrupted.

use super::*;

/// A measurer whose run is interrupted (Ctrl-C) during its `stop_after`-th
/// measurement; it notes how many events had been emitted by then.
struct Interrupted {
    sim: SimModel,
    stop_after: usize,
    calls: usize,
    events: std::rc::Rc<std::cell::RefCell<Vec<SearchEvent>>>,
    events_at_interrupt: usize,
}

impl Measurer for Interrupted {
    fn measure(&mut self, v: &ModelConfigVariant, bc: u32, c: u32) -> VariantMeasurement {
        self.calls += 1;
        let m = self.sim.measure(v, bc, c);
        if self.calls >= self.stop_after {
            self.events_at_interrupt = self.events.borrow().len();
            return VariantMeasurement::failure(c, "interrupted");
        }
        m
    }
    fn skipped(&mut self, v: &ModelConfigVariant, bc: u32, reason: &str) {
        self.sim.skipped(v, bc, reason);
    }
    fn interrupted(&self) -> bool {
        self.calls >= self.stop_after
    }
}

#[test]
fn strategies_stop_at_once_when_interrupted() {
    // A huge space (100 000 instance counts): after the interrupt nothing is
    // measured and no event is emitted, however many configs remain.
    let mut space = SearchSpace::new("sim", default_variant(), true);
    space.search.bounds.max_instance_count = 100_000;
    space.search.bounds.max_model_batch_size = 8;
    space.search.bounds.max_concurrency = 8;
    space.batch_sizes = vec![1, 2];
    let strategies: Vec<Box<dyn SearchStrategy>> = vec![Box::new(BruteSearch), Box::new(QuickSearch)];
    for mut strategy in strategies {
        let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut meas = Interrupted { sim: SimModel::new(), stop_after: 5, calls: 0, events: events.clone(), events_at_interrupt: 0 };
        let sink = events.clone();
        let out = strategy.run(&space, &mut meas, &mut |e| sink.borrow_mut().push(e));
        let name = strategy.name();
        assert_eq!(meas.calls, 5, "{name}: no measurement after the interrupt");
        let events = events.borrow();
        assert_eq!(events.len(), meas.events_at_interrupt, "{name}: events after the interrupt: {:?}", &events[meas.events_at_interrupt..]);
        let measured = events.iter().filter(|e| matches!(e, SearchEvent::Measured { .. })).count();
        assert_eq!(measured, 4, "{name}: the interrupted measurement is not reported");
        assert_eq!(out.measurements.len(), 4, "{name}: the interrupted measurement is not a result");
        assert!(out.measurements.iter().all(|(_, m)| m.is_valid()));
    }
}
