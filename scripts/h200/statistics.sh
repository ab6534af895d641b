#!/usr/bin/env bash
# Issue 12 on the H200 (run through scripts/gpu-run.sh, which sets TRITIUM_BIN, the
# runtime and the numpy-1.26 + torch venv, and packs $OUT):
#   stage "profiles": two back-to-back `profile`s of the torch_mlp GPU model per
#     measurement rule (adaptive, then perf_analyzer's plain rule), same file,
#     same machine — do they pick the same config or the same tie set?
#   stage "repeat": `bench --repeat 5` of torch_mlp at c=1 and c=16 (between-run spread
#     vs within-run intervals; diagnostics with NVML clocks / throttle / temperature).
#   stage "truth": scripts/ground_truth.sh (the seeded noisy fixture) on 16 cores.
# Usage: bash scripts/gpu-run.sh "bash scripts/h200/statistics.sh profiles repeat"
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${TRITIUM_BIN:?run through scripts/gpu-run.sh}" "${OUT:?}"
work=$(mktemp -d)
mkdir -p "$work/repo" && cp -r scripts/bench_models/torch_mlp "$work/repo/"
profile_yaml() { # $1 = rule, $2 = run dir
  cat <<YAML
model_repository: $work/repo
profile_models:
  - torch_mlp
export_path: $2
output_model_repository_path: $2/output_models
checkpoint_directory: $2/checkpoints
override_output_model_repository: true
run_config_search_mode: quick
run_config_search_max_instance_count: 2
run_config_search_max_model_batch_size: 16
run_config_search_max_concurrency: 64
num_configs_per_model: 3
perf_analyzer_flags:
  measurement-interval: ${INTERVAL_MS:-500}
tritium_measurement_rule: $1
YAML
}
for stage in "$@"; do
  case "$stage" in
    profiles)
      for rule in ${RULES:-adaptive perf_analyzer}; do
        for run in 1 2; do
          d=$OUT/profile_${rule}_$run; mkdir -p "$d"
          profile_yaml "$rule" "$d" > "$d/analyzer_config.yaml"
          s=$(date +%s)
          timeout 280 "$TRITIUM_BIN" profile -f "$d/analyzer_config.yaml" > "$d/stdout.txt" 2> "$d/stderr.txt"; rc=$?
          echo "profile $rule run $run: exit $rc in $(( $(date +%s) - s )) s" | tee -a "$OUT/profiles.txt"
          tail -30 "$d/stdout.txt" >> "$OUT/profiles.txt"
          rm -rf "$d/output_models" "$d/checkpoints"
        done
      done ;;
    repeat)
      # The adaptive rule (default: 1 s windows, ±3 % target, up to 20) and perf_analyzer's (5 s windows, 3 stable).
      for rule in adaptive perf-analyzer; do
        for c in 1 16; do
          s=$(date +%s)
          timeout 200 "$TRITIUM_BIN" bench --model-repository "$work/repo" -m torch_mlp --concurrency-range $c --repeat $([ $rule = adaptive ] && echo 5 || echo 3) \
            --measurement-rule $rule --json "$OUT/repeat_${rule}_c$c.json" > "$OUT/repeat_${rule}_c$c.txt" 2>&1; rc=$?
          echo "repeat $rule c=$c exit $rc in $(( $(date +%s) - s )) s" | tee -a "$OUT/repeat_${rule}_c$c.txt" "$OUT/repeat.txt"
          [ "$rule" = perf-analyzer ] && break   # one level under the slow rule: time is short
        done
      done ;;
    truth)
      GT_K=${GT_K:-3} GT_KEEP=$OUT/ground_truth timeout ${TRUTH_TIMEOUT:-420} bash scripts/ground_truth.sh > "$OUT/ground_truth.txt" 2>&1
      echo "ground truth exit $?" >> "$OUT/ground_truth.txt" ;;
    *) echo "unknown stage $stage" >&2 ;;
  esac
done
