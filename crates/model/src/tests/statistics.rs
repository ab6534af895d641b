//! Tests of the statistics view and its deltas.

use super::super::*;

const STATS_LATER: &str = r#"{"model_stats":[{"name":"add_sub","version":"1",
    "last_inference":1732812345678,"inference_count":10,"execution_count":5,
    "inference_stats":{
        "success":{"count":10,"ns":12345000},
        "fail":{"count":1,"ns":500},
        "queue":{"count":10,"ns":200000},
        "compute_input":{"count":10,"ns":300000},
        "compute_infer":{"count":10,"ns":5000000},
        "compute_output":{"count":10,"ns":100000},
        "cache_hit":{"count":0,"ns":0},
        "cache_miss":{"count":0,"ns":0}},
    "response_stats":{"0":{"compute_infer":{"count":4,"ns":400},"compute_output":{"count":4,"ns":40},
        "success":{"count":4,"ns":4000},"fail":{"count":0,"ns":0},
        "empty_response":{"count":1,"ns":10},"cancel":{"count":0,"ns":0}}},
    "batch_stats":[
        {"batch_size":1,"compute_input":{"count":3,"ns":100},"compute_infer":{"count":3,"ns":3000},"compute_output":{"count":3,"ns":30}},
        {"batch_size":4,"compute_input":{"count":2,"ns":80},"compute_infer":{"count":2,"ns":2000},"compute_output":{"count":2,"ns":20}}],
    "memory_usage":[{"type":"GPU","id":0,"byte_size":1048576}]}]}"#;

// Same model, earlier snapshot, with every integer encoded as a string.
const STATS_EARLIER: &str = r#"{"model_stats":[{"name":"add_sub","version":"1",
    "last_inference":"1732812300000","inference_count":"4","execution_count":"3",
    "inference_stats":{
        "success":{"count":"4","ns":"4000000"},
        "fail":{"count":"1","ns":"500"},
        "queue":{"count":"4","ns":"80000"},
        "compute_input":{"count":"4","ns":"100000"},
        "compute_infer":{"count":"4","ns":"2000000"},
        "compute_output":{"count":"4","ns":"40000"},
        "cache_hit":{"count":"0","ns":"0"},
        "cache_miss":{"count":"0","ns":"0"}},
    "response_stats":{},
    "batch_stats":[
        {"batch_size":"1","compute_input":{"count":"2","ns":"60"},"compute_infer":{"count":"2","ns":"2000"},"compute_output":{"count":"2","ns":"20"}}],
    "memory_usage":[{"type":"GPU","id":"0","byte_size":"524288"}]}]}"#;

#[test]
fn statistics_parse_numbers_and_strings() {
    let later = ModelStatistics::from_json(STATS_LATER).expect("later");
    let earlier = ModelStatistics::from_json(STATS_EARLIER).expect("earlier");
    let l = later.get("add_sub", Some("1")).expect("add_sub");
    assert_eq!(l.last_inference, 1_732_812_345_678);
    assert_eq!(l.inference_count, 10);
    assert_eq!(l.execution_count, 5);
    assert_eq!(
        l.inference_stats.success,
        StatDuration {
            count: 10,
            ns: 12_345_000
        }
    );
    assert_eq!(l.batch_stats.len(), 2);
    assert_eq!(l.batch(4).map(|b| b.compute_infer.ns), Some(2000));
    assert_eq!(l.response_stats["0"].empty_response.count, 1);
    assert_eq!(l.memory_usage[0].memory_type, "GPU");
    assert_eq!(l.memory_usage[0].byte_size, 1_048_576);
    assert_eq!(l.avg_batch_size(), Some(2.0));

    let e = earlier.get("add_sub", None).expect("add_sub");
    assert_eq!(e.last_inference, 1_732_812_300_000);
    assert_eq!(e.inference_stats.queue.ns, 80_000);
    assert_eq!(e.batch_stats[0].batch_size, 1);
    assert_eq!(e.memory_usage[0].id, 0);
    assert!(later.get("add_sub", Some("2")).is_none());
    assert!(later.get("other", None).is_none());
}

#[test]
fn statistics_large_u64_and_missing_fields() {
    let json = r#"{"model_stats":[{"name":"m","version":"1",
        "inference_stats":{"success":{"count":"18446744073709551615","ns":18446744073709551615}}}]}"#;
    let s = ModelStatistics::from_json(json).expect("parse");
    let m = &s.model_stats[0];
    assert_eq!(m.inference_stats.success.count, u64::MAX);
    assert_eq!(m.inference_stats.success.ns, u64::MAX);
    assert_eq!(m.inference_stats.queue, StatDuration::default());
    assert!(m.batch_stats.is_empty());
    assert!(ModelStatistics::from_json(r#"{"model_stats":[{"inference_count":-1}]}"#).is_err());
    assert!(
        ModelStatistics::from_json(r#"{"model_stats":[{"inference_count":"x"}]}"#).is_err()
    );
    assert_eq!(
        ModelStatistics::from_json("{}")
            .expect("empty")
            .model_stats
            .len(),
        0
    );
}

#[test]
fn stat_duration_averages() {
    assert_eq!(StatDuration { count: 0, ns: 100 }.avg_ns(), None);
    assert_eq!(StatDuration { count: 4, ns: 100 }.avg_ns(), Some(25.0));
    assert_eq!(StatDuration { count: 2, ns: 3000 }.avg_us(), Some(1.5));
    let later = ModelStatistics::from_json(STATS_LATER).expect("later");
    let st = &later.model_stats[0].inference_stats;
    assert_eq!(st.avg_request_us(), Some(1234.5));
    assert_eq!(st.avg_queue_us(), Some(20.0));
    assert_eq!(st.avg_compute_input_us(), Some(30.0));
    assert_eq!(st.avg_compute_infer_us(), Some(500.0));
    assert_eq!(st.avg_compute_output_us(), Some(10.0));
    assert_eq!(InferenceStats::default().avg_request_us(), None);
}

#[test]
fn delta_computation() {
    let later = ModelStatistics::from_json(STATS_LATER).expect("later");
    let earlier = ModelStatistics::from_json(STATS_EARLIER).expect("earlier");
    let d = later.model_stats[0].delta(&earlier.model_stats[0]);
    assert_eq!(d.name, "add_sub");
    assert_eq!(d.version, "1");
    assert_eq!(d.last_inference, 1_732_812_345_678);
    assert_eq!(d.inference_count, 6);
    assert_eq!(d.execution_count, 2);
    let s = &d.inference_stats;
    assert_eq!(
        s.success,
        StatDuration {
            count: 6,
            ns: 8_345_000
        }
    );
    assert_eq!(s.fail, StatDuration { count: 0, ns: 0 });
    assert_eq!(
        s.queue,
        StatDuration {
            count: 6,
            ns: 120_000
        }
    );
    assert_eq!(
        s.compute_input,
        StatDuration {
            count: 6,
            ns: 200_000
        }
    );
    assert_eq!(
        s.compute_infer,
        StatDuration {
            count: 6,
            ns: 3_000_000
        }
    );
    assert_eq!(
        s.compute_output,
        StatDuration {
            count: 6,
            ns: 60_000
        }
    );
    assert_eq!(s.avg_queue_us(), Some(20.0));
    assert_eq!(s.avg_compute_infer_us(), Some(500.0));
    assert_eq!(s.avg_request_us(), Some(8_345_000.0 / 6.0 / 1000.0));
    // Batch size 1 matched and subtracted, batch size 4 new → kept.
    assert_eq!(d.batch_stats.len(), 2);
    let b1 = d.batch(1).expect("bs1");
    assert_eq!(b1.compute_input, StatDuration { count: 1, ns: 40 });
    assert_eq!(b1.compute_infer, StatDuration { count: 1, ns: 1000 });
    assert_eq!(b1.compute_output, StatDuration { count: 1, ns: 10 });
    assert_eq!(d.batch(4), later.model_stats[0].batch(4));
    // Response stats absent earlier → kept.
    assert_eq!(
        d.response_stats["0"],
        later.model_stats[0].response_stats["0"]
    );
    // Memory usage is a gauge → taken from the later snapshot.
    assert_eq!(d.memory_usage[0].byte_size, 1_048_576);

    // Delta against itself is all-zero counters.
    let zero = later.model_stats[0].delta(&later.model_stats[0]);
    assert_eq!(zero.inference_count, 0);
    assert_eq!(zero.inference_stats, InferenceStats::default());
    assert!(zero
        .batch_stats
        .iter()
        .all(|b| b.compute_infer == StatDuration::default()));
    assert_eq!(zero.response_stats["0"], ResponseStats::default());

    // Reversed order saturates at zero instead of wrapping.
    let rev = earlier.model_stats[0].delta(&later.model_stats[0]);
    assert_eq!(rev.inference_count, 0);
    assert_eq!(rev.inference_stats.success, StatDuration::default());
    assert_eq!(rev.batch(1).map(|b| b.compute_infer.count), Some(0));

    // Whole-document delta matches by name/version.
    let dd = later.delta(&earlier);
    assert_eq!(dd.model_stats[0], d);
}
