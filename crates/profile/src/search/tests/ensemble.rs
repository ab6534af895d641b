//! Ensembles searched per composing model: dimensions and bounds
//! ([`ComposingSpace`]), the ensemble variant (key, max batch size, config
//! JSON), and quick search over a simulated two-stage pipeline.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::plan::SearchBounds;
use crate::search::composing::{ensemble_dims, ensemble_variant_at};

fn batched() -> Value {
    json!({"name": "x", "backend": "python", "max_batch_size": 8, "dynamic_batching": {}, "instance_group": [{"count": 1, "kind": "KIND_CPU"}]})
}

fn unbatched() -> Value {
    json!({"name": "x", "backend": "python", "max_batch_size": 0, "instance_group": [{"count": 2, "kind": "KIND_GPU"}]})
}

fn params(v: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(v).unwrap()
}

fn bounds() -> SearchBounds {
    SearchBounds { max_model_batch_size: 16, max_instance_count: 3, ..SearchBounds::default() }
}

#[test]
fn each_composing_model_has_its_own_dimensions() {
    let pre = ComposingSpace::new("pre", &unbatched(), &bounds(), None, false).unwrap();
    let net = ComposingSpace::new("net", &batched(), &bounds(), None, true).unwrap();
    // A model that does not batch has only the instance dimension.
    let dims = ensemble_dims(&[pre.clone(), net.clone()]);
    let shape: Vec<(i64, i64, bool)> = dims.iter().map(|d| (d.min, d.max, d.exponential)).collect();
    assert_eq!(shape, vec![(0, 2, false), (0, 4, true), (0, 2, false)]);
    assert_eq!(pre.instance_kind, "KIND_GPU");
    assert_eq!(net.instance_kind, "KIND_CPU", "cpu_only_composing_models");

    // Coordinate -> each model's own settings; the ensemble batch follows the smallest
    // (a model that does not batch counts 1), concurrency from the first model.
    let (v, c) = ensemble_variant_at(&[pre.clone(), net.clone()], &dims, &[2, 3, 0], true);
    let got: Vec<(&str, u32, u32, &str)> = v.composing.iter().map(|s| (s.name.as_str(), s.max_batch_size, s.instance_count, s.instance_kind.as_str())).collect();
    assert_eq!(got, vec![("pre", 0, 3, "KIND_GPU"), ("net", 8, 1, "KIND_CPU")]);
    assert_eq!((v.max_batch_size, v.instance_count, v.instance_kind.as_str()), (1, 4, "KIND_MIXED"));
    assert_eq!(c, 2 * 3, "2 x max batch (1: no batching) x instances of the first composing model");
    let (v, c) = ensemble_variant_at(&[net.clone(), net.clone()], &ensemble_dims(&[net.clone(), net.clone()]), &[2, 1, 3, 0], true);
    assert_eq!((v.max_batch_size, c), (4, 2 * 4 * 2));
    // An ensemble that does not batch stays unbatched.
    let (v, _) = ensemble_variant_at(std::slice::from_ref(&net), &ensemble_dims(std::slice::from_ref(&net)), &[3, 0], false);
    assert_eq!(v.max_batch_size, 0);
}

#[test]
fn ensemble_composing_models_parameters_bound_each_model() {
    // Powers of two: an exponential instance dimension; a contiguous run: a linear one.
    let p = params(json!({"instance_group": [{"kind": "KIND_CPU", "count": [1, 2, 4, 8]}], "max_batch_size": [2, 4]}));
    let s = ComposingSpace::new("pre", &batched(), &bounds(), Some(&p), false).unwrap();
    assert_eq!((s.instances, s.instances_exponential, s.max_batch_size, s.instance_kind.as_str()), ((1, 8), true, (2, 4), "KIND_CPU"));
    let d = s.dims();
    assert_eq!(d.iter().map(|d| (d.min, d.max)).collect::<Vec<_>>(), vec![(1, 2), (0, 3)]);
    assert_eq!((0..=3).map(|i| d[1].value(i)).collect::<Vec<_>>(), vec![1, 2, 4, 8]);
    let p = params(json!({"instance_group": [[{"count": [2, 3, 4]}]]}));
    let s = ComposingSpace::new("pre", &batched(), &bounds(), Some(&p), true).unwrap();
    assert_eq!((s.instances, s.instances_exponential, s.max_batch_size), ((2, 4), false, (1, 16)), "the run's batch bounds");
    assert_eq!(s.dims()[1].min, 1);
    // Fixed fields are applied to every config of the model.
    let p = params(json!({"parameters": {"k": {"string_value": "v"}}}));
    let s = ComposingSpace::new("pre", &batched(), &bounds(), Some(&p), true).unwrap();
    let cfg = s.settings(&[4, 2]).apply_to(&batched());
    assert_eq!((cfg["parameters"]["k"]["string_value"].clone(), cfg["max_batch_size"].clone(), cfg["instance_group"][0]["count"].clone()), (json!("v"), json!(4), json!(2)));
    // Refused, naming the key: a count list quick search cannot walk, several fixed combinations.
    let e = ComposingSpace::new("pre", &batched(), &bounds(), Some(&params(json!({"instance_group": [{"count": [1, 3, 6]}]}))), false).unwrap_err();
    assert!(e.contains("ensemble_composing_models.pre.model_config_parameters.instance_group") && e.contains("[1, 3, 6]"), "{e}");
    let e = ComposingSpace::new("pre", &batched(), &bounds(), Some(&params(json!({"dynamic_batching": {"max_queue_delay_microseconds": [0, 100]}}))), false).unwrap_err();
    assert!(e.contains("ensemble_composing_models.pre.model_config_parameters") && e.contains("2 given"), "{e}");
}

#[test]
fn ensemble_variant_keys_name_every_composing_model() {
    let net = ComposingSpace::new("net", &batched(), &bounds(), None, true).unwrap();
    let dims = ensemble_dims(&[net.clone(), net.clone()]);
    let mut two = vec![net.clone(), net.clone()];
    two[0].name = "pre".into();
    let (a, _) = ensemble_variant_at(&two, &dims, &[3, 2, 3, 0], true);
    let (b, _) = ensemble_variant_at(&two, &dims, &[3, 0, 3, 2], true);
    assert_eq!(a.key(), "config_pre.i3cpu_b8_db__net.i1cpu_b8_db");
    assert_ne!(a.key(), b.key(), "same totals, different composing settings");
    assert_eq!(a.instance_count, b.instance_count);
    // Plain models and defaults keep their keys (old results and checkpoints).
    assert_eq!(ModelConfigVariant::automatic(8, 1, "KIND_CPU", true).key(), "config_i1cpu_b8_db");
    let d = ensemble_default_variant(&json!({"max_batch_size": 8}), &[("pre".into(), unbatched()), ("net".into(), batched())], "KIND_CPU");
    assert_eq!((d.key().as_str(), d.instance_count, d.max_batch_size), ("config_default", 3, 8));
}

#[test]
fn ensemble_config_json_gives_each_composing_model_its_own_config() {
    let ens = json!({"name": "ens", "platform": "ensemble", "max_batch_size": 8, "ensemble_scheduling": {"step": [{"model_name": "pre"}, {"model_name": "net"}]}});
    let composing = vec![("pre".to_string(), batched()), ("net".to_string(), batched())];
    let pre = ComposingSettings { name: "pre".into(), max_batch_size: 8, instance_count: 4, instance_kind: "KIND_CPU".into(), dynamic_batching: true, manual: BTreeMap::new() };
    let net = ComposingSettings { name: "net".into(), max_batch_size: 2, instance_count: 1, instance_kind: "KIND_GPU".into(), dynamic_batching: true, manual: BTreeMap::new() };
    let v = ModelConfigVariant::ensemble(vec![pre, net], true);
    let j = v.ensemble_config_json("ens", &ens, &composing, &[]);
    assert_eq!(j["ensemble"]["max_batch_size"], json!(2), "the smallest composing max batch size");
    assert_eq!(j["ensemble"]["name"], json!("ens"));
    assert_eq!(j["composing"]["pre"]["instance_group"], json!([{"count": 4, "kind": "KIND_CPU"}]));
    assert_eq!(j["composing"]["net"]["instance_group"], json!([{"count": 1, "kind": "KIND_GPU"}]));
    assert_eq!((j["composing"]["pre"]["max_batch_size"].clone(), j["composing"]["net"]["max_batch_size"].clone()), (json!(8), json!(2)));
    assert_eq!((j["composing"]["pre"]["name"].clone(), j["composing"]["net"]["name"].clone()), (json!("pre"), json!("net")));
    // The default loads every model as it is.
    let d = ensemble_default_variant(&ens, &composing, "KIND_CPU");
    let j = d.ensemble_config_json("ens", &ens, &composing, &["pre".into()]);
    assert_eq!(j["composing"]["pre"], batched().as_object().map(|o| { let mut o = o.clone(); o.insert("name".into(), json!("pre")); Value::Object(o) }).unwrap());
    assert_eq!(j["ensemble"]["max_batch_size"], json!(8));
}

/// A two-stage pipeline: `pre` costs 20 ms per request (instances help,
/// batching does not); `net` costs 10 ms per execution, executions
/// serialized across its instances (batching helps, instances do not).
/// Throughput = min(concurrency-limited, pre_instances x 50, net_batch x 100).
struct SimPipeline {
    points: Vec<(ModelConfigVariant, u32)>,
}

impl Measurer for SimPipeline {
    fn measure(&mut self, v: &ModelConfigVariant, bc: u32, c: u32) -> VariantMeasurement {
        self.points.push((v.clone(), c));
        let get = |n: &str| v.composing.iter().find(|s| s.name == n).cloned();
        let (Some(pre), Some(net)) = (get("pre"), get("net")) else {
            return VariantMeasurement::failure(c, "not an ensemble variant");
        };
        let pre_cap = f64::from(pre.instance_count) * 50.0;
        let net_cap = f64::from(net.max_batch_size.max(1)) * 100.0;
        let cap = pre_cap.min(net_cap);
        // A request takes at least 30 ms end to end.
        let throughput = cap.min(f64::from(c) / 0.030);
        let latency_us = (f64::from(c) / throughput * 1e6).max(30_000.0);
        VariantMeasurement {
            batch_size: bc,
            throughput,
            latency_p99_us: latency_us * 1.2,
            latency_p95_us: latency_us * 1.1,
            latency_p90_us: latency_us * 1.05,
            latency_p50_us: latency_us,
            latency_avg_us: latency_us,
            ..Default::default()
        }
    }
}

#[test]
fn quick_search_finds_unequal_instance_counts_in_a_pipeline() {
    let ens = json!({"name": "ens", "platform": "ensemble", "max_batch_size": 8});
    let composing = vec![("pre".to_string(), batched()), ("net".to_string(), batched())];
    let b = SearchBounds { max_model_batch_size: 8, max_instance_count: 4, max_concurrency: 64, ..SearchBounds::default() };
    let pre = ComposingSpace::new("pre", &batched(), &b, Some(&params(json!({"max_batch_size": [8]}))), true).unwrap();
    let net = ComposingSpace::new("net", &batched(), &b, Some(&params(json!({"instance_group": [{"count": [1, 2]}]}))), true).unwrap();
    let mut space = SearchSpace::new("ens", ensemble_default_variant(&ens, &composing, "KIND_CPU"), true);
    space.search.bounds = b;
    space.search.num_configs_per_model = 1;
    space.ensemble_max_batch_size = Some(8);
    space.composing = vec![pre, net];
    let mut sim = SimPipeline { points: Vec::new() };
    let mut events = Vec::new();
    let out = QuickSearch.run(&space, &mut sim, &mut |e| events.push(e));
    let best = &out.top[0].variant;
    let (p, n) = (&best.composing[0], &best.composing[1]);
    assert_eq!((p.name.as_str(), n.name.as_str()), ("pre", "net"));
    assert_eq!(p.instance_count, 4, "{:?}", out.top);
    assert_eq!(n.instance_count, 1, "a tie broken towards fewer instances: {:?}", out.top);
    assert!(n.max_batch_size >= 2, "{:?}", out.top);
    assert_eq!(out.top[0].best.throughput, 200.0);
    // The climb measures at 2 x max batch x instances of the first composing model (clamped).
    let (first, c) = &sim.points[1];
    assert_eq!((first.composing[0].instance_count, first.composing[0].max_batch_size, *c), (1, 8, 16));
    // The default is measured first at 2 x the ensemble's own max batch size.
    assert!(sim.points[0].0.is_default && sim.points[0].1 == 16);
}
