//! The few /proc readings tritium needs (Linux): a process's or thread's
//! `stat` fields, this process's children (and which are Python-backend
//! stubs of which model), and the memory available.

/// The fields of a `stat` file after the `(comm)` field: index 0 is the
/// state, 1 the parent pid, 11/12 utime/stime in clock ticks, 21 RSS pages.
pub fn stat_fields(path: &str) -> Option<Vec<String>> {
    parse_stat(&std::fs::read_to_string(path).ok()?).map(|(_, f)| f)
}

/// Splits the text of a `stat` file into its `comm` (the executable's name,
/// at most 15 bytes, which may itself hold spaces and parentheses) and the
/// fields after it (see [`stat_fields`]).
pub fn parse_stat(stat: &str) -> Option<(String, Vec<String>)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let (_, comm) = head.split_once('(')?;
    Some((comm.to_string(), rest.split_whitespace().map(str::to_string).collect()))
}

/// The `comm` name of process `pid` (e.g. `triton_python_`: the kernel cuts it at 15 bytes).
pub fn comm(pid: u32) -> Option<String> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?).map(|(c, _)| c)
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

/// The command line of process `pid`, split at its NUL separators.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect())
}

/// Whether process `pid` still runs (exists and is neither a zombie nor dead).
pub fn is_running(pid: u32) -> bool {
    match stat_fields(&format!("/proc/{pid}/stat")) {
        Some(f) => !matches!(f.first().map(String::as_str), Some("Z") | Some("X") | Some("x") | None),
        None => false,
    }
}

/// The model a Python-backend stub serves, from its command line:
/// `triton_python_backend_stub <repo>/<model>/<version>/model.py <shm region> ...`.
pub fn stub_model(args: &[String]) -> Option<String> {
    if !args.first()?.ends_with("triton_python_backend_stub") {
        return None;
    }
    let script = std::path::Path::new(args.get(1)?);
    let model_dir = script.parent()?.parent()?;
    model_dir.file_name()?.to_str().map(str::to_string)
}

/// `(pid, model)` of this process's Python-backend stub children that run
/// (every model when `model` is `None`).
pub fn python_stubs(model: Option<&str>) -> Vec<(u32, String)> {
    let me = std::process::id();
    parents()
        .into_iter()
        .filter(|(_, pp)| *pp == me)
        .filter(|(p, _)| is_running(*p))
        .filter_map(|(p, _)| Some((p, stub_model(&cmdline(p)?)?)))
        .filter(|(_, m)| model.is_none_or(|want| want == m))
        .collect()
}

/// `MemAvailable` from /proc/meminfo, bytes.
pub fn mem_available_bytes() -> Option<u64> {
    parse_mem_available(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut parts = line.split_whitespace().skip(1);
    let n: u64 = parts.next()?.parse().ok()?;
    let unit = match parts.next() {
        Some("kB") | Some("KB") | Some("kb") => 1024,
        None => 1,
        Some(_) => return None,
    };
    n.checked_mul(unit)
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
        assert!(is_running(child.id()));
        let _ = child.kill();
        // Killed but not reaped: a zombie, which does not run.
        let t0 = std::time::Instant::now();
        while is_running(child.id()) && t0.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!is_running(child.id()));
        let _ = child.wait();
        assert!(!is_running(child.id()));
        assert_eq!(cmdline(std::process::id()).map(|a| !a.is_empty()), Some(true));
    }

    #[test]
    fn stat_text_with_an_odd_comm() {
        let text = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 99 1000000 2048 18446744073709551615\n";
        let (name, f) = parse_stat(text).unwrap();
        assert_eq!(name, "my (odd) name");
        assert_eq!(f[0], "S");
        assert_eq!(f[1], "1");
        assert!((cpu_seconds(&f) - 3.0).abs() < 1e-12, "utime 250 + stime 50 ticks");
        assert_eq!(f[21], "2048", "RSS pages");
        assert_eq!(parse_stat("no parentheses"), None);
        assert_eq!(comm(std::process::id()).map(|c| !c.is_empty()), Some(true));
    }

    #[test]
    fn stub_command_lines_name_their_model() {
        let args = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let stub = args("/rt/backends/python/triton_python_backend_stub /repo/die_after/1/model.py triton_python_backend_shm_region_1 1048576 1048576 42 /rt/backends/python 336 die_after_0_0 DEFAULT");
        assert_eq!(stub_model(&stub).as_deref(), Some("die_after"));
        assert_eq!(stub_model(&args("/bin/sleep 2")), None);
        assert_eq!(stub_model(&args("/x/triton_python_backend_stub")), None);
    }

    #[test]
    fn mem_available() {
        assert_eq!(parse_mem_available("MemTotal: 10 kB\nMemAvailable:   2048 kB\n"), Some(2048 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 10 kB\n"), None);
        assert_eq!(parse_mem_available("MemAvailable: lots kB\n"), None);
        assert!(mem_available_bytes().unwrap_or(0) > 0);
    }
}
