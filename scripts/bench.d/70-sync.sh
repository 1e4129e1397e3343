# The whole sync: BENCH_ROWS change rows from the Databricks emulator (EXTERNAL_LINKS chunks,
# pre-rendered chunk bodies) to the Insider sink (build/tests/ins_sink, a small C server that
# counts users and checks each arrives once without parsing every body as JSON), through
# dbx-cdf-read | row-map | validate | insider-push with MessagePack between stages, as
# dbx-insider-sync runs them; CPU seconds and peak RSS per stage. Next to it, the shell
# baseline a user would write: curl to the Statement Execution API, gojq to map the rows,
# split + parallel + curl to post batches of 1,000 with 4 in flight.
. "$ROOT/scripts/bench-lib.sh"
N=$BENCH_ROWS
W=$(mktemp -d)
pids=
cleanup70() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup70 EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
	i=0
	until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 200 ] || return 1; sleep 0.05
	done
}
sink_reset() { python3 -c 'import sys,urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=b"{}", method="POST")).read()' "http://127.0.0.1:$IP/_emu/reset"; }
stats() { python3 -c 'import sys,urllib.request as u; print(u.urlopen(sys.argv[1]).read().decode())' "http://127.0.0.1:$IP/_emu/stats"; }
DP=$(port) IP=$(port)
python3 "$ROOT/tests/emu/dbx_emu.py" --port "$DP" --tables "$W" --synthetic-rows "$N" --synthetic-chunk-rows 20000 >"$W/dbx.log" 2>&1 &
dbxpid=$!
pids="$pids $!"
"$ROOT/build/tests/ins_sink" "$IP" >"$W/ins.log" 2>&1 &
inspid=$!
pids="$pids $!"
wait_port "$DP" && wait_port "$IP" || { echo "bench: emulators did not start" >&2; exit 1; }
# cpu PID: CPU seconds (user + system) a process has used so far
cpu() { awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"; }
# the synthetic table renders its chunk templates once, at start: warm-up reads (the changes,
# and the snapshot the dbx-insider-sync run reads) wait for that, so the figures below are the
# emulator serving pre-rendered bytes
export DATABRICKS_HOST=http://127.0.0.1:$DP DATABRICKS_TOKEN=dapi-test-token DATABRICKS_WAREHOUSE_ID=abcdef1234567890
export INSIDER_API_URL=http://127.0.0.1:$IP INSIDER_PARTNER_NAME=dbxitest INSIDER_API_TOKEN=ins-test-token
export DBXI_WIRE=msgpack
M=$ROOT/scripts/bench.d/sync-mapping.json
T='/usr/bin/time -f "%U %S %M"'

printf '\n### The whole sync: %s change rows, Databricks emulator -> Insider emulator\n\n' "$N"
{ dbx-cdf-read --msgpack --from-version 1 --to-version 1 main.bench.events >/dev/null &&
	dbx-cdf-read --msgpack --snapshot main.bench.events >/dev/null; } 2>"$W/warm" ||
	{ echo "bench: the warm-up read failed:" >&2; cat "$W/warm" >&2; exit 1; }
c0d=$(cpu $dbxpid) c0i=$(cpu $inspid)
start=$(date +%s.%N)
sh -c "$T -o $W/t1 dbx-cdf-read --from-version 1 --to-version 1 main.bench.events 2>$W/e1 |
	$T -o $W/t2 row-map -m $M --rejects $W/rej 2>$W/e2 |
	$T -o $W/t3 validate --rejects $W/rej 2>$W/e3 |
	$T -o $W/t4 insider-push --concurrency 4 --rejects $W/rej >/dev/null 2>$W/e4" || {
	echo "bench: the pipeline failed:" >&2; cat "$W"/e? >&2; exit 1; }
end=$(date +%s.%N)
c1d=$(cpu $dbxpid) c1i=$(cpu $inspid)
ours=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
st=$(stats)
recv=$(printf '%s' "$st" | jq .users_received) dup=$(printf '%s' "$st" | jq .duplicate_users)
rej=0; [ ! -f "$W/rej" ] || rej=$(wc -l <"$W/rej")
echo "| stage | CPU seconds (user+sys) | of which sys | CPU s per 1M rows | target per 1M rows (issue 14) | peak RSS (MB) |"
echo "|---|---:|---:|---:|---:|---:|"
i=1 stages=0
for s in dbx-cdf-read row-map validate insider-push; do
	set -- $(tail -n 1 "$W/t$i")
	tgt=$(echo "1.6 1.6 1.4 1.4" | cut -d' ' -f$i)
	awk -v s="$s" -v u="$1" -v y="$2" -v m="$3" -v n="$N" -v t="$tgt" 'BEGIN {
		printf "| %s | %.2f | %.2f | %.2f | <= %s | %.1f |\n", s, u + y, y, (u + y) * 1e6 / n, t, m / 1024 }'
	stages=$(awk -v a="$stages" -v u="$1" -v y="$2" 'BEGIN { printf "%.2f", a + u + y }')
	i=$((i + 1))
done
awk -v s="$stages" -v n="$N" 'BEGIN { printf "| **the four stages** | **%.2f** | | **%.2f** | **<= 6** | |\n", s, s * 1e6 / n }'
emu=$(awk -v a="$c0d" -v b="$c1d" -v c="$c0i" -v d="$c1i" 'BEGIN { printf "%.2f", (b - a) + (d - c) }')
echo "| Databricks emulator (python, pre-rendered chunks) | $(awk -v a="$c0d" -v b="$c1d" 'BEGIN { printf "%.2f", b - a }') | | | | |"
echo "| Insider sink (C) | $(awk -v a="$c0i" -v b="$c1i" 'BEGIN { printf "%.2f", b - a }') | | | | |"
awk -v e="$emu" -v s="$stages" 'BEGIN { printf "\nemulators: %.2f CPU s, %.0f%% of the stages (target < 25%%)\n", e, (s > 0 ? 100 * e / s : 0) }'
echo
awk -v n="$N" -v s="$ours" -v r="$recv" -v d="$dup" -v j="$rej" 'BEGIN {
	printf "dbx-insider pipeline: %.2f s, %d rows/s end to end; Insider received %d users (%d duplicates), %d rejected with reasons\n", s, n / s, r, d, j }'
grep -h 'insider-push:\|validate:' "$W/e3" "$W/e4" | sed 's/^/    /'

# the same table through dbx-insider-sync, as a user runs it: its first run (a snapshot of the
# table, with the lock, the state, the logs, the run's files and the checkpoint), from scratch
sink_reset
cat >"$W/s.conf" <<EOC
TABLE=main.bench.events
MAPPING=$M
STATE_DIR=$W/state
DATABRICKS_HOST=$DATABRICKS_HOST
DATABRICKS_WAREHOUSE_ID=$DATABRICKS_WAREHOUSE_ID
DATABRICKS_TOKEN=$DATABRICKS_TOKEN
INSIDER_API_URL=$INSIDER_API_URL
INSIDER_PARTNER_NAME=$INSIDER_PARTNER_NAME
INSIDER_API_TOKEN=$INSIDER_API_TOKEN
READ_COLUMNS=all
EOC
# (READ_COLUMNS=all: the emulator's synthetic table serves whole rows only)
(
	unset DATABRICKS_HOST DATABRICKS_TOKEN DATABRICKS_WAREHOUSE_ID INSIDER_API_URL INSIDER_PARTNER_NAME INSIDER_API_TOKEN DBXI_WIRE
	/usr/bin/time -f '%e %U %S' -o "$W/ts" dbx-insider-sync "$W/s.conf" >/dev/null 2>"$W/es"
) || { echo "bench: dbx-insider-sync failed:" >&2; cat "$W/es" >&2; exit 1; }
set -- $(tail -n 1 "$W/ts")
wrap=$1
st=$(stats)
awk -v n="$N" -v s="$1" -v u="$2" -v y="$3" -v r="$(printf '%s' "$st" | jq .users_received)" \
    -v d="$(printf '%s' "$st" | jq .duplicate_users)" 'BEGIN {
	printf "dbx-insider-sync (the same table, a first run: snapshot, lock, state, logs, checkpoint): %.2f s, %d rows/s end to end, %.2f CPU s in all its processes (%.2f per 1M rows); Insider received %d users (%d duplicates)\n", s, n / s, u + y, (u + y) * 1e6 / n, r, d }'
grep -h 'dbx-insider-sync: .*rows read' "$W/es" | tail -n 1 | sed 's/^/    /'

[ -z "${BENCH_NO_BASELINE:-}" ] || exit 0
# the shell baseline
sink_reset
start=$(date +%s.%N)
H="Authorization: Bearer $DATABRICKS_TOKEN"
B=$DATABRICKS_HOST/api/2.0/sql/statements
curl -sf -H "$H" -H 'Content-Type: application/json' -o "$W/stmt.json" -d '{"warehouse_id":"abcdef1234567890","statement":"SELECT * FROM table_changes('"'"'`main`.`bench`.`events`'"'"', 1, 1) ORDER BY _commit_version","format":"JSON_ARRAY","disposition":"EXTERNAL_LINKS","wait_timeout":"30s"}' "$B/"
id=$(jq -r .statement_id "$W/stmt.json")
n=$(jq -r .manifest.total_chunk_count "$W/stmt.json")
mkdir -p "$W/parts"
i=0
while [ $i -lt "$n" ]; do
	link=$(curl -sf -H "$H" "$B/$id/result/chunks/$i" | jq -r '.external_links[0].external_link')
	curl -sf "$link"
	i=$((i + 1))
done | gojq -c '.[] | {identifiers: {email: .[2], custom: {customer_id: .[1]}},
	attributes: {email: .[2], phone_number: .[3], name: .[4], surname: .[5],
	  email_optin: (.[16] == "true"), country: .[12], birthday: (.[17] + "T00:00:00Z")},
	events: [{event_name: .[6], timestamp: .[7], event_params: {product_id: .[8], name: .[9],
	  taxonomy: (.[10] | fromjson), currency: .[11], quantity: (.[13] | tonumber),
	  unit_price: (.[14] | tonumber), unit_sale_price: (.[14] | tonumber), event_group_id: .[0]}}]}' |
	split -l 1000 - "$W/parts/p."
ls "$W"/parts/p.* | parallel -j4 "gojq -sc '{users: .}' {} | curl -sf -o /dev/null -H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' --data-binary @- $INSIDER_API_URL/api/user/v1/upsert"
end=$(date +%s.%N)
base=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
st=$(stats)
recv=$(printf '%s' "$st" | jq .users_received)
awk -v n="$N" -v s="$base" -v r="$recv" 'BEGIN {
	printf "shell baseline (curl + gojq + split + parallel + curl): %.2f s, %d rows/s end to end; Insider received %d users (no validation, no rejects, no checkpoint; gojq turns the 64-bit ids to strings as given)\n", s, n / s, r }'
awk -v a="$ours" -v b="$base" -v w="$wrap" 'BEGIN { printf "dbx-insider vs the shell baseline: %.1fx (the pipeline), %.1fx (dbx-insider-sync)\n", b / a, b / w }'
