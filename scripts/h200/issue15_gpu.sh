#!/usr/bin/env bash
# issue 15 on a real GPU (a machine of one GPU): worker processes (`tritium_workers`) through the
# shard + merge path with GPU models, and the refusals of a GPU list. Two copies of
# tests/models/torch_gpu (Python backend, KIND_GPU, torch), the search disabled, as 2 workers that
# share the one GPU (tritium warns that they disturb each other); the merged CSVs must carry the
# GPU's UUID in the GPU rows of both models and in the server-only rows. Run through
# scripts/gpu-run.sh (carry .gpu). Writes $OUT/issue15_gpu.txt and the merged CSVs.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
W=/tmp/i15; rm -rf "$W"; mkdir -p "$W/repo"
for m in torch_a torch_b; do
  cp -r tests/models/torch_gpu "$W/repo/$m"
  sed -i "s/^name: .*/name: \"$m\"/" "$W/repo/$m/config.pbtxt"
done
UUID=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | head -1)
cat > "$W/cfg.yaml" <<YAML
model_repository: $W/repo
profile_models: [torch_a, torch_b]
export_path: $W/exp
checkpoint_directory: $W/ck
output_model_repository_path: $W/models
run_config_search_disable: true
concurrency: [4]
duration_seconds: 2
skip_detailed_reports: true
perf_analyzer_flags: {measurement-interval: 500}
YAML
BIN=${TRITIUM_BIN:-.gpu/bin/tritium}
{
  echo "== 2 workers on the one GPU ($UUID)"
  t0=$(date +%s.%N)
  "$BIN" profile -f "$W/cfg.yaml" --tritium-workers 2 2>&1 | grep -vE "pb_stub|^\[w[01][^]]*\] [IWE][0-9]{4}" | tail -40
  echo "== exit ${PIPESTATUS[0]}, wall $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
  for f in metrics-model-gpu.csv metrics-server-only.csv metrics-model-inference.csv; do echo "== merged $f"; cat "$W/exp/results/$f"; done
  for i in 0 1; do echo "== shard $i gpu_uuids"; python3 -c "import json; print(json.load(open('$W/exp/shards/$i-of-2/results/results.json'))['shard'])"; done
  echo "== gpus: [0, 1] on a machine of one GPU (refused before any worker starts)"
  "$BIN" profile -f "$W/cfg.yaml" --fresh --gpus 0,1 2>&1 | tail -3; echo "== exit ${PIPESTATUS[0]}"
} > "$OUT/issue15_gpu.txt" 2>&1
for f in "$W"/exp/results/*.csv; do cp "$f" "$OUT/issue15_$(basename "$f")"; done
cat "$OUT/issue15_gpu.txt"
