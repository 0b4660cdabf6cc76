#!/usr/bin/env bash
# pair.sh: server CPU time per plain request of two or more builds (or
# servers) side by side, to tell whether a change to netloop moved it.
# Each entry is LABEL=BINARY:SERVER, BINARY an httpbench build (go build
# in httpd/bench) and SERVER its -server name. Within a round every entry
# runs once, in an order that reverses every other round; each run is
# the plain load of bench.sh (server pinned to CPU 0 with GOMAXPROCS=1,
# wrk -t1 -c100 on CPU 1, 1 s of warm-up, then DURATION seconds). With
# DEPTH=N each write carries N pipelined requests (pipeline.lua), which
# divides the system calls and TCP segments per request by N.
#
#   git stash; (cd httpd/bench && go build -o /tmp/old .); git stash pop
#   (cd httpd/bench && go build -o /tmp/new .)
#   httpd/bench/pair.sh old=/tmp/old:netloop new=/tmp/new:netloop
#   ROUNDS=40 httpd/bench/pair.sh a=/tmp/new:netloop f=/tmp/new:fasthttp
#   DEPTH=2 httpd/bench/pair.sh a=/tmp/new:netloop f=/tmp/new:fasthttp
#   httpd/bench/pair.sh --report results/pair-X.csv   # the medians again
#
# Writes results/pair-<time>.csv (round, label, cpu_us, rps, steal_pct;
# pair-<time>-dN.csv with DEPTH)
# and prints each entry's median CPU per request and, for each pair, the
# median over rounds of the per-round ratio with how many rounds the
# second entry cost less. On this VM the same binary moves 10-20%
# between rounds, so a change of a few percent needs 30-50 rounds.
#
# Needs wrk, curl and taskset.
set -euo pipefail

cd "$(dirname "$0")"
. ./lib.bash
ROUNDS=${ROUNDS:-20}
DURATION=${DURATION:-3}
PORT=${PORT:-18095}
DEPTH=${DEPTH:-1}
# report prints the medians of a pair.sh CSV.
report() {
	awk -F, '
	function median(a, n,    i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NR > 1 { cpu[$1, $2] = $3; if (!($2 in seen)) { seen[$2] = 1; labels[++nl] = $2 }; rounds[$1] = 1 }
	END {
		for (i = 1; i <= nl; i++) {
			n = 0; delete v
			for (r in rounds) if ((r, labels[i]) in cpu) v[++n] = cpu[r, labels[i]]
			printf "%-12s median %.3f us per request over %d rounds\n", labels[i], median(v, n), n
		}
		for (i = 1; i <= nl; i++) for (j = i + 1; j <= nl; j++) {
			n = 0; less = 0; delete v
			for (r in rounds) if ((r, labels[i]) in cpu && (r, labels[j]) in cpu) {
				v[++n] = cpu[r, labels[j]] / cpu[r, labels[i]]
				if (v[n] < 1) less++
			}
			printf "%s/%s median %.3f (%d of %d rounds below 1)\n", labels[j], labels[i], median(v, n), less, n
		}
	}' "$1"
}

if [ "${1:-}" = --report ]; then
	report "$2"
	exit
fi
[ $# -ge 2 ] || { echo "usage: pair.sh LABEL=BINARY:SERVER LABEL=BINARY:SERVER [...]" >&2; exit 2; }
for tool in wrk curl taskset; do
	command -v "$tool" >/dev/null || { echo "pair.sh: $tool is not installed" >&2; exit 1; }
done
HZ=$(getconf CLK_TCK)
mkdir -p results
OUT=results/pair-$(date -u +%Y%m%dT%H%M%SZ).csv
load=("http://127.0.0.1:$PORT/")
if [ "$DEPTH" != 1 ]; then
	OUT=${OUT%.csv}-d$DEPTH.csv
	load=(-s pipeline.lua "http://127.0.0.1:$PORT/" -- "$DEPTH")
fi
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; true' EXIT

echo "round,label,cpu_us,rps,steal_pct" >"$OUT"
entries=("$@")
for r in $(seq "$ROUNDS"); do
	order=("${entries[@]}")
	if [ $((r % 2)) = 0 ]; then
		order=()
		for ((i = ${#entries[@]} - 1; i >= 0; i--)); do order+=("${entries[i]}"); done
	fi
	for e in "${order[@]}"; do
		label=${e%%=*} rest=${e#*=}
		bin=${rest%%:*} server=${rest#*:}
		GOMAXPROCS=1 taskset -c 0 "$bin" -server "$server" -addr "127.0.0.1:$PORT" 2>/dev/null &
		SERVER_PID=$!
		wait_ready "$label"
		taskset -c 1 wrk -t1 -c100 -d1s "${load[@]}" >/dev/null
		before=$(cpu_ticks "$SERVER_PID")
		read -r steal0 total0 < <(cpu_stat)
		out=$(taskset -c 1 wrk -t1 -c100 -d"${DURATION}s" "${load[@]}")
		read -r steal1 total1 < <(cpu_stat)
		after=$(cpu_ticks "$SERVER_PID")
		kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
		reqs=$(echo "$out" | awk '/requests in/ {print $1}')
		rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
		cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$reqs" 'BEGIN {printf "%.3f", t / hz * 1e6 / n}')
		echo "$r,$label,$cpu,$rps,$(steal_pct "$steal0" "$total0" "$steal1" "$total1")" | tee -a "$OUT"
	done
done

echo
echo "$OUT"
report "$OUT"
