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
