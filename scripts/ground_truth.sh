#!/usr/bin/env bash
# Ground-truth benchmark of `tritium profile` on real Triton (issue 12 item 6;
# docs/statistics/ground-truth.md): copies tests/models/noisy_service (a seeded
# noisy Python model whose capacity per config is known analytically) into a
# temporary repository, runs `tritium profile` K times with
# scripts/ground_truth/analyzer_config.yaml (a new seed each run), and scores
# each results.json against the analytic best and tie set
# (scripts/ground_truth/score.py): how often the tie-aware pick is the true
# best or declares it tied, and the same for the argmax of the point estimates.
#
# Environment:
#   GT_K=3            profile runs
#   GT_WINDOW_MS=300  perf_analyzer measurement-interval (ms)
#   GT_MODE=quick     run_config_search_mode (quick | brute)
#   GT_SEED=1         seed of run 1 (run i uses GT_SEED + i - 1)
#   GT_TIE_PCT=5      configs within this % of the best capacity are true ties
#   GT_KEEP=DIR       keep the runs' results here (default: a temporary directory, removed)
#   TRITIUM_BIN       the tritium binary (default: a release build, as scripts/setup.sh makes)
set -euo pipefail
cd "$(dirname "$0")/.."
K=${GT_K:-3}
WINDOW=${GT_WINDOW_MS:-300}
MODE=${GT_MODE:-quick}
SEED=${GT_SEED:-1}
TIE=${GT_TIE_PCT:-5}
if [ -z "${TRITIUM_BIN:-}" ]; then
  cargo build --release --bin tritium
  TRITIUM_BIN=${CARGO_TARGET_DIR:-target}/release/tritium
fi
if [ -n "${GT_KEEP:-}" ]; then
  WORK=$GT_KEEP
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d -t tritium-ground-truth.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
fi
results=()
for i in $(seq 1 "$K"); do
  run="$WORK/run$i"
  rm -rf "$run"
  mkdir -p "$run/repo"
  cp -r tests/models/noisy_service "$run/repo/"
  rm -rf "$run/repo/noisy_service/1/__pycache__"
  seed=$((SEED + i - 1))
  sed -i "s/key: \"seed\" value: { string_value: \"[0-9]*\" }/key: \"seed\" value: { string_value: \"$seed\" }/" "$run/repo/noisy_service/config.pbtxt"
  sed -e "s/measurement-interval: [0-9]*/measurement-interval: $WINDOW/" \
      -e "s/run_config_search_mode: [a-z]*/run_config_search_mode: $MODE/" \
      scripts/ground_truth/analyzer_config.yaml > "$run/analyzer_config.yaml"
  echo "[ground truth] run $i of $K: $MODE search, seed $seed, $WINDOW ms windows"
  start=$(date +%s)
  "$TRITIUM_BIN" profile -f "$run/analyzer_config.yaml" \
    --model-repository "$run/repo" --export-path "$run/results" \
    --checkpoint-directory "$run/results/checkpoints" \
    --output-model-repository-path "$run/results/output_models" > "$run/profile.log" 2>&1 \
    || echo "[ground truth] run $i: tritium profile exited $? (see $run/profile.log)"
  echo "[ground truth] run $i took $(( $(date +%s) - start )) s"
  # results.json sits under the export path's results/ (beside the CSVs).
  found=$(find "$run/results" -name results.json -not -path '*/checkpoints/*' | head -1)
  if [ -n "$found" ]; then
    results+=("$found")
  else
    tail -20 "$run/profile.log"
  fi
done
[ ${#results[@]} -gt 0 ] || { echo "[ground truth] no run produced results.json"; exit 1; }
python3 scripts/ground_truth/score.py --config-pbtxt tests/models/noisy_service/config.pbtxt \
  --max-instances 3 --max-batch 8 --tie-pct "$TIE" "${results[@]}"
