#!/usr/bin/env bash
# report.sh results/X.csv [results/Y.csv ...]: the table of medians (over
# rounds) of bench.sh runs, with the range of requests/s, and netloop's
# advantage over each peer in the same mode: its requests/s divided by the
# peer's, and the peer's CPU per request divided by its own (above 1:
# netloop is ahead), each ratio taken within a round, then the median over
# rounds and, in brackets, the lowest and highest round. The nethttp row
# compares with netloop-std, the adapter serving net/http handlers (and,
# in parentheses, with the native API). Several files pool their rounds.
# With MAXSTEAL=N, a round in which any run had more than N% of the CPU
# time stolen by the hypervisor (bench.sh's steal_pct) is left out.
set -euo pipefail
if [ -n "${MAXSTEAL:-}" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	kept=()
	for f in "$@"; do
		out="$tmp/$(( ${#kept[@]} + 1 )).csv"
		awk -F, -v max="$MAXSTEAL" 'NR == FNR { if (FNR > 1 && $9 + 0 > max) bad[$1] = 1; next }
			FNR == 1 || !($1 in bad)' "$f" "$f" >"$out"
		echo "$f: $(awk -F, -v max="$MAXSTEAL" 'FNR > 1 && $9 + 0 > max {bad[$1] = 1} END {print length(bad)}' "$f") round(s) left out (steal above $MAXSTEAL%)" >&2
		kept+=("$out")
	done
	set -- "${kept[@]}"
fi
awk -F, '
FNR == 1 { base = rounds; next } # the rounds of each file follow those of the last
{
	k = $2 SUBSEP $3; n[k]++
	round = base + $1
	rps[k, n[k]] = $4; cpu[k, n[k]] = $7; p99[k, n[k]] = ($6 + 0 == 0 ? "" : $6); mx[k, n[k]] = $10
	byRound[round, $2, $3, "rps"] = $4; byRound[round, $2, $3, "cpu"] = $7
	if (round > rounds) rounds = round
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
}
# ratio returns the median over rounds of num/den (or den/num for CPU),
# with the lowest and highest round.
function ratio(ref, peer, mode, what,   r, m, v, x, lo, hi) {
	m = 0
	for (r = 1; r <= rounds; r++) {
		if (byRound[r, ref, mode, what] == "" || byRound[r, peer, mode, what] + 0 == 0) continue
		x = what == "rps" ? byRound[r, ref, mode, what] / byRound[r, peer, mode, what] : byRound[r, peer, mode, what] / byRound[r, ref, mode, what]
		v[1, ++m] = x
		if (m == 1 || x < lo) lo = x
		if (m == 1 || x > hi) hi = x
	}
	return m ? sprintf("%.2fx (%.2f-%.2f)", median(v, 1, m), lo, hi) : "-"
}
function lo(k, cnt,   i, m) { m = ""; for (i = 1; i <= cnt; i++) if (m == "" || rps[k, i] + 0 < m) m = rps[k, i] + 0; return m }
function hi(k, cnt,   i, m) { m = ""; for (i = 1; i <= cnt; i++) if (m == "" || rps[k, i] + 0 > m) m = rps[k, i] + 0; return m }
function median(a, k, cnt,   i, j, t, v, m) {
	m = 0
	for (i = 1; i <= cnt; i++) if (a[k, i] != "") v[++m] = a[k, i]
	if (m == 0) return ""
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		R[k] = median(rps, k, n[k]); C[k] = median(cpu, k, n[k]); P[k] = median(p99, k, n[k]); M[k] = median(mx, k, n[k])
	}
	printf "| server | mode | requests/s (min-max) | p99 latency | server CPU per request | netloop ahead in requests/s | in CPU per request |\n"
	printf "|---|---|---:|---:|---:|---:|---:|\n"
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		adv1 = adv2 = "-"
		if (f[1] == "nethttp") {
			adv1 = ratio("netloop-std", f[1], f[2], "rps") " (native " ratio("netloop", f[1], f[2], "rps") ")"
			adv2 = ratio("netloop-std", f[1], f[2], "cpu") " (native " ratio("netloop", f[1], f[2], "cpu") ")"
		} else if (f[1] != "netloop" && f[1] != "netloop-std") {
			adv1 = ratio("netloop", f[1], f[2], "rps"); adv2 = ratio("netloop", f[1], f[2], "cpu")
		}
		printf "| %s | %s | %.0f (%.0f-%.0f) | %s | %.2f us | %s | %s |\n", f[1], f[2], R[k], lo(k, n[k]), hi(k, n[k]),
			P[k] != "" ? sprintf("%.1f ms", P[k] / 1000) : M[k] != "" ? sprintf("n/a (max %.1f ms)", M[k] / 1000) : "n/a", C[k], adv1, adv2
	}
}' "$@"
