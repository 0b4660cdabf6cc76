#!/usr/bin/env bash
# run.sh: netloop's side-by-side benchmarks. See docs/benchmarks.md.
#
#   bench/run.sh echo       [--rounds 3] [--duration 5s] [--sweep-rounds 2] [--sweep-duration 3s]
#                           [--rate 20000] [--servers "netloop net netpoll c"] [--no-sweep]
#   bench/run.sh memory     [--mem-conns "10000 19000"] [--big-conns 100000] [--big-procs 6] [--no-big]
#   bench/run.sh micro      [--count 10]
#   bench/run.sh callgrind  [--msgs 20000]
#   bench/run.sh profile    [--duration 5s] [--rate 20000]
#   bench/run.sh all        all of the above, in that order
#   bench/run.sh build      install what is missing and build bench/bin/ only
#
# --nice N (e.g. -10, root only) runs servers and generator at that nice level,
# so that other processes on a shared machine disturb them less.
#
# Every server runs pinned to CPU 0 (Go servers with GOMAXPROCS=1 and one
# event loop) and the load generator (`netloop bench echo`) pinned to CPU 1.
# Systems are interleaved within each round (the order rotates from round to
# round) and each server is started fresh for each measurement and stopped by
# its PID. Raw output goes to bench/results/raw/ (not committed); tables to
# bench/results/*.md and *.csv; plots to docs/img/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BIN=$HERE/bin
RES=$HERE/results
IMG=$ROOT/docs/img

# Defaults (flags override).
ROUNDS=3
DURATION=5s
WARMUP=1s
SWEEP_ROUNDS=2
SWEEP_DURATION=3s
RATE=20000
SERVERS="netloop net netpoll c"
SWEEP=1
MEM_CONNS="10000 19000"
MEM_SERVERS="netloop net net4k netpoll c"
BIG_CONNS=100000
BIG_PROCS=6
BIG=1
COUNT=10
MSGS=20000
INSTALL=1
NICE=0

# Ports well below the ephemeral range, one per server, so that TIME_WAIT
# left by one system's run never meets the next system's connects.
declare -A PORT=([netloop]=17101 [net]=17102 [netpoll]=17103 [c]=17104 [net4k]=17105 [profserver]=17106)

die() { echo "run.sh: $*" >&2; exit 1; }
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

CMD=${1:-}
[[ -z $CMD || $CMD == -h || $CMD == --help ]] && usage 0
shift
while (($#)); do
	case $1 in
	--rounds) ROUNDS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--sweep-rounds) SWEEP_ROUNDS=$2; shift ;;
	--sweep-duration) SWEEP_DURATION=$2; shift ;;
	--rate) RATE=$2; shift ;;
	--servers) SERVERS=$2; MEM_SERVERS=$2; shift ;;
	--no-sweep) SWEEP=0 ;;
	--mem-conns) MEM_CONNS=$2; shift ;;
	--big-conns) BIG_CONNS=$2; shift ;;
	--big-procs) BIG_PROCS=$2; shift ;;
	--no-big) BIG=0 ;;
	--count) COUNT=$2; shift ;;
	--msgs) MSGS=$2; shift ;;
	--no-install) INSTALL=0 ;;
	--nice) NICE=$2; shift ;;
	-h | --help) usage 0 ;;
	*) echo "run.sh: unknown flag $1" >&2; usage 2 ;;
	esac
	shift
done

# Python: the report needs only the standard library; the plots need
# matplotlib, which Debian's python3-matplotlib provides for /usr/bin/python3.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)

# PRIO prefixes every server and generator command.
PRIO=()
((NICE != 0)) && PRIO=(nice -n "$NICE")

# ---------------------------------------------------------------- setup

APT_UPDATED=0
apt_install() {
	if ((INSTALL == 0)) || [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
		log "missing: $* (install it, or run as root to let run.sh install it)"
		return 1
	fi
	if ((APT_UPDATED == 0)); then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_tools() {
	local missing=()
	command -v gcc >/dev/null || missing+=(gcc)
	command -v taskset >/dev/null || missing+=(util-linux)
	command -v ss >/dev/null || missing+=(iproute2)
	"$PY" -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
	case $CMD in
	callgrind | all) command -v valgrind >/dev/null || missing+=(valgrind) ;;
	esac
	case $CMD in
	profile | all)
		command -v strace >/dev/null || missing+=(strace)
		command -v perf >/dev/null || missing+=(linux-perf)
		;;
	esac
	if ((${#missing[@]})); then
		apt_install "${missing[@]}" || true
	fi
	command -v go >/dev/null || die "go is not on PATH"
}

build() {
	need_tools
	mkdir -p "$BIN" "$RES/raw" "$IMG"
	log "building into $BIN"
	(cd "$HERE" && go mod download)
	(cd "$ROOT" && go build -o "$BIN/netloop" ./cmd/netloop)
	(cd "$HERE" && go build -o "$BIN/" ./servers/netecho ./servers/netpollecho ./cmd/idleconns ./cmd/pingpong ./cmd/profserver)
	gcc -O2 -Wall -o "$BIN/cecho" "$HERE/servers/cepoll/echo.c"
	# What the binaries were built from: the tree may change during a run.
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $(tree_state)" >"$BIN/build.txt"
}

# tree_state: the commit, and a digest of uncommitted changes if any.
tree_state() {
	local c d
	c=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	d=$(git -C "$ROOT" diff HEAD --shortstat 2>/dev/null | sed 's/^ //')
	if [[ -n $d ]]; then
		echo "$c + uncommitted ($d; diff sha256 $(git -C "$ROOT" diff HEAD 2>/dev/null | sha256sum | cut -c1-12))"
	else
		echo "$c"
	fi
}

# ---------------------------------------------------------------- servers

# server_cmd NAME PORT: the command line of one echo server.
server_cmd() {
	local addr=127.0.0.1:$2
	case $1 in
	netloop) echo "$BIN/netloop echo --addr $addr --loops 1 --log-level warn" ;;
	net) echo "$BIN/netecho -addr $addr" ;;
	net4k) echo "$BIN/netecho -addr $addr -buf 4096" ;;
	netpoll) echo "$BIN/netpollecho -addr $addr" ;;
	c) echo "$BIN/cecho $addr" ;;
	*) die "unknown server $1" ;;
	esac
}

# wait_listen PORT PID [SECONDS]: wait until something listens on PORT.
wait_listen() {
	local port=$1 pid=$2 limit=${3:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		if ss -Hltn "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

# start_server NAME PORT LOG [PREFIX...]: start a server pinned to CPU 0 and
# set SERVER_PID. The PID is the server's own: taskset and env exec it.
start_server() {
	local name=$1 port=$2 logf=$3
	shift 3
	port_free "$port" || die "port $port is already in use: pick other ports in run.sh"
	# shellcheck disable=SC2046
	"${PRIO[@]}" "$@" taskset -c 0 env GOMAXPROCS=1 $(server_cmd "$name" "$port") >"$logf" 2>&1 &
	SERVER_PID=$!
	if ! wait_listen "$port" "$SERVER_PID" 60; then
		cat "$logf" >&2
		die "$name did not start listening on $port"
	fi
}

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
	s=${s##*) } # drop "pid (comm) "; fields now start at 3 (state)
	read -r -a f <<<"$s"
	echo $((f[11] + f[12]))
}

# core_ticks: busy (user+nice+system+irq+softirq) and steal ticks of CPU 0
# and CPU 1, as "busy0,steal0,busy1,steal1". Compared with the server's and
# the generator's own CPU it shows how much else ran on their cores: this
# machine is shared, and that is recorded with every measurement.
core_ticks() {
	local a out=
	while read -r -a a; do
		case ${a[0]} in
		cpu0 | cpu1) out+=${out:+,}$((a[1] + a[2] + a[3] + a[6] + a[7])),${a[8]} ;;
		esac
	done </proc/stat
	echo "$out"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# rotate N WORDS...: the words rotated left by N (round r starts with a
# different system, so no system is always first after a pause).
rotate() {
	local n=$1
	shift
	local a=("$@") k=${#a[@]} i
	for ((i = 0; i < k; i++)); do printf '%s ' "${a[(i + n) % k]}"; done
}

# ---------------------------------------------------------------- echo

# measure ROUND KIND WORKLOAD SERVER CONNS SIZE PIPELINE RATE DURATION
measure() {
	local round=$1 kind=$2 wl=$3 srv=$4 conns=$5 size=$6 pipe=$7 rate=$8 dur=$9
	local port=${PORT[$srv]} tag="$wl.$srv.r$round"
	local json=$RAW/$tag.json samples=$RAW/$tag.samples
	start_server "$srv" "$port" "$RAW/$tag.server.log"
	local pid=$SERVER_PID t0 c0 t1 c1 rc=0
	local args=(--addr "127.0.0.1:$port" --conns "$conns" --size "$size" --pipeline "$pipe" --duration "$dur" --warmup "$WARMUP")
	((rate > 0)) && args+=(--rate "$rate" --pipeline 1)
	t0=$EPOCHREALTIME c0=$(cpu_ticks "$pid")
	# Progress lines (one per second of the measured period, on stderr) are
	# stamped with the time and the server's CPU ticks as they arrive: the
	# first and last of them bound the window over which server CPU is
	# measured, well inside the generator's measured period.
	"${PRIO[@]}" taskset -c 1 "$BIN/netloop" bench echo --json "${args[@]}" 2>&1 >"$json" |
		while IFS= read -r line; do
			printf '%s %s %s %s\n' "$EPOCHREALTIME" "$(cpu_ticks "$pid")" "$(core_ticks)" "$line"
		done >"$samples" || rc=$?
	t1=$EPOCHREALTIME c1=$(cpu_ticks "$pid")
	stop_pid "$pid"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$round" "$kind" "$wl" "$srv" "$conns" "$size" "$pipe" "$rate" "$tag" "$t0" "$c0" "$t1" "$c1" "$rc" >>"$RAW/runs.tsv"
	if ((rc != 0)); then
		log "  $tag: generator exited $rc (see $json, $samples)"
	else
		log "  $tag: $(grep -o '"msgs_per_sec": [0-9.]*' "$json" | head -1)"
	fi
}

# Workloads: name conns size pipeline rate.
MAIN_WORKLOADS=(
	"pingpong-100x64 100 64 1 0"
	"pingpong-1000x512 1000 512 1 0"
	"pipelined-100x16x64 100 64 16 0"
	"fixedrate-100x64 100 64 1 RATE"
)
SWEEP_WORKLOADS=(
	"conns-10 10 64 1 0"
	"conns-100 100 64 1 0"
	"conns-1000 1000 64 1 0"
	"conns-10000 10000 64 1 0"
	"size-16 100 16 1 0"
	"size-256 100 256 1 0"
	"size-1024 100 1024 1 0"
	"size-4096 100 4096 1 0"
	"size-16384 100 16384 1 0"
	"size-65536 100 65536 1 0"
)

machine_info() {
	{
		echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "built: $(cat "$BIN/build.txt" 2>/dev/null || echo unknown)"
		echo "tree now: $(tree_state)"
		echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
		echo "cores: $(nproc)"
		echo "kernel: $(uname -sr)"
		echo "go: $(go version | awk '{print $3}')"
		echo "gcc: $(gcc -dumpfullversion 2>/dev/null || echo '?')"
		echo "netpoll: $(cd "$HERE" && go list -m -f '{{.Version}}' github.com/cloudwego/netpoll)"
		echo "clk_tck: $(getconf CLK_TCK)"
		echo "nice: $NICE"
		echo "loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$1"
}

cmd_echo() {
	local stamp
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	RAW=$RES/raw/echo-$stamp
	mkdir -p "$RAW"
	machine_info "$RAW/machine.txt"
	: >"$RAW/runs.tsv"
	local servers=($SERVERS) r w srv
	log "echo: $ROUNDS rounds x ${#MAIN_WORKLOADS[@]} workloads x ${#servers[@]} servers, ${DURATION} each; raw: $RAW"
	for ((r = 1; r <= ROUNDS; r++)); do
		for w in "${MAIN_WORKLOADS[@]}"; do
			read -r name conns size pipe rate <<<"${w/RATE/$RATE}"
			log "round $r/$ROUNDS: $name"
			for srv in $(rotate $((r - 1)) "${servers[@]}"); do
				measure "$r" main "$name" "$srv" "$conns" "$size" "$pipe" "$rate" "$DURATION"
			done
		done
	done
	if ((SWEEP)); then
		for ((r = 1; r <= SWEEP_ROUNDS; r++)); do
			for w in "${SWEEP_WORKLOADS[@]}"; do
				read -r name conns size pipe rate <<<"$w"
				log "sweep round $r/$SWEEP_ROUNDS: $name"
				for srv in $(rotate $((r - 1)) "${servers[@]}"); do
					measure "$r" sweep "$name" "$srv" "$conns" "$size" "$pipe" "$rate" "$SWEEP_DURATION"
				done
			done
		done
	fi
	"$PY" "$HERE/report.py" echo "$RAW" --csv "$RES/echo.csv" --md "$RES/echo.md"
	if "$PY" -c 'import matplotlib' 2>/dev/null; then
		"$PY" "$HERE/plot.py" "$RES/echo.csv" "$IMG"
	else
		log "no matplotlib: plots skipped"
	fi
	log "echo: wrote $RES/echo.md, $RES/echo.csv and plots in $IMG"
}

# ---------------------------------------------------------------- memory

# wait_ready FILE PID SECONDS: wait for idleconns to print its ready line.
wait_ready() {
	local f=$1 pid=$2 limit=$3 i
	for ((i = 0; i < limit * 10; i++)); do
		grep -q '^ready' "$f" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# sources FIRST COUNT: 127.0.0.FIRST .. 127.0.0.(FIRST+COUNT-1), comma-separated.
sources() {
	local i out=
	for ((i = $1; i < $1 + $2; i++)); do out+=${out:+,}127.0.0.$i; done
	echo "$out"
}

cmd_memory() {
	local stamp
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	RAW=$RES/raw/memory-$stamp
	mkdir -p "$RAW"
	machine_info "$RAW/machine.txt"
	log "ip_local_port_range: $(sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' '); connections are spread over several 127.0.0.x source IPs"
	local tsv=$RAW/memory.tsv n srv
	printf 'conns\tserver\tprocess\tconnected\trss_before_kib\trss_after_kib\n' >"$tsv"
	for n in $MEM_CONNS; do
		for srv in $MEM_SERVERS; do
			local port=${PORT[$srv]}
			start_server "$srv" "$port" "$RAW/$srv.$n.server.log"
			local spid=$SERVER_PID
			sleep 1
			local before after ipid
			before=$(rss_kib "$spid")
			taskset -c 1 "$BIN/idleconns" -addr "127.0.0.1:$port" -n "$n" -source "$(sources 2 4)" -hold 3m \
				>"$RAW/$srv.$n.idle.out" 2>"$RAW/$srv.$n.idle.err" &
			ipid=$!
			if wait_ready "$RAW/$srv.$n.idle.out" "$ipid" 150; then
				sleep 2 # let the server finish its last callbacks
				after=$(rss_kib "$spid")
				local ok
				ok=$(awk '/^ready/ {print $2}' "$RAW/$srv.$n.idle.out")
				printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$srv" 1 "$ok" "$before" "$after" >>"$tsv"
				log "  $srv $n conns: $(head -1 "$RAW/$srv.$n.idle.out"); RSS $before -> $after KiB = $(((after - before) * 1024 / (ok > 0 ? ok : 1))) B/conn"
			else
				log "  $srv $n conns: idleconns failed: $(cat "$RAW/$srv.$n.idle.err")"
			fi
			stop_pid "$ipid"
			stop_pid "$spid"
			sleep 1
		done
	done
	memory_heap "$(echo "$MEM_CONNS" | tr ' ' '\n' | sort -n | tail -1)"
	if ((BIG)); then
		memory_big "$tsv"
	fi
	"$PY" "$HERE/report.py" memory "$RAW" --md "$RES/memory.md"
	log "memory: wrote $RES/memory.md"
}

# memory_heap N: the same netloop echo handler in profserver, which prints
# the live Go heap after a forced GC on SIGUSR1: live bytes per connection,
# as opposed to RSS, which also holds the collector's headroom.
memory_heap() {
	local n=$1 port=${PORT[profserver]} pid ipid out=$RAW/profserver.heap.out
	port_free "$port" || die "port $port in use"
	taskset -c 0 env GOMAXPROCS=1 "$BIN/profserver" -addr "127.0.0.1:$port" -cpuprofile "" >"$out" 2>"$RAW/profserver.heap.log" &
	pid=$!
	wait_listen "$port" "$pid" 10 || die "profserver did not start"
	sleep 1
	kill -USR1 "$pid"
	sleep 0.5
	local before after
	before=$(rss_kib "$pid")
	taskset -c 1 "$BIN/idleconns" -addr "127.0.0.1:$port" -n "$n" -source "$(sources 2 4)" -hold 3m \
		>"$RAW/profserver.idle.out" 2>"$RAW/profserver.idle.err" &
	ipid=$!
	if wait_ready "$RAW/profserver.idle.out" "$ipid" 150; then
		sleep 2
		after=$(rss_kib "$pid")
		kill -USR1 "$pid"
		sleep 1
		local after_gc
		after_gc=$(rss_kib "$pid")
		echo "rss_kib before=$before after=$after after_gc=$after_gc" >"$RAW/profserver.heap.rss"
		log "  netloop (profserver) $n conns: $(grep memstats "$out" | tail -1)"
	fi
	stop_pid "$ipid"
	stop_pid "$pid"
}

# memory_big TSV: netloop at BIG_CONNS connections over BIG_PROCS
# `netloop echo --reuseport --loops 1` processes sharing one port. The hard
# limit of 20000 descriptors per process is why one process cannot do it,
# and why the load is spread so that none needs more than ~19,000.
memory_big() {
	local tsv=$1 port=17110 i pids=() ipids=() before=()
	log "netloop: $BIG_CONNS connections over $BIG_PROCS reuseport processes"
	port_free "$port" || die "port $port in use"
	for ((i = 0; i < BIG_PROCS; i++)); do
		taskset -c 0 env GOMAXPROCS=1 "$BIN/netloop" echo --addr "127.0.0.1:$port" --loops 1 --reuseport --log-level warn \
			>"$RAW/big.server$i.log" 2>&1 &
		pids+=($!)
	done
	sleep 1
	for i in "${!pids[@]}"; do
		kill -0 "${pids[$i]}" 2>/dev/null || die "reuseport server $i exited: $(cat "$RAW/big.server$i.log")"
		before+=("$(rss_kib "${pids[$i]}")")
	done
	local per=$(((BIG_CONNS + BIG_PROCS - 1) / BIG_PROCS)) left=$BIG_CONNS n
	for ((i = 0; i < BIG_PROCS && left > 0; i++)); do
		n=$((left < per ? left : per))
		left=$((left - n))
		# Two source IPs per generator process: ~8,300 ports of each.
		taskset -c 1 "$BIN/idleconns" -addr "127.0.0.1:$port" -n "$n" -source "$(sources $((10 + 2 * i)) 2)" -hold 5m \
			>"$RAW/big.idle$i.out" 2>"$RAW/big.idle$i.err" &
		ipids+=($!)
	done
	local okall=1
	for i in "${!ipids[@]}"; do
		wait_ready "$RAW/big.idle$i.out" "${ipids[$i]}" 300 || { okall=0; log "  idleconns $i: $(cat "$RAW/big.idle$i.err")"; }
	done
	sleep 2
	for i in "${!pids[@]}"; do
		local after conns
		after=$(rss_kib "${pids[$i]}")
		# Connections held = descriptors that are sockets, less the listener.
		conns=$(($(find "/proc/${pids[$i]}/fd" -lname 'socket:*' 2>/dev/null | wc -l) - 1))
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$BIG_CONNS" netloop-reuseport "$i" "$conns" "${before[$i]}" "$after" >>"$tsv"
		log "  process $i: $conns conns, RSS ${before[$i]} -> $after KiB"
	done
	((okall)) || log "  some generators failed; see $RAW/big.idle*.err"
	for i in "${ipids[@]}"; do stop_pid "$i"; done
	for i in "${pids[@]}"; do stop_pid "$i"; done
}

# ---------------------------------------------------------------- micro

cmd_micro() {
	local stamp
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	RAW=$RES/raw/micro-$stamp
	mkdir -p "$RAW"
	machine_info "$RAW/machine.txt"
	if [[ ! -x $BIN/benchstat ]]; then
		log "installing benchstat into $BIN"
		GOBIN=$BIN go install golang.org/x/perf/cmd/benchstat@latest
	fi
	local out=$RAW/micro.txt
	log "go test -bench . -benchmem -count $COUNT: ../buffer, the root package, bench/"
	(cd "$ROOT" && go test -run='^$' -bench . -benchmem -count "$COUNT" ./buffer .) >"$out" 2>&1 ||
		log "  root module benchmarks failed (see $out)"
	(cd "$HERE" && go test -run='^$' -bench . -benchmem -count "$COUNT" .) >>"$out" 2>&1 ||
		log "  bench/ benchmarks failed (see $out)"
	# Keep the previous run to compare against.
	[[ -f $RES/micro.txt ]] && cp "$RES/micro.txt" "$RES/micro-prev.txt"
	cp "$out" "$RES/micro.txt"
	{
		echo "Run $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(tree_state) (go test builds the tree as it is now)."
		echo
		echo '```'
		(cd "$RES" && "$BIN/benchstat" micro.txt)
		echo '```'
		if [[ -f $RES/micro-prev.txt ]]; then
			echo
			echo 'Against the previous run (micro-prev.txt):'
			echo
			echo '```'
			(cd "$RES" && "$BIN/benchstat" micro-prev.txt micro.txt) || true
			echo '```'
		fi
	} >"$RES/micro.md"
	log "micro: wrote $RES/micro.md"
}

# ---------------------------------------------------------------- callgrind

cmd_callgrind() {
	local stamp
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	RAW=$RES/raw/callgrind-$stamp
	mkdir -p "$RAW"
	machine_info "$RAW/machine.txt"
	local tsv=$RAW/callgrind.tsv srv
	printf 'server\tmsgs\tir\n' >"$tsv"
	for srv in $SERVERS; do
		local port=${PORT[$srv]} out=$RAW/callgrind.$srv.out
		# Asynchronous preemption signals only add noise under valgrind.
		port_free "$port" || die "port $port in use"
		# shellcheck disable=SC2046
		env GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
			$(server_cmd "$srv" "$port") >"$RAW/$srv.log" 2>&1 &
		local pid=$!
		wait_listen "$port" "$pid" 120 || { cat "$RAW/$srv.log" >&2; die "$srv under valgrind did not listen"; }
		# Warm up (first-touch page faults, buffer growth, lazy init), then
		# zero the counters, run exactly MSGS round trips, dump.
		"$BIN/pingpong" -addr "127.0.0.1:$port" -n 2000 >/dev/null
		callgrind_control --zero "$pid" >/dev/null
		"$BIN/pingpong" -addr "127.0.0.1:$port" -n "$MSGS" >"$RAW/$srv.pingpong.txt"
		callgrind_control --dump="measured" "$pid" >/dev/null
		sleep 1
		stop_pid "$pid"
		# The dump after --zero is the file with the "measured" trigger.
		local f ir=
		for f in "$out".*; do
			if grep -q '^desc: Trigger: .*measured' "$f" 2>/dev/null; then
				ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
				callgrind_annotate --inclusive=no --auto=no --threshold=100 "$f" 2>/dev/null | head -80 >"$RAW/$srv.annotate.txt" || true
			fi
		done
		printf '%s\t%s\t%s\n' "$srv" "$MSGS" "${ir:-}" >>"$tsv"
		log "  $srv: ${ir:-?} Ir for $MSGS round trips"
	done
	"$PY" "$HERE/report.py" callgrind "$RAW" --md "$RES/callgrind.md"
	log "callgrind: wrote $RES/callgrind.md"
}

# ---------------------------------------------------------------- profile

cmd_profile() {
	local stamp
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	RAW=$RES/raw/profile-$stamp
	mkdir -p "$RAW"
	machine_info "$RAW/machine.txt"
	local closed=(--conns 100 --size 64 --pipeline 1 --warmup 0 --duration "$DURATION")
	local fixed=(--conns 100 --size 64 --rate "$RATE" --warmup 0 --duration "$DURATION")
	local srv pid port load
	local events=raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_readv,syscalls:sys_enter_recvfrom,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendmsg,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_futex,syscalls:sys_enter_nanosleep,context-switches,task-clock
	for srv in $SERVERS; do
		port=${PORT[$srv]}
		# 1. Syscalls per message: perf counts syscall tracepoints at almost
		# no cost to the server (strace -c below stops it at every call).
		# Closed-loop ping-pong, then the same fixed rate for every server.
		for load in pingpong fixedrate; do
			local args=("${closed[@]}")
			[[ $load == fixedrate ]] && args=("${fixed[@]}")
			start_server "$srv" "$port" "$RAW/$srv.$load.perf.server.log"
			pid=$SERVER_PID
			perf stat -e "$events" -p "$pid" -o "$RAW/$srv.$load.perfstat.txt" &
			local ppid=$!
			sleep 0.3
			taskset -c 1 "$BIN/netloop" bench echo --json --quiet --addr "127.0.0.1:$port" "${args[@]}" >"$RAW/$srv.$load.perf.json" || true
			kill -INT "$ppid" 2>/dev/null || true
			wait "$ppid" 2>/dev/null || true
			stop_pid "$pid"
		done

		# 2. strace -c -f, as a cross-check on the syscall mix.
		start_server "$srv" "$port" "$RAW/$srv.strace.server.log"
		pid=$SERVER_PID
		strace -c -f -o "$RAW/$srv.strace.txt" -p "$pid" 2>"$RAW/$srv.strace.err" &
		local spid=$!
		sleep 0.5
		taskset -c 1 "$BIN/netloop" bench echo --json --quiet --addr "127.0.0.1:$port" "${closed[@]}" >"$RAW/$srv.strace.json" || true
		kill -INT "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		stop_pid "$pid"

		# 3. Where the CPU goes, kernel and user, by symbol (perf with
		# cpu-clock sampling, which works in this VM where hardware counters
		# do not).
		if [[ $srv == netloop || $srv == c ]]; then
			start_server "$srv" "$port" "$RAW/$srv.record.server.log"
			pid=$SERVER_PID
			perf record -e cpu-clock -F 2000 -g -p "$pid" -o "$RAW/$srv.perf.data" >/dev/null 2>&1 &
			local rpid=$!
			sleep 0.3
			taskset -c 1 "$BIN/netloop" bench echo --json --quiet --addr "127.0.0.1:$port" "${closed[@]}" >"$RAW/$srv.record.json" || true
			kill -INT "$rpid" 2>/dev/null || true
			wait "$rpid" 2>/dev/null || true
			stop_pid "$pid"
			perf report -i "$RAW/$srv.perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15 >"$RAW/$srv.perf.dso.txt" || true
			perf report -i "$RAW/$srv.perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 >"$RAW/$srv.perf.sym.txt" || true
		fi
		log "  $srv: perf stat, strace and perf record done"
	done

	# 4. Inside Go: a CPU profile of the same echo handler as `netloop echo`
	# (profserver), under ping-pong and pipelined load; then the allocation
	# count without the profiler.
	port=${PORT[profserver]}
	local w name pipe
	for w in "pingpong 1" "pipelined 16"; do
		read -r name pipe <<<"$w"
		port_free "$port" || die "port $port in use"
		taskset -c 0 env GOMAXPROCS=1 "$BIN/profserver" -addr "127.0.0.1:$port" -cpuprofile "$RAW/netloop.$name.pprof" \
			>"$RAW/profserver.$name.out" 2>"$RAW/profserver.$name.log" &
		pid=$!
		wait_listen "$port" "$pid" 10 || die "profserver did not start"
		taskset -c 1 "$BIN/netloop" bench echo --json --quiet --addr "127.0.0.1:$port" --conns 100 --size 64 \
			--pipeline "$pipe" --warmup 0 --duration "$DURATION" >"$RAW/profserver.$name.json" || true
		stop_pid "$pid"
		go tool pprof -top -nodecount=30 "$BIN/profserver" "$RAW/netloop.$name.pprof" >"$RAW/netloop.$name.top.txt" 2>/dev/null || true
		go tool pprof -top -cum -nodecount=30 "$BIN/profserver" "$RAW/netloop.$name.pprof" >"$RAW/netloop.$name.topcum.txt" 2>/dev/null || true
	done
	port_free "$port" || die "port $port in use"
	taskset -c 0 env GOMAXPROCS=1 "$BIN/profserver" -addr "127.0.0.1:$port" -cpuprofile "" \
		>"$RAW/profserver.allocs.out" 2>"$RAW/profserver.allocs.log" &
	pid=$!
	wait_listen "$port" "$pid" 10 || die "profserver did not start"
	taskset -c 1 "$BIN/netloop" bench echo --json --quiet --addr "127.0.0.1:$port" "${closed[@]}" >"$RAW/profserver.allocs.json" || true
	stop_pid "$pid"

	"$PY" "$HERE/report.py" profile "$RAW" --md "$RES/profile.md"
	log "profile: wrote $RES/profile.md"
}

# ---------------------------------------------------------------- main

case $CMD in
build) build ;;
echo) build && cmd_echo ;;
memory) build && cmd_memory ;;
micro) build && cmd_micro ;;
callgrind) build && cmd_callgrind ;;
profile) build && cmd_profile ;;
all) build && cmd_echo && cmd_memory && cmd_micro && cmd_callgrind && cmd_profile ;;
*) echo "run.sh: unknown command $CMD" >&2; usage 2 ;;
esac
