#!/usr/bin/env bash
# Prepares .gpu/ (ignored by git, carried to the device machine): stripped
# release binaries of tritium and of the GPU-relevant test suites, the runtime
# laid out for Python 3.12, and numpy 1.26 for the stub.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .gpu/bin .gpu/tests; mkdir -p .gpu/bin .gpu/tests
cargo build --release --bin tritium
cp target/release/tritium .gpu/bin/ && strip .gpu/bin/tritium
rm -f .gpu/tests/*
# PACK_EXTRAS=0 skips the memory matrix and the criterion bench (the `memory` and `criterion` stages).
if [ "${PACK_EXTRAS:-1}" != 0 ]; then
cargo build --release --example memory_matrix && cp target/release/examples/memory_matrix .gpu/bin/ && strip .gpu/bin/memory_matrix
bench=$(cargo bench --no-run --bench hot_path --message-format=json 2>/dev/null | python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m.get("executable"): print(m["executable"])' | tail -1)
cp "$bench" .gpu/bin/hot_path && strip .gpu/bin/hot_path
fi
for t in ${PACK_TESTS:-embedded shutdown gpu trace}; do
  # The test target named $t (the tritium binary built for the tests comes out too, in no fixed order).
  exe=$(cargo test --release --no-run --test "$t" --message-format=json 2>/dev/null | T="$t" python3 -c 'import json,os,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m.get("executable") and m["target"]["name"]==os.environ["T"] and "test" in m["target"]["kind"]: print(m["executable"])' | tail -1)
  cp "$exe" ".gpu/tests/$t" && strip ".gpu/tests/$t"
done
# Binaries travel compressed (one device call carries at most 64 MiB).
tar -cJf .gpu/bins.tar.xz -C .gpu bin tests && rm -rf .gpu/bin .gpu/tests
if [ ! -f .gpu/runtime312.tar.xz ]; then
  wheel=${WHEEL:-$(ls /tmp/wheel/nvidia_pytriton-0.7.0-*.whl 2>/dev/null | head -1 || true)}
  [ -n "$wheel" ] || { python3 -m pip download --no-deps nvidia-pytriton==0.7.0 -d /tmp/wheel; wheel=$(ls /tmp/wheel/*.whl | head -1); }
  rm -rf /tmp/rt312 && target/release/tritium runtime install --wheel "$wheel" --dest /tmp/rt312 --target-python-version 3.12
  tar -cJf .gpu/runtime312.tar.xz -C /tmp/rt312 triton-2.51.0
fi
[ "${PACK_PA:-1}" = 0 ] || ls .gpu/perf_analyzer-2.60.0-*.whl >/dev/null 2>&1 || python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux_2_38_x86_64 -d .gpu perf-analyzer==2.60.0
ls .gpu/numpy-1.26.4-*.whl >/dev/null 2>&1 || python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux2014_x86_64 -d .gpu numpy==1.26.4
du -sh .gpu
