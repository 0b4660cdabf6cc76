#!/usr/bin/env python3
"""report.py: turn bench/run.sh's raw output into CSV and markdown tables.

    report.py echo RAWDIR --csv results/echo.csv --md results/echo.md
    report.py memory RAWDIR --md results/memory.md
    report.py callgrind RAWDIR --md results/callgrind.md
    report.py profile RAWDIR --md results/profile.md

Standard library only. Ratios are netloop divided by the peer, computed per
round (the peers ran within a minute of netloop in that round) and then the
median taken over rounds.
"""

import argparse
import csv
import json
import os
import re
import statistics
import sys

SERVER_NAMES = {
    "netloop": "netloop",
    "net": "Go net",
    "net4k": "Go net (4 KiB buffer)",
    "netpoll": "netpoll",
    "c": "C epoll",
    "netloop-reuseport": "netloop (reuseport)",
}
ORDER = ["netloop", "c", "net", "netpoll", "net4k"]

PROGRESS = re.compile(r"^\s*[\d.]+s\s+[\d.]+ msg/s")


def name(s):
    return SERVER_NAMES.get(s, s)


def order_key(s):
    return ORDER.index(s) if s in ORDER else len(ORDER)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=0, unit=""):
    if x is None:
        return "n/a"
    if digits == 0:
        return f"{x:,.0f}{unit}"
    return f"{x:,.{digits}f}{unit}"


def fmt_range(xs, digits=0):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    m = statistics.median(xs)
    if len(xs) == 1:
        return fmt(m, digits)
    return f"{fmt(m, digits)} ({fmt(min(xs), digits)}–{fmt(max(xs), digits)})"


def read_machine(raw):
    info = {}
    p = os.path.join(raw, "machine.txt")
    if os.path.exists(p):
        for line in open(p):
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    return info


def machine_line(info):
    keys = ["date", "built", "tree now", "cpu", "cores", "kernel", "go", "gcc", "netpoll", "nice", "loadavg"]
    return "; ".join(f"{k} {info[k]}" for k in keys if k in info)


# ------------------------------------------------------------------ echo


def server_cpu(raw, tag, hz, t0, c0, t1, c1):
    """Server CPU utilisation (cores) over the measured window, and the
    busy and steal share of CPU 0 and CPU 1 over the same window.

    The window runs from the first to the last progress line of the
    generator, each stamped with the server's CPU ticks and the per-core
    tick counters on arrival. Without two progress lines it falls back to
    the whole generator run (connect, warmup and teardown included), and
    says so."""
    pts = []
    path = os.path.join(raw, tag + ".samples")
    if os.path.exists(path):
        for line in open(path):
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) == 4 and PROGRESS.match(parts[3]):
                try:
                    cores = [int(x) for x in parts[2].split(",")]
                    pts.append((float(parts[0]), int(parts[1]), cores))
                except ValueError:
                    pass
    pts = [p for p in pts if p[1] >= 0]
    if len(pts) >= 2 and pts[-1][0] - pts[0][0] > 0.5:
        (ta, ca, ka), (tb, cb, kb) = pts[0], pts[-1]
        dt = tb - ta
        cores = None
        if len(ka) == 4 and len(kb) == 4:
            cores = [(kb[i] - ka[i]) / hz / dt * 100 for i in range(4)]  # busy0, steal0, busy1, steal1 in %
        return (cb - ca) / hz / dt, dt, "window", cores
    if c0 >= 0 and c1 >= 0 and t1 > t0:
        return (c1 - c0) / hz / (t1 - t0), t1 - t0, "whole-run", None
    return None, 0, "none", None


def load_echo(raw):
    info = read_machine(raw)
    hz = float(info.get("clk_tck", "100"))
    rows = []
    for line in open(os.path.join(raw, "runs.tsv")):
        f = line.rstrip("\n").split("\t")
        if len(f) < 14:
            continue
        rnd, kind, wl, srv, conns, size, pipe, rate, tag, t0, c0, t1, c1, rc = f[:14]
        row = dict(round=int(rnd), kind=kind, workload=wl, server=srv, conns=int(conns), size=int(size),
                   pipeline=int(pipe), rate=float(rate), exit=int(rc))
        try:
            res = json.load(open(os.path.join(raw, tag + ".json")))
        except (OSError, ValueError):
            res = None
        util, window, method, cores = server_cpu(raw, tag, hz, float(t0), int(c0), float(t1), int(c1))
        if res:
            lat = res.get("latency", {})
            mps = res.get("msgs_per_sec") or 0
            errs = res.get("errors", {})
            row.update(
                msgs_per_sec=mps,
                p50_us=lat.get("p50_ns", 0) / 1e3,
                p99_us=lat.get("p99_ns", 0) / 1e3,
                p999_us=lat.get("p99_9_ns", 0) / 1e3,
                connected=res.get("connected"),
                errors=sum(v for k, v in errs.items() if isinstance(v, int)),
                gen_cpu_pct=res.get("cpu", {}).get("percent"),
                server_cpu_util=util,
                server_cpu_us_per_msg=(util * 1e6 / mps) if (util is not None and mps > 0) else None,
                cpu_window_s=window,
                cpu_method=method,
                send_lag_p99_us=(res.get("send_lag") or {}).get("p99_ns", 0) / 1e3 if res.get("send_lag") else None,
            )
            if cores:
                gen = (res.get("cpu", {}).get("percent") or 0)
                row.update(cpu0_busy_pct=cores[0], cpu0_steal_pct=cores[1], cpu1_busy_pct=cores[2], cpu1_steal_pct=cores[3],
                           cpu0_other_pct=max(0.0, cores[0] - (util or 0) * 100), cpu1_other_pct=max(0.0, cores[2] - gen))
        rows.append(row)
    return info, rows


CSV_FIELDS = ["round", "kind", "workload", "server", "conns", "size", "pipeline", "rate", "msgs_per_sec", "p50_us",
              "p99_us", "p999_us", "send_lag_p99_us", "server_cpu_util", "server_cpu_us_per_msg", "gen_cpu_pct",
              "cpu0_busy_pct", "cpu0_other_pct", "cpu0_steal_pct", "cpu1_busy_pct", "cpu1_other_pct", "cpu1_steal_pct",
              "connected", "errors", "cpu_window_s", "cpu_method", "exit"]


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()})


def per_round_ratio(rows, wl, peer, key):
    """Median over rounds of netloop[key] / peer[key], same round."""
    by = {}
    for r in rows:
        if r["workload"] == wl and r.get(key):
            by[(r["round"], r["server"])] = r[key]
    ratios = [by[(rnd, "netloop")] / by[(rnd, peer)] for (rnd, s) in by if s == peer and (rnd, "netloop") in by]
    return ratios


def echo_markdown(info, rows, workload_notes):
    out = []
    out.append(f"Machine: {machine_line(info)}.\n")
    rounds = sorted({r["round"] for r in rows if r["kind"] == "main"})
    out.append(f"Main workloads: {len(rounds)} interleaved rounds. Each cell: median (min–max) over rounds. "
               "Ratios are netloop ÷ peer, per round, median over rounds: above 1 is better for msgs/s, "
               "below 1 is better for CPU per message and p99. Server CPU is utime+stime from /proc/PID/stat "
               "over the measured window, divided by messages. Gen CPU is the load generator's CPU use "
               "(100% = its one core was saturated, so throughput is a lower bound for the server). "
               "Other load is the median share of CPU 0 (the server's) and CPU 1 (the generator's) that was busy "
               "with something else during the window — other processes on this shared machine, plus interrupt "
               "work the kernel did not charge to either process.\n")
    workloads = []
    for r in rows:
        if r["kind"] == "main" and r["workload"] not in workloads:
            workloads.append(r["workload"])
    for wl in workloads:
        wr = [r for r in rows if r["workload"] == wl]
        ex = wr[0]
        desc = workload_notes(ex)
        out.append(f"### {wl}\n\n{desc}\n")
        out.append("| server | msgs/s | server CPU µs/msg | p50 µs | p99 µs | gen CPU % | other load CPU 0 / 1 % | netloop÷peer msgs/s | netloop÷peer CPU/msg | netloop÷peer p99 |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for srv in sorted({r["server"] for r in wr}, key=order_key):
            sr = [r for r in wr if r["server"] == srv]
            cells = [
                name(srv),
                fmt_range([r.get("msgs_per_sec") for r in sr]),
                fmt_range([r.get("server_cpu_us_per_msg") for r in sr], 2),
                fmt(med([r.get("p50_us") for r in sr]), 0),
                fmt_range([r.get("p99_us") for r in sr], 0),
                fmt(med([r.get("gen_cpu_pct") for r in sr]), 0),
                f'{fmt(med([r.get("cpu0_other_pct") for r in sr]))} / {fmt(med([r.get("cpu1_other_pct") for r in sr]))}',
            ]
            if srv == "netloop":
                cells += ["—", "—", "—"]
            else:
                for key in ("msgs_per_sec", "server_cpu_us_per_msg", "p99_us"):
                    cells.append(fmt_range(per_round_ratio(rows, wl, srv, key), 2) if per_round_ratio(rows, wl, srv, key) else "n/a")
            errs = sum(r.get("errors") or 0 for r in sr)
            if errs:
                cells[0] += f" ({errs} errors)"
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += targets_markdown(rows)
    sweep = [r for r in rows if r["kind"] == "sweep"]
    if sweep:
        out += sweep_markdown(sweep)
    return "\n".join(out) + "\n"


def targets_markdown(rows):
    out = ["### Targets (from these runs)\n",
           "| target | workload | measured (median of per-round ratios) | verdict |",
           "|---|---|---|---|"]

    def ratio(wl, peer, key):
        return med(per_round_ratio(rows, wl, peer, key))

    wls = {r["workload"] for r in rows}
    for wl in ("pingpong-100x64", "pipelined-100x16x64"):
        if wl not in wls:
            continue
        x = ratio(wl, "c", "server_cpu_us_per_msg")
        if x is not None:
            out.append(f"| CPU/msg within 5% of C epoll | {wl} | netloop = {x:.2f}× C | "
                       f"{'met' if x <= 1.05 else f'missed by {(x - 1.05) * 100:.0f} points ({(x - 1) * 100:.0f}% above C)'} |")
    for wl in sorted(w for w in wls if any(r["kind"] == "main" and r["workload"] == w for r in rows)):
        for peer in ("net", "netpoll"):
            x = ratio(wl, peer, "server_cpu_us_per_msg")
            if x is None:
                continue
            better = 1 / x
            out.append(f"| CPU/msg ≥1.1× better than {name(peer)} | {wl} | {better:.2f}× better | "
                       f"{'met' if better >= 1.1 else f'missed ({better:.2f}× < 1.1×)'} |")
    for wl in sorted(w for w in wls if any(r["kind"] == "main" and r["workload"] == w for r in rows)):
        fixed = wl.startswith("fixedrate")
        for peer in ("c", "net", "netpoll"):
            t = ratio(wl, peer, "msgs_per_sec")
            p = ratio(wl, peer, "p99_us")
            if t is None or p is None:
                continue
            if fixed:
                out.append(f"| p99 no worse than {name(peer)} at the same load | {wl} | p99 {p:.2f}× | "
                           f"{'met' if p <= 1.0 else f'missed ({(p - 1) * 100:.0f}% higher)'} |")
            else:
                out.append(f"| throughput no worse than {name(peer)} | {wl} | msgs/s {t:.2f}× (p99 {p:.2f}×) | "
                           f"{'met' if t >= 1.0 else f'missed ({(1 - t) * 100:.0f}% lower)'} |")
    out.append("")
    return out


def sweep_markdown(rows):
    out = ["### Sweeps\n",
           "Ping-pong (one message in flight per connection). Median over sweep rounds; "
           "msgs/s, then server CPU µs per message in parentheses.\n"]
    servers = sorted({r["server"] for r in rows}, key=order_key)
    for prefix, label, key in (("conns-", "connections (64 B)", "conns"), ("size-", "message size in bytes (100 conns)", "size")):
        pts = sorted({r[key] for r in rows if r["workload"].startswith(prefix)})
        if not pts:
            continue
        out.append(f"| {label} | " + " | ".join(name(s) for s in servers) + " |")
        out.append("|---|" + "---|" * len(servers))
        for x in pts:
            cells = [f"{x:,}"]
            for s in servers:
                sr = [r for r in rows if r["workload"].startswith(prefix) and r[key] == x and r["server"] == s]
                cells.append(f"{fmt(med([r.get('msgs_per_sec') for r in sr]))} ({fmt(med([r.get('server_cpu_us_per_msg') for r in sr]), 2)})")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return out


def workload_note(ex):
    if ex["rate"] > 0:
        return (f"Open loop: {ex['conns']:,} connections, {ex['size']} B messages, {ex['rate']:,.0f} msgs/s offered "
                "in total, whatever the replies (the same load for every server; latency is measured from the "
                "scheduled send time).")
    if ex["pipeline"] > 1:
        return f"Closed loop: {ex['conns']:,} connections × {ex['pipeline']} messages of {ex['size']} B in flight each."
    return f"Closed loop ping-pong: {ex['conns']:,} connections, one {ex['size']} B message in flight each."


def cmd_echo(a):
    info, rows = load_echo(a.raw)
    if a.csv:
        write_csv(rows, a.csv)
    md = echo_markdown(info, rows, workload_note)
    if a.md:
        open(a.md, "w").write(md)
    else:
        sys.stdout.write(md)


# ------------------------------------------------------------------ memory


def cmd_memory(a):
    info = read_machine(a.raw)
    rows = list(csv.DictReader(open(os.path.join(a.raw, "memory.tsv")), delimiter="\t"))
    out = [f"Machine: {machine_line(info)}.\n",
           "Server RSS (VmRSS) before connecting and after N connections were opened, each echoed one 64 B "
           "message and left idle; per connection = (after − before) ÷ connections held.\n",
           "| connections | server | held | RSS before | RSS after | bytes per idle connection |",
           "|---|---|---|---|---|---|"]
    single = [r for r in rows if r["server"] != "netloop-reuseport"]
    for r in sorted(single, key=lambda r: (int(r["conns"]), order_key(r["server"]))):
        held = int(r["connected"])
        b, af = int(r["rss_before_kib"]), int(r["rss_after_kib"])
        per = (af - b) * 1024 / held if held else None
        out.append(f"| {int(r['conns']):,} | {name(r['server'])} | {held:,} | {b / 1024:.1f} MiB | {af / 1024:.1f} MiB | {fmt(per)} |")
    heap = os.path.join(a.raw, "profserver.heap.out")
    if os.path.exists(heap):
        stats_ = [dict(kv.split("=") for kv in l.split()[1:]) for l in open(heap) if l.startswith("memstats")]
        rssf = os.path.join(a.raw, "profserver.heap.rss")
        rss = None
        if os.path.exists(rssf):
            rss = next((dict(kv.split("=") for kv in l.split()[1:]) for l in open(rssf) if l.startswith("rss_kib")), None)
        if len(stats_) >= 2 and int(stats_[1]["conns"]) > 0:
            b, af = stats_[0], stats_[1]
            n = int(af["conns"])

            def d(k):
                return (int(af[k]) - int(b[k])) / n
            out.append("")
            out.append(f"Where netloop's bytes go: the same echo handler in bench/cmd/profserver with {n:,} idle "
                       f"connections, Go heap after a forced GC (runtime.MemStats), per connection: live heap "
                       f"(HeapAlloc) {d('heap_alloc'):,.0f} B, heap in use (HeapInuse, whole spans) {d('heap_inuse'):,.0f} B, "
                       f"goroutine stacks {d('stack_inuse'):,.0f} B.")
            if rss:
                out.append(f"RSS per connection {(int(rss['after']) - int(rss['before'])) * 1024 / n:,.0f} B before that GC "
                           f"and {(int(rss['after_gc']) - int(rss['before'])) * 1024 / n:,.0f} B after it (a GC does not "
                           "return freed pages to the OS at once).")
    big = [r for r in rows if r["server"] == "netloop-reuseport"]
    if big:
        out.append("")
        total = sum(int(r["connected"]) for r in big)
        out.append(f"netloop, {int(big[0]['conns']):,} connections requested over {len(big)} "
                   f"`netloop echo --reuseport --loops 1` processes sharing one port ({total:,} held):\n")
        out.append("| process | connections | RSS before | RSS after | bytes per idle connection |")
        out.append("|---|---|---|---|---|")
        sb = sa = 0
        for r in big:
            held = int(r["connected"])
            b, af = int(r["rss_before_kib"]), int(r["rss_after_kib"])
            sb, sa = sb + b, sa + af
            out.append(f"| {r['process']} | {held:,} | {b / 1024:.1f} MiB | {af / 1024:.1f} MiB | {fmt((af - b) * 1024 / held if held else None)} |")
        out.append(f"| all | {total:,} | {sb / 1024:.1f} MiB | {sa / 1024:.1f} MiB | {fmt((sa - sb) * 1024 / total if total else None)} |")
    md = "\n".join(out) + "\n"
    if a.md:
        open(a.md, "w").write(md)
    else:
        sys.stdout.write(md)


# ------------------------------------------------------------------ callgrind


def cmd_callgrind(a):
    rows = list(csv.DictReader(open(os.path.join(a.raw, "callgrind.tsv")), delimiter="\t"))
    ir = {r["server"]: (int(r["ir"]) / int(r["msgs"]) if r["ir"] else None) for r in rows}
    n = rows[0]["msgs"] if rows else "?"
    info = read_machine(a.raw)
    out = [f"Machine: {machine_line(info)}.\n", f"User-space instructions (callgrind Ir) executed by the server per ping-pong round trip: "
           f"{n} round trips of 64 B on one connection, after 2,000 warm-up round trips on another. "
           "Kernel work (the syscalls themselves) is not counted.\n",
           "| server | Ir per message | relative to netloop |", "|---|---|---|"]
    base = ir.get("netloop")
    for s in sorted(ir, key=order_key):
        rel = f"{ir[s] / base:.2f}×" if (base and ir[s]) else "n/a"
        out.append(f"| {name(s)} | {fmt(ir[s])} | {rel} |")
    ann = os.path.join(a.raw, "netloop.annotate.txt")
    if os.path.exists(ann):
        lines = open(ann).read().splitlines()
        start = next((i + 2 for i, l in enumerate(lines) if "file:function" in l), None)
        if start is not None:
            out += ["", "netloop, self cost by function in the measured window (`callgrind_annotate --inclusive=no`). "
                    "Go's stack switches confuse callgrind's call tracking, so costs attributed to callers of "
                    "gopark/mcall are not real and are left out here; the self costs of leaf functions are.", "",
                    "```"]
            entries = [l for l in lines[start:] if l.strip() and not l.startswith("-")]
            counts = {}
            for l in entries:
                counts[l.split()[0]] = counts.get(l.split()[0], 0) + 1
            shown = 0
            for l in entries:
                v = l.split()[0]
                pct = re.search(r"\(\s*([\d.]+)%\)", l)
                if counts[v] >= 3 or (pct and float(pct.group(1)) > 20):
                    continue  # a caller credited with a goroutine switch's worth of work
                shown += 1
                if shown > 25:
                    break
                m = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(?:.*?:)?([^:\s]+(?:\.[^\s\[]+)?)\s*(?:\[.*\])?$", l)
                out.append(f"{m.group(1):>12} {m.group(2):>6}%  {m.group(3)}" if m else l.rstrip())
            out.append("```")
    md = "\n".join(out) + "\n"
    if a.md:
        open(a.md, "w").write(md)
    else:
        sys.stdout.write(md)


# ------------------------------------------------------------------ profile

PERF_LINE = re.compile(r"^\s*([\d,.]+)\s+(?:msec\s+)?([\w:\-]+)")


def parse_perf_stat(path):
    ev = {}
    if not os.path.exists(path):
        return ev
    for line in open(path):
        m = PERF_LINE.match(line)
        if m:
            try:
                ev[m.group(2)] = float(m.group(1).replace(",", ""))
            except ValueError:
                pass
    return ev


def parse_strace(path):
    calls = {}
    if not os.path.exists(path):
        return calls
    for line in open(path):
        t = line.split()
        if len(t) < 4 or not re.match(r"^[\d.]+$", t[0]):
            continue
        name_ = t[-1]
        nums = t[1:-1]
        # columns: seconds usecs/call calls [errors]; the total row may lack usecs/call
        if name_ == "total":
            ints = [x for x in nums if re.match(r"^\d+$", x)]
            calls["total"] = int(ints[-2] if len(ints) >= 2 and len(nums) == 4 else ints[-1] if len(nums) == 3 else ints[1] if len(ints) > 1 else ints[0])
            continue
        calls[name_] = int(nums[2])
    return calls


def messages(path):
    try:
        return json.load(open(path)).get("messages") or 0
    except (OSError, ValueError):
        return 0


def cmd_profile(a):
    raw = a.raw
    info = read_machine(raw)
    servers = sorted({f.split(".")[0] for f in os.listdir(raw) if f.endswith(".perfstat.txt")}, key=order_key)
    out = [f"Machine: {machine_line(info)}.\n",
           "Load: 100 connections × 64 B, generator pinned to CPU 1, server to CPU 0; closed-loop ping-pong "
           "(as fast as it goes), and open loop at a fixed rate (the same load for every server).\n",
           "#### Syscalls per message (perf stat, syscall tracepoints)\n",
           "| load | server | msgs/s | syscalls/msg | read, readv, recvfrom | write | writev, sendmsg, sendto | epoll_wait, epoll_pwait | epoll_ctl | futex | nanosleep | context switches/msg | server CPU µs/msg |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for load in ("pingpong", "fixedrate"):
        for s_ in servers:
            ev = parse_perf_stat(os.path.join(raw, f"{s_}.{load}.perfstat.txt"))
            try:
                res = json.load(open(os.path.join(raw, f"{s_}.{load}.perf.json")))
            except (OSError, ValueError):
                continue
            m = res.get("messages") or 0
            if not m or not ev:
                continue

            def per(k):
                return f"{ev.get(k, 0) / m:.3f}"
            ep = (ev.get("syscalls:sys_enter_epoll_wait", 0) + ev.get("syscalls:sys_enter_epoll_pwait", 0)) / m
            cpu = ev.get("task-clock")
            cpu_us = f"{cpu * 1e3 / m:.2f}" if cpu else "n/a"
            rd = sum(ev.get("syscalls:sys_enter_" + k, 0) for k in ("read", "readv", "recvfrom")) / m
            wv = sum(ev.get("syscalls:sys_enter_" + k, 0) for k in ("writev", "sendmsg", "sendto")) / m
            out.append(f"| {load} | {name(s_)} | {fmt(res.get('msgs_per_sec'))} | {per('raw_syscalls:sys_enter')} | "
                       f"{rd:.3f} | {per('syscalls:sys_enter_write')} | "
                       f"{wv:.3f} | {ep:.3f} | {per('syscalls:sys_enter_epoll_ctl')} | "
                       f"{per('syscalls:sys_enter_futex')} | {per('syscalls:sys_enter_nanosleep')} | "
                       f"{per('context-switches')} | {cpu_us} |")
    out.append("\nServer CPU here is perf's task-clock over the whole run (connect included) ÷ messages; "
               "the generator used --warmup 0 so that every message the server handled is counted.\n")
    out += ["#### strace -c -f (slows the server many times over; a cross-check of the mix only)\n",
            "| server | msgs/s under strace | syscalls/msg | top calls per message |", "|---|---|---|---|"]
    for s in servers:
        c = parse_strace(os.path.join(raw, f"{s}.strace.txt"))
        m = messages(os.path.join(raw, f"{s}.strace.json"))
        if not c or not m:
            continue
        try:
            mps = json.load(open(os.path.join(raw, f"{s}.strace.json"))).get("msgs_per_sec")
        except (OSError, ValueError):
            mps = None
        top = sorted(((v, k) for k, v in c.items() if k != "total"), reverse=True)[:5]
        out.append(f"| {name(s)} | {fmt(mps)} | {c.get('total', 0) / m:.3f} | " + ", ".join(f"{k} {v / m:.3f}" for v, k in top) + " |")
    out.append("")
    for title, f in (("perf record -e cpu-clock, ping-pong: netloop's CPU by binary (kernel vs. user)", "netloop.perf.dso.txt"),
                     ("perf record -e cpu-clock, ping-pong: C epoll's CPU by binary", "c.perf.dso.txt"),
                     ("perf record -e cpu-clock, ping-pong: netloop's top symbols (self)", "netloop.perf.sym.txt"),
                     ("Go CPU profile (profserver), ping-pong: go tool pprof -top", "netloop.pingpong.top.txt"),
                     ("Go CPU profile, ping-pong, cumulative: go tool pprof -top -cum", "netloop.pingpong.topcum.txt"),
                     ("Go CPU profile (profserver), pipelined 16: go tool pprof -top", "netloop.pipelined.top.txt")):
        p = os.path.join(raw, f)
        if os.path.exists(p) and os.path.getsize(p) > 0:
            lines = open(p).read().splitlines()
            lines = [l for l in lines if not l.startswith(("File:", "Build ID:", "Type:", "Time:"))][:32]
            out += [f"#### {title}\n", "```"] + lines + ["```", ""]
    p = os.path.join(raw, "profserver.allocs.out")
    if os.path.exists(p):
        out += ["#### Heap allocations while serving (profserver without the profiler)\n", "```", open(p).read().strip(), "```", ""]
    md = "\n".join(out) + "\n"
    if a.md:
        open(a.md, "w").write(md)
    else:
        sys.stdout.write(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["echo", "memory", "callgrind", "profile"])
    ap.add_argument("raw")
    ap.add_argument("--csv")
    ap.add_argument("--md")
    a = ap.parse_args()
    {"echo": cmd_echo, "memory": cmd_memory, "callgrind": cmd_callgrind, "profile": cmd_profile}[a.what](a)


if __name__ == "__main__":
    main()
