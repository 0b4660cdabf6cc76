# callgrind.bash: the steps every */bench/callgrind.sh takes, sourced by
# them. A server runs under valgrind's callgrind with instrumentation off,
# so that start-up and warm-up are not counted; instrumentation is on only
# while the measured load runs; the total of instructions is read from the
# dump. GODEBUG=asyncpreemptoff=1: callgrind 3.19 aborts on the Go
# runtime's preemption signal. GOMAXPROCS=1: one core, as in the timed
# benchmarks (C servers ignore it).

CG_PID=

# cg_start DIR CMD...: start CMD under callgrind, dump and log in DIR.
cg_start() {
	local dir=$1
	shift
	rm -f "$dir/cg.out"*
	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$dir/cg.out" "$@" >/dev/null 2>"$dir/valgrind.log" &
	CG_PID=$!
}

# cg_measure CMD...: run CMD (its output passes through) with
# instrumentation on, then dump the counts.
cg_measure() {
	callgrind_control -i on "$CG_PID" >/dev/null 2>&1
	"$@"
	callgrind_control -i off "$CG_PID" >/dev/null 2>&1
	callgrind_control -d "$CG_PID" >/dev/null 2>&1
}

# cg_stop: stop the server, and wait for it. Call it from the shell that
# called cg_start (not in a $(...)), which alone can wait for it.
cg_stop() {
	kill "$CG_PID" 2>/dev/null || true
	wait "$CG_PID" 2>/dev/null || true
	CG_PID=
}

# cg_total DIR: print the instructions counted, or print valgrind's log to
# stderr and fail.
cg_total() {
	local ir
	ir=$(callgrind_annotate "$1/cg.out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
	if [ -z "$ir" ]; then
		echo "callgrind: no count; valgrind said:" >&2
		tail -20 "$1/valgrind.log" >&2
		return 1
	fi
	echo "$ir"
}
