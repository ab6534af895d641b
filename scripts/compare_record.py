"""One JSON line per measurement of scripts/compare-perf-analyzer.sh.
Args: model client load run file rc. tritium files are bench --json output,
perf_analyzer files are its -f CSV (latencies in microseconds)."""
import csv, json, sys

model, client, load, run, path, rc = sys.argv[1:7]
rec = {"model": model, "client": client, "load": load, "run": int(run), "rc": int(rc)}
try:
    if client == "tritium":
        # One file holds every level: one line per point.
        rep = json.load(open(path))
        for p in rep["points"]:
            lvl = f"c{p['concurrency']}" if p.get("concurrency") else f"rate{p['request_rate']:g}"
            r = dict(rec, load=lvl)
            r.update(throughput=p["throughput"], avg_us=p["latency"]["avg_us"], p50_us=p["latency"]["p50_us"],
                     p99_us=p["latency"]["p99_us"], stable=p["stable"], overhead_us=p.get("client_overhead_us"),
                     server_us=(p.get("server") or {}).get("request_us"), gen_cores=p.get("loadgen_cpu_cores"),
                     send_rate=p.get("send_rate_achieved"))
            print(json.dumps(r))
        sys.exit(0)
    else:
        rows = list(csv.DictReader(open(path)))
        r = rows[0]
        rec.update(throughput=float(r["Inferences/Second"]), avg_us=float(r.get("Avg latency") or 0) or None,
                   p50_us=float(r["p50 latency"]), p99_us=float(r["p99 latency"]), stable=int(rc) == 0)
except Exception as e:  # failed run: keep the reason
    log = ""
    for suffix in (".log", ".err"):
        try:
            log += open(path + suffix).read()[-400:]
        except OSError:
            pass
    rec.update(error=f"{type(e).__name__}: {e}", log=log.strip().splitlines()[-1:] if log else [])
print(json.dumps(rec))
