#!/usr/bin/env bash
# GPU part of the per-request timelines (issue 6) and of `tritium bench`'s
# CUDA paths, on the H200 box. Run through scripts/gpu-run.sh (it unpacks the
# binaries and runtime and sets up numpy 1.26 + torch):
#   bash scripts/gpu-run.sh "bash scripts/gpu-trace.sh"
# Writes under $OUT: bench_cuda_*.json (--memory cuda), trace_torch_mlp.json
# (Chrome trace with NVML counter tracks and CUDA-event copy spans),
# bench_trace_*.json (phase tables), overhead_add_sub.json (client overhead
# p50 at concurrency 1), ncu_* (Nsight Compute on a deterministic run).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/out}
T=.gpu/bin/tritium
REPO=scripts/bench_models
quiet() { grep -vE "pb_stub.cc|Non-graceful|^[IWE][0-9]{4}"; }

echo "== bench --memory cuda (inputs and outputs in device memory)"
$T bench --model-repository "$REPO" -m add_sub --memory cuda --concurrency-range 1,4 -p 1000 --warmup 300 --json "$OUT/bench_cuda_add_sub.json" 2>&1 | quiet
$T bench --model-repository "$REPO" -m torch_mlp --memory cuda --concurrency-range 1,8 -p 1000 --warmup 300 --json "$OUT/bench_cuda_torch_mlp.json" 2>&1 | quiet
$T bench --model-repository "$REPO" -m torch_mlp --memory pinned --concurrency-range 8 -p 1000 --warmup 300 --json "$OUT/bench_pinned_torch_mlp.json" 2>&1 | quiet

echo "== trace: torch_mlp, CUDA memory, timed copies, NVML counters (1 in 4 traced)"
$T bench --model-repository "$REPO" -m torch_mlp --memory cuda --concurrency-range 4 -p 1000 --warmup 300 --max-trials 3 \
  --trace "$OUT/trace_torch_mlp.json" --trace-rate 4 --trace-cuda-copies --json "$OUT/bench_trace_torch_mlp.json" 2>&1 | quiet

echo "== client overhead per request, add_sub concurrency 1 (every request traced; trace file kept off \$OUT: large)"
$T bench --model-repository "$REPO" -m add_sub --concurrency-range 1 -p 2000 --warmup 500 \
  --trace /tmp/trace_add_sub.json --json "$OUT/overhead_add_sub.json" 2>&1 | quiet
echo "   same without tracing, for the throughput cost of tracing:"
$T bench --model-repository "$REPO" -m add_sub --concurrency-range 1 -p 2000 --warmup 500 --json "$OUT/notrace_add_sub.json" 2>&1 | quiet

echo "== NVTX"
$T doctor 2>&1 | grep -i nvtx
NVTXLIB=$(timeout 60 find /opt /usr -name 'libnvToolsExt.so*' 2>/dev/null | head -1)
echo "libnvToolsExt on this machine: ${NVTXLIB:-none}"
if [ -n "$NVTXLIB" ]; then
  TRITIUM_NVTX_LIB=$NVTXLIB $T doctor 2>&1 | grep -i nvtx
  TRITIUM_NVTX_LIB=$NVTXLIB $T bench --model-repository "$REPO" -m add_sub --request-count 2000 --concurrency-range 4 --json "$OUT/nvtx_on_add_sub.json" 2>&1 | quiet | tail -3
fi

echo "== Nsight Compute on a deterministic run (torch_mlp: 3 requests, zero inputs)"
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
if [ -n "$NCU" ]; then
  "$NCU" --version | tail -1
  timeout 300 "$NCU" --clock-control none --target-processes all --launch-count 120 --metrics gpu__time_duration.sum -f -o "$OUT/ncu_torch_mlp" \
    $T bench --model-repository "$REPO" -m torch_mlp --request-count 3 --input-data zero --concurrency-range 1 \
      --trace "$OUT/trace_ncu_torch_mlp.json" --json "$OUT/bench_ncu_torch_mlp.json" > "$OUT/ncu_run.txt" 2>&1
  echo "ncu exit $?"; tail -5 "$OUT/ncu_run.txt" | quiet
  "$NCU" -i "$OUT/ncu_torch_mlp.ncu-rep" --csv --page raw --metrics gpu__time_duration.sum > "$OUT/ncu_kernels.csv" 2>&1
  python3 - "$OUT/ncu_kernels.csv" <<'PY'
import csv, sys, collections
rows = list(csv.reader(open(sys.argv[1])))
if len(rows) < 3:
    print("no kernels in the report:", rows[:3]); sys.exit()
h = rows[0]; idx = {k: i for i, k in enumerate(h)}
name_col = idx.get("Kernel Name"); pid_col = idx.get("Process ID"); t_col = idx.get("gpu__time_duration.sum")
by = collections.defaultdict(list)
for r in rows[2:]:
    by[(r[pid_col] if pid_col is not None else "?", r[name_col][:70])].append(float(r[t_col].replace(",", "")))
unit = rows[1][t_col] if len(rows) > 1 else "?"
print(f"{len(rows)-2} kernels profiled (gpu__time_duration in {unit})")
for (pid, n), v in sorted(by.items(), key=lambda kv: -sum(kv[1]))[:12]:
    print(f"  pid {pid}  {len(v):4d} x  avg {sum(v)/len(v):10.2f} {unit}  {n}")
PY
else
  echo "ncu not found"
fi
