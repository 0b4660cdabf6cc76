#!/usr/bin/env bash
# callgrind.sh: user-space instructions per relayed message of netloop
# proxy, HAProxy and the C relay floor, counted by valgrind's callgrind.
# The count does not depend on what else the machine is doing, so it
# separates the proxies where timed runs are level within the noise.
# Kernel work (the system calls) is not counted: all three make two reads
# and two writes per message.
#
#   proxy/bench/callgrind.sh                      # ping-pong and pipelined
#   WORKLOADS=pp SYSTEMS="netloop haproxy" proxy/bench/callgrind.sh
#
# The C echo backend of bench/servers/cepoll answers behind each proxy.
# Each proxy runs under callgrind (steps in bench/callgrind.bash); `netloop
# bench echo` warms it up for 2 s, instrumentation is on for a 5 s run,
# and the instructions counted are divided by the messages echoed.
#
# Needs valgrind, haproxy and gcc.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORKLOADS=${WORKLOADS:-pp pipe}
SYSTEMS=${SYSTEMS:-netloop haproxy ccopy}
BACKEND=127.0.0.1:17301
LISTEN=127.0.0.1:17311
for bin in valgrind callgrind_control callgrind_annotate haproxy gcc go python3; do
	command -v "$bin" >/dev/null || { echo "error: $bin not found (apt-get install valgrind haproxy gcc)" >&2; exit 1; }
done
. "$ROOT/bench/callgrind.bash"
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}" $CG_PID; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
(cd "$ROOT" && go build -o "$work/netloop" ./cmd/netloop)
gcc -O2 -o "$work/cecho" "$ROOT/bench/servers/cepoll/echo.c"
gcc -O2 -o "$work/crelay" "$ROOT/bench/servers/crelay/relay.c"
sed "s/@LISTEN@/$LISTEN/; s/@BACKEND@/$BACKEND/" "$ROOT/proxy/bench/haproxy.cfg.in" >"$work/haproxy.cfg"
"$work/cecho" "$BACKEND" >/dev/null 2>&1 &
pids+=($!)

listening() { ss -Hltn "sport = :${1##*:}" | grep -q .; }
for _ in $(seq 100); do listening "$BACKEND" && break; sleep 0.05; done

load() { # pipeline duration [--json]
	"$work/netloop" bench echo --addr "$LISTEN" --conns 100 --size 64 --pipeline "$1" \
		--duration "$2" --warmup 0s --quiet "${@:3}"
}

printf '%-6s %-8s %10s %16s\n' load proxy messages instructions/msg
for w in $WORKLOADS; do
	case $w in
	pp) pipeline=1 ;;
	pipe) pipeline=16 ;;
	*) echo "error: unknown workload $w" >&2; exit 1 ;;
	esac
	for sys in $SYSTEMS; do
		case $sys in
		netloop) cmd=("$work/netloop" proxy --listen "$LISTEN" --upstream "$BACKEND" --loops 1 --log-level warn) ;;
		haproxy) cmd=(haproxy -db -f "$work/haproxy.cfg") ;;
		ccopy) cmd=("$work/crelay" copy "$LISTEN" "$BACKEND") ;;
		*) echo "error: unknown system $sys" >&2; exit 1 ;;
		esac
		cg_start "$work" "${cmd[@]}"
		for _ in $(seq 200); do listening "$LISTEN" && break; sleep 0.1; done
		load "$pipeline" 2s >/dev/null
		msgs=$(cg_measure load "$pipeline" 5s --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["messages"])')
		cg_stop
		ir=$(cg_total "$work") || exit 1
		if [ "$msgs" = 0 ]; then
			echo "error: $sys ($w) echoed no message" >&2
			exit 1
		fi
		printf '%-6s %-8s %10d %16d\n' "$w" "$sys" "$msgs" $((ir / msgs))
	done
done
