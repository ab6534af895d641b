#!/usr/bin/env bash
# The main job (README): set-up, the environment report, then a real
# `tritium profile` of the example model repository with the Model Analyzer
# config examples/analyzer_config.yaml: CSVs, results.json and deployable
# configs under profile_results/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
"$TRITIUM_BIN" doctor
"$TRITIUM_BIN" profile -f examples/analyzer_config.yaml --fresh   # a re-run moves the previous checkpoint aside
