#!/bin/sh
# #11.1: an interrupted first snapshot read in windows resumes where it stopped, whatever
# stopped it: SIGINT (Ctrl-C on the whole pipeline) and a stage's error (77, as 69) keep
# the windows delivered in the checkpoint, and the next run starts at the first undelivered one.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 13
windows_start "--chunk-rows 2"

# SIGINT to the whole process group once two windows are delivered
ins_post /_emu/fault '{"kind":"slow","seconds":0.15,"count":1000000}'
# as a terminal starts a job: its own process group, SIGINT not ignored (a non-interactive
# shell starts background commands with SIGINT ignored)
python3 -c 'import os,signal,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
	dbx-insider-sync "$CONF" >/dev/null 2>int.err & sync=$!
i=0
while [ $i -lt 600 ] && ! jq -e '.window.done >= 2' "$SD/progress.json" >/dev/null 2>&1; do sleep 0.05; i=$((i + 1)); done
python3 -c "import os,signal,sys; os.killpg(int(sys.argv[1]), signal.SIGINT)" $sync
wait $sync; st=$?
[ "$st" -eq 75 ]; ok $? "#11.1 SIGINT: the run exits 75 (got $st)"
grep -q "checkpoint moved from none to the snapshot at version 4: [2-5] of 5 windows delivered" int.err
ok $? "#11.1 SIGINT: the last line says how far the snapshot got"
grep -q "dbx-cdf-read: snapshot at version 4: 50 rows to read" int.err
ok $? "#12 §3 dbx-cdf-read says how many rows the snapshot holds (the live line's ETA)"
jq -e '.window.snapshot == true and .window.done >= 2' "$SD/state.json" >/dev/null
ok $? "#11.1 SIGINT: the checkpoint keeps the windows delivered ($(cat "$SD/state.json" 2>/dev/null))"
python3 -c 'import sys,urllib.request as u; u.urlopen(u.Request(sys.argv[1], method="DELETE")).read()' "http://127.0.0.1:$IPORT/_emu/fault"
check "#11.1 SIGINT: the next run" 0 dbx-insider-sync "$CONF"
check_err "#11.1 SIGINT: it resumes at a window of the same snapshot" "resuming the snapshot at version 4 at window"
[ "$(unique)" = 50 ]; ok $? "#11.1 SIGINT: nothing missing"
jq -e '.version == 4' "$SD/state.json" >/dev/null; ok $? "#11.1 SIGINT: checkpoint at version 4"

# a run that stops with an error after two windows (Insider refuses the token: 77; a 69 takes
# the same path: the failed run settles what insider-push reported): the windows are kept
SD2=$T/state2
sed "s|^STATE_DIR=.*|STATE_DIR=$SD2|" "$CONF" >"$T/b.conf"
ins_post /_emu/reset '{}'
ins_post /_emu/fault '{"kind":"slow","seconds":0.05,"count":12}'
ins_post /_emu/fault '{"status":401,"count":1}'
check "#11.1 a run stopped by an error after two windows" 77 dbx-insider-sync "$T/b.conf"
jq -e '.window.snapshot == true and .window.done >= 2' "$SD2/state.json" >/dev/null
ok $? "#11.1 stopped: the checkpoint keeps the windows delivered ($(cat "$SD2/state.json" 2>/dev/null))"
check "#11.1 stopped: the next run" 0 dbx-insider-sync "$T/b.conf"
check_err "#11.1 stopped: it resumes at a window of the same snapshot" "resuming the snapshot at version 4 at window"
[ "$(unique)" = 50 ]; ok $? "#11.1 stopped: nothing missing"
done_testing
