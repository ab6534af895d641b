//! Which GPUs a run uses and measures: Model Analyzer's `gpus` key
//! (`tritium profile --gpus`), and `CUDA_VISIBLE_DEVICES`.
//!
//! Model Analyzer 1.58: "List of GPU UUIDs to be used for the profiling. Use
//! 'all' to profile all the GPUs visible by CUDA"; its GPU factory also
//! takes CUDA device indices (a list of whole numbers) and `[]` for none.
//! tritium, NVML-free here (the caller passes the GPUs NVML found):
//!
//! * `all` (the default): the GPUs the process sees, nothing changed;
//! * UUIDs (`GPU-…`, as `nvidia-smi -L` prints them), or indices (NVML's,
//!   the PCI bus order `nvidia-smi` shows; deviation: CUDA's default order
//!   is fastest-first, and Model Analyzer's indices are CUDA's): those GPUs;
//!   an unknown one is an error naming the key and the GPUs found, and on a
//!   machine without a GPU any such list is an error saying no GPU is visible;
//! * `[]` (or an empty list): no GPU (Triton runs CPU-only).
//!
//! A list is applied by running the server with `CUDA_VISIBLE_DEVICES` set
//! to the chosen UUIDs ([`Selection::cuda_visible_devices`]), which must
//! happen before CUDA initialises in the process (the binary re-executes
//! itself), and by sampling only the GPUs `CUDA_VISIBLE_DEVICES` names
//! ([`visible`], used by [`crate::resources::Sampler`]). Deviation: a list
//! replaces an existing `CUDA_VISIBLE_DEVICES`; Model Analyzer intersects
//! the two and silently drops the requested GPUs that are not visible.

use tritium_triton::gpu::nvml::GpuInfo;

/// What a `gpus` list asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `all`: every GPU the process sees.
    All,
    /// `[]`: no GPU.
    None,
    /// GPUs by UUID.
    Uuids(Vec<String>),
    /// GPUs by NVML index.
    Indices(Vec<u32>),
}

/// The GPUs chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Every GPU the process sees (`CUDA_VISIBLE_DEVICES` left as it is).
    All,
    /// These GPUs, in the order asked (empty: none).
    Only(Vec<GpuInfo>),
}

/// Reads a `gpus` list (`key` names it in errors).
pub fn parse(key: &str, list: &[String]) -> Result<Request, String> {
    let items: Vec<&str> = list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    match items.as_slice() {
        [] | ["[]"] => return Ok(Request::None),
        ["all"] => return Ok(Request::All),
        _ => {}
    }
    if items.iter().any(|s| *s == "all" || *s == "[]") {
        return Err(format!("{key}: {list:?}: `all` and `[]` stand alone; give either one of them or a list of GPU UUIDs or indices"));
    }
    let mut uniq = Vec::new();
    for s in &items {
        if uniq.contains(s) {
            return Err(format!("{key}: GPU {s} is listed twice"));
        }
        uniq.push(*s);
    }
    if items.iter().all(|s| s.bytes().all(|b| b.is_ascii_digit())) {
        let idx = items.iter().map(|s| s.parse::<u32>().map_err(|_| format!("{key}: {s} is not a GPU index"))).collect::<Result<Vec<_>, _>>()?;
        return Ok(Request::Indices(idx));
    }
    if let Some(bad) = items.iter().find(|s| s.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("{key}: {list:?} mixes an index ({bad}) with UUIDs; give UUIDs or indices"));
    }
    Ok(Request::Uuids(items.iter().map(|s| s.to_string()).collect()))
}

/// Resolves `request` against the GPUs NVML found (`found`: `Err` says why
/// there are none, e.g. NVML missing). Errors name `key` and the GPUs found.
pub fn resolve(key: &str, request: &Request, found: Result<&[GpuInfo], &str>) -> Result<Selection, String> {
    let gpus = match (request, found) {
        (Request::All, _) => return Ok(Selection::All),
        (Request::None, _) => return Ok(Selection::Only(Vec::new())),
        (_, Err(why)) => return Err(format!("{key}: {}: no GPU is visible on this machine ({why}); use `all` or remove the key", describe(request))),
        (_, Ok([])) => return Err(format!("{key}: {}: no GPU is visible on this machine; use `all` or remove the key", describe(request))),
        (_, Ok(g)) => g,
    };
    let listing = || gpus.iter().map(|g| format!("{} {} ({})", g.index, g.uuid, g.name)).collect::<Vec<_>>().join(", ");
    let pick = |found: Option<&GpuInfo>, what: &str| found.cloned().ok_or_else(|| format!("{key}: no GPU {what} here; the GPUs found: {}", listing()));
    let chosen = match request {
        Request::Uuids(u) => u.iter().map(|u| pick(gpus.iter().find(|g| g.uuid == *u), &format!("with UUID {u}"))).collect::<Result<Vec<_>, _>>()?,
        Request::Indices(i) => i.iter().map(|i| pick(gpus.iter().find(|g| g.index == *i), &format!("with index {i}"))).collect::<Result<Vec<_>, _>>()?,
        Request::All | Request::None => unreachable!("handled above"),
    };
    Ok(Selection::Only(chosen))
}

fn describe(r: &Request) -> String {
    match r {
        Request::Uuids(u) => u.join(", "),
        Request::Indices(i) => i.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "),
        Request::All => "all".into(),
        Request::None => "[]".into(),
    }
}

impl Selection {
    /// The `CUDA_VISIBLE_DEVICES` the server must run with: the chosen
    /// UUIDs joined by commas (empty: no GPU); `None` for [`Selection::All`].
    pub fn cuda_visible_devices(&self) -> Option<String> {
        match self {
            Selection::All => None,
            Selection::Only(g) => Some(g.iter().map(|g| g.uuid.as_str()).collect::<Vec<_>>().join(",")),
        }
    }

    /// Whether the process must be re-executed with
    /// [`cuda_visible_devices`](Self::cuda_visible_devices) (`current`: the
    /// variable now): when a list was chosen and the variable differs.
    pub fn needs_reexec(&self, current: Option<&str>) -> bool {
        match self.cuda_visible_devices() {
            Some(want) => current != Some(want.as_str()),
            None => false,
        }
    }
}

/// The GPUs (of `found`, NVML's) that `CUDA_VISIBLE_DEVICES` (`env`) lets
/// CUDA see, in its order: all when unset. Entries are UUIDs (a unique
/// prefix, as CUDA accepts) or indices (NVML's); as in CUDA, the list ends at
/// the first entry that names no GPU.
pub fn visible<'a>(env: Option<&str>, found: &'a [GpuInfo]) -> Vec<&'a GpuInfo> {
    let Some(env) = env else { return found.iter().collect() };
    let mut out: Vec<&GpuInfo> = Vec::new();
    for e in env.split(',').map(str::trim) {
        let hit = if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) {
            e.parse::<u32>().ok().and_then(|i| found.iter().find(|g| g.index == i))
        } else {
            let mut m = found.iter().filter(|g| !e.is_empty() && g.uuid.starts_with(e));
            match (m.next(), m.next()) {
                (Some(g), None) => Some(g),
                _ => None,
            }
        };
        match hit {
            Some(g) if !out.iter().any(|o| o.index == g.index) => out.push(g),
            Some(_) => {}
            None => break,
        }
    }
    out
}

/// [`visible`] under this process's `CUDA_VISIBLE_DEVICES`.
pub fn visible_now(found: &[GpuInfo]) -> Vec<&GpuInfo> {
    visible(std::env::var("CUDA_VISIBLE_DEVICES").ok().as_deref(), found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(index: u32, uuid: &str) -> GpuInfo {
        GpuInfo { index, name: "NVIDIA H200".into(), uuid: uuid.into(), memory_total_bytes: 1 << 30, sm_clock_max_mhz: None }
    }

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lists_parse_as_model_analyzer_reads_them() {
        assert_eq!(parse("gpus", &list(&["all"])).unwrap(), Request::All);
        assert_eq!(parse("gpus", &list(&[])).unwrap(), Request::None);
        assert_eq!(parse("gpus", &list(&["[]"])).unwrap(), Request::None);
        assert_eq!(parse("gpus", &list(&["0", " 2"])).unwrap(), Request::Indices(vec![0, 2]));
        assert_eq!(parse("gpus", &list(&["GPU-a", "GPU-b"])).unwrap(), Request::Uuids(list(&["GPU-a", "GPU-b"])));
        for (bad, want) in [(&["all", "0"][..], "stand alone"), (&["GPU-a", "1"], "mixes"), (&["1", "1"], "twice"), (&["99999999999"], "not a GPU index")] {
            let e = parse("gpus", &list(bad)).unwrap_err();
            assert!(e.starts_with("gpus: ") && e.contains(want), "{bad:?}: {e}");
        }
    }

    #[test]
    fn lists_resolve_against_the_gpus_found() {
        let found = [gpu(0, "GPU-aaaa"), gpu(1, "GPU-bbbb")];
        let r = |v: &[&str]| resolve("gpus", &parse("gpus", &list(v)).unwrap(), Ok(&found));
        assert_eq!(r(&["all"]).unwrap(), Selection::All);
        assert_eq!(r(&["GPU-bbbb"]).unwrap(), Selection::Only(vec![found[1].clone()]));
        assert_eq!(r(&["1", "0"]).unwrap(), Selection::Only(vec![found[1].clone(), found[0].clone()]));
        assert_eq!(r(&["[]"]).unwrap(), Selection::Only(vec![]));
        // Unknown: the key and the GPUs found.
        let e = r(&["GPU-cccc"]).unwrap_err();
        assert!(e.starts_with("gpus: ") && e.contains("GPU-cccc") && e.contains("0 GPU-aaaa") && e.contains("1 GPU-bbbb"), "{e}");
        assert!(r(&["2"]).unwrap_err().contains("index 2"));
        // No GPU here: any list naming GPUs is an error saying so; `all` and `[]` are not.
        for found in [Ok(&[][..]), Err("NVML unavailable: libnvidia-ml.so not found")] {
            let e = resolve("gpus", &Request::Uuids(list(&["GPU-a"])), found).unwrap_err();
            assert!(e.starts_with("gpus: GPU-a: no GPU is visible"), "{e}");
            assert_eq!(resolve("gpus", &Request::All, found).unwrap(), Selection::All);
            assert_eq!(resolve("gpus", &Request::None, found).unwrap(), Selection::Only(vec![]));
        }
    }

    #[test]
    fn the_server_runs_with_the_chosen_uuids() {
        let (a, b) = (gpu(0, "GPU-aaaa"), gpu(1, "GPU-bbbb"));
        assert_eq!(Selection::All.cuda_visible_devices(), None);
        assert!(!Selection::All.needs_reexec(None) && !Selection::All.needs_reexec(Some("0")));
        let s = Selection::Only(vec![b.clone(), a.clone()]);
        assert_eq!(s.cuda_visible_devices().as_deref(), Some("GPU-bbbb,GPU-aaaa"));
        assert!(s.needs_reexec(None) && s.needs_reexec(Some("1,0")));
        assert!(!s.needs_reexec(Some("GPU-bbbb,GPU-aaaa")), "already set: no second exec");
        let none = Selection::Only(vec![]);
        assert_eq!(none.cuda_visible_devices().as_deref(), Some(""));
        assert!(none.needs_reexec(None) && !none.needs_reexec(Some("")));
    }

    #[test]
    fn metrics_cover_the_gpus_cuda_sees() {
        let found = [gpu(0, "GPU-aaaa"), gpu(1, "GPU-bbbb"), gpu(2, "GPU-abcd")];
        let idx = |env: Option<&str>| visible(env, &found).iter().map(|g| g.index).collect::<Vec<_>>();
        assert_eq!(idx(None), vec![0, 1, 2]);
        assert_eq!(idx(Some("GPU-bbbb,GPU-aaaa")), vec![1, 0]);
        assert_eq!(idx(Some("2,0")), vec![2, 0]);
        assert_eq!(idx(Some("GPU-ab")), vec![2], "a unique prefix");
        assert_eq!(idx(Some("GPU-a")), Vec::<u32>::new(), "an ambiguous prefix ends the list");
        assert_eq!(idx(Some("1,7,0")), vec![1], "the list ends at the first unknown entry");
        assert_eq!(idx(Some("")), Vec::<u32>::new());
    }
}
