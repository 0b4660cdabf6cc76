# lib.bash: what bench.sh and pair.sh share. Source it; it sets nothing
# but these functions.

# wait_ready NAME: wait up to 5 s for the server on 127.0.0.1:$PORT to
# answer GET /; fail with NAME in the message if it does not.
wait_ready() {
	for _ in $(seq 100); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then return; fi
		sleep 0.05
	done
	echo "$(basename "$0"): $1 did not start" >&2
	exit 1
}

# cpu_ticks PID: user+system clock ticks of the process and its children.
cpu_ticks() {
	local total=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		[ -r "/proc/$p/stat" ] || continue
		total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo $total
}

# cpu_stat: the machine's steal and total clock ticks (/proc/stat). Steal
# is time the hypervisor gave another guest: a round with much of it is
# not a fair comparison.
cpu_stat() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t}' /proc/stat; }

# steal_pct STEAL0 TOTAL0 STEAL1 TOTAL1: the share of the time between two
# cpu_stat readings that was stolen, in percent.
steal_pct() { awk -v s=$(($3 - $1)) -v t=$(($4 - $2)) 'BEGIN {printf "%.1f", (t > 0 ? 100 * s / t : 0)}'; }
