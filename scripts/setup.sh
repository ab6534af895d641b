#!/usr/bin/env bash
# Shared set-up for scripts/test.sh and scripts/quickstart.sh: system packages
# (when root and apt-get exist), a release build of tritium, and a Triton
# runtime (nvidia-pytriton==0.7.0 laid out by `tritium runtime install`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  command -v cc >/dev/null || need+=(gcc libc6-dev)
  dpkg -s libclang-dev >/dev/null 2>&1 || need+=(libclang-dev)     # bindgen check of the sys crate
  dpkg -s python3-numpy >/dev/null 2>&1 || need+=(python3-numpy)   # the Python backend stub's numpy (1.x)
  dpkg -s poppler-utils >/dev/null 2>&1 || need+=(poppler-utils)   # pdftotext/pdftoppm for report tests
  if [ ${#need[@]} -gt 0 ]; then
    echo "[setup] apt-get install ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  fi
fi
cargo build --release --bin tritium
TRITIUM_BIN=${CARGO_TARGET_DIR:-target}/release/tritium
if ! "$TRITIUM_BIN" runtime path >/dev/null 2>&1; then
  "$TRITIUM_BIN" runtime install
fi
