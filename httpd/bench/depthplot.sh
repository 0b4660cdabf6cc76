#!/usr/bin/env bash
# depthplot.sh results/pair-X.csv results/pair-Y-d2.csv ... > out.svg: the
# charts of plot.sh for pair.sh runs at several pipeline depths (DEPTH),
# one group of bars per depth, read from each file's -dN suffix (none: 1).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo "round,server,mode,requests_per_s,p50_us,p99_us,cpu_us_per_req" >"$tmp"
for f in "$@"; do
	f=${f#httpd/bench/}
	depth=1
	if [[ $f =~ -d([0-9]+)\.csv$ ]]; then depth=${BASH_REMATCH[1]}; fi
	awk -F, -v mode="$depth per write" 'NR > 1 {print $1 "," $2 "," mode "," $4 ",,," $3}' "$f" >>"$tmp"
done
./plot.sh "$tmp"
