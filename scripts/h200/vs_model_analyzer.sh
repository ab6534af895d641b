#!/usr/bin/env bash
# issue 13's benchmark: the same quick search as Model Analyzer, on the same
# machine, with Model Analyzer's own config file
# (../shared/anchors/model-analyzer/ma_config.yaml: quick search, instances
# 1-4 x max batch 1-8 x concurrency <= 64, 500 ms windows) on
# tests/models/sleep_fixed (Python backend, KIND_CPU, a fixed 5 ms execute()).
#
#   scripts/h200/vs_model_analyzer.sh ma       # Model Analyzer 1.58 (needs .anchors/ma carried)
#   scripts/h200/vs_model_analyzer.sh tritium  # tritium profile -f (needs .gpu carried), RUNS times
#
# The Model Analyzer bundle (~53 MB) and tritium's pack (~47 MB) do not fit
# one device call (64 MiB), so the two run in consecutive calls on the warm
# machine. Writes $OUT/vs_<mode>.txt (+ MA's CSVs / tritium's results.json).
set -uo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:?ma or tritium}
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
WORK=/tmp/vs_work; rm -rf "$WORK"; mkdir -p "$WORK/repo"
cp -r tests/models/sleep_fixed "$WORK/repo/"
case "$MODE" in
  ma)
    MODEL=sleep_fixed SRC_REPO=$WORK/repo OUT=$WORK/ma bash .anchors/ma/ma_run.sh > "$WORK/ma_stdout.txt" 2>&1
    echo "ma_run exit $?" >> "$WORK/ma_stdout.txt"
    { grep -E "wall|took|profile|best|Best|seconds|ERROR|FATAL" "$WORK/ma_stdout.txt" | tail -40; } > "$OUT/vs_ma.txt"
    cp "$WORK/ma/metrics-model-inference.csv" "$OUT/ma_metrics-model-inference.csv" 2>/dev/null
    tar -czf "$OUT/ma_logs.tgz" -C "$WORK" ma ma_stdout.txt 2>/dev/null
    ;;
  tritium)
    # Model Analyzer's file, unchanged but for its paths: MODEL_NAME, where things go, and the
    # backend directory (MA's points into its own bundle; tritium applies the flag, so it names
    # the carried runtime's backends).
    # (scripts/h200/ma_config.yaml is the bundle's file, kept here so the run needs no bundle.)
    BACKENDS=${TRITIUM_TRITON_PATH:-/tmp/triton/triton-2.51.0}/backends
    sed -e "s#MODEL_NAME#sleep_fixed#; s#/tmp/ma_work/model_repository#$WORK/repo#; s#/tmp/ma_work#$WORK#g; s#/tmp/tri/pytriton/tritonserver/backends#$BACKENDS#" \
      scripts/h200/ma_config.yaml > "$WORK/ma_config.yaml"
    BIN=${TRITIUM_BIN:-.gpu/bin/tritium}
    for i in $(seq 1 "${RUNS:-2}"); do
      t0=$(date +%s.%N)
      "$BIN" profile -f "$WORK/ma_config.yaml" --fresh ${TRITIUM_ARGS:-} > "$WORK/tritium_$i.txt" 2>&1
      rc=$?
      t1=$(date +%s.%N)
      { echo "== tritium run $i ${TRITIUM_ARGS:-}: exit $rc, wall $(python3 -c "print(round($t1 - $t0, 1))") s"; grep -vE "^\[profile\]|pb_stub|^[IWE][0-9]{4}" "$WORK/tritium_$i.txt" | tail -25; } >> "$OUT/vs_tritium.txt"
      cp "$WORK/profile_results/results/results.json" "$OUT/tritium_results_${TAG:-}$i.json" 2>/dev/null
    done
    ;;
esac
cat "$OUT/vs_$MODE.txt"
