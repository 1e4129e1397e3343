# Big reads in windows (#11.1): a BENCH_WINDOW_ROWS-row snapshot (default 10,000,000) of the
# Databricks emulator with a result lifetime of 60 s, read by dbx-cdf-read in windows of a
# tenth of the rows (one statement each, pmod(hash(user_id), 10) = b); time and peak RSS. Then
# the whole sync of it to the Insider emulator (fast mode), kill -9 of every stage once 70% of
# the users arrived, and the next run: it resumes at the first undelivered window and sends
# again at most one window.
. "$ROOT/scripts/bench-lib.sh"
N=${BENCH_WINDOW_ROWS:-10000000}
WR=$((N / 10))
W=$(mktemp -d)
pids=
cleanup80() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup80 EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
	i=0
	until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 200 ] || return 1; sleep 0.05
	done
}
received() { python3 -c 'import json,sys,urllib.request as u; print(json.loads(u.urlopen(sys.argv[1]).read())["users_received"])' "http://127.0.0.1:$IP/_emu/stats"; }
DP=$(port) IP=$(port)
python3 "$ROOT/tests/emu/dbx_emu.py" --port "$DP" --tables "$W" --synthetic-rows "$N" \
	--synthetic-chunk-rows 20000 --result-ttl 60 >"$W/dbx.log" 2>&1 &
pids="$pids $!"
python3 "$ROOT/tests/emu/insider_emu.py" --port "$IP" --fast --rate-per-minute 10000000 >"$W/ins.log" 2>&1 &
pids="$pids $!"
wait_port "$DP" && wait_port "$IP" || { echo "bench: emulators did not start" >&2; exit 1; }
for v in $(env | sed -n 's/^\(DATABRICKS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export DATABRICKS_HOST=http://127.0.0.1:$DP DATABRICKS_TOKEN=dapi-test-token DATABRICKS_WAREHOUSE_ID=abcdef1234567890
T=main.bench.events
table_head "dbx-cdf-read --snapshot in windows: $N rows, windows of $WR rows, result lifetime 60 s (emulator)"
measure "dbx-cdf-read --snapshot --window-key user_id --window-rows $WR" "$N" 0 \
	"dbx-cdf-read --msgpack --snapshot --window-key user_id --window-rows $WR $T >/dev/null 2>$W/read.err"
grep -c 'expired' "$W/read.err" | awk '{ printf "\nresults that expired and were executed again: %s\n", $1 }'
# the sync, killed at 70%, then the rerun
cat >"$W/b.conf" <<EOC
TABLE=$T
MAPPING=$ROOT/scripts/bench.d/sync-mapping.json
STATE_DIR=$W/state
DATABRICKS_HOST=http://127.0.0.1:$DP
DATABRICKS_WAREHOUSE_ID=abcdef1234567890
DATABRICKS_TOKEN=dapi-test-token
INSIDER_API_URL=http://127.0.0.1:$IP
INSIDER_PARTNER_NAME=dbxitest
INSIDER_API_TOKEN=ins-test-token
WINDOW_ROWS=$WR
WINDOW_KEY=user_id
READ_COLUMNS=all
EOC
# (READ_COLUMNS=all: the emulator's synthetic table serves whole rows only)
unset DATABRICKS_HOST DATABRICKS_TOKEN DATABRICKS_WAREHOUSE_ID
dbx-insider-sync "$W/b.conf" >/dev/null 2>"$W/k1.err" & sync=$!
target=$((N * 7 / 10))
while kill -0 $sync 2>/dev/null && [ "$(received)" -lt "$target" ]; do sleep 0.2; done
kill -9 $(ps -o pid= --ppid $sync) $sync 2>/dev/null
wait $sync 2>/dev/null
r1=$(received)
t0=$(date +%s)
dbx-insider-sync "$W/b.conf" >/dev/null 2>"$W/k2.err"
rc=$?
t1=$(date +%s)
r2=$(received)
printf '\nkill -9 of the sync at %s of %s users received; the rerun (exit %s, %s s): %s\n' "$r1" "$N" "$rc" "$((t1 - t0))" \
	"$(sed -n 's/.*\(resuming the snapshot at version [0-9]* at window [0-9]* of [0-9]*\).*/\1/p' "$W/k2.err" | head -n 1)"
printf 'users sent again: %s (a window: %s rows); results that expired and were read again: %s before the kill, %s in the rerun\n' \
	"$((r2 - N))" "$WR" "$(grep -c 'expired after' "$W/k1.err")" "$(grep -c 'expired after' "$W/k2.err")"
[ "$rc" -eq 0 ] || { echo "bench: the rerun failed:" >&2; cat "$W/k1.err" "$W/k2.err" >&2; exit 1; }
