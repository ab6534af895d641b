#!/usr/bin/env bash
# The top config's confirmation on the H200 (docs/statistics/search.md "Confirming the final pick"),
# through scripts/gpu-run.sh (carry .gpu):
#   1. issue 13's search (Model Analyzer's own file, sleep_fixed, quick), once: what the confirmation
#      costs there (wall, loads, measurements) and whether 4 x 8 is still found and confirmed;
#   2. the case that asked for it: torch_gpu (KIND_GPU, brute: instances 1-2 x max batch 1-8 at
#      concurrency 8, 500 ms windows), twice back to back, as in issue 16's dry run where two runs
#      picked different tops (the default vs config_3) with no tie declared.
# Writes $OUT/confirm_top.txt and each run's results.json.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
BIN=${TRITIUM_BIN:-.gpu/bin/tritium}
W=/tmp/confirm; rm -rf "$W"; mkdir -p "$W/repo"
cp -r tests/models/torch_gpu "$W/repo/"
{
  echo "== 1. issue 13's search (Model Analyzer's file), once"
  RUNS=1 TAG=confirm_ OUT="$W/vs" bash scripts/h200/vs_model_analyzer.sh tritium > /dev/null 2>&1
  grep -E "^== tritium" "$W/vs/vs_tritium.txt"
  grep -vE "pb_stub|\] [IWE][0-9]{4}" /tmp/vs_work/tritium_1.txt | grep -E "Time:|lead over|tie at|tied|x the default|re-measuring|infer/s \(" | head -20
  cp "$W"/vs/tritium_results_confirm_1.json "$OUT/" 2>/dev/null
  cat > "$W/torch.yaml" <<YAML
model_repository: $W/repo
profile_models: torch_gpu
export_path: $W/exp
checkpoint_directory: $W/ck
output_model_repository_path: $W/models
override_output_model_repository: true
run_config_search_mode: brute
run_config_search_max_instance_count: 2
run_config_search_max_model_batch_size: 8
concurrency: [8]
skip_detailed_reports: true
perf_analyzer_flags: {measurement-interval: 500}
YAML
  for i in 1 2; do
    echo "== 2. torch_gpu brute, run $i"
    t0=$(date +%s.%N)
    "$BIN" profile -f "$W/torch.yaml" --fresh > "$W/torch_$i.txt" 2>&1
    rc=$?
    echo "exit $rc, wall $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
    grep -vE "pb_stub|\] [IWE][0-9]{4}|^\[profile\]" "$W/torch_$i.txt" | grep -E "infer/s|lead over|tie at|tied|x the default|Time:|NOISE" | head -30
    grep -E "re-measuring|lead over|tie at" "$W/torch_$i.txt" | head -12
    cp "$W/exp/results/results.json" "$OUT/torch_results_$i.json" 2>/dev/null
  done
} > "$OUT/confirm_top.txt" 2>&1
cat "$OUT/confirm_top.txt"
