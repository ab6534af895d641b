//! Machine-wide CPU readings from /proc (Linux): the aggregate CPU time
//! counters of `/proc/stat` (busy, idle, steal), the number of online CPUs,
//! and `/proc/loadavg`. Pure parsers plus thin readers; `None` where the
//! file is missing or unreadable (another OS, a restricted container).

/// The aggregate `cpu` line of `/proc/stat`, in clock ticks (USER_HZ) summed
/// over all CPUs. `guest` time is already part of `user` and is not kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Normal user time.
    pub user: u64,
    /// Niced user time.
    pub nice: u64,
    /// Kernel time.
    pub system: u64,
    /// Idle time.
    pub idle: u64,
    /// Idle while waiting for I/O.
    pub iowait: u64,
    /// Hardware interrupts.
    pub irq: u64,
    /// Software interrupts.
    pub softirq: u64,
    /// Time the hypervisor ran something else while this VM wanted the CPU.
    pub steal: u64,
}

/// What happened between two [`CpuTimes`] readings, as fractions of the
/// machine's total CPU time in that span (0..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuShares {
    /// Busy (user, nice, system, irq, softirq; steal not included).
    pub busy: f64,
    /// Stolen by the hypervisor.
    pub steal: f64,
}

impl CpuTimes {
    /// Every tick counted.
    pub fn total(&self) -> u64 {
        self.user + self.nice + self.system + self.idle + self.iowait + self.irq + self.softirq + self.steal
    }

    /// Busy ticks (steal excluded).
    pub fn busy(&self) -> u64 {
        self.user + self.nice + self.system + self.irq + self.softirq
    }

    /// Busy and steal shares from `earlier` to `self`; `None` when no tick
    /// passed (or the counters went backwards).
    pub fn shares_since(&self, earlier: &CpuTimes) -> Option<CpuShares> {
        let total = self.total().checked_sub(earlier.total()).filter(|t| *t > 0)? as f64;
        let busy = self.busy().saturating_sub(earlier.busy()) as f64;
        let steal = self.steal.saturating_sub(earlier.steal) as f64;
        Some(CpuShares { busy: (busy / total).min(1.0), steal: (steal / total).min(1.0) })
    }
}

/// Parses the aggregate `cpu ` line of `/proc/stat` text. Kernels older than
/// 2.6.11 have no steal column: it reads as 0.
pub fn parse_cpu_times(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).map(|x| x.parse().ok()).collect::<Option<Vec<u64>>>()?;
    if v.len() < 4 {
        return None;
    }
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    Some(CpuTimes { user: at(0), nice: at(1), system: at(2), idle: at(3), iowait: at(4), irq: at(5), softirq: at(6), steal: at(7) })
}

/// The number of online CPUs: the `cpuN` lines of `/proc/stat` text.
pub fn parse_cpu_count(stat: &str) -> Option<u32> {
    let n = stat.lines().filter(|l| l.starts_with("cpu") && l[3..].starts_with(|c: char| c.is_ascii_digit())).count();
    u32::try_from(n).ok().filter(|n| *n > 0)
}

/// The machine's CPU counters now.
pub fn cpu_times() -> Option<CpuTimes> {
    parse_cpu_times(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// CPUs of the machine: the online CPUs of `/proc/stat`, else what this
/// process may use ([`std::thread::available_parallelism`]).
pub fn cores() -> Option<u32> {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| parse_cpu_count(&s))
        .or_else(|| std::thread::available_parallelism().ok().and_then(|n| u32::try_from(n.get()).ok()))
}

/// `/proc/loadavg`: runnable (and uninterruptible) threads, averaged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadAvg {
    /// Over the last minute.
    pub one: f64,
    /// Over the last 5 minutes.
    pub five: f64,
    /// Over the last 15 minutes.
    pub fifteen: f64,
    /// Threads runnable at the moment of reading.
    pub running: u32,
    /// Threads in total.
    pub threads: u32,
}

/// Parses `/proc/loadavg` text: `0.52 0.58 0.59 2/1192 12345`.
pub fn parse_loadavg(text: &str) -> Option<LoadAvg> {
    let mut f = text.split_whitespace();
    let one = f.next()?.parse().ok()?;
    let five = f.next()?.parse().ok()?;
    let fifteen = f.next()?.parse().ok()?;
    let (running, threads) = f.next()?.split_once('/')?;
    Some(LoadAvg { one, five, fifteen, running: running.parse().ok()?, threads: threads.parse().ok()? })
}

/// The load average now.
pub fn loadavg() -> Option<LoadAvg> {
    parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

#[cfg(test)]
mod tests;
