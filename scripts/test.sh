#!/usr/bin/env bash
# The test command (README, .ci/run): set-up, the bindings check, then every
# test of the workspace against a real embedded Triton (CPU; GPU tests skip
# with a message where there is no CUDA), then the doctests (the README's
# library example runs against the embedded runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/regen-bindings.sh --check
cargo test --workspace --all-targets
cargo test --workspace --doc
