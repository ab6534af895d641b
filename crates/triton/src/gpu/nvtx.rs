//! NVTX ranges and marks for Nsight Systems, with libnvToolsExt loaded at run
//! time. Part of the FFI layer: the raw calls carry `// SAFETY:` notes.
//!
//! The library is looked for once, in order: `$TRITIUM_NVTX_LIB`,
//! `libnvToolsExt.so.1` and `libnvToolsExt.so` on the loader's search path,
//! the NVTX wheel of a torch virtual environment
//! (`/opt/torch/.venv/lib/python3*/site-packages/nvidia/nvtx/lib/`), then
//! `/usr/local/cuda/lib64/libnvToolsExt.so*`. Without it (or without one of
//! its symbols) NVTX is off: every call here is a no-op costing one atomic
//! load, with no allocation. [`status`] says what was loaded or why not.

use std::ffi::{c_char, c_int, CStr, CString, OsString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libloading::Library;

/// Environment variable naming the libnvToolsExt to load, tried first.
pub const ENV_VAR: &str = "TRITIUM_NVTX_LIB";

type RangeStartFn = unsafe extern "C" fn(*const c_char) -> u64;
type RangeEndFn = unsafe extern "C" fn(u64);
type PushFn = unsafe extern "C" fn(*const c_char) -> c_int;
type PopFn = unsafe extern "C" fn() -> c_int;
type MarkFn = unsafe extern "C" fn(*const c_char);

/// A loaded libnvToolsExt.
#[derive(Debug)]
pub struct Nvtx {
    path: PathBuf,
    range_start_a: RangeStartFn,
    range_end: RangeEndFn,
    push_a: PushFn,
    pop: PopFn,
    mark_a: MarkFn,
    /// Keeps the function pointers above valid for the life of `self`.
    _library: Library,
}

impl Nvtx {
    /// Loads libnvToolsExt from `path` (a path, or a bare name for the loader's search).
    pub fn open(path: &Path) -> Result<Nvtx, String> {
        // SAFETY: loading runs the library's initialisers; libnvToolsExt's only
        // set up its injection hooks (it loads a tool only when one is configured).
        let library = unsafe { Library::new(path.as_os_str()) }.map_err(|e| e.to_string())?;
        // SAFETY: each type below is the symbol's prototype in nvToolsExt.h:
        // nvtxRangeId_t nvtxRangeStartA(const char*), void nvtxRangeEnd(nvtxRangeId_t),
        // int nvtxRangePushA(const char*), int nvtxRangePop(void), void nvtxMarkA(const char*).
        let nvtx = unsafe {
            Nvtx {
                range_start_a: symbol(&library, "nvtxRangeStartA")?,
                range_end: symbol(&library, "nvtxRangeEnd")?,
                push_a: symbol(&library, "nvtxRangePushA")?,
                pop: symbol(&library, "nvtxRangePop")?,
                mark_a: symbol(&library, "nvtxMarkA")?,
                path: path.to_path_buf(),
                _library: library,
            }
        };
        Ok(nvtx)
    }

    /// Where the library was loaded from (as asked for).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a range that may end on another thread; returns its id.
    pub fn range_start(&self, msg: &CStr) -> u64 {
        // SAFETY: the library stays loaded while `self` lives; `msg` is a valid
        // NUL-terminated string for the call (NVTX copies what it keeps).
        unsafe { (self.range_start_a)(msg.as_ptr()) }
    }

    /// Ends the range `id` returned by [`Nvtx::range_start`].
    pub fn range_end(&self, id: u64) {
        // SAFETY: the library stays loaded while `self` lives; any id is accepted.
        unsafe { (self.range_end)(id) }
    }

    /// Pushes a range on this thread's stack; returns the depth (negative on error).
    pub fn push(&self, msg: &CStr) -> i32 {
        // SAFETY: the library stays loaded while `self` lives; `msg` is a valid
        // NUL-terminated string for the call.
        unsafe { (self.push_a)(msg.as_ptr()) }
    }

    /// Pops this thread's innermost pushed range; returns the depth (negative on error).
    pub fn pop(&self) -> i32 {
        // SAFETY: the library stays loaded while `self` lives; popping an empty
        // stack is reported by the return value, not undefined.
        unsafe { (self.pop)() }
    }

    /// Records an instant marker.
    pub fn mark(&self, msg: &CStr) {
        // SAFETY: the library stays loaded while `self` lives; `msg` is a valid
        // NUL-terminated string for the call.
        unsafe { (self.mark_a)(msg.as_ptr()) }
    }
}

/// The function `name` of `library`.
///
/// # Safety
/// `T` must be the symbol's real function-pointer type, and the pointer must
/// not be used after `library` is dropped.
unsafe fn symbol<T: Copy>(library: &Library, name: &str) -> Result<T, String> {
    // SAFETY: forwarded to the caller (see above).
    unsafe { library.get::<T>(name) }
        .map(|s| *s)
        .map_err(|e| format!("symbol {name}: {e}"))
}

/// Outcome of looking for the library: what loaded, and what failed on the way.
#[derive(Debug)]
struct Probe {
    loaded: Option<Nvtx>,
    tried: Vec<(PathBuf, String)>,
}

/// The places to try, in order, given the value of [`ENV_VAR`].
fn candidates(env: Option<OsString>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = env
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    paths.push("libnvToolsExt.so.1".into());
    paths.push("libnvToolsExt.so".into());
    for dir in entries(Path::new("/opt/torch/.venv/lib"), "python3") {
        let lib = dir.join("site-packages/nvidia/nvtx/lib/libnvToolsExt.so.1");
        if lib.exists() {
            paths.push(lib);
        }
    }
    paths.extend(entries(
        Path::new("/usr/local/cuda/lib64"),
        "libnvToolsExt.so",
    ));
    paths
}

/// The entries of `dir` whose names start with `prefix`, sorted (empty if unreadable).
fn entries(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(list) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = list
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Tries `paths` in order; stops at the first that loads with every symbol.
fn probe(paths: Vec<PathBuf>) -> Probe {
    let mut tried = Vec::new();
    for path in paths {
        match Nvtx::open(&path) {
            Ok(nvtx) => {
                return Probe {
                    loaded: Some(nvtx),
                    tried,
                }
            }
            Err(why) => tried.push((path, why)),
        }
    }
    Probe {
        loaded: None,
        tried,
    }
}

/// A report of `p` for `tritium doctor`.
fn describe(p: &Probe) -> String {
    let failures = p
        .tried
        .iter()
        .map(|(path, why)| format!("\n  - {}: {why}", path.display()))
        .collect::<String>();
    match &p.loaded {
        Some(n) if failures.is_empty() => format!("NVTX: loaded {}", n.path().display()),
        Some(n) => format!("NVTX: loaded {} (after trying:{failures})", n.path().display()),
        None => format!("NVTX off: no usable libnvToolsExt. Tried:{failures}\nFix: set {ENV_VAR} to the library's path"),
    }
}

static PROBE: OnceLock<Probe> = OnceLock::new();

fn global() -> &'static Probe {
    PROBE.get_or_init(|| probe(candidates(std::env::var_os(ENV_VAR))))
}

/// The process's NVTX library, loaded on first use; `None` when NVTX is off.
pub fn nvtx() -> Option<&'static Nvtx> {
    global().loaded.as_ref()
}

/// What was loaded, or why NVTX is off (one line per place tried).
pub fn status() -> String {
    describe(global())
}

/// Longest message passed through the stack buffer; longer ones allocate.
const STACK_MSG: usize = 128;

/// Calls `f` with `msg` as a C string, cut at its first NUL. Short messages
/// go through a stack buffer (no allocation).
fn with_c_msg<R>(msg: &str, f: impl FnOnce(&CStr) -> R) -> R {
    let bytes = msg.as_bytes();
    let bytes = bytes
        .iter()
        .position(|&b| b == 0)
        .map_or(bytes, |nul| &bytes[..nul]);
    if bytes.len() < STACK_MSG {
        let mut buf = [0u8; STACK_MSG];
        buf[..bytes.len()].copy_from_slice(bytes);
        if let Ok(c) = CStr::from_bytes_until_nul(&buf) {
            return f(c);
        }
    }
    // `bytes` holds no NUL, so this cannot fail; the default is never used.
    f(&CString::new(bytes).unwrap_or_default())
}

/// Starts a range named `msg`; `None` (and nothing done) when NVTX is off.
pub fn range_start(msg: &str) -> Option<u64> {
    let n = nvtx()?;
    Some(with_c_msg(msg, |c| n.range_start(c)))
}

/// Ends a range from [`range_start`]; a no-op for `None`.
pub fn range_end(id: Option<u64>) {
    if let (Some(id), Some(n)) = (id, nvtx()) {
        n.range_end(id);
    }
}

/// Records an instant marker named `msg`; a no-op when NVTX is off.
pub fn mark(msg: &str) {
    if let Some(n) = nvtx() {
        with_c_msg(msg, |c| n.mark(c));
    }
}

/// A range that ends when dropped (may be dropped on another thread).
#[derive(Debug)]
#[must_use = "the range ends as soon as this is dropped"]
pub struct Range {
    id: Option<u64>,
}

impl Range {
    /// Starts a range named `msg` (nothing when NVTX is off).
    pub fn start(msg: &str) -> Range {
        Range {
            id: range_start(msg),
        }
    }

    /// Starts a range named by a ready C string (no copy at all).
    pub fn start_c(msg: &CStr) -> Range {
        Range {
            id: nvtx().map(|n| n.range_start(msg)),
        }
    }

    /// Whether a range is open (NVTX is on).
    pub fn is_active(&self) -> bool {
        self.id.is_some()
    }
}

impl Drop for Range {
    fn drop(&mut self) {
        range_end(self.id.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISSING: &str = "/nonexistent/tritium-test/libnvToolsExt.so.1";

    #[test]
    fn env_path_comes_first_then_the_usual_names() {
        let c = candidates(Some(MISSING.into()));
        assert_eq!(c[0], PathBuf::from(MISSING));
        assert_eq!(c[1], PathBuf::from("libnvToolsExt.so.1"));
        assert_eq!(c[2], PathBuf::from("libnvToolsExt.so"));
        // An empty variable is ignored.
        assert_eq!(
            candidates(Some(OsString::new()))[0],
            PathBuf::from("libnvToolsExt.so.1")
        );
    }

    #[test]
    fn missing_library_is_explained() {
        let p = probe(candidates(Some(MISSING.into())));
        let (first, why) = &p.tried[0];
        assert_eq!(first, &PathBuf::from(MISSING));
        assert!(!why.is_empty());
        let text = describe(&p);
        assert!(text.contains(MISSING), "{text}");
        if p.loaded.is_none() {
            assert!(text.starts_with("NVTX off"), "{text}");
            assert!(text.contains(ENV_VAR), "{text}");
            assert!(text.contains("libnvToolsExt.so.1:"), "{text}");
        }
    }

    #[test]
    fn calls_are_harmless_without_the_library() {
        let id = range_start("tritium test range");
        range_end(id);
        range_end(None);
        mark("tritium test mark");
        {
            let r = Range::start("scoped");
            assert_eq!(r.is_active(), nvtx().is_some());
        }
        drop(Range::start_c(c"scoped c"));
        if nvtx().is_none() {
            assert!(id.is_none());
            assert!(status().starts_with("NVTX off"), "{}", status());
        } else {
            assert!(status().starts_with("NVTX: loaded"));
        }
    }

    #[test]
    fn messages_become_c_strings() {
        assert_eq!(with_c_msg("abc", |c| c.to_bytes().to_vec()), b"abc");
        assert_eq!(with_c_msg("ab\0cd", |c| c.to_bytes().to_vec()), b"ab");
        assert_eq!(with_c_msg("", |c| c.to_bytes().len()), 0);
        let long = "x".repeat(STACK_MSG * 3);
        assert_eq!(with_c_msg(&long, |c| c.to_bytes().len()), STACK_MSG * 3);
        let edge = "y".repeat(STACK_MSG);
        assert_eq!(with_c_msg(&edge, |c| c.to_bytes().len()), STACK_MSG);
    }
}
