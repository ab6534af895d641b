//! Exit codes of every `tritium` command (documented in the README):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success: everything asked for was done and every figure is valid |
//! | 1 | failed: the command could not do its work (runtime, server, I/O), or nothing it measured is usable (every request failed, every model failed) |
//! | 2 | bad input: a flag, config key, file or model name is invalid; found before any server starts (clap's usage errors are 2 too) |
//! | 3 | partial: results were written, but part of them is not trustworthy or missing (an unstable level, failed requests, a model or config that failed or was skipped, a report that could not be written) |
//! | 130 | interrupted (Ctrl-C): partial results and the checkpoint were written |

/// Everything asked for was done.
pub const SUCCESS: i32 = 0;
/// The command could not do its work, or nothing measured is usable.
pub const FAILED: i32 = 1;
/// Invalid input, found before any work.
pub const BAD_INPUT: i32 = 2;
/// Results written, part of them untrustworthy or missing.
pub const PARTIAL: i32 = 3;
/// Interrupted by Ctrl-C.
pub const INTERRUPTED: i32 = 130;

/// An error in what the user gave (flags, config file, model names): the
/// command exits with [`BAD_INPUT`]. Wrap a message in it with
/// `anyhow::Error::new(BadInput(..))` or [`bad_input`].
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// An `anyhow` error that exits with [`BAD_INPUT`].
pub fn bad_input(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(msg.into()))
}

/// The exit code for an error that ended a command: [`BAD_INPUT`] when any
/// error in its chain is a [`BadInput`] or a profile config error, else [`FAILED`].
pub fn code_of(e: &anyhow::Error) -> i32 {
    let bad = e.chain().any(|c| c.is::<BadInput>() || c.is::<tritium_profile::config::ConfigError>());
    if bad {
        BAD_INPUT
    } else {
        FAILED
    }
}

/// The worst of two outcomes (interrupted > failed > partial > bad input > success
/// is not an order; this ranks the run outcomes 0 < 3 < 1 < 130).
pub fn worst(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        SUCCESS => 0,
        PARTIAL => 1,
        FAILED => 2,
        BAD_INPUT => 3,
        _ => 4,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_anywhere_in_the_chain_is_code_2() {
        let e = bad_input("--percentile 0: must be 1..=99").context("bench");
        assert_eq!(code_of(&e), BAD_INPUT);
        assert_eq!(code_of(&anyhow::anyhow!("server failed")), FAILED);
    }

    #[test]
    fn worst_orders_outcomes() {
        assert_eq!(worst(SUCCESS, PARTIAL), PARTIAL);
        assert_eq!(worst(FAILED, PARTIAL), FAILED);
        assert_eq!(worst(PARTIAL, INTERRUPTED), INTERRUPTED);
        assert_eq!(worst(SUCCESS, SUCCESS), SUCCESS);
    }
}
