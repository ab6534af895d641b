//! The few /proc readings tritium needs (Linux): a process's or thread's
//! `stat` fields, and this process's children.

/// The fields of a `stat` file after the `(comm)` field: index 0 is the
/// state, 1 the parent pid, 11/12 utime/stime in clock ticks, 21 RSS pages.
pub fn stat_fields(path: &str) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(path).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// `(pid, parent pid)` of every process.
pub fn parents() -> Vec<(u32, u32)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let ppid = stat_fields(&format!("/proc/{pid}/stat"))?.get(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect()
}

/// Children of this process whose command line contains `needle`.
pub fn children_matching(needle: &str) -> Vec<u32> {
    let me = std::process::id();
    parents()
        .into_iter()
        .filter(|(_, pp)| *pp == me)
        .map(|(p, _)| p)
        .filter(|p| String::from_utf8_lossy(&std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default()).contains(needle))
        .collect()
}

/// CPU seconds (utime + stime) in a `stat` field list.
pub fn cpu_seconds(fields: &[String]) -> f64 {
    let num = |i: usize| fields.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    (num(11) + num(12)) / 100.0 // USER_HZ
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_stat_and_children() {
        let f = stat_fields("/proc/self/stat").unwrap();
        assert_eq!(f[1].parse::<u32>().unwrap(), std::os::unix::process::parent_id());
        let mut child = std::process::Command::new("sleep").arg("2").spawn().unwrap();
        assert!(children_matching("sleep").contains(&child.id()));
        let _ = child.kill();
        let _ = child.wait();
    }
}
