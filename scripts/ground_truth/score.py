#!/usr/bin/env python3
"""Scores `tritium profile` runs of tests/models/noisy_service against the
analytic ground truth (stdlib only). Usage:

    score.py --config-pbtxt DIR/noisy_service/config.pbtxt \
             [--max-instances 3] [--max-batch 8] [--tie-pct 5] results.json...

Ground truth: an execution of a batch of b sleeps base_ms + per_item_ms*b on
average, so k instances at max batch B complete at most
capacity(k, B) = 1000*k*B / (base_ms + per_item_ms*B) requests/s. The true
best over instances 1..max-instances x max batch 1, 2, 4, .. max-batch is the
argmax; configs within --tie-pct % of it are true ties.

Per run (one results.json): the tie-aware pick is models[0].top[0] with its
declared tie set models[0].tied_with[pick]; the baseline ("today's rule") is
the argmax of the point estimates: the config of the clean measurement with
the highest throughput, from the same measurements. Hit rates get a Wilson
95 % interval.
"""
import argparse
import json
import math
import re
import sys


def params(path):
    text = open(path).read()
    out = {}
    for key, value in re.findall(r'key:\s*"(\w+)"\s*value:\s*\{\s*string_value:\s*"([^"]*)"', text):
        out[key] = value
    return float(out.get("base_ms", "1")), float(out.get("per_item_ms", "4"))


def wilson(k, n):
    if n == 0:
        return 0.0, 100.0
    z = 1.959963984540054
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * max(c - h, 0.0), 100 * min(c + h, 1.0)


def rate(k, n):
    lo, hi = wilson(k, n)
    return f"{k}/{n} = {100 * k / max(n, 1):.0f} % [{lo:.0f}, {hi:.0f}]"


def clean(m):
    p = m.get("point")
    if not p or m.get("error") or p.get("error"):
        return None
    if sum((p.get("failures") or {}).values()) > 0 or p.get("requests", 0) == 0:
        return None
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config-pbtxt", required=True)
    ap.add_argument("--max-instances", type=int, default=3)
    ap.add_argument("--max-batch", type=int, default=8)
    ap.add_argument("--tie-pct", type=float, default=5.0)
    ap.add_argument("results", nargs="+")
    a = ap.parse_args()
    base, per = params(a.config_pbtxt)

    def capacity(k, b):
        return 1000.0 * k * b / (base + per * b)

    batches = [b for b in (1, 2, 4, 8, 16, 32, 64, 128) if b <= a.max_batch]
    grid = [(k, b) for k in range(1, a.max_instances + 1) for b in batches]
    best = max(grid, key=lambda kb: capacity(*kb))
    best_cap = capacity(*best)

    def in_band(kb):
        return kb is not None and capacity(*kb) >= best_cap * (1 - a.tie_pct / 100)

    band = [f"{k}x{b} ({capacity(k, b):.0f}/s)" for k, b in grid if in_band((k, b))]
    print(f"ground truth: capacity(k, B) = 1000*k*B / ({base:g} + {per:g}*B) /s; true best {best[0]}x{best[1]} ({best_cap:.0f}/s); within {a.tie_pct:g} %: {', '.join(band)}")

    n = declared = aware_best = aware_band = argmax_best = argmax_band = 0
    tie_sizes = []
    for path in a.results:
        r = json.load(open(path))
        if not r.get("models"):
            print(f"{path}: no model results", file=sys.stderr)
            continue
        m = r["models"][0]
        coords = {c["name"]: (max(c["variant"]["instance_count"], 1), max(c["variant"]["max_batch_size"], 1)) for c in m["configs"]}
        if not m.get("top"):
            print(f"{path}: no ranked config (status {m.get('status')}: {m.get('reason')})", file=sys.stderr)
            continue
        pick = m["top"][0]
        tied = m.get("tied_with", {}).get(pick, [])
        pc = coords.get(pick)
        hit = pc == best or any(coords.get(t) == best for t in tied)
        measured = [(clean(x)["throughput"], x["config"]) for x in m["measurements"] if clean(x) is not None]
        am = max(measured)[1] if measured else None
        ac = coords.get(am)
        n += 1
        declared += hit
        aware_best += pc == best
        aware_band += in_band(pc)
        argmax_best += ac == best
        argmax_band += in_band(ac)
        tie_sizes.append(1 + len(tied))
        fmt = lambda kb: f"{kb[0]}x{kb[1]}" if kb else "-"
        print(f"{path}: tie-aware pick {pick} ({fmt(pc)}) tied with [{', '.join(f'{t} ({fmt(coords.get(t))})' for t in tied)}]{'' if hit else ' -- MISS'}; "
              f"argmax {am} ({fmt(ac)}); {len(m['measurements'])} measurements")
    if n == 0:
        print("no usable results", file=sys.stderr)
        return 1
    print(f"\nR = {n} profile runs:")
    print(f"  tie-aware: pick is the true best or declares it tied: {rate(declared, n)}")
    print(f"  tie-aware: pick within {a.tie_pct:g} % of the best capacity:   {rate(aware_band, n)}")
    print(f"  tie-aware: pick is the true best:                   {rate(aware_best, n)}")
    print(f"  argmax:    pick is the true best:                   {rate(argmax_best, n)}")
    print(f"  argmax:    pick within {a.tie_pct:g} % of the best capacity:   {rate(argmax_band, n)}")
    print(f"  declared tie set: {sum(tie_sizes) / n:.2f} configs on average")
    return 0


if __name__ == "__main__":
    sys.exit(main())
