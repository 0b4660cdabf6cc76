#!/usr/bin/env python3
"""report.py OUT ROUNDS WORKLOADS SYSTEMS: the markdown table of a
proxy/bench/run.sh run, from the JSON the load generator wrote into OUT
(OUT/<workload>.<system>.<round>.json, and .cpu for the proxy's CPU use
in cores). Standard library only."""

import json
import os
import statistics
import sys

DESC = {
    "pp": "100 conns x 64 B, ping-pong",
    "pipe": "100 conns x 64 B, 16 in flight",
    "c1000": "1000 conns x 512 B, ping-pong",
    "bulk": "10 conns x 64 KiB, 4 in flight",
}


def load(out, w, s, r):
    try:
        with open(os.path.join(out, f"{w}.{s}.{r}.json")) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    cpu = None
    try:
        with open(os.path.join(out, f"{w}.{s}.{r}.cpu")) as f:
            cpu = float(f.read())
    except (OSError, ValueError):
        pass
    errors = sum(v for k, v in d.get("errors", {}).items() if isinstance(v, int))
    return {
        "mps": d["msgs_per_sec"],
        "mbps": d["mb_per_sec"],
        "p50": d["latency"]["p50_ns"] / 1e3,
        "p99": d["latency"]["p99_ns"] / 1e3,
        "cpu": cpu,
        "errors": errors,
    }


def span(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(vals))}-{fmt.format(max(vals))})"


def main():
    if sys.argv[1] == "--line":  # one measurement, for run.sh's progress log
        with open(sys.argv[2]) as f:
            d = json.load(f)
        print(f"{d['msgs_per_sec']:.0f} msg/s, {d['mb_per_sec']:.1f} MB/s, p99 {d['latency']['p99_ns'] / 1e3:.0f} us")
        return
    out, rounds = sys.argv[1], int(sys.argv[2])
    workloads, systems = sys.argv[3].split(), sys.argv[4].split()
    print("| workload | system | msg/s | MB/s | p50 us | p99 us | proxy CPU | proxy CPU us/msg | msg/s vs HAProxy | p99 vs HAProxy |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for w in workloads:
        res = {s: [load(out, w, s, r) for r in range(1, rounds + 1)] for s in systems}
        for s in systems:
            runs = res[s]
            ok = [x for x in runs if x]
            if not ok:
                print(f"| {w} | {s} | failed | | | | | | | |")
                continue
            ratio = p99ratio = "-"
            if s != "haproxy" and "haproxy" in res:
                pairs = [(a, b) for a, b in zip(runs, res["haproxy"]) if a and b]
                if pairs:
                    ratio = span([a["mps"] / b["mps"] for a, b in pairs], "{:.2f}x")
                    p99ratio = span([a["p99"] / b["p99"] for a, b in pairs], "{:.2f}x")
            errs = sum(x["errors"] for x in ok)
            name = s + (f" ({errs} errors)" if errs else "")
            print(
                f"| {w}: {DESC.get(w, w)} | {name} | {span([x['mps'] for x in ok], '{:.0f}')} "
                f"| {span([x['mbps'] for x in ok], '{:.1f}')} "
                f"| {span([x['p50'] for x in ok], '{:.0f}')} | {span([x['p99'] for x in ok], '{:.0f}')} "
                f"| {span([x['cpu'] for x in ok], '{:.2f}')} "
                f"| {span([x['cpu'] * 1e6 / x['mps'] if x['cpu'] and x['mps'] else None for x in ok], '{:.1f}')} "
                f"| {ratio} | {p99ratio} |"
            )
    print()
    print(f"Median over {rounds} round(s), (min-max); ratios are netloop/HAProxy within each round "
          "(msg/s: higher is better; p99: lower is better). Proxy CPU is in cores (1.00 = CPU 0 saturated), "
          "over the warmup and the measurement; CPU us/msg divides it by the message rate.")


if __name__ == "__main__":
    main()
