#!/usr/bin/env bash
# The main job (README): set-up, then the environment report and the example
# model repository loaded and queried in the embedded server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
"$TRITIUM_BIN" doctor
"$TRITIUM_BIN" models -r examples/model_repository --load add_sub,sleep_fixed --infer
