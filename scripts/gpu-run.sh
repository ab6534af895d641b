#!/usr/bin/env bash
# Runs tritium's GPU checks on the H200 device machine (no Rust toolchain
# there): the carried release binaries in .gpu/ against the carried runtime.
# Prepare here with scripts/gpu-pack.sh; results go to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
# Results are written to a work folder and packed into $OUT/gpu_results.tgz at the
# end: the device tool brings back at most 8 files per call.
OUT_BACK=${OUT:-/tmp/out}; export OUT=/tmp/gpu_results; rm -rf "$OUT"; mkdir -p "$OUT" "$OUT_BACK"
trap 'tar -czf "$OUT_BACK/gpu_results.tgz" -C "$OUT" . ; ls -la "$OUT"' EXIT
export TRITIUM_REPO=$PWD
export TRITIUM_BIN=$PWD/.gpu/bin/tritium
mkdir -p /tmp/triton && tar -xJf .gpu/runtime312.tar.xz -C /tmp/triton
tar -xJf .gpu/bins.tar.xz -C .gpu
export TRITIUM_TRITON_PATH=/tmp/triton/triton-2.51.0
# numpy 1.26 for the stub (numpy 2 empties Python-backend outputs), torch from the image's venv.
python3 -m venv --without-pip /tmp/v126
python3 -m pip install -q --no-index --no-deps --target /tmp/v126/lib/python3.12/site-packages .gpu/numpy-1.26.4-*.whl
echo /opt/torch/.venv/lib/python3.12/site-packages > /tmp/v126/lib/python3.12/site-packages/zz_torch.pth
export PATH=/tmp/v126/bin:$PATH
{ nvidia-smi -L; python3 -c 'import numpy, torch; print("numpy", numpy.__version__, "torch", torch.__version__, torch.cuda.is_available())'; } 2>&1 | tee "$OUT/env.txt"
.gpu/bin/tritium doctor 2>&1 | tee "$OUT/doctor.txt"
for t in "$@"; do
  case "$t" in
    memory) timeout 120 .gpu/bin/memory_matrix tests/models 2>&1 | grep --line-buffered -vE "pb_stub.cc|Non-graceful|^[IWE][0-9]{4}" | tee "$OUT/memory_matrix.txt" ;;
    criterion) timeout 240 .gpu/bin/hot_path --bench --warm-up-time 1 --measurement-time 3 2>&1 | grep --line-buffered -vE "pb_stub.cc|Non-graceful|^[IWE][0-9]{4}" | tee "$OUT/criterion.txt" ;;
    tests) for b in ${TESTS:-.gpu/tests/*}; do echo "== $b"; timeout ${TEST_TIMEOUT:-150} "$b" --test-threads=1 --nocapture 2>&1; echo "== $b exit $?"; done 2>&1 | grep --line-buffered -vE "pb_stub.cc|Non-graceful" | tee "$OUT/tests.txt" ;;
    *) bash -c "$t" 2>&1 | tee -a "$OUT/extra.txt" ;;
  esac
done
