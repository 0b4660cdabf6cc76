#!/usr/bin/env bash
# callgrind.sh: user-space instructions per request of each HTTP server,
# counted by valgrind's callgrind. Unlike CPU time, the count does not
# depend on what else the machine is doing, so it shows small changes that
# timed runs drown in noise. Kernel work (the system calls) is not counted.
#
#   httpd/bench/callgrind.sh                     # netloop, netloop-std, fasthttp, nethttp
#   SERVERS=netloop-std MODE=pipelined httpd/bench/callgrind.sh
#
# Each server runs under callgrind with instrumentation off; wrk warms it
# up for 2 s, instrumentation is switched on for a 5 s run of wrk -t1
# -c100, and the instructions counted are divided by the requests wrk
# completed. Under callgrind a server is ~50x slower, so a run serves some
# ten thousand requests. GODEBUG=asyncpreemptoff=1: callgrind 3.19 aborts
# on the runtime's preemption signal.
#
# Needs valgrind and wrk (Debian: apt-get install valgrind wrk).
set -euo pipefail

cd "$(dirname "$0")"
SERVERS=${SERVERS:-"netloop netloop-std fasthttp nethttp"}
MODE=${MODE:-plain}
PORT=${PORT:-18081}
for tool in valgrind callgrind_control callgrind_annotate wrk curl; do
	command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool is not installed" >&2; exit 1; }
done
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
go build -o "$TMP/httpbench" .
script=()
[ "$MODE" = pipelined ] && script=(-s pipeline.lua)

printf '%-12s %-10s %10s %16s\n' server mode requests instructions/req
for server in $SERVERS; do
	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$TMP/$server.out" "$TMP/httpbench" -server "$server" \
		-addr "127.0.0.1:$PORT" >/dev/null 2>"$TMP/$server.err" &
	PID=$!
	for _ in $(seq 200); do
		curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
		sleep 0.1
	done
	wrk -t1 -c100 -d2s "${script[@]}" "http://127.0.0.1:$PORT/" >/dev/null
	callgrind_control -i on "$PID" >/dev/null 2>&1
	out=$(wrk -t1 -c100 -d5s "${script[@]}" "http://127.0.0.1:$PORT/")
	callgrind_control -i off "$PID" >/dev/null 2>&1
	callgrind_control -d "$PID" >/dev/null 2>&1
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	PID=
	reqs=$(echo "$out" | awk '/requests in/ {print $1}')
	ir=$(callgrind_annotate "$TMP/$server.out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
	if [ -z "$ir" ] || [ -z "$reqs" ] || [ "$reqs" = 0 ]; then
		echo "callgrind.sh: $server: no count (see valgrind's output below)" >&2
		tail -20 "$TMP/$server.err" >&2
		continue
	fi
	printf '%-12s %-10s %10d %16d\n' "$server" "$MODE" "$reqs" $((ir / reqs))
done
