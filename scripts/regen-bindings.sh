#!/usr/bin/env bash
# Regenerates sys/src/bindings.rs from sys/include/tritium_tritonserver.h
# (needs libclang: apt-get install libclang-dev). With --check, fails when the
# checked-in file differs from a fresh generation instead of overwriting it.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp); trap 'rm -f "$log"' EXIT
cargo build -q -p tritium-sys --features bindgen --message-format=json > "$log"
out=$(python3 -c '
import json,sys
for line in open(sys.argv[1]):
    m=json.loads(line)
    if m.get("reason")=="build-script-executed" and "tritium-sys" in m.get("package_id",""):
        print(m["out_dir"])' "$log")
gen="$out/bindings.rs"
if [[ "${1:-}" == "--check" ]]; then
  if ! diff -u sys/src/bindings.rs "$gen"; then
    echo "sys/src/bindings.rs is stale: run scripts/regen-bindings.sh and commit the result" >&2
    exit 1
  fi
  echo "bindings up to date"
else
  cp "$gen" sys/src/bindings.rs
  echo "wrote sys/src/bindings.rs"
fi
