use super::*;
use tritium_triton::gpu::nvml::{GpuProcess, GpuSample};
use tritium_util::machine::CpuTimes;

/// A quiet machine and point: nothing stands out.
fn quiet() -> Diagnostics {
    Diagnostics {
        span_s: Some(2.0),
        readings: 40,
        cores: Some(8),
        cpu_busy_pct: Some(30.0),
        cpu_steal_pct: Some(0.5),
        tritium_cpu_cores: Some(2.9),
        other_cpu_cores: Some(0.2),
        load_avg_1m: Some(3.0),
        loadgen_cpu_cores: Some(0.5),
        loadgen_threads: Some(4),
        processes: vec![
            ProcessCpu { pid: 10, name: Some("tritium".into()), role: ProcessRole::Tritium, model: None, cpu_pct: 250.0 },
            ProcessCpu { pid: 1234, name: Some("triton_python_".into()), role: ProcessRole::ModelStub, model: Some("sleep_fixed".into()), cpu_pct: 40.0 },
        ],
        gpus: vec![GpuDiagnostics {
            index: 0,
            sm_clock_min_mhz: Some(1900),
            sm_clock_max_mhz: Some(1980),
            sm_clock_device_max_mhz: Some(1980),
            throttle_reasons: vec!["idle".into()],
            slowed_by: vec![],
            temperature_max_c: Some(60),
            other_processes: vec![],
        }],
        gpu_note: None,
        causes: vec![],
    }
}

fn has(c: &[String], needle: &str) -> bool {
    c.iter().any(|w| w.contains(needle))
}

#[test]
fn a_quiet_point_has_no_causes() {
    assert_eq!(causes(&quiet()), Vec::<String>::new());
    assert_eq!(causes(&Diagnostics::default()), Vec::<String>::new(), "nothing known, nothing claimed");
}

#[test]
fn steal() {
    let mut d = quiet();
    d.cpu_steal_pct = Some(STEAL_WARN_PCT - 0.1);
    assert!(causes(&d).is_empty());
    d.cpu_steal_pct = Some(12.0);
    let c = causes(&d);
    assert_eq!(c, vec!["CPU steal 12 %: the VM's host is taking cycles from this machine; numbers will not reproduce".to_string()]);
}

#[test]
fn busy_machine_and_other_work() {
    let mut d = quiet();
    d.cpu_busy_pct = Some(MACHINE_BUSY_WARN_PCT - 1.0);
    d.other_cpu_cores = Some(OTHER_CPU_WARN_SHARE * 8.0 - 0.1);
    assert!(causes(&d).is_empty());
    d.cpu_busy_pct = Some(95.0);
    d.other_cpu_cores = Some(3.5);
    let c = causes(&d);
    assert!(has(&c, "the machine's CPUs were 95 % busy (tritium and its model processes: 2.9 cores): threads queue"), "{c:?}");
    assert!(has(&c, "processes outside tritium used 3.5 of 8 cores: other work competes with the model"), "{c:?}");
    assert_eq!(c.len(), 2);
}

#[test]
fn load_average_against_cores() {
    let mut d = quiet();
    d.cores = Some(2);
    d.other_cpu_cores = Some(0.1);
    d.load_avg_1m = Some(2.0);
    assert!(causes(&d).is_empty(), "load equal to the cores is not flagged: {:?}", causes(&d));
    d.load_avg_1m = Some(3.9);
    let c = causes(&d);
    assert_eq!(c.len(), 1, "{c:?}");
    assert!(c[0].starts_with("machine load 3.9 on 2 cores:"), "{c:?}");
    d.cores = None;
    assert!(causes(&d).is_empty(), "no core count, no comparison");
}

#[test]
fn saturated_stub_process_is_named_with_its_model() {
    let mut d = quiet();
    d.processes[1].cpu_pct = PROCESS_SATURATED_PCT - 1.0;
    assert!(causes(&d).is_empty());
    d.processes[1].cpu_pct = 98.0;
    assert_eq!(causes(&d), vec!["the model's stub process (pid 1234, sleep_fixed) is at 98 % of one core: results are CPU-bound and noisy".to_string()]);
    // tritium itself is many threads: its CPU is not a saturation sign.
    d.processes[1].cpu_pct = 10.0;
    d.processes[0].cpu_pct = 400.0;
    assert!(causes(&d).is_empty());
    // Another child without a model is named by its comm.
    d.processes.push(ProcessCpu { pid: 77, name: Some("helper".into()), role: ProcessRole::Child, model: None, cpu_pct: 100.0 });
    assert_eq!(causes(&d), vec!["tritium's child process (pid 77, helper) is at 100 % of one core: results are CPU-bound and noisy".to_string()]);
}

#[test]
fn saturated_load_generator() {
    let mut d = quiet();
    d.cores = Some(2);
    d.loadgen_threads = Some(4);
    d.load_avg_1m = Some(1.0);
    d.other_cpu_cores = Some(0.0);
    d.loadgen_cpu_cores = Some(LOADGEN_SATURATED_SHARE * 2.0 - 0.01);
    assert!(causes(&d).is_empty());
    d.loadgen_cpu_cores = Some(1.9);
    assert_eq!(causes(&d), vec!["the load generator's threads used 1.9 of 2 cores: the client may be the bottleneck".to_string()]);
    // One thread on many cores: saturated at one core.
    d.cores = Some(8);
    d.loadgen_threads = Some(1);
    d.loadgen_cpu_cores = Some(0.96);
    assert_eq!(causes(&d), vec!["the load generator's threads used 1.0 of 1 cores: the client may be the bottleneck".to_string()]);
}

#[test]
fn gpu_clocks_spread_and_throttle() {
    let mut d = quiet();
    d.gpus[0].sm_clock_min_mhz = Some(1410);
    d.gpus[0].slowed_by = vec!["power cap".into()];
    let c = causes(&d);
    assert_eq!(c, vec!["GPU 0 clocks varied 1410–1980 MHz (throttle: power cap): results depend on clocks".to_string()]);
    // Held down without spread: still flagged, with the device's maximum.
    d.gpus[0].sm_clock_min_mhz = Some(1500);
    d.gpus[0].sm_clock_max_mhz = Some(1560);
    assert_eq!(causes(&d), vec!["GPU 0 clocks were held down (power cap, at most 1560 of 1980 MHz): results depend on clocks".to_string()]);
    // Spread below the threshold and no slowing reason: quiet.
    d.gpus[0].slowed_by.clear();
    d.gpus[0].sm_clock_min_mhz = Some(1500);
    assert!(causes(&d).is_empty());
    // A spread alone is flagged without a reason.
    d.gpus[0].sm_clock_min_mhz = Some(1000);
    assert_eq!(causes(&d), vec!["GPU 0 clocks varied 1000–1560 MHz: results depend on clocks".to_string()]);
}

#[test]
fn gpu_temperature() {
    let mut d = quiet();
    d.gpus[0].temperature_max_c = Some(TEMPERATURE_WARN_C - 1);
    assert!(causes(&d).is_empty());
    d.gpus[0].temperature_max_c = Some(87);
    d.gpus[0].slowed_by = vec!["thermal slowdown (hardware)".into()];
    let c = causes(&d);
    assert!(has(&c, "GPU 0 temperature reached 87 °C (thermal slowdown (hardware))"), "{c:?}");
    assert!(has(&c, "GPU 0 clocks were held down (thermal slowdown (hardware)"), "{c:?}");
}

#[test]
fn other_processes_on_the_gpu() {
    let mut d = quiet();
    d.gpus[0].other_processes = vec![
        OtherGpuProcess { pid: 999, name: Some("python3".into()), memory_mb: Some(2100.0) },
        OtherGpuProcess { pid: 1000, name: None, memory_mb: Some(300.0) },
        OtherGpuProcess { pid: 1001, name: None, memory_mb: None },
    ];
    assert_eq!(
        causes(&d),
        vec![
            "another process (pid 999, python3, 2.1 GB) uses GPU 0: it competes for the GPU's time and memory".to_string(),
            "a process not visible from here (pid 1000, 300 MB) uses GPU 0: another container's job competes for the GPU, unless it is tritium itself seen by its host pid".to_string(),
            "a process not visible from here (pid 1001) uses GPU 0: another container's job competes for the GPU, unless it is tritium itself seen by its host pid".to_string(),
        ]
    );
}

fn reading(at: Instant, ticks: (u64, u64, u64), per_pid: Vec<(u32, f64)>, gpu: Option<(u32, u64, u32)>, others: Vec<GpuProcess>) -> Reading {
    let (busy, idle, steal) = ticks;
    let gpus: Vec<GpuSample> = gpu.map(|(clock, reasons, temp)| GpuSample { sm_clock_mhz: clock, throttle_reasons: Some(reasons), temperature_c: Some(temp), ..Default::default() }).into_iter().collect();
    let gpu_others = if gpus.is_empty() { vec![] } else { vec![others] };
    Reading {
        at,
        gpu_indices: (0..gpus.len() as u32).collect(),
        gpus,
        cpu_seconds: per_pid.iter().map(|(_, c)| c).sum(),
        rss_bytes: 0,
        per_pid,
        machine: Some(CpuTimes { user: busy, idle, steal, ..Default::default() }),
        gpu_others,
    }
}

#[test]
fn readings_become_diagnostics() {
    let t0 = Instant::now();
    let s = |x: f64| t0 + Duration::from_secs_f64(x);
    let me = std::process::id();
    let stub = 4_000_000_001; // not a real pid
    let r = vec![
        // Idle GPU at a low clock: not counted in the clock range.
        reading(s(0.0), (1000, 1000, 0), vec![(me, 10.0), (stub, 5.0)], Some((210, 0x1, 40)), vec![]),
        reading(s(1.0), (1150, 1030, 20), vec![(me, 10.5), (stub, 5.95)], Some((1410, 0x4, 70)), vec![GpuProcess { pid: 999, memory_bytes: Some(2_100_000_000) }]),
        reading(s(2.0), (1300, 1060, 40), vec![(me, 11.0), (stub, 6.9)], Some((1980, 0x0, 88)), vec![GpuProcess { pid: 999, memory_bytes: Some(1_000_000_000) }]),
    ];
    let infos = vec![GpuInfo { index: 0, name: "GPU".into(), uuid: "GPU-0".into(), memory_total_bytes: 1, sm_clock_max_mhz: Some(1980) }];
    let names = |p: u32| if p == stub { (Some("triton_python_".to_string()), Some("sleep_fixed".to_string())) } else { (None, None) };
    let d = from_readings(&r, &infos, None, &MachineNow { cores: Some(2), load_avg_1m: Some(1.5) }, (Some(0.4), Some(2)), &names);
    assert_eq!(d.readings, 3);
    assert_eq!(d.span_s, Some(2.0));
    // 400 ticks: 300 busy, 60 idle, 40 steal.
    assert!((d.cpu_busy_pct.unwrap() - 75.0).abs() < 1e-9, "{d:?}");
    assert!((d.cpu_steal_pct.unwrap() - 10.0).abs() < 1e-9, "{d:?}");
    // The tree used 0.5 + 0.95 cores of the 1.5 busy.
    assert!((d.tritium_cpu_cores.unwrap() - 1.45).abs() < 1e-9, "{d:?}");
    assert!((d.other_cpu_cores.unwrap() - 0.05).abs() < 1e-9, "{d:?}");
    assert_eq!(d.processes.len(), 2);
    assert_eq!((d.processes[0].pid, d.processes[0].role, d.processes[0].model.as_deref()), (stub, ProcessRole::ModelStub, Some("sleep_fixed")));
    assert!((d.processes[0].cpu_pct - 95.0).abs() < 1e-9);
    assert_eq!(d.processes[1].role, ProcessRole::Tritium);
    let g = &d.gpus[0];
    assert_eq!((g.sm_clock_min_mhz, g.sm_clock_max_mhz, g.sm_clock_device_max_mhz), (Some(1410), Some(1980), Some(1980)));
    assert_eq!(g.throttle_reasons, vec!["idle", "power cap"]);
    assert_eq!(g.slowed_by, vec!["power cap"]);
    assert_eq!(g.temperature_max_c, Some(88));
    assert_eq!(g.other_processes, vec![OtherGpuProcess { pid: 999, name: None, memory_mb: Some(2100.0) }]);
    let c = causes(&d);
    for want in ["CPU steal 10 %", "the model's stub process (pid 4000000001, sleep_fixed) is at 95 %", "GPU 0 clocks varied 1410–1980 MHz (throttle: power cap)", "GPU 0 temperature reached 88 °C", "a process not visible from here (pid 999, 2.1 GB) uses GPU 0"] {
        assert!(has(&c, want), "{want}: {c:?}");
    }
    assert!(!has(&c, "machine load") && !has(&c, "load generator"), "{c:?}");
}

#[test]
fn no_gpu_and_too_few_readings_leave_fields_absent() {
    let t0 = Instant::now();
    let r = vec![reading(t0, (1, 1, 0), vec![(1, 1.0)], None, vec![])];
    let d = from_readings(&r, &[], Some("NVML unavailable: x".into()), &MachineNow::default(), (None, None), &|_| (None, None));
    assert_eq!((d.span_s, d.cpu_busy_pct, d.cpu_steal_pct, d.other_cpu_cores), (None, None, None, None));
    assert!(d.gpus.is_empty() && d.processes.is_empty());
    let json = serde_json::to_value(&d).unwrap();
    assert!(json.get("gpus").is_none() && json.get("cpu_busy_pct").is_none() && json.get("causes").is_none(), "{json}");
    assert_eq!(json["gpu_note"], "NVML unavailable: x");
    let back: Diagnostics = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

#[test]
fn json_round_trip_and_old_points_without_diagnostics() {
    let mut d = quiet();
    d.causes = causes(&d);
    let back: Diagnostics = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(back, d);
    let p = LoadPoint { diagnostics: Some(d), ..Default::default() };
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["diagnostics"]["processes"][1]["role"], "model_stub");
    let mut old = v.clone();
    old.as_object_mut().unwrap().remove("diagnostics");
    let q: LoadPoint = serde_json::from_value(old).unwrap();
    assert!(q.diagnostics.is_none());
    assert!(serde_json::to_value(&q).unwrap().get("diagnostics").is_none(), "absent stays absent");
}
