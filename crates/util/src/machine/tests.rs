use super::*;

const STAT_A: &str = "cpu  100 5 50 800 20 3 2 20 0 0\ncpu0 50 2 25 400 10 1 1 10 0 0\ncpu1 50 3 25 400 10 2 1 10 0 0\nintr 12345\nctxt 999\nprocs_running 3\n";
const STAT_B: &str = "cpu  160 5 70 880 20 3 2 60 0 0\ncpu0 80 2 35 440 10 1 1 30 0 0\ncpu1 80 3 35 440 10 2 1 30 0 0\n";

#[test]
fn cpu_line_and_count() {
    let a = parse_cpu_times(STAT_A).unwrap();
    assert_eq!(a, CpuTimes { user: 100, nice: 5, system: 50, idle: 800, iowait: 20, irq: 3, softirq: 2, steal: 20 });
    assert_eq!(a.total(), 1000);
    assert_eq!(a.busy(), 160);
    assert_eq!(parse_cpu_count(STAT_A), Some(2));
    assert_eq!(parse_cpu_count("intr 1\n"), None);
    assert_eq!(parse_cpu_times("cpu0 1 2 3 4\n"), None, "only the aggregate line counts");
    assert_eq!(parse_cpu_times("cpu  1 x 3 4\n"), None);
    assert_eq!(parse_cpu_times("cpu  1 2\n"), None);
    // An old kernel without the steal column.
    assert_eq!(parse_cpu_times("cpu  1 2 3 4 5 6 7\n").map(|t| t.steal), Some(0));
}

#[test]
fn busy_and_steal_between_readings() {
    let (a, b) = (parse_cpu_times(STAT_A).unwrap(), parse_cpu_times(STAT_B).unwrap());
    // 200 ticks passed: 80 busy (60 user + 20 system), 80 idle, 40 stolen.
    let s = b.shares_since(&a).unwrap();
    assert!((s.busy - 0.4).abs() < 1e-12, "{s:?}");
    assert!((s.steal - 0.2).abs() < 1e-12, "{s:?}");
    assert_eq!(a.shares_since(&a), None, "no tick passed");
    assert_eq!(a.shares_since(&b), None, "counters went backwards");
}

#[test]
fn loadavg_line() {
    let l = parse_loadavg("3.91 2.50 1.25 4/1192 12345\n").unwrap();
    assert_eq!(l, LoadAvg { one: 3.91, five: 2.5, fifteen: 1.25, running: 4, threads: 1192 });
    assert_eq!(parse_loadavg("3.91 2.50\n"), None);
    assert_eq!(parse_loadavg("a b c 1/2 3"), None);
    assert_eq!(parse_loadavg("1 2 3 4 5"), None);
}

#[test]
fn this_machine_reads() {
    assert!(cpu_times().is_some_and(|t| t.total() > 0));
    assert!(cores().is_some_and(|n| n >= 1));
    assert!(loadavg().is_some_and(|l| l.one >= 0.0 && l.threads >= 1));
}
