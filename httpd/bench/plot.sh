#!/usr/bin/env bash
# plot.sh results/X.csv > out.svg: bar charts (SVG, no dependencies) of the
# median requests/s and server CPU per request of each server, plain and
# pipelined, from a bench.sh results file.
set -euo pipefail
awk -F, '
NR > 1 {
	k = $2 SUBSEP $3; n[k]++; rps[k, n[k]] = $4; cpu[k, n[k]] = $7
	if (!($2 in sseen)) { sseen[$2] = 1; servers[++ns] = $2 }
	if (!($3 in mseen)) { mseen[$3] = 1; modes[++nm] = $3 }
}
function median(a, k, cnt,   i, j, t, v) {
	for (i = 1; i <= cnt; i++) v[i] = a[k, i]
	for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	return cnt % 2 ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2
}
function chart(title, which, unit, x0,   i, j, k, v, max, h, bw, x, y, fmt) {
	max = 0
	for (i = 1; i <= nm; i++) for (j = 1; j <= ns; j++) {
		k = servers[j] SUBSEP modes[i]
		if (!(k in n)) continue
		v = which == "rps" ? median(rps, k, n[k]) : median(cpu, k, n[k])
		val[i, j] = v; if (v + 0 > max) max = v
	}
	printf "<text x=\"%d\" y=\"20\" font-weight=\"bold\">%s</text>\n", x0 + 10, title
	bw = 22
	for (i = 1; i <= nm; i++) {
		x = x0 + 20 + (i - 1) * (ns * bw + 40)
		printf "<text x=\"%d\" y=\"290\">%s</text>\n", x, modes[i]
		for (j = 1; j <= ns; j++) {
			if (!((i, j) in val)) continue
			h = max > 0 ? 195 * val[i, j] / max : 0
			y = 265 - h
			printf "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", x + (j - 1) * bw, y, bw - 4, h, color[j]
			fmt = which == "rps" ? "%.0fk" : "%.1f"
			printf "<text x=\"%d\" y=\"%.1f\" font-size=\"9\">" fmt "</text>\n", x + (j - 1) * bw, y - 3, which == "rps" ? val[i, j] / 1000 : val[i, j]
		}
	}
	printf "<text x=\"%d\" y=\"40\" font-size=\"10\">%s</text>\n", x0 + 10, unit
	delete val
}
END {
	split("#1f77b4 #aec7e8 #ff7f0e #2ca02c #d62728 #9467bd", color, " ")
	w = 2 * (20 + nm * (ns * 22 + 40)) + 40
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"340\" font-family=\"sans-serif\" font-size=\"12\">\n", w
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	chart("requests/s (higher is better)", "rps", "median, wrk -t1 -c100", 0)
	chart("server CPU per request, us (lower is better)", "cpu", "user + system time / requests", w / 2)
	for (j = 1; j <= ns; j++) {
		printf "<rect x=\"%d\" y=\"310\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"321\">%s</text>\n", 10 + (j - 1) * 110, color[j], 26 + (j - 1) * 110, servers[j]
	}
	print "</svg>"
}' "$1"
