//! `tritium profile` on an ensemble, end to end on a real embedded Triton
//! (CPU): quick search gives each composing model its own coordinates, so it
//! finds a pipeline whose stages need unequal instance counts.
//!
//! Fixture `ens_pipeline` = `pipe_pre` -> `pipe_net` (tests/models/README.md):
//! `pipe_pre` sleeps 20 ms per request (only instances help it: k instances
//! serve k x 50/s); `pipe_net` sleeps 10 ms per execution with its executions
//! serialized across instances (B x 100/s at max batch B, whatever its
//! instance count). The best pipelines have the most preprocessor instances
//! and a max batch of at least 2 for the model, whose extra instances add
//! nothing (a statistical tie, broken towards fewer instances).

mod common;

use std::process::{Command, Output};

use tritium::profile::results::ProfileResults;

fn tritium(args: &[&str]) -> Output {
    Command::new(common::tritium_bin()).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn quick_search_gives_each_composing_model_its_own_instances() {
    common::runtime();
    let d = tempfile::tempdir().unwrap();
    // brute on purpose: an ensemble is searched with quick search, as in Model Analyzer, and the run says so.
    // The climb is what this tests: no final concurrency sweep (each config load starts 2-6 Python stubs).
    let yaml = format!(
        "model_repository: {repo}\nprofile_models: ens_pipeline\nexport_path: {out}/export\noutput_model_repository_path: {out}/models\n\
         checkpoint_directory: {out}/ckpt\nrun_config_search_mode: brute\nnum_configs_per_model: 1\nconcurrency_sweep_disable: true\n\
         run_config_search_max_model_batch_size: 8\nrun_config_search_max_instance_count: 4\nrun_config_search_max_concurrency: 32\n\
         cpu_only_composing_models: [pipe_pre, pipe_net]\n\
         ensemble_composing_models:\n  pipe_pre:\n    model_config_parameters:\n      max_batch_size: [8]\n      instance_group: [{{kind: KIND_CPU, count: [1, 2, 3, 4]}}]\n\
         \x20 pipe_net:\n    model_config_parameters:\n      instance_group: [{{count: [1, 2]}}]\n\
         perf_analyzer_flags:\n  measurement-interval: 200\n",
        repo = common::models_dir().display(),
        out = d.path().display()
    );
    let f = d.path().join("ens.yaml");
    std::fs::write(&f, yaml).unwrap();
    let o = tritium(&["profile", "-f", f.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("run_config_search_mode: brute") && t.contains("quick search"), "the switch to quick is announced: {t}");

    let r = ProfileResults::read(&d.path().join("export/results/results.json")).unwrap();
    let m = &r.models[0];
    assert!(m.complete, "{t}");
    let top = m.configs.iter().find(|c| Some(&c.name) == m.top.first()).unwrap_or_else(|| panic!("a top config: {t}"));
    let comp = |name: &str| top.variant.composing.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} in {:?}", top.variant));
    let (pre, net) = (comp("pipe_pre"), comp("pipe_net"));
    assert!(
        pre.instance_count > net.instance_count,
        "best {}: pipe_pre {} x, pipe_net {} x; configs {:?}\n{t}",
        top.name,
        pre.instance_count,
        net.instance_count,
        m.configs.iter().map(|c| (&c.name, c.variant.instance_group_label(), c.variant.max_batch_size_label())).collect::<Vec<_>>()
    );
    // The bounds from ensemble_composing_models hold for every config searched.
    for c in m.configs.iter().filter(|c| !c.variant.is_default) {
        let pre = c.variant.composing.iter().find(|x| x.name == "pipe_pre").expect("pipe_pre settings");
        let net = c.variant.composing.iter().find(|x| x.name == "pipe_net").expect("pipe_net settings");
        assert!(pre.max_batch_size == 8 && (1..=4).contains(&pre.instance_count), "{:?}", c.variant);
        assert!((1..=2).contains(&net.instance_count) && [1, 2, 4, 8].contains(&net.max_batch_size), "{:?}", c.variant);
        assert_eq!(pre.instance_kind, "KIND_CPU");
        // The ensemble's max batch size follows the smallest composing one.
        assert_eq!(c.config["ensemble"]["max_batch_size"], serde_json::json!(pre.max_batch_size.min(net.max_batch_size)), "{}", c.config);
    }
    // Several composing settings were tried, not one shared coordinate.
    assert!(
        m.configs.iter().any(|c| c.variant.composing.len() == 2 && c.variant.composing[0].instance_count != c.variant.composing[1].instance_count),
        "{t}"
    );

    // The output repository holds the ensemble with each composing model's own config.
    let models = d.path().join("models");
    let ens = std::fs::read_to_string(models.join(&top.name).join("config.pbtxt")).unwrap();
    assert!(ens.contains(&format!("pipe_pre_{}", top.name)) && ens.contains(&format!("pipe_net_{}", top.name)), "{ens}");
    let pre_cfg = std::fs::read_to_string(models.join(format!("pipe_pre_{}", top.name)).join("config.pbtxt")).unwrap();
    let net_cfg = std::fs::read_to_string(models.join(format!("pipe_net_{}", top.name)).join("config.pbtxt")).unwrap();
    assert!(pre_cfg.contains(&format!("count: {}", pre.instance_count)), "{pre_cfg}");
    assert!(net_cfg.contains(&format!("count: {}", net.instance_count)) && net_cfg.contains(&format!("max_batch_size: {}", net.max_batch_size)), "{net_cfg}");
    assert!(models.join(format!("pipe_pre_{}/1/model.py", top.name)).exists());

    // The CSV names each composing model's settings as Model Analyzer does: the composing configs
    // after the ensemble's, and each one's instances, as a quoted list.
    let csv = std::fs::read_to_string(d.path().join("export/results/metrics-model-inference.csv")).unwrap();
    let en = &top.name;
    assert!(csv.contains(&format!(",\"{en}: pipe_pre_{en}, pipe_net_{en}\",\"{}:CPU,{}:CPU\",", pre.instance_count, net.instance_count)), "{csv}");
}
