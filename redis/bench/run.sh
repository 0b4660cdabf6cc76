#!/usr/bin/env bash
# Side-by-side benchmark of `netloop redis` and redis-server with
# redis-benchmark (Debian packages redis-server and redis-tools).
#
#   redis/bench/run.sh                      # 3 rounds, 1000000 requests per test
#   N=200000 ROUNDS=1 redis/bench/run.sh    # a quick look
#   MODE=multi redis/bench/run.sh           # both cores: netloop --loops 2 vs io-threads 2
#   NETLOOP=/path/to/netloop redis/bench/run.sh   # a prebuilt binary instead of go build
#   NETLOOP_ARGS="--coalesce 0" redis/bench/run.sh # extra flags for netloop redis
#   MAXSTEAL=10 python3 redis/bench/summary.py FILE  # the table without runs the host disturbed
#
# MODE=pinned (default): each server on CPU 0 (netloop with GOMAXPROCS=1 and
# one loop), redis-benchmark on CPU 1. MODE=multi: the servers get both
# cores (netloop GOMAXPROCS=2 --loops 2, redis-server --io-threads 2
# --io-threads-do-reads yes) and share them with redis-benchmark.
#
# Each round runs every test with -P 1 and -P 16 against both servers,
# interleaved test by test (redis, netloop; then netloop, redis in the next
# round), each server freshly started for each test. For each run it records requests/s and p50 from redis-benchmark, the
# server's CPU time (user+system, from /proc/PID/stat) per request, and the
# share of the machine's CPU time the hypervisor stole meanwhile (a run
# above 10% is flagged on stderr).
# Results go to $OUT (default redis/bench/results/<mode>.tsv); a summary
# (medians, min-max, netloop/redis ratios per round) is printed, and
# plot.py turns the TSV into an SVG.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

N=${N:-1000000}
ROUNDS=${ROUNDS:-3}
MODE=${MODE:-pinned}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-ping_inline ping_mbulk set get}
PIPELINES=${PIPELINES:-1 16}
OUT=${OUT:-redis/bench/results/$MODE.tsv}

for bin in redis-server redis-benchmark redis-cli taskset; do
	command -v "$bin" >/dev/null || { echo "error: $bin not found (apt-get install redis-server redis-tools util-linux)" >&2; exit 1; }
done

work=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${NETLOOP:-}" ]; then
	cp "$NETLOOP" "$work/netloop"
else
	go build -o "$work/netloop" ./cmd/netloop
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# cpu_stat: the machine's steal and total clock ticks (/proc/stat). Steal
# is time the hypervisor gave to other guests while ours wanted to run.
cpu_stat() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t}' /proc/stat; }

# ticks PID: the process's user+system CPU time in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

start_server() { # name port
	local name=$1 port=$2 pin=() cpus
	if [ "$MODE" = pinned ]; then pin=(taskset -c 0); cpus=1; else cpus=2; fi
	case $name in
	redis)
		local threads=()
		[ "$MODE" = multi ] && threads=(--io-threads 2 --io-threads-do-reads yes)
		"${pin[@]}" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
			--daemonize no --loglevel warning "${threads[@]}" >"$work/$name.log" 2>&1 &
		;;
	netloop)
		GOMAXPROCS=$cpus "${pin[@]}" "$work/netloop" redis --addr "127.0.0.1:$port" --loops "$cpus" \
			--log-level warn ${NETLOOP_ARGS:-} >"$work/$name.log" 2>&1 &
		;;
	esac
	pid=$!
	for _ in $(seq 100); do
		redis-cli -p "$port" PING >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "error: $name did not start:" >&2
	cat "$work/$name.log" >&2
	exit 1
}

stop_server() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
}

hz=$(getconf CLK_TCK)
bench_pin=()
[ "$MODE" = pinned ] && bench_pin=(taskset -c 1)
mkdir -p "$(dirname "$OUT")"
printf 'round\tmode\tpipeline\tserver\ttest\trps\tcpu_us_per_req\tp50_ms\tsteal_pct\n' >"$OUT"

# Each test is run against both servers back to back, each freshly started,
# so the two measurements of a test lie within seconds of each other on a
# machine whose speed drifts from minute to minute; the order alternates by
# round so neither server always goes first.
for round in $(seq "$ROUNDS"); do
	order="redis netloop"
	[ $((round % 2)) = 0 ] && order="netloop redis"
	for p in $PIPELINES; do
		for t in $TESTS; do
			for server in $order; do
				port=$(free_port)
				start_server "$server" "$port"
				before=$(ticks "$pid")
				read -r steal0 total0 < <(cpu_stat)
				line=$("${bench_pin[@]}" redis-benchmark -p "$port" -t "$t" -n "$N" -c "$CLIENTS" -P "$p" -q 2>/dev/null |
					tr '\r' '\n' | grep 'requests per second' | tail -1)
				after=$(ticks "$pid")
				read -r steal1 total1 < <(cpu_stat)
				steal=$(awk -v s=$((steal1 - steal0)) -v t=$((total1 - total0)) 'BEGIN {printf "%.1f", (t > 0 ? 100 * s / t : 0)}')
				if awk -v s="$steal" 'BEGIN {exit !(s > 10)}'; then
					echo "run.sh: $server $t -P $p round $round: the hypervisor stole $steal% of the CPU time" >&2
				fi
				stop_server
				rps=$(echo "$line" | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/')
				p50=$(echo "$line" | sed -nE 's/.*p50=([0-9.]+) msec.*/\1/p')
				cpu=$(awk -v d=$((after - before)) -v hz="$hz" -v n="$N" 'BEGIN { printf "%.3f", d / hz / n * 1e6 }')
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$MODE" "$p" "$server" "$t" "$rps" "$cpu" "$p50" "$steal" | tee -a "$OUT"
			done
		done
	done
done

echo
echo "results: $OUT (N=$N clients=$CLIENTS rounds=$ROUNDS mode=$MODE)"
python3 "$(dirname "${BASH_SOURCE[0]}")/summary.py" "$OUT"
