#!/usr/bin/env python3
"""summary.py: the table of a redis/bench/run.sh TSV.

    summary.py results/pinned.tsv [--markdown]
    summary.py a.tsv b.tsv ...                   # the rounds of several runs pooled
    MAXSTEAL=10 summary.py results/pinned.tsv   # leave out runs with more steal

For each pipeline depth and test: the median requests/s of each server
(with min-max), the median server CPU time per request, the median of
the per-round ratios netloop/redis (throughput: higher is better; CPU:
lower is better), and the median p50 latency redis-benchmark reported
(files written before it was recorded show "-").
"""

import csv
import os
import statistics
import sys


def load(path):
    """The rows of a TSV; with MAXSTEAL=N in the environment, without the
    runs during which the hypervisor stole more than N% of the CPU time
    (files written before steal was recorded keep every row)."""
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    limit = os.environ.get("MAXSTEAL")
    if limit:
        rows = [r for r in rows if not r.get("steal_pct") or float(r["steal_pct"]) <= float(limit)]
    return rows


def table(rows):
    out = []
    keys = []
    for r in rows:
        k = (int(r["pipeline"]), r["test"])
        if k not in keys:
            keys.append(k)
    for p, t in keys:
        sel = [r for r in rows if int(r["pipeline"]) == p and r["test"] == t]
        by = {s: [r for r in sel if r["server"] == s] for s in ("redis", "netloop")}
        rps = {s: [float(r["rps"]) for r in v if r["rps"]] for s, v in by.items()}
        cpu = {s: [float(r["cpu_us_per_req"]) for r in v] for s, v in by.items()}
        ratios, cpu_ratios = [], []
        for rd in sorted({r["round"] for r in sel}):
            a = [r for r in by["netloop"] if r["round"] == rd]
            b = [r for r in by["redis"] if r["round"] == rd]
            if a and b and float(b[0]["rps"]) > 0:
                ratios.append(float(a[0]["rps"]) / float(b[0]["rps"]))
                if float(b[0]["cpu_us_per_req"]) > 0:
                    cpu_ratios.append(float(a[0]["cpu_us_per_req"]) / float(b[0]["cpu_us_per_req"]))
        p50 = {s: [float(r["p50_ms"]) for r in v if r.get("p50_ms")] for s, v in by.items()}
        out.append((p, t, rps, cpu, ratios, cpu_ratios, p50))
    return out


def fmt_range(v, f="{:,.0f}"):
    if not v:
        return "-"
    return (f.format(statistics.median(v)) + " (" + f.format(min(v)) + "–" + f.format(max(v)) + ")")


def main():
    rows = []
    for i, path in enumerate(a for a in sys.argv[1:] if not a.startswith("--")):
        for r in load(path):
            r["round"] = f"{i}:{r['round']}"  # rounds of different runs stay apart
            rows.append(r)
    md = "--markdown" in sys.argv
    head = ["-P", "test", "redis-server req/s", "netloop req/s", "ratio", "redis CPU µs/req", "netloop CPU µs/req", "CPU ratio",
            "p50 ms redis / netloop"]
    lines = []
    for p, t, rps, cpu, ratios, cpu_ratios, p50 in table(rows):
        lines.append([
            str(p), t.upper(), fmt_range(rps["redis"]), fmt_range(rps["netloop"]),
            "{:.2f}x".format(statistics.median(ratios)) if ratios else "-",
            fmt_range(cpu["redis"], "{:.2f}"), fmt_range(cpu["netloop"], "{:.2f}"),
            "{:.2f}x".format(statistics.median(cpu_ratios)) if cpu_ratios else "-",
            "{:.3f} / {:.3f}".format(statistics.median(p50["redis"]), statistics.median(p50["netloop"]))
            if p50["redis"] and p50["netloop"] else "-",
        ])
    if md:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for l in lines:
            print("| " + " | ".join(l) + " |")
    else:
        w = [max(len(r[i]) for r in [head] + lines) for i in range(len(head))]
        for r in [head] + lines:
            print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    main()
