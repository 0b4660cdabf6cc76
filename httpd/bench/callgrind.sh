#!/usr/bin/env bash
# callgrind.sh: user-space instructions per request of each HTTP server,
# counted by valgrind's callgrind. Unlike CPU time, the count does not
# depend on what else the machine is doing, so it shows small changes that
# timed runs drown in noise. Kernel work (the system calls) is not counted.
#
#   httpd/bench/callgrind.sh                     # netloop, netloop-std, fasthttp, nethttp
#   SERVERS=netloop-std MODE=pipelined httpd/bench/callgrind.sh
#   KEEP=/tmp/cg httpd/bench/callgrind.sh        # keep each server's profile
#                                                # (callgrind_annotate KEEP/netloop.out)
#
# Each server runs under callgrind (steps in bench/callgrind.bash); wrk
# warms it up for 2 s, instrumentation is on for a 5 s run of wrk -t1
# -c100, and the instructions counted are divided by the requests wrk
# completed. Under callgrind a server is ~50x slower, so a run serves some
# ten thousand requests.
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
. ../../bench/callgrind.bash
TMP=$(mktemp -d)
trap '[ -n "$CG_PID" ] && kill "$CG_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
go build -o "$TMP/httpbench" .
script=()
[ "$MODE" = pipelined ] && script=(-s pipeline.lua)

printf '%-12s %-10s %10s %16s\n' server mode requests instructions/req
for server in $SERVERS; do
	cg_start "$TMP" "$TMP/httpbench" -server "$server" -addr "127.0.0.1:$PORT"
	for _ in $(seq 200); do
		curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
		sleep 0.1
	done
	wrk -t1 -c100 -d2s "${script[@]}" "http://127.0.0.1:$PORT/" >/dev/null
	out=$(cg_measure wrk -t1 -c100 -d5s "${script[@]}" "http://127.0.0.1:$PORT/")
	reqs=$(echo "$out" | awk '/requests in/ {print $1}')
	cg_stop
	ir=$(cg_total "$TMP") || continue
	if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$TMP/cg.out.1" "$KEEP/$server.out"; fi
	if [ -z "$reqs" ] || [ "$reqs" = 0 ]; then
		echo "callgrind.sh: $server: wrk completed no request" >&2
		continue
	fi
	printf '%-12s %-10s %10d %16d\n' "$server" "$MODE" "$reqs" $((ir / reqs))
done
