//! `tritium_model_switch: replace` (issue 13) on the embedded Triton: a
//! brute search of sleep_fixed over max batch 1, 2 (configs that differ in
//! `max_batch_size` cannot be updated in place) loads each next config over
//! the loaded one, without the unload, and still measures every config;
//! `unload` takes the bounded unload for the same switches. Wall times are
//! benchmarks (docs/benchmarks.md), not asserted here.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use tritium::profile::results::ProfileResults;

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn run(dir: &Path, switch: &str) -> (ProfileResults, String) {
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: sleep_fixed\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\ncheckpoint_directory: {out}/ckpt\n\
         override_output_model_repository: true\nrun_config_search_mode: brute\nduration_seconds: 0\n\
         run_config_search_max_instance_count: 1\nrun_config_search_max_model_batch_size: 2\nconcurrency: [2]\n\
         tritium_model_switch: {switch}\ntritium_measurement_rule: perf_analyzer\nperf_analyzer_flags:\n  measurement-interval: 200\n  max-trials: 5\n",
        repo = common::models_dir().display(),
        out = dir.display()
    );
    std::fs::create_dir_all(dir).unwrap();
    let cfg = dir.join("switch.yaml");
    std::fs::write(&cfg, yaml).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tritium")).args(["profile", "-f", cfg.to_str().unwrap()]).output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    (ProfileResults::read(&dir.join("export/results/results.json")).unwrap(), t)
}

/// The configs of the run's model with a result, sorted.
fn measured(r: &ProfileResults) -> Vec<String> {
    let m = &r.models[0];
    let mut v: Vec<String> = m.configs.iter().filter(|c| m.has_result(&c.name)).map(|c| c.name.clone()).collect();
    v.sort();
    v
}

#[test]
fn replace_loads_over_the_loaded_config_and_unload_waits() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let (replaced, out) = run(&d.path().join("replace"), "replace");
    let (unloaded, out_u) = run(&d.path().join("unload"), "unload");
    assert!(measured(&replaced).len() >= 3, "default + max batch 1, 2 measured: {:?}\n{out}", measured(&replaced));
    assert_eq!(measured(&replaced), measured(&unloaded), "the same configs measured either way\n{out}\n{out_u}");
    let (r, u) = (&replaced.models[0].search, &unloaded.models[0].search);
    assert!(r.replaced_loads >= 1, "no switch replaced the loaded config: {r:?}\n{out}");
    assert!(r.replaced_loads < r.loads, "the first load has nothing to replace: {r:?}");
    assert_eq!(u.replaced_loads, 0, "{u:?}");
    assert!(out.contains("is loaded over the loaded one (tritium_model_switch replace"), "{out}");
    assert!(!out_u.contains("is loaded over the loaded one"), "{out_u}");
    // The replaced config's stubs exit during the next measurements: expected, so no level
    // ends on "the Python stub ... exited during the measurement".
    let raw = std::fs::read_to_string(d.path().join("replace/export/results/results.json")).unwrap();
    assert!(!raw.contains("exited during the measurement"), "a retiring stub ended a level:\n{raw}");
    // The unload mode's full switches waited for unloads.
    let tu = unloaded.time.as_ref().expect("time anatomy");
    assert!(tu.unload_seconds > 0.0, "{tu:?}");
}

/// `preload`: while a config is measured, the config the search expects next
/// (brute search: the next of its walk) loads under the model's alias; the
/// switch to it is a change of name. The same configs are measured as with
/// `unload`, and the stubs of the preloaded and the retired configs never
/// trip the measurement's stub watch.
#[test]
fn preload_loads_the_next_config_during_the_measurement() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    let (pre, out) = run(&d.path().join("preload"), "preload");
    let (unloaded, out_u) = run(&d.path().join("unload"), "unload");
    assert_eq!(measured(&pre), measured(&unloaded), "the same configs measured either way\n{out}\n{out_u}");
    let s = &pre.models[0].search;
    assert!(out.contains("loads during each measurement, as sleep_fixed__tritium_next"), "{out}");
    // default -> max batch 1 -> max batch 2: both switches foretold by the walk.
    assert!(s.preloaded_loads >= 2, "switches served by a preload: {s:?}\n{out}");
    assert!(s.preloads >= s.preloaded_loads && s.preloaded_loads < s.loads, "the first load has nothing before it: {s:?}");
    assert_eq!(unloaded.models[0].search.preloads, 0);
    let raw = std::fs::read_to_string(d.path().join("preload/export/results/results.json")).unwrap();
    assert!(!raw.contains("exited during the measurement"), "a preloaded or retired stub ended a level:\n{raw}");
    // Each config's record names the model, not the alias (the output repository is deployable).
    assert!(!raw.contains("\"name\": \"sleep_fixed__tritium_next\""), "{raw}");
    for c in &pre.models[0].configs {
        assert_eq!(c.config.get("name").and_then(|n| n.as_str()), Some("sleep_fixed"), "{}", c.name);
    }
}
