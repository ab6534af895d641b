//! How a config switch reaches the next config: what each model (the
//! model, or an ensemble's composing models) needs, from the config it has
//! loaded and the one asked for.
//!
//! Triton 2.51 updates a loaded model **in place** when a load with a new
//! config differs from the loaded config only in its instance counts: the
//! running instances are kept and only the missing ones start (or the extra
//! ones stop); measured with the same core library's load-with-config on the
//! Python backend (docs/benchmarks.md, "Loading"): 0.25–0.7 s to add
//! instances against 1.3–2 s for a fresh load plus the unload before it.
//! tritium uses it only to **add** instances: removing them makes the
//! (unbounded) load call wait for the removed instances to finish, which a
//! hung `execute()` never does, while the unload of a full reload is bounded.
//! Any other change is a full reload: unload (bounded), then load — or,
//! with `tritium_model_switch: replace` (the default `auto` on machines of
//! 8 cores or more), a load over the loaded config: Triton starts the new
//! instances and unloads the old ones in the background, so the switch does
//! not wait for the Python stubs to exit (one after another, ~1.2 s each on
//! the H200). `EmbeddedMeasurer::apply` replaces only a single model (not an
//! ensemble's steps) whose last measurement ended with every request answered
//! and none failed; otherwise the bounded unload finds out whether a hung
//! `execute()` wedged the model. The replaced config's stubs are left out of
//! the next measurements' stub watch (`BenchConfig::retiring_stubs`): their
//! exit is expected and must not end a level.

use serde_json::Value;

/// What one model needs to go from its loaded config to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// The loaded config is the one asked for: nothing to do.
    Same,
    /// Only instance counts differ, none lower: load the new config without
    /// unloading (Triton adds the missing instances in place).
    InPlace,
    /// Anything else (or nothing loaded): unload, then load.
    Full,
}

/// The switch from `loaded` (None: nothing known to be loaded) to `next`.
pub fn switch_for(loaded: Option<&Value>, next: &Value) -> Switch {
    let Some(loaded) = loaded else { return Switch::Full };
    if loaded == next {
        return Switch::Same;
    }
    if without_counts(loaded).is_some_and(|a| without_counts(next).is_some_and(|b| a == b)) && counts(next).iter().zip(counts(loaded)).all(|(n, l)| *n >= l) {
        Switch::InPlace
    } else {
        Switch::Full
    }
}

/// Each instance group's `count` (Triton's default 1 when absent).
fn counts(config: &Value) -> Vec<u64> {
    config.get("instance_group").and_then(Value::as_array).map(|g| g.iter().map(|g| g.get("count").and_then(Value::as_u64).unwrap_or(1)).collect()).unwrap_or_default()
}

/// The config with every `instance_group[*].count` removed; None when the
/// config has no instance groups (nothing to update in place).
fn without_counts(config: &Value) -> Option<Value> {
    let mut c = config.clone();
    let groups = c.get_mut("instance_group")?.as_array_mut()?;
    if groups.is_empty() {
        return None;
    }
    for g in groups.iter_mut() {
        g.as_object_mut()?.remove("count");
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg(mbs: u32, count: u32) -> Value {
        json!({"name": "m", "max_batch_size": mbs, "instance_group": [{"kind": "KIND_CPU", "count": count}], "dynamic_batching": {}})
    }

    #[test]
    fn nothing_loaded_is_a_full_load() {
        assert_eq!(switch_for(None, &cfg(8, 1)), Switch::Full);
    }

    #[test]
    fn the_same_config_needs_nothing() {
        assert_eq!(switch_for(Some(&cfg(8, 2)), &cfg(8, 2)), Switch::Same);
    }

    #[test]
    fn added_instances_go_in_place_removed_ones_through_a_bounded_unload() {
        assert_eq!(switch_for(Some(&cfg(8, 1)), &cfg(8, 4)), Switch::InPlace);
        // Removing instances in place waits, unbounded, for them to finish (a hung execute() never does).
        assert_eq!(switch_for(Some(&cfg(8, 4)), &cfg(8, 2)), Switch::Full);
        let groups = |a: u64, b: u64| json!({"name": "m", "max_batch_size": 8, "instance_group": [{"kind": "KIND_CPU", "count": a}, {"kind": "KIND_CPU", "count": b}]});
        assert_eq!(switch_for(Some(&groups(1, 2)), &groups(2, 2)), Switch::InPlace);
        assert_eq!(switch_for(Some(&groups(1, 2)), &groups(3, 1)), Switch::Full, "one group shrinks");
        let mut unset = cfg(8, 1);
        unset["instance_group"][0].as_object_mut().map(|g| g.remove("count"));
        assert_eq!(switch_for(Some(&unset), &cfg(8, 2)), Switch::InPlace, "an absent count is Triton's 1");
    }

    #[test]
    fn any_other_change_is_a_full_reload() {
        assert_eq!(switch_for(Some(&cfg(8, 1)), &cfg(4, 1)), Switch::Full);
        assert_eq!(switch_for(Some(&cfg(8, 1)), &cfg(4, 2)), Switch::Full);
        let mut gpu = cfg(8, 2);
        gpu["instance_group"][0]["kind"] = json!("KIND_GPU");
        assert_eq!(switch_for(Some(&cfg(8, 1)), &gpu), Switch::Full);
        let mut two_groups = cfg(8, 1);
        two_groups["instance_group"] = json!([{"kind": "KIND_CPU", "count": 1}, {"kind": "KIND_CPU", "count": 1}]);
        assert_eq!(switch_for(Some(&cfg(8, 1)), &two_groups), Switch::Full);
    }

    #[test]
    fn a_config_without_instance_groups_is_reloaded_when_it_changes() {
        let a = json!({"name": "m", "max_batch_size": 8});
        let b = json!({"name": "m", "max_batch_size": 4});
        assert_eq!(switch_for(Some(&a), &b), Switch::Full);
        assert_eq!(switch_for(Some(&a), &a.clone()), Switch::Same);
    }
}
