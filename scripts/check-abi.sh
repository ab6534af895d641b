#!/usr/bin/env bash
# Checks that every function declared in sys/include/tritium_tritonserver.h
# has exactly the signature of the upstream header (C++ refuses two
# extern "C" declarations of one function with different types).
# Usage: scripts/check-abi.sh path/to/upstream/tritonserver.h
set -euo pipefail
upstream=${1:?usage: $0 path/to/upstream/include/triton/core/tritonserver.h}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$upstream" > "$tmp/check.cc" <<'PY'
import re, sys
src = open("sys/include/tritium_tritonserver.h").read()
src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
decls = []
for stmt in src.split(";"):
    s = " ".join(l for l in stmt.splitlines() if not l.strip().startswith("#"))
    s = " ".join(s.split())
    if "(" in s and not s.startswith("typedef"):
        decls.append(s + ";")
print('#include "%s"' % sys.argv[1])
print('extern "C" {')
print("\n".join(decls))
print("}")
PY
g++ -fsyntax-only -x c++ "$tmp/check.cc"
echo "ABI OK: $(grep -c '(' "$tmp/check.cc") declarations match $upstream"
