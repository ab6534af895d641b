#!/usr/bin/env bash
# Soak benchmark: memory of `tritium bench` over 10^6 requests.
#
# Runs `tritium bench` on tests/models/add_sub (Python backend, CPU) with
# exactly REQUESTS requests (`--request-count`, deterministic: no warm-up, no
# windows) at concurrency CONCURRENCY, samples the tritium process's resident
# memory (VmRSS from /proc/PID/status) and that of its child processes (the
# Python backend stubs) every second into a CSV, and prints: requests done,
# failures, RSS min/median/max and the RSS slope in MB per 10^5 requests
# (least squares; both over the steady state: the samples after the first 10%
# of the run and before the last 5%, so start-up, model load and shutdown are
# left out; the slope assumes requests complete at the measured mean rate)
# and the wall time.
#
# Builds nothing: it runs target/release/tritium (or $TRITIUM_BIN). Build it
# first:  cargo build --release --bin tritium
#
#   scripts/soak.sh                       # 10^6 requests, concurrency 8
#   REQUESTS=100000 scripts/soak.sh       # shorter
#   OUT=/tmp/soak MAX_SECONDS=3600 scripts/soak.sh
#
# Files in $OUT (default target/soak/): rss.csv (t_s,rss_kb,children_rss_kb),
# bench.json (tritium's JSON result), bench.log (its output).
# Exit status: tritium's, or 1 when a request failed, 2 on bad set-up.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${TRITIUM_BIN:-target/release/tritium}
REQUESTS=${REQUESTS:-1000000}
CONCURRENCY=${CONCURRENCY:-8}
REPO=${REPO:-tests/models}
MODEL=${MODEL:-add_sub}
OUT=${OUT:-target/soak}
MAX_SECONDS=${MAX_SECONDS:-7200}   # stops the run (SIGINT, then SIGKILL) past this

if [ ! -x "$BIN" ]; then
  echo "soak: $BIN not found; build it first: cargo build --release --bin tritium" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "soak: python3 is needed for the summary" >&2; exit 2; }
mkdir -p "$OUT"
CSV=$OUT/rss.csv
JSON=$OUT/bench.json
rm -f "$JSON"
echo "t_s,rss_kb,children_rss_kb" > "$CSV"

echo "soak: $BIN bench -m $MODEL --concurrency-range $CONCURRENCY --request-count $REQUESTS (repository $REPO, at most $MAX_SECONDS s)"
start=$(date +%s.%N)
# With --request-count, bench gives up after 60 x -p (a hang guard; 300 s at the
# default -p 5000): -p is set so that this deadline is MAX_SECONDS.
"$BIN" bench --model-repository "$REPO" -m "$MODEL" --concurrency-range "$CONCURRENCY" \
  --request-count "$REQUESTS" -p $(( (MAX_SECONDS * 1000 + 59) / 60 )) --json "$JSON" > "$OUT/bench.log" 2>&1 &
pid=$!
stopped=""
# Sample until the process is gone; VmRSS disappears from status once it is a zombie.
while kill -0 "$pid" 2>/dev/null; do
  now=$(date +%s.%N)
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  if [ -n "$rss" ]; then
    kids=0
    for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
      k=$(awk '/^VmRSS:/ {print $2}' "/proc/$c/status" 2>/dev/null || true)
      kids=$((kids + ${k:-0}))
    done
    echo "$(awk -v a="$now" -v b="$start" 'BEGIN {printf "%.2f", a - b}'),$rss,$kids" >> "$CSV"
  fi
  if [ -z "$stopped" ] && awk -v a="$now" -v b="$start" -v m="$MAX_SECONDS" 'BEGIN {exit !(a - b > m)}'; then
    echo "soak: past MAX_SECONDS=$MAX_SECONDS, interrupting" >&2
    kill -INT "$pid" 2>/dev/null || true
    stopped=$now
  elif [ -n "$stopped" ] && awk -v a="$now" -v b="$stopped" 'BEGIN {exit !(a - b > 30)}'; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  sleep 1
done
rc=0
wait "$pid" || rc=$?
wall=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {printf "%.1f", a - b}')

python3 - "$CSV" "$JSON" "$wall" "$rc" <<'EOF'
import csv, json, os, statistics, sys
csv_path, json_path, wall, rc = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rows = [(float(r["t_s"]), int(r["rss_kb"]) / 1024, int(r["children_rss_kb"]) / 1024) for r in csv.DictReader(open(csv_path))]
requests = failures = 0
throughput = None
if os.path.exists(json_path):
    doc = json.load(open(json_path))
    for p in doc.get("points", []):
        requests += p.get("requests", 0)
        failures += sum(p.get("failures", {}).values())
        throughput = p.get("throughput") or throughput
print(f"tritium exit status: {rc}")
print(f"requests done:       {requests}")
print(f"failures:            {failures}")
if throughput:
    print(f"throughput:          {throughput:.0f} infer/s")
print(f"wall time:           {wall:.1f} s")
if len(rows) < 3:
    print("RSS: too few samples")
    sys.exit(0)
# Steady state: after the first 10% of the run (start-up, model load) and
# before the last 5% (shutdown: the Python stubs exit).
t_end = rows[-1][0]
steady = [r for r in rows if 0.1 * t_end <= r[0] <= 0.95 * t_end]
if len(steady) < 3:
    print("RSS: too few steady-state samples (a longer run is needed)")
    sys.exit(0)
for name, col in (("tritium", 1), ("children", 2)):
    v = [r[col] for r in steady]
    peak = max(r[col] for r in rows)
    print(f"{'RSS (' + name + '):':<18}min {min(v):.1f} MB, median {statistics.median(v):.1f} MB, max {max(v):.1f} MB "
          f"(spread {max(v) - min(v):.1f} MB; {len(v)} steady-state samples; whole-run peak {peak:.1f} MB)")
if throughput:
    for name, col in (("tritium", 1), ("children", 2)):
        ts = [r[0] for r in steady]
        ys = [r[col] for r in steady]
        mt, my = statistics.fmean(ts), statistics.fmean(ys)
        den = sum((t - mt) ** 2 for t in ts)
        mb_per_s = sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / den if den else 0.0
        # requests arrive at the measured rate: 10^5 requests take 1e5 / throughput seconds
        print(f"{'slope (' + name + '):':<18}{mb_per_s * 1e5 / throughput:+.3f} MB per 10^5 requests ({mb_per_s * 3600:+.2f} MB/h)")
EOF

if [ "$rc" -ne 0 ]; then
  echo "soak: tritium exited with $rc; see $OUT/bench.log" >&2
  exit "$rc"
fi
if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(any(sum(p.get("failures",{}).values()) for p in d.get("points",[])))' "$JSON"; then
  echo "soak: requests failed; see $OUT/bench.log" >&2
  exit 1
fi
