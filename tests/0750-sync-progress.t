#!/bin/sh
# dbx-insider-sync progress and the run's result (#12 §3): a live status line on a terminal
# (tested under script(1)), none off a terminal; validate's warnings (event-too-old) in the last
# line, summary.json, runs.log and --status; STRICT and MAX_EVENT_AGE; --status shows a run in
# progress and keeps dry-run rejects apart.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 31
sync_start

# on a terminal: the live line (cleared and redrawn with \r ESC[K), the stage lines over it.
# The live line is drawn when the run starts, then every second: a run of six rows can end
# before the loop drawing it has run once, so the Databricks emulator answers its first
# request 1.5 s late
dbx_post /_emu/fault '{"kind":"slow","seconds":1.5,"count":1}'
script -qefc "dbx-insider-sync --dry-run $CONF" /dev/null </dev/null >tty.out 2>&1; st=$?
[ $st -eq 0 ]; ok $? "#12 §3 a dry run on a terminal (script) exits 0 ($st)"
tr -d '\n' <tty.out | tr '\r' '\n' >tty.lines
grep -a -q '^.\[Kdbx-insider-sync: [0-9]*s: [0-9?]* rows read, .* mapped, .* passed, [0-9]* at insider-push, [0-9]* would be sent (dry run), [0-9]* rejected' tty.lines
ok $? "#12 §3 on a terminal: one live status line for the whole pipeline (a dry run: what would be sent)"
jq -e '.dry_run == true and .would_send == 4 and .records == 4 and (has("delivered") | not)' "$(last_run)/progress.json" >/dev/null
ok $? "#12 §3 a dry run's live line counts from insider-push's dry-run progress file (4 would be sent)"
grep -a -q '^.\[Kdbx-cdf-read: read versions 2..2: 6 rows' tty.lines; ok $? "#12 §3 on a terminal: a stage's line clears the live line first"
grep -a -q 'dbx-insider-sync: run .* dry-run: versions 2..2, 6 rows read' tty.lines; ok $? "#12 §3 on a terminal: the run's last line"
# a slow Insider: the live line counts deliveries and, once the rows read are known, an ETA
cp "$CONF" slow.conf
printf 'BATCH_SIZE=1\nCONCURRENCY=1\nSTATE_DIR=%s/slow-state\n' "$T" >>slow.conf
sed -i "0,/^STATE_DIR=/{/^STATE_DIR=/d}" slow.conf
ins_post /_emu/fault '{"kind":"slow","seconds":1,"count":4}'
script -qefc "dbx-insider-sync $T/slow.conf" /dev/null </dev/null >tty.out 2>&1; st=$?
[ $st -eq 0 ]; ok $? "#12 §3 a slow run on a terminal exits 0 ($st)"
tr -d '\n' <tty.out | tr '\r' '\n' >tty.lines
grep -a -q '^.\[Kdbx-insider-sync: [0-9]*s: 6 rows read, .* [1-3] delivered, [0-9]* rejected, [0-9]*/s, ETA [0-9]*s' tty.lines
ok $? "#12 §3 the live line: rows read, delivered so far, rate and ETA"

# off a terminal: plain lines only
check "#12 §3 off a terminal" 0 dbx-insider-sync --dry-run "$CONF"
printf '\r' >cr
grep -q -F -f cr err; [ $? -eq 1 ]; ok $? "#12 §3 off a terminal: no live line (no carriage return)"

# warnings: events older than Insider keeps them (it drops them silently) are counted
export DBXI_NOW=2030-01-01T00:00:00Z
check "#12 §3 a run with old events" 0 dbx-insider-sync "$CONF"
check_err "#12 §3 warnings in the last line" "4 passed with warnings (event-too-old: 4), checkpoint 2"
r=$(last_run)
jq -e '.warnings == 4 and .warnings_by_rule == [{"rule":"event-too-old","count":4}]' "$r/summary.json" >/dev/null; ok $? "#12 §3 warnings in summary.json"
jq -se '.[-1] | .warnings == 4' "$SD/runs.log" >/dev/null; ok $? "#12 §3 warnings in runs.log"
check "#12 §3 --status" 0 dbx-insider-sync --status "$CONF"
grep -q "exit 0 ok: versions 2..2, delivered 4, rejected 2, warnings 4, checkpoint 2" out; ok $? "#12 §3 warnings in --status"

# MAX_EVENT_AGE=0: no age check; STRICT=yes: warnings reject
cp "$CONF" age.conf; printf 'MAX_EVENT_AGE=0\n' >>age.conf
check "#12 §3 MAX_EVENT_AGE=0" 0 dbx-insider-sync --resnapshot age.conf
jq -e '.warnings == 0 and .delivered == 4' "$(last_run)/summary.json" >/dev/null; ok $? "#12 §3 MAX_EVENT_AGE=0 reaches validate: no warnings"
cp "$CONF" strict.conf; printf 'STRICT=yes\n' >>strict.conf
check "#12 §3 STRICT=yes" 0 dbx-insider-sync --resnapshot strict.conf
jq -r 'select(.rule == "event-too-old") | .record_number' "$(last_run)/rejects.ndjson" | sort -n | tr '\n' ' ' >got
[ "$(cat got)" = "1 2 3 4 " ]; ok $? "#12 §3 STRICT=yes reaches validate: old events are rejected"
unset DBXI_NOW

# --status: a run in progress (another process holds the lock) and dry runs apart
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"w"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2],"w").close(); time.sleep(30)' "$SD/lock" held & holder=$!
i=0; while [ ! -e held ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
mkdir -p "$SD/runs/20991231T000000Z-1"; echo run >"$SD/runs/20991231T000000Z-1/mode"
check "#12 §3 --status while a run goes on" 0 dbx-insider-sync --status "$CONF"
grep -q "^in progress: run 20991231T000000Z-1 (run)" out; ok $? "#12 §3 --status shows the run in progress"
kill $holder 2>/dev/null; wait $holder 2>/dev/null
rm -rf "$SD/runs/20991231T000000Z-1"
check "#12 §3 --status, nothing running" 0 dbx-insider-sync --status "$CONF"
grep -q "^in progress" out; [ $? -eq 1 ]; ok $? "#12 §3 --status: no run in progress once the lock is free"
SD=$T/dry-state
sed "s|^STATE_DIR=.*|STATE_DIR=$SD|" "$CONF" >dry.conf
check "#12 §3 a dry run with rejects" 0 dbx-insider-sync --dry-run dry.conf
d=$(last_run)
check "#12 §3 a real run with rejects" 0 dbx-insider-sync dry.conf
check "#12 §3 --status after the dry run" 0 dbx-insider-sync --status dry.conf
sed -n '/^rejects of the last 5 runs/,/^rejects of the last dry run/{/^rejects of the last dry run/!p;}' out >section
grep -c -F "$d" section >n
[ "$(cat n)" = 0 ] && grep -q "^  2 in $(last_run)rejects.ndjson" section; ok $? "#12 §3 --status: the dry run's rejects are not among the runs' rejects"
grep -q "^rejects of the last dry run: 2 in ${d}rejects.ndjson" out; ok $? "#12 §3 --status: the dry run's rejects on their own line"
# a dry run of a re-snapshot reads the whole table and leaves the real checkpoint alone
cp "$SD/state.json" cp.before
check "#12 §3 --dry-run --resnapshot" 0 dbx-insider-sync --dry-run --resnapshot dry.conf
check_err "#12 §3 --dry-run --resnapshot reads the table's snapshot" "versions 2..2, 6 rows read"
cmp -s cp.before "$SD/state.json" && [ ! -e "$SD/state.json.before-resnapshot" ]; ok $? "#12 §3 --dry-run --resnapshot leaves the checkpoint where it was"
done_testing
