//! The small enums of the config: launch mode, search mode, client
//! protocol and perf_analyzer measurement mode.


/// `triton_launch_mode` (default `local`). tritium always runs Triton
/// in-process; the value is kept so the caller can explain that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchMode {
    /// `docker`.
    Docker,
    /// `local` (Model Analyzer's default).
    Local,
    /// `remote`.
    Remote,
    /// `c_api`.
    CApi,
}

impl LaunchMode {
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "docker" => Some(Self::Docker),
            "local" => Some(Self::Local),
            "remote" => Some(Self::Remote),
            "c_api" => Some(Self::CApi),
            _ => None,
        }
    }
    /// The YAML spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Docker => "docker",
            Self::Local => "local",
            Self::Remote => "remote",
            Self::CApi => "c_api",
        }
    }
}

/// `run_config_search_mode` (default `brute`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    /// Brute force over instance count x max batch size x concurrency.
    Brute,
    /// Model Analyzer's hill climbing.
    Quick,
    /// Accepted for compatibility; the caller reports it as unsupported.
    Optuna,
}

impl SearchMode {
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "brute" => Some(Self::Brute),
            "quick" => Some(Self::Quick),
            "optuna" => Some(Self::Optuna),
            _ => None,
        }
    }
    /// The YAML spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Brute => "brute",
            Self::Quick => "quick",
            Self::Optuna => "optuna",
        }
    }
}

/// `client_protocol` (default `grpc`). tritium has no network client; kept
/// for compatibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientProtocol {
    /// `http`.
    Http,
    /// `grpc` (Model Analyzer's default).
    Grpc,
}

impl ClientProtocol {
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "http" => Some(Self::Http),
            "grpc" => Some(Self::Grpc),
            _ => None,
        }
    }
}

/// perf_analyzer `measurement-mode` (perf_analyzer's default is
/// `count_windows`, Model Analyzer's `DEFAULT_MEASUREMENT_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasurementMode {
    /// `time_windows`: fixed-length windows of `measurement-interval` ms.
    TimeWindows,
    /// `count_windows`: windows of at least `measurement-request-count` requests.
    CountWindows,
}

/// `tritium_output_configs` (tritium extension; default `all`): which
/// measured configs go to `output_model_repository_path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputConfigs {
    /// Every measured variant that loaded, as Model Analyzer writes them.
    #[default]
    All,
    /// Only each model's top `num_configs_per_model` configs, its default
    /// config and the `num_top_model_configs` across models (tritium's
    /// earlier behaviour).
    Top,
}

/// `tritium_model_switch` (tritium extension; default `auto`): how a model
/// goes from one loaded config to another that Triton cannot update in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelSwitch {
    /// `replace` on a machine of at least [`REPLACE_MIN_CORES`] cores, else
    /// `unload` ([`REPLACE_BY_DEFAULT`]).
    #[default]
    Auto,
    /// Unload (bounded, waiting for every Python stub to exit), then load.
    Unload,
    /// Load the new config over the loaded one: Triton starts the new
    /// instances and unloads the old ones in the background.
    Replace,
    /// Replace, and while a config is measured, load the config the search
    /// expects next beside it, under the model's alias
    /// (`<model>__tritium_next`, [`crate::measure::AliasRepository`]): when
    /// the search asks for it, the switch is a change of name.
    Preload,
}

/// The cores from which `auto` replaces: the old stubs' teardown, overlapping
/// the next measurement, disturbed it on the 2-core development machine.
pub const REPLACE_MIN_CORES: usize = 8;

/// Whether `auto` replaces on large machines. Measured on the H200 (16
/// cores, docs/benchmarks.md): 37.5 s against 52.5 s with unload, the same
/// best config and intervals, once the replaced config's stubs were left out
/// of the measurement's stub watch (`BenchConfig::retiring_stubs`).
pub const REPLACE_BY_DEFAULT: bool = true;

/// Whether `auto` preloads on large machines, for searches whose constraints
/// and objectives do not involve latency. Measured on the H200 (16 cores,
/// docs/benchmarks.md): 29.5 s against 37.4 s with replace, loading 2.8 s
/// against 11.0 s, the same best config.
pub const PRELOAD_BY_DEFAULT: bool = true;

impl ModelSwitch {
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(Self::Auto),
            "unload" => Some(Self::Unload),
            "replace" => Some(Self::Replace),
            "preload" => Some(Self::Preload),
            _ => None,
        }
    }

    /// Whether a full switch loads over the loaded config, on a machine of `cores` cores.
    pub fn replaces(self, cores: usize) -> bool {
        match self {
            Self::Auto => cores >= REPLACE_MIN_CORES && REPLACE_BY_DEFAULT,
            Self::Unload => false,
            Self::Replace | Self::Preload => true,
        }
    }

    /// Whether the next config is loaded during the current measurement, on a
    /// machine of `cores` cores, for a model whose constraints or objectives
    /// involve latency (`latency_matters`): `auto` preloads only on large
    /// machines and only when they do not (on the H200 the stubs starting
    /// beside a measurement widened its p99 interval from ±0.3 % to ±92 %,
    /// while its throughput interval stayed within the target).
    pub fn preloads(self, cores: usize, latency_matters: bool) -> bool {
        match self {
            Self::Auto => cores >= REPLACE_MIN_CORES && PRELOAD_BY_DEFAULT && !latency_matters,
            Self::Preload => true,
            Self::Unload | Self::Replace => false,
        }
    }

    /// Whether any model could preload (the aliases are then served).
    pub fn may_preload(self, cores: usize) -> bool {
        self.preloads(cores, false)
    }

    /// The YAML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Unload => "unload",
            Self::Replace => "replace",
            Self::Preload => "preload",
        }
    }
}

/// `tritium_workers` (tritium extension; default `auto`): how many worker
/// processes run the profile on this host. Each worker is one shard of the
/// profile (`--shard I/N`) with its own embedded server; the run merges them
/// at the end as `tritium merge` does (docs/sharding.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Workers {
    /// One worker per GPU when `gpus` lists two or more GPUs, else one process.
    #[default]
    Auto,
    /// This many workers (1: one process, every listed GPU in its server).
    Count(u32),
}

/// The most workers one host runs (each is a process with its own server).
pub const MAX_WORKERS: u32 = 256;

impl Workers {
    /// `auto` or a whole number from 1 to [`MAX_WORKERS`].
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if s == "auto" {
            return Some(Self::Auto);
        }
        match s.parse::<u32>() {
            Ok(n) if (1..=MAX_WORKERS).contains(&n) => Some(Self::Count(n)),
            _ => None,
        }
    }
}

impl OutputConfigs {
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => Some(Self::All),
            "top" => Some(Self::Top),
            _ => None,
        }
    }
}
