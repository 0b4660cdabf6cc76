#!/usr/bin/env bash
# perfsplit.sh: where each server's CPU per request goes, kernel against
# user space, from perf samples of CPU 0 under the plain wrk load of
# bench.sh. Each server runs alone, pinned to CPU 0 (Go servers with
# GOMAXPROCS=1), wrk -t1 -c100 on CPU 1; perf samples CPU 0 at 9,999 Hz
# for DURATION seconds. Samples of the server's own threads are counted
# per 1,000 requests: 10 samples per 1,000 requests is 1 us per request.
# Then the symbols whose cost differs most between the first two servers.
#
#   httpd/bench/perfsplit.sh                  # netloop against the C floor
#   SERVERS="netloop fasthttp" httpd/bench/perfsplit.sh
#   SYMS=/tmp/syms httpd/bench/perfsplit.sh  # also keep each server's
#                                             # per-symbol costs there
#
# Needs perf (Debian: linux-perf), wrk, gcc, and root (or a permissive
# perf_event_paranoid).
set -euo pipefail

cd "$(dirname "$0")"
SERVERS=${SERVERS:-"netloop c"}
DURATION=${DURATION:-4}
PORT=${PORT:-18082}
for tool in perf wrk taskset curl; do
	command -v "$tool" >/dev/null || { echo "perfsplit.sh: $tool is not installed" >&2; exit 1; }
done
TMP=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
go build -o "$TMP/httpbench" .
gcc -O2 -o "$TMP/chello" ../../bench/servers/chttp/hello.c

printf '%-10s %9s %12s %12s %12s\n' server requests "kernel us" "user us" "total us"
for server in $SERVERS; do
	if [ "$server" = c ]; then
		taskset -c 0 "$TMP/chello" "127.0.0.1:$PORT" 2>/dev/null &
		comm=chello
	else
		GOMAXPROCS=1 taskset -c 0 "$TMP/httpbench" -server "$server" -addr "127.0.0.1:$PORT" &
		comm=httpbench
	fi
	SERVER_PID=$!
	for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break; sleep 0.05; done
	taskset -c 1 wrk -t1 -c100 -d1s "http://127.0.0.1:$PORT/" >/dev/null
	perf record -q -o "$TMP/$server.data" -C 0 -F 9999 -- sleep "$DURATION" >/dev/null 2>&1 &
	perf_pid=$!
	reqs=$(taskset -c 1 wrk -t1 -c100 -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '/requests in/ {print $1}')
	wait "$perf_pid"
	kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
	# samples per 1,000 requests by symbol; [k] marks kernel symbols.
	perf report -i "$TMP/$server.data" --comms "$comm" --sort sym -n --stdio 2>/dev/null |
		awk -v r="$reqs" '/^ +[0-9.]+%/ {sym = $NF; kind = ($3 == "[k]") ? "k" : "u"; printf "%s %s %.4f\n", sym, kind, $2 * 1000 / r}' \
		>"$TMP/$server.syms"
	if [ -n "${SYMS:-}" ]; then mkdir -p "$SYMS" && cp "$TMP/$server.syms" "$SYMS/"; fi
	awk -v s="$server" -v r="$reqs" '{t[$2] += $3} END {printf "%-10s %9d %12.2f %12.2f %12.2f\n", s, r, t["k"] / 10, t["u"] / 10, (t["k"] + t["u"]) / 10}' "$TMP/$server.syms"
done

set -- $SERVERS
if [ $# -ge 2 ]; then
	echo
	echo "largest differences, $1 minus $2, in ns per request:"
	join -a1 -a2 -e0 -o 0,1.2,2.2 <(awk '{print $1, $3}' "$TMP/$1.syms" | sort) <(awk '{print $1, $3}' "$TMP/$2.syms" | sort) |
		awk '{d = ($2 - $3) * 100; printf "%8.0f  %s\n", d, $1}' | sort -k1 -gr | head -20
fi
