#!/usr/bin/env bash
# run.sh: netloop proxy against HAProxy, side by side. See docs/proxy.md.
#
#   proxy/bench/run.sh [--rounds 2] [--duration 5s] [--warmup 1s]
#                      [--workloads "pp pipe c1000 bulk"] [--systems "netloop haproxy direct"]
#                      (systems also: netloop-splice, netloop proxy --splice;
#                       ccopy csplice, the C relay floor)
#                      [--out DIR] [--no-install]
#
# One echo backend (the C epoll server of bench/servers/cepoll) serves both
# proxies. Each proxy runs pinned to CPU 0 with one thread (netloop proxy
# --loops 1 with GOMAXPROCS=1; HAProxy in TCP mode with nbthread 1); the
# load generator (`netloop bench echo`) and the backend share CPU 1, so
# that the proxy is the only thing on its core. "ccopy" and "csplice" are
# bench/servers/crelay/relay.c, a bare C epoll relay moving bytes with
# read+write or with splice(2) through a pipe: the floor of a relay, and
# what splice would change. "direct" is the load
# generator talking to the backend with no proxy, for reference. Systems
# are interleaved within each round, the order rotating from round to
# round, and each proxy is started fresh for each measurement and stopped
# by its PID. The table (median over rounds, min-max, the ratio of netloop
# to HAProxy in the same round, and each proxy's CPU use) is printed and
# written to DIR/results.md; raw JSON stays in DIR.
#
# Workloads (N connections x message size, messages in flight per conn):
#   pp     100 x 64 B, 1      ping-pong: latency
#   pipe   100 x 64 B, 16     pipelined: messages per second
#   c1000  1000 x 512 B, 1    many connections
#   bulk   10 x 64 KiB, 4     bytes per second
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROUNDS=2
DURATION=5s
WARMUP=1s
WORKLOADS="pp pipe c1000 bulk"
SYSTEMS="netloop haproxy direct"
OUT=${TMPDIR:-/tmp}/netloop-proxy-bench
INSTALL=1

# Ports below the ephemeral range, one per role.
BACKEND_PORT=17201
declare -A PORT=([netloop]=17211 [haproxy]=17212 [ccopy]=17213 [csplice]=17214 [netloop-splice]=17215 [direct]=$BACKEND_PORT)

die() { echo "run.sh: $*" >&2; exit 1; }
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
usage() { sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while (($#)); do
	case $1 in
	--rounds) ROUNDS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--workloads) WORKLOADS=$2; shift ;;
	--systems) SYSTEMS=$2; shift ;;
	--out) OUT=$2; shift ;;
	--no-install) INSTALL=0 ;;
	-h | --help) usage 0 ;;
	*) echo "run.sh: unknown flag $1" >&2; usage 2 ;;
	esac
	shift
done

workload_args() {
	case $1 in
	pp) echo "--conns 100 --size 64 --pipeline 1" ;;
	pipe) echo "--conns 100 --size 64 --pipeline 16" ;;
	c1000) echo "--conns 1000 --size 512 --pipeline 1" ;;
	bulk) echo "--conns 10 --size 65536 --pipeline 4" ;;
	*) die "unknown workload $1" ;;
	esac
}

# ---------------------------------------------------------------- setup

setup() {
	if ! command -v haproxy >/dev/null && [[ " $SYSTEMS " == *" haproxy "* ]]; then
		((INSTALL)) && [[ $(id -u) == 0 ]] || die "haproxy is missing (apt-get install haproxy)"
		log "apt-get install haproxy"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
	fi
	for tool in taskset ss gcc go python3; do
		command -v $tool >/dev/null || die "$tool is missing"
	done
	mkdir -p "$OUT"
	log "building into $OUT"
	(cd "$ROOT" && go build -o "$OUT/netloop" ./cmd/netloop)
	gcc -O2 -Wall -o "$OUT/cecho" "$ROOT/bench/servers/cepoll/echo.c"
	gcc -O2 -Wall -o "$OUT/crelay" "$ROOT/bench/servers/crelay/relay.c"
	sed "s/@LISTEN@/127.0.0.1:${PORT[haproxy]}/; s/@BACKEND@/127.0.0.1:$BACKEND_PORT/" "$HERE/haproxy.cfg.in" >"$OUT/haproxy.cfg"
	haproxy -c -q -f "$OUT/haproxy.cfg" || die "haproxy rejects $OUT/haproxy.cfg"
}

# ---------------------------------------------------------------- processes

wait_listen() {
	local port=$1 pid=$2 i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

# stop_pid PID: SIGTERM, then SIGKILL after 10 s; never anything but PID.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# cpu_ticks PID: utime+stime of the whole process, in clock ticks.
cpu_ticks() {
	local s
	s=$(<"/proc/$1/stat") || { echo -1; return; }
	s=${s##*) }
	read -r -a f <<<"$s"
	echo $((f[11] + f[12]))
}

# start_proxy NAME LOG: start a proxy pinned to CPU 0, set PROXY_PID.
start_proxy() {
	local name=$1 logf=$2 port=${PORT[$1]}
	port_free "$port" || die "port $port is in use"
	case $name in
	netloop | netloop-splice)
		local splice=()
		[[ $name == netloop-splice ]] && splice=(--splice)
		taskset -c 0 env GOMAXPROCS=1 "$OUT/netloop" proxy --listen "127.0.0.1:$port" \
			--upstream "127.0.0.1:$BACKEND_PORT" --loops 1 --log-level warn "${splice[@]}" >"$logf" 2>&1 &
		;;
	haproxy)
		taskset -c 0 haproxy -db -f "$OUT/haproxy.cfg" >"$logf" 2>&1 &
		;;
	ccopy | csplice)
		taskset -c 0 "$OUT/crelay" "${name#c}" "127.0.0.1:$port" "127.0.0.1:$BACKEND_PORT" >"$logf" 2>&1 &
		;;
	esac
	PROXY_PID=$!
	wait_listen "$port" "$PROXY_PID" || { cat "$logf" >&2; die "$name did not start"; }
}

rotate() {
	local n=$1
	shift
	local words=("$@") i
	for ((i = 0; i < ${#words[@]}; i++)); do
		printf '%s ' "${words[(i + n) % ${#words[@]}]}"
	done
}

# ---------------------------------------------------------------- run

setup
port_free "$BACKEND_PORT" || die "port $BACKEND_PORT is in use"
taskset -c 1 "$OUT/cecho" "127.0.0.1:$BACKEND_PORT" >"$OUT/backend.log" 2>&1 &
BACKEND_PID=$!
trap 'stop_pid $BACKEND_PID' EXIT
wait_listen "$BACKEND_PORT" "$BACKEND_PID" || die "the echo backend did not start"

read -r -a systems <<<"$SYSTEMS"
rm -f "$OUT"/*.json "$OUT"/*.cpu
hz=$(getconf CLK_TCK)
for ((r = 1; r <= ROUNDS; r++)); do
	for w in $WORKLOADS; do
		for sys in $(rotate $((r - 1)) "${systems[@]}"); do
			base="$OUT/$w.$sys.$r"
			PROXY_PID=
			[[ $sys != direct ]] && start_proxy "$sys" "$base.log"
			t0=0
			[[ -n $PROXY_PID ]] && t0=$(cpu_ticks "$PROXY_PID")
			start=$(date +%s.%N)
			# shellcheck disable=SC2046
			taskset -c 1 "$OUT/netloop" bench echo --addr "127.0.0.1:${PORT[$sys]}" $(workload_args "$w") \
				--duration "$DURATION" --warmup "$WARMUP" --json --quiet >"$base.json" 2>"$base.err" ||
				log "$sys $w: load generator failed: $(head -c 300 "$base.err")"
			if [[ -n $PROXY_PID ]]; then
				t1=$(cpu_ticks "$PROXY_PID")
				python3 -c "import sys; print((int(sys.argv[2])-int(sys.argv[1]))/int(sys.argv[3])/(float(sys.argv[5])-float(sys.argv[4])))" \
					"$t0" "$t1" "$hz" "$start" "$(date +%s.%N)" >"$base.cpu"
				stop_pid "$PROXY_PID"
			fi
			log "round $r $w $sys: $(python3 "$HERE/report.py" --line "$base.json" 2>/dev/null || echo failed)"
		done
	done
done

python3 "$HERE/report.py" "$OUT" "$ROUNDS" "$WORKLOADS" "$SYSTEMS" | tee "$OUT/results.md"
