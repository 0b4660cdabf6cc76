#!/usr/bin/env python3
"""plot.py: an SVG bar chart of a redis/bench/run.sh TSV, without
dependencies.

    plot.py results/pinned.tsv results/pinned.svg

Two panels: requests/s (median, with min-max whiskers) and server CPU time
per request (median), for redis-server and netloop, per test and pipeline
depth.
"""

import statistics
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from summary import load, table  # noqa: E402

COLORS = {"redis": "#7f7f7f", "netloop": "#d62728"}


def panel(x0, y0, w, h, groups, key, title, unit):
    out = []
    vmax = max(max(v) for g in groups for v in g[key].values() if v) * 1.1
    out.append(f'<text x="{x0 + w / 2}" y="{y0 - 8}" text-anchor="middle" font-weight="bold">{title}</text>')
    out.append(f'<line x1="{x0}" y1="{y0 + h}" x2="{x0 + w}" y2="{y0 + h}" stroke="black"/>')
    gw = w / len(groups)
    bw = gw / 3
    for i, g in enumerate(groups):
        gx = x0 + i * gw
        for j, s in enumerate(("redis", "netloop")):
            v = g[key][s]
            if not v:
                continue
            m = statistics.median(v)
            bh = h * m / vmax
            bx = gx + bw * (0.5 + j)
            out.append(f'<rect x="{bx:.1f}" y="{y0 + h - bh:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="{COLORS[s]}"/>')
            lo, hi = y0 + h - h * min(v) / vmax, y0 + h - h * max(v) / vmax
            cx = bx + bw / 2
            out.append(f'<line x1="{cx:.1f}" y1="{lo:.1f}" x2="{cx:.1f}" y2="{hi:.1f}" stroke="black"/>')
            label = f"{m / 1000:.0f}k" if key == "rps" else f"{m:.1f}"
            out.append(f'<text x="{cx:.1f}" y="{y0 + h - bh - 4:.1f}" text-anchor="middle" font-size="10">{label}</text>')
        out.append(f'<text x="{gx + gw / 2:.1f}" y="{y0 + h + 14}" text-anchor="middle" font-size="11">{g["name"]}</text>')
    out.append(f'<text x="{x0 - 30}" y="{y0 + h / 2}" text-anchor="middle" font-size="11" '
               f'transform="rotate(-90 {x0 - 30} {y0 + h / 2})">{unit}</text>')
    return out


def main():
    rows = load(sys.argv[1])
    groups = [{"name": f"{t.upper()} -P{p}", "rps": rps, "cpu": cpu} for p, t, rps, cpu, *_ in table(rows)]
    w, h = max(640, 90 * len(groups)), 300
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w + 80}" height="{2 * h + 140}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>']
    mode = rows[0]["mode"] if rows else ""
    svg += panel(60, 40, w, h - 40, groups, "rps", f"requests/s ({mode}; median, min-max)", "requests/s")
    svg += panel(60, h + 80, w, h - 40, groups, "cpu", "server CPU time per request (µs, lower is better)", "µs/request")
    for j, s in enumerate(("redis-server", "netloop redis")):
        c = COLORS["redis" if j == 0 else "netloop"]
        svg.append(f'<rect x="{70 + j * 130}" y="{2 * h + 110}" width="12" height="12" fill="{c}"/>')
        svg.append(f'<text x="{86 + j * 130}" y="{2 * h + 121}">{s}</text>')
    svg.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
