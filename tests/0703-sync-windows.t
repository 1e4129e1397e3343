#!/bin/sh
# #11.1 and #10.8 through dbx-insider-sync: a first snapshot read in windows completes although
# the whole read outlives a result's lifetime; kill -9 in the middle of a windowed snapshot,
# then the next run resumes at the first undelivered window of the same snapshot version and
# sends again at most one window; a dry run (also with --resnapshot) changes nothing under
# STATE_DIR but its own run directory; a state with two "version" keys is refused.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 29
windows_start "--chunk-rows 2 --result-ttl 1"
# every chunk and poll is a little slow: reading the whole snapshot takes longer than the
# result's lifetime (1 s); a window (about 10 rows, 5 chunks) does not
dbx_post /_emu/fault '{"kind":"slow","seconds":0.1,"count":1000000,"path_prefix":"/api/2.0/sql/statements/"}'
cp "$CONF" "$T/nowin.conf"
sed -i "s|^STATE_DIR=.*|STATE_DIR=$T/nowin|; s|^WINDOW_ROWS=.*|WINDOW_ROWS=100000|" "$T/nowin.conf"
printf 'WINDOW_KEY=none\n' >>"$T/nowin.conf"
check "#11.1 without windows the snapshot outlives its result: 75" 75 dbx-insider-sync "$T/nowin.conf"
check_err "#11.1 ... saying so" "expired"
check "#11.1 in windows the same snapshot completes in one run" 0 dbx-insider-sync "$CONF"
check_err "#11.1 checkpoint at the snapshot's version" "checkpoint 4"
[ "$(unique)" = 50 ]; ok $? "#11.1 Insider holds the 50 users"
jq -e '.version == 4 and (has("window") | not)' "$SD/state.json" >/dev/null; ok $? "#11.1 the state is the plain checkpoint again"

# kill -9 of everything in the middle of a windowed snapshot
SD2=$T/state2
sed "s|^STATE_DIR=.*|STATE_DIR=$SD2|" "$CONF" >"$T/k.conf"
ins_post /_emu/fault '{"kind":"slow","seconds":0.15,"count":1000000}'
dbx_post /_emu/reset '{}'
r0=$(received)
dbx-insider-sync "$T/k.conf" >/dev/null 2>k.err & sync=$!
i=0
while [ $i -lt 600 ] && ! jq -e '.window.done >= 2' "$SD2/progress.json" >/dev/null 2>&1; do sleep 0.05; i=$((i + 1)); done
jq -e '.window.version == 4 and .window.done >= 2' "$SD2/progress.json" >/dev/null; ok $? "#11.1 insider-push reports the windows delivered (progress: $(cat "$SD2/progress.json" 2>/dev/null))"
kill -9 $(ps -o pid= --ppid $sync) $sync 2>/dev/null
wait $sync 2>/dev/null
sleep 0.3
r1=$(received)
[ ! -e "$SD2/state.json" ]; ok $? "#11.1 killed before any settle: no checkpoint yet"
check "#11.1 the next run" 0 dbx-insider-sync "$T/k.conf"
check_err "#11.1 resumes at the first undelivered window of the same snapshot" "resuming the snapshot at version 4 at window"
done_w=$(sed -n 's/.*resuming the snapshot at version 4 at window \([0-9]*\) of 5.*/\1/p' err)
[ "${done_w:-0}" -ge 3 ]; ok $? "#11.1 ... after the two windows delivered (window ${done_w:-?} of 5)"
r2=$(received)
maxw=$(dbx_post /_emu/reset '{}'; DATABRICKS_HOST=http://127.0.0.1:$DPORT DATABRICKS_TOKEN=dapi-test-token DATABRICKS_WAREHOUSE_ID=abcdef1234567890 \
	dbx-cdf-read --snapshot --window-rows 10 --window-key email main.win.users 2>/dev/null | jq -s 'group_by(._window) | map(length) | max')
resent=$((r2 - r0 - 50))
[ "$resent" -le "$maxw" ]; ok $? "#11.1 sent again: $resent users, at most one window ($maxw)"
[ "$(unique)" = 50 ]; ok $? "#11.1 nothing missing"
jq -e '.version == 4' "$SD2/state.json" >/dev/null; ok $? "#11.1 checkpoint at version 4"
python3 -c 'import sys,urllib.request as u; u.urlopen(u.Request(sys.argv[1], method="DELETE")).read()' "http://127.0.0.1:$IPORT/_emu/fault"
dbx_post /_emu/reset '{}'

# the same inside one big version of the changes: version 5 updates the 50 users (100 change
# rows, 50 after dropping the preimages): 10 windows of the email key
python3 -c 'import json
c = {"version": 5, "timestamp": "2026-11-21T00:04:00Z", "operation": "UPDATE", "update": [
    {"before": {"user_id": i, "email": "u%04d@example.com" % i, "first_name": "User%d" % i, "tier": t},
     "after": {"user_id": i, "email": "u%04d@example.com" % i, "first_name": "New%d" % i, "tier": "platinum"}}
    for i, t in [(i, "gold" if i <= 30 else "bronze") for i in range(1, 51)]]}
print(json.dumps({"table": "main.win.users", "commit": c}))' >v5.json
dbx_post /_emu/commit "$(cat v5.json)"
ins_post /_emu/fault '{"kind":"slow","seconds":0.15,"count":1000000}'
r0=$(received)
dbx-insider-sync "$T/k.conf" >/dev/null 2>k2.err & sync=$!
i=0
while [ $i -lt 600 ] && ! jq -e '.window.version == 5 and .window.done >= 3' "$SD2/progress.json" >/dev/null 2>&1; do sleep 0.05; i=$((i + 1)); done
kill -9 $(ps -o pid= --ppid $sync) $sync 2>/dev/null
wait $sync 2>/dev/null
sleep 0.3
check "#11.1 after kill -9 inside a big version, the next run" 0 dbx-insider-sync "$T/k.conf"
check_err "#11.1 resumes inside that version" "resuming version 5 at window"
done_w=$(sed -n 's/.*resuming version 5 at window \([0-9]*\) of 10.*/\1/p' err)
[ "${done_w:-0}" -ge 4 ]; ok $? "#11.1 ... after the windows delivered (window ${done_w:-?} of 10)"
r2=$(received)
maxw=$(DATABRICKS_HOST=http://127.0.0.1:$DPORT DATABRICKS_TOKEN=dapi-test-token DATABRICKS_WAREHOUSE_ID=abcdef1234567890 \
	dbx-cdf-read --from-version 5 --window-rows 10 --window-key email main.win.users 2>/dev/null | jq -s 'group_by(._window) | map(length) | max')
resent=$((r2 - r0 - 50))
[ "$resent" -le "$maxw" ]; ok $? "#11.1 sent again: $resent users, at most one window ($maxw)"
[ "$(ins_get /_emu/users | jq '[.users[] | select(.attributes.name | startswith("New"))] | length')" = 50 ]; ok $? "#11.1 every user has the new name"
jq -e '.version == 5 and (has("window") | not)' "$SD2/state.json" >/dev/null; ok $? "#11.1 checkpoint at version 5"
python3 -c 'import sys,urllib.request as u; u.urlopen(u.Request(sys.argv[1], method="DELETE")).read()' "http://127.0.0.1:$IPORT/_emu/fault"
dbx_post /_emu/reset '{}'
check "the first integration catches up" 0 dbx-insider-sync "$CONF"

# #10.8 a dry run, even with --resnapshot, leaves STATE_DIR as it was
tree() { (cd "$SD" && find . -path ./runs -prune -o -type f ! -name lock -print | sort | while read -r f; do printf '%s ' "$f"; cksum <"$f"; done); }
tree >before
n1=$(ins_get /_emu/stats | jq .requests)
check "#10.8 dry run with --resnapshot" 0 dbx-insider-sync --dry-run --resnapshot "$CONF"
tree >after
same before after; ok $? "#10.8 nothing under STATE_DIR changed but the run's directory"
[ "$(jq -s '[.[].users | length] | add' "$(last_run)/requests.ndjson")" = 50 ]; ok $? "#10.8 the dry run read the snapshot (request bodies kept)"
check "#10.8 the next real run" 0 dbx-insider-sync "$CONF"
check_err "#10.8 ... is up to date: nothing sent again" "up to date at version 5"
[ "$(ins_get /_emu/stats | jq .requests)" = "$n1" ]; ok $? "#10.8 no request to Insider"

# #10.8 one parser: a state with two "version" keys
printf '{"table":"main.win.users","version":5,"version":1}\n' >"$SD/state.json"
check "#10.8 a state with two version keys is refused" 78 dbx-insider-sync "$CONF"
check_err "#10.8 ... with the key named" 'key "version" appears twice'
done_testing
