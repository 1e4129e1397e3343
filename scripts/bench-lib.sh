# scripts/bench-lib.sh: sourced by scripts/bench.d/*.sh. Measures commands and prints
# Markdown table rows. Environment from scripts/bench: BENCH_DATA (folder of generated data:
# cdf.ndjson, cdf.msgpack), BENCH_ROWS, ROOT, BIN (fresh binaries, also first on PATH).
# measure LABEL ROWS BYTES CMD: runs `sh -c CMD` once under /usr/bin/time; prints
#   | LABEL | seconds | rows/s | MB/s | peak RSS (MB) |
# and sets LAST_SECONDS / LAST_RATE. Fails loudly when CMD fails.
measure() {
	label=$1 rows=$2 bytes=$3
	shift 3
	tf=$(mktemp)
	if ! /usr/bin/time -f '%e %M' -o "$tf" sh -c "$*"; then
		echo "bench: command failed: $*" >&2
		rm -f "$tf"
		return 1
	fi
	set -- $(tail -n 1 "$tf")
	rm -f "$tf"
	LAST_SECONDS=$1
	LAST_RATE=$(awk -v r="$rows" -v s="$1" 'BEGIN { printf "%d", (s > 0 ? r / s : 0) }')
	awk -v l="$label" -v r="$rows" -v b="$bytes" -v s="$1" -v m="$2" 'BEGIN {
		if (s <= 0) s = 0.001
		printf "| %s | %.2f | %d | %.1f | %.1f |\n", l, s, r / s, b / s / 1e6, m / 1024 }'
}
# table_head TITLE: a section title and the table header measure() rows go under.
table_head() {
	printf '\n### %s\n\n| command | seconds | rows/s | MB/s | peak RSS (MB) |\n|---|---:|---:|---:|---:|\n' "$1"
}
# ratio NAME A B: "NAME: A/B = x.y"
ratio() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%s: %.1fx\n", n, a / b }'; }
