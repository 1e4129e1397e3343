# dbx-cdf-read against the Databricks emulator: BENCH_ROWS change rows of main.bench.events
# (23 columns of every common type) served as EXTERNAL_LINKS JSON_ARRAY chunks of 20000 rows.
# Time is from the first request (the process start) to the last record; peak RSS shows the
# memory bound (two chunks: the one written and the next link fetched ahead), which does not
# grow with the number of rows.
. "$ROOT/scripts/bench-lib.sh"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
python3 "$ROOT/tests/emu/dbx_emu.py" --port "$port" --synthetic-rows "$BENCH_ROWS" \
	--synthetic-chunk-rows 20000 2>"$tmp/emu.err" &
emu=$!
trap 'kill $emu 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$port" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "bench: the emulator did not start" >&2; cat "$tmp/emu.err" >&2; exit 1; }
	sleep 0.05
done
for v in $(env | sed -n 's/^\(DATABRICKS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
DATABRICKS_HOST=http://127.0.0.1:$port DATABRICKS_CLIENT_ID=dbxi-test-client
DATABRICKS_CLIENT_SECRET=dbxi-test-secret DATABRICKS_WAREHOUSE_ID=abcdef1234567890
HOME=$tmp
export DATABRICKS_HOST DATABRICKS_CLIENT_ID DATABRICKS_CLIENT_SECRET DATABRICKS_WAREHOUSE_ID HOME
T=main.bench.events
# warm-up (the emulator renders its chunk templates), the output sizes, and exactness (#14.2):
# the chunk scanner and the direct MessagePack writer give the bytes of the generic parser and
# record builder (DBXI_DBX_GENERIC=1), in both forms
dbx-cdf-read --from-version 1 $T 2>/dev/null | cksum >"$tmp/jb"
dbx-cdf-read --msgpack --from-version 1 $T 2>/dev/null | cksum >"$tmp/mb"
DBXI_DBX_GENERIC=1 dbx-cdf-read --from-version 1 $T 2>/dev/null | cksum >"$tmp/jg"
DBXI_DBX_GENERIC=1 dbx-cdf-read --msgpack --from-version 1 $T 2>/dev/null | cksum >"$tmp/mg"
for f in j m; do
	if ! cmp -s "$tmp/${f}b" "$tmp/${f}g"; then
		echo "bench: dbx-cdf-read: the fast path's output differs from the generic one ($f)" >&2
		exit 1
	fi
done
jb=$(cut -d' ' -f2 "$tmp/jb") mb=$(cut -d' ' -f2 "$tmp/mb")
table_head "dbx-cdf-read, $BENCH_ROWS change rows x 23 columns, EXTERNAL_LINKS chunks of 20000 rows (emulator on the other core)"
measure "dbx-cdf-read (table_changes -> JSON)" "$BENCH_ROWS" "$jb" "dbx-cdf-read --from-version 1 $T >/dev/null 2>&1"
measure "dbx-cdf-read --msgpack (table_changes -> MessagePack)" "$BENCH_ROWS" "$mb" "dbx-cdf-read --msgpack --from-version 1 $T >/dev/null 2>&1"
measure "dbx-cdf-read --snapshot (VERSION AS OF -> JSON)" "$BENCH_ROWS" "$jb" "dbx-cdf-read --snapshot $T >/dev/null 2>&1"
# the tool's own CPU (user+sys, the emulator not counted), the least of three runs
cpu=$(for i in 1 2 3; do
	/usr/bin/time -f '%U %S' sh -c "dbx-cdf-read --msgpack --from-version 1 $T >/dev/null 2>/dev/null" 2>&1 |
		tail -n 1
done | awk '{ c = $1 + $2; if (NR == 1 || c < m) m = c } END { printf "%.2f", m }')
cpuline="dbx-cdf-read --msgpack CPU: $cpu s for $BENCH_ROWS rows ($(awk -v c="$cpu" -v r="$BENCH_ROWS" \
	'BEGIN { printf "%.2f", c * 1000000 / r }') s per million; target <= 1.6)"
small=$((BENCH_ROWS / 10))
curl -sf -o /dev/null -X POST --data-binary "{\"rows\":$small}" "$DATABRICKS_HOST/_emu/synthetic"
dbx-cdf-read --from-version 1 $T >/dev/null 2>&1
measure "dbx-cdf-read, a tenth of the rows (RSS does not grow with the rows)" "$small" "$((jb / 10))" "dbx-cdf-read --from-version 1 $T >/dev/null 2>&1"
echo
echo "$cpuline"
