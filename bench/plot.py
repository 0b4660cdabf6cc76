#!/usr/bin/env python3
"""plot.py: PNG plots of bench/run.sh echo results (needs matplotlib;
Debian: apt-get install python3-matplotlib, then run with /usr/bin/python3).

    plot.py results/echo.csv docs/img

Writes echo-workloads.png (the main workloads, median with min-max bars),
echo-conns.png and echo-size.png (the sweeps: msgs/s and server CPU per
message against connections and message size).
"""

import csv
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

NAMES = {"netloop": "netloop", "c": "C epoll", "net": "Go net", "netpoll": "netpoll"}
ORDER = ["netloop", "c", "net", "netpoll"]
COLORS = {"netloop": "#d62728", "c": "#7f7f7f", "net": "#1f77b4", "netpoll": "#2ca02c"}
MARKERS = {"netloop": "o", "c": "s", "net": "^", "netpoll": "D"}


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def load(path):
    rows = list(csv.DictReader(open(path)))
    for r in rows:
        for k in ("conns", "size", "pipeline", "round"):
            r[k] = int(r[k])
        for k in ("msgs_per_sec", "server_cpu_us_per_msg", "p99_us", "p50_us"):
            r[k] = num(r.get(k))
    return rows


def servers_in(rows):
    s = {r["server"] for r in rows}
    return [x for x in ORDER if x in s] + sorted(s - set(ORDER))


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


def plot_workloads(rows, out):
    main = [r for r in rows if r["kind"] == "main"]
    if not main:
        return
    wls = []
    for r in main:
        if r["workload"] not in wls:
            wls.append(r["workload"])
    servers = servers_in(main)
    metrics = [("msgs_per_sec", "messages/s (higher is better)"),
               ("server_cpu_us_per_msg", "server CPU µs per message (lower is better)"),
               ("p99_us", "p99 latency µs (lower is better)")]
    fig, axes = plt.subplots(len(metrics), len(wls), figsize=(3.2 * len(wls), 8.5), squeeze=False)
    for j, wl in enumerate(wls):
        for i, (key, label) in enumerate(metrics):
            ax = axes[i][j]
            meds, lo, hi = [], [], []
            for s in servers:
                m, a, b = stats([r[key] for r in main if r["workload"] == wl and r["server"] == s])
                meds.append(m or 0)
                lo.append((m - a) if m is not None else 0)
                hi.append((b - m) if m is not None else 0)
            ax.bar(range(len(servers)), meds, yerr=[lo, hi], capsize=3,
                   color=[COLORS.get(s, "#999999") for s in servers])
            ax.set_xticks(range(len(servers)))
            ax.set_xticklabels([NAMES.get(s, s) for s in servers], fontsize=8)
            ax.tick_params(axis="y", labelsize=8)
            if i == 0:
                ax.set_title(wl, fontsize=9)
            if j == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.suptitle("TCP echo, server pinned to 1 core: median of interleaved rounds, bars = min–max", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "echo-workloads.png"), dpi=110)
    plt.close(fig)


def plot_sweep(rows, prefix, key, xlabel, fname, title):
    sw = [r for r in rows if r["kind"] == "sweep" and r["workload"].startswith(prefix)]
    if not sw:
        return
    servers = servers_in(sw)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for s in servers:
        xs = sorted({r[key] for r in sw if r["server"] == s})
        for ax, metric in ((axes[0], "msgs_per_sec"), (axes[1], "server_cpu_us_per_msg")):
            ys = [stats([r[metric] for r in sw if r["server"] == s and r[key] == x])[0] for x in xs]
            pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=MARKERS.get(s, "o"),
                        color=COLORS.get(s), label=NAMES.get(s, s))
    for ax, ylabel in ((axes[0], "messages/s"), (axes[1], "server CPU µs per message")):
        ax.set_xscale("log", base=2 if key == "size" else 10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    xs_all = sorted({r[key] for r in sw})
    for ax in axes:
        ax.set_ylim(bottom=0)
        ax.set_xticks(xs_all)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, fname), dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = load(sys.argv[1])
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    plot_workloads(rows, out_dir)
    plot_sweep(rows, "conns-", "conns", "connections (ping-pong, 64 B)", "echo-conns.png",
               "Scaling with connections: server on 1 core, one message in flight per connection")
    plot_sweep(rows, "size-", "size", "message size, bytes (100 connections, ping-pong)", "echo-size.png",
               "Scaling with message size: server on 1 core")
    print(f"plot.py: wrote PNGs to {out_dir}")
