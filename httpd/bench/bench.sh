#!/usr/bin/env bash
# bench.sh: HTTP/1.1 "Hello, World!" throughput and CPU cost, side by side:
# httpd's native API (netloop, polled edge-triggered as netloop http does;
# netloop-level polls level-triggered), its net/http adapter (netloop-std),
# fasthttp, net/http and nginx, and the system-call floor: a C epoll
# responder that parses nothing (bench/servers/chttp/hello.c, "c"; the same
# on io_uring, uring.c, is "c-uring", and on netloop's core, "netloop-raw";
# neither is run by default). Each server is pinned to CPU 0 (Go servers
# with GOMAXPROCS=1, nginx with one worker), wrk -t1 -c100 to CPU 1; plain
# (one request per write) and pipelined (16 per write, pipeline.lua); the
# servers are interleaved within each round.
#
#   httpd/bench/bench.sh                      # 2 rounds of 5 s per server and mode
#   ROUNDS=3 DURATION=10 httpd/bench/bench.sh
#   SERVERS="netloop fasthttp" httpd/bench/bench.sh
#
# Prints one line per run (CSV, also kept in results/) and a table of the
# medians. cpu_us_per_req is the server's user+system CPU time during the
# run divided by the requests wrk completed; steal_pct is the share of the
# machine's CPU time the hypervisor gave elsewhere meanwhile (a round
# with more than 10% is flagged on stderr).
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx) and taskset.
set -euo pipefail

cd "$(dirname "$0")"
. ./lib.bash
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-5}
CONNS=${CONNS:-100}
SERVERS=${SERVERS:-"netloop netloop-std fasthttp nethttp nginx c"}
MODES=${MODES:-"plain pipelined"}
PORT=${PORT:-18080}
OUT=results/$(date -u +%Y%m%dT%H%M%SZ).csv
mkdir -p results
TMP=$(mktemp -d)
trap 'stop_server; rm -rf "$TMP"' EXIT

for tool in wrk nginx taskset; do
	command -v "$tool" >/dev/null || { echo "bench.sh: $tool is not installed" >&2; exit 1; }
done
go build -o "$TMP/httpbench" .
if [[ " $SERVERS " == *" c "* ]]; then
	command -v gcc >/dev/null || { echo "bench.sh: gcc is not installed (apt-get install gcc)" >&2; exit 1; }
	gcc -O2 -o "$TMP/chello" ../../bench/servers/chttp/hello.c
fi
if [[ " $SERVERS " == *" c-uring "* ]]; then
	gcc -O2 -o "$TMP/curing" ../../bench/servers/chttp/uring.c -luring ||
		{ echo "bench.sh: c-uring needs gcc and liburing (apt-get install liburing-dev)" >&2; exit 1; }
fi

SERVER_PID=
start_server() { # name
	case $1 in
	nginx)
		mkdir -p "$TMP/nginx/logs"
		cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$PORT;
		location / {
			default_type text/plain;
			return 200 "Hello, World!";
		}
	}
}
CONF
		taskset -c 0 nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" &
		;;
	c)
		taskset -c 0 "$TMP/chello" "127.0.0.1:$PORT" 2>/dev/null &
		;;
	c-uring)
		taskset -c 0 "$TMP/curing" "127.0.0.1:$PORT" 2>/dev/null &
		;;
	*)
		GOMAXPROCS=1 taskset -c 0 "$TMP/httpbench" -server "$1" -addr "127.0.0.1:$PORT" &
		;;
	esac
	SERVER_PID=$!
	wait_ready "$1"
}

stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
}

run_wrk() { # mode -> wrk output
	local script=()
	[ "$1" = pipelined ] && script=(-s pipeline.lua)
	taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "${script[@]}" "http://127.0.0.1:$PORT/"
}

to_us() { # wrk latency ("1.23ms", "850.00us", "1.01s") -> microseconds
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000000 }
		else print v }'
}

HZ=$(getconf CLK_TCK)
echo "round,server,mode,requests_per_s,p50_us,p99_us,cpu_us_per_req,requests,steal_pct,max_us" | tee "$OUT"
for round in $(seq "$ROUNDS"); do
	for mode in $MODES; do
		for server in $SERVERS; do
			start_server "$server"
			DURATION=1 run_wrk "$mode" >/dev/null # warm up
			before=$(cpu_ticks "$SERVER_PID")
			read -r steal0 total0 < <(cpu_stat)
			out=$(run_wrk "$mode")
			read -r steal1 total1 < <(cpu_stat)
			after=$(cpu_ticks "$SERVER_PID")
			steal=$(steal_pct "$steal0" "$total0" "$steal1" "$total1")
			if awk -v s="$steal" 'BEGIN {exit !(s > 10)}'; then
				echo "bench.sh: $server $mode round $round: the hypervisor stole $steal% of the CPU time" >&2
			fi
			stop_server
			reqs=$(echo "$out" | awk '/requests in/ {print $1}')
			rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
			p50=$(to_us "$(echo "$out" | awk '$1 == "50%" {print $2}')")
			p99=$(to_us "$(echo "$out" | awk '$1 == "99%" {print $2}')")
			# wrk misreports some pipelined percentiles as 0: leave them out.
			# Its maximum latency is kept as well, an upper bound on the p99
			# that it does report.
			[ "$p99" = 0 ] && p99=
			max=$(to_us "$(echo "$out" | awk '$1 == "Latency" {print $4; exit}')")
			cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$reqs" 'BEGIN {printf "%.3f", t / hz * 1e6 / n}')
			if echo "$out" | grep -q "Non-2xx\|Socket errors"; then
				echo "bench.sh: $server $mode: $(echo "$out" | grep "Non-2xx\|Socket errors")" >&2
			fi
			echo "$round,$server,$mode,$rps,$p50,$p99,$cpu,$reqs,$steal,$max" | tee -a "$OUT"
		done
	done
done

echo
echo "Medians over $ROUNDS round(s) of ${DURATION}s, wrk -t1 -c$CONNS (results in httpd/bench/$OUT):"
./report.sh "$OUT"
