//! [`ConfigError`], the errors of reading or overriding a profile config,
//! and the conversion of serde_yaml errors (with line and column) into it.

use std::path::{Path, PathBuf};


/// Errors from reading or overriding a profile configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read config file: {source}", file.display())]
    Io {
        /// The config file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// YAML syntax error, or a value of the wrong type (`line`/`column` are
    /// 1-based and come from serde_yaml).
    #[error("{}:{}: {message}", file.display(), location_text(*line, *column))]
    Yaml {
        /// The config file.
        file: PathBuf,
        /// 1-based line, when serde_yaml knows it.
        line: Option<usize>,
        /// 1-based column, when serde_yaml knows it.
        column: Option<usize>,
        /// What is wrong, including the key path serde_yaml reports.
        message: String,
    },
    /// A key neither tritium nor Model Analyzer knows.
    #[error("{}: unknown key `{path}`{}", file.display(), suggestion_text(suggestion))]
    UnknownKey {
        /// The config file.
        file: PathBuf,
        /// Dotted path of the key, e.g. `profile_models.my_model.paramters`.
        path: String,
        /// The closest known key, when one is within edit distance 3.
        suggestion: Option<String>,
    },
    /// A key Model Analyzer knows that tritium refuses (see
    /// [`compat`](super::compat)): running would measure something else.
    #[error("{}: `{path}`: {message}", file.display())]
    Refused {
        /// The config file.
        file: PathBuf,
        /// Dotted path of the refused key.
        path: String,
        /// Why, and what to use instead.
        message: String,
    },
    /// A required key is missing.
    #[error("{}: missing required key `{key}`", file.display())]
    Missing {
        /// The config file.
        file: PathBuf,
        /// The missing key.
        key: String,
    },
    /// A value is well-typed YAML but not acceptable.
    #[error("{}: `{path}`: {message}", file.display())]
    Invalid {
        /// The config file.
        file: PathBuf,
        /// Dotted path of the offending key.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A CLI override names an unknown option.
    #[error("unknown option `--{key}`{}", suggestion_text(suggestion))]
    UnknownOverride {
        /// The option name as given (kebab-case, without dashes).
        key: String,
        /// The closest known option, when one is within edit distance 3.
        suggestion: Option<String>,
    },
    /// A CLI override value could not be parsed.
    #[error("option `--{key}`: invalid value {value:?}: {message}")]
    BadOverride {
        /// The option name (kebab-case).
        key: String,
        /// The value given.
        value: String,
        /// Why it was rejected.
        message: String,
    },
}

fn location_text(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{l}:{c}"),
        (Some(l), None) => format!("{l}"),
        _ => "?".to_string(),
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

pub(super) fn yaml_error(file: &Path, e: &serde_yaml::Error) -> ConfigError {
    let loc = e.location();
    let mut message = e.to_string();
    if let Some(l) = &loc {
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    ConfigError::Yaml {
        file: file.to_path_buf(),
        line: loc.as_ref().map(|l| l.line()),
        column: loc.as_ref().map(|l| l.column()),
        message,
    }
}
