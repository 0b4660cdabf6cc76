#!/usr/bin/env bash
# callgrind.sh: user-space instructions per request of redis-server and of
# `netloop redis`, counted by valgrind's callgrind, for each
# redis-benchmark test. The count does not depend on what else the
# machine is doing, so it separates the servers where timed runs at -P 1
# are level within the noise. Kernel work (the system calls) is not
# counted: both servers make one read and one write per request there.
#
#   redis/bench/callgrind.sh                  # -P 1 and -P 16, 50,000 requests each
#   PIPELINES=1 TESTS=get redis/bench/callgrind.sh
#
# Each server runs under callgrind (steps in bench/callgrind.bash); a first
# redis-benchmark run warms it up, instrumentation is on for a second one
# of N requests, and the instructions counted are divided by N.
#
# Needs valgrind, redis-server and redis-tools.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N=${N:-50000}
TESTS=${TESTS:-ping_inline ping_mbulk set get}
PIPELINES=${PIPELINES:-1 16}
PORT=${PORT:-16398}
for bin in valgrind callgrind_control callgrind_annotate redis-server redis-benchmark redis-cli; do
	command -v "$bin" >/dev/null || { echo "error: $bin not found (apt-get install valgrind redis-server redis-tools)" >&2; exit 1; }
done
. bench/callgrind.bash
work=$(mktemp -d)
trap '[ -n "$CG_PID" ] && kill "$CG_PID" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/netloop" ./cmd/netloop

count() { # server test pipeline -> instructions per request
	local server=$1 t=$2 p=$3 cmd
	case $server in
	redis) cmd=(redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning) ;;
	netloop) cmd=("$work/netloop" redis --addr "127.0.0.1:$PORT" --loops 1 --log-level warn) ;;
	esac
	cg_start "$work" "${cmd[@]}"
	for _ in $(seq 200); do
		redis-cli -p "$PORT" PING >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-benchmark -p "$PORT" -t "$t" -n $((N / 10)) -c 50 -P "$p" -q >/dev/null 2>&1
	cg_measure redis-benchmark -p "$PORT" -t "$t" -n "$N" -c 50 -P "$p" -q >/dev/null 2>&1
	local ir
	cg_stop
	ir=$(cg_total "$work") || exit 1
	echo $((ir / N))
}

printf '%-3s %-12s %14s %14s %8s\n' -P test redis-server netloop ratio
for p in $PIPELINES; do
	for t in $TESTS; do
		r=$(count redis "$t" "$p")
		n=$(count netloop "$t" "$p")
		printf '%-3s %-12s %14d %14d %7.2fx\n' "$p" "$t" "$r" "$n" "$(awk -v a="$r" -v b="$n" 'BEGIN { print a / b }')"
	done
done
