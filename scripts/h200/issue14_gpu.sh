#!/usr/bin/env bash
# issue 14 on a real GPU: `gpus` (tritium restarts itself with CUDA_VISIBLE_DEVICES), one
# metrics-model-gpu.csv row per GPU with that GPU's own numbers, and the server-only measurement
# (server up, no model loaded) in metrics-server-only.csv. A short profile of tests/models/torch_gpu
# (Python backend, KIND_GPU, torch) with the search disabled. Run through scripts/gpu-run.sh
# (carry .gpu). Writes $OUT/issue14_gpu.txt and the CSVs.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
W=/tmp/i14; rm -rf "$W"; mkdir -p "$W/repo"
cp -r tests/models/torch_gpu "$W/repo/"
UUID=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | head -1)
cat > "$W/cfg.yaml" <<YAML
model_repository: $W/repo
profile_models: [torch_gpu]
export_path: $W/exp
checkpoint_directory: $W/ck
output_model_repository_path: $W/models
run_config_search_disable: true
concurrency: [4]
duration_seconds: 2
gpus: [$UUID]
perf_analyzer_flags: {measurement-interval: 500}
YAML
BIN=${TRITIUM_BIN:-.gpu/bin/tritium}
{
  echo "== CUDA_VISIBLE_DEVICES before: ${CUDA_VISIBLE_DEVICES:-<unset>}; gpus: [$UUID]"
  "$BIN" profile -f "$W/cfg.yaml" 2>&1 | grep -vE "pb_stub|^[IWE][0-9]{4}" | tail -30
  echo "== exit ${PIPESTATUS[0]}"
  for f in metrics-model-gpu.csv metrics-server-only.csv metrics-model-inference.csv; do echo "== $f"; cat "$W/exp/results/$f"; done
  echo "== gpus: [GPU-nonexistent] (must fail before any server starts)"
  sed -i "s/gpus: .*/gpus: [GPU-00000000-0000-0000-0000-000000000000]/" "$W/cfg.yaml"
  "$BIN" profile -f "$W/cfg.yaml" --fresh 2>&1 | tail -3; echo "== exit ${PIPESTATUS[0]}"
} > "$OUT/issue14_gpu.txt" 2>&1
cp "$W/exp/results/"*.csv "$OUT/" 2>/dev/null
cat "$OUT/issue14_gpu.txt"
