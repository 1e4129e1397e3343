#!/bin/sh
# dbx-insider-sync monitoring and operations (#12 §5): Prometheus textfile metrics in
# METRICS_DIR, ON_FAILURE with the run's facts and no secret, the run id and table on every
# reject line, --status over a folder of configs, --replay of a hand-fixed rejects file.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 45
sync_start
printf 'METRICS_DIR=metrics\nON_FAILURE=env >%s/hook.env; echo hook ran\n' "$T" >>"$CONF"

check "#12 §5 a run with METRICS_DIR" 0 dbx-insider-sync "$CONF"
r=$(last_run); run=$(basename "$r")
prom=$T/metrics/dbx_insider_sync_orders.prom
python3 "$DATA/sync/prom-check.py" "$prom" >samples; st=$?
[ $st -eq 0 ]; ok $? "#12 §5 metrics: valid exposition format (HELP, TYPE, samples, escapes)"
l='integration=orders,table=main.shop.orders'
grep -qx "dbx_insider_sync_last_run_exit_code{$l} 0" samples; ok $? "#12 §5 metrics: last run's exit"
grep -qx "dbx_insider_sync_last_run_rows_read{$l} 6" samples; ok $? "#12 §5 metrics: rows read"
grep -qx "dbx_insider_sync_last_run_delivered{$l} 4" samples; ok $? "#12 §5 metrics: delivered"
grep -qx "dbx_insider_sync_last_run_rejected{$l,stage=validate,rule=attribute-email} 1" samples &&
	grep -qx "dbx_insider_sync_last_run_rejected{$l,stage=validate,rule=attribute-phone} 1" samples; ok $? "#12 §5 metrics: rejected by rule"
grep -qx "dbx_insider_sync_last_run_warnings{$l} 0" samples; ok $? "#12 §5 metrics: warnings"
grep -qx "dbx_insider_sync_checkpoint_version{$l} 2" samples; ok $? "#12 §5 metrics: checkpoint version"
grep -q "^dbx_insider_sync_last_run_duration_seconds{$l} [0-9.]*\$" samples; ok $? "#12 §5 metrics: duration"
ok_ts=$(sed -n "s/^dbx_insider_sync_last_success_timestamp_seconds{$l} //p" samples)
now=$(date +%s)
[ -n "$ok_ts" ] && [ "$ok_ts" -le "$now" ] && [ "$ok_ts" -gt $((now - 3600)) ]; ok $? "#12 §5 metrics: last success time"
ls -a "$T/metrics" >files
printf '.\n..\ndbx_insider_sync_orders.prom\n' >want
same want files; ok $? "#12 §5 metrics: one file, no temporary left (written atomically)"
[ ! -e "$T/hook.env" ]; ok $? "#12 §5 ON_FAILURE: not run after a run that succeeded"

# every reject line carries the run id and the table
jq -r '"\(.run) \(.table)"' "$r/rejects.ndjson" | sort -u >got
printf '%s main.shop.orders\n' "$run" >want
same want got; ok $? "#12 §5 every reject line carries the run id and the table"

# a failed run: metrics keep the last success, ON_FAILURE runs with the facts and no secret
sed -i '/^INSIDER_API_TOKEN_FILE=/d; /^DATABRICKS_CLIENT_SECRET_FILE=/d' "$CONF"
printf 'INSIDER_API_TOKEN=wrong-secret-token\nDATABRICKS_CLIENT_SECRET=dbxi-test-secret\n' >>"$CONF"
while IFS= read -r c; do dbx_post /_emu/commit "$c"; done <"$T/w/commits.json"
check "#12 §5 a failed run" 77 dbx-insider-sync "$CONF"
r2=$(last_run); run2=$(basename "$r2")
python3 "$DATA/sync/prom-check.py" "$prom" >samples; st=$?
[ $st -eq 0 ]; ok $? "#12 §5 metrics after a failure: valid"
grep -qx "dbx_insider_sync_last_run_exit_code{$l} 77" samples; ok $? "#12 §5 metrics: the failed run's exit"
grep -qx "dbx_insider_sync_last_success_timestamp_seconds{$l} $ok_ts" samples; ok $? "#12 §5 metrics: the last success time stays"
[ -f "$T/hook.env" ]; ok $? "#12 §5 ON_FAILURE ran after the failed run"
grep -qx "DBXI_RUN=$run2" "$T/hook.env"; ok $? "#12 §5 ON_FAILURE: the run id"
grep -qx "DBXI_EXIT=77" "$T/hook.env"; ok $? "#12 §5 ON_FAILURE: the exit status"
s=$(sed -n 's/^DBXI_SUMMARY=//p' "$T/hook.env")
[ "$s" = "${r2}summary.json" ] && jq -e '.exit == 77' "$s" >/dev/null; ok $? "#12 §5 ON_FAILURE: the summary's path"
grep -e wrong-secret-token -e dbxi-test-secret -e ins-test-token "$T/hook.env" >leak
[ ! -s leak ]; ok $? "#12 §5 ON_FAILURE: no secret value in its environment"
grep -e '^INSIDER_API_TOKEN' -e '^DATABRICKS_CLIENT_SECRET' -e '^DATABRICKS_TOKEN' "$T/hook.env" >leak
[ ! -s leak ]; ok $? "#12 §5 ON_FAILURE: no secret variable in its environment"
grep -qx "hook ran" "$r2/log"; ok $? "#12 §5 ON_FAILURE: its output goes to the run's log"
printf 'ON_FAILURE=exit 3\n' >>"$CONF"
check "#12 §5 ON_FAILURE that fails: the run's own exit" 77 dbx-insider-sync "$CONF"
check_err "#12 §5 ON_FAILURE that fails: said" "ON_FAILURE exited 3"
sed -i '/^INSIDER_API_TOKEN=/d; /^ON_FAILURE=exit 3/d' "$CONF"
printf 'INSIDER_API_TOKEN_FILE=%s/ins-token\n' "$T" >>"$CONF"

# --status over a folder: one line per integration
mkdir confs
cp "$CONF" confs/orders.conf
sed "s|^STATE_DIR=.*|STATE_DIR=$T/other-state|" "$CONF" >confs/other.conf
check "#12 §5 --status DIR" 0 dbx-insider-sync --status confs
[ "$(wc -l <out)" = 2 ]; ok $? "#12 §5 --status DIR: one line per config"
grep -q "^orders: main.shop.orders checkpoint 2, last run [0-9]*T[0-9]*Z-[0-9]* failed exit 77 [0-9]*m ago, 1 rejected, 0 warnings\$" out; ok $? "#12 §5 --status DIR: checkpoint, last run, age, rejects"
grep -qx "other: main.shop.orders checkpoint none, no run yet" out; ok $? "#12 §5 --status DIR: an integration that never ran"
[ ! -e "$T/other-state" ]; ok $? "#12 §5 --status DIR creates no STATE_DIR"
check "#12 §5 --status CONFIG CONFIG" 0 dbx-insider-sync --status confs/orders.conf confs/other.conf
[ "$(wc -l <out)" = 2 ]; ok $? "#12 §5 --status with two configs: two lines"

# --replay: the rejects file of the first run, one record hand-fixed, through validate and push
cp "$SD/state.json" state.before
jq -c 'if .record_number == 5 then .record.identifiers.email = "fixed@example.com" | .record.attributes.email = "fixed@example.com" else . end' "$r/rejects.ndjson" >fixed.ndjson
check "#12 §5 --replay a hand-fixed rejects file" 0 dbx-insider-sync --replay fixed.ndjson "$CONF"
check_err "#12 §5 --replay: the last line" "2 users read from $T/fixed.ndjson, 1 delivered, 1 rejected"
ins_get /_emu/users | jq -e '[.users[].identifiers.email] | index("fixed@example.com") != null' >/dev/null; ok $? "#12 §5 --replay: the fixed user is at Insider"
cmp -s state.before "$SD/state.json"; ok $? "#12 §5 --replay: the checkpoint is not touched"
rr=$(ls -1d "$SD"/runs/*-replay/ | tail -n 1)
[ -n "$rr" ] && [ -s "$rr/journal.ndjson" ] && [ -s "$rr/log" ]; ok $? "#12 §5 --replay: its own run directory with log and journal"
jq -se '.[-1] | .result == "replay" and .exit == 0 and .delivered == 1 and .rejected == 1' "$SD/runs.log" >/dev/null; ok $? "#12 §5 --replay: journaled in runs.log"
jq -r '"\(.run) \(.table) \(.rule)"' "$rr/rejects.ndjson" >got
printf '%s main.shop.orders attribute-phone\n' "$(basename "$rr")" >want
same want got; ok $? "#12 §5 --replay: the still-bad record rejected again, with the replay's run id"
[ ! -e "$SD/progress.json" ] && [ ! -e "$SD/state.json.pending" ]; ok $? "#12 §5 --replay: no pending or progress file"
# a failed dry run is not a failed run: no ON_FAILURE
rm -f "$T/hook.env"
sed "s|^STATE_DIR=.*|STATE_DIR=$T/dry-state|" "$CONF" >dry.conf
printf 'MAX_REJECT_RATIO=0\n' >>dry.conf
check "#12 §5 a dry run that fails (MAX_REJECT_RATIO=0)" 65 dbx-insider-sync --dry-run dry.conf
[ ! -e "$T/hook.env" ]; ok $? "#12 §5 ON_FAILURE: not run after a failed dry run"
check "#12 §5 --replay of a file that is not there" 64 dbx-insider-sync --replay nothere.ndjson "$CONF"
check_err "#12 §5 --replay: the message" "--replay: cannot read nothere.ndjson"
done_testing
