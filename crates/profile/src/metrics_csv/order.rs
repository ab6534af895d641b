//! The order of a model's rows, as Model Analyzer fills its tables
//! (`ResultTableManager.tabulate_results`): configs best first
//! (`SortedResults.results()`: each config's representative measurement —
//! its best passing one, else its best — compared with `is_better_than`),
//! and within a config its passing measurements best first, then its
//! failing ones best first. Model Analyzer does not put passing configs
//! before failing ones; a config is ranked by its representative only.
//!
//! tritium's additions: measurements that produced no result (Model Analyzer
//! has no such rows) follow their config's, in measurement order; configs
//! with no result at all come last. Equivalent measurements keep their
//! measurement order (a stable insertion sort, safe where the weighted score
//! is not a total order).

use serde_json::Value;

use crate::config::Objectives;
use crate::results::{to_measurement, ModelResults};
use crate::search::{is_better_than, representative, VariantMeasurement};

/// The objectives recorded in a results file (`{"perf_throughput": 10}`);
/// Model Analyzer's default for an older file's debug string.
pub fn objectives_of(v: &Value) -> Objectives {
    match v.as_object() {
        Some(o) if !o.is_empty() => Objectives { weights: o.iter().map(|(k, w)| (k.clone(), w.as_f64().unwrap_or(1.0))).collect() },
        _ => Objectives::default(),
    }
}

/// Indices of `items` best first by `is_better_than` (stable).
fn best_first(items: &[&VariantMeasurement], objectives: &Objectives) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && is_better_than(objectives, items[order[j]], items[order[j - 1]]) {
            order.swap(j, j - 1);
            j -= 1;
        }
    }
    order
}

/// Indices into `m.measurements` in Model Analyzer's row order; records of a
/// config the model does not list are left out (as before).
pub fn row_order(m: &ModelResults, objectives: &Objectives) -> Vec<usize> {
    // Per config (in config order): its rows in order, and its representative.
    let mut ranked: Vec<(Vec<usize>, VariantMeasurement)> = Vec::new();
    let mut unranked: Vec<usize> = Vec::new();
    for c in &m.configs {
        let recs: Vec<usize> = (0..m.measurements.len()).filter(|&i| m.measurements[i].config == c.name).collect();
        let ok: Vec<(usize, VariantMeasurement, bool)> = recs
            .iter()
            .filter_map(|&i| {
                let r = &m.measurements[i];
                r.ok_point().map(|p| (i, to_measurement(&c.key, r.level(), p), r.passes != Some(false)))
            })
            .collect();
        let failed = recs.iter().copied().filter(|&i| m.measurements[i].ok_point().is_none());
        let pairs: Vec<(VariantMeasurement, bool)> = ok.iter().map(|(_, vm, pass)| (vm.clone(), *pass)).collect();
        let Some(rep) = representative(&pairs, objectives) else {
            unranked.extend(failed);
            continue;
        };
        let mut rows = Vec::new();
        for passing in [true, false] {
            let group: Vec<&(usize, VariantMeasurement, bool)> = ok.iter().filter(|x| x.2 == passing).collect();
            let vms: Vec<&VariantMeasurement> = group.iter().map(|x| &x.1).collect();
            rows.extend(best_first(&vms, objectives).into_iter().map(|k| group[k].0));
        }
        rows.extend(failed);
        ranked.push((rows, pairs[rep].0.clone()));
    }
    let reps: Vec<&VariantMeasurement> = ranked.iter().map(|(_, r)| r).collect();
    let order = best_first(&reps, objectives);
    order.into_iter().flat_map(|k| ranked[k].0.clone()).chain(unranked).collect()
}
