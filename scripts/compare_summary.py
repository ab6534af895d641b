"""Median table of compare_raw.jsonl (markdown)."""
import json, statistics, sys
from collections import defaultdict

recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = defaultdict(list)
for r in recs:
    groups[(r["model"], r["load"], r["client"])].append(r)
def med(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None and "error" not in r]
    return statistics.median(v) if v else None
print("| model | load | client | runs ok/total | infer/s (median) | avg µs | p50 µs | p99 µs | stable runs | client overhead µs | generator CPU cores |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
order = {"tritium": 0, "pa_capi": 1, "pa_http": 2, "pa_grpc": 3}
def load_key(l):
    return (1, float(l[4:])) if l.startswith("rate") else (0, float(l[1:]))
for (m, l, c) in sorted(groups, key=lambda k: (k[0], load_key(k[1]), order.get(k[2], 9))):
    rs = groups[(m, l, c)]
    ok = [r for r in rs if "error" not in r]
    f = lambda x, d=0: "-" if x is None else f"{x:.{d}f}"
    stable = sum(1 for r in ok if r.get("stable"))
    errs = {tuple(r.get("log") or [r.get("error")]) for r in rs if "error" in r}
    note = "" if not errs else " (" + "; ".join(str(e[0])[:80] for e in errs) + ")"
    print(f"| {m} | {l} | {c} | {len(ok)}/{len(rs)} | {f(med(ok,'throughput'),1)} | {f(med(ok,'avg_us'))} | {f(med(ok,'p50_us'))} | {f(med(ok,'p99_us'))} | {stable}/{len(rs)}{note} | {f(med(ok,'overhead_us'),1)} | {f(med(ok,'gen_cores'),2)} |")
