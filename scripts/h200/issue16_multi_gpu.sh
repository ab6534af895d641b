#!/usr/bin/env bash
# issue 16 (needs a machine of 2+ GPUs: nvidia-h200-x2 / -x4; only dry-run on one H200 so far, where
# both runs are one process: MODELS=2 took 429.9 s of device time, ~220 s a run). A multi-model GPU profile (copies of tests/models/torch_gpu, KIND_GPU,
# a small brute search) run twice through scripts/gpu-run.sh (carry .gpu):
#   1. on GPU 0 alone (`gpus: [<uuid0>]`: one process),
#   2. on every GPU (`gpus: [<uuid0>, <uuid1>, ...]`: one worker per GPU, merged).
# It prints the wall times, each merged GPU row's UUID next to the shard that measured it (each
# worker's rows must name its own GPU only), and the top config of each model in both runs.
# Writes $OUT/issue16_multi_gpu.txt and the merged CSVs of run 2.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
BIN=${TRITIUM_BIN:-.gpu/bin/tritium}
W=/tmp/i16; rm -rf "$W"; mkdir -p "$W/repo"
MODELS=${MODELS:-4}
names=()
for i in $(seq 0 $((MODELS - 1))); do
  cp -r tests/models/torch_gpu "$W/repo/g$i"
  sed -i "s/^name: .*/name: \"g$i\"/" "$W/repo/g$i/config.pbtxt"
  names+=("g$i")
done
mapfile -t UUIDS < <(nvidia-smi --query-gpu=uuid --format=csv,noheader)
config() { # $1: folder, $2: gpus list
  mkdir -p "$1"
  cat > "$1/cfg.yaml" <<YAML
model_repository: $W/repo
profile_models: [$(IFS=,; echo "${names[*]}")]
export_path: $1/exp
checkpoint_directory: $1/ck
output_model_repository_path: $1/models
run_config_search_max_instance_count: 2
run_config_search_max_model_batch_size: 8
concurrency: [8]
duration_seconds: 2
skip_detailed_reports: true
gpus: [$2]
perf_analyzer_flags: {measurement-interval: 500}
YAML
}
{
  echo "GPUs: ${UUIDS[*]}"
  config "$W/one" "${UUIDS[0]}"
  all=$(IFS=,; echo "${UUIDS[*]}")
  config "$W/all" "$all"
  for run in one all; do
    t0=$(date +%s.%N)
    "$BIN" profile -f "$W/$run/cfg.yaml" 2>&1 | grep -vE "pb_stub|\] [IWE][0-9]{4}" | tail -30
    echo "== $run: exit ${PIPESTATUS[0]}, wall $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
  done
  echo "== merged GPU rows of the all-GPU run (model, GPU UUID, memory MB)"
  cut -d, -f1,2,8 "$W/all/exp/results/metrics-model-gpu.csv"
  echo "== which shard measured which model, and its GPU"
  for f in "$W"/all/exp/shards/*/results/results.json; do [ -f "$f" ] || { echo "(no shards: one GPU, one process)"; continue; }; python3 -c "import json; r=json.load(open('$f')); print(r['shard']['index'], r['shard']['gpu_uuids'], [m['model'] for m in r['models']])"; done
  echo "== top config per model: one GPU vs all GPUs"
  for run in one all; do python3 -c "import json; r=json.load(open('$W/$run/exp/results/results.json')); print('$run', {m['model']: (m['top'][:1], m.get('tied_with', {})) for m in r['models']})"; done
} > "$OUT/issue16_multi_gpu.txt" 2>&1
cp "$W"/all/exp/results/*.csv "$OUT/" 2>/dev/null
cat "$OUT/issue16_multi_gpu.txt"
